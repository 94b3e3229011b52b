/* The NS16550A UART, driven only through its IoOps (plus the host-side
 * receive calls) with a deterministic clock, an IRQ spy and a file
 * chardev: register reset values, DLAB, THR output, every interrupt source
 * and their priorities, FIFO trigger levels, the character timeout,
 * loopback, flow control, save/load and a fixed-seed fuzz run. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/chardev.h"
#include "base/clock.h"
#include "base/input.h"
#include "base/state.h"
#include "devices/uart_16550.h"

/* Register offsets, LCR/MCR/IER bits the tests use. */
enum { RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4,
       LSR = 5, MSR = 6, SCR = 7 };
#define LCR_8N1  0x03
#define LCR_DLAB 0x80
#define LCR_BRK  0x40
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10

typedef struct IrqSpy {
    bool level;
    int rises, falls;
} IrqSpy;

static Clock clk;
static IrqSpy spy;
static Chardev *chr;
static char out_path[1024];
static Uart16550 *uart;

static void spy_set(void *opaque, int n, bool level)
{
    IrqSpy *s = opaque;
    cr_assert_eq(n, 4, "the UART drives the line it was given");
    cr_assert_neq(level, s->level, "irq_set only on a level change");
    if (level)
        s->rises++;
    else
        s->falls++;
    s->level = level;
}

static void setup(void)
{
    static unsigned serial;
    clock_init_deterministic(&clk, 0);
    memset(&spy, 0, sizeof(spy));
    snprintf(out_path, sizeof(out_path), "%s/uart-%s-%d-%u.out", JITPC_TEST_TMPDIR,
             criterion_current_test->name, (int)getpid(), serial++);
    ChardevSpec spec = {.kind = CHARDEV_FILE};
    snprintf(spec.path, sizeof(spec.path), "%s", out_path);
    Error err = {0};
    chr = chardev_open(&spec, NULL, &err);
    cr_assert_not_null(chr, "chardev_open: %s", err.msg);
    uart = uart_new("serial0", &clk, irq_line(spy_set, &spy, 4), chr, NULL);
    cr_assert_not_null(uart);
}

static void teardown(void)
{
    uart_free(uart);
    chardev_close(chr);
    unlink(out_path);
    clock_destroy(&clk);
}

TestSuite(uart, .init = setup, .fini = teardown);

static uint8_t rd(unsigned off)
{
    uint64_t v = uart_io_ops.read(uart, off, 1);
    cr_assert_leq(v, 0xFF, "byte-wide register");
    return (uint8_t)v;
}

static void wr(unsigned off, uint8_t val)
{
    uart_io_ops.write(uart, off, val, 1);
}

static void recv_bytes(const char *s)
{
    uart_receive(uart, (const uint8_t *)s, strlen(s));
}

static void advance(int64_t ns)
{
    clock_advance_icount(&clk, (uint64_t)ns);
    clock_run_timers(&clk);
}

static size_t read_output(uint8_t *buf, size_t cap)
{
    FILE *f = fopen(out_path, "rb");
    cr_assert_not_null(f);
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

Test(uart, reset_values_of_every_register)
{
    cr_assert_eq(uart_io_ops.min_access, 1);
    cr_assert_eq(uart_io_ops.max_access, 1);
    cr_assert_eq(rd(IER), 0x00);
    cr_assert_eq(rd(IIR), 0x01, "nothing pending, FIFOs off");
    cr_assert_eq(rd(LCR), 0x00);
    cr_assert_eq(rd(MCR), 0x00);
    cr_assert_eq(rd(LSR), 0x60, "THRE and TEMT");
    cr_assert_eq(rd(MSR), 0xB0, "CTS, DSR, DCD asserted, no deltas");
    cr_assert_eq(rd(SCR), 0x00);
    cr_assert_eq(rd(RBR), 0x00);
    wr(LCR, LCR_DLAB);
    cr_assert_eq(rd(DLL), 12, "power-on divisor: 9600 baud");
    cr_assert_eq(rd(DLM), 0);
    cr_assert_not(spy.level);
    cr_assert_eq(spy.rises, 0);
    cr_assert_eq(uart_can_receive(uart), 1);
}

Test(uart, reset_keeps_divisor_and_scratch_and_lowers_irq)
{
    wr(LCR, LCR_DLAB);
    wr(DLL, 0x01);
    wr(DLM, 0x02);
    wr(LCR, 0x1F);
    wr(SCR, 0x5A);
    wr(FCR, 0xC1);
    wr(MCR, 0x1F);
    wr(IER, 0x0F);
    cr_assert(spy.level, "THRE (and modem status) pending with OUT2 set");
    wr(THR, 'x');   /* loopback: one byte in the FIFO */

    uart_reset(uart);
    cr_assert_not(spy.level, "reset lowers the IRQ");
    cr_assert_eq(rd(IER), 0x00);
    cr_assert_eq(rd(IIR), 0x01);
    cr_assert_eq(rd(LCR), 0x00);
    cr_assert_eq(rd(MCR), 0x00);
    cr_assert_eq(rd(LSR), 0x60, "FIFO emptied, no DR");
    cr_assert_eq(rd(MSR), 0xB0, "delta bits cleared");
    cr_assert_eq(rd(SCR), 0x5A, "MR leaves the scratch register alone");
    wr(LCR, LCR_DLAB);
    cr_assert_eq(rd(DLL), 0x01, "MR leaves the divisor latch alone");
    cr_assert_eq(rd(DLM), 0x02);
}

Test(uart, device_record_resets_and_frees)
{
    Device *d = uart_device(uart);
    cr_assert_str_eq(d->name, "serial0");
    cr_assert_not_null(d->fields);
    cr_assert_eq(d->state, d->opaque);
    wr(IER, 0x0F);
    wr(SCR, 7);
    d->reset(d->opaque);
    cr_assert_eq(rd(IER), 0);
    cr_assert_eq(rd(SCR), 7);
    d->free(d->opaque);
    uart = NULL;    /* teardown's uart_free(NULL) is a no-op */
}

Test(uart, dlab_selects_the_divisor_latch)
{
    wr(LCR, LCR_DLAB | LCR_8N1);
    wr(DLL, 0x34);
    wr(DLM, 0x12);
    cr_assert_eq(rd(DLL), 0x34);
    cr_assert_eq(rd(DLM), 0x12);
    cr_assert_eq(rd(LCR), LCR_DLAB | LCR_8N1, "LCR reads back all 8 bits");
    cr_assert_eq(rd(IIR), 0x01, "IIR is not banked by DLAB");
    wr(LCR, LCR_8N1);
    cr_assert_eq(rd(IER), 0x00, "offset 1 is IER again");
    wr(IER, 0xF0);
    cr_assert_eq(rd(IER), 0x00, "IER bits 4-7 read 0");
    wr(IER, 0xFF);
    cr_assert_eq(rd(IER), 0x0F);
    wr(IER, 0);
    wr(LCR, LCR_DLAB);
    cr_assert_eq(rd(DLL), 0x34, "IER writes did not touch the divisor");
    cr_assert_eq(rd(DLM), 0x12);
    uint8_t buf[8];
    cr_assert_eq(read_output(buf, sizeof(buf)), 0, "DLL writes are not transmitted");
}

Test(uart, scratch_register_holds_any_byte)
{
    for (unsigned v = 0; v < 256; v += 17) {
        wr(SCR, (uint8_t)v);
        cr_assert_eq(rd(SCR), v);
        cr_assert_eq(rd(LCR), 0, "scratch is independent");
    }
}

Test(uart, mcr_bits_5_to_7_read_zero)
{
    wr(MCR, 0xEF);
    cr_assert_eq(rd(MCR), 0x0F);
}

Test(uart, lsr_and_msr_writes_are_ignored)
{
    wr(LSR, 0x1F);
    wr(MSR, 0x0F);
    cr_assert_eq(rd(LSR), 0x60);
    cr_assert_eq(rd(MSR), 0xB0);
}

Test(uart, thr_bytes_go_to_the_chardev_at_once)
{
    const char *msg = "Hello, 16550!\n\x01\xff";
    wr(LCR, LCR_8N1);
    for (const char *p = msg; *p; p++) {
        wr(THR, (uint8_t)*p);
        cr_assert_eq(rd(LSR), 0x60, "THRE and TEMT are set again at once");
    }
    uint8_t buf[64];
    size_t n = read_output(buf, sizeof(buf));
    cr_assert_eq(n, strlen(msg));
    cr_assert_arr_eq(buf, msg, n);
}

Test(uart, thr_bytes_go_out_whole_even_in_5_bit_mode)
{
    wr(THR, 'A');   /* LCR = 0 after reset: 5-bit words */
    uint8_t buf[4];
    cr_assert_eq(read_output(buf, sizeof(buf)), 1);
    cr_assert_eq(buf[0], 'A', "output is not masked to the word length");
}

Test(uart, thre_interrupt_raise_and_clear)
{
    wr(MCR, MCR_OUT2);
    cr_assert_eq(rd(IIR), 0x01, "THRE is not pending before ETBEI");
    wr(IER, 0x02);
    cr_assert_eq(spy.rises, 1, "enabling ETBEI with THR empty raises THRE at once");
    cr_assert(spy.level);

    wr(THR, 'a');
    cr_assert_eq(spy.falls, 1, "the THR write cleared the interrupt...");
    cr_assert_eq(spy.rises, 2, "...and the emptied THR raised it again");
    cr_assert(spy.level);

    cr_assert_eq(rd(IIR), 0x02);
    cr_assert_not(spy.level, "reading IIR cleared THRE");
    cr_assert_eq(spy.falls, 2);
    cr_assert_eq(rd(IIR), 0x01);

    wr(IER, 0x02);
    cr_assert_eq(rd(IIR), 0x01, "rewriting the same IER is no enabling edge");

    wr(THR, 'b');
    cr_assert_eq(spy.rises, 3, "re-raised after the byte went out");
    cr_assert(spy.level);
    cr_assert_eq(rd(IIR), 0x02);
    wr(IER, 0x00);
    cr_assert_not(spy.level, "masked by IER");
    cr_assert_eq(rd(IIR), 0x01);
    wr(IER, 0x02);
    cr_assert(spy.level, "re-enabling ETBEI samples THRE again");
    cr_assert_eq(rd(IIR), 0x02);
}

Test(uart, out2_gates_the_irq_line)
{
    wr(IER, 0x02);
    cr_assert_not(spy.level, "OUT2 clear: no IRQ");
    cr_assert_eq(spy.rises, 0);
    wr(MCR, MCR_OUT2);
    cr_assert(spy.level, "setting OUT2 lets the pending interrupt through");
    wr(MCR, 0x03);
    cr_assert_not(spy.level, "clearing OUT2 blocks it again");
    cr_assert_eq(rd(IIR), 0x02, "the interrupt is still pending inside the chip");
    wr(MCR, MCR_OUT2 | 0x03);
    cr_assert_not(spy.level, "the IIR read consumed it");
    cr_assert_eq(spy.rises, 1);
}

Test(uart, rx_non_fifo_through_loopback_with_overrun)
{
    wr(LCR, LCR_8N1);
    wr(MCR, MCR_LOOP);
    wr(THR, 'A');
    cr_assert_eq(rd(LSR), 0x61, "DR set");
    cr_assert_eq(rd(RBR), 'A');
    cr_assert_eq(rd(LSR), 0x60, "DR clear after reading RBR");
    cr_assert_eq(rd(RBR), 'A', "RBR keeps the last byte");

    wr(THR, 'B');
    wr(THR, 'C');
    cr_assert_eq(rd(LSR), 0x63, "second byte before the read: OE");
    cr_assert_eq(rd(LSR), 0x61, "OE clears on an LSR read, DR stays");
    cr_assert_eq(rd(RBR), 'C', "16450 mode: the newer byte overwrote RBR");
    uint8_t buf[4];
    cr_assert_eq(read_output(buf, sizeof(buf)), 0, "loopback sends nothing to the host");

    wr(LCR, 0x00);  /* 5-bit words: the receiver gets only 5 bits */
    wr(THR, 0xE7);
    cr_assert_eq(rd(RBR), 0x07);
}

Test(uart, rx_non_fifo_from_the_host_with_rda_interrupt)
{
    wr(MCR, MCR_OUT2);
    wr(IER, 0x01);
    cr_assert_eq(uart_can_receive(uart), 1);
    recv_bytes("z");
    cr_assert_eq(uart_can_receive(uart), 0, "RBR full");
    cr_assert(spy.level);
    cr_assert_eq(rd(IIR), 0x04);
    cr_assert(spy.level, "reading IIR does not clear RDA");
    cr_assert_eq(rd(RBR), 'z');
    cr_assert_not(spy.level);
    cr_assert_eq(rd(IIR), 0x01);
    cr_assert_eq(uart_can_receive(uart), 1);
}

Test(uart, fifo_enable_clear_and_iir_bits)
{
    wr(FCR, 0x01);
    cr_assert_eq(rd(IIR), 0xC1, "IIR bits 7:6 report FIFOs on");
    cr_assert_eq(uart_can_receive(uart), 16);
    recv_bytes("abc");
    cr_assert_eq(uart_can_receive(uart), 13);
    cr_assert_eq(rd(LSR) & 0x01, 0x01);

    wr(FCR, 0x01);
    cr_assert_eq(uart_can_receive(uart), 13, "rewriting FCR bit 0 unchanged keeps the data");
    wr(FCR, 0x03);
    cr_assert_eq(uart_can_receive(uart), 16, "FCR bit 1 clears the RX FIFO");
    cr_assert_eq(rd(LSR), 0x60, "and DR");
    wr(FCR, 0x01);
    cr_assert_eq(rd(IIR), 0xC1, "FCR bits 1-2 are self-clearing");

    recv_bytes("de");
    wr(FCR, 0x05);
    cr_assert_eq(uart_can_receive(uart), 14, "FCR bit 2 clears only the TX FIFO");
    cr_assert_eq(rd(RBR), 'd', "FIFO order");
    cr_assert_eq(rd(RBR), 'e');
    cr_assert_eq(rd(LSR), 0x60);

    recv_bytes("fg");
    wr(FCR, 0x00);
    cr_assert_eq(rd(IIR), 0x01, "FIFOs off");
    cr_assert_eq(rd(LSR), 0x60, "turning the FIFOs off cleared them");
    cr_assert_eq(uart_can_receive(uart), 1);
    recv_bytes("h");
    wr(FCR, 0x06);
    cr_assert_eq(rd(IIR), 0x01, "other bits do nothing without bit 0");
    cr_assert_eq(rd(LSR), 0x61, "the 16450 RBR was not cleared");
    wr(FCR, 0x01);
    cr_assert_eq(rd(LSR), 0x60, "turning the FIFOs on cleared RBR");
    cr_assert_eq(uart_can_receive(uart), 16);
}

Test(uart, rda_interrupt_exactly_at_each_trigger_level)
{
    static const struct { uint8_t fcr; unsigned level; } cases[] = {
        {0x01, 1}, {0x41, 4}, {0x81, 8}, {0xC1, 14},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        uart_reset(uart);
        wr(MCR, MCR_OUT2);
        wr(FCR, cases[c].fcr);
        wr(IER, 0x01);
        unsigned level = cases[c].level;
        for (unsigned i = 0; i + 1 < level; i++) {
            recv_bytes("x");
            cr_assert_eq(rd(IIR), 0xC1, "level %u: %u bytes are below the trigger", level, i + 1);
            cr_assert_not(spy.level);
        }
        recv_bytes("y");
        cr_assert_eq(rd(IIR), 0xC4, "level %u: RDA at the trigger level", level);
        cr_assert(spy.level, "level %u", level);
        if (level < 16) {
            recv_bytes("z");
            cr_assert_eq(rd(IIR), 0xC4, "level %u: above the trigger", level);
            rd(RBR);
        }
        rd(RBR);
        cr_assert_eq(rd(IIR), 0xC1, "level %u: one read drops below the trigger", level);
        cr_assert_not(spy.level, "level %u", level);
    }
}

/* Receive one byte, then check the character timeout fires exactly
 * `expect_ns` later and not one nanosecond earlier. */
static void check_timeout(uint16_t divisor, uint8_t lcr, int64_t expect_ns)
{
    wr(LCR, LCR_DLAB);
    wr(DLL, (uint8_t)divisor);
    wr(DLM, (uint8_t)(divisor >> 8));
    wr(LCR, lcr);
    wr(FCR, 0xC7);      /* trigger 14, both FIFOs cleared */
    wr(IER, 0x01);
    wr(MCR, MCR_OUT2);
    recv_bytes("t");
    advance(expect_ns - 1);
    cr_assert_eq(rd(IIR), 0xC1, "divisor %u LCR %#x: no timeout before 4 chars", divisor, lcr);
    cr_assert_not(spy.level);
    advance(1);
    cr_assert_eq(rd(IIR), 0xCC, "divisor %u LCR %#x: timeout after 4 chars", divisor, lcr);
    cr_assert(spy.level);
    cr_assert_eq(rd(RBR), 't');
    cr_assert_eq(rd(IIR), 0xC1, "reading RBR clears the timeout");
    cr_assert_not(spy.level);
}

Test(uart, character_timeout_after_four_character_times)
{
    /* 38400 baud 7E2: 11 bits; 4 * 11 * 3 * 16 / 1843200 s = 1145833.3 ns */
    check_timeout(3, 0x1E, 1145834);
    /* 9600 baud 8N1: 10 bits; 4 * 10 * 12 * 16 / 1843200 s = 4166666.7 ns */
    check_timeout(12, 0x03, 4166667);
    /* 115200 baud 5 bits, 1.5 stop: 7.5 bits; 480 / 1843200 s = 260416.7 ns */
    check_timeout(1, 0x04, 260417);
    /* 6 bits, odd parity, 2 stop: 10 bits at divisor 0x0100 */
    check_timeout(0x100, 0x0D, 88888889);
}

Test(uart, character_timeout_restarts_on_receive_and_read)
{
    const int64_t t4 = 1145834;     /* divisor 3, 7E2 as above */
    wr(LCR, LCR_DLAB);
    wr(DLL, 3);
    wr(LCR, 0x1E);
    wr(FCR, 0xC1);
    wr(IER, 0x01);
    wr(MCR, MCR_OUT2);
    recv_bytes("a");
    advance(t4 / 2);
    recv_bytes("b");
    advance(t4 - 1);
    cr_assert_eq(rd(IIR), 0xC1, "a new byte restarted the timeout");
    advance(1);
    cr_assert_eq(rd(IIR), 0xCC);
    cr_assert_eq(rd(RBR), 'a');
    cr_assert_eq(rd(IIR), 0xC1);
    advance(t4 - 1);
    cr_assert_eq(rd(IIR), 0xC1, "the read restarted the timeout for the byte left");
    advance(1);
    cr_assert_eq(rd(IIR), 0xCC);
    recv_bytes("c");
    cr_assert_eq(rd(IIR), 0xCC, "a new byte does not clear a signalled timeout");
    cr_assert_eq(rd(RBR), 'b');
    cr_assert_eq(rd(RBR), 'c');
    cr_assert_eq(rd(IIR), 0xC1);
    advance(10 * t4);
    cr_assert_eq(rd(IIR), 0xC1, "no timeout with an empty FIFO");
    cr_assert_not(spy.level);
}

Test(uart, no_character_timeout_in_16450_mode_or_when_masked)
{
    wr(MCR, MCR_OUT2);
    wr(IER, 0x01);
    recv_bytes("a");
    cr_assert_eq(rd(IIR), 0x04);
    advance(1000000000);
    cr_assert_eq(rd(IIR), 0x04, "16450 mode has no timeout");
    rd(RBR);
    wr(IER, 0x00);
    wr(FCR, 0xC1);
    recv_bytes("b");
    advance(1000000000);
    cr_assert_eq(rd(IIR), 0xC1, "ERBFI clear masks the timeout");
    cr_assert_not(spy.level);
}

Test(uart, lsr_error_bits_and_fifo_error_flag)
{
    wr(LCR, LCR_8N1);
    wr(FCR, 0x01);
    wr(MCR, MCR_LOOP);
    wr(THR, 'a');
    wr(LCR, LCR_8N1 | LCR_BRK);     /* break: a 0 byte with BI and FE */
    wr(LCR, LCR_8N1);
    wr(THR, 'b');
    cr_assert_eq(rd(LSR), 0xE1, "bit 7: an error waits in the FIFO; BI not yet at the top");
    cr_assert_eq(rd(RBR), 'a');
    cr_assert_eq(rd(LSR), 0xF9, "the break byte reached the top: BI, FE");
    cr_assert_eq(rd(LSR), 0xE1, "BI/FE cleared by the read; bit 7 stays while it is in the FIFO");
    cr_assert_eq(rd(RBR), 0x00);
    cr_assert_eq(rd(LSR), 0xE1, "bit 7 clears only by an LSR read...");
    cr_assert_eq(rd(LSR), 0x61, "...once no error is left in the FIFO");
    cr_assert_eq(rd(RBR), 'b');
    cr_assert_eq(rd(LSR), 0x60);

    for (int i = 0; i < 17; i++)
        wr(THR, (uint8_t)('A' + i));
    cr_assert_eq(rd(LSR), 0x63, "17th byte into a full FIFO: OE");
    cr_assert_eq(rd(LSR), 0x61, "OE cleared by the read");
    for (int i = 0; i < 16; i++)
        cr_assert_eq(rd(RBR), 'A' + i, "the FIFO kept the first 16 bytes");
    cr_assert_eq(rd(LSR), 0x60);
}

Test(uart, break_in_loopback)
{
    wr(LCR, 0x0B);      /* 8 bits, odd parity */
    wr(MCR, MCR_LOOP);
    wr(LCR, 0x4B);
    cr_assert_eq(rd(LSR), 0x7D, "DR, PE (odd parity wants a 1), FE, BI");
    cr_assert_eq(rd(RBR), 0x00);
    wr(LCR, 0x4B);
    cr_assert_eq(rd(LSR), 0x60, "one character per break");
    wr(THR, 'q');
    cr_assert_eq(rd(LSR), 0x60, "data sent during a break is lost");
    wr(LCR, 0x1B);      /* even parity: 0 is right */
    wr(LCR, 0x5B);
    cr_assert_eq(rd(LSR), 0x79, "a new break: no PE with even parity");
    rd(RBR);
    wr(MCR, 0);
    wr(MCR, MCR_LOOP);
    cr_assert_eq(rd(LSR), 0x79, "entering loopback during a break receives it");
    wr(MCR, 0);
    wr(THR, 'q');
    uint8_t buf[4];
    cr_assert_eq(read_output(buf, sizeof(buf)), 0, "no host output during a break");
    wr(LCR, 0x1B);
    wr(THR, 'r');
    cr_assert_eq(read_output(buf, sizeof(buf)), 1);
    cr_assert_eq(buf[0], 'r');
}

Test(uart, interrupt_priority)
{
    wr(LCR, LCR_8N1);
    wr(FCR, 0x01);
    wr(IER, 0x0F);
    wr(MCR, MCR_LOOP | MCR_OUT2);   /* CTS, DSR drop: modem status */
    cr_assert_eq(rd(IIR), 0xC2, "THRE outranks modem status (consumes THRE)");
    cr_assert_eq(rd(IIR), 0xC0, "modem status");
    wr(LCR, LCR_8N1 | LCR_BRK);     /* a break byte (BI): line status */
    wr(LCR, LCR_8N1);
    wr(THR, 'x');                   /* received data, THRE again */
    cr_assert(spy.level);
    cr_assert_eq(rd(IIR), 0xC6, "line status first");
    cr_assert_eq(rd(IIR), 0xC6, "reading IIR does not clear it");
    cr_assert_eq(rd(LSR), 0xF9, "BI, FE of the byte at the top; FIFO error bit");
    cr_assert_eq(rd(IIR), 0xC4, "then received data");
    cr_assert_eq(rd(RBR), 0);
    cr_assert_eq(rd(IIR), 0xC4, "one byte left, trigger level 1");
    cr_assert_eq(rd(RBR), 'x');
    cr_assert_eq(rd(IIR), 0xC2, "then THRE");
    cr_assert_eq(rd(IIR), 0xC0, "then modem status");
    cr_assert(spy.level);
    rd(MSR);
    cr_assert_eq(rd(IIR), 0xC1);
    cr_assert_not(spy.level);
}

Test(uart, loopback_msr_mapping_and_deltas)
{
    wr(MCR, MCR_LOOP);
    cr_assert_eq(rd(MSR), 0x0B, "CTS, DSR, DCD fell: DCTS, DDSR, DDCD");
    cr_assert_eq(rd(MSR), 0x00, "deltas cleared by the read");
    wr(MCR, MCR_LOOP | 0x01);
    cr_assert_eq(rd(MSR), 0x22, "DTR -> DSR");
    wr(MCR, MCR_LOOP | 0x02);
    cr_assert_eq(rd(MSR), 0x13, "RTS -> CTS");
    wr(MCR, MCR_LOOP | 0x04);
    cr_assert_eq(rd(MSR), 0x41, "OUT1 -> RI; a rising RI sets no delta");
    wr(MCR, MCR_LOOP);
    cr_assert_eq(rd(MSR), 0x04, "RI trailing edge: TERI");
    wr(MCR, MCR_LOOP | MCR_OUT2);
    cr_assert_eq(rd(MSR), 0x88, "OUT2 -> DCD");
    wr(MCR, MCR_LOOP | 0x0A);
    cr_assert_eq(rd(MSR) & 0xF0, 0x90, "what Linux's autoconfig checks");
    wr(MCR, 0x1F);                  /* DSR rises, RI rises */
    wr(MCR, 0x1D);                  /* CTS falls */
    cr_assert_eq(rd(MSR), 0xE3, "deltas accumulate until read");
    wr(MCR, 0x0F);
    cr_assert_eq(rd(MSR), 0xB5, "out of loopback: CTS rises, RI falls (TERI)");
}

Test(uart, modem_status_interrupt)
{
    wr(IER, 0x08);
    wr(MCR, MCR_OUT2);
    cr_assert_not(spy.level, "no modem change yet");
    wr(MCR, MCR_LOOP | MCR_OUT2);
    cr_assert(spy.level);
    cr_assert_eq(rd(IIR), 0x00);
    cr_assert_eq(rd(IIR), 0x00, "IIR does not clear it");
    cr_assert_eq(rd(MSR), 0x83, "CTS and DSR fell; DCD follows OUT2, still 1");
    cr_assert_eq(rd(IIR), 0x01, "the MSR read did");
    cr_assert_not(spy.level);
    wr(MCR, MCR_LOOP | MCR_OUT2);
    cr_assert_not(spy.level, "same inputs: no change");
}

Test(uart, can_receive_and_overrun_from_the_host)
{
    cr_assert_eq(uart_can_receive(uart), 1);
    recv_bytes("ab");
    cr_assert_eq(rd(LSR), 0x63, "16450 mode: more than offered overruns");
    cr_assert_eq(rd(RBR), 'b');
    wr(FCR, 0x01);
    cr_assert_eq(uart_can_receive(uart), 16);
    recv_bytes("0123456789");
    cr_assert_eq(uart_can_receive(uart), 6);
    recv_bytes("ABCDEFG");
    cr_assert_eq(uart_can_receive(uart), 0);
    cr_assert_eq(rd(LSR), 0x63, "the 17th byte overran");
    const char *want = "0123456789ABCDEF";
    for (int i = 0; i < 16; i++)
        cr_assert_eq(rd(RBR), want[i]);
    cr_assert_eq(uart_can_receive(uart), 16);
    wr(MCR, MCR_LOOP);
    cr_assert_eq(uart_can_receive(uart), 0, "loopback disconnects SIN");
    recv_bytes("zz");
    cr_assert_eq(rd(LSR), 0x60, "host bytes in loopback are not received");
}

Test(uart, host_input_layer_is_flow_controlled)
{
    InputLayer in;
    input_init(&in);
    ChardevSpec spec = {.kind = CHARDEV_NULL};
    Error err = {0};
    Chardev *host = chardev_open(&spec, &in, &err);
    cr_assert_not_null(host);
    /* A null back end has no input of its own; give it a channel as a
     * stdio one would have, without touching the real terminal. */
    host->channel = input_channel_new(&in, "serial1");
    Uart16550 *u2 = uart_new("serial1", &clk, (IrqLine){0}, host, NULL);
    cr_assert(in.channels[host->channel].has_sink, "uart_new installed its sink");

    uint8_t data[40];
    for (int i = 0; i < 40; i++)
        data[i] = (uint8_t)(0x40 + i);
    cr_assert_eq(input_push(&in, host->channel, data, sizeof(data)), 40);
    cr_assert_eq(input_deliver(&in), 1, "16450 mode takes one byte");
    cr_assert_eq(uart_io_ops.read(u2, RBR, 1), 0x40);
    uart_io_ops.write(u2, FCR, 0x01, 1);
    cr_assert_eq(input_deliver(&in), 16, "the FIFO takes 16");
    cr_assert_eq(input_deliver(&in), 0, "then nothing until the guest reads");
    for (int i = 1; i <= 16; i++)
        cr_assert_eq(uart_io_ops.read(u2, RBR, 1), 0x40u + (unsigned)i);
    cr_assert_eq(input_deliver(&in), 16);
    for (int i = 17; i <= 32; i++)
        cr_assert_eq(uart_io_ops.read(u2, RBR, 1), 0x40u + (unsigned)i);
    cr_assert_eq(uart_io_ops.read(u2, LSR, 1), 0x60, "no byte was overrun");
    cr_assert_eq(input_pending(&in, host->channel), 7);

    uart_free(u2);
    cr_assert_not(in.channels[host->channel].has_sink, "uart_free detached the sink");
    chardev_close(host);
}

/* Every register as a read sequence; comparing two UARTs read the same
 * way compares all their guest-visible state (reads have side effects, so
 * both go through the same sequence). */
static void read_all(Uart16550 *u, uint8_t *out, size_t *n)
{
    static const unsigned order[] = {LCR, MCR, SCR, IER, IIR, MSR, LSR, IIR, MSR};
    *n = 0;
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        out[(*n)++] = (uint8_t)uart_io_ops.read(u, order[i], 1);
    for (int i = 0; i < 18; i++) {
        out[(*n)++] = (uint8_t)uart_io_ops.read(u, LSR, 1);
        out[(*n)++] = (uint8_t)uart_io_ops.read(u, RBR, 1);
        out[(*n)++] = (uint8_t)uart_io_ops.read(u, IIR, 1);
    }
    uint8_t lcr = (uint8_t)uart_io_ops.read(u, LCR, 1);
    uart_io_ops.write(u, LCR, lcr | LCR_DLAB, 1);
    out[(*n)++] = (uint8_t)uart_io_ops.read(u, DLL, 1);
    out[(*n)++] = (uint8_t)uart_io_ops.read(u, DLM, 1);
    uart_io_ops.write(u, LCR, lcr, 1);
}

static void make_busy_state(void)
{
    wr(LCR, LCR_DLAB);
    wr(DLL, 0x03);
    wr(DLM, 0x01);
    wr(LCR, 0x1B);
    wr(SCR, 0xA5);
    wr(FCR, 0x81);
    wr(MCR, MCR_OUT2 | 0x03);
    wr(IER, 0x0F);
    for (int i = 0; i < 12; i++)    /* move the FIFO head along */
        recv_bytes("-");
    for (int i = 0; i < 12; i++)
        rd(RBR);
    recv_bytes("0123456789");       /* wraps around the ring */
    wr(MCR, MCR_LOOP | MCR_OUT2 | 0x04);
    wr(LCR, 0x5B);                  /* break: BI byte */
    wr(LCR, 0x1B);
}

Test(uart, save_then_load_into_a_fresh_uart)
{
    make_busy_state();
    advance(1000);
    StateWriter w;
    state_writer_init(&w);
    Device *d = uart_device(uart);
    state_save(&w, d->fields, d->state);

    IrqSpy spy2 = {0};
    Uart16550 *u2 = uart_new("serial0", &clk, irq_line(spy_set, &spy2, 4), NULL, NULL);
    Device *d2 = uart_device(u2);
    StateReader r = {w.buf, w.len, 0};
    Error err = {0};
    cr_assert(state_load(&r, d2->fields, d2->state, d2->name, &err), "%s", err.msg);
    cr_assert_eq(r.pos, w.len, "the whole stream was consumed");
    state_writer_free(&w);
    spy2.level = spy.level;     /* the interrupt controller's state is saved apart */

    /* The timeout timer came across: at divisor 0x103, 8E1 (11 bits) it
     * fires 4 * 11 * 259 * 16 / 1843200 s after the last FIFO access. */
    advance(98923612 - 1000);

    uint8_t a[128], b[128];
    size_t na, nb;
    read_all(uart, a, &na);
    read_all(u2, b, &nb);
    cr_assert_eq(na, nb);
    cr_assert_arr_eq(a, b, na, "identical register reads after load");
    cr_assert_eq(a[0], 0x1B, "LCR");
    cr_assert_eq(a[2], 0xA5, "SCR");
    cr_assert_eq(a[4], 0xCC, "both timeouts fired");
    cr_assert_eq(a[10], '0', "first byte of the wrapped FIFO");
    cr_assert_eq(a[na - 2], 0x03, "DLL");
    cr_assert_eq(a[na - 1], 0x01, "DLM");
    cr_assert_eq(spy.level, spy2.level);
    uart_free(u2);
}

Test(uart, saved_timer_fires_at_the_same_time_after_load)
{
    wr(LCR, LCR_DLAB);
    wr(DLL, 12);
    wr(LCR, LCR_8N1);
    wr(FCR, 0xC1);
    wr(IER, 0x01);
    wr(MCR, MCR_OUT2);
    recv_bytes("k");
    advance(1000000);
    StateWriter w;
    state_writer_init(&w);
    state_save(&w, uart_device(uart)->fields, uart);

    IrqSpy spy2 = {0};
    Uart16550 *u2 = uart_new("serial1", &clk, irq_line(spy_set, &spy2, 4), NULL, NULL);
    StateReader r = {w.buf, w.len, 0};
    Error err = {0};
    cr_assert(state_load(&r, uart_device(u2)->fields, u2, "serial1", &err), "%s", err.msg);
    state_writer_free(&w);
    advance(4166667 - 1000000 - 1);
    cr_assert_not(spy2.level);
    cr_assert_eq(uart_io_ops.read(u2, IIR, 1), 0xC1);
    advance(1);
    cr_assert(spy2.level, "the loaded UART's timeout fired on time");
    cr_assert_eq(uart_io_ops.read(u2, IIR, 1), 0xCC);
    cr_assert_eq(uart_io_ops.read(u2, RBR, 1), 'k');
    uart_free(u2);
}

/* Overwrite one integer field's payload in a saved stream. */
static void patch_field(StateWriter *w, const char *name, uint8_t val)
{
    size_t len = strlen(name);
    for (size_t i = 2; i + len + 4 < w->len; i++) {
        if (w->buf[i - 2] == len && w->buf[i - 1] == 0 && !memcmp(w->buf + i, name, len)) {
            w->buf[i + len + 4] = val;
            return;
        }
    }
    cr_assert_fail("field %s not in the stream", name);
}

Test(uart, hostile_snapshot_stays_in_bounds)
{
    wr(FCR, 0x01);
    StateWriter w;
    state_writer_init(&w);
    state_save(&w, uart_device(uart)->fields, uart);
    patch_field(&w, "rx_head", 0xF3);
    patch_field(&w, "rx_count", 0xEE);
    patch_field(&w, "fcr", 0xFF);
    StateReader r = {w.buf, w.len, 0};
    Error err = {0};
    cr_assert(state_load(&r, uart_device(uart)->fields, uart, "serial0", &err), "%s", err.msg);
    state_writer_free(&w);
    cr_assert_eq(uart_can_receive(uart), 0, "a count above 16 is taken as full");
    for (int i = 0; i < 40; i++) {
        rd(RBR);
        rd(LSR);
        recv_bytes("x");
    }
    cr_assert_leq(uart_can_receive(uart), 16);
}

Test(uart, fuzz_every_offset_with_random_values)
{
    srand(0x16550);
    for (int i = 0; i < 50000; i++) {
        unsigned off = (unsigned)rand() % 8;
        int op = rand() % 16;
        if (op < 7) {
            uint8_t mcr = rd(MCR);
            bool dlab = rd(LCR) & LCR_DLAB;
            bool before = spy.level;
            uint8_t v = rd(off);
            if (off == IIR) {
                cr_assert_eq(v & 0x30, 0, "IIR bits 5:4 are 0");
                cr_assert_eq(before, !(v & 1) && (mcr & MCR_OUT2),
                             "IRQ = pending AND OUT2 (step %d)", i);
            } else if (off == LSR) {
                cr_assert_eq(v & 0x60, 0x60, "transmission is instant: THRE, TEMT");
            } else if (off == IER && !dlab) {
                cr_assert_eq(v & 0xF0, 0);
            }
        } else if (op < 14) {
            wr(off, (uint8_t)rand());
        } else if (op == 14) {
            uint8_t buf[20];
            size_t n = (size_t)rand() % sizeof(buf);
            for (size_t k = 0; k < n; k++)
                buf[k] = (uint8_t)rand();
            uart_receive(uart, buf, n);
        } else {
            advance(rand() % 3000000);
        }
        cr_assert_leq(uart_can_receive(uart), 16);
        cr_assert_eq(rd(MCR) & 0xE0, 0);
        cr_assert_leq(spy.rises - spy.falls, 1);
        cr_assert_geq(spy.rises - spy.falls, 0);
    }
    wr(LCR, 0);
    cr_assert_eq(rd(IER) & 0xF0, 0);
}
