/*
 * session_int: what session's parts (session.c, session_open.c, session_msr.c,
 * session_frames.c, session_prog.c) share and nothing
 * else may use: waiting for a stop, a gdb command that takes a file, the KASLR steps
 * of entering a program, and relocation. Depends on session.
 */
#ifndef KDIVE_SESSION_INT_H
#define KDIVE_SESSION_INT_H

#include "session.h"

/* A session with nothing started yet (what session_end() can always end): times from
 * now, a time limit of timeout_s (<= 0: $KDIVE_TIMEOUT, or 300 s), vmlinux's. */
void session_init(struct session *s, const char *vmlinux, int timeout_s);
/* Wait for the *stopped of a command that set the guest running, until the monotonic
 * deadline (0 or later than the session's: the session's). 0, or -1 reported. */
int session_wait_stop(struct session *s, int64_t deadline, struct session_stop *st);
/*
 * Before a finish from the selected frame (frame): its own breakpoint where the frame
 * returns to, for every CPU, that holds on that frame's stack only. gdb's finish
 * breakpoint is the CPU's (gdb's thread), and on an SMP guest the task may return on
 * another (the scheduler moves it: sched_exec() at execve, a busy neighbour), where
 * gdb's finish would never end. Sets s->finish_bp (0 for an inlined frame, which
 * returns nowhere: gdb's finish steps out of it); the next stop there is reported as
 * "function-finished" and the breakpoint goes. *type (type not NULL): the function's
 * return type (NULL: void, or unknown). 0, or -1 reported.
 */
int session_finish_guard(struct session *s, size_t frame, char **type);
/* A gdb CLI command that takes a file: cmd FILE, the file one argument (made absolute
 * for gdb, quoted). 0, or -1 reported. */
int session_console_file(struct session *s, const char *cmd, const char *file);
/* KASLR, symbols not yet relocated: stop at the program's main (prog: its symbols'
 * file) by its address in the program, which KASLR does not move, init told to run it.
 * 0, or -1 with the reason in why. */
int session_kaslr_stop_at_main(struct session *s, const char *prog, struct strbuf *why);
/* At main under KASLR: find the slide (a getpid injected there enters the kernel at
 * MSR_LSTAR), relocate the symbols (unless gdb loaded them relocated by that slide
 * already: s->slide, a snapshot's), put the program back as it was. 0, or -1 with why. */
int session_kaslr_find_slide(struct session *s, struct strbuf *why);
/* Park gdb in the session's spare after a session that went well (session_open.c):
 * the target gone, every breakpoint deleted, the program's symbols removed. 0, or -1
 * (not parked: session_end() stops it). */
int session_park_gdb(struct session *s);
/* Check struct pt_regs against gdb's view of the type, once per session. 0/-1 reported. */
int session_check_ptregs(struct session *s);
/* The CPU holds a syscall's user registers (session_select_frame()): put the kernel's
 * back and check them. 0 (also when it did not), or -1 reported. */
int session_user_view_leave(struct session *s);
/* Relocate gdb's kernel symbols (and the layout's per-CPU expression) by slide. 0/-1. */
int session_relocate(struct session *s, uint64_t slide);

/*
 * The program's side (session_prog.c). prepare: the program's names and symbol file
 * (img->user, else the built-in program), and the guest's disk in the run directory
 * with the user's files on it; on a kernel without virtio-blk, the files go into this
 * boot's initramfs instead and *snapdir becomes NULL (no warm snapshot). 0 or -1
 * reported. symbols: gdb loads the program's (relocated for a PIE). 0 or -1.
 * verdict: the program's exit status and output from the console's len bytes; 0, or
 * -1 when the console never says it ended. release: what prepare and verdict made.
 */
int session_prog_prepare(struct session *s, const struct session_image *img, const char *program,
			 const char **snapdir);
int session_prog_symbols(struct session *s);
/* gdb keeps the indexes it builds for symbols without one in dir (a dynamic program's
 * libraries: libc's debug info takes it 0.2 s to read, 0.03 s with its index). */
void session_prog_index_cache(struct session *s, const char *dir);
int session_prog_verdict(struct session *s, const char *console, size_t len);
/* At the program's main: gdb's symbols for each library a dynamic program loaded, at
 * its address (the guest's link map). 0 (nothing for a static one), or -1 reported. */
int session_prog_libraries(struct session *s);
void session_prog_release(struct session *s);

#endif
