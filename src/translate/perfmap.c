/* perf's convention for JIT symbols (tools/perf/Documentation/jit-interface.txt):
 * perf looks for /tmp/perf-<pid>.map and reads "START SIZE name" lines, START
 * and SIZE in hex without 0x. It reads the file when the report is made, so
 * the file is left in place when jitpc exits. */
#include "translate/perfmap.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

bool perfmap_open(PerfMap *pm, char *why, size_t why_len)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/perf-%ld.map", (long)getpid());
    pm->f = fopen(path, "w");
    if (!pm->f) {
        snprintf(why, why_len, "cannot create %s: %s", path, strerror(errno));
        return false;
    }
    return true;
}

void perfmap_add(PerfMap *pm, const void *start, size_t size, const char *name)
{
    if (!pm->f)
        return;
    fprintf(pm->f, "%" PRIxPTR " %zx ", (uintptr_t)start, size);
    /* A newline in the name would start a bogus entry. */
    for (const char *c = name; *c; c++)
        fputc(*c == '\n' || *c == '\r' ? ' ' : *c, pm->f);
    fputc('\n', pm->f);
    fflush(pm->f);
}

void perfmap_close(PerfMap *pm)
{
    if (pm->f)
        fclose(pm->f);
    pm->f = NULL;
}
