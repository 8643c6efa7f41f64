/*
 * record: rewrite a scenario's frame blocks from observations. Pure; scenario, strbuf,
 * wrapper.
 */
#define _GNU_SOURCE
#include "record.h"
#include "wrapper.h"

#include <stdlib.h>
#include <string.h>

/* One line of the file. */
struct line {
	const char *s;  /* start, in the caller's text */
	size_t len;     /* without the newline */
	size_t indent;  /* leading blanks */
	int blank;      /* empty or only blanks */
	int comment;    /* first non-blank is '#' */
};

static struct line *split_lines(const char *text, size_t *n)
{
	size_t alloc = 64;
	/* A last line without a newline is a line all the same. */
	struct line *v = xmalloc(alloc * sizeof(*v));
	*n = 0;
	for (const char *p = text; *p;) {
		const char *end = strchrnul(p, '\n');
		if (*n == alloc) {
			alloc *= 2;
			v = xrealloc(v, alloc * sizeof(*v));
		}
		struct line *l = &v[(*n)++];
		l->s = p;
		l->len = (size_t)(end - p);
		l->indent = 0;
		while (l->indent < l->len && (p[l->indent] == ' ' || p[l->indent] == '\t'))
			l->indent++;
		l->blank = l->indent == l->len;
		l->comment = !l->blank && p[l->indent] == '#';
		p = *end ? end + 1 : end;
	}
	return v;
}

/* The first word of a line after an optional "[guard]". */
static int first_word_is(const struct line *l, const char *word)
{
	const char *p = l->s + l->indent, *end = l->s + l->len;
	if (p < end && *p == '[') {
		const char *close = memchr(p, ']', (size_t)(end - p));
		if (!close)
			return 0;
		p = close + 1;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
	}
	size_t wl = strlen(word);
	return (size_t)(end - p) >= wl && !memcmp(p, word, wl) &&
	       ((size_t)(end - p) == wl || p[wl] == ' ' || p[wl] == '\t' || p[wl] == '#');
}

/* Append the block's frame lines for observed frames (user frames end at main). */
static void format_frames(const struct obs_frame *f, size_t n, int user, const char *indent,
			  const char *const *strip, struct strbuf *out)
{
	size_t width = 0, shown = n;
	if (user) {
		for (size_t i = 0; i < n; i++) {
			if (!strcmp(f[i].func, "main")) {
				shown = i + 1;
				break;
			}
		}
	}
	for (size_t i = 0; i < shown; i++)
		if (strlen(f[i].func) > width)
			width = strlen(f[i].func);
	for (size_t i = 0; i < shown; i++) {
		char *suffix = obs_relative_path(f[i].file, strip);
		struct strbuf l = STRBUF_INIT;
		strbuf_addf(&l, "%s%-*s", indent, (int)width, f[i].func);
		if (suffix)
			strbuf_addf(&l, "  %s", suffix);
		if (f[i].inlined)
			strbuf_addstr(&l, "  inlined");
		strbuf_rtrim(&l);
		strbuf_add(out, l.buf, l.len);
		strbuf_addch(out, '\n');
		strbuf_release(&l);
		free(suffix);
	}
	if (shown < n)
		strbuf_addf(out, "%s...\n", indent);
}

/* Is line number ln (1-based) an expectation whose guard does not hold? */
static int guarded_away(const struct scenario_frame *f, size_t n, int ln, const char *version)
{
	for (size_t i = 0; i < n; i++)
		if (f[i].line == ln)
			return !guard_holds(&f[i].guard, version);
	return 0;
}

int record_rewrite(const char *text, const struct scenario *sc, const struct obs_run *obs,
		   const char *kernel_version, const char *const *strip, struct strbuf *out)
{
	size_t n;
	struct line *lines = split_lines(text, &n);
	/* What replaces or follows each line: emit[i] text goes after line i (1-based
	 * indexes into lines), skip[i] drops line i. */
	struct strbuf *after = xcalloc(n + 1, sizeof(*after));
	char *skip = xcalloc(n + 1, 1);
	int written = 0;

	for (size_t i = 0; i <= n; i++)
		strbuf_init(&after[i], 0);
	for (size_t k = 0; k < sc->nstops && k < obs->nstops; k++) {
		const struct scenario_stop *st = &sc->stops[k];
		const struct obs_stop *o = &obs->stops[k];
		size_t first = (size_t)st->line; /* index of the line after the stop (0-based) */
		/* A `never` stop holds no frames: reached, it fails, and stays as written. */
		if (!o->hit || st->never || first > n)
			continue;
		/* The body: indented, blank or comment lines up to the next top-level line. */
		size_t end = first, last_content = first - 1;
		size_t body_indent = 0;
		while (end < n && (lines[end].blank || lines[end].indent > 0)) {
			if (!lines[end].blank && !lines[end].comment) {
				if (!body_indent)
					body_indent = lines[end].indent;
				last_content = end;
			}
			end++;
		}
		char *bind = body_indent ? xstrndup(lines[first].s, body_indent) : xstrdup("  ");
		if (body_indent && lines[first].indent != body_indent) {
			/* The first body line is a comment at another depth: find a real one. */
			for (size_t j = first; j <= last_content; j++) {
				if (!lines[j].blank && !lines[j].comment) {
					free(bind);
					bind = xstrndup(lines[j].s, lines[j].indent);
					break;
				}
			}
		}
		char *inner = xstrfmt("%s  ", bind);
		for (int pass = 0; pass < 2; pass++) {
			int user = pass == 1;
			const char *word = user ? "user" : "frames";
			const struct obs_frame *of = user ? o->user : o->frames;
			size_t onr = user ? o->nuser : o->nframes;
			const struct scenario_frame *sf = user ? st->user : st->frames;
			size_t snr = user ? st->nuser : st->nframes;
			if (user && (st->space == SCENARIO_USER || !onr))
				continue;
			struct strbuf block = STRBUF_INIT;
			size_t hdr = n;
			for (size_t j = first; j <= last_content && j < n; j++)
				if (lines[j].indent == strlen(bind) && first_word_is(&lines[j], word))
					hdr = j;
			if (hdr == n) {
				/* No block: a new one after the body's last line. */
				strbuf_addf(&block, "%s%s\n", bind, word);
				format_frames(of, onr, user || st->space == SCENARIO_USER, inner, strip,
					      &block);
				/* after[] is keyed by 1-based line numbers: the last content line's. */
				strbuf_add(&after[last_content + 1], block.buf, block.len);
				strbuf_release(&block);
				written++;
				continue;
			}
			/* Replace the block's frame lines whose guard holds; keep comments and
			 * the lines written for other kernels. */
			size_t j = hdr + 1, at = hdr;
			int placed = 0;
			while (j < n && (lines[j].blank || lines[j].indent > lines[hdr].indent)) {
				if (!lines[j].blank && !lines[j].comment &&
				    !guarded_away(sf, snr, (int)j + 1, kernel_version)) {
					skip[j + 1] = 1;
					if (!placed) {
						at = j;
						placed = 1;
					}
				}
				j++;
			}
			if (!placed)
				at = hdr;
			/* Frame lines keep the block's own indentation. */
			char *bi = hdr + 1 < j && !lines[hdr + 1].blank
					   ? xstrndup(lines[hdr + 1].s, lines[hdr + 1].indent)
					   : xstrdup(inner);
			format_frames(of, onr, user || st->space == SCENARIO_USER, bi, strip, &block);
			/* In place of the first replaced line (0-based at: after 1-based line at),
			 * or right after the header (1-based hdr + 1). */
			strbuf_add(&after[placed ? at : hdr + 1], block.buf, block.len);
			strbuf_release(&block);
			free(bi);
			written++;
		}
		free(bind);
		free(inner);
	}
	/* Emit line i (1-based) unless it was replaced, then what goes after it. */
	strbuf_add(out, after[0].buf, after[0].len);
	for (size_t i = 1; i <= n; i++) {
		if (!skip[i]) {
			strbuf_add(out, lines[i - 1].s, lines[i - 1].len);
			strbuf_addch(out, '\n');
		}
		strbuf_add(out, after[i].buf, after[i].len);
	}
	for (size_t i = 0; i <= n; i++)
		strbuf_release(&after[i]);
	free(after);
	free(skip);
	free(lines);
	return written;
}
