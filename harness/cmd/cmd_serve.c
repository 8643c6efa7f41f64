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
#include "serve_int.h"
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
/* v as compact JSON text (null for NULL), as it was sent; the caller frees it. */
static char *value_text(const struct json_value *v)
{
	struct strbuf sb = STRBUF_INIT;
	struct json j;
	json_init(&j, &sb, 0);
	json_value_write(&j, NULL, v);
	return strbuf_detach(&sb, NULL);
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
void serve_answer_pending_gone(struct serve *sv, const char *why)
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
	int r = serve_run_cmd(sv, c, args, &res, &e);
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
		serve_stop_members(&j, exited, st, sv->timed_out);
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
			if (serve_interrupt_guest(sv) < 0) {
				serve_answer_pending_gone(sv, "the time was up and the guest could not be "
						    "interrupted");
				serve_end_guest(sv, 0);
			}
		} else if (sv->want_interrupt && serve_interrupt_guest(sv) < 0) {
			serve_answer_pending_gone(sv, "the guest could not be interrupted");
			serve_end_guest(sv, 0);
		}
		session_stop_release(&st);
		return;
	}
	sv->running = 0;
	sv->want_interrupt = 0;
	if (r < 0) {
		/* gdb or QEMU died: this guest is over (its run directory is kept). */
		if (sv->pending)
			serve_answer_pending_gone(sv, "gdb or QEMU is gone");
		else if (!sv->mcp)
			emit_event(sv, 1, NULL, "gdb or QEMU is gone");
		serve_end_guest(sv, 0);
		session_stop_release(&st);
		return;
	}
	int exited = st.reason && !strncmp(st.reason, "exited", 6);
	if (sv->pending) {
		struct strbuf res = STRBUF_INIT;
		struct json j;
		json_init(&j, &res, 0);
		json_open(&j, NULL, '{');
		serve_stop_members(&j, exited, &st, sv->timed_out);
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
		serve_fail(&e, "bad_json", "not JSON: %s (column %zu)", jerr.message, jerr.column);
	} else if (!json_value_is(req, JSON_OBJECT)) {
		serve_fail(&e, "bad_request", "a request is an object: {\"id\": 1, \"cmd\": \"boot\"}");
	} else {
		id = value_text(json_value_find(req, "id"));
		name = serve_str_arg(req, "cmd");
		if (name && !strcmp(name, "quit")) {
			sv->quit = 1;
			serve_answer_pending_gone(sv, "the server quit before the guest stopped");
			answer(sv, id, "{}", NULL);
			goto out;
		} else if (!name) {
			serve_fail(&e, "bad_request", "no \"cmd\" (a string) in the request");
		} else if (!serve_find_cmd(sv, name)) {
			serve_fail(&e, "unknown_command", "no command '%s'%s", name,
			     serve_cmd_named(name) ? " (--safe)" : "");
		} else {
			run_and_answer(sv, serve_find_cmd(sv, name), id, req);
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
	for (size_t i = 0; i < serve_ncmds; i++) {
		if (!serve_find_cmd(sv, serve_cmds[i].name))
			continue;
		json_open(&j, NULL, '{');
		json_str(&j, "name", serve_cmds[i].name);
		json_str(&j, "description", serve_cmds[i].about);
		json_open(&j, "inputSchema", '{');
		json_str(&j, "type", "object");
		json_open(&j, "properties", '{');
		for (const struct serve_param *p = serve_cmds[i].params; p->name; p++) {
			if (!serve_param_offered(sv, p))
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
		for (const struct serve_param *p = serve_cmds[i].params; p->name; p++)
			if (serve_param_offered(sv, p) && !(p->flags & SERVE_OPTIONAL))
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
	const char *asked = serve_str_arg(params, "protocolVersion");
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
	if (sv->running && serve_interrupt_guest(sv) < 0)
		serve_end_guest(sv, 0);
}

static void mcp_call(struct serve *sv, const char *id, const struct json_value *params)
{
	static const struct json_value none = { .kind = JSON_OBJECT };
	const char *name = serve_str_arg(params, "name");
	const struct json_value *args = json_value_find(params, "arguments");
	const struct serve_cmd *c = serve_find_cmd(sv, name);
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
		serve_fail(&e, "bad_request", "a request line of more than %d bytes", SERVE_LINE_MAX);
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
	serve_end_guest(sv, 1);
	free(sv->pending);
	free(sv->program);
	userprog_release(&sv->user);
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
	serve_answer_pending_gone(sv, "");
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
	diag_set_sink(serve_capture_diag, NULL, DIAG_WARNING);
	serve_loop(&sv);
	serve_end_guest(&sv, 1);
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
