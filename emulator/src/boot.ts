// What the Pi's firmware (and QEMU's raspi3b) leaves in memory before the
// kernel runs: the kernel image at 0x80000, and a few instructions at the bottom
// of RAM that start it. Core 0 runs the stub at 0x0; cores 1-3 run the one at
// 0x300 and wait, in WFE, for an address to appear in their "spin-table" slot
// at 0xd8 + 8 * core: the protocol a kernel uses to start them.
//
// The instruction words are our own encodings of the assembly beside them
// (checked with `llvm-mc -triple=aarch64 -show-encoding`).

export const KERNEL_LOAD_ADDRESS = 0x80000;
export const SECONDARY_STUB_ADDRESS = 0x300;

export const PRIMARY_STUB: readonly number[] = [
  0xd2802000, // movz x0, #0x100        device tree address
  0xaa1f03e1, // mov  x1, xzr
  0xaa1f03e2, // mov  x2, xzr
  0xaa1f03e3, // mov  x3, xzr
  0xd2a00104, // movz x4, #0x8, lsl #16 the kernel at 0x80000
  0xd61f0080, // br   x4
];

export const SECONDARY_STUB: readonly number[] = [
  0xd53800a6, // mrs  x6, mpidr_el1
  0x924004c6, // and  x6, x6, #3        core number
  0xd2801b05, // movz x5, #0xd8         spin table
  0xd503205f, // 1: wfe
  0xf86678a4, // ldr  x4, [x5, x6, lsl #3]
  0xb4ffffc4, // cbz  x4, 1b
  0xaa1f03e0, // mov  x0, xzr
  0xd61f0080, // br   x4
];

export function words(list: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(list.length * 4);
  list.forEach((w, i) => new DataView(bytes.buffer).setUint32(i * 4, w, true));
  return bytes;
}
