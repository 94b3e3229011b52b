/* The driver <-> native helper pipe protocol (diff_wire.h): run encoding of
 * data-area differences and whole-buffer pipe I/O. Built into both the
 * 64-bit driver and the -m32 helper. */
#include "diff_wire.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

/* Differences closer than this are merged into one run: a run header costs
 * 8 bytes, so shorter gaps are cheaper sent as bytes. */
#define WIRE_MERGE_GAP 8u

size_t diff_wire_encode_runs(const uint8_t *ref, const uint8_t *cur, uint32_t size, uint8_t *out)
{
    size_t used = 0;
    uint32_t i = 0;
    while (i < size) {
        /* Skip equal blocks first: most of the area never changes. */
        if (!(i & 63) && i + 64 <= size && !memcmp(ref + i, cur + i, 64)) {
            i += 64;
            continue;
        }
        if (ref[i] == cur[i]) {
            i++;
            continue;
        }
        uint32_t start = i, end = i + 1, same = 0;
        for (uint32_t j = end; j < size && same < WIRE_MERGE_GAP; j++) {
            if (ref[j] != cur[j]) {
                end = j + 1;
                same = 0;
            } else {
                same++;
            }
        }
        uint32_t hdr[2] = {start, end - start};
        memcpy(out + used, hdr, sizeof(hdr));
        memcpy(out + used + sizeof(hdr), cur + start, end - start);
        used += sizeof(hdr) + (end - start);
        i = end;
    }
    return used;
}

bool diff_wire_apply_runs(uint8_t *data, uint32_t size, const uint8_t *runs, size_t len)
{
    size_t pos = 0;
    while (pos < len) {
        uint32_t hdr[2];
        if (len - pos < sizeof(hdr))
            return false;
        memcpy(hdr, runs + pos, sizeof(hdr));
        pos += sizeof(hdr);
        if (hdr[0] > size || hdr[1] > size - hdr[0] || hdr[1] > len - pos)
            return false;
        memcpy(data + hdr[0], runs + pos, hdr[1]);
        pos += hdr[1];
    }
    return true;
}

int diff_wire_read(int fd, void *buf, size_t len, int timeout_ms)
{
    uint8_t *p = buf;
    size_t got = 0;
    while (got < len) {
        if (timeout_ms >= 0) {
            struct pollfd pfd = {.fd = fd, .events = POLLIN};
            int r = poll(&pfd, 1, timeout_ms);
            if (r < 0 && errno == EINTR)
                continue;
            if (r == 0)
                errno = ETIMEDOUT;
            if (r <= 0)
                return -1;
        }
        ssize_t n = read(fd, p + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0) {
            if (got == 0)
                return 0;
            errno = EPIPE;
            return -1;
        }
        got += (size_t)n;
    }
    return 1;
}

bool diff_wire_write(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}
