//! The kernel monitor: a command line on the serial console for poking at the running
//! kernel. Each chapter adds commands of its own (commands.rs); this module reads lines,
//! finds the command and hands it its arguments.

use core::fmt;
use core::str::SplitAsciiWhitespace;

// ANCHOR: command
/// One monitor command.
pub struct Command {
    pub name: &'static str,
    /// Its arguments as `help` shows them: "N", "[code]", "VA N".
    pub args: &'static str,
    /// What it does, in one line.
    pub help: &'static str,
    pub run: fn(&mut Args) -> Result<(), ArgError>,
}
// ANCHOR_END: command

/// The words after a command's name.
pub struct Args<'a> {
    words: SplitAsciiWhitespace<'a>,
}

/// What was wrong with a command's arguments.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ArgError {
    Missing,
    NotANumber,
    TooMany,
}

impl fmt::Display for ArgError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(match self {
            ArgError::Missing => "an argument is missing",
            ArgError::NotANumber => "expected a number (decimal, or hexadecimal after 0x)",
            ArgError::TooMany => "too many arguments",
        })
    }
}

impl<'a> Args<'a> {
    pub fn new(words: &'a str) -> Self {
        Args {
            words: words.split_ascii_whitespace(),
        }
    }

    /// The next argument, which must be a number.
    pub fn number(&mut self) -> Result<u64, ArgError> {
        self.optional_number()?.ok_or(ArgError::Missing)
    }

    /// The next argument if there is one, which must be a number.
    pub fn optional_number(&mut self) -> Result<Option<u64>, ArgError> {
        self.words
            .next()
            .map(|word| parse_number(word).ok_or(ArgError::NotANumber))
            .transpose()
    }

    /// The next argument as it was typed.
    pub fn word(&mut self) -> Option<&'a str> {
        self.words.next()
    }

    /// Succeeds when every argument has been used.
    pub fn end(&mut self) -> Result<(), ArgError> {
        match self.words.next() {
            Some(_) => Err(ArgError::TooMany),
            None => Ok(()),
        }
    }
}

// ANCHOR: parse_number
/// A number as typed at the monitor: decimal, or hexadecimal after "0x" (addresses),
/// with "_" allowed between digits for readability (0xffff_0000_0000_0000).
pub fn parse_number(word: &str) -> Option<u64> {
    let (digits, radix) = match word.strip_prefix("0x").or_else(|| word.strip_prefix("0X")) {
        Some(hex) => (hex, 16),
        None => (word, 10),
    };
    if digits.is_empty() || digits.starts_with('_') {
        return None;
    }
    let mut value: u64 = 0;
    for c in digits.chars().filter(|&c| c != '_') {
        let digit = c.to_digit(radix)?;
        value = value.checked_mul(radix as u64)?.checked_add(digit as u64)?;
    }
    Some(value)
}
// ANCHOR_END: parse_number

/// What a typed line asks for.
#[derive(PartialEq, Eq, Debug)]
pub enum Request<'a> {
    /// An empty (or all-blank) line: just prompt again.
    Empty,
    /// `help`: list the commands.
    Help,
    /// A command, and the rest of the line for its arguments.
    Run(&'a Command, &'a str),
    /// A first word that names no command.
    Unknown(&'a str),
}

impl PartialEq for Command {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}
impl Eq for Command {}
impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.name)
    }
}

// ANCHOR: dispatch
/// Finds what `line` asks for among `commands`.
pub fn parse<'a>(line: &'a str, commands: &'a [Command]) -> Request<'a> {
    let line = line.trim_start();
    let (name, rest) = line.split_once(' ').unwrap_or((line, ""));
    match name {
        "" => Request::Empty,
        "help" => Request::Help,
        _ => match commands.iter().find(|command| command.name == name) {
            Some(command) => Request::Run(command, rest),
            None => Request::Unknown(name),
        },
    }
}
// ANCHOR_END: dispatch

/// How `help` shows a command: its name and arguments in a column, then what it does.
pub struct HelpLine<'a>(pub &'a Command);

/// The width of the name-and-arguments column, enough for "touch VA N" and "run PROG ARG..".
const HELP_COLUMN: usize = 14;

impl fmt::Display for HelpLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let Command {
            name, args, help, ..
        } = self.0;
        let used = name.len() + if args.is_empty() { 0 } else { 1 + args.len() };
        let space = if args.is_empty() { "" } else { " " };
        write!(
            f,
            "  {name}{space}{args}{:pad$} {help}",
            "",
            pad = HELP_COLUMN.saturating_sub(used)
        )
    }
}

#[cfg(not(test))]
pub use hardware::run;

#[cfg(not(test))]
mod hardware {
    use super::{Args, Command, HelpLine, Request, parse};
    use crate::line::{Edit, LineEditor};
    use crate::{console, print, println};

    const PROMPT: &str = "bramble> ";
    /// The line `help` shows for itself.
    const HELP: Command = Command {
        name: "help",
        args: "",
        help: "list the commands",
        run: |_| Ok(()),
    };
    /// The longest line the monitor keeps; more characters are dropped.
    const LINE_LENGTH: usize = 120;

    // ANCHOR: monitor_loop
    /// Reads commands from the serial console and runs them, forever.
    pub fn run(commands: &[Command]) -> ! {
        let mut editor = LineEditor::<LINE_LENGTH>::new();
        print!("{PROMPT}");
        loop {
            // Echo happens here, as the monitor reads each byte, rather than in the interrupt
            // handler as it arrives: bytes typed ahead during a long command then appear after
            // its output, in the same place whatever the timing.
            match editor.feed(console::read_byte()) {
                Edit::Nothing => {}
                Edit::Echo(byte) => print!("{}", byte as char),
                // Back one column, overwrite the character with a space, back again.
                Edit::Erase => print!("\x08 \x08"),
                Edit::Done => {
                    println!();
                    execute(editor.line(), commands);
                    editor.clear();
                    print!("{PROMPT}");
                }
            }
        }
    }
    // ANCHOR_END: monitor_loop

    fn execute(line: &str, commands: &[Command]) {
        match parse(line, commands) {
            Request::Empty => {}
            Request::Help => {
                println!("{}", HelpLine(&HELP));
                for command in commands {
                    println!("{}", HelpLine(command));
                }
            }
            Request::Run(command, rest) => {
                if let Err(error) = (command.run)(&mut Args::new(rest)) {
                    let space = if command.args.is_empty() { "" } else { " " };
                    println!(
                        "{}: {error}; usage: {}{space}{}",
                        command.name, command.name, command.args
                    );
                }
            }
            Request::Unknown(name) => {
                println!("unknown command \"{name}\"; type help for the list")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait(args: &mut Args) -> Result<(), ArgError> {
        args.number()?;
        args.end()
    }

    const COMMANDS: [Command; 2] = [
        Command {
            name: "wait",
            args: "N",
            help: "sleep for N ticks",
            run: wait,
        },
        Command {
            name: "uptime",
            args: "",
            help: "time since boot",
            run: |args| args.end(),
        },
    ];

    #[test]
    fn numbers_in_decimal_and_hexadecimal() {
        assert_eq!(parse_number("100"), Some(100));
        assert_eq!(parse_number("0x1000"), Some(0x1000));
        assert_eq!(
            parse_number("0xffff_0000_0000_0000"),
            Some(0xffff_0000_0000_0000)
        );
        assert_eq!(parse_number("18446744073709551616"), None);
        assert_eq!(parse_number("0x"), None);
        assert_eq!(parse_number("12a"), None);
        assert_eq!(parse_number("-1"), None);
    }

    #[test]
    fn lines_find_their_command() {
        assert_eq!(
            parse("  wait 5", &COMMANDS),
            Request::Run(&COMMANDS[0], "5")
        );
        assert_eq!(parse("uptime", &COMMANDS), Request::Run(&COMMANDS[1], ""));
        assert_eq!(parse("help", &COMMANDS), Request::Help);
        assert_eq!(parse("   ", &COMMANDS), Request::Empty);
        assert_eq!(
            parse("frobnicate now", &COMMANDS),
            Request::Unknown("frobnicate")
        );
    }

    #[test]
    fn arguments_are_checked() {
        assert_eq!(
            (COMMANDS[0].run)(&mut Args::new("")),
            Err(ArgError::Missing)
        );
        assert_eq!(wait(&mut Args::new("soon")), Err(ArgError::NotANumber));
        assert_eq!(wait(&mut Args::new("5 6")), Err(ArgError::TooMany));
        assert_eq!(wait(&mut Args::new(" 5  ")), Ok(()));
        assert_eq!(Args::new("").optional_number(), Ok(None));
        let mut words = Args::new("hello a  b");
        assert_eq!((words.word(), words.word(), words.word(), words.word()), (Some("hello"), Some("a"), Some("b"), None));
    }

    #[test]
    fn help_lines_line_up() {
        assert_eq!(
            HelpLine(&COMMANDS[0]).to_string(),
            "  wait N         sleep for N ticks"
        );
        assert_eq!(
            HelpLine(&COMMANDS[1]).to_string(),
            "  uptime         time since boot"
        );
    }
}
