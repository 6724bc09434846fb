//! Running commands: a pipeline's processes (fork, pipe2, dup3, execve, wait4), redirections,
//! and the builtins, which must run inside the shell because they change it.

use crate::jobs::{self, Job};
use crate::{Flow, Shell, compound, terminal};
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use ulib::sh::glob;
use ulib::sh::syntax::{self, Command, Compound, Field, Item, Pipeline, Redirect, RedirectKind, Simple};
use ulib::sys::{self, Fork};
use ulib::{Errno, eprintln, path, println, signal, tool};

/// The builtins: commands that change the shell itself, or read its state.
pub const BUILTINS: [&str; 20] =
    ["cd", "pwd", "exit", "export", "unset", "jobs", "fg", "bg", "wait", ":", "history", "break", "continue", "return", "read", "shift", "set", "local", "true", "false"];

pub fn is_builtin(name: &str) -> bool {
    BUILTINS.contains(&name)
}

/// A command with its words expanded: the fields, the assignments before it, its redirections.
struct Expanded {
    words: Vec<String>,
    assignments: Vec<(String, String)>,
    redirects: Vec<(usize, RedirectKind, String)>,
}

/// A simple command's words, assignments and redirections expanded, or the message of the
/// first error (in arithmetic).
fn expand(shell: &mut Shell, command: &Simple) -> Result<Expanded, String> {
    shell.substituted = 0;
    let mut words = Vec::new();
    for word in &command.words {
        words.extend(syntax::fields(word, shell)?.into_iter().flat_map(file_names));
    }
    let mut assignments = Vec::new();
    for (name, value) in &command.assignments {
        assignments.push((name.clone(), syntax::text(value, shell)?));
    }
    Ok(Expanded { words, assignments, redirects: expand_redirects(shell, &command.redirects)? })
}

/// Redirections with their targets expanded.
pub fn expand_redirects(shell: &mut Shell, redirects: &[Redirect]) -> Result<Vec<(usize, RedirectKind, String)>, String> {
    let mut expanded = Vec::new();
    for Redirect { fd, kind, target } in redirects {
        expanded.push((*fd, *kind, syntax::text(target, shell)?));
    }
    Ok(expanded)
}

/// An expansion's error: said, and for a script the end of it, as in dash.
pub fn expansion_failed(shell: &mut Shell, message: &str) -> i32 {
    shell.complain(format_args!("{message}"));
    if !shell.interactive {
        shell.exiting = Some(2);
    }
    2
}

/// A field with a pattern becomes the file names it matches, sorted; when it matches none, it
/// stays as it is (as POSIX asks: `ls *.c` in a folder without one reports "*.c").
pub fn file_names(field: Field) -> Vec<String> {
    let Some(pattern) = field.pattern else { return Vec::from([field.text]) };
    let mut found = Vec::from([String::from(if pattern.starts_with('/') { "/" } else { "" })]);
    let parts: Vec<&str> = pattern.split('/').filter(|part| !part.is_empty()).collect();
    for part in &parts {
        let mut next = Vec::new();
        for base in &found {
            let within = |name: &str| if base.is_empty() { String::from(name) } else { path::join(base, name) };
            if !glob::has_magic(part) {
                next.push(within(&glob::unescape(part)));
                continue;
            }
            let folder = if base.is_empty() { "." } else { base.as_str() };
            // Never . or .. (as bash leaves them out; dash's `.*` takes them, which `rm -r .*`
            // makes dangerous); other dot files only for a pattern that starts with a dot
            // (glob::matches sees to that).
            if let Ok(names) = tool::directory(folder, false) {
                next.extend(names.iter().filter(|name| glob::matches(part, name)).map(|name| within(name)));
            }
        }
        found = next;
    }
    // A pattern ending in `/` matches folders only, and keeps its slash.
    let folders_only = pattern.ends_with('/');
    let mut found: Vec<String> = found
        .into_iter()
        .filter(|name| match sys::lstat(name.as_bytes()) {
            Ok(_) if folders_only => sys::stat(name.as_bytes()).is_ok_and(|stat| stat.is_dir()),
            Ok(_) => true,
            Err(_) => false,
        })
        .map(|name| if folders_only { alloc::format!("{name}/") } else { name })
        .collect();
    if found.is_empty() {
        return Vec::from([field.text]);
    }
    found.sort();
    found
}

// ANCHOR: pipeline
/// Runs a pipeline in the foreground and waits for it: its status is the last command's
/// (inverted by `!`). `time` before it reports how long it took, and the processor time its
/// processes used.
pub fn pipeline(shell: &mut Shell, pipeline: &Pipeline, text: &str) -> i32 {
    let status = commands(shell, &pipeline.commands, text);
    if pipeline.negated { i32::from(status == 0) } else { status }
}

/// Runs commands joined by pipes, in the foreground.
pub fn commands(shell: &mut Shell, commands: &[Command], text: &str) -> i32 {
    if let Some(timed) = after_time(commands) {
        return time(shell, &timed, text);
    }
    // A lone builtin, function, group, `if` or loop runs in the shell itself: `cd` in a child
    // would change only the child's directory, and `x=1` in a loop would be lost with it.
    // A program's words, expanded here to tell, are not expanded again in its child: that
    // would run a `$(…)` or assign `${x=…}` twice.
    let mut expanded = None;
    match commands {
        [Command::Simple(command)] => {
            let words = match expand(shell, command) {
                Ok(words) => words,
                Err(message) => return expansion_failed(shell, &message),
            };
            match words.words.first() {
                Some(name) if compound::function(shell, name).is_some() => return in_shell(shell, &words),
                Some(name) if !is_builtin(name) => expanded = Some(words),
                _ => return in_shell(shell, &words),
            }
        }
        [Command::Function(name, body)] => return compound::define(shell, name, body),
        [Command::Compound(compound, redirects)] if !matches!(**compound, Compound::Subshell(_)) => return compound::in_shell(shell, compound, redirects),
        _ => {}
    }
    let Some(job) = start(shell, commands, text, true, expanded) else { return shell.status };
    jobs::wait_foreground(shell, job)
}
// ANCHOR_END: pipeline

/// The pipeline after a leading unquoted `time`, if there is one.
fn after_time(commands: &[Command]) -> Option<Vec<Command>> {
    let Some(Command::Simple(first)) = commands.first() else { return None };
    if first.words.first()?.literal() != Some("time") {
        return None;
    }
    let mut rest = Vec::from(commands);
    let mut first = first.clone();
    first.words.remove(0);
    // `time` alone times nothing.
    if rest.len() == 1 && first == Simple::default() {
        rest.clear();
    } else {
        rest[0] = Command::Simple(first);
    }
    Some(rest)
}

/// Runs a pipeline and reports, as other shells' `time` does, the time that passed and the
/// processor time its processes used (the kernel counts it for each child waited for).
fn time(shell: &mut Shell, commands: &[Command], text: &str) -> i32 {
    let clock = || sys::clock_gettime(sys::CLOCK_MONOTONIC).map_or(0, |now| now.seconds as u64 * 1_000_000 + now.nanoseconds as u64 / 1000);
    let usage = || sys::getrusage(sys::RUSAGE_CHILDREN).unwrap_or((0, 0));
    let (start, (user_before, system_before)) = (clock(), usage());
    let status = if commands.is_empty() { 0 } else { self::commands(shell, commands, text) };
    let (end, (user_after, system_after)) = (clock(), usage());
    let shown = |micros: u64| alloc::format!("{}m{}.{:03}s", micros / 60_000_000, micros / 1_000_000 % 60, micros / 1000 % 1000);
    eprintln!("\nreal\t{}\nuser\t{}\nsys\t{}", shown(end - start), shown(user_after - user_before), shown(system_after - system_before));
    status
}

/// Starts `item` in the background: its pipeline as a job of its own, or (with && or ||)
/// a copy of the shell that runs the whole list.
pub fn start_background(shell: &mut Shell, item: &Item) {
    let job = if item.rest.is_empty() && !item.first.negated {
        start(shell, &item.first.commands, &item.text, false, None)
    } else {
        let whole = Item { background: false, ..item.clone() };
        match sys::fork() {
            Ok(Fork::Child) => {
                child_setup(shell, 0, false);
                shell.run_item(&whole);
                sys::exit(shell.exiting.unwrap_or(shell.status))
            }
            Ok(Fork::Parent { child }) => {
                jobs::join_group(shell, child, child, false);
                Some(Job::new(child, Vec::from([child]), item.text.clone()))
            }
            Err(errno) => {
                shell.complain(format_args!("cannot fork: {}", errno.message()));
                None
            }
        }
    };
    if let Some(job) = job {
        let (id, pid) = shell.jobs.add(job);
        if shell.interactive {
            println!("[{id}] {pid}");
        }
        shell.status = 0;
    }
}

// ANCHOR: start
/// Forks one process per command, joined by pipes, in one new process group; None if even
/// the first could not be started.
fn start(shell: &mut Shell, commands: &[Command], text: &str, foreground: bool, mut expanded: Option<Expanded>) -> Option<Job> {
    let mut pids = Vec::new();
    let mut group = 0;
    // The read end of the pipe from the previous command, if there is one.
    let mut input: Option<usize> = None;
    for (index, command) in commands.iter().enumerate() {
        let last = index == commands.len() - 1;
        let pipe = if last {
            None
        } else {
            match sys::pipe2(sys::O_CLOEXEC) {
                Ok(pipe) => Some(pipe),
                Err(errno) => {
                    shell.complain(format_args!("cannot make a pipe: {}", errno.message()));
                    break;
                }
            }
        };
        match sys::fork() {
            Ok(Fork::Child) => {
                child_setup(shell, group, foreground);
                if let Some(read_end) = input {
                    let _ = sys::dup3(read_end, 0, 0);
                }
                if let Some((_, write_end)) = pipe {
                    let _ = sys::dup3(write_end, 1, 0);
                }
                let status = run_child(shell, command, expanded.take());
                sys::exit(shell.exiting.unwrap_or(status))
            }
            Ok(Fork::Parent { child }) => {
                if group == 0 {
                    group = child;
                }
                jobs::join_group(shell, child, group, foreground);
                pids.push(child);
            }
            Err(errno) => shell.complain(format_args!("cannot fork: {}", errno.message())),
        }
        if let Some(read_end) = input.take() {
            let _ = sys::close(read_end);
        }
        if let Some((read_end, write_end)) = pipe {
            let _ = sys::close(write_end);
            input = Some(read_end);
        }
    }
    if let Some(read_end) = input {
        let _ = sys::close(read_end);
    }
    (!pids.is_empty()).then(|| Job::new(group, pids, text.to_string()))
}
// ANCHOR_END: start

/// In a new child: its process group (and the terminal, in the foreground), and the
/// signals the shell ignores set back to their defaults. The child is no longer the
/// interactive shell: the pipelines it may run itself stay in its group, without job control.
pub fn child_setup(shell: &mut Shell, group: usize, foreground: bool) {
    if shell.interactive {
        let pid = sys::getpid();
        let group = if group == 0 { pid } else { group };
        // The parent does the same: whichever runs first, the child is in its group
        // before it runs the program.
        let _ = sys::setpgid(0, group);
        if foreground {
            let _ = sys::tcsetpgrp(0, group);
        }
        for number in terminal::IGNORED {
            let _ = sys::sigaction(number, sys::Disposition::Default, 0, false);
        }
    } else if !foreground {
        // POSIX: without job control, background commands ignore ^C and ^\.
        let _ = sys::sigaction(signal::SIGINT, sys::Disposition::Ignore, 0, false);
        let _ = sys::sigaction(signal::SIGQUIT, sys::Disposition::Ignore, 0, false);
    }
    shell.interactive = false;
    shell.jobs = jobs::Jobs::default();
}

/// In the child: a compound command, or a simple command's redirections and then the
/// builtin, function or program. Returns the status to exit with.
fn run_child(shell: &mut Shell, command: &Command, expanded: Option<Expanded>) -> i32 {
    let command = match command {
        Command::Simple(command) => command,
        Command::Function(name, body) => return compound::define(shell, name, body),
        Command::Compound(compound, redirects) => return compound::in_shell(shell, compound, redirects),
    };
    let expanded = match expanded.map_or_else(|| expand(shell, command), Ok) {
        Ok(expanded) => expanded,
        Err(message) => return expansion_failed(shell, &message),
    };
    if let Err(message) = redirect(&expanded.redirects, None) {
        shell.complain(format_args!("{message}"));
        return 2;
    }
    let Some(name) = expanded.words.first() else { return 0 };
    if is_builtin(name) || compound::function(shell, name).is_some() {
        return run_words(shell, &expanded.words);
    }
    let words: Vec<&str> = expanded.words.iter().map(String::as_str).collect();
    let environment = shell.environment(&expanded.assignments);
    match tool::exec(&words, &environment) {
        Errno::ENOENT => {
            shell.complain(format_args!("{name}: not found"));
            127
        }
        errno => {
            shell.complain(format_args!("{name}: {}", errno.message()));
            126
        }
    }
}

/// A builtin, a function (or lone assignments) run in the shell, with its redirections undone
/// after.
fn in_shell(shell: &mut Shell, expanded: &Expanded) -> i32 {
    with_redirects(shell, &expanded.redirects, |shell| match expanded.words.first() {
        None => {
            for (name, value) in &expanded.assignments {
                shell.set_variable(name, value, false);
            }
            // `x=$(cmd)` has the status of the command.
            shell.substituted
        }
        Some(_) => {
            // Assignments before a builtin or a function hold while it runs (`IFS=: read a b`).
            let saved: Vec<(&str, Option<(String, bool)>)> = expanded.assignments.iter().map(|(name, _)| (name.as_str(), shell.save_variable(name))).collect();
            for (name, value) in &expanded.assignments {
                shell.set_variable(name, value, false);
            }
            let status = run_words(shell, &expanded.words);
            for (name, saved) in saved.into_iter().rev() {
                shell.restore_variable(name, saved);
            }
            status
        }
    })
}

/// A builtin or a function, by its expanded words.
fn run_words(shell: &mut Shell, words: &[String]) -> i32 {
    match compound::function(shell, &words[0]) {
        Some(body) => compound::call(shell, &body, &words[1..]),
        None => builtin(shell, words),
    }
}

/// Runs `run` in the shell with `redirects` applied, and puts the descriptors back after.
pub fn with_redirects(shell: &mut Shell, redirects: &[(usize, RedirectKind, String)], run: impl FnOnce(&mut Shell) -> i32) -> i32 {
    let mut saved = Vec::new();
    let status = match redirect(redirects, Some(&mut saved)) {
        Err(message) => {
            shell.complain(format_args!("{message}"));
            2
        }
        Ok(()) => run(shell),
    };
    // Put the descriptors back, last saved first.
    for (fd, copy) in saved.into_iter().rev() {
        match copy {
            Some(copy) => {
                let _ = sys::dup3(copy, fd, 0);
                let _ = sys::close(copy);
            }
            None => {
                let _ = sys::close(fd);
            }
        }
    }
    status
}

/// Applies redirections in order. With `saved`, each descriptor's old self is kept there
/// first (a copy above 10, or None if it was closed), for `in_shell` to restore.
fn redirect(redirects: &[(usize, RedirectKind, String)], mut saved: Option<&mut Vec<(usize, Option<usize>)>>) -> Result<(), String> {
    for (fd, kind, target) in redirects {
        let fd = *fd;
        if let Some(saved) = saved.as_deref_mut() {
            saved.push((fd, sys::dup_above(fd, 10).ok()));
        }
        if *kind == RedirectKind::Duplicate {
            if target == "-" {
                let _ = sys::close(fd);
                continue;
            }
            let source: usize = target.parse().map_err(|_| alloc::format!("{target}: bad file descriptor number"))?;
            sys::dup3(source, fd, 0).map_err(|errno| alloc::format!("{source}: {}", errno.message()))?;
            continue;
        }
        let flags = match kind {
            RedirectKind::Read => sys::O_RDONLY,
            RedirectKind::Write => sys::O_WRONLY | sys::O_CREAT | sys::O_TRUNC,
            _ => sys::O_WRONLY | sys::O_CREAT | sys::O_APPEND,
        };
        let opened = if *kind == RedirectKind::Here {
            here_document(target)?
        } else {
            sys::open(target.as_bytes(), flags, 0o666).map_err(|errno| alloc::format!("cannot open {target}: {}", errno.message()))?
        };
        if opened != fd {
            let moved = sys::dup3(opened, fd, 0);
            let _ = sys::close(opened);
            moved.map_err(|errno| alloc::format!("{fd}: {}", errno.message()))?;
        }
    }
    Ok(())
}

/// What a pipe holds on Bramble (the kernel's `pipe::CAPACITY`; Linux's hold more).
const PIPE_CAPACITY: usize = 4096;

/// A here-document's text as a descriptor to read: the read end of a pipe that holds it. A text
/// too long for the pipe is written by a child, which waits for room while the command reads;
/// the shell writing it itself would wait for ever, since nobody reads the pipe yet.
fn here_document(text: &str) -> Result<usize, String> {
    let (read_end, write_end) = sys::pipe2(sys::O_CLOEXEC).map_err(|errno| alloc::format!("cannot make a pipe: {}", errno.message()))?;
    let written = if text.len() <= PIPE_CAPACITY {
        let _ = ulib::io::write_all(write_end, text.as_bytes());
        Ok(())
    } else {
        match sys::fork() {
            Ok(Fork::Child) => {
                let _ = sys::close(read_end);
                let _ = ulib::io::write_all(write_end, text.as_bytes());
                sys::exit(0)
            }
            Ok(Fork::Parent { .. }) => Ok(()),
            Err(errno) => Err(alloc::format!("cannot fork: {}", errno.message())),
        }
    };
    let _ = sys::close(write_end);
    if written.is_err() {
        let _ = sys::close(read_end);
    }
    written.map(|()| read_end)
}

/// Runs builtin `words[0]`; its status.
fn builtin(shell: &mut Shell, words: &[String]) -> i32 {
    let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
    match words[0].as_str() {
        ":" => 0,
        "cd" => change_directory(shell, &args),
        "pwd" => {
            let mut buffer = [0u8; 4096];
            match sys::getcwd(&mut buffer) {
                Ok(length) => {
                    println!("{}", String::from_utf8_lossy(&buffer[..length]));
                    0
                }
                Err(errno) => {
                    shell.complain(format_args!("pwd: {}", errno.message()));
                    2
                }
            }
        }
        "exit" => {
            let status = match args.first() {
                None => shell.status,
                Some(text) => match text.parse::<i32>() {
                    Ok(status) => status & 0xff,
                    Err(_) => {
                        shell.complain(format_args!("exit: Illegal number: {text}"));
                        2
                    }
                },
            };
            shell.exiting = Some(status);
            status
        }
        "export" => {
            if args.is_empty() {
                for variable in shell.variables.iter().filter(|variable| variable.exported) {
                    println!("export {}='{}'", variable.name, variable.value.replace('\'', "'\\''"));
                }
            }
            for arg in args {
                let (name, value) = arg.split_once('=').map_or((arg, None), |(name, value)| (name, Some(value)));
                if !syntax::is_name(name) {
                    shell.complain(format_args!("export: {name}: bad variable name"));
                    return 2;
                }
                let value = value.map(String::from).or_else(|| shell.variable(name).map(String::from)).unwrap_or_default();
                shell.set_variable(name, &value, true);
            }
            0
        }
        "unset" => {
            shell.variables.retain(|variable| !args.contains(&variable.name.as_str()));
            0
        }
        "history" => {
            for (index, line) in shell.editor.history().iter().enumerate() {
                println!("{:>5}  {line}", index + 1);
            }
            0
        }
        "jobs" => jobs::list(shell),
        "true" => 0,
        "false" => 1,
        "break" | "continue" | "return" => control(shell, &words[0], &args),
        "read" => compound::read(shell, &args),
        "shift" => shift(shell, &args),
        "set" => set(shell, &args),
        "local" => compound::local(shell, &args),
        "fg" => jobs::foreground(shell, args.first().copied()),
        "bg" => jobs::background(shell, args.first().copied()),
        "wait" => jobs::wait_all(shell),
        _ => unreachable!("is_builtin listed it"),
    }
}

/// A number a builtin takes ("break 2"), or a complaint (ending a script, as in dash).
fn number_argument(shell: &mut Shell, name: &str, args: &[&str], default: usize) -> Option<usize> {
    let Some(text) = args.first() else { return Some(default) };
    match text.parse::<usize>() {
        Ok(number) if number > 0 || name == "shift" || name == "return" => Some(number),
        _ => {
            shell.complain(format_args!("{name}: Illegal number: {text}"));
            if !shell.interactive {
                shell.exiting = Some(2);
            }
            None
        }
    }
}

/// `break [N]`, `continue [N]` (out of N loops, no more than there are) and `return [N]`:
/// they set the flow that the lists around them unwind by.
fn control(shell: &mut Shell, name: &str, args: &[&str]) -> i32 {
    let Some(number) = number_argument(shell, name, args, if name == "return" { shell.status as usize } else { 1 }) else { return 2 };
    match name {
        "return" => {
            shell.flow = Some(Flow::Return);
            (number & 0xff) as i32
        }
        // Outside a loop, `break` and `continue` do nothing.
        _ if shell.loops == 0 => 0,
        "break" => {
            shell.flow = Some(Flow::Break(number.min(shell.loops)));
            0
        }
        _ => {
            shell.flow = Some(Flow::Continue(number.min(shell.loops)));
            0
        }
    }
}

/// `shift [N]`: the positional parameters lose their first N.
fn shift(shell: &mut Shell, args: &[&str]) -> i32 {
    let Some(count) = number_argument(shell, "shift", args, 1) else { return 2 };
    if count > shell.parameters.len() {
        shell.complain(format_args!("shift: can't shift that many"));
        if !shell.interactive {
            shell.exiting = Some(2);
        }
        return 2;
    }
    shell.parameters.drain(..count);
    0
}

/// `set -- ARGS` (or `set ARGS`, the first not an option): ARGS become the positional
/// parameters. `set` alone lists the variables as dash does; options are not supported.
fn set(shell: &mut Shell, args: &[&str]) -> i32 {
    let words = match args.first() {
        None => {
            let mut variables: Vec<String> = shell.variables.iter().map(|variable| alloc::format!("{}='{}'", variable.name, variable.value.replace('\'', "'\\''"))).collect();
            variables.sort();
            for variable in variables {
                println!("{variable}");
            }
            return 0;
        }
        Some(&"--") => &args[1..],
        Some(option) if option.starts_with(['-', '+']) => {
            shell.complain(format_args!("set: Illegal option {option}"));
            if !shell.interactive {
                shell.exiting = Some(2);
            }
            return 2;
        }
        Some(_) => args,
    };
    shell.parameters = words.iter().map(|word| word.to_string()).collect();
    0
}

/// cd [DIR]: to DIR, or $HOME; `cd -` to $OLDPWD (and says where). Keeps PWD and OLDPWD.
fn change_directory(shell: &mut Shell, args: &[&str]) -> i32 {
    let target = match args.first() {
        None => shell.variable("HOME").unwrap_or("/").to_string(),
        Some(&"-") => shell.variable("OLDPWD").unwrap_or(".").to_string(),
        Some(dir) => dir.to_string(),
    };
    let mut buffer = [0u8; 4096];
    let old = sys::getcwd(&mut buffer).map(|length| String::from_utf8_lossy(&buffer[..length]).into_owned()).unwrap_or_default();
    if sys::chdir(target.as_bytes()).is_err() {
        shell.complain(format_args!("cd: can't cd to {target}"));
        return 2;
    }
    let new = sys::getcwd(&mut buffer).map(|length| String::from_utf8_lossy(&buffer[..length]).into_owned()).unwrap_or(target);
    if args.first() == Some(&"-") {
        println!("{new}");
    }
    shell.set_variable("OLDPWD", &old, false);
    shell.set_variable("PWD", &new, false);
    0
}
