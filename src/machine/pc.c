/* The PC board: where RAM, firmware and each device sit and which ports
 * and IRQs they use, following the i440FX/PIIX3 PC that QEMU's `pc`
 * machine models. Physical memory map:
 *   [0, 0xA0000)              conventional RAM
 *   [0xA0000, 0xC0000)        VGA window (unassigned until VGA exists)
 *   [0xC0000, 1 MiB)          shadow RAM / the BIOS alias, per the PAM registers
 *   [1 MiB, low_end)          extended RAM, low_end = min(RAM, 3.5 GiB)
 *   [low_end, 4 GiB)          PCI hole; the BIOS ROM ends at 4 GiB
 *   [4 GiB, 4 GiB + rest)     RAM above 3.5 GiB (reached with PAE)
 * Ports: PIC 0x20/0xA0 (ELCR 0x4D0), PIT 0x40-0x43 on IRQ0, port 0x61,
 * 8042 0x60/0x64 (keyboard IRQ1, mouse IRQ12), RTC 0x70/0x71 on IRQ8,
 * POST codes 0x80, COM1
 * 0x3F8/IRQ4, COM2 0x2F8/IRQ3, debugcon 0xE9 (and the BIOS debug port
 * 0x402), exit 0xF4, system control
 * port A (A20, fast reset) 0x92; x87 errors on IRQ13. */
#include <stdio.h>
#include <string.h>

#include <time.h>
#include <unistd.h>

#include "devices/apic_local.h"
#include "devices/fw_cfg.h"
#include "devices/i8042.h"
#include "devices/i8254_pit.h"
#include "devices/i8259_pic.h"
#include "devices/isa_debug_exit.h"
#include "devices/isa_debugcon.h"
#include "devices/ioapic.h"
#include "devices/mc146818_rtc.h"
#include "devices/pc_port61.h"
#include "devices/pc_testdev.h"
#include "devices/pci.h"
#include "devices/pci_i440fx.h"
#include "devices/pci_piix3.h"
#include "devices/port92.h"
#include "devices/post_port.h"
#include "devices/ps2_kbd.h"
#include "devices/ps2_mouse.h"
#include "devices/uart_16550.h"
#include "cpu/debug.h"
#include "cpu/mem.h"
#include "machine/host.h"
#include "machine/machine.h"

#define PC_LOW_RAM_END 0xA0000ULL
#define PC_ISA_ROM_START 0xC0000ULL
#define PC_HIGH_MEM_START 0x100000ULL
#define PC_BELOW_4G_MAX 0xE0000000ULL
#define PC_4G 0x100000000ULL

static const struct {
    uint16_t base;
    uint8_t irq;
} pc_serial_ports[CONFIG_MAX_SERIAL] = {{0x3F8, 4}, {0x2F8, 3}};

/* An interrupt line of the board changed: the 8259 input is the OR of
 * the ISA device and PCI interrupts routed there (PIIX3 PIRQ routing);
 * the I/O APIC sees the ISA IRQs on its first 16 pins, IRQ0 (the PIT) on
 * pin 2 as the MP/ACPI interrupt source override says. */
static void pc_irq_update(Machine *m, int n)
{
    bool level = m->isa_irq_level[n] || m->pci_irq_level[n];
    if (m->pic)
        pic_set_irq(m->pic, n, level);
    if (m->ioapic)
        ioapic_set_irq(m->ioapic, n == 0 ? 2 : n, level);
}

static void pc_isa_irq_set(void *opaque, int n, bool level)
{
    Machine *m = opaque;
    if (n < 0 || n >= ISA_IRQ_COUNT)
        return;
    m->isa_irq_level[n] = level;
    pc_irq_update(m, n);
}

static void pc_pci_irq_set(void *opaque, int n, bool level)
{
    Machine *m = opaque;
    if (n < 0 || n >= ISA_IRQ_COUNT)
        return;
    m->pci_irq_level[n] = level;
    pc_irq_update(m, n);
}

/* x87 errors with CR0.NE = 0 are signalled on IRQ13 (the PC's FERR# wiring). */
static void pc_fpu_irq13(void *opaque, bool level)
{
    pc_isa_irq_set(opaque, 13, level);
}

static bool pc_add_interrupt_controller_and_timer(Machine *m, Error *err)
{
    I8259Pic *pic = pic_new(&m->log);
    m->pic = pic;
    device_list_add(&m->devices, pic_device(pic));
    if (!as_map_io(&m->io, 0x20, 2, &pic_master_io_ops, pic, "pic-master", err) ||
        !as_map_io(&m->io, 0xA0, 2, &pic_slave_io_ops, pic, "pic-slave", err) ||
        !as_map_io(&m->io, 0x4D0, 2, &pic_elcr_io_ops, pic, "elcr", err))
        return false;
    m->cpu.intr = (CpuIntrSource){pic_intr_pending, pic_intr_ack, pic};   /* until the APIC is in */
    m->cpu.fpu_irq13 = pc_fpu_irq13;
    m->cpu.fpu_irq13_opaque = m;
    I8254Pit *pit = pit_new(&m->clock, irq_line(pc_isa_irq_set, m, 0), &m->log);
    device_list_add(&m->devices, pit_device(pit));
    if (!as_map_io(&m->io, 0x40, 4, &pit_io_ops, pit, "pit", err))
        return false;
    /* Port 0x61: PIT channel 2's gate and output, the refresh toggle. */
    PcPort61 *p61 = port61_new(pit, &m->clock, &m->log);
    device_list_add(&m->devices, port61_device(p61));
    return as_map_io(&m->io, 0x61, 1, &port61_io_ops, p61, "port61", err);
}

/* Where the RTC starts: -rtc base=DATE, the host's local time, or (the
 * default) the host's UTC time when the machine is built. */
static int64_t pc_rtc_base(const MachineConfig *cfg)
{
    if (cfg->rtc_base == RTC_BASE_DATE)
        return cfg->rtc_base_seconds;
    time_t t = time(NULL);
    if (cfg->rtc_base == RTC_BASE_LOCALTIME) {
        struct tm tm;
        if (localtime_r(&t, &tm))
            return (int64_t)t + tm.tm_gmtoff;
    }
    return (int64_t)t;
}

static bool pc_add_rtc(Machine *m, Error *err)
{
    Mc146818Rtc *rtc = rtc_new(&m->clock, irq_line(pc_isa_irq_set, m, 8), &m->log, pc_rtc_base(m->cfg));
    device_list_add(&m->devices, rtc_device(rtc));
    if (!as_map_io(&m->io, 0x70, 2, &rtc_io_ops, rtc, "rtc", err))
        return false;
    const RamLayout *l = &m->ram_layout;
    rtc_cmos_fill_pc(rtc, &(RtcPcInfo){.ram_below_4g = l->low_end, .ram_above_4g = l->high_size, .fpu = true,
                                       .cpus = 1, .boot = {RTC_BOOT_DISK, RTC_BOOT_CDROM, RTC_BOOT_NETWORK}});
    PostPort *post = post_port_new(&m->log);
    device_list_add(&m->devices, post_port_device(post));
    return as_map_io(&m->io, 0x80, 1, &post_port_io_ops, post, "post", err);
}

static Chardev *pc_open_chardev(Machine *m, const ChardevSpec *spec, Error *err)
{
    if (m->chardev_count == MACHINE_MAX_CHARDEVS) {
        error_setf(err, "too many character devices");
        return NULL;
    }
    Error e = {0};
    Chardev *c = chardev_open(spec, &m->input, &e);
    if (!c) {
        error_setf(err, "chardev '%s': %s", spec->id, e.msg);
        return NULL;
    }
    m->chardevs[m->chardev_count++] = c;
    return c;
}

static bool pc_map_ram(Machine *m, Error *err)
{
    RamLayout *l = &m->ram_layout;
    l->low_end = MIN(m->ram_size, PC_BELOW_4G_MAX);
    l->high_size = m->ram_size - l->low_end;
    /* Host offset = guest address below 4 GiB; the part above follows. */
    if (!as_map_ram(&m->mem, 0, PC_LOW_RAM_END, m->ram, "ram-conventional", err))
        return false;
    /* 0xC0000-0xFFFFF: shadow RAM under the PAM registers (pc_shadow.c),
     * which own the firmware's low alias too. */
    if (m->bios.data)
        as_unmap(&m->mem, m->bios.low_base);
    if (!pc_shadow_init(&m->shadow, m, err))
        return false;
    if (!as_map_ram(&m->mem, PC_HIGH_MEM_START, l->low_end - PC_HIGH_MEM_START, m->ram + PC_HIGH_MEM_START,
                    "ram-extended", err))
        return false;
    if (l->high_size && !as_map_ram(&m->mem, PC_4G, l->high_size, m->ram + l->low_end, "ram-above-4g", err))
        return false;
    return true;
}

static bool pc_add_serial(Machine *m, int i, Chardev *chr, Error *err)
{
    char name[16];
    snprintf(name, sizeof(name), "serial%d", i);
    IrqLine irq = irq_line(pc_isa_irq_set, m, pc_serial_ports[i].irq);
    Uart16550 *u = uart_new(name, &m->clock, irq, chr, &m->log);
    Device *d = uart_device(u);
    device_list_add(&m->devices, d);
    m->serial[i] = u;
    return as_map_io(&m->io, pc_serial_ports[i].base, 8, &uart_io_ops, u, d->name, err);
}

static bool pc_add_debugcon(Machine *m, uint32_t iobase, Chardev *chr, Error *err)
{
    IsaDebugcon *dc = debugcon_new("isa-debugcon", chr);
    device_list_add(&m->devices, debugcon_device(dc));
    return as_map_io(&m->io, iobase, 1, &debugcon_io_ops, dc, "isa-debugcon", err);
}

static bool pc_add_debug_exit(Machine *m, uint32_t iobase, uint32_t iosize, Error *err)
{
    IsaDebugExit *de = debug_exit_new("isa-debug-exit", &m->run);
    device_list_add(&m->devices, debug_exit_device(de));
    return as_map_io(&m->io, iobase, iosize, &debug_exit_io_ops, de, "isa-debug-exit", err);
}

static bool pc_add_serial_ports(Machine *m, Error *err)
{
    const MachineConfig *cfg = m->cfg;
    int stdio_users = 0;
    for (int i = 0; i < CONFIG_MAX_SERIAL; i++) {
        Chardev *chr;
        if (i < cfg->serial_count) {
            if (cfg->serial_none[i])
                continue;
            if (cfg->serial_ref[i][0]) {
                chr = machine_find_chardev(m, cfg->serial_ref[i]);
                if (!chr) {
                    error_setf(err, "-serial chardev:%s: no -chardev with that id", cfg->serial_ref[i]);
                    return false;
                }
            } else if (!(chr = pc_open_chardev(m, &cfg->serial[i], err))) {
                return false;
            }
        } else if (i == 0 && cfg->serial_count == 0 && !cfg->nodefaults) {
            /* Headless by default, so COM1 defaults to the terminal. */
            ChardevSpec spec;
            chardev_parse_backend("stdio", &spec, err);
            snprintf(spec.id, sizeof(spec.id), "serial0");
            if (!(chr = pc_open_chardev(m, &spec, err)))
                return false;
        } else {
            continue;
        }
        if (chr->spec.kind == CHARDEV_STDIO && ++stdio_users > 1) {
            error_setf(err, "-serial: stdio can be the input of only one serial port");
            return false;
        }
        if (!pc_add_serial(m, i, chr, err))
            return false;
    }
    return true;
}

static bool pc_add_test_devices(Machine *m, Error *err)
{
    const MachineConfig *cfg = m->cfg;
    bool have_debugcon = cfg->has_debugcon, have_exit = false;
    for (int i = 0; i < cfg->device_count; i++) {
        const DeviceConfig *d = &cfg->devices[i];
        if (d->kind == DEVICE_PC_TESTDEV)
            continue;
        if (d->kind == DEVICE_ISA_DEBUG_EXIT) {
            have_exit = true;
            if (!pc_add_debug_exit(m, d->iobase, d->iosize, err))
                return false;
        } else {
            have_debugcon = true;
            Chardev *chr = machine_find_chardev(m, d->chardev);
            if (!chr) {
                error_setf(err, "-device isa-debugcon: no -chardev with id '%s'", d->chardev);
                return false;
            }
            if (!pc_add_debugcon(m, d->iobase, chr, err))
                return false;
        }
    }
    /* -debugcon: port 0xE9 and the BIOS debug port 0x402 (SeaBIOS's log)
     * share the chardev; without it 0x402 is a silent sink (no unassigned
     * port noise from every firmware message). */
    if (cfg->has_debugcon) {
        Chardev *chr = pc_open_chardev(m, &cfg->debugcon, err);
        if (!chr || !pc_add_debugcon(m, 0xE9, chr, err) || !pc_add_debugcon(m, 0x402, chr, err))
            return false;
    } else if (!cfg->nodefaults) {
        ChardevSpec spec;
        chardev_parse_backend("null", &spec, err);
        snprintf(spec.id, sizeof(spec.id), "biosdebug");
        Chardev *chr = pc_open_chardev(m, &spec, err);
        if (!chr || !pc_add_debugcon(m, 0x402, chr, err))
            return false;
    }
    /* jitpc's defaults for bare-metal tests, unless the user placed the
     * same kind of device (QEMU drops a default when one is given). */
    if (!cfg->nodefaults && !have_debugcon) {
        ChardevSpec spec;
        chardev_parse_backend("stdio", &spec, err);
        snprintf(spec.id, sizeof(spec.id), "debugcon");
        Chardev *chr = pc_open_chardev(m, &spec, err);
        if (!chr || !pc_add_debugcon(m, 0xE9, chr, err))
            return false;
    }
    if (!cfg->nodefaults && !have_exit && !pc_add_debug_exit(m, 0xF4, 4, err))
        return false;
    return true;
}

/* The A20 gate: physical address bit 20 forced to 0 when it is off. Port
 * 0x92 and the keyboard controller's output port both drive it; as on
 * QEMU's pc machine the last one written decides. Every cached
 * translation may change, so the TLB is flushed. */
static void pc_set_a20(void *opaque, bool enabled)
{
    Machine *m = opaque;
    uint32_t mask = enabled ? 0xFFFFFFFFu : ~(1u << 20);
    if (m->cpu.a20_mask != mask) {
        m->cpu.a20_mask = mask;
        cpu_tlb_flush(&m->cpu);
    }
}

/* The 8042 with a PS/2 keyboard (IRQ1) and mouse (IRQ12); host keys and
 * mouse motion arrive through input-layer channels. */
static bool pc_add_kbc(Machine *m, Error *err)
{
    Ps2Kbd *kbd = ps2_kbd_new("ps2-kbd", &m->log);
    Ps2Mouse *mouse = ps2_mouse_new("ps2-mouse", &m->log);
    device_list_add(&m->devices, ps2_kbd_device(kbd));
    device_list_add(&m->devices, ps2_mouse_device(mouse));
    I8042 *kbc = i8042_new(&m->run, irq_line(pc_isa_irq_set, m, 1), irq_line(pc_isa_irq_set, m, 12), kbd, mouse,
                           pc_set_a20, m, &m->log);
    device_list_add(&m->devices, i8042_device(kbc));
    if (!as_map_io(&m->io, 0x60, 1, &i8042_data_io_ops, kbc, "i8042-data", err) ||
        !as_map_io(&m->io, 0x64, 1, &i8042_cmd_io_ops, kbc, "i8042-cmd", err))
        return false;
    int kch = input_channel_new(&m->input, "ps2-kbd");
    int mch = input_channel_new(&m->input, "ps2-mouse");
    if (kch < 0 || mch < 0) {
        error_setf(err, "no free input channel for the PS/2 keyboard and mouse");
        return false;
    }
    InputSink ks = ps2_kbd_input_sink(kbd), ms = ps2_mouse_input_sink(mouse);
    input_set_sink(&m->input, kch, &ks);
    input_set_sink(&m->input, mch, &ms);
    return true;
}

/* ---- local APIC and I/O APIC ---- */

static void pc_apic_kick(void *opaque)
{
    cpu_kick(&((Machine *)opaque)->cpu);
}

static void pc_apic_nmi(void *opaque)
{
    cpu_raise_nmi(&((Machine *)opaque)->cpu);
}

static void pc_apic_eoi(void *opaque, uint8_t vector)
{
    Machine *m = opaque;
    if (m->ioapic)
        ioapic_eoi(m->ioapic, vector);
}

static void pc_ioapic_deliver(void *opaque, uint8_t vector, bool trigger_level, unsigned delivery_mode, uint8_t dest,
                              bool dest_logical)
{
    Machine *m = opaque;
    if (apic_match_dest(m->lapic, dest, dest_logical))
        apic_deliver(m->lapic, vector, trigger_level, delivery_mode);
}

static uint64_t pc_apic_base_get(void *opaque)
{
    return apic_get_base(opaque);
}

static bool pc_apic_base_set(void *opaque, uint64_t v)
{
    return apic_set_base(opaque, v);
}

/* The CPU's local APIC at 0xFEE00000: its interrupt source from now on,
 * with the 8259 behind LINT0 (virtual wire) and the I/O APIC at
 * 0xFEC00000 delivering to it. */
static bool pc_add_apics(Machine *m, Error *err)
{
    ApicCallbacks cb = {pc_apic_kick, pc_apic_nmi, pc_apic_eoi, m};
    ApicLocal *a = apic_new(&m->clock, 0, true, &m->mem, cb, &m->log, err);
    if (!a)
        return false;
    m->lapic = a;
    device_list_add(&m->devices, apic_device(a));
    apic_set_extint_source(a, pic_intr_pending, pic_intr_ack, m->pic);
    m->cpu.intr = (CpuIntrSource){apic_intr_pending, apic_intr_ack, a};
    m->cpu.apic_base_get = pc_apic_base_get;
    m->cpu.apic_base_set = pc_apic_base_set;
    m->cpu.apic_opaque = a;
    /* ID 1: SeaBIOS's MP table numbers the I/O APIC after the CPUs. */
    IoApic *io = ioapic_new(1, pc_ioapic_deliver, m, &m->log);
    m->ioapic = io;
    device_list_add(&m->devices, ioapic_device(io));
    return as_map_io(&m->mem, 0xFEC00000, IOAPIC_MMIO_SIZE, &ioapic_mmio_ops, io, "ioapic", err);
}

/* ---- PCI ---- */

/* A BAR moved: translations and TLB entries of the range are stale. */
static void pc_pci_mem_changed(void *opaque, uint64_t base, uint64_t size)
{
    Machine *m = opaque;
    cpu_tlb_flush(&m->cpu);
    for (uint64_t a = base & ~0xFFFULL; a < base + size; a += 0x1000)
        tb_invalidate_page(&m->cpu.engine.cache, a);
}

/* The i440FX host bridge (00:00.0, configuration mechanism #1 at
 * 0xCF8/0xCFC, PAM registers driving the shadow RAM) and the PIIX3 ISA
 * bridge (00:01.0, PIRQ routing to ISA IRQs). */
static bool pc_add_pci(Machine *m, Error *err)
{
    PciBus *bus = pci_bus_new(&m->mem, &m->io, &m->log);
    m->pci = bus;
    pci_bus_set_mem_map_notify(bus, pc_pci_mem_changed, m);
    I440fx *h = i440fx_new(bus, pc_shadow_set, &m->shadow, &m->log);
    device_list_add(&m->devices, i440fx_device(h));
    if (!as_map_io(&m->io, 0xCF8, 4, &i440fx_addr_io_ops, h, "pci-config-address", err) ||
        !as_map_io(&m->io, 0xCFC, 4, &i440fx_data_io_ops, h, "pci-config-data", err))
        return false;
    Piix3 *px = piix3_new(bus, PCI_DEVFN(1, 0), pc_pci_irq_set, m, &m->log);
    device_list_add(&m->devices, piix3_device(px));
    return true;
}

/* ---- firmware configuration ---- */

static bool pc_add_fw_cfg(Machine *m, Error *err)
{
    FwCfg *fw = fw_cfg_new(&m->mem, &m->log);
    device_list_add(&m->devices, fw_cfg_device(fw));
    if (!as_map_io(&m->io, 0x510, 2, &fw_cfg_io_ops, fw, "fw_cfg", err) ||
        !as_map_io(&m->io, 0x514, 8, &fw_cfg_dma_io_ops, fw, "fw_cfg-dma", err))
        return false;
    const RamLayout *l = &m->ram_layout;
    static const uint8_t uuid[16];
    fw_cfg_add_i64(fw, FW_CFG_RAM_SIZE, m->ram_size);
    fw_cfg_add_i16(fw, FW_CFG_NB_CPUS, 1);
    fw_cfg_add_i16(fw, FW_CFG_MAX_CPUS, 1);
    fw_cfg_add_i16(fw, FW_CFG_NOGRAPHIC, m->cfg->display == DISPLAY_NONE);
    fw_cfg_add_i16(fw, FW_CFG_BOOT_MENU, 0);
    fw_cfg_add_bytes(fw, FW_CFG_UUID, uuid, sizeof(uuid));
    fw_cfg_add_e820(fw, 0, l->low_end, E820_RAM);
    if (l->high_size)
        fw_cfg_add_e820(fw, PC_4G, l->high_size, E820_RAM);
    return true;
}

/* ---- pc-testdev (-device pc-testdev) ---- */

static void pc_testdev_irq(void *opaque, int n, bool level)
{
    Machine *m = opaque;
    if (n < ISA_IRQ_COUNT) {
        pc_isa_irq_set(m, n, level);
    } else if (m->ioapic) {
        ioapic_set_irq(m->ioapic, n, level);
    }
}

static void pc_testdev_flush(void *opaque, uint64_t paddr)
{
    Machine *m = opaque;
    cpu_tlb_flush(&m->cpu);
    tb_invalidate_page(&m->cpu.engine.cache, paddr);
}

static bool pc_add_testdev(Machine *m, Error *err)
{
    PcTestdev *t = pc_testdev_new(pc_testdev_irq, m, pc_testdev_flush, m);
    device_list_add(&m->devices, pc_testdev_device(t));
    return as_map_io(&m->io, 0xE0, 4, &pc_testdev_ioport_ops, t, "pc-testdev-ioport", err) &&
           as_map_io(&m->io, 0xE4, 4, &pc_testdev_flush_ops, t, "pc-testdev-flush", err) &&
           as_map_io(&m->io, 0xE8, 4, &pc_testdev_ioport_byte_ops, t, "pc-testdev-ioport-byte", err) &&
           as_map_io(&m->io, 0x2000, 24, &pc_testdev_irq_ops, t, "pc-testdev-irq", err) &&
           as_map_io(&m->mem, 0xFF000000, 0x10000, &pc_testdev_iomem_ops, t, "pc-testdev-iomem", err);
}

/* The default firmware: SeaBIOS as tools/fetch-firmware unpacks it next
 * to the binary (BUILD/firmware), else Debian's installed seabios. */
static bool pc_default_bios(char *buf, size_t len)
{
    char dir[4000];
    if (host_exe_dir(dir, sizeof(dir))) {
        snprintf(buf, len, "%s/firmware/bios-256k.bin", dir);
        if (access(buf, R_OK) == 0)
            return true;
    }
    snprintf(buf, len, "/usr/share/seabios/bios-256k.bin");
    return access(buf, R_OK) == 0;
}

bool pc_board_init(Machine *m, Error *err)
{
    const MachineConfig *cfg = m->cfg;
    const char *bios = cfg->bios;
    char found[4096];
    if (!bios && !cfg->kernel) {
        if (!pc_default_bios(found, sizeof(found))) {
            error_setf(err, "nothing to boot: no -kernel FILE or -bios FILE, and no default BIOS (SeaBIOS: "
                            "firmware/bios-256k.bin next to jitpc, put there by tools/fetch-firmware BUILD-DIR, "
                            "or /usr/share/seabios/bios-256k.bin)");
            return false;
        }
        bios = found;
    }
    if (bios && !rom_load_bios(&m->mem, bios, &m->bios, err))
        return false;
    if (!pc_map_ram(m, err) || !pc_add_interrupt_controller_and_timer(m, err))
        return false;
    for (int i = 0; i < cfg->chardev_count; i++)
        if (!pc_open_chardev(m, &cfg->chardevs[i], err))
            return false;
    if (!pc_add_serial_ports(m, err) || !pc_add_test_devices(m, err))
        return false;
    Port92 *p92 = port92_new(&m->run, pc_set_a20, m);
    device_list_add(&m->devices, port92_device(p92));
    if (!as_map_io(&m->io, 0x92, 1, &port92_io_ops, p92, "port92", err))
        return false;
    if (!pc_add_rtc(m, err) || !pc_add_kbc(m, err) || !pc_add_apics(m, err) || !pc_add_pci(m, err) ||
        !pc_add_fw_cfg(m, err))
        return false;
    for (int i = 0; i < cfg->device_count; i++)
        if (cfg->devices[i].kind == DEVICE_PC_TESTDEV && !pc_add_testdev(m, err))
            return false;
    device_list_reset(&m->devices);
    return true;
}
