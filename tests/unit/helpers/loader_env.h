/* Test helper for the loaders: guest RAM (filled with LOADER_RAM_FILL so a
 * test sees what was written) mapped as the PC board maps it below 4 GiB,
 * minus the 0xA0000-0xFFFFF hole, and scratch files removed at the end. */
#ifndef JITPC_TEST_LOADER_ENV_H
#define JITPC_TEST_LOADER_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "machine/loader_multiboot.h"
#include "mmu/memory.h"

#define LOADER_RAM_FILL 0xAA
#define LOADER_ENV_MAX_FILES 8

typedef struct TestEnv {
    AddressSpace mem;
    uint8_t *ram;           /* [0, low_end), mapped minus the 0xA0000-0xFFFFF hole */
    RamLayout layout;
    char files[LOADER_ENV_MAX_FILES][512];
    int nfiles;
} TestEnv;

void env_init(TestEnv *t, uint64_t low_end, uint64_t high_size);
void env_fini(TestEnv *t);
/* A unique scratch path (named after `tag`), removed by env_fini. */
const char *env_path(TestEnv *t, const char *tag);
/* Write `data` to a new scratch file; returns its path. */
const char *env_file(TestEnv *t, const char *tag, const void *data, size_t len);
uint8_t env_rd8(TestEnv *t, uint64_t addr);
uint32_t env_rd32(TestEnv *t, uint64_t addr);
uint64_t env_rd64(TestEnv *t, uint64_t addr);
/* The NUL-terminated guest string at addr (cut to len - 1 characters). */
const char *env_rdstr(TestEnv *t, uint64_t addr, char *buf, size_t len);
/* Whether every byte of [addr, addr + len) is `val`. */
bool env_ram_all(TestEnv *t, uint64_t addr, uint64_t len, uint8_t val);

#endif
