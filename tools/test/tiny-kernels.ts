// Kernels of a few instructions, for testing the runners where no chapter does what a test
// needs (never exit; read the serial port). Each word is a little-endian A64 instruction,
// decoded in its comment; both machines load the image at 0x80000 and start core 0 there at
// EL2, which is enough for semihosting.

/** The instruction words as a raw kernel8.img. */
function image(words: number[]): Uint8Array {
  const bytes = new Uint8Array(words.length * 4);
  const view = new DataView(bytes.buffer);
  words.forEach((word, i) => view.setUint32(i * 4, word, true));
  return bytes;
}

/** Never exits, never sleeps: core 0 branches to itself for ever. */
export const spinKernel = image([
  0x14000000, // 80000: b .             (B, imm26 = 0: to itself)
]);

/** Exit status of `echoKernel`: not 0, so a test sees that the guest's status comes through. */
export const ECHO_EXIT_STATUS = 3;

/**
 * Echoes every byte the serial port receives until it receives '.', then exits with status 3
 * through semihosting. It polls the PL011 and never sleeps.
 */
export const echoKernel = image([
  0xd2a7e401, // 80000: movz x1, #0x3f20, lsl #16
  0xf2820001, // 80004: movk x1, #0x1000           x1 = 0x3f201000, the PL011
  0x52806022, // 80008: mov  w2, #0x301
  0xb9003022, // 8000c: str  w2, [x1, #0x30]       CR = UARTEN | TXE | RXE
  0xb9401822, // 80010: ldr  w2, [x1, #0x18]       loop: w2 = FR
  0x3727ffe2, // 80014: tbnz w2, #4, 80010         FR.RXFE (receive FIFO empty): poll again
  0xb9400023, // 80018: ldr  w3, [x1]              w3 = DR: the byte, and error flags above it
  0x12001c63, // 8001c: and  w3, w3, #0xff         just the byte
  0x7100b87f, // 80020: cmp  w3, #0x2e             '.'?
  0x54000060, // 80024: b.eq 80030
  0xb9000023, // 80028: str  w3, [x1]              DR = the byte: send it back
  0x17fffff9, // 8002c: b    80010                 loop
  0x10000081, // 80030: adr  x1, 80040             x1 = the SYS_EXIT parameter block
  0x52800300, // 80034: mov  w0, #0x18             SYS_EXIT
  0xd45e0000, // 80038: hlt  #0xf000               semihosting call
  0xd503201f, // 8003c: nop                        (aligns the block to 8 bytes)
  0x00020026, // 80040: .quad 0x20026              ADP_Stopped_ApplicationExit...
  0x00000000,
  ECHO_EXIT_STATUS, // 80048: .quad 3              ...with exit status 3
  0x00000000,
]);

/** Sleeps for ever: nothing it waits for (an interrupt) can come, since it enables none. */
export const sleepKernel = image([
  0xd503207f, // 80000: wfi             wait for an interrupt
  0x17ffffff, // 80004: b 80000         and again, should one come
]);

/**
 * Prints "hi" and a newline by writing the PL011's data register without setting the UART up
 * first (as many first bare-metal programs do, relying on the firmware's set-up), then exits
 * with status 0.
 */
export const earlyPrintKernel = image([
  0xd2a7e401, // 80000: movz x1, #0x3f20, lsl #16
  0xf2820001, // 80004: movk x1, #0x1000           x1 = 0x3f201000, the PL011
  0x52800d02, // 80008: mov  w2, #0x68             'h'
  0xb9000022, // 8000c: str  w2, [x1]              DR = 'h'
  0x52800d22, // 80010: mov  w2, #0x69             'i'
  0xb9000022, // 80014: str  w2, [x1]
  0x52800142, // 80018: mov  w2, #0x0a             '\n'
  0xb9000022, // 8001c: str  w2, [x1]
  0x10000081, // 80020: adr  x1, 80030             x1 = the SYS_EXIT parameter block
  0x52800300, // 80024: mov  w0, #0x18             SYS_EXIT
  0xd45e0000, // 80028: hlt  #0xf000               semihosting call
  0xd503201f, // 8002c: nop                        (aligns the block to 8 bytes)
  0x00020026, // 80030: .quad 0x20026              ADP_Stopped_ApplicationExit...
  0x00000000,
  0x00000000, // 80038: .quad 0                    ...with exit status 0
  0x00000000,
]);

/** Switches the PL011 off (CR = 0), writes '!' to its data register anyway, and exits with status 0. */
export const silencedUartKernel = image([
  0xd2a7e401, // 80000: movz x1, #0x3f20, lsl #16
  0xf2820001, // 80004: movk x1, #0x1000           x1 = 0x3f201000, the PL011
  0xb900303f, // 80008: str  wzr, [x1, #0x30]      CR = 0: UART, transmitter and receiver off
  0x52800422, // 8000c: mov  w2, #0x21             '!'
  0xb9000022, // 80010: str  w2, [x1]              DR = '!': goes nowhere
  0x10000061, // 80014: adr  x1, 80020             x1 = the SYS_EXIT parameter block
  0x52800300, // 80018: mov  w0, #0x18             SYS_EXIT
  0xd45e0000, // 8001c: hlt  #0xf000               semihosting call
  0x00020026, // 80020: .quad 0x20026              ADP_Stopped_ApplicationExit...
  0x00000000,
  0x00000000, // 80028: .quad 0                    ...with exit status 0
  0x00000000,
]);
