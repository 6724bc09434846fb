//! Signals, as Linux has them: each process has an action per signal (default, ignore, or a
//! handler in the program), a set of blocked signals and a set of pending ones. A signal is
//! *sent* (kill, the terminal's ^C, a child's exit, a write to a pipe nobody reads) by
//! marking it pending in its target, and waking the target if it sleeps; it is *delivered*
//! only on the way back to EL0, by `deliver`: a default action happens there (end the
//! process, stop it, or nothing), and a handler is entered by writing a signal frame on
//! the user stack and returning into the handler instead of the interrupted code.
//!
//! The frame is Linux's arm64 `struct rt_sigframe` (arch/arm64/kernel/signal.c), as far as
//! programs read it: a `siginfo_t`, then a `struct ucontext` whose `uc_mcontext` holds the
//! interrupted registers and whose `uc_sigmask` holds the blocked set to go back to. The
//! handler returns to its `sa_restorer` (the C library's, or ulib's, which calls
//! rt_sigreturn), and rt_sigreturn reads the frame back: Bramble has no vDSO, so a handler
//! installed without SA_RESTORER has nowhere to return to.
//!
//! Pure: the sets, the actions and the frame's layout; the hardware part (sending to
//! processes, delivering, the system calls) is in `hardware`.

// ANCHOR: numbers
/// The signals Bramble sends itself, by Linux's (asm-generic) numbers.
pub const SIGHUP: u32 = 1;
pub const SIGINT: u32 = 2;
pub const SIGQUIT: u32 = 3;
pub const SIGKILL: u32 = 9;
pub const SIGSEGV: u32 = 11;
pub const SIGPIPE: u32 = 13;
pub const SIGCHLD: u32 = 17;
pub const SIGCONT: u32 = 18;
pub const SIGSTOP: u32 = 19;
pub const SIGTSTP: u32 = 20;
pub const SIGTTIN: u32 = 21;
pub const SIGTTOU: u32 = 22;
/// Signals are numbered 1 to 64 (32 to 64 are the real-time ones); a set is one bit each.
pub const COUNT: u32 = 64;

/// The bit of `signal` in a set.
pub const fn bit(signal: u32) -> u64 {
    1 << (signal - 1)
}

/// Neither caught, blocked nor ignored: SIGKILL and SIGSTOP always do what they do.
const UNCATCHABLE: u64 = bit(SIGKILL) | bit(SIGSTOP);
/// The signals that stop a process by default.
const STOPPING: u64 = bit(SIGSTOP) | bit(SIGTSTP) | bit(SIGTTIN) | bit(SIGTTOU);
// ANCHOR_END: numbers

// ANCHOR: action
/// `sa_handler`'s two values that are not addresses.
pub const SIG_DFL: u64 = 0;
pub const SIG_IGN: u64 = 1;
/// `sa_flags` (arm64 values): the handler gets siginfo and ucontext; do not report stopped
/// children with SIGCHLD; `sa_restorer` is set; restart interrupted calls; do not block the
/// signal in its own handler; go back to the default action once it has run.
pub const SA_NOCLDSTOP: u64 = 0x1;
pub const SA_NOCLDWAIT: u64 = 0x2;
pub const SA_SIGINFO: u64 = 0x4;
pub const SA_RESTORER: u64 = 0x0400_0000;
pub const SA_RESTART: u64 = 0x1000_0000;
pub const SA_NODEFER: u64 = 0x4000_0000;
pub const SA_RESETHAND: u64 = 0x8000_0000;

/// Linux's kernel `struct sigaction` on arm64, field for field: what rt_sigaction copies in
/// and out (32 bytes).
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct Action {
    pub handler: u64,
    pub flags: u64,
    pub restorer: u64,
    pub mask: u64,
}

impl Action {
    pub const SIZE: usize = 32;

    pub fn from_bytes(bytes: &[u8; Action::SIZE]) -> Action {
        let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("eight bytes"));
        Action { handler: word(0), flags: word(8), restorer: word(16), mask: word(24) }
    }

    pub fn to_bytes(self) -> [u8; Action::SIZE] {
        let mut bytes = [0u8; Action::SIZE];
        for (at, word) in [self.handler, self.flags, self.restorer, self.mask].into_iter().enumerate() {
            bytes[at * 8..at * 8 + 8].copy_from_slice(&word.to_le_bytes());
        }
        bytes
    }
}

/// What the default action of a signal is (signal(7)'s table).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Default {
    Terminate,
    Ignore,
    Stop,
    Continue,
}

pub fn default_action(signal: u32) -> Default {
    match signal {
        SIGCHLD | 23 /* SIGURG */ | 28 /* SIGWINCH */ => Default::Ignore,
        SIGCONT => Default::Continue,
        _ if bit(signal) & STOPPING != 0 => Default::Stop,
        _ => Default::Terminate,
    }
}
// ANCHOR_END: action

// ANCHOR: info
/// What the kernel tells a SA_SIGINFO handler about a signal: the start of `siginfo_t`.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct Info {
    /// Where it came from: SI_USER (kill), SI_TKILL (tgkill), SI_KERNEL, CLD_EXITED...
    pub code: i32,
    /// The sender (kill) or the child (SIGCHLD).
    pub pid: u32,
    /// For SIGCHLD: the child's exit code, or the signal that ended or stopped it.
    pub status: i32,
    /// For a fault (SIGSEGV, SIGBUS, SIGILL, SIGTRAP): the address it happened at, which
    /// takes the place of `pid` and `status` in the union.
    pub addr: Option<u64>,
}

pub const SI_USER: i32 = 0;
pub const SI_KERNEL: i32 = 0x80;
pub const SI_TKILL: i32 = -6;
pub const CLD_EXITED: i32 = 1;
pub const CLD_KILLED: i32 = 2;
pub const CLD_STOPPED: i32 = 5;
pub const CLD_CONTINUED: i32 = 6;
/// A fault's si_code: an address nothing is mapped at, or an access the mapping forbids;
/// a misaligned access; an undefined instruction; a breakpoint.
pub const SEGV_MAPERR: i32 = 1;
pub const SEGV_ACCERR: i32 = 2;
pub const BUS_ADRALN: i32 = 1;
pub const ILL_ILLOPC: i32 = 1;
pub const TRAP_BRKPT: i32 = 1;
// ANCHOR_END: info

// ANCHOR: signals
/// A process's signal state.
#[derive(Clone)]
pub struct Signals {
    /// Indexed by signal number - 1.
    actions: [Action; COUNT as usize],
    pub blocked: u64,
    pub pending: u64,
    /// What each pending signal's sender said (a standard signal is pending once at most,
    /// so one each is enough). On the heap: with a fault's address, it is 2 KiB, which every
    /// move of a process (fork builds one on a 16 KiB kernel stack) would copy.
    infos: alloc::boxed::Box<[Info; COUNT as usize]>,
}

impl Signals {
    pub fn new() -> Signals {
        Signals { actions: [Action::default(); COUNT as usize], blocked: 0, pending: 0, infos: alloc::boxed::Box::new([Info::default(); COUNT as usize]) }
    }

    pub fn action(&self, signal: u32) -> Action {
        self.actions[signal as usize - 1]
    }

    /// Sets an action; an action that ignores the signal drops it if it is pending.
    pub fn set_action(&mut self, signal: u32, action: Action) {
        self.actions[signal as usize - 1] = action;
        if self.ignores(signal) {
            self.pending &= !bit(signal);
        }
    }

    /// Changes the blocked set; SIGKILL and SIGSTOP cannot be in it.
    pub fn set_blocked(&mut self, blocked: u64) {
        self.blocked = blocked & !UNCATCHABLE;
    }

    /// Whether sending `signal` would do nothing: ignored, by its action or by default.
    pub fn ignores(&self, signal: u32) -> bool {
        match self.action(signal).handler {
            SIG_IGN => true,
            SIG_DFL => matches!(default_action(signal), Default::Ignore | Default::Continue),
            _ => false,
        }
    }

    /// Marks `signal` pending, with what its sender says. Returns whether it should wake
    /// the process: it is not blocked. A signal the process ignores (and does not block) is
    /// dropped at once, as Linux drops it; SIGCONT and the stop signals cancel each other.
    pub fn post(&mut self, signal: u32, info: Info) -> bool {
        if signal == SIGCONT || signal == SIGKILL {
            self.pending &= !STOPPING;
        }
        if bit(signal) & STOPPING != 0 {
            self.pending &= !bit(SIGCONT);
        }
        let blocked = self.blocked & bit(signal) != 0;
        if !blocked && self.ignores(signal) {
            return false;
        }
        self.pending |= bit(signal);
        self.infos[signal as usize - 1] = info;
        !blocked
    }

    /// Whether a signal waits to be delivered: one that interrupts a sleep.
    pub fn deliverable(&self) -> bool {
        self.pending & !self.blocked != 0
    }

    /// Takes the lowest-numbered deliverable signal off the pending set.
    pub fn take(&mut self) -> Option<(u32, Action, Info)> {
        let ready = self.pending & !self.blocked;
        if ready == 0 {
            return None;
        }
        let signal = ready.trailing_zeros() + 1;
        self.pending &= !bit(signal);
        Some((signal, self.action(signal), self.infos[signal as usize - 1]))
    }

    /// A handler is entered: block what its action asks (and the signal itself unless
    /// SA_NODEFER), and go back to the default action if SA_RESETHAND. Returns the blocked
    /// set to restore when the handler returns.
    pub fn enter_handler(&mut self, signal: u32, action: Action) -> u64 {
        let old = self.blocked;
        let own = if action.flags & SA_NODEFER == 0 { bit(signal) } else { 0 };
        self.set_blocked(old | action.mask | own);
        if action.flags & SA_RESETHAND != 0 {
            self.actions[signal as usize - 1] = Action::default();
        }
        old
    }

    /// execve: handlers are gone with the program that had them (ignored signals stay
    /// ignored); the blocked and pending sets stay.
    pub fn exec(&mut self) {
        for action in self.actions.iter_mut() {
            if action.handler != SIG_IGN {
                *action = Action::default();
            }
        }
    }

    /// fork: the child has the parent's actions and blocked set, and nothing pending.
    pub fn fork(&self) -> Signals {
        Signals { pending: 0, ..self.clone() }
    }
}
// ANCHOR_END: signals

// ANCHOR: frame_layout
/// The signal frame on the user stack: Linux's arm64 `struct rt_sigframe`.
///
/// ```text
///   0     siginfo_t info          128 bytes: si_signo, si_errno, si_code, then the union
///                                 (si_pid, si_uid, si_status for kill and SIGCHLD)
///   128   struct ucontext uc:
///   +0      uc_flags              8
///   +8      uc_link               8
///   +16     uc_stack              24 (ss_sp, ss_flags, ss_size): no alternate stack here
///   +40     uc_sigmask            8, then 120 bytes that pad the C library's 1024-bit set
///   +176    uc_mcontext           struct sigcontext, 16-byte aligned:
///   +0        fault_address       8
///   +8        regs[31]            x0-x30
///   +256      sp, pc, pstate      8 each
///   +288      __reserved[4096]    records of extra state (FP/SIMD...), ended by a zero
///                                 header: only that header here, the kernel keeps no FP
///                                 state
/// ```
///
/// Above the frame, 16 bytes: a frame record (x29, x30 of the interrupted code), which x29
/// points at in the handler, so that a backtrace can walk out of it.
pub const INFO_SIZE: usize = 128;
const UCONTEXT: usize = INFO_SIZE;
const UC_SIGMASK: usize = UCONTEXT + 40;
const MCONTEXT: usize = UCONTEXT + 176;
const MC_REGS: usize = MCONTEXT + 8;
const MC_SP: usize = MCONTEXT + 256;
const MC_PC: usize = MCONTEXT + 264;
const MC_PSTATE: usize = MCONTEXT + 272;
const MC_RESERVED: usize = MCONTEXT + 288;
/// The whole `struct rt_sigframe`.
pub const FRAME_SIZE: usize = MC_RESERVED + 4096;
/// The part the kernel writes and reads back: everything before `__reserved`.
pub const HEADER_SIZE: usize = MC_RESERVED;
/// Where the end marker of `__reserved`'s records goes (16 zero bytes: magic 0, size 0).
pub const END_MARKER_OFFSET: usize = MC_RESERVED;
/// Where, in the frame, the handler's second and third arguments point.
pub const UCONTEXT_OFFSET: usize = UCONTEXT;

const _: () = assert!(MCONTEXT % 16 == 0 && FRAME_SIZE % 16 == 0);

/// The registers a signal frame saves: those of the interrupted code.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Saved {
    pub x: [u64; 31],
    pub sp: u64,
    pub pc: u64,
    pub pstate: u64,
    /// The blocked set to go back to.
    pub mask: u64,
}

/// The header of a signal frame for `signal` about to be handled.
pub fn frame_bytes(signal: u32, info: Info, saved: &Saved) -> [u8; HEADER_SIZE] {
    let mut bytes = [0u8; HEADER_SIZE];
    let mut put = |at: usize, value: &[u8]| bytes[at..at + value.len()].copy_from_slice(value);
    put(0, &(signal as i32).to_le_bytes());
    put(8, &info.code.to_le_bytes());
    match info.addr {
        Some(addr) => put(16, &addr.to_le_bytes()),
        None => {
            put(16, &info.pid.to_le_bytes());
            // si_uid (everyone is root) stays 0; si_status is SIGCHLD's.
            put(24, &info.status.to_le_bytes());
        }
    }
    put(UC_SIGMASK, &saved.mask.to_le_bytes());
    for (index, value) in saved.x.iter().enumerate() {
        put(MC_REGS + index * 8, &value.to_le_bytes());
    }
    put(MC_SP, &saved.sp.to_le_bytes());
    put(MC_PC, &saved.pc.to_le_bytes());
    put(MC_PSTATE, &saved.pstate.to_le_bytes());
    bytes
}

/// What rt_sigreturn reads back from the ucontext of a frame (whatever the handler made of
/// it). The processor state must be EL0's (AArch64, EL0t): anything else is refused, or a
/// program could return into the kernel's exception level. Only the flags NZCV are kept.
pub fn read_frame(bytes: &[u8; HEADER_SIZE]) -> Option<Saved> {
    let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("eight bytes"));
    let pstate = word(MC_PSTATE);
    if pstate & 0x1f != 0 {
        return None;
    }
    let mut x = [0u64; 31];
    for (index, value) in x.iter_mut().enumerate() {
        *value = word(MC_REGS + index * 8);
    }
    Some(Saved { x, sp: word(MC_SP), pc: word(MC_PC), pstate: pstate & 0xf000_0000, mask: word(UC_SIGMASK) })
}
// ANCHOR_END: frame_layout

/// Kernel-internal answers of a call a signal interrupted, which `deliver` turns into the
/// program's result (Linux's ERESTARTSYS and ERESTARTNOHAND): the call restarts if no
/// handler runs, or if the handler asked for SA_RESTART (the first only); otherwise EINTR.
pub const ERESTARTSYS: i64 = 512;
pub const ERESTARTNOHAND: i64 = 514;

#[cfg(not(test))]
pub use hardware::*;

#[cfg(not(test))]
mod hardware {
    use super::*;
    use crate::errno::Errno;
    use crate::process;
    use crate::space::{Access, UserSlice};
    use crate::trap::TrapFrame;

    type Result = core::result::Result<u64, Errno>;

    /// The size of the only signal set the system calls take: 64 bits.
    const SIGSET_SIZE: u64 = 8;

    fn valid(signal: u64) -> core::result::Result<u32, Errno> {
        if (1..=COUNT as u64).contains(&signal) { Ok(signal as u32) } else { Err(Errno::EINVAL) }
    }

    // ANCHOR: deliver
    /// On the way back to EL0: acts on the pending signals the process does not block. A
    /// default action happens here (ending or stopping the process); a handler is entered
    /// through a signal frame, one at a time. `call` is the interrupted system call's first
    /// argument, for a restart, when the way back is a system call's.
    pub fn deliver(frame: &mut TrapFrame, call: Option<u64>) {
        loop {
            let Some((signal, action, info)) = process::with_current(|process| process.signals.take()) else {
                finish_call(frame, call, None);
                return;
            };
            match action.handler {
                SIG_IGN => {}
                SIG_DFL => match default_action(signal) {
                    Default::Ignore | Default::Continue => {}
                    // Returns once SIGCONT (or SIGKILL) has made the process run again.
                    Default::Stop => process::stop(signal),
                    Default::Terminate => process::exit(signal),
                },
                _ => {
                    finish_call(frame, call, Some(action));
                    enter_handler(frame, signal, action, info);
                    return;
                }
            }
        }
    }

    /// A call that a signal interrupted either restarts (ELR back on the SVC, x0 as it was)
    /// or fails with EINTR, depending on the handler about to run, if any.
    fn finish_call(frame: &mut TrapFrame, call: Option<u64>, handler: Option<Action>) {
        let Some(first_argument) = call else { return };
        let answer = frame.x[0] as i64;
        if answer != -ERESTARTSYS && answer != -ERESTARTNOHAND {
            return;
        }
        let restart = match handler {
            None => true,
            Some(action) => answer == -ERESTARTSYS && action.flags & SA_RESTART != 0,
        };
        if restart {
            frame.x[0] = first_argument;
            frame.elr -= 4;
        } else {
            frame.x[0] = (-Errno::EINTR.0) as u64;
        }
    }

    /// Writes the signal frame under the user stack and makes the return to EL0 a call of
    /// the handler: x0 the signal (and with SA_SIGINFO x1 the siginfo, x2 the ucontext), the
    /// stack at the frame, x30 the restorer it returns to.
    fn enter_handler(frame: &mut TrapFrame, signal: u32, action: Action, info: Info) {
        let record = (frame.sp_el0.wrapping_sub(16)) & !15;
        let base = record.wrapping_sub(FRAME_SIZE as u64) & !15;
        let mask = process::with_current(|process| process.signals.enter_handler(signal, action));
        let saved = Saved { x: frame.x, sp: frame.sp_el0, pc: frame.elr, pstate: frame.spsr, mask };
        let bytes = frame_bytes(signal, info, &saved);
        let mut pair = [0u8; 16];
        pair[..8].copy_from_slice(&frame.x[29].to_le_bytes());
        pair[8..].copy_from_slice(&frame.x[30].to_le_bytes());
        let written = process::with_current(|process| {
            let space = process.space.as_mut().expect("a user process has a space");
            space.check(UserSlice::new(base, FRAME_SIZE), Access::Write)?;
            space.copy_out(UserSlice::new(base, HEADER_SIZE), &bytes)?;
            space.copy_out(UserSlice::new(base + END_MARKER_OFFSET as u64, 16), &[0; 16])?;
            space.copy_out(UserSlice::new(record, 16), &pair)
        });
        if written.is_err() {
            // No stack to handle it on: as Linux does, the process dies of SIGSEGV.
            process::exit(SIGSEGV);
        }
        frame.x[0] = signal as u64;
        if action.flags & SA_SIGINFO != 0 {
            frame.x[1] = base;
            frame.x[2] = base + UCONTEXT_OFFSET as u64;
        }
        frame.x[29] = record;
        frame.x[30] = if action.flags & SA_RESTORER != 0 { action.restorer } else { 0 };
        frame.sp_el0 = base;
        frame.elr = action.handler;
    }
    // ANCHOR_END: deliver

    // ANCHOR: sigreturn
    /// rt_sigreturn: the handler has returned (through its restorer), with the stack where
    /// `enter_handler` left it: the interrupted registers and blocked set come back from the
    /// frame. A frame that cannot be read, or would not return to EL0, is a SIGSEGV.
    pub fn sigreturn(frame: &mut TrapFrame) -> Result {
        let base = frame.sp_el0;
        let mut bytes = [0u8; HEADER_SIZE];
        let read = process::with_current(|process| process.space.as_mut().expect("a user process has a space").copy_in(UserSlice::new(base, HEADER_SIZE), &mut bytes));
        let Some(saved) = read.ok().and_then(|_| read_frame(&bytes)) else {
            process::exit(SIGSEGV)
        };
        process::with_current(|process| process.signals.set_blocked(saved.mask));
        frame.x = saved.x;
        frame.sp_el0 = saved.sp;
        frame.elr = saved.pc;
        frame.spsr = saved.pstate;
        // dispatch writes the result to x0: the interrupted code's own x0.
        Ok(saved.x[0])
    }
    // ANCHOR_END: sigreturn

    /// rt_sigaction(signal, act, oldact, sigsetsize).
    pub fn sigaction(signal: u64, new: u64, old: u64, size: u64) -> Result {
        let signal = valid(signal)?;
        if size != SIGSET_SIZE || (new != 0 && bit(signal) & UNCATCHABLE != 0) {
            return Err(Errno::EINVAL);
        }
        process::with_current(|process| {
            let space = process.space.as_mut().expect("a user process has a space");
            let mut bytes = [0u8; Action::SIZE];
            let new = if new != 0 {
                space.copy_in(UserSlice::new(new, Action::SIZE), &mut bytes)?;
                Some(Action::from_bytes(&bytes))
            } else {
                None
            };
            if old != 0 {
                space.copy_out(UserSlice::new(old, Action::SIZE), &process.signals.action(signal).to_bytes())?;
            }
            if let Some(new) = new {
                process.signals.set_action(signal, new);
            }
            Ok(0)
        })
    }

    pub const SIG_BLOCK: u64 = 0;
    pub const SIG_UNBLOCK: u64 = 1;
    pub const SIG_SETMASK: u64 = 2;

    /// rt_sigprocmask(how, set, oldset, sigsetsize).
    pub fn sigprocmask(how: u64, set: u64, old: u64, size: u64) -> Result {
        if size != SIGSET_SIZE {
            return Err(Errno::EINVAL);
        }
        process::with_current(|process| {
            let space = process.space.as_mut().expect("a user process has a space");
            let blocked = process.signals.blocked;
            if set != 0 {
                let mut bytes = [0u8; 8];
                space.copy_in(UserSlice::new(set, 8), &mut bytes)?;
                let set = u64::from_le_bytes(bytes);
                let new = match how {
                    SIG_BLOCK => blocked | set,
                    SIG_UNBLOCK => blocked & !set,
                    SIG_SETMASK => set,
                    _ => return Err(Errno::EINVAL),
                };
                process.signals.set_blocked(new);
            }
            if old != 0 {
                space.copy_out(UserSlice::new(old, 8), &blocked.to_le_bytes())?;
            }
            Ok(0)
        })
    }

    /// rt_sigpending(set, sigsetsize): the signals pending because they are blocked.
    pub fn sigpending(set: u64, size: u64) -> Result {
        if size != SIGSET_SIZE {
            return Err(Errno::EINVAL);
        }
        process::with_current(|process| {
            let pending = process.signals.pending & process.signals.blocked;
            process.space.as_mut().expect("a user process has a space").copy_out(UserSlice::new(set, 8), &pending.to_le_bytes())?;
            Ok(0)
        })
    }

    /// kill(pid, signal): to a process (pid > 0), the caller's process group (0), every
    /// process but init and the caller (-1), or process group -pid. Signal 0 only asks
    /// whether there is such a process.
    pub fn kill(pid: i64, signal: u64) -> Result {
        let signal = if signal == 0 { 0 } else { valid(signal)? };
        let (me, _) = process::ids();
        let target = match pid {
            0 => process::Target::Group(process::with_current(|process| process.pgid)),
            -1 => process::Target::AllBut(me),
            _ if pid < 0 => process::Target::Group(pid.unsigned_abs() as u32),
            _ => process::Target::Pid(pid as u32),
        };
        process::send(target, signal, Info { code: SI_USER, pid: me, ..Info::default() })?;
        Ok(0)
    }

    /// tgkill(tgid, tid, signal): a process has one thread, whose id is the pid.
    pub fn tgkill(tgid: i64, tid: i64, signal: u64) -> Result {
        if tgid <= 0 || tid <= 0 {
            return Err(Errno::EINVAL);
        }
        let signal = if signal == 0 { 0 } else { valid(signal)? };
        if tgid != tid {
            return Err(Errno::ESRCH);
        }
        let (me, _) = process::ids();
        process::send(process::Target::Pid(tid as u32), signal, Info { code: SI_TKILL, pid: me, ..Info::default() })?;
        Ok(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_actions_follow_signal_7() {
        assert_eq!(default_action(SIGINT), Default::Terminate);
        assert_eq!(default_action(SIGCHLD), Default::Ignore);
        assert_eq!(default_action(SIGCONT), Default::Continue);
        assert_eq!(default_action(SIGTSTP), Default::Stop);
        assert_eq!(default_action(SIGKILL), Default::Terminate);
    }

    #[test]
    fn a_blocked_signal_stays_pending_until_unblocked() {
        let mut signals = Signals::new();
        signals.set_action(10, Action { handler: 0x1000, ..Action::default() });
        signals.set_blocked(bit(10) | bit(SIGKILL));
        assert_eq!(signals.blocked, bit(10), "SIGKILL cannot be blocked");
        assert!(!signals.post(10, Info::default()));
        assert!(!signals.deliverable());
        signals.set_blocked(0);
        assert_eq!(signals.take().map(|(signal, ..)| signal), Some(10));
        assert_eq!(signals.pending, 0);
    }

    #[test]
    fn ignored_signals_are_dropped_and_stop_and_continue_cancel() {
        let mut signals = Signals::new();
        assert!(!signals.post(SIGCHLD, Info::default()), "ignored by default");
        assert_eq!(signals.pending, 0);
        assert!(signals.post(SIGTSTP, Info::default()));
        signals.post(SIGCONT, Info::default());
        assert_eq!(signals.pending, 0, "SIGCONT cancels the stop; its own default is to continue");
    }

    #[test]
    fn a_handler_blocks_its_signal_and_its_mask_and_may_reset() {
        let mut signals = Signals::new();
        let action = Action { handler: 0x1000, flags: SA_RESETHAND, restorer: 0, mask: bit(SIGINT) };
        signals.set_action(10, action);
        let old = signals.enter_handler(10, action);
        assert_eq!(old, 0);
        assert_eq!(signals.blocked, bit(10) | bit(SIGINT));
        assert_eq!(signals.action(10), Action::default());
    }

    #[test]
    fn exec_forgets_handlers_but_not_ignores() {
        let mut signals = Signals::new();
        signals.set_action(SIGINT, Action { handler: SIG_IGN, ..Action::default() });
        signals.set_action(10, Action { handler: 0x1000, ..Action::default() });
        signals.exec();
        assert_eq!(signals.action(SIGINT).handler, SIG_IGN);
        assert_eq!(signals.action(10).handler, SIG_DFL);
    }

    #[test]
    fn the_frame_is_linuxs_rt_sigframe_and_reads_back() {
        assert_eq!(FRAME_SIZE, 128 + 4560);
        let mut x = [0u64; 31];
        for (index, value) in x.iter_mut().enumerate() {
            *value = index as u64 * 3;
        }
        let saved = Saved { x, sp: 0x7fff_f000, pc: 0x40_1234, pstate: 0x6000_0000, mask: bit(SIGINT) };
        let bytes = frame_bytes(10, Info { code: SI_USER, pid: 7, ..Info::default() }, &saved);
        assert_eq!(&bytes[0..4], &10i32.to_le_bytes());
        assert_eq!(&bytes[16..20], &7u32.to_le_bytes());
        // uc_mcontext.regs[1] sits 128 + 176 + 8 + 8 bytes in, as Linux's offsets put it.
        assert_eq!(&bytes[320..328], &3u64.to_le_bytes());
        assert_eq!(read_frame(&bytes), Some(saved));
    }

    #[test]
    fn a_faults_siginfo_has_its_code_and_address_where_the_sender_would_be() {
        let saved = Saved { x: [0; 31], sp: 0, pc: 0, pstate: 0, mask: 0 };
        let bytes = frame_bytes(SIGSEGV, Info { code: SEGV_ACCERR, addr: Some(0x40_1000_0010), ..Info::default() }, &saved);
        assert_eq!(&bytes[8..12], &SEGV_ACCERR.to_le_bytes());
        // si_addr: the first member of the union, 16 bytes in, all 64 bits of it.
        assert_eq!(&bytes[16..24], &0x40_1000_0010u64.to_le_bytes());
    }

    #[test]
    fn sigreturn_refuses_a_frame_that_would_not_return_to_el0() {
        let saved = Saved { x: [0; 31], sp: 0, pc: 0, pstate: 0x3c5, mask: 0 };
        assert_eq!(read_frame(&frame_bytes(10, Info::default(), &saved)), None);
    }

    #[test]
    fn actions_are_linuxs_struct_sigaction() {
        let action = Action { handler: 1, flags: SA_RESTORER | SA_SIGINFO, restorer: 3, mask: 4 };
        assert_eq!(Action::from_bytes(&action.to_bytes()), action);
        assert_eq!(&action.to_bytes()[8..16], &0x0400_0004u64.to_le_bytes());
    }
}
