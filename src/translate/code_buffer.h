/* Executable memory for the native backend. Generated code is written
 * through one view (rw) and run through another (rx) of the same pages, so no
 * page is ever writable and executable at once (W^X: hardened kernels and
 * macOS refuse RWX, and it keeps stray guest-driven writes from becoming
 * code). When a second mapping cannot be had, one RWX mapping is used and
 * rw == rx. Space is handed out bump-pointer style; when it runs out the
 * caller drops every translation and resets the buffer. */
#ifndef JITPC_TRANSLATE_CODE_BUFFER_H
#define JITPC_TRANSLATE_CODE_BUFFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CODE_BUFFER_MIN_SIZE ((size_t)1 << 20)     /* 1 MiB */
#define CODE_BUFFER_MAX_SIZE ((size_t)2 << 30)     /* 2 GiB: rel32 reaches across the whole buffer */

typedef struct CodeBuffer {
    uint8_t *rw;        /* writable view */
    uint8_t *rx;        /* executable view of the same memory (== rw when dual is false) */
    size_t size;        /* bytes */
    size_t used;        /* bytes handed out since the last reset */
    bool dual;          /* true: W^X double mapping (rw is never executable, rx never writable) */
    int fd;             /* backing memfd/shm fd, or -1 */
} CodeBuffer;

/* Map `size` bytes (rounded up to the page size). Prefers a W^X double mapping: memfd_create (Linux)
 * or shm_open+shm_unlink (other POSIX) mapped twice, once PROT_READ|PROT_WRITE and once
 * PROT_READ|PROT_EXEC. If the double mapping is impossible (no memfd, mmap refused) falls back to one
 * PROT_READ|PROT_WRITE|PROT_EXEC mapping with dual=false; the caller decides whether to log that.
 * The rx view is placed near this program's text when the kernel allows, so generated code can reach
 * C helpers with rel32 calls. On failure fills `why` with one line and returns false. */
bool code_buffer_init(CodeBuffer *cb, size_t size, char *why, size_t why_len);
/* Safe on a buffer whose init failed. */
/* One anonymous read-write-execute mapping (dual = false) on purpose: perf
 * names code in a perf map only inside anonymous memory, not in a memfd
 * mapping (jitpc -perfmap trades W^X for that). */
bool code_buffer_init_single(CodeBuffer *cb, size_t size, char *why, size_t why_len);
void code_buffer_destroy(CodeBuffer *cb);
/* Reserve n bytes aligned to `align` (power of two); returns the offset into the buffer or SIZE_MAX when
 * it does not fit (the caller then flushes everything and calls code_buffer_reset). */
size_t code_buffer_reserve(CodeBuffer *cb, size_t n, size_t align);
/* Give back the tail of the last reservation: after writing code the caller knows its real length.
 * `offset` must be the one the last code_buffer_reserve returned. */
void code_buffer_shrink_last(CodeBuffer *cb, size_t offset, size_t real_len);
void code_buffer_reset(CodeBuffer *cb);

static inline uint8_t *code_buffer_rw(const CodeBuffer *cb, size_t off) { return cb->rw + off; }
static inline uint8_t *code_buffer_rx(const CodeBuffer *cb, size_t off) { return cb->rx + off; }

/* After writing instructions through rw: make them visible to instruction fetch through rx
 * (__builtin___clear_cache on the rx range; a no-op on x86 but required on AArch64). */
void code_buffer_sync(CodeBuffer *cb, size_t off, size_t len);

#endif
