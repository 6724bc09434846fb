//! Hands the linker script to the linker, but only when building the kernel itself: host
//! `cargo test` builds an ordinary program that must link the ordinary way. For the kernel
//! it also writes the table of embedded user programs (programs.rs): every file in the
//! folder BRAMBLE_PROGRAMS names, which the build tool fills before it builds the kernel.

use std::env;
use std::fs;
use std::path::PathBuf;

const KERNEL_TARGET: &str = "aarch64-unknown-none-softfloat";

fn main() {
    println!("cargo::rerun-if-changed=link.ld");
    println!("cargo::rerun-if-env-changed=BRAMBLE_PROGRAMS");
    let target = env::var("TARGET").expect("cargo sets TARGET for build scripts");
    if target != KERNEL_TARGET {
        return;
    }
    let manifest_dir = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let script = PathBuf::from(manifest_dir).join("link.ld");
    println!("cargo::rustc-link-arg-bins=-T{}", script.display());

    // ANCHOR: embed
    let folder = env::var("BRAMBLE_PROGRAMS").expect("the build tool names the built user programs in BRAMBLE_PROGRAMS (npm run build)");
    let mut names: Vec<String> = fs::read_dir(&folder)
        .unwrap_or_else(|error| panic!("cannot read {folder}: {error}"))
        .map(|entry| entry.expect("a folder entry").file_name().into_string().expect("a UTF-8 program name"))
        // A name starting with a dot is a file the build tool is still writing.
        .filter(|name| !name.starts_with('.'))
        .collect();
    names.sort();
    let mut table = format!("pub static PROGRAMS: [Program; {}] = [\n", names.len());
    for name in &names {
        let path = PathBuf::from(&folder).join(name);
        println!("cargo::rerun-if-changed={}", path.display());
        table += &format!("    Program {{ name: {name:?}, elf: include_bytes!({:?}) }},\n", path.display().to_string());
    }
    table += "];\n";
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("programs.rs");
    fs::write(out, table).expect("writing programs.rs");
    // ANCHOR_END: embed
}
