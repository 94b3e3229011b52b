/* Executable memory: a memfd (or unlinked POSIX shm object) mapped twice,
 * read-write and read-execute, else one RWX anonymous mapping. */
#define _GNU_SOURCE     /* memfd_create */

#include "translate/code_buffer.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__linux__) && defined(MFD_CLOEXEC)
#define HAVE_MEMFD 1
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U    /* Linux 6.3; older headers lack it */
#endif
#endif

/* rel32 reaches 2 GiB; keep a margin for the size of the text itself, since
 * the helpers called are not all at code_buffer_init. */
#define REL32_REACH (((uintptr_t)2048 - 128) << 20)
/* How far below the text the rx view is asked for: clear of the program's
 * own data and heap (which grow upwards from the text), yet close enough
 * that the whole buffer stays in rel32 reach of every helper. */
#define TEXT_GAP ((uintptr_t)256 << 20)

static size_t page_size(void)
{
    long ps = sysconf(_SC_PAGESIZE);
    return ps > 0 ? (size_t)ps : 4096;
}

/* The address at which to ask for the rx view: TEXT_GAP below the text,
 * minus the buffer itself, or NULL (no preference) when that would wrap. */
static void *rx_hint(size_t size, size_t ps)
{
    uintptr_t text = (uintptr_t)&code_buffer_init;
    if (text < TEXT_GAP + size + ps)
        return NULL;
    return (void *)((text - TEXT_GAP - size) & ~(uintptr_t)(ps - 1));
}

static bool near_text(const void *p, size_t size)
{
    uintptr_t text = (uintptr_t)&code_buffer_init;
    uintptr_t lo = (uintptr_t)p, hi = lo + size;
    uintptr_t far = lo < text ? (hi > text ? hi : text) - lo : hi - text;
    return far < REL32_REACH;
}

/* mmap at the hint if the kernel agrees; a hint is only a preference, so
 * nothing already mapped can be clobbered (no MAP_FIXED). When the kernel
 * puts it out of rel32 reach, one more try just above the text, then take
 * what comes: rel32 calls are an optimisation. */
static void *map_near_text(size_t size, int prot, int flags, int fd)
{
    size_t ps = page_size();
    void *p = mmap(rx_hint(size, ps), size, prot, flags, fd, 0);
    if (p == MAP_FAILED || near_text(p, size))
        return p;
    uintptr_t above = ((uintptr_t)&code_buffer_init + TEXT_GAP) & ~(uintptr_t)(ps - 1);
    void *q = mmap((void *)above, size, prot, flags, fd, 0);
    if (q == MAP_FAILED)
        return p;
    if (near_text(q, size)) {
        munmap(p, size);
        return q;
    }
    munmap(q, size);
    return p;
}

/* A file descriptor for anonymous shared memory of `size` bytes, or -1. */
static int shared_fd(size_t size)
{
    int fd = -1;
#ifdef HAVE_MEMFD
    /* Since Linux 6.3 a memfd may be sealed non-executable by default
     * (vm.memfd_noexec); ask for exec explicitly. Older kernels reject the
     * unknown flag with EINVAL. */
    fd = memfd_create("jitpc-code", MFD_CLOEXEC | MFD_EXEC);
    if (fd < 0 && errno == EINVAL)
        fd = memfd_create("jitpc-code", MFD_CLOEXEC);
#else
    static unsigned seq;
    char name[64];
    for (int tries = 0; fd < 0 && tries < 16; tries++) {
        unsigned n = __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED);
        snprintf(name, sizeof name, "/jitpc-code-%ld-%u", (long)getpid(), n);
        fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd >= 0) {
        /* The object only needs to live as long as the fd and mappings. */
        shm_unlink(name);
        fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
#endif
    if (fd >= 0 && ftruncate(fd, (off_t)size) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

static bool map_dual(CodeBuffer *cb, size_t size)
{
    int fd = shared_fd(size);
    if (fd < 0)
        return false;
    void *rx = map_near_text(size, PROT_READ | PROT_EXEC, MAP_SHARED, fd);
    if (rx == MAP_FAILED) {
        close(fd);
        return false;
    }
    void *rw = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (rw == MAP_FAILED) {
        munmap(rx, size);
        close(fd);
        return false;
    }
    cb->rw = rw;
    cb->rx = rx;
    cb->dual = true;
    cb->fd = fd;
    return true;
}

static bool code_buffer_init_mode(CodeBuffer *cb, size_t size, bool single, char *why, size_t why_len)
{
    *cb = (CodeBuffer){ .fd = -1 };
    if (size < CODE_BUFFER_MIN_SIZE || size > CODE_BUFFER_MAX_SIZE) {
        snprintf(why, why_len, "code cache size must be between 1 MiB and 2048 MiB");
        return false;
    }
    size_t ps = page_size();
    size = (size + ps - 1) & ~(ps - 1);

    if (single || !map_dual(cb, size)) {
        void *p = map_near_text(size, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1);
        if (p == MAP_FAILED) {
            snprintf(why, why_len, "cannot map %zu bytes of executable memory: %s", size, strerror(errno));
            return false;
        }
        cb->rw = cb->rx = p;
        cb->dual = false;
    }
    cb->size = size;
    cb->used = 0;
    return true;
}

bool code_buffer_init(CodeBuffer *cb, size_t size, char *why, size_t why_len)
{
    return code_buffer_init_mode(cb, size, false, why, why_len);
}

bool code_buffer_init_single(CodeBuffer *cb, size_t size, char *why, size_t why_len)
{
    return code_buffer_init_mode(cb, size, true, why, why_len);
}

void code_buffer_destroy(CodeBuffer *cb)
{
    if (cb->rx)
        munmap(cb->rx, cb->size);
    if (cb->dual && cb->rw)
        munmap(cb->rw, cb->size);
    if (cb->fd >= 0)
        close(cb->fd);
    *cb = (CodeBuffer){ .fd = -1 };
}

size_t code_buffer_reserve(CodeBuffer *cb, size_t n, size_t align)
{
    if (align == 0)
        align = 1;
    assert((align & (align - 1)) == 0);
    /* used <= size <= 2 GiB, so rounding up cannot wrap. */
    size_t off = (cb->used + align - 1) & ~(align - 1);
    if (off > cb->size || n > cb->size - off)
        return SIZE_MAX;
    cb->used = off + n;
    return off;
}

void code_buffer_shrink_last(CodeBuffer *cb, size_t offset, size_t real_len)
{
    assert(offset <= cb->used && real_len <= cb->used - offset);
    cb->used = offset + real_len;
}

void code_buffer_reset(CodeBuffer *cb)
{
    cb->used = 0;
}

void code_buffer_sync(CodeBuffer *cb, size_t off, size_t len)
{
    assert(off <= cb->size && len <= cb->size - off);
    /* Cache maintenance by virtual address reaches the physical line, so
     * cleaning through the rx alias also covers what was written via rw. */
    __builtin___clear_cache((char *)cb->rx + off, (char *)cb->rx + off + len);
}
