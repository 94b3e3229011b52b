/* String instructions: MOVS CMPS SCAS LODS STOS INS OUTS in byte, word and
 * dword forms, with REP / REPE / REPNE, both directions (DF), both address
 * sizes (A16: SI/DI/CX with the upper halves of ESI/EDI/ECX kept; A32:
 * ESI/EDI/ECX), a zero count, a source segment override, a forward REP MOVSB
 * over overlapping buffers (byte by byte, not memmove), and 16-bit offsets
 * wrapping from 0xFFFF to 0 inside the segment at 0x20000. REPE/REPNE stop
 * with the flags of the last comparison and count that comparison.
 * INS reads port 0xE9 (0xE9) and 0xF4 (0); OUTS writes the start of the
 * "rep outsb" line below to port 0xE9.
 * Buffers at LOW_SCRATCH: A = i, B = i but B[0x10] = 0xff, D = 0xee.
 * Built twice: pm_string and rm_string.
 *
 * jitpc-expect-output: movs: 8 checks ok\n
 * jitpc-expect-output: stos: 3 checks ok\n
 * jitpc-expect-output: lods: 3 checks ok\n
 * jitpc-expect-output: cmps: 5 checks ok\n
 * jitpc-expect-output: scas: 4 checks ok\n
 * jitpc-expect-output: ins: 3 checks ok\n
 * jitpc-expect-output: rep outsb (a16, std): 3 checks ok\n
 * jitpc-expect-output: 16-bit offset wrap-around: 3 checks ok\n
 * jitpc-expect-output: total: 32 checks ok\n
 * jitpc-expect-exit: 0
 */
#include "check.h"

    .set str_a, LOW_SCRATCH+0x100
    .set str_b, LOW_SCRATCH+0x200
    .set str_d, LOW_SCRATCH+0x400
    .set str_o, LOW_SCRATCH+0x600

    .pushsection SECT_RODATA, "a"
s_outs1: .asciz "rep outsb"
s_outs2: .asciz " (a16"
s_outs3: .asciz ")dts ,"             /* printed backwards (DF = 1) */
    .popsection

    .pushsection SECT_TEXT, "ax"
/* str_copy: copy the string at ESI (with its NUL) to EDI. */
str_copy:
1:  movb (%esi), %al
    A32 movb %al, (%edi)
    incl %esi
    incl %edi
    testb %al, %al
    jnz 1b
    ret

/* str_fill: A[i] = i, B[i] = i except B[0x10] = 0xff, D[i] = 0xee (256
 * bytes each), the OUTS strings at str_o, +0x20, +0x40. Preserves
 * registers and EFLAGS; uses no string instruction. */
str_fill:
    pushfl
    pushal
    cld
    xorl %ecx, %ecx
1:  A32 movb %cl, str_a(%ecx)
    A32 movb %cl, str_b(%ecx)
    A32 movb $0xee, str_d(%ecx)
    incl %ecx
    cmpl $256, %ecx
    jb 1b
    A32 movb $0xff, str_b+0x10
    movl $s_outs1, %esi
    movl $str_o, %edi
    call str_copy
    movl $s_outs2, %esi
    movl $str_o+0x20, %edi
    call str_copy
    movl $s_outs3, %esi
    movl $str_o+0x40, %edi
    call str_copy
    popal
    popfl
    ret
    .popsection

GROUP str_movs
ROW "call str_fill; movl $str_a, %esi; movl $str_d, %edi; movl $5, %ecx; A32 rep movsb; movl str_d, %ebx; movl str_d+4, %edx", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, FL_STATUS, CAN_EAX, 0x03020100, 0, 0xeeeeee04, str_a+5, str_d+5, FL_STATUS, FL_STATUS
ROW "call str_fill; movl $0xabcd0000+str_a, %esi; movl $0x12340000+str_d, %edi; movl $0x56780003, %ecx; A16 rep movsw; movl str_d, %ebx; movl str_d+4, %edx", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, 0, CAN_EAX, 0x03020100, 0x56780000, 0xeeee0504, 0xabcd0000+str_a+6, 0x12340000+str_d+6, 0, FL_STATUS
ROW "call str_fill; movl $str_a+12, %esi; movl $str_d+12, %edi; movl $3, %ecx; std; A32 rep movsl; cld; movl str_d, %eax; movl str_d+4, %ebx; movl str_d+12, %edx", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, FL_STATUS, 0xeeeeeeee, 0x07060504, 0, 0x0f0e0d0c, str_a, str_d, FL_STATUS, FL_STATUS
ROW "call str_fill; movl $str_a+7, %esi; movl $str_d, %edi; A32 movsb; movl str_d, %ebx", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, 0, CAN_EAX, 0xeeeeee07, CAN_ECX, CAN_EDX, str_a+8, str_d+1, 0, FL_STATUS
ROW "call str_fill; movl $str_a, %esi; movl $str_d, %edi; xorl %ecx, %ecx; A32 rep movsb; movl str_d, %ebx", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, 0, CAN_EAX, 0xeeeeeeee, 0, CAN_EDX, str_a, str_d, ZF|PF, FL_STATUS
ROW "call str_fill; movl $str_a, %esi; movl $str_d, %edi; movl $0x10000, %ecx; A16 rep movsb; movl str_d, %ebx", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, FL_STATUS, CAN_EAX, 0xeeeeeeee, 0x10000, CAN_EDX, str_a, str_d, FL_STATUS, FL_STATUS
/* FS (base 0x1FF00):0x100 is linear 0x20000. */
ROW "call str_fill; movw $seg_1ff00, %dx; movw %dx, %fs; movl $0x44332211, %fs:0x100; movl $0x100, %esi; movl $str_d, %edi; movl $4, %ecx; rep movsb %fs:(%esi), %es:(%edi); movw $seg_flat, %dx; movw %dx, %fs; movl str_d, %ebx", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, 0, CAN_EAX, 0x44332211, 0, (CAN_EDX&0xffff0000)|SEG_FLAT, 0x104, str_d+4, 0, FL_STATUS
/* Overlapping forward copy: each byte is read after the previous store. */
ROW "call str_fill; movl $str_a, %esi; movl $str_a+1, %edi; movl $4, %ecx; A32 rep movsb; movl str_a, %ebx; movl str_a+4, %edx", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, FL_STATUS, CAN_EAX, 0, 0, 0x07060500, str_a+4, str_a+5, FL_STATUS, FL_STATUS
END_GROUP str_movs

GROUP str_stos
ROW "call str_fill; movl $str_d, %edi; movl $3, %ecx; movl $0x12345678, %eax; A32 rep stosl; movl str_d+8, %ebx; movl str_d+12, %edx", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, 0, 0x12345678, 0x12345678, 0, 0xeeeeeeee, CAN_ESI, str_d+12, 0, FL_STATUS
ROW "call str_fill; movl $0x77770000+str_d+3, %edi; movl $2, %ecx; movb $0x5a, %al; std; A16 rep stosb; cld; movl str_d, %ebx", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, FL_STATUS, (CAN_EAX&0xffffff00)|0x5a, 0x5a5aeeee, 0, CAN_EDX, CAN_ESI, 0x77770000+str_d+1, FL_STATUS, FL_STATUS
ROW "call str_fill; movl $str_d+1, %edi; movw $0xbeef, %ax; A32 stosw; movl str_d, %ebx", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, 0, (CAN_EAX&0xffff0000)|0xbeef, 0xeebeefee, CAN_ECX, CAN_EDX, CAN_ESI, str_d+3, 0, FL_STATUS
END_GROUP str_stos

GROUP str_lods
ROW "call str_fill; movl $str_a+0x40, %esi; A32 lodsb", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, FL_STATUS, (CAN_EAX&0xffffff00)|0x40, CAN_EBX, CAN_ECX, CAN_EDX, str_a+0x41, CAN_EDI, FL_STATUS, FL_STATUS
ROW "call str_fill; movl $str_a+0x10, %esi; movl $4, %ecx; A32 rep lodsw", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, 0, (CAN_EAX&0xffff0000)|0x1716, CAN_EBX, 0, CAN_EDX, str_a+0x18, CAN_EDI, 0, FL_STATUS
ROW "call str_fill; movl $0x99990000+str_a+0x20, %esi; std; A16 lodsl; cld", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, FL_STATUS, 0x23222120, CAN_EBX, CAN_ECX, CAN_EDX, 0x99990000+str_a+0x1c, CAN_EDI, FL_STATUS, FL_STATUS
END_GROUP str_lods

GROUP str_cmps
/* Stops at the mismatch at 0x10 (0x10 - 0xff), which counts. */
ROW "call str_fill; movl $str_a, %esi; movl $str_b, %edi; movl $0x20, %ecx; A32 repe cmpsb", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, ZF|SF|OF, CAN_EAX, CAN_EBX, 0x0f, CAN_EDX, str_a+0x11, str_b+0x11, AF|PF|CF, FL_STATUS
ROW "call str_fill; movl $str_a, %esi; movl $str_b, %edi; movl $0x10, %ecx; A32 repe cmpsb", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, CF|SF|OF, CAN_EAX, CAN_EBX, 0, CAN_EDX, str_a+0x10, str_b+0x10, ZF|PF, FL_STATUS
ROW "call str_fill; movl $str_a, %esi; movl $str_b, %edi; movl $5, %ecx; A32 repne cmpsb", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, 0, CAN_EAX, CAN_EBX, 4, CAN_EDX, str_a+1, str_b+1, ZF|PF, FL_STATUS
/* Backwards by words: 0x1312 == 0x1312, then 0x1110 != 0x11ff. */
ROW "call str_fill; movl $0x11110000+str_a+0x12, %esi; movl $0x22220000+str_b+0x12, %edi; movl $0x33330004, %ecx; std; A16 repe cmpsw; cld", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, ZF, CAN_EAX, CAN_EBX, 0x33330002, CAN_EDX, 0x11110000+str_a+0x0e, 0x22220000+str_b+0x0e, SF|AF|PF|CF, FL_STATUS
ROW "call str_fill; movl $str_a, %esi; movl $str_b, %edi; A32 cmpsl", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, CF|SF, CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, str_a+4, str_b+4, ZF|PF, FL_STATUS
END_GROUP str_cmps

GROUP str_scas
ROW "call str_fill; movl $str_a, %edi; movl $0x100, %ecx; movb $0x33, %al; A32 repne scasb", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, 0, (CAN_EAX&0xffffff00)|0x33, CAN_EBX, 0xcc, CAN_EDX, CAN_ESI, str_a+0x34, ZF|PF, FL_STATUS
ROW "call str_fill; movl $str_a, %edi; movl $0x10, %ecx; movb $0, %al; A32 repe scasb", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, ZF, CAN_EAX&0xffffff00, CAN_EBX, 0x0e, CAN_EDX, CAN_ESI, str_a+2, SF|AF|PF|CF, FL_STATUS
ROW "call str_fill; movl $str_a, %edi; movl $8, %ecx; movw $0xffff, %ax; A32 repne scasw", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, FL_STATUS, (CAN_EAX&0xffff0000)|0xffff, CAN_EBX, 0, CAN_EDX, CAN_ESI, str_a+16, SF, FL_STATUS
ROW "call str_fill; movl $0x66660000+str_a+0x0c, %edi; movl $0x0f0e0d0c, %eax; std; A16 scasl; cld", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, 0, 0x0f0e0d0c, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, 0x66660000+str_a+8, ZF|PF, FL_STATUS
END_GROUP str_scas

GROUP str_ins
ROW "call str_fill; movl $str_d, %edi; movw $0xe9, %dx; movl $3, %ecx; A32 rep insb; movl str_d, %ebx", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, FL_STATUS, CAN_EAX, 0xeee9e9e9, 0, (CAN_EDX&0xffff0000)|0xe9, CAN_ESI, str_d+3, FL_STATUS, FL_STATUS
ROW "call str_fill; movl $str_d, %edi; movw $0xf4, %dx; A32 insw; movl str_d, %ebx", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, 0, CAN_EAX, 0xeeee0000, CAN_ECX, (CAN_EDX&0xffff0000)|0xf4, CAN_ESI, str_d+2, 0, FL_STATUS
ROW "call str_fill; movl $0x55550000+str_d+4, %edi; movw $0xf4, %dx; movl $2, %ecx; std; A16 rep insl; cld; movl str_d, %ebx; movl str_d+4, %eax", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, FL_STATUS, 0, 0, 0, (CAN_EDX&0xffff0000)|0xf4, CAN_ESI, 0x55550000+str_d-4, FL_STATUS, FL_STATUS
END_GROUP str_ins

/* These print "rep outsb", " (a16" and ", std)" before the group line. */
GROUP str_outs
ROW "call str_fill; movl $str_o, %esi; movw $0xe9, %dx; movl $9, %ecx; A32 rep outsb", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, 0, CAN_EAX, CAN_EBX, 0, (CAN_EDX&0xffff0000)|0xe9, str_o+9, CAN_EDI, 0, FL_STATUS
ROW "call str_fill; movl $0x12340000+str_o+0x20, %esi; movw $0xe9, %dx; movl $0xabcd0005, %ecx; A16 rep outsb", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, FL_STATUS, CAN_EAX, CAN_EBX, 0xabcd0000, (CAN_EDX&0xffff0000)|0xe9, 0x12340000+str_o+0x25, CAN_EDI, FL_STATUS, FL_STATUS
ROW "call str_fill; movl $str_o+0x45, %esi; movw $0xe9, %dx; movl $6, %ecx; std; A32 rep outsb; cld", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, 0, CAN_EAX, CAN_EBX, 0, (CAN_EDX&0xffff0000)|0xe9, str_o+0x3f, CAN_EDI, 0, FL_STATUS
END_GROUP str_outs

/* The segment at linear 0x20000 (FS, and ES or DS while the instruction
 * runs); 16-bit offsets wrap from 0xFFFF to 0 (and back, with DF = 1). */
GROUP str_wrap
ROW "movw $seg_20000, %dx; movw %dx, %es; movw %dx, %fs; movl $0, %fs:0xfffc; movl $0, %fs:0; movl $0x4444fffe, %edi; movl $4, %ecx; movb $0x77, %al; A16 rep stosb; movl %fs:0xfffc, %ebx; movl %fs:0, %edx; movw $seg_flat, %ax; movw %ax, %es; movw %ax, %fs", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, FL_STATUS, (CAN_EAX&0xffff0000)|SEG_FLAT, 0x77770000, 0, 0x00007777, CAN_ESI, 0x44440002, FL_STATUS, FL_STATUS
ROW "movw $seg_20000, %ax; movw %ax, %ds; movw %ax, %es; movl $0x11223344, 0xfffc; movl $0x55667788, 0; movl $0x99aabbcc, 0x100; movl $0xfffe, %esi; movl $0x100, %edi; movl $2, %ecx; A16 rep movsw; movl 0x100, %ebx; movw $seg_flat, %ax; movw %ax, %ds; movw %ax, %es", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, 0, (CAN_EAX&0xffff0000)|SEG_FLAT, 0x77881122, 0, CAN_EDX, 0x0002, 0x0104, 0, FL_STATUS
ROW "movw $seg_20000, %dx; movw %dx, %ds; movb $0x5a, 0; movb $0xa5, 0xffff; movl $0x77770000, %esi; std; A16 lodsb; movb %al, %bl; A16 lodsb; cld; movw $seg_flat, %dx; movw %dx, %ds", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, CAN_EDI, FL_STATUS, (CAN_EAX&0xffffff00)|0xa5, (CAN_EBX&0xffffff00)|0x5a, CAN_ECX, (CAN_EDX&0xffff0000)|SEG_FLAT, 0x7777fffe, CAN_EDI, FL_STATUS, FL_STATUS
END_GROUP str_wrap

TEST_MAIN
    RUN_GROUP str_movs, "movs"
    RUN_GROUP str_stos, "stos"
    RUN_GROUP str_lods, "lods"
    RUN_GROUP str_cmps, "cmps"
    RUN_GROUP str_scas, "scas"
    RUN_GROUP str_ins, "ins"
    RUN_GROUP str_outs, ""
    RUN_GROUP str_wrap, "16-bit offset wrap-around"
FINISH

    .section .note.GNU-stack, "", @progbits
