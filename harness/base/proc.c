/*
 * proc: spawn, wait, stop and reap children; kill survivors on every exit path (the
 * watcher that outlives kdive for that is proc_watch.c's).
 * Depends on files, strbuf, strvec, timeutil, usage and wrapper.
 */
#define _GNU_SOURCE
#include "proc.h"
#include "proc_int.h"
#include "files.h"
#include "timeutil.h"
#include "usage.h"
#include "wrapper.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/*
 * The registry: pids of started, unreaped children. A plain array of
 * sig_atomic_t-sized slots so that the signal handler can walk it safely.
 * A negative entry means "kill the process alone" (keep_group children).
 */
static volatile pid_t registry[PROC_MAX];

/* 1 where the child wants SIGTERM before SIGKILL (proc.soft_stop), by registry slot. */
static volatile sig_atomic_t registry_soft[PROC_MAX];

/* pidfd: the child's, for the watcher (it gets a copy), or -1. */
static void registry_add(pid_t pid, int own_group, int soft, int pidfd)
{
	proc_watch_tell(own_group ? 'G' : 'P', pid, soft, pidfd);
	for (int i = 0; i < PROC_MAX; i++) {
		if (!registry[i]) {
			registry_soft[i] = soft;
			registry[i] = own_group ? pid : -pid;
			return;
		}
	}
	warning("more than %d live children: pid %d is not guarded", PROC_MAX, (int)pid);
}

static void registry_del(pid_t pid)
{
	for (int i = 0; i < PROC_MAX; i++)
		if (registry[i] == pid || registry[i] == -pid)
			registry[i] = 0;
	proc_watch_tell('D', pid, 0, -1);
}


pid_t proc_fork_worker(void)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		raise(SIGKILL); /* the parent died before prctl took effect */
	for (int i = 0; i < PROC_MAX; i++) {
		registry[i] = 0;
		registry_soft[i] = 0;
	}
	proc_watch_leave(); /* the parent's watcher must see the parent's death alone */
	return 0;
}

void proc_worker_exit(int status)
{
	proc_kill_all();
	proc_watch_close();
	coverage_flush();
	_exit(status);
}

/* Run task i here. */
static void work_here(size_t i, proc_work_fn work, proc_done_fn done, void *ctx)
{
	struct strbuf out = STRBUF_INIT;
	work(ctx, i, &out);
	done(ctx, i, out.buf, out.len, 0);
	strbuf_release(&out);
}

/* Read exactly len bytes; 1, 0 at the end of input before any, -1 on an error. */
static int read_exact(int fd, void *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return got || n < 0 ? -1 : 0;
		got += (size_t)n;
	}
	return 1;
}

/* A worker's life: a task's number in, its result out (length, then bytes), until the
 * parent has no more; then end. */
static void __attribute__((noreturn)) worker_loop(int fd, proc_work_fn work, proc_end_fn end,
						  void *ctx)
{
	uint64_t task;
	int status = 0;
	while (read_exact(fd, &task, sizeof(task)) == 1) {
		struct strbuf out = STRBUF_INIT;
		work(ctx, (size_t)task, &out);
		uint64_t len = out.len;
		if (write_all(fd, &len, sizeof(len)) < 0 || write_all(fd, out.buf, out.len) < 0)
			status = 1;
		strbuf_release(&out);
		if (status)
			break;
	}
	if (end)
		end(ctx);
	proc_worker_exit(status);
}

/* One worker as the parent sees it. */
struct worker {
	pid_t pid;        /* 0: none (the slot is free) */
	int fd;           /* its end of the socket pair, -1: none */
	size_t task;      /* the task it runs */
	int busy;         /* it runs task */
	struct strbuf got; /* what it wrote of its result: the length, then the bytes */
};

/* Start a worker in w. 0, or -1 (none could be started). */
static int worker_start(struct worker *w, proc_work_fn work, proc_end_fn end, void *ctx)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	pid_t pid = proc_fork_worker();
	if (pid == 0) {
		close(sv[0]);
		worker_loop(sv[1], work, end, ctx);
	}
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return -1;
	}
	w->pid = pid;
	w->fd = sv[0];
	w->busy = 0;
	strbuf_init(&w->got, 0);
	return 0;
}

/* Give w task i. 0, or -1 (the worker is gone: the caller reaps it). */
static int worker_give(struct worker *w, size_t i)
{
	uint64_t task = i;
	w->task = i;
	w->busy = 1;
	strbuf_reset(&w->got);
	return send(w->fd, &task, sizeof(task), MSG_NOSIGNAL) == (ssize_t)sizeof(task) ? 0 : -1;
}

/* w ended (its end of file): reap it, and report the task it was running. */
static void worker_ended(struct worker *w, proc_done_fn done, void *ctx)
{
	int status = 0;
	while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
		;
	close(w->fd);
	if (w->busy) {
		/* Whatever it had written of its result, past the length. */
		size_t skip = w->got.len < sizeof(uint64_t) ? w->got.len : sizeof(uint64_t);
		done(ctx, w->task, w->got.buf + skip, w->got.len - skip, status ? status : 1 << 8);
	}
	strbuf_release(&w->got);
	*w = (struct worker){ .fd = -1 };
}

/* w wrote bytes: once its whole result is there, report it; 1 then, else 0. */
static int worker_result(struct worker *w, proc_done_fn done, void *ctx)
{
	uint64_t len;
	if (!w->busy || w->got.len < sizeof(len))
		return 0;
	memcpy(&len, w->got.buf, sizeof(len));
	if (w->got.len - sizeof(len) < len)
		return 0;
	w->busy = 0;
	done(ctx, w->task, w->got.buf + sizeof(len), (size_t)len, 0);
	strbuf_reset(&w->got);
	return 1;
}

void proc_run_workers(size_t n, int jobs, proc_work_fn work, proc_done_fn done, proc_end_fn end,
		      void *ctx)
{
	size_t next = 0;
	if (jobs <= 1) {
		for (size_t i = 0; i < n; i++)
			work_here(i, work, done, ctx);
		if (end)
			end(ctx);
		return;
	}
	struct worker *w = xcalloc((size_t)jobs, sizeof(*w));
	int live = 0;
	for (int k = 0; k < jobs; k++)
		w[k].fd = -1;
	for (;;) {
		/* Every idle worker gets the next task; with none left, its end of input. */
		for (int k = 0; k < jobs; k++) {
			if (w[k].pid && w[k].busy)
				continue;
			if (next == n) {
				if (w[k].pid && w[k].fd >= 0 && !w[k].busy)
					shutdown(w[k].fd, SHUT_WR);
				continue;
			}
			if (!w[k].pid) {
				if (worker_start(&w[k], work, end, ctx) < 0) {
					work_here(next++, work, done, ctx);
					continue;
				}
				live++;
			}
			if (worker_give(&w[k], next++) < 0)
				shutdown(w[k].fd, SHUT_WR); /* it is gone: its end of file comes */
		}
		if (!live)
			break;
		/* Take what the workers write; a worker is done at its end of file. */
		struct pollfd pfd[jobs];
		for (int k = 0; k < jobs; k++)
			pfd[k] = (struct pollfd){ .fd = w[k].pid ? w[k].fd : -1, .events = POLLIN };
		if (poll(pfd, (nfds_t)jobs, -1) < 0 && errno != EINTR)
			break;
		for (int k = 0; k < jobs; k++) {
			char buf[65536];
			if (!w[k].pid || !(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t got = read(w[k].fd, buf, sizeof(buf));
			if (got > 0) {
				strbuf_add(&w[k].got, buf, (size_t)got);
				worker_result(&w[k], done, ctx);
				continue;
			}
			if (got < 0 && errno == EINTR)
				continue;
			worker_ended(&w[k], done, ctx);
			live--;
		}
	}
	free(w);
}

void proc_kill_all(void)
{
	/* Async-signal-safe: only kill(2). A soft child gets SIGTERM; the watcher
	 * follows up with SIGKILL once kdive is gone. */
	for (int i = 0; i < PROC_MAX; i++) {
		pid_t p = registry[i];
		int sig = registry_soft[i] ? SIGTERM : SIGKILL;
		if (p > 0)
			kill(-p, sig);
		else if (p < 0)
			kill(-p, sig);
	}
}

int proc_live_count(void)
{
	int n = 0;
	for (int i = 0; i < PROC_MAX; i++)
		n += registry[i] != 0;
	return n;
}

static void guard_signal(int sig)
{
	proc_kill_all();
	coverage_flush();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void guard_exit(void)
{
	proc_kill_all();
}

void proc_install_guard(void)
{
	/* A standard stream kdive was started without (`kdive ... <&-`) would make the
	 * next file kdive opens fd 0, 1 or 2, and a child's stdio set-up would clobber it:
	 * /dev/null holds each closed one. */
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF)
			if (open("/dev/null", O_RDWR) != fd)
				break;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = guard_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	atexit(guard_exit);
}

void proc_init(struct proc *p)
{
	struct proc blank = PROC_INIT;
	*p = blank;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void proc_release(struct proc *p)
{
	strvec_clear(&p->args);
	strvec_clear(&p->env);
	if (p->in == PROC_PIPE)
		close_fd(&p->in_fd);
	if (p->out == PROC_PIPE)
		close_fd(&p->out_fd);
	if (p->err == PROC_PIPE)
		close_fd(&p->err_fd);
	close_fd(&p->pidfd);
}

/* Build the child's environment: ours, with p->env applied. Caller frees the vector. */
static char **make_env(const struct strvec *changes)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = xcalloc(n + changes->nr + 1, sizeof(*env));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		int drop = 0;
		for (size_t j = 0; j < changes->nr; j++) {
			const char *c = changes->v[j];
			size_t len = strchrnul(c, '=') - c;
			if (!strncmp(environ[i], c, len) && environ[i][len] == '=')
				drop = 1;
		}
		if (!drop)
			env[k++] = environ[i];
	}
	for (size_t j = 0; j < changes->nr; j++)
		if (strchr(changes->v[j], '='))
			env[k++] = (char *)changes->v[j];
	env[k] = NULL;
	return env;
}

/* In the child, after fork: never returns. Reports errno through errfd on failure. */
static void child_exec(struct proc *p, const char *path, char **env, int fds[3], int errfd,
		       pid_t parent)
{
	int err;
	if (!p->keep_group)
		setpgid(0, 0);
	/* Die with kdive; if kdive already died, the prctl came too late: leave. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	/* Move the error pipe out of the way of 0..2 before dup2'ing onto them. */
	if (errfd <= 2) {
		int e = fcntl(errfd, F_DUPFD_CLOEXEC, 3);
		errfd = e;
	}
	for (int i = 0; i < 3; i++) {
		if (fds[i] < 0)
			continue;
		if (fds[i] == i) {
			int fl = fcntl(i, F_GETFD);
			fcntl(i, F_SETFD, fl & ~FD_CLOEXEC);
		} else if (dup2(fds[i], i) < 0) {
			goto fail;
		}
	}
	/* No inherited descriptors but 0..2, share_fd as 3 (and the close-on-exec
	 * error pipe). */
	int first = 3;
	if (p->share_fd > 0) {
		if (errfd <= 3) {
			int e = fcntl(errfd, F_DUPFD_CLOEXEC, 4);
			errfd = e;
		}
		if (p->share_fd != 3 && dup2(p->share_fd, 3) < 0)
			goto fail;
		int fl = fcntl(3, F_GETFD);
		fcntl(3, F_SETFD, fl & ~FD_CLOEXEC);
		first = 4;
	}
	if (errfd > first)
		close_range((unsigned)first, (unsigned)errfd - 1, 0);
	close_range((unsigned)errfd + 1, ~0U, 0);
	if (p->dir && chdir(p->dir) < 0)
		goto fail;
	execve(path, (char *const *)p->args.v, env);
fail:
	err = errno;
	if (write(errfd, &err, sizeof(err)) < 0) {
		/* nothing more we can do */
	}
	_exit(127);
}

static int stream_fd(enum proc_stream how, int given, int pipefd, int devnull)
{
	switch (how) {
	case PROC_INHERIT: return -1;
	case PROC_NULL: return devnull;
	case PROC_PIPE: return pipefd;
	case PROC_FD: return given;
	case PROC_TO_STDOUT: return -2;
	}
	return -1;
}

/*
 * Say why p failed: appended to p->errbuf when the caller wants it quietly, else
 * reported with error(). errnum (0: none) adds ": strerror(errnum)". Returns -1.
 */
__attribute__((format(printf, 3, 4)))
static int proc_fail(const struct proc *p, int errnum, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	if (errnum)
		strbuf_addf(&sb, ": %s", strerror(errnum));
	if (p->errbuf)
		strbuf_addstr(p->errbuf, sb.buf);
	else
		error("%s", sb.buf);
	strbuf_release(&sb);
	return -1;
}

int proc_start(struct proc *p)
{
	int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2] = { -1, -1 }, ep[2] = { -1, -1 };
	int devnull = -1, fds[3], r = -1, err = 0, pidfd = -1;
	char *path = NULL;
	char **env = NULL;
	sigset_t all, old;
	const char *name = p->args.nr ? p->args.v[0] : "(nothing)";

	if (!p->args.nr)
		return proc_fail(p, 0, "internal: proc_start() with an empty argv");
	path = find_in_path(name);
	if (!path)
		return proc_fail(p, 0, "cannot run '%s': not found in PATH", name);

	if ((p->in == PROC_PIPE && pipe2(pin, O_CLOEXEC) < 0) ||
	    (p->out == PROC_PIPE && pipe2(pout, O_CLOEXEC) < 0) ||
	    (p->err == PROC_PIPE && pipe2(perr, O_CLOEXEC) < 0) || pipe2(ep, O_CLOEXEC) < 0) {
		proc_fail(p, errno, "cannot run '%s': pipe", name);
		goto out;
	}
	if (p->in == PROC_NULL || p->out == PROC_NULL || p->err == PROC_NULL) {
		devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (devnull < 0) {
			proc_fail(p, errno, "cannot open /dev/null");
			goto out;
		}
	}
	fds[0] = stream_fd(p->in, p->in_fd, pin[0], devnull);
	fds[1] = stream_fd(p->out, p->out_fd, pout[1], devnull);
	fds[2] = stream_fd(p->err, p->err_fd, perr[1], devnull);
	if (fds[2] == -2)
		fds[2] = fds[1] >= 0 ? fds[1] : 1;
	env = make_env(&p->env);
	proc_watch_start();

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0)
		child_exec(p, path, env, fds, ep[1], parent);
	err = errno;
	if (pid > 0) {
		if (!p->keep_group)
			setpgid(pid, pid); /* also in the parent: no window where the group is missing */
		/* Now, before anything can reap the child: the watcher gets a copy and
		 * signals through it, never a stranger that took the pid after (-1 before
		 * Linux 5.3). */
		pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
		if (pidfd >= 0)
			fcntl(pidfd, F_SETFD, FD_CLOEXEC);
		registry_add(pid, !p->keep_group, p->soft_stop, pidfd);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid < 0) {
		proc_fail(p, err, "cannot run '%s': fork", name);
		goto out;
	}

	close_fd(&ep[1]);
	int child_errno = 0;
	ssize_t n;
	do
		n = read(ep[0], &child_errno, sizeof(child_errno));
	while (n < 0 && errno == EINTR);
	if (n == sizeof(child_errno)) {
		/* exec failed: reap the child and report why. */
		waitpid(pid, NULL, 0);
		registry_del(pid);
		close_fd(&pidfd);
		if (p->dir && child_errno == ENOENT)
			proc_fail(p, child_errno, "cannot run '%s' in '%s'", path, p->dir);
		else
			proc_fail(p, child_errno, "cannot run '%s'", path);
		goto out;
	}
	p->pid = pid;
	p->reaped = 0;
	p->pidfd = pidfd;
	if (p->in == PROC_PIPE) {
		p->in_fd = pin[1];
		pin[1] = -1;
	}
	if (p->out == PROC_PIPE) {
		p->out_fd = pout[0];
		pout[0] = -1;
	}
	if (p->err == PROC_PIPE) {
		p->err_fd = perr[0];
		perr[0] = -1;
	}
	r = 0;
out:
	close_fd(&pin[0]); close_fd(&pin[1]);
	close_fd(&pout[0]); close_fd(&pout[1]);
	close_fd(&perr[0]); close_fd(&perr[1]);
	close_fd(&ep[0]); close_fd(&ep[1]);
	close_fd(&devnull);
	free(env);
	free(path);
	return r;
}

static int reap(struct proc *p, int flags)
{
	int status;
	pid_t r;
	do
		r = waitpid(p->pid, &status, flags);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return proc_fail(p, errno, "waitpid %d", (int)p->pid);
	if (r == 0)
		return 1;
	p->status = status;
	p->reaped = 1;
	registry_del(p->pid);
	close_fd(&p->pidfd);
	return 0;
}

int proc_wait(struct proc *p, int64_t deadline_ms)
{
	if (p->reaped || !p->pid)
		return 0;
	for (;;) {
		int64_t left = deadline_ms < 0 ? -1 : deadline_ms - now_ms();
		if (deadline_ms >= 0 && left <= 0)
			return reap(p, WNOHANG);
		if (p->pidfd >= 0) {
			struct pollfd pfd = { .fd = p->pidfd, .events = POLLIN };
			int n = poll(&pfd, 1, left < 0 ? -1 : (int)(left > 1000000 ? 1000000 : left));
			if (n < 0 && errno != EINTR)
				return proc_fail(p, errno, "poll on child %d", (int)p->pid);
			if (n > 0)
				return reap(p, 0);
		} else {
			int r = reap(p, WNOHANG);
			if (r <= 0)
				return r;
			struct timespec ts = { 0, 10 * 1000000 };
			nanosleep(&ts, NULL);
		}
	}
}

int proc_stop(struct proc *p, int grace_ms)
{
	if (!p->pid || p->reaped)
		return 0;
	pid_t target = p->keep_group ? p->pid : -p->pid;
	kill(target, SIGTERM);
	if (proc_wait(p, now_ms() + grace_ms) != 0) {
		kill(target, SIGKILL);
		proc_wait(p, -1);
	} else if (!p->keep_group) {
		/* The leader is gone; take down anything it left in its group. */
		kill(target, SIGKILL);
	}
	return 0;
}

int64_t proc_cpu_ms(const struct proc *p)
{
	char path[64], buf[1024];
	if (!p->pid || p->reaped)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)p->pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* After "pid (comm) ", whose comm may hold spaces: state is field 3, utime 14, stime 15. */
	const char *q = strrchr(buf, ')');
	unsigned long long utime, stime;
	if (!q || sscanf(q + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			 &utime, &stime) != 2)
		return -1;
	long hz = sysconf(_SC_CLK_TCK);
	return (int64_t)((utime + stime) * 1000ULL / (unsigned long long)(hz > 0 ? hz : 100));
}

int proc_succeeded(const struct proc *p)
{
	return p->reaped && WIFEXITED(p->status) && WEXITSTATUS(p->status) == 0;
}

void proc_describe_status(struct strbuf *sb, int status)
{
	if (WIFEXITED(status))
		strbuf_addf(sb, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		strbuf_addf(sb, "killed by signal %d (%s)", WTERMSIG(status),
			    strsignal(WTERMSIG(status)));
	else
		strbuf_addf(sb, "ended with wait status 0x%x", status);
}

struct capture_ctx {
	struct strbuf *out; /* where lines go */
};

static int capture_line(void *vctx, const char *line)
{
	struct capture_ctx *c = vctx;
	if (line) {
		strbuf_addstr(c->out, line);
		strbuf_addch(c->out, '\n');
	}
	return 0;
}

int proc_run_capture(const char *const *argv, struct strbuf *out, int merge_stderr,
		     int timeout_ms)
{
	return proc_run_capture_quiet(argv, out, merge_stderr, timeout_ms, NULL);
}

int proc_run_capture_quiet(const char *const *argv, struct strbuf *out, int merge_stderr,
			   int timeout_ms, struct strbuf *err)
{
	return proc_run_capture_in(NULL, argv, out, merge_stderr, timeout_ms, err);
}

int proc_run_capture_in(const char *dir, const char *const *argv, struct strbuf *out,
			int merge_stderr, int timeout_ms, struct strbuf *err)
{
	struct proc p = PROC_INIT;
	struct capture_ctx c = { out };
	int r;
	p.dir = dir;
	for (; *argv; argv++)
		strvec_push(&p.args, *argv);
	p.in = PROC_NULL;
	p.out = PROC_PIPE;
	p.err = merge_stderr ? PROC_TO_STDOUT : PROC_NULL;
	p.errbuf = err;
	if (proc_start(&p) < 0) {
		proc_release(&p);
		return -1;
	}
	r = proc_pump(&p, capture_line, &c, 1000, timeout_ms > 0 ? now_ms() + timeout_ms : -1);
	if (r < 0)
		proc_fail(&p, 0, "'%s' did not finish within %d ms", p.args.v[0], timeout_ms);
	proc_release(&p);
	return r;
}

int proc_pump(struct proc *p, proc_line_fn fn, void *ctx, int tick_ms, int64_t deadline_ms)
{
	struct strbuf line = STRBUF_INIT;
	char buf[8192];
	int64_t next_tick = now_ms() + tick_ms;
	int r = 0;

	while (p->out_fd >= 0) {
		int64_t now = now_ms();
		int64_t wait = next_tick - now;
		if (deadline_ms >= 0 && deadline_ms - now < wait)
			wait = deadline_ms - now;
		if (wait < 0)
			wait = 0;
		struct pollfd pfd = { .fd = p->out_fd, .events = POLLIN };
		int n = poll(&pfd, 1, (int)wait);
		if (n < 0 && errno != EINTR) {
			proc_fail(p, errno, "poll on the output of child %d", (int)p->pid);
			r = -1;
			break;
		}
		now = now_ms();
		if (deadline_ms >= 0 && now >= deadline_ms) {
			r = -1;
			break;
		}
		if (now >= next_tick) {
			next_tick = now + tick_ms;
			if (fn && fn(ctx, NULL)) {
				r = -1;
				break;
			}
		}
		if (n <= 0)
			continue;
		ssize_t got = read(p->out_fd, buf, sizeof(buf));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			close_fd(&p->out_fd);
			break;
		}
		for (ssize_t i = 0; i < got; i++) {
			if (buf[i] != '\n') {
				strbuf_addch(&line, buf[i]);
				continue;
			}
			if (fn && fn(ctx, line.buf))
				r = -1;
			strbuf_reset(&line);
		}
		if (r < 0)
			break;
	}
	if (r == 0 && line.len && fn)
		fn(ctx, line.buf);
	strbuf_release(&line);
	if (r < 0) {
		proc_stop(p, 2000);
		return -1;
	}
	if (proc_wait(p, deadline_ms) != 0) {
		proc_stop(p, 2000);
		return -1;
	}
	return p->status;
}
