/*
 * serve_cmds: kdive serve's commands (boot, stop, continue, frames, ptregs, lstar,
 * read_memory, eval, interrupt, shutdown), their table of arguments, and the checks
 * every request's arguments pass before a command runs. Part of kdive serve
 * (serve_int.h); the framings and the process are cmd_serve.c's. Depends on session,
 * cli, json, quote.
 */
#define _GNU_SOURCE
#include "serve_int.h"
#include "obs.h"
#include "quote.h"
#include "run.h"
#include "syscalls.h"
#include "timeutil.h"
#include "wrapper.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int serve_fail(struct serve_err *e, const char *code, const char *fmt, ...)
{
	va_list ap;
	e->code = code;
	va_start(ap, fmt);
	strbuf_vaddf(&e->msg, fmt, ap);
	va_end(ap);
	return -1;
}

/* Errors the library reported (error()) go into the response too. */
struct strbuf *serve_diag_capture;
void serve_capture_diag(enum diag_level level, const char *msg, void *ctx)
{
	(void)ctx;
	if (level == DIAG_ERROR && serve_diag_capture)
		strbuf_addf(serve_diag_capture, "%s%s", serve_diag_capture->len ? "; " : "", msg);
	if (level <= DIAG_WARNING)
		fprintf(stderr, "kdive serve: %s\n", msg);
}

const char *serve_str_arg(const struct json_value *args, const char *key)
{
	return json_value_str(json_value_find(args, key), NULL);
}


/* Shut the guest down; a failed one keeps its run directory (named on stderr). */
void serve_end_guest(struct serve *sv, int ok)
{
	if (sv->booted)
		session_end(&sv->s, ok);
	sv->booted = 0;
	sv->running = 0;
	sv->want_interrupt = 0;
}


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
	const char *program = serve_str_arg(args, "program");
	const struct json_value *jargs = json_value_find(args, "args");
	int r = -1;
	if (sv->booted)
		return serve_fail(e, "bad_state", "a guest is running: shutdown first");
	if (!sv->k)
		return serve_fail(e, "bad_state", "this server has no kernel to boot");
	if (!program)
		program = "fork";
	strvec_init(&pargs);
	for (size_t i = 0; i < json_value_count(jargs); i++) {
		size_t len;
		const char *v = json_value_str(json_value_at(jargs, i), &len);
		if (!v || strlen(v) != len) {
			r = serve_fail(e, "bad_request", "'args' must be an array of strings without NUL");
			goto out;
		}
		strvec_push(&pargs, v);
	}
	/* Checked before any guest starts: the run line, and the program itself. */
	if (qemu_go_line(strchr(program, '/') ? "/kdive/user/x" : program, &pargs, &line, &why) < 0) {
		r = serve_fail(e, "bad_request", "%s", why.buf);
		goto out;
	}
	userprog_release(&sv->user);
	if (strchr(program, '/')) {
		/* A path builds and reads host files: not for a client --safe keeps out. */
		if (sv->safe) {
			r = serve_fail(e, "bad_request", "--safe: this server runs built-in programs "
				       "only, not '%s'", program);
			goto out;
		}
		struct strbuf err = STRBUF_INIT;
		int rc = cli_user_program(&sv->im, program, &sv->user, &err);
		if (rc) {
			strbuf_rtrim(&err);
			r = serve_fail(e, rc == KDIVE_EXIT_USAGE ? "bad_request" : "guest", "%s",
				       err.buf);
			strbuf_release(&err);
			goto out;
		}
		strbuf_release(&err);
	} else {
		char *path = xstrfmt("%s/%s", sv->im.progs, program);
		int missing = access(path, R_OK) < 0;
		free(path);
		if (missing) {
			r = serve_fail(e, "bad_request", "no guest program '%s' (initramfs/progs/%s.c; "
				       "a program of your own is a path: ./%s.c)", program, program,
				       program);
			goto out;
		}
	}
	free(sv->program);
	sv->program = xstrdup(program);
	program = sv->program; /* the request is freed before the session ends */
	cli_session_image(&sv->im, sv->k, &img);
	img.user = sv->user.name ? &sv->user : NULL;
	b = sv->a->boot.guest;
	b.timeout_s = SERVE_SESSION_S; /* no limit but the client's own */
	int64_t t0 = now_ms();
	sv->booted = 1;
	if (session_open(&sv->s, &img, &b, program, &pargs, &why) < 0) {
		session_describe(&sv->s, &info);
		char *dir = info.rundir ? xstrdup(info.rundir) : NULL;
		serve_end_guest(sv, 0);
		r = serve_fail(e, "guest", "the guest did not start: %s%s%s%s", why.buf,
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
	const char *loc = serve_str_arg(args, "location"), *space = serve_str_arg(args, "space");
	const char *sys = serve_str_arg(args, "syscall"), *cond = serve_str_arg(args, "if");
	int nr = -1;
	if (space && strcmp(space, "kernel") && strcmp(space, "user"))
		return serve_fail(e, "bad_request", "'space' is kernel or user, not '%s'", space);
	if (sv->safe && !plain_location(loc))
		return serve_fail(e, "bad_request", "with --safe, 'location' is a function, FILE:LINE or "
			    "*0xADDRESS, not '%s'", loc);
	if (sys) {
		nr = run_syscall_nr(&sv->k->syscalls, sys);
		if (nr < 0)
			return serve_fail(e, "bad_request", "kernel %s has no syscall '%s'", sv->k->version, sys);
	}
	int bp = session_break(&sv->s, space && !strcmp(space, "user"), loc, nr, cond, &why);
	if (bp < 0) {
		serve_fail(e, "gdb", "cannot stop at '%s': %s", loc, why.buf);
		strbuf_release(&why);
		return -1;
	}
	strbuf_release(&why);
	json_int(res, "breakpoint", bp);
	return 0;
}

/* A stop's members (a result, or an event's body); timed_out when a deadline made it. */
void serve_stop_members(struct json *j, int exited, const struct session_stop *st,
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
		return serve_fail(e, "bad_request", "'timeout_ms' is 1 to %lld (a day)",
			    SERVE_TIMEOUT_MAX_MS);
	if (t && nowait)
		return serve_fail(e, "bad_request", "'timeout_ms' is for a continue that waits");
	if (session_resume(&sv->s) < 0)
		return serve_fail(e, "gdb", "gdb did not let the guest run");
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
		return serve_fail(e, "gdb", "cannot read the frames");
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
		return serve_fail(e, "bad_state", "pt_regs are read at a kernel stop");
	if (session_ptregs(&sv->s, regs) < 0)
		return serve_fail(e, "gdb", "cannot read struct pt_regs");
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
		return serve_fail(e, "bad_state", "MSR_LSTAR is read at a kernel stop (rdmsr needs CPL 0)");
	if (session_lstar(&sv->s, &v, &sym) < 0)
		return serve_fail(e, "gdb", "cannot read MSR_LSTAR");
	json_hex(res, "value", v);
	json_str(res, "symbol", sym);
	free(sym);
	return 0;
}

static int do_read_memory(struct serve *sv, const struct json_value *args, struct json *res,
			  struct serve_err *e)
{
	const char *addr = serve_str_arg(args, "address");
	int64_t n = 0;
	char *end;
	uint64_t a = strtoull(addr, &end, 0);
	json_value_int(json_value_find(args, "length"), &n);
	if (*end || end == addr || addr[0] == '-' || n <= 0 || n > 65536)
		return serve_fail(e, "bad_request", "an address such as \"0xffffffff81000000\" and a "
			    "length of 1 to 65536 bytes");
	unsigned char *buf = xmalloc((size_t)n);
	if (session_read_memory(&sv->s, a, (size_t)n, buf) < 0) {
		free(buf);
		return serve_fail(e, "gdb", "cannot read %lld bytes at %s", (long long)n, addr);
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
	char *v = session_eval(&sv->s, serve_str_arg(args, "expression"), &why);
	int r = v ? 0 : serve_fail(e, "gdb", "%s", why.buf);
	if (v)
		json_str(res, "value", v);
	free(v);
	strbuf_release(&why);
	return r;
}

/* Stop the running guest: gdb gets SIGINT when it is due (session_interrupt_due()), and
 * its stop is taken by serve_poll_guest, which asks again until it comes. 0, or -1
 * reported. */
int serve_interrupt_guest(struct serve *sv)
{
	sv->want_interrupt = 1;
	return session_interrupt_due(&sv->s) < 0 ? -1 : 0;
}

static int do_interrupt(struct serve *sv, const struct json_value *args, struct json *res,
			struct serve_err *e)
{
	(void)args;
	if (!sv->running)
		return serve_fail(e, "bad_state", "the guest is not running");
	if (serve_interrupt_guest(sv) < 0)
		return serve_fail(e, "gdb", "cannot interrupt");
	json_bool(res, "interrupting", 1); /* the stop comes as the continue's answer, or an
					      event */
	return 0;
}


static int do_shutdown(struct serve *sv, const struct json_value *args, struct json *res,
		       struct serve_err *e)
{
	(void)args;
	(void)e;
	int was = sv->booted;
	serve_answer_pending_gone(sv, "the guest was shut down before it stopped");
	serve_end_guest(sv, 1);
	json_bool(res, "was_running", was);
	return 0;
}

/* The commands, as JSON-lines commands and MCP tools. */
const struct serve_cmd serve_cmds[] = {
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
const size_t serve_ncmds = ARRAY_SIZE(serve_cmds);

/* The command called name in this server's framing and mode, or NULL. */
const struct serve_cmd *serve_cmd_named(const char *name)
{
	for (size_t i = 0; name && i < serve_ncmds; i++)
		if (!strcmp(serve_cmds[i].name, name))
			return &serve_cmds[i];
	return NULL;
}

const struct serve_cmd *serve_find_cmd(const struct serve *sv, const char *name)
{
	const struct serve_cmd *c = serve_cmd_named(name);
	return c && sv->safe && (c->flags & SERVE_UNSAFE) ? NULL : c;
}

/* Whether p is offered here. */
int serve_param_offered(const struct serve *sv, const struct serve_param *p)
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
		return serve_fail(e, "bad_request", "%s: '%s' must be a%s %s", c->name, p->name,
			    strchr("ai", p->type[0]) ? "n" : "", p->type);
	if (!json_value_is(val, JSON_STRING))
		return 0;
	/* Strings go into gdb commands: no NUL, no control byte (quote.h). */
	size_t len;
	const char *v = json_value_str(val, &len), *bad = quote_bad_byte(v);
	if (strlen(v) != len || (bad && !(p->flags & SERVE_RAW)))
		return serve_fail(e, "bad_request", "%s: '%s' has %s", c->name, p->name,
			    bad ? quote_byte_name((unsigned char)*bad) : "a NUL byte");
	return 0;
}

/*
 * Run a command with the arguments in object args (JSON lines: the request, whose "id"
 * and "cmd" are not arguments); its result, an object, is appended to res. 0, or -1
 * with e set. sv->defer set: the answer comes later.
 */
int serve_run_cmd(struct serve *sv, const struct serve_cmd *c, const struct json_value *args,
		   struct strbuf *res, struct serve_err *e)
{
	if (!json_value_is(args, JSON_OBJECT))
		return serve_fail(e, "bad_request", "the arguments must be an object");
	/* The declared arguments with their types; unknown ones are refused. */
	for (size_t i = 0; i < json_value_count(args); i++) {
		const struct json_value *m = json_value_at(args, i);
		const struct serve_param *p = c->params;
		if (!sv->mcp && (named(m, "id") || named(m, "cmd")))
			continue;
		while (p->name && (!named(m, p->name) || !serve_param_offered(sv, p)))
			p++;
		if (!p->name)
			return serve_fail(e, "bad_request", "%s takes no argument '%s'%s", c->name, m->key,
				    sv->safe ? " (--safe)" : "");
		if (check_arg(c, p, m, e) < 0)
			return -1;
	}
	for (const struct serve_param *p = c->params; p->name; p++)
		if (!(p->flags & SERVE_OPTIONAL) && !json_value_find(args, p->name))
			return serve_fail(e, "bad_request", "%s needs '%s'", c->name, p->name);
	if (c->needs_guest && !sv->booted)
		return serve_fail(e, "bad_state", "no guest: boot first");
	if (sv->running && c->fn != do_interrupt && c->fn != do_shutdown)
		return serve_fail(e, "bad_state", "the guest is running: wait for its stop, or interrupt");
	struct strbuf said = STRBUF_INIT;
	struct json j;
	json_init(&j, res, 0);
	json_open(&j, NULL, '{');
	serve_diag_capture = &said;
	int r = c->fn(sv, args, &j, e);
	serve_diag_capture = NULL;
	json_close(&j);
	if (r < 0 && said.len)
		strbuf_addf(&e->msg, " (%s)", said.buf);
	strbuf_release(&said);
	return r;
}
