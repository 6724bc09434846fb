//! test EXPRESSION, or [ EXPRESSION ]: exit status 0 if the expression is true, 1 if false,
//! 2 if it is malformed. Expressions: STRING, -n/-z STRING, S1 = S2, S1 != S2, N1 -eq/-ne/
//! -lt/-le/-gt/-ge N2, -e/-f/-d/-h/-L/-s/-r/-w/-x FILE, ! EXPRESSION, and -a/-o between them.
#![no_std]
#![no_main]

extern crate alloc;

use ulib::{complain, sys, tool};

ulib::main!(run);

fn run() -> i32 {
    let mut args = tool::arguments();
    if ulib::program() == "[" {
        if args.last() != Some(&"]") {
            complain!("missing ']'");
            return 2;
        }
        args.pop();
    }
    match or(&args) {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(message) => {
            complain!("{message}");
            2
        }
    }
}

type Answer = Result<bool, alloc::string::String>;

/// `-o` binds loosest, then `-a`, then `!`.
fn or(args: &[&str]) -> Answer {
    match args.iter().rposition(|&arg| arg == "-o").filter(|&at| at > 0 && at + 1 < args.len()) {
        Some(at) => Ok(or(&args[..at])? | and(&args[at + 1..])?),
        None => and(args),
    }
}

fn and(args: &[&str]) -> Answer {
    match args.iter().rposition(|&arg| arg == "-a").filter(|&at| at > 0 && at + 1 < args.len()) {
        Some(at) => Ok(and(&args[..at])? & primary(&args[at + 1..])?),
        None => primary(args),
    }
}

fn primary(args: &[&str]) -> Answer {
    match *args {
        [] => Ok(false),
        ["!", ref rest @ ..] if !rest.is_empty() => primary(rest).map(|answer| !answer),
        [one] => Ok(!one.is_empty()),
        ["-n", text] => Ok(!text.is_empty()),
        ["-z", text] => Ok(text.is_empty()),
        [operator, file] if operator.len() == 2 && operator.starts_with('-') => file_test(operator, file),
        [a, "=", b] => Ok(a == b),
        [a, "!=", b] => Ok(a != b),
        [a, operator @ ("-eq" | "-ne" | "-lt" | "-le" | "-gt" | "-ge"), b] => {
            let (a, b) = (integer(a)?, integer(b)?);
            Ok(match operator {
                "-eq" => a == b,
                "-ne" => a != b,
                "-lt" => a < b,
                "-le" => a <= b,
                "-gt" => a > b,
                _ => a >= b,
            })
        }
        [_, operator, _] => Err(alloc::format!("{operator}: binary operator expected")),
        _ => Err(alloc::string::String::from("too many arguments")),
    }
}

fn file_test(operator: &str, file: &str) -> Answer {
    let path = file.as_bytes();
    Ok(match operator {
        "-e" => sys::stat(path).is_ok(),
        "-f" => sys::stat(path).is_ok_and(|stat| stat.is_regular()),
        "-d" => sys::stat(path).is_ok_and(|stat| stat.is_dir()),
        "-h" | "-L" => sys::lstat(path).is_ok_and(|stat| stat.is_symlink()),
        "-s" => sys::stat(path).is_ok_and(|stat| stat.size > 0),
        "-r" => sys::faccessat(sys::AT_FDCWD, path, sys::R_OK).is_ok(),
        "-w" => sys::faccessat(sys::AT_FDCWD, path, sys::W_OK).is_ok(),
        "-x" => sys::faccessat(sys::AT_FDCWD, path, sys::X_OK).is_ok(),
        _ => return Err(alloc::format!("{operator}: unary operator expected")),
    })
}

fn integer(text: &str) -> Result<i64, alloc::string::String> {
    text.trim().parse().map_err(|_| alloc::format!("invalid integer '{text}'"))
}
