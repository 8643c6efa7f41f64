/*
 * kdive serve: a machine interface on stdin/stdout for editors, scripts and agents.
 * One request a line, one response a line (JSON), in one of two framings:
 *   JSON lines: {"id": ID, "cmd": NAME, ...arguments} -> {"id": ID, "ok": true,
 *     "result": {...}} or {"id": ID, "ok": false, "error": {"code", "message"}};
 *   --mcp: the Model Context Protocol over stdio (JSON-RPC 2.0: initialize, ping,
 *     tools/list, tools/call, notifications/cancelled; the same commands as tools).
 * A malformed request gets an error and the session goes on. While the guest runs
 * (a continue), requests are still read: interrupt, shutdown, quit and MCP's ping
 * and cancellation are taken, and the end of input shuts everything down. EOF, a
 * signal or `quit` shuts the guest down; nothing is left. JSON is read and written by
 * json.h, like every other JSON of kdive's: a request is parsed into a tree, an answer
 * is written as it is built, and an id is echoed as it was sent (a number keeps its
 * text). The protocol and who may speak it: docs/serve.md.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "json.h"
#include "quote.h"
#include "run.h"
#include "serve.h"
#include "session.h"
#include "syscalls.h"
#include "strbuf.h"
#include "strvec.h"
#include "timeutil.h"
#include "usage.h"
#include "wrapper.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* MCP revisions answered as asked; another gets the first. */
static const char *const mcp_versions[] = { "2025-06-18", "2025-03-26", "2024-11-05" };
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
	int running;              /* the guest runs after a continue */
	char *pending;            /* a continue that waits: its request id as JSON text,
				     answered at the stop (owned); NULL when none */
	int pending_cancelled;    /* MCP cancelled it: the stop gets no answer */
	int64_t pending_deadline; /* its timeout_ms, monotonic; 0 when none */
	int timed_out;            /* the deadline passed and the guest was interrupted */
	int64_t resumed;          /* when the guest was let run */
	int want_interrupt;       /* the guest is to be stopped */
	int64_t interrupted;      /* when gdb was last sent SIGINT for it; 0: not yet */
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

static int fail(struct serve_err *e, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct serve_err *e, const char *code, const char *fmt, ...)
{
	va_list ap;
	e->code = code;
	va_start(ap, fmt);
	strbuf_vaddf(&e->msg, fmt, ap);
	va_end(ap);
	return -1;
}

/* Errors the library reported (error()) go into the response too. */
static struct strbuf *diag_capture;
static void capture_diag(enum diag_level level, const char *msg, void *ctx)
{
	(void)ctx;
	if (level == DIAG_ERROR && diag_capture)
		strbuf_addf(diag_capture, "%s%s", diag_capture->len ? "; " : "", msg);
	if (level <= DIAG_WARNING)
		fprintf(stderr, "kdive serve: %s\n", msg);
}

static const char *str_arg(const struct json_value *args, const char *key)
{
	return json_value_str(json_value_find(args, key), NULL);
}

/* v as compact JSON text (null for NULL), as it was sent; the caller frees it. */
static char *value_text(const struct json_value *v)
{
	struct strbuf sb = STRBUF_INIT;
	struct json j;
	json_init(&j, &sb, 0);
	json_value_write(&j, NULL, v);
	return strbuf_detach(&sb, NULL);
}

/* Shut the guest down; a failed one keeps its run directory (named on stderr). */
static void end_guest(struct serve *sv, int ok)
{
	if (sv->booted)
		session_end(&sv->s, ok);
	sv->booted = 0;
	sv->running = 0;
	sv->interrupted = 0;
	sv->want_interrupt = 0;
}

/* ---- the commands ---- */

/*
 * The commands: each takes its checked arguments and writes its result's members to
 * res (an open object); 0, or -1 with e set (what res holds then is dropped).
 */

static int do_boot(struct serve *sv, const struct json_value *args, struct json *res,
		   struct serve_err *e)
{
	struct session_image img;
	struct session_info info;
	struct boot_opts b;
	struct strbuf why = STRBUF_INIT, line = STRBUF_INIT;
	struct strvec pargs;
	const char *program = str_arg(args, "program");
	const struct json_value *jargs = json_value_find(args, "args");
	int r = -1;
	if (sv->booted)
		return fail(e, "bad_state", "a guest is running: shutdown first");
	if (!sv->k)
		return fail(e, "bad_state", "this server has no kernel to boot");
	if (!program)
		program = "fork";
	strvec_init(&pargs);
	for (size_t i = 0; i < json_value_count(jargs); i++) {
		size_t len;
		const char *v = json_value_str(json_value_at(jargs, i), &len);
		if (!v || strlen(v) != len) {
			r = fail(e, "bad_request", "'args' must be an array of strings without NUL");
			goto out;
		}
		strvec_push(&pargs, v);
	}
	/* Checked before any guest starts: the run line, and the program itself. */
	if (qemu_go_line(program, &pargs, &line, &why) < 0) {
		r = fail(e, "bad_request", "%s", why.buf);
		goto out;
	}
	char *path = xstrfmt("%s/%s", sv->im.progs, program);
	int missing = access(path, R_OK) < 0;
	free(path);
	if (missing) {
		r = fail(e, "bad_request", "no guest program '%s' (initramfs/progs/%s.c)", program,
			 program);
		goto out;
	}
	free(sv->program);
	sv->program = xstrdup(program);
	program = sv->program; /* the request is freed before the session ends */
	cli_session_image(&sv->im, sv->k, &img);
	b = sv->a->boot.guest;
	b.timeout_s = SERVE_SESSION_S; /* no limit but the client's own */
	int64_t t0 = now_ms();
	sv->booted = 1;
	if (session_open(&sv->s, &img, &b, program, &pargs, &why) < 0) {
		session_describe(&sv->s, &info);
		char *dir = info.rundir ? xstrdup(info.rundir) : NULL;
		end_guest(sv, 0);
		r = fail(e, "guest", "the guest did not start: %s%s%s%s", why.buf,
			 dir ? " (run directory kept: " : "", dir ? dir : "", dir ? ")" : "");
		free(dir);
		goto out;
	}
	session_describe(&sv->s, &info);
	json_str(res, "program", program);
	json_str(res, "kernel", sv->k->version);
	json_bool(res, "restored", info.restored);
	json_hex(res, "kaslr_slide", info.slide);
	json_str(res, "rundir", info.rundir);
	json_int(res, "ms", now_ms() - t0);
	json_str(res, "stopped_at", "main");
	r = 0;
out:
	strvec_clear(&pargs);
	strbuf_release(&line);
	strbuf_release(&why);
	return r;
}

/* --safe: a location is a name, FILE:LINE or *0xADDRESS, never an expression. */
static int plain_location(const char *loc)
{
	if (loc[0] == '*')
		return loc[1] == '0' && loc[2] == 'x' && loc[3] &&
		       strspn(loc + 3, "0123456789abcdefABCDEF") == strlen(loc + 3);
	const char *colon = strrchr(loc, ':');
	size_t n = colon ? (size_t)(colon - loc) : strlen(loc);
	if (!n || strspn(loc, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-/") < n)
		return 0;
	return !colon || (colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1));
}

static int do_stop(struct serve *sv, const struct json_value *args, struct json *res,
		   struct serve_err *e)
{
	struct strbuf why = STRBUF_INIT;
	const char *loc = str_arg(args, "location"), *space = str_arg(args, "space");
	const char *sys = str_arg(args, "syscall"), *cond = str_arg(args, "if");
	int nr = -1;
	if (space && strcmp(space, "kernel") && strcmp(space, "user"))
		return fail(e, "bad_request", "'space' is kernel or user, not '%s'", space);
	if (sv->safe && !plain_location(loc))
		return fail(e, "bad_request", "with --safe, 'location' is a function, FILE:LINE or "
			    "*0xADDRESS, not '%s'", loc);
	if (sys) {
		nr = run_syscall_nr(&sv->k->syscalls, sys);
		if (nr < 0)
			return fail(e, "bad_request", "kernel %s has no syscall '%s'", sv->k->version, sys);
	}
	int bp = session_break(&sv->s, space && !strcmp(space, "user"), loc, nr, cond, &why);
	if (bp < 0) {
		fail(e, "gdb", "cannot stop at '%s': %s", loc, why.buf);
		strbuf_release(&why);
		return -1;
	}
	strbuf_release(&why);
	json_int(res, "breakpoint", bp);
	return 0;
}

/* A stop's members (a result, or an event's body); timed_out when a deadline made it. */
static void stop_members(struct json *j, int exited, const struct session_stop *st,
			 int timed_out)
{
	json_bool(j, "exited", exited);
	if (!exited) {
		json_str(j, "reason", st->reason ? st->reason : "");
		json_int(j, "breakpoint", st->bkpt);
		json_str(j, "function", st->func);
	}
	if (timed_out)
		json_bool(j, "timed_out", 1);
}

static int do_continue(struct serve *sv, const struct json_value *args, struct json *res,
		       struct serve_err *e)
{
	const struct json_value *t = json_value_find(args, "timeout_ms");
	int nowait = json_value_bool(json_value_find(args, "wait")) == 0;
	int64_t ms = 0;
	if (t && (json_value_int(t, &ms) < 0 || ms < 1 || ms > SERVE_TIMEOUT_MAX_MS))
		return fail(e, "bad_request", "'timeout_ms' is 1 to %lld (a day)",
			    SERVE_TIMEOUT_MAX_MS);
	if (t && nowait)
		return fail(e, "bad_request", "'timeout_ms' is for a continue that waits");
	if (session_resume(&sv->s) < 0)
		return fail(e, "gdb", "gdb did not let the guest run");
	sv->resumed = now_ms();
	sv->running = 1;
	if (nowait) {
		json_bool(res, "running", 1);
		return 0;
	}
	/* The answer comes with the stop; meanwhile requests are still read. */
	sv->defer = 1;
	sv->pending_deadline = t ? now_ms() + ms : 0;
	sv->timed_out = 0;
	return 0;
}

static int do_frames(struct serve *sv, const struct json_value *args, struct json *res,
		     struct serve_err *e)
{
	struct obs_frame *f = NULL, *u = NULL;
	size_t n = 0, nu = 0;
	uint64_t regs[SESSION_PT_NSLOTS];
	(void)args;
	if (session_frames(&sv->s, &f, &n) < 0)
		return fail(e, "gdb", "cannot read the frames");
	obs_frames_write(res, "frames", f, n);
	/* At a kernel stop, the user-space frames of the system call, from pt_regs. */
	int cpl = session_cpl(&sv->s);
	if (cpl == 0 && session_ptregs(&sv->s, regs) == 0 &&
	    session_user_frames(&sv->s, regs, &u, &nu) == 0)
		obs_frames_write(res, "user_frames", u, nu);
	obs_frames_free(f, n);
	obs_frames_free(u, nu);
	return 0;
}

static int do_ptregs(struct serve *sv, const struct json_value *args, struct json *res,
		     struct serve_err *e)
{
	uint64_t regs[SESSION_PT_NSLOTS];
	(void)args;
	if (session_cpl(&sv->s) != 0)
		return fail(e, "bad_state", "pt_regs are read at a kernel stop");
	if (session_ptregs(&sv->s, regs) < 0)
		return fail(e, "gdb", "cannot read struct pt_regs");
	json_open(res, "pt_regs", '{');
	for (size_t i = 0; i < SESSION_PT_NSLOTS; i++)
		json_hex(res, session_ptreg_name(i), regs[i]);
	json_close(res);
	json_str(res, "syscall", syscalls_name(&sv->k->syscalls, (long)regs[SESSION_PT_ORIG_AX]));
	return 0;
}

static int do_lstar(struct serve *sv, const struct json_value *args, struct json *res,
		    struct serve_err *e)
{
	uint64_t v;
	char *sym = NULL;
	(void)args;
	if (session_cpl(&sv->s) != 0)
		return fail(e, "bad_state", "MSR_LSTAR is read at a kernel stop (rdmsr needs CPL 0)");
	if (session_lstar(&sv->s, &v, &sym) < 0)
		return fail(e, "gdb", "cannot read MSR_LSTAR");
	json_hex(res, "value", v);
	json_str(res, "symbol", sym);
	free(sym);
	return 0;
}

static int do_read_memory(struct serve *sv, const struct json_value *args, struct json *res,
			  struct serve_err *e)
{
	const char *addr = str_arg(args, "address");
	int64_t n = 0;
	char *end;
	uint64_t a = strtoull(addr, &end, 0);
	json_value_int(json_value_find(args, "length"), &n);
	if (*end || end == addr || addr[0] == '-' || n <= 0 || n > 65536)
		return fail(e, "bad_request", "an address such as \"0xffffffff81000000\" and a "
			    "length of 1 to 65536 bytes");
	unsigned char *buf = xmalloc((size_t)n);
	if (session_read_memory(&sv->s, a, (size_t)n, buf) < 0) {
		free(buf);
		return fail(e, "gdb", "cannot read %lld bytes at %s", (long long)n, addr);
	}
	struct strbuf h = STRBUF_INIT;
	for (int64_t i = 0; i < n; i++)
		strbuf_addf(&h, "%02x", buf[i]);
	free(buf);
	json_hex(res, "address", a);
	json_str(res, "hex", h.buf);
	strbuf_release(&h);
	return 0;
}

static int do_eval(struct serve *sv, const struct json_value *args, struct json *res,
		   struct serve_err *e)
{
	struct strbuf why = STRBUF_INIT;
	char *v = session_eval(&sv->s, str_arg(args, "expression"), &why);
	int r = v ? 0 : fail(e, "gdb", "%s", why.buf);
	if (v)
		json_str(res, "value", v);
	free(v);
	strbuf_release(&why);
	return r;
}

/*
 * Stop the running guest: gdb gets SIGINT, and its stop is taken by serve_poll_guest.
 * A SIGINT that reaches gdb right after it let the target run can be lost, so it is
 * sent 100 ms after the resume at the earliest, and once more if no stop came within
 * SERVE_INTERRUPT_AGAIN_MS (not sooner: a second SIGINT while gdb waits for the
 * first one's stop asks it to give up the target). 0, or -1 reported.
 */
#define SERVE_INTERRUPT_AGAIN_MS 3000
static int interrupt_guest(struct serve *sv)
{
	int64_t now = now_ms();
	sv->want_interrupt = 1;
	if (now - sv->resumed < 100 ||
	    (sv->interrupted && now - sv->interrupted < SERVE_INTERRUPT_AGAIN_MS))
		return 0;
	sv->interrupted = now;
	return session_interrupt(&sv->s);
}

static int do_interrupt(struct serve *sv, const struct json_value *args, struct json *res,
			struct serve_err *e)
{
	(void)args;
	if (!sv->running)
		return fail(e, "bad_state", "the guest is not running");
	if (interrupt_guest(sv) < 0)
		return fail(e, "gdb", "cannot interrupt");
	json_bool(res, "interrupting", 1); /* the stop comes as the continue's answer, or an
					      event */
	return 0;
}

static void answer_pending_gone(struct serve *sv, const char *why);

static int do_shutdown(struct serve *sv, const struct json_value *args, struct json *res,
		       struct serve_err *e)
{
	(void)args;
	(void)e;
	int was = sv->booted;
	answer_pending_gone(sv, "the guest was shut down before it stopped");
	end_guest(sv, 1);
	json_bool(res, "was_running", was);
	return 0;
}

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

/* The commands, as JSON-lines commands and MCP tools. */
static const struct serve_cmd {
	const char *name;
	serve_fn fn;
	int needs_guest;
	int flags;             /* SERVE_UNSAFE: the whole command is off with --safe */
	const char *about;
	const struct serve_param *params; /* ended by a NULL name */
} cmds[] = {
	{ "boot", do_boot, 0, 0, "Boot (or restore) the guest and stop its program at main.",
	  (const struct serve_param[]){
		{ "program", "string", SERVE_OPTIONAL,
		  "guest program, initramfs/progs/NAME.c (default fork)" },
		{ "args", "array", SERVE_OPTIONAL | SERVE_RAW, "its arguments, strings" },
		{ NULL, NULL, 0, NULL } } },
	{ "stop", do_stop, 1, 0, "A breakpoint limited to the program's task, as a scenario's stop.",
	  (const struct serve_param[]){
		{ "location", "string", 0, "a function, FILE:LINE or *ADDRESS" },
		{ "space", "string", SERVE_OPTIONAL, "kernel (default) or user" },
		{ "syscall", "string", SERVE_OPTIONAL, "only during this system call (name or number)" },
		{ "if", "string", SERVE_OPTIONAL | SERVE_UNSAFE, "a gdb condition" },
		{ NULL, NULL, 0, NULL } } },
	{ "continue", do_continue, 1, 0, "Run until the next stop (or the guest's end).",
	  (const struct serve_param[]){
		{ "timeout_ms", "integer", SERVE_OPTIONAL,
		  "stop the guest after this long, 1 to 86400000 (the answer says timed_out)" },
		{ "wait", "boolean", SERVE_OPTIONAL | SERVE_JSONL,
		  "false: answer at once; the stop comes as an event" },
		{ NULL, NULL, 0, NULL } } },
	{ "interrupt", do_interrupt, 1, 0, "Stop a guest that runs (during a continue); the "
	  "continue answers with the stop.", NO_PARAMS },
	{ "frames", do_frames, 1, 0, "The kernel frames, and at a kernel stop the user frames.",
	  NO_PARAMS },
	{ "ptregs", do_ptregs, 1, 0, "struct pt_regs of the current syscall, by field.", NO_PARAMS },
	{ "lstar", do_lstar, 1, 0, "MSR_LSTAR, read at a kernel stop, and its symbol.", NO_PARAMS },
	{ "read_memory", do_read_memory, 1, 0, "Guest memory, as hex.",
	  (const struct serve_param[]){
		{ "address", "string", 0, "0x..." },
		{ "length", "integer", 0, "bytes (1 to 65536)" },
		{ NULL, NULL, 0, NULL } } },
	{ "eval", do_eval, 1, SERVE_UNSAFE, "Evaluate a gdb expression (it may change the guest).",
	  (const struct serve_param[]){
		{ "expression", "string", 0, "the expression" },
		{ NULL, NULL, 0, NULL } } },
	{ "shutdown", do_shutdown, 0, 0, "Shut the guest down (the server stays).", NO_PARAMS },
};

/* The command called name in this server's framing and mode, or NULL. */
static const struct serve_cmd *find_cmd(const struct serve *sv, const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(cmds[i].name, name))
			return sv->safe && (cmds[i].flags & SERVE_UNSAFE) ? NULL : &cmds[i];
	return NULL;
}

/* Whether p is offered here. */
static int param_offered(const struct serve *sv, const struct serve_param *p)
{
	return !(sv->mcp && (p->flags & SERVE_JSONL)) && !(sv->safe && (p->flags & SERVE_UNSAFE));
}

/* Whether member m is called name. */
static int named(const struct json_value *m, const char *name)
{
	return m->key_len == strlen(name) && !memcmp(m->key, name, m->key_len);
}

/* Check one argument against its declaration; 0, or -1 with e set. */
static int check_arg(const struct serve_cmd *c, const struct serve_param *p,
		     const struct json_value *val, struct serve_err *e)
{
	int64_t i;
	int ok = !strcmp(p->type, "string")    ? json_value_is(val, JSON_STRING)
		 : !strcmp(p->type, "integer") ? json_value_int(val, &i) == 0
		 : !strcmp(p->type, "boolean") ? json_value_is(val, JSON_BOOL)
					       : json_value_is(val, JSON_ARRAY);
	if (!ok)
		return fail(e, "bad_request", "%s: '%s' must be a%s %s", c->name, p->name,
			    strchr("ai", p->type[0]) ? "n" : "", p->type);
	if (!json_value_is(val, JSON_STRING))
		return 0;
	/* Strings go into gdb commands: no NUL, no control byte (quote.h). */
	size_t len;
	const char *v = json_value_str(val, &len), *bad = quote_bad_byte(v);
	if (strlen(v) != len || (bad && !(p->flags & SERVE_RAW)))
		return fail(e, "bad_request", "%s: '%s' has %s", c->name, p->name,
			    bad ? quote_byte_name((unsigned char)*bad) : "a NUL byte");
	return 0;
}

/*
 * Run a command with the arguments in object args (JSON lines: the request, whose "id"
 * and "cmd" are not arguments); its result, an object, is appended to res. 0, or -1
 * with e set. sv->defer set: the answer comes later.
 */
static int run_cmd(struct serve *sv, const struct serve_cmd *c, const struct json_value *args,
		   struct strbuf *res, struct serve_err *e)
{
	if (!json_value_is(args, JSON_OBJECT))
		return fail(e, "bad_request", "the arguments must be an object");
	/* The declared arguments with their types; unknown ones are refused. */
	for (size_t i = 0; i < json_value_count(args); i++) {
		const struct json_value *m = json_value_at(args, i);
		const struct serve_param *p = c->params;
		if (!sv->mcp && (named(m, "id") || named(m, "cmd")))
			continue;
		while (p->name && (!named(m, p->name) || !param_offered(sv, p)))
			p++;
		if (!p->name)
			return fail(e, "bad_request", "%s takes no argument '%s'%s", c->name, m->key,
				    sv->safe ? " (--safe)" : "");
		if (check_arg(c, p, m, e) < 0)
			return -1;
	}
	for (const struct serve_param *p = c->params; p->name; p++)
		if (!(p->flags & SERVE_OPTIONAL) && !json_value_find(args, p->name))
			return fail(e, "bad_request", "%s needs '%s'", c->name, p->name);
	if (c->needs_guest && !sv->booted)
		return fail(e, "bad_state", "no guest: boot first");
	if (sv->running && c->fn != do_interrupt && c->fn != do_shutdown)
		return fail(e, "bad_state", "the guest is running: wait for its stop, or interrupt");
	struct strbuf said = STRBUF_INIT;
	struct json j;
	json_init(&j, res, 0);
	json_open(&j, NULL, '{');
	diag_capture = &said;
	int r = c->fn(sv, args, &j, e);
	diag_capture = NULL;
	json_close(&j);
	if (r < 0 && said.len)
		strbuf_addf(&e->msg, " (%s)", said.buf);
	strbuf_release(&said);
	return r;
}

/* ---- answers ---- */

/* One line of output: msg, a document json_finish() ended. */
static void emit(struct serve *sv, const struct strbuf *msg)
{
	fputs(msg->buf, sv->out);
	fflush(sv->out);
}

/* JSON-RPC 2.0's error codes. */
enum { RPC_PARSE = -32700, RPC_INVALID = -32600, RPC_METHOD = -32601, RPC_PARAMS = -32602 };

/* An error for request id (its JSON text; NULL: null). */
static void rpc_error(struct serve *sv, const char *id, int code, const char *message)
{
	struct strbuf out = STRBUF_INIT;
	struct json j;
	json_init(&j, &out, 0);
	json_open(&j, NULL, '{');
	json_str(&j, "jsonrpc", "2.0");
	json_raw(&j, "id", id ? id : "null");
	json_open(&j, "error", '{');
	json_int(&j, "code", code);
	json_str(&j, "message", message);
	json_finish(&j);
	emit(sv, &out);
	strbuf_release(&out);
}

/* The result (JSON text) of request id (JSON text). */
static void rpc_result(struct serve *sv, const char *id, const char *result)
{
	struct strbuf out = STRBUF_INIT;
	struct json j;
	json_init(&j, &out, 0);
	json_open(&j, NULL, '{');
	json_str(&j, "jsonrpc", "2.0");
	json_raw(&j, "id", id);
	json_raw(&j, "result", result);
	json_finish(&j);
	emit(sv, &out);
	strbuf_release(&out);
}

/*
 * Answer request id (its JSON text; NULL: null) with res (a result object's JSON text),
 * or with e when res is NULL: a JSON-lines response, or MCP's tool result (one text
 * content holding the JSON of the result, or of the error with isError).
 */
static void answer(struct serve *sv, const char *id, const char *res, const struct serve_err *e)
{
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct json j;
	if (sv->mcp && !res && e->code && !strcmp(e->code, "bad_request")) {
		/* MCP: arguments a tool cannot take are a protocol error, not the tool's. */
		rpc_error(sv, id, RPC_PARAMS, e->msg.buf);
		return;
	}
	if (!res) {
		json_init(&j, &err, 0);
		json_open(&j, NULL, '{');
		json_str(&j, "code", e->code ? e->code : "guest");
		json_str(&j, "message", e->msg.buf);
		json_close(&j);
	}
	json_init(&j, &out, 0);
	json_open(&j, NULL, '{');
	if (sv->mcp) {
		json_open(&j, "content", '[');
		json_open(&j, NULL, '{');
		json_str(&j, "type", "text");
		json_str(&j, "text", res ? res : err.buf);
		json_close(&j);
		json_close(&j);
		json_bool(&j, "isError", res == NULL);
		json_close(&j);
		rpc_result(sv, id ? id : "null", out.buf);
	} else {
		json_raw(&j, "id", id ? id : "null");
		json_bool(&j, "ok", res != NULL);
		json_raw(&j, res ? "result" : "error", res ? res : err.buf);
		json_finish(&j);
		emit(sv, &out);
	}
	strbuf_release(&out);
	strbuf_release(&err);
}

/* The continue waiting for a stop that will not come: answered with why. */
static void answer_pending_gone(struct serve *sv, const char *why)
{
	if (!sv->pending)
		return;
	struct serve_err e = { "guest", STRBUF_INIT };
	strbuf_addstr(&e.msg, why);
	if (!sv->pending_cancelled)
		answer(sv, sv->pending, NULL, &e);
	strbuf_release(&e.msg);
	free(sv->pending);
	sv->pending = NULL;
}

/* Run command c for request id (its JSON text; NULL: null) and answer, now or (a
 * continue) at the stop. */
static void run_and_answer(struct serve *sv, const struct serve_cmd *c, const char *id,
			   const struct json_value *args)
{
	struct serve_err e = { NULL, STRBUF_INIT };
	struct strbuf res = STRBUF_INIT;
	sv->defer = 0;
	int r = run_cmd(sv, c, args, &res, &e);
	if (sv->defer) {
		free(sv->pending);
		sv->pending = xstrdup(id ? id : "null");
		sv->pending_cancelled = 0;
	} else {
		answer(sv, id, r == 0 ? res.buf : NULL, &e);
	}
	strbuf_release(&res);
	strbuf_release(&e.msg);
}

/* ---- the guest's stop, while it runs ---- */

/*
 * JSON lines: the stop after a continue that did not wait, as an event: st's members,
 * or, when gdb or QEMU is gone, exited and the error.
 */
static void emit_event(struct serve *sv, int exited, const struct session_stop *st,
		       const char *error)
{
	struct strbuf out = STRBUF_INIT;
	struct json j;
	json_init(&j, &out, 0);
	json_open(&j, NULL, '{');
	json_str(&j, "event", "stopped");
	if (st)
		stop_members(&j, exited, st, sv->timed_out);
	else
		json_bool(&j, "exited", exited);
	if (error)
		json_str(&j, "error", error);
	json_finish(&j);
	emit(sv, &out);
	strbuf_release(&out);
}

/* Take the stop if it came, and answer it; interrupt a continue whose time is up. */
static void serve_poll_guest(struct serve *sv)
{
	struct session_stop st = { .bkpt = -1 };
	if (!sv->running)
		return;
	int r = session_poll_stop(&sv->s, &st);
	if (r == 0) {
		if (sv->pending && sv->pending_deadline && !sv->timed_out &&
		    now_ms() >= sv->pending_deadline) {
			sv->timed_out = 1;
			if (interrupt_guest(sv) < 0) {
				answer_pending_gone(sv, "the time was up and the guest could not be "
						    "interrupted");
				end_guest(sv, 0);
			}
		} else if (sv->want_interrupt && interrupt_guest(sv) < 0) {
			answer_pending_gone(sv, "the guest could not be interrupted");
			end_guest(sv, 0);
		}
		session_stop_release(&st);
		return;
	}
	sv->running = 0;
	sv->interrupted = 0;
	sv->want_interrupt = 0;
	if (r < 0) {
		/* gdb or QEMU died: this guest is over (its run directory is kept). */
		if (sv->pending)
			answer_pending_gone(sv, "gdb or QEMU is gone");
		else if (!sv->mcp)
			emit_event(sv, 1, NULL, "gdb or QEMU is gone");
		end_guest(sv, 0);
		session_stop_release(&st);
		return;
	}
	int exited = st.reason && !strncmp(st.reason, "exited", 6);
	if (sv->pending) {
		struct strbuf res = STRBUF_INIT;
		struct json j;
		json_init(&j, &res, 0);
		json_open(&j, NULL, '{');
		stop_members(&j, exited, &st, sv->timed_out);
		json_close(&j);
		if (!sv->pending_cancelled)
			answer(sv, sv->pending, res.buf, NULL);
		free(sv->pending);
		sv->pending = NULL;
		strbuf_release(&res);
	} else if (!sv->mcp) {
		emit_event(sv, exited, &st, NULL);
	}
	session_stop_release(&st);
}

/* ---- JSON lines ---- */

static void jsonl_request(struct serve *sv, const char *line, size_t len)
{
	struct json_error jerr;
	struct serve_err e = { NULL, STRBUF_INIT };
	struct json_value *req = json_parse(line, len, &jerr);
	char *id = NULL;
	const char *name = NULL;
	if (!req) {
		fail(&e, "bad_json", "not JSON: %s (column %zu)", jerr.message, jerr.column);
	} else if (!json_value_is(req, JSON_OBJECT)) {
		fail(&e, "bad_request", "a request is an object: {\"id\": 1, \"cmd\": \"boot\"}");
	} else {
		id = value_text(json_value_find(req, "id"));
		name = str_arg(req, "cmd");
		if (name && !strcmp(name, "quit")) {
			sv->quit = 1;
			answer_pending_gone(sv, "the server quit before the guest stopped");
			answer(sv, id, "{}", NULL);
			goto out;
		} else if (!name) {
			fail(&e, "bad_request", "no \"cmd\" (a string) in the request");
		} else if (!find_cmd(sv, name)) {
			fail(&e, "unknown_command", "no command '%s'%s", name,
			     find_cmd(&(struct serve){ .mcp = sv->mcp }, name) ? " (--safe)" : "");
		} else {
			run_and_answer(sv, find_cmd(sv, name), id, req);
			goto out;
		}
	}
	answer(sv, id, NULL, &e);
out:
	free(id);
	json_value_free(req);
	strbuf_release(&e.msg);
}

/* ---- MCP: JSON-RPC 2.0 ---- */

/* The tools, each a command with the JSON Schema of its arguments, as JSON text. */
static char *tools_list(const struct serve *sv)
{
	struct strbuf out = STRBUF_INIT;
	struct json j;
	json_init(&j, &out, 0);
	json_open(&j, NULL, '{');
	json_open(&j, "tools", '[');
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (!find_cmd(sv, cmds[i].name))
			continue;
		json_open(&j, NULL, '{');
		json_str(&j, "name", cmds[i].name);
		json_str(&j, "description", cmds[i].about);
		json_open(&j, "inputSchema", '{');
		json_str(&j, "type", "object");
		json_open(&j, "properties", '{');
		for (const struct serve_param *p = cmds[i].params; p->name; p++) {
			if (!param_offered(sv, p))
				continue;
			json_open(&j, p->name, '{');
			json_str(&j, "type", p->type);
			json_str(&j, "description", p->about);
			if (!strcmp(p->type, "array")) {
				json_open(&j, "items", '{');
				json_str(&j, "type", "string");
				json_close(&j);
			}
			json_close(&j);
		}
		json_close(&j);
		json_open(&j, "required", '[');
		for (const struct serve_param *p = cmds[i].params; p->name; p++)
			if (param_offered(sv, p) && !(p->flags & SERVE_OPTIONAL))
				json_str(&j, NULL, p->name);
		json_close(&j);
		/* Unknown arguments are refused, and the schema says so. */
		json_bool(&j, "additionalProperties", 0);
		json_close(&j);
		json_close(&j);
	}
	json_close(&j);
	json_close(&j);
	return strbuf_detach(&out, NULL);
}

/* The revision to speak: the client's when kdive has it, else the newest. */
static const char *mcp_version(const struct json_value *params)
{
	const char *asked = str_arg(params, "protocolVersion");
	for (size_t i = 0; asked && i < ARRAY_SIZE(mcp_versions); i++)
		if (!strcmp(asked, mcp_versions[i]))
			return mcp_versions[i];
	return mcp_versions[0];
}

/* initialize's result: the revision, the tools capability, who kdive is. */
static char *mcp_initialized(const struct json_value *params)
{
	struct strbuf out = STRBUF_INIT;
	struct json j;
	json_init(&j, &out, 0);
	json_open(&j, NULL, '{');
	json_str(&j, "protocolVersion", mcp_version(params));
	json_open(&j, "capabilities", '{');
	json_open(&j, "tools", '{');
	json_close(&j);
	json_close(&j);
	json_open(&j, "serverInfo", '{');
	json_str(&j, "name", "kdive");
	json_str(&j, "version", KDIVE_VERSION);
	json_close(&j);
	json_close(&j);
	return strbuf_detach(&out, NULL);
}

/* A notification: no answer, whatever it says. */
static void mcp_notification(struct serve *sv, const char *method, const struct json_value *params)
{
	const struct json_value *rid = json_value_find(params, "requestId");
	if (strcmp(method, "notifications/cancelled") || !sv->pending || !rid ||
	    sv->pending_cancelled)
		return;
	/* A cancelled continue: the guest is stopped and the stop gets no answer. */
	struct json_value *pending = json_parse(sv->pending, strlen(sv->pending), NULL);
	int same = json_value_equal(rid, pending);
	json_value_free(pending);
	if (!same)
		return;
	sv->pending_cancelled = 1;
	if (sv->running && interrupt_guest(sv) < 0)
		end_guest(sv, 0);
}

static void mcp_call(struct serve *sv, const char *id, const struct json_value *params)
{
	static const struct json_value none = { .kind = JSON_OBJECT };
	const char *name = str_arg(params, "name");
	const struct json_value *args = json_value_find(params, "arguments");
	const struct serve_cmd *c = find_cmd(sv, name);
	if (!name)
		return rpc_error(sv, id, RPC_PARAMS, "tools/call: params need \"name\", a string");
	if (!c)
		return rpc_error(sv, id, RPC_PARAMS, "no such tool");
	if (args && !json_value_is(args, JSON_OBJECT))
		return rpc_error(sv, id, RPC_PARAMS, "tools/call: \"arguments\" must be an object");
	run_and_answer(sv, c, id, args ? args : &none);
}

/* A request whose id is id (its JSON text), a string or a number. */
static void mcp_method(struct serve *sv, const char *id, const char *method,
		       const struct json_value *params)
{
	char *result = NULL;
	if (params && !json_value_is(params, JSON_OBJECT)) {
		rpc_error(sv, id, RPC_PARAMS, "params must be an object");
	} else if (!strcmp(method, "initialize")) {
		if (!json_value_is(json_value_find(params, "protocolVersion"), JSON_STRING))
			rpc_error(sv, id, RPC_PARAMS, "initialize: params need \"protocolVersion\"");
		else
			rpc_result(sv, id, (result = mcp_initialized(params)));
	} else if (!strcmp(method, "ping")) {
		rpc_result(sv, id, "{}");
	} else if (!strcmp(method, "tools/list")) {
		rpc_result(sv, id, (result = tools_list(sv)));
	} else if (!strcmp(method, "tools/call")) {
		if (!params)
			rpc_error(sv, id, RPC_PARAMS, "tools/call: params need \"name\"");
		else
			mcp_call(sv, id, params);
	} else {
		rpc_error(sv, id, RPC_METHOD, "method not found");
	}
	free(result);
}

static void mcp_request(struct serve *sv, const char *line, size_t len)
{
	struct json_error jerr;
	struct json_value *req = json_parse(line, len, &jerr);
	if (!req) {
		char *m = xstrfmt("parse error: %s (column %zu)", jerr.message, jerr.column);
		rpc_error(sv, NULL, RPC_PARSE, m);
		free(m);
		return;
	}
	const struct json_value *id = json_value_find(req, "id");
	const struct json_value *jv = json_value_find(req, "jsonrpc");
	const struct json_value *m = json_value_find(req, "method");
	const char *method = json_value_str(m, NULL), *version = json_value_str(jv, NULL);
	int id_ok = !id || json_value_is(id, JSON_STRING) || json_value_is(id, JSON_NUMBER);
	/* The id echoed as it came: a number keeps its text ("1e400", a big integer). */
	char *idt = id_ok && id ? value_text(id) : NULL;
	if (json_value_is(req, JSON_ARRAY)) {
		rpc_error(sv, NULL, RPC_INVALID, "batches are not supported: one request a line");
	} else if (!json_value_is(req, JSON_OBJECT)) {
		rpc_error(sv, NULL, RPC_INVALID, "a request is an object");
	} else if (!m && (json_value_find(req, "result") || json_value_find(req, "error"))) {
		/* A response: kdive sends no requests, so there is nothing to match. */
	} else if (!version || strcmp(version, "2.0") || !method || !id_ok) {
		rpc_error(sv, idt, RPC_INVALID,
			  !id_ok ? "invalid request: \"id\" is a string or a number"
				 : "invalid request: {\"jsonrpc\": \"2.0\", \"id\", \"method\"}");
	} else if (!id) {
		mcp_notification(sv, method, json_value_find(req, "params"));
	} else {
		mcp_method(sv, idt, method, json_value_find(req, "params"));
	}
	free(idt);
	json_value_free(req);
}

/* ---- framing ---- */

static void serve_line(struct serve *sv, const char *line, size_t len)
{
	/* A line may end in \r\n; blank lines are nothing. */
	if (len && line[len - 1] == '\r')
		len--;
	size_t blank = 0;
	while (blank < len && strchr(" \t\r", line[blank]))
		blank++;
	if (blank == len)
		return;
	if (sv->mcp)
		mcp_request(sv, line, len);
	else
		jsonl_request(sv, line, len);
}

static void too_long(struct serve *sv)
{
	if (sv->mcp) {
		rpc_error(sv, NULL, RPC_INVALID, "a request of more than 1 MiB");
	} else {
		struct serve_err e = { NULL, STRBUF_INIT };
		fail(&e, "bad_request", "a request line of more than %d bytes", SERVE_LINE_MAX);
		answer(sv, NULL, NULL, &e);
		strbuf_release(&e.msg);
	}
}

void serve_feed(struct serve *sv, const char *buf, size_t len)
{
	while (len && !sv->quit) {
		const char *nl = memchr(buf, '\n', len);
		size_t take = nl ? (size_t)(nl - buf) : len;
		if (sv->discarding) {
			/* The rest of a line that was too long. */
			sv->discarding = !nl;
		} else if (sv->in.len + take > SERVE_LINE_MAX) {
			too_long(sv);
			strbuf_reset(&sv->in);
			sv->discarding = !nl;
		} else if (nl) {
			strbuf_add(&sv->in, buf, take);
			size_t n = sv->in.len;
			char *line = strbuf_detach(&sv->in, NULL);
			serve_line(sv, line, n);
			free(line);
		} else {
			strbuf_add(&sv->in, buf, take);
		}
		take += !!nl;
		buf += take;
		len -= take;
	}
}

void serve_feed_end(struct serve *sv)
{
	if (sv->in.len && !sv->discarding && !sv->quit)
		serve_line(sv, sv->in.buf, sv->in.len);
	strbuf_reset(&sv->in);
	sv->discarding = 0;
}

int serve_quitting(const struct serve *sv)
{
	return sv->quit;
}

struct serve *serve_new_offline(int mcp, int safe, FILE *out)
{
	struct serve *sv = xcalloc(1, sizeof(*sv));
	sv->mcp = mcp;
	sv->safe = safe;
	sv->out = out;
	strbuf_init(&sv->in, 0);
	return sv;
}

void serve_free(struct serve *sv)
{
	if (!sv)
		return;
	end_guest(sv, 1);
	free(sv->pending);
	free(sv->program);
	strbuf_release(&sv->in);
	free(sv);
}

/* ---- the process ---- */

/* Serve stdin until EOF or quit: requests, and the guest's stop while it runs. */
static void serve_loop(struct serve *sv)
{
	int eof = 0;
	while (!sv->quit && !eof) {
		struct pollfd pfd[2] = { { .fd = STDIN_FILENO, .events = POLLIN },
					 { .fd = sv->running ? session_stop_fd(&sv->s) : -1,
					   .events = POLLIN } };
		if (poll(pfd, 2, sv->running ? 100 : -1) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents) {
			char buf[65536];
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n > 0)
				serve_feed(sv, buf, (size_t)n);
			else if (n == 0 || errno != EINTR)
				eof = 1;
		}
		serve_poll_guest(sv);
	}
	if (eof)
		serve_feed_end(sv);
	/* The client is gone or quit: a continue still waiting gets no answer. */
	sv->pending_cancelled = 1;
	answer_pending_gone(sv, "");
}

static int serve_option(void *ctx, int key, const char *arg)
{
	(void)arg;
	if (key == 'm')
		((struct serve *)ctx)->mcp = 1;
	if (key == 's')
		((struct serve *)ctx)->safe = 1;
	return 0;
}

static int cmd_serve(int argc, char **argv)
{
	struct serve sv;
	struct cli_args a;
	int rc;
	memset(&sv, 0, sizeof(sv));
	strbuf_init(&sv.in, 0);
	sv.out = stdout;
	rc = cli_parse(&cli_cmd_serve, argc, argv, &a, serve_option, &sv);
	if (rc)
		goto out;
	if (a.nrest) {
		rc = cli_usage_error("serve", "unexpected argument '%s'", a.rest[0]);
		goto out;
	}
	sv.a = &a;
	/* Progress goes to stderr; stdout is the protocol's. */
	rc = cli_resolve_images(&sv.im, &a.boot, 1);
	if (rc)
		goto out;
	sv.k = &sv.im.kernels[0];
	diag_set_sink(capture_diag, NULL, DIAG_WARNING);
	serve_loop(&sv);
	end_guest(&sv, 1);
	rc = KDIVE_EXIT_PASS;
out:
	free(sv.pending);
	free(sv.program);
	strbuf_release(&sv.in);
	cli_images_release(&sv.im);
	return rc;
}

const struct cli_command cli_cmd_serve = {
	.name = "serve",
	.fn = cmd_serve,
	.summary = "a machine interface on stdin/stdout: JSON lines, or MCP with --mcp",
	.args = NULL,
	.about =
	"Serves editors, scripts and agents on stdin/stdout, a JSON request a line and a\n"
	"JSON response a line: {\"id\": 1, \"cmd\": \"boot\", \"program\": \"fork\"} answers\n"
	"{\"id\": 1, \"ok\": true, \"result\": {...}}, a failure {\"ok\": false, \"error\":\n"
	"{\"code\", \"message\"}} (the session goes on). Commands: boot, stop (location,\n"
	"space, syscall, if: a scenario's stop), continue (answers at the stop; timeout_ms\n"
	"stops the guest when the time is up; wait false answers at once and the stop\n"
	"comes as an event, {\"event\": \"stopped\", ...}), interrupt, frames (kernel and\n"
	"user), ptregs, lstar, read_memory, eval, shutdown, quit. While the guest runs,\n"
	"interrupt, shutdown and quit are still read. --mcp speaks the Model Context\n"
	"Protocol (JSON-RPC 2.0: initialize, ping, tools/list, tools/call, cancellation)\n"
	"with the same commands as tools. Whoever writes to serve drives gdb as kdive's\n"
	"user: eval and if take any gdb expression. --safe offers the typed commands\n"
	"only, for clients that are not trusted that far. EOF, a signal or quit shuts the\n"
	"guest down. The protocol: docs/serve.md.\n",
	.opts = (const struct cli_opt[]){
		{ "mcp", 'm', 0, NULL, "the Model Context Protocol's framing (JSON-RPC 2.0)" },
		{ "safe", 's', 0, NULL, "typed commands only: no eval, no if conditions, locations\n"
		  "as a name, FILE:LINE or *0xADDRESS (no gdb expression)" },
		CLI_OPT_KEEP,
		CLI_OPT_VERBOSE,
		CLI_OPT_END,
	},
	.shared = cli_guest_opts,
	.tail = "Exit: 0 at EOF or quit, 2 bad usage, 3 the kernel or initramfs could not be built.\n",
};
