/* Test helper: agreement counts for undefined flags; see flag_stats.h. */
#include "helpers/flag_stats.h"

#include <criterion/logging.h>
#include <stdio.h>

void flag_stats_count(FlagStats *st, uint32_t undef, uint32_t ours, uint32_t host)
{
    for (unsigned bit = 0; bit < 12; bit++) {
        if (!(undef & (1u << bit)))
            continue;
        st->undefined[bit]++;
        if (!((ours ^ host) & (1u << bit)))
            st->agree[bit]++;
    }
}

void flag_stats_log(const char *name, const FlagStats *st)
{
    static const char *const flag_names[12] = {"CF", "", "PF", "", "AF", "", "ZF", "SF", "", "", "", "OF"};
    char text[384];
    int len = snprintf(text, sizeof text, "%-20s %8lu cases", name, st->cases);
    for (unsigned bit = 0; bit < 12 && len > 0 && (size_t)len < sizeof text; bit++)
        if (st->undefined[bit])
            len += snprintf(text + len, sizeof text - (size_t)len, "; undefined %s = host %lu/%lu",
                            flag_names[bit], st->agree[bit], st->undefined[bit]);
    if (st->undefined_value && len > 0 && (size_t)len < sizeof text)
        snprintf(text + len, sizeof text - (size_t)len, "; undefined result = host %lu/%lu",
                 st->undefined_value_agree, st->undefined_value);
    cr_log_info("%s", text);
}
