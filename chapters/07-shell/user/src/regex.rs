//! A small subset of POSIX basic regular expressions, for `grep` (pure): literal
//! characters, `.`, bracket expressions (`[a-z]`, `[^0-9]`), `*` after any of them, `^` at
//! the start and `$` at the end, and `\` to take the next character literally. Matching
//! backtracks, as the classic small matchers do: patterns here are short.

use alloc::vec::Vec;

/// What one position of the pattern matches.
#[derive(Debug, PartialEq, Eq)]
enum Atom {
    Byte(u8),
    Any,
    /// A bracket expression: inclusive byte ranges, and whether it is negated.
    Set { ranges: Vec<(u8, u8)>, negated: bool },
}

#[derive(Debug, PartialEq, Eq)]
struct Piece {
    atom: Atom,
    /// Followed by `*`: zero or more times.
    repeated: bool,
}

/// A compiled pattern.
#[derive(Debug)]
pub struct Regex {
    pieces: Vec<Piece>,
    anchored_start: bool,
    anchored_end: bool,
    ignore_case: bool,
}

/// Why a pattern could not be compiled, in GNU grep's words.
#[derive(Debug, PartialEq, Eq)]
pub enum Error {
    UnmatchedBracket,
    TrailingBackslash,
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        f.write_str(match self {
            Error::UnmatchedBracket => "Unmatched [, [^, [:, [., or [=",
            Error::TrailingBackslash => "Trailing backslash",
        })
    }
}

impl Regex {
    pub fn new(pattern: &[u8], ignore_case: bool) -> Result<Regex, Error> {
        let mut rest = pattern;
        let anchored_start = rest.first() == Some(&b'^');
        if anchored_start {
            rest = &rest[1..];
        }
        // A final `$` anchors, unless it is escaped.
        let anchored_end = rest.last() == Some(&b'$') && !ends_escaped(&rest[..rest.len() - 1]);
        if anchored_end {
            rest = &rest[..rest.len() - 1];
        }
        let mut pieces: Vec<Piece> = Vec::new();
        let mut at = 0;
        while at < rest.len() {
            let (atom, next) = match rest[at] {
                b'.' => (Atom::Any, at + 1),
                b'\\' => (Atom::Byte(*rest.get(at + 1).ok_or(Error::TrailingBackslash)?), at + 2),
                b'[' => bracket(rest, at + 1)?,
                // A `*` with nothing before it is an ordinary character in a BRE.
                b'*' if pieces.is_empty() => (Atom::Byte(b'*'), at + 1),
                b'*' => {
                    pieces.last_mut().expect("not empty").repeated = true;
                    at += 1;
                    continue;
                }
                byte => (Atom::Byte(byte), at + 1),
            };
            pieces.push(Piece { atom, repeated: false });
            at = next;
        }
        Ok(Regex { pieces, anchored_start, anchored_end, ignore_case })
    }

    /// Whether the pattern matches anywhere in `line`.
    pub fn is_match(&self, line: &[u8]) -> bool {
        if self.anchored_start {
            return self.matches_here(&self.pieces, line);
        }
        (0..=line.len()).any(|start| self.matches_here(&self.pieces, &line[start..]))
    }

    fn matches_here(&self, pieces: &[Piece], text: &[u8]) -> bool {
        let Some((piece, rest)) = pieces.split_first() else {
            return !self.anchored_end || text.is_empty();
        };
        if piece.repeated {
            // Longest first, then shorter: the rest of the pattern decides.
            let most = text.iter().take_while(|&&byte| self.atom_matches(&piece.atom, byte)).count();
            return (0..=most).rev().any(|count| self.matches_here(rest, &text[count..]));
        }
        match text.first() {
            Some(&byte) if self.atom_matches(&piece.atom, byte) => self.matches_here(rest, &text[1..]),
            _ => false,
        }
    }

    fn atom_matches(&self, atom: &Atom, byte: u8) -> bool {
        let fold = |byte: u8| if self.ignore_case { byte.to_ascii_lowercase() } else { byte };
        match atom {
            Atom::Any => true,
            Atom::Byte(wanted) => fold(*wanted) == fold(byte),
            Atom::Set { ranges, negated } => {
                let inside = |byte: u8| ranges.iter().any(|&(low, high)| (low..=high).contains(&byte));
                let found = inside(byte) || (self.ignore_case && (inside(byte.to_ascii_lowercase()) || inside(byte.to_ascii_uppercase())));
                found != *negated
            }
        }
    }
}

/// Whether `text` ends in an odd number of backslashes (so the byte after it is escaped).
fn ends_escaped(text: &[u8]) -> bool {
    text.iter().rev().take_while(|&&byte| byte == b'\\').count() % 2 == 1
}

/// The bracket expression starting at `at` (just after its `[`), and where it ends.
fn bracket(pattern: &[u8], mut at: usize) -> Result<(Atom, usize), Error> {
    let negated = pattern.get(at) == Some(&b'^');
    if negated {
        at += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    loop {
        let &byte = pattern.get(at).ok_or(Error::UnmatchedBracket)?;
        // A `]` first in the list is a member, not the end.
        if byte == b']' && !first {
            return Ok((Atom::Set { ranges, negated }, at + 1));
        }
        first = false;
        match (pattern.get(at + 1), pattern.get(at + 2)) {
            (Some(b'-'), Some(&high)) if high != b']' => {
                ranges.push((byte, high));
                at += 3;
            }
            _ => {
                ranges.push((byte, byte));
                at += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, line: &str) -> bool {
        Regex::new(pattern.as_bytes(), false).unwrap().is_match(line.as_bytes())
    }

    #[test]
    fn literals_dots_and_anchors() {
        assert!(matches("ell", "hello"));
        assert!(!matches("elo", "hello"));
        assert!(matches("h.l", "xhal"));
        assert!(matches("^he", "hello") && !matches("^el", "hello"));
        assert!(matches("lo$", "hello") && !matches("ll$", "hello"));
        assert!(matches("^$", "") && !matches("^$", "x"));
        assert!(matches("a\\.b", "a.b") && !matches("a\\.b", "axb"));
        assert!(matches("cost\\$", "cost$"));
    }

    #[test]
    fn stars_and_brackets() {
        assert!(matches("ab*c", "ac") && matches("ab*c", "abbbc") && !matches("ab*c", "abd"));
        assert!(matches("^a.*z$", "a to z"));
        assert!(matches("[0-9][0-9]*", "r2d2"));
        assert!(!matches("^[^0-9]*$", "r2d2") && matches("^[^0-9]*$", "droid"));
        assert!(matches("[]x]", "]"));
        assert!(matches("*a", "*a"), "a leading star is literal");
    }

    #[test]
    fn case_folding_and_errors() {
        let regex = Regex::new(b"HeL[L]o", true).unwrap();
        assert!(regex.is_match(b"say hello"));
        assert_eq!(Regex::new(b"[abc", false).unwrap_err(), Error::UnmatchedBracket);
        assert_eq!(Regex::new(b"ab\\", false).unwrap_err(), Error::TrailingBackslash);
    }
}
