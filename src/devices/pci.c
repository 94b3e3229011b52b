/* Generic PCI configuration space and BAR decoding, per the PCI Local Bus
 * Specification 2.2 chapter 6 (type 0 header, 6.2.5 base address
 * registers) and 2.3 for the INTx disable/status bits. Config writes go
 * through per-byte write masks, so BAR sizing falls out: a BAR's mask
 * clears the bits below its size, writing all ones reads back ~(size-1)
 * with the read-only type bits. A BAR is registered in the address space
 * exactly when its decode enable is on and its address is usable; every
 * change of COMMAND or a BAR re-evaluates that (as_map_io / as_unmap). */
#include "devices/pci.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCI_MAX_DEVFN 256
#define PCI_IO_LIMIT 0x10000ULL         /* the PC's port space */
#define PCI_MEM32_LIMIT 0x100000000ULL

struct PciBus {
    AddressSpace *mem, *io;
    Log *log;
    PciDevice *dev[PCI_MAX_DEVFN];
    int pirq_count[4];                  /* functions asserting each PIRQ line */
    void (*set_pirq)(void *opaque, int pirq, bool level);
    void *pirq_opaque;
    void (*mem_changed)(void *opaque, uint64_t base, uint64_t size);
    void *mem_opaque;
};

PciBus *pci_bus_new(AddressSpace *mem, AddressSpace *io, Log *log)
{
    PciBus *b = calloc(1, sizeof(*b));
    if (!b)
        abort();
    b->mem = mem;
    b->io = io;
    b->log = log;
    return b;
}

static void pci_bar_notify(PciBus *b, const PciBar *bar, uint64_t base)
{
    if (bar->kind != PCI_BAR_IO && b->mem_changed)
        b->mem_changed(b->mem_opaque, base, bar->size);
}

static void pci_bar_unmap(PciDevice *d, PciBar *bar)
{
    if (bar->mapped == PCI_BAR_UNMAPPED)
        return;
    as_unmap(bar->kind == PCI_BAR_IO ? d->bus->io : d->bus->mem, bar->mapped);
    pci_bar_notify(d->bus, bar, bar->mapped);
    bar->mapped = PCI_BAR_UNMAPPED;
}

void pci_bus_set_mem_map_notify(PciBus *b, void (*changed)(void *opaque, uint64_t base, uint64_t size),
                                void *opaque)
{
    b->mem_changed = changed;
    b->mem_opaque = opaque;
}

void pci_bus_free(PciBus *b)
{
    free(b);
}

void pci_device_init(PciDevice *d, const char *name, uint16_t vendor, uint16_t device, uint8_t revision,
                     uint32_t class_code, uint8_t header_type)
{
    memset(d, 0, sizeof(*d));
    d->name = name;
    pci_set16(d->config, PCI_VENDOR_ID, vendor);
    pci_set16(d->config, PCI_DEVICE_ID, device);
    d->config[PCI_REVISION_ID] = revision;
    d->config[PCI_CLASS_PROG] = (uint8_t)class_code;
    d->config[PCI_CLASS_PROG + 1] = (uint8_t)(class_code >> 8);
    d->config[PCI_CLASS_PROG + 2] = (uint8_t)(class_code >> 16);
    d->config[PCI_HEADER_TYPE] = header_type;
    pci_set16(d->wmask, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
                                         PCI_COMMAND_PARITY | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE);
    /* Status bits 15:11 (parity, SERR, master/target aborts) and 8 (data
     * parity) are write-one-to-clear (6.2.3). */
    pci_set16(d->w1cmask, PCI_STATUS, 0xF900);
    d->wmask[PCI_CACHE_LINE_SIZE] = 0xFF;
    d->wmask[PCI_LATENCY_TIMER] = 0xFF;
    d->wmask[PCI_INTERRUPT_LINE] = 0xFF;
    for (int i = 0; i < PCI_NUM_BARS; i++)
        d->bar[i].mapped = PCI_BAR_UNMAPPED;
}

void pci_device_register_bar(PciDevice *d, int idx, PciBarKind kind, uint32_t size, const IoOps *ops,
                             void *opaque, uint8_t *host)
{
    uint32_t min = kind == PCI_BAR_IO ? 4 : 16;
    if (idx < 0 || idx >= PCI_NUM_BARS || kind == PCI_BAR_NONE || size < min || (size & (size - 1)) ||
        (kind == PCI_BAR_IO && size > 256) || (!ops && !host) || (host && kind == PCI_BAR_IO)) {
        fprintf(stderr, "jitpc: %s: bad BAR %d (size 0x%x)\n", d->name, idx, size);
        abort();
    }
    PciBar *bar = &d->bar[idx];
    *bar = (PciBar){.kind = kind, .size = size, .ops = ops, .opaque = opaque, .host = host,
                    .mapped = PCI_BAR_UNMAPPED};
    snprintf(bar->name, sizeof(bar->name), "%s-bar%d", d->name, idx);
    unsigned off = PCI_BAR0 + 4u * (unsigned)idx;
    /* Read-only low bits say what the BAR is (6.2.5.1): I/O sets bit 0;
     * memory is type 00 (32-bit) with bit 3 = prefetchable. The address
     * bits below the size are hardwired to zero, which is what makes the
     * all-ones sizing write return the size. */
    uint32_t type_bits = kind == PCI_BAR_IO ? 0x1 : kind == PCI_BAR_MEM32_PREFETCH ? 0x8 : 0x0;
    uint32_t low = kind == PCI_BAR_IO ? 0x3 : 0xF;
    pci_set32(d->config, off, type_bits);
    pci_set32(d->wmask, off, ~(size - 1) & ~low);
}

void pci_device_set_pin(PciDevice *d, uint8_t pin)
{
    d->config[PCI_INTERRUPT_PIN] = pin;
}

/* Where BAR `idx` should be decoded now, or PCI_BAR_UNMAPPED. */
static uint64_t pci_bar_target(const PciDevice *d, int idx)
{
    const PciBar *bar = &d->bar[idx];
    uint16_t cmd = pci_get16(d->config, PCI_COMMAND);
    uint64_t addr = pci_get32(d->config, PCI_BAR0 + 4u * (unsigned)idx);
    if (bar->kind == PCI_BAR_IO) {
        addr &= ~3ULL;
        /* Address 0 is how firmware leaves a BAR unassigned; x86 ports
         * stop at 64 KiB (a value above is the sizing pattern). */
        if (!(cmd & PCI_COMMAND_IO) || addr == 0 || addr + bar->size > PCI_IO_LIMIT)
            return PCI_BAR_UNMAPPED;
        return addr;
    }
    addr &= ~0xFULL;
    if (!(cmd & PCI_COMMAND_MEMORY) || addr == 0 || addr + bar->size > PCI_MEM32_LIMIT)
        return PCI_BAR_UNMAPPED;
    return addr;
}

static void pci_update_mappings(PciDevice *d)
{
    if (!d->bus)
        return;
    for (int i = 0; i < PCI_NUM_BARS; i++) {
        PciBar *bar = &d->bar[i];
        if (bar->kind == PCI_BAR_NONE)
            continue;
        uint64_t target = pci_bar_target(d, i);
        if (target == bar->mapped)
            continue;
        pci_bar_unmap(d, bar);
        if (target == PCI_BAR_UNMAPPED)
            continue;
        AddressSpace *as = bar->kind == PCI_BAR_IO ? d->bus->io : d->bus->mem;
        Error err = {0};
        bool ok = bar->host ? as_map_ram(as, target, bar->size, bar->host, bar->name, &err)
                            : as_map_io(as, target, bar->size, bar->ops, bar->opaque, bar->name, &err);
        if (ok) {
            bar->mapped = target;
            pci_bar_notify(d->bus, bar, target);
        } else {
            /* The guest placed a BAR over something else (RAM, another
             * BAR): real hardware would conflict; we leave it undecoded. */
            LOG(d->bus->log, LOG_GUEST_ERRORS, "pci: %s BAR%d at 0x%llx not decoded: %s\n", d->name, i,
                (unsigned long long)target, err.msg);
        }
    }
}

int pci_bus_pirq_of(unsigned devfn, unsigned pin)
{
    return (int)((PCI_SLOT(devfn) + pin - 1) & 3);
}

/* Re-evaluate whether the function's request reaches its PIRQ line. */
static void pci_update_intx(PciDevice *d)
{
    uint8_t pin = d->config[PCI_INTERRUPT_PIN];
    bool assert = d->irq_level && pin >= 1 && pin <= 4 &&
                  !(pci_get16(d->config, PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE);
    if (assert == d->intx_asserted)
        return;
    d->intx_asserted = assert;
    PciBus *b = d->bus;
    if (!b)
        return;
    int p = pci_bus_pirq_of(d->devfn, pin);
    b->pirq_count[p] += assert ? 1 : -1;
    /* PIRQ lines are wired-OR of open-drain INTx# outputs: only the first
     * assertion and the last release change the line. */
    if (b->set_pirq && b->pirq_count[p] == (assert ? 1 : 0))
        b->set_pirq(b->pirq_opaque, p, assert);
}

void pci_device_set_irq(PciDevice *d, bool level)
{
    d->irq_level = level;
    if (level)
        d->config[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
    else
        d->config[PCI_STATUS] &= (uint8_t)~PCI_STATUS_INTERRUPT;
    pci_update_intx(d);
}

void pci_device_reset(PciDevice *d)
{
    memcpy(d->config, d->power_on, sizeof(d->config));
    pci_device_set_irq(d, false);
    pci_update_mappings(d);
}

bool pci_bus_add_device(PciBus *b, PciDevice *d, unsigned devfn, Error *err)
{
    if (devfn >= PCI_MAX_DEVFN || b->dev[devfn]) {
        error_setf(err, "pci: %s: slot %02x.%u is taken or invalid", d->name, PCI_SLOT(devfn), PCI_FUNC(devfn));
        return false;
    }
    b->dev[devfn] = d;
    d->bus = b;
    d->devfn = (uint8_t)devfn;
    memcpy(d->power_on, d->config, sizeof(d->config));
    return true;
}

PciDevice *pci_bus_find(PciBus *b, unsigned devfn)
{
    return devfn < PCI_MAX_DEVFN ? b->dev[devfn] : NULL;
}

uint32_t pci_bus_config_read(PciBus *b, unsigned bus, unsigned devfn, unsigned off, unsigned size)
{
    PciDevice *d = bus == 0 ? pci_bus_find(b, devfn) : NULL;
    uint32_t ones = size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
    if (!d || off > 256 - size)
        return ones;    /* master abort: the host bridge returns all ones */
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)d->config[off + i] << (8 * i);
    return v;
}

void pci_bus_config_write(PciBus *b, unsigned bus, unsigned devfn, unsigned off, uint32_t val,
                          unsigned size)
{
    PciDevice *d = bus == 0 ? pci_bus_find(b, devfn) : NULL;
    if (!d || off > 256 - size) {
        LOG(b->log, LOG_GUEST_ERRORS, "pci: config write to absent %02x:%02x.%u +0x%x\n", bus, PCI_SLOT(devfn),
            PCI_FUNC(devfn), off);
        return;
    }
    uint32_t old = 0;
    bool touches_decode = false;
    for (unsigned i = 0; i < size; i++) {
        unsigned o = off + i;
        uint8_t byte = (uint8_t)(val >> (8 * i));
        old |= (uint32_t)d->config[o] << (8 * i);
        d->config[o] = (uint8_t)((d->config[o] & ~d->wmask[o]) | (byte & d->wmask[o]));
        d->config[o] &= (uint8_t)~(byte & d->w1cmask[o]);
        if ((o >= PCI_COMMAND && o < PCI_COMMAND + 2) || (o >= PCI_BAR0 && o < PCI_BAR0 + 4 * PCI_NUM_BARS))
            touches_decode = true;
    }
    if (touches_decode) {
        pci_update_mappings(d);
        pci_update_intx(d);
    }
    if (d->config_write)
        d->config_write(d->opaque, off, size, old);
}

void pci_bus_set_pirq_handler(PciBus *b, void (*set_pirq)(void *opaque, int pirq, bool level), void *opaque)
{
    b->set_pirq = set_pirq;
    b->pirq_opaque = opaque;
}

void pci_bus_post_load(PciBus *b)
{
    memset(b->pirq_count, 0, sizeof(b->pirq_count));
    for (int i = 0; i < PCI_MAX_DEVFN; i++) {
        PciDevice *d = b->dev[i];
        if (!d)
            continue;
        pci_update_mappings(d);
        d->intx_asserted = false;
        pci_update_intx(d);
    }
    for (int p = 0; p < 4; p++)
        if (b->set_pirq)
            b->set_pirq(b->pirq_opaque, p, b->pirq_count[p] > 0);
    for (int i = 0; i < PCI_MAX_DEVFN; i++)
        if (b->dev[i] && b->dev[i]->post_load)
            b->dev[i]->post_load(b->dev[i]->opaque);
}
