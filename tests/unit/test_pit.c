/* The 8254 PIT, driven only through its IoOps, pit_set_gate/pit_get_out,
 * a deterministic clock and an IRQ spy: reset state, every mode's OUT
 * waveform and CE values at chosen CLK edges, access modes, counter latch
 * and read-back, BCD, GATE, reprogramming mid-count, IRQ0 edges for the
 * 100 Hz setups of Linux and SeaBIOS, late timers, save/load and a fuzz run. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/state.h"
#include "devices/i8254_pit.h"

enum { CH0 = 0, CH1 = 1, CH2 = 2, CTRL = 3 };
#define HZ 1193182

typedef struct IrqSpy {
    bool level;
    int rises, falls;
    int64_t rise_ns[256], fall_ns[256];
} IrqSpy;

static Clock clk;
static IrqSpy spy;
static I8254Pit *pit;

static void spy_set(void *opaque, int n, bool level)
{
    IrqSpy *s = opaque;
    cr_assert_eq(n, 0, "IRQ0");
    cr_assert_neq(level, s->level, "irq_set only on a level change");
    if (level) {
        if (s->rises < 256)
            s->rise_ns[s->rises] = clock_now(&clk);
        s->rises++;
    } else {
        if (s->falls < 256)
            s->fall_ns[s->falls] = clock_now(&clk);
        s->falls++;
    }
    s->level = level;
}

static void setup(void)
{
    clock_init_deterministic(&clk, 0);
    memset(&spy, 0, sizeof(spy));
    pit = pit_new(&clk, irq_line(spy_set, &spy, 0), NULL);
    cr_assert_not_null(pit);
}

static void teardown(void)
{
    pit_free(pit);
    clock_destroy(&clk);
}

TestSuite(pit, .init = setup, .fini = teardown);

/* Time of CLK edge k, computed independently of the device (128-bit). */
static int64_t tick_ns(int64_t k)
{
    unsigned __int128 x = (unsigned __int128)k * 1000000000u;
    return (int64_t)((x + HZ - 1) / HZ);
}

static uint8_t rd(unsigned port)
{
    uint64_t v = pit_io_ops.read(pit, port, 1);
    cr_assert_leq(v, 0xFF);
    return (uint8_t)v;
}

static void wr(unsigned port, uint8_t v)
{
    pit_io_ops.write(pit, port, v, 1);
}

/* Warp to CLK edge k, running every timer due on the way at its deadline. */
static void goto_tick(int64_t k)
{
    clock_run_until(&clk, tick_ns(k));
}

static void goto_ns(int64_t t)
{
    clock_run_until(&clk, t);
}

static void program(int ch, unsigned mode, bool bcd, uint16_t count)
{
    wr(CTRL, (uint8_t)(ch << 6 | 3 << 4 | mode << 1 | bcd));
    wr((unsigned)ch, (uint8_t)count);
    wr((unsigned)ch, (uint8_t)(count >> 8));
}

static uint16_t latched(int ch)
{
    wr(CTRL, (uint8_t)(ch << 6));   /* counter latch command */
    uint16_t lo = rd((unsigned)ch);
    return (uint16_t)(lo | rd((unsigned)ch) << 8);
}

static uint8_t status(int ch)
{
    wr(CTRL, (uint8_t)(0xC0 | 0x20 | 2 << ch));    /* read-back: status only */
    return rd((unsigned)ch);
}

static void reset_spy(void)
{
    bool level = spy.level;
    memset(&spy, 0, sizeof(spy));
    spy.level = level;
}

Test(pit, reset_state)
{
    cr_assert_eq(pit_io_ops.min_access, 1);
    cr_assert_eq(pit_io_ops.max_access, 1);
    cr_assert_eq(status(CH0), 0xF6, "OUT high, null count (not yet loaded), word, mode 3");
    cr_assert_eq(status(CH2), 0xF6, "channel 2: GATE low, count never loaded");
    cr_assert(spy.level, "mode 3 OUT starts high");
    goto_tick(1);
    cr_assert_eq(status(CH0), 0xB6, "count transferred on the first CLK edge");
    cr_assert_eq(status(CH1), 0xB6);
    cr_assert_eq(status(CH2), 0xF6);
    cr_assert(pit_get_out(pit, CH2));
    /* 65536 in mode 3: 18.2 Hz, falling at 32768, rising at 65536. */
    goto_tick(1 + 32768);
    cr_assert_eq(spy.falls, 1);
    cr_assert_eq(spy.fall_ns[0], tick_ns(1 + 32768));
    goto_tick(1 + 65536);
    cr_assert_eq(spy.rises, 2);
    cr_assert_eq(spy.rise_ns[1], tick_ns(1 + 65536));
    cr_assert_eq(rd(CTRL), 0, "control port reads as 0 (QEMU)");
    cr_assert_not(pit_get_out(pit, 3));
    pit_set_gate(pit, -1, true);
    pit_set_gate(pit, 7, true);
}

Test(pit, tick_arithmetic_far_in_time)
{
    /* Days into a run the 64-bit split must stay exact. */
    int64_t k = (int64_t)HZ * 86400 * 30 + 12345;
    clock_warp_to(&clk, tick_ns(k) - 1);
    clock_run_timers(&clk);
    program(CH2, 0, false, 100);    /* gate low: CE holds 100 */
    pit_set_gate(pit, CH2, true);
    goto_tick(k + 10);
    cr_assert_eq(latched(CH2), 100 - 10, "load at k, ten decrements by k + 10");
}

Test(pit, mode0_interrupt_on_terminal_count)
{
    goto_tick(100);
    wr(CTRL, 0x30);                 /* ch0, LSB then MSB, mode 0 */
    cr_assert_not(spy.level, "control word sets OUT low in mode 0");
    reset_spy();
    wr(CH0, 1000 & 0xFF);
    wr(CH0, 1000 >> 8);
    cr_assert_eq(status(CH0) & 0xC0, 0x40, "OUT low, null count until the next edge");
    goto_tick(101);
    cr_assert_eq(status(CH0), 0x30);
    cr_assert_eq(latched(CH0), 1000, "loaded on the first CLK edge");
    goto_tick(101 + 600);
    cr_assert_eq(latched(CH0), 400);
    clock_warp_to(&clk, tick_ns(1101) - 1);
    clock_run_timers(&clk);
    cr_assert_eq(spy.rises, 0);
    cr_assert_not(pit_get_out(pit, CH0));
    goto_tick(1101);
    cr_assert_eq(spy.rises, 1, "OUT rises N+1 edges after the write");
    cr_assert_eq(spy.rise_ns[0], tick_ns(1101));
    cr_assert_eq(latched(CH0), 0);
    goto_tick(1102);
    cr_assert_eq(latched(CH0), 0xFFFF, "CE wraps and keeps counting");
    goto_tick(1101 + 65536 + 10);
    cr_assert_eq(spy.rises, 1);
    cr_assert_eq(spy.falls, 0, "OUT stays high");
    cr_assert_eq(clock_next_deadline(&clk), CLOCK_NEVER, "no timer once the one-shot is over");
}

Test(pit, mode0_first_byte_stops_counting_and_new_count_restarts)
{
    program(CH0, 0, false, 100);    /* at tick 0: loaded at 1 */
    goto_tick(51);
    cr_assert_eq(latched(CH0), 50);
    goto_tick(200);
    cr_assert(spy.level);
    wr(CH0, 10);                    /* first byte: counting stops, OUT low */
    cr_assert_not(spy.level);
    goto_tick(300);
    cr_assert_eq(latched(CH0), (uint16_t)(100 - 199), "CE frozen");
    wr(CH0, 0);                     /* count 10 at edge 301 */
    goto_tick(305);
    cr_assert_eq(latched(CH0), 6);
    goto_tick(310);
    cr_assert_not(spy.level);
    goto_tick(311);
    cr_assert(spy.level);
}

Test(pit, mode0_gate_pauses_counting)
{
    pit_set_gate(pit, CH2, true);
    program(CH2, 0, false, 100);
    goto_tick(41);
    cr_assert_eq(latched(CH2), 60);
    pit_set_gate(pit, CH2, false);
    goto_tick(1000);
    cr_assert_eq(latched(CH2), 60, "GATE low: no counting");
    cr_assert_not(pit_get_out(pit, CH2));
    pit_set_gate(pit, CH2, true);
    goto_tick(1059);
    cr_assert_eq(latched(CH2), 1);
    cr_assert_not(pit_get_out(pit, CH2));
    goto_tick(1060);
    cr_assert(pit_get_out(pit, CH2));
}

Test(pit, mode1_retriggerable_one_shot)
{
    wr(CTRL, 0xB2);                 /* ch2, word, mode 1 */
    cr_assert(pit_get_out(pit, CH2));
    wr(CH2, 5);
    wr(CH2, 0);
    goto_tick(50);
    cr_assert(pit_get_out(pit, CH2), "no trigger yet");
    cr_assert_eq(status(CH2) & 0x40, 0x40, "null count until the trigger");
    pit_set_gate(pit, CH2, true);   /* trigger at 50: load at 51 */
    cr_assert(pit_get_out(pit, CH2), "OUT falls on the edge after the trigger");
    goto_tick(51);
    cr_assert_not(pit_get_out(pit, CH2));
    cr_assert_eq(status(CH2), 0x32);
    cr_assert_eq(latched(CH2), 5);
    goto_tick(53);
    cr_assert_eq(latched(CH2), 3);
    pit_set_gate(pit, CH2, false);
    cr_assert_not(pit_get_out(pit, CH2), "GATE low does not stop mode 1");
    pit_set_gate(pit, CH2, true);   /* retrigger at 53: reload at 54 */
    goto_tick(54);
    cr_assert_eq(latched(CH2), 5);
    goto_tick(58);
    cr_assert_not(pit_get_out(pit, CH2));
    goto_tick(59);
    cr_assert(pit_get_out(pit, CH2), "N edges after the reload");
    goto_tick(60);
    cr_assert_eq(latched(CH2), 0xFFFF);
    cr_assert(pit_get_out(pit, CH2));
}

Test(pit, mode2_rate_generator_waveform_and_counts)
{
    pit_set_gate(pit, CH2, true);
    program(CH2, 2, false, 4);      /* load at 1: CE 4 3 2 1 4 3 2 1 */
    static const uint16_t ce[] = {4, 3, 2, 1, 4, 3, 2, 1, 4};
    static const bool out[] = {1, 1, 1, 0, 1, 1, 1, 0, 1};
    for (int i = 0; i < 9; i++) {
        goto_tick(1 + i);
        cr_assert_eq(latched(CH2), ce[i], "edge %d", i);
        cr_assert_eq(pit_get_out(pit, CH2), out[i], "edge %d", i);
    }
    pit_set_gate(pit, CH2, false);
    cr_assert(pit_get_out(pit, CH2));
    goto_tick(12);                  /* CE was 1 at 12, then gate low */
    pit_set_gate(pit, CH2, true);   /* reload at 13 */
    goto_tick(13);
    cr_assert_eq(latched(CH2), 4, "GATE rising reloads");
    goto_tick(16);
    cr_assert_not(pit_get_out(pit, CH2));
}

Test(pit, mode3_square_wave_even_and_odd)
{
    pit_set_gate(pit, CH2, true);
    program(CH2, 3, false, 6);      /* high 3, low 3; CE 6 4 2 6 4 2 */
    static const uint16_t ce6[] = {6, 4, 2, 6, 4, 2, 6};
    static const bool out6[] = {1, 1, 1, 0, 0, 0, 1};
    for (int i = 0; i < 7; i++) {
        goto_tick(1 + i);
        cr_assert_eq(latched(CH2), ce6[i], "even, edge %d", i);
        cr_assert_eq(pit_get_out(pit, CH2), out6[i], "even, edge %d", i);
    }
    program(CH2, 3, false, 5);      /* at 7: load at 8; high 3, low 2 */
    static const uint16_t ce5[] = {5, 4, 2, 5, 2, 5, 4};
    static const bool out5[] = {1, 1, 1, 0, 0, 1, 1};
    for (int i = 0; i < 7; i++) {
        goto_tick(8 + i);
        cr_assert_eq(latched(CH2), ce5[i], "odd, edge %d", i);
        cr_assert_eq(pit_get_out(pit, CH2), out5[i], "odd, edge %d", i);
    }
    pit_set_gate(pit, CH2, false);
    cr_assert(pit_get_out(pit, CH2), "GATE low forces OUT high");
}

Test(pit, mode4_software_strobe)
{
    pit_set_gate(pit, CH2, true);
    program(CH2, 4, false, 4);      /* at 0: load at 1, strobe at 5 */
    cr_assert(pit_get_out(pit, CH2));
    goto_tick(4);
    cr_assert(pit_get_out(pit, CH2));
    goto_tick(5);
    cr_assert_not(pit_get_out(pit, CH2));
    cr_assert_eq(latched(CH2), 0);
    goto_tick(6);
    cr_assert(pit_get_out(pit, CH2));
    goto_tick(100000);
    cr_assert(pit_get_out(pit, CH2), "one strobe only");
    wr(CH2, 2);                     /* retrigger by software */
    wr(CH2, 0);
    goto_tick(100003);
    cr_assert_not(pit_get_out(pit, CH2));
    goto_tick(100004);
    cr_assert(pit_get_out(pit, CH2));
}

Test(pit, mode5_hardware_strobe)
{
    wr(CTRL, 0xBA);                 /* ch2, word, mode 5 */
    wr(CH2, 3);
    wr(CH2, 0);
    goto_tick(10);
    pit_set_gate(pit, CH2, true);   /* load at 11, strobe at 14 */
    goto_tick(13);
    cr_assert(pit_get_out(pit, CH2));
    cr_assert_eq(latched(CH2), 1);
    goto_tick(14);
    cr_assert_not(pit_get_out(pit, CH2));
    goto_tick(15);
    cr_assert(pit_get_out(pit, CH2));
    pit_set_gate(pit, CH2, false);
    pit_set_gate(pit, CH2, true);   /* retrigger at 15: strobe at 19 */
    goto_tick(18);
    cr_assert(pit_get_out(pit, CH2));
    goto_tick(19);
    cr_assert_not(pit_get_out(pit, CH2));
}

Test(pit, irq0_mode2_100hz_as_linux)
{
    goto_tick(10);
    reset_spy();
    program(CH0, 2, false, 11932);  /* load at 11 */
    int64_t load = 11;
    goto_ns(tick_ns(load) + 1000000000LL);
    /* A one-edge low pulse per period, rising edge every 11932 edges. */
    cr_assert_eq(spy.rises, 99, "about 100 Hz: %d", spy.rises);
    for (int m = 1; m <= 99; m++) {
        cr_assert_eq(spy.fall_ns[m - 1], tick_ns(load + (int64_t)m * 11932 - 1));
        cr_assert_eq(spy.rise_ns[m - 1], tick_ns(load + (int64_t)m * 11932));
    }
    int64_t period = spy.rise_ns[1] - spy.rise_ns[0];
    cr_assert(period >= 10000151 && period <= 10000153, "period %lld ns", (long long)period);
}

Test(pit, irq0_mode3_100hz_as_seabios_and_linux)
{
    goto_tick(10);
    reset_spy();
    program(CH0, 3, false, 11932);  /* load at 11: high 5966, low 5966 */
    goto_ns(tick_ns(11) + 1000000000LL);
    cr_assert_eq(spy.rises, 99);
    cr_assert_eq(spy.falls, 100);
    for (int m = 0; m < 99; m++) {
        cr_assert_eq(spy.fall_ns[m], tick_ns(11 + (int64_t)m * 11932 + 5966));
        cr_assert_eq(spy.rise_ns[m], tick_ns(11 + (int64_t)(m + 1) * 11932));
    }
}

Test(pit, late_timer_keeps_the_mode2_pulse)
{
    program(CH0, 2, false, 100);    /* load at 1: falling 100, rising 101 */
    reset_spy();
    clock_warp_to(&clk, tick_ns(1050) + 5);     /* many periods missed */
    clock_run_timers(&clk);
    cr_assert_eq(spy.falls, 1, "the due pulse is delivered");
    cr_assert_eq(spy.rises, 1);
    cr_assert(spy.level);
    goto_tick(1100);
    cr_assert_eq(spy.falls, 2);
    cr_assert_eq(spy.fall_ns[1], tick_ns(1100));
    /* A port write while the timer is overdue delivers the transition first. */
    clock_warp_to(&clk, tick_ns(1150));
    wr(CTRL, 0x00);
    cr_assert_eq(spy.rises, 2);
    cr_assert_eq(spy.rise_ns[1], tick_ns(1150));
    (void)rd(CH0);
    (void)rd(CH0);
    clock_warp_to(&clk, tick_ns(1250));
    wr(CTRL, 0x00);
    cr_assert_eq(spy.falls, 3, "overdue pulse kept");
    cr_assert_eq(spy.rises, 3);
    cr_assert(spy.level);
    (void)rd(CH0);
    (void)rd(CH0);
}

Test(pit, reprogram_mode2_waits_for_end_of_period)
{
    program(CH0, 2, false, 100);    /* load at 1: rising edges 101, 201 */
    goto_tick(51);
    reset_spy();
    wr(CH0, 10);                    /* same mode: new count, no control word */
    wr(CH0, 0);
    cr_assert_eq(status(CH0) & 0x40, 0x40, "null count until the reload");
    goto_tick(100);
    cr_assert_eq(latched(CH0), 1, "current period unaffected");
    goto_tick(101);
    cr_assert_eq(latched(CH0), 10, "new count at the end of the period");
    cr_assert_eq(status(CH0) & 0x40, 0);
    goto_tick(130);
    cr_assert_eq(spy.rises, 3);
    cr_assert_eq(spy.rise_ns[0], tick_ns(101));
    cr_assert_eq(spy.rise_ns[1], tick_ns(111));
    cr_assert_eq(spy.rise_ns[2], tick_ns(121));
}

Test(pit, reprogram_mode3_waits_for_end_of_half_cycle)
{
    program(CH0, 3, false, 100);    /* load at 1: falls 51, rises 101 */
    goto_tick(21);
    reset_spy();
    wr(CH0, 10);
    wr(CH0, 0);
    goto_tick(50);
    cr_assert(spy.level);
    goto_tick(51);                  /* low half of the new count: 5 edges */
    cr_assert_not(spy.level);
    cr_assert_eq(latched(CH0), 10);
    goto_tick(56);
    cr_assert(spy.level);
    cr_assert_eq(spy.rise_ns[0], tick_ns(56));
    goto_tick(61);
    cr_assert_not(spy.level);
    cr_assert_eq(spy.fall_ns[1], tick_ns(61));
    goto_tick(66);
    cr_assert_eq(spy.rise_ns[1], tick_ns(66));
}

Test(pit, access_modes_lsb_and_msb_only)
{
    pit_set_gate(pit, CH2, true);
    wr(CTRL, 0x90);                 /* ch2, LSB only, mode 0 */
    wr(CH2, 0x50);
    goto_tick(1 + 0x10);
    cr_assert_eq(rd(CH2), 0x40);
    cr_assert_eq(rd(CH2), 0x40, "LSB-only reads never return the MSB");
    cr_assert_eq(status(CH2), 0x10);
    wr(CTRL, 0xA0);                 /* ch2, MSB only, mode 0: count 0x1200 */
    int64_t t = 1 + 0x10;
    wr(CH2, 0x12);
    goto_tick(t + 1 + 0x100);
    cr_assert_eq(rd(CH2), 0x11);
    wr(CTRL, 0x80);                 /* latch in MSB-only mode: one read releases */
    goto_tick(t + 1 + 0x300);
    cr_assert_eq(rd(CH2), 0x11, "latched value");
    cr_assert_eq(rd(CH2), 0x0F, "released: live value");
}

Test(pit, word_access_unlatched_uses_the_read_flip_flop)
{
    pit_set_gate(pit, CH2, true);
    program(CH2, 0, false, 0x1234);
    goto_tick(1);
    cr_assert_eq(rd(CH2), 0x34);
    cr_assert_eq(rd(CH2), 0x12);
    goto_tick(2);
    cr_assert_eq(rd(CH2), 0x33);
    wr(CTRL, 0x80);                 /* latch between the bytes of a word read */
    goto_tick(0x100);
    cr_assert_eq(rd(CH2), 0x33, "latched LSB");
    cr_assert_eq(rd(CH2), 0x12, "latched MSB");
    wr(CTRL, 0xB0);                 /* control word resets the flip-flops */
    wr(CH2, 0x01);
    wr(CTRL, 0xB0);
    wr(CH2, 0x10);
    wr(CH2, 0x00);
    goto_tick(0x101);
    cr_assert_eq(latched(CH2), 0x10, "the stray byte did not count as an LSB");
}

Test(pit, latch_twice_keeps_the_first_value)
{
    pit_set_gate(pit, CH2, true);
    program(CH2, 0, false, 1000);
    goto_tick(11);
    wr(CTRL, 0x80);
    goto_tick(21);
    wr(CTRL, 0x80);                 /* ignored */
    cr_assert_eq(rd(CH2), (uint8_t)990);
    cr_assert_eq(rd(CH2), 990 >> 8);
    cr_assert_eq(latched(CH2), 980, "released after both bytes");
}

Test(pit, read_back_count_and_status_of_several_channels)
{
    pit_set_gate(pit, CH2, true);
    program(CH0, 2, false, 500);
    program(CH1, 0, true, 0x0500);  /* BCD */
    program(CH2, 4, false, 300);
    goto_tick(101);
    wr(CTRL, 0xC0 | 0x08 | 0x02);   /* count and status, ch0 and ch2 */
    goto_tick(151);
    cr_assert_eq(rd(CH0), 0xB4, "status first: OUT high, word, mode 2");
    cr_assert_eq(rd(CH0), (uint8_t)400);
    cr_assert_eq(rd(CH0), 400 >> 8);
    cr_assert_eq(rd(CH2), 0xB8);
    cr_assert_eq(rd(CH2), (uint8_t)200);
    cr_assert_eq(rd(CH2), 200 >> 8);
    cr_assert_eq(latched(CH1), 0x0350, "BCD 500 - 150");
    wr(CTRL, 0xC0 | 0x10 | 0x04);   /* count only, ch1 */
    cr_assert_eq(rd(CH1), 0x50);
    cr_assert_eq(rd(CH1), 0x03);
    wr(CTRL, 0xC0 | 0x20 | 0x04);   /* status only, ch1 */
    cr_assert_eq(rd(CH1), 0x31, "OUT low, word, mode 0, BCD");
    wr(CTRL, 0xC0 | 0x20 | 0x04);
    wr(CTRL, 0xC0 | 0x20 | 0x04);   /* second status latch ignored */
    goto_tick(2000);
    cr_assert_eq(rd(CH1), 0x31);
    cr_assert_eq(rd(CH1), 0x01, "then live reads: BCD 500 - 1999 wrapped = 8501");
    cr_assert_eq(rd(CH1), 0x85);
}

Test(pit, bcd_counting_and_count_zero)
{
    pit_set_gate(pit, CH2, true);
    program(CH2, 0, true, 0x1000);
    goto_tick(1);
    cr_assert_eq(latched(CH2), 0x1000);
    goto_tick(12);
    cr_assert_eq(latched(CH2), 0x0989);
    program(CH2, 0, true, 0);       /* 10000 in BCD: at 12, load at 13 */
    goto_tick(14);
    cr_assert_eq(latched(CH2), 0x9999);
    goto_tick(13 + 10000);
    cr_assert_eq(latched(CH2), 0x0000);
    cr_assert(pit_get_out(pit, CH2));
    goto_tick(13 + 10001);
    cr_assert_eq(latched(CH2), 0x9999, "BCD wraps to 9999");
    program(CH2, 2, false, 0);      /* binary 0 is 65536 */
    int64_t t = 13 + 10001;
    goto_tick(t + 2);
    cr_assert_eq(latched(CH2), 0xFFFF);
    goto_tick(t + 1 + 65535);
    cr_assert_not(pit_get_out(pit, CH2));
    goto_tick(t + 1 + 65536);
    cr_assert(pit_get_out(pit, CH2));
    cr_assert_eq(latched(CH2), 0, "65536 reads as 0");
}

Test(pit, gate_low_at_write_delays_modes_2_and_3)
{
    program(CH2, 3, false, 8);      /* GATE low since reset */
    goto_tick(100);
    cr_assert(pit_get_out(pit, CH2));
    cr_assert_eq(status(CH2) & 0x40, 0x40);
    pit_set_gate(pit, CH2, true);   /* load at 101 */
    goto_tick(104);
    cr_assert_eq(latched(CH2), 2);
    goto_tick(105);
    cr_assert_not(pit_get_out(pit, CH2));
    cr_assert_eq(status(CH2) & 0x40, 0);
}

static void save_pit(I8254Pit *p, StateWriter *w)
{
    Device *d = pit_device(p);
    cr_assert_str_eq(d->name, "pit");
    state_save(w, d->fields, d->state);
}

static IrqSpy spy_b;

static void spy_b_set(void *opaque, int n, bool level)
{
    IrqSpy *s = opaque;
    (void)n;
    if (level)
        s->rises++;
    else
        s->falls++;
    s->level = level;
}

Test(pit, save_load_round_trip)
{
    pit_set_gate(pit, CH2, true);
    program(CH0, 2, false, 1000);
    program(CH1, 3, true, 0x0777);
    program(CH2, 1, false, 50);
    goto_tick(300);
    pit_set_gate(pit, CH2, false);
    pit_set_gate(pit, CH2, true);
    wr(CH0, 0x20);                  /* pending reload in mode 2 */
    wr(CH0, 0x01);
    wr(CTRL, 0xC0 | 0x04);          /* latch ch1 status and count */
    wr(CTRL, 0x00);                 /* latch ch0 count */
    StateWriter w;
    state_writer_init(&w);
    save_pit(pit, &w);

    memset(&spy_b, 0, sizeof(spy_b));
    spy_b.level = spy.level;
    I8254Pit *b = pit_new(&clk, irq_line(spy_b_set, &spy_b, 0), NULL);
    spy_b.rises = spy_b.falls = 0;
    StateReader r = {w.buf, w.len, 0};
    Error err = {0};
    Device *db = pit_device(b);
    cr_assert(state_load(&r, db->fields, db->state, "pit", &err), "%s", err.msg);
    cr_assert_eq(r.pos, r.len);
    /* Run both, comparing every port and OUT along the way. */
    reset_spy();
    for (int i = 0; i < 60; i++) {
        goto_tick(300 + i * 97);
        for (unsigned port = 0; port < 3; port++) {
            uint8_t va = rd(port);
            uint8_t vb = (uint8_t)pit_io_ops.read(b, port, 1);
            cr_assert_eq(va, vb, "port %u at step %d", port, i);
            cr_assert_eq(pit_get_out(pit, (int)port), pit_get_out(b, (int)port));
        }
    }
    cr_assert_eq(spy.rises, spy_b.rises);
    cr_assert_eq(spy.falls, spy_b.falls);
    cr_assert_gt(spy.rises, 3);
    pit_free(b);
    state_writer_free(&w);
}

Test(pit, fuzz_ports_gates_and_time)
{
    uint32_t seed = 12345;
    for (int i = 0; i < 200000; i++) {
        seed = seed * 1103515245u + 12345u;
        uint32_t r = seed >> 8;
        switch (r % 8) {
        case 0:
        case 1:
            wr(r % 4 == 3 ? CTRL : (r >> 4) % 3, (uint8_t)(r >> 8));
            break;
        case 2:
            wr((r >> 4) % 4, (uint8_t)(r >> 12) & 0x0F);   /* small counts */
            break;
        case 3:
        case 4:
            (void)rd((r >> 4) % 4);
            break;
        case 5:
            pit_set_gate(pit, (int)((r >> 4) % 3), (r >> 6) & 1);
            break;
        default:
            clock_advance_icount(&clk, (r >> 4) % 50000);
            clock_run_timers(&clk);
            cr_assert_eq(spy.level, pit_get_out(pit, CH0),
                         "IRQ0 follows channel 0's OUT (step %d)", i);
            break;
        }
    }
    /* Still a working PIT afterwards. */
    pit_set_gate(pit, CH0, true);
    program(CH0, 2, false, 11932);
    reset_spy();
    goto_ns(clock_now(&clk) + 100000000);
    cr_assert(spy.rises >= 9 && spy.rises <= 10, "%d", spy.rises);
}

/* A read right after a count is written sees the new count: the CLK edge
 * that loads it passes during the ISA read (about a microsecond). Linux's
 * quick TSC calibration writes 0xFFFF to channel 2 in mode 0 and expects
 * MSB 0xFF from the next reads; the old counter value (0 after reset)
 * made it give up and mark the TSC unstable. */
Test(pit, read_right_after_a_write_sees_the_new_count)
{
    pit_set_gate(pit, CH2, true);
    wr(CTRL, 0xB0);                 /* channel 2, LSB then MSB, mode 0, binary */
    wr(CH2, 0xFF);
    wr(CH2, 0xFF);
    uint8_t lsb = rd(CH2), msb = rd(CH2);
    cr_expect_eq(msb, 0xFF, "MSB %#x (LSB %#x) right after the write", msb, lsb);
    cr_expect_eq(lsb, 0xFF);
}
