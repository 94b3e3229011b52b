/* Multiplication and division: MUL, IMUL with one, two and three operands
 * (imm8 and imm16/32), DIV and IDIV in 8-, 16- and 32-bit forms, register
 * and memory. MUL/IMUL define only CF and OF; DIV/IDIV define no flag. A
 * zero divisor or a quotient out of range raises #DE (vector 0), a fault:
 * the saved EIP is the dividing instruction and every register is as before
 * it (checked). Rows: muldiv_cases.inc (tools/gen_cases.py). Built twice:
 * pm_muldiv (flat protected mode, IDT) and rm_muldiv (real mode, IVT).
 *
 * jitpc-expect-output: mul: 21 checks ok\n
 * jitpc-expect-output: imul r/m: 27 checks ok\n
 * jitpc-expect-output: imul r, r/m [, imm]: 30 checks ok\n
 * jitpc-expect-output: div: 30 checks ok\n
 * jitpc-expect-output: idiv: 39 checks ok\n
 * jitpc-expect-output: total: 147 checks ok\n
 * jitpc-expect-exit: 0
 */
#include "check.h"
#include "muldiv_cases.inc"

TEST_MAIN
    RUN_GROUP md_mul, "mul"
    RUN_GROUP md_imul1, "imul r/m"
    RUN_GROUP md_imul23, "imul r, r/m [, imm]"
    RUN_GROUP md_div, "div"
    RUN_GROUP md_idiv, "idiv"
FINISH

    .section .note.GNU-stack, "", @progbits
