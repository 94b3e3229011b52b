/* Command-line parsing, QEMU-compatible where jitpc offers the feature:
 * test harnesses written for qemu-system-i386 run unchanged. Options that
 * later issues implement are rejected until they work. Both -opt and
 * --opt spellings are accepted, as QEMU does. */
#include "machine/cmdline.h"

#include <stdlib.h>
#include <string.h>

#include "devices/mc146818_rtc.h"
#include "machine/optlist.h"

void config_init(MachineConfig *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->action = ACTION_RUN;
    cfg->ram_size = RAM_SIZE_DEFAULT;
    cfg->display = DISPLAY_NONE;
    cfg->cpu_model = cpu_model_default();
    cfg->tb_size_mib = TB_SIZE_DEFAULT_MIB;
}

void config_free(MachineConfig *cfg)
{
    free(cfg->bios);
    free(cfg->kernel);
    free(cfg->initrd);
    free(cfg->append);
    free(cfg->log_file);
    cfg->bios = cfg->kernel = cfg->initrd = cfg->append = cfg->log_file = NULL;
}

typedef bool OptionHandler(MachineConfig *cfg, const char *opt, const char *arg, Error *err);

typedef struct Option {
    const char *name;
    bool has_arg;
    OptionHandler *handler;
} Option;

static bool set_string(char **dst, const char *opt, const char *arg, Error *err)
{
    if (!*arg) {
        error_setf(err, "%s: empty file name", opt);
        return false;
    }
    free(*dst);
    *dst = strdup(arg);
    return true;
}

static bool opt_m(MachineConfig *cfg, const char *opt, const char *arg, Error *err)
{
    static const char *const keys[] = {"size", NULL};
    OptList l;
    if (!optlist_parse(opt, arg, "size", keys, &l, err))
        return false;
    const char *s = optlist_get(&l, "size");
    uint64_t size;
    if (!s || !parse_size(opt, s, 1ULL << 20, &size, err))
        return false;
    if (size < RAM_SIZE_MIN) {
        error_setf(err, "%s: %s is too little memory (at least 2 MiB)", opt, s);
        return false;
    }
    if (size > RAM_SIZE_MAX) {
        error_setf(err, "%s: %s is more memory than the guest can address (at most 63.5 GiB with PAE)", opt, s);
        return false;
    }
    cfg->ram_size = (size + 0xFFF) & ~0xFFFULL;     /* whole pages */
    return true;
}

static bool opt_bios(MachineConfig *cfg, const char *opt, const char *arg, Error *err)
{
    return set_string(&cfg->bios, opt, arg, err);
}

static bool opt_kernel(MachineConfig *cfg, const char *opt, const char *arg, Error *err)
{
    return set_string(&cfg->kernel, opt, arg, err);
}

static bool opt_initrd(MachineConfig *cfg, const char *opt, const char *arg, Error *err)
{
    return set_string(&cfg->initrd, opt, arg, err);
}

static bool opt_append(MachineConfig *cfg, const char *opt, const char *arg, Error *err)
{
    (void)opt;
    (void)err;
    free(cfg->append);
    cfg->append = strdup(arg);
    return true;
}

static bool opt_serial(MachineConfig *cfg, const char *opt, const char *arg, Error *err)
{
    if (cfg->serial_count == CONFIG_MAX_SERIAL) {
        error_setf(err, "%s: too many serial ports (jitpc has COM1 and COM2)", opt);
        return false;
    }
    int i = cfg->serial_count;
    if (!strcmp(arg, "none")) {
        cfg->serial_none[i] = true;
    } else if (!strncmp(arg, "chardev:", 8)) {
        /* Resolved against the -chardev ids when the machine is built. */
        if (!arg[8] || strlen(arg + 8) >= sizeof(cfg->serial_ref[i])) {
            error_setf(err, "%s: invalid chardev id in '%s'", opt, arg);
            return false;
        }
        strcpy(cfg->serial_ref[i], arg + 8);
    } else {
        Error e = {0};
        if (!chardev_parse_backend(arg, &cfg->serial[i], &e)) {
            error_setf(err, "%s: %s", opt, e.msg);
            return false;
        }
        snprintf(cfg->serial[i].id, sizeof(cfg->serial[i].id), "serial%d", i);
    }
    cfg->serial_count++;
    return true;
}

static bool opt_debugcon(MachineConfig *cfg, const char *opt, const char *arg, Error *err)
{
    Error e = {0};
    if (!chardev_parse_backend(arg, &cfg->debugcon, &e)) {
        error_setf(err, "%s: %s", opt, e.msg);
        return false;
    }
    snprintf(cfg->debugcon.id, sizeof(cfg->debugcon.id), "debugcon");
    cfg->has_debugcon = true;
    return true;
}

static bool opt_chardev(MachineConfig *cfg, const char *opt, const char *arg, Error *err)
{
    static const char *const keys[] = {"backend", "id", "path", "signal", NULL};
    OptList l;
    if (!optlist_parse(opt, arg, "backend", keys, &l, err))
        return false;
    const char *backend = optlist_get(&l, "backend");
    const char *id = optlist_get(&l, "id");
    const char *path = optlist_get(&l, "path");
    const char *signal = optlist_get(&l, "signal");
    if (!backend) {
        error_setf(err, "%s: missing back end in '%s' (file, stdio or null)", opt, arg);
        return false;
    }
    if (!id || !*id) {
        error_setf(err, "%s: missing id= in '%s'", opt, arg);
        return false;
    }
    if (strlen(id) >= sizeof(cfg->chardevs[0].id)) {
        error_setf(err, "%s: id '%s' is too long", opt, id);
        return false;
    }
    for (int i = 0; i < cfg->chardev_count; i++) {
        if (!strcmp(cfg->chardevs[i].id, id)) {
            error_setf(err, "%s: duplicate chardev id '%s'", opt, id);
            return false;
        }
    }
    if (cfg->chardev_count == CONFIG_MAX_CHARDEVS) {
        error_setf(err, "%s: too many character devices", opt);
        return false;
    }
    ChardevSpec *c = &cfg->chardevs[cfg->chardev_count];
    memset(c, 0, sizeof(*c));
    c->stdio_signals = true;
    if (!strcmp(backend, "file")) {
        c->kind = CHARDEV_FILE;
        if (!path || !*path) {
            error_setf(err, "%s: file back end needs path= in '%s'", opt, arg);
            return false;
        }
        if (strlen(path) >= sizeof(c->path)) {
            error_setf(err, "%s: path too long", opt);
            return false;
        }
        strcpy(c->path, path);
    } else if (!strcmp(backend, "stdio")) {
        c->kind = CHARDEV_STDIO;
    } else if (!strcmp(backend, "null")) {
        c->kind = CHARDEV_NULL;
    } else {
        error_setf(err, "%s: unsupported back end '%s' (file, stdio or null)", opt, backend);
        return false;
    }
    if (path && c->kind != CHARDEV_FILE) {
        error_setf(err, "%s: path= only applies to the file back end", opt);
        return false;
    }
    if (signal) {
        if (c->kind != CHARDEV_STDIO || (strcmp(signal, "on") && strcmp(signal, "off"))) {
            error_setf(err, "%s: signal= takes on or off, for the stdio back end", opt);
            return false;
        }
        c->stdio_signals = !strcmp(signal, "on");
    }
    strcpy(c->id, id);
    cfg->chardev_count++;
    return true;
}

static bool opt_device(MachineConfig *cfg, const char *opt, const char *arg, Error *err)
{
    static const char *const keys[] = {"driver", "iobase", "iosize", "chardev", "readback", NULL};
    OptList l;
    if (!optlist_parse(opt, arg, "driver", keys, &l, err))
        return false;
    const char *driver = optlist_get(&l, "driver");
    if (driver && !strcmp(driver, "help")) {
        cfg->action = ACTION_DEVICE_HELP;
        return true;
    }
    if (cfg->device_count == CONFIG_MAX_DEVICES) {
        error_setf(err, "%s: too many devices", opt);
        return false;
    }
    DeviceConfig *d = &cfg->devices[cfg->device_count];
    memset(d, 0, sizeof(*d));
    uint64_t v;
    const char *s;
    if (driver && !strcmp(driver, "isa-debug-exit")) {
        /* QEMU's defaults: iobase 0x501, iosize 2. */
        d->kind = DEVICE_ISA_DEBUG_EXIT;
        d->iobase = 0x501;
        d->iosize = 2;
        if (optlist_get(&l, "chardev") || optlist_get(&l, "readback")) {
            error_setf(err, "%s: isa-debug-exit takes only iobase= and iosize=", opt);
            return false;
        }
        if ((s = optlist_get(&l, "iosize"))) {
            if (!parse_uint(opt, "iosize", s, 0x10000, &v, err))
                return false;
            if (v == 0) {
                error_setf(err, "%s: iosize must not be 0", opt);
                return false;
            }
            d->iosize = (uint32_t)v;
        }
    } else if (driver && !strcmp(driver, "pc-testdev")) {
        d->kind = DEVICE_PC_TESTDEV;
        if (l.count > 1) {
            error_setf(err, "%s: pc-testdev takes no parameters", opt);
            return false;
        }
    } else if (driver && !strcmp(driver, "isa-debugcon")) {
        d->kind = DEVICE_ISA_DEBUGCON;
        d->iobase = 0xE9;
        d->iosize = 1;
        if (optlist_get(&l, "iosize")) {
            error_setf(err, "%s: isa-debugcon has no iosize= parameter", opt);
            return false;
        }
        if (optlist_get(&l, "readback")) {
            error_setf(err, "%s: isa-debugcon readback= is not supported (it reads back 0xe9)", opt);
            return false;
        }
        s = optlist_get(&l, "chardev");
        if (!s || !*s) {
            error_setf(err, "%s: isa-debugcon needs chardev=ID", opt);
            return false;
        }
        snprintf(d->chardev, sizeof(d->chardev), "%s", s);
    } else {
        error_setf(err, "%s: unknown device '%s' (try -device help)", opt, driver ? driver : "");
        return false;
    }
    if ((s = optlist_get(&l, "iobase"))) {
        if (!parse_uint(opt, "iobase", s, 0xFFFF, &v, err))
            return false;
        d->iobase = (uint32_t)v;
    }
    if (d->iobase + d->iosize > 0x10000) {
        error_setf(err, "%s: ports 0x%x+0x%x go past the end of the I/O space", opt, d->iobase, d->iosize);
        return false;
    }
    cfg->device_count++;
    return true;
}

static bool opt_display(MachineConfig *cfg, const char *opt, const char *arg, Error *err)
{
    if (!strcmp(arg, "none"))
        cfg->display = DISPLAY_NONE;
    else if (!strcmp(arg, "sdl"))
        cfg->display = DISPLAY_SDL;
    else {
        error_setf(err, "%s: unsupported display '%s' (none or sdl)", opt, arg);
        return false;
    }
    return true;
}

static bool opt_nographic(MachineConfig *cfg, const char *opt, const char *arg, Error *err)
{
    (void)opt, (void)arg, (void)err;
    cfg->nographic = true;
    cfg->display = DISPLAY_NONE;
    return true;
}

static bool opt_no_reboot(MachineConfig *cfg, const char *opt, const char *arg, Error *err)
{
    (void)opt, (void)arg, (void)err;
    cfg->no_reboot = true;
    return true;
}

static bool opt_nodefaults(MachineConfig *cfg, const char *opt, const char *arg, Error *err)
{
    (void)opt, (void)arg, (void)err;
    cfg->nodefaults = true;
    return true;
}

static bool opt_d(MachineConfig *cfg, const char *opt, const char *arg, Error *err)
{
    (void)opt;
    if (!strcmp(arg, "help")) {
        cfg->action = ACTION_LOG_HELP;
        return true;
    }
    uint32_t mask;
    if (!log_parse_mask(arg, &mask, err))
        return false;
    cfg->log_mask |= mask;
    return true;
}

static bool opt_D(MachineConfig *cfg, const char *opt, const char *arg, Error *err)
{
    return set_string(&cfg->log_file, opt, arg, err);
}

/* tcg (QEMU's name, jitpc's default backend), jit or interp. */
static bool set_accel(MachineConfig *cfg, const char *opt, const char *name, Error *err)
{
    if (!strcmp(name, "tcg")) {
        cfg->accel = ACCEL_DEFAULT;
    } else if (!strcmp(name, "jit")) {
        cfg->accel = ACCEL_JIT;
    } else if (!strcmp(name, "interp")) {
        cfg->accel = ACCEL_INTERP;
    } else {
        error_setf(err, "%s: unsupported accelerator '%s' (jitpc has jit, interp, and tcg as an alias of the default)",
                   opt, name);
        return false;
    }
    return true;
}

static bool opt_machine(MachineConfig *cfg, const char *opt, const char *arg, Error *err)
{
    static const char *const keys[] = {"type", "accel", NULL};
    OptList l;
    if (!optlist_parse(opt, arg, "type", keys, &l, err))
        return false;
    const char *type = optlist_get(&l, "type");
    const char *accel = optlist_get(&l, "accel");
    if (type && !strcmp(type, "help")) {
        cfg->action = ACTION_MACHINE_HELP;
        return true;
    }
    if (type && strcmp(type, "pc")) {
        error_setf(err, "%s: unsupported machine type '%s' (try -machine help)", opt, type);
        return false;
    }
    return !accel || set_accel(cfg, opt, accel, err);
}

static bool opt_smp(MachineConfig *cfg, const char *opt, const char *arg, Error *err)
{
    static const char *const keys[] = {"cpus", "sockets", "cores", "threads", "maxcpus", NULL};
    OptList l;
    (void)cfg;
    if (!optlist_parse(opt, arg, "cpus", keys, &l, err))
        return false;
    for (int i = 0; i < l.count; i++) {
        uint64_t v;
        if (!parse_uint(opt, l.items[i].key, l.items[i].value, UINT32_MAX, &v, err))
            return false;
        if (v != 1) {
            error_setf(err, "%s: %s=%s: jitpc emulates one CPU (SMP comes later)", opt, l.items[i].key,
                       l.items[i].value);
            return false;
        }
    }
    return true;
}

static bool opt_accel(MachineConfig *cfg, const char *opt, const char *arg, Error *err)
{
    static const char *const keys[] = {"accel", "tb-size", NULL};
    OptList l;
    if (!optlist_parse(opt, arg, "accel", keys, &l, err))
        return false;
    const char *a = optlist_get(&l, "accel");
    if (!a) {
        error_setf(err, "%s: which accelerator? (jit, interp or tcg)", opt);
        return false;
    }
    if (!set_accel(cfg, opt, a, err))
        return false;
    const char *tb = optlist_get(&l, "tb-size");
    if (tb) {
        uint64_t v;
        if (!parse_uint(opt, "tb-size", tb, 2048, &v, err))
            return false;
        if (v < 1) {
            error_setf(err, "%s: tb-size=%s: the code cache needs at least 1 MiB", opt, tb);
            return false;
        }
        cfg->tb_size_mib = v;
    }
    return true;
}

static bool opt_perfmap(MachineConfig *cfg, const char *opt, const char *arg, Error *err)
{
    (void)opt, (void)arg, (void)err;
    cfg->perfmap = true;
    return true;
}

static bool opt_cpu(MachineConfig *cfg, const char *opt, const char *arg, Error *err)
{
    if (!strcmp(arg, "help")) {
        cfg->action = ACTION_CPU_HELP;
        return true;
    }
    const CpuModel *m = cpu_model_find(arg);
    if (!m) {
        error_setf(err, "%s: unknown CPU model '%s' (try -cpu help)", opt, arg);
        return false;
    }
    cfg->cpu_model = m;
    return true;
}

/* -icount [shift=]N[,sleep=on|off]: deterministic time, one instruction =
 * 2^N ns. sleep=off (jitpc's default, for tests): idle time is skipped at
 * once. sleep=on (QEMU's default): idle time passes in real time, so an
 * interactive guest's clock keeps pace with the host's while it waits. */
static bool opt_icount(MachineConfig *cfg, const char *opt, const char *arg, Error *err)
{
    static const char *const keys[] = {"shift", "sleep", NULL};
    OptList l;
    if (!optlist_parse(opt, arg, "shift", keys, &l, err))
        return false;
    const char *shift = optlist_get(&l, "shift"), *sleep = optlist_get(&l, "sleep");
    uint64_t v = 0;
    if (shift && !strcmp(shift, "auto")) {
        error_setf(err, "%s: shift=auto is not supported (give a fixed shift, 0 to 10)", opt);
        return false;
    }
    if (shift && !parse_uint(opt, "shift", shift, 10, &v, err))
        return false;
    if (sleep && strcmp(sleep, "off") && strcmp(sleep, "on")) {
        error_setf(err, "%s: sleep=%s: say on or off", opt, sleep);
        return false;
    }
    cfg->icount_sleep = sleep && !strcmp(sleep, "on");
    cfg->deterministic = true;
    cfg->icount_shift = (unsigned)v;
    return true;
}

/* `n` decimal digits at *s (no sign, no spaces); advances *s. */
static bool take_digits(const char **s, int n, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < n; i++, (*s)++) {
        if (**s < '0' || **s > '9')
            return false;
        v = v * 10 + (unsigned)(**s - '0');
    }
    *out = v;
    return true;
}

static bool take_char(const char **s, char c)
{
    if (**s != c)
        return false;
    (*s)++;
    return true;
}

/* YYYY-MM-DDTHH:MM:SS or YYYY-MM-DD, as QEMU's -rtc base= takes them. */
static bool parse_rtc_date(const char *s, int64_t *out)
{
    static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    unsigned y, mo, d, h = 0, mi = 0, sec = 0;
    if (!take_digits(&s, 4, &y) || !take_char(&s, '-') || !take_digits(&s, 2, &mo) || !take_char(&s, '-') ||
        !take_digits(&s, 2, &d))
        return false;
    if (*s && (!take_char(&s, 'T') || !take_digits(&s, 2, &h) || !take_char(&s, ':') ||
               !take_digits(&s, 2, &mi) || !take_char(&s, ':') || !take_digits(&s, 2, &sec) || *s))
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1900 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) ||
        h > 23 || mi > 59 || sec > 59)
        return false;
    *out = rtc_civil_to_seconds(y, mo, d, h, mi, sec);
    return true;
}

/* -rtc [base=]utc|localtime|DATE[,clock=host|vm][,driftfix=none]. The RTC
 * always runs on the machine clock (DESIGN.md invariant 3): clock=host and
 * clock=vm are accepted and recorded; in real-time mode that clock follows
 * the host's. utc and localtime read the host's date once at start. */
static bool opt_rtc(MachineConfig *cfg, const char *opt, const char *arg, Error *err)
{
    static const char *const keys[] = {"base", "clock", "driftfix", NULL};
    OptList l;
    if (!optlist_parse(opt, arg, "base", keys, &l, err))
        return false;
    const char *base = optlist_get(&l, "base"), *clock = optlist_get(&l, "clock");
    const char *drift = optlist_get(&l, "driftfix");
    if (base) {
        if (!strcmp(base, "utc")) {
            cfg->rtc_base = RTC_BASE_UTC;
        } else if (!strcmp(base, "localtime")) {
            cfg->rtc_base = RTC_BASE_LOCALTIME;
        } else if (parse_rtc_date(base, &cfg->rtc_base_seconds)) {
            cfg->rtc_base = RTC_BASE_DATE;
        } else {
            error_setf(err, "%s: invalid base '%s' (utc, localtime or a date like 2006-06-17T16:01:21 from 1900 on)",
                       opt, base);
            return false;
        }
    }
    if (clock) {
        if (strcmp(clock, "host") && strcmp(clock, "vm")) {
            error_setf(err, "%s: invalid clock '%s' (host or vm)", opt, clock);
            return false;
        }
        cfg->rtc_clock_vm = !strcmp(clock, "vm");
    }
    if (drift && strcmp(drift, "none")) {
        error_setf(err, "%s: driftfix=%s is not supported (only none: jitpc's timers never lose ticks)", opt, drift);
        return false;
    }
    return true;
}

static bool opt_help(MachineConfig *cfg, const char *opt, const char *arg, Error *err)
{
    (void)opt, (void)arg, (void)err;
    cfg->action = ACTION_HELP;
    return true;
}

static bool opt_version(MachineConfig *cfg, const char *opt, const char *arg, Error *err)
{
    (void)opt, (void)arg, (void)err;
    cfg->action = ACTION_VERSION;
    return true;
}

static const Option options[] = {
    {"m", true, opt_m},
    {"bios", true, opt_bios},
    {"kernel", true, opt_kernel},
    {"initrd", true, opt_initrd},
    {"append", true, opt_append},
    {"serial", true, opt_serial},
    {"debugcon", true, opt_debugcon},
    {"chardev", true, opt_chardev},
    {"device", true, opt_device},
    {"display", true, opt_display},
    {"nographic", false, opt_nographic},
    {"no-reboot", false, opt_no_reboot},
    {"nodefaults", false, opt_nodefaults},
    {"d", true, opt_d},
    {"D", true, opt_D},
    {"machine", true, opt_machine},
    {"M", true, opt_machine},
    {"smp", true, opt_smp},
    {"accel", true, opt_accel},
    {"perfmap", false, opt_perfmap},
    {"cpu", true, opt_cpu},
    {"icount", true, opt_icount},
    {"rtc", true, opt_rtc},
    {"h", false, opt_help},
    {"help", false, opt_help},
    {"version", false, opt_version},
};

bool cmdline_parse(int argc, char *const *argv, MachineConfig *cfg, Error *err)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || !a[1]) {
            error_setf(err, "%s: disk images are not supported yet (boot with -kernel or -bios)", a);
            return false;
        }
        const char *name = a + 1 + (a[1] == '-');   /* -opt or --opt */
        const Option *o = NULL;
        for (size_t k = 0; k < ARRAY_SIZE(options); k++)
            if (!strcmp(options[k].name, name))
                o = &options[k];
        if (!o) {
            error_setf(err, "%s: invalid option", a);
            return false;
        }
        const char *arg = NULL;
        if (o->has_arg) {
            if (i + 1 >= argc) {
                error_setf(err, "%s: requires an argument", a);
                return false;
            }
            arg = argv[++i];
        }
        if (!o->handler(cfg, a, arg, err))
            return false;
        if (cfg->action != ACTION_RUN)
            return true;    /* help/version: the rest of the line does not matter */
    }
    if (cfg->initrd && !cfg->kernel) {
        error_setf(err, "-initrd only allowed with -kernel option");
        return false;
    }
    if (cfg->append && !cfg->kernel) {
        error_setf(err, "-append only allowed with -kernel option");
        return false;
    }
    if (cfg->nographic && cfg->serial_count == 0 && !cfg->nodefaults) {
        /* -nographic puts COM1 on the terminal, as QEMU does. */
        chardev_parse_backend("stdio", &cfg->serial[0], err);
        snprintf(cfg->serial[0].id, sizeof(cfg->serial[0].id), "serial0");
        cfg->serial_count = 1;
    }
    return true;
}

void cmdline_print_version(FILE *f)
{
    fprintf(f, "jitpc version " JITPC_VERSION "\n"
               "A userspace full-system x86 PC emulator with a dynamic binary translator.\n");
}

void cmdline_print_help(FILE *f)
{
    cmdline_print_version(f);
    fprintf(f,
        "\nusage: jitpc [options]\n"
        "\nMachine:\n"
        "  -machine pc[,accel=A]   the i440FX/PIIX3 PC (the only machine; also -M)\n"
        "  -cpu NAME               CPU model (-cpu help lists them)\n"
        "  -smp 1                  number of CPUs (one for now)\n"
        "  -accel jit|interp|tcg[,tb-size=MiB]\n"
        "                          translator backend: jit (native code; the default on\n"
        "                          x86-64 hosts), interp (the portable IR interpreter);\n"
        "                          tcg names the default; tb-size: code cache (default 256)\n"
        "  -perfmap                write /tmp/perf-<pid>.map so perf names generated code\n"
        "  -m SIZE                 guest RAM; plain numbers are MiB, or use K/M/G suffixes\n"
        "                          (default 128M, from 2M to 63.5G)\n"
        "\nBoot:\n"
        "  -bios FILE              raw firmware image mapped below 4 GiB (reset vector at\n"
        "                          0xFFFFFFF0) and its last 128 KiB below 1 MiB\n"
        "  -kernel FILE            Multiboot v1 ELF kernel, loaded without a BIOS\n"
        "  -initrd 'FILE [ARGS],..'  Multiboot modules (',,' is a literal comma)\n"
        "  -append STR             kernel command line\n"
        "\nDevices and I/O:\n"
        "  -serial DEV             next serial port (COM1, then COM2): stdio, null, none,\n"
        "                          file:PATH or chardev:ID (default: stdio)\n"
        "  -chardev BACKEND,id=ID[,path=P][,signal=on|off]\n"
        "                          character device; BACKEND is file, stdio or null\n"
        "  -device isa-debug-exit[,iobase=N][,iosize=N]\n"
        "                          writing V to its port exits with status (V<<1)|1\n"
        "                          (QEMU's defaults: iobase=0x501, iosize=2)\n"
        "  -device isa-debugcon[,iobase=N],chardev=ID\n"
        "                          debug console: bytes written to the port go to ID\n"
        "  -debugcon DEV           debug console on port 0xe9 to DEV (stdio, null, file:PATH)\n"
        "  -device pc-testdev      QEMU's test device for CPU test kernels\n"
        "  -device help            list devices\n"
        "  -nodefaults             no default devices (COM1, debugcon at 0xe9, exit at 0xf4)\n"
        "  -display none|sdl       display front end (default none)\n"
        "  -nographic              no display; COM1 on the terminal (Ctrl-A x quits)\n"
        "  -no-reboot              exit instead of rebooting\n"
        "  -icount [shift=]N[,sleep=on|off]\n"
        "                          deterministic time: one instruction = 2^N ns (0..10);\n"
        "                          idle time is skipped, so runs repeat exactly\n"
        "  -rtc [base=]utc|localtime|DATE[,clock=host|vm]\n"
        "                          RTC start time: host UTC (default), host local time or\n"
        "                          a fixed DATE (2006-06-17T16:01:21 or 2006-06-17)\n"
        "\nDebugging:\n"
        "  -d ITEM,...             log items (-d help lists them)\n"
        "  -D FILE                 write the log to FILE instead of stderr\n"
        "\n  -h, --help              this help\n"
        "  --version               version\n");
}

void cmdline_print_cpu_help(FILE *f)
{
    fprintf(f, "Available CPUs:\n");
    for (const CpuModel *m = cpu_models; m->name; m++)
        fprintf(f, "  %-10s %s\n", m->name, m->description);
}

void cmdline_print_device_help(FILE *f)
{
    fprintf(f, "Devices you can add with -device:\n"
               "  isa-debug-exit   iobase=N (default 0x501), iosize=N (default 2)\n"
               "  isa-debugcon     iobase=N (default 0xe9), chardev=ID\n"
               "  pc-testdev       QEMU's test device: scratch ports 0xe0-0xe3/0xe8-0xeb, page flush\n"
               "                   0xe4, IRQ lines 0x2000-0x2017, 64 KiB at 0xff000000\n");
}

void cmdline_print_machine_help(FILE *f)
{
    fprintf(f, "Supported machines are:\n"
               "pc                   Standard PC (i440FX + PIIX3) (default)\n");
}
