/* IR block construction: temps, labels, and the op builders front ends use. */
#include "translate/ir.h"

#include <stdlib.h>
#include <string.h>

const IrOpDef ir_op_defs[IR_OPCODE_COUNT] = {
#define X(n, o, i, c, f) [IR_##n] = {#n, o, i, c, f},
#include "translate/ir.def"
#undef X
};

static void *grow(void *p, unsigned *cap, unsigned need, size_t elem)
{
    if (need <= *cap)
        return p;
    unsigned n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    p = realloc(p, (size_t)n * elem);
    if (!p)
        abort();
    *cap = n;
    return p;
}

void ir_block_init(IrBlock *b, const IrGuest *guest)
{
    memset(b, 0, sizeof(*b));
    b->guest = guest;
    ir_block_reset(b);
}

void ir_block_reset(IrBlock *b)
{
    b->nops = 0;
    b->nlabels = 0;
    b->ninsns = 0;
    b->temps = grow(b->temps, &b->temps_cap, b->guest->nglobals + 1, sizeof(*b->temps));
    for (unsigned i = 0; i < b->guest->nglobals; i++) {
        const IrGlobalDef *g = &b->guest->globals[i];
        b->temps[i] = (IrTempInfo){.kind = IR_TEMP_GLOBAL, .type = (uint8_t)g->type, .offset = g->offset,
                                   .name = g->name};
    }
    b->ntemps = b->guest->nglobals;
}

void ir_block_free(IrBlock *b)
{
    free(b->ops);
    free(b->temps);
    memset(b, 0, sizeof(*b));
}

static IrTemp temp_add(IrBlock *b, IrTempInfo info)
{
    b->temps = grow(b->temps, &b->temps_cap, b->ntemps + 1, sizeof(*b->temps));
    b->temps[b->ntemps] = info;
    return b->ntemps++;
}

IrTemp ir_new_temp(IrBlock *b, IrType type)
{
    return temp_add(b, (IrTempInfo){.kind = IR_TEMP_LOCAL, .type = (uint8_t)type});
}

IrTemp ir_const(IrBlock *b, IrType type, uint64_t value)
{
    if (type == IR_I32)
        value = (uint32_t)value;
    /* Reuse an identical constant: blocks are short, a scan is cheap. */
    for (unsigned i = b->guest->nglobals; i < b->ntemps; i++) {
        const IrTempInfo *t = &b->temps[i];
        if (t->kind == IR_TEMP_CONST && t->type == type && t->value == value)
            return i;
    }
    return temp_add(b, (IrTempInfo){.kind = IR_TEMP_CONST, .type = (uint8_t)type, .value = value});
}

unsigned ir_new_label(IrBlock *b)
{
    return b->nlabels++;
}

unsigned ir_emit(IrBlock *b, IrOpcode opc, IrType type, const uint64_t *outs, unsigned nout, const uint64_t *ins,
                 unsigned nin, const uint64_t *consts, unsigned nconst)
{
    if (nout + nin + nconst > IR_MAX_ARGS)
        abort();    /* a front-end bug, caught by every test */
    b->ops = grow(b->ops, &b->ops_cap, b->nops + 1, sizeof(*b->ops));
    IrOp *op = &b->ops[b->nops];
    memset(op, 0, sizeof(*op));
    op->opc = (uint16_t)opc;
    op->type = (uint8_t)type;
    op->nout = (uint8_t)nout;
    op->nin = (uint8_t)nin;
    op->nconst = (uint8_t)nconst;
    unsigned k = 0;
    for (unsigned i = 0; i < nout; i++)
        op->args[k++] = outs[i];
    for (unsigned i = 0; i < nin; i++)
        op->args[k++] = ins[i];
    for (unsigned i = 0; i < nconst; i++)
        op->args[k++] = consts[i];
    return b->nops++;
}

void ir_mov(IrBlock *b, IrType t, IrTemp d, IrTemp a)
{
    uint64_t o[] = {d}, i[] = {a};
    ir_emit(b, IR_mov, t, o, 1, i, 1, NULL, 0);
}

void ir_movi(IrBlock *b, IrType t, IrTemp d, uint64_t v)
{
    uint64_t o[] = {d}, c[] = {t == IR_I32 ? (uint32_t)v : v};
    ir_emit(b, IR_movi, t, o, 1, NULL, 0, c, 1);
}

void ir_binop(IrBlock *b, IrOpcode opc, IrType t, IrTemp d, IrTemp a, IrTemp x)
{
    uint64_t o[] = {d}, i[] = {a, x};
    ir_emit(b, opc, t, o, 1, i, 2, NULL, 0);
}

void ir_unop(IrBlock *b, IrOpcode opc, IrType t, IrTemp d, IrTemp a)
{
    uint64_t o[] = {d}, i[] = {a};
    ir_emit(b, opc, t, o, 1, i, 1, NULL, 0);
}

void ir_mul2(IrBlock *b, IrOpcode opc, IrType t, IrTemp lo, IrTemp hi, IrTemp a, IrTemp x)
{
    uint64_t o[] = {lo, hi}, i[] = {a, x};
    ir_emit(b, opc, t, o, 2, i, 2, NULL, 0);
}

void ir_deposit(IrBlock *b, IrType t, IrTemp d, IrTemp a, IrTemp v, unsigned pos, unsigned len)
{
    uint64_t o[] = {d}, i[] = {a, v}, c[] = {pos, len};
    ir_emit(b, IR_deposit, t, o, 1, i, 2, c, 2);
}

void ir_extract(IrBlock *b, IrType t, IrTemp d, IrTemp a, unsigned pos, unsigned len)
{
    uint64_t o[] = {d}, i[] = {a}, c[] = {pos, len};
    ir_emit(b, IR_extract, t, o, 1, i, 1, c, 2);
}

void ir_setcond(IrBlock *b, IrType t, IrCond cond, IrTemp d, IrTemp a, IrTemp x)
{
    uint64_t o[] = {d}, i[] = {a, x}, c[] = {cond};
    ir_emit(b, IR_setcond, t, o, 1, i, 2, c, 1);
}

void ir_movcond(IrBlock *b, IrType t, IrCond cond, IrTemp d, IrTemp a, IrTemp x, IrTemp v1, IrTemp v2)
{
    uint64_t o[] = {d}, i[] = {a, x, v1, v2}, c[] = {cond};
    ir_emit(b, IR_movcond, t, o, 1, i, 4, c, 1);
}

void ir_ld_env(IrBlock *b, IrType t, IrTemp d, uint32_t offset, unsigned size)
{
    uint64_t o[] = {d}, c[] = {offset, size};
    ir_emit(b, IR_ld_env, t, o, 1, NULL, 0, c, 2);
}

void ir_st_env(IrBlock *b, IrType t, IrTemp v, uint32_t offset, unsigned size)
{
    uint64_t i[] = {v}, c[] = {offset, size};
    ir_emit(b, IR_st_env, t, NULL, 0, i, 1, c, 2);
}

void ir_qld(IrBlock *b, IrType t, IrTemp d, IrTemp addr, unsigned memop)
{
    uint64_t o[] = {d}, i[] = {addr}, c[] = {memop};
    ir_emit(b, IR_qld, t, o, 1, i, 1, c, 1);
}

void ir_qst(IrBlock *b, IrType t, IrTemp v, IrTemp addr, unsigned memop)
{
    uint64_t i[] = {v, addr}, c[] = {memop};
    ir_emit(b, IR_qst, t, NULL, 0, i, 2, c, 1);
}

void ir_call(IrBlock *b, unsigned index, IrTemp ret, const IrTemp *args, unsigned nargs)
{
    uint64_t o[] = {ret}, i[4], c[] = {index};
    for (unsigned k = 0; k < nargs && k < 4; k++)
        i[k] = args[k];
    ir_emit(b, IR_call, IR_I64, o, ret == IR_NO_TEMP ? 0 : 1, i, nargs, c, 1);
}

void ir_set_label(IrBlock *b, unsigned label)
{
    uint64_t c[] = {label};
    ir_emit(b, IR_set_label, IR_I32, NULL, 0, NULL, 0, c, 1);
}

void ir_br(IrBlock *b, unsigned label)
{
    uint64_t c[] = {label};
    ir_emit(b, IR_br, IR_I32, NULL, 0, NULL, 0, c, 1);
}

void ir_brcond(IrBlock *b, IrType t, IrCond cond, IrTemp a, IrTemp x, unsigned label)
{
    uint64_t i[] = {a, x}, c[] = {cond, label};
    ir_emit(b, IR_brcond, t, NULL, 0, i, 2, c, 2);
}

void ir_insn_start(IrBlock *b, uint64_t pc, unsigned len, int64_t static_cc)
{
    uint64_t c[] = {pc, len, (uint64_t)static_cc};
    ir_emit(b, IR_insn_start, IR_I32, NULL, 0, NULL, 0, c, 3);
    b->ninsns++;
}

void ir_goto_tb(IrBlock *b, unsigned slot)
{
    uint64_t c[] = {slot};
    ir_emit(b, IR_goto_tb, IR_I32, NULL, 0, NULL, 0, c, 1);
}

void ir_lookup_tb(IrBlock *b)
{
    ir_emit(b, IR_lookup_tb, IR_I32, NULL, 0, NULL, 0, NULL, 0);
}

void ir_exit_tb(IrBlock *b, uint64_t code)
{
    uint64_t c[] = {code};
    ir_emit(b, IR_exit_tb, IR_I32, NULL, 0, NULL, 0, c, 1);
}

static const char *const cond_names[IR_COND_COUNT] = {
    "eq", "ne", "lt", "ge", "le", "gt", "ltu", "geu", "leu", "gtu", "tsteq", "tstne",
};

const char *ir_cond_name(IrCond c)
{
    return c < IR_COND_COUNT ? cond_names[c] : "?";
}

IrCond ir_cond_invert(IrCond c)
{
    static const IrCond inv[IR_COND_COUNT] = {
        [IR_COND_EQ] = IR_COND_NE,   [IR_COND_NE] = IR_COND_EQ,   [IR_COND_LT] = IR_COND_GE,
        [IR_COND_GE] = IR_COND_LT,   [IR_COND_LE] = IR_COND_GT,   [IR_COND_GT] = IR_COND_LE,
        [IR_COND_LTU] = IR_COND_GEU, [IR_COND_GEU] = IR_COND_LTU, [IR_COND_LEU] = IR_COND_GTU,
        [IR_COND_GTU] = IR_COND_LEU, [IR_COND_TSTEQ] = IR_COND_TSTNE, [IR_COND_TSTNE] = IR_COND_TSTEQ,
    };
    return inv[c];
}

bool ir_cond_eval(IrCond c, IrType t, uint64_t a, uint64_t x)
{
    int64_t sa, sx;
    if (t == IR_I32) {
        a = (uint32_t)a;
        x = (uint32_t)x;
        sa = (int32_t)a;
        sx = (int32_t)x;
    } else {
        sa = (int64_t)a;
        sx = (int64_t)x;
    }
    switch (c) {
    case IR_COND_EQ: return a == x;
    case IR_COND_NE: return a != x;
    case IR_COND_LT: return sa < sx;
    case IR_COND_GE: return sa >= sx;
    case IR_COND_LE: return sa <= sx;
    case IR_COND_GT: return sa > sx;
    case IR_COND_LTU: return a < x;
    case IR_COND_GEU: return a >= x;
    case IR_COND_LEU: return a <= x;
    case IR_COND_GTU: return a > x;
    case IR_COND_TSTEQ: return (a & x) == 0;
    case IR_COND_TSTNE: return (a & x) != 0;
    default: return false;
    }
}
