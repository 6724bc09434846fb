//! The shell's line editor (pure): a state machine fed one byte at a time from a terminal
//! in raw mode. It keeps the line and the cursor, the history, and half-read escape
//! sequences, and says what to write back to the terminal so that the screen shows the line.
//!
//! Keys: printable characters insert; Backspace; Left/Right (and ^B/^F); Home/End (and
//! ^A/^E); Delete; ^U clears to the start, ^K to the end; Up/Down walk the history; Tab
//! completes (the completion candidates come from the caller); Enter ends the line; ^C drops
//! it; ^D on an empty line means end of input.

use alloc::string::String;
use alloc::vec::Vec;

/// What a byte did, besides the editing.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Event {
    /// Still editing.
    Editing,
    /// Enter: the finished line (without its newline).
    Line(String),
    /// ^C: the line is dropped.
    Interrupt,
    /// ^D on an empty line.
    EndOfInput,
}

/// Where a half-read escape sequence is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Escape {
    None,
    /// After ESC.
    Started,
    /// After ESC [ or ESC O, with the digits so far.
    Sequence(u8),
}

/// The completions of a word: the words it could become.
pub type Completer<'a> = &'a mut dyn FnMut(&str, bool) -> Vec<String>;

pub struct Editor {
    prompt: String,
    line: Vec<char>,
    cursor: usize,
    history: Vec<String>,
    /// Which history entry is shown (None: the line being typed), and that line, kept aside.
    browsing: Option<usize>,
    draft: Vec<char>,
    escape: Escape,
    /// The bytes of a UTF-8 character begun but not finished.
    partial: Vec<u8>,
    /// The last key was Tab: a second Tab lists the candidates.
    tabbed: bool,
}

impl Editor {
    pub fn new() -> Editor {
        Editor {
            prompt: String::new(),
            line: Vec::new(),
            cursor: 0,
            history: Vec::new(),
            browsing: None,
            draft: Vec::new(),
            escape: Escape::None,
            partial: Vec::new(),
            tabbed: false,
        }
    }

    /// Begins a new line after `prompt`; what to write to show it.
    pub fn start(&mut self, prompt: &str) -> Vec<u8> {
        self.prompt = String::from(prompt);
        self.line.clear();
        self.cursor = 0;
        self.browsing = None;
        Vec::from(prompt.as_bytes())
    }

    /// The line as it stands, and the cursor's place in it (in characters).
    pub fn line(&self) -> (String, usize) {
        (self.line.iter().collect(), self.cursor)
    }

    pub fn history(&self) -> &[String] {
        &self.history
    }

    /// Takes one byte from the terminal: appends to `echo` what to write back, and says
    /// whether a line (or something else) is finished.
    pub fn feed(&mut self, byte: u8, complete: Completer, echo: &mut Vec<u8>) -> Event {
        let tabbed = core::mem::replace(&mut self.tabbed, false);
        match self.escape {
            Escape::Started => {
                self.escape = if byte == b'[' || byte == b'O' { Escape::Sequence(0) } else { Escape::None };
                return Event::Editing;
            }
            Escape::Sequence(number) => {
                if byte.is_ascii_digit() {
                    self.escape = Escape::Sequence(number.saturating_mul(10).saturating_add(byte - b'0'));
                    return Event::Editing;
                }
                self.escape = Escape::None;
                match (byte, number) {
                    (b'A', _) => self.walk_history(-1),
                    (b'B', _) => self.walk_history(1),
                    (b'C', _) => self.cursor = (self.cursor + 1).min(self.line.len()),
                    (b'D', _) => self.cursor = self.cursor.saturating_sub(1),
                    (b'H', _) | (b'~', 1) => self.cursor = 0,
                    (b'F', _) | (b'~', 4) => self.cursor = self.line.len(),
                    (b'~', 3) => self.delete_at_cursor(),
                    _ => return Event::Editing,
                }
                self.redraw(echo);
                return Event::Editing;
            }
            Escape::None => {}
        }
        match byte {
            0x1b => self.escape = Escape::Started,
            b'\r' | b'\n' => {
                echo.extend_from_slice(b"\r\n");
                let line: String = self.line.iter().collect();
                if !line.trim().is_empty() && self.history.last() != Some(&line) {
                    self.history.push(line.clone());
                }
                self.line.clear();
                self.cursor = 0;
                self.browsing = None;
                return Event::Line(line);
            }
            0x03 => {
                echo.extend_from_slice(b"^C\r\n");
                self.line.clear();
                self.cursor = 0;
                self.browsing = None;
                return Event::Interrupt;
            }
            0x04 if self.line.is_empty() => return Event::EndOfInput,
            0x04 => {
                self.delete_at_cursor();
                self.redraw(echo);
            }
            0x7f | 0x08 => {
                if self.cursor > 0 {
                    self.cursor -= 1;
                    self.line.remove(self.cursor);
                    self.redraw(echo);
                }
            }
            0x01 => self.move_to(0, echo),
            0x05 => self.move_to(self.line.len(), echo),
            0x02 => self.move_to(self.cursor.saturating_sub(1), echo),
            0x06 => self.move_to((self.cursor + 1).min(self.line.len()), echo),
            0x15 => {
                self.line.drain(..self.cursor);
                self.cursor = 0;
                self.redraw(echo);
            }
            0x0b => {
                self.line.truncate(self.cursor);
                self.redraw(echo);
            }
            b'\t' => self.complete(complete, tabbed, echo),
            _ if byte >= 0x20 => self.insert_byte(byte, echo),
            // Other control characters do nothing.
            _ => {}
        }
        Event::Editing
    }

    /// A byte of text: a character once its UTF-8 bytes are all here.
    fn insert_byte(&mut self, byte: u8, echo: &mut Vec<u8>) {
        self.partial.push(byte);
        match core::str::from_utf8(&self.partial) {
            Ok(text) => {
                let text = String::from(text);
                self.partial.clear();
                self.insert(&text, echo);
            }
            // Not finished yet; but no UTF-8 character is longer than four bytes.
            Err(error) if error.error_len().is_none() && self.partial.len() < 4 => {}
            Err(_) => self.partial.clear(),
        }
    }

    fn insert(&mut self, text: &str, echo: &mut Vec<u8>) {
        let at_end = self.cursor == self.line.len();
        for c in text.chars() {
            self.line.insert(self.cursor, c);
            self.cursor += 1;
        }
        // Typing at the end needs only the new characters echoed, not the whole line.
        if at_end {
            echo.extend_from_slice(text.as_bytes());
        } else {
            self.redraw(echo);
        }
    }

    fn delete_at_cursor(&mut self) {
        if self.cursor < self.line.len() {
            self.line.remove(self.cursor);
        }
    }

    fn move_to(&mut self, cursor: usize, echo: &mut Vec<u8>) {
        self.cursor = cursor;
        self.redraw(echo);
    }

    /// Up (-1) to older lines, down (+1) to newer ones and back to the line being typed.
    fn walk_history(&mut self, step: isize) {
        let newest = self.history.len();
        let shown = self.browsing.unwrap_or(newest);
        let Some(wanted) = shown.checked_add_signed(step).filter(|&wanted| wanted <= newest) else { return };
        if self.browsing.is_none() {
            self.draft = self.line.clone();
        }
        self.line = if wanted == newest { self.draft.clone() } else { self.history[wanted].chars().collect() };
        self.browsing = (wanted != newest).then_some(wanted);
        self.cursor = self.line.len();
    }

    /// Tab: completes the word before the cursor as far as every candidate agrees; a second
    /// Tab with nothing to add lists them.
    fn complete(&mut self, complete: Completer, tabbed: bool, echo: &mut Vec<u8>) {
        let before: String = self.line[..self.cursor].iter().collect();
        let start = before.rfind([' ', '|', ';', '&', '<', '>']).map_or(0, |at| at + 1);
        let word = &before[start..];
        // The first word of a command names a program; the others name files.
        let command_position = before[..start].trim_end().is_empty() || before[..start].trim_end().ends_with(['|', ';', '&']);
        let candidates = complete(word, command_position);
        let Some(first) = candidates.first() else {
            echo.push(0x07);
            return;
        };
        let common = candidates.iter().fold(first.as_str(), |common, candidate| common_prefix(common, candidate));
        let mut addition = String::from(common.get(word.len()..).unwrap_or(""));
        if candidates.len() == 1 && !first.ends_with('/') {
            addition.push(' ');
        }
        if !addition.is_empty() {
            self.insert(&addition, echo);
        } else if tabbed {
            echo.extend_from_slice(b"\r\n");
            echo.extend_from_slice(candidates.join("  ").as_bytes());
            echo.extend_from_slice(b"\r\n");
            echo.extend_from_slice(self.prompt.as_bytes());
            self.redraw(echo);
        } else {
            self.tabbed = true;
            echo.push(0x07);
        }
    }

    /// Rewrites the line from its start, clears what is left of an older, longer one, and puts
    /// the cursor back in its place.
    fn redraw(&self, echo: &mut Vec<u8>) {
        echo.push(b'\r');
        echo.extend_from_slice(self.prompt.as_bytes());
        let line: String = self.line.iter().collect();
        echo.extend_from_slice(line.as_bytes());
        echo.extend_from_slice(b"\x1b[K");
        let back = self.line.len() - self.cursor;
        if back > 0 {
            echo.extend_from_slice(alloc::format!("\x1b[{back}D").as_bytes());
        }
    }
}

impl Default for Editor {
    fn default() -> Editor {
        Editor::new()
    }
}

/// The longest start two texts share.
fn common_prefix<'a>(a: &'a str, b: &str) -> &'a str {
    let length = a.char_indices().zip(b.chars()).take_while(|((_, x), y)| x == y).last().map_or(0, |((at, x), _)| at + x.len_utf8());
    &a[..length]
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    fn no_completions(_: &str, _: bool) -> Vec<String> {
        Vec::new()
    }

    /// Feeds `keys` to `editor`; every event but Editing, and what was echoed.
    fn type_keys(editor: &mut Editor, keys: &[u8], complete: Completer) -> (Vec<Event>, Vec<u8>) {
        let mut echo = Vec::new();
        let events = keys.iter().map(|&byte| editor.feed(byte, complete, &mut echo)).filter(|event| *event != Event::Editing).collect();
        (events, echo)
    }

    fn line_after(keys: &[u8]) -> Vec<Event> {
        let mut editor = Editor::new();
        editor.start("$ ");
        type_keys(&mut editor, keys, &mut no_completions).0
    }

    #[test]
    fn typing_and_moving() {
        assert_eq!(line_after(b"echo hi\r"), [Event::Line("echo hi".to_string())]);
        // Left twice, insert; Home, insert; End, Backspace.
        assert_eq!(line_after(b"ac\x1b[Db\x01>\x05\x7f!\r"), [Event::Line(">ab!".to_string())]);
        assert_eq!(line_after(b"abc\x02\x02\x0b\n"), [Event::Line("a".to_string())]);
        assert_eq!(line_after(b"abc\x02\x15x\r"), [Event::Line("xc".to_string())]);
        assert_eq!(line_after(b"abc\x01\x1b[3~\x1bOFd\r"), [Event::Line("bcd".to_string())]);
        assert_eq!(line_after("h\u{e9}!\x7f\r".as_bytes()), [Event::Line("h\u{e9}".to_string())]);
    }

    #[test]
    fn control_c_drops_the_line_and_control_d_ends_input_only_when_empty() {
        assert_eq!(line_after(b"abc\x03x\r"), [Event::Interrupt, Event::Line("x".to_string())]);
        assert_eq!(line_after(b"ab\x01\x04\r\x04"), [Event::Line("b".to_string()), Event::EndOfInput]);
    }

    #[test]
    fn echo_shows_the_line() {
        let mut editor = Editor::new();
        assert_eq!(editor.start("$ "), b"$ ");
        let (_, echo) = type_keys(&mut editor, b"ab", &mut no_completions);
        assert_eq!(echo, b"ab", "typing at the end echoes just the characters");
        let (_, echo) = type_keys(&mut editor, b"\x1b[D", &mut no_completions);
        assert_eq!(echo, b"\r$ ab\x1b[K\x1b[1D");
    }

    #[test]
    fn history_walks_up_and_down_and_keeps_the_draft() {
        let mut editor = Editor::new();
        editor.start("$ ");
        type_keys(&mut editor, b"one\rtwo\rtwo\r  \r", &mut no_completions);
        assert_eq!(editor.history(), ["one", "two"], "blank lines and repeats are not kept");
        let (events, _) = type_keys(&mut editor, b"dra\x1b[A\x1b[A\x1b[A\r", &mut no_completions);
        assert_eq!(events, [Event::Line("one".to_string())]);
        let (events, _) = type_keys(&mut editor, b"dra\x1b[A\x1b[B\x1b[Bft\r", &mut no_completions);
        assert_eq!(events, [Event::Line("draft".to_string())]);
    }

    #[test]
    fn tab_completes_as_far_as_the_candidates_agree() {
        let mut asked = Vec::new();
        let mut complete = |word: &str, command: bool| {
            asked.push((word.to_string(), command));
            ["sort", "sleep", "seq", "src/"].iter().filter(|name| name.starts_with(word)).map(|name| name.to_string()).collect::<Vec<_>>()
        };
        let mut editor = Editor::new();
        editor.start("$ ");
        let (events, _) = type_keys(&mut editor, b"so\tx | sl\t\r", &mut complete);
        assert_eq!(events, [Event::Line("sort x | sleep ".to_string())]);
        let (events, _) = type_keys(&mut editor, b"cat sr\t\r", &mut complete);
        assert_eq!(events, [Event::Line("cat src/".to_string())], "a folder gets no space");
        let (_, echo) = type_keys(&mut editor, b"s\t", &mut complete);
        assert_eq!(echo.last(), Some(&0x07), "no common addition: a bell");
        let (_, echo) = type_keys(&mut editor, b"\t", &mut complete);
        assert!(String::from_utf8(echo).unwrap().contains("sort  sleep  seq  src/"), "a second Tab lists them");
        assert_eq!(asked[0], ("so".to_string(), true));
        assert_eq!(asked[1], ("sl".to_string(), true), "after a pipe, a command again");
        assert_eq!(asked[2], ("sr".to_string(), false));
    }
}
