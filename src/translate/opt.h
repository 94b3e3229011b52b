/* The IR optimizer: constant folding and propagation (opt_const.c), copy
 * propagation (opt_copy.c), compare-and-branch fusion (opt_branch.c) and
 * dead-code elimination including dead global stores (opt_dce.c), run in
 * order by ir_optimize (opt.c). Every pass keeps
 * the guest state exact wherever it can be observed: at faults, helper
 * calls, CPU-state accesses, stale-code exits and block exits. */
#ifndef JITPC_TRANSLATE_OPT_H
#define JITPC_TRANSLATE_OPT_H

#include "translate/ir.h"

/* Optimize a block in place. A block that does not verify is left as it is
 * (tb_commit reports it). Never longjmps. */
void ir_optimize(IrBlock *b);

/* The passes; each returns whether it changed the block. */
bool opt_const(IrBlock *b);
bool opt_copy(IrBlock *b);
bool opt_dce(IrBlock *b);
bool opt_branch(IrBlock *b);

/* Shared by the passes (opt.c). */
/* Whether no two globals share a byte of the CPU state (if some do, the
 * passes never reason about globals' values or liveness). */
bool opt_globals_disjoint(const IrBlock *b);
/* Whether the op may write globals other than through its outputs. */
bool opt_op_clobbers_globals(const IrBlock *b, const IrOp *op);
/* Whether the op may expose (read or fault with) the globals. */
bool opt_op_observes_globals(const IrBlock *b, const IrOp *op);
/* Whether the op may be removed when its outputs are unused. */
bool opt_op_removable(const IrBlock *b, const IrOp *op);
/* Drop the ops marked in `dead` (nops entries), keeping the order. */
void opt_remove_ops(IrBlock *b, const uint8_t *dead);

static inline bool opt_is_global(const IrBlock *b, uint64_t t)
{
    return b->temps[t].kind == IR_TEMP_GLOBAL;
}

#endif
