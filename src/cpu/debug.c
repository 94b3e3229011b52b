/* Debug exceptions (SDM Vol. 3A ch. 17) and the NMI input (§6.7.1): the
 * debug registers and the MOV DRn rules (§17.2), breakpoint matching for
 * instructions, data and I/O ports (§17.2.4-17.2.5), the DR6 report, and
 * what the execution loop needs for single-step, RF and #DB traps
 * (§17.3.1). When things happen is cpu_exec.c's business (event priorities
 * of §6.9, Table 6-2); what they do is here. */
#include "cpu/debug.h"

#include "cpu/exception.h"
#include "cpu/guest.h"

/* ---- breakpoint matching (§17.2.4, §17.2.5) ---- */

static bool bp_enabled(uint32_t dr7, unsigned n)
{
    return dr7 & (DR7_L(n) | DR7_G(n));
}

/* Bytes a breakpoint covers: LEN 00 = 1, 01 = 2, 11 = 4; 10 is undefined
 * on the P6 family and means 8 bytes on later processors, which we follow. */
static uint32_t bp_len(uint32_t dr7, unsigned n)
{
    static const uint8_t len[4] = {1, 2, 8, 4};
    return len[DR7_LEN(dr7, n)];
}

static bool bp_is_data(uint32_t dr7, unsigned n)
{
    unsigned rw = DR7_RW(dr7, n);
    return bp_enabled(dr7, n) && (rw == DR7_RW_WRITE || rw == DR7_RW_ACCESS);
}

static bool bp_is_exec(uint32_t dr7, unsigned n)
{
    return bp_enabled(dr7, n) && DR7_RW(dr7, n) == DR7_RW_EXEC;
}

/* The address in DRn is aligned down to the length: the processor ignores
 * its low bits (§17.2.5), and any byte of the access in range hits. */
static bool bp_overlaps(const CpuState *cpu, unsigned n, uint32_t addr, unsigned size)
{
    uint32_t len = bp_len(cpu->dr[7], n);
    uint32_t base = cpu->dr[n] & ~(len - 1);
    return (uint32_t)(addr - base) < len || (uint32_t)(base - addr) < size;
}

uint32_t cpu_debug_insn_bp_hits(const CpuState *cpu, uint32_t linear)
{
    uint32_t hits = 0;
    /* An instruction breakpoint needs LEN = 00 (§17.2.5); with another
     * length the behaviour is undefined: we match the first byte only. */
    for (unsigned n = 0; n < 4; n++)
        if (bp_is_exec(cpu->dr[7], n) && cpu->dr[n] == linear)
            hits |= DR6_B(n);
    return hits;
}

bool cpu_debug_page_watched(const CpuState *cpu, uint32_t linear_page)
{
    uint32_t page = linear_page & TLB_PAGE_MASK;
    for (unsigned n = 0; n < 4; n++) {
        if (!bp_is_data(cpu->dr[7], n))
            continue;
        uint32_t len = bp_len(cpu->dr[7], n);
        uint32_t base = cpu->dr[n] & ~(len - 1);
        if ((base & TLB_PAGE_MASK) == page || ((base + len - 1) & TLB_PAGE_MASK) == page)
            return true;
    }
    return false;
}

/* ---- recording a trap-class hit ---- */

/* A data or I/O breakpoint hit in a block of several instructions: the #DB
 * must come right after this instruction, but the block would run on.
 * Abandon the instruction as a fault would (nothing it did is visible:
 * the lowering keeps every access restartable for #PF) and run it again in
 * a block of its own, where the hit is simply recorded. */
static void rerun_alone(CpuState *cpu) __attribute__((noreturn));
static void rerun_alone(CpuState *cpu)
{
    ExecPosition pos;
    if (exec_current_position(&cpu->engine, &pos)) {
        cpu->eip = (uint32_t)pos.pc;
        if (pos.static_cc >= 0)
            cpu->cc_op = (uint32_t)pos.static_cc;
        cpu->insns_retired += pos.insns_done;
        /* The first instruction of the block ran with the RF it was
         * entered with: the re-run must not hit its breakpoint again. */
        if (pos.insns_done == 0 && cpu->debug_entry_rf)
            cpu->eflags |= EFLAGS_RF;
    }
    cpu->debug_rerun = true;
    cpu->exception_vector = -1;     /* no exception: the loop just goes on */
    cpu->engine.cur_tb = NULL;
    longjmp(cpu->jmp_env, 1);
}

static void record_trap(CpuState *cpu, uint32_t hits)
{
    const TranslationBlock *tb = cpu->engine.cur_tb;
    if (tb && tb->icount > 1)
        rerun_alone(cpu);
    cpu->debug_pending |= hits;
}

void cpu_debug_check_data(CpuState *cpu, uint32_t linear, unsigned size, bool is_write)
{
    uint32_t hits = 0;
    for (unsigned n = 0; n < 4; n++) {
        if (!bp_is_data(cpu->dr[7], n))
            continue;
        /* R/W = 01 breaks on writes only, 11 on reads and writes. */
        if (DR7_RW(cpu->dr[7], n) == DR7_RW_WRITE && !is_write)
            continue;
        if (bp_overlaps(cpu, n, linear, size))
            hits |= DR6_B(n);
    }
    if (hits)
        record_trap(cpu, hits);
}

void cpu_debug_check_io(CpuState *cpu, uint32_t port, unsigned size)
{
    /* R/W = 10 means I/O only with CR4.DE; without it, it is undefined
     * (§17.2.4) and we ignore it. */
    if (!(cpu->cr[4] & CR4_DE))
        return;
    uint32_t hits = 0;
    for (unsigned n = 0; n < 4; n++)
        if (bp_enabled(cpu->dr[7], n) && DR7_RW(cpu->dr[7], n) == DR7_RW_IO && bp_overlaps(cpu, n, port, size))
            hits |= DR6_B(n);
    if (hits)
        record_trap(cpu, hits);
}

/* DR6 after a #DB reporting `bits`: B0-B3 describe this exception only
 * (the SDM lets any #DB clear them); BD, BS and BT stay set until
 * software clears them (§17.2.3). */
static uint32_t dr6_report(uint32_t dr6, uint32_t bits)
{
    return (dr6 & (DR6_BD | DR6_BS | DR6_BT)) | (bits & DR6_WRITABLE) | DR6_FIXED;
}

/* ---- the debug registers (§17.2) ---- */

static unsigned dr_alias(unsigned n)
{
    return n == 4 ? 6 : n == 5 ? 7 : n;
}

uint32_t cpu_debug_get_dr(const CpuState *cpu, unsigned n)
{
    n = dr_alias(n & 7);
    if (n == 6)
        return (cpu->dr[6] & DR6_WRITABLE) | DR6_FIXED;
    if (n == 7)
        return (cpu->dr[7] & DR7_WRITABLE) | DR7_FIXED;
    return cpu->dr[n];
}

/* Do two breakpoint setups differ in what `kind` (exec or data) covers? */
static bool bp_setup_differs(const uint32_t *a, const uint32_t *b, bool exec)
{
    for (unsigned n = 0; n < 4; n++) {
        bool ea = exec ? bp_is_exec(a[7], n) : bp_is_data(a[7], n);
        bool eb = exec ? bp_is_exec(b[7], n) : bp_is_data(b[7], n);
        if (ea != eb)
            return true;
        if (ea && (a[n] != b[n] || DR7_LEN(a[7], n) != DR7_LEN(b[7], n)))
            return true;
    }
    return false;
}

void cpu_debug_set_dr(CpuState *cpu, unsigned n, uint32_t value)
{
    uint32_t before[8];
    for (unsigned i = 0; i < 8; i++)
        before[i] = cpu->dr[i];
    n = dr_alias(n & 7);
    if (n == 6)
        cpu->dr[6] = (value & DR6_WRITABLE) | DR6_FIXED;
    else if (n == 7)
        cpu->dr[7] = (value & DR7_WRITABLE) | DR7_FIXED;
    else
        cpu->dr[n] = value;
    /* Translations carry the instruction-breakpoint checks of the setup
     * they were made under, and TLB entries the watched-page marks. */
    if (bp_setup_differs(before, cpu->dr, true))
        tb_flush(&cpu->engine.cache);
    if (bp_setup_differs(before, cpu->dr, false))
        tlb_flush_all(&cpu->tlb);
    cpu->watch_data = false;
    for (unsigned i = 0; i < 4; i++)
        if (bp_is_data(cpu->dr[7], i))
            cpu->watch_data = true;
}

void cpu_debug_reset(CpuState *cpu)
{
    cpu_debug_set_dr(cpu, 7, 0);
    for (unsigned n = 0; n < 4; n++)
        cpu->dr[n] = 0;
    cpu->dr[6] = DR6_FIXED;
    cpu->debug_pending = 0;
    cpu->debug_hold = false;
    cpu->debug_step_armed = false;
    cpu->debug_entry_rf = false;
    cpu->debug_rerun = false;
    cpu->debug_keep_rf = false;
    cpu->nmi_pending = false;
    cpu->nmi_blocked = false;
}

/* MOV to or from DRn (SDM Vol. 2B MOV-Debug Registers): CPL 0 only (#GP(0),
 * which includes virtual-8086 mode); DR4/DR5 are #UD with CR4.DE; with
 * DR7.GD set, a #DB fault reporting BD comes first, and the processor
 * clears GD so the handler can use the registers (§17.2.4). */
static void check_dr_access(CpuState *cpu, unsigned n)
{
    if (cpu_cpl(cpu) != 0)
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
    if ((n == 4 || n == 5) && (cpu->cr[4] & CR4_DE))
        cpu_raise_exception(cpu, EXCP_UD, false, 0);
    if (cpu->dr[7] & DR7_GD) {
        cpu->dr[6] = dr6_report(cpu->dr[6], DR6_BD);
        cpu->dr[7] &= ~DR7_GD;
        cpu_raise_exception(cpu, EXCP_DB, false, 0);
    }
}

uint64_t helper_debug_read_dr(void *env, uint64_t n, uint64_t a1, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a1, (void)a2, (void)a3;
    check_dr_access(cpu, (unsigned)n);
    return cpu_debug_get_dr(cpu, (unsigned)n);
}

uint64_t helper_debug_write_dr(void *env, uint64_t n, uint64_t value, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a2, (void)a3;
    check_dr_access(cpu, (unsigned)n);
    cpu_debug_set_dr(cpu, (unsigned)n, (uint32_t)value);
    return 0;
}

/* The translator emits this before an instruction whose address an enabled
 * instruction breakpoint names: a #DB fault before it executes, with the
 * instruction's EIP (§17.3.1.1). RF is cleared at every block entry, so it
 * is set here only if a block is ever entered other than from the loop;
 * the check keeps the resume rule true even then. */
uint64_t helper_debug_insn_bp(void *env, uint64_t hits, uint64_t a1, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a1, (void)a2, (void)a3;
    if (cpu->eflags & EFLAGS_RF)
        return 0;
    cpu->dr[6] = dr6_report(cpu->dr[6], (uint32_t)hits);
    cpu->dr[7] &= ~DR7_GD;
    cpu->debug_keep_rf = true;      /* the one fault that does not push RF = 1 */
    cpu_raise_exception(cpu, EXCP_DB, false, 0);
}

/* ICEBP / INT1 (F1): a #DB trap delivered as a hardware event, not as
 * INT 1 (SDM Vol. 2A INT n): no gate DPL check, no IOPL check in
 * virtual-8086 mode, EXT set in error codes of faults during delivery,
 * and DR6 left unchanged. */
uint64_t helper_debug_icebp(void *env, uint64_t next_eip, uint64_t a1, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a1, (void)a2, (void)a3;
    ExecPosition pos;
    if (exec_current_position(&cpu->engine, &pos)) {
        if (pos.static_cc >= 0)
            cpu->cc_op = (uint32_t)pos.static_cc;
        cpu->insns_retired += pos.insns_done + 1;   /* a trap: ICEBP has completed */
        cpu->exception_insn_eip = (uint32_t)pos.pc;
    }
    cpu->eip = (uint32_t)next_eip;
    cpu->exception_vector = EXCP_DB;
    cpu->exception_has_error = false;
    cpu->exception_error = 0;
    cpu->exception_next_eip = (uint32_t)next_eip;
    cpu->exception_soft = false;
    cpu->debug_keep_rf = true;
    cpu->engine.cur_tb = NULL;
    longjmp(cpu->jmp_env, 1);
}

uint64_t helper_debug_iret(void *env, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    (void)a0, (void)a1, (void)a2, (void)a3;
    /* NMIs stay blocked until the next IRET, and executing IRET unblocks
     * them even if it then faults (§6.7.1): hence a call before the IRET
     * does anything that could fault. */
    cpu->nmi_blocked = false;
    return 0;
}

/* ---- the execution loop's side ---- */

uint32_t cpu_debug_hflags(const CpuState *cpu)
{
    uint32_t h = 0;
    if ((cpu->eflags & EFLAGS_TF) || cpu->debug_rerun)
        h |= HF_DEBUG_STEP;
    /* Only when a breakpoint is really there, so resuming after a fault
     * (RF = 1 in every fault's saved EFLAGS) does not split the cache. */
    if ((cpu->eflags & EFLAGS_RF) && cpu_debug_insn_bp_hits(cpu, cpu->seg[SEG_CS].base + cpu->eip))
        h |= HF_DEBUG_RESUME;
    return h;
}

void cpu_debug_enter_block(CpuState *cpu)
{
    /* TF at the start of an instruction decides its single-step trap: a
     * POPF that sets TF traps only after the next instruction, one that
     * clears it still traps after itself (§17.3.1.4). */
    cpu->debug_step_armed = cpu->eflags & EFLAGS_TF;
    cpu->debug_entry_rf = cpu->eflags & EFLAGS_RF;
    cpu->eflags &= ~EFLAGS_RF;
    cpu->debug_rerun = false;
}

void cpu_debug_leave_block(CpuState *cpu, bool if_before)
{
    if (cpu->debug_step_armed)
        cpu->debug_pending |= DR6_BS;
    cpu->debug_step_armed = false;
    /* MOV SS / POP SS hold debug traps for one more instruction, so a
     * stack switch is not split (SDM Vol. 2B MOV); STI holds only maskable
     * interrupts. Both set irq_inhibit; only STI turns IF on doing so. */
    bool sti = !if_before && (cpu->eflags & EFLAGS_IF);
    cpu->debug_hold = cpu->irq_inhibit && !sti;
}

void cpu_debug_exception_raised(CpuState *cpu, bool delivering)
{
    cpu->debug_pending = 0;
    cpu->debug_hold = false;
    cpu->debug_step_armed = false;
    /* Every fault except an instruction breakpoint saves RF = 1; traps,
     * aborts and software interrupts save RF as it is (§17.3.1.1). */
    if (delivering && !cpu->exception_soft && !cpu->debug_keep_rf)
        cpu->eflags |= EFLAGS_RF;
    cpu->debug_keep_rf = false;
}

bool cpu_debug_trap_pending(const CpuState *cpu)
{
    return cpu->debug_pending && !cpu->debug_hold;
}

void cpu_debug_take_trap(CpuState *cpu)
{
    cpu->dr[6] = dr6_report(cpu->dr[6], cpu->debug_pending);
    cpu->dr[7] &= ~DR7_GD;
    cpu->debug_pending = 0;
    cpu->exception_vector = EXCP_DB;
    cpu->exception_has_error = false;
    cpu->exception_error = 0;
    cpu->exception_next_eip = cpu->eip;
    cpu->exception_insn_eip = cpu->eip;
    cpu->exception_soft = false;
    /* A single-stepped HLT traps after it: the handler runs and returns
     * past the HLT, as if an interrupt had woken it. */
    cpu->halted = false;
}

/* ---- NMI (§6.7.1) ---- */

void cpu_raise_nmi(CpuState *cpu)
{
    /* One NMI is latched while another is handled; more are lost. */
    cpu->nmi_pending = true;
}

bool cpu_nmi_take(CpuState *cpu)
{
    /* Held in an interrupt shadow too: the SDM allows STI's shadow to hold
     * NMI (Vol. 2B STI) and MOV SS's holds all events. */
    if (!cpu->nmi_pending || cpu->nmi_blocked || cpu->irq_inhibit)
        return false;
    cpu->nmi_pending = false;
    cpu->nmi_blocked = true;
    cpu->halted = false;
    return true;
}
