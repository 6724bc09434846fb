//! echo [-neE] [STRING]...: writes its arguments, separated by blanks, and a newline (not
//! with -n). With -e, backslash escapes are interpreted (\n, \t, \\, \c to stop, \0NNN in
//! octal...). As in GNU's echo, a first argument is an option only if all its letters are.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use ulib::io::Output;
use ulib::tool;

ulib::main!(run);

fn run() -> i32 {
    let args = tool::arguments();
    let mut newline = true;
    let mut escapes = false;
    let mut words = &args[..];
    while let Some(letters) = words.first().and_then(|word| word.strip_prefix('-')) {
        if letters.is_empty() || !letters.chars().all(|letter| "neE".contains(letter)) {
            break;
        }
        for letter in letters.chars() {
            match letter {
                'n' => newline = false,
                'e' => escapes = true,
                _ => escapes = false,
            }
        }
        words = &words[1..];
    }
    let mut out = Output::stdout();
    for (index, word) in words.iter().enumerate() {
        if index > 0 {
            out.write(b" ");
        }
        if !escapes {
            out.write(word.as_bytes());
        } else if !unescape(word.as_bytes(), &mut out) {
            // \c: nothing more at all, not even the newline.
            return 0;
        }
    }
    if newline {
        out.write(b"\n");
    }
    0
}

/// Writes `text` with its escapes interpreted; false after a \c.
fn unescape(text: &[u8], out: &mut Output) -> bool {
    let mut bytes: Vec<u8> = Vec::new();
    let mut at = 0;
    while at < text.len() {
        let byte = text[at];
        at += 1;
        if byte != b'\\' || at == text.len() {
            bytes.push(byte);
            continue;
        }
        let code = text[at];
        at += 1;
        match code {
            b'n' => bytes.push(b'\n'),
            b't' => bytes.push(b'\t'),
            b'r' => bytes.push(b'\r'),
            b'a' => bytes.push(0x07),
            b'b' => bytes.push(0x08),
            b'e' => bytes.push(0x1b),
            b'f' => bytes.push(0x0c),
            b'v' => bytes.push(0x0b),
            b'\\' => bytes.push(b'\\'),
            b'c' => {
                out.write(&bytes);
                return false;
            }
            b'0' => {
                // Up to three octal digits after the 0.
                let digits = text[at..].iter().take(3).take_while(|digit| (b'0'..=b'7').contains(digit)).count();
                let value = text[at..at + digits].iter().fold(0u32, |value, digit| value * 8 + u32::from(digit - b'0'));
                bytes.push(value as u8);
                at += digits;
            }
            other => bytes.extend([b'\\', other]),
        }
    }
    out.write(&bytes);
    true
}
