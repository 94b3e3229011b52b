/* Character devices: the host end of a serial port or debug console.
 *   null        output dropped, no input
 *   file:PATH   output written to PATH (created/truncated), no input
 *   stdio       output to stdout, input from stdin through the input layer;
 *               on a terminal, raw mode and the QEMU-style Ctrl-A escapes
 *               (Ctrl-A x quits, Ctrl-A h helps, Ctrl-A Ctrl-A sends ^A)
 * A device front end writes with chardev_write() and receives host bytes
 * through the InputSink it installs with chardev_set_sink(). */
#ifndef JITPC_BASE_CHARDEV_H
#define JITPC_BASE_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>

#include "base/error.h"
#include "base/input.h"

typedef enum ChardevKind {
    CHARDEV_NULL,
    CHARDEV_FILE,
    CHARDEV_STDIO,
} ChardevKind;

typedef struct ChardevSpec {
    ChardevKind kind;
    char id[32];
    char path[4096];            /* CHARDEV_FILE */
    bool stdio_signals;         /* stdio: keep Ctrl-C as SIGINT (QEMU signal=on) */
} ChardevSpec;

typedef enum ChardevEvent {
    CHARDEV_EVENT_NONE,
    CHARDEV_EVENT_QUIT,         /* the user typed Ctrl-A x */
} ChardevEvent;

typedef struct Chardev {
    ChardevSpec spec;
    int out_fd;                 /* -1: output dropped */
    int in_fd;                  /* -1: no input */
    bool owns_out;
    InputLayer *input;
    int channel;                /* input channel, -1 if none */
    bool escape_pending;        /* stdio: Ctrl-A seen */
    bool tty_raw;               /* stdio: terminal settings changed */
    struct termios saved_tio;
    bool write_failed;          /* host output broke; further output dropped */
} Chardev;

/* Parse a QEMU-style backend word: "stdio", "null", "file:PATH" (the
 * -serial and -debugcon syntax). "none" is handled by the caller. */
bool chardev_parse_backend(const char *s, ChardevSpec *spec, Error *err);

/* Open the host side. `input` may be NULL for output-only uses. */
Chardev *chardev_open(const ChardevSpec *spec, InputLayer *input, Error *err);
/* Restore the terminal and close files; NULL is accepted. */
void chardev_close(Chardev *c);

void chardev_write(Chardev *c, const uint8_t *buf, size_t len);
static inline void chardev_write_byte(Chardev *c, uint8_t b) { chardev_write(c, &b, 1); }

/* Route host input to `sink` (a device's receive side). */
void chardev_set_sink(Chardev *c, const InputSink *sink);
/* Host fd to wait on for input, or -1. */
int chardev_input_fd(const Chardev *c);
/* Read what the host has ready (never blocks) into the input layer. */
ChardevEvent chardev_poll_input(Chardev *c);
/* Feed bytes as if typed (escape handling included); used by tests. */
ChardevEvent chardev_host_input(Chardev *c, const uint8_t *buf, size_t len);

#endif
