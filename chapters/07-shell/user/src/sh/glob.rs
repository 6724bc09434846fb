//! File-name patterns (pure), as the shell expands them: `*` matches any run of characters,
//! `?` any one, `[abc]`, `[a-z]` and `[!abc]` one of a set (or not of it), and `\` makes the
//! next character literal. A pattern matches one name of a path at a time: `*` never matches
//! a `/`, and a name starting with `.` only matches a pattern that starts with `.`.

use alloc::string::String;
use alloc::vec::Vec;

/// Whether `pattern` has an unescaped `*`, `?` or `[`.
pub fn has_magic(pattern: &str) -> bool {
    let mut escaped = false;
    for c in pattern.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '*' | '?' | '[' => return true,
            _ => {}
        }
    }
    false
}

/// The pattern's text with its escapes removed (for a part of a path without magic).
pub fn unescape(pattern: &str) -> String {
    let mut text = String::new();
    let mut escaped = false;
    for c in pattern.chars() {
        if c == '\\' && !escaped {
            escaped = true;
            continue;
        }
        escaped = false;
        text.push(c);
    }
    text
}

// ANCHOR: glob_matches
/// Whether a whole `name` matches `pattern`.
pub fn matches(pattern: &str, name: &str) -> bool {
    if name.starts_with('.') && !pattern.starts_with('.') && !pattern.starts_with("\\.") {
        return false;
    }
    matches_text(pattern, name)
}

/// Whether a whole `text` matches `pattern` as `case` matches a word: with no rule for dots.
pub fn matches_text(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    matches_here(&pattern, &text)
}

fn matches_here(pattern: &[char], name: &[char]) -> bool {
    let Some((&first, rest)) = pattern.split_first() else { return name.is_empty() };
    match first {
        // Every split of the name: the star takes none, one, two... characters.
        '*' => (0..=name.len()).any(|taken| matches_here(rest, &name[taken..])),
        '?' => !name.is_empty() && matches_here(rest, &name[1..]),
        '[' => match (set(rest), name.first()) {
            (Some((inside, after)), Some(&c)) => inside(c) && matches_here(after, &name[1..]),
            // No closing bracket: the `[` is an ordinary character.
            (None, Some('[')) => matches_here(rest, &name[1..]),
            _ => false,
        },
        '\\' if !rest.is_empty() => name.first() == Some(&rest[0]) && matches_here(&rest[1..], &name[1..]),
        _ => name.first() == Some(&first) && matches_here(rest, &name[1..]),
    }
}
// ANCHOR_END: glob_matches

/// A bracket expression after its `[`: a test for one character, and the pattern after `]`.
fn set(pattern: &[char]) -> Option<(impl Fn(char) -> bool + '_, &[char])> {
    let negated = matches!(pattern.first(), Some('!' | '^'));
    let start = usize::from(negated);
    // A `]` first in the set is a member; the set ends at the next one.
    let end = start + 1 + pattern.get(start + 1..)?.iter().position(|&c| c == ']')?;
    let members = &pattern[start..end];
    let test = move |c: char| {
        let mut at = 0;
        let mut found = false;
        while at < members.len() {
            if at + 2 < members.len() && members[at + 1] == '-' {
                found |= (members[at]..=members[at + 2]).contains(&c);
                at += 3;
            } else {
                found |= members[at] == c;
                at += 1;
            }
        }
        found != negated
    };
    Some((test, &pattern[end + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_questions_and_sets() {
        assert!(matches("*.txt", "a.txt") && !matches("*.txt", "a.txt.gz"));
        assert!(matches("a*b*c", "aXXbYc") && !matches("a*b*c", "aXXbY"));
        assert!(matches("?.c", "x.c") && !matches("?.c", "xy.c"));
        assert!(matches("[ab]1", "b1") && !matches("[ab]1", "c1"));
        assert!(matches("[a-c]", "b") && matches("[!a-c]", "d") && !matches("[!a-c]", "a"));
        assert!(matches("[]]", "]"));
        assert!(matches("[", "[") && matches("a[", "a["), "an unclosed bracket is literal");
        assert!(matches("\\*", "*") && !matches("\\*", "x"));
        assert!(matches("*", "") && matches("", ""));
    }

    #[test]
    fn dot_files_need_a_dot() {
        assert!(!matches("*", ".hidden") && matches(".*", ".hidden") && matches(".h*", ".hidden"));
        assert!(!matches("?hidden", ".hidden"));
    }

    #[test]
    fn magic_and_escapes() {
        assert!(has_magic("a*") && has_magic("[x]") && !has_magic("a\\*b") && !has_magic("plain"));
        assert_eq!(unescape("a\\*b\\\\c"), "a*b\\c");
    }
}
