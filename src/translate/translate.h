/* The guest-agnostic translation engine (IR, passes, backends, code cache,
 * execution loop) arrives with the CPU core issue. This header names the
 * library so the layout of DESIGN.md builds from the first commit. */
#ifndef JITPC_TRANSLATE_TRANSLATE_H
#define JITPC_TRANSLATE_TRANSLATE_H

/* Version of the translation engine's IR; bumped when the IR changes. */
int translate_ir_version(void);

#endif
