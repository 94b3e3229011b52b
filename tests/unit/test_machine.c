/* Whole machines built in-process: two machines side by side, the board's
 * default and user-placed test devices, the exit and debug console ports,
 * RAM layout, boot entry state. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/spawn.h"
#include "machine/cmdline.h"
#include "cpu/mem.h"
#include "machine/machine.h"

/* A 64 KiB ROM of HLT instructions, enough for a machine to be built. */
static void make_rom(char *path, size_t len)
{
    scratch_path(path, len, "rom");
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    for (int i = 0; i < 65536; i++)
        fputc(0xF4, f);
    fclose(f);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    char *buf = calloc(1, 65536);
    size_t n = fread(buf, 1, 65535, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

/* Parse a command line (NULL-terminated) into cfg; the test owns cfg. */
static void config_from(MachineConfig *cfg, ...)
{
    char *argv[64];
    int argc = 0;
    va_list ap;
    argv[argc++] = "jitpc";
    va_start(ap, cfg);
    char *a;
    while ((a = va_arg(ap, char *)))
        argv[argc++] = a;
    va_end(ap);
    config_init(cfg);
    Error err = {0};
    cr_assert(cmdline_parse(argc, argv, cfg, &err), "%s", err.msg);
    cfg->deterministic = true;
}

static Machine *build(const MachineConfig *cfg)
{
    Error err = {0};
    Machine *m = machine_new(cfg, &err);
    cr_assert_not_null(m, "machine_new failed: %s", err.msg);
    return m;
}

Test(machine, two_machines_in_one_process_are_independent)
{
    char rom[512], out_a[512], out_b[512], ser_a[600], ser_b[600];
    make_rom(rom, sizeof(rom));
    scratch_path(out_a, sizeof(out_a), "serial-a");
    scratch_path(out_b, sizeof(out_b), "serial-b");
    snprintf(ser_a, sizeof(ser_a), "file:%s", out_a);
    snprintf(ser_b, sizeof(ser_b), "file:%s", out_b);
    MachineConfig ca, cb;
    config_from(&ca, "-nodefaults", "-m", "16", "-bios", rom, "-serial", ser_a, "-device",
                "isa-debug-exit,iobase=0xf4,iosize=4", NULL);
    config_from(&cb, "-nodefaults", "-m", "32", "-bios", rom, "-serial", ser_b, "-device",
                "isa-debug-exit,iobase=0xf4,iosize=4", NULL);
    Machine *a = build(&ca), *b = build(&cb);

    /* Serial output goes to each machine's own file. */
    const char *ta = "from A\n", *tb = "from B\n";
    for (const char *p = ta; *p; p++)
        as_write(&a->io, 0x3F8, (uint8_t)*p, 1);
    for (const char *p = tb; *p; p++)
        as_write(&b->io, 0x3F8, (uint8_t)*p, 1);
    /* RAM is separate. */
    as_write(&a->mem, 0x1000, 0xAAAAAAAA, 4);
    as_write(&b->mem, 0x1000, 0xBBBBBBBB, 4);
    cr_assert_eq(as_read(&a->mem, 0x1000, 4), 0xAAAAAAAA);
    cr_assert_eq(as_read(&b->mem, 0x1000, 4), 0xBBBBBBBB);
    cr_assert_eq(a->ram_size, 16ULL << 20);
    cr_assert_eq(b->ram_size, 32ULL << 20);
    /* UART registers are separate. */
    as_write(&a->io, 0x3FF, 0x5A, 1);
    as_write(&b->io, 0x3FF, 0xA5, 1);
    cr_assert_eq(as_read(&a->io, 0x3FF, 1), 0x5A);
    cr_assert_eq(as_read(&b->io, 0x3FF, 1), 0xA5);
    /* An exit request on A leaves B running. */
    as_write(&a->io, 0xF4, 3, 4);
    cr_assert(a->run.exit_requested);
    cr_assert_eq(a->run.exit_status, 7);
    cr_assert_not(b->run.exit_requested);
    /* Clocks are separate. */
    clock_advance_icount(&a->clock, 1000);
    cr_assert_eq(clock_now(&b->clock), 0);

    machine_free(a);
    machine_free(b);
    char *sa = slurp(out_a), *sb = slurp(out_b);
    cr_assert_str_eq(sa, ta);
    cr_assert_str_eq(sb, tb);
    free(sa);
    free(sb);
    config_free(&ca);
    config_free(&cb);
}

Test(machine, exit_device_status_is_v_shifted_or_one)
{
    char rom[512];
    make_rom(rom, sizeof(rom));
    static const struct {
        uint64_t v;
        unsigned size, off;
        int status;
    } cases[] = {{0, 1, 0, 1}, {1, 1, 0, 3}, {0x10, 4, 0, 0x21}, {0x7F, 2, 2, 0xFF}, {0x80, 1, 3, 1}, {0x31, 4, 0, 0x63}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        MachineConfig c;
        config_from(&c, "-nodefaults", "-bios", rom, "-device", "isa-debug-exit,iobase=0xf4,iosize=4", NULL);
        Machine *m = build(&c);
        cr_assert_eq(as_read(&m->io, 0xF4, 1), 0, "reads return 0");
        as_write(&m->io, 0xF4 + cases[i].off, cases[i].v, cases[i].size);
        cr_assert(m->run.exit_requested);
        cr_assert_eq(m->run.exit_status, cases[i].status, "v=0x%llx: status %d", (unsigned long long)cases[i].v,
                     m->run.exit_status);
        /* The first request wins. */
        as_write(&m->io, 0xF4, 9, 1);
        cr_assert_eq(m->run.exit_status, cases[i].status);
        Error err = {0};
        cr_assert_eq(machine_run(m, &err), cases[i].status, "the run ends with the requested status");
        cr_assert_not(err.set);
        machine_free(m);
        config_free(&c);
    }
}

Test(machine, debugcon_sends_bytes_to_its_chardev)
{
    char rom[512], out[512], spec[700];
    make_rom(rom, sizeof(rom));
    scratch_path(out, sizeof(out), "debugcon");
    snprintf(spec, sizeof(spec), "file,id=dbg,path=%s", out);
    MachineConfig c;
    config_from(&c, "-nodefaults", "-bios", rom, "-chardev", spec, "-device", "isa-debugcon,iobase=0xe9,chardev=dbg",
                NULL);
    Machine *m = build(&c);
    cr_assert_eq(as_read(&m->io, 0xE9, 1), 0xE9, "readback identifies the port");
    as_write(&m->io, 0xE9, 'o', 1);
    as_write(&m->io, 0xE9, 'k', 1);
    as_write(&m->io, 0xE9, 0x0A21, 2);  /* a word write: only the low byte lands on 0xE9 */
    machine_free(m);
    char *s = slurp(out);
    cr_assert_str_eq(s, "ok!");
    free(s);
    config_free(&c);
}

Test(machine, debugcon_option_places_the_port_at_e9)
{
    char rom[512], out[512], spec[600];
    make_rom(rom, sizeof(rom));
    scratch_path(out, sizeof(out), "debugcon-opt");
    snprintf(spec, sizeof(spec), "file:%s", out);
    MachineConfig c;
    config_from(&c, "-nodefaults", "-bios", rom, "-debugcon", spec, NULL);
    Machine *m = build(&c);
    as_write(&m->io, 0xE9, 'x', 1);
    machine_free(m);
    char *s = slurp(out);
    cr_assert_str_eq(s, "x");
    free(s);
    config_free(&c);
}

Test(machine, default_devices_and_nodefaults)
{
    char rom[512];
    make_rom(rom, sizeof(rom));
    MachineConfig c;
    config_from(&c, "-bios", rom, "-serial", "null", NULL);
    Machine *m = build(&c);
    cr_assert_eq(as_read(&m->io, 0x3FD, 1), 0x60, "COM1 LSR after reset");
    cr_assert_eq(as_read(&m->io, 0xE9, 1), 0xE9, "default debugcon");
    cr_assert_not_null(as_find(&m->io, 0xF7), "default exit port spans 0xF4-0xF7");
    cr_assert_null(as_find(&m->io, 0x2F8), "no COM2 unless asked for");
    machine_free(m);
    config_free(&c);

    config_from(&c, "-nodefaults", "-bios", rom, NULL);
    m = build(&c);
    cr_assert_null(as_find(&m->io, 0x3F8));
    cr_assert_null(as_find(&m->io, 0xE9));
    cr_assert_null(as_find(&m->io, 0xF4));
    cr_assert_eq(as_read(&m->io, 0xE9, 1), 0xFF);
    machine_free(m);
    config_free(&c);

    /* A user-placed exit device replaces the default one (no overlap), as in
     * "-device isa-debug-exit,iobase=0xf4,iosize=0x04" from QEMU test suites. */
    config_from(&c, "-bios", rom, "-serial", "null", "-serial", "null", "-device",
                "isa-debug-exit,iobase=0xf4,iosize=0x04", NULL);
    m = build(&c);
    cr_assert_eq(as_read(&m->io, 0x2FD, 1), 0x60, "COM2 present");
    as_write(&m->io, 0xF4, 1, 1);
    cr_assert_eq(m->run.exit_status, 3);
    machine_free(m);
    config_free(&c);
}

Test(machine, overlapping_devices_are_refused)
{
    char rom[512];
    make_rom(rom, sizeof(rom));
    MachineConfig c;
    config_from(&c, "-bios", rom, "-serial", "null", "-device", "isa-debug-exit,iobase=0x3fc,iosize=2", NULL);
    Error err = {0};
    Machine *m = machine_new(&c, &err);
    cr_assert_null(m);
    cr_assert(strstr(err.msg, "overlaps") && strstr(err.msg, "serial0") && strstr(err.msg, "isa-debug-exit"),
              "%s", err.msg);
    config_free(&c);
}

Test(machine, unknown_chardev_reference_is_refused)
{
    char rom[512];
    make_rom(rom, sizeof(rom));
    MachineConfig c;
    config_from(&c, "-nodefaults", "-bios", rom, "-serial", "chardev:nope", NULL);
    Error err = {0};
    cr_assert_null(machine_new(&c, &err));
    cr_assert(strstr(err.msg, "nope"), "%s", err.msg);
    config_free(&c);
}

Test(machine, two_serial_ports_cannot_share_stdin)
{
    char rom[512];
    make_rom(rom, sizeof(rom));
    MachineConfig c;
    config_from(&c, "-nodefaults", "-bios", rom, "-serial", "stdio", "-serial", "stdio", NULL);
    Error err = {0};
    cr_assert_null(machine_new(&c, &err));
    cr_assert(strstr(err.msg, "stdio"), "%s", err.msg);
    config_free(&c);
}

Test(machine, ram_layout_below_and_above_4g)
{
    char rom[512];
    make_rom(rom, sizeof(rom));
    MachineConfig c;
    config_from(&c, "-nodefaults", "-bios", rom, "-m", "4G", NULL);
    Machine *m = build(&c);
    cr_assert_eq(m->ram_layout.low_end, 0xE0000000ULL);
    cr_assert_eq(m->ram_layout.high_size, 512ULL << 20);
    cr_assert(as_is_ram(&m->mem, 0, 0xA0000));
    cr_assert_not(as_is_ram(&m->mem, 0xA0000, 1), "VGA window is not RAM");
    cr_assert(as_is_ram(&m->mem, 0x100000, 0xE0000000ULL - 0x100000));
    cr_assert_not(as_is_ram(&m->mem, 0xE0000000ULL, 1), "PCI hole");
    cr_assert(as_is_ram(&m->mem, 0x100000000ULL, 512ULL << 20));
    cr_assert_not(as_is_ram(&m->mem, 0x100000000ULL + (512ULL << 20), 1));
    /* The same byte seen through the high mapping and the host buffer. */
    as_write(&m->mem, 0x100000000ULL, 0x77, 1);
    cr_assert_eq(m->ram[0xE0000000ULL], 0x77);
    machine_free(m);
    config_free(&c);
}

Test(machine, bios_boot_starts_at_the_reset_vector)
{
    char rom[512];
    make_rom(rom, sizeof(rom));
    MachineConfig c;
    config_from(&c, "-nodefaults", "-bios", rom, "-cpu", "pentium2", NULL);
    Machine *m = build(&c);
    cr_assert_eq(m->cpu.seg[SEG_CS].selector, 0xF000);
    cr_assert_eq(m->cpu.seg[SEG_CS].base, 0xFFFF0000);
    cr_assert_eq(m->cpu.eip, 0xFFF0);
    cr_assert_eq(m->cpu.regs[R_EDX], 0x652, "EDX holds the Pentium II signature after reset");
    cr_assert_eq(as_read(&m->mem, 0xFFFFFFF0, 1), 0xF4);
    cr_assert_eq(as_read(&m->mem, 0xFFFF0, 1), 0xF4, "the ROM's low alias");
    machine_free(m);
    config_free(&c);
}

Test(machine, a_cpu_halted_with_interrupts_off_ends_a_deterministic_run)
{
    char rom[512];
    make_rom(rom, sizeof(rom));
    MachineConfig c;
    config_from(&c, "-nodefaults", "-bios", rom, NULL);
    Machine *m = build(&c);
    Error err = {0};
    cr_assert_eq(machine_run(m, &err), 1);
    cr_assert(strstr(err.msg, "halted with interrupts disabled"), "%s", err.msg);
    cr_assert_eq(m->cpu.eip, 0xFFF1, "HLT at the reset vector retired");
    machine_free(m);
    config_free(&c);
}

/* A real-mode program at the reset vector: out 0xE9 'A', out 0xF4 5. */
Test(machine, runs_real_mode_code_from_the_reset_vector)
{
    char rom[512], out[512], spec[700];
    scratch_path(rom, sizeof(rom), "prog-rom");
    scratch_path(out, sizeof(out), "prog-out");
    uint8_t *img = calloc(1, 65536);
    static const uint8_t code[] = {0xB0, 0x41, 0xE6, 0xE9, 0xB0, 0x05, 0xE6, 0xF4, 0xF4};
    memcpy(img + 0xFFF0, code, sizeof(code));
    FILE *f = fopen(rom, "wb");
    fwrite(img, 1, 65536, f);
    fclose(f);
    free(img);
    snprintf(spec, sizeof(spec), "file:%s", out);
    MachineConfig c;
    config_from(&c, "-nodefaults", "-bios", rom, "-debugcon", spec, "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
                NULL);
    Machine *m = build(&c);
    Error err = {0};
    cr_assert_eq(machine_run(m, &err), 11, "exit status (5 << 1) | 1");
    cr_assert_eq(m->cpu.insns_retired, 4, "the OUT to 0xF4 stops the run right after it");
    machine_free(m);
    char *sout = slurp(out);
    cr_assert_str_eq(sout, "A");
    free(sout);
    config_free(&c);
}

/* -icount: time is the instruction count, so RDTSC is exact and two runs
 * agree. Program: nop; nop; rdtsc; out 0xE9, al; mov al, 0; out 0xF4, al. */
static uint8_t rdtsc_run(const char *rom)
{
    char out[512], spec[600];
    scratch_path(out, sizeof(out), "icount-out");
    snprintf(spec, sizeof(spec), "file:%s", out);
    MachineConfig c;
    config_from(&c, "-nodefaults", "-bios", rom, "-debugcon", spec, "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
                "-icount", "shift=2", NULL);
    Machine *m = build(&c);
    Error err = {0};
    cr_assert_eq(machine_run(m, &err), 1, "%s", err.msg);
    machine_free(m);
    config_free(&c);
    FILE *f = fopen(out, "rb");
    int b = fgetc(f);
    fclose(f);
    return (uint8_t)b;
}

Test(machine, icount_makes_time_the_instruction_count)
{
    char rom[512];
    scratch_path(rom, sizeof(rom), "icount-rom");
    uint8_t *img = calloc(1, 65536);
    static const uint8_t code[] = {0x90, 0x90, 0x0F, 0x31, 0xE6, 0xE9, 0xB0, 0x00, 0xE6, 0xF4};
    memcpy(img + 0xFFF0, code, sizeof(code));
    FILE *f = fopen(rom, "wb");
    fwrite(img, 1, 65536, f);
    fclose(f);
    free(img);
    uint8_t a = rdtsc_run(rom), b = rdtsc_run(rom);
    cr_assert_eq(a, 8, "two instructions retired before RDTSC, 4 ns each: TSC = 8 (got %u)", a);
    cr_assert_eq(b, a, "a second run reads the same time");
}

Test(machine, port92_gates_a20_and_resets)
{
    char rom[512];
    make_rom(rom, sizeof(rom));
    MachineConfig c;
    config_from(&c, "-nodefaults", "-bios", rom, "-m", "4", NULL);
    Machine *m = build(&c);
    as_write(&m->mem, 0x000010, 0x11, 1);
    as_write(&m->mem, 0x100010, 0x22, 1);
    cr_assert_eq(as_read(&m->io, 0x92, 1), 0x02, "A20 on after reset");
    cr_assert_eq(cpu_mem_load(&m->cpu, 0x100010, 1), 0x22);
    as_write(&m->io, 0x92, 0x00, 1);
    cr_assert_eq(cpu_mem_load(&m->cpu, 0x100010, 1), 0x11, "A20 off: 1 MiB wraps to 0");
    as_write(&m->io, 0x92, 0x02, 1);
    cr_assert_eq(cpu_mem_load(&m->cpu, 0x100010, 1), 0x22);
    cr_assert_not(m->run.reset_requested);
    as_write(&m->io, 0x92, 0x03, 1);
    cr_assert(m->run.reset_requested, "bit 0 pulses reset");
    cr_assert_eq(as_read(&m->io, 0x92, 1) & 1, 0, "the reset bit reads back 0");
    machine_free(m);
    config_free(&c);
}

/* The i440FX PAM registers steer the BIOS area: 0xF0000-0xFFFFF (PAM0,
 * register 0x59 bits 5:4) reads the ROM after reset, then, as SeaBIOS
 * shadows itself: write-only DRAM (reads still ROM), read-write DRAM,
 * read-only DRAM (writes dropped). Through configuration mechanism #1. */
static void pam0_set(Machine *m, uint8_t v)
{
    as_write(&m->io, 0xCF8, 0x80000058, 4);     /* bus 0, dev 0, fn 0, dword at 0x58 */
    as_write(&m->io, 0xCFD, v, 1);              /* byte 0x59 */
}

Test(machine, pam_shadow_ram_of_the_bios_area)
{
    char rom[512];
    make_rom(rom, sizeof(rom));                 /* 64 KiB of 0xF4 */
    MachineConfig c;
    config_from(&c, "-nodefaults", "-bios", rom, "-m", "4", NULL);
    Machine *m = build(&c);
    cr_assert_eq(as_read(&m->mem, 0xF1234, 1), 0xF4, "reset: the ROM");
    as_write(&m->mem, 0xF1234, 0x55, 1);
    cr_assert_eq(as_read(&m->mem, 0xF1234, 1), 0xF4, "ROM writes are dropped");
    pam0_set(m, 0x20);                          /* write DRAM, read ROM */
    as_write(&m->mem, 0xF1234, 0x55, 1);
    cr_assert_eq(as_read(&m->mem, 0xF1234, 1), 0xF4, "write-only: reads still the ROM");
    pam0_set(m, 0x30);                          /* read and write DRAM */
    cr_assert_eq(as_read(&m->mem, 0xF1234, 1), 0x55, "the byte written to DRAM");
    as_write(&m->mem, 0xF1235, 0x66, 1);
    pam0_set(m, 0x10);                          /* read DRAM, writes to the ROM side */
    as_write(&m->mem, 0xF1235, 0x77, 1);
    cr_assert_eq(as_read(&m->mem, 0xF1235, 1), 0x66, "read-only shadow: the write was dropped");
    cr_assert_eq(as_read(&m->mem, 0xFFFF0, 1), 0x00, "shadow RAM, not the ROM, at the reset vector alias");
    cr_assert_eq(as_read(&m->mem, 0xFFFFFFF0, 1), 0xF4, "the ROM at 4 GiB is not shadowed");
    machine_reset(m);
    cr_assert_eq(as_read(&m->mem, 0xF1235, 1), 0xF4, "reset maps the ROM again");
    machine_free(m);
    config_free(&c);
}
