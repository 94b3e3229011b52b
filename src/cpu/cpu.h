/* The guest CPU's architectural state and its life cycle (reset, entry
 * states set by loaders, state dump). Instruction execution arrives with
 * the CPU core (issue 3); until then cpu_exec() reports that no execution
 * engine exists, and jitpc says so instead of pretending to run.
 * Reference: Intel SDM Vol. 3A §9.1 (processor state after reset). */
#ifndef JITPC_CPU_CPU_H
#define JITPC_CPU_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include "base/log.h"

enum { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI };
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_COUNT };

#define CR0_PE (1u << 0)
#define CR0_ET (1u << 4)
#define CR0_NW (1u << 29)
#define CR0_CD (1u << 30)
#define CR0_PG (1u << 31)

#define EFLAGS_FIXED (1u << 1)  /* bit 1 always reads as 1 */
#define EFLAGS_IF (1u << 9)

/* A segment register with its hidden descriptor cache (SDM Vol. 3A §3.4.3). */
typedef struct SegmentCache {
    uint16_t selector;
    uint32_t base;
    uint32_t limit;             /* byte granular, already scaled */
    uint16_t flags;             /* descriptor bits 8..15 and 20..23 (type, S, DPL, P, AVL, D/B, G) */
} SegmentCache;

#define SEG_FLAG_DB (1u << 14)  /* D/B bit in `flags` */

typedef struct CpuModel {
    const char *name;
    const char *description;
    uint32_t family, model, stepping;
} CpuModel;

typedef struct CpuState {
    uint32_t regs[8];
    uint32_t eip;
    uint32_t eflags;
    SegmentCache seg[SEG_COUNT];
    uint32_t cr[5];
    const CpuModel *model;
} CpuState;

/* The models -cpu offers; the list ends with a NULL name. */
extern const CpuModel cpu_models[];
const CpuModel *cpu_model_find(const char *name);
const CpuModel *cpu_model_default(void);

/* Power-on reset: real mode, CS:IP = F000:FFF0 with CS base FFFF0000. */
void cpu_reset(CpuState *cpu, const CpuModel *model);
/* The entry state the Multiboot v1 spec defines: 32-bit protected mode,
 * flat 4 GiB CS (execute/read) and data segments, paging off, IF clear,
 * EAX = 0x2BADB002, EBX = physical address of the multiboot info. */
void cpu_enter_multiboot(CpuState *cpu, uint32_t entry, uint32_t info_addr);

void cpu_dump_state(const CpuState *cpu, Log *log);

typedef enum CpuExecStatus {
    CPU_EXEC_NO_ENGINE,         /* no instruction execution engine yet */
} CpuExecStatus;

/* Run the CPU until something needs the machine loop. */
CpuExecStatus cpu_exec(CpuState *cpu);

#endif
