//! The shell at a terminal: it takes the terminal for its own process group, ignores the
//! signals the keyboard sends (they are for the job in the foreground), and reads each line in
//! raw mode through ulib's line editor, with completion of commands and paths.

use crate::{Shell, jobs, run};
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use ulib::sh::editor::Event;
use ulib::sh::syntax;
use ulib::sys::{self, Termios};
use ulib::{io, path, signal, tool};

/// The signals an interactive shell ignores: ^C, ^\ and ^Z are meant for the job in the
/// foreground, and SIGTTIN/SIGTTOU would stop the shell while it hands the terminal around.
pub const IGNORED: [u32; 5] = [signal::SIGINT, signal::SIGQUIT, signal::SIGTSTP, signal::SIGTTIN, signal::SIGTTOU];

pub fn is_terminal(fd: usize) -> bool {
    sys::tcgetattr(fd).is_ok()
}

/// Gives the terminal back to the shell's own process group.
pub fn take_back() {
    if let Ok(group) = sys::getpgid(0) {
        let _ = sys::tcsetpgrp(0, group);
    }
}

/// What reading a line gave.
enum Read {
    Line(String),
    Interrupted,
    End,
}

/// The interactive loop: prompt, read (more lines while the command is incomplete), run.
pub fn interact(shell: &mut Shell) {
    for number in IGNORED {
        let _ = sys::sigaction(number, sys::Disposition::Ignore, 0, false);
    }
    // A group of the shell's own (unless it leads its session already), owning the terminal.
    let _ = sys::setpgid(0, 0);
    take_back();
    let Ok(cooked) = sys::tcgetattr(0) else { return };
    loop {
        jobs::reap(shell);
        let mut text = String::new();
        let mut prompt = main_prompt();
        let complete = loop {
            match read_line(shell, &cooked, &prompt) {
                Read::Line(line) => {
                    text.push_str(&line);
                    text.push('\n');
                    // An open quote, a line ending in | or &&, a `for` without its `done`, a
                    // here-document without its last line: more to come.
                    let parsed = syntax::parse(&text);
                    match parsed.error {
                        Some(error) if error.incomplete => prompt = "> ".to_string(),
                        None if parsed.open_here_document => prompt = "> ".to_string(),
                        _ => break true,
                    }
                }
                Read::Interrupted => {
                    shell.status = 130;
                    break false;
                }
                Read::End => {
                    shell.exiting = Some(shell.status);
                    return;
                }
            }
        };
        if complete {
            shell.run_text(&text);
        }
        if shell.exiting.is_some() {
            return;
        }
    }
}

/// "/home/ada $ ": the current directory, then the prompt sign.
fn main_prompt() -> String {
    let mut buffer = [0u8; 4096];
    let cwd = sys::getcwd(&mut buffer).map(|length| String::from_utf8_lossy(&buffer[..length]).into_owned()).unwrap_or_else(|_| "?".to_string());
    alloc::format!("{cwd} $ ")
}

// ANCHOR: read_line
/// One line from the terminal, edited in raw mode: the terminal's own line editing, echo and
/// signal keys are off while the shell reads, and back on (`cooked`) for the command it runs.
fn read_line(shell: &mut Shell, cooked: &Termios, prompt: &str) -> Read {
    let mut raw = *cooked;
    raw.lflag &= !(sys::ICANON | sys::ECHO | sys::ISIG | sys::IEXTEN);
    raw.iflag &= !(sys::ICRNL | sys::IXON);
    raw.cc[sys::VMIN] = 1;
    raw.cc[sys::VTIME] = 0;
    let _ = sys::tcsetattr(0, &raw);
    let _ = io::write_all(1, &shell.editor.start(prompt));
    let path = shell.variable("PATH").unwrap_or("/bin").to_string();
    let mut complete = |word: &str, command: bool| completions(word, command, &path);
    let read = loop {
        let mut byte = [0u8; 1];
        match sys::read(0, &mut byte) {
            Ok(0) => break Read::End,
            Ok(_) => {}
            Err(ulib::Errno::EINTR) => continue,
            Err(_) => break Read::End,
        }
        let mut echo = Vec::new();
        let event = shell.editor.feed(byte[0], &mut complete, &mut echo);
        let _ = io::write_all(1, &echo);
        match event {
            Event::Editing => {}
            Event::Line(line) => break Read::Line(line),
            Event::Interrupt => break Read::Interrupted,
            Event::EndOfInput => {
                let _ = io::write_all(1, b"\r\n");
                break Read::End;
            }
        }
    };
    let _ = sys::tcsetattr(0, cooked);
    read
}
// ANCHOR_END: read_line

/// What `word` could become: in a command's place, builtins and the programs in PATH;
/// elsewhere (or with a `/`), paths, folders marked with a trailing `/`.
fn completions(word: &str, command: bool, path: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    if command && !word.contains('/') {
        found.extend(run::BUILTINS.iter().filter(|name| name.starts_with(word)).map(|name| name.to_string()));
        for folder in path.split(':').filter(|folder| !folder.is_empty()) {
            if let Ok(names) = tool::directory(folder, false) {
                found.extend(names.into_iter().filter(|name| name.starts_with(word)));
            }
        }
    } else {
        let (folder, prefix) = match word.rfind('/') {
            Some(at) => (&word[..at + 1], &word[at + 1..]),
            None => ("", word),
        };
        let listed = if folder.is_empty() { "." } else { folder };
        if let Ok(names) = tool::directory(listed, false) {
            for name in names.into_iter().filter(|name| name.starts_with(prefix) && (prefix.starts_with('.') || !name.starts_with('.'))) {
                let full = alloc::format!("{folder}{name}");
                let is_dir = sys::stat(path::join(listed, &name).as_bytes()).is_ok_and(|stat| stat.is_dir());
                found.push(if is_dir { alloc::format!("{full}/") } else { full });
            }
        }
    }
    found.sort();
    found.dedup();
    found
}
