/* Test helper: run a program and capture its output; see spawn.h. */
#include "helpers/spawn.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void spawn_run(const char *const *argv, int timeout_s, SpawnResult *r)
{
    int outp[2], errp[2];
    memset(r, 0, sizeof(*r));
    r->status = -1;
    if (pipe(outp) || pipe(errp))
        return;
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(outp[1], 1);
        dup2(errp[1], 2);
        close(outp[0]);
        close(errp[0]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(outp[1]);
    close(errp[1]);
    struct pollfd fds[2] = {{outp[0], POLLIN, 0}, {errp[0], POLLIN, 0}};
    time_t deadline = time(NULL) + timeout_s;
    int open_fds = 2;
    while (open_fds > 0 && time(NULL) < deadline) {
        if (poll(fds, 2, 200) <= 0)
            continue;
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP)))
                continue;
            char *buf = i ? r->err : r->out;
            size_t *len = i ? &r->err_len : &r->out_len;
            size_t cap = sizeof(r->out) - 1;
            char tmp[4096];
            ssize_t n = read(fds[i].fd, tmp, sizeof(tmp));
            if (n <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
                continue;
            }
            size_t take = (size_t)n < cap - *len ? (size_t)n : cap - *len;
            memcpy(buf + *len, tmp, take);
            *len += take;
        }
    }
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0)
            close(fds[i].fd);
    int st;
    if (open_fds > 0)
        kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    r->out[r->out_len] = 0;
    r->err[r->err_len] = 0;
    if (WIFEXITED(st))
        r->status = WEXITSTATUS(st);
    else if (WIFSIGNALED(st))
        r->status = 128 + WTERMSIG(st);
}

void spawn_jitpc(SpawnResult *r, ...)
{
    const char *argv[64];
    int n = 0;
    va_list ap;
    argv[n++] = JITPC_BIN;
    va_start(ap, r);
    const char *a;
    while ((a = va_arg(ap, const char *)) && n < 63)
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    spawn_run(argv, 30, r);
}

int count_lines(const char *s)
{
    int n = 0;
    for (const char *p = s; *p; p++)
        if (*p == '\n')
            n++;
    size_t len = strlen(s);
    if (len && s[len - 1] != '\n')
        n++;
    return n;
}

void scratch_path(char *buf, size_t len, const char *tag)
{
    static unsigned counter;    /* test-process local: unique names only */
    mkdir(JITPC_TEST_TMPDIR, 0755);
    snprintf(buf, len, "%s/%s-%d-%u", JITPC_TEST_TMPDIR, tag, (int)getpid(), counter++);
}
