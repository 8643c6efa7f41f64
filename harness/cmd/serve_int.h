/*
 * serve_int: what kdive serve's parts share and nothing else may use: the server's
 * state, a request's failure, the commands' table (serve_cmds.c) and what the
 * framings (cmd_serve.c) ask of it. Depends on cli, session, json.
 */
#ifndef KDIVE_SERVE_INT_H
#define KDIVE_SERVE_INT_H

#include "cli.h"
#include "userprog.h"
#include "json.h"
#include "serve.h"
#include "session.h"
#include "strbuf.h"
#include "usage.h"

#include <stdint.h>
#include <stdio.h>

#define SERVE_LINE_MAX (1 << 20)         /* a request line's bytes, newline excluded */
#define SERVE_TIMEOUT_MAX_MS 86400000LL  /* continue's timeout_ms: a day at most */
#define SERVE_SESSION_S (365 * 24 * 3600) /* a served guest lives until shut down */

struct serve {
	struct cli_images im;     /* kernel and initramfs, resolved once */
	struct cli_args *a;       /* the command line (boot options); NULL offline */
	struct session s;         /* the guest, when booted */
	int booted;               /* s is live */
	int mcp;                  /* --mcp framing */
	int safe;                 /* --safe: typed commands only (no gdb expressions) */
	const struct kernel *k;   /* the kernel; NULL offline (boot refused) */
	char *program;            /* the booted program's name (the session points to it) */
	struct userprog user;     /* the booted program when it is a user's (a path) */
	int running;              /* the guest runs after a continue */
	char *pending;            /* a continue that waits: its request id as JSON text,
				     answered at the stop (owned); NULL when none */
	int pending_cancelled;    /* MCP cancelled it: the stop gets no answer */
	int64_t pending_deadline; /* its timeout_ms, monotonic; 0 when none */
	int timed_out;            /* the deadline passed and the guest was interrupted */
	int want_interrupt;       /* the guest is to be stopped */
	int defer;                /* set by a command whose answer comes later */
	FILE *out;                /* where answers go */
	struct strbuf in;         /* received bytes of a line not complete yet */
	int discarding;           /* a line was too long: its bytes are dropped to its newline */
	int quit;                 /* the client asked to quit */
};

/* A request's failure: a code for programs, a message for people. */
struct serve_err {
	const char *code;         /* "bad_request", "bad_state", "guest", ... */
	struct strbuf msg;
};

/* Fail a request with code and a message; -1. */
int serve_fail(struct serve_err *e, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The diagnostics sink while serving: errors go into the failing answer too. */
extern struct strbuf *serve_diag_capture;
void serve_capture_diag(enum diag_level level, const char *msg, void *ctx);
/* args' string member key, or NULL. */
const char *serve_str_arg(const struct json_value *args, const char *key);
/* Shut the guest down; a failed one keeps its run directory (named on stderr). */
void serve_end_guest(struct serve *sv, int ok);
/* The continue waiting for a stop that will not come: answered with why (cmd_serve.c). */
void serve_answer_pending_gone(struct serve *sv, const char *why);

typedef int (*serve_fn)(struct serve *sv, const struct json_value *args, struct json *res,
			struct serve_err *e);

/* What a command may be given. */
enum serve_flags {
	SERVE_OPTIONAL = 1,    /* the argument may be left out */
	SERVE_JSONL = 2,       /* JSON lines only (MCP has no events) */
	SERVE_UNSAFE = 4,      /* a gdb expression: not with --safe */
	SERVE_RAW = 8,         /* control bytes pass (program arguments, byte for byte) */
};

/* A command's argument: its JSON type (as JSON Schema names it), and its flags. */
struct serve_param {
	const char *name, *type;
	int flags;
	const char *about;
};
#define NO_PARAMS ((const struct serve_param[]){ { NULL, NULL, 0, NULL } })

/* A command: its function, whether it needs a guest, its arguments. */
struct serve_cmd {
	const char *name;
	serve_fn fn;
	int needs_guest;
	int flags;             /* SERVE_UNSAFE: the whole command is off with --safe */
	const char *about;
	const struct serve_param *params; /* ended by a NULL name */
};

/* The commands, as JSON-lines commands and MCP tools. */
extern const struct serve_cmd serve_cmds[];
extern const size_t serve_ncmds;

/* The command called name, whatever the mode, or NULL. */
const struct serve_cmd *serve_cmd_named(const char *name);
/* The command called name in this server's framing and mode, or NULL. */
const struct serve_cmd *serve_find_cmd(const struct serve *sv, const char *name);
/* Whether p is offered here (MCP has no wait; --safe no gdb expressions). */
int serve_param_offered(const struct serve *sv, const struct serve_param *p);
/* Check and run a command: 0 with its result (a JSON object's text) in res, or -1 with
 * e set; sv->defer set when its answer comes later (a continue). */
int serve_run_cmd(struct serve *sv, const struct serve_cmd *c, const struct json_value *args,
		  struct strbuf *res, struct serve_err *e);
/* A stop's members (exited, reason, breakpoint, function, timed_out). */
void serve_stop_members(struct json *j, int exited, const struct session_stop *st, int timed_out);
/* Stop the running guest (its stop is taken by the poll). 0, or -1 reported. */
int serve_interrupt_guest(struct serve *sv);

#endif
