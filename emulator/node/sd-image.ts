// An SD card image file for the emulator: read into memory for `Machine({ sdImage })`,
// and written back when the machine stops, but only when asked (`--persist`): by
// default a run leaves the file as it was, like QEMU's `snapshot=on`.
import { readFileSync, writeFileSync } from 'node:fs';

export interface SdImageFile {
  /** The card's bytes; the guest's writes change them. */
  readonly bytes: Uint8Array;
  /** Write the bytes back to the file if the image persists; otherwise nothing. */
  save(): void;
}

/** Reads the image at `path`; a missing or unreadable file is a one-line error. */
export function openSdImage(path: string, persist: boolean): SdImageFile {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (error) {
    throw new Error(`cannot read the SD card image ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (bytes.length === 0 || bytes.length % 512 !== 0) {
    throw new Error(`the SD card image ${path} is ${bytes.length} bytes, not a whole number of 512-byte blocks`);
  }
  return {
    bytes,
    save: () => {
      if (!persist) return;
      try {
        writeFileSync(path, bytes);
      } catch (error) {
        throw new Error(`cannot write the SD card image back to ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
    },
  };
}
