//! dirname NAME...: each NAME without its last part.
#![no_std]
#![no_main]

use ulib::{path, println, tool};

ulib::main!(run);

fn run() -> i32 {
    let args = tool::arguments();
    if args.is_empty() {
        return tool::usage(format_args!("missing operand"), 1);
    }
    for name in args {
        println!("{}", path::dir_name(name));
    }
    0
}
