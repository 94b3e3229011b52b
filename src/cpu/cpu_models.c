/* The CPU models -cpu offers and what CPUID reports for each. Signatures
 * (family/model/stepping) as the parts report them in CPUID.1:EAX (Intel
 * SDM Vol. 2A, CPUID). Feature bits are limited to what jitpc implements
 * now: FPU, VME, PSE (with PSE-36), TSC, MSR, PAE, CX8, SEP, MTRR, PGE,
 * CMOV, PAT, MMX, FXSR, SSE, the APIC (P6 models), and on "max" SSE2,
 * CLFLUSH and NX; MCA comes with its issue. */
#include <string.h>

#include "cpu/cpu.h"

/* Pentium II: what jitpc implements of a P6 (no MCA yet); the on-chip
 * local APIC is the board's (devices/apic_local.c). */
#define P6_FEATURES                                                                                 \
    (CPUID_EDX_VME | CPUID_EDX_PSE | CPUID_EDX_TSC | CPUID_EDX_MSR | CPUID_EDX_PAE | CPUID_EDX_CX8 |          \
     CPUID_EDX_APIC | CPUID_EDX_SEP | CPUID_EDX_MTRR | CPUID_EDX_PGE | CPUID_EDX_CMOV | CPUID_EDX_PSE36)
#define P5_FEATURES (CPUID_EDX_VME | CPUID_EDX_PSE | CPUID_EDX_TSC | CPUID_EDX_MSR | CPUID_EDX_CX8)

const CpuModel cpu_models[] = {
    {"pentium", "Intel Pentium (P5)", 5, 2, 12, "GenuineIntel", 1, P5_FEATURES | CPUID_EDX_FPU, 0, 0, 0},
    {"pentium2", "Intel Pentium II (Deschutes)", 6, 5, 2, "GenuineIntel", 2,
     P6_FEATURES | CPUID_EDX_FPU | CPUID_EDX_MMX, 0, 0, 0},
    {"pentium3", "Intel Pentium III (Katmai)", 6, 7, 3, "GenuineIntel", 2,
     P6_FEATURES | CPUID_EDX_PAT | CPUID_EDX_FPU | CPUID_EDX_MMX | CPUID_EDX_FXSR | CPUID_EDX_SSE, 0, 0, 0},
    /* max adds what later parts have and jitpc implements: SSE2, CLFLUSH, NX. */
    {"max", "every feature jitpc implements (the default)", 6, 7, 3, "GenuineIntel", 2,
     P6_FEATURES | CPUID_EDX_PAT | CPUID_EDX_FPU | CPUID_EDX_MMX | CPUID_EDX_FXSR | CPUID_EDX_SSE | CPUID_EDX_SSE2 |
         CPUID_EDX_CLFSH,
     0, 0x80000001, CPUID_EXT_EDX_NX},
    {NULL, NULL, 0, 0, 0, NULL, 0, 0, 0, 0, 0},
};

const CpuModel *cpu_model_find(const char *name)
{
    for (const CpuModel *m = cpu_models; m->name; m++)
        if (!strcmp(m->name, name))
            return m;
    return NULL;
}

const CpuModel *cpu_model_default(void)
{
    return cpu_model_find("max");
}

/* Does the model have what a decoded instruction needs? Families give the
 * 486 and P6 additions; everything else is a CPUID.1:EDX bit, so a model
 * that does not advertise a feature raises #UD for its instructions. */
bool cpu_model_has_feature(const CpuModel *m, unsigned feature)
{
    switch (feature) {
    case DECODE_FEAT_BASE: return true;
    case DECODE_FEAT_I486: return m->family >= 4;
    case DECODE_FEAT_P6: return m->family >= 6;
    case DECODE_FEAT_FPU: return m->features_edx & CPUID_EDX_FPU;
    case DECODE_FEAT_TSC: return m->features_edx & CPUID_EDX_TSC;
    case DECODE_FEAT_MSR: return m->features_edx & (1u << 5);
    case DECODE_FEAT_CX8: return m->features_edx & CPUID_EDX_CX8;
    case DECODE_FEAT_CMOV: return m->features_edx & CPUID_EDX_CMOV;
    case DECODE_FEAT_SEP: return m->features_edx & (1u << 11);
    case DECODE_FEAT_MMX: return m->features_edx & (1u << 23);
    case DECODE_FEAT_FXSR: return m->features_edx & (1u << 24);
    case DECODE_FEAT_SSE: return m->features_edx & (1u << 25);
    case DECODE_FEAT_SSE2: return m->features_edx & (1u << 26);
    case DECODE_FEAT_CLFSH: return m->features_edx & (1u << 19);
    default: return false;
    }
}
