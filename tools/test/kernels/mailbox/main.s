// The mailbox's property channel (8): one buffer of tags posted through mailbox 1,
// the reply read from mailbox 0; every tag's response code and values printed.
// Then the same request through the buffer's uncached bus alias (0xC0000000 + address),
// and a tag the firmware does not know.
.include "macros.inc"

.equ MBOX_READ, 0x3f00b880
.equ MBOX_STATUS, 0x3f00b898
.equ MBOX_WRITE, 0x3f00b8a0
.equ MBOX_STATUS1, 0x3f00b8b8
.equ STATUS_FULL, 31
.equ STATUS_EMPTY, 30
.equ CHANNEL, 8

.section .text.boot
.global _start
_start:
    mov     x0, #0x80000
    mov     sp, x0
    SAY     "mailbox: start"
    LDI     x9, MBOX_STATUS
    ldr     w0, [x9]
    ubfx    x0, x0, #STATUS_EMPTY, #2
    SHOW    "status FULL:EMPTY before=", x0

    adr     x19, request
    mov     x0, x19
    bl      call
    SHOW    "buffer response=", x0
    ldr     w0, [x19, #4]
    SHOW    "buffer code=", x0
    // Walk the tags: id, value size, response code, values.
    add     x20, x19, #8
1:  ldr     w21, [x20]                  // tag id
    cbz     w21, 3f
    ldr     w22, [x20, #4]              // value buffer size
    ldr     w23, [x20, #8]              // response code
    SHOW    "tag=", x21
    SHOW    "  code=", x23
    mov     x24, #0
2:  cmp     x24, x22
    b.hs    4f
    add     x0, x20, #12
    ldr     w0, [x0, x24]
    SHOW    "  value=", x0
    add     x24, x24, #4
    b       2b
4:  add     x20, x20, #12
    add     x20, x20, x22
    b       1b
3:
    // Board revision again, through the uncached alias of the same RAM.
    adr     x19, again
    orr     x0, x19, #0xc0000000
    bl      call
    mov     x1, #0xc0000000
    sub     x0, x0, x1
    cmp     x0, x19
    cset    x0, eq
    SHOW    "alias: reply is the posted word=", x0
    ldr     w0, [x19, #4]
    SHOW    "alias: buffer code=", x0
    ldr     w0, [x19, #16]
    SHOW    "alias: tag code=", x0
    ldr     w0, [x19, #20]
    SHOW    "alias: board revision=", x0

    adr     x19, unknown
    mov     x0, x19
    bl      call
    ldr     w0, [x19, #16]
    SHOW    "unknown tag: code=", x0
    ldr     w0, [x19, #20]
    SHOW    "unknown tag: value=", x0
    LDI     x9, MBOX_STATUS
    ldr     w0, [x9]
    ubfx    x0, x0, #STATUS_EMPTY, #2
    SHOW    "status FULL:EMPTY after=", x0
    EXIT    0

// call: posts the buffer at bus address x0 on the property channel and waits for the
// reply; returns the reply's address part in x0 (the channel must be 8).
call:
    LDI     x9, MBOX_STATUS1
1:  ldr     w10, [x9]
    tbnz    w10, #STATUS_FULL, 1b
    LDI     x9, MBOX_WRITE
    orr     w10, w0, #CHANNEL
    dsb     sy
    str     w10, [x9]
    LDI     x9, MBOX_STATUS
2:  ldr     w10, [x9]
    tbnz    w10, #STATUS_EMPTY, 2b
    LDI     x9, MBOX_READ
    ldr     w10, [x9]
    and     w11, w10, #0xf
    cmp     w11, #CHANNEL
    b.ne    2b
    and     w0, w10, #0xfffffff0
    ret

.data
.balign 16
request:
    .word   request_end - request, 0
    .word   0x00000001, 4, 0, 0         // firmware revision
    .word   0x00010001, 4, 0, 0         // board model
    .word   0x00010002, 4, 0, 0         // board revision
    .word   0x00010004, 8, 0, 0, 0      // board serial
    .word   0x00010005, 8, 0, 0, 0      // ARM memory: base, size
    .word   0x00010006, 8, 0, 0, 0      // VideoCore memory: base, size
    .word   0x00030002, 8, 0, 1, 0      // clock rate: EMMC
    .word   0x00030002, 8, 0, 2, 0      // clock rate: UART
    .word   0x00030002, 8, 0, 3, 0      // clock rate: ARM
    .word   0x00030002, 8, 0, 4, 0      // clock rate: core
    .word   0x00030004, 8, 0, 3, 0      // maximum clock rate: ARM
    .word   0x00030001, 8, 0, 1, 0      // clock state: EMMC
    .word   0x00020001, 8, 0, 0, 0      // power state: SD card
    .word   0x00028001, 8, 0, 0, 3      // set power state: SD card on, wait
    .word   0x00030006, 8, 0, 0, 0      // temperature
    .word   0
request_end:
.balign 16
again:
    .word   again_end - again, 0
    .word   0x00010002, 4, 0, 0
    .word   0
again_end:
.balign 16
unknown:
    .word   unknown_end - unknown, 0
    .word   0x0003ffff, 4, 0, 0x1234
    .word   0
unknown_end:
