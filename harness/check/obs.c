/*
 * obs: freeing and copying observations, writing frames as JSON, making their paths
 * relative, encoding them. Depends on strbuf,
 * wrapper and json.
 */
#include "obs.h"
#include "json.h"
#include "wrapper.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void obs_frames_free(struct obs_frame *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(f[i].func);
		free(f[i].file);
	}
	free(f);
}

struct obs_frame *obs_frames_dup(const struct obs_frame *f, size_t n)
{
	struct obs_frame *d = n ? xcalloc(n, sizeof(*d)) : NULL;
	for (size_t i = 0; i < n; i++) {
		d[i] = f[i];
		d[i].func = f[i].func ? xstrdup(f[i].func) : NULL;
		d[i].file = f[i].file ? xstrdup(f[i].file) : NULL;
	}
	return d;
}

void obs_frames_write(struct json *j, const char *key, const struct obs_frame *f, size_t n)
{
	json_open(j, key, '[');
	for (size_t i = 0; i < n; i++) {
		json_open(j, NULL, '{');
		json_str(j, "func", f[i].func);
		json_str(j, "file", f[i].file);
		if (f[i].line > 0)
			json_int(j, "line", f[i].line);
		else
			json_nil(j, "line");
		json_bool(j, "inlined", f[i].inlined);
		json_hex(j, "addr", f[i].addr);
		json_close(j);
	}
	json_close(j);
}

void obs_run_release(struct obs_run *r)
{
	free(r->kernel_version);
	free(r->lstar_symbol);
	free(r->error);
	for (size_t i = 0; i < r->nstops; i++) {
		struct obs_stop *st = &r->stops[i];
		obs_frames_free(st->frames, st->nframes);
		obs_frames_free(st->user, st->nuser);
		for (size_t j = 0; j < st->nvalues; j++) {
			free(st->values[j].name);
			free(st->values[j].error);
		}
		free(st->values);
		free(st->error);
	}
	free(r->stops);
	free(r->program_output);
	memset(r, 0, sizeof(*r));
	r->program_status = -1;
}

void obs_output_set(struct obs_run *r, const char *text, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	const size_t half = OBS_OUTPUT_MAX / 2;

	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\r' && i + 1 < len && text[i + 1] == '\n')
			continue;
		strbuf_addch(&sb, text[i] ? text[i] : '?');
	}
	free(r->program_output);
	r->output_truncated = sb.len > OBS_OUTPUT_MAX;
	if (r->output_truncated) {
		struct strbuf cut = STRBUF_INIT;
		strbuf_add(&cut, sb.buf, half);
		if (cut.buf[cut.len - 1] != '\n')
			strbuf_addch(&cut, '\n');
		strbuf_addf(&cut, "[... %zu bytes left out ...]\n", sb.len - 2 * half);
		strbuf_add(&cut, sb.buf + sb.len - half, half);
		strbuf_release(&sb);
		sb = cut;
	}
	r->program_output = strbuf_detach(&sb, NULL);
}

char *obs_relative_path(const char *file, const char *const *roots)
{
	if (!file || !*file)
		return NULL;
	for (size_t i = 0; roots && roots[i]; i++) {
		size_t n = strlen(roots[i]);
		if (n && !strncmp(file, roots[i], n) && file[n] == '/')
			return xstrdup(file + n + 1);
	}
	if (!strncmp(file, "./", 2))
		return xstrdup(file + 2);
	return xstrdup(file);
}

void obs_relativize(struct obs_frame *f, size_t n, const char *const *roots)
{
	for (size_t i = 0; i < n; i++) {
		char *rel = obs_relative_path(f[i].file, roots);
		free(f[i].file);
		f[i].file = rel;
	}
}

/* ---- encoding: fields in order, each ended by ';'; a string "LEN:BYTES" or "-" ---- */

static void put_num(struct strbuf *out, long long v)
{
	strbuf_addf(out, "%lld;", v);
}

static void put_str(struct strbuf *out, const char *s)
{
	if (!s) {
		strbuf_addstr(out, "-;");
		return;
	}
	strbuf_addf(out, "%zu:", strlen(s));
	strbuf_addstr(out, s);
	strbuf_addch(out, ';');
}

static void put_frames(struct strbuf *out, const struct obs_frame *f, size_t n)
{
	put_num(out, (long long)n);
	for (size_t i = 0; i < n; i++) {
		put_str(out, f[i].func);
		put_str(out, f[i].file);
		put_num(out, f[i].line);
		put_num(out, f[i].inlined);
		put_num(out, (long long)f[i].addr);
	}
}

void obs_run_encode(const struct obs_run *r, struct strbuf *out)
{
	strbuf_addstr(out, "obs3;");
	put_str(out, r->kernel_version);
	put_str(out, r->lstar_symbol);
	put_num(out, (long long)r->lstar_value);
	put_str(out, r->error);
	put_num(out, r->kaslr);
	put_num(out, (long long)r->kaslr_slide);
	put_num(out, r->restored);
	put_num(out, r->kaslr_slot);
	put_num(out, r->cpus);
	put_num(out, r->boot_ms);
	put_num(out, r->total_ms);
	put_num(out, r->program_status);
	put_str(out, r->program_output);
	put_num(out, r->output_truncated);
	put_num(out, (long long)r->nstops);
	for (size_t i = 0; i < r->nstops; i++) {
		const struct obs_stop *st = &r->stops[i];
		put_num(out, st->hit);
		put_num(out, st->ms);
		put_str(out, st->error);
		put_frames(out, st->frames, st->nframes);
		put_frames(out, st->user, st->nuser);
		put_num(out, (long long)st->nvalues);
		for (size_t j = 0; j < st->nvalues; j++) {
			put_str(out, st->values[j].name);
			put_num(out, st->values[j].value);
			put_num(out, st->values[j].ok);
			put_str(out, st->values[j].error);
		}
	}
}

struct cursor {
	const char *p, *end;
	int bad;
};

static long long get_num(struct cursor *c)
{
	char buf[24];
	size_t n = 0;
	while (!c->bad && c->p < c->end && *c->p != ';' && n < sizeof(buf) - 1)
		buf[n++] = *c->p++;
	buf[n] = '\0';
	if (c->bad || c->p >= c->end || *c->p != ';' || !n) {
		c->bad = 1;
		return 0;
	}
	c->p++;
	char *e;
	errno = 0;
	long long v = buf[0] == '-' ? strtoll(buf, &e, 10) : (long long)strtoull(buf, &e, 10);
	if (*e || errno)
		c->bad = 1;
	return v;
}

/* A count of things each taking at least min bytes: no more than the data can hold. */
static size_t get_count(struct cursor *c, size_t min)
{
	long long n = get_num(c);
	if (n < 0 || (unsigned long long)n > (size_t)(c->end - c->p) / min)
		c->bad = 1;
	return c->bad ? 0 : (size_t)n;
}

static char *get_str(struct cursor *c)
{
	if (c->bad)
		return NULL;
	if (c->end - c->p >= 2 && c->p[0] == '-' && c->p[1] == ';') {
		c->p += 2;
		return NULL;
	}
	size_t len = 0;
	const char *q = c->p;
	while (q < c->end && *q >= '0' && *q <= '9' && len < ((size_t)-1) / 20)
		len = len * 10 + (size_t)(*q++ - '0');
	/* ':', len bytes and ';' must all lie before end: the data is exactly as long as
	 * what the worker wrote, with no NUL after it to stop a read one byte too far. */
	if (q == c->p || q >= c->end || *q != ':' || len + 2 > (size_t)(c->end - q) ||
	    q[1 + len] != ';' || memchr(q + 1, '\0', len)) {
		c->bad = 1;
		return NULL;
	}
	c->p = q + 2 + len;
	return xstrndup(q + 1, len);
}

static struct obs_frame *get_frames(struct cursor *c, size_t *n)
{
	*n = get_count(c, 10); /* "-;-;0;0;0;" at the least */
	struct obs_frame *f = xcalloc(*n ? *n : 1, sizeof(*f));
	for (size_t i = 0; i < *n && !c->bad; i++) {
		f[i].func = get_str(c);
		f[i].file = get_str(c);
		f[i].line = (int)get_num(c);
		f[i].inlined = (int)get_num(c);
		f[i].addr = (uint64_t)get_num(c);
	}
	return f;
}

int obs_run_decode(const char *data, size_t len, struct obs_run *r)
{
	struct cursor c = { data, data + len, 0 };
	memset(r, 0, sizeof(*r));
	if (len < 5 || memcmp(data, "obs3;", 5)) {
		r->program_status = -1;
		return -1;
	}
	c.p += 5;
	r->kernel_version = get_str(&c);
	r->lstar_symbol = get_str(&c);
	r->lstar_value = (uint64_t)get_num(&c);
	r->error = get_str(&c);
	r->kaslr = (int)get_num(&c);
	r->kaslr_slide = (uint64_t)get_num(&c);
	r->restored = (int)get_num(&c);
	r->kaslr_slot = (int)get_num(&c);
	r->cpus = (int)get_num(&c);
	r->boot_ms = get_num(&c);
	r->total_ms = get_num(&c);
	r->program_status = (int)get_num(&c);
	if (r->program_status < -1 || r->program_status > 255)
		c.bad = 1;
	r->program_output = get_str(&c);
	r->output_truncated = (int)get_num(&c);
	if (r->output_truncated != 0 && r->output_truncated != 1)
		c.bad = 1;
	r->nstops = get_count(&c, 12);
	r->stops = xcalloc(r->nstops ? r->nstops : 1, sizeof(*r->stops));
	for (size_t i = 0; i < r->nstops && !c.bad; i++) {
		struct obs_stop *st = &r->stops[i];
		st->hit = (int)get_num(&c);
		st->ms = get_num(&c);
		st->error = get_str(&c);
		st->frames = get_frames(&c, &st->nframes);
		st->user = get_frames(&c, &st->nuser);
		st->nvalues = get_count(&c, 8);
		st->values = xcalloc(st->nvalues ? st->nvalues : 1, sizeof(*st->values));
		for (size_t j = 0; j < st->nvalues && !c.bad; j++) {
			st->values[j].name = get_str(&c);
			st->values[j].value = get_num(&c);
			st->values[j].ok = (int)get_num(&c);
			st->values[j].error = get_str(&c);
		}
	}
	if (c.bad || c.p != c.end) {
		obs_run_release(r);
		return -1;
	}
	return 0;
}
