/*
 * qemu: one guest. Builds the qemu-system-x86_64 command line (kernel + initramfs,
 * serial console to a file, the gdbstub on a unix socket in the run's private
 * directory, -no-reboot so that the guest's `reboot -f` ends QEMU), starts it through
 * proc, and stops it. KVM when it is usable here, TCG otherwise. Depends on proc, deps.
 */
#ifndef KDIVE_QEMU_H
#define KDIVE_QEMU_H

#include "proc.h"
#include "util.h"

struct qemu_opts {
	const char *bzimage;  /* kernel image */
	const char *initrd;   /* initramfs */
	const char *rundir;   /* private 0700 directory for the socket and logs */
	const char *program;  /* guest program (kdive.prog=), or NULL */
	const char *args;     /* its arguments, comma-separated (kdive.args=), or NULL */
	const char *append;   /* more kernel command line, or NULL */
	int kaslr;            /* 1: boot without nokaslr */
	int stopped;          /* 1: -S, the CPU waits for gdb */
	int go;               /* 1: the guest boots at once, but init waits for qemu_go()
				 before it runs the program (kdive.wait= on a second serial
				 port): the boot overlaps gdb's start */
	int gdb_port;         /* 0: unix socket; N: TCP on 127.0.0.1:N (opt-in) */
	int memory_mb;        /* 0: 256 */
	int cpus;             /* guest CPUs (-smp); 0 or 1: one */
};

struct qemu {
	struct proc proc;     /* the QEMU process */
	char *gdb_target;     /* what gdb's target remote takes: a socket path or host:port */
	char *console_log;    /* the guest's serial console */
	char *qemu_log;       /* QEMU's own stdout and stderr */
	char *go_sock;        /* the second serial port's socket (ttyS1), or NULL */
	int go_fd;            /* our connection to it, -1 when none; open until qemu_release() */
	int kvm;              /* 1 when running under KVM */
	struct strvec argv;   /* the command line, for messages and --print-cmd */
};

/* Fill q->argv (and the paths) from o without starting anything. */
void qemu_prepare(struct qemu *q, const struct qemu_opts *o);
/* Start QEMU; 0, or -1 reported (QEMU missing, exited at once: its log is shown). */
int qemu_start(struct qemu *q, const struct qemu_opts *o);
/*
 * Wait until QEMU exits by itself until the deadline (monotonic ms). Returns 0 when
 * it exited with status 0, 1 on time-out (still running), -1 when it failed (reported
 * with its status and log).
 */
int qemu_wait(struct qemu *q, int64_t deadline_ms);
/*
 * Wait until init says "ready" on ttyS1 (it then waits for qemu_go()), until the
 * monotonic deadline. 0, or -1 reported (QEMU died, time-out, no go socket).
 */
int qemu_wait_ready(struct qemu *q, int64_t deadline_ms);
/*
 * Tell init to run the program. The connection stays open: QEMU may see a hang-up
 * before it has read the line, and drop it. 0, or -1 reported.
 */
int qemu_go(struct qemu *q);
/* Stop QEMU (SIGTERM, bounded wait, SIGKILL) and reap it. Safe when already gone. */
void qemu_stop(struct qemu *q);
/* 1 while QEMU runs. */
int qemu_alive(struct qemu *q);
/* 1 when the guest's console says "Kernel panic - ...", that line into line; else 0. */
int qemu_guest_panic(const struct qemu *q, struct strbuf *line);
/* Append the last lines of the console log to out, each behind "  | ". */
void qemu_console_tail(const struct qemu *q, struct strbuf *out, int lines);
void qemu_release(struct qemu *q);

/* Create a private run directory (0700) under $TMPDIR or /tmp; new string or NULL. */
char *qemu_make_rundir(void);

#endif
