/* The input layer: every byte or event that enters the guest from the host
 * (serial and keyboard bytes, mouse, received frames) passes through here.
 *
 * Host sources queue data with input_push() whenever it arrives; the
 * machine hands it to the guest-side sink only at deterministic points
 * with input_deliver(). The record hook sees exactly what was delivered and
 * when, so a later replay can feed the same bytes at the same points
 * (DESIGN.md invariant 3). A full queue pushes back on the host source. */
#ifndef JITPC_BASE_INPUT_H
#define JITPC_BASE_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define INPUT_MAX_CHANNELS 16
#define INPUT_QUEUE_SIZE 4096

typedef struct InputSink {
    /* How many bytes the guest side can take now (0 = none). */
    size_t (*can_receive)(void *opaque);
    void (*receive)(void *opaque, const uint8_t *buf, size_t len);
    void *opaque;
} InputSink;

/* Called for every delivery, before the sink sees the bytes. */
typedef void InputRecordHook(void *opaque, int channel, const uint8_t *buf, size_t len);

typedef struct InputChannel {
    char name[32];
    bool has_sink;
    InputSink sink;
    uint8_t queue[INPUT_QUEUE_SIZE];   /* ring buffer of undelivered bytes */
    size_t head, len;
} InputChannel;

typedef struct InputLayer {
    InputChannel channels[INPUT_MAX_CHANNELS];
    int count;
    InputRecordHook *record;
    void *record_opaque;
} InputLayer;

void input_init(InputLayer *in);
/* A new channel; returns its number, or -1 when all are taken. */
int input_channel_new(InputLayer *in, const char *name);
void input_set_sink(InputLayer *in, int channel, const InputSink *sink);
/* Free queue space: how many bytes the host side may push now. */
size_t input_space(const InputLayer *in, int channel);
/* Queue host bytes; returns how many were taken (the rest did not fit). */
size_t input_push(InputLayer *in, int channel, const uint8_t *buf, size_t len);
/* Deliver queued bytes to every sink that can take them; returns the
 * number of bytes delivered. */
size_t input_deliver(InputLayer *in);
size_t input_pending(const InputLayer *in, int channel);

#endif
