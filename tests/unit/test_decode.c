/* The x86 decoder (src/cpu/decode*.c): targeted tests for prefixes, the
 * 15-byte limit, LOCK, 16/32-bit addressing, immediates and undefined
 * encodings, then a differential run against Capstone over random byte
 * strings in 16- and 32-bit modes. Every Capstone disagreement must match a
 * line of decode_capstone_known.txt, which gives the SDM reason. The run's
 * size is JITPC_DECODE_CASES (default 1000000, half per mode, well under a
 * second; 10000000 takes about 6 s); JITPC_DECODE_VERBOSE=1 prints each
 * disagreement. */
#include <capstone/capstone.h>
#include <criterion/criterion.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu/cpu.h"
#include "cpu/decode.h"

/* ---- helpers ----------------------------------------------------------- */

/* Hex string ("66 0f 10 c0" or "660f10c0") to bytes; returns the count. */
static size_t hex_parse(const char *hex, uint8_t *out, size_t max)
{
    size_t n = 0;
    while (*hex && n < max) {
        if (*hex == ' ') {
            hex++;
            continue;
        }
        unsigned v;
        cr_assert(sscanf(hex, "%2x", &v) == 1, "bad hex in test: %s", hex);
        out[n++] = (uint8_t)v;
        hex += 2;
    }
    return n;
}

static DecodeStatus dec(const char *hex, bool code32, DecodedInsn *d)
{
    uint8_t b[32];
    size_t n = hex_parse(hex, b, sizeof b);
    return decode_insn(b, n, code32, d);
}

static DecodedInsn dec_ok(const char *hex, bool code32)
{
    DecodedInsn d;
    DecodeStatus st = dec(hex, code32, &d);
    cr_assert_eq(st, DECODE_OK, "%s (%s): status %d", hex, code32 ? "32" : "16", st);
    uint8_t b[32];
    cr_assert_eq(d.len, hex_parse(hex, b, sizeof b), "%s: len %u", hex, d.len);
    return d;
}

static void expect_status(const char *hex, bool code32, DecodeStatus want)
{
    DecodedInsn d;
    DecodeStatus st = dec(hex, code32, &d);
    cr_expect_eq(st, want, "%s (%s-bit): status %d, want %d", hex, code32 ? "32" : "16",
                 st, want);
}

/* ---- prefixes and length ---------------------------------------------- */

Test(decode, rep_last_of_f2_f3_wins)
{
    DecodedInsn d = dec_ok("f2 f3 a4", true);
    cr_expect_eq(d.rep, DECODE_REP);
    cr_expect_eq(d.mnemonic, MN_MOVS);
    cr_expect_eq(d.op_size, 1);
    d = dec_ok("f3 f2 a5", true);
    cr_expect_eq(d.rep, DECODE_REPNE);
    cr_expect(d.flags & DECODE_F_STRING);
    d = dec_ok("f3 a6", true);
    cr_expect(d.flags & DECODE_F_REPCC);
}

Test(decode, last_segment_override_wins)
{
    DecodedInsn d = dec_ok("26 2e 8b 00", true);
    cr_expect_eq(d.seg, SEG_CS);
    cr_expect_eq(d.ea_seg, SEG_CS);
    d = dec_ok("64 65 36 65 8b 00", true);
    cr_expect_eq(d.seg, SEG_GS);
    d = dec_ok("8b 45 00", true);             /* [ebp+0] defaults to SS */
    cr_expect_eq(d.seg, -1);
    cr_expect_eq(d.ea_seg, SEG_SS);
    d = dec_ok("3e 8b 45 00", true);
    cr_expect_eq(d.ea_seg, SEG_DS);
}

Test(decode, prefixes_in_any_order_and_repeated)
{
    DecodedInsn d = dec_ok("66 67 66 f3 2e 67 8b 00", true);
    cr_expect_eq(d.op_size, 2);
    cr_expect_eq(d.addr_size, 2);       /* repeated 67 is still one toggle */
    cr_expect(d.opsize_prefix && d.addrsize_prefix);
    cr_expect_eq(d.rep, DECODE_REP);    /* ignored by MOV, but reported */
    cr_expect_eq(d.len, 8);
}

Test(decode, fifteen_byte_limit)
{
    /* 14 redundant prefixes + NOP = 15 bytes: fine. */
    char hex[128] = "";
    for (int i = 0; i < 14; i++)
        strcat(hex, "3e ");
    DecodedInsn d = dec_ok(strcat(hex, "90"), true);
    cr_expect_eq(d.len, 15);
    /* 15 prefixes + NOP = 16 bytes: #GP(0), even though each byte is valid. */
    hex[0] = '\0';
    for (int i = 0; i < 15; i++)
        strcat(hex, "3e ");
    expect_status(strcat(hex, "90"), true, DECODE_GP);
    /* A 15-byte ADD with every field present, then the same plus one prefix. */
    DecodedInsn e = dec_ok("26 26 67 f0 3e 3e 81 84 00 11 22 33 44 55 66", false);
    cr_expect_eq(e.len, 15);
    cr_expect(e.lock);
    expect_status("26 26 26 67 f0 3e 3e 81 84 00 11 22 33 44 55 66", false, DECODE_GP);
    /* 11 prefixes + 81 /0 + ModRM + imm32: the limit falls inside the immediate. */
    expect_status("3e 3e 3e 3e 3e 3e 3e 3e 3e 3e 3e 81 c0 01 02 03 04", true, DECODE_GP);
    /* Fewer than 15 bytes available: ask for more before deciding. */
    uint8_t b[15];
    memset(b, 0x3e, sizeof b);
    cr_expect_eq(decode_insn(b, 14, true, &d), DECODE_NEED_MORE);
    cr_expect_eq(decode_insn(b, 15, true, &d), DECODE_GP);
}

Test(decode, lock_rules)
{
    DecodedInsn d = dec_ok("f0 01 00", true);           /* lock add [eax], eax */
    cr_expect(d.lock);
    cr_expect_eq(d.mnemonic, MN_ADD);
    dec_ok("f0 0f c7 08", true);                        /* lock cmpxchg8b [eax] */
    dec_ok("f0 0f ba 28 01", true);                     /* lock bts [eax], 1 */
    dec_ok("f0 86 00", true);                           /* lock xchg [eax], al */
    dec_ok("f0 f7 18", true);                           /* lock neg dword [eax] */
    dec_ok("f0 fe 00", true);                           /* lock inc byte [eax] */
    dec_ok("f0 0f c1 00", true);                        /* lock xadd */
    dec_ok("f0 83 30 01", true);                        /* lock xor [eax], 1 */
    expect_status("f0 01 c0", true, DECODE_UD);         /* register destination */
    expect_status("f0 03 00", true, DECODE_UD);         /* memory is the source */
    expect_status("f0 89 00", true, DECODE_UD);         /* MOV is not lockable */
    expect_status("f0 0f c7 c8", true, DECODE_UD);      /* cmpxchg8b needs memory anyway */
    expect_status("f0 39 00", true, DECODE_UD);         /* CMP */
    expect_status("f0 f6 00 01", true, DECODE_UD);      /* TEST */
    expect_status("f0 0f a3 00", true, DECODE_UD);      /* BT does not write */
    expect_status("f0 0f ba 20 01", true, DECODE_UD);   /* BT imm */
    expect_status("f0 87 c0", true, DECODE_UD);         /* xchg reg, reg */
    expect_status("f0 90", true, DECODE_UD);
    expect_status("f0 40", true, DECODE_UD);            /* INC r32 */
    expect_status("f0 0f 20 c0", true, DECODE_UD);      /* AMD's LOCK MOV CR8 trick */
}

/* ---- addressing -------------------------------------------------------- */

Test(decode, modrm_16bit_all_forms)
{
    static const int8_t base[8] = { R_EBX, R_EBX, R_EBP, R_EBP, R_ESI, R_EDI, R_EBP, R_EBX };
    static const int8_t index[8] = { R_ESI, R_EDI, R_ESI, R_EDI, -1, -1, -1, -1 };
    for (unsigned mod = 0; mod < 3; mod++) {
        for (unsigned rm = 0; rm < 8; rm++) {
            uint8_t b[8] = { 0x8b, (uint8_t)(mod << 6 | 2 << 3 | rm), 0x80, 0xff, 0x55 };
            DecodedInsn d;
            cr_assert_eq(decode_insn(b, sizeof b, false, &d), DECODE_OK);
            bool direct = mod == 0 && rm == 6;
            unsigned disp = direct ? 2 : mod == 1 ? 1 : mod == 2 ? 2 : 0;
            cr_expect_eq(d.addr_size, 2);
            cr_expect_eq(d.op_size, 2);
            cr_expect_eq(d.len, 2 + disp, "mod %u rm %u len %u", mod, rm, d.len);
            cr_expect_eq(d.disp_size, disp);
            cr_expect_eq(d.ea_base, direct ? -1 : base[rm], "mod %u rm %u", mod, rm);
            cr_expect_eq(d.ea_index, index[rm]);
            cr_expect_eq(d.reg, 2);
            if (disp == 1)
                cr_expect_eq(d.disp, -128);
            else if (disp == 2)
                cr_expect_eq(d.disp, (int16_t)0xff80);
            bool bp = !direct && (rm == 2 || rm == 3 || rm == 6);
            cr_expect_eq(d.ea_seg, bp ? SEG_SS : SEG_DS, "mod %u rm %u", mod, rm);
            cr_expect_not(d.has_sib);
        }
    }
    /* 67 in 16-bit code gives 32-bit addressing, and the reverse. */
    DecodedInsn d = dec_ok("67 8b 04 24", false);
    cr_expect(d.has_sib);
    cr_expect_eq(d.ea_base, R_ESP);
    d = dec_ok("67 8b 06 34 12", true);
    cr_expect_eq(d.ea_base, -1);
    cr_expect_eq(d.disp, 0x1234);
}

Test(decode, modrm_32bit_and_sib)
{
    DecodedInsn d = dec_ok("8b 05 78 56 34 12", true);  /* [disp32] */
    cr_expect_eq(d.ea_base, -1);
    cr_expect_eq(d.ea_index, -1);
    cr_expect_eq(d.disp, 0x12345678);
    cr_expect_eq(d.disp_size, 4);
    d = dec_ok("8b 04 24", true);                       /* [esp] */
    cr_expect(d.has_sib);
    cr_expect_eq(d.ea_base, R_ESP);
    cr_expect_eq(d.ea_index, -1);
    cr_expect_eq(d.index, 4);
    cr_expect_eq(d.ea_seg, SEG_SS);
    d = dec_ok("8b 04 25 00 10 00 00", true);           /* SIB base 5, mod 0: disp32 only */
    cr_expect_eq(d.ea_base, -1);
    cr_expect_eq(d.ea_index, -1);
    cr_expect_eq(d.disp, 0x1000);
    d = dec_ok("8b 04 8d 00 10 00 00", true);           /* [ecx*4 + disp32] */
    cr_expect_eq(d.ea_base, -1);
    cr_expect_eq(d.ea_index, R_ECX);
    cr_expect_eq(d.scale, 2);
    cr_expect_eq(d.ea_seg, SEG_DS);
    d = dec_ok("8b 44 8d f0", true);                    /* [ebp + ecx*4 - 16] */
    cr_expect_eq(d.ea_base, R_EBP);
    cr_expect_eq(d.disp, -16);
    cr_expect_eq(d.ea_seg, SEG_SS);
    d = dec_ok("8b 84 c7 00 00 00 80", true);           /* [edi + eax*8 + disp32] */
    cr_expect_eq(d.ea_base, R_EDI);
    cr_expect_eq(d.ea_index, R_EAX);
    cr_expect_eq(d.scale, 3);
    cr_expect_eq(d.disp, INT32_MIN);
    d = dec_ok("8b c1", true);                          /* register form: no address */
    cr_expect_eq(d.mod, 3);
    cr_expect_eq(d.ea_seg, -1);
}

Test(decode, moffs_follow_address_size)
{
    DecodedInsn d = dec_ok("a1 78 56 34 12", true);
    cr_expect_eq(d.disp_size, 4);
    cr_expect_eq(d.disp, 0x12345678);
    cr_expect_eq(d.operands[1], OPND_Ov);
    d = dec_ok("67 a1 34 12", true);
    cr_expect_eq(d.disp_size, 2);
    cr_expect_eq(d.op_size, 4);
    d = dec_ok("a0 34 12", false);
    cr_expect_eq(d.op_size, 1);
    cr_expect_eq(d.disp_size, 2);
    d = dec_ok("67 66 a3 78 56 34 12", false);
    cr_expect_eq(d.disp_size, 4);
    cr_expect_eq(d.op_size, 4);
    d = dec_ok("64 a2 00 80", false);
    cr_expect_eq(d.ea_seg, SEG_FS);
}

/* ---- immediates and branches ------------------------------------------ */

Test(decode, immediates)
{
    DecodedInsn d = dec_ok("c8 10 20 03", true);        /* enter 0x2010, 3 */
    cr_expect_eq(d.mnemonic, MN_ENTER);
    cr_expect_eq(d.imm, 0x2010);
    cr_expect_eq(d.imm_size, 2);
    cr_expect_eq(d.imm2, 3);
    cr_expect_eq(d.imm2_size, 1);
    d = dec_ok("83 c0 ff", true);                       /* sIb sign-extends */
    cr_expect_eq(d.imm, 0xffffffff);
    d = dec_ok("80 c0 ff", true);                       /* Ib does not */
    cr_expect_eq(d.imm, 0xff);
    d = dec_ok("66 05 34 12", true);                    /* Iz is 16 bits with 66 */
    cr_expect_eq(d.imm_size, 2);
    d = dec_ok("69 c0 78 56 34 12", true);
    cr_expect_eq(d.noperands, 3);
    cr_expect_eq(d.imm, 0x12345678);
    d = dec_ok("eb fe", true);
    cr_expect_eq(d.imm, (uint32_t)-2);
    d = dec_ok("e8 00 80", false);                      /* rel16 sign-extends */
    cr_expect_eq(d.imm, 0xffff8000);
    d = dec_ok("66 e9 00 00 00 80", false);             /* 66: rel32 in 16-bit code */
    cr_expect_eq(d.imm_size, 4);
    d = dec_ok("0f 85 00 01", false);
    cr_expect_eq(d.mnemonic, MN_JCC);
    cr_expect_eq(d.cond, DECODE_CC_NE);
    cr_expect_eq(d.imm_size, 2);
    cr_expect(d.flags & DECODE_F_BRANCH);
}

Test(decode, far_pointers)
{
    DecodedInsn d = dec_ok("ea 78 56 34 12 00 10", true);
    cr_expect_eq(d.mnemonic, MN_JMPF);
    cr_expect_eq(d.imm, 0x12345678);
    cr_expect_eq(d.imm2, 0x1000);
    cr_expect_eq(d.imm2_size, 2);
    d = dec_ok("ea 34 12 00 f0", false);
    cr_expect_eq(d.imm, 0x1234);
    cr_expect_eq(d.imm_size, 2);
    cr_expect_eq(d.imm2, 0xf000);
    d = dec_ok("66 9a 78 56 34 12 08 00", false);
    cr_expect_eq(d.mnemonic, MN_CALLF);
    cr_expect_eq(d.imm, 0x12345678);
    d = dec_ok("66 ea 34 12 00 f0", true);
    cr_expect_eq(d.imm_size, 2);
    d = dec_ok("ff 2d 00 10 00 00", true);              /* jmp far [disp32] */
    cr_expect_eq(d.mnemonic, MN_JMPF);
    cr_expect_eq(decode_operand_size(&d, 0), 6);
    expect_status("ff e8", true, DECODE_UD);            /* jmp far needs memory */
    expect_status("ff d8", true, DECODE_UD);
}

Test(decode, conditions)
{
    for (unsigned cc = 0; cc < 16; cc++) {
        uint8_t b[8] = { (uint8_t)(0x70 + cc), 0x10 };
        DecodedInsn d;
        cr_assert_eq(decode_insn(b, 2, true, &d), DECODE_OK);
        cr_expect_eq(d.cond, cc);
        uint8_t s[8] = { 0x0f, (uint8_t)(0x90 + cc), 0xc0 };
        cr_assert_eq(decode_insn(s, 3, true, &d), DECODE_OK);
        cr_expect_eq(d.mnemonic, MN_SETCC);
        cr_expect_eq(d.cond, cc);
        uint8_t m[8] = { 0x0f, (uint8_t)(0x40 + cc), 0xc0 };
        cr_assert_eq(decode_insn(m, 3, true, &d), DECODE_OK);
        cr_expect_eq(d.mnemonic, MN_CMOVCC);
        cr_expect_eq(d.cond, cc);
    }
    DecodedInsn d = dec_ok("da d9", true);              /* fcmovu st, st(1) */
    cr_expect_eq(d.mnemonic, MN_FCMOVCC);
    cr_expect_eq(d.cond, DECODE_CC_P);
    d = dec_ok("db c2", true);                          /* fcmovnb */
    cr_expect_eq(d.cond, DECODE_CC_AE);
}

/* ---- undefined and special encodings ----------------------------------- */

Test(decode, group_and_opcode_ud)
{
    static const char *const ud32[] = {
        "0f 00 f0", "0f 00 38",         /* group 6 /6 /7 */
        "0f 01 c8", "0f 01 d0", "0f 01 f8", "0f 01 c0", "0f 01 28",
        "ff 38", "ff f8",               /* group 5 /7 */
        "fe 10", "fe f8",               /* group 4 /2.. */
        "c6 08 00", "c7 c8 00 00 00 00", "c6 f8 00",
        "8f 08", "8f c8",               /* group 1A /1.. (XOP on AMD) */
        "0f ba 00 00", "0f c7 10", "0f c7 f0", "0f c7 c8",
        "0f 0f 00 00", "0f 0d 00", "0f 0e", "0f 05", "0f 07", "0f 37", "0f 78 c0",
        "0f 24 c0", "0f a6 c0", "0f ff", "0f b8 c0", "f3 0f b8 c0",
        "c4 c0", "c5 c0", "62 c0",      /* VEX/EVEX bytes are LES/LDS/BOUND here */
        "8d c0",                        /* LEA with a register */
        "0f 20 c8", "0f 22 e8", "0f 20 f0", /* CR1, CR5, CR6 */
        "8e c8", "8e f0", "8c f8",      /* MOV CS, / segment register 6, 7 */
        "0f 38 00 c0", "66 0f 38 00 c0", "0f 3a 0f c0 00",
        "f3 0f 54 c0", "66 0f 52 c0", "f2 0f 12 c0", "0f d6 c0", "f3 0f fc c0",
        "0f 7c c0", "66 0f d0 c0", "f2 0f f0 00",   /* SSE3 */
        "0f 71 10 01", "0f 73 d8 01",   /* PSRLDQ needs 66 */
        "0f 13 c0", "0f 2b c0", "0f e7 c0", "0f c3 c0",
        "0f ae c0", "0f ae 20", "0f ae 28",
        "db 08", "dd 08", "df 08",      /* FISTTP (SSE3) */
        "d9 08", "d9 d1", "d9 e2", "d9 ef", "da e8", "db e5", "db f8", "dd f0", "de d8",
        "df e1", "df f8",
    };
    for (size_t i = 0; i < sizeof ud32 / sizeof ud32[0]; i++)
        expect_status(ud32[i], true, DECODE_UD);
    DecodedInsn d = dec_ok("0f 0b", true);
    cr_expect_eq(d.mnemonic, MN_UD2);
    d = dec_ok("0f b9 c0", true);
    cr_expect_eq(d.mnemonic, MN_UD1);
    d = dec_ok("c4 00", true);
    cr_expect_eq(d.mnemonic, MN_LES);
    d = dec_ok("0f 20 00", true);                       /* mod is ignored: cr0 <- eax */
    cr_expect_eq(d.mnemonic, MN_MOV_CR);
    cr_expect_eq(d.rm, 0);
    cr_expect_eq(d.disp_size, 0);
    /* A failed decode still says what it looked at. */
    cr_expect_eq(dec("66 0f 0d 00", true, &d), DECODE_UD);
    cr_expect_eq(d.map, DECODE_MAP_0F);
    cr_expect_eq(d.opcode, 0x0d);
    cr_expect_eq(d.mnemonic, MN_INVALID);
}

Test(decode, pentium4_choices)
{
    static const struct { const char *hex; Mnemonic mn; } cases[] = {
        { "0f 18 20", MN_NOP }, { "0f 18 c0", MN_NOP }, { "0f 19 00", MN_NOP },
        { "0f 1e c0", MN_NOP }, { "0f 1f 44 00 00", MN_NOP }, { "f3 0f 1e fb", MN_NOP },
        { "0f 18 08", MN_PREFETCHT0 }, { "d6", MN_SALC }, { "f1", MN_INT1 },
        { "d0 f0", MN_SHL }, { "f6 c8 01", MN_TEST }, { "82 c0 01", MN_ADD },
        { "f3 0f bc c0", MN_BSF }, { "f3 0f bd c0", MN_BSR }, { "f3 90", MN_PAUSE },
        { "f2 90", MN_NOP }, { "66 90", MN_NOP }, { "dd c8", MN_FXCH }, { "df c0", MN_FFREEP },
        { "d9 d8", MN_FSTP }, { "db e0", MN_FNENI }, { "db e4", MN_FNSETPM },
        { "0f ae e8", MN_LFENCE }, { "0f ae ef", MN_LFENCE }, { "0f ae f8", MN_SFENCE },
        { "66 f3 0f 10 c0", MN_MOVSS }, { "f3 66 0f 58 c0", MN_ADDSS },
        { "66 0f 77", MN_EMMS }, { "f3 0f c3 00", MN_MOVNTI },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        DecodedInsn d = dec_ok(cases[i].hex, true);
        cr_expect_eq(d.mnemonic, cases[i].mn, "%s: %s", cases[i].hex, mnemonic_name(d.mnemonic));
    }
    DecodedInsn d = dec_ok("f3 0f 10 c0", true);
    cr_expect_eq(d.mandatory_prefix, 0xf3);
    cr_expect_eq(d.rep, 0);
    d = dec_ok("66 0f fc c0", true);
    cr_expect_eq(d.mnemonic, MN_PADDB);
    cr_expect_eq(d.feature, DECODE_FEAT_SSE2);
    cr_expect_eq(d.operands[0], OPND_Vx);
    cr_expect_eq(d.op_size, 4);         /* 66 was consumed: no 16-bit toggle */
    d = dec_ok("0f fc c0", true);
    cr_expect_eq(d.feature, DECODE_FEAT_MMX);
    cr_expect_eq(d.operands[0], OPND_Pq);
}

Test(decode, irq_shadow_and_flags)
{
    cr_expect(dec_ok("17", true).flags & DECODE_F_IRQ_SHADOW);
    cr_expect(dec_ok("8e d0", true).flags & DECODE_F_IRQ_SHADOW);
    cr_expect(dec_ok("fb", true).flags & DECODE_F_IRQ_SHADOW);
    cr_expect_not(dec_ok("8e d8", true).flags & DECODE_F_IRQ_SHADOW);
    cr_expect(dec_ok("0f 22 c0", true).flags & DECODE_F_PRIVILEGED);
    cr_expect(dec_ok("ee", true).flags & DECODE_F_IOPL);
    cr_expect(dec_ok("f4", true).flags & DECODE_F_BRANCH);
    cr_expect(dec_ok("c3", true).flags & DECODE_F_BRANCH);
    cr_expect_not(dec_ok("01 c0", true).flags & DECODE_F_BRANCH);
}

Test(decode, operand_sizes)
{
    DecodedInsn d = dec_ok("0f 01 10", true);           /* lgdt [eax] */
    cr_expect_eq(decode_operand_size(&d, 0), 6);
    d = dec_ok("62 00", false);                         /* bound ax, [bx+si] */
    cr_expect_eq(decode_operand_size(&d, 1), 4);
    d = dec_ok("dd 30", true);                          /* fnsave */
    cr_expect_eq(decode_operand_size(&d, 0), 108);
    d = dec_ok("66 d9 20", true);                       /* fldenv, 16-bit format */
    cr_expect_eq(decode_operand_size(&d, 0), 14);
    d = dec_ok("0f 00 c0", true);                       /* sldt eax */
    cr_expect_eq(decode_operand_size(&d, 0), 4);
    d = dec_ok("0f 00 00", true);                       /* sldt word [eax] */
    cr_expect_eq(decode_operand_size(&d, 0), 2);
    d = dec_ok("0f 60 00", true);                       /* punpcklbw mm0, dword [eax] */
    cr_expect_eq(decode_operand_size(&d, 1), 4);
    d = dec_ok("a5", true);
    cr_expect(decode_operand_is_mem(&d, 0));
    cr_expect_eq(decode_operand_size(&d, 0), 4);
}

Test(decode, need_more_at_every_cut)
{
    static const char *const longs[] = {
        "2e 66 81 84 88 44 33 22 11 78 56",     /* add word cs:[eax+ecx*4+disp32], imm16 */
        "26 67 c7 87 34 12 78 56 34 12",        /* 16-bit addressing in 32-bit code */
        "f0 0f c7 8c 24 00 01 00 00",           /* lock cmpxchg8b [esp+0x100] */
        "66 0f 70 84 24 00 01 00 00 1b",        /* pshufd with SIB, disp32, Ib */
        "9a 78 56 34 12 00 10", "c8 00 10 01", "dd 84 24 00 01 00 00",
    };
    for (size_t i = 0; i < sizeof longs / sizeof longs[0]; i++) {
        uint8_t b[32];
        size_t n = hex_parse(longs[i], b, sizeof b);
        for (size_t cut = 0; cut < n; cut++) {
            /* A heap copy of exactly `cut` bytes: ASan catches any over-read. */
            uint8_t *p = malloc(cut ? cut : 1);
            memcpy(p, b, cut);
            DecodedInsn d;
            cr_expect_eq(decode_insn(p, cut, true, &d), DECODE_NEED_MORE,
                         "%s cut at %zu", longs[i], cut);
            free(p);
        }
        DecodedInsn d;
        cr_expect_eq(decode_insn(b, n, true, &d), DECODE_OK, "%s", longs[i]);
        cr_expect_eq(d.len, n);
    }
}

Test(decode, names_and_format)
{
    for (int m = 0; m < MN_COUNT; m++)
        cr_expect(mnemonic_name((Mnemonic)m) && mnemonic_name((Mnemonic)m)[0]);
    for (int k = 0; k < OPND_COUNT; k++)
        cr_expect(decode_operand_name((OperandKind)k)[0]);
    cr_expect_str_eq(decode_operand_name(OPND_sIb), "sIb");
    char buf[128];
    DecodedInsn d = dec_ok("f0 01 44 8d f0", true);
    decode_format(&d, buf, sizeof buf);
    cr_expect(strstr(buf, "lock add ss:[ebp+ecx*4-0x10], eax") == buf, "%s", buf);
    d = dec_ok("0f 84 00 01 00 00", true);
    decode_format(&d, buf, sizeof buf);
    cr_expect(strncmp(buf, "je .+256", 8) == 0, "%s", buf);
    d = dec_ok("66 26 a5", false);
    decode_format(&d, buf, sizeof buf);
    cr_expect(strncmp(buf, "movs es:[di], es:[si]  ; len=3 o32 a16", 38) == 0, "%s", buf);
    /* Truncation: never writes past len, returns the full count. */
    int n = decode_format(&d, buf, 4);
    cr_expect_eq(strlen(buf), 3);
    cr_expect_gt(n, 4);
}

/* ---- Capstone comparison ----------------------------------------------- */

/* Capstone's names for ours where they differ: by op_size (1, 2, 4) or,
 * for JCXZ, by addr_size. */
typedef struct CsName {
    Mnemonic mn;
    const char *by_size[3];     /* byte, word, dword; one entry = any size */
} CsName;

static const CsName cs_names[] = {
    { MN_MOVS, { "movsb", "movsw", "movsd" } }, { MN_CMPS, { "cmpsb", "cmpsw", "cmpsd" } },
    { MN_STOS, { "stosb", "stosw", "stosd" } }, { MN_LODS, { "lodsb", "lodsw", "lodsd" } },
    { MN_SCAS, { "scasb", "scasw", "scasd" } }, { MN_INS, { "insb", "insw", "insd" } },
    { MN_OUTS, { "outsb", "outsw", "outsd" } },
    { MN_CBW, { NULL, "cbw", "cwde" } }, { MN_CWD, { NULL, "cwd", "cdq" } },
    { MN_PUSHA, { NULL, "pushaw", "pushal" } }, { MN_POPA, { NULL, "popaw", "popal" } },
    { MN_PUSHF, { NULL, "pushf", "pushfd" } }, { MN_POPF, { NULL, "popf", "popfd" } },
    { MN_IRET, { NULL, "iret", "iretd" } },
    { MN_JCXZ, { NULL, "jcxz", "jecxz" } },     /* by addr_size */
    { MN_JMPF, { "ljmp" } }, { MN_CALLF, { "lcall" } },
    { MN_XLAT, { "xlatb" } }, { MN_SHL, { "shl|sal" } },
    { MN_MOV_SEG, { "mov" } }, { MN_MOV_CR, { "mov" } }, { MN_MOV_DR, { "mov" } },
    { MN_FSTP, { "fstp|fstpnce" } }, /* LLVM's name for the D9 D8+i alias */
    { MN_FNENI, { "feni8087_nop" } }, { MN_FNDISI, { "fdisi8087_nop" } },
    { MN_FNSETPM, { "fsetpm" } },
    { MN_UD1, { "ud1|ud2b" } },
};

/* Capstone prints SSE compares with a predicate below 8 as pseudo-ops. */
static const char *const cmp_predicates[8] = {
    "eq", "lt", "le", "unord", "neq", "nlt", "nle", "ord",
};

/* The Capstone mnemonics (one or more, '|'-separated) that match `d`. */
static void cs_expected(const DecodedInsn *d, char *out, size_t len)
{
    static const char *const fcmov[16] = {
        [DECODE_CC_B] = "fcmovb", [DECODE_CC_E] = "fcmove", [DECODE_CC_BE] = "fcmovbe",
        [DECODE_CC_P] = "fcmovu", [DECODE_CC_AE] = "fcmovnb", [DECODE_CC_NE] = "fcmovne",
        [DECODE_CC_A] = "fcmovnbe", [DECODE_CC_NP] = "fcmovnu",
    };
    const char *name = mnemonic_name(d->mnemonic);
    switch (d->mnemonic) {
    case MN_JCC:
        snprintf(out, len, "j%s", decode_cond_name(d->cond));
        return;
    case MN_SETCC:
        snprintf(out, len, "set%s", decode_cond_name(d->cond));
        return;
    case MN_CMOVCC:
        snprintf(out, len, "cmov%s", decode_cond_name(d->cond));
        return;
    case MN_FCMOVCC:
        snprintf(out, len, "%s", fcmov[d->cond] ? fcmov[d->cond] : "?");
        return;
    case MN_CMPPS: case MN_CMPPD: case MN_CMPSS: case MN_CMPSD:
        if (d->imm < 8) {
            snprintf(out, len, "cmp%s%s", cmp_predicates[d->imm], name + 3);
            return;
        }
        break;
    default:
        break;
    }
    for (size_t i = 0; i < sizeof cs_names / sizeof cs_names[0]; i++) {
        const CsName *c = &cs_names[i];
        if (c->mn != d->mnemonic)
            continue;
        unsigned size = d->mnemonic == MN_JCXZ ? d->addr_size : d->op_size;
        const char *n = c->by_size[1] ? c->by_size[size == 1 ? 0 : size == 2 ? 1 : 2]
                                      : c->by_size[0];
        snprintf(out, len, "%s", n ? n : "?");
        return;
    }
    snprintf(out, len, "%s", name);
}

static bool name_in_list(const char *name, const char *list)
{
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        const char *bar = strchr(p, '|');
        size_t l = bar ? (size_t)(bar - p) : strlen(p);
        if (l == n && !memcmp(p, name, n))
            return true;
        if (!bar)
            break;
        p = bar + 1;
    }
    return false;
}

/* Capstone's mnemonic without the prefixes it folds into it ("lock add",
 * "rep movsb", "repne ..."): the last word. */
static const char *cs_base_name(const char *mnemonic)
{
    const char *sp = strrchr(mnemonic, ' ');
    return sp ? sp + 1 : mnemonic;
}

typedef struct KnownPattern {
    char field[6][48];          /* mode category opcode prefixes ours capstone */
    char line[320];
    unsigned long hits;
} KnownPattern;

typedef struct KnownList {
    KnownPattern *p;
    size_t n;
} KnownList;

/* decode_capstone_known.txt: "mode category opcode prefixes ours capstone
 * # reason", fnmatch wildcards per field. A line without a reason is an
 * error: every entry must say why we are right. */
static KnownList known_load(void)
{
    KnownList k = { NULL, 0 };
    const char *path = JITPC_SOURCE_DIR "/tests/unit/decode_capstone_known.txt";
    FILE *f = fopen(path, "r");
    cr_assert(f, "cannot open %s", path);
    char line[1024];
    size_t cap = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *hash = strchr(line, '#');
        cr_assert(hash && hash[1], "%s: entry without a reason: %s", path, line);
        if (k.n == cap) {
            cap = cap ? cap * 2 : 64;
            k.p = realloc(k.p, cap * sizeof *k.p);
        }
        KnownPattern *p = &k.p[k.n];
        memset(p, 0, sizeof *p);
        int n = (int)(hash - line);
        while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
            n--;
        snprintf(p->line, sizeof p->line, "%.*s", n, line);
        int got = sscanf(p->line, "%47s %47s %47s %47s %47s %47s", p->field[0], p->field[1],
                         p->field[2], p->field[3], p->field[4], p->field[5]);
        cr_assert_eq(got, 6, "%s: need 6 fields: %s", path, line);
        k.n++;
    }
    fclose(f);
    return k;
}

static KnownPattern *known_match(KnownList *k, char sig[6][48])
{
    for (size_t i = 0; i < k->n; i++) {
        bool ok = true;
        for (int f = 0; f < 6 && ok; f++)
            ok = fnmatch(k->p[i].field[f], sig[f], 0) == 0;
        if (ok)
            return &k->p[i];
    }
    return NULL;
}

/* splitmix64: a fixed seed gives the same cases on every host. */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Random prefixes, then a one-byte, 0F, 0F 38/3A or x87 opcode, then random
 * ModRM/SIB/displacement/immediate bytes: most such strings are valid. */
static void case_biased(uint64_t *rng, uint8_t *b)
{
    static const uint8_t prefixes[] = {
        0x66, 0x66, 0x67, 0xf3, 0xf2, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0xf0,
    };
    for (int i = 0; i < 16; i++)
        b[i] = (uint8_t)rng_next(rng);
    uint64_t r = rng_next(rng);
    unsigned n = 0, npfx = (r & 7) < 4 ? 0 : (r & 7) < 6 ? 1 : (r & 7) == 6 ? 2 : 1 + (r >> 3) % 14;
    for (unsigned i = 0; i < npfx && n < 15; i++) {
        uint8_t p = prefixes[(r >> (8 + 4 * (i % 12))) % sizeof prefixes];
        if (p == 0xf0 && (rng_next(rng) & 3))
            p = 0x66;           /* keep LOCK rare: most of it is #UD */
        b[n++] = p;
    }
    switch ((r >> 60) & 15) {
    case 0: case 1: case 2: case 3: case 4: case 5: case 6:
        break;                  /* one-byte opcode: already random */
    case 7: case 8: case 9: case 10: case 11: case 12:
        if (n < 15)
            b[n++] = 0x0f;      /* 0F map */
        break;
    case 13:
        if (n < 14) {
            b[n++] = 0x0f;
            b[n++] = (r & 0x100) ? 0x38 : 0x3a;
        }
        break;
    default:
        if (n < 16)
            b[n] = (uint8_t)(0xd8 + (r >> 40) % 8);  /* x87 */
        break;
    }
}

/* One mode's worth of counters. */
typedef struct CompareStats {
    unsigned long cases, agree, both_invalid, known, unknown;
    unsigned long by_cat[5];
} CompareStats;

enum { CAT_LENGTH, CAT_MNEMONIC, CAT_OURS_INVALID, CAT_CS_INVALID, CAT_OPERANDS };
static const char *const cat_names[5] = {
    "length", "mnemonic", "ours-invalid", "cs-invalid", "operands",
};

/* Capstone's register for our number `n` at `size` bytes. */
static x86_reg cs_gpr(unsigned size, int n)
{
    static const x86_reg r16[8] = {
        X86_REG_AX, X86_REG_CX, X86_REG_DX, X86_REG_BX,
        X86_REG_SP, X86_REG_BP, X86_REG_SI, X86_REG_DI,
    };
    static const x86_reg r32[8] = {
        X86_REG_EAX, X86_REG_ECX, X86_REG_EDX, X86_REG_EBX,
        X86_REG_ESP, X86_REG_EBP, X86_REG_ESI, X86_REG_EDI,
    };
    return n < 0 ? X86_REG_INVALID : size == 2 ? r16[n] : r32[n];
}

/* Capstone's first operand of `type`, skipping `skip` of them; NULL if none. */
static const cs_x86_op *cs_operand(const cs_x86 *x, x86_op_type type, unsigned skip)
{
    for (unsigned j = 0; j < x->op_count; j++)
        if (x->operands[j].type == type && skip-- == 0)
            return &x->operands[j];
    return NULL;
}

/* When both decoders agree on mnemonic and length, check the fields the
 * lowering relies on against Capstone's operand details: the ModRM/SIB or
 * moffs memory operand (base, index, scale, displacement), immediates and
 * branch targets. Returns NULL or what differs. */
static const char *operands_check(const DecodedInsn *d, const cs_insn *ci)
{
    const cs_x86 *x = &ci->detail->x86;
    uint32_t amask = d->addr_size == 2 ? 0xffffu : 0xffffffffu;
    unsigned nimm = 0;
    for (unsigned i = 0; i < d->noperands; i++) {
        OperandKind k = d->operands[i];
        OperandSource src = decode_operand_source(k);
        if (((src == OPSRC_RM || src == OPSRC_MEM) && d->mod != 3) || src == OPSRC_MOFFS) {
            const cs_x86_op *m = cs_operand(x, X86_OP_MEM, 0);
            if (!m)
                return k == OPND_M ? NULL : "no-mem";
            if (m->mem.base != cs_gpr(d->addr_size, d->ea_base))
                return "base";
            if (m->mem.index != cs_gpr(d->addr_size, d->ea_index))
                return "index";
            if (d->ea_index >= 0 && m->mem.scale != 1 << d->scale)
                return "scale";
            if (((uint32_t)d->disp & amask) != ((uint32_t)m->mem.disp & amask))
                return "disp";
        } else if (src == OPSRC_IMM && k != OPND_Ap) {
            bool second = nimm++ > 0;   /* ENTER's Ib is in imm2 */
            const cs_x86_op *im = cs_operand(x, X86_OP_IMM, second);
            if (!im)
                continue;               /* e.g. AAM/AAD with 10 show no immediate */
            uint32_t want = (uint32_t)im->imm, have = second ? d->imm2 : d->imm;
            unsigned bytes = second ? d->imm2_size : d->imm_size;
            uint32_t mask = bytes >= 4 ? 0xffffffffu : (1u << (8 * bytes)) - 1;
            if (k == OPND_Jb || k == OPND_Jz) {
                have += d->len;         /* Capstone shows the target, decoded at 0 */
                mask = d->op_size == 2 ? 0xffffu : 0xffffffffu;
            }
            if ((want & mask) == (have & mask))
                continue;
            /* SDM Vol. 2A Jcc/JMP: the target is truncated to 16 bits only
             * with a 16-bit operand size (not by 67, not in 16-bit code
             * with 66); Capstone truncates by mode and address size. */
            if ((k == OPND_Jb || k == OPND_Jz) && (want & 0xffff) == (have & 0xffff))
                return "target16";
            return "imm";
        }
    }
    return NULL;
}

/* Prefix classes a disagreement can be traced to, so that known-list
 * lines name a cause rather than an opcode range:
 *  - "lock", "rep", "66" and their '+' combinations: we say #UD, and the
 *    same bytes without the LOCK (or F2/F3, or 66) decode: LOCK on something
 *    not lockable, or a mandatory prefix selecting an empty table slot;
 *  - "no66", "no67", "norep" and combinations: without those prefixes our
 *    decode is exactly Capstone's answer, i.e. Capstone ignored them. */
enum { STRIP_LOCK = 1, STRIP_REP = 2, STRIP_66 = 4, STRIP_67 = 8 };

static size_t prefixes_strip(const uint8_t *b, size_t n, unsigned strip, uint8_t *out)
{
    size_t i = 0, o = 0;
    for (; i < n; i++) {
        uint8_t x = b[i];
        bool prefix = x == 0xf0 || x == 0xf2 || x == 0xf3 || x == 0x66 || x == 0x67 ||
                      x == 0x26 || x == 0x2e || x == 0x36 || x == 0x3e || x == 0x64 || x == 0x65;
        if (!prefix)
            break;
        if ((x == 0xf0 && (strip & STRIP_LOCK)) ||
            ((x == 0xf2 || x == 0xf3) && (strip & STRIP_REP)) ||
            (x == 0x66 && (strip & STRIP_66)) || (x == 0x67 && (strip & STRIP_67)))
            continue;
        out[o++] = x;
    }
    for (; i < n; i++)
        out[o++] = b[i];
    return o;
}

/* Decode the bytes without the prefixes in `strip`; false if none was there. */
static bool strip_decode(const uint8_t *b, bool code32, unsigned strip, DecodedInsn *d,
                         DecodeStatus *st, unsigned *removed)
{
    uint8_t s[16];
    size_t n = prefixes_strip(b, 16, strip, s);
    *removed = (unsigned)(16 - n);
    if (n == 16)
        return false;
    *st = decode_insn(s, n, code32, d);
    return true;
}

/* The category of a disagreement: a cause from the list above, else what differs. */
static void category_name(char *out, size_t len, const uint8_t *b, bool code32,
                          DecodeStatus st0, int cat, bool cs_ok, const char *theirs,
                          unsigned cs_len)
{
    static const struct { unsigned set; const char *name; } ours_causes[] = {
        { STRIP_LOCK, "lock" }, { STRIP_REP, "rep" }, { STRIP_66, "66" },
        { STRIP_LOCK | STRIP_REP, "lock+rep" }, { STRIP_LOCK | STRIP_66, "lock+66" },
        { STRIP_REP | STRIP_66, "rep+66" }, { STRIP_LOCK | STRIP_REP | STRIP_66, "lock+rep+66" },
    }, cs_causes[] = {
        { STRIP_66, "no66" }, { STRIP_67, "no67" }, { STRIP_REP, "norep" },
        { STRIP_66 | STRIP_67, "no66+no67" }, { STRIP_66 | STRIP_REP, "no66+norep" },
        { STRIP_67 | STRIP_REP, "no67+norep" }, { STRIP_66 | STRIP_67 | STRIP_REP, "no66+no67+norep" },
    };
    DecodedInsn d;
    DecodeStatus st;
    unsigned removed;
    if (st0 == DECODE_UD) {
        for (size_t i = 0; i < sizeof ours_causes / sizeof ours_causes[0]; i++) {
            if (strip_decode(b, code32, ours_causes[i].set, &d, &st, &removed) &&
                st == DECODE_OK) {
                snprintf(out, len, "%s", ours_causes[i].name);
                return;
            }
        }
    }
    for (size_t i = 0; i < sizeof cs_causes / sizeof cs_causes[0]; i++) {
        if (!strip_decode(b, code32, cs_causes[i].set, &d, &st, &removed))
            continue;
        bool same;
        if (st != DECODE_OK || !cs_ok) {
            same = st == DECODE_UD && !cs_ok;   /* not GP: a shorter insn is no excuse */
        } else {
            char ours[64];
            cs_expected(&d, ours, sizeof ours);
            same = name_in_list(theirs, ours) && d.len + removed == cs_len;
        }
        if (same) {
            snprintf(out, len, "%s", cs_causes[i].name);
            return;
        }
    }
    snprintf(out, len, "%s", cat_names[cat]);
}

static void signature_build(char sig[6][48], bool code32, const char *cat, const uint8_t *b,
                            const DecodedInsn *d, DecodeStatus st, const char *ours,
                            const char *theirs)
{
    static const char *const map_names[4] = { "OB", "0F", "0F38", "0F3A" };
    snprintf(sig[0], 48, "%d", code32 ? 32 : 16);
    snprintf(sig[1], 48, "%s", cat);
    if (d->has_modrm)
        snprintf(sig[2], 48, "%s:%02X/%u%c", map_names[d->map], d->opcode, d->reg,
                 d->mod == 3 ? 'r' : 'm');
    else
        snprintf(sig[2], 48, "%s:%02X", map_names[d->map], d->opcode);
    /* Prefixes in byte order: L=F0 R=F3 N=F2 O=66 A=67 S=segment. */
    char *p = sig[3];
    p += sprintf(p, "p=");
    for (int i = 0; i < 15 && p < sig[3] + 46; i++) {
        char c = b[i] == 0xf0 ? 'L' : b[i] == 0xf3 ? 'R' : b[i] == 0xf2 ? 'N' : b[i] == 0x66 ? 'O'
               : b[i] == 0x67 ? 'A'
               : (b[i] == 0x26 || b[i] == 0x2e || b[i] == 0x36 || b[i] == 0x3e ||
                  b[i] == 0x64 || b[i] == 0x65) ? 'S' : 0;
        if (!c)
            break;
        *p++ = c;
    }
    *p = '\0';
    snprintf(sig[4], 48, "%s", st == DECODE_OK ? ours : st == DECODE_GP ? "GP" : "UD");
    snprintf(sig[5], 48, "%s", theirs);
}

static void compare_run(unsigned long ncases, KnownList *known, CompareStats stats[2], bool verbose)
{
    csh cs[2];
    cr_assert_eq(cs_open(CS_ARCH_X86, CS_MODE_16, &cs[0]), CS_ERR_OK);
    cr_assert_eq(cs_open(CS_ARCH_X86, CS_MODE_32, &cs[1]), CS_ERR_OK);
    cs_option(cs[0], CS_OPT_DETAIL, CS_OPT_ON);
    cs_option(cs[1], CS_OPT_DETAIL, CS_OPT_ON);
    cs_insn *ci[2] = { cs_malloc(cs[0]), cs_malloc(cs[1]) };
    uint64_t rng = 0x6a697470632d6463ull;   /* fixed seed */
    unsigned printed = 0;

    for (unsigned long i = 0; i < ncases; i++) {
        bool code32 = i & 1;
        uint8_t b[16];
        if (i & 2) {
            case_biased(&rng, b);
        } else {
            uint64_t r0 = rng_next(&rng), r1 = rng_next(&rng);
            memcpy(b, &r0, 8);
            memcpy(b + 8, &r1, 8);
        }
        CompareStats *s = &stats[code32];
        s->cases++;

        DecodedInsn d;
        DecodeStatus st = decode_insn(b, sizeof b, code32, &d);
        const uint8_t *code = b;
        size_t size = sizeof b;
        uint64_t addr = 0;
        bool cs_ok = cs_disasm_iter(cs[code32], &code, &size, &addr, ci[code32]);

        /* Properties of our own decode, checked on a sample: cutting the
         * instruction short asks for more, and decoding is repeatable. */
        if (st == DECODE_OK && (i & 15) == 0) {
            uint8_t *p = malloc(d.len);
            memcpy(p, b, d.len);
            DecodedInsn again, part;
            cr_assert_eq(decode_insn(p, d.len, code32, &again), DECODE_OK);
            cr_assert(again.len == d.len && again.mnemonic == d.mnemonic &&
                      again.imm == d.imm && again.disp == d.disp &&
                      again.noperands == d.noperands, "decode is not repeatable");
            cr_assert_eq(decode_insn(p, d.len - 1u, code32, &part), DECODE_NEED_MORE);
            free(p);
            char text[160];
            decode_format(&d, text, sizeof text);   /* exercised under the sanitizers */
        }
        cr_assert_neq(st, DECODE_NEED_MORE, "16 bytes always suffice");

        char ours[64] = "", theirs[64] = "invalid";
        int cat;
        if (st == DECODE_OK)
            cs_expected(&d, ours, sizeof ours);
        if (cs_ok)
            snprintf(theirs, sizeof theirs, "%s", cs_base_name(ci[code32]->mnemonic));
        if (st != DECODE_OK && !cs_ok) {
            s->both_invalid++;
            continue;
        }
        const char *opdiff = NULL;
        if (st == DECODE_OK && cs_ok) {
            bool name_ok = name_in_list(theirs, ours);
            if (name_ok && ci[code32]->size == d.len &&
                !(opdiff = operands_check(&d, ci[code32]))) {
                s->agree++;
                continue;
            }
            cat = opdiff ? CAT_OPERANDS : name_ok ? CAT_LENGTH : CAT_MNEMONIC;
        } else {
            cat = st != DECODE_OK ? CAT_OURS_INVALID : CAT_CS_INVALID;
        }
        s->by_cat[cat]++;
        char sig[6][48], catname[32];
        if (opdiff)
            snprintf(catname, sizeof catname, "operands-%s", opdiff);
        else
            category_name(catname, sizeof catname, b, code32, st, cat, cs_ok, theirs,
                          cs_ok ? ci[code32]->size : 0);
        signature_build(sig, code32, catname, b, &d, st, ours, theirs);
        KnownPattern *kp = known_match(known, sig);
        if (kp) {
            kp->hits++;
            s->known++;
        } else {
            s->unknown++;
        }
        if ((!kp && printed < 40) || verbose) {
            char hex[64], text[160] = "";
            for (int k = 0; k < 16; k++)
                sprintf(hex + 3 * k, "%02x ", b[k]);
            if (st == DECODE_OK)
                decode_format(&d, text, sizeof text);
            printf("%s %s %s %s %s %s | %s| ours: %s | cs: %s %s (len %u)\n",
                   sig[0], sig[1], sig[2], sig[3], sig[4], sig[5], hex, text,
                   cs_ok ? ci[code32]->mnemonic : "invalid", cs_ok ? ci[code32]->op_str : "",
                   cs_ok ? ci[code32]->size : 0);
            printed += !kp;
        }
    }
    cs_free(ci[0], 1);
    cs_free(ci[1], 1);
    cs_close(&cs[0]);
    cs_close(&cs[1]);
}

Test(decode, capstone_differential, .timeout = 600)
{
    const char *env = getenv("JITPC_DECODE_CASES");
    unsigned long ncases = env ? strtoul(env, NULL, 0) : 1000000;
    bool verbose = getenv("JITPC_DECODE_VERBOSE") != NULL;
    KnownList known = known_load();
    CompareStats stats[2];
    memset(stats, 0, sizeof stats);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    compare_run(ncases, &known, stats, verbose);
    clock_gettime(CLOCK_MONOTONIC, &t1);

    int major, minor;
    cs_version(&major, &minor);
    printf("decode vs Capstone %d.%d: %lu cases in %.1f s\n", major, minor, ncases,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    for (int m = 0; m < 2; m++) {
        const CompareStats *s = &stats[m];
        unsigned long dis = s->known + s->unknown;
        printf("  %d-bit: %lu cases, %lu agree (%.2f%%: %lu same insn, %lu both invalid), "
               "%lu disagree (%lu known, %lu unknown; length %lu, mnemonic %lu, "
               "ours-invalid %lu, cs-invalid %lu, operands %lu)\n",
               m ? 32 : 16, s->cases, s->agree + s->both_invalid,
               s->cases ? 100.0 * (double)(s->agree + s->both_invalid) / (double)s->cases : 0,
               s->agree, s->both_invalid, dis, s->known, s->unknown, s->by_cat[CAT_LENGTH],
               s->by_cat[CAT_MNEMONIC], s->by_cat[CAT_OURS_INVALID], s->by_cat[CAT_CS_INVALID],
               s->by_cat[CAT_OPERANDS]);
    }
    printf("  known disagreements matched, by decode_capstone_known.txt line:\n");
    for (size_t i = 0; i < known.n; i++)
        if (known.p[i].hits || verbose)
            printf("  %8lu  %s\n", known.p[i].hits, known.p[i].line);
    unsigned long unknown = stats[0].unknown + stats[1].unknown;
    free(known.p);
    cr_expect_eq(unknown, 0, "%lu disagreements with Capstone are not in "
                 "decode_capstone_known.txt (printed above)", unknown);
    cr_expect_gt(stats[0].agree, stats[0].cases / 2, "16-bit agreement collapsed");
    cr_expect_gt(stats[1].agree, stats[1].cases / 2, "32-bit agreement collapsed");
}
