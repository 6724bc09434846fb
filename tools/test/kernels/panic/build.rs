//! Hands the linker script to the linker.

fn main() {
    println!("cargo::rerun-if-changed=link.ld");
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    println!("cargo::rustc-link-arg-bins=-T{dir}/link.ld");
}
