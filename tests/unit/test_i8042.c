/* The 8042 keyboard controller with a PS/2 keyboard and mouse behind it,
 * driven only through ports 0x60/0x64 (IoOps), the host-side key and
 * motion calls, an IRQ spy for IRQ1/IRQ12, an A20 spy and a RunState:
 * self-test, command byte, keyboard and mouse commands, scancodes with and
 * without translation, IRQ edges, output-buffer ordering, A20 and reset
 * lines, the IntelliMouse wheel, the input-layer sinks and save/load. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "base/input.h"
#include "base/runstate.h"
#include "base/state.h"
#include "devices/i8042.h"
#include "devices/ps2_kbd.h"
#include "devices/ps2_mouse.h"

#define ST_OBF  0x01
#define ST_SYS  0x04
#define ST_A2   0x08
#define ST_INH  0x10
#define ST_AUXB 0x20

typedef struct IrqSpy {
    bool level;
    int rises, falls;
} IrqSpy;

typedef struct Rig {
    I8042 *c;
    Ps2Kbd *kbd;
    Ps2Mouse *mouse;
    IrqSpy irq[2];              /* [0] IRQ1, [1] IRQ12 */
    RunState run;
    int a20_calls;
    bool a20;
    int led_calls;
    uint8_t leds;
} Rig;

static Rig rig;

static void spy_set(void *opaque, int n, bool level)
{
    Rig *r = opaque;
    cr_assert(n == 1 || n == 12, "IRQ1 or IRQ12, got %d", n);
    IrqSpy *s = &r->irq[n == 12];
    cr_assert_neq(level, s->level, "irq_set only on a level change (IRQ%d)", n);
    if (level)
        s->rises++;
    else
        s->falls++;
    s->level = level;
}

static void a20_spy(void *opaque, bool on)
{
    Rig *r = opaque;
    r->a20_calls++;
    r->a20 = on;
}

static void led_spy(void *opaque, uint8_t leds)
{
    Rig *r = opaque;
    r->led_calls++;
    r->leds = leds;
}

static void rig_init(Rig *r)
{
    memset(r, 0, sizeof(*r));
    r->kbd = ps2_kbd_new("ps2-kbd", NULL);
    r->mouse = ps2_mouse_new("ps2-mouse", NULL);
    r->c = i8042_new(&r->run, irq_line(spy_set, r, 1), irq_line(spy_set, r, 12), r->kbd, r->mouse, a20_spy, r,
                     NULL);
    ps2_kbd_set_led_callback(r->kbd, led_spy, r);
}

static void rig_free(Rig *r)
{
    i8042_free(r->c);
    ps2_kbd_free(r->kbd);
    ps2_mouse_free(r->mouse);
}

static void setup(void)
{
    rig_init(&rig);
}

static void teardown(void)
{
    rig_free(&rig);
}

TestSuite(i8042, .init = setup, .fini = teardown);

static uint8_t st(void)
{
    uint64_t v = i8042_cmd_io_ops.read(rig.c, 0, 1);
    cr_assert_leq(v, 0xFF);
    return (uint8_t)v;
}

static void cmd(uint8_t b)
{
    i8042_cmd_io_ops.write(rig.c, 0, b, 1);
}

static void wr(uint8_t b)
{
    i8042_data_io_ops.write(rig.c, 0, b, 1);
}

static uint8_t rd(void)
{
    uint64_t v = i8042_data_io_ops.read(rig.c, 0, 1);
    cr_assert_leq(v, 0xFF);
    return (uint8_t)v;
}

/* Read `n` bytes, each of which must be waiting with AUXB = `aux`. */
static void expect(const uint8_t *bytes, size_t n, bool aux)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t s = st();
        cr_assert(s & ST_OBF, "byte %zu (0x%02x) waiting", i, bytes[i]);
        cr_assert_eq(!!(s & ST_AUXB), aux, "byte %zu: AUXB %d", i, !!(s & ST_AUXB));
        uint8_t b = rd();
        cr_assert_eq(b, bytes[i], "byte %zu: got 0x%02x, want 0x%02x", i, b, bytes[i]);
    }
}

#define EXPECT_KBD(...) do { const uint8_t e_[] = {__VA_ARGS__}; expect(e_, sizeof(e_), false); } while (0)
#define EXPECT_AUX(...) do { const uint8_t e_[] = {__VA_ARGS__}; expect(e_, sizeof(e_), true); } while (0)

static void expect_empty(void)
{
    cr_assert_eq(st() & ST_OBF, 0, "output buffer empty");
}

static uint8_t read_cmd_byte(void)
{
    cmd(0x20);
    cr_assert(st() & ST_OBF);
    return rd();
}

static void write_cmd_byte(uint8_t v)
{
    cmd(0x60);
    wr(v);
}

static void aux_send(uint8_t b)
{
    cmd(0xD4);
    wr(b);
}

Test(i8042, self_test_and_interface_tests)
{
    expect_empty();
    cmd(0xAA);
    cr_assert(st() & ST_A2, "A2: the last write went to the command port");
    EXPECT_KBD(0x55);
    cmd(0xAB);
    EXPECT_KBD(0x00);
    cmd(0xA9);
    EXPECT_KBD(0x00);
    expect_empty();
    cr_assert(st() & ST_INH, "keyboard not inhibited");
}

Test(i8042, command_byte_read_write)
{
    cr_assert_eq(read_cmd_byte(), 0x41, "power-on: IRQ1 + translation");
    cr_assert_eq(st() & ST_SYS, 0, "SYS clear at power-on");
    write_cmd_byte(0x47);
    cr_assert_eq(st() & ST_A2, 0, "A2 clear after a data write");
    cr_assert_eq(read_cmd_byte(), 0x47);
    cr_assert(st() & ST_SYS, "SYS follows command byte bit 2");
    cmd(0xAD);
    cmd(0xA7);
    cr_assert_eq(read_cmd_byte(), 0x77, "AD/A7 set the clock-disable bits");
    cmd(0xAE);
    cmd(0xA8);
    cr_assert_eq(read_cmd_byte(), 0x47);
    /* Other RAM bytes through 0x61 / 0x21. */
    cmd(0x61);
    wr(0x5A);
    cmd(0x21);
    EXPECT_KBD(0x5A);
    cr_assert_eq(read_cmd_byte(), 0x47, "RAM byte 1 is not the command byte");
    cmd(0xC0);
    EXPECT_KBD(0x80);
}

Test(i8042, keyboard_reset_identify_and_commands)
{
    write_cmd_byte(0x01);       /* no translation */
    wr(0xFF);
    EXPECT_KBD(0xFA, 0xAA);
    wr(0xF2);
    EXPECT_KBD(0xFA, 0xAB, 0x83);
    wr(0xEE);
    EXPECT_KBD(0xEE);
    wr(0xF0);
    wr(0x00);
    EXPECT_KBD(0xFA, 0xFA, 0x02);
    wr(0xFE);
    EXPECT_KBD(0x02);           /* resend the last byte */
    wr(0xF3);
    wr(0x20);
    EXPECT_KBD(0xFA, 0xFA);
    wr(0xED);
    wr(0x07);
    EXPECT_KBD(0xFA, 0xFA);
    cr_assert_eq(ps2_kbd_leds(rig.kbd), 7);
    cr_assert_eq(rig.leds, 7);
    cr_assert_eq(rig.led_calls, 1);
    wr(0xF5);
    EXPECT_KBD(0xFA);
    ps2_kbd_key(rig.kbd, PS2_KEY_A, true);
    expect_empty();             /* scanning disabled */
    wr(0xF4);
    EXPECT_KBD(0xFA);
    wr(0x01);
    EXPECT_KBD(0xFE);           /* unknown command */
    wr(0xF0);
    wr(0x07);
    EXPECT_KBD(0xFA, 0xFE);     /* no scancode set 7 */
}

Test(i8042, identify_translated)
{
    wr(0xF2);
    EXPECT_KBD(0xFA, 0xAB, 0x41);
}

Test(i8042, key_a_set2_untranslated)
{
    write_cmd_byte(0x01);
    ps2_kbd_key(rig.kbd, PS2_KEY_A, true);
    EXPECT_KBD(0x1C);
    ps2_kbd_key(rig.kbd, PS2_KEY_A, false);
    EXPECT_KBD(0xF0, 0x1C);
    expect_empty();
}

Test(i8042, key_a_translated)
{
    ps2_kbd_key(rig.kbd, PS2_KEY_A, true);
    EXPECT_KBD(0x1E);
    ps2_kbd_key(rig.kbd, PS2_KEY_A, false);
    EXPECT_KBD(0x9E);
    expect_empty();
}

Test(i8042, right_ctrl_e0)
{
    ps2_kbd_key(rig.kbd, PS2_KEY_RCTRL, true);
    ps2_kbd_key(rig.kbd, PS2_KEY_RCTRL, false);
    EXPECT_KBD(0xE0, 0x1D, 0xE0, 0x9D);
    write_cmd_byte(0x01);
    ps2_kbd_key(rig.kbd, PS2_KEY_RCTRL, true);
    ps2_kbd_key(rig.kbd, PS2_KEY_RCTRL, false);
    EXPECT_KBD(0xE0, 0x14, 0xE0, 0xF0, 0x14);
    ps2_kbd_key(rig.kbd, PS2_KEY_LEFT, true);
    EXPECT_KBD(0xE0, 0x6B);
}

Test(i8042, pause_sequence)
{
    ps2_kbd_key(rig.kbd, PS2_KEY_PAUSE, true);
    ps2_kbd_key(rig.kbd, PS2_KEY_PAUSE, false);
    EXPECT_KBD(0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5);
    expect_empty();             /* Pause has no break code */
    write_cmd_byte(0x01);
    ps2_kbd_key(rig.kbd, PS2_KEY_PAUSE, true);
    EXPECT_KBD(0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77);
    expect_empty();
}

Test(i8042, print_screen)
{
    ps2_kbd_key(rig.kbd, PS2_KEY_PRINTSCREEN, true);
    ps2_kbd_key(rig.kbd, PS2_KEY_PRINTSCREEN, false);
    EXPECT_KBD(0xE0, 0x2A, 0xE0, 0x37, 0xE0, 0xB7, 0xE0, 0xAA);
    write_cmd_byte(0x01);
    ps2_kbd_key(rig.kbd, PS2_KEY_PRINTSCREEN, true);
    ps2_kbd_key(rig.kbd, PS2_KEY_PRINTSCREEN, false);
    EXPECT_KBD(0xE0, 0x12, 0xE0, 0x7C, 0xE0, 0xF0, 0x7C, 0xE0, 0xF0, 0x12);
}

Test(i8042, keyboard_in_set1)
{
    write_cmd_byte(0x01);
    wr(0xF0);
    wr(0x01);
    EXPECT_KBD(0xFA, 0xFA);
    cr_assert_eq(ps2_kbd_scancode_set(rig.kbd), 1);
    ps2_kbd_key(rig.kbd, PS2_KEY_A, true);
    ps2_kbd_key(rig.kbd, PS2_KEY_A, false);
    ps2_kbd_key(rig.kbd, PS2_KEY_RALT, false);
    EXPECT_KBD(0x1E, 0x9E, 0xE0, 0xB8);
    wr(0xFF);
    EXPECT_KBD(0xFA, 0xAA);
    cr_assert_eq(ps2_kbd_scancode_set(rig.kbd), 2, "reset returns to set 2");
}

Test(i8042, irq1_raised_per_byte_and_cleared_on_read)
{
    ps2_kbd_key(rig.kbd, PS2_KEY_RCTRL, true);     /* E0 1D */
    cr_assert(rig.irq[0].level);
    cr_assert_eq(rig.irq[0].rises, 1);
    rd();
    cr_assert_eq(rig.irq[0].falls, 1, "reading drops IRQ1");
    cr_assert_eq(rig.irq[0].rises, 2, "the next byte raises it again");
    rd();
    cr_assert_not(rig.irq[0].level);
    cr_assert_eq(rig.irq[0].falls, 2);
    cr_assert_eq(rig.irq[1].rises, 0, "IRQ12 untouched");
    /* Disabled in the command byte: no interrupt, but the byte is there. */
    write_cmd_byte(0x40);
    ps2_kbd_key(rig.kbd, PS2_KEY_A, true);
    cr_assert_not(rig.irq[0].level);
    cr_assert(st() & ST_OBF);
    write_cmd_byte(0x41);       /* enabling with a byte waiting raises it */
    cr_assert(rig.irq[0].level);
    EXPECT_KBD(0x1E);
    cr_assert_not(rig.irq[0].level);
}

Test(i8042, keyboard_clock_disable_holds_bytes)
{
    cmd(0xAD);
    ps2_kbd_key(rig.kbd, PS2_KEY_A, true);
    expect_empty();
    cmd(0xAE);
    EXPECT_KBD(0x1E);
}

Test(i8042, ordering_with_both_devices)
{
    write_cmd_byte(0x03);       /* both IRQs, no translation */
    aux_send(0xF4);
    cr_assert(rig.irq[1].level, "IRQ12 for the mouse's ACK");
    cr_assert_not(rig.irq[0].level);
    EXPECT_AUX(0xFA);
    cr_assert_not(rig.irq[1].level);
    ps2_kbd_key(rig.kbd, PS2_KEY_A, false);                 /* F0 1C */
    ps2_mouse_move(rig.mouse, 1, 0, 0, PS2_MOUSE_LEFT);     /* 09 01 00 */
    /* The buffer took F0; then the devices take turns. */
    EXPECT_KBD(0xF0);
    EXPECT_AUX(0x09);
    EXPECT_KBD(0x1C);
    EXPECT_AUX(0x01, 0x00);
    expect_empty();
    /* A controller reply goes before device bytes still queued. */
    ps2_kbd_key(rig.kbd, PS2_KEY_RCTRL, true);              /* E0 14 */
    cmd(0x20);
    EXPECT_KBD(0xE0, 0x03, 0x14);
    /* D2 / D3 write the output buffer as keyboard / aux data. */
    cmd(0xD2);
    wr(0x5A);
    cmd(0xD3);
    wr(0xA5);
    EXPECT_KBD(0x5A);
    EXPECT_AUX(0xA5);
    expect_empty();
}

Test(i8042, a20_through_output_port)
{
    cmd(0xD0);
    uint8_t out = rd();
    cr_assert_eq(out & 0x03, 0x03, "reset inactive, A20 on");
    cmd(0xD1);
    wr(0xDD);                   /* A20 off, reset inactive */
    cr_assert_eq(rig.a20_calls, 1);
    cr_assert_not(rig.a20);
    cr_assert_not(rig.run.reset_requested);
    cmd(0xD0);
    EXPECT_KBD(0xCD);           /* bits 4/5: the buffer was empty */
    cmd(0xD1);
    wr(0xDF);
    cr_assert_eq(rig.a20_calls, 2);
    cr_assert(rig.a20);
    cmd(0xD1);
    wr(0xDF);
    cr_assert_eq(rig.a20_calls, 2, "no call without a change");
    cmd(0xDD);
    cr_assert_not(rig.a20);
    cmd(0xDF);
    cr_assert(rig.a20);
    cr_assert_eq(rig.a20_calls, 4);
    /* Output port bits 4/5 show the buffer state. */
    cmd(0xD3);
    wr(0x11);
    cmd(0xD0);
    cr_assert(st() & ST_AUXB, "the D0 reply waits behind the aux byte");
    EXPECT_AUX(0x11);
    cr_assert_eq(rd() & 0x30, 0x20, "D0 ran with aux data in the buffer");
    cr_assert_not(rig.run.reset_requested);
}

Test(i8042, reset_by_pulse_command)
{
    cmd(0xFF);
    cr_assert_not(rig.run.reset_requested, "0xFF pulses nothing");
    cmd(0xFE);
    cr_assert(rig.run.reset_requested);
}

Test(i8042, reset_by_pulse_command_with_other_bits)
{
    cmd(0xF0);
    cr_assert(rig.run.reset_requested);
}

Test(i8042, reset_by_output_port_bit0)
{
    cmd(0xD1);
    wr(0xDE);
    cr_assert(rig.run.reset_requested);
    cr_assert_eq(rig.a20_calls, 0);
}

Test(i8042, device_reset_sets_a20)
{
    cmd(0xDD);
    cr_assert_not(rig.a20);
    Device *d = i8042_device(rig.c);
    d->reset(d->opaque);
    cr_assert(rig.a20);
    cr_assert_eq(read_cmd_byte(), 0x41);
}

Test(i8042, mouse_reset_enable_and_packets)
{
    write_cmd_byte(0x03);
    aux_send(0xFF);
    EXPECT_AUX(0xFA, 0xAA, 0x00);
    ps2_mouse_move(rig.mouse, 5, 5, 0, 0);
    expect_empty();             /* reporting disabled */
    aux_send(0xF2);
    EXPECT_AUX(0xFA, 0x00);
    aux_send(0xF4);
    EXPECT_AUX(0xFA);
    int rises = rig.irq[1].rises;
    ps2_mouse_move(rig.mouse, 5, -3, 0, PS2_MOUSE_LEFT);
    EXPECT_AUX(0x09, 0x05, 0x03);
    cr_assert_eq(rig.irq[1].rises, rises + 3, "one IRQ12 edge per byte");
    ps2_mouse_move(rig.mouse, -300, 10, 0, 0);
    EXPECT_AUX(0x78, 0x00, 0xF6);   /* X overflow, X and Y negative */
    ps2_mouse_move(rig.mouse, 0, -1000, 0, PS2_MOUSE_RIGHT | PS2_MOUSE_MIDDLE);
    EXPECT_AUX(0x8E, 0x00, 0xFF);   /* Y overflow, clamped to +255 */
    /* Button change alone makes a packet. */
    ps2_mouse_move(rig.mouse, 0, 0, 0, 0);
    EXPECT_AUX(0x08, 0x00, 0x00);
    aux_send(0xE9);
    EXPECT_AUX(0xFA, 0x20, 0x02, 100);
    aux_send(0xE8);
    aux_send(0x03);
    aux_send(0xE7);
    aux_send(0xE9);
    EXPECT_AUX(0xFA, 0xFA, 0xFA, 0xFA, 0x30, 0x03, 100);
    ps2_mouse_move(rig.mouse, 4, 0, 0, 0);
    EXPECT_AUX(0x08, 0x06, 0x00);   /* 2:1 scaling: 4 -> 6 */
    aux_send(0xF5);
    EXPECT_AUX(0xFA);
    ps2_mouse_move(rig.mouse, 1, 1, 0, 0);
    expect_empty();
    aux_send(0x01);
    EXPECT_AUX(0xFE);           /* unknown command */
    aux_send(0xE8);
    aux_send(0x09);
    EXPECT_AUX(0xFA, 0xFE);     /* bad resolution */
    cmd(0xC8);                  /* unknown controller command: no reply */
    expect_empty();
}

Test(i8042, mouse_remote_mode_and_wrap)
{
    aux_send(0xF0);
    EXPECT_AUX(0xFA);
    aux_send(0xF4);
    EXPECT_AUX(0xFA);
    ps2_mouse_move(rig.mouse, 3, 0, 0, 0);
    ps2_mouse_move(rig.mouse, 4, 2, 0, 0);
    expect_empty();             /* remote mode: nothing unasked */
    aux_send(0xEB);
    EXPECT_AUX(0xFA, 0x28, 0x07, 0xFE);
    aux_send(0xEE);
    EXPECT_AUX(0xFA);
    aux_send(0x42);
    EXPECT_AUX(0x42);           /* wrap mode echoes */
    aux_send(0xEC);
    EXPECT_AUX(0xFA);
    aux_send(0xEA);
    EXPECT_AUX(0xFA);
    ps2_mouse_move(rig.mouse, 1, 0, 0, 0);
    EXPECT_AUX(0x08, 0x01, 0x00);
}

Test(i8042, intellimouse_detection_and_wheel)
{
    const uint8_t knock[3] = {200, 100, 80};
    for (int i = 0; i < 3; i++) {
        aux_send(0xF3);
        aux_send(knock[i]);
        EXPECT_AUX(0xFA, 0xFA);
    }
    aux_send(0xF2);
    EXPECT_AUX(0xFA, 0x03);
    cr_assert_eq(ps2_mouse_id(rig.mouse), 3);
    aux_send(0xF4);
    EXPECT_AUX(0xFA);
    ps2_mouse_move(rig.mouse, 1, 1, 2, 0);
    EXPECT_AUX(0x28, 0x01, 0xFF, 0x02);
    ps2_mouse_move(rig.mouse, 0, 0, -20, 0);
    EXPECT_AUX(0x08, 0x00, 0x00, 0xF8);     /* wheel clamped to -8 */
    expect_empty();
    aux_send(0xFF);
    EXPECT_AUX(0xFA, 0xAA, 0x00);
    aux_send(0xF2);
    EXPECT_AUX(0xFA, 0x00);
}

Test(i8042, wrong_knock_keeps_id_0)
{
    const uint8_t knock[3] = {200, 80, 100};
    for (int i = 0; i < 3; i++) {
        aux_send(0xF3);
        aux_send(knock[i]);
        EXPECT_AUX(0xFA, 0xFA);
    }
    aux_send(0xF2);
    EXPECT_AUX(0xFA, 0x00);
}

Test(i8042, input_layer_sinks)
{
    InputLayer *in = malloc(sizeof(*in));
    cr_assert_not_null(in);
    input_init(in);
    int kch = input_channel_new(in, "ps2-kbd"), mch = input_channel_new(in, "ps2-mouse");
    InputSink ks = ps2_kbd_input_sink(rig.kbd), ms = ps2_mouse_input_sink(rig.mouse);
    input_set_sink(in, kch, &ks);
    input_set_sink(in, mch, &ms);
    aux_send(0xF4);
    EXPECT_AUX(0xFA);
    const uint8_t keys[4] = {PS2_KEY_A, 1, PS2_KEY_A, 0};
    cr_assert_eq(input_push(in, kch, keys, 4), 4);
    const uint8_t mv[6] = {PS2_MOUSE_LEFT, 0x02, 0x00, 0xFF, 0xFF, 0x00};   /* dx 2, dy -1 */
    cr_assert_eq(input_push(in, mch, mv, 6), 6);
    input_deliver(in);
    EXPECT_KBD(0x1E);
    EXPECT_AUX(0x09);
    EXPECT_KBD(0x9E);
    EXPECT_AUX(0x02, 0x01);
    expect_empty();
    /* Many key events: the sink pushes back instead of overrunning. */
    for (int i = 0; i < 64; i++)
        cr_assert_eq(input_push(in, kch, keys, 4), 4);
    input_deliver(in);
    cr_assert_gt(input_pending(in, kch), 0, "events wait in the input layer");
    int got = 0;
    for (int guard = 0; guard < 10000 && (input_pending(in, kch) || (st() & ST_OBF)); guard++) {
        if (st() & ST_OBF) {
            uint8_t b = rd();
            cr_assert_eq(b, got % 2 ? 0x9E : 0x1E, "byte %d", got);
            got++;
        }
        input_deliver(in);
    }
    cr_assert_eq(got, 128, "every press and release arrived, none overrun");
    free(in);
}

Test(i8042, keyboard_overrun_code)
{
    write_cmd_byte(0x01);
    cmd(0xAD);                  /* hold the keyboard's bytes */
    for (int i = 0; i < 40; i++)
        ps2_kbd_key(rig.kbd, PS2_KEY_A, true);
    cmd(0xAE);
    for (int i = 0; i < 31; i++)
        EXPECT_KBD(0x1C);
    EXPECT_KBD(0x00);           /* set 2 overrun */
    expect_empty();
}

static void save_all(Rig *r, StateWriter *w)
{
    Device *ds[3] = {ps2_kbd_device(r->kbd), ps2_mouse_device(r->mouse), i8042_device(r->c)};
    for (int i = 0; i < 3; i++)
        state_save(w, ds[i]->fields, ds[i]->state);
}

Test(i8042, save_load_round_trip)
{
    write_cmd_byte(0x47);
    wr(0xED);
    wr(0x05);
    EXPECT_KBD(0xFA, 0xFA);
    const uint8_t knock[3] = {200, 100, 80};
    for (int i = 0; i < 3; i++) {
        aux_send(0xF3);
        aux_send(knock[i]);
        EXPECT_AUX(0xFA, 0xFA);
    }
    aux_send(0xF4);
    EXPECT_AUX(0xFA);
    cmd(0xD1);
    wr(0xCD);                   /* A20 off */
    /* Leave bytes in flight: one in the buffer, more in both queues. */
    ps2_kbd_key(rig.kbd, PS2_KEY_RCTRL, false);
    ps2_mouse_move(rig.mouse, 7, 0, 1, 0);
    cmd(0x60);                  /* a command waiting for its data byte */

    StateWriter w;
    state_writer_init(&w);
    save_all(&rig, &w);

    Rig *r2 = calloc(1, sizeof(*r2));
    cr_assert_not_null(r2);
    rig_init(r2);
    StateReader rdr = {w.buf, w.len, 0};
    Error err = {0};
    Device *ds[3] = {ps2_kbd_device(r2->kbd), ps2_mouse_device(r2->mouse), i8042_device(r2->c)};
    for (int i = 0; i < 3; i++)
        cr_assert(state_load(&rdr, ds[i]->fields, ds[i]->state, ds[i]->name, &err), "%s", err.msg);
    cr_assert_eq(rdr.pos, rdr.len, "the whole stream was read");
    r2->irq[0] = rig.irq[0];    /* the PIC's view is saved apart */
    r2->irq[1] = rig.irq[1];

    cr_assert_eq(ps2_kbd_leds(r2->kbd), 5);
    cr_assert_eq(ps2_mouse_id(r2->mouse), 3);
    /* Drive both rigs the same way; every read must agree. */
    Rig *both[2] = {&rig, r2};
    uint8_t seen[2][40];
    int n[2] = {0, 0};
    for (int k = 0; k < 2; k++) {
        Rig *r = both[k];
        i8042_data_io_ops.write(r->c, 0, 0x43, 1);      /* finishes the pending 0x60 */
        for (int i = 0; i < 16; i++) {
            seen[k][n[k]++] = (uint8_t)i8042_cmd_io_ops.read(r->c, 0, 1);
            seen[k][n[k]++] = (uint8_t)i8042_data_io_ops.read(r->c, 0, 1);
        }
        i8042_cmd_io_ops.write(r->c, 0, 0xD0, 1);
        seen[k][n[k]++] = (uint8_t)i8042_data_io_ops.read(r->c, 0, 1);
    }
    cr_assert_eq(n[0], n[1]);
    cr_assert_arr_eq(seen[0], seen[1], (size_t)n[0], "identical reads after load");
    cr_assert_eq(seen[0][n[0] - 1] & 0x02, 0, "A20 off survived");

    rig_free(r2);
    free(r2);
    state_writer_free(&w);
}

/* Patch the 1-byte payload of field `name` in a saved stream. */
static void patch_field(StateWriter *w, const char *name, uint8_t val)
{
    size_t len = strlen(name);
    for (size_t i = 2; i + len + 5 <= w->len; i++) {
        if (w->buf[i - 2] == len && w->buf[i - 1] == 0 && !memcmp(w->buf + i, name, len)) {
            cr_assert_eq(w->buf[i + len], 1, "a 1-byte field");
            w->buf[i + len + 4] = val;
            return;
        }
    }
    cr_assert_fail("field %s not in the stream", name);
}

Test(i8042, hostile_snapshot_counts_are_clamped)
{
    Device *ds[3] = {ps2_kbd_device(rig.kbd), ps2_mouse_device(rig.mouse), i8042_device(rig.c)};
    StateWriter w;
    state_writer_init(&w);
    save_all(&rig, &w);
    patch_field(&w, "q_count", 0xFF);          /* the keyboard's, first in the stream */
    patch_field(&w, "frame_len", 0xFF);
    patch_field(&w, "cq_count", 0xFF);
    StateReader rdr = {w.buf, w.len, 0};
    Error err = {0};
    for (int i = 0; i < 3; i++)
        cr_assert(state_load(&rdr, ds[i]->fields, ds[i]->state, ds[i]->name, &err), "%s", err.msg);
    /* Whatever comes out, nothing reads or writes outside the queues. */
    for (int i = 0; i < 300; i++) {
        st();
        rd();
        ps2_kbd_key(rig.kbd, PS2_KEY_A, i & 1);
        cmd(0x20);
    }
    InputSink ks = ps2_kbd_input_sink(rig.kbd);
    const uint8_t ev[2] = {PS2_KEY_A, 1};
    if (ks.can_receive(ks.opaque))
        ks.receive(ks.opaque, ev, 1);
    StateReader bad = {w.buf, w.len - 1, 0};
    cr_assert_not(state_load(&bad, ds[0]->fields, ds[0]->state, "k", &err) &&
                      state_load(&bad, ds[1]->fields, ds[1]->state, "m", &err) &&
                      state_load(&bad, ds[2]->fields, ds[2]->state, "c", &err),
                  "a truncated stream is refused");
    state_writer_free(&w);
}
