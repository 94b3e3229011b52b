/* Data movement and addressing: MOV (register, immediate, memory, moffs,
 * partial-register and partial-memory writes), MOVZX/MOVSX, XCHG, BSWAP,
 * LEA with every 32-bit and 16-bit addressing form (scale, no base, EBP/BP
 * bases, displacement sizes, 32-bit and 16-bit wrap-around, operand and
 * address sizes mixed), loads through those forms, and segment overrides on
 * two overlapping segments (base 0x20000 and 0x1FF00: paragraphs 0x2000 and
 * 0x1FF0 in real mode, GDT selectors in protected mode), including a 16-bit
 * offset that wraps inside a segment. None of these changes a flag: every
 * row checks that they all stay. Built twice: pm_mov and rm_mov.
 *
 * jitpc-expect-output: mov: 18 checks ok\n
 * jitpc-expect-output: movzx/movsx: 17 checks ok\n
 * jitpc-expect-output: xchg: 10 checks ok\n
 * jitpc-expect-output: bswap: 6 checks ok\n
 * jitpc-expect-output: lea, 32-bit addresses: 19 checks ok\n
 * jitpc-expect-output: lea, 16-bit addresses: 16 checks ok\n
 * jitpc-expect-output: loads and segment overrides: 11 checks ok\n
 * jitpc-expect-output: total: 97 checks ok\n
 * jitpc-expect-exit: 0
 */
#include "check.h"

    .pushsection SECT_TEXT, "ax"
/* scratch_fill: LOW_SCRATCH[i] = i * 7 + 3 for the whole 4 KiB.
 * Preserves registers and EFLAGS. */
scratch_fill:
    pushfl
    pushal
    xorl %ecx, %ecx
    movb $3, %al
1:  A32 movb %al, LOW_SCRATCH(%ecx)
    addb $7, %al
    incl %ecx
    cmpl $LOW_SCRATCH_SIZE, %ecx
    jb 1b
    popal
    popfl
    ret
    .popsection

GROUP mv_mov
R2 "movl %ebx, %eax", 0x12345678, 0x9abcdef0, FL_STATUS, 0x9abcdef0, FL_STATUS, FL_STATUS
R2 "movw %bx, %ax", 0x12345678, 0x9abcdef0, 0, 0x1234def0, 0, FL_STATUS
R2 "movb %bl, %al", 0x12345678, 0x9abcdef0, FL_STATUS, 0x123456f0, FL_STATUS, FL_STATUS
R2 "movb %bh, %al", 0x12345678, 0x9abcdef0, 0, 0x123456de, 0, FL_STATUS
R2 "movb %bl, %ah", 0x12345678, 0x9abcdef0, FL_STATUS, 0x1234f078, FL_STATUS, FL_STATUS
R1 "movl $0x89abcdef, %eax", 0, 0, 0x89abcdef, 0, FL_STATUS
R1 "movw $0xfffe, %ax", 0x12345678, FL_STATUS, 0x1234fffe, FL_STATUS, FL_STATUS
R1 "movb $0x5a, %ah", 0x12345678, 0, 0x12345a78, 0, FL_STATUS
R4 "movl %ecx, %edx", CAN_EAX, CAN_EBX, 0x13572468, 0, FL_STATUS, CAN_EAX, CAN_EBX, 0x13572468, 0x13572468, FL_STATUS, FL_STATUS
R2 "movl %ebx, chk_mem; movl chk_mem, %eax", 0, 0xcafebabe, 0, 0xcafebabe, 0, FL_STATUS
R1 "movl $0x11223344, chk_mem; movb %al, chk_mem+1; movl chk_mem, %eax", 0xab, FL_STATUS, 0x1122ab44, FL_STATUS, FL_STATUS
R2 "movl $0x11223344, chk_mem; movb %bh, chk_mem+2; movl chk_mem, %eax", 0, 0x0000cd00, 0, 0x11cd3344, 0, FL_STATUS
R2 "movl $0x11223344, chk_mem; movw %bx, chk_mem+2; movl chk_mem, %eax", 0, 0x5566, FL_STATUS, 0x55663344, FL_STATUS, FL_STATUS
R1 "movl $0x11223344, chk_mem; movb $0x7e, chk_mem+3; movl chk_mem, %eax", 0, 0, 0x7e223344, 0, FL_STATUS
R1 "movl $0x11223344, chk_mem; movw $0xbeef, chk_mem+1; movl chk_mem, %eax", 0, FL_STATUS, 0x11beef44, FL_STATUS, FL_STATUS
R1 "movl $0x11223344, chk_mem; movb chk_mem+2, %al", 0xffffffff, 0, 0xffffff22, 0, FL_STATUS
R1 "movl $0x11223344, chk_mem; movw chk_mem+1, %ax", 0xffff0000, FL_STATUS, 0xffff2233, FL_STATUS, FL_STATUS
R1 "movl $0x11223344, chk_mem; movl $0xa5a5a5a5, chk_mem+4; movl chk_mem+2, %eax", 0, 0, 0xa5a51122, 0, FL_STATUS
END_GROUP mv_mov

GROUP mv_movx
R2 "movzbl %bl, %eax", 0xffffffff, 0x9abcde80, 0, 0x00000080, 0, FL_STATUS
R2 "movzbl %bh, %eax", 0xffffffff, 0x9abcde80, FL_STATUS, 0x000000de, FL_STATUS, FL_STATUS
R2 "movzwl %bx, %eax", 0xffffffff, 0x9abcde80, 0, 0x0000de80, 0, FL_STATUS
R2 "movzbw %bl, %ax", 0xffffffff, 0x9abcde80, FL_STATUS, 0xffff0080, FL_STATUS, FL_STATUS
R2 "movsbl %bl, %eax", 0, 0x9abcde80, 0, 0xffffff80, 0, FL_STATUS
R2 "movsbl %bl, %eax", 0xffffffff, 0x9abcde7f, FL_STATUS, 0x0000007f, FL_STATUS, FL_STATUS
R2 "movsbl %bh, %eax", 0, 0x9abcde80, 0, 0xffffffde, 0, FL_STATUS
R2 "movsbw %bl, %ax", 0x12345678, 0x9abcde80, FL_STATUS, 0x1234ff80, FL_STATUS, FL_STATUS
R2 "movsbw %bl, %ax", 0x12345678, 0x9abcde01, 0, 0x12340001, 0, FL_STATUS
R2 "movswl %bx, %eax", 0, 0x9abc8000, FL_STATUS, 0xffff8000, FL_STATUS, FL_STATUS
R2 "movswl %bx, %eax", 0xffffffff, 0x12347fff, 0, 0x00007fff, 0, FL_STATUS
R1 "movzbl %al, %eax", 0x123456f0, FL_STATUS, 0x000000f0, FL_STATUS, FL_STATUS
R2 "movl %ebx, chk_mem; movzbl chk_mem+1, %eax", 0xffffffff, 0x9abcde80, 0, 0x000000de, 0, FL_STATUS
R2 "movl %ebx, chk_mem; movsbl chk_mem+1, %eax", 0, 0x9abcde80, FL_STATUS, 0xffffffde, FL_STATUS, FL_STATUS
R2 "movl %ebx, chk_mem; movswl chk_mem+2, %eax", 0, 0x9abcde80, 0, 0xffff9abc, 0, FL_STATUS
R2 "movl %ebx, chk_mem; movzwl chk_mem+2, %eax", 0xffffffff, 0x9abcde80, FL_STATUS, 0x00009abc, FL_STATUS, FL_STATUS
R2 "movl %ebx, chk_mem; movsbw chk_mem+3, %ax", 0x55555555, 0x9abcde80, 0, 0x5555ff9a, 0, FL_STATUS
END_GROUP mv_movx

GROUP mv_xchg
R4 "xchgl %ebx, %eax", 0x11111111, 0x22222222, CAN_ECX, CAN_EDX, FL_STATUS, 0x22222222, 0x11111111, CAN_ECX, CAN_EDX, FL_STATUS, FL_STATUS
R4 "xchgw %bx, %ax", 0x11112222, 0x33334444, CAN_ECX, CAN_EDX, 0, 0x11114444, 0x33332222, CAN_ECX, CAN_EDX, 0, FL_STATUS
R4 "xchgb %bl, %ah", 0x11223344, 0x55667788, CAN_ECX, CAN_EDX, FL_STATUS, 0x11228844, 0x55667733, CAN_ECX, CAN_EDX, FL_STATUS, FL_STATUS
R4 "xchgl %ecx, %edx", CAN_EAX, CAN_EBX, 0x0c0c0c0c, 0x0d0d0d0d, 0, CAN_EAX, CAN_EBX, 0x0d0d0d0d, 0x0c0c0c0c, 0, FL_STATUS
R4 "xchgb %ch, %dl", CAN_EAX, CAN_EBX, 0x11223344, 0x55667788, FL_STATUS, CAN_EAX, CAN_EBX, 0x11228844, 0x55667733, FL_STATUS, FL_STATUS
R4 "movl %ebx, chk_mem; xchgl %eax, chk_mem; movl chk_mem, %ebx", 0x11111111, 0x22222222, CAN_ECX, CAN_EDX, 0, 0x22222222, 0x11111111, CAN_ECX, CAN_EDX, 0, FL_STATUS
R4 "movl %ebx, chk_mem; xchgw chk_mem, %ax; movl chk_mem, %ebx", 0x11112222, 0x33334444, CAN_ECX, CAN_EDX, FL_STATUS, 0x11114444, 0x33332222, CAN_ECX, CAN_EDX, FL_STATUS, FL_STATUS
R4 "movl %ebx, chk_mem; xchgb %al, chk_mem+3; movl chk_mem, %ebx", 0x11223344, 0x55667788, CAN_ECX, CAN_EDX, 0, 0x11223355, 0x44667788, CAN_ECX, CAN_EDX, 0, FL_STATUS
R4 "movl %ebx, chk_mem; lock xchgl %ecx, chk_mem; movl chk_mem, %ebx", CAN_EAX, 0x600dcafe, 0xbadf00d5, CAN_EDX, FL_STATUS, CAN_EAX, 0xbadf00d5, 0x600dcafe, CAN_EDX, FL_STATUS, FL_STATUS
R1 "xchgl %eax, %eax", 0x12345678, 0, 0x12345678, 0, FL_STATUS
END_GROUP mv_xchg

GROUP mv_bswap
R1 "bswapl %eax", 0x12345678, 0, 0x78563412, 0, FL_STATUS
R4 "bswapl %ebx", CAN_EAX, 0x80000001, CAN_ECX, CAN_EDX, FL_STATUS, CAN_EAX, 0x01000080, CAN_ECX, CAN_EDX, FL_STATUS, FL_STATUS
R4 "bswapl %ecx", CAN_EAX, CAN_EBX, 0x00ff00ff, CAN_EDX, 0, CAN_EAX, CAN_EBX, 0xff00ff00, CAN_EDX, 0, FL_STATUS
R4 "bswapl %edx", CAN_EAX, CAN_EBX, CAN_ECX, 0xdeadbeef, FL_STATUS, CAN_EAX, CAN_EBX, CAN_ECX, 0xefbeadde, FL_STATUS, FL_STATUS
ROW "bswapl %esi", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, 0x01020304, CAN_EDI, 0, CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, 0x04030201, CAN_EDI, 0, FL_STATUS
ROW "bswapl %edi", CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, 0xa1b2c3d4, FL_STATUS, CAN_EAX, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, 0xd4c3b2a1, FL_STATUS, FL_STATUS
END_GROUP mv_bswap

/* LEA: EBX and ECX are the address registers (R4: eax ebx ecx edx in, out). */
GROUP mv_lea32
R4 "leal (%ebx), %eax", 0, 0x00012345, CAN_ECX, CAN_EDX, 0, 0x00012345, 0x00012345, CAN_ECX, CAN_EDX, 0, FL_STATUS
R4 "leal 0x10(%ebx), %eax", 0, 0xfffffff8, CAN_ECX, CAN_EDX, FL_STATUS, 0x00000008, 0xfffffff8, CAN_ECX, CAN_EDX, FL_STATUS, FL_STATUS
R4 "leal -0x80(%ebx), %eax", 0, 0x00000100, CAN_ECX, CAN_EDX, 0, 0x00000080, 0x00000100, CAN_ECX, CAN_EDX, 0, FL_STATUS
R4 "leal 0x12345678(%ebx), %eax", 0, 0x11111111, CAN_ECX, CAN_EDX, FL_STATUS, 0x23456789, 0x11111111, CAN_ECX, CAN_EDX, FL_STATUS, FL_STATUS
R4 "leal (%ebx,%ecx), %eax", 0, 0x1000, 0x234, CAN_EDX, 0, 0x1234, 0x1000, 0x234, CAN_EDX, 0, FL_STATUS
R4 "leal (%ebx,%ecx,2), %eax", 0, 0x1000, 0x234, CAN_EDX, FL_STATUS, 0x1468, 0x1000, 0x234, CAN_EDX, FL_STATUS, FL_STATUS
R4 "leal (%ebx,%ecx,4), %eax", 0, 0x1000, 0x234, CAN_EDX, 0, 0x18d0, 0x1000, 0x234, CAN_EDX, 0, FL_STATUS
R4 "leal (%ebx,%ecx,8), %eax", 0, 0x1000, 0x234, CAN_EDX, FL_STATUS, 0x21a0, 0x1000, 0x234, CAN_EDX, FL_STATUS, FL_STATUS
R4 "leal 0x7f(%ebx,%ecx,8), %eax", 0, 0x1000, 0x234, CAN_EDX, 0, 0x221f, 0x1000, 0x234, CAN_EDX, 0, FL_STATUS
R4 "leal -1(%ebx,%ecx,4), %eax", 0, 0x1000, 0xffffffff, CAN_EDX, FL_STATUS, 0x0ffb, 0x1000, 0xffffffff, CAN_EDX, FL_STATUS, FL_STATUS
R4 "leal 0x1000(,%ecx,4), %eax", 0, CAN_EBX, 0x234, CAN_EDX, 0, 0x18d0, CAN_EBX, 0x234, CAN_EDX, 0, FL_STATUS
R4 "A32 leal 0x12345678, %eax", 0, CAN_EBX, CAN_ECX, CAN_EDX, FL_STATUS, 0x12345678, CAN_EBX, CAN_ECX, CAN_EDX, FL_STATUS, FL_STATUS
R4 "leal (%eax,%eax,8), %eax", 3, CAN_EBX, CAN_ECX, CAN_EDX, 0, 27, CAN_EBX, CAN_ECX, CAN_EDX, 0, FL_STATUS
R4 "leal 0x80(%ecx,%edx), %eax", 0, CAN_EBX, 0x7fffff00, 0x00000100, FL_STATUS, 0x80000080, CAN_EBX, 0x7fffff00, 0x00000100, FL_STATUS, FL_STATUS
R4 "movl %ebx, %ebp; leal 8(%ebp), %eax", 0, 0x00100000, CAN_ECX, CAN_EDX, 0, 0x00100008, 0x00100000, CAN_ECX, CAN_EDX, 0, FL_STATUS
R4 "movl %ebx, %ebp; leal (%ebp,%ecx,2), %eax", 0, 0x00100000, 0x10, CAN_EDX, FL_STATUS, 0x00100020, 0x00100000, 0x10, CAN_EDX, FL_STATUS, FL_STATUS
R4 "leal (%esi,%edi), %eax", 0, CAN_EBX, CAN_ECX, CAN_EDX, 0, 0x23252728, CAN_EBX, CAN_ECX, CAN_EDX, 0, FL_STATUS
R4 "leaw (%ebx,%ecx,2), %ax", 0xffffffff, 0x12345678, 0x11111111, CAN_EDX, FL_STATUS, 0xffff789a, 0x12345678, 0x11111111, CAN_EDX, FL_STATUS, FL_STATUS
/* ESP as a base: flags are clobbered by the SUB, so none is compared. */
R4 "leal 4(%esp), %eax; subl %esp, %eax", 0, CAN_EBX, CAN_ECX, CAN_EDX, 0, 4, CAN_EBX, CAN_ECX, CAN_EDX, 0, 0
END_GROUP mv_lea32

/* 16-bit addressing: BX = 0x0100, SI = 0x0020, DI = 0x0003, BP = 0x0400
 * (from EDX); the upper halves of those registers must not take part. */
#define LEA16_IN(a) a, 0x11110100, CAN_ECX, 0x44440400, 0x22220020, 0x33330003
#define LEA16_OUT(a) a, 0x11110100, CAN_ECX, 0x44440400, 0x22220020, 0x33330003
GROUP mv_lea16
ROW "leaw (%bx,%si), %ax", LEA16_IN(0x55555555), 0, LEA16_OUT(0x55550120), 0, FL_STATUS
ROW "leaw (%bx,%di), %ax", LEA16_IN(0x55555555), FL_STATUS, LEA16_OUT(0x55550103), FL_STATUS, FL_STATUS
ROW "movl %edx, %ebp; leaw (%bp,%si), %ax", LEA16_IN(0x55555555), 0, LEA16_OUT(0x55550420), 0, FL_STATUS
ROW "movl %edx, %ebp; leaw (%bp,%di), %ax", LEA16_IN(0x55555555), FL_STATUS, LEA16_OUT(0x55550403), FL_STATUS, FL_STATUS
ROW "leaw (%si), %ax", LEA16_IN(0x55555555), 0, LEA16_OUT(0x55550020), 0, FL_STATUS
ROW "leaw (%di), %ax", LEA16_IN(0x55555555), FL_STATUS, LEA16_OUT(0x55550003), FL_STATUS, FL_STATUS
ROW "leaw (%bx), %ax", LEA16_IN(0x55555555), 0, LEA16_OUT(0x55550100), 0, FL_STATUS
ROW "movl %edx, %ebp; leaw (%bp), %ax", LEA16_IN(0x55555555), FL_STATUS, LEA16_OUT(0x55550400), FL_STATUS, FL_STATUS
ROW "A16 leaw 0x1234, %ax", LEA16_IN(0x55555555), 0, LEA16_OUT(0x55551234), 0, FL_STATUS
ROW "leaw 0x7f(%bx,%si), %ax", LEA16_IN(0x55555555), FL_STATUS, LEA16_OUT(0x5555019f), FL_STATUS, FL_STATUS
ROW "leaw -2(%bx,%di), %ax", LEA16_IN(0x55555555), 0, LEA16_OUT(0x55550101), 0, FL_STATUS
ROW "leaw 0x1234(%bx), %ax", LEA16_IN(0x55555555), FL_STATUS, LEA16_OUT(0x55551334), FL_STATUS, FL_STATUS
ROW "leaw -0x8000(%si), %ax", LEA16_IN(0x55555555), 0, LEA16_OUT(0x55558020), 0, FL_STATUS
ROW "leal (%bx,%si), %eax", LEA16_IN(0x55555555), FL_STATUS, LEA16_OUT(0x00000120), FL_STATUS, FL_STATUS
/* The 16-bit effective address wraps at 64 KiB before it is used. */
ROW "leal 0xfff0(%bx,%si), %eax", LEA16_IN(0x55555555), 0, LEA16_OUT(0x00000110), 0, FL_STATUS
ROW "leaw 1(%bx,%si), %ax", 0x55555555, 0x0000ffff, CAN_ECX, CAN_EDX, 0x00000002, CAN_EDI, FL_STATUS, 0x55550002, 0x0000ffff, CAN_ECX, CAN_EDX, 0x00000002, CAN_EDI, FL_STATUS, FL_STATUS
END_GROUP mv_lea16

/* Loads from LOW_SCRATCH (byte i = i * 7 + 3, see scratch_fill) through
 * both address sizes; segment overrides on FS (base 0x20000) and GS (base
 * 0x1FF00): FS:0x10 and GS:0x110 are the same byte. */
GROUP mv_load
ROW "call scratch_fill; movl 0x10(%ebx,%ecx,4), %eax", 0, low_scratch, 3, CAN_EDX, CAN_ESI, CAN_EDI, 0, 0xdcd5cec7, low_scratch, 3, CAN_EDX, CAN_ESI, CAN_EDI, 0, FL_STATUS
ROW "call scratch_fill; movl 0x100(%bx,%si), %eax", 0, 0xabcd0000+low_scratch, CAN_ECX, CAN_EDX, 0x5a5a0010, CAN_EDI, FL_STATUS, 0x88817a73, 0xabcd0000+low_scratch, CAN_ECX, CAN_EDX, 0x5a5a0010, CAN_EDI, FL_STATUS, FL_STATUS
ROW "call scratch_fill; movl %edx, %ebp; movw 6(%bp,%di), %ax", 0x12345678, CAN_EBX, CAN_ECX, low_scratch+0x200, CAN_ESI, 0x33330005, 0, 0x12345750, CAN_EBX, CAN_ECX, low_scratch+0x200, CAN_ESI, 0x33330005, 0, FL_STATUS
ROW "call scratch_fill; movb -1(%di), %al", 0xffffffff, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, low_scratch+0x40, FL_STATUS, 0xffffffbc, CAN_EBX, CAN_ECX, CAN_EDX, CAN_ESI, low_scratch+0x40, FL_STATUS, FL_STATUS
/* BX + SI = 0x1E000: the 16-bit offset wraps to 0xE000 = LOW_SCRATCH. */
ROW "call scratch_fill; movl (%bx,%si), %eax", 0, 0x0000fff0, CAN_ECX, CAN_EDX, 0x0000e010, CAN_EDI, 0, 0x18110a03, 0x0000fff0, CAN_ECX, CAN_EDX, 0x0000e010, CAN_EDI, 0, FL_STATUS
R4 "call scratch_fill; movl %ss:(%ebx), %eax", 0, low_scratch, CAN_ECX, CAN_EDX, FL_STATUS, 0x18110a03, low_scratch, CAN_ECX, CAN_EDX, FL_STATUS, FL_STATUS
R4 "call scratch_fill; movl %es:4(%ebx), %eax", 0, low_scratch, CAN_ECX, CAN_EDX, 0, 0x342d261f, low_scratch, CAN_ECX, CAN_EDX, 0, FL_STATUS
R4 "movl %ebx, chk_mem; movl %cs:chk_mem, %eax", 0, 0x600df00d, CAN_ECX, CAN_EDX, FL_STATUS, 0x600df00d, 0x600df00d, CAN_ECX, CAN_EDX, FL_STATUS, FL_STATUS
R4 "movw $seg_20000, %dx; movw %dx, %fs; movw $seg_1ff00, %dx; movw %dx, %gs; movl %ebx, %fs:0x10; movl %gs:0x110, %eax; movb %ah, %gs:0x113; movl %fs:0x10, %ecx; movw $seg_flat, %dx; movw %dx, %fs; movw %dx, %gs", 0, 0x11223344, CAN_ECX, CAN_EDX, 0, 0x11223344, 0x11223344, 0x33223344, (CAN_EDX&0xffff0000)|SEG_FLAT, 0, FL_STATUS
/* FS:(BX+SI) with BX + SI = 0x10010: the offset wraps to FS:0x0010. */
ROW "movw $seg_20000, %dx; movw %dx, %fs; movl $0, %fs:0x10; movb %al, %fs:(%bx,%si); movl %fs:0x10, %ecx; movw $seg_flat, %dx; movw %dx, %fs", 0x000000c5, 0x0000fff0, CAN_ECX, CAN_EDX, 0x00000020, CAN_EDI, FL_STATUS, 0x000000c5, 0x0000fff0, 0x000000c5, (CAN_EDX&0xffff0000)|SEG_FLAT, 0x00000020, CAN_EDI, FL_STATUS, FL_STATUS
R4 "movw $seg_1ff00, %dx; movw %dx, %gs; movw $seg_20000, %dx; movw %dx, %fs; movl $0x7e7e7e7e, %gs:0x100; movl %fs:0, %eax; movw $seg_flat, %dx; movw %dx, %fs; movw %dx, %gs", 0, CAN_EBX, CAN_ECX, CAN_EDX, 0, 0x7e7e7e7e, CAN_EBX, CAN_ECX, (CAN_EDX&0xffff0000)|SEG_FLAT, 0, FL_STATUS
END_GROUP mv_load

TEST_MAIN
    RUN_GROUP mv_mov, "mov"
    RUN_GROUP mv_movx, "movzx/movsx"
    RUN_GROUP mv_xchg, "xchg"
    RUN_GROUP mv_bswap, "bswap"
    RUN_GROUP mv_lea32, "lea, 32-bit addresses"
    RUN_GROUP mv_lea16, "lea, 16-bit addresses"
    RUN_GROUP mv_load, "loads and segment overrides"
FINISH

    .section .note.GNU-stack, "", @progbits
