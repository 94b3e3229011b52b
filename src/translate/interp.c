/* The IR interpreter: the portable reference backend. It executes a
 * block's IR directly, op by op. Globals are read and written in place in
 * the CPU state, so the state is exact at every op and a helper may fault
 * at any point; locals and constants live in the block's slot array
 * (blocks are not re-entered while running). Values are little-endian in
 * memory, which every supported host is: a 32-bit access reads the low
 * half of a 64-bit slot. */
#include <string.h>

#include "translate/exec.h"

static inline uint8_t *slot(TranslationBlock *tb, void *env, uint64_t t)
{
    const IrTempInfo *ti = &tb->ir.temps[t];
    if (ti->kind == IR_TEMP_GLOBAL)
        return (uint8_t *)env + ti->offset;
    return (uint8_t *)&tb->locals[t];
}

static inline uint64_t rd(TranslationBlock *tb, void *env, uint64_t t, IrType type)
{
    uint8_t *p = slot(tb, env, t);
    if (type == IR_I32) {
        uint32_t v;
        memcpy(&v, p, 4);
        return v;
    }
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline void wr(TranslationBlock *tb, void *env, uint64_t t, IrType type, uint64_t v)
{
    uint8_t *p = slot(tb, env, t);
    if (type == IR_I32) {
        uint32_t x = (uint32_t)v;
        memcpy(p, &x, 4);
    } else {
        memcpy(p, &v, 8);
    }
}

static inline uint64_t mask_of(IrType t)
{
    return t == IR_I32 ? 0xFFFFFFFFu : UINT64_MAX;
}

static uint64_t load_env(void *env, uint64_t off, unsigned size)
{
    uint64_t v = 0;
    memcpy(&v, (uint8_t *)env + off, size);    /* little-endian: zero-extends */
    return v;
}

static void store_env(void *env, uint64_t off, unsigned size, uint64_t v)
{
    memcpy((uint8_t *)env + off, &v, size);
}

/* Signed or unsigned double-width product of two `bits`-bit values. */
static void mul2(IrType t, bool is_signed, uint64_t a, uint64_t b, uint64_t *lo, uint64_t *hi)
{
    if (t == IR_I32) {
        uint64_t p = is_signed ? (uint64_t)((int64_t)(int32_t)a * (int64_t)(int32_t)b) : a * b;
        *lo = (uint32_t)p;
        *hi = (uint32_t)(p >> 32);
        return;
    }
    unsigned __int128 p = is_signed ? (unsigned __int128)((__int128)(int64_t)a * (__int128)(int64_t)b)
                                    : (unsigned __int128)a * b;
    *lo = (uint64_t)p;
    *hi = (uint64_t)(p >> 64);
}

uint64_t interp_exec(ExecEngine *e, TranslationBlock *tb, void *env)
{
    return interp_exec_n(e, tb, env, 0);
}

uint64_t interp_exec_n(ExecEngine *e, TranslationBlock *tb, void *env, unsigned max_insns)
{
    const IrGuest *g = tb->ir.guest;
    const IrOp *ops = tb->ir.ops;
    unsigned insn = 0;
    e->cur_tb = tb;
    for (unsigned pc = 0;;) {
        const IrOp *op = &ops[pc];
        IrType t = (IrType)op->type;
        unsigned bits = t == IR_I32 ? 32 : 64;
        uint64_t m = mask_of(t);
        const uint64_t *a = op->args;
        const uint64_t *c = &op->args[op->nout + op->nin];
        e->cur_op = pc;
        pc++;
        switch ((IrOpcode)op->opc) {
        case IR_mov:
            wr(tb, env, a[0], t, rd(tb, env, a[1], t));
            break;
        case IR_movi:
            wr(tb, env, a[0], t, c[0]);
            break;
        case IR_add:
            wr(tb, env, a[0], t, rd(tb, env, a[1], t) + rd(tb, env, a[2], t));
            break;
        case IR_sub:
            wr(tb, env, a[0], t, rd(tb, env, a[1], t) - rd(tb, env, a[2], t));
            break;
        case IR_mul:
            wr(tb, env, a[0], t, rd(tb, env, a[1], t) * rd(tb, env, a[2], t));
            break;
        case IR_mulu2:
        case IR_muls2: {
            uint64_t lo, hi;
            mul2(t, op->opc == IR_muls2, rd(tb, env, a[2], t), rd(tb, env, a[3], t), &lo, &hi);
            wr(tb, env, a[0], t, lo);
            wr(tb, env, a[1], t, hi);
            break;
        }
        case IR_neg:
            wr(tb, env, a[0], t, -rd(tb, env, a[1], t));
            break;
        case IR_and:
            wr(tb, env, a[0], t, rd(tb, env, a[1], t) & rd(tb, env, a[2], t));
            break;
        case IR_or:
            wr(tb, env, a[0], t, rd(tb, env, a[1], t) | rd(tb, env, a[2], t));
            break;
        case IR_xor:
            wr(tb, env, a[0], t, rd(tb, env, a[1], t) ^ rd(tb, env, a[2], t));
            break;
        case IR_not:
            wr(tb, env, a[0], t, ~rd(tb, env, a[1], t));
            break;
        case IR_shl:
            wr(tb, env, a[0], t, rd(tb, env, a[1], t) << (rd(tb, env, a[2], t) & (bits - 1)));
            break;
        case IR_shr:
            wr(tb, env, a[0], t, rd(tb, env, a[1], t) >> (rd(tb, env, a[2], t) & (bits - 1)));
            break;
        case IR_sar: {
            uint64_t v = rd(tb, env, a[1], t), n = rd(tb, env, a[2], t) & (bits - 1);
            int64_t s = t == IR_I32 ? (int64_t)(int32_t)v : (int64_t)v;
            wr(tb, env, a[0], t, (uint64_t)(s >> n));
            break;
        }
        case IR_rotl:
        case IR_rotr: {
            uint64_t v = rd(tb, env, a[1], t), n = rd(tb, env, a[2], t) & (bits - 1);
            if (op->opc == IR_rotr)
                n = (bits - n) & (bits - 1);
            wr(tb, env, a[0], t, n ? ((v << n) | (v >> (bits - n))) & m : v);
            break;
        }
        case IR_ext8s:
            wr(tb, env, a[0], t, (uint64_t)(int64_t)(int8_t)rd(tb, env, a[1], t));
            break;
        case IR_ext8u:
            wr(tb, env, a[0], t, (uint8_t)rd(tb, env, a[1], t));
            break;
        case IR_ext16s:
            wr(tb, env, a[0], t, (uint64_t)(int64_t)(int16_t)rd(tb, env, a[1], t));
            break;
        case IR_ext16u:
            wr(tb, env, a[0], t, (uint16_t)rd(tb, env, a[1], t));
            break;
        case IR_ext32s:
            wr(tb, env, a[0], IR_I64, (uint64_t)(int64_t)(int32_t)rd(tb, env, a[1], IR_I32));
            break;
        case IR_ext32u:
            wr(tb, env, a[0], IR_I64, rd(tb, env, a[1], IR_I32));
            break;
        case IR_trunc32:
            wr(tb, env, a[0], IR_I32, rd(tb, env, a[1], IR_I64));
            break;
        case IR_deposit: {
            uint64_t fm = (c[1] == 64 ? UINT64_MAX : ((1ULL << c[1]) - 1)) << c[0];
            uint64_t v = (rd(tb, env, a[1], t) & ~fm) | ((rd(tb, env, a[2], t) << c[0]) & fm);
            wr(tb, env, a[0], t, v);
            break;
        }
        case IR_extract: {
            uint64_t fm = c[1] == 64 ? UINT64_MAX : ((1ULL << c[1]) - 1);
            wr(tb, env, a[0], t, (rd(tb, env, a[1], t) >> c[0]) & fm);
            break;
        }
        case IR_setcond:
            wr(tb, env, a[0], t, ir_cond_eval((IrCond)c[0], t, rd(tb, env, a[1], t), rd(tb, env, a[2], t)));
            break;
        case IR_movcond:
            wr(tb, env, a[0], t,
               ir_cond_eval((IrCond)c[0], t, rd(tb, env, a[1], t), rd(tb, env, a[2], t)) ? rd(tb, env, a[3], t)
                                                                                         : rd(tb, env, a[4], t));
            break;
        case IR_ld_env:
            wr(tb, env, a[0], t, load_env(env, c[0], (unsigned)c[1]));
            break;
        case IR_st_env:
            store_env(env, c[0], (unsigned)c[1], rd(tb, env, a[0], t));
            break;
        case IR_qld: {
            uint64_t addr = rd(tb, env, a[1], (IrType)tb->ir.temps[a[1]].type);
            wr(tb, env, a[0], t, g->mem_load(env, addr, (unsigned)c[0]) & m);
            break;
        }
        case IR_qst: {
            uint64_t addr = rd(tb, env, a[1], (IrType)tb->ir.temps[a[1]].type);
            g->mem_store(env, addr, rd(tb, env, a[0], t), (unsigned)c[0]);
            break;
        }
        case IR_call: {
            const IrHelperDef *h = &g->helpers[c[0]];
            uint64_t in[4] = {0, 0, 0, 0};
            for (unsigned k = 0; k < op->nin; k++)
                in[k] = rd(tb, env, a[op->nout + k], (IrType)tb->ir.temps[a[op->nout + k]].type);
            uint64_t r = h->fn(env, in[0], in[1], in[2], in[3]);
            if (op->nout)
                wr(tb, env, a[0], (IrType)tb->ir.temps[a[0]].type, r);
            break;
        }
        case IR_insn_start:
            /* A store in this block hit its own code: stop before running
             * stale instructions (the caller re-translates from here). */
            if (tb->invalid || (max_insns && insn == max_insns))
                return TB_EXIT_STALE;
            insn++;
            break;
        case IR_set_label:
            break;
        case IR_br:
            pc = tb->label_pos[c[0]];
            break;
        case IR_brcond:
            if (ir_cond_eval((IrCond)c[0], t, rd(tb, env, a[0], t), rd(tb, env, a[1], t)))
                pc = tb->label_pos[c[1]];
            break;
        case IR_goto_tb:
            return c[0] ? TB_EXIT_GOTO1 : TB_EXIT_GOTO0;
        case IR_lookup_tb:
            return TB_EXIT_LOOKUP;
        case IR_exit_tb:
            return TB_EXIT_CODE + c[0];
        case IR_OPCODE_COUNT:
            break;
        }
    }
}
