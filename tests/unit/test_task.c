/* Hardware task switching through cpu_task_switch() on a bare address
 * space: 32-bit and 16-bit TSS formats saved and loaded field by field,
 * busy bits, NT and the back link for JMP, CALL, IRET and interrupts, the
 * checks on the new TSS (#TS, #GP, #NP before the switch) and those that
 * fault in the new task's context, CR3 with paging, the error code push,
 * LDTR, virtual-8086 tasks, and the debug side (T bit, DR7 local enables).
 * Reference: SDM Vol. 3A §7.3, Tables 7-1 and 7-2. */
#include <criterion/criterion.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/debug.h"
#include "cpu/exception.h"
#include "cpu/task.h"

#define RAM_SIZE (1u << 20)
#define GDT_BASE 0x600u

/* Selectors of the test GDT. */
enum {
    SEL_CODE = 0x08, SEL_DATA = 0x10,
    SEL_TSS_A = 0x18,           /* 32-bit, the current task (busy) */
    SEL_TSS_B = 0x20,           /* 32-bit, available */
    SEL_TSS_C = 0x28,           /* 16-bit, available */
    SEL_TSS_SMALL = 0x30,       /* 32-bit with limit 0x50 */
    SEL_LDT = 0x38,
    SEL_DATA_NP = 0x40,         /* not present */
    SEL_TSS_NP = 0x48,          /* 32-bit TSS, not present */
    SEL_DATA_BASE = 0x50,       /* data at base 0x20000, limit 0xFFFF */
    GDT_LIMIT = 0x57,
};
#define TSS_A 0x4000u
#define TSS_B 0x4100u
#define TSS_C 0x4200u
#define LDT_BASE 0x4400u

typedef struct Rig {
    AddressSpace mem, io;
    uint8_t *ram;
    Clock clock;
    Log log;
    CpuState cpu;
} Rig;

static void put32(Rig *r, uint32_t addr, uint32_t v) { memcpy(r->ram + addr, &v, 4); }
static void put16(Rig *r, uint32_t addr, uint16_t v) { memcpy(r->ram + addr, &v, 2); }
static uint32_t get32(const Rig *r, uint32_t addr) { uint32_t v; memcpy(&v, r->ram + addr, 4); return v; }
static uint16_t get16(const Rig *r, uint32_t addr) { uint16_t v; memcpy(&v, r->ram + addr, 2); return v; }

/* A descriptor: `access` is bits 8-15 of the high word (P, DPL, S, type),
 * `flags` bits 20-23 (AVL, L, D/B, G). */
static void set_desc(Rig *r, uint32_t table, uint32_t sel, uint32_t base, uint32_t limit, uint32_t access,
                     uint32_t flags)
{
    uint32_t at = table + (sel & ~7u);
    put32(r, at, (base << 16) | (limit & 0xFFFF));
    put32(r, at + 4, (base & 0xFF000000) | ((base >> 16) & 0xFF) | (access << 8) | (limit & 0xF0000) | (flags << 20));
}

static unsigned desc_type(const Rig *r, uint32_t sel)
{
    return (get32(r, GDT_BASE + sel + 4) >> 8) & 0xF;
}

/* Fill a 32-bit TSS with a recognizable task: EIP, EFLAGS, registers
 * 0x10000000 * (i + 1) + tag, flat segments, no LDT. */
static void fill_tss32(Rig *r, uint32_t base, uint32_t tag, uint32_t eip, uint32_t eflags)
{
    memset(r->ram + base, 0, 0x68);
    put32(r, base + 0x1C, 0x12000);         /* CR3 */
    put32(r, base + 0x20, eip);
    put32(r, base + 0x24, eflags);
    for (uint32_t i = 0; i < 8; i++)
        put32(r, base + 0x28 + 4 * i, 0x10000000u * (i + 1) + tag);
    put32(r, base + 0x38, 0x9000);          /* ESP */
    for (uint32_t s = 0; s < SEG_COUNT; s++)
        put16(r, base + 0x48 + 4 * s, s == SEG_CS ? SEL_CODE : SEL_DATA);
    put16(r, base + 0x00, 0xBEEF);          /* back link: only CALL/INT write it */
}

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
    cpu_enter_multiboot(&r->cpu, 0x1000, 0);
    set_desc(r, GDT_BASE, SEL_CODE, 0, 0xFFFFF, 0x9B, 0xC);
    set_desc(r, GDT_BASE, SEL_DATA, 0, 0xFFFFF, 0x93, 0xC);
    set_desc(r, GDT_BASE, SEL_TSS_A, TSS_A, 0x67, 0x8B, 0);
    set_desc(r, GDT_BASE, SEL_TSS_B, TSS_B, 0x67, 0x89, 0);
    set_desc(r, GDT_BASE, SEL_TSS_C, TSS_C, 0x2B, 0x81, 0);
    set_desc(r, GDT_BASE, SEL_TSS_SMALL, 0x4300, 0x50, 0x89, 0);
    set_desc(r, GDT_BASE, SEL_LDT, LDT_BASE, 0x17, 0x82, 0);
    set_desc(r, GDT_BASE, SEL_DATA_NP, 0, 0xFFFFF, 0x13, 0xC);
    set_desc(r, GDT_BASE, SEL_TSS_NP, TSS_B, 0x67, 0x09, 0);
    set_desc(r, GDT_BASE, SEL_DATA_BASE, 0x20000, 0xFFFF, 0x93, 0x4);
    r->cpu.gdt_base = GDT_BASE;
    r->cpu.gdt_limit = GDT_LIMIT;
    r->cpu.tr = (SegmentCache){.selector = SEL_TSS_A, .base = TSS_A, .limit = 0x67, .flags = 0x8B};
    for (int s = 0; s < SEG_COUNT; s++)
        r->cpu.seg[s].selector = s == SEG_CS ? SEL_CODE : SEL_DATA;
    /* The current task's registers: 0xA0 + i in every byte. */
    for (int i = 0; i < 8; i++)
        r->cpu.regs[i] = 0x01010101u * (0xA0u + (uint32_t)i);
    cpu_set_eflags(&r->cpu, EFLAGS_IF | CC_C | CC_Z, 0xFFFFFFFF);
    r->cpu.stop_on_exception = true;
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

/* cpu_task_switch outside cpu_exec: its exceptions longjmp to the CPU's
 * jmp_env, caught here. Returns the vector raised, or -1. */
static int try_switch(Rig *r, uint32_t sel, TaskSwitchSource src, uint32_t next_eip, bool has_error,
                      uint32_t error)
{
    r->cpu.exception_vector = -1;
    if (setjmp(r->cpu.jmp_env) == 0) {
        cpu_task_switch(&r->cpu, sel, src, next_eip, has_error, error);
        return -1;
    }
    return r->cpu.exception_vector;
}

Test(task, jmp_to_a_32bit_tss_saves_and_loads_exactly)
{
    Rig *r = rig_new();
    uint32_t old_eflags = cpu_get_eflags(&r->cpu);
    fill_tss32(r, TSS_B, 0xB, 0x2000, EFLAGS_FIXED | CC_S | CC_O);
    cr_assert_eq(try_switch(r, SEL_TSS_B, TASK_SWITCH_JMP, 0x1005, false, 0), -1);

    /* The old task's dynamic fields (Figure 7-2). */
    cr_expect_eq(get32(r, TSS_A + 0x20), 0x1005, "EIP saved is the next instruction's");
    cr_expect_eq(get32(r, TSS_A + 0x24), old_eflags);
    for (uint32_t i = 0; i < 8; i++)
        cr_expect_eq(get32(r, TSS_A + 0x28 + 4 * i), 0x01010101u * (0xA0 + i), "register %u", i);
    for (uint32_t s = 0; s < SEG_COUNT; s++)
        cr_expect_eq(get16(r, TSS_A + 0x48 + 4 * s), s == SEG_CS ? SEL_CODE : SEL_DATA, "selector %u", s);

    /* The new task. */
    cr_expect_eq(r->cpu.eip, 0x2000);
    for (uint32_t i = 0; i < 8; i++)
        cr_expect_eq(r->cpu.regs[i], i == R_ESP ? 0x9000 : 0x10000000u * (i + 1) + 0xB, "register %u", i);
    cr_expect_eq(cpu_get_eflags(&r->cpu), EFLAGS_FIXED | CC_S | CC_O, "EFLAGS from the TSS, NT untouched by JMP");
    cr_expect_eq(r->cpu.seg[SEG_CS].selector, SEL_CODE);
    cr_expect_eq(r->cpu.seg[SEG_CS].limit, 0xFFFFFFFF);
    cr_expect(r->cpu.seg[SEG_CS].flags & SEG_FLAG_DB);
    cr_expect_eq(r->cpu.seg[SEG_SS].selector, SEL_DATA);
    cr_expect(r->cpu.seg[SEG_SS].flags & SEG_FLAG_P);
    cr_expect_eq(r->cpu.tr.selector, SEL_TSS_B);
    cr_expect_eq(r->cpu.tr.base, TSS_B);
    cr_expect_eq(r->cpu.tr.flags & 0xF, 0xB, "TR caches a busy TSS");
    cr_expect(r->cpu.cr[0] & CR0_TS);
    cr_expect_eq(r->cpu.cr[3], 0, "no paging: CR3 left alone");

    /* Table 7-2, JMP: old busy cleared, new busy set, no back link. */
    cr_expect_eq(desc_type(r, SEL_TSS_A), 0x9);
    cr_expect_eq(desc_type(r, SEL_TSS_B), 0xB);
    cr_expect_eq(get16(r, TSS_B), 0xBEEF);
    rig_free(r);
}

Test(task, call_nests_and_iret_returns_to_the_same_state)
{
    Rig *r = rig_new();
    uint32_t regs[8];
    memcpy(regs, r->cpu.regs, sizeof(regs));
    uint32_t eflags = cpu_get_eflags(&r->cpu);
    fill_tss32(r, TSS_B, 0xB, 0x2000, EFLAGS_FIXED);
    cr_assert_eq(try_switch(r, SEL_TSS_B, TASK_SWITCH_CALL, 0x1007, false, 0), -1);
    /* Table 7-2, CALL: old stays busy, new busy, NT set, back link. */
    cr_expect_eq(desc_type(r, SEL_TSS_A), 0xB);
    cr_expect_eq(desc_type(r, SEL_TSS_B), 0xB);
    cr_expect_eq(get16(r, TSS_B), SEL_TSS_A);
    cr_expect(r->cpu.eflags & EFLAGS_NT);
    cr_expect_eq(r->cpu.eip, 0x2000);

    /* The nested task returns: IRET to its back link. */
    r->cpu.regs[R_EAX] = 0x5555;
    cr_assert_eq(try_switch(r, get16(r, TSS_B), TASK_SWITCH_IRET, 0x2010, false, 0), -1);
    cr_expect_eq(r->cpu.eip, 0x1007);
    cr_expect_arr_eq(r->cpu.regs, regs, sizeof(regs));
    cr_expect_eq(cpu_get_eflags(&r->cpu), eflags, "EFLAGS as before the CALL (NT clear)");
    cr_expect_eq(r->cpu.tr.selector, SEL_TSS_A);
    /* Table 7-2, IRET: the returning task is no longer busy, and its saved
     * EFLAGS has NT cleared; the task returned to stays busy. */
    cr_expect_eq(desc_type(r, SEL_TSS_B), 0x9);
    cr_expect_eq(desc_type(r, SEL_TSS_A), 0xB);
    cr_expect_eq(get32(r, TSS_B + 0x24) & EFLAGS_NT, 0);
    cr_expect_eq(get32(r, TSS_B + 0x28), 0x5555);
    cr_expect_eq(get32(r, TSS_B + 0x20), 0x2010);
    rig_free(r);
}

Test(task, switch_to_and_from_a_16bit_tss)
{
    Rig *r = rig_new();
    /* 16-bit TSS (Figure 7-11): IP 0E, FLAGS 10, AX..DI 12-20, ES CS SS DS 22-28, LDT 2A. */
    memset(r->ram + TSS_C, 0, 0x2C);
    put16(r, TSS_C + 0x0E, 0x3000);
    put16(r, TSS_C + 0x10, EFLAGS_FIXED | CC_C);
    for (uint32_t i = 0; i < 8; i++)
        put16(r, TSS_C + 0x12 + 2 * i, (uint16_t)(0x100 * (i + 1) + 0xC));
    put16(r, TSS_C + 0x22, SEL_DATA);
    put16(r, TSS_C + 0x24, SEL_CODE);
    put16(r, TSS_C + 0x26, SEL_DATA);
    put16(r, TSS_C + 0x28, SEL_DATA);
    r->cpu.eflags |= EFLAGS_AC;     /* an upper-half flag the 16-bit image cannot hold */
    cr_assert_eq(try_switch(r, SEL_TSS_C, TASK_SWITCH_JMP, 0x1003, false, 0), -1);
    cr_expect_eq(r->cpu.eip, 0x3000);
    for (uint32_t i = 0; i < 8; i++)
        cr_expect_eq(r->cpu.regs[i], 0xFFFF0000u | (0x100 * (i + 1) + 0xC), "register %u: upper half all ones", i);
    cr_expect_eq(cpu_get_eflags(&r->cpu), EFLAGS_FIXED | CC_C, "upper half of EFLAGS zero");
    cr_expect_eq(r->cpu.seg[SEG_FS].selector, 0, "no FS in a 16-bit TSS: null");
    cr_expect_eq(r->cpu.seg[SEG_GS].selector, 0);
    cr_expect_eq(r->cpu.seg[SEG_DS].selector, SEL_DATA);
    cr_expect_eq(r->cpu.tr.flags & 0xF, 0x3, "busy 16-bit TSS");
    cr_expect_eq(desc_type(r, SEL_TSS_C), 0x3);

    /* Back to A by JMP: the state goes into the 16-bit TSS. */
    r->cpu.regs[R_EBX] = 0xDEAD1234;
    cpu_set_eflags(&r->cpu, EFLAGS_FIXED | CC_Z | EFLAGS_DF, 0xFFFFFFFF);
    cr_assert_eq(try_switch(r, SEL_TSS_A, TASK_SWITCH_JMP, 0x3004, false, 0), -1);
    cr_expect_eq(get16(r, TSS_C + 0x0E), 0x3004);
    cr_expect_eq(get16(r, TSS_C + 0x10), EFLAGS_FIXED | CC_Z | EFLAGS_DF);
    cr_expect_eq(get16(r, TSS_C + 0x12 + 2 * R_EBX), 0x1234);
    cr_expect_eq(get16(r, TSS_C + 0x24), SEL_CODE);
    cr_expect_eq(get16(r, TSS_C + 0x2A), 0, "the LDT field is not written back");
    cr_expect_eq(desc_type(r, SEL_TSS_C), 0x1);
    cr_expect_eq(r->cpu.eip, 0x1003, "A resumes where it jumped away");
    cr_expect_eq(r->cpu.regs[R_EBX], 0x01010101u * 0xA3);
    rig_free(r);
}

Test(task, too_small_tss_limit_is_ts_before_anything_changes)
{
    Rig *r = rig_new();
    CpuState before = r->cpu;
    uint8_t gdt[GDT_LIMIT + 1], tss[0x68];
    memcpy(gdt, r->ram + GDT_BASE, sizeof(gdt));
    memcpy(tss, r->ram + TSS_A, sizeof(tss));
    cr_assert_eq(try_switch(r, SEL_TSS_SMALL, TASK_SWITCH_JMP, 0x1005, false, 0), EXCP_TS);
    cr_expect_eq(r->cpu.exception_error, SEL_TSS_SMALL);
    cr_expect_eq(r->cpu.eip, before.eip);
    cr_expect_arr_eq(r->cpu.regs, before.regs, sizeof(before.regs));
    cr_expect_eq(r->cpu.tr.selector, SEL_TSS_A);
    cr_expect_eq(r->cpu.cr[0], before.cr[0], "TS not set");
    cr_expect_arr_eq(r->ram + GDT_BASE, gdt, sizeof(gdt), "busy bits untouched");
    cr_expect_arr_eq(r->ram + TSS_A, tss, sizeof(tss), "nothing saved");
    /* The 16-bit minimum is 0x2B. */
    set_desc(r, GDT_BASE, SEL_TSS_C, TSS_C, 0x2A, 0x81, 0);
    cr_assert_eq(try_switch(r, SEL_TSS_C, TASK_SWITCH_JMP, 0x1005, false, 0), EXCP_TS);
    rig_free(r);
}

Test(task, descriptor_checks_before_the_switch)
{
    Rig *r = rig_new();
    /* JMP/CALL to a busy TSS: #GP(selector). */
    cr_expect_eq(try_switch(r, SEL_TSS_A, TASK_SWITCH_CALL, 0, false, 0), EXCP_GP);
    cr_expect_eq(r->cpu.exception_error, SEL_TSS_A);
    /* IRET to a TSS that is not busy: #TS(selector). */
    cr_expect_eq(try_switch(r, SEL_TSS_B, TASK_SWITCH_IRET, 0, false, 0), EXCP_TS);
    cr_expect_eq(r->cpu.exception_error, SEL_TSS_B);
    /* Not a TSS (a data segment); in the LDT; beyond the GDT. */
    cr_expect_eq(try_switch(r, SEL_DATA, TASK_SWITCH_JMP, 0, false, 0), EXCP_GP);
    cr_expect_eq(try_switch(r, SEL_TSS_B | 4, TASK_SWITCH_JMP, 0, false, 0), EXCP_GP);
    cr_expect_eq(try_switch(r, 0x1000, TASK_SWITCH_INT, 0, false, 0), EXCP_GP);
    cr_expect_eq(r->cpu.exception_error, 0x1000);
    /* Not present: #NP(selector). */
    cr_expect_eq(try_switch(r, SEL_TSS_NP, TASK_SWITCH_JMP, 0, false, 0), EXCP_NP);
    cr_expect_eq(r->cpu.exception_error, SEL_TSS_NP);
    cr_expect_eq(r->cpu.tr.selector, SEL_TSS_A, "still the old task");
    cr_expect_eq(desc_type(r, SEL_TSS_A), 0xB);
    rig_free(r);
}

Test(task, interrupt_with_error_code_pushes_it_on_the_new_stack)
{
    Rig *r = rig_new();
    fill_tss32(r, TSS_B, 0xB, 0x2000, EFLAGS_FIXED);
    cr_assert_eq(try_switch(r, SEL_TSS_B, TASK_SWITCH_INT, 0x1000, true, 0x1234), -1);
    cr_expect_eq(r->cpu.regs[R_ESP], 0x9000 - 4);
    cr_expect_eq(get32(r, 0x9000 - 4), 0x1234);
    cr_expect(r->cpu.eflags & EFLAGS_NT);
    cr_expect_eq(get16(r, TSS_B), SEL_TSS_A);
    cr_expect_eq(get32(r, TSS_A + 0x20), 0x1000, "a fault's EIP: the faulting instruction");
    cr_expect_eq(desc_type(r, SEL_TSS_A), 0xB);
    rig_free(r);
}

Test(task, segment_faults_belong_to_the_new_task)
{
    Rig *r = rig_new();
    fill_tss32(r, TSS_B, 0xB, 0x2000, EFLAGS_FIXED);
    put16(r, TSS_B + 0x48 + 4 * SEG_DS, SEL_DATA_NP);
    cr_assert_eq(try_switch(r, SEL_TSS_B, TASK_SWITCH_JMP, 0x1005, false, 0), EXCP_NP);
    cr_expect_eq(r->cpu.exception_error, SEL_DATA_NP);
    cr_expect_eq(r->cpu.tr.selector, SEL_TSS_B, "past the commit point");
    cr_expect_eq(r->cpu.eip, 0x2000, "the new task's EIP");
    cr_expect_eq(r->cpu.exception_next_eip, 0x2000);
    cr_expect_eq(r->cpu.regs[R_EAX], 0x1000000B);
    cr_expect_eq(r->cpu.seg[SEG_DS].selector, SEL_DATA_NP, "the selector is loaded");
    cr_expect_eq(r->cpu.seg[SEG_DS].flags & SEG_FLAG_P, 0, "its cache is unusable");
    cr_expect_eq(get32(r, TSS_A + 0x20), 0x1005, "the old task was saved");
    rig_free(r);
}

Test(task, stack_and_code_segment_checks)
{
    /* SS not present: #SS; SS a code segment: #TS; CS null: #TS; SS with
     * RPL 3 under CS RPL 0: #TS. Each from a fresh TSS A -> B switch. */
    struct { uint32_t seg, sel; int vector; } cases[] = {
        {SEG_SS, SEL_DATA_NP, EXCP_SS},
        {SEG_SS, SEL_CODE, EXCP_TS},
        {SEG_CS, 0, EXCP_TS},
        {SEG_SS, SEL_DATA | 3, EXCP_TS},
        {SEG_CS, SEL_DATA, EXCP_TS},
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        Rig *q = rig_new();
        fill_tss32(q, TSS_B, 0xB, 0x2000, EFLAGS_FIXED);
        put16(q, TSS_B + 0x48 + 4 * cases[i].seg, (uint16_t)cases[i].sel);
        cr_expect_eq(try_switch(q, SEL_TSS_B, TASK_SWITCH_JMP, 0, false, 0), cases[i].vector, "case %u", i);
        cr_expect_eq(q->cpu.exception_error, cases[i].sel & 0xFFFC, "case %u", i);
        rig_free(q);
    }
}

Test(task, ldt_comes_from_the_new_tss)
{
    Rig *r = rig_new();
    fill_tss32(r, TSS_B, 0xB, 0x2000, EFLAGS_FIXED);
    /* LDT entry 1 (selector 0x0C): data at base 0x30000. */
    set_desc(r, LDT_BASE, 0x08, 0x30000, 0xFFFF, 0x93, 0x4);
    put16(r, TSS_B + 0x60, SEL_LDT);
    put16(r, TSS_B + 0x48 + 4 * SEG_ES, 0x0C);
    cr_assert_eq(try_switch(r, SEL_TSS_B, TASK_SWITCH_JMP, 0, false, 0), -1);
    cr_expect_eq(r->cpu.ldt.selector, SEL_LDT);
    cr_expect_eq(r->cpu.ldt.base, LDT_BASE);
    cr_expect_eq(r->cpu.ldt.limit, 0x17);
    cr_expect_eq(r->cpu.seg[SEG_ES].base, 0x30000);
    cr_expect(get32(r, LDT_BASE + 0x0C) & (1u << 8), "the segment load set the accessed bit");
    /* An LDT selector that names the LDT itself is #TS. */
    Rig *q = rig_new();
    fill_tss32(q, TSS_B, 0xB, 0x2000, EFLAGS_FIXED);
    put16(q, TSS_B + 0x60, SEL_LDT | 4);
    cr_expect_eq(try_switch(q, SEL_TSS_B, TASK_SWITCH_JMP, 0, false, 0), EXCP_TS);
    rig_free(q);
    rig_free(r);
}

Test(task, virtual_8086_task_gets_real_mode_segments)
{
    Rig *r = rig_new();
    fill_tss32(r, TSS_B, 0xB, 0x0100, EFLAGS_FIXED | EFLAGS_VM);
    for (uint32_t s = 0; s < SEG_COUNT; s++)
        put16(r, TSS_B + 0x48 + 4 * s, (uint16_t)(0x2000 + s));
    cr_assert_eq(try_switch(r, SEL_TSS_B, TASK_SWITCH_JMP, 0, false, 0), -1);
    cr_expect(r->cpu.eflags & EFLAGS_VM);
    for (int s = 0; s < SEG_COUNT; s++) {
        cr_expect_eq(r->cpu.seg[s].base, (0x2000u + (uint32_t)s) << 4, "segment %d", s);
        cr_expect_eq(r->cpu.seg[s].limit, 0xFFFF);
    }
    cr_expect_eq(cpu_cpl(&r->cpu), 3);
    rig_free(r);
}

/* Identity-map the first 4 MiB: PDs at 0x10000 and 0x12000 share the page
 * table at 0x11000. */
static void enable_paging(Rig *r)
{
    for (uint32_t i = 0; i < 1024; i++)
        put32(r, 0x11000 + 4 * i, (i << 12) | 3);
    put32(r, 0x10000, 0x11000 | 3);
    put32(r, 0x12000, 0x11000 | 3);
    r->cpu.cr[3] = 0x10000;
    r->cpu.cr[0] |= CR0_PG;
    tlb_flush_all(&r->cpu.tlb);
}

Test(task, cr3_is_loaded_with_paging_and_the_tlb_flushed)
{
    Rig *r = rig_new();
    enable_paging(r);
    fill_tss32(r, TSS_B, 0xB, 0x2000, EFLAGS_FIXED);
    uint64_t flushes = r->cpu.tlb.flushes;
    cr_assert_eq(try_switch(r, SEL_TSS_B, TASK_SWITCH_JMP, 0, false, 0), -1);
    cr_expect_eq(r->cpu.cr[3], 0x12000);
    cr_expect_gt(r->cpu.tlb.flushes, flushes);
    rig_free(r);
}

Test(task, t_bit_traps_before_the_first_instruction)
{
    Rig *r = rig_new();
    fill_tss32(r, TSS_B, 0xB, 0x2000, EFLAGS_FIXED);
    put16(r, TSS_B + 0x64, 1);
    static const uint8_t code[] = {0x90, 0xF4};     /* nop; hlt */
    memcpy(r->ram + 0x2000, code, sizeof(code));
    cr_assert_eq(try_switch(r, SEL_TSS_B, TASK_SWITCH_JMP, 0, false, 0), -1);
    cr_assert_eq(cpu_exec(&r->cpu, 100), CPU_EXEC_EXCEPTION);
    cr_expect_eq(r->cpu.exception_vector, EXCP_DB);
    cr_expect_eq(r->cpu.eip, 0x2000);
    cr_expect_eq(r->cpu.insns_retired, 0);
    cr_expect(cpu_debug_get_dr(&r->cpu, 6) & DR6_BT);
    cr_assert_eq(cpu_exec(&r->cpu, 100), CPU_EXEC_HALTED);
    rig_free(r);
}

Test(task, local_breakpoint_enables_end_with_the_task)
{
    Rig *r = rig_new();
    fill_tss32(r, TSS_B, 0xB, 0x2000, EFLAGS_FIXED);
    cpu_debug_set_dr(&r->cpu, 7, DR7_L(0) | DR7_G(1) | DR7_L(3) | (1u << 8) | (1u << 9));
    cr_assert_eq(try_switch(r, SEL_TSS_B, TASK_SWITCH_JMP, 0, false, 0), -1);
    cr_expect_eq(cpu_debug_get_dr(&r->cpu, 7), DR7_FIXED | DR7_G(1) | (1u << 9),
                 "L0-L3 and LE cleared, G and GE kept");
    rig_free(r);
}

/* A device that starts a task switch from inside a translated block, as
 * the far JMP/CALL helpers do: the switch commits, then the new task's
 * DS is found not present. */
static uint64_t switcher_read(void *opaque, uint64_t off, unsigned size)
{
    (void)opaque, (void)off, (void)size;
    return 0;
}

static void switcher_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    Rig *r = opaque;
    (void)off, (void)val, (void)size;
    cpu_task_switch(&r->cpu, SEL_TSS_B, TASK_SWITCH_JMP, 0x1004, false, 0);
}

static const IoOps switcher_ops = {.read = switcher_read, .write = switcher_write};

Test(task, fault_after_the_commit_point_inside_a_block)
{
    Rig *r = rig_new();
    Error err = {0};
    cr_assert(as_map_io(&r->io, 0x80, 1, &switcher_ops, r, "switcher", &err), "%s", err.msg);
    fill_tss32(r, TSS_B, 0xB, 0x2000, EFLAGS_FIXED);
    put16(r, TSS_B + 0x48 + 4 * SEG_DS, SEL_DATA_NP);
    static const uint8_t code[] = {0x90, 0x90, 0xE6, 0x80, 0xF4};  /* nop; nop; out 0x80, al; hlt */
    memcpy(r->ram + 0x1000, code, sizeof(code));
    cr_assert_eq(cpu_exec(&r->cpu, 100), CPU_EXEC_EXCEPTION);
    cr_expect_eq(r->cpu.exception_vector, EXCP_NP);
    cr_expect_eq(r->cpu.eip, 0x2000, "in the new task, not back at the OUT");
    cr_expect_eq(r->cpu.tr.selector, SEL_TSS_B);
    cr_expect_eq(r->cpu.insns_retired, 3, "the switching instruction completed");
    cr_expect_eq(get32(r, TSS_A + 0x20), 0x1004);
    rig_free(r);
}

Test(task, far_jmp_to_a_tss_counts_each_instruction_once)
{
    Rig *r = rig_new();
    fill_tss32(r, TSS_B, 0xB, 0x2000, EFLAGS_FIXED);
    /* 1000 nop; nop; jmp far 0x20:0 (to TSS B); 1009 hlt.  2000 hlt */
    static const uint8_t code[] = {0x90, 0x90, 0xEA, 0x00, 0x00, 0x00, 0x00, SEL_TSS_B, 0x00, 0xF4};
    memcpy(r->ram + 0x1000, code, sizeof(code));
    r->ram[0x2000] = 0xF4;
    cr_assert_eq(cpu_exec(&r->cpu, 100), CPU_EXEC_HALTED);
    cr_expect_eq(r->cpu.tr.selector, SEL_TSS_B);
    cr_expect_eq(r->cpu.eip, 0x2001);
    cr_expect_eq(get32(r, TSS_A + 0x20), 0x1009, "A saved after its JMP");
    cr_expect_eq(r->cpu.insns_retired, 4, "NOP, NOP, JMP, HLT");
    rig_free(r);
}
