/* The IR verifier: every block a front end builds is checked before a
 * backend sees it (in tests always; in jitpc under -d op and in debug
 * builds), so front-end mistakes surface as one clear line. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "translate/ir.h"

static bool fail(char *why, size_t len, unsigned at, const char *fmt, ...)
{
    int n = snprintf(why, len, "op %u: ", at);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < len)
        vsnprintf(why + n, len - (size_t)n, fmt, ap);
    va_end(ap);
    return false;
}

static unsigned type_bits(IrType t)
{
    return t == IR_I64 ? 64 : 32;
}

/* The type each operand must have, or -1 for "any". */
static int operand_type(const IrOp *op, unsigned k)
{
    switch (op->opc) {
    case IR_ext32s:
    case IR_ext32u:
        return k == 0 ? IR_I64 : IR_I32;
    case IR_trunc32:
        return k == 0 ? IR_I32 : IR_I64;
    case IR_qld:
        return k == 0 ? op->type : -1;      /* address: any width */
    case IR_qst:
        return k == 0 ? op->type : -1;
    case IR_call:
        return -1;
    default:
        return (ir_op_defs[op->opc].flags & IR_F_TYPED) ? op->type : -1;
    }
}

bool ir_verify(const IrBlock *b, char *why, size_t why_len)
{
    uint8_t *label_set = calloc(b->nlabels ? b->nlabels : 1, 1);
    bool ok = false;
    if (!label_set)
        abort();
    if (b->nops == 0) {
        fail(why, why_len, 0, "empty block");
        goto out;
    }
    for (unsigned at = 0; at < b->nops; at++) {
        const IrOp *op = &b->ops[at];
        if (op->opc >= IR_OPCODE_COUNT) {
            fail(why, why_len, at, "bad opcode %u", op->opc);
            goto out;
        }
        const IrOpDef *d = &ir_op_defs[op->opc];
        if (op->opc == IR_call) {
            if (op->nconst != 1 || op->args[op->nout + op->nin] >= b->guest->nhelpers) {
                fail(why, why_len, at, "call: bad helper index");
                goto out;
            }
            const IrHelperDef *h = &b->guest->helpers[op->args[op->nout + op->nin]];
            if (op->nin != h->nargs || op->nout != h->has_ret) {
                fail(why, why_len, at, "call %s: %u args/%u results, helper takes %u/%u", h->name, op->nin, op->nout,
                     h->nargs, h->has_ret);
                goto out;
            }
        } else if (op->nout != d->nout || op->nin != d->nin || op->nconst != d->nconst) {
            fail(why, why_len, at, "%s: wrong operand counts", d->name);
            goto out;
        }
        if ((d->flags & IR_F_TYPED) && op->type != IR_I32 && op->type != IR_I64) {
            fail(why, why_len, at, "%s: bad type", d->name);
            goto out;
        }
        for (unsigned k = 0; k < (unsigned)op->nout + op->nin; k++) {
            uint64_t t = op->args[k];
            if (t >= b->ntemps) {
                fail(why, why_len, at, "%s: operand %u is not a temp", d->name, k);
                goto out;
            }
            if (k < op->nout && b->temps[t].kind == IR_TEMP_CONST) {
                fail(why, why_len, at, "%s: writes a constant", d->name);
                goto out;
            }
            int want = operand_type(op, k);
            if (want >= 0 && b->temps[t].type != want) {
                fail(why, why_len, at, "%s: operand %u has type i%u, want i%u", d->name, k,
                     type_bits(b->temps[t].type), type_bits((IrType)want));
                goto out;
            }
        }
        const uint64_t *c = &op->args[op->nout + op->nin];
        switch (op->opc) {
        case IR_setcond:
        case IR_movcond:
        case IR_brcond:
            if (c[0] >= IR_COND_COUNT) {
                fail(why, why_len, at, "%s: bad condition", d->name);
                goto out;
            }
            break;
        case IR_deposit:
        case IR_extract:
            if (c[1] == 0 || c[0] + c[1] > type_bits(op->type)) {
                fail(why, why_len, at, "%s: field %llu+%llu outside i%u", d->name, (unsigned long long)c[0],
                     (unsigned long long)c[1], type_bits(op->type));
                goto out;
            }
            break;
        case IR_ld_env:
        case IR_st_env:
            if ((c[1] != 1 && c[1] != 2 && c[1] != 4 && c[1] != 8) || c[1] * 8 > type_bits(op->type)) {
                fail(why, why_len, at, "%s: bad size %llu", d->name, (unsigned long long)c[1]);
                goto out;
            }
            break;
        case IR_qld:
        case IR_qst: {
            unsigned size = c[0] & IR_MEM_SIZE_MASK;
            if ((size != 1 && size != 2 && size != 4 && size != 8) || size * 8 > type_bits(op->type)) {
                fail(why, why_len, at, "%s: bad memop 0x%llx", d->name, (unsigned long long)c[0]);
                goto out;
            }
            break;
        }
        case IR_set_label:
            if (c[0] >= b->nlabels || label_set[c[0]]) {
                fail(why, why_len, at, "label %llu set twice or never allocated", (unsigned long long)c[0]);
                goto out;
            }
            label_set[c[0]] = 1;
            break;
        case IR_goto_tb:
            if (c[0] > 1) {
                fail(why, why_len, at, "goto_tb: slot %llu (0 or 1)", (unsigned long long)c[0]);
                goto out;
            }
            break;
        default:
            break;
        }
        if ((d->flags & IR_F_BRANCH) && c[op->opc == IR_brcond ? 1 : 0] >= b->nlabels) {
            fail(why, why_len, at, "%s: unknown label", d->name);
            goto out;
        }
        if ((d->flags & IR_F_FAULTS) && b->ops[0].opc != IR_insn_start) {
            fail(why, why_len, at, "%s may fault but the block has no insn_start first", d->name);
            goto out;
        }
        /* After a terminator or unconditional branch, only a label can follow. */
        if ((d->flags & IR_F_END) || op->opc == IR_br) {
            if (at + 1 < b->nops && b->ops[at + 1].opc != IR_set_label) {
                fail(why, why_len, at + 1, "unreachable op after %s", d->name);
                goto out;
            }
        }
    }
    const IrOp *last = &b->ops[b->nops - 1];
    if (!(ir_op_defs[last->opc].flags & IR_F_END)) {
        fail(why, why_len, b->nops - 1, "block does not end with an exit");
        goto out;
    }
    for (unsigned l = 0; l < b->nlabels; l++) {
        if (!label_set[l]) {
            fail(why, why_len, b->nops, "label %u used or allocated but never set", l);
            goto out;
        }
    }
    ok = true;
out:
    free(label_set);
    return ok;
}
