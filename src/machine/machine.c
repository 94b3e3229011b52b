/* The machine's life cycle and its main loop: build from a MachineConfig,
 * poll host input and timers between CPU slices, stop on an exit request.
 * Board wiring lives in pc.c; loaders in loader_*.c. */
#include "machine/machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mman.h>

#include "devices/pci.h"
#include "machine/loader_linux.h"
#include "machine/host.h"

Chardev *machine_find_chardev(Machine *m, const char *id)
{
    for (int i = 0; i < m->chardev_count; i++)
        if (!strcmp(m->chardevs[i]->spec.id, id))
            return m->chardevs[i];
    return NULL;
}

static bool machine_boot_setup(Machine *m, Error *err)
{
    const MachineConfig *cfg = m->cfg;
    if (cfg->kernel && cfg->bios) {
        error_setf(err, "-kernel with -bios is not supported yet: a Multiboot kernel starts without firmware");
        return false;
    }
    cpu_reset(&m->cpu, cfg->cpu_model);
    if (cfg->kernel) {
        /* A bzImage (Linux boot protocol) or a Multiboot ELF. */
        uint8_t *head = malloc(MULTIBOOT_SEARCH_LEN);
        if (!head)
            abort();
        size_t n = 0;
        FILE *f = fopen(cfg->kernel, "rb");
        if (f) {
            n = fread(head, 1, MULTIBOOT_SEARCH_LEN, f);
            fclose(f);
            if (!linux_probe(head, n) && !multiboot_probe(head, n)) {
                free(head);
                error_setf(err, "-kernel: '%s' is neither a Linux bzImage nor a Multiboot kernel", cfg->kernel);
                return false;
            }
        }
        bool is_linux = linux_probe(head, n);
        free(head);
        if (is_linux) {
            LinuxEntry entry;
            if (!linux_load(&m->mem, &m->ram_layout, cfg->kernel, cfg->append, cfg->initrd, &m->log, &entry, err))
                return false;
            cpu_enter_linux(&m->cpu, entry.entry, entry.boot_params, entry.gdt_base, entry.gdt_limit);
            return true;
        }
        MultibootEntry entry;
        if (!multiboot_load(&m->mem, &m->ram_layout, cfg->kernel, cfg->append, cfg->initrd, &m->log, &entry, err))
            return false;
        cpu_enter_multiboot(&m->cpu, entry.entry, entry.info_addr);
    }
    return true;
}

static void machine_kick_cpu(void *opaque)
{
    cpu_kick(opaque);
}

Machine *machine_new(const MachineConfig *cfg, Error *err)
{
    Machine *m = calloc(1, sizeof(*m));
    if (!m)
        abort();
    m->cfg = cfg;
    m->log.mask = cfg->log_mask;
    if (cfg->log_file && !log_open_file(&m->log, cfg->log_file, err))
        goto fail;
    if (cfg->deterministic)
        clock_init_deterministic(&m->clock, cfg->icount_shift);
    else
        clock_init_realtime(&m->clock, host_monotonic_ns, NULL);
    input_init(&m->input);
    as_init(&m->mem, "memory", PHYS_ADDR_SPACE_SIZE, &m->log);
    as_init(&m->io, "ioport", IO_PORT_SPACE_SIZE, &m->log);
    m->io.trace_mask = LOG_IOPORT;
    device_list_init(&m->devices);

    m->ram_size = cfg->ram_size;
    /* One mapping; pages are committed only when the guest touches them. */
    m->ram = mmap(NULL, m->ram_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m->ram == MAP_FAILED) {
        m->ram = NULL;
        error_setf(err, "-m: cannot allocate %llu MiB of guest RAM on this host",
                   (unsigned long long)(m->ram_size >> 20));
        goto fail;
    }
    cpu_init(&m->cpu, &m->mem, &m->io, &m->clock, &m->log);
    m->cpu_ready = true;
    m->run.kick = machine_kick_cpu;
    m->run.kick_opaque = &m->cpu;
    /* Exact instruction-count stops matter only where time is counted in
     * instructions. */
    m->cpu.exact_budget = cfg->deterministic;
    bool jit = cfg->accel == ACCEL_JIT || (cfg->accel == ACCEL_DEFAULT && cpu_jit_available());
    char why[200];
    if (!cpu_set_backend(&m->cpu, jit, (size_t)cfg->tb_size_mib << 20, cfg->perfmap, why, sizeof(why))) {
        error_setf(err, "-accel %s: %s", jit ? "jit" : "interp", why);
        goto fail;
    }
    if (!pc_board_init(m, err) || !machine_boot_setup(m, err))
        goto fail;
    if (cfg->display == DISPLAY_SDL) {
        m->display = display_open_sdl("jitpc (no display device yet)", err);
        if (!m->display)
            goto fail;
    }
    if (log_enabled(&m->log, LOG_MMU)) {
        as_dump(&m->mem, &m->log);
        as_dump(&m->io, &m->log);
    }
    if (log_enabled(&m->log, LOG_CPU))
        cpu_dump_state(&m->cpu, &m->log);
    return m;
fail:
    machine_free(m);
    return NULL;
}

void machine_free(Machine *m)
{
    if (!m)
        return;
    display_close(m->display);
    if (m->cpu_ready)
        cpu_destroy(&m->cpu);
    device_list_free(&m->devices);
    pci_bus_free(m->pci);
    for (int i = 0; i < m->chardev_count; i++)
        chardev_close(m->chardevs[i]);
    clock_destroy(&m->clock);
    as_destroy(&m->mem);
    as_destroy(&m->io);
    rom_image_free(&m->bios);
    if (m->ram)
        munmap(m->ram, m->ram_size);
    log_close(&m->log);
    free(m);
}

void machine_reset(Machine *m)
{
    m->run.reset_requested = false;
    device_list_reset(&m->devices);
    pc_shadow_reset(&m->shadow);
    cpu_reset(&m->cpu, m->cfg->cpu_model);
}

void machine_poll(Machine *m)
{
    if (m->handle_signals) {
        int sig = host_signal_take();
        if (sig) {
            char why[64];
            snprintf(why, sizeof(why), "terminating on signal %d", sig);
            fprintf(stderr, "jitpc: %s\n", why);
            /* QEMU ends with status 0 on SIGINT/SIGTERM/SIGHUP. */
            runstate_request_exit(&m->run, 0, why);
        }
    }
    for (int i = 0; i < m->chardev_count; i++) {
        if (chardev_poll_input(m->chardevs[i]) == CHARDEV_EVENT_QUIT)
            runstate_request_exit(&m->run, 0, "terminating on Ctrl-A x");
    }
    if (m->display && !display_poll(m->display))
        runstate_request_exit(&m->run, 0, "display window closed");
    input_deliver(&m->input);
    clock_run_timers(&m->clock);
}

/* How long to let the CPU run before looking at the host again, and the
 * longest sleep while halted (so signals are noticed promptly). */
#define MACHINE_SLICE_INSNS 200000
#define MACHINE_MAX_WAIT_NS 100000000

/* Instructions until the next timer deadline (deterministic mode), so
 * timers fire at the same instruction count in every run. */
static uint64_t machine_budget(Machine *m)
{
    if (m->clock.mode != CLOCK_MODE_DETERMINISTIC)
        return MACHINE_SLICE_INSNS;
    int64_t deadline = clock_next_deadline(&m->clock);
    if (deadline == CLOCK_NEVER)
        return MACHINE_SLICE_INSNS;
    int64_t left = deadline - clock_now(&m->clock);
    if (left <= 0)
        return 1;
    uint64_t n = ((uint64_t)left + (1ULL << m->clock.icount_shift) - 1) >> m->clock.icount_shift;
    return n < MACHINE_SLICE_INSNS ? n : MACHINE_SLICE_INSNS;
}

/* The CPU halted: move time to the next event. In deterministic mode
 * virtual time jumps there at once; in real time we sleep on the host's
 * input until then (or a bounded while, to notice signals). */
static void machine_idle(Machine *m)
{
    int64_t deadline = clock_next_deadline(&m->clock);
    bool det = m->clock.mode == CLOCK_MODE_DETERMINISTIC;
    if (det && deadline != CLOCK_NEVER && !m->cfg->icount_sleep) {
        clock_warp_to(&m->clock, deadline);
        return;
    }
    int64_t wait = MACHINE_MAX_WAIT_NS;
    if (deadline != CLOCK_NEVER) {
        int64_t left = deadline - clock_now(&m->clock);
        wait = left < 0 ? 0 : (left < wait ? left : wait);
    }
    struct pollfd fds[MACHINE_MAX_CHARDEVS];
    int n = 0;
    for (int i = 0; i < m->chardev_count; i++) {
        int fd = chardev_input_fd(m->chardevs[i]);
        if (fd >= 0)
            fds[n++] = (struct pollfd){.fd = fd, .events = POLLIN};
    }
    int64_t t0 = host_monotonic_ns(NULL);
    poll(fds, (nfds_t)n, (int)(wait / 1000000));
    if (det) {
        /* sleep=on: the idle time that passed on the host passes in the
         * guest, up to the next event (input may end the wait early). */
        int64_t slept = host_monotonic_ns(NULL) - t0;
        if (wait < 1000000 || slept > wait)
            slept = wait;
        clock_warp_to(&m->clock, clock_now(&m->clock) + slept);
    }
}

static void machine_print_stats(Machine *m)
{
    const TbCache *c = &m->cpu.engine.cache;
    const Tlb *t = &m->cpu.tlb;
    uint64_t accesses = t->hits + t->misses;
    log_printf(&m->log, "stats: %llu instructions retired\n", (unsigned long long)m->cpu.insns_retired);
    log_printf(&m->log, "stats: blocks: %llu translated, %llu invalidated, %llu full flushes, %u live\n",
               (unsigned long long)c->translated, (unsigned long long)c->invalidated,
               (unsigned long long)c->flushes, c->count);
    const ExecEngine *e = &m->cpu.engine;
    log_printf(&m->log, "stats: backend %s: %llu blocks compiled, %llu interpreted, %llu chains, "
               "%llu indirect-jump cache fills, %llu code cache flushes\n",
               e->backend == EXEC_JIT ? "jit" : "interp", (unsigned long long)e->jit_blocks,
               (unsigned long long)(e->jit_fallbacks + e->smc_interp), (unsigned long long)e->chains, (unsigned long long)e->jc_fills,
               (unsigned long long)e->code_flushes);
    log_printf(&m->log, "stats: TLB: %llu hits, %llu misses (%.2f%% hit rate), %llu flushes, %llu page flushes\n",
               (unsigned long long)t->hits, (unsigned long long)t->misses,
               accesses ? 100.0 * (double)t->hits / (double)accesses : 0.0, (unsigned long long)t->flushes,
               (unsigned long long)t->page_flushes);
}

int machine_run(Machine *m, Error *err)
{
    for (;;) {
        machine_poll(m);
        if (m->run.exit_requested)
            break;
        if (m->run.reset_requested) {
            if (m->cfg->no_reboot) {
                runstate_request_exit(&m->run, 0, "guest reset with -no-reboot");
                break;
            }
            machine_reset(m);
        }
        switch (cpu_exec(&m->cpu, machine_budget(m))) {
        case CPU_EXEC_HALTED:
            /* Only an NMI wakes a CPU that halted with interrupts off, and
             * this board has no NMI source: a deterministic run ends here
             * (in real time jitpc waits, as QEMU does, for Ctrl-A x). */
            if (!(m->cpu.eflags & EFLAGS_IF) && !m->cpu.nmi_pending && m->clock.mode == CLOCK_MODE_DETERMINISTIC) {
                runstate_request_exit(&m->run, 1, "the CPU halted with interrupts disabled");
                error_setf(err, "the guest halted with interrupts disabled at %04x:%08x (nothing can wake it)",
                           m->cpu.seg[SEG_CS].selector, m->cpu.eip);
                break;
            }
            machine_idle(m);
            break;
        case CPU_EXEC_SHUTDOWN:
            if (m->cfg->no_reboot) {
                error_setf(err, "triple fault at %04x:%08x: shutting down (-no-reboot)", m->cpu.seg[SEG_CS].selector,
                           m->cpu.eip);
                runstate_request_exit(&m->run, 1, "triple fault");
            } else {
                LOG(&m->log, LOG_INT, "triple fault: system reset\n");
                runstate_request_reset(&m->run);
            }
            break;
        case CPU_EXEC_EXIT:
        case CPU_EXEC_BUDGET:
        case CPU_EXEC_EXCEPTION:
            break;
        }
    }
    if (log_enabled(&m->log, LOG_CPU))
        log_printf(&m->log, "run ended: %s (status %d)\n", m->run.exit_reason, m->run.exit_status);
    if (log_enabled(&m->log, LOG_STATS))
        machine_print_stats(m);
    return m->run.exit_status;
}
