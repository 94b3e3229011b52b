/* Program generator of the lockstep test (layout and plan in lockstep.h).
 * The snippet is a random diff_gen case; everything around it is
 * hand-encoded here: system tables, handler stubs, the driver loop and its
 * pieces. Pieces keep EBP, ESI, EDI and ESP (the snippet's pointers) and DF
 * as they found them, so the snippet's memory accesses stay in its data area;
 * the state they leave in EAX..EBX and the status flags is any. */
#include "lockstep.h"

#include <inttypes.h>
#include <string.h>

#include "diff_gen.h"

void ls_rng_seed(LsRng *r, uint64_t seed, uint32_t index, uint32_t stream)
{
    r->s = seed * 0x9E3779B97F4A7C15ull ^ ((uint64_t)index << 20) ^ ((uint64_t)stream << 56) ^ 0x6C6F636Bull;
    ls_rng_next(r);
}

uint64_t ls_rng_next(LsRng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

uint32_t ls_rng_below(LsRng *r, uint32_t n)
{
    return n ? (uint32_t)(ls_rng_next(r) % n) : 0;
}

static bool ls_chance(LsRng *r, unsigned percent)
{
    return ls_rng_below(r, 100) < percent;
}

/* ---- a tiny assembler into the code image ---- */

typedef struct LsAsm {
    uint8_t *img;       /* the image the code goes in */
    uint32_t img_base;  /* guest address of img[0] */
    uint32_t at;        /* guest address of the next byte */
} LsAsm;

#define EMIT(a, ...) ls_emit(a, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

static void ls_emit(LsAsm *a, const uint8_t *b, size_t n)
{
    memcpy(a->img + (a->at - a->img_base), b, n);
    a->at += (uint32_t)n;
}

static void ls_u32(LsAsm *a, uint32_t v)
{
    EMIT(a, (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24));
}

static void ls_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* A rel32 field at the current address, to be patched: returns its address. */
static uint32_t ls_rel32_hole(LsAsm *a)
{
    uint32_t at = a->at;
    ls_u32(a, 0);
    return at;
}

static void ls_patch_rel32(LsAsm *a, uint32_t field, uint32_t target)
{
    ls_put32(a->img + (field - a->img_base), target - (field + 4));
}

static void ls_jmp(LsAsm *a, uint32_t target)
{
    EMIT(a, 0xE9);
    ls_patch_rel32(a, ls_rel32_hole(a), target);
}

/* mov dword [abs], imm32 */
static void ls_mov_mem_imm(LsAsm *a, uint32_t addr, uint32_t v)
{
    EMIT(a, 0xC7, 0x05);
    ls_u32(a, addr);
    ls_u32(a, v);
}

/* mov dword [LS_RESUME], <hole>: returns the hole (an absolute address). */
static uint32_t ls_set_resume(LsAsm *a)
{
    EMIT(a, 0xC7, 0x05);
    ls_u32(a, LS_RESUME);
    return ls_rel32_hole(a);
}

static void ls_patch_abs(LsAsm *a, uint32_t field, uint32_t value)
{
    ls_put32(a->img + (field - a->img_base), value);
}

/* ---- system tables and handlers ---- */

static bool ls_vector_has_error(unsigned v)
{
    return v == 8 || (v >= 10 && v <= 14) || v == 17;
}

/* Traps and interrupts resume where they were taken; faults return to the
 * address in LS_RESUME (after the piece's faulting instruction, or the end
 * of the snippet). */
static bool ls_vector_resumes(unsigned v)
{
    return v == 1 || v == 2 || v == 3 || v == 4 || v >= 0x20;
}

static void ls_build_low(LsProgram *p)
{
    uint8_t *low = p->low;
    static const uint8_t gdt[] = {0, 0, 0, 0, 0, 0, 0, 0,
                                  0xFF, 0xFF, 0, 0, 0, 0x9B, 0xCF, 0,
                                  0xFF, 0xFF, 0, 0, 0, 0x93, 0xCF, 0};
    memcpy(low + LS_GDT, gdt, sizeof(gdt));
    low[LS_GDTR] = sizeof(gdt) - 1;
    ls_put32(low + LS_GDTR + 2, LS_GDT);
    low[LS_IDTR] = (uint8_t)(LS_IDT_VECTORS * 8 - 1);
    low[LS_IDTR + 1] = (uint8_t)((LS_IDT_VECTORS * 8 - 1) >> 8);
    ls_put32(low + LS_IDTR + 2, LS_IDT);
    for (unsigned v = 0; v < LS_IDT_VECTORS; v++) {
        uint32_t stub = LS_STUBS + v * LS_STUB_SIZE;
        ls_put32(low + LS_IDT + v * 8, (stub & 0xFFFF) | (0x08u << 16));
        ls_put32(low + LS_IDT + v * 8 + 4, (stub & 0xFFFF0000u) | 0x8E00u); /* 32-bit interrupt gate, DPL 0 */
        LsAsm a = {low, 0, stub};
        if (!ls_vector_resumes(v) && !ls_vector_has_error(v))
            EMIT(&a, 0x6A, 0x00);                               /* push 0: a uniform frame */
        EMIT(&a, 0xFF, 0x05);                                   /* inc dword [counter] */
        ls_u32(&a, LS_COUNTERS + v * 4);
        ls_mov_mem_imm(&a, LS_LAST_VECTOR, v);
        if (ls_vector_resumes(v)) {
            EMIT(&a, 0xCF);                                     /* iret */
            continue;
        }
        EMIT(&a, 0x8F, 0x05);                                   /* pop dword [LS_LAST_ERROR] */
        ls_u32(&a, LS_LAST_ERROR);
        EMIT(&a, 0x50, 0xA1);                                   /* push eax; mov eax, [LS_RESUME] */
        ls_u32(&a, LS_RESUME);
        EMIT(&a, 0x89, 0x44, 0x24, 0x04, 0x58, 0xCF);           /* mov [esp+4], eax; pop eax; iret */
    }
}

/* Identity map of the three RAM pieces; data pages may be missing or
 * read-only (CR0.WP is set with paging). */
static void ls_build_paging(LsProgram *p, LsRng *r, uint32_t esp)
{
    ls_put32(p->low + LS_PD, LS_PT | 0x3);
    for (uint32_t i = 0; i < 1024; i++) {
        uint32_t addr = i << 12;
        bool mapped = addr < LS_LOW_SIZE || (addr >= LS_CODE_BASE && addr < LS_CODE_BASE + LS_CODE_SIZE) ||
                      (addr >= LS_DATA_BASE && addr < LS_DATA_BASE + LS_DATA_SIZE);
        ls_put32(p->low + LS_PT + i * 4, mapped ? addr | 0x3 : 0);
    }
    /* Never the stack's pages: a fault there could not be delivered. */
    for (int k = 0; k < 2; k++) {
        uint32_t page = LS_DATA_BASE + ls_rng_below(r, 16) * 0x1000;
        if (page + 0x1000 > esp - 0x2000 && page < esp + 0x1000)
            continue;
        uint8_t *pte = p->low + LS_PT + (page >> 12) * 4;
        pte[0] = (uint8_t)(k == 0 ? 0x0 : 0x1);    /* missing, or present read-only */
    }
}

/* ---- pieces ---- */

/* One-byte instructions that touch only EAX..EBX and the status flags: the
 * values self-modifying code switches between. */
static const uint8_t ls_one_byte[] = {0x40, 0x41, 0x42, 0x43, 0x48, 0x49, 0x4A, 0x4B, 0x90,
                                      0xF5, 0xF8, 0xF9, 0x91, 0x92, 0x93, 0x98, 0x99, 0x9F};

static uint8_t ls_pick_one_byte(LsRng *r)
{
    return ls_one_byte[ls_rng_below(r, sizeof(ls_one_byte))];
}

static uint8_t ls_pick_one_byte_keep_ecx(LsRng *r)
{
    uint8_t op;
    do
        op = ls_pick_one_byte(r);
    while (op == 0x41 || op == 0x49 || op == 0x91);
    return op;
}

/* A few instructions on EAX..EBX; with keep_ecx, ECX (a loop count) is only read. */
static void ls_filler(LsAsm *a, LsRng *r, unsigned n, bool keep_ecx)
{
    for (unsigned i = 0; i < n; i++) {
        switch (ls_rng_below(r, 4)) {
        case 0:
            EMIT(a, 0x01, 0xD8);                /* add eax, ebx */
            break;
        case 1:
            EMIT(a, 0xC1, 0xC2, (uint8_t)(1 + ls_rng_below(r, 31))); /* rol edx, n */
            break;
        case 2:
            EMIT(a, 0x31, 0xCB);                /* xor ebx, ecx */
            break;
        default:
            EMIT(a, keep_ecx ? ls_pick_one_byte_keep_ecx(r) : ls_pick_one_byte(r));
            break;
        }
    }
}

/* Stores into upcoming code of the same block: a one-byte instruction
 * toggled between two forms, or an immediate overwritten with a register. */
static void ls_piece_smc_near(LsAsm *a, LsRng *r)
{
    if (ls_chance(r, 50)) {
        uint8_t x = ls_pick_one_byte(r), y = ls_pick_one_byte(r);
        EMIT(a, 0x80, 0x35);                    /* xor byte [L], x ^ y */
        uint32_t field = ls_rel32_hole(a);
        EMIT(a, (uint8_t)(x ^ y));
        ls_filler(a, r, ls_rng_below(r, 3), false);
        ls_patch_abs(a, field, a->at);
        EMIT(a, x);
    } else {
        static const uint8_t stores[][2] = {{0x89, 0x05}, {0x01, 0x0D}, {0x29, 0x1D}, {0x87, 0x15}};
        unsigned s = ls_rng_below(r, 4);        /* mov / add / sub / xchg [L+1], reg */
        EMIT(a, stores[s][0], stores[s][1]);
        uint32_t field = ls_rel32_hole(a);
        ls_filler(a, r, ls_rng_below(r, 3), false);
        ls_patch_abs(a, field, a->at + 1);
        EMIT(a, (uint8_t)(0xB8 + ls_rng_below(r, 4)));   /* mov r32, imm32 */
        ls_u32(a, (uint32_t)ls_rng_next(r));
    }
}

/* Far blocks: "op; mov edx, imm32; add ecx, edx; ret", called by the driver
 * and patched before or after the call (a block translated in an earlier
 * iteration must be dropped). */
static void ls_piece_smc_far(LsProgram *p, LsAsm *a, LsRng *r)
{
    uint32_t blk = LS_FAR + ls_rng_below(r, LS_FAR_COUNT) * LS_FAR_SIZE;
    uint8_t *b = p->code + (blk - LS_CODE_BASE);
    if (b[0] == 0) {
        LsAsm f = {p->code, LS_CODE_BASE, blk};
        EMIT(&f, ls_pick_one_byte(r), 0xBA);
        ls_u32(&f, (uint32_t)ls_rng_next(r));
        EMIT(&f, 0x01, 0xD1, 0xC3);
        p->far_used++;
    }
    bool call_first = ls_chance(r, 40);
    if (call_first) {
        EMIT(a, 0xE8);
        ls_patch_rel32(a, ls_rel32_hole(a), blk);
    }
    if (ls_chance(r, 50)) {
        EMIT(a, 0x80, 0x35);                    /* xor byte [blk], x ^ y */
        ls_u32(a, blk);
        EMIT(a, (uint8_t)(b[0] ^ ls_pick_one_byte(r)));
    } else {
        EMIT(a, 0x89, 0x1D);                    /* mov [blk+2], ebx */
        ls_u32(a, blk + 2);
    }
    if (!call_first || ls_chance(r, 50)) {
        EMIT(a, 0xE8);
        ls_patch_rel32(a, ls_rel32_hole(a), blk);
    }
}

/* REP STOSB over upcoming code: three INC EAX or INC ECX, by EBX's bit 0. */
static void ls_piece_smc_string(LsAsm *a)
{
    EMIT(a, 0x9C, 0x57, 0x51, 0x50, 0xFC);      /* pushf; push edi; push ecx; push eax; cld */
    EMIT(a, 0xBF);                              /* mov edi, L */
    uint32_t field = ls_rel32_hole(a);
    EMIT(a, 0xB9, 3, 0, 0, 0);                  /* mov ecx, 3 */
    EMIT(a, 0x89, 0xD8, 0x24, 0x01, 0x0C, 0x40); /* mov eax, ebx; and al, 1; or al, 40h */
    EMIT(a, 0xF3, 0xAA);                        /* rep stosb */
    EMIT(a, 0x58, 0x59, 0x5F, 0x9D);            /* pop eax; pop ecx; pop edi; popf */
    ls_patch_abs(a, field, a->at);
    EMIT(a, 0x90, 0x90, 0x90);
}

/* An instruction that may fault; the handler returns after it. */
static void ls_piece_fault(LsAsm *a, LsRng *r, bool paging)
{
    uint32_t resume = ls_set_resume(a);
    unsigned kind = ls_rng_below(r, paging ? 9 : 7);
    bool pushed = false;
    switch (kind) {
    case 0:                                     /* #DE, or not: div ecx */
        EMIT(a, 0x52, 0x50);
        if (ls_chance(r, 50))
            EMIT(a, 0x31, 0xD2);
        EMIT(a, 0xF7, 0xF1);
        pushed = true;
        break;
    case 1:
        EMIT(a, 0x0F, 0x0B);                    /* ud2 */
        break;
    case 2:                                     /* int n: 31h resumes, 50h is beyond the IDT limit */
        EMIT(a, 0xCD, ls_chance(r, 50) ? 0x31 : 0x50);
        break;
    case 3:                                     /* int3 or into */
        EMIT(a, ls_chance(r, 50) ? 0xCC : 0xCE);
        break;
    case 4: {                                   /* load FS or GS: some selectors #GP */
        static const uint16_t sels[] = {0x00, 0x08, 0x10, 0x13, 0x18, 0x20, 0x10, 0x0B};
        uint16_t sel = sels[ls_rng_below(r, 8)];
        EMIT(a, 0x50, 0x66, 0xB8, (uint8_t)sel, (uint8_t)(sel >> 8));
        EMIT(a, 0x8E, ls_chance(r, 50) ? 0xE0 : 0xE8);
        pushed = true;
        break;
    }
    case 5:                                     /* a privileged read: mov eax, cr0/cr2/cr3 */
        EMIT(a, 0x0F, 0x20, (uint8_t)(0xC0 | (ls_rng_below(r, 3) == 0 ? 0 : 2 + ls_rng_below(r, 2)) << 3));
        break;
    case 6:                                     /* mov eax, cr1: #UD */
        EMIT(a, 0x0F, 0x20, 0xC8);
        break;
    case 7:                                     /* a read of an unmapped page: #PF */
        EMIT(a, 0xA1);
        ls_u32(a, 0x00400000u + ls_rng_below(r, 0x1000));
        break;
    default:                                    /* a store to a data page, maybe missing or read-only */
        EMIT(a, 0x89, 0x1D);
        ls_u32(a, LS_DATA_BASE + ls_rng_below(r, 16) * 0x1000 + ls_rng_below(r, 0x1000) - 4 * (kind & 1));
        break;
    }
    ls_patch_abs(a, resume, a->at);
    if (pushed)
        EMIT(a, 0x58);                          /* pop eax (and edx for div) */
    if (kind == 0)
        EMIT(a, 0x5A);
}

/* A counted loop: small blocks that chain to themselves. */
static void ls_piece_loop(LsAsm *a, LsRng *r)
{
    EMIT(a, 0x51, 0xB9);                        /* push ecx; mov ecx, n */
    ls_u32(a, 1 + ls_rng_below(r, 24));
    uint32_t top = a->at;
    ls_filler(a, r, 1 + ls_rng_below(r, 3), true);
    if (ls_chance(r, 50)) {
        EMIT(a, 0x01, 0x05);                    /* add [data + off], eax */
        ls_u32(a, LS_DATA_BASE + 0x100 + ls_rng_below(r, 0xD000));
    }
    if (ls_chance(r, 50)) {
        EMIT(a, 0xE2, (uint8_t)(top - (a->at + 2)));    /* loop top */
    } else {
        EMIT(a, 0x49, 0x0F, 0x85);              /* dec ecx; jnz top */
        ls_patch_rel32(a, ls_rel32_hole(a), top);
    }
    EMIT(a, 0x59);                              /* pop ecx */
}

/* REP MOVS / STOS inside the data area, either direction. */
static void ls_piece_string(LsAsm *a, LsRng *r)
{
    EMIT(a, 0x9C, 0x56, 0x57, 0x51);            /* pushf; push esi; push edi; push ecx */
    EMIT(a, ls_chance(r, 50) ? 0xFC : 0xFD);    /* cld / std */
    EMIT(a, 0xBE);
    ls_u32(a, LS_DATA_BASE + 0x1000 + ls_rng_below(r, 0xB000));
    EMIT(a, 0xBF);
    ls_u32(a, LS_DATA_BASE + 0x1000 + ls_rng_below(r, 0xB000));
    EMIT(a, 0xB9);
    ls_u32(a, ls_rng_below(r, 64));
    static const uint8_t ops[] = {0xA4, 0xA5, 0xAA, 0xAB};
    EMIT(a, 0xF3, ops[ls_rng_below(r, 4)]);
    EMIT(a, 0x59, 0x5F, 0x5E, 0x9D);            /* pop ecx; pop edi; pop esi; popf */
}

/* Toggle a data page's present bit and INVLPG it. */
static void ls_piece_tlb(LsAsm *a, LsRng *r)
{
    uint32_t page = LS_DATA_BASE + ls_rng_below(r, 12) * 0x1000;
    EMIT(a, 0x83, 0x35);                        /* xor dword [pte], 1 */
    ls_u32(a, LS_PT + (page >> 12) * 4);
    EMIT(a, 0x01);
    EMIT(a, 0x0F, 0x01, 0x3D);                  /* invlpg [page] */
    ls_u32(a, page);
}

static void ls_pieces(LsProgram *p, LsAsm *a, LsRng *r)
{
    unsigned n = ls_rng_below(r, 4);
    for (unsigned i = 0; i < n; i++) {
        switch (ls_rng_below(r, 8)) {
        case 0:
            ls_piece_smc_near(a, r);
            break;
        case 1:
            ls_piece_smc_far(p, a, r);
            break;
        case 2:
            ls_piece_smc_string(a);
            break;
        case 3:
        case 4:
            ls_piece_fault(a, r, p->paging);
            break;
        case 5:
            ls_piece_loop(a, r);
            break;
        case 6:
            ls_piece_string(a, r);
            break;
        default:
            if (p->paging)
                ls_piece_tlb(a, r);
            else
                ls_filler(a, r, 2, false);
            break;
        }
    }
}

void ls_gen_program(uint64_t seed, uint32_t index, LsProgram *p)
{
    LsRng r;
    ls_rng_seed(&r, seed, index, 0);
    memset(p, 0, sizeof(*p));
    p->seed = seed;
    p->index = index;
    diff_gen_random(seed ^ 0x4C53u, index, &p->snippet);
    const DiffCase *c = &p->snippet;
    memcpy(p->data, c->init.data, LS_DATA_SIZE);
    ls_build_low(p);
    p->paging = ls_chance(&r, 40);
    if (p->paging)
        ls_build_paging(p, &r, c->init.regs[DIFF_ESP]);
    p->loops = 1 + ls_rng_below(&r, 4);

    LsAsm a = {p->code, LS_CODE_BASE, LS_CODE_BASE};
    ls_emit(&a, c->code, c->code_len);
    EMIT(&a, 0xE9);                             /* the terminator: back to the driver */
    uint32_t back = ls_rel32_hole(&a);

    /* An exception with no piece to resume: stop (an NMI wakes the HLT,
     * whose handler returns to the JMP). */
    a.at = LS_PANIC;
    EMIT(&a, 0xFA, 0xF4, 0xEB, 0xFD);           /* cli; hlt; jmp $-3 */
    ls_put32(p->low + LS_RESUME, LS_PANIC);

    a.at = LS_DRIVER;
    EMIT(&a, 0xBC);                             /* mov esp, ...: a stack for an early NMI */
    ls_u32(&a, c->init.regs[DIFF_ESP]);
    EMIT(&a, 0x0F, 0x01, 0x15);                 /* lgdt [LS_GDTR] */
    ls_u32(&a, LS_GDTR);
    EMIT(&a, 0x0F, 0x01, 0x1D);                 /* lidt [LS_IDTR] */
    ls_u32(&a, LS_IDTR);
    EMIT(&a, 0xEA);                             /* jmp 08:next */
    ls_u32(&a, a.at + 6);
    EMIT(&a, 0x08, 0x00);
    EMIT(&a, 0x66, 0xB8, 0x10, 0x00);           /* mov ax, 10h; mov ds/es/ss/fs/gs, ax */
    EMIT(&a, 0x8E, 0xD8, 0x8E, 0xC0, 0x8E, 0xD0, 0x8E, 0xE0, 0x8E, 0xE8);
    if (p->paging) {
        EMIT(&a, 0xB8);                         /* mov eax, PD; mov cr3, eax */
        ls_u32(&a, LS_PD);
        EMIT(&a, 0x0F, 0x22, 0xD8);
        EMIT(&a, 0x0F, 0x20, 0xC0, 0x0D);       /* mov eax, cr0; or eax, PG | WP; mov cr0, eax */
        ls_u32(&a, 0x80010000u);
        EMIT(&a, 0x0F, 0x22, 0xC0, 0xEB, 0x00); /* ...; jmp $+2 */
    }
    ls_mov_mem_imm(&a, LS_LOOPS, p->loops);
    for (unsigned i = 0; i < 4; i++) {
        EMIT(&a, (uint8_t)(0xB8 + i));
        ls_u32(&a, c->init.regs[i]);
    }
    uint32_t top = a.at;
    for (unsigned i = 4; i < 8; i++) {          /* the snippet's pointers, every time */
        EMIT(&a, (uint8_t)(0xB8 + i));
        ls_u32(&a, c->init.regs[i]);
    }
    uint32_t flags = c->init.eflags;
    if (ls_chance(&r, 20))
        flags &= ~DIFF_IF;
    EMIT(&a, 0x68);                             /* push flags; popf */
    ls_u32(&a, flags);
    EMIT(&a, 0x9D);
    ls_pieces(p, &a, &r);
    uint32_t resume = ls_set_resume(&a);        /* a fault in the snippet ends it */
    ls_jmp(&a, LS_CODE_BASE);
    ls_patch_abs(&a, resume, a.at);
    ls_patch_rel32(&a, back, a.at);
    ls_pieces(p, &a, &r);
    EMIT(&a, 0xFF, 0x0D);                       /* dec dword [LS_LOOPS]; jnz top */
    ls_u32(&a, LS_LOOPS);
    EMIT(&a, 0x0F, 0x85);
    ls_patch_rel32(&a, ls_rel32_hole(&a), top);
    EMIT(&a, 0xFA, 0xF4);                       /* cli; hlt */
    p->driver_len = a.at - LS_DRIVER;
}

static void ls_hexdump(FILE *f, const uint8_t *img, uint32_t base, uint32_t addr, uint32_t len)
{
    for (uint32_t i = 0; i < len; i += 16) {
        fprintf(f, "  %08" PRIx32 ":", addr + i);
        for (uint32_t k = i; k < len && k < i + 16; k++)
            fprintf(f, " %02x", img[addr - base + k]);
        fprintf(f, "\n");
    }
}

void ls_print_program(FILE *f, const LsProgram *p)
{
    fprintf(f, "program: paging %s, %" PRIu32 " loop iteration(s); snippet %" PRIu32 " bytes at %08x, "
            "driver %" PRIu32 " bytes at %08x\n",
            p->paging ? "on" : "off", p->loops, p->snippet.code_len, LS_CODE_BASE, p->driver_len, LS_DRIVER);
    fprintf(f, "driver (entry %08x):\n", LS_DRIVER);
    ls_hexdump(f, p->code, LS_CODE_BASE, LS_DRIVER, p->driver_len);
    for (uint32_t k = 0; k < LS_FAR_COUNT; k++) {
        uint32_t blk = LS_FAR + k * LS_FAR_SIZE;
        if (p->code[blk - LS_CODE_BASE]) {
            fprintf(f, "far block %" PRIu32 ":\n", k);
            ls_hexdump(f, p->code, LS_CODE_BASE, blk, 9);
        }
    }
}
