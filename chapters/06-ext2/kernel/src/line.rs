//! Line editing for the monitor: turns the bytes a terminal (or a pipe) sends into lines,
//! and says what to echo so that the screen shows what the line holds.

// ANCHOR: line_editor
/// What the caller should do after a byte was fed in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Edit {
    /// Nothing to show (an ignored byte, or the LF of a CR LF pair).
    Nothing,
    /// The byte was added to the line: echo it.
    Echo(u8),
    /// The last character was removed: move back over it and blank it out.
    Erase,
    /// The line is finished: `line()` holds it until `clear()`.
    Done,
}

/// A line of at most `N` printable ASCII characters, being typed.
pub struct LineEditor<const N: usize> {
    bytes: [u8; N],
    len: usize,
    /// The previous byte was CR, so an LF right after it ends nothing: a terminal sends CR
    /// for Enter, a pipe from a text file LF, and a Windows file CR LF, which is one line end.
    after_cr: bool,
}

const BACKSPACE: u8 = 0x08;
const DELETE: u8 = 0x7f;

impl<const N: usize> LineEditor<N> {
    pub const fn new() -> Self {
        LineEditor {
            bytes: [0; N],
            len: 0,
            after_cr: false,
        }
    }

    pub fn feed(&mut self, byte: u8) -> Edit {
        let after_cr = core::mem::replace(&mut self.after_cr, byte == b'\r');
        match byte {
            b'\r' => Edit::Done,
            b'\n' if after_cr => Edit::Nothing,
            b'\n' => Edit::Done,
            // Terminals send DEL for the backspace key, some send BS (Ctrl-H).
            BACKSPACE | DELETE if self.len > 0 => {
                self.len -= 1;
                Edit::Erase
            }
            b' '..=b'~' if self.len < N => {
                self.bytes[self.len] = byte;
                self.len += 1;
                Edit::Echo(byte)
            }
            // Control characters, non-ASCII bytes and anything past the end are dropped.
            _ => Edit::Nothing,
        }
    }

    /// The line typed so far.
    pub fn line(&self) -> &str {
        // Only printable ASCII gets in, and that is always valid UTF-8.
        core::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }

    /// Starts a new, empty line.
    pub fn clear(&mut self) {
        self.len = 0;
    }
}
// ANCHOR_END: line_editor

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `input`, returning every finished line and the edits shown on the way.
    fn type_in(input: &[u8]) -> (Vec<String>, Vec<Edit>) {
        let mut editor = LineEditor::<8>::new();
        let mut lines = Vec::new();
        let mut edits = Vec::new();
        for &byte in input {
            let edit = editor.feed(byte);
            if edit == Edit::Done {
                lines.push(editor.line().to_string());
                editor.clear();
            }
            edits.push(edit);
        }
        (lines, edits)
    }

    #[test]
    fn cr_lf_and_cr_lf_pairs_each_end_one_line() {
        let (lines, _) = type_in(b"a\rb\nc\r\nd\n\n");
        assert_eq!(lines, ["a", "b", "c", "d", ""]);
    }

    #[test]
    fn both_backspace_keys_erase_one_character() {
        let (lines, edits) = type_in(b"ab\x7fc\x08d\r");
        assert_eq!(lines, ["ad"]);
        assert_eq!(edits[2], Edit::Erase);
        assert_eq!(edits[4], Edit::Erase);
    }

    #[test]
    fn backspace_on_an_empty_line_shows_nothing() {
        let (lines, edits) = type_in(b"\x7f\x08x\r");
        assert_eq!(lines, ["x"]);
        assert_eq!(&edits[..2], [Edit::Nothing, Edit::Nothing]);
    }

    #[test]
    fn control_bytes_and_overflow_are_dropped() {
        let (lines, edits) = type_in(b"\x1b123456789\r");
        assert_eq!(lines, ["12345678"]);
        assert_eq!(edits[0], Edit::Nothing);
        assert_eq!(edits[9], Edit::Nothing);
    }
}
