/* The MC146818A RTC, driven only through its IoOps and board API with a
 * deterministic clock and an IRQ spy: time in BCD/binary and 12/24-hour
 * modes, updates across day/month/century, the UIP window, SET and the
 * divider reset, periodic/alarm/update interrupts and register C, the NMI
 * mask bit, the PC CMOS fill and checksum, reset and save/load. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/state.h"
#include "devices/mc146818_rtc.h"

#define SEC 1000000000LL
/* 2024-02-29 (a Thursday) 00:00:00 UTC, computed by hand:
 * 2024-01-01 is 1704067200, plus 59 days. */
#define LEAP_DAY 1709164800LL

typedef struct IrqSpy {
    bool level;
    int rises;
    int64_t rise_ns[2048];
} IrqSpy;

static Clock clk;
static IrqSpy spy;
static Mc146818Rtc *rtc;

static void spy_set(void *opaque, int n, bool level)
{
    IrqSpy *s = opaque;
    cr_assert_eq(n, 8, "IRQ8");
    cr_assert_neq(level, s->level, "irq_set only on a level change");
    if (level) {
        if (s->rises < 2048)
            s->rise_ns[s->rises] = clock_now(&clk);
        s->rises++;
    }
    s->level = level;
}

static void make(int64_t base)
{
    rtc_free(rtc);
    memset(&spy, 0, sizeof(spy));
    rtc = rtc_new(&clk, irq_line(spy_set, &spy, 8), NULL, base);
    cr_assert_not_null(rtc);
}

static void setup(void)
{
    clock_init_deterministic(&clk, 0);
    rtc = NULL;
    make(LEAP_DAY + 13 * 3600 + 45 * 60 + 30);     /* 13:45:30 */
}

static void teardown(void)
{
    rtc_free(rtc);
    clock_destroy(&clk);
}

TestSuite(rtc, .init = setup, .fini = teardown);

static uint8_t rd(unsigned reg)
{
    rtc_io_ops.write(rtc, 0, reg, 1);
    uint64_t v = rtc_io_ops.read(rtc, 1, 1);
    cr_assert_leq(v, 0xFF);
    return (uint8_t)v;
}

static void wr(unsigned reg, uint8_t v)
{
    rtc_io_ops.write(rtc, 0, reg, 1);
    rtc_io_ops.write(rtc, 1, v, 1);
}

/* Advance to `t`, running every timer at its deadline. */
static void goto_ns(int64_t t)
{
    clock_run_until(&clk, t);
}

/* Advance to `t` like a guest's IRQ8 handler: whenever the line is high,
 * read register C (which lowers it); OR every C value into *flags. */
static int ack_if_high(uint8_t *flags)
{
    if (!spy.level)
        return 0;
    uint8_t c = rd(0x0C);
    cr_assert(c & 0x80, "IRQF set while the line is high");
    *flags |= c;
    cr_assert_not(spy.level, "reading C lowers the line");
    return 1;
}

static int run_acking(int64_t t, uint8_t *flags)
{
    int acks = 0;
    for (;;) {
        acks += ack_if_high(flags);
        int64_t d = clock_next_deadline(&clk);
        if (d > t)
            break;
        clock_warp_to(&clk, d);
        clock_run_timers(&clk);
    }
    clock_warp_to(&clk, t);
    clock_run_timers(&clk);
    return acks + ack_if_high(flags);
}

static void expect_time(uint8_t s, uint8_t m, uint8_t h, uint8_t dow, uint8_t dom, uint8_t mon, uint8_t y,
                        uint8_t century)
{
    cr_expect_eq(rd(0x00), s, "seconds %02x want %02x", rd(0x00), s);
    cr_expect_eq(rd(0x02), m, "minutes %02x want %02x", rd(0x02), m);
    cr_expect_eq(rd(0x04), h, "hours %02x want %02x", rd(0x04), h);
    cr_expect_eq(rd(0x06), dow, "day of week %02x want %02x", rd(0x06), dow);
    cr_expect_eq(rd(0x07), dom, "day %02x want %02x", rd(0x07), dom);
    cr_expect_eq(rd(0x08), mon, "month %02x want %02x", rd(0x08), mon);
    cr_expect_eq(rd(0x09), y, "year %02x want %02x", rd(0x09), y);
    cr_expect_eq(rd(0x32), century, "century %02x want %02x", rd(0x32), century);
    cr_expect_eq(rd(0x37), century, "PS/2 century");
}

Test(rtc, power_on_registers)
{
    cr_assert_eq(rd(0x0A), 0x26);
    cr_assert_eq(rd(0x0B), 0x02);
    cr_assert_eq(rd(0x0C), 0x00);
    cr_assert_eq(rd(0x0D), 0x80);
    cr_assert_eq(rtc_io_ops.read(rtc, 0, 1), 0xFF, "index port is write-only");
    cr_assert_not(spy.level);
}

Test(rtc, civil_conversion)
{
    cr_assert_eq(rtc_civil_to_seconds(1970, 1, 1, 0, 0, 0), 0);
    cr_assert_eq(rtc_civil_to_seconds(2024, 2, 29, 0, 0, 0), LEAP_DAY);
    cr_assert_eq(rtc_civil_to_seconds(2000, 1, 1, 0, 0, 0), 946684800LL);
    cr_assert_eq(rtc_civil_to_seconds(2038, 1, 19, 3, 14, 8), 2147483648LL);
    cr_assert_eq(rtc_civil_to_seconds(1969, 12, 31, 23, 59, 59), -1);
}

Test(rtc, bcd_24h)
{
    expect_time(0x30, 0x45, 0x13, 0x05, 0x29, 0x02, 0x24, 0x20);
    cr_assert_eq(rtc_get_time(rtc), LEAP_DAY + 49530);
}

Test(rtc, binary_24h)
{
    wr(0x0B, 0x06);
    expect_time(30, 45, 13, 5, 29, 2, 24, 20);
}

Test(rtc, twelve_hour_modes)
{
    wr(0x0B, 0x00);     /* BCD, 12-hour */
    cr_assert_eq(rd(0x04), 0x81, "1 PM");
    wr(0x0B, 0x04);     /* binary, 12-hour */
    cr_assert_eq(rd(0x04), 0x81, "1 PM");
    make(LEAP_DAY + 15 * 60);           /* 00:15 */
    wr(0x0B, 0x00);
    cr_assert_eq(rd(0x04), 0x12, "midnight is 12 AM");
    make(LEAP_DAY + 12 * 3600 + 1);     /* 12:00:01 */
    wr(0x0B, 0x00);
    cr_assert_eq(rd(0x04), 0x92, "noon is 12 PM");
    make(LEAP_DAY + 23 * 3600);
    wr(0x0B, 0x04);
    cr_assert_eq(rd(0x04), 0x80 | 11, "11 PM in binary");
}

Test(rtc, updates_tick_across_day_and_month)
{
    make(LEAP_DAY + 86398);     /* 2024-02-29 23:59:58 */
    expect_time(0x58, 0x59, 0x23, 0x05, 0x29, 0x02, 0x24, 0x20);
    goto_ns(SEC - 1);
    cr_assert_eq(rd(0x00), 0x58, "no update before the second ends");
    goto_ns(SEC);
    cr_assert_eq(rd(0x00), 0x59);
    goto_ns(2 * SEC);
    expect_time(0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x24, 0x20);
}

Test(rtc, century_rollover)
{
    make(946684799);    /* 1999-12-31 23:59:59, a Friday */
    expect_time(0x59, 0x59, 0x23, 0x06, 0x31, 0x12, 0x99, 0x19);
    goto_ns(SEC);
    expect_time(0x00, 0x00, 0x00, 0x07, 0x01, 0x01, 0x00, 0x20);
}

Test(rtc, uip_window_before_each_update)
{
    for (int k = 1; k <= 3; k++) {
        goto_ns(k * SEC - 244001);
        cr_assert_eq(rd(0x0A), 0x26, "UIP clear before the window");
        goto_ns(k * SEC - 244000);
        cr_assert_eq(rd(0x0A), 0xA6, "UIP set 244 us before the update");
        goto_ns(k * SEC - 1);
        cr_assert_eq(rd(0x0A), 0xA6);
        cr_assert_eq(rd(0x00), (uint8_t)(0x30 + k - 1), "old time during UIP");
        goto_ns(k * SEC);
        cr_assert_eq(rd(0x0A), 0x26, "UIP clear after the update");
        cr_assert_eq(rd(0x00), (uint8_t)(0x30 + k));
    }
    wr(0x0A, 0xA6);
    cr_assert_eq(rd(0x0A), 0x26, "UIP is read-only");
}

Test(rtc, set_halts_and_sets_time)
{
    goto_ns(SEC / 2);
    wr(0x0B, 0x82);
    goto_ns(4 * SEC - 100000);
    cr_assert_eq(rd(0x00), 0x30, "SET halts updates");
    cr_assert_eq(rd(0x0A), 0x26, "no UIP while SET");
    /* 2030-06-15 (a Saturday) 08:00:59 */
    wr(0x00, 0x59);
    wr(0x02, 0x00);
    wr(0x04, 0x08);
    wr(0x06, 0x07);
    wr(0x07, 0x15);
    wr(0x08, 0x06);
    wr(0x09, 0x30);
    wr(0x32, 0x20);
    cr_assert_eq(rd(0x00), 0x59, "registers read back while SET");
    goto_ns(4 * SEC - 50000);
    wr(0x0B, 0x02);
    cr_assert_eq(rtc_get_time(rtc), rtc_civil_to_seconds(2030, 6, 15, 8, 0, 59));
    expect_time(0x59, 0x00, 0x08, 0x07, 0x15, 0x06, 0x30, 0x20);
    /* The divider kept its phase: the next update is at 4 s. */
    goto_ns(4 * SEC - 1);
    cr_assert_eq(rd(0x00), 0x59);
    goto_ns(4 * SEC);
    expect_time(0x00, 0x01, 0x08, 0x07, 0x15, 0x06, 0x30, 0x20);
}

Test(rtc, set_in_binary_12h_and_day_of_week_kept)
{
    wr(0x0B, 0x84);     /* SET, binary, 12-hour */
    wr(0x00, 10);
    wr(0x02, 20);
    wr(0x04, 0x80 | 3);     /* 3 PM */
    wr(0x06, 2);            /* Monday, although the date is a Thursday */
    wr(0x07, 29);           /* the date bytes were latched in BCD: rewrite */
    wr(0x08, 2);
    wr(0x09, 24);
    wr(0x32, 20);
    wr(0x0B, 0x04);         /* run in the same format */
    cr_assert_eq(rd(0x04), 0x83);
    wr(0x0B, 0x06);         /* 24-hour while running: shown converted */
    cr_assert_eq(rd(0x04), 15);
    cr_assert_eq(rd(0x06), 2, "software's day of week is kept");
    cr_assert_eq(rd(0x07), 29);
}

Test(rtc, set_clears_uie)
{
    wr(0x0B, 0x12);
    wr(0x0B, 0x92);
    cr_assert_eq(rd(0x0B), 0x82, "SET going high clears UIE");
}

Test(rtc, write_while_running_keeps_phase)
{
    goto_ns(SEC / 4);
    wr(0x02, 0x10);     /* minutes */
    cr_assert_eq(rd(0x02), 0x10);
    cr_assert_eq(rd(0x00), 0x30);
    goto_ns(SEC);
    cr_assert_eq(rd(0x00), 0x31);
    cr_assert_eq(rd(0x04), 0x13);
}

Test(rtc, divider_reset_halts_then_first_update_after_half_second)
{
    goto_ns(SEC / 4);
    wr(0x0A, 0x76);
    goto_ns(3 * SEC);
    cr_assert_eq(rd(0x00), 0x30, "divider reset halts the clock");
    wr(0x0A, 0x26);
    goto_ns(3 * SEC + SEC / 2 - 1);
    cr_assert_eq(rd(0x00), 0x30);
    goto_ns(3 * SEC + SEC / 2);
    cr_assert_eq(rd(0x00), 0x31, "first update 500 ms after leaving reset");
    goto_ns(4 * SEC + SEC / 2);
    cr_assert_eq(rd(0x00), 0x32);
}

static void check_periodic(uint8_t rs, int hz)
{
    uint8_t flags = 0;
    wr(0x0A, (uint8_t)(0x20 | rs));
    wr(0x0B, 0x42);
    rd(0x0C);
    int64_t t0 = clock_now(&clk);
    spy.rises = 0;
    int acks = run_acking(t0 + SEC, &flags);
    cr_assert_eq(spy.rises, hz, "RS=%u: %d IRQs in 1 s, want %d", rs, spy.rises, hz);
    cr_assert_eq(acks, hz);
    cr_assert_eq(flags & 0xF0, 0xC0 | 0x10, "PF (and UF, unenabled) seen");
    /* Edges at exact multiples of 1/hz from the divider phase. */
    for (int k = 1; k < hz && k < 2048; k++) {
        int64_t want = t0 + ((int64_t)k * SEC + hz - 1) / hz;
        cr_assert_eq(spy.rise_ns[k - 1], want, "RS=%u edge %d at %lld want %lld", rs, k,
                     (long long)spy.rise_ns[k - 1], (long long)want);
    }
}

Test(rtc, periodic_1024hz)
{
    check_periodic(6, 1024);
}

Test(rtc, periodic_other_rates)
{
    check_periodic(15, 2);
    check_periodic(1, 256);
    check_periodic(2, 128);
    check_periodic(3, 8192);
}

Test(rtc, periodic_off_and_pf_without_pie)
{
    wr(0x0A, 0x20);     /* RS = 0: no periodic flag */
    goto_ns(SEC / 10);
    cr_assert_eq(rd(0x0C) & 0x40, 0);
    wr(0x0A, 0x26);
    goto_ns(SEC / 5);
    cr_assert_eq(rd(0x0C), 0x40, "PF sets without PIE, no IRQF");
    cr_assert_eq(spy.rises, 0);
    cr_assert_eq(clock_next_deadline(&clk), CLOCK_NEVER, "no timer when nothing is enabled");
    /* PF pending, then PIE enabled: IRQF and the line rise at once. */
    goto_ns(SEC / 5 + SEC / 100);
    wr(0x0B, 0x42);
    cr_assert(spy.level);
    cr_assert_eq(rd(0x0C), 0xC0);
    cr_assert_not(spy.level);
    cr_assert_eq(rd(0x0C), 0x00, "read clears");
}

Test(rtc, update_ended_interrupt)
{
    uint8_t flags = 0;
    wr(0x0B, 0x12);
    int acks = run_acking(5 * SEC + SEC / 2, &flags);
    cr_assert_eq(acks, 5);
    cr_assert_eq(spy.rises, 5);
    for (int k = 0; k < 5; k++)
        cr_assert_eq(spy.rise_ns[k], (k + 1) * SEC, "UF at each update");
    cr_assert_eq(flags, 0x80 | 0x40 | 0x10, "PF also set (not enabled)");
}

Test(rtc, alarm_interrupt)
{
    wr(0x01, 0x33);
    wr(0x03, 0x45);
    wr(0x05, 0x13);     /* 13:45:33 */
    wr(0x0B, 0x22);
    goto_ns(3 * SEC - 1);
    cr_assert_not(spy.level);
    goto_ns(3 * SEC);
    cr_assert(spy.level, "alarm at 13:45:33");
    cr_assert_eq(rd(0x0C), 0x80 | 0x40 | 0x20 | 0x10);
    cr_assert_not(spy.level);
    goto_ns(100 * SEC);
    cr_assert_not(spy.level, "no second match");
    cr_assert_eq(rd(0x0C) & 0x20, 0);
}

Test(rtc, alarm_dont_care)
{
    uint8_t flags = 0;
    wr(0x01, 0x00);
    wr(0x03, 0xC0);
    wr(0x05, 0xFF);     /* every minute at :00 */
    wr(0x0B, 0x22);
    int acks = run_acking(3 * 60 * SEC, &flags);
    cr_assert_eq(acks, 3);
    cr_assert_eq(spy.rise_ns[0], 30 * SEC, "13:46:00");
    cr_assert_eq(spy.rise_ns[1], 90 * SEC);
    wr(0x01, 0xC5);     /* all don't care: every second */
    rd(0x0C);
    spy.rises = 0;
    acks = run_acking(3 * 60 * SEC + 10 * SEC, &flags);
    cr_assert_eq(acks, 10);
}

Test(rtc, alarm_flag_found_lazily)
{
    /* No AIE, no timer: reading C long after still reports AF. */
    wr(0x01, 0x00);
    wr(0x03, 0x00);
    wr(0x05, 0x02);     /* 02:00:00 next day */
    rd(0x0C);
    goto_ns(20 * 3600 * SEC);
    cr_assert_eq(rd(0x0C), 0x70);
    goto_ns(20 * 3600 * SEC + 10 * SEC);
    cr_assert_eq(rd(0x0C), 0x50, "no alarm in the last 10 s");
}

Test(rtc, nmi_mask_bit_does_not_change_data)
{
    rtc_set_cmos(rtc, 0x40, 0x5A);
    rtc_io_ops.write(rtc, 0, 0x80 | 0x40, 1);
    cr_assert(rtc_nmi_masked(rtc));
    cr_assert_eq(rtc_io_ops.read(rtc, 1, 1), 0x5A);
    rtc_io_ops.write(rtc, 0, 0x80 | 0x00, 1);
    cr_assert_eq(rtc_io_ops.read(rtc, 1, 1), 0x30, "seconds through a masked index");
    rtc_io_ops.write(rtc, 0, 0x40, 1);
    cr_assert_not(rtc_nmi_masked(rtc));
    cr_assert_eq(rtc_io_ops.read(rtc, 1, 1), 0x5A);
}

Test(rtc, read_only_registers)
{
    wr(0x0D, 0x00);
    cr_assert_eq(rd(0x0D), 0x80);
    wr(0x0C, 0xFF);
    cr_assert_eq(rd(0x0C), 0x00);
    rtc_set_cmos(rtc, 0x00, 0x12);
    cr_assert_eq(rd(0x00), 0x30, "rtc_set_cmos leaves the clock alone");
    cr_assert_eq(rtc_get_cmos(rtc, 0x200), 0xFF);
}

static unsigned cmos16(unsigned lo)
{
    return rtc_get_cmos(rtc, lo) | rtc_get_cmos(rtc, lo + 1) << 8;
}

static void check_checksum(void)
{
    unsigned sum = 0;
    for (unsigned i = 0x10; i <= 0x2D; i++)
        sum += rd(i);
    cr_assert_eq(rd(0x2E) << 8 | rd(0x2F), sum & 0xFFFF, "checksum");
}

Test(rtc, cmos_fill_pc_32m)
{
    RtcPcInfo info = {
        .ram_below_4g = 32ULL << 20,
        .fpu = true,
        .cpus = 1,
        .boot = {RTC_BOOT_DISK, RTC_BOOT_CDROM, RTC_BOOT_NETWORK},
        .skip_floppy_sig = true,
    };
    rtc_cmos_fill_pc(rtc, &info);
    cr_assert_eq(rd(0x10), 0x00, "no floppies");
    cr_assert_eq(rd(0x12), 0x00, "no disks");
    cr_assert_eq(rd(0x14), 0x02, "FPU, VGA, no floppies");
    cr_assert_eq(cmos16(0x15), 640);
    cr_assert_eq(cmos16(0x17), 31 * 1024);
    cr_assert_eq(cmos16(0x30), 31 * 1024);
    cr_assert_eq(cmos16(0x34), (32 - 16) * 16);
    cr_assert_eq(rd(0x5B) | rd(0x5C) << 8 | rd(0x5D) << 16, 0);
    cr_assert_eq(rd(0x5F), 0);
    cr_assert_eq(rd(0x3D), 0x32, "disk first, CD-ROM second");
    cr_assert_eq(rd(0x38), 0x41, "network third, floppy signature not checked");
    cr_assert_eq(rd(0x32), 0x20);
    check_checksum();
}

Test(rtc, cmos_fill_pc_large_with_drives)
{
    RtcPcInfo info = {
        .ram_below_4g = 3584ULL << 20,
        .ram_above_4g = 1ULL << 30,
        .floppy_type = {4, 0},
        .disk_present = {true, false},
        .cpus = 2,
        .boot = {RTC_BOOT_FLOPPY, RTC_BOOT_DISK, RTC_BOOT_NONE},
    };
    rtc_cmos_fill_pc(rtc, &info);
    cr_assert_eq(rd(0x10), 0x40);
    cr_assert_eq(rd(0x14), 0x01, "one floppy, no FPU");
    cr_assert_eq(rd(0x12), 0xF0);
    cr_assert_eq(rd(0x19), 47);
    cr_assert_eq(cmos16(0x17), 0xFFFF, "capped");
    cr_assert_eq(cmos16(0x30), 0xFFFF, "capped");
    cr_assert_eq(cmos16(0x34), (3584 - 16) * 16);
    cr_assert_eq(rd(0x5B) | rd(0x5C) << 8 | rd(0x5D) << 16, 16384);
    cr_assert_eq(rd(0x5F), 1);
    cr_assert_eq(rd(0x3D), 0x21);
    cr_assert_eq(rd(0x38), 0x00);
    check_checksum();
    rtc_set_cmos(rtc, 0x2D, 0x77);
    rtc_cmos_update_checksum(rtc);
    check_checksum();
}

Test(rtc, reset_clears_enables_and_flags_keeps_time)
{
    wr(0x0B, 0x7E);     /* PIE AIE UIE SQWE binary 24h */
    goto_ns(SEC);
    cr_assert(spy.level);
    Device *d = rtc_device(rtc);
    d->reset(d->opaque);
    cr_assert_not(spy.level, "reset releases IRQ");
    cr_assert_eq(rd(0x0B), 0x06, "DM and 24/12 kept");
    cr_assert_eq(rd(0x0C), 0x00);
    cr_assert_eq(rd(0x00), 31, "time kept");
    cr_assert_eq(clock_next_deadline(&clk), CLOCK_NEVER);
}

Test(rtc, save_load_round_trip)
{
    rtc_set_cmos(rtc, 0x50, 0xAB);
    wr(0x01, 0xC0);
    wr(0x03, 0xC0);
    wr(0x05, 0xC0);
    wr(0x0B, 0x82);
    wr(0x06, 0x03);     /* odd day of week */
    wr(0x0B, 0x42);     /* run, PIE */
    goto_ns(SEC / 3);
    rd(0x0C);           /* line low at the save */
    rtc_io_ops.write(rtc, 0, 0x80 | 0x50, 1);
    Device *d = rtc_device(rtc);
    StateWriter w;
    state_writer_init(&w);
    state_save(&w, d->fields, d->state);

    IrqSpy spy2 = {0};
    Mc146818Rtc *a = rtc;
    rtc = rtc_new(&clk, irq_line(spy_set, &spy2, 8), NULL, 0);
    Device *d2 = rtc_device(rtc);
    StateReader r = {w.buf, w.len, 0};
    Error err = {0};
    cr_assert(state_load(&r, d2->fields, d2->state, "rtc", &err), "%s", err.msg);
    cr_assert_eq(r.pos, w.len);
    state_writer_free(&w);
    rtc_free(a);

    cr_assert(rtc_nmi_masked(rtc));
    cr_assert_eq(rtc_io_ops.read(rtc, 1, 1), 0xAB, "index and CMOS restored");
    cr_assert_eq(rd(0x06), 0x03, "day of week adjustment restored");
    cr_assert_eq(rd(0x00), 0x30);
    cr_assert_eq(rd(0x0B), 0x42);
    cr_assert_neq(clock_next_deadline(&clk), CLOCK_NEVER, "periodic timer re-armed");
    goto_ns(SEC / 3 + SEC / 1000);
    cr_assert(spy2.level, "periodic IRQ after load");
    cr_assert_eq(spy2.rises, 1);
    goto_ns(SEC);
    cr_assert_eq(rd(0x00), 0x31);
    cr_assert_eq(rd(0x0C), 0xF0, "PF, UF and AF (all don't care) pending");
}

Test(rtc, set_time_api)
{
    rtc_set_time(rtc, rtc_civil_to_seconds(2001, 9, 9, 1, 46, 40));
    expect_time(0x40, 0x46, 0x01, 0x01, 0x09, 0x09, 0x01, 0x20);
    wr(0x0B, 0x82);
    rtc_set_time(rtc, LEAP_DAY);
    cr_assert_eq(rtc_get_time(rtc), LEAP_DAY);
    cr_assert_eq(rd(0x07), 0x29);
}

/* A hostile guest: random indexes, values (invalid BCD, months 0xFF,
 * divider resets, SET toggles) and time steps never break the device:
 * bytes stay bytes, the line only moves on real changes (spy_set checks)
 * and IRQF in C always matches the line. */
Test(rtc, fuzz_registers)
{
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        unsigned reg = (unsigned)(x >> 8) % 0x40;
        uint8_t v = (uint8_t)(x >> 20);
        switch (x % 5) {
        case 0:
            goto_ns(clock_now(&clk) + (int64_t)((x >> 32) % (3 * SEC)));
            break;
        case 1:
            wr(reg, v);
            break;
        case 2:
            wr(reg < 0x0E ? reg : 0x0B, v);
            break;
        default: {
            bool level = spy.level;
            uint8_t r = rd(reg);
            if (reg == 0x0C)
                cr_assert_eq((r & 0x80) != 0, level, "IRQF matches the line");
            break;
        }
        }
    }
}
