/* timeit: run a command REPS times and print the shortest wall time
 * (CLOCK_MONOTONIC, seconds) and how the last run ended. stdin is
 * /dev/null, stdout and stderr go to files; each run is its own process
 * group, killed with SIGKILL after TIMEOUT seconds.
 *
 *   timeit REPS TIMEOUT OUT_FILE ERR_FILE -- COMMAND [ARGS...]
 *   -> "0.123456 exit 1" | "... signal 9" | "... timeout"
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int open_out(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        fprintf(stderr, "timeit: %s: %s\n", path, strerror(errno));
        exit(2);
    }
    return fd;
}

int main(int argc, char **argv)
{
    if (argc < 7 || strcmp(argv[5], "--") != 0) {
        fprintf(stderr, "usage: timeit REPS TIMEOUT OUT_FILE ERR_FILE -- COMMAND [ARGS...]\n");
        return 2;
    }
    int reps = atoi(argv[1]);
    double timeout = atof(argv[2]);
    double best = -1;
    char how[32] = "";
    for (int r = 0; r < (reps > 0 ? reps : 1); r++) {
        int out = open_out(argv[3]), err = open_out(argv[4]);
        double t0 = now();
        pid_t pid = fork();
        if (pid < 0) {
            perror("timeit: fork");
            return 2;
        }
        if (pid == 0) {
            setpgid(0, 0);
            int in = open("/dev/null", O_RDONLY);
            dup2(in, 0);
            dup2(out, 1);
            dup2(err, 2);
            execvp(argv[6], argv + 6);
            fprintf(stderr, "timeit: %s: %s\n", argv[6], strerror(errno));
            _exit(127);
        }
        setpgid(pid, pid);
        close(out);
        close(err);
        int status = 0, timed_out = 0;
        for (;;) {
            pid_t w = waitpid(pid, &status, WNOHANG);
            if (w == pid)
                break;
            if (w < 0 && errno != EINTR) {
                perror("timeit: waitpid");
                return 2;
            }
            if (!timed_out && now() - t0 > timeout) {
                kill(-pid, SIGKILL);
                timed_out = 1;
            }
            struct timespec nap = { 0, 200000 };  /* 0.2 ms: small against any row */
            nanosleep(&nap, NULL);
        }
        double t = now() - t0;
        if (best < 0 || t < best)
            best = t;
        if (timed_out)
            snprintf(how, sizeof(how), "timeout");
        else if (WIFEXITED(status))
            snprintf(how, sizeof(how), "exit %d", WEXITSTATUS(status));
        else
            snprintf(how, sizeof(how), "signal %d", WTERMSIG(status));
        if (timed_out || (WIFEXITED(status) && WEXITSTATUS(status) == 127))
            break;
    }
    printf("%.6f %s\n", best, how);
    return 0;
}
