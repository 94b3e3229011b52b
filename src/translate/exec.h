/* Running translated blocks: the backend interface the guest's execution
 * loop uses. The IR interpreter (backend/interp) is the portable reference
 * backend; native backends arrive later behind the same calls.
 *
 * A block returns a TbExit: chain through slot 0 or 1 (direct branch to a
 * known pc), look up an indirect target, or an exit code the guest defined.
 * While a block runs, ExecEngine.cur_tb/cur_op say where it is, so a helper
 * that raises a guest exception (longjmp) can have the exact instruction
 * restored (DESIGN.md invariant 2). */
#ifndef JITPC_TRANSLATE_EXEC_H
#define JITPC_TRANSLATE_EXEC_H

#include <stdint.h>

#include "translate/ir.h"
#include "translate/tb.h"

enum {
    TB_EXIT_GOTO0 = 0,      /* goto_tb slot 0 */
    TB_EXIT_GOTO1 = 1,      /* goto_tb slot 1 */
    TB_EXIT_LOOKUP = 2,     /* lookup_tb */
    TB_EXIT_STALE = 3,      /* the block's code was overwritten while it ran: it stopped at the
                             * next instruction boundary (cur_tb/cur_op tell which) */
    TB_EXIT_BUDGET = 4,     /* native code: the next block's entry check failed (instruction
                             * limit reached or exit requested); it has not started */
    TB_EXIT_CODE = 16,      /* exit_tb(n) returns TB_EXIT_CODE + n */
};

/* Where native code finds what it reads and writes besides the guest's
 * globals: byte offsets from the guest state pointer (`env`) it runs on.
 * The guest fills the guest part (exec_engine_set_layout); the engine adds
 * its own fields. */
typedef struct ExecLayout {
    int32_t pc;                     /* the guest pc global (32 bits), for indirect lookups */
    int32_t insns_retired;          /* uint64: instructions retired before the running block */
    int32_t insn_limit;             /* uint64: a block starts only if retired + its count <= this */
    /* the soft TLB (mmu/tlb.h layout): table of kind k at tlb_table[k] */
    int32_t tlb_table[2];
    uint32_t tlb_entry_size;        /* a power of two */
    uint32_t tlb_entries;           /* a power of two */
    uint32_t tlb_page_bits;
    int32_t tlb_tag[2];             /* offset in an entry of the read and write tags (32 bits) */
    int32_t tlb_addend;             /* offset in an entry of the host addend (pointer) */
    /* which table a block's accesses use, from its key flags */
    unsigned (*tlb_kind)(uint32_t block_flags);
    /* engine fields (filled by exec_engine_set_layout) */
    int32_t cur_tb, cur_op, jump_cache, stale;
} ExecLayout;

typedef enum ExecBackend { EXEC_INTERP, EXEC_JIT } ExecBackend;

/* Indirect-jump cache: guest pc -> block, probed by native code. */
#define EXEC_JC_BITS 12
#define EXEC_JC_SIZE (1u << EXEC_JC_BITS)
static inline unsigned exec_jc_hash(uint32_t pc)
{
    return (pc ^ (pc >> EXEC_JC_BITS)) & (EXEC_JC_SIZE - 1);
}

struct JitState;

/* A page whose code was invalidated by this many stores, the last within
 * this many translations, gets no native code: its blocks are interpreted
 * (tb_page_smc_hot). */
#define EXEC_SMC_HOT_WRITES 16
#define EXEC_SMC_HOT_WINDOW 1024

typedef struct ExecEngine {
    const IrGuest *guest;
    TbCache cache;
    TranslationBlock *cur_tb;       /* block executing, or NULL */
    uint32_t cur_op;                /* index of the op executing */
    ExecBackend backend;
    bool running;                   /* native code is on the stack */
    uint8_t stale;                  /* native code: the running block was invalidated (its code
                                     * stops at the next instruction start that checks) */
    bool code_reset_pending;        /* a flush came while native code ran */
    struct JitState *jit;           /* native backend state, or NULL */
    ExecLayout layout;
    uint64_t *limit_ptr;            /* the instruction limit in env (layout.insn_limit) */
    /* statistics */
    uint64_t chains, jc_fills, jit_blocks, jit_fallbacks, code_flushes, smc_interp;
    TranslationBlock *jump_cache[EXEC_JC_SIZE];
} ExecEngine;

void exec_engine_init(ExecEngine *e, const IrGuest *guest, unsigned max_blocks);
void exec_engine_destroy(ExecEngine *e);
/* Select the backend. EXEC_JIT needs a native backend for this host and the
 * guest's layout; `code_size` is the code cache in bytes; `perfmap` writes
 * /tmp/perf-<pid>.map. False with one line in `why` if it cannot be had. */
bool exec_engine_set_backend(ExecEngine *e, ExecBackend b, size_t code_size, bool perfmap, char *why,
                             size_t why_len);
/* The guest's part of the layout; `env` is the state the engine runs on. */
void exec_engine_set_layout(ExecEngine *e, const ExecLayout *guest_part, const void *env);
/* Whether this host has a native backend. */
bool exec_jit_available(void);

/* Native backend (exec_chain.c drives it). After a block is committed:
 * compile it; false when the code cache is full (the caller flushes the
 * block cache and translates again). A block the backend cannot compile
 * keeps code == NULL and runs in the interpreter. */
bool exec_compile(ExecEngine *e, TranslationBlock *tb, void *env);
/* Run native code from `tb` until a block exits to the loop; *last is the
 * block that exited (for TB_EXIT_GOTO0/1: the one whose slot to link). */
uint64_t exec_native(ExecEngine *e, TranslationBlock *tb, void *env, TranslationBlock **last);
/* Chain `from`'s goto_tb slot to `to` if both are native and the guest
 * allows it (same flags and code segment base, target in one page, same
 * linear page as `from`'s start); false if it did not (the caller may put
 * `to` in the jump cache, which the unchained slot's exit probes). */
bool exec_link(ExecEngine *e, TranslationBlock *from, unsigned slot, TranslationBlock *to);
/* Remember `tb` for native indirect jumps to its pc; `global`: its code
 * page is mapped by a global TLB entry (kept by exec_jc_flush_nonglobal). */
void exec_jc_insert(ExecEngine *e, TranslationBlock *tb, bool global);
/* Forget every remembered indirect target (the guest's mappings changed). */
void exec_jc_flush(ExecEngine *e);
/* Forget the targets not under global mappings (an address-space switch
 * that keeps global pages: CR3 writes with CR4.PGE). */
void exec_jc_flush_nonglobal(ExecEngine *e);
/* Free dead blocks and, when pending, empty the code cache; call only when
 * no block is executing. */
void exec_collect(ExecEngine *e);
/* Host code of a block for -d out_asm (Capstone). */
void exec_disas_host(const TranslationBlock *tb, FILE *f);

/* Run one block on the CPU state `env`; returns a TB_EXIT_* value. After
 * TB_EXIT_STALE, exec_current_position() gives the instruction to resume at
 * (it has not started) and how many completed. */
uint64_t exec_tb(ExecEngine *e, TranslationBlock *tb, void *env);

/* Where a fault left the block: the guest instruction that was executing.
 * Fills the pc, length and static cc value of its insn_start, and how many
 * instructions of the block completed before it; false if no block runs. */
typedef struct ExecPosition {
    uint64_t pc;
    uint64_t len;
    int64_t static_cc;
    unsigned insns_done;
} ExecPosition;
bool exec_current_position(const ExecEngine *e, ExecPosition *pos);

/* The interpreter backend. interp_exec_n stops (TB_EXIT_STALE) before the
 * instruction number max_insns of the block (an exact stop at an
 * instruction-count deadline); max_insns = 0 means no limit. */
uint64_t interp_exec(ExecEngine *e, TranslationBlock *tb, void *env);
uint64_t interp_exec_n(ExecEngine *e, TranslationBlock *tb, void *env, unsigned max_insns);

#endif
