/*
 * qemu: one guest. Builds the qemu-system-x86_64 command line (kernel + initramfs,
 * serial console to a file, the gdbstub on a unix socket in the run's private
 * directory, -no-reboot so that the guest's `reboot -f` ends QEMU), starts it through
 * proc, and stops it. KVM when it is usable here, TCG otherwise. A guest started to
 * wait (go) also has a second serial port, where init says "ready" and takes the line
 * naming its program, and QEMU's human monitor, through which the waiting guest is
 * saved to a file and a new QEMU restored from one (warm snapshots). Depends on proc,
 * deps.
 */
#ifndef KDIVE_QEMU_H
#define KDIVE_QEMU_H

#include "proc.h"
#include "quote.h"
#include "strbuf.h"
#include "strvec.h"

/* The gdbstub's socket in the run directory (gdb, run there, names it alone). */
#define QEMU_GDB_SOCK "gdb.sock"
/* The guest's memory, MiB, unless a command asks for other (none does). */
#define QEMU_MEMORY_MB 256

struct qemu_opts {
	const char *bzimage;  /* kernel image */
	const char *initrd;   /* initramfs */
	const char *rundir;   /* private 0700 directory for the socket and logs */
	const char *program;  /* guest program (kdive.prog=), or NULL; not with go */
	const char *args;     /* its arguments, comma-separated (kdive.args=), or NULL */
	const char *append;   /* more kernel command line, or NULL */
	int kaslr;            /* 1: boot without nokaslr */
	int stopped;          /* 1: -S, the CPU waits for gdb */
	int go;               /* 1: the guest boots at once, but init waits for qemu_go()
				 to name the program (kdive.wait= on a second serial port):
				 the boot overlaps gdb's start; the monitor is open */
	int gdb_port;         /* 0: unix socket; N: TCP on 127.0.0.1:N (opt-in) */
	int memory_mb;        /* 0: QEMU_MEMORY_MB */
	int cpus;             /* guest CPUs (-smp); 0 or 1: one */
	const char *disk;     /* a raw image for the guest's virtio disk (/dev/vda), or NULL */
	const char *incoming; /* go only: restore the guest saved in this file (qemu_save)
				 instead of booting it, or NULL */
	int go_fifo;          /* go, for a person's hand: the second serial port on the
				 FIFO pair RUNDIR/go.in and go.out (mkfifo) instead of a
				 socket, and no monitor; never started by kdive */
};

struct qemu {
	struct proc proc;     /* the QEMU process */
	char *gdb_target;     /* what gdb's target remote takes: a socket path or host:port */
	char *console_log;    /* the guest's serial console */
	char *qemu_log;       /* QEMU's own stdout and stderr */
	char *go_sock;        /* the second serial port's socket (ttyS1), or NULL */
	int go_fd;            /* our connection to it, -1 when none; open until qemu_release() */
	char *mon_sock;       /* the human monitor's socket (go), or NULL */
	int mon_fd;           /* our connection to it, -1 when none */
	int mon_greeted;      /* its greeting was read */
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
 * The line that tells init to run program with args (NULL: none): "run NAME WORD...",
 * each argument an x and its bytes, those outside [A-Za-z0-9._,/:=+@-] as \xHH
 * (initramfs/wait.c decodes them). 0, or -1 when it is longer than the guest's tty
 * takes (QEMU_GO_LINE_MAX, measured as "hold ...") or the name is not a plain file
 * name, why in err.
 */
#define QEMU_GO_LINE_MAX 4095
int qemu_go_line(const char *program, const struct strvec *args, struct strbuf *out,
		 struct strbuf *err);
/*
 * Tell init to run the program ("run ..."), or with hold to start it stopped right
 * after its execve ("hold ..."), before its first instruction, until qemu_cont(): the
 * fork and the exec then overlap what kdive does meanwhile. The connection stays
 * open: QEMU may see a hang-up before it has read the line, and drop it. 0, or -1
 * reported.
 */
int qemu_go(struct qemu *q, const char *program, const struct strvec *args, int hold);
/* Let the program that qemu_go() held go on ("cont"). 0, or -1 reported. */
int qemu_cont(struct qemu *q);

/*
 * One human monitor command (go guests): its output, without the echo and the
 * prompt, into out (may be NULL). 0, or -1 reported (no monitor, QEMU gone, time-out).
 */
int qemu_monitor(struct qemu *q, const char *cmd, struct strbuf *out, int64_t deadline_ms);
/*
 * Save the running guest to path (a new file): stop it and migrate it there. The
 * guest stays stopped (qemu_resume()). 0, or -1 reported.
 */
int qemu_save(struct qemu *q, const char *path, int64_t deadline_ms);
/* Let a stopped (saved, restored) guest run again. 0, or -1 reported. */
int qemu_resume(struct qemu *q, int64_t deadline_ms);
/*
 * Wait until a QEMU started with incoming has loaded the saved guest (it stays
 * stopped). 0; -1 with why (QEMU's exit and last words, or that it was still loading
 * at the deadline) and QEMU reaped or stopped; nothing reported, the caller boots
 * instead. Whether the saved stream itself is bad: qemu_stream_rejected().
 */
int qemu_wait_restored(struct qemu *q, int64_t deadline_ms, struct strbuf *why);
/*
 * 1 when QEMU's log says, in QEMU's own words, that it could not load the incoming
 * stream ("load of migration failed: ..."): the saved guest is bad; that line into
 * line. 0 for every other failure (QEMU that did not start, was killed, was too slow:
 * the saved guest may well be good).
 */
int qemu_stream_rejected(const struct qemu *q, struct strbuf *line);
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
