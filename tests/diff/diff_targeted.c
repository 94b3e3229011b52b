/* The targeted cases (diff_targeted.h) and their known answers, written as
 * text: code is hex bytes with '|' between instructions; `init` and `expect`
 * are "key=hex" lists over the defaults (EAX..EBX 0, ESP = DIFF_STACK_TOP,
 * ESI/EDI/EBP = data + 1000/2000/3000, EFLAGS = 202): keys are register
 * names, flag names (cf pf af zf sf df of, value 0/1), m8@/m16@/m32@OFF for
 * data-area bytes at offset OFF, and in `expect` vec (exception vector, none
 * when absent) and at (its code offset). `undef` names the status flags the
 * SDM leaves undefined at the end; they are neither checked nor compared.
 * Every answer was worked out from the SDM Vol. 2 instruction pages. */
#include "diff_targeted.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct DiffTargeted {
    const char *name;
    const char *code;
    const char *init;
    const char *undef;
    const char *expect;
} DiffTargeted;

static const DiffTargeted targeted_cases[] = {
    /* ADD/SUB/ADC/SBB/INC/DEC/NEG: every status flag defined (Vol. 2A ADD...). */
    {"add eax,ebx signed overflow", "01 d8", "eax=7fffffff ebx=1", "",
     "eax=80000000 of=1 sf=1 zf=0 af=1 pf=1 cf=0"},
    {"sub eax,ebx borrow", "29 d8", "eax=0 ebx=1", "", "eax=ffffffff cf=1 sf=1 zf=0 af=1 pf=1 of=0"},
    {"sub ax,bx AF and PF", "66 29 d8", "eax=12340010 ebx=1", "",
     "eax=1234000f af=1 pf=1 cf=0 zf=0 sf=0 of=0"},
    {"adc eax,ebx carry in", "11 d8", "eax=ffffffff ebx=0 cf=1", "",
     "eax=0 cf=1 zf=1 af=1 pf=1 sf=0 of=0"},
    {"adc al,bl carry in overflows", "10 d8", "eax=7f ebx=0 cf=1", "",
     "eax=80 of=1 sf=1 af=1 pf=0 cf=0 zf=0"},
    {"sbb eax,ebx borrow in", "19 d8", "eax=0 ebx=0 cf=1", "", "eax=ffffffff cf=1 zf=0 sf=1 af=1 pf=1 of=0"},
    {"inc eax keeps CF", "40", "eax=ffffffff cf=1", "", "eax=0 zf=1 cf=1 af=1 pf=1 of=0 sf=0"},
    {"dec eax overflow", "48", "eax=80000000", "", "eax=7fffffff of=1 sf=0 zf=0 af=1 pf=1 cf=0"},
    {"neg 0 clears CF", "f7 d8", "eax=0 cf=1", "", "eax=0 cf=0 zf=1 of=0 sf=0 af=0 pf=1"},
    {"neg 80000000", "f7 d8", "eax=80000000", "", "eax=80000000 of=1 cf=1 sf=1 zf=0 pf=1 af=0"},
    /* Logic: OF=CF=0, AF undefined. */
    {"and clears OF CF", "21 d8", "eax=ff00ff00 ebx=0f0f0f0f of=1 cf=1", "af",
     "eax=0f000f00 of=0 cf=0 sf=0 zf=0 pf=1"},
    {"xor eax,eax", "31 c0", "eax=12345678 cf=1", "af", "eax=0 zf=1 pf=1 sf=0 cf=0 of=0"},
    {"test eax,eax sign", "85 c0", "eax=80000000", "af", "sf=1 zf=0 pf=1 cf=0 of=0"},
    /* MUL/IMUL: CF/OF defined, SF ZF AF PF undefined. */
    {"mul ebx", "f7 e3", "eax=10000 ebx=10000", "sf zf af pf", "edx=1 eax=0 cf=1 of=1"},
    {"mul bl", "f6 e3", "eax=10 ebx=10", "sf zf af pf", "eax=100 cf=1 of=1"},
    {"imul ebx negative", "f7 eb", "eax=fffffffe ebx=3", "sf zf af pf",
     "edx=ffffffff eax=fffffffa cf=0 of=0"},
    {"imul eax,ebx,2 overflow", "6b c3 02", "ebx=40000000", "sf zf af pf", "eax=80000000 cf=1 of=1"},
    /* DIV/IDIV: #DE leaves the state as it was; a division leaves flags undefined. */
    {"div by zero", "f7 f3", "eax=5 ebx=0", "", "vec=0 at=0 eax=5 edx=0"},
    {"div quotient overflow", "f7 f3", "edx=1 eax=0 ebx=1", "", "vec=0 at=0 edx=1"},
    {"idiv 80000000/-1", "f7 fb", "edx=ffffffff eax=80000000 ebx=ffffffff", "", "vec=0 at=0"},
    {"idiv bl -128/-1", "f6 fb", "eax=ff80 ebx=ff", "", "vec=0 at=0 eax=ff80"},
    {"idiv -7/2", "f7 fb", "edx=ffffffff eax=fffffff9 ebx=2", "cf pf af zf sf of",
     "eax=fffffffd edx=ffffffff"},
    {"div bx keeps upper halves", "66 f7 f3", "eax=ffff0064 edx=abcd0000 ebx=7", "cf pf af zf sf of",
     "eax=ffff000e edx=abcd0002"},
    {"div bl", "f6 f3", "eax=100 ebx=2", "cf pf af zf sf of", "eax=80"},
    /* Shifts and rotates (Vol. 2B SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR). */
    {"shl eax,0 keeps every flag", "c1 e0 00", "eax=1 cf=1 zf=1 of=1 sf=1 pf=1 af=1", "",
     "eax=1 cf=1 zf=1 of=1 sf=1 pf=1 af=1"},
    {"shl eax,cl count 32 masked to 0", "d3 e0", "eax=1 ecx=20 cf=1 zf=1", "", "eax=1 cf=1 zf=1"},
    {"shr eax,1 OF is the old MSB", "d1 e8", "eax=80000001", "af", "eax=40000000 cf=1 of=1 sf=0 zf=0 pf=1"},
    {"sar al,9 fills with the sign", "c0 f8 09", "eax=80", "of af", "eax=ff cf=1 sf=1 zf=0 pf=1"},
    {"shl al,8 clears it", "c0 e0 08", "eax=81", "cf of af", "eax=0 zf=1 sf=0 pf=1"},
    {"rcl al,9 rotates by 0", "c0 d0 09", "eax=81 cf=1", "of", "eax=81 cf=1"},
    {"rol al,8 sets CF from bit 0", "c0 c0 08", "eax=81 cf=0", "of", "eax=81 cf=1"},
    {"rcr eax,1", "d1 d8", "eax=1 cf=1", "", "eax=80000000 cf=1 of=1"},
    {"shld eax,ebx,4", "0f a4 d8 04", "eax=12345678 ebx=9abcdef0", "of af", "eax=23456789 cf=1 sf=0 zf=0 pf=0"},
    {"shrd ax,bx,16", "66 0f ac d8 10", "eax=1234 ebx=abcd", "of af", "eax=abcd cf=0 sf=1 zf=0 pf=0"},
    /* Bit tests: memory bit offsets reach outside the operand (Vol. 2A BT). */
    {"bt [esi],eax offset -9", "0f a3 06", "eax=fffffff7 m8@ffe=80", "of sf af pf", "cf=1"},
    {"bts [esi],eax offset 8003h", "0f ab 06", "eax=8003 m8@2000=0", "of sf af pf", "cf=0 m8@2000=8"},
    {"btc ax,17 modulo 16", "66 0f ba f8 11", "eax=ffff0000", "of sf af pf", "eax=ffff0002 cf=0"},
    {"bsf of 0 sets ZF, keeps the destination", "0f bc c3", "eax=12345678 ebx=0", "cf of sf af pf",
     "eax=12345678 zf=1"},
    {"bsr", "0f bd c3", "ebx=10000", "cf of sf af pf", "eax=10 zf=0"},
    /* Exchanges. */
    {"cmpxchg equal", "0f b1 0e", "eax=5 ecx=9 m32@1000=5", "", "eax=5 zf=1 m32@1000=9"},
    {"cmpxchg not equal", "0f b1 0e", "eax=5 ecx=9 m32@1000=7", "", "eax=7 zf=0 cf=1 sf=1 m32@1000=7"},
    {"lock cmpxchg8b equal", "f0 0f c7 0e", "edx=1 eax=2 ecx=3 ebx=4 m32@1000=2 m32@1004=1", "",
     "zf=1 m32@1000=4 m32@1004=3 edx=1 eax=2"},
    {"xadd eax,ebx", "0f c1 d8", "eax=1 ebx=2", "", "eax=3 ebx=1"},
    {"xchg [esi],eax", "87 06", "eax=1 m32@1000=2", "", "eax=2 m32@1000=1"},
    /* BCD (Vol. 2A AAA, AAD, AAM, DAA). */
    {"daa after 79h+35h", "27", "eax=ae", "of", "eax=14 cf=1 af=1 sf=0 zf=0 pf=1"},
    {"aam 0 raises #DE", "d4 00", "eax=3f", "", "vec=0 at=0 eax=3f"},
    {"aam 10", "d4 0a", "eax=3f", "of af cf", "eax=603 sf=0 zf=0 pf=1"},
    {"aad 10", "d5 0a", "eax=603", "of af cf", "eax=3f sf=0 zf=0 pf=1"},
    {"aaa adjusts", "37", "eax=b", "of sf zf pf", "eax=101 af=1 cf=1"},
    /* Conversions, moves. */
    {"cbw cwde cdq", "66 98|98|99", "eax=80", "", "eax=ffffff80 edx=ffffffff"},
    {"movzx eax,bl; movsx ecx,bx", "0f b6 c3|0f bf cb", "ebx=8081", "", "eax=81 ecx=ffff8081"},
    {"bswap eax", "0f c8", "eax=12345678", "", "eax=78563412"},
    {"lea eax,[ebx+ecx*4+8]", "8d 44 8b 08", "ebx=100 ecx=3", "", "eax=114"},
    {"lea eax,[bx+si+5] wraps at 64K", "67 8d 40 05", "ebx=ffff", "", "eax=1004"},
    {"xlat", "d7", "ebx=301000 eax=5 m8@1005=77", "", "eax=77"},
    /* Flags to and from registers and the stack. */
    {"lahf; xor ah,1; sahf", "9f|80 f4 01|9e", "zf=1", "", "eax=4300 cf=1 zf=1 sf=0 af=0 pf=0 of=0"},
    {"popf ignores reserved bits", "68 2a 8a 00 00|9d|9c|58", "", "", "eax=a02 of=1 cf=0 zf=0 esp=30f000"},
    {"cmc", "f5", "cf=1", "", "cf=0"},
    {"cmp; setl; cmovl", "39 d8|0f 9c c1|0f 4c d3", "eax=1 ebx=2 ecx=ffffff00", "", "ecx=ffffff01 edx=2"},
    /* Stack. */
    {"enter 8,1; leave", "c8 08 00 01|c9", "", "", "ebp=303000 esp=30f000 m32@effc=303000 m32@eff8=30effc"},
    {"push esp pushes the old value", "54|58", "", "", "eax=30f000 esp=30f000"},
    {"pop [esp] addresses after the pop", "6a 07|8f 04 24", "", "", "esp=30f000 m32@f000=7"},
    {"call; jmp; ret 4", "e8 02 00 00 00|eb 03|c2 04 00", "", "", "esp=30f004 m32@effc=200005"},
    {"pusha; popa", "60|61", "eax=1 ecx=2 edx=3 ebx=4", "", "eax=1 ecx=2 edx=3 ebx=4 esp=30f000 m32@effc=1"},
    /* Loops and jumps. */
    {"loop not taken at ecx=1", "e2 01|40|43", "ecx=1", "", "eax=1 ebx=1 ecx=0"},
    {"loop taken at ecx=2", "e2 01|40|43", "ecx=2", "", "eax=0 ebx=1 ecx=1"},
    {"jecxz taken", "e3 01|40", "ecx=0", "", "eax=0"},
    /* Strings (Vol. 2B MOVS, STOS, CMPS). */
    {"rep movsb", "f3 a4", "ecx=3 m32@1000=44332211 m32@2000=0", "",
     "ecx=0 esi=301003 edi=302003 m32@2000=332211"},
    {"std; rep stosd", "fd|f3 ab", "ecx=2 eax=aabbccdd", "",
     "ecx=0 edi=301ff8 df=1 m32@2000=aabbccdd m32@1ffc=aabbccdd"},
    {"repe cmpsb stops at the difference", "f3 a6", "ecx=4 m32@1000=64636261 m32@2000=64786261", "",
     "ecx=1 esi=301003 edi=302003 zf=0 cf=1 sf=1"},
    /* Exceptions: the state is the one before the instruction (a fault) or
     * after it (the traps #BP and #OF), and `at` is the instruction. */
    {"lock add eax,ebx is #UD", "f0 01 d8", "eax=1", "", "vec=6 at=0 eax=1"},
    {"ud2", "90|0f 0b", "", "", "vec=6 at=1"},
    {"int3", "90|cc", "", "", "vec=3 at=1"},
    {"into with OF=1", "ce", "of=1", "", "vec=4 at=0"},
    {"into with OF=0", "ce|40", "", "", "eax=1"},
    {"bound out of range", "62 06", "eax=11 m32@1000=0 m32@1004=10", "", "vec=5 at=0"},
    {"bound in range", "62 06|40", "eax=10 m32@1000=0 m32@1004=10", "", "eax=11"},
    /* Not here: BOUND with a register operand (#UD on a P6) is an EVEX
     * prefix on AVX-512 hosts, so the host cannot answer for it. */
};

unsigned diff_targeted_count(void)
{
    return sizeof(targeted_cases) / sizeof(targeted_cases[0]);
}

/* A malformed table entry is a bug in this file: stop loudly. */
static void targeted_die(const DiffTargeted *t, const char *what, const char *at)
{
    fprintf(stderr, "jitpc-diff: targeted case \"%s\": %s near \"%s\"\n", t->name, what, at);
    abort();
}

static const char *const targeted_reg_names[DIFF_NREGS] = {"eax", "ecx", "edx", "ebx",
                                                           "esp", "ebp", "esi", "edi"};
static const struct {
    const char *name;
    uint32_t bit;
} targeted_flag_names[] = {
    {"cf", DIFF_CF}, {"pf", DIFF_PF}, {"af", DIFF_AF}, {"zf", DIFF_ZF},
    {"sf", DIFF_SF}, {"df", DIFF_DF}, {"of", DIFF_OF},
};

/* One "key=value" item of an init or expect list. */
typedef struct TargetedItem {
    enum { ITEM_REG, ITEM_FLAG, ITEM_MEM, ITEM_VEC, ITEM_AT } kind;
    unsigned index;  /* register number, flag bit, or data offset */
    unsigned size;   /* memory access size */
    uint32_t value;
} TargetedItem;

/* Parses the next item of `*s`; false at the end of the list. */
static bool targeted_next_item(const DiffTargeted *t, const char **s, TargetedItem *it)
{
    const char *p = *s;
    while (*p == ' ')
        p++;
    if (!*p)
        return false;
    const char *eq = strchr(p, '=');
    if (!eq)
        targeted_die(t, "missing '='", p);
    size_t klen = (size_t)(eq - p);
    char *end;
    uint32_t value = (uint32_t)strtoul(eq + 1, &end, 16);
    if (end == eq + 1)
        targeted_die(t, "bad value", p);
    *s = end;
    it->value = value;
    for (unsigned r = 0; r < DIFF_NREGS; r++) {
        if (klen == 3 && !strncmp(p, targeted_reg_names[r], 3)) {
            it->kind = ITEM_REG;
            it->index = r;
            return true;
        }
    }
    for (size_t f = 0; f < sizeof(targeted_flag_names) / sizeof(targeted_flag_names[0]); f++) {
        if (klen == 2 && !strncmp(p, targeted_flag_names[f].name, 2)) {
            it->kind = ITEM_FLAG;
            it->index = targeted_flag_names[f].bit;
            return true;
        }
    }
    if (klen == 3 && !strncmp(p, "vec", 3)) {
        it->kind = ITEM_VEC;
        return true;
    }
    if (klen == 2 && !strncmp(p, "at", 2)) {
        it->kind = ITEM_AT;
        return true;
    }
    if (p[0] == 'm') {
        unsigned bits = (unsigned)strtoul(p + 1, &end, 10);
        if ((bits == 8 || bits == 16 || bits == 32) && *end == '@') {
            unsigned off = (unsigned)strtoul(end + 1, &end, 16);
            if (end == eq && off + bits / 8 <= DIFF_DATA_SIZE) {
                it->kind = ITEM_MEM;
                it->size = bits / 8;
                it->index = off;
                return true;
            }
        }
    }
    targeted_die(t, "unknown key", p);
    return false;
}

static uint32_t targeted_parse_flags(const DiffTargeted *t, const char *s)
{
    uint32_t mask = 0;
    while (*s) {
        while (*s == ' ')
            s++;
        if (!*s)
            break;
        size_t f;
        for (f = 0; f < sizeof(targeted_flag_names) / sizeof(targeted_flag_names[0]); f++)
            if (!strncmp(s, targeted_flag_names[f].name, 2))
                break;
        if (f == sizeof(targeted_flag_names) / sizeof(targeted_flag_names[0]))
            targeted_die(t, "unknown flag", s);
        mask |= targeted_flag_names[f].bit;
        s += 2;
    }
    return mask;
}

static void targeted_parse_code(const DiffTargeted *t, DiffCase *c)
{
    c->code_len = 0;
    c->insn_count = 1;
    c->insn_offset[0] = 0;
    for (const char *p = t->code; *p;) {
        if (*p == ' ') {
            p++;
        } else if (*p == '|') {
            c->insn_offset[c->insn_count++] = (uint16_t)c->code_len;
            p++;
        } else {
            char hex[3] = {p[0], p[1], 0};
            char *end;
            unsigned long b = strtoul(hex, &end, 16);
            if (end != hex + 2 || c->code_len >= DIFF_CODE_MAX)
                targeted_die(t, "bad code byte", p);
            c->code[c->code_len++] = (uint8_t)b;
            p += 2;
        }
    }
}

void diff_targeted_build(uint64_t seed, uint32_t index, DiffCase *c)
{
    const DiffTargeted *t = &targeted_cases[index];
    memset(c, 0, offsetof(DiffCase, init));
    c->seed = seed;
    c->index = index;
    c->name = t->name;
    targeted_parse_code(t, c);

    DiffState *s = &c->init;
    static const uint32_t defaults[DIFF_NREGS] = {
        0, 0, 0, 0, DIFF_STACK_TOP, DIFF_DATA_BASE + 0x3000, DIFF_DATA_BASE + 0x1000, DIFF_DATA_BASE + 0x2000,
    };
    memcpy(s->regs, defaults, sizeof(defaults));
    s->eflags = DIFF_FLAGS_FIXED;
    s->exception = DIFF_EXC_NONE;
    s->fault_offset = 0;
    /* The data outside the patched bytes does not matter to the answers;
     * it is still random so that a wrong address shows. */
    c->data_seed = 0x7a26e7ed00000000ull + index;
    c->data_patched = true;
    diff_data_fill(s->data, c->data_seed);

    const char *p = t->init;
    TargetedItem it;
    while (targeted_next_item(t, &p, &it)) {
        switch (it.kind) {
        case ITEM_REG:
            s->regs[it.index] = it.value;
            break;
        case ITEM_FLAG:
            s->eflags = it.value ? s->eflags | it.index : s->eflags & ~it.index;
            break;
        case ITEM_MEM:
            memcpy(s->data + it.index, &it.value, it.size);
            break;
        default:
            targeted_die(t, "not an initial-state key", p);
        }
    }
    c->flags_mask = DIFF_FLAGS_COMPARED & ~targeted_parse_flags(t, t->undef);
    for (uint32_t i = 0; i < c->insn_count; i++)
        c->insn_flags_mask[i] = c->flags_mask;
}

bool diff_targeted_check(uint32_t index, const DiffState *s, char *why, size_t len)
{
    const DiffTargeted *t = &targeted_cases[index];
    const char *p = t->expect;
    TargetedItem it;
    int32_t vec = DIFF_EXC_NONE;
    while (targeted_next_item(t, &p, &it)) {
        uint32_t got = 0;
        const char *what = "";
        switch (it.kind) {
        case ITEM_REG:
            got = s->regs[it.index];
            what = targeted_reg_names[it.index];
            break;
        case ITEM_FLAG:
            got = (s->eflags & it.index) != 0;
            what = "flag";
            break;
        case ITEM_MEM:
            memcpy(&got, s->data + it.index, it.size);
            what = "memory";
            break;
        case ITEM_VEC:
            vec = (int32_t)it.value;
            continue;
        case ITEM_AT:
            got = s->fault_offset;
            what = "fault offset";
            break;
        }
        if (got != it.value) {
            const char *key = p;
            while (key > t->expect && key[-1] != ' ')
                key--;
            snprintf(why, len, "%s %.*s expected, got %x", what, (int)(p - key), key, got);
            return false;
        }
    }
    if (s->exception != vec) {
        char a[16], b[16];
        snprintf(why, len, "exception %s expected, got %s", diff_exception_name(vec, a, sizeof(a)),
                 diff_exception_name(s->exception, b, sizeof(b)));
        return false;
    }
    return true;
}
