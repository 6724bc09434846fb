//! The shell's pure parts (the program is `src/bin/sh/`): its grammar, file-name patterns and
//! its line editor.
//! They compute only, so host `cargo test` tests them.

pub mod arithmetic;
pub mod editor;
pub mod glob;
pub mod syntax;
