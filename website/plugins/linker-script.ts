// A small TextMate grammar for GNU linker scripts (link.ld). Shiki bundles none, and a
// chapter's memory layout is worth reading in colour like the rest of its code.
import type { LanguageRegistration } from 'shiki';

export const linkerScript: LanguageRegistration = {
  name: 'linker-script',
  scopeName: 'source.linker-script',
  repository: {},
  patterns: [
    { name: 'comment.block.linker-script', begin: '/\\*', end: '\\*/' },
    // The script's commands and the functions it may call in expressions.
    {
      name: 'keyword.control.linker-script',
      match: '\\b(ENTRY|SECTIONS|MEMORY|PHDRS|OUTPUT_ARCH|OUTPUT_FORMAT|INCLUDE|PROVIDE|PROVIDE_HIDDEN|KEEP|ASSERT|DISCARD)\\b',
    },
    { name: 'support.function.linker-script', match: '\\b(ALIGN|ADDR|LOADADDR|SIZEOF|ORIGIN|LENGTH|ABSOLUTE|DEFINED|AT|MAX|MIN)\\b' },
    // Section names: .text, .bss.*, .rodata
    { name: 'entity.name.section.linker-script', match: '(?<![\\w.])\\.[A-Za-z_][\\w.]*\\*?' },
    { name: 'constant.numeric.linker-script', match: '\\b(0[xX][0-9a-fA-F_]+|\\d+[KM]?)\\b' },
    { name: 'string.quoted.double.linker-script', begin: '"', end: '"' },
    { name: 'variable.other.linker-script', match: '\\b[A-Za-z_][A-Za-z0-9_]*\\b' },
    // The location counter.
    { name: 'variable.language.linker-script', match: '(?<![\\w.])\\.(?![\\w.])' },
  ],
};
