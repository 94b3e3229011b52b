/* The x86 guest's IR description: globals and helpers. */
#include <stddef.h>

#include "cpu/cpu.h"
#include "cpu/guest.h"
#include "cpu/mem.h"

static const IrGlobalDef x86_globals[G_COUNT] = {
    [G_EAX] = {"eax", offsetof(CpuState, regs[R_EAX]), IR_I32},
    [G_ECX] = {"ecx", offsetof(CpuState, regs[R_ECX]), IR_I32},
    [G_EDX] = {"edx", offsetof(CpuState, regs[R_EDX]), IR_I32},
    [G_EBX] = {"ebx", offsetof(CpuState, regs[R_EBX]), IR_I32},
    [G_ESP] = {"esp", offsetof(CpuState, regs[R_ESP]), IR_I32},
    [G_EBP] = {"ebp", offsetof(CpuState, regs[R_EBP]), IR_I32},
    [G_ESI] = {"esi", offsetof(CpuState, regs[R_ESI]), IR_I32},
    [G_EDI] = {"edi", offsetof(CpuState, regs[R_EDI]), IR_I32},
    [G_EIP] = {"eip", offsetof(CpuState, eip), IR_I32},
    [G_CC_OP] = {"cc_op", offsetof(CpuState, cc_op), IR_I32},
    [G_CC_DST] = {"cc_dst", offsetof(CpuState, cc_dst), IR_I32},
    [G_CC_SRC] = {"cc_src", offsetof(CpuState, cc_src), IR_I32},
    [G_CC_SRC2] = {"cc_src2", offsetof(CpuState, cc_src2), IR_I32},
    [G_DF] = {"df", offsetof(CpuState, df), IR_I32},
};

static const IrHelperDef x86_helpers[HELPER_COUNT] = {
#define X(name, nargs, ret, flags) [HELPER_##name] = {#name, helper_##name, nargs, ret, flags},
#include "cpu/helpers.def"
#undef X
};

const IrGuest x86_ir_guest = {
    .globals = x86_globals,
    .nglobals = G_COUNT,
    .helpers = x86_helpers,
    .nhelpers = HELPER_COUNT,
    .mem_load = cpu_mem_load,
    .mem_store = cpu_mem_store,
};
