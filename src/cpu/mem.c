/* Guest memory as the CPU sees it: linear addresses (segmentation already
 * applied by translated code) through the soft TLB (mmu/tlb.h) to host
 * RAM, or through the page walker (mmu/paging.h) and the physical address
 * space on a miss. The fast path here is the one the native backend will
 * inline. Page faults set CR2 and raise #PF with the walker's error code
 * (SDM Vol. 3A §4.7). Stores to pages holding translated code go through
 * the slow path and invalidate exactly the blocks whose bytes they touch;
 * a block that overwrites itself stops at its next instruction boundary
 * (self-modifying code, SDM Vol. 3A §11.6). */
#include "cpu/mem.h"

#include <string.h>

#include "cpu/cpu.h"
#include "cpu/debug.h"
#include "cpu/exception.h"
#include "mmu/paging.h"

#define PAGE_SIZE 0x1000u
#define PHYS_MASK_36 ((1ULL << 36) - 1)

/* The A20 gate masks physical address bit 20 (when it is off). */
static inline uint64_t a20(const CpuState *cpu, uint64_t pa)
{
    return pa & ((uint64_t)cpu->a20_mask | 0xFFFFFFFF00000000ULL);
}

void cpu_tlb_flush(CpuState *cpu)
{
    tlb_flush_all(&cpu->tlb);
}

static inline unsigned tlb_kind(const CpuState *cpu)
{
    return cpu_cpl(cpu) == 3 ? TLB_KIND_USER : TLB_KIND_SUPERVISOR;
}

void cpu_paging_config(const CpuState *cpu, PagingConfig *cfg)
{
    cfg->paging = cpu->cr[0] & CR0_PG;
    cfg->wp = cpu->cr[0] & CR0_WP;
    cfg->pse = cpu->cr[4] & CR4_PSE;
    cfg->pae = cpu->cr[4] & CR4_PAE;
    cfg->pge = cpu->cr[4] & CR4_PGE;
    cfg->nxe = cpu->efer & EFER_NXE;
    cfg->cr3 = cpu->cr[3];
    cfg->phys_mask = PHYS_MASK_36;
}

static const MmuAccess walk_access[TLB_ACCESSES] = {MMU_READ, MMU_WRITE, MMU_FETCH};

/* Translate with a full walk, raising #PF on failure. */
static void walk_or_fault(CpuState *cpu, uint32_t linear, unsigned access, unsigned kind, PageWalk *w)
{
    PagingConfig cfg;
    cpu_paging_config(cpu, &cfg);
    if (!mmu_walk(cpu->mem, &cfg, linear, walk_access[access], kind == TLB_KIND_USER, w)) {
        cpu->cr[2] = linear;
        LOG(cpu->log, LOG_MMU, "#PF at linear %08x (%s, %s) error %x\n", linear,
            access == TLB_WRITE ? "write" : access == TLB_READ ? "read" : "fetch",
            kind == TLB_KIND_USER ? "user" : "supervisor", w->error_code);
        cpu_raise_exception(cpu, EXCP_PF, true, w->error_code);
    }
}

/* Fill the TLB entry for `linear` after a successful walk for `access`.
 * Tags are installed only for accesses that would succeed without a walk:
 * a write tag needs a writable page whose D bit is already set. */
static TlbEntry *tlb_fill(CpuState *cpu, uint32_t linear, unsigned access, unsigned kind)
{
    PageWalk w;
    walk_or_fault(cpu, linear, access, kind, &w);
    uint64_t phys_page = a20(cpu, w.page_phys & ~(uint64_t)(PAGE_SIZE - 1));
    uint32_t page = linear & TLB_PAGE_MASK;
    const MemRegion *r = as_find(cpu->mem, phys_page);
    bool ram = r && r->kind == REGION_RAM && phys_page - r->base + PAGE_SIZE <= r->size;
    bool rom = r && r->kind == REGION_ROM && phys_page - r->base + PAGE_SIZE <= r->size;
    uint32_t slow = (ram || rom) ? 0 : TLB_MMIO;
    /* Pages with an enabled data breakpoint take the slow path, where
     * every access is checked (debug.c). */
    if (cpu->watch_data && cpu_debug_page_watched(cpu, page))
        slow |= TLB_MMIO;
    uint32_t write_flags = TLB_INVALID;
    if (w.writable && w.dirty)
        write_flags = slow | (rom ? TLB_MMIO : 0) | (tb_page_has_code(&cpu->engine.cache, phys_page) ? TLB_CODE : 0);
    uintptr_t addend = (ram || rom) ? (uintptr_t)(r->host + (phys_page - r->base)) - (uintptr_t)page : 0;
    tlb_set(&cpu->tlb, kind, page, slow, write_flags, w.executable ? slow : TLB_INVALID, w.global, addend,
            phys_page);
    if (w.page_size > PAGE_SIZE)
        tlb_add_large_page(&cpu->tlb, kind, linear, w.page_size);
    TlbEntry *e = tlb_entry(&cpu->tlb, kind, linear);
    cpu->tlb.misses++;
    return e;
}

static inline uint64_t load_le(const uint8_t *p, unsigned size)
{
    switch (size) {
    case 1: return *p;
    case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
    case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
    default: { uint64_t v; memcpy(&v, p, 8); return v; }
    }
}

static inline void store_le(uint8_t *p, uint64_t v, unsigned size)
{
    switch (size) {
    case 1: *p = (uint8_t)v; break;
    case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
    case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
    default: memcpy(p, &v, 8); break;
    }
}

/* Physical address of `linear` for `access`, walking on a TLB miss. */
static uint64_t translate(CpuState *cpu, uint32_t linear, unsigned access, unsigned kind)
{
    TlbEntry *e = tlb_entry(&cpu->tlb, kind, linear);
    if ((e->tag[access] & (TLB_PAGE_MASK | TLB_INVALID)) != (linear & TLB_PAGE_MASK) &&
        !tlb_victim_lookup(&cpu->tlb, kind, access, linear))
        e = tlb_fill(cpu, linear, access, kind);
    return e->phys_page | (linear & ~TLB_PAGE_MASK);
}

static uint64_t load_slow(CpuState *cpu, uint32_t linear, unsigned size, unsigned kind)
{
    if ((linear & ~TLB_PAGE_MASK) + size > PAGE_SIZE) {
        /* Crossing pages: byte by byte, each page translated (and maybe
         * faulting) in address order. */
        uint64_t v = 0;
        for (unsigned i = 0; i < size; i++)
            v |= load_slow(cpu, linear + i, 1, kind) << (8 * i);
        return v;
    }
    uint64_t pa = translate(cpu, linear, TLB_READ, kind);
    /* Before the access: a hit may re-run the instruction on its own. */
    if (cpu->watch_data)
        cpu_debug_check_data(cpu, linear, size, false);
    void *host = tlb_lookup(&cpu->tlb, kind, TLB_READ, linear, size);
    if (host)
        return load_le(host, size);
    return as_read(cpu->mem, pa, size);
}

static void store_phys(CpuState *cpu, uint64_t pa, uint64_t val, unsigned size)
{
    as_write(cpu->mem, pa, val, size);
    /* Invalidate exactly the blocks whose code the store touched; the
     * running block, if hit, stops at its next instruction boundary. */
    TbCache *tbs = &cpu->engine.cache;
    if (tb_page_has_code(tbs, pa)) {
        /* A one-off block (cpu_exec.c run_capped) is a prefix of a cached
         * block with its key: whatever hits it hits that block first. */
        if (tb_invalidate_range(tbs, pa, size) && cpu->capped_tb)
            cpu->capped_tb->invalid = true;
        if (!tb_page_has_code(tbs, pa))
            tlb_set_code_page(&cpu->tlb, pa & ~(uint64_t)(PAGE_SIZE - 1), false);
    }
}

static void store_slow(CpuState *cpu, uint32_t linear, uint64_t val, unsigned size, unsigned kind)
{
    if ((linear & ~TLB_PAGE_MASK) + size > PAGE_SIZE) {
        /* Both pages must be writable before any byte is written, so a
         * fault on the second leaves memory untouched (SDM Vol. 3A §6.5). */
        uint32_t second = (linear & TLB_PAGE_MASK) + PAGE_SIZE;
        translate(cpu, linear, TLB_WRITE, kind);
        translate(cpu, second, TLB_WRITE, kind);
        for (unsigned i = 0; i < size; i++)
            store_slow(cpu, linear + i, (val >> (8 * i)) & 0xFF, 1, kind);
        return;
    }
    uint64_t pa = translate(cpu, linear, TLB_WRITE, kind);
    if (cpu->watch_data)
        cpu_debug_check_data(cpu, linear, size, true);
    TlbEntry *e = tlb_entry(&cpu->tlb, kind, linear);
    if (!(e->tag[TLB_WRITE] & (TLB_MMIO | TLB_CODE | TLB_INVALID))) {
        store_le((uint8_t *)(uintptr_t)(linear + e->addend), val, size);
        return;
    }
    store_phys(cpu, pa, val, size);
}

uint64_t cpu_mem_load(void *env, uint64_t addr, unsigned memop)
{
    CpuState *cpu = env;
    unsigned size = memop & IR_MEM_SIZE_MASK, kind = tlb_kind(cpu);
    uint32_t linear = (uint32_t)addr;
    void *host = tlb_lookup(&cpu->tlb, kind, TLB_READ, linear, size);
    uint64_t v;
    if (likely(host != NULL)) {
        cpu->tlb.hits++;
        v = load_le(host, size);
    } else {
        v = load_slow(cpu, linear, size, kind);
    }
    if ((memop & IR_MEM_SIGN) && size < 8) {
        unsigned sh = 64 - 8 * size;
        v = (uint64_t)((int64_t)(v << sh) >> sh);
    }
    return v;
}

void cpu_mem_store(void *env, uint64_t addr, uint64_t val, unsigned memop)
{
    CpuState *cpu = env;
    unsigned size = memop & IR_MEM_SIZE_MASK, kind = tlb_kind(cpu);
    uint32_t linear = (uint32_t)addr;
    void *host = tlb_lookup(&cpu->tlb, kind, TLB_WRITE, linear, size);
    if (likely(host != NULL)) {
        cpu->tlb.hits++;
        store_le(host, val, size);
        return;
    }
    store_slow(cpu, linear, val, size, kind);
}

bool cpu_code_page_global(CpuState *cpu, uint32_t linear)
{
    const TlbEntry *e = tlb_entry(&cpu->tlb, tlb_kind(cpu), linear);
    return e->global && (e->tag[TLB_CODE_FETCH] & (TLB_PAGE_MASK | TLB_INVALID)) == (linear & TLB_PAGE_MASK);
}

uint64_t cpu_code_phys(CpuState *cpu, uint32_t linear)
{
    return translate(cpu, linear, TLB_CODE_FETCH, tlb_kind(cpu));
}

bool cpu_code_phys_probe(CpuState *cpu, uint32_t linear, uint64_t *phys)
{
    PagingConfig cfg;
    PageWalk w;
    cpu_paging_config(cpu, &cfg);
    /* A probe must not change A bits it would not have changed... it is
     * only used for pages the translator already fetched from, whose
     * entries are accessed already. */
    if (!mmu_walk(cpu->mem, &cfg, linear, MMU_FETCH, tlb_kind(cpu) == TLB_KIND_USER, &w))
        return false;
    *phys = a20(cpu, w.phys);
    return true;
}

size_t cpu_fetch_code(CpuState *cpu, uint32_t addr, uint8_t *buf, size_t len)
{
    size_t n = 0;
    unsigned kind = tlb_kind(cpu);
    while (n < len) {
        uint32_t linear = addr + (uint32_t)n;
        uint64_t pa;
        if (n == 0) {
            pa = translate(cpu, linear, TLB_CODE_FETCH, kind);    /* faults here are the block's first insn's */
        } else if (!cpu_code_phys_probe(cpu, linear, &pa)) {
            break;      /* the next page faults: the instruction there raises #PF when it runs */
        }
        const MemRegion *r = as_find(cpu->mem, pa);
        if (!r || r->kind == REGION_IO)
            break;
        uint64_t chunk = MIN((uint64_t)(len - n), r->size - (pa - r->base));
        chunk = MIN(chunk, (uint64_t)(PAGE_SIZE - (pa & (PAGE_SIZE - 1))));
        as_read_buf(cpu->mem, pa, buf + n, (size_t)chunk);
        n += (size_t)chunk;
    }
    return n;
}

uint32_t cpu_ld(CpuState *cpu, uint32_t addr, unsigned size)
{
    return (uint32_t)cpu_mem_load(cpu, addr, size);
}

void cpu_st(CpuState *cpu, uint32_t addr, uint32_t val, unsigned size)
{
    cpu_mem_store(cpu, addr, val, size);
}

uint32_t cpu_ld_sys(CpuState *cpu, uint32_t addr, unsigned size)
{
    unsigned kind = TLB_KIND_SUPERVISOR;
    void *host = tlb_lookup(&cpu->tlb, kind, TLB_READ, addr, size);
    return (uint32_t)(host ? load_le(host, size) : load_slow(cpu, addr, size, kind));
}

void cpu_st_sys(CpuState *cpu, uint32_t addr, uint32_t val, unsigned size)
{
    store_slow(cpu, addr, val, size, TLB_KIND_SUPERVISOR);
}
