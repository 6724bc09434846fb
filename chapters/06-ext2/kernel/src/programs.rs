//! The programs the kernel can run. There is no filesystem yet: the build tool builds the
//! user programs (chapters/06-ext2/user) first, and build.rs embeds each ELF file in
//! the kernel image, in a table of name and bytes.

// ANCHOR: table
/// One embedded program: its name (what `run` and execve take) and its ELF file.
pub struct Program {
    pub name: &'static str,
    pub elf: &'static [u8],
}

// PROGRAMS: [Program; N], written by build.rs from the programs the build tool built.
include!(concat!(env!("OUT_DIR"), "/programs.rs"));

/// The program called `name`.
pub fn find(name: &[u8]) -> Option<&'static Program> {
    PROGRAMS.iter().find(|program| program.name.as_bytes() == name)
}
// ANCHOR_END: table
