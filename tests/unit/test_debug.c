/* Debug exceptions and NMI end to end on a bare address space (no machine):
 * the MOV DRn rules and DR6/DR7 reserved bits, single-step with its
 * TF/INT n/MOV SS interactions, instruction breakpoints and RF, data
 * breakpoints (recorded hits and the re-run of an instruction that hits
 * inside a longer block), ICEBP, and NMI delivery and blocking until IRET.
 * Reference: SDM Vol. 3A ch. 17 and §6.7.1. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/debug.h"
#include "cpu/exception.h"

#define RAM_SIZE (1u << 20)
#define GDT_BASE 0x600u
#define IDT_BASE 0x800u
#define LOG_AREA 0x7000u        /* handlers record here */

typedef struct Rig {
    AddressSpace mem, io;
    uint8_t *ram;
    Clock clock;
    Log log;
    CpuState cpu;
    int port_writes;            /* the probe device at port 0x80 */
} Rig;

static void put32(Rig *r, uint32_t addr, uint32_t v)
{
    memcpy(r->ram + addr, &v, 4);
}

static uint32_t get32(const Rig *r, uint32_t addr)
{
    uint32_t v;
    memcpy(&v, r->ram + addr, 4);
    return v;
}

/* Protected mode: flat 32-bit code (0x08) and data (0x10) in a GDT, an
 * empty IDT (every vector not present), code at 0x1000, stack at 0x8000. */
static Rig *rig_new(bool protected_mode)
{
    Rig *r = calloc(1, sizeof(*r));
    Error err = {0};
    r->ram = calloc(1, RAM_SIZE);
    as_init(&r->mem, "memory", PHYS_ADDR_SPACE_SIZE, &r->log);
    as_init(&r->io, "ioport", IO_PORT_SPACE_SIZE, &r->log);
    cr_assert(as_map_ram(&r->mem, 0, RAM_SIZE, r->ram, "ram", &err), "%s", err.msg);
    clock_init_deterministic(&r->clock, 0);
    cpu_init(&r->cpu, &r->mem, &r->io, &r->clock, &r->log);
    if (protected_mode) {
        cpu_enter_multiboot(&r->cpu, 0x1000, 0);
        put32(r, GDT_BASE + 8, 0x0000FFFF);
        put32(r, GDT_BASE + 12, 0x00CF9A00);
        put32(r, GDT_BASE + 16, 0x0000FFFF);
        put32(r, GDT_BASE + 20, 0x00CF9200);
        r->cpu.gdt_base = GDT_BASE;
        r->cpu.gdt_limit = 0x17;
        r->cpu.idt_base = IDT_BASE;
        r->cpu.idt_limit = 0x7FF;
    } else {
        r->cpu.seg[SEG_CS] = (SegmentCache){.selector = 0, .base = 0, .limit = 0xFFFF, .flags = 0x9B};
        r->cpu.eip = 0x1000;
    }
    r->cpu.regs[R_ESP] = 0x8000;
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

static void put(Rig *r, uint32_t addr, const void *bytes, size_t len)
{
    memcpy(r->ram + addr, bytes, len);
}

/* A 32-bit interrupt gate (DPL 0) to flat code. */
static void set_gate(Rig *r, unsigned vector, uint32_t handler)
{
    put32(r, IDT_BASE + vector * 8, (0x08u << 16) | (handler & 0xFFFF));
    put32(r, IDT_BASE + vector * 8 + 4, (handler & 0xFFFF0000) | 0x8E00);
}

static void set_ivt(Rig *r, unsigned vector, uint16_t offset)
{
    uint16_t e[2] = {offset, 0};
    put(r, vector * 4, e, 4);
}

static CpuExecStatus run(Rig *r)
{
    return cpu_exec(&r->cpu, 100000);
}

/* ---- MOV DRn ---- */

Test(debug, dr6_and_dr7_read_their_power_on_values)
{
    Rig *r = rig_new(true);
    /* mov eax, dr6; mov ebx, dr7; hlt */
    static const uint8_t code[] = {0x0F, 0x21, 0xF0, 0x0F, 0x21, 0xFB, 0xF4};
    put(r, 0x1000, code, sizeof(code));
    cr_assert_eq(run(r), CPU_EXEC_HALTED);
    cr_expect_eq(r->cpu.regs[R_EAX], 0xFFFF0FF0);
    cr_expect_eq(r->cpu.regs[R_EBX], 0x400);
    rig_free(r);
}

Test(debug, mov_dr_round_trip_keeps_reserved_bits_fixed)
{
    Rig *r = rig_new(true);
    /* mov eax, 0x12345678; mov dr0, eax; mov ecx, dr0;
     * mov eax, -1; mov dr6, eax; mov edx, dr6;
     * mov eax, 0xDC00; mov dr7, eax; mov ebx, dr7; hlt
     * (0xDC00: the reserved DR7 bits 10-12, 14, 15, but not GD) */
    static const uint8_t code[] = {0xB8, 0x78, 0x56, 0x34, 0x12, 0x0F, 0x23, 0xC0, 0x0F, 0x21, 0xC1, 0xB8, 0xFF,
                                   0xFF, 0xFF, 0xFF, 0x0F, 0x23, 0xF0, 0x0F, 0x21, 0xF2, 0xB8, 0x00, 0xDC, 0x00,
                                   0x00, 0x0F, 0x23, 0xF8, 0x0F, 0x21, 0xFB, 0xF4};
    put(r, 0x1000, code, sizeof(code));
    cr_assert_eq(run(r), CPU_EXEC_HALTED);
    cr_expect_eq(r->cpu.regs[R_ECX], 0x12345678);
    cr_expect_eq(r->cpu.regs[R_EDX], 0xFFFFEFFF, "DR6 bit 12 reads 0, the rest of the reserved bits 1");
    cr_expect_eq(r->cpu.regs[R_EBX], 0x400, "DR7 bit 10 reads 1, bits 11, 12, 14, 15 read 0");
    rig_free(r);
}

Test(debug, dr4_and_dr5_alias_dr6_and_dr7_without_cr4_de)
{
    Rig *r = rig_new(true);
    /* mov eax, 1; mov dr5, eax; mov ebx, dr7; mov ecx, dr4; hlt */
    static const uint8_t code[] = {0xB8, 0x01, 0x00, 0x00, 0x00, 0x0F, 0x23, 0xE8, 0x0F, 0x21,
                                   0xFB, 0x0F, 0x21, 0xE1, 0xF4};
    put(r, 0x1000, code, sizeof(code));
    cr_assert_eq(run(r), CPU_EXEC_HALTED);
    cr_expect_eq(r->cpu.regs[R_EBX], 0x401, "DR5 wrote DR7 (L0)");
    cr_expect_eq(r->cpu.regs[R_ECX], 0xFFFF0FF0, "DR4 read DR6");
    rig_free(r);
}

Test(debug, dr4_is_undefined_opcode_with_cr4_de)
{
    Rig *r = rig_new(true);
    r->cpu.cr[4] = CR4_DE;
    static const uint8_t code[] = {0x90, 0x0F, 0x21, 0xE0, 0xF4};   /* nop; mov eax, dr4; hlt */
    put(r, 0x1000, code, sizeof(code));
    cr_assert_eq(run(r), CPU_EXEC_EXCEPTION);
    cr_expect_eq(r->cpu.exception_vector, EXCP_UD);
    cr_expect_eq(r->cpu.eip, 0x1001);
    rig_free(r);
}

Test(debug, mov_dr_outside_ring_0_is_gp)
{
    Rig *r = rig_new(true);
    r->cpu.seg[SEG_CS].selector = 0x0B;     /* CPL 3 */
    static const uint8_t code[] = {0x0F, 0x21, 0xF8, 0xF4};   /* mov eax, dr7; hlt */
    put(r, 0x1000, code, sizeof(code));
    cr_assert_eq(run(r), CPU_EXEC_EXCEPTION);
    cr_expect_eq(r->cpu.exception_vector, EXCP_GP);
    cr_expect(r->cpu.exception_has_error);
    cr_expect_eq(r->cpu.exception_error, 0);
    rig_free(r);
}

Test(debug, mov_dr_is_allowed_in_real_mode)
{
    Rig *r = rig_new(false);
    static const uint8_t code[] = {0x0F, 0x21, 0xF8, 0xF4};   /* mov eax, dr7; hlt */
    put(r, 0x1000, code, sizeof(code));
    cr_assert_eq(run(r), CPU_EXEC_HALTED);
    cr_expect_eq(r->cpu.regs[R_EAX], 0x400);
    rig_free(r);
}

Test(debug, general_detect_faults_before_the_mov_and_clears_gd)
{
    Rig *r = rig_new(true);
    cpu_debug_set_dr(&r->cpu, 7, DR7_GD);
    static const uint8_t code[] = {0x90, 0x0F, 0x21, 0xC0, 0xF4};   /* nop; mov eax, dr0; hlt */
    put(r, 0x1000, code, sizeof(code));
    r->cpu.regs[R_EAX] = 0xAAAA;
    cr_assert_eq(run(r), CPU_EXEC_EXCEPTION);
    cr_expect_eq(r->cpu.exception_vector, EXCP_DB);
    cr_expect_eq(r->cpu.eip, 0x1001, "a fault: EIP of the MOV");
    cr_expect_eq(r->cpu.regs[R_EAX], 0xAAAA, "the MOV did not run");
    cr_expect(cpu_debug_get_dr(&r->cpu, 6) & DR6_BD);
    cr_expect_eq(cpu_debug_get_dr(&r->cpu, 7) & DR7_GD, 0, "GD cleared for the handler");
    /* With GD clear the MOV now runs. */
    cr_assert_eq(run(r), CPU_EXEC_HALTED);
    cr_expect_eq(r->cpu.regs[R_EAX], 0);
    rig_free(r);
}

/* ---- single-step ---- */

Test(debug, single_step_traps_after_each_instruction_but_not_into_int_n)
{
    Rig *r = rig_new(true);
    r->cpu.stop_on_exception = false;
    /* #DB handler: mov eax, [esp]; mov [0x7000 + edi*4], eax; inc edi; iret */
    static const uint8_t db[] = {0x8B, 0x04, 0x24, 0x89, 0x04, 0xBD, 0x00, 0x70, 0x00, 0x00, 0x47, 0xCF};
    static const uint8_t int30[] = {0x45, 0xCF};    /* inc ebp; iret */
    /* 1000 pushfd; 1001 or dword [esp], 0x100; 1008 popfd (sets TF);
     * 1009 mov ebx, 1; 100E inc ebx; 100F int 0x30; 1011 inc ebx;
     * 1012 pushfd; 1013 and dword [esp], ~0x100; 101A popfd (clears TF); 101B hlt */
    static const uint8_t code[] = {0x9C, 0x81, 0x0C, 0x24, 0x00, 0x01, 0x00, 0x00, 0x9D, 0xBB,
                                   0x01, 0x00, 0x00, 0x00, 0x43, 0xCD, 0x30, 0x43, 0x9C, 0x81,
                                   0x24, 0x24, 0xFF, 0xFE, 0xFF, 0xFF, 0x9D, 0xF4};
    put(r, 0x2000, db, sizeof(db));
    put(r, 0x2100, int30, sizeof(int30));
    put(r, 0x1000, code, sizeof(code));
    set_gate(r, EXCP_DB, 0x2000);
    set_gate(r, 0x30, 0x2100);
    cr_assert_eq(run(r), CPU_EXEC_HALTED);
    /* POPF setting TF traps only after the next instruction; INT n clears
     * TF for its handler and does not trap; the IRET back restores TF, so
     * the instruction after INT traps; POPF clearing TF still traps. */
    static const uint32_t expect[] = {0x100E, 0x100F, 0x1012, 0x1013, 0x101A, 0x101B};
    cr_assert_eq(r->cpu.regs[R_EDI], 6, "one #DB per stepped instruction");
    for (unsigned i = 0; i < 6; i++)
        cr_expect_eq(get32(r, LOG_AREA + 4 * i), expect[i], "trap %u returned to %x", i, get32(r, LOG_AREA + 4 * i));
    cr_expect_eq(r->cpu.regs[R_EBP], 1, "the INT 0x30 handler ran (unstepped)");
    cr_expect_eq(r->cpu.regs[R_EBX], 3);
    cr_expect(cpu_debug_get_dr(&r->cpu, 6) & DR6_BS);
    cr_expect_eq(r->cpu.eflags & EFLAGS_TF, 0);
    rig_free(r);
}

Test(debug, single_step_stops_after_one_instruction_each_run)
{
    Rig *r = rig_new(true);
    /* mov ecx, 1; inc ecx; inc ecx; hlt */
    static const uint8_t code[] = {0xB9, 0x01, 0x00, 0x00, 0x00, 0x41, 0x41, 0xF4};
    put(r, 0x1000, code, sizeof(code));
    r->cpu.eflags |= EFLAGS_TF;
    uint32_t eips[3];
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(run(r), CPU_EXEC_EXCEPTION);
        cr_assert_eq(r->cpu.exception_vector, EXCP_DB);
        eips[i] = r->cpu.eip;
    }
    cr_expect_eq(eips[0], 0x1005);
    cr_expect_eq(eips[1], 0x1006);
    cr_expect_eq(eips[2], 0x1007);
    cr_expect_eq(r->cpu.regs[R_ECX], 3);
    cr_expect_eq(r->cpu.insns_retired, 3);
    cr_expect_eq(cpu_debug_get_dr(&r->cpu, 6) & (DR6_BS | DR6_BMASK), DR6_BS);
    rig_free(r);
}

Test(debug, mov_ss_holds_the_single_step_trap_one_instruction_sti_does_not)
{
    Rig *r = rig_new(false);
    /* 1000 sti; 1001 nop; 1002 mov ax, 0; 1005 mov ss, ax; 1007 nop; 1008 hlt */
    static const uint8_t code[] = {0xFB, 0x90, 0xB8, 0x00, 0x00, 0x8E, 0xD0, 0x90, 0xF4};
    put(r, 0x1000, code, sizeof(code));
    r->cpu.eflags |= EFLAGS_TF;
    static const uint32_t expect[] = {0x1001, 0x1002, 0x1005, 0x1008};
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(run(r), CPU_EXEC_EXCEPTION);
        cr_expect_eq(r->cpu.exception_vector, EXCP_DB);
        cr_expect_eq(r->cpu.eip, expect[i], "trap %d at %x", i, r->cpu.eip);
    }
    cr_expect_eq(r->cpu.insns_retired, 5, "MOV SS and the NOP after it share one trap");
    rig_free(r);
}

/* ---- instruction breakpoints ---- */

Test(debug, instruction_breakpoint_faults_before_the_instruction_until_rf)
{
    Rig *r = rig_new(true);
    /* 1000 mov ecx, 1; 1005 mov edx, 2; 100A mov esi, 3; 100F hlt */
    static const uint8_t code[] = {0xB9, 0x01, 0x00, 0x00, 0x00, 0xBA, 0x02, 0x00, 0x00, 0x00,
                                   0xBE, 0x03, 0x00, 0x00, 0x00, 0xF4};
    put(r, 0x1000, code, sizeof(code));
    r->cpu.regs[R_EDX] = 0;
    cpu_debug_set_dr(&r->cpu, 2, 0x1005);
    cpu_debug_set_dr(&r->cpu, 7, DR7_G(2));
    cr_assert_eq(run(r), CPU_EXEC_EXCEPTION);
    cr_expect_eq(r->cpu.exception_vector, EXCP_DB);
    cr_expect_eq(r->cpu.eip, 0x1005, "a fault: EIP of the instruction");
    cr_expect_eq(r->cpu.regs[R_ECX], 1);
    cr_expect_eq(r->cpu.regs[R_EDX], 0, "the instruction did not run");
    cr_expect_eq(cpu_debug_get_dr(&r->cpu, 6) & DR6_BMASK, DR6_B(2));
    /* Restarted without RF, it hits again. */
    cr_assert_eq(run(r), CPU_EXEC_EXCEPTION);
    cr_expect_eq(r->cpu.eip, 0x1005);
    /* With RF it runs, and RF is gone after it. */
    r->cpu.eflags |= EFLAGS_RF;
    cr_assert_eq(run(r), CPU_EXEC_HALTED);
    cr_expect_eq(r->cpu.regs[R_EDX], 2);
    cr_expect_eq(r->cpu.regs[R_ESI], 3);
    cr_expect_eq(r->cpu.eflags & EFLAGS_RF, 0);
    rig_free(r);
}

Test(debug, breakpoint_handler_resumes_with_rf_in_the_saved_eflags)
{
    Rig *r = rig_new(true);
    r->cpu.stop_on_exception = false;
    /* #DB: mov eax, [esp+8]; mov [0x7000], eax; or dword [esp+8], RF; inc edi; iret */
    static const uint8_t db[] = {0x8B, 0x44, 0x24, 0x08, 0xA3, 0x00, 0x70, 0x00, 0x00, 0x81,
                                 0x4C, 0x24, 0x08, 0x00, 0x00, 0x01, 0x00, 0x47, 0xCF};
    static const uint8_t code[] = {0xB9, 0x01, 0x00, 0x00, 0x00, 0xBA, 0x02, 0x00, 0x00, 0x00,
                                   0xBE, 0x03, 0x00, 0x00, 0x00, 0xF4};
    put(r, 0x2000, db, sizeof(db));
    put(r, 0x1000, code, sizeof(code));
    set_gate(r, EXCP_DB, 0x2000);
    cpu_debug_set_dr(&r->cpu, 0, 0x1005);
    cpu_debug_set_dr(&r->cpu, 7, DR7_L(0));
    cr_assert_eq(run(r), CPU_EXEC_HALTED);
    cr_expect_eq(r->cpu.regs[R_EDI], 1, "exactly one #DB");
    cr_expect_eq(r->cpu.regs[R_EDX], 2);
    cr_expect_eq(r->cpu.regs[R_ESI], 3);
    cr_expect_eq(get32(r, LOG_AREA) & EFLAGS_RF, 0, "an instruction breakpoint saves RF as it was (0)");
    rig_free(r);
}

Test(debug, fault_saves_rf_set)
{
    Rig *r = rig_new(true);
    r->cpu.stop_on_exception = false;
    /* #UD: mov eax, [esp+8]; mov [0x7004], eax; add dword [esp], 2; iret */
    static const uint8_t ud[] = {0x8B, 0x44, 0x24, 0x08, 0xA3, 0x04, 0x70, 0x00, 0x00, 0x83, 0x04, 0x24, 0x02, 0xCF};
    static const uint8_t code[] = {0x0F, 0x0B, 0xF4};      /* ud2; hlt */
    put(r, 0x2200, ud, sizeof(ud));
    put(r, 0x1000, code, sizeof(code));
    set_gate(r, EXCP_UD, 0x2200);
    cr_assert_eq(run(r), CPU_EXEC_HALTED);
    cr_expect_eq(r->cpu.eip, 0x1003);
    cr_expect(get32(r, LOG_AREA + 4) & EFLAGS_RF, "a fault saves RF = 1");
    cr_expect_eq(r->cpu.eflags & EFLAGS_RF, 0, "cleared once the next instruction ran");
    rig_free(r);
}

Test(debug, breakpoint_set_by_the_guest_applies_to_code_already_translated)
{
    Rig *r = rig_new(true);
    /* 1000 call 0x1100; mov eax, 0x1101; mov dr0, eax; mov eax, 1; mov dr7, eax;
     * 1015 call 0x1100; 101A hlt.   1100: inc esi; inc edi; ret */
    static const uint8_t code[] = {0xE8, 0xFB, 0x00, 0x00, 0x00, 0xB8, 0x01, 0x11, 0x00, 0x00, 0x0F, 0x23, 0xC0, 0xB8,
                                   0x01, 0x00, 0x00, 0x00, 0x0F, 0x23, 0xF8, 0xE8, 0xE6, 0x00, 0x00, 0x00, 0xF4};
    static const uint8_t sub[] = {0x46, 0x47, 0xC3};
    put(r, 0x1000, code, sizeof(code));
    put(r, 0x1100, sub, sizeof(sub));
    cr_assert_eq(run(r), CPU_EXEC_EXCEPTION);
    cr_expect_eq(r->cpu.exception_vector, EXCP_DB);
    cr_expect_eq(r->cpu.eip, 0x1101);
    cr_expect_eq(r->cpu.regs[R_ESI], 2, "second call");
    cr_expect_eq(r->cpu.regs[R_EDI], 1, "INC EDI ran only in the first call");
    rig_free(r);
}

/* ---- data breakpoints ---- */

#define DR7_DATA(n, rw, len) (DR7_L(n) | ((uint32_t)(rw) << (16 + 4 * (n))) | ((uint32_t)(len) << (18 + 4 * (n))))

Test(debug, data_breakpoint_matching_and_watched_pages)
{
    Rig *r = rig_new(true);
    cpu_debug_set_dr(&r->cpu, 1, 0x3001);   /* aligned down to 0x3000 by LEN 4 */
    cpu_debug_set_dr(&r->cpu, 3, 0x5FFE);
    cpu_debug_set_dr(&r->cpu, 7, DR7_DATA(1, DR7_RW_WRITE, 3) | DR7_DATA(3, DR7_RW_ACCESS, 1));
    cr_expect(r->cpu.watch_data);
    cr_expect(cpu_debug_page_watched(&r->cpu, 0x3000));
    cr_expect(cpu_debug_page_watched(&r->cpu, 0x5000));
    cr_expect_not(cpu_debug_page_watched(&r->cpu, 0x4000));
    cr_expect_not(cpu_debug_page_watched(&r->cpu, 0x6000));
    cpu_debug_check_data(&r->cpu, 0x3002, 1, false);
    cpu_debug_check_data(&r->cpu, 0x2FFC, 4, true);
    cpu_debug_check_data(&r->cpu, 0x3004, 2, true);
    cr_expect_eq(r->cpu.debug_pending, 0, "a read of a write breakpoint, and writes beside it");
    cpu_debug_check_data(&r->cpu, 0x2FFE, 4, true);
    cr_expect_eq(r->cpu.debug_pending, DR6_B(1), "a write overlapping its first bytes");
    cpu_debug_check_data(&r->cpu, 0x5FFF, 1, false);
    cr_expect_eq(r->cpu.debug_pending, DR6_B(1) | DR6_B(3));
    cpu_debug_set_dr(&r->cpu, 7, 0);
    cr_expect_not(r->cpu.watch_data);
    cr_expect_not(cpu_debug_page_watched(&r->cpu, 0x3000));
    rig_free(r);
}

Test(debug, recorded_data_hit_traps_before_the_next_instruction)
{
    Rig *r = rig_new(true);
    static const uint8_t code[] = {0x43, 0xF4};     /* inc ebx; hlt */
    put(r, 0x1000, code, sizeof(code));
    cpu_debug_set_dr(&r->cpu, 1, 0x3000);
    cpu_debug_set_dr(&r->cpu, 7, DR7_DATA(1, DR7_RW_WRITE, 3));
    /* As the memory slow path does for a write outside any block (a
     * helper's or an event delivery's access). */
    cpu_debug_check_data(&r->cpu, 0x3000, 4, true);
    cr_assert_eq(run(r), CPU_EXEC_EXCEPTION);
    cr_expect_eq(r->cpu.exception_vector, EXCP_DB);
    cr_expect_eq(r->cpu.eip, 0x1000);
    cr_expect_eq(r->cpu.regs[R_EBX], 0);
    cr_expect_eq(cpu_debug_get_dr(&r->cpu, 6) & (DR6_BMASK | DR6_BS), DR6_B(1));
    cr_assert_eq(run(r), CPU_EXEC_HALTED, "reported once");
    rig_free(r);
}

/* A device whose register write counts as a watched data access: it lets
 * a test hit a data breakpoint in the middle of a translated block. */
static uint64_t probe_read(void *opaque, uint64_t off, unsigned size)
{
    (void)opaque, (void)off, (void)size;
    return 0;
}

static void probe_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    Rig *r = opaque;
    (void)off, (void)val, (void)size;
    r->port_writes++;
    cpu_debug_check_data(&r->cpu, 0x3000, 4, true);
}

static const IoOps probe_ops = {.read = probe_read, .write = probe_write, .max_access = 4};

Test(debug, data_hit_inside_a_block_traps_right_after_its_instruction)
{
    Rig *r = rig_new(true);
    Error err = {0};
    cr_assert(as_map_io(&r->io, 0x80, 1, &probe_ops, r, "probe", &err), "%s", err.msg);
    /* 1000 mov eax, 5; 1005 out 0x80, al; 1007 inc ebx; 1008 hlt */
    static const uint8_t code[] = {0xB8, 0x05, 0x00, 0x00, 0x00, 0xE6, 0x80, 0x43, 0xF4};
    put(r, 0x1000, code, sizeof(code));
    cpu_debug_set_dr(&r->cpu, 0, 0x3000);
    cpu_debug_set_dr(&r->cpu, 7, DR7_DATA(0, DR7_RW_WRITE, 3));
    cr_assert_eq(run(r), CPU_EXEC_EXCEPTION);
    cr_expect_eq(r->cpu.exception_vector, EXCP_DB);
    cr_expect_eq(r->cpu.eip, 0x1007, "a trap right after the OUT");
    cr_expect_eq(r->cpu.regs[R_EAX], 5);
    cr_expect_eq(r->cpu.regs[R_EBX], 0, "INC EBX, in the same block, has not run");
    cr_expect_eq(r->cpu.insns_retired, 2);
    cr_expect_eq(cpu_debug_get_dr(&r->cpu, 6) & DR6_BMASK, DR6_B(0));
    /* The access hit first in the two-instruction block, which gave the
     * OUT up and ran it again alone: a real data access is checked before
     * it happens, this device only after, so it saw the write twice. */
    cr_expect_eq(r->port_writes, 2);
    cr_assert_eq(run(r), CPU_EXEC_HALTED);
    cr_expect_eq(r->cpu.regs[R_EBX], 1);
    rig_free(r);
}

/* The same device, but the instruction then faults (as a MOVS whose store
 * faults after its watched load would): a fault means the instruction did
 * not complete, so its data hits are forgotten. */
static void probe_write_then_fault(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    Rig *r = opaque;
    (void)off, (void)val, (void)size;
    r->port_writes++;
    cpu_debug_check_data(&r->cpu, 0x3000, 4, true);
    cpu_raise_exception(&r->cpu, EXCP_GP, true, 0);
}

static const IoOps probe_fault_ops = {.read = probe_read, .write = probe_write_then_fault, .max_access = 4};

Test(debug, fault_forgets_the_data_hits_of_its_instruction)
{
    Rig *r = rig_new(true);
    Error err = {0};
    cr_assert(as_map_io(&r->io, 0x80, 1, &probe_fault_ops, r, "probe", &err), "%s", err.msg);
    static const uint8_t code[] = {0x90, 0xE6, 0x80, 0xF4};     /* nop; out 0x80, al; hlt */
    put(r, 0x1000, code, sizeof(code));
    cpu_debug_set_dr(&r->cpu, 0, 0x3000);
    cpu_debug_set_dr(&r->cpu, 7, DR7_DATA(0, DR7_RW_WRITE, 3));
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(run(r), CPU_EXEC_EXCEPTION);
        cr_expect_eq(r->cpu.exception_vector, EXCP_GP, "run %d: #GP, no #DB", i);
        cr_expect_eq(r->cpu.eip, 0x1001);
    }
    cr_expect_eq(cpu_debug_get_dr(&r->cpu, 6) & DR6_BMASK, 0);
    rig_free(r);
}

/* Needs the memory slow path to call cpu_debug_check_data (mem.c's
 * WIRE-DEBUG points); enable once that is in. */
Test(debug, guest_store_hits_a_write_breakpoint)
{
    Rig *r = rig_new(true);
    /* 1000 mov [0x3000], eax; 1005 inc ebx; 1006 mov ecx, [0x3000]; 100C inc ebx; 100D hlt */
    static const uint8_t code[] = {0xA3, 0x00, 0x30, 0x00, 0x00, 0x43, 0x8B,
                                   0x0D, 0x00, 0x30, 0x00, 0x00, 0x43, 0xF4};
    put(r, 0x1000, code, sizeof(code));
    cpu_debug_set_dr(&r->cpu, 0, 0x3000);
    cpu_debug_set_dr(&r->cpu, 7, DR7_DATA(0, DR7_RW_WRITE, 3));
    cr_assert_eq(run(r), CPU_EXEC_EXCEPTION);
    cr_expect_eq(r->cpu.exception_vector, EXCP_DB);
    cr_expect_eq(r->cpu.eip, 0x1005);
    cr_expect_eq(r->cpu.regs[R_EBX], 0);
    cr_assert_eq(run(r), CPU_EXEC_HALTED, "the read does not hit a write breakpoint");
    cr_expect_eq(r->cpu.regs[R_EBX], 2);
    rig_free(r);
}

Test(debug, io_breakpoints_need_cr4_de)
{
    Rig *r = rig_new(true);
    cpu_debug_set_dr(&r->cpu, 2, 0x80);
    cpu_debug_set_dr(&r->cpu, 7, DR7_DATA(2, DR7_RW_IO, 1));     /* ports 0x80-0x81 */
    cpu_debug_check_io(&r->cpu, 0x80, 1);
    cr_expect_eq(r->cpu.debug_pending, 0, "R/W = 10 is undefined without CR4.DE: ignored");
    cr_expect_not(r->cpu.watch_data, "not a memory breakpoint");
    r->cpu.cr[4] = CR4_DE;
    cpu_debug_check_io(&r->cpu, 0x82, 2);
    cpu_debug_check_io(&r->cpu, 0x7F, 1);
    cr_expect_eq(r->cpu.debug_pending, 0);
    cpu_debug_check_io(&r->cpu, 0x7E, 4);
    cr_expect_eq(r->cpu.debug_pending, DR6_B(2), "a dword access over 0x7E-0x81");
    rig_free(r);
}

/* ---- ICEBP ---- */

Test(debug, icebp_is_a_db_trap_delivered_as_a_hardware_event)
{
    Rig *r = rig_new(true);
    static const uint8_t code[] = {0x90, 0xF1, 0xF4};    /* nop; icebp; hlt */
    put(r, 0x1000, code, sizeof(code));
    cr_assert_eq(run(r), CPU_EXEC_EXCEPTION);
    cr_expect_eq(r->cpu.exception_vector, EXCP_DB);
    cr_expect_eq(r->cpu.eip, 0x1002, "a trap: after ICEBP");
    cr_expect_eq(r->cpu.exception_next_eip, 0x1002);
    cr_expect_not(r->cpu.exception_soft, "not INT 1: no gate DPL or IOPL check");
    cr_expect_eq(r->cpu.insns_retired, 2);
    cr_expect_eq(cpu_debug_get_dr(&r->cpu, 6), 0xFFFF0FF0, "DR6 untouched");
    rig_free(r);
}

/* ---- NMI ---- */

Test(debug, nmi_ignores_if_and_is_blocked_until_iret)
{
    Rig *r = rig_new(false);
    r->cpu.stop_on_exception = false;
    /* NMI handler at 2000: inc bx; jmp $+2; iret (two blocks). main: cli; jmp $ */
    static const uint8_t handler[] = {0x43, 0xEB, 0x00, 0xCF};
    static const uint8_t code[] = {0xFA, 0xEB, 0xFE};
    put(r, 0x2000, handler, sizeof(handler));
    put(r, 0x1000, code, sizeof(code));
    set_ivt(r, EXCP_NMI, 0x2000);
    cr_assert_eq(cpu_exec(&r->cpu, 10), CPU_EXEC_BUDGET);
    cr_assert_eq(r->cpu.eflags & EFLAGS_IF, 0);
    cpu_raise_nmi(&r->cpu);
    cr_assert_eq(cpu_exec(&r->cpu, 1), CPU_EXEC_BUDGET);
    cr_expect_eq(r->cpu.regs[R_EBX] & 0xFFFF, 1, "taken with IF clear");
    cr_expect_eq(r->cpu.eip, 0x2001, "a budget of one instruction stops exactly after it");
    cr_assert_eq(cpu_exec(&r->cpu, 1), CPU_EXEC_BUDGET);
    cr_expect_eq(r->cpu.eip, 0x2003, "the handler's JMP ran; IRET next");
    /* A second NMI inside the handler waits for its IRET, and comes right
     * after it, before the interrupted JMP runs again. */
    cpu_raise_nmi(&r->cpu);
    cr_assert_eq(cpu_exec(&r->cpu, 1), CPU_EXEC_BUDGET);
    cr_expect_eq(r->cpu.regs[R_EBX] & 0xFFFF, 1, "blocked: not nested");
    cr_expect_eq(r->cpu.eip, 0x2000, "taken at the boundary after the IRET (eip %x)", r->cpu.eip);
    cr_expect_eq(r->cpu.regs[R_ESP] & 0xFFFF, 0x8000 - 6, "one frame: the first was popped");
    cr_assert_eq(cpu_exec(&r->cpu, 1), CPU_EXEC_BUDGET);
    cr_expect_eq(r->cpu.regs[R_EBX] & 0xFFFF, 2);
    /* The latch holds one NMI: with none pending nothing more comes. */
    cr_assert_eq(cpu_exec(&r->cpu, 20), CPU_EXEC_BUDGET);
    cr_expect_eq(r->cpu.regs[R_EBX] & 0xFFFF, 2);
    rig_free(r);
}

Test(debug, nmi_wakes_hlt_with_interrupts_disabled)
{
    Rig *r = rig_new(false);
    r->cpu.stop_on_exception = false;
    static const uint8_t handler[] = {0x43, 0xCF};               /* inc bx; iret */
    static const uint8_t code[] = {0xFA, 0xF4, 0x41, 0xF4};      /* cli; hlt; inc cx; hlt */
    put(r, 0x2000, handler, sizeof(handler));
    put(r, 0x1000, code, sizeof(code));
    set_ivt(r, EXCP_NMI, 0x2000);
    cr_assert_eq(run(r), CPU_EXEC_HALTED);
    cr_expect_eq(r->cpu.eip, 0x1002);
    cr_assert_eq(run(r), CPU_EXEC_HALTED, "nothing wakes it without an NMI");
    cr_expect_eq(r->cpu.regs[R_EBX] & 0xFFFF, 0);
    cpu_raise_nmi(&r->cpu);
    cr_assert_eq(run(r), CPU_EXEC_HALTED);
    cr_expect_eq(r->cpu.regs[R_EBX] & 0xFFFF, 1);
    cr_expect_eq(r->cpu.regs[R_ECX] & 0xFFFF, 1, "returned past the first HLT");
    cr_expect_eq(r->cpu.eip, 0x1004);
    rig_free(r);
}
