//! sleep NUMBER[SUFFIX]...: waits for the sum of the times given, each in seconds (s, the
//! default), minutes (m), hours (h) or days (d), with a fraction if wanted ("0.5").
#![no_std]
#![no_main]

use ulib::sys::{self, Timespec};
use ulib::tool;

ulib::main!(run);

fn run() -> i32 {
    let args = tool::arguments();
    if args.is_empty() {
        return tool::usage(format_args!("missing operand"), 1);
    }
    let mut total_nanoseconds: u128 = 0;
    for word in &args {
        match nanoseconds(word) {
            Some(value) => total_nanoseconds += value,
            None => return tool::usage(format_args!("invalid time interval '{word}'"), 1),
        }
    }
    let time = Timespec { seconds: (total_nanoseconds / 1_000_000_000).min(i64::MAX as u128) as i64, nanoseconds: (total_nanoseconds % 1_000_000_000) as i64 };
    // sleep handles no signal, so nothing interrupts the wait but one that ends the program
    // (a stop and continue resumes it in the kernel: Linux restarts nanosleep by itself).
    match sys::nanosleep(&time) {
        Ok(_) => 0,
        Err(errno) => {
            ulib::complain!("cannot sleep: {}", errno.message());
            1
        }
    }
}

/// "1.5m" in nanoseconds; None if it is not a time.
fn nanoseconds(word: &str) -> Option<u128> {
    let (number, scale) = match word.as_bytes().last()? {
        b's' => (&word[..word.len() - 1], 1),
        b'm' => (&word[..word.len() - 1], 60),
        b'h' => (&word[..word.len() - 1], 3600),
        b'd' => (&word[..word.len() - 1], 86_400),
        _ => (word, 1),
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if (whole.is_empty() && fraction.is_empty()) || !whole.bytes().chain(fraction.bytes()).all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let whole: u128 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let mut nanos: u128 = 0;
    for place in 0..9 {
        nanos = nanos * 10 + fraction.as_bytes().get(place).map_or(0, |digit| u128::from(digit - b'0'));
    }
    Some((whole * 1_000_000_000 + nanos) * scale)
}
