/* The engine's side of native code: choosing the backend, compiling
 * committed blocks, entering native code, chaining goto_tb exits, the
 * indirect-jump cache, and keeping both consistent when blocks die.
 *
 * What may be chained (the rules that keep a chain valid without checks):
 * - both blocks have the same key flags and code-segment base: nothing in
 *   a block that ends in goto_tb changes them (instructions that do end
 *   their block with exit_tb), so the target found once is the target
 *   always;
 * - the target starts in the same linear page as the source and lies in
 *   one page: a chain never leaves a page whose mapping the execution loop
 *   checked when it entered native code (mapping changes end the block);
 * - a block that dies (code overwritten) is unlinked at once: every jump
 *   into it goes back to its source's exit tail, and it leaves the jump
 *   cache. A full flush empties the code cache at the next safe point.
 * The jump cache maps a guest pc to a block with the probing block's flags
 * and segment base (checked by the probe); the CPU flushes it when its
 * mappings change (exec_jc_flush). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "translate/exec.h"
#include "translate/jit.h"

bool exec_jit_available(void)
{
    return jit_host_supported();
}

static void link_remove(TranslationBlock *to, const TranslationBlock *from, unsigned slot)
{
    for (unsigned i = 0; i < to->nin_links; i++) {
        if (to->in_links[i].from == from && to->in_links[i].slot == slot) {
            to->in_links[i] = to->in_links[--to->nin_links];
            return;
        }
    }
}

static void on_killed(void *opaque, TranslationBlock *tb)
{
    ExecEngine *e = opaque;
    if (tb == e->cur_tb)
        e->stale = 1;
    unsigned h = exec_jc_hash(tb->key.pc);
    if (e->jump_cache[h] == tb)
        e->jump_cache[h] = NULL;
    for (unsigned i = 0; i < tb->nin_links; i++) {
        TbLink *l = &tb->in_links[i];
        if (l->from->jmp_dest[l->slot] == tb) {
            jit_patch(e->jit, l->from, l->slot, NULL);
            l->from->jmp_dest[l->slot] = NULL;
        }
    }
    tb->nin_links = 0;
    /* Its own jumps stay (it may be running and finish into them), but the
     * targets must not remember it: it is freed before they are. */
    for (unsigned s = 0; s < 2; s++) {
        if (tb->jmp_dest[s]) {
            link_remove(tb->jmp_dest[s], tb, s);
            tb->jmp_dest[s] = NULL;
        }
    }
}

static void on_flushed(void *opaque)
{
    ExecEngine *e = opaque;
    exec_jc_flush(e);
    if (!e->jit)
        return;
    if (e->running) {
        /* Native code is on the stack: empty the code cache when it has
         * returned, and make it return at the next block entry. */
        e->code_reset_pending = true;
        if (e->limit_ptr)
            *e->limit_ptr = 0;
    } else {
        jit_reset(e->jit);
        e->code_flushes++;
    }
}

void exec_engine_init(ExecEngine *e, const IrGuest *guest, unsigned max_blocks)
{
    memset(e, 0, sizeof(*e));
    e->guest = guest;
    e->backend = EXEC_INTERP;
    tb_cache_init(&e->cache, max_blocks);
    e->cache.tb_killed = on_killed;
    e->cache.flushed = on_flushed;
    e->cache.hook_opaque = e;
}

void exec_engine_destroy(ExecEngine *e)
{
    tb_cache_destroy(&e->cache);
    jit_destroy(e->jit);
    e->jit = NULL;
}

bool exec_engine_set_backend(ExecEngine *e, ExecBackend b, size_t code_size, bool perfmap, char *why,
                             size_t why_len)
{
    if (b == EXEC_JIT && !e->jit) {
        if (!e->layout.tlb_entries) {
            snprintf(why, why_len, "the guest gave the native backend no layout");
            return false;
        }
        e->jit = jit_create(code_size, perfmap, why, why_len);
        if (!e->jit)
            return false;
    }
    /* Blocks translated so far have no native code: start afresh. */
    if (e->cache.count) {
        tb_flush(&e->cache);
        tb_cache_collect(&e->cache);
    }
    e->backend = b;
    return true;
}

void exec_engine_set_layout(ExecEngine *e, const ExecLayout *guest_part, const void *env)
{
    e->layout = *guest_part;
    /* Native code reaches these as disp32 from the state register: the
     * engine must live within 2 GiB of env (the CPU embeds it). */
    ptrdiff_t far = (const char *)(e + 1) - (const char *)env, near = (const char *)e - (const char *)env;
    if (far > INT32_MAX || near < INT32_MIN) {
        fprintf(stderr, "jitpc: internal error: execution engine too far from the guest state\n");
        abort();
    }
    e->layout.cur_tb = (int32_t)((const char *)&e->cur_tb - (const char *)env);
    e->layout.cur_op = (int32_t)((const char *)&e->cur_op - (const char *)env);
    e->layout.jump_cache = (int32_t)((const char *)e->jump_cache - (const char *)env);
    e->layout.stale = (int32_t)((const char *)&e->stale - (const char *)env);
    e->limit_ptr = (uint64_t *)((uintptr_t)env + (uintptr_t)(intptr_t)guest_part->insn_limit);
}

bool exec_compile(ExecEngine *e, TranslationBlock *tb, void *env)
{
    (void)env;
    if (e->backend != EXEC_JIT || !e->jit)
        return true;
    /* Code that keeps being rewritten (SMC loops, code generators) is
     * interpreted: compiling each short-lived version costs more than it
     * gains. */
    if (tb_page_smc_hot(&e->cache, tb->key.phys_pc, EXEC_SMC_HOT_WRITES, EXEC_SMC_HOT_WINDOW)) {
        e->smc_interp++;
        return true;
    }
    JitResult r = jit_compile(e->jit, &e->layout, tb);
    if (r == JIT_FULL)
        return false;
    if (r == JIT_OK)
        e->jit_blocks++;
    else
        e->jit_fallbacks++;
    return true;
}

uint64_t exec_native(ExecEngine *e, TranslationBlock *tb, void *env, TranslationBlock **last)
{
    e->running = true;
    e->stale = 0;
    JitRet r = jit_enter(e->jit, env, tb->code);
    e->running = false;
    *last = r.tb;
    if (r.code != TB_EXIT_STALE)
        e->cur_tb = NULL;
    return r.code;
}

bool exec_link(ExecEngine *e, TranslationBlock *from, unsigned slot, TranslationBlock *to)
{
    if (!from || !to || !from->code || !to->code || from->invalid || to->invalid || slot > 1)
        return false;
    if (!from->jmp_field[slot] || from->jmp_dest[slot])
        return false;
    if (from->key.flags != to->key.flags || from->key.cs_base != to->key.cs_base || to->pages[1] != TB_NO_PAGE)
        return false;
    if (((from->key.cs_base + from->key.pc) >> TB_PAGE_BITS) != ((to->key.cs_base + to->key.pc) >> TB_PAGE_BITS))
        return false;
    if (to->nin_links == to->in_links_cap) {
        to->in_links_cap = to->in_links_cap ? to->in_links_cap * 2 : 4;
        to->in_links = realloc(to->in_links, to->in_links_cap * sizeof(*to->in_links));
        if (!to->in_links)
            abort();
    }
    to->in_links[to->nin_links++] = (TbLink){from, slot};
    from->jmp_dest[slot] = to;
    jit_patch(e->jit, from, slot, to);
    e->chains++;
    return true;
}

void exec_jc_insert(ExecEngine *e, TranslationBlock *tb, bool global)
{
    if (!tb->code || tb->invalid || tb->pages[1] != TB_NO_PAGE)
        return;
    tb->jc_global = global;
    e->jump_cache[exec_jc_hash(tb->key.pc)] = tb;
    e->jc_fills++;
}

void exec_jc_flush(ExecEngine *e)
{
    memset(e->jump_cache, 0, sizeof(e->jump_cache));
}

void exec_jc_flush_nonglobal(ExecEngine *e)
{
    for (unsigned i = 0; i < EXEC_JC_SIZE; i++)
        if (e->jump_cache[i] && !e->jump_cache[i]->jc_global)
            e->jump_cache[i] = NULL;
}

void exec_collect(ExecEngine *e)
{
    tb_cache_collect(&e->cache);
    if (e->code_reset_pending && !e->running) {
        e->code_reset_pending = false;
        jit_reset(e->jit);
        e->code_flushes++;
    }
}

void exec_disas_host(const TranslationBlock *tb, FILE *f)
{
    jit_disas(tb, f);
}
