//! basename NAME [SUFFIX]: NAME without its folders (and without SUFFIX, if it ends so).
#![no_std]
#![no_main]

use ulib::{path, println, tool};

ulib::main!(run);

fn run() -> i32 {
    let args = tool::arguments();
    match args[..] {
        [] => tool::usage(format_args!("missing operand"), 1),
        [name] => {
            println!("{}", path::base_name(name));
            0
        }
        [name, suffix] => {
            let base = path::base_name(name);
            // The suffix goes only if something is left.
            println!("{}", base.strip_suffix(suffix).filter(|rest| !rest.is_empty()).unwrap_or(base));
            0
        }
        [_, _, extra, ..] => tool::usage(format_args!("extra operand '{extra}'"), 1),
    }
}
