/* The region registry and access dispatch for guest physical memory and
 * the I/O port space; see memory.h. The table is a sorted array searched
 * by bisection: it changes only at set-up and on PCI BAR moves, and the
 * soft TLB (issue 4) keeps RAM accesses off this path entirely. */
#include "mmu/memory.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *region_kind_name[] = {
    [REGION_RAM] = "ram",
    [REGION_ROM] = "rom",
    [REGION_IO] = "i/o",
};

void as_init(AddressSpace *as, const char *name, uint64_t size, Log *log)
{
    memset(as, 0, sizeof(*as));
    snprintf(as->name, sizeof(as->name), "%s", name);
    as->size = size;
    as->log = log;
}

void as_destroy(AddressSpace *as)
{
    free(as->regions);
    as->regions = NULL;
    as->count = as->cap = 0;
}

static bool as_add(AddressSpace *as, const MemRegion *nr, Error *err)
{
    if (nr->size == 0 || nr->base >= as->size || nr->size > as->size - nr->base) {
        error_setf(err, "%s region '%s' [0x%" PRIx64 ", size 0x%" PRIx64 "] does not fit in the %s space",
                   region_kind_name[nr->kind], nr->name, nr->base, nr->size, as->name);
        return false;
    }
    int pos = 0;
    while (pos < as->count && as->regions[pos].base < nr->base)
        pos++;
    /* Only the neighbours can overlap in a sorted, non-overlapping table. */
    const MemRegion *clash = NULL;
    if (pos > 0 && as->regions[pos - 1].base + as->regions[pos - 1].size > nr->base)
        clash = &as->regions[pos - 1];
    else if (pos < as->count && nr->base + nr->size > as->regions[pos].base)
        clash = &as->regions[pos];
    if (clash) {
        error_setf(err, "%s region '%s' [0x%" PRIx64 "-0x%" PRIx64 "] overlaps '%s' [0x%" PRIx64 "-0x%" PRIx64 "]",
                   as->name, nr->name, nr->base, nr->base + nr->size - 1, clash->name, clash->base,
                   clash->base + clash->size - 1);
        return false;
    }
    if (as->count == as->cap) {
        as->cap = as->cap ? as->cap * 2 : 16;
        as->regions = realloc(as->regions, (size_t)as->cap * sizeof(*as->regions));
        if (!as->regions)
            abort();
    }
    memmove(&as->regions[pos + 1], &as->regions[pos], (size_t)(as->count - pos) * sizeof(*as->regions));
    as->regions[pos] = *nr;
    as->count++;
    return true;
}

static MemRegion region_make(uint64_t base, uint64_t size, RegionKind kind, const char *name)
{
    MemRegion r = {.base = base, .size = size, .kind = kind};
    snprintf(r.name, sizeof(r.name), "%s", name);
    return r;
}

bool as_map_ram(AddressSpace *as, uint64_t base, uint64_t size, uint8_t *host, const char *name, Error *err)
{
    MemRegion r = region_make(base, size, REGION_RAM, name);
    r.host = host;
    return as_add(as, &r, err);
}

bool as_map_rom(AddressSpace *as, uint64_t base, uint64_t size, uint8_t *host, const char *name, Error *err)
{
    MemRegion r = region_make(base, size, REGION_ROM, name);
    r.host = host;
    return as_add(as, &r, err);
}

bool as_map_io(AddressSpace *as, uint64_t base, uint64_t size, const IoOps *ops, void *opaque,
               const char *name, Error *err)
{
    MemRegion r = region_make(base, size, REGION_IO, name);
    r.ops = ops;
    r.opaque = opaque;
    return as_add(as, &r, err);
}

bool as_unmap(AddressSpace *as, uint64_t base)
{
    for (int i = 0; i < as->count; i++) {
        if (as->regions[i].base == base) {
            memmove(&as->regions[i], &as->regions[i + 1], (size_t)(as->count - i - 1) * sizeof(*as->regions));
            as->count--;
            return true;
        }
    }
    return false;
}

const MemRegion *as_find(const AddressSpace *as, uint64_t addr)
{
    int lo = 0, hi = as->count - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        const MemRegion *r = &as->regions[mid];
        if (addr < r->base)
            hi = mid - 1;
        else if (addr - r->base >= r->size)
            lo = mid + 1;
        else
            return r;
    }
    return NULL;
}

static uint64_t load_le(const uint8_t *p, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void store_le(uint8_t *p, uint64_t v, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static unsigned io_min(const IoOps *ops) { return ops->min_access ? ops->min_access : 1; }
static unsigned io_max(const IoOps *ops) { return ops->max_access ? ops->max_access : 4; }

/* Present the access to the device in sizes it declared it handles. */
static uint64_t io_read(const MemRegion *r, uint64_t off, unsigned size)
{
    unsigned min = io_min(r->ops), max = io_max(r->ops);
    if (size > max) {
        uint64_t v = 0;
        for (unsigned i = 0; i < size; i += max)
            v |= io_read(r, off + i, max) << (8 * i);
        return v;
    }
    if (size < min) {
        uint64_t aligned = off & ~(uint64_t)(min - 1);
        if (aligned + min > r->size)
            aligned = r->size - min;
        uint64_t v = r->ops->read(r->opaque, aligned, min);
        return (v >> (8 * (off - aligned))) & size_mask(size);
    }
    return r->ops->read(r->opaque, off, size) & size_mask(size);
}

static void io_write(const MemRegion *r, uint64_t off, uint64_t val, unsigned size)
{
    unsigned min = io_min(r->ops), max = io_max(r->ops);
    if (size > max) {
        for (unsigned i = 0; i < size; i += max)
            io_write(r, off + i, (val >> (8 * i)) & size_mask(max), max);
        return;
    }
    if (size < min) {
        /* As on a bus that only does wide cycles: the other lanes carry 0. */
        uint64_t aligned = off & ~(uint64_t)(min - 1);
        if (aligned + min > r->size)
            aligned = r->size - min;
        r->ops->write(r->opaque, aligned, (val & size_mask(size)) << (8 * (off - aligned)), min);
        return;
    }
    r->ops->write(r->opaque, off, val & size_mask(size), size);
}

/* The region that holds all of [addr, addr+size), or NULL. */
static const MemRegion *as_find_whole(const AddressSpace *as, uint64_t addr, unsigned size)
{
    const MemRegion *r = as_find(as, addr);
    if (r && addr - r->base + size <= r->size)
        return r;
    return NULL;
}

static uint64_t as_read_untraced(AddressSpace *as, uint64_t addr, unsigned size);
static void as_write_untraced(AddressSpace *as, uint64_t addr, uint64_t val, unsigned size);

uint64_t as_read(AddressSpace *as, uint64_t addr, unsigned size)
{
    uint64_t v = as_read_untraced(as, addr, size);
    LOG(as->log, as->trace_mask, "%s read  0x%04" PRIx64 " size %u -> 0x%" PRIx64 "\n", as->name, addr, size, v);
    return v;
}

void as_write(AddressSpace *as, uint64_t addr, uint64_t val, unsigned size)
{
    LOG(as->log, as->trace_mask, "%s write 0x%04" PRIx64 " size %u <- 0x%" PRIx64 "\n", as->name, addr, size,
        val & size_mask(size));
    as_write_untraced(as, addr, val, size);
}

static uint64_t as_read_untraced(AddressSpace *as, uint64_t addr, unsigned size)
{
    const MemRegion *r = as_find_whole(as, addr, size);
    if (r) {
        uint64_t off = addr - r->base;
        if (r->kind == REGION_IO)
            return io_read(r, off, size);
        return load_le(r->host + off, size);
    }
    if (size > 1 && (as_find(as, addr) || as_find(as, addr + size - 1))) {
        /* Straddles regions (or a region and a gap): byte by byte. */
        uint64_t v = 0;
        for (unsigned i = 0; i < size; i++)
            v |= as_read_untraced(as, addr + i, 1) << (8 * i);
        return v;
    }
    LOG(as->log, LOG_UNIMP | LOG_GUEST_ERRORS, "unassigned %s read: addr 0x%" PRIx64 " size %u\n",
        as->name, addr, size);
    return size_mask(size);
}

static void as_write_untraced(AddressSpace *as, uint64_t addr, uint64_t val, unsigned size)
{
    const MemRegion *r = as_find_whole(as, addr, size);
    if (r) {
        uint64_t off = addr - r->base;
        switch (r->kind) {
        case REGION_IO:
            io_write(r, off, val, size);
            return;
        case REGION_RAM:
            store_le(r->host + off, val, size);
            return;
        case REGION_ROM:
            LOG(as->log, LOG_GUEST_ERRORS, "write to ROM '%s' ignored: addr 0x%" PRIx64 " size %u value 0x%" PRIx64 "\n",
                r->name, addr, size, val & size_mask(size));
            return;
        }
    }
    if (size > 1 && (as_find(as, addr) || as_find(as, addr + size - 1))) {
        for (unsigned i = 0; i < size; i++)
            as_write_untraced(as, addr + i, (val >> (8 * i)) & 0xff, 1);
        return;
    }
    LOG(as->log, LOG_UNIMP | LOG_GUEST_ERRORS, "unassigned %s write: addr 0x%" PRIx64 " size %u value 0x%" PRIx64 "\n",
        as->name, addr, size, val & size_mask(size));
}

/* Walk [addr, addr+len) region by region; every piece must be host memory
 * of an accepted kind. */
static bool as_host_range(const AddressSpace *as, uint64_t addr, uint64_t len, bool allow_rom)
{
    if (len == 0)
        return true;
    if (addr >= as->size || len > as->size - addr)
        return false;
    uint64_t end = addr + len;
    while (addr < end) {
        const MemRegion *r = as_find(as, addr);
        if (!r || r->kind == REGION_IO || (r->kind == REGION_ROM && !allow_rom))
            return false;
        addr = r->base + r->size;
    }
    return true;
}

bool as_is_ram(const AddressSpace *as, uint64_t addr, uint64_t len)
{
    return as_host_range(as, addr, len, false);
}

bool as_read_buf(const AddressSpace *as, uint64_t addr, void *buf, size_t len)
{
    if (!as_host_range(as, addr, len, true))
        return false;
    uint8_t *out = buf;
    while (len) {
        const MemRegion *r = as_find(as, addr);
        uint64_t off = addr - r->base;
        size_t n = (size_t)MIN((uint64_t)len, r->size - off);
        memcpy(out, r->host + off, n);
        out += n;
        addr += n;
        len -= n;
    }
    return true;
}

bool as_write_buf(AddressSpace *as, uint64_t addr, const void *buf, size_t len)
{
    if (!as_host_range(as, addr, len, false))
        return false;
    const uint8_t *in = buf;
    while (len) {
        const MemRegion *r = as_find(as, addr);
        uint64_t off = addr - r->base;
        size_t n = (size_t)MIN((uint64_t)len, r->size - off);
        memcpy(r->host + off, in, n);
        in += n;
        addr += n;
        len -= n;
    }
    return true;
}

void as_dump(const AddressSpace *as, Log *log)
{
    log_printf(log, "%s:\n", as->name);
    for (int i = 0; i < as->count; i++) {
        const MemRegion *r = &as->regions[i];
        log_printf(log, "  %016" PRIx64 "-%016" PRIx64 " %s %s\n", r->base, r->base + r->size - 1,
                   region_kind_name[r->kind], r->name);
    }
}
