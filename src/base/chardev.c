/* Character device back ends (null, file, stdio); see chardev.h. */
#include "base/chardev.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CTRL_A 0x01

bool chardev_parse_backend(const char *s, ChardevSpec *spec, Error *err)
{
    memset(spec, 0, sizeof(*spec));
    spec->stdio_signals = true;
    if (!strcmp(s, "stdio")) {
        spec->kind = CHARDEV_STDIO;
    } else if (!strcmp(s, "null")) {
        spec->kind = CHARDEV_NULL;
    } else if (!strncmp(s, "file:", 5) && s[5]) {
        spec->kind = CHARDEV_FILE;
        if (strlen(s + 5) >= sizeof(spec->path)) {
            error_setf(err, "file path too long in '%s'", s);
            return false;
        }
        strcpy(spec->path, s + 5);
    } else {
        error_setf(err, "unknown character device '%s' (expected stdio, null or file:PATH)", s);
        return false;
    }
    return true;
}

Chardev *chardev_open(const ChardevSpec *spec, InputLayer *input, Error *err)
{
    Chardev *c = calloc(1, sizeof(*c));
    if (!c)
        abort();
    c->spec = *spec;
    c->out_fd = -1;
    c->in_fd = -1;
    c->channel = -1;
    c->input = input;
    switch (spec->kind) {
    case CHARDEV_NULL:
        break;
    case CHARDEV_FILE:
        c->out_fd = open(spec->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (c->out_fd < 0) {
            error_setf_errno(err, errno, "cannot open '%s' for character device output", spec->path);
            free(c);
            return NULL;
        }
        c->owns_out = true;
        break;
    case CHARDEV_STDIO:
        c->out_fd = STDOUT_FILENO;
        c->in_fd = STDIN_FILENO;
        break;
    }
    if (c->in_fd >= 0 && input) {
        c->channel = input_channel_new(input, spec->id[0] ? spec->id : "stdio");
        if (c->channel < 0) {
            error_setf(err, "too many input channels");
            free(c);
            return NULL;
        }
    }
    return c;
}

/* Raw mode as QEMU's stdio back end sets it: no echo, no line editing, no
 * CR/NL translation; ISIG stays on with signal=on so Ctrl-C still stops us. */
static void chardev_tty_raw(Chardev *c)
{
    if (c->tty_raw || !isatty(c->in_fd))
        return;
    struct termios tio;
    if (tcgetattr(c->in_fd, &tio) < 0)
        return;
    c->saved_tio = tio;
    tio.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    tio.c_oflag |= OPOST;
    tio.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN);
    if (!c->spec.stdio_signals)
        tio.c_lflag &= ~ISIG;
    tio.c_cflag &= ~(CSIZE | PARENB);
    tio.c_cflag |= CS8;
    tio.c_cc[VMIN] = 1;
    tio.c_cc[VTIME] = 0;
    if (tcsetattr(c->in_fd, TCSANOW, &tio) == 0)
        c->tty_raw = true;
}

void chardev_close(Chardev *c)
{
    if (!c)
        return;
    if (c->tty_raw)
        tcsetattr(c->in_fd, TCSANOW, &c->saved_tio);
    if (c->owns_out && c->out_fd >= 0)
        close(c->out_fd);
    if (c->input && c->channel >= 0)
        input_set_sink(c->input, c->channel, NULL);
    free(c);
}

void chardev_write(Chardev *c, const uint8_t *buf, size_t len)
{
    if (!c || c->out_fd < 0 || c->write_failed)
        return;
    while (len) {
        ssize_t n = write(c->out_fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) {
                struct pollfd p = {.fd = c->out_fd, .events = POLLOUT};
                poll(&p, 1, -1);
                continue;
            }
            /* A closed pipe or full disk must not stop the guest. */
            c->write_failed = true;
            return;
        }
        buf += n;
        len -= (size_t)n;
    }
}

void chardev_set_sink(Chardev *c, const InputSink *sink)
{
    if (!c || c->channel < 0)
        return;
    input_set_sink(c->input, c->channel, sink);
    if (sink && c->spec.kind == CHARDEV_STDIO)
        chardev_tty_raw(c);
}

int chardev_input_fd(const Chardev *c)
{
    return (c && c->channel >= 0 && c->input->channels[c->channel].has_sink) ? c->in_fd : -1;
}

static const char escape_help[] =
    "\r\nC-a h    print this help\r\n"
    "C-a x    exit emulator\r\n"
    "C-a C-a  sends C-a\r\n";

ChardevEvent chardev_host_input(Chardev *c, const uint8_t *buf, size_t len)
{
    uint8_t out[256];
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t b = buf[i];
        if (c->escape_pending) {
            c->escape_pending = false;
            if (b == 'x' || b == 'X') {
                static const char msg[] = "jitpc: terminating on Ctrl-A x\r\n";
                chardev_write(c, (const uint8_t *)msg, sizeof(msg) - 1);
                return CHARDEV_EVENT_QUIT;
            }
            if (b == 'h' || b == '?') {
                chardev_write(c, (const uint8_t *)escape_help, sizeof(escape_help) - 1);
                continue;
            }
            if (b != CTRL_A)
                continue;   /* unknown escape: swallowed, as QEMU does */
        } else if (b == CTRL_A && c->spec.kind == CHARDEV_STDIO) {
            c->escape_pending = true;
            continue;
        }
        out[n++] = b;
        if (n == sizeof(out)) {
            input_push(c->input, c->channel, out, n);
            n = 0;
        }
    }
    if (n)
        input_push(c->input, c->channel, out, n);
    return CHARDEV_EVENT_NONE;
}

ChardevEvent chardev_poll_input(Chardev *c)
{
    int fd = chardev_input_fd(c);
    if (fd < 0)
        return CHARDEV_EVENT_NONE;
    size_t space = input_space(c->input, c->channel);
    if (space == 0)
        return CHARDEV_EVENT_NONE;   /* back-pressure: leave it in the host */
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, 0) <= 0 || !(p.revents & (POLLIN | POLLHUP)))
        return CHARDEV_EVENT_NONE;
    uint8_t buf[256];
    ssize_t n = read(fd, buf, space < sizeof(buf) ? space : sizeof(buf));
    if (n <= 0) {
        /* End of input: stop polling this fd (the guest sees no more). */
        if (n == 0 || (errno != EINTR && errno != EAGAIN))
            c->in_fd = -1;
        return CHARDEV_EVENT_NONE;
    }
    return chardev_host_input(c, buf, (size_t)n);
}
