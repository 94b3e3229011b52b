/* Soft-TLB maintenance: fills, the flushes of MOV CR0/CR3/CR4 and INVLPG
 * (SDM Vol. 3A §4.10.4.1), code-page marking for self-modifying code. The
 * entry layout and inline hit path are in tlb.h; what goes into an entry is
 * the CPU's decision. Every entry covers one 4 KiB linear page: a 2/4 MiB
 * page is filled as 4 KiB pieces and recorded by tlb_add_large_page, so
 * INVLPG drops all its pieces (SDM Vol. 2 INVLPG, note 1). */
#include "mmu/tlb.h"

#include <string.h>

/* large_base value meaning "no large page tracked": it is odd, and a
 * tracked base is 2 MiB-aligned, so (linear & mask) can never equal it. */
#define TLB_NO_LARGE 1u

static void tlb_entry_invalidate(TlbEntry *e)
{
    for (int a = 0; a < TLB_ACCESSES; a++)
        e->tag[a] = TLB_INVALID;
    e->global = 0;
    e->addend = 0;
    e->phys_page = 0;
}

/* True if any tag of `e` is for a linear page inside the aligned region
 * (base, mask). Tags of a filled entry all carry its page (tlb_set keeps
 * the page even under TLB_INVALID), so any tag identifies it; an entry
 * that was never filled reads as page 0, and dropping it again is
 * harmless. */
static bool tlb_entry_in(const TlbEntry *e, uint32_t base, uint32_t mask)
{
    for (int a = 0; a < TLB_ACCESSES; a++)
        if ((e->tag[a] & mask) == base)
            return true;
    return false;
}

static void tlb_forget_large(Tlb *t, unsigned kind)
{
    t->large_base[kind] = TLB_NO_LARGE;
    t->large_mask[kind] = 0;
}

void tlb_init(Tlb *t)
{
    memset(t, 0, sizeof(*t));
    tlb_flush_all(t);
    t->flushes = 0;
}

void tlb_flush_all(Tlb *t)
{
    for (unsigned k = 0; k < TLB_KINDS; k++) {
        for (unsigned i = 0; i < TLB_ENTRIES; i++)
            tlb_entry_invalidate(&t->e[k][i]);
        for (unsigned i = 0; i < TLB_VICTIMS; i++)
            tlb_entry_invalidate(&t->victim[k][i]);
        tlb_forget_large(t, k);
    }
    t->flushes++;
}

static bool entry_valid(const TlbEntry *e)
{
    for (int a = 0; a < TLB_ACCESSES; a++)
        if (!(e->tag[a] & TLB_INVALID))
            return true;
    return false;
}

bool tlb_victim_lookup(Tlb *t, unsigned kind, unsigned access, uint32_t linear)
{
    uint32_t page = linear & TLB_PAGE_MASK;
    for (unsigned i = 0; i < TLB_VICTIMS; i++) {
        TlbEntry *v = &t->victim[kind][i];
        if ((v->tag[access] & (TLB_PAGE_MASK | TLB_INVALID)) == page) {
            TlbEntry *e = tlb_entry(t, kind, linear);
            TlbEntry tmp = *e;
            *e = *v;
            *v = tmp;
            t->victim_hits++;
            return true;
        }
    }
    return false;
}

void tlb_flush_nonglobal(Tlb *t, bool keep_global)
{
    if (!keep_global) {
        tlb_flush_all(t);
        return;
    }
    /* Global entries survive; the large-page region stays as it is, since
     * some of them may be pieces of large pages (a superset is safe). */
    for (unsigned k = 0; k < TLB_KINDS; k++) {
        for (unsigned i = 0; i < TLB_ENTRIES; i++)
            if (!t->e[k][i].global)
                tlb_entry_invalidate(&t->e[k][i]);
        for (unsigned i = 0; i < TLB_VICTIMS; i++)
            if (!t->victim[k][i].global)
                tlb_entry_invalidate(&t->victim[k][i]);
    }
    t->flushes++;
    t->nonglobal_flushes++;
}

void tlb_flush_page(Tlb *t, uint32_t linear)
{
    uint32_t page = linear & TLB_PAGE_MASK;
    for (unsigned k = 0; k < TLB_KINDS; k++) {
        if ((linear & t->large_mask[k]) == t->large_base[k]) {
            /* The address may lie in a large page held as several 4 KiB
             * entries: drop every entry in the region. That covers all
             * tracked large pages, so the region is empty afterwards. */
            for (unsigned i = 0; i < TLB_ENTRIES; i++)
                if (tlb_entry_in(&t->e[k][i], t->large_base[k], t->large_mask[k]))
                    tlb_entry_invalidate(&t->e[k][i]);
            for (unsigned i = 0; i < TLB_VICTIMS; i++)
                if (tlb_entry_in(&t->victim[k][i], t->large_base[k], t->large_mask[k]))
                    tlb_entry_invalidate(&t->victim[k][i]);
            tlb_forget_large(t, k);
        }
        for (unsigned i = 0; i < TLB_VICTIMS; i++)
            if (tlb_entry_in(&t->victim[k][i], page, TLB_PAGE_MASK))
                tlb_entry_invalidate(&t->victim[k][i]);
        /* INVLPG drops global entries too (SDM Vol. 2 INVLPG). */
        TlbEntry *e = tlb_entry(t, k, linear);
        if (tlb_entry_in(e, page, TLB_PAGE_MASK))
            tlb_entry_invalidate(e);
    }
    t->page_flushes++;
}

void tlb_set(Tlb *t, unsigned kind, uint32_t linear_page, uint32_t read_tag_flags, uint32_t write_tag_flags,
             uint32_t code_tag_flags, bool global, uintptr_t addend, uint64_t phys_page)
{
    uint32_t page = linear_page & TLB_PAGE_MASK;
    TlbEntry *e = tlb_entry(t, kind, page);
    /* Keep what a conflicting fill evicts (a refill of the same page just
     * replaces it). */
    if (entry_valid(e) && (e->tag[TLB_READ] & TLB_PAGE_MASK) != page) {
        t->victim[kind][t->victim_next[kind]] = *e;
        t->victim_next[kind] = (t->victim_next[kind] + 1) % TLB_VICTIMS;
    }
    /* Flags live below the page offset; keep the page in invalid tags too
     * so flushes can tell which page an entry belongs to. */
    e->tag[TLB_READ] = page | (read_tag_flags & ~TLB_PAGE_MASK);
    e->tag[TLB_WRITE] = page | (write_tag_flags & ~TLB_PAGE_MASK);
    e->tag[TLB_CODE_FETCH] = page | (code_tag_flags & ~TLB_PAGE_MASK);
    e->global = global;
    e->addend = addend;
    e->phys_page = phys_page & ~(uint64_t)~TLB_PAGE_MASK;
}

void tlb_add_large_page(Tlb *t, unsigned kind, uint32_t linear, uint32_t page_size)
{
    uint32_t mask = ~(page_size - 1);
    uint32_t base = linear & mask;
    if (t->large_base[kind] != TLB_NO_LARGE) {
        /* Grow to the smallest aligned region holding both (QEMU's
         * tlb_add_large_page does the same). */
        mask &= t->large_mask[kind];
        while ((t->large_base[kind] ^ base) & mask)
            mask <<= 1;
        base &= mask;
    }
    t->large_base[kind] = base;
    t->large_mask[kind] = mask;
}

void tlb_set_code_page(Tlb *t, uint64_t phys_page, bool is_code)
{
    uint64_t page = phys_page & ~(uint64_t)~TLB_PAGE_MASK;
    for (unsigned k = 0; k < TLB_KINDS; k++) {
        for (unsigned i = 0; i < TLB_ENTRIES + TLB_VICTIMS; i++) {
            TlbEntry *e = i < TLB_ENTRIES ? &t->e[k][i] : &t->victim[k][i - TLB_ENTRIES];
            /* An entry without a write translation has nothing to guard;
             * its next fill consults the code-page map itself. */
            if (e->phys_page != page || (e->tag[TLB_WRITE] & TLB_INVALID))
                continue;
            if (is_code)
                e->tag[TLB_WRITE] |= TLB_CODE;
            else
                e->tag[TLB_WRITE] &= ~TLB_CODE;
        }
    }
}
