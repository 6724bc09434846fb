// In `npm run site`, webpack rebuilds a book page when its Markdown changes, but not when a
// file it quotes changes: a listing would go on showing the old code. This webpack plugin adds
// the quoted files (every chapter file and transcript the snapshot holds) to each book page's
// dependencies, so saving a chapter's source refreshes the pages. Production builds need none
// of it: each reads the repository once (snapshot.ts).
import path from 'node:path';
import type { Compiler } from 'webpack';

const NAME = 'BrambleQuotedFiles';

export class QuotedFilesPlugin {
  constructor(
    private readonly docsDir: string,
    private readonly files: () => Iterable<string>,
  ) {}

  apply(compiler: Compiler): void {
    compiler.hooks.thisCompilation.tap(NAME, (compilation) => {
      // Before the loaders run, as a loader would declare them: webpack's record of what a
      // module depends on is taken when its build ends.
      compiler.webpack.NormalModule.getCompilationHooks(compilation).beforeLoaders.tap(NAME, (_loaders, module, loaderContext) => {
        const file = module.resource.split('?')[0]!;
        if (!file.startsWith(this.docsDir + path.sep) || !/\.mdx?$/.test(file)) return;
        for (const quoted of this.files()) loaderContext.addDependency(quoted);
      });
    });
  }
}
