/* The input layer: host-to-guest queues delivered at deterministic points. */
#include "base/input.h"

#include <stdio.h>
#include <string.h>

void input_init(InputLayer *in)
{
    memset(in, 0, sizeof(*in));
}

int input_channel_new(InputLayer *in, const char *name)
{
    if (in->count >= INPUT_MAX_CHANNELS)
        return -1;
    InputChannel *ch = &in->channels[in->count];
    memset(ch, 0, sizeof(*ch));
    snprintf(ch->name, sizeof(ch->name), "%s", name);
    return in->count++;
}

void input_set_sink(InputLayer *in, int channel, const InputSink *sink)
{
    if (channel < 0 || channel >= in->count)
        return;
    InputChannel *ch = &in->channels[channel];
    ch->has_sink = sink != NULL;
    if (sink)
        ch->sink = *sink;
}

size_t input_space(const InputLayer *in, int channel)
{
    if (channel < 0 || channel >= in->count)
        return 0;
    return INPUT_QUEUE_SIZE - in->channels[channel].len;
}

size_t input_pending(const InputLayer *in, int channel)
{
    if (channel < 0 || channel >= in->count)
        return 0;
    return in->channels[channel].len;
}

size_t input_push(InputLayer *in, int channel, const uint8_t *buf, size_t len)
{
    if (channel < 0 || channel >= in->count)
        return 0;
    InputChannel *ch = &in->channels[channel];
    size_t n = 0;
    while (n < len && ch->len < INPUT_QUEUE_SIZE) {
        ch->queue[(ch->head + ch->len) % INPUT_QUEUE_SIZE] = buf[n++];
        ch->len++;
    }
    return n;
}

size_t input_deliver(InputLayer *in)
{
    size_t total = 0;
    for (int i = 0; i < in->count; i++) {
        InputChannel *ch = &in->channels[i];
        if (!ch->has_sink)
            continue;
        while (ch->len) {
            size_t room = ch->sink.can_receive(ch->sink.opaque);
            if (!room)
                break;
            /* Hand over the contiguous part of the ring, at most `room`. */
            size_t n = ch->len;
            if (n > INPUT_QUEUE_SIZE - ch->head)
                n = INPUT_QUEUE_SIZE - ch->head;
            if (n > room)
                n = room;
            const uint8_t *p = &ch->queue[ch->head];
            if (in->record)
                in->record(in->record_opaque, i, p, n);
            ch->head = (ch->head + n) % INPUT_QUEUE_SIZE;
            ch->len -= n;
            ch->sink.receive(ch->sink.opaque, p, n);
            total += n;
        }
    }
    return total;
}
