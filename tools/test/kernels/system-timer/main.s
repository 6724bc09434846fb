// The BCM2835 system timer: the 1 MHz counter moves, a compare match on channel 3 is
// seen by polling CS, and a match on channel 1 arrives as an interrupt (GPU interrupt 1
// through the BCM2835 controller and the local controller to core 0, at EL2) and is
// cleared by writing 1 to its CS bit. Channels 0 and 2 belong to the VideoCore on a Pi.
.include "macros.inc"

.equ ST_CS, 0x3f003000
.equ ST_CLO, 0x3f003004
.equ ST_CHI, 0x3f003008
.equ ST_C1, 0x3f003010
.equ ST_C3, 0x3f003018
.equ IRQ_PENDING1, 0x3f00b204
.equ IRQ_ENABLE1, 0x3f00b210
.equ IRQ_DISABLE1, 0x3f00b21c
.equ CORE0_IRQ_SOURCE, 0x40000060

.section .text.boot
.global _start
_start:
    mov     x0, #0x80000
    mov     sp, x0
    SAY     "system timer: start"
    adr     x0, vectors
    msr     vbar_el2, x0
    // HCR_EL2: RW, and IMO so that physical IRQs are taken at EL2 (with IMO clear they would
    // target EL1, and an interrupt for a lower EL is never taken at EL2).
    LDI     x0, 0x80000010
    msr     hcr_el2, x0
    isb
    LDI     x19, ST_CS

    // The counter runs: two reads 100 microseconds apart (by the counter itself) differ.
    ldr     w0, [x19, #4]
1:  ldr     w1, [x19, #4]
    sub     w2, w1, w0
    cmp     w2, #100
    b.lo    1b
    SAY     "CLO advanced by 100"
    ldr     w0, [x19, #8]
    SHOW    "CHI=", x0

    // Channel 3, polled: no interrupt is enabled for it.
    ldr     w0, [x19]
    SHOW    "CS before=", x0
    // Compares are set milliseconds ahead, not microseconds: QEMU counts with the host's clock
    // and matches only going forward, so a host that stalls past a near compare between the
    // read and the write would leave it waiting for the counter to wrap (71 minutes).
    ldr     w0, [x19, #4]
    add     w0, w0, #1, lsl #12         // 4096 us ahead
    str     w0, [x19, #0x18]
    ldr     w1, [x19, #0x18]
    cmp     w0, w1
    cset    x1, eq
    SHOW    "C3 reads back=", x1
2:  ldr     w1, [x19]
    tbz     w1, #3, 2b
    ldr     w2, [x19, #4]
    sub     w2, w2, w0
    lsr     w2, w2, #31
    eor     w2, w2, #1                  // CLO - C3 >= 0 (as a signed difference)
    SHOW    "CS after match=", x1
    SHOW    "matched no earlier than C3=", x2
    mov     w0, #8
    str     w0, [x19]                   // write 1 to clear M3
    ldr     w0, [x19]
    SHOW    "CS after clearing M3=", x0

    // Channel 1, by interrupt.
    LDI     x20, IRQ_ENABLE1
    mov     w0, #2
    str     w0, [x20]                   // GPU interrupt 1
    ldr     w0, [x19, #4]
    add     w0, w0, #5, lsl #12         // 20480 us ahead
    str     w0, [x19, #0x10]
    adr     x21, fired
    msr     daifclr, #2                 // IRQs on
3:  wfi
    ldr     x0, [x21]
    cbz     x0, 3b
    msr     daifset, #2
    SHOW    "interrupts taken=", x0
    ldr     w0, [x19]
    SHOW    "CS at the end=", x0
    LDI     x0, IRQ_PENDING1
    ldr     w0, [x0]
    SHOW    "pending 1 at the end=", x0
    EXIT    0

// The IRQ handler: which sources were pending, then clear M1.
irq:
    stp     x19, x30, [sp, #-16]!
    LDI     x0, CORE0_IRQ_SOURCE
    ldr     w0, [x0]
    SHOW    "irq: core 0 source=", x0
    LDI     x0, IRQ_PENDING1
    ldr     w0, [x0]
    SHOW    "irq: pending 1=", x0
    LDI     x19, ST_CS
    ldr     w0, [x19]
    SHOW    "irq: CS=", x0
    mov     w0, #2
    str     w0, [x19]                   // write 1 to clear M1: the line drops
    LDI     x0, IRQ_PENDING1
    ldr     w0, [x0]
    SHOW    "irq: pending 1 after clearing=", x0
    adr     x0, fired
    ldr     x1, [x0]
    add     x1, x1, #1
    str     x1, [x0]
    ldp     x19, x30, [sp], #16
    ret

// IRQs come to "current EL with SPx, IRQ" (0x280); anything else is reported.
handler:
    cmp     x0, #0x280
    b.eq    irq
    b       sync_only

VECTORS vectors, handler

.data
.balign 8
fired: .quad 0
