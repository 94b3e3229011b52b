/* MMX end to end (SDM Vol. 1 ch. 9, Vol. 3A Table 12-1): every MMX
 * instruction and the SSE additions on MMX registers, compared with the
 * host CPU on random operands (the rig and host stub of test_sse.c), then
 * the x87 aliasing rules: entering MMX state (TOP = 0, tags valid,
 * exponent and sign of written registers all ones), EMMS, and the
 * CR0.EM/CR0.TS/FSW.ES exceptions. */
#define SIMD_RIG_ONLY
#include "test_sse.c"

#define MI(name, op) {#name, 0, op, 0, K_M, K_M, 0, LANE_INT}
static const SimdInsn mmx_insns[] = {
    MI(punpcklbw, 0x60), MI(punpcklwd, 0x61), MI(punpckldq, 0x62), MI(packsswb, 0x63),
    MI(pcmpgtb, 0x64), MI(pcmpgtw, 0x65), MI(pcmpgtd, 0x66), MI(packuswb, 0x67),
    MI(punpckhbw, 0x68), MI(punpckhwd, 0x69), MI(punpckhdq, 0x6A), MI(packssdw, 0x6B),
    MI(movq load, 0x6F), MI(pcmpeqb, 0x74), MI(pcmpeqw, 0x75), MI(pcmpeqd, 0x76), MI(movq store, 0x7F),
    MI(psrlw, 0xD1), MI(psrld, 0xD2), MI(psrlq, 0xD3), MI(pmullw, 0xD5),
    MI(psubusb, 0xD8), MI(psubusw, 0xD9), MI(pand, 0xDB), MI(paddusb, 0xDC), MI(paddusw, 0xDD),
    MI(pandn, 0xDF), MI(psraw, 0xE1), MI(psrad, 0xE2), MI(pmulhw, 0xE5), MI(psubsb, 0xE8),
    MI(psubsw, 0xE9), MI(por, 0xEB), MI(paddsb, 0xEC), MI(paddsw, 0xED), MI(pxor, 0xEF),
    MI(psllw, 0xF1), MI(pslld, 0xF2), MI(psllq, 0xF3), MI(pmaddwd, 0xF5), MI(psubb, 0xF8),
    MI(psubw, 0xF9), MI(psubd, 0xFA), MI(paddb, 0xFC), MI(paddw, 0xFD), MI(paddd, 0xFE),
    /* SSE and SSE2 instructions on MMX registers */
    MI(pminub, 0xDA), MI(pmaxub, 0xDE), MI(pavgb, 0xE0), MI(pavgw, 0xE3), MI(pmulhuw, 0xE4),
    MI(pminsw, 0xEA), MI(pmaxsw, 0xEE), MI(psadbw, 0xF6), MI(paddq, 0xD4), MI(psubq, 0xFB),
    MI(pmuludq, 0xF4),
    {"pshufw", 0, 0x70, 0, K_M, K_M, F_IMM, LANE_INT},
    {"psrlw imm", 0, 0x71, 2, K_EXT, K_M, F_IMM_SHIFT | F_REG, LANE_INT},
    {"psraw imm", 0, 0x71, 4, K_EXT, K_M, F_IMM_SHIFT | F_REG, LANE_INT},
    {"psllw imm", 0, 0x71, 6, K_EXT, K_M, F_IMM_SHIFT | F_REG, LANE_INT},
    {"psrld imm", 0, 0x72, 2, K_EXT, K_M, F_IMM_SHIFT | F_REG, LANE_INT},
    {"psrad imm", 0, 0x72, 4, K_EXT, K_M, F_IMM_SHIFT | F_REG, LANE_INT},
    {"pslld imm", 0, 0x72, 6, K_EXT, K_M, F_IMM_SHIFT | F_REG, LANE_INT},
    {"psrlq imm", 0, 0x73, 2, K_EXT, K_M, F_IMM_SHIFT | F_REG, LANE_INT},
    {"psllq imm", 0, 0x73, 6, K_EXT, K_M, F_IMM_SHIFT | F_REG, LANE_INT},
    {"movd mm, r/m32", 0, 0x6E, 0, K_M, K_G, 0, LANE_INT},
    {"movd r/m32, mm", 0, 0x7E, 0, K_M, K_G, 0, LANE_INT},
    {"pinsrw", 0, 0xC4, 0, K_M, K_G, F_IMM, LANE_INT},
    {"pextrw", 0, 0xC5, 0, K_G, K_M, F_IMM | F_REG, LANE_INT},
    {"pmovmskb", 0, 0xD7, 0, K_G, K_M, F_REG, LANE_INT},
    {"movntq", 0, 0xE7, 0, K_M, K_M, F_MEM, LANE_INT},
    {"maskmovq", 0, 0xF7, 0, K_M, K_M, F_REG, LANE_INT},
};

Test(mmx, instructions_match_host)
{
    check_table(mmx_insns, sizeof(mmx_insns) / sizeof(mmx_insns[0]), 8, 40, 0x33330001);
}

static int run_mmx(Rig *r, const uint8_t *b, size_t len)
{
    memcpy(r->ram + CODE_ADDR, b, len);
    r->ram[CODE_ADDR + len] = 0xF4;
    tb_flush(&r->cpu.engine.cache);
    r->cpu.eip = CODE_ADDR;
    r->cpu.halted = false;
    r->cpu.exception_vector = -1;
    return cpu_exec(&r->cpu, 10) == CPU_EXEC_HALTED ? -1 : r->cpu.exception_vector;
}

Test(mmx, entering_mmx_state_and_emms)
{
    Rig *r = rig_new();
    FpuState *f = &r->cpu.fpu;
    f->top = 5;
    f->ftw = 0xFFFF;
    for (unsigned i = 0; i < 8; i++)
        f->st[i] = (Float80){0x8000000000000000ull, 0x3FFF};
    f->st[3].mant = 0x0102030405060708ull;
    static const uint8_t paddb[] = {0x0F, 0xFC, 0xCB};      /* paddb mm1, mm3 */
    cr_assert_eq(run_mmx(r, paddb, sizeof(paddb)), -1);
    cr_expect_eq(f->top, 0, "TOP = 0");
    cr_expect_eq(f->ftw, 0, "every tag valid");
    cr_expect_eq(f->st[1].se, 0xFFFF, "written register: exponent and sign all ones");
    cr_expect_eq(f->st[1].mant, 0x8102030405060708ull);
    cr_expect_eq(f->st[3].se, 0x3FFF, "a source register keeps its exponent");
    static const uint8_t emms[] = {0x0F, 0x77};
    cr_assert_eq(run_mmx(r, emms, sizeof(emms)), -1);
    cr_expect_eq(f->ftw, 0xFFFF, "EMMS: every tag empty");
    /* MOVD r32, mm reads only, yet enters MMX state too. */
    f->top = 2;
    static const uint8_t movd[] = {0x0F, 0x7E, 0xD8};       /* movd eax, mm3 */
    cr_assert_eq(run_mmx(r, movd, sizeof(movd)), -1);
    cr_expect_eq(r->cpu.regs[R_EAX], 0x05060708);
    cr_expect_eq(f->top, 0);
    cr_expect_eq(f->ftw, 0);
    /* MMX needs no CR4.OSFXSR. */
    r->cpu.cr[4] &= ~CR4_OSFXSR;
    cr_expect_eq(run_mmx(r, paddb, sizeof(paddb)), -1);
    rig_free(r);
}

Test(mmx, exceptions_ud_nm_mf_leave_the_state)
{
    Rig *r = rig_new();
    FpuState *f = &r->cpu.fpu;
    static const uint8_t pxor[] = {0x0F, 0xEF, 0xC0};       /* pxor mm0, mm0 */
    f->st[0].mant = 77;
    f->top = 3;
    r->cpu.cr[0] |= CR0_TS;
    cr_expect_eq(run_mmx(r, pxor, sizeof(pxor)), EXCP_NM);
    r->cpu.cr[0] |= CR0_EM;
    cr_expect_eq(run_mmx(r, pxor, sizeof(pxor)), EXCP_UD);
    r->cpu.cr[0] &= ~(CR0_EM | CR0_TS);
    f->fsw = FSW_ES | FSW_ZE;
    cr_expect_eq(run_mmx(r, pxor, sizeof(pxor)), EXCP_MF, "pending x87 exception");
    cr_expect_eq(f->st[0].mant, 77);
    cr_expect_eq(f->top, 3, "no MMX transition on a fault");
    cr_expect_eq(f->ftw, 0xFFFF);
    f->fsw = 0;
    /* A memory fault leaves TOP and the tags alone too. */
    r->cpu.seg[SEG_DS].limit = 0xFFFF;
    r->cpu.regs[R_ESI] = 0xFFFC;
    static const uint8_t movq[] = {0x0F, 0x6F, 0x06};       /* movq mm0, [esi] */
    cr_expect_eq(run_mmx(r, movq, sizeof(movq)), EXCP_GP);
    cr_expect_eq(f->top, 3);
    cr_expect_eq(f->st[0].mant, 77);
    cr_expect_eq(run_mmx(r, pxor, sizeof(pxor)), -1);
    cr_expect_eq(f->st[0].mant, 0);
    cr_expect_eq(f->top, 0);
    /* Without MMX in the model: #UD. */
    r->model.features_edx &= ~(1u << 23);
    cr_expect_eq(run_mmx(r, pxor, sizeof(pxor)), EXCP_UD);
    rig_free(r);
}

Test(mmx, movq2dq_and_cvtpi2ps_enter_mmx_state)
{
    Rig *r = rig_new();
    FpuState *f = &r->cpu.fpu;
    f->top = 6;
    f->st[2].mant = 0x1111222233334444ull;
    static const uint8_t movq2dq[] = {0xF3, 0x0F, 0xD6, 0xCA};  /* movq2dq xmm1, mm2 */
    cr_assert_eq(run_mmx(r, movq2dq, sizeof(movq2dq)), -1);
    cr_expect_eq(r->cpu.fpu.xmm[1][0], 0x1111222233334444ull);
    cr_expect_eq(r->cpu.fpu.xmm[1][1], 0);
    cr_expect_eq(f->top, 0);
    cr_expect_eq(f->ftw, 0);
    f->top = 6;
    f->ftw = 0xFFFF;
    f->st[2].mant = 3;
    static const uint8_t cvtpi2ps[] = {0x0F, 0x2A, 0xC2};       /* cvtpi2ps xmm0, mm2 */
    cr_assert_eq(run_mmx(r, cvtpi2ps, sizeof(cvtpi2ps)), -1);
    cr_expect_eq(r->cpu.fpu.xmm[0][0], 0x40400000ull);          /* 3.0, 0.0 */
    cr_expect_eq(f->top, 0);
    rig_free(r);
}
