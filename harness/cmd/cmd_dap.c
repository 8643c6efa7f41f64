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
#include "initramfs.h"
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

#define DAP_SESSION_S (365 * 24 * 3600) /* a guest lives until the editor ends it */
#define DAP_INTERRUPT_AGAIN_MS 3000     /* a pause whose stop did not come: SIGINT again */

int dap_fail(struct strbuf *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(err, fmt, ap);
	va_end(ap);
	return -1;
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

/* An output event: text in category ("console", "stdout", "important"). */
static void output(struct dap *d, const char *category, const char *text, size_t len)
{
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

static void free_bps(struct dap *d)
{
	for (size_t i = 0; i < d->nbps; i++)
		free(d->bps[i].source);
	free(d->bps);
	d->bps = NULL;
	d->nbps = 0;
}

/* Shut the guest down; a failed one keeps its run directory (named on stderr). */
static void end_guest(struct dap *d, int ok)
{
	dap_stop_forget(d);
	if (d->launched)
		session_end(&d->s, ok);
	d->launched = 0;
	d->running = 0;
	free_bps(d);
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
	end_guest(d, 1);
	dap_event(d, "terminated", NULL);
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
	json_int(&j, "threadId", DAP_THREAD);
	json_bool(&j, "allThreadsStopped", 1);
	if (bkpt && !exc) {
		json_open(&j, "hitBreakpointIds", '[');
		json_int(&j, NULL, st->bkpt);
		json_close(&j);
	}
	json_close(&j);
	d->running = d->stepping = d->pausing = 0;
	d->interrupted = 0;
	dap_stop_forget(d);
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
		/* A SIGINT right after gdb let the target run can be lost: 100 ms after the
		 * resume at the earliest, and again when no stop came (not sooner: a second
		 * SIGINT while gdb waits for the first one's stop asks it to give up). */
		int64_t now = now_ms();
		if (d->pausing && now - d->resumed >= 100 &&
		    (!d->interrupted || now - d->interrupted >= DAP_INTERRUPT_AGAIN_MS)) {
			d->interrupted = now;
			if (session_interrupt(&d->s) < 0) {
				output(d, "important", "kdive: the guest could not be paused\n", 38);
				end_guest(d, 0);
				dap_event(d, "terminated", NULL);
			}
		}
	} else if (r < 0) {
		output(d, "important", "kdive: gdb or QEMU is gone\n", 27);
		end_guest(d, 0);
		dap_event(d, "terminated", NULL);
	} else if (st.reason && !strncmp(st.reason, "exited", 6)) {
		d->running = 0;
		guest_exited(d);
	} else {
		stopped(d, &st);
	}
	session_stop_release(&st);
}

/* ---- launch ---- */

/* args' string member key, or NULL; -1 with err when it is there but no string. */
static int str_arg(const struct json_value *args, const char *key, const char **out,
		   struct strbuf *err)
{
	const struct json_value *v = json_value_find(args, key);
	size_t len;
	*out = json_value_str(v, &len);
	if (v && (!*out || strlen(*out) != len))
		return dap_fail(err, "launch: '%s' must be a string without NUL", key);
	return 0;
}

/* A boolean member: 0 or 1 (absent: 0); -1 with err when it is no boolean. */
static int bool_arg(const struct json_value *args, const char *key, struct strbuf *err)
{
	const struct json_value *v = json_value_find(args, key);
	if (!v)
		return 0;
	if (!json_value_is(v, JSON_BOOL))
		return dap_fail(err, "launch: '%s' must be true or false", key);
	return json_value_bool(v);
}

/* launch's arguments into the boot options of run and a scenario (d->sc). 0 or -1. */
static int launch_options(struct dap *d, const struct json_value *args, struct cli_boot_opts *b,
			  struct strbuf *err)
{
	const char *scn, *prog, *kernel, *vml, *append;
	const struct json_value *pargs = json_value_find(args, "args");
	const struct json_value *smp = json_value_find(args, "smp");
	int64_t cpus = 0;
	int kaslr, nosnap;
	if (str_arg(args, "scenario", &scn, err) || str_arg(args, "program", &prog, err) ||
	    str_arg(args, "kernel", &kernel, err) || str_arg(args, "vmlinux", &vml, err) ||
	    str_arg(args, "append", &append, err) || (kaslr = bool_arg(args, "kaslr", err)) < 0 ||
	    (nosnap = bool_arg(args, "noSnapshot", err)) < 0 ||
	    (d->stop_on_entry = bool_arg(args, "stopOnEntry", err)) < 0 ||
	    (d->any_task = bool_arg(args, "anyTask", err)) < 0)
		return -1;
	if (smp && (json_value_int(smp, &cpus) < 0 || cpus < 1 || cpus > 8))
		return dap_fail(err, "launch: 'smp' is a number of CPUs, 1 to 8");
	if (pargs && !json_value_is(pargs, JSON_ARRAY))
		return dap_fail(err, "launch: 'args' must be an array of strings");
	memset(b, 0, sizeof(*b));
	if (kernel)
		b->kernels[b->nkernels++] = kernel;
	if (vml)
		b->vmlinux[b->nvmlinux++] = vml;
	b->guest.kaslr = kaslr;
	b->guest.cpus = (int)cpus;
	b->guest.append = append;
	b->guest.keep = bool_arg(args, "keep", err) == 1;
	b->no_snapshot = nosnap || (getenv("KDIVE_NO_SNAPSHOT") && *getenv("KDIVE_NO_SNAPSHOT"));
	if (scn) {
		if (cli_load_scenario(scn, &d->sc, NULL))
			return dap_fail(err, "launch: the scenario '%s' did not load (why: kdive dap's "
					"stderr)", scn);
	} else {
		d->sc.program = xstrdup(prog ? prog : "fork");
		d->sc.file = xstrdup("launch");
		d->sc.name = xstrdup(d->sc.program);
	}
	if (prog && scn) {
		free(d->sc.program);
		d->sc.program = xstrdup(prog);
	}
	if (pargs)
		strvec_clear(&d->sc.args);
	for (size_t i = 0; i < json_value_count(pargs); i++) {
		size_t len;
		const char *v = json_value_str(json_value_at(pargs, i), &len);
		if (!v || strlen(v) != len)
			return dap_fail(err, "launch: 'args' must be an array of strings without NUL");
		strvec_push(&d->sc.args, v);
	}
	/* A path is the user's program, built like run's --program. */
	b->program = strchr(d->sc.program, '/') ? d->sc.program : NULL;
	return 0;
}

/*
 * The program's sources where the editor has them: gdb reads the DWARF's directory
 * (INITRAMFS_PROG_DIR, USERPROG_DIR) as the host's, so frames name files the editor
 * opens and source breakpoints are given in the editor's paths. A program's own
 * sources are in its directory (relative to the scenario's, or kdive's). Reported
 * when it fails: the frames then name the guest's paths.
 */
static void map_sources(struct dap *d, const char *scn_dir)
{
	char real[PATH_MAX];
	if (!d->user.name) {
		char *progs = xstrfmt("%s/initramfs/progs", cli_datadir());
		session_source_map(&d->s, INITRAMFS_PROG_DIR, progs);
		free(progs);
		return;
	}
	char *path = d->sc.program[0] == '/' || !scn_dir ? xstrdup(d->sc.program)
							  : xstrfmt("%s/%s", scn_dir, d->sc.program);
	if (realpath(path, real)) {
		char *slash = strrchr(real, '/');
		*(slash == real ? slash + 1 : slash) = 0;
		session_source_map(&d->s, USERPROG_DIR, real);
	}
	free(path);
}

static int dap_launch(struct dap *d, const struct json_value *args, struct json *body,
		      struct strbuf *err)
{
	struct cli_boot_opts b;
	struct session_image img;
	struct session_info si;
	struct strbuf why = STRBUF_INIT;
	(void)body;
	if (d->launched || d->im.kernels)
		return dap_fail(err, "launch: a guest was launched already (one per adapter)");
	if (launch_options(d, args, &b, err) < 0)
		return -1;
	/* A scenario's program path starts at the scenario's directory. */
	const char *scn = json_value_str(json_value_find(args, "scenario"), NULL);
	char *scn_dir = scn && strchr(scn, '/') ? xstrndup(scn, (size_t)(strrchr(scn, '/') - scn))
						 : NULL;
	/* Progress goes to stderr; stdout is the protocol's. */
	if (cli_resolve_images(&d->im, &b, 1)) {
		free(scn_dir);
		return dap_fail(err, "launch: the kernel or the initramfs could not be built (kdive "
				"dap's stderr says why)");
	}
	d->k = &d->im.kernels[0];
	if (cli_check_names(&d->sc, &d->im, &d->user)) {
		free(scn_dir);
		return dap_fail(err, "launch: the program '%s' is not one kdive can run (kdive dap's "
				"stderr says why)", d->sc.program);
	}
	cli_session_image(&d->im, d->k, &img);
	img.user = d->user.name ? &d->user : NULL;
	b.guest.timeout_s = DAP_SESSION_S;
	const char *program = d->user.name ? d->user.name : d->sc.program;
	d->launched = 1;
	if (session_open(&d->s, &img, &b.guest, program, &d->sc.args, &why) < 0) {
		session_describe(&d->s, &si);
		dap_fail(err, "the guest did not start: %s%s%s%s", why.buf,
			 si.rundir ? " (run directory kept: " : "", si.rundir ? si.rundir : "",
			 si.rundir ? ")" : "");
		end_guest(d, 0);
		strbuf_release(&why);
		free(scn_dir);
		return -1;
	}
	strbuf_release(&why);
	map_sources(d, scn_dir);
	free(scn_dir);
	/* The console from here on goes to the editor: the program's output. */
	session_describe(&d->s, &si);
	off_t size = 0;
	int fd = si.console ? open(si.console, O_RDONLY | O_CLOEXEC) : -1;
	if (fd >= 0) {
		size = lseek(fd, 0, SEEK_END);
		close(fd);
	}
	d->console_off = size > 0 ? size : 0;
	return 0;
}

static int dap_attach(struct dap *d, const struct json_value *args, struct json *body,
		      struct strbuf *err)
{
	(void)d;
	(void)args;
	(void)body;
	return dap_fail(err, "attach is not supported yet: launch restores the warm guest in "
			"about as long (kdive dap --help)");
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
	d->resumed = now_ms();
	return 0;
}

/* ---- breakpoints ---- */

/* A DAP hitCondition as gdb's ignore count: "N", ">= N" (stop from the Nth hit on) or
 * "> N". The count, or -1 when kdive cannot honour it. */
static int ignore_count(const char *hit)
{
	char *end;
	int gt = 0;
	while (*hit == ' ')
		hit++;
	if (!strncmp(hit, ">=", 2))
		hit += 2;
	else if (*hit == '>' && (gt = 1))
		hit++;
	while (*hit == ' ')
		hit++;
	long n = strtol(hit, &end, 10);
	while (*end == ' ')
		end++;
	if (end == hit || *end || n < (gt ? 0 : 1) || n > 1000000)
		return -1;
	return (int)(gt ? n : n - 1);
}

/* Delete the breakpoints of source (NULL: the function breakpoints). */
static void delete_bps(struct dap *d, const char *source)
{
	size_t k = 0;
	for (size_t i = 0; i < d->nbps; i++) {
		struct dap_bp *bp = &d->bps[i];
		if (source ? bp->source && !strcmp(bp->source, source) : !bp->source) {
			session_delete(&d->s, bp->gdb);
			free(bp->source);
		} else {
			d->bps[k++] = *bp;
		}
	}
	d->nbps = k;
}

/*
 * One breakpoint at location (with a condition and a hit condition, each may be NULL),
 * written as a DAP Breakpoint into j: verified with gdb's number, file and line, or
 * not verified with the reason. User-space locations (below the kernel's half) get a
 * hardware breakpoint, as a scenario's user stops do; every breakpoint is limited to
 * the program's task, but a kernel one with launch's anyTask.
 */
static void set_bp(struct dap *d, struct json *j, const char *location, const char *cond,
		   const char *hit, const char *source)
{
	struct strbuf why = STRBUF_INIT;
	uint64_t addr = 0;
	char *file = NULL;
	int line = 0, n = -1, ignore = hit && *hit ? ignore_count(hit) : 0;
	if (ignore < 0)
		strbuf_addf(&why, "hit condition '%s': kdive takes N, >= N or > N", hit);
	else if (cond && !*cond)
		cond = NULL;
	if (!why.len && session_locate(&d->s, location, &addr, &file, &line, &why) == 0) {
		int user = addr < 0xffff800000000000ull;
		if (!user && d->any_task && cond)
			strbuf_addstr(&why, "a condition with anyTask: not supported");
		else if (!user && d->any_task)
			n = session_break_any(&d->s, 0, location);
		else
			n = session_break(&d->s, user, location, -1, cond, &why);
		if (n >= 0 && ignore > 0 && session_ignore(&d->s, n, ignore) < 0)
			strbuf_addstr(&why, "gdb did not take the hit count");
	}
	json_open(j, NULL, '{');
	json_bool(j, "verified", n >= 0 && !why.len);
	if (n >= 0) {
		json_int(j, "id", n);
		d->bps = xrealloc(d->bps, (d->nbps + 1) * sizeof(*d->bps));
		d->bps[d->nbps++] = (struct dap_bp){ source ? xstrdup(source) : NULL, n };
	}
	if (why.len)
		json_str(j, "message", why.buf);
	if (file && n >= 0) {
		const char *base = strrchr(file, '/');
		json_open(j, "source", '{');
		json_str(j, "name", base ? base + 1 : file);
		json_str(j, "path", file);
		json_close(j);
		json_int(j, "line", line);
	}
	if (n >= 0) {
		char *a = xstrfmt("0x%llx", (unsigned long long)addr);
		json_str(j, "instructionReference", a);
		free(a);
	}
	json_close(j);
	free(file);
	strbuf_release(&why);
}

/* A breakpoint's optional string member, or -1 with err. */
static int bp_str(const struct json_value *bp, const char *key, const char **out,
		  struct strbuf *err)
{
	const struct json_value *v = json_value_find(bp, key);
	size_t len;
	*out = json_value_str(v, &len);
	if (v && (!*out || strlen(*out) != len))
		return dap_fail(err, "'%s' must be a string without NUL", key);
	return 0;
}

static int dap_set_breakpoints(struct dap *d, const struct json_value *args, struct json *body,
			       struct strbuf *err)
{
	const char *path = json_value_str(json_value_find(json_value_find(args, "source"), "path"),
					  NULL);
	const struct json_value *bps = json_value_find(args, "breakpoints");
	if (!path)
		return dap_fail(err, "setBreakpoints needs 'source' with a 'path'");
	if (bps && !json_value_is(bps, JSON_ARRAY))
		return dap_fail(err, "setBreakpoints: 'breakpoints' must be an array");
	for (size_t i = 0; i < json_value_count(bps); i++) {
		const char *c, *h;
		int64_t line;
		const struct json_value *bp = json_value_at(bps, i);
		if (json_value_int(json_value_find(bp, "line"), &line) < 0 || line < 1 ||
		    bp_str(bp, "condition", &c, err) < 0 || bp_str(bp, "hitCondition", &h, err) < 0)
			return err->len ? -1 : dap_fail(err, "setBreakpoints: each breakpoint needs "
							"'line', a number from 1");
	}
	delete_bps(d, path);
	json_open(body, "breakpoints", '[');
	for (size_t i = 0; i < json_value_count(bps); i++) {
		const struct json_value *bp = json_value_at(bps, i);
		const char *c, *h;
		int64_t line;
		json_value_int(json_value_find(bp, "line"), &line);
		bp_str(bp, "condition", &c, err);
		bp_str(bp, "hitCondition", &h, err);
		char *loc = xstrfmt("%s:%lld", path, (long long)line);
		set_bp(d, body, loc, c, h, path);
		free(loc);
	}
	json_close(body);
	return 0;
}

static int dap_set_function_breakpoints(struct dap *d, const struct json_value *args,
					struct json *body, struct strbuf *err)
{
	const struct json_value *bps = json_value_find(args, "breakpoints");
	if (!json_value_is(bps, JSON_ARRAY))
		return dap_fail(err, "setFunctionBreakpoints needs 'breakpoints', an array");
	for (size_t i = 0; i < json_value_count(bps); i++) {
		const char *name, *c, *h;
		const struct json_value *bp = json_value_at(bps, i);
		if (bp_str(bp, "name", &name, err) < 0 || bp_str(bp, "condition", &c, err) < 0 ||
		    bp_str(bp, "hitCondition", &h, err) < 0)
			return -1;
		if (!name || !*name)
			return dap_fail(err, "setFunctionBreakpoints: each breakpoint needs 'name'");
	}
	delete_bps(d, NULL);
	json_open(body, "breakpoints", '[');
	for (size_t i = 0; i < json_value_count(bps); i++) {
		const char *name, *c, *h;
		const struct json_value *bp = json_value_at(bps, i);
		bp_str(bp, "name", &name, err);
		bp_str(bp, "condition", &c, err);
		bp_str(bp, "hitCondition", &h, err);
		set_bp(d, body, name, c, h, NULL);
	}
	json_close(body);
	return 0;
}

/* The exception filter: every system call of the program, at do_syscall_64. */
#define DAP_SYSCALL_FILTER "syscall"
#define DAP_SYSCALL_ENTRY "do_syscall_64"

static int dap_set_exception_breakpoints(struct dap *d, const struct json_value *args,
					 struct json *body, struct strbuf *err)
{
	const struct json_value *f = json_value_find(args, "filters");
	struct strbuf why = STRBUF_INIT;
	int want = 0;
	if (!json_value_is(f, JSON_ARRAY))
		return dap_fail(err, "setExceptionBreakpoints needs 'filters', an array");
	for (size_t i = 0; i < json_value_count(f); i++) {
		const char *name = json_value_str(json_value_at(f, i), NULL);
		if (!name || strcmp(name, DAP_SYSCALL_FILTER))
			return dap_fail(err, "no exception filter '%s' (kdive has \"%s\")",
					name ? name : "(not a string)", DAP_SYSCALL_FILTER);
		want = 1;
	}
	if (d->syscall_bp >= 0 && !want) {
		session_delete(&d->s, d->syscall_bp);
		d->syscall_bp = -1;
	} else if (d->syscall_bp < 0 && want) {
		d->syscall_bp = session_break(&d->s, 0, DAP_SYSCALL_ENTRY, -1, NULL, &why);
	}
	json_open(body, "breakpoints", '[');
	if (want) {
		json_open(body, NULL, '{');
		json_bool(body, "verified", d->syscall_bp >= 0);
		if (d->syscall_bp >= 0)
			json_int(body, "id", d->syscall_bp);
		else
			json_str(body, "message", why.buf);
		json_close(body);
	}
	json_close(body);
	strbuf_release(&why);
	return 0;
}

/* ---- run control ---- */

static int let_run(struct dap *d, int step, enum session_step_kind how, struct strbuf *err)
{
	dap_unselect(d);
	int r = step ? session_step(&d->s, how) : session_resume(&d->s);
	if (r < 0)
		return dap_fail(err, "gdb did not let the guest run");
	dap_stop_forget(d);
	d->running = 1;
	d->stepping = step;
	d->pausing = 0;
	d->resumed = now_ms();
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
	end_guest(d, 1);
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
	end_guest(d, 1);
	if (was)
		d->terminated_pending = 1;
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
	{ "setBreakpoints", dap_set_breakpoints, DAP_GUEST | DAP_STOPPED | DAP_ARGS },
	{ "setFunctionBreakpoints", dap_set_function_breakpoints, DAP_GUEST | DAP_STOPPED | DAP_ARGS },
	{ "setExceptionBreakpoints", dap_set_exception_breakpoints,
	  DAP_GUEST | DAP_STOPPED | DAP_ARGS },
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
	if (d->running && !(r->flags & DAP_RUNNING_OK))
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
		json_init(&j, &body, 0);
		json_open(&j, NULL, '{');
		dap_diag_capture = &said;
		int rc = r->fn(d, args, &j, &err);
		dap_diag_capture = NULL;
		json_close(&j);
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
	if (!err.len && command && !strcmp(command, "launch"))
		dap_event(d, "initialized", NULL);
	if (d->entry_pending) {
		d->entry_pending = 0;
		dap_event(d, "stopped", "{\"reason\":\"entry\",\"description\":\"the program's main\","
			  "\"threadId\":1,\"allThreadsStopped\":true}");
	}
	if (d->terminated_pending) {
		d->terminated_pending = 0;
		dap_event(d, "terminated", NULL);
	}
	/* A user frame's registers are not left in the CPU between requests. */
	if (d->launched && !d->running)
		dap_unselect(d);
out:
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
	end_guest(&d, 1);
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
	"registers. The REPL evaluates gdb expressions; \"-exec CMD\" runs a gdb command.\n"
	"The guest console arrives as output. attach is not supported yet.\n"
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
