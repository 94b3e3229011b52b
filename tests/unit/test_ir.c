/* The IR: builder, verifier (each rejection), dumper, the interpreter's
 * semantics for every op, and the block cache's invalidation. Uses a tiny
 * fake guest: two 32-bit globals, one 64-bit global, a byte-array memory. */
#include <criterion/criterion.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "translate/exec.h"

typedef struct FakeCpu {
    uint32_t r0, r1;
    uint64_t wide;
    uint8_t mem[256];
    int helper_calls;
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
}

static uint64_t helper_sum(void *env, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    FakeCpu *cpu = env;
    cpu->helper_calls++;
    return a + b + c + d;
}

static uint64_t helper_poke(void *env, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    (void)b, (void)c, (void)d;
    ((FakeCpu *)env)->r1 = (uint32_t)a;
    return 0;
}

static const IrGlobalDef fake_globals[] = {
    {"r0", offsetof(FakeCpu, r0), IR_I32},
    {"r1", offsetof(FakeCpu, r1), IR_I32},
    {"wide", offsetof(FakeCpu, wide), IR_I64},
};
static const IrHelperDef fake_helpers[] = {
    {"sum", helper_sum, 4, 1, IR_HELPER_PURE},
    {"poke", helper_poke, 1, 0, 0},
};
static const IrGuest fake_guest = {fake_globals, 3, fake_helpers, 2, fake_load, fake_store};

#define R0 ir_global(0)
#define R1 ir_global(1)
#define WIDE ir_global(2)

/* Build, verify, run one block; returns the exit value. */
static uint64_t run(TranslationBlock *tb, FakeCpu *cpu)
{
    ExecEngine e;
    char why[200] = "";
    exec_engine_init(&e, &fake_guest, 64);
    cr_assert(tb_commit(&e.cache, tb, why, sizeof(why)), "verify: %s", why);
    uint64_t r = exec_tb(&e, tb, cpu);
    exec_engine_destroy(&e);
    return r;
}

static TranslationBlock *new_tb(void)
{
    TbKey k = {.phys_pc = 0x1000, .pc = 0x1000};
    TranslationBlock *tb = tb_alloc(&k, &fake_guest);
    ir_insn_start(&tb->ir, 0x1000, 1, -1);
    return tb;
}

Test(ir, arithmetic_and_logic_i32)
{
    static const struct {
        IrOpcode op;
        uint32_t a, b, want;
    } cases[] = {
        {IR_add, 0xFFFFFFFF, 2, 1},        {IR_sub, 1, 2, 0xFFFFFFFF},       {IR_mul, 0x10000, 0x10000, 0},
        {IR_and, 0xF0F0, 0xFF00, 0xF000},  {IR_or, 0xF0, 0x0F, 0xFF},        {IR_xor, 0xFF, 0x0F, 0xF0},
        {IR_shl, 1, 33, 2},                {IR_shr, 0x80000000, 31, 1},      {IR_sar, 0x80000000, 31, 0xFFFFFFFF},
        {IR_rotl, 0x80000001, 1, 3},       {IR_rotr, 0x80000001, 1, 0xC0000000}, {IR_rotl, 0x12345678, 0, 0x12345678},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        FakeCpu cpu = {.r0 = cases[i].a, .r1 = cases[i].b};
        TranslationBlock *tb = new_tb();
        ir_binop(&tb->ir, cases[i].op, IR_I32, R0, R0, R1);
        ir_exit_tb(&tb->ir, 0);
        run(tb, &cpu);
        cr_expect_eq(cpu.r0, cases[i].want, "%s(0x%x, 0x%x) = 0x%x, want 0x%x", ir_op_defs[cases[i].op].name,
                     cases[i].a, cases[i].b, cpu.r0, cases[i].want);
    }
}

Test(ir, unary_extensions_and_fields)
{
    FakeCpu cpu = {.r0 = 0x1234ABCD};
    TranslationBlock *tb = new_tb();
    IrBlock *b = &tb->ir;
    IrTemp t = ir_new_temp(b, IR_I32), w = ir_new_temp(b, IR_I64);
    ir_unop(b, IR_ext8s, IR_I32, t, R0);              /* 0xCD -> 0xFFFFFFCD */
    ir_st_env(b, IR_I32, t, offsetof(FakeCpu, mem) + 0, 4);
    ir_unop(b, IR_ext16u, IR_I32, t, R0);             /* 0xABCD */
    ir_st_env(b, IR_I32, t, offsetof(FakeCpu, mem) + 4, 4);
    ir_deposit(b, IR_I32, t, R0, ir_const(b, IR_I32, 0x55), 8, 8);   /* 0x123455CD */
    ir_st_env(b, IR_I32, t, offsetof(FakeCpu, mem) + 8, 4);
    ir_extract(b, IR_I32, t, R0, 4, 12);              /* 0xABC */
    ir_st_env(b, IR_I32, t, offsetof(FakeCpu, mem) + 12, 4);
    ir_unop(b, IR_neg, IR_I32, t, ir_const(b, IR_I32, 1));
    ir_st_env(b, IR_I32, t, offsetof(FakeCpu, mem) + 16, 4);
    ir_unop(b, IR_ext32s, IR_I64, w, t);              /* -1 as i64 */
    ir_mov(b, IR_I64, WIDE, w);
    ir_unop(b, IR_trunc32, IR_I32, R1, ir_const(b, IR_I64, 0x1122334455667788ULL));
    ir_exit_tb(b, 0);
    run(tb, &cpu);
    uint32_t got[5];
    memcpy(got, cpu.mem, sizeof(got));
    cr_expect_eq(got[0], 0xFFFFFFCD);
    cr_expect_eq(got[1], 0xABCD);
    cr_expect_eq(got[2], 0x123455CD);
    cr_expect_eq(got[3], 0xABC);
    cr_expect_eq(got[4], 0xFFFFFFFF);
    cr_expect_eq(cpu.wide, UINT64_MAX);
    cr_expect_eq(cpu.r1, 0x55667788);
}

Test(ir, double_width_multiply)
{
    FakeCpu cpu = {.r0 = 0xFFFFFFFF, .r1 = 0xFFFFFFFF};
    TranslationBlock *tb = new_tb();
    IrBlock *b = &tb->ir;
    IrTemp lo = ir_new_temp(b, IR_I32), hi = ir_new_temp(b, IR_I32);
    ir_mul2(b, IR_mulu2, IR_I32, lo, hi, R0, R1);    /* 0xFFFFFFFE_00000001 */
    ir_st_env(b, IR_I32, lo, offsetof(FakeCpu, mem), 4);
    ir_st_env(b, IR_I32, hi, offsetof(FakeCpu, mem) + 4, 4);
    ir_mul2(b, IR_muls2, IR_I32, R0, R1, R0, R1);    /* (-1) * (-1) = 1 */
    ir_exit_tb(b, 0);
    run(tb, &cpu);
    uint32_t got[2];
    memcpy(got, cpu.mem, 8);
    cr_expect_eq(got[0], 1);
    cr_expect_eq(got[1], 0xFFFFFFFE);
    cr_expect_eq(cpu.r0, 1);
    cr_expect_eq(cpu.r1, 0);
}

Test(ir, conditions)
{
    static const struct {
        IrCond c;
        uint32_t a, b;
        bool want;
    } cases[] = {
        {IR_COND_EQ, 5, 5, true},     {IR_COND_NE, 5, 5, false},   {IR_COND_LT, 0xFFFFFFFF, 0, true},
        {IR_COND_LTU, 0xFFFFFFFF, 0, false}, {IR_COND_GE, 0, 0xFFFFFFFF, true}, {IR_COND_GEU, 0, 0xFFFFFFFF, false},
        {IR_COND_LE, 3, 3, true},     {IR_COND_GT, 3, 3, false},   {IR_COND_LEU, 2, 3, true},
        {IR_COND_GTU, 0x80000000, 1, true}, {IR_COND_TSTEQ, 0xF0, 0x0F, true}, {IR_COND_TSTNE, 0xF0, 0x10, true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        FakeCpu cpu = {.r0 = cases[i].a, .r1 = cases[i].b};
        TranslationBlock *tb = new_tb();
        IrBlock *b = &tb->ir;
        IrTemp t = ir_new_temp(b, IR_I32);
        ir_setcond(b, IR_I32, cases[i].c, t, R0, R1);
        ir_movcond(b, IR_I32, cases[i].c, R1, R0, R1, ir_const(b, IR_I32, 111), ir_const(b, IR_I32, 222));
        ir_mov(b, IR_I32, R0, t);
        ir_exit_tb(b, 0);
        run(tb, &cpu);
        cr_expect_eq(cpu.r0, cases[i].want, "setcond %s", ir_cond_name(cases[i].c));
        cr_expect_eq(cpu.r1, cases[i].want ? 111u : 222u, "movcond %s", ir_cond_name(cases[i].c));
        cr_expect_eq(ir_cond_eval(ir_cond_invert(cases[i].c), IR_I32, cases[i].a, cases[i].b), !cases[i].want);
    }
}

Test(ir, branches_labels_and_exits)
{
    /* r0 = sum of 1..r1 with a loop, then exit through slot 1 if r0 > 10. */
    FakeCpu cpu = {.r0 = 0, .r1 = 5};
    TranslationBlock *tb = new_tb();
    IrBlock *b = &tb->ir;
    unsigned top = ir_new_label(b), done = ir_new_label(b), big = ir_new_label(b);
    ir_set_label(b, top);
    ir_brcond(b, IR_I32, IR_COND_EQ, R1, ir_const(b, IR_I32, 0), done);
    ir_binop(b, IR_add, IR_I32, R0, R0, R1);
    ir_binop(b, IR_sub, IR_I32, R1, R1, ir_const(b, IR_I32, 1));
    ir_br(b, top);
    ir_set_label(b, done);
    ir_brcond(b, IR_I32, IR_COND_GTU, R0, ir_const(b, IR_I32, 10), big);
    ir_goto_tb(b, 0);
    ir_set_label(b, big);
    ir_goto_tb(b, 1);
    cr_expect_eq(run(tb, &cpu), TB_EXIT_GOTO1);
    cr_expect_eq(cpu.r0, 15);
}

Test(ir, memory_helpers_and_env)
{
    FakeCpu cpu = {.r0 = 0x10};
    cpu.mem[0x10] = 0x80;
    TranslationBlock *tb = new_tb();
    IrBlock *b = &tb->ir;
    IrTemp t = ir_new_temp(b, IR_I32), s = ir_new_temp(b, IR_I64);
    ir_qld(b, IR_I32, t, R0, 1 | IR_MEM_SIGN);        /* -128 */
    ir_qst(b, IR_I32, t, ir_const(b, IR_I32, 0x20), 2); /* 0xFF80 at 0x20 */
    IrTemp args[4] = {ir_const(b, IR_I64, 1), ir_const(b, IR_I64, 2), ir_const(b, IR_I64, 3), ir_const(b, IR_I64, 4)};
    ir_call(b, 0, s, args, 4);
    ir_mov(b, IR_I64, WIDE, s);
    IrTemp parg[1] = {t};
    ir_call(b, 1, IR_NO_TEMP, parg, 1);                /* r1 = t through the helper */
    ir_ld_env(b, IR_I32, R0, offsetof(FakeCpu, mem) + 0x20, 1);
    ir_exit_tb(b, 7);
    cr_expect_eq(run(tb, &cpu), TB_EXIT_CODE + 7);
    cr_expect_eq(cpu.mem[0x20], 0x80);
    cr_expect_eq(cpu.mem[0x21], 0xFF);
    cr_expect_eq(cpu.wide, 10);
    cr_expect_eq(cpu.helper_calls, 1);
    cr_expect_eq(cpu.r1, 0xFFFFFF80);
    cr_expect_eq(cpu.r0, 0x80);
}

Test(ir, a_fault_reports_the_instruction_it_happened_in)
{
    FakeCpu cpu = {.r0 = 0x1000};     /* out of the fake memory: faults */
    TbKey k = {.phys_pc = 0x2000, .pc = 0x2000};
    TranslationBlock *tb = tb_alloc(&k, &fake_guest);
    IrBlock *b = &tb->ir;
    ir_insn_start(b, 0x2000, 2, 5);
    ir_movi(b, IR_I32, R1, 1);
    ir_insn_start(b, 0x2002, 3, -1);
    ir_qld(b, IR_I32, R1, R0, 4);
    ir_insn_start(b, 0x2005, 1, -1);
    ir_movi(b, IR_I32, R1, 2);
    ir_exit_tb(b, 0);
    ExecEngine e;
    char why[200];
    exec_engine_init(&e, &fake_guest, 64);
    cr_assert(tb_commit(&e.cache, tb, why, sizeof(why)), "%s", why);
    if (setjmp(cpu.fault) == 0) {
        exec_tb(&e, tb, &cpu);
        cr_assert_fail("the load should have faulted");
    }
    ExecPosition pos;
    cr_assert(exec_current_position(&e, &pos));
    cr_expect_eq(pos.pc, 0x2002);
    cr_expect_eq(pos.len, 3);
    cr_expect_eq(pos.static_cc, -1);
    cr_expect_eq(pos.insns_done, 1);
    cr_expect_eq(cpu.r1, 1, "state before the faulting instruction is kept");
    exec_engine_destroy(&e);
}

/* Each malformed block is refused with a message saying why. */
Test(ir, verifier_rejections)
{
    char why[200];
    IrBlock b;
    ir_block_init(&b, &fake_guest);
    cr_expect_not(ir_verify(&b, why, sizeof(why)));
    cr_expect(strstr(why, "empty"), "%s", why);

    ir_movi(&b, IR_I32, R0, 1);
    cr_expect_not(ir_verify(&b, why, sizeof(why)));
    cr_expect(strstr(why, "does not end with an exit"), "%s", why);

    ir_block_reset(&b);
    ir_binop(&b, IR_add, IR_I32, WIDE, R0, R1);   /* i64 global as i32 output */
    ir_exit_tb(&b, 0);
    cr_expect_not(ir_verify(&b, why, sizeof(why)));
    cr_expect(strstr(why, "type"), "%s", why);

    ir_block_reset(&b);
    ir_binop(&b, IR_add, IR_I32, ir_const(&b, IR_I32, 3), R0, R1);
    ir_exit_tb(&b, 0);
    cr_expect_not(ir_verify(&b, why, sizeof(why)));
    cr_expect(strstr(why, "writes a constant"), "%s", why);

    ir_block_reset(&b);
    ir_br(&b, ir_new_label(&b));
    cr_expect_not(ir_verify(&b, why, sizeof(why)));
    cr_expect(strstr(why, "never set") || strstr(why, "exit"), "%s", why);

    ir_block_reset(&b);
    ir_exit_tb(&b, 0);
    ir_movi(&b, IR_I32, R0, 1);
    ir_exit_tb(&b, 0);
    cr_expect_not(ir_verify(&b, why, sizeof(why)));
    cr_expect(strstr(why, "unreachable"), "%s", why);

    ir_block_reset(&b);
    ir_qld(&b, IR_I32, R0, R1, 4);
    ir_exit_tb(&b, 0);
    cr_expect_not(ir_verify(&b, why, sizeof(why)));
    cr_expect(strstr(why, "insn_start"), "%s", why);

    ir_block_reset(&b);
    ir_insn_start(&b, 0, 1, -1);
    ir_qld(&b, IR_I32, R0, R1, 8);                 /* 8 bytes into i32 */
    ir_exit_tb(&b, 0);
    cr_expect_not(ir_verify(&b, why, sizeof(why)));
    cr_expect(strstr(why, "memop"), "%s", why);

    ir_block_reset(&b);
    ir_deposit(&b, IR_I32, R0, R0, R1, 30, 4);
    ir_exit_tb(&b, 0);
    cr_expect_not(ir_verify(&b, why, sizeof(why)));
    cr_expect(strstr(why, "field"), "%s", why);

    ir_block_reset(&b);
    IrTemp args[1] = {R0};
    ir_call(&b, 0, IR_NO_TEMP, args, 1);            /* "sum" takes 4 and returns 1 */
    ir_exit_tb(&b, 0);
    cr_expect_not(ir_verify(&b, why, sizeof(why)));
    cr_expect(strstr(why, "sum"), "%s", why);

    ir_block_reset(&b);
    unsigned l = ir_new_label(&b);
    ir_set_label(&b, l);
    ir_set_label(&b, l);
    ir_exit_tb(&b, 0);
    cr_expect_not(ir_verify(&b, why, sizeof(why)));
    cr_expect(strstr(why, "twice"), "%s", why);
    ir_block_free(&b);
}

Test(ir, dumper_text)
{
    IrBlock b;
    ir_block_init(&b, &fake_guest);
    ir_insn_start(&b, 0x1234, 2, -1);
    IrTemp t = ir_new_temp(&b, IR_I32);
    ir_binop(&b, IR_add, IR_I32, t, R0, ir_const(&b, IR_I32, 5));
    unsigned l = ir_new_label(&b);
    ir_brcond(&b, IR_I32, IR_COND_LTU, t, R1, l);
    ir_qst(&b, IR_I32, t, R1, 2 | IR_MEM_SIGN);
    ir_set_label(&b, l);
    ir_exit_tb(&b, 3);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ir_dump(&b, f);
    fclose(f);
    cr_expect(strstr(buf, " ---- 00001234 len 2\n"), "%s", buf);
    cr_expect(strstr(buf, " add_i32 t3, r0, $0x5\n"), "%s", buf);
    cr_expect(strstr(buf, " brcond_i32 t3, r1, ltu, L0\n"), "%s", buf);
    cr_expect(strstr(buf, " qst_i32 t3, r1, s16\n"), "%s", buf);
    cr_expect(strstr(buf, "L0:\n exit_tb $0x3\n"), "%s", buf);
    free(buf);
    ir_block_free(&b);
}

Test(tb, cache_lookup_and_page_invalidation)
{
    ExecEngine e;
    char why[200];
    exec_engine_init(&e, &fake_guest, 1000);
    TbKey k1 = {.phys_pc = 0x1000, .pc = 0x1000}, k2 = {.phys_pc = 0x1FF0, .pc = 0x1FF0},
          k3 = {.phys_pc = 0x5000, .pc = 0x5000};
    TranslationBlock *t1 = tb_alloc(&k1, &fake_guest), *t2 = tb_alloc(&k2, &fake_guest),
                     *t3 = tb_alloc(&k3, &fake_guest);
    t2->pages[1] = 0x2;    /* straddles into page 2 */
    TranslationBlock *all[3] = {t1, t2, t3};
    for (int i = 0; i < 3; i++) {
        ir_exit_tb(&all[i]->ir, 0);
        cr_assert(tb_commit(&e.cache, all[i], why, sizeof(why)), "%s", why);
    }
    cr_expect_eq(tb_lookup(&e.cache, &k1), t1);
    TbKey other_mode = k1;
    other_mode.flags = 1;
    cr_expect_null(tb_lookup(&e.cache, &other_mode), "mode flags are part of the key");
    cr_expect(tb_page_has_code(&e.cache, 0x2abc));
    cr_expect_not(tb_page_has_code(&e.cache, 0x3000));
    /* A write to page 2 kills only the block that straddles into it. */
    cr_expect_eq(tb_invalidate_page(&e.cache, 0x2000), 1);
    cr_expect(t2->invalid);
    cr_expect_null(tb_lookup(&e.cache, &k2));
    cr_expect_eq(tb_lookup(&e.cache, &k1), t1);
    cr_expect_eq(tb_invalidate_page(&e.cache, 0x1000), 1, "t2 already left page 1's list");
    cr_expect_not(tb_page_has_code(&e.cache, 0x1000));
    cr_expect_eq(tb_lookup(&e.cache, &k3), t3);
    tb_cache_collect(&e.cache);
    cr_expect_eq(e.cache.count, 1);
    tb_flush(&e.cache);
    cr_expect_null(tb_lookup(&e.cache, &k3));
    exec_engine_destroy(&e);
}

Test(tb, full_cache_flushes_before_insert)
{
    ExecEngine e;
    char why[200];
    exec_engine_init(&e, &fake_guest, 4);
    for (unsigned i = 0; i < 10; i++) {
        TbKey k = {.phys_pc = 0x1000 + i * 16, .pc = i * 16};
        TranslationBlock *tb = tb_alloc(&k, &fake_guest);
        ir_exit_tb(&tb->ir, 0);
        cr_assert(tb_commit(&e.cache, tb, why, sizeof(why)));
        cr_assert_leq(e.cache.count, 4);
    }
    cr_expect_eq(e.cache.flushes, 2);
    exec_engine_destroy(&e);
}

Test(tb, range_invalidation_spares_data_next_to_code)
{
    ExecEngine e;
    char why[200];
    exec_engine_init(&e, &fake_guest, 100);
    /* Block A: code at 0x1100..0x1120; block B: 0x1FF0..0x2010 (two pages). */
    TbKey ka = {.phys_pc = 0x1100, .pc = 0x1100}, kb = {.phys_pc = 0x1FF0, .pc = 0x1FF0};
    TranslationBlock *a = tb_alloc(&ka, &fake_guest), *b = tb_alloc(&kb, &fake_guest);
    a->size = 0x20;
    b->size = 0x20;
    b->pages[1] = 0x2;
    ir_exit_tb(&a->ir, 0);
    ir_exit_tb(&b->ir, 0);
    cr_assert(tb_commit(&e.cache, a, why, sizeof(why)));
    cr_assert(tb_commit(&e.cache, b, why, sizeof(why)));
    cr_expect_eq(tb_invalidate_range(&e.cache, 0x1400, 4), 0, "another chunk of the page: no block dies");
    cr_expect_eq(tb_invalidate_range(&e.cache, 0x1120, 4), 0, "same chunk, just past block A");
    cr_expect_eq(tb_lookup(&e.cache, &ka), a);
    cr_expect_eq(tb_invalidate_range(&e.cache, 0x111E, 4), 1, "overlaps A's last two bytes");
    cr_expect(a->invalid);
    cr_expect_eq(tb_invalidate_range(&e.cache, 0x2008, 1), 1, "B's part in the second page");
    cr_expect(b->invalid);
    cr_expect_not(tb_page_has_code(&e.cache, 0x1FF0), "B left the first page's list too");
    exec_engine_destroy(&e);
}

/* A page whose code is rewritten again and again is "SMC-hot" (its blocks
 * are then interpreted); one rewritten rarely, relative to translation
 * activity, is not, and starts counting afresh. */
Test(tb, smc_hot_pages_need_frequent_rewrites)
{
    ExecEngine e;
    char why[200];
    exec_engine_init(&e, &fake_guest, 100000);
    TbKey k = {.phys_pc = 0x3000, .pc = 0x3000};
    for (unsigned i = 0; i < 4; i++) {
        TranslationBlock *tb = tb_alloc(&k, &fake_guest);
        tb->size = 4;
        ir_exit_tb(&tb->ir, 0);
        cr_assert(tb_commit(&e.cache, tb, why, sizeof(why)));
        cr_assert_eq(tb_invalidate_range(&e.cache, 0x3000, 1), 1);
    }
    cr_expect(tb_page_smc_hot(&e.cache, 0x3000, 4, 10), "4 rewrites, the last just now");
    cr_expect_not(tb_page_smc_hot(&e.cache, 0x3000, 5, 10), "below the threshold");
    cr_expect_not(tb_page_smc_hot(&e.cache, 0x4000, 1, 10), "a page without code");
    /* Many translations elsewhere: the page cools down. */
    for (unsigned i = 0; i < 20; i++) {
        TbKey o = {.phys_pc = 0x10000 + 0x10 * i, .pc = 0x10000 + 0x10 * i};
        TranslationBlock *tb = tb_alloc(&o, &fake_guest);
        ir_exit_tb(&tb->ir, 0);
        cr_assert(tb_commit(&e.cache, tb, why, sizeof(why)));
    }
    cr_expect_not(tb_page_smc_hot(&e.cache, 0x3000, 4, 10), "last rewrite 20 translations ago");
    cr_expect_not(tb_page_smc_hot(&e.cache, 0x3000, 1, 1000), "and the count started afresh");
    exec_engine_destroy(&e);
}

/* Real-mode blocks have phys_pc = cs_base + pc: a key hash that XORed the
 * raw fields put a whole segment's blocks in one bucket (SeaBIOS ran 60x
 * slower in the interpreter, all in tb_lookup). */
Test(tb, real_mode_keys_spread_over_buckets)
{
    ExecEngine e;
    char why[200];
    exec_engine_init(&e, &fake_guest, 100000);
    for (unsigned i = 0; i < 4096; i++) {
        TbKey k = {.phys_pc = 0xF0000 + 4 * i, .pc = 4 * i, .cs_base = 0xF0000};
        TranslationBlock *tb = tb_alloc(&k, &fake_guest);
        ir_exit_tb(&tb->ir, 0);
        cr_assert(tb_commit(&e.cache, tb, why, sizeof(why)));
    }
    unsigned longest = 0;
    for (unsigned b = 0; b < e.cache.nbuckets; b++) {
        unsigned n = 0;
        for (TranslationBlock *t = e.cache.buckets[b]; t; t = t->hash_next)
            n++;
        longest = n > longest ? n : longest;
    }
    cr_expect_leq(longest, 8, "longest hash chain %u of 4096 blocks in %u buckets", longest, e.cache.nbuckets);
    exec_engine_destroy(&e);
}
