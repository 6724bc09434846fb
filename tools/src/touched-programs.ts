// Which of a chapter's user programs a change to its files can change: the build of a copy of
// a chapter that differs from it in a few files (an exercise's scratch copy with the reference
// solution applied) compiles only those programs, and takes the others from the chapter's own
// build (see `reuseProgramsOf` in build.ts). The rule goes by paths alone, so it errs towards
// compiling too much, never too little:
//
//   user/src/bin/NAME.rs, user/src/bin/NAME/...   program NAME (a one-file or a folder program)
//   anything else under user/                       every program: ulib, Cargo.toml, build.rs and
//                                                   link.ld go into all of them
//   anything outside user/                          none (the kernel is compiled anyway)

/** Every program, or the names of those that a change to `changed` (paths relative to the chapter's folder, with `/`) can change. */
export function touchedPrograms(changed: readonly string[]): 'all' | Set<string> {
  const touched = new Set<string>();
  for (const file of changed) {
    if (!file.startsWith('user/')) continue;
    const program = /^user\/src\/bin\/([^/]+)(?:\.rs$|\/)/.exec(file);
    if (!program) return 'all';
    touched.add(program[1]!);
  }
  return touched;
}
