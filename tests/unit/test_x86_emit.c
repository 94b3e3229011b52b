/* The x86-64 encoder of the native backend (src/translate/backend/x86_64/
 * emit.c). Two kinds of check: byte-exact encodings of the tricky cases,
 * written by hand from the SDM Vol. 2 ModRM/SIB/REX tables; and a broad
 * sweep that disassembles every emit form over many registers, immediates
 * and addressing modes with Capstone and compares mnemonic, operand text
 * and length with what was asked for. The expected text follows Capstone
 * 4's Intel printer (immediates: see fmt_imm). */
#include <capstone/capstone.h>
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "translate/backend/x86_64/emit.h"

#define BASE_ADDR 0x100000u     /* disassembly address: branch targets print as hex */

static csh cs;
static uint8_t buf[64];
static X86Emit E;

static void setup(void)
{
    cr_assert_eq(cs_open(CS_ARCH_X86, CS_MODE_64, &cs), CS_ERR_OK);
    x86_emit_init(&E, buf, sizeof(buf));
}

static unsigned long checks;     /* Capstone comparisons made by this test */

static void teardown(void)
{
    if (checks)
        cr_log_info("%lu Capstone checks", checks);
    cs_close(&cs);
}

TestSuite(x86_emit, .init = setup, .fini = teardown);

/* ---- byte-exact ---- */

static void hex(char *out, size_t cap, const uint8_t *p, size_t n)
{
    size_t o = 0;
    out[0] = 0;
    for (size_t i = 0; i < n && o + 4 < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, "%02X ", p[i]);
}

/* Compares the buffer with the expected bytes, then empties it. */
static void expect_bytes_(const char *what, const uint8_t *want, size_t n)
{
    char got[200], exp[200];
    hex(got, sizeof(got), E.buf, E.len);
    hex(exp, sizeof(exp), want, n);
    cr_assert(!E.overflow, "%s: overflow", what);
    cr_assert(E.len == n && memcmp(E.buf, want, n) == 0, "%s: got %s want %s", what, got, exp);
    x86_emit_init(&E, buf, sizeof(buf));
}
#define EXPECT_BYTES(what, ...)                                                              \
    do {                                                                                     \
        static const uint8_t want_[] = { __VA_ARGS__ };                                      \
        expect_bytes_(what, want_, sizeof(want_));                                           \
    } while (0)

Test(x86_emit, sib_and_displacement_quirks)
{
    X86Mem m;
    m = x86_mem(X86_RSP, 0);  x86_emit_load(&E, X86_W32, X86_RAX, &m); EXPECT_BYTES("mov eax,[rsp]", 0x8B, 0x04, 0x24);
    m = x86_mem(X86_R12, 0);  x86_emit_load(&E, X86_W32, X86_RAX, &m); EXPECT_BYTES("mov eax,[r12]", 0x41, 0x8B, 0x04, 0x24);
    m = x86_mem(X86_RBP, 0);  x86_emit_load(&E, X86_W32, X86_RAX, &m); EXPECT_BYTES("mov eax,[rbp]", 0x8B, 0x45, 0x00);
    m = x86_mem(X86_R13, 0);  x86_emit_load(&E, X86_W32, X86_RAX, &m); EXPECT_BYTES("mov eax,[r13]", 0x41, 0x8B, 0x45, 0x00);
    m = x86_mem(X86_RSP, 8);  x86_emit_load(&E, X86_W64, X86_RCX, &m); EXPECT_BYTES("mov rcx,[rsp+8]", 0x48, 0x8B, 0x4C, 0x24, 0x08);
    m = x86_mem(X86_RAX, 0x80); x86_emit_load(&E, X86_W32, X86_RAX, &m); EXPECT_BYTES("mov eax,[rax+0x80]", 0x8B, 0x80, 0x80, 0x00, 0x00, 0x00);
    m = x86_mem(X86_RAX, -0x80); x86_emit_load(&E, X86_W32, X86_RAX, &m); EXPECT_BYTES("mov eax,[rax-0x80]", 0x8B, 0x40, 0x80);
    m = x86_mem_idx(X86_R13, X86_R12, 1, 0); x86_emit_load(&E, X86_W64, X86_RAX, &m); EXPECT_BYTES("mov rax,[r13+r12]", 0x4B, 0x8B, 0x44, 0x25, 0x00);
    m = x86_mem_idx(X86_RAX, X86_RBX, 8, 0); x86_emit_load(&E, X86_W32, X86_RAX, &m); EXPECT_BYTES("mov eax,[rax+rbx*8]", 0x8B, 0x04, 0xD8);
    m = x86_mem_idx(X86_NOREG, X86_RBX, 4, 0x10); x86_emit_load(&E, X86_W32, X86_RAX, &m); EXPECT_BYTES("mov eax,[rbx*4+0x10]", 0x8B, 0x04, 0x9D, 0x10, 0, 0, 0);
    m = x86_mem(X86_NOREG, 0x10); x86_emit_load(&E, X86_W32, X86_RAX, &m); EXPECT_BYTES("mov eax,[0x10]", 0x8B, 0x04, 0x25, 0x10, 0, 0, 0);
    m = x86_mem_rip(0x10); x86_emit_load(&E, X86_W32, X86_RAX, &m); EXPECT_BYTES("mov eax,[rip+0x10]", 0x8B, 0x05, 0x10, 0, 0, 0);
    m = x86_mem_rip(-6); x86_emit_load(&E, X86_W64, X86_R9, &m); EXPECT_BYTES("mov r9,[rip-6]", 0x4C, 0x8B, 0x0D, 0xFA, 0xFF, 0xFF, 0xFF);
    m = x86_mem_idx(X86_R12, X86_R13, 8, 0x12345678); x86_emit_lea(&E, X86_W64, X86_RAX, &m);
    EXPECT_BYTES("lea rax,[r12+r13*8+0x12345678]", 0x4B, 0x8D, 0x84, 0xEC, 0x78, 0x56, 0x34, 0x12);
    m = x86_mem(X86_RSP, 8); x86_emit_store_imm(&E, X86_W64, &m, -1);
    EXPECT_BYTES("mov qword [rsp+8],-1", 0x48, 0xC7, 0x44, 0x24, 0x08, 0xFF, 0xFF, 0xFF, 0xFF);
    m = x86_mem(X86_RAX, 0); x86_emit_store(&E, X86_W16, &m, X86_RCX); EXPECT_BYTES("mov [rax],cx", 0x66, 0x89, 0x08);
    m = x86_mem(X86_RAX, 0); x86_emit_store(&E, X86_W8, &m, X86_RSI); EXPECT_BYTES("mov [rax],sil", 0x40, 0x88, 0x30);
    m = x86_mem(X86_RAX, 0); x86_emit_store(&E, X86_W8, &m, X86_RBX); EXPECT_BYTES("mov [rax],bl", 0x88, 0x18);
    m = x86_mem(X86_RDI, 0); x86_emit_movzx_rm(&E, X86_W64, X86_W16, X86_RAX, &m); EXPECT_BYTES("movzx rax,word [rdi]", 0x48, 0x0F, 0xB7, 0x07);
    m = x86_mem(X86_RAX, 8); x86_emit_jmp_m(&E, &m); EXPECT_BYTES("jmp [rax+8]", 0xFF, 0x60, 0x08);
}

Test(x86_emit, rex_only_when_needed)
{
    x86_emit_mov_rr(&E, X86_W8, X86_R8, X86_RSI); EXPECT_BYTES("mov r8b,sil", 0x41, 0x88, 0xF0);
    x86_emit_mov_rr(&E, X86_W8, X86_RSI, X86_RDI); EXPECT_BYTES("mov sil,dil", 0x40, 0x88, 0xFE);
    x86_emit_mov_rr(&E, X86_W8, X86_RAX, X86_RCX); EXPECT_BYTES("mov al,cl", 0x88, 0xC8);
    x86_emit_mov_rr(&E, X86_W32, X86_RAX, X86_RCX); EXPECT_BYTES("mov eax,ecx", 0x89, 0xC8);
    x86_emit_mov_rr(&E, X86_W64, X86_R15, X86_RAX); EXPECT_BYTES("mov r15,rax", 0x49, 0x89, 0xC7);
    x86_emit_mov_rr(&E, X86_W16, X86_RAX, X86_R9); EXPECT_BYTES("mov ax,r9w", 0x66, 0x44, 0x89, 0xC8);
    x86_emit_movzx_rr(&E, X86_W32, X86_W8, X86_RAX, X86_RSI); EXPECT_BYTES("movzx eax,sil", 0x40, 0x0F, 0xB6, 0xC6);
    x86_emit_movzx_rr(&E, X86_W32, X86_W8, X86_R8, X86_RAX); EXPECT_BYTES("movzx r8d,al", 0x44, 0x0F, 0xB6, 0xC0);
    x86_emit_movzx_rr(&E, X86_W32, X86_W16, X86_RSI, X86_RDI); EXPECT_BYTES("movzx esi,di", 0x0F, 0xB7, 0xF7);
    x86_emit_movsxd_rr(&E, X86_RAX, X86_RCX); EXPECT_BYTES("movsxd rax,ecx", 0x48, 0x63, 0xC1);
    x86_emit_setcc_r(&E, X86_CC_E, X86_RSP); EXPECT_BYTES("sete spl", 0x40, 0x0F, 0x94, 0xC4);
    x86_emit_setcc_r(&E, X86_CC_NE, X86_R9); EXPECT_BYTES("setne r9b", 0x41, 0x0F, 0x95, 0xC1);
    x86_emit_setcc_r(&E, X86_CC_E, X86_RAX); EXPECT_BYTES("sete al", 0x0F, 0x94, 0xC0);
    x86_emit_setcc_r(&E, X86_CC_E, X86_RBX); EXPECT_BYTES("sete bl", 0x0F, 0x94, 0xC3);
    x86_emit_push_r(&E, X86_R12); EXPECT_BYTES("push r12", 0x41, 0x54);
    x86_emit_pop_r(&E, X86_RBP); EXPECT_BYTES("pop rbp", 0x5D);
    x86_emit_call_r(&E, X86_RAX); EXPECT_BYTES("call rax", 0xFF, 0xD0);
    x86_emit_call_r(&E, X86_R11); EXPECT_BYTES("call r11", 0x41, 0xFF, 0xD3);
    x86_emit_bswap_r(&E, X86_W32, X86_R8); EXPECT_BYTES("bswap r8d", 0x41, 0x0F, 0xC8);
    x86_emit_bswap_r(&E, X86_W64, X86_RAX); EXPECT_BYTES("bswap rax", 0x48, 0x0F, 0xC8);
    x86_emit_xchg_rr(&E, X86_W64, X86_RAX, X86_RCX); EXPECT_BYTES("xchg rax,rcx", 0x48, 0x87, 0xC8);
    x86_emit_xchg_rr(&E, X86_W32, X86_RAX, X86_RAX); EXPECT_BYTES("xchg eax,eax (not nop)", 0x87, 0xC0);
    x86_emit_movd_xr(&E, X86_W64, X86_XMM8, X86_RAX); EXPECT_BYTES("movq xmm8,rax", 0x66, 0x4C, 0x0F, 0x6E, 0xC0);
    x86_emit_ret(&E); EXPECT_BYTES("ret", 0xC3);
    x86_emit_cdq(&E, X86_W64); EXPECT_BYTES("cqo", 0x48, 0x99);
}

Test(x86_emit, immediates_and_alu)
{
    x86_emit_add_ri(&E, X86_W64, X86_RAX, 1); EXPECT_BYTES("add rax,1", 0x48, 0x83, 0xC0, 0x01);
    x86_emit_add_ri(&E, X86_W32, X86_RAX, 0x1000); EXPECT_BYTES("add eax,0x1000", 0x05, 0x00, 0x10, 0x00, 0x00);
    x86_emit_add_ri(&E, X86_W32, X86_RCX, 0x1000); EXPECT_BYTES("add ecx,0x1000", 0x81, 0xC1, 0x00, 0x10, 0x00, 0x00);
    x86_emit_add_ri(&E, X86_W64, X86_R15, -128); EXPECT_BYTES("add r15,-128", 0x49, 0x83, 0xC7, 0x80);
    x86_emit_sub_ri(&E, X86_W64, X86_R15, 128); EXPECT_BYTES("sub r15,128", 0x49, 0x81, 0xEF, 0x80, 0, 0, 0);
    x86_emit_cmp_ri(&E, X86_W8, X86_RSI, 1); EXPECT_BYTES("cmp sil,1", 0x40, 0x80, 0xFE, 0x01);
    x86_emit_xor_rr(&E, X86_W32, X86_RAX, X86_RAX); EXPECT_BYTES("xor eax,eax", 0x31, 0xC0);
    x86_emit_and_rr(&E, X86_W64, X86_R8, X86_R9); EXPECT_BYTES("and r8,r9", 0x4D, 0x21, 0xC8);
    x86_emit_test_rr(&E, X86_W32, X86_RCX, X86_RCX); EXPECT_BYTES("test ecx,ecx", 0x85, 0xC9);
    x86_emit_test_ri(&E, X86_W32, X86_RAX, 0x100); EXPECT_BYTES("test eax,0x100", 0xA9, 0x00, 0x01, 0x00, 0x00);
    x86_emit_movabs_ri(&E, X86_RAX, 0x1122334455667788ull);
    EXPECT_BYTES("movabs rax", 0x48, 0xB8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11);
    x86_emit_movabs_ri(&E, X86_R15, 1); EXPECT_BYTES("movabs r15,1", 0x49, 0xBF, 1, 0, 0, 0, 0, 0, 0, 0);
    x86_emit_mov_ri(&E, X86_RAX, 0xFFFFFFFFu); EXPECT_BYTES("mov eax,0xffffffff", 0xB8, 0xFF, 0xFF, 0xFF, 0xFF);
    x86_emit_mov_ri(&E, X86_RAX, UINT64_MAX); EXPECT_BYTES("mov rax,-1", 0x48, 0xC7, 0xC0, 0xFF, 0xFF, 0xFF, 0xFF);
    x86_emit_mov_ri(&E, X86_R9, 5); EXPECT_BYTES("mov r9d,5", 0x41, 0xB9, 0x05, 0x00, 0x00, 0x00);
    x86_emit_mov_ri(&E, X86_RCX, 0x100000000ull); EXPECT_BYTES("movabs rcx,2^32", 0x48, 0xB9, 0, 0, 0, 0, 1, 0, 0, 0);
    x86_emit_shl_ri(&E, X86_W32, X86_RAX, 1); EXPECT_BYTES("shl eax,1", 0xD1, 0xE0);
    x86_emit_sar_ri(&E, X86_W64, X86_R10, 5); EXPECT_BYTES("sar r10,5", 0x49, 0xC1, 0xFA, 0x05);
    x86_emit_shr_cl(&E, X86_W64, X86_RDX); EXPECT_BYTES("shr rdx,cl", 0x48, 0xD3, 0xEA);
    x86_emit_imul_rr(&E, X86_W64, X86_RAX, X86_RBX); EXPECT_BYTES("imul rax,rbx", 0x48, 0x0F, 0xAF, 0xC3);
    x86_emit_neg_r(&E, X86_W32, X86_R11); EXPECT_BYTES("neg r11d", 0x41, 0xF7, 0xDB);
    x86_emit_cmov_rr(&E, X86_CC_L, X86_W32, X86_RAX, X86_RCX); EXPECT_BYTES("cmovl eax,ecx", 0x0F, 0x4C, 0xC1);
    x86_emit_jcc_rel32(&E, X86_CC_E, 0); EXPECT_BYTES("je +0", 0x0F, 0x84, 0, 0, 0, 0);
    x86_emit_jmp_rel8(&E, -2); EXPECT_BYTES("jmp $", 0xEB, 0xFE);
}

/* ---- the Capstone sweep ---- */

static const char *const reg_names[9][16] = {
    [X86_W8] = { "al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
                 "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b" },
    [X86_W16] = { "ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
                  "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w" },
    [X86_W32] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
                  "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d" },
    [X86_W64] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                  "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" },
};
static const X86Width widths[] = { X86_W8, X86_W16, X86_W32, X86_W64 };
static const char *const cc_names[16] = {
    "o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g",
};
static const char *const alu_names[8] = { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp" };

#define R(w, r) reg_names[w][r]

/* Disassembles the buffer: exactly one instruction, of the buffer's length,
 * with this mnemonic and operand text. Empties the buffer. */
static void expect_asm(const char *mnem, const char *fmt, ...)
{
    char ops[160], got[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ops, sizeof(ops), fmt, ap);
    va_end(ap);
    hex(got, sizeof(got), E.buf, E.len);
    cr_assert(!E.overflow && E.len > 0, "%s %s: nothing emitted", mnem, ops);
    cs_insn *in;
    size_t n = cs_disasm(cs, E.buf, E.len, BASE_ADDR, 1, &in);
    cr_assert(n == 1, "%s %s: [%s] does not disassemble", mnem, ops, got);
    bool ok = in->size == E.len && strcmp(in->mnemonic, mnem) == 0 && strcmp(in->op_str, ops) == 0;
    char gm[32], go[160];
    snprintf(gm, sizeof(gm), "%s", in->mnemonic);
    snprintf(go, sizeof(go), "%s", in->op_str);
    unsigned size = in->size;
    cs_free(in, n);
    cr_assert(ok, "want '%s %s' (%zu bytes), got '%s %s' (%u of %zu bytes: %s)", mnem, ops, E.len,
              gm, go, size, E.len, got);
    checks++;
    x86_emit_init(&E, buf, sizeof(buf));
}

/* Capstone 4 prints an immediate signed when it was sign-extended to a wider
 * operand (imm8 forms, and every 64-bit operand), else unsigned at the
 * operand's size; magnitudes above 9 in hex. */
static const char *fmt_num(char *out, bool neg, uint64_t mag)
{
    sprintf(out, mag > 9 ? "%s0x%" PRIx64 : "%s%" PRIu64, neg ? "-" : "", mag);
    return out;
}
static char immbuf[8][40];
static unsigned immslot;
static const char *imm_signed(int64_t v)
{
    char *o = immbuf[immslot++ % 8];
    return fmt_num(o, v < 0, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
}
static const char *imm_unsigned(uint64_t v, X86Width w)
{
    char *o = immbuf[immslot++ % 8];
    if (w < X86_W64)
        v &= (1ull << (8 * w)) - 1;
    return fmt_num(o, false, v);
}
static bool fits8(int64_t v) { return v >= -128 && v <= 127; }
/* The immediate of a group-1 op (83 ib sign-extended or 80/81 full size).
 * Capstone 4 prints AND/OR/XOR immediates unsigned at the operand size. */
static const char *imm_alu_op(int op, int32_t v, X86Width w)
{
    if (op == X86_ALU_AND || op == X86_ALU_OR || op == X86_ALU_XOR)
        return imm_unsigned((uint64_t)(int64_t)v, w);
    if (w == X86_W64 || (w != X86_W8 && fits8(v)))
        return imm_signed(v);
    return imm_unsigned((uint32_t)v, w);
}

static const char *imm_alu(int32_t v, X86Width w)
{
    return imm_alu_op(X86_ALU_ADD, v, w);
}

static const char *const ptr_names[9] = {
    [X86_W8] = "byte ptr ", [X86_W16] = "word ptr ", [X86_W32] = "dword ptr ", [X86_W64] = "qword ptr ",
};

/* "dword ptr [rax + rbx*4 - 0x10]"; w == 0: no size (lea). regw is the width
 * of a register first operand (0: the memory operand comes first): Capstone 4
 * masks a negative absolute [disp32] to that register's size when printing
 * it (in hex), and shows it sign-extended to 64 bits otherwise. */
static const char *fmt_mem2(const X86Mem *m, X86Width w, X86Width regw)
{
    static char out[4][120];
    static unsigned slot;
    char *o = out[slot++ % 4];
    int n = sprintf(o, "%s[", w ? ptr_names[w] : "");
    bool any = false;
    char num[40];
    if (m->rip) {
        n += sprintf(o + n, "rip");
        any = true;
    }
    if (m->base != X86_NOREG) {
        n += sprintf(o + n, "%s", R(X86_W64, m->base));
        any = true;
    }
    if (m->index != X86_NOREG) {
        n += sprintf(o + n, "%s%s", any ? " + " : "", R(X86_W64, m->index));
        if (m->scale != 1)
            n += sprintf(o + n, "*%u", m->scale);
        any = true;
    }
    if (!any) {
        uint64_t v = (uint64_t)(int64_t)m->disp;
        if (m->disp < 0 && regw && regw < X86_W64)
            v &= (1ull << (8 * regw)) - 1;
        if (m->disp < 0)            /* always hex, even when the mask leaves 0 */
            n += sprintf(o + n, "0x%" PRIx64, v);
        else
            n += sprintf(o + n, "%s", fmt_num(num, false, v));
    }
    else if (m->disp > 0)
        n += sprintf(o + n, " + %s", fmt_num(num, false, (uint64_t)m->disp));
    else if (m->disp < 0)
        n += sprintf(o + n, " - %s", fmt_num(num, false, (uint64_t)0 - (uint64_t)(int64_t)m->disp));
    sprintf(o + n, "]");
    return o;
}

static const char *fmt_mem(const X86Mem *m, X86Width w)
{
    return fmt_mem2(m, w, 0);
}

static const int32_t disps[] = { 0, 1, -1, 9, 10, 127, 128, -128, -129, 0x12345678, INT32_MIN, INT32_MAX };
static const int8_t indexes[] = { X86_NOREG, X86_RAX, X86_RCX, X86_RBP, X86_R12, X86_R13, X86_R15 };
static X86Mem mems[6000];
static size_t nmems;

static void build_mems(void)
{
    nmems = 0;
    for (size_t d = 0; d < sizeof(disps) / sizeof(disps[0]); d++) {
        mems[nmems++] = x86_mem_rip(disps[d]);
        for (int b = -1; b < 16; b++) {
            for (size_t i = 0; i < sizeof(indexes) / sizeof(indexes[0]); i++) {
                for (unsigned sc = 1; sc <= 8; sc *= 2) {
                    if (indexes[i] == X86_NOREG && sc > 1)
                        break;
                    cr_assert(nmems < sizeof(mems) / sizeof(mems[0]));
                    mems[nmems++] = x86_mem_idx((X86Reg)b, (X86Reg)indexes[i], sc, disps[d]);
                }
            }
        }
    }
}

static const int32_t imms[] = { 0, 1, 9, 10, -1, -9, -10, 127, 128, -128, -129, 255, 0x7FFF,
                                0x8000, -0x8000, 0xFFFF, 0x12345678, INT32_MIN, INT32_MAX };
#define NIMMS (sizeof(imms) / sizeof(imms[0]))

Test(x86_emit, sweep_moves)
{
    build_mems();
    for (size_t wi = 0; wi < 4; wi++) {
        X86Width w = widths[wi];
        for (int d = 0; d < 16; d++)
            for (int s = 0; s < 16; s++) {
                x86_emit_mov_rr(&E, w, d, s);
                expect_asm("mov", "%s, %s", R(w, d), R(w, s));
                x86_emit_xchg_rr(&E, w, d, s);
                expect_asm("xchg", "%s, %s", R(w, d), R(w, s));
            }
        for (size_t i = 0; i < nmems; i++) {
            const X86Mem *m = &mems[i];
            X86Reg r = (X86Reg)((i * 7 + wi) % 16);
            x86_emit_load(&E, w, r, m);
            expect_asm("mov", "%s, %s", R(w, r), fmt_mem2(m, w, w));
            x86_emit_store(&E, w, m, r);
            expect_asm("mov", "%s, %s", fmt_mem(m, w), R(w, r));
            x86_emit_xchg_mr(&E, w, m, r);
            expect_asm("xchg", "%s, %s", fmt_mem(m, w), R(w, r));
            int32_t imm = imms[i % NIMMS];
            x86_emit_store_imm(&E, w, m, imm);
            expect_asm("mov", "%s, %s", fmt_mem(m, w),
                       w == X86_W64 ? imm_signed(imm) : imm_unsigned((uint32_t)imm, w));
        }
    }
    for (int r = 0; r < 16; r++) {
        for (size_t i = 0; i < NIMMS; i++) {
            int32_t v = imms[i];
            x86_emit_mov_ri32(&E, r, (uint32_t)v);
            expect_asm("mov", "%s, %s", R(X86_W32, r), imm_unsigned((uint32_t)v, X86_W32));
            x86_emit_mov_ri64s(&E, r, v);
            expect_asm("mov", "%s, %s", R(X86_W64, r), imm_signed(v));
            uint64_t big = (uint64_t)(int64_t)v * 0x100000001ull;
            x86_emit_movabs_ri(&E, r, big);
            expect_asm("movabs", "%s, %s", R(X86_W64, r), imm_unsigned(big, X86_W64));
        }
        /* mov_ri picks the shortest form: 5/6, 7 or 10 bytes. */
        x86_emit_mov_ri(&E, r, 0x80000000u);
        cr_assert_eq(E.len, r >= 8 ? 6u : 5u);
        expect_asm("mov", "%s, 0x80000000", R(X86_W32, r));
        x86_emit_mov_ri(&E, r, (uint64_t)-2);
        cr_assert_eq(E.len, 7u);
        expect_asm("mov", "%s, -2", R(X86_W64, r));
        x86_emit_mov_ri(&E, r, 0x7FFFFFFF00000000ull);
        cr_assert_eq(E.len, 10u);
        expect_asm("movabs", "%s, 0x7fffffff00000000", R(X86_W64, r));
        for (int x = 0; x < 16; x++) {
            x86_emit_movd_xr(&E, X86_W32, x, r);
            expect_asm("movd", "xmm%d, %s", x, R(X86_W32, r));
            x86_emit_movd_xr(&E, X86_W64, x, r);
            expect_asm("movq", "xmm%d, %s", x, R(X86_W64, r));
            x86_emit_movd_rx(&E, X86_W32, r, x);
            expect_asm("movd", "%s, xmm%d", R(X86_W32, r), x);
            x86_emit_movd_rx(&E, X86_W64, r, x);
            expect_asm("movq", "%s, xmm%d", R(X86_W64, r), x);
        }
        x86_emit_bswap_r(&E, X86_W32, r);
        expect_asm("bswap", "%s", R(X86_W32, r));
        x86_emit_bswap_r(&E, X86_W64, r);
        expect_asm("bswap", "%s", R(X86_W64, r));
        x86_emit_push_r(&E, r);
        expect_asm("push", "%s", R(X86_W64, r));
        x86_emit_pop_r(&E, r);
        expect_asm("pop", "%s", R(X86_W64, r));
    }
}

Test(x86_emit, sweep_extensions_and_lea)
{
    build_mems();
    static const X86Width dws[] = { X86_W16, X86_W32, X86_W64 };
    for (size_t di = 0; di < 3; di++) {
        X86Width w = dws[di];
        for (X86Width sw = X86_W8; sw <= X86_W16; sw = (X86Width)(sw * 2)) {
            if (sw >= w)
                continue;
            for (int d = 0; d < 16; d++)
                for (int s = 0; s < 16; s++) {
                    x86_emit_movzx_rr(&E, w, sw, d, s);
                    expect_asm("movzx", "%s, %s", R(w, d), R(sw, s));
                    x86_emit_movsx_rr(&E, w, sw, d, s);
                    expect_asm("movsx", "%s, %s", R(w, d), R(sw, s));
                }
            for (size_t i = 0; i < nmems; i++) {
                X86Reg r = (X86Reg)(i % 16);
                x86_emit_movzx_rm(&E, w, sw, r, &mems[i]);
                expect_asm("movzx", "%s, %s", R(w, r), fmt_mem2(&mems[i], sw, w));
                x86_emit_movsx_rm(&E, w, sw, r, &mems[i]);
                expect_asm("movsx", "%s, %s", R(w, r), fmt_mem2(&mems[i], sw, w));
            }
        }
    }
    for (int d = 0; d < 16; d++)
        for (int s = 0; s < 16; s++) {
            x86_emit_movsxd_rr(&E, d, s);
            expect_asm("movsxd", "%s, %s", R(X86_W64, d), R(X86_W32, s));
        }
    for (size_t i = 0; i < nmems; i++) {
        X86Reg r = (X86Reg)((i * 5) % 16);
        x86_emit_movsxd_rm(&E, r, &mems[i]);
        expect_asm("movsxd", "%s, %s", R(X86_W64, r), fmt_mem2(&mems[i], X86_W32, X86_W64));
        x86_emit_lea(&E, X86_W32, r, &mems[i]);
        expect_asm("lea", "%s, %s", R(X86_W32, r), fmt_mem2(&mems[i], 0, X86_W32));
        x86_emit_lea(&E, X86_W64, r, &mems[i]);
        expect_asm("lea", "%s, %s", R(X86_W64, r), fmt_mem2(&mems[i], 0, X86_W64));
    }
}

Test(x86_emit, sweep_alu)
{
    build_mems();
    for (int op = 0; op < 8; op++) {
        for (size_t wi = 0; wi < 4; wi++) {
            X86Width w = widths[wi];
            for (int d = 0; d < 16; d++) {
                for (int s = 0; s < 16; s++) {
                    x86_emit_alu_rr(&E, op, w, d, s);
                    expect_asm(alu_names[op], "%s, %s", R(w, d), R(w, s));
                }
                for (size_t i = 0; i < NIMMS; i++) {
                    x86_emit_alu_ri(&E, op, w, d, imms[i]);
                    expect_asm(alu_names[op], "%s, %s", R(w, d), imm_alu_op(op, imms[i], w));
                }
            }
            for (size_t i = 0; i < nmems; i += 3) {
                const X86Mem *m = &mems[i];
                X86Reg r = (X86Reg)((i + (size_t)op) % 16);
                x86_emit_alu_rm(&E, op, w, r, m);
                expect_asm(alu_names[op], "%s, %s", R(w, r), fmt_mem2(m, w, w));
                x86_emit_alu_mr(&E, op, w, m, r);
                expect_asm(alu_names[op], "%s, %s", fmt_mem(m, w), R(w, r));
                int32_t imm = imms[i % NIMMS];
                x86_emit_alu_mi(&E, op, w, m, imm);
                expect_asm(alu_names[op], "%s, %s", fmt_mem(m, w), imm_alu_op(op, imm, w));
            }
        }
    }
    /* The named wrappers reach the same encoder. */
    x86_emit_sub_rr(&E, X86_W64, X86_R8, X86_RAX);
    expect_asm("sub", "r8, rax");
    x86_emit_cmp_ri(&E, X86_W32, X86_RDI, -5);
    expect_asm("cmp", "edi, -5");
    for (size_t wi = 0; wi < 4; wi++) {
        X86Width w = widths[wi];
        for (int a = 0; a < 16; a++) {
            for (int b = 0; b < 16; b++) {
                x86_emit_test_rr(&E, w, a, b);
                expect_asm("test", "%s, %s", R(w, a), R(w, b));
            }
            for (size_t i = 0; i < NIMMS; i++) {
                x86_emit_test_ri(&E, w, a, imms[i]);
                expect_asm("test", "%s, %s", R(w, a),
                           w == X86_W64 ? imm_signed(imms[i]) : imm_unsigned((uint32_t)imms[i], w));
            }
        }
        for (size_t i = 0; i < nmems; i += 5) {
            X86Reg r = (X86Reg)(i % 16);
            x86_emit_test_mr(&E, w, &mems[i], r);
            expect_asm("test", "%s, %s", fmt_mem(&mems[i], w), R(w, r));
            int32_t imm = imms[i % NIMMS];
            x86_emit_test_mi(&E, w, &mems[i], imm);
            expect_asm("test", "%s, %s", fmt_mem(&mems[i], w),
                       w == X86_W64 ? imm_signed(imm) : imm_unsigned((uint32_t)imm, w));
        }
    }
}

Test(x86_emit, sweep_shift_mul_unary)
{
    static const struct { X86ShiftOp op; const char *name; } shifts[] = {
        { X86_SHIFT_ROL, "rol" }, { X86_SHIFT_ROR, "ror" }, { X86_SHIFT_RCL, "rcl" },
        { X86_SHIFT_RCR, "rcr" }, { X86_SHIFT_SHL, "shl" }, { X86_SHIFT_SHR, "shr" },
        { X86_SHIFT_SAR, "sar" },
    };
    static const char *const unary[8] = { [2] = "not", "neg", "mul", "imul", "div", "idiv" };
    static const uint8_t counts[] = { 0, 1, 2, 9, 10, 31, 63, 255 };
    for (size_t wi = 0; wi < 4; wi++) {
        X86Width w = widths[wi];
        for (int r = 0; r < 16; r++) {
            for (size_t k = 0; k < sizeof(shifts) / sizeof(shifts[0]); k++) {
                x86_emit_shift_cl(&E, shifts[k].op, w, r);
                expect_asm(shifts[k].name, "%s, cl", R(w, r));
                for (size_t c = 0; c < sizeof(counts); c++) {
                    x86_emit_shift_ri(&E, shifts[k].op, w, r, counts[c]);
                    expect_asm(shifts[k].name, "%s, %s", R(w, r), imm_unsigned(counts[c], X86_W8));
                }
            }
            for (int u = 2; u < 8; u++) {
                x86_emit_unary_r(&E, (X86UnaryOp)u, w, r);
                expect_asm(unary[u], "%s", R(w, r));
            }
            if (w == X86_W8)
                continue;
            for (int s = 0; s < 16; s++) {
                x86_emit_imul_rr(&E, w, r, s);
                expect_asm("imul", "%s, %s", R(w, r), R(w, s));
            }
            for (size_t i = 0; i < NIMMS; i++) {
                X86Reg s = (X86Reg)((r + (int)i) % 16);
                x86_emit_imul_rri(&E, w, r, s, imms[i]);
                expect_asm("imul", "%s, %s, %s", R(w, r), R(w, s), imm_alu(imms[i], w));
            }
        }
    }
    x86_emit_shl_cl(&E, X86_W32, X86_R9); expect_asm("shl", "r9d, cl");
    x86_emit_ror_ri(&E, X86_W64, X86_RAX, 8); expect_asm("ror", "rax, 8");
    x86_emit_not_r(&E, X86_W64, X86_R14); expect_asm("not", "r14");
    x86_emit_idiv_r(&E, X86_W32, X86_RCX); expect_asm("idiv", "ecx");
    x86_emit_cdq(&E, X86_W16); expect_asm("cwd", "%s", "");
    x86_emit_cdq(&E, X86_W32); expect_asm("cdq", "%s", "");
    x86_emit_cdq(&E, X86_W64); expect_asm("cqo", "%s", "");
}

Test(x86_emit, sweep_conditions_and_control)
{
    build_mems();
    char mn[16];
    for (int cc = 0; cc < 16; cc++) {
        for (int r = 0; r < 16; r++) {
            x86_emit_setcc_r(&E, cc, r);
            snprintf(mn, sizeof(mn), "set%s", cc_names[cc]);
            expect_asm(mn, "%s", R(X86_W8, r));
            snprintf(mn, sizeof(mn), "cmov%s", cc_names[cc]);
            for (int s = 0; s < 16; s++) {
                x86_emit_cmov_rr(&E, cc, X86_W32, r, s);
                expect_asm(mn, "%s, %s", R(X86_W32, r), R(X86_W32, s));
                x86_emit_cmov_rr(&E, cc, X86_W64, r, s);
                expect_asm(mn, "%s, %s", R(X86_W64, r), R(X86_W64, s));
            }
        }
        for (size_t i = 0; i < nmems; i += 7) {
            X86Reg r = (X86Reg)(i % 16);
            x86_emit_cmov_rm(&E, cc, X86_W64, r, &mems[i]);
            expect_asm(mn, "%s, %s", R(X86_W64, r), fmt_mem2(&mems[i], X86_W64, X86_W64));
        }
        snprintf(mn, sizeof(mn), "j%s", cc_names[cc]);
        static const int32_t rels[] = { 0, 1, -2, 127, -128, 0x1000, -0x1000, 0x12345 };
        for (size_t i = 0; i < sizeof(rels) / sizeof(rels[0]); i++) {
            if (fits8(rels[i])) {
                x86_emit_jcc_rel8(&E, cc, (int8_t)rels[i]);
                expect_asm(mn, "0x%" PRIx64, (uint64_t)(BASE_ADDR + 2 + rels[i]));
                x86_emit_jmp_rel8(&E, (int8_t)rels[i]);
                expect_asm("jmp", "0x%" PRIx64, (uint64_t)(BASE_ADDR + 2 + rels[i]));
            }
            cr_assert_eq(x86_emit_jcc_rel32(&E, cc, rels[i]), 2u);
            expect_asm(mn, "0x%" PRIx64, (uint64_t)(BASE_ADDR + 6 + rels[i]));
            cr_assert_eq(x86_emit_jmp_rel32(&E, rels[i]), 1u);
            expect_asm("jmp", "0x%" PRIx64, (uint64_t)(BASE_ADDR + 5 + rels[i]));
            cr_assert_eq(x86_emit_call_rel32(&E, rels[i]), 1u);
            expect_asm("call", "0x%" PRIx64, (uint64_t)(BASE_ADDR + 5 + rels[i]));
        }
    }
    for (int r = 0; r < 16; r++) {
        x86_emit_jmp_r(&E, r);
        expect_asm("jmp", "%s", R(X86_W64, r));
        x86_emit_call_r(&E, r);
        expect_asm("call", "%s", R(X86_W64, r));
    }
    for (size_t i = 0; i < nmems; i += 3) {
        x86_emit_jmp_m(&E, &mems[i]);
        expect_asm("jmp", "%s", fmt_mem(&mems[i], X86_W64));
        x86_emit_call_m(&E, &mems[i]);
        expect_asm("call", "%s", fmt_mem(&mems[i], X86_W64));
    }
    x86_emit_ret(&E); expect_asm("ret", "%s", "");
    x86_emit_int3(&E); expect_asm("int3", "%s", "");
    x86_emit_ud2(&E); expect_asm("ud2", "%s", "");
}

/* ---- labels, patching, overflow ---- */

/* Disassembles the branch at buffer offset off; returns its target offset. */
static uint64_t branch_target(size_t off)
{
    cs_insn *in;
    size_t n = cs_disasm(cs, E.buf + off, E.len - off, BASE_ADDR + off, 1, &in);
    cr_assert_eq(n, 1u);
    uint64_t t = 0;
    cr_assert_eq(sscanf(in->op_str, "0x%" SCNx64, &t), 1, "op_str %s", in->op_str);
    cs_free(in, n);
    return t - BASE_ADDR;
}

Test(x86_emit, forward_and_backward_branches)
{
    /* Forward: jne over some code, patched when the label is bound. */
    size_t j1 = E.len;
    size_t f1 = x86_emit_jcc_rel32(&E, X86_CC_NE, 0);
    size_t j2 = E.len;
    size_t f2 = x86_emit_jmp_rel32(&E, 0);
    x86_emit_mov_ri(&E, X86_RAX, 1);
    size_t label = E.len;
    cr_assert(x86_emit_patch_rel32(&E, f1, label));
    cr_assert(x86_emit_patch_rel32(&E, f2, label));
    cr_expect_eq(branch_target(j1), label);
    cr_expect_eq(branch_target(j2), label);
    cr_expect_eq(E.buf[f1 - 2], 0x0F);
    cr_expect_eq(E.buf[f2 - 1], 0xE9);
    /* Backward: short when it reaches, else rel32. */
    size_t top = E.len;
    x86_emit_ret(&E);
    size_t b1 = E.len;
    x86_emit_jcc_to(&E, X86_CC_E, top);
    cr_expect_eq(E.len - b1, 2u);
    cr_expect_eq(branch_target(b1), top);
    size_t b2 = E.len;
    x86_emit_jmp_to(&E, top);
    cr_expect_eq(E.len - b2, 2u);
    cr_expect_eq(branch_target(b2), top);
    /* A rel8 forward patch, and its range limit. */
    size_t b3 = E.len;
    x86_emit_jmp_rel8(&E, 0);
    x86_emit_int3(&E);
    cr_assert(x86_emit_patch_rel8(&E, b3 + 1, E.len));
    cr_expect_eq(branch_target(b3), E.len);
    cr_expect_not(x86_emit_patch_rel8(&E, b3 + 1, E.len + 200));
    cr_expect_not(x86_emit_patch_rel32(&E, E.len - 2, 0));          /* field past the end */
    cr_expect_not(x86_emit_patch_rel32(&E, f1, (size_t)1 << 33));   /* out of range */
}

Test(x86_emit, long_backward_branch_uses_rel32)
{
    static uint8_t big[512];
    x86_emit_init(&E, big, sizeof(big));
    for (int i = 0; i < 200; i++)
        x86_emit_int3(&E);
    size_t at = E.len;
    x86_emit_jcc_to(&E, X86_CC_L, 0);
    cr_expect_eq(E.len - at, 6u);
    cr_expect_eq(branch_target(at), 0u);
    at = E.len;
    x86_emit_jmp_to(&E, 0);
    cr_expect_eq(E.len - at, 5u);
    cr_expect_eq(branch_target(at), 0u);
    /* -128 exactly still fits rel8: target = end - 128. */
    at = E.len;
    x86_emit_jmp_to(&E, at + 2 - 128);
    cr_expect_eq(E.len - at, 2u);
    at = E.len;
    x86_emit_jmp_to(&E, at + 2 - 129);
    cr_expect_eq(E.len - at, 5u);
    cr_expect_eq(branch_target(at), at + 2 - 129);
}

Test(x86_emit, chaining_patch_absolute)
{
    static uint8_t code[64];
    x86_emit_init(&E, code, sizeof(code));
    size_t f = x86_emit_jmp_rel32(&E, 0);
    cr_assert(x86_patch_rel32(code + f, code + 40));
    int32_t rel;
    memcpy(&rel, code + f, 4);
    cr_expect_eq(rel, 40 - 5);
    cr_assert(x86_patch_rel32(code + f, code));
    memcpy(&rel, code + f, 4);
    cr_expect_eq(rel, -5);
    /* Farther than 2 GiB is refused and leaves the field alone. */
    cr_expect_not(x86_patch_rel32(code + f, (const uint8_t *)(uintptr_t)((uintptr_t)code + (3ull << 30))));
    memcpy(&rel, code + f, 4);
    cr_expect_eq(rel, -5);
}

Test(x86_emit, call_abs)
{
    void *target = (void *)(uintptr_t)0x123456789ABCull;
    x86_emit_call_abs(&E, X86_R11, target);
    cs_insn *in;
    size_t n = cs_disasm(cs, E.buf, E.len, BASE_ADDR, 0, &in);
    cr_assert_eq(n, 2u);
    cr_expect_str_eq(in[0].mnemonic, "movabs");
    cr_expect_str_eq(in[0].op_str, "r11, 0x123456789abc");
    cr_expect_str_eq(in[1].mnemonic, "call");
    cr_expect_str_eq(in[1].op_str, "r11");
    cr_expect_eq(in[0].size + in[1].size, E.len);
    cs_free(in, n);
}

Test(x86_emit, overflow_drops_whole_instruction)
{
    uint8_t small[8];
    memset(small, 0xAA, sizeof(small));
    X86Emit e;
    x86_emit_init(&e, small, 6);                       /* last 2 bytes are a guard */
    x86_emit_mov_ri32(&e, X86_RAX, 0x11223344);        /* 5 bytes: fits */
    cr_assert_not(e.overflow);
    cr_assert_eq(e.len, 5u);
    x86_emit_movabs_ri(&e, X86_RCX, 1);                /* 10 bytes: does not */
    cr_expect(e.overflow);
    cr_expect_eq(e.len, 5u);
    x86_emit_ret(&e);                                  /* would fit, but overflow is sticky */
    cr_expect_eq(e.len, 5u);
    cr_expect_eq(small[6], 0xAA);                      /* nothing written past cap */
    cr_expect_eq(small[7], 0xAA);
    x86_emit_bytes(&e, "\x90", 1);
    cr_expect_eq(e.len, 5u);

    /* Exactly full is not an overflow. */
    x86_emit_init(&e, small, 2);
    x86_emit_add_rr(&e, X86_W32, X86_RAX, X86_RCX);
    cr_expect_not(e.overflow);
    cr_expect_eq(e.len, 2u);
    x86_emit_ret(&e);
    cr_expect(e.overflow);
    cr_expect_eq(e.len, 2u);

    /* A zero-capacity buffer. */
    x86_emit_init(&e, small, 0);
    x86_emit_bytes(&e, "\x90", 1);
    cr_expect(e.overflow);
    cr_expect_eq(e.len, 0u);
}
