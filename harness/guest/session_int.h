/*
 * session_int: what session's parts (session.c, session_msr.c, session_frames.c) share and nothing
 * else may use: waiting for a stop, a gdb command that takes a file, the KASLR steps
 * of entering a program, and relocation. Depends on session.
 */
#ifndef KDIVE_SESSION_INT_H
#define KDIVE_SESSION_INT_H

#include "session.h"

/* Wait for the *stopped of a command that set the guest running, until the monotonic
 * deadline (0 or later than the session's: the session's). 0, or -1 reported. */
int session_wait_stop(struct session *s, int64_t deadline, struct session_stop *st);
/* A gdb CLI command that takes a file: cmd FILE, the file one argument (made absolute
 * for gdb, quoted). 0, or -1 reported. */
int session_console_file(struct session *s, const char *cmd, const char *file);
/* KASLR, symbols not yet relocated: stop at the program's main (prog: its symbols'
 * file) by its address in the program, which KASLR does not move, init told to run it.
 * 0, or -1 with the reason in why. */
int session_kaslr_stop_at_main(struct session *s, const char *prog, struct strbuf *why);
/* At main under KASLR: find the slide (a getpid injected there enters the kernel at
 * MSR_LSTAR), relocate the symbols, put the program back as it was. 0, or -1 with why. */
int session_kaslr_find_slide(struct session *s, const char *prog, struct strbuf *why);
/* Check struct pt_regs against gdb's view of the type, once per session. 0/-1 reported. */
int session_check_ptregs(struct session *s);
/* Relocate gdb's kernel symbols (and the layout's per-CPU expression) by slide. 0/-1. */
int session_relocate(struct session *s, uint64_t slide);

#endif
