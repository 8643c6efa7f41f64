/*
 * gdb: drive gdb over MI3 with tokens, queues, transcripts and deadlines.
 * Depends on proc, mi.
 */
#define _GNU_SOURCE
#include "gdb.h"
#include "deps.h"
#include "timeutil.h"
#include "usage.h"
#include "wrapper.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GDB_DEFAULT_TIMEOUT_MS 20000
#define GDB_BUSY_LIMIT_MS (15 * 60 * 1000) /* the most a working gdb is waited for */

static void transcript_line(struct gdb *g, const char *dir, const char *s, size_t len)
{
	if (!g->transcript)
		return;
	fprintf(g->transcript, "%6lld %s%.*s\n", (long long)(now_ms() - g->t0), dir, (int)len, s);
	fflush(g->transcript);
}

static void queue_push(struct gdb *g, struct mi_record *r)
{
	if (g->nqueue == g->aqueue) {
		g->aqueue = g->aqueue ? g->aqueue * 2 : 16;
		g->queue = xrealloc(g->queue, g->aqueue * sizeof(*g->queue));
	}
	g->queue[g->nqueue++] = r;
}

static struct mi_record *queue_take(struct gdb *g, size_t i)
{
	struct mi_record *r = g->queue[i];
	memmove(g->queue + i, g->queue + i + 1, (g->nqueue - i - 1) * sizeof(*g->queue));
	g->nqueue--;
	return r;
}

/* Say how gdb ended, once. */
static void report_death(struct gdb *g)
{
	struct strbuf sb = STRBUF_INIT;
	proc_wait(&g->proc, now_ms() + 2000);
	if (g->proc.reaped)
		proc_describe_status(&sb, g->proc.status);
	else
		strbuf_addstr(&sb, "closed its output");
	error("gdb (pid %d) %s", (int)g->proc.pid, sb.buf);
	strbuf_release(&sb);
}

/*
 * Read what gdb has written until the deadline, parse it, and file the records:
 * results come back through *result when their token is want_token; async records
 * are queued; stream text is collected. Returns 1 when *result was filled, 0 on a
 * time-out, -1 when gdb died or the peer exited (reported).
 */
static int pump(struct gdb *g, long want_token, struct mi_record **result, int64_t deadline,
		const char *what)
{
	char buf[65536];
	for (;;) {
		struct mi_record *r;
		while ((r = mi_parser_next(g->parser))) {
			switch (r->kind) {
			case MI_RECORD_RESULT:
				if (result && r->has_token && (long)r->token == want_token) {
					*result = r;
					return 1;
				}
				/* A result nobody waits for (a timed-out command): drop it. */
				mi_record_free(r);
				break;
			case MI_RECORD_CONSOLE:
			case MI_RECORD_TARGET:
				strbuf_addstr(&g->stream, r->text ? r->text : "");
				mi_record_free(r);
				break;
			case MI_RECORD_EXEC:
			case MI_RECORD_STATUS:
			case MI_RECORD_NOTIFY:
				/* The target went away (QEMU closed the connection): said once,
				 * whatever record is awaited. */
				if (r->class_name && !strcmp(r->class_name, "thread-group-exited"))
					g->target_exited = 1;
				queue_push(g, r);
				if (!result)
					return 1;
				break;
			case MI_RECORD_PARSE_ERROR:
				warning("gdb wrote a line kdive cannot parse (column %zu: %s): %s",
					r->column, r->message ? r->message : "?", r->text ? r->text : "");
				mi_record_free(r);
				break;
			default:
				mi_record_free(r);
				break;
			}
		}
		if (g->dead)
			return -1;
		int64_t left = deadline - now_ms();
		if (left <= 0)
			return 0;
		if (g->peer && g->peer->pid && !g->peer->reaped && proc_wait(g->peer, 0) == 0) {
			/* A peer that ended well (the guest powered off) is for the caller to
			 * judge; a peer that failed is an error now. */
			struct strbuf sb = STRBUF_INIT;
			proc_describe_status(&sb, g->peer->status);
			if (proc_succeeded(g->peer))
				debug("%s %s while gdb was %s", g->peer_name ? g->peer_name : "the peer",
				      sb.buf, what);
			else
				error("%s %s while gdb was %s", g->peer_name ? g->peer_name : "the peer",
				      sb.buf, what);
			strbuf_release(&sb);
			return -1;
		}
		struct pollfd pfd = { .fd = g->proc.out_fd, .events = POLLIN };
		/* Wake up now and then to notice the peer's death. */
		int n = poll(&pfd, 1, (int)(left < 100 ? left : 100));
		if (n < 0 && errno != EINTR)
			return error_errno("poll on gdb");
		if (n <= 0)
			continue;
		ssize_t got = read(g->proc.out_fd, buf, sizeof(buf));
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got <= 0) {
			g->dead = 1;
			report_death(g);
			return -1;
		}
		if (g->transcript) {
			/* Whole lines only, however the bytes arrived. */
			strbuf_add(&g->partial, buf, (size_t)got);
			char *start = g->partial.buf, *nl;
			while ((nl = memchr(start, '\n', g->partial.len - (size_t)(start - g->partial.buf)))) {
				fprintf(g->transcript, "%6lld <- %.*s\n", (long long)(now_ms() - g->t0),
					(int)(nl - start), start);
				start = nl + 1;
			}
			size_t rest = g->partial.len - (size_t)(start - g->partial.buf);
			memmove(g->partial.buf, start, rest);
			strbuf_setlen(&g->partial, rest);
			fflush(g->transcript);
		}
		mi_parser_push(g->parser, buf, (size_t)got);
	}
}

static int send_line(struct gdb *g, const char *line, size_t len)
{
	transcript_line(g, "-> ", line, len);
	struct strbuf sb = STRBUF_INIT;
	strbuf_add(&sb, line, len);
	strbuf_addch(&sb, '\n');
	const char *p = sb.buf;
	size_t left = sb.len;
	while (left) {
		ssize_t n = write(g->proc.in_fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			strbuf_release(&sb);
			g->dead = 1;
			report_death(g);
			return -1;
		}
		p += n;
		left -= (size_t)n;
	}
	strbuf_release(&sb);
	return 0;
}

/* Send cmd with the next token, which goes into *token. 0, or -1 reported. */
static int send_command(struct gdb *g, const char *cmd, unsigned *token)
{
	struct strbuf line = STRBUF_INIT;
	if (g->dead) {
		error("gdb is gone; cannot send '%s'", cmd);
		return -1;
	}
	*token = g->next_token++;
	strbuf_addf(&line, "%u%s", *token, cmd);
	int r = send_line(g, line.buf, line.len);
	strbuf_release(&line);
	return r;
}

/* Wait for the result of cmd, sent as token. The record, or NULL reported. */
static struct mi_record *await_result(struct gdb *g, unsigned token, const char *cmd,
				      int timeout_ms)
{
	struct mi_record *res = NULL;
	int ms = timeout_ms ? timeout_ms : g->timeout_ms;
	struct strbuf what = STRBUF_INIT;
	strbuf_addf(&what, "running '%s'", cmd);
	int64_t t0 = now_ms(), cpu = proc_cpu_ms(&g->proc), cpu_now;
	int r;
	/* A gdb that is computing (a large vmlinux without .gdb_index takes minutes for its
	 * first look-ups) is waited for, with word now and then; one that sits idle, waiting
	 * for a target that does not answer, is not. Computing is a tenth of a CPU or more:
	 * an idle gdb takes next to none, and a loaded machine (two cores, a dozen runnable
	 * processes) can leave a busy one a sixth. */
	while ((r = pump(g, (long)token, &res, now_ms() + ms, what.buf)) == 0 &&
	       (cpu_now = proc_cpu_ms(&g->proc)) >= 0 && cpu >= 0 && cpu_now - cpu >= ms / 10 &&
	       now_ms() - t0 < GDB_BUSY_LIMIT_MS) {
		struct strbuf d = STRBUF_INIT;
		format_duration(&d, now_ms() - t0);
		info("gdb is still busy with '%.60s' (%s so far): reading a large vmlinux?", cmd,
		     d.buf);
		strbuf_release(&d);
		cpu = cpu_now;
	}
	strbuf_release(&what);
	if (r == 0) {
		struct strbuf d = STRBUF_INIT;
		format_duration(&d, now_ms() - t0);
		error("gdb did not answer '%s' within %s", cmd, d.buf);
		strbuf_release(&d);
	} else if (r < 0 && !g->dead) {
		/* the peer died: already reported */
	} else if (r < 0) {
		error("gdb ended while running '%s'", cmd);
	}
	return res;
}

static struct mi_record *vcommand(struct gdb *g, int timeout_ms, const char *fmt, va_list ap)
{
	struct strbuf cmd = STRBUF_INIT;
	struct mi_record *res = NULL;
	unsigned token;
	strbuf_vaddf(&cmd, fmt, ap);
	if (g->nstartup && gdb_wait_started(g) < 0)
		goto out;
	if (!strncmp(cmd.buf, "-exec-", 6)) {
		for (size_t i = 0; i < g->nqueue; i++)
			mi_record_free(g->queue[i]);
		g->nqueue = 0;
	}
	strbuf_reset(&g->stream);
	if (send_command(g, cmd.buf, &token) == 0)
		res = await_result(g, token, cmd.buf, timeout_ms);
out:
	strbuf_release(&cmd);
	return res;
}

struct mi_record *gdb_command(struct gdb *g, int timeout_ms, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct mi_record *r = vcommand(g, timeout_ms, fmt, ap);
	va_end(ap);
	return r;
}

int gdb_run(struct gdb *g, struct mi_record **out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct mi_record *r = vcommand(g, 0, fmt, ap);
	va_end(ap);
	if (out)
		*out = NULL;
	if (!r)
		return -1;
	if (r->result == MI_RESULT_ERROR || r->result == MI_RESULT_EXIT) {
		struct strbuf cmd = STRBUF_INIT;
		va_start(ap, fmt);
		strbuf_vaddf(&cmd, fmt, ap);
		va_end(ap);
		const char *msg = mi_record_find_str(r, "msg");
		error("gdb: '%s' failed: %s", cmd.buf, msg ? msg : "(no message)");
		strbuf_release(&cmd);
		mi_record_free(r);
		return -1;
	}
	if (out)
		*out = r;
	else
		mi_record_free(r);
	return 0;
}

void gdb_note(struct gdb *g, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	if (!g->transcript)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	transcript_line(g, "## ", sb.buf, sb.len);
	strbuf_release(&sb);
}

char *gdb_eval(struct gdb *g, const char *expr, struct strbuf *why)
{
	struct strbuf q = STRBUF_INIT;
	char *v = NULL;
	quote_c(&q, expr);
	struct mi_record *r = gdb_command(g, 0, "-data-evaluate-expression %s", q.buf);
	strbuf_release(&q);
	if (!r) {
		if (why)
			strbuf_addstr(why, "gdb did not answer");
		return NULL;
	}
	if (r->result == MI_RESULT_DONE && mi_record_find_str(r, "value")) {
		v = xstrdup(mi_record_find_str(r, "value"));
	} else if (why) {
		const char *msg = mi_record_find_str(r, "msg");
		strbuf_addstr(why, msg ? msg : "no value");
	}
	mi_record_free(r);
	return v;
}

int gdb_eval_u64(struct gdb *g, const char *expr, uint64_t *value)
{
	struct strbuf why = STRBUF_INIT;
	/* Cast so that gdb prints a plain number, whatever the expression's type. */
	char *full = xstrfmt("(unsigned long long)(%s)", expr);
	char *v = gdb_eval(g, full, &why);
	int r = 0;
	if (!v) {
		r = error("gdb cannot evaluate '%s': %s", expr, why.buf);
	} else {
		char *end;
		errno = 0;
		*value = strtoull(v, &end, 0);
		if (errno || end == v || *end)
			r = error("gdb's value of '%s' is not a number: '%s'", expr, v);
	}
	free(full);
	free(v);
	strbuf_release(&why);
	return r;
}

char *gdb_console_command(const char *cli)
{
	struct strbuf q = STRBUF_INIT;
	quote_c(&q, cli);
	char *cmd = xstrfmt("-interpreter-exec console %s", q.buf);
	strbuf_release(&q);
	return cmd;
}

char *gdb_console_file_command(const char *cli, const char *file, struct strbuf *why)
{
	struct strbuf q = STRBUF_INIT;
	char *abs = gdb_path(file), *cmd = NULL;
	if (quote_gdb_arg(&q, abs, why) == 0) {
		char *line = xstrfmt("%s %s", cli, q.buf);
		cmd = gdb_console_command(line);
		free(line);
	}
	free(abs);
	strbuf_release(&q);
	return cmd;
}

char *gdb_return_type(const char *fnvalue)
{
	const char *end, *p;
	int depth = 0;
	if (fnvalue[0] != '{' || !(end = strstr(fnvalue, ")} ")))
		return NULL;
	/* Back from the parameter list's ')' to its '(': what is left of it is the type. */
	for (p = end; p > fnvalue; p--) {
		if (*p == ')')
			depth++;
		else if (*p == '(' && !--depth)
			break;
	}
	while (p > fnvalue + 1 && p[-1] == ' ')
		p--;
	if (p <= fnvalue + 1 || memchr(fnvalue + 1, '(', (size_t)(p - fnvalue - 1)))
		return NULL;
	char *type = xstrndup(fnvalue + 1, (size_t)(p - fnvalue - 1));
	if (!strcmp(type, "void")) {
		free(type);
		return NULL;
	}
	return type;
}

int gdb_registers_u64(struct gdb *g, const char *const *names, size_t n, uint64_t *values)
{
	struct mi_record *r = NULL;
	struct strbuf cmd = STRBUF_INIT;
	size_t *nums = xcalloc(n ? n : 1, sizeof(*nums));
	int rc = -1;
	if (!g->regnames.nr) {
		if (gdb_run(g, &r, "-data-list-register-names") < 0)
			goto out;
		const struct mi_value *list = mi_record_find_path(r, "register-names");
		for (size_t i = 0; list && i < list->nr; i++) {
			const char *name = mi_value_str(&list->items[i]);
			strvec_push(&g->regnames, name ? name : "");
		}
		mi_record_free(r);
		r = NULL;
	}
	strbuf_addstr(&cmd, "-data-list-register-values x");
	for (size_t k = 0; k < n; k++) {
		for (nums[k] = 0; nums[k] < g->regnames.nr; nums[k]++)
			if (!strcmp(g->regnames.v[nums[k]], names[k]))
				break;
		if (nums[k] == g->regnames.nr) {
			error("gdb knows no register '%s'", names[k]);
			goto out;
		}
		strbuf_addf(&cmd, " %zu", nums[k]);
	}
	/* One round trip for all of them; gdb answers in the order asked. */
	if (gdb_run(g, &r, "%s", cmd.buf) < 0)
		goto out;
	const struct mi_value *vals = mi_record_find_path(r, "register-values");
	for (size_t k = 0; k < n; k++) {
		const struct mi_value *item = mi_value_at(vals, k);
		const char *num = mi_value_find_str(item, "number");
		const char *v = mi_value_find_str(item, "value");
		char *end = NULL;
		if (v) {
			errno = 0;
			values[k] = strtoull(v, &end, 0);
		}
		if (!num || (size_t)atol(num) != nums[k] || !v || end == v || *end || errno) {
			error("gdb's value of register '%s' is not a number: '%s'", names[k],
			      v ? v : "(none)");
			goto out;
		}
	}
	rc = 0;
out:
	mi_record_free(r);
	strbuf_release(&cmd);
	free(nums);
	return rc;
}

int gdb_hit_counts(struct gdb *g, const int *bkpts, size_t n, int *times)
{
	struct mi_record *r = NULL;
	int rc = -1;
	if (gdb_run(g, &r, "-break-list") < 0)
		return -1;
	/* body=[bkpt={number="2",...,times="1",...},...]; a breakpoint with several
	 * locations counts its hits once, on the whole breakpoint. */
	const struct mi_value *body = mi_record_find_path(r, "BreakpointTable.body");
	for (size_t k = 0; k < n; k++) {
		times[k] = 0;
		if (bkpts[k] < 0)
			continue;
		const char *t = NULL;
		for (size_t i = 0; !t && body && i < body->nr; i++) {
			const char *num = mi_value_find_str(&body->items[i], "number");
			if (num && atoi(num) == bkpts[k])
				t = mi_value_find_str(&body->items[i], "times");
		}
		if (!t) {
			error("gdb lists no hit count for breakpoint %d", bkpts[k]);
			goto out;
		}
		times[k] = atoi(t);
	}
	rc = 0;
out:
	mi_record_free(r);
	return rc;
}

int gdb_register_u64(struct gdb *g, const char *name, uint64_t *value)
{
	return gdb_registers_u64(g, &name, 1, value);
}

int gdb_read_memory(struct gdb *g, uint64_t addr, size_t len, unsigned char *buf)
{
	struct mi_record *r = NULL;
	if (gdb_run(g, &r, "-data-read-memory-bytes 0x%llx %zu", (unsigned long long)addr, len) < 0)
		return -1;
	const char *hex = mi_record_find_str(r, "memory.0.contents");
	const char *begin = mi_record_find_str(r, "memory.0.begin");
	int rc = 0;
	if (!hex || !begin || strtoull(begin, NULL, 0) != addr || strlen(hex) != 2 * len) {
		rc = error("gdb read %s of the %zu bytes at 0x%llx", hex ? "only part" : "none", len,
			   (unsigned long long)addr);
	} else {
		for (size_t i = 0; i < len; i++) {
			unsigned v;
			if (sscanf(hex + 2 * i, "%2x", &v) != 1) {
				rc = error("gdb's memory contents are not hex");
				break;
			}
			buf[i] = (unsigned char)v;
		}
	}
	mi_record_free(r);
	return rc;
}

struct mi_record *gdb_wait_async(struct gdb *g, const char *cls, int64_t deadline_ms)
{
	struct strbuf what = STRBUF_INIT;
	strbuf_addf(&what, "waiting for *%s", cls);
	for (;;) {
		for (size_t i = 0; i < g->nqueue; i++) {
			if (g->queue[i]->class_name && !strcmp(g->queue[i]->class_name, cls)) {
				struct mi_record *r = queue_take(g, i);
				/* Records before it are history now. */
				while (i--)
					mi_record_free(queue_take(g, 0));
				strbuf_release(&what);
				return r;
			}
		}
		int r = pump(g, -2, NULL, deadline_ms, what.buf);
		if (r == 0) {
			/* The caller knows what was awaited, and says it. */
			debug("gdb reported no *%s in time", cls);
			break;
		}
		if (r < 0)
			break;
	}
	strbuf_release(&what);
	return NULL;
}

char *gdb_path(const char *path)
{
	char cwd[PATH_MAX];
	if (path[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		return xstrdup(path);
	return xstrfmt("%s/%s", cwd, path);
}

const char *gdb_program(void)
{
	return deps_tool("gdb"); /* $KDIVE_GDB overrides, as for every tool */
}

static int startup_send(struct gdb *g, char *cmd, int checked, int file);

int gdb_start(struct gdb *g, const char *file, const char *transcript, const char *dir)
{
	return gdb_start_at(g, file, 0, transcript, dir);
}

int gdb_start_at(struct gdb *g, const char *file, uint64_t slide, const char *transcript,
		 const char *dir)
{
	memset(g, 0, sizeof(*g));
	proc_init(&g->proc);
	strbuf_init(&g->stream, 0);
	strbuf_init(&g->partial, 0);
	strvec_init(&g->regnames);
	g->parser = mi_parser_new();
	g->next_token = 1;
	g->timeout_ms = GDB_DEFAULT_TIMEOUT_MS;
	g->t0 = now_ms();
	if (transcript) {
		g->transcript = fopen(transcript, "we");
		if (!g->transcript)
			return error_errno("cannot write the gdb transcript '%s'", transcript);
	}
	strvec_push(&g->proc.args, gdb_program());
	strvec_pushl(&g->proc.args, "--interpreter=mi3", "-nx", "-q", NULL);
	/* Keep gdb's own files out of the user's home and network. */
	strvec_push(&g->proc.env, "DEBUGINFOD_URLS");
	g->proc.in = PROC_PIPE;
	g->proc.out = PROC_PIPE;
	g->proc.err = PROC_TO_STDOUT;
	g->proc.dir = dir;
	if (proc_start(&g->proc) < 0)
		return -1;
	/* Settings first, each checked: a gdb that refuses them is not one we can drive.
	 * Sent at once, answered while the caller starts QEMU (gdb_wait_started()). */
	static const char *const settings[] = {
		"-gdb-set pagination off", "-gdb-set confirm off", "-gdb-set width 0",
		"-gdb-set height 0", "-gdb-set print pretty off",
		"-gdb-set backtrace limit 100",
		/* kdive sources the kernel's gdb scripts itself when it wants them. */
		"-gdb-set auto-load python-scripts off",
		/* debuginfod exists since gdb 10; older ones say ^error, which is fine. */
		"-gdb-set debuginfod enabled off",
	};
	_Static_assert(sizeof(settings) / sizeof(*settings) + 1 <= sizeof(g->startup) /
		       sizeof(*g->startup), "gdb_start()'s commands fit struct gdb's startup");
	for (size_t i = 0; i < ARRAY_SIZE(settings); i++)
		if (startup_send(g, xstrdup(settings[i]), i + 1 < ARRAY_SIZE(settings), 0) < 0)
			return -1;
	if (file) {
		struct strbuf why = STRBUF_INIT;
		char *cmd = NULL;
		/* Loading vmlinux's symbols takes ~0.1 s with .gdb_index, seconds without. */
		g->startup_file = gdb_path(file);
		if (!slide) {
			struct strbuf q = STRBUF_INIT;
			quote_c(&q, g->startup_file);
			cmd = xstrfmt("-file-exec-and-symbols %s", q.buf);
			strbuf_release(&q);
		} else {
			/* Relocated as it loads: no second load once the slide is found. */
			char *cli = xstrfmt("symbol-file -o 0x%llx", (unsigned long long)slide);
			cmd = gdb_console_file_command(cli, g->startup_file, &why);
			free(cli);
		}
		if (!cmd) {
			error("gdb cannot be given the file: %s", why.buf);
			strbuf_release(&why);
			return -1;
		}
		strbuf_release(&why);
		if (startup_send(g, cmd, 1, 1) < 0)
			return -1;
	}
	return 0;
}

/* Send one of gdb_start()'s commands; checked: its ^error fails the start; file: it
 * loads the symbol file. */
static int startup_send(struct gdb *g, char *cmd, int checked, int file)
{
	struct gdb_startup *st = &g->startup[g->nstartup++];
	st->cmd = cmd;
	st->checked = checked;
	st->file = file;
	return send_command(g, cmd, &st->token);
}

int gdb_wait_started(struct gdb *g)
{
	int r = 0;
	size_t n = g->nstartup;
	g->nstartup = 0; /* await_result() must not come back here */
	for (size_t i = 0; i < n; i++) {
		struct gdb_startup *st = &g->startup[i];
		int is_file = st->file;
		struct mi_record *res = r < 0 ? NULL
					      : await_result(g, st->token, st->cmd, is_file ? 60000 : 0);
		if (!res || r < 0) {
			r = -1;
		} else if (st->checked && res->result != MI_RESULT_DONE) {
			const char *msg = mi_record_find_str(res, "msg");
			if (is_file)
				error("gdb cannot load '%s': %s", g->startup_file, msg ? msg : "?");
			else
				error("gdb: '%s' failed: %s", st->cmd, msg ? msg : "(no message)");
			r = -1;
		}
		mi_record_free(res);
		free(st->cmd);
		st->cmd = NULL;
	}
	free(g->startup_file);
	g->startup_file = NULL;
	return r;
}

void gdb_abandon(struct gdb *g)
{
	if (!g->proc.pid || g->proc.reaped)
		return;
	kill(g->proc.pid, SIGKILL);
	proc_wait(&g->proc, -1);
	g->dead = 1;
}

int gdb_retarget(struct gdb *g, const char *transcript, const char *dir)
{
	struct strbuf q = STRBUF_INIT, why = STRBUF_INIT, cmd = STRBUF_INIT;
	int r = -1;
	if (g->transcript)
		fclose(g->transcript);
	g->transcript = NULL;
	g->t0 = now_ms();
	g->peer = NULL;
	for (size_t i = 0; i < g->nqueue; i++)
		mi_record_free(g->queue[i]);
	g->nqueue = 0;
	strbuf_reset(&g->stream);
	strbuf_reset(&g->partial);
	if (transcript) {
		g->transcript = fopen(transcript, "we");
		if (!g->transcript) {
			error_errno("cannot write the gdb transcript '%s'", transcript);
			goto out;
		}
	}
	/* cd takes the rest of its line as the directory: one it would read otherwise is
	 * refused, and the caller starts a gdb there instead. */
	if (quote_gdb_rest(&q, dir, &why) < 0) {
		debug("gdb cannot be moved to '%s': %s", dir, why.buf);
		goto out;
	}
	strbuf_addf(&cmd, "cd %s", q.buf);
	char *mi = gdb_console_command(cmd.buf);
	r = gdb_run(g, NULL, "%s", mi);
	free(mi);
out:
	strbuf_release(&q);
	strbuf_release(&why);
	strbuf_release(&cmd);
	return r;
}

void gdb_stop(struct gdb *g)
{
	if (!g->proc.pid || g->proc.reaped)
		return;
	if (!g->dead && g->proc.in_fd >= 0) {
		/* Polite first: -gdb-exit detaches from the target cleanly. A gdb whose
		 * target is running reads it only at the next stop: then the bounded
		 * wait and a stop, quietly (this is teardown, not news). */
		static const char cmd[] = "-gdb-exit\n";
		transcript_line(g, "-> ", cmd, sizeof(cmd) - 2);
		if (write(g->proc.in_fd, cmd, sizeof(cmd) - 1) < 0)
			g->dead = 1;
	}
	if (proc_wait(&g->proc, now_ms() + 2000) != 0)
		proc_stop(&g->proc, 1000);
}

void gdb_release(struct gdb *g)
{
	gdb_stop(g);
	proc_release(&g->proc);
	for (size_t i = 0; i < g->nqueue; i++)
		mi_record_free(g->queue[i]);
	free(g->queue);
	g->queue = NULL;
	g->nqueue = g->aqueue = 0;
	if (g->parser)
		mi_parser_free(g->parser);
	g->parser = NULL;
	strbuf_release(&g->stream);
	strbuf_release(&g->partial);
	strvec_clear(&g->regnames);
	for (size_t i = 0; i < g->nstartup; i++)
		free(g->startup[i].cmd);
	g->nstartup = 0;
	free(g->startup_file);
	g->startup_file = NULL;
	if (g->transcript)
		fclose(g->transcript);
	g->transcript = NULL;
}
