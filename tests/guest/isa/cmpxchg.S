/* Compare-and-exchange and exchange-and-add: CMPXCHG r/m, r (8/16/32-bit,
 * register and memory destinations, with and without LOCK), CMPXCHG8B (the
 * other flags than ZF are unaffected) and XADD. Rows: cmpxchg_cases.inc
 * (tools/gen_cases.py). Built twice: pm_cmpxchg (flat protected mode) and
 * rm_cmpxchg (real mode).
 *
 * jitpc-expect-output: cmpxchg r, r: 15 checks ok\n
 * jitpc-expect-output: cmpxchg m, r: 15 checks ok\n
 * jitpc-expect-output: cmpxchg8b: 5 checks ok\n
 * jitpc-expect-output: xadd: 15 checks ok\n
 * jitpc-expect-output: total: 50 checks ok\n
 * jitpc-expect-exit: 0
 */
#include "check.h"
#include "cmpxchg_cases.inc"

TEST_MAIN
    RUN_GROUP cx_cmpxchg_r, "cmpxchg r, r"
    RUN_GROUP cx_cmpxchg_m, "cmpxchg m, r"
    RUN_GROUP cx_cmpxchg8b, "cmpxchg8b"
    RUN_GROUP cx_xadd, "xadd"
FINISH

    .section .note.GNU-stack, "", @progbits
