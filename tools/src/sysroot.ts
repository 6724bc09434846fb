// The kernel's sysroot: `core`, `compiler_builtins` and `alloc` compiled for the Pi, which no
// Rust installation ships prebuilt for aarch64-unknown-none-softfloat.
//
// Cargo's `-Zbuild-std` could compile them, but it resolves the whole standard-library
// workspace, `std`'s dependencies included, and so needs either a network or copies of those
// crates vendored beside the sources, which some Rusts have (Debian's 1.96) and some do not
// (Debian's 1.85). The kernel needs only three crates, none of which depends on anything but
// the others, so set-up compiles them with `rustc` itself, once per compiler, into
// build/sysroot/<key>/lib/rustlib/<target>/lib. Every build for the kernel target then passes
// `--sysroot` to rustc and uses them, the same way on every supported Rust.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The Rust target the kernels are built for: 64-bit ARM, no OS, no floating-point registers. */
export const KERNEL_TARGET = 'aarch64-unknown-none-softfloat';

/** Where Debian's librust-*-dev packages put crate sources. */
export const DEBIAN_CRATES = '/usr/share/cargo/registry';

/** A crate's sources, and where they were found. */
export interface CrateSource {
  /** The folder with its Cargo.toml and src/lib.rs. */
  dir: string;
  version: string;
  /** Cargo.toml's edition, which rustc must be told. */
  edition: string;
  /** Where they came from, for set-up's messages. */
  origin: string;
}

/**
 * `compiler_builtins`' sources for the standard library in `library`: the Rust's own copy
 * (in its library tree since 1.88 or so), else one vendored beside it, else Debian's packaged
 * crate (which Debian's 1.85 needs: its library has neither).
 */
export function findCompilerBuiltins(library: string, debianCrates = DEBIAN_CRATES): CrateSource | undefined {
  for (const dir of [path.join(library, 'compiler-builtins', 'compiler-builtins'), path.join(library, 'compiler-builtins')]) {
    const source = crateSource(dir, 'the Rust\'s own library');
    if (source) return source;
  }
  return newestCopy(path.join(library, 'vendor'), 'vendored beside the Rust\'s library') ?? newestCopy(debianCrates, 'Debian\'s librust-compiler-builtins-dev');
}

/** The highest version of `compiler_builtins-X.Y.Z` in `folder`. */
function newestCopy(folder: string, origin: string): CrateSource | undefined {
  let entries: string[];
  try {
    entries = readdirSync(folder);
  } catch {
    return undefined;
  }
  const copies = entries
    .map((entry) => ({ entry, version: /^compiler_builtins-(\d+)\.(\d+)\.(\d+)$/.exec(entry)?.slice(1).map(Number) }))
    .filter((copy): copy is { entry: string; version: number[] } => copy.version !== undefined)
    .sort((a, b) => compareVersions(b.version, a.version));
  for (const copy of copies) {
    const source = crateSource(path.join(folder, copy.entry), origin);
    if (source) return source;
  }
  return undefined;
}

function crateSource(dir: string, origin: string): CrateSource | undefined {
  const manifest = path.join(dir, 'Cargo.toml');
  if (!existsSync(manifest) || !existsSync(path.join(dir, 'src', 'lib.rs'))) return undefined;
  const text = readFileSync(manifest, 'utf8');
  if (packageField(text, 'name') !== 'compiler_builtins') return undefined;
  return { dir, version: packageField(text, 'version') ?? 'unknown', edition: crateEdition(dir), origin };
}

/**
 * The edition in a crate's Cargo.toml: its own `edition = "…"`, or its workspace's when it
 * says `edition.workspace = true`, or 2015, cargo's default when there is none.
 */
export function crateEdition(dir: string): string {
  const text = readFileSync(path.join(dir, 'Cargo.toml'), 'utf8');
  const own = packageField(text, 'edition');
  if (own) return own;
  if (/^\s*edition\s*(\.\s*workspace|=\s*\{\s*workspace)\s*=?\s*true/m.test(text)) {
    for (let folder = path.dirname(dir); folder !== path.dirname(folder); folder = path.dirname(folder)) {
      const manifest = path.join(folder, 'Cargo.toml');
      if (!existsSync(manifest)) continue;
      const workspace = readFileSync(manifest, 'utf8');
      const edition = tableField(workspace, 'workspace.package', 'edition');
      if (edition) return edition;
    }
  }
  return '2015';
}

/** A string field of Cargo.toml's [package] table. */
function packageField(toml: string, field: string): string | undefined {
  return tableField(toml, 'package', field);
}

/** A string field `field = "…"` of the TOML table `[table]` (enough TOML for Cargo.toml's plain fields). */
function tableField(toml: string, table: string, field: string): string | undefined {
  let inTable = false;
  for (const line of toml.split('\n')) {
    const header = /^\s*\[([^\]]+)\]\s*(#.*)?$/.exec(line);
    if (header) {
      inTable = header[1]!.trim() === table;
      continue;
    }
    if (!inTable) continue;
    const value = new RegExp(`^\\s*${field}\\s*=\\s*"([^"]*)"`).exec(line);
    if (value) return value[1];
  }
  return undefined;
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** The `release:` line of `rustc -vV`, as numbers. */
export function rustcRelease(verbose: string): number[] | undefined {
  return /^release:\s*(\d+)\.(\d+)\.(\d+)/m.exec(verbose)?.slice(1).map(Number);
}

/** The oldest Rust that builds the kernels: their crates are edition 2024. */
export const OLDEST_RUST = [1, 85, 0];

export function isSupportedRust(verbose: string): boolean {
  const release = rustcRelease(verbose);
  return release !== undefined && compareVersions(release, OLDEST_RUST) >= 0;
}

// ---- Building it ----

export interface SysrootInputs {
  /** The rustc that compiles the crates (and later the kernels against them). */
  rustc: string;
  /** `rustc -vV`: a different compiler gets a sysroot of its own. */
  rustcVersion: string;
  /** The standard library's sources (the folder with core/ and alloc/). */
  library: string;
  compilerBuiltins: CrateSource;
}

/**
 * Bumped whenever the flags below change, so that a sysroot built with the old ones is not
 * taken for one built with the new.
 */
const RECIPE = 2;

/** The folder name for one set of inputs: a hash of everything that changes what gets built. */
export function sysrootKey(inputs: SysrootInputs): string {
  const hash = createHash('sha256');
  for (const part of [String(RECIPE), inputs.rustcVersion, inputs.library, inputs.compilerBuiltins.dir, inputs.compilerBuiltins.version]) {
    hash.update(part).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/** The file that marks a sysroot as complete. */
const COMPLETE = 'complete';

/** Whether `sysroot` was built to the end. */
function isCompleteSysroot(sysroot: string): boolean {
  return existsSync(path.join(sysroot, COMPLETE));
}

/** The sysroot for `inputs` under `root`, if it has been built. */
export function builtSysroot(root: string, inputs: SysrootInputs): string | undefined {
  const sysroot = path.join(root, sysrootKey(inputs));
  return isCompleteSysroot(sysroot) ? sysroot : undefined;
}

/** The three crates, in the order they depend on one another, with the flags each needs beyond the common ones. */
function sysrootCrates(inputs: SysrootInputs): { name: string; dir: string; edition: string; flags: string[] }[] {
  const crate = (name: string) => {
    const dir = path.join(inputs.library, name);
    return { name, dir, edition: crateEdition(dir) };
  };
  const builtins = inputs.compilerBuiltins;
  return [
    { ...crate('core'), flags: [] },
    {
      name: 'compiler_builtins',
      dir: builtins.dir,
      edition: builtins.edition,
      // What its build script would tell cargo for a `-none` AArch64 target: this is the
      // standard library's copy (`compiler-builtins`), it provides memcpy, memset and friends,
      // which a kernel has no C library for (`mem`), and unaligned accesses are allowed
      // (`mem-unaligned`); `unstable` turns on the older copies' nightly-only parts.
      flags: ['compiler-builtins', 'mem', 'mem-unaligned', 'unstable'].flatMap((feature) => ['--cfg', `feature="${feature}"`]),
    },
    { ...crate('alloc'), flags: [] },
  ];
}

/** Flags for all three: how cargo would compile them for the kernels' release profile. */
function commonFlags(sysroot: string): string[] {
  return [
    '--crate-type', 'rlib',
    '--target', KERNEL_TARGET,
    // Each crate finds the ones before it here.
    '--sysroot', sysroot,
    '-C', 'opt-level=2',
    '-C', 'panic=abort',
    '-C', 'target-cpu=cortex-a53',
    // File and line of every instruction, for backtraces and debuggers, without full debug info.
    '-C', 'debuginfo=line-tables-only',
    // The kernels keep frame pointers for their backtraces, which pass through `core` too
    // (a panic goes through core::panicking): every frame must keep its record.
    '-C', 'force-frame-pointers=yes',
    '-C', 'embed-bitcode=no',
    // As for any standard library: whatever is not marked stable is unstable, so a kernel
    // cannot use the library's internals by accident.
    '-Z', 'force-unstable-if-unmarked',
    // Their warnings are the library's business, not ours.
    '--cap-lints', 'allow',
  ];
}

/** A failure to build the sysroot; its message is one line (the compiler's output is printed above it). */
export class SysrootError extends Error {}

/**
 * The sysroot for `inputs`, compiling it first when this compiler has none yet. Built in a
 * scratch folder and renamed into place, so a concurrent build or an interrupted one never
 * leaves a half sysroot; sysroots of other compilers are removed.
 */
export function ensureSysroot(root: string, inputs: SysrootInputs, say: (line: string) => void = () => {}): string {
  const existing = builtSysroot(root, inputs);
  if (existing) return existing;
  const key = sysrootKey(inputs);
  const sysroot = path.join(root, key);
  const scratch = path.join(root, `.building-${key}-${process.pid}`);
  rmSync(scratch, { recursive: true, force: true });
  const libraries = path.join(scratch, 'lib', 'rustlib', KERNEL_TARGET, 'lib');
  mkdirSync(libraries, { recursive: true });
  say(`building core, compiler_builtins (${inputs.compilerBuiltins.version}, ${inputs.compilerBuiltins.origin}) and alloc for the kernel target (once for this compiler, about half a minute)`);
  const started = Date.now();
  try {
    for (const crate of sysrootCrates(inputs)) {
      const args = ['--crate-name', crate.name, '--edition', crate.edition, ...commonFlags(scratch), ...crate.flags, path.join(crate.dir, 'src', 'lib.rs'), '-o', path.join(libraries, `lib${crate.name}.rlib`)];
      const result = spawnSync(inputs.rustc, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, RUSTC_BOOTSTRAP: '1' } });
      if (result.status !== 0) {
        const why = result.error ? result.error.message : `exit status ${result.status}`;
        throw new SysrootError(`building the kernel's sysroot: rustc failed to compile ${crate.name} from ${crate.dir} (${why}); its messages are above`);
      }
    }
    writeFileSync(path.join(scratch, COMPLETE), `${inputs.rustcVersion}\n`);
    try {
      renameSync(scratch, sysroot);
    } catch (error) {
      // Another process finished the same sysroot first: use theirs.
      if (!builtSysroot(root, inputs)) throw error;
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  removeOtherSysroots(root, key);
  say(`built the kernel's sysroot in ${Math.round((Date.now() - started) / 1000)} s`);
  return sysroot;
}

/** Sysroots of compilers that are no longer the one in use. */
function removeOtherSysroots(root: string, keep: string): void {
  for (const entry of readdirSync(root)) {
    if (entry !== keep && !entry.startsWith('.')) rmSync(path.join(root, entry), { recursive: true, force: true });
  }
}
