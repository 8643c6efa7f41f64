/*
 * Unit tests of the command layer's pure parts: outcomes to exit codes, and how an
 * error buffer and progress reports are shown on stderr.
 */
#include "test.h"
#include "cli.h"
#include "match.h"
#include "progress.h"
#include "strbuf.h"
#include "usage.h"

#include <fcntl.h>
#include <unistd.h>

TEST(cli_exit_codes_from_results)
{
	struct match_result r[3];
	memset(r, 0, sizeof(r));
	EXPECT_EQ(cli_results_exit_code(r, 0), KDIVE_EXIT_SKIP);
	r[0].status = MATCH_PASS;
	r[1].status = MATCH_SKIP;
	EXPECT_EQ(cli_results_exit_code(r, 2), KDIVE_EXIT_PASS);
	r[0].status = MATCH_SKIP;
	EXPECT_EQ(cli_results_exit_code(r, 2), KDIVE_EXIT_SKIP);
	r[1].status = MATCH_FAIL;
	EXPECT_EQ(cli_results_exit_code(r, 2), KDIVE_EXIT_FAIL);
	r[2].status = MATCH_ERROR;
	EXPECT_EQ(cli_results_exit_code(r, 3), KDIVE_EXIT_INFRA);
	size_t counts[MATCH_NSTATUS] = { 0 };
	counts[MATCH_PASS] = 2;
	EXPECT_EQ(cli_exit_code(counts), KDIVE_EXIT_PASS);
	counts[MATCH_FAIL] = 1;
	EXPECT_EQ(cli_exit_code(counts), KDIVE_EXIT_FAIL);
}

TEST(cli_exit_codes_from_failures)
{
	EXPECT_EQ(cli_fail_exit_code(FAIL_INPUT), KDIVE_EXIT_USAGE);
	EXPECT_EQ(cli_fail_exit_code(FAIL_INFRA), KDIVE_EXIT_INFRA);
}

/* Run fn with stderr going to a file; returns what it wrote (caller frees). */
static char *capture_stderr(void (*fn)(void *), void *arg)
{
	char *path = malloc(strlen(test_tmpdir()) + 16);
	struct strbuf sb = STRBUF_INIT;
	sprintf(path, "%s/stderr", test_tmpdir());
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int saved = dup(2);
	fflush(stderr);
	dup2(fd, 2);
	close(fd);
	fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	strbuf_read_file(&sb, path);
	free(path);
	return strbuf_detach(&sb, NULL);
}

static void print_it(void *msg)
{
	cli_print_failure(msg);
}

TEST(cli_prints_failures_with_the_program_name_on_its_own_lines)
{
	struct strbuf err = STRBUF_INIT;
	strbuf_error(&err, "building the kernel failed: 'make' exited with status 2; last lines:");
	strbuf_addstr(&err, "  | make: *** [Makefile:1] Error 2\n");
	strbuf_addstr(&err, "full log: /c/build.log\n");
	strbuf_addstr(&err, "a.config:2:12: expected '=' after CONFIG_OOPS\n");
	strbuf_addstr(&err, "hint: request its dependencies too\n");
	char *out = capture_stderr(print_it, err.buf);
	EXPECT_STREQ(out, "kdive: error: building the kernel failed: 'make' exited with status 2; "
			  "last lines:\n"
			  "  | make: *** [Makefile:1] Error 2\n"
			  "kdive: full log: /c/build.log\n"
			  "a.config:2:12: expected '=' after CONFIG_OOPS\n"
			  "kdive: hint: request its dependencies too\n");
	free(out);
	strbuf_release(&err);
}

static void show_stages(void *arg)
{
	struct cli_progress d;
	struct progress p;
	cli_progress_init(&d, *(int *)arg, &p);
	progress_report(&p, PROGRESS_STAGE, "kernel: configuring, 0ms", NULL);
	progress_report(&p, PROGRESS_TICK, "kernel: configuring, 1.0s", "HOSTCC scripts/basic/fixdep");
	progress_report(&p, PROGRESS_DONE, NULL, NULL);
	progress_report(&p, PROGRESS_STAGE, "kernel: compiling, 1.2s", NULL);
}

TEST(cli_progress_lines_and_live_line)
{
	int mode = 1;
	char *out = capture_stderr(show_stages, &mode);
	/* Lines at each stage; ticks wait 20 s. */
	EXPECT_STREQ(out, "kdive: kernel: configuring, 0ms\nkdive: kernel: compiling, 1.2s\n");
	free(out);
	mode = 2;
	out = capture_stderr(show_stages, &mode);
	EXPECT_STREQ(out, "\r\033[K  kernel: configuring, 0ms"
			  "\r\033[K  kernel: configuring, 1.0s  HOSTCC scripts/basic/fixdep"
			  "\r\033[K"
			  "\r\033[K  kernel: compiling, 1.2s");
	free(out);
	mode = 0;
	out = capture_stderr(show_stages, &mode);
	EXPECT_STREQ(out, "");
	free(out);
}
