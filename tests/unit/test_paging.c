/* The page-table walker (SDM Vol. 3A ch. 4): every paging mode of a P6
 * (32-bit 4 KiB / 4 MiB + PSE-36, PAE 4 KiB / 2 MiB), not-present and
 * reserved-bit faults with their error codes, the access rights of §4.6,
 * NX, and the A/D updates of §4.8. Page tables are built in a RAM buffer
 * mapped at physical 0 (and, for write widths, behind a spy device). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "mmu/paging.h"

#define RAM_SIZE    (1u << 20)
#define MASK36      ((1ull << 36) - 1)

/* Entry bits, spelled out here rather than taken from the walker. */
#define P   (1ull << 0)
#define RW  (1ull << 1)
#define US  (1ull << 2)
#define A   (1ull << 5)
#define D   (1ull << 6)
#define PS  (1ull << 7)
#define G   (1ull << 8)
#define XD  (1ull << 63)

/* One linear address whose indices are all distinct and non-zero:
 * 32-bit PD 0x1FE, PT 0x23B; PAE PDPT 1, PD 0x1FD, PT 0x03B. */
#define LIN         0x7FA3B5C7u

/* Table placement (physical). */
#define PD32        0x10000u
#define PT32        0x11000u
#define PDPT        0x20040u        /* 32-byte aligned, not page aligned */
#define PAE_PD      0x21000u
#define PAE_PT      0x22000u
#define PDE32_AT    (PD32 + 0x1FE * 4)
#define PTE32_AT    (PT32 + 0x23B * 4)
#define PDPTE_AT    (PDPT + 1 * 8)
#define PAE_PDE_AT  (PAE_PD + 0x1FD * 8)
#define PAE_PTE_AT  (PAE_PT + 0x03B * 8)

/* Frames the mappings point to (never accessed by the walker). */
#define FRAME32_4K  0x89ABC000ull
#define FRAME32_4M  0x87C00000ull
#define FRAMEPAE_4K 0x923456000ull      /* above 4 GiB: 36-bit PAE */
#define FRAMEPAE_2M 0x345600000ull

static AddressSpace mem;
static uint8_t *ram;
static Log quiet_log;

static void setup(void)
{
    quiet_log = (Log){0};
    ram = calloc(1, RAM_SIZE);
    cr_assert(ram);
    as_init(&mem, "memory", PHYS_ADDR_SPACE_SIZE, &quiet_log);
    Error err = {0};
    cr_assert(as_map_ram(&mem, 0, RAM_SIZE, ram, "ram", &err), "%s", err.msg);
}

static void teardown(void)
{
    as_destroy(&mem);
    free(ram);
}

TestSuite(paging, .init = setup, .fini = teardown);

/* Little-endian entry access in the RAM buffer, independent of as_*. */
static void poke(uint64_t addr, uint64_t val, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        ram[addr + i] = (uint8_t)(val >> (8 * i));
}

static uint64_t peek(uint64_t addr, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)ram[addr + i] << (8 * i);
    return v;
}

typedef enum Mode { MODE_32_4K, MODE_32_4M, MODE_PAE_4K, MODE_PAE_2M, MODE_COUNT } Mode;

static const char *const mode_name[] = {"32-bit 4K", "32-bit 4M", "PAE 4K", "PAE 2M"};

static bool mode_pae(Mode m) { return m == MODE_PAE_4K || m == MODE_PAE_2M; }
static bool mode_large(Mode m) { return m == MODE_32_4M || m == MODE_PAE_2M; }
static unsigned mode_entry_size(Mode m) { return mode_pae(m) ? 8 : 4; }
static uint64_t mode_pde_at(Mode m) { return mode_pae(m) ? PAE_PDE_AT : PDE32_AT; }
static uint64_t mode_pte_at(Mode m) { return mode_pae(m) ? PAE_PTE_AT : PTE32_AT; }
/* The entry that maps the page: the PTE, or the PDE of a large page. */
static uint64_t mode_leaf_at(Mode m) { return mode_large(m) ? mode_pde_at(m) : mode_pte_at(m); }

static uint64_t mode_phys(Mode m)
{
    switch (m) {
    case MODE_32_4K: return FRAME32_4K | (LIN & 0xFFF);
    case MODE_32_4M: return FRAME32_4M | (LIN & 0x3FFFFF);
    case MODE_PAE_4K: return FRAMEPAE_4K | (LIN & 0xFFF);
    default: return FRAMEPAE_2M | (LIN & 0x1FFFFF);
    }
}

static PagingConfig cfg_32(bool pse)
{
    return (PagingConfig){.paging = true, .pse = pse, .cr3 = PD32, .phys_mask = MASK36};
}

static PagingConfig cfg_pae(bool nxe)
{
    return (PagingConfig){.paging = true, .pae = true, .nxe = nxe, .cr3 = PDPT, .phys_mask = MASK36};
}

/* Build the tables that map LIN in `m`: `upper` is the flag bits of the
 * PDE that points to a page table (unused for large pages), `leaf` those
 * of the entry mapping the page. P and PS are added here. */
static PagingConfig map_lin(Mode m, uint64_t upper, uint64_t leaf)
{
    memset(ram, 0, RAM_SIZE);
    switch (m) {
    case MODE_32_4K:
        poke(PDE32_AT, PT32 | P | upper, 4);
        poke(PTE32_AT, FRAME32_4K | P | leaf, 4);
        return cfg_32(true);
    case MODE_32_4M:
        poke(PDE32_AT, (FRAME32_4M & 0xFFFFFFFF) | P | PS | leaf, 4);
        return cfg_32(true);
    case MODE_PAE_4K:
        poke(PDPTE_AT, PAE_PD | P, 8);
        poke(PAE_PDE_AT, PAE_PT | P | upper, 8);
        poke(PAE_PTE_AT, FRAMEPAE_4K | P | leaf, 8);
        return cfg_pae(false);
    default:
        poke(PDPTE_AT, PAE_PD | P, 8);
        poke(PAE_PDE_AT, FRAMEPAE_2M | P | PS | leaf, 8);
        return cfg_pae(false);
    }
}

static bool walk(const PagingConfig *c, uint32_t lin, MmuAccess acc, bool user, PageWalk *w)
{
    memset(w, 0xA5, sizeof(*w));    /* the walker must fill every field */
    return mmu_walk(&mem, c, lin, acc, user, w);
}

/* ------------------------------------------------------------------ */
/* Translation in each mode                                            */

Test(paging, paging_off_is_identity_and_touches_nothing)
{
    memset(ram, 0x5A, RAM_SIZE);
    PagingConfig c = {.paging = false, .wp = true, .pae = true, .nxe = true, .cr3 = 0x1234, .phys_mask = MASK36};
    static const uint32_t lins[] = {0, 0x1000, LIN, 0xFFFFFFFFu};
    for (size_t i = 0; i < sizeof(lins) / sizeof(lins[0]); i++) {
        for (MmuAccess acc = MMU_READ; acc <= MMU_FETCH; acc++) {
            PageWalk w;
            cr_assert(walk(&c, lins[i], acc, true, &w));
            cr_assert_eq(w.phys, lins[i]);
            cr_assert_eq(w.page_phys, lins[i] & 0xFFFFF000u);
            cr_assert_eq(w.page_size, 4096);
            cr_assert(w.writable && w.user && w.executable && w.dirty);
            cr_assert_eq(w.error_code, 0);
        }
    }
    for (size_t i = 0; i < RAM_SIZE; i++)
        cr_assert_eq(ram[i], 0x5A, "byte 0x%zx changed", i);
}

Test(paging, every_mode_translates_lin)
{
    static const uint32_t sizes[] = {4096, 4u << 20, 4096, 2u << 20};
    for (Mode m = 0; m < MODE_COUNT; m++) {
        PagingConfig c = map_lin(m, RW | US, RW | US);
        PageWalk w;
        cr_assert(walk(&c, LIN, MMU_READ, false, &w), "%s: error 0x%x", mode_name[m], w.error_code);
        cr_assert_eq(w.phys, mode_phys(m), "%s: phys 0x%llx", mode_name[m], (unsigned long long)w.phys);
        /* The 4 KiB frame holding the byte, even inside a large page. */
        cr_assert_eq(w.page_phys, mode_phys(m) & ~0xFFFull, "%s", mode_name[m]);
        cr_assert_eq(w.page_size, sizes[m], "%s", mode_name[m]);
        cr_assert(w.writable && w.user && w.executable, "%s", mode_name[m]);
        cr_assert_not(w.global, "%s", mode_name[m]);
        cr_assert_not(w.dirty, "%s: read of a clean page", mode_name[m]);
        cr_assert_eq(w.error_code, 0, "%s", mode_name[m]);
    }
}

Test(paging, large_page_offsets_reach_the_whole_page)
{
    /* First and last byte of the 4 MiB and 2 MiB pages holding LIN. */
    PagingConfig c = map_lin(MODE_32_4M, 0, RW);
    PageWalk w;
    cr_assert(walk(&c, LIN & 0xFFC00000u, MMU_READ, false, &w));
    cr_assert_eq(w.phys, FRAME32_4M);
    cr_assert(walk(&c, LIN | 0x3FFFFFu, MMU_READ, false, &w));
    cr_assert_eq(w.phys, FRAME32_4M | 0x3FFFFF);
    cr_assert_eq(w.page_phys, FRAME32_4M | 0x3FF000);
    c = map_lin(MODE_PAE_2M, 0, RW);
    cr_assert(walk(&c, LIN & 0xFFE00000u, MMU_READ, false, &w));
    cr_assert_eq(w.phys, FRAMEPAE_2M);
    cr_assert(walk(&c, LIN | 0x1FFFFFu, MMU_READ, false, &w));
    cr_assert_eq(w.phys, FRAMEPAE_2M | 0x1FFFFF);
}

Test(paging, pde_ps_is_ignored_without_cr4_pse)
{
    /* §4.3: with CR4.PSE = 0 a PDE always points to a page table. */
    memset(ram, 0, RAM_SIZE);
    poke(PDE32_AT, PT32 | P | PS, 4);
    poke(PTE32_AT, FRAME32_4K | P, 4);
    PagingConfig c = cfg_32(false);
    PageWalk w;
    cr_assert(walk(&c, LIN, MMU_READ, false, &w));
    cr_assert_eq(w.phys, FRAME32_4K | (LIN & 0xFFF));
    cr_assert_eq(w.page_size, 4096);
    /* With PSE the same PDE maps 4 MiB: PT32's bits 31:22 are 0 and its
     * bit 16 is PSE-36 address bit 35 (bit 12 is PAT). */
    c.pse = true;
    cr_assert(walk(&c, LIN, MMU_READ, false, &w));
    cr_assert_eq(w.page_size, 4u << 20);
    cr_assert_eq(w.phys, (1ull << 35) | (LIN & 0x3FFFFF));
}

Test(paging, pse36_pde_bits_16_13_are_physical_bits_35_32)
{
    for (unsigned hi = 0; hi < 16; hi++) {
        memset(ram, 0, RAM_SIZE);
        poke(PDE32_AT, FRAME32_4M | ((uint64_t)hi << 13) | P | PS, 4);
        PagingConfig c = cfg_32(true);
        PageWalk w;
        cr_assert(walk(&c, LIN, MMU_READ, false, &w), "high bits %u: error 0x%x", hi, w.error_code);
        uint64_t want = ((uint64_t)hi << 32) | FRAME32_4M | (LIN & 0x3FFFFF);
        cr_assert_eq(w.phys, want, "high bits %u: 0x%llx", hi, (unsigned long long)w.phys);
        cr_assert_eq(w.page_phys, want & ~0xFFFull);
    }
    /* Bit 12 of a 4 MiB PDE is PAT, not an address bit. */
    PagingConfig c = map_lin(MODE_32_4M, 0, 1ull << 12);
    PageWalk w;
    cr_assert(walk(&c, LIN, MMU_READ, false, &w));
    cr_assert_eq(w.phys, mode_phys(MODE_32_4M));
}

Test(paging, pse36_bits_beyond_phys_width_are_reserved)
{
    /* Table 4-4: bits 21:(M-19) reserved; M = 36 -> bits 21:17. */
    for (unsigned bit = 13; bit <= 21; bit++) {
        memset(ram, 0, RAM_SIZE);
        poke(PDE32_AT, FRAME32_4M | (1ull << bit) | P | PS | RW | US, 4);
        PagingConfig c = cfg_32(true);
        PageWalk w;
        bool ok = walk(&c, LIN, MMU_WRITE, true, &w);
        if (bit <= 16) {
            cr_assert(ok, "bit %u is an address bit with M = 36", bit);
        } else {
            cr_assert_not(ok, "bit %u is reserved with M = 36", bit);
            cr_assert_eq(w.error_code, PF_ERR_P | PF_ERR_RSVD | PF_ERR_W | PF_ERR_U, "bit %u: 0x%x", bit,
                         w.error_code);
        }
        /* A 32-bit-wide CPU (no PSE-36) reserves all of 21:13. */
        c.phys_mask = 0xFFFFFFFFull;
        cr_assert_not(walk(&c, LIN, MMU_READ, false, &w), "M = 32, bit %u", bit);
        cr_assert_eq(w.error_code, PF_ERR_P | PF_ERR_RSVD);
    }
}

Test(paging, pae_4k_reaches_36_bits_and_ignores_cr3_low_bits)
{
    PagingConfig c = map_lin(MODE_PAE_4K, RW, RW);
    c.cr3 |= 0x18;      /* PWT, PCD: not address bits (§4.4, Table 4-7) */
    PageWalk w;
    cr_assert(walk(&c, LIN, MMU_WRITE, false, &w), "error 0x%x", w.error_code);
    cr_assert_eq(w.phys, FRAMEPAE_4K | (LIN & 0xFFF));
    /* Another PDPT slot is not present: the index comes from bits 31:30. */
    cr_assert_not(walk(&c, LIN ^ 0xC0000000u, MMU_READ, false, &w));
    cr_assert_eq(w.error_code, 0);
}

Test(paging, translates_one_address_and_never_looks_at_the_next_page)
{
    for (Mode m = 0; m < MODE_COUNT; m++) {
        if (mode_large(m))
            continue;
        PagingConfig c = map_lin(m, RW, RW);     /* the next PTE is 0 */
        PageWalk w;
        uint32_t last = (LIN & 0xFFFFF000u) | 0xFFF;
        cr_assert(walk(&c, last, MMU_READ, false, &w), "%s", mode_name[m]);
        cr_assert_eq(w.phys, (mode_phys(m) & ~0xFFFull) | 0xFFF, "%s", mode_name[m]);
        cr_assert_not(walk(&c, last + 1, MMU_READ, false, &w), "%s", mode_name[m]);
        cr_assert_eq(w.error_code, 0, "%s", mode_name[m]);
    }
}

/* ------------------------------------------------------------------ */
/* Not-present faults                                                  */

typedef struct Level {
    Mode mode;
    uint64_t at;        /* the entry made not present */
    const char *name;
} Level;

static const Level levels[] = {
    {MODE_32_4K, PDE32_AT, "32-bit PDE"},
    {MODE_32_4K, PTE32_AT, "32-bit PTE"},
    {MODE_32_4M, PDE32_AT, "32-bit 4M PDE"},
    {MODE_PAE_4K, PDPTE_AT, "PAE PDPTE"},
    {MODE_PAE_4K, PAE_PDE_AT, "PAE PDE"},
    {MODE_PAE_4K, PAE_PTE_AT, "PAE PTE"},
    {MODE_PAE_2M, PAE_PDE_AT, "PAE 2M PDE"},
};

Test(paging, not_present_at_each_level_gives_p0_with_w_and_u)
{
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
        const Level *l = &levels[i];
        for (MmuAccess acc = MMU_READ; acc <= MMU_FETCH; acc++) {
            for (int user = 0; user <= 1; user++) {
                PagingConfig c = map_lin(l->mode, RW | US, RW | US);
                /* Everything but P: reserved bits of a non-present entry
                 * are not checked (§4.7, RSVD needs P = 1). */
                unsigned sz = mode_entry_size(l->mode);
                poke(l->at, sz == 8 ? ~1ull : 0xFFFFFFFEull, sz);
                uint8_t *before = malloc(RAM_SIZE);
                memcpy(before, ram, RAM_SIZE);
                PageWalk w;
                cr_assert_not(walk(&c, LIN, acc, user, &w), "%s", l->name);
                uint32_t want = (acc == MMU_WRITE ? PF_ERR_W : 0) | (user ? PF_ERR_U : 0);
                cr_assert_eq(w.error_code, want, "%s acc %d user %d: 0x%x", l->name, acc, user, w.error_code);
                cr_assert(memcmp(before, ram, RAM_SIZE) == 0, "%s: tables changed on a fault", l->name);
                free(before);
            }
        }
    }
}

/* ------------------------------------------------------------------ */
/* Access rights (§4.6)                                                */

/* SDM Vol. 3A §4.6.1, with U/S and R/W the effective values (1 only if 1
 * in every entry used):
 *  - supervisor data reads: any address; supervisor writes: R/W = 1, or
 *    any address if CR0.WP = 0;
 *  - user reads: U/S = 1; user writes: U/S = 1 and R/W = 1 (WP does not
 *    matter). Fetches follow reads when NX is off (no SMEP on a P6). */
typedef struct RightsRow {
    bool user, wp, us, rw;
    bool read_ok, write_ok;
} RightsRow;

static const RightsRow rights[] = {
    /* user  wp     us     rw      read   write */
    {false, false, false, false, true, true},
    {false, false, false, true, true, true},
    {false, false, true, false, true, true},
    {false, false, true, true, true, true},
    {false, true, false, false, true, false},
    {false, true, false, true, true, true},
    {false, true, true, false, true, false},
    {false, true, true, true, true, true},
    {true, false, false, false, false, false},
    {true, false, false, true, false, false},
    {true, false, true, false, true, false},
    {true, false, true, true, true, true},
    {true, true, false, false, false, false},
    {true, true, false, true, false, false},
    {true, true, true, false, true, false},
    {true, true, true, true, true, true},
};

static const RightsRow *rights_find(bool user, bool wp, bool us, bool rw)
{
    for (size_t i = 0; i < sizeof(rights) / sizeof(rights[0]); i++)
        if (rights[i].user == user && rights[i].wp == wp && rights[i].us == us && rights[i].rw == rw)
            return &rights[i];
    cr_assert_fail("no row");
    return NULL;
}

Test(paging, us_rw_wp_table_in_every_mode)
{
    static const uint64_t combos[] = {0, RW, US, RW | US};
    int cases = 0;
    for (Mode m = 0; m < MODE_COUNT; m++) {
        int uppers = mode_large(m) ? 1 : 4;
        for (int ui = 0; ui < uppers; ui++) {
            for (int li = 0; li < 4; li++) {
                uint64_t upper = mode_large(m) ? RW | US : combos[ui];
                uint64_t leaf = combos[li];
                bool us = (upper & US) && (leaf & US);
                bool rw = (upper & RW) && (leaf & RW);
                for (int user = 0; user <= 1; user++) {
                    for (int wp = 0; wp <= 1; wp++) {
                        const RightsRow *row = rights_find(user, wp, us, rw);
                        for (MmuAccess acc = MMU_READ; acc <= MMU_FETCH; acc++) {
                            PagingConfig c = map_lin(m, upper, leaf);
                            c.wp = wp;
                            PageWalk w;
                            bool ok = walk(&c, LIN, acc, user, &w);
                            bool want = acc == MMU_WRITE ? row->write_ok : row->read_ok;
                            cr_assert_eq(ok, want, "%s upper 0x%llx leaf 0x%llx user %d wp %d acc %d", mode_name[m],
                                         (unsigned long long)upper, (unsigned long long)leaf, user, wp, acc);
                            if (ok) {
                                cr_assert_eq(w.writable, row->write_ok, "%s writable", mode_name[m]);
                                cr_assert_eq(w.user, us, "%s user", mode_name[m]);
                                cr_assert_eq(w.phys, mode_phys(m));
                            } else {
                                uint32_t e = PF_ERR_P | (acc == MMU_WRITE ? PF_ERR_W : 0) | (user ? PF_ERR_U : 0);
                                cr_assert_eq(w.error_code, e, "%s: 0x%x", mode_name[m], w.error_code);
                            }
                            cases++;
                        }
                    }
                }
            }
        }
    }
    cr_assert_eq(cases, (16 + 4 + 16 + 4) * 12);
}

/* ------------------------------------------------------------------ */
/* NX (§4.6, §4.7)                                                     */

Test(paging, xd_forbids_fetch_only_with_nxe)
{
    static const struct {
        Mode mode;
        uint64_t upper, leaf;
    } cases[] = {
        {MODE_PAE_4K, 0, XD},       /* XD in the PTE */
        {MODE_PAE_4K, XD, 0},       /* XD in the PDE only */
        {MODE_PAE_2M, 0, XD},       /* XD in a 2 MiB PDE */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (int user = 0; user <= 1; user++) {
            PagingConfig c = map_lin(cases[i].mode, RW | US | cases[i].upper, RW | US | cases[i].leaf);
            c.nxe = true;
            PageWalk w;
            cr_assert_not(walk(&c, LIN, MMU_FETCH, user, &w), "case %zu", i);
            cr_assert_eq(w.error_code, PF_ERR_P | PF_ERR_I | (user ? PF_ERR_U : 0), "case %zu: 0x%x", i,
                         w.error_code);
            cr_assert(walk(&c, LIN, MMU_READ, user, &w), "case %zu: reads are allowed", i);
            cr_assert_not(w.executable);
            cr_assert(walk(&c, LIN, MMU_WRITE, user, &w), "case %zu: writes are allowed", i);
            cr_assert_not(w.executable);
        }
    }
    /* Without XD anywhere, fetches pass and the page is executable. */
    PagingConfig c = map_lin(MODE_PAE_4K, RW | US, RW | US);
    c.nxe = true;
    PageWalk w;
    cr_assert(walk(&c, LIN, MMU_FETCH, true, &w));
    cr_assert(w.executable);
}

Test(paging, xd_without_nxe_is_a_reserved_bit)
{
    static const struct {
        Mode mode;
        uint64_t upper, leaf;
    } cases[] = {
        {MODE_PAE_4K, 0, XD},
        {MODE_PAE_4K, XD, 0},
        {MODE_PAE_2M, 0, XD},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (MmuAccess acc = MMU_READ; acc <= MMU_FETCH; acc++) {
            PagingConfig c = map_lin(cases[i].mode, RW | cases[i].upper, RW | cases[i].leaf);
            PageWalk w;
            cr_assert_not(walk(&c, LIN, acc, false, &w), "case %zu acc %d", i, acc);
            /* No I/D: NXE is off (§4.7). */
            cr_assert_eq(w.error_code, PF_ERR_P | PF_ERR_RSVD | (acc == MMU_WRITE ? PF_ERR_W : 0),
                         "case %zu acc %d: 0x%x", i, acc, w.error_code);
        }
    }
}

Test(paging, id_flag_only_for_fetches_with_pae_and_nxe)
{
    PageWalk w;
    /* PAE + NXE: any fetch fault carries I/D, whatever its cause. */
    PagingConfig c = map_lin(MODE_PAE_4K, RW, RW);
    c.nxe = true;
    poke(PAE_PTE_AT, 0, 8);
    cr_assert_not(walk(&c, LIN, MMU_FETCH, false, &w));
    cr_assert_eq(w.error_code, PF_ERR_I, "not present: 0x%x", w.error_code);
    cr_assert_not(walk(&c, LIN, MMU_READ, false, &w));
    cr_assert_eq(w.error_code, 0, "reads never carry I/D");
    poke(PAE_PTE_AT, FRAMEPAE_4K | P | (1ull << 40), 8);
    cr_assert_not(walk(&c, LIN, MMU_FETCH, false, &w));
    cr_assert_eq(w.error_code, PF_ERR_P | PF_ERR_RSVD | PF_ERR_I, "reserved: 0x%x", w.error_code);
    poke(PAE_PTE_AT, FRAMEPAE_4K | P | RW, 8);
    cr_assert_not(walk(&c, LIN, MMU_FETCH, true, &w));
    cr_assert_eq(w.error_code, PF_ERR_P | PF_ERR_U | PF_ERR_I, "U/S: 0x%x", w.error_code);

    /* PAE without NXE: no I/D. */
    c.nxe = false;
    cr_assert_not(walk(&c, LIN, MMU_FETCH, true, &w));
    cr_assert_eq(w.error_code, PF_ERR_P | PF_ERR_U, "0x%x", w.error_code);

    /* 32-bit paging: EFER.NXE has no effect, no XD bit, no I/D. */
    c = map_lin(MODE_32_4K, RW, RW);
    c.nxe = true;
    cr_assert(walk(&c, LIN, MMU_FETCH, false, &w));
    cr_assert(w.executable);
    cr_assert_not(walk(&c, LIN, MMU_FETCH, true, &w));
    cr_assert_eq(w.error_code, PF_ERR_P | PF_ERR_U, "0x%x", w.error_code);
    poke(PTE32_AT, 0, 4);
    cr_assert_not(walk(&c, LIN, MMU_FETCH, false, &w));
    cr_assert_eq(w.error_code, 0, "0x%x", w.error_code);
}

/* ------------------------------------------------------------------ */
/* Reserved bits (§4.4, Tables 4-8..4-11)                              */

Test(paging, pae_pdpte_reserved_bits)
{
    static const unsigned reserved[] = {1, 2, 5, 6, 7, 8, 36, 40, 51, 62, 63};
    static const unsigned ignored[] = {3, 4, 9, 10, 11};
    for (int nxe = 0; nxe <= 1; nxe++) {
        for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
            PagingConfig c = map_lin(MODE_PAE_4K, RW, RW);
            c.nxe = nxe;    /* bit 63 stays reserved in a PDPTE even with NXE */
            poke(PDPTE_AT, PAE_PD | P | (1ull << reserved[i]), 8);
            PageWalk w;
            cr_assert_not(walk(&c, LIN, MMU_READ, false, &w), "bit %u", reserved[i]);
            cr_assert_eq(w.error_code, PF_ERR_P | PF_ERR_RSVD, "bit %u: 0x%x", reserved[i], w.error_code);
        }
    }
    for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
        PagingConfig c = map_lin(MODE_PAE_4K, RW, RW);
        poke(PDPTE_AT, PAE_PD | P | (1ull << ignored[i]), 8);
        PageWalk w;
        cr_assert(walk(&c, LIN, MMU_READ, false, &w), "bit %u is not reserved", ignored[i]);
        /* PDPTEs have no accessed flag: bit 5 must not be written. */
        cr_assert_eq(peek(PDPTE_AT, 8), PAE_PD | P | (1ull << ignored[i]));
    }
}

Test(paging, pae_bits_above_phys_width_are_reserved_at_every_level)
{
    static const unsigned high[] = {36, 40, 51, 62};
    for (size_t i = 0; i < sizeof(high) / sizeof(high[0]); i++) {
        uint64_t bit = 1ull << high[i];
        for (int where = 0; where < 3; where++) {
            Mode m = where == 2 ? MODE_PAE_2M : MODE_PAE_4K;
            PagingConfig c = map_lin(m, RW | (where == 0 ? bit : 0), RW | (where != 0 ? bit : 0));
            c.nxe = true;
            PageWalk w;
            cr_assert_not(walk(&c, LIN, MMU_WRITE, true, &w), "bit %u where %d", high[i], where);
            cr_assert_eq(w.error_code, PF_ERR_P | PF_ERR_RSVD | PF_ERR_W | PF_ERR_U, "bit %u: 0x%x", high[i],
                         w.error_code);
            /* A wider CPU takes bit 36 of a page frame as an address bit
             * (in a table pointer it would lead the walk out of RAM). */
            if (where != 0) {
                c.phys_mask = (1ull << 40) - 1;
                bool ok = walk(&c, LIN, MMU_READ, false, &w);
                cr_assert_eq(ok, high[i] < 40, "bit %u with M = 40", high[i]);
                if (ok)
                    cr_assert_eq(w.phys, mode_phys(m) | bit);
            }
        }
    }
    /* 2 MiB PDE: bits 20:13 are reserved (bit 12 is PAT). */
    for (unsigned b = 12; b <= 20; b++) {
        PagingConfig c = map_lin(MODE_PAE_2M, 0, RW | (1ull << b));
        PageWalk w;
        bool ok = walk(&c, LIN, MMU_READ, false, &w);
        cr_assert_eq(ok, b == 12, "2M PDE bit %u", b);
        if (!ok)
            cr_assert_eq(w.error_code, PF_ERR_P | PF_ERR_RSVD);
        else
            cr_assert_eq(w.phys, mode_phys(MODE_PAE_2M), "PAT is not an address bit");
    }
}

Test(paging, rsvd_is_checked_before_access_rights)
{
    /* A user write through a supervisor read-only PDE whose PTE has a
     * reserved bit: there is no translation, so RSVD, not a U/S fault. */
    PagingConfig c = map_lin(MODE_PAE_4K, 0, (1ull << 50));
    PageWalk w;
    cr_assert_not(walk(&c, LIN, MMU_WRITE, true, &w));
    cr_assert_eq(w.error_code, PF_ERR_P | PF_ERR_RSVD | PF_ERR_W | PF_ERR_U);
}

Test(paging, walk_leaving_ram_reads_all_ones)
{
    PageWalk w;
    /* PAE: PDPTE = all ones -> reserved bits. */
    memset(ram, 0, RAM_SIZE);
    PagingConfig c = cfg_pae(true);
    c.cr3 = 0x80000000u;
    cr_assert_not(walk(&c, LIN, MMU_READ, false, &w));
    cr_assert_eq(w.error_code, PF_ERR_P | PF_ERR_RSVD);
    /* 32-bit + PSE: a 4 MiB PDE with bits 21:17 set. */
    c = cfg_32(true);
    c.cr3 = 0x80000000u;
    cr_assert_not(walk(&c, LIN, MMU_READ, false, &w));
    cr_assert_eq(w.error_code, PF_ERR_P | PF_ERR_RSVD);
    /* 32-bit without PSE: no reserved bits; the all-ones PTE at
     * 0xFFFFF000 maps 0xFFFFF000, as a real CPU reading a floating bus. */
    c.pse = false;
    cr_assert(walk(&c, LIN, MMU_READ, false, &w));
    cr_assert_eq(w.phys, 0xFFFFF000u | (LIN & 0xFFF));
}

/* ------------------------------------------------------------------ */
/* Accessed and dirty flags (§4.8)                                     */

Test(paging, accessed_set_in_every_entry_used_and_not_in_pdptes)
{
    for (Mode m = 0; m < MODE_COUNT; m++) {
        for (MmuAccess acc = MMU_READ; acc <= MMU_FETCH; acc++) {
            PagingConfig c = map_lin(m, RW | US, RW | US);
            unsigned sz = mode_entry_size(m);
            uint64_t pde = peek(mode_pde_at(m), sz), pte = peek(mode_pte_at(m), sz);
            uint64_t pdpte = peek(PDPTE_AT, 8);
            PageWalk w;
            cr_assert(walk(&c, LIN, acc, true, &w), "%s", mode_name[m]);
            uint64_t d = acc == MMU_WRITE ? D : 0;
            if (mode_large(m)) {
                cr_assert_eq(peek(mode_pde_at(m), sz), pde | A | d, "%s acc %d", mode_name[m], acc);
            } else {
                cr_assert_eq(peek(mode_pde_at(m), sz), pde | A, "%s acc %d: PDE gets A, never D", mode_name[m], acc);
                cr_assert_eq(peek(mode_pte_at(m), sz), pte | A | d, "%s acc %d", mode_name[m], acc);
            }
            if (mode_pae(m))
                cr_assert_eq(peek(PDPTE_AT, 8), pdpte, "%s: PDPTE changed", mode_name[m]);
            cr_assert_eq(w.dirty, acc == MMU_WRITE, "%s acc %d", mode_name[m], acc);
        }
    }
}

Test(paging, dirty_reported_when_already_set)
{
    for (Mode m = 0; m < MODE_COUNT; m++) {
        PagingConfig c = map_lin(m, RW, RW | A | D);
        PageWalk w;
        cr_assert(walk(&c, LIN, MMU_READ, false, &w));
        cr_assert(w.dirty, "%s", mode_name[m]);
        uint64_t leaf = peek(mode_leaf_at(m), mode_entry_size(m));
        cr_assert_eq(leaf & (A | D), A | D, "%s: flags are sticky", mode_name[m]);
    }
}

Test(paging, no_accessed_or_dirty_change_on_any_fault)
{
    static const struct {
        Mode mode;
        uint64_t upper, leaf;
        bool user, wp, nxe;
        MmuAccess acc;
        const char *what;
    } cases[] = {
        {MODE_32_4K, RW | US, RW, true, false, false, MMU_READ, "user read of a supervisor page"},
        {MODE_32_4K, RW | US, US, true, false, false, MMU_WRITE, "user write to a read-only page"},
        {MODE_32_4K, US, RW | US, true, false, false, MMU_WRITE, "user write, read-only PDE"},
        {MODE_32_4K, RW, 0, false, true, false, MMU_WRITE, "supervisor write, WP"},
        {MODE_32_4M, 0, US, true, false, false, MMU_WRITE, "user write to a read-only 4M page"},
        {MODE_32_4M, 0, RW | (1ull << 20), false, false, false, MMU_READ, "reserved bit in a 4M PDE"},
        {MODE_PAE_4K, RW | US, RW | US | XD, true, false, true, MMU_FETCH, "fetch from XD"},
        {MODE_PAE_4K, RW | US, RW | US | XD, false, false, false, MMU_READ, "XD without NXE"},
        {MODE_PAE_4K, RW | US, RW | (1ull << 45), false, false, false, MMU_READ, "reserved PTE bit"},
        {MODE_PAE_2M, 0, RW, false, true, false, MMU_READ, "(control: succeeds)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        PagingConfig c = map_lin(cases[i].mode, cases[i].upper, cases[i].leaf);
        c.wp = cases[i].wp;
        c.nxe = cases[i].nxe;
        uint8_t *before = malloc(RAM_SIZE);
        memcpy(before, ram, RAM_SIZE);
        PageWalk w;
        bool ok = walk(&c, LIN, cases[i].acc, cases[i].user, &w);
        bool control = i == sizeof(cases) / sizeof(cases[0]) - 1;
        cr_assert_eq(ok, control, "%s", cases[i].what);
        /* The control case shows the comparison can see an A update. */
        cr_assert_eq(memcmp(before, ram, RAM_SIZE) != 0, control, "%s", cases[i].what);
        free(before);
    }
}

Test(paging, self_referencing_directory_gets_both_updates)
{
    /* PDE 0x1FE points back at the page directory: the linear address
     * with PD and PT index 0x1FE uses that one entry as PDE and PTE. */
    memset(ram, 0, RAM_SIZE);
    poke(PDE32_AT, PD32 | P | RW, 4);
    PagingConfig c = cfg_32(true);
    uint32_t lin = (0x1FEu << 22) | (0x1FEu << 12) | 0x10;
    PageWalk w;
    cr_assert(walk(&c, lin, MMU_WRITE, false, &w));
    cr_assert_eq(w.phys, PD32 + 0x10);
    cr_assert_eq(peek(PDE32_AT, 4), PD32 | P | RW | A | D);
}

/* A page-table holder behind IoOps: counts writes and their widths. */
typedef struct TableSpy {
    uint8_t bytes[0x5000];
    int writes;
    unsigned last_size;
} TableSpy;

static uint64_t spy_read(void *opaque, uint64_t off, unsigned size)
{
    TableSpy *s = opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)s->bytes[off + i] << (8 * i);
    return v;
}

static void spy_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    TableSpy *s = opaque;
    s->writes++;
    s->last_size = size;
    for (unsigned i = 0; i < size; i++)
        s->bytes[off + i] = (uint8_t)(val >> (8 * i));
}

static const IoOps spy_ops = {spy_read, spy_write, 1, 8};

static void spy_poke(TableSpy *s, uint64_t off, uint64_t val, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        s->bytes[off + i] = (uint8_t)(val >> (8 * i));
}

Test(paging, entry_updates_are_entry_wide_and_only_when_needed)
{
    static TableSpy spy;
    memset(&spy, 0, sizeof(spy));
    const uint64_t base = 0x100000;     /* right above the RAM */
    Error err = {0};
    cr_assert(as_map_io(&mem, base, sizeof(spy.bytes), &spy_ops, &spy, "tables", &err), "%s", err.msg);

    /* 32-bit: PD at +0, PT at +0x1000. */
    spy_poke(&spy, 0x1FE * 4, (base + 0x1000) | P | RW, 4);
    spy_poke(&spy, 0x1000 + 0x23B * 4, FRAME32_4K | P | RW, 4);
    PagingConfig c = cfg_32(true);
    c.cr3 = base;
    PageWalk w;
    cr_assert(walk(&c, LIN, MMU_READ, false, &w));
    cr_assert_eq(spy.writes, 2, "A in PDE and PTE");
    cr_assert_eq(spy.last_size, 4);
    cr_assert(walk(&c, LIN, MMU_READ, false, &w));
    cr_assert_eq(spy.writes, 2, "A already set: no write");
    cr_assert(walk(&c, LIN, MMU_WRITE, false, &w));
    cr_assert_eq(spy.writes, 3, "D in the PTE only");
    cr_assert(walk(&c, LIN, MMU_WRITE, false, &w));
    cr_assert_eq(spy.writes, 3);

    /* PAE: PDPT at +0x2000, PD at +0x3000, PT at +0x4000; 8-byte writes. */
    spy_poke(&spy, 0x2000 + 8, (base + 0x3000) | P, 8);
    spy_poke(&spy, 0x3000 + 0x1FD * 8, (base + 0x4000) | P | RW, 8);
    spy_poke(&spy, 0x4000 + 0x03B * 8, FRAMEPAE_4K | P | RW, 8);
    c = cfg_pae(false);
    c.cr3 = base + 0x2000;
    spy.writes = 0;
    cr_assert(walk(&c, LIN, MMU_WRITE, false, &w));
    cr_assert_eq(spy.writes, 2, "A in the PDE, A+D in the PTE, nothing in the PDPTE");
    cr_assert_eq(spy.last_size, 8);
    cr_assert_eq(spy_read(&spy, 0x4000 + 0x03B * 8, 8), FRAMEPAE_4K | P | RW | A | D);
}

/* ------------------------------------------------------------------ */
/* Global pages                                                        */

Test(paging, global_is_the_final_entry_g_bit_under_pge)
{
    for (Mode m = 0; m < MODE_COUNT; m++) {
        for (int pge = 0; pge <= 1; pge++) {
            PagingConfig c = map_lin(m, RW, RW | G);
            c.pge = pge;
            PageWalk w;
            cr_assert(walk(&c, LIN, MMU_READ, false, &w));
            cr_assert_eq(w.global, pge, "%s pge %d", mode_name[m], pge);
            if (!mode_large(m)) {
                /* G in a PDE that points to a page table is ignored. */
                c = map_lin(m, RW | G, RW);
                c.pge = pge;
                cr_assert(walk(&c, LIN, MMU_READ, false, &w));
                cr_assert_not(w.global, "%s: G of the PDE", mode_name[m]);
            }
        }
    }
}
