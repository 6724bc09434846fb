// In `npm run site`, the bundler (Rspack) rebuilds a book page when its Markdown changes, but
// not when a file it quotes changes: a listing would go on showing the old code. This plugin adds
// the quoted files (every chapter file and transcript the snapshot holds) to each book page's
// dependencies, so saving a chapter's source refreshes the pages. Production builds need none
// of it: each reads the repository once (snapshot.ts).
import path from 'node:path';
// Typed as webpack's: Rspack's compiler has the same hooks, under the same names.
import type { Compiler } from 'webpack';

const NAME = 'BrambleQuotedFiles';

export class QuotedFilesPlugin {
  constructor(
    private readonly docsDir: string,
    private readonly files: () => Iterable<string>,
  ) {}

  apply(compiler: Compiler): void {
    compiler.hooks.thisCompilation.tap(NAME, (compilation) => {
      // Before the loaders run, as a loader would declare them: the bundler's record of what a
      // module depends on is taken when its build ends.
      compiler.webpack.NormalModule.getCompilationHooks(compilation).loader.tap(NAME, (loaderContext) => {
        const file = loaderContext.resourcePath;
        if (!file.startsWith(this.docsDir + path.sep) || !/\.mdx?$/.test(file)) return;
        for (const quoted of this.files()) loaderContext.addDependency(quoted);
      });
    });
  }
}
