/* The local APIC and the 82093AA I/O APIC, driven through their IoOps and
 * entry points with a deterministic clock, spies for kick/NMI/EOI and a
 * fake 8259: reset values, software enable, TPR/PPR, IRR/ISR/EOI ordering,
 * the timer in one-shot and periodic modes at several divides, LINT0
 * ExtINT and LINT1 NMI, self-IPIs, the base MSR, I/O APIC registers, edge
 * and level delivery with remote IRR, and save/load round trips. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/state.h"
#include "devices/apic_local.h"
#include "devices/ioapic.h"

enum {
    ID = 0x20, VER = 0x30, TPR = 0x80, APR = 0x90, PPR = 0xA0, EOI = 0xB0, LDR = 0xD0, DFR = 0xE0,
    SVR = 0xF0, ISR0 = 0x100, TMR0 = 0x180, IRR0 = 0x200, ESR = 0x280, ICR_LO = 0x300,
    ICR_HI = 0x310, LVT_TIMER = 0x320, LVT_THERMAL = 0x330, LVT_PERF = 0x340, LVT_LINT0 = 0x350,
    LVT_LINT1 = 0x360, LVT_ERROR = 0x370, TIMER_INIT = 0x380, TIMER_CUR = 0x390, TIMER_DCR = 0x3E0,
};
#define MASKED   0x10000u
#define PERIODIC 0x20000u
#define NONE     (-1)

typedef struct Spy {
    int kicks, nmis, eois;
    uint8_t eoi_vec[16];
} Spy;

typedef struct FakePic {
    bool pending;
    uint8_t vector;
    int acks;
} FakePic;

static Clock clk;
static Spy spy;
static FakePic fpic;
static ApicLocal *apic;

static void spy_kick(void *opaque) { ((Spy *)opaque)->kicks++; }
static void spy_nmi(void *opaque) { ((Spy *)opaque)->nmis++; }
static void spy_eoi(void *opaque, uint8_t v)
{
    Spy *s = opaque;
    if (s->eois < 16)
        s->eoi_vec[s->eois] = v;
    s->eois++;
}

static bool fpic_pending(void *opaque) { return ((FakePic *)opaque)->pending; }
static uint8_t fpic_ack(void *opaque)
{
    FakePic *p = opaque;
    p->acks++;
    uint8_t v = p->pending ? p->vector : 0x0F;     /* "IR7" spurious */
    p->pending = false;
    return v;
}

static ApicCallbacks spy_callbacks(void)
{
    return (ApicCallbacks){spy_kick, spy_nmi, spy_eoi, &spy};
}

static void setup(void)
{
    clock_init_deterministic(&clk, 0);
    memset(&spy, 0, sizeof(spy));
    memset(&fpic, 0, sizeof(fpic));
    Error err = {0};
    apic = apic_new(&clk, 0, true, NULL, spy_callbacks(), NULL, &err);
    cr_assert_not_null(apic);
    apic_set_extint_source(apic, fpic_pending, fpic_ack, &fpic);
}

static void teardown(void)
{
    apic_free(apic);
    clock_destroy(&clk);
}

TestSuite(apic, .init = setup, .fini = teardown);

static uint32_t rd(unsigned off) { return (uint32_t)apic_mmio_ops.read(apic, off, 4); }
static void wr(unsigned off, uint32_t v) { apic_mmio_ops.write(apic, off, v, 4); }

static void goto_ns(int64_t t)
{
    clock_run_until(&clk, t);
}

static void enable(void)
{
    wr(SVR, 0x1FF);
}

/* What the CPU would take now, or NONE. */
static int take(void)
{
    return apic_intr_pending(apic) ? apic_intr_ack(apic) : NONE;
}

static bool bit_in(unsigned base, unsigned v)
{
    return rd(base + 0x10 * (v / 32)) >> (v % 32) & 1;
}

/* ---- local APIC: registers -------------------------------------------- */

Test(apic, reset_values)
{
    cr_assert_eq(rd(ID), 0);
    cr_assert_eq(rd(VER), 0x00050014, "version 0x14, max LVT entry 5");
    cr_assert_eq(rd(TPR), 0);
    cr_assert_eq(rd(APR), 0);
    cr_assert_eq(rd(PPR), 0);
    cr_assert_eq(rd(LDR), 0);
    cr_assert_eq(rd(DFR), 0xFFFFFFFF);
    cr_assert_eq(rd(SVR), 0xFF);
    for (unsigned r = LVT_TIMER; r <= LVT_ERROR; r += 0x10)
        cr_assert_eq(rd(r), MASKED, "LVT 0x%x", r);
    for (unsigned w = 0; w < 8; w++) {
        cr_assert_eq(rd(ISR0 + 0x10 * w), 0);
        cr_assert_eq(rd(TMR0 + 0x10 * w), 0);
        cr_assert_eq(rd(IRR0 + 0x10 * w), 0);
    }
    cr_assert_eq(rd(ESR), 0);
    cr_assert_eq(rd(ICR_LO), 0);
    cr_assert_eq(rd(ICR_HI), 0);
    cr_assert_eq(rd(TIMER_INIT), 0);
    cr_assert_eq(rd(TIMER_CUR), 0);
    cr_assert_eq(rd(TIMER_DCR), 0);
    cr_assert_eq(apic_get_base(apic), 0xFEE00900, "base, enable, BSP");

    Error err = {0};
    ApicLocal *ap = apic_new(&clk, 3, false, NULL, spy_callbacks(), NULL, &err);
    cr_assert_eq(apic_mmio_ops.read(ap, ID, 4), 0x03000000);
    cr_assert_eq(apic_get_base(ap), 0xFEE00800, "an AP has no BSP flag");
    apic_free(ap);
}

Test(apic, writable_bits)
{
    enable();
    wr(ID, 0xFFFFFFFF);
    cr_assert_eq(rd(ID), 0xFF000000);
    wr(ID, 0);
    wr(TPR, 0xFFFFFFFF);
    cr_assert_eq(rd(TPR), 0xFF);
    wr(LDR, 0xFFFFFFFF);
    cr_assert_eq(rd(LDR), 0xFF000000);
    wr(DFR, 0);
    cr_assert_eq(rd(DFR), 0x0FFFFFFF, "cluster model, reserved bits read 1");
    wr(SVR, 0xFFFFFFFF);
    cr_assert_eq(rd(SVR), 0x3FF, "no EOI-broadcast suppression");
    wr(LVT_TIMER, 0xFFFFFFFF);
    cr_assert_eq(rd(LVT_TIMER), 0x300FF, "no TSC-deadline mode");
    wr(LVT_TIMER, MASKED);
    wr(LVT_LINT0, 0xFFFFFFFF);
    cr_assert_eq(rd(LVT_LINT0), 0x1A7FF, "remote IRR and status read-only");
    wr(LVT_ERROR, 0xFFFFFFFF);
    cr_assert_eq(rd(LVT_ERROR), 0x100FF);
    wr(LVT_THERMAL, 0xFFFFFFFF);
    cr_assert_eq(rd(LVT_THERMAL), 0x107FF);
    wr(TIMER_DCR, 0xFFFFFFFF);
    cr_assert_eq(rd(TIMER_DCR), 0xB);
    wr(VER, 0);
    cr_assert_eq(rd(VER), 0x00050014, "read-only");
}

Test(apic, svr_software_enable)
{
    wr(LVT_TIMER, 0x40);
    cr_assert_eq(rd(LVT_TIMER), MASKED | 0x40, "masks stick while software-disabled");
    enable();
    cr_assert_eq(rd(SVR), 0x1FF);
    wr(LVT_TIMER, 0x40);
    cr_assert_eq(rd(LVT_TIMER), 0x40);
    wr(LVT_LINT1, 0x400);
    wr(SVR, 0xFF);
    cr_assert_eq(rd(LVT_TIMER), MASKED | 0x40, "software disable masks every entry");
    cr_assert_eq(rd(LVT_LINT1), MASKED | 0x400);
    /* Fixed interrupts are not accepted while software-disabled. */
    apic_deliver(apic, 0x50, false, APIC_DM_FIXED);
    cr_assert_not(bit_in(IRR0, 0x50));
}

Test(apic, bad_accesses_are_ignored)
{
    enable();
    wr(TPR, 0x20);
    cr_assert_eq(apic_mmio_ops.read(apic, TPR, 1), 0, "byte read");
    apic_mmio_ops.write(apic, TPR, 0x70, 1);
    apic_mmio_ops.write(apic, TPR + 4, 0x70, 4);
    apic_mmio_ops.write(apic, TPR, 0x70, 2);
    cr_assert_eq(rd(TPR), 0x20);
    cr_assert_eq(apic_mmio_ops.read(apic, TPR + 8, 4), 0, "unaligned offset");
    /* A reserved register: illegal register address in the ESR. */
    wr(0x40, 1);
    cr_assert_eq(rd(ESR), 0, "not visible before the ESR write");
    wr(ESR, 0);
    cr_assert_eq(rd(ESR), 0x80);
    wr(ESR, 0);
    cr_assert_eq(rd(ESR), 0, "cleared by the next write");
    (void)rd(0x2F0);    /* CMCI: not offered */
    wr(ESR, 0);
    cr_assert_eq(rd(ESR), 0x80);
}

/* ---- priorities ------------------------------------------------------- */

Test(apic, tpr_masks_by_priority_class)
{
    enable();
    apic_deliver(apic, 0x45, false, APIC_DM_FIXED);
    cr_assert(bit_in(IRR0, 0x45));
    wr(TPR, 0x50);
    cr_assert_eq(rd(PPR), 0x50);
    cr_assert_not(apic_intr_pending(apic));
    wr(TPR, 0x40);
    cr_assert_not(apic_intr_pending(apic), "same class is not above the PPR");
    int kicks = spy.kicks;
    wr(TPR, 0x3F);
    cr_assert_gt(spy.kicks, kicks, "lowering the TPR announces the interrupt");
    cr_assert_eq(rd(APR), 0x40, "APR: the IRR class beats the TPR");
    cr_assert_eq(take(), 0x45);
    cr_assert_eq(rd(PPR), 0x40, "ISR class above TPR class");
    wr(TPR, 0x90);
    cr_assert_eq(rd(PPR), 0x90);
}

Test(apic, nested_priorities_and_eoi_order)
{
    enable();
    apic_deliver(apic, 0x30, false, APIC_DM_FIXED);
    cr_assert_eq(take(), 0x30);
    cr_assert(bit_in(ISR0, 0x30));
    cr_assert_not(bit_in(IRR0, 0x30));
    apic_deliver(apic, 0x31, false, APIC_DM_FIXED);
    cr_assert_not(apic_intr_pending(apic), "same class as the one in service");
    apic_deliver(apic, 0x60, false, APIC_DM_FIXED);
    apic_deliver(apic, 0x52, false, APIC_DM_FIXED);
    cr_assert_eq(take(), 0x60, "highest first, nests above 0x30");
    cr_assert_eq(rd(PPR), 0x60);
    cr_assert_not(apic_intr_pending(apic), "0x52 waits for the EOI of 0x60");
    wr(EOI, 0);
    cr_assert_not(bit_in(ISR0, 0x60));
    cr_assert(bit_in(ISR0, 0x30));
    cr_assert_eq(take(), 0x52);
    wr(EOI, 0);
    cr_assert_not(apic_intr_pending(apic));
    wr(EOI, 0);
    cr_assert_eq(rd(ISR0 + 0x10), 0);
    cr_assert_eq(take(), 0x31);
    wr(EOI, 0);
    cr_assert_eq(rd(PPR), 0);
    wr(EOI, 0);     /* nothing in service: ignored */
    cr_assert_eq(spy.eois, 0, "edge-triggered vectors do not reach the I/O APIC");
}

Test(apic, level_triggered_eoi_notifies)
{
    enable();
    apic_deliver(apic, 0x71, true, APIC_DM_FIXED);
    cr_assert(bit_in(TMR0, 0x71));
    cr_assert_eq(take(), 0x71);
    wr(EOI, 0);
    cr_assert_eq(spy.eois, 1);
    cr_assert_eq(spy.eoi_vec[0], 0x71);
    apic_deliver(apic, 0x71, false, APIC_DM_FIXED);
    cr_assert_not(bit_in(TMR0, 0x71), "edge acceptance clears TMR");
}

Test(apic, spurious_vector_with_nothing_pending)
{
    wr(SVR, 0x1EF);
    cr_assert_not(apic_intr_pending(apic));
    cr_assert_eq(apic_intr_ack(apic), 0xEF);
    for (unsigned w = 0; w < 8; w++)
        cr_assert_eq(rd(ISR0 + 0x10 * w), 0);
    /* Masked by the TPR between INTR and INTA: spurious too. */
    apic_deliver(apic, 0x40, false, APIC_DM_FIXED);
    cr_assert(apic_intr_pending(apic));
    wr(TPR, 0xF0);
    cr_assert_eq(apic_intr_ack(apic), 0xEF);
    cr_assert(bit_in(IRR0, 0x40));
    cr_assert_eq(fpic.acks, 0);
}

Test(apic, illegal_vectors)
{
    enable();
    apic_deliver(apic, 0x05, false, APIC_DM_FIXED);
    cr_assert_eq(rd(IRR0), 0);
    wr(ESR, 0);
    cr_assert_eq(rd(ESR), 0x40, "received illegal vector");
    wr(LVT_ERROR, 0xE3);
    wr(ICR_LO, 0x40000 | 0x03);
    wr(ESR, 0);
    cr_assert_eq(rd(ESR), 0x20, "send illegal vector");
    cr_assert_eq(take(), 0xE3, "error LVT interrupt");
}

/* ---- timer ------------------------------------------------------------ */

static const struct { uint32_t dcr; unsigned div; } divides[] = {
    {0xB, 1}, {0x0, 2}, {0x1, 4}, {0x2, 8}, {0x3, 16}, {0x8, 32}, {0x9, 64}, {0xA, 128},
};

Test(apic, timer_one_shot_all_divides)
{
    enable();
    for (size_t i = 0; i < sizeof(divides) / sizeof(divides[0]); i++) {
        unsigned div = divides[i].div;
        int64_t t0 = clock_now(&clk);
        wr(TIMER_DCR, divides[i].dcr);
        wr(LVT_TIMER, 0x40);
        wr(TIMER_INIT, 1000);
        cr_assert_eq(rd(TIMER_CUR), 1000);
        goto_ns(t0 + div - 1);
        cr_assert_eq(rd(TIMER_CUR), 1000, "div %u: first decrement after %u bus clocks", div, div);
        goto_ns(t0 + div);
        cr_assert_eq(rd(TIMER_CUR), 999);
        goto_ns(t0 + 250 * div + div / 2);
        cr_assert_eq(rd(TIMER_CUR), 750);
        goto_ns(t0 + 1000 * div - 1);
        cr_assert_eq(rd(TIMER_CUR), 1);
        cr_assert_not(apic_intr_pending(apic), "div %u: not before expiry", div);
        goto_ns(t0 + 1000 * div);
        cr_assert_eq(rd(TIMER_CUR), 0);
        cr_assert_eq(take(), 0x40, "div %u: at expiry", div);
        wr(EOI, 0);
        goto_ns(t0 + 5000 * div);
        cr_assert_eq(take(), NONE, "one shot");
        cr_assert_eq(rd(TIMER_CUR), 0);
        cr_assert_eq(rd(TIMER_INIT), 1000);
    }
}

Test(apic, timer_periodic)
{
    enable();
    const unsigned divs[] = {1, 4, 16, 128};
    const uint32_t dcrs[] = {0xB, 0x1, 0x3, 0xA};
    for (int k = 0; k < 4; k++) {
        unsigned div = divs[k];
        int64_t t0 = clock_now(&clk);
        wr(TIMER_DCR, dcrs[k]);
        wr(LVT_TIMER, PERIODIC | 0x41);
        wr(TIMER_INIT, 100);
        for (int n = 1; n <= 5; n++) {
            int64_t exp = t0 + (int64_t)n * 100 * div;
            goto_ns(exp - 1);
            cr_assert_eq(rd(TIMER_CUR), 1);
            cr_assert_eq(take(), NONE, "div %u period %d: not early", div, n);
            goto_ns(exp);
            cr_assert_eq(rd(TIMER_CUR), 100, "reloaded");
            cr_assert_eq(take(), 0x41, "div %u period %d", div, n);
            wr(EOI, 0);
        }
        goto_ns(t0 + 512 * div);
        cr_assert_eq(rd(TIMER_CUR), 88);
        wr(TIMER_INIT, 0);      /* stops the timer */
        cr_assert_eq(rd(TIMER_CUR), 0);
        goto_ns(clock_now(&clk) + 1000 * div);
        cr_assert_eq(take(), NONE);
    }
}

Test(apic, timer_masked_still_counts)
{
    enable();
    wr(TIMER_DCR, 0xB);
    wr(LVT_TIMER, MASKED | PERIODIC | 0x42);
    wr(TIMER_INIT, 50);
    goto_ns(120);
    cr_assert_eq(rd(TIMER_CUR), 30);
    cr_assert_eq(take(), NONE);
    wr(LVT_TIMER, PERIODIC | 0x42);
    goto_ns(149);
    cr_assert_eq(take(), NONE);
    goto_ns(150);
    cr_assert_eq(take(), 0x42);
}

Test(apic, timer_late_periodic_coalesces)
{
    enable();
    wr(TIMER_DCR, 0xB);
    wr(LVT_TIMER, PERIODIC | 0x43);
    wr(TIMER_INIT, 10);
    clock_warp_to(&clk, 1000005);
    cr_assert_eq(clock_run_timers(&clk), 1, "one interrupt for many periods");
    cr_assert_eq(take(), 0x43);
    cr_assert_eq(clock_next_deadline(&clk), 1000010);
    cr_assert_eq(rd(TIMER_CUR), 5);
}

Test(apic, timer_divide_change_mid_count)
{
    enable();
    wr(TIMER_DCR, 0xB);     /* 1 */
    wr(LVT_TIMER, 0x44);
    wr(TIMER_INIT, 1000);
    goto_ns(400);
    cr_assert_eq(rd(TIMER_CUR), 600);
    wr(TIMER_DCR, 0x1);     /* 4: 600 left, 2400 ns */
    cr_assert_eq(rd(TIMER_CUR), 600);
    goto_ns(800);
    cr_assert_eq(rd(TIMER_CUR), 500);
    goto_ns(2799);
    cr_assert_eq(take(), NONE);
    goto_ns(2800);
    cr_assert_eq(take(), 0x44);
}

Test(apic, timer_one_shot_to_periodic_and_rewrite)
{
    enable();
    wr(TIMER_DCR, 0xB);
    wr(LVT_TIMER, 0x45);
    wr(TIMER_INIT, 100);
    goto_ns(50);
    wr(TIMER_INIT, 100);    /* re-writing restarts the count */
    goto_ns(149);
    cr_assert_eq(take(), NONE);
    goto_ns(150);
    cr_assert_eq(take(), 0x45);
    wr(EOI, 0);
    wr(LVT_TIMER, PERIODIC | 0x45);
    goto_ns(1000);
    cr_assert_eq(take(), NONE, "an expired one-shot does not restart");
}

/* ---- LINT0 / LINT1 and the PIC ---------------------------------------- */

Test(apic, extint_passthrough_while_software_disabled)
{
    fpic.pending = true;
    fpic.vector = 0x08;
    cr_assert(apic_intr_pending(apic), "reset state: the PIC reaches the CPU");
    cr_assert_eq(apic_intr_ack(apic), 0x08);
    cr_assert_eq(fpic.acks, 1);
    cr_assert_not(apic_intr_pending(apic));
    cr_assert_eq(apic_intr_ack(apic), 0x0F, "the PIC's own spurious vector");
    int kicks = spy.kicks;
    apic_set_lint(apic, 0, true);
    cr_assert_gt(spy.kicks, kicks, "INTR rising edge kicks the CPU");
}

Test(apic, extint_when_lint0_programmed)
{
    enable();
    fpic.pending = true;
    fpic.vector = 0x20;
    cr_assert_not(apic_intr_pending(apic), "enabled, LINT0 masked: the PIC is cut off");
    wr(LVT_LINT0, 0x700);
    cr_assert(apic_intr_pending(apic), "virtual wire");
    wr(TPR, 0xFF);
    cr_assert(apic_intr_pending(apic), "ExtINT ignores the TPR");
    cr_assert_eq(apic_intr_ack(apic), 0x20);
    cr_assert_eq(rd(ISR0 + 0x10), 0, "no ISR bit for ExtINT");
    wr(TPR, 0);
    /* An APIC vector and a PIC request: ExtINT goes first. */
    apic_deliver(apic, 0x90, false, APIC_DM_FIXED);
    fpic.pending = true;
    cr_assert_eq(take(), 0x20);
    cr_assert_eq(take(), 0x90);
    wr(EOI, 0);
    wr(LVT_LINT0, MASKED | 0x700);
    fpic.pending = true;
    cr_assert_not(apic_intr_pending(apic));
    cr_assert_eq(apic_intr_ack(apic), 0xFF, "APIC spurious, the PIC is not asked");
    cr_assert_eq(fpic.acks, 2);
}

Test(apic, extint_when_hardware_disabled)
{
    enable();
    wr(LVT_LINT0, MASKED);
    fpic.pending = true;
    fpic.vector = 0x09;
    cr_assert_not(apic_intr_pending(apic));
    cr_assert(apic_set_base(apic, 0xFEE00000));
    cr_assert_eq(apic_get_base(apic), 0xFEE00100, "BSP flag kept, enable clear");
    cr_assert(apic_intr_pending(apic));
    cr_assert_eq(apic_intr_ack(apic), 0x09);
    cr_assert_eq(rd(SVR), 0xFFFFFFFF, "register page gone while disabled");
    cr_assert(apic_set_base(apic, 0xFEE00800));
    cr_assert_eq(rd(SVR), 0xFF, "re-enabled in the reset state");
    cr_assert_eq(rd(LVT_LINT0), MASKED);
}

Test(apic, nmi_on_lint1)
{
    apic_set_lint(apic, 1, true);
    cr_assert_eq(spy.nmis, 1, "software-disabled: LINT1 is the NMI pin");
    apic_set_lint(apic, 1, true);
    cr_assert_eq(spy.nmis, 1, "edge");
    apic_set_lint(apic, 1, false);
    enable();
    apic_set_lint(apic, 1, true);
    cr_assert_eq(spy.nmis, 1, "enabled, LINT1 masked");
    apic_set_lint(apic, 1, false);
    wr(LVT_LINT1, 0x400);
    apic_set_lint(apic, 1, true);
    cr_assert_eq(spy.nmis, 2);
    apic_set_lint(apic, 1, false);
    apic_set_lint(apic, 1, true);
    cr_assert_eq(spy.nmis, 3);
    cr_assert_not(apic_intr_pending(apic), "NMI does not use the IRR");
}

Test(apic, lint0_fixed_level_and_edge)
{
    enable();
    wr(LVT_LINT0, 0x8000 | 0x61);   /* fixed, level */
    apic_set_lint(apic, 0, true);
    cr_assert(rd(LVT_LINT0) & 0x4000, "remote IRR");
    cr_assert_eq(take(), 0x61);
    cr_assert_eq(take(), NONE);
    wr(EOI, 0);
    cr_assert_eq(take(), 0x61, "still asserted after EOI: again");
    apic_set_lint(apic, 0, false);
    wr(EOI, 0);
    cr_assert_eq(take(), NONE);
    cr_assert_not(rd(LVT_LINT0) & 0x4000);
    cr_assert_eq(spy.eois, 2, "level EOIs are broadcast too");
    wr(LVT_LINT0, 0x62);            /* fixed, edge */
    apic_set_lint(apic, 0, true);
    apic_set_lint(apic, 0, true);
    cr_assert_eq(take(), 0x62);
    wr(EOI, 0);
    cr_assert_eq(take(), NONE);
}

/* ---- ICR -------------------------------------------------------------- */

Test(apic, self_ipi)
{
    enable();
    wr(ICR_LO, 0x40000 | 0x55);     /* shorthand self, fixed */
    cr_assert_eq(rd(ICR_LO) & 0x1000, 0, "delivery status idle");
    cr_assert_eq(take(), 0x55);
    wr(EOI, 0);
    wr(ICR_HI, 0x00000000);
    wr(ICR_LO, 0x56);               /* physical destination 0 = us */
    cr_assert_eq(take(), 0x56);
    wr(EOI, 0);
    wr(ICR_HI, 0x05000000);
    wr(ICR_LO, 0x57);               /* another CPU: nobody */
    cr_assert_eq(take(), NONE);
    wr(ICR_LO, 0xC0000 | 0x58);     /* all excluding self */
    cr_assert_eq(take(), NONE);
    wr(ICR_LO, 0x80000 | 0x59);     /* all including self */
    cr_assert_eq(take(), 0x59);
    wr(EOI, 0);
    wr(ICR_LO, 0x40000 | 0x400);    /* NMI to self */
    cr_assert_eq(spy.nmis, 1);
    wr(ICR_LO, 0xC4500);            /* INIT to the others: ignored */
    wr(ICR_LO, 0xC4608);            /* SIPI to the others: ignored */
    cr_assert_eq(take(), NONE);
    /* Logical flat destination. */
    wr(LDR, 0x04000000);
    wr(ICR_HI, 0x0C000000);
    wr(ICR_LO, 0x800 | 0x5A);
    cr_assert_eq(take(), 0x5A);
    wr(EOI, 0);
}

Test(apic, destination_matching)
{
    wr(ID, 0x02000000);
    cr_assert(apic_match_dest(apic, 2, false));
    cr_assert(apic_match_dest(apic, 0xFF, false));
    cr_assert_not(apic_match_dest(apic, 1, false));
    wr(LDR, 0x01000000);
    cr_assert(apic_match_dest(apic, 0x03, true), "flat");
    cr_assert_not(apic_match_dest(apic, 0x02, true));
    wr(DFR, 0x0FFFFFFF);
    wr(LDR, 0x32000000);
    cr_assert(apic_match_dest(apic, 0x36, true), "cluster 3, member bit 1");
    cr_assert_not(apic_match_dest(apic, 0x26, true), "other cluster");
    cr_assert_not(apic_match_dest(apic, 0x31, true));
}

/* ---- base MSR --------------------------------------------------------- */

Test(apic, base_msr)
{
    cr_assert_not(apic_set_base(apic, 0xFEE00A00), "bit 9 reserved");
    cr_assert_not(apic_set_base(apic, 1ULL << 36), "above 36 bits");
    cr_assert(apic_set_base(apic, 0xFEE00800));
    cr_assert_eq(apic_get_base(apic), 0xFEE00900, "BSP is read-only");
    enable();
    wr(TPR, 0x30);
    cr_assert(apic_set_base(apic, 0xFEF00800), "move, stays enabled");
    cr_assert_eq(rd(TPR), 0x30, "moving keeps the registers");
}

Test(apic, base_msr_moves_the_page)
{
    AddressSpace mem;
    as_init(&mem, "memory", PHYS_ADDR_SPACE_SIZE, NULL);
    Error err = {0};
    ApicLocal *a = apic_new(&clk, 0, true, &mem, spy_callbacks(), NULL, &err);
    cr_assert_not_null(a, "%s", err.msg);
    cr_assert_eq(as_read(&mem, 0xFEE00030, 4), 0x00050014);
    cr_assert(apic_set_base(a, 0xFED00800));
    cr_assert_eq(as_read(&mem, 0xFED00030, 4), 0x00050014);
    cr_assert_eq(as_read(&mem, 0xFEE00030, 4), 0xFFFFFFFF, "old place unassigned");
    static uint8_t ram[0x1000];
    cr_assert(as_map_ram(&mem, 0x100000, sizeof(ram), ram, "ram", &err));
    cr_assert(apic_set_base(a, 0x100800), "MSR accepts it");
    cr_assert_eq(as_read(&mem, 0xFED00030, 4), 0x00050014, "overlapping RAM: kept at the old place");
    apic_reset(a);
    cr_assert_eq(as_read(&mem, 0xFEE00030, 4), 0x00050014, "reset: default base");
    apic_free(a);
    cr_assert_null(as_find(&mem, 0xFEE00000), "freed: unmapped");
    as_destroy(&mem);
}

/* ---- save/load -------------------------------------------------------- */

static void save_dev(Device *d, StateWriter *w)
{
    state_writer_init(w);
    state_save(w, d->fields, d->state);
}

Test(apic, save_load_round_trip)
{
    enable();
    wr(TPR, 0x10);
    wr(LDR, 0x08000000);
    wr(LVT_LINT0, 0x700);
    wr(LVT_LINT1, 0x400);
    wr(TIMER_DCR, 0x1);
    wr(LVT_TIMER, PERIODIC | 0x48);
    wr(TIMER_INIT, 250);
    apic_deliver(apic, 0x70, true, APIC_DM_FIXED);
    apic_deliver(apic, 0x35, false, APIC_DM_FIXED);
    cr_assert_eq(take(), 0x70);
    goto_ns(1500);

    StateWriter w;
    save_dev(apic_device(apic), &w);
    Clock clk2;
    clock_init_deterministic(&clk2, 0);
    clock_warp_to(&clk2, 1500);
    Spy spy2 = {0};
    Error err = {0};
    ApicLocal *b = apic_new(&clk2, 0, true, NULL, (ApicCallbacks){spy_kick, spy_nmi, spy_eoi, &spy2}, NULL, &err);
    StateReader r = {w.buf, w.len, 0};
    cr_assert(state_load(&r, apic_device(b)->fields, apic_device(b)->state, "lapic", &err), "%s", err.msg);
    cr_assert_eq(r.pos, w.len);
    apic_post_load(b);
    StateWriter w2;
    save_dev(apic_device(b), &w2);
    cr_assert_eq(w.len, w2.len);
    cr_assert_arr_eq(w.buf, w2.buf, w.len, "identical state");
    state_writer_free(&w);
    state_writer_free(&w2);

    cr_assert_eq(apic_mmio_ops.read(b, TIMER_CUR, 4), rd(TIMER_CUR));
    cr_assert_eq(clock_next_deadline(&clk2), clock_next_deadline(&clk), "timer re-armed");
    cr_assert_eq(apic_mmio_ops.read(b, PPR, 4), 0x70);
    apic_mmio_ops.write(b, EOI, 0, 4);
    cr_assert_eq(spy2.eoi_vec[0], 0x70, "TMR survived");
    cr_assert_eq(apic_intr_ack(b), 0x48, "the timer interrupt at 1000 ns");
    apic_mmio_ops.write(b, EOI, 0, 4);
    cr_assert_eq(apic_intr_ack(b), 0x35);
    apic_free(b);
    clock_destroy(&clk2);
}

/* Overwrite `n` payload bytes of one field in a saved stream. */
static void patch_field(StateWriter *w, const char *name, const void *val, size_t n)
{
    size_t len = strlen(name);
    for (size_t i = 2; i + len + 4 + n <= w->len; i++) {
        if (w->buf[i - 2] == len && w->buf[i - 1] == 0 && !memcmp(w->buf + i, name, len)) {
            memcpy(w->buf + i + len + 4, val, n);
            return;
        }
    }
    cr_assert_fail("field %s not in the stream", name);
}

Test(apic, hostile_snapshot_stays_in_bounds)
{
    enable();
    wr(LVT_TIMER, PERIODIC | 0x40);
    wr(TIMER_INIT, 10);
    goto_ns(1000);
    StateWriter w;
    save_dev(apic_device(apic), &w);
    int64_t start = INT64_MIN;
    uint32_t big = 0xFFFFFFFF, zero = 0;
    uint64_t base = 0xFFFFFFFFFFFFF900ULL & ~0x6FFULL;
    patch_field(&w, "timer_start", &start, 8);
    patch_field(&w, "timer_dcr", &big, 4);
    patch_field(&w, "timer_base", &big, 4);
    patch_field(&w, "timer_initial", &zero, 4);
    patch_field(&w, "base_msr", &base, 8);
    StateReader r = {w.buf, w.len, 0};
    Error err = {0};
    cr_assert(state_load(&r, apic_device(apic)->fields, apic_device(apic)->state, "lapic", &err), "%s", err.msg);
    state_writer_free(&w);
    apic_post_load(apic);
    (void)rd(TIMER_CUR);
    wr(TIMER_DCR, 0xA);
    wr(LVT_TIMER, PERIODIC | 0x40);
    goto_ns(1000000);
    (void)take();
}

/* ---- I/O APIC --------------------------------------------------------- */

typedef struct Msg {
    uint8_t vector;
    bool level;
    unsigned mode;
    uint8_t dest;
    bool logical;
} Msg;

typedef struct MsgSpy {
    int count;
    Msg m[64];
} MsgSpy;

static MsgSpy msgs;
static IoApic *io;

static void spy_deliver(void *opaque, uint8_t vector, bool level, unsigned mode, uint8_t dest, bool logical)
{
    MsgSpy *s = opaque;
    if (s->count < 64)
        s->m[s->count] = (Msg){vector, level, mode, dest, logical};
    s->count++;
}

static void io_setup(void)
{
    memset(&msgs, 0, sizeof(msgs));
    io = ioapic_new(1, spy_deliver, &msgs, NULL);
}

static void io_teardown(void)
{
    ioapic_free(io);
}

TestSuite(ioapic, .init = io_setup, .fini = io_teardown);

static uint32_t io_rd(unsigned idx)
{
    ioapic_mmio_ops.write(io, 0x00, idx, 4);
    return (uint32_t)ioapic_mmio_ops.read(io, 0x10, 4);
}

static void io_wr(unsigned idx, uint32_t v)
{
    ioapic_mmio_ops.write(io, 0x00, idx, 4);
    ioapic_mmio_ops.write(io, 0x10, v, 4);
}

static void rte(int pin, uint32_t lo, uint32_t hi)
{
    io_wr(0x11 + 2 * (unsigned)pin, hi);
    io_wr(0x10 + 2 * (unsigned)pin, lo);
}

Test(ioapic, registers)
{
    cr_assert_eq(io_rd(0x00), 0x01000000, "ID from the board");
    cr_assert_eq(io_rd(0x01), 0x00170011, "24 entries, version 0x11");
    cr_assert_eq(io_rd(0x02), 0x01000000);
    io_wr(0x00, 0xFFFFFFFF);
    cr_assert_eq(io_rd(0x00), 0x0F000000);
    io_wr(0x01, 0);
    cr_assert_eq(io_rd(0x01), 0x00170011, "read-only");
    for (int pin = 0; pin < IOAPIC_PINS; pin++) {
        cr_assert_eq(io_rd(0x10 + 2 * (unsigned)pin), 0x10000, "pin %d masked at reset", pin);
        cr_assert_eq(io_rd(0x11 + 2 * (unsigned)pin), 0);
    }
    cr_assert_eq(io_rd(0x40), 0, "beyond the table");
    ioapic_mmio_ops.write(io, 0x00, 0x12345678, 4);
    cr_assert_eq(ioapic_mmio_ops.read(io, 0x00, 4), 0x78, "IOREGSEL bits 7:0");
    ioapic_mmio_ops.write(io, 0x00, 0x10, 1);
    cr_assert_eq(ioapic_mmio_ops.read(io, 0x10, 4), 0x10000, "byte write of IOREGSEL");
    cr_assert_eq(ioapic_mmio_ops.read(io, 0x10, 1), 0, "IOWIN is dword only");
    ioapic_reset(io);
    cr_assert_eq(io_rd(0x00), 0x01000000);
}

Test(ioapic, redirection_entry_bits)
{
    rte(5, 0xFFFFFFFF, 0xFFFFFFFF);
    cr_assert_eq(io_rd(0x1A), 0x1AFFF, "delivery status and remote IRR read-only");
    cr_assert_eq(io_rd(0x1B), 0xFF000000);
    rte(5, 0x00000931, 0x03000000);     /* lowest priority, logical, vector 0x31 */
    cr_assert_eq(io_rd(0x1A), 0x931);
    ioapic_set_irq(io, 5, true);
    cr_assert_eq(msgs.count, 1);
    cr_assert_eq(msgs.m[0].vector, 0x31);
    cr_assert_eq(msgs.m[0].mode, APIC_DM_LOWEST);
    cr_assert(msgs.m[0].logical);
    cr_assert_not(msgs.m[0].level);
    cr_assert_eq(msgs.m[0].dest, 0x03);
}

Test(ioapic, edge_delivery_and_masking)
{
    rte(2, 0x30, 0);
    ioapic_set_irq(io, 2, true);
    ioapic_set_irq(io, 2, true);
    cr_assert_eq(msgs.count, 1, "rising edge only");
    ioapic_set_irq(io, 2, false);
    ioapic_set_irq(io, 2, true);
    cr_assert_eq(msgs.count, 2);
    ioapic_set_irq(io, 2, false);
    rte(2, 0x10030, 0);
    ioapic_set_irq(io, 2, true);
    ioapic_set_irq(io, 2, false);
    rte(2, 0x30, 0);
    cr_assert_eq(msgs.count, 2, "an edge on a masked pin is lost");
    ioapic_set_irq(io, 99, true);
    ioapic_set_irq(io, -1, true);
    cr_assert_eq(msgs.count, 2);
}

Test(ioapic, level_remote_irr_and_eoi)
{
    rte(10, 0x8000 | 0x3A, 0);
    ioapic_set_irq(io, 10, true);
    cr_assert_eq(msgs.count, 1);
    cr_assert(msgs.m[0].level);
    cr_assert(io_rd(0x24) & 0x4000, "remote IRR");
    ioapic_set_irq(io, 10, true);
    cr_assert_eq(msgs.count, 1, "not again before the EOI");
    ioapic_eoi(io, 0x3B);
    cr_assert_eq(msgs.count, 1, "another vector's EOI");
    ioapic_eoi(io, 0x3A);
    cr_assert_eq(msgs.count, 2, "still asserted: again");
    ioapic_set_irq(io, 10, false);
    ioapic_eoi(io, 0x3A);
    cr_assert_eq(msgs.count, 2);
    cr_assert_not(io_rd(0x24) & 0x4000);
    /* Masked while asserted: sent on unmask. */
    rte(10, 0x18000 | 0x3A, 0);
    ioapic_set_irq(io, 10, true);
    cr_assert_eq(msgs.count, 2);
    rte(10, 0x8000 | 0x3A, 0);
    cr_assert_eq(msgs.count, 3);
    /* Switching to edge drops remote IRR. */
    rte(10, 0x3A, 0);
    cr_assert_not(io_rd(0x24) & 0x4000);
}

Test(ioapic, save_load_round_trip)
{
    io_wr(0x00, 0x05000000);
    rte(3, 0x8000 | 0x43, 0x01000000);
    rte(7, 0x10000 | 0x47, 0);
    ioapic_set_irq(io, 3, true);
    ioapic_set_irq(io, 7, true);
    ioapic_mmio_ops.write(io, 0x00, 0x1E, 4);
    StateWriter w;
    save_dev(ioapic_device(io), &w);
    MsgSpy m2 = {0};
    IoApic *b = ioapic_new(0, spy_deliver, &m2, NULL);
    StateReader r = {w.buf, w.len, 0};
    Error err = {0};
    cr_assert(state_load(&r, ioapic_device(b)->fields, ioapic_device(b)->state, "ioapic", &err), "%s",
              err.msg);
    StateWriter w2;
    save_dev(ioapic_device(b), &w2);
    cr_assert_eq(w.len, w2.len);
    cr_assert_arr_eq(w.buf, w2.buf, w.len, "identical state");
    state_writer_free(&w);
    state_writer_free(&w2);
    cr_assert_eq(ioapic_mmio_ops.read(b, 0x10, 4), 0x10000 | 0x47, "IOREGSEL kept");
    ioapic_eoi(b, 0x43);
    cr_assert_eq(m2.count, 1, "remote IRR and pin level kept");
    cr_assert_eq(m2.m[0].vector, 0x43);
    ioapic_free(b);
}

/* ---- the two together, wired as the board will ----------------------- */

typedef struct Board {
    ApicLocal *lapic;
    IoApic *ioapic;
} Board;

static void board_deliver(void *opaque, uint8_t vector, bool level, unsigned mode, uint8_t dest, bool logical)
{
    Board *b = opaque;
    if (apic_match_dest(b->lapic, dest, logical))
        apic_deliver(b->lapic, vector, level, mode);
}

static void board_eoi(void *opaque, uint8_t vector)
{
    Board *b = opaque;
    ioapic_eoi(b->ioapic, vector);
}

Test(apic, ioapic_to_lapic_level_round_trip)
{
    Board bd;
    Error err = {0};
    bd.lapic = apic_new(&clk, 0, true, NULL, (ApicCallbacks){NULL, NULL, board_eoi, &bd}, NULL, &err);
    bd.ioapic = ioapic_new(1, board_deliver, &bd, NULL);
    ApicLocal *a = bd.lapic;
    apic_mmio_ops.write(a, SVR, 0x1FF, 4);
    IoApic *s = bd.ioapic;
    ioapic_mmio_ops.write(s, 0, 0x10 + 2 * 11, 4);
    ioapic_mmio_ops.write(s, 0x10, 0x8000 | 0x4B, 4);
    ioapic_set_irq(s, 11, true);
    cr_assert(apic_intr_pending(a));
    cr_assert_eq(apic_intr_ack(a), 0x4B);
    apic_mmio_ops.write(a, EOI, 0, 4);
    cr_assert(apic_intr_pending(a), "still asserted: delivered again after the EOI");
    cr_assert_eq(apic_intr_ack(a), 0x4B);
    ioapic_set_irq(s, 11, false);
    apic_mmio_ops.write(a, EOI, 0, 4);
    cr_assert_not(apic_intr_pending(a));
    /* Destination elsewhere: nobody takes it. */
    ioapic_mmio_ops.write(s, 0, 0x10 + 2 * 4 + 1, 4);
    ioapic_mmio_ops.write(s, 0x10, 0x07000000, 4);
    ioapic_mmio_ops.write(s, 0, 0x10 + 2 * 4, 4);
    ioapic_mmio_ops.write(s, 0x10, 0x44, 4);
    ioapic_set_irq(s, 4, true);
    cr_assert_not(apic_intr_pending(a));
    ioapic_free(s);
    apic_free(a);
}
