/* Decimal arithmetic: DAA DAS AAA AAS for every AL and every (CF, AF) input
 * (sweep tables in bcd_cases.inc), AAM and AAD with several bases, AAM 0
 * (#DE, a fault) and AAD 0. Defined flags only: DAA/DAS all but OF, AAA/AAS
 * CF and AF, AAM/AAD SF ZF PF. AAA/AAS add to / subtract from AX as a whole
 * (AX + 106H, AX - 6 then AH - 1), as current SDMs describe.
 * Tables: tools/gen_cases.py. Built twice: pm_bcd and rm_bcd.
 *
 * jitpc-expect-output: daa: 1024 checks ok\n
 * jitpc-expect-output: das: 1024 checks ok\n
 * jitpc-expect-output: aaa: 1024 checks ok\n
 * jitpc-expect-output: aas: 1024 checks ok\n
 * jitpc-expect-output: aam: 10 checks ok\n
 * jitpc-expect-output: aad: 8 checks ok\n
 * jitpc-expect-output: total: 4114 checks ok\n
 * jitpc-expect-exit: 0
 */
#include "check.h"
#include "bcd_cases.inc"

    .pushsection SECT_DATA, "aw"
    .balign 4
/* The row bcd_sweep fills in and hands to chk_run_one. */
bcd_row:
    .long 0, 0
    .long 0, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, 0
    .long 0, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, 0
    .long 0, 0
    .popsection

    .pushsection SECT_RODATA, "a"
s_daa: .asciz "daa"
s_das: .asciz "das"
s_aaa: .asciz "aaa"
s_aas: .asciz "aas"
    .popsection

    .pushsection SECT_TEXT, "ax"
op_daa: daa
    ret
op_das: das
    ret
op_aaa: aaa
    ret
op_aas: aas
    ret

/* bcd_sweep: run bcd_row (handler, name and mask filled in) for every
 * k = AL * 4 + (CF, AF) combination against the table at ESI: ECX bytes per
 * k (AL', EFLAGS, or AL', AH', EFLAGS); EDX = AH in (kept when ECX = 2).
 * EAX in = 0x1234:AH:AL. */
bcd_sweep:
    pushal
    xorl %edi, %edi
1:  movl %edi, %eax
    shrl $2, %eax                   /* AL */
    movl %edx, %ebx
    shll $8, %ebx
    orl %ebx, %eax
    orl $0x12340000, %eax
    movl %eax, bcd_row+ROW_IN
    movl %edi, %eax
    andl $1, %eax                   /* CF */
    movl %edi, %ebx
    andl $2, %ebx
    shll $3, %ebx                   /* AF */
    orl %ebx, %eax
    orl $FL_RESERVED1, %eax
    movl %eax, bcd_row+ROW_IN+24
    movzbl (%esi), %eax             /* AL' */
    movl %edx, %ebx                 /* AH' */
    cmpl $3, %ecx
    jne 2f
    movzbl 1(%esi), %ebx
2:  shll $8, %ebx
    orl %ebx, %eax
    orl $0x12340000, %eax
    movl %eax, bcd_row+ROW_OUT
    movzbl -1(%esi,%ecx), %eax
    andl bcd_row+ROW_MASK, %eax
    movl %eax, bcd_row+ROW_OUT+24
    pushl %esi
    movl $bcd_row, %esi
    call chk_run_one
    popl %esi
    addl %ecx, %esi
    incl %edi
    cmpl $1024, %edi
    jb 1b
    popal
    ret

    .macro SWEEP op, entry, mask, ah
    movl $op_\op, bcd_row+ROW_HANDLER
    movl $s_\op, bcd_row+ROW_NAME
    movl $(\mask), bcd_row+ROW_MASK
    movl $\op\()_table, %esi
    movl $\entry, %ecx
    movl $\ah, %edx
    call bcd_sweep
    END_CHECKS "\op"
    .endm
    .popsection

TEST_MAIN
    SWEEP daa, 2, CF|PF|AF|ZF|SF, 0x5a
    SWEEP das, 2, CF|PF|AF|ZF|SF, 0xa5
    SWEEP aaa, 3, CF|AF, 0x80
    SWEEP aas, 3, CF|AF, 0x80
    RUN_GROUP bcd_aam, "aam"
    RUN_GROUP bcd_aad, "aad"
FINISH

    .section .note.GNU-stack, "", @progbits
