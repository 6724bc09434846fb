//! The initial stack Linux builds for a new program (pure): where argc, argv, envp and the
//! auxiliary vector are. At the entry point SP points at argc; above it, 8 bytes each:
//!
//! ```text
//! argc | argv[0] .. argv[argc-1] | NULL | envp[0] .. | NULL | (type, value) pairs .. AT_NULL
//! ```

/// Auxiliary vector entry types (Linux's `auxvec.h`).
pub const AT_NULL: usize = 0;
pub const AT_PHDR: usize = 3;
pub const AT_PHENT: usize = 4;
pub const AT_PHNUM: usize = 5;
pub const AT_PAGESZ: usize = 6;
pub const AT_ENTRY: usize = 9;
pub const AT_RANDOM: usize = 25;

// ANCHOR: initial_stack
/// Where each part of the initial stack is, as indices of 8-byte words from SP.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Layout {
    pub argc: usize,
    /// The first argv pointer (argc of them follow).
    pub argv: usize,
    /// The first envp pointer, and how many there are before the NULL.
    pub envp: usize,
    pub envc: usize,
    /// The first auxiliary vector pair.
    pub auxv: usize,
}

impl Layout {
    /// Finds the parts in `words`, the stack from SP up; None if it is not shaped as Linux
    /// builds it (a missing NULL, or a count that runs off the end).
    pub fn parse(words: &[usize]) -> Option<Layout> {
        let argc = *words.first()?;
        let argv = 1;
        if *words.get(argv + argc)? != 0 {
            return None;
        }
        let envp = argv + argc + 1;
        let envc = words.get(envp..)?.iter().position(|&word| word == 0)?;
        Some(Layout {
            argc,
            argv,
            envp,
            envc,
            auxv: envp + envc + 1,
        })
    }

    /// The value of auxiliary vector entry `kind`, if present.
    pub fn aux(&self, words: &[usize], kind: usize) -> Option<usize> {
        words.get(self.auxv..)?.chunks_exact(2).take_while(|pair| pair[0] != AT_NULL).find(|pair| pair[0] == kind).map(|pair| pair[1])
    }
}
// ANCHOR_END: initial_stack

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_arguments_environment_and_auxiliary_vector() {
        let words = [2, 0x100, 0x200, 0, 0x300, 0, AT_PAGESZ, 4096, AT_ENTRY, 0x400000, AT_NULL, 0];
        let layout = Layout::parse(&words).unwrap();
        assert_eq!(layout, Layout { argc: 2, argv: 1, envp: 4, envc: 1, auxv: 6 });
        assert_eq!(layout.aux(&words, AT_ENTRY), Some(0x400000));
        assert_eq!(layout.aux(&words, AT_RANDOM), None);
    }

    #[test]
    fn a_stack_without_its_nulls_is_refused() {
        assert_eq!(Layout::parse(&[1, 0x100, 0x200]), None);
        assert_eq!(Layout::parse(&[0, 0, 0x300]), None);
        assert_eq!(Layout::parse(&[]), None);
    }
}
