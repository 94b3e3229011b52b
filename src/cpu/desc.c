/* Segment descriptors and segment-register loads (SDM Vol. 3A §3.4-3.5
 * "Segment selectors, registers and descriptors", §5.1-5.8 "Protection"),
 * the TSS inner-stack fields of a privilege change (§7.2.1, Figure 7-2)
 * and helper-side stack frames. What each far transfer or interrupt does
 * with them is in helper_seg.c and exception.c. */
#include "cpu/desc.h"

#include "cpu/exception.h"
#include "cpu/mem.h"

uint32_t desc_base(const Descriptor *d)
{
    return (d->hi & 0xFF000000) | ((d->hi & 0xFF) << 16) | (d->lo >> 16);
}

uint32_t desc_limit(const Descriptor *d)
{
    uint32_t limit = (d->hi & 0xF0000) | (d->lo & 0xFFFF);
    if (d->hi & (1u << 23))
        limit = (limit << 12) | 0xFFF;
    return limit;
}

SegmentCache desc_to_cache(uint32_t selector, const Descriptor *d)
{
    /* The cache keeps the scaled limit whatever the expansion direction:
     * seg_in_limit() gives expand-down segments their meaning. */
    return (SegmentCache){
        .selector = selector & 0xFFFF,
        .base = desc_base(d),
        .limit = desc_limit(d),
        .flags = (d->hi >> 8) & 0xF0FF,
    };
}

bool desc_fetch(CpuState *cpu, uint32_t selector, Descriptor *d)
{
    uint32_t base, limit;
    if (selector & 4) {
        /* An LDT selector with no usable LDT is out of any table (§3.5.1). */
        if (!(cpu->ldt.flags & SEG_FLAG_P) || sel_is_null(cpu->ldt.selector))
            return false;
        base = cpu->ldt.base;
        limit = cpu->ldt.limit;
    } else {
        base = cpu->gdt_base;
        limit = cpu->gdt_limit;
    }
    uint32_t index = selector & 0xFFF8;
    if (index + 7 > limit)
        return false;
    d->lo = cpu_ld_sys(cpu, base + index, 4);
    d->hi = cpu_ld_sys(cpu, base + index + 4, 4);
    return true;
}

/* Address of the descriptor's type/access byte (byte 5). */
static uint32_t desc_access_byte(const CpuState *cpu, uint32_t selector)
{
    uint32_t base = (selector & 4) ? cpu->ldt.base : cpu->gdt_base;
    return base + (selector & 0xFFF8) + 5;
}

void desc_set_accessed(CpuState *cpu, uint32_t selector, Descriptor *d)
{
    if (desc_is_system(d) || (d->hi & (DESC_TYPE_ACCESSED << 8)))
        return;
    d->hi |= DESC_TYPE_ACCESSED << 8;
    cpu_st_sys(cpu, desc_access_byte(cpu, selector), (d->hi >> 8) & 0xFF, 1);
}

void desc_set_tss_busy(CpuState *cpu, uint32_t selector, Descriptor *d, bool busy)
{
    /* Busy is bit 1 of the type: 1 <-> 3 and 9 <-> B (§7.2.2). */
    if (busy)
        d->hi |= 2u << 8;
    else
        d->hi &= ~(2u << 8);
    cpu_st_sys(cpu, desc_access_byte(cpu, selector & ~4u), (d->hi >> 8) & 0xFF, 1);
}

bool seg_in_limit(const SegmentCache *s, uint32_t offset, unsigned size)
{
    uint32_t last = offset + size - 1;
    if (last < offset)
        return false;           /* wraps around the 4 GiB end */
    bool expand_down = (s->flags & 0x18) == 0x10 && (s->flags & DESC_TYPE_DC);
    if (expand_down) {
        uint32_t upper = (s->flags & SEG_FLAG_DB) ? 0xFFFFFFFF : 0xFFFF;
        return offset > s->limit && last <= upper;
    }
    return last <= s->limit;
}

void seg_load_null(CpuState *cpu, int seg, uint32_t selector)
{
    /* P6 keeps the selector and marks the cache unusable (P clear). */
    cpu->seg[seg] = (SegmentCache){.selector = selector & 0xFFFF};
}

void seg_load_vm86(CpuState *cpu, int seg, uint32_t selector)
{
    selector &= 0xFFFF;
    cpu->seg[seg] = (SegmentCache){.selector = selector, .base = selector << 4, .limit = 0xFFFF,
                                   .flags = SEG_FLAGS_VM86};
}

void seg_load_protected(CpuState *cpu, int seg, uint32_t selector, unsigned cpl, int gp_vector)
{
    selector &= 0xFFFF;
    uint32_t err = sel_error(selector);
    if (sel_is_null(selector)) {
        /* Null is fine for DS..GS until used; never for SS or CS (SDM Vol.
         * 2B MOV: #GP(0)). */
        if (seg == SEG_SS || seg == SEG_CS)
            cpu_raise_exception(cpu, gp_vector, true, 0);
        seg_load_null(cpu, seg, selector);
        return;
    }
    Descriptor d;
    if (!desc_fetch(cpu, selector, &d))
        cpu_raise_exception(cpu, gp_vector, true, err);
    unsigned rpl = selector & 3, dpl = desc_dpl(&d);
    if (seg == SEG_SS) {
        /* The stack must be writable data at exactly CPL (§5.7). */
        if (rpl != cpl || !desc_is_writable_data(&d) || dpl != cpl)
            cpu_raise_exception(cpu, gp_vector, true, err);
        if (!desc_present(&d))
            cpu_raise_exception(cpu, EXCP_SS, true, err);
    } else if (seg == SEG_CS) {
        if (!desc_is_code(&d) || (desc_is_conforming(&d) ? dpl > cpl : dpl != cpl))
            cpu_raise_exception(cpu, gp_vector, true, err);
        if (!desc_present(&d))
            cpu_raise_exception(cpu, EXCP_NP, true, err);
    } else {
        /* Data or readable code; conforming code is accessible from any
         * level, everything else needs max(CPL, RPL) <= DPL (§5.6). */
        if (!desc_is_readable(&d))
            cpu_raise_exception(cpu, gp_vector, true, err);
        if (!desc_is_conforming(&d) && (rpl > dpl || cpl > dpl))
            cpu_raise_exception(cpu, gp_vector, true, err);
        if (!desc_present(&d))
            cpu_raise_exception(cpu, EXCP_NP, true, err);
    }
    desc_set_accessed(cpu, selector, &d);
    cpu->seg[seg] = desc_to_cache(selector, &d);
}

void seg_clear_inaccessible(CpuState *cpu, unsigned new_cpl)
{
    static const int segs[] = {SEG_ES, SEG_DS, SEG_FS, SEG_GS};
    for (unsigned i = 0; i < 4; i++) {
        SegmentCache *s = &cpu->seg[segs[i]];
        if (sel_is_null(s->selector))
            continue;
        bool conforming_code = (s->flags & 0x1C) == 0x1C;
        unsigned dpl = (s->flags >> 5) & 3;
        if (!conforming_code && new_cpl > dpl)
            seg_load_null(cpu, segs[i], 0);
    }
}

void tss_get_inner_stack(CpuState *cpu, unsigned dpl, uint32_t ext, uint32_t *ss_sel, uint32_t *esp)
{
    uint32_t err = sel_error(cpu->tr.selector) | ext;
    if ((cpu->tr.flags & 0xF) & 8) {
        /* 32-bit TSS: ESPn at 4 + 8n, SSn at 8 + 8n. */
        uint32_t off = dpl * 8 + 4;
        if (off + 5 > cpu->tr.limit)
            cpu_raise_exception(cpu, EXCP_TS, true, err);
        *esp = cpu_ld_sys(cpu, cpu->tr.base + off, 4);
        *ss_sel = cpu_ld_sys(cpu, cpu->tr.base + off + 4, 2);
    } else {
        /* 16-bit TSS: SPn at 2 + 4n, SSn at 4 + 4n. */
        uint32_t off = dpl * 4 + 2;
        if (off + 3 > cpu->tr.limit)
            cpu_raise_exception(cpu, EXCP_TS, true, err);
        *esp = cpu_ld_sys(cpu, cpu->tr.base + off, 2);
        *ss_sel = cpu_ld_sys(cpu, cpu->tr.base + off + 2, 2);
    }
}

SegmentCache seg_check_inner_stack(CpuState *cpu, uint32_t ss_sel, unsigned dpl, uint32_t ext)
{
    uint32_t err = sel_error(ss_sel) | ext;
    if (sel_is_null(ss_sel))
        cpu_raise_exception(cpu, EXCP_TS, true, ext);
    Descriptor d;
    if (!desc_fetch(cpu, ss_sel, &d) || (ss_sel & 3) != dpl)
        cpu_raise_exception(cpu, EXCP_TS, true, err);
    if (desc_dpl(&d) != dpl || !desc_is_writable_data(&d))
        cpu_raise_exception(cpu, EXCP_TS, true, err);
    if (!desc_present(&d))
        cpu_raise_exception(cpu, EXCP_SS, true, err);
    desc_set_accessed(cpu, ss_sel, &d);
    return desc_to_cache(ss_sel, &d);
}

void tss_check_target(CpuState *cpu, uint32_t tss_sel, uint32_t ext)
{
    uint32_t err = sel_error(tss_sel) | ext;
    Descriptor d;
    /* TSS descriptors live only in the GDT (§7.2.2). */
    if ((tss_sel & 4) || !desc_fetch(cpu, tss_sel, &d))
        cpu_raise_exception(cpu, EXCP_GP, true, err);
    unsigned type = desc_type(&d);
    if (!desc_is_system(&d) || (type != DESC_TSS16_AVAIL && type != DESC_TSS32_AVAIL))
        cpu_raise_exception(cpu, EXCP_GP, true, err);
    if (!desc_present(&d))
        cpu_raise_exception(cpu, EXCP_NP, true, err);
}

/* ---- stack frames ---- */

void stack_init(StackFrame *f, const SegmentCache *ss, uint32_t esp, uint32_t error, bool sys)
{
    f->ss = *ss;
    f->esp = esp;
    f->error = error;
    f->big = ss->flags & SEG_FLAG_DB;
    f->sys = sys;
    f->npending = 0;
}

void stack_init_current(CpuState *cpu, StackFrame *f)
{
    stack_init(f, &cpu->seg[SEG_SS], cpu->regs[R_ESP], 0, false);
    /* Real and virtual-8086 mode always use SP (the B bit counts only in
     * protected mode, as the block key's HF_SS32 does). */
    if (!(cpu->cr[0] & CR0_PE) || (cpu->eflags & EFLAGS_VM))
        f->big = false;
}

uint32_t stack_offset(const StackFrame *f)
{
    return f->big ? f->esp : (f->esp & 0xFFFF);
}

void stack_adjust(StackFrame *f, uint32_t delta)
{
    f->esp = stack_merge_esp(f->esp, f->esp + delta, f->big);
}

/* A real-mode stack keeps its cached limit (normally 0xFFFF), so the same
 * check serves every mode. */
void stack_push(CpuState *cpu, StackFrame *f, uint32_t value, unsigned size)
{
    uint32_t esp = stack_merge_esp(f->esp, f->esp - size, f->big);
    uint32_t off = f->big ? esp : (esp & 0xFFFF);
    if (!seg_in_limit(&f->ss, off, size))
        cpu_raise_exception(cpu, EXCP_SS, true, f->error);
    if (f->npending == STACK_MAX_PENDING) {
        /* Never happens (at most 31 parameters + 4 words): keep it safe. */
        stack_flush(cpu, f);
    }
    f->pending[f->npending].offset = off;
    f->pending[f->npending].value = size == 2 ? (value & 0xFFFF) : value;
    f->pending[f->npending].size = size;
    f->npending++;
    f->esp = esp;
}

void stack_check_pop(CpuState *cpu, const StackFrame *f, uint32_t bytes)
{
    if (bytes && !seg_in_limit(&f->ss, stack_offset(f), bytes))
        cpu_raise_exception(cpu, EXCP_SS, true, f->error);
}

uint32_t stack_pop(CpuState *cpu, StackFrame *f, unsigned size)
{
    uint32_t off = stack_offset(f);
    if (!seg_in_limit(&f->ss, off, size))
        cpu_raise_exception(cpu, EXCP_SS, true, f->error);
    uint32_t v = f->sys ? cpu_ld_sys(cpu, f->ss.base + off, size) : cpu_ld(cpu, f->ss.base + off, size);
    f->esp = stack_merge_esp(f->esp, f->esp + size, f->big);
    return v;
}

void stack_flush(CpuState *cpu, StackFrame *f)
{
    for (unsigned i = 0; i < f->npending; i++) {
        uint32_t addr = f->ss.base + f->pending[i].offset;
        if (f->sys)
            cpu_st_sys(cpu, addr, f->pending[i].value, f->pending[i].size);
        else
            cpu_st(cpu, addr, f->pending[i].value, f->pending[i].size);
    }
    f->npending = 0;
}
