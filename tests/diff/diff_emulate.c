/* The emulated side of the host differential test (contract in
 * diff_emulate.h): jitpc's CPU core on a bare 16 MiB address space in flat
 * 32-bit protected mode, stopping at the first exception instead of
 * delivering it. One CPU is kept for the whole run (a 16 MiB allocation
 * per case would dominate); its block cache is flushed between cases since
 * each case puts new code at the same address. */
#include "diff_emulate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"

typedef struct DiffRig {
    AddressSpace mem, io;
    uint8_t *ram;
    Clock clock;
    Log log;
    CpuState cpu;
} DiffRig;

/* Test-driver state: the backend (--accel) and one rig for the process,
 * created on first use. */
static bool diff_use_jit = true;

void diff_emulate_use_jit(bool jit)
{
    diff_use_jit = jit;
}

static DiffRig *diff_rig(char *why, size_t why_len)
{
    static DiffRig *rig;
    if (rig)
        return rig;
    DiffRig *r = calloc(1, sizeof(*r));
    Error err = {0};
    if (!r || !(r->ram = calloc(1, DIFF_RAM_SIZE))) {
        snprintf(why, why_len, "out of memory");
        free(r);
        return NULL;
    }
    as_init(&r->mem, "memory", PHYS_ADDR_SPACE_SIZE, &r->log);
    as_init(&r->io, "ioport", IO_PORT_SPACE_SIZE, &r->log);
    if (!as_map_ram(&r->mem, 0, DIFF_RAM_SIZE, r->ram, "ram", &err)) {
        snprintf(why, why_len, "%s", err.msg);
        return NULL;
    }
    clock_init_deterministic(&r->clock, 0);
    cpu_init(&r->cpu, &r->mem, &r->io, &r->clock, &r->log);
    char reason[200];
    if (!cpu_set_backend(&r->cpu, diff_use_jit, 16u << 20, false, reason, sizeof(reason))) {
        snprintf(why, why_len, "%s backend: %s", diff_use_jit ? "jit" : "interp", reason);
        return NULL;
    }
    rig = r;
    return rig;
}

bool diff_emulate(const DiffCase *c, DiffState *out, char *why, size_t why_len)
{
    DiffRig *r = diff_rig(why, why_len);
    if (!r)
        return false;
    CpuState *cpu = &r->cpu;
    memcpy(r->ram + DIFF_CODE_BASE, c->code, c->code_len);
    r->ram[DIFF_CODE_BASE + c->code_len] = 0xF4;    /* HLT: the terminator */
    memcpy(r->ram + DIFF_DATA_BASE, c->init.data, DIFF_DATA_SIZE);
    tb_flush(&cpu->engine.cache);
    tb_cache_collect(&cpu->engine.cache);

    cpu_reset(cpu, cpu_model_default());
    cpu_enter_multiboot(cpu, DIFF_CODE_BASE, 0);     /* flat 32-bit, CPL 0 */
    for (int i = 0; i < DIFF_NREGS; i++)
        cpu->regs[i] = c->init.regs[i];
    cpu_set_eflags(cpu, c->init.eflags, UINT32_MAX);
    cpu->stop_on_exception = true;

    CpuExecStatus st = cpu_exec(cpu, DIFF_STEP_LIMIT);
    out->exception = DIFF_EXC_NONE;
    out->fault_offset = 0;
    switch (st) {
    case CPU_EXEC_HALTED:
        break;
    case CPU_EXEC_EXCEPTION: {
        out->exception = cpu->exception_vector;
        uint32_t off = cpu->eip - DIFF_CODE_BASE;
        if (!cpu->exception_soft) {
            out->fault_offset = off;
        } else {
            /* Traps (INT3, INTO) leave EIP after the instruction. */
            int64_t start = diff_case_insn_ending_at(c, off);
            out->fault_offset = start >= 0 ? (uint32_t)start : off;
        }
        break;
    }
    case CPU_EXEC_BUDGET:
        out->exception = DIFF_EXC_TIMEOUT;
        break;
    default:
        snprintf(why, why_len, "unexpected stop of the CPU (status %d) at %08x", (int)st, cpu->eip);
        return false;
    }
    for (int i = 0; i < DIFF_NREGS; i++)
        out->regs[i] = cpu->regs[i];
    out->eflags = cpu_get_eflags(cpu);
    memcpy(out->data, r->ram + DIFF_DATA_BASE, DIFF_DATA_SIZE);
    return true;
}
