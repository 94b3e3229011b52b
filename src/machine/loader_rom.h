/* Firmware images for -bios: a raw image mapped as ROM where a PC chipset
 * decodes its BIOS flash (i440FX: the whole chip just below 4 GiB, its last
 * 128 KiB aliased again below 1 MiB). Also the whole-file reader that the
 * loaders in this directory share. */
#ifndef JITPC_MACHINE_LOADER_ROM_H
#define JITPC_MACHINE_LOADER_ROM_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "mmu/memory.h"

#define ROM_BIOS_MAX_SIZE (16ULL << 20)     /* largest -bios image accepted */
#define ROM_BIOS_LOW_MAX  (128ULL << 10)    /* largest alias below 1 MiB */

typedef struct RomImage {
    uint8_t *data;          /* the whole image; both mappings point into it */
    uint64_t size;          /* mapped at [4 GiB - size, 4 GiB) */
    uint64_t low_base;      /* alias of the last low_size bytes ends at 1 MiB */
    uint64_t low_size;
} RomImage;

/* Read the raw firmware image `path` and map it as ROM twice: all of it
 * ending at 4 GiB (its last 16 bytes hold the reset vector at 0xFFFFFFF0)
 * as "bios", and its last 128 KiB (or all of it, if smaller) ending at
 * 1 MiB as "bios-low". The size must be a multiple of 16 bytes, from 16
 * bytes to 16 MiB. The caller maps RAM around the low alias. On failure
 * nothing stays mapped and *rom is empty. Does not longjmp. */
bool rom_load_bios(AddressSpace *mem, const char *path, RomImage *rom, Error *err);
/* Free the image buffer. Unmap both regions (or destroy `mem`) first. */
void rom_image_free(RomImage *rom);

/* Read all of `path` (opened read-only) into a malloc'd buffer; files
 * larger than `max_size` are refused. Messages start with `opt` (the
 * command-line option that named the file, e.g. "-kernel"). */
bool loader_read_file(const char *opt, const char *path, uint64_t max_size, uint8_t **data,
                      uint64_t *size, Error *err);

#endif
