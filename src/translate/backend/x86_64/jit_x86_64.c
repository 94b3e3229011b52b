/* The native x86-64 backend: a block's IR to host code in one pass, after
 * a linear-scan register allocation of its locals.
 *
 * Register use (System V ABI host):
 *   rbp        the guest state (env) for the whole run
 *   rax rcx rdx r11   scratch inside one op (never hold a local across ops)
 *   rsi rdi r8 r9 r10 locals (those living across a helper call get a stack slot)
 *   rbx r12-r15       the block's most used globals (guest registers), loaded
 *                     at entry; callee-saved, so they survive helper calls
 *   rsp        a fixed frame: 4 words of call arguments, then spill slots
 * The other globals are read and written in the guest state directly. The
 * cached ones are written back (those the block writes) wherever the state
 * must be exact: before a helper that reads the state or may fault, in
 * memory slow paths, at stale-code stops and at every exit; after a helper
 * that may change the state they are loaded again. Their registers are the
 * same for the whole block, so branches inside it need nothing.
 *
 * Guest memory: the soft-TLB hit path is inlined (exec.h ExecLayout):
 * index the table of the block's privilege kind, compare the tag with the
 * page of the access's last byte (a flagged entry or a page-crossing
 * access fails the compare), add the addend. Misses go to an out-of-line
 * tail that saves the live caller-saved locals, records the position and
 * calls the guest's C access function.
 *
 * Block layout: entry check (instruction limit, one compare), body,
 * out-of-line tails. Exits add the block's instruction count to the
 * retired counter, then jump: goto_tb through a patchable rel32 (initially
 * to its exit tail), lookup_tb through the per-CPU jump cache, exit_tb to
 * the epilogue. */
#if defined(__x86_64__)

#include <capstone/capstone.h>
#include <stdlib.h>
#include <string.h>

#include "translate/backend/x86_64/emit.h"
#include "translate/code_buffer.h"
#include "translate/jit.h"
#include "translate/perfmap.h"

#define NSLOTS 250
#define ARG_AREA 32
/* Frame below the 6 callee-saved pushes; keeps rsp 16-byte aligned. */
#define FRAME_SIZE (ARG_AREA + 8 * NSLOTS + 8)

struct JitState {
    CodeBuffer cb;
    PerfMap pm;
    size_t epilogue_off;
    JitRet (*enter)(void *env, void *code);
};

bool jit_host_supported(void)
{
    return true;
}

/* ---- trampoline ---- */

static const X86Reg saved_regs[] = {X86_RBP, X86_RBX, X86_R12, X86_R13, X86_R14, X86_R15};

static bool emit_trampoline(JitState *j)
{
    size_t off = code_buffer_reserve(&j->cb, 128, 16);
    if (off == SIZE_MAX)
        return false;
    X86Emit e;
    x86_emit_init(&e, code_buffer_rw(&j->cb, off), 128);
    for (unsigned i = 0; i < 6; i++)
        x86_emit_push_r(&e, saved_regs[i]);
    x86_emit_alu_ri(&e, X86_ALU_SUB, X86_W64, X86_RSP, FRAME_SIZE);
    x86_emit_mov_rr(&e, X86_W64, X86_RBP, X86_RDI);
    x86_emit_jmp_r(&e, X86_RSI);
    size_t epi = e.len;
    x86_emit_alu_ri(&e, X86_ALU_ADD, X86_W64, X86_RSP, FRAME_SIZE);
    for (int i = 5; i >= 0; i--)
        x86_emit_pop_r(&e, saved_regs[i]);
    x86_emit_ret(&e);
    if (e.overflow)
        return false;
    code_buffer_shrink_last(&j->cb, off, e.len);
    code_buffer_sync(&j->cb, off, e.len);
    j->epilogue_off = off + epi;
    void *entry = code_buffer_rx(&j->cb, off);
    memcpy(&j->enter, &entry, sizeof(entry));
    return true;
}

JitState *jit_create(size_t code_size, bool perfmap, char *why, size_t why_len)
{
    JitState *j = calloc(1, sizeof(*j));
    if (!j) {
        snprintf(why, why_len, "out of memory");
        return NULL;
    }
    /* perf resolves perf-map names only in anonymous memory: with a perf
     * map the code cache is one RWX mapping instead of the W^X pair. */
    bool ok = perfmap ? code_buffer_init_single(&j->cb, code_size, why, why_len)
                      : code_buffer_init(&j->cb, code_size, why, why_len);
    if (!ok) {
        free(j);
        return NULL;
    }
    if (perfmap && !perfmap_open(&j->pm, why, why_len)) {
        code_buffer_destroy(&j->cb);
        free(j);
        return NULL;
    }
    if (!emit_trampoline(j)) {
        snprintf(why, why_len, "code cache too small for the trampoline");
        jit_destroy(j);
        return NULL;
    }
    return j;
}

void jit_destroy(JitState *j)
{
    if (!j)
        return;
    perfmap_close(&j->pm);
    code_buffer_destroy(&j->cb);
    free(j);
}

void jit_reset(JitState *j)
{
    code_buffer_reset(&j->cb);
    emit_trampoline(j);     /* fits: the buffer is at least 1 MiB */
}

JitRet jit_enter(JitState *j, void *env, void *code)
{
    return j->enter(env, code);
}

/* ---- compilation context ---- */

enum { LOC_NONE, LOC_REG, LOC_STACK, LOC_GLOBAL, LOC_CONST };

typedef struct Loc {
    uint8_t kind;
    int8_t reg;
    int32_t disp;               /* stack: offset from rsp; global: offset from rbp */
    uint64_t value;             /* constants */
} Loc;

typedef enum TailKind { TAIL_LD, TAIL_ST, TAIL_STALE, TAIL_GOTO, TAIL_LOOKUP_MISS, TAIL_BUDGET } TailKind;

typedef struct Tail {
    TailKind kind;
    unsigned op;                /* IR op index */
    size_t field;               /* rel32 field in the body to point at the tail */
    size_t back;                /* where the tail returns (memory tails) */
    unsigned slot;              /* goto tails */
} Tail;

typedef struct Fixup {
    size_t field;
    unsigned label;
} Fixup;

typedef struct Ctx {
    JitState *j;
    const ExecLayout *l;
    TranslationBlock *tb;
    const IrBlock *b;
    X86Emit e;
    uint8_t *rx;                /* executable address of the block's first byte */
    Loc *loc;
    uint32_t *start, *end;      /* live interval of each local (op indices) */
    size_t *label_off;
    Fixup *fix;
    unsigned nfix;
    Tail *tails;
    unsigned ntails, tails_cap;
    unsigned tlb_kind;
    bool fail;
    /* globals cached in registers */
    unsigned ncached;
    uint32_t cached[5];         /* temp indices */
    bool cached_written[5];
} Ctx;

static const X86Reg caller_pool[] = {X86_RSI, X86_RDI, X86_R8, X86_R9, X86_R10};
static const X86Reg callee_pool[] = {X86_RBX, X86_R12, X86_R13, X86_R14, X86_R15};

static bool is_caller_saved(int r)
{
    for (unsigned i = 0; i < sizeof(caller_pool) / sizeof(caller_pool[0]); i++)
        if (caller_pool[i] == r)
            return true;
    return false;
}

static Tail *add_tail(Ctx *c, TailKind kind, unsigned op)
{
    if (c->ntails == c->tails_cap) {
        c->tails_cap = c->tails_cap ? c->tails_cap * 2 : 16;
        c->tails = realloc(c->tails, c->tails_cap * sizeof(*c->tails));
        if (!c->tails)
            abort();
    }
    Tail *s = &c->tails[c->ntails++];
    memset(s, 0, sizeof(*s));
    s->kind = kind;
    s->op = op;
    return s;
}

/* ---- register allocation ---- */

static bool is_local(const IrBlock *b, uint64_t t)
{
    return b->temps[t].kind == IR_TEMP_LOCAL;
}

static const uint32_t *sort_start;     /* qsort has no context argument */
static int cmp_by_start(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    if (sort_start[a] != sort_start[b])
        return sort_start[a] < sort_start[b] ? -1 : 1;
    return a < b ? -1 : a > b;
}

static bool allocate(Ctx *c)
{
    const IrBlock *b = c->b;
    unsigned n = b->ntemps;
    for (unsigned t = 0; t < n; t++) {
        const IrTempInfo *ti = &b->temps[t];
        c->start[t] = UINT32_MAX;
        c->end[t] = 0;
        if (ti->kind == IR_TEMP_GLOBAL)
            c->loc[t] = (Loc){.kind = LOC_GLOBAL, .disp = (int32_t)ti->offset};
        else if (ti->kind == IR_TEMP_CONST)
            c->loc[t] = (Loc){.kind = LOC_CONST, .value = ti->value};
        else
            c->loc[t] = (Loc){.kind = LOC_NONE};
    }
    for (unsigned i = 0; i < b->nops; i++) {
        const IrOp *op = &b->ops[i];
        for (unsigned k = 0; k < (unsigned)op->nout + op->nin; k++) {
            uint64_t t = op->args[k];
            if (!is_local(b, t))
                continue;
            if (c->start[t] == UINT32_MAX)
                c->start[t] = i;
            c->end[t] = i;
        }
    }
    /* A backward branch makes every local live somewhere in the loop live
     * through all of it. */
    for (bool changed = true; changed;) {
        changed = false;
        for (unsigned i = 0; i < b->nops; i++) {
            const IrOp *op = &b->ops[i];
            if (op->opc != IR_br && op->opc != IR_brcond)
                continue;
            unsigned label = (unsigned)op->args[op->nout + op->nin + (op->opc == IR_brcond ? 1 : 0)];
            uint32_t p = c->tb->label_pos[label];
            if (p >= i)
                continue;
            for (unsigned t = 0; t < n; t++) {
                if (c->start[t] == UINT32_MAX || c->end[t] < p || c->start[t] > i)
                    continue;
                if (c->start[t] > p || c->end[t] < i) {
                    c->start[t] = c->start[t] < p ? c->start[t] : p;
                    c->end[t] = c->end[t] > i ? c->end[t] : i;
                    changed = true;
                }
            }
        }
    }
    /* The most used globals (at least twice) get the callee-saved
     * registers for the whole block. */
    unsigned ng = b->guest->nglobals;
    unsigned *uses = calloc(ng ? ng : 1, sizeof(*uses));
    bool *written = calloc(ng ? ng : 1, sizeof(*written));
    if (!uses || !written)
        abort();
    for (unsigned i = 0; i < b->nops; i++) {
        const IrOp *op = &b->ops[i];
        for (unsigned k = 0; k < (unsigned)op->nout + op->nin; k++) {
            uint64_t t = op->args[k];
            if (b->temps[t].kind == IR_TEMP_GLOBAL && t < ng) {
                uses[t]++;
                if (k < op->nout)
                    written[t] = true;
            }
        }
    }
    c->ncached = 0;
    for (unsigned r = 0; r < 5; r++) {
        unsigned best = UINT32_MAX;
        for (unsigned g = 0; g < ng; g++)
            if (uses[g] >= 2 && (best == UINT32_MAX || uses[g] > uses[best]))
                best = g;
        if (best == UINT32_MAX)
            break;
        c->cached[c->ncached] = best;
        c->cached_written[c->ncached] = written[best];
        c->loc[best] = (Loc){.kind = LOC_REG, .reg = (int8_t)callee_pool[c->ncached]};
        c->ncached++;
        uses[best] = 0;
    }
    free(uses);
    free(written);
    /* calls[i]: helper calls among ops [0, i). */
    uint32_t *calls = calloc(b->nops + 1, sizeof(*calls));
    uint32_t *order = malloc((n ? n : 1) * sizeof(*order));
    if (!calls || !order)
        abort();
    for (unsigned i = 0; i < b->nops; i++)
        calls[i + 1] = calls[i] + (b->ops[i].opc == IR_call);
    unsigned nl = 0;
    for (unsigned t = 0; t < n; t++)
        if (c->start[t] != UINT32_MAX)
            order[nl++] = t;
    sort_start = c->start;
    qsort(order, nl, sizeof(*order), cmp_by_start);

    /* Which local holds each register / slot, and until when. */
    int32_t reg_owner[16];
    for (unsigned r = 0; r < 16; r++)
        reg_owner[r] = -1;
    int32_t *slot_owner = malloc(NSLOTS * sizeof(*slot_owner));
    if (!slot_owner)
        abort();
    for (unsigned s = 0; s < NSLOTS; s++)
        slot_owner[s] = -1;
    bool ok = true;
    for (unsigned k = 0; k < nl && ok; k++) {
        unsigned t = order[k];
        uint32_t s0 = c->start[t];
        /* A register is reused only after its owner's last use, never by
         * an output of the op that reads it last (ops read inputs while
         * writing outputs). */
        for (unsigned r = 0; r < 16; r++)
            if (reg_owner[r] >= 0 && c->end[reg_owner[r]] < s0)
                reg_owner[r] = -1;
        for (unsigned s = 0; s < NSLOTS; s++)
            if (slot_owner[s] >= 0 && c->end[slot_owner[s]] < s0)
                slot_owner[s] = -1;
        bool crosses = calls[c->end[t]] - calls[s0 + 1 > c->end[t] ? c->end[t] : s0 + 1] > 0;
        int reg = -1;
        if (!crosses)
            for (unsigned i = 0; i < 5 && reg < 0; i++)
                if (reg_owner[caller_pool[i]] < 0)
                    reg = caller_pool[i];
        /* Callee-saved registers the globals left free. */
        for (unsigned i = c->ncached; i < 5 && reg < 0; i++)
            if (reg_owner[callee_pool[i]] < 0)
                reg = callee_pool[i];
        if (reg >= 0) {
            reg_owner[reg] = (int32_t)t;
            c->loc[t] = (Loc){.kind = LOC_REG, .reg = (int8_t)reg};
            continue;
        }
        ok = false;
        for (unsigned s = 0; s < NSLOTS; s++) {
            if (slot_owner[s] < 0) {
                slot_owner[s] = (int32_t)t;
                c->loc[t] = (Loc){.kind = LOC_STACK, .disp = (int32_t)(ARG_AREA + 8 * s)};
                ok = true;
                break;
            }
        }
    }
    free(slot_owner);
    free(calls);
    free(order);
    return ok;
}

/* ---- operand access ---- */

static X86Width width_of(IrType t)
{
    return t == IR_I64 ? X86_W64 : X86_W32;
}

static X86Mem mem_of(const Loc *l)
{
    return x86_mem(l->kind == LOC_STACK ? X86_RSP : X86_RBP, l->disp);
}

static bool in_reg(const Ctx *c, uint64_t t, X86Reg r)
{
    return c->loc[t].kind == LOC_REG && c->loc[t].reg == r;
}

static bool imm_fits(X86Width w, uint64_t v, int32_t *imm)
{
    if (w == X86_W32) {
        *imm = (int32_t)(uint32_t)v;
        return true;
    }
    if ((int64_t)v >= INT32_MIN && (int64_t)v <= INT32_MAX) {
        *imm = (int32_t)(int64_t)v;
        return true;
    }
    return false;
}

/* Load temp t (as width w) into register r. */
static void ld(Ctx *c, X86Reg r, uint64_t t, X86Width w)
{
    const Loc *l = &c->loc[t];
    switch (l->kind) {
    case LOC_CONST:
        if (w == X86_W32)
            x86_emit_mov_ri32(&c->e, r, (uint32_t)l->value);
        else
            x86_emit_mov_ri(&c->e, r, l->value);
        break;
    case LOC_REG:
        if (l->reg != r)
            x86_emit_mov_rr(&c->e, w, r, (X86Reg)l->reg);
        break;
    case LOC_STACK:
    case LOC_GLOBAL: {
        X86Mem m = mem_of(l);
        x86_emit_load(&c->e, w, r, &m);
        break;
    }
    default:
        /* a local read before any write: the interpreter would read 0 */
        x86_emit_mov_ri32(&c->e, r, 0);
        break;
    }
}

/* Store register r (width w) into temp t. */
static void st(Ctx *c, uint64_t t, X86Reg r, X86Width w)
{
    const Loc *l = &c->loc[t];
    if (l->kind == LOC_REG) {
        if (l->reg != r)
            x86_emit_mov_rr(&c->e, w, (X86Reg)l->reg, r);
        return;
    }
    if (l->kind == LOC_STACK || l->kind == LOC_GLOBAL) {
        X86Mem m = mem_of(l);
        x86_emit_store(&c->e, w, &m, r);
    }
}

/* The register an op computes its result in: the destination's own
 * register if it has one that `avoid` does not occupy, else rax. */
static X86Reg work_reg(const Ctx *c, uint64_t d, uint64_t avoid)
{
    if (c->loc[d].kind == LOC_REG && !(avoid != IR_NO_TEMP && in_reg(c, avoid, (X86Reg)c->loc[d].reg)))
        return (X86Reg)c->loc[d].reg;
    return X86_RAX;
}

/* Second operand of a two-operand instruction: an immediate, a register
 * or a memory operand; large constants go through r11. */
typedef struct Opnd {
    int kind;                   /* 0 imm, 1 reg, 2 mem */
    int32_t imm;
    X86Reg reg;
    X86Mem mem;
} Opnd;

static Opnd opnd(Ctx *c, uint64_t t, X86Width w)
{
    const Loc *l = &c->loc[t];
    Opnd o = {0};
    if (l->kind == LOC_CONST && imm_fits(w, l->value, &o.imm)) {
        o.kind = 0;
    } else if (l->kind == LOC_REG) {
        o.kind = 1;
        o.reg = (X86Reg)l->reg;
    } else if (l->kind == LOC_STACK || l->kind == LOC_GLOBAL) {
        o.kind = 2;
        o.mem = mem_of(l);
    } else {
        ld(c, X86_R11, t, w);
        o.kind = 1;
        o.reg = X86_R11;
    }
    return o;
}

static void alu_opnd(Ctx *c, X86AluOp op, X86Width w, X86Reg r, const Opnd *o)
{
    if (o->kind == 0)
        x86_emit_alu_ri(&c->e, op, w, r, o->imm);
    else if (o->kind == 1)
        x86_emit_alu_rr(&c->e, op, w, r, o->reg);
    else
        x86_emit_alu_rm(&c->e, op, w, r, &o->mem);
}

static void and_mask(Ctx *c, X86Width w, X86Reg r, uint64_t mask)
{
    if (w == X86_W32) {
        if ((uint32_t)mask != UINT32_MAX)
            x86_emit_alu_ri(&c->e, X86_ALU_AND, w, r, (int32_t)(uint32_t)mask);
        return;
    }
    if (mask == UINT64_MAX)
        return;
    if (mask == UINT32_MAX) {
        x86_emit_mov_rr(&c->e, X86_W32, r, r);
        return;
    }
    int32_t imm;
    if (imm_fits(X86_W64, mask, &imm)) {
        x86_emit_alu_ri(&c->e, X86_ALU_AND, w, r, imm);
        return;
    }
    x86_emit_mov_ri(&c->e, X86_RCX, mask);
    x86_emit_alu_rr(&c->e, X86_ALU_AND, w, r, X86_RCX);
}

static X86Cond x86_cond(IrCond cond)
{
    static const X86Cond map[IR_COND_COUNT] = {
        [IR_COND_EQ] = X86_CC_E,   [IR_COND_NE] = X86_CC_NE,  [IR_COND_LT] = X86_CC_L,
        [IR_COND_GE] = X86_CC_GE,  [IR_COND_LE] = X86_CC_LE,  [IR_COND_GT] = X86_CC_G,
        [IR_COND_LTU] = X86_CC_B,  [IR_COND_GEU] = X86_CC_AE, [IR_COND_LEU] = X86_CC_BE,
        [IR_COND_GTU] = X86_CC_A,  [IR_COND_TSTEQ] = X86_CC_E, [IR_COND_TSTNE] = X86_CC_NE,
    };
    return map[cond];
}

/* Set the host flags for cond(a, b); returns the host condition. */
static X86Cond emit_compare(Ctx *c, IrCond cond, X86Width w, uint64_t a, uint64_t b)
{
    X86Reg ra = X86_RAX;
    if (c->loc[a].kind == LOC_REG)
        ra = (X86Reg)c->loc[a].reg;
    else
        ld(c, X86_RAX, a, w);
    Opnd o = opnd(c, b, w);
    if (cond == IR_COND_TSTEQ || cond == IR_COND_TSTNE) {
        if (o.kind == 0)
            x86_emit_test_ri(&c->e, w, ra, o.imm);
        else if (o.kind == 1)
            x86_emit_test_rr(&c->e, w, ra, o.reg);
        else
            x86_emit_test_mr(&c->e, w, &o.mem, ra);
    } else {
        alu_opnd(c, X86_ALU_CMP, w, ra, &o);
    }
    return x86_cond(cond);
}

/* ---- cached globals ---- */

/* Write the cached globals the block writes back to the state. */
static void sync_store(Ctx *c)
{
    for (unsigned i = 0; i < c->ncached; i++) {
        if (!c->cached_written[i])
            continue;
        uint32_t t = c->cached[i];
        X86Mem m = x86_mem(X86_RBP, (int32_t)c->b->temps[t].offset);
        x86_emit_store(&c->e, width_of((IrType)c->b->temps[t].type), &m, (X86Reg)c->loc[t].reg);
    }
}

/* Load every cached global from the state (block entry, after a helper
 * that may have changed it). */
static void sync_load(Ctx *c)
{
    for (unsigned i = 0; i < c->ncached; i++) {
        uint32_t t = c->cached[i];
        X86Mem m = x86_mem(X86_RBP, (int32_t)c->b->temps[t].offset);
        x86_emit_load(&c->e, width_of((IrType)c->b->temps[t].type), (X86Reg)c->loc[t].reg, &m);
    }
}

/* Whether the state bytes [off, off + size) hold part of a cached global. */
static bool touches_cached(const Ctx *c, uint64_t off, uint64_t size)
{
    for (unsigned i = 0; i < c->ncached; i++) {
        const IrTempInfo *ti = &c->b->temps[c->cached[i]];
        uint64_t s0 = ti->offset, s1 = s0 + (ti->type == IR_I64 ? 8 : 4);
        if (off < s1 && s0 < off + size)
            return true;
    }
    return false;
}

/* ---- jumps out of the block ---- */

static void jmp_abs(Ctx *c, const void *target)
{
    intptr_t rel = (intptr_t)((const uint8_t *)target - (c->rx + c->e.len + 5));
    x86_emit_jmp_rel32(&c->e, (int32_t)rel);
}

static void exit_with(Ctx *c, uint64_t code)
{
    x86_emit_mov_ri32(&c->e, X86_RAX, (uint32_t)code);
    x86_emit_movabs_ri(&c->e, X86_RDX, (uint64_t)(uintptr_t)c->tb);
    jmp_abs(c, code_buffer_rx(&c->j->cb, c->j->epilogue_off));
}

static void count_retired(Ctx *c)
{
    X86Mem m = x86_mem(X86_RBP, c->l->insns_retired);
    if (c->tb->icount)
        x86_emit_alu_mi(&c->e, X86_ALU_ADD, X86_W64, &m, (int32_t)c->tb->icount);
}

/* Record where the code is (block and op) for whatever looks at the
 * position: only before calls and at stale stops, not at every block
 * entry. Uses rdx, free at every caller's point. */
static void set_cur_op(Ctx *c, unsigned i)
{
    x86_emit_movabs_ri(&c->e, X86_RDX, (uint64_t)(uintptr_t)c->tb);
    X86Mem t = x86_mem(X86_RBP, c->l->cur_tb);
    x86_emit_store(&c->e, X86_W64, &t, X86_RDX);
    X86Mem m = x86_mem(X86_RBP, c->l->cur_op);
    x86_emit_store_imm(&c->e, X86_W32, &m, (int32_t)i);
}

/* ---- guest memory ---- */

static unsigned log2u(uint32_t v)
{
    unsigned n = 0;
    while ((1u << n) < v)
        n++;
    return n;
}

/* The address of temp t in a register (its own, or r11), zero-extended
 * from 32 bits: guest linear addresses are 32-bit (what the TLB tags and
 * the slow path take), even in an I64 temp. */
static X86Reg addr_reg(Ctx *c, uint64_t t)
{
    if (c->loc[t].kind == LOC_REG && c->b->temps[t].type == IR_I32)
        return (X86Reg)c->loc[t].reg;
    ld(c, X86_R11, t, X86_W32);
    return X86_R11;
}

/* Inline TLB compare: leaves the host addend in rcx on a hit, jumps to a
 * new tail on a miss. */
static Tail *emit_tlb_check(Ctx *c, TailKind kind, unsigned i, X86Reg a, unsigned size, int access)
{
    const ExecLayout *l = c->l;
    unsigned shift = l->tlb_page_bits - log2u(l->tlb_entry_size);
    uint32_t idx_mask = (l->tlb_entries - 1) * l->tlb_entry_size;
    x86_emit_mov_rr(&c->e, X86_W32, X86_RCX, a);
    x86_emit_shift_ri(&c->e, X86_SHIFT_SHR, X86_W32, X86_RCX, (uint8_t)shift);
    x86_emit_alu_ri(&c->e, X86_ALU_AND, X86_W32, X86_RCX, (int32_t)idx_mask);
    X86Mem last = x86_mem(a, (int32_t)size - 1);
    x86_emit_lea(&c->e, X86_W32, X86_RDX, &last);
    x86_emit_alu_ri(&c->e, X86_ALU_AND, X86_W32, X86_RDX, (int32_t)(uint32_t)(~0u << l->tlb_page_bits));
    int32_t table = l->tlb_table[c->tlb_kind];
    X86Mem tag = x86_mem_idx(X86_RBP, X86_RCX, 1, table + l->tlb_tag[access]);
    x86_emit_alu_rm(&c->e, X86_ALU_CMP, X86_W32, X86_RDX, &tag);
    Tail *s = add_tail(c, kind, i);
    s->field = x86_emit_jcc_rel32(&c->e, X86_CC_NE, 0);
    X86Mem addend = x86_mem_idx(X86_RBP, X86_RCX, 1, table + l->tlb_addend);
    x86_emit_load(&c->e, X86_W64, X86_RCX, &addend);
    return s;
}

static void emit_qld(Ctx *c, unsigned i, const IrOp *op)
{
    IrType t = (IrType)op->type;
    X86Width w = width_of(t);
    unsigned memop = (unsigned)op->args[2];
    unsigned size = memop & IR_MEM_SIZE_MASK;
    bool sign = memop & IR_MEM_SIGN;
    X86Reg a = addr_reg(c, op->args[1]);
    Tail *s = emit_tlb_check(c, TAIL_LD, i, a, size, 0);
    X86Mem m = x86_mem_idx(X86_RCX, a, 1, 0);
    X86Reg r = work_reg(c, op->args[0], IR_NO_TEMP);
    switch (size) {
    case 1:
    case 2:
        if (sign)
            x86_emit_movsx_rm(&c->e, w, size == 1 ? X86_W8 : X86_W16, r, &m);
        else
            x86_emit_movzx_rm(&c->e, X86_W32, size == 1 ? X86_W8 : X86_W16, r, &m);
        break;
    case 4:
        if (sign && w == X86_W64)
            x86_emit_movsxd_rm(&c->e, r, &m);
        else
            x86_emit_load(&c->e, X86_W32, r, &m);
        break;
    default:
        x86_emit_load(&c->e, w, r, &m);
        break;
    }
    st(c, op->args[0], r, w);
    s->back = c->e.len;
}

static void emit_qst(Ctx *c, unsigned i, const IrOp *op)
{
    IrType t = (IrType)op->type;
    X86Width w = width_of(t);
    unsigned memop = (unsigned)op->args[2];
    unsigned size = memop & IR_MEM_SIZE_MASK;
    X86Reg a = addr_reg(c, op->args[1]);
    Tail *s = emit_tlb_check(c, TAIL_ST, i, a, size, 1);
    X86Mem m = x86_mem_idx(X86_RCX, a, 1, 0);
    X86Width sw = size == 1 ? X86_W8 : size == 2 ? X86_W16 : size == 4 ? X86_W32 : X86_W64;
    const Loc *vl = &c->loc[op->args[0]];
    int32_t imm;
    if (vl->kind == LOC_CONST && imm_fits(sw == X86_W64 ? X86_W64 : X86_W32, vl->value, &imm)) {
        x86_emit_store_imm(&c->e, sw, &m, imm);
    } else {
        X86Reg v = X86_RAX;
        if (vl->kind == LOC_REG)
            v = (X86Reg)vl->reg;
        else
            ld(c, X86_RAX, op->args[0], w);
        x86_emit_store(&c->e, sw, &m, v);
    }
    s->back = c->e.len;
}

/* Caller-saved registers holding locals live across op i. */
static unsigned live_caller_saved(const Ctx *c, unsigned i, X86Reg *regs)
{
    unsigned n = 0;
    bool seen[16] = {false};
    for (unsigned t = 0; t < c->b->ntemps; t++) {
        const Loc *l = &c->loc[t];
        if (l->kind != LOC_REG || !is_caller_saved(l->reg) || seen[(int)l->reg])
            continue;
        if (c->start[t] < i && c->end[t] > i) {
            seen[(int)l->reg] = true;
            regs[n++] = (X86Reg)l->reg;
        }
    }
    return n;
}

static void emit_mem_tail(Ctx *c, const Tail *s)
{
    const IrOp *op = &c->b->ops[s->op];
    X86Width w = width_of((IrType)op->type);
    /* Operands into scratch registers first: before the pushes move rsp
     * (spilled operands are rsp-relative) and before any argument register
     * is overwritten. */
    ld(c, X86_R11, op->args[1], X86_W32);
    if (s->kind == TAIL_ST)
        ld(c, X86_RAX, op->args[0], w);
    X86Reg saved[8];
    unsigned n = live_caller_saved(c, s->op, saved);
    for (unsigned k = 0; k < n; k++)
        x86_emit_push_r(&c->e, saved[k]);
    if (n & 1)
        x86_emit_alu_ri(&c->e, X86_ALU_SUB, X86_W64, X86_RSP, 8);
    sync_store(c);          /* a fault shows the state; memory ops never change globals */
    set_cur_op(c, s->op);
    const void *fn;
    if (s->kind == TAIL_LD) {
        x86_emit_mov_rr(&c->e, X86_W64, X86_RDI, X86_RBP);
        x86_emit_mov_rr(&c->e, X86_W32, X86_RSI, X86_R11);
        x86_emit_mov_ri32(&c->e, X86_RDX, (uint32_t)op->args[2]);
        fn = (const void *)c->b->guest->mem_load;
    } else {
        x86_emit_mov_rr(&c->e, X86_W64, X86_RDI, X86_RBP);
        x86_emit_mov_rr(&c->e, X86_W32, X86_RSI, X86_R11);
        x86_emit_mov_rr(&c->e, X86_W64, X86_RDX, X86_RAX);
        x86_emit_mov_ri32(&c->e, X86_RCX, (uint32_t)op->args[2]);
        fn = (const void *)c->b->guest->mem_store;
    }
    x86_emit_call_abs(&c->e, X86_RAX, fn);
    if (n & 1)
        x86_emit_alu_ri(&c->e, X86_ALU_ADD, X86_W64, X86_RSP, 8);
    for (unsigned k = n; k-- > 0;)
        x86_emit_pop_r(&c->e, saved[k]);
    if (s->kind == TAIL_LD)
        st(c, op->args[0], X86_RAX, w);
    x86_emit_jmp_to(&c->e, s->back);
}

/* ---- helper calls ---- */

static void emit_call(Ctx *c, unsigned i, const IrOp *op)
{
    const IrHelperDef *h = &c->b->guest->helpers[op->args[op->nout + op->nin]];
    if (!(h->flags & IR_HELPER_PURE) || (h->flags & IR_HELPER_FAULTS)) {
        sync_store(c);
        set_cur_op(c, i);
    }
    static const X86Reg argr[4] = {X86_RSI, X86_RDX, X86_RCX, X86_R8};
    unsigned nin = op->nin;
    /* Through the argument area: sources may sit in argument registers. */
    bool direct = true;
    for (unsigned k = 0; k < nin; k++) {
        uint64_t t = op->args[op->nout + k];
        for (unsigned m = 0; m < nin; m++)
            if (in_reg(c, t, argr[m]) && m != k)
                direct = false;
    }
    for (unsigned k = 0; k < nin; k++) {
        uint64_t t = op->args[op->nout + k];
        X86Width w = width_of((IrType)c->b->temps[t].type);
        if (direct) {
            ld(c, argr[k], t, w);
        } else {
            ld(c, X86_RAX, t, w);
            X86Mem m = x86_mem(X86_RSP, (int32_t)(8 * k));
            x86_emit_store(&c->e, X86_W64, &m, X86_RAX);
        }
    }
    if (!direct)
        for (unsigned k = 0; k < nin; k++) {
            X86Mem m = x86_mem(X86_RSP, (int32_t)(8 * k));
            x86_emit_load(&c->e, X86_W64, argr[k], &m);
        }
    x86_emit_mov_rr(&c->e, X86_W64, X86_RDI, X86_RBP);
    x86_emit_call_abs(&c->e, X86_RAX, (const void *)h->fn);
    if (!(h->flags & IR_HELPER_PURE))
        sync_load(c);
    if (op->nout)
        st(c, op->args[0], X86_RAX, width_of((IrType)c->b->temps[op->args[0]].type));
}

/* ---- one op ---- */

static void emit_binop(Ctx *c, X86AluOp aop, X86Width w, uint64_t d, uint64_t a, uint64_t b, bool commutative)
{
    const Loc *dl = &c->loc[d];
    if (d == a && (dl->kind == LOC_GLOBAL || dl->kind == LOC_STACK)) {
        X86Mem m = mem_of(dl);
        const Loc *bl = &c->loc[b];
        int32_t imm;
        if (bl->kind == LOC_CONST && imm_fits(w, bl->value, &imm)) {
            x86_emit_alu_mi(&c->e, aop, w, &m, imm);
        } else if (bl->kind == LOC_REG) {
            x86_emit_alu_mr(&c->e, aop, w, &m, (X86Reg)bl->reg);
        } else {
            ld(c, X86_RAX, b, w);
            x86_emit_alu_mr(&c->e, aop, w, &m, X86_RAX);
        }
        return;
    }
    if (commutative && dl->kind == LOC_REG && in_reg(c, b, (X86Reg)dl->reg)) {
        uint64_t x = a;
        a = b;
        b = x;
    }
    X86Reg r = work_reg(c, d, b);
    ld(c, r, a, w);
    Opnd o = opnd(c, b, w);
    alu_opnd(c, aop, w, r, &o);
    st(c, d, r, w);
}

static void emit_shift(Ctx *c, X86ShiftOp sop, X86Width w, uint64_t d, uint64_t a, uint64_t b)
{
    unsigned bits = w == X86_W64 ? 64 : 32;
    if (c->loc[b].kind == LOC_CONST) {
        X86Reg r = work_reg(c, d, IR_NO_TEMP);
        ld(c, r, a, w);
        unsigned n = (unsigned)(c->loc[b].value & (bits - 1));
        if (n)
            x86_emit_shift_ri(&c->e, sop, w, r, (uint8_t)n);
        st(c, d, r, w);
        return;
    }
    ld(c, X86_RCX, b, X86_W32);
    X86Reg r = work_reg(c, d, IR_NO_TEMP);
    ld(c, r, a, w);
    x86_emit_shift_cl(&c->e, sop, w, r);
    st(c, d, r, w);
}

static void emit_ext(Ctx *c, X86Width w, X86Width sw, bool sign, uint64_t d, uint64_t a)
{
    X86Reg r = work_reg(c, d, IR_NO_TEMP);
    const Loc *al = &c->loc[a];
    if (al->kind == LOC_REG) {
        if (sign)
            x86_emit_movsx_rr(&c->e, w, sw, r, (X86Reg)al->reg);
        else
            x86_emit_movzx_rr(&c->e, X86_W32, sw, r, (X86Reg)al->reg);
    } else if (al->kind == LOC_STACK || al->kind == LOC_GLOBAL) {
        X86Mem m = mem_of(al);
        if (sign)
            x86_emit_movsx_rm(&c->e, w, sw, r, &m);
        else
            x86_emit_movzx_rm(&c->e, X86_W32, sw, r, &m);
    } else {
        ld(c, X86_RAX, a, w);
        if (sign)
            x86_emit_movsx_rr(&c->e, w, sw, r, X86_RAX);
        else
            x86_emit_movzx_rr(&c->e, X86_W32, sw, r, X86_RAX);
    }
    st(c, d, r, w);
}

static uint64_t field_mask(unsigned len)
{
    return len >= 64 ? UINT64_MAX : (1ULL << len) - 1;
}

static void emit_label_jump(Ctx *c, int cc, unsigned label)
{
    size_t target = c->label_off[label];
    if (target != SIZE_MAX) {
        if (cc < 0)
            x86_emit_jmp_to(&c->e, target);
        else
            x86_emit_jcc_to(&c->e, (X86Cond)cc, target);
        return;
    }
    size_t field = cc < 0 ? x86_emit_jmp_rel32(&c->e, 0) : x86_emit_jcc_rel32(&c->e, (X86Cond)cc, 0);
    c->fix[c->nfix++] = (Fixup){field, label};
}

/* Probe the jump cache for the guest pc in the state and jump to the
 * block found (same key flags and code-segment base as this one); the
 * rel32 fields of the four miss branches go to miss[] for the caller. */
static void emit_jc_probe(Ctx *c, size_t miss[4])
{
    const ExecLayout *l = c->l;
    X86Mem pc = x86_mem(X86_RBP, l->pc);
    x86_emit_load(&c->e, X86_W32, X86_RAX, &pc);
    x86_emit_mov_rr(&c->e, X86_W32, X86_RCX, X86_RAX);
    x86_emit_shift_ri(&c->e, X86_SHIFT_SHR, X86_W32, X86_RCX, EXEC_JC_BITS);
    x86_emit_alu_rr(&c->e, X86_ALU_XOR, X86_W32, X86_RCX, X86_RAX);
    x86_emit_alu_ri(&c->e, X86_ALU_AND, X86_W32, X86_RCX, EXEC_JC_SIZE - 1);
    X86Mem slot = x86_mem_idx(X86_RBP, X86_RCX, 8, l->jump_cache);
    x86_emit_load(&c->e, X86_W64, X86_RDX, &slot);
    x86_emit_test_rr(&c->e, X86_W64, X86_RDX, X86_RDX);
    miss[0] = x86_emit_jcc_rel32(&c->e, X86_CC_E, 0);
    X86Mem kpc = x86_mem(X86_RDX, (int32_t)offsetof(TranslationBlock, key.pc));
    x86_emit_alu_rm(&c->e, X86_ALU_CMP, X86_W32, X86_RAX, &kpc);
    miss[1] = x86_emit_jcc_rel32(&c->e, X86_CC_NE, 0);
    X86Mem kcs = x86_mem(X86_RDX, (int32_t)offsetof(TranslationBlock, key.cs_base));
    x86_emit_alu_mi(&c->e, X86_ALU_CMP, X86_W32, &kcs, (int32_t)c->tb->key.cs_base);
    miss[2] = x86_emit_jcc_rel32(&c->e, X86_CC_NE, 0);
    X86Mem kfl = x86_mem(X86_RDX, (int32_t)offsetof(TranslationBlock, key.flags));
    x86_emit_alu_mi(&c->e, X86_ALU_CMP, X86_W32, &kfl, (int32_t)c->tb->key.flags);
    miss[3] = x86_emit_jcc_rel32(&c->e, X86_CC_NE, 0);
    X86Mem code = x86_mem(X86_RDX, (int32_t)offsetof(TranslationBlock, code));
    x86_emit_jmp_m(&c->e, &code);
}

static void emit_op(Ctx *c, unsigned i, const IrOp *op, bool *check_stale)
{
    X86Width w = width_of((IrType)op->type);
    const uint64_t *a = op->args;
    const uint64_t *k = &op->args[op->nout + op->nin];
    switch ((IrOpcode)op->opc) {
    case IR_mov: {
        const Loc *dl = &c->loc[a[0]], *sl = &c->loc[a[1]];
        int32_t imm;
        if (a[0] == a[1])
            break;
        if (dl->kind == LOC_REG) {
            ld(c, (X86Reg)dl->reg, a[1], w);
        } else if (sl->kind == LOC_REG) {
            st(c, a[0], (X86Reg)sl->reg, w);
        } else if (sl->kind == LOC_CONST && imm_fits(w, sl->value, &imm) && dl->kind != LOC_NONE) {
            X86Mem m = mem_of(dl);
            x86_emit_store_imm(&c->e, w, &m, imm);
        } else {
            ld(c, X86_RAX, a[1], w);
            st(c, a[0], X86_RAX, w);
        }
        break;
    }
    case IR_movi: {
        const Loc *dl = &c->loc[a[0]];
        int32_t imm;
        if (dl->kind == LOC_REG) {
            if (w == X86_W32)
                x86_emit_mov_ri32(&c->e, (X86Reg)dl->reg, (uint32_t)k[0]);
            else
                x86_emit_mov_ri(&c->e, (X86Reg)dl->reg, k[0]);
        } else if (imm_fits(w, k[0], &imm)) {
            X86Mem m = mem_of(dl);
            x86_emit_store_imm(&c->e, w, &m, imm);
        } else {
            x86_emit_mov_ri(&c->e, X86_RAX, k[0]);
            st(c, a[0], X86_RAX, w);
        }
        break;
    }
    case IR_add: emit_binop(c, X86_ALU_ADD, w, a[0], a[1], a[2], true); break;
    case IR_sub: emit_binop(c, X86_ALU_SUB, w, a[0], a[1], a[2], false); break;
    case IR_and: emit_binop(c, X86_ALU_AND, w, a[0], a[1], a[2], true); break;
    case IR_or: emit_binop(c, X86_ALU_OR, w, a[0], a[1], a[2], true); break;
    case IR_xor: emit_binop(c, X86_ALU_XOR, w, a[0], a[1], a[2], true); break;
    case IR_mul: {
        X86Reg r = work_reg(c, a[0], a[2]);
        ld(c, r, a[1], w);
        const Loc *bl = &c->loc[a[2]];
        int32_t imm;
        if (bl->kind == LOC_CONST && imm_fits(w, bl->value, &imm)) {
            x86_emit_imul_rri(&c->e, w, r, r, imm);
        } else if (bl->kind == LOC_REG) {
            x86_emit_imul_rr(&c->e, w, r, (X86Reg)bl->reg);
        } else {
            ld(c, X86_RCX, a[2], w);
            x86_emit_imul_rr(&c->e, w, r, X86_RCX);
        }
        st(c, a[0], r, w);
        break;
    }
    case IR_mulu2:
    case IR_muls2:
        ld(c, X86_RAX, a[2], w);
        ld(c, X86_RCX, a[3], w);
        x86_emit_unary_r(&c->e, op->opc == IR_muls2 ? X86_UNARY_IMUL : X86_UNARY_MUL, w, X86_RCX);
        st(c, a[0], X86_RAX, w);
        st(c, a[1], X86_RDX, w);
        break;
    case IR_neg:
    case IR_not: {
        X86Reg r = work_reg(c, a[0], IR_NO_TEMP);
        ld(c, r, a[1], w);
        x86_emit_unary_r(&c->e, op->opc == IR_neg ? X86_UNARY_NEG : X86_UNARY_NOT, w, r);
        st(c, a[0], r, w);
        break;
    }
    case IR_shl: emit_shift(c, X86_SHIFT_SHL, w, a[0], a[1], a[2]); break;
    case IR_shr: emit_shift(c, X86_SHIFT_SHR, w, a[0], a[1], a[2]); break;
    case IR_sar: emit_shift(c, X86_SHIFT_SAR, w, a[0], a[1], a[2]); break;
    case IR_rotl: emit_shift(c, X86_SHIFT_ROL, w, a[0], a[1], a[2]); break;
    case IR_rotr: emit_shift(c, X86_SHIFT_ROR, w, a[0], a[1], a[2]); break;
    case IR_ext8s: emit_ext(c, w, X86_W8, true, a[0], a[1]); break;
    case IR_ext8u: emit_ext(c, w, X86_W8, false, a[0], a[1]); break;
    case IR_ext16s: emit_ext(c, w, X86_W16, true, a[0], a[1]); break;
    case IR_ext16u: emit_ext(c, w, X86_W16, false, a[0], a[1]); break;
    case IR_ext32s: {
        X86Reg r = work_reg(c, a[0], IR_NO_TEMP);
        ld(c, X86_RAX, a[1], X86_W32);
        x86_emit_movsxd_rr(&c->e, r, X86_RAX);
        st(c, a[0], r, X86_W64);
        break;
    }
    case IR_ext32u:
    case IR_trunc32: {
        X86Reg r = work_reg(c, a[0], IR_NO_TEMP);
        ld(c, r, a[1], X86_W32);
        if (c->loc[a[1]].kind == LOC_REG && c->loc[a[1]].reg == r)
            x86_emit_mov_rr(&c->e, X86_W32, r, r);
        st(c, a[0], r, op->opc == IR_ext32u ? X86_W64 : X86_W32);
        break;
    }
    case IR_deposit: {
        unsigned bits = w == X86_W64 ? 64 : 32, pos = (unsigned)k[0], len = (unsigned)k[1];
        uint64_t fm = (field_mask(len) << pos) & (bits == 64 ? UINT64_MAX : UINT32_MAX);
        ld(c, X86_RAX, a[2], w);
        if (len < bits)
            and_mask(c, w, X86_RAX, field_mask(len));
        if (pos)
            x86_emit_shift_ri(&c->e, X86_SHIFT_SHL, w, X86_RAX, (uint8_t)pos);
        ld(c, X86_RDX, a[1], w);
        and_mask(c, w, X86_RDX, ~fm);
        x86_emit_alu_rr(&c->e, X86_ALU_OR, w, X86_RAX, X86_RDX);
        st(c, a[0], X86_RAX, w);
        break;
    }
    case IR_extract: {
        unsigned bits = w == X86_W64 ? 64 : 32, pos = (unsigned)k[0], len = (unsigned)k[1];
        X86Reg r = work_reg(c, a[0], IR_NO_TEMP);
        ld(c, r, a[1], w);
        if (pos)
            x86_emit_shift_ri(&c->e, X86_SHIFT_SHR, w, r, (uint8_t)pos);
        if (len < bits)
            and_mask(c, w, r, field_mask(len));
        st(c, a[0], r, w);
        break;
    }
    case IR_setcond: {
        X86Cond cc = emit_compare(c, (IrCond)k[0], w, a[1], a[2]);
        x86_emit_setcc_r(&c->e, cc, X86_RAX);
        x86_emit_movzx_rr(&c->e, X86_W32, X86_W8, X86_RAX, X86_RAX);
        st(c, a[0], X86_RAX, w);
        break;
    }
    case IR_movcond: {
        ld(c, X86_RDX, a[4], w);
        const Loc *vl = &c->loc[a[3]];
        X86Reg v = X86_RCX;
        if (vl->kind == LOC_REG)
            v = (X86Reg)vl->reg;
        else
            ld(c, X86_RCX, a[3], w);
        X86Cond cc = emit_compare(c, (IrCond)k[0], w, a[1], a[2]);
        x86_emit_cmov_rr(&c->e, cc, w, X86_RDX, v);
        st(c, a[0], X86_RDX, w);
        break;
    }
    case IR_ld_env: {
        if (touches_cached(c, k[0], k[1]))
            sync_store(c);
        X86Reg r = work_reg(c, a[0], IR_NO_TEMP);
        X86Mem m = x86_mem(X86_RBP, (int32_t)k[0]);
        switch (k[1]) {
        case 1: x86_emit_movzx_rm(&c->e, X86_W32, X86_W8, r, &m); break;
        case 2: x86_emit_movzx_rm(&c->e, X86_W32, X86_W16, r, &m); break;
        case 4: x86_emit_load(&c->e, X86_W32, r, &m); break;
        default: x86_emit_load(&c->e, w, r, &m); break;
        }
        st(c, a[0], r, w);
        break;
    }
    case IR_st_env: {
        X86Width sw = k[1] == 1 ? X86_W8 : k[1] == 2 ? X86_W16 : k[1] == 4 ? X86_W32 : X86_W64;
        X86Mem m = x86_mem(X86_RBP, (int32_t)k[0]);
        bool overlap = touches_cached(c, k[0], k[1]);
        if (overlap)
            sync_store(c);
        const Loc *vl = &c->loc[a[0]];
        int32_t imm;
        if (vl->kind == LOC_CONST && imm_fits(sw == X86_W64 ? X86_W64 : X86_W32, vl->value, &imm)) {
            x86_emit_store_imm(&c->e, sw, &m, imm);
        } else if (vl->kind == LOC_REG) {
            x86_emit_store(&c->e, sw, &m, (X86Reg)vl->reg);
        } else {
            ld(c, X86_RAX, a[0], w);
            x86_emit_store(&c->e, sw, &m, X86_RAX);
        }
        if (overlap)
            sync_load(c);
        break;
    }
    case IR_qld:
        emit_qld(c, i, op);
        break;
    case IR_qst:
        emit_qst(c, i, op);
        *check_stale = true;
        break;
    case IR_call: {
        const IrHelperDef *h = &c->b->guest->helpers[k[0]];
        emit_call(c, i, op);
        if (!(h->flags & IR_HELPER_PURE))
            *check_stale = true;
        break;
    }
    case IR_set_label:
        c->label_off[k[0]] = c->e.len;
        /* A branch may arrive here from after a store: check at the next
         * instruction start whatever the straight-line path did. */
        *check_stale = true;
        break;
    case IR_br:
        emit_label_jump(c, -1, (unsigned)k[0]);
        break;
    case IR_brcond: {
        X86Cond cc = emit_compare(c, (IrCond)k[0], w, a[0], a[1]);
        emit_label_jump(c, (int)cc, (unsigned)k[1]);
        break;
    }
    case IR_insn_start:
        if (*check_stale) {
            /* A store of the previous instruction may have overwritten
             * this block's code: stop before running stale instructions. */
            X86Mem m = x86_mem(X86_RBP, c->l->stale);
            x86_emit_alu_mi(&c->e, X86_ALU_CMP, X86_W8, &m, 0);
            Tail *s = add_tail(c, TAIL_STALE, i);
            s->field = x86_emit_jcc_rel32(&c->e, X86_CC_NE, 0);
            *check_stale = false;
        }
        break;
    case IR_goto_tb: {
        unsigned slot = (unsigned)k[0] & 1;
        sync_store(c);
        count_retired(c);
        Tail *s = add_tail(c, TAIL_GOTO, i);
        s->slot = slot;
        s->field = x86_emit_jmp_rel32(&c->e, 0);
        break;
    }
    case IR_lookup_tb: {
        sync_store(c);
        count_retired(c);
        size_t miss[4];
        emit_jc_probe(c, miss);
        for (unsigned m = 0; m < 4; m++) {
            Tail *st = add_tail(c, TAIL_LOOKUP_MISS, i);
            st->field = miss[m];
        }
        break;
    }
    case IR_exit_tb:
        sync_store(c);
        count_retired(c);
        exit_with(c, TB_EXIT_CODE + k[0]);
        break;
    case IR_OPCODE_COUNT:
        c->fail = true;
        break;
    }
}

/* ---- the block ---- */

static void emit_tails(Ctx *c)
{
    /* Misses of one lookup share one exit. */
    size_t lookup_exit = SIZE_MAX;
    unsigned lookup_op = UINT32_MAX;
    for (unsigned n = 0; n < c->ntails; n++) {
        Tail *s = &c->tails[n];
        size_t here = c->e.len;
        switch (s->kind) {
        case TAIL_LD:
        case TAIL_ST:
            x86_emit_patch_rel32(&c->e, s->field, here);
            emit_mem_tail(c, s);
            break;
        case TAIL_STALE:
            x86_emit_patch_rel32(&c->e, s->field, here);
            sync_store(c);
            set_cur_op(c, s->op);
            exit_with(c, TB_EXIT_STALE);
            break;
        case TAIL_GOTO: {
            /* Unchained (not yet, or a target the chaining rules refuse,
             * e.g. in another page): try the jump cache before the loop. */
            x86_emit_patch_rel32(&c->e, s->field, here);
            c->tb->jmp_field[s->slot] = (uint32_t)s->field;
            c->tb->jmp_reset[s->slot] = (uint32_t)here;
            size_t miss[4];
            emit_jc_probe(c, miss);
            size_t out = c->e.len;
            for (unsigned m = 0; m < 4; m++)
                x86_emit_patch_rel32(&c->e, miss[m], out);
            exit_with(c, s->slot ? TB_EXIT_GOTO1 : TB_EXIT_GOTO0);
            break;
        }
        case TAIL_LOOKUP_MISS:
            if (lookup_op != s->op) {
                lookup_op = s->op;
                lookup_exit = here;
                exit_with(c, TB_EXIT_LOOKUP);
            }
            x86_emit_patch_rel32(&c->e, s->field, lookup_exit);
            break;
        case TAIL_BUDGET:
            x86_emit_patch_rel32(&c->e, s->field, here);
            exit_with(c, TB_EXIT_BUDGET);
            break;
        }
    }
}

static void emit_entry(Ctx *c)
{
    const ExecLayout *l = c->l;
    X86Mem retired = x86_mem(X86_RBP, l->insns_retired), limit = x86_mem(X86_RBP, l->insn_limit);
    x86_emit_load(&c->e, X86_W64, X86_RAX, &retired);
    x86_emit_alu_ri(&c->e, X86_ALU_ADD, X86_W64, X86_RAX, (int32_t)c->tb->icount);
    x86_emit_alu_rm(&c->e, X86_ALU_CMP, X86_W64, X86_RAX, &limit);
    Tail *s = add_tail(c, TAIL_BUDGET, 0);
    s->field = x86_emit_jcc_rel32(&c->e, X86_CC_A, 0);
    sync_load(c);
}

JitResult jit_compile(JitState *j, const ExecLayout *l, TranslationBlock *tb)
{
    const IrBlock *b = &tb->ir;
    size_t cap = 512 + (size_t)b->nops * 160;
    size_t off = code_buffer_reserve(&j->cb, cap, 16);
    if (off == SIZE_MAX)
        return JIT_FULL;
    Ctx c = {.j = j, .l = l, .tb = tb, .b = b};
    c.rx = code_buffer_rx(&j->cb, off);
    c.tlb_kind = l->tlb_kind ? l->tlb_kind(tb->key.flags) : 0;
    unsigned nt = b->ntemps ? b->ntemps : 1;
    c.loc = calloc(nt, sizeof(*c.loc));
    c.start = calloc(nt, sizeof(*c.start));
    c.end = calloc(nt, sizeof(*c.end));
    c.label_off = malloc((b->nlabels ? b->nlabels : 1) * sizeof(*c.label_off));
    c.fix = malloc((b->nops ? b->nops : 1) * sizeof(*c.fix));
    if (!c.loc || !c.start || !c.end || !c.label_off || !c.fix)
        abort();
    for (unsigned i = 0; i < b->nlabels; i++)
        c.label_off[i] = SIZE_MAX;
    JitResult res = JIT_UNSUPPORTED;
    tb->jmp_field[0] = tb->jmp_field[1] = 0;
    if (allocate(&c)) {
        x86_emit_init(&c.e, code_buffer_rw(&j->cb, off), cap);
        emit_entry(&c);
        bool check_stale = false;
        for (unsigned i = 0; i < b->nops && !c.fail; i++)
            emit_op(&c, i, &b->ops[i], &check_stale);
        for (unsigned f = 0; f < c.nfix; f++)
            if (c.label_off[c.fix[f].label] == SIZE_MAX ||
                !x86_emit_patch_rel32(&c.e, c.fix[f].field, c.label_off[c.fix[f].label]))
                c.fail = true;
        emit_tails(&c);
        if (!c.fail && !c.e.overflow)
            res = JIT_OK;
    }
    if (res == JIT_OK) {
        code_buffer_shrink_last(&j->cb, off, c.e.len);
        code_buffer_sync(&j->cb, off, c.e.len);
        tb->code = c.rx;
        tb->code_size = (uint32_t)c.e.len;
        if (j->pm.f) {
            char name[64];
            snprintf(name, sizeof(name), "jitpc:%08x:%08x", tb->key.cs_base, tb->key.pc);
            perfmap_add(&j->pm, tb->code, tb->code_size, name);
        }
    } else {
        code_buffer_shrink_last(&j->cb, off, 0);
        tb->jmp_field[0] = tb->jmp_field[1] = 0;
    }
    free(c.loc);
    free(c.start);
    free(c.end);
    free(c.label_off);
    free(c.fix);
    free(c.tails);
    return res;
}

void jit_patch(JitState *j, TranslationBlock *from, unsigned slot, const TranslationBlock *to)
{
    if (!from->code || !from->jmp_field[slot])
        return;
    size_t base = (size_t)((uint8_t *)from->code - j->cb.rx);
    uint8_t *field_rw = code_buffer_rw(&j->cb, base + from->jmp_field[slot]);
    const uint8_t *field_rx = (const uint8_t *)from->code + from->jmp_field[slot];
    const uint8_t *target = to ? (const uint8_t *)to->code : (const uint8_t *)from->code + from->jmp_reset[slot];
    int32_t rel = (int32_t)(target - (field_rx + 4));
    memcpy(field_rw, &rel, 4);
    code_buffer_sync(&j->cb, base + from->jmp_field[slot], 4);
}

void jit_disas(const TranslationBlock *tb, FILE *f)
{
    csh h;
    if (!tb->code || cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
        return;
    cs_insn *insn;
    size_t n = cs_disasm(h, tb->code, tb->code_size, (uint64_t)(uintptr_t)tb->code, 0, &insn);
    fprintf(f, "OUT: [size=%u] block %08x:%08x\n", tb->code_size, tb->key.cs_base, tb->key.pc);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "  0x%012llx:  %-8s %s\n", (unsigned long long)insn[i].address, insn[i].mnemonic, insn[i].op_str);
    fprintf(f, "\n");
    if (n)
        cs_free(insn, n);
    cs_close(&h);
}

#endif
