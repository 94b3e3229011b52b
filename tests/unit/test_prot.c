/* The protection model end to end on a bare address space: a GDT, IDT, TSS
 * (with its I/O bitmap) and LDT built in RAM, code run at CPL 0, CPL 3 and
 * in virtual-8086 mode, and the state and exceptions (vector, error code,
 * saved EIP) checked against SDM Vol. 3A ch. 5, 6 and 20 and the Vol. 2
 * instruction pages: segment loads, call gates, interrupts across levels,
 * IRET to virtual-8086 mode and back out, VME, the I/O bitmap, SYSENTER/
 * SYSEXIT, LAR/LSL/VERR/VERW, MSRs and the CPL checks of system code. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/desc.h"
#include "cpu/exception.h"

#define RAM_SIZE (1u << 20)

/* Where the rig puts things (paging off: linear = physical). */
enum {
    CODE0 = 0x1000, HANDLER = 0x2000, HANDLER2 = 0x2800, CODE3 = 0x3000,
    GDT = 0x10000, IDT = 0x11000, TSS = 0x12000, TSS_IOMAP = 0x68, LDT = 0x15000,
    STACK0 = 0x70000, STACK3 = 0x60000, STACK_BOOT = 0x78000,
};
#define TSS_LIMIT (TSS_IOMAP + 0x2000)     /* the whole bitmap and its terminating byte */
enum { S_CODE0 = 0x08, S_DATA0 = 0x10, S_CODE3 = 0x1B, S_DATA3 = 0x23, S_TSS = 0x28, S_LDT = 0x30 };
/* Access bytes (P, DPL, S, type) and the G/D nibble. */
enum { A_CODE0 = 0x9B, A_DATA0 = 0x93, A_CODE3 = 0xFB, A_DATA3 = 0xF3, F_FLAT = 0xC };
#define UD2 0x0F, 0x0B

/* A P6 that has everything this issue implements: VME, TSC, MSR, CX8,
 * SEP, CMOV. */
static const CpuModel test_model = {"test", "P6 with MSR, SEP and VME", 6, 7, 3, "GenuineIntel", 2,
                                    (1u << 1) | (1u << 4) | (1u << 5) | (1u << 8) | (1u << 11) | (1u << 15), 0,
                                    0, 0};

typedef struct PortLog {
    unsigned writes;
    uint32_t port, value;
} PortLog;

typedef struct Rig {
    AddressSpace mem, io;
    uint8_t *ram;
    Clock clock;
    Log log;
    PortLog ports;
    CpuState cpu;
} Rig;

static uint64_t port_read(void *opaque, uint64_t off, unsigned size)
{
    (void)opaque, (void)off, (void)size;
    return 0x5A;
}

static void port_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    PortLog *p = opaque;
    (void)size;
    p->writes++;
    p->port = 0x80 + (uint32_t)off;
    p->value = (uint32_t)val;
}

static const IoOps port_ops = {port_read, port_write, 1, 4};

static void wr32(Rig *r, uint32_t addr, uint32_t v) { memcpy(r->ram + addr, &v, 4); }
static void wr16(Rig *r, uint32_t addr, uint16_t v) { memcpy(r->ram + addr, &v, 2); }
static uint32_t rd32(Rig *r, uint32_t addr)
{
    uint32_t v;
    memcpy(&v, r->ram + addr, 4);
    return v;
}

/* A code/data or system descriptor (SDM Vol. 3A Figure 3-8). */
static void set_desc(Rig *r, uint32_t table, uint32_t sel, uint32_t base, uint32_t limit, uint8_t access,
                     uint8_t gd)
{
    uint32_t addr = table + (sel & ~7u);
    wr32(r, addr, (limit & 0xFFFF) | (base << 16));
    wr32(r, addr + 4, ((base >> 16) & 0xFF) | ((uint32_t)access << 8) | (limit & 0xF0000) | ((uint32_t)gd << 20) |
                          (base & 0xFF000000));
}

/* A gate (Figures 5-8, 6-2) at `addr`. */
static void set_gate(Rig *r, uint32_t addr, uint32_t sel, uint32_t off, uint8_t access, unsigned params)
{
    wr32(r, addr, (off & 0xFFFF) | (sel << 16));
    wr32(r, addr + 4, (off & 0xFFFF0000) | ((uint32_t)access << 8) | params);
}

#define IDT_GATE(v) (IDT + (v) * 8u)

static void put(Rig *r, uint32_t addr, const void *bytes, size_t len)
{
    memcpy(r->ram + addr, bytes, len);
    /* Written behind the CPU's back: drop stale translations. */
    tb_flush(&r->cpu.engine.cache);
    tb_cache_collect(&r->cpu.engine.cache);
}

static SegmentCache flat(uint32_t sel, uint8_t access)
{
    return (SegmentCache){.selector = sel, .base = 0, .limit = 0xFFFFFFFF,
                          .flags = access | SEG_FLAG_DB | SEG_FLAG_G};
}

/* Protected mode at CPL 0, flat segments of the rig's GDT, IF clear, IOPL 0. */
static void state_cpl0(Rig *r, uint32_t eip)
{
    CpuState *c = &r->cpu;
    for (int i = 0; i < SEG_COUNT; i++)
        c->seg[i] = flat(S_DATA0, A_DATA0);
    c->seg[SEG_CS] = flat(S_CODE0, A_CODE0);
    c->cr[0] |= CR0_PE;
    cpu_set_eflags(c, EFLAGS_FIXED, UINT32_MAX);
    c->eip = eip;
    c->regs[R_ESP] = STACK_BOOT;
    c->exception_vector = -1;
    c->halted = false;
}

/* CPL 3 with the user flat segments, IF set, IOPL 0. */
static void state_cpl3(Rig *r, uint32_t eip)
{
    CpuState *c = &r->cpu;
    state_cpl0(r, eip);
    for (int i = 0; i < SEG_COUNT; i++)
        c->seg[i] = flat(S_DATA3, A_DATA3);
    c->seg[SEG_CS] = flat(S_CODE3, A_CODE3);
    c->regs[R_ESP] = STACK3;
    cpu_set_eflags(c, EFLAGS_FIXED | EFLAGS_IF, UINT32_MAX);
}

static Rig *rig_new(void)
{
    Rig *r = calloc(1, sizeof(*r));
    Error err = {0};
    r->ram = calloc(1, RAM_SIZE);
    as_init(&r->mem, "memory", PHYS_ADDR_SPACE_SIZE, &r->log);
    as_init(&r->io, "ioport", IO_PORT_SPACE_SIZE, &r->log);
    cr_assert(as_map_ram(&r->mem, 0, RAM_SIZE, r->ram, "ram", &err), "%s", err.msg);
    cr_assert(as_map_io(&r->io, 0x80, 0x10, &port_ops, &r->ports, "ports", &err), "%s", err.msg);
    clock_init_deterministic(&r->clock, 0);
    cpu_init(&r->cpu, &r->mem, &r->io, &r->clock, &r->log);
    cpu_reset(&r->cpu, &test_model);
    CpuState *c = &r->cpu;
    set_desc(r, GDT, S_CODE0, 0, 0xFFFFF, A_CODE0, F_FLAT);
    set_desc(r, GDT, S_DATA0, 0, 0xFFFFF, A_DATA0, F_FLAT);
    set_desc(r, GDT, S_CODE3, 0, 0xFFFFF, A_CODE3, F_FLAT);
    set_desc(r, GDT, S_DATA3, 0, 0xFFFFF, A_DATA3, F_FLAT);
    set_desc(r, GDT, S_TSS, TSS, TSS_LIMIT, 0x8B, 0);         /* busy: it is the current task */
    set_desc(r, GDT, S_LDT, LDT, 0xF, 0x82, 0);
    /* LDT: 0x04 data DPL 0 at 0x12340000; 0x0F data DPL 3 at 0x5000. */
    set_desc(r, LDT, 0x04, 0x12340000, 0xFFFF, A_DATA0, 4);
    set_desc(r, LDT, 0x0F, 0x5000, 0xFFFF, A_DATA3, 4);
    wr32(r, TSS + 4, STACK0);                   /* ESP0 */
    wr32(r, TSS + 8, S_DATA0);                  /* SS0 */
    wr16(r, TSS + 0x66, TSS_IOMAP);
    memset(r->ram + TSS + TSS_IOMAP, 0xFF, 0x2001);     /* every port denied */
    c->cr[0] = CR0_PE | CR0_ET;
    c->gdt_base = GDT;
    c->gdt_limit = 0xFFF;
    c->idt_base = IDT;
    c->idt_limit = 0x7FF;
    c->tr = (SegmentCache){.selector = S_TSS, .base = TSS, .limit = TSS_LIMIT, .flags = 0x8B};
    c->ldt = (SegmentCache){.selector = S_LDT, .base = LDT, .limit = 0xF, .flags = 0x82};
    state_cpl0(r, CODE0);
    c->stop_on_exception = true;
    return r;
}

static void rig_free(Rig *r)
{
    cpu_destroy(&r->cpu);
    clock_destroy(&r->clock);
    as_destroy(&r->mem);
    as_destroy(&r->io);
    free(r->ram);
    free(r);
}

static CpuExecStatus run(Rig *r)
{
    return cpu_exec(&r->cpu, 100000);
}

/* Run `code` at the current EIP until the first exception; check it. */
static void expect_exception(Rig *r, const void *code, size_t len, int vector, uint32_t error, const char *what)
{
    put(r, r->cpu.eip, code, len);
    CpuExecStatus st = run(r);
    cr_assert_eq(st, CPU_EXEC_EXCEPTION, "%s: stopped with %d, not an exception", what, (int)st);
    cr_expect_eq(r->cpu.exception_vector, vector, "%s: vector %d, expected %d", what, r->cpu.exception_vector, vector);
    if (vector == EXCP_TS || vector == EXCP_NP || vector == EXCP_SS || vector == EXCP_GP)
        cr_expect_eq(r->cpu.exception_error, error, "%s: error code 0x%x, expected 0x%x", what,
                     r->cpu.exception_error, error);
}

/* ---- segment loads (SDM Vol. 2B MOV; Vol. 3A §5.5-5.7) ---- */

enum {
    S_NP = 0x38, S_XONLY0 = 0x40, S_RCODE0 = 0x48, S_RODATA0 = 0x50, S_DATA3B = 0x58, S_EXPDOWN = 0x60,
    S_CONF0 = 0x68, S_DATA16 = 0x70,
};

static void add_test_segments(Rig *r)
{
    set_desc(r, GDT, S_NP, 0, 0xFFFF, 0x12, 0);             /* data, not present */
    set_desc(r, GDT, S_XONLY0, 0, 0xFFFFF, 0x98, F_FLAT);   /* execute-only code */
    set_desc(r, GDT, S_RCODE0, 0, 0xFFFFF, 0x9A, F_FLAT);   /* readable code, accessed bit clear */
    set_desc(r, GDT, S_RODATA0, 0, 0xFFFFF, 0x90, F_FLAT);  /* read-only data */
    set_desc(r, GDT, S_DATA3B, 0, 0xFFFFF, 0xF2, F_FLAT);   /* data DPL 3 */
    set_desc(r, GDT, S_EXPDOWN, 0x40000, 0xFFF, 0x96, 4);   /* expand-down, B = 1 */
    set_desc(r, GDT, S_CONF0, 0, 0xFFFFF, 0x9E, F_FLAT);    /* conforming readable code */
    set_desc(r, GDT, S_DATA16, 0, 0xFFFF, 0x92, 0);         /* 16-bit data (B = 0) */
}

/* mov ax, sel; mov sreg, ax; ud2 (the #UD says the load worked). */
static void load_sreg(Rig *r, int sreg, uint32_t sel, int vector, uint32_t error)
{
    uint8_t code[] = {0x66, 0xB8, (uint8_t)sel, (uint8_t)(sel >> 8), 0x8E, (uint8_t)(0xC0 | (sreg << 3)), UD2};
    char what[64];
    snprintf(what, sizeof(what), "load of 0x%x into segment %d at cpl %d", sel, sreg, cpu_cpl(&r->cpu));
    uint32_t eip = r->cpu.eip;
    expect_exception(r, code, sizeof(code), vector, error, what);
    if (vector == EXCP_UD)
        cr_expect_eq(r->cpu.eip, eip + 6, "%s: the load completed", what);
    else
        cr_expect_eq(r->cpu.eip, eip + 4, "%s: the fault is at the MOV", what);
    r->cpu.eip = eip;
}

Test(prot, data_and_stack_segment_loads_at_cpl0)
{
    Rig *r = rig_new();
    add_test_segments(r);
    load_sreg(r, SEG_DS, S_NP, EXCP_NP, S_NP);
    load_sreg(r, SEG_SS, S_NP, EXCP_SS, S_NP);
    load_sreg(r, SEG_SS, 0, EXCP_GP, 0);
    load_sreg(r, SEG_SS, 3, EXCP_GP, 0);
    load_sreg(r, SEG_DS, 0x1000, EXCP_GP, 0x1000);          /* beyond the GDT limit */
    load_sreg(r, SEG_ES, S_XONLY0, EXCP_GP, S_XONLY0);
    load_sreg(r, SEG_DS, S_TSS, EXCP_GP, S_TSS);            /* system descriptor */
    load_sreg(r, SEG_SS, S_RODATA0, EXCP_GP, S_RODATA0);
    load_sreg(r, SEG_SS, S_RCODE0, EXCP_GP, S_RCODE0);
    load_sreg(r, SEG_SS, S_DATA3B, EXCP_GP, S_DATA3B);      /* DPL 3 != CPL 0 */
    load_sreg(r, SEG_SS, S_DATA0 | 3, EXCP_GP, S_DATA0);    /* RPL 3 != CPL 0 */
    load_sreg(r, SEG_FS, 0x8000 | S_DATA0, EXCP_GP, 0x8010);
    cr_expect_eq(r->ram[GDT + S_RCODE0 + 5], 0x9A, "no accessed bit before a load");
    load_sreg(r, SEG_FS, S_RCODE0, EXCP_UD, 0);
    cr_expect_eq(r->ram[GDT + S_RCODE0 + 5], 0x9B, "the load set the accessed bit in the GDT");
    cr_expect_eq(r->cpu.seg[SEG_FS].flags & 0xFF, 0x9B);
    /* Null selectors are fine in DS..GS and leave them unusable. */
    load_sreg(r, SEG_GS, 3, EXCP_UD, 0);
    cr_expect_eq(r->cpu.seg[SEG_GS].selector, 3);
    cr_expect_eq(r->cpu.seg[SEG_GS].flags & SEG_FLAG_P, 0, "a null selector's cache is not present");
    /* Expand-down: the cache keeps the limit; the valid offsets lie above it. */
    load_sreg(r, SEG_ES, S_EXPDOWN, EXCP_UD, 0);
    const SegmentCache *es = &r->cpu.seg[SEG_ES];
    cr_expect_eq(es->base, 0x40000);
    cr_expect_eq(es->limit, 0xFFF);
    cr_expect_eq(es->flags, 0x97 | SEG_FLAG_DB);
    cr_expect(!seg_in_limit(es, 0xFFF, 1), "expand-down: the limit itself is outside");
    cr_expect(seg_in_limit(es, 0x1000, 4));
    cr_expect(seg_in_limit(es, 0xFFFFFFFC, 4), "B = 1: up to 4 GiB");
    cr_expect(!seg_in_limit(es, 0xFFFFFFFE, 4));
    SegmentCache small = *es;
    small.flags &= ~SEG_FLAG_DB;
    cr_expect(!seg_in_limit(&small, 0x10000, 1), "B = 0: up to 64 KiB");
    /* The default sizes follow D/B. */
    load_sreg(r, SEG_SS, S_DATA16, EXCP_UD, 0);
    cr_expect_eq(cpu_hflags(&r->cpu) & HF_SS32, 0, "a 16-bit stack segment");
    /* LDT selectors go through LDTR. */
    load_sreg(r, SEG_DS, 0x04, EXCP_UD, 0);
    cr_expect_eq(r->cpu.seg[SEG_DS].base, 0x12340000);
    load_sreg(r, SEG_DS, 0x14, EXCP_GP, 0x14);              /* beyond the LDT limit */
    r->cpu.ldt = (SegmentCache){.selector = 0, .base = LDT, .limit = 0xF};
    load_sreg(r, SEG_DS, 0x04, EXCP_GP, 0x04);              /* a null LDTR: no LDT, whatever its cache holds */
    rig_free(r);
}

Test(prot, segment_loads_at_cpl3)
{
    Rig *r = rig_new();
    add_test_segments(r);
    state_cpl3(r, CODE3);
    load_sreg(r, SEG_DS, S_DATA0, EXCP_GP, S_DATA0);        /* DPL 0 < CPL 3 */
    load_sreg(r, SEG_DS, S_RCODE0, EXCP_GP, S_RCODE0);      /* nonconforming code DPL 0 */
    load_sreg(r, SEG_DS, S_CONF0, EXCP_UD, 0);              /* conforming: any level may read it */
    load_sreg(r, SEG_ES, S_DATA3B & ~3u, EXCP_UD, 0);       /* RPL 0, DPL 3: fine */
    load_sreg(r, SEG_SS, S_DATA0, EXCP_GP, S_DATA0);
    load_sreg(r, SEG_SS, S_DATA3B & ~3u, EXCP_GP, S_DATA3B & ~3u);  /* RPL 0 != CPL 3 */
    load_sreg(r, SEG_SS, S_DATA3B | 3, EXCP_UD, 0);
    load_sreg(r, SEG_DS, 0x0F, EXCP_UD, 0);                 /* LDT, DPL 3 */
    cr_expect_eq(r->cpu.seg[SEG_DS].base, 0x5000);
    load_sreg(r, SEG_DS, 0x07, EXCP_GP, 0x04);              /* LDT, DPL 0 */
    rig_free(r);
}

/* ---- far transfers (SDM Vol. 2A CALL, JMP; Vol. 2B RET, IRET; Vol. 3A §5.8) ---- */

#define S_CALLGATE3 0x78
#define S_CALLGATE0 0x80

Test(prot, call_gate_copies_parameters_to_cpl0_and_ret_returns_to_cpl3)
{
    Rig *r = rig_new();
    add_test_segments(r);
    set_gate(r, GDT + S_CALLGATE3, S_CODE0, HANDLER, 0xEC, 2);     /* 32-bit call gate, DPL 3, 2 dwords */
    /* push 0x11111111; push 0x22222222; call 0x7B:0; ud2 */
    static const uint8_t user[] = {0x68, 0x11, 0x11, 0x11, 0x11, 0x68, 0x22, 0x22, 0x22, 0x22,
                                   0x9A, 0x00, 0x00, 0x00, 0x00, 0x7B, 0x00, UD2};
    /* mov eax, [esp+8]; mov ebx, [esp+12]; mov ecx, esp; mov edx, [esp+16]; mov esi, [esp+20];
     * mov edi, [esp+4]; push 0x10; pop ds; retf 8 */
    static const uint8_t target[] = {0x8B, 0x44, 0x24, 0x08, 0x8B, 0x5C, 0x24, 0x0C, 0x89, 0xE1, 0x8B, 0x54, 0x24,
                                     0x10, 0x8B, 0x74, 0x24, 0x14, 0x8B, 0x7C, 0x24, 0x04, 0x6A, 0x10, 0x1F,
                                     0xCA, 0x08, 0x00};
    put(r, HANDLER, target, sizeof(target));
    state_cpl3(r, CODE3);
    r->cpu.seg[SEG_GS] = (SegmentCache){.selector = S_CONF0, .limit = 0xFFFFFFFF, .flags = 0x9F | SEG_FLAG_DB | SEG_FLAG_G};
    expect_exception(r, user, sizeof(user), EXCP_UD, 0, "call gate round trip");
    CpuState *c = &r->cpu;
    cr_expect_eq(c->eip, CODE3 + 17, "back after the far call");
    cr_expect_eq(c->seg[SEG_CS].selector, S_CODE3);
    cr_expect_eq(c->seg[SEG_SS].selector, S_DATA3);
    cr_expect_eq(c->regs[R_ESP], STACK3, "RETF 8 released the two parameters");
    cr_expect_eq(c->regs[R_EAX], 0x22222222, "parameter 0 (pushed last) right above the return address");
    cr_expect_eq(c->regs[R_EBX], 0x11111111);
    cr_expect_eq(c->regs[R_ECX], STACK0 - 24, "the CPL 0 stack from TSS.ESP0: SS, ESP, 2 parameters, CS, EIP");
    cr_expect_eq(c->regs[R_EDX], STACK3 - 8, "caller's ESP after its pushes");
    cr_expect_eq(c->regs[R_ESI], S_DATA3, "caller's SS");
    cr_expect_eq(c->regs[R_EDI], S_CODE3, "caller's CS");
    cr_expect_eq(c->seg[SEG_DS].selector, 0, "DS held a DPL 0 segment: nulled on the way out");
    cr_expect_eq(c->seg[SEG_ES].selector, S_DATA3, "ES kept");
    cr_expect_eq(c->seg[SEG_GS].selector, S_CONF0, "conforming code kept");
    rig_free(r);
}

Test(prot, far_transfer_checks)
{
    Rig *r = rig_new();
    add_test_segments(r);
    set_gate(r, GDT + S_CALLGATE0, S_CODE0, HANDLER, 0x8C, 0);     /* call gate, DPL 0 */
    set_gate(r, GDT + S_CALLGATE3, S_CODE0, HANDLER, 0xEC, 0);     /* call gate, DPL 3, to CPL 0 */
    set_desc(r, GDT, 0x88, 0, 0xFFFFF, 0x1A, F_FLAT);              /* code, not present */
    /* At CPL 0: jmp 0x1B:0 (nonconforming DPL 3) -> #GP(0x18). */
    static const uint8_t jmp_dpl3[] = {0xEA, 0, 0, 0, 0, 0x1B, 0};
    expect_exception(r, jmp_dpl3, sizeof(jmp_dpl3), EXCP_GP, 0x18, "jmp to DPL 3 code");
    static const uint8_t jmp_np[] = {0xEA, 0, 0, 0, 0, 0x88, 0};
    expect_exception(r, jmp_np, sizeof(jmp_np), EXCP_NP, 0x88, "jmp to a code segment not present");
    static const uint8_t jmp_data[] = {0xEA, 0, 0, 0, 0, 0x10, 0};
    expect_exception(r, jmp_data, sizeof(jmp_data), EXCP_GP, 0x10, "jmp to data");
    set_desc(r, GDT, 0x90, 0, 0xFF, 0x9A, 0x4);                    /* code with a 256-byte limit */
    static const uint8_t jmp_limit[] = {0xEA, 0x00, 0x01, 0, 0, 0x90, 0};
    expect_exception(r, jmp_limit, sizeof(jmp_limit), EXCP_GP, 0, "jmp past the limit");
    static const uint8_t jmp_busy_tss[] = {0xEA, 0, 0, 0, 0, S_TSS, 0};
    expect_exception(r, jmp_busy_tss, sizeof(jmp_busy_tss), EXCP_GP, S_TSS, "jmp to a busy TSS");
    /* At CPL 3. */
    state_cpl3(r, CODE3);
    static const uint8_t call_gate0[] = {0x9A, 0, 0, 0, 0, S_CALLGATE0 | 3, 0};
    expect_exception(r, call_gate0, sizeof(call_gate0), EXCP_GP, S_CALLGATE0, "call gate with DPL 0 at CPL 3");
    static const uint8_t jmp_gate_inward[] = {0xEA, 0, 0, 0, 0, S_CALLGATE3 | 3, 0};
    expect_exception(r, jmp_gate_inward, sizeof(jmp_gate_inward), EXCP_GP, S_CODE0,
                     "JMP through a call gate may not change CPL");
    /* jmp 0x68:0x3100 (conforming DPL 0): CPL stays 3 */
    static const uint8_t jmp_conf[] = {0xEA, 0x00, 0x31, 0, 0, S_CONF0, 0};
    static const uint8_t ud[] = {UD2};
    put(r, CODE3 + 0x100, ud, sizeof(ud));
    expect_exception(r, jmp_conf, sizeof(jmp_conf), EXCP_UD, 0, "jmp to conforming code");
    cr_expect_eq(r->cpu.seg[SEG_CS].selector, S_CONF0 | 3, "CS.RPL = CPL = 3");
    cr_expect_eq(r->cpu.eip, CODE3 + 0x100);
    rig_free(r);
}

Test(prot, returns_to_an_outer_level)
{
    Rig *r = rig_new();
    add_test_segments(r);
    put(r, CODE3, (uint8_t[]){UD2}, 2);
    /* push 0x10; pop ds; push 0x23; push 0x60000; push 0x202; push 0x1b; push 0x3000; iretd */
    static const uint8_t iret_out[] = {0x6A, 0x10, 0x1F, 0x6A, 0x23, 0x68, 0x00, 0x00, 0x06, 0x00, 0x68, 0x02,
                                       0x02, 0x00, 0x00, 0x6A, 0x1B, 0x68, 0x00, 0x30, 0x00, 0x00, 0xCF};
    r->cpu.seg[SEG_FS] = flat(S_DATA3, A_DATA3);
    expect_exception(r, iret_out, sizeof(iret_out), EXCP_UD, 0, "IRET to CPL 3");
    CpuState *c = &r->cpu;
    cr_expect_eq(cpu_cpl(c), 3);
    cr_expect_eq(c->seg[SEG_SS].selector, S_DATA3);
    cr_expect_eq(c->regs[R_ESP], STACK3);
    cr_expect_eq(c->seg[SEG_DS].selector, 0, "DS (DPL 0) nulled");
    cr_expect_eq(c->seg[SEG_ES].selector, 0, "ES (DPL 0) nulled");
    cr_expect_eq(c->seg[SEG_FS].selector, S_DATA3, "FS (DPL 3) kept");
    cr_expect(c->eflags & EFLAGS_IF, "CPL 0 <= IOPL: IF from the stack");
    /* RETF to CPL 3 with an SS whose RPL differs from the new CPL: #GP(SS). */
    state_cpl0(r, CODE0 + 0x100);
    /* push 0x10; pop ds; push 0x33; push 0x60000; push 0x1b; push 0x3000; retf */
    static const uint8_t ret_bad_ss[] = {0x6A, 0x10, 0x1F, 0x6A, 0x33, 0x68, 0x00, 0x00, 0x06, 0x00, 0x6A, 0x1B,
                                         0x68, 0x00, 0x30, 0x00, 0x00, 0xCB};
    expect_exception(r, ret_bad_ss, sizeof(ret_bad_ss), EXCP_GP, 0x30, "RETF to an SS that is the LDT descriptor");
    cr_expect_eq(cpu_cpl(c), 0, "nothing changed");
    cr_expect_eq(c->regs[R_ESP], STACK_BOOT - 16);
    rig_free(r);
}

/* ---- interrupts and exceptions through the IDT (SDM Vol. 3A §6.12) ---- */

/* Vector `v` -> a 32-bit interrupt gate (DPL 0) to a bare HLT at CPL 0. */
static void install_stop(Rig *r, int v)
{
    static const uint8_t hlt = 0xF4;
    put(r, HANDLER2, &hlt, 1);
    set_gate(r, IDT_GATE(v), S_CODE0, HANDLER2, 0x8E, 0);
}

/* mov eax, [esp]; mov ebx, [esp+4]; mov ecx, [esp+8]; mov edx, esp; hlt */
static const uint8_t err_handler[] = {0x8B, 0x04, 0x24, 0x8B, 0x5C, 0x24, 0x04, 0x8B,
                                      0x4C, 0x24, 0x08, 0x89, 0xE2, 0xF4};

Test(prot, interrupt_from_cpl3_uses_the_tss_stack_and_iret_returns)
{
    Rig *r = rig_new();
    r->cpu.stop_on_exception = false;
    install_stop(r, EXCP_UD);
    set_gate(r, IDT_GATE(0x80), S_CODE0, HANDLER, 0xEE, 0);    /* interrupt gate, DPL 3 */
    set_gate(r, IDT_GATE(0x81), S_CODE0, HANDLER, 0xEF, 0);    /* trap gate, DPL 3 */
    /* mov ebx, [esp]; mov ecx, [esp+4]; mov edx, [esp+8]; mov esi, [esp+12]; mov edi, [esp+16];
     * pushfd; pop ebp; iretd */
    static const uint8_t handler[] = {0x8B, 0x1C, 0x24, 0x8B, 0x4C, 0x24, 0x04, 0x8B, 0x54, 0x24, 0x08, 0x8B,
                                      0x74, 0x24, 0x0C, 0x8B, 0x7C, 0x24, 0x10, 0x9C, 0x5D, 0xCF};
    put(r, HANDLER, handler, sizeof(handler));
    for (unsigned vec = 0x80; vec <= 0x81; vec++) {
        /* mov eax, 0x1234; int vec; ud2 */
        const uint8_t user[] = {0xB8, 0x34, 0x12, 0, 0, 0xCD, (uint8_t)vec, UD2};
        state_cpl3(r, CODE3);
        put(r, CODE3, user, sizeof(user));
        cr_assert_eq(run(r), CPU_EXEC_HALTED, "int 0x%x: the #UD after the return reached its handler", vec);
        CpuState *c = &r->cpu;
        cr_expect_eq(c->regs[R_EBX], CODE3 + 7, "saved EIP: after the INT");
        cr_expect_eq(c->regs[R_ECX], S_CODE3, "saved CS");
        cr_expect_eq(c->regs[R_EDX] & (EFLAGS_IF | EFLAGS_IOPL | EFLAGS_VM), EFLAGS_IF, "saved EFLAGS");
        cr_expect_eq(c->regs[R_ESI], STACK3, "saved ESP");
        cr_expect_eq(c->regs[R_EDI], S_DATA3, "saved SS");
        cr_expect_eq(c->regs[R_EBP] & EFLAGS_IF, vec == 0x80 ? 0 : EFLAGS_IF, "interrupt gates clear IF, trap gates not");
        /* The #UD frame on the CPL 0 stack shows the state IRET restored. */
        cr_expect_eq(c->regs[R_ESP], STACK0 - 20);
        cr_expect_eq(rd32(r, STACK0 - 20), CODE3 + 7, "back at CPL 3 after IRET");
        cr_expect_eq(rd32(r, STACK0 - 16), S_CODE3);
        cr_expect(rd32(r, STACK0 - 12) & EFLAGS_IF);
        cr_expect_eq(rd32(r, STACK0 - 8), STACK3);
        cr_expect_eq(rd32(r, STACK0 - 4), S_DATA3);
        cr_expect_eq(c->seg[SEG_SS].selector, S_DATA0, "SS from TSS.SS0");
        cr_expect_eq(c->seg[SEG_CS].selector, S_CODE0);
    }
    rig_free(r);
}

Test(prot, exception_at_cpl3_pushes_its_error_code_on_the_inner_stack)
{
    Rig *r = rig_new();
    r->cpu.stop_on_exception = false;
    set_gate(r, IDT_GATE(EXCP_GP), S_CODE0, HANDLER, 0x8E, 0);  /* DPL 0: exceptions ignore it */
    put(r, HANDLER, err_handler, sizeof(err_handler));
    static const uint8_t user[] = {0x90, 0xFA};                 /* nop; cli (IOPL 0 < CPL 3) */
    state_cpl3(r, CODE3);
    put(r, CODE3, user, sizeof(user));
    cr_assert_eq(run(r), CPU_EXEC_HALTED);
    CpuState *c = &r->cpu;
    cr_expect_eq(c->regs[R_EAX], 0, "error code 0");
    cr_expect_eq(c->regs[R_EBX], CODE3 + 1, "EIP of the CLI");
    cr_expect_eq(c->regs[R_ECX], S_CODE3);
    cr_expect_eq(c->regs[R_EDX], STACK0 - 24, "SS, ESP, EFLAGS, CS, EIP, error code");
    cr_expect_eq(c->eflags & EFLAGS_IF, 0);
    rig_free(r);
}

Test(prot, software_interrupt_checks_the_gate_and_faults_at_the_int)
{
    Rig *r = rig_new();
    r->cpu.stop_on_exception = false;
    set_gate(r, IDT_GATE(EXCP_GP), S_CODE0, HANDLER, 0x8E, 0);
    set_gate(r, IDT_GATE(EXCP_NP), S_CODE0, HANDLER, 0x8E, 0);
    set_gate(r, IDT_GATE(0x84), S_CODE0, HANDLER2, 0x8E, 0);   /* DPL 0 */
    set_gate(r, IDT_GATE(0x85), S_CODE0, HANDLER2, 0x6E, 0);   /* DPL 3, not present */
    set_gate(r, IDT_GATE(0x86), S_CODE0, HANDLER2, 0xE5, 0);   /* DPL 3, type 5 with a code selector: no TSS */
    put(r, HANDLER, err_handler, sizeof(err_handler));
    static const struct { uint8_t vec; uint32_t error; } cases[] = {
        {0x84, 0x84 * 8 + 2}, {0x85, 0x85 * 8 + 2}, {0x86, S_CODE0},
    };
    for (unsigned i = 0; i < 3; i++) {
        const uint8_t user[] = {0x90, 0xCD, cases[i].vec};
        state_cpl3(r, CODE3);
        put(r, CODE3, user, sizeof(user));
        uint64_t before = r->cpu.insns_retired;
        cr_assert_eq(run(r), CPU_EXEC_HALTED, "int 0x%x", cases[i].vec);
        cr_expect_eq(r->cpu.regs[R_EAX], cases[i].error, "int 0x%x: error 0x%x (EXT clear)", cases[i].vec,
                     r->cpu.regs[R_EAX]);
        cr_expect_eq(r->cpu.regs[R_EBX], CODE3 + 1, "int 0x%x: the fault saves the INT's own EIP", cases[i].vec);
        cr_expect_eq(r->cpu.insns_retired - before, 1 + 5, "NOP and the handler retired, not the INT");
    }
    rig_free(r);
}

/* Regression: a fault while delivering a software INT 0x0D was treated as
 * a second contributory exception and became #DF. INT n is no exception
 * (SDM Vol. 3A §6.15): the #NP of its missing gate is delivered as is. */
Test(prot, fault_delivering_software_int_13_is_not_a_double_fault)
{
    Rig *r = rig_new();
    r->cpu.stop_on_exception = false;
    set_gate(r, IDT_GATE(EXCP_DF), S_CODE0, HANDLER2, 0x8E, 0);
    set_gate(r, IDT_GATE(EXCP_NP), S_CODE0, HANDLER, 0x8E, 0);
    set_gate(r, IDT_GATE(EXCP_GP), S_CODE0, HANDLER2, 0x6E, 0);   /* vector 13: DPL 3, not present */
    put(r, HANDLER, err_handler, sizeof(err_handler));
    put(r, HANDLER2, err_handler, sizeof(err_handler));
    const uint8_t user[] = {0x90, 0xCD, 0x0D};
    state_cpl3(r, CODE3);
    put(r, CODE3, user, sizeof(user));
    cr_assert_eq(run(r), CPU_EXEC_HALTED);
    cr_expect_eq(r->cpu.regs[R_EAX], EXCP_GP * 8 + 2, "the #NP error code names gate 13 (IDT bit), not #DF's 0");
    rig_free(r);
}

/* A fake interrupt controller: INTR asserted once, vector 0x30. */
static bool fake_pending(void *opaque) { return *(int *)opaque > 0; }
static uint8_t fake_ack(void *opaque)
{
    (*(int *)opaque)--;
    return 0x30;
}

Test(prot, faults_while_delivering_an_external_interrupt_set_ext_and_change_nothing)
{
    Rig *r = rig_new();
    int pending = 1;
    r->cpu.intr = (CpuIntrSource){fake_pending, fake_ack, &pending};
    set_desc(r, GDT, 0x88, 0, 0xFFFFF, 0x1A, F_FLAT);          /* code, not present */
    set_desc(r, GDT, 0x98, 0, 0xFFFFF, 0x92, 4);               /* data DPL 0, byte limit 1 MiB */
    set_gate(r, IDT_GATE(0x30), 0x88, 0, 0x8E, 0);
    static const uint8_t user[] = {0x90, 0x90, UD2};
    state_cpl3(r, CODE3);
    put(r, CODE3, user, sizeof(user));
    cr_assert_eq(run(r), CPU_EXEC_EXCEPTION);
    cr_expect_eq(r->cpu.exception_vector, EXCP_NP);
    cr_expect_eq(r->cpu.exception_error, 0x88 | 1, "the handler's CS, with EXT");
    cr_expect_eq(cpu_cpl(&r->cpu), 3);
    cr_expect_eq(r->cpu.eip, CODE3);
    /* The stack switch to SS0 = 0x98, ESP0 = 8: no room for 20 bytes. */
    set_gate(r, IDT_GATE(0x30), S_CODE0, HANDLER2, 0x8E, 0);
    wr32(r, TSS + 4, 8);
    wr32(r, TSS + 8, 0x98);
    pending = 1;
    state_cpl3(r, CODE3);
    cr_assert_eq(run(r), CPU_EXEC_EXCEPTION);
    cr_expect_eq(r->cpu.exception_vector, EXCP_SS);
    cr_expect_eq(r->cpu.exception_error, 0x98 | 1, "the new SS, with EXT");
    cr_expect_eq(r->cpu.regs[R_ESP], STACK3, "ESP unchanged");
    cr_expect_eq(r->cpu.seg[SEG_SS].selector, S_DATA3, "SS unchanged");
    cr_expect_eq(rd32(r, 0) | rd32(r, 4), 0, "nothing was pushed");
    /* An IDT too short for the vector: #GP(vector * 8 + 2 + EXT). */
    r->cpu.idt_limit = 0x30 * 8 + 6;
    pending = 1;
    state_cpl3(r, CODE3);
    cr_assert_eq(run(r), CPU_EXEC_EXCEPTION);
    cr_expect_eq(r->cpu.exception_vector, EXCP_GP);
    cr_expect_eq(r->cpu.exception_error, 0x30 * 8 + 3);
    rig_free(r);
}

/* ---- virtual-8086 mode (SDM Vol. 3A ch. 20) ---- */

enum { VM86_CS = 0x500, VM86_SS = 0x600, VM86_SP = 0x1000 };

/* Virtual-8086 mode at VM86_CS:ip, SS:SP = 0600:1000, data segments 0. */
static void state_vm86(Rig *r, uint32_t ip, uint32_t eflags)
{
    state_cpl0(r, ip);
    for (int i = 0; i < SEG_COUNT; i++)
        seg_load_vm86(&r->cpu, i, 0);
    seg_load_vm86(&r->cpu, SEG_CS, VM86_CS);
    seg_load_vm86(&r->cpu, SEG_SS, VM86_SS);
    r->cpu.regs[R_ESP] = VM86_SP;
    cpu_set_eflags(&r->cpu, EFLAGS_FIXED | EFLAGS_VM | eflags, UINT32_MAX);
}

/* push 0x444 (GS); push 0x333; push 0x222; push 0x111 (ES); push 0x600 (SS); push 0x1000 (ESP);
 * push 0x20002 (EFLAGS: VM, IOPL 0); push 0x500 (CS); push 0 (EIP); iretd */
static const uint8_t vm86_enter[] = {0x68, 0x44, 0x04, 0x00, 0x00, 0x68, 0x33, 0x03, 0x00, 0x00, 0x68, 0x22, 0x02,
                                     0x00, 0x00, 0x68, 0x11, 0x01, 0x00, 0x00, 0x68, 0x00, 0x06, 0x00, 0x00, 0x68,
                                     0x00, 0x10, 0x00, 0x00, 0x68, 0x02, 0x00, 0x02, 0x00, 0x68, 0x00, 0x05, 0x00,
                                     0x00, 0x6A, 0x00, 0xCF};

Test(prot, iret_enters_virtual_8086_mode)
{
    Rig *r = rig_new();
    put(r, CODE0, vm86_enter, sizeof(vm86_enter));
    put(r, VM86_CS * 16, (uint8_t[]){0xF4}, 1);                 /* hlt: #GP(0) at CPL 3 */
    cr_assert_eq(run(r), CPU_EXEC_EXCEPTION);
    CpuState *c = &r->cpu;
    cr_expect_eq(c->exception_vector, EXCP_GP);
    cr_expect(c->eflags & EFLAGS_VM);
    cr_expect_eq(cpu_cpl(c), 3);
    cr_expect_eq(c->eip, 0);
    cr_expect_eq(c->regs[R_ESP], VM86_SP);
    static const struct { int seg; uint32_t sel; } want[] = {
        {SEG_CS, 0x500}, {SEG_SS, 0x600}, {SEG_ES, 0x111}, {SEG_DS, 0x222}, {SEG_FS, 0x333}, {SEG_GS, 0x444},
    };
    for (unsigned i = 0; i < 6; i++) {
        const SegmentCache *s = &c->seg[want[i].seg];
        cr_expect_eq(s->selector, want[i].sel);
        cr_expect_eq(s->base, want[i].sel << 4, "segment %d: base = selector * 16", want[i].seg);
        cr_expect_eq(s->limit, 0xFFFF);
        cr_expect_eq(s->flags, 0xF3, "present DPL 3 read/write data");
    }
    cr_expect_eq(cpu_hflags(c) & (HF_VM | HF_CS32 | HF_SS32), HF_VM);
    rig_free(r);
}

Test(prot, int_n_in_virtual_8086_mode_with_iopl0_faults_to_the_cpl0_monitor)
{
    Rig *r = rig_new();
    r->cpu.stop_on_exception = false;
    install_stop(r, EXCP_GP);
    set_gate(r, IDT_GATE(0x21), S_CODE0, HANDLER2, 0xEE, 0);   /* usable, but INT n faults first */
    put(r, CODE0, vm86_enter, sizeof(vm86_enter));
    static const uint8_t v86[] = {0xB8, 0x34, 0x12, 0xCD, 0x21};    /* mov ax, 0x1234; int 0x21 */
    put(r, VM86_CS * 16, v86, sizeof(v86));
    cr_assert_eq(run(r), CPU_EXEC_HALTED);
    CpuState *c = &r->cpu;
    cr_expect_eq(c->regs[R_EAX] & 0xFFFF, 0x1234, "the virtual-8086 code ran");
    cr_expect_eq(c->regs[R_ESP], STACK0 - 40);
    /* EFLAGS: VM, and RF as every fault saves it (SDM Vol. 3A §17.3.1.1). */
    static const uint32_t frame[] = {0, 3, 0x500, 0x30002, 0x1000, 0x600, 0x111, 0x222, 0x333, 0x444};
    static const char *names[] = {"error", "EIP of the INT", "CS", "EFLAGS", "ESP", "SS", "ES", "DS", "FS", "GS"};
    for (unsigned i = 0; i < 10; i++)
        cr_expect_eq(rd32(r, STACK0 - 40 + 4 * i), frame[i], "frame %s: 0x%x", names[i], rd32(r, STACK0 - 40 + 4 * i));
    for (int s = 0; s < SEG_COUNT; s++) {
        if (s == SEG_CS || s == SEG_SS)
            continue;
        cr_expect_eq(c->seg[s].selector, 0, "segment %d nulled", s);
        cr_expect_eq(c->seg[s].flags & SEG_FLAG_P, 0);
    }
    cr_expect_eq(c->eflags & EFLAGS_VM, 0);
    cr_expect_eq(cpu_cpl(c), 0);
    rig_free(r);
}

Test(prot, int_n_with_iopl3_and_int3_go_through_the_idt)
{
    Rig *r = rig_new();
    r->cpu.stop_on_exception = false;
    install_stop(r, 0x21);
    set_gate(r, IDT_GATE(0x21), S_CODE0, HANDLER2, 0xEE, 0);
    set_gate(r, IDT_GATE(EXCP_BP), S_CODE0, HANDLER2, 0xEE, 0);
    static const uint8_t v86[] = {0xB8, 0x34, 0x12, 0xCD, 0x21, 0xCC};   /* mov ax, 0x1234; int 0x21; int3 */
    put(r, VM86_CS * 16, v86, sizeof(v86));
    state_vm86(r, 0, EFLAGS_IOPL);
    cr_assert_eq(run(r), CPU_EXEC_HALTED);
    cr_expect_eq(r->cpu.regs[R_ESP], STACK0 - 36, "no error code");
    cr_expect_eq(rd32(r, STACK0 - 36), 5, "return IP after the INT");
    cr_expect_eq(rd32(r, STACK0 - 28) & (EFLAGS_VM | EFLAGS_IOPL), EFLAGS_VM | EFLAGS_IOPL);
    /* INT3 is not IOPL-sensitive: with IOPL 0 it still uses the DPL 3 gate. */
    state_vm86(r, 5, 0);
    cr_assert_eq(run(r), CPU_EXEC_HALTED);
    cr_expect_eq(rd32(r, STACK0 - 36), 6);
    rig_free(r);
}

Test(prot, vme_redirects_int_n_to_the_8086_ivt)
{
    Rig *r = rig_new();
    r->cpu.cr[4] = CR4_VME;
    /* I/O map base 0x88: the redirection bitmap is TSS+0x68..0x87. */
    wr16(r, TSS + 0x66, 0x88);
    memset(r->ram + TSS + 0x68, 0, 32);
    r->ram[TSS + 0x68 + 0x22 / 8] |= 1u << (0x22 % 8);         /* INT 0x22 goes through the IDT */
    wr16(r, 0x21 * 4, 0x0100);                                  /* IVT[0x21] = 0600:0100 */
    wr16(r, 0x21 * 4 + 2, 0x0600);
    static const uint8_t handler[] = {0xBB, 0x78, 0x56, 0xCF};  /* mov bx, 0x5678; iret */
    put(r, 0x6100, handler, sizeof(handler));
    static const uint8_t v86[] = {0xCD, 0x21, 0xF4, 0xCD, 0x22};    /* int 0x21; hlt; int 0x22 */
    put(r, VM86_CS * 16, v86, sizeof(v86));
    state_vm86(r, 0, EFLAGS_IF | EFLAGS_VIF);
    cr_assert_eq(run(r), CPU_EXEC_EXCEPTION);
    CpuState *c = &r->cpu;
    cr_expect_eq(c->exception_vector, EXCP_GP, "stopped at the HLT");
    cr_expect_eq(c->eip, 2);
    cr_expect_eq(c->regs[R_EBX] & 0xFFFF, 0x5678, "the 8086 handler ran");
    cr_expect_eq(c->regs[R_ESP], VM86_SP);
    uint16_t pushed;
    memcpy(&pushed, r->ram + VM86_SS * 16 + VM86_SP - 2, 2);
    cr_expect_eq(pushed & (EFLAGS_IOPL | EFLAGS_IF), EFLAGS_IOPL | EFLAGS_IF, "FLAGS image: IOPL 3, IF = VIF");
    cr_expect(c->eflags & EFLAGS_VIF, "IRET gave VIF the popped IF");
    cr_expect(c->eflags & EFLAGS_IF, "IF untouched");
    /* Bit set in the bitmap and IOPL < 3: #GP(0) at the INT. */
    c->eip = 3;
    cr_assert_eq(run(r), CPU_EXEC_EXCEPTION);
    cr_expect_eq(c->exception_vector, EXCP_GP);
    cr_expect_eq(c->eip, 3);
    rig_free(r);
}

Test(prot, vme_cli_sti_pushf_popf_use_vif)
{
    Rig *r = rig_new();
    r->cpu.cr[4] = CR4_VME;
    /* cli; pushf; pop ax; sti; pushf; pop cx; hlt */
    static const uint8_t v86[] = {0xFA, 0x9C, 0x58, 0xFB, 0x9C, 0x59, 0xF4};
    put(r, VM86_CS * 16, v86, sizeof(v86));
    state_vm86(r, 0, EFLAGS_IF | EFLAGS_VIF);
    cr_assert_eq(run(r), CPU_EXEC_EXCEPTION);
    CpuState *c = &r->cpu;
    cr_expect_eq(c->eip, 6, "stopped at the HLT");
    cr_expect_eq(c->regs[R_EAX] & (EFLAGS_IOPL | EFLAGS_IF), EFLAGS_IOPL, "after CLI: IF image 0 (VIF), IOPL 3");
    cr_expect_eq(c->regs[R_ECX] & EFLAGS_IF, EFLAGS_IF, "after STI: IF image 1");
    cr_expect(c->eflags & EFLAGS_IF, "the real IF never changed");
    cr_expect(c->eflags & EFLAGS_VIF);
    /* STI with a virtual interrupt pending: #GP. */
    state_vm86(r, 3, EFLAGS_IF | EFLAGS_VIP);
    cr_assert_eq(run(r), CPU_EXEC_EXCEPTION);
    cr_expect_eq(c->exception_vector, EXCP_GP);
    cr_expect_eq(c->eip, 3);
    /* POPF with TF set: #GP; POPFD and PUSHFD: #GP. */
    static const uint8_t popf_tf[] = {0x68, 0x00, 0x01, 0x9D};      /* push 0x100; popf */
    put(r, VM86_CS * 16 + 0x10, popf_tf, sizeof(popf_tf));
    state_vm86(r, 0x10, EFLAGS_IF);
    cr_assert_eq(run(r), CPU_EXEC_EXCEPTION);
    cr_expect_eq(c->eip, 0x13);
    cr_expect_eq(c->regs[R_ESP], VM86_SP - 2, "the failed POPF left SP alone");
    static const uint8_t pushfd[] = {0x66, 0x9C};
    put(r, VM86_CS * 16 + 0x20, pushfd, sizeof(pushfd));
    state_vm86(r, 0x20, EFLAGS_IF);
    cr_assert_eq(run(r), CPU_EXEC_EXCEPTION);
    cr_expect_eq(c->exception_vector, EXCP_GP);
    cr_expect_eq(c->eip, 0x20);
    /* Without VME every one of them is #GP(0) below IOPL 3. */
    r->cpu.cr[4] = 0;
    state_vm86(r, 0, EFLAGS_IF);
    cr_assert_eq(run(r), CPU_EXEC_EXCEPTION);
    cr_expect_eq(c->exception_vector, EXCP_GP);
    cr_expect_eq(c->eip, 0, "CLI faults");
    state_vm86(r, 1, EFLAGS_IF | (2u << 12));
    cr_assert_eq(run(r), CPU_EXEC_EXCEPTION);
    cr_expect_eq(c->eip, 1, "PUSHF faults (IOPL 2)");
    /* With IOPL 3 they work on IF itself. */
    state_vm86(r, 0, EFLAGS_IF | EFLAGS_IOPL);
    cr_assert_eq(run(r), CPU_EXEC_EXCEPTION);
    cr_expect_eq(c->eip, 6);
    cr_expect_eq(c->regs[R_EAX] & (EFLAGS_IOPL | EFLAGS_IF), EFLAGS_IOPL);
    rig_free(r);
}

Test(prot, pvi_cli_and_sti_at_cpl3_use_vif)
{
    Rig *r = rig_new();
    r->cpu.cr[4] = CR4_PVI;
    static const uint8_t user[] = {0xFA, UD2, 0xFB, UD2};       /* cli; ud2; sti; ud2 */
    state_cpl3(r, CODE3);
    r->cpu.eflags |= EFLAGS_VIF;
    expect_exception(r, user, sizeof(user), EXCP_UD, 0, "CLI under PVI");
    cr_expect_eq(r->cpu.eflags & (EFLAGS_IF | EFLAGS_VIF), EFLAGS_IF);
    r->cpu.eip = CODE3 + 3;
    cr_assert_eq(run(r), CPU_EXEC_EXCEPTION);
    cr_expect_eq(r->cpu.exception_vector, EXCP_UD);
    cr_expect_eq(r->cpu.eflags & (EFLAGS_IF | EFLAGS_VIF), EFLAGS_IF | EFLAGS_VIF);
    rig_free(r);
}

/* ---- I/O permission bitmap (SDM Vol. 1 §18.5) ---- */

static void allow_port(Rig *r, unsigned port)
{
    r->ram[TSS + TSS_IOMAP + port / 8] &= (uint8_t)~(1u << (port % 8));
}

Test(prot, io_bitmap_allows_and_denies_ports_above_iopl)
{
    Rig *r = rig_new();
    allow_port(r, 0x80);
    allow_port(r, 0x86);
    allow_port(r, 0x87);
    CpuState *c = &r->cpu;
    /* mov al, 0x5a; out 0x80, al; out 0x81, al */
    static const uint8_t out8[] = {0xB0, 0x5A, 0xE6, 0x80, 0xE6, 0x81};
    state_cpl3(r, CODE3);
    expect_exception(r, out8, sizeof(out8), EXCP_GP, 0, "OUT to a denied port");
    cr_expect_eq(c->eip, CODE3 + 4);
    cr_expect_eq(r->ports.writes, 1);
    cr_expect_eq(r->ports.port, 0x80);
    cr_expect_eq(r->ports.value, 0x5A);
    /* mov dx, 0x86; out dx, ax; mov dx, 0x87; out dx, ax: the second spans 0x87 and 0x88 */
    static const uint8_t out16[] = {0x66, 0xBA, 0x86, 0x00, 0x66, 0xEF, 0x66, 0xBA, 0x87, 0x00, 0x66, 0xEF};
    state_cpl3(r, CODE3);
    expect_exception(r, out16, sizeof(out16), EXCP_GP, 0, "16-bit OUT half inside the bitmap");
    cr_expect_eq(c->eip, CODE3 + 10);
    cr_expect_eq(r->ports.writes, 2);
    static const uint8_t in8[] = {0xE4, 0x80, UD2};
    state_cpl3(r, CODE3);
    expect_exception(r, in8, sizeof(in8), EXCP_UD, 0, "IN from an allowed port");
    cr_expect_eq(c->regs[R_EAX] & 0xFF, 0x5A);
    /* IOPL 3: no bitmap at CPL 3. */
    static const uint8_t out81[] = {0xE6, 0x81, UD2};
    state_cpl3(r, CODE3);
    c->eflags |= EFLAGS_IOPL;
    expect_exception(r, out81, sizeof(out81), EXCP_UD, 0, "IOPL 3");
    cr_expect_eq(r->ports.port, 0x81);
    /* Virtual-8086 mode uses the bitmap even with IOPL 3. */
    state_vm86(r, 0, EFLAGS_IOPL);
    put(r, VM86_CS * 16, (uint8_t[]){0xE6, 0x80, 0xE6, 0x81}, 4);
    cr_assert_eq(run(r), CPU_EXEC_EXCEPTION);
    cr_expect_eq(c->exception_vector, EXCP_GP);
    cr_expect_eq(c->eip, 2);
    /* Both bitmap bytes covering the access must be inside the TSS limit. */
    state_cpl3(r, CODE3);
    c->tr.limit = TSS_IOMAP + 0x10;                             /* the byte for 0x80 but not the next */
    expect_exception(r, in8, sizeof(in8), EXCP_GP, 0, "bitmap beyond the TSS limit");
    /* A 16-bit TSS has no bitmap. */
    c->tr.limit = TSS_LIMIT;
    c->tr.flags = 0x83;
    state_cpl3(r, CODE3);
    expect_exception(r, in8, sizeof(in8), EXCP_GP, 0, "16-bit TSS");
    rig_free(r);
}

/* ---- SYSENTER / SYSEXIT (SDM Vol. 2B; Vol. 3A §5.8.7) ---- */

Test(prot, sysexit_and_sysenter_round_trip)
{
    Rig *r = rig_new();
    /* SYSENTER_CS = 8, _ESP = STACK0, _EIP = HANDLER; sysexit to CODE3 with ESP = STACK3 */
    static const uint8_t setup[] = {0xB9, 0x74, 0x01, 0x00, 0x00, 0xB8, 0x08, 0x00, 0x00, 0x00, 0x31, 0xD2, 0x0F,
                                    0x30, 0xB9, 0x75, 0x01, 0x00, 0x00, 0xB8, 0x00, 0x00, 0x07, 0x00, 0x0F, 0x30,
                                    0xB9, 0x76, 0x01, 0x00, 0x00, 0xB8, 0x00, 0x20, 0x00, 0x00, 0x0F, 0x30, 0xB9,
                                    0x00, 0x00, 0x06, 0x00, 0xBA, 0x00, 0x30, 0x00, 0x00, 0x0F, 0x35};
    /* mov esi, cs; mov edi, ss; mov ebp, esp; sysenter */
    static const uint8_t user[] = {0x8C, 0xCE, 0x8C, 0xD7, 0x89, 0xE5, 0x0F, 0x34};
    put(r, CODE3, user, sizeof(user));
    put(r, HANDLER, (uint8_t[]){0xF4}, 1);
    put(r, CODE0, setup, sizeof(setup));
    r->cpu.eflags |= EFLAGS_IF;
    cr_assert_eq(run(r), CPU_EXEC_HALTED);
    CpuState *c = &r->cpu;
    cr_expect_eq(c->regs[R_ESI] & 0xFFFF, 0x08 + 16 + 3, "SYSEXIT: CS = SYSENTER_CS + 16, RPL 3");
    cr_expect_eq(c->regs[R_EDI] & 0xFFFF, 0x08 + 24 + 3, "SS = SYSENTER_CS + 24, RPL 3");
    cr_expect_eq(c->regs[R_EBP], STACK3, "ESP = ECX");
    cr_expect_eq(c->eip, HANDLER + 1);
    cr_expect_eq(c->seg[SEG_CS].selector, 0x08);
    cr_expect_eq(c->seg[SEG_SS].selector, 0x10);
    cr_expect_eq(c->regs[R_ESP], STACK0);
    cr_expect_eq(c->seg[SEG_CS].flags, 0x9B | SEG_FLAG_DB | SEG_FLAG_G);
    cr_expect_eq(c->seg[SEG_SS].limit, 0xFFFFFFFF);
    cr_expect_eq(c->eflags & EFLAGS_IF, 0, "SYSENTER clears IF");
    /* #GP(0): SYSENTER with SYSENTER_CS = 0, SYSEXIT at CPL 3, SYSENTER in real mode. */
    static const uint8_t sysenter[] = {0x0F, 0x34}, sysexit[] = {0x0F, 0x35};
    state_cpl3(r, CODE3 + 0x100);
    expect_exception(r, sysexit, sizeof(sysexit), EXCP_GP, 0, "SYSEXIT at CPL 3");
    c->sysenter_cs = 0;
    state_cpl3(r, CODE3 + 0x100);
    expect_exception(r, sysenter, sizeof(sysenter), EXCP_GP, 0, "SYSENTER with SYSENTER_CS = 0");
    c->sysenter_cs = 8;
    state_cpl0(r, CODE0 + 0x100);
    c->cr[0] &= ~CR0_PE;
    c->seg[SEG_CS] = (SegmentCache){.selector = 0, .base = 0, .limit = 0xFFFF, .flags = 0x9B};
    expect_exception(r, sysenter, sizeof(sysenter), EXCP_GP, 0, "SYSENTER in real mode");
    rig_free(r);
}

/* ---- LAR, LSL, VERR, VERW (SDM Vol. 2A/2B; Vol. 3A §5.10) ---- */

enum { L_DATA0 = 0x38, L_CODE3 = 0x40, L_CONF0 = 0x48, L_XONLY0 = 0x50, L_GATE3 = 0x58, L_INTGATE = 0x60 };

typedef struct Probe {
    bool zf;
    uint32_t ecx;
} Probe;

/* mov ax, sel; mov ecx, 0xdeadbeef; <insn ecx/ax>; ud2 */
static Probe probe(Rig *r, const uint8_t insn[3], uint32_t sel)
{
    uint8_t code[] = {0x66, 0xB8, (uint8_t)sel, (uint8_t)(sel >> 8), 0xB9, 0xEF, 0xBE, 0xAD, 0xDE,
                      insn[0], insn[1], insn[2], UD2};
    uint32_t eip = r->cpu.eip;
    cpu_set_eflags(&r->cpu, CC_Z, CC_ALL);      /* ZF set before: the instruction must decide it */
    expect_exception(r, code, sizeof(code), EXCP_UD, 0, "probe");
    r->cpu.eip = eip;
    return (Probe){(cpu_get_eflags(&r->cpu) & CC_Z) != 0, r->cpu.regs[R_ECX]};
}

static const uint8_t LAR[3] = {0x0F, 0x02, 0xC8}, LSL[3] = {0x0F, 0x03, 0xC8};
static const uint8_t VERR[3] = {0x0F, 0x00, 0xE0}, VERW[3] = {0x0F, 0x00, 0xE8};

Test(prot, lar_lsl_verr_verw)
{
    Rig *r = rig_new();
    set_desc(r, GDT, L_DATA0, 0, 0x12345, 0x93, 4);
    set_desc(r, GDT, L_CODE3, 0, 0xFFFFF, 0xFB, F_FLAT);
    set_desc(r, GDT, L_CONF0, 0, 0x1, 0x9F, 0x8);
    set_desc(r, GDT, L_XONLY0, 0, 0xFFFF, 0x99, 0x4);
    set_gate(r, GDT + L_GATE3, S_CODE0, 0, 0xEC, 0);
    set_gate(r, GDT + L_INTGATE, S_CODE0, 0, 0x8E, 0);
    static const struct {
        uint32_t sel;
        bool lar, lsl, verr, verw;      /* ZF at CPL 0 */
        uint32_t ar, limit;
        bool lar3, verr3;               /* at CPL 3 (LSL follows LAR there) */
    } cases[] = {
        {L_DATA0, 1, 1, 1, 1, 0x00409300, 0x12345, 0, 0},
        {L_CODE3, 1, 1, 1, 0, 0x00C0FB00, 0xFFFFFFFF, 1, 1},
        {L_CONF0, 1, 1, 1, 0, 0x00809F00, 0x1FFF, 1, 1},
        {L_XONLY0, 1, 1, 0, 0, 0x00409900, 0xFFFF, 0, 0},
        {S_TSS, 1, 1, 0, 0, 0x00008B00, TSS_LIMIT, 0, 0},
        {S_LDT, 1, 1, 0, 0, 0x00008200, 0xF, 0, 0},
        {L_GATE3, 1, 0, 0, 0, 0x0000EC00, 0, 1, 0},
        {L_INTGATE, 0, 0, 0, 0, 0, 0, 0, 0},
        {0, 0, 0, 0, 0, 0, 0, 0, 0},
        {0xFF8, 0, 0, 0, 0, 0, 0, 0, 0},
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint32_t sel = cases[i].sel;
        state_cpl0(r, CODE0);
        Probe p = probe(r, LAR, sel);
        cr_expect_eq(p.zf, cases[i].lar, "LAR 0x%x: ZF", sel);
        cr_expect_eq(p.ecx, cases[i].lar ? cases[i].ar : 0xDEADBEEF, "LAR 0x%x: 0x%x", sel, p.ecx);
        p = probe(r, LSL, sel);
        cr_expect_eq(p.zf, cases[i].lsl, "LSL 0x%x: ZF", sel);
        cr_expect_eq(p.ecx, cases[i].lsl ? cases[i].limit : 0xDEADBEEF, "LSL 0x%x: 0x%x", sel, p.ecx);
        cr_expect_eq(probe(r, VERR, sel).zf, cases[i].verr, "VERR 0x%x", sel);
        cr_expect_eq(probe(r, VERW, sel).zf, cases[i].verw, "VERW 0x%x", sel);
        state_cpl3(r, CODE3);
        p = probe(r, LAR, sel | 3);
        cr_expect_eq(p.zf, cases[i].lar3, "LAR 0x%x at CPL 3", sel);
        cr_expect_eq(p.ecx, cases[i].lar3 ? cases[i].ar : 0xDEADBEEF);
        cr_expect_eq(probe(r, LSL, sel | 3).zf, cases[i].lar3 && cases[i].lsl, "LSL 0x%x at CPL 3", sel);
        cr_expect_eq(probe(r, VERR, sel | 3).zf, cases[i].verr3, "VERR 0x%x at CPL 3", sel);
        cr_expect_eq(probe(r, VERW, sel | 3).zf, sel == L_CODE3 ? 0 : cases[i].verw && cases[i].verr3,
                     "VERW 0x%x at CPL 3", sel);
    }
    /* RPL above DPL hides a segment at CPL 0 too. */
    state_cpl0(r, CODE0);
    cr_expect(!probe(r, VERR, L_DATA0 | 1).zf);
    /* 16-bit operand: LAR gives only the low word. */
    state_cpl0(r, CODE0);
    static const uint8_t lar16[] = {0x66, 0xB8, L_CODE3, 0, 0xB9, 0xEF, 0xBE, 0xAD, 0xDE, 0x66, 0x0F, 0x02, 0xC8, UD2};
    expect_exception(r, lar16, sizeof(lar16), EXCP_UD, 0, "LAR r16");
    cr_expect_eq(r->cpu.regs[R_ECX], 0xDEADFB00);
    rig_free(r);
}

/* ---- MSRs (SDM Vol. 2B RDMSR/WRMSR; Vol. 4) ---- */

/* mov ecx, msr; mov eax, lo; mov edx, hi; wrmsr; xor eax, eax; xor edx, edx; rdmsr; ud2 */
static void msr_round_trip(Rig *r, uint32_t msr, uint64_t v, int vector, uint64_t expect)
{
    uint8_t code[] = {0xB9, (uint8_t)msr, (uint8_t)(msr >> 8), (uint8_t)(msr >> 16), (uint8_t)(msr >> 24),
                      0xB8, (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24),
                      0xBA, (uint8_t)(v >> 32), (uint8_t)(v >> 40), (uint8_t)(v >> 48), (uint8_t)(v >> 56),
                      0x0F, 0x30, 0x31, 0xC0, 0x31, 0xD2, 0x0F, 0x32, UD2};
    char what[64];
    snprintf(what, sizeof(what), "MSR 0x%x = 0x%llx", msr, (unsigned long long)v);
    state_cpl0(r, CODE0);
    expect_exception(r, code, sizeof(code), vector, 0, what);
    if (vector == EXCP_UD) {
        uint64_t got = ((uint64_t)r->cpu.regs[R_EDX] << 32) | r->cpu.regs[R_EAX];
        cr_expect_eq(got, expect, "%s: read back 0x%llx", what, (unsigned long long)got);
    } else {
        cr_expect_eq(r->cpu.eip, CODE0 + 15, "%s: the WRMSR faulted", what);
    }
}

Test(prot, msrs_read_back_and_refuse_what_they_do_not_have)
{
    Rig *r = rig_new();
    msr_round_trip(r, 0x174, 0x08, EXCP_UD, 0x08);
    msr_round_trip(r, 0x175, 0x12345678, EXCP_UD, 0x12345678);
    msr_round_trip(r, 0x176, 0xC0001000, EXCP_UD, 0xC0001000);
    cr_expect_eq(r->cpu.sysenter_eip, 0xC0001000);
    msr_round_trip(r, 0x1B, 0xFEE00800, EXCP_UD, 0xFEE00800);
    msr_round_trip(r, 0x1B, 0xFEE00001, EXCP_GP, 0);            /* reserved bit */
    msr_round_trip(r, 0x277, 0x0007040600070406ULL, EXCP_UD, 0x0007040600070406ULL);
    msr_round_trip(r, 0x277, 0x0007040600070402ULL, EXCP_GP, 0); /* type 2 is reserved */
    msr_round_trip(r, 0x2FF, 0xC06, EXCP_UD, 0xC06);
    msr_round_trip(r, 0x2FF, 0x1006, EXCP_GP, 0);
    msr_round_trip(r, 0x250, 0x0606060606060606ULL, EXCP_UD, 0x0606060606060606ULL);
    msr_round_trip(r, 0x259, 0x0000000001010101ULL, EXCP_UD, 0x0000000001010101ULL);
    msr_round_trip(r, 0x26F, 0x0505050505050505ULL, EXCP_UD, 0x0505050505050505ULL);
    cr_expect_eq(r->cpu.mtrr_fixed[10], 0x0505050505050505ULL);
    msr_round_trip(r, 0x268, 0x0303030303030303ULL, EXCP_GP, 0);
    msr_round_trip(r, 0x200, 0x00000000C0000006ULL, EXCP_UD, 0x00000000C0000006ULL);
    msr_round_trip(r, 0x201, 0x0000000FC0000800ULL, EXCP_UD, 0x0000000FC0000800ULL);
    msr_round_trip(r, 0x201, 0x0000001FC0000800ULL, EXCP_GP, 0);  /* above 36 bits */
    msr_round_trip(r, 0x20F, 0x0000000FFF000800ULL, EXCP_UD, 0x0000000FFF000800ULL);
    msr_round_trip(r, 0xFE, 0, EXCP_GP, 0);                     /* MTRRcap is read-only */
    msr_round_trip(r, 0x8B, 0, EXCP_UD, 0);                     /* BIOS_SIGN_ID reads 0 */
    msr_round_trip(r, 0x12345, 0, EXCP_GP, 0);                  /* unknown */
    msr_round_trip(r, 0xC0000080, 0, EXCP_GP, 0);               /* EFER: not until NX */
    /* MTRRcap: 8 variable ranges, fixed ranges, WC. */
    static const uint8_t rd_cap[] = {0xB9, 0xFE, 0, 0, 0, 0x0F, 0x32, UD2};
    state_cpl0(r, CODE0);
    expect_exception(r, rd_cap, sizeof(rd_cap), EXCP_UD, 0, "MTRRcap");
    cr_expect_eq(r->cpu.regs[R_EAX], 0x508);
    /* The TSC: P6 writes the low half only; RDTSC and RDMSR agree. */
    /* mov ecx, 0x10; mov eax, 0x100000; mov edx, 5; wrmsr; rdmsr; mov esi, eax; mov edi, edx; rdtsc; hlt */
    static const uint8_t tsc[] = {0xB9, 0x10, 0x00, 0x00, 0x00, 0xB8, 0x00, 0x00, 0x10, 0x00, 0xBA, 0x05, 0x00,
                                  0x00, 0x00, 0x0F, 0x30, 0x0F, 0x32, 0x89, 0xC6, 0x89, 0xD7, 0x0F, 0x31, 0xF4};
    state_cpl0(r, CODE0);
    put(r, CODE0, tsc, sizeof(tsc));
    cr_assert_eq(run(r), CPU_EXEC_HALTED);
    cr_expect_eq(r->cpu.regs[R_EDI], 0, "high half cleared");
    cr_expect(r->cpu.regs[R_ESI] >= 0x100000 && r->cpu.regs[R_ESI] < 0x100010, "TSC 0x%x", r->cpu.regs[R_ESI]);
    cr_expect(r->cpu.regs[R_EAX] >= r->cpu.regs[R_ESI] && r->cpu.regs[R_EAX] < 0x100010);
    cr_expect_eq(r->cpu.regs[R_EDX], 0);
    /* CPL 3: #GP(0) for both. */
    state_cpl3(r, CODE3);
    expect_exception(r, (uint8_t[]){0x0F, 0x32}, 2, EXCP_GP, 0, "RDMSR at CPL 3");
    rig_free(r);
}

Test(prot, rdpmc_needs_cpl0_or_cr4_pce)
{
    Rig *r = rig_new();
    static const uint8_t code[] = {0x31, 0xC9, 0x0F, 0x33, UD2};       /* xor ecx, ecx; rdpmc; ud2 */
    state_cpl3(r, CODE3);
    expect_exception(r, code, sizeof(code), EXCP_GP, 0, "RDPMC at CPL 3");
    r->cpu.cr[4] = CR4_PCE;
    state_cpl3(r, CODE3);
    r->cpu.regs[R_EAX] = r->cpu.regs[R_EDX] = 0xFFFFFFFF;
    expect_exception(r, code, sizeof(code), EXCP_UD, 0, "RDPMC with PCE");
    cr_expect_eq(r->cpu.regs[R_EAX] | r->cpu.regs[R_EDX], 0);
    static const uint8_t bad[] = {0xB9, 2, 0, 0, 0, 0x0F, 0x33, UD2};
    state_cpl0(r, CODE0);
    expect_exception(r, bad, sizeof(bad), EXCP_GP, 0, "RDPMC counter 2");
    rig_free(r);
}

/* ---- CPL and mode checks of system instructions ---- */

Test(prot, privileged_instructions_fault_at_cpl3)
{
    Rig *r = rig_new();
    static const struct { const char *name; uint8_t len, bytes[8]; } insns[] = {
        {"lgdt", 7, {0x0F, 0x01, 0x15, 0, 0, 0, 0}}, {"lidt", 7, {0x0F, 0x01, 0x1D, 0, 0, 0, 0}},
        {"lldt", 3, {0x0F, 0x00, 0xD0}}, {"ltr", 3, {0x0F, 0x00, 0xD8}}, {"lmsw", 3, {0x0F, 0x01, 0xF0}},
        {"clts", 2, {0x0F, 0x06}}, {"invlpg", 7, {0x0F, 0x01, 0x3D, 0, 0, 0, 0}}, {"invd", 2, {0x0F, 0x08}},
        {"wbinvd", 2, {0x0F, 0x09}}, {"rdmsr", 2, {0x0F, 0x32}}, {"wrmsr", 2, {0x0F, 0x30}},
        {"hlt", 1, {0xF4}}, {"mov cr0, eax", 3, {0x0F, 0x22, 0xC0}}, {"mov eax, cr0", 3, {0x0F, 0x20, 0xC0}},
        {"sysexit", 2, {0x0F, 0x35}}, {"cli", 1, {0xFA}}, {"sti", 1, {0xFB}}, {"in", 2, {0xE4, 0x81}},
    };
    for (unsigned i = 0; i < sizeof(insns) / sizeof(insns[0]); i++) {
        state_cpl3(r, CODE3);
        expect_exception(r, insns[i].bytes, insns[i].len, EXCP_GP, 0, insns[i].name);
        cr_expect_eq(r->cpu.eip, CODE3, "%s: at the instruction", insns[i].name);
    }
    /* At CPL 0 the harmless ones run: CLTS clears CR0.TS, INVD/WBINVD/INVLPG do nothing visible. */
    static const uint8_t cpl0[] = {0x0F, 0x06, 0x0F, 0x08, 0x0F, 0x09, 0x0F, 0x01, 0x3D, 0, 0, 0, 0, UD2};
    state_cpl0(r, CODE0);
    r->cpu.cr[0] |= CR0_TS;
    expect_exception(r, cpl0, sizeof(cpl0), EXCP_UD, 0, "CLTS INVD WBINVD INVLPG at CPL 0");
    cr_expect_eq(r->cpu.cr[0] & CR0_TS, 0);
    rig_free(r);
}

Test(prot, protected_mode_only_instructions_are_ud_in_real_and_vm86_mode)
{
    Rig *r = rig_new();
    static const struct { const char *name; uint8_t len, bytes[4]; } insns[] = {
        {"sldt", 3, {0x0F, 0x00, 0xC0}}, {"str", 3, {0x0F, 0x00, 0xC8}}, {"lldt", 3, {0x0F, 0x00, 0xD0}},
        {"ltr", 3, {0x0F, 0x00, 0xD8}}, {"verr", 3, {0x0F, 0x00, 0xE0}}, {"verw", 3, {0x0F, 0x00, 0xE8}},
        {"lar", 3, {0x0F, 0x02, 0xC0}}, {"lsl", 3, {0x0F, 0x03, 0xC0}}, {"arpl", 2, {0x63, 0xC0}},
    };
    for (unsigned i = 0; i < sizeof(insns) / sizeof(insns[0]); i++) {
        state_vm86(r, 0x40, EFLAGS_IOPL);
        r->cpu.eip = 0x40;
        put(r, VM86_CS * 16 + 0x40, insns[i].bytes, insns[i].len);
        cr_assert_eq(run(r), CPU_EXEC_EXCEPTION);
        cr_expect_eq(r->cpu.exception_vector, EXCP_UD, "%s in virtual-8086 mode", insns[i].name);
        state_cpl0(r, CODE0);
        r->cpu.cr[0] &= ~CR0_PE;
        r->cpu.seg[SEG_CS] = (SegmentCache){.selector = 0, .base = 0, .limit = 0xFFFF, .flags = 0x9B};
        expect_exception(r, insns[i].bytes, insns[i].len, EXCP_UD, 0, insns[i].name);
    }
    /* SMSW works everywhere: smsw ax; ud2 */
    state_vm86(r, 0x40, 0);
    put(r, VM86_CS * 16 + 0x40, (uint8_t[]){0x0F, 0x01, 0xE0, UD2}, 5);
    cr_assert_eq(run(r), CPU_EXEC_EXCEPTION);
    cr_expect_eq(r->cpu.exception_vector, EXCP_UD);
    cr_expect_eq(r->cpu.eip, 0x43);
    cr_expect_eq(r->cpu.regs[R_EAX] & 0xFFFF, CR0_PE | CR0_ET);
    rig_free(r);
}

Test(prot, lldt_ltr_sldt_str)
{
    Rig *r = rig_new();
    set_desc(r, GDT, 0x38, TSS + 0x3000, 0x67, 0x89, 0);          /* available 32-bit TSS */
    set_desc(r, GDT, 0x40, LDT, 0x17, 0x82, 0);                   /* LDT, 3 entries */
    set_desc(r, GDT, 0x48, LDT, 0x17, 0x02, 0);                   /* LDT, not present */
    set_desc(r, LDT, 0x14, 0x7000, 0xFFFF, A_DATA0, 4);
    /* mov ax, 0x38; ltr ax; mov ax, 0x40; lldt ax; mov ax, 0x14; mov ds, ax; str ebx; sldt ecx; ud2 */
    static const uint8_t code[] = {0x66, 0xB8, 0x38, 0x00, 0x0F, 0x00, 0xD8, 0x66, 0xB8, 0x40, 0x00, 0x0F, 0x00,
                                   0xD0, 0x66, 0xB8, 0x14, 0x00, 0x8E, 0xD8, 0x0F, 0x00, 0xCB, 0x0F, 0x00, 0xC1,
                                   UD2};
    r->cpu.regs[R_EBX] = r->cpu.regs[R_ECX] = 0xFFFFFFFF;
    expect_exception(r, code, sizeof(code), EXCP_UD, 0, "LTR, LLDT, STR, SLDT");
    CpuState *c = &r->cpu;
    cr_expect_eq(c->tr.selector, 0x38);
    cr_expect_eq(c->tr.base, TSS + 0x3000);
    cr_expect_eq(c->tr.flags & 0xF, 0xB, "TR holds a busy TSS");
    cr_expect_eq(r->ram[GDT + 0x38 + 5], 0x8B, "LTR set the busy bit in the GDT");
    cr_expect_eq(c->ldt.base, LDT);
    cr_expect_eq(c->ldt.limit, 0x17);
    cr_expect_eq(c->seg[SEG_DS].base, 0x7000, "through the new LDT");
    cr_expect_eq(c->regs[R_EBX], 0x38, "STR r32 zero-extends");
    cr_expect_eq(c->regs[R_ECX], 0x40);
    static const struct { uint32_t sel; bool ltr; int vector; uint32_t error; } bad[] = {
        {0x38, true, EXCP_GP, 0x38},        /* busy now */
        {0, true, EXCP_GP, 0},
        {S_DATA0, true, EXCP_GP, S_DATA0},
        {0x3C, true, EXCP_GP, 0x3C},        /* LDT selector */
        {S_DATA0, false, EXCP_GP, S_DATA0},
        {0x48, false, EXCP_NP, 0x48},
        {0x44, false, EXCP_GP, 0x44},
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint8_t insn[] = {0x66, 0xB8, (uint8_t)bad[i].sel, (uint8_t)(bad[i].sel >> 8), 0x0F, 0x00,
                          bad[i].ltr ? 0xD8 : 0xD0, UD2};
        state_cpl0(r, CODE0 + 0x100);
        expect_exception(r, insn, sizeof(insn), bad[i].vector, bad[i].error, bad[i].ltr ? "LTR" : "LLDT");
    }
    /* LLDT 0: no LDT; LDT selectors then fault. */
    static const uint8_t null_ldt[] = {0x31, 0xC0, 0x0F, 0x00, 0xD0, 0x66, 0xB8, 0x14, 0x00, 0x8E, 0xD8};
    state_cpl0(r, CODE0 + 0x200);
    expect_exception(r, null_ldt, sizeof(null_ldt), EXCP_GP, 0x14, "LDT selector with a null LDTR");
    rig_free(r);
}

/* ---- flags: POPF, ARPL ---- */

Test(prot, popf_at_cpl3_keeps_iopl_and_if)
{
    Rig *r = rig_new();
    /* push 0x3000; popfd; pushfd; pop eax; ud2 */
    static const uint8_t user[] = {0x68, 0x00, 0x30, 0x00, 0x00, 0x9D, 0x9C, 0x58, UD2};
    state_cpl3(r, CODE3);
    expect_exception(r, user, sizeof(user), EXCP_UD, 0, "POPFD at CPL 3");
    cr_expect_eq(r->cpu.regs[R_EAX] & (EFLAGS_IOPL | EFLAGS_IF), EFLAGS_IF, "IOPL and IF unchanged");
    state_cpl0(r, CODE0);
    expect_exception(r, user, sizeof(user), EXCP_UD, 0, "POPFD at CPL 0");
    cr_expect_eq(r->cpu.regs[R_EAX] & (EFLAGS_IOPL | EFLAGS_IF), EFLAGS_IOPL);
    rig_free(r);
}

Test(prot, arpl_raises_rpl)
{
    Rig *r = rig_new();
    /* mov ax, 0x10; mov bx, 0x23; arpl ax, bx; setz cl; arpl ax, bx; setz ch; ud2 */
    static const uint8_t code[] = {0x66, 0xB8, 0x10, 0x00, 0x66, 0xBB, 0x23, 0x00, 0x63, 0xD8, 0x0F, 0x94, 0xC1,
                                   0x63, 0xD8, 0x0F, 0x94, 0xC5, UD2};
    expect_exception(r, code, sizeof(code), EXCP_UD, 0, "ARPL");
    cr_expect_eq(r->cpu.regs[R_EAX] & 0xFFFF, 0x13);
    cr_expect_eq(r->cpu.regs[R_ECX] & 0xFFFF, 0x0001, "ZF: changed, then not");
    rig_free(r);
}

/* ---- task gates and TSSs as far-transfer targets (SDM Vol. 3A §7.3) ---- */

enum { S_TSS2 = 0x38, S_TASKGATE = 0x40, S_TASKGATE0 = 0x48, TSS2 = TSS + 0x3000 };

Test(prot, call_through_a_task_gate_and_iret_back)
{
    Rig *r = rig_new();
    set_desc(r, GDT, S_TSS2, TSS2, 0x67, 0x89, 0);
    set_gate(r, GDT + S_TASKGATE, S_TSS2, 0, 0xE5, 0);              /* task gate, DPL 3 */
    set_gate(r, GDT + S_TASKGATE0, S_TSS2, 0, 0x85, 0);             /* task gate, DPL 0 */
    wr32(r, TSS2 + 0x20, HANDLER);                                  /* EIP */
    wr32(r, TSS2 + 0x24, EFLAGS_FIXED);
    wr32(r, TSS2 + 0x38, STACK0);                                   /* ESP */
    for (int s = 0; s < SEG_COUNT; s++)
        wr32(r, TSS2 + 0x48 + 4 * s, s == SEG_CS ? S_CODE0 : S_DATA0);
    static const uint8_t task[] = {0xB8, 0x55, 0x55, 0, 0, 0xCF};   /* mov eax, 0x5555; iretd */
    put(r, HANDLER, task, sizeof(task));
    /* At CPL 3 a DPL 0 task gate is #GP(gate). */
    static const uint8_t call0[] = {0x9A, 0, 0, 0, 0, S_TASKGATE0 | 3, 0};
    state_cpl3(r, CODE3);
    expect_exception(r, call0, sizeof(call0), EXCP_GP, S_TASKGATE0, "CALL to a DPL 0 task gate");
    /* call 0x43:0; ud2 */
    static const uint8_t call[] = {0x9A, 0, 0, 0, 0, S_TASKGATE | 3, 0, UD2};
    state_cpl3(r, CODE3);
    r->cpu.regs[R_EAX] = 0x1111;
    expect_exception(r, call, sizeof(call), EXCP_UD, 0, "task call and return");
    CpuState *c = &r->cpu;
    cr_expect_eq(c->eip, CODE3 + 7, "back in the first task after the CALL");
    cr_expect_eq(c->tr.selector, S_TSS);
    cr_expect_eq(c->regs[R_EAX], 0x1111, "the first task's registers");
    cr_expect_eq(rd32(r, TSS2 + 0x28), 0x5555, "the second task ran (its EAX saved in its TSS)");
    cr_expect_eq(rd32(r, TSS2) & 0xFFFF, S_TSS, "back link");
    cr_expect_eq(r->ram[GDT + S_TSS2 + 5], 0x89, "IRET left the second TSS available");
    cr_expect_eq(cpu_cpl(c), 3);
    /* IRET with NT whose back link is not a busy TSS: #TS(link). */
    static const uint8_t iret[] = {0xCF};
    state_cpl0(r, CODE0);
    c->eflags |= EFLAGS_NT;
    wr16(r, TSS, S_TSS2);                                           /* available: not a return target */
    expect_exception(r, iret, sizeof(iret), EXCP_TS, S_TSS2, "IRET to an available TSS");
    rig_free(r);
}
