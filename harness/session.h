/*
 * session: one boot of the guest under gdb. Creates the private run directory,
 * starts QEMU stopped (-S) and gdb on vmlinux side by side (gdb loads its symbols
 * while QEMU starts), attaches, and offers the steps every command builds on: read
 * an MSR by injecting rdmsr at a kernel-mode stop, relocate symbols for KASLR, and
 * let the guest run to its end. Ending the session stops gdb and QEMU and removes the
 * run directory unless asked to keep it (it is always kept, and named, on failure).
 * Depends on gdb, qemu, elf.
 */
#ifndef KDIVE_SESSION_H
#define KDIVE_SESSION_H

#include "gdb.h"
#include "qemu.h"
#include "scenario.h"
#include "syscalls.h"
#include "util.h"

struct session_opts {
	const char *bzimage;   /* kernel image */
	const char *vmlinux;   /* its symbols */
	const char *initrd;    /* initramfs */
	const char *program;   /* guest program, or NULL */
	const char *args;      /* its arguments, comma-separated, or NULL */
	int kaslr;             /* boot without nokaslr */
	int keep;              /* keep the run directory */
	int gdb_port;          /* 0: unix socket */
	int timeout_s;         /* whole session limit; 0: 300 */
	int go;                /* boot at once; init waits for session_go() to run the program */
};

/* What conditions and captures in the guest program's task are built from. */
struct session_task {
	char *current;        /* the current task: "pcpu_hot.current_task" (6.9+) or "current_task" */
	char *comm;           /* condition: the current task is the program */
	char *orig_ax;        /* expression: the current syscall's pt_regs->orig_ax */
	uint64_t thread_size; /* THREAD_SIZE */
	uint64_t stack_top;   /* where pt_regs end: THREAD_SIZE less FRED's padding */
};

struct session {
	struct qemu qemu;      /* the guest */
	struct gdb gdb;        /* the debugger */
	char *rundir;          /* private directory: gdb.sock, console.log, gdb.mi; owned */
	int keep;              /* keep rundir at the end */
	int64_t t0;            /* when the session started */
	int64_t deadline;      /* t0 + the time limit */
	uint64_t slide;        /* KASLR slide applied to the symbols (0 with nokaslr) */
	const char *vmlinux;   /* not owned */
	const char *program;   /* guest program, not owned; NULL when none */
	int program_status;    /* its exit status once the guest finished, -1 before */
	struct session_task task; /* set by session_enter_program(); owned */
};

/*
 * Boot and attach. Without o->go the CPU waits at the reset vector (-S) and gdb is
 * attached; with it the kernel boots while gdb loads its symbols, untouched, init
 * waits for the go line before it runs the program, and session_run_scenario()
 * attaches once init is ready. 0, or -1 reported.
 */
int session_start(struct session *s, const struct session_opts *o);

/* Connect gdb to QEMU's gdbstub (halting the guest). 0, or -1 reported. */
int session_attach(struct session *s);

/*
 * Read a model-specific register at the current stop, which must be in kernel mode
 * (CPL 0) and not halted. Writes rdmsr (0f 32) at the pc, sets rcx, single-steps,
 * reads edx:eax, then restores the bytes and every register it touched and checks
 * the restore. Breakpoints are disabled during the step. 0, or -1 reported.
 */
int session_read_msr(struct session *s, uint32_t msr, uint64_t *value);

/* The privilege level of the current stop ($cs & 3); -1 reported on failure. */
int session_cpl(struct session *s);

/* -exec-continue and wait for a *stopped; returns the record or NULL (reported). */
struct mi_record *session_continue(struct session *s);

/*
 * KASLR without nokaslr's help: kernel symbols are wrong until relocated, but the
 * static guest program is not moved. Stop the fork program (prog: its binary) in
 * _Fork (checking the code bytes: busybox, also non-PIE, runs at the same addresses),
 * single-step across its syscall into the kernel: that pc must be MSR_LSTAR (read by
 * rdmsr). slide = LSTAR - &entry_SYSCALL_64, 2 MiB aligned; the symbols are relocated.
 * The guest is left stopped at entry_SYSCALL_64 of the fork's clone. 0 or -1.
 */
int session_find_slide(struct session *s, const char *prog, uint64_t *lstar, uint64_t *slide);

/* Relocate vmlinux's symbols by slide (symbol-file -o). 0, or -1 reported. */
int session_relocate(struct session *s, uint64_t slide);

/*
 * Let the guest run to its end: delete all breakpoints, continue, and wait for QEMU
 * to exit by itself (the guest's reboot -f). Then read the guest program's exit status
 * from the console (init prints it) into s->program_status. 0, or -1 reported with
 * the console tail (QEMU failed or hung, or the program never ran).
 */
int session_run_to_exit(struct session *s);

/*
 * Load the program's symbols (progs_dir/program), wait for init to be ready and
 * attach (go sessions), and stop at the program's main with every breakpoint still to
 * be set: the caller arms its own next. 0, or -1 with the reason in why.
 */
int session_enter_program(struct session *s, const char *progs_dir, const char *program,
			  struct strbuf *why);

/*
 * A breakpoint limited to the program's task (after session_enter_program()), to one
 * syscall number (syscall_nr >= 0) and to cond (or NULL); hardware for user-space
 * locations. Its gdb number, or -1 with gdb's reason in why.
 */
int session_break(struct session *s, int hardware, const char *location, int syscall_nr,
		  const char *cond, struct strbuf *why);

/* Frames of the current stop, innermost first, cut after the entry code. 0 or -1. */
int session_frames(struct session *s, struct obs_frame **out, size_t *n);
/* The current syscall's struct pt_regs, as 21 slots in x86-64's order (r15 ... ss). */
#define SESSION_PTREGS_NFIELDS 21
int session_ptregs(struct session *s, uint64_t regs[SESSION_PTREGS_NFIELDS]);
/* Name of pt_regs slot i ("r15", ..., "orig_ax", "ip", ..., "ss"). */
const char *session_ptregs_name(size_t i);
/* The user-space frames of the current syscall, unwound from regs. 0 or -1. */
int session_user_frames(struct session *s, const uint64_t regs[SESSION_PTREGS_NFIELDS],
			struct obs_frame **out, size_t *n);
/* MSR_LSTAR read at this kernel stop, and its symbol in vmlinux (new string). 0 or -1. */
int session_lstar(struct session *s, uint64_t *value, char **symbol);

/*
 * Run one scenario on a started session (session_enter_program() first: symbols,
 * attach, a stop at the program's main, so that the scenario's breakpoints and their
 * conditions cost nothing during the boot), then arm every stop limited to the
 * program's own task (and to one syscall, by the kernel's own number), capture each
 * stop's kernel frames, user frames (unwound from the syscall's pt_regs) and checked
 * values, then let the guest run to its end. Fills obs (one obs_stop per stop; a stop
 * never reached has hit 0). Returns 0 when the run completed (whatever matched), -1
 * on an infrastructure failure (obs->error says what, the console tail included).
 */
int session_run_scenario(struct session *s, const struct scenario *sc,
			 const struct syscalls *table, const char *progs_dir, struct obs_run *obs);

/* Append the console tail for error messages. */
void session_console_tail(struct session *s, struct strbuf *out);

/* Stop everything; remove the run directory if ok and not keep, else say where it is. */
void session_end(struct session *s, int ok);

#endif
