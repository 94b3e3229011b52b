/* Copy propagation. After `mov d, s`, later reads of d read s instead, as
 * long as neither is written again, within one straight-line region
 * (copies are forgotten at every label). Copies that involve a global are
 * forgotten at ops that may write globals behind the IR's back (opt.c). A
 * mov that became `mov x, x` is dropped. Constants are opt_const's job. */
#include <stdlib.h>
#include <string.h>

#include "translate/opt.h"

typedef struct CopyState {
    const IrBlock *b;
    uint64_t *src;                  /* per temp: what it is a copy of, or IR_NO_TEMP */
    uint64_t *active;               /* temps with a src, in no order */
    unsigned nactive;
} CopyState;

static void forget_if(CopyState *s, bool (*drop)(const CopyState *, uint64_t d, uint64_t from, uint64_t arg),
                      uint64_t arg)
{
    unsigned n = 0;
    for (unsigned k = 0; k < s->nactive; k++) {
        uint64_t d = s->active[k];
        if (drop(s, d, s->src[d], arg))
            s->src[d] = IR_NO_TEMP;
        else
            s->active[n++] = d;
    }
    s->nactive = n;
}

static bool involves(const CopyState *s, uint64_t d, uint64_t from, uint64_t t)
{
    (void)s;
    return d == t || from == t;
}

static bool involves_global(const CopyState *s, uint64_t d, uint64_t from, uint64_t unused)
{
    (void)unused;
    return opt_is_global(s->b, d) || opt_is_global(s->b, from);
}

static bool any(const CopyState *s, uint64_t d, uint64_t from, uint64_t unused)
{
    (void)s, (void)d, (void)from, (void)unused;
    return true;
}

bool opt_copy(IrBlock *b)
{
    unsigned n = b->ntemps;
    CopyState s = {.b = b};
    s.src = malloc((n ? n : 1) * sizeof(*s.src));
    s.active = malloc((n ? n : 1) * sizeof(*s.active));
    uint8_t *dead = calloc(b->nops ? b->nops : 1, 1);
    if (!s.src || !s.active || !dead)
        abort();
    for (unsigned t = 0; t < n; t++)
        s.src[t] = IR_NO_TEMP;
    bool globals = opt_globals_disjoint(b), changed = false, any_dead = false;
    for (unsigned i = 0; i < b->nops; i++) {
        IrOp *op = &b->ops[i];
        if (op->opc == IR_set_label) {
            forget_if(&s, any, 0);
            continue;
        }
        for (unsigned k = op->nout; k < (unsigned)op->nout + op->nin; k++) {
            uint64_t from = s.src[op->args[k]];
            if (from != IR_NO_TEMP) {
                op->args[k] = from;
                changed = true;
            }
        }
        if (op->opc == IR_mov && op->args[0] == op->args[1]) {
            dead[i] = 1;
            any_dead = changed = true;
            continue;
        }
        if (opt_op_clobbers_globals(b, op))
            forget_if(&s, involves_global, 0);
        for (unsigned k = 0; k < op->nout; k++) {
            forget_if(&s, involves, op->args[k]);
            /* Overlapping globals: a write to one changes another. */
            if (!globals && opt_is_global(b, op->args[k]))
                forget_if(&s, involves_global, 0);
        }
        if (op->opc == IR_mov && b->temps[op->args[1]].kind != IR_TEMP_CONST &&
            (globals || (!opt_is_global(b, op->args[0]) && !opt_is_global(b, op->args[1])))) {
            s.src[op->args[0]] = op->args[1];
            s.active[s.nactive++] = op->args[0];
        }
    }
    if (any_dead)
        opt_remove_ops(b, dead);
    free(dead);
    free(s.active);
    free(s.src);
    return changed;
}
