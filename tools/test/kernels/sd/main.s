// The Arasan SD host controller ("EMMC", 0x3F300000) with a card: the initialisation
// sequence of the SD Physical Layer spec (CMD0, CMD8, ACMD41, CMD2, CMD3, CMD9, CMD7),
// bus width and SCR (ACMD6, ACMD51), then reading block 0 and block 1000, writing
// block 1500, and reading blocks 1499-1500 back with CMD18 and auto CMD12. Everything
// is polled through the interrupt status register, except one check that the
// controller's interrupt line reaches the BCM2835 controller (GPU interrupt 62).
// The test gives a 1 MiB image whose byte at offset o is (o / 512) * 7 + (o % 512) * 13
// (mod 256), with 0x55 0xAA at the end of block 0.
.include "macros.inc"

.equ EMMC, 0x3f300000
.equ BLKSIZECNT, 0x04
.equ ARG1, 0x08
.equ CMDTM, 0x0c
.equ RESP0, 0x10
.equ RESP1, 0x14
.equ RESP2, 0x18
.equ RESP3, 0x1c
.equ DATA, 0x20
.equ STATUS, 0x24
.equ CONTROL0, 0x28
.equ CONTROL1, 0x2c
.equ INTERRUPT, 0x30
.equ IRPT_MASK, 0x34
.equ IRPT_EN, 0x38
.equ CAPABILITIES, 0x40
.equ SLOTISR_VER, 0xfc
.equ IRQ_PENDING2, 0x3f00b208
.equ IRQ_ENABLE2, 0x3f00b214
.equ IRQ_DISABLE2, 0x3f00b220

// CMDTM: transfer mode (low half) and command (high half).
.equ TM_BLKCNT_EN, 1 << 1
.equ TM_AUTO_CMD12, 1 << 2
.equ TM_READ, 1 << 4
.equ TM_MULTI, 1 << 5
.equ RSP_136, 1 << 16
.equ RSP_48, 2 << 16
.equ RSP_48B, 3 << 16
.equ CRC_CHECK, 1 << 19
.equ INDEX_CHECK, 1 << 20
.equ DATA_PRESENT, 1 << 21
.equ R1, RSP_48 | CRC_CHECK | INDEX_CHECK
.equ R1B, RSP_48B | CRC_CHECK | INDEX_CHECK
.equ R2, RSP_136 | CRC_CHECK
.equ R3, RSP_48
// INTERRUPT bits.
.equ INT_CMD_DONE, 1 << 0
.equ INT_DATA_DONE, 1 << 1
.equ INT_WRITE_READY, 1 << 4
.equ INT_READ_READY, 1 << 5
.equ INT_ERROR, 1 << 15

.section .text.boot
.global _start
_start:
    mov     x0, #0x80000
    mov     sp, x0
    SAY     "sd: start"
    LDI     x28, EMMC
    ldr     w0, [x28, #SLOTISR_VER]
    lsr     w0, w0, #16
    SHOW    "host controller version=", x0
    ldr     w0, [x28, #CAPABILITIES]
    SHOW    "capabilities=", x0
    ldr     w0, [x28, #STATUS]
    ubfx    x0, x0, #16, #1
    SHOW    "card inserted=", x0

    // Reset the controller, then start its clock: internal clock, wait until stable,
    // then the SD clock (base clock / 128), data timeout 2^27 cycles.
    mov     w0, #(1 << 24)
    str     w0, [x28, #CONTROL1]
1:  ldr     w0, [x28, #CONTROL1]
    tbnz    w0, #24, 1b
    LDI     x0, 0x000e8001
    str     w0, [x28, #CONTROL1]
2:  ldr     w0, [x28, #CONTROL1]
    tbz     w0, #1, 2b
    orr     w0, w0, #4
    str     w0, [x28, #CONTROL1]
    SAY     "clock running"

    // Every status bit on; only "command complete" signalled, to see the line.
    mov     w0, #-1
    str     w0, [x28, #IRPT_MASK]
    ldr     w0, [x28, #INTERRUPT]
    SHOW    "interrupt status once enabled=", x0   // the card insertion, pending since reset
    mov     w0, #-1
    str     w0, [x28, #INTERRUPT]
    mov     w0, #INT_CMD_DONE
    str     w0, [x28, #IRPT_EN]
    LDI     x20, IRQ_ENABLE2
    mov     w0, #(1 << 30)                         // GPU interrupt 62 = bit 30 of the second bank
    str     w0, [x20]

    SAY     "CMD0"
    mov     w0, #0
    mov     w1, #0
    str     w1, [x28, #ARG1]
    str     w0, [x28, #CMDTM]
3:  ldr     w0, [x28, #INTERRUPT]
    tbz     w0, #0, 3b
    LDI     x20, IRQ_PENDING2
    ldr     w0, [x20]
    ubfx    x0, x0, #30, #1
    SHOW    "GPU interrupt 62 pending after CMD0=", x0
    mov     w0, #INT_CMD_DONE
    str     w0, [x28, #INTERRUPT]
    ldr     w0, [x20]
    ubfx    x0, x0, #30, #1
    SHOW    "GPU interrupt 62 pending once cleared=", x0
    str     wzr, [x28, #IRPT_EN]
    LDI     x20, IRQ_DISABLE2
    mov     w0, #(1 << 30)
    str     w0, [x20]

    LDI     x0, (8 << 24 | R1)
    mov     w1, #0x1aa
    bl      command
    SHOW    "CMD8 R7=", x0

    // ACMD41 until the card has powered up (OCR bit 31), offering 3.2-3.4 V and high capacity.
    mov     x19, #1000
4:  LDI     x0, (55 << 24 | R1)
    mov     w1, #0
    bl      command
    LDI     x0, (41 << 24 | R3)
    LDI     x1, 0x40300000
    bl      command
    tbnz    w0, #31, 5f
    subs    x19, x19, #1
    b.ne    4b
    SAY     "ACMD41: the card never powered up"
    EXIT    1
5:  SHOW    "ACMD41 OCR=", x0
    ubfx    x27, x0, #30, #1                       // CCS: addresses are block numbers
    SHOW    "high capacity=", x27

    LDI     x0, (2 << 24 | R2)
    mov     w1, #0
    bl      command
    SAY     "CMD2: CID received"
    LDI     x0, (3 << 24 | R1)
    mov     w1, #0
    bl      command
    lsr     w26, w0, #16                           // the card's relative address
    and     w0, w0, #0xffff
    SHOW    "CMD3 RCA=", x26
    SHOW    "CMD3 status bits=", x0
    lsl     w26, w26, #16

    // CSD: capacity. RESP holds CSD bits 127:8 shifted down by 8.
    LDI     x0, (9 << 24 | R2)
    mov     w1, w26
    bl      command
    ldr     w0, [x28, #RESP3]
    ubfx    x0, x0, #22, #2
    SHOW    "CSD structure=", x0
    bl      capacity
    SHOW    "capacity in bytes=", x0

    LDI     x0, (7 << 24 | R1B)
    mov     w1, w26
    bl      command
    SHOW    "CMD7 R1=", x0
    mov     w0, #INT_DATA_DONE                     // R1b: the end of busy is a "transfer complete"
    bl      wait
    LDI     x0, (13 << 24 | R1)
    mov     w1, w26
    bl      command
    SHOW    "CMD13 R1=", x0

    LDI     x0, (55 << 24 | R1)
    mov     w1, w26
    bl      command
    LDI     x0, (6 << 24 | R1)
    mov     w1, #2                                 // 4-bit bus
    bl      command
    SHOW    "ACMD6 R1=", x0
    ldr     w0, [x28, #CONTROL0]
    orr     w0, w0, #2
    str     w0, [x28, #CONTROL0]

    // SCR: one 8-byte block.
    LDI     x0, (1 << 16 | 8)
    str     w0, [x28, #BLKSIZECNT]
    LDI     x0, (55 << 24 | R1)
    mov     w1, w26
    bl      command
    LDI     x0, (51 << 24 | R1 | DATA_PRESENT | TM_READ)
    mov     w1, #0
    bl      command
    mov     w0, #INT_READ_READY
    bl      wait
    ldr     w19, [x28, #DATA]
    ldr     w20, [x28, #DATA]
    mov     w0, #INT_DATA_DONE
    bl      wait
    rev     w19, w19                               // the SCR arrives most significant byte first
    SHOW    "SCR bits 63:32=", x19

    cbnz    x27, 6f
    LDI     x0, (16 << 24 | R1)
    mov     w1, #512
    bl      command
    SHOW    "CMD16 R1=", x0
6:
    LDI     x0, (1 << 16 | 512)
    str     w0, [x28, #BLKSIZECNT]

    mov     x0, #0
    adr     x1, buffer
    bl      read_block
    adr     x1, buffer
    ldr     x0, [x1]
    SHOW    "block 0 bytes 0-7=", x0
    ldr     x0, [x1, #504]
    SHOW    "block 0 bytes 504-511=", x0

    mov     x0, #1000
    adr     x1, buffer
    bl      read_block
    adr     x1, buffer
    ldr     x0, [x1]
    SHOW    "block 1000 bytes 0-7=", x0
    ldr     x0, [x1, #504]
    SHOW    "block 1000 bytes 504-511=", x0

    // Write block 1500: word i = i * 0x9e3779b9.
    adr     x1, buffer
    mov     w2, #0
    LDI     x3, 0x9e3779b9
7:  mul     w4, w2, w3
    str     w4, [x1, x2, lsl #2]
    add     w2, w2, #1
    cmp     w2, #128
    b.lo    7b
    mov     x0, #1500
    bl      address
    mov     w1, w0
    LDI     x0, (24 << 24 | R1 | DATA_PRESENT)
    bl      command
    SHOW    "CMD24 R1=", x0
    mov     w0, #INT_WRITE_READY
    bl      wait
    adr     x1, buffer
    mov     x2, #0
8:  ldr     w3, [x1, x2, lsl #2]
    str     w3, [x28, #DATA]
    add     x2, x2, #1
    cmp     x2, #128
    b.lo    8b
    mov     w0, #INT_DATA_DONE
    bl      wait
    SAY     "block 1500 written"
    LDI     x0, (13 << 24 | R1)
    mov     w1, w26
    bl      command
    SHOW    "CMD13 R1=", x0

    // Blocks 1499 and 1500 in one CMD18, the block count ending it with auto CMD12.
    LDI     x0, (2 << 16 | 512)
    str     w0, [x28, #BLKSIZECNT]
    mov     x0, #1499
    bl      address
    mov     w1, w0
    LDI     x0, (18 << 24 | R1 | DATA_PRESENT | TM_READ | TM_MULTI | TM_BLKCNT_EN | TM_AUTO_CMD12)
    bl      command
    SHOW    "CMD18 R1=", x0
    adr     x1, buffer2
    mov     x2, #0
9:  mov     w0, #INT_READ_READY
    bl      wait
    mov     x3, #0
10: ldr     w4, [x28, #DATA]
    str     w4, [x1, x2, lsl #2]
    add     x2, x2, #1
    add     x3, x3, #1
    cmp     x3, #128
    b.lo    10b
    cmp     x2, #256
    b.lo    9b
    mov     w0, #INT_DATA_DONE
    bl      wait
    ldr     w0, [x28, #BLKSIZECNT]
    lsr     w0, w0, #16
    SHOW    "block count left=", x0
    ldr     w0, [x28, #RESP3]
    SHOW    "auto CMD12 R1=", x0
    adr     x1, buffer2
    ldr     x0, [x1]
    SHOW    "block 1499 bytes 0-7=", x0
    // Compare block 1500 with what was written.
    adr     x1, buffer2 + 512
    adr     x2, buffer
    mov     x3, #0
    mov     x5, #0
11: ldr     w4, [x1, x3, lsl #2]
    ldr     w6, [x2, x3, lsl #2]
    cmp     w4, w6
    cinc    x5, x5, ne
    add     x3, x3, #1
    cmp     x3, #128
    b.lo    11b
    SHOW    "block 1500 words that differ from those written=", x5
    LDI     x0, (13 << 24 | R1)
    mov     w1, w26
    bl      command
    SHOW    "CMD13 R1=", x0
    EXIT    0

// command: sends CMDTM = w0 with argument w1 and waits for it to complete; returns RESP0.
// An error (or no completion) is reported and ends the run with status 1.
command:
    stp     x19, x30, [sp, #-16]!
    mov     w19, w0
1:  ldr     w9, [x28, #STATUS]
    tbnz    w9, #0, 1b                             // command inhibit
    str     w1, [x28, #ARG1]
    str     w0, [x28, #CMDTM]
    mov     w0, #INT_CMD_DONE
    bl      wait
    ldr     w0, [x28, #RESP0]
    ldp     x19, x30, [sp], #16
    ret

// wait: waits for the INTERRUPT bits w0 (or an error), then clears them; an error
// ends the run with status 1 after printing the command and the status.
wait:
    mov     x10, #0x100000
1:  ldr     w9, [x28, #INTERRUPT]
    tst     w9, #INT_ERROR
    b.ne    2f
    tst     w9, w0
    b.ne    3f
    subs    x10, x10, #1
    b.ne    1b
2:  ldr     w0, [x28, #CMDTM]
    lsr     w0, w0, #24
    SHOW    "error: command=", x0
    SHOW    "error: interrupt status=", x9
    EXIT    1
3:  str     w0, [x28, #INTERRUPT]
    ret

// address: block x0 as the card wants it: the block number (SDHC) or its byte offset (SDSC).
address:
    cbnz    x27, 1f
    lsl     x0, x0, #9
1:  ret

// read_block: reads block x0 into the 512 bytes at x1 with CMD17.
read_block:
    stp     x19, x30, [sp, #-16]!
    mov     x19, x1
    bl      address
    mov     w1, w0
    LDI     x0, (17 << 24 | R1 | DATA_PRESENT | TM_READ)
    bl      command
    mov     w0, #INT_READ_READY
    bl      wait
    mov     x2, #0
1:  ldr     w3, [x28, #DATA]
    str     w3, [x19, x2, lsl #2]
    add     x2, x2, #1
    cmp     x2, #128
    b.lo    1b
    mov     w0, #INT_DATA_DONE
    bl      wait
    ldp     x19, x30, [sp], #16
    ret

// capacity: the card's size in bytes from the CSD in RESP0-3 (version 1.0 or 2.0).
// With x = RESP2:RESP1 (RESP bits 95:32 = CSD bits 103:40):
//   1.0: C_SIZE = CSD 73:62 = x 33:22, C_SIZE_MULT = CSD 49:47 = x 9:7, READ_BL_LEN = CSD 83:80 = x 43:40,
//        bytes = (C_SIZE + 1) << (C_SIZE_MULT + 2 + READ_BL_LEN)
//   2.0: C_SIZE = CSD 69:48 = x 29:8, bytes = (C_SIZE + 1) << 19
capacity:
    ldr     w9, [x28, #RESP1]
    ldr     w10, [x28, #RESP2]
    orr     x9, x9, x10, lsl #32
    ldr     w10, [x28, #RESP3]
    ubfx    x10, x10, #22, #2
    cbnz    x10, 1f
    ubfx    x11, x9, #22, #12
    ubfx    x12, x9, #7, #3
    ubfx    x13, x9, #40, #4
    add     x11, x11, #1
    add     x12, x12, x13
    add     x12, x12, #2
    lsl     x0, x11, x12
    ret
1:  ubfx    x11, x9, #8, #22
    add     x11, x11, #1
    lsl     x0, x11, #19
    ret

.data
.balign 16
buffer: .fill 512, 1, 0
buffer2: .fill 1024, 1, 0
