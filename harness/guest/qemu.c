/*
 * qemu: the guest's command line, start, wait, stop. Depends on proc, deps.
 */
#define _GNU_SOURCE
#include "qemu.h"
#include "deps.h"
#include "files.h"
#include "timeutil.h"
#include "usage.h"
#include "wrapper.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* Push "before PATH after": PATH a value in QEMU's option syntax, commas doubled. */
static void push_opt_path(struct strvec *argv, const char *before, const char *path,
			  const char *after)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, before);
	quote_qemu_opt(&sb, path);
	strbuf_addstr(&sb, after);
	strvec_push(argv, sb.buf);
	strbuf_release(&sb);
}

void qemu_prepare(struct qemu *q, const struct qemu_opts *o)
{
	struct strbuf append = STRBUF_INIT;
	struct strbuf why = STRBUF_INIT;
	proc_init(&q->proc);
	strvec_init(&q->argv);
	q->console_log = xstrfmt("%s/console.log", o->rundir);
	q->qemu_log = xstrfmt("%s/qemu.log", o->rundir);
	q->gdb_target = o->gdb_port ? xstrfmt("127.0.0.1:%d", o->gdb_port)
				    : xstrfmt("%s/%s", o->rundir, QEMU_GDB_SOCK);
	q->kvm = deps_kvm_usable(&why);
	q->go_fd = -1;
	q->go_sock = o->go ? xstrfmt("%s/go.sock", o->rundir) : NULL;
	q->mon_fd = -1;
	q->mon_greeted = 0;
	q->mon_sock = o->go ? xstrfmt("%s/monitor.sock", o->rundir) : NULL;
	strbuf_release(&why);

	/* panic=-1: a panicking guest reboots at once, and -no-reboot turns that into
	 * QEMU's exit, so a dead kernel never hangs a run. no_timer_check: under TCG on a
	 * loaded host the IO-APIC timer check can miss its ticks and panic the boot
	 * ("IO-APIC + timer doesn't work!"); the emulated timer is known to work.
	 * norandmaps: user space at the same addresses every run (a PIE program's too,
	 * which gdb's symbols must match). tsc=reliable: no clocksource watchdog, whose
	 * check after a restore (the guest's clock far behind) or on a loaded host marks
	 * the TSC unstable: its warning lands in the program's output, and the vDSO's
	 * clock_gettime falls back to the system call. */
	strbuf_addf(&append, "console=ttyS0 panic=-1 no_timer_check norandmaps tsc=reliable%s",
		    o->kaslr ? "" : " nokaslr");
	/* A guest that waits is told its program later (qemu_go): its boot is the same
	 * for every program, and a saved one serves them all. */
	if (o->program && !o->go)
		strbuf_addf(&append, " kdive.prog=%s", o->program);
	if (o->args && *o->args && !o->go)
		strbuf_addf(&append, " kdive.args=%s", o->args);
	if (o->go)
		strbuf_addstr(&append, " kdive.wait=ttyS1");
	if (o->append && *o->append)
		strbuf_addf(&append, " %s", o->append);

	strvec_push(&q->argv, deps_tool("qemu-system-x86_64"));
	strvec_pushl(&q->argv, "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
		     NULL);
	/* Under TCG with several vCPUs, one host thread each runs them side by side. */
	strvec_pushl(&q->argv, "-accel",
		     q->kvm ? "kvm" : o->cpus > 1 ? "tcg,thread=multi" : "tcg", NULL);
	strvec_push(&q->argv, "-m");
	strvec_pushf(&q->argv, "%d", o->memory_mb ? o->memory_mb : QEMU_MEMORY_MB);
	if (o->cpus > 1) {
		strvec_push(&q->argv, "-smp");
		strvec_pushf(&q->argv, "%d", o->cpus);
	}
	strvec_pushl(&q->argv, "-kernel", o->bzimage, "-initrd", o->initrd, "-append", append.buf,
		     NULL);
	/* Appended to: a restored guest's console starts with the boot it was saved from. */
	strvec_push(&q->argv, "-chardev");
	push_opt_path(&q->argv, "file,id=console,path=", q->console_log, ",append=on");
	strvec_pushl(&q->argv, "-serial", "chardev:console", NULL);
	if (o->go_fifo) {
		strvec_push(&q->argv, "-chardev");
		push_opt_path(&q->argv, "pipe,id=go,path=", o->rundir, "/go");
		strvec_pushl(&q->argv, "-serial", "chardev:go", NULL);
	} else if (q->go_sock) {
		strvec_push(&q->argv, "-serial");
		push_opt_path(&q->argv, "unix:", q->go_sock, ",server=on,wait=off");
	}
	strvec_push(&q->argv, "-monitor");
	if (q->mon_sock && !o->go_fifo)
		push_opt_path(&q->argv, "unix:", q->mon_sock, ",server=on,wait=off");
	else
		strvec_push(&q->argv, "none");
	strvec_push(&q->argv, "-gdb");
	if (o->gdb_port)
		strvec_pushf(&q->argv, "tcp:127.0.0.1:%d,server=on,wait=off", o->gdb_port);
	else
		push_opt_path(&q->argv, "unix:", q->gdb_target, ",server=on,wait=off");
	if (o->disk) {
		/* Read-only, raw: the guest unpacks a user program's files from it. */
		strvec_push(&q->argv, "-drive");
		push_opt_path(&q->argv, "if=none,id=kdive-disk,format=raw,readonly=on,file=", o->disk,
			      "");
		strvec_pushl(&q->argv, "-device", "virtio-blk-pci,drive=kdive-disk", NULL);
	}
	if (o->stopped)
		strvec_push(&q->argv, "-S");
	if (o->incoming)
		/* QEMU 7.2 has no file: migration; it reads the file open as its fd 3
		 * (qemu_start(); a shell's 3<FILE), with no cat and no pipe between. */
		strvec_pushl(&q->argv, "-incoming", "fd:3", NULL);
	strbuf_release(&append);
}

/* Connect to one of QEMU's sockets; the fd, or -1 reported. */
static int connect_unix(const char *path, const char *what)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path))
		return error("socket path '%s' is too long", path);
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		error_errno("cannot connect to QEMU's %s '%s'", what, path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Connect to the go socket now, so that nothing written later can be lost, and to
 * the monitor (its greeting is read with the first command: QEMU may still be busy). */
static int qemu_connect_go(struct qemu *q)
{
	q->go_fd = connect_unix(q->go_sock, "serial socket");
	if (q->go_fd < 0)
		return -1;
	q->mon_fd = connect_unix(q->mon_sock, "monitor socket");
	return q->mon_fd < 0 ? -1 : 0;
}

int qemu_start(struct qemu *q, const struct qemu_opts *o)
{
	qemu_prepare(q, o);
	int logfd = open(q->qemu_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (logfd < 0)
		return error_errno("cannot create '%s'", q->qemu_log);
	for (size_t i = 0; i < q->argv.nr; i++)
		strvec_push(&q->proc.args, q->argv.v[i]);
	q->proc.in = PROC_NULL;
	q->proc.out = PROC_FD;
	q->proc.out_fd = logfd;
	q->proc.err = PROC_TO_STDOUT;
	int in = -1;
	if (o->incoming) {
		in = open(o->incoming, O_RDONLY | O_CLOEXEC);
		if (in < 0) {
			close(logfd);
			return error_errno("cannot read the saved guest '%s'", o->incoming);
		}
		q->proc.share_fd = in;
	}
	int r = proc_start(&q->proc);
	if (in >= 0)
		close(in);
	q->proc.share_fd = 0;
	close(logfd);
	q->proc.out_fd = -1;
	if (r < 0)
		return -1;
	debug("qemu pid %d (%s)", (int)q->proc.pid, q->kvm ? "KVM" : "TCG");
	/* The gdbstub socket appears once QEMU has parsed its options: a bad option or a
	 * bad kernel makes QEMU exit at once, which is better said now. */
	int64_t deadline = now_ms() + 10000;
	while (now_ms() < deadline) {
		if ((o->gdb_port || path_exists(q->gdb_target)) &&
		    (!q->go_sock || path_exists(q->go_sock)) &&
		    (!q->mon_sock || path_exists(q->mon_sock)))
			return q->go_sock ? qemu_connect_go(q) : 0;
		if (proc_wait(&q->proc, now_ms() + 2) == 0)
			return qemu_wait(q, 0) == 0 ? error("QEMU exited right after starting") : -1;
	}
	qemu_stop(q);
	return error("QEMU did not open its gdbstub socket '%s' within 10 s", q->gdb_target);
}

int qemu_guest_panic(const struct qemu *q, struct strbuf *line)
{
	struct strbuf sb = STRBUF_INIT;
	const char *at = NULL;
	if (q->console_log && strbuf_read_file(&sb, q->console_log) == 0)
		at = strstr(sb.buf, "Kernel panic - ");
	if (at) {
		size_t n = strcspn(at, "\r\n");
		strbuf_add(line, at, n < 200 ? n : 200);
	}
	strbuf_release(&sb);
	return at != NULL;
}

/* The guest ended before init was ready: say why, the panic first. */
static int ended_early(struct qemu *q, const char *what)
{
	struct strbuf line = STRBUF_INIT;
	int r;
	if (qemu_guest_panic(q, &line)) {
		qemu_wait(q, now_ms() + 2000);
		r = error("the guest kernel panicked before init was ready: %s", line.buf);
	} else {
		r = qemu_wait(q, 0) == 0 ? error("%s", what) : -1;
	}
	strbuf_release(&line);
	return r;
}

int qemu_wait_ready(struct qemu *q, int64_t deadline_ms)
{
	char buf[256];
	if (q->go_fd < 0)
		return error("QEMU was not started to wait for go");
	for (;;) {
		int64_t left = deadline_ms - now_ms();
		if (left <= 0)
			return error("the guest's init never said ready on ttyS1");
		struct pollfd pfd = { .fd = q->go_fd, .events = POLLIN };
		int n = poll(&pfd, 1, (int)(left < 100 ? left : 100));
		if (n < 0 && errno != EINTR)
			return error_errno("poll on '%s'", q->go_sock);
		if (n <= 0) {
			if (!qemu_alive(q))
				return ended_early(q, "the guest ended before init said ready");
			continue;
		}
		ssize_t got = read(q->go_fd, buf, sizeof(buf));
		if (got <= 0)
			return ended_early(q, "QEMU closed the serial socket before init said ready");
		/* init writes only "ready\n" there; it may arrive in pieces. */
		if (memchr(buf, '\n', (size_t)got))
			return 0;
	}
}

/* Bytes an argument keeps as they are on the run line. */
static int go_plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("._,/:=+@-", c);
}

/* The line "VERB PROGRAM WORD..." (qemu_go_line()). */
static int go_line(const char *verb, const char *program, const struct strvec *args,
		   struct strbuf *out, struct strbuf *err)
{
	size_t start = out->len;
	/* A built-in's name, or a user program's absolute guest path (userprog.h). */
	int plain = *program != '\0' && !strstr(program, "/.");
	for (const char *p = program; *p; p++)
		plain &= go_plain((unsigned char)*p) && *p != ',' && (*p != '/' || *program == '/');
	if (!plain) {
		strbuf_addf(err, "'%s' is not a guest program's name", program);
		return -1;
	}
	strbuf_addf(out, "%s %s", verb, program);
	for (size_t i = 0; args && i < args->nr; i++) {
		strbuf_addstr(out, " x");
		for (const unsigned char *p = (const unsigned char *)args->v[i]; *p; p++) {
			if (go_plain(*p))
				strbuf_addch(out, (char)*p);
			else
				strbuf_addf(out, "\\x%02x", *p);
		}
	}
	strbuf_addch(out, '\n');
	/* Measured as kdive sends it, the longer way. */
	size_t len = out->len - start + strlen("hold") - strlen(verb);
	if (len > QEMU_GO_LINE_MAX) {
		strbuf_addf(err, "the arguments of '%s' take %zu bytes on the guest's tty line, "
			    "more than its %d", program, len, QEMU_GO_LINE_MAX);
		return -1;
	}
	return 0;
}

int qemu_go_line(const char *program, const struct strvec *args, struct strbuf *out,
		 struct strbuf *err)
{
	return go_line("run", program, args, out, err);
}

/* Write line to the go socket. 0, or -1 reported. */
static int go_write(struct qemu *q, const char *line, size_t len)
{
	if (q->go_fd < 0 || write_all(q->go_fd, line, len) < 0)
		return error_errno("cannot write the run line to '%s'",
				   q->go_sock ? q->go_sock : "(none)");
	return 0;
}

int qemu_go(struct qemu *q, const char *program, const struct strvec *args, int hold)
{
	struct strbuf line = STRBUF_INIT, err = STRBUF_INIT;
	int r = go_line(hold ? "hold" : "run", program, args, &line, &err);
	if (r < 0)
		error("%s", err.buf);
	else
		r = go_write(q, line.buf, line.len);
	strbuf_release(&line);
	strbuf_release(&err);
	return r;
}

int qemu_cont(struct qemu *q)
{
	return go_write(q, "cont\n", 5);
}

/* Write line to the monitor, with fd (>= 0) passed along (SCM_RIGHTS) for getfd. */
static int monitor_write(struct qemu *q, const char *line, int fd)
{
	size_t len = strlen(line);
	if (fd < 0)
		return write_all(q->mon_fd, line, len);
	/* The descriptor goes with the line's first byte; the rest follows as usual. */
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (void *)line, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	memset(u.buf, 0, sizeof(u.buf));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	ssize_t n;
	while ((n = sendmsg(q->mon_fd, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	return n == 1 ? write_all(q->mon_fd, line + 1, len - 1) : -1;
}

/* qemu_monitor(), with a failure said into err instead of reported; fd (>= 0) is
 * passed with the command (getfd). */
static int monitor_cmd_fd(struct qemu *q, const char *cmd, int fd, struct strbuf *out,
			  int64_t deadline_ms, struct strbuf *err);

static int monitor_cmd(struct qemu *q, const char *cmd, struct strbuf *out, int64_t deadline_ms,
		       struct strbuf *err)
{
	return monitor_cmd_fd(q, cmd, -1, out, deadline_ms, err);
}

static int monitor_cmd_fd(struct qemu *q, const char *cmd, int fd, struct strbuf *out,
			  int64_t deadline_ms, struct strbuf *err)
{
	struct strbuf got = STRBUF_INIT;
	const char *what = cmd ? cmd : "(greeting)";
	char buf[4096];
	int r = -1;
	if (q->mon_fd < 0) {
		strbuf_addstr(err, "QEMU has no monitor here");
		return -1;
	}
	/* Its greeting ends with the first prompt: read before the first command. */
	if (cmd && !q->mon_greeted && monitor_cmd(q, NULL, NULL, deadline_ms, err) < 0)
		return -1;
	q->mon_greeted = 1;
	if (cmd) {
		char *line = xstrfmt("%s\n", cmd);
		int w = monitor_write(q, line, fd);
		free(line);
		if (w < 0) {
			strbuf_addf(err, "cannot write to QEMU's monitor '%s': %s", q->mon_sock,
				    strerror(errno));
			return -1;
		}
	}
	/* The monitor echoes the command (with line-editing escapes), prints its output,
	 * and prompts again. */
	for (;;) {
		if (got.len >= 7 && !strcmp(got.buf + got.len - 7, "(qemu) "))
			break;
		int64_t left = deadline_ms - now_ms();
		if (left <= 0) {
			strbuf_addf(err, "QEMU's monitor did not answer '%s' in time", what);
			goto out;
		}
		struct pollfd pfd = { .fd = q->mon_fd, .events = POLLIN };
		int n = poll(&pfd, 1, (int)(left < 1000 ? left : 1000));
		if (n < 0 && errno != EINTR) {
			strbuf_addf(err, "poll on '%s': %s", q->mon_sock, strerror(errno));
			goto out;
		}
		if (n <= 0)
			continue;
		ssize_t k = read(q->mon_fd, buf, sizeof(buf));
		if (k <= 0) {
			strbuf_addf(err, "QEMU closed its monitor during '%s'", what);
			goto out;
		}
		strbuf_add(&got, buf, (size_t)k);
	}
	if (out) {
		/* The output starts after the echo's line end. */
		const char *from = cmd ? strstr(got.buf, "\r\n") : got.buf;
		const char *to = got.buf + got.len - 7;
		from = !from ? to : cmd ? from + 2 : from;
		if (from < to)
			strbuf_add(out, from, (size_t)(to - from));
	}
	r = 0;
out:
	strbuf_release(&got);
	return r;
}

int qemu_monitor(struct qemu *q, const char *cmd, struct strbuf *out, int64_t deadline_ms)
{
	struct strbuf err = STRBUF_INIT;
	int r = monitor_cmd(q, cmd, out, deadline_ms, &err);
	if (r < 0)
		error("%s", err.buf);
	strbuf_release(&err);
	return r;
}

int qemu_save(struct qemu *q, const char *path, int64_t deadline_ms)
{
	struct strbuf info = STRBUF_INIT, err = STRBUF_INIT;
	int r = -1;
	/* QEMU writes the file itself, given its descriptor (getfd): no sh, no cat, no
	 * pipe between. */
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		error_errno("cannot create '%s'", path);
		goto out;
	}
	int sent = monitor_cmd_fd(q, "getfd kdive-save", fd, &info, deadline_ms, &err);
	close(fd);
	if (sent < 0) {
		error("%s", err.buf);
		goto out;
	}
	if (info.len) {
		strbuf_rtrim(&info);
		error("QEMU cannot take the file to save the guest to: %s", info.buf);
		goto out;
	}
	/* The default bandwidth limit (128 MiB/s) would make 35 MiB take a quarter
	 * second; a file takes it as fast as it comes. */
	if (qemu_monitor(q, "stop", NULL, deadline_ms) < 0 ||
	    qemu_monitor(q, "migrate_set_parameter max-bandwidth 64G", NULL, deadline_ms) < 0 ||
	    qemu_monitor(q, "migrate -d fd:kdive-save", &info, deadline_ms) < 0)
		goto out;
	if (info.len) {
		strbuf_rtrim(&info);
		error("QEMU cannot save the guest: %s", info.buf);
		goto out;
	}
	/* Poll: the monitor's own wait for a migration checks once a second. */
	for (;;) {
		strbuf_reset(&info);
		if (qemu_monitor(q, "info migrate", &info, deadline_ms) < 0)
			goto out;
		if (strstr(info.buf, "Migration status: completed"))
			break;
		if (strstr(info.buf, "Migration status: failed") ||
		    strstr(info.buf, "Migration status: cancelled")) {
			strbuf_rtrim(&info);
			error("QEMU could not save the guest to '%s':\n%s", path, info.buf);
			goto out;
		}
		if (now_ms() > deadline_ms) {
			error("QEMU did not finish saving the guest to '%s' in time", path);
			goto out;
		}
		sleep_ms(5);
	}
	r = 0;
out:
	strbuf_release(&info);
	strbuf_release(&err);
	return r;
}

int qemu_resume(struct qemu *q, int64_t deadline_ms)
{
	return qemu_monitor(q, "cont", NULL, deadline_ms);
}

/* The last line of QEMU's log into out; 0, or -1 when the log is empty or unreadable. */
static int log_last_line(const struct qemu *q, struct strbuf *out)
{
	struct strbuf log = STRBUF_INIT;
	int r = -1;
	if (strbuf_read_file(&log, q->qemu_log) == 0) {
		strbuf_rtrim(&log);
		if (log.len) {
			const char *last = strrchr(log.buf, '\n');
			strbuf_addstr(out, last ? last + 1 : log.buf);
			r = 0;
		}
	}
	strbuf_release(&log);
	return r;
}

int qemu_wait_restored(struct qemu *q, int64_t deadline_ms, struct strbuf *why)
{
	struct strbuf info = STRBUF_INIT, err = STRBUF_INIT;
	int r = -1;
	for (;;) {
		strbuf_reset(&info);
		if (monitor_cmd(q, "info status", &info, deadline_ms, &err) < 0)
			break;
		if (!strstr(info.buf, "inmigrate")) {
			r = 0;
			break;
		}
		sleep_ms(5);
	}
	if (r < 0) {
		/* QEMU exits when the load fails (its log's last line says why); one still
		 * loading at the deadline is stopped. */
		int late = now_ms() >= deadline_ms && qemu_alive(q);
		int gone = !late && proc_wait(&q->proc, now_ms() + 2000) == 0;
		if (!gone)
			qemu_stop(q);
		if (late) {
			strbuf_addstr(why, "QEMU had not loaded it by the time limit");
		} else if (gone) {
			strbuf_addstr(why, "QEMU ");
			proc_describe_status(why, q->proc.status);
			strbuf_addstr(why, ": ");
			if (log_last_line(q, why) < 0)
				strbuf_addstr(why, err.buf);
		} else {
			strbuf_addstr(why, err.buf);
		}
	}
	strbuf_release(&info);
	strbuf_release(&err);
	return r;
}

int qemu_stream_rejected(const struct qemu *q, struct strbuf *line)
{
	/* QEMU's own summary of a failed incoming migration (migration.c,
	 * process_incoming_migration_co, 7.2 and later): whatever was wrong with the
	 * stream (not one, cut short, another machine's), it ends with this line. */
	static const char said[] = "load of migration failed";
	struct strbuf log = STRBUF_INIT;
	const char *at = NULL;
	if (q->qemu_log && strbuf_read_file(&log, q->qemu_log) == 0)
		at = strstr(log.buf, said);
	if (at) {
		const char *bol = at;
		while (bol > log.buf && bol[-1] != '\n')
			bol--;
		strbuf_add(line, bol, strcspn(bol, "\r\n"));
	}
	strbuf_release(&log);
	return at != NULL;
}

int qemu_alive(struct qemu *q)
{
	if (!q->proc.pid || q->proc.reaped)
		return 0;
	return proc_wait(&q->proc, 0) == 1;
}

int qemu_wait(struct qemu *q, int64_t deadline_ms)
{
	if (!q->proc.pid)
		return error("QEMU was never started");
	int r = proc_wait(&q->proc, deadline_ms);
	if (r == 1)
		return 1;
	if (r < 0)
		return -1;
	if (proc_succeeded(&q->proc))
		return 0;
	/* One message with what QEMU said: its log is all there is to go on. */
	struct strbuf sb = STRBUF_INIT, log = STRBUF_INIT;
	proc_describe_status(&sb, q->proc.status);
	if (strbuf_read_file(&log, q->qemu_log) == 0 && log.len) {
		strbuf_addf(&sb, "; QEMU said (%s):\n", q->qemu_log);
		strbuf_add_tail(&sb, log.buf, 0, "  | ");
		strbuf_rtrim(&sb);
	}
	error("QEMU (pid %d) %s", (int)q->proc.pid, sb.buf);
	strbuf_release(&sb);
	strbuf_release(&log);
	return -1;
}

void qemu_stop(struct qemu *q)
{
	if (q->proc.pid && !q->proc.reaped)
		proc_stop(&q->proc, 2000);
}

void qemu_console_tail(const struct qemu *q, struct strbuf *out, int lines)
{
	struct strbuf sb = STRBUF_INIT;
	if (!q->console_log || strbuf_read_file(&sb, q->console_log) < 0 || !sb.len)
		strbuf_addstr(out, "  | (the console log is empty)\n");
	else
		strbuf_add_tail(out, sb.buf, lines, "  | ");
	strbuf_release(&sb);
}

void qemu_release(struct qemu *q)
{
	qemu_stop(q);
	proc_release(&q->proc);
	strvec_clear(&q->argv);
	free(q->gdb_target);
	free(q->console_log);
	free(q->qemu_log);
	free(q->go_sock);
	free(q->mon_sock);
	if (q->go_fd >= 0)
		close(q->go_fd);
	if (q->mon_fd >= 0)
		close(q->mon_fd);
	q->go_fd = q->mon_fd = -1;
	q->gdb_target = q->console_log = q->qemu_log = q->go_sock = q->mon_sock = NULL;
}

char *qemu_make_rundir(void)
{
	const char *t = getenv("TMPDIR");
	char *tmpl = xstrfmt("%s/kdive-run.XXXXXX", t && *t == '/' ? t : "/tmp");
	struct sockaddr_un sa;
	const char *bad = quote_bad_byte(tmpl);
	/* Every other byte is carried to QEMU and gdb (quote.h); a socket path has a
	 * length limit no quoting lifts. */
	if (bad) {
		error("the run directory '%s' would have %s: set TMPDIR to a directory without it",
		      tmpl, quote_byte_name((unsigned char)*bad));
		free(tmpl);
		return NULL;
	}
	if (strlen(tmpl) + strlen("/monitor.sock") >= sizeof(sa.sun_path)) {
		error("the run directory '%s' is too long for QEMU's unix sockets (%zu bytes; "
		      "at most %zu): set TMPDIR to a shorter directory", tmpl, strlen(tmpl),
		      sizeof(sa.sun_path) - 1 - strlen("/monitor.sock"));
		free(tmpl);
		return NULL;
	}
	if (!mkdtemp(tmpl)) {
		error_errno("cannot create a run directory '%s'", tmpl);
		free(tmpl);
		return NULL;
	}
	return tmpl;
}
