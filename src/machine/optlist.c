/* QEMU-style option value lists and number/size parsing; see optlist.h. */
#include "machine/optlist.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool optlist_parse(const char *opt, const char *s, const char *implied, const char *const *allowed,
                   OptList *out, Error *err)
{
    out->count = 0;
    const char *p = s;
    bool first = true;
    while (*p || first) {
        char elem[sizeof(out->items[0].value)];
        size_t n = 0;
        /* Collect one element, turning ",," into ",". */
        while (*p) {
            if (*p == ',') {
                if (p[1] == ',') {
                    p += 2;
                    if (n + 1 >= sizeof(elem)) {
                        error_setf(err, "%s: value too long", opt);
                        return false;
                    }
                    elem[n++] = ',';
                    continue;
                }
                break;
            }
            if (n + 1 >= sizeof(elem)) {
                error_setf(err, "%s: value too long", opt);
                return false;
            }
            elem[n++] = *p++;
        }
        elem[n] = 0;
        if (*p == ',')
            p++;
        if (out->count == OPTLIST_MAX) {
            error_setf(err, "%s: too many parameters in '%s'", opt, s);
            return false;
        }
        OptPair *pair = &out->items[out->count];
        char *eq = strchr(elem, '=');
        /* `elem` fits in a value; a key must fit in its shorter field. */
        if (first && implied && !eq) {
            snprintf(pair->key, sizeof(pair->key), "%s", implied);
            memcpy(pair->value, elem, n + 1);
        } else if (eq) {
            *eq = 0;
            size_t klen = (size_t)(eq - elem);
            if (klen >= sizeof(pair->key)) {
                error_setf(err, "%s: parameter name too long in '%s'", opt, s);
                return false;
            }
            memcpy(pair->key, elem, klen + 1);
            memcpy(pair->value, eq + 1, n - klen);
        } else {
            if (!elem[0]) {
                error_setf(err, "%s: empty parameter in '%s'", opt, s);
                return false;
            }
            /* A bare flag, as QEMU reads "key" as "key=on". */
            if (strlen(elem) >= sizeof(pair->key)) {
                error_setf(err, "%s: parameter name too long in '%s'", opt, s);
                return false;
            }
            memcpy(pair->key, elem, n + 1);
            strcpy(pair->value, "on");
        }
        bool ok = false;
        for (const char *const *a = allowed; a && *a; a++)
            if (!strcmp(*a, pair->key))
                ok = true;
        if (!ok) {
            error_setf(err, "%s: invalid parameter '%s' in '%s'", opt, pair->key, s);
            return false;
        }
        for (int i = 0; i < out->count; i++) {
            if (!strcmp(out->items[i].key, pair->key)) {
                error_setf(err, "%s: parameter '%s' given twice in '%s'", opt, pair->key, s);
                return false;
            }
        }
        out->count++;
        first = false;
        if (!*p)
            break;
    }
    return true;
}

const char *optlist_get(const OptList *l, const char *key)
{
    for (int i = 0; i < l->count; i++)
        if (!strcmp(l->items[i].key, key))
            return l->items[i].value;
    return NULL;
}

bool parse_uint(const char *opt, const char *what, const char *s, uint64_t max, uint64_t *out, Error *err)
{
    char *end;
    errno = 0;
    if (!*s || *s == '-' || isspace((unsigned char)*s)) {
        error_setf(err, "%s: invalid %s '%s'", opt, what, s);
        return false;
    }
    unsigned long long v = strtoull(s, &end, 0);
    if (*end || errno) {
        error_setf(err, "%s: invalid %s '%s'", opt, what, s);
        return false;
    }
    if (v > max) {
        error_setf(err, "%s: %s '%s' is out of range (at most 0x%llx)", opt, what, s, (unsigned long long)max);
        return false;
    }
    *out = v;
    return true;
}

bool parse_size(const char *opt, const char *s, uint64_t default_unit, uint64_t *out, Error *err)
{
    const char *p = s;
    if (!isdigit((unsigned char)*p)) {
        error_setf(err, "%s: invalid size '%s'", opt, s);
        return false;
    }
    /* Integer and fraction parsed by hand: strtod would take "inf", "1e3". */
    uint64_t ip = 0;
    while (isdigit((unsigned char)*p)) {
        if (ip > (UINT64_MAX - 9) / 10) {
            error_setf(err, "%s: size '%s' is too large", opt, s);
            return false;
        }
        ip = ip * 10 + (uint64_t)(*p++ - '0');
    }
    double frac = 0, scale = 0.1;
    bool has_frac = false;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p)) {
            error_setf(err, "%s: invalid size '%s'", opt, s);
            return false;
        }
        while (isdigit((unsigned char)*p)) {
            frac += (*p++ - '0') * scale;
            scale /= 10;
        }
        has_frac = true;
    }
    uint64_t unit = default_unit;
    if (*p) {
        switch (toupper((unsigned char)*p)) {
        case 'B': unit = 1; break;
        case 'K': unit = 1ULL << 10; break;
        case 'M': unit = 1ULL << 20; break;
        case 'G': unit = 1ULL << 30; break;
        case 'T': unit = 1ULL << 40; break;
        default:
            error_setf(err, "%s: invalid size suffix in '%s' (use B, K, M, G or T)", opt, s);
            return false;
        }
        p++;
        if (*p) {
            error_setf(err, "%s: invalid size '%s'", opt, s);
            return false;
        }
    }
    if (has_frac && unit == 1) {
        error_setf(err, "%s: invalid size '%s' (fractional bytes)", opt, s);
        return false;
    }
    if (ip > UINT64_MAX / unit) {
        error_setf(err, "%s: size '%s' is too large", opt, s);
        return false;
    }
    *out = ip * unit + (uint64_t)(frac * (double)unit);
    return true;
}
