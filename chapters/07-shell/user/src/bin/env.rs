//! env [-i] [NAME=VALUE]... [COMMAND [ARG]...]: runs COMMAND with the environment changed
//! (-i: emptied first, then the assignments), or prints the environment so changed.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;
use ulib::io::Output;
use ulib::{Errno, complain, tool};

ulib::main!(run);

fn run() -> i32 {
    let args = tool::arguments();
    let mut words = &args[..];
    let mut environment: Vec<String> = ulib::env().map(String::from).collect();
    if words.first() == Some(&"-i") {
        environment.clear();
        words = &words[1..];
    }
    while let Some((name, _)) = words.first().and_then(|word| word.split_once('=')) {
        environment.retain(|variable| variable.split_once('=').map(|(existing, _)| existing) != Some(name));
        environment.push(String::from(words[0]));
        words = &words[1..];
    }
    if words.is_empty() {
        let mut out = Output::stdout();
        for variable in &environment {
            out.write(variable.as_bytes());
            out.write(b"\n");
        }
        return 0;
    }
    let errno = tool::exec(words, &environment);
    complain!("'{}': {}", words[0], errno.message());
    // As POSIX asks: 127 when the program was not found, 126 when it could not be run.
    if errno == Errno::ENOENT { 127 } else { 126 }
}
