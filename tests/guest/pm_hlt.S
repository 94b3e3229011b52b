/* HLT in flat protected mode, woken by a timer interrupt: the 8254 PIT
 * channel 0 (mode 2, about 1 kHz) raises IRQ 0, the 8259 PIC (reprogrammed:
 * IRQ 0-7 -> vectors 0x20-0x27, only IRQ 0 unmasked) delivers it, and the
 * saved EIP is the instruction after HLT (SDM vol. 2, HLT; vol. 3A, 6.5).
 * STI's one-instruction interrupt shadow guarantees that STI; HLT halts
 * before the interrupt is taken. Needs the PIC and the PIT as well as the
 * CPU. Reference: Intel 8254 and 8259A datasheets for the programming.
 *
 * jitpc-expect-output: hlt: 6 checks ok\n
 * jitpc-expect-output: total: 6 checks ok\n
 * jitpc-expect-exit: 0
 */
#include "check.h"
#if CHECK_MODE != 32
#error "pm_hlt runs in protected mode only"
#endif

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xA0
#define PIC2_DATA 0xA1
#define PIC_EOI 0x20
#define IRQ0_VECTOR 0x20
#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_DIVISOR 1193            /* 1193182 Hz / 1193: about 1 kHz */
#define GATE_INT 0x8e
#define HLT_ROUNDS 3

    .data
    .balign 4
ticks:      .long 0
tick_eip:   .long 0

    .text
timer_handler:
    pushl %eax
    incl ticks
    movl 4(%esp), %eax              /* the saved EIP */
    movl %eax, tick_eip
    movb $PIC_EOI, %al
    outb %al, $PIC1_CMD
    popl %eax
    iretl

TEST_MAIN
    movl $IRQ0_VECTOR, %eax
    movl $timer_handler, %ebx
    movl $GATE_INT, %ecx
    call pm_set_gate
    /* 8259A: ICW1 (edge, cascade, ICW4), ICW2 (vector base), ICW3, ICW4 (8086). */
    movb $0x11, %al
    outb %al, $PIC1_CMD
    outb %al, $PIC2_CMD
    movb $IRQ0_VECTOR, %al
    outb %al, $PIC1_DATA
    movb $IRQ0_VECTOR + 8, %al
    outb %al, $PIC2_DATA
    movb $0x04, %al
    outb %al, $PIC1_DATA
    movb $0x02, %al
    outb %al, $PIC2_DATA
    movb $0x01, %al
    outb %al, $PIC1_DATA
    outb %al, $PIC2_DATA
    movb $0xfe, %al                 /* only IRQ 0 */
    outb %al, $PIC1_DATA
    movb $0xff, %al
    outb %al, $PIC2_DATA
    /* 8254: channel 0, low then high byte, mode 2 (rate generator), binary. */
    movb $0x34, %al
    outb %al, $PIT_CMD
    movb $(PIT_DIVISOR & 0xff), %al
    outb %al, $PIT_CH0
    movb $(PIT_DIVISOR >> 8), %al
    outb %al, $PIT_CH0

    movl $HLT_ROUNDS, %esi
1:  movl ticks, %edi
    movl $0, tick_eip
    sti
    hlt
hlt_next:
    cli
    xorl %eax, %eax
    cmpl ticks, %edi
    jae 2f
    incl %eax
2:  CHECK "hlt: woken by the timer interrupt", %eax, $1
    CHECK "hlt: the interrupt returns after hlt", tick_eip, $hlt_next
    decl %esi
    jnz 1b

    movb $0xff, %al
    outb %al, $PIC1_DATA
    END_CHECKS "hlt"
FINISH

    .section .note.GNU-stack, "", @progbits
