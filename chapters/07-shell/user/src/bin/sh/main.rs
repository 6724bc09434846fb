//! sh: Bramble's shell. `sh` reads commands from its standard input: line by line with a
//! line editor and job control when that is a terminal, all at once otherwise; `sh FILE
//! [ARG]...` runs a script, `sh -c COMMANDS [NAME [ARG]...]` a string.
//!
//! The grammar and the line editor are pure and live in ulib (`ulib::sh`), where host tests
//! reach them; this program is the part that talks to the kernel:
//! - `main.rs`: the shell's state (variables, `$?`, functions), reading the input, running
//!   each item;
//! - `run.rs`: pipelines (fork, pipe2, dup3, execve, wait4), redirections, builtins, `time`;
//! - `compound.rs`: `if`, the loops, `case`, groups, functions and command substitution;
//! - `jobs.rs`: the job table, process groups and the terminal's foreground group;
//! - `terminal.rs`: raw mode, the prompt, and completion of commands and paths.
#![no_std]
#![no_main]

extern crate alloc;

mod compound;
mod jobs;
mod run;
mod terminal;

use alloc::rc::Rc;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use ulib::sh::editor::Editor;
use ulib::sh::syntax::{self, Command, Connector, Expander, Item};
use ulib::{eprintln, signal, sys, tool};

ulib::main!(main);

/// A shell variable: its value, and whether commands get it in their environment.
pub struct Variable {
    pub name: String,
    pub value: String,
    pub exported: bool,
}

/// What `break`, `continue` and `return` ask of the lists around them: to stop running their
/// items, until the loop (`N` loops out) or the function they concern is reached. ^C at the
/// terminal stops everything up to the prompt, as it would stop a shell that did not ignore it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Flow {
    Break(usize),
    Continue(usize),
    Return,
    Interrupt,
}

pub struct Shell {
    pub variables: Vec<Variable>,
    /// `$?`: the status of the last pipeline.
    pub status: i32,
    /// `$$`: the shell's process id, which its children (a subshell, a pipeline's commands,
    /// which expand their words themselves) report too.
    pub pid: usize,
    /// `$0` (the shell's or the script's name) and `$1`...
    pub name: String,
    pub parameters: Vec<String>,
    /// Reading from a terminal, with job control.
    pub interactive: bool,
    pub jobs: jobs::Jobs,
    /// Set by `exit` (or the end of the input): the status to exit with.
    pub exiting: Option<i32>,
    /// The line of the item being run, for error messages ("sh: 3: x: not found").
    pub line: usize,
    /// The line editor, which keeps the history.
    pub editor: Editor,
    /// The functions defined so far, by name.
    pub functions: Vec<(String, Rc<Command>)>,
    /// Set by `break`, `continue` and `return` while the lists around them unwind.
    pub flow: Option<Flow>,
    /// How many loops enclose the command running (`break 5` in two loops leaves both).
    pub loops: usize,
    /// How many compound commands and function calls are running, one inside another: a
    /// limit keeps endless recursion from overflowing the stack.
    pub depth: usize,
    /// Variables that `local` saved in the running functions, to be put back when each
    /// returns: the name, and its value and export flag if it had one.
    pub saved_locals: Vec<Vec<(String, Option<(String, bool)>)>>,
    /// The status of the last command substitution: a command of assignments alone has it.
    pub substituted: i32,
}

fn main() -> i32 {
    let args = tool::arguments();
    let mut shell = Shell::new();
    match args[..] {
        ["-c", commands, ref rest @ ..] => {
            if let Some((name, parameters)) = rest.split_first() {
                shell.name = name.to_string();
                shell.parameters = parameters.iter().map(|parameter| parameter.to_string()).collect();
            }
            shell.run_text(commands);
        }
        ["-c"] => {
            eprintln!("{}: -c requires an argument", shell.name);
            return 2;
        }
        [script, ref parameters @ ..] => {
            shell.name = script.to_string();
            shell.parameters = parameters.iter().map(|parameter| parameter.to_string()).collect();
            match tool::read_input(script) {
                Ok(text) => shell.run_text(&String::from_utf8_lossy(&text)),
                Err(errno) => {
                    eprintln!("{}: 0: cannot open {script}: {}", ulib::program(), errno.message());
                    return 127;
                }
            }
        }
        [] => {
            if terminal::is_terminal(0) {
                shell.interactive = true;
                terminal::interact(&mut shell);
            } else {
                match ulib::io::read_all(0) {
                    Ok(text) => shell.run_text(&String::from_utf8_lossy(&text)),
                    Err(errno) => {
                        eprintln!("{}: cannot read: {}", shell.name, errno.message());
                        return 2;
                    }
                }
            }
        }
    }
    shell.exiting.unwrap_or(shell.status)
}

impl Shell {
    fn new() -> Shell {
        let variables = ulib::env()
            .filter_map(|variable| variable.split_once('='))
            .map(|(name, value)| Variable { name: name.to_string(), value: value.to_string(), exported: true })
            .collect();
        Shell {
            variables,
            status: 0,
            pid: sys::getpid(),
            name: ulib::program().to_string(),
            parameters: Vec::new(),
            interactive: false,
            jobs: jobs::Jobs::default(),
            exiting: None,
            line: 0,
            editor: Editor::new(),
            functions: Vec::new(),
            flow: None,
            loops: 0,
            depth: 0,
            saved_locals: Vec::new(),
            substituted: 0,
        }
    }

    /// Parses and runs a whole text; a syntax error is reported after the commands before it
    /// ran, and ends a non-interactive shell with status 2.
    pub fn run_text(&mut self, text: &str) {
        let parsed = syntax::parse(text);
        for item in &parsed.items {
            self.run_item(item);
            // `return` outside a function stops no more than the item; ^C, the whole text.
            if self.flow.take() == Some(Flow::Interrupt) || self.exiting.is_some() {
                return;
            }
        }
        if let Some(error) = parsed.error {
            eprintln!("{}: {}: {}", self.name, error.line, error.message);
            self.status = 2;
            if !self.interactive {
                self.exiting = Some(2);
            }
        }
    }

    /// Runs a list's items in turn, until one ends the shell or asks to break out of it.
    pub fn run_items(&mut self, items: &[Item]) {
        for item in items {
            self.run_item(item);
            if self.exiting.is_some() || self.flow.is_some() {
                return;
            }
        }
    }

    /// Runs one item: its pipelines joined by && and ||, in the background after `&`.
    pub fn run_item(&mut self, item: &Item) {
        self.line = item.line;
        if item.background {
            run::start_background(self, item);
            return;
        }
        self.status = run::pipeline(self, &item.first, &item.text);
        for (connector, pipeline) in &item.rest {
            if self.exiting.is_some() || self.flow.is_some() {
                return;
            }
            let wanted = match connector {
                Connector::And => self.status == 0,
                Connector::Or => self.status != 0,
            };
            if wanted {
                self.status = run::pipeline(self, pipeline, &item.text);
            }
        }
    }

    /// The value of a parameter: a variable, or one of the special ones.
    pub fn lookup(&self, name: &str) -> Option<String> {
        match name {
            "?" => Some(self.status.to_string()),
            "$" => Some(self.pid.to_string()),
            "#" => Some(self.parameters.len().to_string()),
            "@" | "*" => Some(self.parameters.join(" ")),
            "0" => Some(self.name.clone()),
            _ if name.bytes().all(|byte| byte.is_ascii_digit()) => name.parse::<usize>().ok().and_then(|index| self.parameters.get(index - 1).cloned()),
            _ => self.variable(name).map(String::from),
        }
    }

    pub fn variable(&self, name: &str) -> Option<&str> {
        self.variables.iter().find(|variable| variable.name == name).map(|variable| variable.value.as_str())
    }

    pub fn set_variable(&mut self, name: &str, value: &str, export: bool) {
        match self.variables.iter_mut().find(|variable| variable.name == name) {
            Some(variable) => {
                variable.value = value.to_string();
                variable.exported |= export;
            }
            None => self.variables.push(Variable { name: name.to_string(), value: value.to_string(), exported: export }),
        }
    }

    /// A variable's value and export flag (None if unset), for `restore_variable` to put back.
    pub fn save_variable(&self, name: &str) -> Option<(String, bool)> {
        self.variables.iter().find(|variable| variable.name == name).map(|variable| (variable.value.clone(), variable.exported))
    }

    pub fn restore_variable(&mut self, name: &str, saved: Option<(String, bool)>) {
        match saved {
            Some((value, exported)) => {
                self.set_variable(name, &value, exported);
                // set_variable never takes an export flag away.
                if let Some(variable) = self.variables.iter_mut().find(|variable| variable.name == name) {
                    variable.exported = exported;
                }
            }
            None => self.variables.retain(|variable| variable.name != name),
        }
    }

    /// The environment a command gets: the exported variables, then `extra` ("NAME=value").
    pub fn environment(&self, extra: &[(String, String)]) -> Vec<String> {
        let mut environment: Vec<String> = self
            .variables
            .iter()
            .filter(|variable| variable.exported && !extra.iter().any(|(name, _)| *name == variable.name))
            .map(|variable| alloc::format!("{}={}", variable.name, variable.value))
            .collect();
        environment.extend(extra.iter().map(|(name, value)| alloc::format!("{name}={value}")));
        environment
    }

    /// An error message as other shells print theirs: "sh: 3: what".
    pub fn complain(&self, what: core::fmt::Arguments) {
        eprintln!("{}: {}: {}", self.name, self.line, what);
    }
}

/// Expanding words asks the shell for parameters and runs command substitutions.
impl Expander for Shell {
    fn lookup(&self, name: &str) -> Option<String> {
        Shell::lookup(self, name)
    }

    fn parameters(&self) -> Vec<String> {
        self.parameters.clone()
    }

    fn substitute(&mut self, items: &[Item]) -> String {
        compound::substitute(self, items)
    }

    fn assign(&mut self, name: &str, value: &str) {
        self.set_variable(name, value, false);
    }
}

/// What a signal's death is called when the shell reports it.
pub fn death(number: u32) -> String {
    match number {
        signal::SIGKILL => "Killed".to_string(),
        signal::SIGTERM => "Terminated".to_string(),
        signal::SIGQUIT => "Quit".to_string(),
        11 => "Segmentation fault".to_string(),
        _ => alloc::format!("Killed by SIG{}", signal::name(number).unwrap_or("?")),
    }
}
