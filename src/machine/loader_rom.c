/* The -bios loader and the shared file reader; see loader_rom.h. The two
 * ROM mappings follow the i440FX/PIIX3 decode (as QEMU's "pc.bios" and
 * "isa-bios" do): the reset vector is fetched from 0xFFFFFFF0, and the
 * real-mode BIOS then runs from the 0xE0000-0xFFFFF alias of the same bytes. */
#include "machine/loader_rom.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ROM_TOP     (1ULL << 32)
#define ROM_LOW_END 0x100000ULL

/* The legacy BIOS area is 0xC0000-0xFFFFF; the alias must not reach below it. */
_Static_assert(ROM_BIOS_LOW_MAX <= 256 * 1024, "low BIOS alias larger than the 0xC0000-0xFFFFF area");

static void loader_error_too_large(Error *err, const char *opt, const char *path, uint64_t size,
                                   uint64_t max_size)
{
    error_setf(err, "%s: '%s' is too large (%" PRIu64 " bytes; at most %" PRIu64 " bytes)", opt, path,
               size, max_size);
}

bool loader_read_file(const char *opt, const char *path, uint64_t max_size, uint8_t **data,
                      uint64_t *size, Error *err)
{
    *data = NULL;
    *size = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        error_setf_errno(err, errno, "%s: cannot open '%s'", opt, path);
        return false;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        error_setf_errno(err, errno, "%s: cannot read '%s'", opt, path);
        close(fd);
        return false;
    }
    /* Refuse early when the size is known; pipes and devices are read until
     * EOF and checked as they grow. One spare byte detects a file that grew. */
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max_size) {
        loader_error_too_large(err, opt, path, (uint64_t)st.st_size, max_size);
        close(fd);
        return false;
    }
    uint64_t cap = S_ISREG(st.st_mode) ? (uint64_t)st.st_size + 1 : 65536;
    uint64_t len = 0;
    uint8_t *buf = malloc((size_t)cap);
    if (!buf)
        abort();
    for (;;) {
        if (len == cap) {
            if (len > max_size)
                break;
            cap = MIN(cap * 2, max_size + 1);
            buf = realloc(buf, (size_t)cap);
            if (!buf)
                abort();
        }
        ssize_t n = read(fd, buf + len, (size_t)(cap - len));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            error_setf_errno(err, errno, "%s: cannot read '%s'", opt, path);
            free(buf);
            close(fd);
            return false;
        }
        if (n == 0)
            break;
        len += (uint64_t)n;
    }
    close(fd);
    if (len > max_size) {
        loader_error_too_large(err, opt, path, len, max_size);
        free(buf);
        return false;
    }
    *data = buf;
    *size = len;
    return true;
}

bool rom_load_bios(AddressSpace *mem, const char *path, RomImage *rom, Error *err)
{
    memset(rom, 0, sizeof(*rom));
    uint8_t *data;
    uint64_t size;
    if (!loader_read_file("-bios", path, ROM_BIOS_MAX_SIZE, &data, &size, err))
        return false;
    if (size == 0) {
        error_setf(err, "-bios: '%s' is empty", path);
        free(data);
        return false;
    }
    /* The reset vector is the image's last 16 bytes, so the image must end
     * on a 16-byte boundary at 4 GiB; anything else is not a firmware image. */
    if (size % 16 != 0) {
        error_setf(err, "-bios: '%s' has a size of %" PRIu64 " bytes, not a multiple of 16", path, size);
        free(data);
        return false;
    }
    uint64_t top_base = ROM_TOP - size;
    uint64_t low_size = MIN(size, ROM_BIOS_LOW_MAX);
    uint64_t low_base = ROM_LOW_END - low_size;
    if (!as_map_rom(mem, top_base, size, data, "bios", err)) {
        free(data);
        return false;
    }
    if (!as_map_rom(mem, low_base, low_size, data + (size - low_size), "bios-low", err)) {
        as_unmap(mem, top_base);
        free(data);
        return false;
    }
    rom->data = data;
    rom->size = size;
    rom->low_base = low_base;
    rom->low_size = low_size;
    return true;
}

void rom_image_free(RomImage *rom)
{
    free(rom->data);
    memset(rom, 0, sizeof(*rom));
}
