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
 * signal or `quit` shuts the guest down; nothing is left. JSON is parsed and written
 * with jansson. The protocol and who may speak it: docs/serve.md.
 */
#define _GNU_SOURCE
#include "cli.h"
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
#include <jansson.h>
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
	json_t *pending;          /* a continue that waits: its request id, answered at the
				     stop (owned); NULL when none */
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

static json_t *fail(struct serve_err *e, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static json_t *fail(struct serve_err *e, const char *code, const char *fmt, ...)
{
	va_list ap;
	e->code = code;
	va_start(ap, fmt);
	strbuf_vaddf(&e->msg, fmt, ap);
	va_end(ap);
	return NULL;
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

/*
 * A JSON string of text that may hold invalid UTF-8 (jansson's own error messages
 * quote the bytes they stopped at): json_string() would give NULL and the member
 * would vanish, so then each character outside ASCII becomes U+FFFD.
 */
static json_t *text_json(const char *s)
{
	json_t *j = json_string(s);
	if (j)
		return j;
	struct strbuf sb = STRBUF_INIT;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x80)
			strbuf_addch(&sb, (char)*p);
		else if ((*p & 0xc0) != 0x80)
			strbuf_addstr(&sb, "\xef\xbf\xbd");
	}
	j = json_string(sb.buf);
	strbuf_release(&sb);
	return j;
}

static const char *str_arg(json_t *args, const char *key)
{
	json_t *v = json_object_get(args, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static json_t *hex(uint64_t v)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)v);
	return json_string(buf);
}

static json_t *frames_json(const struct obs_frame *f, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "func", json_string(f[i].func));
		json_object_set_new(o, "file", f[i].file ? json_string(f[i].file) : json_null());
		json_object_set_new(o, "line", json_integer(f[i].line));
		json_object_set_new(o, "inlined", json_boolean(f[i].inlined));
		json_object_set_new(o, "addr", hex(f[i].addr));
		json_array_append_new(arr, o);
	}
	return arr;
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

static json_t *do_boot(struct serve *sv, json_t *args, struct serve_err *e)
{
	struct session_image img;
	struct session_info info;
	struct boot_opts b;
	struct strbuf why = STRBUF_INIT, line = STRBUF_INIT;
	struct strvec pargs;
	const char *program = str_arg(args, "program");
	json_t *jargs = json_object_get(args, "args");
	json_t *r = NULL;
	if (sv->booted)
		return fail(e, "bad_state", "a guest is running: shutdown first");
	if (!sv->k)
		return fail(e, "bad_state", "this server has no kernel to boot");
	if (!program)
		program = "fork";
	strvec_init(&pargs);
	for (size_t i = 0; jargs && i < json_array_size(jargs); i++) {
		json_t *v = json_array_get(jargs, i);
		if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) {
			r = fail(e, "bad_request", "'args' must be an array of strings without NUL");
			goto out;
		}
		strvec_push(&pargs, json_string_value(v));
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
	r = json_object();
	json_object_set_new(r, "program", json_string(program));
	json_object_set_new(r, "kernel", json_string(sv->k->version));
	json_object_set_new(r, "restored", json_boolean(info.restored));
	json_object_set_new(r, "kaslr_slide", hex(info.slide));
	json_object_set_new(r, "rundir", json_string(info.rundir));
	json_object_set_new(r, "ms", json_integer(now_ms() - t0));
	json_object_set_new(r, "stopped_at", json_string("main"));
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

static json_t *do_stop(struct serve *sv, json_t *args, struct serve_err *e)
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
		json_t *r = fail(e, "gdb", "cannot stop at '%s': %s", loc, why.buf);
		strbuf_release(&why);
		return r;
	}
	strbuf_release(&why);
	json_t *r = json_object();
	json_object_set_new(r, "breakpoint", json_integer(bp));
	return r;
}

/* A stop as JSON (a result, or an event's body). */
static json_t *stop_json(int exited, const struct session_stop *st)
{
	json_t *res = json_object();
	json_object_set_new(res, "exited", json_boolean(exited));
	if (!exited) {
		json_object_set_new(res, "reason", json_string(st->reason ? st->reason : ""));
		json_object_set_new(res, "breakpoint", json_integer(st->bkpt));
		json_object_set_new(res, "function", st->func ? json_string(st->func) : json_null());
	}
	return res;
}

static json_t *do_continue(struct serve *sv, json_t *args, struct serve_err *e)
{
	json_t *wait = json_object_get(args, "wait");
	json_t *t = json_object_get(args, "timeout_ms");
	json_int_t ms = t ? json_integer_value(t) : 0;
	if (t && (ms < 1 || ms > SERVE_TIMEOUT_MAX_MS))
		return fail(e, "bad_request", "'timeout_ms' is 1 to %lld (a day)",
			    SERVE_TIMEOUT_MAX_MS);
	if (t && wait && json_is_false(wait))
		return fail(e, "bad_request", "'timeout_ms' is for a continue that waits");
	if (session_resume(&sv->s) < 0)
		return fail(e, "gdb", "gdb did not let the guest run");
	sv->resumed = now_ms();
	sv->running = 1;
	if (wait && json_is_false(wait))
		return json_pack("{s:b}", "running", 1);
	/* The answer comes with the stop; meanwhile requests are still read. */
	sv->defer = 1;
	sv->pending_deadline = t ? now_ms() + ms : 0;
	sv->timed_out = 0;
	return json_null();
}

static json_t *do_frames(struct serve *sv, json_t *args, struct serve_err *e)
{
	struct obs_frame *f = NULL, *u = NULL;
	size_t n = 0, nu = 0;
	uint64_t regs[SESSION_PT_NSLOTS];
	(void)args;
	if (session_frames(&sv->s, &f, &n) < 0)
		return fail(e, "gdb", "cannot read the frames");
	json_t *r = json_object();
	json_object_set_new(r, "frames", frames_json(f, n));
	/* At a kernel stop, the user-space frames of the system call, from pt_regs. */
	int cpl = session_cpl(&sv->s);
	if (cpl == 0 && session_ptregs(&sv->s, regs) == 0 &&
	    session_user_frames(&sv->s, regs, &u, &nu) == 0)
		json_object_set_new(r, "user_frames", frames_json(u, nu));
	obs_frames_free(f, n);
	obs_frames_free(u, nu);
	return r;
}

static json_t *do_ptregs(struct serve *sv, json_t *args, struct serve_err *e)
{
	uint64_t regs[SESSION_PT_NSLOTS];
	(void)args;
	if (session_cpl(&sv->s) != 0)
		return fail(e, "bad_state", "pt_regs are read at a kernel stop");
	if (session_ptregs(&sv->s, regs) < 0)
		return fail(e, "gdb", "cannot read struct pt_regs");
	json_t *r = json_object(), *fields = json_object();
	for (size_t i = 0; i < SESSION_PT_NSLOTS; i++)
		json_object_set_new(fields, session_ptreg_name(i), hex(regs[i]));
	json_object_set_new(r, "pt_regs", fields);
	const char *name = syscalls_name(&sv->k->syscalls, (long)regs[SESSION_PT_ORIG_AX]);
	json_object_set_new(r, "syscall", name ? json_string(name) : json_null());
	return r;
}

static json_t *do_lstar(struct serve *sv, json_t *args, struct serve_err *e)
{
	uint64_t v;
	char *sym = NULL;
	(void)args;
	if (session_cpl(&sv->s) != 0)
		return fail(e, "bad_state", "MSR_LSTAR is read at a kernel stop (rdmsr needs CPL 0)");
	if (session_lstar(&sv->s, &v, &sym) < 0)
		return fail(e, "gdb", "cannot read MSR_LSTAR");
	json_t *r = json_object();
	json_object_set_new(r, "value", hex(v));
	json_object_set_new(r, "symbol", sym ? json_string(sym) : json_null());
	free(sym);
	return r;
}

static json_t *do_read_memory(struct serve *sv, json_t *args, struct serve_err *e)
{
	const char *addr = str_arg(args, "address");
	json_int_t n = json_integer_value(json_object_get(args, "length"));
	char *end;
	uint64_t a = strtoull(addr, &end, 0);
	if (*end || end == addr || addr[0] == '-' || n <= 0 || n > 65536)
		return fail(e, "bad_request", "an address such as \"0xffffffff81000000\" and a "
			    "length of 1 to 65536 bytes");
	unsigned char *buf = xmalloc((size_t)n);
	if (session_read_memory(&sv->s, a, (size_t)n, buf) < 0) {
		free(buf);
		return fail(e, "gdb", "cannot read %lld bytes at %s", (long long)n, addr);
	}
	struct strbuf h = STRBUF_INIT;
	for (json_int_t i = 0; i < n; i++)
		strbuf_addf(&h, "%02x", buf[i]);
	free(buf);
	json_t *r = json_object();
	json_object_set_new(r, "address", hex(a));
	json_object_set_new(r, "hex", json_string(h.buf));
	strbuf_release(&h);
	return r;
}

static json_t *do_eval(struct serve *sv, json_t *args, struct serve_err *e)
{
	struct strbuf why = STRBUF_INIT;
	char *v = session_eval(&sv->s, str_arg(args, "expression"), &why);
	json_t *r = NULL;
	if (!v) {
		fail(e, "gdb", "%s", why.buf);
	} else {
		r = json_object();
		json_object_set_new(r, "value", json_string(v));
	}
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

static json_t *do_interrupt(struct serve *sv, json_t *args, struct serve_err *e)
{
	(void)args;
	if (!sv->running)
		return fail(e, "bad_state", "the guest is not running");
	if (interrupt_guest(sv) < 0)
		return fail(e, "gdb", "cannot interrupt");
	return json_pack("{s:b}", "interrupting", 1); /* the stop comes as the continue's
							  answer, or an event */
}

static void answer_pending_gone(struct serve *sv, const char *why);

static json_t *do_shutdown(struct serve *sv, json_t *args, struct serve_err *e)
{
	(void)args;
	(void)e;
	int was = sv->booted;
	answer_pending_gone(sv, "the guest was shut down before it stopped");
	end_guest(sv, 1);
	json_t *r = json_object();
	json_object_set_new(r, "was_running", json_boolean(was));
	return r;
}

typedef json_t *(*serve_fn)(struct serve *sv, json_t *args, struct serve_err *e);

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

/* Check one argument against its declaration; 0, or -1 with e set. */
static int check_arg(const struct serve_cmd *c, const struct serve_param *p, json_t *val,
		     struct serve_err *e)
{
	int ok = !strcmp(p->type, "string")    ? json_is_string(val)
		 : !strcmp(p->type, "integer") ? json_is_integer(val)
		 : !strcmp(p->type, "boolean") ? json_is_boolean(val)
					       : json_is_array(val);
	if (!ok) {
		fail(e, "bad_request", "%s: '%s' must be a%s %s", c->name, p->name,
		     strchr("ai", p->type[0]) ? "n" : "", p->type);
		return -1;
	}
	if (!json_is_string(val))
		return 0;
	/* Strings go into gdb commands: no NUL, no control byte (quote.h). */
	const char *v = json_string_value(val), *bad = quote_bad_byte(v);
	if (strlen(v) != json_string_length(val) || (bad && !(p->flags & SERVE_RAW))) {
		fail(e, "bad_request", "%s: '%s' has %s", c->name, p->name,
		     bad ? quote_byte_name((unsigned char)*bad) : "a NUL byte");
		return -1;
	}
	return 0;
}

/* Run a command; its result, or NULL with e set. sv->defer set: the answer comes later. */
static json_t *run_cmd(struct serve *sv, const struct serve_cmd *c, json_t *args,
		       struct serve_err *e)
{
	if (!json_is_object(args))
		return fail(e, "bad_request", "the arguments must be an object");
	/* The declared arguments with their types; unknown ones are refused. */
	const char *key;
	json_t *val;
	json_object_foreach(args, key, val) {
		const struct serve_param *p = c->params;
		while (p->name && (strcmp(p->name, key) || !param_offered(sv, p)))
			p++;
		if (!p->name)
			return fail(e, "bad_request", "%s takes no argument '%s'%s", c->name, key,
				    sv->safe ? " (--safe)" : "");
		if (check_arg(c, p, val, e) < 0)
			return NULL;
	}
	for (const struct serve_param *p = c->params; p->name; p++)
		if (!(p->flags & SERVE_OPTIONAL) && !json_object_get(args, p->name))
			return fail(e, "bad_request", "%s needs '%s'", c->name, p->name);
	if (c->needs_guest && !sv->booted)
		return fail(e, "bad_state", "no guest: boot first");
	if (sv->running && c->fn != do_interrupt && c->fn != do_shutdown)
		return fail(e, "bad_state", "the guest is running: wait for its stop, or interrupt");
	struct strbuf said = STRBUF_INIT;
	diag_capture = &said;
	json_t *r = c->fn(sv, args, e);
	diag_capture = NULL;
	if (!r && said.len)
		strbuf_addf(&e->msg, " (%s)", said.buf);
	strbuf_release(&said);
	return r;
}

/* ---- answers ---- */

static void emit(struct serve *sv, json_t *msg)
{
	char *s = json_dumps(msg, JSON_COMPACT);
	if (s) {
		fputs(s, sv->out);
		fputc('\n', sv->out);
		fflush(sv->out);
	}
	free(s);
	json_decref(msg);
}

/* JSON-RPC 2.0's error codes. */
enum { RPC_PARSE = -32700, RPC_INVALID = -32600, RPC_METHOD = -32601, RPC_PARAMS = -32602 };

static void rpc_error(struct serve *sv, json_t *id, int code, const char *message)
{
	json_t *out = json_object(), *err = json_object();
	json_object_set_new(out, "jsonrpc", json_string("2.0"));
	json_object_set(out, "id", id ? id : json_null());
	json_object_set_new(err, "code", json_integer(code));
	json_object_set_new(err, "message", text_json(message));
	json_object_set_new(out, "error", err);
	emit(sv, out);
}

static void rpc_result(struct serve *sv, json_t *id, json_t *result)
{
	json_t *out = json_object();
	json_object_set_new(out, "jsonrpc", json_string("2.0"));
	json_object_set(out, "id", id);
	json_object_set_new(out, "result", result);
	emit(sv, out);
}

/*
 * Answer request id with res (stolen), or with e when res is NULL: a JSON-lines
 * response, or MCP's tool result (one text content holding the JSON of the result,
 * or of the error with isError).
 */
static void answer(struct serve *sv, json_t *id, json_t *res, const struct serve_err *e)
{
	json_t *err = NULL;
	if (!res) {
		err = json_object();
		json_object_set_new(err, "code", json_string(e->code ? e->code : "guest"));
		json_object_set_new(err, "message", text_json(e->msg.buf));
	}
	if (sv->mcp && !res && e->code && !strcmp(e->code, "bad_request")) {
		/* MCP: arguments a tool cannot take are a protocol error, not the tool's. */
		rpc_error(sv, id, RPC_PARAMS, e->msg.buf);
	} else if (sv->mcp) {
		char *text = json_dumps(res ? res : err, JSON_COMPACT);
		rpc_result(sv, id, json_pack("{s:[{s:s,s:s}],s:b}", "content", "type", "text", "text",
					     text ? text : "{}", "isError", res == NULL));
		free(text);
	} else {
		json_t *out = json_object();
		json_object_set(out, "id", id ? id : json_null());
		json_object_set_new(out, "ok", json_boolean(res != NULL));
		if (res)
			json_object_set(out, "result", res);
		else
			json_object_set(out, "error", err);
		emit(sv, out);
	}
	json_decref(res);
	json_decref(err);
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
	json_decref(sv->pending);
	sv->pending = NULL;
}

/* Run command c for request id and answer, now or (a continue) at the stop. */
static void run_and_answer(struct serve *sv, const struct serve_cmd *c, json_t *id, json_t *args)
{
	struct serve_err e = { NULL, STRBUF_INIT };
	sv->defer = 0;
	json_t *res = run_cmd(sv, c, args, &e);
	if (sv->defer) {
		json_decref(res);
		sv->pending = json_incref(id ? id : json_null());
		sv->pending_cancelled = 0;
	} else {
		answer(sv, id, res, &e);
	}
	strbuf_release(&e.msg);
}

/* ---- the guest's stop, while it runs ---- */

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
		if (sv->pending) {
			answer_pending_gone(sv, "gdb or QEMU is gone");
		} else if (!sv->mcp) {
			emit(sv, json_pack("{s:s,s:b,s:s}", "event", "stopped", "exited", 1, "error",
					   "gdb or QEMU is gone"));
		}
		end_guest(sv, 0);
		session_stop_release(&st);
		return;
	}
	int exited = st.reason && !strncmp(st.reason, "exited", 6);
	json_t *res = stop_json(exited, &st);
	if (sv->timed_out)
		json_object_set_new(res, "timed_out", json_true());
	if (sv->pending) {
		if (!sv->pending_cancelled)
			answer(sv, sv->pending, json_incref(res), NULL);
		json_decref(sv->pending);
		sv->pending = NULL;
	} else if (!sv->mcp) {
		json_object_set_new(res, "event", json_string("stopped"));
		emit(sv, json_incref(res));
	}
	json_decref(res);
	session_stop_release(&st);
}

/* ---- JSON lines ---- */

static void jsonl_request(struct serve *sv, const char *line, size_t len)
{
	json_error_t jerr;
	struct serve_err e = { NULL, STRBUF_INIT };
	json_t *req = json_loadb(line, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr), *id = NULL;
	const char *name = NULL;
	if (!req) {
		fail(&e, "bad_json", "not JSON: %s (column %d)", jerr.text, jerr.column);
	} else if (!json_is_object(req)) {
		fail(&e, "bad_request", "a request is an object: {\"id\": 1, \"cmd\": \"boot\"}");
	} else {
		id = json_object_get(req, "id");
		name = str_arg(req, "cmd");
		if (name && !strcmp(name, "quit")) {
			sv->quit = 1;
			answer_pending_gone(sv, "the server quit before the guest stopped");
			answer(sv, id, json_object(), NULL);
			goto out;
		} else if (!name) {
			fail(&e, "bad_request", "no \"cmd\" (a string) in the request");
		} else if (!find_cmd(sv, name)) {
			fail(&e, "unknown_command", "no command '%s'%s", name,
			     find_cmd(&(struct serve){ .mcp = sv->mcp }, name) ? " (--safe)" : "");
		} else {
			json_t *args = json_deep_copy(req);
			json_object_del(args, "id");
			json_object_del(args, "cmd");
			run_and_answer(sv, find_cmd(sv, name), id, args);
			json_decref(args);
			goto out;
		}
	}
	answer(sv, id, NULL, &e);
out:
	json_decref(req);
	strbuf_release(&e.msg);
}

/* ---- MCP: JSON-RPC 2.0 ---- */

static json_t *tools_list(const struct serve *sv)
{
	json_t *tools = json_array();
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (!find_cmd(sv, cmds[i].name))
			continue;
		json_t *t = json_object(), *schema = json_object(), *props = json_object();
		json_t *required = json_array();
		for (const struct serve_param *p = cmds[i].params; p->name; p++) {
			if (!param_offered(sv, p))
				continue;
			json_t *prop = json_pack("{s:s,s:s}", "type", p->type, "description", p->about);
			if (!strcmp(p->type, "array"))
				json_object_set_new(prop, "items", json_pack("{s:s}", "type", "string"));
			json_object_set_new(props, p->name, prop);
			if (!(p->flags & SERVE_OPTIONAL))
				json_array_append_new(required, json_string(p->name));
		}
		json_object_set_new(schema, "type", json_string("object"));
		json_object_set_new(schema, "properties", props);
		json_object_set_new(schema, "required", required);
		/* Unknown arguments are refused, and the schema says so. */
		json_object_set_new(schema, "additionalProperties", json_false());
		json_object_set_new(t, "name", json_string(cmds[i].name));
		json_object_set_new(t, "description", json_string(cmds[i].about));
		json_object_set_new(t, "inputSchema", schema);
		json_array_append_new(tools, t);
	}
	return json_pack("{s:o}", "tools", tools);
}

/* The revision to speak: the client's when kdive has it, else the newest. */
static const char *mcp_version(json_t *params)
{
	const char *asked = str_arg(params, "protocolVersion");
	for (size_t i = 0; asked && i < ARRAY_SIZE(mcp_versions); i++)
		if (!strcmp(asked, mcp_versions[i]))
			return mcp_versions[i];
	return mcp_versions[0];
}

/* A notification: no answer, whatever it says. */
static void mcp_notification(struct serve *sv, const char *method, json_t *params)
{
	json_t *rid = json_object_get(params, "requestId");
	/* A cancelled continue: the guest is stopped and the stop gets no answer. */
	if (!strcmp(method, "notifications/cancelled") && sv->pending && rid &&
	    json_equal(rid, sv->pending) && !sv->pending_cancelled) {
		sv->pending_cancelled = 1;
		if (sv->running && interrupt_guest(sv) < 0)
			end_guest(sv, 0);
	}
}

static void mcp_call(struct serve *sv, json_t *id, json_t *params)
{
	const char *name = str_arg(params, "name");
	json_t *args = json_object_get(params, "arguments");
	const struct serve_cmd *c = find_cmd(sv, name);
	if (!name)
		return rpc_error(sv, id, RPC_PARAMS, "tools/call: params need \"name\", a string");
	if (!c)
		return rpc_error(sv, id, RPC_PARAMS, "no such tool");
	if (args && !json_is_object(args))
		return rpc_error(sv, id, RPC_PARAMS, "tools/call: \"arguments\" must be an object");
	json_t *own = args ? json_incref(args) : json_object();
	run_and_answer(sv, c, id, own);
	json_decref(own);
}

static void mcp_request(struct serve *sv, const char *line, size_t len)
{
	json_error_t jerr;
	json_t *req = json_loadb(line, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (!req) {
		char *m = xstrfmt("parse error: %s (column %d)", jerr.text, jerr.column);
		rpc_error(sv, NULL, RPC_PARSE, m);
		free(m);
		return;
	}
	json_t *id = json_object_get(req, "id"), *params = json_object_get(req, "params");
	json_t *jv = json_object_get(req, "jsonrpc"), *m = json_object_get(req, "method");
	const char *method = json_string_value(m);
	int id_ok = !id || json_is_string(id) || json_is_number(id);
	if (json_is_array(req)) {
		rpc_error(sv, NULL, RPC_INVALID, "batches are not supported: one request a line");
	} else if (!json_is_object(req)) {
		rpc_error(sv, NULL, RPC_INVALID, "a request is an object");
	} else if (!m && (json_object_get(req, "result") || json_object_get(req, "error"))) {
		/* A response: kdive sends no requests, so there is nothing to match. */
	} else if (!json_is_string(jv) || strcmp(json_string_value(jv), "2.0") || !method ||
		   !id_ok) {
		rpc_error(sv, id_ok ? id : NULL, RPC_INVALID,
			  !id_ok ? "invalid request: \"id\" is a string or a number"
				 : "invalid request: {\"jsonrpc\": \"2.0\", \"id\", \"method\"}");
	} else if (!id) {
		mcp_notification(sv, method, params);
	} else if (params && !json_is_object(params)) {
		rpc_error(sv, id, RPC_PARAMS, "params must be an object");
	} else if (!strcmp(method, "initialize")) {
		json_t *pv = json_object_get(params, "protocolVersion");
		if (!params || !json_is_string(pv))
			rpc_error(sv, id, RPC_PARAMS, "initialize: params need \"protocolVersion\"");
		else
			rpc_result(sv, id, json_pack("{s:s,s:{s:{}},s:{s:s,s:s}}", "protocolVersion",
						     mcp_version(params), "capabilities", "tools",
						     "serverInfo", "name", "kdive", "version",
						     KDIVE_VERSION));
	} else if (!strcmp(method, "ping")) {
		rpc_result(sv, id, json_object());
	} else if (!strcmp(method, "tools/list")) {
		rpc_result(sv, id, tools_list(sv));
	} else if (!strcmp(method, "tools/call")) {
		if (!params)
			rpc_error(sv, id, RPC_PARAMS, "tools/call: params need \"name\"");
		else
			mcp_call(sv, id, params);
	} else {
		rpc_error(sv, id, RPC_METHOD, "method not found");
	}
	json_decref(req);
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
	json_decref(sv->pending);
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
	json_decref(sv.pending);
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
