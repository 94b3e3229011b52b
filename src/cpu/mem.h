/* Guest memory as the CPU sees it: linear addresses (segmentation already
 * applied by the translated code) to physical accesses. Paging arrives
 * with the MMU issue; until then linear = physical, masked by A20. */
#ifndef JITPC_CPU_MEM_H
#define JITPC_CPU_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* IrGuest memory callbacks (env is the CpuState). May raise exceptions. */
uint64_t cpu_mem_load(void *env, uint64_t addr, unsigned memop);
void cpu_mem_store(void *env, uint64_t addr, uint64_t val, unsigned memop);

struct CpuState;
/* Copy up to `len` code bytes at linear `addr` for the translator; stops
 * early where memory is not RAM or ROM. Returns the bytes copied. */
size_t cpu_fetch_code(struct CpuState *cpu, uint32_t addr, uint8_t *buf, size_t len);
/* The physical address of a linear code address. */
/* Whether the TLB maps the code page of `linear` with a global entry. */
bool cpu_code_page_global(struct CpuState *cpu, uint32_t linear);
uint64_t cpu_code_phys(struct CpuState *cpu, uint32_t addr);

/* Helper-side accessors (with the same fault behaviour as translated code),
 * with the current privilege level's permissions. */
uint32_t cpu_ld(struct CpuState *cpu, uint32_t addr, unsigned size);
void cpu_st(struct CpuState *cpu, uint32_t addr, uint32_t val, unsigned size);
/* Accesses to system structures (GDT, LDT, IDT, TSS): always supervisor
 * accesses, whatever the CPL (SDM Vol. 3A §5.2 "implicit" accesses). */
uint32_t cpu_ld_sys(struct CpuState *cpu, uint32_t addr, unsigned size);
void cpu_st_sys(struct CpuState *cpu, uint32_t addr, uint32_t val, unsigned size);

struct PagingConfig;
/* The walker's configuration from CR0, CR3, CR4 and EFER. */
void cpu_paging_config(const struct CpuState *cpu, struct PagingConfig *cfg);
/* Physical address of a linear code address without faulting; false if
 * the page would fault. */
bool cpu_code_phys_probe(struct CpuState *cpu, uint32_t linear, uint64_t *phys);
/* Everything that caches translations changed (CR0.PG/WP, CR4 paging bits,
 * EFER.NXE, A20, the memory map): flush the whole TLB. */
void cpu_tlb_flush(struct CpuState *cpu);

#endif
