/* The soft TLB: per CPU and per privilege kind (supervisor, user), a
 * direct-mapped array of entries with one tag per access kind (read,
 * write, code). A tag is the linear page address with flag bits in the low
 * bits: any flag set makes the fast compare fail, sending the access to the
 * slow path. The entry's addend turns a linear address into a host
 * address for RAM. The native backend inlines exactly this hit path:
 *   e = &tlb->e[kind][(addr >> 12) & (TLB_ENTRIES - 1)];
 *   if (e->tag[access] == (addr & TLB_PAGE_MASK) && access does not cross the page)
 *       host = addr + e->addend;
 * Filling and flushing are here too; deciding what to put in an entry (the
 * page walk, the memory region, code-page tracking) is the CPU's. */
#ifndef JITPC_MMU_TLB_H
#define JITPC_MMU_TLB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLB_ENTRIES 1024            /* per privilege kind; a power of two */
#define TLB_VICTIMS 8               /* per kind: entries recently evicted by a conflicting fill */
#define TLB_PAGE_BITS 12
#define TLB_PAGE_MASK 0xFFFFF000u

/* Flag bits in the low bits of a tag (below the page offset). */
#define TLB_INVALID (1u << 0)       /* no translation for this access kind */
#define TLB_MMIO    (1u << 1)       /* not plain RAM: use the slow path (device, ROM write) */
#define TLB_CODE    (1u << 2)       /* page holds translated code: writes must invalidate it */

enum { TLB_KIND_SUPERVISOR, TLB_KIND_USER, TLB_KINDS };
enum { TLB_READ, TLB_WRITE, TLB_CODE_FETCH, TLB_ACCESSES };

typedef struct TlbEntry {
    uint32_t tag[TLB_ACCESSES];     /* linear page | flags, per access kind */
    uint32_t global;                /* 1: survives a CR3 write with CR4.PGE */
    uintptr_t addend;               /* host address = linear + addend (RAM pages) */
    uint64_t phys_page;             /* physical address of the page */
} TlbEntry;

typedef struct Tlb {
    TlbEntry e[TLB_KINDS][TLB_ENTRIES];
    /* A small fully associative cache of entries a fill evicted, searched
     * by the slow path before a page walk: two streams whose pages share an
     * index (buffers a power-of-two apart) no longer walk on every access. */
    TlbEntry victim[TLB_KINDS][TLB_VICTIMS];
    unsigned victim_next[TLB_KINDS];
    /* statistics for -d stats / the hit-rate figures */
    uint64_t hits, misses, flushes, page_flushes, victim_hits;
    uint64_t nonglobal_flushes;     /* the part of `flushes` that kept global entries */
    /* Per kind, the aligned region covering every large page split into
     * entries since the last full flush (tlb_add_large_page); an odd base
     * means none. Never read by translated code. */
    uint32_t large_base[TLB_KINDS], large_mask[TLB_KINDS];
} Tlb;

void tlb_init(Tlb *t);
/* Everything (CR0/CR4 paging-bit changes). */
void tlb_flush_all(Tlb *t);
/* CR3 write: everything but global entries (when PGE is on: keep_global). */
void tlb_flush_nonglobal(Tlb *t, bool keep_global);
/* INVLPG: every entry for this linear page, global or not, both kinds. */
void tlb_flush_page(Tlb *t, uint32_t linear);
/* Entries mapping this physical page get TLB_CODE on their write tag
 * (a block was translated from it), or lose it (no code there any more). */
void tlb_set_code_page(Tlb *t, uint64_t phys_page, bool is_code);

static inline TlbEntry *tlb_entry(Tlb *t, unsigned kind, uint32_t linear)
{
    return &t->e[kind][(linear >> TLB_PAGE_BITS) & (TLB_ENTRIES - 1)];
}

/* The fast path: the host address for an access of `size` bytes that stays
 * in one page, or NULL (miss, flagged page, or crossing a page boundary). */
static inline void *tlb_lookup(Tlb *t, unsigned kind, unsigned access, uint32_t linear, unsigned size)
{
    TlbEntry *e = tlb_entry(t, kind, linear);
    if (e->tag[access] != (linear & TLB_PAGE_MASK) || (linear & ~TLB_PAGE_MASK) + size > (1u << TLB_PAGE_BITS))
        return NULL;
    return (void *)(linear + e->addend);
}

/* On a miss: if the victim cache holds `linear`'s page with a valid tag
 * for `access`, swap it into the main table and return true. */
bool tlb_victim_lookup(Tlb *t, unsigned kind, unsigned access, uint32_t linear);

/* Fill the entry of `linear_page` for one kind. Each *_tag_flags is the
 * flag bits for that access kind (0 for a plain RAM hit, TLB_MMIO,
 * TLB_CODE) or TLB_INVALID for "no access of this kind"; the caller
 * decides them from the walk and the memory region. The TLB holds only
 * 4 KiB entries: a large page is filled piece by piece, and the caller
 * also calls tlb_add_large_page for it. */
void tlb_set(Tlb *t, unsigned kind, uint32_t linear_page, uint32_t read_tag_flags, uint32_t write_tag_flags,
             uint32_t code_tag_flags, bool global, uintptr_t addend, uint64_t phys_page);
/* The entry just filled for `linear` comes from a page of `page_size`
 * bytes (2 or 4 MiB): INVLPG of any address in that page must drop every
 * 4 KiB piece of it (SDM Vol. 2 INVLPG, note 1), so tlb_flush_page drops
 * every entry of the kind inside the tracked region. */
void tlb_add_large_page(Tlb *t, unsigned kind, uint32_t linear, uint32_t page_size);

/* tlb_lookup for C paths that keep statistics: counts a hit or a miss.
 * Translated code's inline hit path counts nothing; its slow path counts
 * the miss (t->misses++) before filling. */
static inline void *tlb_lookup_counted(Tlb *t, unsigned kind, unsigned access, uint32_t linear, unsigned size)
{
    void *host = tlb_lookup(t, kind, access, linear, size);
    if (host)
        t->hits++;
    else
        t->misses++;
    return host;
}

#endif
