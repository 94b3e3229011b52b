/* PS/2 (MF II) keyboard, after the IBM PS/2 Hardware Interface Technical
 * Reference ("Keyboards (101- and 102-Key)") and the OSDev wiki "PS/2
 * Keyboard" page. Not here: the 8042 that carries its bytes (i8042.c).
 *
 * The keyboard answers host commands with 0xFA (ACK) and any data, and
 * sends make/break codes for key events in the current scancode set. Bytes
 * wait in a 32-byte queue the controller empties one at a time; when a
 * sequence does not fit, the keyboard sends the overrun code instead
 * (0x00 in sets 2 and 3, 0xFF in set 1), as the Technical Reference says.
 *
 * Emulation choices: reset (0xFF) answers 0xAA at once, without the
 * ~500 ms basic assurance test. Typematic rate/delay (0xF3) is stored but
 * held keys do not repeat here: the host's own auto-repeat arrives as
 * repeated presses. Set 3 is accepted and reported by 0xF0 but keys still
 * produce set 2 codes (the alphanumeric block is the same in both; the
 * 0xF7..0xFD per-key type commands are acknowledged and ignored). The
 * "fake shift" codes real keyboards wrap around navigation keys while
 * NumLock or Shift is on are not produced; Ctrl+Pause and Alt+PrintScreen
 * give the plain Pause and PrintScreen sequences. */
#include "devices/ps2_kbd.h"

#include <stdio.h>
#include <stdlib.h>

#include "base/compiler.h"

#define KBD_QUEUE_SIZE 32       /* power of two: indices wrap with a mask */
#define KBD_LONGEST_SEQ 8       /* Pause in set 2 */

/* Replies (Technical Reference, "Keyboard Outputs"). */
#define KBD_ACK 0xFA
#define KBD_RESEND 0xFE
#define KBD_BAT_OK 0xAA
#define KBD_ECHO 0xEE

#define SET2_E0 0x100           /* in set2_of_usage: the code needs an E0 prefix */
#define SET2_SPECIAL 0x200      /* PrintScreen and Pause have their own sequences */

struct Ps2Kbd {
    Device dev;
    char name[32];
    Log *log;
    void (*notify)(void *opaque);
    void *notify_opaque;
    void (*led_cb)(void *opaque, uint8_t leds);
    void *led_opaque;

    /* Guest-visible state: all of it is in ps2_kbd_fields. */
    uint8_t set;                /* scancode set 1, 2 or 3 */
    uint8_t scanning;           /* 0xF4 / 0xF5 */
    uint8_t leds;
    uint8_t typematic;          /* last 0xF3 parameter */
    uint8_t expect;             /* command waiting for its parameter, or 0 */
    uint8_t last_tx;            /* last byte sent, for 0xFE resend */
    uint8_t queue[KBD_QUEUE_SIZE];
    uint8_t q_head, q_count;
    uint8_t frame[PS2_KBD_EVENT_SIZE];  /* partial input-layer event */
    uint8_t frame_len;
};

static const StateField ps2_kbd_fields[] = {
    STATE_UINT(Ps2Kbd, set),
    STATE_UINT(Ps2Kbd, scanning),
    STATE_UINT(Ps2Kbd, leds),
    STATE_UINT(Ps2Kbd, typematic),
    STATE_UINT(Ps2Kbd, expect),
    STATE_UINT(Ps2Kbd, last_tx),
    STATE_BYTES(Ps2Kbd, queue),
    STATE_UINT(Ps2Kbd, q_head),
    STATE_UINT(Ps2Kbd, q_count),
    STATE_BYTES(Ps2Kbd, frame),
    STATE_UINT(Ps2Kbd, frame_len),
    STATE_END,
};

/* Set 2 make codes by HID usage (HID Usage Tables, Keyboard/Keypad page;
 * set 2 codes from the Technical Reference's key number tables). */
static const uint16_t set2_of_usage[0xE8] = {
    [0x04] = 0x1C, [0x05] = 0x32, [0x06] = 0x21, [0x07] = 0x23, [0x08] = 0x24,
    [0x09] = 0x2B, [0x0A] = 0x34, [0x0B] = 0x33, [0x0C] = 0x43, [0x0D] = 0x3B,
    [0x0E] = 0x42, [0x0F] = 0x4B, [0x10] = 0x3A, [0x11] = 0x31, [0x12] = 0x44,
    [0x13] = 0x4D, [0x14] = 0x15, [0x15] = 0x2D, [0x16] = 0x1B, [0x17] = 0x2C,
    [0x18] = 0x3C, [0x19] = 0x2A, [0x1A] = 0x1D, [0x1B] = 0x22, [0x1C] = 0x35,
    [0x1D] = 0x1A,                                          /* A..Z */
    [0x1E] = 0x16, [0x1F] = 0x1E, [0x20] = 0x26, [0x21] = 0x25, [0x22] = 0x2E,
    [0x23] = 0x36, [0x24] = 0x3D, [0x25] = 0x3E, [0x26] = 0x46, [0x27] = 0x45,
    [0x28] = 0x5A, [0x29] = 0x76, [0x2A] = 0x66, [0x2B] = 0x0D, [0x2C] = 0x29,
    [0x2D] = 0x4E, [0x2E] = 0x55, [0x2F] = 0x54, [0x30] = 0x5B, [0x31] = 0x5D,
    [0x32] = 0x5D, [0x33] = 0x4C, [0x34] = 0x52, [0x35] = 0x0E, [0x36] = 0x41,
    [0x37] = 0x49, [0x38] = 0x4A, [0x39] = 0x58,
    [0x3A] = 0x05, [0x3B] = 0x06, [0x3C] = 0x04, [0x3D] = 0x0C, [0x3E] = 0x03,
    [0x3F] = 0x0B, [0x40] = 0x83, [0x41] = 0x0A, [0x42] = 0x01, [0x43] = 0x09,
    [0x44] = 0x78, [0x45] = 0x07,                           /* F1..F12 */
    [0x46] = SET2_SPECIAL, [0x47] = 0x7E, [0x48] = SET2_SPECIAL,
    [0x49] = SET2_E0 | 0x70, [0x4A] = SET2_E0 | 0x6C, [0x4B] = SET2_E0 | 0x7D,
    [0x4C] = SET2_E0 | 0x71, [0x4D] = SET2_E0 | 0x69, [0x4E] = SET2_E0 | 0x7A,
    [0x4F] = SET2_E0 | 0x74, [0x50] = SET2_E0 | 0x6B, [0x51] = SET2_E0 | 0x72,
    [0x52] = SET2_E0 | 0x75,                                /* Insert..Up */
    [0x53] = 0x77, [0x54] = SET2_E0 | 0x4A, [0x55] = 0x7C, [0x56] = 0x7B,
    [0x57] = 0x79, [0x58] = SET2_E0 | 0x5A, [0x59] = 0x69, [0x5A] = 0x72,
    [0x5B] = 0x7A, [0x5C] = 0x6B, [0x5D] = 0x73, [0x5E] = 0x74, [0x5F] = 0x6C,
    [0x60] = 0x75, [0x61] = 0x7D, [0x62] = 0x70, [0x63] = 0x71, /* keypad */
    [0x64] = 0x61, [0x65] = SET2_E0 | 0x2F, [0x66] = SET2_E0 | 0x37,
    [0x87] = 0x51, [0x88] = 0x13, [0x89] = 0x6A, [0x8A] = 0x64, [0x8B] = 0x67,
    [0xE0] = 0x14, [0xE1] = 0x12, [0xE2] = 0x11, [0xE3] = SET2_E0 | 0x1F,
    [0xE4] = SET2_E0 | 0x14, [0xE5] = 0x59, [0xE6] = SET2_E0 | 0x11,
    [0xE7] = SET2_E0 | 0x27,
};

/* The 8042's translation, set 2 code -> set 1 code, for every key above
 * (both codes of each key are in the Technical Reference's tables). A
 * zero entry means the byte passes unchanged (prefixes, replies). */
static const uint8_t set1_of_set2[256] = {
    [0x01] = 0x43, [0x03] = 0x3F, [0x04] = 0x3D, [0x05] = 0x3B, [0x06] = 0x3C,
    [0x07] = 0x58, [0x09] = 0x44, [0x0A] = 0x42, [0x0B] = 0x40, [0x0C] = 0x3E,
    [0x0D] = 0x0F, [0x0E] = 0x29, [0x11] = 0x38, [0x12] = 0x2A, [0x13] = 0x70,
    [0x14] = 0x1D, [0x15] = 0x10, [0x16] = 0x02, [0x1A] = 0x2C, [0x1B] = 0x1F,
    [0x1C] = 0x1E, [0x1D] = 0x11, [0x1E] = 0x03, [0x1F] = 0x5B, [0x21] = 0x2E,
    [0x22] = 0x2D, [0x23] = 0x20, [0x24] = 0x12, [0x25] = 0x05, [0x26] = 0x04,
    [0x27] = 0x5C, [0x29] = 0x39, [0x2A] = 0x2F, [0x2B] = 0x21, [0x2C] = 0x14,
    [0x2D] = 0x13, [0x2E] = 0x06, [0x2F] = 0x5D, [0x31] = 0x31, [0x32] = 0x30,
    [0x33] = 0x23, [0x34] = 0x22, [0x35] = 0x15, [0x36] = 0x07, [0x37] = 0x5E,
    [0x3A] = 0x32, [0x3B] = 0x24, [0x3C] = 0x16, [0x3D] = 0x08, [0x3E] = 0x09,
    [0x41] = 0x33, [0x42] = 0x25, [0x43] = 0x17, [0x44] = 0x18, [0x45] = 0x0B,
    [0x46] = 0x0A, [0x49] = 0x34, [0x4A] = 0x35, [0x4B] = 0x26, [0x4C] = 0x27,
    [0x4D] = 0x19, [0x4E] = 0x0C, [0x51] = 0x73, [0x52] = 0x28, [0x54] = 0x1A,
    [0x55] = 0x0D, [0x58] = 0x3A, [0x59] = 0x36, [0x5A] = 0x1C, [0x5B] = 0x1B,
    [0x5D] = 0x2B, [0x61] = 0x56, [0x64] = 0x79, [0x66] = 0x0E, [0x67] = 0x7B,
    [0x69] = 0x4F, [0x6A] = 0x7D, [0x6B] = 0x4B, [0x6C] = 0x47, [0x70] = 0x52,
    [0x71] = 0x53, [0x72] = 0x50, [0x73] = 0x4C, [0x74] = 0x4D, [0x75] = 0x48,
    [0x76] = 0x01, [0x77] = 0x45, [0x78] = 0x57, [0x79] = 0x4E, [0x7A] = 0x51,
    [0x7B] = 0x4A, [0x7C] = 0x37, [0x7D] = 0x49, [0x7E] = 0x46,
    [0x83] = 0x41,              /* F7, and the second identify byte */
    [0x84] = 0x54,              /* Alt+PrintScreen (SysRq) */
};

uint8_t ps2_set2_to_set1(uint8_t code)
{
    if (code == 0x00)
        return 0xFF;            /* overrun */
    return set1_of_set2[code] ? set1_of_set2[code] : code;
}

static size_t kbd_free(const Ps2Kbd *k)
{
    return KBD_QUEUE_SIZE - MIN(k->q_count, KBD_QUEUE_SIZE);
}

static void kbd_clear(Ps2Kbd *k)
{
    k->q_head = 0;
    k->q_count = 0;
}

static void kbd_push(Ps2Kbd *k, uint8_t b)
{
    k->queue[(k->q_head + k->q_count) & (KBD_QUEUE_SIZE - 1)] = b;
    k->q_count++;
}

/* Queue a whole sequence, or the overrun code when it does not fit. */
static void kbd_send(Ps2Kbd *k, const uint8_t *bytes, size_t n)
{
    /* The last free byte is kept for the overrun code, so the guest
     * always learns that something was lost. */
    if (kbd_free(k) <= n) {
        if (kbd_free(k) == 0)
            return;
        LOG(k->log, LOG_GUEST_ERRORS, "%s: buffer overrun\n", k->name);
        kbd_push(k, k->set == 1 ? 0xFF : 0x00);
    } else {
        for (size_t i = 0; i < n; i++)
            kbd_push(k, bytes[i]);
    }
    if (k->notify)
        k->notify(k->notify_opaque);
}

static void kbd_send1(Ps2Kbd *k, uint8_t b)
{
    kbd_send(k, &b, 1);
}

static void kbd_send2(Ps2Kbd *k, uint8_t a, uint8_t b)
{
    const uint8_t seq[2] = {a, b};
    kbd_send(k, seq, 2);
}

size_t ps2_kbd_pending(const Ps2Kbd *k)
{
    return MIN(k->q_count, KBD_QUEUE_SIZE);
}

bool ps2_kbd_pop(Ps2Kbd *k, uint8_t *byte)
{
    if (ps2_kbd_pending(k) == 0)
        return false;
    *byte = k->queue[k->q_head & (KBD_QUEUE_SIZE - 1)];
    k->q_head = (uint8_t)((k->q_head + 1) & (KBD_QUEUE_SIZE - 1));
    k->q_count--;
    k->last_tx = *byte;
    return true;
}

/* Defaults (0xF6, and part of 0xF5 and 0xFF): typematic 10.9 cps / 500 ms,
 * all keys typematic/make/break. The scancode set is kept: only a reset
 * returns to set 2. */
static void kbd_defaults(Ps2Kbd *k)
{
    k->typematic = 0x2B;
}

static void kbd_set_leds(Ps2Kbd *k, uint8_t leds)
{
    uint8_t old = k->leds;
    k->leds = leds & 7;
    if (k->leds != old && k->led_cb)
        k->led_cb(k->led_opaque, k->leds);
}

static void kbd_reset_state(Ps2Kbd *k)
{
    kbd_clear(k);
    kbd_defaults(k);
    k->set = 2;
    k->scanning = 1;
    k->expect = 0;
    k->last_tx = 0;
    k->frame_len = 0;
    k->leds = 0;
}

/* A parameter byte for the command in k->expect. */
static void kbd_parameter(Ps2Kbd *k, uint8_t b)
{
    uint8_t cmd = k->expect;
    k->expect = 0;
    switch (cmd) {
    case 0xED:
        kbd_send1(k, KBD_ACK);
        kbd_set_leds(k, b);
        break;
    case 0xF0:
        if (b == 0) {
            kbd_send2(k, KBD_ACK, k->set);
        } else if (b <= 3) {
            kbd_send1(k, KBD_ACK);
            k->set = b;
        } else {
            kbd_send1(k, KBD_RESEND);
        }
        break;
    case 0xF3:
        kbd_send1(k, KBD_ACK);
        k->typematic = b & 0x7F;
        break;
    }
}

void ps2_kbd_write(Ps2Kbd *k, uint8_t b)
{
    /* Every parameter has bit 7 clear; a byte with it set while a parameter
     * is due is a new command (Technical Reference: a command in place of
     * a parameter cancels the previous command). */
    if (k->expect && !(b & 0x80)) {
        kbd_parameter(k, b);
        return;
    }
    k->expect = 0;
    switch (b) {
    case 0xED:                  /* set LEDs */
    case 0xF0:                  /* select scancode set */
    case 0xF3:                  /* typematic rate/delay */
        kbd_send1(k, KBD_ACK);
        k->expect = b;
        break;
    case 0xEE:                  /* echo: no ACK */
        kbd_send1(k, KBD_ECHO);
        break;
    case 0xF2: {                /* identify: an MF II keyboard */
        const uint8_t id[3] = {KBD_ACK, 0xAB, 0x83};
        kbd_send(k, id, 3);
        break;
    }
    case 0xF4:                  /* enable: clears the output buffer */
        kbd_clear(k);
        k->scanning = 1;
        kbd_send1(k, KBD_ACK);
        break;
    case 0xF5:                  /* default and disable */
        kbd_clear(k);
        kbd_defaults(k);
        k->scanning = 0;
        kbd_send1(k, KBD_ACK);
        break;
    case 0xF6:                  /* set default */
        kbd_clear(k);
        kbd_defaults(k);
        k->scanning = 1;
        kbd_send1(k, KBD_ACK);
        break;
    case 0xF7: case 0xF8: case 0xF9: case 0xFA:
    case 0xFB: case 0xFC: case 0xFD: /* set 3 key types: accepted, ignored */
        kbd_send1(k, KBD_ACK);
        break;
    case 0xFE:                  /* resend the last byte */
        kbd_send1(k, k->last_tx);
        break;
    case 0xFF:                  /* reset: ACK, then the BAT result */
        kbd_set_leds(k, 0);
        kbd_reset_state(k);
        kbd_send2(k, KBD_ACK, KBD_BAT_OK);
        break;
    default:
        LOG(k->log, LOG_UNIMP | LOG_GUEST_ERRORS, "%s: unknown command 0x%02x\n", k->name, b);
        kbd_send1(k, KBD_RESEND);
        break;
    }
}

/* Append one key code to seq in the current set: set 2/3 break is F0 code,
 * set 1 break is the make code | 0x80. */
static size_t kbd_encode(const Ps2Kbd *k, uint8_t *seq, bool e0, uint8_t code, bool pressed)
{
    size_t n = 0;
    if (e0)
        seq[n++] = 0xE0;
    if (k->set == 1) {
        seq[n++] = (uint8_t)(ps2_set2_to_set1(code) | (pressed ? 0 : 0x80));
    } else {
        if (!pressed)
            seq[n++] = 0xF0;
        seq[n++] = code;
    }
    return n;
}

void ps2_kbd_key(Ps2Kbd *k, unsigned keycode, bool pressed)
{
    uint16_t entry = keycode < ARRAY_SIZE(set2_of_usage) ? set2_of_usage[keycode] : 0;
    if (!entry) {
        LOG(k->log, LOG_UNIMP, "%s: no scancode for key 0x%x\n", k->name, keycode);
        return;
    }
    if (!k->scanning)
        return;
    uint8_t seq[KBD_LONGEST_SEQ];
    size_t n = 0;
    if (keycode == PS2_KEY_PAUSE) {
        /* Make only, no break: E1 14 77 E1 F0 14 F0 77 in set 2. */
        if (!pressed)
            return;
        seq[n++] = 0xE1;
        n += kbd_encode(k, seq + n, false, 0x14, true);
        n += kbd_encode(k, seq + n, false, 0x77, true);
        seq[n++] = 0xE1;
        n += kbd_encode(k, seq + n, false, 0x14, false);
        n += kbd_encode(k, seq + n, false, 0x77, false);
    } else if (keycode == PS2_KEY_PRINTSCREEN) {
        /* E0 12 E0 7C, released in reverse order. */
        uint8_t first = pressed ? 0x12 : 0x7C, second = pressed ? 0x7C : 0x12;
        n += kbd_encode(k, seq + n, true, first, pressed);
        n += kbd_encode(k, seq + n, true, second, pressed);
    } else {
        n = kbd_encode(k, seq, entry & SET2_E0, (uint8_t)entry, pressed);
    }
    kbd_send(k, seq, n);
}

uint8_t ps2_kbd_leds(const Ps2Kbd *k)
{
    return k->leds;
}

unsigned ps2_kbd_scancode_set(const Ps2Kbd *k)
{
    return k->set;
}

void ps2_kbd_set_led_callback(Ps2Kbd *k, void (*cb)(void *opaque, uint8_t leds), void *opaque)
{
    k->led_cb = cb;
    k->led_opaque = opaque;
}

void ps2_kbd_set_notify(Ps2Kbd *k, void (*notify)(void *opaque), void *opaque)
{
    k->notify = notify;
    k->notify_opaque = opaque;
}

static size_t kbd_sink_can_receive(void *opaque)
{
    Ps2Kbd *k = opaque;
    if (kbd_free(k) <= KBD_LONGEST_SEQ)
        return 0;
    return PS2_KBD_EVENT_SIZE - MIN(k->frame_len, PS2_KBD_EVENT_SIZE - 1);
}

static void kbd_sink_receive(void *opaque, const uint8_t *buf, size_t len)
{
    Ps2Kbd *k = opaque;
    for (size_t i = 0; i < len; i++) {
        if (k->frame_len >= PS2_KBD_EVENT_SIZE)
            k->frame_len = 0;
        k->frame[k->frame_len++] = buf[i];
        if (k->frame_len == PS2_KBD_EVENT_SIZE) {
            k->frame_len = 0;
            ps2_kbd_key(k, k->frame[0], k->frame[1] != 0);
        }
    }
}

InputSink ps2_kbd_input_sink(Ps2Kbd *k)
{
    return (InputSink){.can_receive = kbd_sink_can_receive, .receive = kbd_sink_receive, .opaque = k};
}

static void kbd_device_reset(void *opaque)
{
    Ps2Kbd *k = opaque;
    kbd_reset_state(k);
}

static void kbd_device_free(void *opaque)
{
    ps2_kbd_free(opaque);
}

Ps2Kbd *ps2_kbd_new(const char *name, Log *log)
{
    Ps2Kbd *k = calloc(1, sizeof(*k));
    if (!k)
        abort();
    snprintf(k->name, sizeof(k->name), "%s", name);
    k->log = log;
    kbd_reset_state(k);
    k->dev = (Device){
        .name = k->name,
        .reset = kbd_device_reset,
        .fields = ps2_kbd_fields,
        .state = k,
        .opaque = k,
        .free = kbd_device_free,
    };
    return k;
}

void ps2_kbd_free(Ps2Kbd *k)
{
    free(k);
}

Device *ps2_kbd_device(Ps2Kbd *k)
{
    return &k->dev;
}
