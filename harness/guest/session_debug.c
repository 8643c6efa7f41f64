/*
 * session_debug: what an interactive debugger (kdive dap) asks of a guest beyond a
 * scenario's needs: attaching to a guest kdive did not start, the guest's CPUs and
 * their tasks, source-level steps, where a location resolves, ignore counts, the
 * program's sources at the host's paths, and variables (a frame's arguments and
 * locals, a structure's children) read through gdb's variable objects, each made and
 * deleted within one call so that nothing outlives the stop. Part of session
 * (session.h, the private session_int.h). Depends on gdb, mi, quote, proc.
 */
#define _GNU_SOURCE
#include "session.h"
#include "session_int.h"
#include "proc.h"
#include "quote.h"
#include "timeutil.h"
#include "usage.h"
#include "wrapper.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int session_attach_guest(struct session *s, const struct session_image *img, const char *target,
			 const char *console, const char *program, struct strbuf *why)
{
	const char *bad = target + strcspn(target, " \t\n\r:");
	session_init(s, img->vmlinux, 365 * 24 * 3600); /* a person's session: no limit */
	s->attached = 1;
	s->program = s->go_name = program;
	s->prog_elf = xstrfmt("%s/%s", img->progs, program);
	if (console)
		s->qemu.console_log = xstrdup(console);
	/* gdb's target remote reads a ':' as host:port, and the rest of the line as the
	 * name: a socket's path has neither. */
	const char *ctl = quote_bad_byte(target);
	if (*bad || ctl) {
		strbuf_addf(why, "the gdbstub socket's path has %s, which gdb's target remote cannot "
			    "take", ctl ? quote_byte_name((unsigned char)*ctl)
				: *bad == ':' ? "a ':'" : "white space");
		return -1;
	}
	if (access(target, F_OK) < 0) {
		strbuf_addf(why, "no gdbstub socket '%s' (kdive debug --print-cmd: run its QEMU "
			    "command first)", target);
		return -1;
	}
	if (session_layout_read(&s->layout, img->vmlinux) < 0)
		return -1;
	s->rundir = qemu_make_rundir();
	if (!s->rundir)
		return -1;
	proc_remove_at_death(s->rundir);
	char *transcript = xstrfmt("%s/gdb.mi", s->rundir);
	int r = gdb_start(&s->gdb, img->vmlinux, transcript, NULL);
	free(transcript);
	if (r < 0 || session_prog_symbols(s) < 0 || session_check_ptregs(s) < 0 ||
	    gdb_run(&s->gdb, NULL, "-target-select remote %s", target) < 0 ||
	    gdb_run(&s->gdb, NULL, "-gdb-set scheduler-locking step") < 0) {
		strbuf_addf(why, "gdb could not attach to '%s'", target);
		return -1;
	}
	gdb_note(&s->gdb, "attached to %s", target);
	return 0;
}

int session_step(struct session *s, enum session_step_kind how)
{
	static const char *const cmd[] = { "-exec-next", "-exec-step", "-exec-finish" };
	/* A step is taken from the selected frame: frame 0's registers, frame 0. */
	if (session_select_frame(s, 0, NULL) < 0)
		return -1;
	/* A step out stops where frame 0 returns, on whichever CPU the task does. */
	if (how == SESSION_STEP_OUT && session_finish_guard(s, 0, NULL) < 0)
		return -1;
	s->resumed = now_ms();
	s->interrupted = 0;
	return gdb_run(&s->gdb, NULL, "%s", s->finish_bp ? "-exec-continue" : cmd[how]);
}

int session_locate(struct session *s, const char *location, uint64_t *addr, char **file,
		   int *line, struct strbuf *why)
{
	struct strbuf q = STRBUF_INIT;
	quote_c(&q, location);
	struct mi_record *r = gdb_command(&s->gdb, 0, "-break-insert -d %s", q.buf);
	strbuf_release(&q);
	*addr = 0;
	*file = NULL;
	*line = 0;
	if (!r) {
		strbuf_addstr(why, "gdb did not answer");
		return -1;
	}
	const char *n = mi_record_find_str(r, "bkpt.number");
	if (r->result != MI_RESULT_DONE || !n) {
		const char *msg = mi_record_find_str(r, "msg");
		strbuf_addstr(why, msg ? msg : "no breakpoint number");
		mi_record_free(r);
		return -1;
	}
	/* One location: bkpt's own; several: bkpt.locations (gdb 13), the first. */
	const char *a = mi_record_find_str(r, "bkpt.addr");
	const char *f = mi_record_find_str(r, "bkpt.fullname");
	const char *l = mi_record_find_str(r, "bkpt.line");
	if (!a || a[0] != '0') {
		a = mi_record_find_str(r, "bkpt.locations.0.addr");
		f = mi_record_find_str(r, "bkpt.locations.0.fullname");
		l = mi_record_find_str(r, "bkpt.locations.0.line");
	}
	*addr = a ? strtoull(a, NULL, 0) : 0;
	*file = f ? xstrdup(f) : NULL;
	*line = l ? atoi(l) : 0;
	int num = atoi(n);
	mi_record_free(r);
	if (!a) {
		strbuf_addf(why, "gdb made breakpoint %d at no address", num);
		session_delete(s, num);
		return -1;
	}
	return session_delete(s, num);
}

int session_ignore(struct session *s, int bkpt, int count)
{
	return gdb_run(&s->gdb, NULL, "-break-after %d %d", bkpt, count);
}

void session_vars_free(struct session_var *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].name);
		free(v[i].type);
		free(v[i].value);
		free(v[i].expr);
	}
	free(v);
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

int session_locals(struct session *s, struct session_var **out, size_t *n)
{
	struct mi_record *r = NULL;
	if (gdb_run(&s->gdb, &r, "-stack-list-variables --simple-values") < 0)
		return -1;
	const struct mi_value *vars = mi_record_find_path(r, "variables");
	size_t nr = vars ? vars->nr : 0;
	*out = xcalloc(nr ? nr : 1, sizeof(**out));
	*n = 0;
	for (size_t i = 0; i < nr; i++) {
		const struct mi_value *v = &vars->items[i];
		const char *name = mi_value_find_str(v, "name");
		if (!name)
			continue;
		struct session_var *o = &(*out)[(*n)++];
		o->name = xstrdup(name);
		o->expr = xstrdup(name);
		o->type = dup_or_null(mi_value_find_str(v, "type"));
		o->value = dup_or_null(mi_value_find_str(v, "value"));
		o->arg = mi_value_find_str(v, "arg") != NULL;
		o->nchild = -1;
	}
	mi_record_free(r);
	return 0;
}

/* gdb's reason for a failed record into why; -1. */
static int mi_why(struct mi_record *r, struct strbuf *why)
{
	const char *msg = r ? mi_record_find_str(r, "msg") : NULL;
	strbuf_addstr(why, msg ? msg : r ? "gdb said no" : "gdb did not answer");
	mi_record_free(r);
	return -1;
}

/* A variable object for expr in the selected frame: its name (new string), or NULL. */
static char *var_create(struct session *s, const char *expr, struct mi_record **rec,
			struct strbuf *why)
{
	struct strbuf q = STRBUF_INIT;
	quote_c(&q, expr);
	struct mi_record *r = gdb_command(&s->gdb, 0, "-var-create - * %s", q.buf);
	strbuf_release(&q);
	const char *name = r && r->result == MI_RESULT_DONE ? mi_record_find_str(r, "name") : NULL;
	if (!name) {
		mi_why(r, why);
		return NULL;
	}
	*rec = r;
	return xstrdup(name);
}

static void var_delete(struct session *s, const char *name)
{
	struct mi_record *r = gdb_command(&s->gdb, 0, "-var-delete %s", name);
	mi_record_free(r);
}

int session_var(struct session *s, const char *expr, struct session_var *v, struct strbuf *why)
{
	struct mi_record *r = NULL;
	char *name = var_create(s, expr, &r, why);
	memset(v, 0, sizeof(*v));
	if (!name)
		return -1;
	const char *nc = mi_record_find_str(r, "numchild");
	v->name = xstrdup(expr);
	v->expr = xstrdup(expr);
	v->type = dup_or_null(mi_record_find_str(r, "type"));
	v->value = dup_or_null(mi_record_find_str(r, "value"));
	v->nchild = nc ? atoi(nc) : -1;
	mi_record_free(r);
	var_delete(s, name);
	free(name);
	return 0;
}

int session_children(struct session *s, const char *expr, size_t max, struct session_var **out,
		     size_t *n, struct strbuf *why)
{
	struct mi_record *r = NULL, *c = NULL;
	char *name = var_create(s, expr, &r, why);
	int ret = -1;
	*out = NULL;
	*n = 0;
	if (!name)
		return -1;
	mi_record_free(r);
	c = gdb_command(&s->gdb, 0, "-var-list-children --simple-values %s 0 %zu", name, max);
	if (!c || c->result != MI_RESULT_DONE) {
		mi_why(c, why);
		goto out;
	}
	const struct mi_value *kids = mi_record_find_path(c, "children");
	size_t nr = kids ? kids->nr : 0;
	*out = xcalloc(nr ? nr : 1, sizeof(**out));
	for (size_t i = 0; i < nr; i++) {
		const struct mi_value *k = &kids->items[i];
		const char *vname = mi_value_find_str(k, "name"), *exp = mi_value_find_str(k, "exp");
		const char *nc = mi_value_find_str(k, "numchild");
		if (!vname || !exp)
			continue;
		struct mi_record *p = gdb_command(&s->gdb, 0, "-var-info-path-expression %s", vname);
		const char *path = p ? mi_record_find_str(p, "path_expr") : NULL;
		struct session_var *o = &(*out)[(*n)++];
		o->name = xstrdup(exp);
		o->expr = dup_or_null(path);
		o->type = dup_or_null(mi_value_find_str(k, "type"));
		o->value = dup_or_null(mi_value_find_str(k, "value"));
		o->nchild = nc ? atoi(nc) : -1;
		mi_record_free(p);
	}
	mi_record_free(c);
	ret = 0;
out:
	var_delete(s, name);
	free(name);
	return ret;
}

int session_source_map(struct session *s, const char *from, const char *to)
{
	struct strbuf cmd = STRBUF_INIT, why = STRBUF_INIT;
	strbuf_addstr(&cmd, "set substitute-path ");
	int r = quote_gdb_arg(&cmd, from, &why);
	if (!r) {
		strbuf_addch(&cmd, ' ');
		r = quote_gdb_arg(&cmd, to, &why);
	}
	if (r < 0)
		error("gdb cannot be given the source directory: %s", why.buf);
	else
		r = session_console(s, "%s", cmd.buf);
	strbuf_release(&cmd);
	strbuf_release(&why);
	return r;
}

void session_threads_free(struct session_thread *t, size_t n)
{
	for (size_t i = 0; t && i < n; i++)
		free(t[i].comm);
	free(t);
}

int session_select_thread(struct session *s, int id)
{
	if (session_user_view_leave(s) < 0)
		return -1;
	return gdb_run(&s->gdb, NULL, "-thread-select %d", id);
}

/* The first quoted string of gdb's print of a char array ("fork", '\000' <repeats
 * 11 times>), a new string, or NULL. */
static char *first_string(const char *v)
{
	const char *q = v ? strchr(v, '"') : NULL;
	const char *e = q ? strchr(q + 1, '"') : NULL;
	/* A few NULs are printed inside the quotes: the C string ends at the first. */
	const char *nul = e ? memmem(q + 1, (size_t)(e - q - 1), "\\000", 4) : NULL;
	return e ? xstrndup(q + 1, (size_t)((nul ? nul : e) - q - 1)) : NULL;
}

int session_threads(struct session *s, struct session_thread **out, size_t *n, int *current)
{
	struct mi_record *r = NULL;
	struct strbuf why = STRBUF_INIT;
	if (session_user_view_leave(s) < 0 || gdb_run(&s->gdb, &r, "-thread-info") < 0)
		return -1;
	const struct mi_value *ts = mi_record_find_path(r, "threads");
	const char *cur = mi_record_find_str(r, "current-thread-id");
	size_t nr = ts ? ts->nr : 0;
	*current = cur ? atoi(cur) : 0;
	*out = xcalloc(nr ? nr : 1, sizeof(**out));
	*n = 0;
	char *pid_expr = xstrfmt("(long)%s->pid", s->layout.current);
	char *comm_expr = xstrfmt("%s->comm", s->layout.current);
	for (size_t i = 0; i < nr; i++) {
		const char *id = mi_value_find_str(&ts->items[i], "id");
		if (!id)
			continue;
		struct session_thread *t = &(*out)[(*n)++];
		uint64_t pid;
		t->id = atoi(id);
		t->cpu = (int)i;
		t->pid = -1;
		/* Each CPU's current task, by its own GS base: that CPU selected. */
		if (nr > 1 && gdb_run(&s->gdb, NULL, "-thread-select %d", t->id) < 0)
			continue;
		char *v = gdb_eval(&s->gdb, comm_expr, &why);
		t->comm = first_string(v);
		free(v);
		if (gdb_eval_u64(&s->gdb, pid_expr, &pid) == 0)
			t->pid = (long)pid;
	}
	free(pid_expr);
	free(comm_expr);
	mi_record_free(r);
	strbuf_release(&why);
	if (nr > 1 && *current && gdb_run(&s->gdb, NULL, "-thread-select %d", *current) < 0) {
		session_threads_free(*out, *n);
		*out = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}
