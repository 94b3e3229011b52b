/* Intel 8254 programmable interval timer, after the Intel 8254 datasheet
 * (order no. 231164). Not here: port 0x61 (the board wires channel 2's GATE
 * and OUT to it) and which PIC pin IRQ0 reaches.
 *
 * Each counter has a 16-bit count register (CR) the CPU writes, a counting
 * element (CE) clocked at 1.193182 MHz, an output latch for the counter
 * latch and read-back commands, and read/write flip-flops for LSB-then-MSB
 * access. The control word (port 0x43) selects per counter the access mode
 * (LSB, MSB, LSB then MSB), one of six modes and binary or BCD counting;
 * SC=3 is the read-back command (latch count and/or status of any subset).
 *
 * Nothing ticks: a running counter is a schedule (the CLK edge at which CE
 * was loaded with N, plus the mode) and CE and OUT are pure functions of
 * the current CLK edge number, floor(now_ns * 1193182 / 1e9) on the machine
 * clock. CLK edges have a fixed phase (edge k at ceil(k * 1e9 / 1193182)
 * ns), shared by the three counters as on the chip. As the datasheet says,
 * a count written (or triggered) is loaded into CE on the next CLK edge;
 * until then CE and OUT keep their previous values. Channel 0's OUT level
 * is mirrored on IRQ0 by a timer armed at the exact edge of its next
 * transition, so an edge-triggered PIC sees one rising edge per period. */
#include "devices/i8254_pit.h"

#include <stdint.h>
#include <stdlib.h>

#include "base/compiler.h"

#define PIT_CHANNELS    3
#define NS_PER_SEC      1000000000LL
#define PIT_TICK_NEVER  INT64_MAX

/* Control word fields (datasheet, "Control Word Format"). */
#define PIT_CW_SC(v)    (((v) >> 6) & 3)
#define PIT_CW_RW(v)    (((v) >> 4) & 3)
#define PIT_CW_MODE(v)  (((v) >> 1) & 7)
#define PIT_CW_BCD      0x01
#define PIT_SC_READBACK 3

/* Read-back command bits (active low COUNT and STATUS). */
#define PIT_RB_NO_COUNT  0x20
#define PIT_RB_NO_STATUS 0x10

/* Status byte. */
#define PIT_ST_OUT      0x80
#define PIT_ST_NULL     0x40

/* Access modes (RW1:RW0). 0 in a control word is the counter latch command. */
enum { PIT_RW_LSB = 1, PIT_RW_MSB = 2, PIT_RW_WORD = 3 };

/* Output latch state: which byte the next read returns. */
enum { PIT_LATCH_NONE, PIT_LATCH_LSB, PIT_LATCH_MSB, PIT_LATCH_WORD_LSB, PIT_LATCH_WORD_MSB };

typedef struct PitChannel {
    uint8_t mode;               /* M2..M0 as written; 6 and 7 act as 2 and 3 */
    uint8_t access;             /* PIT_RW_* */
    uint8_t bcd;
    uint8_t gate;               /* GATE input level */
    uint8_t write_msb;          /* write flip-flop: next byte is the MSB */
    uint8_t write_lsb;          /* LSB held until the MSB arrives */
    uint8_t read_msb;           /* read flip-flop (unlatched reads) */
    uint8_t latch_state;        /* PIT_LATCH_* */
    uint16_t latch;             /* latched CE, already in BCD if bcd */
    uint8_t status_latched;
    uint8_t status;
    uint8_t cr_valid;           /* a full count was written since the control word */
    uint16_t cr;                /* count register as written (0 = 65536 / 10000) */
    uint32_t cr_n;              /* cr decoded: 1..65536 (BCD 1..10000) */
    int64_t null_clear_tick;    /* null count until this CLK edge (CR -> CE transfer) */
    /* The running schedule. When !active, CE and OUT are frozen. */
    uint8_t active;
    uint8_t frozen_out;
    uint32_t frozen_ce;
    int64_t load_tick;          /* CLK edge that loaded CE with n */
    uint32_t n;                 /* count of this schedule, 1..65536 (BCD 1..10000) */
    uint8_t start_low;          /* mode 3: the schedule starts with the low half */
    uint64_t dec_base;          /* modes 0, 4: decrements before load_tick (GATE pauses) */
    uint32_t pre_ce;            /* CE and OUT before load_tick */
    uint8_t pre_out;
    /* Modes 2, 3: a count written while counting waits for the end of the
     * period (mode 2) or half-cycle (mode 3). */
    uint8_t pending;
    uint8_t pending_low;
    uint32_t pending_n;
    int64_t pending_tick;
} PitChannel;

struct I8254Pit {
    Device dev;
    Clock *clock;
    IrqLine irq0;
    Log *log;
    Timer *irq_timer;           /* next OUT transition of channel 0 */
    int64_t irq_tick;           /* the CLK edge irq_timer is armed for */
    uint8_t irq_level;          /* level last driven on irq0 */
    PitChannel ch[PIT_CHANNELS];
};

#define PIT_CHANNEL_FIELDS(i)                                                  \
    STATE_UINT(I8254Pit, ch[i].mode), STATE_UINT(I8254Pit, ch[i].access),      \
    STATE_UINT(I8254Pit, ch[i].bcd), STATE_UINT(I8254Pit, ch[i].gate),         \
    STATE_UINT(I8254Pit, ch[i].write_msb), STATE_UINT(I8254Pit, ch[i].write_lsb), \
    STATE_UINT(I8254Pit, ch[i].read_msb), STATE_UINT(I8254Pit, ch[i].latch_state), \
    STATE_UINT(I8254Pit, ch[i].latch), STATE_UINT(I8254Pit, ch[i].status_latched), \
    STATE_UINT(I8254Pit, ch[i].status), STATE_UINT(I8254Pit, ch[i].cr_valid),  \
    STATE_UINT(I8254Pit, ch[i].cr), STATE_UINT(I8254Pit, ch[i].cr_n),          \
    STATE_INT(I8254Pit, ch[i].null_clear_tick), \
    STATE_UINT(I8254Pit, ch[i].active), STATE_UINT(I8254Pit, ch[i].frozen_out), \
    STATE_UINT(I8254Pit, ch[i].frozen_ce), STATE_INT(I8254Pit, ch[i].load_tick), \
    STATE_UINT(I8254Pit, ch[i].n), STATE_UINT(I8254Pit, ch[i].start_low),      \
    STATE_UINT(I8254Pit, ch[i].dec_base), STATE_UINT(I8254Pit, ch[i].pre_ce),  \
    STATE_UINT(I8254Pit, ch[i].pre_out), STATE_UINT(I8254Pit, ch[i].pending),  \
    STATE_UINT(I8254Pit, ch[i].pending_low), STATE_UINT(I8254Pit, ch[i].pending_n), \
    STATE_INT(I8254Pit, ch[i].pending_tick)

static const StateField pit_fields[] = {
    PIT_CHANNEL_FIELDS(0),
    PIT_CHANNEL_FIELDS(1),
    PIT_CHANNEL_FIELDS(2),
    STATE_INT(I8254Pit, irq_tick),
    STATE_UINT(I8254Pit, irq_level),
    STATE_TIMER(I8254Pit, irq_timer),
    STATE_END,
};

/* ---- time: CLK edge numbers on the machine clock ---------------------- */

/* Number of the last CLK edge at or before `ns`: floor(ns * F / 1e9),
 * split so no intermediate product overflows 64 bits. */
static int64_t pit_tick_at(int64_t ns)
{
    if (ns <= 0)
        return 0;
    int64_t q = ns / NS_PER_SEC, r = ns % NS_PER_SEC;
    return q * PIT_FREQ_HZ + r * PIT_FREQ_HZ / NS_PER_SEC;
}

/* Time of CLK edge `tick`: ceil(tick * 1e9 / F), CLOCK_NEVER past the range. */
static int64_t pit_tick_time(int64_t tick)
{
    if (tick <= 0)
        return 0;
    int64_t a = tick / PIT_FREQ_HZ, b = tick % PIT_FREQ_HZ;
    if (a >= INT64_MAX / NS_PER_SEC - 1)
        return CLOCK_NEVER;
    return a * NS_PER_SEC + (b * NS_PER_SEC + PIT_FREQ_HZ - 1) / PIT_FREQ_HZ;
}

static int64_t pit_now_tick(const I8254Pit *p)
{
    return pit_tick_at(clock_now(p->clock));
}

/* ---- one counter: pure evaluation ------------------------------------- */

/* The mode the counter behaves in (the datasheet's X10 and X11). */
static unsigned ch_mode(const PitChannel *c)
{
    unsigned m = c->mode & 7;
    return m >= 6 ? m - 4 : m;
}

static uint32_t ch_modulus(const PitChannel *c)
{
    return c->bcd ? 10000 : 65536;
}

/* A schedule's count, clamped: a loaded snapshot may hold anything. */
static uint32_t ch_clamp_n(const PitChannel *c, uint32_t n)
{
    uint32_t m = ch_modulus(c);
    return n == 0 || n > m ? m : n;
}

typedef struct PitSchedule {
    int64_t load;
    uint32_t n;
    bool low;
} PitSchedule;

/* The schedule in force at CLK edge `t`: a pending reload may have happened. */
static PitSchedule ch_schedule(const PitChannel *c, int64_t t)
{
    if (c->pending && t >= c->pending_tick)
        return (PitSchedule){c->pending_tick, ch_clamp_n(c, c->pending_n), c->pending_low};
    return (PitSchedule){c->load_tick, ch_clamp_n(c, c->n), c->start_low};
}

/* Mode 3: OUT is high for (n + 1) / 2 edges, then low for n / 2. */
static uint32_t mode3_high_len(uint32_t n)
{
    return (n + 1) / 2;
}

static uint32_t ch_phase(PitSchedule s, unsigned mode)
{
    return mode == 3 && s.low ? mode3_high_len(s.n) : 0;
}

/* CE and OUT at CLK edge `t` (t at or after the last state change). CE is
 * in 0..65536 (binary) or 0..10000 (BCD); reads take it modulo that. */
static void ch_eval(const PitChannel *c, int64_t t, uint32_t *ce, bool *out)
{
    if (!c->active) {
        *ce = c->frozen_ce;
        *out = c->frozen_out;
        return;
    }
    PitSchedule s = ch_schedule(c, t);
    if (t < s.load) {
        *ce = c->pre_ce;
        *out = c->pre_out;
        return;
    }
    uint64_t e = (uint64_t)(t - s.load);
    uint32_t m = ch_modulus(c), n = s.n;
    unsigned mode = ch_mode(c);
    switch (mode) {
    case 0:
    case 4: {
        /* CE wraps after terminal count and keeps counting; OUT does not
         * repeat (mode 0 stays high, mode 4 strobes once). */
        uint64_t d = c->dec_base + (c->gate ? e : 0);
        *ce = (uint32_t)((n + m - d % m) % m);
        *out = mode == 0 ? d >= n : d != n;
        return;
    }
    case 1:
    case 5:
        *ce = (uint32_t)((n + m - e % m) % m);
        *out = mode == 1 ? e >= n : e != n;
        return;
    case 2: {
        /* n, n-1, ..., 1 with OUT low while CE is 1, then reload. */
        uint32_t pos = (uint32_t)(e % n);
        *ce = n - pos;
        *out = pos != n - 1;
        return;
    }
    default: {
        /* Even n: CE goes n, n-2, ..., 2 in each half. Odd n: high half
         * n, n-1, n-3, ..., 2; low half n, n-3, ..., 2 (datasheet: "decremented
         * by one ... by three ... then by two"). */
        uint32_t h = mode3_high_len(n);
        uint32_t pos = (uint32_t)((e + ch_phase(s, mode)) % n);
        bool odd = n & 1;
        if (pos < h) {
            uint32_t j = pos;
            *ce = odd && j > 0 ? n + 1 - 2 * j : n - 2 * j;
            *out = true;
        } else {
            uint32_t j = pos - h;
            *ce = odd && j > 0 ? n - 1 - 2 * j : n - 2 * j;
            *out = false;
        }
        return;
    }
    }
}

static bool ch_out_at(const PitChannel *c, int64_t t)
{
    uint32_t ce;
    bool out;
    ch_eval(c, t, &ce, &out);
    return out;
}

static uint32_t ch_ce_at(const PitChannel *c, int64_t t)
{
    uint32_t ce;
    bool out;
    ch_eval(c, t, &ce, &out);
    return ce;
}

static int64_t min_tick(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* The first CLK edge after `t` at which OUT may change. */
static int64_t ch_next_boundary(const PitChannel *c, int64_t t)
{
    if (!c->active)
        return PIT_TICK_NEVER;
    int64_t best = c->pending && c->pending_tick > t ? c->pending_tick : PIT_TICK_NEVER;
    PitSchedule s = ch_schedule(c, t);
    if (t < s.load)
        return min_tick(best, s.load);
    uint64_t e = (uint64_t)(t - s.load);
    uint32_t n = s.n;
    unsigned mode = ch_mode(c);
    int64_t cand = PIT_TICK_NEVER;
    switch (mode) {
    case 0:
    case 4:
        if (c->gate && c->dec_base <= n) {
            int64_t tc = s.load + (int64_t)(n - c->dec_base);   /* terminal count */
            if (tc > t)
                cand = tc;
            else if (mode == 4 && tc + 1 > t)
                cand = tc + 1;
        }
        break;
    case 1:
    case 5:
        if (s.load + n > t)
            cand = s.load + n;
        else if (mode == 5 && s.load + n + 1 > t)
            cand = s.load + n + 1;
        break;
    case 2:
        if (n >= 2) {
            uint32_t pos = (uint32_t)(e % n);
            cand = pos < n - 1 ? t + (n - 1 - pos) : t + 1;
        }
        break;
    default:
        if (n >= 2) {
            uint32_t h = mode3_high_len(n);
            uint32_t pos = (uint32_t)((e + ch_phase(s, mode)) % n);
            cand = pos < h ? t + (h - pos) : t + (n - pos);
        }
        break;
    }
    return min_tick(best, cand);
}

/* The first CLK edge after `t` at which OUT differs from OUT at `t`. */
static int64_t ch_next_change(const PitChannel *c, int64_t t)
{
    bool out = ch_out_at(c, t);
    int64_t b = t;
    /* Boundaries that do not flip OUT are few (a pending reload, a load
     * edge): a handful of steps always reaches a real change. */
    for (int i = 0; i < 8; i++) {
        b = ch_next_boundary(c, b);
        if (b == PIT_TICK_NEVER || ch_out_at(c, b) != out)
            return b;
    }
    return b;
}

/* ---- one counter: state changes at CLK edge `t` ----------------------- */

/* Make a pending reload that has happened the current schedule. */
static void ch_sync(PitChannel *c, int64_t t)
{
    if (c->pending && t >= c->pending_tick) {
        c->load_tick = c->pending_tick;
        c->n = c->pending_n;
        c->start_low = c->pending_low;
        c->pending = 0;
    }
}

static void ch_stop(PitChannel *c, int64_t t, bool out)
{
    c->frozen_ce = ch_ce_at(c, t);
    c->frozen_out = out;
    c->active = 0;
    c->pending = 0;
}

/* Load `n` into CE on the next CLK edge; OUT is `pre_out` until then. */
static void ch_start(PitChannel *c, int64_t t, uint32_t n, bool pre_out)
{
    c->pre_ce = ch_ce_at(c, t);
    c->pre_out = pre_out;
    c->load_tick = t + 1;
    c->n = n;
    c->start_low = 0;
    c->dec_base = 0;
    c->pending = 0;
    c->active = 1;
}

/* Modes 0 and 4: fold the decrements so far before GATE changes. */
static void ch_fold(PitChannel *c, int64_t t)
{
    if (!c->active || t < c->load_tick)
        return;
    c->dec_base += c->gate ? (uint64_t)(t - c->load_tick) : 0;
    c->load_tick = t;
}

static uint32_t pit_decode_count(I8254Pit *p, PitChannel *c, uint16_t cr)
{
    if (!c->bcd)
        return cr ? cr : 65536;
    uint32_t v = 0;
    for (int shift = 12; shift >= 0; shift -= 4) {
        uint32_t digit = (cr >> shift) & 0xF;
        if (digit > 9)
            LOG(p->log, LOG_GUEST_ERRORS, "pit: BCD count 0x%04x has a digit above 9\n", cr);
        v = v * 10 + digit;
    }
    v %= 10000;
    return v ? v : 10000;
}

static uint16_t pit_encode_ce(const PitChannel *c, uint32_t ce)
{
    if (!c->bcd)
        return (uint16_t)ce;
    ce %= 10000;
    return (uint16_t)((ce / 1000) << 12 | (ce / 100 % 10) << 8 | (ce / 10 % 10) << 4 | ce % 10);
}

static void ch_control(PitChannel *c, int64_t t, uint8_t val)
{
    ch_sync(c, t);
    unsigned mode = PIT_CW_MODE(val);
    /* "All control logic is immediately reset and OUT goes to a known
     * initial state": low in mode 0, high otherwise. Counting stops until
     * a count is written (and, in modes 1 and 5, triggered). */
    ch_stop(c, t, mode != 0);
    c->access = PIT_CW_RW(val);
    c->mode = (uint8_t)mode;
    c->bcd = val & PIT_CW_BCD;
    c->write_msb = 0;
    c->read_msb = 0;
    c->latch_state = PIT_LATCH_NONE;
    c->status_latched = 0;
    c->cr_valid = 0;
    c->null_clear_tick = PIT_TICK_NEVER;
}

/* A complete count was written to CR at edge `t`. */
static void ch_count_written(I8254Pit *p, PitChannel *c, int64_t t)
{
    uint32_t n = pit_decode_count(p, c, c->cr);
    c->cr_n = n;
    c->cr_valid = 1;
    switch (ch_mode(c)) {
    case 0:
        ch_start(c, t, n, false);   /* OUT goes low at once */
        c->null_clear_tick = t + 1;
        break;
    case 4:
        ch_start(c, t, n, ch_out_at(c, t));
        c->null_clear_tick = t + 1;
        break;
    case 1:
    case 5:
        /* Waits in CR for the next GATE trigger. */
        c->null_clear_tick = PIT_TICK_NEVER;
        break;
    default: {
        if (!c->active) {
            if (c->gate) {
                ch_start(c, t, n, true);
                c->null_clear_tick = t + 1;
            } else {
                c->null_clear_tick = PIT_TICK_NEVER;    /* loaded on GATE's rise */
            }
            break;
        }
        if (t < c->load_tick) {     /* not yet loaded: the new count wins */
            c->n = n;
            break;
        }
        if (c->pending) {           /* a second write in the same period */
            c->pending_n = n;
            break;
        }
        /* "Does not affect the current counting sequence": the new count
         * is loaded at the end of the period (mode 2) or half-cycle (mode 3). */
        PitSchedule s = ch_schedule(c, t);
        unsigned mode = ch_mode(c);
        uint32_t pos = (uint32_t)(((uint64_t)(t - s.load) + ch_phase(s, mode)) % s.n);
        uint32_t h = mode3_high_len(s.n);
        c->pending = 1;
        c->pending_n = n;
        if (mode == 3 && pos < h) {
            c->pending_tick = t + (h - pos);
            c->pending_low = 1;
        } else {
            c->pending_tick = t + (s.n - pos);
            c->pending_low = 0;
        }
        c->null_clear_tick = c->pending_tick;
        break;
    }
    }
}

static void ch_write_count(I8254Pit *p, PitChannel *c, int64_t t, uint8_t val)
{
    ch_sync(c, t);
    switch (c->access) {
    case PIT_RW_LSB:
        c->cr = val;
        break;
    case PIT_RW_MSB:
        c->cr = (uint16_t)(val << 8);
        break;
    default:
        if (!c->write_msb) {
            c->write_lsb = val;
            c->write_msb = 1;
            /* Mode 0: "writing the first byte disables counting; OUT is
             * set low immediately". */
            if (ch_mode(c) == 0)
                ch_stop(c, t, false);
            return;
        }
        c->cr = (uint16_t)(c->write_lsb | val << 8);
        c->write_msb = 0;
        break;
    }
    ch_count_written(p, c, t);
}

static void ch_set_gate(PitChannel *c, int64_t t, bool level)
{
    ch_sync(c, t);
    if (level == (bool)c->gate)
        return;
    unsigned mode = ch_mode(c);
    if (mode == 0 || mode == 4) {
        ch_fold(c, t);      /* GATE low only pauses counting */
        c->gate = level;
        return;
    }
    c->gate = level;
    if (mode == 1 || mode == 5) {
        /* A rising edge (re)triggers: CR goes to CE on the next edge. */
        if (level && c->cr_valid) {
            ch_start(c, t, c->cr_n, ch_out_at(c, t));
            c->null_clear_tick = min_tick(c->null_clear_tick, t + 1);
        }
        return;
    }
    /* Modes 2 and 3: low forces OUT high and stops counting; the rising
     * edge reloads CR on the next CLK edge. */
    if (!level) {
        if (c->active)
            ch_stop(c, t, true);
        c->frozen_out = 1;
    } else if (c->cr_valid) {
        ch_start(c, t, c->cr_n, true);
        c->null_clear_tick = min_tick(c->null_clear_tick, t + 1);
    }
}

/* CE as a read or latch sees it at edge `t`. A count just written is
 * loaded on the next CLK edge; an ISA bus read of the PIT takes about a
 * microsecond (more than one 838 ns CLK period), so by the time the read
 * completes that edge has passed. Software relies on it: Linux reads the
 * counter once after writing it as its "delay until the PIT starts"
 * before its fast TSC calibration. */
static uint32_t ch_ce_read(const PitChannel *c, int64_t t)
{
    if (c->active && t < c->load_tick)
        t = c->load_tick;
    return ch_ce_at(c, t);
}

static void ch_latch_count(PitChannel *c, int64_t t)
{
    if (c->latch_state != PIT_LATCH_NONE)
        return;     /* a second latch before the read is ignored */
    c->latch = pit_encode_ce(c, ch_ce_read(c, t));
    c->latch_state = c->access == PIT_RW_LSB   ? PIT_LATCH_LSB
                     : c->access == PIT_RW_MSB ? PIT_LATCH_MSB
                                               : PIT_LATCH_WORD_LSB;
}

static void ch_latch_status(PitChannel *c, int64_t t)
{
    if (c->status_latched)
        return;
    c->status = (uint8_t)((ch_out_at(c, t) ? PIT_ST_OUT : 0) |
                          (t < c->null_clear_tick ? PIT_ST_NULL : 0) |
                          (c->access & 3) << 4 | (c->mode & 7) << 1 | (c->bcd & 1));
    c->status_latched = 1;
}

static uint8_t ch_read(PitChannel *c, int64_t t)
{
    if (c->status_latched) {
        c->status_latched = 0;
        return c->status;
    }
    switch (c->latch_state) {
    case PIT_LATCH_LSB:
        c->latch_state = PIT_LATCH_NONE;
        return (uint8_t)c->latch;
    case PIT_LATCH_MSB:
        c->latch_state = PIT_LATCH_NONE;
        return (uint8_t)(c->latch >> 8);
    case PIT_LATCH_WORD_LSB:
        c->latch_state = PIT_LATCH_WORD_MSB;
        return (uint8_t)c->latch;
    case PIT_LATCH_WORD_MSB:
        c->latch_state = PIT_LATCH_NONE;
        return (uint8_t)(c->latch >> 8);
    default:
        break;
    }
    uint16_t v = pit_encode_ce(c, ch_ce_read(c, t));
    switch (c->access) {
    case PIT_RW_LSB:
        return (uint8_t)v;
    case PIT_RW_MSB:
        return (uint8_t)(v >> 8);
    default:
        /* Unlatched two-byte reads see CE move between the bytes, as on
         * the chip; that is why software latches first. */
        c->read_msb ^= 1;
        return (uint8_t)(c->read_msb ? v : v >> 8);
    }
}

/* ---- IRQ0: channel 0's OUT on the machine clock ----------------------- */

static void pit_drive_irq(I8254Pit *p, bool level)
{
    if (level != (bool)p->irq_level) {
        p->irq_level = level;
        irq_set(p->irq0, level);
    }
}

static void pit_arm_irq(I8254Pit *p, int64_t tick)
{
    p->irq_tick = tick;
    int64_t when = tick == PIT_TICK_NEVER ? CLOCK_NEVER : pit_tick_time(tick);
    if (when == CLOCK_NEVER)
        timer_del(p->irq_timer);
    else
        timer_mod(p->irq_timer, when);
}

/* Follow channel 0 after a state change. */
static void pit_update_irq(I8254Pit *p)
{
    int64_t t = pit_now_tick(p);
    pit_drive_irq(p, ch_out_at(&p->ch[0], t));
    pit_arm_irq(p, ch_next_change(&p->ch[0], t));
}

/* The transition the timer was armed for. A late timer still produces
 * that transition (so a mode 2 pulse is not lost), then catches up with
 * the present in at most one more step instead of replaying every
 * period it slept through. */
static void pit_irq_fire(void *opaque)
{
    I8254Pit *p = opaque;
    PitChannel *c = &p->ch[0];
    int64_t now = pit_now_tick(p), t = p->irq_tick;
    if (t == PIT_TICK_NEVER)
        return;
    if (t > now) {
        pit_arm_irq(p, t);
        return;
    }
    pit_drive_irq(p, ch_out_at(c, t));
    int64_t next = ch_next_change(c, t);
    if (next <= now)
        next = (bool)p->irq_level != ch_out_at(c, now) ? now : ch_next_change(c, now);
    pit_arm_irq(p, next);
}

/* Run a transition that is due but whose timer has not fired yet, before
 * a guest access changes channel 0 under it. */
static void pit_irq_catch_up(I8254Pit *p)
{
    for (int i = 0; i < 4 && timer_pending(p->irq_timer) &&
                    timer_deadline(p->irq_timer) <= clock_now(p->clock);
         i++)
        pit_irq_fire(p);
}

/* ---- bus interface ---------------------------------------------------- */

static uint64_t pit_io_read(void *opaque, uint64_t off, unsigned size)
{
    I8254Pit *p = opaque;
    (void)size;
    if (off >= PIT_CHANNELS) {
        LOG(p->log, LOG_GUEST_ERRORS, "pit: read of write-only control port ignored\n");
        return 0;   /* as QEMU */
    }
    return ch_read(&p->ch[off], pit_now_tick(p));
}

static void pit_write_control(I8254Pit *p, int64_t t, uint8_t val)
{
    unsigned sc = PIT_CW_SC(val);
    if (sc == PIT_SC_READBACK) {
        /* Read-back: bits 3..1 select counters 2..0. Status is latched
         * before the count so that a read returns status first. */
        for (int i = 0; i < PIT_CHANNELS; i++) {
            if (!(val & (2 << i)))
                continue;
            if (!(val & PIT_RB_NO_STATUS))
                ch_latch_status(&p->ch[i], t);
            if (!(val & PIT_RB_NO_COUNT))
                ch_latch_count(&p->ch[i], t);
        }
        return;
    }
    PitChannel *c = &p->ch[sc];
    ch_sync(c, t);
    if (PIT_CW_RW(val) == 0)
        ch_latch_count(c, t);
    else
        ch_control(c, t, val);
}

static void pit_io_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    I8254Pit *p = opaque;
    (void)size;
    if (off > PIT_CHANNELS)
        return;
    pit_irq_catch_up(p);
    int64_t t = pit_now_tick(p);
    if (off == PIT_CHANNELS)
        pit_write_control(p, t, (uint8_t)val);
    else
        ch_write_count(p, &p->ch[off], t, (uint8_t)val);
    pit_update_irq(p);
}

const IoOps pit_io_ops = {
    .read = pit_io_read,
    .write = pit_io_write,
    .min_access = 1,
    .max_access = 1,
};

void pit_set_gate(I8254Pit *p, int channel, bool level)
{
    if (channel < 0 || channel >= PIT_CHANNELS)
        return;
    pit_irq_catch_up(p);
    ch_set_gate(&p->ch[channel], pit_now_tick(p), level);
    pit_update_irq(p);
}

bool pit_get_out(I8254Pit *p, int channel)
{
    if (channel < 0 || channel >= PIT_CHANNELS)
        return false;
    return ch_out_at(&p->ch[channel], pit_now_tick(p));
}

/* ---- life cycle ------------------------------------------------------- */

void pit_reset(I8254Pit *p)
{
    int64_t t = pit_now_tick(p);
    for (int i = 0; i < PIT_CHANNELS; i++) {
        PitChannel *c = &p->ch[i];
        *c = (PitChannel){0};
        c->gate = i != 2;
        ch_control(c, t, (uint8_t)(i << 6 | PIT_RW_WORD << 4 | 3 << 1));
        c->cr = 0;
        ch_count_written(p, c, t);
    }
    pit_update_irq(p);
}

static void pit_device_reset(void *opaque)
{
    pit_reset(opaque);
}

static void pit_device_free(void *opaque)
{
    pit_free(opaque);
}

I8254Pit *pit_new(Clock *clock, IrqLine irq0, Log *log)
{
    I8254Pit *p = calloc(1, sizeof(*p));
    if (!p)
        abort();
    p->clock = clock;
    p->irq0 = irq0;
    p->log = log;
    p->irq_timer = timer_new(clock, pit_irq_fire, p);
    p->irq_tick = PIT_TICK_NEVER;
    pit_reset(p);
    p->dev = (Device){
        .name = "pit",
        .reset = pit_device_reset,
        .fields = pit_fields,
        .state = p,
        .opaque = p,
        .free = pit_device_free,
    };
    return p;
}

void pit_free(I8254Pit *p)
{
    if (!p)
        return;
    timer_free(p->irq_timer);
    free(p);
}

Device *pit_device(I8254Pit *p)
{
    return &p->dev;
}
