/*
 * qemu: the guest's command line, start, wait, stop. Depends on proc, deps.
 */
#define _GNU_SOURCE
#include "qemu.h"
#include "deps.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

void qemu_prepare(struct qemu *q, const struct qemu_opts *o)
{
	struct strbuf append = STRBUF_INIT;
	struct strbuf why = STRBUF_INIT;
	proc_init(&q->proc);
	strvec_init(&q->argv);
	q->console_log = xstrfmt("%s/console.log", o->rundir);
	q->qemu_log = xstrfmt("%s/qemu.log", o->rundir);
	q->gdb_target = o->gdb_port ? xstrfmt("127.0.0.1:%d", o->gdb_port)
				    : xstrfmt("%s/gdb.sock", o->rundir);
	q->kvm = deps_kvm_usable(&why);
	q->go_fd = -1;
	q->go_sock = o->go ? xstrfmt("%s/go.sock", o->rundir) : NULL;
	strbuf_release(&why);

	/* panic=-1: a panicking guest reboots at once, and -no-reboot turns that into
	 * QEMU's exit, so a dead kernel never hangs a run. no_timer_check: under TCG on a
	 * loaded host the IO-APIC timer check can miss its ticks and panic the boot
	 * ("IO-APIC + timer doesn't work!"); the emulated timer is known to work. */
	strbuf_addf(&append, "console=ttyS0 panic=-1 no_timer_check%s", o->kaslr ? "" : " nokaslr");
	if (o->program)
		strbuf_addf(&append, " kdive.prog=%s", o->program);
	if (o->args && *o->args)
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
	strvec_pushf(&q->argv, "%d", o->memory_mb ? o->memory_mb : 256);
	if (o->cpus > 1) {
		strvec_push(&q->argv, "-smp");
		strvec_pushf(&q->argv, "%d", o->cpus);
	}
	strvec_pushl(&q->argv, "-kernel", o->bzimage, "-initrd", o->initrd, "-append", append.buf,
		     NULL);
	strvec_push(&q->argv, "-serial");
	strvec_pushf(&q->argv, "file:%s", q->console_log);
	if (q->go_sock) {
		strvec_push(&q->argv, "-serial");
		strvec_pushf(&q->argv, "unix:%s,server=on,wait=off", q->go_sock);
	}
	strvec_pushl(&q->argv, "-monitor", "none", NULL);
	strvec_push(&q->argv, "-gdb");
	if (o->gdb_port)
		strvec_pushf(&q->argv, "tcp:127.0.0.1:%d,server=on,wait=off", o->gdb_port);
	else
		strvec_pushf(&q->argv, "unix:%s,server=on,wait=off", q->gdb_target);
	if (o->stopped)
		strvec_push(&q->argv, "-S");
	strbuf_release(&append);
}

/* Connect to the go socket now, so that nothing written later can be lost. */
static int qemu_connect_go(struct qemu *q)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(q->go_sock) >= sizeof(sa.sun_path))
		return error("socket path '%s' is too long", q->go_sock);
	strcpy(sa.sun_path, q->go_sock);
	q->go_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (q->go_fd < 0 || connect(q->go_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return error_errno("cannot connect to QEMU's serial socket '%s'", q->go_sock);
	return 0;
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
	int r = proc_start(&q->proc);
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
		    (!q->go_sock || path_exists(q->go_sock)))
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

int qemu_go(struct qemu *q)
{
	if (q->go_fd < 0 || write(q->go_fd, "go\n", 3) != 3)
		return error_errno("cannot write go to '%s'", q->go_sock ? q->go_sock : "(none)");
	return 0;
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
	if (q->go_fd >= 0)
		close(q->go_fd);
	q->go_fd = -1;
	q->gdb_target = q->console_log = q->qemu_log = q->go_sock = NULL;
}

char *qemu_make_rundir(void)
{
	const char *t = getenv("TMPDIR");
	char *tmpl = xstrfmt("%s/kdive-run.XXXXXX", t && *t == '/' ? t : "/tmp");
	if (!mkdtemp(tmpl)) {
		error_errno("cannot create a run directory '%s'", tmpl);
		free(tmpl);
		return NULL;
	}
	return tmpl;
}
