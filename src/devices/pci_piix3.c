/* Intel 82371SB PIIX3 function 0 (PCI-to-ISA bridge), per the 82371FB/SB
 * datasheet section 2.2: vendor 8086h, device 7000h, class 060100h (ISA
 * bridge), header type 80h (multi-function: IDE is function 1).
 *
 * PIRQRC[A:D] (0x60-0x63, 2.2.10): bit 7 set disables the routing (the
 * reset value 80h); bits 3:0 pick the ISA IRQ, where 3-7, 9-12, 14 and 15
 * are valid and 0-2, 8, 13 are reserved (treated as unrouted). Bits 6:4
 * are reserved and read 0. A routed PIRQ line is level-triggered, active
 * high at the ISA side here (the datasheet inverts PIRQx# on the way);
 * firmware must program the ELCR (0x4D0, in i8259_pic.c) to level for it.
 * Several PIRQs may share an IRQ: the ISA line is their OR.
 *
 * The other registers (IORT, XBCS, TOM, motherboard IRQ/DMA, APIC base,
 * SMI control) are stored with their reset values and masks; the features
 * behind them do not exist in this machine. */
#include "devices/pci_piix3.h"

#include <stdlib.h>

#define PIRQ_DISABLE 0x80
#define PIIX3_VALID_IRQS 0xDEF8u    /* 3-7, 9-12, 14, 15 */

struct Piix3 {
    Device dev;
    PciDevice pci;
    Log *log;
    IrqHandler *isa_irq;
    void *isa_opaque;
    bool pirq_level[4];     /* PIRQ lines as the bus drives them (re-driven after load) */
    uint16_t driven;        /* ISA IRQs this bridge holds high now */
};

static const StateField piix3_fields[] = {
    STATE_BYTES(Piix3, pci.config),
    STATE_BOOL(Piix3, pci.irq_level),
    STATE_END,
};

static const struct {
    uint8_t off, value, wmask;
} piix3_regs[] = {
    {0x4C, 0x4D, 0x7F},                                         /* IORT */
    {0x4E, 0x03, 0xFF}, {0x4F, 0x00, 0x03},                     /* XBCS */
    {0x60, PIRQ_DISABLE, 0x8F}, {0x61, PIRQ_DISABLE, 0x8F},     /* PIRQRC[A:D] */
    {0x62, PIRQ_DISABLE, 0x8F}, {0x63, PIRQ_DISABLE, 0x8F},
    {0x69, 0x02, 0xFF},                                         /* TOM */
    {0x6A, 0x00, 0xFF}, {0x6B, 0x00, 0x80},                     /* MSTAT */
    {0x70, 0x80, 0xCF}, {0x71, 0x80, 0xCF},                     /* MBIRQ0-1 */
    {0x76, 0x0C, 0x8F}, {0x77, 0x0C, 0x8F},                     /* MBDMA0-1 */
    {0x78, 0x02, 0xFF}, {0x79, 0x00, 0xFF},                     /* PCSC */
    {0x80, 0x00, 0x7F},                                         /* APICBASE */
    {0x82, 0x00, 0x0F},                                         /* DLC */
    {0xA0, 0x08, 0x1F},                                         /* SMICNTL */
    {0xA2, 0x00, 0xFF}, {0xA3, 0x00, 0xFF},                     /* SMIEN */
    {0xA4, 0x00, 0xFF}, {0xA5, 0x00, 0xFF}, {0xA6, 0x00, 0xFF}, {0xA7, 0x00, 0xFF}, /* SEE */
    {0xA8, 0x0F, 0xFF},                                         /* FTMR */
    {0xAA, 0x00, 0xFF}, {0xAB, 0x00, 0xFF},                     /* SMIREQ */
    {0xAC, 0x00, 0xFF},                                         /* CTLTMR */
    {0xAE, 0x00, 0xFF},                                         /* CTHTMR */
};

int piix3_pirq_to_isa(Piix3 *p, int pirq)
{
    if (pirq < 0 || pirq > 3)
        return -1;
    uint8_t r = p->pci.config[PIIX3_PIRQRC + pirq];
    int irq = r & 0x0F;
    if ((r & PIRQ_DISABLE) || !(PIIX3_VALID_IRQS & (1u << irq)))
        return -1;
    return irq;
}

/* Drive each ISA IRQ to the OR of the PIRQ lines steered to it, calling
 * out only for lines that change. */
static void piix3_update(Piix3 *p)
{
    uint16_t want = 0;
    for (int i = 0; i < 4; i++) {
        int irq = piix3_pirq_to_isa(p, i);
        if (irq >= 0 && p->pirq_level[i])
            want |= (uint16_t)(1u << irq);
    }
    uint16_t diff = want ^ p->driven;
    p->driven = want;
    for (int irq = 0; irq < 16; irq++)
        if ((diff & (1u << irq)) && p->isa_irq)
            p->isa_irq(p->isa_opaque, irq, want & (1u << irq));
}

static void piix3_set_pirq(void *opaque, int pirq, bool level)
{
    Piix3 *p = opaque;
    if (pirq < 0 || pirq > 3)
        return;
    p->pirq_level[pirq] = level;
    piix3_update(p);
}

static void piix3_config_write(void *opaque, unsigned off, unsigned size, uint32_t old)
{
    Piix3 *p = opaque;
    (void)old;
    if (off < PIIX3_PIRQRC + 4 && off + size > PIIX3_PIRQRC) {
        LOG(p->log, LOG_IOPORT, "piix3: PIRQ routes %02x %02x %02x %02x\n", p->pci.config[0x60],
            p->pci.config[0x61], p->pci.config[0x62], p->pci.config[0x63]);
        piix3_update(p);
    }
}

static void piix3_reset(void *opaque)
{
    Piix3 *p = opaque;
    pci_device_reset(&p->pci);
    piix3_update(p);
}

static void piix3_post_load(void *opaque)
{
    piix3_update(opaque);
}

void piix3_free(Piix3 *p)
{
    free(p);
}

static void piix3_free_opaque(void *opaque)
{
    piix3_free(opaque);
}

Piix3 *piix3_new(PciBus *bus, unsigned devfn, IrqHandler *isa_irq, void *opaque, Log *log)
{
    Piix3 *p = calloc(1, sizeof(*p));
    if (!p)
        abort();
    p->log = log;
    p->isa_irq = isa_irq;
    p->isa_opaque = opaque;
    PciDevice *d = &p->pci;
    pci_device_init(d, "piix3", 0x8086, 0x7000, 0x00, 0x060100, PCI_HEADER_MULTI_FUNCTION);
    /* PCICMD: I/O, memory and bus master are hardwired on (2.2.3);
     * special cycle and SERR enables are writable. PCISTS: medium DEVSEL. */
    pci_set16(d->config, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    pci_set16(d->wmask, PCI_COMMAND, 0x0008 | PCI_COMMAND_SERR);
    pci_set16(d->config, PCI_STATUS, 0x0200);
    d->wmask[PCI_CACHE_LINE_SIZE] = 0;
    d->wmask[PCI_LATENCY_TIMER] = 0;
    d->wmask[PCI_INTERRUPT_LINE] = 0;
    for (size_t i = 0; i < sizeof(piix3_regs) / sizeof(piix3_regs[0]); i++) {
        d->config[piix3_regs[i].off] = piix3_regs[i].value;
        d->wmask[piix3_regs[i].off] = piix3_regs[i].wmask;
    }
    d->config_write = piix3_config_write;
    d->post_load = piix3_post_load;
    d->opaque = p;
    Error err = {0};
    if (!pci_bus_add_device(bus, d, devfn, &err)) {
        free(p);
        return NULL;
    }
    pci_bus_set_pirq_handler(bus, piix3_set_pirq, p);
    p->dev = (Device){.name = "piix3", .reset = piix3_reset, .fields = piix3_fields, .state = p, .opaque = p,
                      .free = piix3_free_opaque};
    return p;
}

Device *piix3_device(Piix3 *p)
{
    return &p->dev;
}

PciDevice *piix3_pci(Piix3 *p)
{
    return &p->pci;
}
