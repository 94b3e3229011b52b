/* Motorola MC146818A real-time clock plus RAM, after the MC146818A data
 * sheet (Motorola, "MC146818A Real-Time Clock Plus RAM (RTC)"). Not here:
 * what the CMOS bytes mean to a BIOS beyond rtc_cmos_fill_pc, and who
 * receives NMI (the board reads rtc_nmi_masked).
 *
 * Nothing ticks. With the divider running (register A DV = 010) the clock
 * is a schedule on the machine clock: the divider chain left reset at
 * `div_ns`, the first update came 500 ms later ("the first update cycle
 * begins one-half second later") and one follows every second, so the time
 * registers show sec_epoch + (updates so far) and periodic-interrupt edges
 * fall at div_ns + k / f. The flags in register C are brought up to date
 * lazily (rtc_sync) before any access that can see or change them; a timer
 * is armed only for the next event whose flag is enabled in register B and
 * would set IRQF, so the IRQ8 line is driven on time.
 *
 * Simplifications, all invisible to software that follows the data sheet:
 * an update cycle is instantaneous at its end (the data sheet's 1984 us
 * cycle at 32.768 kHz is folded into the 244 us UIP warning before it, so
 * the time registers are never "undefined"); any divider setting other
 * than the two reset codes runs at the PC's 32.768 kHz rate; DSE (daylight
 * saving) is stored but ignored, as the chip's 1980s US rule is wrong for
 * today and the board's base time already includes any local offset; the
 * SQW pin is not connected on a PC, so SQWE is only stored. */
#include "devices/mc146818_rtc.h"

#include <stdlib.h>

#define NS_PER_SEC 1000000000LL
#define SECS_PER_DAY 86400
#define RTC_UIP_NS 244000           /* tBUC: UIP rises 244 us before an update */
#define RTC_FIRST_UPDATE_NS 500000000LL     /* after the divider leaves reset */

/* Register A. */
#define RTC_A_UIP 0x80
#define RTC_A_DV(a) (((a) >> 4) & 7)
#define RTC_A_RS(a) ((a) & 0x0F)
#define RTC_DV_32K 2                /* 010: 32.768 kHz time base */
#define RTC_DV_RESET 6              /* 11x: divider chain held in reset */

/* Register B. */
#define RTC_B_SET 0x80
#define RTC_B_PIE 0x40
#define RTC_B_AIE 0x20
#define RTC_B_UIE 0x10
#define RTC_B_SQWE 0x08
#define RTC_B_DM 0x04               /* 1: binary, 0: BCD */
#define RTC_B_24H 0x02
#define RTC_B_DSE 0x01

/* Register C. */
#define RTC_C_IRQF 0x80
#define RTC_C_PF 0x40
#define RTC_C_AF 0x20
#define RTC_C_UF 0x10

#define RTC_D_VRT 0x80

/* Time and alarm registers. */
enum {
    RTC_SEC = 0x00, RTC_SEC_ALARM = 0x01, RTC_MIN = 0x02, RTC_MIN_ALARM = 0x03,
    RTC_HOUR = 0x04, RTC_HOUR_ALARM = 0x05, RTC_DOW = 0x06, RTC_DOM = 0x07,
    RTC_MONTH = 0x08, RTC_YEAR = 0x09,
};

#define RTC_ALARM_DONT_CARE(b) (((b) & 0xC0) == 0xC0)   /* codes 0xC0-0xFF */
#define RTC_HOUR_PM 0x80            /* 12-hour mode */

struct Mc146818Rtc {
    Device dev;
    Clock *clock;
    IrqLine irq;
    Log *log;
    Timer *timer;               /* next enabled event while IRQF is clear */
    /* 0x00-0x09 and the century bytes hold the time only while updates are
     * halted (SET or divider reset); 0x0A, 0x0B and 0x0D are registers
     * A, B, D; 0x0C holds PF/AF/UF (IRQF is computed). */
    uint8_t cmos[RTC_CMOS_SIZE];
    uint8_t index;              /* port 0x70 bits 0-6 */
    uint8_t nmi_masked;         /* port 0x70 bit 7 */
    uint8_t irq_level;          /* IRQF as last driven on the line */
    uint8_t dow_adjust;         /* day-of-week register minus the calendar's, mod 7 */
    uint8_t dv_logged;          /* host-side: the odd divider was reported */
    int64_t div_ns;             /* machine time the divider chain left reset */
    int64_t sec_epoch;          /* clock time (s) before the first update */
    int64_t sync_ns;            /* register C flags are current up to here */
};

static const StateField rtc_fields[] = {
    STATE_BYTES(Mc146818Rtc, cmos),
    STATE_UINT(Mc146818Rtc, index),
    STATE_UINT(Mc146818Rtc, nmi_masked),
    STATE_UINT(Mc146818Rtc, irq_level),
    STATE_UINT(Mc146818Rtc, dow_adjust),
    STATE_INT(Mc146818Rtc, div_ns),
    STATE_INT(Mc146818Rtc, sec_epoch),
    STATE_INT(Mc146818Rtc, sync_ns),
    STATE_TIMER(Mc146818Rtc, timer),
    STATE_END,
};

/* ---- calendar ------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    return a - floor_div(a, b) * b;
}

/* Days since 1970-01-01. The proleptic Gregorian calendar repeats every
 * 400 years (146097 days); counting years from March puts the leap day
 * last, so a month's first day is a linear function of its number. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    if (m <= 2)
        y--;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;                            /* 0..399 */
    unsigned mp = m > 2 ? m - 3 : m + 9;                    /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + d - 1;               /* 0..365 */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;    /* 0..146096 */
    return era * 146097 + doe - 719468;                     /* 719468: 0000-03-01 to 1970-01-01 */
}

/* The inverse of days_from_civil. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

int64_t rtc_civil_to_seconds(int64_t year, unsigned month, unsigned day, unsigned hour, unsigned min,
                             unsigned sec)
{
    return days_from_civil(year, month, day) * SECS_PER_DAY + (int64_t)hour * 3600 + min * 60 + sec;
}

/* ---- register formats (B: DM and 24/12) ------------------------------- */

static uint8_t rtc_to_reg(const Mc146818Rtc *rtc, unsigned v)
{
    v %= 100;
    return (uint8_t)(rtc->cmos[RTC_REG_B] & RTC_B_DM ? v : (v / 10) << 4 | v % 10);
}

/* BCD digits above 9 are not valid; they decode arithmetically. */
static unsigned rtc_from_reg(const Mc146818Rtc *rtc, uint8_t b)
{
    return rtc->cmos[RTC_REG_B] & RTC_B_DM ? b : (b >> 4) * 10u + (b & 15);
}

static uint8_t rtc_hour_to_reg(const Mc146818Rtc *rtc, unsigned h)
{
    if (rtc->cmos[RTC_REG_B] & RTC_B_24H)
        return rtc_to_reg(rtc, h);
    /* 12-hour mode: 12, 1 .. 11 with bit 7 for PM (00:xx is 12 AM). */
    unsigned h12 = h % 12 ? h % 12 : 12;
    return (uint8_t)(rtc_to_reg(rtc, h12) | (h >= 12 ? RTC_HOUR_PM : 0));
}

static unsigned rtc_hour_from_reg(const Mc146818Rtc *rtc, uint8_t b)
{
    if (rtc->cmos[RTC_REG_B] & RTC_B_24H)
        return rtc_from_reg(rtc, b);
    return rtc_from_reg(rtc, b & 0x7F) % 12 + (b & RTC_HOUR_PM ? 12 : 0);
}

static bool rtc_is_time_reg(unsigned i)
{
    return i == RTC_SEC || i == RTC_MIN || i == RTC_HOUR || (i >= RTC_DOW && i <= RTC_YEAR) ||
           i == CMOS_CENTURY || i == CMOS_CENTURY_PS2;
}

/* The byte time register `i` shows for clock time `secs`. */
static uint8_t rtc_time_field(const Mc146818Rtc *rtc, int64_t secs, unsigned i)
{
    int64_t days = floor_div(secs, SECS_PER_DAY);
    unsigned tod = (unsigned)(secs - days * SECS_PER_DAY);
    int64_t y;
    unsigned m, d;
    switch (i) {
    case RTC_SEC:
        return rtc_to_reg(rtc, tod % 60);
    case RTC_MIN:
        return rtc_to_reg(rtc, tod / 60 % 60);
    case RTC_HOUR:
        return rtc_hour_to_reg(rtc, tod / 3600);
    case RTC_DOW:   /* 1 = Sunday; 1970-01-01 was a Thursday */
        return rtc_to_reg(rtc, (unsigned)floor_mod(days + 4 + rtc->dow_adjust, 7) + 1);
    default:
        break;
    }
    civil_from_days(days, &y, &m, &d);
    switch (i) {
    case RTC_DOM:
        return rtc_to_reg(rtc, d);
    case RTC_MONTH:
        return rtc_to_reg(rtc, m);
    case RTC_YEAR:
        return rtc_to_reg(rtc, (unsigned)floor_mod(y, 100));
    default:        /* century */
        return rtc_to_reg(rtc, (unsigned)floor_mod(floor_div(y, 100), 100));
    }
}

/* Copy clock time `secs` into the time registers (updates stop). */
static void rtc_latch(Mc146818Rtc *rtc, int64_t secs)
{
    static const uint8_t regs[] = {RTC_SEC, RTC_MIN, RTC_HOUR, RTC_DOW, RTC_DOM, RTC_MONTH, RTC_YEAR,
                                   CMOS_CENTURY, CMOS_CENTURY_PS2};
    for (size_t k = 0; k < sizeof(regs); k++)
        rtc->cmos[regs[k]] = rtc_time_field(rtc, secs, regs[k]);
}

/* The clock time the halted time registers hold. Out-of-range months and
 * days are clamped so the arithmetic stays defined; the chip's behaviour
 * with them is undefined. */
static int64_t rtc_regs_to_secs(const Mc146818Rtc *rtc)
{
    const uint8_t *c = rtc->cmos;
    unsigned month = rtc_from_reg(rtc, c[RTC_MONTH]);
    unsigned day = rtc_from_reg(rtc, c[RTC_DOM]);
    month = month < 1 ? 1 : month > 12 ? 12 : month;
    day = day < 1 ? 1 : day > 31 ? 31 : day;
    int64_t year = rtc_from_reg(rtc, c[CMOS_CENTURY]) * 100 + rtc_from_reg(rtc, c[RTC_YEAR]);
    return rtc_civil_to_seconds(year, month, day, rtc_hour_from_reg(rtc, c[RTC_HOUR]),
                                rtc_from_reg(rtc, c[RTC_MIN]), rtc_from_reg(rtc, c[RTC_SEC]));
}

/* The day-of-week register counts on its own (data sheet: software keeps
 * it consistent); remember how far the written value is from the date's. */
static void rtc_take_dow(Mc146818Rtc *rtc, int64_t secs)
{
    int64_t cal = floor_mod(floor_div(secs, SECS_PER_DAY) + 4, 7);
    int64_t wr = (int64_t)rtc_from_reg(rtc, rtc->cmos[RTC_DOW]) - 1;
    rtc->dow_adjust = (uint8_t)floor_mod(wr - cal, 7);
}

/* ---- the divider schedule --------------------------------------------- */

static bool rtc_div_running(const Mc146818Rtc *rtc)
{
    return RTC_A_DV(rtc->cmos[RTC_REG_A]) < RTC_DV_RESET;
}

static bool rtc_updating(const Mc146818Rtc *rtc)
{
    return rtc_div_running(rtc) && !(rtc->cmos[RTC_REG_B] & RTC_B_SET);
}

/* Updates that have happened from div_ns through `now`. */
static int64_t rtc_updates_at(const Mc146818Rtc *rtc, int64_t now)
{
    return floor_div(now - rtc->div_ns + (NS_PER_SEC - RTC_FIRST_UPDATE_NS), NS_PER_SEC);
}

static int64_t rtc_update_time(const Mc146818Rtc *rtc, int64_t n)
{
    return rtc->div_ns + RTC_FIRST_UPDATE_NS + (n - 1) * NS_PER_SEC;
}

/* Periodic interrupt rate for RS3..RS0 with the 32.768 kHz time base (data
 * sheet Table "Periodic Interrupt Rate"): 0 none, 1 and 2 are 256 and
 * 128 Hz, 3..15 are 8192 Hz down to 2 Hz. */
static int64_t rtc_periodic_hz(const Mc146818Rtc *rtc)
{
    unsigned rs = RTC_A_RS(rtc->cmos[RTC_REG_A]);
    if (rs == 0)
        return 0;
    if (rs <= 2)
        return 512 >> rs;
    return 32768 >> (rs - 1);
}

/* Periodic edges from div_ns through `now` at `hz`, split so no product
 * overflows. */
static int64_t rtc_periods_at(const Mc146818Rtc *rtc, int64_t now, int64_t hz)
{
    int64_t el = now - rtc->div_ns;
    int64_t q = floor_div(el, NS_PER_SEC), r = el - q * NS_PER_SEC;
    return q * hz + r * hz / NS_PER_SEC;
}

/* Time of periodic edge k: the first nanosecond at or after k / hz. */
static int64_t rtc_period_time(const Mc146818Rtc *rtc, int64_t k, int64_t hz)
{
    int64_t a = floor_div(k, hz), b = k - a * hz;
    return rtc->div_ns + a * NS_PER_SEC + (b * NS_PER_SEC + hz - 1) / hz;
}

/* The clock time now (the halted registers when updates are stopped). */
static int64_t rtc_secs_now(const Mc146818Rtc *rtc, int64_t now)
{
    if (!rtc_updating(rtc))
        return rtc_regs_to_secs(rtc);
    return rtc->sec_epoch + rtc_updates_at(rtc, now);
}

/* Restart updates from the halted registers, keeping the divider phase. */
static void rtc_commit(Mc146818Rtc *rtc, int64_t now)
{
    int64_t secs = rtc_regs_to_secs(rtc);
    rtc_take_dow(rtc, secs);
    rtc->sec_epoch = secs - rtc_updates_at(rtc, now);
}

static bool rtc_alarm_matches(const Mc146818Rtc *rtc, int64_t secs)
{
    const uint8_t *c = rtc->cmos;
    static const uint8_t pairs[][2] = {{RTC_SEC_ALARM, RTC_SEC}, {RTC_MIN_ALARM, RTC_MIN},
                                       {RTC_HOUR_ALARM, RTC_HOUR}};
    for (size_t k = 0; k < 3; k++) {
        uint8_t a = c[pairs[k][0]];
        if (!RTC_ALARM_DONT_CARE(a) && a != rtc_time_field(rtc, secs, pairs[k][1]))
            return false;
    }
    return true;
}

/* Bring PF, UF and AF up to `now`. Flags set whether or not their
 * interrupt is enabled (data sheet, Register C). */
static void rtc_sync(Mc146818Rtc *rtc, int64_t now)
{
    int64_t from = rtc->sync_ns;
    if (now <= from)
        return;
    rtc->sync_ns = now;
    if (!rtc_div_running(rtc))
        return;
    uint8_t *c = &rtc->cmos[RTC_REG_C];
    int64_t hz = rtc_periodic_hz(rtc);
    if (hz && rtc_periods_at(rtc, now, hz) > rtc_periods_at(rtc, from, hz))
        *c |= RTC_C_PF;
    if (!rtc_updating(rtc))
        return;     /* SET inhibits update cycles, hence UF and AF */
    int64_t u0 = rtc_updates_at(rtc, from), u1 = rtc_updates_at(rtc, now);
    if (u1 <= u0)
        return;
    *c |= RTC_C_UF;
    /* The time of day repeats daily: the last day's updates are enough. */
    if (u1 - u0 > SECS_PER_DAY)
        u0 = u1 - SECS_PER_DAY;
    for (int64_t k = u0 + 1; k <= u1 && !(*c & RTC_C_AF); k++)
        if (rtc_alarm_matches(rtc, rtc->sec_epoch + k))
            *c |= RTC_C_AF;
}

/* IRQF = PF.PIE + AF.AIE + UF.UIE; the IRQ pin follows it. */
static bool rtc_irqf(const Mc146818Rtc *rtc)
{
    return rtc->cmos[RTC_REG_C] & rtc->cmos[RTC_REG_B] & (RTC_C_PF | RTC_C_AF | RTC_C_UF);
}

static void rtc_update_irq(Mc146818Rtc *rtc)
{
    bool level = rtc_irqf(rtc);
    if (level != (bool)rtc->irq_level) {
        rtc->irq_level = level;
        irq_set(rtc->irq, level);
    }
}

/* Arm the timer for the next event that would set IRQF. While IRQF is set
 * nothing new reaches the pin until register C is read. */
static void rtc_arm(Mc146818Rtc *rtc, int64_t now)
{
    int64_t next = CLOCK_NEVER;
    uint8_t b = rtc->cmos[RTC_REG_B];
    if (!rtc->irq_level && rtc_div_running(rtc)) {
        int64_t hz = rtc_periodic_hz(rtc);
        if ((b & RTC_B_PIE) && hz)
            next = rtc_period_time(rtc, rtc_periods_at(rtc, now, hz) + 1, hz);
        if (rtc_updating(rtc) && (b & (RTC_B_UIE | RTC_B_AIE))) {
            int64_t u = rtc_update_time(rtc, rtc_updates_at(rtc, now) + 1);
            next = u < next ? u : next;
        }
    }
    if (next == CLOCK_NEVER)
        timer_del(rtc->timer);
    else
        timer_mod(rtc->timer, next);
}

/* After any change: flags current, pin driven, timer armed. */
static void rtc_settle(Mc146818Rtc *rtc, int64_t now)
{
    rtc_sync(rtc, now);
    rtc_update_irq(rtc);
    rtc_arm(rtc, now);
}

static void rtc_timer_fire(void *opaque)
{
    Mc146818Rtc *rtc = opaque;
    rtc_settle(rtc, clock_now(rtc->clock));
}

/* ---- registers -------------------------------------------------------- */

static bool rtc_uip(const Mc146818Rtc *rtc, int64_t now)
{
    if (!rtc_updating(rtc))
        return false;   /* "writing SET to 1 ... clears the UIP status bit" */
    int64_t next = rtc_update_time(rtc, rtc_updates_at(rtc, now) + 1);
    return next - now <= RTC_UIP_NS;
}

static uint8_t rtc_read_reg(Mc146818Rtc *rtc, unsigned i, int64_t now, bool side_effects)
{
    if (rtc_is_time_reg(i)) {
        if (!rtc_updating(rtc))
            return rtc->cmos[i];
        return rtc_time_field(rtc, rtc_secs_now(rtc, now), i);
    }
    switch (i) {
    case RTC_REG_A:
        return (uint8_t)((rtc->cmos[RTC_REG_A] & 0x7F) | (rtc_uip(rtc, now) ? RTC_A_UIP : 0));
    case RTC_REG_C: {
        rtc_sync(rtc, now);
        uint8_t v = (uint8_t)(rtc->cmos[RTC_REG_C] | (rtc_irqf(rtc) ? RTC_C_IRQF : 0));
        if (side_effects) {
            /* Reading C clears every flag and releases the IRQ pin. */
            rtc->cmos[RTC_REG_C] = 0;
            rtc_settle(rtc, now);
        }
        return v;
    }
    case RTC_REG_D:
        return RTC_D_VRT;   /* the battery is always good */
    default:
        return rtc->cmos[i];
    }
}

static void rtc_write_a(Mc146818Rtc *rtc, uint8_t val, int64_t now)
{
    bool was = rtc_div_running(rtc);
    bool set = rtc->cmos[RTC_REG_B] & RTC_B_SET;
    unsigned dv = RTC_A_DV(val);
    if (dv != RTC_DV_32K && dv < RTC_DV_RESET && !rtc->dv_logged) {
        rtc->dv_logged = 1;
        LOG(rtc->log, LOG_UNIMP, "rtc: divider select %u%u%u: only the PC's 32.768 kHz time base is emulated\n",
            dv >> 2, dv >> 1 & 1, dv & 1);
    }
    if (was && !set && dv >= RTC_DV_RESET)
        rtc_latch(rtc, rtc_secs_now(rtc, now));
    rtc->cmos[RTC_REG_A] = val & 0x7F;     /* UIP is read-only */
    if (!was && dv < RTC_DV_RESET) {
        /* Leaving reset restarts the chain: first update in 500 ms. */
        rtc->div_ns = now;
        if (!set)
            rtc_commit(rtc, now);
    }
}

static void rtc_write_b(Mc146818Rtc *rtc, uint8_t val, int64_t now)
{
    uint8_t old = rtc->cmos[RTC_REG_B];
    if ((val & RTC_B_SET) && !(old & RTC_B_SET)) {
        val &= (uint8_t)~RTC_B_UIE;     /* "the SET bit going high clears UIE" */
        if (rtc_div_running(rtc))
            rtc_latch(rtc, rtc_secs_now(rtc, now));    /* bytes keep the old format */
    }
    rtc->cmos[RTC_REG_B] = val;
    if (!(val & RTC_B_SET) && (old & RTC_B_SET) && rtc_div_running(rtc))
        rtc_commit(rtc, now);
}

static void rtc_write_reg(Mc146818Rtc *rtc, unsigned i, uint8_t val, int64_t now)
{
    rtc_sync(rtc, now);     /* flags up to now under the old settings */
    if (rtc_is_time_reg(i)) {
        bool running = rtc_updating(rtc);
        if (running)
            rtc_latch(rtc, rtc_secs_now(rtc, now));
        rtc->cmos[i] = val;
        if (i == CMOS_CENTURY || i == CMOS_CENTURY_PS2)
            rtc->cmos[CMOS_CENTURY] = rtc->cmos[CMOS_CENTURY_PS2] = val;
        /* While running, a write changes one field of the running time
         * and the divider phase is kept. */
        if (running)
            rtc_commit(rtc, now);
    } else if (i == RTC_REG_A) {
        rtc_write_a(rtc, val, now);
    } else if (i == RTC_REG_B) {
        rtc_write_b(rtc, val, now);
    } else if (i == RTC_REG_C || i == RTC_REG_D) {
        LOG(rtc->log, LOG_GUEST_ERRORS, "rtc: write 0x%02x to read-only register %c ignored\n", val,
            i == RTC_REG_C ? 'C' : 'D');
        return;
    } else {
        rtc->cmos[i] = val;
        return;
    }
    rtc_settle(rtc, now);
}

/* ---- bus interface ---------------------------------------------------- */

static uint64_t rtc_io_read(void *opaque, uint64_t off, unsigned size)
{
    Mc146818Rtc *rtc = opaque;
    (void)size;
    if (off == 0)
        return 0xFF;    /* the AT's index latch is write-only */
    return rtc_read_reg(rtc, rtc->index, clock_now(rtc->clock), true);
}

static void rtc_io_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    Mc146818Rtc *rtc = opaque;
    (void)size;
    if (off == 0) {
        rtc->index = val & 0x7F;
        rtc->nmi_masked = (val & 0x80) != 0;
        return;
    }
    if (off == 1)
        rtc_write_reg(rtc, rtc->index, (uint8_t)val, clock_now(rtc->clock));
}

const IoOps rtc_io_ops = {
    .read = rtc_io_read,
    .write = rtc_io_write,
    .min_access = 1,
    .max_access = 1,
};

/* ---- board API -------------------------------------------------------- */

void rtc_set_cmos(Mc146818Rtc *rtc, unsigned index, uint8_t value)
{
    if (index >= RTC_CMOS_SIZE || index <= RTC_REG_D || rtc_is_time_reg(index))
        return;
    rtc->cmos[index] = value;
}

uint8_t rtc_get_cmos(Mc146818Rtc *rtc, unsigned index)
{
    if (index >= RTC_CMOS_SIZE)
        return 0xFF;
    return rtc_read_reg(rtc, index, clock_now(rtc->clock), false);
}

void rtc_set_time(Mc146818Rtc *rtc, int64_t seconds)
{
    int64_t now = clock_now(rtc->clock);
    rtc_sync(rtc, now);
    rtc->dow_adjust = 0;
    if (rtc_updating(rtc))
        rtc->sec_epoch = seconds - rtc_updates_at(rtc, now);
    else
        rtc_latch(rtc, seconds);
    rtc_settle(rtc, now);
}

int64_t rtc_get_time(Mc146818Rtc *rtc)
{
    return rtc_secs_now(rtc, clock_now(rtc->clock));
}

void rtc_cmos_update_checksum(Mc146818Rtc *rtc)
{
    unsigned sum = 0;
    for (unsigned i = CMOS_FLOPPY_TYPES; i < CMOS_CHECKSUM_HI; i++)
        sum += rtc->cmos[i];
    rtc->cmos[CMOS_CHECKSUM_HI] = (uint8_t)(sum >> 8);
    rtc->cmos[CMOS_CHECKSUM_LO] = (uint8_t)sum;
}

static void rtc_put16(Mc146818Rtc *rtc, unsigned lo, uint64_t v, uint64_t max)
{
    v = v > max ? max : v;
    rtc->cmos[lo] = (uint8_t)v;
    rtc->cmos[lo + 1] = (uint8_t)(v >> 8);
}

/* IBM AT CMOS layout (AT Technical Reference) with the bytes SeaBIOS reads
 * on emulators: 0x34/0x35, 0x5B-0x5D, 0x5F and the boot order in 0x3D and
 * 0x38 (first device = 0x3D low nibble, second = 0x3D high nibble, third =
 * 0x38 high nibble; 0x38 bit 0 set skips the floppy boot signature check). */
void rtc_cmos_fill_pc(Mc146818Rtc *rtc, const RtcPcInfo *info)
{
    uint8_t *c = rtc->cmos;
    c[CMOS_FLOPPY_TYPES] = (uint8_t)((info->floppy_type[0] & 15) << 4 | (info->floppy_type[1] & 15));
    unsigned floppies = (info->floppy_type[0] != 0) + (info->floppy_type[1] != 0);
    /* Equipment byte: bit 0 diskette drives present, bits 7-6 their count
     * minus one, bit 1 math coprocessor, bits 5-4 = 00 for a display
     * adapter with its own BIOS (EGA/VGA). */
    c[CMOS_EQUIPMENT] = (uint8_t)((floppies ? 0x01 | (floppies - 1) << 6 : 0) | (info->fpu ? 0x02 : 0));
    /* Disk type 15 in the nibble means "see 0x19/0x1A"; 47 is the
     * user-defined type (SeaBIOS probes ATA itself and ignores these). */
    c[CMOS_DISK_TYPES] = (uint8_t)((info->disk_present[0] ? 0xF0 : 0) | (info->disk_present[1] ? 0x0F : 0));
    c[CMOS_DISK0_EXT_TYPE] = info->disk_present[0] ? 47 : 0;
    c[CMOS_DISK1_EXT_TYPE] = info->disk_present[1] ? 47 : 0;

    uint64_t below = info->ram_below_4g;
    rtc_put16(rtc, CMOS_BASE_MEM_LO, below / 1024, 640);
    uint64_t ext_kib = below > (1u << 20) ? (below - (1u << 20)) / 1024 : 0;
    rtc_put16(rtc, CMOS_EXT_MEM_LO, ext_kib, 0xFFFF);
    rtc_put16(rtc, CMOS_EXT_MEM2_LO, ext_kib, 0xFFFF);
    uint64_t m16 = below > (16u << 20) ? (below - (16u << 20)) / 65536 : 0;
    rtc_put16(rtc, CMOS_MEM_16M_LO, m16, 0xFFFF);
    uint64_t hi = info->ram_above_4g / 65536;
    hi = hi > 0xFFFFFF ? 0xFFFFFF : hi;
    c[CMOS_MEM_4G_LO] = (uint8_t)hi;
    c[CMOS_MEM_4G_MID] = (uint8_t)(hi >> 8);
    c[CMOS_MEM_4G_HI] = (uint8_t)(hi >> 16);
    c[CMOS_CPU_COUNT] = (uint8_t)((info->cpus ? info->cpus : 1) - 1);

    c[CMOS_BOOT_FLAG2] = (uint8_t)((info->boot[0] & 15) | (info->boot[1] & 15) << 4);
    c[CMOS_BOOT_FLAG1] = (uint8_t)((info->boot[2] & 15) << 4 | (info->skip_floppy_sig ? 1 : 0));
    rtc_cmos_update_checksum(rtc);
}

bool rtc_nmi_masked(const Mc146818Rtc *rtc)
{
    return rtc->nmi_masked;
}

/* ---- life cycle ------------------------------------------------------- */

/* The RESET pin: clears PIE, AIE, UIE, SQWE and the flags (so IRQ is
 * released); time, A, DM, 24/12, DSE and the RAM are untouched. The NMI
 * mask is a board latch that reset clears. */
static void rtc_device_reset(void *opaque)
{
    Mc146818Rtc *rtc = opaque;
    int64_t now = clock_now(rtc->clock);
    rtc_sync(rtc, now);
    rtc->cmos[RTC_REG_B] &= (uint8_t)~(RTC_B_PIE | RTC_B_AIE | RTC_B_UIE | RTC_B_SQWE);
    rtc->cmos[RTC_REG_C] = 0;
    rtc->nmi_masked = 0;
    rtc_settle(rtc, now);
}

static void rtc_device_free(void *opaque)
{
    rtc_free(opaque);
}

Mc146818Rtc *rtc_new(Clock *clock, IrqLine irq8, Log *log, int64_t base_seconds)
{
    Mc146818Rtc *rtc = calloc(1, sizeof(*rtc));
    if (!rtc)
        abort();
    rtc->clock = clock;
    rtc->irq = irq8;
    rtc->log = log;
    rtc->timer = timer_new(clock, rtc_timer_fire, rtc);
    int64_t now = clock_now(clock);
    /* Power-on: 32.768 kHz, 1024 Hz periodic rate, BCD, 24-hour; the
     * divider phase puts an update exactly one second from now. */
    rtc->cmos[RTC_REG_A] = 0x26;
    rtc->cmos[RTC_REG_B] = RTC_B_24H;
    rtc->cmos[RTC_REG_D] = RTC_D_VRT;
    rtc->div_ns = now - RTC_FIRST_UPDATE_NS;
    rtc->sync_ns = now;
    rtc->sec_epoch = base_seconds - rtc_updates_at(rtc, now);
    rtc->dev = (Device){
        .name = "rtc",
        .reset = rtc_device_reset,
        .fields = rtc_fields,
        .state = rtc,
        .opaque = rtc,
        .free = rtc_device_free,
    };
    return rtc;
}

void rtc_free(Mc146818Rtc *rtc)
{
    if (!rtc)
        return;
    timer_free(rtc->timer);
    free(rtc);
}

Device *rtc_device(Mc146818Rtc *rtc)
{
    return &rtc->dev;
}
