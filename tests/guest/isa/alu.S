/* Integer ALU instructions: ADD ADC SUB SBB CMP AND OR XOR TEST INC DEC NEG
 * NOT in 8-, 16- and 32-bit forms (register, immediate, high-byte register,
 * memory, LOCK). Rows: alu_cases.inc (tools/gen_cases.py); each compares the
 * result, the untouched registers and the flags the SDM defines. Built twice
 * (CMakeLists.txt): pm_alu runs it in flat protected mode, rm_alu in real
 * mode, where every 32-bit operation carries the operand-size prefix.
 *
 * jitpc-expect-output: add: 27 checks ok\n
 * jitpc-expect-output: adc: 54 checks ok\n
 * jitpc-expect-output: sub: 27 checks ok\n
 * jitpc-expect-output: sbb: 54 checks ok\n
 * jitpc-expect-output: cmp: 27 checks ok\n
 * jitpc-expect-output: and: 27 checks ok\n
 * jitpc-expect-output: or: 27 checks ok\n
 * jitpc-expect-output: xor: 27 checks ok\n
 * jitpc-expect-output: test: 27 checks ok\n
 * jitpc-expect-output: inc/dec/neg/not: 72 checks ok\n
 * jitpc-expect-output: other forms: 37 checks ok\n
 * jitpc-expect-output: total: 406 checks ok\n
 * jitpc-expect-exit: 0
 */
#include "check.h"
#include "alu_cases.inc"

TEST_MAIN
    RUN_GROUP alu_add, "add"
    RUN_GROUP alu_adc, "adc"
    RUN_GROUP alu_sub, "sub"
    RUN_GROUP alu_sbb, "sbb"
    RUN_GROUP alu_cmp, "cmp"
    RUN_GROUP alu_and, "and"
    RUN_GROUP alu_or, "or"
    RUN_GROUP alu_xor, "xor"
    RUN_GROUP alu_test, "test"
    RUN_GROUP alu_unary, "inc/dec/neg/not"
    RUN_GROUP alu_forms, "other forms"
FINISH

    .section .note.GNU-stack, "", @progbits
