//! Hands the linker script to the linker, but only when building the kernel itself:
//! host `cargo test` builds an ordinary program that must link the ordinary way.

use std::env;
use std::path::PathBuf;

const KERNEL_TARGET: &str = "aarch64-unknown-none-softfloat";

fn main() {
    println!("cargo::rerun-if-changed=link.ld");
    let target = env::var("TARGET").expect("cargo sets TARGET for build scripts");
    if target == KERNEL_TARGET {
        let manifest_dir = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
        let script = PathBuf::from(manifest_dir).join("link.ld");
        println!("cargo::rustc-link-arg-bins=-T{}", script.display());
    }
}
