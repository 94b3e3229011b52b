/* The machine clock and its timers; see clock.h for the two time modes.
 * Armed timers sit on one list sorted by (deadline, creation sequence):
 * machines have a few dozen timers, so an O(n) insert beats a heap. */
#include "base/clock.h"

#include <stdlib.h>

void clock_init_realtime(Clock *c, HostTimeSource *src, void *opaque)
{
    *c = (Clock){.mode = CLOCK_MODE_REALTIME, .host_ns = src, .host_opaque = opaque};
    c->host_base = src(opaque);
}

void clock_init_deterministic(Clock *c, unsigned icount_shift)
{
    *c = (Clock){.mode = CLOCK_MODE_DETERMINISTIC, .icount_shift = icount_shift};
}

void clock_destroy(Clock *c)
{
    Timer *t = c->all;
    while (t) {
        Timer *next = t->next_all;
        free(t);
        t = next;
    }
    c->all = NULL;
    c->armed = NULL;
}

int64_t clock_now(const Clock *c)
{
    int64_t raw;
    if (c->mode == CLOCK_MODE_DETERMINISTIC)
        raw = (int64_t)(c->icount << c->icount_shift);
    else
        raw = c->host_ns(c->host_opaque) - c->host_base;
    return raw + c->bias;
}

void clock_advance_icount(Clock *c, uint64_t n)
{
    c->icount += n;
}

int64_t clock_hide_begin(const Clock *c)
{
    return c->mode == CLOCK_MODE_DETERMINISTIC ? 0 : c->host_ns(c->host_opaque);
}

void clock_hide_end(Clock *c, int64_t mark)
{
    if (c->mode == CLOCK_MODE_DETERMINISTIC)
        return;
    int64_t spent = c->host_ns(c->host_opaque) - mark;
    if (spent > 0)
        c->bias -= spent;
}

void clock_warp_to(Clock *c, int64_t t)
{
    int64_t now = clock_now(c);
    if (t > now)
        c->bias += t - now;
}

int64_t clock_next_deadline(const Clock *c)
{
    return c->armed ? c->armed->deadline : CLOCK_NEVER;
}

static void timer_unlink(Timer *t)
{
    Timer **pp = &t->clock->armed;
    while (*pp && *pp != t)
        pp = &(*pp)->next_armed;
    if (*pp)
        *pp = t->next_armed;
    t->next_armed = NULL;
    t->deadline = CLOCK_NEVER;
}

static bool timer_before(const Timer *a, const Timer *b)
{
    return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

int clock_run_timers(Clock *c)
{
    int fired = 0;
    /* Re-read the time per timer: in real-time mode it advances while
     * callbacks run, and a timer re-armed at or before now fires again. */
    while (c->armed && c->armed->deadline <= clock_now(c)) {
        Timer *t = c->armed;
        c->armed = t->next_armed;
        t->next_armed = NULL;
        t->deadline = CLOCK_NEVER;
        t->cb(t->opaque);
        fired++;
    }
    return fired;
}

Timer *timer_new(Clock *c, TimerCallback *cb, void *opaque)
{
    Timer *t = calloc(1, sizeof(*t));
    if (!t)
        abort();
    t->clock = c;
    t->cb = cb;
    t->opaque = opaque;
    t->deadline = CLOCK_NEVER;
    t->seq = c->next_seq++;
    t->next_all = c->all;
    c->all = t;
    return t;
}

void timer_mod(Timer *t, int64_t deadline_ns)
{
    if (timer_pending(t))
        timer_unlink(t);
    if (deadline_ns == CLOCK_NEVER)
        return;
    t->deadline = deadline_ns;
    Timer **pp = &t->clock->armed;
    while (*pp && timer_before(*pp, t))
        pp = &(*pp)->next_armed;
    t->next_armed = *pp;
    *pp = t;
}

void timer_del(Timer *t)
{
    if (timer_pending(t))
        timer_unlink(t);
}

void timer_free(Timer *t)
{
    if (!t)
        return;
    timer_del(t);
    Timer **pp = &t->clock->all;
    while (*pp && *pp != t)
        pp = &(*pp)->next_all;
    if (*pp)
        *pp = t->next_all;
    free(t);
}

bool timer_pending(const Timer *t)
{
    return t->deadline != CLOCK_NEVER;
}

int64_t timer_deadline(const Timer *t)
{
    return t->deadline;
}

void clock_run_until(Clock *c, int64_t t)
{
    for (;;) {
        int64_t d = clock_next_deadline(c);
        if (d > t)
            break;
        clock_warp_to(c, d);
        clock_run_timers(c);
    }
    clock_warp_to(c, t);
    clock_run_timers(c);
}
