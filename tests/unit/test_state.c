/* Field-table save/load: round trips, timers, and refusal of streams that
 * do not match the table. */
#include <criterion/criterion.h>
#include <string.h>

#include "base/clock.h"
#include "base/state.h"

typedef struct Thing {
    uint8_t a;
    uint16_t b;
    uint32_t c;
    uint64_t d;
    int32_t e;
    bool f;
    uint8_t fifo[16];
    Timer *timer;
} Thing;

static const StateField thing_fields[] = {
    STATE_UINT(Thing, a), STATE_UINT(Thing, b), STATE_UINT(Thing, c),  STATE_UINT(Thing, d),
    STATE_INT(Thing, e),  STATE_BOOL(Thing, f), STATE_BYTES(Thing, fifo), STATE_TIMER(Thing, timer),
    STATE_END,
};

static void nothing(void *opaque)
{
    (void)opaque;
}

Test(state, round_trip_restores_every_field_and_timer)
{
    Clock clk;
    clock_init_deterministic(&clk, 0);
    Thing src = {.a = 0x12, .b = 0x3456, .c = 0x789ABCDE, .d = 0x0123456789ABCDEFULL, .e = -5, .f = true};
    for (int i = 0; i < 16; i++)
        src.fifo[i] = (uint8_t)(i * 7);
    src.timer = timer_new(&clk, nothing, NULL);
    timer_mod(src.timer, 123456);
    StateWriter w;
    state_writer_init(&w);
    state_save(&w, thing_fields, &src);

    Thing dst = {0};
    dst.timer = timer_new(&clk, nothing, NULL);
    StateReader r = {w.buf, w.len, 0};
    Error err = {0};
    cr_assert(state_load(&r, thing_fields, &dst, "thing", &err), "%s", err.msg);
    cr_assert_eq(r.pos, w.len, "the whole stream was consumed");
    cr_assert_eq(dst.a, src.a);
    cr_assert_eq(dst.b, src.b);
    cr_assert_eq(dst.c, src.c);
    cr_assert_eq(dst.d, src.d);
    cr_assert_eq(dst.e, -5);
    cr_assert(dst.f);
    cr_assert_arr_eq(dst.fifo, src.fifo, 16);
    cr_assert_eq(timer_deadline(dst.timer), 123456);

    /* A disarmed timer loads as disarmed. */
    timer_del(src.timer);
    state_writer_free(&w);
    state_writer_init(&w);
    state_save(&w, thing_fields, &src);
    r = (StateReader){w.buf, w.len, 0};
    cr_assert(state_load(&r, thing_fields, &dst, "thing", &err));
    cr_assert_not(timer_pending(dst.timer));
    state_writer_free(&w);
    clock_destroy(&clk);
}

Test(state, mismatched_or_truncated_streams_are_refused)
{
    Clock clk;
    clock_init_deterministic(&clk, 0);
    Thing t = {.timer = timer_new(&clk, nothing, NULL)};
    StateWriter w;
    state_writer_init(&w);
    state_save(&w, thing_fields, &t);
    Error err = {0};

    for (size_t cut = 0; cut < w.len; cut += 3) {
        StateReader r = {w.buf, cut, 0};
        Error e = {0};
        cr_assert_not(state_load(&r, thing_fields, &t, "thing", &e), "truncated at %zu", cut);
        cr_assert(strstr(e.msg, "thing"), "%s", e.msg);
    }
    /* Another table (a field renamed) must not load this stream. */
    static const StateField other[] = {STATE_UINT(Thing, b), STATE_END};
    StateReader r = {w.buf, w.len, 0};
    cr_assert_not(state_load(&r, other, &t, "other", &err));
    cr_assert(strstr(err.msg, "expected field 'b', found 'a'"), "%s", err.msg);
    state_writer_free(&w);
    clock_destroy(&clk);
}
