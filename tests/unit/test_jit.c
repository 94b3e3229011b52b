/* Differential test of the native x86-64 backend against the IR
 * interpreter, at the IR level, with a fake guest: a few 32/64-bit globals,
 * a scratch area for ld_env/st_env, a soft TLB (mmu/tlb.h) over 64 KiB of
 * guest RAM with mapped, read-only, code-flagged and unmapped pages, and
 * helpers of every shape. Each block runs natively on one copy of the state
 * and in the interpreter on another; everything must agree. Also the
 * engine-side behaviour only native code has: the entry budget check,
 * goto_tb chaining and unlinking, the insn_start stale check, lookup_tb
 * through the jump cache. JITPC_JIT_CASES raises the random case count. */
#include <criterion/criterion.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmu/tlb.h"
#include "translate/exec.h"
#include "translate/tb.h"

#define RAM_SIZE 0x10000u
#define NG32 6
#define NG64 4
#define SCRATCH 256
#define NDUMP 40

typedef struct FakeEnv {
    /* compared between the backends: from here ... */
    uint32_t g32[NG32];             /* g32[0] is the pc global */
    uint64_t g64[NG64];
    uint8_t scratch[SCRATCH];       /* ld_env / st_env target */
    uint64_t dump[NDUMP];           /* locals written at block end */
    uint64_t helper_acc, helper_calls;
    /* ... to here */
    uint64_t insns_retired;
    uint64_t insn_limit;
    uint64_t slow_loads, slow_stores;   /* differ by design: the interpreter always goes slow */
    uint32_t stale_addr;            /* a slow store here invalidates [stale_phys, +1) */
    uint64_t stale_phys;
    bool stale_armed;
    ExecEngine *eng;
    uint8_t *ram;
    Tlb tlb;
} FakeEnv;

#define CMP_END offsetof(FakeEnv, insns_retired)

/* ---- the fake guest ---- */

static uint64_t fake_load(void *env, uint64_t addr, unsigned memop)
{
    FakeEnv *f = env;
    unsigned size = memop & IR_MEM_SIZE_MASK;
    uint64_t v = 0;
    f->slow_loads++;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)f->ram[(addr + i) & (RAM_SIZE - 1)] << (8 * i);
    if ((memop & IR_MEM_SIGN) && size < 8) {
        unsigned sh = 64 - 8 * size;
        v = (uint64_t)((int64_t)(v << sh) >> sh);
    }
    return v;
}

static void fake_store(void *env, uint64_t addr, uint64_t val, unsigned memop)
{
    FakeEnv *f = env;
    unsigned size = memop & IR_MEM_SIZE_MASK;
    f->slow_stores++;
    for (unsigned i = 0; i < size; i++)
        f->ram[(addr + i) & (RAM_SIZE - 1)] = (uint8_t)(val >> (8 * i));
    if (f->stale_armed && (uint32_t)addr == f->stale_addr)
        tb_invalidate_range(&f->eng->cache, f->stale_phys, 1);
}

static uint64_t h_mix4(void *env, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    (void)env;
    return (a0 * 0x9E3779B97F4A7C15ull) ^ ((a1 << 13) | (a1 >> 51)) ^ (a2 - a3 * 7);
}

static uint64_t h_side(void *env, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    FakeEnv *f = env;
    (void)a2, (void)a3;
    f->helper_acc = f->helper_acc * 31 + a0 + (a1 << 1);
    f->helper_calls++;
    f->g32[2] += 3;                 /* helpers see and change globals in place */
    return f->helper_acc;
}

static uint64_t h_void(void *env, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    FakeEnv *f = env;
    (void)a1, (void)a2, (void)a3;
    f->helper_acc ^= a0 * 5;
    f->helper_calls++;
    if (f->stale_armed && a0 == f->stale_addr)
        tb_invalidate_range(&f->eng->cache, f->stale_phys, 1);
    return 0xdeadbeef;
}

static uint64_t h_noarg(void *env, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    FakeEnv *f = env;
    (void)a0, (void)a1, (void)a2, (void)a3;
    f->helper_calls++;
    return f->helper_calls * 0x10001 + f->g64[1];
}

static uint64_t h_sub3(void *env, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    (void)env, (void)a3;
    return a0 - a1 * 3 + (a2 << 5);
}

enum { H_MIX4, H_SIDE, H_VOID, H_NOARG, H_SUB3, NHELPERS };

static const IrHelperDef fake_helpers[NHELPERS] = {
    [H_MIX4] = {"mix4", h_mix4, 4, 1, IR_HELPER_PURE},
    [H_SIDE] = {"side", h_side, 2, 1, IR_HELPER_FAULTS},
    [H_VOID] = {"void", h_void, 1, 0, 0},
    [H_NOARG] = {"noarg", h_noarg, 0, 1, 0},
    [H_SUB3] = {"sub3", h_sub3, 3, 1, IR_HELPER_PURE},
};

static const IrGlobalDef fake_globals[NG32 + NG64] = {
    {"pc", offsetof(FakeEnv, g32[0]), IR_I32}, {"r1", offsetof(FakeEnv, g32[1]), IR_I32},
    {"r2", offsetof(FakeEnv, g32[2]), IR_I32}, {"r3", offsetof(FakeEnv, g32[3]), IR_I32},
    {"r4", offsetof(FakeEnv, g32[4]), IR_I32}, {"r5", offsetof(FakeEnv, g32[5]), IR_I32},
    {"q0", offsetof(FakeEnv, g64[0]), IR_I64}, {"q1", offsetof(FakeEnv, g64[1]), IR_I64},
    {"q2", offsetof(FakeEnv, g64[2]), IR_I64}, {"q3", offsetof(FakeEnv, g64[3]), IR_I64},
};

static const IrGuest fake_guest = {
    .globals = fake_globals,
    .nglobals = NG32 + NG64,
    .helpers = fake_helpers,
    .nhelpers = NHELPERS,
    .mem_load = fake_load,
    .mem_store = fake_store,
};

static unsigned fake_tlb_kind(uint32_t flags)
{
    return flags & 1;
}

static IrTemp g32(unsigned i) { return ir_global(i); }
static IrTemp g64(unsigned i) { return ir_global(NG32 + i); }

/* ---- random numbers (xorshift64*) ---- */

typedef struct Rng {
    uint64_t s;
} Rng;

static uint64_t rnd(Rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545F4914F6CDD1Dull;
}

static unsigned rn(Rng *r, unsigned n)
{
    return (unsigned)(rnd(r) % n);
}

/* ---- the rig: an engine, a native-side state A and an interpreter-side state B ---- */

/* The engine's fields are reached from env with 32-bit offsets
 * (ExecLayout.cur_tb, cur_op, jump_cache): keep them in one allocation. */
typedef struct RigMem {
    FakeEnv a;
    ExecEngine e;
} RigMem;

typedef struct Rig {
    RigMem *mem;
    ExecEngine *e;
    FakeEnv *a, *b;
    uint8_t *ram_a, *ram_b;
    uint8_t *snap_ram;
    FakeEnv *snap;
} Rig;

static void tlb_fill(FakeEnv *f)
{
    tlb_init(&f->tlb);
    for (unsigned k = 0; k < TLB_KINDS; k++)
        for (uint32_t p = 0; p < RAM_SIZE >> TLB_PAGE_BITS; p++) {
            uint32_t rf = p >= 14 ? TLB_INVALID : 0;
            uint32_t wf = p == 12 ? TLB_MMIO : p == 13 ? TLB_CODE : p >= 14 ? TLB_INVALID : 0;
            if (k == 1 && p == 5)
                rf = wf = TLB_INVALID;      /* kind 1 (user) has no page 5 */
            tlb_set(&f->tlb, k, p << TLB_PAGE_BITS, rf, wf, 0, false, (uintptr_t)f->ram, p << TLB_PAGE_BITS);
        }
}

static Rig *rig_new(uint64_t seed)
{
    Rig *r = calloc(1, sizeof(*r));
    cr_assert(r);
    r->mem = calloc(1, sizeof(*r->mem));
    cr_assert(r->mem);
    r->e = &r->mem->e;
    r->a = &r->mem->a;
    r->b = calloc(1, sizeof(*r->b));
    r->snap = calloc(1, sizeof(*r->snap));
    r->ram_a = malloc(RAM_SIZE);
    r->ram_b = malloc(RAM_SIZE);
    r->snap_ram = malloc(RAM_SIZE);
    cr_assert(r->e && r->a && r->b && r->snap && r->ram_a && r->ram_b && r->snap_ram);
    Rng g = {seed | 1};
    for (unsigned i = 0; i < RAM_SIZE; i += 8) {
        uint64_t v = rnd(&g);
        memcpy(r->ram_a + i, &v, 8);
    }
    memcpy(r->ram_b, r->ram_a, RAM_SIZE);
    r->a->ram = r->ram_a;
    r->a->eng = r->e;
    r->a->insn_limit = UINT64_MAX;
    tlb_fill(r->a);
    exec_engine_init(r->e, &fake_guest, 1024);
    ExecLayout l = {
        .pc = offsetof(FakeEnv, g32[0]),
        .insns_retired = offsetof(FakeEnv, insns_retired),
        .insn_limit = offsetof(FakeEnv, insn_limit),
        .tlb_table = {offsetof(FakeEnv, tlb.e[0]), offsetof(FakeEnv, tlb.e[1])},
        .tlb_entry_size = sizeof(TlbEntry),
        .tlb_entries = TLB_ENTRIES,
        .tlb_page_bits = TLB_PAGE_BITS,
        .tlb_tag = {offsetof(TlbEntry, tag[TLB_READ]), offsetof(TlbEntry, tag[TLB_WRITE])},
        .tlb_addend = offsetof(TlbEntry, addend),
        .tlb_kind = fake_tlb_kind,
    };
    exec_engine_set_layout(r->e, &l, r->a);
    char why[128] = "";
    bool ok = exec_engine_set_backend(r->e, EXEC_JIT, 4u << 20, false, why, sizeof(why));
    cr_assert(ok, "no native backend: %s", why);
    return r;
}

static void rig_free(Rig *r)
{
    exec_engine_destroy(r->e);
    free(r->mem);
    free(r->b);
    free(r->snap);
    free(r->ram_a);
    free(r->ram_b);
    free(r->snap_ram);
    free(r);
}

/* B gets A's compared state; RAM is kept equal by the comparisons. */
static void rig_sync(Rig *r)
{
    memcpy(r->b, r->a, sizeof(*r->a));
    r->b->ram = r->ram_b;
}

static TbKey key_at(uint32_t pc, uint32_t flags)
{
    return (TbKey){.phys_pc = pc, .pc = pc, .cs_base = 0, .flags = flags};
}

/* Commit and compile; NULL (block freed) when the code cache is full and
 * was flushed: build it again. */
static TranslationBlock *rig_commit(Rig *r, TranslationBlock *tb)
{
    char why[160] = "";
    tb->size = tb->ir.ninsns ? 4 * tb->ir.ninsns : 1;
    bool ok = tb_commit(&r->e->cache, tb, why, sizeof(why));
    cr_assert(ok, "IR does not verify: %s", why);
    if (!exec_compile(r->e, tb, r->a)) {
        tb_flush(&r->e->cache);
        exec_collect(r->e);
        return NULL;
    }
    cr_assert(tb->code, "the native backend refused the block");
    return tb;
}

static void rig_kill(Rig *r, TranslationBlock *tb)
{
    tb_invalidate_page(&r->e->cache, tb->key.phys_pc);
    exec_collect(r->e);
}

typedef struct Outcome {
    uint64_t rc_native, rc_interp;
    char diff[256];
} Outcome;

/* Run tb natively on A and interpreted on B; false with `diff` filled on
 * any difference. */
static bool run_both(Rig *r, TranslationBlock *tb, Outcome *o)
{
    rig_sync(r);
    r->a->insn_limit = UINT64_MAX;
    uint64_t before = r->a->insns_retired;
    TranslationBlock *last = NULL;
    o->diff[0] = 0;
    o->rc_native = exec_native(r->e, tb, r->a, &last);
    o->rc_interp = interp_exec(r->e, tb, r->b);
    r->e->cur_tb = NULL;
    if (o->rc_native != o->rc_interp) {
        snprintf(o->diff, sizeof(o->diff), "exit code: native %llu, interp %llu", (unsigned long long)o->rc_native,
                 (unsigned long long)o->rc_interp);
        return false;
    }
    if (last != tb) {
        snprintf(o->diff, sizeof(o->diff), "last block %p, want %p", (void *)last, (void *)tb);
        return false;
    }
    uint64_t want = before + (o->rc_native == TB_EXIT_STALE ? 0 : tb->icount);
    if (r->a->insns_retired != want) {
        snprintf(o->diff, sizeof(o->diff), "insns_retired %llu, want %llu", (unsigned long long)r->a->insns_retired,
                 (unsigned long long)want);
        return false;
    }
    const uint8_t *pa = (const uint8_t *)r->a, *pb = (const uint8_t *)r->b;
    for (size_t i = 0; i < CMP_END; i++)
        if (pa[i] != pb[i]) {
            const char *what = i < offsetof(FakeEnv, g64)       ? "g32"
                               : i < offsetof(FakeEnv, scratch) ? "g64"
                               : i < offsetof(FakeEnv, dump)    ? "scratch"
                               : i < offsetof(FakeEnv, helper_acc) ? "dump"
                                                                   : "helper state";
            snprintf(o->diff, sizeof(o->diff), "env byte %zu (%s): native %02x, interp %02x", i, what, pa[i], pb[i]);
            return false;
        }
    if (memcmp(r->ram_a, r->ram_b, RAM_SIZE)) {
        for (size_t i = 0; i < RAM_SIZE; i++)
            if (r->ram_a[i] != r->ram_b[i]) {
                snprintf(o->diff, sizeof(o->diff), "RAM byte 0x%zx: native %02x, interp %02x", i, r->ram_a[i],
                         r->ram_b[i]);
                break;
            }
        return false;
    }
    return true;
}

/* ---- random blocks ---- */

typedef struct Gen {
    IrBlock *b;
    Rng *r;
    IrTemp loc[2][64];
    unsigned nloc[2];
    unsigned nbase[2];              /* locals initialised at block start (dumped at the end) */
    bool calls, mem;
    unsigned depth;
    uint32_t pc;
} Gen;

static const uint64_t edge32[] = {0,      1,          2,          0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, 0x80000001,
                                  31,     32,         33,         63,         64,         0x7F,       0x80,
                                  0xFF,   0x8000,     0xFFFF,     0x12345678, 0xFFFFFFFE, 0xFFFF8000};
static const uint64_t edge64[] = {0,
                                  1,
                                  UINT64_MAX,
                                  0x8000000000000000ull,
                                  0x7FFFFFFFFFFFFFFFull,
                                  0x80000000,
                                  0xFFFFFFFF,
                                  0x100000000ull,
                                  0x7FFFFFFF,
                                  0xFFFFFFFF80000000ull,
                                  0x123456789ABCDEF0ull,
                                  31,
                                  32,
                                  63,
                                  64,
                                  65,
                                  0xFF,
                                  0x8000,
                                  0xFFFFFFFF00000000ull,
                                  0x00000000FFFF0000ull};
#define NEDGE32 (sizeof(edge32) / sizeof(edge32[0]))
#define NEDGE64 (sizeof(edge64) / sizeof(edge64[0]))

static uint64_t rand_value(Rng *r, IrType t)
{
    switch (rn(r, 4)) {
    case 0:
        return rnd(r) & (t == IR_I32 ? 0xFFFFFFFFu : UINT64_MAX);
    case 1:
        return rn(r, 70);
    default:
        return t == IR_I32 ? edge32[rn(r, NEDGE32)] : edge64[rn(r, NEDGE64)];
    }
}

static IrTemp pick_src(Gen *g, IrType t)
{
    unsigned k = rn(g->r, 10);
    if (k < 2)
        return ir_const(g->b, t, rand_value(g->r, t));
    if (k < 4)
        return t == IR_I32 ? g32(rn(g->r, NG32)) : g64(rn(g->r, NG64));
    return g->loc[t][rn(g->r, g->nloc[t])];
}

static IrTemp pick_dst(Gen *g, IrType t)
{
    if (rn(g->r, 6) == 0)
        return t == IR_I32 ? g32(rn(g->r, NG32)) : g64(rn(g->r, NG64));
    return g->loc[t][rn(g->r, g->nloc[t])];
}

static IrType rtype(Gen *g)
{
    return rn(g->r, 2) ? IR_I64 : IR_I32;
}

static uint32_t rand_addr(Rng *r)
{
    switch (rn(r, 7)) {
    case 0: return rn(r, RAM_SIZE);
    case 1: return (rn(r, 16) + 1) * 0x1000u - 1 - rn(r, 7);         /* crosses a page */
    case 2: return rn(r, 12) * 0x1000u + (rn(r, 0x1000) & ~7u);      /* mapped, aligned */
    case 3: return (uint32_t)rnd(r);
    case 4: return 0xFFFFFFFFu - rn(r, 8);                           /* wraps */
    case 5: return RAM_SIZE - 1 - rn(r, 8);
    default: return rn(r, 12) * 0x1000u + rn(r, 0x1000);
    }
}

/* An address temp: a constant, a local or a global set just before, or an
 * I64 local holding a zero-extended 32-bit address. */
static IrTemp pick_addr(Gen *g)
{
    uint32_t v = rand_addr(g->r);
    switch (rn(g->r, 5)) {
    case 0:
        return ir_const(g->b, IR_I32, v);
    case 1: {
        IrTemp t = g32(1 + rn(g->r, NG32 - 1));
        ir_movi(g->b, IR_I32, t, v);
        return t;
    }
    case 2: {
        IrTemp t = g->loc[IR_I64][rn(g->r, g->nloc[IR_I64])];
        ir_movi(g->b, IR_I64, t, v);
        return t;
    }
    default: {
        IrTemp t = g->loc[IR_I32][rn(g->r, g->nloc[IR_I32])];
        ir_movi(g->b, IR_I32, t, v);
        return t;
    }
    }
}

static void gen_ops(Gen *g, unsigned n);

static void gen_insn_start(Gen *g)
{
    ir_insn_start(g->b, g->pc, 4, -1);
    g->pc += 4;
}

static void gen_op(Gen *g)
{
    IrBlock *b = g->b;
    Rng *r = g->r;
    IrType t = rtype(g);
    unsigned bits = t == IR_I32 ? 32 : 64;
    static const IrOpcode binops[] = {IR_add, IR_sub, IR_mul, IR_and, IR_or,  IR_xor,
                                      IR_shl, IR_shr, IR_sar, IR_rotl, IR_rotr};
    static const IrOpcode unops[] = {IR_neg, IR_not, IR_ext8s, IR_ext8u, IR_ext16s, IR_ext16u};
    unsigned k = rn(r, 100);
    if (k < 28) {
        ir_binop(b, binops[rn(r, 11)], t, pick_dst(g, t), pick_src(g, t), pick_src(g, t));
    } else if (k < 34) {
        ir_unop(b, unops[rn(r, 6)], t, pick_dst(g, t), pick_src(g, t));
    } else if (k < 38) {
        if (rn(r, 2))
            ir_mov(b, t, pick_dst(g, t), pick_src(g, t));
        else
            ir_movi(b, t, pick_dst(g, t), rand_value(r, t));
    } else if (k < 41) {
        unsigned which = rn(r, 3);
        if (which == 2)
            ir_unop(b, IR_trunc32, IR_I32, pick_dst(g, IR_I32), pick_src(g, IR_I64));
        else
            ir_unop(b, which ? IR_ext32s : IR_ext32u, IR_I64, pick_dst(g, IR_I64), pick_src(g, IR_I32));
    } else if (k < 44) {
        IrTemp lo = pick_dst(g, t), hi = pick_dst(g, t);
        if (lo == hi && rn(r, 4))
            hi = g->loc[t][(rn(r, g->nloc[t]))];
        ir_mul2(b, rn(r, 2) ? IR_mulu2 : IR_muls2, t, lo, hi, pick_src(g, t), pick_src(g, t));
    } else if (k < 48) {
        unsigned len = 1 + rn(r, bits), pos = rn(r, bits - len + 1);
        if (rn(r, 2))
            ir_deposit(b, t, pick_dst(g, t), pick_src(g, t), pick_src(g, t), pos, len);
        else
            ir_extract(b, t, pick_dst(g, t), pick_src(g, t), pos, len);
    } else if (k < 53) {
        IrCond c = (IrCond)rn(r, IR_COND_COUNT);
        if (rn(r, 2))
            ir_setcond(b, t, c, pick_dst(g, t), pick_src(g, t), pick_src(g, t));
        else
            ir_movcond(b, t, c, pick_dst(g, t), pick_src(g, t), pick_src(g, t), pick_src(g, t), pick_src(g, t));
    } else if (k < 58) {
        static const unsigned sizes[] = {1, 2, 4, 8};
        unsigned size = sizes[rn(r, t == IR_I64 ? 4 : 3)];
        uint32_t off = rn(r, (unsigned)(CMP_END - size + 1));
        if (rn(r, 2))
            ir_ld_env(b, t, pick_dst(g, t), off, size);
        else
            ir_st_env(b, t, pick_src(g, t), off, size);
    } else if (k < 72 && g->mem) {
        static const unsigned sizes[] = {1, 2, 4, 8};
        unsigned size = sizes[rn(r, t == IR_I64 ? 4 : 3)];
        IrTemp addr = pick_addr(g);
        if (rn(r, 2))
            ir_qld(b, t, pick_dst(g, t), addr, size | (rn(r, 2) ? IR_MEM_SIGN : 0));
        else
            ir_qst(b, t, pick_src(g, t), addr, size);
    } else if (k < 80 && g->calls) {
        unsigned h = rn(r, NHELPERS);
        IrTemp args[4];
        for (unsigned i = 0; i < fake_helpers[h].nargs; i++)
            args[i] = pick_src(g, rtype(g));
        IrTemp ret = fake_helpers[h].has_ret ? pick_dst(g, rtype(g)) : IR_NO_TEMP;
        ir_call(b, h, ret, args, fake_helpers[h].nargs);
    } else if (k < 84) {
        /* a short-lived local, visible only in this scope */
        if (g->nloc[t] < 64) {
            IrTemp x = ir_new_temp(b, t);
            ir_binop(b, binops[rn(r, 11)], t, x, pick_src(g, t), pick_src(g, t));
            g->loc[t][g->nloc[t]++] = x;
        }
    } else if (k < 88) {
        gen_insn_start(g);
    } else if (k < 93 && g->depth < 3) {
        /* if (cond) { then } else { else } */
        unsigned l_else = ir_new_label(b), l_end = ir_new_label(b);
        ir_brcond(b, t, (IrCond)rn(r, IR_COND_COUNT), pick_src(g, t), pick_src(g, t), l_else);
        unsigned saved[2] = {g->nloc[0], g->nloc[1]};
        g->depth++;
        gen_ops(g, 1 + rn(r, 6));
        g->nloc[0] = saved[0], g->nloc[1] = saved[1];
        if (rn(r, 3)) {
            ir_br(b, l_end);
            ir_set_label(b, l_else);
            gen_ops(g, 1 + rn(r, 6));
            g->nloc[0] = saved[0], g->nloc[1] = saved[1];
        } else {
            ir_set_label(b, l_else);
        }
        g->depth--;
        ir_set_label(b, l_end);
    } else if (k < 95) {
        /* an early exit */
        unsigned l = ir_new_label(b);
        ir_brcond(b, t, (IrCond)rn(r, IR_COND_COUNT), pick_src(g, t), pick_src(g, t), l);
        ir_exit_tb(b, 8 + rn(r, 4));
        ir_set_label(b, l);
    } else {
        ir_binop(b, binops[rn(r, 11)], t, pick_dst(g, t), pick_src(g, t), pick_src(g, t));
    }
}

static void gen_ops(Gen *g, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        gen_op(g);
}

static TranslationBlock *gen_block(uint64_t seed)
{
    Rng r = {seed * 0x9E3779B97F4A7C15ull + 12345};
    rnd(&r);
    TbKey key = key_at(0x50000, (uint32_t)rn(&r, 2));
    TranslationBlock *tb = tb_alloc(&key, &fake_guest);
    Gen g = {.b = &tb->ir, .r = &r, .pc = 0x50000};
    g.calls = rn(&r, 2);
    g.mem = rn(&r, 4) != 0;
    /* mostly more live locals than registers */
    unsigned shape = rn(&r, 4);
    g.nloc[IR_I32] = shape == 0 ? 1 + rn(&r, 3) : 2 + rn(&r, 18);
    g.nloc[IR_I64] = shape == 0 ? 1 + rn(&r, 3) : 2 + rn(&r, 18);
    gen_insn_start(&g);
    for (unsigned t = 0; t < 2; t++) {
        g.nbase[t] = g.nloc[t];
        for (unsigned i = 0; i < g.nloc[t]; i++) {
            g.loc[t][i] = ir_new_temp(g.b, (IrType)t);
            if (rn(&r, 4))
                ir_movi(g.b, (IrType)t, g.loc[t][i], rand_value(&r, (IrType)t));
            else
                ir_mov(g.b, (IrType)t, g.loc[t][i], t == IR_I32 ? g32(rn(&r, NG32)) : g64(rn(&r, NG64)));
        }
    }
    gen_ops(&g, 5 + rn(&r, 60));
    /* every initial local is live to the end */
    unsigned d = 0;
    for (unsigned t = 0; t < 2; t++)
        for (unsigned i = 0; i < g.nbase[t] && d < NDUMP; i++, d++)
            ir_st_env(g.b, (IrType)t, g.loc[t][i], (uint32_t)(offsetof(FakeEnv, dump) + 8 * d), t ? 8 : 4);
    switch (rn(&r, 10)) {
    case 0: ir_goto_tb(g.b, 0); break;
    case 1: ir_goto_tb(g.b, 1); break;
    case 2: ir_lookup_tb(g.b); break;
    default: ir_exit_tb(g.b, rn(&r, 4)); break;
    }
    return tb;
}

/* ---- shrinking a failing block to a small reproducer ---- */

/* A copy of `src`'s IR without op `skip` (UINT32_MAX: none), uncommitted. */
static TranslationBlock *clone_without(const TranslationBlock *src, unsigned skip)
{
    /* another physical page: killing a clone must not kill the original */
    TbKey key = src->key;
    key.phys_pc = 0x58000;
    TranslationBlock *tb = tb_alloc(&key, &fake_guest);
    IrBlock *b = &tb->ir;
    const IrBlock *s = &src->ir;
    for (unsigned t = fake_guest.nglobals; t < s->ntemps; t++) {
        if (s->temps[t].kind == IR_TEMP_CONST) {
            /* keep the numbering: a fresh constant slot */
            IrTemp x = ir_new_temp(b, (IrType)s->temps[t].type);
            b->temps[x].kind = IR_TEMP_CONST;
            b->temps[x].value = s->temps[t].value;
        } else {
            ir_new_temp(b, (IrType)s->temps[t].type);
        }
    }
    while (b->nlabels < s->nlabels)
        ir_new_label(b);
    for (unsigned i = 0; i < s->nops; i++) {
        if (i == skip)
            continue;
        const IrOp *op = &s->ops[i];
        ir_emit(b, (IrOpcode)op->opc, (IrType)op->type, op->args, op->nout, op->args + op->nout, op->nin,
                op->args + op->nout + op->nin, op->nconst);
    }
    return tb;
}

static void snapshot(Rig *r)
{
    memcpy(r->snap, r->a, sizeof(*r->a));
    memcpy(r->snap_ram, r->ram_a, RAM_SIZE);
}

static void restore(Rig *r)
{
    memcpy(r->a, r->snap, sizeof(*r->a));
    memcpy(r->ram_a, r->snap_ram, RAM_SIZE);
    memcpy(r->ram_b, r->snap_ram, RAM_SIZE);
}

/* Whether some local is read before any op (in program order) wrote it:
 * such a block has no defined result, so the shrinker must not make one. */
static bool reads_uninit(const IrBlock *b)
{
    uint8_t *written = calloc(b->ntemps, 1);
    bool bad = false;
    cr_assert(written);
    for (unsigned i = 0; i < b->nops && !bad; i++) {
        const IrOp *op = &b->ops[i];
        for (unsigned k = op->nout; k < (unsigned)op->nout + op->nin; k++)
            if (b->temps[op->args[k]].kind == IR_TEMP_LOCAL && !written[op->args[k]])
                bad = true;
        for (unsigned k = 0; k < op->nout; k++)
            written[op->args[k]] = 1;
    }
    free(written);
    return bad;
}

/* Does this IR still show a difference from the snapshot state? */
static bool still_fails(Rig *r, const TranslationBlock *src, unsigned skip)
{
    TranslationBlock *tb = clone_without(src, skip);
    char why[160];
    if (reads_uninit(&tb->ir) || !ir_verify(&tb->ir, why, sizeof(why))) {
        tb_free(tb);
        return false;
    }
    tb = rig_commit(r, tb);
    if (!tb)
        return false;
    restore(r);
    Outcome o;
    bool ok = run_both(r, tb, &o);
    rig_kill(r, tb);
    return !ok;
}

/* Greedy delta: drop ops while the difference stays; dump the result. */
static void shrink_and_report(Rig *r, TranslationBlock *failing)
{
    TranslationBlock *cur = clone_without(failing, UINT32_MAX);
    for (bool progress = true; progress;) {
        progress = false;
        for (unsigned i = cur->ir.nops; i-- > 0;) {
            if (cur->ir.ops[i].opc == IR_set_label || i + 1 == cur->ir.nops)
                continue;
            /* keep the movi that gives an I64 address local a 32-bit value
             * (see i64_address_with_high_bits) */
            const IrOp *nx = &cur->ir.ops[i + 1];
            if (cur->ir.ops[i].opc == IR_movi && (nx->opc == IR_qld || nx->opc == IR_qst) &&
                nx->args[1] == cur->ir.ops[i].args[0])
                continue;
            if (still_fails(r, cur, i)) {
                TranslationBlock *n = clone_without(cur, i);
                tb_free(cur);
                cur = n;
                progress = true;
            }
        }
    }
    TranslationBlock *tb = rig_commit(r, clone_without(cur, UINT32_MAX));
    restore(r);
    Outcome o;
    if (tb && !run_both(r, tb, &o)) {
        fprintf(stderr, "minimal reproducer (%s; flags %u):\n", o.diff, tb->key.flags);
        ir_dump(&tb->ir, stderr);
        fprintf(stderr, "initial globals:");
        for (unsigned i = 0; i < NG32; i++)
            fprintf(stderr, " r%u=%#x", i, r->snap->g32[i]);
        for (unsigned i = 0; i < NG64; i++)
            fprintf(stderr, " q%u=%#llx", i, (unsigned long long)r->snap->g64[i]);
        fprintf(stderr, "\n");
        exec_disas_host(tb, stderr);
    }
    if (tb)
        rig_kill(r, tb);
    tb_free(cur);
}

static void randomize_globals(Rig *r, Rng *g)
{
    for (unsigned i = 0; i < NG32; i++)
        r->a->g32[i] = (uint32_t)rand_value(g, IR_I32);
    for (unsigned i = 0; i < NG64; i++)
        r->a->g64[i] = rand_value(g, IR_I64);
    for (unsigned i = 0; i < SCRATCH; i += 8) {
        uint64_t v = rnd(g);
        memcpy(r->a->scratch + i, &v, 8);
    }
}

static unsigned case_count(void)
{
    const char *s = getenv("JITPC_JIT_CASES");
    if (s && *s)
        return (unsigned)strtoul(s, NULL, 0);
    return 20000;
}

Test(jit, random_blocks_match_interpreter, .timeout = 300)
{
    Rig *r = rig_new(1);
    Rng g = {0xC0FFEE};
    unsigned n = case_count(), bad = 0;
    const char *seed_env = getenv("JITPC_JIT_SEED");
    uint64_t seed0 = seed_env ? strtoull(seed_env, NULL, 0) : 0;
    for (unsigned i = 0; i < n && bad < 3; i++) {
        uint64_t seed = seed0 + i;
        if (i % 64 == 0)
            randomize_globals(r, &g);
        TranslationBlock *tb = rig_commit(r, gen_block(seed));
        if (!tb)
            tb = rig_commit(r, gen_block(seed));
        cr_assert(tb);
        snapshot(r);
        Outcome o;
        if (!run_both(r, tb, &o)) {
            bad++;
            cr_log_error("case %u (seed %llu): %s", i, (unsigned long long)seed, o.diff);
            fprintf(stderr, "case %u (seed %llu): %s\n", i, (unsigned long long)seed, o.diff);
            shrink_and_report(r, tb);
            restore(r);
            memcpy(r->ram_b, r->ram_a, RAM_SIZE);
        }
        rig_kill(r, tb);
    }
    cr_expect_eq(bad, 0, "%u random blocks differ (reproducers on stderr)", bad);
    rig_free(r);
}

/* ---- each op alone over edge values ---- */

typedef enum OpShape { SH_LOCALS, SH_CONSTS, SH_GLOBALS, SH_INPLACE, SH_COUNT } OpShape;

/* One block: op(x, y) for every edge pair, each result stored to RAM. */
static void edge_block(Rig *r, IrOpcode opc, IrType t, OpShape sh, unsigned variant)
{
    const uint64_t *edge = t == IR_I32 ? edge32 : edge64;
    unsigned ne = t == IR_I32 ? NEDGE32 : NEDGE64, bits = t == IR_I32 ? 32 : 64;
    TbKey key = key_at(0x60000, 0);
    TranslationBlock *tb = tb_alloc(&key, &fake_guest);
    IrBlock *b = &tb->ir;
    ir_insn_start(b, 0x60000, 4, -1);
    IrTemp l1 = ir_new_temp(b, t), l2 = ir_new_temp(b, t), l3 = ir_new_temp(b, t), l4 = ir_new_temp(b, t);
    IrTemp gx = t == IR_I32 ? g32(1) : g64(0), gy = t == IR_I32 ? g32(2) : g64(1);
    IrTemp gd = t == IR_I32 ? g32(3) : g64(2);
    uint32_t addr = 0;
    for (unsigned i = 0; i < ne; i++)
        for (unsigned j = 0; j < ne; j++) {
            IrTemp x, y, d = l3, d2 = l4;
            switch (sh) {
            case SH_LOCALS:
                ir_movi(b, t, l1, edge[i]);
                ir_movi(b, t, l2, edge[j]);
                x = l1, y = l2;
                break;
            case SH_CONSTS:
                x = ir_const(b, t, edge[i]);
                y = ir_const(b, t, edge[j]);
                break;
            case SH_GLOBALS:
                ir_movi(b, t, gx, edge[i]);
                ir_movi(b, t, gy, edge[j]);
                x = gx, y = gy, d = gd, d2 = l4;
                break;
            default:
                ir_movi(b, t, l1, edge[i]);
                x = l1, y = ir_const(b, t, edge[j]), d = l1;
                break;
            }
            switch (opc) {
            case IR_mulu2:
            case IR_muls2:
                ir_mul2(b, opc, t, d, d2, x, y);
                break;
            case IR_neg: case IR_not: case IR_ext8s: case IR_ext8u: case IR_ext16s: case IR_ext16u: case IR_mov:
                if (j)
                    continue;
                ir_unop(b, opc, t, d, x);
                break;
            case IR_deposit: {
                unsigned len = 1 + (variant + j) % bits, pos = (variant * 7 + i) % (bits - len + 1);
                ir_deposit(b, t, d, x, y, pos, len);
                break;
            }
            case IR_extract: {
                unsigned len = 1 + (variant + j) % bits, pos = (variant * 5 + i * 3) % (bits - len + 1);
                ir_extract(b, t, d, x, pos, len);
                break;
            }
            case IR_setcond:
                ir_setcond(b, t, (IrCond)variant, d, x, y);
                break;
            case IR_movcond:
                ir_movcond(b, t, (IrCond)variant, d, x, y, sh == SH_CONSTS ? ir_const(b, t, 0x1111) : y,
                           sh == SH_LOCALS ? l1 : ir_const(b, t, 0x2222));
                break;
            case IR_brcond: {
                unsigned l = ir_new_label(b);
                ir_movi(b, t, d, 1);
                ir_brcond(b, t, (IrCond)variant, x, y, l);
                ir_movi(b, t, d, 2);
                ir_set_label(b, l);
                break;
            }
            default:
                ir_binop(b, opc, t, d, x, y);
                break;
            }
            ir_qst(b, t, d, ir_const(b, IR_I32, addr), t == IR_I32 ? 4 : 8);
            addr += 8;
            if (opc == IR_mulu2 || opc == IR_muls2) {
                ir_qst(b, t, d2, ir_const(b, IR_I32, addr), t == IR_I32 ? 4 : 8);
                addr += 8;
            }
        }
    ir_exit_tb(b, 0);
    tb = rig_commit(r, tb);
    if (!tb) {
        edge_block(r, opc, t, sh, variant);
        return;
    }
    Outcome o;
    r->a->slow_stores = 0;
    bool ok = run_both(r, tb, &o);
    if (!ok) {
        fprintf(stderr, "%s i%u shape %u variant %u: %s\n", ir_op_defs[opc].name, bits, sh, variant, o.diff);
        snapshot(r);
        /* the earliest differing store tells the pair */
        for (uint32_t a = 0; a < addr; a += 8)
            if (memcmp(r->ram_a + a, r->ram_b + a, 8)) {
                uint64_t va = 0, vb = 0;
                memcpy(&va, r->ram_a + a, bits / 8);
                memcpy(&vb, r->ram_b + a, bits / 8);
                fprintf(stderr, "  result slot %u: native %#llx interp %#llx\n", a / 8, (unsigned long long)va,
                        (unsigned long long)vb);
                break;
            }
        memcpy(r->ram_b, r->ram_a, RAM_SIZE);
    }
    cr_expect(ok, "%s i%u shape %u variant %u: %s", ir_op_defs[opc].name, bits, sh, variant, o.diff);
    cr_expect_eq(r->a->slow_stores, 0, "stores to page 0 must take the inline path");
    rig_kill(r, tb);
}

Test(jit, each_op_on_edge_values)
{
    Rig *r = rig_new(2);
    static const IrOpcode ops[] = {IR_add,   IR_sub,   IR_mul,    IR_mulu2,  IR_muls2,   IR_neg,     IR_and,
                                   IR_or,    IR_xor,   IR_not,    IR_shl,    IR_shr,     IR_sar,     IR_rotl,
                                   IR_rotr,  IR_ext8s, IR_ext8u,  IR_ext16s, IR_ext16u,  IR_deposit, IR_extract,
                                   IR_mov,   IR_setcond, IR_movcond, IR_brcond};
    for (unsigned o = 0; o < sizeof(ops) / sizeof(ops[0]); o++)
        for (unsigned t = 0; t < 2; t++)
            for (unsigned sh = 0; sh < SH_COUNT; sh++) {
                bool conds = ops[o] == IR_setcond || ops[o] == IR_movcond || ops[o] == IR_brcond;
                unsigned nv = conds ? IR_COND_COUNT : (ops[o] == IR_deposit || ops[o] == IR_extract) ? 3 : 1;
                for (unsigned v = 0; v < nv; v++)
                    edge_block(r, ops[o], (IrType)t, (OpShape)sh, v);
            }
    rig_free(r);
}

/* ext32s/ext32u/trunc32 and the env/memory ops at every size. */
Test(jit, conversions_and_memory_sizes)
{
    Rig *r = rig_new(3);
    TbKey key = key_at(0x61000, 0);
    TranslationBlock *tb = tb_alloc(&key, &fake_guest);
    IrBlock *b = &tb->ir;
    ir_insn_start(b, 0x61000, 4, -1);
    IrTemp s32 = ir_new_temp(b, IR_I32), s64 = ir_new_temp(b, IR_I64);
    IrTemp d32 = ir_new_temp(b, IR_I32), d64 = ir_new_temp(b, IR_I64);
    uint32_t out = 0x100;
    for (unsigned i = 0; i < NEDGE32; i++) {
        ir_movi(b, IR_I32, s32, edge32[i]);
        ir_unop(b, IR_ext32s, IR_I64, d64, s32);
        ir_qst(b, IR_I64, d64, ir_const(b, IR_I32, out), 8), out += 8;
        ir_unop(b, IR_ext32u, IR_I64, d64, s32);
        ir_qst(b, IR_I64, d64, ir_const(b, IR_I32, out), 8), out += 8;
        ir_unop(b, IR_ext32s, IR_I64, g64(3), ir_const(b, IR_I32, edge32[i]));
        ir_st_env(b, IR_I64, g64(3), (uint32_t)offsetof(FakeEnv, dump) + 8 * (i % NDUMP), 8);
    }
    for (unsigned i = 0; i < NEDGE64; i++) {
        ir_movi(b, IR_I64, s64, edge64[i]);
        ir_unop(b, IR_trunc32, IR_I32, d32, s64);
        ir_qst(b, IR_I32, d32, ir_const(b, IR_I32, out), 4), out += 8;
        /* every load and store size, both signs, inline and slow */
        static const uint32_t addrs[] = {0x2000, 0x2FFD, 0xC010, 0xD020, 0xE000, 0x5008, 0x4FFF};
        for (unsigned a = 0; a < sizeof(addrs) / sizeof(addrs[0]); a++)
            for (unsigned size = 1; size <= 8; size *= 2) {
                IrTemp at = ir_const(b, IR_I32, addrs[a] + i * 16);
                ir_qst(b, IR_I64, s64, at, size);
                ir_qld(b, IR_I64, d64, at, size | IR_MEM_SIGN);
                ir_qst(b, IR_I64, d64, ir_const(b, IR_I32, out), 8), out += 8;
                ir_qld(b, IR_I64, d64, at, size);
                ir_qst(b, IR_I64, d64, ir_const(b, IR_I32, out), 8), out += 8;
                if (size < 8) {
                    ir_qld(b, IR_I32, d32, at, size | IR_MEM_SIGN);
                    ir_qst(b, IR_I32, d32, ir_const(b, IR_I32, out), 4), out += 8;
                    ir_st_env(b, IR_I32, d32, (uint32_t)offsetof(FakeEnv, scratch) + i * 8, size);
                    ir_ld_env(b, IR_I32, d32, (uint32_t)offsetof(FakeEnv, scratch) + i * 8 + 1, size);
                    ir_qst(b, IR_I32, d32, ir_const(b, IR_I32, out), 4), out += 8;
                }
                ir_st_env(b, IR_I64, d64, (uint32_t)offsetof(FakeEnv, scratch) + i * 8 + 3, size);
                ir_ld_env(b, IR_I64, d64, (uint32_t)offsetof(FakeEnv, scratch) + i * 8, size);
                ir_qst(b, IR_I64, d64, ir_const(b, IR_I32, out), 8), out += 8;
            }
    }
    cr_assert_lt(out, 0x1000 * 12);
    ir_exit_tb(b, 1);
    tb = rig_commit(r, tb);
    cr_assert(tb);
    Outcome o;
    cr_expect(run_both(r, tb, &o), "%s", o.diff);
    rig_kill(r, tb);
    rig_free(r);
}

/* ---- engine behaviour of native code ---- */

static TranslationBlock *simple_block(Rig *r, uint32_t pc, uint32_t flags, unsigned ninsns, void (*exit)(IrBlock *))
{
    TbKey key = key_at(pc, flags);
    TranslationBlock *tb = tb_alloc(&key, &fake_guest);
    IrBlock *b = &tb->ir;
    for (unsigned i = 0; i < ninsns; i++) {
        ir_insn_start(b, pc + 4 * i, 4, -1);
        ir_binop(b, IR_add, IR_I32, g32(1), g32(1), ir_const(b, IR_I32, 1));
    }
    exit(b);
    return rig_commit(r, tb);
}

static void exit_goto0(IrBlock *b) { ir_goto_tb(b, 0); }
static void exit_goto1(IrBlock *b) { ir_goto_tb(b, 1); }
static void exit_code7(IrBlock *b) { ir_exit_tb(b, 7); }
static void exit_lookup(IrBlock *b) { ir_lookup_tb(b); }

Test(jit, budget_check_at_entry)
{
    Rig *r = rig_new(4);
    TranslationBlock *tb = simple_block(r, 0x1000, 0, 3, exit_code7);
    TranslationBlock *last = NULL;
    r->a->insns_retired = 100;
    r->a->insn_limit = 102;             /* 100 + 3 > 102: must not start */
    r->a->g32[1] = 5;
    cr_expect_eq(exec_native(r->e, tb, r->a, &last), TB_EXIT_BUDGET);
    cr_expect_eq(last, tb);
    cr_expect_eq(r->a->g32[1], 5);
    cr_expect_eq(r->a->insns_retired, 100);
    r->a->insn_limit = 103;             /* exactly enough */
    cr_expect_eq(exec_native(r->e, tb, r->a, &last), TB_EXIT_CODE + 7);
    cr_expect_eq(r->a->g32[1], 8);
    cr_expect_eq(r->a->insns_retired, 103);
    rig_free(r);
}

Test(jit, goto_tb_exits_and_last)
{
    Rig *r = rig_new(5);
    TranslationBlock *t0 = simple_block(r, 0x1000, 0, 1, exit_goto0);
    TranslationBlock *t1 = simple_block(r, 0x1100, 0, 2, exit_goto1);
    TranslationBlock *last = NULL;
    cr_expect_eq(exec_native(r->e, t0, r->a, &last), TB_EXIT_GOTO0);
    cr_expect_eq(last, t0);
    cr_expect_eq(exec_native(r->e, t1, r->a, &last), TB_EXIT_GOTO1);
    cr_expect_eq(last, t1);
    cr_expect_eq(r->a->insns_retired, 3);
    cr_expect_eq(r->a->g32[1], 3);
    cr_expect_null(r->e->cur_tb);
    rig_free(r);
}

Test(jit, chaining_and_unlinking)
{
    Rig *r = rig_new(6);
    TranslationBlock *a = simple_block(r, 0x1000, 1, 1, exit_goto0);
    TranslationBlock *bb = simple_block(r, 0x1800, 1, 2, exit_code7);
    TranslationBlock *last = NULL;
    cr_expect_eq(exec_native(r->e, a, r->a, &last), TB_EXIT_GOTO0);
    cr_expect_eq(last, a);
    cr_expect_eq(r->a->insns_retired, 1);
    exec_link(r->e, a, 0, bb);
    cr_expect_eq(a->jmp_dest[0], bb);
    cr_expect_eq(r->e->chains, 1);
    cr_expect_eq(exec_native(r->e, a, r->a, &last), TB_EXIT_CODE + 7, "one call runs both blocks");
    cr_expect_eq(last, bb);
    cr_expect_eq(r->a->insns_retired, 1 + 1 + 2);
    cr_expect_eq(r->a->g32[1], 1 + 1 + 2);
    /* B's code is overwritten: A's slot goes back to its exit stub */
    cr_expect_eq(tb_invalidate_range(&r->e->cache, 0x1800, 1), 1);
    cr_expect_null(a->jmp_dest[0]);
    cr_expect_eq(exec_native(r->e, a, r->a, &last), TB_EXIT_GOTO0);
    cr_expect_eq(last, a);
    cr_expect_eq(r->a->insns_retired, 5);
    exec_collect(r->e);
    /* different flags never chain; the budget stops a chain at B's entry */
    TranslationBlock *c = simple_block(r, 0x1900, 0, 1, exit_code7);
    exec_link(r->e, a, 0, c);
    cr_expect_null(a->jmp_dest[0]);
    TranslationBlock *d = simple_block(r, 0x1A00, 1, 1, exit_code7);
    exec_link(r->e, a, 0, d);
    cr_expect_eq(a->jmp_dest[0], d);
    r->a->insn_limit = r->a->insns_retired + 1;
    cr_expect_eq(exec_native(r->e, a, r->a, &last), TB_EXIT_BUDGET);
    cr_expect_eq(last, d, "the block whose entry check failed");
    cr_expect_eq(r->a->insns_retired, 6);
    rig_free(r);
}

/* Block: insn_start; <store or helper that invalidates this block>;
 * insn_start; r1 += 1; exit_tb 0. */
static TranslationBlock *stale_block(Rig *r, uint32_t pc, bool by_helper)
{
    TbKey key = key_at(pc, 0);
    TranslationBlock *tb = tb_alloc(&key, &fake_guest);
    IrBlock *b = &tb->ir;
    IrTemp live = ir_new_temp(b, IR_I32);
    ir_insn_start(b, pc, 4, -1);
    ir_movi(b, IR_I32, live, 0x1234);
    if (by_helper) {
        IrTemp arg = ir_const(b, IR_I32, 0xE010);
        ir_call(b, H_VOID, IR_NO_TEMP, &arg, 1);
    } else {
        ir_qst(b, IR_I32, live, ir_const(b, IR_I32, 0xE010), 4);     /* unmapped page: slow path */
    }
    ir_insn_start(b, pc + 4, 4, -1);
    ir_binop(b, IR_add, IR_I32, g32(1), g32(1), live);
    ir_exit_tb(b, 0);
    return rig_commit(r, tb);
}

static void check_stale(bool by_helper)
{
    Rig *r = rig_new(7);
    r->a->stale_addr = 0xE010;
    r->a->stale_armed = true;
    r->a->g32[1] = 0;
    TranslationBlock *nat = stale_block(r, 0x3000, by_helper);
    TranslationBlock *itp = stale_block(r, 0x4000, by_helper);
    TranslationBlock *last = NULL;
    rig_sync(r);
    r->b->stale_phys = 0x4000;
    r->a->stale_phys = 0x3000;
    uint64_t rc = exec_native(r->e, nat, r->a, &last);
    cr_expect_eq(rc, TB_EXIT_STALE);
    cr_expect_eq(last, nat);
    cr_expect(nat->invalid);
    cr_expect_eq(r->e->cur_tb, nat);
    cr_expect_eq(r->e->cur_op, 3, "cur_op %u: want the second insn_start", r->e->cur_op);
    ExecPosition pos;
    cr_expect(exec_current_position(r->e, &pos));
    cr_expect_eq(pos.pc, 0x3004);
    cr_expect_eq(pos.insns_done, 1);
    cr_expect_eq(r->a->g32[1], 0, "the instruction after the store must not run");
    cr_expect_eq(r->a->insns_retired, 0);
    unsigned native_op = r->e->cur_op;
    /* the interpreter, same shape */
    r->e->cur_tb = NULL;
    cr_expect_eq(interp_exec(r->e, itp, r->b), TB_EXIT_STALE);
    cr_expect_eq(r->e->cur_op, native_op);
    cr_expect_eq(r->b->g32[1], 0);
    cr_expect_eq(memcmp(r->ram_a, r->ram_b, RAM_SIZE), 0);
    cr_expect_eq(r->a->helper_acc, r->b->helper_acc);
    r->e->cur_tb = NULL;
    exec_collect(r->e);
    rig_free(r);
}

Test(jit, stale_after_slow_store)
{
    check_stale(false);
}

Test(jit, stale_after_helper)
{
    check_stale(true);
}

/* An insn_start reached by a forward branch over the instruction that
 * carries the stale check. The interpreter checks every insn_start. */
Test(jit, stale_check_on_branch_target)
{
    Rig *r = rig_new(8);
    r->a->stale_addr = 0xE010;
    r->a->stale_armed = true;
    TranslationBlock *tbs[2];
    for (unsigned k = 0; k < 2; k++) {
        uint32_t pc = 0x3000 + 0x1000 * k;
        TbKey key = key_at(pc, 0);
        TranslationBlock *tb = tb_alloc(&key, &fake_guest);
        IrBlock *b = &tb->ir;
        unsigned l = ir_new_label(b);
        ir_insn_start(b, pc, 4, -1);
        ir_qst(b, IR_I32, g32(2), ir_const(b, IR_I32, 0xE010), 4);
        ir_brcond(b, IR_I32, IR_COND_EQ, g32(3), g32(3), l);       /* always taken */
        ir_insn_start(b, pc + 4, 4, -1);
        ir_binop(b, IR_add, IR_I32, g32(1), g32(1), ir_const(b, IR_I32, 1));
        ir_set_label(b, l);
        ir_insn_start(b, pc + 8, 4, -1);
        ir_binop(b, IR_add, IR_I32, g32(1), g32(1), ir_const(b, IR_I32, 0x100));
        ir_exit_tb(b, 0);
        tbs[k] = rig_commit(r, tb);
    }
    r->a->g32[1] = 0;
    rig_sync(r);
    r->a->stale_phys = 0x3000;
    r->b->stale_phys = 0x4000;
    TranslationBlock *last;
    uint64_t rn_ = exec_native(r->e, tbs[0], r->a, &last);
    unsigned op_n = r->e->cur_op;
    r->e->cur_tb = NULL;
    uint64_t ri = interp_exec(r->e, tbs[1], r->b);
    unsigned op_i = r->e->cur_op;
    r->e->cur_tb = NULL;
    cr_expect_eq(ri, TB_EXIT_STALE);
    cr_expect_eq(rn_, ri,
                 "native %llu (r1=%#x), interp %llu (r1=%#x): an insn_start that is a branch target after a store "
                 "has no stale check",
                 (unsigned long long)rn_, r->a->g32[1], (unsigned long long)ri, r->b->g32[1]);
    if (rn_ == ri)
        cr_expect_eq(op_n, op_i);
    exec_collect(r->e);
    rig_free(r);
}

Test(jit, lookup_tb_through_jump_cache)
{
    Rig *r = rig_new(9);
    TbKey key = key_at(0x1000, 1);
    TranslationBlock *l = tb_alloc(&key, &fake_guest);
    ir_insn_start(&l->ir, 0x1000, 4, -1);
    ir_movi(&l->ir, IR_I32, g32(0), 0x1800);
    ir_lookup_tb(&l->ir);
    l = rig_commit(r, l);
    TranslationBlock *t = simple_block(r, 0x1800, 1, 2, exit_code7);
    TranslationBlock *last = NULL;
    /* miss: empty cache */
    cr_expect_eq(exec_native(r->e, l, r->a, &last), TB_EXIT_LOOKUP);
    cr_expect_eq(last, l);
    cr_expect_eq(r->a->insns_retired, 1);
    cr_expect_eq(r->a->g32[0], 0x1800);
    /* hit */
    exec_jc_insert(r->e, t, false);
    cr_expect_eq(exec_native(r->e, l, r->a, &last), TB_EXIT_CODE + 7);
    cr_expect_eq(last, t);
    cr_expect_eq(r->a->insns_retired, 1 + 1 + 2);
    cr_expect_eq(r->a->g32[1], 2);
    /* a block for that pc with other flags is not taken */
    TranslationBlock *other = simple_block(r, 0x1800 + 0x100000, 0, 1, exit_code7);
    other->key.pc = 0x1800;         /* same guest pc, different flags (and physical page) */
    exec_jc_insert(r->e, other, false);
    cr_expect_eq(exec_native(r->e, l, r->a, &last), TB_EXIT_LOOKUP);
    cr_expect_eq(last, l);
    /* a different pc hashing elsewhere, then the slot emptied by invalidation */
    exec_jc_insert(r->e, t, false);
    cr_expect_eq(exec_native(r->e, l, r->a, &last), TB_EXIT_CODE + 7);
    tb_invalidate_range(&r->e->cache, 0x1800, 1);
    cr_expect_eq(exec_native(r->e, l, r->a, &last), TB_EXIT_LOOKUP);
    exec_collect(r->e);
    /* a lookup_tb target that itself ends in lookup_tb back: runs until the budget */
    TbKey k2 = key_at(0x1800, 1);
    TranslationBlock *back = tb_alloc(&k2, &fake_guest);
    ir_insn_start(&back->ir, 0x1800, 4, -1);
    ir_movi(&back->ir, IR_I32, g32(0), 0x1000);
    ir_lookup_tb(&back->ir);
    back = rig_commit(r, back);
    exec_jc_insert(r->e, back, false);
    exec_jc_insert(r->e, l, false);
    r->a->insns_retired = 0;
    r->a->insn_limit = 10;
    cr_expect_eq(exec_native(r->e, l, r->a, &last), TB_EXIT_BUDGET);
    cr_expect_eq(r->a->insns_retired, 10);
    (void)exit_lookup;
    rig_free(r);
}

/* The TLB kind comes from the block's flags: kind 1 has page 5 unmapped. */
Test(jit, tlb_kind_and_inline_hits)
{
    Rig *r = rig_new(10);
    for (uint32_t flags = 0; flags < 2; flags++) {
        TbKey key = key_at(0x7000 + 0x100 * flags, flags);
        TranslationBlock *tb = tb_alloc(&key, &fake_guest);
        IrBlock *b = &tb->ir;
        ir_insn_start(b, key.pc, 4, -1);
        ir_qld(b, IR_I32, g32(1), ir_const(b, IR_I32, 0x5010), 4);
        ir_qst(b, IR_I32, g32(1), ir_const(b, IR_I32, 0x5020), 4);
        ir_qld(b, IR_I32, g32(2), ir_const(b, IR_I32, 0x3010), 4);     /* mapped in both */
        ir_qld(b, IR_I32, g32(3), ir_const(b, IR_I32, 0x3FFE), 4);     /* crosses: slow */
        ir_qst(b, IR_I32, g32(3), ir_const(b, IR_I32, 0xC000), 1);     /* write-flagged page */
        ir_qst(b, IR_I32, g32(3), ir_const(b, IR_I32, 0xD000), 2);     /* code page */
        ir_qld(b, IR_I32, g32(4), ir_const(b, IR_I32, 0xC000), 2);     /* readable */
        ir_exit_tb(b, 0);
        tb = rig_commit(r, tb);
        r->a->slow_loads = r->a->slow_stores = 0;
        Outcome o;
        cr_expect(run_both(r, tb, &o), "%s", o.diff);
        cr_expect_eq(r->a->slow_loads, 1 + flags, "flags %u: %llu slow loads", flags,
                     (unsigned long long)r->a->slow_loads);
        cr_expect_eq(r->a->slow_stores, 2 + flags, "flags %u: %llu slow stores", flags,
                     (unsigned long long)r->a->slow_stores);
        rig_kill(r, tb);
    }
    rig_free(r);
}

/* Helper calls with every argument order drawn from argument registers,
 * locals live across calls, more live locals than registers. */
Test(jit, calls_shuffle_and_survive)
{
    Rig *r = rig_new(11);
    for (unsigned n = 1; n <= 24; n++) {
        TbKey key = key_at(0x8000, 0);
        TranslationBlock *tb = tb_alloc(&key, &fake_guest);
        IrBlock *b = &tb->ir;
        IrTemp v[24];
        ir_insn_start(b, 0x8000, 4, -1);
        for (unsigned i = 0; i < n; i++) {
            v[i] = ir_new_temp(b, i & 1 ? IR_I64 : IR_I32);
            ir_movi(b, i & 1 ? IR_I64 : IR_I32, v[i], 0x0101010101010101ull * (i + 1) + (i << 20));
        }
        IrTemp res = ir_new_temp(b, IR_I64);
        for (unsigned p = 0; p < 24; p++) {
            /* rotate the argument order so sources sit in other argument registers */
            IrTemp args[4] = {v[(p + 0) % n], v[(p + 3) % n], v[(p + 1) % n], v[(p + 2) % n]};
            ir_call(b, H_MIX4, res, args, 4);
            IrTemp a3[3] = {v[(p + 2) % n], res, v[p % n]};
            ir_call(b, H_SUB3, v[(p + 1) % n], a3, 3);
            IrTemp a2[2] = {res, v[(p * 7) % n]};
            ir_call(b, H_SIDE, v[(p * 5) % n], a2, 2);
            ir_call(b, H_NOARG, res, NULL, 0);
        }
        for (unsigned i = 0; i < n; i++)
            ir_st_env(b, i & 1 ? IR_I64 : IR_I32, v[i], (uint32_t)(offsetof(FakeEnv, dump) + 8 * i), i & 1 ? 8 : 4);
        ir_st_env(b, IR_I64, res, (uint32_t)offsetof(FakeEnv, dump) + 8 * 39, 8);
        ir_exit_tb(b, 2);
        tb = rig_commit(r, tb);
        Outcome o;
        cr_expect(run_both(r, tb, &o), "%u locals: %s", n, o.diff);
        rig_kill(r, tb);
    }
    rig_free(r);
}

/* Regression (fixed in emit_mem_stub): the memory slow-path stub pushed the live caller-saved registers (and
 * padded rsp) before it read the address and the store value, so an address
 * or value the allocator put in a stack slot ([rsp + disp]) was read from
 * the wrong slot. Needs more than 10 live locals (one spills) and a
 * caller-saved local live across the access. IR:
 *   insn_start; movi_i32 v0..v9, <values>; movi_i32 v10, $0xe010
 *   qld_i32 d, v10, u32          (page 14 is unmapped: slow path)
 *   qst_i32 v10, $0xe020, u32    (spilled value, slow path)
 *   st_env v0..v10, d; exit_tb 0 */
Test(jit, slow_path_with_spilled_operands)
{
    Rig *r = rig_new(12);
    for (unsigned variant = 0; variant < 2; variant++) {
        TbKey key = key_at(0x9000, 0);
        TranslationBlock *tb = tb_alloc(&key, &fake_guest);
        IrBlock *b = &tb->ir;
        IrTemp v[11];
        ir_insn_start(b, 0x9000, 4, -1);
        for (unsigned i = 0; i < 11; i++) {
            v[i] = ir_new_temp(b, IR_I32);
            ir_movi(b, IR_I32, v[i], i == 10 ? 0xE010 : 0x11111111u * (i + 1));
        }
        IrTemp d = ir_new_temp(b, IR_I32);
        if (variant == 0)
            ir_qld(b, IR_I32, d, v[10], 4);
        else
            ir_movi(b, IR_I32, d, 0);
        ir_qst(b, IR_I32, v[10], ir_const(b, IR_I32, 0xE020), 4);
        for (unsigned i = 0; i < 11; i++)
            ir_st_env(b, IR_I32, v[i], (uint32_t)(offsetof(FakeEnv, dump) + 8 * i), 4);
        ir_st_env(b, IR_I32, d, (uint32_t)(offsetof(FakeEnv, dump) + 8 * 11), 4);
        ir_exit_tb(b, 0);
        tb = rig_commit(r, tb);
        Outcome o;
        bool ok = run_both(r, tb, &o);
        cr_expect(ok, "variant %u: %s", variant, o.diff);
        if (!ok)
            memcpy(r->ram_b, r->ram_a, RAM_SIZE);
        rig_kill(r, tb);
    }
    rig_free(r);
}

/* Regression (fixed in addr_reg): ir_verify accepts an I64 address for
 * qld/qst; native code checked the TLB with the low 32 bits and then added
 * the whole 64-bit register to the addend, so a local I64 address with high
 * bits set hit the TLB and accessed host memory 4 GiB * n past guest RAM.
 * Guest linear addresses are 32-bit: the low half is used, as the slow
 * path does. IR:
 *   insn_start; movi_i64 a, $0x100002010; qld_i32 r1, a, u32; exit_tb 0 */
Test(jit, i64_address_with_high_bits)
{
    Rig *r = rig_new(13);
    TbKey key = key_at(0xA000, 0);
    TranslationBlock *tb = tb_alloc(&key, &fake_guest);
    IrBlock *b = &tb->ir;
    IrTemp a = ir_new_temp(b, IR_I64);
    ir_insn_start(b, 0xA000, 4, -1);
    ir_movi(b, IR_I64, a, 0x100002010ull);
    ir_qld(b, IR_I32, g32(1), a, 4);
    ir_exit_tb(b, 0);
    tb = rig_commit(r, tb);
    Outcome o;
    cr_expect(run_both(r, tb, &o), "%s", o.diff);
    rig_kill(r, tb);
    rig_free(r);
}

/* A CR3-style flush that keeps global mappings keeps the jump-cache
 * entries inserted under them and drops the others. */
Test(jit, jump_cache_nonglobal_flush_keeps_global_entries)
{
    ExecEngine *e = calloc(1, sizeof(*e));
    cr_assert_not_null(e);
    exec_engine_init(e, &fake_guest, 100);
    TbKey ka = {.phys_pc = 0x1000, .pc = 0x1000}, kb = {.phys_pc = 0x2000, .pc = 0x2000};
    TranslationBlock *a = tb_alloc(&ka, &fake_guest), *b = tb_alloc(&kb, &fake_guest);
    a->code = b->code = (void *)1;     /* only the jump cache looks at them here */
    exec_jc_insert(e, a, true);
    exec_jc_insert(e, b, false);
    exec_jc_flush_nonglobal(e);
    cr_expect_eq(e->jump_cache[exec_jc_hash(0x1000)], a, "global: kept");
    cr_expect_null(e->jump_cache[exec_jc_hash(0x2000)], "not global: dropped");
    exec_jc_flush(e);
    cr_expect_null(e->jump_cache[exec_jc_hash(0x1000)], "a full flush drops everything");
    a->code = b->code = NULL;
    tb_free(a);
    tb_free(b);
    exec_engine_destroy(e);
    free(e);
}
