/*
 * run: run one scenario on one kernel. Boots a guest through session (the program's
 * main first, so that the scenario's breakpoints and their conditions cost nothing
 * during the boot), arms every stop limited to the program's task (and to one
 * syscall, by the kernel's own number), captures each stop's kernel frames, the user
 * frames of the syscall (unwound from pt_regs), the checked values and MSR_LSTAR,
 * lets the guest run to its end, and hands back the observations with their source
 * paths made relative. Depends on session, scenario, syscalls, obs.
 */
#ifndef KDIVE_RUN_H
#define KDIVE_RUN_H

#include "obs.h"
#include "session.h"
#include "scenario.h"
#include "syscalls.h"

struct session;
/*
 * Called at each stop taken, with the guest stopped there and what was captured (a
 * finish stop before its function runs on: no ret yet). The session may be used
 * (read registers, run gdb commands), not continued. Nonzero ends the run there:
 * the guest is shut down, and run_scenario() returns 0 with the stops left unreached.
 */
typedef int (*run_stop_fn)(void *ctx, struct session *s, const struct scenario *sc, size_t stop,
			   const struct obs_stop *seen);

/* What a scenario runs on: a kernel and the initramfs. Nothing owned. */
struct run_target {
	const char *bzimage;  /* kernel image */
	const char *vmlinux;  /* its symbols */
	const char *version;  /* kernel release ("6.12.117"), for the guards */
	const char *initrd;   /* initramfs */
	const char *progs;    /* directory of the guest programs with their symbols */
	const char *roots[6]; /* directories source paths are made relative to, NULL-ended */
	const struct syscalls *syscalls; /* the kernel's syscall table (may be empty) */
};

/* How to run. */
struct run_opts {
	struct boot_opts boot; /* how the guest boots (timeout_s 0: the scenario's own, or
				  the session's default) */
	const struct userprog *user; /* the scenario's program when it is a user's (a path),
				  else NULL */
	run_stop_fn on_stop;  /* or NULL */
	void *on_stop_ctx;
	int quit;             /* set when on_stop ended the run */
};

/*
 * Boot a guest for sc on t and run it, filling obs (which the caller releases with
 * obs_run_release()). Returns 0 when the run completed, whatever matched; -1 on an
 * infrastructure failure, with obs->error saying what (the console tail included).
 */
int run_scenario(const struct scenario *sc, const struct run_target *t, struct run_opts *o,
		 struct obs_run *obs);

/* The kernel's number for a stop's syscall= (a name, or a number); -1 when unknown. */
int run_syscall_nr(const struct syscalls *table, const char *syscall);

#endif
