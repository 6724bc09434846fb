// The build tool: a chapter's kernel crate becomes build/<chapter>/kernel.elf (for
// disassemblers and debuggers) and build/<chapter>/kernel8.img (the raw image a Pi, QEMU and
// our emulator boot). A chapter with user programs (a user/ crate, from chapter 04 on) has
// them built first, for the same target with the same sysroot, into build/<chapter>/programs/,
// and its kernel embeds them (its build.rs reads that folder, named by BRAMBLE_PROGRAMS).
// From chapter 05 on (a chapter with a rootfs/ folder) the programs go into an initramfs
// instead: the folder build/<chapter>/rootfs/ (rootfs/ plus the programs in /bin) archived
// by GNU cpio into build/<chapter>/initramfs.cpio, which the kernel embeds (BRAMBLE_INITRAMFS;
// see initramfs.ts). `buildWithFiles` builds a kernel whose initramfs has more files in it
// (`npm start -- 05 --add FILE`), in folders of its own, leaving the chapter's build as it is.
//
//   npm run build              every chapter
//   npm run build -- 01 final  the chapters named
//
// A chapter whose outputs are newer than all of its files (and than the toolchain record) is
// not built again. Cargo compiles only the kernel crate: `core`, `compiler_builtins` and
// `alloc` come precompiled from the sysroot that set-up built (tools/src/sysroot.ts). Builds may run at the same time (the tests do): cargo locks its target
// folder, and each build assembles its outputs in a scratch folder of its own, then renames
// them into place, so a reader never sees a half-written kernel.
import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createHash } from 'node:crypto';
import { brokenCopies } from './broken-elf';
import { listChapters, resolveChapter, type Chapter } from './chapters';
import { addFiles, makeArchive, stageRootfs, type ExtraFile } from './initramfs';
import { ensureChapterSdImage, hasDisk } from './sd-image';
import { buildDir, fromRoot } from './paths';
import { KERNEL_TARGET, loadToolchain, toolchainRecord, type Toolchain } from './setup';
import { touchedPrograms, type ManifestChange } from './touched-programs';

/** This module and the one that makes the initramfs: a change to either makes the images they made stale. */
const buildTool = fileURLToPath(import.meta.url);
const initramfsTool = fileURLToPath(new URL('./initramfs.ts', import.meta.url));

export interface BuildOptions {
  /** No progress lines, and cargo reports only warnings and errors. */
  quiet?: boolean;
  /** Cargo features to build with (the benchmark guest has variants; chapters have none). */
  features?: readonly string[];
  /** Run cargo even when the outputs look up to date (cargo then decides what to compile). */
  force?: boolean;
  /**
   * This crate is a copy of `chapter` that differs from it only in the files `changed` (paths
   * relative to the chapter's folder): compile only the user programs those files can change
   * (touched-programs.ts) and take every other one from the chapter's own build. The exercise
   * tests build their patched scratch copies so: a patch to wc need not recompile 45 programs.
   */
  reuseProgramsOf?: { chapter: Chapter; changed: readonly string[] };
  /**
   * Keep rustc's incremental state in the target folder, so that building the same crate again
   * after a small change compiles only what the change reaches: seconds instead of the half
   * minute a kernel with an initramfs takes. For builds repeated with small differences (the
   * exercise tests' patched copies); a chapter's own build is made once, without it, as the
   * book shows it (incremental builds split the code finer, and inline a little less).
   */
  incremental?: boolean;
  /**
   * Leave the debugging information (DWARF) out of kernel.elf, which takes a third of the
   * compiling: for kernels that are run and thrown away, which no debugger reads (the exercise
   * tests' copies). The code is the same.
   */
  withoutDebugInfo?: boolean;
}

export interface BuiltKernel {
  elf: string;
  image: string;
  /** The folder of built user programs (static Linux AArch64 ELF files), for chapters that have them. */
  programs?: string;
  /** The initramfs's files as a folder, and the archive the kernel embeds (chapter 05 on). */
  rootfs?: string;
  initramfs?: string;
  /** The packages cargo compiled for this build (none when it found everything fresh, or was not run). */
  compiled: string[];
  /** The SD card image (build/<chapter>/sd.img, see sd-image.ts), for chapters that have a disk. */
  sd?: string;
  /** The compiler's warnings, as printed (cargo repeats a fresh crate's warnings; none when cargo was not run). */
  warnings: string[];
}

/**
 * One cargo target folder for every kernel crate. That is safe because each crate is a package
 * of its own name (bramble-01-bare-metal, ...): cargo fingerprints packages by name, and crates
 * that all shared one name were mistaken for one another here.
 */
const cargoTargetRoot = path.join(buildDir, 'cargo');
/** Cargo's switch for rustc's incremental compilation, which release builds leave off. */
const INCREMENTAL = { CARGO_INCREMENTAL: '1' };
/** Every kernel crate names its program `kernel` ([[bin]] in its Cargo.toml). */
const KERNEL_BINARY = 'kernel';

/** Builds a chapter's kernel (unless it is up to date) and says where the results are. */
export async function buildChapter(name: string, options: BuildOptions = {}): Promise<BuiltKernel> {
  const chapter = resolveChapter(name);
  const built = await buildKernelCrate(chapter, options);
  // From chapter 06 on, the chapter has a disk: its root/ folder is the start of the SD card's root filesystem.
  return hasDisk(chapter) ? { ...built, sd: ensureChapterSdImage(chapter, built) } : built;
}

/**
 * Builds any kernel crate laid out like a chapter's (a program called `kernel`, its own link.ld) into
 * build/<name>/: a chapter, or a guest that is not one, such as the benchmark in tools/bench/.
 */
export async function buildKernelCrate(chapter: Chapter, options: BuildOptions = {}): Promise<BuiltKernel> {
  const say = (line: string) => {
    if (!options.quiet) process.stderr.write(`build ${chapter.name}: ${line}\n`);
  };
  if (!existsSync(path.join(chapter.kernelDir, 'Cargo.toml'))) throw new Error(`${fromRoot(chapter.dir)} has no kernel/Cargo.toml`);
  const toolchain = loadToolchain();
  const outDir = path.join(buildDir, chapter.name);
  const userDir = path.join(chapter.dir, 'user');
  const hasPrograms = existsSync(path.join(userDir, 'Cargo.toml'));
  const programsDir = path.join(outDir, 'programs');
  const hasInitramfs = hasPrograms && existsSync(path.join(chapter.dir, 'rootfs'));
  const reuse = hasPrograms && options.reuseProgramsOf ? await reusablePrograms(chapter, options.reuseProgramsOf, options) : undefined;
  const initramfs = { rootfs: path.join(outDir, 'rootfs'), initramfs: path.join(outDir, 'initramfs.cpio') };
  const built = {
    elf: path.join(outDir, 'kernel.elf'),
    image: path.join(outDir, 'kernel8.img'),
    ...(hasPrograms ? { programs: programsDir } : {}),
    ...(hasInitramfs ? initramfs : {}),
  };
  // A different toolchain (a changed record) makes every kernel out of date, and so does a
  // change to this build tool or to how it makes the initramfs.
  // Programs taken from another chapter's build are inputs too.
  const inputs = [chapter.dir, toolchainRecord, buildTool, ...(hasInitramfs ? [initramfsTool] : []), ...(reuse ? [reuse.programs] : [])];
  if (!options.force && newerThan([built.elf, built.image], inputs)) {
    say('up to date');
    return { ...built, compiled: [], warnings: [] };
  }

  mkdirSync(outDir, { recursive: true });
  const scratch = mkdtempSync(path.join(outDir, '.building-'));
  try {
    const report = new CargoReport();
    const cargoEnv = {
      ...process.env,
      RUSTC: toolchain.rustc,
      RUSTC_BOOTSTRAP: '1',
      CARGO_TARGET_DIR: cargoTargetRoot,
      BRAMBLE_PROGRAMS: programsDir,
      ...(hasInitramfs ? { BRAMBLE_INITRAMFS: initramfs.initramfs } : {}),
      ...(options.incremental ? INCREMENTAL : {}),
      ...(options.withoutDebugInfo ? { CARGO_PROFILE_RELEASE_DEBUG: 'false' } : {}),
    };
    if (hasPrograms) {
      const which = reuse ? `${[...reuse.rebuild].map((name) => ` --bin ${name}`).join('')} (the others from ${fromRoot(reuse.programs)})` : '';
      say(`user programs: cargo build --release --target ${KERNEL_TARGET}${which} in ${fromRoot(userDir)}`);
      await buildPrograms(toolchain, userDir, programsDir, scratch, options, chapter, cargoEnv, report, reuse);
    }
    if (hasInitramfs) {
      // ANCHOR: initramfs_step
      const staged = path.join(scratch, 'rootfs');
      stageRootfs(chapter.dir, programsDir, staged);
      say(`initramfs: cpio -o -H newc in ${fromRoot(initramfs.rootfs)} > ${fromRoot(initramfs.initramfs)}`);
      await makeArchive(toolchain.cpio, staged, path.join(scratch, 'initramfs.cpio'));
      // ANCHOR_END: initramfs_step
      replaceFolder(staged, initramfs.rootfs);
      // The same bytes stay where they were: the archive's time is what tells cargo (through
      // include_bytes!) whether to compile the kernel again.
      const archive = path.join(scratch, 'initramfs.cpio');
      if (!holds(initramfs.initramfs, readFileSync(archive))) renameSync(archive, initramfs.initramfs);
    }
    await compileKernel(chapter, toolchain, cargoEnv, scratch, options, report, built, say);
    return { ...built, compiled: [...report.compiled], warnings: report.warnings };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Compiles the kernel crate with `env` and puts kernel.elf and kernel8.img where `built` says. */
async function compileKernel(
  chapter: Chapter,
  toolchain: Toolchain,
  env: NodeJS.ProcessEnv,
  scratch: string,
  options: BuildOptions,
  report: CargoReport,
  built: { elf: string; image: string },
  say: (line: string) => void,
): Promise<void> {
  say(`cargo build --release --target ${KERNEL_TARGET} --sysroot ${fromRoot(toolchain.sysroot)} (Rust by route ${toolchain.route})`);
  await run(toolchain.cargo, cargoArguments(toolchain, scratch, options), chapter, { cwd: chapter.kernelDir, env, onLine: (line) => report.read(line) });
  // cargo hard-links its artifact into the scratch folder; a copy is a file of our own.
  const elf = path.join(scratch, 'kernel.elf');
  const image = path.join(scratch, 'kernel8.img');
  copyFileSync(path.join(scratch, KERNEL_BINARY), elf);
  say(`llvm-objcopy -O binary ${fromRoot(built.elf)} ${fromRoot(built.image)}`);
  await run(toolchain.llvmObjcopy, ['-O', 'binary', elf, image], chapter);
  renameSync(elf, built.elf);
  renameSync(image, built.image);
}

/** Puts folder `from` at `to`, replacing what was there. */
function replaceFolder(from: string, to: string): void {
  const old = `${to}.old-${process.pid}-${Math.random().toString(36).slice(2)}`;
  if (existsSync(to)) renameSync(to, old);
  renameSync(from, to);
  rmSync(old, { recursive: true, force: true });
}

// ANCHOR: build_with_files
/**
 * A kernel of chapter `name` whose initramfs holds `extra` files too (`--add`), or is
 * `archive` itself (the tests' malformed archives). It is built in a folder named for its
 * contents, build/<chapter>/custom-<hash>/, with a cargo target folder of its own, so the
 * chapter's own build stays valid and a second run with the same files builds nothing. That
 * folder keeps rustc's incremental state: with other files, only the archive's bytes are
 * compiled again, in seconds.
 */
export async function buildWithFiles(name: string, extra: { files?: readonly ExtraFile[]; archive?: Uint8Array }, options: BuildOptions = {}): Promise<BuiltKernel> {
  const chapter = resolveChapter(name);
  const base = await buildChapter(name, options);
  if (!base.rootfs) throw new Error(`chapter ${chapter.name} has no initramfs: --add needs chapter 05 or later`);
  const toolchain = loadToolchain();
  const hash = createHash('sha256');
  hash.update(readFileSync(base.initramfs!));
  for (const file of extra.files ?? []) hash.update(`${file.guestPath}\0`).update(readFileSync(file.host));
  if (extra.archive) hash.update('archive\0').update(extra.archive);
  const outDir = path.join(buildDir, chapter.name, `custom-${hash.digest('hex').slice(0, 16)}`);
  const built = { elf: path.join(outDir, 'kernel.elf'), image: path.join(outDir, 'kernel8.img'), rootfs: path.join(outDir, 'rootfs'), initramfs: path.join(outDir, 'initramfs.cpio') };
  if (!options.force && newerThan([built.elf, built.image], [base.image])) return { ...built, programs: base.programs, compiled: [], warnings: [] };
  const say = (line: string) => {
    if (!options.quiet) process.stderr.write(`build ${chapter.name} (custom initramfs): ${line}\n`);
  };
  mkdirSync(outDir, { recursive: true });
  const scratch = mkdtempSync(path.join(outDir, '.building-'));
  try {
    const staged = path.join(scratch, 'rootfs');
    cpSync(base.rootfs, staged, { recursive: true });
    addFiles(staged, extra.files ?? []);
    const archive = path.join(scratch, 'initramfs.cpio');
    if (extra.archive) writeFileSync(archive, extra.archive);
    else await makeArchive(toolchain.cpio, staged, archive);
    replaceFolder(staged, built.rootfs);
    renameSync(archive, built.initramfs);
    const env = { ...process.env, RUSTC: toolchain.rustc, RUSTC_BOOTSTRAP: '1', CARGO_TARGET_DIR: path.join(buildDir, 'cargo-custom'), BRAMBLE_INITRAMFS: built.initramfs, ...INCREMENTAL };
    const report = new CargoReport();
    await compileKernel(chapter, toolchain, env, scratch, options, report, built, say);
    return { ...built, programs: base.programs, compiled: [...report.compiled], warnings: report.warnings };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
// ANCHOR_END: build_with_files

/** Programs already built for another chapter, and the names of those that must be compiled again. */
interface ReusedPrograms {
  programs: string;
  rebuild: ReadonlySet<string>;
}

/**
 * For `copy`, a copy of `source.chapter` that differs from it in `source.changed`: the
 * chapter's own programs (built first if they are not up to date) and the names of those the
 * change can alter. Undefined when it can alter every program: they are then all compiled, as usual.
 */
async function reusablePrograms(copy: Chapter, source: { chapter: Chapter; changed: readonly string[] }, options: BuildOptions): Promise<ReusedPrograms | undefined> {
  // A new program's [[bin]] table in the copy's manifest changes no other program.
  const manifest = (chapter: Chapter) => readFileSync(path.join(chapter.dir, 'user', 'Cargo.toml'), 'utf8');
  const manifests: ManifestChange = { before: manifest(source.chapter), after: manifest(copy) };
  const rebuild = touchedPrograms(source.changed, manifests);
  if (rebuild === 'all') return undefined;
  const own = await buildKernelCrate(source.chapter, { quiet: options.quiet });
  if (!own.programs) throw new Error(`chapter ${source.chapter.name} has no user programs to reuse`);
  return { programs: own.programs, rebuild };
}

/**
 * Builds a chapter's user/ crate (ulib and the programs) and puts each program, a static ELF
 * file named as the program, in `programsDir`, replacing what was there. With `reuse`, only
 * the programs it names are compiled, and the others are copied from its folder.
 */
async function buildPrograms(
  toolchain: Toolchain,
  userDir: string,
  programsDir: string,
  scratch: string,
  options: BuildOptions,
  chapter: Chapter,
  env: NodeJS.ProcessEnv,
  report: CargoReport,
  reuse?: ReusedPrograms,
): Promise<void> {
  const files = new Map<string, Uint8Array>();
  if (reuse) {
    for (const name of readdirSync(reuse.programs)) {
      if (!name.startsWith('.') && !reuse.rebuild.has(name)) files.set(name, readFileSync(path.join(reuse.programs, name)));
    }
  }
  const artifacts = path.join(scratch, 'programs');
  const only = reuse ? [...reuse.rebuild].flatMap((name) => ['--bin', name]) : [];
  // A change that touches no program (a kernel's) leaves nothing for cargo to build.
  if (reuse && only.length === 0) mkdirSync(artifacts);
  else await run(toolchain.cargo, [...cargoArguments(toolchain, artifacts, options), ...only], chapter, { cwd: userDir, env, onLine: (line) => report.read(line) });
  // The programs are the artifacts without an extension (the library is libulib.rlib), and
  // broken copies of hello, which the kernel must refuse (see broken-elf.ts). They are kept
  // without their symbol tables: cargo derives the crates' symbol hashes from their folders,
  // so two checkouts would otherwise make programs (and initramfs images, and the sizes the
  // kernels print) that differ in length; the code is the same.
  for (const name of readdirSync(artifacts).filter((file) => !file.includes('.'))) {
    const stripped = path.join(artifacts, `${name}.stripped`);
    await run(toolchain.llvmObjcopy, ['--strip-all', path.join(artifacts, name), stripped], chapter);
    files.set(name, readFileSync(stripped));
  }
  const hello = files.get('hello');
  if (hello) for (const [name, bytes] of brokenCopies(hello)) files.set(name, bytes);
  // Each file is written beside its place and renamed into it, and the folder is never
  // emptied: a test reading a program while another build replaces it sees a whole file. A
  // program that came out the same is left alone, so that what is made from the folder (the
  // initramfs, chapter 04's kernel, the card) is not made again.
  mkdirSync(programsDir, { recursive: true });
  for (const [name, bytes] of files) {
    if (holds(path.join(programsDir, name), bytes)) continue;
    const partial = path.join(programsDir, `.${name}.${process.pid}.${Math.random().toString(36).slice(2)}`);
    writeFileSync(partial, bytes, { mode: 0o755 });
    renameSync(partial, path.join(programsDir, name));
  }
  for (const name of readdirSync(programsDir)) if (!files.has(name) && !name.startsWith('.')) rmSync(path.join(programsDir, name));
}

/**
 * What cargo's JSON messages say: which packages it compiled (an artifact that was not
 * "fresh") and the compiler's warnings. Each diagnostic is printed on stderr as it comes, as
 * cargo itself would print it.
 */
class CargoReport {
  readonly compiled = new Set<string>();
  readonly warnings: string[] = [];

  read(line: string): void {
    if (!line.startsWith('{')) return;
    const message = JSON.parse(line) as { reason?: string; fresh?: boolean; package_id?: string; message?: { level?: string; rendered?: string } };
    if (message.reason === 'compiler-artifact' && message.fresh === false) this.compiled.add(packageName(message.package_id ?? ''));
    const rendered = message.reason === 'compiler-message' ? message.message?.rendered : undefined;
    if (rendered) {
      process.stderr.write(rendered);
      if (message.message?.level === 'warning') this.warnings.push(rendered);
    }
  }
}

/** The name in a cargo package id: "path+file:///…/kernel#bramble-01-bare-metal@0.1.0" or the older "name 0.1.0 (path+…)". */
function packageName(id: string): string {
  return /#([^@]+)@/.exec(id)?.[1] ?? id.split(' ')[0]!;
}

// ANCHOR: cargo_arguments
function cargoArguments(toolchain: Toolchain, artifactDir: string, options: BuildOptions): string[] {
  return [
    'build',
    '--release',
    '--locked',
    ...(options.quiet ? ['--quiet'] : []),
    ...(options.features?.length ? ['--features', options.features.join(',')] : []),
    '--target', KERNEL_TARGET,
    // There is no prebuilt `core` for the kernel target in a Rust installation: set-up compiled
    // `core`, `compiler_builtins` (memcpy and friends) and `alloc` into a sysroot of our own.
    // Cargo adds these flags to the crate's own (target-cpu, in .cargo/config.toml).
    '--config', `target.${KERNEL_TARGET}.rustflags=${tomlArray(['--sysroot', toolchain.sysroot])}`,
    // The linker set-up found (it may be installed as ld.lld-16, say).
    '--config', `target.${KERNEL_TARGET}.linker=${tomlString(toolchain.ldLld)}`,
    // What cargo compiled and what the compiler said, as JSON on stdout (see CargoReport).
    '--message-format', 'json',
    // Copy the finished program to a folder of this build's own, while cargo still holds its
    // lock. `-Z` options are nightly features; RUSTC_BOOTSTRAP=1 allows them.
    '-Zunstable-options', '--artifact-dir', artifactDir,
  ];
}
// ANCHOR_END: cargo_arguments

/** A TOML string: JSON's escaping of a path is also valid TOML. */
function tomlString(text: string): string {
  return JSON.stringify(text);
}

/** A TOML array of strings, likewise. */
function tomlArray(texts: string[]): string {
  return JSON.stringify(texts);
}

/**
 * Runs a program with its messages on our stderr (our stdout belongs to a kernel being run),
 * handing each line it writes on its stdout to `onLine`; fails if it fails.
 */
function run(program: string, args: string[], chapter: Chapter, options: { cwd?: string; env?: NodeJS.ProcessEnv; onLine?: (line: string) => void } = {}): Promise<void> {
  const { onLine, ...spawnOptions } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { ...spawnOptions, stdio: ['ignore', 'pipe', 2] });
    let partial = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      for (const line of lines) onLine?.(line);
    });
    child.on('error', (error) => reject(new Error(`build ${chapter.name}: cannot run ${program}: ${error.message}`)));
    child.on('close', (status) => {
      if (partial !== '') onLine?.(partial);
      if (status === 0) resolve();
      else reject(new Error(`build ${chapter.name}: ${path.basename(program)} failed (exit status ${status}); its messages are above`));
    });
  });
}

/** Whether `file` exists and holds exactly `bytes`. */
function holds(file: string, bytes: Uint8Array): boolean {
  return existsSync(file) && Buffer.compare(readFileSync(file), bytes) === 0;
}

/** Whether every output exists and is newer than every file in `inputs` (folders are searched, skipping target/). */
function newerThan(outputs: string[], inputs: string[]): boolean {
  let oldestOutput = Infinity;
  for (const output of outputs) {
    if (!existsSync(output)) return false;
    oldestOutput = Math.min(oldestOutput, statSync(output).mtimeMs);
  }
  return inputs.every((input) => newestIn(input) < oldestOutput);
}

function newestIn(file: string): number {
  const stats = statSync(file);
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = stats.mtimeMs;
  for (const entry of readdirSync(file)) {
    // A hand-run `cargo test` leaves target/ in the crate; it is output, not source.
    if (entry === 'target') continue;
    newest = Math.max(newest, newestIn(path.join(file, entry)));
  }
  return newest;
}

// `tsx tools/src/build.ts [chapter...]`
async function main(names: string[]): Promise<void> {
  const chapters = names.length > 0 ? names : listChapters().map((chapter) => chapter.name);
  if (chapters.length === 0) throw new Error('there are no chapters to build');
  for (const name of chapters) await buildChapter(name);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`npm run build: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
