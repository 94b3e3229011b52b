/* Debug logging: -d category parsing, -d help, -D destination. */
#include "base/log.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

static const struct {
    const char *name;
    const char *help;
} log_table[] = {
#define X(e, name, help) {name, help},
#include "base/log_categories.def"
#undef X
};

bool log_parse_mask(const char *list, uint32_t *mask, Error *err)
{
    uint32_t m = 0;
    const char *p = list;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        bool found = false;
        for (unsigned i = 0; i < ARRAY_SIZE(log_table); i++) {
            if (strlen(log_table[i].name) == len && !strncmp(p, log_table[i].name, len)) {
                m |= 1u << i;
                found = true;
                break;
            }
        }
        if (!found) {
            error_setf(err, "-d: unknown log category '%.*s' (try '-d help')", (int)len, p);
            return false;
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    *mask = m;
    return true;
}

void log_print_help(FILE *f)
{
    fprintf(f, "Log items (comma separated, for -d):\n");
    for (unsigned i = 0; i < ARRAY_SIZE(log_table); i++)
        fprintf(f, "%-13s %s\n", log_table[i].name, log_table[i].help);
}

bool log_open_file(Log *log, const char *path, Error *err)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        error_setf_errno(err, errno, "-D: cannot open log file '%s'", path);
        return false;
    }
    setvbuf(f, NULL, _IOLBF, 0);
    log_close(log);
    log->out = f;
    log->owns_out = true;
    return true;
}

void log_close(Log *log)
{
    if (log->owns_out && log->out)
        fclose(log->out);
    log->out = NULL;
    log->owns_out = false;
}

void log_printf(Log *log, const char *fmt, ...)
{
    FILE *f = (log && log->out) ? log->out : stderr;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
}
