/*
 * Unit tests of the reporters: text (with and without colour), KTAP v1 structure,
 * JUnit XML well-formedness, JSON validity and keys, streaming, and the atomic file
 * writer. The structure checkers below are small and strict on purpose.
 */
#include "cli.h"
#include "report.h"
#include "test.h"
#include "fixtures.h"
#include "strbuf.h"
#include "wrapper.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <unistd.h>

/* ---- fixtures: four scenarios, one of each outcome ---- */

struct rfix {
	struct scenario sc;
	struct obs_run run;
};

struct rset {
	struct rfix fx[4];
	struct match_result res[4];
};

static struct obs_frame *rmk_frames(const char *spec, size_t *n)
{
	return fixture_frames(spec, n, 0x401000);
}

static void rfix_init(struct rfix *fx, const char *file, const char *text, int64_t total_ms)
{
	struct strbuf err = STRBUF_INIT;
	memset(fx, 0, sizeof(*fx));
	CHECK_(scenario_parse(&fx->sc, file, text, &err) == 0, 1, "bad fixture:\n%s", err.buf);
	strbuf_release(&err);
	fx->run.stops = xcalloc(8, sizeof(*fx->run.stops));
	fx->run.kernel_version = xstrdup("6.12.117");
	fx->run.total_ms = total_ms;
	fx->run.boot_ms = total_ms / 2;
}

static struct obs_stop *rfix_stop(struct rfix *fx, int hit, int64_t ms, const char *frames,
				  const char *user)
{
	struct obs_stop *st = &fx->run.stops[fx->run.nstops++];
	st->hit = hit;
	st->ms = ms;
	if (hit) {
		st->frames = rmk_frames(frames, &st->nframes);
		st->user = rmk_frames(user, &st->nuser);
	}
	return st;
}

static void rfix_value(struct obs_stop *st, const char *name, int64_t v, const char *error)
{
	if (!st->values)
		st->values = xcalloc(8, sizeof(*st->values));
	struct obs_value *ov = &st->values[st->nvalues++];
	ov->name = xstrdup(name);
	ov->value = v;
	ov->ok = !error;
	ov->error = error ? xstrdup(error) : NULL;
}

static void rset_init(struct rset *s)
{
	struct obs_stop *st;

	/* 0: passes */
	rfix_init(&s->fx[0], "scenarios/fork.scn",
		  "scenario fork\nprogram fork\nlstar entry_SYSCALL_64\n"
		  "stop user _Fork\n  frames\n    _Fork\n    ...\n"
		  "stop do_syscall_64 syscall=clone\n"
		  "  say The syscall instruction jumped to MSR_LSTAR.\n"
		  "  frames\n    do_syscall_64\n    ...\n"
		  "  user\n    _Fork\n    ...\n"
		  "  regs orig_ax == 56\n",
		  3100);
	s->fx[0].run.lstar_symbol = xstrdup("entry_SYSCALL_64");
	s->fx[0].run.lstar_value = 0xffffffff81400040ull;
	rfix_stop(&s->fx[0], 1, 1900, "_Fork|fork|main@/src/fork.c:7", "");
	st = rfix_stop(&s->fx[0], 1, 2900, "do_syscall_64@arch/x86/entry/common.c:74|entry_SYSCALL_64",
		       "_Fork|fork|main@/src/fork.c:7");
	rfix_value(st, "orig_ax", 56, NULL);

	/* 1: fails, with hostile text in what gdb said */
	rfix_init(&s->fx[1], "scenarios/bad <&> \"q\".scn",
		  "scenario bad\nprogram fork\n"
		  "stop do_syscall_64\n  frames\n    do_syscall_64 arch/x86/entry/common.c\n"
		  "  regs orig_ax == 56 di == 1\n"
		  "stop kernel_clone\n",
		  2000);
	st = rfix_stop(&s->fx[1], 1, 1500, "do_syscall_x64@arch/x86/entry/common.c:52!", "");
	rfix_value(st, "orig_ax", 57, NULL);
	rfix_value(st, "di", 0, "bad \x01 byte, <xml> & \"quotes\" \xff\xfe #hash");
	rfix_stop(&s->fx[1], 0, 0, NULL, NULL);

	/* 2: an infrastructure error */
	rfix_init(&s->fx[2], "scenarios/err.scn", "scenario err\nprogram p\nstop a\n", -1);
	rfix_stop(&s->fx[2], 0, 0, NULL, NULL);
	s->fx[2].run.error = xstrdup("QEMU exited with status 1\nconsole: <panic>");

	/* 3: skipped by its guard */
	rfix_init(&s->fx[3], "scenarios/new.scn", "[>= 9.0] scenario new\nprogram p\nstop a\n", -1);

	for (int i = 0; i < 4; i++)
		match_run(&s->res[i], &s->fx[i].sc, &s->fx[i].run, NULL);
	CHECK_(s->res[0].status == MATCH_PASS && s->res[1].status == MATCH_FAIL &&
		       s->res[2].status == MATCH_ERROR && s->res[3].status == MATCH_SKIP,
	       1, "fixture outcomes: %d %d %d %d", s->res[0].status, s->res[1].status,
	       s->res[2].status, s->res[3].status);
}

static void rset_release(struct rset *s)
{
	for (int i = 0; i < 4; i++) {
		match_result_release(&s->res[i]);
		obs_run_release(&s->fx[i].run);
		scenario_release(&s->fx[i].sc);
	}
}

static char *render(enum report_format fmt, const struct match_result *res, size_t n, int color,
		    int verbose)
{
	struct strbuf out = STRBUF_INIT;
	struct report_timings t = { 12345, 678 };
	struct report_opts o = { color, verbose, cli_exit_code };
	report_write(fmt, res, n, &t, &o, &out);
	/* KDIVE_UNIT_REPORTS=DIR keeps a copy of each, for the validators in tests/tools */
	const char *dir = getenv("KDIVE_UNIT_REPORTS");
	if (dir && *dir) {
		static const char *const ext[] = { "txt", "ktap", "xml", "json", "kcidb" };
		static int seq;
		char *path = xstrfmt("%s/render-%d-%d.%s", dir, (int)getpid(), seq++, ext[fmt]);
		FILE *f = fopen(path, "w");
		if (f) {
			fwrite(out.buf, 1, out.len, f);
			fclose(f);
		}
		free(path);
	}
	return strbuf_detach(&out, NULL);
}

/* ---- a KTAP v1 structure checker ---- */

struct ktap_level {
	int indent;     /* spaces before its lines */
	long plan;      /* from "1..N" */
	long count;     /* results so far */
	int failed;     /* a "not ok" among them (not skipped) */
};

/* NULL when text is well-formed KTAP v1, else a description of the first problem. */
static const char *ktap_check(const char *text, char *why, size_t whylen)
{
	struct ktap_level st[16];
	int depth = 0, want_plan = 0, child_failed = 0, lineno = 0;
	const char *p = text;
	if (strncmp(text, "KTAP version 1\n", 15))
		return "does not start with the version line";
	while (*p) {
		const char *nl = strchr(p, '\n');
		if (!nl)
			return "last line has no newline";
		char line[4096];
		size_t n = (size_t)(nl - p);
		if (n >= sizeof(line))
			return "line too long";
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl + 1;
		lineno++;
		int ind = 0;
		while (line[ind] == ' ')
			ind++;
		const char *c = line + ind;
#define KFAIL(msg)                                                                 \
	do {                                                                       \
		snprintf(why, whylen, "line %d: %s: \"%.200s\"", lineno, msg, line);   \
		return why;                                                        \
	} while (0)
		if (ind % 2)
			KFAIL("odd indentation");
		if (*c == '#')
			continue; /* diagnostic */
		if (!strcmp(c, "KTAP version 1")) {
			if (depth && ind != st[depth - 1].indent + 2)
				KFAIL("nested version line not indented by 2");
			if (!depth && ind)
				KFAIL("top version line indented");
			if (depth == 16)
				KFAIL("too deep");
			st[depth++] = (struct ktap_level){ ind, -1, 0, 0 };
			want_plan = 1;
			continue;
		}
		if (!strncmp(c, "1..", 3)) {
			if (!depth || ind != st[depth - 1].indent)
				KFAIL("plan at the wrong indentation");
			st[depth - 1].plan = atol(c + 3);
			want_plan = 0;
			continue;
		}
		if (want_plan && depth > 1)
			KFAIL("nested version line without a plan");
		int ok = !strncmp(c, "ok ", 3), notok = !strncmp(c, "not ok ", 7);
		if (!ok && !notok)
			KFAIL("not a KTAP line");
		while (depth && st[depth - 1].indent > ind) {
			if (st[depth - 1].plan >= 0 && st[depth - 1].plan != st[depth - 1].count)
				KFAIL("a subtest block's results do not match its plan");
			child_failed = st[depth - 1].failed;
			depth--;
		}
		if (!depth || st[depth - 1].indent != ind)
			KFAIL("result at an indentation with no open block");
		long num = atol(c + (ok ? 3 : 7));
		if (num != st[depth - 1].count + 1)
			KFAIL("results not numbered 1, 2, ...");
		st[depth - 1].count++;
		const char *hash = strchr(c, '#');
		int skip = hash && !strncmp(hash, "# SKIP", 6);
		if (hash && !skip && strncmp(hash, "# ERROR", 7))
			KFAIL("'#' in a description, or an unknown directive");
		if (child_failed && ok && !skip)
			KFAIL("parent passes although a subtest failed");
		child_failed = 0;
		if (notok)
			st[depth - 1].failed = 1;
#undef KFAIL
	}
	while (depth > 1) {
		snprintf(why, whylen, "unclosed nested block");
		return why;
	}
	if (depth == 1 && st[0].plan >= 0 && st[0].plan != st[0].count) {
		snprintf(why, whylen, "plan %ld, %ld results", st[0].plan, st[0].count);
		return why;
	}
	return NULL;
}

/* ---- an XML well-formedness checker (the subset JUnit needs) ---- */

static int xml_name(const char **p)
{
	const char *s = *p;
	while (**p && (isalnum((unsigned char)**p) || strchr("_-:.", **p)))
		(*p)++;
	return *p > s;
}

static int xml_entity(const char **p)
{
	static const char *const ents[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;" };
	for (size_t i = 0; i < ARRAY_SIZE(ents); i++)
		if (!strncmp(*p, ents[i], strlen(ents[i]))) {
			*p += strlen(ents[i]);
			return 1;
		}
	if ((*p)[1] == '#') {
		const char *s = *p + 2;
		while (isdigit((unsigned char)*s))
			s++;
		if (s > *p + 2 && *s == ';') {
			*p = s + 1;
			return 1;
		}
	}
	return 0;
}

/* NULL when text is a well-formed document with one root element. */
static const char *xml_check(const char *text)
{
	const char *p = text, *stack[32];
	size_t lens[32];
	int depth = 0, roots = 0;
	if (strncmp(p, "<?xml ", 6))
		return "no XML declaration";
	p = strstr(p, "?>");
	if (!p)
		return "unterminated declaration";
	p += 2;
	while (*p) {
		if (*p == '&') {
			if (!xml_entity(&p))
				return "bad entity in text";
			continue;
		}
		if ((unsigned char)*p < 0x20 && !strchr("\n\t\r", *p))
			return "control character";
		if (*p != '<') {
			if (!depth && !isspace((unsigned char)*p))
				return "text outside the root element";
			p++;
			continue;
		}
		p++;
		if (*p == '/') {
			p++;
			const char *name = p;
			if (!xml_name(&p) || *p != '>' || !depth)
				return "bad end tag";
			depth--;
			if ((size_t)(p - name) != lens[depth] || strncmp(name, stack[depth], lens[depth]))
				return "mismatched end tag";
			p++;
			continue;
		}
		const char *name = p;
		if (!xml_name(&p))
			return "bad tag name";
		size_t len = (size_t)(p - name);
		for (;;) {
			if (*p == '/' && p[1] == '>') {
				p += 2;
				if (!depth)
					roots++;
				break;
			}
			if (*p == '>') {
				p++;
				if (!depth)
					roots++;
				if (depth == 32)
					return "too deep";
				stack[depth] = name;
				lens[depth++] = len;
				break;
			}
			if (*p != ' ')
				return "expected a space before an attribute";
			p++;
			if (!xml_name(&p) || *p != '=' || p[1] != '"')
				return "bad attribute";
			p += 2;
			while (*p && *p != '"') {
				if (*p == '<' || ((unsigned char)*p < 0x20))
					return "'<' or a raw control character in an attribute";
				if (*p == '&') {
					if (!xml_entity(&p))
						return "bad entity in an attribute";
				} else {
					p++;
				}
			}
			if (*p != '"')
				return "unterminated attribute";
			p++;
		}
	}
	if (depth)
		return "unclosed element";
	return roots == 1 ? NULL : "not exactly one root element";
}

/* ---- a JSON syntax checker (RFC 8259) ---- */

static void js_ws(const char **p)
{
	while (**p == ' ' || **p == '\n' || **p == '\t' || **p == '\r')
		(*p)++;
}

static int js_value(const char **p, int depth);

static int js_string(const char **p)
{
	if (**p != '"')
		return 0;
	(*p)++;
	while (**p != '"') {
		unsigned char c = (unsigned char)**p;
		if (!c || c < 0x20)
			return 0;
		if (c == '\\') {
			(*p)++;
			if (**p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!isxdigit((unsigned char)(*p)[i]))
						return 0;
				*p += 5;
				continue;
			}
			if (!strchr("\"\\/bfnrt", **p) || !**p)
				return 0;
			(*p)++;
			continue;
		}
		if (c >= 0x80) {
			/* valid UTF-8 only */
			int n = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 ? 1 : -1;
			if (n < 0 || c > 0xf4)
				return 0;
			for (int i = 1; i <= n; i++)
				if (((unsigned char)(*p)[i] & 0xc0) != 0x80)
					return 0;
			*p += n + 1;
			continue;
		}
		(*p)++;
	}
	(*p)++;
	return 1;
}

static int js_number(const char **p)
{
	const char *s = *p;
	if (**p == '-')
		(*p)++;
	if (**p == '0')
		(*p)++;
	else if (isdigit((unsigned char)**p))
		while (isdigit((unsigned char)**p))
			(*p)++;
	else
		return 0;
	if (**p == '.') {
		(*p)++;
		if (!isdigit((unsigned char)**p))
			return 0;
		while (isdigit((unsigned char)**p))
			(*p)++;
	}
	return *p > s;
}

static int js_value(const char **p, int depth)
{
	if (depth > 64)
		return 0;
	js_ws(p);
	if (**p == '{' || **p == '[') {
		char close = **p == '{' ? '}' : ']';
		int obj = **p == '{';
		(*p)++;
		js_ws(p);
		if (**p == close) {
			(*p)++;
			return 1;
		}
		for (;;) {
			js_ws(p);
			if (obj) {
				if (!js_string(p))
					return 0;
				js_ws(p);
				if (**p != ':')
					return 0;
				(*p)++;
			}
			if (!js_value(p, depth + 1))
				return 0;
			js_ws(p);
			if (**p == ',') {
				(*p)++;
				continue;
			}
			if (**p != close)
				return 0;
			(*p)++;
			return 1;
		}
	}
	if (**p == '"')
		return js_string(p);
	if (!strncmp(*p, "true", 4) || !strncmp(*p, "null", 4)) {
		*p += 4;
		return 1;
	}
	if (!strncmp(*p, "false", 5)) {
		*p += 5;
		return 1;
	}
	return js_number(p);
}

static int json_valid(const char *text)
{
	const char *p = text;
	if (!js_value(&p, 0))
		return 0;
	js_ws(&p);
	return *p == '\0';
}

/* ---- the tests ---- */

TEST(report_checkers_catch_mistakes)
{
	char why[256];
	EXPECT_TRUE(ktap_check("KTAP version 1\n1..1\nok 1 a\n", why, sizeof(why)) == NULL);
	EXPECT_TRUE(ktap_check("KTAP version 1\n1..2\nok 1 a\n", why, sizeof(why)) != NULL);
	EXPECT_TRUE(ktap_check("KTAP version 1\n1..1\n  KTAP version 1\n  1..1\n  not ok 1 x\n"
			       "ok 1 a\n",
			       why, sizeof(why)) != NULL);
	EXPECT_TRUE(ktap_check("KTAP version 1\n1..1\nok 1 a # b\n", why, sizeof(why)) != NULL);
	EXPECT_TRUE(xml_check("<?xml version=\"1.0\"?>\n<a><b x=\"1\"/></a>\n") == NULL);
	EXPECT_TRUE(xml_check("<?xml version=\"1.0\"?>\n<a><b></a>\n") != NULL);
	EXPECT_TRUE(xml_check("<?xml version=\"1.0\"?>\n<a>&</a>\n") != NULL);
	EXPECT_TRUE(xml_check("<?xml version=\"1.0\"?>\n<a x=\"<\"/>\n") != NULL);
	EXPECT_TRUE(json_valid("{\"a\": [1, -2, \"x\\n\", true, null, {}]}"));
	EXPECT_TRUE(!json_valid("{\"a\": [1,]}"));
	EXPECT_TRUE(!json_valid("{\"a\": \"\x01\"}"));
	EXPECT_TRUE(!json_valid("{\"a\": \"\xff\"}"));
	EXPECT_TRUE(!json_valid("{} {}"));
}

TEST(report_text_plain)
{
	struct rset s;
	rset_init(&s);
	char *out = render(REPORT_TEXT, s.res, 4, 0, 0);
	EXPECT_TRUE(!strchr(out, '\033'));
	EXPECT_CONTAINS(out, "PASS  fork (scenarios/fork.scn, kernel 6.12.117, 3.1s)\n");
	EXPECT_CONTAINS(out, "FAIL  bad (scenarios/bad <&> \"q\".scn, kernel 6.12.117, 2.0s): stop "
			     "do_syscall_64: frames differ; orig_ax == 56: got 57 (0x39)");
	EXPECT_CONTAINS(out, "      FAIL  stop do_syscall_64 at 1.5s: frames differ");
	EXPECT_CONTAINS(out, "expected do_syscall_64 (arch/x86/entry/common.c)\n");
	EXPECT_CONTAINS(out, "got      do_syscall_x64 at arch/x86/entry/common.c:52 (inlined)\n");
	EXPECT_CONTAINS(out, "      FAIL  stop kernel_clone: never reached\n");
	EXPECT_CONTAINS(out, "ERROR err (scenarios/err.scn, kernel 6.12.117): QEMU exited with "
			     "status 1\n");
	EXPECT_CONTAINS(out, "SKIP  new (scenarios/new.scn, kernel 6.12.117): needs kernel [>= 9.0], "
			     "this is 6.12.117\n");
	EXPECT_CONTAINS(out, "\n4 scenarios: 1 passed, 1 failed, 1 error, 1 skipped (stops: 2 "
			     "passed, 2 failed, 1 error) in 12.3s\n");
	/* a passing scenario is one line unless verbose */
	EXPECT_TRUE(!strstr(out, "stop user _Fork"));
	/* the control byte gdb sent does not reach the terminal */
	EXPECT_TRUE(!strchr(out, '\x01'));
	free(out);
	rset_release(&s);
}

TEST(report_text_color_and_verbose)
{
	struct rset s;
	rset_init(&s);
	char *out = render(REPORT_TEXT, s.res, 4, 1, 1);
	EXPECT_CONTAINS(out, "\033[32mPASS \033[0m \033[1mfork\033[0m");
	EXPECT_CONTAINS(out, "\033[31mFAIL \033[0m");
	EXPECT_CONTAINS(out, "\033[33mSKIP \033[0m");
	/* verbose: passing stops, narration, captured frames and values */
	EXPECT_CONTAINS(out, "stop user _Fork at 1.9s\n");
	EXPECT_CONTAINS(out, "| The syscall instruction jumped to MSR_LSTAR.\n");
	EXPECT_CONTAINS(out, "#0  do_syscall_64 at arch/x86/entry/common.c:74\n");
	EXPECT_CONTAINS(out, "#2  main at /src/fork.c:7\n");
	EXPECT_CONTAINS(out, " orig_ax == 56 (orig_ax = 56 (0x38))\n");
	EXPECT_CONTAINS(out, "lstar entry_SYSCALL_64 (MSR_LSTAR = 0xffffffff81400040)\n");
	EXPECT_CONTAINS(out, "\033[31mFAIL \033[0m orig_ax == 56: got 57 (0x39)\n");
	EXPECT_CONTAINS(out, "\033[31mFAIL \033[0m di == 1: could not read di: bad ? byte, <xml> & "
			     "\"quotes\" ?? #hash\n");
	free(out);
	rset_release(&s);
}

TEST(report_ktap_structure)
{
	struct rset s;
	char why[512];
	rset_init(&s);
	char *out = render(REPORT_KTAP, s.res, 4, 0, 0);
	const char *bad = ktap_check(out, why, sizeof(why));
	CHECK_(bad == NULL, 0, "%s in:\n%s", bad, out);
	EXPECT_TRUE(!strncmp(out, "KTAP version 1\n1..4\n  KTAP version 1\n  1..3\n", 44));
	/* scenario 1: lstar and two stops; the second stop has frames, user, a check */
	EXPECT_CONTAINS(out, "  ok 1 lstar entry_SYSCALL_64\n");
	EXPECT_CONTAINS(out, "    KTAP version 1\n    1..1\n    ok 1 user frames\n  ok 2 stop user "
			     "_Fork\n");
	EXPECT_CONTAINS(out, "    KTAP version 1\n    1..3\n    ok 1 frames\n    ok 2 user frames\n"
			     "    ok 3 orig_ax == 56\n  ok 3 stop do_syscall_64 syscall=clone\n");
	EXPECT_CONTAINS(out, "\nok 1 fork\n");
	/* scenario 2 fails with diagnostics, '#' kept out of descriptions */
	EXPECT_CONTAINS(out, "    # orig_ax == 56: got 57 (0x39)\n    not ok 2 orig_ax == 56\n");
	EXPECT_CONTAINS(out, "  #     scenarios/bad <&> \"q\".scn:5: expected do_syscall_64 "
			     "(arch/x86/entry/common.c)\n");
	EXPECT_CONTAINS(out, "  not ok 1 stop do_syscall_64\n");
	EXPECT_CONTAINS(out, "  # scenarios/bad <&> \"q\".scn:7: stop kernel_clone: never reached\n"
			     "  not ok 2 stop kernel_clone\n");
	EXPECT_CONTAINS(out, "\nnot ok 2 bad\n");
	/* the reason's first line only: the console tail is not pasted into it */
	EXPECT_CONTAINS(out, "\nnot ok 3 err # ERROR QEMU exited with status 1\n");
	EXPECT_CONTAINS(out, "  not ok 1 stop a # ERROR not reached: the run failed\n");
	EXPECT_CONTAINS(out, "\nok 4 new # SKIP needs kernel [>= 9.0], this is 6.12.117\n");
	EXPECT_CONTAINS(out, "# Totals: pass:1 fail:1 xfail:0 xpass:0 skip:1 error:1\n");
	EXPECT_TRUE(!strchr(out, '\x01'));
	free(out);
	rset_release(&s);
}

TEST(report_ktap_sanitises_descriptions)
{
	struct rfix fx;
	struct match_result res;
	char why[512];
	rfix_init(&fx, "t.scn", "scenario a#b\nprogram p\nstop f#1\n  regs di == 1\n", 10);
	rfix_value(rfix_stop(&fx, 1, 5, "f#1", ""), "di", 1, NULL);
	match_run(&res, &fx.sc, &fx.run, NULL);
	char *out = render(REPORT_KTAP, &res, 1, 0, 0);
	CHECK_(ktap_check(out, why, sizeof(why)) == NULL, 0, "%s in:\n%s", why, out);
	EXPECT_CONTAINS(out, "  ok 1 stop f_1\n");
	EXPECT_CONTAINS(out, "\nok 1 a_b\n");
	free(out);
	match_result_release(&res);
	obs_run_release(&fx.run);
	scenario_release(&fx.sc);
}

TEST(report_junit_wellformed)
{
	struct rset s;
	rset_init(&s);
	char *out = render(REPORT_JUNIT, s.res, 4, 0, 0);
	const char *bad = xml_check(out);
	CHECK_(bad == NULL, 0, "%s in:\n%s", bad, out);
	EXPECT_TRUE(!strncmp(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"kdive\"",
			     61));
	/* fork: lstar + 2 stops; bad: 2 stops; err: 1 stop + the run; new: the scenario */
	EXPECT_CONTAINS(out, "<testsuites name=\"kdive\" tests=\"8\" failures=\"2\" errors=\"2\" "
			     "time=\"12.345\">\n");
	EXPECT_CONTAINS(out, "  <testsuite name=\"fork\" tests=\"3\" failures=\"0\" errors=\"0\" "
			     "skipped=\"0\" time=\"3.100\" file=\"scenarios/fork.scn\">\n");
	EXPECT_CONTAINS(out, "file=\"scenarios/bad &lt;&amp;&gt; &quot;q&quot;.scn\"");
	EXPECT_CONTAINS(out, "<testcase classname=\"fork\" name=\"stop user _Fork\" time=\"1.900\"/>");
	EXPECT_CONTAINS(out, "<testcase classname=\"fork\" name=\"stop do_syscall_64 syscall=clone\" "
			     "time=\"1.000\"/>");
	EXPECT_CONTAINS(out, "<failure message=\"frames differ; orig_ax == 56: got 57 (0x39) (and 1 "
			     "more check)\" type=\"mismatch\">");
	EXPECT_CONTAINS(out, "got      (unreadable: bad \xef\xbf\xbd byte, &lt;xml&gt; &amp; "
			     "&quot;quotes&quot; \xef\xbf\xbd\xef\xbf\xbd #hash)\n");
	EXPECT_CONTAINS(out, "<failure message=\"never reached\" type=\"mismatch\">");
	EXPECT_CONTAINS(out, "<error message=\"QEMU exited with status 1&#10;console: &lt;panic&gt;\" "
			     "type=\"infrastructure\">");
	EXPECT_CONTAINS(out, "<skipped message=\"needs kernel [&gt;= 9.0], this is 6.12.117\"/>");
	EXPECT_CONTAINS(out, "</testsuites>\n");
	free(out);
	rset_release(&s);
}

TEST(report_json_valid)
{
	struct rset s;
	rset_init(&s);
	char *out = render(REPORT_JSON, s.res, 4, 0, 0);
	CHECK_(json_valid(out), 0, "invalid JSON:\n%s", out);
	static const char *const keys[] = {
		"\"scenarios\": [", "\"summary\": {", "\"timings\": {", "\"name\": \"fork\"",
		"\"file\": \"scenarios/fork.scn\"", "\"result\": \"pass\"", "\"result\": \"fail\"",
		"\"result\": \"error\"", "\"result\": \"skip\"", "\"stops\": [", "\"frames\": [",
		"\"user_frames\": [", "\"checks\": [", "\"func\": \"do_syscall_64\"",
		"\"file\": \"arch/x86/entry/common.c\"", "\"line\": 74", "\"inlined\": true",
		"\"inlined\": false", "\"line\": null", "\"expected\": 56", "\"actual\": 57",
		"\"actual_hex\": \"0x39\"", "\"actual\": null", "\"reached\": false",
		"\"value\": \"0xffffffff81400040\"", "\"exit_code\": 3", "\"total_ms\": 12345",
		"\"build_ms\": 678", "\"boot_ms\": 1550", "\"scenarios_ms\": 5100",
		"\"error\": \"QEMU exited with status 1\\nconsole: <panic>\"",
		"\"file\": \"scenarios/bad <&> \\\"q\\\".scn\"",
		"\"error\": \"bad \\u0001 byte, <xml> & \\\"quotes\\\" \xef\xbf\xbd\xef\xbf\xbd #hash\"",
		"\"kernel_version\": \"6.12.117\"", "\"space\": \"user\"", "\"syscall\": \"clone\"",
		"\"expected_frames\": [", "\"diff\": \"scenarios/bad",
	};
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		EXPECT_CONTAINS(out, keys[i]);
	EXPECT_CONTAINS(out, "  \"summary\": {\n    \"scenarios\": 4,\n    \"pass\": 1,\n    "
			     "\"fail\": 1,\n    \"error\": 1,\n    \"skip\": 1,\n");
	free(out);
	rset_release(&s);
}

/*
 * A frame is written one way (obs_frames_write): what kdive serve's frames command
 * answers (compact) and what the JSON report holds (pretty) read back as the same
 * frames, a missing file or line null in both.
 */
TEST(report_json_frames_are_serves_frames)
{
	struct rset s;
	struct json_error err;
	struct strbuf serve = STRBUF_INIT;
	struct json j;
	rset_init(&s);
	char *out = render(REPORT_JSON, s.res, 4, 0, 0);
	struct json_value *doc = json_parse(out, strlen(out), &err);
	CHECK_(doc != NULL, 1, "report JSON: %s (column %zu)", err.message, err.column);
	static const struct { size_t scenario, stop; } at[] = { { 0, 1 }, { 1, 0 } };
	for (size_t k = 0; k < ARRAY_SIZE(at); k++) {
		const struct obs_stop *o = &s.fx[at[k].scenario].run.stops[at[k].stop];
		const struct json_value *stop = json_value_at(
			json_value_find(json_value_at(json_value_find(doc, "scenarios"), at[k].scenario),
					"stops"),
			at[k].stop);
		strbuf_reset(&serve);
		json_init(&j, &serve, 0);
		json_open(&j, NULL, '{');
		obs_frames_write(&j, "frames", o->frames, o->nframes);
		obs_frames_write(&j, "user_frames", o->user, o->nuser);
		json_finish(&j);
		struct json_value *want = json_parse(serve.buf, serve.len, &err);
		ASSERT_TRUE(want != NULL);
		EXPECT_TRUE(json_value_count(json_value_find(want, "frames")) > 0);
		EXPECT_TRUE(json_value_equal(json_value_find(stop, "frames"),
					     json_value_find(want, "frames")));
		EXPECT_TRUE(json_value_equal(json_value_find(stop, "user_frames"),
					     json_value_find(want, "user_frames")));
		json_value_free(want);
	}
	json_value_free(doc);
	free(out);
	strbuf_release(&serve);
	rset_release(&s);
}

TEST(report_empty)
{
	char why[256];
	char *out = render(REPORT_JSON, NULL, 0, 0, 0);
	EXPECT_TRUE(json_valid(out));
	EXPECT_CONTAINS(out, "\"scenarios\": []");
	EXPECT_CONTAINS(out, "\"exit_code\": 4");
	free(out);
	out = render(REPORT_JUNIT, NULL, 0, 0, 0);
	EXPECT_TRUE(xml_check(out) == NULL);
	free(out);
	out = render(REPORT_KTAP, NULL, 0, 0, 0);
	EXPECT_TRUE(ktap_check(out, why, sizeof(why)) == NULL);
	EXPECT_TRUE(!strncmp(out, "KTAP version 1\n1..0\n", 20));
	free(out);
	out = render(REPORT_TEXT, NULL, 0, 0, 0);
	EXPECT_CONTAINS(out, "0 scenarios: 0 passed, 0 failed, 0 errors, 0 skipped");
	free(out);
}

TEST(report_streaming_matches_write)
{
	struct rset s;
	rset_init(&s);
	for (int f = REPORT_TEXT; f <= REPORT_KCIDB; f++) {
		struct strbuf all = STRBUF_INIT, chunk = STRBUF_INIT;
		struct report r;
		struct report_timings t = { 12345, 678 };
		struct report_opts o = { 0, 0, cli_exit_code };
		report_begin(&r, (enum report_format)f, &chunk, 4, &o);
		for (int i = 0; i < 4; i++) {
			report_scenario(&r, &s.res[i]);
			/* the caller may flush between scenarios */
			strbuf_add(&all, chunk.buf, chunk.len);
			strbuf_reset(&chunk);
		}
		report_end(&r, &t);
		strbuf_add(&all, chunk.buf, chunk.len);
		char *whole = render((enum report_format)f, s.res, 4, 0, 0);
		EXPECT_STREQ(all.buf, whole);
		free(whole);
		strbuf_release(&all);
		strbuf_release(&chunk);
	}
	rset_release(&s);
}

TEST(report_format_names)
{
	enum report_format f = REPORT_TEXT;
	EXPECT_EQ(report_format_parse("json", &f), 0);
	EXPECT_EQ(f, REPORT_JSON);
	EXPECT_EQ(report_format_parse("ktap", &f), 0);
	EXPECT_EQ(f, REPORT_KTAP);
	EXPECT_EQ(report_format_parse("junit", &f), 0);
	EXPECT_EQ(report_format_parse("text", &f), 0);
	EXPECT_EQ(f, REPORT_TEXT);
	EXPECT_EQ(report_format_parse("xml", &f), -1);
	EXPECT_EQ(report_format_parse(NULL, &f), -1);
	EXPECT_STREQ(report_format_name(REPORT_JUNIT), "junit");
	EXPECT_EQ(report_format_parse("kcidb", &f), 0);
	EXPECT_EQ(f, REPORT_KCIDB);
}

TEST(report_kcidb_v5)
{
	/* One valid JSON document: a checkout and a build for the kernel, a test per
	 * scenario and per stop with ids and paths the schema accepts, statuses mapped. */
	struct rset s;
	rset_init(&s);
	struct strbuf out = STRBUF_INIT;
	struct report_opts o = { 0, 0, NULL, 1, "T1" };
	report_write(REPORT_KCIDB, s.res, 4, NULL, &o, &out);
	CHECK_(json_valid(out.buf), 0, "invalid JSON:\n%s", out.buf);
	static const char *const keys[] = {
		"{\"version\":{\"major\":5,\"minor\":3},\"checkouts\":[{\"id\":\"kdive:checkout-",
		"\"builds\":[{\"id\":\"kdive:build-", "\"checkout_id\":\"kdive:checkout-",
		"\"architecture\":\"x86_64\"", "\"tests\":[{\"id\":\"kdive:T1-0\"",
		"\"id\":\"kdive:T1-0-2\"", "\"path\":\"kdive.fork\"",
		"\"path\":\"kdive.fork.do_syscall_64\"", "\"path\":\"kdive.bad.kernel_clone\"",
		"\"status\":\"PASS\"", "\"status\":\"FAIL\"", "\"status\":\"MISS\"",
		"\"status\":\"SKIP\"", "\"origin\":\"kdive\"", "\"duration\":3.100",
		"\"log_excerpt\":\"QEMU exited with status 1\\nconsole: <panic>\"",
		"\"comment\":\"never reached\"",
	};
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		EXPECT_CONTAINS(out.buf, keys[i]);
	/* One kernel: one checkout, one build; no null anywhere (the schema allows none). */
	EXPECT_TRUE(strstr(out.buf, "null") == NULL);
	const char *b = strstr(out.buf, "\"builds\":[");
	EXPECT_TRUE(b && !strstr(strstr(b, "\"checkout_id\"") + 1, "\"checkout_id\""));
	strbuf_release(&out);
	rset_release(&s);
}


TEST(report_names_kernels_and_tables_them)
{
	struct rset s;
	rset_init(&s);
	static const struct obs_kernel k61 = {
		.name = "6.1", .version = "6.1.192", .source = "linux-source-6.1", .key = "abc",
		.source_id = "tarball sha256 5e5e", .package = "linux-source-6.1",
		.package_version = "6.1.192-3",
	};
	static const struct obs_kernel k612 = { "6.12", "6.12.117", "linux-source-6.12", NULL };
	s.res[0].kernel = &k61;
	s.res[1].kernel = &k612;
	struct strbuf out = STRBUF_INIT;
	struct report_opts o = { 0, 0, cli_exit_code, 2 };
	report_write(REPORT_TEXT, s.res, 2, NULL, &o, &out);
	/* one row per scenario, one column per kernel, "-" where it did not run */
	EXPECT_CONTAINS(out.buf, "\nscenario  6.1.192     6.12.117\n");
	EXPECT_CONTAINS(out.buf, "\nfork      pass        -\n");
	strbuf_reset(&out);
	report_write(REPORT_KTAP, s.res, 2, NULL, &o, &out);
	EXPECT_CONTAINS(out.buf, "ok 1 fork@6.1.192\n");
	strbuf_reset(&out);
	report_write(REPORT_JUNIT, s.res, 2, NULL, &o, &out);
	/* Jenkins splits a classname at its last dot: JUnit names have none */
	EXPECT_CONTAINS(out.buf, "<testsuite name=\"fork@6_1_192\"");
	EXPECT_CONTAINS(out.buf, "<testcase classname=\"fork@6_1_192\" name=\"lstar ");
	EXPECT_CONTAINS(out.buf, "<property name=\"kernel_version\" value=\"6.12.117\"/>");
	EXPECT_TRUE(!strstr(out.buf, "classname=\"fork@6.") && !strstr(out.buf, "classname=\"bad@6."));
	strbuf_reset(&out);
	report_write(REPORT_JSON, s.res, 2, NULL, &o, &out);
	EXPECT_CONTAINS(out.buf, "\"kernel\": {\n        \"name\": \"6.1\",\n        \"version\": "
				 "\"6.1.192\",\n        \"source\": \"linux-source-6.1\",\n        "
				 "\"config_key\": \"abc\",\n        \"source_id\": \"tarball sha256 "
				 "5e5e\",\n        \"commit\": null,\n        \"package\": "
				 "\"linux-source-6.1\",\n        \"package_version\": \"6.1.192-3\",\n        "
				 "\"build_error\": null\n"
				 "      }");
	strbuf_release(&out);
	rset_release(&s);
}

TEST(report_a_kernel_that_did_not_build)
{
	/* fork ran on 6.1; 6.12 did not build: its scenario is an error in every format,
	 * named by the kernel's name (it has no release), and in KCIDB a FAIL build with
	 * the log's last lines and no test. */
	struct rset s;
	struct match_result bad;
	struct obs_run run = { .program_status = -1 };
	static const struct obs_kernel k61 = { .name = "6.1", .version = "6.1.192",
					       .source = "linux-source-6.1", .key = "abc" };
	static const struct obs_kernel k612 = {
		.name = "6.12", .source = "linux-source-6.12", .key = "def",
		.source_id = "tarball sha256 5e5e",
		.build_error = "error: configuring the kernel failed: 'make' exited with status 2; "
			       "last lines of the log:\n  | fake kernel: <no> configuration\n"
			       "full log: /c/kernel/def/build.log",
	};
	struct strbuf why = STRBUF_INIT, out = STRBUF_INIT;
	rset_init(&s);
	s.res[0].kernel = &k61;
	report_build_failure(&k612, &why);
	EXPECT_STREQ(why.buf, "kernel 6.12 did not build: configuring the kernel failed: 'make' "
			      "exited with status 2 (full log: /c/kernel/def/build.log)\n"
			      "  | fake kernel: <no> configuration");
	run.error = why.buf;
	match_error(&bad, &s.fx[0].sc, &run);
	bad.kernel = &k612;
	EXPECT_EQ(bad.status, MATCH_ERROR);
	EXPECT_STREQ(bad.reason, "kernel 6.12 did not build: configuring the kernel failed: 'make' "
				 "exited with status 2 (full log: /c/kernel/def/build.log)");
	struct match_result two[2] = { s.res[0], bad };
	struct report_opts o = { .exit_code = cli_exit_code, .nkernels = 2, .run_id = "R" };
	char whyk[256];

	report_write(REPORT_TEXT, two, 2, NULL, &o, &out);
	EXPECT_CONTAINS(out.buf, "\nscenario  6.1.192     6.12\n");
	EXPECT_CONTAINS(out.buf, "\nfork      pass        error\n");
	EXPECT_CONTAINS(out.buf, "\nERROR fork (scenarios/fork.scn): kernel 6.12 did not build: "
				 "configuring the kernel failed: 'make' exited with status 2 (full "
				 "log: /c/kernel/def/build.log)\n");
	strbuf_reset(&out);
	report_write(REPORT_KTAP, two, 2, NULL, &o, &out);
	CHECK_(ktap_check(out.buf, whyk, sizeof(whyk)) == NULL, 0, "%s in:\n%s", whyk, out.buf);
	EXPECT_CONTAINS(out.buf, "not ok 2 fork@6.12 # ERROR");
	EXPECT_CONTAINS(out.buf, "# error: kernel 6.12 did not build: configuring the kernel failed");
	strbuf_reset(&out);
	report_write(REPORT_JUNIT, two, 2, NULL, &o, &out);
	const char *badxml = xml_check(out.buf);
	CHECK_(badxml == NULL, 0, "%s in:\n%s", badxml, out.buf);
	EXPECT_CONTAINS(out.buf, "<testsuite name=\"fork@6_12\"");
	EXPECT_CONTAINS(out.buf, "<error message=\"kernel 6.12 did not build: configuring the "
				 "kernel failed");
	strbuf_reset(&out);
	report_write(REPORT_KCIDB, two, 2, NULL, &o, &out);
	CHECK_(json_valid(out.buf), 0, "invalid JSON:\n%s", out.buf);
	EXPECT_CONTAINS(out.buf, "\"config_name\":\"kdive\",\"status\":\"FAIL\",\"log_excerpt\":"
				 "\"kernel 6.12 did not build: configuring the kernel failed: 'make' "
				 "exited with status 2 (full log: /c/kernel/def/build.log)\\n  | fake "
				 "kernel: <no> configuration\"");
	/* tests: fork's on 6.1 only (the scenario, its two stops, lstar is not a test) */
	EXPECT_TRUE(strstr(out.buf, "\"id\":\"kdive:R-0\"") && !strstr(out.buf, "\"id\":\"kdive:R-1\""));
	strbuf_reset(&out);
	report_write(REPORT_JSON, two, 2, NULL, &o, &out);
	EXPECT_CONTAINS(out.buf, "\"version\": null,");
	EXPECT_CONTAINS(out.buf, "\"build_error\": \"error: configuring the kernel failed: 'make' "
				 "exited with status 2; last lines of the log:\\n  | fake kernel: "
				 "<no> configuration\\nfull log: /c/kernel/def/build.log\"");
	strbuf_release(&out);
	strbuf_release(&why);
	match_result_release(&bad);
	rset_release(&s);
}
