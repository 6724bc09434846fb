//! Processes: the table, the scheduler, and the life of a process (fork, exit, wait).
//!
//! Slot 0 of the table is the kernel's own task, the monitor, which runs on the boot stack
//! with no address space of its own. Every other slot is a user process with its own
//! address space (space.rs), kernel stack and saved registers. Only core 0 runs, and the
//! kernel is not preemptible: it runs with IRQs masked while handling a process's exception,
//! so a process loses the processor only at a tick taken from EL0 (preemption), or when it
//! blocks (`sleep`) or yields.
//!
//! States: a new process is Runnable; the scheduler makes one Running at a time; a process
//! that waits (for a child, input or a time) is Sleeping until woken; one that exits is a
//! Zombie, holding its wait status, until its parent's wait4 collects it and frees the slot.

use crate::asid::Asids;
use crate::errno::Errno;
use crate::fs::file::{Descriptor, FdTable};
use crate::signal::{self, Info, Signals};
use crate::fs::procfs::{self, RunState, Snapshot};
use crate::fs::vfs::InodeRef;
use crate::rusage::Usage;
use crate::space::Space;
use crate::trap::TrapFrame;
use crate::{cpu, println, vm};
use core::arch::asm;
use core::fmt;
use alloc::vec::Vec;
use core::mem::offset_of;
use core::sync::atomic::{AtomicUsize, Ordering};

// ANCHOR: limits
/// The size of the process table, the monitor's slot included: fork past it is EAGAIN.
pub const MAX_PROCESSES: usize = 32;
/// The monitor's slot and pid: the parent of init and of every process `run` starts, and of
/// orphans when there is no init.
const MONITOR: usize = 0;
/// How long a process may run before the next runnable one gets the processor: one tick
/// of the 100 Hz timer, 10 ms.
pub const TIME_SLICE_TICKS: u64 = 1;
// ANCHOR_END: limits

// ANCHOR: context
/// What `switch_context` saves of a task that gives up the processor: the registers a
/// function call must preserve (x19-x28, the frame pointer x29 and the link register x30)
/// and the stack pointer. Everything else the task had is in its trap frame, on its stack.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Context {
    x19_to_x30: [u64; 12],
    sp: u64,
}

const _: () = assert!(offset_of!(Context, sp) == 96);

// switch_context(from, to): saves this task's context in `from`, loads `to`'s, and returns
// into the task `to` describes, on its stack, where it last called switch_context (or, for a
// new process, into exception_return with its first trap frame).
core::arch::global_asm!(
    ".global switch_context",
    "switch_context:",
    "    stp x19, x20, [x0, #0]",
    "    stp x21, x22, [x0, #16]",
    "    stp x23, x24, [x0, #32]",
    "    stp x25, x26, [x0, #48]",
    "    stp x27, x28, [x0, #64]",
    "    stp x29, x30, [x0, #80]",
    "    mov x9, sp",
    "    str x9, [x0, #96]",
    "    ldp x19, x20, [x1, #0]",
    "    ldp x21, x22, [x1, #16]",
    "    ldp x23, x24, [x1, #32]",
    "    ldp x25, x26, [x1, #48]",
    "    ldp x27, x28, [x1, #64]",
    "    ldp x29, x30, [x1, #80]",
    "    ldr x9, [x1, #96]",
    "    mov sp, x9",
    "    ret",
);

unsafe extern "C" {
    fn switch_context(from: *mut Context, to: *const Context);
    /// The bottom of the kernel stack in use, which the vectors' stack-overflow check
    /// compares SP with (vectors.s).
    static kernel_stack_bottom: AtomicUsize;
    /// The second half of every exception vector (vectors.s): restores the trap frame at SP
    /// and returns from the exception with ERET.
    fn exception_return();
}
// ANCHOR_END: context

// ANCHOR: process
/// Why a process sleeps; whoever makes the condition true wakes it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Wait {
    /// For a child to exit (wait4).
    Child,
    /// For a byte from the serial console (a read of the terminal).
    Console,
    /// For a pipe to change (bytes or room, or an end closing): the pipe's address.
    Pipe(usize),
    /// For the tick count to reach this.
    Tick(u64),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum State {
    Runnable,
    Running,
    Sleeping(Wait),
    /// Stopped by a signal (SIGSTOP, ^Z's SIGTSTP...) until SIGCONT or SIGKILL.
    Stopped,
    /// Exited; the wait status is kept for the parent.
    Zombie(u32),
}

/// A change wait4 reports to the parent once, if asked (WUNTRACED, WCONTINUED).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Change {
    Stopped(u32),
    Continued,
}

pub struct Process {
    pub pid: u32,
    pub parent: u32,
    pub state: State,
    name: [u8; 16],
    name_len: usize,
    /// None for the monitor, which has no user half.
    pub space: Option<Space>,
    /// Its file descriptors, working directory and file-creation mask (umask).
    pub files: FdTable,
    pub cwd: Cwd,
    pub umask: u32,
    /// Its signals' actions, and the blocked and pending sets (signal.rs).
    pub signals: Signals,
    /// Its process group and session, by the pids of their leaders.
    pub pgid: u32,
    pub sid: u32,
    /// A stop or continue its parent has not yet been told of.
    pub change: Option<Change>,
    /// The processor time it used and the memory it held (rusage.rs), and the counter's
    /// reading when its time was last charged (`account`).
    pub usage: Usage,
    since: u64,
    /// When it started, in ticks since boot.
    pub started: u64,
    /// Its program's arguments, each ended by a NUL (/proc/PID/cmdline).
    pub arguments: Vec<u8>,
    /// The top of the kernel stack; its trap frame, while the process is at EL0 or in the
    /// kernel on its behalf, sits just below.
    kernel_stack_top: usize,
    context: Context,
}

/// A working directory: the inode, which relative paths start from, and its absolute path,
/// which getcwd reports.
#[derive(Clone)]
pub struct Cwd {
    pub inode: InodeRef,
    pub path: Vec<u8>,
}

/// The umask a process starts with, as a Linux login's: no write for group and others.
pub const DEFAULT_UMASK: u32 = 0o022;
// ANCHOR_END: process

impl Process {
    pub fn name(&self) -> &str {
        core::str::from_utf8(&self.name[..self.name_len]).unwrap_or("?")
    }

    fn set_name(&mut self, name: &[u8]) {
        self.name_len = name.len().min(self.name.len());
        self.name[..self.name_len].copy_from_slice(&name[..self.name_len]);
    }

    /// The trap frame the process entered the kernel with.
    fn frame(&mut self) -> &mut TrapFrame {
        let frame = (self.kernel_stack_top - size_of::<TrapFrame>()) as *mut TrapFrame;
        // SAFETY: every user process's kernel stack holds its trap frame at the top (put
        // there by the vectors, or by fork and spawn), and `&mut self` makes this the only use.
        unsafe { &mut *frame }
    }
}

struct Table {
    slots: [Option<Process>; MAX_PROCESSES],
    current: usize,
    next_pid: u32,
    asids: Asids,
    /// The process the monitor is waiting for: the only child of the monitor not reaped
    /// by the kernel itself.
    foreground: u32,
    /// When the running process got the processor, in ticks.
    slice_start: u64,
    /// Whether an orphan may be waiting to be reaped: saves the scheduler a look at every
    /// slot on every switch.
    orphans: bool,
    /// The pid of init, the first process (init.rs), while it lives; 0 when there is none.
    init: u32,
    /// The counter cycles the processor has spent idle, in the scheduler's WFI.
    idle: u64,
}

static TABLE: crate::spinlock::SpinLock<Table> = crate::spinlock::SpinLock::new(Table {
    slots: [const { None }; MAX_PROCESSES],
    current: MONITOR,
    next_pid: 1,
    asids: Asids::new(255),
    foreground: 0,
    slice_start: 0,
    orphans: false,
    init: 0,
    idle: 0,
});

/// Puts the monitor, the code running now, in slot 0.
pub fn init() {
    TABLE.lock().slots[MONITOR] = Some(Process {
        pid: 0,
        parent: 0,
        state: State::Running,
        name: *b"monitor\0\0\0\0\0\0\0\0\0",
        name_len: 7,
        space: None,
        files: FdTable::new(),
        cwd: root_cwd(),
        umask: DEFAULT_UMASK,
        signals: Signals::new(),
        pgid: 0,
        sid: 0,
        change: None,
        usage: Usage::default(),
        since: 0,
        started: 0,
        arguments: Vec::new(),
        kernel_stack_top: crate::layout::stack_top(),
        context: Context::default(),
    });
}

/// The root directory, as a working directory.
pub fn root_cwd() -> Cwd {
    Cwd { inode: crate::fs::vfs::root().expect("the root filesystem is mounted before processes start"), path: b"/".to_vec() }
}

/// Runs `work` on the current process (under the table's lock).
pub fn with_current<R>(work: impl FnOnce(&mut Process) -> R) -> R {
    let mut table = TABLE.lock();
    let current = table.current;
    work(table.slots[current].as_mut().expect("the current slot holds a process"))
}

// ANCHOR: activate
/// Loads `process`'s address space into TTBR0_EL1, with its ASID (a fresh one if its
/// generation is over), or the empty table for the monitor.
fn activate(asids: &mut Asids, process: &mut Process) {
    let ttbr0 = match process.space.as_mut() {
        Some(space) => {
            let (asid, new_generation) = asids.assign(space.asid);
            space.asid = Some(asid);
            if new_generation {
                // SAFETY: dropping every cached translation only costs time.
                unsafe { asm!("dsb ishst", "tlbi vmalle1is", "dsb ish", options(nostack, preserves_flags)) };
            }
            space.root() | (asid.value as u64) << 48
        }
        // ASID 0 is never handed out: nothing is cached under it but the empty table's faults.
        None => vm::empty_user_table(),
    };
    load_ttbr0(ttbr0);
}

fn load_ttbr0(ttbr0: u64) {
    // SAFETY: TTBR0 holds the lower half only; the kernel runs in the higher half (TTBR1),
    // which this does not change.
    unsafe { asm!("msr ttbr0_el1, {}", "isb", in(reg) ttbr0, options(nostack, preserves_flags)) };
}

/// execve's last step: the current process takes the name, arguments and address space of
/// the new program, whose tables are loaded at once. Returns the old space, for the caller
/// to free.
pub fn replace_space(name: &[u8], arguments: Vec<u8>, space: Space) -> Option<Space> {
    let mut table = TABLE.lock();
    let current = table.current;
    let table = &mut *table;
    let process = table.slots[current].as_mut().expect("the current slot holds a process");
    process.set_name(name);
    process.arguments = arguments;
    note_pages(process);
    let old = process.space.replace(space);
    activate(&mut table.asids, process);
    old
}
// ANCHOR_END: activate

// ANCHOR: schedule
/// What the scheduler decided.
enum Pick {
    /// The current task goes on.
    Same,
    Switch(*mut Context, *const Context),
    /// Nothing can run: wait for an interrupt.
    Idle,
}

impl Table {
    /// Round robin: the first runnable slot after the current one, the current one last.
    fn pick(&mut self) -> Pick {
        let current = self.current;
        if let Some(process) = self.slots[current].as_mut() {
            if process.state == State::Running {
                process.state = State::Runnable;
            }
        }
        let next = (1..=MAX_PROCESSES)
            .map(|step| (current + step) % MAX_PROCESSES)
            .find(|&slot| self.slots[slot].as_ref().is_some_and(|p| p.state == State::Runnable));
        let Some(next) = next else {
            return Pick::Idle;
        };
        self.slice_start = crate::timer::ticks();
        self.charge_switch(current, next);
        let asids = &mut self.asids;
        let process = self.slots[next].as_mut().expect("picked a present slot");
        process.state = State::Running;
        if next == current {
            return Pick::Same;
        }
        activate(asids, process);
        let bottom = match process.space {
            Some(_) => process.kernel_stack_top - vm::KERNEL_STACK_SIZE,
            None => crate::layout::stack_bottom(),
        };
        // SAFETY: vectors.s defines the variable, 8-byte aligned, and reads it only in the
        // exception entry, which cannot run while IRQs are masked here.
        unsafe { kernel_stack_bottom.store(bottom, Ordering::Relaxed) };
        let to = &raw const process.context;
        self.current = next;
        let from = &raw mut self.slots[current].as_mut().expect("the current slot holds a process").context;
        Pick::Switch(from, to)
    }
}

/// Gives the processor to the next runnable task and returns when this one runs again. If
/// none can run (this one included), sleeps in WFI until an interrupt makes one runnable.
pub fn schedule() {
    let daif = cpu::mask_irqs();
    loop {
        let pick = TABLE.lock().pick();
        match pick {
            Pick::Same => break,
            Pick::Switch(from, to) => {
                // SAFETY: both contexts are in the static table, whose slots stay put while
                // their processes exist; `from` is this task's, `to` a task that is not
                // running. IRQs are masked, so nothing else runs until the switch is done.
                unsafe { switch_context(from, to) };
                break;
            }
            Pick::Idle => {
                // The idle loop: sleep until an interrupt, take it (its handler may wake a
                // task), then look again. The time waiting is no one's (`account`).
                let since = crate::timer::counter();
                cpu::wait_for_interrupt();
                cpu::enable_irqs();
                cpu::mask_irqs();
                TABLE.lock().charge_idle(crate::timer::counter() - since);
            }
        }
    }
    reap_orphans();
    cpu::restore_interrupts(daif);
}
// ANCHOR_END: schedule

/// The kernel stack in use: the boot stack (the monitor's), or the current process's. Where
/// a backtrace may find frame records.
pub fn kernel_stack() -> core::ops::Range<usize> {
    // SAFETY: vectors.s defines the variable; only the scheduler writes it.
    let bottom = unsafe { kernel_stack_bottom.load(Ordering::Relaxed) };
    if bottom == crate::layout::stack_bottom() {
        bottom..crate::layout::stack_top()
    } else {
        bottom..bottom + vm::KERNEL_STACK_SIZE
    }
}

/// Called after every interrupt taken from EL0: gives up the processor when the process
/// has had its time slice (preemption).
pub fn preempt() {
    let expired = {
        let table = TABLE.lock();
        crate::timer::ticks() >= table.slice_start + TIME_SLICE_TICKS
    };
    if expired {
        schedule();
    }
}

// ANCHOR: account
/// What the time since the current process's last reading was spent on.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Spent {
    /// The process ran at EL0: it has just entered the kernel.
    User,
    /// The kernel ran for it: it is about to return to EL0.
    System,
}

/// Charges the time since the current process's last reading to its user or system time
/// (rusage.rs), and samples its memory high-water mark. exceptions.rs calls this when an
/// exception from EL0 comes in (User) and when it returns (System); the scheduler charges
/// the rest (`charge_switch`).
pub fn account(spent: Spent) {
    let now = crate::timer::counter();
    let mut table = TABLE.lock();
    let current = table.current;
    let process = table.slots[current].as_mut().expect("the current slot holds a process");
    let elapsed = now.saturating_sub(process.since);
    process.since = now;
    match spent {
        Spent::User => process.usage.user += elapsed,
        Spent::System => process.usage.system += elapsed,
    }
    note_pages(process);
}

impl Table {
    /// A switch from slot `from` to slot `to`, both in the kernel: `from`'s time until now was
    /// system time, and `to`'s reading starts now.
    fn charge_switch(&mut self, from: usize, to: usize) {
        let now = crate::timer::counter();
        if let Some(process) = self.slots[from].as_mut() {
            process.usage.system += now.saturating_sub(process.since);
        }
        if let Some(process) = self.slots[to].as_mut() {
            process.since = now;
        }
    }

    /// The processor was idle for `cycles`, waiting in the scheduler: no one's time. The
    /// current process's reading moves past it.
    fn charge_idle(&mut self, cycles: u64) {
        self.idle += cycles;
        let current = self.current;
        if let Some(process) = self.slots[current].as_mut() {
            process.since += cycles;
        }
    }
}

/// Raises the process's memory high-water mark to what it has mapped now.
fn note_pages(process: &mut Process) {
    if let Some(space) = &process.space {
        process.usage.max_pages = process.usage.max_pages.max(space.pages as u64);
    }
}

/// The counter cycles the processor spent idle since boot (/proc/uptime).
pub fn idle_cycles() -> u64 {
    TABLE.lock().idle
}
// ANCHOR_END: account

/// Sleeps until woken for `wait`. The caller masks IRQs, checks its condition and calls
/// this, so that a wake-up cannot come between the check and the sleep.
pub fn sleep(wait: Wait) {
    with_current(|process| process.state = State::Sleeping(wait));
    schedule();
}

/// Makes every task sleeping for `wait` runnable.
pub fn wake(wait: Wait) {
    for process in TABLE.lock().slots.iter_mut().flatten() {
        if process.state == State::Sleeping(wait) {
            process.state = State::Runnable;
        }
    }
}

/// The timer's tick: wakes the sleepers whose time has come.
pub fn wake_sleepers(now: u64) {
    for process in TABLE.lock().slots.iter_mut().flatten() {
        if matches!(process.state, State::Sleeping(Wait::Tick(until)) if until <= now) {
            process.state = State::Runnable;
        }
    }
}

// ANCHOR: spawn
/// A new process in a free slot, with a kernel stack whose trap frame is `frame` and which
/// starts by returning to EL0 through it. Its pid, or EAGAIN when the table is full.
/// What a new process inherits besides its memory: descriptors, working directory, umask.
pub struct Inherited {
    pub files: FdTable,
    pub cwd: Cwd,
    pub umask: u32,
    pub signals: Signals,
    /// Its process group and session; None for a new session of its own, led by it.
    pub group: Option<(u32, u32)>,
}

fn start(table: &mut Table, parent: u32, name: &[u8], arguments: Vec<u8>, space: Space, inherited: Inherited, frame: TrapFrame) -> Result<u32, (Errno, Space)> {
    let Some(slot) = (1..MAX_PROCESSES).find(|&slot| table.slots[slot].is_none()) else {
        return Err((Errno::EAGAIN, space));
    };
    let Ok(top) = vm::map_kernel_stack(slot) else {
        return Err((Errno::ENOMEM, space));
    };
    let pid = table.next_pid;
    table.next_pid += 1;
    let (pgid, sid) = inherited.group.unwrap_or((pid, pid));
    // Built in its slot: a process is kilobytes (its descriptors and signal actions), and a
    // copy on the way would take that much more of the kernel stack fork runs on.
    let process = table.slots[slot].insert(Process {
        pid,
        parent,
        state: State::Runnable,
        name: [0; 16],
        name_len: 0,
        space: Some(space),
        files: inherited.files,
        cwd: inherited.cwd,
        umask: inherited.umask,
        signals: inherited.signals,
        pgid,
        sid,
        change: None,
        usage: Usage::default(),
        since: crate::timer::counter(),
        started: crate::timer::ticks(),
        arguments,
        kernel_stack_top: top,
        context: Context::default(),
    });
    process.set_name(name);
    *process.frame() = frame;
    // The first switch to the process "returns" into exception_return, with SP at its frame.
    process.context.sp = (top - size_of::<TrapFrame>()) as u64;
    process.context.x19_to_x30[11] = exception_return as *const () as u64;
    Ok(pid)
}

/// How the monitor starts a process: [`spawn`] for `run`, [`spawn_init`] for the first one.
pub type Spawn = fn(&[u8], Vec<u8>, Space, Inherited, u64, u64) -> Result<u32, Errno>;

/// A new process running `space` from `entry` with its stack at `sp`, child of the monitor,
/// which will wait for it (`run`).
pub fn spawn(name: &[u8], arguments: Vec<u8>, space: Space, inherited: Inherited, entry: u64, sp: u64) -> Result<u32, Errno> {
    let mut table = TABLE.lock();
    let pid = start(&mut table, 0, name, arguments, space, inherited, TrapFrame::at_entry(entry, sp)).map_err(|(errno, space)| {
        space.destroy();
        errno
    })?;
    table.foreground = pid;
    Ok(pid)
}

// ANCHOR: spawn_init
/// [`spawn`] for init: the process that orphans go to and that no signal kills unless it
/// has a handler for it, as on Linux (init.rs).
pub fn spawn_init(name: &[u8], arguments: Vec<u8>, space: Space, inherited: Inherited, entry: u64, sp: u64) -> Result<u32, Errno> {
    let pid = spawn(name, arguments, space, inherited, entry, sp)?;
    TABLE.lock().init = pid;
    Ok(pid)
}
// ANCHOR_END: spawn_init

/// fork: a copy of the current process whose system call returns 0.
pub fn fork() -> Result<u32, Errno> {
    let mut table = TABLE.lock();
    let current = table.current;
    let parent = table.slots[current].as_mut().expect("the current slot holds a process");
    let mut frame = *parent.frame();
    frame.x[0] = 0;
    let (pid, name_len, name, arguments) = (parent.pid, parent.name_len, parent.name, parent.arguments.clone());
    // The child shares every open file (and its offset) with the parent.
    let inherited = Inherited {
        files: parent.files.clone(),
        cwd: parent.cwd.clone(),
        umask: parent.umask,
        signals: parent.signals.fork(),
        group: Some((parent.pgid, parent.sid)),
    };
    let space = parent.space.as_mut().ok_or(Errno::EINVAL)?.fork()?;
    start(&mut table, pid, &name[..name_len], arguments, space, inherited, frame).map_err(|(errno, space)| {
        space.destroy();
        errno
    })
}
// ANCHOR_END: spawn

// ANCHOR: exit
/// Ends the current process with wait status `status`: its memory goes at once, its
/// children go to init, and it stays a zombie until its parent collects it.
pub fn exit(status: u32) -> ! {
    // Its files close first, outside the table's lock: closing a pipe's end wakes its
    // readers, which takes the lock.
    let files: Vec<Descriptor> = with_current(|process| process.files.take_all());
    drop(files);
    // The lower half goes first: TTBR0 must not point at tables being freed.
    let space = with_current(|process| {
        note_pages(process);
        process.space.take()
    });
    load_ttbr0(vm::empty_user_table());
    if let Some(space) = space {
        space.destroy();
    }
    {
        let mut table = TABLE.lock();
        let current = table.current;
        let (pid, parent, sid) = {
            let process = table.slots[current].as_mut().expect("the current slot holds a process");
            process.state = State::Zombie(status);
            (process.pid, process.parent, process.sid)
        };
        // A session leader's end is its terminal's: it is free for the next session, and
        // the session's foreground group hears of it with SIGHUP ("hangup").
        if pid == sid {
            if let Some(foreground) = crate::tty::release(sid) {
                let _ = send_in(&mut table, Target::Group(foreground), signal::SIGHUP, Info { code: signal::SI_KERNEL, ..Info::default() });
            }
        }
        // ANCHOR: orphans
        // Its children go to init (while there is one, and this is not it), as on Linux; a
        // child that has exited already is init's to reap, and init hears of it.
        if pid == table.init {
            table.init = 0;
        }
        let heir = table.init;
        let mut children = Vec::new();
        for slot in 0..MAX_PROCESSES {
            if let Some(child) = table.slots[slot].as_mut().filter(|process| process.parent == pid) {
                child.parent = heir;
                children.push(slot);
            }
        }
        for &slot in &children {
            let child = table.slots[slot].as_ref().expect("a child found above");
            if let State::Zombie(status) = child.state {
                if heir == 0 {
                    table.orphans = true;
                } else {
                    child_exited(&mut table, slot, status);
                }
            }
        }
        // ANCHOR_END: orphans
        table.orphans |= parent == 0;
        hang_up_orphaned_groups(&mut table, current, &children);
        child_exited(&mut table, current, status);
    }
    schedule();
    unreachable!("a zombie was scheduled")
}
// ANCHOR_END: exit

// ANCHOR: child_exited
/// The child in `slot` has exited with `status`: its parent hears of it with SIGCHLD (ignored
/// unless it has a handler), and wakes if it waits. A parent that ignores SIGCHLD, or set
/// SA_NOCLDWAIT, never collects its children: the kernel reaps them (their parent becomes
/// the monitor's pid 0), and the parent's wait4 ends with ECHILD once it has none left.
fn child_exited(table: &mut Table, slot: usize, status: u32) {
    let child = table.slots[slot].as_ref().expect("an exited child");
    let (pid, parent) = (child.pid, child.parent);
    let (code, value) = match status & 0x7f {
        0 => (signal::CLD_EXITED, (status >> 8) as i32),
        signal => (signal::CLD_KILLED, signal as i32),
    };
    tell_parent(table, parent, Info { code, pid, status: value, ..Info::default() });
    let unwanted = table.slots.iter().flatten().find(|process| process.pid == parent && parent != 0).is_some_and(|parent| {
        let action = parent.signals.action(signal::SIGCHLD);
        action.handler == signal::SIG_IGN || action.flags & signal::SA_NOCLDWAIT != 0
    });
    if unwanted {
        table.slots[slot].as_mut().expect("an exited child").parent = 0;
        table.orphans = true;
    }
}
// ANCHOR_END: child_exited

// ANCHOR: orphaned_groups
/// Whether group `pgid` is orphaned: no member has its parent in another group of the same
/// session, so no shell (job control) is left to continue its stopped members.
fn orphaned(table: &Table, pgid: u32) -> bool {
    let alive = |process: &&Process| !matches!(process.state, State::Zombie(_));
    !table.slots.iter().flatten().filter(alive).filter(|process| process.pgid == pgid).any(|member| {
        table.slots.iter().flatten().filter(alive).any(|parent| parent.pid == member.parent && parent.pgid != pgid && parent.sid == member.sid)
    })
}

/// The process in `slot`, now a zombie, may have been what kept its own group, or its
/// `children`'s groups, from being orphaned. A group orphaned by its exit that has a
/// stopped member gets SIGHUP then SIGCONT, as POSIX asks: nobody could continue it.
fn hang_up_orphaned_groups(table: &mut Table, slot: usize, children: &[usize]) {
    let exited = table.slots[slot].as_ref().expect("the exiting process");
    let (pgid, sid) = (exited.pgid, exited.sid);
    let parent = table.slots.iter().flatten().find(|process| process.pid == exited.parent);
    let mut groups = Vec::new();
    if parent.is_some_and(|parent| parent.pgid != pgid && parent.sid == sid) {
        groups.push(pgid);
    }
    for &child in children {
        let child = table.slots[child].as_ref().expect("a child of the exiting process");
        if child.pgid != pgid && child.sid == sid && !groups.contains(&child.pgid) {
            groups.push(child.pgid);
        }
    }
    for group in groups {
        let stopped = table.slots.iter().flatten().any(|process| process.pgid == group && process.state == State::Stopped);
        if stopped && orphaned(table, group) {
            for signal in [signal::SIGHUP, signal::SIGCONT] {
                let _ = send_in(table, Target::Group(group), signal, Info { code: signal::SI_KERNEL, ..Info::default() });
            }
        }
    }
}

/// Whether the current process's group is orphaned: a read or write of the terminal it
/// would be stopped for fails with EIO instead (tty.rs), as on Linux.
pub fn own_group_orphaned() -> bool {
    let table = TABLE.lock();
    let pgid = table.slots[table.current].as_ref().expect("the current slot holds a process").pgid;
    orphaned(&table, pgid)
}
// ANCHOR_END: orphaned_groups

/// Sends SIGCHLD with `info` to process `parent`, and wakes it if it waits for a child.
fn tell_parent(table: &mut Table, parent: u32, info: Info) {
    if let Some(parent) = table.slots.iter_mut().flatten().find(|process| process.pid == parent) {
        let quiet = matches!(info.code, signal::CLD_STOPPED | signal::CLD_CONTINUED) && parent.signals.action(signal::SIGCHLD).flags & signal::SA_NOCLDSTOP != 0;
        // The monitor (pid 0) is the kernel's own task: it gets no signals, only the wake-up.
        if !quiet && parent.pid != 0 && parent.signals.post(signal::SIGCHLD, info) {
            interrupt(parent);
        }
        if parent.state == State::Sleeping(Wait::Child) {
            parent.state = State::Runnable;
        }
    }
}

// ANCHOR: wait
/// What wait4 is asked to report besides exits.
#[derive(Clone, Copy, Default)]
pub struct WaitFor {
    /// WNOHANG: answer None at once rather than wait.
    pub no_hang: bool,
    /// WUNTRACED: a child stopped by a signal.
    pub stopped: bool,
    /// WCONTINUED: a stopped child continued by SIGCONT.
    pub continued: bool,
}

/// wait4: the pid and wait status of a child (`pid` -1 for any, -N for any in group N, 0
/// for any in the caller's group) that exited, freeing its slot, or, if asked, that stopped
/// ((signal << 8) | 0x7f) or continued (0xffff). Ok(None) with `no_hang` if there is none
/// yet; ECHILD if there is no such child; a signal interrupts the wait.
pub fn wait(pid: i64, what: WaitFor) -> Result<Option<(u32, u32)>, Errno> {
    loop {
        {
            let mut table = TABLE.lock();
            let (me, my_group) = {
                let process = table.slots[table.current].as_ref().expect("the current slot holds a process");
                (process.pid, process.pgid)
            };
            let mut any = false;
            for slot in 0..MAX_PROCESSES {
                let Some(child) = table.slots[slot].as_mut() else { continue };
                let chosen = match pid {
                    -1 => true,
                    0 => child.pgid == my_group,
                    _ if pid < 0 => child.pgid as i64 == -pid,
                    _ => child.pid as i64 == pid,
                };
                if child.parent != me || child.pid == me || !chosen {
                    continue;
                }
                any = true;
                if let State::Zombie(status) = child.state {
                    let (child_pid, child_usage) = (child.pid, child.usage);
                    free_slot(&mut table, slot);
                    let current = table.current;
                    table.slots[current].as_mut().expect("the current slot holds a process").usage.add_child(&child_usage);
                    return Ok(Some((child_pid, status)));
                }
                match child.change {
                    Some(Change::Stopped(signal)) if what.stopped => {
                        child.change = None;
                        return Ok(Some((child.pid, signal << 8 | 0x7f)));
                    }
                    Some(Change::Continued) if what.continued => {
                        child.change = None;
                        return Ok(Some((child.pid, 0xffff)));
                    }
                    _ => {}
                }
            }
            if !any {
                return Err(Errno::ECHILD);
            }
            if what.no_hang {
                return Ok(None);
            }
            let current = table.current;
            let process = table.slots[current].as_mut().expect("the current slot holds a process");
            if process.signals.deliverable() {
                return Err(Errno(signal::ERESTARTSYS));
            }
            process.state = State::Sleeping(Wait::Child);
        }
        schedule();
    }
}
// ANCHOR_END: wait

/// Frees a zombie's slot and kernel stack.
fn free_slot(table: &mut Table, slot: usize) {
    table.slots[slot] = None;
    vm::unmap_kernel_stack(slot);
}

/// The monitor's children that it is not waiting for (orphans when there is no init, and
/// the children of parents that ignore SIGCHLD) are reaped by the kernel itself as soon as
/// they exit, as init reaps them on Unix.
fn reap_orphans() {
    let mut table = TABLE.lock();
    if !table.orphans {
        return;
    }
    table.orphans = false;
    let foreground = table.foreground;
    for slot in 1..MAX_PROCESSES {
        if table.slots[slot]
            .as_ref()
            .is_some_and(|process| process.parent == 0 && process.pid != foreground && matches!(process.state, State::Zombie(_)))
        {
            if slot == table.current {
                table.orphans = true;
            } else {
                free_slot(&mut table, slot);
            }
        }
    }
}

/// The monitor's `run` is over: its process is no longer the foreground one.
pub fn end_foreground() {
    TABLE.lock().foreground = 0;
    reap_orphans();
}

/// The pid and parent's pid of the current process.
pub fn ids() -> (u32, u32) {
    with_current(|process| (process.pid, process.parent))
}

// ANCHOR: signals
/// Linux's signal numbers, for the ones a fault sends.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Signal {
    Ill = 4,
    Trap = 5,
    Bus = 7,
    Kill = 9,
    Segv = 11,
}

impl Signal {
    pub fn name(self) -> &'static str {
        match self {
            Signal::Ill => "SIGILL",
            Signal::Trap => "SIGTRAP",
            Signal::Bus => "SIGBUS",
            Signal::Kill => "SIGKILL",
            Signal::Segv => "SIGSEGV",
        }
    }

    pub fn from_number(number: u32) -> Option<Signal> {
        [Signal::Ill, Signal::Trap, Signal::Bus, Signal::Kill, Signal::Segv].into_iter().find(|signal| *signal as u32 == number)
    }
}

// ANCHOR: send
/// Whom kill sends a signal to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Target {
    Pid(u32),
    Group(u32),
    /// Every process but init (pid 1) and this one.
    AllBut(u32),
}

/// Sends `signal` (0: none, only the check) to every process `target` names; ESRCH if none.
pub fn send(target: Target, signal: u32, info: Info) -> Result<(), Errno> {
    send_in(&mut TABLE.lock(), target, signal, info)
}

/// [`send`], with the table's lock held.
fn send_in(table: &mut Table, target: Target, signal: u32, info: Info) -> Result<(), Errno> {
    let init = table.init;
    let mut found = false;
    let mut continued = Vec::new();
    for process in table.slots.iter_mut().flatten() {
        let chosen = match target {
            Target::Pid(pid) => process.pid == pid,
            Target::Group(group) => process.pgid == group,
            Target::AllBut(me) => process.pid > 1 && process.pid != me,
        };
        // The monitor (pid 0) is the kernel's own task: no signal reaches it.
        if !chosen || process.pid == 0 || matches!(process.state, State::Zombie(_)) {
            continue;
        }
        found = true;
        // Init gets only the signals it has a handler for: a SIGKILL or a stray ^C would
        // otherwise end the system (Linux's SIGNAL_UNKILLABLE).
        if process.pid == init && process.signals.action(signal).handler == signal::SIG_DFL {
            continue;
        }
        if signal != 0 && post(process, signal, info) {
            continued.push((process.parent, process.pid));
        }
    }
    for (parent, pid) in continued {
        tell_parent(table, parent, Info { code: signal::CLD_CONTINUED, pid, status: signal::SIGCONT as i32, ..Info::default() });
    }
    if found { Ok(()) } else { Err(Errno::ESRCH) }
}

/// Sends `signal` to `process`: SIGCONT (and SIGKILL) make a stopped process run again, and
/// a signal it does not block wakes it from a sleep, which then ends with EINTR (or
/// restarts). Returns whether a stopped process continued, for its parent to hear of.
fn post(process: &mut Process, signal: u32, info: Info) -> bool {
    let mut continued = false;
    if (signal == signal::SIGCONT || signal == signal::SIGKILL) && process.state == State::Stopped {
        process.state = State::Runnable;
        if signal == signal::SIGCONT {
            process.change = Some(Change::Continued);
            continued = true;
        }
    }
    if process.signals.post(signal, info) {
        interrupt(process);
    }
    continued
}

/// A signal to act on has arrived: a sleeping process wakes to see it.
fn interrupt(process: &mut Process) {
    if matches!(process.state, State::Sleeping(_)) {
        process.state = State::Runnable;
    }
}

/// Sends `signal` to the current process, from the kernel (SIGPIPE).
pub fn send_self(signal: u32) {
    let (pid, _) = ids();
    let _ = send(Target::Pid(pid), signal, Info { code: signal::SI_KERNEL, ..Info::default() });
}

/// Whether a signal waits for the current process: a sleep in a system call ends for it.
pub fn signal_pending() -> bool {
    with_current(|process| process.signals.deliverable())
}

/// Stops the current process for `signal`: it does not run until SIGCONT or SIGKILL, and
/// its parent hears of it (SIGCHLD, and wait4 with WUNTRACED).
pub fn stop(signal: u32) {
    {
        let mut table = TABLE.lock();
        let current = table.current;
        let process = table.slots[current].as_mut().expect("the current slot holds a process");
        // A SIGCONT or SIGKILL already on its way cancels the stop.
        if process.signals.pending & (signal::bit(signal::SIGCONT) | signal::bit(signal::SIGKILL)) != 0 {
            return;
        }
        process.state = State::Stopped;
        process.change = Some(Change::Stopped(signal));
        let (parent, pid) = (process.parent, process.pid);
        tell_parent(&mut table, parent, Info { code: signal::CLD_STOPPED, pid, status: signal as i32, ..Info::default() });
    }
    schedule();
}
// ANCHOR_END: send

// ANCHOR: groups
/// setpgid(pid, pgid): moves process `pid` (0: the caller), which is the caller or a child
/// of its in its session, to group `pgid` (0: a group of its own, led by it), which must be
/// in the same session. (Linux also refuses a child that has run execve, EACCES; Bramble
/// does not keep track of that: a shell sets the group on both sides of the fork, before
/// the exec, and either may come first.)
pub fn setpgid(pid: u32, pgid: u32) -> Result<(), Errno> {
    let mut table = TABLE.lock();
    let (me, my_sid) = {
        let current = table.slots[table.current].as_ref().expect("the current slot holds a process");
        (current.pid, current.sid)
    };
    let pid = if pid == 0 { me } else { pid };
    let pgid = if pgid == 0 { pid } else { pgid };
    let group_in_session = table.slots.iter().flatten().any(|process| process.pgid == pgid && process.sid == my_sid);
    let target = table.slots.iter_mut().flatten().find(|process| process.pid == pid && (process.pid == me || process.parent == me)).ok_or(Errno::ESRCH)?;
    // A session leader stays in its group; a child elsewhere is out of reach.
    if target.sid != my_sid || target.pid == target.sid {
        return Err(Errno::EPERM);
    }
    if pgid != pid && !group_in_session {
        return Err(Errno::EPERM);
    }
    target.pgid = pgid;
    Ok(())
}

/// getpgid and getsid: of process `pid` (0: the caller).
pub fn group_and_session(pid: u32) -> Result<(u32, u32), Errno> {
    let table = TABLE.lock();
    let me = table.slots[table.current].as_ref().expect("the current slot holds a process").pid;
    let pid = if pid == 0 { me } else { pid };
    let process = table.slots.iter().flatten().find(|process| process.pid == pid).ok_or(Errno::ESRCH)?;
    Ok((process.pgid, process.sid))
}

/// setsid: the caller leads a new session and a new group in it, with no terminal yet;
/// EPERM if it leads a group already (its members would be left in another session).
pub fn setsid() -> Result<u32, Errno> {
    let mut table = TABLE.lock();
    let current = table.current;
    let pid = table.slots[current].as_ref().expect("the current slot holds a process").pid;
    if table.slots.iter().flatten().any(|process| process.pgid == pid) {
        return Err(Errno::EPERM);
    }
    let process = table.slots[current].as_mut().expect("the current slot holds a process");
    process.pgid = pid;
    process.sid = pid;
    Ok(pid)
}

/// Whether a process group exists in session `sid`.
pub fn group_exists(pgid: u32, sid: u32) -> bool {
    TABLE.lock().slots.iter().flatten().any(|process| process.pgid == pgid && process.sid == sid && !matches!(process.state, State::Zombie(_)))
}
// ANCHOR_END: groups

/// A fault of the current process, `signal` with si_code `code` about address `addr`:
/// posted for the handler the process has for it, or, if it has none or blocks the signal
/// (Linux forces a fault's signal past a blocked or ignored action), the kernel's report
/// and the end of the process.
pub fn fault(signal: Signal, code: i32, addr: u64, why: fmt::Arguments) {
    let caught = with_current(|process| {
        let number = signal as u32;
        let handler = process.signals.action(number).handler;
        let catches = handler != signal::SIG_DFL && handler != signal::SIG_IGN && process.signals.blocked & signal::bit(number) == 0;
        if catches {
            process.signals.post(number, Info { code, addr: Some(addr), ..Info::default() });
        }
        catches
    });
    if !caught {
        kill(signal, why)
    }
}

/// Kills the current process with `signal`, after the kernel's one-line report of why.
/// Its wait status is the signal number alone, as Linux encodes "killed by a signal".
pub fn kill(signal: Signal, why: fmt::Arguments) -> ! {
    let (pid, name) = with_current(|process| (process.pid, process.name));
    let name = core::str::from_utf8(&name).unwrap_or("?").trim_end_matches('\0');
    println!("pid {pid} ({name}) killed by {}: {why}", signal.name());
    exit(signal as u32)
}
// ANCHOR_END: signals

/// Linux's wait status for a process that exited with `code`: the code in bits 15:8.
pub fn exit_status(code: u64) -> u32 {
    ((code & 0xff) << 8) as u32
}

// ANCHOR: snapshot
/// The pids of the processes (zombies too, not the monitor), in order: /proc's directories.
pub fn pids() -> Vec<u32> {
    let mut pids: Vec<u32> = TABLE.lock().slots.iter().flatten().map(|process| process.pid).filter(|&pid| pid != 0).collect();
    pids.sort_unstable();
    pids
}

/// Whether process `pid` exists (a zombie does; the monitor does not, for /proc).
pub fn exists(pid: u32) -> bool {
    pid != 0 && TABLE.lock().slots.iter().flatten().any(|process| process.pid == pid)
}

/// What /proc shows of process `pid`, if it exists.
pub fn snapshot(pid: u32) -> Option<Snapshot> {
    let mut snapshot = {
        let table = TABLE.lock();
        let process = table.slots.iter().flatten().find(|process| process.pid == pid && pid != 0)?;
        let (state, exit_status) = match process.state {
            State::Runnable | State::Running => (RunState::Running, 0),
            State::Sleeping(_) => (RunState::Sleeping, 0),
            State::Stopped => (RunState::Stopped, 0),
            State::Zombie(status) => (RunState::Zombie, status),
        };
        let (regions, pages, heap_start) = match &process.space {
            Some(space) => (space.regions.iter().copied().collect(), space.pages as u64, space.heap_start),
            None => (Vec::new(), 0, 0),
        };
        let mut signals = [process.signals.pending, process.signals.blocked, 0, 0];
        for number in 1..=signal::COUNT {
            match process.signals.action(number).handler {
                signal::SIG_DFL => {}
                signal::SIG_IGN => signals[2] |= 1 << (number - 1),
                _ => signals[3] |= 1 << (number - 1),
            }
        }
        Snapshot {
            pid,
            parent: process.parent,
            group: process.pgid,
            session: process.sid,
            name: process.name[..process.name_len].to_vec(),
            state,
            times: crate::rusage::clock_ticks(&process.usage, crate::timer::counter_hz()),
            max_pages: process.usage.max_pages,
            started: process.started,
            regions,
            pages,
            heap_start,
            arguments: process.arguments.clone(),
            signals,
            umask: process.umask,
            exit_status,
            terminal: None,
        }
    };
    // The terminal's lock is taken after the table's is let go (its own calls take them in
    // the other order).
    if let Ok(foreground) = crate::tty::foreground(snapshot.session) {
        snapshot.terminal = Some((procfs::CONSOLE_TTY_NR, foreground));
    }
    Some(snapshot)
}
// ANCHOR_END: snapshot

/// One line per process, for the monitor's `ps`.
pub fn list(mut each: impl FnMut(&Process)) {
    for process in TABLE.lock().slots.iter().flatten() {
        each(process);
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        // `pad`, so that `ps` can line states up in a column.
        f.pad(match self {
            State::Runnable => "runnable",
            State::Running => "running",
            State::Sleeping(Wait::Child) => "wait-child",
            State::Sleeping(Wait::Console) => "wait-input",
            State::Sleeping(Wait::Pipe(_)) => "wait-pipe",
            State::Sleeping(Wait::Tick(_)) => "sleeping",
            State::Stopped => "stopped",
            State::Zombie(_) => "zombie",
        })
    }
}
