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
 */
#include "scenario.h"
#include "quote.h"
#include "errnos.h"
#include "guard.h"
#include "lexer.h"
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
	memset(sc, 0, sizeof(*sc));
	strvec_init(&sc->args);
}

/* ---- the parser ---- */

/* What indented lines under the stop's body belong to. */
enum block {
	BLOCK_NONE,   /* nothing: deeper lines are an error */
	BLOCK_FRAMES, /* the frames block */
	BLOCK_USER,   /* the user block */
	BLOCK_IGNORE, /* a line that was in error: skip what is under it */
};

/* The parser's state; lives for one scenario_parse_buf() call. */
struct parser {
	struct scenario *sc;  /* being filled; not owned */
	const char *file;     /* for messages */
	struct strbuf *err;   /* messages go here */
	int nerr;             /* errors so far */
	int gave_up;          /* 1 after SCENARIO_MAX_ERRORS */
	int lineno;           /* current line, 1-based */
	struct strbuf q[2];   /* scratch for quoted words in messages */

	int scenario_line, program_line, timeout_line; /* where each was seen, 0: not yet */
	int bad_bytes;        /* a line was dropped for a control character */
	size_t stops_alloc;   /* slots in sc->stops */
	int last_stop_line;   /* line of the latest stop, 0 before the first */

	/* the open stop (its body may follow), or NULL at the top level */
	struct scenario_stop *stop;
	int ignore_indented;  /* skip indented lines after an unparsable top-level line */
	const char *body_ind; /* indentation of the stop's body (into the text), or NULL */
	size_t body_ind_len;  /* its length */
	int body_ind_line;    /* the line that set it */
	int frames_line, user_line; /* where this stop's blocks started, 0: not given */
	size_t frames_alloc, user_alloc, checks_alloc; /* slots in the stop's arrays */

	/* the open frames/user block of the stop */
	enum block block;
	int block_line;       /* its directive's line */
	size_t block_col;     /* and column */
	size_t block_count;   /* lines in it so far */
	int block_reported;   /* an error about it was already given */
	const char *block_ind;/* indentation of its lines, or NULL before the first */
	size_t block_ind_len; /* its length */
	int block_ind_line;   /* the line that set it */
};

/* Quote s[0..n) for a message into scratch slot (0 or 1); valid until its next use. */
static const char *quote(struct parser *p, int slot, const char *s, size_t n)
{
	struct strbuf *sb = &p->q[slot];
	strbuf_reset(sb);
	lexer_add_quoted(sb, s, n);
	return sb->buf;
}

static const char *qw(struct parser *p, int slot, const struct lexer_word *w)
{
	return quote(p, slot, w->s, w->len);
}

/* Report an error at line:col of the current line (or of line when line > 0). */
__attribute__((format(printf, 4, 5)))
static void perr_at(struct parser *p, int line, size_t col, const char *fmt, ...)
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

#define perr(p, col, ...) perr_at(p, (p)->lineno, col, __VA_ARGS__)

/* Make room for one more element in arr, which holds nr of alloc slots. */
#define GROW(arr, alloc, nr)                                                      \
	do {                                                                      \
		if ((nr) >= (alloc)) {                                            \
			(alloc) = (alloc) ? (alloc) * 2 : 4;                      \
			(arr) = xrealloc((arr), (alloc) * sizeof(*(arr)));        \
		}                                                                 \
	} while (0)

/* " (did you mean 'frames'?)" when w is a near miss of one of names, else "". */
static const char *suggest(struct parser *p, const struct lexer_word *w, const char *const *names)
{
	const char *best = lexer_nearest(w, names);
	strbuf_reset(&p->q[1]);
	if (best)
		strbuf_addf(&p->q[1], " (did you mean '%s'?)", best);
	return p->q[1].buf;
}

static const char *const top_directives[] = { "scenario", "program", "lstar", "timeout",
					      "stop", "say", NULL };
static const char *const body_directives[] = { "say", "frames", "user", "regs", NULL };
static const char *const all_directives[] = { "scenario", "program", "lstar", "timeout", "stop",
					      "say", "frames", "user", "regs", NULL };

/* pt_regs fields a check may name (arch/x86/include/asm/ptrace.h). */
static const char *const pt_regs_fields[] = {
	"r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8", "ax", "cx",
	"dx",  "si",  "di",  "orig_ax", "ip", "cs", "flags", "sp", "ss", NULL,
};

/* Complain about a word that should not be there; returns -1 for convenience. */
static int extra_word(struct parser *p, const struct lexer_word *w, const char *after)
{
	if (w->s[0] == '[')
		perr(p, w->col, "a version guard goes at the start of the line");
	else
		perr(p, w->col, "unexpected %s after %s", qw(p, 0, w), after);
	return -1;
}

/*
 * Parse a check value: decimal, 0x hex, optional '-', or -ERRNO. Returns 0 or -1
 * (reported).
 */
static int parse_value(struct parser *p, const struct lexer_word *w, int64_t *out)
{
	size_t neg = w->s[0] == '-';
	if (neg < w->len && w->s[neg] >= 'A' && w->s[neg] <= 'Z') {
		int e = errnos_find(w->s + neg, w->len - neg);
		if (e < 0) {
			perr(p, w->col, "unknown errno %s", qw(p, 0, w));
			return -1;
		}
		if (!neg) {
			perr(p, w->col,
			     "bare errno %s: write '-%.*s' for the kernel's negative error "
			     "return, or the number",
			     qw(p, 0, w), (int)(w->len > 32 ? 32 : w->len), w->s);
			return -1;
		}
		*out = -(int64_t)e;
		return 0;
	}
	switch (lexer_number(w, out)) {
	case 0:
		return 0;
	case -2:
		perr(p, w->col, "number %s does not fit in 64 bits", qw(p, 0, w));
		return -1;
	default:
		perr(p, w->col, "bad number %s (expected decimal, 0x hex, or -ERRNO)",
		     qw(p, 0, w));
		return -1;
	}
}

/* The check names a check may use: pt_regs fields, $REG, ret. */
static int check_name_ok(struct parser *p, const struct lexer_word *w)
{
	if (w->s[0] == '[') {
		perr(p, w->col, "a version guard goes at the start of the line");
		return -1;
	}
	if (lexer_word_in(w, pt_regs_fields))
		return 0;
	if (lexer_word_is(w, "ret")) {
		if (!p->stop->finish) {
			perr(p, w->col, "'ret' is only known at a 'finish' stop (add 'finish' to the "
					"stop on line %d)", p->stop->line);
			return -1;
		}
		return 0;
	}
	if (w->s[0] == '$' && w->len > 1) {
		size_t i = 1;
		if (!lexer_is_digit(w->s[1]))
			while (i < w->len && lexer_is_ident(w->s[i]))
				i++;
		if (i == w->len)
			return 0;
	}
	perr(p, w->col,
	     "unknown check %s: use a pt_regs field (orig_ax ax di si dx r10 r8 r9 ip sp flags "
	     "cs ss bx cx bp r11 r12 r13 r14 r15), $REG for a register, or ret",
	     qw(p, 0, w));
	return -1;
}

/* regs NAME OP VALUE [NAME OP VALUE]...: the line from lx on. */
static void parse_regs(struct parser *p, struct lexer *lx, const struct lexer_word *dir,
		       const struct guard *g)
{
	struct scenario_stop *st = p->stop;
	const char *s = lx->s;
	size_t n = lx->len, i = lx->pos, count = 0;
	for (;;) {
		while (i < n && lexer_is_blank(s[i]))
			i++;
		if (i >= n || s[i] == '#')
			break;
		struct lexer_word name = { s + i, 0, i + 1 }, op = { 0 }, val = { 0 };
		while (i < n && !lexer_is_blank(s[i]) && !strchr("=!<>", s[i]))
			i++;
		name.len = (size_t)(s + i - name.s);
		while (i < n && lexer_is_blank(s[i]))
			i++;
		op.s = s + i;
		op.col = i + 1;
		while (i < n && strchr("=!<>", s[i]))
			i++;
		op.len = (size_t)(s + i - op.s);
		if (!name.len) {
			perr(p, name.col, "missing check name before %s", qw(p, 0, &op));
			return;
		}
		if (check_name_ok(p, &name))
			return;
		if (!op.len) {
			perr(p, op.col > n ? name.col : op.col,
			     "missing operator after %s (expected == != < <= > >=)",
			     qw(p, 0, &name));
			return;
		}
		int opi = guard_op_find(op.s, op.len);
		if (opi < 0) {
			perr(p, op.col, "unknown operator %s in check (expected == != < <= > >=)",
			     qw(p, 0, &op));
			return;
		}
		while (i < n && lexer_is_blank(s[i]))
			i++;
		val.s = s + i;
		val.col = i + 1;
		if (i < n && s[i] != '#') /* a '#' here starts a comment */
			while (i < n && !lexer_is_blank(s[i]))
				i++;
		val.len = (size_t)(s + i - val.s);
		if (!val.len) {
			perr(p, op.col, "missing value after '%.*s %s'", (int)(name.len > 32 ? 32 : name.len),
			     name.s, guard_op_name(opi));
			return;
		}
		int64_t v;
		if (parse_value(p, &val, &v))
			return;
		GROW(st->checks, p->checks_alloc, st->nchecks);
		struct scenario_check *c = &st->checks[st->nchecks++];
		memset(c, 0, sizeof(*c));
		c->name = xstrndup(name.s, name.len);
		c->op = (enum guard_op)opi;
		c->value = v;
		c->text = xstrfmt("%.*s %s %.*s", (int)name.len, name.s, guard_op_name(opi),
				  (int)val.len, val.s);
		c->guard = *g;
		c->line = p->lineno;
		c->col = name.col;
		c->is_signed = val.s[0] == '-' || lexer_word_is(&name, "ret");
		count++;
	}
	if (!count)
		perr(p, dir->col, "'regs' needs at least one check: NAME OP VALUE");
}

/*
 * A line of a frames or user block: [GUARD] FUNC [FILE-SUFFIX] [inlined] [optional], or
 * "...".
 */
static void parse_frame(struct parser *p, struct lexer *lx, const struct lexer_word *fn,
			const struct guard *g)
{
	struct scenario_stop *st = p->stop;
	struct lexer_word w = *fn, file = { 0 }, extra;
	int inlined = 0, optional = 0;
	p->block_count++;
	int any = lexer_word_is(&w, "...");
	if (lexer_word_is(&w, "inlined") || lexer_word_is(&w, "optional")) {
		perr(p, w.col, "missing function name before %s", qw(p, 0, &w));
		return;
	}
	while (lexer_next(lx, &extra)) {
		if (any)
			return (void)perr(p, extra.col,
					  "'...' stands alone: no file or 'inlined' after it");
		if (lexer_word_is(&extra, "inlined")) {
			if (inlined)
				return (void)perr(p, extra.col, "duplicate 'inlined'");
			inlined = 1;
		} else if (lexer_word_is(&extra, "optional")) {
			if (optional)
				return (void)perr(p, extra.col, "duplicate 'optional'");
			optional = 1;
		} else if (!file.s && !inlined && !optional && extra.s[0] != '[') {
			file = extra;
			size_t k = file.len;
			while (k && lexer_is_digit(file.s[k - 1]))
				k--;
			if (k && k < file.len && file.s[k - 1] == ':')
				return (void)perr(p, file.col,
						  "line numbers are not matched: write the file "
						  "suffix %s alone",
						  quote(p, 0, file.s, k - 1));
		} else {
			extra_word(p, &extra, "the frame (a frame line is FUNC [FILE-SUFFIX] [inlined] "
					      "[optional])");
			return;
		}
	}
	struct scenario_frame *f;
	if (p->block == BLOCK_FRAMES) {
		GROW(st->frames, p->frames_alloc, st->nframes);
		f = &st->frames[st->nframes++];
	} else {
		GROW(st->user, p->user_alloc, st->nuser);
		f = &st->user[st->nuser++];
	}
	memset(f, 0, sizeof(*f));
	f->func = any ? NULL : xstrndup(w.s, w.len);
	f->file = file.s ? xstrndup(file.s, file.len) : NULL;
	f->inlined = inlined;
	f->optional = optional;
	f->guard = *g;
	f->line = p->lineno;
}

/* The open frames/user block ends; an empty one is an error. */
static void close_block(struct parser *p)
{
	if ((p->block == BLOCK_FRAMES || p->block == BLOCK_USER) && !p->block_count &&
	    !p->block_reported)
		perr_at(p, p->block_line, p->block_col,
			"'%s' has nothing under it: indent the expected frames below it ('...' "
			"matches any)",
			p->block == BLOCK_FRAMES ? "frames" : "user");
	p->block = BLOCK_NONE;
	p->block_ind = NULL;
	p->block_count = 0;
	p->block_reported = 0;
}

static void close_stop(struct parser *p)
{
	close_block(p);
	p->stop = NULL;
	p->body_ind = NULL;
	p->frames_line = p->user_line = 0;
}

/* Reject a guard on a directive that cannot take one. */
static int no_guard(struct parser *p, const struct guard *g, size_t gcol,
		    const struct lexer_word *w)
{
	if (!g->op[0])
		return 0;
	perr(p, gcol, "a version guard cannot apply to %s", qw(p, 0, w));
	return -1;
}

/* Append a say line to *say (lines joined with '\n'). */
static void add_say(char **say, const struct lexer_word *text)
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

/* stop [kernel|user] LOCATION [syscall=NAME] [finish|never] [if GDB-EXPR] */
static void parse_stop(struct parser *p, struct lexer *lx, const struct lexer_word *dir,
		       const struct guard *g)
{
	struct scenario *sc = p->sc;
	struct lexer_word w;
	GROW(sc->stops, p->stops_alloc, sc->nstops);
	struct scenario_stop *st = &sc->stops[sc->nstops++];
	memset(st, 0, sizeof(*st));
	st->line = p->lineno;
	st->guard = *g;
	p->stop = st;
	p->last_stop_line = p->lineno;
	p->frames_alloc = p->user_alloc = p->checks_alloc = 0;

	int have = lexer_next(lx, &w);
	if (have && (lexer_word_is(&w, "kernel") || lexer_word_is(&w, "user"))) {
		st->space = w.s[0] == 'u' ? SCENARIO_USER : SCENARIO_KERNEL;
		have = lexer_next(lx, &w);
	}
	if (!have || lexer_word_is(&w, "if") || lexer_word_is(&w, "finish") ||
	    lexer_word_is(&w, "never") ||
	    (w.len >= 8 && !memcmp(w.s, "syscall=", 8))) {
		perr(p, dir->col, "'stop' needs a location: a function, FILE:LINE or *ADDRESS");
		if (!have)
			return;
	} else {
		if (w.s[0] == '[')
			return (void)perr(p, w.col, "a version guard goes at the start of the line");
		st->location = xstrndup(w.s, w.len);
		have = lexer_next(lx, &w);
	}
	for (; have; have = lexer_next(lx, &w)) {
		if (w.len >= 8 && !memcmp(w.s, "syscall=", 8)) {
			size_t i = 8;
			while (i < w.len && lexer_is_ident(w.s[i]))
				i++;
			if (st->syscall)
				return (void)perr(p, w.col, "duplicate 'syscall='");
			if (st->space == SCENARIO_USER)
				return (void)perr(p, w.col,
						  "'syscall=' applies to kernel stops only");
			if (w.len == 8 || i != w.len)
				return (void)perr(p, w.col + 8,
						  "bad syscall name %s (a name such as 'clone', or "
						  "a number)",
						  quote(p, 0, w.s + 8, w.len - 8));
			st->syscall = xstrndup(w.s + 8, w.len - 8);
			st->syscall_col = (int)w.col + 8;
		} else if (lexer_word_is(&w, "finish")) {
			if (st->finish)
				return (void)perr(p, w.col, "duplicate 'finish'");
			if (st->never)
				return (void)perr(p, w.col, "a 'never' stop has no return to finish");
			st->finish = 1;
		} else if (lexer_word_is(&w, "never")) {
			if (st->never)
				return (void)perr(p, w.col, "duplicate 'never'");
			if (st->finish)
				return (void)perr(p, w.col, "a 'finish' stop cannot be 'never' too");
			st->never = 1;
		} else if (lexer_word_is(&w, "if")) {
			struct lexer_word rest;
			lexer_rest(lx, &rest);
			if (!rest.len)
				return (void)perr(p, w.col, "'if' needs a gdb expression after it");
			st->cond = xstrndup(rest.s, rest.len);
			/* It becomes one operand of the stop's condition: (cond). */
			struct strbuf op = STRBUF_INIT, why = STRBUF_INIT;
			if (quote_c_operand(&op, st->cond, &why) < 0)
				perr(p, rest.col, "'if' takes one gdb expression: %s", why.buf);
			strbuf_release(&op);
			strbuf_release(&why);
			return;
		} else if (w.s[0] == '[') {
			return (void)perr(p, w.col, "a version guard goes at the start of the line");
		} else {
			return (void)perr(p, w.col,
					  "unknown stop option %s (expected syscall=NAME, finish, "
					  "never or if GDB-EXPR)",
					  qw(p, 0, &w));
		}
	}
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

static void dup_directive(struct parser *p, const struct lexer_word *w, int first)
{
	perr(p, w->col, "duplicate %s (first on line %d)", qw(p, 0, w), first);
}

static void top_line(struct parser *p, struct lexer *lx, const struct lexer_word *w,
		     const struct guard *g, size_t gcol)
{
	struct scenario *sc = p->sc;
	struct lexer_word arg;

	if (lexer_word_is(w, "stop")) {
		parse_stop(p, lx, w, g);
		return;
	}
	if (lexer_word_is(w, "say") && !p->last_stop_line) {
		struct lexer_word text;
		if (no_guard(p, g, gcol, w))
			return;
		lexer_rest(lx, &text);
		add_say(&sc->say, &text);
		return;
	}
	if (lexer_word_in(w, body_directives)) {
		if (p->last_stop_line)
			perr(p, w->col, "%s outside a stop: indent it under the stop on line %d",
			     qw(p, 0, w), p->last_stop_line);
		else
			perr(p, w->col, "%s outside a stop", qw(p, 0, w));
		return;
	}
	if (lexer_word_is(w, "scenario")) {
		if (p->scenario_line)
			return dup_directive(p, w, p->scenario_line);
		p->scenario_line = p->lineno;
		if (one_word(p, lx, w, "scenario NAME", &arg))
			return;
		sc->name = xstrndup(arg.s, arg.len);
		sc->guard = *g;
	} else if (lexer_word_is(w, "program")) {
		if (no_guard(p, g, gcol, w))
			return;
		if (p->program_line)
			return dup_directive(p, w, p->program_line);
		p->program_line = p->lineno;
		if (!lexer_next(lx, &arg))
			return (void)perr(p, w->col,
					  "missing argument: program NAME [ARG]... (NAME from "
					  "initramfs/progs/)");
		if (arg.s[0] == '[')
			return (void)perr(p, arg.col, "a version guard goes at the start of the line");
		sc->program = xstrndup(arg.s, arg.len);
		sc->program_line = p->lineno;
		sc->program_col = (int)arg.col;
		/* Every byte of a word reaches the program as it is: the run line escapes
		 * them (a scenario file holds no NUL). */
		while (lexer_next(lx, &arg)) {
			char *a = xstrndup(arg.s, arg.len);
			strvec_push(&sc->args, a);
			free(a);
		}
	} else if (lexer_word_is(w, "lstar")) {
		if (sc->lstar_line)
			return dup_directive(p, w, sc->lstar_line);
		sc->lstar_line = p->lineno;
		if (one_word(p, lx, w, "lstar SYMBOL", &arg))
			return;
		sc->lstar = xstrndup(arg.s, arg.len);
		sc->lstar_guard = *g;
	} else if (lexer_word_is(w, "timeout")) {
		if (no_guard(p, g, gcol, w))
			return;
		if (p->timeout_line)
			return dup_directive(p, w, p->timeout_line);
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
		     suggest(p, w, all_directives));
	}
}

static void body_line(struct parser *p, struct lexer *lx, const struct lexer_word *w,
		      const struct guard *g, size_t gcol)
{
	struct scenario_stop *st = p->stop;
	int known = lexer_word_in(w, body_directives);

	if (!known && (p->block == BLOCK_FRAMES || p->block == BLOCK_USER) && !p->block_count &&
	    !lexer_word_in(w, top_directives)) {
		/* frames written at the level of "frames" instead of under it */
		perr(p, w->col, "unknown stop directive %s: frames go indented under '%s' (line %d)",
		     qw(p, 0, w), p->block == BLOCK_FRAMES ? "frames" : "user", p->block_line);
		p->block_reported = 1;
		close_block(p);
		p->block = BLOCK_IGNORE;
		return;
	}
	close_block(p);
	if (!known) {
		p->block = BLOCK_IGNORE;
		if (lexer_word_in(w, top_directives))
			perr(p, w->col,
			     "%s cannot be inside a stop (the stop on line %d): write it at the start "
			     "of a line",
			     qw(p, 0, w), st->line);
		else
			perr(p, w->col, "unknown stop directive %s%s", qw(p, 0, w),
			     suggest(p, w, body_directives));
		return;
	}
	if (st->never && !lexer_word_is(w, "say")) {
		p->block = BLOCK_IGNORE;
		perr(p, w->col, "%s under a 'never' stop (line %d): it is never reached, so there "
		     "is nothing to compare", qw(p, 0, w), st->line);
		return;
	}
	if (lexer_word_is(w, "say")) {
		struct lexer_word text;
		if (no_guard(p, g, gcol, w))
			return;
		lexer_rest(lx, &text);
		add_say(&st->say, &text);
	} else if (lexer_word_is(w, "regs")) {
		parse_regs(p, lx, w, g);
	} else {
		int is_frames = w->s[0] == 'f';
		int *seen = is_frames ? &p->frames_line : &p->user_line;
		struct lexer_word extra;
		p->block = BLOCK_IGNORE;
		if (no_guard(p, g, gcol, w))
			return;
		if (*seen)
			return dup_directive(p, w, *seen);
		*seen = p->lineno;
		if (lexer_next(lx, &extra)) {
			extra_word(p, &extra, is_frames ? "'frames' (the frames go on the lines below it)"
							: "'user' (the frames go on the lines below it)");
			return;
		}
		if (!is_frames && st->space == SCENARIO_USER) {
			perr(p, w->col,
			     "'user' is for kernel stops: at a user stop, write the frames under "
			     "'frames'");
			return;
		}
		p->block = is_frames ? BLOCK_FRAMES : BLOCK_USER;
		p->block_line = p->lineno;
		p->block_col = w->col;
		if (is_frames)
			st->has_frames = 1;
		else
			st->has_user = 1;
	}
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
		close_stop(p);
		top_line(p, &lx, &w, &g, gcol);
		/* what is indented under a broken top-level line would only add noise */
		p->ignore_indented = p->nerr > nerr && !p->stop;
		return;
	}
	if (!p->stop) {
		if (p->ignore_indented)
			return;
		p->ignore_indented = 1;
		if (lexer_word_in(&w, body_directives))
			perr(p, w.col, "%s outside a stop", qw(p, 0, &w));
		else
			perr(p, start + 1, "unexpected indentation (only the lines under a 'stop' are "
					   "indented)");
		return;
	}
	if (!p->body_ind) {
		p->body_ind = line;
		p->body_ind_len = ind;
		p->body_ind_line = p->lineno;
	}
	if (ind == p->body_ind_len && !memcmp(line, p->body_ind, ind)) {
		body_line(p, &lx, &w, &g, gcol);
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
		parse_frame(p, &lx, &w, &g);
		return;
	}
	bad_indent(p, line, ind, p->body_ind, p->body_ind_len, p->body_ind_line,
		   "this stop's body");
	close_block(p);
	p->block = BLOCK_IGNORE;
	return;

broken:
	if (!ind) {
		/* a top-level line all the same: what is indented below it is its own */
		close_stop(p);
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
	strvec_init(&sc->args);
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
	close_stop(&p);
	if (!sc->program && !p.program_line && !p.bad_bytes)
		perr_at(&p, 1, 1, "missing 'program' line (the guest program to run)");
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
