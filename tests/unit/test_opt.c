/* The optimizer (src/translate/opt*.c): golden IR for each pass's cases
 * (tests/unit/opt_golden/NAME.txt: the input and the optimized dump;
 * tools/accept-opt-golden rewrites them after an intended change), and
 * thousands of random blocks run by the interpreter before and after
 * ir_optimize that must leave the same fake CPU state, faults included. */
#include <criterion/criterion.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "translate/exec.h"
#include "translate/opt.h"

typedef struct FakeCpu {
    uint32_t r0, r1, r2;
    uint32_t pad;
    uint64_t wide;
    uint8_t mem[64];
    uint32_t pokes;
    TranslationBlock *running;      /* a store to mem[0..7] "hits its code" */
    jmp_buf fault;
} FakeCpu;

static uint64_t fake_load(void *env, uint64_t addr, unsigned memop)
{
    FakeCpu *cpu = env;
    unsigned size = memop & IR_MEM_SIZE_MASK;
    if (addr + size > sizeof(cpu->mem))
        longjmp(cpu->fault, 1);
    uint64_t v = 0;
    memcpy(&v, cpu->mem + addr, size);
    if (memop & IR_MEM_SIGN) {
        unsigned sh = 64 - 8 * size;
        v = (uint64_t)((int64_t)(v << sh) >> sh);
    }
    return v;
}

static void fake_store(void *env, uint64_t addr, uint64_t val, unsigned memop)
{
    FakeCpu *cpu = env;
    unsigned size = memop & IR_MEM_SIZE_MASK;
    if (addr + size > sizeof(cpu->mem))
        longjmp(cpu->fault, 1);
    memcpy(cpu->mem + addr, &val, size);
    if (addr < 8 && cpu->running)
        cpu->running->invalid = true;   /* self-modifying code: TB_EXIT_STALE at the next insn_start */
}

static uint64_t helper_sum(void *env, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    (void)env;
    return a + b + c + d;
}

/* Writes r1 and reads r0: neither pure nor removable. */
static uint64_t helper_poke(void *env, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    (void)b, (void)c, (void)d;
    FakeCpu *cpu = env;
    cpu->pokes = cpu->pokes * 31 + cpu->r0;
    cpu->r1 = (uint32_t)a;
    return 0;
}

/* Pure but faults when its argument's low byte is 0x80. */
static uint64_t helper_check(void *env, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    (void)b, (void)c, (void)d;
    if ((a & 0xFF) == 0x80)
        longjmp(((FakeCpu *)env)->fault, 1);
    return a ^ 0x5A;
}

static const IrGlobalDef fake_globals[] = {
    {"r0", offsetof(FakeCpu, r0), IR_I32},
    {"r1", offsetof(FakeCpu, r1), IR_I32},
    {"r2", offsetof(FakeCpu, r2), IR_I32},
    {"wide", offsetof(FakeCpu, wide), IR_I64},
};
enum { H_SUM, H_POKE, H_CHECK };
static const IrHelperDef fake_helpers[] = {
    [H_SUM] = {"sum", helper_sum, 4, 1, IR_HELPER_PURE},
    [H_POKE] = {"poke", helper_poke, 1, 0, 0},
    [H_CHECK] = {"check", helper_check, 1, 1, IR_HELPER_PURE | IR_HELPER_FAULTS},
};
static const IrGuest fake_guest = {fake_globals, 4, fake_helpers, 3, fake_load, fake_store};

#define R0 ir_global(0)
#define R1 ir_global(1)
#define R2 ir_global(2)
#define WIDE ir_global(3)
#define C32(v) ir_const(b, IR_I32, (v))
#define C64(v) ir_const(b, IR_I64, (v))

/* ---- golden IR ---- */

static char *dump_text(const IrBlock *b)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    ir_dump(b, f);
    fclose(f);
    return buf;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    cr_assert_not_null(s);
    size_t got = fread(s, 1, (size_t)n, f);
    s[got] = 0;
    fclose(f);
    return s;
}

/* Optimize the block and compare "# input" + "# optimized" dumps with
 * opt_golden/NAME.txt, or write that file when JITPC_ACCEPT_OPT_GOLDEN=1. */
static void check_golden(const char *name, IrBlock *b)
{
    char why[200] = "";
    cr_assert(ir_verify(b, why, sizeof(why)), "%s input: %s", name, why);
    char *in = dump_text(b);
    ir_optimize(b);
    cr_assert(ir_verify(b, why, sizeof(why)), "%s optimized: %s", name, why);
    char *out = dump_text(b);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    fprintf(f, "# input\n%s# optimized\n%s", in, out);
    fclose(f);
    char path[512];
    snprintf(path, sizeof(path), "%s/tests/unit/opt_golden/%s.txt", JITPC_SOURCE_DIR, name);
    const char *accept = getenv("JITPC_ACCEPT_OPT_GOLDEN");
    if (accept && strcmp(accept, "1") == 0) {
        FILE *w = fopen(path, "w");
        cr_assert_not_null(w, "cannot write %s", path);
        fputs(text, w);
        fclose(w);
    } else {
        char *want = read_file(path);
        cr_assert_not_null(want, "missing %s (run tools/accept-opt-golden)", path);
        cr_expect_str_eq(text, want, "%s differs from the optimizer's output:\n%s", path, text);
        free(want);
    }
    free(text);
    free(out);
    free(in);
}

static IrBlock *new_block(void)
{
    IrBlock *b = malloc(sizeof(*b));
    cr_assert_not_null(b);
    ir_block_init(b, &fake_guest);
    ir_insn_start(b, 0x1000, 1, -1);
    return b;
}

static void free_block(IrBlock *b)
{
    ir_block_free(b);
    free(b);
}

Test(opt_golden, const_fold)
{
    IrBlock *b = new_block();
    IrTemp t1 = ir_new_temp(b, IR_I32), t2 = ir_new_temp(b, IR_I32), t3 = ir_new_temp(b, IR_I32);
    IrTemp w = ir_new_temp(b, IR_I64);
    ir_movi(b, IR_I32, t1, 0x80000001);
    ir_binop(b, IR_add, IR_I32, t2, t1, C32(0x7FFFFFFF));      /* wraps to 0 */
    ir_binop(b, IR_shl, IR_I32, t3, t1, C32(33));              /* count & 31 = 1 */
    ir_binop(b, IR_sar, IR_I32, R0, t1, C32(4));               /* 0xF8000000 */
    ir_binop(b, IR_rotr, IR_I32, R1, t1, C32(1));              /* 0xC0000000 */
    ir_setcond(b, IR_I32, IR_COND_LT, R2, t1, t2);             /* signed: 1 */
    ir_unop(b, IR_ext32s, IR_I64, w, t3);
    ir_deposit(b, IR_I64, WIDE, w, C64(0xAB), 8, 8);
    ir_extract(b, IR_I32, t2, t1, 28, 4);
    ir_movcond(b, IR_I32, IR_COND_GTU, R0, t2, C32(7), t3, R0);
    ir_exit_tb(b, 0);
    check_golden("const_fold", b);
    free_block(b);
}

Test(opt_golden, algebraic_identities)
{
    IrBlock *b = new_block();
    IrTemp t1 = ir_new_temp(b, IR_I32), t2 = ir_new_temp(b, IR_I32), t3 = ir_new_temp(b, IR_I32);
    ir_binop(b, IR_add, IR_I32, t1, R0, C32(0));
    ir_binop(b, IR_and, IR_I32, t2, t1, C32(0xFFFFFFFF));
    ir_binop(b, IR_shl, IR_I32, t3, t2, C32(32));              /* count 0 */
    ir_binop(b, IR_xor, IR_I32, R1, t3, t3);
    ir_binop(b, IR_mul, IR_I32, R2, t3, C32(1));
    ir_movcond(b, IR_I32, IR_COND_EQ, R0, R1, R2, t3, t3);
    ir_exit_tb(b, 0);
    check_golden("algebraic_identities", b);
    free_block(b);
}

Test(opt_golden, copy_propagation)
{
    IrBlock *b = new_block();
    IrTemp t1 = ir_new_temp(b, IR_I32), t2 = ir_new_temp(b, IR_I32), t3 = ir_new_temp(b, IR_I32);
    ir_mov(b, IR_I32, t1, R0);
    ir_binop(b, IR_add, IR_I32, t2, t1, R1);
    ir_mov(b, IR_I32, R2, t2);
    ir_binop(b, IR_sub, IR_I32, t3, R2, t1);                   /* reads t2, r0 */
    ir_movi(b, IR_I32, R0, 5);                                 /* r0 changes: t1 no longer r0 */
    ir_binop(b, IR_or, IR_I32, R1, t1, t3);
    ir_exit_tb(b, 0);
    check_golden("copy_propagation", b);
    free_block(b);
}

Test(opt_golden, dead_global_stores)
{
    IrBlock *b = new_block();
    IrTemp t1 = ir_new_temp(b, IR_I32);
    ir_movi(b, IR_I32, R0, 1);                                 /* dead: overwritten below */
    ir_binop(b, IR_add, IR_I32, t1, R1, C32(2));               /* dead local */
    ir_insn_start(b, 0x1001, 1, -1);
    ir_movi(b, IR_I32, R0, 2);                                 /* kept: the qld may fault */
    ir_qld(b, IR_I32, R2, R1, 4);
    ir_movi(b, IR_I32, R0, 3);
    ir_qst(b, IR_I32, R0, R1, 4);
    ir_movi(b, IR_I32, R1, 4);                                 /* kept: insn_start may stop (stale code) */
    ir_insn_start(b, 0x1002, 1, -1);
    ir_movi(b, IR_I32, R1, 5);
    ir_movi(b, IR_I32, R2, 6);                                 /* kept: ld_env reads the state */
    ir_ld_env(b, IR_I32, t1, offsetof(FakeCpu, r2), 4);
    ir_movi(b, IR_I32, R2, 7);
    ir_mov(b, IR_I32, R0, t1);
    ir_exit_tb(b, 0);
    check_golden("dead_global_stores", b);
    free_block(b);
}

Test(opt_golden, helpers)
{
    IrBlock *b = new_block();
    IrTemp t1 = ir_new_temp(b, IR_I64), t2 = ir_new_temp(b, IR_I64), t3 = ir_new_temp(b, IR_I64);
    IrTemp a4[4] = {WIDE, WIDE, C64(1), C64(2)};
    ir_movi(b, IR_I32, R1, 9);                                 /* kept: poke and check see the state */
    ir_call(b, H_SUM, t1, a4, 4);                              /* pure, unused: removed */
    IrTemp a1[1] = {R0};
    ir_call(b, H_CHECK, t2, a1, 1);                            /* pure but faults: kept */
    ir_movi(b, IR_I32, R2, 1);
    ir_call(b, H_POKE, IR_NO_TEMP, a1, 1);                     /* side effects: kept */
    ir_call(b, H_SUM, t3, a4, 4);
    ir_mov(b, IR_I64, WIDE, t3);
    ir_movi(b, IR_I32, R2, 2);
    ir_exit_tb(b, 0);
    check_golden("helpers", b);
    free_block(b);
}

Test(opt_golden, labels_and_branches)
{
    IrBlock *b = new_block();
    IrTemp t1 = ir_new_temp(b, IR_I32), t2 = ir_new_temp(b, IR_I32);
    unsigned l0 = ir_new_label(b), l1 = ir_new_label(b);
    ir_movi(b, IR_I32, t1, 3);
    ir_brcond(b, IR_I32, IR_COND_GT, t1, C32(5), l0);          /* never taken: removed */
    ir_movi(b, IR_I32, R0, 1);                                 /* kept: the branch below */
    ir_brcond(b, IR_I32, IR_COND_EQ, R1, C32(0), l1);
    ir_binop(b, IR_add, IR_I32, t2, t1, C32(1));               /* folded: t1 known on this path */
    ir_movi(b, IR_I32, R0, 2);
    ir_mov(b, IR_I32, R2, t2);
    ir_set_label(b, l0);
    ir_set_label(b, l1);
    ir_binop(b, IR_add, IR_I32, R1, R1, t1);                   /* t1 not propagated past labels */
    ir_goto_tb(b, 0);
    check_golden("labels_and_branches", b);
    free_block(b);
}

Test(opt_golden, double_width_and_widths)
{
    IrBlock *b = new_block();
    IrTemp lo = ir_new_temp(b, IR_I32), hi = ir_new_temp(b, IR_I32), w = ir_new_temp(b, IR_I64);
    ir_movi(b, IR_I32, lo, 0xFFFFFFFF);
    ir_mul2(b, IR_muls2, IR_I32, lo, hi, lo, C32(2));          /* -2: lo 0xFFFFFFFE, hi 0xFFFFFFFF */
    ir_mov(b, IR_I32, R0, lo);
    ir_mov(b, IR_I32, R1, hi);
    ir_unop(b, IR_ext32u, IR_I64, w, hi);
    ir_binop(b, IR_shr, IR_I64, w, w, C64(68));                /* count & 63 = 4 */
    ir_unop(b, IR_trunc32, IR_I32, R2, w);
    ir_unop(b, IR_ext16s, IR_I64, WIDE, C64(0x8000));
    ir_exit_tb(b, 0);
    check_golden("double_width_and_widths", b);
    free_block(b);
}

/* ---- semantic equivalence on random blocks ---- */

typedef struct Rng {
    uint64_t s;
} Rng;

static uint64_t rnd(Rng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return r->s;
}

static unsigned rn(Rng *r, unsigned n)
{
    return (unsigned)(rnd(r) % n);
}

typedef struct Gen {
    Rng rng;
    IrBlock *b;
    IrTemp locals[2][16];           /* defined locals by type, since the last label */
    unsigned nlocals[2];
    unsigned pending[4];            /* labels branched to, not set yet */
    unsigned npending;
    uint64_t pc;
} Gen;

static uint64_t special(Gen *g, IrType t)
{
    static const uint64_t v[] = {0, 1, 2, 7, 8, 16, 31, 32, 33, 63, 64, 0x7F, 0x80, 0xFF, 0x8000, 0xFFFF,
                                 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x100000000ULL, 0x8000000000000000ULL,
                                 UINT64_MAX};
    uint64_t x = rn(&g->rng, 3) ? v[rn(&g->rng, sizeof(v) / sizeof(v[0]))] : rnd(&g->rng);
    return t == IR_I32 ? (uint32_t)x : x;
}

static IrTemp src(Gen *g, IrType t)
{
    unsigned k = rn(&g->rng, 10);
    if (k < 3)
        return ir_const(g->b, t, special(g, t));
    if (k < 6 && g->nlocals[t])
        return g->locals[t][rn(&g->rng, g->nlocals[t])];
    if (t == IR_I64)
        return WIDE;
    return ir_global(rn(&g->rng, 3));
}

static IrTemp dst(Gen *g, IrType t)
{
    unsigned k = rn(&g->rng, 10);
    if (k < 3)
        return t == IR_I64 ? WIDE : ir_global(rn(&g->rng, 3));
    if (k < 6 && g->nlocals[t])
        return g->locals[t][rn(&g->rng, g->nlocals[t])];
    IrTemp n = ir_new_temp(g->b, t);
    if (g->nlocals[t] < 16)
        g->locals[t][g->nlocals[t]++] = n;
    return n;
}

static void gen_op(Gen *g)
{
    IrBlock *b = g->b;
    IrType t = rn(&g->rng, 4) ? IR_I32 : IR_I64;
    unsigned bits = t == IR_I32 ? 32 : 64;
    static const IrOpcode binops[] = {IR_add, IR_sub, IR_mul, IR_and, IR_or, IR_xor,
                                      IR_shl, IR_shr, IR_sar, IR_rotl, IR_rotr};
    static const IrOpcode unops[] = {IR_neg, IR_not, IR_ext8s, IR_ext8u, IR_ext16s, IR_ext16u, IR_mov};
    switch (rn(&g->rng, 20)) {
    case 0: case 1: case 2: case 3: {
        IrTemp a = src(g, t), x = src(g, t);
        ir_binop(b, binops[rn(&g->rng, 11)], t, dst(g, t), a, x);
        break;
    }
    case 4: case 5: {
        IrTemp a = src(g, t);
        ir_unop(b, unops[rn(&g->rng, 7)], t, dst(g, t), a);
        break;
    }
    case 6:
        ir_movi(b, t, dst(g, t), special(g, t));
        break;
    case 7: {
        unsigned k = rn(&g->rng, 3);
        IrTemp a = src(g, k == 2 ? IR_I64 : IR_I32);
        ir_unop(b, k == 0 ? IR_ext32s : k == 1 ? IR_ext32u : IR_trunc32, k == 2 ? IR_I32 : IR_I64,
                dst(g, k == 2 ? IR_I32 : IR_I64), a);
        break;
    }
    case 8: {
        unsigned pos = rn(&g->rng, bits), len = 1 + rn(&g->rng, bits - pos);
        IrTemp a = src(g, t), v = src(g, t);
        if (rn(&g->rng, 2))
            ir_deposit(b, t, dst(g, t), a, v, pos, len);
        else
            ir_extract(b, t, dst(g, t), a, pos, len);
        break;
    }
    case 9: {
        IrCond c = (IrCond)rn(&g->rng, IR_COND_COUNT);
        IrTemp a = src(g, t), x = src(g, t);
        if (rn(&g->rng, 2)) {
            ir_setcond(b, t, c, dst(g, t), a, x);
        } else {
            IrTemp v1 = src(g, t), v2 = src(g, t);
            ir_movcond(b, t, c, dst(g, t), a, x, v1, v2);
        }
        break;
    }
    case 10: {
        IrTemp a = src(g, t), x = src(g, t), lo = dst(g, t), hi = dst(g, t);
        ir_mul2(b, rn(&g->rng, 2) ? IR_mulu2 : IR_muls2, t, lo, hi, a, x);
        break;
    }
    case 11: {
        /* CPU-state access, to a global's field (observes/changes it) or memory. */
        uint32_t off = rn(&g->rng, 2) ? (uint32_t)(offsetof(FakeCpu, r0) + 4 * rn(&g->rng, 3))
                                      : (uint32_t)offsetof(FakeCpu, mem) + 4 * rn(&g->rng, 8);
        if (rn(&g->rng, 2))
            ir_ld_env(b, IR_I32, dst(g, IR_I32), off, 4);
        else
            ir_st_env(b, IR_I32, src(g, IR_I32), off, 4);
        break;
    }
    case 12: case 13: {
        /* Guest memory: mostly in range, sometimes a fault. */
        unsigned size = 1u << rn(&g->rng, t == IR_I32 ? 3 : 4);
        unsigned memop = size | (rn(&g->rng, 2) ? IR_MEM_SIGN : 0);
        IrTemp addr = rn(&g->rng, 16) ? ir_const(b, IR_I32, rn(&g->rng, 64 - size + 1)) : ir_const(b, IR_I32, 62);
        if (rn(&g->rng, 2)) {
            ir_qld(b, t, dst(g, t), addr, memop);
        } else {
            IrTemp v = src(g, t);
            ir_qst(b, t, v, addr, memop);
        }
        break;
    }
    case 14: {
        unsigned h = rn(&g->rng, 3);
        if (h == H_SUM) {
            IrTemp a[4] = {src(g, IR_I64), src(g, IR_I32), src(g, IR_I64), src(g, IR_I32)};
            ir_call(b, H_SUM, dst(g, IR_I64), a, 4);
        } else if (h == H_POKE) {
            IrTemp a[1] = {src(g, IR_I32)};
            ir_call(b, H_POKE, IR_NO_TEMP, a, 1);
        } else {
            IrTemp a[1] = {src(g, IR_I32)};
            ir_call(b, H_CHECK, dst(g, IR_I64), a, 1);
        }
        break;
    }
    case 15: case 16:
        g->pc++;
        ir_insn_start(b, g->pc, 1, -1);
        break;
    case 17:
        if (g->npending < 4) {
            unsigned l = ir_new_label(b);
            IrTemp a = src(g, t), x = src(g, t);
            ir_brcond(b, t, (IrCond)rn(&g->rng, IR_COND_COUNT), a, x, l);
            g->pending[g->npending++] = l;
        }
        break;
    case 18:
        if (g->npending) {
            unsigned k = rn(&g->rng, g->npending);
            ir_set_label(b, g->pending[k]);
            g->pending[k] = g->pending[--g->npending];
            g->nlocals[0] = g->nlocals[1] = 0;   /* not defined on every path */
        }
        break;
    default: {
        IrTemp a = src(g, t);
        ir_mov(b, t, dst(g, t), a);
        break;
    }
    }
}

static void gen_block(IrBlock *b, uint64_t seed)
{
    Gen g = {.rng = {seed * 0x9E3779B97F4A7C15ULL + 1}, .b = b, .pc = 0x1000};
    ir_insn_start(b, g.pc, 1, -1);
    unsigned n = 5 + rn(&g.rng, 40);
    for (unsigned i = 0; i < n; i++)
        gen_op(&g);
    while (g.npending)
        ir_set_label(b, g.pending[--g.npending]);
    ir_exit_tb(b, rn(&g.rng, 2));
}

static void init_cpu(FakeCpu *cpu, uint64_t seed)
{
    Rng r = {seed * 0xD1B54A32D192ED03ULL + 7};
    memset(cpu, 0, sizeof(*cpu));
    cpu->r0 = (uint32_t)rnd(&r);
    cpu->r1 = rn(&r, 2) ? (uint32_t)rnd(&r) : 0x80;
    cpu->r2 = (uint32_t)rnd(&r);
    cpu->wide = rnd(&r);
    for (size_t i = 0; i < sizeof(cpu->mem); i++)
        cpu->mem[i] = (uint8_t)rnd(&r);
}

typedef struct Outcome {
    uint64_t exit;                  /* exit value, or UINT64_MAX after a fault */
    uint64_t fault_pc;
    unsigned fault_done;
} Outcome;

static Outcome run_block(TranslationBlock *tb, FakeCpu *cpu)
{
    ExecEngine e;
    char why[200] = "";
    Outcome o = {0};
    exec_engine_init(&e, &fake_guest, 64);
    cr_assert(tb_commit(&e.cache, tb, why, sizeof(why)), "verify: %s", why);
    cpu->running = tb;
    if (setjmp(cpu->fault) == 0) {
        o.exit = exec_tb(&e, tb, cpu);
        ExecPosition pos;
        if (o.exit == TB_EXIT_STALE) {
            cr_assert(exec_current_position(&e, &pos));
            o.fault_pc = pos.pc;
            o.fault_done = pos.insns_done;
        }
    } else {
        ExecPosition pos;
        cr_assert(exec_current_position(&e, &pos));
        o.exit = UINT64_MAX;
        o.fault_pc = pos.pc;
        o.fault_done = pos.insns_done;
    }
    cpu->running = NULL;
    exec_engine_destroy(&e);
    return o;
}

static bool same_state(const FakeCpu *x, const FakeCpu *y)
{
    return x->r0 == y->r0 && x->r1 == y->r1 && x->r2 == y->r2 && x->wide == y->wide && x->pokes == y->pokes &&
           memcmp(x->mem, y->mem, sizeof(x->mem)) == 0;
}

Test(opt, random_blocks_keep_the_guest_state, .timeout = 60)
{
    unsigned before = 0, after = 0, faults = 0, stale = 0;
    for (uint64_t seed = 1; seed <= 20000; seed++) {
        TbKey k = {.phys_pc = 0x1000, .pc = 0x1000};
        TranslationBlock *ref = tb_alloc(&k, &fake_guest), *opt = tb_alloc(&k, &fake_guest);
        gen_block(&ref->ir, seed);
        gen_block(&opt->ir, seed);
        char why[200] = "";
        cr_assert(ir_verify(&ref->ir, why, sizeof(why)), "seed %llu: generator: %s", (unsigned long long)seed, why);
        before += ref->ir.nops;
        ir_optimize(&opt->ir);
        after += opt->ir.nops;
        if (!ir_verify(&opt->ir, why, sizeof(why))) {
            ir_dump(&opt->ir, stderr);
            cr_assert_fail("seed %llu: optimized block: %s", (unsigned long long)seed, why);
        }
        FakeCpu c1, c2;
        init_cpu(&c1, seed);
        init_cpu(&c2, seed);
        IrBlock copy;
        ir_block_init(&copy, &fake_guest);
        gen_block(&copy, seed);
        char *in = dump_text(&copy);
        char *out = dump_text(&opt->ir);
        ir_block_free(&copy);
        Outcome o1 = run_block(ref, &c1), o2 = run_block(opt, &c2);
        faults += o1.exit == UINT64_MAX;
        stale += o1.exit == TB_EXIT_STALE;
        bool ok = o1.exit == o2.exit && o1.fault_pc == o2.fault_pc && o1.fault_done == o2.fault_done &&
                  same_state(&c1, &c2);
        if (!ok)
            fprintf(stderr, "seed %llu\n# input\n%s# optimized\n%s", (unsigned long long)seed, in, out);
        cr_assert(ok, "seed %llu: exit %llx/%llx r0 %x/%x r1 %x/%x r2 %x/%x wide %llx/%llx", (unsigned long long)seed,
                  (unsigned long long)o1.exit, (unsigned long long)o2.exit, c1.r0, c2.r0, c1.r1, c2.r1, c1.r2, c2.r2,
                  (unsigned long long)c1.wide, (unsigned long long)c2.wide);
        free(in);
        free(out);
    }
    cr_log_info("random blocks: %u ops before, %u after, %u faulted, %u stale", before, after, faults, stale);
    cr_expect_lt(after, before);
    cr_expect_gt(faults, 100u, "the generator should exercise faults");
    cr_expect_gt(stale, 100u, "and stale-code exits");
}

/* opt_branch: sub/xor/and/setcond results tested against zero become
 * compares of the operands; not when an operand changed in between, when
 * the op consumed its own input, across a label, or for an ordering test. */
Test(opt_golden, branch_fusion)
{
    IrBlock *b = new_block();
    IrTemp d = ir_new_temp(b, IR_I32), x = ir_new_temp(b, IR_I32), a = ir_new_temp(b, IR_I32);
    IrTemp s = ir_new_temp(b, IR_I32), u = ir_new_temp(b, IR_I32);
    unsigned l0 = ir_new_label(b), l1 = ir_new_label(b), l2 = ir_new_label(b), l3 = ir_new_label(b);
    unsigned l4 = ir_new_label(b), l5 = ir_new_label(b);
    ir_insn_start(b, 0x1000, 3, -1);
    ir_binop(b, IR_sub, IR_I32, d, R0, C32(10));               /* cmp r0, 10 */
    ir_mov(b, IR_I32, R2, d);                                  /* the flags keep the difference */
    ir_brcond(b, IR_I32, IR_COND_NE, d, C32(0), l0);           /* -> brcond r0, 10, ne */
    ir_binop(b, IR_and, IR_I32, a, R1, C32(0x100));            /* test r1, 0x100 */
    ir_brcond(b, IR_I32, IR_COND_EQ, a, C32(0), l1);           /* -> tsteq, and dies */
    ir_setcond(b, IR_I32, IR_COND_LTU, s, R0, R1);
    ir_brcond(b, IR_I32, IR_COND_EQ, s, C32(0), l2);           /* -> geu */
    ir_binop(b, IR_xor, IR_I32, x, R0, R1);
    ir_movi(b, IR_I32, R1, 5);                                 /* an operand changes: kept */
    ir_brcond(b, IR_I32, IR_COND_EQ, x, C32(0), l3);
    ir_binop(b, IR_sub, IR_I32, u, R0, C32(1));
    ir_binop(b, IR_sub, IR_I32, u, u, C32(1));                 /* consumed its own input: kept */
    ir_brcond(b, IR_I32, IR_COND_NE, u, C32(0), l4);
    ir_brcond(b, IR_I32, IR_COND_LT, d, C32(0), l5);           /* ordering: r0 - 10 < 0 is no r0 < 10 */
    ir_set_label(b, l0);
    ir_set_label(b, l1);
    ir_set_label(b, l2);
    ir_set_label(b, l3);
    ir_set_label(b, l4);
    ir_set_label(b, l5);
    ir_binop(b, IR_sub, IR_I32, d, R0, C32(3));
    ir_set_label(b, ir_new_label(b));                          /* across a label: kept */
    ir_brcond(b, IR_I32, IR_COND_NE, d, C32(0), l0);
    ir_exit_tb(b, 0);
    check_golden("branch_fusion", b);
    free_block(b);
}
