/* How the x86 CPU presents itself to the translation engine: the CPU-state
 * fields that are IR globals and the helper table (helpers.def). */
#ifndef JITPC_CPU_GUEST_H
#define JITPC_CPU_GUEST_H

#include <stdint.h>

#include "translate/ir.h"

/* IR global numbers (the order of the table in guest.c). */
enum {
    G_EAX, G_ECX, G_EDX, G_EBX, G_ESP, G_EBP, G_ESI, G_EDI,
    G_EIP, G_CC_OP, G_CC_DST, G_CC_SRC, G_CC_SRC2, G_DF,
    G_COUNT
};

enum {
#define X(name, nargs, ret, flags) HELPER_##name,
#include "cpu/helpers.def"
#undef X
    HELPER_COUNT
};

#define X(name, nargs, ret, flags) uint64_t helper_##name(void *env, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3);
#include "cpu/helpers.def"
#undef X

extern const IrGuest x86_ir_guest;

/* exit_tb codes the x86 front end uses. */
enum {
    X86_EXIT_NORMAL = 0,        /* state changed in a way that needs the loop (mode switch, HLT) */
};

#endif
