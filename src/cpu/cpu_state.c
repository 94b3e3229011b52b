/* CPU life cycle, EFLAGS assembly, the block-key mode bits and the register
 * dump. Reset values: Intel SDM Vol. 3A §9.1.1, Table 9-1. Multiboot
 * entry: Multiboot Specification 0.6.96 §3.2 "Machine state". */
#include <stddef.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/debug.h"
#include "cpu/exception.h"
#include "cpu/fpu.h"
#include "cpu/guest.h"
#include "cpu/translate.h"

/* Translated code addresses these through the reserved state register;
 * the backends rely on the layout staying put. */
_Static_assert(offsetof(CpuState, regs) == 0, "regs first");
_Static_assert(offsetof(CpuState, eip) == 32, "eip offset");
_Static_assert(offsetof(CpuState, eflags) == 36, "eflags offset");
_Static_assert(offsetof(CpuState, cc_op) == 40, "cc_op offset");
_Static_assert(offsetof(CpuState, cc_dst) == 44, "cc_dst offset");
_Static_assert(offsetof(CpuState, cc_src) == 48, "cc_src offset");
_Static_assert(offsetof(CpuState, cc_src2) == 52, "cc_src2 offset");
_Static_assert(offsetof(CpuState, df) == 56, "df offset");
_Static_assert(offsetof(CpuState, exit_request) == 60, "exit_request offset");
_Static_assert(offsetof(CpuState, seg) == 64, "seg offset");
_Static_assert(sizeof(SegmentCache) == 16, "segment cache size");

#define CPU_MAX_BLOCKS 65536

/* The soft-TLB table a block's inline accesses use (the CPL is in the key). */
static unsigned cpu_tlb_kind_of_flags(uint32_t flags)
{
    return (flags & HF_CPL3) ? TLB_KIND_USER : TLB_KIND_SUPERVISOR;
}

_Static_assert((sizeof(TlbEntry) & (sizeof(TlbEntry) - 1)) == 0, "TLB entry size is a power of two");

static void cpu_code_page_added(void *opaque, uint64_t page_addr)
{
    CpuState *cpu = opaque;
    tlb_set_code_page(&cpu->tlb, page_addr, true);
}

void cpu_init(CpuState *cpu, AddressSpace *mem, AddressSpace *io, Clock *clock, Log *log)
{
    memset(cpu, 0, sizeof(*cpu));
    cpu->mem = mem;
    cpu->io = io;
    cpu->clock = clock;
    cpu->log = log;
    exec_engine_init(&cpu->engine, &x86_ir_guest, CPU_MAX_BLOCKS);
    cpu->engine.cache.code_page_added = cpu_code_page_added;
    cpu->engine.cache.code_page_opaque = cpu;
    const ExecLayout layout = {
        .pc = offsetof(CpuState, eip),
        .insns_retired = offsetof(CpuState, insns_retired),
        .insn_limit = offsetof(CpuState, insn_limit),
        .tlb_table = {offsetof(CpuState, tlb.e[TLB_KIND_SUPERVISOR]), offsetof(CpuState, tlb.e[TLB_KIND_USER])},
        .tlb_entry_size = sizeof(TlbEntry),
        .tlb_entries = TLB_ENTRIES,
        .tlb_page_bits = TLB_PAGE_BITS,
        .tlb_tag = {offsetof(TlbEntry, tag[TLB_READ]), offsetof(TlbEntry, tag[TLB_WRITE])},
        .tlb_addend = offsetof(TlbEntry, addend),
        .tlb_kind = cpu_tlb_kind_of_flags,
    };
    exec_engine_set_layout(&cpu->engine, &layout, cpu);
    cpu->exact_budget = true;
    lower_table_init(cpu->lower);
    cpu_reset(cpu, cpu_model_default());
}

bool cpu_set_backend(CpuState *cpu, bool jit, size_t code_cache_size, bool perfmap, char *why, size_t why_len)
{
    return exec_engine_set_backend(&cpu->engine, jit ? EXEC_JIT : EXEC_INTERP, code_cache_size, perfmap, why,
                                   why_len);
}

bool cpu_jit_available(void)
{
    return exec_jit_available();
}

void cpu_kick(CpuState *cpu)
{
    cpu->exit_request = 1;
    cpu->insn_limit = 0;
}

void cpu_destroy(CpuState *cpu)
{
    exec_engine_destroy(&cpu->engine);
}

void cpu_reset(CpuState *cpu, const CpuModel *model)
{
    /* Architectural state only: the wiring and the block cache survive. */
    memset(cpu, 0, offsetof(CpuState, model));
    cpu->model = model;
    cpu->halted = false;
    cpu->irq_inhibit = false;
    cpu->exception_vector = -1;
    cpu->delivering_vector = -1;
    cpu->eflags = EFLAGS_FIXED;
    cpu->cc_op = CC_OP_EFLAGS;
    cpu->cc_src = 0;
    cpu->df = 1;
    cpu->eip = 0xFFF0;
    /* EDX holds the processor signature after reset. */
    cpu->regs[R_EDX] = (model->family << 8) | (model->model << 4) | model->stepping;
    cpu->cr[0] = CR0_ET | CR0_NW | CR0_CD;
    for (int i = 0; i < SEG_COUNT; i++) {
        /* Present, accessed read/write data (or execute/read code for CS). */
        cpu->seg[i] = (SegmentCache){.selector = 0, .base = 0, .limit = 0xFFFF, .flags = 0x93};
    }
    cpu->seg[SEG_CS] = (SegmentCache){.selector = 0xF000, .base = 0xFFFF0000, .limit = 0xFFFF, .flags = 0x9B};
    cpu->gdt_limit = cpu->idt_limit = 0xFFFF;
    cpu->ldt = (SegmentCache){.limit = 0xFFFF, .flags = 0x82};
    cpu->tr = (SegmentCache){.limit = 0xFFFF, .flags = 0x8B};
    cpu->a20_mask = 0xFFFFFFFF;
    tlb_init(&cpu->tlb);
    cpu_debug_reset(cpu);
    fpu_reset(&cpu->fpu, true);     /* power-on x87/SSE state (SDM Vol. 3A Table 9-1) */
    cpu->efer = 0;
    cpu->pat = 0x0007040600070406ULL;   /* the PAT's power-up value (SDM Vol. 3A §11.12.4) */
}

void cpu_enter_multiboot(CpuState *cpu, uint32_t entry, uint32_t info_addr)
{
    /* Flat 4 GiB segments, 32-bit default size, granularity 4 KiB. The
     * spec leaves the selector values undefined; use GDT-style ones. */
    const uint32_t big = SEG_FLAG_DB | SEG_FLAG_G;
    for (int i = 0; i < SEG_COUNT; i++)
        cpu->seg[i] = (SegmentCache){.selector = 0x10, .base = 0, .limit = 0xFFFFFFFF, .flags = 0x93 | big};
    cpu->seg[SEG_CS] = (SegmentCache){.selector = 0x08, .base = 0, .limit = 0xFFFFFFFF, .flags = 0x9B | big};
    /* The spec defines only PG = 0 and PE = 1; a boot loader runs after the
     * BIOS has enabled the caches, so CD and NW are clear as well. */
    cpu->cr[0] = CR0_ET | CR0_PE;
    cpu->eflags = EFLAGS_FIXED;     /* IF = 0, VM = 0 */
    cpu->cc_op = CC_OP_EFLAGS;
    cpu->cc_src = 0;
    cpu->df = 1;
    cpu->regs[R_EAX] = 0x2BADB002;
    cpu->regs[R_EBX] = info_addr;
    cpu->eip = entry;
}

void cpu_enter_linux(CpuState *cpu, uint32_t entry, uint32_t boot_params, uint32_t gdt_base, uint32_t gdt_limit)
{
    /* The 32-bit boot protocol (Documentation/arch/x86/boot.rst): flat
     * protected mode, CS = __BOOT_CS (0x10), DS = ES = SS = __BOOT_DS
     * (0x18), interrupts off, ESI = boot_params, EBP = EDI = EBX = 0. */
    const uint32_t big = SEG_FLAG_DB | SEG_FLAG_G;
    for (int i = 0; i < SEG_COUNT; i++)
        cpu->seg[i] = (SegmentCache){.selector = 0x18, .base = 0, .limit = 0xFFFFFFFF, .flags = 0x93 | big};
    cpu->seg[SEG_CS] = (SegmentCache){.selector = 0x10, .base = 0, .limit = 0xFFFFFFFF, .flags = 0x9B | big};
    cpu->gdt_base = gdt_base;
    cpu->gdt_limit = gdt_limit;
    cpu->cr[0] = CR0_ET | CR0_PE;
    cpu->eflags = EFLAGS_FIXED;
    cpu->cc_op = CC_OP_EFLAGS;
    cpu->cc_src = 0;
    cpu->df = 1;
    for (int i = 0; i < 8; i++)
        cpu->regs[i] = 0;
    cpu->regs[R_ESI] = boot_params;
    cpu->eip = entry;
}

uint32_t cpu_get_eflags(const CpuState *cpu)
{
    uint32_t f = cpu->eflags & ~(CC_ALL | EFLAGS_DF);
    f |= cc_compute_all((CcOp)cpu->cc_op, cpu->cc_dst, cpu->cc_src, cpu->cc_src2);
    if (cpu->df < 0)
        f |= EFLAGS_DF;
    return f | EFLAGS_FIXED;
}

void cpu_set_eflags(CpuState *cpu, uint32_t value, uint32_t mask)
{
    uint32_t f = (cpu_get_eflags(cpu) & ~mask) | (value & mask);
    /* Bits 3, 5, 15 and 22..31 are reserved as 0, bit 1 as 1. */
    f = (f & 0x003F7FD5u) | EFLAGS_FIXED;
    cpu->cc_op = CC_OP_EFLAGS;
    cpu->cc_src = f & CC_ALL;
    cpu->df = (f & EFLAGS_DF) ? -1 : 1;
    cpu->eflags = f & ~(CC_ALL | EFLAGS_DF);
}

/* A segment whose accesses can never fault on limit or type: base 0,
 * 4 GiB expand-up, present; data writable (SS, DS, ES) or code readable. */
static bool seg_flat(const SegmentCache *s, bool code)
{
    if (s->base != 0 || s->limit != 0xFFFFFFFF || !(s->flags & SEG_FLAG_P) || !(s->flags & 0x10))
        return false;
    if (code)
        return (s->flags & 0x0A) == 0x0A;           /* code, readable */
    return (s->flags & 0x0E) == 0x02;               /* data, writable, expand-up */
}

uint32_t cpu_hflags(const CpuState *cpu)
{
    uint32_t h = 0;
    bool pe = cpu->cr[0] & CR0_PE;
    bool vm = pe && (cpu->eflags & EFLAGS_VM);
    if (pe && !vm) {
        if (cpu->seg[SEG_CS].flags & SEG_FLAG_DB)
            h |= HF_CS32;
        if (cpu->seg[SEG_SS].flags & SEG_FLAG_DB)
            h |= HF_SS32;
    }
    if (pe)
        h |= HF_PE;
    if (vm)
        h |= HF_VM;
    if (cpu_cpl(cpu) == 3)
        h |= HF_CPL3;
    if (cpu->irq_inhibit)
        h |= HF_INHIBIT_IRQ;
    if (pe && !vm && seg_flat(&cpu->seg[SEG_ES], false) && seg_flat(&cpu->seg[SEG_CS], true) &&
        seg_flat(&cpu->seg[SEG_SS], false) && seg_flat(&cpu->seg[SEG_DS], false))
        h |= HF_FLAT;
    return h;
}

void cpu_dump_state(const CpuState *cpu, Log *log)
{
    static const char *regn[8] = {"EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"};
    static const char *segn[SEG_COUNT] = {"ES", "CS", "SS", "DS", "FS", "GS"};
    for (int i = 0; i < 8; i++)
        log_printf(log, "%s=%08x%s", regn[i], cpu->regs[i], (i % 4 == 3) ? "\n" : " ");
    log_printf(log, "EIP=%08x EFL=%08x CC=%s\n", cpu->eip, cpu_get_eflags(cpu), cc_op_name((CcOp)cpu->cc_op));
    for (int i = 0; i < SEG_COUNT; i++)
        log_printf(log, "%s =%04x %08x %08x %04x\n", segn[i], cpu->seg[i].selector, cpu->seg[i].base,
                   cpu->seg[i].limit, cpu->seg[i].flags);
    log_printf(log, "CR0=%08x CR2=%08x CR3=%08x CR4=%08x\n", cpu->cr[0], cpu->cr[2], cpu->cr[3], cpu->cr[4]);
}
