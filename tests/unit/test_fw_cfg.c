/* fw_cfg through its ports in a real port space: signature, ID, integer
 * items, selector semantics (offset reset, reads past the end), the
 * big-endian file directory, file contents, the etc/e820 helper, the DMA
 * interface against guest RAM, and save/load of the guest position. */
#include <criterion/criterion.h>
#include <string.h>

#include "base/state.h"
#include "devices/fw_cfg.h"

static AddressSpace mem, io;
static uint8_t ram[0x10000];
static FwCfg *fw;

static void map(FwCfg *f)
{
    Error err = {0};
    cr_assert(as_map_io(&io, 0x510, 2, &fw_cfg_io_ops, f, "fw_cfg", &err), "%s", err.msg);
    cr_assert(as_map_io(&io, 0x514, 8, &fw_cfg_dma_io_ops, f, "fw_cfg-dma", &err), "%s", err.msg);
}

static void setup(void)
{
    as_init(&mem, "memory", PHYS_ADDR_SPACE_SIZE, NULL);
    as_init(&io, "ioport", IO_PORT_SPACE_SIZE, NULL);
    memset(ram, 0, sizeof(ram));
    Error err = {0};
    cr_assert(as_map_ram(&mem, 0, sizeof(ram), ram, "ram", &err));
    fw = fw_cfg_new(&mem, NULL);
    map(fw);
}

static void teardown(void)
{
    fw_cfg_free(fw);
    as_destroy(&mem);
    as_destroy(&io);
}

TestSuite(fw_cfg, .init = setup, .fini = teardown);

static void sel(uint16_t key)
{
    as_write(&io, 0x510, key, 2);
}

static void rd(void *buf, size_t n)
{
    uint8_t *b = buf;
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)as_read(&io, 0x511, 1);
}

static uint64_t rd_le(unsigned n)
{
    uint8_t b[8] = {0};
    rd(b, n);
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

Test(fw_cfg, signature_and_id)
{
    char sig[5] = {0};
    sel(FW_CFG_SIGNATURE);
    rd(sig, 4);
    cr_assert_str_eq(sig, "QEMU");
    cr_assert_eq(as_read(&io, 0x511, 1), 0, "past the end reads 0");
    sel(FW_CFG_ID);
    cr_assert_eq(rd_le(4), 3, "traditional + DMA");
}

Test(fw_cfg, id_without_dma)
{
    FwCfg *f = fw_cfg_new(NULL, NULL);
    fw_cfg_io_ops.write(f, 0, FW_CFG_ID, 2);
    uint32_t id = 0;
    for (int i = 0; i < 4; i++)
        id |= (uint32_t)fw_cfg_io_ops.read(f, 1, 1) << (8 * i);
    cr_assert_eq(id, 1, "traditional interface only");
    fw_cfg_free(f);
}

Test(fw_cfg, integer_items_and_selector_semantics)
{
    fw_cfg_add_i64(fw, FW_CFG_RAM_SIZE, 0x123456789ULL);
    fw_cfg_add_i16(fw, FW_CFG_NB_CPUS, 2);
    fw_cfg_add_i16(fw, FW_CFG_MAX_CPUS, 4);
    sel(FW_CFG_RAM_SIZE);
    cr_assert_eq(rd_le(8), 0x123456789ULL);
    sel(FW_CFG_NB_CPUS);
    cr_assert_eq(rd_le(1), 2);
    sel(FW_CFG_NB_CPUS);
    cr_assert_eq(rd_le(2), 2, "selecting again restarts at offset 0");
    sel(FW_CFG_MAX_CPUS);
    cr_assert_eq(rd_le(4), 4, "past the end: zero bytes");
    sel(0x0123);
    cr_assert_eq(rd_le(4), 0, "absent item reads 0");
    sel(FW_CFG_WRITE_CHANNEL | FW_CFG_NB_CPUS);
    as_write(&io, 0x511, 0x77, 1);
    cr_assert_eq(rd_le(2), 2, "write mode: data writes ignored, item still readable");
    fw_cfg_add_i64(fw, FW_CFG_RAM_SIZE, 42);
    sel(FW_CFG_RAM_SIZE);
    cr_assert_eq(rd_le(8), 42, "replacing an item");
}

Test(fw_cfg, file_directory_is_big_endian)
{
    sel(FW_CFG_FILE_DIR);
    uint8_t cnt[4];
    rd(cnt, 4);
    cr_assert_eq(be32(cnt), 0, "empty directory");

    const char boot[] = "/pci@i0cf8/ide@1,1/drive@0/disk@0\n";
    int k1 = fw_cfg_add_file(fw, "bootorder", boot, sizeof(boot) - 1);
    uint8_t blob[300];
    for (int i = 0; i < 300; i++)
        blob[i] = (uint8_t)(i * 7);
    int k2 = fw_cfg_add_file(fw, "etc/table-loader", blob, sizeof(blob));
    cr_assert_eq(k1, FW_CFG_FILE_FIRST);
    cr_assert_eq(k2, FW_CFG_FILE_FIRST + 1);
    char longname[80];
    memset(longname, 'x', sizeof(longname));
    longname[56] = 0;
    cr_assert_eq(fw_cfg_add_file(fw, longname, "", 0), -1, "name longer than 55");

    sel(FW_CFG_FILE_DIR);
    uint8_t dir[4 + 2 * 64];
    rd(dir, sizeof(dir));
    cr_assert_eq(be32(dir), 2);
    const uint8_t *e = dir + 4;
    cr_assert_eq(be32(e), sizeof(boot) - 1, "size is big-endian");
    cr_assert_eq(e[4] << 8 | e[5], FW_CFG_FILE_FIRST, "select is big-endian");
    cr_assert_eq(e[6] | e[7], 0, "reserved");
    cr_assert_str_eq((const char *)e + 8, "bootorder");
    e += 64;
    cr_assert_eq(be32(e), 300);
    cr_assert_eq(e[4] << 8 | e[5], FW_CFG_FILE_FIRST + 1);
    cr_assert_str_eq((const char *)e + 8, "etc/table-loader");

    sel((uint16_t)k2);
    uint8_t got[300];
    rd(got, sizeof(got));
    cr_assert_arr_eq(got, blob, sizeof(blob));
    sel((uint16_t)k1);
    char s[sizeof(boot)] = {0};
    rd(s, sizeof(boot) - 1);
    cr_assert_str_eq(s, boot);
}

Test(fw_cfg, e820_file)
{
    fw_cfg_add_e820(fw, 0, 0x9FC00, E820_RAM);
    fw_cfg_add_e820(fw, 0xFEFFC000, 0x4000, E820_RESERVED);
    sel(FW_CFG_FILE_DIR);
    uint8_t dir[4 + 64];
    rd(dir, sizeof(dir));
    cr_assert_eq(be32(dir), 1, "one file, updated in place");
    cr_assert_str_eq((const char *)dir + 12, "etc/e820");
    cr_assert_eq(be32(dir + 4), 40);
    sel((uint16_t)(dir[8] << 8 | dir[9]));
    cr_assert_eq(rd_le(8), 0);
    cr_assert_eq(rd_le(8), 0x9FC00);
    cr_assert_eq(rd_le(4), E820_RAM);
    cr_assert_eq(rd_le(8), 0xFEFFC000);
    cr_assert_eq(rd_le(8), 0x4000);
    cr_assert_eq(rd_le(4), E820_RESERVED);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t bswap32(uint32_t v)
{
    return __builtin_bswap32(v);
}

/* Put an access record at `rec` and kick it the way Linux and SeaBIOS do:
 * two big-endian dwords, high then low. */
static uint32_t dma(uint32_t rec, uint32_t control, uint32_t len, uint32_t addr)
{
    put_be32(ram + rec, control);
    put_be32(ram + rec + 4, len);
    put_be32(ram + rec + 8, 0);
    put_be32(ram + rec + 12, addr);
    as_write(&io, 0x514, bswap32(0), 4);
    as_write(&io, 0x518, bswap32(rec), 4);
    return be32(ram + rec);
}

Test(fw_cfg, dma_signature_register)
{
    char sig[9] = {0};
    for (int i = 0; i < 8; i++)
        sig[i] = (char)as_read(&io, 0x514 + (uint64_t)i, 1);
    cr_assert_str_eq(sig, "QEMU CFG");
}

Test(fw_cfg, dma_read_skip_select)
{
    uint8_t blob[100];
    for (int i = 0; i < 100; i++)
        blob[i] = (uint8_t)(0x80 + i);
    int key = fw_cfg_add_file(fw, "opt/blob", blob, sizeof(blob));
    memset(ram + 0x2000, 0xEE, 0x200);
    /* select + read 10 */
    cr_assert_eq(dma(0x1000, (uint32_t)key << 16 | 0x08 | 0x02, 10, 0x2000), 0, "control cleared on success");
    cr_assert_arr_eq(ram + 0x2000, blob, 10);
    /* skip 80, then read 20: 10 data bytes + 10 zeros past the end */
    cr_assert_eq(dma(0x1000, 0x04, 80, 0), 0);
    cr_assert_eq(dma(0x1000, 0x02, 20, 0x2100), 0);
    cr_assert_arr_eq(ram + 0x2100, blob + 90, 10);
    for (int i = 10; i < 20; i++)
        cr_assert_eq(ram[0x2100 + i], 0, "past the end reads 0");
    cr_assert_eq(ram[0x2114], 0xEE, "nothing beyond length");
    /* The port interface continues from the shared offset. */
    cr_assert_eq(as_read(&io, 0x511, 1), 0);
    /* Write: refused with the error bit. */
    cr_assert_eq(dma(0x1000, 0x10, 4, 0x2000), 0x01);
    /* Reading into non-RAM: error. */
    cr_assert_eq(dma(0x1000, (uint32_t)FW_CFG_SIGNATURE << 16 | 0x0A, 4, 0xFFF0000), 0x01);
}

Test(fw_cfg, save_load_position)
{
    sel(FW_CFG_SIGNATURE);
    rd_le(2);
    StateWriter w;
    state_writer_init(&w);
    Device *d = fw_cfg_device(fw);
    state_save(&w, d->fields, d->state);
    d->reset(d->opaque);
    cr_assert_eq(as_read(&io, 0x511, 1), 'Q', "reset: selector 0, offset 0");
    StateReader r = {w.buf, w.len, 0};
    Error err = {0};
    cr_assert(state_load(&r, d->fields, d->state, "fw_cfg", &err), "%s", err.msg);
    cr_assert_eq(as_read(&io, 0x511, 1), 'M');
    state_writer_free(&w);
}
