//! Hands the programs' linker script to the linker when building for the target: host
//! `cargo test` builds ulib as an ordinary library.

use std::env;
use std::path::PathBuf;

const TARGET: &str = "aarch64-unknown-none-softfloat";

fn main() {
    println!("cargo::rerun-if-changed=link.ld");
    let target = env::var("TARGET").expect("cargo sets TARGET for build scripts");
    if target == TARGET {
        let manifest_dir = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
        let script = PathBuf::from(manifest_dir).join("link.ld");
        println!("cargo::rustc-link-arg-bins=-T{}", script.display());
    }
}
