/*
 * kdive dap: a Debug Adapter Protocol adapter on stdin/stdout, for editors (VS Code,
 * nvim-dap, Emacs' dape, Helix, Zed). Messages are framed by Content-Length
 * (dap_wire.h); each request gets a response, failures with success false and a
 * message (a malformed message too: the session goes on). launch restores the warm
 * guest (or boots it) through session, like every command, and stops the program at
 * its main; breakpoints (functions, source lines, in the kernel or the program) are
 * session's, limited to the program's task; a stop is shown as one call stack, kernel
 * frames then the user frames unwound from struct pt_regs (dap_inspect.c). While the
 * guest runs requests are still read (pause, disconnect, terminate); the guest's
 * console goes out as output events. EOF, a signal, disconnect or terminate shut the
 * guest down; nothing is left. Depends on cli, session, json, dap_wire.
 */
#define _GNU_SOURCE
#include "dap_int.h"
#include "obs.h"
#include "proc.h"
#include "run.h"
#include "timeutil.h"
#include "usage.h"
#include "wrapper.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


int dap_fail(struct strbuf *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(err, fmt, ap);
	va_end(ap);
	return -1;
}

int dap_str_arg(const struct json_value *obj, const char *key, const char **out,
		struct strbuf *err)
{
	const struct json_value *v = json_value_find(obj, key);
	size_t len;
	*out = json_value_str(v, &len);
	if (v && (!*out || strlen(*out) != len))
		return dap_fail(err, "'%s' must be a string without NUL", key);
	return 0;
}

/* Errors the library reported (error()) go into the failing response too. */
static struct strbuf *dap_diag_capture;
static void dap_capture_diag(enum diag_level level, const char *msg, void *ctx)
{
	(void)ctx;
	if (level == DIAG_ERROR && dap_diag_capture)
		strbuf_addf(dap_diag_capture, "%s%s", dap_diag_capture->len ? "; " : "", msg);
	if (level <= DIAG_WARNING)
		fprintf(stderr, "kdive dap: %s\n", msg);
}

/* ---- messages ---- */

/* Write a whole frame to the editor; a write that fails ends the adapter. */
static void send_body(struct dap *d, const struct strbuf *msg)
{
	struct strbuf f = STRBUF_INIT;
	dap_wire_frame(&f, msg->buf, msg->len);
	for (size_t off = 0; off < f.len;) {
		ssize_t w = write(d->out_fd, f.buf + off, f.len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			d->quit = 1;
			break;
		}
		off += (size_t)w;
	}
	strbuf_release(&f);
}

/* Start a message of type ("response", "event") with the next seq. */
static void msg_open(struct dap *d, struct json *j, struct strbuf *out, const char *type)
{
	json_init(j, out, 0);
	json_open(j, NULL, '{');
	json_int(j, "seq", ++d->seq);
	json_str(j, "type", type);
}

void dap_event(struct dap *d, const char *event, const char *body)
{
	struct strbuf out = STRBUF_INIT;
	struct json j;
	msg_open(d, &j, &out, "event");
	json_str(&j, "event", event);
	if (body)
		json_raw(&j, "body", body);
	json_finish(&j);
	send_body(d, &out);
	strbuf_release(&out);
}

/* The response to request seq of command (NULL: ""), with body
 * (an object's text, or NULL), or failed with message. */
static void respond(struct dap *d, int64_t seq, const char *command, const char *body,
		    const char *message)
{
	struct strbuf out = STRBUF_INIT;
	struct json j;
	msg_open(d, &j, &out, "response");
	json_int(&j, "request_seq", seq);
	json_bool(&j, "success", message == NULL);
	json_str(&j, "command", command ? command : "");
	if (message) {
		/* ErrorResponse: the message, and again as the body's Message for editors that
		 * show that one (its id names kdive's one kind of failure). */
		json_str(&j, "message", message);
		json_open(&j, "body", '{');
		json_open(&j, "error", '{');
		json_int(&j, "id", 1);
		json_str(&j, "format", message);
		json_bool(&j, "showUser", 1);
		json_close(&j);
		json_close(&j);
	} else if (body) {
		json_raw(&j, "body", body);
	}
	json_finish(&j);
	send_body(d, &out);
	strbuf_release(&out);
}

/* An output event: len bytes of text (0: a C string) in category ("stdout",
 * "important"). */
static void output(struct dap *d, const char *category, const char *text, size_t len)
{
	if (!len)
		len = strlen(text);
	struct strbuf b = STRBUF_INIT;
	struct json j;
	json_init(&j, &b, 0);
	json_open(&j, NULL, '{');
	json_str(&j, "category", category);
	json_mem(&j, "output", text, len);
	json_close(&j);
	dap_event(d, "output", b.buf);
	strbuf_release(&b);
}

/* What the guest printed on its console since the last time, as output. */
static void forward_console(struct dap *d)
{
	struct session_info si;
	char buf[16384];
	if (!d->launched)
		return;
	session_describe(&d->s, &si);
	int fd = si.console ? open(si.console, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0)
		return;
	ssize_t n;
	while ((n = pread(fd, buf, sizeof(buf), d->console_off)) > 0) {
		output(d, "stdout", buf, (size_t)n);
		d->console_off += n;
	}
	close(fd);
}

/* ---- the guest ---- */

void dap_end_guest(struct dap *d, int ok)
{
	dap_stop_forget(d);
	if (d->launched)
		session_end(&d->s, ok);
	d->launched = d->attached = 0;
	d->running = 0;
	dap_bps_free(d);
	free(d->threads);
	d->threads = NULL;
	d->syscall_bp = -1;
}

/* The guest ended: the rest of its console, the program's status, exited, terminated. */
static void guest_exited(struct dap *d)
{
	struct session_info si;
	char body[64];
	/* QEMU closed gdb's connection as it powered off: the console says how the
	 * program ended, once QEMU wrote its last bytes. */
	int64_t until = now_ms() + 3000;
	while (session_read_verdict(&d->s) < 0 && now_ms() < until)
		sleep_ms(50);
	forward_console(d);
	session_describe(&d->s, &si);
	snprintf(body, sizeof(body), "{\"exitCode\":%d}", si.program_status);
	dap_event(d, "exited", body);
	dap_end_guest(d, 1);
	dap_event(d, "terminated", NULL);
}

/* The pid of the task the selected CPU runs, or -1. */
static long current_pid(struct dap *d)
{
	struct session_info si;
	struct strbuf why = STRBUF_INIT;
	session_describe(&d->s, &si);
	char *expr = xstrfmt("(long)%s->pid", si.current);
	char *v = session_eval(&d->s, expr, &why);
	long pid = v ? strtol(v, NULL, 0) : -1;
	free(v);
	free(expr);
	strbuf_release(&why);
	return pid;
}

/* A stop arrived: tell the editor why, as DAP words it. */
static void stopped(struct dap *d, const struct session_stop *st)
{
	struct strbuf b = STRBUF_INIT;
	struct json j;
	const char *why = st->reason ? st->reason : "";
	const char *reason = d->pausing ? "pause" : d->stepping ? "step" : "pause";
	int exc = 0, bkpt = !strcmp(why, "breakpoint-hit");
	if (bkpt) {
		exc = st->bkpt >= 0 && st->bkpt == d->syscall_bp;
		reason = exc ? "exception" : "breakpoint";
	} else if (!strcmp(why, "end-stepping-range") || !strcmp(why, "function-finished"))
		reason = "step";
	json_init(&j, &b, 0);
	json_open(&j, NULL, '{');
	json_str(&j, "reason", reason);
	if (exc)
		json_str(&j, "description", "a system call of the program");
	d->thread = st->thread > 0 ? st->thread : DAP_THREAD;
	json_int(&j, "threadId", d->thread);
	/* gdb ends a step at the code's next line whichever task runs it: a step over
	 * fork() can end in the child. Said, not hidden. */
	long pid = d->stepping && !exc && d->step_pid > 0 ? current_pid(d) : -1;
	if (pid > 0 && pid != d->step_pid) {
		char *text = xstrfmt("the step ended in another task (pid %ld) that ran the same "
				     "code; the stepped one is pid %ld", pid, d->step_pid);
		json_str(&j, "description", text);
		free(text);
	}
	json_bool(&j, "allThreadsStopped", 1);
	if (bkpt && !exc) {
		json_open(&j, "hitBreakpointIds", '[');
		json_int(&j, NULL, st->bkpt);
		json_close(&j);
	}
	json_close(&j);
	d->running = d->stepping = d->pausing = 0;
	dap_stop_forget(d);
	d->view_thread = d->thread; /* gdb selected the thread that stopped */
	forward_console(d);
	dap_event(d, "stopped", b.buf);
	strbuf_release(&b);
}

/* While the guest runs: its console, its stop, a pause to deliver. */
static void poll_guest(struct dap *d)
{
	struct session_stop st = { .bkpt = -1 };
	if (!d->launched || !d->running)
		return;
	forward_console(d);
	int r = session_poll_stop(&d->s, &st);
	if (r == 0) {
		/* A pause: SIGINT when due, asked again at each poll until the stop. */
		if (d->pausing && session_interrupt_due(&d->s) < 0) {
			output(d, "important", "kdive: the guest could not be paused\n", 0);
			dap_end_guest(d, 0);
			dap_event(d, "terminated", NULL);
		}
	} else if (r < 0) {
		output(d, "important", "kdive: gdb or QEMU is gone\n", 0);
		dap_end_guest(d, 0);
		dap_event(d, "terminated", NULL);
	} else if (st.reason && !strncmp(st.reason, "exited", 6)) {
		d->running = 0;
		guest_exited(d);
	} else {
		stopped(d, &st);
	}
	session_stop_release(&st);
}

static int dap_configuration_done(struct dap *d, const struct json_value *args, struct json *body,
				  struct strbuf *err)
{
	(void)args;
	(void)body;
	/* At main, stopped: the editor is told, or the guest goes on. */
	if (d->stop_on_entry) {
		d->entry_pending = 1; /* the stopped event follows the response */
		return 0;
	}
	if (session_resume(&d->s) < 0)
		return dap_fail(err, "gdb did not let the guest run");
	d->running = 1;
	return 0;
}

/* ---- run control ---- */

static int let_run(struct dap *d, int step, enum session_step_kind how, struct strbuf *err)
{
	dap_unselect(d);
	/* gdb steps (and, all-stop, resumes from) the selected thread: the stop's. */
	if (d->view_thread != d->thread && session_select_thread(&d->s, d->thread) < 0)
		return dap_fail(err, "cannot select thread %d", d->thread);
	d->view_thread = d->thread;
	d->step_pid = step ? current_pid(d) : -1;
	int r = step ? session_step(&d->s, how) : session_resume(&d->s);
	if (r < 0)
		return dap_fail(err, "gdb did not let the guest run");
	dap_stop_forget(d);
	d->running = 1;
	d->stepping = step;
	d->pausing = 0;
	return 0;
}

static int dap_continue(struct dap *d, const struct json_value *args, struct json *body,
			struct strbuf *err)
{
	(void)args;
	if (let_run(d, 0, SESSION_STEP_OVER, err) < 0)
		return -1;
	json_bool(body, "allThreadsContinued", 1);
	return 0;
}

static int dap_next(struct dap *d, const struct json_value *args, struct json *body,
		    struct strbuf *err)
{
	(void)args;
	(void)body;
	return let_run(d, 1, SESSION_STEP_OVER, err);
}

static int dap_step_in(struct dap *d, const struct json_value *args, struct json *body,
		       struct strbuf *err)
{
	(void)args;
	(void)body;
	return let_run(d, 1, SESSION_STEP_INTO, err);
}

static int dap_step_out(struct dap *d, const struct json_value *args, struct json *body,
			struct strbuf *err)
{
	(void)args;
	(void)body;
	return let_run(d, 1, SESSION_STEP_OUT, err);
}

static int dap_pause(struct dap *d, const struct json_value *args, struct json *body,
		     struct strbuf *err)
{
	(void)args;
	(void)body;
	(void)err;
	/* The SIGINT goes from the poll (poll_guest): not within 100 ms of the resume. */
	if (d->running)
		d->pausing = 1;
	return 0;
}

static int dap_disconnect(struct dap *d, const struct json_value *args, struct json *body,
			  struct strbuf *err)
{
	(void)args;
	(void)body;
	(void)err;
	dap_end_guest(d, 1);
	d->quit = 1;
	return 0;
}

static int dap_terminate(struct dap *d, const struct json_value *args, struct json *body,
			 struct strbuf *err)
{
	(void)args;
	(void)body;
	(void)err;
	int was = d->launched;
	dap_end_guest(d, 1);
	if (was)
		d->terminated_pending = 1;
	return 0;
}

/*
 * Stop the running guest for a request that needs it stopped (DAP_HOLD): 1 when the
 * interrupt stopped it (let it run again after), 0 when it stopped by itself meanwhile
 * (*st: that stop, for the editor once the request is answered), -1 when it would not
 * stop within 5 s (reported). SIGINT when due (session_interrupt_due()).
 */
static int hold_guest(struct dap *d, struct session_stop *st)
{
	for (int64_t until = now_ms() + 5000;; sleep_ms(5)) {
		int r = session_poll_stop(&d->s, st);
		if (r < 0)
			return -1;
		if (r == 1)
			break;
		if (session_interrupt_due(&d->s) < 0)
			return -1;
		if (now_ms() > until)
			return error("the guest did not stop within 5 s of an interrupt");
	}
	d->running = 0;
	if (st->reason && !strcmp(st->reason, "signal-received") && !d->pausing) {
		session_stop_release(st);
		return 1;
	}
	return 0;
}

/* ---- initialize ---- */

static int dap_initialize(struct dap *d, const struct json_value *args, struct json *body,
			  struct strbuf *err)
{
	(void)args;
	if (d->initialized)
		return dap_fail(err, "initialize was sent already");
	d->initialized = 1;
	/* What kdive does, and nothing it does not. */
	json_bool(body, "supportsConfigurationDoneRequest", 1);
	json_bool(body, "supportsFunctionBreakpoints", 1);
	json_bool(body, "supportsConditionalBreakpoints", 1);
	json_bool(body, "supportsHitConditionalBreakpoints", 1);
	json_bool(body, "supportsEvaluateForHovers", 1);
	json_bool(body, "supportsReadMemoryRequest", 1);
	json_bool(body, "supportsDisassembleRequest", 1);
	json_bool(body, "supportsTerminateRequest", 1);
	json_bool(body, "supportTerminateDebuggee", 1);
	json_bool(body, "supportsInstructionBreakpoints", 0);
	json_bool(body, "supportsSetVariable", 0);
	json_bool(body, "supportsStepBack", 0);
	json_bool(body, "supportsRestartRequest", 0);
	json_open(body, "exceptionBreakpointFilters", '[');
	json_open(body, NULL, '{');
	json_str(body, "filter", DAP_SYSCALL_FILTER);
	json_str(body, "label", "Every system call of the program");
	json_str(body, "description", "Stop at each entry to the kernel by a system call of the "
		 "program's task (do_syscall_64); interrupts and faults are not included");
	json_bool(body, "default", 0);
	json_close(body);
	json_close(body);
	return 0;
}

/* ---- requests ---- */

enum dap_flags {
	DAP_GUEST = 1,         /* needs a launched guest */
	DAP_STOPPED = 2,       /* ... and stopped */
	DAP_RUNNING_OK = 4,    /* taken while the guest runs */
	DAP_ARGS = 8,          /* needs its arguments */
	DAP_HOLD = 16,         /* taken while the guest runs by stopping it for the request
				  and letting it go on after (gdb sets breakpoints on a stopped
				  target) */
};

struct dap_req {
	const char *command;
	dap_fn fn;
	int flags;
};

static const struct dap_req dap_reqs[] = {
	{ "initialize", dap_initialize, DAP_RUNNING_OK },
	{ "launch", dap_launch, 0 },
	{ "attach", dap_attach, 0 },
	{ "configurationDone", dap_configuration_done, DAP_GUEST | DAP_STOPPED },
	{ "setBreakpoints", dap_set_breakpoints, DAP_GUEST | DAP_HOLD | DAP_ARGS },
	{ "setFunctionBreakpoints", dap_set_function_breakpoints, DAP_GUEST | DAP_HOLD | DAP_ARGS },
	{ "setExceptionBreakpoints", dap_set_exception_breakpoints, DAP_GUEST | DAP_HOLD | DAP_ARGS },
	{ "threads", dap_threads, DAP_RUNNING_OK },
	{ "stackTrace", dap_stack_trace, DAP_GUEST | DAP_STOPPED | DAP_ARGS },
	{ "scopes", dap_scopes, DAP_GUEST | DAP_STOPPED | DAP_ARGS },
	{ "variables", dap_variables, DAP_GUEST | DAP_STOPPED | DAP_ARGS },
	{ "evaluate", dap_evaluate, DAP_GUEST | DAP_STOPPED | DAP_ARGS },
	{ "readMemory", dap_read_memory, DAP_GUEST | DAP_STOPPED | DAP_ARGS },
	{ "disassemble", dap_disassemble, DAP_GUEST | DAP_STOPPED | DAP_ARGS },
	{ "continue", dap_continue, DAP_GUEST | DAP_STOPPED },
	{ "next", dap_next, DAP_GUEST | DAP_STOPPED },
	{ "stepIn", dap_step_in, DAP_GUEST | DAP_STOPPED },
	{ "stepOut", dap_step_out, DAP_GUEST | DAP_STOPPED },
	{ "pause", dap_pause, DAP_GUEST | DAP_RUNNING_OK },
	{ "disconnect", dap_disconnect, DAP_RUNNING_OK },
	{ "terminate", dap_terminate, DAP_RUNNING_OK },
};

static const struct dap_req *find_req(const char *command)
{
	for (size_t i = 0; command && i < ARRAY_SIZE(dap_reqs); i++)
		if (!strcmp(dap_reqs[i].command, command))
			return &dap_reqs[i];
	return NULL;
}

/* Why request r cannot run now, or NULL. */
static const char *refusal(const struct dap *d, const struct dap_req *r,
			   const struct json_value *args)
{
	if ((r->flags & DAP_ARGS) && !json_value_is(args, JSON_OBJECT))
		return "this request needs its 'arguments', an object";
	if (args && !json_value_is(args, JSON_OBJECT))
		return "'arguments' must be an object";
	if (!d->initialized && strcmp(r->command, "initialize"))
		return "initialize first";
	if ((r->flags & DAP_GUEST) && !d->launched)
		return "no guest: launch first";
	if (d->running && !(r->flags & (DAP_RUNNING_OK | DAP_HOLD)))
		return "the guest is running: pause first";
	return NULL;
}

/* One message's body: a request answered, anything else refused with a response. */
static void dap_message(struct dap *d, const char *text, size_t len)
{
	struct json_error jerr;
	struct json_value *m = json_parse(text, len, &jerr);
	struct strbuf err = STRBUF_INIT, body = STRBUF_INIT, said = STRBUF_INIT;
	/* A message without a seq of its own is answered as the one the editor would have
	 * numbered next (DAP's request_seq is 1 or more, and editors count up by one). */
	int64_t seq = d->last_seq + 1;
	struct session_stop came = { .bkpt = -1 }; /* a stop that came while holding the guest */
	const char *command = NULL, *type = NULL;
	if (!m) {
		strbuf_addf(&err, "not JSON: %s (column %zu)", jerr.message, jerr.column);
		goto answer;
	}
	if (json_value_int(json_value_find(m, "seq"), &seq) < 0 || seq < 1)
		seq = d->last_seq + 1;
	d->last_seq = seq;
	command = json_value_str(json_value_find(m, "command"), NULL);
	type = json_value_str(json_value_find(m, "type"), NULL);
	if (!json_value_is(m, JSON_OBJECT)) {
		strbuf_addstr(&err, "a message is an object: {\"seq\", \"type\": \"request\", \"command\"}");
	} else if (type && !strcmp(type, "response")) {
		goto out; /* kdive sends no reverse requests: nothing to match */
	} else if (!type || strcmp(type, "request") || !command ||
		   !json_value_is(json_value_find(m, "seq"), JSON_NUMBER)) {
		strbuf_addstr(&err, "a request is {\"seq\": N, \"type\": \"request\", \"command\": "
			      "NAME, \"arguments\": {...}}");
	} else if (!find_req(command)) {
		strbuf_addf(&err, "kdive dap has no request '%s'", command);
	} else {
		const struct dap_req *r = find_req(command);
		const struct json_value *args = json_value_find(m, "arguments");
		const char *no = refusal(d, r, args);
		if (no) {
			strbuf_addf(&err, "%s: %s", command, no);
			goto answer;
		}
		struct json j;
		int held = d->running && (r->flags & DAP_HOLD) ? hold_guest(d, &came) : 0;
		if (held < 0) {
			strbuf_addf(&err, "%s: the running guest could not be stopped for it", command);
			goto answer;
		}
		json_init(&j, &body, 0);
		json_open(&j, NULL, '{');
		dap_diag_capture = &said;
		int rc = r->fn(d, args, &j, &err);
		dap_diag_capture = NULL;
		json_close(&j);
		if (held == 1 && let_run(d, 0, SESSION_STEP_OVER, &err) < 0)
			rc = -1;
		if (rc < 0 && !err.len)
			strbuf_addf(&err, "%s failed", command);
		if (rc < 0 && said.len)
			strbuf_addf(&err, " (%s)", said.buf);
		if (rc == 0)
			strbuf_reset(&err);
	}
answer:
	respond(d, seq, command, err.len ? NULL : body.buf, err.len ? err.buf : NULL);
	/* initialized follows launch, not initialize: breakpoints need the guest's gdb. */
	if (!err.len && command && (!strcmp(command, "launch") || !strcmp(command, "attach")))
		dap_event(d, "initialized", NULL);
	if (d->entry_pending) {
		char *ev = xstrfmt("{\"reason\":\"entry\",\"description\":\"%s\","
				   "\"threadId\":%d,\"allThreadsStopped\":true}",
				   d->attached ? "attached" : "the program's main", d->thread);
		d->entry_pending = 0;
		dap_event(d, "stopped", ev);
		free(ev);
	}
	if (d->terminated_pending) {
		d->terminated_pending = 0;
		dap_event(d, "terminated", NULL);
	}
	/* A stop of its own that came as the guest was held: told now. */
	if (came.reason && !strncmp(came.reason, "exited", 6))
		guest_exited(d);
	else if (came.reason)
		stopped(d, &came);
	/* A user frame's registers are not left in the CPU between requests. */
	if (d->launched && !d->running)
		dap_unselect(d);
out:
	session_stop_release(&came);
	json_value_free(m);
	strbuf_release(&err);
	strbuf_release(&body);
	strbuf_release(&said);
}

/* Bytes from the editor: every complete message, and every malformed header, answered. */
static void dap_feed(struct dap *d, const char *buf, size_t len)
{
	struct strbuf body = STRBUF_INIT, why = STRBUF_INIT;
	int r;
	dap_wire_feed(&d->wire, buf, len);
	while (!d->quit && (r = dap_wire_next(&d->wire, &body, &why)) != 0) {
		if (r < 0) {
			char *m = xstrfmt("bad message header: %s", why.buf);
			respond(d, ++d->last_seq, NULL, NULL, m);
			free(m);
		} else {
			dap_message(d, body.buf, body.len);
		}
	}
	strbuf_release(&body);
	strbuf_release(&why);
}

/* ---- the process ---- */

static void dap_loop(struct dap *d)
{
	while (!d->quit) {
		struct pollfd pfd[2] = { { .fd = STDIN_FILENO, .events = POLLIN },
					 { .fd = d->running ? session_stop_fd(&d->s) : -1,
					   .events = POLLIN } };
		if (poll(pfd, 2, d->running ? 100 : -1) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents) {
			char buf[65536];
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n > 0)
				dap_feed(d, buf, (size_t)n);
			else if (n == 0 || errno != EINTR)
				break; /* the editor is gone */
		}
		poll_guest(d);
	}
}

static int cmd_dap(int argc, char **argv)
{
	struct cli_args a;
	struct dap d;
	int rc = cli_parse(&cli_cmd_dap, argc, argv, &a, NULL, NULL);
	if (rc)
		return rc;
	if (a.nrest)
		return cli_usage_error("dap", "unexpected argument '%s' (launch's arguments come "
				       "from the editor)", a.rest[0]);
	memset(&d, 0, sizeof(d));
	dap_wire_init(&d.wire);
	d.out_fd = STDOUT_FILENO;
	d.syscall_bp = -1;
	diag_set_sink(dap_capture_diag, NULL, a.verbose ? DIAG_DEBUG : DIAG_WARNING);
	dap_loop(&d);
	dap_end_guest(&d, 1);
	scenario_release(&d.sc);
	userprog_release(&d.user);
	if (d.im.kernels)
		cli_images_release(&d.im);
	dap_wire_release(&d.wire);
	return KDIVE_EXIT_PASS;
}

const struct cli_command cli_cmd_dap = {
	.name = "dap",
	.fn = cmd_dap,
	.summary = "a Debug Adapter Protocol adapter on stdin/stdout, for editors",
	.args = NULL,
	.about =
	"Speaks the Debug Adapter Protocol on stdin/stdout, for VS Code, Neovim (nvim-dap),\n"
	"Emacs (dape), Helix and Zed: the editor starts `kdive dap` and sends a launch with\n"
	"what `kdive run` takes: scenario (a .scn file: its program and arguments), program\n"
	"(a built-in name such as fork, or your own as a path: ./repro.c), args, kernel,\n"
	"vmlinux, kaslr, smp, append, noSnapshot, stopOnEntry, anyTask, keep. kdive restores\n"
	"the warm guest (or boots and saves it) and stops the program at its main.\n"
	"Breakpoints on functions and on source lines, in the kernel tree or the program's\n"
	"sources, with conditions (gdb expressions) and hit counts (N, >= N, > N), stop only\n"
	"in the program's task (anyTask: kernel ones in every task); the exception filter\n"
	"\"syscall\" stops at each system call of the program. A kernel stop shows one call\n"
	"stack: the kernel frames, a label, then the user frames unwound from the syscall's\n"
	"struct pt_regs; scopes: arguments, locals, pt_regs (with the syscall's name),\n"
	"registers. The REPL evaluates gdb expressions; \"-exec CMD\" runs a gdb command\n"
	"(but those that run the guest: the editor's controls do that). Threads are the\n"
	"guest's CPUs, each named for the task it runs. Breakpoints set while the guest\n"
	"runs stop it for a moment.\n"
	"The guest console arrives as output. attach takes a guest kdive did not start:\n"
	"target, the gdbstub's unix socket of `kdive debug --print-cmd`'s QEMU (default\n"
	"$TMPDIR/gdb.sock, else /tmp/gdb.sock), program (a built-in, default fork),\n"
	"kernel, vmlinux, console (its\n"
	"log, default console.log beside the socket); disconnect lets that guest go on.\n"
	"Editors: editors/ in the source tree (VS Code's extension folder, nvim-dap, dape)\n"
	"and the README's \"In your editor\": the path from make run to a breakpoint in\n"
	"kernel_clone. Every message is framed by a Content-Length header; a malformed one\n"
	"gets an error response and the session goes on. EOF, a signal, disconnect or\n"
	"terminate shut the guest down.\n",
	.opts = (const struct cli_opt[]){
		CLI_OPT_VERBOSE,
		CLI_OPT_END,
	},
	.tail = "Exit: 0 when the editor disconnects or closes the pipe, 2 bad usage.\n",
};
