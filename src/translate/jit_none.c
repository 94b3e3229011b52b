/* Hosts without a native backend: the engine keeps the interpreter. */
#if !defined(__x86_64__)

#include "translate/jit.h"

bool jit_host_supported(void)
{
    return false;
}

JitState *jit_create(size_t code_size, bool perfmap, char *why, size_t why_len)
{
    (void)code_size;
    (void)perfmap;
    snprintf(why, why_len, "no native backend for this host yet: use -accel interp");
    return NULL;
}

void jit_destroy(JitState *j)
{
    (void)j;
}

JitResult jit_compile(JitState *j, const ExecLayout *l, TranslationBlock *tb)
{
    (void)j;
    (void)l;
    (void)tb;
    return JIT_UNSUPPORTED;
}

JitRet jit_enter(JitState *j, void *env, void *code)
{
    (void)j;
    (void)env;
    (void)code;
    return (JitRet){TB_EXIT_BUDGET, NULL};
}

void jit_patch(JitState *j, TranslationBlock *from, unsigned slot, const TranslationBlock *to)
{
    (void)j;
    (void)from;
    (void)slot;
    (void)to;
}

void jit_reset(JitState *j)
{
    (void)j;
}

void jit_disas(const TranslationBlock *tb, FILE *f)
{
    (void)tb;
    (void)f;
}

#endif
