/* The random-sequence engine of the host differential test: seeding, the
 * initial state, operand choice (registers, immediates, memory operands that
 * stay inside the data area), the x86 encoder, per-flag tracking of undefined
 * flags, and the layout that patches forward jumps. Which instructions exist
 * lives in diff_templates.c; the rules this engine enforces are described in
 * diff_gen_internal.h. Encoding follows the SDM Vol. 2A chapter 2. */
#include "diff_gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff_gen_internal.h"
#include "diff_targeted.h"

/* ---- randomness: xoshiro256** seeded through splitmix64 ---- */

static uint64_t gen_splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t gen_rotl64(uint64_t x, unsigned k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t gen_next(Gen *g)
{
    uint64_t *s = g->rng.s;
    uint64_t result = gen_rotl64(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = gen_rotl64(s[3], 45);
    return result;
}

static void gen_seed(Gen *g, uint64_t seed, uint32_t index, uint32_t attempt)
{
    uint64_t s = seed * 0xd1342543de82ef95ull ^ ((uint64_t)index << 20) ^ attempt;
    for (int i = 0; i < 4; i++)
        g->rng.s[i] = gen_splitmix64(&s);
}

uint32_t gen_below(Gen *g, uint32_t n)
{
    return (uint32_t)(((gen_next(g) >> 32) * n) >> 32);
}

bool gen_chance(Gen *g, unsigned percent)
{
    return gen_below(g, 100) < percent;
}

/* Operand values that sit on the edges the flags and the ALU care about. */
static const uint32_t gen_edges[] = {
    0, 1, 2, 3, 7, 8, 9, 10, 15, 16, 31, 32, 33, 0x0f, 0x10, 0x3f, 0x40, 0x7e, 0x7f, 0x80, 0x81,
    0x99, 0xfe, 0xff, 0x100, 0x7ffe, 0x7fff, 0x8000, 0x8001, 0xfffe, 0xffff, 0x10000,
    0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff, 0xffffff80, 0xffff8000,
    0x55555555, 0xaaaaaaaa, 0x0f0f0f0f, 0x12345678, 0x00ff00ff,
};

uint32_t gen_value(Gen *g)
{
    uint32_t r = gen_below(g, 100);
    if (r < 30)
        return gen_edges[gen_below(g, sizeof(gen_edges) / sizeof(gen_edges[0]))];
    if (r < 45)
        return gen_below(g, 64);
    if (r < 55)
        return (uint32_t)-(int32_t)(1 + gen_below(g, 64));
    if (r < 65) /* random with a zero low byte: 8-bit results of 0 */
        return (uint32_t)gen_next(g) & 0xffffff00u;
    return (uint32_t)gen_next(g);
}

uint32_t dgen_imm(Gen *g, unsigned size)
{
    uint32_t v = gen_value(g);
    return size == 4 ? v : v & ((1u << (size * 8)) - 1);
}

unsigned gen_size(Gen *g, unsigned sizes)
{
    static const unsigned weight[3] = {30, 20, 50};
    unsigned total = 0;
    for (unsigned i = 0; i < 3; i++)
        if (sizes & (1u << i))
            total += weight[i];
    uint32_t r = gen_below(g, total);
    for (unsigned i = 0; i < 3; i++) {
        if (!(sizes & (1u << i)))
            continue;
        if (r < weight[i])
            return 1u << i;
        r -= weight[i];
    }
    return 4;
}

/* ---- registers ---- */

unsigned gen_reg_free(Gen *g)
{
    return gen_below(g, 4);
}

unsigned gen_reg_dst(Gen *g, unsigned size)
{
    if (size == 1)
        return gen_below(g, 8); /* AL..BH: all inside EAX..EBX */
    /* Now and then write a pointer register: it becomes unknown and the
     * generator stops using it as a base until a template reloads it. */
    if (gen_chance(g, 8))
        return DIFF_EBP + gen_below(g, 3);
    return gen_reg_free(g);
}

unsigned gen_reg_src(Gen *g)
{
    return gen_below(g, 8);
}

void gen_clobber(Gen *g, unsigned reg, unsigned size)
{
    if (size == 1)
        return;
    if (reg == DIFF_ESP) {
        fprintf(stderr, "jitpc-diff: generator bug: a template wrote ESP\n");
        abort();
    }
    if (reg >= DIFF_EBP)
        g->flow.reg[reg].known = false;
}

void gen_set_ptr(Gen *g, unsigned reg, int64_t lo, int64_t hi)
{
    g->flow.reg[reg] = (GenRange){.known = true, .lo = lo, .hi = hi};
}

bool gen_ptr_in(const Gen *g, unsigned reg, int64_t lo_room, int64_t hi_room)
{
    const GenRange *r = &g->flow.reg[reg];
    return r->known && r->lo - lo_room >= DIFF_DATA_BASE && r->hi + hi_room <= DIFF_DATA_END;
}

/* ---- memory operands ---- */

/* Picks a displacement so that every EA in [lo + d, hi + d] keeps the access
 * inside the data area; prefers disp8 when one fits. */
static bool gen_pick_disp(Gen *g, int64_t lo, int64_t hi, unsigned size, int32_t lo_extra,
                          int32_t hi_extra, unsigned align, bool allow8, int64_t *disp, bool *is8)
{
    int64_t dmin = (int64_t)DIFF_DATA_BASE - lo - lo_extra;
    int64_t dmax = (int64_t)DIFF_DATA_END - hi - (int64_t)size - hi_extra;
    if (dmin > dmax)
        return false;
    int64_t d;
    int64_t lo8 = dmin > -128 ? dmin : -128, hi8 = dmax < 127 ? dmax : 127;
    *is8 = allow8 && lo8 <= hi8 && gen_chance(g, 70);
    if (*is8)
        d = lo8 + gen_below(g, (uint32_t)(hi8 - lo8 + 1));
    else
        d = dmin + (int64_t)(gen_next(g) % (uint64_t)(dmax - dmin + 1));
    if (align > 1) {
        /* lo == hi here: align the one possible address. */
        int64_t mis = (lo + d) % align;
        d -= mis;
        if (d < dmin)
            d += align;
        if (d > dmax)
            return false;
        if (*is8 && (d < -128 || d > 127))
            *is8 = false;
    }
    *disp = d;
    return true;
}

static void gen_mem_segment(Gen *g, unsigned mflags, GenMem *m)
{
    /* Flat segments on both sides; CS is readable but never writable. */
    static const uint8_t segs[] = {0x3e, 0x26, 0x36, 0x2e};
    if (mflags & GEN_MEM_NO_SEG || !gen_chance(g, 8))
        return;
    m->seg = segs[gen_below(g, (mflags & GEN_MEM_WRITE) ? 3 : 4)];
}

static const unsigned gen_ptr_regs[] = {DIFF_ESP, DIFF_EBP, DIFF_ESI, DIFF_EDI};

bool gen_mem(Gen *g, unsigned size, int32_t lo_extra, int32_t hi_extra, unsigned mflags, GenMem *m)
{
    unsigned align = (mflags & GEN_MEM_ALIGN) ? size : 1;
    unsigned bases[4], n_bases = 0, idx[3], n_idx = 0;
    for (unsigned i = 0; i < 4; i++) {
        const GenRange *r = &g->flow.reg[gen_ptr_regs[i]];
        if (!r->known || (align > 1 && r->lo != r->hi))
            continue;
        bases[n_bases++] = gen_ptr_regs[i];
        if (gen_ptr_regs[i] != DIFF_ESP)
            idx[n_idx++] = gen_ptr_regs[i]; /* ESP cannot be an index */
    }
    memset(m, 0, sizeof(*m));
    uint32_t form = gen_below(g, 10);
    int64_t disp;
    bool is8;

    if (form >= 7 && n_idx) {
        /* [base + index*scale + disp] or [index*scale + disp32] */
        unsigned i = idx[gen_below(g, n_idx)], scale = gen_below(g, 4);
        bool has_base = gen_chance(g, 75);
        unsigned b = has_base ? bases[gen_below(g, n_bases)] : 5;
        const GenRange *ri = &g->flow.reg[i];
        int64_t lo = ri->lo * (1 << scale), hi = ri->hi * (1 << scale);
        if (has_base) {
            lo += g->flow.reg[b].lo;
            hi += g->flow.reg[b].hi;
        }
        if (gen_pick_disp(g, lo, hi, size, lo_extra, hi_extra, align, has_base, &disp, &is8)) {
            m->has_sib = true;
            m->rm = 4;
            m->sib = (uint8_t)(scale << 6 | i << 3 | b);
            m->mod = !has_base ? 0 : is8 ? 1 : 2;
            m->disp_size = is8 ? 1 : 4;
            m->disp = (int32_t)disp;
            gen_mem_segment(g, mflags, m);
            return true;
        }
    }
    if (form >= 2 && n_bases) {
        /* [base + disp] */
        unsigned b = bases[gen_below(g, n_bases)];
        const GenRange *rb = &g->flow.reg[b];
        if (gen_pick_disp(g, rb->lo, rb->hi, size, lo_extra, hi_extra, align, true, &disp, &is8)) {
            /* mod 00 with rm/base 101 means disp32 without a base: EBP needs a disp. */
            bool no_disp = disp == 0 && b != DIFF_EBP && gen_chance(g, 40);
            m->mod = no_disp ? 0 : is8 ? 1 : 2;
            m->disp_size = no_disp ? 0 : is8 ? 1 : 4;
            m->disp = (int32_t)disp;
            if (b == DIFF_ESP || gen_chance(g, 10)) {
                /* SIB without an index; its scale bits do not matter (Table 2-3). */
                m->has_sib = true;
                m->rm = 4;
                m->sib = (uint8_t)(gen_below(g, 4) << 6 | 4 << 3 | b);
            } else {
                m->rm = (uint8_t)b;
            }
            gen_mem_segment(g, mflags, m);
            return true;
        }
    }
    /* [disp32]: mod 00 rm 101, or the SIB form with neither base nor index. */
    if (!gen_pick_disp(g, 0, 0, size, lo_extra, hi_extra, align, false, &disp, &is8))
        return false;
    m->mod = 0;
    m->disp_size = 4;
    m->disp = (int32_t)disp;
    if (gen_chance(g, 10)) {
        m->has_sib = true;
        m->rm = 4;
        m->sib = (uint8_t)(gen_below(g, 4) << 6 | 4 << 3 | 5);
    } else {
        m->rm = 5;
    }
    gen_mem_segment(g, mflags, m);
    return true;
}

void gen_mem_any(Gen *g, GenMem *m, bool addr16)
{
    memset(m, 0, sizeof(*m));
    m->addr16 = addr16;
    m->mod = (uint8_t)gen_below(g, 3);
    m->rm = (uint8_t)gen_below(g, 8);
    if (addr16) {
        /* SDM Vol. 2A Table 2-1: mod 00 rm 110 is disp16 alone. */
        m->disp_size = m->mod == 1 ? 1 : m->mod == 2 || (m->mod == 0 && m->rm == 6) ? 2 : 0;
    } else {
        m->has_sib = m->rm == 4;
        m->sib = (uint8_t)gen_below(g, 256);
        bool disp32 = m->mod == 2 || (m->mod == 0 && (m->rm == 5 || (m->has_sib && (m->sib & 7) == 5)));
        m->disp_size = m->mod == 1 ? 1 : disp32 ? 4 : 0;
    }
    m->disp = (int32_t)gen_value(g);
    if (m->disp_size == 1)
        m->disp = (int8_t)m->disp;
    else if (m->disp_size == 2)
        m->disp = (int16_t)m->disp;
}

bool gen_rm(Gen *g, GenInsn *in, unsigned size, bool write, unsigned mflags)
{
    in->has_modrm = true;
    if (gen_chance(g, 50) && gen_mem(g, size, 0, 0, mflags | (write ? GEN_MEM_WRITE : 0), &in->mem)) {
        in->rm_mem = true;
        return true;
    }
    in->rm_mem = false;
    in->rm_reg = write ? gen_reg_dst(g, size) : gen_reg_src(g);
    if (write)
        gen_clobber(g, in->rm_reg, size);
    return true;
}

/* ---- encoding ---- */

void gen_insn_init(GenInsn *in, unsigned size)
{
    memset(in, 0, sizeof(*in));
    if (size == 2)
        in->prefix[in->n_prefix++] = 0x66;
}

void gen_insn_lock(GenInsn *in)
{
    in->prefix[in->n_prefix++] = 0xf0;
}

bool gen_room(const Gen *g, unsigned bytes)
{
    const GenUnit *u = &g->units[g->cur];
    return u->len + bytes <= GEN_UNIT_MAX && u->n_insn < GEN_UNIT_INSNS;
}

static void gen_begin_insn(Gen *g, unsigned bytes)
{
    GenUnit *u = &g->units[g->cur];
    if (!gen_room(g, bytes)) {
        fprintf(stderr, "jitpc-diff: generator bug: unit overflow\n");
        abort();
    }
    u->insn_off[u->n_insn] = (uint8_t)u->len;
    u->insn_undef[u->n_insn] = g->flow.undef;
    u->n_insn++;
}

static void gen_put(GenUnit *u, uint32_t v, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        u->bytes[u->len++] = (uint8_t)(v >> (8 * i));
}

void gen_emit_bytes(Gen *g, const uint8_t *bytes, unsigned n)
{
    gen_begin_insn(g, n);
    GenUnit *u = &g->units[g->cur];
    memcpy(u->bytes + u->len, bytes, n);
    u->len += n;
}

unsigned gen_emit(Gen *g, const GenInsn *in)
{
    uint8_t prefix[8];
    unsigned n_prefix = in->n_prefix;
    memcpy(prefix, in->prefix, n_prefix);
    if (in->has_modrm && in->rm_mem && in->mem.seg)
        prefix[n_prefix++] = in->mem.seg;
    if (in->has_modrm && in->rm_mem && in->mem.addr16)
        prefix[n_prefix++] = 0x67;
    /* Legacy prefixes may come in any order (SDM Vol. 2A §2.1.1). */
    for (unsigned i = n_prefix; i > 1; i--) {
        unsigned j = gen_below(g, i);
        uint8_t t = prefix[i - 1];
        prefix[i - 1] = prefix[j];
        prefix[j] = t;
    }
    gen_begin_insn(g, 15);
    GenUnit *u = &g->units[g->cur];
    for (unsigned i = 0; i < n_prefix; i++)
        u->bytes[u->len++] = prefix[i];
    for (unsigned i = 0; i < in->n_op; i++)
        u->bytes[u->len++] = in->op[i];
    if (in->has_modrm) {
        if (in->rm_mem) {
            const GenMem *m = &in->mem;
            u->bytes[u->len++] = (uint8_t)(m->mod << 6 | (in->reg & 7) << 3 | m->rm);
            if (m->has_sib && !m->addr16)
                u->bytes[u->len++] = m->sib;
            gen_put(u, (uint32_t)m->disp, m->disp_size);
        } else {
            u->bytes[u->len++] = (uint8_t)(0xc0 | (in->reg & 7) << 3 | (in->rm_reg & 7));
        }
    }
    unsigned imm_at = u->len;
    gen_put(u, in->imm, in->imm_size);
    gen_put(u, in->imm2, in->imm2_size);
    return imm_at;
}

/* ---- flags ---- */

bool gen_readable(const Gen *g, uint32_t flags)
{
    return !(g->flow.undef & flags);
}

void gen_apply(Gen *g, DiffFlagOp op)
{
    g->flow.undef = diff_flags_after(g->flow.undef, op);
}

int gen_pick_cc(Gen *g)
{
    unsigned start = gen_below(g, 16);
    for (unsigned i = 0; i < 16; i++) {
        unsigned cc = (start + i) & 15;
        if (gen_readable(g, diff_flags_cc_reads(cc)))
            return (int)cc;
    }
    return -1;
}

/* ---- stack ---- */

bool gen_stack_ok(const Gen *g, int64_t below, int64_t above)
{
    const GenRange *sp = &g->flow.reg[DIFF_ESP];
    return sp->lo - below >= DIFF_DATA_BASE && sp->hi + above <= DIFF_DATA_END;
}

void gen_stack_adjust(Gen *g, int64_t delta)
{
    g->flow.reg[DIFF_ESP].lo += delta;
    g->flow.reg[DIFF_ESP].hi += delta;
}

/* ---- control flow ---- */

/* Merges two flows meeting at a jump target. */
static void gen_flow_join(GenFlow *into, const GenFlow *from)
{
    if (!from->reachable)
        return;
    if (!into->reachable) {
        *into = *from;
        return;
    }
    for (unsigned r = 0; r < DIFF_NREGS; r++) {
        GenRange *a = &into->reg[r];
        const GenRange *b = &from->reg[r];
        if (!a->known || !b->known) {
            a->known = false;
            continue;
        }
        a->lo = a->lo < b->lo ? a->lo : b->lo;
        a->hi = a->hi > b->hi ? a->hi : b->hi;
    }
    into->undef |= from->undef;
    if (into->df != from->df)
        into->df = -1;
}

unsigned gen_target(Gen *g)
{
    unsigned t = g->cur + 1 + gen_below(g, GEN_JUMP_REACH);
    return t > g->n_units ? g->n_units : t;
}

void gen_fixup(Gen *g, GenFixKind kind, unsigned at, unsigned from, unsigned target)
{
    GenUnit *u = &g->units[g->cur];
    u->fix[u->n_fix++] = (GenFixup){.kind = (uint8_t)kind, .at = (uint8_t)at, .from = (uint8_t)from,
                                    .target = (uint8_t)target};
    gen_flow_join(&g->incoming[target], &g->flow);
}

/* ---- the engine ---- */

static const GenTemplate *gen_pick_template(Gen *g)
{
    uint32_t total = 0;
    for (unsigned i = 0; i < gen_template_total; i++)
        total += gen_templates[i].weight;
    uint32_t r = gen_below(g, total);
    for (unsigned i = 0; i < gen_template_total; i++) {
        if (r < gen_templates[i].weight)
            return &gen_templates[i];
        r -= gen_templates[i].weight;
    }
    return &gen_templates[0];
}

static void gen_unit(Gen *g)
{
    GenUnit *u = &g->units[g->cur];
    for (int attempt = 0; attempt < 200; attempt++) {
        const GenTemplate *t = gen_pick_template(g);
        GenFlow flow = g->flow;
        GenFlow incoming[GEN_UNITS_MAX + GEN_JUMP_REACH + 1];
        memcpy(incoming, g->incoming, sizeof(incoming));
        memset(u, 0, sizeof(*u));
        u->falls_through = true;
        if (t->emit(g, t))
            return;
        g->flow = flow;
        memcpy(g->incoming, incoming, sizeof(incoming));
    }
    memset(u, 0, sizeof(*u));
    u->falls_through = true;
    gen_emit_bytes(g, (const uint8_t[]){0x90}, 1);
}

static void gen_init_state(Gen *g, DiffCase *c)
{
    DiffState *s = &c->init;
    for (unsigned r = DIFF_EAX; r <= DIFF_EBX; r++)
        s->regs[r] = gen_value(g);
    /* ESP a little below DIFF_STACK_TOP, usually 4-aligned. */
    s->regs[DIFF_ESP] = DIFF_STACK_TOP - 4 * gen_below(g, 128) - (gen_chance(g, 5) ? gen_below(g, 4) : 0);
    for (unsigned r = DIFF_EBP; r <= DIFF_EDI; r++) {
        bool ptr = gen_chance(g, 92);
        s->regs[r] = ptr ? DIFF_DATA_BASE + 0x800 + gen_below(g, DIFF_DATA_SIZE - 0x2000) : gen_value(g);
        g->flow.reg[r] = (GenRange){.known = ptr, .lo = s->regs[r], .hi = s->regs[r]};
    }
    g->flow.reg[DIFF_ESP] = (GenRange){.known = true, .lo = s->regs[DIFF_ESP], .hi = s->regs[DIFF_ESP]};
    s->eflags = ((uint32_t)gen_next(g) & DIFF_FLAGS_STATUS) | DIFF_FLAGS_FIXED;
    if (gen_chance(g, 20))
        s->eflags |= DIFF_DF;
    g->flow.df = (s->eflags & DIFF_DF) ? 1 : 0;
    g->flow.undef = 0;
    g->flow.reachable = true;
    s->exception = DIFF_EXC_NONE;
    s->fault_offset = 0;
    c->data_seed = gen_next(g);
    c->data_patched = false;
    diff_data_fill(s->data, c->data_seed);
}

/* Lays the units out, patches jumps, fills code and instruction tables.
 * False when a rel8 jump does not reach (the caller draws another case). */
static bool gen_layout(Gen *g, DiffCase *c)
{
    uint32_t off[GEN_UNITS_MAX + 1];
    off[0] = 0;
    for (unsigned k = 0; k < g->n_units; k++)
        off[k + 1] = off[k] + g->units[k].len;
    c->code_len = off[g->n_units];
    c->insn_count = 0;
    for (unsigned k = 0; k < g->n_units; k++) {
        GenUnit *u = &g->units[k];
        for (unsigned f = 0; f < u->n_fix; f++) {
            const GenFixup *fx = &u->fix[f];
            uint32_t to = off[fx->target >= g->n_units ? g->n_units : fx->target];
            int64_t rel = (int64_t)to - (int64_t)(off[k] + fx->from);
            if (fx->kind == GEN_FIX_REL8) {
                if (rel < -128 || rel > 127)
                    return false;
                u->bytes[fx->at] = (uint8_t)rel;
            } else {
                uint32_t v = fx->kind == GEN_FIX_REL32 ? (uint32_t)rel : DIFF_CODE_BASE + to;
                memcpy(u->bytes + fx->at, &v, 4);
            }
        }
        memcpy(c->code + off[k], u->bytes, u->len);
        for (unsigned i = 0; i < u->n_insn; i++) {
            c->insn_offset[c->insn_count] = (uint16_t)(off[k] + u->insn_off[i]);
            c->insn_flags_mask[c->insn_count] = DIFF_FLAGS_COMPARED & ~u->insn_undef[i];
            c->insn_count++;
        }
    }
    return true;
}

void diff_gen_random(uint64_t seed, uint32_t index, DiffCase *c)
{
    Gen g;
    for (uint32_t attempt = 0;; attempt++) {
        memset(&g, 0, sizeof(g));
        gen_seed(&g, seed, index, attempt);
        c->seed = seed;
        c->index = index;
        c->name = NULL;
        gen_init_state(&g, c);
        g.n_units = 1 + gen_below(&g, GEN_UNITS_MAX);
        for (g.cur = 0; g.cur < g.n_units; g.cur++) {
            if (g.cur > 0 && !g.units[g.cur - 1].falls_through) {
                /* Only jumps reach this unit, if any does. */
                g.flow.reachable = false;
            }
            gen_flow_join(&g.flow, &g.incoming[g.cur]);
            gen_unit(&g);
        }
        GenFlow end = g.flow;
        if (!g.units[g.n_units - 1].falls_through)
            end.reachable = false;
        for (unsigned t = g.n_units; t < GEN_UNITS_MAX + GEN_JUMP_REACH + 1; t++)
            gen_flow_join(&end, &g.incoming[t]);
        c->flags_mask = DIFF_FLAGS_COMPARED & ~end.undef;
        if (gen_layout(&g, c))
            return;
    }
}

void diff_gen_case(uint64_t seed, uint32_t index, DiffCase *c)
{
    if (index < diff_targeted_count())
        diff_targeted_build(seed, index, c);
    else
        diff_gen_random(seed, index, c);
}

size_t diff_gen_template_count(void)
{
    return gen_template_total;
}

const char *diff_gen_template_name(size_t i)
{
    return i < gen_template_total ? gen_templates[i].name : NULL;
}
