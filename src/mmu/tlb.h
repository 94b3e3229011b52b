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
#include <stdint.h>

#define TLB_ENTRIES 256             /* per privilege kind; a power of two */
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
    /* statistics for -d stats / the hit-rate figures */
    uint64_t hits, misses, flushes, page_flushes;
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

#endif
