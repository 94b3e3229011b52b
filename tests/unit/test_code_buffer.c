/* Executable memory for the native backend: the W^X double mapping (one
 * view writable, the other executable, checked in /proc/self/maps), running
 * code written through the other view, the bump allocator, the size limits,
 * and the perf map file. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "translate/code_buffer.h"
#include "translate/perfmap.h"

#define MIB ((size_t)1 << 20)

static CodeBuffer cb;
static char why[256];

static void setup(void)
{
    cr_assert(code_buffer_init(&cb, MIB, why, sizeof why), "%s", why);
}

static void teardown(void)
{
    code_buffer_destroy(&cb);
}

/* The permission field ("rwxp") of the /proc/self/maps line covering addr. */
static bool perms_of(const void *addr, char perms[5])
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return false;
    char line[512];
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) == 3 && (uintptr_t)addr >= lo && (uintptr_t)addr < hi)
            found = true;
    }
    fclose(f);
    return found;
}

Test(code_buffer, init_prefers_double_mapping, .init = setup, .fini = teardown)
{
    cr_assert(cb.dual, "this Linux host should allow a memfd double mapping");
    cr_assert_neq(cb.rw, cb.rx);
    cr_assert_geq(cb.fd, 0);
    cr_assert_eq(cb.size, MIB);
    cr_assert_eq(cb.used, 0);
    cr_assert_eq(code_buffer_rw(&cb, 10), cb.rw + 10);
    cr_assert_eq(code_buffer_rx(&cb, 10), cb.rx + 10);
}

Test(code_buffer, views_share_memory, .init = setup, .fini = teardown)
{
    code_buffer_rw(&cb, 0)[0] = 0x5a;
    code_buffer_rw(&cb, MIB - 1)[0] = 0xa5;
    cr_assert_eq(code_buffer_rx(&cb, 0)[0], 0x5a);
    cr_assert_eq(code_buffer_rx(&cb, MIB - 1)[0], 0xa5);
}

Test(code_buffer, views_are_w_xor_x, .init = setup, .fini = teardown)
{
    char perms[5];
    cr_assert(perms_of(cb.rx, perms), "rx view not in /proc/self/maps");
    cr_assert_eq(perms[0], 'r');
    cr_assert_neq(perms[1], 'w', "rx view is writable: %s", perms);
    cr_assert_eq(perms[2], 'x', "rx view is not executable: %s", perms);
    cr_assert(perms_of(cb.rw + cb.size - 1, perms), "rw view not in /proc/self/maps");
    cr_assert_eq(perms[1], 'w', "rw view is not writable: %s", perms);
    cr_assert_neq(perms[2], 'x', "rw view is executable: %s", perms);
}

Test(code_buffer, size_rounds_up_to_pages)
{
    size_t ps = (size_t)sysconf(_SC_PAGESIZE);
    cr_assert(code_buffer_init(&cb, MIB + 1, why, sizeof why), "%s", why);
    cr_assert_eq(cb.size, MIB + ps);
    code_buffer_destroy(&cb);
}

#if defined(__x86_64__)
Test(code_buffer, runs_code_written_through_rw, .init = setup, .fini = teardown)
{
    static const uint8_t ret42[] = { 0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3 };     /* mov eax, 42; ret */
    size_t off = code_buffer_reserve(&cb, sizeof ret42, 16);
    cr_assert_neq(off, SIZE_MAX);
    memcpy(code_buffer_rw(&cb, off), ret42, sizeof ret42);
    code_buffer_sync(&cb, off, sizeof ret42);
    int (*fn)(void);
    void *entry = code_buffer_rx(&cb, off);
    memcpy(&fn, &entry, sizeof fn);     /* object to function pointer without a pedantic warning */
    cr_assert_eq(fn(), 42);

    /* Rewriting a block in place (after a flush) must be seen too. */
    code_buffer_rw(&cb, off)[1] = 7;
    code_buffer_sync(&cb, off, sizeof ret42);
    cr_assert_eq(fn(), 7);
}
#endif

Test(code_buffer, rx_view_near_text_is_reported, .init = setup, .fini = teardown)
{
    /* Only an optimisation, so not asserted: logged to see what the host gives. */
    intptr_t d = (intptr_t)((uintptr_t)cb.rx - (uintptr_t)&code_buffer_init);
    cr_log_info("rx view at %p, %+lld MiB from the text", (void *)cb.rx, (long long)(d / (intptr_t)MIB));
}

Test(code_buffer, reserve_aligns_and_bumps, .init = setup, .fini = teardown)
{
    cr_assert_eq(code_buffer_reserve(&cb, 3, 1), 0);
    cr_assert_eq(cb.used, 3);
    cr_assert_eq(code_buffer_reserve(&cb, 10, 16), 16);
    cr_assert_eq(cb.used, 26);
    cr_assert_eq(code_buffer_reserve(&cb, 1, 64), 64);
    cr_assert_eq(code_buffer_reserve(&cb, 0, 4), 68);   /* empty reservation: aligned offset, nothing used */
    cr_assert_eq(cb.used, 68);
    cr_assert_eq(code_buffer_reserve(&cb, 5, 0), 68);   /* align 0 treated as 1 */
}

Test(code_buffer, reserve_fails_when_full, .init = setup, .fini = teardown)
{
    cr_assert_eq(code_buffer_reserve(&cb, MIB + 1, 1), SIZE_MAX);
    cr_assert_eq(cb.used, 0, "a failed reservation must not consume space");
    cr_assert_eq(code_buffer_reserve(&cb, MIB - 8, 1), 0);
    cr_assert_eq(code_buffer_reserve(&cb, 8, 1), MIB - 8);     /* exactly fills */
    cr_assert_eq(cb.used, MIB);
    cr_assert_eq(code_buffer_reserve(&cb, 1, 1), SIZE_MAX);
    cr_assert_eq(code_buffer_reserve(&cb, 0, 1), MIB);        /* nothing left, nothing asked */
    cr_assert_eq(code_buffer_reserve(&cb, SIZE_MAX, 1), SIZE_MAX);

    /* Alignment padding alone can push past the end. */
    code_buffer_reset(&cb);
    cr_assert_eq(code_buffer_reserve(&cb, MIB - 10, 1), 0);
    cr_assert_eq(code_buffer_reserve(&cb, 4, 16), SIZE_MAX);    /* 8 free, but at MIB - 16 + 16 = MIB */
    cr_assert_eq(cb.used, MIB - 10);
    cr_assert_eq(code_buffer_reserve(&cb, 4, 2), MIB - 10);
}

Test(code_buffer, shrink_last_gives_back_the_tail, .init = setup, .fini = teardown)
{
    size_t a = code_buffer_reserve(&cb, 100, 16);
    code_buffer_shrink_last(&cb, a, 37);
    cr_assert_eq(cb.used, a + 37);
    size_t b = code_buffer_reserve(&cb, 4096, 16);
    cr_assert_eq(b, 48);
    code_buffer_shrink_last(&cb, b, 0);
    cr_assert_eq(cb.used, 48);
    code_buffer_shrink_last(&cb, cb.used, 0);   /* shrinking to the same length changes nothing */
    cr_assert_eq(cb.used, 48);
}

Test(code_buffer, reset_starts_over, .init = setup, .fini = teardown)
{
    code_buffer_reserve(&cb, MIB, 1);
    cr_assert_eq(code_buffer_reserve(&cb, 1, 1), SIZE_MAX);
    code_buffer_reset(&cb);
    cr_assert_eq(cb.used, 0);
    cr_assert_eq(code_buffer_reserve(&cb, 1, 1), 0);
    cr_assert(cb.dual && cb.rw && cb.rx, "reset must keep the mappings");
}

Test(code_buffer, rejects_bad_sizes)
{
    static const size_t bad[] = { 0, 1, MIB - 1, ((size_t)2048 << 20) + 1, (size_t)4 << 30, SIZE_MAX };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why[0] = 0;
        cr_assert_not(code_buffer_init(&cb, bad[i], why, sizeof why), "size %zu accepted", bad[i]);
        cr_assert_str_eq(why, "code cache size must be between 1 MiB and 2048 MiB");
        cr_assert_null(cb.rw);
        cr_assert_eq(cb.fd, -1);
        code_buffer_destroy(&cb);    /* harmless after a failed init */
    }
}

Test(code_buffer, accepts_the_limits)
{
    /* 2 GiB is only address space: the memfd is sparse and nothing is touched. */
    static const size_t good[] = { MIB, (size_t)2048 << 20 };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        cr_assert(code_buffer_init(&cb, good[i], why, sizeof why), "size %zu: %s", good[i], why);
        cr_assert_eq(cb.size, good[i]);
        cr_assert_eq(code_buffer_reserve(&cb, 16, 16), 0);
        code_buffer_rw(&cb, good[i] - 1)[0] = 1;
        cr_assert_eq(code_buffer_rx(&cb, good[i] - 1)[0], 1);
        code_buffer_destroy(&cb);
    }
}

Test(perfmap, writes_one_flushed_line_per_block)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/perf-%ld.map", (long)getpid());
    PerfMap pm;
    cr_assert(perfmap_open(&pm, why, sizeof why), "%s", why);
    perfmap_add(&pm, (const void *)(uintptr_t)0x7f0012345000, 0x40, "tb_0x000f_e05b");
    perfmap_add(&pm, (const void *)(uintptr_t)0x7f0012345040, 0x1a3, "tb 0x7c00\nrm16");

    /* Read back before closing: a crash must still leave the lines. */
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    char buf[256] = { 0 };
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    perfmap_close(&pm);
    cr_assert_null(pm.f);
    perfmap_add(&pm, (const void *)1, 1, "ignored");    /* no-op once closed */
    perfmap_close(&pm);
    unlink(path);

    cr_assert_eq(n, strlen(buf));
    cr_assert_str_eq(buf, "7f0012345000 40 tb_0x000f_e05b\n"
                          "7f0012345040 1a3 tb 0x7c00 rm16\n");
}

Test(perfmap, add_without_open_is_a_no_op)
{
    PerfMap pm = { 0 };
    perfmap_add(&pm, (const void *)1, 1, "x");
    perfmap_close(&pm);
}

/* -perfmap: one anonymous RWX mapping, so perf resolves the map's names. */
Test(code_buffer, single_mapping_for_perf)
{
    CodeBuffer one;
    char msg[128];
    cr_assert(code_buffer_init_single(&one, CODE_BUFFER_MIN_SIZE, msg, sizeof(msg)), "%s", msg);
    cr_expect_not(one.dual);
    cr_expect_eq(one.rw, one.rx);
    cr_expect_eq(one.fd, -1);
    code_buffer_destroy(&one);
}
