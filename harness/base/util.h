/*
 * util: growable strings, argv vectors, checked allocation, error reporting and
 * small file helpers. Depends on libc only; every other module may use it.
 */
#ifndef KDIVE_UTIL_H
#define KDIVE_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * make coverage builds with KDIVE_COVERAGE: gcov writes its counters at exit(), so a
 * way out that skips it (_exit() in a forked process, a signal re-raised to die by)
 * calls coverage_flush() first. Nothing in other builds.
 */
#ifdef KDIVE_COVERAGE
void __gcov_dump(void);
#define coverage_flush() __gcov_dump()
#else
#define coverage_flush() do { } while (0)
#endif

/*
 * Exit codes of the kdive command (docs/design.md, "Exit codes"). Only the command layer
 * (cli, cmd_*) uses them.
 */
enum {
	KDIVE_EXIT_PASS = 0,    /* all expectations held */
	KDIVE_EXIT_FAIL = 1,    /* an expectation failed */
	KDIVE_EXIT_USAGE = 2,   /* bad usage or a bad input file */
	KDIVE_EXIT_INFRA = 3,   /* build, boot, gdb or QEMU failed */
	KDIVE_EXIT_SKIP = 4,    /* nothing could be checked */
};

/* Allocation that cannot fail: on exhaustion it reports and aborts. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a new string; caller frees. */
char *xstrfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Diagnostics. Library code never writes to stdout or stderr: error(), warning(),
 * info() and debug() format one message and hand it to the sink that the command
 * layer installed with diag_set_sink() (cli prints them on stderr, as -q and -v ask).
 * Messages above the sink's level are not even formatted; without a sink every
 * message is dropped. error() returns -1 and warning() 0, so that callers can write
 * `return error("...")`; error_errno() appends ": strerror(errno)" and keeps errno.
 */
enum diag_level {
	DIAG_ERROR,   /* something failed; the caller returns -1 */
	DIAG_WARNING, /* something is off, the work goes on */
	DIAG_INFO,    /* progress a person wants to see */
	DIAG_DEBUG,   /* what kdive does, step by step (-v) */
};
typedef void (*diag_sink_fn)(enum diag_level level, const char *msg, void *ctx);
/* Install fn (NULL: drop everything) for messages up to max; returns the old max. */
enum diag_level diag_set_sink(diag_sink_fn fn, void *ctx, enum diag_level max);
/* Change only the level; returns the old one. */
enum diag_level diag_set_level(enum diag_level max);
/* 1 when a message of this level would reach the sink. */
int diag_enabled(enum diag_level level);
struct strbuf;
/*
 * Divert error messages into sb (each followed by a newline) instead of the sink,
 * while a step whose failure the caller handles runs (a restore that falls back to a
 * boot); NULL ends it. Other levels reach the sink as before. The caller owns sb.
 */
void diag_divert_errors(struct strbuf *sb);

int error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int error_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * strbuf: a growable byte string. Invariants: buf is never NULL and always
 * NUL-terminated at buf[len]; it may also hold NUL bytes before len.
 * Initialise with STRBUF_INIT or strbuf_init(); release with strbuf_release().
 */
struct strbuf {
	size_t alloc; /* bytes allocated for buf, 0 while buf points at the shared empty string */
	size_t len;   /* bytes used, not counting the terminating NUL */
	char *buf;    /* the bytes; owned by the strbuf once alloc > 0 */
};
extern char strbuf_empty[];
#define STRBUF_INIT { 0, 0, strbuf_empty }

void strbuf_init(struct strbuf *sb, size_t hint);
void strbuf_release(struct strbuf *sb);
/* Give up the buffer to the caller (who frees it); sb is reset to empty. */
char *strbuf_detach(struct strbuf *sb, size_t *len);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_reset(struct strbuf *sb);
void strbuf_setlen(struct strbuf *sb, size_t len);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
/* Strip trailing white space. */
void strbuf_rtrim(struct strbuf *sb);
/*
 * Append the last `lines` lines of text (all when lines <= 0) to out, each behind
 * prefix and ending in '\n'; trailing white space and \r are dropped. For log tails.
 */
void strbuf_add_tail(struct strbuf *out, const char *text, int lines, const char *prefix);
/* Read a whole file (or stream) into sb; -1 with errno set on failure. */
int strbuf_read_file(struct strbuf *sb, const char *path);
int strbuf_read_fd(struct strbuf *sb, int fd);
/*
 * Read an input file a user names (a scenario, a config fragment): it must be a
 * regular file of at most max bytes. A FIFO, a device, a directory or a huge file is
 * refused without blocking or reading it: "PATH:1:1: not a regular file: a WHAT must
 * be one" into err. 0, or -1 with why in err.
 */
int strbuf_read_input(struct strbuf *sb, const char *path, const char *what, size_t max,
		      struct strbuf *err);

/*
 * Error buffers. A library function that can fail in ways a person must read about
 * (a build, a spec file) takes a `struct strbuf *err` and returns -1 with the whole
 * story appended to it, as complete lines: its own lines start with a label
 * ("error: ", "hint: ", "full log: ") and the command layer puts the program's name in
 * front of them; other lines (file:line:col diagnostics, an indented log tail, a
 * compiler's output) are shown as they are. strbuf_error() appends one
 * "error: MESSAGE\n" line and returns -1; strbuf_error_errno() appends
 * ": strerror(errno)" to the message and keeps errno.
 *
 * What kind of failure it was travels with the result, so that the command layer can
 * choose the exit code (library code never does).
 */
enum fail_kind {
	FAIL_NONE = 0, /* it did not fail */
	FAIL_INPUT,    /* bad input from the user: a config fragment, a spec file */
	FAIL_INFRA,    /* the machinery failed: a tool, the build, the file system */
};

int strbuf_error(struct strbuf *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int strbuf_error_errno(struct strbuf *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Progress of a long operation (a kernel build), which the operation reports and the
 * command layer shows: a live status line on a terminal, lines now and then
 * otherwise, or nothing. The operation calls fn with an event and a status line
 * ("kernel: compiling, 1m05s, 209 objects (~40%)"), and with what it works on this
 * very moment in now ("CC kernel/fork.o", or NULL); for PROGRESS_DONE both are NULL.
 */
enum progress_event {
	PROGRESS_STAGE, /* a stage begins: show it now */
	PROGRESS_TICK,  /* still at it (about once a second): a display may refresh */
	PROGRESS_DONE,  /* a step is over: a live status line is cleared */
};
typedef void (*progress_fn)(void *ctx, enum progress_event ev, const char *status,
			    const char *now);
struct progress {
	progress_fn fn; /* NULL: nobody is watching */
	void *ctx;      /* fn's first argument; not owned */
};
/* Call p->fn when there is one (p may be NULL). */
void progress_report(const struct progress *p, enum progress_event ev, const char *status,
		     const char *now);

/*
 * strvec: a NULL-terminated vector of owned strings, ready to be an argv.
 * v is never NULL (it points at a shared empty vector until the first push).
 */
struct strvec {
	const char **v; /* the strings, v[nr] == NULL; each string owned by the strvec */
	size_t nr;      /* number of strings */
	size_t alloc;   /* slots allocated, 0 while v is the shared empty vector */
};
extern const char *strvec_empty[];
#define STRVEC_INIT { strvec_empty, 0, 0 }

void strvec_init(struct strvec *sv);
void strvec_push(struct strvec *sv, const char *s);
void strvec_pushf(struct strvec *sv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Push each argument up to a terminating NULL. */
void strvec_pushl(struct strvec *sv, ...) __attribute__((sentinel));
void strvec_clear(struct strvec *sv);
/* Join with sep, quoting words that a shell would split, for display only. */
void strvec_join_display(const struct strvec *sv, struct strbuf *out);

/* SHA-256, streaming. */
struct sha256 {
	uint32_t h[8];        /* chaining state */
	uint64_t bytes;       /* total bytes hashed so far */
	unsigned char blk[64];/* partial block */
	size_t blen;          /* bytes in blk */
};
void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t len);
/* Write the digest as 64 lowercase hex digits and a NUL into hex[65]. */
void sha256_final_hex(struct sha256 *c, char hex[65]);
/* Hash a whole file; -1 (errno set) when it cannot be read. */
int sha256_file_hex(const char *path, char hex[65]);

/* Monotonic clock in milliseconds. */
int64_t now_ms(void);
/* Sleep ms milliseconds (signals do not cut it short). */
void sleep_ms(int ms);
/* "3m12s", "840ms", "1.2s": a human duration. */
void format_duration(struct strbuf *sb, int64_t ms);

/* mkdir -p with the given mode for the created parts; -1 with errno on failure. */
int mkdir_p(const char *path, unsigned mode);
/* The directory dirfd/name, not following a final symbolic link (closedir() it); NULL
 * with errno on failure. */
DIR *opendir_at(int dirfd, const char *name);
/* rm -rf without following symbolic links; -1 with errno on failure. */
int remove_tree(const char *path);
/* 1 if path exists (any type), 0 otherwise. */
int path_exists(const char *path);
/*
 * Write data to path, in the way that suits what path is:
 * - nothing, or a regular file: a private temporary file beside it (a random
 *   ".NAME.XXXXXX", created O_EXCL, so a planted link or file is never written
 *   through) gets the data and the old file's owner and mode (a new file: 0644 less
 *   the umask), is fsync'ed and renamed over path; then the directory is synced.
 *   A reader sees the old content or the new, never a part (another hard link to
 *   the old file keeps the old content).
 * - a symbolic link: the file it leads to is replaced as above, and the link stays a
 *   link (a dangling one gets its file created). A link through /proc/PID/fd
 *   (/dev/stdout, /dev/fd/N) stands for an open file, not a name: written through.
 * - a FIFO or a device (/dev/stdout on a pipe or a terminal): written through, like a
 *   shell's `>` (no temporary, not atomic; opening a FIFO waits for its reader).
 *   A socket fails with ENXIO.
 * - a directory: refused with EISDIR.
 * Returns 0, or -1 with errno set and no temporary file left behind.
 */
int write_file_atomic(const char *path, const void *data, size_t len);
/*
 * Take an exclusive flock on path (created 0644), saying so (info) when another
 * process holds it and waiting for it: "another kdive is building WHAT". Returns the
 * fd (close it to unlock; a child given it holds the lock as long as it lives), or
 * -1 with why in err.
 */
int lock_file(const char *path, const char *what, struct strbuf *err);
/* Write all of data to fd, again after EINTR; 0, or -1 with errno. */
int write_all(int fd, const void *data, size_t len);
/* Search PATH for an executable; returns a new string or NULL. */
char *find_in_path(const char *name);
/*
 * $XDG_CACHE_HOME/kdive or ~/.cache/kdive (KDIVE_CACHE overrides both; without HOME,
 * the passwd entry's home); new string.
 */
char *kdive_cache_dir(void);
/* 1 when dir is a directory of this user's that others cannot write; else 0, why says. */
int cache_dir_trusted(const char *dir, struct strbuf *why);

#endif
