/* QEMU's firmware configuration device (fw_cfg) as SeaBIOS and Linux find
 * it on a PC: selector at port 0x510 (16-bit), data at 0x511 (8-bit), DMA
 * address at 0x514-0x51B. Items are blobs under 16-bit keys; named files
 * sit in the file directory (key 0x0019). Interface per QEMU's
 * docs/specs/fw_cfg.rst; see fw_cfg.c. The board fills the items; the
 * guest only reads them (data-port and DMA writes are refused). */
#ifndef JITPC_DEVICES_FW_CFG_H
#define JITPC_DEVICES_FW_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/log.h"
#include "devices/device.h"
#include "mmu/memory.h"

/* Well-known selector keys (fw_cfg.rst, "Selector Keys"). Integers in
 * these items are little-endian; the file directory is big-endian. */
enum {
    FW_CFG_SIGNATURE = 0x0000,      /* "QEMU" */
    FW_CFG_ID = 0x0001,             /* u32 features: bit 0 traditional, bit 1 DMA */
    FW_CFG_UUID = 0x0002,           /* 16 bytes */
    FW_CFG_RAM_SIZE = 0x0003,       /* u64 */
    FW_CFG_NOGRAPHIC = 0x0004,      /* u16 */
    FW_CFG_NB_CPUS = 0x0005,        /* u16 */
    FW_CFG_MACHINE_ID = 0x0006,     /* u32 */
    FW_CFG_KERNEL_ADDR = 0x0007,    /* u32 */
    FW_CFG_KERNEL_SIZE = 0x0008,    /* u32 */
    FW_CFG_KERNEL_CMDLINE = 0x0009, /* u32: command line address */
    FW_CFG_INITRD_ADDR = 0x000a,    /* u32 */
    FW_CFG_INITRD_SIZE = 0x000b,    /* u32 */
    FW_CFG_BOOT_DEVICE = 0x000c,    /* u16 */
    FW_CFG_NUMA = 0x000d,
    FW_CFG_BOOT_MENU = 0x000e,      /* u16 */
    FW_CFG_MAX_CPUS = 0x000f,       /* u16 */
    FW_CFG_KERNEL_ENTRY = 0x0010,   /* u32 */
    FW_CFG_KERNEL_DATA = 0x0011,    /* blob */
    FW_CFG_INITRD_DATA = 0x0012,    /* blob */
    FW_CFG_CMDLINE_ADDR = 0x0013,   /* u32 */
    FW_CFG_CMDLINE_SIZE = 0x0014,   /* u32, including the NUL */
    FW_CFG_CMDLINE_DATA = 0x0015,   /* blob */
    FW_CFG_SETUP_ADDR = 0x0016,     /* u32 */
    FW_CFG_SETUP_SIZE = 0x0017,     /* u32 */
    FW_CFG_SETUP_DATA = 0x0018,     /* blob: the Linux real-mode setup */
    FW_CFG_FILE_DIR = 0x0019,       /* the file directory */
    FW_CFG_FILE_FIRST = 0x0020,     /* first key handed to files */
    FW_CFG_WRITE_CHANNEL = 0x4000,  /* selector bit 14: write mode */
    FW_CFG_ARCH_LOCAL = 0x8000,     /* selector bit 15: architecture items */
};

#define FW_CFG_MAX_FILE_PATH 56     /* directory name field, NUL included */
#define FW_CFG_MAX_FILES 0x1000

/* e820 entry types (ACPI address range types). */
enum { E820_RAM = 1, E820_RESERVED = 2, E820_ACPI = 3, E820_NVS = 4, E820_UNUSABLE = 5 };

typedef struct FwCfg FwCfg;

/* A device holding SIGNATURE, ID and an empty FILE_DIR. With `dma_mem`
 * (the guest memory space) the DMA interface is on and ID says so; NULL
 * leaves it off. `log` may be NULL. */
FwCfg *fw_cfg_new(AddressSpace *dma_mem, Log *log);
/* Free the device and its items; NULL is accepted. */
void fw_cfg_free(FwCfg *fw);

/* Ports 0x510-0x511 (selector word at +0, data byte at +1) and
 * 0x514-0x51B (DMA address, big-endian; writing the byte at +7, i.e. the
 * low dword at 0x518, starts the transfer). opaque = the FwCfg. */
extern const IoOps fw_cfg_io_ops;
extern const IoOps fw_cfg_dma_io_ops;

/* The embedded Device ("fw_cfg": reset, field table, free = fw_cfg_free). */
Device *fw_cfg_device(FwCfg *fw);

/* Set item `key` to a copy of `data` (replacing it if present). */
void fw_cfg_add_bytes(FwCfg *fw, uint16_t key, const void *data, size_t len);
void fw_cfg_add_i16(FwCfg *fw, uint16_t key, uint16_t v);  /* little-endian */
void fw_cfg_add_i32(FwCfg *fw, uint16_t key, uint32_t v);
void fw_cfg_add_i64(FwCfg *fw, uint16_t key, uint64_t v);
/* A string with its NUL (e.g. FW_CFG_CMDLINE_DATA). */
void fw_cfg_add_string(FwCfg *fw, uint16_t key, const char *s);
/* Add (or replace, keeping its key) the named file and refresh the
 * directory. Returns its key, or -1 if the name does not fit in 55 bytes
 * or the directory is full. */
int fw_cfg_add_file(FwCfg *fw, const char *name, const void *data, size_t len);
/* Append one range to "etc/e820" (20-byte little-endian entries: u64
 * address, u64 length, u32 type), creating the file on first use. */
void fw_cfg_add_e820(FwCfg *fw, uint64_t addr, uint64_t len, uint32_t type);

#endif
