/*
 * scenario, part two: a stop's line (location, syscall=, finish, never, if) and its
 * body: say, the frames and user blocks and their frame lines, regs checks and their
 * values. scenario.c hands it the lines that belong to a stop; scenario_parse.h is
 * their shared state. Pure, like scenario.c. Depends on lexer, guard, errnos, quote
 * and util.
 */
#include "scenario_parse.h"
#include "errnos.h"
#include "quote.h"

#include <stdlib.h>

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
void scenario_stop_frame_line(struct parser *p, struct lexer *lx, const struct lexer_word *fn,
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

void scenario_stop_close_block(struct parser *p)
{
	if ((p->block == BLOCK_FRAMES || p->block == BLOCK_USER) && !p->block_count &&
	    !p->block_reported)
		scenario_perr_at(p, p->block_line, p->block_col,
			"'%s' has nothing under it: indent the expected frames below it ('...' "
			"matches any)",
			p->block == BLOCK_FRAMES ? "frames" : "user");
	p->block = BLOCK_NONE;
	p->block_ind = NULL;
	p->block_count = 0;
	p->block_reported = 0;
}

void scenario_stop_close(struct parser *p)
{
	scenario_stop_close_block(p);
	p->stop = NULL;
	p->body_ind = NULL;
	p->frames_line = p->user_line = 0;
}

/* stop [kernel|user] LOCATION [syscall=NAME] [finish|never] [if GDB-EXPR] */
void scenario_stop_parse(struct parser *p, struct lexer *lx, const struct lexer_word *dir,
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

void scenario_stop_body_line(struct parser *p, struct lexer *lx, const struct lexer_word *w,
			     const struct guard *g, size_t gcol)
{
	struct scenario_stop *st = p->stop;
	int known = lexer_word_in(w, scenario_body_directives);

	if (!known && (p->block == BLOCK_FRAMES || p->block == BLOCK_USER) && !p->block_count &&
	    !lexer_word_in(w, scenario_top_directives)) {
		/* frames written at the level of "frames" instead of under it */
		perr(p, w->col, "unknown stop directive %s: frames go indented under '%s' (line %d)",
		     qw(p, 0, w), p->block == BLOCK_FRAMES ? "frames" : "user", p->block_line);
		p->block_reported = 1;
		scenario_stop_close_block(p);
		p->block = BLOCK_IGNORE;
		return;
	}
	scenario_stop_close_block(p);
	if (!known) {
		p->block = BLOCK_IGNORE;
		if (lexer_word_in(w, scenario_top_directives))
			perr(p, w->col,
			     "%s cannot be inside a stop (the stop on line %d): write it at the start "
			     "of a line",
			     qw(p, 0, w), st->line);
		else
			perr(p, w->col, "unknown stop directive %s%s", qw(p, 0, w),
			     scenario_suggest(p, w, scenario_body_directives));
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
		if (scenario_no_guard(p, g, gcol, w))
			return;
		lexer_rest(lx, &text);
		scenario_add_say(&st->say, &text);
	} else if (lexer_word_is(w, "regs")) {
		parse_regs(p, lx, w, g);
	} else {
		int is_frames = w->s[0] == 'f';
		int *seen = is_frames ? &p->frames_line : &p->user_line;
		struct lexer_word extra;
		p->block = BLOCK_IGNORE;
		if (scenario_no_guard(p, g, gcol, w))
			return;
		if (*seen)
			return scenario_dup_directive(p, w, *seen);
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
