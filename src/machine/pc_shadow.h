/* The BIOS area 0xC0000-0xFFFFF of an i440FX PC: thirteen segments (twelve
 * of 16 KiB below 0xF0000, one of 64 KiB above) whose reads and writes go
 * to DRAM or to the ROM/PCI side independently, as the host bridge's PAM
 * registers say (Intel 82441FX datasheet §3.2.18). The firmware copies
 * itself into DRAM ("shadowing") by enabling DRAM writes, then DRAM reads,
 * then write-protects it. Without firmware (-kernel boots) the area is
 * plain RAM. */
#ifndef JITPC_MACHINE_PC_SHADOW_H
#define JITPC_MACHINE_PC_SHADOW_H

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"

#define PC_SHADOW_BASE 0xC0000ULL
#define PC_SHADOW_SEGMENTS 13

struct Machine;

/* One segment as the opaque of its write-only (I/O) mapping. */
typedef struct PcShadowSegment {
    struct Machine *m;
    uint64_t base;
} PcShadowSegment;

typedef struct PcShadow {
    struct Machine *m;
    bool managed;                       /* firmware present: segments follow the PAM registers */
    uint8_t mode[PC_SHADOW_SEGMENTS];   /* bit 0: reads from DRAM, bit 1: writes to DRAM */
    PcShadowSegment seg[PC_SHADOW_SEGMENTS];
} PcShadow;

/* Map the area: every segment to the ROM/PCI side when firmware is loaded
 * (the PAM reset state), else RAM. */
bool pc_shadow_init(PcShadow *s, struct Machine *m, Error *err);
/* Set [base, base + size) (whole segments) to read from DRAM or not and to
 * write to DRAM or not; the i440FX's PAM callback. Remaps the segments and
 * drops the translations and TLB entries of the old mapping. */
void pc_shadow_set(void *opaque, uint64_t base, uint64_t size, bool read_ram, bool write_ram);
/* Back to the reset state (system reset). */
void pc_shadow_reset(PcShadow *s);

#endif
