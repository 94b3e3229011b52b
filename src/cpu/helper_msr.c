/* The time-stamp counter and the model-specific registers of a P6-class
 * CPU: RDTSC, RDMSR, WRMSR and RDPMC (SDM Vol. 2B), the TSC MSR (Vol. 3B
 * §17.17), SYSENTER MSRs (Vol. 3A §5.8.7), the APIC base (§10.4.4), MTRRs
 * (§11.11) and PAT (§11.12); register numbers from SDM Vol. 4, Table 2-2
 * and the P6 family table. IA32_EFER exists only on models with NX
 * (CPUID.80000001H:EDX.NX, SDM Vol. 4 Table 2-2): its only bit here is NXE. */
#include "cpu/cpu.h"
#include "cpu/exception.h"
#include "cpu/guest.h"
#include "cpu/mem.h"

enum {
    MSR_EFER = (int)0xC0000080u,
    MSR_TSC = 0x10,
    MSR_PLATFORM_ID = 0x17,
    MSR_APIC_BASE = 0x1B,
    MSR_EBL_CR_POWERON = 0x2A,
    MSR_BIOS_UPDT_TRIG = 0x79,
    MSR_BIOS_SIGN_ID = 0x8B,
    MSR_PERFCTR0 = 0xC1,
    MSR_PERFCTR1 = 0xC2,
    MSR_MTRRCAP = 0xFE,
    MSR_BBL_CR_CTL3 = 0x11E,
    MSR_SYSENTER_CS = 0x174,
    MSR_SYSENTER_ESP = 0x175,
    MSR_SYSENTER_EIP = 0x176,
    MSR_EVNTSEL0 = 0x186,
    MSR_EVNTSEL1 = 0x187,
    MSR_MTRR_PHYS_BASE0 = 0x200,       /* 0x200-0x20F: base/mask pairs */
    MSR_MTRR_FIX64K_00000 = 0x250,
    MSR_MTRR_FIX16K_80000 = 0x258,
    MSR_MTRR_FIX16K_A0000 = 0x259,
    MSR_MTRR_FIX4K_C0000 = 0x268,      /* 0x268-0x26F */
    MSR_PAT = 0x277,
    MSR_MTRR_DEF_TYPE = 0x2FF,
};

/* MTRRcap: 8 variable ranges, fixed ranges, write-combining; no SMRR. */
#define MTRR_CAP_VALUE (8u | (1u << 8) | (1u << 10))
/* Physical address bits above 36 are reserved in MTRRs and the APIC base. */
#define PHYS_ABOVE_36 (~0ULL << 36)

typedef enum MsrStatus { MSR_OK, MSR_UNKNOWN, MSR_BAD_VALUE } MsrStatus;

/* The TSC runs at 1 GHz of machine-clock time (one tick per virtual
 * nanosecond: deterministic under -icount) plus what WRMSR set. */
static uint64_t tsc_now(CpuState *cpu)
{
    cpu_sync_icount(cpu);
    return (uint64_t)clock_now(cpu->clock) + (uint64_t)cpu->tsc_offset;
}

uint64_t helper_rdtsc(void *env, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a0, (void)a1, (void)a2, (void)a3;
    if ((cpu->cr[4] & CR4_TSD) && cpu_cpl(cpu) != 0)
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    uint64_t tsc = tsc_now(cpu);
    cpu->regs[R_EAX] = (uint32_t)tsc;
    cpu->regs[R_EDX] = (uint32_t)(tsc >> 32);
    return 0;
}

/* Memory types an MTRR may hold: UC, WC, WT, WP, WB; PAT adds UC-. */
static bool memory_type_valid(unsigned t, bool pat)
{
    return t == 0 || t == 1 || t == 4 || t == 5 || t == 6 || (pat && t == 7);
}

static bool all_types_valid(uint64_t v, bool pat)
{
    for (unsigned i = 0; i < 8; i++)
        if (!memory_type_valid((unsigned)(v >> (8 * i)) & 0xFF, pat))
            return false;
    return true;
}

/* Index into mtrr_fixed[] of a fixed-range MTRR, or -1. */
static int mtrr_fixed_index(uint32_t msr)
{
    if (msr == MSR_MTRR_FIX64K_00000)
        return 0;
    if (msr == MSR_MTRR_FIX16K_80000 || msr == MSR_MTRR_FIX16K_A0000)
        return 1 + (int)(msr - MSR_MTRR_FIX16K_80000);
    if (msr >= MSR_MTRR_FIX4K_C0000 && msr < MSR_MTRR_FIX4K_C0000 + 8)
        return 3 + (int)(msr - MSR_MTRR_FIX4K_C0000);
    return -1;
}

/* P6 MSRs jitpc has nothing behind: they read 0 and ignore writes (the
 * microcode signature, platform ID, power-on configuration, the two
 * performance counters and their event selects, the L2 control). */
static bool msr_reads_zero(uint32_t msr)
{
    switch (msr) {
    case MSR_PLATFORM_ID: case MSR_EBL_CR_POWERON: case MSR_BIOS_UPDT_TRIG: case MSR_BIOS_SIGN_ID:
    case MSR_PERFCTR0: case MSR_PERFCTR1: case MSR_EVNTSEL0: case MSR_EVNTSEL1: case MSR_BBL_CR_CTL3:
        return true;
    default:
        return false;
    }
}

static MsrStatus msr_read(CpuState *cpu, uint32_t msr, uint64_t *v)
{
    int fixed = mtrr_fixed_index(msr);
    if (fixed >= 0) {
        *v = cpu->mtrr_fixed[fixed];
        return MSR_OK;
    }
    if (msr >= MSR_MTRR_PHYS_BASE0 && msr < MSR_MTRR_PHYS_BASE0 + 16) {
        *v = cpu->mtrr_var[msr - MSR_MTRR_PHYS_BASE0];
        return MSR_OK;
    }
    if (msr_reads_zero(msr)) {
        *v = 0;
        return MSR_OK;
    }
    switch (msr) {
    case MSR_TSC: *v = tsc_now(cpu); return MSR_OK;
    case MSR_APIC_BASE:
        *v = cpu->apic_base_get ? cpu->apic_base_get(cpu->apic_opaque) : cpu->apic_base;
        return MSR_OK;
    case MSR_MTRRCAP: *v = MTRR_CAP_VALUE; return MSR_OK;
    case MSR_SYSENTER_CS: *v = cpu->sysenter_cs; return MSR_OK;
    case MSR_SYSENTER_ESP: *v = cpu->sysenter_esp; return MSR_OK;
    case MSR_SYSENTER_EIP: *v = cpu->sysenter_eip; return MSR_OK;
    case MSR_PAT: *v = cpu->pat; return MSR_OK;
    case MSR_MTRR_DEF_TYPE: *v = cpu->mtrr_def_type; return MSR_OK;
    case MSR_EFER:
        if (!(cpu->model->ext_features_edx & CPUID_EXT_EDX_NX))
            return MSR_UNKNOWN;
        *v = cpu->efer;
        return MSR_OK;
    default: return MSR_UNKNOWN;
    }
}

/* Variable-range MTRRs: PhysBase = type | base (bits 12-35); PhysMask =
 * valid (bit 11) | mask (bits 12-35). Anything else is reserved (#GP). */
static MsrStatus mtrr_var_write(CpuState *cpu, unsigned index, uint64_t v)
{
    bool is_mask = index & 1;
    uint64_t reserved = PHYS_ABOVE_36 | (is_mask ? 0x7FFu : 0xF00u);
    if ((v & reserved) || (!is_mask && !memory_type_valid(v & 0xFF, false)))
        return MSR_BAD_VALUE;
    cpu->mtrr_var[index] = v;
    return MSR_OK;
}

static MsrStatus msr_write(CpuState *cpu, uint32_t msr, uint64_t v)
{
    int fixed = mtrr_fixed_index(msr);
    if (fixed >= 0) {
        if (!all_types_valid(v, false))
            return MSR_BAD_VALUE;
        cpu->mtrr_fixed[fixed] = v;
        return MSR_OK;
    }
    if (msr >= MSR_MTRR_PHYS_BASE0 && msr < MSR_MTRR_PHYS_BASE0 + 16)
        return mtrr_var_write(cpu, msr - MSR_MTRR_PHYS_BASE0, v);
    if (msr_reads_zero(msr))
        return MSR_OK;
    switch (msr) {
    case MSR_TSC:
        /* P6: only the low 32 bits are written, the high half is cleared
         * (SDM Vol. 3B §17.17). */
        cpu_sync_icount(cpu);
        cpu->tsc_offset = (int64_t)((v & 0xFFFFFFFF) - (uint64_t)clock_now(cpu->clock));
        return MSR_OK;
    case MSR_APIC_BASE:
        /* Base (bits 12-35) and the global enable (bit 11) are writable;
         * BSP (bit 8) is read-only; the rest is reserved. */
        if (v & (PHYS_ABOVE_36 | 0x6FFu))
            return MSR_BAD_VALUE;
        if (cpu->apic_base_set) {
            if (!cpu->apic_base_set(cpu->apic_opaque, (v & ~0x100ULL) | (cpu->apic_base_get(cpu->apic_opaque) & 0x100)))
                return MSR_BAD_VALUE;
            /* The register page may have moved: no stale TLB entry to it. */
            cpu_tlb_flush(cpu);
            return MSR_OK;
        }
        cpu->apic_base = (v & ~0x100ULL) | (cpu->apic_base & 0x100);
        return MSR_OK;
    case MSR_MTRRCAP:
        return MSR_BAD_VALUE;   /* read-only */
    case MSR_SYSENTER_CS: cpu->sysenter_cs = (uint32_t)v; return MSR_OK;
    case MSR_SYSENTER_ESP: cpu->sysenter_esp = (uint32_t)v; return MSR_OK;
    case MSR_SYSENTER_EIP: cpu->sysenter_eip = (uint32_t)v; return MSR_OK;
    case MSR_PAT:
        if (!all_types_valid(v, true))
            return MSR_BAD_VALUE;
        cpu->pat = v;
        return MSR_OK;
    case MSR_MTRR_DEF_TYPE:
        /* Type (bits 0-7), FE (bit 10), E (bit 11). */
        if ((v & ~0xCFFULL) || !memory_type_valid(v & 0xFF, false))
            return MSR_BAD_VALUE;
        cpu->mtrr_def_type = v;
        return MSR_OK;
    case MSR_EFER:
        if (!(cpu->model->ext_features_edx & CPUID_EXT_EDX_NX))
            return MSR_UNKNOWN;
        if (v & ~(uint64_t)EFER_NXE)
            return MSR_BAD_VALUE;   /* no long mode, no SYSCALL on this CPU */
        if ((cpu->efer ^ v) & EFER_NXE)
            cpu_tlb_flush(cpu);     /* translations cached under the old NX rule */
        cpu->efer = v;
        return MSR_OK;
    default:
        return MSR_UNKNOWN;
    }
}

/* RDMSR/WRMSR: CPL 0 only (#GP(0) elsewhere, virtual-8086 mode too);
 * ECX names the MSR; unknown ones and reserved bits are #GP(0). */
uint64_t helper_rdmsr(void *env, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a0, (void)a1, (void)a2, (void)a3;
    if (cpu_cpl(cpu) != 0)
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    uint32_t msr = cpu->regs[R_ECX];
    uint64_t v = 0;
    if (msr_read(cpu, msr, &v) != MSR_OK) {
        LOG(cpu->log, LOG_UNIMP, "RDMSR of unknown MSR 0x%x: #GP\n", msr);
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    }
    cpu->regs[R_EAX] = (uint32_t)v;
    cpu->regs[R_EDX] = (uint32_t)(v >> 32);
    return 0;
}

uint64_t helper_wrmsr(void *env, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a0, (void)a1, (void)a2, (void)a3;
    if (cpu_cpl(cpu) != 0)
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    uint32_t msr = cpu->regs[R_ECX];
    uint64_t v = ((uint64_t)cpu->regs[R_EDX] << 32) | cpu->regs[R_EAX];
    MsrStatus st = msr_write(cpu, msr, v);
    if (st == MSR_UNKNOWN)
        LOG(cpu->log, LOG_UNIMP, "WRMSR of unknown MSR 0x%x (value 0x%llx): #GP\n", msr, (unsigned long long)v);
    else if (st == MSR_BAD_VALUE)
        LOG(cpu->log, LOG_GUEST_ERRORS, "WRMSR 0x%x: reserved bits or type in 0x%llx: #GP\n", msr,
            (unsigned long long)v);
    if (st != MSR_OK)
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    return 0;
}

/* RDPMC: at CPL 0, or anywhere with CR4.PCE; P6 has counters 0 and 1,
 * which count nothing here (SDM Vol. 2B RDPMC). */
uint64_t helper_rdpmc(void *env, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a0, (void)a1, (void)a2, (void)a3;
    if ((!(cpu->cr[4] & CR4_PCE) && cpu_cpl(cpu) != 0) || cpu->regs[R_ECX] > 1)
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    cpu->regs[R_EAX] = 0;
    cpu->regs[R_EDX] = 0;
    return 0;
}
