/* QEMU-style option values: "first,key=value,key2=value2". The first
 * element may omit its key (the "implied" key, e.g. the driver of -device);
 * ",," stands for a literal comma inside a value. */
#ifndef JITPC_MACHINE_OPTLIST_H
#define JITPC_MACHINE_OPTLIST_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"

#define OPTLIST_MAX 16

typedef struct OptPair {
    char key[32];
    char value[4096];
} OptPair;

typedef struct OptList {
    OptPair items[OPTLIST_MAX];
    int count;
} OptList;

/* Parse `s` for option `opt` (used in messages). `implied` names the key of
 * a first element without '='; NULL means every element needs a key. Keys
 * not in `allowed` (NULL-terminated) are rejected, as are repeats. */
bool optlist_parse(const char *opt, const char *s, const char *implied, const char *const *allowed,
                   OptList *out, Error *err);
/* The value of `key`, or NULL. */
const char *optlist_get(const OptList *l, const char *key);
/* Parse an unsigned integer (decimal, 0x hex, 0 octal) no larger than `max`. */
bool parse_uint(const char *opt, const char *what, const char *s, uint64_t max, uint64_t *out, Error *err);
/* Parse a size like QEMU: a number with an optional fraction and suffix
 * B/K/M/G/T (case-insensitive, powers of 1024); no suffix means
 * `default_unit` bytes. Fails on overflow or junk. */
bool parse_size(const char *opt, const char *s, uint64_t default_unit, uint64_t *out, Error *err);

#endif
