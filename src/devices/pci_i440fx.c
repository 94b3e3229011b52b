/* Intel 82441FX PMC (i440FX host bridge), function 00:00.0, per the
 * 82441FX/82442FX datasheet section 3: vendor 8086h, device 1237h, class
 * 060000h (host bridge), revision 02h.
 *
 * Configuration mechanism #1 (PCI 2.2 3.2.2.3.2): a dword write to 0xCF8
 * latches CONFIG_ADDRESS (bit 31 enable, 23:16 bus, 15:11 device, 10:8
 * function, 7:2 register); 0xCFC-0xCFF then carry the data, the low two
 * address bits coming from the port offset. With bit 31 clear the data
 * ports are not claimed (reads float high).
 *
 * PAM0-PAM6 (0x59-0x5F, 3.2.18) steer the 13 segments of 0xC0000-0xFFFFF:
 * PAM0[5:4] covers 0xF0000-0xFFFFF; PAMn (n = 1..6) covers two 16 KiB
 * segments from 0xC0000 + (n-1) * 32 KiB, bits 1:0 the lower, 5:4 the upper.
 * In each 2-bit field bit 0 (RE) sends reads to DRAM, bit 1 (WE) writes;
 * a cleared bit sends that access to PCI, where the BIOS or an option ROM
 * answers. Reset value 0: everything from ROM, shadow DRAM hidden.
 *
 * What the board does in pam_changed(base, size, read_ram, write_ram) —
 * machine/pc_shadow.c's pc_shadow_set already does exactly this —
 * with shadow = guest RAM bytes at [base, base+size) (host m->ram + base)
 * and rom = the ROM/PCI contents for that range (system BIOS image for
 * 0xE0000-0xFFFFF, option ROMs or nothing for 0xC0000-0xDFFFF):
 *   1. as_unmap(&m->mem, base) for whatever the board had mapped at base
 *      (keep exactly one region per segment so this always works);
 *   2. read_ram && write_ram:  as_map_ram(base, size, shadow);
 *      read_ram && !write_ram: as_map_rom(base, size, shadow) — reads
 *        shadow DRAM, writes go to the ROM side, which drops them;
 *      !read_ram && write_ram: an IO region whose read returns rom bytes
 *        and whose write stores into shadow (the registry has no split
 *        read/write region); this is how a BIOS copies itself down;
 *      neither: as_map_rom(base, size, rom), or leave it unassigned where
 *        no ROM is present;
 *   3. flush the CPUs' TLBs and drop translated code for the range, since
 *      both may hold host pointers into the old backing.
 * Shadow DRAM is never filled by the chip: firmware copies the ROM itself.
 * The 0xA0000-0xBFFFF VGA hole and the high ROM alias below 4 GiB are not
 * PAM-controlled and stay as the board maps them.
 *
 * SMRAM (0x72, 3.2.23): bits 2:0 C_BASE_SEG read 010b (0xA0000); D_OPEN
 * (6), D_CLS (5), D_LCK (4), G_SMRAME (3) are stored. Setting D_LCK clears
 * D_OPEN and makes both read-only until reset. No SMM yet, so nothing
 * else acts on it. */
#include "devices/pci_i440fx.h"

#include <stdlib.h>

#define CFG_ENABLE 0x80000000u
#define SMRAM_D_OPEN 0x40
#define SMRAM_D_LCK 0x10

struct I440fx {
    Device dev;
    PciDevice pci;
    Log *log;
    uint32_t cfg_addr;                  /* CONFIG_ADDRESS */
    I440fxPamChanged *pam_changed;
    void *pam_opaque;
    uint8_t pam_applied[I440FX_PAM_SEGMENTS];   /* attributes last reported (bit 0 RE, bit 1 WE) */
    const IoOps *pass_ops;
    void *pass_opaque;
};

static const StateField i440fx_fields[] = {
    STATE_UINT(I440fx, cfg_addr),
    STATE_BYTES(I440fx, pci.config),
    STATE_BOOL(I440fx, pci.irq_level),
    STATE_END,
};

/* Chip registers beyond the header: reset value and writable bits
 * (datasheet 3.2). Most are DRAM timing and sizing the emulator does not
 * need but firmware programs and reads back. */
static const struct {
    uint8_t off, value, wmask;
} i440fx_regs[] = {
    {0x50, 0x00, 0xFF}, {0x51, 0x00, 0xFF},                     /* PMCCFG */
    {0x52, 0x00, 0xFF},                                         /* DETURBO */
    {0x53, 0x80, 0xFF},                                         /* DBC */
    {0x54, 0x00, 0xFF},                                         /* AXC */
    {0x55, 0x00, 0xFF}, {0x56, 0x00, 0xFF},                     /* DRT */
    {0x57, 0x01, 0xFF},                                         /* DRAMC */
    {0x58, 0x10, 0xFF},                                         /* DRAMT */
    {0x59, 0x00, 0x30},                                         /* PAM0: 3:0 reserved */
    {0x5A, 0x00, 0x33}, {0x5B, 0x00, 0x33}, {0x5C, 0x00, 0x33}, /* PAM1-6 */
    {0x5D, 0x00, 0x33}, {0x5E, 0x00, 0x33}, {0x5F, 0x00, 0x33},
    {0x60, 0x01, 0xFF}, {0x61, 0x01, 0xFF}, {0x62, 0x01, 0xFF}, {0x63, 0x01, 0xFF}, /* DRB0-7 */
    {0x64, 0x01, 0xFF}, {0x65, 0x01, 0xFF}, {0x66, 0x01, 0xFF}, {0x67, 0x01, 0xFF},
    {0x68, 0x00, 0xC0},                                         /* FDHC */
    {0x70, 0x20, 0xF8},                                         /* MTT */
    {0x71, 0x10, 0xFF},                                         /* CLT */
    {I440FX_SMRAM, 0x02, 0x78},                                 /* SMRAM */
    {0x90, 0x00, 0xFF},                                         /* ERRCMD */
    {0x93, 0x00, 0x06},                                         /* TRC */
};

/* Segment i: its PAM register, bit shift within it, and range. */
static void pam_segment(int i, unsigned *reg, unsigned *shift, uint64_t *base, uint64_t *size)
{
    if (i == I440FX_PAM_SEGMENTS - 1) {
        *reg = I440FX_PAM0;
        *shift = 4;
        *base = 0xF0000;
        *size = 0x10000;
        return;
    }
    *reg = I440FX_PAM0 + 1 + (unsigned)i / 2;
    *shift = (i & 1) ? 4 : 0;
    *base = 0xC0000 + (uint64_t)i * 0x4000;
    *size = 0x4000;
}

static uint8_t pam_attr(const I440fx *h, int i)
{
    unsigned reg, shift;
    uint64_t base, size;
    pam_segment(i, &reg, &shift, &base, &size);
    return (h->pci.config[reg] >> shift) & 3;
}

/* Report segments whose attributes differ from what was last reported
 * (all of them when `all`). */
static void pam_update(I440fx *h, bool all)
{
    for (int i = 0; i < I440FX_PAM_SEGMENTS; i++) {
        uint8_t a = pam_attr(h, i);
        if (!all && a == h->pam_applied[i])
            continue;
        h->pam_applied[i] = a;
        unsigned reg, shift;
        uint64_t base, size;
        pam_segment(i, &reg, &shift, &base, &size);
        if (h->pam_changed)
            h->pam_changed(h->pam_opaque, base, size, a & 1, a & 2);
    }
}

void i440fx_pam_sync(I440fx *h)
{
    pam_update(h, true);
}

bool i440fx_pam_get(I440fx *h, uint32_t addr, bool *read_ram, bool *write_ram)
{
    if (addr < 0xC0000 || addr > 0xFFFFF)
        return false;
    int i = addr >= 0xF0000 ? I440FX_PAM_SEGMENTS - 1 : (int)((addr - 0xC0000) / 0x4000);
    uint8_t a = pam_attr(h, i);
    *read_ram = a & 1;
    *write_ram = a & 2;
    return true;
}

uint8_t i440fx_smram(I440fx *h)
{
    return h->pci.config[I440FX_SMRAM];
}

static void i440fx_config_write(void *opaque, unsigned off, unsigned size, uint32_t old)
{
    I440fx *h = opaque;
    if (off <= I440FX_SMRAM && off + size > I440FX_SMRAM) {
        uint8_t was = (uint8_t)(old >> (8 * (I440FX_SMRAM - off)));
        uint8_t *r = &h->pci.config[I440FX_SMRAM];
        if (was & SMRAM_D_LCK)
            *r = (uint8_t)((*r & ~(SMRAM_D_OPEN | SMRAM_D_LCK)) | (was & (SMRAM_D_OPEN | SMRAM_D_LCK)));
        if (*r & SMRAM_D_LCK)
            *r &= (uint8_t)~SMRAM_D_OPEN;
    }
    if (off <= I440FX_PAM0 + 6 && off + size > I440FX_PAM0)
        pam_update(h, false);
}

static uint64_t i440fx_addr_read(void *opaque, uint64_t off, unsigned size)
{
    I440fx *h = opaque;
    if (off == 0 && size == 4)
        return h->cfg_addr;
    if (h->pass_ops)
        return h->pass_ops->read(h->pass_opaque, off, size);
    return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
}

static void i440fx_addr_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    I440fx *h = opaque;
    if (off == 0 && size == 4) {
        /* Bits 30:24 are reserved (read 0) and 1:0 select the type 0/1
         * cycle on the bus side only; the register reads them as 0. */
        h->cfg_addr = (uint32_t)val & 0x80FFFFFCu;
        return;
    }
    if (h->pass_ops)
        h->pass_ops->write(h->pass_opaque, off, val, size);
}

const IoOps i440fx_addr_io_ops = {
    .read = i440fx_addr_read,
    .write = i440fx_addr_write,
    .min_access = 1,
    .max_access = 4,
};

static uint64_t i440fx_data_read(void *opaque, uint64_t off, unsigned size)
{
    I440fx *h = opaque;
    uint32_t a = h->cfg_addr;
    if (!(a & CFG_ENABLE))
        return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
    return pci_bus_config_read(h->pci.bus, (a >> 16) & 0xFF, (a >> 8) & 0xFF, (a & 0xFC) + (unsigned)off, size);
}

static void i440fx_data_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    I440fx *h = opaque;
    uint32_t a = h->cfg_addr;
    if (!(a & CFG_ENABLE))
        return;
    pci_bus_config_write(h->pci.bus, (a >> 16) & 0xFF, (a >> 8) & 0xFF, (a & 0xFC) + (unsigned)off,
                         (uint32_t)val, size);
}

const IoOps i440fx_data_io_ops = {
    .read = i440fx_data_read,
    .write = i440fx_data_write,
    .min_access = 1,
    .max_access = 4,
};

void i440fx_set_addr_passthrough(I440fx *h, const IoOps *ops, void *opaque)
{
    h->pass_ops = ops;
    h->pass_opaque = opaque;
}

static void i440fx_reset(void *opaque)
{
    I440fx *h = opaque;
    h->cfg_addr = 0;
    pci_device_reset(&h->pci);
    pam_update(h, true);
}

static void i440fx_post_load(void *opaque)
{
    pam_update(opaque, true);
}

void i440fx_free(I440fx *h)
{
    free(h);
}

static void i440fx_free_opaque(void *opaque)
{
    i440fx_free(opaque);
}

I440fx *i440fx_new(PciBus *bus, I440fxPamChanged *pam_changed, void *opaque, Log *log)
{
    I440fx *h = calloc(1, sizeof(*h));
    if (!h)
        abort();
    h->log = log;
    h->pam_changed = pam_changed;
    h->pam_opaque = opaque;
    PciDevice *d = &h->pci;
    pci_device_init(d, "i440fx", 0x8086, 0x1237, 0x02, 0x060000, 0x00);
    /* PCICMD: memory and bus master are hardwired on for the host bridge;
     * only PERR/SERR reporting are writable. PCISTS: medium DEVSEL, fast
     * back-to-back capable. */
    pci_set16(d->config, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    pci_set16(d->wmask, PCI_COMMAND, PCI_COMMAND_PARITY | PCI_COMMAND_SERR);
    pci_set16(d->config, PCI_STATUS, 0x0280);
    d->wmask[PCI_CACHE_LINE_SIZE] = 0;
    d->wmask[PCI_LATENCY_TIMER] = 0xF8;
    d->wmask[PCI_INTERRUPT_LINE] = 0;
    for (size_t i = 0; i < sizeof(i440fx_regs) / sizeof(i440fx_regs[0]); i++) {
        d->config[i440fx_regs[i].off] = i440fx_regs[i].value;
        d->wmask[i440fx_regs[i].off] = i440fx_regs[i].wmask;
    }
    d->w1cmask[0x91] = 0x1F;    /* ERRSTS */
    d->config_write = i440fx_config_write;
    d->post_load = i440fx_post_load;
    d->opaque = h;
    Error err = {0};
    if (!pci_bus_add_device(bus, d, PCI_DEVFN(0, 0), &err)) {
        free(h);
        return NULL;
    }
    h->dev = (Device){.name = "i440fx", .reset = i440fx_reset, .fields = i440fx_fields, .state = h, .opaque = h,
                      .free = i440fx_free_opaque};
    return h;
}

Device *i440fx_device(I440fx *h)
{
    return &h->dev;
}

PciDevice *i440fx_pci(I440fx *h)
{
    return &h->pci;
}
