/* The guest-test runner's logic (see runner_lib.h): header parsing, jitpc's
 * argv, spawning with a timeout, output comparison and the whole test run.
 * The exit-port convention is QEMU's isa-debug-exit: value v written to port
 * 0xF4 ends the process with status (v << 1) | 1. */
#include "runner_lib.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUNNER_CONTEXT_BYTES 32         /* bytes shown either side of a mismatch */
#define RUNNER_LOG_TAIL_BYTES 16384

/* ---- RunnerText ---- */

static void runner_text_reserve(RunnerText *t, size_t extra)
{
    if (t->len + extra + 1 <= t->cap)
        return;
    size_t cap = t->cap ? t->cap : 64;
    while (cap < t->len + extra + 1)
        cap *= 2;
    char *buf = realloc(t->buf, cap);
    if (!buf) {
        fputs("jitpc-guest-runner: out of memory\n", stderr);
        abort();
    }
    t->buf = buf;
    t->cap = cap;
}

void runner_text_append(RunnerText *t, const void *data, size_t len)
{
    runner_text_reserve(t, len);
    if (len)
        memcpy(t->buf + t->len, data, len);
    t->len += len;
    t->buf[t->len] = '\0';
}

void runner_text_printf(RunnerText *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    runner_text_reserve(t, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(t->buf + t->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

void runner_text_append_escaped(RunnerText *t, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = p[i];
        switch (c) {
        case '\n': runner_text_append(t, "\\n", 2); break;
        case '\t': runner_text_append(t, "\\t", 2); break;
        case '\r': runner_text_append(t, "\\r", 2); break;
        case '\\': runner_text_append(t, "\\\\", 2); break;
        case '"': runner_text_append(t, "\\\"", 2); break;
        default:
            if (c >= 0x20 && c < 0x7f)
                runner_text_append(t, &c, 1);
            else
                runner_text_printf(t, "\\x%02x", c);
        }
    }
}

const char *runner_text_str(const RunnerText *t)
{
    return t->buf ? t->buf : "";
}

void runner_text_free(RunnerText *t)
{
    free(t->buf);
    *t = (RunnerText){0};
}

/* Read a whole file; returns 0 or an errno value. */
static int runner_read_file(const char *path, RunnerText *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    char chunk[4096];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            return e;
        }
        if (n == 0)
            break;
        runner_text_append(out, chunk, (size_t)n);
    }
    close(fd);
    runner_text_append(out, "", 0);     /* a non-NULL buf even for an empty file */
    return 0;
}

/* ---- the expectation header ---- */

static int runner_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool runner_unescape(const char *s, size_t len, RunnerText *out, RunnerText *err)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c != '\\') {
            runner_text_append(out, &c, 1);
            continue;
        }
        if (++i == len) {
            runner_text_printf(err, "a lone '\\' ends the value (write \\\\ for a backslash)");
            return false;
        }
        switch (s[i]) {
        case 'n': c = '\n'; break;
        case 't': c = '\t'; break;
        case 'r': c = '\r'; break;
        case '\\': c = '\\'; break;
        case '"': c = '"'; break;
        case 'x': {
            int hi = i + 1 < len ? runner_hex_digit(s[i + 1]) : -1;
            int lo = i + 2 < len ? runner_hex_digit(s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                runner_text_printf(err, "\\x needs exactly two hex digits");
                return false;
            }
            c = (char)(hi << 4 | lo);
            i += 2;
            break;
        }
        default:
            runner_text_printf(err, "unknown escape '\\%c' (known: \\n \\t \\r \\\\ \\\" \\xHH)",
                               s[i]);
            return false;
        }
        runner_text_append(out, &c, 1);
    }
    return true;
}

static bool runner_is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Split a jitpc-args value on blanks onto hdr->args. */
static void runner_add_args(GuestHeader *hdr, const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        while (i < len && runner_is_blank(s[i]))
            i++;
        size_t start = i;
        while (i < len && !runner_is_blank(s[i]))
            i++;
        if (i == start)
            break;
        char **args = realloc(hdr->args, (hdr->nargs + 2) * sizeof(*args));
        if (!args)
            abort();
        hdr->args = args;
        args[hdr->nargs] = strndup(s + start, i - start);
        if (!args[hdr->nargs])
            abort();
        args[++hdr->nargs] = NULL;
    }
}

static bool runner_parse_exit(const char *s, size_t len, uint32_t *v, RunnerText *err)
{
    char buf[32];
    char *end;
    if (len == 0 || len >= sizeof(buf) || s[0] == '-' || s[0] == '+')
        goto bad;
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    unsigned long long n = strtoull(buf, &end, 0);
    if (errno || *end || n > UINT32_MAX)
        goto bad;
    *v = (uint32_t)n;
    return true;
bad:
    runner_text_printf(err, "jitpc-expect-exit wants a 32-bit unsigned number, got '%.*s'",
                       (int)len, s);
    return false;
}

static bool runner_parse_timeout(const char *s, size_t len, double *t, RunnerText *err)
{
    char buf[32];
    char *end;
    if (len == 0 || len >= sizeof(buf))
        goto bad;
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    double v = strtod(buf, &end);
    if (errno || *end || !isfinite(v) || v <= 0 || v > RUNNER_MAX_TIMEOUT_S)
        goto bad;
    *t = v;
    return true;
bad:
    runner_text_printf(err, "jitpc-timeout wants seconds in (0, %g], got '%.*s'",
                       RUNNER_MAX_TIMEOUT_S, (int)len, s);
    return false;
}

/* Skip blanks and comment leaders: any run of "//", slash-star, '#', '*', ';'. */
static const char *runner_skip_leaders(const char *p, const char *end)
{
    for (;;) {
        while (p < end && runner_is_blank(*p))
            p++;
        if (end - p >= 2 && p[0] == '/' && (p[1] == '/' || p[1] == '*'))
            p += 2;
        else if (p < end && (*p == '#' || *p == '*' || *p == ';'))
            p++;
        else
            return p;
    }
}

/* One source line: a header key or nothing. Returns false on a bad key/value. */
static bool runner_parse_line(GuestHeader *hdr, const char *p, const char *end,
                              bool *seen_exit, bool *seen_timeout, RunnerText *err)
{
    static const char prefix[] = "jitpc-";
    p = runner_skip_leaders(p, end);
    if ((size_t)(end - p) < sizeof(prefix) - 1 || memcmp(p, prefix, sizeof(prefix) - 1))
        return true;
    const char *key = p;
    const char *q = p + sizeof(prefix) - 1;
    while (q < end && ((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '-'))
        q++;
    if (q == end || *q != ':')
        return true;    /* prose that merely starts with "jitpc-" */
    size_t key_len = (size_t)(q - key);

    /* The value: trimmed, without a closing block comment. */
    const char *v = q + 1;
    const char *vend = end;
    while (v < vend && runner_is_blank(*v))
        v++;
    while (vend > v && runner_is_blank(vend[-1]))
        vend--;
    if (vend - v >= 2 && vend[-2] == '*' && vend[-1] == '/') {
        vend -= 2;
        while (vend > v && runner_is_blank(vend[-1]))
            vend--;
    }
    size_t vlen = (size_t)(vend - v);

#define KEY_IS(k) (key_len == sizeof(k) - 1 && !memcmp(key, k, key_len))
    if (KEY_IS("jitpc-expect-output")) {
        hdr->has_output = true;
        return runner_unescape(v, vlen, &hdr->output, err);
    }
    if (KEY_IS("jitpc-expect-serial")) {
        hdr->has_serial = true;
        return runner_unescape(v, vlen, &hdr->serial, err);
    }
    if (KEY_IS("jitpc-expect-exit")) {
        if (*seen_exit) {
            runner_text_printf(err, "jitpc-expect-exit given twice");
            return false;
        }
        *seen_exit = true;
        return runner_parse_exit(v, vlen, &hdr->exit_value, err);
    }
    if (KEY_IS("jitpc-timeout")) {
        if (*seen_timeout) {
            runner_text_printf(err, "jitpc-timeout given twice");
            return false;
        }
        *seen_timeout = true;
        return runner_parse_timeout(v, vlen, &hdr->timeout_s, err);
    }
    if (KEY_IS("jitpc-args")) {
        runner_add_args(hdr, v, vlen);
        return true;
    }
#undef KEY_IS
    runner_text_printf(err, "unknown header key '%.*s' (known: jitpc-expect-output, "
                       "jitpc-expect-serial, jitpc-expect-exit, jitpc-args, jitpc-timeout)",
                       (int)key_len, key);
    return false;
}

bool runner_parse_header(const char *text, size_t len, GuestHeader *hdr, RunnerText *err)
{
    *hdr = (GuestHeader){.timeout_s = RUNNER_DEFAULT_TIMEOUT_S};
    bool seen_exit = false, seen_timeout = false;
    const char *p = text, *end = text + len;
    for (unsigned line = 1; line <= RUNNER_HEADER_LINES && p < end; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *lend = nl ? nl : end;
        RunnerText why = {0};
        if (!runner_parse_line(hdr, p, lend, &seen_exit, &seen_timeout, &why)) {
            runner_text_printf(err, "line %u: %s", line, runner_text_str(&why));
            runner_text_free(&why);
            return false;
        }
        p = nl ? nl + 1 : end;
    }
    /* Status 1 means both "the guest wrote 0 to port 0xF4" and "jitpc failed",
     * so only the guest's own output can show that it ran at all. */
    if (!hdr->has_output || hdr->output.len == 0) {
        runner_text_printf(err, "no jitpc-expect-output in the first %d lines: every guest "
                           "test must print something (exit status 1 alone cannot tell "
                           "'guest exited 0' from 'jitpc failed')", RUNNER_HEADER_LINES);
        return false;
    }
    return true;
}

bool runner_load_header(const char *path, GuestHeader *hdr, RunnerText *err)
{
    RunnerText text = {0};
    int e = runner_read_file(path, &text);
    if (e) {
        *hdr = (GuestHeader){0};
        runner_text_printf(err, "cannot read test source %s: %s", path, strerror(e));
        return false;
    }
    RunnerText why = {0};
    bool ok = runner_parse_header(runner_text_str(&text), text.len, hdr, &why);
    if (!ok)
        runner_text_printf(err, "bad test header in %s: %s", path, runner_text_str(&why));
    runner_text_free(&why);
    runner_text_free(&text);
    return ok;
}

void runner_free_header(GuestHeader *hdr)
{
    runner_text_free(&hdr->output);
    runner_text_free(&hdr->serial);
    for (size_t i = 0; i < hdr->nargs; i++)
        free(hdr->args[i]);
    free(hdr->args);
    *hdr = (GuestHeader){0};
}

/* ---- jitpc's command line ---- */

static char *runner_strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *runner_strdup_printf(const char *fmt, ...)
{
    RunnerText t = {0};
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();
    runner_text_reserve(&t, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(t.buf, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return t.buf;
}

char **runner_build_argv(const char *jitpc, const char *workdir, const char *image,
                         const GuestHeader *hdr)
{
    const char *fixed[] = {
        jitpc, "-nodefaults", "-display", "none", "-no-reboot",
        "-chardev", NULL,
        "-device", "isa-debugcon,iobase=0xe9,chardev=dbg",
        "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
        "-serial", NULL,
        "-kernel", image,
    };
    size_t nfixed = sizeof(fixed) / sizeof(fixed[0]);
    size_t nargs = hdr ? hdr->nargs : 0;
    char **argv = calloc(nfixed + nargs + 1, sizeof(*argv));
    if (!argv)
        abort();
    for (size_t i = 0; i < nfixed; i++) {
        if (i == 6)
            argv[i] = runner_strdup_printf("file,id=dbg,path=%s/debugcon.out", workdir);
        else if (i == 12)
            argv[i] = runner_strdup_printf("file:%s/serial.out", workdir);
        else
            argv[i] = strdup(fixed[i]);
        if (!argv[i])
            abort();
    }
    for (size_t i = 0; i < nargs; i++) {
        argv[nfixed + i] = strdup(hdr->args[i]);
        if (!argv[nfixed + i])
            abort();
    }
    return argv;
}

void runner_free_argv(char **argv)
{
    if (!argv)
        return;
    for (char **a = argv; *a; a++)
        free(*a);
    free(argv);
}

int runner_exit_status_for(uint32_t v)
{
    return (int)(((v << 1) | 1u) & 0xffu);
}

/* ---- running jitpc ---- */

static double runner_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* In the forked child: only async-signal-safe calls until execv. A failure
 * is sent to the parent as an errno value through the close-on-exec pipe. */
static void runner_exec_child(char *const argv[], const char *log_path, int report_fd)
{
    int e;
    setpgid(0, 0);
    int in = open("/dev/null", O_RDONLY);
    int log = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || log < 0 || dup2(in, 0) < 0 || dup2(log, 1) < 0 || dup2(log, 2) < 0) {
        e = -errno;     /* negative: a setup step, not execv itself */
    } else {
        close(in);
        close(log);
        execv(argv[0], argv);
        e = errno;
    }
    ssize_t ignored = write(report_fd, &e, sizeof(e));
    (void)ignored;
    _exit(127);
}

void runner_spawn_process(char *const argv[], const char *log_path, double timeout_s,
                          SpawnResult *res)
{
    *res = (SpawnResult){.pid = -1};
    int pipefd[2];
    if (pipe(pipefd) < 0) {
        *res = (SpawnResult){SPAWN_SETUP_FAILED, errno, "pipe", -1, 0};
        return;
    }
    /* Close-on-exec: a successful execv shows up as EOF in the parent. */
    if (fcntl(pipefd[0], F_SETFD, FD_CLOEXEC) < 0 || fcntl(pipefd[1], F_SETFD, FD_CLOEXEC) < 0) {
        *res = (SpawnResult){SPAWN_SETUP_FAILED, errno, "fcntl", -1, 0};
        close(pipefd[0]);
        close(pipefd[1]);
        return;
    }
    double start = runner_now();
    pid_t pid = fork();
    if (pid < 0) {
        *res = (SpawnResult){SPAWN_SETUP_FAILED, errno, "fork", -1, 0};
        close(pipefd[0]);
        close(pipefd[1]);
        return;
    }
    if (pid == 0) {
        close(pipefd[0]);
        runner_exec_child(argv, log_path, pipefd[1]);
    }
    /* Also from the parent, so the group exists before any kill below. */
    setpgid(pid, pid);
    close(pipefd[1]);
    res->pid = pid;

    /* Blocks until execv succeeds (EOF) or the child reports why it failed. */
    int child_errno = 0;
    ssize_t n;
    do
        n = read(pipefd[0], &child_errno, sizeof(child_errno));
    while (n < 0 && errno == EINTR);
    close(pipefd[0]);

    int status = 0;
    bool timed_out = false;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR) {
            *res = (SpawnResult){SPAWN_SETUP_FAILED, errno, "waitpid", pid, runner_now() - start};
            return;
        }
        if (runner_now() - start >= timeout_s) {
            /* The whole group: jitpc may have started helpers of its own. */
            if (kill(-pid, SIGKILL) < 0)
                kill(pid, SIGKILL);
            timed_out = true;
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            break;
        }
        nanosleep(&(struct timespec){.tv_nsec = 5 * 1000 * 1000}, NULL);
    }
    res->elapsed_s = runner_now() - start;
    if (!timed_out)
        kill(-pid, SIGKILL);    /* leftovers in jitpc's group; ESRCH when there are none */

    if (n == (ssize_t)sizeof(child_errno)) {
        if (child_errno < 0) {
            res->outcome = SPAWN_SETUP_FAILED;
            res->code = -child_errno;
            res->what = "redirecting stdin/stdout/stderr";
        } else {
            res->outcome = SPAWN_EXEC_FAILED;
            res->code = child_errno;
        }
    } else if (timed_out) {
        res->outcome = SPAWN_TIMED_OUT;
    } else if (WIFSIGNALED(status)) {
        res->outcome = SPAWN_SIGNALED;
        res->code = WTERMSIG(status);
    } else {
        res->outcome = SPAWN_EXITED;
        res->code = WEXITSTATUS(status);
    }
}

/* ---- output comparison ---- */

static void runner_describe_byte(RunnerText *t, const char *data, size_t len, size_t off)
{
    if (off >= len) {
        runner_text_printf(t, "end of output (%zu bytes)", len);
        return;
    }
    unsigned char c = (unsigned char)data[off];
    runner_text_append(t, "'", 1);
    runner_text_append_escaped(t, &c, 1);
    runner_text_printf(t, "' (0x%02x)", c);
}

/* One context line: "  label: ...\"<bytes from..to>\"...", returning the
 * column at which byte `mark` starts. */
static size_t runner_context_line(RunnerText *t, const char *label, const char *data,
                                  size_t len, size_t from, size_t mark)
{
    size_t to = mark + RUNNER_CONTEXT_BYTES < len ? mark + RUNNER_CONTEXT_BYTES : len;
    runner_text_printf(t, "  %-10s%s\"", label, from ? "..." : "");
    size_t line_start = t->len;
    while (line_start > 0 && t->buf[line_start - 1] != '\n')
        line_start--;
    runner_text_append_escaped(t, data + from, mark < len ? mark - from : len - from);
    size_t column = t->len - line_start;
    if (mark < len)
        runner_text_append_escaped(t, data + mark, to - mark);
    runner_text_printf(t, "\"%s\n", to < len ? "..." : "");
    return column;
}

bool runner_compare_output(const char *what, const char *expected, size_t elen,
                           const char *actual, size_t alen, RunnerText *report)
{
    size_t off = 0;
    while (off < elen && off < alen && expected[off] == actual[off])
        off++;
    if (off == elen && off == alen)
        return true;

    size_t line = 1, column = 1;
    for (size_t i = 0; i < off; i++) {
        column++;
        if (expected[i] == '\n') {
            line++;
            column = 1;
        }
    }
    runner_text_printf(report, "%s differs at byte %zu (line %zu, column %zu): expected ",
                       what, off, line, column);
    runner_describe_byte(report, expected, elen, off);
    runner_text_append(report, ", got ", 6);
    runner_describe_byte(report, actual, alen, off);
    runner_text_printf(report, "\n");

    /* Both lines share the bytes before the mismatch, so the caret lines up. */
    size_t from = off > RUNNER_CONTEXT_BYTES ? off - RUNNER_CONTEXT_BYTES : 0;
    runner_context_line(report, "expected:", expected, elen, from, off);
    size_t column_mark = runner_context_line(report, "actual:", actual, alen, from, off);
    for (size_t i = 0; i < column_mark; i++)
        runner_text_append(report, " ", 1);
    runner_text_printf(report, "^ byte %zu\n", off);
    return false;
}

void runner_append_log_tail(RunnerText *report, const char *path, unsigned max_lines)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        runner_text_printf(report, "(no %s: %s)\n", path, strerror(errno));
        return;
    }
    struct stat st;
    off_t start = 0;
    if (fstat(fd, &st) == 0 && st.st_size > RUNNER_LOG_TAIL_BYTES)
        start = st.st_size - RUNNER_LOG_TAIL_BYTES;
    RunnerText text = {0};
    char chunk[4096];
    ssize_t n;
    if (lseek(fd, start, SEEK_SET) == start) {
        while ((n = read(fd, chunk, sizeof(chunk))) > 0)
            runner_text_append(&text, chunk, (size_t)n);
    }
    close(fd);
    if (text.len == 0) {
        runner_text_printf(report, "(%s is empty)\n", path);
        return;
    }

    /* Walk back over max_lines line ends (a final newline does not count). */
    size_t begin = text.len;
    if (text.buf[begin - 1] == '\n')
        begin--;
    unsigned lines = 0;
    while (begin > 0 && lines < max_lines) {
        begin--;
        if (text.buf[begin] == '\n' && ++lines == max_lines) {
            begin++;
            break;
        }
    }
    bool cut = begin > 0 || start > 0;
    runner_text_printf(report, "--- %s%s ---\n", cut ? "last lines of " : "", path);
    runner_text_append(report, text.buf + begin, text.len - begin);
    if (text.buf[text.len - 1] != '\n')
        runner_text_append(report, "\n", 1);
    runner_text_printf(report, "--- end of %s ---\n", path);
    runner_text_free(&text);
}

/* ---- one whole test ---- */

/* "guest/NAME" from IMAGE's file name without its ".elf". */
static void runner_test_name(const char *image, RunnerText *name)
{
    const char *base = strrchr(image, '/');
    base = base ? base + 1 : image;
    size_t len = strlen(base);
    if (len > 4 && !strcmp(base + len - 4, ".elf"))
        len -= 4;
    runner_text_printf(name, "guest/%.*s", (int)len, base);
}

static void runner_add_reason(RunnerText *reasons, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void runner_add_reason(RunnerText *reasons, const char *fmt, ...)
{
    if (reasons->len)
        runner_text_append(reasons, "; ", 2);
    va_list ap;
    va_start(ap, fmt);
    char buf[512];
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    runner_text_append(reasons, buf, strlen(buf));
}

static bool runner_make_dirs(const char *path, RunnerText *err)
{
    char *copy = strdup(path);
    if (!copy)
        abort();
    for (char *p = copy + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(copy, 0755) < 0 && errno != EEXIST) {
            runner_text_printf(err, "cannot create work directory %s: %s", copy, strerror(errno));
            free(copy);
            return false;
        }
        *p = saved;
        if (!saved)
            break;
    }
    free(copy);
    return true;
}

/* Compare one output file with its expectation; a missing file is empty. */
static void runner_check_output(const char *what, const char *path, const RunnerText *expected,
                                RunnerText *reasons, RunnerText *details)
{
    RunnerText actual = {0};
    int e = runner_read_file(path, &actual);
    if (e && e != ENOENT)
        runner_text_printf(details, "cannot read %s: %s\n", path, strerror(e));
    RunnerText diff = {0};
    if (!runner_compare_output(what, runner_text_str(expected), expected->len,
                               runner_text_str(&actual), actual.len, &diff)) {
        const char *at = strstr(diff.buf, " (line");
        runner_add_reason(reasons, "%.*s", (int)(at ? at - diff.buf : 80), diff.buf);
        runner_text_append(details, diff.buf, diff.len);
    }
    runner_text_free(&diff);
    runner_text_free(&actual);
}

static void runner_describe_status(RunnerText *reasons, int status, uint32_t expected_value)
{
    int want = runner_exit_status_for(expected_value);
    if (status & 1)
        runner_add_reason(reasons, "jitpc exited with status %d (guest exit value %d if it came "
                          "from port 0xF4%s), expected %d (guest exit value %u)", status,
                          status >> 1, status == 1 ? ", or a jitpc error" : "", want,
                          expected_value);
    else
        runner_add_reason(reasons, "jitpc exited with status %d (even: not from port 0xF4), "
                          "expected %d (guest exit value %u)", status, want, expected_value);
}

bool runner_run_test(const RunnerConfig *cfg, RunnerText *report)
{
    RunnerText name = {0}, reasons = {0}, details = {0}, err = {0};
    GuestHeader hdr = {0};
    char **argv = NULL;
    char *log_path = NULL, *debugcon_path = NULL, *serial_path = NULL;
    bool ran = false;
    SpawnResult res = {0};
    double timeout = 0;

    runner_test_name(cfg->image, &name);
    if (!runner_load_header(cfg->source, &hdr, &err)) {
        runner_add_reason(&reasons, "%s", runner_text_str(&err));
        goto done;
    }
    if (access(cfg->image, R_OK) < 0) {
        runner_add_reason(&reasons, "cannot read image %s: %s", cfg->image, strerror(errno));
        goto done;
    }
    /* QEMU-style option values treat ',' as a separator. */
    if (strchr(cfg->workdir, ',')) {
        runner_add_reason(&reasons, "work directory %s contains a ','", cfg->workdir);
        goto done;
    }
    if (!runner_make_dirs(cfg->workdir, &err)) {
        runner_add_reason(&reasons, "%s", runner_text_str(&err));
        goto done;
    }
    log_path = runner_strdup_printf("%s/jitpc.log", cfg->workdir);
    debugcon_path = runner_strdup_printf("%s/debugcon.out", cfg->workdir);
    serial_path = runner_strdup_printf("%s/serial.out", cfg->workdir);
    /* Outputs of an earlier run must never pass for this one's. */
    unlink(log_path);
    unlink(debugcon_path);
    unlink(serial_path);

    argv = runner_build_argv(cfg->jitpc, cfg->workdir, cfg->image, &hdr);
    if (cfg->accel) {
        /* The backend goes right after the program name. */
        size_t n = 0;
        while (argv[n])
            n++;
        char **more = realloc(argv, (n + 3) * sizeof(*argv));
        if (!more)
            abort();
        argv = more;
        memmove(argv + 3, argv + 1, n * sizeof(*argv));
        argv[1] = strdup("-accel");
        argv[2] = strdup(cfg->accel);
        if (!argv[1] || !argv[2])
            abort();
    }
    timeout = hdr.timeout_s * (cfg->timeout_scale > 0 ? cfg->timeout_scale : 1.0);
    runner_spawn_process(argv, log_path, timeout, &res);
    ran = true;

    switch (res.outcome) {
    case SPAWN_EXEC_FAILED:
        runner_add_reason(&reasons, "cannot execute jitpc %s: %s", cfg->jitpc, strerror(res.code));
        goto done;
    case SPAWN_SETUP_FAILED:
        runner_add_reason(&reasons, "cannot start jitpc (%s): %s", res.what, strerror(res.code));
        goto done;
    case SPAWN_TIMED_OUT:
        runner_add_reason(&reasons, "timed out after %g s", timeout);
        break;
    case SPAWN_SIGNALED:
        runner_add_reason(&reasons, "jitpc was killed by signal %d (%s)", res.code,
                          strsignal(res.code));
        break;
    case SPAWN_EXITED:
        if (res.code != runner_exit_status_for(hdr.exit_value))
            runner_describe_status(&reasons, res.code, hdr.exit_value);
        break;
    }
    runner_check_output("debugcon output", debugcon_path, &hdr.output, &reasons, &details);
    if (hdr.has_serial)
        runner_check_output("serial output", serial_path, &hdr.serial, &reasons, &details);

done:;
    bool pass = reasons.len == 0;
    if (pass) {
        runner_text_printf(report, "PASS %s (%.2f s)\n", name.buf, res.elapsed_s);
    } else {
        runner_text_printf(report, "FAIL %s: %s\n", name.buf, reasons.buf);
        runner_text_append(report, details.buf, details.len);
        if (argv) {
            runner_text_printf(report, "command:");
            for (char **a = argv; *a; a++)
                runner_text_printf(report, " %s", *a);
            runner_text_printf(report, "\n");
        }
        if (ran && res.outcome != SPAWN_EXEC_FAILED)
            runner_append_log_tail(report, log_path, RUNNER_LOG_TAIL_LINES);
    }
    runner_free_argv(argv);
    free(log_path);
    free(debugcon_path);
    free(serial_path);
    runner_free_header(&hdr);
    runner_text_free(&name);
    runner_text_free(&reasons);
    runner_text_free(&details);
    runner_text_free(&err);
    return pass;
}
