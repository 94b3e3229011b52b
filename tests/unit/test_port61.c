/* Port 0x61 (System Control Port B) against a real 8254 on a deterministic
 * clock: channel 2 GATE and OUT, the refresh toggle's timing, the writable
 * and read-as-zero bits, the once-only speaker message and save/load; and
 * port 0x80's POST code log and read-back. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/state.h"
#include "devices/i8254_pit.h"
#include "devices/pc_port61.h"
#include "devices/post_port.h"

#define HZ 1193182

static Clock clk;
static I8254Pit *pit;
static PcPort61 *p61;
static Log log_;

static void setup(void)
{
    clock_init_deterministic(&clk, 0);
    log_ = (Log){.mask = LOG_UNIMP | LOG_IOPORT, .out = tmpfile()};
    cr_assert_not_null(log_.out);
    pit = pit_new(&clk, irq_line(NULL, NULL, 0), NULL);
    p61 = port61_new(pit, &clk, &log_);
}

static void teardown(void)
{
    port61_free(p61);
    pit_free(pit);
    clock_destroy(&clk);
    fclose(log_.out);
}

/* Everything written to the log so far. */
static char *log_text(void)
{
    static char buf[4096];
    fflush(log_.out);
    long n = ftell(log_.out);
    rewind(log_.out);
    size_t got = fread(buf, 1, sizeof(buf) - 1, log_.out);
    buf[got] = 0;
    fseek(log_.out, n, SEEK_SET);
    return buf;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *s = hay; (s = strstr(s, needle)); s += strlen(needle))
        n++;
    return n;
}

static int64_t tick_ns(int64_t k)
{
    unsigned __int128 x = (unsigned __int128)k * 1000000000u;
    return (int64_t)((x + HZ - 1) / HZ);
}

static void goto_ns(int64_t t)
{
    clock_run_until(&clk, t);
}

static uint8_t rd61(void)
{
    uint64_t v = port61_io_ops.read(p61, 0, 1);
    cr_assert_leq(v, 0xFF);
    return (uint8_t)v;
}

static void wr61(uint8_t v)
{
    port61_io_ops.write(p61, 0, v, 1);
}

TestSuite(port61, .init = setup, .fini = teardown);

Test(port61, reset_state)
{
    cr_assert_eq(rd61() & 0xCF, 0x00, "bits 0-3 clear, 6-7 zero");
}

Test(port61, writable_bits_and_read_only_zeros)
{
    wr61(0xFF);
    uint8_t v = rd61();
    cr_assert_eq(v & 0x0F, 0x0F, "bits 0-3 read back");
    cr_assert_eq(v & 0xC0, 0x00, "no parity or channel-check errors");
    wr61(0x0C);
    cr_assert_eq(rd61() & 0x0F, 0x0C);
}

Test(port61, gate_drives_pit_channel2_and_out_reads_back)
{
    /* Channel 2, mode 0, count 10: OUT low, counts only while GATE is high. */
    pit_io_ops.write(pit, 3, 0xB0, 1);
    pit_io_ops.write(pit, 2, 10, 1);
    pit_io_ops.write(pit, 2, 0, 1);
    goto_ns(tick_ns(100));
    cr_assert_eq(rd61() & 0x20, 0, "GATE low: no count, OUT low");
    wr61(0x01);
    goto_ns(tick_ns(105));
    cr_assert_eq(rd61() & 0x20, 0, "counting");
    goto_ns(tick_ns(112));
    cr_assert_eq(rd61() & 0x20, 0x20, "terminal count: OUT high");
    cr_assert(pit_get_out(pit, 2));
}

Test(port61, gate_low_holds_square_wave_out_high)
{
    /* Channel 2, mode 3 (the speaker tone), count 4: with GATE low OUT is
     * forced high; with GATE high it toggles every 2 clocks. */
    pit_io_ops.write(pit, 3, 0xB6, 1);
    pit_io_ops.write(pit, 2, 4, 1);
    pit_io_ops.write(pit, 2, 0, 1);
    goto_ns(tick_ns(10));
    cr_assert_eq(rd61() & 0x20, 0x20);
    wr61(0x03);
    int highs = 0;
    for (int k = 12; k < 28; k++) {
        goto_ns(tick_ns(k));
        highs += (rd61() & 0x20) != 0;
    }
    cr_assert_eq(highs, 8, "50%% duty cycle");
    wr61(0x00);
    cr_assert_eq(rd61() & 0x20, 0x20);
}

Test(port61, refresh_toggle_every_18_pit_clocks)
{
    int64_t flips = 0;
    uint8_t last = rd61() & 0x10;
    cr_assert_eq(last, 0);
    for (int64_t k = 1; k <= 18 * 20; k++) {
        goto_ns(tick_ns(k) - 1);
        cr_assert_eq(rd61() & 0x10, last, "steady between requests (clock %lld)", (long long)k);
        goto_ns(tick_ns(k));
        uint8_t now = rd61() & 0x10;
        if (k % 18 == 0) {
            cr_assert_neq(now, last, "toggles at clock %lld", (long long)k);
            flips++;
        } else {
            cr_assert_eq(now, last);
        }
        last = now;
    }
    cr_assert_eq(flips, 20);
    /* 15.085 us per toggle */
    cr_assert_eq(tick_ns(18), 15086);
}

Test(port61, speaker_logged_once)
{
    wr61(0x02);
    wr61(0x03);
    wr61(0x00);
    wr61(0x02);
    cr_assert_eq(count(log_text(), "speaker is not emulated"), 1);
    cr_assert_eq(rd61() & 0x02, 0x02, "bit stored");
}

Test(port61, reset_and_save_load)
{
    wr61(0x0D);
    Device *d = port61_device(p61);
    StateWriter w;
    state_writer_init(&w);
    state_save(&w, d->fields, d->state);
    d->reset(d->opaque);
    cr_assert_eq(rd61() & 0x0F, 0);
    StateReader r = {w.buf, w.len, 0};
    Error err = {0};
    cr_assert(state_load(&r, d->fields, d->state, "port61", &err), "%s", err.msg);
    state_writer_free(&w);
    cr_assert_eq(rd61() & 0x0F, 0x0D);
}

Test(port61, post_code_logged_and_read_back)
{
    PostPort *pp = post_port_new(&log_);
    cr_assert_eq(post_port_io_ops.read(pp, 0, 1), 0x00);
    post_port_io_ops.write(pp, 0, 0x3A, 1);
    post_port_io_ops.write(pp, 0, 0x1FF, 1);
    cr_assert_eq(post_port_io_ops.read(pp, 0, 1), 0xFF, "last byte written");
    cr_assert_eq(post_port_last(pp), 0xFF);
    char *t = log_text();
    cr_assert(strstr(t, "POST code 0x3a\n"), "log: %s", t);
    cr_assert(strstr(t, "POST code 0xff\n"), "log: %s", t);

    Device *d = post_port_device(pp);
    StateWriter w;
    state_writer_init(&w);
    state_save(&w, d->fields, d->state);
    d->reset(d->opaque);
    cr_assert_eq(post_port_io_ops.read(pp, 0, 1), 0x00);
    StateReader r = {w.buf, w.len, 0};
    Error err = {0};
    cr_assert(state_load(&r, d->fields, d->state, "post", &err), "%s", err.msg);
    state_writer_free(&w);
    cr_assert_eq(post_port_io_ops.read(pp, 0, 1), 0xFF);
    post_port_free(pp);
}

Test(port61, post_code_silent_without_ioport)
{
    log_.mask = LOG_UNIMP;
    PostPort *pp = post_port_new(&log_);
    post_port_io_ops.write(pp, 0, 0x55, 1);
    cr_assert_null(strstr(log_text(), "POST"));
    cr_assert_eq(post_port_io_ops.read(pp, 0, 1), 0x55);
    post_port_free(pp);
    PostPort *quiet = post_port_new(NULL);
    post_port_io_ops.write(quiet, 0, 0x12, 1);
    cr_assert_eq(post_port_io_ops.read(quiet, 0, 1), 0x12);
    post_port_free(quiet);
}
