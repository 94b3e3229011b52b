/* The CPU's execution loop: at each block entry, take exit requests and
 * the events due at an instruction boundary in the priority order of SDM
 * Vol. 3A Table 6-2 (#DB traps of the previous instruction, NMI, external
 * interrupts: §6.8.1, only with IF set and outside an interrupt shadow),
 * find or translate the block for the current state, run it, and count
 * retired instructions for the clock. Exceptions arrive here by longjmp
 * from helpers; they are delivered with the double- and triple-fault rules
 * (SDM Vol. 3A Table 6-5). What the debug events do is in debug.c. */
#include <stdio.h>
#include <stdlib.h>

#include "cpu/cpu.h"
#include "cpu/debug.h"
#include "cpu/exception.h"
#include "cpu/mem.h"
#include "cpu/translate.h"

static void log_out_asm(CpuState *cpu, const TranslationBlock *tb)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return;
    exec_disas_host(tb, f);
    fclose(f);
    log_printf(cpu->log, "%s", text);
    free(text);
}

static TranslationBlock *find_block(CpuState *cpu)
{
    TbKey key;
    key.flags = cpu_hflags(cpu) | cpu_debug_hflags(cpu);
    key.pc = cpu->eip;
    key.cs_base = cpu->seg[SEG_CS].base;
    key.phys_pc = cpu_code_phys(cpu, key.cs_base + key.pc);
    TranslationBlock *tb = tb_lookup(&cpu->engine.cache, &key);
    if (tb && tb->pages[1] != TB_NO_PAGE) {
        /* A block reaching into a second page was translated under that
         * page's mapping at the time; if the mapping moved, drop it. */
        uint32_t second = ((key.cs_base + key.pc) & ~0xFFFu) + 0x1000;
        uint64_t phys;
        if (!cpu_code_phys_probe(cpu, second, &phys) || (phys >> TB_PAGE_BITS) != tb->pages[1]) {
            tb_invalidate_range(&cpu->engine.cache, key.phys_pc, 1);
            tb = NULL;
        }
    }
    if (tb)
        return tb;
    /* A real CPU does not stop to translate: the guest must not see the
     * time it takes (timing loops such as Linux's TSC calibration against
     * the PIT would), so in real time it stands still meanwhile. */
    int64_t hide = clock_hide_begin(cpu->clock);
    for (;;) {
        tb = tb_alloc(&key, &x86_ir_guest);
        char why[256] = "";
        if (!x86_translate_block(cpu, tb, why, sizeof(why)) || !tb_commit(&cpu->engine.cache, tb, why, sizeof(why))) {
            /* A translator bug, never guest input: say where and stop loudly. */
            fprintf(stderr, "jitpc: internal error translating %04x:%08x: %s\n", cpu->seg[SEG_CS].selector, key.pc,
                    why);
            abort();
        }
        if (exec_compile(&cpu->engine, tb, cpu))
            break;
        /* The code cache is full: start it afresh (nothing runs now). */
        tb_flush(&cpu->engine.cache);
        exec_collect(&cpu->engine);
    }
    clock_hide_end(cpu->clock, hide);
    if (tb->code && log_enabled(cpu->log, LOG_OUT_ASM))
        log_out_asm(cpu, tb);
    return tb;
}

/* Run the first `n` instructions of `tb`'s code as a block of their own
 * (translated now, interpreted, freed). */
static uint64_t run_capped(CpuState *cpu, const TranslationBlock *tb, unsigned n)
{
    TranslationBlock *one = tb_alloc(&tb->key, &x86_ir_guest);
    char why[256] = "";
    cpu->translate_cap = n;
    bool ok = x86_translate_block(cpu, one, why, sizeof(why)) && tb_prepare(one, why, sizeof(why));
    cpu->translate_cap = 0;
    if (!ok) {
        fprintf(stderr, "jitpc: internal error translating %04x:%08x: %s\n", cpu->seg[SEG_CS].selector,
                tb->key.pc, why);
        abort();
    }
    /* It is not in the cache: a store into its code (SMC) is checked
     * against the running block directly (mem.c). It goes on the dead
     * list at once, freed at the next safe point: after a normal exit, a
     * stale exit (the loop reads the position from it first) or a fault. */
    one->dead_next = cpu->engine.cache.dead;
    cpu->engine.cache.dead = one;
    cpu->capped_tb = one;
    uint64_t r = interp_exec(&cpu->engine, one, cpu);
    if (r != TB_EXIT_STALE) {
        cpu->engine.cur_tb = NULL;
        cpu->insns_retired += one->icount;
    }
    cpu->capped_tb = NULL;
    return r;
}

/* Whether the loop must see every block (no chaining past it). */
static bool key_needs_loop(const CpuState *cpu, const TranslationBlock *tb)
{
    return (tb->key.flags & (HF_INHIBIT_IRQ | HF_DEBUG_STEP | HF_DEBUG_RESUME)) || cpu->exit_request ||
           log_enabled(cpu->log, LOG_EXEC) || log_enabled(cpu->log, LOG_CPU);
}

void cpu_sync_icount(CpuState *cpu)
{
    ExecPosition pos;
    uint64_t now = cpu->insns_retired;
    if (exec_current_position(&cpu->engine, &pos))
        now += pos.insns_done;
    if (now > cpu->insns_counted) {
        clock_advance_icount(cpu->clock, now - cpu->insns_counted);
        cpu->insns_counted = now;
    }
}

static bool contributory(int v)
{
    return v == EXCP_DE || v == EXCP_TS || v == EXCP_NP || v == EXCP_SS || v == EXCP_GP;
}

/* Deliver cpu->exception_* applying the double-fault rule. Returns false
 * on a triple fault (shutdown). May longjmp back into cpu_exec's handler
 * when delivery itself faults; cpu->delivering_vector tracks that. */
static bool deliver_pending(CpuState *cpu)
{
    int v = cpu->exception_vector;
    int first = cpu->delivering_vector;
    /* A software INT n is no exception: a fault while delivering it is
     * simply that fault (SDM Vol. 3A §6.15, interrupt 8: the rule counts
     * exceptions), even for INT 0x0D. */
    if (first >= 0 && !cpu->delivering_soft) {
        if (first == EXCP_DF) {
            LOG(cpu->log, LOG_INT, "triple fault (exception %d while delivering #DF)\n", v);
            cpu->delivering_vector = -1;
            cpu->exception_vector = -1;
            return false;
        }
        if ((contributory(first) && contributory(v)) || (first == EXCP_PF && (contributory(v) || v == EXCP_PF))) {
            cpu->exception_vector = EXCP_DF;
            cpu->exception_has_error = true;
            cpu->exception_error = 0;
            cpu->exception_soft = false;
            cpu->exception_next_eip = cpu->eip;
        }
    }
    cpu->delivering_vector = cpu->exception_vector;
    cpu->delivering_soft = cpu->exception_soft;
    cpu_deliver_exception(cpu);
    cpu->delivering_vector = -1;
    cpu->delivering_soft = false;
    return true;
}

CpuExecStatus cpu_exec(CpuState *cpu, uint64_t max_insns)
{
    /* Kept in the CPU state, not in locals: they must survive longjmp. */
    cpu->exec_start = cpu->insns_retired;
    cpu->insns_counted = cpu->insns_retired;
    if (setjmp(cpu->jmp_env)) {
        /* From cpu_raise_*: state is that of the faulting instruction (or
         * after it, for traps and software interrupts). */
        cpu->engine.cur_tb = NULL;
        cpu->engine.running = false;
        cpu->capped_tb = NULL;
        exec_collect(&cpu->engine);
        if (cpu->exception_vector >= 0) {
            cpu_debug_exception_raised(cpu, !cpu->stop_on_exception);
            if (cpu->stop_on_exception) {
                clock_advance_icount(cpu->clock, cpu->insns_retired - cpu->insns_counted);
                return CPU_EXEC_EXCEPTION;
            }
            if (!deliver_pending(cpu)) {
                clock_advance_icount(cpu->clock, cpu->insns_retired - cpu->insns_counted);
                return CPU_EXEC_SHUTDOWN;
            }
        }
    }
    cpu->jmp_env_valid = true;
    /* Native exits to resolve at the next block: a goto_tb slot to chain,
     * an indirect target to remember. Locals are fine here: a longjmp
     * lands above and only loses a chaining opportunity. */
    TranslationBlock *link_from = NULL;
    unsigned link_slot = 0;
    bool fill_jc = false;
    for (;;) {
        clock_advance_icount(cpu->clock, cpu->insns_retired - cpu->insns_counted);
        cpu->insns_counted = cpu->insns_retired;
        exec_collect(&cpu->engine);
        /* Mappings changed: indirect-jump targets found under the old ones
         * may be wrong now. */
        uint64_t flushes = cpu->tlb.flushes - cpu->tlb.nonglobal_flushes + cpu->tlb.page_flushes;
        if (flushes != cpu->tlb_flush_seen) {
            cpu->tlb_flush_seen = flushes;
            cpu->tlb_ng_flush_seen = cpu->tlb.nonglobal_flushes;
            exec_jc_flush(&cpu->engine);
            link_from = NULL;
        } else if (cpu->tlb.nonglobal_flushes != cpu->tlb_ng_flush_seen) {
            /* A CR3 write with global pages on: kernel code stays mapped. */
            cpu->tlb_ng_flush_seen = cpu->tlb.nonglobal_flushes;
            exec_jc_flush_nonglobal(&cpu->engine);
            link_from = NULL;
        }
        if (cpu->exit_request) {
            cpu->exit_request = 0;
            return CPU_EXEC_EXIT;
        }
        /* A #DB trap of the previous instruction (single-step, data or
         * I/O breakpoint, task-switch T bit) comes first. After delivering
         * an event, look again: the next one may be due before the
         * handler's first instruction (SDM Vol. 3A §17.3.1.4). */
        if (cpu_debug_trap_pending(cpu)) {
            cpu_debug_take_trap(cpu);
            if (cpu->stop_on_exception) {
                clock_advance_icount(cpu->clock, cpu->insns_retired - cpu->insns_counted);
                return CPU_EXEC_EXCEPTION;
            }
            if (!deliver_pending(cpu)) {
                clock_advance_icount(cpu->clock, cpu->insns_retired - cpu->insns_counted);
                return CPU_EXEC_SHUTDOWN;
            }
            continue;
        }
        /* NMI ignores IF; once taken it is blocked until an IRET, so this
         * cannot repeat (SDM Vol. 3A §6.7.1). */
        if (cpu_nmi_take(cpu)) {
            cpu_deliver_external(cpu, EXCP_NMI);
            continue;
        }
        if (!cpu->irq_inhibit && (cpu->eflags & EFLAGS_IF) && cpu->intr.pending &&
            cpu->intr.pending(cpu->intr.opaque)) {
            cpu->halted = false;
            /* An exception while delivering an external interrupt is simply
             * delivered (no double fault: Table 6-5 covers exceptions). */
            cpu_deliver_external(cpu, cpu->intr.ack(cpu->intr.opaque));
            /* A task gate may have switched to a task with the T bit. */
            if (cpu_debug_trap_pending(cpu))
                continue;
        }
        if (cpu->halted)
            return CPU_EXEC_HALTED;
        if (max_insns && cpu->insns_retired - cpu->exec_start >= max_insns)
            return CPU_EXEC_BUDGET;
        /* The shadow covers the one instruction of the block found now. */
        TranslationBlock *tb = find_block(cpu);
        cpu->irq_inhibit = false;
        bool if_before = cpu->eflags & EFLAGS_IF;
        cpu_debug_enter_block(cpu);
        if (log_enabled(cpu->log, LOG_EXEC))
            log_printf(cpu->log, "Trace %04x:%08x [%08llx]\n", cpu->seg[SEG_CS].selector, cpu->eip,
                       (unsigned long long)tb->key.phys_pc);
        if (log_enabled(cpu->log, LOG_CPU))
            cpu_dump_state(cpu, cpu->log);
        uint64_t limit = max_insns ? cpu->exec_start + max_insns : UINT64_MAX;
        /* Without exact stops a block may run past the limit (by less
         * than a block). */
        if (!cpu->exact_budget && limit != UINT64_MAX)
            limit += TRANSLATE_MAX_INSNS;
        uint64_t r;
        if (tb->code && cpu->insns_retired + tb->icount <= limit) {
            /* A direct jump that cannot be chained (another page) finds
             * its target through the jump cache next time. */
            if (link_from && !exec_link(&cpu->engine, link_from, link_slot, tb))
                fill_jc = true;
            if (fill_jc)
                exec_jc_insert(&cpu->engine, tb, cpu_code_page_global(cpu, tb->key.cs_base + tb->key.pc));
            /* Debugging and tracing see every block: run one at a time. */
            if (key_needs_loop(cpu, tb))
                limit = cpu->insns_retired + tb->icount;
            cpu->insn_limit = limit;
            if (cpu->exit_request)
                cpu->insn_limit = 0;    /* a kick raced with setting the limit */
            TranslationBlock *last = NULL;
            r = exec_native(&cpu->engine, tb, cpu, &last);
            link_from = (r == TB_EXIT_GOTO0 || r == TB_EXIT_GOTO1) ? last : NULL;
            link_slot = (unsigned)r;
            fill_jc = r == TB_EXIT_LOOKUP;
        } else if (cpu->insns_retired + tb->icount > limit) {
            /* The block would pass the instruction limit: run a one-off
             * block of just the instructions left (an exact stop; the
             * optimized block is exact only at its exits and stores). */
            r = run_capped(cpu, tb, (unsigned)(limit - cpu->insns_retired));
            link_from = NULL;
            fill_jc = false;
        } else {
            /* The interpreter: blocks without native code. */
            r = interp_exec(&cpu->engine, tb, cpu);
            if (r != TB_EXIT_STALE) {
                cpu->engine.cur_tb = NULL;
                cpu->insns_retired += tb->icount;
            }
            link_from = NULL;
            fill_jc = false;
        }
        if (r == TB_EXIT_STALE) {
            ExecPosition pos;
            exec_current_position(&cpu->engine, &pos);
            cpu->engine.cur_tb = NULL;
            cpu->eip = (uint32_t)pos.pc;
            if (pos.static_cc >= 0)
                cpu->cc_op = (uint32_t)pos.static_cc;
            cpu->insns_retired += pos.insns_done;
        }
        cpu_debug_leave_block(cpu, if_before);
    }
}
