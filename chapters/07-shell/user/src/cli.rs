//! Command-line options as GNU's `getopt` reads them (pure): short options, clustered
//! (`-la`), with a value joined or separate (`-n5`, `-n 5`); options may follow operands
//! (`ls dir -l`) until `--`; a lone `-` is an operand (standard input, for most tools).

use alloc::vec::Vec;

/// The options and operands of one command line, in order.
#[derive(PartialEq, Eq, Debug, Default)]
pub struct Parsed<'a> {
    pub options: Vec<(char, Option<&'a str>)>,
    pub operands: Vec<&'a str>,
}

impl<'a> Parsed<'a> {
    /// Whether option `letter` was given.
    pub fn has(&self, letter: char) -> bool {
        self.options.iter().any(|(given, _)| *given == letter)
    }

    /// The value of the last `letter` option given (the last one wins, as in GNU's tools).
    pub fn value(&self, letter: char) -> Option<&'a str> {
        self.options.iter().rev().find(|(given, _)| *given == letter).and_then(|(_, value)| *value)
    }
}

/// What was wrong with a command line, as getopt reports it.
#[derive(PartialEq, Eq, Debug)]
pub enum Error {
    Unknown(char),
    NeedsValue(char),
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        match self {
            Error::Unknown(letter) => write!(f, "invalid option -- '{letter}'"),
            Error::NeedsValue(letter) => write!(f, "option requires an argument -- '{letter}'"),
        }
    }
}

// ANCHOR: getopt
/// Reads `args` (without the program's name): `flags` are the letters taken alone,
/// `with_value` those that take a value.
pub fn parse<'a>(args: &[&'a str], flags: &str, with_value: &str) -> Result<Parsed<'a>, Error> {
    let mut parsed = Parsed::default();
    let mut rest = args.iter();
    while let Some(&arg) = rest.next() {
        if arg == "--" {
            parsed.operands.extend(rest.by_ref());
            break;
        }
        let Some(letters) = arg.strip_prefix('-').filter(|letters| !letters.is_empty()) else {
            parsed.operands.push(arg);
            continue;
        };
        for (at, letter) in letters.char_indices() {
            if flags.contains(letter) {
                parsed.options.push((letter, None));
            } else if with_value.contains(letter) {
                // The rest of this word is the value, or else the next word is.
                let joined = &letters[at + letter.len_utf8()..];
                let value = if joined.is_empty() { *rest.next().ok_or(Error::NeedsValue(letter))? } else { joined };
                parsed.options.push((letter, Some(value)));
                break;
            } else {
                return Err(Error::Unknown(letter));
            }
        }
    }
    Ok(parsed)
}
// ANCHOR_END: getopt

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clusters_values_and_operands_in_any_order() {
        let parsed = parse(&["-la", "dir", "-n5", "-n", "7", "-", "-R"], "laR", "n").unwrap();
        assert_eq!(parsed.options, [('l', None), ('a', None), ('n', Some("5")), ('n', Some("7")), ('R', None)]);
        assert_eq!(parsed.operands, ["dir", "-"]);
        assert!(parsed.has('R') && !parsed.has('x'));
        assert_eq!(parsed.value('n'), Some("7"));
    }

    #[test]
    fn a_double_dash_ends_the_options() {
        let parsed = parse(&["-a", "--", "-l", "x"], "al", "").unwrap();
        assert_eq!(parsed.options, [('a', None)]);
        assert_eq!(parsed.operands, ["-l", "x"]);
    }

    #[test]
    fn errors_read_as_getopt_writes_them() {
        assert_eq!(parse(&["-z"], "a", "").unwrap_err().to_string(), "invalid option -- 'z'");
        assert_eq!(parse(&["-n"], "", "n").unwrap_err().to_string(), "option requires an argument -- 'n'");
    }
}
