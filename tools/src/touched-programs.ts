// Which of a chapter's user programs a change to its files can change: the build of a copy of
// a chapter that differs from it in a few files (an exercise's scratch copy with the reference
// solution applied) compiles only those programs, and takes the others from the chapter's own
// build (see `reuseProgramsOf` in build.ts). The rule errs towards compiling too much, never
// too little:
//
//   user/src/bin/NAME.rs, user/src/bin/NAME/...   program NAME (a one-file or a folder program)
//   user/Cargo.toml, where only [[bin]] tables     the programs of the tables that were added,
//     changed (given both versions of it)            removed or changed: a new program's entry
//   anything else under user/                       every program: ulib, the rest of Cargo.toml,
//                                                   build.rs and link.ld go into all of them
//   anything outside user/                          none (the kernel is compiled anyway)

/** The user crate's manifest, before and after the change. */
export interface ManifestChange {
  before: string;
  after: string;
}

const MANIFEST = 'user/Cargo.toml';

/**
 * Every program, or the names of those that a change to `changed` (paths relative to the
 * chapter's folder, with `/`) can change. Without `manifest`, a change to user/Cargo.toml
 * counts as a change to every program.
 */
export function touchedPrograms(changed: readonly string[], manifest?: ManifestChange): 'all' | Set<string> {
  const touched = new Set<string>();
  for (const file of changed) {
    if (!file.startsWith('user/')) continue;
    if (file === MANIFEST) {
      const programs = manifest ? changedBinTables(manifest) : undefined;
      if (!programs) return 'all';
      for (const name of programs) touched.add(name);
      continue;
    }
    const program = /^user\/src\/bin\/([^/]+)(?:\.rs$|\/)/.exec(file);
    if (!program) return 'all';
    touched.add(program[1]!);
  }
  return touched;
}

/**
 * The names of the [[bin]] tables that differ between the two manifests, when nothing else
 * in them does (comments, blank lines and the package's name aside: a scratch copy's crate has
 * a name of its own, which changes no program's code); undefined when something else does,
 * or when a [[bin]] table has no name this can read.
 */
function changedBinTables({ before, after }: ManifestChange): Set<string> | undefined {
  const old = manifestParts(before);
  const now = manifestParts(after);
  if (!old || !now || old.rest !== now.rest) return undefined;
  const names = new Set<string>();
  for (const name of new Set([...old.bins.keys(), ...now.bins.keys()])) {
    if (old.bins.get(name) !== now.bins.get(name)) names.add(name);
  }
  return names;
}

/** A manifest's lines outside its [[bin]] tables but the package's name, and each [[bin]] table's lines by its program's name. */
function manifestParts(text: string): { rest: string; bins: Map<string, string> } | undefined {
  const rest: string[] = [];
  const bins = new Map<string, string>();
  let table: string[] | undefined;
  let header = '';
  const closeTable = (): boolean => {
    if (!table) return true;
    const name = table.map((line) => /^name\s*=\s*"([^"]+)"$/.exec(line)?.[1]).find((found) => found !== undefined);
    if (name === undefined || bins.has(name)) return false;
    bins.set(name, table.join('\n'));
    table = undefined;
    return true;
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      if (!closeTable()) return undefined;
      header = line;
      if (line === '[[bin]]') {
        table = [];
        continue;
      }
    }
    if (header === '[package]' && /^name\s*=/.test(line)) continue;
    (table ?? rest).push(line);
  }
  return closeTable() ? { rest: rest.join('\n'), bins } : undefined;
}
