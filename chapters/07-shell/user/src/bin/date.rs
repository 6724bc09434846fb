//! date [-u] [+FORMAT]: the date and time, in UTC (Bramble has no time zones), as
//! "Sun Nov 29 11:22:07 UTC 2026" or in FORMAT: %Y %m %d %H %M %S, %a %b (names), %e (day,
//! space-padded), %j (day of the year), %s (seconds since 1970), %F (%Y-%m-%d), %T
//! (%H:%M:%S), %Z (UTC), %n, %t and %%.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::string::String;
use core::fmt::Write;
use ulib::time::DateTime;
use ulib::{complain, println, sys, tool};

ulib::main!(run);

fn run() -> i32 {
    let args = tool::arguments();
    let mut format = "+%a %b %e %H:%M:%S %Z %Y";
    for &arg in &args {
        match arg {
            "-u" => {}
            _ if arg.starts_with('+') => format = arg,
            _ => return tool::usage(format_args!("invalid date '{arg}'"), 1),
        }
    }
    let now = match sys::clock_gettime(sys::CLOCK_REALTIME) {
        Ok(now) => now.seconds,
        Err(errno) => {
            complain!("cannot read the clock: {}", errno.message());
            return 1;
        }
    };
    println!("{}", render(&format[1..], now));
    0
}

fn render(format: &str, seconds: i64) -> String {
    let time = DateTime::from_unix(seconds);
    let mut text = String::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            text.push(c);
            continue;
        }
        let _ = match chars.next() {
            Some('Y') => write!(text, "{}", time.year),
            Some('m') => write!(text, "{:02}", time.month),
            Some('d') => write!(text, "{:02}", time.day),
            Some('e') => write!(text, "{:2}", time.day),
            Some('H') => write!(text, "{:02}", time.hour),
            Some('M') => write!(text, "{:02}", time.minute),
            Some('S') => write!(text, "{:02}", time.second),
            Some('a') => write!(text, "{}", time.weekday_name()),
            Some('b') => write!(text, "{}", time.month_name()),
            Some('j') => write!(text, "{:03}", day_of_year(seconds)),
            Some('s') => write!(text, "{seconds}"),
            Some('F') => write!(text, "{}-{:02}-{:02}", time.year, time.month, time.day),
            Some('T') => write!(text, "{:02}:{:02}:{:02}", time.hour, time.minute, time.second),
            Some('Z') => write!(text, "UTC"),
            Some('n') => write!(text, "\n"),
            Some('t') => write!(text, "\t"),
            Some('%') => write!(text, "%"),
            Some(other) => write!(text, "%{other}"),
            None => write!(text, "%"),
        };
    }
    text
}

/// Days since the year began, from 1.
fn day_of_year(seconds: i64) -> i64 {
    let year = DateTime::from_unix(seconds).year;
    // Find the year's first day by stepping back from this one.
    let today = seconds.div_euclid(86_400);
    let mut first = today;
    while DateTime::from_unix((first - 1) * 86_400).year == year {
        first -= 1;
    }
    today - first + 1
}
