/* Unit tests for proc: spawning, exec failures, time-outs, stopping stubborn groups. */
#define _GNU_SOURCE
#include "test.h"
#include "proc.h"
#include "strbuf.h"
#include "strvec.h"
#include "timeutil.h"
#include "usage.h"
#include "wrapper.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

TEST(proc_captures_output_and_status)
{
	struct strbuf out = STRBUF_INIT;
	const char *argv[] = { "sh", "-c", "echo hello; echo err >&2; exit 3", NULL };
	int st = proc_run_capture(argv, &out, 1, 5000);
	ASSERT_TRUE(st >= 0);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 3);
	EXPECT_STREQ(out.buf, "hello\nerr\n");
	EXPECT_EQ(proc_live_count(), 0);
	strbuf_release(&out);
}

TEST(proc_missing_binary_is_a_clear_error)
{
	struct proc p = PROC_INIT;
	strvec_push(&p.args, "kdive-no-such-program");
	EXPECT_EQ(proc_start(&p), -1);
	proc_release(&p);
	struct proc q = PROC_INIT;
	strvec_push(&q.args, "/bin/true");
	q.dir = "/no/such/dir";
	EXPECT_EQ(proc_start(&q), -1);
	EXPECT_EQ(proc_live_count(), 0);
	proc_release(&q);
}

static int reported; /* messages that reached the diagnostics sink */

static void count_diag(enum diag_level level, const char *msg, void *ctx)
{
	(void)level, (void)msg, (void)ctx;
	reported++;
}

TEST(proc_quiet_capture_says_why_in_err_only)
{
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	const char *missing[] = { "kdive-no-such-program", NULL };
	const char *slow[] = { "sleep", "5", NULL };
	diag_set_sink(count_diag, NULL, DIAG_DEBUG);
	EXPECT_EQ(proc_run_capture_quiet(missing, &out, 1, 5000, &err), -1);
	EXPECT_STREQ(err.buf, "cannot run 'kdive-no-such-program': not found in PATH");
	strbuf_reset(&err);
	EXPECT_EQ(proc_run_capture_quiet(slow, &out, 1, 100, &err), -1);
	EXPECT_STREQ(err.buf, "'sleep' did not finish within 100 ms");
	EXPECT_EQ(reported, 0);
	EXPECT_EQ(proc_live_count(), 0);
	/* The loud one reports the same through the sink. */
	EXPECT_EQ(proc_run_capture(missing, &out, 1, 5000), -1);
	EXPECT_EQ(reported, 1);
	diag_set_sink(NULL, NULL, DIAG_ERROR);
	strbuf_release(&out);
	strbuf_release(&err);
}

/* Processes of group pgid that are not zombies (a zombie waits for init, not for us). */
static int live_in_group(pid_t pgid)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;
	while (d && (de = readdir(d))) {
		char path[300], buf[512];
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f)) {
			char *p = strrchr(buf, ')');
			char state;
			int ppid, pgrp;
			if (p && sscanf(p + 2, "%c %d %d", &state, &ppid, &pgrp) == 3 &&
			    pgrp == pgid && state != 'Z')
				n++;
		}
		fclose(f);
	}
	if (d)
		closedir(d);
	return n;
}

TEST(proc_stop_kills_a_child_that_ignores_sigterm)
{
	struct proc p = PROC_INIT;
	/* The child and a grandchild both ignore SIGTERM. */
	strvec_pushl(&p.args, "sh", "-c", "trap '' TERM; sleep 60 & trap '' TERM; sleep 60", NULL);
	p.out = PROC_NULL;
	ASSERT_EQ(proc_start(&p), 0);
	pid_t pid = p.pid;
	EXPECT_EQ(proc_wait(&p, now_ms() + 200), 1); /* still running: time-out */
	int64_t t0 = now_ms();
	proc_stop(&p, 300);
	EXPECT_LT(now_ms() - t0, 3000);
	EXPECT_TRUE(p.reaped);
	EXPECT_TRUE(WIFSIGNALED(p.status) && WTERMSIG(p.status) == SIGKILL);
	/* No zombie, and the whole group is gone. */
	EXPECT_EQ(waitpid(pid, NULL, WNOHANG), -1);
	usleep(100000);
	EXPECT_EQ(live_in_group(pid), 0);
	EXPECT_EQ(proc_live_count(), 0);
	proc_release(&p);
}

TEST(proc_pump_times_out_and_stops_the_child)
{
	struct proc p = PROC_INIT;
	strvec_pushl(&p.args, "sh", "-c", "echo started; exec sleep 60", NULL);
	p.out = PROC_PIPE;
	ASSERT_EQ(proc_start(&p), 0);
	int64_t t0 = now_ms();
	int r = proc_pump(&p, NULL, NULL, 50, now_ms() + 300);
	EXPECT_EQ(r, -1);
	EXPECT_LT(now_ms() - t0, 4000);
	EXPECT_TRUE(p.reaped);
	EXPECT_EQ(proc_live_count(), 0);
	proc_release(&p);
}

TEST(proc_child_gets_no_inherited_fds_and_own_group)
{
	struct strbuf out = STRBUF_INIT;
	int fds[2];
	ASSERT_EQ(pipe(fds), 0); /* deliberately without O_CLOEXEC */
	const char *argv[] = { "sh", "-c", "ls /proc/self/fd | wc -l; ps -o pgid= -p $$ 2>/dev/null || cut -d' ' -f5 /proc/$$/stat; echo $$", NULL };
	ASSERT_TRUE(proc_run_capture(argv, &out, 0, 5000) == 0);
	/* 0, 1, 2 and the directory ls reads: 4. */
	EXPECT_TRUE(!strncmp(out.buf, "4\n", 2));
	/* pgid == pid. */
	char *second = strchr(out.buf, '\n') + 1;
	char *third = strchr(second, '\n') + 1;
	EXPECT_EQ(atoi(second), atoi(third));
	close(fds[0]);
	close(fds[1]);
	strbuf_release(&out);
}

TEST(proc_describes_statuses)
{
	struct strbuf sb = STRBUF_INIT;
	proc_describe_status(&sb, 2 << 8);
	EXPECT_STREQ(sb.buf, "exited with status 2");
	strbuf_reset(&sb);
	proc_describe_status(&sb, SIGKILL);
	EXPECT_CONTAINS(sb.buf, "killed by signal 9");
	strbuf_release(&sb);
}

/* Is pid gone (or a zombie nobody reaped yet)? */
static int pid_dead(pid_t pid)
{
	char path[64], buf[256];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return 1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *q = strrchr(buf, ')');
	return q && q[1] == ' ' && (q[2] == 'Z' || q[2] == 'X');
}

/*
 * A "kdive" (a forked copy of this test) starts a shell that starts a grandchild,
 * then dies by SIGKILL, which no handler sees: the grandchild, which
 * PR_SET_PDEATHSIG does not reach, must die anyway (the watcher). With ignore_term
 * the group ignores SIGTERM, so a soft child must still die by the SIGKILL that
 * follows the grace period. The grandchild's pid; the shell's in *child.
 */
static pid_t orphan_after_sigkill(int soft, int ignore_term, pid_t *child)
{
	int pfd[2];
	if (pipe(pfd) < 0)
		return -1;
	pid_t k = fork();
	if (k == 0) {
		struct proc p = PROC_INIT;
		strvec_pushl(&p.args, "sh", "-c",
			     ignore_term ? "trap '' TERM; sleep 60 & echo $$ $!; wait"
					 : "sleep 60 & echo $$ $!; wait", NULL);
		p.in = PROC_NULL;
		p.out = PROC_FD;
		p.out_fd = pfd[1];
		p.soft_stop = soft;
		if (proc_start(&p) < 0)
			_exit(1);
		pause();
		_exit(0);
	}
	close(pfd[1]);
	char buf[64] = { 0 };
	ssize_t n = read(pfd[0], buf, sizeof(buf) - 1);
	close(pfd[0]);
	kill(k, SIGKILL);
	waitpid(k, NULL, 0);
	int sh = 0, g = 0;
	if (n <= 0 || sscanf(buf, "%d %d", &sh, &g) != 2)
		return -1;
	if (child)
		*child = sh;
	return g;
}

/* How long pid took to die, or -1 when it outlived ms (then it is killed: no test
 * leaves a process behind). */
static int64_t dies_within(pid_t pid, int64_t ms)
{
	int64_t t0 = now_ms();
	while (!pid_dead(pid) && now_ms() - t0 < ms)
		usleep(20000);
	if (pid_dead(pid))
		return now_ms() - t0;
	kill(pid, SIGKILL);
	return -1;
}

TEST(proc_grandchildren_die_with_a_killed_kdive)
{
	pid_t g = orphan_after_sigkill(0, 0, NULL);
	ASSERT_TRUE(g > 0);
	int64_t ms = dies_within(g, 5000);
	EXPECT_TRUE(ms >= 0 && ms < 1000);
}

TEST(proc_soft_children_get_sigterm_then_sigkill)
{
	/* SIGTERM at once: well before the 3 s grace period is over (2.5 s: a loaded machine). */
	pid_t g = orphan_after_sigkill(1, 0, NULL);
	ASSERT_TRUE(g > 0);
	int64_t ms = dies_within(g, 5000);
	EXPECT_TRUE(ms >= 0 && ms < 2500);
	g = orphan_after_sigkill(1, 1, NULL); /* ignores SIGTERM: SIGKILL after the grace */
	ASSERT_TRUE(g > 0);
	ms = dies_within(g, 10000);
	EXPECT_TRUE(ms >= 2000);
}

TEST(proc_child_dies_with_kdive_at_once)
{
	/* PR_SET_PDEATHSIG: the child itself gets SIGKILL the moment kdive dies, even a
	 * soft one that ignores the watcher's SIGTERM (its own child waits for the grace). */
	pid_t sh = 0, g = orphan_after_sigkill(1, 1, &sh);
	ASSERT_TRUE(g > 0 && sh > 0);
	int64_t ms = dies_within(sh, 5000);
	EXPECT_TRUE(ms >= 0 && ms < 1500);
	dies_within(g, 10000);
}

/*
 * The watcher and pid reuse: kdive may die between reaping a child and telling its
 * watcher, and the child's number is then free for a stranger (and, with it, the
 * group id, if the stranger leads a group) before the watcher acts. Waiting for
 * the pid space to wrap would be slow and racy; instead this runs as the init of a
 * pid namespace of the test's own, where nothing else takes pids and clone3()'s
 * set_tid gives the stranger exactly the reaped child's pid. A "kdive" starts a
 * child (its own group's leader, or a lone process with keep_group), kills and reaps
 * it behind proc's back, the stranger takes its pid, kdive exits. Returns 0 when the
 * watcher left the stranger alone, 1 when it killed it, 3 when the set-up failed, 4
 * when set_tid was refused.
 */
static int pid_reuse_init(int keep_group)
{
	int up[2], go[2];
	pid_t child = 0;
	char c;
	if (pipe(up) < 0 || pipe(go) < 0)
		return 3;
	pid_t kdive = fork();
	if (kdive < 0)
		return 3;
	if (kdive == 0) {
		struct proc p = PROC_INIT;
		close(up[0]);
		close(go[1]);
		strvec_pushl(&p.args, "sleep", "60", NULL);
		p.in = PROC_NULL;
		p.keep_group = keep_group;
		if (proc_start(&p) < 0)
			_exit(3);
		kill(p.pid, SIGKILL);
		waitpid(p.pid, NULL, 0); /* the watcher is not told */
		if (write(up[1], &p.pid, sizeof(p.pid)) != sizeof(p.pid))
			_exit(3);
		if (read(go[0], &c, 1) < 0) /* until the stranger has its pid */
			_exit(3);
		_exit(0);
	}
	close(up[1]);
	close(go[0]);
	if (read(up[0], &child, sizeof(child)) != sizeof(child))
		return 3;
	struct clone_args ca = { .exit_signal = SIGCHLD, .set_tid = (uintptr_t)&child,
				 .set_tid_size = 1 };
	pid_t stranger = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	if (stranger == 0) {
		close(go[1]); /* kdive must see it closed */
		if (!keep_group)
			setpgid(0, 0);
		pause();
		_exit(0);
	}
	if (stranger > 0 && !keep_group)
		setpgid(stranger, stranger); /* before kdive exits, whoever runs first */
	close(go[1]); /* kdive exits: its watcher acts */
	if (stranger != child)
		return 4;
	for (int reaped = 0; reaped < 2;) { /* kdive and its watcher, orphaned to us */
		pid_t r = waitpid(-1, NULL, 0);
		if (r == stranger)
			return 1;
		if (r < 0)
			return 3;
		reaped++;
	}
	return waitpid(stranger, NULL, WNOHANG) == 0 ? 0 : 1;
}

/* pid_reuse_init() in a new pid namespace (a user namespace too when not root). */
static void watcher_meets_a_stranger(int keep_group)
{
	if (unshare(CLONE_NEWPID) < 0 && unshare(CLONE_NEWUSER | CLONE_NEWPID) < 0)
		SKIP("no pid namespace of our own here");
	pid_t init = fork();
	ASSERT_TRUE(init >= 0);
	if (init == 0)
		_exit(pid_reuse_init(keep_group));
	int st = 0;
	int64_t end = now_ms() + 15000;
	while (waitpid(init, &st, WNOHANG) == 0) {
		if (now_ms() > end) {
			kill(init, SIGKILL); /* its namespace goes with it */
			waitpid(init, &st, 0);
			CHECK_(0, 1, "the watcher did not finish within 15 s");
		}
		usleep(10000);
	}
	int r = WIFEXITED(st) ? WEXITSTATUS(st) : 3;
	if (r == 4)
		SKIP("clone3() refused set_tid (Linux < 5.5?)");
	CHECK_(r != 1, 0, "the watcher killed a stranger that took a reaped child's pid");
	CHECK_(r == 0 || r == 1, 0, "the set-up failed (%d)", r);
}

TEST(proc_watcher_spares_a_stranger_with_a_reaped_groups_id)
{
	watcher_meets_a_stranger(0);
}

TEST(proc_watcher_spares_a_stranger_with_a_reaped_lone_childs_pid)
{
	watcher_meets_a_stranger(1);
}

TEST(proc_share_fd_is_the_childs_fd_3)
{
	/* A descriptor without O_CLOEXEC's protection would leak; share_fd is passed on
	 * as fd 3, and nothing else beyond 0..2. */
	char *path = xstrfmt("%s/lock", test_tmpdir());
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	ASSERT_TRUE(fd >= 0);
	int high = fcntl(fd, F_DUPFD_CLOEXEC, 10);
	ASSERT_TRUE(high >= 10);
	struct strbuf out = STRBUF_INIT;
	struct proc p = PROC_INIT;
	/* No pipeline: the shell would hold the pipe's ends while ls looks. */
	strvec_pushl(&p.args, "sh", "-c", "readlink /proc/$$/fd/3; ls /proc/$$/fd", NULL);
	p.in = PROC_NULL;
	p.out = PROC_PIPE;
	p.share_fd = high;
	ASSERT_EQ(proc_start(&p), 0);
	ASSERT_EQ(strbuf_read_fd(&out, p.out_fd), 0);
	ASSERT_EQ(proc_wait(&p, now_ms() + 5000), 0);
	char *want = xstrfmt("%s\n0\n1\n2\n3\n", path);
	EXPECT_STREQ(out.buf, want);
	proc_release(&p);
	close(high);
	close(fd);
	free(want);
	free(path);
	strbuf_release(&out);
}

/* Workers: task i writes "<i>:<pid>"; task 3 dies by a signal before it writes. */
struct wtest {
	int seen[8];
	int status[8];
	char got[8][32];
	int ended;         /* wtest_end() ran here */
};

static void wtest_end(void *ctx)
{
	((struct wtest *)ctx)->ended++;
}

static void wtest_work(void *ctx, size_t i, struct strbuf *out)
{
	(void)ctx;
	if (i == 3)
		raise(SIGKILL);
	strbuf_addf(out, "%zu:%d", i, (int)getpid());
}

static void wtest_done(void *ctx, size_t i, const char *data, size_t len, int status)
{
	struct wtest *w = ctx;
	w->seen[i]++;
	w->status[i] = status;
	snprintf(w->got[i], sizeof(w->got[i]), "%.*s", (int)len, data);
}

TEST(proc_workers_run_each_task_once_and_report_deaths)
{
	struct wtest w;
	memset(&w, 0, sizeof(w));
	proc_run_workers(6, 3, wtest_work, wtest_done, NULL, &w);
	for (int i = 0; i < 6; i++) {
		EXPECT_EQ(w.seen[i], 1);
		if (i == 3) {
			EXPECT_TRUE(WIFSIGNALED(w.status[i]) && WTERMSIG(w.status[i]) == SIGKILL);
			EXPECT_STREQ(w.got[i], "");
			continue;
		}
		char want[16];
		snprintf(want, sizeof(want), "%d:", i);
		EXPECT_EQ(w.status[i], 0);
		EXPECT_TRUE(!strncmp(w.got[i], want, strlen(want)));
		/* In a worker, not here. */
		EXPECT_NE(atoi(strchr(w.got[i], ':') + 1), (int)getpid());
	}
	EXPECT_EQ(proc_live_count(), 0);
}

/* Tasks 0..5 write "<i>:<pid>", and how many tasks this worker ran before. */
static void wtest_count_work(void *ctx, size_t i, struct strbuf *out)
{
	static int ran; /* per worker: each is a process of its own */
	(void)ctx;
	strbuf_addf(out, "%zu:%d:%d", i, (int)getpid(), ran++);
}

TEST(proc_workers_take_one_task_after_another)
{
	struct wtest w;
	memset(&w, 0, sizeof(w));
	proc_run_workers(6, 2, wtest_count_work, wtest_done, NULL, &w);
	int pids[6], distinct = 0, later = 0;
	for (int i = 0; i < 6; i++) {
		EXPECT_EQ(w.seen[i], 1);
		EXPECT_EQ(w.status[i], 0);
		const char *p = strchr(w.got[i], ':');
		pids[i] = p ? atoi(p + 1) : 0;
		later += p && atoi(strchr(p + 1, ':') + 1) > 0;
		int seen = 0;
		for (int k = 0; k < i; k++)
			seen |= pids[k] == pids[i];
		distinct += !seen;
	}
	/* Two workers ran the six tasks, each several. */
	EXPECT_EQ(distinct, 2);
	EXPECT_EQ(later, 4);
	EXPECT_EQ(proc_live_count(), 0);
}

TEST(proc_workers_with_one_job_run_here_in_order)
{
	struct wtest w;
	memset(&w, 0, sizeof(w));
	proc_run_workers(3, 1, wtest_work, wtest_done, wtest_end, &w);
	EXPECT_EQ(w.ended, 1);
	for (int i = 0; i < 3; i++) {
		EXPECT_EQ(w.seen[i], 1);
		EXPECT_EQ(atoi(strchr(w.got[i], ':') + 1), (int)getpid());
	}
}
