/*
 * kdive serve: a machine interface on stdin/stdout for editors, scripts and agents.
 * One request a line, one response a line (JSON), in one of two framings:
 *   JSON lines: {"id": ID, "cmd": NAME, ...arguments} -> {"id": ID, "ok": true,
 *     "result": {...}} or {"id": ID, "ok": false, "error": {"code", "message"}};
 *   --mcp: the Model Context Protocol over stdio (JSON-RPC 2.0: initialize,
 *     tools/list, tools/call; the same commands as tools).
 * A malformed request gets an error and the session goes on. EOF, a signal or
 * `quit` shuts the guest down; nothing is left. JSON is parsed and written with
 * jansson. The protocol is docs/serve.md.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "run.h"
#include "session.h"
#include "syscalls.h"

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MCP_VERSION "2024-11-05"
#define SERVE_LINE_MAX (1 << 20)

struct serve {
	struct cli_images im;     /* kernel and initramfs, resolved once */
	struct cli_args *a;       /* the command line (boot options) */
	struct session s;         /* the guest, when booted */
	int booted;               /* s is live */
	int mcp;                  /* --mcp framing */
	const struct kernel *k;   /* the kernel */
	char *program;            /* the booted program's name (the session points to it) */
	int running;              /* a `continue` with wait false: the stop comes as an event */
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
}

/* ---- the commands ---- */

static json_t *do_boot(struct serve *sv, json_t *args, struct serve_err *e)
{
	struct session_opts so = { 0 };
	struct strbuf why = STRBUF_INIT;
	struct strvec pargs;
	const char *program = str_arg(args, "program");
	json_t *jargs = json_object_get(args, "args");
	if (sv->booted)
		return fail(e, "bad_state", "a guest is running: shutdown first");
	if (!program)
		program = "fork";
	free(sv->program);
	sv->program = xstrdup(program);
	program = sv->program; /* the request is freed before the session ends */
	if (jargs && !json_is_array(jargs))
		return fail(e, "bad_request", "'args' must be an array of strings");
	strvec_init(&pargs);
	for (size_t i = 0; jargs && i < json_array_size(jargs); i++) {
		json_t *v = json_array_get(jargs, i);
		if (!json_is_string(v)) {
			strvec_clear(&pargs);
			return fail(e, "bad_request", "'args' must be an array of strings");
		}
		strvec_push(&pargs, json_string_value(v));
	}
	struct strbuf line = STRBUF_INIT;
	if (qemu_go_line(program, &pargs, &line, &why) < 0) {
		strbuf_release(&line);
		strvec_clear(&pargs);
		json_t *r = fail(e, "bad_request", "%s", why.buf);
		strbuf_release(&why);
		return r;
	}
	strbuf_release(&line);
	so.bzimage = sv->k->bzimage;
	so.vmlinux = sv->k->vmlinux;
	so.initrd = sv->im.initrd;
	so.program = program;
	so.args = &pargs;
	so.go = 1;
	so.kaslr = sv->a->boot.kaslr;
	so.cpus = sv->a->boot.cpus;
	so.append = sv->a->boot.append;
	so.snapshots = sv->im.snapshots;
	so.keep = sv->a->boot.keep;
	int64_t t0 = now_ms();
	sv->booted = 1;
	if (session_start(&sv->s, &so) < 0 ||
	    session_enter_program(&sv->s, sv->im.progs, program, &why) < 0) {
		json_t *r = fail(e, "guest", "the guest did not start: %s", why.len ? why.buf : "");
		sv->s.args = NULL;
		end_guest(sv, 0);
		strvec_clear(&pargs);
		strbuf_release(&why);
		return r;
	}
	sv->s.args = NULL; /* (only the run line needed them) */
	strvec_clear(&pargs);
	strbuf_release(&why);
	json_t *r = json_object();
	json_object_set_new(r, "program", json_string(program));
	json_object_set_new(r, "kernel", json_string(sv->k->version));
	json_object_set_new(r, "restored", json_boolean(sv->s.restored));
	json_object_set_new(r, "kaslr_slide", hex(sv->s.slide));
	json_object_set_new(r, "rundir", json_string(sv->s.rundir));
	json_object_set_new(r, "ms", json_integer(now_ms() - t0));
	json_object_set_new(r, "stopped_at", json_string("main"));
	return r;
}

static json_t *do_stop(struct serve *sv, json_t *args, struct serve_err *e)
{
	struct strbuf why = STRBUF_INIT;
	const char *loc = str_arg(args, "location"), *space = str_arg(args, "space");
	const char *sys = str_arg(args, "syscall"), *cond = str_arg(args, "if");
	int nr = -1;
	if (!loc)
		return fail(e, "bad_request", "'location' (a function, FILE:LINE or *ADDRESS) is needed");
	if (space && strcmp(space, "kernel") && strcmp(space, "user"))
		return fail(e, "bad_request", "'space' is kernel or user, not '%s'", space);
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
	struct session_stop st = { .bkpt = -1 };
	json_t *wait = json_object_get(args, "wait");
	if (sv->mcp && wait && json_is_false(wait))
		return fail(e, "bad_request", "over MCP, continue waits for the stop");
	if (wait && json_is_false(wait)) {
		if (session_resume(&sv->s) < 0)
			return fail(e, "gdb", "gdb did not let the guest run");
		sv->running = 1;
		return json_pack("{s:b}", "running", 1);
	}
	json_t *t = json_object_get(args, "timeout_ms");
	int64_t deadline = json_is_integer(t) ? now_ms() + json_integer_value(t) : 0;
	int r = session_continue(&sv->s, deadline, &st);
	json_t *res = NULL;
	if (r == -1) {
		fail(e, "guest", "gdb or QEMU failed");
	} else if (r == -2) {
		fail(e, "timeout", "no stop within the time limit (the guest runs on: continue again)");
	} else {
		res = stop_json(r == 1, &st);
	}
	session_stop_release(&st);
	return res;
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
	json_t *len = json_object_get(args, "length");
	char *end;
	if (!addr || !json_is_integer(len))
		return fail(e, "bad_request", "'address' (a string, 0x...) and 'length' are needed");
	uint64_t a = strtoull(addr, &end, 0);
	json_int_t n = json_integer_value(len);
	if (*end || end == addr || n <= 0 || n > 65536)
		return fail(e, "bad_request", "an address such as \"0xffffffff81000000\" and a "
			    "length of 1 to 65536 bytes");
	unsigned char *buf = xmalloc((size_t)n);
	if (gdb_read_memory(&sv->s.gdb, a, (size_t)n, buf) < 0) {
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
	const char *expr = str_arg(args, "expression");
	if (!expr)
		return fail(e, "bad_request", "'expression' is needed");
	char *v = session_eval(&sv->s, expr, &why);
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

static json_t *do_interrupt(struct serve *sv, json_t *args, struct serve_err *e)
{
	(void)args;
	if (!sv->running)
		return fail(e, "bad_state", "the guest is not running");
	if (session_interrupt(&sv->s) < 0)
		return fail(e, "gdb", "cannot interrupt");
	return json_pack("{s:b}", "interrupting", 1); /* the stop comes as an event */
}

static json_t *do_shutdown(struct serve *sv, json_t *args, struct serve_err *e)
{
	(void)args;
	(void)e;
	int was = sv->booted;
	sv->running = 0;
	end_guest(sv, 1);
	json_t *r = json_object();
	json_object_set_new(r, "was_running", json_boolean(was));
	return r;
}

typedef json_t *(*serve_fn)(struct serve *sv, json_t *args, struct serve_err *e);

/* A command's argument: its JSON type (as JSON Schema names it), and whether it may be
 * left out. */
struct serve_param {
	const char *name, *type;
	int optional;
	const char *about;
};
#define NO_PARAMS ((const struct serve_param[]){ { NULL, NULL, 0, NULL } })

/* The commands, as JSON-lines commands and MCP tools. */
static const struct serve_cmd {
	const char *name;
	serve_fn fn;
	int needs_guest;
	const char *about;
	const struct serve_param *params; /* ended by a NULL name */
} cmds[] = {
	{ "boot", do_boot, 0, "Boot (or restore) the guest and stop its program at main.",
	  (const struct serve_param[]){
		{ "program", "string", 1, "guest program, initramfs/progs/NAME.c (default fork)" },
		{ "args", "array", 1, "its arguments, strings" },
		{ NULL, NULL, 0, NULL } } },
	{ "stop", do_stop, 1, "A breakpoint limited to the program's task, as a scenario's stop.",
	  (const struct serve_param[]){
		{ "location", "string", 0, "a function, FILE:LINE or *ADDRESS" },
		{ "space", "string", 1, "kernel (default) or user" },
		{ "syscall", "string", 1, "only during this system call (name or number)" },
		{ "if", "string", 1, "a gdb condition" },
		{ NULL, NULL, 0, NULL } } },
	{ "continue", do_continue, 1, "Run until the next stop (or the guest's end).",
	  (const struct serve_param[]){
		{ "timeout_ms", "integer", 1, "give up after this long (the guest runs on)" },
		{ "wait", "boolean", 1, "false: answer at once; the stop comes as an event (JSON lines)" },
		{ NULL, NULL, 0, NULL } } },
	{ "interrupt", do_interrupt, 1, "Stop a guest that runs (after continue with wait "
	  "false); the stop comes as an event.", NO_PARAMS },
	{ "frames", do_frames, 1, "The kernel frames, and at a kernel stop the user frames.",
	  NO_PARAMS },
	{ "ptregs", do_ptregs, 1, "struct pt_regs of the current syscall, by field.", NO_PARAMS },
	{ "lstar", do_lstar, 1, "MSR_LSTAR, read at a kernel stop, and its symbol.", NO_PARAMS },
	{ "read_memory", do_read_memory, 1, "Guest memory, as hex.",
	  (const struct serve_param[]){
		{ "address", "string", 0, "0x..." },
		{ "length", "integer", 0, "bytes (1 to 65536)" },
		{ NULL, NULL, 0, NULL } } },
	{ "eval", do_eval, 1, "Evaluate a gdb expression.",
	  (const struct serve_param[]){
		{ "expression", "string", 0, "the expression" },
		{ NULL, NULL, 0, NULL } } },
	{ "shutdown", do_shutdown, 0, "Shut the guest down (the server stays).", NO_PARAMS },
};

static const struct serve_cmd *find_cmd(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

/* Run a command; its result, or NULL with e set. */
static json_t *run_cmd(struct serve *sv, const struct serve_cmd *c, json_t *args,
		       struct serve_err *e)
{
	if (!json_is_object(args))
		return fail(e, "bad_request", "the arguments must be an object");
	if (c->needs_guest && !sv->booted)
		return fail(e, "bad_state", "no guest: boot first");
	if (sv->running && c->fn != do_interrupt && c->fn != do_shutdown)
		return fail(e, "bad_state", "the guest is running: wait for its stop event, or "
			    "interrupt");
	/* The declared arguments with their types; unknown ones are refused. */
	const char *key;
	json_t *val;
	json_object_foreach(args, key, val) {
		const struct serve_param *p = c->params;
		while (p->name && strcmp(p->name, key))
			p++;
		if (!p->name)
			return fail(e, "bad_request", "%s takes no argument '%s'", c->name, key);
		int ok = !strcmp(p->type, "string")    ? json_is_string(val)
			 : !strcmp(p->type, "integer") ? json_is_integer(val)
			 : !strcmp(p->type, "boolean") ? json_is_boolean(val)
						       : json_is_array(val);
		if (!ok)
			return fail(e, "bad_request", "'%s' must be a%s %s", key,
				    strchr("ai", p->type[0]) ? "n" : "", p->type);
	}
	for (const struct serve_param *p = c->params; p->name; p++)
		if (!p->optional && !json_object_get(args, p->name))
			return fail(e, "bad_request", "%s needs '%s'", c->name, p->name);
	struct strbuf said = STRBUF_INIT;
	diag_capture = &said;
	json_t *r = c->fn(sv, args, e);
	diag_capture = NULL;
	if (!r && said.len)
		strbuf_addf(&e->msg, " (%s)", said.buf);
	strbuf_release(&said);
	return r;
}

/* ---- framing ---- */

static void emit(json_t *msg)
{
	char *s = json_dumps(msg, JSON_COMPACT);
	if (s) {
		fputs(s, stdout);
		fputc('\n', stdout);
		fflush(stdout);
	}
	free(s);
	json_decref(msg);
}

static void jsonl_request(struct serve *sv, const char *line, int *quit)
{
	json_error_t jerr;
	struct serve_err e = { NULL, STRBUF_INIT };
	json_t *req = json_loads(line, 0, &jerr), *id = NULL, *res = NULL;
	const char *name = NULL;
	if (!req) {
		fail(&e, "bad_json", "not JSON: %s (column %d)", jerr.text, jerr.column);
	} else if (!json_is_object(req)) {
		fail(&e, "bad_request", "a request is an object: {\"id\": 1, \"cmd\": \"boot\"}");
	} else {
		id = json_object_get(req, "id");
		name = str_arg(req, "cmd");
		if (name && !strcmp(name, "quit")) {
			*quit = 1;
			res = json_object();
		} else if (!name) {
			fail(&e, "bad_request", "no \"cmd\" (a string) in the request");
		} else if (!find_cmd(name)) {
			fail(&e, "unknown_command", "no command '%s'", name);
		} else {
			json_t *args = json_deep_copy(req);
			json_object_del(args, "id");
			json_object_del(args, "cmd");
			res = run_cmd(sv, find_cmd(name), args, &e);
			json_decref(args);
		}
	}
	json_t *out = json_object();
	json_object_set(out, "id", id ? id : json_null());
	json_object_set_new(out, "ok", json_boolean(res != NULL));
	if (res) {
		json_object_set_new(out, "result", res);
	} else {
		json_t *err = json_object();
		json_object_set_new(err, "code", json_string(e.code));
		json_object_set_new(err, "message", json_string(e.msg.buf));
		json_object_set_new(out, "error", err);
	}
	emit(out);
	json_decref(req);
	strbuf_release(&e.msg);
}

/* JSON-RPC 2.0's error codes. */
enum { RPC_PARSE = -32700, RPC_INVALID = -32600, RPC_METHOD = -32601, RPC_PARAMS = -32602 };

static void rpc_error(json_t *id, int code, const char *message)
{
	json_t *out = json_object(), *err = json_object();
	json_object_set_new(out, "jsonrpc", json_string("2.0"));
	json_object_set(out, "id", id ? id : json_null());
	json_object_set_new(err, "code", json_integer(code));
	json_object_set_new(err, "message", json_string(message));
	json_object_set_new(out, "error", err);
	emit(out);
}

static void rpc_result(json_t *id, json_t *result)
{
	json_t *out = json_object();
	json_object_set_new(out, "jsonrpc", json_string("2.0"));
	json_object_set(out, "id", id);
	json_object_set_new(out, "result", result);
	emit(out);
}

static json_t *tools_list(void)
{
	json_t *tools = json_array();
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		json_t *t = json_object(), *schema = json_object(), *props = json_object();
		json_t *required = json_array();
		for (const struct serve_param *p = cmds[i].params; p->name; p++) {
			json_t *prop = json_pack("{s:s,s:s}", "type", p->type, "description", p->about);
			if (!strcmp(p->type, "array"))
				json_object_set_new(prop, "items", json_pack("{s:s}", "type", "string"));
			json_object_set_new(props, p->name, prop);
			if (!p->optional)
				json_array_append_new(required, json_string(p->name));
		}
		json_object_set_new(schema, "type", json_string("object"));
		json_object_set_new(schema, "properties", props);
		json_object_set_new(schema, "required", required);
		json_object_set_new(t, "name", json_string(cmds[i].name));
		json_object_set_new(t, "description", json_string(cmds[i].about));
		json_object_set_new(t, "inputSchema", schema);
		json_array_append_new(tools, t);
	}
	return json_pack("{s:o}", "tools", tools);
}

static void mcp_request(struct serve *sv, const char *line)
{
	json_error_t jerr;
	json_t *req = json_loads(line, 0, &jerr);
	if (!req) {
		char *m = xstrfmt("parse error: %s", jerr.text);
		rpc_error(NULL, RPC_PARSE, m);
		free(m);
		return;
	}
	json_t *id = json_object_get(req, "id");
	const char *method = str_arg(req, "method");
	json_t *params = json_object_get(req, "params");
	if (!json_is_object(req) || !method ||
	    !json_is_string(json_object_get(req, "jsonrpc")) ||
	    strcmp(json_string_value(json_object_get(req, "jsonrpc")), "2.0")) {
		rpc_error(id, RPC_INVALID, "invalid request: {\"jsonrpc\": \"2.0\", \"id\", \"method\"}");
	} else if (!id) {
		/* A notification (notifications/initialized, ...): no answer. */
	} else if (!strcmp(method, "initialize")) {
		rpc_result(id, json_pack("{s:s,s:{s:{}},s:{s:s,s:s}}", "protocolVersion", MCP_VERSION,
					 "capabilities", "tools", "serverInfo", "name", "kdive",
					 "version", KDIVE_VERSION));
	} else if (!strcmp(method, "ping")) {
		rpc_result(id, json_object());
	} else if (!strcmp(method, "tools/list")) {
		rpc_result(id, tools_list());
	} else if (!strcmp(method, "tools/call")) {
		const char *name = str_arg(params, "name");
		json_t *args = json_object_get(params, "arguments");
		const struct serve_cmd *c = find_cmd(name);
		if (!json_is_object(params) || !c) {
			rpc_error(id, RPC_PARAMS, c ? "params: {\"name\", \"arguments\"}" : "no such tool");
		} else {
			struct serve_err e = { NULL, STRBUF_INIT };
			json_t *own = args ? json_incref(args) : json_object();
			json_t *res = run_cmd(sv, c, own, &e);
			json_decref(own);
			/* A tool that fails says so in its result (isError), as MCP asks. */
			char *text = res ? json_dumps(res, JSON_COMPACT)
					 : xstrfmt("%s: %s", e.code, e.msg.buf);
			rpc_result(id, json_pack("{s:[{s:s,s:s}],s:b}", "content", "type", "text",
						 "text", text, "isError", res == NULL));
			free(text);
			json_decref(res);
			strbuf_release(&e.msg);
		}
	} else {
		rpc_error(id, RPC_METHOD, "method not found");
	}
	json_decref(req);
}

static int serve_option(void *ctx, int key, const char *arg)
{
	(void)arg;
	if (key == 'm')
		((struct serve *)ctx)->mcp = 1;
	return 0;
}

static int cmd_serve(int argc, char **argv)
{
	struct serve sv;
	struct cli_args a;
	int rc, quit = 0;
	memset(&sv, 0, sizeof(sv));
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
	/* Requests from stdin and, while the guest runs, its stop from gdb. */
	struct strbuf in = STRBUF_INIT;
	int eof = 0;
	while (!quit && !(eof && !in.len)) {
		char *nl = memchr(in.buf, '\n', in.len);
		if (nl || (eof && in.len)) {
			size_t len = nl ? (size_t)(nl - in.buf) : in.len;
			char *line = xstrndup(in.buf, len);
			memmove(in.buf, in.buf + len + !!nl, in.len - len - !!nl);
			strbuf_setlen(&in, in.len - len - !!nl);
			line[strcspn(line, "\r")] = '\0';
			if (line[strspn(line, " \t")])
				sv.mcp ? mcp_request(&sv, line) : jsonl_request(&sv, line, &quit);
			free(line);
			continue;
		}
		if (in.len > SERVE_LINE_MAX) {
			strbuf_reset(&in);
			sv.mcp ? rpc_error(NULL, RPC_INVALID, "request too long")
			       : jsonl_request(&sv, "\"too long\"", &quit);
			continue;
		}
		struct pollfd pfd[2] = { { .fd = eof ? -1 : STDIN_FILENO, .events = POLLIN },
					 { .fd = sv.running ? session_stop_fd(&sv.s) : -1,
					   .events = POLLIN } };
		if (poll(pfd, 2, sv.running ? 200 : -1) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents) {
			char buf[65536];
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n > 0)
				strbuf_add(&in, buf, (size_t)n);
			else if (n == 0 || errno != EINTR)
				eof = 1;
		}
		if (sv.running) {
			struct session_stop st = { .bkpt = -1 };
			int r = session_poll_stop(&sv.s, &st);
			if (r != 0) {
				int exited = r < 0 || (st.reason && !strncmp(st.reason, "exited", 6));
				json_t *ev = r < 0 ? json_pack("{s:b,s:s}", "exited", 1, "error",
								"gdb or QEMU is gone")
						   : stop_json(exited, &st);
				json_object_set_new(ev, "event", json_string("stopped"));
				emit(ev);
				sv.running = 0;
			}
			session_stop_release(&st);
		}
	}
	strbuf_release(&in);
	end_guest(&sv, 1);
	rc = KDIVE_EXIT_PASS;
out:
	free(sv.program);
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
	"space, syscall, if: a scenario's stop), continue (wait false: at once, and the\n"
	"stop comes as an event, {\"event\": \"stopped\", ...}), interrupt, frames (kernel\n"
	"and user), ptregs, lstar, read_memory, eval, shutdown, quit. --mcp speaks the\n"
	"Model Context Protocol (JSON-RPC 2.0: initialize, tools/list, tools/call) with the\n"
	"same commands as tools. EOF, a signal or quit shuts the guest down. The protocol:\n"
	"docs/serve.md.\n",
	.opts = (const struct cli_opt[]){
		{ "mcp", 'm', 0, NULL, "the Model Context Protocol's framing (JSON-RPC 2.0)" },
		CLI_OPT_KEEP,
		CLI_OPT_KERNEL,
		CLI_OPT_VMLINUX,
		CLI_OPT_INDEX,
		CLI_OPT_KASLR,
		CLI_OPT_SMP,
		CLI_OPT_APPEND,
		CLI_OPT_NO_SNAPSHOT,
		CLI_OPT_VERBOSE,
		CLI_OPT_END,
	},
	.tail = "Exit: 0 at EOF or quit, 2 bad usage, 3 the kernel or initramfs could not be built.\n",
};
