/* The machine clock and its timers: the only source of time for devices.
 *
 * Two modes. Real-time: now = host monotonic time since start, read through
 * a host-time callback the machine installs (devices never read host time).
 * Deterministic (-icount): now = retired guest instructions << shift, plus
 * a bias that only moves when the machine warps an idle CPU to the next
 * deadline; so time is a pure function of the instruction stream.
 *
 * Timers fire in deadline order; equal deadlines fire in creation order.
 * Callbacks may re-arm or delete any timer, including their own. */
#ifndef JITPC_BASE_CLOCK_H
#define JITPC_BASE_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#define CLOCK_NEVER INT64_MAX   /* deadline of a timer that is not armed */

typedef enum ClockMode {
    CLOCK_MODE_REALTIME,
    CLOCK_MODE_DETERMINISTIC,
} ClockMode;

typedef void TimerCallback(void *opaque);
typedef int64_t HostTimeSource(void *opaque);   /* monotonic nanoseconds */

typedef struct Timer Timer;

typedef struct Clock {
    ClockMode mode;
    /* real-time mode */
    HostTimeSource *host_ns;
    void *host_opaque;
    int64_t host_base;          /* host_ns() at clock start */
    /* deterministic mode */
    uint64_t icount;            /* retired guest instructions (CPU advances it) */
    unsigned icount_shift;      /* one instruction = 2^shift ns */
    /* both modes */
    int64_t bias;               /* added to the raw time (warps, snapshot restore) */
    Timer *armed;               /* armed timers sorted by (deadline, seq) */
    Timer *all;                 /* every timer, for clock_destroy */
    uint64_t next_seq;          /* creation order */
} Clock;

struct Timer {
    Clock *clock;
    TimerCallback *cb;
    void *opaque;
    int64_t deadline;           /* CLOCK_NEVER when not armed */
    uint64_t seq;               /* creation order, breaks deadline ties */
    Timer *next_armed;
    Timer *next_all;
};

void clock_init_realtime(Clock *c, HostTimeSource *src, void *opaque);
void clock_init_deterministic(Clock *c, unsigned icount_shift);
/* Frees every timer still attached to the clock. */
void clock_destroy(Clock *c);

/* Current virtual time in nanoseconds. */
int64_t clock_now(const Clock *c);
/* Deterministic mode: the CPU retired `n` more instructions. */
void clock_advance_icount(Clock *c, uint64_t n);
/* Move time forward to `t` if it is later (idle CPU skipping to a deadline
 * in deterministic mode; restoring a snapshot). Never moves time back. */
void clock_warp_to(Clock *c, int64_t t);
/* Real-time clocks: host time spent on work the guest must not see
 * (translating code) stands still in guest time. clock_hide_begin returns a
 * mark; clock_hide_end takes the host time elapsed since it out of guest
 * time. Nothing reads the clock in between, so guest time never goes back.
 * Deterministic clocks ignore both. */
int64_t clock_hide_begin(const Clock *c);
void clock_hide_end(Clock *c, int64_t mark);

/* Earliest armed deadline, or CLOCK_NEVER. */
int64_t clock_next_deadline(const Clock *c);
/* Fire every timer whose deadline <= now, in order; returns how many fired. */
int clock_run_timers(Clock *c);
/* Deterministic clocks: warp to `t`, running every timer due on the way at
 * its own deadline (device tests step a chip's timeline with it). */
void clock_run_until(Clock *c, int64_t t);

Timer *timer_new(Clock *c, TimerCallback *cb, void *opaque);
/* Arm (or re-arm) the timer for absolute virtual time `deadline_ns`. */
void timer_mod(Timer *t, int64_t deadline_ns);
void timer_del(Timer *t);
/* Disarm and free; NULL is accepted. */
void timer_free(Timer *t);
bool timer_pending(const Timer *t);
/* The armed deadline, or CLOCK_NEVER. */
int64_t timer_deadline(const Timer *t);

#endif
