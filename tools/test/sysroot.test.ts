// The kernel's sysroot: where set-up finds compiler_builtins' sources, and when it compiles
// core, compiler_builtins and alloc again. Fake library trees and a fake rustc stand in for the
// real ones, so each case is what some machine has (a Rust with its own copy, a vendored copy,
// Debian's packaged crate, none at all) whatever this machine has.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { installOrExplain, parts, SetupError } from '../src/setup';
import { crateEdition, ensureSysroot, findCompilerBuiltins, isSupportedRust, KERNEL_TARGET, SysrootError, type SysrootInputs } from '../src/sysroot';

let scratch: string;
beforeEach(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'bramble-sysroot-'));
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

/** A crate folder with a Cargo.toml (the given [package] lines) and src/lib.rs. */
function fakeCrate(dir: string, packageLines: string): string {
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  writeFileSync(path.join(dir, 'Cargo.toml'), `[package]\n${packageLines}\n\n[dependencies]\nedition = "not this one"\n`);
  writeFileSync(path.join(dir, 'src', 'lib.rs'), '#![no_std]\n');
  return dir;
}

function fakeBuiltins(dir: string, version: string, edition = '2021'): string {
  return fakeCrate(dir, `name = "compiler_builtins"\nversion = "${version}"\nedition = "${edition}"`);
}

/** A standard library tree with core and alloc, and whatever the case adds. */
function fakeLibrary(): string {
  const library = path.join(scratch, 'rust', 'library');
  fakeCrate(path.join(library, 'core'), 'name = "core"\nversion = "0.0.0"\nedition = "2021"');
  fakeCrate(path.join(library, 'alloc'), 'name = "alloc"\nversion = "0.0.0"\nedition = "2021"');
  return library;
}

describe("finding compiler_builtins' sources", () => {
  test("the Rust's own library tree comes first", () => {
    const library = fakeLibrary();
    const debian = path.join(scratch, 'registry');
    fakeBuiltins(path.join(library, 'compiler-builtins', 'compiler-builtins'), '0.1.160', '2024');
    fakeBuiltins(path.join(library, 'vendor', 'compiler_builtins-0.1.150'), '0.1.150');
    fakeBuiltins(path.join(debian, 'compiler_builtins-0.1.70'), '0.1.70', '2015');
    expect(findCompilerBuiltins(library, debian)).toEqual({
      dir: path.join(library, 'compiler-builtins', 'compiler-builtins'),
      version: '0.1.160',
      edition: '2024',
      origin: "the Rust's own library",
    });
  });

  test('then the newest vendored copy', () => {
    const library = fakeLibrary();
    const debian = path.join(scratch, 'registry');
    fakeBuiltins(path.join(library, 'vendor', 'compiler_builtins-0.1.99'), '0.1.99');
    fakeBuiltins(path.join(library, 'vendor', 'compiler_builtins-0.1.146'), '0.1.146');
    fakeCrate(path.join(library, 'vendor', 'cfg-if-1.0.0'), 'name = "cfg-if"\nversion = "1.0.0"');
    fakeBuiltins(path.join(debian, 'compiler_builtins-0.1.70'), '0.1.70', '2015');
    expect(findCompilerBuiltins(library, debian)).toMatchObject({ version: '0.1.146', origin: "vendored beside the Rust's library" });
  });

  test("then Debian's packaged crate (Debian's Rust 1.85 has neither of the others)", () => {
    const library = fakeLibrary();
    const debian = path.join(scratch, 'registry');
    mkdirSync(path.join(library, 'vendor'));
    fakeBuiltins(path.join(debian, 'compiler_builtins-0.1.70'), '0.1.70', '2015');
    expect(findCompilerBuiltins(library, debian)).toEqual({
      dir: path.join(debian, 'compiler_builtins-0.1.70'),
      version: '0.1.70',
      edition: '2015',
      origin: "Debian's librust-compiler-builtins-dev",
    });
  });

  test('a folder that only looks like it (no sources, another package) does not count', () => {
    const library = fakeLibrary();
    const debian = path.join(scratch, 'registry');
    mkdirSync(path.join(debian, 'compiler_builtins-0.1.99'), { recursive: true });
    fakeCrate(path.join(debian, 'compiler_builtins-0.1.98'), 'name = "something_else"\nversion = "0.1.98"');
    expect(findCompilerBuiltins(library, debian)).toBeUndefined();
  });

  test('none anywhere: set-up names the package that provides it, in one line', () => {
    const library = fakeLibrary();
    expect(findCompilerBuiltins(library, path.join(scratch, 'no-registry'))).toBeUndefined();
    const explain = (system: { debian: boolean; root: boolean }) => () => installOrExplain([parts.compilerBuiltins], system);
    expect(explain({ debian: true, root: false })).toThrow(SetupError);
    expect(explain({ debian: true, root: false })).toThrow(
      "Bramble needs compiler_builtins' sources (this Rust's library has none): run `sudo apt-get install -y librust-compiler-builtins-dev`.",
    );
    expect(explain({ debian: false, root: false })).toThrow(
      "Bramble needs compiler_builtins' sources (this Rust's library has none): run `rustup toolchain install nightly --component rust-src`, whose library has them.",
    );
  });
});

describe('editions and versions', () => {
  test("a crate's edition: its own, its workspace's, or cargo's default", () => {
    const library = path.join(scratch, 'library');
    mkdirSync(library);
    writeFileSync(path.join(library, 'Cargo.toml'), '[workspace]\nmembers = ["std"]\n\n[workspace.package]\nedition = "2024"\n');
    expect(crateEdition(fakeCrate(path.join(library, 'own'), 'name = "own"\nedition = "2021"'))).toBe('2021');
    expect(crateEdition(fakeCrate(path.join(library, 'inherits'), 'name = "inherits"\nedition.workspace = true'))).toBe('2024');
    expect(crateEdition(fakeCrate(path.join(library, 'none'), 'name = "none"'))).toBe('2015');
  });

  test('Rust 1.85 is the oldest that builds the kernels (edition 2024)', () => {
    const verbose = (release: string) => `rustc ${release} (abc 2025-01-01)\nbinary: rustc\nrelease: ${release}\n`;
    expect(isSupportedRust(verbose('1.84.1'))).toBe(false);
    expect(isSupportedRust(verbose('1.85.0'))).toBe(true);
    expect(isSupportedRust(verbose('1.96.0'))).toBe(true);
    expect(isSupportedRust(verbose('2.0.0'))).toBe(true);
    expect(isSupportedRust('not rustc at all')).toBe(false);
  });
});

describe('building the sysroot', () => {
  /**
   * A rustc that logs each call as one line (the crate, its edition, its --cfg values) and
   * writes the -o file; or fails for one crate.
   */
  function fakeRustc(failFor = ''): { rustc: string; calls: () => string[] } {
    const log = path.join(scratch, 'calls.log');
    const rustc = path.join(scratch, 'rustc');
    writeFileSync(
      rustc,
      `#!/bin/sh
name= edition= out= cfgs= sysroot=
while [ $# -gt 0 ]; do
  case "$1" in
    --crate-name) name=$2; shift ;;
    --edition) edition=$2; shift ;;
    --sysroot) sysroot=$2; shift ;;
    --cfg) cfgs="$cfgs $2"; shift ;;
    -o) out=$2; shift ;;
  esac
  shift
done
# Each crate is compiled against the ones before it, which must already be in the sysroot.
have=$(ls "$sysroot/lib/rustlib/${KERNEL_TARGET}/lib" | tr '\\n' ' ')
echo "$name $edition [$have]$cfgs" >> ${log}
[ "$name" = "${failFor}" ] && exit 1
echo rlib > "$out"
`,
    );
    chmodSync(rustc, 0o755);
    return { rustc, calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []) };
  }

  function inputs(rustc: string, version: string): SysrootInputs {
    const library = fakeLibrary();
    const builtins = fakeBuiltins(path.join(scratch, 'registry', 'compiler_builtins-0.1.70'), '0.1.70', '2015');
    return {
      rustc,
      rustcVersion: `rustc ${version}\nrelease: ${version}`,
      library,
      compilerBuiltins: { dir: builtins, version: '0.1.70', edition: '2015', origin: 'test' },
    };
  }

  test('compiles core, then compiler_builtins with its features, then alloc, each against the ones before', () => {
    const { rustc, calls } = fakeRustc();
    const root = path.join(scratch, 'sysroots');
    const sysroot = ensureSysroot(root, inputs(rustc, '1.85.0'));
    expect(calls()).toEqual([
      'core 2021 []',
      'compiler_builtins 2015 [libcore.rlib ] feature="compiler-builtins" feature="mem" feature="mem-unaligned" feature="unstable"',
      'alloc 2021 [libcompiler_builtins.rlib libcore.rlib ]',
    ]);
    expect(readdirSync(path.join(sysroot, 'lib', 'rustlib', KERNEL_TARGET, 'lib')).sort()).toEqual(['liballoc.rlib', 'libcompiler_builtins.rlib', 'libcore.rlib']);
  });

  test('is reused while the compiler stays the same, and rebuilt (the old one removed) when it changes', () => {
    const { rustc, calls } = fakeRustc();
    const root = path.join(scratch, 'sysroots');
    const first = ensureSysroot(root, inputs(rustc, '1.85.0'));
    expect(calls()).toHaveLength(3);
    expect(ensureSysroot(root, inputs(rustc, '1.85.0'))).toBe(first);
    expect(calls()).toHaveLength(3);
    const second = ensureSysroot(root, inputs(rustc, '1.96.0'));
    expect(second).not.toBe(first);
    expect(calls()).toHaveLength(6);
    expect(readdirSync(root)).toEqual([path.basename(second)]);
  });

  test('a compiler error is one line naming the crate, and leaves no half-built sysroot', () => {
    const { rustc } = fakeRustc('compiler_builtins');
    const root = path.join(scratch, 'sysroots');
    const build = () => ensureSysroot(root, inputs(rustc, '1.85.0'));
    expect(build).toThrow(SysrootError);
    expect(build).toThrow(/^building the kernel's sysroot: rustc failed to compile compiler_builtins from .*compiler_builtins-0\.1\.70 \(exit status 1\); its messages are above$/);
    expect(readdirSync(root)).toEqual([]);
  });
});
