/* The IR text dumper behind -d op and -d op_opt: one op per line,
 * "name_type outputs, inputs, constants", temps as globals' names, tN for
 * locals and $value for constants. */
#include <inttypes.h>

#include "translate/ir.h"

static void dump_temp(const IrBlock *b, uint64_t t, FILE *f)
{
    if (t >= b->ntemps) {
        fprintf(f, "<bad %" PRIu64 ">", t);
        return;
    }
    const IrTempInfo *ti = &b->temps[t];
    switch (ti->kind) {
    case IR_TEMP_GLOBAL:
        fprintf(f, "%s", ti->name);
        break;
    case IR_TEMP_LOCAL:
        fprintf(f, "t%" PRIu64, t);
        break;
    default:
        fprintf(f, "$0x%" PRIx64, ti->value);
        break;
    }
}

void ir_dump(const IrBlock *b, FILE *f)
{
    for (unsigned at = 0; at < b->nops; at++) {
        const IrOp *op = &b->ops[at];
        const IrOpDef *d = &ir_op_defs[op->opc];
        const uint64_t *c = &op->args[op->nout + op->nin];
        if (op->opc == IR_insn_start) {
            fprintf(f, " ---- %08" PRIx64 " len %" PRIu64 "\n", c[0], c[1]);
            continue;
        }
        if (op->opc == IR_set_label) {
            fprintf(f, "L%" PRIu64 ":\n", c[0]);
            continue;
        }
        fprintf(f, " %s", d->name);
        if (d->flags & IR_F_TYPED)
            fprintf(f, "_i%d", op->type == IR_I64 ? 64 : 32);
        fputc(' ', f);
        unsigned n = 0;
        for (unsigned k = 0; k < (unsigned)op->nout + op->nin; k++, n++) {
            if (n)
                fputs(", ", f);
            dump_temp(b, op->args[k], f);
        }
        for (unsigned k = 0; k < op->nconst; k++, n++) {
            if (n)
                fputs(", ", f);
            switch (op->opc) {
            case IR_setcond:
            case IR_movcond:
                fprintf(f, "%s", ir_cond_name((IrCond)c[k]));
                break;
            case IR_brcond:
                if (k == 0)
                    fprintf(f, "%s", ir_cond_name((IrCond)c[k]));
                else
                    fprintf(f, "L%" PRIu64, c[k]);
                break;
            case IR_br:
                fprintf(f, "L%" PRIu64, c[k]);
                break;
            case IR_call:
                fprintf(f, "%s", c[k] < b->guest->nhelpers ? b->guest->helpers[c[k]].name : "?");
                break;
            case IR_qld:
            case IR_qst:
                fprintf(f, "%s%" PRIu64, (c[k] & IR_MEM_SIGN) ? "s" : "u", (c[k] & IR_MEM_SIZE_MASK) * 8);
                break;
            default:
                fprintf(f, "$0x%" PRIx64, c[k]);
                break;
            }
        }
        fputc('\n', f);
    }
}
