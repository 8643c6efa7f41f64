/*
 * proc: the only place in kdive that forks, execs, signals and reaps.
 *
 * A child is described in a struct proc, then started, then finished (waited or
 * stopped). Each child runs in its own process group, dies with kdive
 * (PR_SET_PDEATHSIG), starts with default signal dispositions and no inherited file
 * descriptors but the three it is given, and is exec'd directly, never through a
 * shell. An exec failure reaches the parent through a close-on-exec pipe, so
 * proc_start() fails with the reason instead of a mysterious exit 127.
 *
 * Every started child sits in a registry until it is reaped; proc_install_guard()
 * makes SIGINT, SIGTERM, SIGHUP and exit() kill the process group of every child
 * still alive, so kdive never leaves a QEMU or gdb behind. What no handler can catch
 * (SIGKILL, a crash) is covered by the watcher, a small process forked at the first
 * proc_start() that outlives kdive and ends every group kdive left (proc.c), through
 * a pidfd of each child: never a stranger that took the pid of one reaped meanwhile.
 * Depends on files, strbuf, strvec, timeutil, usage and wrapper.
 */
#ifndef KDIVE_PROC_H
#define KDIVE_PROC_H

#include "strbuf.h"
#include "strvec.h"
#include <stdint.h>
#include <sys/types.h>

/* What a child's stdin/stdout/stderr is connected to. */
enum proc_stream {
	PROC_INHERIT = 0, /* the parent's own descriptor */
	PROC_NULL,        /* /dev/null */
	PROC_PIPE,        /* a pipe; the parent's end lands in in_fd/out_fd/err_fd */
	PROC_TO_STDOUT,   /* stderr only: the same as the child's stdout */
	PROC_FD,          /* the descriptor given in the *_fd field (not closed by proc) */
};

struct proc {
	struct strvec args;      /* argv; args.v[0] is looked up in PATH */
	struct strvec env;       /* "NAME=value" added to (or "NAME" removed from) the environment */
	const char *dir;         /* working directory, or NULL; not owned */
	enum proc_stream in, out, err; /* how each stream is connected */
	int in_fd, out_fd, err_fd;     /* the parent's pipe ends (PROC_PIPE) or given fds (PROC_FD) */
	int keep_group;          /* 1: stay in kdive's process group (for an interactive child) */
	pid_t pid;               /* set by proc_start(); 0 before and after reaping */
	int pidfd;               /* pidfd of the child, -1 when the kernel has none */
	int status;              /* wait status once reaped */
	int reaped;              /* 1 once the child has been waited for */
	struct strbuf *errbuf;   /* NULL: failures are reported with error(); else their
				    message (no label, no '\n') is appended here, quietly */
	int soft_stop;           /* 1: when kdive dies, SIGTERM first (make deletes its
				    half-written targets), SIGKILL after a grace period */
	int share_fd;            /* > 0: a descriptor the child (and its children) hold as
				    fd 3, e.g. a flock that must last as long as they do */
};

#define PROC_INIT { STRVEC_INIT, STRVEC_INIT, NULL, PROC_INHERIT, PROC_INHERIT, \
		    PROC_INHERIT, -1, -1, -1, 0, 0, -1, 0, 0, NULL, 0, 0 }

void proc_init(struct proc *p);
/* Free args/env and close any pipe ends still open. Does not wait for the child. */
void proc_release(struct proc *p);

/*
 * Start the child. Returns 0, or -1 after reporting "cannot run 'NAME': REASON"
 * (not found, not executable, bad working directory...), into p->errbuf when set.
 */
int proc_start(struct proc *p);

/*
 * Wait for the child to exit until the monotonic deadline (now_ms() based; -1 means
 * forever). Returns 0 once reaped (status in p->status), 1 on time-out, -1 on error.
 */
int proc_wait(struct proc *p, int64_t deadline_ms);

/*
 * Stop the child: SIGTERM to its process group, wait up to grace_ms, then SIGKILL
 * to the group, and reap. Safe to call on a child already reaped. Returns 0.
 */
int proc_stop(struct proc *p, int grace_ms);

/* 1 if the child exited with status 0. */
int proc_succeeded(const struct proc *p);
/* CPU time (user + system) the running child has used so far, in ms; -1 when gone. */
int64_t proc_cpu_ms(const struct proc *p);

/* "exited with status 2", "killed by signal 9 (Killed)": describe a wait status. */
void proc_describe_status(struct strbuf *sb, int status);

/*
 * Run argv to completion with stdin from /dev/null, capturing stdout (and stderr when
 * merge_stderr) into out; a timeout_ms > 0 stops the child after that long.
 * Returns the wait status (>= 0), or -1 if it could not start or timed out (reported).
 */
int proc_run_capture(const char *const *argv, struct strbuf *out, int merge_stderr,
		     int timeout_ms);

/*
 * The same, quietly: why argv could not start or did not finish in time is appended
 * to err (one message, no '\n') instead of being reported. For probes that may fail.
 */
int proc_run_capture_quiet(const char *const *argv, struct strbuf *out, int merge_stderr,
			   int timeout_ms, struct strbuf *err);
/* The same in the working directory dir (NULL: kdive's). */
int proc_run_capture_in(const char *dir, const char *const *argv, struct strbuf *out,
			int merge_stderr, int timeout_ms, struct strbuf *err);

/*
 * Callback for proc_pump(): called once per complete line of output (without the
 * newline), and with line == NULL at each tick (every tick_ms) so the caller can
 * refresh a progress display. Return non-zero to abort the child.
 */
typedef int (*proc_line_fn)(void *ctx, const char *line);

/*
 * Read the child's out_fd (a PROC_PIPE) line by line until EOF, calling fn (NULL:
 * discard the output), then reap. A deadline (monotonic ms, -1 none) stops the child. Returns the wait status,
 * or -1 on time-out or abort (the child is stopped and reaped either way).
 */
int proc_pump(struct proc *p, proc_line_fn fn, void *ctx, int tick_ms, int64_t deadline_ms);

/*
 * Install the guard: on SIGINT/SIGTERM/SIGHUP and at exit(), every registered child's
 * process group gets SIGKILL. SIGPIPE is ignored. A closed standard stream (fd 0-2)
 * is opened on /dev/null, so that no file kdive opens takes its number. Call once
 * from main().
 */
void proc_install_guard(void);
/* Kill every registered child now (the guard's work); used before exiting on fatal errors. */
void proc_kill_all(void);
/*
 * A directory (a run directory) that the watcher removes if kdive dies before
 * proc_forget_at_death(path): a run cut short by a signal, even SIGKILL, leaves no
 * files behind. Best effort: without a watcher, nothing happens.
 */
void proc_remove_at_death(const char *path);
void proc_forget_at_death(const char *path);
/*
 * fork() a worker: a copy of kdive that does part of its work (a scenario, for kdive
 * run -j) and reports through a pipe of the caller's. In the worker (0 returned) the
 * parent's children are none of its business, its own get a watcher of their own,
 * and it is killed when the parent dies, so that its watcher cleans up after it too.
 * It leaves with proc_worker_exit(). The worker's pid, 0 in the worker, -1 with errno.
 */
pid_t proc_fork_worker(void);
void __attribute__((noreturn)) proc_worker_exit(int status);
/*
 * Run tasks 0..n-1 in at most jobs workers, each taking one task after another:
 * work(ctx, i, out) fills out there, and done(ctx, i, data, len, status) gets it here,
 * in the order they end, with status 0, or the wait status of a worker that died
 * during the task (with whatever it had written of out; a new worker takes the next
 * task). A worker keeps what work() keeps between its tasks (kdive run: its gdb), and
 * calls end(ctx) (may be NULL) after its last. A worker that cannot be forked runs
 * its task here. jobs <= 1 runs them all here, in order, without forking, then end.
 */
typedef void (*proc_work_fn)(void *ctx, size_t i, struct strbuf *out);
typedef void (*proc_done_fn)(void *ctx, size_t i, const char *data, size_t len, int status);
typedef void (*proc_end_fn)(void *ctx);
void proc_run_workers(size_t n, int jobs, proc_work_fn work, proc_done_fn done, proc_end_fn end,
		      void *ctx);
/* Number of registered children not yet reaped (for tests). */
int proc_live_count(void);

#endif
