//! exec N: an execve chain. Each step prints what it was given, then replaces itself with
//! `exec N-1`, passing one more argument and one more environment variable; the last step
//! runs /bin/hello. Before that it tries execve's errors: an unknown program, broken ELF files,
//! an argument too long.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use ulib::{Errno, println, sys};

ulib::main!(run);

fn run() -> i32 {
    let args: Vec<&str> = ulib::args().collect();
    let steps: u32 = args.get(1).and_then(|arg| arg.parse().ok()).unwrap_or(3);
    println!("exec {steps}: {} arguments, {} environment variables", args.len(), ulib::env().count());
    if steps == 0 {
        check_errors();
        return exec(b"/bin/hello\0", &["hello", "from", "exec"], &["CHAIN=done"]);
    }
    let next = format!("{}", steps - 1);
    let mut new_args: Vec<&str> = Vec::from(["exec", next.as_str()]);
    new_args.extend(args.iter().skip(2));
    let extra = format!("step{steps}");
    new_args.push(&extra);
    let variable = format!("STEP{steps}=yes");
    let mut env: Vec<&str> = ulib::env().collect();
    env.push(&variable);
    exec(b"/bin/exec\0", &new_args, &env)
}

/// execve with Rust strings, which it copies with a NUL each; returns only on failure.
fn exec(path: &[u8], args: &[&str], env: &[&str]) -> i32 {
    let args: Vec<String> = args.iter().map(|arg| format!("{arg}\0")).collect();
    let env: Vec<String> = env.iter().map(|variable| format!("{variable}\0")).collect();
    let mut argv: Vec<*const u8> = args.iter().map(|arg| arg.as_ptr()).collect();
    argv.push(core::ptr::null());
    let mut envp: Vec<*const u8> = env.iter().map(|variable| variable.as_ptr()).collect();
    envp.push(core::ptr::null());
    let errno = sys::execve(path, &argv, &envp);
    println!("exec: execve failed: {errno}");
    1
}

fn check_errors() {
    let none = [core::ptr::null()];
    let missing = sys::execve(b"no-such-program\0", &none, &none);
    println!("execve of a missing program: {}", missing.name());
    // Broken copies of hello that the build puts in /bin beside the programs: each must be ENOEXEC.
    for name in ["truncated", "class", "machine", "type", "phnum", "filesz", "kernel", "overlap", "entry"] {
        let path = format!("/bin/broken-{name}\0");
        let argv = [path.as_ptr(), core::ptr::null()];
        println!("execve of broken-{name}: {}", sys::execve(path.as_bytes(), &argv, &none).name());
    }
    // Linux limits one argument string to 32 pages (MAX_ARG_STRLEN).
    let long: String = core::iter::repeat_n('a', 33 * 4096).chain(core::iter::once('\0')).collect();
    let argv = [long.as_ptr(), core::ptr::null()];
    let too_big = sys::execve(b"/bin/hello\0", &argv, &none);
    println!("execve with a 132 KiB argument: {}", if too_big == Errno::E2BIG { "E2BIG" } else { too_big.name() });
}
