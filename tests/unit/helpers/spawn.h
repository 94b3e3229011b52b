/* Test helper: run the jitpc binary (or any program) with arguments,
 * capture its stdout and stderr, wait with a time limit. */
#ifndef JITPC_TEST_SPAWN_H
#define JITPC_TEST_SPAWN_H

#include <stddef.h>

typedef struct SpawnResult {
    int status;         /* exit status, or 128 + signal, or -1 if it could not run */
    char out[65536];
    char err[65536];
    size_t out_len, err_len;
} SpawnResult;

/* argv[0] is the program; NULL-terminated. stdin is /dev/null. */
void spawn_run(const char *const *argv, int timeout_s, SpawnResult *r);
/* Run JITPC_BIN with the given arguments (NULL-terminated list). */
void spawn_jitpc(SpawnResult *r, ...);
/* Number of lines in a NUL-terminated string (a last line without '\n' counts). */
int count_lines(const char *s);
/* A unique scratch path under JITPC_TEST_TMPDIR: <tmpdir>/<tag>-<pid>-<n>. */
void scratch_path(char *buf, size_t len, const char *tag);

#endif
