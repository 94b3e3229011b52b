/* SSE and SSE2 end to end: instruction bytes run in the bare-address-space
 * rig (as test_cpu.c) and natively on the host CPU through a stub built at
 * run time (load XMM/MMX/GPR/MXCSR state, the same bytes, store it back),
 * on random operands with a fixed seed, special floats included; then the
 * architectural rules the host cannot show safely: #XM vs #UD, results
 * kept on unmasked exceptions, #NM, #UD, alignment #GP, LDMXCSR's #GP.
 * The rig and the host stub are shared with test_mmx.c, which includes
 * this file with SIMD_RIG_ONLY defined. x86-64 hosts only. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cpu/cpu.h"
#include "cpu/fpu.h"
#include "mmu/paging.h"

#define RAM_SIZE (1u << 20)
#define CODE_ADDR 0x1000u
#define DATA_ADDR 0x20000u
#define DATA_SIZE 64u

/* ---- random numbers (xorshift64*, fixed seed) ---- */
typedef struct Rng {
    uint64_t s;
} Rng;

static uint64_t rng_next(Rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545F4914F6CDD1DULL;
}

static unsigned rng_below(Rng *r, unsigned n)
{
    return (unsigned)(rng_next(r) % n);
}

/* Floats that find bugs: zeros, infinities, NaNs (quiet and signalling),
 * denormals, the normal range's ends, integers, values near the int32
 * limits, and random bits. */
static uint32_t rand_f32(Rng *r)
{
    uint32_t sign = (uint32_t)(rng_next(r) & 1) << 31, m = (uint32_t)rng_next(r) & 0x7FFFFF;
    switch (rng_below(r, 14)) {
    case 0: return sign;
    case 1: return sign | 0x7F800000u;
    case 2: return sign | 0x7FC00000u | (m & 0x3FFFFF);
    case 3: return sign | 0x7F800000u | ((m & 0x3FFFFF) ? (m & 0x3FFFFF) : 1);
    case 4: return sign | m;
    case 5: return sign | (rng_below(r, 2) ? 0x00800000u : 0x7F7FFFFFu);
    case 6: {
        float f = (float)((int)rng_below(r, 2001) - 1000);
        uint32_t u;
        memcpy(&u, &f, 4);
        return u;
    }
    case 7: return sign | (uint32_t)(0x9D + rng_below(r, 4)) << 23 | m;    /* around 2^31 */
    case 8: return sign | (uint32_t)(0x7F + rng_below(r, 3)) << 23 | (m & 0x7F0000);
    case 9: return sign | (uint32_t)(1 + rng_below(r, 30)) << 23 | m;      /* tiny: underflows */
    case 10: return sign | (uint32_t)(0xE0 + rng_below(r, 31)) << 23 | m;  /* huge: overflows */
    default: return sign | (uint32_t)(0x60 + rng_below(r, 64)) << 23 | m;
    }
}

static uint64_t rand_f64(Rng *r)
{
    uint64_t sign = (rng_next(r) & 1) << 63, m = rng_next(r) & 0xFFFFFFFFFFFFFull;
    switch (rng_below(r, 14)) {
    case 0: return sign;
    case 1: return sign | 0x7FF0000000000000ull;
    case 2: return sign | 0x7FF8000000000000ull | (m & 0x7FFFFFFFFFFFFull);
    case 3: return sign | 0x7FF0000000000000ull | ((m & 0x7FFFFFFFFFFFFull) ? (m & 0x7FFFFFFFFFFFFull) : 1);
    case 4: return sign | m;
    case 5: return sign | (rng_below(r, 2) ? 0x0010000000000000ull : 0x7FEFFFFFFFFFFFFFull);
    case 6: {
        double f = (double)((int)rng_below(r, 2001) - 1000);
        uint64_t u;
        memcpy(&u, &f, 8);
        return u;
    }
    case 7: return sign | (uint64_t)(0x41D + rng_below(r, 4)) << 52 | m;
    case 8: return sign | (uint64_t)(0x3FF + rng_below(r, 3)) << 52 | (m & 0xFF00000000000ull);
    case 9: return sign | (uint64_t)(0x369 + rng_below(r, 40)) << 52 | m;  /* rounds to f32 denormals */
    case 10: return sign | (uint64_t)(0x47E + rng_below(r, 10)) << 52 | m; /* beyond f32 range */
    default: return sign | (uint64_t)(0x380 + rng_below(r, 256)) << 52 | m;
    }
}

static uint64_t rand_int(Rng *r)
{
    static const uint64_t special[] = {0, ~0ull, 0x8000800080008000ull, 0x7FFF7FFF7FFF7FFFull,
                                       0x8080808080808080ull, 0x7F7F7F7F7F7F7F7Full, 0x0000FFFF0000FFFFull};
    if (rng_below(r, 8) == 0)
        return special[rng_below(r, sizeof(special) / sizeof(special[0]))];
    uint64_t v = rng_next(r);
    if (rng_below(r, 4) == 0)
        v &= 0x00FF00FF00FF00FFull;     /* small lanes */
    return v;
}

enum { LANE_INT, LANE_F32, LANE_F64 };

static uint64_t rand_q(Rng *r, unsigned lanes)
{
    switch (lanes) {
    case LANE_F32: return (uint64_t)rand_f32(r) << 32 | rand_f32(r);
    case LANE_F64: return rand_f64(r);
    default: return rand_int(r);
    }
}

/* ---- the register state both sides load and store ---- */
typedef struct SimdRegs {
    uint64_t xmm[8][2];         /* 0 */
    uint64_t mm[8];             /* 128 */
    uint64_t gpr[8];            /* 192 */
    uint64_t flags;             /* 256 */
    uint32_t mxcsr;             /* 264 */
    uint32_t host_mxcsr;        /* 268: restored on the way out */
} SimdRegs;

/* ---- host side: a stub around the instruction bytes ---- */
typedef struct HostStub {
    uint8_t *code;
} HostStub;

static void emit(uint8_t **p, const void *bytes, size_t n)
{
    memcpy(*p, bytes, n);
    *p += n;
}

static void emit_r11(uint8_t **p, const uint8_t *prefix, size_t n, unsigned reg, uint32_t disp)
{
    emit(p, prefix, n);
    *(*p)++ = (uint8_t)(0x83 | (reg << 3));    /* mod 10, rm 011 (r11 with REX.B) */
    emit(p, &disp, 4);
}

static void host_stub_build(HostStub *h, const uint8_t *insn, size_t len)
{
    uint8_t *p = h->code;
    static const uint8_t movdqu_ld[] = {0xF3, 0x41, 0x0F, 0x6F}, movq_ld[] = {0x41, 0x0F, 0x6F};
    static const uint8_t movdqu_st[] = {0xF3, 0x41, 0x0F, 0x7F}, movq_st[] = {0x41, 0x0F, 0x7F};
    static const uint8_t mov_ld[] = {0x49, 0x8B}, mov_st[] = {0x49, 0x89}, mxcsr_op[] = {0x41, 0x0F, 0xAE};
    emit(&p, "\x53\x55\x49\x89\xFB", 5);       /* push rbx; push rbp; mov r11, rdi */
    for (unsigned i = 0; i < 8; i++)
        emit_r11(&p, movdqu_ld, 4, i, 16 * i);
    for (unsigned i = 0; i < 8; i++)
        emit_r11(&p, movq_ld, 3, i, 128 + 8 * i);
    emit_r11(&p, mxcsr_op, 3, 2, 264);          /* ldmxcsr */
    for (unsigned i = 0; i < 8; i++)
        if (i != 4)
            emit_r11(&p, mov_ld, 2, i, 192 + 8 * i);
    emit(&p, insn, len);
    for (unsigned i = 0; i < 8; i++)
        if (i != 4)
            emit_r11(&p, mov_st, 2, i, 192 + 8 * i);
    emit(&p, "\x9C\x58", 2);                    /* pushfq; pop rax */
    emit_r11(&p, mov_st, 2, 0, 256);
    emit_r11(&p, mxcsr_op, 3, 3, 264);          /* stmxcsr */
    emit_r11(&p, mxcsr_op, 3, 2, 268);          /* ldmxcsr host_mxcsr */
    for (unsigned i = 0; i < 8; i++)
        emit_r11(&p, movdqu_st, 4, i, 16 * i);
    for (unsigned i = 0; i < 8; i++)
        emit_r11(&p, movq_st, 3, i, 128 + 8 * i);
    emit(&p, "\x0F\x77\x5D\x5B\xC3", 5);       /* emms; pop rbp; pop rbx; ret */
}

static void host_run(HostStub *h, SimdRegs *s)
{
    uint32_t csr = 0x1F80;
#if defined(__x86_64__)
    __asm__ volatile("stmxcsr %0" : "=m"(csr));
#endif
    s->host_mxcsr = csr;
    void (*fn)(SimdRegs *);
    void *code = h->code;
    memcpy(&fn, &code, sizeof(fn));
    fn(s);
}

/* ---- the emulator side ---- */
typedef struct Rig {
    AddressSpace mem, io;
    uint8_t *ram;
    Clock clock;
    Log log;
    CpuModel model;
    CpuState cpu;
    HostStub host;
    _Alignas(64) uint8_t host_data[DATA_SIZE];
} Rig;

static Rig *rig_new(void)
{
    Rig *r = calloc(1, sizeof(*r));
    Error err = {0};
    r->ram = calloc(1, RAM_SIZE);
    as_init(&r->mem, "memory", PHYS_ADDR_SPACE_SIZE, &r->log);
    as_init(&r->io, "ioport", IO_PORT_SPACE_SIZE, &r->log);
    cr_assert(as_map_ram(&r->mem, 0, RAM_SIZE, r->ram, "ram", &err), "%s", err.msg);
    clock_init_deterministic(&r->clock, 0);
    cpu_init(&r->cpu, &r->mem, &r->io, &r->clock, &r->log);
    /* The model advertises what these tests exercise. */
    r->model = *cpu_model_default();
    r->model.features_edx |= (1u << 0) | (1u << 19) | (1u << 23) | (1u << 24) | (1u << 25) | (1u << 26);
    r->cpu.model = &r->model;
    cpu_enter_multiboot(&r->cpu, CODE_ADDR, 0);
    r->cpu.cr[4] |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    r->cpu.fpu.fcw = 0x37F;
    r->cpu.fpu.ftw = 0xFFFF;
    r->cpu.fpu.mxcsr = 0x1F80;
    r->cpu.stop_on_exception = true;
    r->host.code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert(r->host.code != MAP_FAILED, "an executable page for the host stub");
    return r;
}

static void rig_free(Rig *r)
{
    munmap(r->host.code, 4096);
    cpu_destroy(&r->cpu);
    clock_destroy(&r->clock);
    as_destroy(&r->mem);
    as_destroy(&r->io);
    free(r->ram);
    free(r);
}

/* Put `insn` + HLT at CODE_ADDR (dropping old translations) and into the
 * host stub. */
static void rig_load_insn(Rig *r, const uint8_t *insn, size_t len)
{
    memcpy(r->ram + CODE_ADDR, insn, len);
    r->ram[CODE_ADDR + len] = 0xF4;
    tb_flush(&r->cpu.engine.cache);
    host_stub_build(&r->host, insn, len);
}

/* Run the loaded instruction in the emulator from state `s` (ESI/EDI are
 * replaced by guest pointers into the data area, offset by misalign).
 * Returns the exception vector, or -1 when it reached the HLT. */
static int guest_run(Rig *r, SimdRegs *s, const uint8_t *data, unsigned misalign)
{
    CpuState *c = &r->cpu;
    memcpy(r->ram + DATA_ADDR, data, DATA_SIZE);
    memcpy(c->fpu.xmm, s->xmm, sizeof(s->xmm));
    for (unsigned i = 0; i < 8; i++) {
        c->fpu.st[i].mant = s->mm[i];
        if (i != R_ESP)
            c->regs[i] = (uint32_t)s->gpr[i];
    }
    c->regs[R_ESI] = DATA_ADDR + misalign;
    c->regs[R_EDI] = DATA_ADDR + 32;
    c->fpu.mxcsr = s->mxcsr;
    c->eip = CODE_ADDR;
    c->halted = false;
    c->exception_vector = -1;
    cpu_set_eflags(c, 0x2, CC_C | CC_P | CC_A | CC_Z | CC_S | CC_O);
    CpuExecStatus st = cpu_exec(c, 10);
    memcpy(s->xmm, c->fpu.xmm, sizeof(s->xmm));
    for (unsigned i = 0; i < 8; i++) {
        s->mm[i] = c->fpu.st[i].mant;
        if (i != R_ESP)
            s->gpr[i] = c->regs[i];
    }
    s->mxcsr = c->fpu.mxcsr;
    s->flags = cpu_get_eflags(c);
    return st == CPU_EXEC_HALTED ? -1 : c->exception_vector;
}

/* ---- instruction tables ---- */
enum { K_X, K_M, K_G, K_EXT };     /* ModRM field: XMM, MMX, GPR, opcode extension */
#define F_IMM 0x01          /* imm8, any value */
#define F_IMM_PRED 0x02     /* imm8 0-7 (CMPcc) */
#define F_IMM_SHIFT 0x04    /* imm8 shift count 0-70 */
#define F_REG 0x08          /* register form only */
#define F_MEM 0x10          /* memory form only */
#define F_FLAGS 0x20        /* compare EFLAGS */
#define F_NOMXCSR 0x40      /* do not randomize MXCSR */

typedef struct SimdInsn {
    const char *name;
    uint8_t pfx, op, ext;       /* prefix (0 none), 0F xx, ModRM.reg for K_EXT */
    uint8_t regk, rmk;
    uint8_t flags, lanes;
} SimdInsn;

typedef struct Mismatches {
    unsigned count, cases;
} Mismatches;

static const uint8_t gpr_ok[] = {R_EAX, R_ECX, R_EDX, R_EBX, R_EBP};

static unsigned pick_field(Rng *rng, unsigned kind, unsigned ext)
{
    switch (kind) {
    case K_G: return gpr_ok[rng_below(rng, sizeof(gpr_ok))];
    case K_EXT: return ext;
    default: return rng_below(rng, 8);
    }
}

static size_t encode(const SimdInsn *in, Rng *rng, bool mem, uint8_t *b)
{
    size_t n = 0;
    if (in->pfx)
        b[n++] = in->pfx;
    b[n++] = 0x0F;
    b[n++] = in->op;
    unsigned reg = pick_field(rng, in->regk, in->ext);
    unsigned rm = mem ? 6 : pick_field(rng, in->rmk, 0);
    b[n++] = (uint8_t)((mem ? 0x00 : 0xC0) | reg << 3 | rm);
    if (in->flags & F_IMM)
        b[n++] = (uint8_t)rng_next(rng);
    else if (in->flags & F_IMM_PRED)
        b[n++] = (uint8_t)rng_below(rng, 8);
    else if (in->flags & F_IMM_SHIFT)
        b[n++] = (uint8_t)rng_below(rng, 71);
    return n;
}

static void random_regs(Rng *rng, const SimdInsn *in, SimdRegs *s, uint8_t *data)
{
    for (unsigned i = 0; i < 8; i++) {
        s->xmm[i][0] = rand_q(rng, in->lanes);
        s->xmm[i][1] = rand_q(rng, in->lanes);
        s->mm[i] = rand_q(rng, LANE_INT);
        s->gpr[i] = (uint32_t)(in->lanes == LANE_INT || rng_below(rng, 2) ? rng_next(rng)
                               : (uint64_t)(int32_t)((int)rng_below(rng, 200001) - 100000));
    }
    for (unsigned i = 0; i < DATA_SIZE; i += 8) {
        uint64_t q = rand_q(rng, in->lanes);
        memcpy(data + i, &q, 8);
    }
    /* Every exception masked (the host would take SIGFPE otherwise); any
     * rounding mode, DAZ, FTZ, and some flags already set. */
    s->mxcsr = 0x1F80;
    if (!(in->flags & F_NOMXCSR))
        s->mxcsr |= (rng_below(rng, 4) << 13) | (rng_below(rng, 4) == 0 ? 0x40 : 0) |
                    (rng_below(rng, 4) == 0 ? 0x8000 : 0) | (rng_below(rng, 3) == 0 ? rng_below(rng, 64) : 0);
}

static void report(Mismatches *m, const SimdInsn *in, const uint8_t *b, size_t len, const char *what,
                   const SimdRegs *g, const SimdRegs *h, unsigned idx)
{
    m->count++;
    if (m->count > 8)
        return;
    char hex[64] = "";
    for (size_t i = 0; i < len && i < 15; i++)
        snprintf(hex + 3 * i, sizeof(hex) - 3 * i, "%02x ", b[i]);
    cr_log_error("%s [%s] %s differs", in->name, hex, what);
    if (idx < 8)
        cr_log_error("  xmm%u/mm%u: guest %016llx:%016llx / %016llx, host %016llx:%016llx / %016llx", idx, idx,
                     (unsigned long long)g->xmm[idx][1], (unsigned long long)g->xmm[idx][0],
                     (unsigned long long)g->mm[idx], (unsigned long long)h->xmm[idx][1],
                     (unsigned long long)h->xmm[idx][0], (unsigned long long)h->mm[idx]);
    cr_log_error("  mxcsr guest %04x host %04x, flags guest %03llx host %03llx", g->mxcsr, h->mxcsr,
                 (unsigned long long)(g->flags & 0x8D5), (unsigned long long)(h->flags & 0x8D5));
}

/* Compare one instruction against the host: `builds` encodings (registers
 * and immediates drawn at random) x `per` operand sets, register and
 * memory forms. Returns the number of cases run. */
static unsigned check_insn(Rig *r, Rng *rng, const SimdInsn *in, unsigned builds, unsigned per, Mismatches *m)
{
    unsigned cases = 0;
    for (unsigned form = 0; form < 2; form++) {
        bool mem = form == 1;
        if ((mem && (in->flags & F_REG)) || (!mem && (in->flags & F_MEM)))
            continue;
        for (unsigned b = 0; b < builds; b++) {
            uint8_t bytes[16];
            size_t len = encode(in, rng, mem, bytes);
            rig_load_insn(r, bytes, len);
            for (unsigned k = 0; k < per; k++) {
                SimdRegs g, h;
                uint8_t data[DATA_SIZE];
                random_regs(rng, in, &g, data);
                h = g;
                memcpy(r->host_data, data, DATA_SIZE);
                h.gpr[R_ESI] = (uint64_t)(uintptr_t)r->host_data;
                h.gpr[R_EDI] = (uint64_t)(uintptr_t)(r->host_data + 32);
                int v = guest_run(r, &g, data, 0);
                host_run(&r->host, &h);
                cases++;
                if (v >= 0) {
                    report(m, in, bytes, len, "exception", &g, &h, 8);
                    cr_log_error("  vector %d", v);
                    continue;
                }
                for (unsigned i = 0; i < 8; i++) {
                    if (memcmp(g.xmm[i], h.xmm[i], 16) || g.mm[i] != h.mm[i]) {
                        report(m, in, bytes, len, "register", &g, &h, i);
                        goto next;
                    }
                    if (i != R_ESP && i != R_ESI && i != R_EDI && (uint32_t)g.gpr[i] != (uint32_t)h.gpr[i]) {
                        report(m, in, bytes, len, "GPR", &g, &h, 8);
                        cr_log_error("  r%u guest %08x host %08x", i, (uint32_t)g.gpr[i], (uint32_t)h.gpr[i]);
                        goto next;
                    }
                }
                if (g.mxcsr != h.mxcsr) {
                    report(m, in, bytes, len, "MXCSR", &g, &h, 8);
                    continue;
                }
                if ((in->flags & F_FLAGS) && (g.flags & 0x8D5) != (h.flags & 0x8D5)) {
                    report(m, in, bytes, len, "EFLAGS", &g, &h, 8);
                    continue;
                }
                if (memcmp(r->ram + DATA_ADDR, r->host_data, DATA_SIZE))
                    report(m, in, bytes, len, "memory", &g, &h, 8);
            next:;
            }
        }
    }
    m->cases += cases;
    return cases;
}

static void check_table(const SimdInsn *t, size_t n, unsigned builds, unsigned per, uint64_t seed)
{
#if !defined(__x86_64__)
    cr_skip_test("the host comparison needs an x86-64 host");
#endif
    Rig *r = rig_new();
    Rng rng = {seed};
    Mismatches m = {0, 0};
    for (size_t i = 0; i < n; i++)
        check_insn(r, &rng, &t[i], builds, per, &m);
    cr_log_info("%u cases, %u mismatches", m.cases, m.count);
    cr_expect_eq(m.count, 0, "%u of %u cases differ from the host CPU", m.count, m.cases);
    cr_expect_gt(m.cases, 1000);
    rig_free(r);
}

#ifndef SIMD_RIG_ONLY

/* ---- SSE2 integer on XMM, and the moves compilers emit ---- */
#define XI(name, op) {#name, 0x66, op, 0, K_X, K_X, 0, LANE_INT}
static const SimdInsn sse2_int[] = {
    XI(punpcklbw, 0x60), XI(punpcklwd, 0x61), XI(punpckldq, 0x62), XI(packsswb, 0x63),
    XI(pcmpgtb, 0x64), XI(pcmpgtw, 0x65), XI(pcmpgtd, 0x66), XI(packuswb, 0x67),
    XI(punpckhbw, 0x68), XI(punpckhwd, 0x69), XI(punpckhdq, 0x6A), XI(packssdw, 0x6B),
    XI(punpcklqdq, 0x6C), XI(punpckhqdq, 0x6D), XI(pcmpeqb, 0x74), XI(pcmpeqw, 0x75), XI(pcmpeqd, 0x76),
    XI(psrlw, 0xD1), XI(psrld, 0xD2), XI(psrlq, 0xD3), XI(paddq, 0xD4), XI(pmullw, 0xD5),
    XI(psubusb, 0xD8), XI(psubusw, 0xD9), XI(pminub, 0xDA), XI(pand, 0xDB), XI(paddusb, 0xDC),
    XI(paddusw, 0xDD), XI(pmaxub, 0xDE), XI(pandn, 0xDF), XI(pavgb, 0xE0), XI(psraw, 0xE1),
    XI(psrad, 0xE2), XI(pavgw, 0xE3), XI(pmulhuw, 0xE4), XI(pmulhw, 0xE5), XI(psubsb, 0xE8),
    XI(psubsw, 0xE9), XI(pminsw, 0xEA), XI(por, 0xEB), XI(paddsb, 0xEC), XI(paddsw, 0xED),
    XI(pmaxsw, 0xEE), XI(pxor, 0xEF), XI(psllw, 0xF1), XI(pslld, 0xF2), XI(psllq, 0xF3),
    XI(pmuludq, 0xF4), XI(pmaddwd, 0xF5), XI(psadbw, 0xF6), XI(psubb, 0xF8), XI(psubw, 0xF9),
    XI(psubd, 0xFA), XI(psubq, 0xFB), XI(paddb, 0xFC), XI(paddw, 0xFD), XI(paddd, 0xFE),
    {"pshufd", 0x66, 0x70, 0, K_X, K_X, F_IMM, LANE_INT},
    {"pshufhw", 0xF3, 0x70, 0, K_X, K_X, F_IMM, LANE_INT},
    {"pshuflw", 0xF2, 0x70, 0, K_X, K_X, F_IMM, LANE_INT},
    {"psrlw imm", 0x66, 0x71, 2, K_EXT, K_X, F_IMM_SHIFT | F_REG, LANE_INT},
    {"psraw imm", 0x66, 0x71, 4, K_EXT, K_X, F_IMM_SHIFT | F_REG, LANE_INT},
    {"psllw imm", 0x66, 0x71, 6, K_EXT, K_X, F_IMM_SHIFT | F_REG, LANE_INT},
    {"psrld imm", 0x66, 0x72, 2, K_EXT, K_X, F_IMM_SHIFT | F_REG, LANE_INT},
    {"psrad imm", 0x66, 0x72, 4, K_EXT, K_X, F_IMM_SHIFT | F_REG, LANE_INT},
    {"pslld imm", 0x66, 0x72, 6, K_EXT, K_X, F_IMM_SHIFT | F_REG, LANE_INT},
    {"psrlq imm", 0x66, 0x73, 2, K_EXT, K_X, F_IMM_SHIFT | F_REG, LANE_INT},
    {"psrldq", 0x66, 0x73, 3, K_EXT, K_X, F_IMM_SHIFT | F_REG, LANE_INT},
    {"psllq imm", 0x66, 0x73, 6, K_EXT, K_X, F_IMM_SHIFT | F_REG, LANE_INT},
    {"pslldq", 0x66, 0x73, 7, K_EXT, K_X, F_IMM_SHIFT | F_REG, LANE_INT},
    {"pinsrw", 0x66, 0xC4, 0, K_X, K_G, F_IMM, LANE_INT},
    {"pextrw", 0x66, 0xC5, 0, K_G, K_X, F_IMM | F_REG, LANE_INT},
    {"pmovmskb", 0x66, 0xD7, 0, K_G, K_X, F_REG, LANE_INT},
};

static const SimdInsn sse_moves[] = {
    {"movups load", 0, 0x10, 0, K_X, K_X, 0, LANE_INT}, {"movups store", 0, 0x11, 0, K_X, K_X, 0, LANE_INT},
    {"movupd load", 0x66, 0x10, 0, K_X, K_X, 0, LANE_INT}, {"movupd store", 0x66, 0x11, 0, K_X, K_X, 0, LANE_INT},
    {"movss load", 0xF3, 0x10, 0, K_X, K_X, 0, LANE_INT}, {"movss store", 0xF3, 0x11, 0, K_X, K_X, 0, LANE_INT},
    {"movsd load", 0xF2, 0x10, 0, K_X, K_X, 0, LANE_INT}, {"movsd store", 0xF2, 0x11, 0, K_X, K_X, 0, LANE_INT},
    {"movlps load", 0, 0x12, 0, K_X, K_X, F_MEM, LANE_INT}, {"movhlps", 0, 0x12, 0, K_X, K_X, F_REG, LANE_INT},
    {"movlpd load", 0x66, 0x12, 0, K_X, K_X, F_MEM, LANE_INT},
    {"movlps store", 0, 0x13, 0, K_X, K_X, F_MEM, LANE_INT}, {"movlpd store", 0x66, 0x13, 0, K_X, K_X, F_MEM, LANE_INT},
    {"unpcklps", 0, 0x14, 0, K_X, K_X, 0, LANE_INT}, {"unpcklpd", 0x66, 0x14, 0, K_X, K_X, 0, LANE_INT},
    {"unpckhps", 0, 0x15, 0, K_X, K_X, 0, LANE_INT}, {"unpckhpd", 0x66, 0x15, 0, K_X, K_X, 0, LANE_INT},
    {"movhps load", 0, 0x16, 0, K_X, K_X, F_MEM, LANE_INT}, {"movlhps", 0, 0x16, 0, K_X, K_X, F_REG, LANE_INT},
    {"movhpd load", 0x66, 0x16, 0, K_X, K_X, F_MEM, LANE_INT},
    {"movhps store", 0, 0x17, 0, K_X, K_X, F_MEM, LANE_INT}, {"movhpd store", 0x66, 0x17, 0, K_X, K_X, F_MEM, LANE_INT},
    {"movaps load", 0, 0x28, 0, K_X, K_X, 0, LANE_INT}, {"movaps store", 0, 0x29, 0, K_X, K_X, 0, LANE_INT},
    {"movapd load", 0x66, 0x28, 0, K_X, K_X, 0, LANE_INT}, {"movapd store", 0x66, 0x29, 0, K_X, K_X, 0, LANE_INT},
    {"movntps", 0, 0x2B, 0, K_X, K_X, F_MEM, LANE_INT}, {"movntpd", 0x66, 0x2B, 0, K_X, K_X, F_MEM, LANE_INT},
    {"movmskps", 0, 0x50, 0, K_G, K_X, F_REG, LANE_F32}, {"movmskpd", 0x66, 0x50, 0, K_G, K_X, F_REG, LANE_F64},
    {"andps", 0, 0x54, 0, K_X, K_X, 0, LANE_INT}, {"andpd", 0x66, 0x54, 0, K_X, K_X, 0, LANE_INT},
    {"andnps", 0, 0x55, 0, K_X, K_X, 0, LANE_INT}, {"andnpd", 0x66, 0x55, 0, K_X, K_X, 0, LANE_INT},
    {"orps", 0, 0x56, 0, K_X, K_X, 0, LANE_INT}, {"orpd", 0x66, 0x56, 0, K_X, K_X, 0, LANE_INT},
    {"xorps", 0, 0x57, 0, K_X, K_X, 0, LANE_INT}, {"xorpd", 0x66, 0x57, 0, K_X, K_X, 0, LANE_INT},
    {"movd xmm, r/m32", 0x66, 0x6E, 0, K_X, K_G, 0, LANE_INT},
    {"movdqa load", 0x66, 0x6F, 0, K_X, K_X, 0, LANE_INT}, {"movdqu load", 0xF3, 0x6F, 0, K_X, K_X, 0, LANE_INT},
    {"movd r/m32, xmm", 0x66, 0x7E, 0, K_X, K_G, 0, LANE_INT},
    {"movq xmm, xmm/m64", 0xF3, 0x7E, 0, K_X, K_X, 0, LANE_INT},
    {"movdqa store", 0x66, 0x7F, 0, K_X, K_X, 0, LANE_INT}, {"movdqu store", 0xF3, 0x7F, 0, K_X, K_X, 0, LANE_INT},
    {"shufps", 0, 0xC6, 0, K_X, K_X, F_IMM, LANE_INT}, {"shufpd", 0x66, 0xC6, 0, K_X, K_X, F_IMM, LANE_INT},
    {"movq xmm/m64, xmm", 0x66, 0xD6, 0, K_X, K_X, 0, LANE_INT},
    {"movq2dq", 0xF3, 0xD6, 0, K_X, K_M, F_REG, LANE_INT}, {"movdq2q", 0xF2, 0xD6, 0, K_M, K_X, F_REG, LANE_INT},
    {"movntdq", 0x66, 0xE7, 0, K_X, K_X, F_MEM, LANE_INT},
    {"maskmovdqu", 0x66, 0xF7, 0, K_X, K_X, F_REG, LANE_INT},
};

#define ARITH4(name, op, flags) \
    {#name "ps", 0, op, 0, K_X, K_X, flags, LANE_F32}, {#name "pd", 0x66, op, 0, K_X, K_X, flags, LANE_F64}, \
    {#name "ss", 0xF3, op, 0, K_X, K_X, flags, LANE_F32}, {#name "sd", 0xF2, op, 0, K_X, K_X, flags, LANE_F64}
static const SimdInsn sse_arith[] = {
    ARITH4(sqrt, 0x51, 0), ARITH4(add, 0x58, 0), ARITH4(mul, 0x59, 0), ARITH4(sub, 0x5C, 0),
    ARITH4(min, 0x5D, 0), ARITH4(div, 0x5E, 0), ARITH4(max, 0x5F, 0), ARITH4(cmp, 0xC2, F_IMM_PRED),
    {"ucomiss", 0, 0x2E, 0, K_X, K_X, F_FLAGS, LANE_F32}, {"ucomisd", 0x66, 0x2E, 0, K_X, K_X, F_FLAGS, LANE_F64},
    {"comiss", 0, 0x2F, 0, K_X, K_X, F_FLAGS, LANE_F32}, {"comisd", 0x66, 0x2F, 0, K_X, K_X, F_FLAGS, LANE_F64},
};

static const SimdInsn sse_convert[] = {
    {"cvtpi2ps", 0, 0x2A, 0, K_X, K_M, 0, LANE_F32}, {"cvtpi2pd", 0x66, 0x2A, 0, K_X, K_M, 0, LANE_F64},
    {"cvtsi2ss", 0xF3, 0x2A, 0, K_X, K_G, 0, LANE_F32}, {"cvtsi2sd", 0xF2, 0x2A, 0, K_X, K_G, 0, LANE_F64},
    {"cvttps2pi", 0, 0x2C, 0, K_M, K_X, 0, LANE_F32}, {"cvttpd2pi", 0x66, 0x2C, 0, K_M, K_X, 0, LANE_F64},
    {"cvttss2si", 0xF3, 0x2C, 0, K_G, K_X, 0, LANE_F32}, {"cvttsd2si", 0xF2, 0x2C, 0, K_G, K_X, 0, LANE_F64},
    {"cvtps2pi", 0, 0x2D, 0, K_M, K_X, 0, LANE_F32}, {"cvtpd2pi", 0x66, 0x2D, 0, K_M, K_X, 0, LANE_F64},
    {"cvtss2si", 0xF3, 0x2D, 0, K_G, K_X, 0, LANE_F32}, {"cvtsd2si", 0xF2, 0x2D, 0, K_G, K_X, 0, LANE_F64},
    {"cvtps2pd", 0, 0x5A, 0, K_X, K_X, 0, LANE_F32}, {"cvtpd2ps", 0x66, 0x5A, 0, K_X, K_X, 0, LANE_F64},
    {"cvtss2sd", 0xF3, 0x5A, 0, K_X, K_X, 0, LANE_F32}, {"cvtsd2ss", 0xF2, 0x5A, 0, K_X, K_X, 0, LANE_F64},
    {"cvtdq2ps", 0, 0x5B, 0, K_X, K_X, 0, LANE_INT}, {"cvtps2dq", 0x66, 0x5B, 0, K_X, K_X, 0, LANE_F32},
    {"cvttps2dq", 0xF3, 0x5B, 0, K_X, K_X, 0, LANE_F32},
    {"cvttpd2dq", 0x66, 0xE6, 0, K_X, K_X, 0, LANE_F64}, {"cvtdq2pd", 0xF3, 0xE6, 0, K_X, K_X, 0, LANE_INT},
    {"cvtpd2dq", 0xF2, 0xE6, 0, K_X, K_X, 0, LANE_F64},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

Test(sse, sse2_integer_matches_host)
{
    check_table(sse2_int, COUNT(sse2_int), 8, 40, 0x5EED0001);
}

Test(sse, moves_logic_and_shuffles_match_host)
{
    check_table(sse_moves, COUNT(sse_moves), 8, 24, 0x5EED0002);
}

Test(sse, arithmetic_and_compares_match_host)
{
    check_table(sse_arith, COUNT(sse_arith), 8, 100, 0x5EED0003);
}

Test(sse, conversions_match_host)
{
    check_table(sse_convert, COUNT(sse_convert), 8, 100, 0x5EED0004);
}

/* ---- what the host cannot show: exceptions and state rules ---- */

static int run_bytes(Rig *r, const uint8_t *b, size_t len)
{
    memcpy(r->ram + CODE_ADDR, b, len);
    r->ram[CODE_ADDR + len] = 0xF4;
    tb_flush(&r->cpu.engine.cache);
    r->cpu.eip = CODE_ADDR;
    r->cpu.halted = false;
    r->cpu.exception_vector = -1;
    return cpu_exec(&r->cpu, 10) == CPU_EXEC_HALTED ? -1 : r->cpu.exception_vector;
}

Test(sse, unmasked_exception_raises_xm_or_ud_and_keeps_the_destination)
{
    Rig *r = rig_new();
    static const uint8_t divss[] = {0xF3, 0x0F, 0x5E, 0xC1};   /* divss xmm0, xmm1 */
    r->cpu.fpu.xmm[0][0] = 0x3F800000;  /* 1.0 */
    r->cpu.fpu.xmm[1][0] = 0;           /* 0.0 */
    r->cpu.fpu.mxcsr = 0x1F80 & ~(1u << 9);     /* ZM clear */
    cr_expect_eq(run_bytes(r, divss, sizeof(divss)), EXCP_XM);
    cr_expect_eq(r->cpu.eip, CODE_ADDR, "the fault is at the DIVSS");
    cr_expect_eq(r->cpu.fpu.xmm[0][0], 0x3F800000, "destination unchanged");
    cr_expect_eq(r->cpu.fpu.mxcsr & 0x3F, FLOAT_DIVZERO, "ZE set in MXCSR");
    r->cpu.cr[4] &= ~CR4_OSXMMEXCPT;
    r->cpu.fpu.mxcsr = 0x1F80 & ~(1u << 9);
    cr_expect_eq(run_bytes(r, divss, sizeof(divss)), EXCP_UD, "without OSXMMEXCPT: #UD");
    r->cpu.fpu.mxcsr = 0x1F80;
    cr_expect_eq(run_bytes(r, divss, sizeof(divss)), -1, "masked: no exception");
    cr_expect_eq(r->cpu.fpu.xmm[0][0], 0x7F800000, "masked: +inf");
    cr_expect_eq(r->cpu.fpu.mxcsr & 0x3F, FLOAT_DIVZERO);
    /* An unmasked invalid in one lane of a packed op keeps all lanes. */
    static const uint8_t addps[] = {0x0F, 0x58, 0xD3};          /* addps xmm2, xmm3 */
    r->cpu.cr[4] |= CR4_OSXMMEXCPT;
    r->cpu.fpu.xmm[2][0] = 0x3F800000ull << 32 | 0x7F800000;   /* +inf, 1.0 */
    r->cpu.fpu.xmm[3][0] = 0x3F800000ull << 32 | 0xFF800000;   /* -inf, 1.0 */
    r->cpu.fpu.mxcsr = 0x1F80 & ~(1u << 7);     /* IM clear */
    cr_expect_eq(run_bytes(r, addps, sizeof(addps)), EXCP_XM);
    cr_expect_eq(r->cpu.fpu.xmm[2][0], 0x3F800000ull << 32 | 0x7F800000);
    cr_expect(r->cpu.fpu.mxcsr & FLOAT_INVALID);
    rig_free(r);
}

Test(sse, mode_checks_ud_and_nm)
{
    Rig *r = rig_new();
    static const uint8_t pxor[] = {0x66, 0x0F, 0xEF, 0xC0};     /* pxor xmm0, xmm0 */
    r->cpu.fpu.xmm[0][0] = 5;
    r->cpu.cr[0] |= CR0_TS;
    cr_expect_eq(run_bytes(r, pxor, sizeof(pxor)), EXCP_NM);
    cr_expect_eq(r->cpu.fpu.xmm[0][0], 5);
    r->cpu.cr[0] |= CR0_EM;
    cr_expect_eq(run_bytes(r, pxor, sizeof(pxor)), EXCP_UD, "EM wins over TS");
    r->cpu.cr[0] &= ~(CR0_EM | CR0_TS);
    r->cpu.cr[4] &= ~CR4_OSFXSR;
    cr_expect_eq(run_bytes(r, pxor, sizeof(pxor)), EXCP_UD, "OSFXSR clear: #UD");
    r->cpu.cr[4] |= CR4_OSFXSR;
    cr_expect_eq(run_bytes(r, pxor, sizeof(pxor)), -1);
    cr_expect_eq(r->cpu.fpu.xmm[0][0], 0);
    /* A model without SSE2 does not know it. */
    r->model.features_edx &= ~(1u << 26);
    cr_expect_eq(run_bytes(r, pxor, sizeof(pxor)), EXCP_UD);
    rig_free(r);
}

Test(sse, alignment_gp_and_unaligned_forms)
{
    Rig *r = rig_new();
    r->cpu.regs[R_ESI] = DATA_ADDR + 4;
    static const uint8_t movaps[] = {0x0F, 0x28, 0x06};        /* movaps xmm0, [esi] */
    static const uint8_t movups[] = {0x0F, 0x10, 0x06};
    static const uint8_t addps[] = {0x0F, 0x58, 0x06};
    static const uint8_t addss[] = {0xF3, 0x0F, 0x58, 0x06};
    static const uint8_t movdqa_st[] = {0x66, 0x0F, 0x7F, 0x06};
    cr_expect_eq(run_bytes(r, movaps, sizeof(movaps)), EXCP_GP);
    cr_expect_eq(r->cpu.exception_error, 0);
    cr_expect_eq(run_bytes(r, addps, sizeof(addps)), EXCP_GP, "packed arithmetic on m128 needs alignment");
    cr_expect_eq(run_bytes(r, movdqa_st, sizeof(movdqa_st)), EXCP_GP);
    cr_expect_eq(run_bytes(r, movups, sizeof(movups)), -1);
    cr_expect_eq(run_bytes(r, addss, sizeof(addss)), -1, "scalar m32: no alignment");
    r->cpu.regs[R_ESI] = DATA_ADDR;
    cr_expect_eq(run_bytes(r, movaps, sizeof(movaps)), -1);
    rig_free(r);
}

Test(sse, ldmxcsr_stmxcsr_and_reserved_bits)
{
    Rig *r = rig_new();
    r->cpu.regs[R_ESI] = DATA_ADDR;
    static const uint8_t ld[] = {0x0F, 0xAE, 0x16}, st[] = {0x0F, 0xAE, 0x1E};  /* ldmxcsr/stmxcsr [esi] */
    uint32_t v = 0x7FC0 | 0x3F;
    memcpy(r->ram + DATA_ADDR, &v, 4);
    cr_expect_eq(run_bytes(r, ld, sizeof(ld)), -1);
    cr_expect_eq(r->cpu.fpu.mxcsr, v);
    v = 0x10000 | 0x1F80;
    memcpy(r->ram + DATA_ADDR, &v, 4);
    cr_expect_eq(run_bytes(r, ld, sizeof(ld)), EXCP_GP, "reserved bit 16");
    cr_expect_eq(r->cpu.fpu.mxcsr, 0x7FC0 | 0x3F, "unchanged");
    r->cpu.regs[R_ESI] = DATA_ADDR + 8;
    cr_expect_eq(run_bytes(r, st, sizeof(st)), -1);
    memcpy(&v, r->ram + DATA_ADDR + 8, 4);
    cr_expect_eq(v, 0x7FC0 | 0x3F);
    rig_free(r);
}

Test(sse, fences_prefetch_clflush_movnti)
{
    Rig *r = rig_new();
    /* sfence; lfence; mfence; prefetcht0 [0xFFFFFFF0] (never faults);
     * movnti [esi], eax; clflush [esi] */
    static const uint8_t ok[] = {0x0F, 0xAE, 0xF8, 0x0F, 0xAE, 0xE8, 0x0F, 0xAE, 0xF0,
                                 0x0F, 0x18, 0x0D, 0xF0, 0xFF, 0xFF, 0xFF,
                                 0x0F, 0xC3, 0x06, 0x0F, 0xAE, 0x3E};
    r->cpu.regs[R_ESI] = DATA_ADDR;
    r->cpu.regs[R_EAX] = 0xCAFEF00D;
    cr_expect_eq(run_bytes(r, ok, sizeof(ok)), -1);
    uint32_t v;
    memcpy(&v, r->ram + DATA_ADDR, 4);
    cr_expect_eq(v, 0xCAFEF00D);
    /* CLFLUSH faults as a byte load would: past a data segment's limit. */
    r->cpu.seg[SEG_DS].limit = 0xFFFF;
    r->cpu.regs[R_ESI] = 0x10000;
    static const uint8_t clflush[] = {0x0F, 0xAE, 0x3E};
    cr_expect_eq(run_bytes(r, clflush, sizeof(clflush)), EXCP_GP);
    rig_free(r);
}

Test(sse, daz_and_ftz)
{
    Rig *r = rig_new();
    static const uint8_t addss[] = {0xF3, 0x0F, 0x58, 0xC1};   /* addss xmm0, xmm1 */
    static const uint8_t mulss[] = {0xF3, 0x0F, 0x59, 0xC1};   /* mulss xmm0, xmm1 */
    /* DAZ: a denormal operand counts as zero, and DE is not raised. */
    r->cpu.fpu.xmm[0][0] = 0x00000001;
    r->cpu.fpu.xmm[1][0] = 0;
    r->cpu.fpu.mxcsr = 0x1F80 | 0x40;
    cr_assert_eq(run_bytes(r, addss, sizeof(addss)), -1);
    cr_expect_eq(r->cpu.fpu.xmm[0][0], 0);
    cr_expect_eq(r->cpu.fpu.mxcsr, 0x1F80 | 0x40, "no flags");
    r->cpu.fpu.xmm[0][0] = 0x00000001;
    r->cpu.fpu.mxcsr = 0x1F80;
    cr_assert_eq(run_bytes(r, addss, sizeof(addss)), -1);
    cr_expect_eq(r->cpu.fpu.xmm[0][0], 1, "without DAZ the denormal stays");
    cr_expect_eq(r->cpu.fpu.mxcsr & 0x3F, FLOAT_DENORMAL);
    /* FTZ: an underflowing result becomes zero with UE and PE. */
    r->cpu.fpu.xmm[0][0] = 0x1F800000;      /* 2^-64 */
    r->cpu.fpu.xmm[1][0] = 0x1F800000;
    r->cpu.fpu.mxcsr = 0x1F80 | 0x8000;
    cr_assert_eq(run_bytes(r, mulss, sizeof(mulss)), -1);
    cr_expect_eq(r->cpu.fpu.xmm[0][0], 0);
    cr_expect_eq(r->cpu.fpu.mxcsr & 0x3F, FLOAT_UNDERFLOW | FLOAT_INEXACT);
    r->cpu.fpu.xmm[0][0] = 0x1F800000;
    r->cpu.fpu.mxcsr = 0x1F80;
    cr_assert_eq(run_bytes(r, mulss, sizeof(mulss)), -1);
    cr_expect_eq(r->cpu.fpu.xmm[0][0], 0x00200000, "without FTZ: 2^-128 as a denormal");
    cr_expect_eq(r->cpu.fpu.mxcsr & 0x3F, 0, "exact: no underflow while masked");
    rig_free(r);
}

Test(sse, segment_limit_covers_all_16_bytes)
{
    Rig *r = rig_new();
    r->cpu.seg[SEG_DS].limit = DATA_ADDR + 0x17;
    static const uint8_t movups[] = {0x0F, 0x10, 0x06};        /* movups xmm0, [esi] */
    r->cpu.regs[R_ESI] = DATA_ADDR + 8;                         /* last byte at +0x17: fits */
    cr_expect_eq(run_bytes(r, movups, sizeof(movups)), -1);
    r->cpu.regs[R_ESI] = DATA_ADDR + 9;
    cr_expect_eq(run_bytes(r, movups, sizeof(movups)), EXCP_GP);
    rig_free(r);
}

Test(sse, reciprocal_approximations_are_within_1_5_ulp_of_12_bits)
{
    Rig *r = rig_new();
    Rng rng = {0x5EED0005};
    static const uint8_t rcpps[] = {0x0F, 0x53, 0xC1}, rsqrtps[] = {0x0F, 0x52, 0xC1};
    unsigned bad = 0, n = 0;
    for (unsigned k = 0; k < 2000; k++) {
        bool rsq = k & 1;
        float in[4], out[4];
        for (unsigned i = 0; i < 4; i++)
            in[i] = ldexpf(1.0f + (float)rng_below(&rng, 1u << 20) / (float)(1u << 20), (int)rng_below(&rng, 100) - 50);
        memcpy(r->cpu.fpu.xmm[1], in, 16);
        r->cpu.fpu.mxcsr = 0x1F80;
        cr_assert_eq(run_bytes(r, rsq ? rsqrtps : rcpps, 3), -1);
        memcpy(out, r->cpu.fpu.xmm[0], 16);
        for (unsigned i = 0; i < 4; i++, n++) {
            /* |rel. error| <= 1.5 * 2^-12 (SDM RCPPS/RSQRTPS); for RSQRT,
             * out^2 * in - 1 is about twice the relative error. */
            double o = (double)out[i], e = rsq ? o * o * (double)in[i] - 1.0 : o * (double)in[i] - 1.0;
            if (fabs(e) > (rsq ? 3.0 : 1.5) * ldexp(1.0, -12) * 1.001)
                bad++;
        }
        cr_expect_eq(r->cpu.fpu.mxcsr, 0x1F80, "no flags");
    }
    cr_expect_eq(bad, 0, "%u of %u approximations out of bounds", bad, n);
    rig_free(r);
}

#endif
