/* Real-mode control transfers and segments: near JMP/CALL/RET with 16-bit
 * IPs (rel8, rel16, register, memory; CALL pushes 2 bytes, CALLL 4; RET
 * imm16), far JMP/CALL/RET direct (ptr16:16) and indirect (m16:16), LRET
 * imm16 and IRET used as far transfers to CS = 0x0100, which reaches the
 * same code as CS = 0 at IP - 0x1000 (CS base = CS * 16, read back through
 * a CS: override); segment loads (MOV, POP, LDS LES LFS LGS LSS; MOV to a
 * 32-bit register zero-extends on P6) and segment arithmetic: the same byte
 * through different seg:off pairs, and a 16-bit offset that wraps inside
 * its segment. Reference: SDM vol. 3A, 20.1 (real-address mode); vol. 2,
 * CALL/JMP/RET/IRET/LDS.
 *
 * jitpc-expect-output: near jmp/call/ret: 12 checks ok\n
 * jitpc-expect-output: far jmp/call/ret/iret: 14 checks ok\n
 * jitpc-expect-output: segment loads: 14 checks ok\n
 * jitpc-expect-output: segment arithmetic: 4 checks ok\n
 * jitpc-expect-output: total: 44 checks ok\n
 * jitpc-expect-exit: 0
 */
#include "check.h"
#if CHECK_MODE != 16
#error "rm_far runs in real mode only"
#endif

#define ALIAS_SEG 0x0100            /* CS = 0x0100: linear = IP + 0x1000 */
#define ALIAS_BASE 0x1000

    .section .rm16.data, "aw"
    .balign 4
saved_sp:   .long 0
saved_ss:   .long 0
rf_cs:      .long 0                 /* CS seen by a far target */
rf_ip:      .long 0                 /* return IP on its stack */
rf_retcs:   .long 0                 /* return CS on its stack */
rf_flags:   .long 0
rf_data:    .long 0x13572468        /* read through CS = ALIAS_SEG */
rf_word:    .long 0xffffffff
near_ptr:   .word ret_addr16
jmp_ptr:    .word nj4
/* far pointers m16:16: offset, then segment */
fp_jmp:     .word fj2 - ALIAS_BASE, ALIAS_SEG
fp_call:    .word far_sub - ALIAS_BASE, ALIAS_SEG
fp_ds:      .word 0x1234, 0x2000
fp_es:      .word 0x5678, 0x1fff
fp_fs:      .word 0x9abc, 0x1000
fp_gs:      .word 0xdef0, 0x0f00
fp_ss:      .word 0x0800, LOW_SCRATCH >> 4   /* SS:SP = linear LOW_SCRATCH + 0x800 */
old_stack:  .word 0, 0

    .section .rm16.text, "ax"
/* EAX = the 16-bit return address of the near call that reached here. */
ret_addr16:
    movw %sp, %bx
    movzwl (%bx), %eax
    ret

/* Far targets, run with CS = ALIAS_SEG: record CS and the return frame. */
far_sub:
    movw %cs, rf_cs
    movw %sp, %bp
    movw (%bp), %ax
    movw %ax, rf_ip
    movw 2(%bp), %ax
    movw %ax, rf_retcs
    movw %cs:rf_data - ALIAS_BASE, %ax      /* CS-relative: CS base is 0x1000 */
    movw %ax, rf_word
    lret

far_sub_ret4:
    lret $4

TEST_MAIN
    /* ---- near ---- */
    movl $0, %eax
    jmp 1f
    movl $1, %eax
1:  CHECK "jmp rel8", %eax, $0
    {disp16} jmp 2f
    movl $1, %eax
2:  CHECK "jmp rel16", %eax, $0
    movw $3f, %bx
    jmp *%bx
    movl $1, %eax
3:  CHECK "jmp *r16", %eax, $0
    jmp *jmp_ptr
    movl $1, %eax
nj4:
    CHECK "jmp *m16", %eax, $0
    movw %sp, saved_sp
    call ret_addr16
nc1:
    CHECK "call rel16: pushed ip", %eax, $nc1
    movzwl %sp, %edx
    CHECK "call rel16: sp after ret", %edx, saved_sp
    movw $ret_addr16, %bx
    call *%bx
nc2:
    CHECK "call *r16: pushed ip", %eax, $nc2
    call *near_ptr
nc3:
    CHECK "call *m16: pushed ip", %eax, $nc3
    /* CALLL (66 E8) pushes a 32-bit return address; RETL pops it. */
    calll 4f
nc4:
    jmp 5f
4:  movw %sp, %bx
    movl (%bx), %ecx
    movw %sp, %dx
    retl
5:  CHECK "calll: pushed eip", %ecx, $nc4
    movzwl %dx, %edx
    movl saved_sp, %eax
    subl $4, %eax
    CHECK "calll: 4 bytes pushed", %edx, %eax
    movzwl %sp, %edx
    CHECK "retl: sp", %edx, saved_sp
    pushw $1
    pushw $2
    call 6f
    jmp 7f
6:  ret $4
7:  movzwl %sp, %edx
    CHECK "ret $4: sp", %edx, saved_sp
    END_CHECKS "near jmp/call/ret"

    /* ---- far ---- */
    ljmp $ALIAS_SEG, $fj1 - ALIAS_BASE
fj1:
    movw %cs, rf_cs
    ljmp $0, $fj1_back
fj1_back:
    CHECK "ljmp ptr16:16: cs", rf_cs, $ALIAS_SEG
    movw %cs, %ax
    movzwl %ax, %eax
    CHECK "ljmp back: cs", %eax, $0
    movl $0, rf_cs
    ljmp *fp_jmp
fj2:
    movw %cs, rf_cs
    ljmp $0, $fj2_back
fj2_back:
    CHECK "ljmp *m16:16: cs", rf_cs, $ALIAS_SEG
    movl $0, rf_cs
    lcall $ALIAS_SEG, $far_sub - ALIAS_BASE
fc1:
    CHECK "lcall ptr16:16: cs in the target", rf_cs, $ALIAS_SEG
    CHECK "lcall ptr16:16: pushed ip", rf_ip, $fc1
    CHECK "lcall ptr16:16: pushed cs", rf_retcs, $0
    CHECK "cs: override uses the cs base", rf_word, $0xffff2468
    movzwl %sp, %edx
    CHECK "lret: sp", %edx, saved_sp
    movl $0, rf_cs
    lcall *fp_call
fc2:
    CHECK "lcall *m16:16: cs in the target", rf_cs, $ALIAS_SEG
    CHECK "lcall *m16:16: pushed ip", rf_ip, $fc2
    pushw $0x1111
    pushw $0x2222
    lcall $ALIAS_SEG, $far_sub_ret4 - ALIAS_BASE
    movzwl %sp, %edx
    CHECK "lret $4: sp", %edx, saved_sp
    /* IRET as a far jump: pops IP, CS, FLAGS. */
    movl $0, rf_cs
    pushw $(CF|ZF|FL_RESERVED1)
    pushw $ALIAS_SEG
    pushw $fi1 - ALIAS_BASE
    iret
fi1:
    pushfw
    popw rf_flags
    movw %cs, rf_cs
    ljmp $0, $fi1_back
fi1_back:
    CHECK "iret: cs", rf_cs, $ALIAS_SEG
    movl rf_flags, %eax
    andl $FL_STATUS, %eax
    CHECK "iret: flags", %eax, $(CF|ZF)
    movzwl %sp, %edx
    CHECK "iret: sp", %edx, saved_sp
    END_CHECKS "far jmp/call/ret/iret"

    /* ---- segment loads ---- */
    movw $0x2000, %ax
    movw %ax, %es
    movw %es, %bx
    movzwl %bx, %ebx
    CHECK "mov es, r16; mov r16, es", %ebx, $0x2000
    movl $0xffffffff, %ecx
    movl %es, %ecx
    CHECK "mov r32, es zero-extends", %ecx, $0x2000
    movw %es, rf_word
    CHECK "mov m16, es writes 16 bits", rf_word, $0xffff2000
    pushw $0x1fff
    popw %fs
    movw %fs, %ax
    movzwl %ax, %eax
    CHECK "pop fs", %eax, $0x1fff
    lds fp_ds, %si
    movw %ds, %ax
    pushw $0
    popw %ds
    movzwl %ax, %eax
    movzwl %si, %esi
    CHECK "lds: segment", %eax, $0x2000
    CHECK "lds: offset", %esi, $0x1234
    les fp_es, %di
    movw %es, %ax
    movzwl %ax, %eax
    movzwl %di, %edi
    CHECK "les: segment", %eax, $0x1fff
    CHECK "les: offset", %edi, $0x5678
    lfs fp_fs, %bx
    lgs fp_gs, %cx
    movw %fs, %ax
    movw %gs, %dx
    movzwl %ax, %eax
    movzwl %dx, %edx
    CHECK "lfs: segment", %eax, $0x1000
    CHECK "lgs: segment", %edx, $0x0f00
    movzwl %cx, %ecx
    CHECK "lgs: offset", %ecx, $0xdef0
    /* LSS: a new stack at LOW_SCRATCH + 0x800 (as SS:SP = 0x0E00:0x0800). */
    movw %sp, old_stack
    movw %ss, old_stack+2
    lss fp_ss, %sp
    pushw $0xbeef
    movw %sp, %cx
    lss old_stack, %sp
    movzwl %cx, %ecx
    CHECK "lss: sp", %ecx, $0x07fe
    movzwl LOW_SCRATCH+0x7fe, %eax
    CHECK "lss: the push went to ss * 16 + sp", %eax, $0xbeef
    movzwl %sp, %edx
    CHECK "lss back: sp", %edx, saved_sp
    END_CHECKS "segment loads"

    /* ---- segment arithmetic (ES, FS, GS as loaded above are replaced) ---- */
    movw $0x2000, %ax
    movw %ax, %es
    movw $0x1fff, %ax
    movw %ax, %fs
    movl $0xcafef00d, %es:0x10
    CHECK "2000:0010 is 1fff:0020", %fs:0x20, $0xcafef00d
    movw $0x1000, %ax
    movw %ax, %gs
    movb $0x5a, %gs:0xffff
    movzbl %fs:0x000f, %eax
    CHECK "1000:ffff is 1fff:000f", %eax, $0x5a
    movl $0x11223344, %fs:0x10      /* linear 0x20000 */
    movw $0xffff, %bx
    movzbl %es:1(%bx), %eax         /* offset 0x10000 wraps to 0 */
    CHECK "2000:(ffff+1) wraps to 2000:0000", %eax, $0x44
    movw $0x2000, %bx
    movw $0x2000, %si
    movb $0x77, %es:(%bx,%si)       /* 0x4000 */
    movzbl %fs:0x4010, %eax
    CHECK "2000:(bx+si) is 1fff:4010", %eax, $0x77
    xorw %ax, %ax
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    END_CHECKS "segment arithmetic"
FINISH

    .section .note.GNU-stack, "", @progbits
