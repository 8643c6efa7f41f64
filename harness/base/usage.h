/*
 * usage: how kdive reports. Diagnostics (error(), warning(), info(), debug()) go to
 * the sink the command layer installs; error buffers (strbuf_error()) carry a
 * failure's whole story back to the caller with its kind (enum fail_kind); the exit
 * codes are what the command layer makes of them. Depends on strbuf.
 */
#ifndef KDIVE_USAGE_H
#define KDIVE_USAGE_H

struct strbuf;

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

#endif
