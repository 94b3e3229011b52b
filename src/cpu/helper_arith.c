/* Helpers for the arithmetic that lowers to a C call: DIV/IDIV (#DE),
 * shifts and rotates, SHLD/SHRD, BSF/BSR and the BCD adjusts. The
 * semantics are in arith.c; these move operands and EFLAGS between the CPU
 * state and those pure functions. */
#include "cpu/arith.h"
#include "cpu/cpu.h"
#include "cpu/exception.h"
#include "cpu/guest.h"

static void set_flags(CpuState *cpu, uint32_t flags)
{
    cpu_set_eflags(cpu, flags, CC_ALL);
}

static void store_divide(CpuState *cpu, unsigned size, ArithResult r)
{
    if (r.fault)
        cpu_raise_exception(cpu, EXCP_DE, false, 0);
    switch (size) {
    case 1:
        cpu->regs[R_EAX] = (cpu->regs[R_EAX] & 0xFFFF0000) | ((r.value2 & 0xFF) << 8) | (r.value & 0xFF);
        break;
    case 2:
        cpu->regs[R_EAX] = (cpu->regs[R_EAX] & 0xFFFF0000) | (r.value & 0xFFFF);
        cpu->regs[R_EDX] = (cpu->regs[R_EDX] & 0xFFFF0000) | (r.value2 & 0xFFFF);
        break;
    default:
        cpu->regs[R_EAX] = r.value;
        cpu->regs[R_EDX] = r.value2;
        break;
    }
}

/* DIV and IDIV leave the arithmetic flags as they are (undefined in the
 * SDM; a P6 does not change them): the helpers neither read nor write
 * them, so the translator's lazy flag state stays valid across them. */
uint64_t helper_div(void *env, uint64_t divisor, uint64_t size, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a2, (void)a3;
    ArithResult r = arith_div((unsigned)size, cpu->regs[R_EAX], cpu->regs[R_EDX], (uint32_t)divisor, 0);
    store_divide(cpu, (unsigned)size, r);
    return 0;
}

uint64_t helper_idiv(void *env, uint64_t divisor, uint64_t size, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a2, (void)a3;
    ArithResult r = arith_idiv((unsigned)size, cpu->regs[R_EAX], cpu->regs[R_EDX], (uint32_t)divisor, 0);
    store_divide(cpu, (unsigned)size, r);
    return 0;
}

/* The result in the low half and the new arithmetic flags in the high
 * half: the translated code stores the result first and commits the flags
 * only after that, so a faulting store leaves EFLAGS untouched. */
static uint64_t packed(ArithResult r)
{
    return (uint64_t)r.value | ((uint64_t)(r.flags & CC_ALL) << 32);
}

typedef ArithResult ShiftFn(unsigned size, uint32_t value, uint32_t count, uint32_t flags);

/* kind = ModRM.reg of the C0/C1/D0-D3 group: ROL ROR RCL RCR SHL SHR SAL SAR. */
uint64_t helper_shift(void *env, uint64_t kind, uint64_t value, uint64_t count, uint64_t size)
{
    static ShiftFn *const fns[8] = {arith_rol, arith_ror, arith_rcl, arith_rcr,
                                    arith_shl, arith_shr, arith_shl, arith_sar};
    CpuState *cpu = env;
    return packed(fns[kind & 7]((unsigned)size, (uint32_t)value, (uint32_t)count, cpu_get_eflags(cpu)));
}

uint64_t helper_shld(void *env, uint64_t dst, uint64_t src, uint64_t count, uint64_t size)
{
    CpuState *cpu = env;
    return packed(arith_shld((unsigned)size, (uint32_t)dst, (uint32_t)src, (uint32_t)count, cpu_get_eflags(cpu)));
}

uint64_t helper_shrd(void *env, uint64_t dst, uint64_t src, uint64_t count, uint64_t size)
{
    CpuState *cpu = env;
    return packed(arith_shrd((unsigned)size, (uint32_t)dst, (uint32_t)src, (uint32_t)count, cpu_get_eflags(cpu)));
}

uint64_t helper_bsf(void *env, uint64_t dst, uint64_t src, uint64_t size, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a3;
    return packed(arith_bsf((unsigned)size, (uint32_t)dst, (uint32_t)src, cpu_get_eflags(cpu)));
}

uint64_t helper_bsr(void *env, uint64_t dst, uint64_t src, uint64_t size, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a3;
    return packed(arith_bsr((unsigned)size, (uint32_t)dst, (uint32_t)src, cpu_get_eflags(cpu)));
}

/* kind: 0 DAA, 1 DAS, 2 AAA, 3 AAS, 4 AAM, 5 AAD; they work on AX. */
uint64_t helper_bcd(void *env, uint64_t kind, uint64_t imm8, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a2, (void)a3;
    uint32_t ax = cpu->regs[R_EAX] & 0xFFFF, f = cpu_get_eflags(cpu);
    ArithResult r;
    switch (kind) {
    case 0: r = arith_daa(ax, f); break;
    case 1: r = arith_das(ax, f); break;
    case 2: r = arith_aaa(ax, f); break;
    case 3: r = arith_aas(ax, f); break;
    case 4: r = arith_aam(ax, (uint8_t)imm8, f); break;
    default: r = arith_aad(ax, (uint8_t)imm8, f); break;
    }
    if (r.fault)
        cpu_raise_exception(cpu, EXCP_DE, false, 0);
    cpu->regs[R_EAX] = (cpu->regs[R_EAX] & 0xFFFF0000) | (r.value & 0xFFFF);
    set_flags(cpu, r.flags);
    return 0;
}
