/*
 * session: the only door to a guest's gdb, and the only code that knows the kernel's
 * layout. One boot of the guest under gdb: creates the private run directory, starts
 * QEMU and gdb on vmlinux side by side, attaches, and offers the primitives every
 * command builds on — continue to the next stop, breakpoints limited to the guest
 * program's task (and to one syscall), frames, the syscall's struct pt_regs and the
 * user-space frames unwound from it, MSR reads by rdmsr injection, KASLR relocation,
 * gdb console commands, handing a stopped guest over, and running the guest to its
 * end. Ending the session stops gdb and QEMU and removes the run directory unless
 * asked to keep it (it is always kept, and named, on failure).
 * Its parts: session.c (stops, breakpoints, gdb commands, the end), session_open.c
 * (opening: QEMU and gdb side by side, a kept gdb, the program held, attached, run to
 * main; the warm guest's command line for a person), session_layout.c (the layout rules; kdive gives gdb the facts, and gdbinit/kdive.py
 * derives the same when sourced by hand), session_msr.c (rdmsr, LSTAR, KASLR) and
 * session_frames.c (pt_regs, kernel and user frames, selecting a frame of either),
 * session_prog.c (the program's side) and session_debug.c (attaching to another's
 * guest, CPUs, steps, locations, ignore counts, variables: what a debug adapter
 * needs); session_int.h is theirs alone.
 * Depends on gdb, qemu, warm, elf, obs.
 */
#ifndef KDIVE_SESSION_H
#define KDIVE_SESSION_H

#include "gdb.h"
#include "obs.h"
#include "qemu.h"
#include "userprog.h"
#include "strbuf.h"
#include "strvec.h"
#include "warm.h"

/* MSRs kdive reads (Intel SDM vol. 4, table 2-2). */
#define SESSION_MSR_STAR 0xc0000081u         /* SYSCALL/SYSRET segment selectors */
#define SESSION_MSR_LSTAR 0xc0000082u        /* the 64-bit syscall entry point */
#define SESSION_MSR_SYSCALL_MASK 0xc0000084u /* RFLAGS bits cleared on syscall */

/*
 * struct pt_regs on x86-64, in the order entry_64.S pushes it (PUSH_AND_CLEAR_REGS,
 * lowest address first): 21 slots of 8 bytes.
 */
enum session_ptreg {
	SESSION_PT_R15, SESSION_PT_R14, SESSION_PT_R13, SESSION_PT_R12, SESSION_PT_BP,
	SESSION_PT_BX, SESSION_PT_R11, SESSION_PT_R10, SESSION_PT_R9, SESSION_PT_R8,
	SESSION_PT_AX, SESSION_PT_CX, SESSION_PT_DX, SESSION_PT_SI, SESSION_PT_DI,
	SESSION_PT_ORIG_AX, SESSION_PT_IP, SESSION_PT_CS, SESSION_PT_FLAGS, SESSION_PT_SP,
	SESSION_PT_SS,
	SESSION_PT_NSLOTS
};
#define SESSION_PTREGS_SIZE (8 * SESSION_PT_NSLOTS) /* sizeof(struct pt_regs) */
/* Name of pt_regs slot i ("r15", ..., "orig_ax", "ip", ..., "ss"), NULL past the end. */
const char *session_ptreg_name(size_t i);
/* The slot called name, or -1. */
int session_ptreg_find(const char *name);

/*
 * A kernel's layout as far as the entry path and kdive's conditions need it, read
 * from vmlinux's symbol table (no gdb needed, so the debug script can use it too).
 */
struct session_layout {
	char *var;            /* the variable: pcpu_hot.current_task (6.2+) or current_task; owned */
	char *current;        /* expression for the running task: var, per CPU on SMP
				 kernels (session_layout_relocate()); owned */
	uint64_t thread_size; /* THREAD_SIZE: the init stack's size */
	uint64_t stack_top;   /* offset from a task's stack base to the end of pt_regs:
				 THREAD_SIZE less FRED's 16 bytes of padding */
	int fred;             /* FRED entry code is built in (6.9+) */
	int smp;              /* per-CPU variables have per-CPU copies (__per_cpu_offset) */
};

/* Read vmlinux's layout. 0, or -1 reported (not a vmlinux kdive understands). */
int session_layout_read(struct session_layout *l, const char *vmlinux);
void session_layout_release(struct session_layout *l);
/*
 * Symbols relocated by slide (KASLR): per-CPU variables (SMP) are offsets from each
 * CPU's base, which KASLR leaves alone, so current takes the slide off again.
 */
void session_layout_relocate(struct session_layout *l, uint64_t slide);
/*
 * Append to out the gdb condition "the running task is program [and its current
 * syscall is syscall_nr (>= 0)] [and (cond)]". Plain expressions after the first
 * term: gdb type-checks the unevaluated side of && with dummy values, which a
 * convenience function does not survive. The same rule as kdive.py's kd_condition().
 * 0; -1 with the reason in why when cond is no single operand (quote_c_operand()).
 */
int session_layout_cond(const struct session_layout *l, const char *program, int syscall_nr,
			const char *cond, struct strbuf *out, struct strbuf *why);

/*
 * A gdb kept from one session for the next (kdive run: one per worker): vmlinux's
 * symbols stay loaded, and the next session on the same vmlinux (without KASLR, whose
 * symbols are relocated) takes it over instead of starting one. A session that ends
 * well parks its gdb here: every breakpoint deleted, the target gone, the program's
 * symbols removed. Release it with session_spare_release().
 */
struct session_spare {
	struct gdb gdb;        /* the parked gdb, when have */
	char *vmlinux;         /* what it loaded; owned */
	int have;              /* a gdb is parked */
};
void session_spare_release(struct session_spare *sp);

/* How a guest boots: the options every command that opens one shares. */
struct boot_opts {
	int keep;              /* keep the run directory */
	int timeout_s;         /* whole session limit; 0: $KDIVE_TIMEOUT, else 300 */
	int gdb_port;          /* 0: a private unix socket; N: TCP 127.0.0.1:N */
	int kaslr;             /* boot without nokaslr: the slide is found and applied */
	int cpus;              /* guest CPUs; 0: one */
	const char *append;    /* more kernel command line, or NULL */
	const char *snapshots; /* restore the guest from a warm snapshot in this directory,
				  or boot and save one there (warm.h); NULL: boot */
	const char *gdb_index; /* gdb's index cache (the symbols of a user program's
				  libraries, read once), or NULL */
	struct session_spare *spare; /* take gdb from here, and park it here at the end,
					or NULL: a gdb of the session's own */
	char *rundir;          /* the run directory, made by the caller (qemu_make_rundir()):
				  session_open() takes it over, whatever it returns (the
				  caller forgets it), or NULL: the session makes one */
};

/* What a guest boots. Nothing owned. */
struct session_image {
	const char *bzimage;   /* kernel image */
	const char *vmlinux;   /* its symbols */
	const char *initrd;    /* initramfs */
	const char *progs;     /* directory of the guest programs with their symbols */
	const struct userprog *user; /* a user's program (userprog.h), or NULL: the program
					is a built-in of progs */
};

struct session {
	struct qemu qemu;      /* the guest */
	struct gdb gdb;        /* the debugger */
	char *rundir;          /* private directory: gdb.sock, console.log, gdb.mi; owned */
	int keep;              /* keep rundir at the end */
	int64_t t0;            /* when the session started */
	int64_t deadline;      /* t0 + the time limit */
	int kaslr;             /* booted with KASLR: session_open() finds the slide */
	uint64_t slide;        /* KASLR slide applied to the symbols (0 with nokaslr) */
	uint64_t lstar;        /* KASLR: MSR_LSTAR, where the probe's syscall entered */
	const char *vmlinux;   /* not owned */
	const char *program;   /* the program's name (its task's comm), not owned; NULL: none */
	const char *go_name;   /* what the run line names: a built-in's name or a user
				  program's guest path; not owned */
	char *prog_elf;        /* the program's symbol file; owned */
	int prog_loaded;       /* gdb has prog_elf's symbols */
	uint64_t prog_base;    /* where a PIE program is loaded (0: as linked) */
	const struct userprog *user; /* the user's program, or NULL: a built-in; not owned */
	char *disk;            /* the guest's disk image in the run directory; owned */
	char *initrd;          /* this boot's own initramfs (no virtio-blk), or NULL; owned */
	struct strvec libraries; /* a dynamic program's libraries as gdb loaded them:
				    "0xBASE PATH" each; owned */
	char *program_output;  /* what the program printed (console), or NULL; owned */
	size_t program_output_len;
	int program_status;    /* its exit status once the guest finished, -1 before */
	int target_gone;       /* gdb reported that the target exited (QEMU closed the stub) */
	struct session_layout layout; /* the kernel's layout; owned */
	int layout_checked;    /* struct pt_regs was checked against gdb's view */
	const struct strvec *args; /* the program's arguments, not owned; NULL: none */
	struct warm warm;      /* the guest's warm snapshot (snapshots only); owned */
	int restored;          /* 1: the guest was restored from warm, not booted */
	int slot;              /* KASLR: the warm pool slot the guest was restored from, or
				  booted and saved as (warm.h); -1: none */
	int save;              /* 1: save the guest as warm once init is ready */
	int64_t restore_ms;    /* restored: how long the restore took */
	struct qemu_opts qo;   /* how QEMU was started (a failed restore boots with it) */
	int restoring;         /* 1: QEMU loads the snapshot; session_open() waits for it */
	int64_t restore_t0;    /* when it started */
	int64_t phase_ms;      /* when the last phase was reached (session_phase()) */
	struct session_spare *spare; /* where gdb is parked at the end, or NULL; not owned */
	int gdb_kept;          /* gdb came from spare */
	size_t frame;          /* the frame selected in gdb (session_select_frame(), a finish
				  from an outer frame); 0 once the guest stopped again */
	int user_view;         /* the CPU holds a syscall's user registers for gdb to unwind
				  the user stack (session_select_frame()); the kernel's are in
				  user_saved */
	uint64_t user_saved[8]; /* the kernel's rip, rsp, rbp, rbx, r12-r15 meanwhile */
	int finish_bp;         /* a finish's breakpoint where the function returns, until
				  the guest stops (session_finish_guard()); 0: none */
	int64_t resumed;       /* when the guest was last let run (resume, step) */
	int64_t interrupted;   /* when gdb was last sent SIGINT since; 0: not yet */
	int attached;          /* the guest is another's (session_attach_guest()): no QEMU of
				  kdive's; ending the session lets it go on */
};

/* Where the guest stopped. */
struct session_stop {
	char *reason;          /* gdb's reason: "breakpoint-hit", "end-stepping-range", ...; owned */
	int bkpt;              /* the breakpoint hit, or -1 */
	int thread;            /* gdb's thread (a guest CPU) that stopped, or 0 when not said */
	char *func;            /* the function of frame 0, or NULL; owned */
	char *retval;          /* a finish's return value as gdb prints it, or NULL; owned */
};
void session_stop_release(struct session_stop *st);

/*
 * The one way to open a guest: boot it (or restore it from b->snapshots' warm
 * snapshot; a bad one: one line, and a boot, saved when init is ready) while gdb
 * loads vmlinux, attach when init waits for its program, load the program's symbols
 * (img->progs/program), and stop at its main with every breakpoint still to be set.
 * The program gets args (NULL: none) byte for byte. Under KASLR the slide is found
 * there first: a getpid syscall injected at main enters the kernel at MSR_LSTAR (read
 * by rdmsr), slide = LSTAR - &entry_SYSCALL_64, the symbols are relocated, and the
 * program is put back exactly as it was. 0; -1 with the reason in why (or reported,
 * why empty). session_end() is called either way.
 */
int session_open(struct session *s, const struct session_image *img, const struct boot_opts *b,
		 const char *program, const struct strvec *args, struct strbuf *why);

/*
 * For a person who runs the guest by hand (kdive debug --print-cmd): the QEMU command
 * line that restores the warm snapshot session_open() would restore for a built-in
 * program, with its files in rundir (console.log, gdb.sock, disk.img, which must be
 * USERPROG_MAX_BYTES long, and the FIFO pair go.in and go.out for the run line) and
 * no monitor, into argv, and the saved guest's file, which QEMU reads as its fd 3 (a
 * shell's 3<FILE), into *state (a new string). 0; 1 when there is no snapshot to
 * restore (why says why); -1 reported. Starts nothing, writes nothing.
 */
int session_warm_command(const struct session_image *img, const struct boot_opts *b,
			 const char *rundir, struct strvec *argv, char **state,
			 struct strbuf *why);

/*
 * The other door: attach to a guest kdive did not start, its gdbstub's unix socket
 * target (kdive debug --print-cmd's QEMU: a built-in program, without KASLR), with
 * vmlinux's symbols and the built-in program's (img->progs/program). The guest stays
 * where it is (the reset vector, or wherever it was stopped); console, when not NULL,
 * is its console's log. Ending the session detaches gdb and the guest goes on. 0; -1
 * with the reason in why (or reported, why empty). session_end() is called either way.
 */
int session_attach_guest(struct session *s, const struct session_image *img, const char *target,
			 const char *console, const char *program, struct strbuf *why);

/* What an open session is, for commands and reports (they never read its fields). */
struct session_info {
	const char *rundir;    /* the run directory; the session's */
	int restored;          /* restored from a warm snapshot, not booted */
	int slot;              /* the KASLR snapshot pool's slot, or -1 */
	uint64_t slide;        /* KASLR slide applied to the symbols (0 with nokaslr) */
	uint64_t lstar;        /* KASLR: MSR_LSTAR, where the probe's syscall entered */
	int program_status;    /* the program's exit status once the guest ended, else -1 */
	const char *program_output; /* what it printed on the console then, or NULL */
	const struct strvec *libraries; /* a dynamic program's libraries: "0xBASE PATH" */
	size_t program_output_len;
	int kvm;               /* QEMU runs under KVM (else TCG) */
	const char *current;   /* gdb expression for the running task (struct task_struct *) */
	const char *console;   /* the guest console's log file (grows while the guest runs) */
	uint64_t thread_size;  /* THREAD_SIZE: a task's kernel stack */
	uint64_t stack_top;    /* offset from a task's stack base to the end of pt_regs */
	int64_t t0;            /* when the session started (monotonic ms) */
};
void session_describe(const struct session *s, struct session_info *info);

/*
 * Continue and wait for the next stop until the monotonic deadline (0: the session's),
 * filling st (may be NULL). 0; 1 when the guest powered off first (QEMU exited, or gdb
 * says the target exited; nothing reported); -2 when the deadline passed with gdb and
 * QEMU alive (not reported: the caller knows what it waited for); -1 reported (gdb or
 * QEMU died, gdb said something else).
 */
int session_continue(struct session *s, int64_t deadline, struct session_stop *st);
/*
 * The same in pieces, for a caller that waits on other things too (kdive serve):
 * session_resume() lets the guest run; session_stop_fd() is the descriptor to poll;
 * session_poll_stop() takes a stop that arrived: 1 with st filled (st->reason
 * "exited..." when the guest ended), 0 when none yet, -1 reported.
 * session_interrupt() stops a running guest (a SIGINT to gdb; the stop arrives as
 * one more). 0 or -1 reported.
 */
int session_resume(struct session *s);
int session_stop_fd(struct session *s);
int session_poll_stop(struct session *s, struct session_stop *st);
int session_interrupt(struct session *s);
/*
 * Stop a running guest when a SIGINT to gdb is due, for a caller that asks again at each
 * poll until the stop comes: not within SESSION_INTERRUPT_AFTER_MS of the resume (a
 * SIGINT right after gdb let the target run can be lost), and again only
 * SESSION_INTERRUPT_AGAIN_MS after the last one (not sooner: a second SIGINT while gdb
 * waits for the first one's stop asks it to give up the target). 1 sent, 0 not due yet,
 * -1 reported.
 */
#define SESSION_INTERRUPT_AFTER_MS 100
#define SESSION_INTERRUPT_AGAIN_MS 3000
int session_interrupt_due(struct session *s);
/*
 * Why the session failed, as far as it can tell: the guest kernel's panic line, a
 * full run directory, gdb's or QEMU's death (with its status). 1 with that appended
 * to why, 0 when it knows nothing more than what was reported.
 */
int session_why_failed(struct session *s, struct strbuf *why);
/* 1 when the run directory's filesystem is full (its logs are cut short). */
int session_rundir_full(struct session *s);
/* 1 when the guest's kernel panicked ("Kernel panic - ..." into line); else 0. */
int session_guest_panic(struct session *s, struct strbuf *line);
/* 1 once QEMU exited by itself with status 0 (the guest powered off). */
int session_guest_off(struct session *s);

/* The privilege level of the current stop ($cs & 3); -1 reported on failure. */
int session_cpl(struct session *s);

/*
 * Read a model-specific register at the current stop, which must be in kernel mode
 * (CPL 0) and not halted. Writes rdmsr (0f 32) at the pc, sets rcx, single-steps,
 * reads edx:eax, then restores the bytes and every register it touched and checks
 * the restore. 0, or -1 reported.
 */
int session_read_msr(struct session *s, uint32_t msr, uint64_t *value);
/* MSR_LSTAR read at this kernel stop, and its symbol in vmlinux (new string). 0 or -1. */
int session_lstar(struct session *s, uint64_t *value, char **symbol);

/*
 * Let the guest run to its end: delete all breakpoints, continue, and wait for QEMU
 * to exit by itself (the guest's init reboots). Then read the guest program's exit status
 * from the console (init prints it) into s->program_status. 0, or -1 reported with
 * the console tail (QEMU failed or hung, or the program never ran).
 */
int session_run_to_exit(struct session *s);
/*
 * Once the guest has ended (by itself: session_run_to_exit() does this too), the
 * program's exit status and output from the console. 0, or -1 (quietly) when the
 * console does not say the program ended.
 */
int session_read_verdict(struct session *s);


/*
 * A breakpoint limited to the program's task (session_layout_cond), to one syscall
 * number (syscall_nr >= 0) and to cond (or NULL); hardware for user-space locations.
 * Its gdb number, or -1 with gdb's reason in why.
 */
int session_break(struct session *s, int hardware, const char *location, int syscall_nr,
		  const char *cond, struct strbuf *why);
/* A breakpoint for any task. Its number, or -1 reported. */
int session_break_any(struct session *s, int hardware, const char *location);
/* Delete one breakpoint (bkpt < 0: every breakpoint). 0 or -1 reported. */
int session_delete(struct session *s, int bkpt);
/* Enable or disable the n breakpoints listed (negative numbers are skipped). 0 or -1. */
int session_enable(struct session *s, const int *bkpts, size_t n, int enable);
/*
 * How often each of the n breakpoints listed was hit (negative numbers: 0). A stop
 * names one breakpoint; others at the same address whose conditions held were hit
 * with it, and only their counts say so. 0, or -1 reported.
 */
int session_hit_counts(struct session *s, const int *bkpts, size_t n, int *times);

/*
 * Run until frame (0: the innermost) returns; st->retval gets its value, when gdb
 * says one. 0, or -1 reported.
 */
int session_finish(struct session *s, size_t frame, struct session_stop *st);

/* Frames of the current stop, innermost first, cut after the entry code. 0 or -1. */
int session_frames(struct session *s, struct obs_frame **out, size_t *n);
/* The current syscall's struct pt_regs (the running task's), by slot. 0 or -1. */
int session_ptregs(struct session *s, uint64_t regs[SESSION_PT_NSLOTS]);
/* The user-space frames of the current syscall, unwound from regs. 0 or -1. */
int session_user_frames(struct session *s, const uint64_t regs[SESSION_PT_NSLOTS],
			struct obs_frame **out, size_t *n);

/*
 * Select frame for what follows (session_eval(), session_locals(), session_children()):
 * of the kernel stack (user_regs NULL), or of the user stack that session_user_frames()
 * unwinds from user_regs (the syscall's pt_regs; the CPU holds the user registers until
 * the next selection, resume or step, which put the kernel's back and check them).
 * session_select_frame(s, 0, NULL) puts everything back. 0, or -1 reported.
 */
int session_select_frame(struct session *s, size_t frame, const uint64_t *user_regs);

/* Read len bytes of guest memory at addr into buf. 0, or -1 reported. */
int session_read_memory(struct session *s, uint64_t addr, size_t len, unsigned char *buf);
/* Evaluate expr; gdb's value text (new string), or NULL with gdb's reason in why. */
char *session_eval(struct session *s, const char *expr, struct strbuf *why);
/* Several registers by name in one round trip. 0, or -1 reported. */
int session_registers(struct session *s, const char *const *names, size_t n, uint64_t *values);

/* One disassembled instruction. */
struct session_insn {
	uint64_t addr;         /* where it is */
	char *func;            /* its function, or NULL; owned */
	int offset;            /* its offset in func */
	char *text;            /* "mov    $0x38,%eax"; owned */
};
/* Disassemble len bytes from addr. 0 with *out (free with session_insns_free), or -1. */
int session_disassemble(struct session *s, uint64_t addr, size_t len, struct session_insn **out,
			size_t *n);
void session_insns_free(struct session_insn *insns, size_t n);

/*
 * What an interactive debugger needs (session_debug.c): source-level steps, where a
 * location resolves, ignore counts, the variables of the selected frame and the
 * children of a structure, by gdb's variable objects.
 */
enum session_step_kind {
	SESSION_STEP_OVER,     /* the next source line, over calls (gdb's next) */
	SESSION_STEP_INTO,     /* the next source line, into calls (step) */
	SESSION_STEP_OUT,      /* until frame 0 returns (finish) */
};
/*
 * Let the guest run one step from frame 0 (the kernel's registers back first); the
 * stop arrives as a resume's does (session_stop_fd(), session_poll_stop()). 0, or -1
 * reported.
 */
int session_step(struct session *s, enum session_step_kind how);
/*
 * Where location resolves (its first address) and its source file and line when gdb
 * knows them (*file a new string or NULL, *line 0): a disabled breakpoint is made and
 * deleted. 0, or -1 with gdb's reason in why.
 */
int session_locate(struct session *s, const char *location, uint64_t *addr, char **file,
		   int *line, struct strbuf *why);
/*
 * Sources under from (the directory a program's DWARF names: /kdive/progs, /kdive/user)
 * are found under to (where they are on this machine): gdb's file names and source
 * breakpoints use the host's paths (set substitute-path). 0, or -1 reported.
 */
int session_source_map(struct session *s, const char *from, const char *to);
/* Let breakpoint bkpt pass its next count hits (gdb's ignore count). 0, or -1 reported. */
int session_ignore(struct session *s, int bkpt, int count);

/* A guest CPU as gdb shows it (a thread of QEMU's gdbstub), and the task it runs. */
struct session_thread {
	int id;                /* gdb's thread id */
	int cpu;               /* the CPU: its place in gdb's list, from 0 */
	char *comm;            /* its current task's comm, or NULL when unreadable; owned */
	long pid;              /* that task's pid, or -1 */
};
/*
 * The guest's CPUs and each one's current task (the layout's per-CPU current, read on
 * each CPU in turn); *current gets gdb's selected thread, which stays selected. 0 with
 * *out (free with session_threads_free()), or -1 reported.
 */
int session_threads(struct session *s, struct session_thread **out, size_t *n, int *current);
void session_threads_free(struct session_thread *t, size_t n);
/* Select gdb's thread id (a CPU) for what follows: frames, pt_regs, variables, steps
 * (the kernel's registers back first). 0, or -1 reported. */
int session_select_thread(struct session *s, int id);

/* A variable, or a child of one. */
struct session_var {
	char *name;            /* "prev", "[3]", "comm"; owned */
	char *type;            /* its C type as gdb says it, or NULL; owned */
	char *value;           /* gdb's value text; NULL for a structure, union or array
				  (its children say it); owned */
	char *expr;            /* an expression for it in its frame ("(p)->mm"); owned */
	int arg;               /* a function's argument */
	int nchild;            /* children (a structure's members, a pointer's target), or -1
				  when not known */
};
void session_vars_free(struct session_var *v, size_t n);
/* The arguments and locals of the selected frame. 0 with *out (caller frees with
 * session_vars_free()), or -1 reported. */
int session_locals(struct session *s, struct session_var **out, size_t *n);
/* expr in the selected frame: its value, type and number of children into *v. 0, or -1
 * with gdb's reason in why. */
int session_var(struct session *s, const char *expr, struct session_var *v, struct strbuf *why);
/* The children of expr in the selected frame (at most max). 0 with *out, or -1 with
 * gdb's reason in why. */
int session_children(struct session *s, const char *expr, size_t max, struct session_var **out,
		     size_t *n, struct strbuf *why);

/* A gdb CLI command (printf-style). 0, or -1 reported. */
int session_console(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * A command typed by a person: its output into out, gdb's error message too.
 * 0 (whatever gdb answered), -1 when gdb is gone.
 */
int session_console_capture(struct session *s, const char *line, struct strbuf *out);
/*
 * Give gdb kdive's helpers (gdbinit/kdive.py at helpers, with the program's name,
 * the console's path and the syscall table's path, which may be NULL). 0 or -1.
 */
int session_load_helpers(struct session *s, const char *helpers, const char *syscalls_path);

/*
 * Hand the stopped guest over: gdb is killed without detaching (QEMU keeps the guest
 * stopped where it is), QEMU and the run directory move to *q and *rundir, and the
 * session is left with nothing to stop. session_end() is still to be called.
 */
void session_handover(struct session *s, struct qemu *q, char **rundir);

/*
 * Say that the session reached a phase (printf-style: "attached", "at main"): its
 * time since the session started, and since the phase before, as a debug message
 * (kdive -v) and a note in the gdb transcript. Where a run spends its time.
 */
void session_phase(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append the console tail for error messages. */
void session_console_tail(struct session *s, struct strbuf *out);

/* Stop everything; remove the run directory if ok and not keep, else say where it is. */
void session_end(struct session *s, int ok);

#endif
