/* The perf map file /tmp/perf-<pid>.map that `perf report` reads to name JIT code: one line per
 * block "<hex start> <hex size> <name>\n". */
#ifndef JITPC_TRANSLATE_PERFMAP_H
#define JITPC_TRANSLATE_PERFMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct PerfMap {
    FILE *f;            /* NULL when closed or never opened: adds do nothing */
} PerfMap;

/* Creates/truncates /tmp/perf-<getpid()>.map. On failure fills `why` with one line and returns false. */
bool perfmap_open(PerfMap *pm, char *why, size_t why_len);
/* No-op when pm->f is NULL. Each line is flushed at once so a crash still leaves a usable map. */
void perfmap_add(PerfMap *pm, const void *start, size_t size, const char *name);
void perfmap_close(PerfMap *pm);

#endif
