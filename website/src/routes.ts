// The site's own addresses, in one place: the pages the plugin creates and the links to them.

/** A chapter's page of changes since the chapter before it. */
export function changesPath(chapter: string): string {
  return `/changes/${chapter}`;
}

/** A chapter's list of files. */
export function sourceIndexPath(chapter: string): string {
  return `/source/${chapter}`;
}

/** One file of a chapter, highlighted. */
export function sourcePath(chapter: string, file: string): string {
  return `/source/${chapter}/${file}`;
}

/** A chapter's kernel image, copied into the site's static files. */
export function kernelPath(chapter: string): string {
  return `/kernels/${chapter}.img`;
}

/** A chapter's SD card image (chapter 06 on), gzip-compressed into the site's static files. */
export function sdImagePath(chapter: string): string {
  return `/kernels/${chapter}.sd.img.gz`;
}
