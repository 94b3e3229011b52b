/* Segment descriptors and segment-register loads (SDM Vol. 3A §3.4-3.5,
 * §5.1-5.8): descriptor fields, GDT/LDT reads with the table-limit
 * checks, the accessed and busy bits, the privilege rules of data, stack
 * and code segment loads, the inner stack of a privilege change (TSS
 * SSn:ESPn), and helper-side stack frames whose pushes are checked
 * against the stack limit before anything is written. Helpers that use
 * these may longjmp (cpu_raise_exception). */
#ifndef JITPC_CPU_DESC_H
#define JITPC_CPU_DESC_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

/* The two words of a descriptor as they are in memory. */
typedef struct Descriptor {
    uint32_t lo, hi;
} Descriptor;

/* System-segment and gate types, S = 0 (SDM Vol. 3A Table 3-2). */
enum {
    DESC_TSS16_AVAIL = 0x1,
    DESC_LDT = 0x2,
    DESC_TSS16_BUSY = 0x3,
    DESC_CALL_GATE16 = 0x4,
    DESC_TASK_GATE = 0x5,
    DESC_INT_GATE16 = 0x6,
    DESC_TRAP_GATE16 = 0x7,
    DESC_TSS32_AVAIL = 0x9,
    DESC_TSS32_BUSY = 0xB,
    DESC_CALL_GATE32 = 0xC,
    DESC_INT_GATE32 = 0xE,
    DESC_TRAP_GATE32 = 0xF,
};

/* Code/data type bits (S = 1; SDM Vol. 3A Table 3-1). */
#define DESC_TYPE_ACCESSED 0x1
#define DESC_TYPE_RW 0x2            /* data: writable; code: readable */
#define DESC_TYPE_DC 0x4            /* data: expand-down; code: conforming */
#define DESC_TYPE_CODE 0x8

/* SegmentCache.flags of a virtual-8086 mode segment: present, DPL 3,
 * read/write data, accessed (SDM Vol. 3A §20.1.1). */
#define SEG_FLAGS_VM86 0xF3u

/* The selector part of an error code: index and TI, RPL dropped. */
static inline uint32_t sel_error(uint32_t selector)
{
    return selector & 0xFFFC;
}

static inline bool sel_is_null(uint32_t selector)
{
    return (selector & 0xFFFC) == 0;
}

static inline unsigned desc_type(const Descriptor *d) { return (d->hi >> 8) & 0xF; }
static inline bool desc_is_system(const Descriptor *d) { return !(d->hi & (1u << 12)); }
static inline unsigned desc_dpl(const Descriptor *d) { return (d->hi >> 13) & 3; }
static inline bool desc_present(const Descriptor *d) { return d->hi & (1u << 15); }
static inline bool desc_is_code(const Descriptor *d) { return !desc_is_system(d) && (desc_type(d) & DESC_TYPE_CODE); }
static inline bool desc_is_data(const Descriptor *d) { return !desc_is_system(d) && !(desc_type(d) & DESC_TYPE_CODE); }
static inline bool desc_is_conforming(const Descriptor *d) { return desc_is_code(d) && (desc_type(d) & DESC_TYPE_DC); }
static inline bool desc_is_readable(const Descriptor *d)
{
    return desc_is_data(d) || (desc_is_code(d) && (desc_type(d) & DESC_TYPE_RW));
}
static inline bool desc_is_writable_data(const Descriptor *d)
{
    return desc_is_data(d) && (desc_type(d) & DESC_TYPE_RW);
}
/* Base and byte-granular limit (G scales by 4 KiB, low bits all ones). */
uint32_t desc_base(const Descriptor *d);
uint32_t desc_limit(const Descriptor *d);
/* The hidden part of a segment register loaded from `d`. */
SegmentCache desc_to_cache(uint32_t selector, const Descriptor *d);

/* Gate fields (SDM Vol. 3A Figures 5-8 and 6-2). */
static inline uint32_t gate_selector(const Descriptor *d) { return d->lo >> 16; }
static inline uint32_t gate_offset(const Descriptor *d) { return (d->hi & 0xFFFF0000) | (d->lo & 0xFFFF); }
static inline unsigned gate_param_count(const Descriptor *d) { return d->hi & 0x1F; }

/* Read the descriptor `selector` names from the GDT or (TI = 1) the LDT.
 * False if it lies beyond the table's limit or the LDT is unusable.
 * Table reads are implicit supervisor accesses; may raise #PF. */
bool desc_fetch(CpuState *cpu, uint32_t selector, Descriptor *d);
/* Set the accessed bit of a code/data descriptor in its table (and in *d)
 * if it is clear, as a segment load does (SDM Vol. 3A §3.4.5.1). */
void desc_set_accessed(CpuState *cpu, uint32_t selector, Descriptor *d);
/* Set or clear the busy bit of the TSS descriptor `selector` (GDT). */
void desc_set_tss_busy(CpuState *cpu, uint32_t selector, Descriptor *d, bool busy);

/* Is [offset, offset + size) inside the segment? Expand-down data
 * segments hold the offsets above the limit, up to 0xFFFF or, with B set,
 * 0xFFFFFFFF (SDM Vol. 3A §3.4.5.1, §5.3). */
bool seg_in_limit(const SegmentCache *s, uint32_t offset, unsigned size);

/* Load data or stack segment register `seg` (ES, SS, DS, FS, GS) in
 * protected mode with the checks of SDM Vol. 2B MOV (and §5.5, §5.6):
 * null allowed except for SS; type; RPL/DPL against `cpl`; present (#NP,
 * or #SS for SS). Checks that fail raise `gp_vector` (#GP for MOV/POP/LxS,
 * #TS for a task switch) with the selector's error code. For SEG_CS: a
 * code segment, conforming DPL <= cpl, nonconforming DPL == cpl. */
void seg_load_protected(CpuState *cpu, int seg, uint32_t selector, unsigned cpl, int gp_vector);
/* Virtual-8086 mode: base = selector << 4, limit 0xFFFF, DPL 3 data. */
void seg_load_vm86(CpuState *cpu, int seg, uint32_t selector);
/* A null selector in `seg`: unusable until reloaded (any use is #GP(0)). */
void seg_load_null(CpuState *cpu, int seg, uint32_t selector);
/* After a return to an outer level: null ES, DS, FS and GS if they hold
 * a data or nonconforming code segment the new CPL may not use (SDM Vol.
 * 2B RET, IRET; §5.8.6). */
void seg_clear_inaccessible(CpuState *cpu, unsigned new_cpl);

/* SSn:ESPn of the current TSS for privilege level `dpl` (#TS if the TSS
 * is too short; `ext` is the EXT bit for error codes). */
void tss_get_inner_stack(CpuState *cpu, unsigned dpl, uint32_t ext, uint32_t *ss_sel, uint32_t *esp);
/* Check and load (into a cache, not SS) the stack segment of an inner
 * level `dpl`: #TS for a null/bad/wrong-privilege selector, #SS if not
 * present (SDM Vol. 2A CALL, INT n). Sets the accessed bit. */
SegmentCache seg_check_inner_stack(CpuState *cpu, uint32_t ss_sel, unsigned dpl, uint32_t ext);
/* Check a TSS descriptor for a task switch by JMP/CALL/INT: global, an
 * available TSS (#GP(sel | ext) otherwise) and present (#NP). */
void tss_check_target(CpuState *cpu, uint32_t tss_sel, uint32_t ext);

/* A stack a helper builds or unwinds: pushes are checked against the
 * segment limit (#SS(error)) and kept until stack_flush() writes them, so
 * a fault leaves registers and memory alone; pops read at once. */
#define STACK_MAX_PENDING 40
typedef struct StackFrame {
    SegmentCache ss;
    uint32_t esp;               /* ESP after the pushes/pops so far (on a 16-bit stack only SP moves) */
    uint32_t error;             /* #SS error code for a limit violation */
    bool big;                   /* 32-bit stack pointer (SS.B in protected mode) */
    bool sys;                   /* supervisor accesses: an inner stack before CPL changes */
    unsigned npending;
    struct { uint32_t offset, value; unsigned size; } pending[STACK_MAX_PENDING];
} StackFrame;

/* The current SS:ESP with the mode's stack width. */
void stack_init_current(CpuState *cpu, StackFrame *f);
/* A protected-mode stack `ss` at `esp` (an inner stack from the TSS). */
void stack_init(StackFrame *f, const SegmentCache *ss, uint32_t esp, uint32_t error, bool sys);
/* The offset within SS of the top of the frame. */
uint32_t stack_offset(const StackFrame *f);
void stack_push(CpuState *cpu, StackFrame *f, uint32_t value, unsigned size);
uint32_t stack_pop(CpuState *cpu, StackFrame *f, unsigned size);
/* Move the stack pointer by `delta` bytes without access (RET imm16). */
void stack_adjust(StackFrame *f, uint32_t delta);
/* #SS(error) unless the next `bytes` bytes above the top are in the limit. */
void stack_check_pop(CpuState *cpu, const StackFrame *f, uint32_t bytes);
/* Write the pending pushes. */
void stack_flush(CpuState *cpu, StackFrame *f);
/* ESP for a new stack pointer on a stack of width `big`: only SP changes
 * on a 16-bit stack (the upper half keeps `old_esp`'s, as the P6 does). */
static inline uint32_t stack_merge_esp(uint32_t old_esp, uint32_t new_esp, bool big)
{
    return big ? new_esp : (old_esp & 0xFFFF0000) | (new_esp & 0xFFFF);
}

#endif
