/* Debug logging: the -d categories (log_categories.def) and the -D file.
 * A Log belongs to one Machine; nothing here is global. Messages go to the
 * -D file, or to stderr when none was given. */
#ifndef JITPC_BASE_LOG_H
#define JITPC_BASE_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/compiler.h"
#include "base/error.h"

enum {
#define X(e, name, help) LOG_BIT_##e,
#include "base/log_categories.def"
#undef X
    LOG_CATEGORY_COUNT
};

enum {
#define X(e, name, help) LOG_##e = 1 << LOG_BIT_##e,
#include "base/log_categories.def"
#undef X
};

typedef struct Log {
    uint32_t mask;          /* enabled categories (LOG_*) */
    FILE *out;              /* NULL means stderr */
    bool owns_out;          /* close `out` in log_close */
} Log;

/* Parse a comma-separated -d list into *mask. "help" is not handled here.
 * Fails with a message naming the unknown category. */
bool log_parse_mask(const char *list, uint32_t *mask, Error *err);
/* Print the category table for `-d help`. */
void log_print_help(FILE *f);
/* Open `path` (-D) as the destination, truncating it. */
bool log_open_file(Log *log, const char *path, Error *err);
void log_close(Log *log);

static inline bool log_enabled(const Log *log, uint32_t cats)
{
    return log && (log->mask & cats);
}

/* Unconditional write to the log destination; use LOG() to test first. */
void log_printf(Log *log, const char *fmt, ...) PRINTF_FMT(2, 3);

/* Log under any of the categories `cats` (e.g. LOG_UNIMP | LOG_GUEST_ERRORS). */
#define LOG(log, cats, ...)                                                    \
    do {                                                                       \
        if (unlikely(log_enabled((log), (cats))))                              \
            log_printf((log), __VA_ARGS__);                                    \
    } while (0)

#endif
