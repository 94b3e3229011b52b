/* The CPU models -cpu offers. Signatures (family/model/stepping) as the
 * parts report them in CPUID leaf 1 EAX (Intel SDM Vol. 2A, CPUID). The
 * feature bits each model advertises are added with the features
 * themselves: CPUID must advertise exactly what works. */
#include "cpu/cpu.h"

#include <string.h>

const CpuModel cpu_models[] = {
    {"pentium", "Intel Pentium (P5)", 5, 2, 12},
    {"pentium2", "Intel Pentium II (Deschutes)", 6, 5, 2},
    {"pentium3", "Intel Pentium III (Katmai)", 6, 7, 3},
    {"max", "every feature jitpc implements (the default)", 6, 7, 3},
    {NULL, NULL, 0, 0, 0},
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
