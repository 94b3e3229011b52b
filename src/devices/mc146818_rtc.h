/* Motorola MC146818A real-time clock with 128 bytes of CMOS RAM, as wired
 * in a PC: index port 0x70 (bit 7 masks NMI), data port 0x71, interrupt
 * output on IRQ8. The board fills the PC's CMOS layout (memory sizes, boot
 * order) through rtc_cmos_fill_pc; the guest-visible behaviour follows the
 * MC146818A datasheet; see mc146818_rtc.c. */
#ifndef JITPC_DEVICES_MC146818_RTC_H
#define JITPC_DEVICES_MC146818_RTC_H

#include <stdbool.h>
#include <stdint.h>

#include "base/clock.h"
#include "base/irq.h"
#include "base/log.h"
#include "devices/device.h"
#include "mmu/memory.h"

#define RTC_CMOS_SIZE 128

/* CMOS bytes the PC BIOS and operating systems read (IBM AT layout plus
 * the extensions SeaBIOS uses). */
enum {
    RTC_REG_A = 0x0A,
    RTC_REG_B = 0x0B,
    RTC_REG_C = 0x0C,
    RTC_REG_D = 0x0D,
    CMOS_SHUTDOWN = 0x0F,
    CMOS_FLOPPY_TYPES = 0x10,       /* high nibble drive A, low nibble drive B */
    CMOS_DISK_TYPES = 0x12,         /* high nibble disk 0, low nibble disk 1 */
    CMOS_EQUIPMENT = 0x14,
    CMOS_BASE_MEM_LO = 0x15,        /* KiB below 1 MiB (640) */
    CMOS_BASE_MEM_HI = 0x16,
    CMOS_EXT_MEM_LO = 0x17,         /* KiB above 1 MiB, at most 0xFFFF */
    CMOS_EXT_MEM_HI = 0x18,
    CMOS_DISK0_EXT_TYPE = 0x19,
    CMOS_DISK1_EXT_TYPE = 0x1A,
    CMOS_CHECKSUM_HI = 0x2E,        /* sum of 0x10-0x2D */
    CMOS_CHECKSUM_LO = 0x2F,
    CMOS_EXT_MEM2_LO = 0x30,        /* copy of 0x17/0x18 */
    CMOS_EXT_MEM2_HI = 0x31,
    CMOS_CENTURY = 0x32,            /* live: follows the clock */
    CMOS_MEM_16M_LO = 0x34,         /* 64 KiB units above 16 MiB (below 4 GiB) */
    CMOS_MEM_16M_HI = 0x35,
    CMOS_CENTURY_PS2 = 0x37,        /* live: same as 0x32 */
    CMOS_BOOT_FLAG1 = 0x38,         /* SeaBIOS: third boot device, floppy sig check */
    CMOS_BOOT_FLAG2 = 0x3D,         /* SeaBIOS: first and second boot devices */
    CMOS_MEM_4G_LO = 0x5B,          /* 64 KiB units above 4 GiB, 24 bits */
    CMOS_MEM_4G_MID = 0x5C,
    CMOS_MEM_4G_HI = 0x5D,
    CMOS_CPU_COUNT = 0x5F,          /* SeaBIOS: number of CPUs - 1 */
};

/* SeaBIOS's CMOS boot device codes (one per nibble). */
typedef enum RtcBootDevice {
    RTC_BOOT_NONE = 0,
    RTC_BOOT_FLOPPY = 1,
    RTC_BOOT_DISK = 2,
    RTC_BOOT_CDROM = 3,
    RTC_BOOT_NETWORK = 4,
} RtcBootDevice;

/* What rtc_cmos_fill_pc writes. */
typedef struct RtcPcInfo {
    uint64_t ram_below_4g;          /* bytes of RAM from address 0 (the board's split) */
    uint64_t ram_above_4g;          /* bytes of RAM from 4 GiB up */
    uint8_t floppy_type[2];         /* AT drive types: 0 none, 4 = 1.44 MB, 5 = 2.88 MB */
    bool disk_present[2];           /* primary master/slave hard disks (type 47) */
    bool fpu;                       /* equipment byte bit 1 */
    unsigned cpus;                  /* 0x5F = cpus - 1 (0 is taken as 1) */
    RtcBootDevice boot[3];          /* SeaBIOS boot order, first to third */
    bool skip_floppy_sig;           /* 0x38 bit 0: boot floppies without 0xAA55 */
} RtcPcInfo;

typedef struct Mc146818Rtc Mc146818Rtc;

/* An RTC in its power-on state (A = 0x26, B = 0x02: BCD, 24-hour; C = 0;
 * D = 0x80; CMOS RAM zero) whose clock reads `base_seconds` (seconds since
 * 1970-01-01 00:00:00, read as a calendar in the RTC's own zone) now and
 * runs on `clock`. `irq8` follows IRQF. `log` may be NULL. */
Mc146818Rtc *rtc_new(Clock *clock, IrqLine irq8, Log *log, int64_t base_seconds);
/* Free the timer and the RTC; NULL is accepted. */
void rtc_free(Mc146818Rtc *rtc);

/* Two byte-wide ports (index at offset 0, data at 1); opaque = the RTC. */
extern const IoOps rtc_io_ops;

/* The embedded Device ("rtc"). Its reset is the chip's RESET pin (clears
 * PIE, AIE, UIE, SQWE and the C flags), which keeps time and CMOS: a PC
 * reboot does not lose them. */
Device *rtc_device(Mc146818Rtc *rtc);

/* CMOS RAM as the board sees it. Bytes 0x0E-0x7F except the century bytes
 * are plain storage; the clock registers (0x00-0x0D) and 0x32/0x37 read as
 * the guest would (without side effects) and ignore rtc_set_cmos: use
 * rtc_set_time for them. Indexes above 0x7F are ignored / read 0xFF. */
void rtc_set_cmos(Mc146818Rtc *rtc, unsigned index, uint8_t value);
uint8_t rtc_get_cmos(Mc146818Rtc *rtc, unsigned index);
/* Set the clock to `seconds` since the epoch (same meaning as in rtc_new). */
void rtc_set_time(Mc146818Rtc *rtc, int64_t seconds);
/* The time the clock registers show now (or hold while halted). */
int64_t rtc_get_time(Mc146818Rtc *rtc);
/* Fill the PC fields a BIOS reads and recompute the checksum. */
void rtc_cmos_fill_pc(Mc146818Rtc *rtc, const RtcPcInfo *info);
/* Recompute 0x2E/0x2F over 0x10-0x2D after changing those bytes. */
void rtc_cmos_update_checksum(Mc146818Rtc *rtc);
/* Port 0x70 bit 7 as last written: the board gates NMI with it. */
bool rtc_nmi_masked(const Mc146818Rtc *rtc);

/* Seconds since 1970-01-01 of a proleptic Gregorian date and time; no
 * range check (callers validate). Also used by the -rtc option. */
int64_t rtc_civil_to_seconds(int64_t year, unsigned month, unsigned day, unsigned hour, unsigned min,
                             unsigned sec);

#endif
