/*
 * proc_watch: the watcher, a small process that outlives kdive by design and ends
 * every child kdive left (below), and the run directories removed at kdive's death.
 * Part of proc (proc.h, the private proc_int.h). Depends on files, usage, wrapper.
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

/*
 * The watcher. PR_SET_PDEATHSIG reaches a child, not its children: killed by SIGKILL,
 * kdive would leave make's sub-makes and compilers running. So the first proc_start()
 * forks a small process that outlives kdive by design: it holds one end of a socket
 * pair whose other end only kdive holds, and learns of every child kdive starts and
 * reaps. When the socket ends (kdive exited, however it died) it ends every group
 * still listed: SIGTERM to soft children (make deletes its half-written targets), a
 * grace period, then SIGKILL to all. It sits in a process group of its own with
 * /dev/null for stdio and no other descriptor (no lock, no pipe of a caller's), so it
 * neither receives the terminal's ^C nor keeps anything open.
 *
 * A listed pid may have been reaped before the watcher acts (kdive can die between
 * waitpid() and its 'D'; a group can empty during the grace period) and its number
 * taken by a stranger. So each 'G' and 'P' comes with a pidfd kdive opened before it
 * could reap the child (SCM_RIGHTS: the reason for a socket, not a pipe), and the
 * watcher signals through it (watch_signal()).
 */
struct watch_msg {
	int32_t op;   /* 'G' a process group, 'P' a lone process, 'D' reaped; 'T' a tree
			 to remove, 'F' not any more (a path of pid bytes follows) */
	int32_t pid;
	int32_t soft; /* SIGTERM first */
};

#define WATCH_GRACE_MS 3000

static int watch_fd = -1;        /* kdive's end of the socket; -1 before the first child */
static pid_t watch_owner;        /* the process that started the watcher */

/* Send m (and len bytes of path after it), with pidfd attached when >= 0. */
static void watch_send(const struct watch_msg *m, const char *path, size_t len, int pidfd)
{
	char buf[PIPE_BUF];
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } ctl;
	struct iovec iov = { buf, sizeof(*m) + len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	memcpy(buf, m, sizeof(*m));
	if (len)
		memcpy(buf + sizeof(*m), path, len);
	if (pidfd >= 0) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.b;
		mh.msg_controllen = sizeof(ctl.b);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pidfd, sizeof(int));
	}
	ssize_t n;
	do /* one small message goes whole (one skb); kdive alone writes: no interleaving */
		n = sendmsg(watch_fd, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
}

void proc_watch_tell(char op, pid_t pid, int soft, int pidfd)
{
	if (watch_fd < 0 || getpid() != watch_owner)
		return;
	struct watch_msg m = { op, pid, soft };
	watch_send(&m, NULL, 0, pidfd);
}

/* Read exactly len bytes (a message is written whole: it never comes in parts). */
static int read_exact(int fd, void *buf, size_t len)
{
	ssize_t n;
	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? 0 : -1;
}

/* Read a message's head, and the pidfd that came with it into *pidfd (else -1). */
static int watch_recv(int fd, struct watch_msg *m, int *pidfd)
{
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } ctl;
	struct iovec iov = { m, sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
			     .msg_controllen = sizeof(ctl.b) };
	ssize_t n;
	*pidfd = -1;
	do
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL;
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
	    c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(pidfd, CMSG_DATA(c), sizeof(int));
	return n == (ssize_t)sizeof(*m) ? 0 : -1;
}

/* A child the watcher ends if kdive dies. */
struct watched {
	pid_t pid;  /* a process group's id ('G'), or a lone process's pid ('P') */
	int group;  /* 1: the whole group */
	int soft;   /* SIGTERM first */
	int pidfd;  /* kdive's pidfd of it (of the group's leader); -1: none (Linux < 5.3) */
	int held;   /* before Linux 6.9: its group id was seen to be still its own */
	int gone;   /* seen gone: never signalled again, its number may be a stranger's */
};

#ifndef PIDFD_SIGNAL_PROCESS_GROUP
#define PIDFD_SIGNAL_PROCESS_GROUP (1U << 2) /* Linux 6.9: the pidfd's process group */
#endif

static int pidfd_signal(int pidfd, int sig, unsigned int flags)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, flags);
}

/*
 * A group by its number, before Linux 6.9 (no PIDFD_SIGNAL_PROCESS_GROUP), only while
 * the number is provably the group's: while its leader is not reaped the number is
 * the leader's, and after, a group's id stays taken as long as it has a member. So
 * it is held once the leader is seen unreaped, and let go (gone) the first time the
 * group is found empty; the watcher looks every 20 ms while it waits. Never seen
 * with its leader unreaped, the group is left alone.
 */
static int watch_signal_group_by_number(struct watched *w, int sig)
{
	if (pidfd_signal(w->pidfd, 0, 0) == 0 || errno == EPERM)
		w->held = 1;
	if (!w->held) {
		errno = ESRCH;
		return -1;
	}
	return kill(-w->pid, sig);
}

/*
 * Signal what kdive listed (sig 0: is it there?), never a stranger that took its
 * number after it was reaped: through its pidfd, a lone process with
 * pidfd_send_signal(), a group with PIDFD_SIGNAL_PROCESS_GROUP, which reaches the
 * members of the group that pidfd's process led, even after the leader is reaped,
 * and nothing once they are all gone. Before Linux 6.9 a group goes by number while
 * that is safe (above); without a pidfd (Linux < 5.3), by number as ever. Returns
 * 0 when sent, -1 with errno; ESRCH marks it gone for good.
 */
static int watch_signal(struct watched *w, int sig)
{
	int r;
	if (w->gone) {
		errno = ESRCH;
		return -1;
	}
	if (w->pidfd < 0)
		r = kill(w->group ? -w->pid : w->pid, sig);
	else if (!w->group)
		r = pidfd_signal(w->pidfd, sig, 0);
	else if ((r = pidfd_signal(w->pidfd, sig, PIDFD_SIGNAL_PROCESS_GROUP)) < 0 &&
		 errno == EINVAL)
		r = watch_signal_group_by_number(w, sig);
	if (r < 0 && errno == ESRCH)
		w->gone = 1;
	return r;
}

static int watch_alive(struct watched *w)
{
	return watch_signal(w, 0) == 0 || errno == EPERM;
}

static void __attribute__((noreturn)) watch_loop(int rfd)
{
	struct watched w[PROC_MAX * 4];
	char *trees[8] = { NULL };
	size_t nw = 0;
	struct watch_msg m;
	int pidfd;
	while (watch_recv(rfd, &m, &pidfd) == 0) {
		if (m.op == 'T' || m.op == 'F') { /* a tree to remove, or not any more */
			if (m.pid <= 0 || m.pid >= PATH_MAX)
				break;
			char *path = malloc((size_t)m.pid + 1);
			if (!path || read_exact(rfd, path, (size_t)m.pid) < 0)
				break;
			path[m.pid] = '\0';
			for (size_t i = 0; i < ARRAY_SIZE(trees); i++) {
				if (m.op == 'F' && trees[i] && !strcmp(trees[i], path)) {
					free(trees[i]);
					trees[i] = NULL;
				} else if (m.op == 'T' && !trees[i]) {
					trees[i] = path;
					path = NULL;
					break;
				}
			}
			free(path);
		} else if (m.op == 'D') {
			for (size_t i = 0; i < nw; i++) {
				if (w[i].pid != m.pid)
					continue;
				if (w[i].pidfd >= 0)
					close(w[i].pidfd);
				w[i--] = w[--nw];
			}
		} else if (nw < ARRAY_SIZE(w)) {
			w[nw++] = (struct watched){ m.pid, m.op == 'G', m.soft, pidfd, 0, 0 };
			pidfd = -1;
		}
		if (pidfd >= 0)
			close(pidfd);
	}
	/* kdive is gone. */
	int any_soft = 0;
	for (size_t i = 0; i < nw; i++) {
		watch_signal(&w[i], w[i].soft ? SIGTERM : SIGKILL);
		any_soft |= w[i].soft;
	}
	/* Every entry is looked at while soft ones have their grace: one found gone is
	 * never signalled after (its number may be taken meanwhile). */
	for (int64_t end = now_ms() + WATCH_GRACE_MS; any_soft && now_ms() < end;) {
		any_soft = 0;
		for (size_t i = 0; i < nw; i++)
			any_soft |= watch_alive(&w[i]) && w[i].soft;
		struct timespec ts = { 0, 20 * 1000000 };
		nanosleep(&ts, NULL);
	}
	for (size_t i = 0; i < nw; i++)
		watch_signal(&w[i], SIGKILL);
	/* The trees last: nothing writes into them any more (QEMU's log, gdb's). */
	int alive = 1;
	for (int64_t end = now_ms() + 1000; alive && now_ms() < end;) {
		alive = 0;
		for (size_t i = 0; i < nw; i++)
			alive |= watch_alive(&w[i]);
		struct timespec ts = { 0, 10 * 1000000 };
		nanosleep(&ts, NULL);
	}
	for (size_t i = 0; i < ARRAY_SIZE(trees); i++)
		if (trees[i])
			remove_tree(trees[i]);
	coverage_flush();
	_exit(0);
}

static void watch_tell_path(char op, const char *path)
{
	size_t len = strlen(path);
	if (watch_fd < 0 || getpid() != watch_owner || !len || len >= PATH_MAX ||
	    len + sizeof(struct watch_msg) > PIPE_BUF)
		return;
	struct watch_msg m = { op, (int32_t)len, 0 };
	watch_send(&m, path, len, -1);
}

void proc_remove_at_death(const char *path)
{
	proc_watch_start();
	watch_tell_path('T', path);
}

void proc_forget_at_death(const char *path)
{
	watch_tell_path('F', path);
}

/* Start the watcher once per kdive process. Quietly does without when it cannot. */
void proc_watch_start(void)
{
	int fds[2];
	if (watch_fd >= 0 && watch_owner == getpid())
		return;
	if (watch_fd >= 0)
		close(watch_fd); /* a forked copy of kdive's: not ours to use */
	watch_fd = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
		return;
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return;
	}
	if (pid == 0) {
		setpgid(0, 0);
		prctl(PR_SET_NAME, "kdive-watch");
		for (int s = 1; s < NSIG; s++)
			signal(s, SIG_IGN);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (fds[0] != 3 && dup2(fds[0], 3) != 3)
			_exit(0);
		int null = open("/dev/null", O_RDWR);
		for (int fd = 0; fd < 3 && null >= 0; fd++)
			if (fd != null)
				dup2(null, fd);
		close_range(4, ~0U, 0);
		watch_loop(3);
	}
	setpgid(pid, pid);
	close(fds[0]);
	watch_fd = fds[1];
	watch_owner = getpid();
}

void proc_watch_leave(void)
{
	if (watch_fd >= 0)
		close(watch_fd);
	watch_fd = -1;
}

void proc_watch_close(void)
{
	if (watch_fd >= 0 && watch_owner == getpid())
		close(watch_fd);
}
