/* Build-time sanity check of a guest image: what `jitpc -kernel` takes as a
 * Multiboot v1 kernel (Multiboot Specification 0.6.96, section 3.1): an ELF32
 * little-endian i386 executable, a 4-byte aligned header in the first 8 KiB
 * whose magic, flags and checksum sum to 0, and an entry point in loaded bytes.
 * Reads fields by hand (no <elf.h>) so it builds on hosts without one. */
#include "runner_lib.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define MB1_MAGIC 0x1BADB002u
#define MB1_FLAG_AOUT_KLUDGE (1u << 16)   /* header carries the load addresses */
#define ELF32_EHDR_SIZE 52
#define ELF32_PHDR_SIZE 32
#define ELF_ET_EXEC 2
#define ELF_EM_386 3
#define ELF_PT_LOAD 1

static uint32_t image_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t image_le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* Find the Multiboot header; returns its offset or -1 (err says why). */
static long image_find_multiboot(const unsigned char *data, size_t len, RunnerText *err)
{
    size_t limit = len < RUNNER_MULTIBOOT_SEARCH ? len : RUNNER_MULTIBOOT_SEARCH;
    for (size_t off = 0; off + 12 <= limit; off += 4) {
        if (image_le32(data + off) != MB1_MAGIC)
            continue;
        uint32_t sum = MB1_MAGIC + image_le32(data + off + 4) + image_le32(data + off + 8);
        if (sum != 0) {
            runner_text_printf(err, "Multiboot header at offset 0x%zx has a bad checksum "
                               "(magic + flags + checksum = 0x%08x, not 0)", off, sum);
            return -1;
        }
        return (long)off;
    }
    runner_text_printf(err, "no Multiboot v1 header (magic 0x%08x, 4-byte aligned) in the "
                       "first %d bytes", MB1_MAGIC, RUNNER_MULTIBOOT_SEARCH);
    return -1;
}

bool runner_check_image_bytes(const unsigned char *data, size_t len, RunnerText *err)
{
    if (len < ELF32_EHDR_SIZE || memcmp(data, "\x7f" "ELF", 4)) {
        runner_text_printf(err, "not an ELF file");
        return false;
    }
    if (data[4] != 1 || data[5] != 1) {
        runner_text_printf(err, "not a little-endian ELF32 file (class %u, data %u)",
                           data[4], data[5]);
        return false;
    }
    uint16_t type = image_le16(data + 16), machine = image_le16(data + 18);
    if (type != ELF_ET_EXEC || machine != ELF_EM_386) {
        runner_text_printf(err, "not an i386 executable (e_type %u, e_machine %u)",
                           type, machine);
        return false;
    }
    long mb = image_find_multiboot(data, len, err);
    if (mb < 0)
        return false;

    uint32_t flags = image_le32(data + mb + 4);
    if (flags & MB1_FLAG_AOUT_KLUDGE) {
        if ((size_t)mb + 32 > len) {
            runner_text_printf(err, "Multiboot header sets flags bit 16 but is truncated");
            return false;
        }
        uint32_t load = image_le32(data + mb + 16), load_end = image_le32(data + mb + 20);
        uint32_t entry = image_le32(data + mb + 28);
        if (entry < load || (load_end && entry >= load_end)) {
            runner_text_printf(err, "Multiboot entry_addr 0x%x is outside the loaded range "
                               "0x%x..0x%x", entry, load, load_end);
            return false;
        }
        return true;
    }

    uint32_t entry = image_le32(data + 24), phoff = image_le32(data + 28);
    uint16_t phentsize = image_le16(data + 42), phnum = image_le16(data + 44);
    if (phnum == 0 || phentsize < ELF32_PHDR_SIZE || phoff > len ||
        (len - phoff) / phentsize < phnum) {
        runner_text_printf(err, "bad program header table (offset %u, %u entries of %u bytes)",
                           phoff, phnum, phentsize);
        return false;
    }
    bool entry_loaded = false;
    for (unsigned i = 0; i < phnum; i++) {
        const unsigned char *ph = data + phoff + (size_t)i * phentsize;
        if (image_le32(ph) != ELF_PT_LOAD)
            continue;
        uint32_t offset = image_le32(ph + 4), vaddr = image_le32(ph + 8);
        uint32_t filesz = image_le32(ph + 16), memsz = image_le32(ph + 20);
        if (offset > len || filesz > len - offset || filesz > memsz) {
            runner_text_printf(err, "PT_LOAD segment %u (file offset 0x%x, %u bytes) lies "
                               "outside the file or exceeds its memory size", i, offset, filesz);
            return false;
        }
        if (entry >= vaddr && entry - vaddr < filesz)
            entry_loaded = true;
    }
    if (!entry_loaded) {
        runner_text_printf(err, "entry point 0x%x is not in the file bytes of any PT_LOAD "
                           "segment", entry);
        return false;
    }
    return true;
}

bool runner_check_image(const char *path, RunnerText *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        runner_text_printf(err, "%s: %s", path, strerror(errno));
        return false;
    }
    /* Guest test images are small; 4 MiB is plenty and bounds the read. */
    RunnerText data = {0};
    unsigned char chunk[4096];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof(chunk))) > 0 && data.len < (4u << 20))
        runner_text_append(&data, chunk, (size_t)n);
    int e = n < 0 ? errno : 0;
    close(fd);
    bool ok;
    RunnerText why = {0};
    if (e) {
        runner_text_printf(err, "%s: %s", path, strerror(e));
        ok = false;
    } else {
        ok = runner_check_image_bytes((const unsigned char *)runner_text_str(&data), data.len,
                                      &why);
        if (!ok)
            runner_text_printf(err, "%s: %s", path, runner_text_str(&why));
    }
    runner_text_free(&why);
    runner_text_free(&data);
    return ok;
}
