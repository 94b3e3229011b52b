/* Test helper: a CPU on a bare address space (RAM at 0, an empty port
 * space, a deterministic clock), no machine around it. Tests put code in
 * `ram`, set registers, and run cpu_exec. `model` is a private copy of the
 * default model so a test can change its CPUID features. */
#ifndef JITPC_TEST_CPU_RIG_H
#define JITPC_TEST_CPU_RIG_H

#include <stddef.h>
#include <stdint.h>

#include "cpu/cpu.h"

typedef struct CpuRig {
    AddressSpace mem, io;
    uint8_t *ram;
    size_t ram_size;
    Clock clock;
    Log log;
    CpuModel model;
    CpuState cpu;
} CpuRig;

/* Allocate and wire; the CPU is in its reset state with `model`. */
CpuRig *cpu_rig_new(size_t ram_size);
void cpu_rig_free(CpuRig *r);
void cpu_rig_put(CpuRig *r, uint32_t addr, const void *bytes, size_t len);

#endif
