/* The physical memory / port registry: overlaps, unassigned accesses,
 * access-size splitting and widening, ROM, bulk copies. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmu/memory.h"

/* A device that records every access it sees. */
typedef struct Spy {
    uint8_t regs[16];
    int reads, writes;
    uint64_t last_off, last_val;
    unsigned last_size;
    unsigned sizes_seen;   /* bit n set: an access of size n arrived */
} Spy;

static uint64_t spy_read(void *opaque, uint64_t off, unsigned size)
{
    Spy *s = opaque;
    s->reads++;
    s->last_off = off;
    s->last_size = size;
    s->sizes_seen |= 1u << size;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)s->regs[(off + i) % 16] << (8 * i);
    return v;
}

static void spy_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    Spy *s = opaque;
    s->writes++;
    s->last_off = off;
    s->last_val = val;
    s->last_size = size;
    s->sizes_seen |= 1u << size;
    for (unsigned i = 0; i < size; i++)
        s->regs[(off + i) % 16] = (uint8_t)(val >> (8 * i));
}

static const IoOps spy_ops_any = {spy_read, spy_write, 1, 8};
static const IoOps spy_ops_bytes = {spy_read, spy_write, 1, 1};
static const IoOps spy_ops_words = {spy_read, spy_write, 4, 4};

static AddressSpace as;
static Log quiet_log;

static void setup(void)
{
    quiet_log = (Log){0};
    as_init(&as, "ioport", IO_PORT_SPACE_SIZE, &quiet_log);
}

static void teardown(void)
{
    as_destroy(&as);
}

TestSuite(memory, .init = setup, .fini = teardown);

Test(memory, overlapping_registration_is_rejected_with_both_names)
{
    Spy a = {0}, b = {0};
    Error err = {0};
    cr_assert(as_map_io(&as, 0x3F8, 8, &spy_ops_any, &a, "com1", &err));
    cr_assert_not(as_map_io(&as, 0x3FF, 2, &spy_ops_any, &b, "clash", &err));
    cr_assert(strstr(err.msg, "clash") && strstr(err.msg, "com1") && strstr(err.msg, "overlaps"), "%s", err.msg);
    /* Overlap from below, containment and exact duplicate too. */
    Error e2 = {0}, e3 = {0}, e4 = {0};
    cr_assert_not(as_map_io(&as, 0x3F0, 9, &spy_ops_any, &b, "below", &e2));
    cr_assert_not(as_map_io(&as, 0x3F0, 0x20, &spy_ops_any, &b, "around", &e3));
    cr_assert_not(as_map_io(&as, 0x3F8, 8, &spy_ops_any, &b, "same", &e4));
    cr_assert(e2.set && e3.set && e4.set);
    /* Adjacent regions are fine. */
    Error ok = {0};
    cr_assert(as_map_io(&as, 0x3F0, 8, &spy_ops_any, &b, "adjacent-below", &ok), "%s", ok.msg);
    cr_assert(as_map_io(&as, 0x400, 1, &spy_ops_any, &b, "adjacent-above", &ok), "%s", ok.msg);
    cr_assert_eq(as.count, 3);
}

Test(memory, region_outside_space_or_empty_is_rejected)
{
    Spy a = {0};
    Error e1 = {0}, e2 = {0}, e3 = {0};
    cr_assert_not(as_map_io(&as, 0xFFFF, 2, &spy_ops_any, &a, "past-end", &e1));
    cr_assert_not(as_map_io(&as, 0x10000, 1, &spy_ops_any, &a, "beyond", &e2));
    cr_assert_not(as_map_io(&as, 0x100, 0, &spy_ops_any, &a, "empty", &e3));
    cr_assert(strstr(e1.msg, "past-end") && strstr(e1.msg, "does not fit"), "%s", e1.msg);
}

Test(memory, unassigned_reads_all_ones_and_writes_vanish)
{
    cr_assert_eq(as_read(&as, 0x80, 1), 0xFF);
    cr_assert_eq(as_read(&as, 0x80, 2), 0xFFFF);
    cr_assert_eq(as_read(&as, 0x80, 4), 0xFFFFFFFFu);
    cr_assert_eq(as_read(&as, 0x80, 8), UINT64_MAX);
    as_write(&as, 0x80, 0x12345678, 4);     /* must not crash */
    cr_assert_eq(as_read(&as, 0xFFFF, 4), 0xFFFFFFFFu);   /* runs past the space */
}

Test(memory, unassigned_access_is_logged_under_unimp_and_guest_errors)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    quiet_log.out = f;
    quiet_log.mask = LOG_UNIMP;
    as_read(&as, 0x123, 2);
    quiet_log.mask = LOG_GUEST_ERRORS;
    as_write(&as, 0x456, 0xAB, 1);
    quiet_log.mask = LOG_CPU;   /* unrelated category: silent */
    as_read(&as, 0x789, 1);
    fclose(f);
    quiet_log.out = NULL;
    cr_assert(strstr(buf, "unassigned ioport read: addr 0x123 size 2"), "%s", buf);
    cr_assert(strstr(buf, "unassigned ioport write: addr 0x456 size 1 value 0xab"), "%s", buf);
    cr_assert_null(strstr(buf, "0x789"), "%s", buf);
    free(buf);
}

Test(memory, device_sees_offsets_relative_to_its_base)
{
    Spy s = {0};
    Error err = {0};
    cr_assert(as_map_io(&as, 0x3F8, 8, &spy_ops_any, &s, "dev", &err));
    as_write(&as, 0x3FB, 0x83, 1);
    cr_assert_eq(s.last_off, 3);
    cr_assert_eq(s.last_val, 0x83);
    cr_assert_eq(as_read(&as, 0x3FB, 1), 0x83);
    cr_assert_eq(s.reads, 1);
}

Test(memory, wide_access_is_split_for_byte_devices)
{
    Spy s = {0};
    Error err = {0};
    cr_assert(as_map_io(&as, 0x60, 8, &spy_ops_bytes, &s, "bytes", &err));
    as_write(&as, 0x60, 0x44332211, 4);
    cr_assert_eq(s.writes, 4);
    cr_assert_eq(s.sizes_seen, 1u << 1);
    cr_assert_eq(s.regs[0], 0x11);
    cr_assert_eq(s.regs[3], 0x44);
    cr_assert_eq(as_read(&as, 0x61, 2), 0x3322);
    cr_assert_eq(s.reads, 2);
}

Test(memory, narrow_access_is_widened_for_dword_devices)
{
    Spy s = {0};
    Error err = {0};
    cr_assert(as_map_io(&as, 0xCF8, 4, &spy_ops_words, &s, "dwords", &err));
    s.regs[0] = 0x11, s.regs[1] = 0x22, s.regs[2] = 0x33, s.regs[3] = 0x44;
    cr_assert_eq(as_read(&as, 0xCFA, 1), 0x33);
    cr_assert_eq(s.last_size, 4);
    cr_assert_eq(s.last_off, 0);
    cr_assert_eq(as_read(&as, 0xCF9, 2), 0x3322);
    as_write(&as, 0xCF9, 0xAB, 1);
    cr_assert_eq(s.last_size, 4);
    cr_assert_eq(s.last_val, 0xAB00);
}

Test(memory, access_straddling_a_region_end_goes_bytewise)
{
    Spy s = {0};
    Error err = {0};
    cr_assert(as_map_io(&as, 0xE9, 1, &spy_ops_any, &s, "one-port", &err));
    s.regs[0] = 0x5A;
    /* A word read at 0xE9 covers 0xE9 (device) and 0xEA (unassigned). */
    cr_assert_eq(as_read(&as, 0xE9, 2), 0xFF5A);
    as_write(&as, 0xE8, 0x7766, 2);
    cr_assert_eq(s.regs[0], 0x77);
    cr_assert_eq(s.last_size, 1);
}

Test(memory, ram_and_rom_in_the_memory_space)
{
    AddressSpace mem;
    Error err = {0};
    uint8_t ram[0x2000] = {0}, rom[0x1000];
    memset(rom, 0xC3, sizeof(rom));
    as_init(&mem, "memory", PHYS_ADDR_SPACE_SIZE, NULL);
    cr_assert(as_map_ram(&mem, 0, sizeof(ram), ram, "ram", &err));
    cr_assert(as_map_rom(&mem, 0xFFFFF000, sizeof(rom), rom, "rom", &err));
    as_write(&mem, 0x10, 0x1122334455667788ULL, 8);
    cr_assert_eq(ram[0x10], 0x88);
    cr_assert_eq(ram[0x17], 0x11);
    cr_assert_eq(as_read(&mem, 0x12, 4), 0x33445566);
    /* Straddling the end of RAM: the missing bytes read as ones. */
    ram[0x1FFF] = 0x42;
    cr_assert_eq(as_read(&mem, 0x1FFF, 2), 0xFF42);
    /* ROM reads; writes are dropped. */
    cr_assert_eq(as_read(&mem, 0xFFFFFFF0, 1), 0xC3);
    as_write(&mem, 0xFFFFFFF0, 0, 1);
    cr_assert_eq(rom[0xFF0], 0xC3);
    /* Above 4 GiB: addresses are 64-bit (PAE). */
    cr_assert(as_map_ram(&mem, 0x100000000ULL, 0x1000, ram + 0x1000, "high", &err));
    as_write(&mem, 0x100000004ULL, 0xAA, 1);
    cr_assert_eq(ram[0x1004], 0xAA);
    as_destroy(&mem);
}

Test(memory, bulk_copies_are_bounds_checked)
{
    AddressSpace mem;
    Error err = {0};
    uint8_t ram[0x3000] = {0}, rom[0x1000] = {1, 2, 3};
    uint8_t buf[0x20];
    Spy s = {0};
    as_init(&mem, "memory", PHYS_ADDR_SPACE_SIZE, NULL);
    cr_assert(as_map_ram(&mem, 0, 0x1000, ram, "a", &err));
    cr_assert(as_map_ram(&mem, 0x1000, 0x1000, ram + 0x1000, "b", &err));
    cr_assert(as_map_rom(&mem, 0x2000, 0x1000, rom, "rom", &err));
    cr_assert(as_map_io(&mem, 0x4000, 0x100, &spy_ops_any, &s, "mmio", &err));
    memset(buf, 0x5A, sizeof(buf));
    cr_assert(as_write_buf(&mem, 0xFF0, buf, 0x20));        /* spans two RAM regions */
    cr_assert_eq(ram[0xFF0], 0x5A);
    cr_assert_eq(ram[0x100F], 0x5A);
    cr_assert_not(as_write_buf(&mem, 0x1FF0, buf, 0x20));   /* runs into ROM */
    cr_assert_eq(ram[0x1FF0], 0, "a refused copy must not write anything");
    cr_assert(as_read_buf(&mem, 0x1FFE, buf, 4));           /* RAM then ROM */
    cr_assert_eq(buf[2], 1);
    cr_assert_eq(buf[3], 2);
    cr_assert_not(as_read_buf(&mem, 0x2FF0, buf, 0x20));    /* runs into a gap */
    cr_assert_not(as_read_buf(&mem, 0x4000, buf, 4));       /* MMIO is not host memory */
    cr_assert_eq(s.reads, 0);
    cr_assert_not(as_read_buf(&mem, UINT64_MAX - 2, buf, 8)); /* wraps */
    cr_assert(as_is_ram(&mem, 0, 0x2000));
    cr_assert_not(as_is_ram(&mem, 0, 0x2001));
    as_destroy(&mem);
}

Test(memory, unmap_removes_a_region)
{
    Spy s = {0};
    Error err = {0};
    cr_assert(as_map_io(&as, 0xC000, 0x40, &spy_ops_any, &s, "bar", &err));
    cr_assert(as_unmap(&as, 0xC000));
    cr_assert_not(as_unmap(&as, 0xC000));
    cr_assert_eq(as_read(&as, 0xC000, 1), 0xFF);
    cr_assert(as_map_io(&as, 0xC000, 0x40, &spy_ops_any, &s, "bar", &err));
}

Test(memory, ioport_tracing_logs_every_access_when_enabled)
{
    Spy s = {0};
    Error err = {0};
    char *buf = NULL;
    size_t len = 0;
    cr_assert(as_map_io(&as, 0x70, 2, &spy_ops_any, &s, "cmos", &err));
    s.regs[1] = 0x42;
    as.trace_mask = LOG_IOPORT;
    FILE *f = open_memstream(&buf, &len);
    quiet_log.out = f;
    as_write(&as, 0x70, 0x8F, 1);
    cr_assert_eq(as_read(&as, 0x71, 1), 0x42);
    quiet_log.mask = LOG_IOPORT;
    as_write(&as, 0x70, 0x0A, 1);
    cr_assert_eq(as_read(&as, 0x71, 1), 0x42);
    fclose(f);
    quiet_log.out = NULL;
    cr_assert_null(strstr(buf, "0x8f"), "nothing logged while -d ioport is off: %s", buf);
    cr_assert(strstr(buf, "ioport write 0x0070 size 1 <- 0xa"), "%s", buf);
    cr_assert(strstr(buf, "ioport read  0x0071 size 1 -> 0x42"), "%s", buf);
    free(buf);
}
