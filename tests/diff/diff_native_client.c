/* The driver's end of the native helper (diff_native_client.h). */
#define _GNU_SOURCE /* pipe2 */
#include "diff_native_client.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

bool diff_native_start(DiffNative *n, const char *path, char *why, size_t len)
{
    int in[2], out[2];
    n->pid = -1;
    n->to_helper = n->from_helper = -1;
    n->pending = n->pending_bytes = n->head = 0;
    if (access(path, X_OK)) {
        snprintf(why, len, "cannot run the native helper %s: %s", path, strerror(errno));
        return false;
    }
    if (pipe2(in, O_CLOEXEC))
        goto fail;
    if (pipe2(out, O_CLOEXEC)) {
        close(in[0]);
        close(in[1]);
        goto fail;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    char *argv[] = {(char *)path, NULL};
    int rc = posix_spawn(&n->pid, path, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    if (rc) {
        close(in[1]);
        close(out[0]);
        errno = rc;
        goto fail;
    }
    n->to_helper = in[1];
    n->from_helper = out[0];
    return true;
fail:
    snprintf(why, len, "cannot start the native helper %s: %s", path, strerror(errno));
    return false;
}

/* Why the helper stopped answering, from its exit status if it is gone. */
static void native_describe_death(DiffNative *n, const char *what, char *why, size_t len)
{
    int status;
    int err = errno;
    if (n->pid > 0 && waitpid(n->pid, &status, WNOHANG) == n->pid) {
        n->pid = -1;
        if (WIFSIGNALED(status))
            snprintf(why, len, "the native helper died (%s) with signal %d", what, WTERMSIG(status));
        else
            snprintf(why, len, "the native helper exited (%s) with status %d", what, WEXITSTATUS(status));
        return;
    }
    snprintf(why, len, "the native helper failed (%s): %s", what, strerror(err));
}

/* Pending requests stay within half of a pipe's 64 KiB, so sending never
 * blocks while the helper is blocked writing results: no deadlock. */
#define NATIVE_PENDING_MAX 32768u

bool diff_native_send(DiffNative *n, const DiffCase *c, char *why, size_t len)
{
    DiffWireRequest rq = {
        .magic = DIFF_WIRE_REQUEST_MAGIC,
        .code_len = c->code_len,
        .eflags = c->init.eflags,
        .data_seed_lo = (uint32_t)c->data_seed,
        .data_seed_hi = (uint32_t)(c->data_seed >> 32),
    };
    memcpy(rq.regs, c->init.regs, sizeof(rq.regs));
    rq.runs_len = 0;
    if (c->data_patched) {
        diff_data_fill(n->ref, c->data_seed);
        rq.runs_len = (uint32_t)diff_wire_encode_runs(n->ref, c->init.data, DIFF_DATA_SIZE, n->runs);
    }
    uint32_t size = (uint32_t)sizeof(rq) + rq.code_len + rq.runs_len;
    if (n->pending && (n->pending == DIFF_NATIVE_BATCH || n->pending_bytes + size > NATIVE_PENDING_MAX)) {
        snprintf(why, len, "too many cases sent to the native helper before reading results");
        return false;
    }
    n->sizes[(n->head + n->pending) % DIFF_NATIVE_BATCH] = size;
    n->pending++;
    n->pending_bytes += size;
    if (!diff_wire_write(n->to_helper, &rq, sizeof(rq)) ||
        !diff_wire_write(n->to_helper, c->code, c->code_len) ||
        !diff_wire_write(n->to_helper, n->runs, rq.runs_len)) {
        native_describe_death(n, "sending a case", why, len);
        return false;
    }
    return true;
}

bool diff_native_receive(DiffNative *n, const DiffCase *c, DiffState *out, DiffNativeInfo *info, char *why,
                         size_t len)
{
    if (!n->pending) {
        snprintf(why, len, "no case is waiting for a native result");
        return false;
    }
    n->pending_bytes -= n->sizes[n->head];
    n->head = (n->head + 1) % DIFF_NATIVE_BATCH;
    n->pending--;
    DiffWireResponse rs;
    int r = diff_wire_read(n->from_helper, &rs, sizeof(rs), DIFF_NATIVE_TIMEOUT_MS);
    if (r == 1 && (rs.magic != DIFF_WIRE_RESPONSE_MAGIC || rs.runs_len > DIFF_WIRE_RUNS_MAX)) {
        snprintf(why, len, "the native helper answered garbage");
        return false;
    }
    if (r == 1)
        r = diff_wire_read(n->from_helper, n->runs, rs.runs_len, DIFF_NATIVE_TIMEOUT_MS);
    if (r != 1) {
        if (r < 0 && errno == ETIMEDOUT) {
            snprintf(why, len, "the native helper did not answer within %d ms", DIFF_NATIVE_TIMEOUT_MS);
            return false;
        }
        native_describe_death(n, "reading a result", why, len);
        return false;
    }

    memcpy(out->regs, rs.regs, sizeof(out->regs));
    out->eflags = rs.eflags;
    memcpy(out->data, c->init.data, DIFF_DATA_SIZE);
    if (!diff_wire_apply_runs(out->data, DIFF_DATA_SIZE, n->runs, rs.runs_len)) {
        snprintf(why, len, "the native helper sent malformed data runs");
        return false;
    }
    info->harness_fault = rs.status == DIFF_WIRE_HARNESS_FAULT;
    info->vector = rs.vector;
    info->eip_offset = rs.eip_offset;
    info->error_code = rs.error_code;
    info->fault_addr = rs.fault_addr;
    out->exception = rs.vector < 0 ? DIFF_EXC_NONE : rs.vector;
    out->fault_offset = rs.vector < 0 ? 0 : rs.eip_offset;
    /* #DB, #BP and #OF are traps: the context holds the next EIP (SDM Vol. 3A
     * §6.5); report the instruction that raised them. */
    if (rs.vector == 1 || rs.vector == 3 || rs.vector == 4) {
        int64_t start = diff_case_insn_ending_at(c, rs.eip_offset);
        if (start >= 0)
            out->fault_offset = (uint32_t)start;
    }
    return true;
}

bool diff_native_run(DiffNative *n, const DiffCase *c, DiffState *out, DiffNativeInfo *info, char *why,
                     size_t len)
{
    return diff_native_send(n, c, why, len) && diff_native_receive(n, c, out, info, why, len);
}

void diff_native_stop(DiffNative *n)
{
    if (n->to_helper >= 0)
        close(n->to_helper);
    if (n->from_helper >= 0)
        close(n->from_helper);
    n->to_helper = n->from_helper = -1;
    if (n->pid > 0) {
        int status;
        /* EOF on its input ends it at once; a wedged helper gets killed. */
        for (int i = 0; i < 100; i++) {
            if (waitpid(n->pid, &status, WNOHANG) == n->pid) {
                n->pid = -1;
                return;
            }
            usleep(10000);
        }
        kill(n->pid, SIGKILL);
        waitpid(n->pid, &status, 0);
        n->pid = -1;
    }
}
