/*
 * tap: the TAP/KTAP a program prints, as a tree of tests. Pure; see tap.h. Depends on
 * strbuf and wrapper.
 *
 * The parser keeps a stack of levels, one per indentation deeper than the one below.
 * A level collects its tests and its plan; when a line comes back to a shallower
 * indentation, the level ends (its plan's missing tests added) and its tests wait on
 * the level below as the subtests of that level's next result line. What waits when
 * the output ends belongs to a parent that never reported: a missing test.
 */
#include "tap.h"
#include "wrapper.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Plans above this are taken as this (a forged "1..4000000000" must not cost much). */
#define TAP_PLAN_MAX 1000000

/* One level of nesting while parsing. */
struct level {
	size_t indent;            /* its lines' indentation */
	struct tap_test *tests;   /* its tests so far; owned until the level ends */
	size_t n, alloc;
	int plan;                 /* its plan's N, -1: none */
	char *name;               /* "# Subtest: NAME" that came before it, or NULL; owned */
	struct tap_test *pend;    /* a deeper level's tests, waiting for their parent's line */
	size_t npend;
	char *pend_name;          /* that level's name, or NULL; owned */
};

struct parse {
	struct tap_doc *doc;
	struct level lv[TAP_MAX_DEPTH + 1];
	int depth;                /* levels in use - 1; -1 before the first TAP line */
	char *subtest;            /* the latest "# Subtest: NAME", or NULL; owned */
	int lineno;
};

static const char *const status_names[] = { "pass", "fail", "skip" };

const char *tap_status_name(enum tap_status s)
{
	return (unsigned)s < 3 ? status_names[s] : "?";
}

static void tests_free(struct tap_test *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(t[i].name);
		free(t[i].directive);
		free(t[i].reason);
		tests_free(t[i].subtests, t[i].nsubtests);
	}
	free(t);
}

void tap_doc_release(struct tap_doc *doc)
{
	tests_free(doc->tests, doc->ntests);
	free(doc->bail_reason);
	memset(doc, 0, sizeof(*doc));
	doc->plan = -1;
}

/* A test's outcome from its line and its subtests. */
static enum tap_status outcome(const struct tap_test *t)
{
	if (t->missing)
		return TAP_FAIL;
	if (t->directive && !strcmp(t->directive, "SKIP"))
		return TAP_SKIP;
	if (t->directive)
		return t->ok ? TAP_PASS : TAP_SKIP; /* TODO: a known failure */
	if (!t->ok)
		return TAP_FAIL;
	for (size_t i = 0; i < t->nsubtests; i++)
		if (t->subtests[i].status == TAP_FAIL)
			return TAP_FAIL;
	return TAP_PASS;
}

static struct tap_test *add_test(struct level *l)
{
	if (l->n == l->alloc) {
		l->alloc = l->alloc ? l->alloc * 2 : 8;
		l->tests = xrealloc(l->tests, l->alloc * sizeof(*l->tests));
	}
	struct tap_test *t = &l->tests[l->n++];
	memset(t, 0, sizeof(*t));
	return t;
}

/* A test that should be there and is not: planned, or a parent that never reported. */
static void add_missing(struct level *l, int number, const char *name)
{
	struct tap_test *t = add_test(l);
	t->number = number;
	t->name = xstrdup(name);
	t->missing = 1;
	t->status = TAP_FAIL;
}

/* The level's waiting subtests become the subtests of t (or of a missing parent). */
static void claim_pending(struct level *l, struct tap_test *t)
{
	if (!l->npend)
		return;
	if (!t) {
		add_missing(l, 0, l->pend_name ? l->pend_name : "subtest");
		t = &l->tests[l->n - 1];
	}
	t->subtests = l->pend;
	t->nsubtests = l->npend;
	t->status = outcome(t);
	l->pend = NULL;
	l->npend = 0;
	free(l->pend_name);
	l->pend_name = NULL;
}

/* The plan's tests that never reported, as missing tests. */
static void close_plan(struct level *l)
{
	if (l->plan < 0 || (size_t)l->plan <= l->n)
		return;
	size_t have = l->n, want = (size_t)l->plan;
	for (size_t k = have + 1; k <= want && k <= have + TAP_MAX_MISSING; k++)
		add_missing(l, (int)k, "(never reported)");
	if (want > have + TAP_MAX_MISSING) {
		struct strbuf sb = STRBUF_INIT;
		strbuf_addf(&sb, "(%zu more never reported)", want - have - TAP_MAX_MISSING);
		add_missing(l, 0, sb.buf);
		strbuf_release(&sb);
	}
}

/* The top level ends: its tests wait on the level below for their parent. */
static void pop(struct parse *ps)
{
	struct level *l = &ps->lv[ps->depth], *below = &ps->lv[ps->depth - 1];
	claim_pending(l, NULL);
	close_plan(l);
	if (below->npend) {
		/* two subtest blocks before one result line: the first one's parent is missing */
		claim_pending(below, NULL);
	}
	if (l->n) {
		below->pend = l->tests;
		below->npend = l->n;
		below->pend_name = l->name;
	} else {
		/* a version line or a plan of 0 and nothing else: no subtests */
		free(l->tests);
		free(l->name);
	}
	memset(l, 0, sizeof(*l));
	ps->depth--;
}

/* Make the top level the one of indentation ind; 0, or -1 when it is too deep. */
static int enter(struct parse *ps, size_t ind)
{
	if (ps->depth < 0) {
		ps->depth = 0;
		memset(&ps->lv[0], 0, sizeof(ps->lv[0]));
		ps->lv[0].indent = ind;
		ps->lv[0].plan = -1;
		ps->doc->found = 1;
	}
	if (ind < ps->lv[0].indent)
		ind = ps->lv[0].indent;
	while (ps->depth > 0 && ind < ps->lv[ps->depth].indent)
		pop(ps);
	if (ind > ps->lv[ps->depth].indent) {
		if (ps->depth == TAP_MAX_DEPTH) {
			ps->doc->too_deep = 1;
			return -1;
		}
		struct level *l = &ps->lv[++ps->depth];
		memset(l, 0, sizeof(*l));
		l->indent = ind;
		l->plan = -1;
		l->name = ps->subtest;
		ps->subtest = NULL;
	}
	return 0;
}

/* s[0..n) begins with word w followed by a blank or the end. */
static int starts_word(const char *s, size_t n, const char *w)
{
	size_t k = strlen(w);
	return n >= k && !memcmp(s, w, k) && (n == k || s[k] == ' ' || s[k] == '\t');
}

static const char *skip_blanks(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

static char *trimmed(const char *s, const char *end)
{
	s = skip_blanks(s, end);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return xstrndup(s, (size_t)(end - s));
}

/* "ok N - description # DIRECTIVE reason" (s after the indentation). */
static void result_line(struct parse *ps, const char *s, const char *end)
{
	struct level *l = &ps->lv[ps->depth];
	struct tap_test *t = add_test(l);
	const char *hash = NULL;
	long num = 0;

	t->ok = s[0] == 'o';
	t->line = ps->lineno;
	s = skip_blanks(t->ok ? s + 2 : skip_blanks(s + 3, end) + 2, end);
	while (s < end && isdigit((unsigned char)*s) && num < 1000000000)
		num = num * 10 + (*s++ - '0');
	t->number = (int)num;
	s = skip_blanks(s, end);
	if (s + 1 < end && s[0] == '-' && (s[1] == ' ' || s[1] == '\t'))
		s = skip_blanks(s + 1, end);
	else if (s + 1 == end && s[0] == '-')
		s++;
	for (const char *q = s; q < end && !hash; q++)
		if (*q == '#' && (q == s || q[-1] != '\\'))
			hash = q;
	t->name = trimmed(s, hash ? hash : end);
	if (!*t->name) {
		free(t->name);
		t->name = xstrfmt("test %d", t->number);
	}
	if (hash) {
		const char *d = skip_blanks(hash + 1, end);
		if (end - d >= 4 && (!strncasecmp(d, "SKIP", 4) || !strncasecmp(d, "TODO", 4))) {
			t->directive = xstrndup(d, 4);
			for (char *c = t->directive; *c; c++)
				*c = (char)toupper((unsigned char)*c);
			/* "SKIPPED", "skip:" and the like: the reason follows the word */
			while (d < end && isalpha((unsigned char)*d))
				d++;
			if (d < end && *d == ':')
				d++;
			t->reason = trimmed(d, end);
			if (!*t->reason) {
				free(t->reason);
				t->reason = NULL;
			}
		}
	}
	claim_pending(l, t);
	t->status = outcome(t);
}

/* "1..N [# SKIP why]": N + 1 (N at most TAP_PLAN_MAX), or 0 for no plan. */
static int plan_line(const char *s, const char *end)
{
	long n = 0;
	const char *p = s + 3;
	if (end - s < 4 || memcmp(s, "1..", 3) || !isdigit((unsigned char)*p))
		return 0;
	for (; p < end && isdigit((unsigned char)*p); p++)
		if (n <= TAP_PLAN_MAX)
			n = n * 10 + (*p - '0');
	p = skip_blanks(p, end);
	if (p < end && *p != '#')
		return 0;
	return (int)(n > TAP_PLAN_MAX ? TAP_PLAN_MAX : n) + 1;
}

/* Whether s[0..end) is a result line: "ok ..." or "not ok ..." (any blanks between). */
static int is_result(const char *s, const char *end)
{
	if (starts_word(s, (size_t)(end - s), "ok"))
		return 1;
	if (!starts_word(s, (size_t)(end - s), "not"))
		return 0;
	const char *o = skip_blanks(s + 3, end);
	return starts_word(o, (size_t)(end - o), "ok");
}

static void one_line(struct parse *ps, const char *line, const char *end)
{
	const char *s = line;
	size_t ind = 0;
	int plan;

	/* a tab indents to the next multiple of 8 (TAP producers use spaces) */
	for (; s < end && (*s == ' ' || *s == '\t'); s++)
		ind = *s == '\t' ? (ind / 8 + 1) * 8 : ind + 1;
	if (s == end)
		return;
	if (*s == '#') {
		const char *d = skip_blanks(s + 1, end);
		if (end - d > 8 && !memcmp(d, "Subtest:", 8)) {
			free(ps->subtest);
			ps->subtest = trimmed(d + 8, end);
		}
		return;
	}
	if (starts_word(s, (size_t)(end - s), "Bail")) {
		const char *b = skip_blanks(s + 4, end);
		if (end - b >= 4 && !memcmp(b, "out!", 4)) {
			ps->doc->bailed = 1;
			ps->doc->found = 1;
			ps->doc->bail_reason = trimmed(b + 4, end);
		}
		return;
	}
	if (starts_word(s, (size_t)(end - s), "TAP") || starts_word(s, (size_t)(end - s), "KTAP")) {
		const char *v = skip_blanks(s + (s[0] == 'K' ? 4 : 3), end);
		if (starts_word(v, (size_t)(end - v), "version"))
			enter(ps, ind);
		return;
	}
	if (is_result(s, end)) {
		if (enter(ps, ind) == 0)
			result_line(ps, s, end);
		return;
	}
	plan = plan_line(s, end);
	if (plan && enter(ps, ind) == 0)
		ps->lv[ps->depth].plan = plan - 1;
}

void tap_parse(struct tap_doc *doc, const char *text)
{
	struct parse ps;
	memset(doc, 0, sizeof(*doc));
	doc->plan = -1;
	memset(&ps, 0, sizeof(ps));
	ps.doc = doc;
	ps.depth = -1;

	for (const char *p = text; p && *p && !doc->bailed;) {
		const char *nl = strchr(p, '\n');
		const char *end = nl ? nl : p + strlen(p);
		const char *next = nl ? nl + 1 : end;
		ps.lineno++;
		if (end > p && end[-1] == '\r')
			end--;
		one_line(&ps, p, end);
		p = next;
	}
	if (ps.depth >= 0) {
		while (ps.depth > 0)
			pop(&ps);
		claim_pending(&ps.lv[0], NULL);
		/* after a bail out, the tests that never came are no news */
		if (!doc->bailed)
			close_plan(&ps.lv[0]);
		doc->tests = ps.lv[0].tests;
		doc->ntests = ps.lv[0].n;
		doc->plan = ps.lv[0].plan;
		free(ps.lv[0].name);
	}
	free(ps.subtest);
}

/* The first failing test under t[0..n), its path appended to path; NULL when none. */
static const struct tap_test *first_failure(const struct tap_test *t, size_t n,
					    struct strbuf *path)
{
	for (size_t i = 0; i < n; i++) {
		if (t[i].status != TAP_FAIL)
			continue;
		if (path->len)
			strbuf_addstr(path, " / ");
		strbuf_addstr(path, t[i].name);
		const struct tap_test *deeper = first_failure(t[i].subtests, t[i].nsubtests, path);
		return deeper ? deeper : &t[i];
	}
	return NULL;
}

int tap_doc_failed(const struct tap_doc *doc, struct strbuf *why)
{
	struct strbuf path = STRBUF_INIT;
	const struct tap_test *t;

	if (!doc->found) {
		strbuf_addstr(why, "the program printed no TAP (no version line, plan or test line)");
		return 1;
	}
	if (doc->bailed) {
		strbuf_addstr(why, "the program bailed out");
		if (doc->bail_reason && *doc->bail_reason)
			strbuf_addf(why, ": %s", doc->bail_reason);
		return 1;
	}
	t = first_failure(doc->tests, doc->ntests, &path);
	if (!t) {
		strbuf_release(&path);
		return 0;
	}
	strbuf_addf(why, "TAP test '%s' ", path.buf);
	if (t->missing)
		strbuf_addstr(why, "never reported");
	else if (!t->ok)
		strbuf_addf(why, "failed (not ok %d, output line %d)", t->number, t->line);
	else
		strbuf_addf(why, "failed (output line %d)", t->line);
	strbuf_release(&path);
	return 1;
}

static void count_tree(const struct tap_test *t, size_t n, size_t counts[3])
{
	for (size_t i = 0; i < n; i++) {
		counts[t[i].status]++;
		count_tree(t[i].subtests, t[i].nsubtests, counts);
	}
}

void tap_doc_count(const struct tap_doc *doc, size_t counts[3])
{
	counts[0] = counts[1] = counts[2] = 0;
	count_tree(doc->tests, doc->ntests, counts);
}
