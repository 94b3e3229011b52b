/* Stack instructions: PUSH/POP of registers, immediates (imm8 sign-extended,
 * imm16/32), memory and segment registers in both operand sizes, PUSH ESP
 * (the value before the push), POP ESP, POP to an ESP-based address (the
 * address is computed after the increment), PUSHA/POPA (POPA skips the ESP
 * slot), PUSHF/POPF (reserved bits 1, 3, 5, 15; POPFW keeps the upper
 * half), ENTER with nesting levels 0, 1 and 3, LEAVE, and RET imm16. None
 * of them changes a status flag. Each row switches to a private stack at
 * STK_TOP (below 64 KiB, so 16- and 32-bit stack addressing agree) and
 * back. Built twice: pm_stack and rm_stack.
 *
 * jitpc-expect-output: push/pop: 18 checks ok\n
 * jitpc-expect-output: pusha/popa: 5 checks ok\n
 * jitpc-expect-output: pushf/popf: 6 checks ok\n
 * jitpc-expect-output: enter/leave: 4 checks ok\n
 * jitpc-expect-output: ret imm16: 2 checks ok\n
 * jitpc-expect-output: total: 35 checks ok\n
 * jitpc-expect-exit: 0
 */
#include "check.h"

#define STK_TOP (LOW_SCRATCH+0x800)
#define EFLAGS_AC (1<<18)
    .set stk_top, STK_TOP

    .pushsection SECT_DATA, "aw"
    .balign 4
stk_saved:
    .long 0
    .popsection

/* Switch to the private stack and back (inside a row). */
    .macro STK_IN
    movl %esp, stk_saved
    movl $stk_top, %esp
    .endm
    .macro STK_OUT
    movl stk_saved, %esp
    .endm

/* The upper half of EDX after a 16-bit write to DX. */
#define DX(v) ((CAN_EDX&0xffff0000)|(v))

GROUP st_push
R4 "STK_IN; pushl %eax; movl %esp, %ecx; popl %edx; STK_OUT", 0x11223344, CAN_EBX, CAN_ECX, CAN_EDX, FL_STATUS, 0x11223344, CAN_EBX, STK_TOP-4, 0x11223344, FL_STATUS, FL_STATUS
R4 "STK_IN; pushw %ax; movl %esp, %ecx; popw %dx; STK_OUT", 0x11223344, CAN_EBX, CAN_ECX, CAN_EDX, 0, 0x11223344, CAN_EBX, STK_TOP-2, DX(0x3344), 0, FL_STATUS
R4 "STK_IN; pushl $-5; popl %edx; movl %esp, %ecx; STK_OUT", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, FL_STATUS, CAN_EAX, CAN_EBX, STK_TOP, 0xfffffffb, FL_STATUS, FL_STATUS
R4 "STK_IN; pushw $-5; popw %dx; movl %esp, %ecx; STK_OUT", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, 0, CAN_EAX, CAN_EBX, STK_TOP, DX(0xfffb), 0, FL_STATUS
R4 "STK_IN; pushl $0x12345678; movl %esp, %ecx; popl %edx; STK_OUT", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, FL_STATUS, CAN_EAX, CAN_EBX, STK_TOP-4, 0x12345678, FL_STATUS, FL_STATUS
R4 "movl %eax, chk_mem; STK_IN; pushl chk_mem; movl %esp, %ecx; popl %edx; STK_OUT", 0xa1b2c3d4, CAN_EBX, CAN_ECX, CAN_EDX, 0, 0xa1b2c3d4, CAN_EBX, STK_TOP-4, 0xa1b2c3d4, 0, FL_STATUS
R4 "STK_IN; pushl %ebx; popl chk_mem; movl %esp, %ecx; STK_OUT; movl chk_mem, %edx", CAN_EAX, 0x0badcafe, CAN_ECX, CAN_EDX, FL_STATUS, CAN_EAX, 0x0badcafe, STK_TOP, 0x0badcafe, FL_STATUS, FL_STATUS
R4 "movw %ax, chk_mem; STK_IN; pushw chk_mem; movl %esp, %ecx; popw %dx; STK_OUT", 0x1234abcd, CAN_EBX, CAN_ECX, CAN_EDX, 0, 0x1234abcd, CAN_EBX, STK_TOP-2, DX(0xabcd), 0, FL_STATUS
R4 "movl $0xffffffff, chk_mem; STK_IN; pushw %bx; popw chk_mem; movl %esp, %ecx; STK_OUT; movl chk_mem, %edx", CAN_EAX, 0x5678cdef, CAN_ECX, CAN_EDX, FL_STATUS, CAN_EAX, 0x5678cdef, STK_TOP, 0xffffcdef, FL_STATUS, FL_STATUS
R4 "STK_IN; pushl %esp; popl %edx; STK_OUT", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, 0, CAN_EAX, CAN_EBX, CAN_ECX, STK_TOP, 0, FL_STATUS
R4 "STK_IN; pushw %sp; popw %dx; STK_OUT", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, FL_STATUS, CAN_EAX, CAN_EBX, CAN_ECX, DX(STK_TOP), FL_STATUS, FL_STATUS
R4 "STK_IN; pushl $stk_top - 0x40; popl %esp; movl %esp, %ecx; STK_OUT", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, 0, CAN_EAX, CAN_EBX, STK_TOP-0x40, CAN_EDX, 0, FL_STATUS
R4 "STK_IN; pushl $0x11111111; pushl $0x22222222; popl (%esp); movl %esp, %ecx; movl (%esp), %edx; STK_OUT", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, FL_STATUS, CAN_EAX, CAN_EBX, STK_TOP-4, 0x22222222, FL_STATUS, FL_STATUS
R4 "STK_IN; pushl %ds; movl %esp, %ecx; popl %edx; movzwl %dx, %edx; STK_OUT", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, 0, CAN_EAX, CAN_EBX, STK_TOP-4, SEG_FLAT, 0, FL_STATUS
R4 "STK_IN; pushw %es; movl %esp, %ecx; popw %dx; STK_OUT", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, FL_STATUS, CAN_EAX, CAN_EBX, STK_TOP-2, DX(SEG_FLAT), FL_STATUS, FL_STATUS
R4 "STK_IN; pushl %ds; popl %gs; movl %esp, %ecx; movw %gs, %dx; STK_OUT", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, 0, CAN_EAX, CAN_EBX, STK_TOP, DX(SEG_FLAT), 0, FL_STATUS
/* MOV from a segment register to a 32-bit register zero-extends (P6 on). */
R4 "STK_IN; pushw %ss; popw %fs; movl %fs, %edx; STK_OUT", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, FL_STATUS, CAN_EAX, CAN_EBX, CAN_ECX, SEG_FLAT, FL_STATUS, FL_STATUS
R4 "STK_IN; pushl %cs; popl %edx; movzwl %dx, %edx; STK_OUT", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, 0, CAN_EAX, CAN_EBX, CAN_ECX, SEG_CODE, 0, FL_STATUS
END_GROUP st_push

GROUP st_pusha
/* PUSHAL: EAX ECX EDX EBX (ESP before) EBP ESI EDI, EDI lowest. */
R4 "STK_IN; pushal; movl %esp, %eax; movl 12(%esp), %edx; movl 28(%esp), %ecx; movl 16(%esp), %ebx; leal 32(%esp), %esp; STK_OUT", 0xaaaaaaaa, 0xbbbbbbbb, CAN_ECX, CAN_EDX, FL_STATUS, STK_TOP-32, 0xbbbbbbbb, 0xaaaaaaaa, STK_TOP, FL_STATUS, FL_STATUS
ROW "STK_IN; pushl $0x11111111; pushl $0x22222222; pushl $0x33333333; pushl $0x44444444; pushl $0x55555555; pushl $0x66666666; pushl $0x77777777; pushl $0x88888888; popal; STK_OUT", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, 0, 0x11111111, 0x44444444, 0x22222222, 0x33333333, 0x77777777, 0x88888888, 0, FL_STATUS
R4 "STK_IN; pushal; movl $0xdeadbeef, 12(%esp); popal; movl %esp, %ecx; STK_OUT", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, FL_STATUS, CAN_EAX, CAN_EBX, STK_TOP, CAN_EDX, FL_STATUS, FL_STATUS
/* PUSHAW: AX CX DX BX SP BP SI DI, 2 bytes each. */
R4 "STK_IN; pushaw; movl %esp, %ecx; movw 8(%esp), %dx; movw 14(%esp), %bx; movw 6(%esp), %ax; leal 16(%esp), %esp; STK_OUT", 0x1111aaaa, 0x2222bbbb, CAN_ECX, CAN_EDX, 0, (0x1111<<16)|STK_TOP, 0x2222aaaa, STK_TOP-16, DX(0xbbbb), 0, FL_STATUS
ROW "STK_IN; pushw $0x1111; pushw $0x2222; pushw $0x3333; pushw $0x4444; pushw $0x5555; pushw $0x6666; pushw $0x7777; pushw $0x8888; popaw; STK_OUT", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, FL_STATUS, (CAN_EAX&0xffff0000)|0x1111, (CAN_EBX&0xffff0000)|0x4444, (CAN_ECX&0xffff0000)|0x2222, DX(0x3333), (CAN_ESI&0xffff0000)|0x7777, (CAN_EDI&0xffff0000)|0x8888, FL_STATUS, FL_STATUS
END_GROUP st_pusha

GROUP st_pushf
R4 "pushfl; popl %edx", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, FL_STATUS, CAN_EAX, CAN_EBX, CAN_ECX, FL_STATUS|FL_RESERVED1, FL_STATUS, FL_STATUS
R4 "pushfl; popl %edx", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, DF|CF, CAN_EAX, CAN_EBX, CAN_ECX, DF|CF|FL_RESERVED1, DF|CF, FL_STATUS|DF
R4 "pushfw; popw %dx", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, FL_STATUS, CAN_EAX, CAN_EBX, CAN_ECX, DX(FL_STATUS|FL_RESERVED1), FL_STATUS, FL_STATUS
/* Reserved bits 3, 5 and 15 always read 0, bit 1 always 1. */
R4 "pushl %ebx; popfl; pushfl; popl %edx", CAN_EAX, FL_STATUS|DF|0x8028, CAN_ECX, CAN_EDX, 0, CAN_EAX, FL_STATUS|DF|0x8028, CAN_ECX, FL_STATUS|DF|FL_RESERVED1, FL_STATUS|DF, FL_STATUS|DF
R4 "pushl %ebx; popfl; pushfl; popl %edx", CAN_EAX, 0, CAN_ECX, CAN_EDX, FL_STATUS, CAN_EAX, 0, CAN_ECX, FL_RESERVED1, 0, FL_STATUS
/* POPFW writes only the low half: AC (bit 18) survives. */
R4 "pushw %bx; popfw; pushfl; popl %edx", CAN_EAX, 0x000008d5, CAN_ECX, CAN_EDX, EFLAGS_AC, CAN_EAX, 0x000008d5, CAN_ECX, EFLAGS_AC|FL_STATUS|FL_RESERVED1, FL_STATUS, FL_STATUS
END_GROUP st_pushf

GROUP st_enter
/* ENTER 16, 0: push EBP; EBP = ESP; ESP -= 16. LEAVE undoes it. */
ROW "STK_IN; movl $0x12345678, %ebp; enterl $16, $0; movl %esp, %ecx; movl %ebp, %edx; movl (%ebp), %ebx; leavel; movl %esp, %eax; movl %ebp, %esi; STK_OUT", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, FL_STATUS, STK_TOP, 0x12345678, STK_TOP-20, STK_TOP-4, 0x12345678, CAN_EDI, FL_STATUS, FL_STATUS
/* Level 1: the new frame pointer is pushed too. */
ROW "STK_IN; movl $0x12345678, %ebp; enterl $8, $1; movl %esp, %ecx; movl %ebp, %edx; movl -4(%ebp), %ebx; leavel; movl %esp, %eax; STK_OUT", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, 0, STK_TOP, STK_TOP-4, STK_TOP-16, STK_TOP-4, CAN_ESI, CAN_EDI, 0, FL_STATUS
/* Level 3: two frame pointers copied from the enclosing frame (at EBP - 4
 * and EBP - 8), then the new one. */
ROW "STK_IN; movl $0xaaaa0001, stk_top - 0x104; movl $0xaaaa0002, stk_top - 0x108; movl $stk_top - 0x100, %ebp; enterl $4, $3; movl %esp, %ecx; movl -4(%ebp), %edx; movl -8(%ebp), %ebx; movl -12(%ebp), %eax; movl %ebp, %esi; leavel; movl %ebp, %edi; STK_OUT", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, FL_STATUS, STK_TOP-4, 0xaaaa0002, STK_TOP-20, 0xaaaa0001, STK_TOP-4, STK_TOP-0x100, FL_STATUS, FL_STATUS
ROW "STK_IN; movl $0x5678, %ebp; enterw $6, $0; movl %esp, %ecx; movl %ebp, %edx; movzwl (%ebp), %ebx; leavew; movl %esp, %eax; movl %ebp, %esi; STK_OUT", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, 0, STK_TOP, 0x5678, STK_TOP-8, STK_TOP-2, 0x5678, CAN_EDI, 0, FL_STATUS
END_GROUP st_enter

GROUP st_ret
R4 "STK_IN; pushl $1; pushl $2; call 1f; movl %esp, %ecx; jmp 2f; 1: ret $8; 2: STK_OUT", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, FL_STATUS, CAN_EAX, CAN_EBX, STK_TOP, CAN_EDX, FL_STATUS, FL_STATUS
R4 "STK_IN; call 1f; 1: movl %esp, %ecx; STK_OUT", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, 0, CAN_EAX, CAN_EBX, STK_TOP-NEAR_PTR_SIZE, CAN_EDX, 0, FL_STATUS
END_GROUP st_ret

TEST_MAIN
    RUN_GROUP st_push, "push/pop"
    RUN_GROUP st_pusha, "pusha/popa"
    RUN_GROUP st_pushf, "pushf/popf"
    RUN_GROUP st_enter, "enter/leave"
    RUN_GROUP st_ret, "ret imm16"
FINISH

    .section .note.GNU-stack, "", @progbits
