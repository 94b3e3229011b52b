/* diff-native: the real-CPU side of the host differential test. A static
 * -m32 Linux program that serves cases over stdin/stdout (diff_wire.h) for as
 * long as the driver keeps the pipe open: it maps the code and data areas at
 * their fixed addresses once, then per case loads the state, runs the snippet
 * natively through the stubs in diff_native_entry.S and sends back the final
 * state, or the state at the exception from the signal context (i386
 * REG_TRAPNO holds the vector, SDM Vol. 3A §6.3.1). This is a test program,
 * not library code: its one global is the block the stubs address directly. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "diff_case.h"
#include "diff_native_ctx.h"
#include "diff_wire.h"

#if !defined(__i386__)
#error "diff-native runs snippets natively: build it with -m32"
#endif

typedef struct NativeCtx {
    uint32_t host_esp;
    uint32_t entry;
    uint32_t in_esp;
    uint32_t in_popad[8]; /* EDI ESI EBP ESP EBX EDX ECX EAX */
    uint32_t in_eflags;
    uint32_t out_esp;
    uint32_t out_pushad[8];
    uint32_t out_eflags;
    /* The rest is C-only: what the signal handler found. */
    volatile sig_atomic_t running; /* a snippet is executing */
    int32_t vector;                /* -1 while no signal arrived */
    int32_t signal;
    uint32_t eip, error_code, fault_addr;
    uint32_t fault_regs[DIFF_NREGS];
    uint32_t fault_eflags;
} NativeCtx;

_Static_assert(offsetof(NativeCtx, host_esp) == NATIVE_CTX_HOST_ESP, "stub layout");
_Static_assert(offsetof(NativeCtx, entry) == NATIVE_CTX_ENTRY, "stub layout");
_Static_assert(offsetof(NativeCtx, in_esp) == NATIVE_CTX_IN_ESP, "stub layout");
_Static_assert(offsetof(NativeCtx, in_popad) == NATIVE_CTX_IN_POPAD, "stub layout");
_Static_assert(offsetof(NativeCtx, in_eflags) == NATIVE_CTX_IN_EFLAGS, "stub layout");
_Static_assert(offsetof(NativeCtx, out_esp) == NATIVE_CTX_OUT_ESP, "stub layout");
_Static_assert(offsetof(NativeCtx, out_pushad) == NATIVE_CTX_OUT_PUSHAD, "stub layout");
_Static_assert(offsetof(NativeCtx, out_eflags) == NATIVE_CTX_OUT_EFLAGS, "stub layout");
_Static_assert(offsetof(NativeCtx, running) == NATIVE_CTX_OUT_END, "stub layout");

/* The stubs address this block absolutely (see diff_native_ctx.h). */
NativeCtx diff_native_ctx;

void diff_native_run(void);
void diff_native_capture(void);
void diff_native_resume(void);

/* PUSHAD/POPAD slot of each register (SDM Vol. 2B PUSHA/PUSHAD): EDI first. */
static const unsigned native_pushad_slot[DIFF_NREGS] = {
    [DIFF_EAX] = 7, [DIFF_ECX] = 6, [DIFF_EDX] = 5, [DIFF_EBX] = 4,
    [DIFF_ESP] = 3, [DIFF_EBP] = 2, [DIFF_ESI] = 1, [DIFF_EDI] = 0,
};

/* Signal-context slot of each register (i386 <sys/ucontext.h>). REG_UESP is
 * the user ESP at the fault; REG_ESP is what sigreturn restores. */
static const int native_greg_slot[DIFF_NREGS] = {
    [DIFF_EAX] = REG_EAX, [DIFF_ECX] = REG_ECX, [DIFF_EDX] = REG_EDX, [DIFF_EBX] = REG_EBX,
    [DIFF_ESP] = REG_UESP, [DIFF_EBP] = REG_EBP, [DIFF_ESI] = REG_ESI, [DIFF_EDI] = REG_EDI,
};

/* Every signal a user-mode instruction can raise, and the vector to assume
 * when the context carries no trap number (user-mode emulators such as
 * qemu-i386 leave REG_TRAPNO at -1): #DE -> SIGFPE; #UD -> SIGILL; #BP, #DB
 * -> SIGTRAP; #OF, #BR, #GP, #PF, #SS -> SIGSEGV (a page fault when the
 * kernel says the address was bad, else #GP); #AC -> SIGBUS. */
static const struct {
    int signal;
    int32_t vector;
} native_signals[] = {
    {SIGFPE, 0}, {SIGILL, 6}, {SIGTRAP, 3}, {SIGSEGV, 13}, {SIGBUS, 17},
};

static int32_t native_vector(int sig, const siginfo_t *si, greg_t trapno)
{
    if (trapno >= 0 && trapno < 32)
        return (int32_t)trapno;
    if (sig == SIGSEGV && (si->si_code == SEGV_MAPERR || si->si_code == SEGV_ACCERR))
        return 14;
    for (size_t i = 0; i < sizeof(native_signals) / sizeof(native_signals[0]); i++)
        if (native_signals[i].signal == sig)
            return native_signals[i].vector;
    return 255;
}

static uint8_t native_altstack[64 * 1024];

static void native_on_signal(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    greg_t *g = uc->uc_mcontext.gregs;
    NativeCtx *x = &diff_native_ctx;

    if (!x->running) {
        /* The helper itself faulted: let the default action report it. */
        signal(sig, SIG_DFL);
        return;
    }
    x->signal = sig;
    x->vector = native_vector(sig, si, g[REG_TRAPNO]);
    x->error_code = (uint32_t)g[REG_ERR];
    x->fault_addr = (uint32_t)(uintptr_t)si->si_addr;
    x->eip = (uint32_t)g[REG_EIP];
    for (unsigned r = 0; r < DIFF_NREGS; r++)
        x->fault_regs[r] = (uint32_t)g[native_greg_slot[r]];
    x->fault_eflags = (uint32_t)g[REG_EFL];
    /* Resume in the capture stub's epilogue, which reloads the helper's stack;
     * clear DF/TF/AC so the C code after it runs as the ABI expects. */
    g[REG_EIP] = (greg_t)(uintptr_t)diff_native_resume;
    g[REG_EFL] = DIFF_FLAGS_FIXED;
}

static void *native_map_fixed(uint32_t addr, uint32_t size, int prot, const char *what)
{
    void *want = (void *)(uintptr_t)addr;
    void *p = mmap(want, size, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED || p != want) {
        /* Kernels before 4.17 ignore MAP_FIXED_NOREPLACE and return another address. */
        fprintf(stderr, "diff-native: cannot map the %s area at 0x%08x: %s\n", what, addr,
                p == MAP_FAILED ? strerror(errno) : "address in use");
        exit(2);
    }
    return p;
}

static void native_setup(uint8_t **code, uint8_t **data)
{
    /* The code area is written by the helper and executed by the CPU; x86
     * keeps instruction fetch coherent with stores (SDM Vol. 3A §11.6). */
    *code = native_map_fixed(DIFF_CODE_BASE, DIFF_CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC, "code");
    *data = native_map_fixed(DIFF_DATA_BASE, DIFF_DATA_SIZE, PROT_READ | PROT_WRITE, "data");

    /* The snippet's stack is the data area: signal frames must go elsewhere. */
    stack_t ss = {.ss_sp = native_altstack, .ss_size = sizeof(native_altstack)};
    if (sigaltstack(&ss, NULL)) {
        perror("diff-native: sigaltstack");
        exit(2);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = native_on_signal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof(native_signals) / sizeof(native_signals[0]); i++) {
        if (sigaction(native_signals[i].signal, &sa, NULL)) {
            perror("diff-native: sigaction");
            exit(2);
        }
    }
}

/* Lays out the code area: snippet, JMP rel32 to the capture stub, then HLT
 * (#GP in user mode) to the end of the page, so a stray jump past the
 * terminator is reported instead of running stale bytes. */
static void native_load_code(uint8_t *code, const uint8_t *snippet, uint32_t len)
{
    memset(code, 0xf4, DIFF_CODE_SIZE);
    memcpy(code, snippet, len);
    uint32_t next = DIFF_CODE_BASE + len + 5;
    uint32_t rel = (uint32_t)(uintptr_t)diff_native_capture - next;
    code[len] = 0xe9;
    memcpy(code + len + 1, &rel, 4);
}

static void native_run_case(const DiffWireRequest *rq, DiffWireResponse *rs)
{
    NativeCtx *x = &diff_native_ctx;
    for (unsigned r = 0; r < DIFF_NREGS; r++)
        x->in_popad[native_pushad_slot[r]] = rq->regs[r];
    x->in_esp = rq->regs[DIFF_ESP];
    /* User mode keeps IF and IOPL whatever POPFD asks; TF, AC and ID are
     * kept clear so that no single-step or alignment check fires. */
    x->in_eflags = (rq->eflags & DIFF_FLAGS_COMPARED) | DIFF_FLAGS_FIXED;
    x->entry = DIFF_CODE_BASE;
    x->vector = -1;
    x->running = 1;
    diff_native_run();
    x->running = 0;

    memset(rs, 0, sizeof(*rs));
    rs->magic = DIFF_WIRE_RESPONSE_MAGIC;
    if (x->vector < 0) {
        rs->status = DIFF_WIRE_RAN;
        rs->vector = -1;
        rs->eip_offset = rq->code_len;
        for (unsigned r = 0; r < DIFF_NREGS; r++)
            rs->regs[r] = x->out_pushad[native_pushad_slot[r]];
        rs->regs[DIFF_ESP] = x->out_esp;
        rs->eflags = x->out_eflags;
        return;
    }
    uint32_t off = x->eip - DIFF_CODE_BASE;
    rs->status = off < DIFF_CODE_SIZE ? DIFF_WIRE_RAN : DIFF_WIRE_HARNESS_FAULT;
    rs->vector = x->vector;
    rs->eip_offset = off;
    rs->error_code = x->error_code;
    rs->fault_addr = x->fault_addr;
    memcpy(rs->regs, x->fault_regs, sizeof(rs->regs));
    rs->eflags = x->fault_eflags;
}

static uint8_t native_snippet[DIFF_CODE_MAX];
static uint8_t native_runs[DIFF_WIRE_RUNS_MAX];
static uint8_t native_init[DIFF_DATA_SIZE];

int main(int argc, char **argv)
{
    if (argc > 1) {
        fprintf(stderr, "usage: %s (reads cases on stdin, writes results on stdout; "
                        "started by jitpc-diff)\n", argv[0]);
        return 2;
    }
    uint8_t *code, *data;
    native_setup(&code, &data);

    for (;;) {
        DiffWireRequest rq;
        int r = diff_wire_read(0, &rq, sizeof(rq), -1);
        if (r == 0)
            return 0; /* the driver closed the pipe */
        if (r < 0 || rq.magic != DIFF_WIRE_REQUEST_MAGIC || rq.code_len > DIFF_CODE_MAX ||
            rq.runs_len > DIFF_WIRE_RUNS_MAX) {
            fprintf(stderr, "diff-native: malformed request\n");
            return 2;
        }
        if (diff_wire_read(0, native_snippet, rq.code_len, -1) != 1 ||
            diff_wire_read(0, native_runs, rq.runs_len, -1) != 1) {
            fprintf(stderr, "diff-native: truncated request\n");
            return 2;
        }
        native_load_code(code, native_snippet, rq.code_len);
        diff_data_fill(data, (uint64_t)rq.data_seed_hi << 32 | rq.data_seed_lo);
        if (!diff_wire_apply_runs(data, DIFF_DATA_SIZE, native_runs, rq.runs_len)) {
            fprintf(stderr, "diff-native: malformed data runs\n");
            return 2;
        }
        memcpy(native_init, data, DIFF_DATA_SIZE);

        DiffWireResponse rs;
        native_run_case(&rq, &rs);
        rs.runs_len = (uint32_t)diff_wire_encode_runs(native_init, data, DIFF_DATA_SIZE, native_runs);
        if (!diff_wire_write(1, &rs, sizeof(rs)) || !diff_wire_write(1, native_runs, rs.runs_len))
            return 0; /* the driver went away */
    }
}
