/* What every MMX/SSE/SSE2 helper shares (the mode and device-not-available
 * checks, memory operands with segment limits, alignment and page-atomic
 * stores, MMX register writes, MXCSR exception rules) and the data-movement
 * helper: MOVD/MOVQ, the 128-bit and scalar moves, MOVMSK, MASKMOV,
 * LDMXCSR/STMXCSR, EMMS. References: SDM Vol. 1 §9.5-9.6 (MMX state),
 * §10.2.3 (MXCSR), §11.5 (SIMD floating-point exceptions); Vol. 2 pages
 * of each instruction; Vol. 3A §13.1-13.4 (OS support: CR0.EM/TS/MP,
 * CR4.OSFXSR/OSXMMEXCPT). Arithmetic lives in helper_sse_int.c and
 * helper_sse_float.c. */
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/guest.h"
#include "cpu/mem.h"
#include "cpu/sse.h"

#define MXCSR_DAZ (1u << 6)
#define MXCSR_FTZ (1u << 15)
#define MXCSR_UM (1u << 11)

void sse_check_xmm(CpuState *cpu)
{
    if ((cpu->cr[0] & CR0_EM) || !(cpu->cr[4] & CR4_OSFXSR))
        cpu_raise_exception(cpu, EXCP_UD, false, 0);
    if (cpu->cr[0] & CR0_TS)
        cpu_raise_exception(cpu, EXCP_NM, false, 0);
}

void sse_check_mmx(CpuState *cpu)
{
    if (cpu->cr[0] & CR0_EM)
        cpu_raise_exception(cpu, EXCP_UD, false, 0);
    if (cpu->cr[0] & CR0_TS)
        cpu_raise_exception(cpu, EXCP_NM, false, 0);
    /* A pending unmasked x87 exception is taken before the MMX
     * instruction runs (SDM Vol. 1 §9.5.1: FSW.ES = bit 7). */
    if (cpu->fpu.fsw & FSW_ES)
        cpu_raise_exception(cpu, EXCP_MF, false, 0);
}

/* 128-bit memory operands of legacy SSE instructions must be 16-byte
 * aligned, except the explicitly unaligned moves (SDM Vol. 1 §11.4.1). */
static bool needs_alignment(const SseInsn *in)
{
    if (in->size != 16)
        return false;
    switch (in->mn) {
    case MN_MOVUPS: case MN_MOVUPD: case MN_MOVDQU: case MN_MASKMOVDQU:
        return false;
    default:
        return true;
    }
}

void sse_check_mem(CpuState *cpu, const SseInsn *in, unsigned align)
{
    if (!in->mem)
        return;
    if (in->segchk)
        helper_check_seg(cpu, in->seg, in->offset, in->size | (in->write ? 0x100u : 0), 0);
    if (!align && needs_alignment(in))
        align = 16;
    if (align && (in->addr & (align - 1)))
        cpu_raise_exception(cpu, EXCP_GP, true, 0);
}

void sse_load(CpuState *cpu, const SseInsn *in, uint64_t v[2])
{
    v[0] = v[1] = 0;
    switch (in->size) {
    case 16:
        v[0] = cpu_mem_load(cpu, in->addr, 8);
        v[1] = cpu_mem_load(cpu, in->addr + 8, 8);
        break;
    case 8: case 4: case 2: case 1:
        v[0] = cpu_mem_load(cpu, in->addr, in->size);
        break;
    default:
        break;
    }
}

void sse_store(CpuState *cpu, uint32_t addr, const uint64_t v[2], unsigned size)
{
    uint8_t bytes[16];
    memcpy(bytes, &v[0], 8);
    memcpy(bytes + 8, &v[1], 8);
    /* Pieces are stored one by one; if the access crosses a page, the two
     * bytes around the boundary go first as one store, which checks both
     * pages before anything is written (SDM Vol. 3A §6.5). */
    uint32_t to_boundary = 0x1000 - (addr & 0xFFF);
    if (to_boundary < size)
        cpu_mem_store(cpu, addr + to_boundary - 1,
                      (uint64_t)bytes[to_boundary - 1] | (uint64_t)bytes[to_boundary] << 8, 2);
    if (size == 16) {
        cpu_mem_store(cpu, addr, v[0], 8);
        cpu_mem_store(cpu, addr + 8, v[1], 8);
    } else {
        cpu_mem_store(cpu, addr, v[0], size);
    }
}

void mmx_set(CpuState *cpu, unsigned n, uint64_t v)
{
    cpu->fpu.st[n & 7].mant = v;
    cpu->fpu.st[n & 7].se = 0xFFFF;
}

FloatStatus sse_float_status(const CpuState *cpu)
{
    uint32_t m = cpu->fpu.mxcsr;
    FloatStatus s = {0};
    s.rounding = (m >> 13) & 3;
    s.precision = FLOAT_PREC_64;
    s.daz = m & MXCSR_DAZ;
    s.ftz = m & MXCSR_FTZ;
    s.underflow_masked = m & MXCSR_UM;
    return s;
}

void sse_commit_flags(CpuState *cpu, unsigned pre, unsigned post)
{
    unsigned masks = (cpu->fpu.mxcsr >> 7) & 0x3F;
    pre &= FLOAT_INVALID | FLOAT_DENORMAL | FLOAT_DIVZERO;
    post &= FLOAT_OVERFLOW | FLOAT_UNDERFLOW | FLOAT_INEXACT;
    unsigned raised = (pre & ~masks) ? pre : (pre | post);
    cpu->fpu.mxcsr |= raised;
    if (raised & ~masks)
        cpu_raise_exception(cpu, (cpu->cr[4] & CR4_OSXMMEXCPT) ? EXCP_XM : EXCP_UD, false, 0);
}

/* Which checks an instruction needs: on MMX registers, XMM, or both (the
 * conversions and moves between the two files). */
static bool is_xmm_form(const SseInsn *in)
{
    return in->pfx != SSE_PFX_NONE || in->mn == MN_MOVAPS || in->mn == MN_MOVUPS || in->mn == MN_MOVLPS ||
           in->mn == MN_MOVHPS || in->mn == MN_MOVHLPS || in->mn == MN_MOVLHPS || in->mn == MN_MOVNTPS ||
           in->mn == MN_MOVMSKPS || in->mn == MN_LDMXCSR || in->mn == MN_STMXCSR;
}

/* MASKMOVQ / MASKMOVDQU: bytes whose mask byte has bit 7 set are stored
 * to DS:[E]DI, one by one (non-temporal; the SDM allows any order and
 * faults even for unselected bytes, which this does not). */
static void mask_move(CpuState *cpu, const SseInsn *in, const uint64_t data[2], const uint64_t mask[2])
{
    sse_check_mem(cpu, in, 0);
    for (unsigned i = 0; i < in->size; i++) {
        unsigned q = i / 8, sh = (i % 8) * 8;
        if ((mask[q] >> sh) & 0x80)
            cpu_mem_store(cpu, in->addr + i, (data[q] >> sh) & 0xFF, 1);
    }
}

uint64_t helper_sse_move(void *env, uint64_t desc, uint64_t a1, uint64_t a2, uint64_t a3)
{
    CpuState *cpu = env;
    FpuState *f = &cpu->fpu;
    (void)a3;
    SseInsn in = sse_insn_unpack(desc, a1, a2);
    bool xmm = is_xmm_form(&in);
    bool mmx = in.mn == MN_MOVQ2DQ || in.mn == MN_MOVDQ2Q || !xmm;
    if (in.mn == MN_EMMS) {
        sse_check_mmx(cpu);
        fpu_mmx_emms(f);
        return 0;
    }
    if (xmm)
        sse_check_xmm(cpu);
    if (mmx)
        sse_check_mmx(cpu);
    sse_check_mem(cpu, &in, 0);
    uint64_t src[2] = {0, 0};
    uint64_t *x = f->xmm[in.reg];
    uint64_t ret = 0;
    switch (in.mn) {
    case MN_MOVD:
        if (in.opcode == 0x6E) {
            /* MOVD mm/xmm, r/m32: zero-extended to the register's width. */
            uint32_t v = in.addr;
            if (in.mem)
                v = cpu_ld(cpu, in.addr, 4);
            if (xmm) {
                x[0] = v, x[1] = 0;
            } else {
                mmx_set(cpu, in.reg, v);
            }
        } else {
            uint32_t v = (uint32_t)(xmm ? x[0] : f->st[in.reg].mant);
            if (in.mem)
                cpu_st(cpu, in.addr, v, 4);
            ret = v;
        }
        break;
    case MN_MOVQ:
        if (!xmm) {
            if (in.opcode == 0x6F) {
                uint64_t v = in.mem ? cpu_mem_load(cpu, in.addr, 8) : f->st[in.rm].mant;
                mmx_set(cpu, in.reg, v);
            } else if (in.mem) {
                src[0] = f->st[in.reg].mant;
                sse_store(cpu, in.addr, src, 8);
            } else {
                mmx_set(cpu, in.rm, f->st[in.reg].mant);
            }
        } else if (in.opcode == 0x7E) {      /* F3 0F 7E: xmm <- xmm/m64, upper zeroed */
            uint64_t v = in.mem ? cpu_mem_load(cpu, in.addr, 8) : f->xmm[in.rm][0];
            x[0] = v, x[1] = 0;
        } else if (in.mem) {                /* 66 0F D6: m64 <- xmm */
            sse_store(cpu, in.addr, x, 8);
        } else {
            f->xmm[in.rm][0] = x[0], f->xmm[in.rm][1] = 0;
        }
        break;
    case MN_MOVAPS: case MN_MOVUPS: case MN_MOVAPD: case MN_MOVUPD: case MN_MOVDQA: case MN_MOVDQU:
        /* Loads are 0F 10/28/6F, stores 0F 11/29/7F. */
        if (in.opcode == 0x10 || in.opcode == 0x28 || in.opcode == 0x6F) {
            if (in.mem)
                sse_load(cpu, &in, src);
            else
                memcpy(src, f->xmm[in.rm], 16);
            memcpy(x, src, 16);
        } else if (in.mem) {
            sse_store(cpu, in.addr, x, 16);
        } else {
            memcpy(f->xmm[in.rm], x, 16);
        }
        break;
    case MN_MOVNTPS: case MN_MOVNTPD: case MN_MOVNTDQ:
        sse_store(cpu, in.addr, x, 16);
        break;
    case MN_MOVNTQ:
        src[0] = f->st[in.reg].mant;
        sse_store(cpu, in.addr, src, 8);
        break;
    case MN_MOVSS: case MN_MOVSD: {
        unsigned bits = in.mn == MN_MOVSS ? 32 : 64;
        uint64_t m = bits == 64 ? ~0ull : 0xFFFFFFFFull;
        if (in.opcode == 0x10) {
            if (in.mem) {
                /* From memory the rest of the register is zeroed. */
                sse_load(cpu, &in, src);
                x[0] = src[0], x[1] = 0;
            } else {
                x[0] = (x[0] & ~m) | (f->xmm[in.rm][0] & m);
            }
        } else if (in.mem) {
            src[0] = x[0] & m;
            sse_store(cpu, in.addr, src, bits / 8);
        } else {
            uint64_t *d = f->xmm[in.rm];
            d[0] = (d[0] & ~m) | (x[0] & m);
        }
        break;
    }
    case MN_MOVLPS: case MN_MOVLPD: case MN_MOVHPS: case MN_MOVHPD: {
        unsigned half = (in.mn == MN_MOVHPS || in.mn == MN_MOVHPD) ? 1 : 0;
        if (in.opcode == 0x12 || in.opcode == 0x16) {
            x[half] = cpu_mem_load(cpu, in.addr, 8);
        } else {
            src[0] = x[half];
            sse_store(cpu, in.addr, src, 8);
        }
        break;
    }
    case MN_MOVHLPS:
        x[0] = f->xmm[in.rm][1];
        break;
    case MN_MOVLHPS:
        x[1] = f->xmm[in.rm][0];
        break;
    case MN_MOVQ2DQ:
        x[0] = f->st[in.rm].mant, x[1] = 0;
        break;
    case MN_MOVDQ2Q:
        mmx_set(cpu, in.reg, f->xmm[in.rm][0]);
        break;
    case MN_MOVMSKPS: {
        const uint64_t *s = f->xmm[in.rm];
        ret = ((s[0] >> 31) & 1) | ((s[0] >> 62) & 2) | ((s[1] >> 29) & 4) | ((s[1] >> 60) & 8);
        break;
    }
    case MN_MOVMSKPD: {
        const uint64_t *s = f->xmm[in.rm];
        ret = (s[0] >> 63) | ((s[1] >> 62) & 2);
        break;
    }
    case MN_MASKMOVQ: {
        uint64_t data[2] = {f->st[in.reg].mant, 0}, mask[2] = {f->st[in.rm].mant, 0};
        mask_move(cpu, &in, data, mask);
        break;
    }
    case MN_MASKMOVDQU:
        mask_move(cpu, &in, x, f->xmm[in.rm]);
        break;
    case MN_LDMXCSR: {
        uint32_t v = cpu_ld(cpu, in.addr, 4);
        if (v & ~MXCSR_MASK)
            cpu_raise_exception(cpu, EXCP_GP, true, 0);
        f->mxcsr = v;
        break;
    }
    case MN_STMXCSR:
        cpu_st(cpu, in.addr, f->mxcsr, 4);
        break;
    default:
        cpu_raise_exception(cpu, EXCP_UD, false, 0);
    }
    /* Every instruction that touches an MMX register enters MMX state,
     * after its faults (SDM Vol. 1 §9.5.1, Table 9-3). */
    if (mmx)
        fpu_mmx_enter(f);
    return ret;
}
