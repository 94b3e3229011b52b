/* Shadow RAM of the BIOS area; see pc_shadow.h. Each segment is one
 * region of the physical address space:
 *   reads DRAM, writes DRAM       RAM over the DRAM bytes
 *   reads DRAM, writes ROM side   ROM over the DRAM bytes (writes dropped,
 *                                 as the ROM side drops them)
 *   reads ROM side, writes ROM    ROM over the firmware image's low alias,
 *                                 or nothing outside it (reads float high)
 *   reads ROM side, writes DRAM   an I/O region splitting the directions */
#include "machine/pc_shadow.h"

#include <stdio.h>

#include "cpu/mem.h"
#include "machine/machine.h"

enum { SHADOW_READ_RAM = 1, SHADOW_WRITE_RAM = 2 };

static uint64_t seg_base(unsigned i)
{
    return i < 12 ? PC_SHADOW_BASE + (uint64_t)i * 0x4000 : 0xF0000;
}

static uint64_t seg_size(unsigned i)
{
    return i < 12 ? 0x4000 : 0x10000;
}

/* The firmware byte behind `addr` on the ROM side, or NULL. */
static const uint8_t *rom_side(const Machine *m, uint64_t addr)
{
    const RomImage *r = &m->bios;
    if (!r->data || addr < r->low_base || addr >= r->low_base + r->low_size)
        return NULL;
    return r->data + (r->size - r->low_size) + (addr - r->low_base);
}

static uint64_t wo_read(void *opaque, uint64_t off, unsigned size)
{
    const PcShadowSegment *g = opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        const uint8_t *p = rom_side(g->m, g->base + off + i);
        v |= (uint64_t)(p ? *p : 0xFF) << (8 * i);
    }
    return v;
}

static void wo_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    const PcShadowSegment *g = opaque;
    for (unsigned i = 0; i < size; i++)
        g->m->ram[g->base + off + i] = (uint8_t)(val >> (8 * i));
}

static const IoOps wo_ops = {wo_read, wo_write, 1, 4};

static bool map_segment(PcShadow *s, unsigned i, Error *err)
{
    Machine *m = s->m;
    uint64_t base = seg_base(i), size = seg_size(i);
    char name[32];
    snprintf(name, sizeof(name), "shadow-%05llx", (unsigned long long)base);
    switch (s->mode[i]) {
    case SHADOW_READ_RAM | SHADOW_WRITE_RAM:
        return as_map_ram(&m->mem, base, size, m->ram + base, name, err);
    case SHADOW_READ_RAM:
        return as_map_rom(&m->mem, base, size, m->ram + base, name, err);
    case SHADOW_WRITE_RAM:
        s->seg[i] = (PcShadowSegment){m, base};
        return as_map_io(&m->mem, base, size, &wo_ops, &s->seg[i], name, err);
    default: {
        const uint8_t *p = rom_side(m, base);
        /* The firmware alias covers whole segments (it is 64 or 128 KiB
         * ending at 1 MiB); segments below it stay unassigned. */
        return !p || as_map_rom(&m->mem, base, size, (uint8_t *)p, name, err);
    }
    }
}

bool pc_shadow_init(PcShadow *s, Machine *m, Error *err)
{
    s->m = m;
    s->managed = m->bios.data != NULL;
    for (unsigned i = 0; i < PC_SHADOW_SEGMENTS; i++) {
        s->mode[i] = s->managed ? 0 : SHADOW_READ_RAM | SHADOW_WRITE_RAM;
        if (!map_segment(s, i, err))
            return false;
    }
    return true;
}

static void remap(PcShadow *s, unsigned i, uint8_t mode)
{
    if (s->mode[i] == mode)
        return;
    Machine *m = s->m;
    as_unmap(&m->mem, seg_base(i));
    s->mode[i] = mode;
    Error err = {0};
    if (!map_segment(s, i, &err))
        LOG(&m->log, LOG_GUEST_ERRORS, "shadow RAM: %s\n", err.msg);
    /* Translations and TLB entries of the old mapping are stale now. */
    cpu_tlb_flush(&m->cpu);
    for (uint64_t a = seg_base(i); a < seg_base(i) + seg_size(i); a += 0x1000)
        tb_invalidate_page(&m->cpu.engine.cache, a);
}

void pc_shadow_set(void *opaque, uint64_t base, uint64_t size, bool read_ram, bool write_ram)
{
    PcShadow *s = opaque;
    if (!s->managed)
        return;
    uint8_t mode = (uint8_t)((read_ram ? SHADOW_READ_RAM : 0) | (write_ram ? SHADOW_WRITE_RAM : 0));
    for (unsigned i = 0; i < PC_SHADOW_SEGMENTS; i++)
        if (seg_base(i) < base + size && base < seg_base(i) + seg_size(i))
            remap(s, i, mode);
}

void pc_shadow_reset(PcShadow *s)
{
    if (!s->managed)
        return;
    for (unsigned i = 0; i < PC_SHADOW_SEGMENTS; i++)
        remap(s, i, 0);
}
