/* The machine clock and timers: ordering, ties, re-arming, deterministic
 * and real-time modes, warps. */
#include <criterion/criterion.h>
#include <string.h>

#include "base/clock.h"

typedef struct Fired {
    int order[32];
    int count;
} Fired;

typedef struct Probe {
    Fired *log;
    int id;
    Timer *self;
    int64_t at;                 /* the deadline it was armed for */
    int64_t rearm_period;       /* > 0: re-arm itself this far after `at` */
    int rearm_left;
    Timer *victim;              /* deleted when this one fires */
} Probe;

static void probe_cb(void *opaque)
{
    Probe *p = opaque;
    p->log->order[p->log->count++] = p->id;
    if (p->rearm_left > 0) {
        p->rearm_left--;
        cr_assert_not(timer_pending(p->self), "a firing timer is disarmed first");
        p->at += p->rearm_period;
        timer_mod(p->self, p->at);
    }
    if (p->victim)
        timer_del(p->victim);
}

static Clock clk;

static void setup(void)
{
    clock_init_deterministic(&clk, 0);
}

static void teardown(void)
{
    clock_destroy(&clk);
}

TestSuite(clock, .init = setup, .fini = teardown);

Test(clock, deterministic_time_follows_the_instruction_count)
{
    Clock c3;
    clock_init_deterministic(&c3, 3);
    cr_assert_eq(clock_now(&c3), 0);
    clock_advance_icount(&c3, 10);
    cr_assert_eq(clock_now(&c3), 80, "one instruction = 2^shift ns");
    clock_advance_icount(&c3, 5);
    cr_assert_eq(clock_now(&c3), 120);
    clock_destroy(&c3);
}

Test(clock, timers_fire_in_deadline_order)
{
    Fired f = {0};
    Probe p[4];
    int64_t deadlines[4] = {300, 100, 400, 200};
    for (int i = 0; i < 4; i++) {
        p[i] = (Probe){.log = &f, .id = i};
        p[i].self = timer_new(&clk, probe_cb, &p[i]);
        timer_mod(p[i].self, deadlines[i]);
    }
    cr_assert_eq(clock_next_deadline(&clk), 100);
    clock_advance_icount(&clk, 250);
    cr_assert_eq(clock_run_timers(&clk), 2);
    cr_assert_eq(f.order[0], 1);
    cr_assert_eq(f.order[1], 3);
    cr_assert_eq(clock_next_deadline(&clk), 300);
    clock_advance_icount(&clk, 1000);
    cr_assert_eq(clock_run_timers(&clk), 2);
    cr_assert_eq(f.order[2], 0);
    cr_assert_eq(f.order[3], 2);
    cr_assert_eq(clock_next_deadline(&clk), CLOCK_NEVER);
}

Test(clock, equal_deadlines_fire_in_creation_order)
{
    Fired f = {0};
    Probe p[5];
    for (int i = 0; i < 5; i++) {
        p[i] = (Probe){.log = &f, .id = i};
        p[i].self = timer_new(&clk, probe_cb, &p[i]);
    }
    /* Armed in a scrambled order; creation order must still win. */
    int arm_order[5] = {3, 0, 4, 1, 2};
    for (int i = 0; i < 5; i++)
        timer_mod(p[arm_order[i]].self, 500);
    clock_advance_icount(&clk, 500);
    cr_assert_eq(clock_run_timers(&clk), 5);
    for (int i = 0; i < 5; i++)
        cr_assert_eq(f.order[i], i, "position %d fired timer %d", i, f.order[i]);
}

Test(clock, nothing_fires_before_its_deadline)
{
    Fired f = {0};
    Probe p = {.log = &f, .id = 7};
    p.self = timer_new(&clk, probe_cb, &p);
    timer_mod(p.self, 1000);
    clock_advance_icount(&clk, 999);
    cr_assert_eq(clock_run_timers(&clk), 0);
    cr_assert(timer_pending(p.self));
    clock_advance_icount(&clk, 1);
    cr_assert_eq(clock_run_timers(&clk), 1);
    cr_assert_not(timer_pending(p.self));
}

Test(clock, mod_moves_and_del_disarms)
{
    Fired f = {0};
    Probe a = {.log = &f, .id = 1}, b = {.log = &f, .id = 2};
    a.self = timer_new(&clk, probe_cb, &a);
    b.self = timer_new(&clk, probe_cb, &b);
    timer_mod(a.self, 100);
    timer_mod(b.self, 200);
    timer_mod(a.self, 300);     /* re-arming replaces the old deadline */
    timer_del(b.self);
    timer_del(b.self);          /* deleting twice is harmless */
    clock_advance_icount(&clk, 250);
    cr_assert_eq(clock_run_timers(&clk), 0);
    clock_advance_icount(&clk, 50);
    cr_assert_eq(clock_run_timers(&clk), 1);
    cr_assert_eq(f.order[0], 1);
    cr_assert_eq(f.count, 1);
}

Test(clock, a_callback_may_rearm_itself_and_delete_others)
{
    Fired f = {0};
    Probe periodic = {.log = &f, .id = 1, .rearm_period = 100, .rearm_left = 2};
    Probe killer = {.log = &f, .id = 2};
    Probe victim = {.log = &f, .id = 3};
    periodic.self = timer_new(&clk, probe_cb, &periodic);
    killer.self = timer_new(&clk, probe_cb, &killer);
    victim.self = timer_new(&clk, probe_cb, &victim);
    killer.victim = victim.self;
    periodic.at = 100;
    timer_mod(periodic.self, 100);
    timer_mod(killer.self, 150);
    timer_mod(victim.self, 150);   /* same deadline, created after killer */
    clock_advance_icount(&clk, 1000);
    int n = clock_run_timers(&clk);
    /* periodic@100, killer@150 (deletes victim), periodic@200, periodic@300 */
    cr_assert_eq(n, 4);
    int want[4] = {1, 2, 1, 1};
    for (int i = 0; i < 4; i++)
        cr_assert_eq(f.order[i], want[i]);
}

Test(clock, timer_free_unlinks_an_armed_timer)
{
    Fired f = {0};
    Probe a = {.log = &f, .id = 1};
    a.self = timer_new(&clk, probe_cb, &a);
    timer_mod(a.self, 10);
    timer_free(a.self);
    timer_free(NULL);
    clock_advance_icount(&clk, 100);
    cr_assert_eq(clock_run_timers(&clk), 0);
    cr_assert_eq(clock_next_deadline(&clk), CLOCK_NEVER);
}

Test(clock, warp_only_moves_forward)
{
    clock_advance_icount(&clk, 100);
    clock_warp_to(&clk, 50);
    cr_assert_eq(clock_now(&clk), 100);
    clock_warp_to(&clk, 5000);
    cr_assert_eq(clock_now(&clk), 5000);
    clock_advance_icount(&clk, 1);
    cr_assert_eq(clock_now(&clk), 5001);
}

static int64_t fake_host_ns(void *opaque)
{
    return *(int64_t *)opaque;
}

Test(clock, realtime_mode_reads_only_the_injected_host_source)
{
    int64_t host = 1000000;
    Clock rt;
    Fired f = {0};
    clock_init_realtime(&rt, fake_host_ns, &host);
    cr_assert_eq(clock_now(&rt), 0, "time starts at 0 when the machine starts");
    Probe p = {.log = &f, .id = 1};
    p.self = timer_new(&rt, probe_cb, &p);
    timer_mod(p.self, 500);
    clock_advance_icount(&rt, 1000000);     /* instructions do not move real time */
    cr_assert_eq(clock_run_timers(&rt), 0);
    host += 500;
    cr_assert_eq(clock_now(&rt), 500);
    cr_assert_eq(clock_run_timers(&rt), 1);
    clock_destroy(&rt);
}

static int run_fixed_workload(int order[32])
{
    Clock c;
    Fired f = {0};
    Probe p[3];
    clock_init_deterministic(&c, 2);
    for (int i = 0; i < 3; i++) {
        p[i] = (Probe){.log = &f, .id = i, .at = 40 + 10 * i, .rearm_period = 40 + 10 * i, .rearm_left = 3};
        p[i].self = timer_new(&c, probe_cb, &p[i]);
        timer_mod(p[i].self, p[i].at);
    }
    for (int step = 0; step < 20; step++) {
        clock_advance_icount(&c, 7);
        clock_run_timers(&c);
    }
    clock_destroy(&c);
    memcpy(order, f.order, sizeof(f.order));
    return f.count;
}

Test(clock, two_identical_deterministic_runs_agree)
{
    /* The same instruction stream gives the same firing sequence. */
    int a[32] = {0}, b[32] = {0};
    int na = run_fixed_workload(a), nb = run_fixed_workload(b);
    cr_assert_eq(na, 12, "every timer fires 4 times within 560 ns (got %d)", na);
    cr_assert_eq(nb, na);
    cr_assert_arr_eq(a, b, sizeof(a));
}

/* clock_run_until: every timer due on the way runs at its own deadline
 * (a periodic one each period), and the clock ends at the target. */
static int64_t seen_at[8];
static int seen;

static void note_time(void *opaque)
{
    (void)opaque;
    if (seen < 8)
        seen_at[seen] = clock_now(&clk);
    seen++;
}

Test(clock, run_until_fires_timers_at_their_deadlines)
{
    seen = 0;
    Timer *a = timer_new(&clk, note_time, NULL), *b = timer_new(&clk, note_time, NULL);
    timer_mod(a, 300);
    timer_mod(b, 100);
    clock_run_until(&clk, 1000);
    cr_assert_eq(seen, 2);
    cr_expect_eq(seen_at[0], 100);
    cr_expect_eq(seen_at[1], 300);
    cr_expect_eq(clock_now(&clk), 1000);
    timer_mod(a, 1000);
    clock_run_until(&clk, 1000);
    cr_expect_eq(seen, 3, "a timer due exactly at the target runs too");
}

/* Host time spent between clock_hide_begin and clock_hide_end (translating
 * code) stands still in a real-time guest clock: Linux's TSC calibration
 * against the PIT gave up when a first-time translation showed up as a
 * 50 us loop iteration. Deterministic clocks are not affected. */
static int64_t hide_host;
static int64_t hide_host_ns(void *opaque)
{
    (void)opaque;
    return hide_host;
}

Test(clock, hidden_host_time_stands_still_in_real_time)
{
    Clock rt;
    hide_host = 1000;
    clock_init_realtime(&rt, hide_host_ns, NULL);
    hide_host = 5000;
    int64_t before = clock_now(&rt);
    int64_t mark = clock_hide_begin(&rt);
    hide_host = 90000;                      /* 85 us of translation */
    clock_hide_end(&rt, mark);
    cr_expect_eq(clock_now(&rt), before, "no guest time passed");
    hide_host = 91000;
    cr_expect_eq(clock_now(&rt), before + 1000, "and it goes on from there");
    clock_destroy(&rt);
    int64_t d = clock_now(&clk);
    clock_hide_end(&clk, clock_hide_begin(&clk));
    cr_expect_eq(clock_now(&clk), d, "deterministic: untouched");
}
