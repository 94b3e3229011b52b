/* QEMU fw_cfg, the PC (I/O port) flavour, following QEMU's
 * docs/specs/fw_cfg.rst:
 *  - Writing the 16-bit selector picks an item and resets the data offset
 *    to 0. Each data-port read returns the byte at the offset and advances
 *    it; past the item's end (or for an absent item) reads return 0.
 *  - Selector bit 14 asks for write mode; like QEMU since 2.4 this device
 *    has no guest-writable items, so data-port writes are ignored.
 *  - The file directory (key 0x0019) is a big-endian u32 count followed by
 *    64-byte entries: be32 size, be16 key, be16 reserved, char name[56].
 *  - DMA: the guest writes the guest-physical address of an access record
 *    { be32 control; be32 length; be64 address } to 0x514 (high dword) and
 *    0x518 (low dword, which triggers). control bit 3 (select) first
 *    selects key control[31:16]; then bit 1 reads `length` bytes into
 *    `address`, bit 2 skips them, bit 4 writes (refused here). The device
 *    writes control back as 0 on success or with bit 0 (error) set.
 *    Reading 0x514-0x51B returns "QEMU CFG".
 * Items are host configuration made by the board at start-up; only the
 * guest's position in them (selector, offset, DMA address) is state. */
#include "devices/fw_cfg.h"

#include <stdlib.h>
#include <string.h>

#define FW_CFG_DMA_CTL_ERROR 0x01u
#define FW_CFG_DMA_CTL_READ 0x02u
#define FW_CFG_DMA_CTL_SKIP 0x04u
#define FW_CFG_DMA_CTL_SELECT 0x08u
#define FW_CFG_DMA_CTL_WRITE 0x10u
#define FW_CFG_DMA_SIGNATURE 0x51454D5520434647ULL    /* "QEMU CFG" */
#define FW_CFG_DIR_ENTRY_SIZE 64

typedef struct FwCfgItem {
    uint16_t key;
    uint8_t *data;
    uint32_t len;
} FwCfgItem;

typedef struct FwCfgFile {
    char name[FW_CFG_MAX_FILE_PATH];
    uint16_t key;
} FwCfgFile;

struct FwCfg {
    Device dev;
    AddressSpace *dma_mem;
    Log *log;
    FwCfgItem *items;
    int nitems, cap_items;
    FwCfgFile *files;
    int nfiles, cap_files;
    uint8_t *e820;
    size_t e820_len;
    /* Guest-visible state. */
    uint16_t selector;
    uint32_t offset;
    uint64_t dma_addr;
    int cur;                /* lookup cache: index of the last selected item, -1 none */
};

static const StateField fw_cfg_fields[] = {
    STATE_UINT(FwCfg, selector),
    STATE_UINT(FwCfg, offset),
    STATE_UINT(FwCfg, dma_addr),
    STATE_END,
};

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        abort();
    return p;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* The selected item, or NULL. Bit 14 (write mode) does not change which
 * item is addressed. */
static FwCfgItem *fw_cfg_current(FwCfg *fw)
{
    uint16_t key = fw->selector & (uint16_t)~FW_CFG_WRITE_CHANNEL;
    if (fw->cur >= 0 && fw->cur < fw->nitems && fw->items[fw->cur].key == key)
        return &fw->items[fw->cur];
    for (int i = 0; i < fw->nitems; i++) {
        if (fw->items[i].key == key) {
            fw->cur = i;
            return &fw->items[i];
        }
    }
    return NULL;
}

void fw_cfg_add_bytes(FwCfg *fw, uint16_t key, const void *data, size_t len)
{
    FwCfgItem *it = NULL;
    for (int i = 0; i < fw->nitems; i++)
        if (fw->items[i].key == key)
            it = &fw->items[i];
    if (!it) {
        if (fw->nitems == fw->cap_items) {
            fw->cap_items = fw->cap_items ? 2 * fw->cap_items : 32;
            fw->items = xrealloc(fw->items, (size_t)fw->cap_items * sizeof(*fw->items));
        }
        it = &fw->items[fw->nitems++];
        *it = (FwCfgItem){.key = key};
    }
    it->data = xrealloc(it->data, len);
    if (len)
        memcpy(it->data, data, len);
    it->len = (uint32_t)len;
}

void fw_cfg_add_i16(FwCfg *fw, uint16_t key, uint16_t v)
{
    uint8_t b[2];
    put_le(b, v, 2);
    fw_cfg_add_bytes(fw, key, b, 2);
}

void fw_cfg_add_i32(FwCfg *fw, uint16_t key, uint32_t v)
{
    uint8_t b[4];
    put_le(b, v, 4);
    fw_cfg_add_bytes(fw, key, b, 4);
}

void fw_cfg_add_i64(FwCfg *fw, uint16_t key, uint64_t v)
{
    uint8_t b[8];
    put_le(b, v, 8);
    fw_cfg_add_bytes(fw, key, b, 8);
}

void fw_cfg_add_string(FwCfg *fw, uint16_t key, const char *s)
{
    fw_cfg_add_bytes(fw, key, s, strlen(s) + 1);
}

static uint32_t fw_cfg_item_len(FwCfg *fw, uint16_t key)
{
    for (int i = 0; i < fw->nitems; i++)
        if (fw->items[i].key == key)
            return fw->items[i].len;
    return 0;
}

/* Rebuild the directory item from the file list. */
static void fw_cfg_update_dir(FwCfg *fw)
{
    size_t len = 4 + (size_t)fw->nfiles * FW_CFG_DIR_ENTRY_SIZE;
    uint8_t *dir = calloc(1, len);
    if (!dir)
        abort();
    put_be32(dir, (uint32_t)fw->nfiles);
    for (int i = 0; i < fw->nfiles; i++) {
        uint8_t *e = dir + 4 + (size_t)i * FW_CFG_DIR_ENTRY_SIZE;
        put_be32(e, fw_cfg_item_len(fw, fw->files[i].key));
        e[4] = (uint8_t)(fw->files[i].key >> 8);
        e[5] = (uint8_t)fw->files[i].key;
        memcpy(e + 8, fw->files[i].name, FW_CFG_MAX_FILE_PATH);
    }
    fw_cfg_add_bytes(fw, FW_CFG_FILE_DIR, dir, len);
    free(dir);
}

int fw_cfg_add_file(FwCfg *fw, const char *name, const void *data, size_t len)
{
    if (strlen(name) >= FW_CFG_MAX_FILE_PATH)
        return -1;
    int idx = -1;
    for (int i = 0; i < fw->nfiles; i++)
        if (!strcmp(fw->files[i].name, name))
            idx = i;
    if (idx < 0) {
        if (fw->nfiles == FW_CFG_MAX_FILES)
            return -1;
        if (fw->nfiles == fw->cap_files) {
            fw->cap_files = fw->cap_files ? 2 * fw->cap_files : 16;
            fw->files = xrealloc(fw->files, (size_t)fw->cap_files * sizeof(*fw->files));
        }
        idx = fw->nfiles++;
        memset(&fw->files[idx], 0, sizeof(fw->files[idx]));
        strcpy(fw->files[idx].name, name);
        fw->files[idx].key = (uint16_t)(FW_CFG_FILE_FIRST + idx);
    }
    fw_cfg_add_bytes(fw, fw->files[idx].key, data, len);
    fw_cfg_update_dir(fw);
    return fw->files[idx].key;
}

void fw_cfg_add_e820(FwCfg *fw, uint64_t addr, uint64_t len, uint32_t type)
{
    fw->e820 = xrealloc(fw->e820, fw->e820_len + 20);
    uint8_t *e = fw->e820 + fw->e820_len;
    put_le(e, addr, 8);
    put_le(e + 8, len, 8);
    put_le(e + 16, type, 4);
    fw->e820_len += 20;
    fw_cfg_add_file(fw, "etc/e820", fw->e820, fw->e820_len);
}

static void fw_cfg_select(FwCfg *fw, uint16_t key)
{
    fw->selector = key;
    fw->offset = 0;
    LOG(fw->log, LOG_IOPORT, "fw_cfg: select 0x%04x%s\n", key, fw_cfg_current(fw) ? "" : " (absent)");
}

static uint8_t fw_cfg_next_byte(FwCfg *fw)
{
    FwCfgItem *it = fw_cfg_current(fw);
    if (!it || fw->offset >= it->len)
        return 0;
    return it->data[fw->offset++];
}

static uint64_t fw_cfg_read(void *opaque, uint64_t off, unsigned size)
{
    FwCfg *fw = opaque;
    if (off == 1 && size == 1)
        return fw_cfg_next_byte(fw);
    return 0;   /* the selector is write-only */
}

static void fw_cfg_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    FwCfg *fw = opaque;
    if (off == 0) {
        fw_cfg_select(fw, (uint16_t)val);
        (void)size;
        return;
    }
    LOG(fw->log, LOG_GUEST_ERRORS, "fw_cfg: data write 0x%02x to item 0x%04x ignored\n", (unsigned)val & 0xFF,
        fw->selector);
}

const IoOps fw_cfg_io_ops = {
    .read = fw_cfg_read,
    .write = fw_cfg_write,
    .min_access = 1,
    .max_access = 2,
};

/* Run the DMA access record at fw->dma_addr. */
static void fw_cfg_dma_run(FwCfg *fw)
{
    uint64_t rec = fw->dma_addr;
    uint8_t r[16];
    fw->dma_addr = 0;
    if (!as_read_buf(fw->dma_mem, rec, r, sizeof(r))) {
        LOG(fw->log, LOG_GUEST_ERRORS, "fw_cfg: DMA record at 0x%llx is not in RAM\n", (unsigned long long)rec);
        return;
    }
    uint32_t control = get_be32(r), length = get_be32(r + 4);
    uint64_t addr = (uint64_t)get_be32(r + 8) << 32 | get_be32(r + 12);
    bool error = false;
    if (control & FW_CFG_DMA_CTL_SELECT)
        fw_cfg_select(fw, (uint16_t)(control >> 16));
    if (control & FW_CFG_DMA_CTL_READ) {
        FwCfgItem *it = fw_cfg_current(fw);
        uint8_t buf[4096];
        /* Copy in chunks; bytes past the item's end read as 0. */
        for (uint32_t done = 0; done < length && !error;) {
            uint32_t n = length - done < sizeof(buf) ? length - done : (uint32_t)sizeof(buf);
            for (uint32_t i = 0; i < n; i++) {
                uint64_t pos = (uint64_t)fw->offset + i;
                buf[i] = it && pos < it->len ? it->data[pos] : 0;
            }
            if (!as_write_buf(fw->dma_mem, addr + done, buf, n))
                error = true;
            fw->offset += n;
            done += n;
        }
    } else if (control & FW_CFG_DMA_CTL_SKIP) {
        fw->offset += length;
    } else if (control & FW_CFG_DMA_CTL_WRITE) {
        error = true;   /* no guest-writable items */
    }
    if (error)
        LOG(fw->log, LOG_GUEST_ERRORS, "fw_cfg: DMA 0x%08x len %u to 0x%llx failed\n", control, length,
            (unsigned long long)addr);
    put_be32(r, error ? FW_CFG_DMA_CTL_ERROR : 0);
    as_write_buf(fw->dma_mem, rec, r, 4);
}

static uint64_t fw_cfg_dma_read(void *opaque, uint64_t off, unsigned size)
{
    (void)opaque;
    /* Byte i of the register is byte i of "QEMU CFG" (big-endian). */
    uint64_t v = 0;
    for (unsigned i = 0; i < size && off + i < 8; i++)
        v |= ((FW_CFG_DMA_SIGNATURE >> (56 - 8 * (off + i))) & 0xFF) << (8 * i);
    return v;
}

static void fw_cfg_dma_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    FwCfg *fw = opaque;
    if (!fw->dma_mem)
        return;
    for (unsigned i = 0; i < size && off + i < 8; i++) {
        unsigned shift = 56 - 8 * (unsigned)(off + i);
        fw->dma_addr = (fw->dma_addr & ~(0xFFULL << shift)) | (((val >> (8 * i)) & 0xFF) << shift);
    }
    if (off + size == 8)
        fw_cfg_dma_run(fw);
}

const IoOps fw_cfg_dma_io_ops = {
    .read = fw_cfg_dma_read,
    .write = fw_cfg_dma_write,
    .min_access = 1,
    .max_access = 4,
};

static void fw_cfg_reset(void *opaque)
{
    FwCfg *fw = opaque;
    fw->selector = 0;
    fw->offset = 0;
    fw->dma_addr = 0;
}

void fw_cfg_free(FwCfg *fw)
{
    if (!fw)
        return;
    for (int i = 0; i < fw->nitems; i++)
        free(fw->items[i].data);
    free(fw->items);
    free(fw->files);
    free(fw->e820);
    free(fw);
}

static void fw_cfg_free_opaque(void *opaque)
{
    fw_cfg_free(opaque);
}

FwCfg *fw_cfg_new(AddressSpace *dma_mem, Log *log)
{
    FwCfg *fw = calloc(1, sizeof(*fw));
    if (!fw)
        abort();
    fw->dma_mem = dma_mem;
    fw->log = log;
    fw->cur = -1;
    fw_cfg_add_bytes(fw, FW_CFG_SIGNATURE, "QEMU", 4);
    fw_cfg_add_i32(fw, FW_CFG_ID, dma_mem ? 0x3 : 0x1);
    fw_cfg_update_dir(fw);
    fw->dev = (Device){.name = "fw_cfg", .reset = fw_cfg_reset, .fields = fw_cfg_fields, .state = fw, .opaque = fw,
                       .free = fw_cfg_free_opaque};
    return fw;
}

Device *fw_cfg_device(FwCfg *fw)
{
    return &fw->dev;
}
