// The exception vector table: where the processor goes when an exception is taken to EL1.
//
// VBAR_EL1 holds the table's address (2 KiB aligned). It has 16 entries of 0x80 bytes (32
// instructions): four groups by origin (EL1 on SP_EL0, EL1 on SP_EL1, EL0 in AArch64, EL0
// in AArch32), each with four kinds (synchronous, IRQ, FIQ, SError). The processor jumps
// to the entry, with interrupts masked and the registers still as the interrupted code
// left them: the entry must save them before using any.
//
// The numbers in braces are the trap frame's size and offsets, given by exceptions.rs
// from the TrapFrame type in trap.rs, so this file and the Rust type cannot disagree.

// ANCHOR: vector_entry
// One entry: make room for a trap frame on the stack, save x0 and x1 there to free them,
// put the entry's index (0-15) in x0 and continue in the code every entry shares.
.macro vector_entry index
    .balign 0x80
    sub     sp, sp, #{FRAME_SIZE}
    stp     x0, x1, [sp, #0]
    mov     x0, #\index
    b       save_and_handle
.endm
// ANCHOR_END: vector_entry

// ANCHOR: stack_overflow_check
// The entry for the kernel's own synchronous exceptions, which include a stack overflow: a
// store into the guard page below the stack. The stack is then unusable (saving the frame
// there would fault again, and again), so before storing anything this entry checks that
// the frame fits above the stack's bottom, and if not moves to a small stack kept for
// reporting the overflow. Each process has a kernel stack of its own, so the bottom is a
// variable, kernel_stack_bottom, which the scheduler sets at every switch. TPIDR_EL1 (a
// register the kernel does not otherwise use yet) holds x0 meanwhile.
.macro kernel_synchronous_entry
    .balign 0x80
    sub     sp, sp, #{FRAME_SIZE}
    msr     tpidr_el1, x0
    adrp    x0, kernel_stack_bottom
    ldr     x0, [x0, :lo12:kernel_stack_bottom]
    cmp     sp, x0
    b.lo    stack_overflowed
    mrs     x0, tpidr_el1
    stp     x0, x1, [sp, #0]
    mov     x0, #4
    b       save_and_handle
.endm
// ANCHOR_END: stack_overflow_check

// The bottom of the kernel stack in use: the boot stack's until the scheduler first switches.
.section .data.kernel_stack_bottom, "aw"
.balign 8
.global kernel_stack_bottom
kernel_stack_bottom:
    .quad   __stack_bottom

// ANCHOR: vector_table
.section .text.vectors, "ax"
.balign 0x800
.global exception_vectors
exception_vectors:
    vector_entry 0      // EL1 on SP_EL0: synchronous
    vector_entry 1      //                IRQ
    vector_entry 2      //                FIQ
    vector_entry 3      //                SError
    kernel_synchronous_entry  // EL1 on SP_EL1: synchronous (the kernel's faults, BRK)
    vector_entry 5      //                IRQ (interrupting the kernel)
    vector_entry 6      //                FIQ
    vector_entry 7      //                SError
    vector_entry 8      // EL0, AArch64:  synchronous (system calls, a program's faults)
    vector_entry 9      //                IRQ
    vector_entry 10     //                FIQ
    vector_entry 11     //                SError
    vector_entry 12     // EL0, AArch32:  never used by this kernel
    vector_entry 13
    vector_entry 14
    vector_entry 15
// ANCHOR_END: vector_table

// ANCHOR: stack_overflowed
// The kernel's stack overflowed: handle the exception on the overflow stack instead. Only
// a report can follow; nothing returns to the code that overflowed.
stack_overflowed:
    adrp    x0, __overflow_stack_top
    add     x0, x0, :lo12:__overflow_stack_top
    mov     sp, x0
    sub     sp, sp, #{FRAME_SIZE}
    mrs     x0, tpidr_el1
    stp     x0, x1, [sp, #0]
    mov     x0, #4
    b       save_and_handle
// ANCHOR_END: stack_overflowed

// ANCHOR: save_and_handle
// Saves the rest of the trap frame, calls handle_exception(frame, index) in Rust, then puts
// every register back from the frame (which the handler may have changed) and returns to
// the interrupted code with ERET. From EL0 the frame lands at the top of the process's
// kernel stack: SP_EL1 is at that top whenever a process runs at EL0.
save_and_handle:
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
    mrs     x2, sp_el0
    stp     x30, x2, [sp, #{X30}]
    mrs     x2, elr_el1
    mrs     x3, spsr_el1
    stp     x2, x3, [sp, #{ELR}]
    mrs     x2, esr_el1
    mrs     x3, far_el1
    stp     x2, x3, [sp, #{ESR}]

    mov     x1, x0
    mov     x0, sp
    bl      handle_exception

// The way back, also where a new process starts (process.rs): SP points at a trap frame.
.global exception_return
exception_return:
    ldp     x2, x3, [sp, #{ELR}]
    msr     elr_el1, x2
    msr     spsr_el1, x3
    ldp     x30, x2, [sp, #{X30}]
    msr     sp_el0, x2
    ldp     x0, x1, [sp, #0]
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
    add     sp, sp, #{FRAME_SIZE}
    eret
// ANCHOR_END: save_and_handle
