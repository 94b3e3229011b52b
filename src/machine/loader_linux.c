/* The Linux x86 boot protocol for a direct 32-bit entry; see
 * loader_linux.h. Offsets are those of struct boot_params and its
 * setup_header (boot.rst, "The real-mode kernel header" and "32-bit boot
 * protocol"). */
#include "machine/loader_linux.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "machine/loader_rom.h"

#define BOOT_PARAMS_SIZE 0x1000u
#define HDR_START        0x1F1u     /* setup_sects: the header starts here */
#define HDR_MAX_END      0x290u     /* past the last field of version 2.15 */
#define E820_MAX         128u

/* boot_params / setup header fields. */
enum {
    BP_E820_ENTRIES = 0x1E8,
    BP_SETUP_SECTS = 0x1F1,
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
};

#define LOADED_HIGH  0x01u
#define CAN_USE_HEAP 0x80u

static uint16_t rd16(const uint8_t *p, size_t off)
{
    return (uint16_t)(p[off] | (p[off + 1] << 8));
}

static uint32_t rd32(const uint8_t *p, size_t off)
{
    return (uint32_t)p[off] | ((uint32_t)p[off + 1] << 8) | ((uint32_t)p[off + 2] << 16) |
           ((uint32_t)p[off + 3] << 24);
}

static void wr16(uint8_t *p, size_t off, uint16_t v)
{
    p[off] = (uint8_t)v;
    p[off + 1] = (uint8_t)(v >> 8);
}

static void wr32(uint8_t *p, size_t off, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[off + (size_t)i] = (uint8_t)(v >> (8 * i));
}

bool linux_probe(const uint8_t *image, size_t len)
{
    return len >= HDR_MAX_END && !memcmp(image + BP_HEADER, "HdrS", 4);
}

static void e820_add(uint8_t *bp, uint64_t addr, uint64_t size, uint32_t type)
{
    unsigned n = bp[BP_E820_ENTRIES];
    if (n >= E820_MAX || size == 0)
        return;
    uint8_t *e = bp + BP_E820_TABLE + 20 * n;
    wr32(e, 0, (uint32_t)addr);
    wr32(e, 4, (uint32_t)(addr >> 32));
    wr32(e, 8, (uint32_t)size);
    wr32(e, 12, (uint32_t)(size >> 32));
    wr32(e, 16, type);
    bp[BP_E820_ENTRIES] = (uint8_t)(n + 1);
}

static bool put(AddressSpace *mem, uint64_t addr, const void *data, size_t len, const char *what, Error *err)
{
    if (!as_is_ram(mem, addr, len) || !as_write_buf(mem, addr, data, len)) {
        error_setf(err, "-kernel: %s does not fit in guest RAM at 0x%" PRIx64, what, addr);
        return false;
    }
    return true;
}

bool linux_load(AddressSpace *mem, const RamLayout *ram, const char *path, const char *cmdline,
                const char *initrd_path, Log *log, LinuxEntry *out, Error *err)
{
    uint8_t *img = NULL, *rd = NULL;
    uint64_t size = 0, rd_size = 0;
    bool ok = false;
    if (!loader_read_file("-kernel", path, 1ULL << 30, &img, &size, err))
        return false;
    if (!linux_probe(img, (size_t)size)) {
        error_setf(err, "-kernel: '%s' is not a Linux bzImage (no setup header)", path);
        goto out;
    }
    uint16_t version = rd16(img, BP_VERSION);
    if (version < 0x0204) {
        error_setf(err, "-kernel: '%s' uses boot protocol %u.%02u; jitpc needs 2.04 or later", path, version >> 8,
                   version & 0xFF);
        goto out;
    }
    if (!(img[BP_LOADFLAGS] & LOADED_HIGH)) {
        error_setf(err, "-kernel: '%s' is a zImage (loaded low); only bzImage kernels boot", path);
        goto out;
    }
    unsigned setup_sects = img[BP_SETUP_SECTS] ? img[BP_SETUP_SECTS] : 4;
    uint64_t setup_size = (uint64_t)(setup_sects + 1) * 512;
    if (size <= setup_size) {
        error_setf(err, "-kernel: '%s' is truncated (%" PRIu64 " bytes, its setup alone is %" PRIu64 ")", path, size,
                   setup_size);
        goto out;
    }
    uint64_t pm_size = size - setup_size;
    /* syssize (2.04+: 32 bits, in 16-byte units, rounded up) says how much
     * the payload has; a signed kernel carries a few bytes more. */
    uint64_t syssize = (uint64_t)rd32(img, 0x1F4) * 16;
    if (pm_size + 15 < syssize) {
        error_setf(err, "-kernel: '%s' is truncated (%" PRIu64 " bytes of kernel; its header says %" PRIu64 ")", path,
                   pm_size, syssize);
        goto out;
    }
    /* The kernel decompresses in place: it needs init_size bytes from its
     * load address (boot.rst, init_size; 2.10+). */
    uint64_t need = pm_size;
    if (version >= 0x020A && rd32(img, BP_INIT_SIZE) > need)
        need = rd32(img, BP_INIT_SIZE);
    if (LINUX_KERNEL_ADDR + need > ram->low_end) {
        error_setf(err, "-kernel: '%s' needs %" PRIu64 " MiB of RAM from 1 MiB; -m gives %" PRIu64 " MiB below 4 GiB",
                   path, (LINUX_KERNEL_ADDR + need + (1 << 20) - 1) >> 20, ram->low_end >> 20);
        goto out;
    }
    if (!put(mem, LINUX_KERNEL_ADDR, img + setup_size, (size_t)pm_size, "the kernel", err))
        goto out;

    uint8_t bp[BOOT_PARAMS_SIZE];
    memset(bp, 0, sizeof(bp));
    /* The setup header as the image has it, then the loader's fields. */
    size_t hdr_end = BP_JUMP + 2 + img[BP_JUMP + 1];   /* 0x202 + the jump's offset (boot.rst) */
    if (hdr_end > HDR_MAX_END)
        hdr_end = HDR_MAX_END;
    memcpy(bp + HDR_START, img + HDR_START, hdr_end - HDR_START);
    bp[BP_TYPE_OF_LOADER] = 0xFF;           /* undefined boot loader */
    bp[BP_LOADFLAGS] = (uint8_t)(bp[BP_LOADFLAGS] & ~CAN_USE_HEAP);
    wr16(bp, BP_VID_MODE, 0xFFFF);          /* "normal": no video mode set-up (serial console) */
    wr16(bp, BP_HEAP_END_PTR, 0);

    /* Command line, cut to what the kernel takes (cmdline_size, 2.06+). */
    uint32_t cmax = version >= 0x0206 ? rd32(img, BP_CMDLINE_SIZE) : 255;
    if (cmax > 0xFFFF)
        cmax = 0xFFFF;
    const char *cl = cmdline ? cmdline : "";
    size_t clen = strlen(cl);
    if (clen > cmax) {
        error_setf(err, "-append: the command line has %zu bytes; this kernel takes at most %u", clen, cmax);
        goto out;
    }
    if (!put(mem, LINUX_CMDLINE_ADDR, cl, clen + 1, "the command line", err))
        goto out;
    wr32(bp, BP_CMD_LINE_PTR, LINUX_CMDLINE_ADDR);

    if (initrd_path) {
        if (!loader_read_file("-initrd", initrd_path, 1ULL << 31, &rd, &rd_size, err))
            goto out;
        uint64_t top = ram->low_end;
        uint64_t max = rd32(img, BP_INITRD_ADDR_MAX);
        if (max && max + 1 < top)
            top = max + 1;
        uint64_t addr = (top - rd_size) & ~0xFFFULL;
        if (rd_size > top || addr < LINUX_KERNEL_ADDR + need) {
            error_setf(err, "-initrd: '%s' (%" PRIu64 " MiB) does not fit between the kernel and the end of RAM "
                            "(try a larger -m)", initrd_path, rd_size >> 20);
            goto out;
        }
        if (!put(mem, addr, rd, (size_t)rd_size, "the initrd", err))
            goto out;
        wr32(bp, BP_RAMDISK_IMAGE, (uint32_t)addr);
        wr32(bp, BP_RAMDISK_SIZE, (uint32_t)rd_size);
        LOG(log, LOG_CPU, "linux: initrd %" PRIu64 " bytes at 0x%" PRIx64 "\n", rd_size, addr);
    }

    /* The memory map the board has (pc.c), with the usual reserved holes:
     * the EBDA below 640 KiB and the BIOS area. */
    e820_add(bp, 0, 0x9FC00, 1);
    e820_add(bp, 0x9FC00, 0x400, 2);
    e820_add(bp, 0xF0000, 0x10000, 2);
    e820_add(bp, 0x100000, ram->low_end - 0x100000, 1);
    if (ram->high_size)
        e820_add(bp, 1ULL << 32, ram->high_size, 1);
    if (!put(mem, LINUX_BOOT_PARAMS_ADDR, bp, sizeof(bp), "boot_params", err))
        goto out;

    /* GDT: null, null, __BOOT_CS (0x10: flat 32-bit code), __BOOT_DS
     * (0x18: flat data). */
    static const uint8_t gdt[32] = {
        0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0,
        0xFF, 0xFF, 0, 0, 0, 0x9B, 0xCF, 0,
        0xFF, 0xFF, 0, 0, 0, 0x93, 0xCF, 0,
    };
    if (!put(mem, LINUX_GDT_ADDR, gdt, sizeof(gdt), "the GDT", err))
        goto out;
    out->entry = rd32(img, BP_CODE32_START);
    out->boot_params = LINUX_BOOT_PARAMS_ADDR;
    out->gdt_base = LINUX_GDT_ADDR;
    out->gdt_limit = sizeof(gdt) - 1;
    LOG(log, LOG_CPU, "linux: boot protocol %u.%02u, %" PRIu64 " bytes of kernel at 0x%x, entry 0x%x\n",
        version >> 8, version & 0xFF, pm_size, LINUX_KERNEL_ADDR, out->entry);
    ok = true;
out:
    free(img);
    free(rd);
    return ok;
}
