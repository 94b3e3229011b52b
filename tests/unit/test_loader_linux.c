/* Unit tests for the Linux bzImage loader (32-bit boot protocol of
 * Documentation/arch/x86/boot.rst): the kernel at 1 MiB, boot_params with
 * the setup header, command line, initrd placement and e820 map, the boot
 * GDT, the one-line errors, and -kernel dispatch in the jitpc binary (a
 * tiny synthetic bzImage whose 32-bit payload checks the entry state and
 * exits through isa-debug-exit). Images are built byte by byte here. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers/spawn.h"
#include "machine/loader_linux.h"
#include "helpers/loader_env.h"
#include "mmu/memory.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

/* boot_params / setup header offsets (boot.rst, "The real-mode kernel header"). */
enum {
    BP_E820_ENTRIES = 0x1E8,
    BP_SETUP_SECTS = 0x1F1,
    BP_SYSSIZE = 0x1F4,
    BP_VID_MODE = 0x1FA,
    BP_BOOT_FLAG = 0x1FE,
    BP_JUMP = 0x200,
    BP_HEADER = 0x202,
    BP_VERSION = 0x206,
    BP_TYPE_OF_LOADER = 0x210,
    BP_LOADFLAGS = 0x211,
    BP_CODE32_START = 0x214,
    BP_RAMDISK_IMAGE = 0x218,
    BP_RAMDISK_SIZE = 0x21C,
    BP_HEAP_END_PTR = 0x224,
    BP_CMD_LINE_PTR = 0x228,
    BP_INITRD_ADDR_MAX = 0x22C,
    BP_CMDLINE_SIZE = 0x238,
    BP_INIT_SIZE = 0x260,
    BP_E820_TABLE = 0x2D0,
    BP_HDR_MAX_END = 0x290,
};

#define LOADED_HIGH  0x01u
#define CAN_USE_HEAP 0x80u

/* ---- synthetic bzImages ------------------------------------------------ */

static void put16(uint8_t *p, uint16_t v)
{
    memcpy(p, &v, 2);       /* tests run on little-endian hosts, as the guest is */
}

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

typedef struct BzSpec {
    uint8_t setup_sects;    /* 0 means 4 (boot.rst) */
    uint16_t version;
    uint8_t loadflags;
    uint32_t code32_start, initrd_addr_max, cmdline_size, init_size;
    uint16_t hdr_end;       /* 0x202 + the jump's displacement byte */
} BzSpec;

static BzSpec bz_default(void)
{
    return (BzSpec){.setup_sects = 4, .version = 0x020F, .loadflags = LOADED_HIGH | CAN_USE_HEAP,
                    .code32_start = 0x100000, .initrd_addr_max = 0x7FFFFFFF, .cmdline_size = 2047,
                    .init_size = 0x20000, .hdr_end = 0x280};
}

static uint8_t setup_byte(size_t off)
{
    return (uint8_t)(off * 13 + 5);
}

static uint8_t pm_byte(size_t off)
{
    return (uint8_t)(off * 7 + 1);
}

static size_t bz_setup_size(const BzSpec *s)
{
    return ((size_t)(s->setup_sects ? s->setup_sects : 4) + 1) * 512;
}

/* A bzImage: setup sectors (a byte pattern under the header fields) and a
 * protected-mode payload of `pm` or, when NULL, pm_len bytes of pm_byte.
 * Returns a malloc'ed image of *len bytes. */
static uint8_t *bz_build(const BzSpec *s, const uint8_t *pm, size_t pm_len, size_t *len)
{
    size_t setup = bz_setup_size(s);
    *len = setup + pm_len;
    uint8_t *img = malloc(*len);
    cr_assert_not_null(img);
    for (size_t i = 0; i < setup; i++)
        img[i] = setup_byte(i);
    for (size_t i = 0; i < pm_len; i++)
        img[setup + i] = pm ? pm[i] : pm_byte(i);
    img[BP_SETUP_SECTS] = s->setup_sects;
    put32(img + BP_SYSSIZE, (uint32_t)((pm_len + 15) / 16));
    put16(img + BP_BOOT_FLAG, 0xAA55);
    img[BP_JUMP] = 0xEB;
    img[BP_JUMP + 1] = (uint8_t)(s->hdr_end - 0x202);
    memcpy(img + BP_HEADER, "HdrS", 4);
    put16(img + BP_VERSION, s->version);
    img[BP_TYPE_OF_LOADER] = 0;
    img[BP_LOADFLAGS] = s->loadflags;
    put32(img + BP_CODE32_START, s->code32_start);
    put32(img + BP_RAMDISK_IMAGE, 0);
    put32(img + BP_RAMDISK_SIZE, 0);
    put32(img + BP_CMD_LINE_PTR, 0);
    put32(img + BP_INITRD_ADDR_MAX, s->initrd_addr_max);
    put32(img + BP_CMDLINE_SIZE, s->cmdline_size);
    put32(img + BP_INIT_SIZE, s->init_size);
    return img;
}

static const char *bz_file(TestEnv *t, const BzSpec *s, size_t pm_len, size_t keep)
{
    size_t len;
    uint8_t *img = bz_build(s, NULL, pm_len, &len);
    const char *path = env_file(t, "bzimage", img, keep ? keep : len);
    free(img);
    return path;
}

static uint8_t rd_byte(size_t off)
{
    return (uint8_t)(off * 11 + 3);
}

static const char *initrd_file(TestEnv *t, size_t len)
{
    uint8_t *d = malloc(len ? len : 1);
    cr_assert_not_null(d);
    for (size_t i = 0; i < len; i++)
        d[i] = rd_byte(i);
    const char *path = env_file(t, "initrd", d, len);
    free(d);
    return path;
}

static bool load(TestEnv *t, const char *kernel, const char *cmdline, const char *initrd, LinuxEntry *out, Error *err)
{
    memset(out, 0, sizeof(*out));
    return linux_load(&t->mem, &t->layout, kernel, cmdline, initrd, NULL, out, err);
}

/* The error text of a load that must fail: one line. */
static const char *load_fails(TestEnv *t, const char *kernel, const char *cmdline, const char *initrd, Error *err)
{
    LinuxEntry out;
    cr_assert_not(load(t, kernel, cmdline, initrd, &out, err), "the load should fail");
    cr_assert(err->set);
    cr_assert_neq(err->msg[0], '\0');
    cr_assert_null(strchr(err->msg, '\n'), "one line: %s", err->msg);
    return err->msg;
}

/* ---- probe ------------------------------------------------------------- */

Test(bzimage, probe_wants_hdrs_and_a_whole_header)
{
    BzSpec s = bz_default();
    size_t len;
    uint8_t *img = bz_build(&s, NULL, 0x200, &len);
    cr_assert(linux_probe(img, len));
    cr_assert(linux_probe(img, BP_HDR_MAX_END), "the header alone is enough to recognise");
    cr_assert_not(linux_probe(img, BP_HDR_MAX_END - 1), "a cut-off header is not one");
    img[BP_HEADER + 3] = 'T';
    cr_assert_not(linux_probe(img, len), "no HdrS");
    free(img);
}

/* ---- a good load --------------------------------------------------------- */

#define PM_LEN  0x3456u
#define RD_LEN  0x12345u
#define CMDLINE "console=ttyS0 root=/dev/ram0 quiet"

Test(bzimage, good_image_kernel_boot_params_initrd_e820_gdt)
{
    TestEnv t;
    env_init(&t, 64 * MiB, 0);
    BzSpec s = bz_default();
    size_t len;
    uint8_t *img = bz_build(&s, NULL, PM_LEN, &len);
    const char *kernel = env_file(&t, "bzimage", img, len);
    const char *initrd = initrd_file(&t, RD_LEN);
    LinuxEntry out;
    Error err = {0};
    cr_assert(load(&t, kernel, CMDLINE, initrd, &out, &err), "%s", err.msg);

    /* Entry. */
    cr_assert_eq(out.entry, s.code32_start);
    cr_assert_eq(out.boot_params, LINUX_BOOT_PARAMS_ADDR);
    cr_assert_eq(out.gdt_base, LINUX_GDT_ADDR);
    cr_assert_eq(out.gdt_limit, 31u);

    /* The protected-mode kernel at 1 MiB byte for byte, and nothing past it. */
    for (size_t i = 0; i < PM_LEN; i++)
        cr_assert_eq(env_rd8(&t, LINUX_KERNEL_ADDR + i), pm_byte(i), "kernel byte 0x%zx", i);
    cr_assert(env_ram_all(&t, LINUX_KERNEL_ADDR + PM_LEN, 16, LOADER_RAM_FILL));

    /* The setup header copied, except the fields the loader owns. */
    const uint64_t bp = LINUX_BOOT_PARAMS_ADDR;
    for (size_t off = 0x1F1; off < s.hdr_end; off++) {
        bool loader_field = off == BP_TYPE_OF_LOADER || off == BP_LOADFLAGS ||
                            (off >= BP_VID_MODE && off < BP_VID_MODE + 2) ||
                            (off >= BP_RAMDISK_IMAGE && off < BP_RAMDISK_SIZE + 4) ||
                            (off >= BP_HEAP_END_PTR && off < BP_HEAP_END_PTR + 2) ||
                            (off >= BP_CMD_LINE_PTR && off < BP_CMD_LINE_PTR + 4);
        if (!loader_field)
            cr_assert_eq(env_rd8(&t, bp + off), img[off], "setup header byte 0x%zx", off);
    }
    cr_assert_eq(env_rd8(&t, bp + BP_SETUP_SECTS), 4);
    cr_assert_eq(env_rd32(&t, bp + BP_HEADER), 0x53726448u, "HdrS");
    cr_assert_eq(as_read(&t.mem, bp + BP_VERSION, 2), 0x020Fu);
    cr_assert_eq(env_rd32(&t, bp + BP_CODE32_START), 0x100000u);
    cr_assert_eq(env_rd32(&t, bp + BP_INIT_SIZE), s.init_size);
    cr_assert_eq(env_rd8(&t, bp + BP_TYPE_OF_LOADER), 0xFF);
    cr_assert_eq(env_rd8(&t, bp + BP_LOADFLAGS) & LOADED_HIGH, LOADED_HIGH);
    cr_assert_eq(env_rd8(&t, bp + BP_LOADFLAGS) & CAN_USE_HEAP, 0, "no heap_end_ptr given");
    /* Past the header and before it (but the e820 map) boot_params is zero. */
    cr_assert(env_ram_all(&t, bp + s.hdr_end, BP_HDR_MAX_END - s.hdr_end, 0), "past the header end");
    cr_assert(env_ram_all(&t, bp, BP_E820_ENTRIES, 0));

    /* The command line, NUL-terminated where cmd_line_ptr points. */
    cr_assert_eq(env_rd32(&t, bp + BP_CMD_LINE_PTR), LINUX_CMDLINE_ADDR);
    for (size_t i = 0; i <= strlen(CMDLINE); i++)
        cr_assert_eq(env_rd8(&t, LINUX_CMDLINE_ADDR + i), (uint8_t)CMDLINE[i], "command line byte %zu", i);

    /* The initrd: page-aligned, as high as possible below the end of RAM
     * (initrd_addr_max is above it here). */
    uint32_t rd_addr = env_rd32(&t, bp + BP_RAMDISK_IMAGE);
    cr_assert_eq(env_rd32(&t, bp + BP_RAMDISK_SIZE), RD_LEN);
    cr_assert_eq(rd_addr & 0xFFF, 0, "page-aligned: 0x%x", rd_addr);
    cr_assert_eq(rd_addr, (64 * MiB - RD_LEN) & ~0xFFFull, "highest page below the end: 0x%x", rd_addr);
    for (size_t i = 0; i < RD_LEN; i++)
        if (env_rd8(&t, rd_addr + i) != rd_byte(i))
            cr_assert_fail("initrd byte 0x%zx", i);

    /* e820: low RAM, EBDA and BIOS holes, RAM from 1 MiB; nothing above 4 GiB. */
    static const struct { uint64_t addr, size; uint32_t type; } want[] = {
        {0, 0x9FC00, 1}, {0x9FC00, 0x400, 2}, {0xF0000, 0x10000, 2}, {0x100000, 63 * MiB, 1},
    };
    cr_assert_eq(env_rd8(&t, bp + BP_E820_ENTRIES), 4);
    for (unsigned i = 0; i < 4; i++) {
        uint64_t e = bp + BP_E820_TABLE + 20 * i;
        cr_assert_eq(env_rd64(&t, e), want[i].addr, "e820[%u].addr", i);
        cr_assert_eq(env_rd64(&t, e + 8), want[i].size, "e820[%u].size", i);
        cr_assert_eq(env_rd32(&t, e + 16), want[i].type, "e820[%u].type", i);
    }

    /* GDT: flat 32-bit code at 0x10 and flat data at 0x18, ring 0, present. */
    for (unsigned sel = 0x10; sel <= 0x18; sel += 8) {
        uint64_t d = env_rd64(&t, LINUX_GDT_ADDR + sel);
        uint32_t base = (uint32_t)(((d >> 16) & 0xFFFFFF) | ((d >> 32) & 0xFF000000));
        uint32_t limit = (uint32_t)((d & 0xFFFF) | ((d >> 32) & 0xF0000));
        unsigned access = (unsigned)((d >> 40) & 0xFF), flags = (unsigned)((d >> 52) & 0xF);
        cr_assert_eq(base, 0, "selector 0x%x base", sel);
        cr_assert_eq(limit, 0xFFFFF, "selector 0x%x limit", sel);
        cr_assert_eq(flags & 0xC, 0xC, "selector 0x%x: G and D/B", sel);
        cr_assert_eq(access & 0xF0, 0x90, "selector 0x%x: present, DPL 0, code/data", sel);
        if (sel == 0x10)
            cr_assert_eq(access & 0x0A, 0x0A, "0x10 is executable and readable code");
        else
            cr_assert_eq(access & 0x0A, 0x02, "0x18 is writable data");
    }
    free(img);
    env_fini(&t);
}

Test(bzimage, initrd_below_initrd_addr_max)
{
    TestEnv t;
    env_init(&t, 64 * MiB, 0);
    BzSpec s = bz_default();
    s.initrd_addr_max = 0x01FFF7FF;     /* top at 32 MiB - 2 KiB: not a page boundary */
    const char *kernel = bz_file(&t, &s, 0x1000, 0);
    const char *initrd = initrd_file(&t, 0x2001);
    LinuxEntry out;
    Error err = {0};
    cr_assert(load(&t, kernel, NULL, initrd, &out, &err), "%s", err.msg);
    uint32_t rd_addr = env_rd32(&t, LINUX_BOOT_PARAMS_ADDR + BP_RAMDISK_IMAGE);
    cr_assert_eq(rd_addr, (0x01FFF800u - 0x2001u) & ~0xFFFu, "0x%x", rd_addr);
    cr_assert_leq(rd_addr + 0x2001u - 1, s.initrd_addr_max, "the last byte is at most initrd_addr_max");
    cr_assert_eq(env_rd32(&t, LINUX_BOOT_PARAMS_ADDR + BP_RAMDISK_SIZE), 0x2001u);
    cr_assert_eq(env_rd8(&t, rd_addr + 0x2000), rd_byte(0x2000));
    env_fini(&t);
}

Test(bzimage, no_cmdline_no_initrd)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    BzSpec s = bz_default();
    const char *kernel = bz_file(&t, &s, 0x800, 0);
    LinuxEntry out;
    Error err = {0};
    cr_assert(load(&t, kernel, NULL, NULL, &out, &err), "%s", err.msg);
    uint64_t bp = LINUX_BOOT_PARAMS_ADDR;
    cr_assert_eq(env_rd32(&t, bp + BP_CMD_LINE_PTR), LINUX_CMDLINE_ADDR);
    cr_assert_eq(env_rd8(&t, LINUX_CMDLINE_ADDR), 0, "an empty command line");
    cr_assert_eq(env_rd32(&t, bp + BP_RAMDISK_IMAGE), 0);
    cr_assert_eq(env_rd32(&t, bp + BP_RAMDISK_SIZE), 0);
    env_fini(&t);
}

Test(bzimage, setup_sects_zero_means_four)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    BzSpec s = bz_default();
    s.setup_sects = 0;
    const char *kernel = bz_file(&t, &s, 0x400, 0);
    LinuxEntry out;
    Error err = {0};
    cr_assert(load(&t, kernel, NULL, NULL, &out, &err), "%s", err.msg);
    for (size_t i = 0; i < 0x400; i++)
        cr_assert_eq(env_rd8(&t, LINUX_KERNEL_ADDR + i), pm_byte(i), "kernel byte 0x%zx", i);
    env_fini(&t);
}

Test(bzimage, e820_has_ram_above_4g)
{
    TestEnv t;
    env_init(&t, 32 * MiB, 3 * GiB);
    BzSpec s = bz_default();
    const char *kernel = bz_file(&t, &s, 0x800, 0);
    LinuxEntry out;
    Error err = {0};
    cr_assert(load(&t, kernel, "x", NULL, &out, &err), "%s", err.msg);
    uint64_t bp = LINUX_BOOT_PARAMS_ADDR;
    cr_assert_eq(env_rd8(&t, bp + BP_E820_ENTRIES), 5);
    uint64_t e = bp + BP_E820_TABLE + 20 * 3;
    cr_assert_eq(env_rd64(&t, e), 0x100000u);
    cr_assert_eq(env_rd64(&t, e + 8), 31 * MiB);
    e += 20;
    cr_assert_eq(env_rd64(&t, e), 4 * GiB);
    cr_assert_eq(env_rd64(&t, e + 8), 3 * GiB);
    cr_assert_eq(env_rd32(&t, e + 16), 1u);
    env_fini(&t);
}

Test(bzimage, cmdline_of_exactly_cmdline_size_fits)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    BzSpec s = bz_default();
    s.cmdline_size = 16;
    const char *kernel = bz_file(&t, &s, 0x800, 0);
    LinuxEntry out;
    Error err = {0};
    cr_assert(load(&t, kernel, "0123456789abcdef", NULL, &out, &err), "cmdline_size excludes the NUL: %s",
              err.msg);
    cr_assert_eq(env_rd8(&t, LINUX_CMDLINE_ADDR + 15), 'f');
    cr_assert_eq(env_rd8(&t, LINUX_CMDLINE_ADDR + 16), 0);
    env_fini(&t);
}

/* A 2.04 header ends at 0x230 (the jump says so); boot_params past it must
 * stay zero, not hold the setup code that follows the header in the image
 * (boot.rst, 32-bit boot protocol: zero boot_params, copy the header up to
 * 0x202 + the byte at 0x201). */
Test(bzimage, short_header_copied_only_to_its_end)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    BzSpec s = bz_default();
    s.version = 0x0204;
    s.hdr_end = 0x230;
    const char *kernel = bz_file(&t, &s, 0x800, 0);
    LinuxEntry out;
    Error err = {0};
    cr_assert(load(&t, kernel, "x", NULL, &out, &err), "%s", err.msg);
    uint64_t bp = LINUX_BOOT_PARAMS_ADDR;
    cr_assert_eq(env_rd32(&t, bp + BP_INITRD_ADDR_MAX), s.initrd_addr_max, "the last 2.04 field is copied");
    for (uint64_t off = 0x230; off < BP_HDR_MAX_END; off++)
        cr_assert_eq(env_rd8(&t, bp + off), 0, "boot_params byte 0x%llx past the 2.04 header is 0x%02x, not 0",
                     (unsigned long long)off, env_rd8(&t, bp + off));
    env_fini(&t);
}

/* ---- errors -------------------------------------------------------------- */

Test(bzimage, not_a_bzimage_rejected)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    BzSpec s = bz_default();
    size_t len;
    uint8_t *img = bz_build(&s, NULL, 0x800, &len);
    memcpy(img + BP_HEADER, "HdrX", 4);
    const char *kernel = env_file(&t, "nohdrs", img, len);
    Error err = {0};
    const char *msg = load_fails(&t, kernel, NULL, NULL, &err);
    cr_assert(strstr(msg, "not a Linux bzImage") && strstr(msg, kernel), "%s", msg);
    cr_assert(env_ram_all(&t, LINUX_KERNEL_ADDR, 0x800, LOADER_RAM_FILL), "nothing loaded");
    free(img);
    env_fini(&t);
}

Test(bzimage, protocol_203_rejected)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    BzSpec s = bz_default();
    s.version = 0x0203;
    Error err = {0};
    const char *msg = load_fails(&t, bz_file(&t, &s, 0x800, 0), NULL, NULL, &err);
    cr_assert(strstr(msg, "2.03") && strstr(msg, "needs 2.04"), "%s", msg);
    env_fini(&t);
}

Test(bzimage, zimage_rejected)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    BzSpec s = bz_default();
    s.loadflags = CAN_USE_HEAP;
    Error err = {0};
    const char *msg = load_fails(&t, bz_file(&t, &s, 0x800, 0), NULL, NULL, &err);
    cr_assert(strstr(msg, "zImage"), "%s", msg);
    env_fini(&t);
}

Test(bzimage, truncated_rejected)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    BzSpec s = bz_default();
    Error err = {0};
    /* 0x800 bytes: the whole header, but short of the 0xA00-byte setup. */
    const char *msg = load_fails(&t, bz_file(&t, &s, 0x800, 0x800), NULL, NULL, &err);
    cr_assert(strstr(msg, "truncated") && strstr(msg, "2048 bytes") && strstr(msg, "2560"), "%s", msg);
    /* Exactly the setup and no kernel is truncated too. */
    Error err2 = {0};
    msg = load_fails(&t, bz_file(&t, &s, 0x800, 0xA00), NULL, NULL, &err2);
    cr_assert(strstr(msg, "truncated"), "%s", msg);
    /* Cut inside the kernel payload: syssize says more (16-byte units). */
    Error err3 = {0};
    msg = load_fails(&t, bz_file(&t, &s, 0x800, 0xA00 + 0x100), NULL, NULL, &err3);
    cr_assert(strstr(msg, "truncated") && strstr(msg, "its header says"), "%s", msg);
    env_fini(&t);
}

Test(bzimage, init_size_too_large_for_ram_rejected)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    BzSpec s = bz_default();
    s.init_size = 32 * MiB;
    Error err = {0};
    const char *msg = load_fails(&t, bz_file(&t, &s, 0x800, 0), NULL, NULL, &err);
    cr_assert(strstr(msg, "needs 33 MiB") && strstr(msg, "16 MiB"), "%s", msg);
    cr_assert(env_ram_all(&t, LINUX_KERNEL_ADDR, 0x800, LOADER_RAM_FILL), "nothing loaded");
    env_fini(&t);
}

Test(bzimage, init_size_ignored_before_210)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    BzSpec s = bz_default();
    s.version = 0x0209;
    s.init_size = 32 * MiB;     /* not a field before 2.10: setup code there */
    LinuxEntry out;
    Error err = {0};
    cr_assert(load(&t, bz_file(&t, &s, 0x800, 0), NULL, NULL, &out, &err), "%s", err.msg);
    env_fini(&t);
}

Test(bzimage, cmdline_longer_than_cmdline_size_rejected)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    BzSpec s = bz_default();
    s.cmdline_size = 16;
    Error err = {0};
    const char *msg = load_fails(&t, bz_file(&t, &s, 0x800, 0), "0123456789abcdefg", NULL, &err);
    cr_assert(strstr(msg, "-append") && strstr(msg, "17 bytes") && strstr(msg, "at most 16"), "%s", msg);
    env_fini(&t);
}

Test(bzimage, initrd_not_fitting_above_kernel_rejected)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    BzSpec s = bz_default();
    s.init_size = 8 * MiB;      /* the kernel takes [1 MiB, 9 MiB) */
    const char *kernel = bz_file(&t, &s, 0x800, 0);
    Error err = {0};
    const char *msg = load_fails(&t, kernel, NULL, initrd_file(&t, 7 * MiB + 1), &err);
    cr_assert(strstr(msg, "-initrd") && strstr(msg, "does not fit"), "%s", msg);
    env_fini(&t);
}

Test(bzimage, initrd_under_low_initrd_addr_max_rejected)
{
    TestEnv t;
    env_init(&t, 64 * MiB, 0);
    BzSpec s = bz_default();
    s.init_size = 8 * MiB;
    s.initrd_addr_max = 10 * MiB - 1;   /* 1 MiB between the kernel and the limit */
    const char *kernel = bz_file(&t, &s, 0x800, 0);
    Error err = {0};
    const char *msg = load_fails(&t, kernel, NULL, initrd_file(&t, MiB + 1), &err);
    cr_assert(strstr(msg, "-initrd") && strstr(msg, "does not fit"), "%s", msg);
    /* Exactly 1 MiB fits, at 9 MiB. */
    LinuxEntry out;
    Error err2 = {0};
    cr_assert(load(&t, kernel, NULL, initrd_file(&t, MiB), &out, &err2), "%s", err2.msg);
    cr_assert_eq(env_rd32(&t, LINUX_BOOT_PARAMS_ADDR + BP_RAMDISK_IMAGE), 9 * MiB);
    env_fini(&t);
}

Test(bzimage, missing_initrd_rejected)
{
    TestEnv t;
    env_init(&t, 16 * MiB, 0);
    BzSpec s = bz_default();
    Error err = {0};
    const char *msg = load_fails(&t, bz_file(&t, &s, 0x800, 0), NULL, "/nonexistent/initrd.img", &err);
    cr_assert(strstr(msg, "-initrd") && strstr(msg, "/nonexistent/initrd.img"), "%s", msg);
    env_fini(&t);
}

/* ---- the jitpc binary ---------------------------------------------------- */

static void expect_one_line_error(const SpawnResult *r, const char *needle)
{
    cr_assert_neq(r->status, 0, "exit status 0 for bad input; stderr: %s", r->err);
    cr_assert_lt(r->status, 128, "killed by a signal (%d): %s", r->status, r->err);
    cr_assert_eq(count_lines(r->err), 1, "want one line, got: %s", r->err);
    cr_assert(!strncmp(r->err, "jitpc: ", 7), "%s", r->err);
    cr_assert(strstr(r->err, needle), "'%s' lacks '%s'", r->err, needle);
}

Test(bzimage_binary, not_a_kernel_is_neither)
{
    TestEnv t;
    env_init(&t, 2 * MiB, 0);
    static const char text[] = "just some text, not a kernel\n";
    const char *path = env_file(&t, "notkernel", text, sizeof(text) - 1);
    SpawnResult *r = malloc(sizeof(*r));
    spawn_jitpc(r, "-nodefaults", "-display", "none", "-kernel", path, NULL);
    expect_one_line_error(r, "is neither a Linux bzImage nor a Multiboot kernel");
    cr_assert(strstr(r->err, path), "%s", r->err);
    free(r);
    env_fini(&t);
}

Test(bzimage_binary, truncated_bzimage_one_line)
{
    TestEnv t;
    env_init(&t, 2 * MiB, 0);
    BzSpec s = bz_default();
    const char *path = bz_file(&t, &s, 0x800, 0x800);
    SpawnResult *r = malloc(sizeof(*r));
    spawn_jitpc(r, "-nodefaults", "-display", "none", "-kernel", path, NULL);
    expect_one_line_error(r, "truncated");
    /* Cut inside the setup header: not recognisable as either kind. */
    const char *cut = bz_file(&t, &s, 0x800, 0x240);
    spawn_jitpc(r, "-nodefaults", "-display", "none", "-kernel", cut, NULL);
    expect_one_line_error(r, "is neither a Linux bzImage nor a Multiboot kernel");
    free(r);
    env_fini(&t);
}

/* 32-bit code at code32_start (as --32; each check sets BL to its number
 * and a failure exits with (BL << 1) | 1):
 *   0  mov esp, 0x90000
 *   5  mov bl, 1 ; cmp esi, 0x10000 ; jne fail        ESI = boot_params
 *  0f  mov bl, 2 ; mov eax, cs ; cmp ax, 0x10 ; jne   CS = __BOOT_CS
 *  19  mov bl, 3 ; mov eax, ds ; cmp ax, 0x18 ; jne   DS = __BOOT_DS
 *  23  mov bl, 4 ; call 2a ; 2a: pop eax ; cmp eax, 0x10002a ; jne   EIP
 *  32  mov bl, 5 ; mov eax, 0x18 ; mov ds, eax ; mov es, eax
 *      ljmp 0x10:0x100044                             the GDT works
 *  44  mov bl, 6 ; mov eax, [esi+0x228] ; cmp eax, 0x20000 ; jne   cmd_line_ptr
 *  53  mov bl, 7 ; cmp byte [eax], 'x' ; jne ; cmp byte [eax+1], 0 ; jne
 *  60  mov al, 42 ; out 0xf4, al ; jmp $
 *  66  fail: mov al, bl ; out 0xf4, al ; jmp $ */
static const uint8_t guest_code[] = {
    0xbc, 0x00, 0x00, 0x09, 0x00,
    0xb3, 0x01, 0x81, 0xfe, 0x00, 0x00, 0x01, 0x00, 0x75, 0x57,
    0xb3, 0x02, 0x8c, 0xc8, 0x66, 0x83, 0xf8, 0x10, 0x75, 0x4d,
    0xb3, 0x03, 0x8c, 0xd8, 0x66, 0x83, 0xf8, 0x18, 0x75, 0x43,
    0xb3, 0x04, 0xe8, 0x00, 0x00, 0x00, 0x00, 0x58, 0x3d, 0x2a, 0x00, 0x10, 0x00, 0x75, 0x34,
    0xb3, 0x05, 0xb8, 0x18, 0x00, 0x00, 0x00, 0x8e, 0xd8, 0x8e, 0xc0,
    0xea, 0x44, 0x00, 0x10, 0x00, 0x10, 0x00,
    0xb3, 0x06, 0x8b, 0x86, 0x28, 0x02, 0x00, 0x00, 0x3d, 0x00, 0x00, 0x02, 0x00, 0x75, 0x13,
    0xb3, 0x07, 0x80, 0x38, 0x78, 0x75, 0x0c, 0x80, 0x78, 0x01, 0x00, 0x75, 0x06,
    0xb0, 0x2a, 0xe6, 0xf4, 0xeb, 0xfe,
    0x88, 0xd8, 0xe6, 0xf4, 0xeb, 0xfe,
};

Test(bzimage_binary, synthetic_bzimage_boots_by_the_protocol)
{
    TestEnv t;
    env_init(&t, 2 * MiB, 0);
    BzSpec s = bz_default();
    size_t len;
    uint8_t *img = bz_build(&s, guest_code, sizeof(guest_code), &len);
    const char *path = env_file(&t, "tinybz", img, len);
    free(img);
    SpawnResult *r = malloc(sizeof(*r));
    spawn_jitpc(r, "-nodefaults", "-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-display", "none", "-kernel",
                path, "-append", "x", NULL);
    cr_assert_eq(r->status, (42 << 1) | 1,
                 "status %d (a failed check n exits with 2n+1; 3 = ESI, 5 = CS, 7 = DS, 9 = EIP, 11 = GDT, "
                 "13/15 = command line); stderr: %s",
                 r->status, r->err);
    /* A longer command line fails check 7 in the guest: the payload does look. */
    spawn_jitpc(r, "-nodefaults", "-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-display", "none", "-kernel",
                path, "-append", "xy", NULL);
    cr_assert_eq(r->status, (7 << 1) | 1, "status %d; stderr: %s", r->status, r->err);
    free(r);
    env_fini(&t);
}
