/* Helpers over the shared case model (diff_case.h): the deterministic data
 * fill both sides rebuild from a seed, instruction-boundary look-ups, and
 * names for flags and exception vectors. Built into the 64-bit driver and the
 * -m32 native helper alike, so it uses nothing but fixed-width arithmetic. */
#include "diff_case.h"

#include <stdio.h>
#include <string.h>

/* splitmix64: a full-period generator whose every output is well mixed, so
 * neighbouring seeds give unrelated data areas; it seeds the fill below. */
static uint64_t case_splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint32_t case_rotl32(uint32_t x, unsigned k)
{
    return (x << k) | (x >> (32 - k));
}

/* xoshiro128** in 32-bit arithmetic (64-bit multiplies are slow in the -m32
 * helper). */
static uint32_t case_xoshiro128ss(uint32_t s[4])
{
    uint32_t v = case_rotl32(s[1] * 5, 7) * 9;
    uint32_t t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = case_rotl32(s[3], 11);
    return v;
}

/* Both sides fill 64 KiB per case, so the fill is cheap: one random 4 KiB
 * page, then every other page is that page XOR a random word of its own. An
 * access that lands a page (or any multiple of 4 bytes within the area) off
 * still reads different bytes. */
#define CASE_FILL_PAGE 4096u

void diff_data_fill(uint8_t *data, uint64_t seed)
{
    uint64_t sm = seed;
    uint64_t a = case_splitmix64(&sm), b = case_splitmix64(&sm);
    uint32_t s[4] = {(uint32_t)a, (uint32_t)(a >> 32), (uint32_t)b, (uint32_t)(b >> 32) | 1u};
    for (uint32_t i = 0; i < CASE_FILL_PAGE; i += 4) {
        uint32_t v = case_xoshiro128ss(s);
        memcpy(data + i, &v, 4);
    }
    for (uint32_t page = CASE_FILL_PAGE; page < DIFF_DATA_SIZE; page += CASE_FILL_PAGE) {
        uint32_t key = case_xoshiro128ss(s);
        for (uint32_t i = 0; i < CASE_FILL_PAGE; i += 4) {
            uint32_t v;
            memcpy(&v, data + i, 4);
            v ^= key;
            memcpy(data + page + i, &v, 4);
        }
    }
}

int diff_case_insn_at(const DiffCase *c, uint32_t offset)
{
    for (uint32_t i = 0; i < c->insn_count; i++)
        if (c->insn_offset[i] == offset)
            return (int)i;
    return -1;
}

int64_t diff_case_insn_ending_at(const DiffCase *c, uint32_t offset)
{
    for (uint32_t i = 0; i < c->insn_count; i++) {
        uint32_t end = i + 1 < c->insn_count ? c->insn_offset[i + 1] : c->code_len;
        if (end == offset)
            return c->insn_offset[i];
    }
    return -1;
}

uint32_t diff_case_compared_flags(const DiffCase *c, int32_t exception, uint32_t fault_offset)
{
    if (exception < 0)
        return c->flags_mask;
    int i = diff_case_insn_at(c, fault_offset);
    /* A fault off every instruction boundary is itself a mismatch; compare
     * only DF then, the one flag no instruction leaves undefined. */
    return i < 0 ? DIFF_DF : c->insn_flags_mask[i];
}

static const struct {
    uint32_t bit;
    const char *name;
} case_flag_names[] = {
    {DIFF_CF, "CF"}, {DIFF_PF, "PF"}, {DIFF_AF, "AF"}, {DIFF_ZF, "ZF"},
    {DIFF_SF, "SF"}, {DIFF_TF, "TF"}, {DIFF_IF, "IF"}, {DIFF_DF, "DF"}, {DIFF_OF, "OF"},
};

void diff_flags_format(char *buf, size_t len, uint32_t value, uint32_t mask, bool names_only)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(case_flag_names) / sizeof(case_flag_names[0]); i++) {
        uint32_t bit = case_flag_names[i].bit;
        if (!(mask & bit) || (!names_only && !(value & bit)))
            continue;
        int n = snprintf(buf + used, len - used, "%s%s", used ? " " : "", case_flag_names[i].name);
        if (n < 0 || (size_t)n >= len - used)
            return;
        used += (size_t)n;
    }
    if (!used)
        snprintf(buf, len, "-");
}

/* Vector mnemonics, SDM Vol. 3A §6.3.1 Table 6-1. */
static const char *const case_vector_names[] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO",
    "#TS", "#NP", "#SS", "#GP", "#PF", "vec15", "#MF", "#AC", "#MC", "#XM",
};

const char *diff_exception_name(int32_t exception, char *buf, size_t len)
{
    if (exception == DIFF_EXC_NONE)
        return "none";
    if (exception == DIFF_EXC_TIMEOUT)
        return "timeout";
    if (exception >= 0 && (size_t)exception < sizeof(case_vector_names) / sizeof(case_vector_names[0]))
        return case_vector_names[exception];
    snprintf(buf, len, "vector %d", (int)exception);
    return buf;
}
