//! The stack a new program starts with (pure), laid out as Linux lays it out for AArch64
//! (the System V ABI's "Process Initialization", and Linux's `create_elf_tables`), so that
//! programs built for Linux find their arguments where they expect them. From SP up:
//!
//! ```text
//! argc
//! argv[0] .. argv[argc-1], NULL           pointers to the strings below
//! envp[0] .. envp[n-1], NULL
//! (AT_PHDR, ..) .. (AT_RANDOM, ..), (AT_NULL, 0)
//! padding to 16 bytes
//! 16 random bytes (AT_RANDOM points here), the argument and environment strings
//! ```                                                                     <- top of the stack

use alloc::vec::Vec;

pub const AT_NULL: u64 = 0;
pub const AT_PHDR: u64 = 3;
pub const AT_PHENT: u64 = 4;
pub const AT_PHNUM: u64 = 5;
pub const AT_PAGESZ: u64 = 6;
pub const AT_ENTRY: u64 = 9;
pub const AT_UID: u64 = 11;
pub const AT_RANDOM: u64 = 25;

// ANCHOR: build
/// The bytes of the initial stack, which go at `[sp, top)`, and `sp` (16-byte aligned, as
/// the AArch64 ABI requires at a call). `auxv` must not hold AT_RANDOM or AT_NULL: they are
/// added here.
pub fn build(top: u64, args: &[&[u8]], env: &[&[u8]], auxv: &[(u64, u64)], random: [u8; 16]) -> (u64, Vec<u8>) {
    // The strings, each with its NUL, placed down from the top; random bytes below them.
    let strings: usize = args.iter().chain(env).map(|s| s.len() + 1).sum();
    let strings_start = top - strings as u64;
    let random_at = (strings_start - 16) & !15;
    // The words: argc, argv + NULL, envp + NULL, auxv pairs (with AT_RANDOM and AT_NULL).
    let words = 1 + args.len() + 1 + env.len() + 1 + 2 * (auxv.len() + 2);
    let sp = (random_at - 8 * words as u64) & !15;

    let mut image = Vec::with_capacity((top - sp) as usize);
    image.resize((top - sp) as usize, 0);
    let mut put_word = |index: usize, value: u64| {
        image[index * 8..index * 8 + 8].copy_from_slice(&value.to_le_bytes());
    };
    let mut word = 0;
    put_word(word, args.len() as u64);
    word += 1;
    let mut string_at = strings_start;
    for list in [args, env] {
        for string in list {
            put_word(word, string_at);
            word += 1;
            string_at += string.len() as u64 + 1;
        }
        put_word(word, 0);
        word += 1;
    }
    for &(kind, value) in auxv.iter().chain(&[(AT_RANDOM, random_at), (AT_NULL, 0)]) {
        put_word(word, kind);
        put_word(word + 1, value);
        word += 2;
    }
    let offset = |address: u64| (address - sp) as usize;
    image[offset(random_at)..offset(random_at) + 16].copy_from_slice(&random);
    let mut at = offset(strings_start);
    for string in args.iter().chain(env) {
        image[at..at + string.len()].copy_from_slice(string);
        at += string.len() + 1;
    }
    (sp, image)
}
// ANCHOR_END: build

#[cfg(test)]
mod tests {
    use super::*;

    fn word(image: &[u8], index: usize) -> u64 {
        u64::from_le_bytes(image[index * 8..index * 8 + 8].try_into().unwrap())
    }

    fn string_at(image: &[u8], sp: u64, address: u64) -> &[u8] {
        let start = (address - sp) as usize;
        let len = image[start..].iter().position(|&b| b == 0).unwrap();
        &image[start..start + len]
    }

    #[test]
    fn lays_out_arguments_environment_and_auxiliary_vector_as_linux_does() {
        let top = 0x8000_0000_0000;
        let (sp, image) = build(top, &[b"hello", b"a"], &[b"HOME=/"], &[(AT_PAGESZ, 4096)], [7; 16]);
        assert_eq!(sp % 16, 0);
        assert_eq!(sp + image.len() as u64, top);
        assert_eq!(word(&image, 0), 2, "argc");
        assert_eq!(string_at(&image, sp, word(&image, 1)), b"hello");
        assert_eq!(string_at(&image, sp, word(&image, 2)), b"a");
        assert_eq!(word(&image, 3), 0);
        assert_eq!(string_at(&image, sp, word(&image, 4)), b"HOME=/");
        assert_eq!(word(&image, 5), 0);
        assert_eq!((word(&image, 6), word(&image, 7)), (AT_PAGESZ, 4096));
        assert_eq!(word(&image, 8), AT_RANDOM);
        let random = (word(&image, 9) - sp) as usize;
        assert_eq!(&image[random..random + 16], &[7; 16]);
        assert_eq!((word(&image, 10), word(&image, 11)), (AT_NULL, 0));
    }
}
