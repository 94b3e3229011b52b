/* What a native backend (src/translate/backend/<host>/) gives the engine:
 * compile a committed block's IR to host code in the code cache, enter
 * that code, patch goto_tb jumps for chaining. exec_chain.c decides what
 * to chain and when to flush; the backend only emits and patches.
 *
 * Generated code keeps the guest state exact wherever the interpreter
 * does (exec.h): at every helper call, every memory slow path and every
 * stale-code stop, where it also stores the running block and op (cur_tb,
 * cur_op), so exec_current_position works the same for both backends. */
#ifndef JITPC_TRANSLATE_JIT_H
#define JITPC_TRANSLATE_JIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "translate/exec.h"

typedef struct JitState JitState;

typedef enum JitResult {
    JIT_OK,
    JIT_FULL,               /* the code cache is full: flush and retry */
    JIT_UNSUPPORTED,        /* this block stays with the interpreter */
} JitResult;

/* What native code returns to its caller: a TB_EXIT_* code and the block
 * that exited. */
typedef struct JitRet {
    uint64_t code;
    TranslationBlock *tb;
} JitRet;

bool jit_host_supported(void);
JitState *jit_create(size_t code_size, bool perfmap, char *why, size_t why_len);
void jit_destroy(JitState *j);
JitResult jit_compile(JitState *j, const ExecLayout *l, TranslationBlock *tb);
JitRet jit_enter(JitState *j, void *env, void *code);
/* Point `from`'s goto_tb slot at `to`'s code, or back at its exit tail
 * (to == NULL). */
void jit_patch(JitState *j, TranslationBlock *from, unsigned slot, const TranslationBlock *to);
/* Empty the code cache (every block's code is gone: the caller flushed). */
void jit_reset(JitState *j);
/* Capstone disassembly of a block's host code. */
void jit_disas(const TranslationBlock *tb, FILE *f);

#endif
