/* MachineConfig: everything the command line (or a test) decides about a
 * machine before it is built. Plain data; strings are owned copies. */
#ifndef JITPC_MACHINE_CONFIG_H
#define JITPC_MACHINE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "base/chardev.h"
#include "cpu/cpu.h"

#define CONFIG_MAX_SERIAL 2
#define CONFIG_MAX_CHARDEVS 8
#define CONFIG_MAX_DEVICES 8

#define RAM_SIZE_DEFAULT (128ULL << 20)
#define RAM_SIZE_MIN (2ULL << 20)
/* RAM above 3.5 GiB is placed from 4 GiB up; PAE's 36-bit physical
 * addresses end at 64 GiB, so 63.5 GiB is all a P6 guest can address. */
#define RAM_SIZE_MAX ((64ULL << 30) - (512ULL << 20))

/* -accel: the translator's backend. */
typedef enum AccelKind {
    ACCEL_DEFAULT,              /* jit where this host has a native backend, else interp */
    ACCEL_JIT,
    ACCEL_INTERP,
} AccelKind;

#define TB_SIZE_DEFAULT_MIB 256

typedef enum DisplayKind {
    DISPLAY_NONE,
    DISPLAY_SDL,
} DisplayKind;

typedef enum DeviceKind {
    DEVICE_ISA_DEBUG_EXIT,
    DEVICE_ISA_DEBUGCON,
    DEVICE_PC_TESTDEV,              /* QEMU's pc-testdev (test kernels) */
} DeviceKind;

typedef struct DeviceConfig {
    DeviceKind kind;
    uint32_t iobase;
    uint32_t iosize;
    char chardev[32];           /* isa-debugcon: chardev id */
} DeviceConfig;

/* -rtc base=: where the RTC's time starts. */
typedef enum RtcBaseKind {
    RTC_BASE_UTC,               /* host time at start, UTC (the default) */
    RTC_BASE_LOCALTIME,         /* host time at start, in the host's zone */
    RTC_BASE_DATE,              /* rtc_base_seconds, a fixed date */
} RtcBaseKind;

typedef enum ConfigAction {
    ACTION_RUN,
    ACTION_HELP,
    ACTION_VERSION,
    ACTION_LOG_HELP,            /* -d help */
    ACTION_CPU_HELP,            /* -cpu help */
    ACTION_DEVICE_HELP,         /* -device help */
    ACTION_MACHINE_HELP,        /* -machine help */
} ConfigAction;

typedef struct MachineConfig {
    ConfigAction action;
    uint64_t ram_size;
    char *bios, *kernel, *initrd, *append;
    /* -serial: COM1, COM2; `none` entries disable the port */
    ChardevSpec serial[CONFIG_MAX_SERIAL];
    bool serial_none[CONFIG_MAX_SERIAL];
    char serial_ref[CONFIG_MAX_SERIAL][32];    /* -serial chardev:ID */
    int serial_count;
    /* -debugcon */
    bool has_debugcon;
    ChardevSpec debugcon;
    /* -chardev */
    ChardevSpec chardevs[CONFIG_MAX_CHARDEVS];
    int chardev_count;
    /* -device */
    DeviceConfig devices[CONFIG_MAX_DEVICES];
    int device_count;
    DisplayKind display;
    bool nographic;
    bool no_reboot;
    bool nodefaults;
    uint32_t log_mask;
    char *log_file;
    const CpuModel *cpu_model;
    /* Deterministic clock (tests now; -icount once the CPU counts). */
    bool deterministic;
    unsigned icount_shift;
    bool icount_sleep;          /* -icount sleep=on: idle time passes in real time */
    /* -rtc base=...,clock=... */
    RtcBaseKind rtc_base;
    int64_t rtc_base_seconds;   /* RTC_BASE_DATE: the date as seconds since 1970-01-01 UTC */
    bool rtc_clock_vm;          /* clock=vm (default clock=host); both run on the machine clock */
    AccelKind accel;
    uint64_t tb_size_mib;       /* code cache of the native backend */
    bool perfmap;               /* write /tmp/perf-<pid>.map for perf */
} MachineConfig;

void config_init(MachineConfig *cfg);
void config_free(MachineConfig *cfg);

#endif
