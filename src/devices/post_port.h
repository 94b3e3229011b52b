/* Port 0x80, where BIOSes and kernels write POST (power-on self test)
 * progress codes; Linux also uses it as an I/O delay. See post_port.c. */
#ifndef JITPC_DEVICES_POST_PORT_H
#define JITPC_DEVICES_POST_PORT_H

#include <stdint.h>

#include "base/log.h"
#include "devices/device.h"
#include "mmu/memory.h"

typedef struct PostPort PostPort;

/* `log` may be NULL. The last code starts at 0. */
PostPort *post_port_new(Log *log);
/* Free the port; NULL is accepted. */
void post_port_free(PostPort *p);

/* One byte at 0x80; opaque = the PostPort. */
extern const IoOps post_port_io_ops;

/* The last code written (what a POST card would display). */
uint8_t post_port_last(const PostPort *p);

/* The embedded Device ("post"): reset clears the code; field table. */
Device *post_port_device(PostPort *p);

#endif
