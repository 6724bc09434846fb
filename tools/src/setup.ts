// Set-up: finds the programs that build and run Bramble's kernels, installs the missing ones
// where it can (apt-get, when running as root on Debian or Ubuntu), and records what it found
// in build/toolchain.json, so the build tool and the runners read that instead of searching
// again. `npm start`, `npm test` and `npm run build` run it first, through tools/bootstrap.mjs.
// When the record exists and every program it names is still there, set-up reads one file.
//
// Two ways to get a Rust that builds the kernel, and set-up takes whichever is present:
//  A. Debian's own Rust (packages rustc-web, rust-web-src): /usr/bin/rustc and /usr/bin/cargo,
//     with the standard library's sources. Where those lack `compiler_builtins` (Debian's
//     1.85), Debian's librust-compiler-builtins-dev provides it.
//  B. rustup's nightly toolchain with its rust-src component: the usual set-up with a network.
// Either way, set-up then compiles the kernel's `core`, `compiler_builtins` and `alloc` once per
// compiler into build/sysroot/ (see sysroot.ts), offline, and every kernel build uses them.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildDir, fromRoot } from './paths';
import { builtSysroot, ensureSysroot, findCompilerBuiltins, isSupportedRust, KERNEL_TARGET, OLDEST_RUST, type CrateSource } from './sysroot';

export { KERNEL_TARGET } from './sysroot';

/** What set-up found; build/toolchain.json holds one of these. */
export interface Toolchain {
  /** Which way the kernel's Rust came: 'A' Debian's packages, 'B' rustup nightly (see above). */
  route: 'A' | 'B';
  /** rustc and cargo that build the kernel. */
  rustc: string;
  cargo: string;
  /** `rustc -vV`: when it changes, set-up runs again and builds a new sysroot. */
  rustcVersion: string;
  /** The standard library's sources (library/, with core/ and alloc/). */
  library: string;
  /** The `compiler_builtins` compiled with them. */
  compilerBuiltins: CrateSource;
  /** `core`, `compiler_builtins` and `alloc` compiled for the kernel target (build/sysroot/<key>). */
  sysroot: string;
  /** cargo for host-side `cargo test` of the kernels' pure modules. */
  hostCargo: string;
  /** LLVM's linker and the tool that turns kernel.elf into kernel8.img. */
  ldLld: string;
  llvmObjcopy: string;
  /** LLVM's assembler, for the assembly kernels that compare the emulator with QEMU (tools/test/kernels). */
  llvmMc: string;
  /** QEMU's emulator for 64-bit ARM machines (we use its raspi3b). */
  qemu: string;
  /** QEMU's user-mode emulator: runs a static Linux AArch64 program on this Linux, the oracle chapter 04's programs are compared with. */
  qemuUser: string;
  /** GNU cpio: makes the initramfs, from chapter 05 on (`cpio -o -H newc`). */
  cpio: string;
  /** LLVM's symbolizer: a kernel's addresses to function, file and line (npm start's backtraces). */
  llvmSymbolizer: string;
  /** A GDB that debugs AArch64 (`npm start -- --gdb`, and its tests). */
  gdb: string;
  /** e2fsprogs: makes the SD card's ext2 root from a folder, checks it, reads it back (sd-image.ts, ext2's tests). */
  mke2fs: string;
  e2fsck: string;
  debugfs: string;
  /** dosfstools and mtools: the SD card's FAT boot partition, made and filled without mounting it. */
  mkfsFat: string;
  mcopy: string;
  mdir: string;
}

/** A problem the user must fix; its message is one line saying how. */
export class SetupError extends Error {}

/** Where set-up records what it found. */
export const toolchainRecord = path.join(buildDir, 'toolchain.json');
/** Where the kernel's sysroots are built, one folder per compiler. */
export const sysrootRoot = path.join(buildDir, 'sysroot');

/** What set-up may do about a missing program on this system. */
export interface System {
  debian: boolean;
  root: boolean;
}
const thisSystem: System = { debian: existsSync('/etc/debian_version'), root: process.getuid?.() === 0 };

/** The recorded toolchain, finding (and perhaps installing) it first when there is no usable record. */
export function loadToolchain(): Toolchain {
  return readRecord() ?? setUp();
}

/** Finds every program afresh, installs what is missing when it can, and records the result. */
export function setUp(): Toolchain {
  // Installing one part can show that another is missing (a Rust whose library has no
  // compiler_builtins), so look again after each install, until nothing new is missing.
  const installed = new Set<Part>();
  let found = probe();
  for (let missing = missingParts(found); missing.length > 0; missing = missingParts(found)) {
    const stillMissing = missing.filter((part) => installed.has(part));
    if (stillMissing.length > 0) {
      throw new SetupError(needs(stillMissing, `\`apt-get install -y ${debianPackages(stillMissing).join(' ')}\` ran, yet set-up still cannot find it`));
    }
    installOrExplain(missing);
    for (const part of missing) installed.add(part);
    found = probe();
  }
  const programs = found as Omit<Toolchain, 'sysroot'>;
  const sysroot = ensureSysroot(sysrootRoot, programs, (line) => console.error(`setup: ${line}`));
  const toolchain: Toolchain = { ...programs, sysroot };
  if (writeRecord(toolchain)) {
    console.error(
      `setup: kernel Rust ${rustRelease(toolchain.rustcVersion)} by route ${toolchain.route} (${toolchain.rustc}; compiler_builtins ${toolchain.compilerBuiltins.version} from ${toolchain.compilerBuiltins.origin}), ` +
        `${path.basename(toolchain.ldLld)}, ${path.basename(toolchain.llvmObjcopy)}, ${path.basename(toolchain.qemu)}: recorded in ${fromRoot(toolchainRecord)}`,
    );
  }
  return toolchain;
}

/** "1.96.0" from `rustc -vV`. */
function rustRelease(verbose: string): string {
  return /^release:\s*(\S+)/m.exec(verbose)?.[1] ?? 'of unknown version';
}

// ---- Finding programs ----

/** The executable called `name` in the first PATH folder that has one. */
function onPath(name: string): string | undefined {
  for (const dir of searchPath()) {
    const file = path.join(dir, name);
    if (isExecutable(file)) return file;
  }
  return undefined;
}

/**
 * `name` on PATH, or else the highest-numbered `name-N`: Debian installs LLVM's tools with
 * their version in the name (ld.lld-16, llvm-objcopy-16) and the plain name only for its
 * default version.
 */
function onPathMaybeVersioned(name: string): string | undefined {
  const plain = onPath(name);
  if (plain) return plain;
  const versioned = new RegExp(`^${name.replace(/[.]/g, '\\.')}-(\\d+)$`);
  let best: { file: string; version: number } | undefined;
  for (const dir of searchPath()) {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      continue;
    }
    for (const entry of entries) {
      const version = Number(versioned.exec(entry)?.[1]);
      const file = path.join(dir, entry);
      if (version > (best?.version ?? -1) && isExecutable(file)) best = { file, version };
    }
  }
  return best?.file;
}

function searchPath(): string[] {
  return (process.env.PATH ?? '').split(path.delimiter).filter((dir) => dir !== '');
}

/** `name` on PATH, or in the system folders an ordinary user's PATH often lacks (e2fsprogs and dosfstools install there). */
function onPathOrSbin(name: string): string | undefined {
  return onPath(name) ?? ['/usr/sbin', '/sbin'].map((dir) => path.join(dir, name)).find(isExecutable);
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** A program's standard output, or undefined if it could not run or failed. */
function outputOf(program: string, args: string[]): string | undefined {
  const result = spawnSync(program, args, { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

// ---- The kernel's Rust ----

type KernelRust = Pick<Toolchain, 'route' | 'rustc' | 'cargo' | 'rustcVersion' | 'library'> & { compilerBuiltins: CrateSource | undefined };

/**
 * Route A if Debian's Rust is installed with its sources, else route B if rustup's nightly has
 * rust-src. A Rust older than the kernels' edition allows is passed over, as if absent.
 */
function findKernelRust(): KernelRust | undefined {
  const candidates: { route: Toolchain['route']; rustc: string | undefined; cargo: string | undefined }[] = [
    { route: 'A', rustc: '/usr/bin/rustc', cargo: '/usr/bin/cargo' },
    { route: 'B', rustc: rustupNightly('rustc'), cargo: rustupNightly('cargo') },
  ];
  for (const { route, rustc, cargo } of candidates) {
    if (!rustc || !cargo || !isExecutable(rustc) || !isExecutable(cargo)) continue;
    const rustcVersion = outputOf(rustc, ['-vV']);
    if (!rustcVersion || !isSupportedRust(rustcVersion)) continue;
    const library = standardLibrarySources(rustc);
    if (!library) continue;
    return { route, rustc, cargo, rustcVersion, library, compilerBuiltins: findCompilerBuiltins(library) };
  }
  return undefined;
}

/** The path of a program in rustup's nightly toolchain, if rustup and that toolchain exist. */
function rustupNightly(program: 'rustc' | 'cargo'): string | undefined {
  const rustup = onPath('rustup');
  return rustup ? outputOf(rustup, ['which', '--toolchain', 'nightly', program]) : undefined;
}

/** The standard library's sources, where `rustc` keeps them. */
function standardLibrarySources(rustc: string): string | undefined {
  const sysroot = outputOf(rustc, ['--print', 'sysroot']);
  if (!sysroot) return undefined;
  const library = path.join(sysroot, 'lib', 'rustlib', 'src', 'rust', 'library');
  return existsSync(path.join(library, 'core', 'Cargo.toml')) ? library : undefined;
}

/** cargo for host tests: the one on PATH (rustup's stable is fine), else Debian's, which builds for the host too. */
function findHostCargo(kernel: KernelRust | undefined): string | undefined {
  const cargo = onPath('cargo');
  if (cargo && outputOf(cargo, ['--version'])) return cargo;
  return kernel?.route === 'A' ? kernel.cargo : undefined;
}

function probe(): Partial<Toolchain> {
  const kernel = findKernelRust();
  return {
    ...kernel,
    hostCargo: findHostCargo(kernel),
    ldLld: onPathMaybeVersioned('ld.lld'),
    llvmObjcopy: onPathMaybeVersioned('llvm-objcopy'),
    llvmMc: onPathMaybeVersioned('llvm-mc'),
    qemu: onPath('qemu-system-aarch64'),
    qemuUser: onPath('qemu-aarch64'),
    cpio: onPath('cpio'),
    llvmSymbolizer: onPathMaybeVersioned('llvm-symbolizer'),
    gdb: onPath('gdb-multiarch'),
    mke2fs: onPathOrSbin('mke2fs'),
    e2fsck: onPathOrSbin('e2fsck'),
    debugfs: onPathOrSbin('debugfs'),
    mkfsFat: onPathOrSbin('mkfs.fat'),
    mcopy: onPath('mcopy'),
    mdir: onPath('mdir'),
  };
}

// ---- What is missing, and how to get it ----

export interface Part {
  what: string;
  /** Debian packages that provide it. */
  debian: string[];
  /** How to get it elsewhere. */
  elsewhere: string;
}

export const parts = {
  kernelRust: {
    what: `a Rust ${OLDEST_RUST.join('.')} or later with its standard library's sources, to build for ${KERNEL_TARGET}`,
    debian: ['rustc-web', 'rust-web-src'],
    elsewhere: 'run `rustup toolchain install nightly --component rust-src`',
  },
  compilerBuiltins: {
    what: "compiler_builtins' sources (this Rust's library has none)",
    debian: ['librust-compiler-builtins-dev'],
    elsewhere: 'run `rustup toolchain install nightly --component rust-src`, whose library has them',
  },
  hostCargo: { what: 'cargo', debian: ['rustc-web'], elsewhere: 'install Rust with rustup (https://rustup.rs)' },
  ldLld: { what: 'ld.lld', debian: ['lld'], elsewhere: "install LLVM's lld" },
  llvmObjcopy: { what: 'llvm-objcopy', debian: ['llvm'], elsewhere: 'install LLVM' },
  llvmMc: { what: 'llvm-mc', debian: ['llvm'], elsewhere: 'install LLVM' },
  qemu: { what: 'QEMU (qemu-system-aarch64)', debian: ['qemu-system-arm'], elsewhere: 'install QEMU' },
  qemuUser: { what: "QEMU's user-mode emulator (qemu-aarch64)", debian: ['qemu-user'], elsewhere: "install QEMU's user-mode emulators" },
  cpio: { what: 'GNU cpio', debian: ['cpio'], elsewhere: 'install GNU cpio' },
  llvmSymbolizer: { what: 'llvm-symbolizer', debian: ['llvm'], elsewhere: 'install LLVM' },
  gdb: { what: 'gdb-multiarch', debian: ['gdb-multiarch'], elsewhere: 'install a GDB built for all targets, as gdb-multiarch' },
  e2fsprogs: { what: 'e2fsprogs (mke2fs, e2fsck, debugfs)', debian: ['e2fsprogs'], elsewhere: 'install e2fsprogs' },
  dosfstools: { what: 'dosfstools (mkfs.fat)', debian: ['dosfstools'], elsewhere: 'install dosfstools' },
  mtools: { what: 'mtools (mcopy, mdir)', debian: ['mtools'], elsewhere: 'install mtools' },
} satisfies Record<string, Part>;

function missingParts(found: Partial<Toolchain>): Part[] {
  const missing: Part[] = [];
  if (!found.rustc) missing.push(parts.kernelRust);
  else if (!found.compilerBuiltins) missing.push(parts.compilerBuiltins);
  if (!found.hostCargo) missing.push(parts.hostCargo);
  if (!found.ldLld) missing.push(parts.ldLld);
  if (!found.llvmObjcopy) missing.push(parts.llvmObjcopy);
  if (!found.llvmMc) missing.push(parts.llvmMc);
  if (!found.qemu) missing.push(parts.qemu);
  if (!found.qemuUser) missing.push(parts.qemuUser);
  if (!found.cpio) missing.push(parts.cpio);
  if (!found.llvmSymbolizer) missing.push(parts.llvmSymbolizer);
  if (!found.gdb) missing.push(parts.gdb);
  if (!found.mke2fs || !found.e2fsck || !found.debugfs) missing.push(parts.e2fsprogs);
  if (!found.mkfsFat) missing.push(parts.dosfstools);
  if (!found.mcopy || !found.mdir) missing.push(parts.mtools);
  return missing;
}

function debianPackages(missing: Part[]): string[] {
  return [...new Set(missing.flatMap((part) => part.debian))];
}

/** Installs `missing` with apt-get if this is Debian and we are root; otherwise throws the one command to run. */
export function installOrExplain(missing: Part[], system: System = thisSystem): void {
  const packages = debianPackages(missing);
  if (!system.debian) throw new SetupError(needs(missing, missing.map((part) => part.elsewhere).join('; ')));
  if (!system.root) throw new SetupError(needs(missing, `run \`sudo apt-get install -y ${packages.join(' ')}\``));
  console.error(`setup: installing ${packages.join(' ')} with apt-get (once)`);
  if (!aptInstall(packages)) {
    throw new SetupError(needs(missing, `\`apt-get install -y ${packages.join(' ')}\` failed (its output is above); fix that and run it again`));
  }
}

function needs(missing: Part[], how: string): string {
  return `Bramble needs ${missing.map((part) => part.what).join(', ')}: ${how}.`;
}

/** apt-get install, refreshing the package lists first only when there are none or the install fails. */
function aptInstall(packages: string[]): boolean {
  if (!havePackageLists() && !quietly('apt-get', ['update'])) return false;
  return quietly('apt-get', ['install', '-y', ...packages]) || (quietly('apt-get', ['update']) && quietly('apt-get', ['install', '-y', ...packages]));
}

function havePackageLists(): boolean {
  try {
    return readdirSync('/var/lib/apt/lists').some((file) => file.includes('_Packages'));
  } catch {
    return false;
  }
}

/** Runs a command, showing its output only if it fails. */
function quietly(program: string, args: string[]): boolean {
  const result = spawnSync(program, args, { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (result.status === 0) return true;
  process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? `${result.error.message}\n` : ''}`);
  return false;
}

// ---- The browser for the website's tests ----
//
// The website's tests read the built site in headless Chromium (through playwright-core,
// which cannot download a browser of its own here). Only `npm test` needs it, so only
// `setup.ts --browser` (run by `npm test`'s bootstrap) looks for it, and installs Debian's
// package when it is missing.

/** Chromium's program: the one on PATH, installing Debian's package first when there is none. */
export function ensureChromium(): string {
  const found = () => onPath('chromium') ?? onPath('chromium-browser');
  const existing = found();
  if (existing) return existing;
  const what = 'Bramble needs Chromium for the website tests';
  if (!thisSystem.debian) throw new SetupError(`${what}: install it so that \`chromium\` is on PATH.`);
  if (!thisSystem.root) throw new SetupError(`${what}: run \`sudo apt-get install -y chromium\`.`);
  console.error('setup: installing chromium with apt-get (once), for the website tests');
  const installed = aptInstall(['chromium']) ? found() : undefined;
  if (!installed) throw new SetupError(`${what}: \`apt-get install -y chromium\` did not provide it (its output is above); fix that and run it again.`);
  return installed;
}

// ---- The record, build/toolchain.json ----

const programFields = ['rustc', 'cargo', 'hostCargo', 'ldLld', 'llvmObjcopy', 'llvmMc', 'qemu', 'qemuUser', 'cpio', 'llvmSymbolizer', 'gdb', 'mke2fs', 'e2fsck', 'debugfs', 'mkfsFat', 'mcopy', 'mdir'] as const;

/**
 * The recorded toolchain if the record is well formed, every program it names is still there,
 * the kernel's rustc is still the same compiler, and its sysroot is still built.
 */
function readRecord(): Toolchain | undefined {
  let record: unknown;
  try {
    record = JSON.parse(readFileSync(toolchainRecord, 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof record !== 'object' || record === null) return undefined;
  const fields = record as Record<string, unknown>;
  if (fields.route !== 'A' && fields.route !== 'B') return undefined;
  for (const field of programFields) {
    const value = fields[field];
    if (typeof value !== 'string' || !isExecutable(value)) return undefined;
  }
  const builtins = fields.compilerBuiltins as Partial<CrateSource> | undefined;
  if (typeof builtins?.dir !== 'string' || !existsSync(builtins.dir)) return undefined;
  if (typeof fields.library !== 'string' || !existsSync(fields.library)) return undefined;
  if (fields.rustcVersion !== outputOf(fields.rustc as string, ['-vV'])) return undefined;
  // The sysroot for these inputs and today's recipe (sysroot.ts), built to the end.
  const toolchain = record as Toolchain;
  if (toolchain.sysroot !== builtSysroot(sysrootRoot, toolchain)) return undefined;
  return toolchain;
}

/** Writes the record (write-then-rename, so a reader never sees half of it); false if it already said the same. */
function writeRecord(toolchain: Toolchain): boolean {
  const text = `${JSON.stringify(toolchain, null, 2)}\n`;
  if (existsSync(toolchainRecord) && readFileSync(toolchainRecord, 'utf8') === text) return false;
  mkdirSync(buildDir, { recursive: true });
  const temporary = `${toolchainRecord}.${process.pid}`;
  writeFileSync(temporary, text);
  renameSync(temporary, toolchainRecord);
  return true;
}

// `tsx tools/src/setup.ts [--browser]`: set up, or say in one line what the user must do.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    loadToolchain();
    if (process.argv.includes('--browser')) ensureChromium();
  } catch (error) {
    if (!(error instanceof SetupError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
