/* Translation blocks and their cache. A block is found by (physical pc,
 * CS base, mode flags); it records the physical pages its guest code came
 * from, and a write to such a page invalidates every block on it (a simple
 * per-page scheme; the soft MMU makes the check cheap later). Invalidated
 * blocks are unlinked at once and freed at the next safe point, since the
 * block being executed may be among them. */
#ifndef JITPC_TRANSLATE_TB_H
#define JITPC_TRANSLATE_TB_H

#include <stdbool.h>
#include <stdint.h>

#include "translate/ir.h"

#define TB_PAGE_BITS 12
#define TB_NO_PAGE UINT64_MAX

typedef struct TbKey {
    uint64_t phys_pc;       /* physical address of the first byte */
    uint32_t pc;            /* guest pc (EIP) at block start */
    uint32_t cs_base;
    uint32_t flags;         /* guest mode bits that change translation */
} TbKey;

struct TbLink;

typedef struct TranslationBlock {
    TbKey key;
    uint32_t size;                  /* guest code bytes */
    uint32_t icount;                /* guest instructions */
    uint64_t pages[2];              /* physical pages of the code (second may be TB_NO_PAGE) */
    IrBlock ir;                     /* the interpreter runs the IR directly */
    uint32_t *label_pos;            /* op index of each label */
    uint64_t *locals;               /* interpreter slots for locals and constants */
    bool invalid;
    /* Native code (exec_chain.c, backend/): the entry point in the code
     * cache's executable view, or NULL (the interpreter runs the block). */
    void *code;
    uint32_t code_size;
    uint32_t jmp_field[2];          /* code offset of goto_tb slot n's rel32 field (0: no slot) */
    uint32_t jmp_reset[2];          /* code offset slot n jumps to when unlinked (its exit tail) */
    struct TranslationBlock *jmp_dest[2];   /* block slot n is linked to, or NULL */
    bool jc_global;                 /* in the jump cache under a global mapping (survives CR3 writes) */
    struct TbLink *in_links;        /* blocks whose goto_tb slot jumps here */
    unsigned nin_links, in_links_cap;
    struct TranslationBlock *hash_next;
    struct TranslationBlock *page_next[2];
    struct TranslationBlock *dead_next;
} TranslationBlock;

/* An incoming chain: `from`'s goto_tb slot jumps to the block holding it. */
typedef struct TbLink {
    TranslationBlock *from;
    unsigned slot;
} TbLink;

/* Code is tracked in 128-byte chunks so that stores next to code (data in
 * the same page, common in old programs) do not throw translations away. */
#define TB_CHUNK_BITS 7

typedef struct TbPageEntry {
    uint64_t page;                  /* TB_NO_PAGE: empty slot */
    TranslationBlock *tbs;
    uint32_t chunks;                /* 128-byte chunks of the page holding translated code */
    uint32_t writes;                /* stores that invalidated code here (recently, see below) */
    uint64_t last_write;            /* TbCache.translated at the last such store */
} TbPageEntry;

typedef struct TbCache {
    TranslationBlock **buckets;
    unsigned nbuckets;
    TbPageEntry *pages;             /* open addressing, power-of-two size */
    unsigned npages_cap, npages_used;
    unsigned count, max_count;      /* full flush when count reaches max_count */
    TranslationBlock *dead;         /* invalidated, freed at tb_cache_collect */
    uint64_t generation;            /* bumped on every invalidation or flush */
    /* Called when a physical page starts holding translated code, so the
     * guest's TLB can route writes to it through the slow path. */
    void (*code_page_added)(void *opaque, uint64_t page_addr);
    void *code_page_opaque;
    /* Called for each block invalidated (before it joins the dead list) and
     * on a full flush, so native chains and jump caches forget it. */
    void (*tb_killed)(void *opaque, TranslationBlock *tb);
    void (*flushed)(void *opaque);
    void *hook_opaque;
    /* statistics */
    uint64_t translated, invalidated, flushes;
} TbCache;

void tb_cache_init(TbCache *c, unsigned max_count);
void tb_cache_destroy(TbCache *c);

TranslationBlock *tb_lookup(TbCache *c, const TbKey *key);
/* A new, empty block for `key` (not yet in the cache). */
TranslationBlock *tb_alloc(const TbKey *key, const IrGuest *guest);
/* Finish a block whose IR is built: resolve labels, prepare the
 * interpreter's slots, insert into the cache (flushing it first when it is
 * full). Returns false, freeing the block, if the IR does not verify. */
bool tb_commit(TbCache *c, TranslationBlock *tb, char *why, size_t why_len);
/* The part of tb_commit that readies a block to run without putting it in
 * a cache (a one-off block). Frees the block if the IR does not verify. */
bool tb_prepare(TranslationBlock *tb, char *why, size_t why_len);
/* Free a block that was never committed. */
void tb_free(TranslationBlock *tb);

/* Whether stores invalidated code on this physical page at least
 * `threshold` times, the last one less than `window` translations ago (a
 * page reused for new code now and then is not hot): code that keeps being
 * rewritten is not worth compiling. A page found cold starts counting
 * afresh. */
bool tb_page_smc_hot(TbCache *c, uint64_t phys_addr, uint32_t threshold, uint64_t window);
/* Does any block hold code from this physical page? */
bool tb_page_has_code(const TbCache *c, uint64_t phys_addr);
/* Invalidate every block with code on the page of `phys_addr`; returns how
 * many. */
unsigned tb_invalidate_page(TbCache *c, uint64_t phys_addr);
/* Invalidate the blocks whose code overlaps [phys_addr, phys_addr + len)
 * (len <= 4096, within one page); returns how many. */
unsigned tb_invalidate_range(TbCache *c, uint64_t phys_addr, unsigned len);
void tb_flush(TbCache *c);
/* Free invalidated blocks; call only when no block is executing. */
void tb_cache_collect(TbCache *c);

#endif
