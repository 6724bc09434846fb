//! Linux's signal numbers on AArch64 (the asm-generic ones) and their names (pure).

pub const SIGHUP: u32 = 1;
pub const SIGINT: u32 = 2;
pub const SIGQUIT: u32 = 3;
pub const SIGKILL: u32 = 9;
pub const SIGPIPE: u32 = 13;
pub const SIGTERM: u32 = 15;
pub const SIGCHLD: u32 = 17;
pub const SIGCONT: u32 = 18;
pub const SIGSTOP: u32 = 19;
pub const SIGTSTP: u32 = 20;
pub const SIGTTIN: u32 = 21;
pub const SIGTTOU: u32 = 22;

/// Every signal's name without its "SIG", by number from 1.
const NAMES: [&str; 31] = [
    "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT",
    "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
];

/// "TERM" for 15.
pub fn name(signal: u32) -> Option<&'static str> {
    NAMES.get((signal as usize).checked_sub(1)?).copied()
}

/// The number of a signal given as `kill` takes it: "TERM", "SIGTERM", "term" or "15".
pub fn parse(text: &str) -> Option<u32> {
    if let Ok(number) = text.parse::<u32>() {
        return (number as usize <= NAMES.len()).then_some(number);
    }
    let upper = text.to_ascii_uppercase();
    let bare = upper.strip_prefix("SIG").unwrap_or(&upper);
    NAMES.iter().position(|&known| known == bare).map(|at| at as u32 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers_go_both_ways() {
        assert_eq!(name(SIGTERM), Some("TERM"));
        assert_eq!(name(0), None);
        assert_eq!(name(32), None);
        for text in ["TERM", "SIGTERM", "term", "15"] {
            assert_eq!(parse(text), Some(SIGTERM), "{text}");
        }
        assert_eq!(parse("SIGNOPE"), None);
        assert_eq!(parse("0"), Some(0), "signal 0 asks only whether the process exists");
        assert_eq!(parse("99"), None);
        assert_eq!(parse("tstp"), Some(SIGTSTP));
    }
}
