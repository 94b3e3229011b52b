/* Startup of a protected-mode assembly test (MODE protected): guest_main
 * installs the GDT of gdt.S and an IDT whose 256 interrupt gates lead to
 * pm_trap_common, masks the 8259s (firmware may have left IRQs enabled),
 * then calls the test's test_main (check.h), which never returns.
 *
 * pm_trap_common records an exception the running row or test armed it for
 * (trap_* in check_rt.inc) and returns to the saved EIP, or to trap_resume
 * when that is set (how a fault is stepped over); any other exception is
 * reported by chk_unexpected_trap. Frame layout: SDM vol. 3A, 6.12.1. */
#include "check.h"

#define PM_STUB_SIZE 16
#define PIC1_DATA 0x21
#define PIC2_DATA 0xA1
#define GATE_INTERRUPT32 0x8e       /* P=1, DPL=0, 32-bit interrupt gate */

    .bss
    .balign 8
idt:
    .fill 256 * 8, 1, 0

    .data
    .balign 4
    .word 0
idt_desc:
    .word 256 * 8 - 1
    .long idt

    .text
    .code32

    .globl guest_main
    .type guest_main, @function
guest_main:
    cli
    call gdt_load
    movl $idt, %edi
    movl $pm_trap_stubs, %eax
    xorl %ecx, %ecx
1:  movl %eax, %edx
    movw %dx, (%edi)                /* offset 15:0 */
    movw $SEL_CODE32, 2(%edi)
    movb $0, 4(%edi)
    movb $GATE_INTERRUPT32, 5(%edi)
    shrl $16, %edx
    movw %dx, 6(%edi)               /* offset 31:16 */
    addl $PM_STUB_SIZE, %eax
    addl $8, %edi
    incl %ecx
    cmpl $256, %ecx
    jb 1b
    lidt idt_desc
    movb $0xff, %al
    outb %al, $PIC1_DATA
    outb %al, $PIC2_DATA
    cld
    call test_main
    movl $3, %eax                   /* test_main must not return */
    jmp chk_exit
    .size guest_main, . - guest_main

/* pm_set_gate_type: EAX = vector, EBX = type/attribute byte (0x8e interrupt
 * gate, 0x8f trap gate). Preserves all registers. */
    .globl pm_set_gate_type
pm_set_gate_type:
    movb %bl, idt+5(,%eax,8)
    ret

/* pm_set_gate: point vector EAX at handler EBX (CS = SEL_CODE32) with type
 * byte ECX; EBX = 0 restores the standard stub. Preserves all registers. */
    .globl pm_set_gate
pm_set_gate:
    pushl %ebx
    testl %ebx, %ebx
    jnz 1f
    movl %eax, %ebx
    shll $4, %ebx                   /* PM_STUB_SIZE */
    addl $pm_trap_stubs, %ebx
1:  movw %bx, idt(,%eax,8)
    movw $SEL_CODE32, idt+2(,%eax,8)
    movb $0, idt+4(,%eax,8)
    movb %cl, idt+5(,%eax,8)
    shrl $16, %ebx
    movw %bx, idt+6(,%eax,8)
    popl %ebx
    ret

/* One stub per vector, PM_STUB_SIZE bytes apart. The CPU pushes an error
 * code for vectors 8, 10-14, 17 (SDM vol. 3A, table 6-1); the other stubs
 * push a 0 in its place so that every frame looks alike. */
    .balign PM_STUB_SIZE
pm_trap_stubs:
    .set vec, 0
    .rept 256
    .balign PM_STUB_SIZE
    .if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17)
    .else
    pushl $0
    .endif
    pushl $vec
    jmp pm_trap_common
    .set vec, vec + 1
    .endr

/* Stack: pushed DS, ES, then PUSHAL, then vector, error code, EIP, CS, EFLAGS. */
#define F_VEC 40
#define F_ERR 44
#define F_EIP 48
#define F_CS 52
#define F_EFLAGS 56
pm_trap_common:
    pushal
    pushl %ds
    pushl %es
    pushfl
    popl %ebp                       /* the flags the handler runs with */
    movl $SEL_DATA32, %eax
    movw %ax, %ds
    movw %ax, %es
    cld
    movl F_VEC(%esp), %eax
    movl F_EIP(%esp), %ebx
    movzwl F_CS(%esp), %ecx
    movl F_ERR(%esp), %edx
    cmpl $0, trap_armed
    je 2f
    movl $0, trap_armed
    movl %eax, trap_vector
    movl %ebx, trap_eip
    movl %ecx, trap_cs
    movl %edx, trap_errcode
    movl F_EFLAGS(%esp), %eax
    movl %eax, trap_eflags
    movl %ebp, trap_live_flags
    incl trap_count
    movl trap_resume, %eax
    testl %eax, %eax
    jz 1f
    movl %eax, F_EIP(%esp)
1:  popl %es
    popl %ds
    popal
    addl $8, %esp                   /* vector, error code */
    iretl
2:  jmp chk_unexpected_trap

    .section .note.GNU-stack, "", @progbits
