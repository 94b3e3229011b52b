/* State comparison and the mismatch reproducer of the host differential test
 * (diff_report.h). Disassembly by Capstone in 32-bit mode at the address the
 * code runs at, so branch targets read as they execute. */
#include "diff_report.h"

#include <capstone/capstone.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char *const report_reg_names[DIFF_NREGS] = {"eax", "ecx", "edx", "ebx",
                                                         "esp", "ebp", "esi", "edi"};

bool diff_compare(const DiffCase *c, const DiffState *ref, const DiffState *got, DiffMismatch *m)
{
    memset(m, 0, sizeof(*m));
    m->flags_mask = diff_case_compared_flags(c, ref->exception, ref->fault_offset);
    for (unsigned r = 0; r < DIFF_NREGS; r++)
        if (ref->regs[r] != got->regs[r])
            m->regs |= 1u << r;
    m->eflags = ((ref->eflags ^ got->eflags) & m->flags_mask) != 0;
    m->exception = ref->exception != got->exception ||
                   (ref->exception != DIFF_EXC_NONE && ref->fault_offset != got->fault_offset);
    if (memcmp(ref->data, got->data, DIFF_DATA_SIZE)) {
        for (uint32_t i = 0; i < DIFF_DATA_SIZE; i++)
            m->data_bytes += ref->data[i] != got->data[i];
    }
    return !m->regs && !m->eflags && !m->exception && !m->data_bytes;
}

/* One line per instruction of the case, split where the generator put its
 * boundaries (Capstone does not know every form, e.g. 66 0F 1F /0 on a
 * register); `>` marks mark_offset. */
static void report_disassemble(FILE *f, const DiffCase *c, uint32_t mark_offset)
{
    csh cs;
    bool have_cs = cs_open(CS_ARCH_X86, CS_MODE_32, &cs) == CS_ERR_OK;
    uint32_t off = 0;
    while (off < c->code_len) {
        int i = diff_case_insn_at(c, off);
        cs_insn *insn = NULL;
        size_t n = have_cs ? cs_disasm(cs, c->code + off, c->code_len - off, DIFF_CODE_BASE + off, 1, &insn) : 0;
        uint32_t len = i >= 0 ? ((uint32_t)i + 1 < c->insn_count ? c->insn_offset[i + 1] : c->code_len) - off
                     : n ? insn->size : 1;
        char hex[3 * 16 + 4] = "";
        for (uint32_t b = 0; b < len && b < 16; b++)
            snprintf(hex + 3 * b, sizeof(hex) - 3 * b, "%02x ", c->code[off + b]);
        if (len > 16)
            strcat(hex, "...");
        char text[CS_MNEMONIC_SIZE + 160 + 40];
        if (n && insn->size == len)
            snprintf(text, sizeof(text), "%s %s", insn->mnemonic, insn->op_str);
        else if (n)
            snprintf(text, sizeof(text), "%s %s   (Capstone reads %u bytes)", insn->mnemonic, insn->op_str,
                     (unsigned)insn->size);
        else
            snprintf(text, sizeof(text), "(Capstone cannot decode this)");
        fprintf(f, "  %c+%04" PRIx32 "  %-36s %s\n", off == mark_offset ? '>' : ' ', off, hex, text);
        if (n)
            cs_free(insn, n);
        off += len;
    }
    fprintf(f, "   +%04" PRIx32 "  (terminator)\n", c->code_len);
    if (have_cs)
        cs_close(&cs);
}

static void report_regs(FILE *f, const char *indent, const uint32_t *regs)
{
    for (unsigned r = 0; r < DIFF_NREGS; r++)
        fprintf(f, "%s%s=%08" PRIx32 "%s", r % 4 ? " " : indent, report_reg_names[r], regs[r],
                r % 4 == 3 ? "\n" : "");
}

void diff_report_case(FILE *f, const DiffCase *c, const char *rerun, uint32_t mark_offset)
{
    char flags[64], undef[64];
    fprintf(f, "case %" PRIu32 " of seed %" PRIu64 " (%s%s)\n", c->index, c->seed,
            c->name ? "targeted: " : "random", c->name ? c->name : "");
    fprintf(f, "re-run: %s\n", rerun);
    fprintf(f, "code (%" PRIu32 " bytes at %08x):", c->code_len, DIFF_CODE_BASE);
    for (uint32_t i = 0; i < c->code_len; i++)
        fprintf(f, " %02x", c->code[i]);
    fprintf(f, "\n");
    report_disassemble(f, c, mark_offset);
    fprintf(f, "initial state:\n");
    report_regs(f, "  ", c->init.regs);
    diff_flags_format(flags, sizeof(flags), c->init.eflags, DIFF_FLAGS_COMPARED, false);
    fprintf(f, "  eflags=%08" PRIx32 " (%s)\n", c->init.eflags, flags);
    /* The data area is the seeded fill plus, for targeted cases, a few bytes. */
    uint8_t *fill = malloc(DIFF_DATA_SIZE);
    uint32_t patched = 0;
    if (fill) {
        diff_data_fill(fill, c->data_seed);
        for (uint32_t i = 0; i < DIFF_DATA_SIZE; i++) {
            if (fill[i] == c->init.data[i])
                continue;
            if (patched++ < 16)
                fprintf(f, "  data +%04" PRIx32 " = %02x\n", i, c->init.data[i]);
        }
        free(fill);
    }
    fprintf(f, "  data %08x..%08x = diff_data_fill(0x%016" PRIx64 ")%s%s\n", DIFF_DATA_BASE, DIFF_DATA_END - 1,
            c->data_seed, patched ? " with the bytes above" : "", patched > 16 ? " (and more)" : "");
    diff_flags_format(flags, sizeof(flags), 0, c->flags_mask, true);
    diff_flags_format(undef, sizeof(undef), 0, DIFF_FLAGS_COMPARED & ~c->flags_mask, true);
    fprintf(f, "flags compared at the end: %s (undefined: %s)\n", flags, undef);
}

void diff_report_state(FILE *f, const char *label, const DiffCase *c, const DiffState *s)
{
    char flags[64], name[16];
    fprintf(f, "%s:\n", label);
    report_regs(f, "  ", s->regs);
    diff_flags_format(flags, sizeof(flags), s->eflags, DIFF_FLAGS_COMPARED, false);
    fprintf(f, "  eflags=%08" PRIx32 " (%s)\n", s->eflags, flags);
    if (s->exception == DIFF_EXC_NONE)
        fprintf(f, "  ended at the terminator\n");
    else
        fprintf(f, "  exception %s at +%04" PRIx32 "\n", diff_exception_name(s->exception, name, sizeof(name)),
                s->fault_offset);
    uint32_t changed = 0;
    for (uint32_t i = 0; i < DIFF_DATA_SIZE; i++) {
        if (s->data[i] == c->init.data[i])
            continue;
        if (changed++ < 32)
            fprintf(f, "  data +%04" PRIx32 ": %02x -> %02x\n", i, c->init.data[i], s->data[i]);
    }
    fprintf(f, "  %" PRIu32 " data bytes changed\n", changed);
}

static const char *report_exception(const DiffState *s, char *buf, size_t len)
{
    char name[16];
    if (s->exception == DIFF_EXC_NONE)
        snprintf(buf, len, "none");
    else
        snprintf(buf, len, "%s@+%04" PRIx32, diff_exception_name(s->exception, name, sizeof(name)),
                 s->fault_offset);
    return buf;
}

void diff_report_mismatch(FILE *f, const DiffCase *c, const char *ref_label, const DiffState *ref,
                          const char *got_label, const DiffState *got, const DiffMismatch *m)
{
    char a[32], b[32], flags[64];
    diff_flags_format(flags, sizeof(flags), 0, m->flags_mask, true);
    fprintf(f, "final states (flags compared: %s):\n", flags);
    fprintf(f, "  %-10s %-12s %-12s\n", "", ref_label, got_label);
    for (unsigned r = 0; r < DIFF_NREGS; r++)
        fprintf(f, "  %-10s %08" PRIx32 "     %08" PRIx32 "     %s\n", report_reg_names[r], ref->regs[r],
                got->regs[r], (m->regs >> r) & 1 ? "<<" : "");
    diff_flags_format(flags, sizeof(flags), 0, (ref->eflags ^ got->eflags) & m->flags_mask, true);
    fprintf(f, "  %-10s %08" PRIx32 "     %08" PRIx32 "     %s%s\n", "eflags", ref->eflags, got->eflags,
            m->eflags ? "<< " : "", m->eflags ? flags : "");
    fprintf(f, "  %-10s %-12s %-12s %s\n", "exception", report_exception(ref, a, sizeof(a)),
            report_exception(got, b, sizeof(b)), m->exception ? "<<" : "");
    fprintf(f, "  %-10s %" PRIu32 " bytes differ%s\n", "data", m->data_bytes, m->data_bytes ? " <<" : "");
    uint32_t shown = 0;
    for (uint32_t i = 0; i < DIFF_DATA_SIZE && shown < 32; i++) {
        if (ref->data[i] == got->data[i])
            continue;
        shown++;
        fprintf(f, "    %08" PRIx32 " (+%04" PRIx32 "): initial %02x, %s %02x, %s %02x\n", DIFF_DATA_BASE + i, i,
                c->init.data[i], ref_label, ref->data[i], got_label, got->data[i]);
    }
}
