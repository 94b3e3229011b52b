/* See loader_env.h. */
#include "helpers/loader_env.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers/spawn.h"

void env_init(TestEnv *t, uint64_t low_end, uint64_t high_size)
{
    memset(t, 0, sizeof(*t));
    t->layout = (RamLayout){.low_end = low_end, .high_size = high_size};
    t->ram = malloc(low_end);
    cr_assert_not_null(t->ram);
    memset(t->ram, LOADER_RAM_FILL, low_end);
    as_init(&t->mem, "memory", PHYS_ADDR_SPACE_SIZE, NULL);
    Error err = {0};
    cr_assert(as_map_ram(&t->mem, 0, 0xA0000, t->ram, "ram-low", &err), "%s", err.msg);
    cr_assert(as_map_ram(&t->mem, 0x100000, low_end - 0x100000, t->ram + 0x100000, "ram", &err), "%s", err.msg);
}

void env_fini(TestEnv *t)
{
    for (int i = 0; i < t->nfiles; i++)
        unlink(t->files[i]);
    as_destroy(&t->mem);
    free(t->ram);
}

const char *env_path(TestEnv *t, const char *tag)
{
    cr_assert_lt(t->nfiles, LOADER_ENV_MAX_FILES);
    char *path = t->files[t->nfiles++];
    scratch_path(path, sizeof(t->files[0]), tag);
    return path;
}

const char *env_file(TestEnv *t, const char *tag, const void *data, size_t len)
{
    const char *path = env_path(t, tag);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot create %s", path);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
    return path;
}

uint8_t env_rd8(TestEnv *t, uint64_t addr)
{
    return (uint8_t)as_read(&t->mem, addr, 1);
}

uint32_t env_rd32(TestEnv *t, uint64_t addr)
{
    return (uint32_t)as_read(&t->mem, addr, 4);
}

uint64_t env_rd64(TestEnv *t, uint64_t addr)
{
    return as_read(&t->mem, addr, 8);
}

const char *env_rdstr(TestEnv *t, uint64_t addr, char *buf, size_t len)
{
    size_t i = 0;
    for (; i + 1 < len; i++) {
        buf[i] = (char)env_rd8(t, addr + i);
        if (!buf[i])
            return buf;
    }
    buf[i] = '\0';
    return buf;
}

bool env_ram_all(TestEnv *t, uint64_t addr, uint64_t len, uint8_t val)
{
    for (uint64_t i = 0; i < len; i++)
        if (env_rd8(t, addr + i) != val)
            return false;
    return true;
}
