/* The guest-test runner's logic, apart from main() so unit tests can drive it:
 * the expectation header of a guest test source, jitpc's command line, running
 * jitpc under a timeout, byte-exact output comparison with a readable report,
 * and the build-time sanity check of a Multiboot v1 ELF image.
 * Host code on libc + POSIX only: it must not depend on the emulator it tests. */
#ifndef JITPC_TESTS_GUEST_RUNNER_LIB_H
#define JITPC_TESTS_GUEST_RUNNER_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define RUNNER_HEADER_LINES 50          /* header keys are looked for in these lines */
#define RUNNER_DEFAULT_TIMEOUT_S 10.0
#define RUNNER_MAX_TIMEOUT_S 3600.0
#define RUNNER_LOG_TAIL_LINES 30
#define RUNNER_MULTIBOOT_SEARCH 8192    /* Multiboot v1: header within the first 8 KiB */

/* A growable byte string, always NUL-terminated once anything was appended;
 * may hold NUL bytes (use len). Zero-initialize before use. */
typedef struct RunnerText {
    char *buf;
    size_t len;
    size_t cap;
} RunnerText;

void runner_text_append(RunnerText *t, const void *data, size_t len);
void runner_text_printf(RunnerText *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append data as a C string literal body: printable ASCII as is, the rest escaped. */
void runner_text_append_escaped(RunnerText *t, const void *data, size_t len);
/* The contents as a C string ("" when empty). */
const char *runner_text_str(const RunnerText *t);
void runner_text_free(RunnerText *t);

/* What a guest test expects, from the jitpc-* lines of its source. */
typedef struct GuestHeader {
    RunnerText output;      /* jitpc-expect-output lines, unescaped and concatenated */
    bool has_output;
    RunnerText serial;      /* jitpc-expect-serial (COM1), compared only if present */
    bool has_serial;
    uint32_t exit_value;    /* jitpc-expect-exit: the value written to port 0xF4 */
    char **args;            /* jitpc-args, split on blanks; NULL-terminated */
    size_t nargs;
    double timeout_s;       /* jitpc-timeout */
} GuestHeader;

/* Parse the header out of a test source's text. On error, returns false with
 * "line N: problem" in err; hdr is left valid for runner_free_header. */
bool runner_parse_header(const char *text, size_t len, GuestHeader *hdr, RunnerText *err);
/* runner_parse_header on a file; err names the file. */
bool runner_load_header(const char *path, GuestHeader *hdr, RunnerText *err);
void runner_free_header(GuestHeader *hdr);

/* Decode the C escapes of a header value (\n \t \r \\ \" \xHH) onto out. */
bool runner_unescape(const char *s, size_t len, RunnerText *out, RunnerText *err);

/* jitpc's argv for one run (NULL-terminated, free with runner_free_argv):
 * jitpc -nodefaults -display none -no-reboot
 *   -chardev file,id=dbg,path=DIR/debugcon.out
 *   -device isa-debugcon,iobase=0xe9,chardev=dbg
 *   -device isa-debug-exit,iobase=0xf4,iosize=4
 *   -serial file:DIR/serial.out -kernel IMAGE <jitpc-args> */
char **runner_build_argv(const char *jitpc, const char *workdir, const char *image,
                         const GuestHeader *hdr);
void runner_free_argv(char **argv);

/* The process status jitpc exits with when the guest writes v to port 0xF4. */
int runner_exit_status_for(uint32_t v);

typedef enum SpawnOutcome {
    SPAWN_EXITED,           /* code = exit status */
    SPAWN_SIGNALED,         /* code = signal number */
    SPAWN_TIMED_OUT,        /* killed with SIGKILL after the timeout */
    SPAWN_EXEC_FAILED,      /* code = errno of execv */
    SPAWN_SETUP_FAILED,     /* code = errno; what says which step */
} SpawnOutcome;

typedef struct SpawnResult {
    SpawnOutcome outcome;
    int code;
    const char *what;       /* SPAWN_SETUP_FAILED: the failing step */
    pid_t pid;              /* the child's pid (already reaped) */
    double elapsed_s;
} SpawnResult;

/* Run argv[0] with stdin from /dev/null and stdout+stderr to log_path, in its
 * own process group; after timeout_s seconds SIGKILL the group. Always reaps. */
void runner_spawn_process(char *const argv[], const char *log_path, double timeout_s,
                          SpawnResult *res);

/* Compare an output byte for byte. On a mismatch, append to report a line
 * "<what> differs at byte N ..." with expected vs actual around byte N. */
bool runner_compare_output(const char *what, const char *expected, size_t elen,
                           const char *actual, size_t alen, RunnerText *report);

/* Append the last max_lines lines of a log file (at most 16 KiB of it). */
void runner_append_log_tail(RunnerText *report, const char *path, unsigned max_lines);

typedef struct RunnerConfig {
    const char *jitpc;
    const char *source;
    const char *image;
    const char *workdir;
    double timeout_scale;   /* multiplies jitpc-timeout; > 0 */
    const char *accel;      /* NULL, or the backend to pass as -accel (jit, interp) */
} RunnerConfig;

/* Run one guest test. Returns true on pass. report gets "PASS guest/NAME ..."
 * or one "FAIL guest/NAME: why" line, then details and the tail of jitpc.log. */
bool runner_run_test(const RunnerConfig *cfg, RunnerText *report);

/* Check that an image is what jitpc -kernel takes: ELF32 i386 executable with
 * a valid Multiboot v1 header in the first 8 KiB and its entry point inside a
 * PT_LOAD segment (or an a.out-kludge header giving the addresses). */
bool runner_check_image_bytes(const unsigned char *data, size_t len, RunnerText *err);
bool runner_check_image(const char *path, RunnerText *err);

#endif
