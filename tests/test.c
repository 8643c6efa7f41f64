/*
 * The unit-test runner behind tests/test.h: each test runs in a forked child in its
 * own process group with a time limit; output is TAP 13 with a closing summary line.
 */
#define _GNU_SOURCE
#include "test.h"
#include "wrapper.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_TESTS 512
#define EXIT_SKIP 77

struct test {
	const char *name; /* function name */
	test_fn fn;       /* the body */
	const char *file; /* source file */
	int timeout_s;    /* 0: the default */
};

static struct test tests[MAX_TESTS];
static int ntests;
static int failures; /* in the child: EXPECT failures so far */
static char tmpdir[4096];

void test_register(const char *name, test_fn fn, const char *file, int timeout_s)
{
	if (ntests == MAX_TESTS) {
		fprintf(stderr, "too many tests\n");
		exit(2);
	}
	tests[ntests++] = (struct test){ name, fn, file, timeout_s };
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	char buf[8192];
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* TAP diagnostics: every line behind "# ". */
	printf("# %s:%d: failed: ", file, line);
	for (char *p = buf; *p; p++) {
		putchar(*p);
		if (*p == '\n' && p[1])
			fputs("#   ", stdout);
	}
	putchar('\n');
	fflush(stdout);
	failures++;
}

void test_abort(void)
{
	fflush(stdout);
	coverage_flush();
	_exit(1);
}

void test_skip(const char *why)
{
	printf("# SKIP %s\n", why);
	fflush(stdout);
	coverage_flush();
	_exit(EXIT_SKIP);
}

const char *test_srcdir(void)
{
	const char *s = getenv("KDIVE_SRCDIR");
	return s && *s ? s : KDIVE_SRCDIR;
}

const char *test_tmpdir(void)
{
	return tmpdir;
}

static int run_one(const struct test *t, int idx, int default_timeout, const char *base)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s/%s", base, t->name);
	mkdir(tmpdir, 0700);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		failures = 0;
		t->fn();
		fflush(stdout);
		coverage_flush();
		_exit(failures ? 1 : 0);
	}
	int timeout = t->timeout_s ? t->timeout_s : default_timeout;
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	int status = 0, timed_out = 0;
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= timeout) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			timed_out = 1;
			break;
		}
		struct timespec ts = { 0, 2 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	/* Whatever the test left in its group goes too. */
	kill(-pid, SIGKILL);
	if (timed_out) {
		printf("# %s: timed out after %d s\nnot ok %d - %s\n", t->name, timeout, idx, t->name);
		return 1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_SKIP) {
		printf("ok %d - %s # SKIP\n", idx, t->name);
		return 2;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		printf("ok %d - %s\n", idx, t->name);
		return 0;
	}
	if (WIFSIGNALED(status))
		printf("# %s: killed by signal %d (%s)\n", t->name, WTERMSIG(status),
		       strsignal(WTERMSIG(status)));
	printf("not ok %d - %s\n", idx, t->name);
	return 1;
}

int main(int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : NULL;
	const char *env_to = getenv("KDIVE_TEST_TIMEOUT");
	int default_timeout = env_to ? atoi(env_to) : 60;
	int selected = 0, passed = 0, failed = 0, skipped = 0;
	/* Under $TMPDIR when it is absolute (tests/mutate gives each mutant its own). */
	const char *t = getenv("TMPDIR");
	char base[1024]; /* TMPDIR longer than that: mkdtemp fails, said below */
	snprintf(base, sizeof(base), "%s/kdive-unit.XXXXXX", t && *t == '/' ? t : "/tmp");

	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(base)) {
		perror("mkdtemp");
		return 2;
	}
	for (int i = 0; i < ntests; i++)
		if (!filter || strstr(tests[i].name, filter))
			selected++;
	printf("TAP version 13\n1..%d\n", selected);
	int idx = 0;
	for (int i = 0; i < ntests; i++) {
		if (filter && !strstr(tests[i].name, filter))
			continue;
		switch (run_one(&tests[i], ++idx, default_timeout, base)) {
		case 0: passed++; break;
		case 1: failed++; break;
		default: skipped++; break;
		}
	}
	if (!failed) {
		char cmd[4200];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", base);
	} else {
		printf("# scratch directories kept in %s\n", base);
	}
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
