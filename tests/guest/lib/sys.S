/* Protection-model helpers for the system tests (sys.h): a larger GDT with
 * CPL-3 segments and a TSS, descriptor and gate builders, and the way in and
 * out of CPL 3. Linked by the tests that need it (SOURCES ... lib/sys.S),
 * after lib/pm.S has set up the flat GDT and the IDT. Every function here
 * runs at CPL 0 and preserves all registers unless it says otherwise.
 * Reference: SDM vol. 3A, chapters 3, 5, 6 and 7. */
#include "check.h"
#include "sys.h"

    .bss
    .balign 8
    .globl sys_gdt
sys_gdt:
    .fill SYS_GDT_ENTRIES * 8, 1, 0
    .balign 16
    .globl sys_tss
sys_tss:                            /* TSS, then the I/O bitmap and its 0xFF end byte */
    .fill TSS_SIZE + 8192 + 1, 1, 0
    .balign 16
    .globl sys_r3_stack_top
sys_r3_stack:
    .fill 4096, 1, 0
sys_r3_stack_top:

    .data
    .balign 4
    .word 0
sys_gdt_desc:
    .word SYS_GDT_LIMIT
    .long sys_gdt
    .word 0
sys_idt_desc:                       /* what SIDT found */
    .word 0
    .long 0
    .globl sys_r3_eflags, sys_r3_frame, sys_r3_gate_esp, sys_r0_esp
sys_r3_eflags:  .long FL_RESERVED1  /* EFLAGS for CPL-3 code: IOPL 0, IF 0 */
sys_r0_esp:     .long 0             /* the CPL-0 stack of the running call */
sys_r3_frame:   .fill 5, 4, 0       /* EIP CS EFLAGS ESP SS of the way back */
sys_r3_gate_esp: .long 0            /* ESP on entry to the SYS_VEC_RING0 gate */

    .text
    .code32

/* sys_init: install sys_gdt (a copy of the running GDT plus the CPL-3
 * segments and sys_tss), load TR, and add the SYS_VEC_RING0 gate. */
    .globl sys_init
sys_init:
    pushal
    subl $8, %esp
    sgdt 2(%esp)
    movzwl 2(%esp), %ecx            /* limit */
    incl %ecx
    movl 4(%esp), %esi              /* base */
    movl $sys_gdt, %edi
1:  movb (%esi), %al
    movb %al, (%edi)
    incl %esi
    incl %edi
    decl %ecx
    jnz 1b
    sidt sys_idt_desc
    addl $8, %esp

    movl $SYS_SEL_CODE3, %eax
    xorl %ebx, %ebx
    movl $0xfffff, %ecx
    movl $(SEG_G | SEG_32 | ACC_CODE_XR | DPL(3)), %edx
    call sys_set_seg
    movl $SYS_SEL_DATA3, %eax
    movl $(SEG_G | SEG_32 | ACC_DATA_RW | DPL(3)), %edx
    call sys_set_seg

    /* The TSS: SS0, and an I/O bitmap denying every port but a few. */
    movl $SEL_DATA32, sys_tss+TSS_SS0
    movl $__stack_top, sys_tss+TSS_ESP0
    movw $TSS_SIZE, sys_tss+TSS_IOMAP
    movl $sys_tss+TSS_SIZE, %edi
    movl $8193, %ecx
2:  movb $0xff, (%edi)
    incl %edi
    decl %ecx
    jnz 2b
    movl $0x80, %eax
    call sys_io_allow
    movl $0xe9, %eax
    call sys_io_allow
    movl $0xf4, %eax
    call sys_io_allow
    incl %eax
    call sys_io_allow
    incl %eax
    call sys_io_allow
    incl %eax
    call sys_io_allow
    movl $SYS_SEL_TSS, %eax
    movl $sys_tss, %ebx
    movl $(TSS_SIZE + 8192), %ecx
    movl $ACC_TSS32, %edx
    call sys_set_seg

    lgdt sys_gdt_desc
    movw $SYS_SEL_TSS, %ax
    ltr %ax

    movl $SYS_VEC_RING0, %eax
    movl $sys_ring0_entry, %ebx
    movl $SEL_CODE32, %ecx
    movl $(ACC_INTGATE32 | DPL(3)), %edx
    call sys_set_idt
    popal
    ret

/* sys_io_allow / sys_io_deny: clear / set the I/O bitmap bit of port EAX. */
    .globl sys_io_allow, sys_io_deny
sys_io_allow:
    btrl %eax, sys_tss+TSS_SIZE
    ret
sys_io_deny:
    btsl %eax, sys_tss+TSS_SIZE
    ret

/* sys_set_seg: GDT entry for selector EAX = a segment or system descriptor
 * with base EBX, 20-bit limit ECX, access byte in DL and flags nibble in
 * DH bits 4-7 (SEG_G, SEG_32). */
    .globl sys_set_seg
sys_set_seg:
    pushal
    andl $0xfff8, %eax
    addl $sys_gdt, %eax
    movw %cx, (%eax)                /* limit 15:0 */
    movw %bx, 2(%eax)               /* base 15:0 */
    shrl $16, %ebx
    movb %bl, 4(%eax)               /* base 23:16 */
    movb %dl, 5(%eax)               /* access */
    shrl $16, %ecx
    andb $0x0f, %cl
    andb $0xf0, %dh
    orb %dh, %cl
    movb %cl, 6(%eax)               /* flags, limit 19:16 */
    movb %bh, 7(%eax)               /* base 31:24 */
    popal
    ret

/* sys_set_gdt_gate: GDT entry for selector EAX = a gate to ECX:EBX with
 * access byte DL and (call gates) parameter count DH. */
    .globl sys_set_gdt_gate
sys_set_gdt_gate:
    pushal
    andl $0xfff8, %eax
    addl $sys_gdt, %eax
    jmp sys_write_gate

/* sys_set_idt: IDT entry for vector EAX = a gate to ECX:EBX with access
 * byte DL (ACC_INTGATE32, ACC_TRAPGATE32, ACC_TASKGATE; | DPL(n)). */
    .globl sys_set_idt
sys_set_idt:
    pushal
    shll $3, %eax
    addl sys_idt_desc+2, %eax
    movb $0, %dh
sys_write_gate:
    movw %bx, (%eax)                /* offset 15:0 */
    movw %cx, 2(%eax)               /* selector */
    andb $0x1f, %dh
    movb %dh, 4(%eax)               /* parameter count */
    movb %dl, 5(%eax)               /* access */
    shrl $16, %ebx
    movw %bx, 6(%eax)               /* offset 31:16 */
    popal
    ret

/* sys_get_idt: EAX = vector -> EBX = low, EDX = high dword of its gate. */
    .globl sys_get_idt
sys_get_idt:
    pushl %eax
    shll $3, %eax
    addl sys_idt_desc+2, %eax
    movl (%eax), %ebx
    movl 4(%eax), %edx
    popl %eax
    ret

/* sys_put_idt: EAX = vector <- EBX = low, EDX = high dword (restores what
 * sys_get_idt read). */
    .globl sys_put_idt
sys_put_idt:
    pushl %eax
    shll $3, %eax
    addl sys_idt_desc+2, %eax
    movl %ebx, (%eax)
    movl %edx, 4(%eax)
    popl %eax
    ret

/* sys_ring3_call: run the code at EAX at CPL 3 (CS = SYS_SEL_CODE3, SS =
 * DS = ES = FS = GS = SYS_SEL_DATA3, ESP = a fresh 4 KiB stack, EFLAGS =
 * sys_r3_eflags), with EBX ECX EDX ESI EDI passed through. The code comes
 * back with INT SYS_VEC_RING0; sys_ring3_call then returns with EAX EBX
 * ECX EDX ESI EDI as the CPL-3 code left them, EBP kept, DS ES FS GS =
 * SEL_DATA32, the frame that INT pushed in sys_r3_frame and the ESP it was
 * pushed below (the TSS.ESP0 stack switch) in sys_r3_gate_esp. While the
 * CPL-3 code runs, TSS.ESP0 points just below this call's own frame. */
    .globl sys_ring3_call
sys_ring3_call:
    pushl %ebp
    movl %esp, sys_r0_esp
    movl %esp, sys_tss+TSS_ESP0
    pushl $SYS_SEL_DATA3            /* SS */
    pushl $sys_r3_stack_top         /* ESP */
    pushl sys_r3_eflags             /* EFLAGS */
    pushl $SYS_SEL_CODE3            /* CS */
    pushl %eax                      /* EIP */
    movl $SYS_SEL_DATA3, %eax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    iretl

sys_ring0_entry:
    pushl %eax
    movl $SEL_DATA32, %eax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    leal 4(%esp), %eax
    movl %eax, sys_r3_gate_esp
    movl 4(%esp), %eax
    movl %eax, sys_r3_frame
    movl 8(%esp), %eax
    movl %eax, sys_r3_frame+4
    movl 12(%esp), %eax
    movl %eax, sys_r3_frame+8
    movl 16(%esp), %eax
    movl %eax, sys_r3_frame+12
    movl 20(%esp), %eax
    movl %eax, sys_r3_frame+16
    popl %eax
    movl sys_r0_esp, %esp
    popl %ebp
    cld
    ret

    .section .note.GNU-stack, "", @progbits
