/* The local APIC of one CPU, xAPIC mode, after the Intel SDM Vol. 3A
 * chapter 10 ("Advanced Programmable Interrupt Controller"). Not here: the
 * I/O APIC (ioapic.c), x2APIC, the TSC-deadline timer mode, the CMCI LVT
 * entry (offset 0x2F0 is treated as reserved), SMI and INIT/SIPI handling
 * (logged under -d unimp), other CPUs.
 *
 * Model: Pentium 4 style register set (version 0x14, max LVT entry 5: six
 * entries timer, thermal, performance counter, LINT0, LINT1, error; all
 * eight SVR vector bits writable). Interrupts accepted from the LVT, the
 * ICR (self-IPIs) and the I/O APIC set a bit in the 256-bit IRR; the CPU
 * takes the highest one whose priority class beats the processor priority
 * (§10.8.3.1), INTA moves it to the ISR, EOI retires the highest ISR bit
 * and, for a level-triggered vector (TMR), tells the I/O APIC (§10.8.5).
 *
 * The 8259 PIC reaches the CPU through LINT0 (§10.5.1, ExtINT): while
 * LINT0 is unmasked in ExtINT mode the CPU's INTA goes to the PIC. Choice:
 * the PIC is also passed straight to the CPU while the APIC is hardware
 * disabled (IA32_APIC_BASE[11] = 0: §10.4.3, the processor behaves as one
 * without an APIC and LINT0/LINT1 are its INTR/NMI pins) and while it is
 * software disabled (SVR[8] = 0). After RESET the APIC is hardware enabled
 * but software disabled with every LVT entry masked (§10.4.7.1), so the
 * SDM's model would shut the PIC out until software programs LINT0; a PC
 * instead boots in the MP specification's PIC or virtual-wire mode, where
 * the 8259 interrupts the CPU with no APIC programming. BIOSes and kernels
 * that never touch the APIC rely on that, so a software-disabled APIC
 * passes INTR (and NMI on LINT1) through. Once SVR[8] is set, only the LVT
 * decides.
 *
 * The timer counts the 1 GHz bus clock (APIC_BUS_FREQ_HZ) divided by the
 * divide configuration register: nothing ticks, the current count is a
 * function of the machine clock and the time the count was loaded, and a
 * machine-clock timer is armed for the next expiry. A periodic timer that
 * fell behind raises one interrupt and re-arms after the present instead
 * of replaying every missed period (a tiny period cannot hang the host).
 *
 * Input levels given to apic_set_lint mean "asserted": the board's IrqLine
 * carries the logical state, so the LVT polarity bit is stored, not
 * applied (the same choice as the I/O APIC). */
#include "devices/apic_local.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/compiler.h"

/* Register offsets (SDM Table 10-1). */
enum {
    APIC_REG_ID = 0x20,
    APIC_REG_VERSION = 0x30,
    APIC_REG_TPR = 0x80,
    APIC_REG_APR = 0x90,
    APIC_REG_PPR = 0xA0,
    APIC_REG_EOI = 0xB0,
    APIC_REG_RRD = 0xC0,
    APIC_REG_LDR = 0xD0,
    APIC_REG_DFR = 0xE0,
    APIC_REG_SVR = 0xF0,
    APIC_REG_ISR = 0x100,
    APIC_REG_TMR = 0x180,
    APIC_REG_IRR = 0x200,
    APIC_REG_ESR = 0x280,
    APIC_REG_ICR_LO = 0x300,
    APIC_REG_ICR_HI = 0x310,
    APIC_REG_LVT = 0x320,       /* timer; six entries 0x10 apart */
    APIC_REG_TIMER_INIT = 0x380,
    APIC_REG_TIMER_CUR = 0x390,
    APIC_REG_TIMER_DCR = 0x3E0,
};

enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_COUNT };

#define APIC_VERSION        (0x14u | (LVT_COUNT - 1u) << 16)

#define LVT_VECTOR(v)       ((v) & 0xFFu)
#define LVT_DM(v)           (((v) >> 8) & 7u)
#define LVT_LEVEL           (1u << 15)  /* LINT0/1 trigger mode */
#define LVT_REMOTE_IRR      (1u << 14)  /* LINT0/1, read-only */
#define LVT_MASKED          (1u << 16)
#define LVT_TIMER_PERIODIC  (1u << 17)

/* Writable bits of each LVT entry (SDM Figure 10-8). */
static const uint32_t lvt_writable[LVT_COUNT] = {
    [LVT_TIMER] = 0x000300FF,   /* vector, mask, periodic (no TSC-deadline) */
    [LVT_THERMAL] = 0x000107FF, /* vector, delivery mode, mask */
    [LVT_PERF] = 0x000107FF,
    [LVT_LINT0] = 0x0001A7FF,   /* + polarity, trigger mode */
    [LVT_LINT1] = 0x0001A7FF,
    [LVT_ERROR] = 0x000100FF,
};

#define SVR_ENABLE          (1u << 8)
#define SVR_WRITABLE        0x3FFu      /* vector, enable, focus (no EOI suppression) */

/* ESR bits (SDM Figure 10-9). */
#define ESR_SEND_ILLEGAL    (1u << 5)
#define ESR_RECV_ILLEGAL    (1u << 6)
#define ESR_ILLEGAL_REG     (1u << 7)

/* ICR fields (SDM Figure 10-12). */
#define ICR_DEST_LOGICAL    (1u << 11)
#define ICR_LEVEL_ASSERT    (1u << 14)
#define ICR_TRIGGER_LEVEL   (1u << 15)
#define ICR_SHORTHAND(v)    (((v) >> 18) & 3u)
#define ICR_LO_WRITABLE     0x000CCFFFu
enum { SH_NONE, SH_SELF, SH_ALL_INCL, SH_ALL_EXCL };

#define APIC_BASE_RESERVED  (~(APIC_BASE_ADDR_MASK | APIC_BASE_ENABLE | APIC_BASE_BSP))

struct ApicLocal {
    Device dev;
    Clock *clock;
    Log *log;
    AddressSpace *mem;          /* NULL: the board maps the page */
    ApicCallbacks cb;
    bool (*extint_pending)(void *opaque);
    uint8_t (*extint_ack)(void *opaque);
    void *extint_opaque;
    bool mapped;                /* the page is in `mem` at mapped_base */
    uint64_t mapped_base;
    uint8_t hw_id;              /* APIC ID after RESET */
    bool bsp;
    Timer *timer;               /* next timer expiry */
    /* saved state */
    uint64_t base_msr;          /* IA32_APIC_BASE */
    uint32_t id, tpr, ldr, dfr, svr;
    uint32_t esr;               /* visible ESR */
    uint32_t esr_pending;       /* errors since the last ESR write */
    uint32_t icr_lo, icr_hi;
    uint32_t lvt[LVT_COUNT];
    uint32_t timer_initial;     /* initial count register */
    uint32_t timer_dcr;         /* divide configuration register */
    uint8_t timer_running;      /* counting (a one-shot stops at 0) */
    int64_t timer_start;        /* machine time the count was at timer_base */
    uint32_t timer_base;        /* count at timer_start (then reloads initial) */
    uint8_t irr[32], isr[32], tmr[32];  /* 256-bit sets, vector v = bit v%8 of byte v/8 */
    uint8_t lint_level[2];      /* LINT0/LINT1 input levels */
    uint8_t lint_remote_irr[2]; /* level-triggered fixed LINT accepted, awaiting EOI */
};

#define APIC_LVT_FIELD(i) STATE_UINT(ApicLocal, lvt[i])

static const StateField apic_fields[] = {
    STATE_UINT(ApicLocal, base_msr),
    STATE_UINT(ApicLocal, id),
    STATE_UINT(ApicLocal, tpr),
    STATE_UINT(ApicLocal, ldr),
    STATE_UINT(ApicLocal, dfr),
    STATE_UINT(ApicLocal, svr),
    STATE_UINT(ApicLocal, esr),
    STATE_UINT(ApicLocal, esr_pending),
    STATE_UINT(ApicLocal, icr_lo),
    STATE_UINT(ApicLocal, icr_hi),
    APIC_LVT_FIELD(0), APIC_LVT_FIELD(1), APIC_LVT_FIELD(2),
    APIC_LVT_FIELD(3), APIC_LVT_FIELD(4), APIC_LVT_FIELD(5),
    STATE_UINT(ApicLocal, timer_initial),
    STATE_UINT(ApicLocal, timer_dcr),
    STATE_UINT(ApicLocal, timer_running),
    STATE_INT(ApicLocal, timer_start),
    STATE_UINT(ApicLocal, timer_base),
    STATE_BYTES(ApicLocal, irr),
    STATE_BYTES(ApicLocal, isr),
    STATE_BYTES(ApicLocal, tmr),
    STATE_BYTES(ApicLocal, lint_level),
    STATE_BYTES(ApicLocal, lint_remote_irr),
    STATE_TIMER(ApicLocal, timer),
    STATE_END,
};

/* ---- 256-bit vector sets ---------------------------------------------- */

static void vset(uint8_t *s, unsigned v) { s[v >> 3] |= (uint8_t)(1u << (v & 7)); }
static void vclear(uint8_t *s, unsigned v) { s[v >> 3] &= (uint8_t)~(1u << (v & 7)); }
static bool vtest(const uint8_t *s, unsigned v) { return s[v >> 3] >> (v & 7) & 1; }

/* Highest vector in the set, or -1. */
static int vhighest(const uint8_t *s)
{
    for (int i = 31; i >= 0; i--)
        if (s[i])
            return i * 8 + 31 - __builtin_clz(s[i]);
    return -1;
}

/* Word `w` (0-7) of a set as the register at 0x100 + 0x10 * w reads it. */
static uint32_t vword(const uint8_t *s, unsigned w)
{
    const uint8_t *b = s + 4 * w;
    return b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* ---- state predicates ------------------------------------------------- */

static bool apic_hw_enabled(const ApicLocal *a) { return a->base_msr & APIC_BASE_ENABLE; }
static bool apic_sw_enabled(const ApicLocal *a) { return apic_hw_enabled(a) && (a->svr & SVR_ENABLE); }

/* The PIC's INTR goes to the CPU (see the file comment). */
static bool apic_extint_routed(const ApicLocal *a)
{
    if (!apic_sw_enabled(a))
        return true;
    uint32_t l = a->lvt[LVT_LINT0];
    return !(l & LVT_MASKED) && LVT_DM(l) == APIC_DM_EXTINT;
}

static void apic_kick(ApicLocal *a)
{
    if (a->cb.kick)
        a->cb.kick(a->cb.opaque);
}

static void apic_nmi(ApicLocal *a)
{
    if (a->cb.nmi)
        a->cb.nmi(a->cb.opaque);
}

/* ---- priorities (SDM §10.8.3) ----------------------------------------- */

static uint32_t apic_ppr(const ApicLocal *a)
{
    int isrv = vhighest(a->isr);
    uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xF0;
    uint32_t tpr = a->tpr & 0xFF;
    return (tpr & 0xF0) >= isr_class ? tpr : isr_class;
}

/* Arbitration priority (SDM Figure 10-15): read-only, computed. */
static uint32_t apic_apr(const ApicLocal *a)
{
    int irrv = vhighest(a->irr), isrv = vhighest(a->isr);
    uint32_t irr_class = irrv < 0 ? 0 : (uint32_t)irrv & 0xF0;
    uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xF0;
    uint32_t tpr = a->tpr & 0xFF;
    if ((tpr & 0xF0) >= irr_class && (tpr & 0xF0) > isr_class)
        return tpr;
    uint32_t m = tpr & 0xF0;
    if (irr_class > m)
        m = irr_class;
    if (isr_class > m)
        m = isr_class;
    return m;
}

/* The IRR vector the CPU would take now, or -1: its priority class must
 * be above the PPR's (SDM §10.8.3.1). */
static int apic_deliverable(const ApicLocal *a)
{
    if (!apic_hw_enabled(a))
        return -1;
    int v = vhighest(a->irr);
    if (v < 0 || ((unsigned)v & 0xF0) <= (apic_ppr(a) & 0xF0))
        return -1;
    return v;
}

/* ---- acceptance ------------------------------------------------------- */

static void apic_accept(ApicLocal *a, unsigned vector, bool level);

/* Record an error (SDM §10.5.3) and raise the error LVT interrupt. */
static void apic_error(ApicLocal *a, uint32_t bits)
{
    a->esr_pending |= bits;
    uint32_t l = a->lvt[LVT_ERROR];
    /* An illegal error vector only records the error: no recursion. */
    if (!(l & LVT_MASKED) && LVT_VECTOR(l) >= 16)
        apic_accept(a, LVT_VECTOR(l), false);
}

/* A fixed interrupt arrives: IRR, and TMR by its trigger mode (§10.8.4).
 * Vectors 0-15 are illegal (§10.5.2). */
static void apic_accept(ApicLocal *a, unsigned vector, bool level)
{
    vector &= 0xFF;
    if (!apic_hw_enabled(a))
        return;
    if (vector < 16) {
        LOG(a->log, LOG_GUEST_ERRORS, "lapic: illegal vector %u received\n", vector);
        apic_error(a, ESR_RECV_ILLEGAL);
        return;
    }
    vset(a->irr, vector);
    if (level)
        vset(a->tmr, vector);
    else
        vclear(a->tmr, vector);
    apic_kick(a);
}

/* An interrupt from an LVT entry (timer, thermal, perf, error): fixed
 * delivery, the only mode the timer and error entries have. */
static void apic_lvt_fire(ApicLocal *a, unsigned entry)
{
    uint32_t l = a->lvt[entry];
    if (l & LVT_MASKED)
        return;
    switch (entry == LVT_TIMER || entry == LVT_ERROR ? APIC_DM_FIXED : LVT_DM(l)) {
    case APIC_DM_FIXED:
        apic_accept(a, LVT_VECTOR(l), false);
        break;
    case APIC_DM_NMI:
        apic_nmi(a);
        break;
    default:
        LOG(a->log, LOG_UNIMP, "lapic: LVT entry %u delivery mode %u not emulated\n", entry, LVT_DM(l));
        break;
    }
}

void apic_deliver(ApicLocal *a, uint8_t vector, bool level_triggered, unsigned delivery_mode)
{
    if (!apic_hw_enabled(a))
        return;
    switch (delivery_mode & 7) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        /* A software-disabled APIC accepts only NMI, SMI, INIT and SIPI
         * messages (SDM §10.4.7.2). */
        if (!apic_sw_enabled(a)) {
            LOG(a->log, LOG_GUEST_ERRORS, "lapic: vector %u dropped: APIC software-disabled\n", vector);
            return;
        }
        apic_accept(a, vector, level_triggered);
        break;
    case APIC_DM_NMI:
        apic_nmi(a);
        break;
    default:
        LOG(a->log, LOG_UNIMP, "lapic: interrupt message with delivery mode %u not emulated\n", delivery_mode & 7);
        break;
    }
}

bool apic_match_dest(const ApicLocal *a, uint8_t dest, bool logical)
{
    if (dest == 0xFF)
        return true;    /* broadcast in both modes */
    if (!logical)
        return dest == (uint8_t)(a->id >> 24);
    uint8_t ldr = (uint8_t)(a->ldr >> 24);
    switch (a->dfr >> 28) {
    case 0xF:   /* flat: one bit per APIC */
        return (dest & ldr) != 0;
    case 0x0:   /* cluster: cluster number in the high nibble, a bit per APIC */
        return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0x0F) != 0;
    default:
        return false;
    }
}

/* ---- LINT0 / LINT1 ---------------------------------------------------- */

/* A level-triggered fixed LINT entry delivers while the pin is asserted
 * and its remote IRR is clear (SDM §10.5.1). */
static void apic_lint_eval_level(ApicLocal *a, int n)
{
    uint32_t l = a->lvt[LVT_LINT0 + n];
    if (!apic_sw_enabled(a) || (l & LVT_MASKED) || LVT_DM(l) != APIC_DM_FIXED || !(l & LVT_LEVEL))
        return;
    if (a->lint_level[n] && !a->lint_remote_irr[n]) {
        a->lint_remote_irr[n] = 1;
        apic_accept(a, LVT_VECTOR(l), true);
    }
}

void apic_set_lint(ApicLocal *a, int n, bool level)
{
    if (n < 0 || n > 1)
        return;
    bool rising = level && !a->lint_level[n];
    a->lint_level[n] = level;
    if (!apic_sw_enabled(a)) {
        /* Pass-through: LINT0 is INTR (the CPU polls the PIC), LINT1 NMI. */
        if (rising)
            n == 1 ? apic_nmi(a) : apic_kick(a);
        return;
    }
    uint32_t l = a->lvt[LVT_LINT0 + n];
    if (l & LVT_MASKED)
        return;
    switch (LVT_DM(l)) {
    case APIC_DM_FIXED:
        if (l & LVT_LEVEL)
            apic_lint_eval_level(a, n);
        else if (rising)
            apic_accept(a, LVT_VECTOR(l), false);
        break;
    case APIC_DM_NMI:
        if (rising)
            apic_nmi(a);
        break;
    case APIC_DM_EXTINT:
        if (rising)
            apic_kick(a);
        break;
    default:
        if (rising)
            LOG(a->log, LOG_UNIMP, "lapic: LINT%d delivery mode %u not emulated\n", n, LVT_DM(l));
        break;
    }
}

void apic_set_extint_source(ApicLocal *a, bool (*pending)(void *opaque), uint8_t (*ack)(void *opaque),
                            void *opaque)
{
    a->extint_pending = pending;
    a->extint_ack = ack;
    a->extint_opaque = opaque;
}

static bool apic_extint_pending(const ApicLocal *a)
{
    return a->extint_pending && apic_extint_routed(a) && a->extint_pending(a->extint_opaque);
}

/* ---- the CPU's side --------------------------------------------------- */

bool apic_intr_pending(void *opaque)
{
    ApicLocal *a = opaque;
    return apic_extint_pending(a) || apic_deliverable(a) >= 0;
}

/* ExtINT is not subject to the TPR (it bypasses IRR/ISR) and goes first.
 * With nothing deliverable at INTA time the APIC answers with the SVR's
 * spurious vector and touches no ISR bit (SDM §10.9); when the PIC is
 * passed through it gives its own spurious vector. */
uint8_t apic_intr_ack(void *opaque)
{
    ApicLocal *a = opaque;
    if (apic_extint_pending(a))
        return a->extint_ack(a->extint_opaque);
    int v = apic_deliverable(a);
    if (v >= 0) {
        vclear(a->irr, (unsigned)v);
        vset(a->isr, (unsigned)v);
        return (uint8_t)v;
    }
    if (!apic_sw_enabled(a) && a->extint_ack)
        return a->extint_ack(a->extint_opaque);
    return (uint8_t)(a->svr & 0xFF);
}

/* EOI: retire the highest in-service vector (SDM §10.8.5). */
static void apic_eoi(ApicLocal *a)
{
    int v = vhighest(a->isr);
    if (v < 0) {
        LOG(a->log, LOG_GUEST_ERRORS, "lapic: EOI with no interrupt in service\n");
        return;
    }
    vclear(a->isr, (unsigned)v);
    if (vtest(a->tmr, (unsigned)v)) {
        for (int n = 0; n < 2; n++) {
            uint32_t l = a->lvt[LVT_LINT0 + n];
            if (a->lint_remote_irr[n] && LVT_VECTOR(l) == (unsigned)v) {
                a->lint_remote_irr[n] = 0;
                apic_lint_eval_level(a, n);
            }
        }
        if (a->cb.eoi)
            a->cb.eoi(a->cb.opaque, (uint8_t)v);
    }
    if (apic_deliverable(a) >= 0)
        apic_kick(a);
}

/* ---- timer (SDM §10.5.4) ---------------------------------------------- */

/* Divide configuration: bits 3, 1:0; 111b is divide by 1, else 2^(n+1). */
static unsigned apic_timer_div(const ApicLocal *a)
{
    unsigned v = (a->timer_dcr & 3) | (a->timer_dcr >> 1 & 4);
    return v == 7 ? 1 : 2u << v;
}

static bool apic_timer_periodic(const ApicLocal *a)
{
    return a->lvt[LVT_TIMER] & LVT_TIMER_PERIODIC;
}

/* Counter decrements since timer_start at machine time `now`. */
static uint64_t apic_timer_decrements(const ApicLocal *a, int64_t now)
{
    if (now <= a->timer_start)
        return 0;
    /* 1 GHz bus: one bus clock per nanosecond. Unsigned: a loaded
     * snapshot may hold any start time. */
    return ((uint64_t)now - (uint64_t)a->timer_start) / apic_timer_div(a);
}

static uint32_t apic_timer_count_at(const ApicLocal *a, int64_t now)
{
    if (!a->timer_running)
        return 0;
    uint64_t d = apic_timer_decrements(a, now);
    if (d < a->timer_base)
        return (uint32_t)(a->timer_base - d);
    if (!apic_timer_periodic(a) || !a->timer_initial)
        return 0;
    return a->timer_initial - (uint32_t)((d - a->timer_base) % a->timer_initial);
}

/* Machine time of the first expiry strictly after `t`, or CLOCK_NEVER.
 * Expiries are at decrement counts base, base + initial, ... */
static int64_t apic_timer_next_expiry(const ApicLocal *a, int64_t t)
{
    if (!a->timer_running)
        return CLOCK_NEVER;
    unsigned div = apic_timer_div(a);
    __int128 first = (__int128)a->timer_start + (__int128)a->timer_base * div;
    __int128 when = first;
    if (first <= t) {
        if (!apic_timer_periodic(a) || !a->timer_initial)
            return CLOCK_NEVER;
        __int128 period = (__int128)a->timer_initial * div;
        when = first + ((t - first) / period + 1) * period;
    }
    return when >= CLOCK_NEVER ? CLOCK_NEVER : (int64_t)when;
}

static void apic_timer_arm(ApicLocal *a)
{
    int64_t now = clock_now(a->clock);
    int64_t when = apic_timer_next_expiry(a, now);
    if (when == CLOCK_NEVER) {
        timer_del(a->timer);
        if (!apic_timer_periodic(a) && a->timer_running &&
            apic_timer_decrements(a, now) >= a->timer_base)
            a->timer_running = 0;   /* a one-shot that already ran out */
    } else {
        timer_mod(a->timer, when);
    }
}

static void apic_timer_fire(void *opaque)
{
    ApicLocal *a = opaque;
    if (!a->timer_running)
        return;
    /* The mask only stops the interrupt; the count goes on (§10.5.4). */
    apic_lvt_fire(a, LVT_TIMER);
    if (!apic_timer_periodic(a)) {
        a->timer_running = 0;
        timer_del(a->timer);
        return;
    }
    apic_timer_arm(a);
}

/* Run an expiry that is due but whose timer has not fired yet, before a
 * register write changes the schedule under it. */
static void apic_timer_catch_up(ApicLocal *a)
{
    if (timer_pending(a->timer) && timer_deadline(a->timer) <= clock_now(a->clock))
        apic_timer_fire(a);
}

/* Restart the count from `now` at `count` (initial count and divide
 * writes): keeps the sub-count phase simple and deterministic. */
static void apic_timer_rebase(ApicLocal *a, int64_t now, uint32_t count)
{
    a->timer_start = now;
    a->timer_base = count;
    a->timer_running = count != 0;
    apic_timer_arm(a);
}

/* ---- ICR: interprocessor interrupts (SDM §10.6) ----------------------- */

static void apic_ipi_self(ApicLocal *a, unsigned dm, unsigned vector, uint32_t icr)
{
    switch (dm) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        /* IPIs are accepted edge-triggered; level-triggered fixed IPIs
         * are not used by xAPIC software. */
        apic_accept(a, vector, false);
        break;
    case APIC_DM_NMI:
        apic_nmi(a);
        break;
    case APIC_DM_INIT:
        if (!(icr & ICR_LEVEL_ASSERT) && (icr & ICR_TRIGGER_LEVEL))
            break;  /* INIT level de-assert: arbitration ID sync, no effect here */
        LOG(a->log, LOG_UNIMP, "lapic: INIT IPI to self not emulated\n");
        break;
    default:
        LOG(a->log, LOG_UNIMP, "lapic: IPI delivery mode %u to self not emulated\n", dm);
        break;
    }
}

static void apic_send_ipi(ApicLocal *a)
{
    uint32_t icr = a->icr_lo;
    unsigned vector = icr & 0xFF, dm = (icr >> 8) & 7;
    uint8_t dest = (uint8_t)(a->icr_hi >> 24);
    bool self, others;
    switch (ICR_SHORTHAND(icr)) {
    case SH_SELF: self = true, others = false; break;
    case SH_ALL_INCL: self = true, others = true; break;
    case SH_ALL_EXCL: self = false, others = true; break;
    default:
        self = apic_match_dest(a, dest, icr & ICR_DEST_LOGICAL);
        others = !self || dest == 0xFF;
        break;
    }
    if ((dm == APIC_DM_FIXED || dm == APIC_DM_LOWEST) && vector < 16) {
        LOG(a->log, LOG_GUEST_ERRORS, "lapic: IPI with illegal vector %u\n", vector);
        apic_error(a, ESR_SEND_ILLEGAL);
        return;
    }
    if (self)
        apic_ipi_self(a, dm, vector, icr);
    /* One CPU: messages to others reach nobody. */
    if (others && (dm == APIC_DM_INIT || dm == APIC_DM_STARTUP))
        LOG(a->log, LOG_UNIMP, "lapic: %s IPI to other processors ignored (one CPU)\n",
            dm == APIC_DM_INIT ? "INIT" : "STARTUP");
}

/* ---- register page ---------------------------------------------------- */

static bool apic_access_ok(ApicLocal *a, uint64_t off, unsigned size, const char *what)
{
    /* SDM §10.4.1: registers are 128-bit aligned and accessed as 32-bit
     * loads and stores; other accesses are undefined. */
    if (size != 4 || (off & 0xF)) {
        LOG(a->log, LOG_GUEST_ERRORS, "lapic: %s of %u bytes at offset 0x%03" PRIx64 " ignored\n", what, size, off);
        return false;
    }
    if (!apic_hw_enabled(a)) {
        LOG(a->log, LOG_GUEST_ERRORS, "lapic: %s at offset 0x%03" PRIx64 " while the APIC is disabled\n", what,
            off);
        return false;
    }
    return true;
}

static void apic_illegal_register(ApicLocal *a, uint64_t off, const char *what)
{
    LOG(a->log, LOG_GUEST_ERRORS, "lapic: %s of reserved register 0x%03" PRIx64 "\n", what, off);
    apic_error(a, ESR_ILLEGAL_REG);
}

static uint64_t apic_mmio_read(void *opaque, uint64_t off, unsigned size)
{
    ApicLocal *a = opaque;
    if (!apic_access_ok(a, off, size, "read"))
        return apic_hw_enabled(a) ? 0 : 0xFFFFFFFFu;
    if (off >= APIC_REG_ISR && off < APIC_REG_ESR) {
        unsigned w = (unsigned)(off >> 4) & 7;
        const uint8_t *set = off < APIC_REG_TMR ? a->isr : off < APIC_REG_IRR ? a->tmr : a->irr;
        return vword(set, w);
    }
    if (off >= APIC_REG_LVT && off < APIC_REG_TIMER_INIT) {
        unsigned i = (unsigned)(off - APIC_REG_LVT) >> 4;
        uint32_t v = a->lvt[i];
        if ((i == LVT_LINT0 || i == LVT_LINT1) && a->lint_remote_irr[i - LVT_LINT0])
            v |= LVT_REMOTE_IRR;
        return v;   /* delivery status (bit 12) is always idle */
    }
    switch (off) {
    case APIC_REG_ID: return a->id;
    case APIC_REG_VERSION: return APIC_VERSION;
    case APIC_REG_TPR: return a->tpr;
    case APIC_REG_APR: return apic_apr(a);
    case APIC_REG_PPR: return apic_ppr(a);
    case APIC_REG_EOI: return 0;    /* write-only */
    case APIC_REG_RRD: return 0;    /* remote read is not offered */
    case APIC_REG_LDR: return a->ldr;
    case APIC_REG_DFR: return a->dfr;
    case APIC_REG_SVR: return a->svr;
    case APIC_REG_ESR: return a->esr;
    case APIC_REG_ICR_LO: return a->icr_lo;    /* delivery status idle */
    case APIC_REG_ICR_HI: return a->icr_hi;
    case APIC_REG_TIMER_INIT: return a->timer_initial;
    case APIC_REG_TIMER_CUR: return apic_timer_count_at(a, clock_now(a->clock));
    case APIC_REG_TIMER_DCR: return a->timer_dcr;
    default:
        apic_illegal_register(a, off, "read");
        return 0;
    }
}

static void apic_write_svr(ApicLocal *a, uint32_t val)
{
    a->svr = val & SVR_WRITABLE;
    if (!(a->svr & SVR_ENABLE)) {
        /* Software disable sets every LVT mask bit (SDM §10.4.7.2). */
        for (int i = 0; i < LVT_COUNT; i++)
            a->lvt[i] |= LVT_MASKED;
    } else {
        apic_lint_eval_level(a, 0);
        apic_lint_eval_level(a, 1);
    }
    apic_kick(a);   /* the route of PIC interrupts may have changed */
}

static void apic_write_lvt(ApicLocal *a, unsigned i, uint32_t val)
{
    if (i == LVT_TIMER)
        apic_timer_catch_up(a);
    uint32_t v = val & lvt_writable[i];
    if (!apic_sw_enabled(a))
        v |= LVT_MASKED;    /* cannot be unmasked while software-disabled */
    a->lvt[i] = v;
    if (i == LVT_TIMER) {
        apic_timer_arm(a);
    } else if (i == LVT_LINT0 || i == LVT_LINT1) {
        if (LVT_DM(v) != APIC_DM_FIXED || !(v & LVT_LEVEL))
            a->lint_remote_irr[i - LVT_LINT0] = 0;
        apic_lint_eval_level(a, (int)(i - LVT_LINT0));
        if (i == LVT_LINT0)
            apic_kick(a);   /* ExtINT routing may have changed */
    }
}

static void apic_mmio_write(void *opaque, uint64_t off, uint64_t val64, unsigned size)
{
    ApicLocal *a = opaque;
    if (!apic_access_ok(a, off, size, "write"))
        return;
    uint32_t val = (uint32_t)val64;
    if (off >= APIC_REG_LVT && off < APIC_REG_TIMER_INIT) {
        apic_write_lvt(a, (unsigned)(off - APIC_REG_LVT) >> 4, val);
        return;
    }
    if (off >= APIC_REG_ISR && off < APIC_REG_ESR) {
        LOG(a->log, LOG_GUEST_ERRORS, "lapic: write to read-only ISR/TMR/IRR 0x%03" PRIx64 " ignored\n", off);
        return;
    }
    switch (off) {
    case APIC_REG_ID:
        a->id = val & 0xFF000000u;
        break;
    case APIC_REG_TPR:
        a->tpr = val & 0xFF;
        if (apic_deliverable(a) >= 0)
            apic_kick(a);
        break;
    case APIC_REG_EOI:
        apic_eoi(a);
        break;
    case APIC_REG_LDR:
        a->ldr = val & 0xFF000000u;
        break;
    case APIC_REG_DFR:
        a->dfr = val | 0x0FFFFFFFu;
        break;
    case APIC_REG_SVR:
        apic_write_svr(a, val);
        break;
    case APIC_REG_ESR:
        /* Write-to-update: the errors since the last write become visible. */
        a->esr = a->esr_pending;
        a->esr_pending = 0;
        break;
    case APIC_REG_ICR_LO:
        a->icr_lo = val & ICR_LO_WRITABLE;
        apic_send_ipi(a);
        break;
    case APIC_REG_ICR_HI:
        a->icr_hi = val & 0xFF000000u;
        break;
    case APIC_REG_TIMER_INIT:
        apic_timer_catch_up(a);
        a->timer_initial = val;
        apic_timer_rebase(a, clock_now(a->clock), val);
        break;
    case APIC_REG_TIMER_DCR: {
        apic_timer_catch_up(a);
        int64_t now = clock_now(a->clock);
        bool running = a->timer_running;
        uint32_t cur = apic_timer_count_at(a, now);
        a->timer_dcr = val & 0xB;
        if (running)
            apic_timer_rebase(a, now, cur);
        break;
    }
    case APIC_REG_VERSION:
    case APIC_REG_APR:
    case APIC_REG_PPR:
    case APIC_REG_RRD:
    case APIC_REG_TIMER_CUR:
        LOG(a->log, LOG_GUEST_ERRORS, "lapic: write to read-only register 0x%03" PRIx64 " ignored\n", off);
        break;
    default:
        apic_illegal_register(a, off, "write");
        break;
    }
}

const IoOps apic_mmio_ops = {
    .read = apic_mmio_read,
    .write = apic_mmio_write,
    .min_access = 1,    /* see every access, to refuse the non-dword ones */
    .max_access = 4,
};

/* ---- APIC base MSR and the register page's place ---------------------- */

static void apic_remap(ApicLocal *a)
{
    if (!a->mem)
        return;
    uint64_t want = a->base_msr & APIC_BASE_ADDR_MASK;
    if (a->mapped && a->mapped_base == want)
        return;
    uint64_t old = a->mapped_base;
    bool was = a->mapped;
    if (was)
        as_unmap(a->mem, old);
    a->mapped = false;
    Error e = {0};
    if (as_map_io(a->mem, want, APIC_MMIO_SIZE, &apic_mmio_ops, a, "lapic", &e)) {
        a->mapped = true;
        a->mapped_base = want;
        return;
    }
    /* The registry refuses overlaps (RAM, another device): keep the old place. */
    LOG(a->log, LOG_UNIMP | LOG_GUEST_ERRORS, "lapic: cannot move the register page to 0x%" PRIx64 ": %s\n",
        want, e.msg);
    if (was && as_map_io(a->mem, old, APIC_MMIO_SIZE, &apic_mmio_ops, a, "lapic", &e)) {
        a->mapped = true;
        a->mapped_base = old;
    }
}

uint64_t apic_get_base(const ApicLocal *a)
{
    return a->base_msr;
}

/* Registers to their power-up values (SDM §10.4.7.1); base MSR untouched. */
static void apic_reset_registers(ApicLocal *a)
{
    a->id = (uint32_t)a->hw_id << 24;
    a->tpr = 0;
    a->ldr = 0;
    a->dfr = 0xFFFFFFFFu;
    a->svr = 0xFF;
    a->esr = 0;
    a->esr_pending = 0;
    a->icr_lo = 0;
    a->icr_hi = 0;
    for (int i = 0; i < LVT_COUNT; i++)
        a->lvt[i] = LVT_MASKED;
    a->timer_initial = 0;
    a->timer_dcr = 0;
    a->timer_running = 0;
    a->timer_start = 0;
    a->timer_base = 0;
    memset(a->irr, 0, sizeof(a->irr));
    memset(a->isr, 0, sizeof(a->isr));
    memset(a->tmr, 0, sizeof(a->tmr));
    memset(a->lint_remote_irr, 0, sizeof(a->lint_remote_irr));
    timer_del(a->timer);
}

bool apic_set_base(ApicLocal *a, uint64_t value)
{
    if (value & APIC_BASE_RESERVED)
        return false;
    bool was_enabled = apic_hw_enabled(a);
    a->base_msr = (value & ~(uint64_t)APIC_BASE_BSP) | (a->base_msr & APIC_BASE_BSP);
    /* Clearing the global enable returns the APIC to its power-up state
     * (SDM §10.4.3); as on the Pentium 4 it may be enabled again, then
     * software-disabled. P6 processors need a RESET to re-enable. */
    if (was_enabled && !apic_hw_enabled(a)) {
        apic_reset_registers(a);
        apic_kick(a);
    }
    apic_remap(a);
    return true;
}

/* ---- life cycle ------------------------------------------------------- */

void apic_reset(ApicLocal *a)
{
    a->base_msr = APIC_DEFAULT_BASE | APIC_BASE_ENABLE | (a->bsp ? APIC_BASE_BSP : 0);
    apic_reset_registers(a);
    apic_remap(a);
}

void apic_post_load(ApicLocal *a)
{
    apic_remap(a);
    apic_kick(a);
}

static void apic_device_reset(void *opaque)
{
    apic_reset(opaque);
}

static void apic_device_free(void *opaque)
{
    apic_free(opaque);
}

ApicLocal *apic_new(Clock *clock, uint8_t id, bool bsp, AddressSpace *mem, ApicCallbacks cb, Log *log,
                    Error *err)
{
    ApicLocal *a = calloc(1, sizeof(*a));
    if (!a)
        abort();
    a->clock = clock;
    a->log = log;
    a->cb = cb;
    a->hw_id = id;
    a->bsp = bsp;
    a->timer = timer_new(clock, apic_timer_fire, a);
    a->dev = (Device){
        .name = "lapic",
        .reset = apic_device_reset,
        .fields = apic_fields,
        .state = a,
        .opaque = a,
        .free = apic_device_free,
    };
    apic_reset(a);
    if (mem) {
        a->mem = mem;
        if (!as_map_io(mem, APIC_DEFAULT_BASE, APIC_MMIO_SIZE, &apic_mmio_ops, a, "lapic", err)) {
            a->mem = NULL;
            apic_free(a);
            return NULL;
        }
        a->mapped = true;
        a->mapped_base = APIC_DEFAULT_BASE;
    }
    return a;
}

void apic_free(ApicLocal *a)
{
    if (!a)
        return;
    if (a->mem && a->mapped)
        as_unmap(a->mem, a->mapped_base);
    timer_free(a->timer);
    free(a);
}

Device *apic_device(ApicLocal *a)
{
    return &a->dev;
}
