/* The CPU models -cpu offers and what CPUID reports for each. Signatures
 * (family/model/stepping) as the parts report them in CPUID.1:EAX (Intel
 * SDM Vol. 2A, CPUID). Feature bits are limited to what jitpc implements
 * now: TSC (RDTSC), CX8 (CMPXCHG8B), CMOV; the FPU, MMX, SSE, PSE, PAE,
 * PGE, MSRs and the APIC are added with their issues. */
#include <string.h>

#include "cpu/cpu.h"

#define P6_FEATURES (CPUID_EDX_TSC | CPUID_EDX_CX8 | CPUID_EDX_CMOV)

const CpuModel cpu_models[] = {
    {"pentium", "Intel Pentium (P5)", 5, 2, 12, "GenuineIntel", 1, CPUID_EDX_TSC | CPUID_EDX_CX8, 0},
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
