/* jitpc-diff: the differential test of jitpc against the host CPU (issue 3).
 * Generates cases from a seed, runs each natively through the -m32 helper and
 * in jitpc (diff_emulate.c), compares, and on the first mismatch prints a
 * reproducer. --native-only and --selftest exercise the native side alone.
 * Exit: 0 all equal, 1 a mismatch or a failed check, 2 usage or setup error,
 * 77 the emulated side cannot run (CTest SKIP_RETURN_CODE). */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "diff_case.h"
#include "diff_emulate.h"
#include "diff_gen.h"
#include "diff_native_client.h"
#include "diff_report.h"
#include "diff_targeted.h"

#define DIFF_EXIT_EQUAL 0
#define DIFF_EXIT_MISMATCH 1
#define DIFF_EXIT_SETUP 2
#define DIFF_EXIT_SKIP 77

static const char diff_usage[] =
    "usage: jitpc-diff [--seed S] [--count N] [--start I] [--case I] [--verbose]\n"
    "                  [--native-only] [--selftest] [--native PATH] [--list-templates]\n"
    "                  [--accel jit|interp]\n"
    "  --seed S          run seed (default 1); case I depends only on (S, I)\n"
    "  --count N         cases to run (default 1000)\n"
    "  --start I         first case index (default 0), to split long runs\n"
    "  --case I          run only case I and print it (same as --start I --count 1 --verbose)\n"
    "  --verbose         print every case and its end states\n"
    "  --native-only     run the host CPU side only: check it is a valid, repeatable\n"
    "                    reference and that targeted cases give their known answers\n"
    "  --selftest        only the targeted cases' known answers on the host CPU\n"
    "  --native PATH     the -m32 helper (default: the one built with jitpc-diff)\n"
    "  --list-templates  print the generator's instruction templates\n"
    "  --accel B         jitpc's backend: jit (native code, default) or interp (IR interpreter)\n"
    "Exit: 0 equal, 1 mismatch, 2 usage/setup error, 77 emulator unavailable (skip).\n";

static void diff_print_usage(FILE *f)
{
    fputs(diff_usage, f);
    fprintf(f, "Cases 0..%u are hand-written (targeted); later ones are random sequences.\n",
            diff_targeted_count() - 1);
}

typedef struct DiffOptions {
    uint64_t seed;
    uint64_t start, count;
    bool verbose, native_only, selftest, list_templates;
    bool interp;         /* --accel interp */
    const char *native_path;
} DiffOptions;

/* Per-run tallies for the summary line. */
typedef struct DiffStats {
    uint64_t cases, completed;
    uint64_t by_vector[32];
    uint64_t other_exceptions;
} DiffStats;

/* Cases are generated and run natively DIFF_NATIVE_BATCH at a time; `c`,
 * `ref` and `got` point at the one being checked. */
typedef struct DiffRun {
    DiffOptions opt;
    DiffNative *native;
    DiffCase *cases;
    DiffState *refs, *gots;
    DiffCase *c;
    DiffState *ref, *got;
    char invalid[DIFF_NATIVE_BATCH][256]; /* why refs[k] is no valid reference */
    DiffStats stats;
} DiffRun;

static int diff_usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "jitpc-diff: %s%s%s\n", what, arg ? ": " : "", arg ? arg : "");
    diff_print_usage(stderr);
    return DIFF_EXIT_SETUP;
}

static bool diff_parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!s || !*s || *s == '-')
        return false;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

/* Parses argv; returns -1 to go on, else an exit code. */
static int diff_parse_args(int argc, char **argv, DiffOptions *o)
{
    *o = (DiffOptions){.seed = 1, .count = 1000};
    bool have_case = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t n;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            diff_print_usage(stdout);
            return DIFF_EXIT_EQUAL;
        } else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
            o->verbose = true;
        } else if (!strcmp(a, "--native-only")) {
            o->native_only = true;
        } else if (!strcmp(a, "--selftest")) {
            o->selftest = true;
        } else if (!strcmp(a, "--list-templates")) {
            o->list_templates = true;
        } else if (!strcmp(a, "--accel")) {
            if (!v || (strcmp(v, "jit") && strcmp(v, "interp")))
                return diff_usage_error("--accel takes jit or interp", v);
            o->interp = !strcmp(v, "interp");
            i++;
        } else if (!strcmp(a, "--native")) {
            if (!v)
                return diff_usage_error("--native needs a path", NULL);
            o->native_path = v;
            i++;
        } else if (!strcmp(a, "--seed") || !strcmp(a, "--count") || !strcmp(a, "--start") ||
                   !strcmp(a, "--case")) {
            if (!diff_parse_u64(v, &n))
                return diff_usage_error("expected a non-negative number after", a);
            i++;
            if (!strcmp(a, "--seed")) {
                o->seed = n;
            } else if (!strcmp(a, "--count")) {
                o->count = n;
            } else if (!strcmp(a, "--start")) {
                o->start = n;
            } else {
                o->start = n;
                have_case = true;
            }
        } else {
            return diff_usage_error("unknown argument", a);
        }
    }
    if (have_case) {
        o->count = 1;
        o->verbose = true;
    }
    if (o->count == 0)
        return diff_usage_error("--count must be at least 1", NULL);
    if (o->start > UINT32_MAX || o->count > (uint64_t)UINT32_MAX + 1 - o->start)
        return diff_usage_error("case indices must stay below 2^32", NULL);
    return -1;
}

/* The helper built with this driver, else "diff-native" beside the executable. */
static const char *diff_native_path(const DiffOptions *o, char *buf, size_t len)
{
    if (o->native_path)
        return o->native_path;
#ifdef JITPC_DIFF_NATIVE
    if (!access(JITPC_DIFF_NATIVE, X_OK))
        return JITPC_DIFF_NATIVE;
#endif
    ssize_t n = readlink("/proc/self/exe", buf, len - 1);
    if (n > 0) {
        buf[n] = '\0';
        char *slash = strrchr(buf, '/');
        if (slash && (size_t)(slash - buf) + sizeof("/diff-native") <= len) {
            strcpy(slash, "/diff-native");
            return buf;
        }
    }
    return "diff-native";
}

static void diff_rerun_command(const DiffRun *run, char *buf, size_t len)
{
    snprintf(buf, len, "jitpc-diff --seed %" PRIu64 " --case %" PRIu32 "%s%s", run->opt.seed, run->c->index,
             run->opt.native_only ? " --native-only" : "", run->opt.interp ? " --accel interp" : "");
}

static void diff_count(DiffStats *st, const DiffState *s)
{
    st->cases++;
    if (s->exception == DIFF_EXC_NONE)
        st->completed++;
    else if (s->exception >= 0 && s->exception < 32)
        st->by_vector[s->exception]++;
    else
        st->other_exceptions++;
}

static void diff_print_summary(const DiffRun *run, const char *what, double seconds)
{
    char name[16];
    printf("jitpc-diff: %" PRIu64 " cases %s%s (seed %" PRIu64 ", cases %" PRIu64 "..%" PRIu64 ", %.1f s): "
           "%" PRIu64 " reached the end",
           run->stats.cases, what, run->opt.native_only ? "" : run->opt.interp ? " (interp)" : " (jit)",
           run->opt.seed, run->opt.start, run->opt.start + run->opt.count - 1, seconds,
           run->stats.completed);
    for (int v = 0; v < 32; v++)
        if (run->stats.by_vector[v])
            printf(", %" PRIu64 " %s", run->stats.by_vector[v], diff_exception_name(v, name, sizeof(name)));
    if (run->stats.other_exceptions)
        printf(", %" PRIu64 " other", run->stats.other_exceptions);
    printf("\n");
}

/* Which instruction may raise each exception natively in a valid case: any
 * other vector (#GP, #PF, #AC...) means the generator let an access escape
 * the data area, or an encoding the host does not take. Opcode after the
 * legacy prefixes. */
static bool diff_vector_plausible(const DiffCase *c, int32_t vector, uint32_t off)
{
    static const uint8_t prefixes[] = {0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x26, 0x2e, 0x36, 0x3e};
    uint32_t i = off;
    while (i < c->code_len && memchr(prefixes, c->code[i], sizeof(prefixes)))
        i++;
    uint8_t op = i < c->code_len ? c->code[i] : 0, op2 = i + 1 < c->code_len ? c->code[i + 1] : 0;
    switch (vector) {
    case 0: /* #DE: DIV, IDIV, AAM */
        return ((op == 0xf6 || op == 0xf7) && ((op2 >> 3) & 7) >= 6) || op == 0xd4;
    case 3:
        return op == 0xcc;
    case 4:
        return op == 0xce;
    case 5:
        return op == 0x62;
    case 6: /* #UD: UD2, or a targeted case that asks for it */
        return (op == 0x0f && op2 == 0x0b) || c->name;
    default:
        return false;
    }
}

/* Checks that a native result can serve as the reference. */
static bool diff_native_valid(const DiffCase *c, const DiffState *s, const DiffNativeInfo *info, char *why,
                              size_t len)
{
    char name[16];
    why[0] = '\0';
    if (info->harness_fault) {
        snprintf(why, len, "signal %s outside the snippet (EIP offset %" PRIx32 ")",
                 diff_exception_name(info->vector, name, sizeof(name)), info->eip_offset);
        return false;
    }
    if (s->exception != DIFF_EXC_NONE) {
        if (diff_case_insn_at(c, s->fault_offset) < 0) {
            snprintf(why, len, "%s at +%04" PRIx32 ", which is no instruction boundary",
                     diff_exception_name(s->exception, name, sizeof(name)), s->fault_offset);
            return false;
        }
        if (!diff_vector_plausible(c, s->exception, s->fault_offset)) {
            snprintf(why, len, "%s at +%04" PRIx32 " (error code %" PRIx32 ", address %08" PRIx32
                     "): the case leaves its sandbox",
                     diff_exception_name(s->exception, name, sizeof(name)), s->fault_offset, info->error_code,
                     info->fault_addr);
            return false;
        }
    }
    uint32_t esp = s->regs[DIFF_ESP];
    if (esp < DIFF_DATA_BASE || esp > DIFF_DATA_END) {
        snprintf(why, len, "ESP %08" PRIx32 " left the data area", esp);
        return false;
    }
    return true;
}

static bool diff_states_identical(const DiffState *a, const DiffState *b)
{
    return !memcmp(a->regs, b->regs, sizeof(a->regs)) && a->eflags == b->eflags &&
           a->exception == b->exception && a->fault_offset == b->fault_offset &&
           !memcmp(a->data, b->data, DIFF_DATA_SIZE);
}

/* Runs the current case natively; on a helper failure prints why. */
static bool diff_run_native(DiffRun *run, DiffState *out, DiffNativeInfo *info)
{
    char why[256];
    if (diff_native_run(run->native, run->c, out, info, why, sizeof(why)))
        return true;
    fprintf(stderr, "jitpc-diff: case %" PRIu32 ": %s\n", run->c->index, why);
    return false;
}

static void diff_print_case(DiffRun *run, FILE *f, uint32_t mark)
{
    char rerun[128];
    diff_rerun_command(run, rerun, sizeof(rerun));
    diff_report_case(f, run->c, rerun, mark);
}

/* --selftest: the targeted cases' known answers on the host CPU. */
static int diff_selftest(DiffRun *run)
{
    unsigned n = diff_targeted_count(), failed = 0;
    DiffNativeInfo info;
    char why[256];
    for (unsigned i = 0; i < n; i++) {
        diff_gen_case(run->opt.seed, i, run->c);
        if (!diff_run_native(run, run->ref, &info))
            return DIFF_EXIT_SETUP;
        bool ok = diff_native_valid(run->c, run->ref, &info, why, sizeof(why)) &&
                  diff_targeted_check(i, run->ref, why, sizeof(why));
        if (!ok || run->opt.verbose)
            printf("%s %3u %s%s%s\n", ok ? "ok  " : "FAIL", i, run->c->name, ok ? "" : ": ", ok ? "" : why);
        if (!ok) {
            failed++;
            diff_print_case(run, stdout, run->ref->exception >= 0 ? run->ref->fault_offset : UINT32_MAX);
            diff_report_state(stdout, "host CPU", run->c, run->ref);
        }
    }
    printf("jitpc-diff: selftest: %u of %u known answers match on the host CPU\n", n - failed, n);
    return failed ? DIFF_EXIT_MISMATCH : DIFF_EXIT_EQUAL;
}

/* Generates cases first..first+n-1 and runs each natively `times` times
 * (results in refs[], and gots[] for a second run). */
static bool diff_run_batch(DiffRun *run, uint64_t first, unsigned n, unsigned times)
{
    DiffNativeInfo info;
    char why[256];
    for (unsigned k = 0; k < n; k++)
        diff_gen_case(run->opt.seed, (uint32_t)(first + k), &run->cases[k]);
    for (unsigned t = 0; t < times; t++) {
        for (unsigned k = 0; k < n; k++) {
            if (!diff_native_send(run->native, &run->cases[k], why, sizeof(why))) {
                fprintf(stderr, "jitpc-diff: case %" PRIu64 ": %s\n", first + k, why);
                return false;
            }
        }
        DiffState *out = t ? run->gots : run->refs;
        for (unsigned k = 0; k < n; k++) {
            if (!diff_native_receive(run->native, &run->cases[k], &out[k], &info, why, sizeof(why))) {
                fprintf(stderr, "jitpc-diff: case %" PRIu64 ": %s\n", first + k, why);
                return false;
            }
            /* An invalid reference is reported when its case comes up. */
            if (!t)
                diff_native_valid(&run->cases[k], &out[k], &info, run->invalid[k], sizeof(run->invalid[k]));
        }
    }
    return true;
}

static double diff_seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static uint32_t diff_mark(const DiffState *s)
{
    return s->exception >= 0 ? s->fault_offset : UINT32_MAX;
}

/* --native-only: every case must be a valid reference, repeat exactly, and
 * (targeted ones) give its known answer. */
static int diff_native_only(DiffRun *run)
{
    char why[256];
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint64_t end = run->opt.start + run->opt.count;
    for (uint64_t first = run->opt.start; first < end; first += DIFF_NATIVE_BATCH) {
        unsigned n = (unsigned)(end - first < DIFF_NATIVE_BATCH ? end - first : DIFF_NATIVE_BATCH);
        if (!diff_run_batch(run, first, n, 2))
            return DIFF_EXIT_SETUP;
        for (unsigned k = 0; k < n; k++) {
            run->c = &run->cases[k];
            run->ref = &run->refs[k];
            run->got = &run->gots[k];
            bool ok = true;
            if (run->invalid[k][0]) {
                snprintf(why, sizeof(why), "%s", run->invalid[k]);
                ok = false;
            } else if (!diff_states_identical(run->ref, run->got)) {
                snprintf(why, sizeof(why), "two native runs of the case differ");
                ok = false;
            } else if (run->c->index < diff_targeted_count()) {
                ok = diff_targeted_check(run->c->index, run->ref, why, sizeof(why));
            }
            if (!ok || run->opt.verbose) {
                if (!ok)
                    printf("jitpc-diff: native check failed: %s\n", why);
                diff_print_case(run, stdout, diff_mark(run->ref));
                diff_report_state(stdout, "host CPU", run->c, run->ref);
            }
            if (!ok)
                return DIFF_EXIT_MISMATCH;
            diff_count(&run->stats, run->ref);
        }
    }
    diff_print_summary(run, "valid and repeatable on the host CPU", diff_seconds_since(&t0));
    return DIFF_EXIT_EQUAL;
}

/* The differential run: host CPU against jitpc. */
static int diff_host_vs_jitpc(DiffRun *run)
{
    char why[256];
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint64_t end = run->opt.start + run->opt.count;
    for (uint64_t first = run->opt.start; first < end; first += DIFF_NATIVE_BATCH) {
        unsigned n = (unsigned)(end - first < DIFF_NATIVE_BATCH ? end - first : DIFF_NATIVE_BATCH);
        if (!diff_run_batch(run, first, n, 1))
            return DIFF_EXIT_SETUP;
        for (unsigned k = 0; k < n; k++) {
            run->c = &run->cases[k];
            run->ref = &run->refs[k];
            run->got = &run->gots[0];
            if (run->invalid[k][0]) {
                printf("jitpc-diff: the host CPU result is no valid reference (a generator bug): %s\n",
                       run->invalid[k]);
                diff_print_case(run, stdout, diff_mark(run->ref));
                diff_report_state(stdout, "host CPU", run->c, run->ref);
                return DIFF_EXIT_MISMATCH;
            }
            if (!diff_emulate(run->c, run->got, why, sizeof(why))) {
                printf("jitpc-diff: skipped: the emulated side cannot run (%s)\n", why);
                return DIFF_EXIT_SKIP;
            }
            DiffMismatch m;
            bool equal = diff_compare(run->c, run->ref, run->got, &m);
            if (!equal || run->opt.verbose) {
                if (!equal)
                    printf("jitpc-diff: MISMATCH between the host CPU and jitpc\n");
                uint32_t mark = diff_mark(run->ref) != UINT32_MAX ? diff_mark(run->ref) : diff_mark(run->got);
                diff_print_case(run, stdout, mark);
                diff_report_mismatch(stdout, run->c, "host", run->ref, "jitpc", run->got, &m);
            }
            if (!equal)
                return DIFF_EXIT_MISMATCH;
            diff_count(&run->stats, run->ref);
        }
    }
    diff_print_summary(run, "equal on the host CPU and in jitpc", diff_seconds_since(&t0));
    return DIFF_EXIT_EQUAL;
}

int main(int argc, char **argv)
{
    DiffRun run = {0};
    int rc = diff_parse_args(argc, argv, &run.opt);
    if (rc >= 0)
        return rc;
    if (run.opt.list_templates) {
        for (size_t i = 0; i < diff_gen_template_count(); i++)
            printf("%s\n", diff_gen_template_name(i));
        printf("jitpc-diff: %zu templates\n", diff_gen_template_count());
        return DIFF_EXIT_EQUAL;
    }
    diff_emulate_use_jit(!run.opt.interp);
    /* A dead helper must show up as a failed write, not kill the driver. */
    signal(SIGPIPE, SIG_IGN);

    run.native = malloc(sizeof(*run.native));
    run.cases = calloc(DIFF_NATIVE_BATCH, sizeof(*run.cases));
    run.refs = calloc(DIFF_NATIVE_BATCH, sizeof(*run.refs));
    run.gots = calloc(DIFF_NATIVE_BATCH, sizeof(*run.gots));
    run.c = run.cases;
    run.ref = run.refs;
    run.got = run.gots;
    if (!run.native || !run.cases || !run.refs || !run.gots) {
        fprintf(stderr, "jitpc-diff: out of memory\n");
        return DIFF_EXIT_SETUP;
    }
    char path[PATH_MAX], why[512];
    if (!diff_native_start(run.native, diff_native_path(&run.opt, path, sizeof(path)), why, sizeof(why))) {
        fprintf(stderr, "jitpc-diff: %s\n", why);
        return DIFF_EXIT_SETUP;
    }
    fflush(stdout);
    if (run.opt.selftest)
        rc = diff_selftest(&run);
    else if (run.opt.native_only)
        rc = diff_native_only(&run);
    else
        rc = diff_host_vs_jitpc(&run);
    diff_native_stop(run.native);
    free(run.native);
    free(run.cases);
    free(run.refs);
    free(run.gots);
    return rc;
}
