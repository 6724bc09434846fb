//! `$((…))`, the shell's arithmetic (pure): signed 64-bit integers, as POSIX asks for "at
//! least" a C `long`. Numbers are decimal, octal (`010`) or hexadecimal (`0x10`); a name (or
//! `$name`) stands for its variable's value, 0 when unset or empty. The operators, loosest
//! first, each level a function of the parser below:
//!
//! ```text
//! ||   &&   |   ^   &   == !=   < <= > >=   << >>   + -   * / %   unary: - + ! ~   ( )
//! ```
//!
//! Overflow wraps around, as in dash; division by zero is an error, not a crash.

use alloc::format;
use alloc::string::String;

/// How deeply parentheses and unary operators may nest: each level is a call of the parser.
const MAX_DEPTH: usize = 200;

/// The value of `expression`, or the error dash would print (without its
/// "arithmetic expression: " prefix and the expression after it).
pub fn evaluate(expression: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<i64, String> {
    let mut parser = Parser { text: expression.as_bytes(), at: 0, depth: 0, lookup };
    let value = parser.binary(0)?;
    parser.blanks();
    if parser.at < parser.text.len() {
        return Err(String::from("expecting EOF"));
    }
    Ok(value)
}

/// The binary operators, loosest first: a level per row.
const LEVELS: [&[&str]; 10] = [&["||"], &["&&"], &["|"], &["^"], &["&"], &["==", "!="], &["<=", ">=", "<", ">"], &["<<", ">>"], &["+", "-"], &["*", "/", "%"]];

struct Parser<'a> {
    text: &'a [u8],
    at: usize,
    depth: usize,
    lookup: &'a dyn Fn(&str) -> Option<String>,
}

impl Parser<'_> {
    fn blanks(&mut self) {
        while self.text.get(self.at).is_some_and(|byte| byte.is_ascii_whitespace()) {
            self.at += 1;
        }
    }

    /// The operator of `level` that comes next, if one does (and not the start of a longer
    /// one: `|` is not the start of `||`).
    fn operator(&mut self, level: usize) -> Option<&'static str> {
        self.blanks();
        let rest = &self.text[self.at..];
        let found = LEVELS[level].iter().find(|operator| rest.starts_with(operator.as_bytes()))?;
        let longer = LEVELS.iter().flat_map(|level| level.iter()).any(|other| other.len() > found.len() && other.starts_with(found) && rest.starts_with(other.as_bytes()));
        if longer {
            return None;
        }
        self.at += found.len();
        Some(found)
    }

    /// A chain of operators of `level` and tighter, left to right.
    fn binary(&mut self, level: usize) -> Result<i64, String> {
        if level == LEVELS.len() {
            return self.unary();
        }
        let mut value = self.binary(level + 1)?;
        while let Some(operator) = self.operator(level) {
            let right = self.binary(level + 1)?;
            value = apply(operator, value, right)?;
        }
        Ok(value)
    }

    fn unary(&mut self) -> Result<i64, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(String::from("nested too deeply"));
        }
        self.blanks();
        let value = match self.text.get(self.at) {
            Some(b'-') => {
                self.at += 1;
                self.unary()?.wrapping_neg()
            }
            Some(b'+') => {
                self.at += 1;
                self.unary()?
            }
            Some(b'!') => {
                self.at += 1;
                i64::from(self.unary()? == 0)
            }
            Some(b'~') => {
                self.at += 1;
                !self.unary()?
            }
            Some(b'(') => {
                self.at += 1;
                let value = self.binary(0)?;
                self.blanks();
                if self.text.get(self.at) != Some(&b')') {
                    return Err(String::from("expecting ')'"));
                }
                self.at += 1;
                value
            }
            _ => self.primary()?,
        };
        self.depth -= 1;
        Ok(value)
    }

    /// A number, or a variable's name (with or without `$`, `${…}`).
    fn primary(&mut self) -> Result<i64, String> {
        let rest = &self.text[self.at..];
        let word = |rest: &[u8]| rest.iter().take_while(|byte| byte.is_ascii_alphanumeric() || **byte == b'_').count();
        let (name, length) = match rest {
            [b'$', b'{', inside @ ..] => {
                let end = inside.iter().position(|&byte| byte == b'}').ok_or_else(|| String::from("expecting primary"))?;
                (&inside[..end], end + 3)
            }
            [b'$', inside @ ..] => (&inside[..word(inside)], word(inside) + 1),
            _ => (&rest[..word(rest)], word(rest)),
        };
        if name.is_empty() {
            return Err(String::from("expecting primary"));
        }
        self.at += length;
        let name = core::str::from_utf8(name).unwrap_or_default();
        if name.starts_with(|c: char| c.is_ascii_digit()) && !rest.starts_with(b"$") {
            return number(name).ok_or_else(|| format!("Illegal number: {name}"));
        }
        // A variable holds text: a number in it, or 0 when there is none.
        let value = (self.lookup)(name).unwrap_or_default();
        let value = value.trim();
        if value.is_empty() {
            return Ok(0);
        }
        let (negative, digits) = match value.strip_prefix('-') {
            Some(digits) => (true, digits),
            None => (false, value.strip_prefix('+').unwrap_or(value)),
        };
        let magnitude = number(digits).ok_or_else(|| format!("Illegal number: {value}"))?;
        Ok(if negative { magnitude.wrapping_neg() } else { magnitude })
    }
}

/// A number as C writes it: `0x` hexadecimal, a leading 0 octal, else decimal.
fn number(text: &str) -> Option<i64> {
    let (digits, radix) = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => (hex, 16),
        None if text.len() > 1 && text.starts_with('0') => (&text[1..], 8),
        None => (text, 10),
    };
    u64::from_str_radix(digits, radix).ok().map(|value| value as i64)
}

fn apply(operator: &str, left: i64, right: i64) -> Result<i64, String> {
    if matches!(operator, "/" | "%") && right == 0 {
        return Err(String::from("division by zero"));
    }
    Ok(match operator {
        "||" => i64::from(left != 0 || right != 0),
        "&&" => i64::from(left != 0 && right != 0),
        "|" => left | right,
        "^" => left ^ right,
        "&" => left & right,
        "==" => i64::from(left == right),
        "!=" => i64::from(left != right),
        "<=" => i64::from(left <= right),
        ">=" => i64::from(left >= right),
        "<" => i64::from(left < right),
        ">" => i64::from(left > right),
        "<<" => left.wrapping_shl(right as u32),
        ">>" => left.wrapping_shr(right as u32),
        "+" => left.wrapping_add(right),
        "-" => left.wrapping_sub(right),
        "*" => left.wrapping_mul(right),
        "/" => left.wrapping_div(right),
        _ => left.wrapping_rem(right),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    fn lookup(name: &str) -> Option<String> {
        match name {
            "x" => Some("6".to_string()),
            "negative" => Some("-4".to_string()),
            "empty" => Some(String::new()),
            "word" => Some("abc".to_string()),
            _ => None,
        }
    }

    fn value(expression: &str) -> Result<i64, String> {
        evaluate(expression, &lookup)
    }

    #[test]
    fn precedence_and_parentheses_follow_c() {
        assert_eq!(value("1 + 2 * 3"), Ok(7));
        assert_eq!(value("(1 + 2) * 3"), Ok(9));
        assert_eq!(value("7 % 3 - -3 / 2"), Ok(2), "division truncates toward zero");
        assert_eq!(value("1 < 2 && 2 <= 2 || 0"), Ok(1));
        assert_eq!(value("3 == 3 != 0"), Ok(1));
        assert_eq!(value("1 << 4 | 1"), Ok(17));
        assert_eq!(value("!0 + ~0"), Ok(0));
        assert_eq!(value("010 + 0x10"), Ok(24));
    }

    #[test]
    fn names_stand_for_their_variables() {
        assert_eq!(value("x * 2"), Ok(12));
        assert_eq!(value("$x + ${x} + negative"), Ok(8));
        assert_eq!(value("unset + empty"), Ok(0));
        assert_eq!(value("word"), Err("Illegal number: abc".to_string()));
    }

    #[test]
    fn errors_are_messages_not_crashes() {
        assert_eq!(value("1 / 0"), Err("division by zero".to_string()));
        assert_eq!(value("x % (x - 6)"), Err("division by zero".to_string()));
        assert_eq!(value("1 +"), Err("expecting primary".to_string()));
        assert_eq!(value("(1"), Err("expecting ')'".to_string()));
        assert_eq!(value("1 2"), Err("expecting EOF".to_string()));
        assert_eq!(value(&"(".repeat(100_000)), Err("nested too deeply".to_string()));
        assert_eq!(value("9223372036854775807 + 1"), Ok(i64::MIN), "overflow wraps");
    }
}
