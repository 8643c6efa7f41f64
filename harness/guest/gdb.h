/*
 * gdb: one gdb process driven over GDB/MI3. Starts `gdb --interpreter=mi3 -nx -q`,
 * sends commands each with a numeric token, matches result records to commands by
 * token, queues asynchronous records (a *stopped can arrive before ^connected), keeps
 * the console/target stream text of the last command, writes a transcript of every
 * byte sent and received, and turns time-outs and gdb's death into errors that name
 * the command and gdb's exit status or signal. Depends on proc, mi, deps (which gdb).
 */
#ifndef KDIVE_GDB_H
#define KDIVE_GDB_H

#include "mi.h"
#include "proc.h"
#include "quote.h"
#include "strbuf.h"
#include "strvec.h"

#include <stdio.h>

/* A command gdb_start() sent, its answer not yet read. */
struct gdb_startup {
	char *cmd;                 /* the command; owned */
	unsigned token;            /* its token */
	int checked;               /* an ^error fails the start */
	int file;                  /* it loads the symbol file: a longer time limit */
};

struct gdb {
	struct proc proc;          /* the gdb process */
	struct mi_parser *parser;  /* its output, parsed; owned */
	unsigned next_token;       /* token of the next command */
	struct mi_record **queue;  /* async records not yet taken, oldest first; owned */
	size_t nqueue, aqueue;     /* used, allocated */
	struct strbuf stream;      /* console (~) and target (@) text since the last command */
	FILE *transcript;          /* "-> " sent and "<- " received lines, each behind the ms
				      since gdb started, or NULL; owned */
	int64_t t0;                /* when gdb started */
	struct strbuf partial;     /* received bytes of a line not yet complete, for the transcript */
	struct proc *peer;         /* a process whose death ends every wait (QEMU), or NULL */
	const char *peer_name;     /* its name, for messages */
	int dead;                  /* 1 once gdb's output ended */
	int target_exited;         /* 1 once gdb said the target's process exited
				      (=thread-group-exited: QEMU closed the connection) */
	int timeout_ms;            /* default time limit of one command */
	struct strvec regnames;    /* register names by number, read once */
	struct gdb_startup startup[12]; /* gdb_start()'s commands still to be answered */
	size_t nstartup;           /* how many */
	char *startup_file;        /* the file gdb_start() loads, for its error; owned */
};

/*
 * path as gdb must be given it: gdb runs in the run directory, so a relative path
 * (a user's ./vmlinux) is made absolute against kdive's own working directory. New
 * string.
 */
char *gdb_path(const char *path);

/* The gdb to run: $KDIVE_GDB, else "gdb" from PATH. */
const char *gdb_program(void);

/*
 * Start gdb on file (vmlinux, or NULL for none), with pagination, confirmation and
 * debuginfod off, in the working directory dir (NULL: kdive's; a run directory, so that
 * the gdbstub's socket is reached by its name whatever the directory's path holds).
 * transcript may be NULL. The settings and the load are sent without waiting: gdb
 * (about 0.1 s for a vmlinux with .gdb_index) works while the caller starts QEMU.
 * Returns 0, or -1 reported.
 */
int gdb_start(struct gdb *g, const char *file, const char *transcript, const char *dir);
/* gdb_start(), file's symbols relocated by slide (a KASLR guest whose slide is known;
 * 0: as gdb_start()). */
int gdb_start_at(struct gdb *g, const char *file, uint64_t slide, const char *transcript,
		 const char *dir);
/*
 * Take a started gdb over for another target (kdive run keeps one gdb per worker, its
 * symbols loaded): its transcript is now transcript (may be NULL; the old one is
 * closed), its working directory dir, its times count from now, and what it kept of
 * the last target (queued records, console text, the peer) is gone. 0, or -1 (gdb
 * died, or dir is no directory gdb's cd takes as it is: reported, or said with
 * debug()); the caller then releases it.
 */
int gdb_retarget(struct gdb *g, const char *transcript, const char *dir);
/*
 * Wait until gdb answered what gdb_start() sent, each answer checked. The first
 * command sent after gdb_start() waits for this itself. 0, or -1 reported (a setting
 * gdb refused, a file it cannot load, a gdb that died).
 */
int gdb_wait_started(struct gdb *g);

/*
 * Send one MI command (printf-style, without token or newline) and wait for its
 * result record. Before an -exec-* command the queued async records are dropped: they
 * describe the stop being left. Returns the record (caller frees with mi_record_free()) whatever
 * its class (^done, ^running, ^connected, ^error, ^exit), or NULL after reporting a
 * time-out ("gdb did not answer '-exec-continue' within 10 s") or gdb's death.
 * timeout_ms 0 means g->timeout_ms.
 */
struct mi_record *gdb_command(struct gdb *g, int timeout_ms, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Like gdb_command(), but succeeds only on ^done, ^running or ^connected: returns 0,
 * or -1 after reporting ^error's message with the command. The record is freed, or
 * stored in *out when out is not NULL.
 */
int gdb_run(struct gdb *g, struct mi_record **out, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Evaluate an expression (-data-evaluate-expression); returns gdb's value text as a
 * new string, or NULL with the reason in why (not printed) when gdb says ^error.
 */
char *gdb_eval(struct gdb *g, const char *expr, struct strbuf *why);
/* Evaluate an expression to an unsigned 64-bit number; 0 or -1 (reported). */
int gdb_eval_u64(struct gdb *g, const char *expr, uint64_t *value);
/* The MI command that runs gdb's CLI line cli (-interpreter-exec console "..."): a new
 * string. */
char *gdb_console_command(const char *cli);
/*
 * The MI command that runs "cli FILE", FILE made absolute for gdb (gdb_path()) and
 * quoted as one argument of a CLI command: a new string, or NULL with the reason in why
 * (a byte the CLI cannot carry).
 */
char *gdb_console_file_command(const char *cli, const char *file, struct strbuf *why);
/*
 * The return type in gdb's value of a function, "{pid_t (struct kernel_clone_args *)}
 * 0xffffffff81074f60 <kernel_clone>": "pid_t", a new string. NULL for void, or for a
 * value that is not a function's (a function returning a function pointer included).
 */
char *gdb_return_type(const char *fnvalue);

/*
 * Read a register by name through -data-list-register-values (works for registers
 * whose type does not cast to a number, such as $eflags). 0, or -1 reported.
 */
int gdb_register_u64(struct gdb *g, const char *name, uint64_t *value);
/* Several registers in one round trip: values[k] for names[k]. 0, or -1 reported. */
int gdb_registers_u64(struct gdb *g, const char *const *names, size_t n, uint64_t *values);
/*
 * The hit counts of the n breakpoints listed (-break-list's times): times[k] for
 * bkpts[k], 0 for a negative number. gdb counts every breakpoint whose location and
 * condition held at a stop, but *stopped names one (bkptno): the counts tell which
 * others were hit with it. 0, or -1 reported (a listed breakpoint gdb does not have).
 */
int gdb_hit_counts(struct gdb *g, const int *bkpts, size_t n, int *times);
/* Read len bytes of target memory at addr into buf (-data-read-memory-bytes). 0 or -1. */
int gdb_read_memory(struct gdb *g, uint64_t addr, size_t len, unsigned char *buf);

/*
 * Wait for the next async record of the given class ("stopped", "running", ...) on
 * any channel, until the monotonic deadline. Earlier queued records of other classes
 * are dropped. Returns the record (caller frees), or NULL reported (time-out, gdb
 * died, or the peer process exited).
 */
struct mi_record *gdb_wait_async(struct gdb *g, const char *cls, int64_t deadline_ms);

/* Write a note (not MI) into the transcript, marked "##". */
void gdb_note(struct gdb *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Kill gdb without a word to the target (SIGKILL): QEMU keeps the guest stopped where
 * it is, for another gdb to attach. (-gdb-exit would detach, and detaching resumes.)
 */
void gdb_abandon(struct gdb *g);

/* Ask gdb to exit (-gdb-exit), wait briefly, then stop it. Safe to call twice. */
void gdb_stop(struct gdb *g);
void gdb_release(struct gdb *g);

#endif
