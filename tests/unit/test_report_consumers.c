/*
 * Unit tests of the reports as their consumers' own tools read them: an errored test's
 * reason as KTAP diagnostics (kunit.py parse prints those, not the "# ERROR" text),
 * JUnit names without a dot (Jenkins splits a classname at its last dot), and a JSON
 * check's expected value as the scenario means it, with its hex twin.
 */
#include "report.h"
#include "test.h"
#include "strbuf.h"
#include "wrapper.h"

#include <stdlib.h>
#include <string.h>

struct cfix {
	struct scenario sc;
	struct obs_run run;
	struct match_result res;
};

static const struct obs_kernel cfix_kernel = { "6.12", "6.12.117", "linux-source-6.12", NULL };

/* text parsed; one stop observed (hit, with values v[] by name) or the run's error. */
static void cfix_init(struct cfix *f, const char *text, const char *error,
		      const char *const *names, const int64_t *v, size_t nv)
{
	struct strbuf err = STRBUF_INIT;
	memset(f, 0, sizeof(*f));
	CHECK_(scenario_parse(&f->sc, "t.scn", text, &err) == 0, 1, "bad fixture:\n%s", err.buf);
	strbuf_release(&err);
	f->run.kernel_version = xstrdup("6.12.117");
	f->run.kaslr_slot = -1;
	f->run.program_status = error ? -1 : 0;
	f->run.total_ms = 1000;
	f->run.stops = xcalloc(f->sc.nstops + 1, sizeof(*f->run.stops));
	f->run.nstops = f->sc.nstops;
	if (error) {
		f->run.error = xstrdup(error);
	} else if (f->sc.nstops) {
		struct obs_stop *st = &f->run.stops[0];
		st->hit = 1;
		st->values = xcalloc(nv + 1, sizeof(*st->values));
		for (size_t i = 0; i < nv; i++, st->nvalues++) {
			st->values[i].name = xstrdup(names[i]);
			st->values[i].value = v[i];
			st->values[i].ok = 1;
		}
	}
	match_run(&f->res, &f->sc, &f->run, NULL);
	f->res.kernel = &cfix_kernel;
}

static void cfix_release(struct cfix *f)
{
	match_result_release(&f->res);
	obs_run_release(&f->run);
	scenario_release(&f->sc);
}

static int cfix_exit_code(const size_t c[MATCH_NSTATUS])
{
	return c[MATCH_ERROR] ? 3 : c[MATCH_FAIL] ? 1 : c[MATCH_PASS] ? 0 : 4;
}

static char *cfix_render(struct cfix *f, enum report_format fmt)
{
	struct strbuf out = STRBUF_INIT;
	struct report_opts o = { .exit_code = cfix_exit_code, .run_id = "unit" };
	report_write(fmt, &f->res, 1, NULL, &o, &out);
	return strbuf_detach(&out, NULL);
}

/*
 * kunit.py parse prints a failed test's "# " lines that come before its result line and
 * drops the directive's text: the run's error, console lines and all, is there.
 */
TEST(report_ktap_error_reason_is_a_diagnostic)
{
	struct cfix f;
	cfix_init(&f, "scenario err\nprogram getpid\n", "QEMU exited with status 1\nconsole: <panic>",
		  NULL, NULL, 0);
	CHECK_(f.res.status == MATCH_ERROR, 1, "status %d", f.res.status);
	char *out = cfix_render(&f, REPORT_KTAP);
	EXPECT_CONTAINS(out, "\n# error: QEMU exited with status 1\n# console: <panic>\n"
			     "not ok 1 err@6.12.117 # ERROR QEMU exited with status 1\n");
	free(out);
	cfix_release(&f);
}

/* A stop that errored without a diff still says why, where kunit prints it. */
TEST(report_ktap_stop_error_reason_is_a_diagnostic)
{
	struct cfix f;
	cfix_init(&f, "scenario err\nprogram getpid\nstop __x64_sys_getpid\n", "gdb died", NULL,
		  NULL, 0);
	char *out = cfix_render(&f, REPORT_KTAP);
	const char *line = strstr(out, "  not ok 1 stop __x64_sys_getpid");
	CHECK_(line != NULL, 1, "no stop line in:\n%s", out);
	/* the line before the stop's result is a diagnostic at its level */
	const char *prev = line - 1;
	while (prev > out && prev[-1] != '\n')
		prev--;
	EXPECT_TRUE(!strncmp(prev, "  # ", 4));
	EXPECT_CONTAINS(out, "# error: gdb died\nnot ok 1 err@6.12.117 # ERROR gdb died\n");
	free(out);
	cfix_release(&f);
}

/* Jenkins reads "a.b@6.12.117" as package "a.b@6.12", class "117": no dot anywhere. */
TEST(report_junit_names_have_no_dot)
{
	struct cfix f;
	cfix_init(&f, "scenario dotted.name\nprogram getpid\n", NULL, NULL, NULL, 0);
	char *out = cfix_render(&f, REPORT_JUNIT);
	EXPECT_CONTAINS(out, "<testsuite name=\"dotted_name@6_12_117\"");
	EXPECT_CONTAINS(out, "<testcase classname=\"dotted_name@6_12_117\" name=\"scenario\"");
	EXPECT_CONTAINS(out, "<property name=\"kernel_version\" value=\"6.12.117\"/>");
	/* the xunit schema has "skipped" on a testsuite only */
	const char *top = strstr(out, "<testsuites");
	CHECK_(top != NULL, 1, "no <testsuites> in:\n%s", out);
	const char *skipped = strstr(top, "skipped");
	EXPECT_TRUE(!skipped || skipped > strchr(top, '>'));
	free(out);
	cfix_release(&f);
}

/*
 * "ip != 0xffffffff81000000" expects an unsigned 64-bit value (not -2130706432), "di ==
 * -2" and "ret" a signed one; each with its hex twin, like the actual value's.
 */
TEST(report_json_expected_as_written_with_hex)
{
	static const char *const names[] = { "ip", "di", "ret", "cs" };
	static const int64_t v[] = { 0x401000, -2, -14, 0x33 };
	struct cfix f;
	cfix_init(&f,
		  "scenario big\nprogram getpid\nstop __x64_sys_getpid finish\n"
		  "  regs ip != 0xffffffff81000000  ip < 0x7ffffffff000  di == -2\n"
		  "  regs ret == -EFAULT  cs == 0x33\n",
		  NULL, names, v, 4);
	CHECK_(f.res.status == MATCH_PASS, 1, "status %d: %s", f.res.status, f.res.reason);
	char *out = cfix_render(&f, REPORT_JSON);
	EXPECT_CONTAINS(out, "\"expected\": 18446744071578845184,\n"
			     "              \"expected_hex\": \"0xffffffff81000000\",\n");
	EXPECT_CONTAINS(out, "\"expected\": 140737488351232,\n"
			     "              \"expected_hex\": \"0x7ffffffff000\",\n");
	EXPECT_CONTAINS(out, "\"expected\": -2,\n"
			     "              \"expected_hex\": \"0xfffffffffffffffe\",\n");
	EXPECT_CONTAINS(out, "\"expected\": -14,\n"
			     "              \"expected_hex\": \"0xfffffffffffffff2\",\n");
	EXPECT_CONTAINS(out, "\"expected\": 51,\n              \"expected_hex\": \"0x33\",\n");
	EXPECT_TRUE(!strstr(out, "-2130706432"));
	free(out);
	cfix_release(&f);
}
