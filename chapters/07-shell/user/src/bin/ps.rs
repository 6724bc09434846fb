//! ps [-e | -A]: the processes, from /proc: by default those on the same terminal as ps
//! itself, with -e (or -A) all of them. Each line: the pid, the terminal, the processor time
//! used (user and kernel) and the program's name, as procps' ps prints them.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use core::fmt::Write;
use ulib::io::Output;
use ulib::procfs::{self, ProcessStat};
use ulib::{complain, tool};

ulib::main!(run);

/// USER_HZ: the unit of /proc's times.
const TICKS_PER_SECOND: u64 = 100;

fn run() -> i32 {
    let options = match tool::options("eA", "", 1) {
        Ok(options) => options,
        Err(status) => return status,
    };
    let Some(own) = read_stat("self") else {
        complain!("cannot read /proc/self/stat: is /proc mounted?");
        return 1;
    };
    let all = options.has('e') || options.has('A');
    let names = match tool::directory("/proc", false) {
        Ok(names) => names,
        Err(errno) => {
            complain!("cannot read /proc: {}", errno.message());
            return 1;
        }
    };
    // The processes are the folders named by numbers (and may end while being read).
    let mut processes: Vec<ProcessStat> = names.iter().filter(|name| name.bytes().all(|byte| byte.is_ascii_digit())).filter_map(|pid| read_stat(pid)).collect();
    processes.retain(|process| all || process.terminal == own.terminal);
    processes.sort_by_key(|process| process.pid);
    let mut out = Output::stdout();
    out.write(b"  PID TTY          TIME CMD\n");
    for process in processes {
        let seconds = (process.user_ticks + process.system_ticks) / TICKS_PER_SECOND;
        let (days, hours, minutes, seconds) = (seconds / 86_400, seconds / 3600 % 24, seconds / 60 % 60, seconds % 60);
        let _ = write!(out, "{:>5} {:<8} ", process.pid, procfs::terminal_name(process.terminal));
        if days > 0 {
            let _ = write!(out, "{days}-");
        }
        let _ = writeln!(out, "{hours:02}:{minutes:02}:{seconds:02} {}", process.command);
    }
    0
}

fn read_stat(pid: &str) -> Option<ProcessStat> {
    let text = tool::read_input(&alloc::format!("/proc/{pid}/stat")).ok()?;
    procfs::parse_stat(core::str::from_utf8(&text).ok()?.trim_end())
}
