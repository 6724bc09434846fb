//! The shell's grammar (pure): text becomes a list of commands, and a word becomes the
//! fields a program receives. What it reads, a subset of POSIX's shell language:
//!
//! ```text
//! program   := { and_or [ '&' | ';' | newline ] }
//! and_or    := pipeline { ( '&&' | '||' ) newlines pipeline }
//! pipeline  := command { '|' newlines command }
//! command   := { NAME=word } ( word | redirect ) { word | redirect }
//! redirect  := [ digits ] ( '<' | '>' | '>>' | '>&' ) word
//! ```
//!
//! Words are quoted with '…' (everything literal), "…" (literal but for `$` and `\`) and `\`
//! (the next character literal); `$NAME`, `${NAME}`, `$?`, `$$`, `$#` and `$0`…`$9` are
//! expanded, and an unquoted expansion is split into fields at blanks; `~` at a word's start
//! is `$HOME`. `#` starts a comment. Not read: command substitution, `( … )`, the control
//! words (`if`, `while`, `for`, `case`): each gives a syntax error that says so.

use alloc::string::String;
use alloc::vec::Vec;

/// A piece of a word: literal text, or a parameter to expand. Whether it was quoted matters
/// to what comes after: unquoted `*`, `?` and `[` are patterns for file names, and an unquoted
/// parameter's value is split into fields.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Part {
    Text { text: String, quoted: bool },
    Parameter { name: String, quoted: bool },
}

/// A word as written: its parts in order. Quoted empty text (`""`) is kept as an empty
/// `Text`, so that the word still makes one (empty) field.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Word {
    pub parts: Vec<Part>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RedirectKind {
    /// `<`: open for reading.
    Read,
    /// `>`: create or truncate.
    Write,
    /// `>>`: create or append.
    Append,
    /// `>&`: a copy of another descriptor (its number is the target).
    Duplicate,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Redirect {
    pub fd: usize,
    pub kind: RedirectKind,
    pub target: Word,
}

// ANCHOR: command
/// A simple command: `NAME=value` assignments, the words, the redirections.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Command {
    pub assignments: Vec<(String, Word)>,
    pub words: Vec<Word>,
    pub redirects: Vec<Redirect>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Connector {
    /// `&&`: run the next pipeline if this one succeeded.
    And,
    /// `||`: run it if this one failed.
    Or,
}

/// Pipelines joined by `&&` and `||`, run to the end unless `&` puts them in the background.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Item {
    pub first: Vec<Command>,
    pub rest: Vec<(Connector, Vec<Command>)>,
    pub background: bool,
    /// The line it starts on (from 1), for error messages.
    pub line: usize,
    /// Its text as typed, for `jobs`.
    pub text: String,
}
// ANCHOR_END: command

/// A syntax error: where, what, and whether more input could complete it (an open quote, a
/// `|` or `&&` at the end): then an interactive shell asks for another line.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SyntaxError {
    pub line: usize,
    pub message: String,
    pub incomplete: bool,
}

/// What `parse` read: the items before the first error, and the error if there was one (a
/// script runs the commands before its error, as other shells do).
#[derive(Debug, Default)]
pub struct Parsed {
    pub items: Vec<Item>,
    pub error: Option<SyntaxError>,
}

/// A token: a word, or an operator (with its input descriptor number, for redirections).
#[derive(Clone, PartialEq, Eq, Debug)]
enum Token {
    Word(Word, bool),
    Operator(&'static str, Option<usize>),
    Newline,
    End,
}

/// The words that begin or end POSIX's compound commands, which this shell does not read.
const CONTROL_WORDS: [&str; 12] = ["if", "then", "elif", "else", "fi", "while", "until", "do", "done", "for", "case", "esac"];

const OPERATORS: [&str; 9] = ["&&", "||", ">>", ">&", "|", "&", ";", "<", ">"];

/// Reads the characters of the whole text, a token at a time.
struct Lexer<'a> {
    text: &'a str,
    at: usize,
    line: usize,
}

impl<'a> Lexer<'a> {
    fn peek(&self) -> Option<char> {
        self.text[self.at..].chars().next()
    }

    fn error(&self, message: &str, incomplete: bool) -> SyntaxError {
        SyntaxError { line: self.line, message: String::from(message), incomplete }
    }

    fn unsupported_word(&self, word: &str) -> SyntaxError {
        self.error(&alloc::format!("Syntax error: \"{word}\": if, while, for and case are not supported"), false)
    }

    /// What this shell does not read (yet): said plainly rather than run as something else.
    fn unsupported(&self, c: char, what: &str) -> SyntaxError {
        self.error(&alloc::format!("Syntax error: \"{c}\": {what} not supported"), false)
    }

    fn next_token(&mut self) -> Result<Token, SyntaxError> {
        loop {
            let rest = &self.text[self.at..];
            if rest.starts_with("\\\n") {
                self.at += 2;
                self.line += 1;
            } else if rest.starts_with([' ', '\t']) {
                self.at += 1;
            } else if rest.starts_with('#') {
                self.at += rest.find('\n').unwrap_or(rest.len());
            } else {
                break;
            }
        }
        let rest = &self.text[self.at..];
        let Some(first) = rest.chars().next() else { return Ok(Token::End) };
        if first == '\n' {
            self.at += 1;
            self.line += 1;
            return Ok(Token::Newline);
        }
        // Digits directly before `<` or `>` name the descriptor to redirect.
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let fd = (digits > 0 && rest[digits..].starts_with(['<', '>'])).then(|| rest[..digits].parse::<usize>().ok()).flatten();
        let after_fd = if fd.is_some() { digits } else { 0 };
        if let Some(operator) = OPERATORS.iter().find(|operator| rest[after_fd..].starts_with(**operator)) {
            self.at += after_fd + operator.len();
            return Ok(Token::Operator(operator, fd));
        }
        self.word().map(|(word, quoted)| Token::Word(word, quoted))
    }

    /// A word, up to an unquoted blank or operator; and whether any of it was quoted.
    fn word(&mut self) -> Result<(Word, bool), SyntaxError> {
        let mut word = Word::default();
        let mut run = Run::default();
        let mut quoted = false;
        while let Some(c) = self.peek() {
            if matches!(c, ' ' | '\t' | '\n' | '|' | '&' | ';' | '<' | '>') {
                break;
            }
            self.at += c.len_utf8();
            match c {
                // `~` alone or before a `/`, at a word's start, is the home folder.
                '~' if word.parts.is_empty() && run.text.is_empty() && self.peek().is_none_or(|next| matches!(next, '/' | ' ' | '\t' | '\n' | '|' | '&' | ';' | '<' | '>')) => {
                    word.parts.push(Part::Parameter { name: String::from("HOME"), quoted: true });
                }
                '`' => return Err(self.unsupported(c, "command substitution is")),
                '$' if self.peek() == Some('(') => return Err(self.unsupported('(', "command substitution is")),
                '(' | ')' => return Err(self.unsupported(c, "subshells and functions are")),
                '\'' => {
                    quoted = true;
                    let Some(end) = self.text[self.at..].find('\'') else {
                        return Err(self.error("Syntax error: Unterminated quoted string", true));
                    };
                    let inside = &self.text[self.at..self.at + end];
                    self.line += inside.matches('\n').count();
                    self.at += end + 1;
                    // A part of its own, even when empty: '' alone still makes a field.
                    run.flush(&mut word);
                    word.parts.push(Part::Text { text: String::from(inside), quoted: true });
                }
                '"' => {
                    quoted = true;
                    self.double_quoted(&mut word, &mut run)?;
                }
                '\\' => {
                    quoted = true;
                    match self.peek() {
                        Some(next) => {
                            run.push(&mut word, next, true);
                            self.at += next.len_utf8();
                        }
                        None => run.push(&mut word, '\\', false),
                    }
                }
                '$' => self.parameter(&mut word, &mut run, false)?,
                _ => run.push(&mut word, c, false),
            }
        }
        run.flush(&mut word);
        Ok((word, quoted))
    }

    /// The inside of "…", after its opening quote.
    fn double_quoted(&mut self, word: &mut Word, run: &mut Run) -> Result<(), SyntaxError> {
        run.flush(word);
        let parts_before = word.parts.len();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.error("Syntax error: Unterminated quoted string", true));
            };
            self.at += c.len_utf8();
            match c {
                '"' => {
                    // "" alone still makes a field: an empty quoted part.
                    if run.text.is_empty() && word.parts.len() == parts_before {
                        word.parts.push(Part::Text { text: String::new(), quoted: true });
                    }
                    run.flush(word);
                    return Ok(());
                }
                // Inside "…", a backslash quotes only these; before anything else it stays.
                '\\' => match self.peek() {
                    Some(next @ ('$' | '`' | '"' | '\\')) => {
                        run.push(word, next, true);
                        self.at += 1;
                    }
                    Some('\n') => {
                        self.at += 1;
                        self.line += 1;
                    }
                    _ => run.push(word, '\\', true),
                },
                '`' => return Err(self.unsupported(c, "command substitution is")),
                '$' if self.peek() == Some('(') => return Err(self.unsupported('(', "command substitution is")),
                '$' => self.parameter(word, run, true)?,
                '\n' => {
                    self.line += 1;
                    run.push(word, c, true);
                }
                _ => run.push(word, c, true),
            }
        }
    }

    /// After a `$`: a parameter's name, or else a literal `$`.
    fn parameter(&mut self, word: &mut Word, run: &mut Run, quoted: bool) -> Result<(), SyntaxError> {
        let rest = &self.text[self.at..];
        let name = if let Some(braced) = rest.strip_prefix('{') {
            let Some(end) = braced.find('}') else {
                return Err(self.error("Syntax error: Missing '}'", true));
            };
            let name = &braced[..end];
            if !is_name(name) && !is_special(name) {
                return Err(self.error("Bad substitution", false));
            }
            self.at += end + 2;
            name
        } else if rest.starts_with(['?', '$', '#']) || rest.starts_with(|c: char| c.is_ascii_digit()) {
            self.at += 1;
            &rest[..1]
        } else {
            let length = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
            if length == 0 || rest.starts_with(|c: char| c.is_ascii_digit()) {
                run.push(word, '$', quoted);
                return Ok(());
            }
            self.at += length;
            &rest[..length]
        };
        run.flush(word);
        word.parts.push(Part::Parameter { name: String::from(name), quoted });
        Ok(())
    }
}

/// Literal text being collected into a word, all of it quoted or all of it not.
#[derive(Default)]
struct Run {
    text: String,
    quoted: bool,
}

impl Run {
    /// Adds a character; a change between quoted and unquoted ends the part before it.
    fn push(&mut self, word: &mut Word, c: char, quoted: bool) {
        if quoted != self.quoted {
            self.flush(word);
            self.quoted = quoted;
        }
        self.text.push(c);
    }

    /// Ends the text collected so far as a part, if there is any.
    fn flush(&mut self, word: &mut Word) {
        if !self.text.is_empty() {
            word.parts.push(Part::Text { text: core::mem::take(&mut self.text), quoted: self.quoted });
        }
    }
}

/// A valid variable name: a letter or `_`, then letters, digits and `_`.
pub fn is_name(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_special(text: &str) -> bool {
    matches!(text, "?" | "$" | "#") || (text.len() == 1 && text.starts_with(|c: char| c.is_ascii_digit()))
}

/// The parser: tokens, one of lookahead.
struct Parser<'a> {
    lexer: Lexer<'a>,
    next: Token,
    /// Where `next` began in the text.
    next_at: usize,
}

impl<'a> Parser<'a> {
    fn advance(&mut self) -> Result<Token, SyntaxError> {
        let start = self.lexer.at;
        let token = self.lexer.next_token()?;
        // Where the token began: after the blanks the lexer skipped.
        let skipped = self.lexer.text[start..].len() - self.lexer.text[start..].trim_start_matches([' ', '\t']).len();
        self.next_at = start + skipped;
        Ok(core::mem::replace(&mut self.next, token))
    }

    fn unexpected(&self) -> SyntaxError {
        let (what, incomplete) = match &self.next {
            Token::End => (String::from("end of file"), true),
            Token::Newline => (String::from("newline"), false),
            Token::Operator(operator, _) => (alloc::format!("\"{operator}\""), false),
            Token::Word(..) => (String::from("word"), false),
        };
        SyntaxError { line: self.lexer.line, message: alloc::format!("Syntax error: {what} unexpected"), incomplete }
    }

    fn skip_newlines(&mut self) -> Result<(), SyntaxError> {
        while self.next == Token::Newline {
            self.advance()?;
        }
        Ok(())
    }

    fn item(&mut self) -> Result<Item, SyntaxError> {
        let line = self.lexer.line;
        let start = self.next_at;
        let first = self.pipeline()?;
        let mut rest = Vec::new();
        loop {
            let connector = match self.next {
                Token::Operator("&&", None) => Connector::And,
                Token::Operator("||", None) => Connector::Or,
                _ => break,
            };
            self.advance()?;
            self.skip_newlines()?;
            rest.push((connector, self.pipeline()?));
        }
        let end = self.next_at;
        let background = self.next == Token::Operator("&", None);
        if background || self.next == Token::Operator(";", None) {
            self.advance()?;
        } else if !matches!(self.next, Token::Newline | Token::End) {
            return Err(self.unexpected());
        }
        let text = String::from(self.lexer.text[start..end].trim_end());
        Ok(Item { first, rest, background, line, text })
    }

    fn pipeline(&mut self) -> Result<Vec<Command>, SyntaxError> {
        let mut commands = Vec::from([self.command()?]);
        while self.next == Token::Operator("|", None) {
            self.advance()?;
            self.skip_newlines()?;
            commands.push(self.command()?);
        }
        Ok(commands)
    }

    fn command(&mut self) -> Result<Command, SyntaxError> {
        let mut command = Command::default();
        loop {
            match &self.next {
                Token::Word(..) => {
                    let Token::Word(word, _) = self.advance()? else { unreachable!("just seen") };
                    if let (true, [Part::Text { text, quoted: false }]) = (command.words.is_empty(), &word.parts[..]) {
                        if CONTROL_WORDS.contains(&text.as_str()) {
                            return Err(self.lexer.unsupported_word(text));
                        }
                    }
                    match assignment(&word) {
                        Some(assigned) if command.words.is_empty() => command.assignments.push(assigned),
                        _ => command.words.push(word),
                    }
                }
                &Token::Operator(operator @ ("<" | ">" | ">>" | ">&"), fd) => {
                    let kind = match operator {
                        "<" => RedirectKind::Read,
                        ">" => RedirectKind::Write,
                        ">>" => RedirectKind::Append,
                        _ => RedirectKind::Duplicate,
                    };
                    self.advance()?;
                    if !matches!(self.next, Token::Word(..)) {
                        return Err(self.unexpected());
                    }
                    let Token::Word(target, _) = self.advance()? else { unreachable!("just seen") };
                    let fd = fd.unwrap_or(if kind == RedirectKind::Read { 0 } else { 1 });
                    command.redirects.push(Redirect { fd, kind, target });
                }
                _ if command == Command::default() => return Err(self.unexpected()),
                _ => return Ok(command),
            }
        }
    }
}

/// `NAME=value` as an assignment: the name must be unquoted literal text.
fn assignment(word: &Word) -> Option<(String, Word)> {
    let Some(Part::Text { text: first, quoted: false }) = word.parts.first() else { return None };
    let (name, value) = first.split_once('=')?;
    if !is_name(name) {
        return None;
    }
    let mut parts = Vec::from([Part::Text { text: String::from(value), quoted: false }]);
    parts.extend(word.parts[1..].iter().cloned());
    Some((String::from(name), Word { parts }))
}

/// Reads a whole text (a script, a `-c` string, or lines typed so far) into items.
pub fn parse(text: &str) -> Parsed {
    // `next` starts as a stand-in newline, which the first `advance` replaces.
    let mut parser = Parser { lexer: Lexer { text, at: 0, line: 1 }, next: Token::Newline, next_at: 0 };
    let mut items = Vec::new();
    let error = read_items(&mut parser, &mut items).err();
    Parsed { items, error }
}

fn read_items(parser: &mut Parser, items: &mut Vec<Item>) -> Result<(), SyntaxError> {
    parser.advance()?;
    loop {
        parser.skip_newlines()?;
        if parser.next == Token::End {
            return Ok(());
        }
        items.push(parser.item()?);
    }
}

// ANCHOR: fields
/// A field of a command: its text, and when it has an unquoted `*`, `?` or `[`, the pattern it
/// stands for as file names (in which the quoted characters are escaped with `\`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Field {
    pub text: String,
    pub pattern: Option<String>,
}

/// A field being built, which may exist and be empty (`""`).
#[derive(Default)]
struct Building {
    text: String,
    pattern: String,
    magic: bool,
    started: bool,
}

impl Building {
    fn add(&mut self, piece: &str, quoted: bool) {
        self.text.push_str(piece);
        for c in piece.chars() {
            match c {
                '*' | '?' | '[' if !quoted => self.magic = true,
                '*' | '?' | '[' | '\\' => self.pattern.push('\\'),
                _ => {}
            }
            self.pattern.push(c);
        }
        self.started = true;
    }

    fn end(&mut self, fields: &mut Vec<Field>) {
        if self.started {
            let built = core::mem::take(self);
            fields.push(Field { text: built.text, pattern: built.magic.then_some(built.pattern) });
        }
    }
}

/// The fields a word becomes: parameters replaced by their values (`lookup`), and unquoted
/// values split at blanks. A word of nothing but unquoted empty values makes no field at all;
/// `""` makes one empty field.
pub fn fields(word: &Word, lookup: &dyn Fn(&str) -> Option<String>) -> Vec<Field> {
    let mut fields = Vec::new();
    let mut field = Building::default();
    for part in &word.parts {
        match part {
            Part::Text { text, quoted } => field.add(text, *quoted),
            Part::Parameter { name, quoted: true } => field.add(&lookup(name).unwrap_or_default(), true),
            Part::Parameter { name, quoted: false } => {
                let value = lookup(name).unwrap_or_default();
                let blank = |c: char| matches!(c, ' ' | '\t' | '\n');
                // A blank at either end of the value ends the field there.
                if value.starts_with(blank) {
                    field.end(&mut fields);
                }
                for (index, piece) in value.split(blank).filter(|piece| !piece.is_empty()).enumerate() {
                    if index > 0 {
                        field.end(&mut fields);
                    }
                    field.add(piece, false);
                }
                if value.ends_with(blank) {
                    field.end(&mut fields);
                }
            }
        }
    }
    field.end(&mut fields);
    fields
}
// ANCHOR_END: fields

/// The text of a word without splitting (for a redirection's file, an assignment's value).
pub fn text(word: &Word, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let mut text = String::new();
    for part in &word.parts {
        match part {
            Part::Text { text: literal, .. } => text.push_str(literal),
            Part::Parameter { name, .. } => text.push_str(&lookup(name).unwrap_or_default()),
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    fn lookup(name: &str) -> Option<String> {
        match name {
            "X" => Some("one two".to_string()),
            "E" => Some(String::new()),
            "?" => Some("3".to_string()),
            "S" => Some("  a  b ".to_string()),
            "G" => Some("*.c".to_string()),
            "HOME" => Some("/home".to_string()),
            _ => None,
        }
    }

    /// Every command's fields, pipelines of items flattened: what each program would get.
    fn commands(text: &str) -> Vec<Vec<String>> {
        let parsed = parse(text);
        assert_eq!(parsed.error, None, "{text}");
        parsed
            .items
            .iter()
            .flat_map(|item| item.first.iter().chain(item.rest.iter().flat_map(|(_, pipeline)| pipeline)))
            .map(|command| command.words.iter().flat_map(|word| fields(word, &lookup)).map(|field| field.text).collect())
            .collect()
    }

    #[test]
    fn quoting_keeps_blanks_and_specials() {
        assert_eq!(commands("echo 'a  b' \"c | d\" e\\ f"), [["echo", "a  b", "c | d", "e f"]]);
        assert_eq!(commands("echo \"it's\" 'say \"hi\"' \\$X"), [["echo", "it's", "say \"hi\"", "$X"]]);
        assert_eq!(commands("echo \"a\\$b\\\\c\\d\""), [["echo", "a$b\\c\\d"]]);
        assert_eq!(commands("echo '' \"\" x"), [["echo", "", "", "x"]]);
        assert_eq!(commands("echo a#b # a comment"), [["echo", "a#b"]]);
    }

    #[test]
    fn parameters_expand_and_unquoted_ones_split() {
        assert_eq!(commands("echo $X \"$X\" ${X}s $? $E \"$E\" $"), [["echo", "one", "two", "one two", "one", "twos", "3", "", "$"]]);
        assert_eq!(commands("echo x$S"), [["echo", "x", "a", "b"]]);
        assert_eq!(commands("echo $UNSET"), [["echo"]]);
        assert_eq!(commands("echo ~ ~/x a~ '~' ~me"), [["echo", "/home", "/home/x", "a~", "~", "~me"]]);
    }

    #[test]
    fn unquoted_wildcards_make_patterns_and_quoted_ones_stay_literal() {
        let patterns = |text: &str| -> Vec<Option<String>> {
            let parsed = parse(text);
            parsed.items[0].first[0].words.iter().flat_map(|word| fields(word, &lookup)).map(|field| field.pattern).collect()
        };
        let some = |pattern: &str| Some(pattern.to_string());
        assert_eq!(patterns("ls *.txt \"a*\"b? '['x? \\* $G \"$G\""), [None, some("*.txt"), some("a\\*b?"), some("\\[x?"), None, some("*.c"), None]);
    }

    #[test]
    fn lists_pipelines_and_connectors() {
        let parsed = parse("a | b | c && d || e; f &\ng");
        assert_eq!(parsed.error, None);
        let items = &parsed.items;
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].first.len(), 3);
        assert_eq!(items[0].rest.iter().map(|(connector, _)| *connector).collect::<Vec<_>>(), [Connector::And, Connector::Or]);
        assert_eq!(items[0].text, "a | b | c && d || e");
        assert!(!items[0].background && items[1].background);
        assert_eq!((items[1].text.as_str(), items[2].line), ("f", 2));
    }

    #[test]
    fn redirections_and_assignments() {
        let parsed = parse("A=1 B=\"x y\" cmd <in >out 2>>log 2>&1 arg C=2");
        let command = &parsed.items[0].first[0];
        let names: Vec<&str> = command.assignments.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["A", "B"]);
        assert_eq!(text(&command.assignments[1].1, &lookup), "x y");
        let redirects: Vec<(usize, RedirectKind, String)> = command.redirects.iter().map(|r| (r.fd, r.kind, text(&r.target, &lookup))).collect();
        assert_eq!(
            redirects,
            [
                (0, RedirectKind::Read, "in".to_string()),
                (1, RedirectKind::Write, "out".to_string()),
                (2, RedirectKind::Append, "log".to_string()),
                (2, RedirectKind::Duplicate, "1".to_string()),
            ]
        );
        assert_eq!(command.words.len(), 3, "cmd, arg and C=2 (an assignment only before the command)");
    }

    #[test]
    fn errors_say_where_and_whether_more_input_would_help() {
        let error = |text: &str| parse(text).error.unwrap();
        assert_eq!(error("echo a |").message, "Syntax error: end of file unexpected");
        assert!(error("echo a &&").incomplete);
        assert!(error("echo 'a").incomplete);
        assert_eq!(error("echo \"a").message, "Syntax error: Unterminated quoted string");
        let bad = error("echo ok\n| x");
        assert_eq!((bad.line, bad.message.as_str(), bad.incomplete), (2, "Syntax error: \"|\" unexpected", false));
        assert_eq!(parse("echo ok\n| x").items.len(), 1, "the commands before the error stand");
        assert_eq!(error("cat >\n").message, "Syntax error: newline unexpected");
        assert_eq!(error("a ;; b").message, "Syntax error: \";\" unexpected");
        assert_eq!(error("x=$(ls)").message, "Syntax error: \"(\": command substitution is not supported");
        assert_eq!(error("echo \"`ls`\"").message, "Syntax error: \"`\": command substitution is not supported");
        assert_eq!(error("echo if; if true; then echo; fi").message, "Syntax error: \"if\": if, while, for and case are not supported");
        assert_eq!(parse("echo if 'if'; 'if' x").error, None, "quoted, or not first, `if` is a word");
        assert_eq!(error("(cd /)").message, "Syntax error: \"(\": subshells and functions are not supported");
    }
}
