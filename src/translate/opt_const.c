/* Constant folding and propagation. Within each straight-line region
 * (knowledge is dropped at every label), temps with a known value are
 * replaced by constants, ops on constants become movi, and a few algebraic
 * identities (x + 0, x & ~0, shift by 0 ...) become mov. Folding follows
 * the interpreter (interp.c) exactly: i32 results truncated, shift counts
 * masked to the width. Globals' values are forgotten at any op that may
 * write them behind the IR's back (see opt.c). */
#include <stdlib.h>
#include <string.h>

#include "translate/opt.h"

typedef struct ConstState {
    IrBlock *b;
    unsigned ntemps;                /* temps at the start; later ones are new constants */
    uint8_t *known;
    uint64_t *val;
    bool globals;                   /* track globals (they are disjoint) */
} ConstState;

static bool get_const(const ConstState *s, uint64_t t, uint64_t *v)
{
    const IrTempInfo *ti = &s->b->temps[t];
    if (ti->kind == IR_TEMP_CONST) {
        *v = ti->value;
        return true;
    }
    if (t < s->ntemps && s->known[t]) {
        *v = s->val[t];
        return true;
    }
    return false;
}

static void forget_globals(ConstState *s)
{
    for (unsigned t = 0; t < s->b->guest->nglobals; t++)
        s->known[t] = 0;
}

/* Note what temp t holds after a write (globals only if they are disjoint). */
static void record(ConstState *s, uint64_t t, bool known, uint64_t v)
{
    if (!known || (!s->globals && opt_is_global(s->b, t))) {
        s->known[t] = 0;
        return;
    }
    s->known[t] = 1;
    s->val[t] = v;
}

static uint64_t type_mask(IrType t)
{
    return t == IR_I32 ? 0xFFFFFFFFu : UINT64_MAX;
}

/* The value of a pure single-output op on constant inputs, as interp.c
 * computes it. False for ops this pass does not fold. */
static bool fold(const IrOp *op, IrType t, const uint64_t *in, uint64_t *out)
{
    unsigned bits = t == IR_I32 ? 32 : 64;
    uint64_t m = type_mask(t);
    const uint64_t *c = &op->args[op->nout + op->nin];
    uint64_t a = in[0] & m, x = op->nin > 1 ? in[1] & m : 0, r;
    switch ((IrOpcode)op->opc) {
    case IR_mov: r = a; break;
    case IR_add: r = a + x; break;
    case IR_sub: r = a - x; break;
    case IR_mul: r = a * x; break;
    case IR_neg: r = -a; break;
    case IR_and: r = a & x; break;
    case IR_or: r = a | x; break;
    case IR_xor: r = a ^ x; break;
    case IR_not: r = ~a; break;
    case IR_shl: r = a << (x & (bits - 1)); break;
    case IR_shr: r = a >> (x & (bits - 1)); break;
    case IR_sar: {
        int64_t sv = t == IR_I32 ? (int64_t)(int32_t)a : (int64_t)a;
        r = (uint64_t)(sv >> (x & (bits - 1)));
        break;
    }
    case IR_rotl:
    case IR_rotr: {
        uint64_t n = x & (bits - 1);
        if (op->opc == IR_rotr)
            n = (bits - n) & (bits - 1);
        r = n ? ((a << n) | (a >> (bits - n))) : a;
        break;
    }
    case IR_ext8s: r = (uint64_t)(int64_t)(int8_t)a; break;
    case IR_ext8u: r = (uint8_t)a; break;
    case IR_ext16s: r = (uint64_t)(int64_t)(int16_t)a; break;
    case IR_ext16u: r = (uint16_t)a; break;
    case IR_ext32s: r = (uint64_t)(int64_t)(int32_t)in[0]; break;
    case IR_ext32u: r = (uint32_t)in[0]; break;
    case IR_trunc32: r = (uint32_t)in[0]; break;
    case IR_deposit: {
        uint64_t fm = (c[1] == 64 ? UINT64_MAX : ((1ULL << c[1]) - 1)) << c[0];
        r = (a & ~fm) | ((x << c[0]) & fm);
        break;
    }
    case IR_extract: {
        uint64_t fm = c[1] == 64 ? UINT64_MAX : ((1ULL << c[1]) - 1);
        r = (a >> c[0]) & fm;
        break;
    }
    case IR_setcond: r = ir_cond_eval((IrCond)c[0], t, a, x); break;
    case IR_movcond: r = ir_cond_eval((IrCond)c[0], t, a, x) ? in[2] : in[3]; break;
    default: return false;
    }
    *out = r & m;
    return true;
}

static void make_movi(IrOp *op, IrType t, uint64_t v)
{
    uint64_t d = op->args[0];
    memset(op->args, 0, sizeof(op->args));
    op->opc = IR_movi;
    op->type = (uint8_t)t;
    op->nout = 1;
    op->nin = 0;
    op->nconst = 1;
    op->args[0] = d;
    op->args[1] = v & type_mask(t);
}

static void make_mov(IrOp *op, IrType t, uint64_t src)
{
    uint64_t d = op->args[0];
    memset(op->args, 0, sizeof(op->args));
    op->opc = IR_mov;
    op->type = (uint8_t)t;
    op->nout = 1;
    op->nin = 1;
    op->nconst = 0;
    op->args[0] = d;
    op->args[1] = src;
}

/* Identities with one constant operand (or two equal ones); rewrites the op
 * to mov/movi. `ka`/`kx`: whether inputs 0/1 are constants va/vx. */
static bool simplify(IrOp *op, IrType t, bool ka, uint64_t va, bool kx, uint64_t vx)
{
    unsigned bits = t == IR_I32 ? 32 : 64;
    uint64_t m = type_mask(t), a = op->args[1], x = op->args[2];
    switch ((IrOpcode)op->opc) {
    case IR_add:
    case IR_or:
    case IR_xor:
        if (kx && vx == 0) {
            make_mov(op, t, a);
            return true;
        }
        if (ka && va == 0) {
            make_mov(op, t, x);
            return true;
        }
        if (op->opc == IR_xor && a == x) {
            make_movi(op, t, 0);
            return true;
        }
        if (op->opc == IR_or && a == x) {
            make_mov(op, t, a);
            return true;
        }
        return false;
    case IR_sub:
        if (kx && vx == 0) {
            make_mov(op, t, a);
            return true;
        }
        if (a == x) {
            make_movi(op, t, 0);
            return true;
        }
        return false;
    case IR_and:
        if ((kx && vx == 0) || (ka && va == 0)) {
            make_movi(op, t, 0);
            return true;
        }
        if (kx && (vx & m) == m) {
            make_mov(op, t, a);
            return true;
        }
        if ((ka && (va & m) == m)) {
            make_mov(op, t, x);
            return true;
        }
        if (a == x) {
            make_mov(op, t, a);
            return true;
        }
        return false;
    case IR_mul:
        if ((kx && vx == 0) || (ka && va == 0)) {
            make_movi(op, t, 0);
            return true;
        }
        if (kx && vx == 1) {
            make_mov(op, t, a);
            return true;
        }
        if (ka && va == 1) {
            make_mov(op, t, x);
            return true;
        }
        return false;
    case IR_shl:
    case IR_shr:
    case IR_sar:
    case IR_rotl:
    case IR_rotr:
        if (kx && (vx & (bits - 1)) == 0) {
            make_mov(op, t, a);
            return true;
        }
        return false;
    case IR_deposit:
        if (op->args[3] == 0 && op->args[4] == bits) {
            make_mov(op, t, x);
            return true;
        }
        return false;
    case IR_extract:
        if (op->args[2] == 0 && op->args[3] == bits) {
            make_mov(op, t, a);
            return true;
        }
        return false;
    case IR_movcond:
        if (op->args[3] == op->args[4]) {
            make_mov(op, t, op->args[3]);
            return true;
        }
        if (ka && kx) {
            bool cond = ir_cond_eval((IrCond)op->args[5], t, va, vx);
            make_mov(op, t, cond ? op->args[3] : op->args[4]);
            return true;
        }
        return false;
    default:
        return false;
    }
}

bool opt_const(IrBlock *b)
{
    ConstState s = {.b = b, .ntemps = b->ntemps, .globals = opt_globals_disjoint(b)};
    s.known = calloc(s.ntemps ? s.ntemps : 1, 1);
    s.val = calloc(s.ntemps ? s.ntemps : 1, sizeof(*s.val));
    uint8_t *dead = calloc(b->nops ? b->nops : 1, 1);
    if (!s.known || !s.val || !dead)
        abort();
    bool changed = false, any_dead = false;
    for (unsigned i = 0; i < b->nops; i++) {
        IrOp *op = &b->ops[i];
        if (op->opc == IR_set_label) {
            /* Another path joins here: what we knew may not hold on it. */
            memset(s.known, 0, s.ntemps);
            continue;
        }
        /* Propagate: inputs with a known value become constants. */
        uint64_t in[IR_MAX_ARGS] = {0};
        bool all_const = op->nin > 0;
        for (unsigned k = op->nout; k < (unsigned)op->nout + op->nin; k++) {
            uint64_t t = op->args[k], v;
            if (get_const(&s, t, &v)) {
                in[k - op->nout] = v;
                if (b->temps[t].kind != IR_TEMP_CONST) {
                    op->args[k] = ir_const(b, (IrType)b->temps[t].type, v);
                    changed = true;
                }
            } else {
                all_const = false;
            }
        }
        if (op->opc == IR_brcond && all_const &&
            !ir_cond_eval((IrCond)op->args[2], (IrType)op->type, in[0], in[1])) {
            dead[i] = 1;    /* never taken */
            any_dead = true;
            changed = true;
            continue;
        }
        bool folded = false;
        uint64_t r = 0;
        if (op->nout == 1 && op->opc != IR_call) {
            IrType t = (IrType)b->temps[op->args[0]].type;
            if (op->opc == IR_movi) {
                folded = true;
                r = op->args[1];
            } else if (all_const && fold(op, (ir_op_defs[op->opc].flags & IR_F_TYPED) ? (IrType)op->type : t, in, &r)) {
                make_movi(op, t, r);
                folded = true;
                changed = true;
            } else if ((ir_op_defs[op->opc].flags & IR_F_TYPED) && op->nin >= 1) {
                uint64_t a = op->args[op->nout], x = op->nin > 1 ? op->args[op->nout + 1] : IR_NO_TEMP;
                uint64_t va = 0, vx = 0;
                bool ka = get_const(&s, a, &va), kx = x != IR_NO_TEMP && get_const(&s, x, &vx);
                if (simplify(op, t, ka, va, kx, vx)) {
                    changed = true;
                    if (op->opc == IR_movi) {
                        folded = true;
                        r = op->args[1];
                    } else if (get_const(&s, op->args[1], &r)) {
                        make_movi(op, t, r);
                        folded = true;
                    }
                }
            }
        }
        if (opt_op_clobbers_globals(b, op))
            forget_globals(&s);
        /* Record what the outputs hold now. */
        if ((op->opc == IR_mulu2 || op->opc == IR_muls2) && all_const) {
            IrType t = (IrType)op->type;
            uint64_t lo, hi, ma = type_mask(t);
            if (t == IR_I32) {
                uint64_t p = op->opc == IR_muls2 ? (uint64_t)((int64_t)(int32_t)in[0] * (int64_t)(int32_t)in[1])
                                                 : (in[0] & ma) * (in[1] & ma);
                lo = (uint32_t)p;
                hi = (uint32_t)(p >> 32);
            } else {
                unsigned __int128 p = op->opc == IR_muls2
                                          ? (unsigned __int128)((__int128)(int64_t)in[0] * (__int128)(int64_t)in[1])
                                          : (unsigned __int128)in[0] * in[1];
                lo = (uint64_t)p;
                hi = (uint64_t)(p >> 64);
            }
            /* Both outputs the same temp: the interpreter writes hi last. */
            record(&s, op->args[0], true, lo);
            record(&s, op->args[1], true, hi);
            continue;
        }
        for (unsigned k = 0; k < op->nout; k++)
            record(&s, op->args[k], folded && k == 0, r);
    }
    if (any_dead)
        opt_remove_ops(b, dead);
    free(dead);
    free(s.val);
    free(s.known);
    return changed;
}
