// Routines shared by the test kernels: semihosting output (EL1 and EL2 only), hex
// numbers, exit with a status, the common half of every exception vector, and a
// default exception handler that prints the syndrome.
.include "macros.inc"

.text

// puts: prints the NUL-terminated string at x0 (SYS_WRITE0). Preserves every register.
.global puts
puts:
    stp     x0, x1, [sp, #-16]!
    mov     x1, x0
    mov     w0, #0x04
    hlt     #0xf000
    ldp     x0, x1, [sp], #16
    ret

// putnl: prints a newline. Preserves every register.
.global putnl
putnl:
    stp     x0, x30, [sp, #-16]!
    adr     x0, newline
    bl      puts
    ldp     x0, x30, [sp], #16
    ret

// puthex: prints x0 as 0x followed by its hex digits without leading zeros.
// Preserves every register and NZCV.
.global puthex
puthex:
    stp     x0, x1, [sp, #-80]!
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    mrs     x1, nzcv
    str     x1, [sp, #48]
    add     x2, sp, #56             // 19 bytes of text: "0x", 16 digits, NUL
    mov     x5, x2
    mov     w3, #'0'
    strb    w3, [x2], #1
    mov     w3, #'x'
    strb    w3, [x2], #1
    mov     x4, #60                 // shift of the current digit
    mov     x1, #0                  // a digit has been printed
1:  lsr     x3, x0, x4
    and     x3, x3, #15
    orr     x1, x1, x3
    cbnz    x1, 2f
    cbnz    x4, 3f                  // a leading zero: skipped, unless it is the last digit
2:  cmp     x3, #10
    add     x3, x3, #'0'
    b.lo    4f
    add     x3, x3, #('a' - '0' - 10)
4:  strb    w3, [x2], #1
    mov     x1, #1
3:  subs    x4, x4, #4
    b.pl    1b
    strb    wzr, [x2]
    mov     x1, x5
    mov     w0, #0x04
    hlt     #0xf000
    ldr     x1, [sp, #48]
    msr     nzcv, x1
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x0, x1, [sp], #80
    ret

// exit: ends the run with status w0 (SYS_EXIT, reason ADP_Stopped_ApplicationExit).
.global exit
exit:
    adr     x1, exit_block
    movz    x2, #0x0026
    movk    x2, #0x2, lsl #16
    str     x2, [x1]
    str     x0, [x1, #8]
    mov     w0, #0x18
    hlt     #0xf000
1:  b       1b

// The common half of a VECTORS entry: x0 = the entry's offset, x1 = the handler;
// x0 and x1 are already in the frame at sp.
.global vector_common
vector_common:
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    str     x30, [sp, #240]
    mov     x2, x1
    mov     x1, sp
    blr     x2
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x19, [sp, #144]
    ldp     x20, x21, [sp, #160]
    ldp     x22, x23, [sp, #176]
    ldp     x24, x25, [sp, #192]
    ldp     x26, x27, [sp, #208]
    ldp     x28, x29, [sp, #224]
    ldr     x30, [sp, #240]
    ldp     x0, x1, [sp]
    add     sp, sp, #256
    eret

// sync_only: a VECTORS handler that reports synchronous exceptions (report_exception)
// and ends the run with status 3 on anything else (IRQ, FIQ, SError).
.global sync_only
sync_only:
    tst     x0, #0x180
    b.eq    report_exception
    SHOW    "unexpected exception: vector=", x0
    EXIT    3

// report_exception: a VECTORS handler for synchronous exceptions. Prints the vector
// offset, the EL taking it, ESR, ELR, SPSR and (for aborts) FAR (unless `quiet`), records
// the EL and ESR in last_el and last_esr, then returns to
// `resume_at` if a test stored an address there (and clears it), otherwise past the
// instruction for everything but SVC and HVC (whose ELR is already the next one).
// The values printed are those of the EL the handler runs at.
.global report_exception
report_exception:
    stp     x19, x30, [sp, #-32]!
    stp     x20, x21, [sp, #16]
    mov     x19, x0
    mrs     x20, CurrentEL
    lsr     x20, x20, #2
    adr     x0, last_el
    str     x20, [x0]
    cmp     x20, #2
    b.eq    12f
    mrs     x21, esr_el1
    b       13f
12: mrs     x21, esr_el2
13: adr     x0, last_esr
    str     x21, [x0]
    adr     x0, quiet
    ldr     x0, [x0]
    cbnz    x0, 2f
    SHOW    "exception: vector=", x19
    SHOW    "  EL=", x20
    cmp     x20, #2
    b.eq    1f
    mrs     x21, esr_el1
    SHOW    "  ESR=", x21
    SHOWSYS "  ELR=", elr_el1
    SHOWSYS "  SPSR=", spsr_el1
    b       2f
1:  mrs     x21, esr_el2
    SHOW    "  ESR=", x21
    SHOWSYS "  ELR=", elr_el2
    SHOWSYS "  SPSR=", spsr_el2
2:  lsr     x21, x21, #26               // EC
    cmp     x21, #0x0e                  // illegal execution state: the return must not be illegal again
    b.ne    11f
    bl      clear_spsr_il
11:
    sub     x0, x21, #0x20              // instruction and data aborts: EC 0x20-0x25
    cmp     x0, #5
    b.hi    3f
    adr     x0, quiet
    ldr     x0, [x0]
    cbnz    x0, 3f
    cmp     x20, #2
    b.eq    4f
    SHOWSYS "  FAR=", far_el1
    b       3f
4:  SHOWSYS "  FAR=", far_el2
3:  adr     x0, resume_at
    ldr     x1, [x0]
    cbz     x1, 5f
    str     xzr, [x0]
    b       7f
5:  cmp     x20, #2
    b.eq    6f
    mrs     x1, elr_el1
    b       8f
6:  mrs     x1, elr_el2
8:  cmp     x21, #0x15                  // SVC
    b.eq    7f
    cmp     x21, #0x16                  // HVC
    b.eq    7f
    add     x1, x1, #4
7:  cmp     x20, #2
    b.eq    9f
    msr     elr_el1, x1
    b       10f
9:  msr     elr_el2, x1
10: ldp     x20, x21, [sp, #16]
    ldp     x19, x30, [sp], #32
    ret

// Clears PSTATE.IL (bit 20) in the SPSR of the current EL.
clear_spsr_il:
    mrs     x0, CurrentEL
    cmp     x0, #8
    b.eq    1f
    mrs     x0, spsr_el1
    bic     x0, x0, #(1 << 20)
    msr     spsr_el1, x0
    ret
1:  mrs     x0, spsr_el2
    bic     x0, x0, #(1 << 20)
    msr     spsr_el2, x0
    ret

.section .rodata.str, "aS"
newline: .asciz "\n"

.data
.balign 16
exit_block: .quad 0, 0
// Where report_exception resumes, once (0: just past the faulting instruction).
.global resume_at
resume_at: .quad 0
// Nonzero: report_exception prints nothing (it still records last_el and last_esr).
.global quiet, last_el, last_esr
quiet: .quad 0
// The EL and ESR of the last exception report_exception saw.
last_el: .quad 0
last_esr: .quad 0
