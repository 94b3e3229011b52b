/* Control transfers and segment loads in flat 32-bit protected mode: JMP
 * rel8/rel32/register/memory/jump table, CALL rel32/register/memory and
 * RET (the pushed return address, ESP restored), far JMP, CALL and RET
 * (direct ptr16:32 and indirect m16:32, to a second flat code segment and
 * back, LRET imm16, the CS:EIP frame a far CALL pushes), MOV to and from
 * segment registers (32-bit destinations are zero-extended on P6), LDS LES
 * LFS LGS LSS with m16:32 pointers. Selectors: lib/check.h (GDT: gdt.S).
 * Reference: SDM vol. 2, CALL/JMP/RET/MOV/LDS; vol. 3A, 3.4.
 *
 * jitpc-expect-output: near jmp: 5 checks ok\n
 * jitpc-expect-output: near call/ret: 7 checks ok\n
 * jitpc-expect-output: far jmp/call/ret: 15 checks ok\n
 * jitpc-expect-output: segment loads: 12 checks ok\n
 * jitpc-expect-output: total: 39 checks ok\n
 * jitpc-expect-exit: 0
 */
#include "check.h"
#if CHECK_MODE != 32
#error "pm_control runs in protected mode only"
#endif

    .data
    .balign 4
saved_esp:  .long 0
far_cs:     .long 0                 /* CS seen by a far target */
far_eip:    .long 0                 /* the return EIP it found on the stack */
far_ret_cs: .long 0                 /* the return CS it found on the stack */
jmp_table:  .long jt0, jt1, jt2, jt3
call_ptr:   .long ret_addr
/* far pointers: offset (32 bits), then selector */
fp_jmp:     .long far_jmp_target
            .word SEL_CODE32_ALIAS
fp_call:    .long far_sub
            .word SEL_CODE32_ALIAS
fp_fs:      .long 0x12345678
            .word SEL_DATA_20000
fp_gs:      .long 0x9abcdef0
            .word SEL_DATA_1FF00
fp_ds:      .long 0x11111111
            .word SEL_DATA32
fp_es:      .long 0x22222222
            .word SEL_DATA32
fp_ss:      .long 0                 /* filled in: the current stack */
            .word SEL_DATA32
    .balign 4
seg_word:   .long 0xffffffff

    .text
/* EAX = the return address of the call that reached here. */
ret_addr:
    movl (%esp), %eax
    ret

/* Far targets: run with CS = SEL_CODE32_ALIAS, record what they see. */
far_sub:
    movw %cs, %ax
    movzwl %ax, %eax
    movl %eax, far_cs
    movl (%esp), %eax
    movl %eax, far_eip
    movl 4(%esp), %eax              /* a 32-bit slot; the selector is its low half */
    movzwl %ax, %eax
    movl %eax, far_ret_cs
    lret

far_sub_ret8:
    lret $8

TEST_MAIN
    /* ---- near JMP ---- */
    movl $0, %eax
    jmp 1f
    movl $1, %eax
1:  CHECK "jmp rel8", %eax, $0
    {disp32} jmp 2f
    movl $1, %eax
2:  CHECK "jmp rel32", %eax, $0
    movl $3f, %ebx
    jmp *%ebx
    movl $1, %eax
3:  CHECK "jmp *reg", %eax, $0
    movl $4f, chk_mem
    jmp *chk_mem
    movl $1, %eax
4:  CHECK "jmp *mem", %eax, $0
    movl $2, %ecx
    jmp *jmp_table(,%ecx,4)
jt0: movl $10, %eax
    jmp 5f
jt1: movl $11, %eax
    jmp 5f
jt2: movl $12, %eax
    jmp 5f
jt3: movl $13, %eax
5:  CHECK "jmp *table(,%ecx,4)", %eax, $12
    END_CHECKS "near jmp"

    /* ---- near CALL/RET ---- */
    movl %esp, saved_esp
    call ret_addr
cr1:
    CHECK "call rel32: return address", %eax, $cr1
    movl %esp, %edx
    CHECK "call rel32: esp after ret", %edx, saved_esp
    movl $ret_addr, %ebx
    call *%ebx
cr2:
    CHECK "call *reg: return address", %eax, $cr2
    call *call_ptr
cr3:
    CHECK "call *mem: return address", %eax, $cr3
    movl %esp, %edx
    CHECK "call *mem: esp after ret", %edx, saved_esp
    xorl %eax, %eax
    call 6f
cr4:
    jmp 7f
6:  movl (%esp), %eax
    ret
7:  CHECK "call rel32 forwards: return address", %eax, $cr4
    movl $1, %ecx
    call 8f
    jmp 9f
8:  decl %ecx
    ret
9:  CHECK "ret", %ecx, $0
    END_CHECKS "near call/ret"

    /* ---- far JMP/CALL/RET ---- */
    ljmp $SEL_CODE32_ALIAS, $fj1
fj1:
    movw %cs, %ax
    movzwl %ax, %eax
    CHECK "ljmp ptr16:32: cs", %eax, $SEL_CODE32_ALIAS
    ljmp $SEL_CODE32, $fj2
fj2:
    movw %cs, %ax
    movzwl %ax, %eax
    CHECK "ljmp back: cs", %eax, $SEL_CODE32
    ljmp *fp_jmp
far_jmp_target:
    movw %cs, %ax
    movzwl %ax, %eax
    CHECK "ljmp *m16:32: cs", %eax, $SEL_CODE32_ALIAS
    ljmp $SEL_CODE32, $fj3
fj3:
    movl %esp, saved_esp
    lcall $SEL_CODE32_ALIAS, $far_sub
fc1:
    CHECK "lcall ptr16:32: cs in the target", far_cs, $SEL_CODE32_ALIAS
    CHECK "lcall ptr16:32: pushed eip", far_eip, $fc1
    CHECK "lcall ptr16:32: pushed cs", far_ret_cs, $SEL_CODE32
    movw %cs, %ax
    movzwl %ax, %eax
    CHECK "lret: cs", %eax, $SEL_CODE32
    movl %esp, %edx
    CHECK "lret: esp", %edx, saved_esp
    movl $0, far_cs
    lcall *fp_call
fc2:
    CHECK "lcall *m16:32: cs in the target", far_cs, $SEL_CODE32_ALIAS
    CHECK "lcall *m16:32: pushed eip", far_eip, $fc2
    movl %esp, %edx
    CHECK "lcall *m16:32: esp", %edx, saved_esp
    lcall $SEL_CODE32, $far_sub
fc3:
    CHECK "lcall to the same cs: cs in the target", far_cs, $SEL_CODE32
    CHECK "lcall to the same cs: pushed eip", far_eip, $fc3
    pushl $0x1111
    pushl $0x2222
    lcall $SEL_CODE32_ALIAS, $far_sub_ret8
    movl %esp, %edx
    CHECK "lret $8: esp", %edx, saved_esp
    movw %cs, %ax
    movzwl %ax, %eax
    CHECK "lret $8: cs", %eax, $SEL_CODE32
    END_CHECKS "far jmp/call/ret"

    /* ---- segment loads ---- */
    movw $SEL_DATA_20000, %ax
    movw %ax, %fs
    movw %fs, %bx
    movzwl %bx, %ebx
    CHECK "mov fs, r16; mov r16, fs", %ebx, $SEL_DATA_20000
    movl $0xffffffff, %ecx
    movl %fs, %ecx
    CHECK "mov r32, fs zero-extends", %ecx, $SEL_DATA_20000
    movw %fs, seg_word
    CHECK "mov m16, fs writes 16 bits", seg_word, $(0xffff0000|SEL_DATA_20000)
    movl $0x5a5a5a5a, %fs:0x40
    movw $SEL_DATA_1FF00, %ax
    movw %ax, %gs
    CHECK "fs:0x40 is gs:0x140", %gs:0x140, $0x5a5a5a5a
    movw $SEL_DATA32, %ax
    movw %ax, %fs
    movw %ax, %gs
    lfs fp_fs, %ebx
    movw %fs, %ax
    movzwl %ax, %eax
    CHECK "lfs: offset", %ebx, $0x12345678
    CHECK "lfs: selector", %eax, $SEL_DATA_20000
    lgs fp_gs, %ecx
    movw %gs, %ax
    movzwl %ax, %eax
    CHECK "lgs: offset", %ecx, $0x9abcdef0
    CHECK "lgs: selector", %eax, $SEL_DATA_1FF00
    CHECK "lfs/lgs: fs:0x40 is gs:0x140", %gs:0x140, %fs:0x40
    lds fp_ds, %esi
    les fp_es, %edi
    CHECK "lds: offset", %esi, $0x11111111
    CHECK "les: offset", %edi, $0x22222222
    movl %esp, fp_ss
    movl %esp, %ebp
    movl $0, %esp
    lss fp_ss, %esp
    movl %esp, %edx
    CHECK "lss: esp", %edx, %ebp
    movw $SEL_DATA32, %ax
    movw %ax, %fs
    movw %ax, %gs
    END_CHECKS "segment loads"
FINISH

    .section .note.GNU-stack, "", @progbits
