//! Chapter 02's monitor commands: the tick, and exceptions on demand.

use crate::monitor::{ArgError, Args, Command};
use crate::{exit, println, timer};
use core::arch::asm;

// ANCHOR: commands
pub const COMMANDS: [Command; 6] = [
    Command {
        name: "uptime",
        args: "",
        help: "time since the timer started",
        run: uptime,
    },
    Command {
        name: "exit",
        args: "[code]",
        help: "stop the machine with exit status code (default 0)",
        run: exit,
    },
    Command {
        name: "ticks",
        args: "",
        help: "timer interrupts taken so far",
        run: ticks,
    },
    Command {
        name: "wait",
        args: "N",
        help: "sleep for N ticks, halted (WFI) between them",
        run: wait,
    },
    Command {
        name: "brk",
        args: "",
        help: "execute brk #1: the handler reports it and resumes",
        run: brk,
    },
    Command {
        name: "undef",
        args: "",
        help: "execute an undefined instruction: report and halt",
        run: undef,
    },
];
// ANCHOR_END: commands

fn uptime(args: &mut Args) -> Result<(), ArgError> {
    args.end()?;
    let ticks = timer::ticks();
    let hundredths = ticks * 100 / timer::HZ;
    println!(
        "up {}.{:02} s ({ticks} ticks at {} Hz)",
        hundredths / 100,
        hundredths % 100,
        timer::HZ
    );
    Ok(())
}

fn exit(args: &mut Args) -> Result<(), ArgError> {
    let code = args.optional_number()?.unwrap_or(0);
    args.end()?;
    let code = u32::try_from(code).map_err(|_| ArgError::NotANumber)?;
    exit::exit(code)
}

fn ticks(args: &mut Args) -> Result<(), ArgError> {
    args.end()?;
    println!("{} ticks", timer::ticks());
    Ok(())
}

fn wait(args: &mut Args) -> Result<(), ArgError> {
    let count = args.number()?;
    args.end()?;
    timer::sleep(count);
    // At least `count` ticks have passed (more if the machine was too busy to look at
    // every one): how many more depends on timing, so it is not shown.
    println!("waited {count} ticks");
    Ok(())
}

// ANCHOR: brk_command
fn brk(args: &mut Args) -> Result<(), ArgError> {
    args.end()?;
    // SAFETY: BRK raises a synchronous exception; exceptions::breakpoint reports it and
    // resumes at the next instruction, with every register as it was.
    unsafe { asm!("brk #1", options(nomem, nostack)) };
    println!("back from the breakpoint");
    Ok(())
}
// ANCHOR_END: brk_command

fn undef(args: &mut Args) -> Result<(), ArgError> {
    args.end()?;
    // SAFETY: UDF is permanently undefined: the exception handler reports it and stops
    // the machine, so nothing after it runs.
    unsafe { asm!("udf #0", options(nomem, nostack, noreturn)) }
}
