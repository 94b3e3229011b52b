/* The input layer (queueing, deterministic delivery, back-pressure, the
 * record hook) and the character device back ends (file output, stdio
 * escapes). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/chardev.h"
#include "base/input.h"
#include "helpers/spawn.h"

typedef struct Sink {
    uint8_t got[8192];
    size_t len;
    size_t room;            /* how much it accepts per can_receive */
    int calls;
} Sink;

static size_t sink_can(void *opaque)
{
    Sink *s = opaque;
    return s->room;
}

static void sink_recv(void *opaque, const uint8_t *buf, size_t len)
{
    Sink *s = opaque;
    cr_assert_leq(len, s->room, "never more than can_receive allowed");
    memcpy(s->got + s->len, buf, len);
    s->len += len;
    s->room -= len;
    s->calls++;
}

typedef struct Rec {
    uint8_t bytes[8192];
    size_t len;
    int channel_seen;
} Rec;

static void rec_hook(void *opaque, int channel, const uint8_t *buf, size_t len)
{
    Rec *r = opaque;
    r->channel_seen = channel;
    memcpy(r->bytes + r->len, buf, len);
    r->len += len;
}

Test(input, bytes_wait_until_delivery_point)
{
    InputLayer in;
    Sink s = {.room = 100};
    input_init(&in);
    int ch = input_channel_new(&in, "serial0");
    InputSink is = {sink_can, sink_recv, &s};
    input_set_sink(&in, ch, &is);
    cr_assert_eq(input_push(&in, ch, (const uint8_t *)"abc", 3), 3);
    cr_assert_eq(s.len, 0, "pushing never reaches the guest by itself");
    cr_assert_eq(input_pending(&in, ch), 3);
    cr_assert_eq(input_deliver(&in), 3);
    cr_assert_eq(s.len, 3);
    cr_assert(!memcmp(s.got, "abc", 3));
    cr_assert_eq(input_pending(&in, ch), 0);
}

Test(input, sink_back_pressure_keeps_bytes_queued_in_order)
{
    InputLayer in;
    Sink s = {.room = 2};
    input_init(&in);
    int ch = input_channel_new(&in, "serial0");
    InputSink is = {sink_can, sink_recv, &s};
    input_set_sink(&in, ch, &is);
    input_push(&in, ch, (const uint8_t *)"hello", 5);
    cr_assert_eq(input_deliver(&in), 2);
    cr_assert_eq(input_deliver(&in), 0, "a full sink takes nothing");
    s.room = 16;
    cr_assert_eq(input_deliver(&in), 3);
    cr_assert_eq(s.len, 5);
    cr_assert(!memcmp(s.got, "hello", 5));
}

Test(input, queue_is_bounded_and_wraps)
{
    InputLayer in;
    Sink s = {.room = 0};
    input_init(&in);
    int ch = input_channel_new(&in, "c");
    InputSink is = {sink_can, sink_recv, &s};
    input_set_sink(&in, ch, &is);
    uint8_t big[INPUT_QUEUE_SIZE + 10];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)i;
    cr_assert_eq(input_push(&in, ch, big, sizeof(big)), INPUT_QUEUE_SIZE, "the rest stays with the host");
    cr_assert_eq(input_space(&in, ch), 0);
    s.room = 1000;
    input_deliver(&in);
    cr_assert_eq(input_push(&in, ch, big + INPUT_QUEUE_SIZE, 10), 10);
    s.room = 8192;
    input_deliver(&in);
    cr_assert_eq(s.len, sizeof(big));
    cr_assert(!memcmp(s.got, big, sizeof(big)), "bytes arrive in order across the ring's wrap");
}

Test(input, record_hook_sees_exactly_what_was_delivered)
{
    InputLayer in;
    Sink s = {.room = 4};
    Rec r = {.channel_seen = -1};
    input_init(&in);
    input_channel_new(&in, "unused");
    int ch = input_channel_new(&in, "serial0");
    InputSink is = {sink_can, sink_recv, &s};
    input_set_sink(&in, ch, &is);
    in.record = rec_hook;
    in.record_opaque = &r;
    input_push(&in, ch, (const uint8_t *)"recorded", 8);
    input_deliver(&in);
    cr_assert_eq(r.len, 4, "undelivered bytes are not recorded yet");
    cr_assert_eq(r.channel_seen, ch);
    s.room = 100;
    input_deliver(&in);
    cr_assert_eq(r.len, 8);
    cr_assert(!memcmp(r.bytes, s.got, 8));
}

Test(input, channels_without_sink_hold_their_bytes)
{
    InputLayer in;
    input_init(&in);
    int ch = input_channel_new(&in, "kbd");
    input_push(&in, ch, (const uint8_t *)"x", 1);
    cr_assert_eq(input_deliver(&in), 0);
    cr_assert_eq(input_pending(&in, ch), 1);
    cr_assert_eq(input_push(&in, 99, (const uint8_t *)"x", 1), 0, "bad channel numbers are ignored");
    for (int i = 1; i < INPUT_MAX_CHANNELS; i++)
        cr_assert_geq(input_channel_new(&in, "more"), 0);
    cr_assert_eq(input_channel_new(&in, "one too many"), -1);
}

static ChardevSpec stdio_spec(void)
{
    ChardevSpec spec;
    Error err = {0};
    cr_assert(chardev_parse_backend("stdio", &spec, &err));
    snprintf(spec.id, sizeof(spec.id), "serial0");
    return spec;
}

Test(chardev, stdio_escapes_like_qemu)
{
    InputLayer in;
    Sink s = {.room = 100};
    input_init(&in);
    ChardevSpec spec = stdio_spec();
    Error err = {0};
    Chardev *c = chardev_open(&spec, &in, &err);
    cr_assert_not_null(c, "%s", err.msg);
    c->out_fd = -1;             /* keep the help text off the test's stdout */
    InputSink is = {sink_can, sink_recv, &s};
    input_set_sink(&in, c->channel, &is);
    const uint8_t typed[] = {'a', 0x01, 0x01, 'b', 0x01, 'h', 'c', 0x01, 'z', 'd'};
    cr_assert_eq(chardev_host_input(c, typed, sizeof(typed)), CHARDEV_EVENT_NONE);
    input_deliver(&in);
    const uint8_t want[] = {'a', 0x01, 'b', 'c', 'd'};
    cr_assert_eq(s.len, sizeof(want));
    cr_assert(!memcmp(s.got, want, sizeof(want)), "C-a C-a sends C-a; C-a h and unknown escapes are swallowed");
    const uint8_t quit[] = {'e', 0x01, 'x', 'f'};
    cr_assert_eq(chardev_host_input(c, quit, sizeof(quit)), CHARDEV_EVENT_QUIT);
    chardev_close(c);
}

Test(chardev, file_backend_writes_and_truncates)
{
    char path[512];
    scratch_path(path, sizeof(path), "chardev");
    FILE *f = fopen(path, "w");
    fputs("old contents that must go", f);
    fclose(f);
    ChardevSpec spec;
    Error err = {0};
    char word[600];
    snprintf(word, sizeof(word), "file:%s", path);
    cr_assert(chardev_parse_backend(word, &spec, &err));
    Chardev *c = chardev_open(&spec, NULL, &err);
    cr_assert_not_null(c, "%s", err.msg);
    chardev_write(c, (const uint8_t *)"new", 3);
    chardev_write_byte(c, '\n');
    cr_assert_eq(chardev_input_fd(c), -1, "file back ends have no input");
    chardev_close(c);
    char buf[64] = {0};
    f = fopen(path, "r");
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    cr_assert_eq(n, 4);
    cr_assert_str_eq(buf, "new\n");
}

Test(chardev, bad_backends_and_paths)
{
    ChardevSpec spec;
    Error e1 = {0}, e2 = {0};
    cr_assert_not(chardev_parse_backend("vc", &spec, &e1));
    cr_assert(strstr(e1.msg, "'vc'"), "%s", e1.msg);
    cr_assert(chardev_parse_backend("file:/nonexistent-dir/x", &spec, &e2));
    cr_assert_null(chardev_open(&spec, NULL, &e2));
    cr_assert(strstr(e2.msg, "/nonexistent-dir/x") && strstr(e2.msg, "No such file"), "%s", e2.msg);
    chardev_close(NULL);
}
