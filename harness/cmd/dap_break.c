/*
 * dap_break: kdive dap's breakpoints: functions and source lines (setFunctionBreakpoints,
 * setBreakpoints), in the kernel or the program, each limited to the program's task by
 * session (anyTask: kernel ones in every task), with conditions and hit counts; and the
 * exception filter "syscall" (every system call of the program, at do_syscall_64).
 * Part of kdive dap (dap_int.h). Depends on session, json.
 */
#define _GNU_SOURCE
#include "dap_int.h"
#include "wrapper.h"

#include <stdlib.h>
#include <string.h>

void dap_bps_free(struct dap *d)
{
	for (size_t i = 0; i < d->nbps; i++)
		free(d->bps[i].source);
	free(d->bps);
	d->bps = NULL;
	d->nbps = 0;
}

int dap_ignore_count(const char *hit)
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
	int line = 0, n = -1, ignore = hit && *hit ? dap_ignore_count(hit) : 0;
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

int dap_set_breakpoints(struct dap *d, const struct json_value *args, struct json *body,
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
		    dap_str_arg(bp, "condition", &c, err) < 0 || dap_str_arg(bp, "hitCondition", &h, err) < 0)
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
		dap_str_arg(bp, "condition", &c, err);
		dap_str_arg(bp, "hitCondition", &h, err);
		char *loc = xstrfmt("%s:%lld", path, (long long)line);
		set_bp(d, body, loc, c, h, path);
		free(loc);
	}
	json_close(body);
	return 0;
}

int dap_set_function_breakpoints(struct dap *d, const struct json_value *args,
					struct json *body, struct strbuf *err)
{
	const struct json_value *bps = json_value_find(args, "breakpoints");
	if (!json_value_is(bps, JSON_ARRAY))
		return dap_fail(err, "setFunctionBreakpoints needs 'breakpoints', an array");
	for (size_t i = 0; i < json_value_count(bps); i++) {
		const char *name, *c, *h;
		const struct json_value *bp = json_value_at(bps, i);
		if (dap_str_arg(bp, "name", &name, err) < 0 || dap_str_arg(bp, "condition", &c, err) < 0 ||
		    dap_str_arg(bp, "hitCondition", &h, err) < 0)
			return -1;
		if (!name || !*name)
			return dap_fail(err, "setFunctionBreakpoints: each breakpoint needs 'name'");
	}
	delete_bps(d, NULL);
	json_open(body, "breakpoints", '[');
	for (size_t i = 0; i < json_value_count(bps); i++) {
		const char *name, *c, *h;
		const struct json_value *bp = json_value_at(bps, i);
		dap_str_arg(bp, "name", &name, err);
		dap_str_arg(bp, "condition", &c, err);
		dap_str_arg(bp, "hitCondition", &h, err);
		set_bp(d, body, name, c, h, NULL);
	}
	json_close(body);
	return 0;
}


int dap_set_exception_breakpoints(struct dap *d, const struct json_value *args,
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

