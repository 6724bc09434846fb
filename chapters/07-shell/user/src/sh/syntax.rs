//! The shell's grammar (pure): text becomes a list of commands, and a word becomes the
//! fields a program receives. What it reads, most of POSIX's shell language:
//!
//! ```text
//! list      := { and_or ( '&' | ';' | newline ) }    (up to a word that closes it)
//! and_or    := pipeline { ( '&&' | '||' ) newlines pipeline }
//! pipeline  := [ '!' ] command { '|' newlines command }
//! command   := compound { redirect } | NAME '(' ')' newlines command | simple
//! simple    := { NAME=word } ( word | redirect ) { word | redirect }
//! compound  := '{' list '}' | '(' list ')'
//!            | 'if' list 'then' list { 'elif' list 'then' list } [ 'else' list ] 'fi'
//!            | ( 'while' | 'until' ) list 'do' list 'done'
//!            | 'for' NAME [ newlines 'in' { word } ] ( ';' | newline ) newlines 'do' list 'done'
//!            | 'case' word newlines 'in' newlines { [ '(' ] word { '|' word } ')' list [ ';;' ] } 'esac'
//! redirect  := [ digits ] ( '<' | '>' | '>>' | '>&' | '<<' | '<<-' ) word
//! ```
//!
//! The words in quotes are *reserved*: they mean themselves only unquoted, as the first word
//! of a command (and `in`, `do` and `esac` where the grammar expects them); anywhere else they
//! are ordinary words (`echo if` prints "if").
//!
//! Words are quoted with '…' (everything literal), "…" (literal but for `$`, `` ` `` and `\`)
//! and `\` (the next character literal); `$NAME`, `${NAME}`, `$?`, `$$`, `$#`, `$@`, `$*` and
//! `$0`…`$9` are expanded, as are `$(…)` and `` `…` `` (a command's output) and `$((…))` (an
//! arithmetic expression); an unquoted expansion is split into fields at blanks; `~` at a
//! word's start is `$HOME`. `#` starts a comment. A here-document (`<<WORD`) is the lines
//! after the one it is on, up to a line that is WORD: expanded as in "…" unless WORD is quoted
//! (`<<-` takes the tabs off the lines' starts). `${NAME-word}`, `${NAME=word}`,
//! `${NAME?word}` and `${NAME+word}` (with `:`, empty counts as unset), `${#NAME}` and
//! `${NAME%pattern}` (`%%`, `#`, `##`) are the forms of `${…}`.

use crate::sh::arithmetic;
use crate::sh::glob;
use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;

/// How deeply commands may nest (a compound command in another, a `$(…)` in a word): a limit,
/// so that a pathological script gets an error instead of overflowing the parser's stack.
pub const MAX_NESTING: usize = 100;

/// A piece of a word: literal text, or something to expand. Whether it was quoted matters to
/// what comes after: unquoted `*`, `?` and `[` are patterns for file names, and an unquoted
/// expansion's value is split into fields.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Part {
    Text { text: String, quoted: bool },
    Parameter { name: String, quoted: bool },
    /// `$(…)` or `` `…` ``: what the commands print, without its trailing newlines.
    Substitution { items: Vec<Item>, quoted: bool },
    /// `$((…))`: the value of the expression, its text as written.
    Arithmetic { expression: String, quoted: bool },
    /// `${NAME…}` with an operator: what the value becomes (see `Form`).
    Braced { name: String, form: Form, quoted: bool },
}

/// The forms of `${…}` beyond `${NAME}`. A form's word is kept as written and expanded only
/// if it is used; its parts are quoted as written inside the braces (a pattern's quoted
/// characters are literal even in "${x#…}").
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Form {
    /// `${#NAME}`: the value's length in characters.
    Length,
    /// `${NAME-word}`, `=`, `?`, `+`: a test of whether the parameter is set (with `:`, set
    /// and not empty), and what to do about it.
    Test { operator: char, colon: bool, word: Word },
    /// `${NAME%pattern}` (`%%`, `#`, `##`): the value without its shortest (longest) suffix
    /// (prefix) that the pattern matches.
    Remove { suffix: bool, longest: bool, pattern: Word },
    /// Anything else in braces (`${x!}`, `${}`): an error when expanded, as in dash.
    Bad,
}

/// A word as written: its parts in order. Quoted empty text (`""`) is kept as an empty
/// `Text`, so that the word still makes one (empty) field.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Word {
    pub parts: Vec<Part>,
}

impl Word {
    /// The word's text if it is all plain unquoted literal text (how reserved words and
    /// names are recognised).
    pub fn literal(&self) -> Option<&str> {
        match &self.parts[..] {
            [Part::Text { text, quoted: false }] => Some(text),
            _ => None,
        }
    }
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
    /// `<<`: a here-document; the target is its text.
    Here,
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
pub struct Simple {
    pub assignments: Vec<(String, Word)>,
    pub words: Vec<Word>,
    pub redirects: Vec<Redirect>,
}

/// One command of a pipeline.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Command {
    Simple(Simple),
    /// A compound command, and the redirections that apply to all of it.
    Compound(Box<Compound>, Vec<Redirect>),
    /// `NAME() BODY`: defines a function. The body is shared, not copied, each time the
    /// definition runs (a definition inside a loop runs many times).
    Function(String, Rc<Command>),
}

/// The compound commands: lists of items run as the construct says.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Compound {
    /// `{ list; }`: in the shell itself.
    Group(Vec<Item>),
    /// `( list )`: in a child, a copy of the shell, so that what it changes stays there.
    Subshell(Vec<Item>),
    /// `if`: each condition with its list, tried in turn; `else`'s list (empty if none).
    If { branches: Vec<(Vec<Item>, Vec<Item>)>, otherwise: Vec<Item> },
    /// `while` (or `until`, which loops while the condition fails).
    Loop { until: bool, condition: Vec<Item>, body: Vec<Item> },
    /// `for NAME in WORDS`; without `in`, the positional parameters.
    For { name: String, words: Option<Vec<Word>>, body: Vec<Item> },
    /// `case WORD in`: the first arm with a pattern that matches runs.
    Case { word: Word, arms: Vec<(Vec<Word>, Vec<Item>)> },
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Connector {
    /// `&&`: run the next pipeline if this one succeeded.
    And,
    /// `||`: run it if this one failed.
    Or,
}

/// Commands joined by `|`; `!` before them inverts the status.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Pipeline {
    pub commands: Vec<Command>,
    pub negated: bool,
}

/// Pipelines joined by `&&` and `||`, run to the end unless `&` puts them in the background.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Item {
    pub first: Pipeline,
    pub rest: Vec<(Connector, Pipeline)>,
    pub background: bool,
    /// The line it starts on (from 1), for error messages.
    pub line: usize,
    /// Its text as typed, for `jobs`.
    pub text: String,
}
// ANCHOR_END: command

/// A syntax error: where, what, and whether more input could complete it (an open quote, a
/// `|` or `&&` at the end, a `for` without its `done`): then an interactive shell asks for
/// another line.
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
    /// A here-document ran to the end of the text without its delimiter line: a script ends
    /// it there, an interactive shell asks for more lines.
    pub open_here_document: bool,
}

/// A token: a word (and whether any of it was quoted), or an operator (with its input
/// descriptor number, for redirections).
#[derive(Clone, PartialEq, Eq, Debug)]
enum Token {
    Word(Word, bool),
    Operator(&'static str, Option<usize>),
    Newline,
    End,
}

/// The reserved words that end a list: where one stands, the list stops, and the construct
/// around it decides whether it belongs there.
const CLOSERS: [&str; 9] = ["then", "elif", "else", "fi", "do", "done", "esac", "}", "in"];

/// Longest first, so that `&&` is not read as two `&`.
const OPERATORS: [&str; 14] = ["<<-", "&&", "||", ";;", "<<", ">>", ">&", "|", "&", ";", "<", ">", "(", ")"];

/// The characters that end an unquoted word.
fn ends_word(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '|' | '&' | ';' | '<' | '>' | '(' | ')')
}

/// Reads the characters of the whole text, a token at a time.
struct Lexer<'a> {
    text: &'a str,
    at: usize,
    line: usize,
    /// How many constructs enclose the one being read (see MAX_NESTING).
    depth: usize,
    /// Where the bodies of the here-documents begun on the current line end, and how many
    /// lines they take: the newline that ends this line skips them.
    here_end: Option<(usize, usize)>,
    /// A here-document's body ran to the end of the text.
    open_here_document: bool,
}

impl<'a> Lexer<'a> {
    fn new(text: &'a str, at: usize, line: usize, depth: usize) -> Lexer<'a> {
        Lexer { text, at, line, depth, here_end: None, open_here_document: false }
    }

    fn peek(&self) -> Option<char> {
        self.text[self.at..].chars().next()
    }

    fn error(&self, message: &str, incomplete: bool) -> SyntaxError {
        SyntaxError { line: self.line, message: String::from(message), incomplete }
    }

    /// The next character, taken; at the end of the text, the error `unterminated` (more
    /// input could finish what is open).
    fn take(&mut self, unterminated: &str) -> Result<char, SyntaxError> {
        let Some(c) = self.peek() else {
            return Err(self.error(unterminated, true));
        };
        self.at += c.len_utf8();
        Ok(c)
    }

    /// One level deeper into nested constructs, or an error past MAX_NESTING.
    fn nest(&mut self) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(self.error("Syntax error: commands nested too deeply", false));
        }
        Ok(())
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
            if let Some((end, lines)) = self.here_end.take() {
                self.at = end;
                self.line += lines;
            }
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
            if ends_word(c) {
                break;
            }
            self.at += c.len_utf8();
            match c {
                // `~` alone or before a `/`, at a word's start, is the home folder.
                '~' if word.parts.is_empty() && run.text.is_empty() && self.peek().is_none_or(|next| next == '/' || ends_word(next)) => {
                    word.parts.push(Part::Parameter { name: String::from("HOME"), quoted: true });
                }
                '\'' => {
                    quoted = true;
                    self.single_quoted(&mut word, &mut run)?;
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
                '`' => self.backquoted(&mut word, &mut run, false)?,
                '$' => self.dollar(&mut word, &mut run, false)?,
                _ => run.push(&mut word, c, false),
            }
        }
        run.flush(&mut word);
        Ok((word, quoted))
    }

    /// The rest of a '…' string, its opening quote read: the text as it is, up to the next `'`.
    /// A part of its own, even when empty: '' alone still makes a field.
    fn single_quoted(&mut self, word: &mut Word, run: &mut Run) -> Result<(), SyntaxError> {
        let Some(end) = self.text[self.at..].find('\'') else {
            return Err(self.error("Syntax error: Unterminated quoted string", true));
        };
        let inside = &self.text[self.at..self.at + end];
        self.line += inside.matches('\n').count();
        self.at += end + 1;
        run.flush(word);
        word.parts.push(Part::Text { text: String::from(inside), quoted: true });
        Ok(())
    }

    /// The inside of "…", after its opening quote.
    fn double_quoted(&mut self, word: &mut Word, run: &mut Run) -> Result<(), SyntaxError> {
        run.flush(word);
        let parts_before = word.parts.len();
        loop {
            let c = self.take("Syntax error: Unterminated quoted string")?;
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
                '`' => self.backquoted(word, run, true)?,
                '$' => self.dollar(word, run, true)?,
                '\n' => {
                    self.line += 1;
                    run.push(word, c, true);
                }
                _ => run.push(word, c, true),
            }
        }
    }

    // ANCHOR: here_document
    /// A here-document's text, read ahead of the lexer: the lines after the current one (or
    /// after the here-documents begun on it before this one) up to the line `delimiter` or the
    /// end of the text. The newline that ends the current line will skip them (`here_end`).
    fn here_document(&mut self, delimiter: &str, strip_tabs: bool, quoted: bool) -> Result<Word, SyntaxError> {
        let (start, before) = self.here_end.unwrap_or_else(|| (self.text[self.at..].find('\n').map_or(self.text.len(), |end| self.at + end + 1), 0));
        let mut at = start;
        let mut lines = 0;
        let mut body = String::new();
        self.open_here_document = true;
        while at < self.text.len() {
            let end = self.text[at..].find('\n').map_or(self.text.len(), |end| at + end + 1);
            let line = if strip_tabs { self.text[at..end].trim_start_matches('\t') } else { &self.text[at..end] };
            at = end;
            lines += 1;
            if line.strip_suffix('\n').unwrap_or(line) == delimiter {
                self.open_here_document = false;
                break;
            }
            body.push_str(line);
        }
        self.here_end = Some((at, before + lines));
        if quoted {
            return Ok(Word { parts: Vec::from([Part::Text { text: body, quoted: true }]) });
        }
        // Unquoted, the text is expanded as inside "…", but a `"` in it is just a character.
        let mut lexer = Lexer::new(&body, 0, self.line + 1 + before, self.depth);
        let mut word = Word::default();
        let mut run = Run::default();
        while let Some(c) = lexer.peek() {
            lexer.at += c.len_utf8();
            match c {
                '\\' => match lexer.peek() {
                    Some(next @ ('$' | '`' | '\\')) => {
                        run.push(&mut word, next, true);
                        lexer.at += 1;
                    }
                    Some('\n') => lexer.at += 1,
                    _ => run.push(&mut word, '\\', true),
                },
                '`' => lexer.backquoted(&mut word, &mut run, true)?,
                '$' => lexer.dollar(&mut word, &mut run, true)?,
                _ => run.push(&mut word, c, true),
            }
        }
        run.flush(&mut word);
        Ok(word)
    }
    // ANCHOR_END: here_document

    /// After a `$`: `$((…))`, `$(…)`, a parameter's name, or else a literal `$`.
    fn dollar(&mut self, word: &mut Word, run: &mut Run, quoted: bool) -> Result<(), SyntaxError> {
        let rest = &self.text[self.at..];
        if let Some(inside) = rest.strip_prefix("((") {
            let Some(length) = arithmetic_length(inside) else {
                return Err(self.error("Syntax error: Missing '))'", true));
            };
            let expression = &inside[..length];
            self.line += expression.matches('\n').count();
            self.at += 2 + length + 2;
            run.flush(word);
            word.parts.push(Part::Arithmetic { expression: String::from(expression), quoted });
            return Ok(());
        }
        if rest.starts_with('(') {
            self.at += 1;
            let items = self.substitution()?;
            run.flush(word);
            word.parts.push(Part::Substitution { items, quoted });
            return Ok(());
        }
        self.parameter(word, run, quoted)
    }

    /// The commands of `$(…)`, after its `(`, up to and past the `)` that closes it: read by
    /// a parser of their own on the same text, because only the grammar knows which `)`
    /// that is (`$(case x in x) echo;; esac)`).
    fn substitution(&mut self) -> Result<Vec<Item>, SyntaxError> {
        let lexer = Lexer::new(self.text, self.at, self.line, self.depth + 1);
        let mut parser = Parser { lexer, next: Token::Newline, next_at: 0 };
        parser.nest()?;
        parser.advance()?;
        let mut items = Vec::new();
        parser.list(&mut items)?;
        if parser.next != Token::Operator(")", None) {
            return Err(parser.expecting("\")\""));
        }
        // The parser has read no further than the `)`: its lookahead was the last token.
        self.at = parser.lexer.at;
        self.line = parser.lexer.line;
        Ok(items)
    }

    /// `` `…` ``, after its opening quote: the old form of `$(…)`. Inside it, `\` quotes only
    /// `$`, `` ` `` and `\` (and `"` within "…"); the text without those backslashes is
    /// parsed as commands.
    fn backquoted(&mut self, word: &mut Word, run: &mut Run, in_double_quotes: bool) -> Result<(), SyntaxError> {
        let start_line = self.line;
        let mut inner = String::new();
        loop {
            let c = self.take("Syntax error: EOF in backquote substitution")?;
            match c {
                '`' => break,
                '\\' => match self.peek() {
                    Some(next) if matches!(next, '$' | '`' | '\\') || (in_double_quotes && next == '"') => {
                        inner.push(next);
                        self.at += 1;
                    }
                    _ => inner.push('\\'),
                },
                _ => {
                    if c == '\n' {
                        self.line += 1;
                    }
                    inner.push(c);
                }
            }
        }
        let lexer = Lexer::new(&inner, 0, start_line, self.depth + 1);
        let mut parser = Parser { lexer, next: Token::Newline, next_at: 0 };
        parser.nest()?;
        let mut items = Vec::new();
        read_items(&mut parser, &mut items)?;
        run.flush(word);
        word.parts.push(Part::Substitution { items, quoted: in_double_quotes });
        Ok(())
    }

    /// After a `$`: a parameter's name, `${…}`, or else a literal `$`.
    fn parameter(&mut self, word: &mut Word, run: &mut Run, quoted: bool) -> Result<(), SyntaxError> {
        let rest = &self.text[self.at..];
        if rest.starts_with('{') {
            self.at += 1;
            let part = self.braced(quoted)?;
            run.flush(word);
            word.parts.push(part);
            return Ok(());
        }
        let name = if rest.starts_with(['?', '$', '#', '@', '*']) || rest.starts_with(|c: char| c.is_ascii_digit()) {
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

    /// The name at the lexer: a variable's, a special parameter's, or a positional one's
    /// (all its digits); empty if none is there.
    fn parameter_name(&mut self) -> String {
        let rest = &self.text[self.at..];
        let length = if rest.starts_with(['?', '$', '#', '@', '*']) {
            1
        } else if rest.starts_with(|c: char| c.is_ascii_digit()) {
            rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len())
        } else if rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len())
        } else {
            0
        };
        self.at += length;
        String::from(&rest[..length])
    }

    // ANCHOR: braced
    /// `${…}`, after its `{`: a name, then `}` or an operator and its word up to the `}`.
    fn braced(&mut self, quoted: bool) -> Result<Part, SyntaxError> {
        // `${#NAME}` is a length; `${#}` and `${#…}` otherwise are the parameter `#`.
        let rest = &self.text[self.at..];
        if rest.len() > 2 && rest.starts_with('#') && !rest.starts_with("#}") {
            let start = self.at;
            self.at += 1;
            let name = self.parameter_name();
            if !name.is_empty() && self.peek() == Some('}') {
                self.at += 1;
                return Ok(Part::Braced { name, form: Form::Length, quoted });
            }
            self.at = start;
        }
        let name = self.parameter_name();
        let rest = &self.text[self.at..];
        let colon = rest.starts_with(':');
        let operator = rest[usize::from(colon)..].chars().next();
        let form = match operator {
            Some('}') if !colon && !name.is_empty() => {
                self.at += 1;
                return Ok(Part::Parameter { name, quoted });
            }
            Some(operator @ ('-' | '=' | '?' | '+')) if !name.is_empty() => {
                self.at += usize::from(colon) + 1;
                Form::Test { operator, colon, word: self.braced_word(quoted)? }
            }
            Some(operator @ ('%' | '#')) if !colon && !name.is_empty() => {
                let longest = rest[1..].starts_with(operator);
                self.at += 1 + usize::from(longest);
                Form::Remove { suffix: operator == '%', longest, pattern: self.braced_word(quoted)? }
            }
            _ => {
                self.braced_word(quoted)?;
                Form::Bad
            }
        };
        Ok(Part::Braced { name, form, quoted })
    }
    // ANCHOR_END: braced

    /// The word of a `${…}` form, up to and past the unquoted `}` that ends it. Inside "…",
    /// a `'` is just a character, as in dash.
    fn braced_word(&mut self, in_double_quotes: bool) -> Result<Word, SyntaxError> {
        self.nest()?;
        let mut word = Word::default();
        let mut run = Run::default();
        loop {
            let c = self.take("Syntax error: Missing '}'")?;
            match c {
                '}' => break,
                '~' if word.parts.is_empty() && run.text.is_empty() && matches!(self.peek(), Some('/' | '}')) => {
                    word.parts.push(Part::Parameter { name: String::from("HOME"), quoted: true });
                }
                '\'' if !in_double_quotes => self.single_quoted(&mut word, &mut run)?,
                '"' => self.double_quoted(&mut word, &mut run)?,
                '\\' => match self.peek() {
                    Some('\n') => {
                        self.at += 1;
                        self.line += 1;
                    }
                    Some(next) => {
                        run.push(&mut word, next, true);
                        self.at += next.len_utf8();
                    }
                    None => run.push(&mut word, '\\', false),
                },
                '`' => self.backquoted(&mut word, &mut run, in_double_quotes)?,
                '$' => self.dollar(&mut word, &mut run, false)?,
                _ => {
                    if c == '\n' {
                        self.line += 1;
                    }
                    run.push(&mut word, c, false);
                }
            }
        }
        run.flush(&mut word);
        self.depth -= 1;
        Ok(word)
    }
}

/// The length of `$((…))`'s expression, after the `$((`: up to the `))` that closes it,
/// parentheses inside it counted.
fn arithmetic_length(text: &str) -> Option<usize> {
    let mut open = 0usize;
    for (at, c) in text.char_indices() {
        match c {
            '(' => open += 1,
            ')' if open > 0 => open -= 1,
            ')' => return text[at..].starts_with("))").then_some(at),
            _ => {}
        }
    }
    None
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


/// The parser: tokens, one of lookahead, and a function per rule of the grammar.
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

    /// One level deeper into nested constructs, or an error past MAX_NESTING.
    fn nest(&mut self) -> Result<(), SyntaxError> {
        self.lexer.nest()
    }

    fn unexpected(&self) -> SyntaxError {
        let (what, incomplete) = match &self.next {
            Token::End => (String::from("end of file"), true),
            Token::Newline => (String::from("newline"), false),
            Token::Operator(operator, _) => (alloc::format!("\"{operator}\""), false),
            Token::Word(word, false) if word.literal().is_some_and(|text| CLOSERS.contains(&text) || text == "{") => {
                (alloc::format!("\"{}\"", word.literal().unwrap_or_default()), false)
            }
            Token::Word(..) => (String::from("word"), false),
        };
        SyntaxError { line: self.lexer.line, message: alloc::format!("Syntax error: {what} unexpected"), incomplete }
    }

    /// An error for the token ahead, naming what the grammar wanted there (`"fi"`, say).
    fn expecting(&self, wanted: &str) -> SyntaxError {
        let mut error = self.unexpected();
        error.message = alloc::format!("{} (expecting {wanted})", error.message);
        error
    }

    /// Whether the token ahead is the reserved word `word`.
    fn at_reserved(&self, word: &str) -> bool {
        matches!(&self.next, Token::Word(next, false) if next.literal() == Some(word))
    }

    /// Steps over the reserved word `word`, which must come next.
    fn reserved(&mut self, word: &str) -> Result<(), SyntaxError> {
        if !self.at_reserved(word) {
            return Err(self.expecting(&alloc::format!("\"{word}\"")));
        }
        self.advance()?;
        Ok(())
    }

    fn skip_newlines(&mut self) -> Result<(), SyntaxError> {
        while self.next == Token::Newline {
            self.advance()?;
        }
        Ok(())
    }

    /// Items, up to the end of the text or what closes the list: a reserved word that ends
    /// one (`then`, `fi`, `done`…), `)` or `;;`.
    fn list(&mut self, items: &mut Vec<Item>) -> Result<(), SyntaxError> {
        loop {
            self.skip_newlines()?;
            let closed = match &self.next {
                Token::End | Token::Operator(")" | ";;", None) => true,
                Token::Word(word, false) => word.literal().is_some_and(|text| CLOSERS.contains(&text)),
                _ => false,
            };
            if closed {
                return Ok(());
            }
            items.push(self.item()?);
        }
    }

    /// A list that must not be empty, and the reserved word that must close it.
    fn body(&mut self, closer: &str) -> Result<Vec<Item>, SyntaxError> {
        let mut items = Vec::new();
        self.list(&mut items)?;
        if items.is_empty() && self.next != Token::End {
            return Err(self.unexpected());
        }
        self.reserved(closer)?;
        Ok(items)
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
        } else if !matches!(self.next, Token::Newline | Token::End | Token::Operator(")" | ";;", None)) {
            return Err(self.unexpected());
        }
        let text = String::from(self.lexer.text[start..end].trim_end());
        Ok(Item { first, rest, background, line, text })
    }

    fn pipeline(&mut self) -> Result<Pipeline, SyntaxError> {
        let negated = self.at_reserved("!");
        if negated {
            self.advance()?;
        }
        let mut commands = Vec::from([self.command()?]);
        while self.next == Token::Operator("|", None) {
            self.advance()?;
            self.skip_newlines()?;
            commands.push(self.command()?);
        }
        Ok(Pipeline { commands, negated })
    }

    fn command(&mut self) -> Result<Command, SyntaxError> {
        let compound = if self.next == Token::Operator("(", None) {
            Some("(")
        } else {
            ["{", "if", "while", "until", "for", "case"].into_iter().find(|word| self.at_reserved(word))
        };
        let Some(keyword) = compound else { return self.simple() };
        self.nest()?;
        self.advance()?;
        let compound = match keyword {
            "(" => {
                let mut items = Vec::new();
                self.list(&mut items)?;
                if items.is_empty() || self.next != Token::Operator(")", None) {
                    return Err(if items.is_empty() { self.unexpected() } else { self.expecting("\")\"") });
                }
                self.advance()?;
                Compound::Subshell(items)
            }
            "{" => Compound::Group(self.body("}")?),
            "if" => self.if_rest()?,
            "for" => self.for_rest()?,
            "case" => self.case_rest()?,
            _ => {
                let condition = self.body("do")?;
                Compound::Loop { until: keyword == "until", condition, body: self.body("done")? }
            }
        };
        self.lexer.depth -= 1;
        let mut redirects = Vec::new();
        while let Some(redirect) = self.redirect()? {
            redirects.push(redirect);
        }
        Ok(Command::Compound(Box::new(compound), redirects))
    }

    /// `if`, after its `if`.
    fn if_rest(&mut self) -> Result<Compound, SyntaxError> {
        let mut branches = Vec::new();
        loop {
            let condition = self.body("then")?;
            let mut items = Vec::new();
            self.list(&mut items)?;
            if items.is_empty() && self.next != Token::End {
                return Err(self.unexpected());
            }
            branches.push((condition, items));
            if self.at_reserved("elif") {
                self.advance()?;
                continue;
            }
            let otherwise = if self.at_reserved("else") {
                self.advance()?;
                self.body("fi")?
            } else {
                self.reserved("fi")?;
                Vec::new()
            };
            return Ok(Compound::If { branches, otherwise });
        }
    }

    /// `for`, after its `for`.
    fn for_rest(&mut self) -> Result<Compound, SyntaxError> {
        let name = match &self.next {
            Token::Word(word, false) if word.literal().is_some_and(is_name) => String::from(word.literal().unwrap_or_default()),
            Token::End => return Err(self.expecting("\"do\"")),
            _ => return Err(self.lexer.error("Syntax error: Bad for loop variable", false)),
        };
        self.advance()?;
        self.skip_newlines()?;
        let mut words = None;
        if self.at_reserved("in") {
            self.advance()?;
            let mut list = Vec::new();
            while let Token::Word(..) = self.next {
                let Token::Word(word, _) = self.advance()? else { unreachable!("just seen") };
                list.push(word);
            }
            if !matches!(self.next, Token::Newline | Token::Operator(";", None)) {
                return Err(self.expecting("\"do\""));
            }
            self.advance()?;
            words = Some(list);
        } else if self.next == Token::Operator(";", None) {
            self.advance()?;
        }
        self.skip_newlines()?;
        self.reserved("do")?;
        let body = self.body("done")?;
        Ok(Compound::For { name, words, body })
    }

    /// `case`, after its `case`.
    fn case_rest(&mut self) -> Result<Compound, SyntaxError> {
        let Token::Word(..) = self.next else { return Err(self.unexpected()) };
        let Token::Word(word, _) = self.advance()? else { unreachable!("just seen") };
        self.skip_newlines()?;
        self.reserved("in")?;
        let mut arms = Vec::new();
        loop {
            self.skip_newlines()?;
            if self.at_reserved("esac") {
                self.advance()?;
                return Ok(Compound::Case { word, arms });
            }
            if self.next == Token::Operator("(", None) {
                self.advance()?;
            }
            let mut patterns = Vec::new();
            loop {
                let Token::Word(..) = self.next else { return Err(self.unexpected()) };
                let Token::Word(pattern, _) = self.advance()? else { unreachable!("just seen") };
                patterns.push(pattern);
                if self.next != Token::Operator("|", None) {
                    break;
                }
                self.advance()?;
            }
            if self.next != Token::Operator(")", None) {
                return Err(self.expecting("\")\""));
            }
            self.advance()?;
            let mut items = Vec::new();
            self.list(&mut items)?;
            arms.push((patterns, items));
            if self.next == Token::Operator(";;", None) {
                self.advance()?;
            } else if !self.at_reserved("esac") {
                return Err(self.expecting("\";;\""));
            }
        }
    }

    /// A redirection, if one comes next.
    fn redirect(&mut self) -> Result<Option<Redirect>, SyntaxError> {
        let (kind, fd) = match self.next {
            Token::Operator("<", fd) => (RedirectKind::Read, fd),
            Token::Operator(">", fd) => (RedirectKind::Write, fd),
            Token::Operator(">>", fd) => (RedirectKind::Append, fd),
            Token::Operator(">&", fd) => (RedirectKind::Duplicate, fd),
            Token::Operator("<<" | "<<-", fd) => (RedirectKind::Here, fd),
            _ => return Ok(None),
        };
        let Token::Operator(operator, _) = self.advance()? else { unreachable!("just seen") };
        let Token::Word(word, quoted) = &self.next else { return Err(self.unexpected()) };
        if kind == RedirectKind::Here {
            // Its text is read now, while the lexer is still on the delimiter's line.
            let delimiter: String = word.parts.iter().filter_map(|part| if let Part::Text { text, .. } = part { Some(text.as_str()) } else { None }).collect();
            let text = self.lexer.here_document(&delimiter, operator == "<<-", *quoted)?;
            self.advance()?;
            return Ok(Some(Redirect { fd: fd.unwrap_or(0), kind, target: text }));
        }
        let Token::Word(target, _) = self.advance()? else { unreachable!("just seen") };
        let fd = fd.unwrap_or(if kind == RedirectKind::Read { 0 } else { 1 });
        Ok(Some(Redirect { fd, kind, target }))
    }

    /// A simple command, or a function's definition (`NAME()` after its first word).
    fn simple(&mut self) -> Result<Command, SyntaxError> {
        let mut command = Simple::default();
        loop {
            if let Some(redirect) = self.redirect()? {
                command.redirects.push(redirect);
                continue;
            }
            match &self.next {
                Token::Word(word, false) if command == Simple::default() && word.literal().is_some_and(|text| CLOSERS.contains(&text)) => {
                    return Err(self.unexpected());
                }
                Token::Word(..) => {
                    let Token::Word(word, _) = self.advance()? else { unreachable!("just seen") };
                    if command == Simple::default() && self.next == Token::Operator("(", None) {
                        return self.function(&word);
                    }
                    match assignment(&word) {
                        Some(assigned) if command.words.is_empty() => command.assignments.push(assigned),
                        _ => command.words.push(word),
                    }
                }
                _ if command == Simple::default() => return Err(self.unexpected()),
                _ => return Ok(Command::Simple(command)),
            }
        }
    }

    /// `NAME() BODY`, after the name, with `(` next.
    fn function(&mut self, name: &Word) -> Result<Command, SyntaxError> {
        let Some(name) = name.literal().filter(|name| is_name(name)) else {
            return Err(self.lexer.error("Syntax error: Bad function name", false));
        };
        self.advance()?;
        if self.next != Token::Operator(")", None) {
            return Err(self.expecting("\")\""));
        }
        self.advance()?;
        self.skip_newlines()?;
        let body = self.command()?;
        Ok(Command::Function(String::from(name), Rc::new(body)))
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
    let mut parser = Parser { lexer: Lexer::new(text, 0, 1, 0), next: Token::Newline, next_at: 0 };
    let mut items = Vec::new();
    let error = read_items(&mut parser, &mut items).err();
    Parsed { items, error, open_here_document: parser.lexer.open_here_document }
}

/// The items of a whole text: a list that nothing may close. As in dash, a line is read
/// whole before any of it runs, so the items on the line of an error are dropped with it.
fn read_items(parser: &mut Parser, items: &mut Vec<Item>) -> Result<(), SyntaxError> {
    let mut complete = 0;
    let read = read_lines(parser, items, &mut complete);
    if read.is_err() {
        items.truncate(complete);
    }
    read
}

/// Items, line by line; `complete` counts those on lines read to their end.
fn read_lines(parser: &mut Parser, items: &mut Vec<Item>, complete: &mut usize) -> Result<(), SyntaxError> {
    parser.advance()?;
    loop {
        if parser.next == Token::Newline {
            parser.skip_newlines()?;
            *complete = items.len();
        }
        match parser.next {
            Token::End => return Ok(()),
            Token::Word(ref word, false) if word.literal().is_some_and(|text| CLOSERS.contains(&text)) => return Err(parser.unexpected()),
            Token::Operator(")" | ";;", None) => return Err(parser.unexpected()),
            _ => items.push(parser.item()?),
        }
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

/// What expanding a word needs from the shell: parameters' values, and the output of
/// commands (which only the shell can run).
pub trait Expander {
    fn lookup(&self, name: &str) -> Option<String>;
    /// `$1`, `$2`…: what "$@" becomes, one field each.
    fn parameters(&self) -> Vec<String>;
    /// What `items` print on their standard output.
    fn substitute(&mut self, items: &[Item]) -> String;
    /// Sets a variable (for `${NAME=word}`).
    fn assign(&mut self, name: &str, value: &str);
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

    /// Adds an expansion's value: quoted, whole; unquoted, split at blanks, and a blank at
    /// either end of the value ends the field there.
    fn add_value(&mut self, value: &str, quoted: bool, fields: &mut Vec<Field>) {
        if quoted {
            self.add(value, true);
            return;
        }
        let blank = |c: char| matches!(c, ' ' | '\t' | '\n');
        if value.starts_with(blank) {
            self.end(fields);
        }
        for (index, piece) in value.split(blank).filter(|piece| !piece.is_empty()).enumerate() {
            if index > 0 {
                self.end(fields);
            }
            self.add(piece, false);
        }
        if value.ends_with(blank) {
            self.end(fields);
        }
    }

    fn end(&mut self, fields: &mut Vec<Field>) {
        if self.started {
            let built = core::mem::take(self);
            fields.push(Field { text: built.text, pattern: built.magic.then_some(built.pattern) });
        }
    }
}

/// The fields a word becomes: expansions replaced by their values, and unquoted values split
/// at blanks. A word of nothing but unquoted empty values makes no field at all; `""` makes
/// one empty field, and "$@" one field per parameter. An error (in arithmetic, `${x?}`, a bad
/// substitution) is the message to print.
pub fn fields(word: &Word, expander: &mut dyn Expander) -> Result<Vec<Field>, String> {
    let mut fields = Vec::new();
    let mut field = Building::default();
    expand(&word.parts, false, Some(&mut fields), &mut field, expander)?;
    field.end(&mut fields);
    Ok(fields)
}
// ANCHOR_END: fields

// ANCHOR: expand
/// Adds the parts' values to `field`: split into `fields` when there are fields to split
/// into, else kept whole. `forced` quotes them all (a `${…}` form's word inside "…").
fn expand(parts: &[Part], forced: bool, mut fields: Option<&mut Vec<Field>>, field: &mut Building, expander: &mut dyn Expander) -> Result<(), String> {
    for part in parts {
        // Unquoted literal text has blanks only in a `${…}` form's word, where they split it.
        let put = |value: &str, quoted: bool, field: &mut Building, fields: &mut Option<&mut Vec<Field>>| match fields {
            Some(fields) => field.add_value(value, quoted || forced, fields),
            None => field.add(value, quoted || forced),
        };
        match part {
            Part::Text { text, quoted } => put(text, *quoted, field, &mut fields),
            Part::Parameter { name, quoted } if name == "@" && (*quoted || forced) && fields.is_some() => {
                for (index, parameter) in expander.parameters().iter().enumerate() {
                    if let (true, Some(fields)) = (index > 0, fields.as_deref_mut()) {
                        field.end(fields);
                    }
                    field.add(parameter, true);
                }
            }
            Part::Parameter { name, quoted } => put(&expander.lookup(name).unwrap_or_default(), *quoted, field, &mut fields),
            Part::Substitution { items, quoted } => {
                let output = expander.substitute(items);
                put(output.trim_end_matches('\n'), *quoted, field, &mut fields);
            }
            Part::Arithmetic { expression, quoted } => {
                let value = arithmetic::evaluate(expression, &|name| expander.lookup(name)).map_err(|error| alloc::format!("arithmetic expression: {error}: \"{expression}\""))?;
                put(&alloc::format!("{value}"), *quoted, field, &mut fields);
            }
            Part::Braced { name, form, quoted } => {
                let value = expander.lookup(name);
                match form {
                    Form::Length => put(&alloc::format!("{}", value.unwrap_or_default().chars().count()), *quoted, field, &mut fields),
                    Form::Test { operator, colon, word } => {
                        let set = value.as_ref().is_some_and(|value| !*colon || !value.is_empty());
                        match (operator, set) {
                            ('+', false) => put("", *quoted, field, &mut fields),
                            ('+', true) | ('-', false) => {
                                // "${x:-}" is still a field, if an empty one.
                                put("", *quoted, field, &mut fields);
                                expand(&word.parts, *quoted || forced, fields.as_deref_mut(), field, expander)?;
                            }
                            (_, true) => put(&value.unwrap_or_default(), *quoted, field, &mut fields),
                            ('=', false) => {
                                if !is_name(name) {
                                    return Err(alloc::format!("{name}: bad variable name"));
                                }
                                let assigned = text(word, expander)?;
                                expander.assign(name, &assigned);
                                put(&assigned, *quoted, field, &mut fields);
                            }
                            _ => {
                                let message = text(word, expander)?;
                                let message = match (message.is_empty(), colon) {
                                    (false, _) => message,
                                    (true, false) => String::from("parameter not set"),
                                    (true, true) => String::from("parameter not set or null"),
                                };
                                return Err(alloc::format!("{name}: {message}"));
                            }
                        }
                    }
                    Form::Remove { suffix, longest, pattern } => {
                        let value = value.unwrap_or_default();
                        let pattern = self::pattern(pattern, expander)?;
                        put(remove(&value, &pattern, *suffix, *longest), *quoted, field, &mut fields);
                    }
                    Form::Bad => return Err(String::from("Bad substitution")),
                }
            }
        }
    }
    Ok(())
}
// ANCHOR_END: expand

/// `value` without the shortest (or longest) prefix (or suffix) that `pattern` matches.
pub fn remove<'a>(value: &'a str, pattern: &str, suffix: bool, longest: bool) -> &'a str {
    let mut cuts: Vec<usize> = value.char_indices().map(|(at, _)| at).chain([value.len()]).collect();
    // The candidates in the order tried: shortest first, unless the longest is wanted.
    if suffix != longest {
        cuts.reverse();
    }
    for cut in cuts {
        if suffix && glob::matches_text(pattern, &value[cut..]) {
            return &value[..cut];
        }
        if !suffix && glob::matches_text(pattern, &value[..cut]) {
            return &value[cut..];
        }
    }
    value
}

/// The text of a word without splitting (for a redirection's file, an assignment's value, the
/// word of `case`).
pub fn text(word: &Word, expander: &mut dyn Expander) -> Result<String, String> {
    Ok(quoted(word, expander)?.text)
}

/// A `case` pattern: the word's text as a pattern, its quoted characters escaped.
pub fn pattern(word: &Word, expander: &mut dyn Expander) -> Result<String, String> {
    Ok(quoted(word, expander)?.pattern)
}

/// The word expanded as one field, whatever its values hold.
fn quoted(word: &Word, expander: &mut dyn Expander) -> Result<Building, String> {
    let mut whole = Building::default();
    expand(&word.parts, false, None, &mut whole, expander)?;
    Ok(whole)
}

/// `read`'s splitting of a line into `count` fields (pure): at the characters of `ifs`, where
/// blanks in it gather and are trimmed at both ends; the last field takes the rest of the
/// line, its trailing blanks removed.
pub fn split_read(line: &str, ifs: &str, count: usize) -> Vec<String> {
    let blank = |c: char| ifs.contains(c) && matches!(c, ' ' | '\t' | '\n');
    let separator = |c: char| ifs.contains(c);
    let mut fields = Vec::new();
    let mut rest = line.trim_start_matches(blank);
    while fields.len() + 1 < count && !rest.is_empty() {
        let end = rest.find(separator).unwrap_or(rest.len());
        fields.push(String::from(&rest[..end]));
        rest = &rest[end..];
        // One separator: blanks around it, and one other IFS character among them.
        rest = rest.trim_start_matches(blank);
        if let Some(c) = rest.chars().next().filter(|&c| separator(c) && !blank(c)) {
            rest = rest[c.len_utf8()..].trim_start_matches(blank);
        }
    }
    if !rest.is_empty() || fields.is_empty() {
        fields.push(String::from(rest.trim_end_matches(blank)));
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    /// Values for the tests' parameters; a substitution "prints" the arguments of its first command, as `echo` would.
    struct Values;

    impl Expander for Values {
        fn lookup(&self, name: &str) -> Option<String> {
            match name {
                "X" => Some("one two".to_string()),
                "E" => Some(String::new()),
                "?" => Some("3".to_string()),
                "S" => Some("  a  b ".to_string()),
                "G" => Some("*.c".to_string()),
                "HOME" => Some("/home".to_string()),
                "N" => Some("4".to_string()),
                "@" | "*" => Some("p 1 p2".to_string()),
                _ => None,
            }
        }

        fn parameters(&self) -> Vec<String> {
            Vec::from(["p 1".to_string(), "p2".to_string()])
        }

        fn substitute(&mut self, items: &[Item]) -> String {
            let Some(Command::Simple(simple)) = items.first().map(|item| &item.first.commands[0]) else { return String::new() };
            let words: Vec<String> = simple.words[1..].iter().flat_map(|word| fields(word, self).unwrap()).map(|field| field.text).collect();
            alloc::format!("{}\n\n", words.join(" "))
        }

        /// The tests' values are fixed: an assignment only shows in what the word becomes.
        fn assign(&mut self, _: &str, _: &str) {}
    }

    fn simple(command: &Command) -> &Simple {
        let Command::Simple(simple) = command else { panic!("not a simple command: {command:?}") };
        simple
    }

    /// Every simple command's fields, pipelines of items flattened: what each program would get.
    fn commands(text: &str) -> Vec<Vec<String>> {
        let parsed = parse(text);
        assert_eq!(parsed.error, None, "{text}");
        parsed
            .items
            .iter()
            .flat_map(|item| item.first.commands.iter().chain(item.rest.iter().flat_map(|(_, pipeline)| &pipeline.commands)))
            .map(|command| simple(command).words.iter().flat_map(|word| fields(word, &mut Values).unwrap()).map(|field| field.text).collect())
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
            simple(&parsed.items[0].first.commands[0]).words.iter().flat_map(|word| fields(word, &mut Values).unwrap()).map(|field| field.pattern).collect()
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
        assert_eq!(items[0].first.commands.len(), 3);
        assert_eq!(items[0].rest.iter().map(|(connector, _)| *connector).collect::<Vec<_>>(), [Connector::And, Connector::Or]);
        assert_eq!(items[0].text, "a | b | c && d || e");
        assert!(!items[0].background && items[1].background);
        assert_eq!((items[1].text.as_str(), items[2].line), ("f", 2));
    }

    #[test]
    fn redirections_and_assignments() {
        let parsed = parse("A=1 B=\"x y\" cmd <in >out 2>>log 2>&1 arg C=2");
        let command = simple(&parsed.items[0].first.commands[0]);
        let names: Vec<&str> = command.assignments.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["A", "B"]);
        assert_eq!(text(&command.assignments[1].1, &mut Values).unwrap(), "x y");
        let redirects: Vec<(usize, RedirectKind, String)> = command.redirects.iter().map(|r| (r.fd, r.kind, text(&r.target, &mut Values).unwrap())).collect();
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
        assert_eq!(parse("echo ok\n| x").items.len(), 1, "the commands of the lines before the error stand");
        assert_eq!(parse("echo ok\necho a; fi").items.len(), 1, "not those on its line");
        assert_eq!(error("cat >\n").message, "Syntax error: newline unexpected");
        assert_eq!(error("a ;; b").message, "Syntax error: \";;\" unexpected");
        assert_eq!(parse("echo if 'if'; 'if' x").error, None, "quoted, or not first, `if` is a word");
    }

    /// The error a text gives: its line and message.
    fn error(text: &str) -> (usize, String) {
        let error = parse(text).error.expect(text);
        (error.line, error.message)
    }

    #[test]
    fn unfinished_compound_commands_are_incomplete_and_say_what_they_expect() {
        for (text, wanted) in [("if true; then echo a\n", "fi"), ("for i in a b; do echo $i\n", "done"), ("while true; do\n", "done"), ("for do\n", "do"), ("{ echo a\n", "}")] {
            let error = parse(text).error.expect(text);
            assert!(error.incomplete, "{text}");
            assert_eq!((error.line, error.message), (2, alloc::format!("Syntax error: end of file unexpected (expecting \"{wanted}\")")));
        }
        assert!(parse("echo $(echo a\n").error.unwrap().incomplete);
        assert!(parse("case x in\n").error.unwrap().incomplete);
    }

    #[test]
    fn misplaced_reserved_words_are_errors_with_their_line() {
        assert_eq!(error("if true; then echo a; fi; fi"), (1, "Syntax error: \"fi\" unexpected".to_string()));
        assert_eq!(error("echo a\necho b; then"), (2, "Syntax error: \"then\" unexpected".to_string()));
        assert_eq!(error("if true; then fi"), (1, "Syntax error: \"fi\" unexpected".to_string()));
        assert_eq!(error("for 1 in a; do :; done"), (1, "Syntax error: Bad for loop variable".to_string()));
        assert_eq!(error("for i in a; echo; done"), (1, "Syntax error: word unexpected (expecting \"do\")".to_string()));
        assert_eq!(error("echo )"), (1, "Syntax error: \")\" unexpected".to_string()));
        assert_eq!(error("echo `echo a"), (1, "Syntax error: EOF in backquote substitution".to_string()));
        assert_eq!(error("cat <<\n"), (2, "Syntax error: newline unexpected".to_string()));
    }

    #[test]
    fn compound_commands_nest() {
        let parsed = parse("if a; then b; elif c; then d; else e; fi\nwhile x; do for i in 1 2; do y; done; done <in | sort\n");
        assert_eq!(parsed.error, None);
        let Command::Compound(compound, redirects) = &parsed.items[0].first.commands[0] else { panic!("if") };
        let Compound::If { branches, otherwise } = &**compound else { panic!("if") };
        assert_eq!((branches.len(), otherwise.len(), redirects.len()), (2, 1, 0));
        let pipeline = &parsed.items[1].first;
        assert_eq!(pipeline.commands.len(), 2, "the loop, then sort");
        let Command::Compound(compound, redirects) = &pipeline.commands[0] else { panic!("while") };
        assert_eq!(redirects.len(), 1, "<in applies to the whole loop");
        let Compound::Loop { until: false, body, .. } = &**compound else { panic!("while") };
        let Command::Compound(inner, _) = &body[0].first.commands[0] else { panic!("for") };
        let Compound::For { name, words: Some(words), .. } = &**inner else { panic!("for") };
        assert_eq!((name.as_str(), words.len()), ("i", 2));
        assert_eq!(parsed.items[1].line, 2);
    }

    #[test]
    fn reserved_words_only_where_a_command_starts() {
        assert_eq!(commands("echo if then fi; for=1 echo do"), [Vec::from(["echo", "if", "then", "fi"]), Vec::from(["echo", "do"])]);
        let parsed = parse("{ echo a; echo }; }");
        let Command::Compound(group, _) = &parsed.items[0].first.commands[0] else { panic!("{{") };
        let Compound::Group(items) = &**group else { panic!("{{") };
        assert_eq!(simple(&items[1].first.commands[0]).words[1].literal(), Some("}"));
        let parsed = parse("case $X in (a|b) echo ab;; *) ;; esac; f() { echo; }; ! true");
        assert_eq!(parsed.error, None);
        let Command::Compound(case, _) = &parsed.items[0].first.commands[0] else { panic!("case") };
        let Compound::Case { arms, .. } = &**case else { panic!("case") };
        assert_eq!(arms.iter().map(|(patterns, body)| (patterns.len(), body.len())).collect::<Vec<_>>(), [(2, 1), (1, 0)]);
        assert!(matches!(&parsed.items[1].first.commands[0], Command::Function(name, _) if name == "f"));
        assert!(parsed.items[2].first.negated);
    }

    #[test]
    fn nesting_past_the_limit_is_an_error_not_an_overflow() {
        let deep = alloc::format!("{}echo{}", "( ".repeat(100_000), " )".repeat(100_000));
        assert_eq!(error(&deep).1, "Syntax error: commands nested too deeply");
        let substitutions = alloc::format!("{}x{}", "$(".repeat(100_000), ")".repeat(100_000));
        assert_eq!(error(&substitutions).1, "Syntax error: commands nested too deeply");
        let fine = alloc::format!("{}echo{}", "{ ".repeat(50), "; }".repeat(50));
        assert_eq!(parse(&fine).error, None);
    }

    #[test]
    fn substitutions_and_arithmetic_expand() {
        assert_eq!(commands("echo $(echo a  b) \"$(echo c  d)\" x`echo y`"), [["echo", "a", "b", "c d", "xy"]]);
        let parsed = parse("echo $(case a in a) echo in;; esac) after");
        assert_eq!(parsed.error, None, "the ) of a case arm does not end the substitution");
        assert_eq!(simple(&parsed.items[0].first.commands[0]).words.len(), 3);
        assert_eq!(commands("echo $((N * (2 + 1))) $(( $N % 3 ))"), [["echo", "12", "1"]]);
        assert_eq!(commands("echo \"$@\" $@ \"$*\""), [["echo", "p 1", "p2", "p", "1", "p2", "p 1 p2"]]);
        let parsed = parse("echo $((1 / 0))");
        let words = &simple(&parsed.items[0].first.commands[0]).words;
        assert_eq!(fields(&words[1], &mut Values), Err("arithmetic expression: division by zero: \"1 / 0\"".to_string()));
    }

    #[test]
    fn braced_forms_test_set_and_unset_and_expand_their_word_only_when_used() {
        assert_eq!(commands("echo ${U:-a  b} \"${U-a  b}\" ${E-x} ${E:-y} ${X:+set} ${U+set}."), [["echo", "a", "b", "a  b", "y", "set", "."]]);
        assert_eq!(commands("echo ${X:-$(echo not run)} ${U:-\"$X\"} ${U:-'$X'} ${U:-~/d}"), [["echo", "one", "two", "one two", "$X", "/home/d"]]);
        assert_eq!(commands("echo ${U:=new} ${#X} ${#U} ${#N} ${#?} ${10-ten}"), [["echo", "new", "7", "0", "1", "1", "ten"]]);
        assert_eq!(commands("echo \"${U:-'q'}\" \"${U:-a}b\""), [["echo", "'q'", "ab"]]);
        assert_eq!(commands("echo ${E=x}[$E] ${E:=y}"), [["echo", "[]", "y"]]);
        assert_eq!(commands("echo \"${U:-}\" \"${U+x}\" ${U:-}"), [["echo", "", ""]]);
    }

    #[test]
    fn braced_patterns_remove_the_shortest_or_longest_match() {
        assert_eq!(remove("abcabc", "b*", true, false), "abca");
        assert_eq!(remove("abcabc", "b*", true, true), "a");
        assert_eq!(remove("abcabc", "*b", false, false), "cabc");
        assert_eq!(remove("abcabc", "*b", false, true), "c");
        assert_eq!(remove("abc", "x", false, false), "abc");
        assert_eq!(commands("echo ${G%.?} ${G#\"*\"} \"${X#* }\" ${X%%[ ]*}"), [["echo", "*", ".c", "two", "one"]]);
    }

    #[test]
    fn braced_errors_come_when_the_word_is_expanded() {
        for (text, message) in [
            ("echo ${U?}", "U: parameter not set"),
            ("echo ${E:?}", "E: parameter not set or null"),
            ("echo ${U?not $X}", "U: not one two"),
            ("echo ${X!}", "Bad substitution"),
            ("echo ${}", "Bad substitution"),
            ("echo ${1=a}", "1: bad variable name"),
        ] {
            let parsed = parse(text);
            assert_eq!(parsed.error, None, "{text}");
            let words = &simple(&parsed.items[0].first.commands[0]).words;
            assert_eq!(fields(&words[1], &mut Values), Err(message.to_string()), "{text}");
        }
        assert_eq!(fields(&simple(&parse("echo ${E?}").items[0].first.commands[0]).words[1], &mut Values), Ok(Vec::new()));
        assert_eq!(error("echo ${X:-a"), (1, "Syntax error: Missing '}'".to_string()));
        assert!(parse(&"${X:-".repeat(MAX_NESTING + 1)).error.is_some_and(|error| error.message.contains("nested too deeply")));
    }

    #[test]
    fn here_documents_are_the_lines_after_their_own() {
        let parsed = parse("cat <<A; cat <<-'B' >out\n$X \"q\" \\$X\nA\n\t$X\n\tB\necho after\n");
        assert_eq!(parsed.error, None);
        let texts: Vec<String> =
            parsed.items[..2].iter().map(|item| text(&simple(&item.first.commands[0]).redirects[0].target, &mut Values).unwrap()).collect();
        assert_eq!(texts, ["one two \"q\" $X\n", "$X\n"], "expanded unless the delimiter is quoted; <<- drops leading tabs");
        assert_eq!(simple(&parsed.items[1].first.commands[0]).redirects.len(), 2);
        assert_eq!((parsed.items[2].line, commands("cat <<A\nbody\nA\necho after")[1].clone()), (6, Vec::from(["echo".to_string(), "after".to_string()])));
        let open = parse("cat <<E\nno end");
        assert_eq!(text(&simple(&open.items[0].first.commands[0]).redirects[0].target, &mut Values), Ok("no end".to_string()));
        assert!(open.open_here_document && !parsed.open_here_document);
    }

    #[test]
    fn case_patterns_escape_what_was_quoted() {
        let parsed = parse("x a* 'a*' \"$G\" $G");
        let words = &simple(&parsed.items[0].first.commands[0]).words;
        let patterns: Vec<String> = words[1..].iter().map(|word| pattern(word, &mut Values).unwrap()).collect();
        assert_eq!(patterns, ["a*", "a\\*", "\\*.c", "*.c"]);
    }

    #[test]
    fn read_splits_at_ifs_and_the_last_field_takes_the_rest() {
        assert_eq!(split_read("  a  b   c d  ", " \t\n", 2), ["a", "b   c d"]);
        assert_eq!(split_read("a b", " \t\n", 4), ["a", "b"]);
        assert_eq!(split_read("one:two::four", ":", 4), ["one", "two", "", "four"]);
        assert_eq!(split_read(" x ", " ", 1), ["x"]);
    }
}
