/* The protected-mode segment check translated code calls before a memory
 * access through a segment that is not flat (SDM Vol. 3A §5.3 limit
 * checking, §5.6 type checking, §3.4.2 null selectors): #GP(0), or #SS(0)
 * for accesses through SS. */
#include "cpu/cpu.h"
#include "cpu/guest.h"

uint64_t helper_check_seg(void *env, uint64_t seg, uint64_t offset, uint64_t size_write, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a3;
    const SegmentCache *s = &cpu->seg[seg];
    int vector = seg == SEG_SS ? EXCP_SS : EXCP_GP;
    uint64_t size = size_write & 0xFF, first = (uint32_t)offset, last = first + size - 1;
    bool write = size_write & 0x100;
    /* A null or unusable segment: its cache is not present. */
    if (!(s->flags & SEG_FLAG_P) || !(s->flags & 0x10))
        cpu_raise_exception(cpu, vector, true, 0);
    bool code = s->flags & 0x08;
    if (code ? (write || !(s->flags & 0x02)) : (write && !(s->flags & 0x02)))
        cpu_raise_exception(cpu, vector, true, 0);
    if (!code && (s->flags & 0x04)) {
        /* Expand-down: valid offsets are limit+1 .. 0xFFFF or 0xFFFFFFFF. */
        uint64_t upper = (s->flags & SEG_FLAG_DB) ? 0xFFFFFFFFu : 0xFFFFu;
        if (first <= s->limit || last > upper)
            cpu_raise_exception(cpu, vector, true, 0);
    } else if (last > s->limit) {
        cpu_raise_exception(cpu, vector, true, 0);
    }
    return 0;
}
