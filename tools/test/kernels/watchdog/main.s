// The power manager's watchdog. The first byte on the serial port picks the test:
//   'r'  reset: start the watchdog (WDOG = 10 ticks, RSTC = full reset) and wait for it
//   'h'  halt: the same after writing partition 63 (0x555) to RSTS, the firmware's "halt"
//   'p'  writes without the password 0x5A000000 change nothing; exits with status 5
// A reset or halt ends the run with status 0 (QEMU runs with -no-reboot); the kernel
// itself never exits in those cases, so a watchdog that does not fire is a timeout.
.include "macros.inc"

.equ PM_RSTC, 0x3f10001c
.equ PM_RSTS, 0x3f100020
.equ PM_WDOG, 0x3f100024
.equ PASSWORD, 0x5a000000
.equ RSTC_FULL_RESET, 0x20
.equ UART_DR, 0x3f201000
.equ UART_FR, 0x3f201018
.equ UART_CR, 0x3f201030

.section .text.boot
.global _start
_start:
    mov     x0, #0x80000
    mov     sp, x0
    SAY     "watchdog: start"
    LDI     x19, PM_RSTC
    ldr     w0, [x19]
    SHOW    "RSTC=", x0
    ldr     w0, [x19, #4]
    SHOW    "RSTS=", x0
    ldr     w0, [x19, #8]
    SHOW    "WDOG=", x0

    // Which test: one byte from the PL011.
    LDI     x1, UART_DR
    mov     w2, #0x301
    str     w2, [x1, #0x30]             // CR: UARTEN, TXE, RXE
1:  ldr     w2, [x1, #0x18]
    tbnz    w2, #4, 1b                  // FR.RXFE: nothing yet
    ldr     w20, [x1]
    and     w20, w20, #0xff
    cmp     w20, #'p'
    b.eq    no_password
    cmp     w20, #'h'
    b.ne    reset
    SAY     "halt: RSTS = partition 63"
    LDI     x0, (PASSWORD | 0x555)
    str     w0, [x19, #4]
    ldr     w0, [x19, #4]
    SHOW    "RSTS=", x0
reset:
    SAY     "starting the watchdog: 10 ticks"
    LDI     x0, (PASSWORD | 10)
    str     w0, [x19, #8]
    ldr     w0, [x19]
    and     w0, w0, #0xffffffcf         // WRCFG cleared...
    orr     w0, w0, #RSTC_FULL_RESET    // ...then full reset
    and     w0, w0, #0x00ffffff
    LDI     x1, PASSWORD
    orr     w0, w0, w1
    str     w0, [x19]
2:  b       2b                          // the watchdog ends the run

no_password:
    mov     w0, #0x555
    str     w0, [x19, #4]               // RSTS without the password
    mov     w0, #10
    str     w0, [x19, #8]               // WDOG without the password
    mov     w0, #RSTC_FULL_RESET
    str     w0, [x19]                   // RSTC without the password
    ldr     w0, [x19]
    SHOW    "RSTC=", x0
    ldr     w0, [x19, #4]
    SHOW    "RSTS=", x0
    ldr     w0, [x19, #8]
    SHOW    "WDOG=", x0
    // Give a watchdog that wrongly started time to fire: 10 ticks are 153 microseconds.
    mov     x0, #0x100000
3:  subs    x0, x0, #1
    b.ne    3b
    SAY     "still running"
    EXIT    5
