/*
 * dap_inspect: what kdive dap shows of a stop: the thread, one call stack of kernel
 * frames then (behind a label frame) the user frames unwound from struct pt_regs, the
 * scopes of a frame (arguments, locals, pt_regs with the syscall's name, registers),
 * variables and their children, evaluate (watch, hover, and the REPL with gdb commands
 * behind "-exec "), readMemory and disassemble. All through session (session.h).
 * Part of kdive dap (dap_int.h). Depends on session, syscalls, json.
 */
#define _GNU_SOURCE
#include "dap_int.h"
#include "obs.h"
#include "syscalls.h"
#include "usage.h"
#include "wrapper.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- the stop's view ---- */

/* Drop the view (frames, pt_regs), keeping the references. */
static void view_forget(struct dap *d)
{
	obs_frames_free(d->kf, d->nk);
	obs_frames_free(d->uf, d->nu);
	d->kf = d->uf = NULL;
	d->nk = d->nu = 0;
	d->have_view = d->have_regs = 0;
}

int dap_stop_view(struct dap *d, int thread)
{
	if (d->have_view && d->view_thread == thread)
		return 0;
	dap_unselect(d);
	view_forget(d);
	if (thread != d->view_thread && session_select_thread(&d->s, thread) < 0)
		return -1;
	d->view_thread = thread;
	if (session_frames(&d->s, &d->kf, &d->nk) < 0)
		return -1;
	/* At a kernel stop in a syscall: the user frames behind it, from pt_regs. A stop in
	 * user space has its own frames already. */
	if (session_cpl(&d->s) == 0 && session_ptregs(&d->s, d->regs) == 0 &&
	    d->regs[SESSION_PT_CS] && (d->regs[SESSION_PT_CS] & 3) == 3) {
		d->have_regs = 1;
		if (session_user_frames(&d->s, d->regs, &d->uf, &d->nu) < 0)
			d->nu = 0;
	}
	d->have_view = 1;
	return 0;
}

void dap_stop_forget(struct dap *d)
{
	view_forget(d);
	for (size_t i = 0; i < d->nrefs; i++)
		free(d->refs[i].expr);
	free(d->refs);
	d->refs = NULL;
	d->nrefs = 0;
	d->user_selected = 0;
}

void dap_unselect(struct dap *d)
{
	if (d->user_selected && d->launched)
		session_select_frame(&d->s, 0, NULL);
	d->user_selected = 0;
}

/*
 * Frame ids: thread * DAP_FRAME_IDS + k, k 1..nk the kernel's, nk+1 the label between
 * kernel and user space (when there are user frames), then the user frames; the view
 * of thread must be read. The frame of id: 0 with *user and *index (gdb's frame
 * number, in its stack), 1 for the label, -1 for none.
 */
static int frame_at(const struct dap *d, int64_t id, int *user, size_t *index)
{
	if (id / DAP_FRAME_IDS != d->view_thread)
		return -1;
	id %= DAP_FRAME_IDS;
	if (id >= 1 && (size_t)id <= d->nk) {
		*user = 0;
		*index = (size_t)id - 1;
		return 0;
	}
	if (d->nu && (size_t)id == d->nk + 1)
		return 1;
	if (d->nu && (size_t)id > d->nk + 1 && (size_t)id <= d->nk + 1 + d->nu) {
		*user = 1;
		*index = (size_t)id - d->nk - 2;
		return 0;
	}
	return -1;
}

/* The view of frame id's thread. 0, or -1 with err said. */
static int view_of(struct dap *d, int64_t id, struct strbuf *err)
{
	if (id < DAP_FRAME_IDS || id / DAP_FRAME_IDS > INT32_MAX)
		return dap_fail(err, "no frame %lld at this stop", (long long)id);
	if (dap_stop_view(d, (int)(id / DAP_FRAME_IDS)) < 0)
		return dap_fail(err, "cannot read the frames of thread %lld", (long long)(id / DAP_FRAME_IDS));
	return 0;
}

/* Select frame id for what follows; 0, or -1 with err said. */
static int select_frame(struct dap *d, int64_t id, struct strbuf *err)
{
	int user;
	size_t index;
	if (view_of(d, id, err) < 0)
		return -1;
	if (frame_at(d, id, &user, &index) != 0)
		return dap_fail(err, "no frame %lld at this stop", (long long)id);
	if (session_select_frame(&d->s, index, user ? d->regs : NULL) < 0)
		return dap_fail(err, "cannot select frame %lld", (long long)id);
	d->user_selected = user;
	return 0;
}

static int new_ref(struct dap *d, enum dap_ref_kind kind, int frame, const char *expr)
{
	d->refs = xrealloc(d->refs, (d->nrefs + 1) * sizeof(*d->refs));
	d->refs[d->nrefs] = (struct dap_ref){ kind, frame, expr ? xstrdup(expr) : NULL };
	return (int)++d->nrefs;
}

/* ---- requests ---- */

/*
 * The guest's CPUs, each as a thread named for its current task: the program's task on
 * the CPU that stopped, the other CPUs' tasks on SMP. While the guest runs, the last
 * stop's list (DAP asks for threads at any time).
 */
int dap_threads(struct dap *d, const struct json_value *args, struct json *body, struct strbuf *err)
{
	struct session_thread *t = NULL;
	size_t n = 0;
	int cur;
	(void)args;
	if (!d->launched || d->running) {
		json_raw(body, "threads", d->launched && d->threads ? d->threads : "[]");
		return 0;
	}
	dap_unselect(d);
	if (session_threads(&d->s, &t, &n, &cur) < 0)
		return dap_fail(err, "cannot read the guest's CPUs");
	struct strbuf arr = STRBUF_INIT;
	struct json j;
	json_init(&j, &arr, 0);
	json_open(&j, NULL, '[');
	for (size_t i = 0; i < n; i++) {
		char *name = n > 1 ? xstrfmt("CPU %d: %s (pid %ld)", t[i].cpu, t[i].comm ? t[i].comm : "?",
					     t[i].pid)
				   : xstrfmt("%s (pid %ld)", t[i].comm ? t[i].comm : "?", t[i].pid);
		json_open(&j, NULL, '{');
		json_int(&j, "id", t[i].id);
		json_str(&j, "name", name);
		json_close(&j);
		free(name);
	}
	json_close(&j);
	free(d->threads);
	d->threads = strbuf_detach(&arr, NULL);
	json_raw(body, "threads", d->threads);
	session_threads_free(t, n);
	return 0;
}

static char *boundary_name(const struct dap *d);

static void frame_write(struct json *j, int64_t id, const struct obs_frame *f, int user)
{
	json_open(j, NULL, '{');
	json_int(j, "id", id);
	json_str(j, "name", f->func);
	if (f->file) {
		const char *base = strrchr(f->file, '/');
		json_open(j, "source", '{');
		json_str(j, "name", base ? base + 1 : f->file);
		json_str(j, "path", f->file);
		json_close(j);
	}
	json_int(j, "line", f->line);
	json_int(j, "column", f->line ? 1 : 0);
	char *ip = xstrfmt("0x%llx", (unsigned long long)f->addr);
	json_str(j, "instructionPointerReference", ip);
	free(ip);
	/* Frames gdb has no source for are the entry code's: shown, but dimmed. */
	json_str(j, "presentationHint", f->file ? "normal" : "subtle");
	(void)user;
	json_close(j);
}

int dap_stack_trace(struct dap *d, const struct json_value *args, struct json *body,
		    struct strbuf *err)
{
	int64_t start = 0, levels = 0, thread;
	if (json_value_int(json_value_find(args, "threadId"), &thread) < 0 || thread < 1 ||
	    thread > INT32_MAX / DAP_FRAME_IDS)
		return dap_fail(err, "stackTrace needs 'threadId', a thread's id");
	json_value_int(json_value_find(args, "startFrame"), &start);
	json_value_int(json_value_find(args, "levels"), &levels);
	if (dap_stop_view(d, (int)thread) < 0)
		return dap_fail(err, "cannot read the frames of thread %lld", (long long)thread);
	int64_t total = (int64_t)(d->nk + (d->nu ? d->nu + 1 : 0));
	json_open(body, "stackFrames", '[');
	for (int64_t k = 1 + (start > 0 ? start : 0); k <= total; k++) {
		if (levels > 0 && k - 1 - start >= levels)
			break;
		int64_t id = thread * DAP_FRAME_IDS + k;
		int user;
		size_t index;
		if (frame_at(d, id, &user, &index) == 1) {
			/* The boundary: the syscall that entered the kernel from user space. */
			char *name = boundary_name(d);
			json_open(body, NULL, '{');
			json_int(body, "id", id);
			json_str(body, "name", name);
			json_int(body, "line", 0);
			json_int(body, "column", 0);
			json_str(body, "presentationHint", "label");
			json_close(body);
			free(name);
			continue;
		}
		frame_write(body, id, user ? &d->uf[index] : &d->kf[index], user);
	}
	json_close(body);
	json_int(body, "totalFrames", total);
	return 0;
}

/* What entered the kernel from user space: a syscall (orig_ax its number), or an
 * exception or interrupt (orig_ax -1, or an error code or vector). New string. */
static char *entry_name(const struct dap *d)
{
	int64_t nr = (int64_t)d->regs[SESSION_PT_ORIG_AX];
	const char *sys = nr >= 0 ? syscalls_name(&d->k->syscalls, (long)nr) : NULL;
	return sys ? xstrfmt("syscall %s (%lld)", sys, (long long)nr)
		   : xstrfmt("an exception or interrupt (orig_ax %lld)", (long long)nr);
}

/* The label frame between kernel and user frames. New string. */
static char *boundary_name(const struct dap *d)
{
	char *e = entry_name(d);
	char *name = xstrfmt("user space: %s, frames from pt_regs", e);
	free(e);
	return name;
}

static void scope_write(struct json *j, const char *name, const char *hint, int ref, int expensive)
{
	json_open(j, NULL, '{');
	json_str(j, "name", name);
	if (hint)
		json_str(j, "presentationHint", hint);
	json_int(j, "variablesReference", ref);
	json_bool(j, "expensive", expensive);
	json_close(j);
}

int dap_scopes(struct dap *d, const struct json_value *args, struct json *body, struct strbuf *err)
{
	int64_t id;
	int user;
	size_t index;
	if (json_value_int(json_value_find(args, "frameId"), &id) < 0)
		return dap_fail(err, "scopes needs 'frameId', an integer");
	if (view_of(d, id, err) < 0)
		return -1;
	int at = frame_at(d, id, &user, &index);
	if (at < 0)
		return dap_fail(err, "no frame %lld at this stop", (long long)id);
	json_open(body, "scopes", '[');
	if (at == 0) {
		scope_write(body, "Arguments", "arguments", new_ref(d, DAP_REF_ARGS, (int)id, NULL), 0);
		scope_write(body, "Locals", "locals", new_ref(d, DAP_REF_LOCALS, (int)id, NULL), 0);
	}
	if (d->have_regs) {
		int64_t nr = (int64_t)d->regs[SESSION_PT_ORIG_AX];
		const char *sys = nr >= 0 ? syscalls_name(&d->k->syscalls, (long)nr) : NULL;
		char *name = xstrfmt("pt_regs (%s)", sys ? sys : "no syscall");
		scope_write(body, name, "registers", new_ref(d, DAP_REF_PTREGS, (int)id, NULL), 0);
		free(name);
	}
	if (at == 0 && !user)
		scope_write(body, "Registers", "registers", new_ref(d, DAP_REF_REGS, (int)id, NULL), 0);
	json_close(body);
	return 0;
}

/* A variable: name, value, type, and a reference when it has children. */
static void var_write(struct dap *d, struct json *j, int frame, const struct session_var *v)
{
	/* A structure (no value) or a pointer to one can be opened; not a NULL pointer,
	 * nor what gdb cannot read ("<optimized out>"). */
	int ptr = v->type && !strncmp(v->type, "struct ", 7) && strchr(v->type, '*') && v->value &&
		  v->value[0] != '<' && strcmp(v->value, "0x0");
	int kids = v->nchild > 0 || (v->nchild < 0 && (!v->value || ptr));
	json_open(j, NULL, '{');
	json_str(j, "name", v->name);
	json_str(j, "value", v->value ? v->value : "{...}");
	if (v->type)
		json_str(j, "type", v->type);
	if (v->expr)
		json_str(j, "evaluateName", v->expr);
	json_int(j, "variablesReference", kids && v->expr ? new_ref(d, DAP_REF_EXPR, frame, v->expr) : 0);
	json_close(j);
}

static void plain_var(struct json *j, const char *name, const char *value)
{
	json_open(j, NULL, '{');
	json_str(j, "name", name);
	json_str(j, "value", value);
	json_int(j, "variablesReference", 0);
	json_close(j);
}

static int ptregs_vars(struct dap *d, struct json *j)
{
	const char *sys = syscalls_name(&d->k->syscalls, (long)d->regs[SESSION_PT_ORIG_AX]);
	for (size_t i = 0; i < SESSION_PT_NSLOTS; i++) {
		char *v = i == SESSION_PT_ORIG_AX
				  ? xstrfmt("%lld (%s)", (long long)d->regs[i], sys ? sys : "?")
				  : xstrfmt("0x%llx", (unsigned long long)d->regs[i]);
		plain_var(j, session_ptreg_name(i), v);
		free(v);
	}
	plain_var(j, "syscall", sys ? sys : "?");
	return 0;
}

static int reg_vars(struct dap *d, struct json *j, struct strbuf *err)
{
	static const char *const names[] = { "rip", "rsp", "rbp", "rax", "rbx", "rcx", "rdx",
		"rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "eflags",
		"cs", "ss", "fs_base", "gs_base", "cr3" };
	uint64_t v[ARRAY_SIZE(names)];
	if (session_registers(&d->s, names, ARRAY_SIZE(names), v) < 0)
		return dap_fail(err, "cannot read the registers");
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char *t = xstrfmt("0x%llx", (unsigned long long)v[i]);
		plain_var(j, names[i], t);
		free(t);
	}
	return 0;
}

#define DAP_CHILDREN_MAX 1000 /* an array's elements shown at most */

int dap_variables(struct dap *d, const struct json_value *args, struct json *body,
		  struct strbuf *err)
{
	int64_t ref;
	struct session_var *v = NULL;
	size_t n = 0;
	struct strbuf why = STRBUF_INIT;
	int r = 0;
	if (json_value_int(json_value_find(args, "variablesReference"), &ref) < 0)
		return dap_fail(err, "variables needs 'variablesReference', an integer");
	if (ref < 1 || (size_t)ref > d->nrefs)
		return dap_fail(err, "no variablesReference %lld at this stop", (long long)ref);
	/* Copied: writing variables adds references (refs may move). */
	struct dap_ref rf = d->refs[ref - 1];
	char *expr = rf.expr ? xstrdup(rf.expr) : NULL;
	json_open(body, "variables", '[');
	switch (rf.kind) {
	case DAP_REF_PTREGS:
		r = view_of(d, rf.frame, err) < 0 ? -1 : ptregs_vars(d, body);
		break;
	case DAP_REF_REGS:
		r = select_frame(d, rf.frame, err) < 0 ? -1 : reg_vars(d, body, err);
		break;
	case DAP_REF_ARGS:
	case DAP_REF_LOCALS:
		if (select_frame(d, rf.frame, err) < 0 || session_locals(&d->s, &v, &n) < 0) {
			r = err->len ? -1 : dap_fail(err, "cannot read the frame's variables");
			break;
		}
		for (size_t i = 0; i < n; i++)
			if (v[i].arg == (rf.kind == DAP_REF_ARGS))
				var_write(d, body, rf.frame, &v[i]);
		break;
	case DAP_REF_EXPR:
		if (select_frame(d, rf.frame, err) < 0)
			r = -1;
		else if (session_children(&d->s, expr, DAP_CHILDREN_MAX, &v, &n, &why) < 0)
			r = dap_fail(err, "cannot open '%s': %s", expr, why.buf);
		for (size_t i = 0; !r && i < n; i++)
			var_write(d, body, rf.frame, &v[i]);
		break;
	}
	json_close(body);
	session_vars_free(v, n);
	free(expr);
	strbuf_release(&why);
	return r;
}

#define DAP_REPL_PREFIX "-exec "

/*
 * Whether a gdb command typed in the REPL would let the guest run or end the session
 * behind the adapter's back (gdb's all-stop run control, and what detaches or kills):
 * those are the editor's buttons. Its first word, abbreviations included.
 */
static int repl_runs(const char *cmd)
{
	static const char *const words[] = { "c", "continue", "fg", "n", "next", "s", "step",
		"si", "stepi", "ni", "nexti", "fin", "finish", "u", "until", "advance", "r", "run",
		"start", "starti", "jump", "j", "signal", "queue-signal", "kill", "k", "detach",
		"disconnect", "q", "quit", "target", "attach", "reverse-continue", "rc",
		"record", "interrupt" };
	cmd += strspn(cmd, " \t");
	size_t len = strcspn(cmd, " \t&");
	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (strlen(words[i]) == len && !strncmp(cmd, words[i], len))
			return 1;
	return 0;
}

int dap_evaluate(struct dap *d, const struct json_value *args, struct json *body, struct strbuf *err)
{
	const char *expr = json_value_str(json_value_find(args, "expression"), NULL);
	const char *ctx = json_value_str(json_value_find(args, "context"), NULL);
	const struct json_value *fid = json_value_find(args, "frameId");
	struct strbuf why = STRBUF_INIT;
	int64_t id = (int64_t)d->thread * DAP_FRAME_IDS + 1; /* the stop's frame 0 */
	int r = 0;
	if (!expr)
		return dap_fail(err, "evaluate needs 'expression', a string");
	if (fid && json_value_int(fid, &id) < 0)
		return dap_fail(err, "'frameId' must be an integer");
	if (select_frame(d, id, err) < 0)
		return -1;
	if (ctx && !strcmp(ctx, "repl") && !strncmp(expr, DAP_REPL_PREFIX, strlen(DAP_REPL_PREFIX))) {
		/* A gdb command, as typed at gdb's prompt: its output is the result. */
		const char *cmd = expr + strlen(DAP_REPL_PREFIX);
		if (repl_runs(cmd))
			return dap_fail(err, "'%s' lets the guest run or ends the session: the "
					"editor's controls do that (continue, step, pause, stop)", cmd);
		if (session_console_capture(&d->s, cmd, &why) < 0)
			r = dap_fail(err, "gdb is gone");
		strbuf_rtrim(&why);
		json_str(body, "result", why.buf);
		json_int(body, "variablesReference", 0);
	} else if (ctx && !strcmp(ctx, "repl")) {
		/* gdb's whole print of the value, once (an expression may change the guest). */
		char *v = session_eval(&d->s, expr, &why);
		if (!v)
			r = dap_fail(err, "%s", why.buf);
		json_str(body, "result", v ? v : "");
		json_int(body, "variablesReference", 0);
		free(v);
	} else {
		/* watch, hover: a variable object, whose children can be opened. */
		struct session_var v;
		if (session_var(&d->s, expr, &v, &why) < 0) {
			r = dap_fail(err, "%s", why.buf);
		} else {
			json_str(body, "result", v.value ? v.value : "{...}");
			if (v.type)
				json_str(body, "type", v.type);
			json_int(body, "variablesReference",
				 v.nchild > 0 ? new_ref(d, DAP_REF_EXPR, (int)id, expr) : 0);
			free(v.name);
			free(v.type);
			free(v.value);
			free(v.expr);
		}
	}
	strbuf_release(&why);
	return r;
}

/* base64 of buf[0..n) appended to out (RFC 4648, with padding). */
static void base64(struct strbuf *out, const unsigned char *buf, size_t n)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)buf[i] << 16 | (i + 1 < n ? (uint32_t)buf[i + 1] << 8 : 0) |
			     (i + 2 < n ? buf[i + 2] : 0);
		strbuf_addch(out, a[v >> 18 & 63]);
		strbuf_addch(out, a[v >> 12 & 63]);
		strbuf_addch(out, i + 1 < n ? a[v >> 6 & 63] : '=');
		strbuf_addch(out, i + 2 < n ? a[v & 63] : '=');
	}
}

/* A memoryReference ("0x..."), plus offset. 0, or -1 with err said. */
static int mem_ref(const struct json_value *args, uint64_t *addr, struct strbuf *err)
{
	const char *ref = json_value_str(json_value_find(args, "memoryReference"), NULL);
	int64_t off = 0;
	char *end;
	if (!ref)
		return dap_fail(err, "needs 'memoryReference', an address such as \"0xffffffff81000000\"");
	*addr = strtoull(ref, &end, 0);
	if (end == ref || *end || ref[0] == '-')
		return dap_fail(err, "'memoryReference' is an address such as \"0xffffffff81000000\", "
			       "not '%s'", ref);
	json_value_int(json_value_find(args, "offset"), &off);
	*addr += (uint64_t)off;
	return 0;
}

#define DAP_MEMORY_MAX 65536

int dap_read_memory(struct dap *d, const struct json_value *args, struct json *body,
		    struct strbuf *err)
{
	uint64_t a;
	int64_t n;
	if (mem_ref(args, &a, err) < 0)
		return -1;
	if (json_value_int(json_value_find(args, "count"), &n) < 0 || n < 0 || n > DAP_MEMORY_MAX)
		return dap_fail(err, "readMemory needs 'count', 0 to %d bytes", DAP_MEMORY_MAX);
	unsigned char *buf = xmalloc(n ? (size_t)n : 1);
	char *at = xstrfmt("0x%llx", (unsigned long long)a);
	json_str(body, "address", at);
	if (n && session_read_memory(&d->s, a, (size_t)n, buf) < 0) {
		json_int(body, "unreadableBytes", n);
	} else {
		struct strbuf b64 = STRBUF_INIT;
		base64(&b64, buf, (size_t)n);
		json_str(body, "data", b64.buf);
		strbuf_release(&b64);
	}
	free(at);
	free(buf);
	return 0;
}

#define DAP_INSNS_MAX 4096

int dap_disassemble(struct dap *d, const struct json_value *args, struct json *body,
		    struct strbuf *err)
{
	uint64_t a;
	int64_t count, ioff = 0;
	struct session_insn *in = NULL;
	size_t n = 0;
	if (mem_ref(args, &a, err) < 0)
		return -1;
	if (json_value_int(json_value_find(args, "instructionCount"), &count) < 0 || count < 1 ||
	    count > DAP_INSNS_MAX)
		return dap_fail(err, "disassemble needs 'instructionCount', 1 to %d", DAP_INSNS_MAX);
	json_value_int(json_value_find(args, "instructionOffset"), &ioff);
	/* x86 cannot be read backwards: instructions before the reference are shown as
	 * unknown, those from it on are gdb's (15 bytes each at most). */
	int64_t before = ioff < 0 ? (-ioff < count ? -ioff : count) : 0;
	int64_t want = count - before, skip = ioff > 0 ? ioff : 0;
	if (want > 0 && session_disassemble(&d->s, a, (size_t)(want + skip) * 15, &in, &n) < 0)
		return dap_fail(err, "gdb cannot disassemble at 0x%llx", (unsigned long long)a);
	json_open(body, "instructions", '[');
	for (int64_t i = 0; i < count; i++) {
		json_open(body, NULL, '{');
		size_t k = (size_t)(i - before + skip);
		if (i < before || k >= n) {
			json_str(body, "address", "0x0");
			json_str(body, "instruction", "(unknown)");
			json_str(body, "presentationHint", "invalid");
		} else {
			char *ad = xstrfmt("0x%llx", (unsigned long long)in[k].addr);
			json_str(body, "address", ad);
			json_str(body, "instruction", in[k].text);
			if (in[k].func) {
				char *sym = xstrfmt("%s+%d", in[k].func, in[k].offset);
				json_str(body, "symbol", sym);
				free(sym);
			}
			free(ad);
		}
		json_close(body);
	}
	json_close(body);
	session_insns_free(in, n);
	return 0;
}
