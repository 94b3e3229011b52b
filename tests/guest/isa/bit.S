/* Bit instructions: BT BTS BTR BTC with register and immediate bit offsets
 * on registers (offset modulo the operand size) and on memory, where a
 * register offset is a signed bit number that reaches outside the operand
 * (here up to 2 KiB either side of it) and an immediate one is taken modulo
 * the operand size; BSF and BSR. CF = the selected bit and ZF is unaffected;
 * OF SF AF PF are undefined. Rows: bit_cases.inc (tools/gen_cases.py); the
 * memory rows refill bitbuf before and hash it after the instruction.
 * Built twice: pm_bit (flat protected mode) and rm_bit (real mode).
 *
 * jitpc-expect-output: bt: 24 checks ok\n
 * jitpc-expect-output: bts: 24 checks ok\n
 * jitpc-expect-output: btr: 24 checks ok\n
 * jitpc-expect-output: btc: 24 checks ok\n
 * jitpc-expect-output: bit strings in memory: 45 checks ok\n
 * jitpc-expect-output: bsf/bsr: 30 checks ok\n
 * jitpc-expect-output: total: 171 checks ok\n
 * jitpc-expect-exit: 0
 */
#include "check.h"

#define BITBUF_SIZE 512         /* keep in step with BITBUF in tools/gen_cases.py */

    .pushsection SECT_DATA, "aw"
    .balign 4
bitbuf:
    .fill BITBUF_SIZE, 1, 0
    .popsection

    .pushsection SECT_TEXT, "ax"
/* bit_fill: bitbuf[i] = i * 0x9d + 0x3c. Preserves registers and EFLAGS. */
bit_fill:
    pushfl
    pushal
    xorl %ecx, %ecx
    movb $0x3c, %al
1:  movb %al, bitbuf(%ecx)
    addb $0x9d, %al
    incl %ecx
    cmpl $BITBUF_SIZE, %ecx
    jb 1b
    popal
    popfl
    ret

/* bit_hash: EDX = h, h = rol(h, 5) ^ dword for each dword of bitbuf.
 * Preserves the other registers and EFLAGS. */
bit_hash:
    pushfl
    pushl %ecx
    xorl %edx, %edx
    xorl %ecx, %ecx
1:  roll $5, %edx
    xorl bitbuf(%ecx), %edx
    addl $4, %ecx
    cmpl $BITBUF_SIZE, %ecx
    jb 1b
    popl %ecx
    popfl
    ret
    .popsection

#include "bit_cases.inc"

TEST_MAIN
    RUN_GROUP bit_bt, "bt"
    RUN_GROUP bit_bts, "bts"
    RUN_GROUP bit_btr, "btr"
    RUN_GROUP bit_btc, "btc"
    RUN_GROUP bit_mem, "bit strings in memory"
    RUN_GROUP bit_scan, "bsf/bsr"
FINISH

    .section .note.GNU-stack, "", @progbits
