/*
 * scenario: the parser of scenario files into struct scenario. Pure: no I/O, every
 * diagnostic goes to a strbuf as "FILE:LINE:COL: message". The format is described in
 * scenarios/README.md. Depends on lexer (the words of a line), guard (reading a
 * version guard), errnos (-ERRNO values), strbuf, strvec and wrapper.
 *
 * The parser works line by line. A line is: indentation, an optional version guard
 * "[OP MAJOR.MINOR[.PATCH]]", then words. Its indentation places it at one of three
 * levels: the top (no indentation), a stop's body (the indentation of the first line
 * under the stop) or a frames/user block (deeper than the body, the indentation of the
 * block's first line). Indentation is compared as text, so tabs and spaces may be used
 * as long as each level is indented the same way throughout.
 *
 * This file reads the lines and their levels, the top-level directives and the
 * entry points; scenario_stop.c parses a stop and its body, and scenario_parse.h is
 * the state the two halves share.
 */
#include "scenario_parse.h"
#include "errnos.h"
#include "wrapper.h"

#include <stdlib.h>
#include <string.h>

/* After this many errors the parser stops: the rest is likely noise. */
#define SCENARIO_MAX_ERRORS 20

/* ---- releasing ---- */

static void frames_free(struct scenario_frame *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(f[i].func);
		free(f[i].file);
	}
	free(f);
}

static void stop_release(struct scenario_stop *st)
{
	free(st->location);
	free(st->syscall);
	free(st->cond);
	free(st->say);
	frames_free(st->frames, st->nframes);
	frames_free(st->user, st->nuser);
	for (size_t i = 0; i < st->nchecks; i++) {
		free(st->checks[i].name);
		free(st->checks[i].text);
	}
	free(st->checks);
}

/* An empty scenario: no vectors allocated, no exit status expected. */
static void scenario_init(struct scenario *sc)
{
	strvec_init(&sc->args);
	strvec_init(&sc->sources);
	strvec_init(&sc->cflags);
	strvec_init(&sc->libs);
	sc->exit_status = -1;
}

void scenario_release(struct scenario *sc)
{
	free(sc->file);
	free(sc->name);
	free(sc->program);
	strvec_clear(&sc->args);
	free(sc->lstar);
	free(sc->say);
	for (size_t i = 0; i < sc->nstops; i++)
		stop_release(&sc->stops[i]);
	free(sc->stops);
	for (size_t i = 0; i < sc->nsteps; i++) {
		free(sc->steps[i].name);
		free(sc->steps[i].title);
		free(sc->steps[i].say);
	}
	free(sc->steps);
	scenario_program_release(sc);
	memset(sc, 0, sizeof(*sc));
	scenario_init(sc);
}

/* ---- the parser ---- */

void scenario_perr_at(struct parser *p, int line, size_t col, const char *fmt, ...)
{
	va_list ap;
	if (p->gave_up)
		return;
	if (p->nerr == SCENARIO_MAX_ERRORS) {
		strbuf_addf(p->err, "%s:%d:%zu: too many errors; giving up\n", p->file,
			    line, col);
		p->gave_up = 1;
		return;
	}
	strbuf_addf(p->err, "%s:%d:%zu: ", p->file, line, col);
	va_start(ap, fmt);
	strbuf_vaddf(p->err, fmt, ap);
	va_end(ap);
	strbuf_addch(p->err, '\n');
	p->nerr++;
}

const char *scenario_suggest(struct parser *p, const struct lexer_word *w,
			     const char *const *names)
{
	const char *best = lexer_nearest(w, names);
	strbuf_reset(&p->q[1]);
	if (best)
		strbuf_addf(&p->q[1], " (did you mean '%s'?)", best);
	return p->q[1].buf;
}

const char *const scenario_top_directives[] = { "scenario", "program", "lstar",
					       "timeout", "stop", "step", "say", "sources",
					       "cflags", "libs", "file", "exit", "output",
					       "tap", NULL };
const char *const scenario_body_directives[] = { "say", "frames", "user", "regs", NULL };
static const char *const all_directives[] = { "scenario", "program", "lstar", "timeout", "stop",
					      "step", "say", "frames", "user", "regs", "sources",
					      "cflags", "libs", "file", "exit", "output", "tap",
					      NULL };

int scenario_no_guard(struct parser *p, const struct guard *g, size_t gcol,
		      const struct lexer_word *w)
{
	if (!g->op[0])
		return 0;
	perr(p, gcol, "a version guard cannot apply to %s", qw(p, 0, w));
	return -1;
}

void scenario_add_say(char **say, const struct lexer_word *text)
{
	struct strbuf sb = STRBUF_INIT;
	if (*say) {
		strbuf_addstr(&sb, *say);
		strbuf_addch(&sb, '\n');
		free(*say);
	}
	strbuf_add(&sb, text->s, text->len);
	*say = strbuf_detach(&sb, NULL);
}

/* The one argument of scenario/lstar/timeout, with nothing after it. */
static int one_word(struct parser *p, struct lexer *lx, const struct lexer_word *dir,
		    const char *usage, struct lexer_word *arg)
{
	struct lexer_word extra;
	if (!lexer_next(lx, arg)) {
		perr(p, dir->col, "missing argument: %s", usage);
		return -1;
	}
	if (arg->s[0] == '[') {
		perr(p, arg->col, "a version guard goes at the start of the line");
		return -1;
	}
	if (lexer_next(lx, &extra)) {
		if (extra.s[0] == '[')
			perr(p, extra.col, "a version guard goes at the start of the line");
		else
			perr(p, extra.col, "unexpected %s: %s takes one argument", qw(p, 0, &extra),
			     usage);
		return -1;
	}
	return 0;
}

void scenario_dup_directive(struct parser *p, const struct lexer_word *w, int first)
{
	perr(p, w->col, "duplicate %s (first on line %d)", qw(p, 0, w), first);
}

/* Report the current line's indentation line[0..ind) as not that of ref, set on ref_line. */
static void bad_indent(struct parser *p, const char *line, size_t ind, const char *ref,
		       size_t ref_len, int ref_line, const char *what)
{
	if (lexer_indent_width(line, ind) == lexer_indent_width(ref, ref_len)) {
		perr(p, ind + 1,
		     "inconsistent indentation: tabs and spaces mixed differently from line %d",
		     ref_line);
		return;
	}
	strbuf_reset(&p->q[0]);
	lexer_add_indent(&p->q[0], ref, ref_len);
	perr(p, ind + 1, "inconsistent indentation: line %d indents %s with %s", ref_line, what,
	     p->q[0].buf);
}

/* ---- steps: a hand-made tour's steps that are no stops (kdive tour fork's) ---- */

const struct scenario_step *scenario_step_find(const struct scenario *sc, const char *name)
{
	for (size_t i = 0; i < sc->nsteps; i++)
		if (!strcmp(sc->steps[i].name, name))
			return &sc->steps[i];
	return NULL;
}

/* step NAME TITLE: opens the step (p->step) unless the line is in error. */
static void parse_step(struct parser *p, struct lexer *lx, const struct lexer_word *dir,
		       const struct guard *g, size_t gcol)
{
	struct scenario *sc = p->sc;
	struct lexer_word name, title;
	size_t i = 0;

	p->last_step_line = p->lineno;
	if (scenario_no_guard(p, g, gcol, dir))
		return;
	if (!lexer_next(lx, &name))
		return (void)perr(p, dir->col, "'step' needs a name and a title: step NAME TITLE");
	while (i < name.len && lexer_is_ident(name.s[i]))
		i++;
	if (name.s[0] == '[')
		return (void)perr(p, name.col, "a version guard goes at the start of the line");
	if (i != name.len)
		return (void)perr(p, name.col, "bad step name %s (letters, digits and '_')",
				  qw(p, 0, &name));
	lexer_rest(lx, &title);
	if (!title.len)
		return (void)perr(p, name.col + name.len, "'step' needs a title after its name");
	for (i = 0; i < sc->nsteps; i++)
		if (strlen(sc->steps[i].name) == name.len &&
		    !memcmp(sc->steps[i].name, name.s, name.len))
			return (void)perr(p, name.col, "duplicate step %s (first on line %d)",
					  qw(p, 0, &name), sc->steps[i].line);
	GROW(sc->steps, p->steps_alloc, sc->nsteps);
	p->step = &sc->steps[sc->nsteps++];
	p->step->name = xstrndup(name.s, name.len);
	p->step->title = xstrndup(title.s, title.len);
	p->step->say = NULL;
	p->step->line = p->lineno;
}

/* An indented line under the open step: one level of say lines. */
static void step_line(struct parser *p, struct lexer *lx, const struct lexer_word *w,
		      const char *line, size_t ind, const struct guard *g, size_t gcol)
{
	struct lexer_word text;
	if (!p->body_ind) {
		p->body_ind = line;
		p->body_ind_len = ind;
		p->body_ind_line = p->lineno;
	}
	if (ind > p->body_ind_len && !memcmp(line, p->body_ind, p->body_ind_len))
		return (void)perr(p, ind + 1, "unexpected indentation: a step holds say lines only, "
				  "on one level");
	if (ind != p->body_ind_len || memcmp(line, p->body_ind, ind))
		return bad_indent(p, line, ind, p->body_ind, p->body_ind_len, p->body_ind_line,
				  "this step's body");
	if (!lexer_word_is(w, "say"))
		return (void)perr(p, w->col, "%s in a step (the step on line %d): a step holds "
				  "say lines only", qw(p, 0, w), p->step->line);
	if (scenario_no_guard(p, g, gcol, w))
		return;
	lexer_rest(lx, &text);
	scenario_add_say(&p->step->say, &text);
}

/* The open stop or step, if any, ends: a top-level line, or the end of the file. */
static void close_top(struct parser *p)
{
	scenario_stop_close(p);
	p->step = NULL;
}

static void top_line(struct parser *p, struct lexer *lx, const struct lexer_word *w,
		     const struct guard *g, size_t gcol)
{
	struct scenario *sc = p->sc;
	struct lexer_word arg;

	if (lexer_word_is(w, "stop")) {
		scenario_stop_parse(p, lx, w, g);
		return;
	}
	if (lexer_word_is(w, "step")) {
		parse_step(p, lx, w, g, gcol);
		return;
	}
	if (lexer_word_is(w, "say") && !p->last_stop_line && !p->last_step_line) {
		struct lexer_word text;
		if (scenario_no_guard(p, g, gcol, w))
			return;
		lexer_rest(lx, &text);
		scenario_add_say(&sc->say, &text);
		return;
	}
	if (lexer_word_is(w, "say") && p->last_step_line > p->last_stop_line) {
		perr(p, w->col, "'say' outside a step: indent it under the step on line %d",
		     p->last_step_line);
		return;
	}
	if (lexer_word_in(w, scenario_body_directives)) {
		if (p->last_stop_line)
			perr(p, w->col, "%s outside a stop: indent it under the stop on line %d",
			     qw(p, 0, w), p->last_stop_line);
		else
			perr(p, w->col, "%s outside a stop", qw(p, 0, w));
		return;
	}
	if (scenario_program_line(p, lx, w, g, gcol))
		return;
	if (lexer_word_is(w, "scenario")) {
		if (p->scenario_line)
			return scenario_dup_directive(p, w, p->scenario_line);
		p->scenario_line = p->lineno;
		if (one_word(p, lx, w, "scenario NAME", &arg))
			return;
		sc->name = xstrndup(arg.s, arg.len);
		sc->guard = *g;
	} else if (lexer_word_is(w, "lstar")) {
		if (sc->lstar_line)
			return scenario_dup_directive(p, w, sc->lstar_line);
		sc->lstar_line = p->lineno;
		if (one_word(p, lx, w, "lstar SYMBOL", &arg))
			return;
		sc->lstar = xstrndup(arg.s, arg.len);
		sc->lstar_guard = *g;
	} else if (lexer_word_is(w, "timeout")) {
		if (scenario_no_guard(p, g, gcol, w))
			return;
		if (p->timeout_line)
			return scenario_dup_directive(p, w, p->timeout_line);
		p->timeout_line = p->lineno;
		if (one_word(p, lx, w, "timeout SECONDS", &arg))
			return;
		long t = 0;
		size_t i = 0;
		for (; i < arg.len && lexer_is_digit(arg.s[i]) && t <= 86400; i++)
			t = t * 10 + (arg.s[i] - '0');
		if (i != arg.len || t < 1 || t > 86400)
			return (void)perr(p, arg.col,
					  "bad timeout %s (seconds, from 1 to 86400)",
					  qw(p, 0, &arg));
		sc->timeout_s = (int)t;
	} else {
		perr(p, w->col, "unknown directive %s%s", qw(p, 0, w),
		     scenario_suggest(p, w, all_directives));
	}
}

static void parse_line(struct parser *p, const char *line, size_t len)
{
	size_t ind = 0, start;
	struct guard g = GUARD_NONE;
	size_t gcol = 0;
	struct lexer lx = { line, len, 0 };
	struct lexer_word w;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			if (c)
				perr(p, i + 1, "control character 0x%02x in a scenario file", c);
			else
				perr(p, i + 1, "NUL byte in a scenario file");
			p->bad_bytes = 1;
			return;
		}
	}
	while (ind < len && lexer_is_blank(line[ind]))
		ind++;
	if (ind == len || line[ind] == '#')
		return; /* blank or comment */

	start = ind;
	if (line[start] == '[') {
		size_t used, at;
		gcol = start + 1;
		strbuf_reset(&p->q[1]);
		if (guard_parse(&g, line + start, len - start, &used, &p->q[1], &at)) {
			perr(p, start + at + 1, "%s", p->q[1].buf);
			goto broken;
		}
		lx.pos = start + used;
	} else {
		lx.pos = start;
	}
	if (!lexer_next(&lx, &w)) {
		perr(p, gcol, "a version guard needs a line to apply to");
		goto broken;
	}

	if (!ind) {
		int nerr = p->nerr;
		close_top(p);
		top_line(p, &lx, &w, &g, gcol);
		/* what is indented under a broken top-level line would only add noise */
		p->ignore_indented = p->nerr > nerr && !p->stop && !p->step;
		return;
	}
	if (p->step) {
		step_line(p, &lx, &w, line, ind, &g, gcol);
		return;
	}
	if (!p->stop) {
		if (p->ignore_indented)
			return;
		p->ignore_indented = 1;
		if (lexer_word_in(&w, scenario_body_directives))
			perr(p, w.col, "%s outside a stop", qw(p, 0, &w));
		else
			perr(p, start + 1, "unexpected indentation (only the lines under a 'stop' or a "
					   "'step' are indented)");
		return;
	}
	if (!p->body_ind) {
		p->body_ind = line;
		p->body_ind_len = ind;
		p->body_ind_line = p->lineno;
	}
	if (ind == p->body_ind_len && !memcmp(line, p->body_ind, ind)) {
		scenario_stop_body_line(p, &lx, &w, &g, gcol);
		return;
	}
	if (ind > p->body_ind_len && !memcmp(line, p->body_ind, p->body_ind_len)) {
		if (p->block == BLOCK_IGNORE)
			return;
		if (p->block == BLOCK_NONE) {
			p->block = BLOCK_IGNORE;
			perr(p, start + 1,
			     "unexpected indentation: only 'frames' and 'user' take an indented block");
			return;
		}
		if (!p->block_ind) {
			p->block_ind = line;
			p->block_ind_len = ind;
			p->block_ind_line = p->lineno;
		} else if (ind != p->block_ind_len || memcmp(line, p->block_ind, ind)) {
			bad_indent(p, line, ind, p->block_ind, p->block_ind_len, p->block_ind_line,
				   "this block");
			p->block_count++;
			return;
		}
		scenario_stop_frame_line(p, &lx, &w, &g);
		return;
	}
	bad_indent(p, line, ind, p->body_ind, p->body_ind_len, p->body_ind_line,
		   "this stop's body");
	scenario_stop_close_block(p);
	p->block = BLOCK_IGNORE;
	return;

broken:
	if (!ind) {
		/* a top-level line all the same: what is indented below it is its own */
		close_top(p);
		p->ignore_indented = 1;
	}
}

/* The scenario's default name: the file's base name without ".scn". */
static char *default_name(const char *file)
{
	const char *base = strrchr(file, '/');
	base = base ? base + 1 : file;
	size_t n = strlen(base);
	if (n > 4 && !strcmp(base + n - 4, ".scn"))
		n -= 4;
	return xstrndup(base, n);
}

int scenario_parse_buf(struct scenario *sc, const char *file, const char *text, size_t len,
		       struct strbuf *err)
{
	struct parser p;
	size_t pos = 0;
	int ret = 0;

	memset(&p, 0, sizeof(p));
	memset(sc, 0, sizeof(*sc));
	scenario_init(sc);
	strbuf_init(&p.q[0], 0);
	strbuf_init(&p.q[1], 0);
	p.sc = sc;
	p.file = file ? file : "<input>";
	p.err = err;
	sc->file = xstrdup(p.file);

	while (pos < len && !p.gave_up) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		size_t n = end - pos;
		p.lineno++;
		if (n && text[pos + n - 1] == '\r')
			n--; /* CRLF files */
		parse_line(&p, text + pos, n);
		pos = end + 1;
	}
	close_top(&p);
	scenario_program_close(&p);
	if (!sc->program && !p.program_line && !p.bad_bytes)
		scenario_perr_at(&p, 1, 1, "missing 'program' line (the guest program to run)");
	if (!sc->name)
		sc->name = default_name(p.file);

	strbuf_release(&p.q[0]);
	strbuf_release(&p.q[1]);
	if (p.nerr || p.gave_up) {
		scenario_release(sc);
		ret = -1;
	}
	return ret;
}

int scenario_parse(struct scenario *sc, const char *file, const char *text, struct strbuf *err)
{
	return scenario_parse_buf(sc, file, text ? text : "", text ? strlen(text) : 0, err);
}
