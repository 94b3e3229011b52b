/* Linear-to-physical guest memory access for translated code and helpers.
 * A store to a physical page that holds translated code invalidates the
 * blocks on it; if the running block was one of them, it stops at the next
 * instruction boundary, so the storing instruction completes and stale code
 * never runs (self-modifying code, SDM Vol. 3A §11.6). */
#include "cpu/mem.h"

#include "cpu/cpu.h"

static inline uint64_t phys_of(const CpuState *cpu, uint64_t addr)
{
    return (uint32_t)addr & cpu->a20_mask;
}

uint64_t cpu_mem_load(void *env, uint64_t addr, unsigned memop)
{
    CpuState *cpu = env;
    unsigned size = memop & IR_MEM_SIZE_MASK;
    uint64_t v = as_read(cpu->mem, phys_of(cpu, addr), size);
    if ((memop & IR_MEM_SIGN) && size < 8) {
        unsigned sh = 64 - 8 * size;
        v = (uint64_t)((int64_t)(v << sh) >> sh);
    }
    return v;
}

void cpu_mem_store(void *env, uint64_t addr, uint64_t val, unsigned memop)
{
    CpuState *cpu = env;
    unsigned size = memop & IR_MEM_SIZE_MASK;
    uint64_t pa = phys_of(cpu, addr);
    as_write(cpu->mem, pa, val, size);
    TbCache *tbs = &cpu->engine.cache;
    uint64_t last = phys_of(cpu, addr + size - 1);
    /* If the running block is among the victims, the interpreter stops it
     * at the next instruction boundary: this instruction completes first. */
    if (tb_page_has_code(tbs, pa))
        tb_invalidate_page(tbs, pa);
    if ((last >> TB_PAGE_BITS) != (pa >> TB_PAGE_BITS) && tb_page_has_code(tbs, last))
        tb_invalidate_page(tbs, last);
}

size_t cpu_fetch_code(CpuState *cpu, uint32_t addr, uint8_t *buf, size_t len)
{
    size_t n = 0;
    while (n < len) {
        uint64_t pa = phys_of(cpu, addr + n);
        const MemRegion *r = as_find(cpu->mem, pa);
        if (!r || r->kind == REGION_IO)
            break;
        uint64_t chunk = MIN((uint64_t)(len - n), r->size - (pa - r->base));
        /* Stay on the page: the next page may map elsewhere once paging exists. */
        uint64_t to_page = 0x1000 - (pa & 0xFFF);
        chunk = MIN(chunk, to_page);
        as_read_buf(cpu->mem, pa, buf + n, (size_t)chunk);
        n += (size_t)chunk;
    }
    return n;
}

uint64_t cpu_code_phys(CpuState *cpu, uint32_t addr)
{
    return phys_of(cpu, addr);
}

uint32_t cpu_ld(CpuState *cpu, uint32_t addr, unsigned size)
{
    return (uint32_t)cpu_mem_load(cpu, addr, size);
}

void cpu_st(CpuState *cpu, uint32_t addr, uint32_t val, unsigned size)
{
    cpu_mem_store(cpu, addr, val, size);
}
