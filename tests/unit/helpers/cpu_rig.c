/* Test helper: a CPU on a bare address space; see cpu_rig.h. */
#include "helpers/cpu_rig.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

CpuRig *cpu_rig_new(size_t ram_size)
{
    CpuRig *r = calloc(1, sizeof(*r));
    Error err = {0};
    cr_assert_not_null(r);
    r->ram = calloc(1, ram_size);
    cr_assert_not_null(r->ram);
    r->ram_size = ram_size;
    as_init(&r->mem, "memory", PHYS_ADDR_SPACE_SIZE, &r->log);
    as_init(&r->io, "ioport", IO_PORT_SPACE_SIZE, &r->log);
    cr_assert(as_map_ram(&r->mem, 0, ram_size, r->ram, "ram", &err), "%s", err.msg);
    clock_init_deterministic(&r->clock, 0);
    cpu_init(&r->cpu, &r->mem, &r->io, &r->clock, &r->log);
    r->model = *cpu_model_default();
    cpu_reset(&r->cpu, &r->model);
    return r;
}

void cpu_rig_free(CpuRig *r)
{
    cpu_destroy(&r->cpu);
    clock_destroy(&r->clock);
    as_destroy(&r->mem);
    as_destroy(&r->io);
    free(r->ram);
    free(r);
}

void cpu_rig_put(CpuRig *r, uint32_t addr, const void *bytes, size_t len)
{
    cr_assert_leq((size_t)addr + len, r->ram_size, "code or data outside the rig's RAM");
    memcpy(r->ram + addr, bytes, len);
}
