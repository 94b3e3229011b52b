/* The optimizer pipeline and what its passes share: which ops touch the
 * globals behind the IR's back (helpers, CPU-state access, guest memory)
 * and which may be removed. The passes are in opt_const.c, opt_copy.c and
 * opt_dce.c. */
#include "translate/opt.h"

#include <stdlib.h>

static const IrHelperDef *call_helper(const IrBlock *b, const IrOp *op)
{
    return &b->guest->helpers[op->args[op->nout + op->nin]];
}

bool opt_globals_disjoint(const IrBlock *b)
{
    const IrGuest *g = b->guest;
    for (unsigned i = 0; i < g->nglobals; i++) {
        uint32_t ai = g->globals[i].offset, ei = ai + (g->globals[i].type == IR_I64 ? 8 : 4);
        for (unsigned j = i + 1; j < g->nglobals; j++) {
            uint32_t aj = g->globals[j].offset, ej = aj + (g->globals[j].type == IR_I64 ? 8 : 4);
            if (ai < ej && aj < ei)
                return false;
        }
    }
    return true;
}

bool opt_op_clobbers_globals(const IrBlock *b, const IrOp *op)
{
    switch (op->opc) {
    case IR_call:
        return !(call_helper(b, op)->flags & IR_HELPER_PURE);
    case IR_st_env:     /* may write a global's field */
        return true;
    /* Guest memory ops do not: RAM has no side effects, and a device behind
     * MMIO reaches the machine, never the CPU's registers; a fault leaves
     * the block (the ops still observe the globals, below). */
    default:
        return false;
    }
}

bool opt_op_observes_globals(const IrBlock *b, const IrOp *op)
{
    switch (op->opc) {
    case IR_call: {
        const IrHelperDef *h = call_helper(b, op);
        return !(h->flags & IR_HELPER_PURE) || (h->flags & IR_HELPER_FAULTS);
    }
    case IR_ld_env:
    case IR_st_env:
    case IR_qld:        /* a fault exposes the state */
    case IR_qst:
        return true;
    default:
        return false;
    }
}

bool opt_op_removable(const IrBlock *b, const IrOp *op)
{
    if (op->opc == IR_call) {
        const IrHelperDef *h = call_helper(b, op);
        return (h->flags & IR_HELPER_PURE) && !(h->flags & IR_HELPER_FAULTS) && op->nout;
    }
    return op->nout && !(ir_op_defs[op->opc].flags & IR_F_SIDE);
}

void opt_remove_ops(IrBlock *b, const uint8_t *dead)
{
    unsigned n = 0;
    for (unsigned i = 0; i < b->nops; i++)
        if (!dead[i])
            b->ops[n++] = b->ops[i];
    b->nops = n;
}

void ir_optimize(IrBlock *b)
{
    char why[200];
    /* A front-end bug: leave the block for tb_commit to reject with its message. */
    if (!ir_verify(b, why, sizeof(why)))
        return;
    /* Folding exposes copies and copies expose constants; a few rounds reach
     * the fixed point on real blocks. */
    for (int round = 0; round < 4; round++) {
        bool changed = opt_const(b);
        changed |= opt_copy(b);
        if (!changed)
            break;
    }
    opt_branch(b);
    opt_dce(b);
#ifndef NDEBUG
    if (!ir_verify(b, why, sizeof(why))) {
        fprintf(stderr, "jitpc: ir_optimize broke a block: %s\n", why);
        ir_dump(b, stderr);
        abort();
    }
#endif
}
