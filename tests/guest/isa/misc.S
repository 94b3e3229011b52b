/* Everything else of the integer set: CLC STC CMC CLD STD LAHF SAHF, CBW
 * CWDE CWD CDQ, XLAT (both address sizes, AL unsigned), the NOP forms
 * (90, 66 90, F3 90 PAUSE, 0F 1F /0 with several operands), IN and OUT
 * (imm8 and DX ports: 0xE9 reads back 0xE9, isa-debug-exit at 0xF4 reads
 * 0), CPUID (only model-independent facts: leaf 0 reports leaf 1, the vendor
 * is 12 printable characters, leaf 1 reports TSC, CX8 and CMOV, which every
 * P6-class CPU has; EFLAGS.ID can be toggled) and RDTSC (strictly
 * increasing). Nothing model-specific is printed. Built twice: pm_misc and
 * rm_misc.
 *
 * jitpc-expect-output: flag instructions: 18 checks ok\n
 * jitpc-expect-output: cbw/cwde/cwd/cdq: 9 checks ok\n
 * jitpc-expect-output: xlat: 5 checks ok\n
 * jitpc-expect-output: nop: 10 checks ok\n
 * jitpc-expect-output: out: imm8 dx\n
 * jitpc-expect-output: in: 6 checks ok\n
 * jitpc-expect-output: cpuid: 4 checks ok\n
 * jitpc-expect-output: rdtsc: 3 checks ok\n
 * jitpc-expect-output: total: 55 checks ok\n
 * jitpc-expect-exit: 0
 */
#include "check.h"

#define CPUID_TSC (1<<4)
#define CPUID_CX8 (1<<8)
#define CPUID_CMOV (1<<15)
#define EFLAGS_ID (1<<21)

    .pushsection SECT_TEXT, "ax"
/* xlat_fill: LOW_SCRATCH[0x100 + i] = i ^ 0xa5. Preserves registers and EFLAGS. */
xlat_fill:
    pushfl
    pushal
    xorl %ecx, %ecx
1:  movb %cl, %al
    xorb $0xa5, %al
    A32 movb %al, LOW_SCRATCH + 0x100(%ecx)
    incl %ecx
    cmpl $256, %ecx
    jb 1b
    popal
    popfl
    ret
    .popsection

#define FL_DF (FL_STATUS|DF)
GROUP ms_flags
R1 "clc", 0x1234, FL_STATUS, 0x1234, FL_STATUS&~CF, FL_DF
R1 "clc", 0x1234, 0, 0x1234, 0, FL_DF
R1 "stc", 0x1234, 0, 0x1234, CF, FL_DF
R1 "stc", 0x1234, FL_STATUS, 0x1234, FL_STATUS, FL_DF
R1 "cmc", 0x1234, FL_STATUS, 0x1234, FL_STATUS&~CF, FL_DF
R1 "cmc", 0x1234, ZF, 0x1234, ZF|CF, FL_DF
R1 "cld", 0x1234, FL_STATUS|DF, 0x1234, FL_STATUS, FL_DF
R1 "std", 0x1234, 0, 0x1234, DF, FL_DF
R1 "std", 0x1234, FL_STATUS, 0x1234, FL_STATUS|DF, FL_DF
/* LAHF: AH = SF:ZF:0:AF:0:PF:1:CF */
R1 "lahf", 0x12345678, FL_STATUS, 0x1234d778, FL_STATUS, FL_DF
R1 "lahf", 0x12345678, 0, 0x12340278, 0, FL_DF
R1 "lahf", 0x12345678, ZF|CF|OF, 0x12344378, ZF|CF|OF, FL_DF
R1 "lahf", 0x12345678, SF|PF, 0x12348678, SF|PF, FL_DF
/* SAHF: SF ZF AF PF CF from AH bits 7 6 4 2 0; OF and the rest unaffected */
R1 "sahf", 0x0000ff00, 0, 0x0000ff00, SF|ZF|AF|PF|CF, FL_DF
R1 "sahf", 0x000000ff, FL_STATUS, 0x000000ff, OF, FL_DF
R1 "sahf", 0x00002aff, 0, 0x00002aff, 0, FL_DF
R1 "sahf", 0x00004100, SF|OF, 0x00004100, ZF|CF|OF, FL_DF
R1 "sahf", 0x00009400, ZF, 0x00009400, SF|AF|PF, FL_DF
END_GROUP ms_flags

GROUP ms_conv
R1 "cbtw", 0x12345680, 0, 0x1234ff80, 0, FL_STATUS
R1 "cbtw", 0x1234ff7f, FL_STATUS, 0x1234007f, FL_STATUS, FL_STATUS
R1 "cwtl", 0x12348000, 0, 0xffff8000, 0, FL_STATUS
R1 "cwtl", 0xffff7fff, FL_STATUS, 0x00007fff, FL_STATUS, FL_STATUS
R4 "cwtd", 0x12348000, CAN_EBX, CAN_ECX, 0x12340000, 0, 0x12348000, CAN_EBX, CAN_ECX, 0x1234ffff, 0, FL_STATUS
R4 "cwtd", 0x12340001, CAN_EBX, CAN_ECX, 0x1234ffff, FL_STATUS, 0x12340001, CAN_EBX, CAN_ECX, 0x12340000, FL_STATUS, FL_STATUS
R4 "cltd", 0x80000000, CAN_EBX, CAN_ECX, 0, 0, 0x80000000, CAN_EBX, CAN_ECX, 0xffffffff, 0, FL_STATUS
R4 "cltd", 0x7fffffff, CAN_EBX, CAN_ECX, 0xffffffff, FL_STATUS, 0x7fffffff, CAN_EBX, CAN_ECX, 0, FL_STATUS, FL_STATUS
R4 "cltd", 0, CAN_EBX, CAN_ECX, 0x12345678, 0, 0, CAN_EBX, CAN_ECX, 0, 0, FL_STATUS
END_GROUP ms_conv

/* XLAT: AL = [(E)BX + unsigned AL], table at LOW_SCRATCH + 0x100 (i ^ 0xa5). */
GROUP ms_xlat
R4 "call xlat_fill; A32 xlatb", 0x12345637, low_scratch+0x100, CAN_ECX, CAN_EDX, 0, 0x12345692, low_scratch+0x100, CAN_ECX, CAN_EDX, 0, FL_STATUS
R4 "call xlat_fill; A32 xlatb", 0x12345680, low_scratch+0x100, CAN_ECX, CAN_EDX, FL_STATUS, 0x12345625, low_scratch+0x100, CAN_ECX, CAN_EDX, FL_STATUS, FL_STATUS
R4 "call xlat_fill; A16 xlatb", 0x123456ff, 0xabcd0000+low_scratch+0x100, CAN_ECX, CAN_EDX, 0, 0x1234565a, 0xabcd0000+low_scratch+0x100, CAN_ECX, CAN_EDX, 0, FL_STATUS
R4 "call xlat_fill; A16 xlatb", 0x12345600, 0xabcd0000+low_scratch+0x100, CAN_ECX, CAN_EDX, FL_STATUS, 0x123456a5, 0xabcd0000+low_scratch+0x100, CAN_ECX, CAN_EDX, FL_STATUS, FL_STATUS
R4 "call xlat_fill; A32 xlat %es:(%ebx)", 0x12345601, low_scratch+0x100, CAN_ECX, CAN_EDX, 0, 0x123456a4, low_scratch+0x100, CAN_ECX, CAN_EDX, 0, FL_STATUS
END_GROUP ms_xlat

/* NOP forms: no register and no flag changes. */
#define UNCHANGED(fl) CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, fl, CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, fl, FL_STATUS
GROUP ms_nop
R4 "nop", UNCHANGED(0)
R4 "xchgw %ax, %ax", UNCHANGED(FL_STATUS)
R4 "pause", UNCHANGED(0)
R4 "nopl (%eax)", UNCHANGED(FL_STATUS)
R4 "nopl 0(%eax,%eax,1)", UNCHANGED(0)
R4 "nopw 0(%eax,%eax,1)", UNCHANGED(FL_STATUS)
R4 "nopl 0x12345678(%eax)", UNCHANGED(0)
R4 "nopw 0x100(%eax,%eax,1)", UNCHANGED(FL_STATUS)
R4 "nopw (%bx,%si)", UNCHANGED(0)
R4 "nopl 0x10(%bp,%di)", UNCHANGED(FL_STATUS)
END_GROUP ms_nop

GROUP ms_in
R4 "inb $0xe9, %al", 0x12345600, CAN_EBX, CAN_ECX, CAN_EDX, 0, 0x123456e9, CAN_EBX, CAN_ECX, CAN_EDX, 0, FL_STATUS
R4 "inb %dx, %al", 0x12345678, CAN_EBX, CAN_ECX, 0xabcd00e9, FL_STATUS, 0x123456e9, CAN_EBX, CAN_ECX, 0xabcd00e9, FL_STATUS, FL_STATUS
R4 "inw %dx, %ax", 0x1234ffff, CAN_EBX, CAN_ECX, 0x000000f4, 0, 0x12340000, CAN_EBX, CAN_ECX, 0x000000f4, 0, FL_STATUS
R4 "inl $0xf4, %eax", 0xffffffff, CAN_EBX, CAN_ECX, CAN_EDX, FL_STATUS, 0, CAN_EBX, CAN_ECX, CAN_EDX, FL_STATUS, FL_STATUS
R4 "inl %dx, %eax", 0xffffffff, CAN_EBX, CAN_ECX, 0x000000f4, 0, 0, CAN_EBX, CAN_ECX, 0x000000f4, 0, FL_STATUS
R4 "inb $0xf7, %al", 0xffffffff, CAN_EBX, CAN_ECX, CAN_EDX, FL_STATUS, 0xffffff00, CAN_EBX, CAN_ECX, CAN_EDX, FL_STATUS, FL_STATUS
END_GROUP ms_in

    .pushsection SECT_RODATA, "a"
s_out:  .asciz "out: "
s_imm8: .asciz "imm8"
s_dx:   .asciz " dx\n"
    .popsection

TEST_MAIN
    RUN_GROUP ms_flags, "flag instructions"
    RUN_GROUP ms_conv, "cbw/cwde/cwd/cdq"
    RUN_GROUP ms_xlat, "xlat"
    RUN_GROUP ms_nop, "nop"

    /* OUT: "imm8" through OUT imm8, AL and " dx\n" through OUT DX, AL. */
    movl $s_out, %esi
    call chk_puts
    movl $s_imm8, %esi
1:  movb (%esi), %al
    testb %al, %al
    jz 2f
    outb %al, $0xe9
    incl %esi
    jmp 1b
2:  movl $s_dx, %esi
    movw $0xe9, %dx
3:  movb (%esi), %al
    testb %al, %al
    jz 4f
    outb %al, %dx
    incl %esi
    jmp 3b
4:  RUN_GROUP ms_in, "in"

    /* CPUID */
    xorl %eax, %eax
    cpuid
    movl %ebx, chk_mem
    movl %edx, chk_mem+4
    movl %ecx, chk_mem+8
    xorl %edx, %edx                 /* max leaf >= 1 */
    cmpl $1, %eax
    jb 1f
    incl %edx
1:  CHECK "cpuid 0: max leaf >= 1", %edx, $1
    xorl %ecx, %ecx                 /* printable vendor characters */
    xorl %edx, %edx
2:  movb chk_mem(%ecx), %al
    cmpb $0x20, %al
    jb 3f
    cmpb $0x7e, %al
    ja 3f
    incl %edx
3:  incl %ecx
    cmpl $12, %ecx
    jb 2b
    CHECK "cpuid 0: 12 printable vendor characters", %edx, $12
    movl $1, %eax
    cpuid
    andl $(CPUID_TSC | CPUID_CX8 | CPUID_CMOV), %edx
    CHECK "cpuid 1: edx reports TSC, CX8, CMOV", %edx, $(CPUID_TSC | CPUID_CX8 | CPUID_CMOV)
    pushfl                          /* EFLAGS.ID can be toggled */
    popl %eax
    movl %eax, %ebx
    xorl $EFLAGS_ID, %eax
    pushl %eax
    popfl
    pushfl
    popl %eax
    pushl %ebx
    popfl
    xorl %ebx, %eax
    andl $EFLAGS_ID, %eax
    CHECK "eflags.id toggles", %eax, $EFLAGS_ID
    END_CHECKS "cpuid"

    /* RDTSC: three reads with some work between them, strictly increasing. */
    rdtsc
    movl %eax, chk_mem
    movl %edx, chk_mem+4
    movl $1000, %ecx
5:  decl %ecx
    jnz 5b
    rdtsc
    movl %eax, chk_mem+8
    movl %edx, chk_mem+12
    subl chk_mem, %eax
    sbbl chk_mem+4, %edx
    setnc %bl                       /* t2 >= t1 */
    orl %edx, %eax
    setnz %bh                       /* t2 != t1 */
    andb %bh, %bl
    movzbl %bl, %ebx
    CHECK "rdtsc: t2 > t1", %ebx, $1
    movl $1000, %ecx
6:  decl %ecx
    jnz 6b
    rdtsc
    subl chk_mem+8, %eax
    sbbl chk_mem+12, %edx
    setnc %bl
    orl %edx, %eax
    setnz %bh
    andb %bh, %bl
    movzbl %bl, %ebx
    CHECK "rdtsc: t3 > t2", %ebx, $1
    movl $0x12345678, %edx          /* RDTSC writes all of EDX:EAX */
    movl %edx, %eax
    rdtsc
    xorl %ebx, %ebx
    cmpl $0x12345678, %edx
    jne 7f
    cmpl $0x12345678, %eax
    jne 7f
    incl %ebx
7:  CHECK "rdtsc: edx:eax written", %ebx, $0
    END_CHECKS "rdtsc"
FINISH

    .section .note.GNU-stack, "", @progbits
