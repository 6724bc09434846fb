//! The compound commands, run in the shell itself: `{ …; }`, `if`, `while`/`until`, `for` and
//! `case` (a `( … )` subshell runs here too, once `run::start` has forked it); functions and
//! their `local` variables; `read`; and command substitution, which runs commands in a child
//! and reads what they print through a pipe.

use crate::{Flow, Shell, run, terminal};
use alloc::rc::Rc;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use ulib::sh::glob;
use ulib::sh::syntax::{self, Command, Compound, Item, Redirect, Word};
use ulib::sys::{self, Fork};

/// How deeply compound commands and function calls may nest while they run: each level is
/// a few calls deeper on the shell's stack, which must not overflow (a function that calls
/// itself for ever gets an error instead).
const MAX_DEPTH: usize = 200;

/// Runs a compound command in the shell, with its redirections (`done < file`) applied to
/// all of it and undone after.
pub fn in_shell(shell: &mut Shell, compound: &Compound, redirects: &[Redirect]) -> i32 {
    let redirects = match run::expand_redirects(shell, redirects) {
        Ok(redirects) => redirects,
        Err(message) => return run::expansion_failed(shell, &message),
    };
    if shell.depth >= MAX_DEPTH {
        return too_deep(shell);
    }
    shell.depth += 1;
    let status = run::with_redirects(shell, &redirects, |shell| run(shell, compound));
    shell.depth -= 1;
    status
}

fn too_deep(shell: &mut Shell) -> i32 {
    shell.complain(format_args!("commands nested too deeply"));
    if !shell.interactive {
        shell.exiting = Some(2);
    }
    2
}

// ANCHOR: run
/// Runs a compound command; its status, as POSIX gives it: the last command's that ran, and
/// 0 when none did (an `if` with no branch taken, a loop whose body never ran).
fn run(shell: &mut Shell, compound: &Compound) -> i32 {
    match compound {
        // A subshell is here only in the child forked for it: its list runs as a group's.
        Compound::Group(items) | Compound::Subshell(items) => list(shell, items),
        Compound::If { branches, otherwise } => {
            for (condition, body) in branches {
                shell.run_items(condition);
                if shell.exiting.is_some() || shell.flow.is_some() {
                    return shell.status;
                }
                if shell.status == 0 {
                    return list(shell, body);
                }
            }
            if otherwise.is_empty() { 0 } else { list(shell, otherwise) }
        }
        Compound::Loop { until, condition, body } => {
            shell.loops += 1;
            let mut status = 0;
            loop {
                shell.run_items(condition);
                // `while` goes on while the condition succeeds, `until` while it fails.
                if !carry_on(shell) || (shell.status == 0) == *until {
                    break;
                }
                status = list(shell, body);
                if !carry_on(shell) {
                    break;
                }
            }
            shell.loops -= 1;
            status
        }
        Compound::For { name, words, body } => {
            let values = match words {
                Some(words) => match for_values(shell, words) {
                    Ok(values) => values,
                    Err(message) => return run::expansion_failed(shell, &message),
                },
                None => shell.parameters.clone(),
            };
            shell.loops += 1;
            let mut status = 0;
            for value in values {
                shell.set_variable(name, &value, false);
                status = list(shell, body);
                if !carry_on(shell) {
                    break;
                }
            }
            shell.loops -= 1;
            status
        }
        Compound::Case { word, arms } => match case_arm(shell, word, arms) {
            Ok(Some(body)) if !body.is_empty() => list(shell, body),
            Ok(_) => 0,
            Err(message) => run::expansion_failed(shell, &message),
        },
    }
}
// ANCHOR_END: run

fn list(shell: &mut Shell, items: &[Item]) -> i32 {
    shell.run_items(items);
    shell.status
}

/// After a loop's condition or body: whether the loop goes on. A `break` or `continue` for
/// this loop is used up here; one for a loop further out (`break 2`) stops this one and is
/// passed on, one level less.
fn carry_on(shell: &mut Shell) -> bool {
    match shell.flow {
        Some(Flow::Break(levels)) => {
            shell.flow = (levels > 1).then_some(Flow::Break(levels - 1));
            false
        }
        Some(Flow::Continue(levels)) if levels > 1 => {
            shell.flow = Some(Flow::Continue(levels - 1));
            false
        }
        Some(Flow::Continue(_)) => {
            shell.flow = None;
            true
        }
        Some(Flow::Return | Flow::Interrupt) => false,
        None => shell.exiting.is_none(),
    }
}

/// The values `for NAME in WORDS` takes: the words' fields, with file-name patterns expanded.
fn for_values(shell: &mut Shell, words: &[Word]) -> Result<Vec<String>, String> {
    let mut values = Vec::new();
    for word in words {
        values.extend(syntax::fields(word, shell)?.into_iter().flat_map(run::file_names));
    }
    Ok(values)
}

/// The body of the first arm with a pattern that matches the word, if one does.
fn case_arm<'a>(shell: &mut Shell, word: &Word, arms: &'a [(Vec<Word>, Vec<Item>)]) -> Result<Option<&'a [Item]>, String> {
    let subject = syntax::text(word, shell)?;
    for (patterns, body) in arms {
        for pattern in patterns {
            if glob::matches_text(&syntax::pattern(pattern, shell)?, &subject) {
                return Ok(Some(body));
            }
        }
    }
    Ok(None)
}

/// The body of the function `name`, if there is one.
pub fn function(shell: &Shell, name: &str) -> Option<Rc<Command>> {
    shell.functions.iter().find(|(defined, _)| defined == name).map(|(_, body)| Rc::clone(body))
}

/// `NAME() BODY`: (re)defines a function.
pub fn define(shell: &mut Shell, name: &str, body: &Rc<Command>) -> i32 {
    shell.functions.retain(|(defined, _)| defined != name);
    shell.functions.push((name.to_string(), Rc::clone(body)));
    0
}

// ANCHOR: call
/// Calls a function: its arguments become the positional parameters, and the loops around
/// the call are out of reach of its `break`; all of that, and its `local` variables, is
/// put back when it returns.
pub fn call(shell: &mut Shell, body: &Command, args: &[String]) -> i32 {
    if shell.depth >= MAX_DEPTH {
        return too_deep(shell);
    }
    shell.depth += 1;
    let parameters = core::mem::replace(&mut shell.parameters, args.to_vec());
    let loops = core::mem::replace(&mut shell.loops, 0);
    shell.saved_locals.push(Vec::new());
    let status = run::commands(shell, core::slice::from_ref(body), "");
    for (name, saved) in shell.saved_locals.pop().unwrap_or_default().into_iter().rev() {
        shell.restore_variable(&name, saved);
    }
    shell.loops = loops;
    shell.parameters = parameters;
    shell.depth -= 1;
    if shell.flow == Some(Flow::Return) {
        shell.flow = None;
    }
    status
}
// ANCHOR_END: call

/// `local NAME[=VALUE]...`: the variables keep their values, or take the new ones, until the
/// function returns; then they are as they were before.
pub fn local(shell: &mut Shell, args: &[&str]) -> i32 {
    if shell.saved_locals.is_empty() {
        shell.complain(format_args!("local: not in a function"));
        return 2;
    }
    for arg in args {
        let (name, value) = arg.split_once('=').map_or((*arg, None), |(name, value)| (name, Some(value)));
        if !syntax::is_name(name) {
            shell.complain(format_args!("local: {name}: bad variable name"));
            return 2;
        }
        let old = shell.save_variable(name);
        if let Some(saved) = shell.saved_locals.last_mut() {
            if !saved.iter().any(|(saved, _)| saved == name) {
                saved.push((name.to_string(), old));
            }
        }
        if let Some(value) = value {
            shell.set_variable(name, value, false);
        }
    }
    0
}

/// `read [-r] NAME...`: one line of standard input, split at the characters of IFS into the
/// variables (the last takes the rest of the line). It reads a byte at a time, so that it
/// takes no more than its line: what follows is for the next command that reads. Without
/// `-r`, a backslash quotes the next character and joins a line to the next. The status is 1
/// at the end of the input.
pub fn read(shell: &mut Shell, args: &[&str]) -> i32 {
    let raw = args.first() == Some(&"-r");
    let names = if raw { &args[1..] } else { args };
    if names.is_empty() {
        shell.complain(format_args!("read: arg count"));
        return 2;
    }
    if let Some(bad) = names.iter().find(|name| !syntax::is_name(name)) {
        shell.complain(format_args!("read: {bad}: bad variable name"));
        return 2;
    }
    let mut line = Vec::new();
    let mut ended = false;
    let mut escaped = false;
    while let Some(byte) = read_byte() {
        match byte {
            b'\n' if escaped => escaped = false,
            b'\n' => {
                ended = true;
                break;
            }
            b'\\' if !raw && !escaped => escaped = true,
            _ => {
                escaped = false;
                line.push(byte);
            }
        }
    }
    let ifs = shell.variable("IFS").unwrap_or(" \t\n").to_string();
    let values = syntax::split_read(&String::from_utf8_lossy(&line), &ifs, names.len());
    for (index, name) in names.iter().enumerate() {
        shell.set_variable(name, values.get(index).map_or("", String::as_str), false);
    }
    if ended { 0 } else { 1 }
}

/// One byte of standard input, or None at its end.
fn read_byte() -> Option<u8> {
    let mut byte = [0u8; 1];
    loop {
        match sys::read(0, &mut byte) {
            Ok(1) => return Some(byte[0]),
            Err(ulib::Errno::EINTR) => {}
            _ => return None,
        }
    }
}

// ANCHOR: substitute
/// `$(…)`: runs the commands in a child whose standard output is a pipe, and returns what
/// they wrote. A child, because the commands may be anything (a `cd`, an `exit`) and must
/// not change this shell; a pipe, because that is how one process reads another's output
/// as it is written, without a file. The shell reads to the end before it waits: a child
/// that wrote more than the pipe holds would otherwise wait for ever for a reader.
pub fn substitute(shell: &mut Shell, items: &[Item]) -> String {
    let (read_end, write_end) = match sys::pipe2(sys::O_CLOEXEC) {
        Ok(pipe) => pipe,
        Err(errno) => {
            shell.complain(format_args!("cannot make a pipe: {}", errno.message()));
            return String::new();
        }
    };
    match sys::fork() {
        Ok(Fork::Child) => {
            let _ = sys::dup3(write_end, 1, 0);
            // The commands' output goes to descriptor 1 alone; copies of the pipe's ends left
            // open in this child (which may fork without exec) would be readers and writers
            // that nobody counts on.
            let _ = sys::close(read_end);
            if write_end != 1 {
                let _ = sys::close(write_end);
            }
            // It stays in the shell's process group, which holds the terminal while the
            // shell waits: ^C there is for it.
            if shell.interactive {
                for number in terminal::IGNORED {
                    let _ = sys::sigaction(number, sys::Disposition::Default, 0, false);
                }
            }
            shell.interactive = false;
            shell.run_items(items);
            sys::exit(shell.exiting.unwrap_or(shell.status))
        }
        Ok(Fork::Parent { child }) => {
            let _ = sys::close(write_end);
            let output = ulib::io::read_all(read_end).unwrap_or_default();
            let _ = sys::close(read_end);
            if let Ok(Some(waited)) = sys::wait4(child as isize, 0) {
                shell.substituted = waited.shell_status();
            }
            String::from_utf8_lossy(&output).into_owned()
        }
        Err(errno) => {
            let _ = sys::close(read_end);
            let _ = sys::close(write_end);
            shell.complain(format_args!("cannot fork: {}", errno.message()));
            String::new()
        }
    }
}
// ANCHOR_END: substitute
