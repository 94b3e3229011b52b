/* The translation-block cache: a chained hash on the block key and an
 * open-addressed table from physical code page to the blocks on it. */
#include "translate/tb.h"

#include <stdlib.h>
#include <string.h>

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static unsigned key_hash(const TbKey *k, unsigned nbuckets)
{
    /* Each part mixed on its own: in real mode phys_pc = cs_base + pc, so
     * an XOR of the raw fields cancels out and every block of a segment
     * would share one bucket. */
    uint64_t h = mix64(k->phys_pc) ^ mix64(((uint64_t)k->flags << 32) | k->pc) ^ mix64((uint64_t)k->cs_base + 1);
    return (unsigned)(h & (nbuckets - 1));
}

static bool key_eq(const TbKey *a, const TbKey *b)
{
    return a->phys_pc == b->phys_pc && a->pc == b->pc && a->cs_base == b->cs_base && a->flags == b->flags;
}

static void pages_alloc(TbCache *c, unsigned cap)
{
    c->pages = malloc((size_t)cap * sizeof(*c->pages));
    if (!c->pages)
        abort();
    for (unsigned i = 0; i < cap; i++)
        c->pages[i] = (TbPageEntry){.page = TB_NO_PAGE, .tbs = NULL, .chunks = 0, .writes = 0};
    c->npages_cap = cap;
    c->npages_used = 0;
}

void tb_cache_init(TbCache *c, unsigned max_count)
{
    memset(c, 0, sizeof(*c));
    c->nbuckets = 1u << 16;     /* about one block per bucket when the cache is full (CPU_MAX_BLOCKS) */
    c->buckets = calloc(c->nbuckets, sizeof(*c->buckets));
    if (!c->buckets)
        abort();
    c->max_count = max_count;
    pages_alloc(c, 1u << 10);
}

void tb_free(TranslationBlock *tb)
{
    if (!tb)
        return;
    ir_block_free(&tb->ir);
    free(tb->in_links);
    free(tb->label_pos);
    free(tb->locals);
    free(tb);
}

static void free_all(TbCache *c)
{
    for (unsigned i = 0; i < c->nbuckets; i++) {
        TranslationBlock *tb = c->buckets[i];
        while (tb) {
            TranslationBlock *next = tb->hash_next;
            tb_free(tb);
            tb = next;
        }
        c->buckets[i] = NULL;
    }
    for (unsigned i = 0; i < c->npages_cap; i++)
        c->pages[i] = (TbPageEntry){.page = TB_NO_PAGE, .tbs = NULL, .chunks = 0, .writes = 0};
    c->npages_used = 0;
    c->count = 0;
}

void tb_cache_destroy(TbCache *c)
{
    free_all(c);
    tb_cache_collect(c);
    free(c->buckets);
    free(c->pages);
    memset(c, 0, sizeof(*c));
}

TranslationBlock *tb_lookup(TbCache *c, const TbKey *key)
{
    for (TranslationBlock *tb = c->buckets[key_hash(key, c->nbuckets)]; tb; tb = tb->hash_next)
        if (key_eq(&tb->key, key))
            return tb;
    return NULL;
}

TranslationBlock *tb_alloc(const TbKey *key, const IrGuest *guest)
{
    TranslationBlock *tb = calloc(1, sizeof(*tb));
    if (!tb)
        abort();
    tb->key = *key;
    tb->pages[0] = key->phys_pc >> TB_PAGE_BITS;
    tb->pages[1] = TB_NO_PAGE;
    ir_block_init(&tb->ir, guest);
    return tb;
}

/* The page-table slot for `page`: its entry, or the empty slot to use. */
static TbPageEntry *page_slot(const TbCache *c, uint64_t page)
{
    unsigned mask = c->npages_cap - 1;
    unsigned i = (unsigned)mix64(page) & mask;
    while (c->pages[i].page != TB_NO_PAGE && c->pages[i].page != page)
        i = (i + 1) & mask;
    return &c->pages[i];
}

static void pages_grow(TbCache *c)
{
    TbPageEntry *old = c->pages;
    unsigned old_cap = c->npages_cap;
    pages_alloc(c, old_cap * 2);
    for (unsigned i = 0; i < old_cap; i++) {
        if (old[i].page == TB_NO_PAGE)
            continue;
        *page_slot(c, old[i].page) = old[i];
        c->npages_used++;
    }
    free(old);
}

/* The byte range of `tb`'s code within its page number `which`. */
static void tb_range_in_page(const TranslationBlock *tb, int which, uint32_t *start, uint32_t *end)
{
    uint32_t off = (uint32_t)(tb->key.phys_pc & ((1u << TB_PAGE_BITS) - 1));
    uint32_t size = tb->size ? tb->size : 1;
    if (which == 0) {
        *start = off;
        *end = off + size > (1u << TB_PAGE_BITS) ? (1u << TB_PAGE_BITS) : off + size;
    } else {
        /* The part in the second page; at least its first byte (a block
         * registered there always reaches into it). */
        *start = 0;
        *end = off + size > (1u << TB_PAGE_BITS) ? off + size - (1u << TB_PAGE_BITS) : 1;
    }
}

static uint32_t tb_chunk_mask(const TranslationBlock *tb, int which)
{
    uint32_t start, end, m = 0;
    tb_range_in_page(tb, which, &start, &end);
    for (uint32_t ch = start >> TB_CHUNK_BITS; ch <= (end - 1) >> TB_CHUNK_BITS; ch++)
        m |= 1u << ch;
    return m;
}

static void page_add(TbCache *c, TranslationBlock *tb, int which)
{
    if ((c->npages_used + 1) * 2 > c->npages_cap)
        pages_grow(c);
    TbPageEntry *e = page_slot(c, tb->pages[which]);
    if (e->page == TB_NO_PAGE) {
        e->page = tb->pages[which];
        e->tbs = NULL;
        e->chunks = 0;
        e->writes = 0;
        c->npages_used++;
    }
    if (!e->tbs && c->code_page_added)
        c->code_page_added(c->code_page_opaque, tb->pages[which] << TB_PAGE_BITS);
    tb->page_next[which] = e->tbs;
    e->tbs = tb;
    e->chunks |= tb_chunk_mask(tb, which);
}

bool tb_prepare(TranslationBlock *tb, char *why, size_t why_len)
{
    if (!ir_verify(&tb->ir, why, why_len)) {
        tb_free(tb);
        return false;
    }
    IrBlock *b = &tb->ir;
    tb->label_pos = calloc(b->nlabels ? b->nlabels : 1, sizeof(*tb->label_pos));
    tb->locals = calloc(b->ntemps ? b->ntemps : 1, sizeof(*tb->locals));
    if (!tb->label_pos || !tb->locals)
        abort();
    for (unsigned i = 0; i < b->nops; i++)
        if (b->ops[i].opc == IR_set_label)
            tb->label_pos[b->ops[i].args[0]] = i;
    for (unsigned t = 0; t < b->ntemps; t++)
        if (b->temps[t].kind == IR_TEMP_CONST)
            tb->locals[t] = b->temps[t].value;
    tb->icount = b->ninsns;
    return true;
}

bool tb_commit(TbCache *c, TranslationBlock *tb, char *why, size_t why_len)
{
    if (!tb_prepare(tb, why, why_len))
        return false;
    if (c->count >= c->max_count)
        tb_flush(c);
    unsigned h = key_hash(&tb->key, c->nbuckets);
    tb->hash_next = c->buckets[h];
    c->buckets[h] = tb;
    page_add(c, tb, 0);
    if (tb->pages[1] != TB_NO_PAGE && tb->pages[1] != tb->pages[0])
        page_add(c, tb, 1);
    else
        tb->pages[1] = TB_NO_PAGE;
    c->count++;
    c->translated++;
    return true;
}

bool tb_page_smc_hot(TbCache *c, uint64_t phys_addr, uint32_t threshold, uint64_t window)
{
    TbPageEntry *e = page_slot(c, phys_addr >> TB_PAGE_BITS);
    if (e->page == TB_NO_PAGE || e->writes < threshold)
        return false;
    if (c->translated - e->last_write > window) {
        e->writes = 0;
        return false;
    }
    return true;
}

bool tb_page_has_code(const TbCache *c, uint64_t phys_addr)
{
    const TbPageEntry *e = page_slot(c, phys_addr >> TB_PAGE_BITS);
    return e->page != TB_NO_PAGE && e->tbs;
}

static void hash_remove(TbCache *c, TranslationBlock *tb)
{
    TranslationBlock **pp = &c->buckets[key_hash(&tb->key, c->nbuckets)];
    while (*pp && *pp != tb)
        pp = &(*pp)->hash_next;
    if (*pp)
        *pp = tb->hash_next;
}

static void page_recompute_chunks(TbPageEntry *e)
{
    uint32_t m = 0;
    for (TranslationBlock *t = e->tbs; t; t = t->page_next[t->pages[0] == e->page ? 0 : 1])
        m |= tb_chunk_mask(t, t->pages[0] == e->page ? 0 : 1);
    e->chunks = m;
}

static void tb_kill(TbCache *c, TranslationBlock *tb)
{
    if (c->tb_killed)
        c->tb_killed(c->hook_opaque, tb);
    hash_remove(c, tb);
    tb->invalid = true;
    tb->dead_next = c->dead;
    c->dead = tb;
    c->count--;
}

/* Unlink `tb` from the list of its other page. */
static void page_list_remove(TbCache *c, TranslationBlock *tb, int which)
{
    TbPageEntry *e = page_slot(c, tb->pages[which]);
    if (e->page == TB_NO_PAGE)
        return;
    TranslationBlock **pp = &e->tbs;
    while (*pp && *pp != tb)
        pp = &(*pp)->page_next[(*pp)->pages[0] == tb->pages[which] ? 0 : 1];
    if (*pp)
        *pp = tb->page_next[which];
    page_recompute_chunks(e);
}

unsigned tb_invalidate_page(TbCache *c, uint64_t phys_addr)
{
    uint64_t page = phys_addr >> TB_PAGE_BITS;
    TbPageEntry *e = page_slot(c, page);
    if (e->page == TB_NO_PAGE || !e->tbs)
        return 0;
    unsigned n = 0;
    TranslationBlock *tb = e->tbs;
    e->tbs = NULL;
    e->chunks = 0;
    while (tb) {
        int which = tb->pages[0] == page ? 0 : 1;
        TranslationBlock *next = tb->page_next[which];
        if (tb->pages[1] != TB_NO_PAGE)
            page_list_remove(c, tb, which ^ 1);
        tb_kill(c, tb);
        n++;
        tb = next;
    }
    c->invalidated += n;
    c->generation++;
    return n;
}

void tb_flush(TbCache *c)
{
    /* Blocks may be executing: move them all to the dead list. */
    for (unsigned i = 0; i < c->nbuckets; i++) {
        TranslationBlock *tb = c->buckets[i];
        while (tb) {
            TranslationBlock *next = tb->hash_next;
            tb->invalid = true;
            tb->dead_next = c->dead;
            c->dead = tb;
            tb = next;
        }
        c->buckets[i] = NULL;
    }
    for (unsigned i = 0; i < c->npages_cap; i++)
        c->pages[i] = (TbPageEntry){.page = TB_NO_PAGE, .tbs = NULL, .chunks = 0, .writes = 0};
    c->npages_used = 0;
    c->count = 0;
    c->flushes++;
    c->generation++;
    if (c->flushed)
        c->flushed(c->hook_opaque);
}

void tb_cache_collect(TbCache *c)
{
    TranslationBlock *tb = c->dead;
    while (tb) {
        TranslationBlock *next = tb->dead_next;
        tb_free(tb);
        tb = next;
    }
    c->dead = NULL;
}

unsigned tb_invalidate_range(TbCache *c, uint64_t phys_addr, unsigned len)
{
    uint64_t page = phys_addr >> TB_PAGE_BITS;
    TbPageEntry *e = page_slot(c, page);
    if (e->page == TB_NO_PAGE || !e->tbs || len == 0)
        return 0;
    uint32_t start = (uint32_t)(phys_addr & ((1u << TB_PAGE_BITS) - 1));
    uint32_t end = start + len > (1u << TB_PAGE_BITS) ? (1u << TB_PAGE_BITS) : start + len;
    uint32_t wmask = 0;
    for (uint32_t ch = start >> TB_CHUNK_BITS; ch <= (end - 1) >> TB_CHUNK_BITS; ch++)
        wmask |= 1u << ch;
    if (!(e->chunks & wmask))
        return 0;   /* data next to code: nothing translated there */
    unsigned n = 0;
    TranslationBlock **pp = &e->tbs;
    while (*pp) {
        TranslationBlock *tb = *pp;
        int which = tb->pages[0] == page ? 0 : 1;
        uint32_t s0, e0;
        tb_range_in_page(tb, which, &s0, &e0);
        if (s0 < end && start < e0) {
            *pp = tb->page_next[which];
            if (tb->pages[1] != TB_NO_PAGE)
                page_list_remove(c, tb, which ^ 1);
            tb_kill(c, tb);
            n++;
        } else {
            pp = &tb->page_next[which];
        }
    }
    page_recompute_chunks(e);
    if (n) {
        c->invalidated += n;
        c->generation++;
        e->writes++;
        e->last_write = c->translated;
    }
    return n;
}
