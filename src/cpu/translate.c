/* The x86 block translator: fetch, decode and lower instructions until a
 * control transfer, a page boundary, or TRANSLATE_MAX_INSNS. Decoding
 * faults become exception ops at their instruction, so the block runs up
 * to them and the exception is precise. -d in_asm shows the guest code
 * (Capstone), -d op the IR. */
#include "cpu/translate.h"

#include <capstone/capstone.h>
#include <stdio.h>
#include <string.h>

#include "cpu/debug.h"
#include "cpu/mem.h"
#include "translate/opt.h"

static void log_in_asm(CpuState *cpu, const TranslationBlock *tb, const uint8_t *code, size_t len, bool code32)
{
    csh h;
    if (cs_open(CS_ARCH_X86, code32 ? CS_MODE_32 : CS_MODE_16, &h) != CS_ERR_OK)
        return;
    cs_insn *insn;
    size_t n = cs_disasm(h, code, len, tb->key.pc, 0, &insn);
    log_printf(cpu->log, "IN: %04x:%08x (phys %08llx)\n", cpu->seg[SEG_CS].selector, tb->key.pc,
               (unsigned long long)tb->key.phys_pc);
    for (size_t i = 0; i < n; i++)
        log_printf(cpu->log, "0x%08llx:  %-8s %s\n", (unsigned long long)insn[i].address, insn[i].mnemonic,
                   insn[i].op_str);
    if (n)
        cs_free(insn, n);
    log_printf(cpu->log, "\n");
    cs_close(&h);
}

/* One instruction: decode at s->pc and lower it; returns its length.
 * `check_bp`: emit the instruction-breakpoint check if DR0-DR3 name it. */
static unsigned translate_insn(DisasContext *s, const uint8_t *bytes, size_t avail, bool check_bp)
{
    DecodedInsn d;
    DecodeStatus st = decode_insn(bytes, avail, s->code32, &d);
    s->d = &d;
    s->ea_valid = false;
    s->nsegref = 0;
    unsigned len = st == DECODE_OK ? d.len : 1;
    s->next_pc = s->pc + len;
    if (!s->code32)
        s->next_pc &= 0xFFFF;
    ir_insn_start(s->b, s->pc, len, -1);
    /* An instruction breakpoint is a fault before anything else the
     * instruction could raise, decoding faults included (SDM Vol. 3A
     * §17.3.1.1). Translations of a breakpoint setup are dropped when it
     * changes (cpu_debug_set_dr), so matching now is enough. */
    uint32_t bp_hits = check_bp ? cpu_debug_insn_bp_hits(s->cpu, s->cs_base + s->pc) : 0;
    if (bp_hits)
        gen_helper(s, HELPER_debug_insn_bp, IR_NO_TEMP, 1, gen_imm(s, bp_hits));
    switch (st) {
    case DECODE_OK:
        break;
    case DECODE_GP:
        gen_exception(s, EXCP_GP);
        return len;
    case DECODE_NEED_MORE:
        /* The instruction runs into memory we cannot fetch (no RAM/ROM):
         * with paging this becomes #PF; without, the bus returns ones,
         * which is no valid instruction tail either. */
        gen_exception(s, EXCP_GP);
        return len;
    default:
        gen_exception(s, EXCP_UD);
        return len;
    }
    /* Executing IRET ends NMI blocking even if the IRET faults (SDM Vol. 3A
     * §6.7.1), so it comes before the IRET's own checks. */
    if (d.mnemonic == MN_IRET)
        gen_helper(s, HELPER_debug_iret, IR_NO_TEMP, 0);
    LowerFn *fn = d.mnemonic < MN_COUNT ? s->cpu->lower[d.mnemonic] : NULL;
    if (!fn)
        gen_unimplemented(s);       /* logged under -d unimp */
    else if (!cpu_model_has_feature(s->cpu->model, d.feature))
        gen_exception(s, EXCP_UD);  /* the model does not have it: architectural #UD */
    else
        fn(s);
    s->d = NULL;
    return len;
}

bool x86_translate_block(CpuState *cpu, TranslationBlock *tb, char *why, size_t why_len)
{
    (void)why;
    (void)why_len;
    DisasContext s = {0};
    s.cpu = cpu;
    s.b = &tb->ir;
    s.hflags = tb->key.flags;
    s.code32 = s.hflags & HF_CS32;
    s.ss32 = s.hflags & HF_SS32;
    s.pe = s.hflags & HF_PE;
    s.vm = s.hflags & HF_VM;
    s.cs_base = tb->key.cs_base;
    s.cc_op = CC_OP_DYNAMIC;
    s.pc = tb->key.pc;
    /* Fetch the block's code once: up to the instruction limit's worth
     * plus one maximal instruction, never past the second page. */
    uint8_t code[TRANSLATE_MAX_INSNS * DECODE_MAX_LEN];
    uint32_t linear = s.cs_base + s.pc;
    size_t have = cpu_fetch_code(cpu, linear, code, sizeof(code));
    if (have < sizeof(code) && ((linear + have) & 0xFFF) == 0)
        have += cpu_fetch_code(cpu, linear + (uint32_t)have, code + have, sizeof(code) - have);
    uint32_t first_page = linear >> TB_PAGE_BITS;
    size_t off = 0;
    /* In an interrupt shadow the block holds just the shadowed instruction,
     * so the loop can take interrupts right after it (SDM Vol. 2B STI);
     * single-stepping needs the loop after every instruction for its #DB
     * trap (SDM Vol. 3A §17.3.1.4). */
    unsigned max_insns = (s.hflags & (HF_INHIBIT_IRQ | HF_DEBUG_STEP)) ? 1 : TRANSLATE_MAX_INSNS;
    if (cpu->translate_cap && cpu->translate_cap < max_insns)
        max_insns = cpu->translate_cap;
    for (unsigned n = 0; n < max_insns && !s.ended; n++) {
        /* EFLAGS.RF at entry suppresses the first instruction's breakpoint. */
        bool check_bp = n > 0 || !(s.hflags & HF_DEBUG_RESUME);
        uint32_t len = translate_insn(&s, code + off, have > off ? have - off : 0, check_bp);
        uint32_t end_linear = linear + (uint32_t)off + len - 1;
        if ((end_linear >> TB_PAGE_BITS) != first_page)
            tb->pages[1] = cpu_code_phys(cpu, end_linear) >> TB_PAGE_BITS;
        off += len;
        s.pc = s.next_pc;
        if (s.ended)
            break;
        /* Stop at a page boundary so a block's code spans at most two pages. */
        if (((linear + off) >> TB_PAGE_BITS) != first_page)
            break;
    }
    if (!s.ended)
        gen_jmp_to(&s, s.pc);
    tb->size = (uint32_t)off;
    if (log_enabled(cpu->log, LOG_IN_ASM))
        log_in_asm(cpu, tb, code, MIN(off, have), s.code32);
    if (log_enabled(cpu->log, LOG_OP)) {
        log_printf(cpu->log, "OP: %08x\n", tb->key.pc);
        ir_dump(&tb->ir, cpu->log->out ? cpu->log->out : stderr);
        log_printf(cpu->log, "\n");
    }
    /* Constant/copy propagation and dead-code elimination (translate/opt*.c);
     * the backend receives the optimized IR. */
    ir_optimize(&tb->ir);
    if (log_enabled(cpu->log, LOG_OP_OPT)) {
        log_printf(cpu->log, "OP after optimization: %08x\n", tb->key.pc);
        ir_dump(&tb->ir, cpu->log->out ? cpu->log->out : stderr);
        log_printf(cpu->log, "\n");
    }
    return true;
}
