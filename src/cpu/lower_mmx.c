/* Lowering of the MMX instruction set (SDM Vol. 1 ch. 9, Vol. 2 pages):
 * the registrations only. The same mnemonics name the 66-prefixed SSE2
 * forms on XMM registers, so both go to the shared SIMD helpers, which
 * tell the forms apart by the mandatory prefix in the SseDesc (sse.h) and
 * apply the MMX rules (CR0.EM/TS, pending x87 exceptions, entering MMX
 * state) to the register forms without it. */
#include "cpu/sse.h"
#include "cpu/translate.h"

static void lower_mmx_move(DisasContext *s)
{
    gen_simd(s, HELPER_sse_move);
}

static void lower_mmx_int(DisasContext *s)
{
    gen_simd(s, HELPER_sse_int);
}

void lower_register_mmx(LowerFn **t)
{
    static const uint16_t ints[] = {
        MN_PACKSSWB, MN_PACKSSDW, MN_PACKUSWB, MN_PUNPCKHBW, MN_PUNPCKHWD, MN_PUNPCKHDQ,
        MN_PUNPCKLBW, MN_PUNPCKLWD, MN_PUNPCKLDQ, MN_PADDB, MN_PADDW, MN_PADDD, MN_PADDSB,
        MN_PADDSW, MN_PADDUSB, MN_PADDUSW, MN_PSUBB, MN_PSUBW, MN_PSUBD, MN_PSUBSB, MN_PSUBSW,
        MN_PSUBUSB, MN_PSUBUSW, MN_PMULHW, MN_PMULLW, MN_PMADDWD, MN_PCMPEQB, MN_PCMPEQW,
        MN_PCMPEQD, MN_PCMPGTB, MN_PCMPGTW, MN_PCMPGTD, MN_PAND, MN_PANDN, MN_POR, MN_PXOR,
        MN_PSLLW, MN_PSLLD, MN_PSLLQ, MN_PSRLW, MN_PSRLD, MN_PSRLQ, MN_PSRAW, MN_PSRAD,
    };
    for (unsigned i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
        t[ints[i]] = lower_mmx_int;
    t[MN_MOVD] = t[MN_MOVQ] = t[MN_EMMS] = lower_mmx_move;
}
