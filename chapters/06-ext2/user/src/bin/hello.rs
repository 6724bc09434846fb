//! hello: prints its arguments and its environment, one per line.
#![no_std]
#![no_main]

use ulib::println;

ulib::main!(run);

fn run() -> i32 {
    println!("hello from pid {}", ulib::sys::getpid());
    for (index, arg) in ulib::args().enumerate() {
        println!("argv[{index}] = {arg}");
    }
    for (index, variable) in ulib::env().enumerate() {
        println!("envp[{index}] = {variable}");
    }
    0
}
