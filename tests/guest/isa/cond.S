/* Conditions: Jcc (short and near), SETcc (register and memory) and CMOVcc
 * (32- and 16-bit, register and memory) for all 16 condition codes, each
 * under all 32 combinations of CF PF ZF SF OF (SDM vol. 1, appendix B);
 * LOOP LOOPE LOOPNE JCXZ JECXZ with both address sizes (CX or ECX counts,
 * the upper half of ECX kept with CX). Rows: cond_cases.inc
 * (tools/gen_cases.py). Built twice: pm_cond (flat protected mode) and
 * rm_cond (real mode).
 *
 * jitpc-expect-output: jcc rel8: 512 checks ok\n
 * jitpc-expect-output: jcc near: 512 checks ok\n
 * jitpc-expect-output: setcc r8: 512 checks ok\n
 * jitpc-expect-output: setcc m8: 512 checks ok\n
 * jitpc-expect-output: cmovcc r32: 512 checks ok\n
 * jitpc-expect-output: cmovcc r16: 512 checks ok\n
 * jitpc-expect-output: cmovcc m32: 512 checks ok\n
 * jitpc-expect-output: loop/jcxz: 60 checks ok\n
 * jitpc-expect-output: total: 3644 checks ok\n
 * jitpc-expect-exit: 0
 */
#include "check.h"
#include "cond_cases.inc"

TEST_MAIN
    RUN_CC_GROUP cc_jcc8, "jcc rel8"
    RUN_CC_GROUP cc_jccnear, "jcc near"
    RUN_CC_GROUP cc_setcc, "setcc r8"
    RUN_CC_GROUP cc_setcc_m, "setcc m8"
    RUN_CC_GROUP cc_cmov32, "cmovcc r32"
    RUN_CC_GROUP cc_cmov16, "cmovcc r16"
    RUN_CC_GROUP cc_cmovm, "cmovcc m32"
    RUN_GROUP cc_loop, "loop/jcxz"
FINISH

    .section .note.GNU-stack, "", @progbits
