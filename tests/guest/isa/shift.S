/* Shifts and rotates: SHL SHR SAR ROL ROR RCL RCR by CL (the count masked to
 * 5 bits; RCL/RCR 8/16-bit counts taken modulo 9/17), by 1 and by imm8, of
 * registers and memory, and SHLD/SHRD (register and memory destinations).
 * A masked count of 0 leaves every flag alone; CF past the operand size
 * (SHL/SHR), OF beyond 1-bit counts, AF, and SHLD/SHRD counts above the
 * operand size are undefined and not compared. Rows: shift_cases.inc
 * (tools/gen_cases.py). Built twice: pm_shift (flat protected mode) and
 * rm_shift (real mode).
 *
 * jitpc-expect-output: shl: 34 checks ok\n
 * jitpc-expect-output: shr: 34 checks ok\n
 * jitpc-expect-output: sar: 34 checks ok\n
 * jitpc-expect-output: rol: 34 checks ok\n
 * jitpc-expect-output: ror: 34 checks ok\n
 * jitpc-expect-output: rcl: 34 checks ok\n
 * jitpc-expect-output: rcr: 34 checks ok\n
 * jitpc-expect-output: memory operands: 7 checks ok\n
 * jitpc-expect-output: shld: 21 checks ok\n
 * jitpc-expect-output: shrd: 21 checks ok\n
 * jitpc-expect-output: total: 287 checks ok\n
 * jitpc-expect-exit: 0
 */
#include "check.h"
#include "shift_cases.inc"

TEST_MAIN
    RUN_GROUP sh_shl, "shl"
    RUN_GROUP sh_shr, "shr"
    RUN_GROUP sh_sar, "sar"
    RUN_GROUP sh_rol, "rol"
    RUN_GROUP sh_ror, "ror"
    RUN_GROUP sh_rcl, "rcl"
    RUN_GROUP sh_rcr, "rcr"
    RUN_GROUP sh_mem, "memory operands"
    RUN_GROUP sh_shld, "shld"
    RUN_GROUP sh_shrd, "shrd"
FINISH

    .section .note.GNU-stack, "", @progbits
