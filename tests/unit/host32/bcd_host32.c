/* bcd_host32: runs DAA, DAS, AAA, AAS, AAM and AAD on the host CPU over
 * all their inputs and writes the results for tests/unit/test_arith.c to
 * compare with src/cpu/arith_bcd.c (SDM Vol. 2A, those six pages). The
 * opcodes are #UD in 64-bit mode, hence a 32-bit program (gcc -m32, built
 * by tests/unit/host32/CMakeLists.snippet.txt). Exit status 0 = all written. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

/* Output on stdout, host byte order: the 8-byte magic, then records of five
 * uint16_t: op << 8 | imm8 (bit 15 set = the instruction faulted), AX
 * before, FLAGS before, AX after, FLAGS after. */
#define BCD_HOST32_MAGIC "JPBCD01\n"

enum { OP_DAA = 1, OP_DAS, OP_AAA, OP_AAS, OP_AAM, OP_AAD };
#define OP_FAULTED 0x8000u

#define FL_CF 0x001u
#define FL_PF 0x004u
#define FL_AF 0x010u
#define FL_ZF 0x040u
#define FL_SF 0x080u
#define FL_OF 0x800u
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)
#define FL_FIXED 0x002u             /* bit 1 reads as 1 */

typedef struct HostOut {
    uint32_t ax, flags, faulted;
} HostOut;

/* #DE from AAM 0: skip the 2-byte instruction (D4 00) and report it in ECX,
 * which the asm below preloads with 0. Registers and flags are those at the
 * fault, so the caller sees exactly what the faulting instruction left. */
static void host_on_sigfpe(int sig, siginfo_t *info, void *ctx)
{
    ucontext_t *uc = ctx;
    (void)sig;
    (void)info;
    uc->uc_mcontext.gregs[REG_EIP] += 2;
    uc->uc_mcontext.gregs[REG_ECX] = 1;
}

#define HOST_RUN(bytes)                                                       \
    {                                                                         \
        HostOut o = {ax, flags | FL_FIXED, 0};                                \
        __asm__ volatile("push %[f]\n\tpopf\n\t" bytes "\n\tpushf\n\tpop %[f]" \
                         : "+a"(o.ax), [f] "+r"(o.flags), "+c"(o.faulted)     \
                         :                                                    \
                         : "cc", "memory");                                   \
        return o;                                                             \
    }

static HostOut host_daa(uint32_t ax, uint32_t flags) HOST_RUN("daa")
static HostOut host_das(uint32_t ax, uint32_t flags) HOST_RUN("das")
static HostOut host_aaa(uint32_t ax, uint32_t flags) HOST_RUN("aaa")
static HostOut host_aas(uint32_t ax, uint32_t flags) HOST_RUN("aas")

/* AAM and AAD take an immediate, so one function per immediate tested. */
#define HOST_IMMS(X) X(0x00) X(0x01) X(0x02) X(0x03) X(0x07) X(0x08) X(0x0a) \
                     X(0x10) X(0x7f) X(0x80) X(0xc0) X(0xff)
#define HOST_AAM_FN(imm) \
    static HostOut host_aam_##imm(uint32_t ax, uint32_t flags) HOST_RUN(".byte 0xd4, " #imm)
#define HOST_AAD_FN(imm) \
    static HostOut host_aad_##imm(uint32_t ax, uint32_t flags) HOST_RUN(".byte 0xd5, " #imm)
HOST_IMMS(HOST_AAM_FN)
HOST_IMMS(HOST_AAD_FN)

typedef HostOut (*HostImmFn)(uint32_t ax, uint32_t flags);
typedef struct HostImm {
    uint8_t imm;
    HostImmFn aam, aad;
} HostImm;

static const HostImm host_imms[] = {
#define HOST_IMM_ENTRY(imm) {imm, host_aam_##imm, host_aad_##imm},
    HOST_IMMS(HOST_IMM_ENTRY)
};

typedef struct Writer {
    FILE *out;
    unsigned long records;
} Writer;

static void emit(Writer *w, unsigned op, unsigned imm, uint32_t ax, uint32_t flags, HostOut o)
{
    uint16_t rec[5] = {
        (uint16_t)((op << 8) | imm | (o.faulted ? OP_FAULTED : 0)),
        (uint16_t)ax, (uint16_t)(flags | FL_FIXED), (uint16_t)o.ax, (uint16_t)o.flags,
    };
    fwrite(rec, sizeof rec, 1, w->out);
    w->records++;
}

/* Input flag sets: every CF x AF, with the other four arithmetic flags all
 * clear or all set (so "unchanged" and "cleared" can be told apart). */
static uint32_t flag_set(unsigned i)
{
    return ((i & 1) ? FL_CF : 0) | ((i & 2) ? FL_AF : 0) |
           ((i & 4) ? (FL_OF | FL_SF | FL_ZF | FL_PF) : 0);
}

int main(void)
{
    Writer w = {stdout, 0};
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = host_on_sigfpe;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGFPE, &sa, NULL) != 0) {
        perror("bcd_host32: sigaction");
        return 1;
    }
    fwrite(BCD_HOST32_MAGIC, 8, 1, stdout);

    for (unsigned fs = 0; fs < 8; fs++) {
        uint32_t fl = flag_set(fs);
        for (uint32_t al = 0; al < 256; al++) {
            uint32_t ax = ((al ^ 0xa5) << 8) | al;  /* AH must come through untouched */
            emit(&w, OP_DAA, 0, ax, fl, host_daa(ax, fl));
            emit(&w, OP_DAS, 0, ax, fl, host_das(ax, fl));
        }
        for (uint32_t ax = 0; ax < 0x10000; ax++) {
            emit(&w, OP_AAA, 0, ax, fl, host_aaa(ax, fl));
            emit(&w, OP_AAS, 0, ax, fl, host_aas(ax, fl));
        }
    }
    for (size_t i = 0; i < sizeof host_imms / sizeof host_imms[0]; i++) {
        const HostImm *h = &host_imms[i];
        for (unsigned fs = 0; fs < 2; fs++) {
            uint32_t fl = fs ? FL_ARITH : 0;
            for (uint32_t ax = 0; ax < 0x10000; ax++) {
                if ((ax >> 8) == 0x00 || (ax >> 8) == 0x5a)   /* AAM ignores AH */
                    emit(&w, OP_AAM, h->imm, ax, fl, h->aam(ax, fl));
                emit(&w, OP_AAD, h->imm, ax, fl, h->aad(ax, fl));
            }
        }
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("bcd_host32: write");
        return 1;
    }
    return w.records > 0 ? 0 : 1;
}
