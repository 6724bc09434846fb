//! Jobs: each pipeline runs as a process group of its own. In the foreground, that group owns
//! the terminal (so ^C and ^Z reach it, not the shell) and the shell waits for it; a job that
//! stops (^Z) or runs in the background (`&`) stays in the table, where `jobs`, `fg` and `bg`
//! find it.

use crate::{Flow, Shell, terminal};
use alloc::string::String;
use alloc::vec::Vec;
use ulib::sys::{self, Waited};
use ulib::{eprintln, println, signal};

pub struct Job {
    /// Its number in the table (0 until it is added).
    pub id: usize,
    pub group: usize,
    /// The processes not yet ended, in pipeline order.
    pub pids: Vec<usize>,
    pub text: String,
    pub stopped: bool,
    /// The last process's pid: its status is the job's.
    last: usize,
}

impl Job {
    pub fn new(group: usize, pids: Vec<usize>, text: String) -> Job {
        let last = *pids.last().expect("a job has a process");
        Job { id: 0, group, pids, text, stopped: false, last }
    }
}

#[derive(Default)]
pub struct Jobs {
    list: Vec<Job>,
}

impl Jobs {
    /// Adds a job (it keeps its number if it had one); its number and last pid.
    pub fn add(&mut self, mut job: Job) -> (usize, usize) {
        if job.id == 0 {
            job.id = self.list.iter().map(|job| job.id).max().unwrap_or(0) + 1;
        }
        let answer = (job.id, job.last);
        self.list.push(job);
        answer
    }

    /// Takes out the job `spec` names ("%2" or "2"), or the newest.
    fn take(&mut self, spec: Option<&str>) -> Option<Job> {
        let at = match spec {
            None => self.list.len().checked_sub(1)?,
            Some(spec) => {
                let id: usize = spec.trim_start_matches('%').parse().ok()?;
                self.list.iter().position(|job| job.id == id)?
            }
        };
        Some(self.list.remove(at))
    }
}

/// Puts `pid` into process group `group` and, in the foreground, gives that group the
/// terminal. The child does the same for itself: whichever runs first, it is done before
/// the child runs its program or the shell waits.
pub fn join_group(shell: &Shell, pid: usize, group: usize, foreground: bool) {
    if shell.interactive {
        let _ = sys::setpgid(pid, group);
        if foreground {
            let _ = sys::tcsetpgrp(0, group);
        }
    }
}

// ANCHOR: wait_foreground
/// Waits until every process of `job` has ended, or one has stopped (then the job goes into
/// the table as stopped); takes the terminal back; the job's status.
pub fn wait_foreground(shell: &mut Shell, mut job: Job) -> i32 {
    let mut status = 0;
    while let Some(&pid) = job.pids.first() {
        let waited = match sys::wait4(pid as isize, sys::WUNTRACED) {
            Ok(Some(waited)) => waited,
            Ok(None) | Err(_) => {
                job.pids.remove(0);
                continue;
            }
        };
        if let Some(number) = waited.stopped_by() {
            job.stopped = true;
            status = 128 + number as i32;
            break;
        }
        job.pids.remove(0);
        if pid == job.last {
            status = waited.shell_status();
            report_death(shell, &waited);
            // ^C ended the job: the loop or script around it ends too, back to the prompt.
            if shell.interactive && waited.signal() == Some(signal::SIGINT) {
                shell.flow = Some(Flow::Interrupt);
            }
        }
    }
    if shell.interactive {
        terminal::take_back();
    }
    if job.stopped {
        let (id, _) = shell.jobs.add(job);
        let text = shell.jobs.list.last().map(|job| job.text.clone()).unwrap_or_default();
        println!("\n[{id}]+  Stopped                 {text}");
    }
    status
}
// ANCHOR_END: wait_foreground

/// A foreground process killed by a signal: a line saying so, as shells do (none for ^C and
/// a closed pipe, whose causes the user already knows).
fn report_death(shell: &Shell, waited: &Waited) {
    match waited.signal() {
        Some(signal::SIGINT) if shell.interactive => println!(),
        Some(signal::SIGINT | signal::SIGPIPE) | None => {}
        Some(number) => eprintln!("{}", crate::death(number)),
    }
}

/// Collects the background processes that have ended, and says which jobs are done.
pub fn reap(shell: &mut Shell) {
    while let Ok(Some(waited)) = sys::wait4(-1, sys::WNOHANG) {
        for job in shell.jobs.list.iter_mut() {
            job.pids.retain(|&pid| pid != waited.pid);
        }
    }
    let (done, running): (Vec<Job>, Vec<Job>) = core::mem::take(&mut shell.jobs.list).into_iter().partition(|job| job.pids.is_empty());
    shell.jobs.list = running;
    if shell.interactive {
        for job in done {
            println!("[{}]+  Done                    {}", job.id, job.text);
        }
    }
}

/// `jobs`: the table.
pub fn list(shell: &mut Shell) -> i32 {
    reap(shell);
    for job in &shell.jobs.list {
        println!("[{}]   {:<24}{}", job.id, if job.stopped { "Stopped" } else { "Running" }, job.text);
    }
    0
}

/// `fg [%N]`: the job continues in the foreground.
pub fn foreground(shell: &mut Shell, spec: Option<&str>) -> i32 {
    let Some(mut job) = shell.jobs.take(spec) else {
        shell.complain(format_args!("fg: no such job"));
        return 2;
    };
    println!("{}", job.text);
    if shell.interactive {
        let _ = sys::tcsetpgrp(0, job.group);
    }
    let _ = sys::kill(-(job.group as isize), signal::SIGCONT);
    job.stopped = false;
    wait_foreground(shell, job)
}

/// `bg [%N]`: a stopped job continues in the background.
pub fn background(shell: &mut Shell, spec: Option<&str>) -> i32 {
    let Some(mut job) = shell.jobs.take(spec) else {
        shell.complain(format_args!("bg: no such job"));
        return 2;
    };
    println!("[{}] {} &", job.id, job.text);
    let _ = sys::kill(-(job.group as isize), signal::SIGCONT);
    job.stopped = false;
    shell.jobs.add(job);
    0
}

/// `wait`: until every background job has ended; the status of the last.
pub fn wait_all(shell: &mut Shell) -> i32 {
    let mut status = 0;
    for job in core::mem::take(&mut shell.jobs.list) {
        for pid in job.pids {
            if let Ok(Some(waited)) = sys::wait4(pid as isize, 0) {
                status = waited.shell_status();
            }
        }
    }
    status
}
