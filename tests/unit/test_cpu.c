/* The x86 CPU core end to end on a bare address space (no machine): code
 * bytes in RAM, a chosen register state, cpu_exec until HLT. Covers block
 * translation and execution, self-modifying code, precise exceptions,
 * real-mode interrupts through the IVT, REP string restart, and the
 * retired-instruction count the clock uses. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "helpers/cpu_rig.h"
#include "mmu/paging.h"

#define RAM_SIZE (1u << 20)

typedef CpuRig Rig;

static Rig *rig_new(bool protected_mode)
{
    Rig *r = cpu_rig_new(RAM_SIZE);
    if (protected_mode) {
        cpu_enter_multiboot(&r->cpu, 0x1000, 0);
    } else {
        r->cpu.seg[SEG_CS] = (SegmentCache){.selector = 0, .base = 0, .limit = 0xFFFF, .flags = 0x9B};
        r->cpu.eip = 0x1000;
        r->cpu.regs[R_ESP] = 0x8000;
    }
    r->cpu.stop_on_exception = true;
    return r;
}

#define rig_free cpu_rig_free
#define put cpu_rig_put

static CpuExecStatus run(Rig *r)
{
    return cpu_exec(&r->cpu, 100000);
}

Test(cpu, runs_a_block_and_halts)
{
    Rig *r = rig_new(true);
    /* mov eax, 5; add eax, 7; mov ebx, eax; hlt */
    static const uint8_t code[] = {0xB8, 5, 0, 0, 0, 0x83, 0xC0, 7, 0x89, 0xC3, 0xF4};
    put(r, 0x1000, code, sizeof(code));
    cr_assert_eq(run(r), CPU_EXEC_HALTED);
    cr_expect_eq(r->cpu.regs[R_EAX], 12);
    cr_expect_eq(r->cpu.regs[R_EBX], 12);
    cr_expect_eq(r->cpu.eip, 0x100B);
    cr_expect_eq(r->cpu.insns_retired, 4);
    cr_expect_eq(clock_now(&r->clock), 4, "the clock counts retired instructions");
    rig_free(r);
}

Test(cpu, flags_after_compare_drive_branches)
{
    Rig *r = rig_new(true);
    /* mov ecx, 3; xor eax, eax; L: add eax, ecx; dec ecx; jnz L; cmp eax, 6; sete bl; hlt */
    static const uint8_t code[] = {0xB9, 3, 0, 0, 0, 0x31, 0xC0, 0x01, 0xC8, 0x49, 0x75, 0xFB,
                                   0x83, 0xF8, 6, 0x0F, 0x94, 0xC3, 0xF4};
    put(r, 0x1000, code, sizeof(code));
    cr_assert_eq(run(r), CPU_EXEC_HALTED);
    cr_expect_eq(r->cpu.regs[R_EAX], 6);
    cr_expect_eq(r->cpu.regs[R_EBX] & 0xFF, 1);
    cr_expect(cpu_get_eflags(&r->cpu) & CC_Z);
    rig_free(r);
}

Test(cpu, self_modifying_code_in_the_running_block)
{
    Rig *r = rig_new(true);
    /* mov byte [0x100A], 0x42; nop; nop; nop; mov al, 0; hlt
     * The store patches the immediate of "mov al, 0" (at 0x1009) in the
     * block that is executing: the new value must be used. */
    static const uint8_t code[] = {0xC6, 0x05, 0x0A, 0x10, 0, 0, 0x42, 0x90, 0x90, 0xB0, 0x00, 0xF4};
    put(r, 0x1000, code, sizeof(code));
    cr_assert_eq(run(r), CPU_EXEC_HALTED);
    cr_expect_eq(r->cpu.regs[R_EAX] & 0xFF, 0x42);
    cr_expect_geq(r->cpu.engine.cache.invalidated, 1);
    rig_free(r);
}

Test(cpu, divide_error_is_precise)
{
    Rig *r = rig_new(true);
    /* mov eax, 100; xor ecx, ecx; inc edx; div ecx; mov eax, 1; hlt */
    static const uint8_t code[] = {0xB8, 100, 0, 0, 0, 0x31, 0xC9, 0x42, 0xF7, 0xF1, 0xB8, 1, 0, 0, 0, 0xF4};
    put(r, 0x1000, code, sizeof(code));
    r->cpu.regs[R_EDX] = 0;
    cr_assert_eq(run(r), CPU_EXEC_EXCEPTION);
    cr_expect_eq(r->cpu.exception_vector, EXCP_DE);
    cr_expect_eq(r->cpu.eip, 0x1008, "EIP of the DIV");
    cr_expect_eq(r->cpu.regs[R_EAX], 100, "registers as before the DIV");
    cr_expect_eq(r->cpu.regs[R_EDX], 1);
    cr_expect_eq(r->cpu.insns_retired, 3);
    rig_free(r);
}

Test(cpu, undefined_opcode_raises_ud_at_its_address)
{
    Rig *r = rig_new(true);
    static const uint8_t code[] = {0x90, 0x0F, 0x0B};   /* nop; ud2 */
    put(r, 0x1000, code, sizeof(code));
    cr_assert_eq(run(r), CPU_EXEC_EXCEPTION);
    cr_expect_eq(r->cpu.exception_vector, EXCP_UD);
    cr_expect_eq(r->cpu.eip, 0x1001);
    rig_free(r);
}

Test(cpu, real_mode_int_and_iret_through_the_ivt)
{
    Rig *r = rig_new(false);
    r->cpu.stop_on_exception = false;
    /* IVT[0x21] = 0000:2000; handler: mov bx, 0x1234; iret.
     * main: int 0x21; mov cx, bx; hlt */
    uint16_t ivt[2] = {0x2000, 0};
    put(r, 0x21 * 4, ivt, 4);
    static const uint8_t handler[] = {0xBB, 0x34, 0x12, 0xCF};
    static const uint8_t code[] = {0xCD, 0x21, 0x89, 0xD9, 0xF4};
    put(r, 0x2000, handler, sizeof(handler));
    put(r, 0x1000, code, sizeof(code));
    r->cpu.eflags |= EFLAGS_IF;
    cr_assert_eq(run(r), CPU_EXEC_HALTED);
    cr_expect_eq(r->cpu.regs[R_ECX] & 0xFFFF, 0x1234);
    cr_expect_eq(r->cpu.regs[R_ESP] & 0xFFFF, 0x8000, "IRET popped what INT pushed");
    cr_expect(r->cpu.eflags & EFLAGS_IF, "IRET restored IF");
    rig_free(r);
}

Test(cpu, rep_movsb_copies_and_counts_down)
{
    Rig *r = rig_new(true);
    /* mov esi, 0x3000; mov edi, 0x4000; mov ecx, 100; cld; rep movsb; hlt */
    static const uint8_t code[] = {0xBE, 0, 0x30, 0, 0, 0xBF, 0, 0x40, 0, 0, 0xB9, 100, 0, 0, 0,
                                   0xFC, 0xF3, 0xA4, 0xF4};
    put(r, 0x1000, code, sizeof(code));
    for (int i = 0; i < 100; i++)
        r->ram[0x3000 + i] = (uint8_t)(i * 3);
    cr_assert_eq(run(r), CPU_EXEC_HALTED);
    cr_expect_arr_eq(r->ram + 0x4000, r->ram + 0x3000, 100);
    cr_expect_eq(r->cpu.regs[R_ECX], 0);
    cr_expect_eq(r->cpu.regs[R_ESI], 0x3064);
    cr_expect_eq(r->cpu.regs[R_EDI], 0x4064);
    rig_free(r);
}

Test(cpu, repne_scasb_stops_on_match)
{
    Rig *r = rig_new(true);
    /* mov edi, 0x3000; mov ecx, 50; mov al, 7; repne scasb; hlt */
    static const uint8_t code[] = {0xBF, 0, 0x30, 0, 0, 0xB9, 50, 0, 0, 0, 0xB0, 7, 0xF2, 0xAE, 0xF4};
    put(r, 0x1000, code, sizeof(code));
    r->ram[0x3000 + 9] = 7;
    cr_assert_eq(run(r), CPU_EXEC_HALTED);
    cr_expect_eq(r->cpu.regs[R_EDI], 0x300A, "one past the match");
    cr_expect_eq(r->cpu.regs[R_ECX], 40);
    cr_expect(cpu_get_eflags(&r->cpu) & CC_Z);
    rig_free(r);
}

Test(cpu, eflags_round_trip_through_pushf_popf)
{
    Rig *r = rig_new(true);
    /* stc; pushfd; pop eax; push 0x8D5 (OF DF SF PF CF... ); popfd; pushfd; pop ebx; hlt */
    static const uint8_t code[] = {0xF9, 0x9C, 0x58, 0x68, 0xD5, 0x08, 0, 0, 0x9D, 0x9C, 0x5B, 0xF4};
    put(r, 0x1000, code, sizeof(code));
    r->cpu.regs[R_ESP] = 0x8000;
    cr_assert_eq(run(r), CPU_EXEC_HALTED);
    cr_expect_eq(r->cpu.regs[R_EAX] & 0xFFF, 0x003, "CF and the fixed bit 1");
    cr_expect_eq(r->cpu.regs[R_EBX] & 0xFFF, 0x8D7, "OF, SF, AF, PF, CF from the popped value; bit 1 set");
    cr_expect_eq(r->cpu.df, 1, "DF was 0 in 0x8D5");
    rig_free(r);
}

/* Regression: 16-bit IMUL recorded "product - sign-extended low half" as the
 * overflow indicator; when that difference was a multiple of 0x10000 the
 * width-masked CF read 0. (Found by the host differential test.) */
Test(cpu, imul16_overflow_sets_cf_for_adc)
{
    Rig *r = rig_new(true);
    /* mov si, 0xa245; imul cx, si, -0x78; mov al, 0x51; adc al, 0x27; hlt */
    static const uint8_t code[] = {0x66, 0xBE, 0x45, 0xA2, 0x66, 0x6B, 0xCE, 0x88, 0xB0, 0x51, 0x14, 0x27, 0xF4};
    put(r, 0x1000, code, sizeof(code));
    cr_assert_eq(run(r), CPU_EXEC_HALTED);
    cr_expect_eq(r->cpu.regs[R_ECX] & 0xFFFF, 0xEFA8);
    cr_expect_eq(r->cpu.regs[R_EAX] & 0xFF, 0x79, "0x51 + 0x27 + CF(1)");
    rig_free(r);
}

/* Regression: a store into the page of the running block used to leave the
 * block at once, dropping the rest of the storing instruction (here POP's
 * ESP update, which comes after its store). Found by the rm_far guest test. */
Test(cpu, store_into_own_code_page_completes_the_instruction)
{
    Rig *r = rig_new(true);
    /* push 0x1234; pop dword [0x1800]; mov eax, esp; hlt  (0x1800 shares the code page) */
    static const uint8_t code[] = {0x68, 0x34, 0x12, 0, 0, 0x8F, 0x05, 0x00, 0x18, 0, 0, 0x89, 0xE0, 0xF4};
    put(r, 0x1000, code, sizeof(code));
    r->cpu.regs[R_ESP] = 0x8000;
    cr_assert_eq(run(r), CPU_EXEC_HALTED);
    cr_expect_eq(r->cpu.regs[R_EAX], 0x8000, "POP completed: ESP back where it started");
    cr_expect_eq(r->ram[0x1800], 0x34);
    cr_expect_eq(r->cpu.insns_retired, 4, "each instruction counted once");
    rig_free(r);
}

/* A fake interrupt controller: INTR asserted `pending` times, vector 0x30. */
typedef struct FakePic {
    int pending;
    int acks;
    uint64_t acked_at;      /* retired instructions when acknowledged */
    CpuState *cpu;
} FakePic;

static bool fake_pending(void *opaque)
{
    return ((FakePic *)opaque)->pending > 0;
}

static uint8_t fake_ack(void *opaque)
{
    FakePic *p = opaque;
    p->pending--;
    p->acks++;
    p->acked_at = p->cpu->insns_retired;
    return 0x30;
}

Test(cpu, external_interrupt_wakes_hlt_after_the_sti_shadow)
{
    Rig *r = rig_new(false);
    r->cpu.stop_on_exception = false;
    FakePic pic = {.pending = 1, .cpu = &r->cpu};
    r->cpu.intr = (CpuIntrSource){fake_pending, fake_ack, &pic};
    /* IVT[0x30] = 0000:2000; handler: inc bx; iret.
     * main: nop; sti; hlt; mov cx, bx; cli; hlt
     * INTR is already asserted: the interrupt must not be taken between
     * STI and HLT (the shadow), but right after the HLT, waking it. */
    uint16_t ivt[2] = {0x2000, 0};
    put(r, 0x30 * 4, ivt, 4);
    static const uint8_t handler[] = {0x43, 0xCF};
    static const uint8_t code[] = {0x90, 0xFB, 0xF4, 0x89, 0xD9, 0xFA, 0xF4};
    put(r, 0x2000, handler, sizeof(handler));
    put(r, 0x1000, code, sizeof(code));
    r->cpu.regs[R_EBX] = 0;
    /* HLT retires, the pending interrupt wakes it at once, and the run
     * stops at the final HLT (with IF clear). */
    cr_assert_eq(run(r), CPU_EXEC_HALTED);
    cr_expect_eq(pic.acks, 1);
    cr_expect_eq(pic.acked_at, 3, "acknowledged after NOP, STI, HLT retired");
    cr_expect_eq(r->cpu.regs[R_ECX] & 0xFFFF, 1, "the handler ran before MOV CX, BX");
    cr_expect_eq(r->cpu.eip, 0x1007);
    rig_free(r);
}

Test(cpu, sti_shadow_is_exactly_one_instruction)
{
    Rig *r = rig_new(false);
    r->cpu.stop_on_exception = false;
    FakePic pic = {.pending = 1, .cpu = &r->cpu};
    r->cpu.intr = (CpuIntrSource){fake_pending, fake_ack, &pic};
    /* handler: mov bx, ax; iret.  main: sti; inc ax; inc ax; cli; hlt
     * The interrupt comes after the first INC (the shadowed instruction). */
    uint16_t ivt[2] = {0x2000, 0};
    put(r, 0x30 * 4, ivt, 4);
    static const uint8_t handler[] = {0x89, 0xC3, 0xCF};
    static const uint8_t code[] = {0xFB, 0x40, 0x40, 0xFA, 0xF4};
    put(r, 0x2000, handler, sizeof(handler));
    put(r, 0x1000, code, sizeof(code));
    r->cpu.regs[R_EAX] = 0;
    cr_assert_eq(run(r), CPU_EXEC_HALTED);
    cr_expect_eq(pic.acked_at, 2, "after STI and one INC");
    cr_expect_eq(r->cpu.regs[R_EBX] & 0xFFFF, 1, "the handler saw AX = 1");
    cr_expect_eq(r->cpu.regs[R_EAX] & 0xFFFF, 2);
    rig_free(r);
}

Test(cpu, no_interrupt_while_if_is_clear)
{
    Rig *r = rig_new(false);
    r->cpu.stop_on_exception = false;
    FakePic pic = {.pending = 1, .cpu = &r->cpu};
    r->cpu.intr = (CpuIntrSource){fake_pending, fake_ack, &pic};
    static const uint8_t code[] = {0xFA, 0x90, 0x90, 0xF4};   /* cli; nop; nop; hlt */
    put(r, 0x1000, code, sizeof(code));
    cr_assert_eq(run(r), CPU_EXEC_HALTED);
    cr_expect_eq(pic.acks, 0);
    rig_free(r);
}

/* Page tables for the paging tests: identity-map the first 4 MiB with
 * 4 KiB pages (PD at 0x10000, PT at 0x11000) and map linear 0x400000 to
 * physical 0x20000 through a second page table at 0x12000. */
static void build_page_tables(Rig *r, uint32_t extra_pte_flags)
{
    uint32_t *pd = (uint32_t *)(r->ram + 0x10000), *pt0 = (uint32_t *)(r->ram + 0x11000),
             *pt1 = (uint32_t *)(r->ram + 0x12000);
    memset(pd, 0, 0x3000);
    pd[0] = 0x11000 | 0x3;              /* present, writable */
    pd[1] = 0x12000 | 0x3;
    for (uint32_t i = 0; i < 256; i++)  /* first MiB of RAM */
        pt0[i] = (i << 12) | 0x3;
    pt1[0] = 0x20000 | 0x1 | extra_pte_flags;
}

Test(cpu, paging_translates_and_faults_precisely)
{
    Rig *r = rig_new(true);
    build_page_tables(r, 0);
    *(uint32_t *)(r->ram + 0x20000) = 0xCAFEF00D;
    /* mov eax, 0x10000; mov cr3, eax; mov eax, cr0; or eax, 0x80000000; mov cr0, eax;
     * mov ebx, [0x400000]; mov ecx, [0x800000]; hlt */
    static const uint8_t code[] = {0xB8, 0x00, 0x00, 0x01, 0x00, 0x0F, 0x22, 0xD8, 0x0F, 0x20, 0xC0,
                                   0x0D, 0x00, 0x00, 0x00, 0x80, 0x0F, 0x22, 0xC0, 0x8B, 0x1D, 0x00,
                                   0x00, 0x40, 0x00, 0x8B, 0x0D, 0x00, 0x00, 0x80, 0x00, 0xF4};
    put(r, 0x1000, code, sizeof(code));
    cr_assert_eq(run(r), CPU_EXEC_EXCEPTION);
    cr_expect_eq(r->cpu.regs[R_EBX], 0xCAFEF00D, "linear 0x400000 maps physical 0x20000");
    cr_expect_eq(r->cpu.exception_vector, EXCP_PF);
    cr_expect_eq(r->cpu.exception_error, 0, "not present, read, supervisor");
    cr_expect_eq(r->cpu.cr[2], 0x800000);
    cr_expect_eq(r->cpu.eip, 0x1019, "EIP of the faulting MOV");
    uint32_t *pd = (uint32_t *)(r->ram + 0x10000), *pt1 = (uint32_t *)(r->ram + 0x12000);
    cr_expect(pd[1] & 0x20, "A bit set in the PDE");
    cr_expect(pt1[0] & 0x20, "A bit set in the PTE");
    cr_expect_not(pt1[0] & 0x40, "no D bit after a read");
    cr_expect_gt(r->cpu.tlb.hits + r->cpu.tlb.misses, 0);
    rig_free(r);
}

Test(cpu, write_to_read_only_page_with_wp_faults_and_sets_no_dirty_bit)
{
    Rig *r = rig_new(true);
    build_page_tables(r, 0);    /* 0x400000 is read-only */
    /* mov eax, 0x10000; mov cr3, eax; mov eax, 0x80010001 (PG|WP|PE); mov cr0, eax;
     * mov dword [0x400000], 1; hlt */
    static const uint8_t code[] = {0xB8, 0x00, 0x00, 0x01, 0x00, 0x0F, 0x22, 0xD8, 0xB8, 0x11, 0x00,
                                   0x01, 0x80, 0x0F, 0x22, 0xC0, 0xC7, 0x05, 0x00, 0x00, 0x40, 0x00,
                                   0x01, 0x00, 0x00, 0x00, 0xF4};
    put(r, 0x1000, code, sizeof(code));
    cr_assert_eq(run(r), CPU_EXEC_EXCEPTION);
    cr_expect_eq(r->cpu.exception_vector, EXCP_PF);
    cr_expect_eq(r->cpu.exception_error, PF_ERR_P | PF_ERR_W, "protection, write, supervisor");
    cr_expect_eq(r->cpu.cr[2], 0x400000);
    cr_expect_eq(*(uint32_t *)(r->ram + 0x20000), 0, "nothing written");
    rig_free(r);
}

/* Protected-mode segment checks on data accesses (SDM Vol. 3A §5.3, §5.6). */
static int access_fault(uint32_t ds_flags, uint32_t ds_limit, const uint8_t *code, size_t len, uint32_t *error)
{
    Rig *r = rig_new(true);
    r->cpu.seg[SEG_DS] = (SegmentCache){.selector = 0x18, .base = 0, .limit = ds_limit, .flags = ds_flags};
    put(r, 0x1000, code, len);
    CpuExecStatus st = run(r);
    int v = st == CPU_EXEC_EXCEPTION ? r->cpu.exception_vector : -1;
    *error = r->cpu.exception_error;
    rig_free(r);
    return v;
}

Test(cpu, segment_limits_and_types_are_checked)
{
    static const uint8_t load_ffe[] = {0x8B, 0x05, 0xFE, 0x0F, 0, 0, 0xF4};      /* mov eax, [0xFFE] */
    static const uint8_t load_ff0[] = {0x8B, 0x05, 0xF0, 0x0F, 0, 0, 0xF4};      /* mov eax, [0xFF0] */
    static const uint8_t store_100[] = {0x89, 0x05, 0x00, 0x01, 0, 0, 0xF4};     /* mov [0x100], eax */
    uint32_t err;
    cr_expect_eq(access_fault(0x93, 0xFFF, load_ff0, sizeof(load_ff0), &err), -1, "inside the limit");
    cr_expect_eq(access_fault(0x93, 0xFFF, load_ffe, sizeof(load_ffe), &err), EXCP_GP, "runs past the limit");
    cr_expect_eq(err, 0);
    cr_expect_eq(access_fault(0x91, 0xFFFFF, store_100, sizeof(store_100), &err), EXCP_GP, "read-only data");
    cr_expect_eq(access_fault(0x91, 0xFFFFF, load_ff0, sizeof(load_ff0), &err), -1, "reading it is fine");
    /* Expand-down with limit 0xFFF (16-bit): valid offsets 0x1000..0xFFFF. */
    cr_expect_eq(access_fault(0x97, 0xFFF, load_ff0, sizeof(load_ff0), &err), EXCP_GP, "below an expand-down limit");
    static const uint8_t load_2000[] = {0x8B, 0x05, 0x00, 0x20, 0, 0, 0xF4};     /* mov eax, [0x2000] */
    cr_expect_eq(access_fault(0x97, 0xFFF, load_2000, sizeof(load_2000), &err), -1, "above it");
    cr_expect_eq(access_fault(0x00, 0, load_ff0, sizeof(load_ff0), &err), EXCP_GP, "null DS");
}

Test(cpu, stack_limit_faults_with_ss)
{
    Rig *r = rig_new(true);
    r->cpu.seg[SEG_SS] = (SegmentCache){.selector = 0x10, .base = 0x8000, .limit = 0xFFF, .flags = 0x93 | SEG_FLAG_DB};
    r->cpu.regs[R_ESP] = 0x1002;    /* a push writes 0xFFE..0x1001: past the limit */
    static const uint8_t code[] = {0x50, 0xF4};     /* push eax */
    put(r, 0x1000, code, sizeof(code));
    cr_assert_eq(run(r), CPU_EXEC_EXCEPTION);
    cr_expect_eq(r->cpu.exception_vector, EXCP_SS);
    cr_expect_eq(r->cpu.regs[R_ESP], 0x1002, "ESP unchanged by the faulting push");
    rig_free(r);
}

/* With CR4.PGE a global translation survives a CR3 write while a
 * non-global one is re-walked (SDM Vol. 3A §4.10.4.1). The TLB may drop
 * global entries at any time, so guests cannot rely on this; jitpc keeps
 * them until INVLPG, a CR4.PGE toggle or a full flush. */
Test(cpu, global_pages_survive_a_cr3_write)
{
    Rig *r = rig_new(true);
    build_page_tables(r, 0x100);                    /* 0x400000 -> 0x20000, global */
    uint32_t *pt1 = (uint32_t *)(r->ram + 0x12000);
    pt1[1] = 0x21000 | 0x1;                          /* 0x401000 -> 0x21000, not global */
    *(uint32_t *)(r->ram + 0x20000) = 0x11111111;
    *(uint32_t *)(r->ram + 0x21000) = 0x22222222;
    *(uint32_t *)(r->ram + 0x22000) = 0x33333333;
    r->cpu.cr[3] = 0x10000;
    r->cpu.cr[4] = CR4_PGE;
    r->cpu.cr[0] |= CR0_PG;
    /* mov eax, [0x400000]; mov ebx, [0x401000];
     * mov dword [pt1 + 0], 0x22101; mov dword [pt1 + 4], 0x22001  (both now map 0x22000)
     * mov ecx, cr3; mov cr3, ecx; mov esi, [0x400000]; mov edi, [0x401000]; hlt
     * The page tables are identity mapped (first MiB). */
    static const uint8_t code[] = {
        0xA1, 0x00, 0x00, 0x40, 0x00,                                     /* mov eax, [0x400000] */
        0x8B, 0x1D, 0x00, 0x10, 0x40, 0x00,                               /* mov ebx, [0x401000] */
        0xC7, 0x05, 0x00, 0x20, 0x01, 0x00, 0x01, 0x21, 0x02, 0x00,       /* mov [0x12000], 0x22101 */
        0xC7, 0x05, 0x04, 0x20, 0x01, 0x00, 0x01, 0x20, 0x02, 0x00,       /* mov [0x12004], 0x22001 */
        0x0F, 0x20, 0xD9, 0x0F, 0x22, 0xD9,                               /* mov ecx, cr3; mov cr3, ecx */
        0x8B, 0x35, 0x00, 0x00, 0x40, 0x00,                               /* mov esi, [0x400000] */
        0x8B, 0x3D, 0x00, 0x10, 0x40, 0x00,                               /* mov edi, [0x401000] */
        0xF4,
    };
    put(r, 0x1000, code, sizeof(code));
    cr_assert_eq(run(r), CPU_EXEC_HALTED);
    cr_expect_eq(r->cpu.regs[R_EAX], 0x11111111);
    cr_expect_eq(r->cpu.regs[R_EBX], 0x22222222);
    cr_expect_eq(r->cpu.regs[R_ESI], 0x11111111, "the global entry survived the CR3 write");
    cr_expect_eq(r->cpu.regs[R_EDI], 0x33333333, "the non-global one was walked again");
    rig_free(r);
}

/* An instruction-count limit that falls inside a block stops exactly there,
 * with the state exact at that boundary, although the optimizer drops flag
 * stores inside the block that the next instruction overwrites. Stepping
 * one instruction at a time must end where one run ends; once the bug was
 * that the lost carry between the steps changed the sum. */
static void run_adc_chain(Rig *r, unsigned step)
{
    /* mov eax,-1; mov ebx,1; xor ecx,ecx; add eax,ebx (carry); adc ecx,0; add eax,ebx;
     * adc ecx,0; add eax,0xFFFFFFFF (carry); adc ecx,0; hlt */
    static const uint8_t code[] = {0xB8, 0xFF, 0xFF, 0xFF, 0xFF, 0xBB, 1, 0, 0, 0, 0x31, 0xC9, 0x01, 0xD8,
                                   0x83, 0xD1, 0x00, 0x01, 0xD8, 0x83, 0xD1, 0x00, 0x83, 0xC0, 0xFF,
                                   0x83, 0xD1, 0x00, 0xF4};
    put(r, 0x1000, code, sizeof(code));
    CpuExecStatus st;
    unsigned guard = 0;
    while ((st = cpu_exec(&r->cpu, step)) == CPU_EXEC_BUDGET && guard++ < 100)
        ;
    cr_assert_eq(st, CPU_EXEC_HALTED);
}

Test(cpu, instruction_limit_inside_a_block_is_exact)
{
    for (unsigned step = 1; step <= 4; step++) {
        Rig *r = rig_new(true);
        run_adc_chain(r, step);
        cr_expect_eq(r->cpu.regs[R_EAX], 0, "step %u: eax %x", step, r->cpu.regs[R_EAX]);
        cr_expect_eq(r->cpu.regs[R_ECX], 2, "step %u: two carries out of three adds, ecx %u", step,
                     r->cpu.regs[R_ECX]);
        cr_expect_eq(r->cpu.insns_retired, 10, "step %u", step);
        rig_free(r);
    }
}
