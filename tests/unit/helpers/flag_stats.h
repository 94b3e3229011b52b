/* Test helper: how often our values for flags the SDM leaves undefined
 * agree with the host CPU's. Never asserted; logged per flag (and, for
 * undefined results, per value) so the choices can be reviewed. */
#ifndef JITPC_TEST_FLAG_STATS_H
#define JITPC_TEST_FLAG_STATS_H

#include <stdint.h>

typedef struct FlagStats {
    unsigned long cases;
    unsigned long undefined[12], agree[12];     /* by EFLAGS bit */
    unsigned long undefined_value, undefined_value_agree;
} FlagStats;

/* Count the flags in `undef` on which `ours` and `host` agree. */
void flag_stats_count(FlagStats *st, uint32_t undef, uint32_t ours, uint32_t host);
/* One cr_log_info line: "<name> N cases; undefined XF = host a/b; ...". */
void flag_stats_log(const char *name, const FlagStats *st);

#endif
