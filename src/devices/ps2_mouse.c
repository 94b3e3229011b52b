/* PS/2 mouse, after the IBM PS/2 Hardware Interface Technical Reference
 * ("Pointing Device") and the OSDev wiki "Mouse Input" / "PS/2 Mouse"
 * pages, plus the IntelliMouse wheel extension (set the sample rate to
 * 200, 100, 80 and the ID becomes 3 and packets grow a fourth byte). Not
 * here: the 8042 auxiliary port that carries its bytes (i8042.c).
 *
 * Packet byte 0: bit 0 left, 1 right, 2 middle, 3 always 1, 4 X sign,
 * 5 Y sign, 6 X overflow, 7 Y overflow; bytes 1 and 2 are the low 8 bits
 * of the 9-bit two's complement X and Y (Y grows upwards); byte 3 (ID 3)
 * is the wheel count, -8..7. Motion beyond -256..255 is clamped and
 * flagged in the overflow bit.
 *
 * Emulation choices: reset answers at once (no BAT delay); the sample
 * rate is reported but packets go out as the host moves the mouse, not
 * paced by it; motion that arrives while the 64-byte buffer cannot take a
 * packet is accumulated and sent when room appears. 0xFE resends the last
 * byte, not the whole last packet. The 5-button (ID 4) sequence is not
 * recognised. */
#include "devices/ps2_mouse.h"

#include <stdio.h>
#include <stdlib.h>

#include "base/compiler.h"

#define MOUSE_QUEUE_SIZE 64     /* power of two */
#define MOUSE_ACC_LIMIT (1 << 20)   /* accumulated motion is clamped here */

#define MOUSE_ACK 0xFA
#define MOUSE_RESEND 0xFE
#define MOUSE_BAT_OK 0xAA

struct Ps2Mouse {
    Device dev;
    char name[32];
    Log *log;
    void (*notify)(void *opaque);
    void *notify_opaque;

    /* Guest-visible state: all of it is in ps2_mouse_fields. */
    uint8_t remote;             /* remote mode (0xF0) instead of stream (0xEA) */
    uint8_t wrap;               /* wrap (echo) mode, 0xEE .. 0xEC */
    uint8_t reporting;          /* data reporting enabled (0xF4) */
    uint8_t scaling21;          /* 2:1 scaling (0xE7) */
    uint8_t resolution;         /* 0..3: 1, 2, 4, 8 counts/mm */
    uint8_t rate;               /* samples per second */
    uint8_t id;                 /* 0, or 3 once the wheel is unlocked */
    uint8_t knock[3];           /* the last three sample rates set */
    uint8_t expect;             /* command waiting for its parameter, or 0 */
    uint8_t last_tx;
    uint8_t buttons;            /* held now (PS2_MOUSE_*) */
    uint8_t sent_buttons;       /* as in the last packet */
    int32_t acc_dx, acc_dy, acc_dz;     /* unreported motion, PS/2 sense */
    uint8_t queue[MOUSE_QUEUE_SIZE];
    uint8_t q_head, q_count;
    uint8_t frame[PS2_MOUSE_EVENT_SIZE];
    uint8_t frame_len;
};

static const StateField ps2_mouse_fields[] = {
    STATE_UINT(Ps2Mouse, remote),
    STATE_UINT(Ps2Mouse, wrap),
    STATE_UINT(Ps2Mouse, reporting),
    STATE_UINT(Ps2Mouse, scaling21),
    STATE_UINT(Ps2Mouse, resolution),
    STATE_UINT(Ps2Mouse, rate),
    STATE_UINT(Ps2Mouse, id),
    STATE_BYTES(Ps2Mouse, knock),
    STATE_UINT(Ps2Mouse, expect),
    STATE_UINT(Ps2Mouse, last_tx),
    STATE_UINT(Ps2Mouse, buttons),
    STATE_UINT(Ps2Mouse, sent_buttons),
    STATE_INT(Ps2Mouse, acc_dx),
    STATE_INT(Ps2Mouse, acc_dy),
    STATE_INT(Ps2Mouse, acc_dz),
    STATE_BYTES(Ps2Mouse, queue),
    STATE_UINT(Ps2Mouse, q_head),
    STATE_UINT(Ps2Mouse, q_count),
    STATE_BYTES(Ps2Mouse, frame),
    STATE_UINT(Ps2Mouse, frame_len),
    STATE_END,
};

static size_t mouse_free(const Ps2Mouse *m)
{
    return MOUSE_QUEUE_SIZE - MIN(m->q_count, MOUSE_QUEUE_SIZE);
}

static size_t mouse_packet_size(const Ps2Mouse *m)
{
    return m->id == 3 ? 4 : 3;
}

static void mouse_send(Ps2Mouse *m, const uint8_t *bytes, size_t n)
{
    if (mouse_free(m) < n) {
        LOG(m->log, LOG_GUEST_ERRORS, "%s: buffer full, %zu bytes dropped\n", m->name, n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        m->queue[(m->q_head + m->q_count) & (MOUSE_QUEUE_SIZE - 1)] = bytes[i];
        m->q_count++;
    }
    if (m->notify)
        m->notify(m->notify_opaque);
}

static void mouse_send1(Ps2Mouse *m, uint8_t b)
{
    mouse_send(m, &b, 1);
}

size_t ps2_mouse_pending(const Ps2Mouse *m)
{
    return MIN(m->q_count, MOUSE_QUEUE_SIZE);
}

static int32_t clamp32(int64_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : v > hi ? hi : (int32_t)v;
}

/* 2:1 scaling (Technical Reference table): 0,1,1,3,6,9 for 0..5, then
 * double. Only stream-mode packets are scaled. */
static int32_t mouse_scale(int32_t v)
{
    static const int32_t small[6] = {0, 1, 1, 3, 6, 9};
    int32_t mag = v < 0 ? -v : v;
    int32_t s = mag < 6 ? small[mag] : 2 * mag;
    return v < 0 ? -s : s;
}

/* Build a packet from the accumulated motion and clear it. */
static size_t mouse_build_packet(Ps2Mouse *m, uint8_t *p, bool scaled)
{
    /* Clamped again: a loaded snapshot may hold any value. */
    int32_t x = clamp32(m->acc_dx, -MOUSE_ACC_LIMIT, MOUSE_ACC_LIMIT);
    int32_t y = clamp32(m->acc_dy, -MOUSE_ACC_LIMIT, MOUSE_ACC_LIMIT);
    int32_t z = m->acc_dz;
    if (scaled && m->scaling21) {
        x = mouse_scale(x);
        y = mouse_scale(y);
    }
    uint8_t b0 = (uint8_t)((m->buttons & 7) | 0x08);
    if (x < -256 || x > 255) {
        b0 |= 0x40;
        x = clamp32(x, -256, 255);
    }
    if (y < -256 || y > 255) {
        b0 |= 0x80;
        y = clamp32(y, -256, 255);
    }
    if (x < 0)
        b0 |= 0x10;
    if (y < 0)
        b0 |= 0x20;
    p[0] = b0;
    p[1] = (uint8_t)(x & 0xFF);
    p[2] = (uint8_t)(y & 0xFF);
    size_t n = 3;
    if (m->id == 3)
        p[n++] = (uint8_t)(clamp32(z, -8, 7) & 0xFF);
    m->acc_dx = m->acc_dy = m->acc_dz = 0;
    m->sent_buttons = m->buttons;
    return n;
}

/* Stream mode: send what has not been reported yet, if a packet fits. */
static void mouse_flush(Ps2Mouse *m)
{
    if (m->remote || m->wrap || !m->reporting)
        return;
    if (!m->acc_dx && !m->acc_dy && !m->acc_dz && m->buttons == m->sent_buttons)
        return;
    if (mouse_free(m) < mouse_packet_size(m))
        return;
    uint8_t p[4];
    size_t n = mouse_build_packet(m, p, true);
    mouse_send(m, p, n);
}

bool ps2_mouse_pop(Ps2Mouse *m, uint8_t *byte)
{
    if (ps2_mouse_pending(m) == 0)
        return false;
    *byte = m->queue[m->q_head & (MOUSE_QUEUE_SIZE - 1)];
    m->q_head = (uint8_t)((m->q_head + 1) & (MOUSE_QUEUE_SIZE - 1));
    m->q_count--;
    m->last_tx = *byte;
    /* Motion held back by a full buffer goes out once there is room. */
    if (ps2_mouse_pending(m) == 0)
        mouse_flush(m);
    return true;
}

void ps2_mouse_move(Ps2Mouse *m, int dx, int dy, int dz, unsigned buttons)
{
    /* Host dy grows downwards, PS/2 Y upwards. */
    m->acc_dx = clamp32((int64_t)m->acc_dx + dx, -MOUSE_ACC_LIMIT, MOUSE_ACC_LIMIT);
    m->acc_dy = clamp32((int64_t)m->acc_dy - dy, -MOUSE_ACC_LIMIT, MOUSE_ACC_LIMIT);
    m->acc_dz = clamp32((int64_t)m->acc_dz + dz, -MOUSE_ACC_LIMIT, MOUSE_ACC_LIMIT);
    m->buttons = (uint8_t)(buttons & 7);
    mouse_flush(m);
}

uint8_t ps2_mouse_id(const Ps2Mouse *m)
{
    return m->id;
}

static void mouse_clear(Ps2Mouse *m)
{
    m->q_head = 0;
    m->q_count = 0;
}

/* Set Defaults (0xF6): 100 samples/s, 4 counts/mm, 1:1, reporting off.
 * The mode and the wheel ID are kept. */
static void mouse_defaults(Ps2Mouse *m)
{
    m->rate = 100;
    m->resolution = 2;
    m->scaling21 = 0;
    m->reporting = 0;
    m->acc_dx = m->acc_dy = m->acc_dz = 0;
}

static void mouse_reset_state(Ps2Mouse *m)
{
    mouse_clear(m);
    mouse_defaults(m);
    m->remote = 0;
    m->wrap = 0;
    m->id = 0;
    m->knock[0] = m->knock[1] = m->knock[2] = 0;
    m->expect = 0;
    m->last_tx = 0;
    m->buttons = m->sent_buttons = 0;
    m->frame_len = 0;
}

static bool mouse_rate_valid(uint8_t r)
{
    return r == 10 || r == 20 || r == 40 || r == 60 || r == 80 || r == 100 || r == 200;
}

static void mouse_parameter(Ps2Mouse *m, uint8_t b)
{
    uint8_t cmd = m->expect;
    m->expect = 0;
    if (cmd == 0xE8) {
        if (b > 3) {
            mouse_send1(m, MOUSE_RESEND);
            return;
        }
        m->resolution = b;
        mouse_send1(m, MOUSE_ACK);
        return;
    }
    /* 0xF3 */
    if (!mouse_rate_valid(b)) {
        mouse_send1(m, MOUSE_RESEND);
        return;
    }
    m->rate = b;
    m->knock[0] = m->knock[1];
    m->knock[1] = m->knock[2];
    m->knock[2] = b;
    if (m->knock[0] == 200 && m->knock[1] == 100 && m->knock[2] == 80)
        m->id = 3;
    mouse_send1(m, MOUSE_ACK);
}

void ps2_mouse_write(Ps2Mouse *m, uint8_t b)
{
    if (m->expect) {
        mouse_parameter(m, b);
        return;
    }
    if (m->wrap && b != 0xEC && b != 0xFF) {
        mouse_send1(m, b);      /* wrap mode echoes everything else */
        return;
    }
    switch (b) {
    case 0xE6:                  /* scaling 1:1 */
    case 0xE7:                  /* scaling 2:1 */
        m->scaling21 = b == 0xE7;
        mouse_send1(m, MOUSE_ACK);
        break;
    case 0xE8:                  /* set resolution */
    case 0xF3:                  /* set sample rate */
        m->expect = b;
        mouse_send1(m, MOUSE_ACK);
        break;
    case 0xE9: {                /* status request */
        uint8_t s = (uint8_t)((m->remote ? 0x40 : 0) | (m->reporting ? 0x20 : 0) |
                              (m->scaling21 ? 0x10 : 0) | ((m->buttons & PS2_MOUSE_LEFT) ? 0x04 : 0) |
                              ((m->buttons & PS2_MOUSE_MIDDLE) ? 0x02 : 0) |
                              ((m->buttons & PS2_MOUSE_RIGHT) ? 0x01 : 0));
        const uint8_t reply[4] = {MOUSE_ACK, s, m->resolution, m->rate};
        mouse_send(m, reply, 4);
        break;
    }
    case 0xEA:                  /* stream mode */
        m->remote = 0;
        m->acc_dx = m->acc_dy = m->acc_dz = 0;
        mouse_send1(m, MOUSE_ACK);
        break;
    case 0xEB: {                /* read data: one packet, whatever the mode */
        uint8_t p[5];
        p[0] = MOUSE_ACK;
        size_t n = mouse_build_packet(m, p + 1, false);
        mouse_send(m, p, n + 1);
        break;
    }
    case 0xEC:                  /* reset wrap mode */
        m->wrap = 0;
        mouse_send1(m, MOUSE_ACK);
        break;
    case 0xEE:                  /* set wrap mode */
        m->wrap = 1;
        mouse_send1(m, MOUSE_ACK);
        break;
    case 0xF0:                  /* remote mode */
        m->remote = 1;
        m->acc_dx = m->acc_dy = m->acc_dz = 0;
        mouse_send1(m, MOUSE_ACK);
        break;
    case 0xF2: {                /* get device ID */
        const uint8_t reply[2] = {MOUSE_ACK, m->id};
        mouse_send(m, reply, 2);
        break;
    }
    case 0xF4:                  /* enable data reporting */
        mouse_clear(m);
        m->reporting = 1;
        m->acc_dx = m->acc_dy = m->acc_dz = 0;
        m->sent_buttons = m->buttons;
        mouse_send1(m, MOUSE_ACK);
        break;
    case 0xF5:                  /* disable data reporting */
        mouse_clear(m);
        m->reporting = 0;
        mouse_send1(m, MOUSE_ACK);
        break;
    case 0xF6:                  /* set defaults */
        mouse_clear(m);
        mouse_defaults(m);
        mouse_send1(m, MOUSE_ACK);
        break;
    case 0xFE:                  /* resend */
        mouse_send1(m, m->last_tx);
        break;
    case 0xFF: {                /* reset: ACK, BAT passed, ID 0 */
        mouse_reset_state(m);
        const uint8_t reply[3] = {MOUSE_ACK, MOUSE_BAT_OK, 0x00};
        mouse_send(m, reply, 3);
        break;
    }
    default:
        LOG(m->log, LOG_UNIMP | LOG_GUEST_ERRORS, "%s: unknown command 0x%02x\n", m->name, b);
        mouse_send1(m, MOUSE_RESEND);
        break;
    }
}

void ps2_mouse_set_notify(Ps2Mouse *m, void (*notify)(void *opaque), void *opaque)
{
    m->notify = notify;
    m->notify_opaque = opaque;
}

static size_t mouse_sink_can_receive(void *opaque)
{
    Ps2Mouse *m = opaque;
    if (mouse_free(m) < 4)
        return 0;
    return PS2_MOUSE_EVENT_SIZE - MIN(m->frame_len, PS2_MOUSE_EVENT_SIZE - 1);
}

static void mouse_sink_receive(void *opaque, const uint8_t *buf, size_t len)
{
    Ps2Mouse *m = opaque;
    for (size_t i = 0; i < len; i++) {
        if (m->frame_len >= PS2_MOUSE_EVENT_SIZE)
            m->frame_len = 0;
        m->frame[m->frame_len++] = buf[i];
        if (m->frame_len == PS2_MOUSE_EVENT_SIZE) {
            const uint8_t *f = m->frame;
            m->frame_len = 0;
            int16_t dx = (int16_t)(f[1] | f[2] << 8), dy = (int16_t)(f[3] | f[4] << 8);
            ps2_mouse_move(m, dx, dy, (int8_t)f[5], f[0]);
        }
    }
}

InputSink ps2_mouse_input_sink(Ps2Mouse *m)
{
    return (InputSink){.can_receive = mouse_sink_can_receive, .receive = mouse_sink_receive, .opaque = m};
}

static void mouse_device_reset(void *opaque)
{
    mouse_reset_state(opaque);
}

static void mouse_device_free(void *opaque)
{
    ps2_mouse_free(opaque);
}

Ps2Mouse *ps2_mouse_new(const char *name, Log *log)
{
    Ps2Mouse *m = calloc(1, sizeof(*m));
    if (!m)
        abort();
    snprintf(m->name, sizeof(m->name), "%s", name);
    m->log = log;
    mouse_reset_state(m);
    m->dev = (Device){
        .name = m->name,
        .reset = mouse_device_reset,
        .fields = ps2_mouse_fields,
        .state = m,
        .opaque = m,
        .free = mouse_device_free,
    };
    return m;
}

void ps2_mouse_free(Ps2Mouse *m)
{
    free(m);
}

Device *ps2_mouse_device(Ps2Mouse *m)
{
    return &m->dev;
}
