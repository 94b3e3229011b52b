/* Startup of a real-mode assembly test (MODE real). The Multiboot loader
 * enters guest_main in flat 32-bit protected mode; it copies the real-mode
 * image (.rm16.*, linked at RM16_BASE, see guest.ld) down below 64 KiB and
 * returns to real mode as SDM vol. 3A, 9.9.2 prescribes:
 *   1. interrupts off (they are), no paging (there is none);
 *   2. far jump to a 16-bit code segment with a 64 KiB limit;
 *   3. load SS, DS, ES, FS, GS with a 64 KiB, byte-granular, writable,
 *      expand-up data segment;
 *   4. LIDT a real-mode IVT (base 0, limit 0x3FF);
 *   5. clear CR0.PE; 6. far jump to a real-mode CS:IP;
 *   7. load the segment registers (all 0 here) and SP (RM_STACK_TOP).
 * Then it points every IVT entry at a handler stub, masks the 8259s and
 * calls test_main (check.h) with CS = DS = ES = FS = GS = SS = 0.
 *
 * rm_trap_common records an exception that was armed for (trap_* in
 * check_rt.inc) and IRETs to the saved CS:IP, or to 0:trap_resume; any
 * other one goes to chk_unexpected_trap. It reaches its variables through
 * CS (always 0 in the handler), so tests may change DS, ES and SS. */
#include "check.h"

#define RM_STUB_SIZE 8
#define PIC1_DATA 0x21
#define PIC2_DATA 0xA1

    .text
    .code32
    .globl guest_main
    .type guest_main, @function
guest_main:
    cli
    call gdt_load
    /* A plain loop: no string instruction before the test runs. */
    movl $__rm16_load, %esi
    movl $__rm16_start, %edi
    movl $__rm16_end, %ecx
1:  movl (%esi), %eax
    movl %eax, (%edi)
    addl $4, %esi
    addl $4, %edi
    cmpl %ecx, %edi
    jb 1b
    ljmp $SEL_CODE16, $rm_pm16
    .size guest_main, . - guest_main

    .section .rm16.text, "ax"
    .code16
rm_pm16:                            /* 16-bit protected mode, CS base 0 */
    movw $SEL_DATA16, %ax
    movw %ax, %ss
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    lidt rm_ivt_desc
    movl %cr0, %eax
    andl $0x7ffffffe, %eax          /* PE = 0, PG = 0 */
    movl %eax, %cr0
    ljmp $0, $rm_start

rm_start:                           /* real mode */
    xorw %ax, %ax
    movw %ax, %ss
    movl $RM_STACK_TOP, %esp
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    xorl %ebp, %ebp
    /* IVT entry v = 0000:(rm_trap_stubs + v * RM_STUB_SIZE). */
    movw $rm_trap_stubs, %ax
    xorw %di, %di
1:  movw %ax, (%di)
    movw $0, 2(%di)
    addw $RM_STUB_SIZE, %ax
    addw $4, %di
    cmpw $0x400, %di
    jb 1b
    movb $0xff, %al
    outb %al, $PIC1_DATA
    outb %al, $PIC2_DATA
    cld
    call test_main
    movl $3, %eax                   /* test_main must not return */
    jmp chk_exit

    .balign RM_STUB_SIZE
rm_trap_stubs:
    .set vec, 0
    .rept 256
    .balign RM_STUB_SIZE
    pushw $vec
    jmp rm_trap_common
    .set vec, vec + 1
    .endr

/* Stack (SS-relative, via BP): PUSHAL, then vector, IP, CS, FLAGS. */
#define F_VEC 32
#define F_IP 34
#define F_CS 36
#define F_FLAGS 38
rm_trap_common:
    pushal
    movw %sp, %bp
    pushfl
    popl %esi                       /* the flags the handler runs with */
    cld
    movzwl F_VEC(%bp), %eax
    movzwl F_IP(%bp), %ebx
    movzwl F_CS(%bp), %ecx
    xorl %edx, %edx
    cmpl $0, %cs:trap_armed
    je 2f
    movl $0, %cs:trap_armed
    movl %eax, %cs:trap_vector
    movl %ebx, %cs:trap_eip
    movl %ecx, %cs:trap_cs
    movl %edx, %cs:trap_errcode
    movzwl F_FLAGS(%bp), %eax
    movl %eax, %cs:trap_eflags
    movl %esi, %cs:trap_live_flags
    incl %cs:trap_count
    movl %cs:trap_resume, %eax
    testl %eax, %eax
    jz 1f
    movw %ax, F_IP(%bp)
    movw $0, F_CS(%bp)
1:  popal
    addw $2, %sp                    /* vector */
    iret
2:  xorw %si, %si
    movw %si, %ds
    movw %si, %es
    jmp chk_unexpected_trap

    .section .rm16.rodata, "a"
    .balign 4
    .word 0
rm_ivt_desc:
    .word 0x3ff
    .long 0

    .section .note.GNU-stack, "", @progbits
