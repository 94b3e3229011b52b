/* jitpc-lockstep: the IR interpreter against the native JIT (lockstep.h
 * has the guest layout). For each case both CPUs start from the same RAM
 * and state and are stepped by the same random instruction counts
 * (cpu_exec stops exactly at the budget on both backends); NMIs and
 * external interrupts are raised on both before the same step. After every
 * step the whole architectural state and all RAM are compared; the first
 * difference prints a reproducer.
 * Exit: 0 all equal, 1 a difference, 2 usage error, 77 no native backend. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu/cpu.h"
#include "cpu/debug.h"
#include "cpu/mem.h"
#include "diff_report.h"
#include "lockstep.h"

#define LS_EXIT_EQUAL 0
#define LS_EXIT_DIFFERENT 1
#define LS_EXIT_USAGE 2
#define LS_EXIT_SKIP 77

#define LS_CASE_INSNS 20000     /* a case longer than this stops (equal so far) */
#define LS_STEP_MAX 50

/* An interrupt controller stand-in: INTR asserted while `pending`. */
typedef struct LsPic {
    unsigned pending;
    uint8_t vector;
} LsPic;

typedef struct LsRig {
    const char *name;
    AddressSpace mem, io;
    uint8_t *low, *code, *data;
    Clock clock;
    Log log;
    LsPic pic;
    CpuState cpu;
} LsRig;

static bool ls_pic_pending(void *opaque)
{
    return ((LsPic *)opaque)->pending > 0;
}

static uint8_t ls_pic_ack(void *opaque)
{
    LsPic *p = opaque;
    if (p->pending)
        p->pending--;
    return p->vector;
}

static bool ls_rig_init(LsRig *r, const char *name, bool jit, char *why, size_t len)
{
    Error err = {0};
    r->name = name;
    r->low = calloc(1, LS_LOW_SIZE);
    r->code = calloc(1, LS_CODE_SIZE);
    r->data = calloc(1, LS_DATA_SIZE);
    if (!r->low || !r->code || !r->data) {
        snprintf(why, len, "out of memory");
        return false;
    }
    as_init(&r->mem, "memory", PHYS_ADDR_SPACE_SIZE, &r->log);
    as_init(&r->io, "ioport", IO_PORT_SPACE_SIZE, &r->log);
    if (!as_map_ram(&r->mem, LS_LOW_BASE, LS_LOW_SIZE, r->low, "low", &err) ||
        !as_map_ram(&r->mem, LS_CODE_BASE, LS_CODE_SIZE, r->code, "code", &err) ||
        !as_map_ram(&r->mem, LS_DATA_BASE, LS_DATA_SIZE, r->data, "data", &err)) {
        snprintf(why, len, "%s", err.msg);
        return false;
    }
    clock_init_deterministic(&r->clock, 0);
    cpu_init(&r->cpu, &r->mem, &r->io, &r->clock, &r->log);
    if (!cpu_set_backend(&r->cpu, jit, 32u << 20, false, why, len))
        return false;
    r->cpu.intr = (CpuIntrSource){ls_pic_pending, ls_pic_ack, &r->pic};
    return true;
}

static void ls_rig_free(LsRig *r)
{
    cpu_destroy(&r->cpu);
    clock_destroy(&r->clock);
    as_destroy(&r->mem);
    as_destroy(&r->io);
    free(r->low);
    free(r->code);
    free(r->data);
}

static void ls_rig_load(LsRig *r, const LsProgram *p)
{
    memcpy(r->low, p->low, LS_LOW_SIZE);
    memcpy(r->code, p->code, LS_CODE_SIZE);
    memcpy(r->data, p->data, LS_DATA_SIZE);
    CpuState *cpu = &r->cpu;
    tb_flush(&cpu->engine.cache);
    tb_cache_collect(&cpu->engine.cache);
    cpu_reset(cpu, cpu_model_default());
    cpu_enter_multiboot(cpu, LS_DRIVER, 0);
    cpu_tlb_flush(cpu);
    cpu->stop_on_exception = false;
    r->pic = (LsPic){0};
}

/* ---- comparing ---- */

typedef struct LsField {
    char name[16];
    uint64_t a, b;
} LsField;

typedef struct LsFields {
    LsField f[96];
    unsigned n;
} LsFields;

static void ls_field(LsFields *fs, const char *name, uint64_t a, uint64_t b)
{
    LsField *f = &fs->f[fs->n++];
    snprintf(f->name, sizeof(f->name), "%s", name);
    f->a = a;
    f->b = b;
}

static void ls_seg_fields(LsFields *fs, const char *name, const SegmentCache *a, const SegmentCache *b)
{
    char n[16];
    snprintf(n, sizeof(n), "%s.sel", name);
    ls_field(fs, n, a->selector, b->selector);
    snprintf(n, sizeof(n), "%s.base", name);
    ls_field(fs, n, a->base, b->base);
    snprintf(n, sizeof(n), "%s.limit", name);
    ls_field(fs, n, a->limit, b->limit);
    snprintf(n, sizeof(n), "%s.flags", name);
    ls_field(fs, n, a->flags, b->flags);
}

/* Everything architectural the two CPUs must agree on, as name/value pairs. */
static void ls_collect(const CpuState *a, const CpuState *b, int st_a, int st_b, LsFields *fs)
{
    static const char *const regs[] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
    static const char *const segs[] = {"es", "cs", "ss", "ds", "fs", "gs"};
    fs->n = 0;
    ls_field(fs, "status", (uint64_t)st_a, (uint64_t)st_b);
    ls_field(fs, "insns", a->insns_retired, b->insns_retired);
    for (int i = 0; i < 8; i++)
        ls_field(fs, regs[i], a->regs[i], b->regs[i]);
    ls_field(fs, "eip", a->eip, b->eip);
    ls_field(fs, "eflags", cpu_get_eflags(a), cpu_get_eflags(b));
    for (int i = 0; i < SEG_COUNT; i++)
        ls_seg_fields(fs, segs[i], &a->seg[i], &b->seg[i]);
    for (int i = 0; i < 5; i++) {
        char n[8];
        snprintf(n, sizeof(n), "cr%d", i);
        ls_field(fs, n, a->cr[i], b->cr[i]);
    }
    ls_field(fs, "gdt.base", a->gdt_base, b->gdt_base);
    ls_field(fs, "gdt.limit", a->gdt_limit, b->gdt_limit);
    ls_field(fs, "idt.base", a->idt_base, b->idt_base);
    ls_field(fs, "idt.limit", a->idt_limit, b->idt_limit);
    ls_seg_fields(fs, "ldt", &a->ldt, &b->ldt);
    ls_seg_fields(fs, "tr", &a->tr, &b->tr);
    ls_field(fs, "halted", a->halted, b->halted);
    ls_field(fs, "irq_inhibit", a->irq_inhibit, b->irq_inhibit);
    ls_field(fs, "nmi_pending", a->nmi_pending, b->nmi_pending);
    ls_field(fs, "nmi_blocked", a->nmi_blocked, b->nmi_blocked);
    ls_field(fs, "dr6", a->dr[6], b->dr[6]);
    ls_field(fs, "dr7", a->dr[7], b->dr[7]);
    ls_field(fs, "fpu.fcw", a->fpu.fcw, b->fpu.fcw);
    ls_field(fs, "fpu.fsw", a->fpu.fsw, b->fpu.fsw);
    ls_field(fs, "fpu.top", a->fpu.top, b->fpu.top);
    ls_field(fs, "fpu.ftw", a->fpu.ftw, b->fpu.ftw);
    ls_field(fs, "mxcsr", a->fpu.mxcsr, b->fpu.mxcsr);
    uint64_t st_diff = 0;
    for (int i = 0; i < 8; i++)
        st_diff |= (a->fpu.st[i].mant ^ b->fpu.st[i].mant) | (uint64_t)(a->fpu.st[i].se ^ b->fpu.st[i].se);
    ls_field(fs, "fpu.st/mm", 0, st_diff ? 1 : 0);
    ls_field(fs, "xmm", 0, memcmp(a->fpu.xmm, b->fpu.xmm, sizeof(a->fpu.xmm)) ? 1 : 0);
}

static bool ls_fields_equal(const LsFields *fs)
{
    for (unsigned i = 0; i < fs->n; i++)
        if (fs->f[i].a != fs->f[i].b)
            return false;
    return true;
}

static bool ls_ram_equal(const LsRig *a, const LsRig *b)
{
    return !memcmp(a->low, b->low, LS_LOW_SIZE) && !memcmp(a->code, b->code, LS_CODE_SIZE) &&
           !memcmp(a->data, b->data, LS_DATA_SIZE);
}

static unsigned ls_report_ram_piece(FILE *f, const char *name, uint32_t base, const uint8_t *a,
                                    const uint8_t *b, uint32_t size, const uint8_t *init, unsigned shown)
{
    unsigned n = 0;
    for (uint32_t i = 0; i < size; i++) {
        if (a[i] == b[i])
            continue;
        if (shown + n < 24)
            fprintf(f, "    %08" PRIx32 " (%s): initial %02x, interp %02x, jit %02x\n", base + i, name, init[i], a[i],
                    b[i]);
        n++;
    }
    return n;
}

/* ---- running ---- */

typedef struct LsOptions {
    uint64_t seed, start, count;
    bool verbose;
} LsOptions;

typedef struct LsRun {
    LsOptions opt;
    LsRig interp, jit;
    LsProgram *prog;
    uint64_t steps, insns, nmis, intrs;
    uint64_t vectors[LS_IDT_VECTORS];
} LsRun;

static const char *ls_status_name(int st)
{
    static const char *const names[] = {"exit", "halted", "budget", "exception", "shutdown"};
    return st >= 0 && st < 5 ? names[st] : "?";
}

static void ls_report(LsRun *run, uint64_t step, uint32_t n, const char *events, int st_a, int st_b)
{
    const LsProgram *p = run->prog;
    CpuState *a = &run->interp.cpu, *b = &run->jit.cpu;
    char rerun[128];
    printf("jitpc-lockstep: DIFFERENCE between the interpreter and the JIT\n");
    snprintf(rerun, sizeof(rerun), "jitpc-lockstep --seed %" PRIu64 " --case %" PRIu32, p->seed, p->index);
    printf("case %" PRIu32 " of seed %" PRIu64 "; re-run: %s\n", p->index, p->seed, rerun);
    printf("step %" PRIu64 ": cpu_exec(cpu, %" PRIu32 ") from %" PRIu64 " instructions retired%s%s; "
           "status interp %s, jit %s\n",
           step, n, a->insns_retired < b->insns_retired ? a->insns_retired : b->insns_retired, events[0] ? ", " : "",
           events, ls_status_name(st_a), ls_status_name(st_b));
    ls_print_program(stdout, p);
    printf("snippet (diff_gen case; its initial registers are loaded by the driver):\n");
    diff_report_case(stdout, &p->snippet, rerun, UINT32_MAX);
    LsFields fs;
    ls_collect(a, b, st_a, st_b, &fs);
    printf("state after the step:\n               interp            jit\n");
    for (unsigned i = 0; i < fs.n; i++) {
        const LsField *f = &fs.f[i];
        printf("  %-12s %-16" PRIx64 "  %-16" PRIx64 "%s\n", f->name, f->a, f->b, f->a != f->b ? "  <<" : "");
    }
    unsigned shown = 0;
    printf("RAM differences:\n");
    shown += ls_report_ram_piece(stdout, "low", LS_LOW_BASE, run->interp.low, run->jit.low, LS_LOW_SIZE, p->low, shown);
    shown += ls_report_ram_piece(stdout, "code", LS_CODE_BASE, run->interp.code, run->jit.code, LS_CODE_SIZE, p->code,
                                 shown);
    shown += ls_report_ram_piece(stdout, "data", LS_DATA_BASE, run->interp.data, run->jit.data, LS_DATA_SIZE, p->data,
                                 shown);
    printf("  %u byte(s) differ\n", shown);
}

/* Runs one case; false on the first difference (reported). */
static bool ls_run_case(LsRun *run, uint32_t index)
{
    LsProgram *p = run->prog;
    ls_gen_program(run->opt.seed, index, p);
    ls_rig_load(&run->interp, p);
    ls_rig_load(&run->jit, p);
    if (run->opt.verbose)
        ls_print_program(stdout, p);
    LsRng r;
    ls_rng_seed(&r, run->opt.seed, index, 1);
    CpuState *a = &run->interp.cpu, *b = &run->jit.cpu;
    uint64_t start = a->insns_retired;     /* counts on from earlier cases */
    for (uint64_t step = 1;; step++) {
        char events[64] = "";
        if (ls_rng_below(&r, 100) < 6) {
            cpu_raise_nmi(a);
            cpu_raise_nmi(b);
            run->nmis++;
            snprintf(events, sizeof(events), "NMI raised before it");
        } else if (ls_rng_below(&r, 100) < 8) {
            uint8_t v = (uint8_t)(LS_INTR_VECTOR + ls_rng_below(&r, 8));
            run->interp.pic = run->jit.pic = (LsPic){1, v};
            run->intrs++;
            snprintf(events, sizeof(events), "INTR (vector %02x) asserted before it", v);
        }
        uint32_t n = 1 + ls_rng_below(&r, LS_STEP_MAX);
        int st_a = (int)cpu_exec(a, n);
        int st_b = (int)cpu_exec(b, n);
        run->steps++;
        LsFields fs;
        ls_collect(a, b, st_a, st_b, &fs);
        bool equal = ls_fields_equal(&fs) && ls_ram_equal(&run->interp, &run->jit);
        if (run->opt.verbose) {
            uint32_t vec, err;
            memcpy(&vec, run->interp.low + LS_LAST_VECTOR, 4);
            memcpy(&err, run->interp.low + LS_LAST_ERROR, 4);
            printf("step %" PRIu64 ": +%" PRIu32 " -> %s, eip %08" PRIx32 ", %" PRIu64 " retired, last vector %02" PRIx32
                   " (error %04" PRIx32 ")%s%s\n",
                   step, n, ls_status_name(st_a), a->eip, a->insns_retired - start, vec, err, events[0] ? "; " : "",
                   events);
        }
        if (!equal) {
            ls_report(run, step, n, events, st_a, st_b);
            return false;
        }
        if (st_a == CPU_EXEC_SHUTDOWN || (st_a == CPU_EXEC_HALTED && !a->nmi_pending) ||
            a->insns_retired - start >= LS_CASE_INSNS)
            break;
    }
    run->insns += a->insns_retired - start;
    for (unsigned v = 0; v < LS_IDT_VECTORS; v++) {
        uint32_t cnt;
        memcpy(&cnt, run->interp.low + LS_COUNTERS + v * 4, 4);
        run->vectors[v] += cnt;
    }
    return true;
}

static int ls_usage(const char *what, const char *arg)
{
    if (what)
        fprintf(stderr, "jitpc-lockstep: %s%s%s\n", what, arg ? ": " : "", arg ? arg : "");
    fprintf(what ? stderr : stdout,
            "usage: jitpc-lockstep [--seed S] [--count N] [--start I] [--case I] [--verbose]\n"
            "  Runs random guest programs on the IR interpreter and on the native JIT in\n"
            "  lockstep and compares the whole state after every step.\n"
            "  --seed S   run seed (default 1); case I depends only on (S, I)\n"
            "  --count N  cases to run (default 1000)\n"
            "  --start I  first case index (default 0)\n"
            "  --case I   run only case I, printing every step\n"
            "  --verbose  print every step\n"
            "Exit: 0 equal, 1 difference, 2 usage error, 77 no native backend (skip).\n");
    return what ? LS_EXIT_USAGE : LS_EXIT_EQUAL;
}

static int ls_parse_args(int argc, char **argv, LsOptions *o)
{
    *o = (LsOptions){.seed = 1, .count = 1000};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h"))
            return ls_usage(NULL, NULL);
        if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
            o->verbose = true;
            continue;
        }
        if (strcmp(a, "--seed") && strcmp(a, "--count") && strcmp(a, "--start") && strcmp(a, "--case"))
            return ls_usage("unknown argument", a);
        char *end;
        errno = 0;
        if (!v || *v == '-' || !*v)
            return ls_usage("expected a non-negative number after", a);
        unsigned long long n = strtoull(v, &end, 0);
        if (errno || *end)
            return ls_usage("expected a non-negative number after", a);
        i++;
        if (!strcmp(a, "--seed")) {
            o->seed = n;
        } else if (!strcmp(a, "--count")) {
            o->count = n;
        } else if (!strcmp(a, "--start")) {
            o->start = n;
        } else {
            o->start = n;
            o->count = 1;
            o->verbose = true;
        }
    }
    if (o->count == 0 || o->start > UINT32_MAX || o->count > (uint64_t)UINT32_MAX + 1 - o->start)
        return ls_usage("cases must be at least one, with indices below 2^32", NULL);
    return -1;
}

int main(int argc, char **argv)
{
    static LsRun run;
    int rc = ls_parse_args(argc, argv, &run.opt);
    if (rc >= 0)
        return rc;
    char why[600];
    if (!cpu_jit_available()) {
        printf("jitpc-lockstep: skipped: no native backend on this host\n");
        return LS_EXIT_SKIP;
    }
    run.prog = malloc(sizeof(*run.prog));
    if (!run.prog || !ls_rig_init(&run.interp, "interp", false, why, sizeof(why)) ||
        !ls_rig_init(&run.jit, "jit", true, why, sizeof(why))) {
        printf("jitpc-lockstep: skipped: %s\n", run.prog ? why : "out of memory");
        return LS_EXIT_SKIP;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = LS_EXIT_EQUAL;
    for (uint64_t i = run.opt.start; i < run.opt.start + run.opt.count; i++) {
        if (!ls_run_case(&run, (uint32_t)i)) {
            rc = LS_EXIT_DIFFERENT;
            break;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (rc == LS_EXIT_EQUAL) {
        printf("jitpc-lockstep: %" PRIu64 " cases, %" PRIu64 " steps, %" PRIu64 " instructions, all equal "
               "(seed %" PRIu64 ", cases %" PRIu64 "..%" PRIu64 ", %.1f s; %" PRIu64 " NMIs, %" PRIu64
               " INTRs raised; delivered:",
               run.opt.count, run.steps, run.insns, run.opt.seed, run.opt.start, run.opt.start + run.opt.count - 1,
               secs, run.nmis, run.intrs);
        for (unsigned v = 0; v < LS_IDT_VECTORS; v++)
            if (run.vectors[v])
                printf(" %02x:%" PRIu64, v, run.vectors[v]);
        printf(")\n");
    }
    ls_rig_free(&run.interp);
    ls_rig_free(&run.jit);
    free(run.prog);
    return rc;
}
