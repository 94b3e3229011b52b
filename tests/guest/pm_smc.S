/* Self-modifying code: a store into the next instruction of the same block
 * (an immediate, then an opcode), in a loop so that every pass runs code
 * that was just rewritten; a store into the target of the next jump; a
 * function run many times, then rewritten, then run again; REP STOSB
 * writing over the instructions right after it; an instruction that spans
 * two pages, rewritten on the second page and then on the first; a block
 * that spans two pages, rewritten on the second; and, with 32-bit paging,
 * code written through another linear address (an alias) of the same
 * physical page: from outside, through the identity mapping, and by the
 * code itself just ahead of where it runs. On P6 and later processors a
 * store to code is seen by the very next instruction fetch, with no
 * serializing instruction or jump needed (SDM vol. 3A, 8.1.3, "handling
 * self- and cross-modifying code"; the P6 rules for a 486-style prefetch
 * queue do not apply).
 *
 * jitpc-expect-output: same block: 4 checks ok\n
 * jitpc-expect-output: next block: 3 checks ok\n
 * jitpc-expect-output: translated code rewritten: 3 checks ok\n
 * jitpc-expect-output: string store: 1 checks ok\n
 * jitpc-expect-output: page boundary: 5 checks ok\n
 * jitpc-expect-output: linear alias: 8 checks ok\n
 * jitpc-expect-output: total: 24 checks ok\n
 * jitpc-expect-exit: 0
 */
#include "check.h"
#include "sys.h"

#define MOV_EAX_IMM 0xb8            /* mov $imm32, %eax */
#define INC_EAX 0x40
#define DEC_EAX 0x48
#define NOP 0x90
#define EXEC_LIN 0x40000000         /* code page, for running */
#define WRITE_LIN 0x40001000        /* the same physical page, for writing */
#define PTE_PW 3                    /* present, writable */

    .bss
    .balign 4096
pd:         .fill 4096, 1, 0
pt_low:     .fill 4096, 1, 0
pt_win:     .fill 4096, 1, 0
code_page:  .fill 4096, 1, 0        /* the aliased physical page */

    .data
    .balign 4
got:        .fill 4, 4, 0
saved_cr0:  .long 0

    .text
/* A function whose immediate the tests rewrite. */
hot_fn:
    movl $1, %eax
    ret

/* The alias template (copied to code_page): the first function returns an
 * immediate; the second rewrites its own next instruction through
 * WRITE_LIN, then runs it. */
alias_tmpl:
alias_fn:
    movl $0xa1a1a1a1, %eax
    ret
alias_self:
    movl %ecx, WRITE_LIN + (alias_self_imm - alias_tmpl)
alias_self_next:
    movl $0xb2b2b2b2, %eax
    ret
alias_tmpl_end:
    .set alias_self_imm, alias_self_next + 1

/* An instruction across a page boundary: B8 and the low byte of the
 * immediate at the end of one page, the other three bytes on the next. */
    .balign 4096
    .skip 4096 - 2
span_insn:
    movl $0x44332211, %eax
    ret
    .balign 4096
    .skip 4096 - 2
/* A block across a page boundary: two INCs here, two on the next page. */
span_block:
    incl %eax
    incl %eax
span_block_2:
    incl %eax
    incl %eax
    ret

TEST_MAIN
    call sys_init

    /* ---- the next instruction of the same block ---- */
    movl $1, %ebx
1:  movl %ebx, smc_imm+1
smc_imm:
    movl $0, %eax
    movl %eax, got-4(,%ebx,4)
    incl %ebx
    cmpl $4, %ebx
    jb 1b
    CHECK "imm of the next instruction, pass 1", got, $1
    CHECK "pass 2", got+4, $2
    CHECK "pass 3", got+8, $3
    xorl %ebx, %ebx
    movl $100, %eax
2:  movb $INC_EAX, %cl
    testl $1, %ebx
    jz 3f
    movb $DEC_EAX, %cl
3:  movb %cl, smc_op
smc_op:
    nop                             /* INC or DEC EAX */
    incl %ebx
    cmpl $5, %ebx
    jb 2b
    CHECK "opcode of the next instruction (inc, dec, inc, dec, inc)", %eax, $101
    END_CHECKS "same block"

    /* ---- the target of the next jump ---- */
    movl $1, %ebx
1:  movl %ebx, smc_tgt+1
    jmp smc_tgt
smc_tgt:
    movl $0, %eax
    movl %eax, got-4(,%ebx,4)
    incl %ebx
    cmpl $4, %ebx
    jb 1b
    CHECK "jump target rewritten, pass 1", got, $1
    CHECK "pass 2", got+4, $2
    CHECK "pass 3", got+8, $3
    END_CHECKS "next block"

    /* ---- code run many times, then rewritten ---- */
    movl $200, %ebx
    xorl %esi, %esi
1:  call hot_fn
    addl %eax, %esi
    decl %ebx
    jnz 1b
    CHECK "hot function, 200 calls", %esi, $200
    movl $2, hot_fn+1
    call hot_fn
    CHECK "hot function rewritten", %eax, $2
    movl $3, hot_fn+1
    call hot_fn
    CHECK "rewritten again", %eax, $3
    END_CHECKS "translated code rewritten"

    /* ---- REP STOSB over the following instructions ---- */
    movl $INC_EAX, %eax
    movl $stos_target, %edi
    movl $4, %ecx
    cld
    rep stosb
stos_target:
    nop
    nop
    nop
    nop
    CHECK "rep stosb wrote 4 x inc eax ahead of itself", %eax, $(INC_EAX + 4)
    END_CHECKS "string store"

    /* ---- across a page boundary ---- */
    call span_insn
    CHECK "spanning instruction", %eax, $0x44332211
    movb $0x55, span_insn+4         /* on the second page */
    call span_insn
    CHECK "second page rewritten", %eax, $0x55332211
    movb $0x66, span_insn+1         /* on the first page */
    call span_insn
    CHECK "first page rewritten", %eax, $0x55332266
    xorl %eax, %eax
    call span_block
    CHECK "spanning block", %eax, $4
    movb $DEC_EAX, span_block_2
    xorl %eax, %eax
    call span_block
    CHECK "spanning block, second page rewritten", %eax, $2
    END_CHECKS "page boundary"

    /* ---- a linear alias of the code page (32-bit paging) ---- */
    movl $alias_tmpl, %esi
    movl $code_page, %edi
    movl $(alias_tmpl_end - alias_tmpl), %ecx
    rep movsb
    movl $pt_low, %edi
    movl $PTE_PW, %eax
1:  movl %eax, (%edi)
    addl $4, %edi
    addl $4096, %eax
    cmpl $pt_low + 4096, %edi
    jb 1b
    movl $(pt_low + PTE_PW), pd
    movl $(pt_win + PTE_PW), pd + (EXEC_LIN >> 22) * 4
    movl $(code_page + PTE_PW), pt_win
    movl $(code_page + PTE_PW), pt_win + 4
    movl $pd, %eax
    movl %eax, %cr3
    movl %cr0, %eax
    movl %eax, saved_cr0
    orl $CR0_PG, %eax
    movl %eax, %cr0
    jmp 2f
2:  movl $EXEC_LIN, %ebx
    call *%ebx
    CHECK "alias: run", %eax, $0xa1a1a1a1
    movl $0xc3c3c3c3, WRITE_LIN + 1
    call *%ebx
    CHECK "alias: written through the other linear address", %eax, $0xc3c3c3c3
    movl $0xd4d4d4d4, code_page + 1
    call *%ebx
    CHECK "alias: written through the identity mapping", %eax, $0xd4d4d4d4
    movl $code_page, %edx
    call *%edx
    CHECK "identity: run the same page", %eax, $0xd4d4d4d4
    movl $0xe5e5e5e5, WRITE_LIN + 1
    call *%edx
    CHECK "identity: written through the alias", %eax, $0xe5e5e5e5
    movl $1, %ebx
1:  movl %ebx, %ecx
    movl $EXEC_LIN + (alias_self - alias_tmpl), %eax
    call *%eax
    movl %eax, got-4(,%ebx,4)
    incl %ebx
    cmpl $4, %ebx
    jb 1b
    CHECK "alias: code rewrites its next instruction, pass 1", got, $1
    CHECK "pass 2", got+4, $2
    CHECK "pass 3", got+8, $3
    movl saved_cr0, %eax
    movl %eax, %cr0
    END_CHECKS "linear alias"
FINISH

    .section .note.GNU-stack, "", @progbits
