//! Hands the linker script to the linker, but only when building the kernel itself: host
//! `cargo test` builds an ordinary program that must link the ordinary way. For the kernel
//! it also passes on where the initramfs is: the cpio archive the build tool made (from
//! rootfs/ and the built programs) and names in BRAMBLE_INITRAMFS; fs/initramfs.rs embeds
//! it with `include_bytes!`.

use std::env;
use std::path::PathBuf;

const KERNEL_TARGET: &str = "aarch64-unknown-none-softfloat";

fn main() {
    println!("cargo::rerun-if-changed=link.ld");
    println!("cargo::rerun-if-env-changed=BRAMBLE_INITRAMFS");
    let target = env::var("TARGET").expect("cargo sets TARGET for build scripts");
    if target != KERNEL_TARGET {
        return;
    }
    let manifest_dir = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let script = PathBuf::from(manifest_dir).join("link.ld");
    println!("cargo::rustc-link-arg-bins=-T{}", script.display());

    // ANCHOR: embed
    let archive = env::var("BRAMBLE_INITRAMFS").expect("the build tool names the initramfs in BRAMBLE_INITRAMFS (npm run build)");
    // A new archive (another program, an --add) rebuilds the kernel, whose image holds it.
    println!("cargo::rerun-if-changed={archive}");
    println!("cargo::rustc-env=BRAMBLE_INITRAMFS={archive}");
    // ANCHOR_END: embed
}
