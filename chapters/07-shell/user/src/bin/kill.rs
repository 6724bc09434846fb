//! kill [-SIGNAL | -s SIGNAL] PID...: sends SIGNAL (TERM) to each process (a negative PID
//! is a process group); kill -l lists the signals' names.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use ulib::{complain, println, signal, sys, tool};

ulib::main!(run);

fn run() -> i32 {
    let args = tool::arguments();
    if args.first() == Some(&"-l") {
        let names: Vec<&str> = (1..=31).filter_map(signal::name).collect();
        println!("{}", names.join(" "));
        return 0;
    }
    let (number, pids) = match args[..] {
        ["-s", name, ref pids @ ..] => (signal::parse(name), pids),
        // -9 or -TERM before the pids; a lone "-5" is the process group 5.
        [first, ref pids @ ..] if first.len() > 1 && first.starts_with('-') && !pids.is_empty() => (signal::parse(&first[1..]), pids),
        ref pids => (Some(signal::SIGTERM), pids),
    };
    let Some(number) = number else {
        complain!("invalid signal: {}", args.first().copied().unwrap_or(""));
        return 1;
    };
    if pids.is_empty() {
        return tool::usage(format_args!("no process ID specified"), 1);
    }
    let mut status = 0;
    for &pid in pids {
        let result = match pid.parse::<isize>() {
            Ok(number_pid) => sys::kill(number_pid, number),
            Err(_) => {
                complain!("invalid process id: {pid}");
                status = 1;
                continue;
            }
        };
        if let Err(errno) = result {
            complain!("({pid}): {}", errno.message());
            status = 1;
        }
    }
    status
}
