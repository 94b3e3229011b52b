/* The x86 page-table walk for a P6-class CPU (SDM Vol. 3A ch. 4): 32-bit
 * paging with 4 MiB pages and PSE-36 (§4.3), PAE paging with 2 MiB pages
 * and XD (§4.4), the access rights of §4.6, the error code of §4.7 and the
 * A/D updates of §4.8. One linear address, one access, no caching: the soft
 * TLB (tlb.c) caches what the CPU makes of a walk. Entries are read and
 * updated only through the physical address space (as_read/as_write). */
#include "mmu/paging.h"

#include <inttypes.h>
#include <string.h>

/* Paging-structure entry bits (SDM Vol. 3A Tables 4-4..4-6, 4-8..4-11). */
#define PTE_P   (1ull << 0)
#define PTE_RW  (1ull << 1)
#define PTE_US  (1ull << 2)
#define PTE_A   (1ull << 5)
#define PTE_D   (1ull << 6)
#define PTE_PS  (1ull << 7)
#define PTE_G   (1ull << 8)
#define PTE_XD  (1ull << 63)

#define PAGE_4K (1u << 12)
#define PAGE_2M (1u << 21)
#define PAGE_4M (1u << 22)

/* 32-bit paging, 4 MiB PDE (Table 4-4): bits 20:13 hold physical address
 * bits 39:32 (PSE-36 uses 16:13 for 35:32); bit 21 is always reserved. */
#define PDE32_4M_HIGH_SHIFT 13
#define PDE32_4M_RSVD21     (1ull << 21)
/* PAE PDPTE (Table 4-8): bits 2:1 and 8:5 are reserved; PAE 2 MiB PDE
 * (Table 4-9): bits 20:13 are reserved. */
#define PDPTE_RSVD_LOW      0x1E6ull
#define PDE_2M_RSVD_LOW     0x1FE000ull

/* The entries whose U/S, R/W, XD and A/D bits take part in a translation:
 * PDE and PTE, or just the PDE of a large page. PAE PDPTEs are not here:
 * they have no access-rights or accessed bits (Table 4-8). */
enum { WALK_MAX_ENTRIES = 2 };

typedef struct WalkEntry {
    uint64_t addr;          /* physical address of the entry */
    uint64_t val;           /* as read during the walk */
} WalkEntry;

typedef enum WalkResult {
    WALK_OK,
    WALK_NOT_PRESENT,       /* P = 0 at some level */
    WALK_RSVD,              /* a reserved bit set in a present entry */
} WalkResult;

typedef struct Walk {
    AddressSpace *mem;
    unsigned entry_size;    /* 4 (32-bit paging) or 8 (PAE) */
    WalkEntry entry[WALK_MAX_ENTRIES];
    int n;                  /* entries used; the last one maps the page */
    uint64_t page_base;     /* physical base of the page, page_size-aligned */
    uint32_t page_size;
} Walk;

static uint64_t walk_read(Walk *w, uint64_t addr)
{
    return as_read(w->mem, addr, w->entry_size);
}

static void walk_use(Walk *w, uint64_t addr, uint64_t val)
{
    w->entry[w->n].addr = addr;
    w->entry[w->n].val = val;
    w->n++;
}

/* 32-bit paging (§4.3): CR3 bits 31:12 locate the page directory; a PDE
 * with PS = 1 maps a 4 MiB page when CR4.PSE = 1 (PS is ignored
 * otherwise). 4 KiB-page PDEs and PTEs have no reserved bits. */
static WalkResult walk_32bit(Walk *w, const PagingConfig *cfg, uint32_t linear)
{
    uint64_t pde_addr = (cfg->cr3 & 0xFFFFF000u) | ((linear >> 22) << 2);
    uint64_t pde = walk_read(w, pde_addr);
    if (!(pde & PTE_P))
        return WALK_NOT_PRESENT;
    if (cfg->pse && (pde & PTE_PS)) {
        /* Table 4-4: bits (M-20):13 give address bits (M-1):32 and bits
         * 21:(M-19) are reserved, M being the physical width (36 on P6
         * with PSE-36). Checking the assembled address against phys_mask
         * is that rule for any M from 32 to 40. */
        uint64_t base = (pde & 0xFFC00000u) | (((pde >> PDE32_4M_HIGH_SHIFT) & 0xFF) << 32);
        if ((pde & PDE32_4M_RSVD21) || (base & ~cfg->phys_mask))
            return WALK_RSVD;
        walk_use(w, pde_addr, pde);
        w->page_base = base;
        w->page_size = PAGE_4M;
        return WALK_OK;
    }
    walk_use(w, pde_addr, pde);
    uint64_t pte_addr = (pde & 0xFFFFF000u) | (((linear >> 12) & 0x3FF) << 2);
    uint64_t pte = walk_read(w, pte_addr);
    if (!(pte & PTE_P))
        return WALK_NOT_PRESENT;
    walk_use(w, pte_addr, pte);
    w->page_base = pte & 0xFFFFF000u;
    w->page_size = PAGE_4K;
    return WALK_OK;
}

/* PAE paging (§4.4): CR3 bits 31:5 locate a 4-entry PDPT; PDEs with PS = 1
 * map 2 MiB pages whatever CR4.PSE says. Bits 62:M of every entry are
 * reserved, and bit 63 too unless IA32_EFER.NXE = 1 (it is then XD; it
 * stays reserved in PDPTEs). */
static WalkResult walk_pae(Walk *w, const PagingConfig *cfg, uint32_t linear)
{
    uint64_t above = ~cfg->phys_mask & ~PTE_XD & ~0xFFFull;   /* bits 62:M */
    uint64_t rsvd = above | (cfg->nxe ? 0 : PTE_XD);
    uint64_t addr_mask = cfg->phys_mask & ~0xFFFull;

    /* A real CPU loads the four PDPTEs into registers when CR3 is written
     * (§4.4.1) and reports their reserved bits as #GP at that MOV; we read
     * the PDPTE at each walk and report its reserved bits as a #PF with
     * RSVD. The difference shows only to a guest that edits its PDPT
     * without reloading CR3. */
    uint64_t pdpte_addr = (cfg->cr3 & 0xFFFFFFE0u) + ((uint64_t)(linear >> 30) << 3);
    uint64_t pdpte = walk_read(w, pdpte_addr);
    if (!(pdpte & PTE_P))
        return WALK_NOT_PRESENT;
    if (pdpte & (PDPTE_RSVD_LOW | above | PTE_XD))
        return WALK_RSVD;

    uint64_t pde_addr = (pdpte & addr_mask) + ((uint64_t)((linear >> 21) & 0x1FF) << 3);
    uint64_t pde = walk_read(w, pde_addr);
    if (!(pde & PTE_P))
        return WALK_NOT_PRESENT;
    if (pde & PTE_PS) {
        if (pde & (rsvd | PDE_2M_RSVD_LOW))
            return WALK_RSVD;
        walk_use(w, pde_addr, pde);
        w->page_base = pde & addr_mask & ~(uint64_t)(PAGE_2M - 1);
        w->page_size = PAGE_2M;
        return WALK_OK;
    }
    if (pde & rsvd)
        return WALK_RSVD;
    walk_use(w, pde_addr, pde);

    uint64_t pte_addr = (pde & addr_mask) + ((uint64_t)((linear >> 12) & 0x1FF) << 3);
    uint64_t pte = walk_read(w, pte_addr);
    if (!(pte & PTE_P))
        return WALK_NOT_PRESENT;
    if (pte & rsvd)
        return WALK_RSVD;
    walk_use(w, pte_addr, pte);
    w->page_base = pte & addr_mask;
    w->page_size = PAGE_4K;
    return WALK_OK;
}

/* Set `bits` in an entry unless the walk saw them set already (§4.8: "if it
 * is not already set"). Re-read first: with a self-referencing directory
 * one entry can be both the PDE and the PTE, and its first update must not
 * be lost. */
static void walk_set_bits(Walk *w, const WalkEntry *e, uint64_t bits)
{
    if ((e->val & bits) == bits)
        return;
    uint64_t cur = as_read(w->mem, e->addr, w->entry_size);
    as_write(w->mem, e->addr, cur | bits, w->entry_size);
}

static const char *const mmu_access_name[] = {
    [MMU_READ] = "read",
    [MMU_WRITE] = "write",
    [MMU_FETCH] = "fetch",
};

/* A/D on faults: §4.8 promises the accessed flag for entries "used as part
 * of linear-address translation" and the dirty flag on "a write to a linear
 * address"; a walk that faults translates nothing and writes nothing, so
 * we leave every entry untouched on any fault (not present, reserved bit,
 * protection). The SDM guarantees no more than that either way, and it is
 * the order Intel CPUs use (walk, check, then set A/D). It also keeps a
 * faulting walk free of side effects, so a caller may probe.
 *
 * The caller may install a write tag after a read only if `writable` and
 * `dirty`: a write through a tag must not skip setting D. */
bool mmu_walk(AddressSpace *mem, const PagingConfig *cfg, uint32_t linear, MmuAccess access, bool user,
              PageWalk *out)
{
    memset(out, 0, sizeof(*out));
    if (!cfg->paging) {
        out->phys = linear;
        out->page_phys = linear & ~(uint64_t)(PAGE_4K - 1);
        out->page_size = PAGE_4K;
        out->writable = out->user = out->executable = out->dirty = true;
        return true;
    }

    bool write = access == MMU_WRITE;
    bool fetch = access == MMU_FETCH;
    /* §4.7: W/R and U/S describe the access; I/D is set for any fetch
     * fault when PAE paging and IA32_EFER.NXE = 1 (no SMEP on P6), and
     * never with 32-bit paging, where EFER.NXE has no effect. */
    uint32_t err = (write ? PF_ERR_W : 0) | (user ? PF_ERR_U : 0) |
                   (fetch && cfg->pae && cfg->nxe ? PF_ERR_I : 0);

    Walk w = {.mem = mem, .entry_size = cfg->pae ? 8 : 4};
    WalkResult r = cfg->pae ? walk_pae(&w, cfg, linear) : walk_32bit(&w, cfg, linear);
    if (r != WALK_OK) {
        /* §4.7: reserved bits are checked only in present entries, so RSVD
         * comes with P = 1. */
        out->error_code = r == WALK_RSVD ? err | PF_ERR_P | PF_ERR_RSVD : err;
        LOG(mem->log, r == WALK_RSVD ? LOG_MMU | LOG_GUEST_ERRORS : LOG_MMU,
            "mmu: %s %s 0x%08" PRIx32 ": %s, #PF error 0x%x\n", user ? "user" : "supervisor",
            mmu_access_name[access], linear, r == WALK_RSVD ? "reserved bit set" : "not present",
            out->error_code);
        return false;
    }

    /* §4.6: rights combine over every level: R/W and U/S must be 1 in all
     * entries, XD in any entry forbids fetches (bit 63 is 0 in 32-bit
     * entries and reserved without NXE, so it only counts with NXE). */
    bool rw = true, us = true, xd = false;
    for (int i = 0; i < w.n; i++) {
        rw = rw && (w.entry[i].val & PTE_RW);
        us = us && (w.entry[i].val & PTE_US);
        xd = xd || (w.entry[i].val & PTE_XD);
    }
    /* Supervisor accesses read anything and write read-only pages when
     * CR0.WP = 0; user accesses need U/S, and user writes R/W, whatever WP
     * says. No SMEP/SMAP on a P6. */
    bool writable = user ? us && rw : rw || !cfg->wp;
    bool allowed = (!user || us) && (!write || writable) && !(fetch && xd);
    if (!allowed) {
        out->error_code = err | PF_ERR_P;
        LOG(mem->log, LOG_MMU, "mmu: %s %s 0x%08" PRIx32 ": protection, #PF error 0x%x\n",
            user ? "user" : "supervisor", mmu_access_name[access], linear, out->error_code);
        return false;
    }

    const WalkEntry *final = &w.entry[w.n - 1];
    for (int i = 0; i < w.n - 1; i++)
        walk_set_bits(&w, &w.entry[i], PTE_A);
    walk_set_bits(&w, final, write ? PTE_A | PTE_D : PTE_A);

    uint32_t offset = linear & (w.page_size - 1);
    out->phys = w.page_base + offset;
    out->page_phys = out->phys & ~(uint64_t)(PAGE_4K - 1);
    out->page_size = w.page_size;
    out->writable = writable;
    out->user = us;
    out->executable = !xd;
    /* G counts only with CR4.PGE (§4.10.2.4); report it only then. */
    out->global = cfg->pge && (final->val & PTE_G);
    out->dirty = write || (final->val & PTE_D);
    LOG(mem->log, LOG_MMU, "mmu: %s %s 0x%08" PRIx32 " -> 0x%09" PRIx64 " (%u KiB page%s%s%s)\n",
        user ? "user" : "supervisor", mmu_access_name[access], linear, out->phys, w.page_size >> 10,
        out->writable ? ", writable" : "", out->user ? ", user" : "", out->global ? ", global" : "");
    return true;
}
