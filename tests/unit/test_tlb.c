/* The soft TLB: the inline hit path (tag compare, page crossing, flag
 * bits), filling, the flushes of MOV CR3/CR0/CR4 and INVLPG (SDM Vol. 3A
 * §4.10.4.1) including large pages held as 4 KiB pieces, code-page
 * marking, and the statistics counters. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "mmu/tlb.h"

static Tlb tlb;
static uint8_t host[4 * 4096];

/* Fill `linear_page` of `kind` with plain RAM at host[slot * 4096]. */
static void fill_ram(unsigned kind, uint32_t linear_page, unsigned slot, bool global, uint64_t phys)
{
    uintptr_t addend = (uintptr_t)&host[slot * 4096] - (linear_page & TLB_PAGE_MASK);
    tlb_set(&tlb, kind, linear_page, 0, 0, 0, global, addend, phys);
}

static bool hits(unsigned kind, unsigned access, uint32_t linear)
{
    return tlb_lookup(&tlb, kind, access, linear, 1) != NULL;
}

static bool hits_all(unsigned kind, uint32_t linear)
{
    return hits(kind, TLB_READ, linear) && hits(kind, TLB_WRITE, linear) && hits(kind, TLB_CODE_FETCH, linear);
}

static bool misses_all(unsigned kind, uint32_t linear)
{
    return !hits(kind, TLB_READ, linear) && !hits(kind, TLB_WRITE, linear) && !hits(kind, TLB_CODE_FETCH, linear);
}

static void setup(void)
{
    /* Start from zeros: a zero tag would match linear page 0, so init
     * must really write TLB_INVALID everywhere. */
    memset(&tlb, 0, sizeof(tlb));
    tlb_init(&tlb);
}

TestSuite(tlb, .init = setup);

Test(tlb, init_makes_every_tag_invalid_and_zeroes_counters)
{
    for (unsigned k = 0; k < TLB_KINDS; k++)
        for (unsigned i = 0; i < TLB_ENTRIES; i++)
            for (unsigned a = 0; a < TLB_ACCESSES; a++)
                cr_assert(tlb.e[k][i].tag[a] & TLB_INVALID, "kind %u entry %u access %u", k, i, a);
    for (unsigned k = 0; k < TLB_KINDS; k++)
        cr_assert(misses_all(k, 0), "linear 0 must miss");
    cr_assert_eq(tlb.hits + tlb.misses + tlb.flushes + tlb.page_flushes, 0);
}

Test(tlb, fill_then_fast_lookup_hits_for_that_kind_and_page_only)
{
    fill_ram(TLB_KIND_SUPERVISOR, 0x12345000, 1, false, 0x777000);
    for (unsigned a = 0; a < TLB_ACCESSES; a++) {
        cr_assert_eq(tlb_lookup(&tlb, TLB_KIND_SUPERVISOR, a, 0x12345010, 4), &host[4096 + 0x10], "access %u", a);
        cr_assert_eq(tlb_lookup(&tlb, TLB_KIND_SUPERVISOR, a, 0x12345000, 1), &host[4096], "access %u", a);
    }
    cr_assert(misses_all(TLB_KIND_USER, 0x12345010), "the other kind");
    cr_assert(misses_all(TLB_KIND_SUPERVISOR, 0x12346010), "the next page");
    /* Same slot, other page: the tag compare tells them apart. */
    cr_assert(misses_all(TLB_KIND_SUPERVISOR, 0x12345010 + TLB_ENTRIES * 4096));
    /* tlb_set takes the page of any address in it. */
    fill_ram(TLB_KIND_USER, 0x0ABCD123, 2, false, 0x888000);
    cr_assert_eq(tlb_lookup(&tlb, TLB_KIND_USER, TLB_READ, 0x0ABCDFFF, 1), &host[2 * 4096 + 0xFFF]);
    cr_assert_eq(tlb_entry(&tlb, TLB_KIND_USER, 0x0ABCD000)->phys_page, 0x888000);
}

Test(tlb, page_crossing_access_misses)
{
    fill_ram(TLB_KIND_SUPERVISOR, 0x40000000, 0, false, 0);
    static const struct {
        uint32_t off;
        unsigned size;
        bool hit;
    } cases[] = {
        {0xFFF, 1, true}, {0xFFF, 2, false}, {0xFFE, 2, true}, {0xFFD, 4, false},
        {0xFFC, 4, true}, {0xFF9, 8, false}, {0xFF8, 8, true}, {0x000, 8, true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        void *h = tlb_lookup(&tlb, TLB_KIND_SUPERVISOR, TLB_READ, 0x40000000 + cases[i].off, cases[i].size);
        cr_assert_eq(h != NULL, cases[i].hit, "offset 0x%x size %u", cases[i].off, cases[i].size);
    }
}

Test(tlb, flagged_tags_miss_for_their_access_kind_only)
{
    uintptr_t addend = (uintptr_t)host - 0x5000;
    tlb_set(&tlb, TLB_KIND_USER, 0x5000, 0, TLB_CODE, TLB_INVALID, false, addend, 0x5000);
    cr_assert(hits(TLB_KIND_USER, TLB_READ, 0x5000));
    cr_assert_not(hits(TLB_KIND_USER, TLB_WRITE, 0x5000), "TLB_CODE write tag");
    cr_assert_not(hits(TLB_KIND_USER, TLB_CODE_FETCH, 0x5000), "no fetch translation");
    tlb_set(&tlb, TLB_KIND_USER, 0x5000, TLB_MMIO, TLB_MMIO, 0, false, addend, 0x5000);
    cr_assert_not(hits(TLB_KIND_USER, TLB_READ, 0x5000), "TLB_MMIO read tag");
    cr_assert_not(hits(TLB_KIND_USER, TLB_WRITE, 0x5000), "TLB_MMIO write tag");
    cr_assert(hits(TLB_KIND_USER, TLB_CODE_FETCH, 0x5000));
    /* An access with no translation has TLB_INVALID in its tag. */
    tlb_set(&tlb, TLB_KIND_USER, 0x5000, 0, TLB_INVALID, 0, false, addend, 0x5000);
    cr_assert(tlb.e[TLB_KIND_USER][5].tag[TLB_WRITE] & TLB_INVALID);
    cr_assert_not(hits(TLB_KIND_USER, TLB_WRITE, 0x5000));
}

Test(tlb, flush_all_drops_everything_including_global)
{
    fill_ram(TLB_KIND_SUPERVISOR, 0x1000, 0, true, 0x1000);
    fill_ram(TLB_KIND_USER, 0x2000, 1, false, 0x2000);
    cr_assert(hits_all(TLB_KIND_SUPERVISOR, 0x1000) && hits_all(TLB_KIND_USER, 0x2000));
    tlb_flush_all(&tlb);
    cr_assert(misses_all(TLB_KIND_SUPERVISOR, 0x1000));
    cr_assert(misses_all(TLB_KIND_USER, 0x2000));
    cr_assert_eq(tlb.flushes, 1);
}

Test(tlb, flush_nonglobal_keeps_global_entries_only_when_asked)
{
    for (int keep = 0; keep <= 1; keep++) {
        fill_ram(TLB_KIND_SUPERVISOR, 0xC0001000, 0, true, 0x1000);
        fill_ram(TLB_KIND_SUPERVISOR, 0x00002000, 1, false, 0x2000);
        fill_ram(TLB_KIND_USER, 0xC0003000, 2, true, 0x3000);
        fill_ram(TLB_KIND_USER, 0x00004000, 3, false, 0x4000);
        tlb_flush_nonglobal(&tlb, keep);
        cr_assert_eq(hits_all(TLB_KIND_SUPERVISOR, 0xC0001000), keep, "keep %d", keep);
        cr_assert_eq(hits_all(TLB_KIND_USER, 0xC0003000), keep, "keep %d", keep);
        cr_assert(misses_all(TLB_KIND_SUPERVISOR, 0x00002000), "keep %d", keep);
        cr_assert(misses_all(TLB_KIND_USER, 0x00004000), "keep %d", keep);
    }
    cr_assert_eq(tlb.flushes, 2);
}

Test(tlb, flush_page_drops_that_page_in_both_kinds_global_or_not)
{
    const uint32_t p = 0x00403000, q = 0x00407000;
    const uint32_t alias = p + TLB_ENTRIES * 4096;     /* same slot as p */
    fill_ram(TLB_KIND_SUPERVISOR, p, 0, true, 0x3000);
    fill_ram(TLB_KIND_USER, alias, 1, false, 0x9000);
    fill_ram(TLB_KIND_SUPERVISOR, q, 2, false, 0x7000);
    fill_ram(TLB_KIND_USER, q, 3, true, 0x7000);
    tlb_flush_page(&tlb, p + 0x123);
    cr_assert(misses_all(TLB_KIND_SUPERVISOR, p), "global entry of the page");
    cr_assert(hits_all(TLB_KIND_USER, alias), "same slot, other page");
    cr_assert(hits_all(TLB_KIND_SUPERVISOR, q) && hits_all(TLB_KIND_USER, q));
    fill_ram(TLB_KIND_USER, p, 1, false, 0x3000);
    fill_ram(TLB_KIND_SUPERVISOR, p, 0, false, 0x3000);
    tlb_flush_page(&tlb, p + 0xFFF);
    cr_assert(misses_all(TLB_KIND_USER, p) && misses_all(TLB_KIND_SUPERVISOR, p), "both kinds");
    cr_assert(hits_all(TLB_KIND_SUPERVISOR, q) && hits_all(TLB_KIND_USER, q));
    cr_assert_eq(tlb.page_flushes, 2);
    cr_assert_eq(tlb.flushes, 0);
}

Test(tlb, flush_page_drops_every_piece_of_a_large_page)
{
    /* Three 4 KiB pieces of the 4 MiB page at 0x80000000, one page outside. */
    static const uint32_t pieces[] = {0x80000000, 0x80001000, 0x803FF000};
    for (size_t i = 0; i < 3; i++) {
        fill_ram(TLB_KIND_SUPERVISOR, pieces[i], (unsigned)i, false, 0x40000000 + pieces[i] - 0x80000000);
        tlb_add_large_page(&tlb, TLB_KIND_SUPERVISOR, pieces[i], 4u << 20);
    }
    fill_ram(TLB_KIND_SUPERVISOR, 0x00405000, 3, false, 0x5000);
    fill_ram(TLB_KIND_USER, 0x80002000, 3, false, 0x5000);     /* a 4 KiB page of the other kind */
    tlb_flush_page(&tlb, 0x80200010);
    for (size_t i = 0; i < 3; i++)
        cr_assert(misses_all(TLB_KIND_SUPERVISOR, pieces[i]), "piece 0x%x", pieces[i]);
    cr_assert(hits_all(TLB_KIND_SUPERVISOR, 0x00405000), "outside the large page");
    cr_assert(hits_all(TLB_KIND_USER, 0x80002000), "not a large page of its kind");

    /* Without tlb_add_large_page an entry is a 4 KiB page: only it goes. */
    fill_ram(TLB_KIND_SUPERVISOR, 0x80000000, 0, false, 0);
    fill_ram(TLB_KIND_SUPERVISOR, 0x80001000, 1, false, 0x1000);
    tlb_flush_page(&tlb, 0x80001000);
    cr_assert(hits_all(TLB_KIND_SUPERVISOR, 0x80000000));
    cr_assert(misses_all(TLB_KIND_SUPERVISOR, 0x80001000));
}

Test(tlb, large_page_region_covers_every_large_page_added)
{
    /* A 2 MiB page low and a 4 MiB page high: INVLPG in either drops
     * the pieces of both (a superset is allowed, SDM Vol. 2 INVLPG). */
    fill_ram(TLB_KIND_USER, 0x00201000, 0, false, 0x1000);
    tlb_add_large_page(&tlb, TLB_KIND_USER, 0x00201000, 2u << 20);
    fill_ram(TLB_KIND_USER, 0xC0402000, 1, true, 0x2000);
    tlb_add_large_page(&tlb, TLB_KIND_USER, 0xC0402000, 4u << 20);
    tlb_flush_page(&tlb, 0xC05FF000);
    cr_assert(misses_all(TLB_KIND_USER, 0x00201000));
    cr_assert(misses_all(TLB_KIND_USER, 0xC0402000));
    /* A full flush forgets the region: a later INVLPG is per page again. */
    fill_ram(TLB_KIND_USER, 0x00203000, 0, false, 0x1000);
    tlb_add_large_page(&tlb, TLB_KIND_USER, 0x00203000, 2u << 20);
    tlb_flush_all(&tlb);
    fill_ram(TLB_KIND_USER, 0x00203000, 0, false, 0x1000);
    fill_ram(TLB_KIND_USER, 0x00204000, 1, false, 0x1000);
    tlb_flush_page(&tlb, 0x00204000);
    cr_assert(hits_all(TLB_KIND_USER, 0x00203000));
}

Test(tlb, set_code_page_marks_write_tags_of_matching_phys_pages_only)
{
    const uint64_t code = 0x100005000ull;   /* above 4 GiB: compared in full */
    fill_ram(TLB_KIND_SUPERVISOR, 0x1000, 0, false, code);
    fill_ram(TLB_KIND_USER, 0x2000, 1, false, code);
    fill_ram(TLB_KIND_SUPERVISOR, 0x3000, 2, false, 0x5000);   /* same low bits */
    uintptr_t addend = (uintptr_t)&host[3 * 4096] - 0x4000;
    tlb_set(&tlb, TLB_KIND_SUPERVISOR, 0x4000, 0, TLB_MMIO, 0, false, addend, code);
    tlb_set(&tlb, TLB_KIND_USER, 0x6000, 0, TLB_INVALID, 0, false, addend, code);
    uint32_t user_read_before = tlb.e[TLB_KIND_USER][2].tag[TLB_READ];

    tlb_set_code_page(&tlb, code, true);
    cr_assert_eq(tlb.e[TLB_KIND_SUPERVISOR][1].tag[TLB_WRITE], 0x1000 | TLB_CODE);
    cr_assert_eq(tlb.e[TLB_KIND_USER][2].tag[TLB_WRITE], 0x2000 | TLB_CODE);
    cr_assert_eq(tlb.e[TLB_KIND_SUPERVISOR][4].tag[TLB_WRITE], 0x4000 | TLB_MMIO | TLB_CODE);
    cr_assert_eq(tlb.e[TLB_KIND_SUPERVISOR][3].tag[TLB_WRITE], 0x3000, "other phys page");
    cr_assert_eq(tlb.e[TLB_KIND_USER][6].tag[TLB_WRITE], 0x6000 | TLB_INVALID, "no write translation");
    cr_assert_eq(tlb.e[TLB_KIND_USER][2].tag[TLB_READ], user_read_before, "read tag untouched");
    cr_assert(hits(TLB_KIND_SUPERVISOR, TLB_READ, 0x1000) && hits(TLB_KIND_SUPERVISOR, TLB_CODE_FETCH, 0x1000));
    cr_assert_not(hits(TLB_KIND_SUPERVISOR, TLB_WRITE, 0x1000));
    cr_assert(hits(TLB_KIND_SUPERVISOR, TLB_WRITE, 0x3000));

    tlb_set_code_page(&tlb, code, false);
    cr_assert(hits(TLB_KIND_SUPERVISOR, TLB_WRITE, 0x1000));
    cr_assert(hits(TLB_KIND_USER, TLB_WRITE, 0x2000));
    cr_assert_eq(tlb.e[TLB_KIND_SUPERVISOR][4].tag[TLB_WRITE], 0x4000 | TLB_MMIO, "other flags stay");
    cr_assert_eq(tlb.e[TLB_KIND_USER][6].tag[TLB_WRITE], 0x6000 | TLB_INVALID);
}

Test(tlb, counters)
{
    fill_ram(TLB_KIND_SUPERVISOR, 0x7000, 0, false, 0x7000);
    cr_assert_not_null(tlb_lookup_counted(&tlb, TLB_KIND_SUPERVISOR, TLB_READ, 0x7004, 4));
    cr_assert_null(tlb_lookup_counted(&tlb, TLB_KIND_SUPERVISOR, TLB_READ, 0x8004, 4));
    cr_assert_null(tlb_lookup_counted(&tlb, TLB_KIND_SUPERVISOR, TLB_READ, 0x7FFE, 4));
    cr_assert_eq(tlb.hits, 1);
    cr_assert_eq(tlb.misses, 2);
    tlb_flush_all(&tlb);
    tlb_flush_nonglobal(&tlb, true);
    tlb_flush_nonglobal(&tlb, false);
    tlb_flush_page(&tlb, 0x7000);
    tlb_flush_page(&tlb, 0x9000);
    cr_assert_eq(tlb.flushes, 3);
    cr_assert_eq(tlb.page_flushes, 2);
    /* Counters survive flushes; only init clears them. */
    cr_assert_eq(tlb.hits, 1);
    tlb_init(&tlb);
    cr_assert_eq(tlb.hits + tlb.misses + tlb.flushes + tlb.page_flushes, 0);
}

/* Two pages that share a slot (a TLB_ENTRIES-page stride, like two buffers
 * a power of two apart) evict each other; the victim cache gives the
 * evicted one back without a walk, and flushes reach it too. */
Test(tlb, victim_cache_returns_an_evicted_entry_and_is_flushed)
{
    const uint32_t p = 0x00403000, alias = p + TLB_ENTRIES * 4096;
    fill_ram(TLB_KIND_SUPERVISOR, p, 0, false, 0x3000);
    fill_ram(TLB_KIND_SUPERVISOR, alias, 1, false, 0x9000);
    cr_assert(misses_all(TLB_KIND_SUPERVISOR, p), "evicted from the main table");
    cr_assert(tlb_victim_lookup(&tlb, TLB_KIND_SUPERVISOR, TLB_READ, p + 4));
    cr_assert(hits_all(TLB_KIND_SUPERVISOR, p), "swapped back in");
    cr_assert(tlb_victim_lookup(&tlb, TLB_KIND_SUPERVISOR, TLB_WRITE, alias), "and the other one out");
    cr_assert_eq(tlb.victim_hits, 2);
    tlb_flush_page(&tlb, p);
    cr_assert_not(tlb_victim_lookup(&tlb, TLB_KIND_SUPERVISOR, TLB_READ, p), "INVLPG reaches the victims");
    cr_assert(tlb_victim_lookup(&tlb, TLB_KIND_SUPERVISOR, TLB_READ, alias) || hits_all(TLB_KIND_SUPERVISOR, alias));
    tlb_flush_all(&tlb);
    cr_assert_not(tlb_victim_lookup(&tlb, TLB_KIND_SUPERVISOR, TLB_READ, alias), "a full flush too");
}
