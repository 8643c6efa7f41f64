/*
 * scenario_program: the scenario parser's lines about the program itself, apart from
 * its stops: `program` (a built-in name or a host path), how a program built from
 * source is built (`sources`, `cflags`, `libs`), the data files it needs in the guest
 * (`file`), and what it must do (`exit`, `output contains|lacks`, `tap`). None of them
 * takes a version guard: what a program is and does is not a kernel's choice. Pure;
 * depends on the parser's state (scenario_parse.h), lexer, strvec and wrapper.
 */
#include "scenario_parse.h"
#include "wrapper.h"

#include <stdlib.h>
#include <string.h>

/* The directives of this file, for the dispatch below (NULL-terminated). */
static const char *const program_directives[] = { "program", "sources", "cflags", "libs",
						  "file", "exit", "output", "tap", NULL };

/* 1 when s[0..n) ends in suffix. */
static int ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n > k && !memcmp(s + n - k, suffix, k);
}

/* 1 when s[0..n) names a C or assembler source: NAME.c, NAME.S or NAME.s. */
static int is_source_name(const char *s, size_t n)
{
	return ends_with(s, n, ".c") || ends_with(s, n, ".S") || ends_with(s, n, ".s");
}

int scenario_program_is_source(const struct scenario *sc)
{
	return sc->program && sc->program_is_path &&
	       is_source_name(sc->program, strlen(sc->program));
}

int scenario_has_program_verdict(const struct scenario *sc)
{
	return sc->exit_status >= 0 || sc->noutputs || sc->tap;
}

void scenario_program_release(struct scenario *sc)
{
	strvec_clear(&sc->sources);
	strvec_clear(&sc->cflags);
	strvec_clear(&sc->libs);
	for (size_t i = 0; i < sc->nfiles; i++) {
		free(sc->files[i].host);
		free(sc->files[i].guest);
	}
	free(sc->files);
	for (size_t i = 0; i < sc->noutputs; i++)
		free(sc->outputs[i].text);
	free(sc->outputs);
}

/* program NAME|PATH [ARG]... */
static void parse_program(struct parser *p, struct lexer *lx, const struct lexer_word *w)
{
	struct scenario *sc = p->sc;
	struct lexer_word arg;

	if (p->program_line)
		return scenario_dup_directive(p, w, p->program_line);
	p->program_line = p->lineno;
	if (!lexer_next(lx, &arg))
		return (void)perr(p, w->col,
				  "missing argument: program NAME [ARG]... (NAME from "
				  "initramfs/progs/, or a path such as ./repro.c)");
	if (arg.s[0] == '[')
		return (void)perr(p, arg.col, "a version guard goes at the start of the line");
	sc->program = xstrndup(arg.s, arg.len);
	sc->program_is_path = memchr(arg.s, '/', arg.len) != NULL;
	sc->program_line = p->lineno;
	sc->program_col = (int)arg.col;
	/* Every byte of a word reaches the program as it is: the run line escapes them (a
	 * scenario file holds no NUL). */
	while (lexer_next(lx, &arg)) {
		char *a = xstrndup(arg.s, arg.len);
		strvec_push(&sc->args, a);
		free(a);
	}
}

/*
 * sources|cflags|libs WORD...: at most once each, at least one word; sources are C or
 * assembler files. Whether the program is built from source is checked at the end of
 * the file (scenario_program_close()), as the program line may come later.
 */
static void parse_build_words(struct parser *p, struct lexer *lx, const struct lexer_word *w)
{
	struct scenario *sc = p->sc;
	int is_sources = lexer_word_is(w, "sources");
	struct strvec *v = is_sources ? &sc->sources :
			   lexer_word_is(w, "cflags") ? &sc->cflags : &sc->libs;
	int *line = is_sources ? &sc->sources_line :
		    lexer_word_is(w, "cflags") ? &sc->cflags_line : &sc->libs_line;
	int *col = is_sources ? &sc->sources_col :
		   lexer_word_is(w, "cflags") ? &sc->cflags_col : &sc->libs_col;
	struct lexer_word arg;
	int bad = 0;

	if (*line)
		return scenario_dup_directive(p, w, *line);
	if (!lexer_next(lx, &arg))
		return (void)perr(p, w->col, "missing argument: %s needs at least one word",
				  qw(p, 0, w));
	*line = p->lineno;
	*col = (int)arg.col;
	do {
		if (is_sources && !is_source_name(arg.s, arg.len)) {
			perr(p, arg.col, "bad source %s: a C or assembler file (.c, .S or .s)",
			     qw(p, 0, &arg));
			bad = 1;
			continue;
		}
		char *a = xstrndup(arg.s, arg.len);
		strvec_push(v, a);
		free(a);
	} while (lexer_next(lx, &arg));
	if (bad)
		strvec_clear(v);
}

/* The rule a guest path breaks, or NULL: absolute, no "..", not "/", not a kernel fs. */
static const char *guest_path_problem(const char *s, size_t n)
{
	static const char *const kernel_fs[] = { "proc", "sys", "dev" };
	size_t i = 0, ncomp = 0;

	if (!n || s[0] != '/')
		return "must be absolute (start with '/')";
	while (i < n) {
		size_t start, len;
		while (i < n && s[i] == '/')
			i++;
		start = i;
		while (i < n && s[i] != '/')
			i++;
		len = i - start;
		if (!len || (len == 1 && s[start] == '.'))
			continue;
		if (len == 2 && s[start] == '.' && s[start + 1] == '.')
			return "has a '..' component";
		if (!ncomp++)
			for (size_t k = 0; k < ARRAY_SIZE(kernel_fs); k++)
				if (len == strlen(kernel_fs[k]) && !memcmp(s + start, kernel_fs[k], len))
					return "is under /proc, /sys or /dev, the kernel's own";
	}
	if (!ncomp)
		return "names the root directory: give the file's own path";
	return NULL;
}

/* file HOST GUEST */
static void parse_file(struct parser *p, struct lexer *lx, const struct lexer_word *w)
{
	struct scenario *sc = p->sc;
	struct lexer_word host, guest, extra;
	const char *why;

	if (!lexer_next(lx, &host) || !lexer_next(lx, &guest))
		return (void)perr(p, w->col, "'file' needs a host path and a guest path: "
				  "file HOST GUEST");
	if (lexer_next(lx, &extra))
		return (void)perr(p, extra.col, "unexpected %s: file HOST GUEST takes two words",
				  qw(p, 0, &extra));
	why = guest_path_problem(guest.s, guest.len);
	if (why)
		return (void)perr(p, guest.col, "guest path %s %s", qw(p, 0, &guest), why);
	for (size_t i = 0; i < sc->nfiles; i++)
		if (strlen(sc->files[i].guest) == guest.len &&
		    !memcmp(sc->files[i].guest, guest.s, guest.len))
			return (void)perr(p, guest.col, "guest path %s already given on line %d",
					  qw(p, 0, &guest), sc->files[i].line);
	GROW(sc->files, p->files_alloc, sc->nfiles);
	struct scenario_file *f = &sc->files[sc->nfiles++];
	f->host = xstrndup(host.s, host.len);
	f->guest = xstrndup(guest.s, guest.len);
	f->line = p->lineno;
	f->col = (int)host.col;
}

/* exit N: 0 to 255. */
static void parse_exit(struct parser *p, struct lexer *lx, const struct lexer_word *w)
{
	struct scenario *sc = p->sc;
	struct lexer_word arg, extra;
	int v = 0;
	size_t i = 0;

	if (sc->exit_line)
		return scenario_dup_directive(p, w, sc->exit_line);
	if (!lexer_next(lx, &arg))
		return (void)perr(p, w->col, "missing argument: exit STATUS (0 to 255)");
	if (lexer_next(lx, &extra))
		return (void)perr(p, extra.col, "unexpected %s: exit takes one argument",
				  qw(p, 0, &extra));
	for (; i < arg.len && i < 4 && lexer_is_digit(arg.s[i]); i++)
		v = v * 10 + (arg.s[i] - '0');
	if (i != arg.len || v > 255)
		return (void)perr(p, arg.col, "bad exit status %s (0 to 255)", qw(p, 0, &arg));
	sc->exit_status = v;
	sc->exit_line = p->lineno;
	sc->exit_col = (int)arg.col;
}

/* output contains|lacks TEXT: TEXT to the end of the line, kept as written. */
static void parse_output(struct parser *p, struct lexer *lx, const struct lexer_word *w)
{
	static const char *const how[] = { "contains", "lacks", NULL };
	struct scenario *sc = p->sc;
	struct lexer_word verb, text;

	if (!lexer_next(lx, &verb))
		return (void)perr(p, w->col, "'output' needs 'contains' or 'lacks': "
				  "output contains TEXT");
	if (!lexer_word_in(&verb, how))
		return (void)perr(p, verb.col, "unknown %s after 'output' (contains or lacks)%s",
				  qw(p, 0, &verb), scenario_suggest(p, &verb, how));
	lexer_rest(lx, &text);
	if (!text.len)
		return (void)perr(p, verb.col + verb.len, "'output %.*s' needs a text to look for",
				  (int)verb.len, verb.s);
	GROW(sc->outputs, p->outputs_alloc, sc->noutputs);
	struct scenario_output *o = &sc->outputs[sc->noutputs++];
	o->text = xstrndup(text.s, text.len);
	o->line = p->lineno;
	o->col = (int)text.col;
	o->negate = lexer_word_is(&verb, "lacks");
}

/* tap: no argument. */
static void parse_tap(struct parser *p, struct lexer *lx, const struct lexer_word *w)
{
	struct lexer_word extra;

	if (p->sc->tap_line)
		return scenario_dup_directive(p, w, p->sc->tap_line);
	if (lexer_next(lx, &extra))
		return (void)perr(p, extra.col, "unexpected %s: tap takes no argument",
				  qw(p, 0, &extra));
	p->sc->tap = 1;
	p->sc->tap_line = p->lineno;
}

int scenario_program_line(struct parser *p, struct lexer *lx, const struct lexer_word *w,
			  const struct guard *g, size_t gcol)
{
	if (!lexer_word_in(w, program_directives))
		return 0;
	if (scenario_no_guard(p, g, gcol, w))
		return 1;
	if (lexer_word_is(w, "program"))
		parse_program(p, lx, w);
	else if (lexer_word_is(w, "file"))
		parse_file(p, lx, w);
	else if (lexer_word_is(w, "exit"))
		parse_exit(p, lx, w);
	else if (lexer_word_is(w, "output"))
		parse_output(p, lx, w);
	else if (lexer_word_is(w, "tap"))
		parse_tap(p, lx, w);
	else
		parse_build_words(p, lx, w);
	return 1;
}

void scenario_program_close(struct parser *p)
{
	const struct scenario *sc = p->sc;
	const int lines[] = { sc->sources_line, sc->cflags_line, sc->libs_line };

	if (!sc->program || scenario_program_is_source(sc))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++)
		if (lines[i])
			scenario_perr_at(p, lines[i], 1, "sources/cflags/libs need a program built "
					 "from source (program ./NAME.c)");
}
