/* The CPU models -cpu offers and what CPUID reports for each. Signatures
 * (family/model/stepping) as the parts report them in CPUID.1:EAX (Intel
 * SDM Vol. 2A, CPUID). Feature bits are limited to what jitpc implements
 * now: PSE (with PSE-36), PAE, PGE, TSC, CX8, CMOV; the FPU, MMX, SSE,
 * MSRs, SYSENTER and the APIC are added with their issues. */
#include <string.h>

#include "cpu/cpu.h"

#define P6_FEATURES                                                                                 \
    (CPUID_EDX_PSE | CPUID_EDX_TSC | CPUID_EDX_PAE | CPUID_EDX_CX8 | CPUID_EDX_PGE | CPUID_EDX_CMOV |          \
     CPUID_EDX_PSE36)

const CpuModel cpu_models[] = {
    {"pentium", "Intel Pentium (P5)", 5, 2, 12, "GenuineIntel", 1, CPUID_EDX_PSE | CPUID_EDX_TSC | CPUID_EDX_CX8, 0},
    {"pentium2", "Intel Pentium II (Deschutes)", 6, 5, 2, "GenuineIntel", 2, P6_FEATURES, 0},
    {"pentium3", "Intel Pentium III (Katmai)", 6, 7, 3, "GenuineIntel", 2, P6_FEATURES, 0},
    {"max", "every feature jitpc implements (the default)", 6, 7, 3, "GenuineIntel", 2, P6_FEATURES, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0, 0, 0},
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
