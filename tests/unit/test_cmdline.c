/* The command line: each option's accepted forms and every bad-input case
 * (unknown or malformed option, missing argument, nonsense size, missing
 * file). Bad input must end with ONE "jitpc: ..." line and a non-zero exit;
 * the second half of this file checks that on the real binary. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/spawn.h"
#include "machine/cmdline.h"

static bool parse(MachineConfig *cfg, Error *err, ...)
{
    char *argv[64];
    int argc = 0;
    va_list ap;
    argv[argc++] = "jitpc";
    va_start(ap, err);
    char *a;
    while ((a = va_arg(ap, char *)))
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    config_init(cfg);
    *err = (Error){0};
    return cmdline_parse(argc, argv, cfg, err);
}

#define PARSE_OK(cfg, ...)                                                         \
    do {                                                                           \
        Error e_;                                                                  \
        cr_assert(parse(cfg, &e_, __VA_ARGS__, NULL), "unexpected error: %s", e_.msg); \
    } while (0)

/* Parsing fails and the message contains `needle`. */
#define PARSE_FAILS(needle, ...)                                                   \
    do {                                                                           \
        MachineConfig c_;                                                          \
        Error e_;                                                                  \
        cr_assert_not(parse(&c_, &e_, __VA_ARGS__, NULL), "accepted: " #__VA_ARGS__); \
        cr_assert(strstr(e_.msg, needle), "message '%s' lacks '%s'", e_.msg, needle); \
        cr_assert_null(strchr(e_.msg, '\n'), "one line only");                     \
        config_free(&c_);                                                          \
    } while (0)

Test(cmdline, defaults)
{
    MachineConfig c;
    PARSE_OK(&c, "-kernel", "k.elf");
    cr_assert_eq(c.ram_size, 128ULL << 20);
    cr_assert_eq(c.display, DISPLAY_NONE);
    cr_assert_str_eq(c.kernel, "k.elf");
    cr_assert_str_eq(c.cpu_model->name, "max");
    cr_assert_eq(c.action, ACTION_RUN);
    config_free(&c);
}

Test(cmdline, memory_sizes)
{
    static const struct {
        const char *arg;
        uint64_t bytes;
    } ok[] = {
        {"512", 512ULL << 20},       {"512M", 512ULL << 20},     {"512m", 512ULL << 20},
        {"2G", 2ULL << 30},          {"1.5G", 3ULL << 29},       {"4096K", 4ULL << 20},
        {"size=64M", 64ULL << 20},   {"3000001B", 3002368},      {"63.5G", 127ULL << 29},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        MachineConfig c;
        PARSE_OK(&c, "-m", (char *)ok[i].arg);
        cr_assert_eq(c.ram_size, ok[i].bytes, "-m %s gave %llu", ok[i].arg, (unsigned long long)c.ram_size);
        config_free(&c);
    }
}

Test(cmdline, nonsense_sizes_are_rejected)
{
    PARSE_FAILS("invalid size 'abc'", "-m", "abc");
    PARSE_FAILS("invalid size '-5'", "-m", "-5");
    PARSE_FAILS("invalid size ''", "-m", "");
    PARSE_FAILS("invalid size suffix", "-m", "12Q");
    PARSE_FAILS("invalid size '1.'", "-m", "1.");
    PARSE_FAILS("invalid size '1GB'", "-m", "1GB");
    PARSE_FAILS("too little memory", "-m", "0");
    PARSE_FAILS("too little memory", "-m", "1M");
    PARSE_FAILS("more memory than the guest can address", "-m", "64G");
    PARSE_FAILS("too large", "-m", "99999999999999999999");
    PARSE_FAILS("too large", "-m", "16777216T");
    PARSE_FAILS("invalid parameter 'slots'", "-m", "1G,slots=2");
}

Test(cmdline, unknown_option_and_missing_argument)
{
    PARSE_FAILS("-frobnicate: invalid option", "-frobnicate");
    PARSE_FAILS("-m: requires an argument", "-m");
    PARSE_FAILS("-kernel: requires an argument", "-kernel");
    PARSE_FAILS("disk images are not supported yet", "disk.img");
    PARSE_FAILS("-: invalid option", "--");
}

Test(cmdline, double_dash_spellings_work)
{
    MachineConfig c;
    PARSE_OK(&c, "--m", "64", "--kernel", "k", "--nographic");
    cr_assert_eq(c.ram_size, 64ULL << 20);
    cr_assert(c.nographic);
    config_free(&c);
}

Test(cmdline, kernel_companions_need_kernel)
{
    PARSE_FAILS("-initrd only allowed with -kernel option", "-initrd", "x");
    PARSE_FAILS("-append only allowed with -kernel option", "-append", "console=ttyS0");
    MachineConfig c;
    PARSE_OK(&c, "-kernel", "k", "-initrd", "mod1 arg,mod2", "-append", "x y");
    cr_assert_str_eq(c.initrd, "mod1 arg,mod2");
    cr_assert_str_eq(c.append, "x y");
    config_free(&c);
}

Test(cmdline, serial_backends)
{
    MachineConfig c;
    PARSE_OK(&c, "-serial", "file:/tmp/x", "-serial", "null", "-kernel", "k");
    cr_assert_eq(c.serial_count, 2);
    cr_assert_eq(c.serial[0].kind, CHARDEV_FILE);
    cr_assert_str_eq(c.serial[0].path, "/tmp/x");
    cr_assert_eq(c.serial[1].kind, CHARDEV_NULL);
    config_free(&c);
    PARSE_OK(&c, "-serial", "none", "-serial", "chardev:c1", "-kernel", "k");
    cr_assert(c.serial_none[0]);
    cr_assert_str_eq(c.serial_ref[1], "c1");
    config_free(&c);
    PARSE_FAILS("unknown character device 'tcp:1234'", "-serial", "tcp:1234");
    PARSE_FAILS("unknown character device 'file:'", "-serial", "file:");
    PARSE_FAILS("too many serial ports", "-serial", "null", "-serial", "null", "-serial", "null");
}

Test(cmdline, nographic_puts_com1_on_stdio)
{
    MachineConfig c;
    PARSE_OK(&c, "-nographic", "-kernel", "k");
    cr_assert_eq(c.serial_count, 1);
    cr_assert_eq(c.serial[0].kind, CHARDEV_STDIO);
    cr_assert_eq(c.display, DISPLAY_NONE);
    config_free(&c);
}

Test(cmdline, chardev_forms)
{
    MachineConfig c;
    PARSE_OK(&c, "-chardev", "file,id=out,path=/tmp/a,,b", "-chardev", "stdio,id=con,signal=off", "-chardev",
             "null,id=nul");
    cr_assert_eq(c.chardev_count, 3);
    cr_assert_str_eq(c.chardevs[0].path, "/tmp/a,b", "',,' is a literal comma");
    cr_assert_not(c.chardevs[1].stdio_signals);
    cr_assert_eq(c.chardevs[2].kind, CHARDEV_NULL);
    config_free(&c);
    PARSE_FAILS("missing id=", "-chardev", "file,path=/tmp/a");
    PARSE_FAILS("needs path=", "-chardev", "file,id=x");
    PARSE_FAILS("unsupported back end 'socket'", "-chardev", "socket,id=x");
    PARSE_FAILS("duplicate chardev id 'x'", "-chardev", "null,id=x", "-chardev", "null,id=x");
    PARSE_FAILS("invalid parameter 'mux'", "-chardev", "stdio,id=x,mux=on");
    PARSE_FAILS("path= only applies", "-chardev", "null,id=x,path=/tmp/y");
    /* Hostile lengths end in an error, not an overflow. */
    char *huge = malloc(20000);
    strcpy(huge, "file,id=x,path=");
    memset(huge + 15, 'a', 19000);
    huge[19015] = 0;
    PARSE_FAILS("value too long", "-chardev", huge);
    memset(huge, ',', 19000);
    huge[19000] = 0;
    PARSE_FAILS("value too long", "-device", huge);
    memset(huge, 'k', 100);
    strcpy(huge + 100, "=1");
    PARSE_FAILS("parameter name too long", "-machine", huge);
    free(huge);
}

Test(cmdline, test_devices_like_qemu)
{
    MachineConfig c;
    PARSE_OK(&c, "-device", "isa-debug-exit", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-device",
             "isa-debugcon,iobase=0x402,chardev=out");
    cr_assert_eq(c.device_count, 3);
    cr_assert_eq(c.devices[0].iobase, 0x501, "QEMU's default iobase");
    cr_assert_eq(c.devices[0].iosize, 2, "QEMU's default iosize");
    cr_assert_eq(c.devices[1].iobase, 0xF4);
    cr_assert_eq(c.devices[1].iosize, 4);
    cr_assert_eq(c.devices[2].kind, DEVICE_ISA_DEBUGCON);
    cr_assert_eq(c.devices[2].iobase, 0x402);
    cr_assert_str_eq(c.devices[2].chardev, "out");
    config_free(&c);
    PARSE_FAILS("unknown device 'e1000'", "-device", "e1000");
    PARSE_FAILS("needs chardev=ID", "-device", "isa-debugcon");
    PARSE_FAILS("invalid iobase 'zz'", "-device", "isa-debug-exit,iobase=zz");
    PARSE_FAILS("out of range", "-device", "isa-debug-exit,iobase=0x10000");
    PARSE_FAILS("past the end of the I/O space", "-device", "isa-debug-exit,iobase=0xffff,iosize=4");
    PARSE_FAILS("invalid parameter 'bus'", "-device", "isa-debug-exit,bus=isa.0");
    PARSE_FAILS("iosize must not be 0", "-device", "isa-debug-exit,iosize=0");
}

Test(cmdline, accepted_compatibility_options)
{
    MachineConfig c;
    PARSE_OK(&c, "-machine", "pc", "-M", "pc,accel=tcg", "-machine", "type=pc", "-smp", "1", "-smp",
             "cpus=1,sockets=1,cores=1,threads=1", "-accel", "tcg", "-cpu", "pentium3", "-nodefaults", "-no-reboot",
             "-display", "none");
    cr_assert_str_eq(c.cpu_model->name, "pentium3");
    cr_assert(c.nodefaults && c.no_reboot);
    config_free(&c);
    PARSE_FAILS("unsupported machine type 'q35'", "-machine", "q35");
    PARSE_FAILS("unsupported accelerator 'kvm'", "-accel", "kvm");
    PARSE_FAILS("unsupported accelerator 'kvm'", "-machine", "pc,accel=kvm");
    PARSE_FAILS("one CPU", "-smp", "2");
    PARSE_FAILS("one CPU", "-smp", "cpus=1,cores=2");
    PARSE_FAILS("unknown CPU model 'athlon'", "-cpu", "athlon");
    PARSE_FAILS("unsupported display 'gtk'", "-display", "gtk");
}

Test(cmdline, icount)
{
    MachineConfig c;
    PARSE_OK(&c, "-icount", "shift=3");
    cr_assert(c.deterministic);
    cr_assert_eq(c.icount_shift, 3);
    config_free(&c);
    PARSE_OK(&c, "-icount", "7,sleep=off");
    cr_assert_eq(c.icount_shift, 7);
    cr_assert_not(c.icount_sleep, "idle time skipped");
    config_free(&c);
    PARSE_OK(&c, "-icount", "0,sleep=on");
    cr_assert(c.icount_sleep, "idle time in real time");
    config_free(&c);
    PARSE_OK(&c, "-m", "16");
    cr_assert_not(c.deterministic, "real time unless -icount");
    config_free(&c);
    PARSE_FAILS("shift=auto is not supported", "-icount", "shift=auto");
    PARSE_FAILS("out of range", "-icount", "shift=11");
    PARSE_FAILS("sleep=maybe: say on or off", "-icount", "shift=1,sleep=maybe");
    PARSE_FAILS("invalid parameter 'align'", "-icount", "shift=1,align=on");
}

Test(cmdline, rtc)
{
    MachineConfig c;
    PARSE_OK(&c, "-kernel", "k");
    cr_assert_eq(c.rtc_base, RTC_BASE_UTC, "default: host UTC");
    cr_assert_not(c.rtc_clock_vm);
    config_free(&c);
    PARSE_OK(&c, "-rtc", "base=localtime");
    cr_assert_eq(c.rtc_base, RTC_BASE_LOCALTIME);
    config_free(&c);
    PARSE_OK(&c, "-rtc", "utc,clock=vm");
    cr_assert_eq(c.rtc_base, RTC_BASE_UTC);
    cr_assert(c.rtc_clock_vm);
    config_free(&c);
    PARSE_OK(&c, "-rtc", "base=2006-06-17T16:01:21,clock=host,driftfix=none");
    cr_assert_eq(c.rtc_base, RTC_BASE_DATE);
    cr_assert_eq(c.rtc_base_seconds, 1150560081LL, "date read as UTC");
    cr_assert_not(c.rtc_clock_vm);
    config_free(&c);
    PARSE_OK(&c, "-rtc", "2000-02-29");
    cr_assert_eq(c.rtc_base_seconds, 951782400LL);
    config_free(&c);
    PARSE_OK(&c, "--rtc", "base=1969-12-31T23:59:59");
    cr_assert_eq(c.rtc_base_seconds, -1);
    config_free(&c);
    PARSE_FAILS("invalid base 'gmt'", "-rtc", "base=gmt");
    PARSE_FAILS("invalid base '2006-13-01'", "-rtc", "base=2006-13-01");
    PARSE_FAILS("invalid base '2023-02-29'", "-rtc", "2023-02-29");
    PARSE_FAILS("invalid base '1900-02-29'", "-rtc", "1900-02-29");
    PARSE_FAILS("invalid base '2006-06-17T24:00:00'", "-rtc", "2006-06-17T24:00:00");
    PARSE_FAILS("invalid base '2006-06-17 16:01:21'", "-rtc", "2006-06-17 16:01:21");
    PARSE_FAILS("invalid base '2006-6-17'", "-rtc", "2006-6-17");
    PARSE_FAILS("invalid base '2006-06-17T16:01'", "-rtc", "2006-06-17T16:01");
    PARSE_FAILS("invalid base '1899-12-31'", "-rtc", "1899-12-31");
    PARSE_FAILS("invalid clock 'rt' (host or vm)", "-rtc", "base=utc,clock=rt");
    PARSE_FAILS("driftfix=slew is not supported", "-rtc", "driftfix=slew");
    PARSE_FAILS("invalid parameter 'bogus'", "-rtc", "utc,bogus=1");
    PARSE_FAILS("requires an argument", "-rtc");
}

Test(cmdline, log_options)
{
    MachineConfig c;
    PARSE_OK(&c, "-d", "unimp,guest_errors", "-d", "cpu", "-D", "/tmp/log");
    cr_assert_eq(c.log_mask, LOG_UNIMP | LOG_GUEST_ERRORS | LOG_CPU);
    cr_assert_str_eq(c.log_file, "/tmp/log");
    config_free(&c);
    /* Every documented category is accepted. */
    PARSE_OK(&c, "-d", "in_asm,op,op_opt,out_asm,exec,cpu,int,mmu,ioport,unimp,guest_errors");
    config_free(&c);
    PARSE_FAILS("unknown log category 'bogus'", "-d", "bogus");
    PARSE_FAILS("unknown log category ''", "-d", "cpu,");
}

Test(cmdline, help_actions)
{
    MachineConfig c;
    PARSE_OK(&c, "-h");
    cr_assert_eq(c.action, ACTION_HELP);
    PARSE_OK(&c, "--help");
    cr_assert_eq(c.action, ACTION_HELP);
    PARSE_OK(&c, "--version");
    cr_assert_eq(c.action, ACTION_VERSION);
    PARSE_OK(&c, "-d", "help");
    cr_assert_eq(c.action, ACTION_LOG_HELP);
    PARSE_OK(&c, "-cpu", "help");
    cr_assert_eq(c.action, ACTION_CPU_HELP);
    PARSE_OK(&c, "-device", "help");
    cr_assert_eq(c.action, ACTION_DEVICE_HELP);
    PARSE_OK(&c, "-machine", "help");
    cr_assert_eq(c.action, ACTION_MACHINE_HELP);
}

/* ---- the real binary ---- */

/* jitpc fails with exactly one "jitpc: " line containing `needle`. */
static void expect_one_line_error(SpawnResult *r, const char *needle)
{
    cr_assert_neq(r->status, 0, "exit status 0 for bad input; stderr: %s", r->err);
    cr_assert_lt(r->status, 128, "killed by a signal (%d): %s", r->status, r->err);
    cr_assert_eq(count_lines(r->err), 1, "want one line, got: %s", r->err);
    cr_assert(!strncmp(r->err, "jitpc: ", 7), "%s", r->err);
    cr_assert(strstr(r->err, needle), "'%s' lacks '%s'", r->err, needle);
    cr_assert_eq(r->out_len, 0, "nothing on stdout: %s", r->out);
}

Test(cmdline_binary, help_version_and_lists)
{
    SpawnResult *r = malloc(sizeof(*r));
    spawn_jitpc(r, "--help", NULL);
    cr_assert_eq(r->status, 0);
    cr_assert(strstr(r->out, "usage: jitpc") && strstr(r->out, "-kernel") && strstr(r->out, "-nodefaults"));
    spawn_jitpc(r, "-h", NULL);
    cr_assert_eq(r->status, 0);
    spawn_jitpc(r, "--version", NULL);
    cr_assert_eq(r->status, 0);
    cr_assert(strstr(r->out, "jitpc version "));
    spawn_jitpc(r, "-d", "help", NULL);
    cr_assert_eq(r->status, 0);
    const char *cats[] = {"in_asm", "op", "op_opt", "out_asm", "exec", "cpu", "int", "mmu", "ioport", "unimp",
                          "guest_errors", "stats"};
    for (size_t i = 0; i < sizeof(cats) / sizeof(cats[0]); i++)
        cr_assert(strstr(r->out, cats[i]), "-d help lacks %s", cats[i]);
    spawn_jitpc(r, "-cpu", "help", NULL);
    cr_assert(r->status == 0 && strstr(r->out, "pentium3"));
    spawn_jitpc(r, "-device", "help", NULL);
    cr_assert(r->status == 0 && strstr(r->out, "isa-debug-exit"));
    free(r);
}

Test(cmdline_binary, bad_options_end_with_one_line)
{
    SpawnResult *r = malloc(sizeof(*r));
    spawn_jitpc(r, "-bogus", NULL);
    expect_one_line_error(r, "-bogus: invalid option");
    spawn_jitpc(r, "-m", NULL);
    expect_one_line_error(r, "requires an argument");
    spawn_jitpc(r, "-m", "lots", "-kernel", "x", NULL);
    expect_one_line_error(r, "invalid size 'lots'");
    spawn_jitpc(r, "-m", "100G", NULL);
    expect_one_line_error(r, "more memory than the guest can address");
    spawn_jitpc(r, "-d", "nonsense", NULL);
    expect_one_line_error(r, "unknown log category");
    spawn_jitpc(r, "-serial", "pty", NULL);
    expect_one_line_error(r, "unknown character device");
    spawn_jitpc(r, "-device", "isa-debugcon,iobase=0xe9", NULL);
    expect_one_line_error(r, "chardev=ID");
    spawn_jitpc(r, "-append", "x", NULL);
    expect_one_line_error(r, "-append only allowed with -kernel");
    spawn_jitpc(r, "-rtc", "base=2006-02-30", NULL);
    expect_one_line_error(r, "-rtc: invalid base '2006-02-30'");
    free(r);
}

Test(cmdline_binary, missing_files_end_with_one_line)
{
    SpawnResult *r = malloc(sizeof(*r));
    spawn_jitpc(r, "-kernel", "/nonexistent/kernel.elf", NULL);
    expect_one_line_error(r, "/nonexistent/kernel.elf");
    spawn_jitpc(r, "-bios", "/nonexistent/bios.bin", NULL);
    expect_one_line_error(r, "/nonexistent/bios.bin");
    spawn_jitpc(r, "-nodefaults", "-bios", "/nonexistent/bios.bin", "-D", "/nonexistent-dir/log", NULL);
    expect_one_line_error(r, "/nonexistent-dir/log");
    spawn_jitpc(r, "-nodefaults", "-chardev", "file,id=x,path=/nonexistent-dir/out", "-device",
                "isa-debugcon,chardev=x", "-kernel", "k", NULL);
    expect_one_line_error(r, "/nonexistent-dir/out");
    /* (No -kernel and no -bios boots the default SeaBIOS: tests/boot.) */
    free(r);
}

Test(cmdline_binary, bad_images_end_with_one_line)
{
    char path[512];
    SpawnResult *r = malloc(sizeof(*r));
    scratch_path(path, sizeof(path), "not-elf");
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("this is not a kernel\n", f);
    fclose(f);
    spawn_jitpc(r, "-kernel", path, NULL);
    expect_one_line_error(r, path);
    /* A 100-byte "ROM": not a size a firmware image can have. */
    f = fopen(path, "w");
    for (int i = 0; i < 100; i++)
        fputc(0x90, f);
    fclose(f);
    spawn_jitpc(r, "-bios", path, NULL);
    expect_one_line_error(r, path);
    free(r);
}

Test(cmdline_binary, sdl_without_a_display_ends_with_one_line)
{
    char rom[512];
    scratch_path(rom, sizeof(rom), "sdl-rom");
    FILE *f = fopen(rom, "wb");
    for (int i = 0; i < 4096; i++)
        fputc(0xF4, f);
    fclose(f);
    unsetenv("DISPLAY");
    unsetenv("WAYLAND_DISPLAY");
    unsetenv("SDL_VIDEODRIVER");
    SpawnResult *r = malloc(sizeof(*r));
    spawn_jitpc(r, "-nodefaults", "-display", "sdl", "-bios", rom, NULL);
    expect_one_line_error(r, "-display sdl");
    free(r);
}
