/* The PCI bus, the i440FX host bridge and the PIIX3 ISA bridge, driven
 * through configuration mechanism #1 in a real port space (0xCF8/0xCFC):
 * IDs and class codes, master aborts, BAR sizing, decoding and moves in
 * the address spaces, PAM callbacks, SMRAM locking, PIRQ steering with an
 * IRQ spy, and save/load of config spaces. */
#include <criterion/criterion.h>
#include <string.h>

#include "base/state.h"
#include "devices/pci.h"
#include "devices/pci_i440fx.h"
#include "devices/pci_piix3.h"

typedef struct PamCall {
    uint64_t base, size;
    bool rd, wr;
} PamCall;

typedef struct TestDev {
    PciDevice pci;
    uint64_t io_off, io_val;
    uint8_t mem[0x1000];
} TestDev;

static AddressSpace mem, io;
static PciBus *bus;
static I440fx *host;
static Piix3 *isa;
static TestDev tdev;
static PamCall pam[64];
static int npam;
static bool irq_level[16];
static int irq_changes;

static void pam_spy(void *opaque, uint64_t base, uint64_t size, bool rd, bool wr)
{
    (void)opaque;
    cr_assert_lt(npam, 64);
    pam[npam++] = (PamCall){base, size, rd, wr};
}

static void isa_spy(void *opaque, int n, bool level)
{
    (void)opaque;
    cr_assert(n >= 0 && n < 16);
    cr_assert_neq(irq_level[n], level, "called only on changes");
    irq_level[n] = level;
    irq_changes++;
}

static uint64_t tdev_io_read(void *opaque, uint64_t off, unsigned size)
{
    (void)opaque, (void)size;
    return 0xA0 + off;
}

static void tdev_io_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    TestDev *t = opaque;
    (void)size;
    t->io_off = off;
    t->io_val = val;
}

static const IoOps tdev_io_ops = {.read = tdev_io_read, .write = tdev_io_write, .min_access = 1, .max_access = 4};

static uint64_t tdev_mem_read(void *opaque, uint64_t off, unsigned size)
{
    TestDev *t = opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)t->mem[off + i] << (8 * i);
    return v;
}

static void tdev_mem_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    TestDev *t = opaque;
    for (unsigned i = 0; i < size; i++)
        t->mem[off + i] = (uint8_t)(val >> (8 * i));
}

static const IoOps tdev_mem_ops = {.read = tdev_mem_read, .write = tdev_mem_write, .min_access = 1, .max_access = 4};

#define TDEV_SLOT 3

static void setup(void)
{
    as_init(&mem, "memory", PHYS_ADDR_SPACE_SIZE, NULL);
    as_init(&io, "ioport", IO_PORT_SPACE_SIZE, NULL);
    bus = pci_bus_new(&mem, &io, NULL);
    npam = 0;
    irq_changes = 0;
    memset(irq_level, 0, sizeof(irq_level));
    host = i440fx_new(bus, pam_spy, NULL, NULL);
    isa = piix3_new(bus, PCI_DEVFN(1, 0), isa_spy, NULL, NULL);
    cr_assert_not_null(host);
    cr_assert_not_null(isa);
    Error err = {0};
    cr_assert(as_map_io(&io, 0xCF8, 4, &i440fx_addr_io_ops, host, "pci-addr", &err), "%s", err.msg);
    cr_assert(as_map_io(&io, 0xCFC, 4, &i440fx_data_io_ops, host, "pci-data", &err), "%s", err.msg);

    memset(&tdev, 0, sizeof(tdev));
    pci_device_init(&tdev.pci, "tdev", 0x1234, 0x5678, 0x01, 0x020000, 0);
    pci_device_register_bar(&tdev.pci, 0, PCI_BAR_IO, 0x20, &tdev_io_ops, &tdev, NULL);
    pci_device_register_bar(&tdev.pci, 1, PCI_BAR_MEM32, 0x1000, &tdev_mem_ops, &tdev, NULL);
    pci_device_set_pin(&tdev.pci, 1);
    cr_assert(pci_bus_add_device(bus, &tdev.pci, PCI_DEVFN(TDEV_SLOT, 0), &err), "%s", err.msg);
}

static void teardown(void)
{
    pci_bus_free(bus);
    i440fx_free(host);
    piix3_free(isa);
    as_destroy(&mem);
    as_destroy(&io);
}

TestSuite(pci, .init = setup, .fini = teardown);

static uint32_t cfg_addr(unsigned b, unsigned slot, unsigned fn, unsigned reg)
{
    return 0x80000000u | b << 16 | slot << 11 | fn << 8 | (reg & 0xFC);
}

static uint32_t cfg_read_bus(unsigned b, unsigned slot, unsigned fn, unsigned reg, unsigned size)
{
    as_write(&io, 0xCF8, cfg_addr(b, slot, fn, reg), 4);
    return (uint32_t)as_read(&io, 0xCFC + (reg & 3), size);
}

static uint32_t cfg_read(unsigned slot, unsigned fn, unsigned reg, unsigned size)
{
    return cfg_read_bus(0, slot, fn, reg, size);
}

static void cfg_write(unsigned slot, unsigned fn, unsigned reg, uint32_t val, unsigned size)
{
    as_write(&io, 0xCF8, cfg_addr(0, slot, fn, reg), 4);
    as_write(&io, 0xCFC + (reg & 3), val, size);
}

Test(pci, host_bridge_identity)
{
    cr_assert_eq(cfg_read(0, 0, PCI_VENDOR_ID, 4), 0x12378086);
    cr_assert_eq(cfg_read(0, 0, PCI_VENDOR_ID, 2), 0x8086);
    cr_assert_eq(cfg_read(0, 0, PCI_DEVICE_ID, 2), 0x1237, "word at 0xCFE");
    cr_assert_eq(cfg_read(0, 0, 0x01, 1), 0x80, "byte at 0xCFD");
    cr_assert_eq(cfg_read(0, 0, PCI_REVISION_ID, 4) >> 8, 0x060000, "host bridge class");
    cr_assert_eq(cfg_read(0, 0, PCI_HEADER_TYPE, 1), 0x00);
    cr_assert_eq(cfg_read(0, 0, PCI_STATUS, 2), 0x0280);
    cr_assert_eq(cfg_read(0, 0, I440FX_SMRAM, 1), 0x02, "SMRAM reset: C_BASE_SEG = 010b");
}

Test(pci, piix3_identity)
{
    cr_assert_eq(cfg_read(1, 0, PCI_VENDOR_ID, 4), 0x70008086);
    cr_assert_eq(cfg_read(1, 0, PCI_REVISION_ID, 4) >> 8, 0x060100, "ISA bridge class");
    cr_assert_eq(cfg_read(1, 0, PCI_HEADER_TYPE, 1), 0x80, "multi-function");
    cr_assert_eq(cfg_read(1, 0, PIIX3_PIRQRC, 4), 0x80808080, "PIRQ routing disabled at reset");
}

Test(pci, absent_functions_read_all_ones)
{
    cr_assert_eq(cfg_read(5, 0, 0, 4), 0xFFFFFFFF, "empty slot");
    cr_assert_eq(cfg_read(1, 3, 0, 2), 0xFFFF, "absent function");
    cr_assert_eq(cfg_read(31, 7, 0xFC, 1), 0xFF);
    cr_assert_eq(cfg_read_bus(1, 0, 0, 0, 4), 0xFFFFFFFF, "no bus 1");
    cfg_write(5, 0, PCI_COMMAND, 0xFFFF, 2);    /* dropped */
    cr_assert_eq(cfg_read(5, 0, 0, 4), 0xFFFFFFFF);
}

Test(pci, config_address_register)
{
    as_write(&io, 0xCF8, 0xFFFFFFFF, 4);
    cr_assert_eq(as_read(&io, 0xCF8, 4), 0x80FFFFFC, "reserved and type bits read 0");
    as_write(&io, 0xCF8, 0x00000000, 4);
    cr_assert_eq(as_read(&io, 0xCFC, 4), 0xFFFFFFFF, "enable clear: data ports not claimed");
    as_write(&io, 0xCFC, 0x12345678, 4);
    cr_assert_eq(cfg_read(0, 0, 0, 4), 0x12378086);
    /* A byte access to 0xCF8 is not CONFIG_ADDRESS. */
    as_write(&io, 0xCF8, cfg_addr(0, 1, 0, 0), 4);
    as_write(&io, 0xCF8, 0x00, 1);
    cr_assert_eq(as_read(&io, 0xCF8, 4), cfg_addr(0, 1, 0, 0));
}

Test(pci, header_write_masks)
{
    cfg_write(0, 0, PCI_VENDOR_ID, 0, 4);
    cr_assert_eq(cfg_read(0, 0, PCI_VENDOR_ID, 4), 0x12378086, "IDs are read-only");
    cfg_write(TDEV_SLOT, 0, PCI_INTERRUPT_LINE, 0x0B0B, 2);
    cr_assert_eq(cfg_read(TDEV_SLOT, 0, PCI_INTERRUPT_LINE, 2), 0x010B, "line writable, pin read-only");
    cfg_write(TDEV_SLOT, 0, 0x40, 0xFFFFFFFF, 4);
    cr_assert_eq(cfg_read(TDEV_SLOT, 0, 0x40, 4), 0, "device-specific space read-only by default");
    /* Status error bits are write-one-to-clear. */
    tdev.pci.config[PCI_STATUS + 1] = 0xF9;
    cfg_write(TDEV_SLOT, 0, PCI_STATUS, 0x2000, 2);
    cr_assert_eq(cfg_read(TDEV_SLOT, 0, PCI_STATUS, 2), 0xD900);
}

Test(pci, bar_sizing)
{
    cfg_write(TDEV_SLOT, 0, PCI_BAR0, 0xFFFFFFFF, 4);
    cr_assert_eq(cfg_read(TDEV_SLOT, 0, PCI_BAR0, 4), 0xFFFFFFE1, "32-byte I/O BAR");
    cfg_write(TDEV_SLOT, 0, PCI_BAR0 + 4, 0xFFFFFFFF, 4);
    cr_assert_eq(cfg_read(TDEV_SLOT, 0, PCI_BAR0 + 4, 4), 0xFFFFF000, "4 KiB 32-bit memory BAR");
    cfg_write(TDEV_SLOT, 0, PCI_BAR0 + 8, 0xFFFFFFFF, 4);
    cr_assert_eq(cfg_read(TDEV_SLOT, 0, PCI_BAR0 + 8, 4), 0, "unimplemented BAR");
    cfg_write(TDEV_SLOT, 0, PCI_ROM_ADDRESS, 0xFFFFFFFF, 4);
    cr_assert_eq(cfg_read(TDEV_SLOT, 0, PCI_ROM_ADDRESS, 4), 0, "no expansion ROM");
}

Test(pci, bar_mapping_follows_command_and_address)
{
    cfg_write(TDEV_SLOT, 0, PCI_BAR0, 0xC000, 4);
    cfg_write(TDEV_SLOT, 0, PCI_BAR0 + 4, 0xFEB00000, 4);
    cr_assert_null(as_find(&io, 0xC000), "not decoded before COMMAND.IO");
    cr_assert_null(as_find(&mem, 0xFEB00000));

    cfg_write(TDEV_SLOT, 0, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
    const MemRegion *r = as_find(&io, 0xC010);
    cr_assert_not_null(r);
    cr_assert_eq(r->base, 0xC000);
    cr_assert_eq(r->size, 0x20);
    cr_assert_eq(as_read(&io, 0xC004, 1), 0xA4, "I/O BAR reaches the device");
    as_write(&io, 0xC01F, 0x5A, 1);
    cr_assert_eq(tdev.io_off, 0x1F);
    cr_assert_eq(tdev.io_val, 0x5A);
    as_write(&mem, 0xFEB00FFC, 0xCAFEF00D, 4);
    cr_assert_eq(as_read(&mem, 0xFEB00FFC, 4), 0xCAFEF00D, "memory BAR reaches the device");
    cr_assert_eq(tdev.mem[0xFFC], 0x0D);

    /* Move both. */
    cfg_write(TDEV_SLOT, 0, PCI_BAR0, 0xC101, 4);
    cr_assert_eq(cfg_read(TDEV_SLOT, 0, PCI_BAR0, 4), 0xC101, "low bits forced by the mask");
    cr_assert_null(as_find(&io, 0xC100 - 1));
    cr_assert_null(as_find(&io, 0xC000), "old range released");
    cr_assert_eq(as_read(&io, 0xC100, 1), 0xA0);
    cfg_write(TDEV_SLOT, 0, PCI_BAR0 + 4, 0xE0001000, 4);
    cr_assert_null(as_find(&mem, 0xFEB00000));
    cr_assert_eq(as_read(&mem, 0xE0001FFC, 4), 0xCAFEF00D);

    /* Sizing with decode on: the all-ones pattern is not decoded. */
    cfg_write(TDEV_SLOT, 0, PCI_BAR0, 0xFFFFFFFF, 4);
    cr_assert_null(as_find(&io, 0xC100));
    cfg_write(TDEV_SLOT, 0, PCI_BAR0, 0xC100, 4);
    cr_assert_not_null(as_find(&io, 0xC100));

    /* Decode off. */
    cfg_write(TDEV_SLOT, 0, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    cr_assert_null(as_find(&io, 0xC100), "I/O decode off: unmapped");
    cr_assert_not_null(as_find(&mem, 0xE0001000));
    cfg_write(TDEV_SLOT, 0, PCI_COMMAND, 0, 1);
    cr_assert_null(as_find(&mem, 0xE0001000), "memory decode off: unmapped");
    cr_assert_eq(as_read(&mem, 0xE0001FFC, 4), 0xFFFFFFFF);
}

static uint64_t notes[8][2];
static int nnotes;

static void map_spy(void *opaque, uint64_t base, uint64_t size)
{
    (void)opaque;
    cr_assert_lt(nnotes, 8);
    notes[nnotes][0] = base;
    notes[nnotes][1] = size;
    nnotes++;
}

Test(pci, memory_map_changes_are_reported)
{
    nnotes = 0;
    pci_bus_set_mem_map_notify(bus, map_spy, NULL);
    cfg_write(TDEV_SLOT, 0, PCI_BAR0, 0xC000, 4);
    cfg_write(TDEV_SLOT, 0, PCI_BAR0 + 4, 0xFEB00000, 4);
    cfg_write(TDEV_SLOT, 0, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
    cr_assert_eq(nnotes, 1, "only the memory BAR");
    cr_assert_eq(notes[0][0], 0xFEB00000);
    cr_assert_eq(notes[0][1], 0x1000);
    cfg_write(TDEV_SLOT, 0, PCI_BAR0 + 4, 0xFEC00000, 4);
    cr_assert_eq(nnotes, 3, "old and new range");
    cr_assert_eq(notes[1][0], 0xFEB00000);
    cr_assert_eq(notes[2][0], 0xFEC00000);
}

Test(pci, bar_over_existing_region_is_not_decoded)
{
    static uint8_t ram[0x1000];
    Error err = {0};
    cr_assert(as_map_ram(&mem, 0x100000, sizeof(ram), ram, "ram", &err));
    cfg_write(TDEV_SLOT, 0, PCI_BAR0 + 4, 0x100000, 4);
    cfg_write(TDEV_SLOT, 0, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    cr_assert_eq(as_find(&mem, 0x100000)->kind, REGION_RAM, "RAM stays");
    cfg_write(TDEV_SLOT, 0, PCI_COMMAND, 0, 2);
    cr_assert_not_null(as_find(&mem, 0x100000), "disabling does not unmap what the BAR never owned");
}

Test(pci, reset_unmaps_and_restores)
{
    cfg_write(TDEV_SLOT, 0, PCI_BAR0, 0xC000, 4);
    cfg_write(TDEV_SLOT, 0, PCI_COMMAND, PCI_COMMAND_IO, 2);
    cr_assert_not_null(as_find(&io, 0xC000));
    pci_device_reset(&tdev.pci);
    cr_assert_null(as_find(&io, 0xC000));
    cr_assert_eq(cfg_read(TDEV_SLOT, 0, PCI_BAR0, 4), 0x1);
    cr_assert_eq(cfg_read(TDEV_SLOT, 0, PCI_COMMAND, 2), 0);
}

static bool pam_has(uint64_t base, uint64_t size, bool rd, bool wr)
{
    for (int i = 0; i < npam; i++)
        if (pam[i].base == base && pam[i].size == size && pam[i].rd == rd && pam[i].wr == wr)
            return true;
    return false;
}

Test(pci, pam_registers_call_back_changed_segments)
{
    cfg_write(0, 0, 0x5A, 0x31, 1);     /* PAM1: C0000 read-only, C4000 read/write */
    cr_assert_eq(npam, 2);
    cr_assert(pam_has(0xC0000, 0x4000, true, false));
    cr_assert(pam_has(0xC4000, 0x4000, true, true));

    npam = 0;
    cfg_write(0, 0, 0x5A, 0x31, 1);
    cr_assert_eq(npam, 0, "no change, no call");

    /* PAM0 through a dword at 0x58 (DRAMT + PAM0..2): only bits 5:4. */
    cfg_write(0, 0, 0x58, 0x02313FFF, 4);
    cr_assert_eq(cfg_read(0, 0, I440FX_PAM0, 1), 0x30, "PAM0 bits 3:0 reserved");
    cr_assert_eq(npam, 2, "PAM1 unchanged, PAM2 upper unchanged");
    cr_assert(pam_has(0xF0000, 0x10000, true, true));
    cr_assert(pam_has(0xC8000, 0x4000, false, true), "PAM2 low: write-only");
}

Test(pci, pam_segment_layout)
{
    for (unsigned r = 1; r <= 6; r++) {
        npam = 0;
        cfg_write(0, 0, I440FX_PAM0 + r, 0x20, 1);
        cr_assert_eq(npam, 1);
        cr_assert_eq(pam[0].base, 0xC0000 + (r - 1) * 0x8000 + 0x4000, "PAM%u upper nibble", r);
        cr_assert(!pam[0].rd && pam[0].wr);
        bool rd, wr;
        cr_assert(i440fx_pam_get(host, (uint32_t)pam[0].base + 0x3FFF, &rd, &wr));
        cr_assert(!rd && wr);
    }
    npam = 0;
    cfg_write(0, 0, I440FX_PAM0 + 6, 0xFF, 1);
    cr_assert_eq(cfg_read(0, 0, I440FX_PAM0 + 6, 1), 0x33);
    cr_assert(pam_has(0xE8000, 0x4000, true, true));
    cr_assert(pam_has(0xEC000, 0x4000, true, true));

    npam = 0;
    device_list_reset(&(DeviceList){.head = i440fx_device(host)});
    cr_assert_eq(npam, I440FX_PAM_SEGMENTS, "reset reports every segment");
    for (int i = 0; i < npam; i++)
        cr_assert(!pam[i].rd && !pam[i].wr, "reset: all to ROM/PCI");
}

Test(pci, smram_lock)
{
    cfg_write(0, 0, I440FX_SMRAM, 0xFF, 1);
    cr_assert_eq(cfg_read(0, 0, I440FX_SMRAM, 1), 0x3A, "D_LCK clears D_OPEN; bit 7 and C_BASE_SEG fixed");
    cfg_write(0, 0, I440FX_SMRAM, 0x40, 1);
    cr_assert_eq(cfg_read(0, 0, I440FX_SMRAM, 1), 0x12, "locked: D_OPEN and D_LCK stay");
    cr_assert_eq(i440fx_smram(host), 0x12);
}

Test(pci, pirq_routing)
{
    cfg_write(1, 0, PIIX3_PIRQRC, 0x058D0A0B, 4);   /* A->11, B->10, C disabled, D->5 */
    cr_assert_eq(piix3_pirq_to_isa(isa, 0), 11);
    cr_assert_eq(piix3_pirq_to_isa(isa, 1), 10);
    cr_assert_eq(piix3_pirq_to_isa(isa, 2), -1);
    cr_assert_eq(piix3_pirq_to_isa(isa, 3), 5);
    cfg_write(1, 0, PIIX3_PIRQRC + 2, 0x0D, 1);
    cr_assert_eq(piix3_pirq_to_isa(isa, 2), -1, "IRQ 13 is reserved");
    cfg_write(1, 0, PIIX3_PIRQRC + 2, 0x7F, 1);
    cr_assert_eq(cfg_read(1, 0, PIIX3_PIRQRC + 2, 1), 0x0F, "bits 6:4 reserved");
    cr_assert_eq(piix3_pirq_to_isa(isa, 2), 15);
}

Test(pci, intx_reaches_isa_irq_through_pirq)
{
    /* Slot 3, INTA#: PIRQ (3 + 1 - 1) mod 4 = PIRQD. */
    cr_assert_eq(pci_bus_pirq_of(PCI_DEVFN(TDEV_SLOT, 0), 1), 3);
    pci_device_set_irq(&tdev.pci, true);
    cr_assert_eq(irq_changes, 0, "routing disabled");
    cr_assert(cfg_read(TDEV_SLOT, 0, PCI_STATUS, 1) & PCI_STATUS_INTERRUPT);
    cfg_write(1, 0, PIIX3_PIRQRC + 3, 5, 1);
    cr_assert(irq_level[5], "enabling the route delivers the pending level");
    cfg_write(1, 0, PIIX3_PIRQRC + 3, 10, 1);
    cr_assert(!irq_level[5] && irq_level[10], "moved");
    cfg_write(TDEV_SLOT, 0, PCI_COMMAND, PCI_COMMAND_INTX_DISABLE, 2);
    cr_assert(!irq_level[10], "INTx disable");
    cfg_write(TDEV_SLOT, 0, PCI_COMMAND, 0, 2);
    cr_assert(irq_level[10]);
    /* Two PIRQs on one IRQ: the line is their OR. */
    cfg_write(1, 0, PIIX3_PIRQRC + 0, 10, 1);
    pci_device_set_irq(&tdev.pci, false);
    cr_assert(!irq_level[10]);
    cr_assert(!(cfg_read(TDEV_SLOT, 0, PCI_STATUS, 1) & PCI_STATUS_INTERRUPT));
}

Test(pci, save_load_restores_config_pam_and_bars)
{
    static const StateField tdev_fields[] = {
        STATE_BYTES(TestDev, pci.config),
        STATE_BOOL(TestDev, pci.irq_level),
        STATE_END,
    };
    cfg_write(0, 0, 0x5F, 0x13, 1);
    cfg_write(1, 0, PIIX3_PIRQRC + 3, 9, 1);
    cfg_write(TDEV_SLOT, 0, PCI_BAR0, 0xD000, 4);
    cfg_write(TDEV_SLOT, 0, PCI_COMMAND, PCI_COMMAND_IO, 2);
    pci_device_set_irq(&tdev.pci, true);
    cr_assert(irq_level[9]);
    as_write(&io, 0xCF8, cfg_addr(0, 1, 0, 0x60), 4);

    StateWriter w;
    state_writer_init(&w);
    Device *hd = i440fx_device(host), *id = piix3_device(isa);
    state_save(&w, hd->fields, hd->state);
    state_save(&w, id->fields, id->state);
    state_save(&w, tdev_fields, &tdev);

    /* Scramble: reset everything. */
    hd->reset(hd->opaque);
    id->reset(id->opaque);
    pci_device_reset(&tdev.pci);
    cr_assert(!irq_level[9]);
    cr_assert_null(as_find(&io, 0xD000));

    StateReader r = {w.buf, w.len, 0};
    Error err = {0};
    cr_assert(state_load(&r, hd->fields, hd->state, "i440fx", &err), "%s", err.msg);
    cr_assert(state_load(&r, id->fields, id->state, "piix3", &err), "%s", err.msg);
    cr_assert(state_load(&r, tdev_fields, &tdev, "tdev", &err), "%s", err.msg);
    npam = 0;
    pci_bus_post_load(bus);
    cr_assert(pam_has(0xEC000, 0x4000, true, false));
    cr_assert(pam_has(0xE8000, 0x4000, true, true));
    cr_assert_not_null(as_find(&io, 0xD000), "BAR decoded again");
    cr_assert(irq_level[9], "INTx re-driven");
    cr_assert_eq(as_read(&io, 0xCFF, 1), 9, "CONFIG_ADDRESS restored (PIRQD at 0x63)");
    state_writer_free(&w);
}

static uint64_t pass_off, pass_val;
static unsigned pass_size;

static uint64_t pass_read(void *opaque, uint64_t off, unsigned size)
{
    (void)opaque, (void)size;
    return 0x40 + off;
}

static void pass_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    (void)opaque;
    pass_off = off;
    pass_val = val;
    pass_size = size;
}

static const IoOps pass_ops = {.read = pass_read, .write = pass_write, .min_access = 1, .max_access = 4};

Test(pci, non_dword_cf8_accesses_pass_through)
{
    cr_assert_eq(as_read(&io, 0xCF9, 1), 0xFF, "nothing behind 0xCF9 yet");
    i440fx_set_addr_passthrough(host, &pass_ops, NULL);
    as_write(&io, 0xCF9, 0x06, 1);      /* e.g. PIIX3 reset control */
    cr_assert_eq(pass_off, 1);
    cr_assert_eq(pass_val, 0x06);
    cr_assert_eq(pass_size, 1);
    cr_assert_eq(as_read(&io, 0xCF9, 1), 0x41);
    as_write(&io, 0xCF8, cfg_addr(0, 0, 0, 0), 4);
    cr_assert_eq(as_read(&io, 0xCF8, 4), cfg_addr(0, 0, 0, 0), "dwords still latch CONFIG_ADDRESS");
}
