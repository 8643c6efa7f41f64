/*
 * kdive-wait: the guest's init once it waits for kdive (kdive.wait=DEV; /init execs
 * it as PID 1 after mounting /proc, /sys and /dev). Says "ready 2" on /dev/DEV and
 * waits there for the line that names the program:
 *
 *   run NAME WORD...   run it now
 *   hold NAME WORD...  start it, stopped right after its execve (before its first
 *                      instruction), and let it go on at the line "cont": kdive sends
 *                      this one as soon as the guest is restored (or ready), so that
 *                      the fork and the exec happen while gdb still loads vmlinux
 *
 * NAME is a program of /progs or a user's program's absolute path: then the files it
 * needs are a newc cpio on the virtio disk /dev/vda (when the kernel has one; else in
 * the initramfs), unpacked at / first. Each WORD is one argument: an `x`, then its
 * bytes, those outside [A-Za-z0-9._,/:=+@-] written as \xHH. Other lines are ignored
 * (and said so). The program's exit status goes to the console, as the shell says it
 * ("kdive: PATH exited with status N", 128+SIG for a signal), then "kdive: guest done",
 * and the guest reboots: QEMU's -no-reboot makes QEMU exit.
 *
 *   kdive-wait DEV [BUSY]   BUSY: run /progs/BUSY in the background meanwhile (a load
 *                           on the other CPUs for SMP tests; killed when the program ends)
 *
 * A C program, not the shell: a guest restored from a snapshot runs under TCG with no
 * code translated yet, and every instruction between the run line and the program's
 * main is one kdive waits for.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define LINE_MAX_BYTES 8192 /* kdive's run line limit (QEMU_GO_LINE_MAX) fits */
#define MAX_ARGS 1024

/* One line on the console, with kdive's prefix. */
static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("kdive: ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
	va_end(ap);
}

/* Read one line from fd into buf (without its newline). Its length, or -1 at the end. */
static ssize_t read_line(int fd, char *buf, size_t size)
{
	size_t n = 0;
	for (;;) {
		char c;
		ssize_t got = read(fd, &c, 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return n ? (ssize_t)n : -1;
		if (c == '\n' || c == '\r') {
			if (n == 0)
				continue; /* an empty line, or the \n of \r\n */
			buf[n] = '\0';
			return (ssize_t)n;
		}
		if (n + 1 < size)
			buf[n++] = c;
	}
}

static int hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode one WORD ("x" then its bytes, \xHH escaped) in place. 0, or -1 when malformed. */
static int decode_word(char *w)
{
	if (*w != 'x')
		return -1;
	char *out = w;
	for (const char *p = w + 1; *p;) {
		if (p[0] == '\\' && p[1] == 'x' && hex(p[2]) >= 0 && hex(p[3]) >= 0) {
			*out++ = (char)(hex(p[2]) << 4 | hex(p[3]));
			p += 4;
		} else {
			*out++ = *p++;
		}
	}
	*out = '\0';
	return 0;
}

/* What the program's status is, as the shell's $? says it. */
static int shell_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 255;
}

/* Run argv[0] with stdin from in (or NULL: the console) and its chatter (stderr) to
 * /dev/null, and wait. Its wait status, -1 if it did not run. */
static int run_wait(char *const argv[], const char *in)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null < 0 || dup2(null, 2) < 0)
			_exit(127);
		if (in) {
			int fd = open(in, O_RDONLY);
			if (fd < 0 || dup2(fd, 0) < 0)
				_exit(127);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return st;
}

/* "kdive: running PATH ARG...": where the program's output begins on the console. */
static void say_running(char *const args[], size_t nargs)
{
	fputs("kdive: running", stdout);
	for (size_t i = 0; i < nargs; i++)
		printf(" %s", args[i]);
	fputc('\n', stdout);
	fflush(stdout);
}

/* The programs of /progs, for a name that is not one. */
static void list_progs(char *out, size_t size)
{
	DIR *d = opendir("/progs");
	struct dirent *de;
	size_t n = 0;
	out[0] = '\0';
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		int w = snprintf(out + n, size - n, "%s ", de->d_name);
		if (w < 0 || (size_t)w >= size - n)
			break;
		n += (size_t)w;
	}
	if (d)
		closedir(d);
}

int main(int argc, char **argv)
{
	static char line[LINE_MAX_BYTES], cmd[LINE_MAX_BYTES];
	char *args[MAX_ARGS + 2];
	if (argc < 2) {
		say("usage: kdive-wait DEV [BUSY]");
		return 2;
	}
	char *dev = NULL;
	if (asprintf(&dev, "/dev/%s", argv[1]) < 0)
		return 1;
	/* The port stays open from "ready" to the end: opening a UART clears its FIFO, so
	 * a line sent before an open would be lost. No echo: kdive does not read it back,
	 * and a long line echoed into a full port stalls the tty. No time limit on the
	 * read: a guest restored from a snapshot finds its clock far behind. */
	int fd = open(dev, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		say("cannot open %s: %s", dev, strerror(errno));
		return 1;
	}
	struct termios t;
	if (tcgetattr(fd, &t) == 0) {
		t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		tcsetattr(fd, TCSANOW, &t);
	}
	if (write(fd, "ready 2\n", 8) != 8)
		say("cannot say ready on %s: %s", dev, strerror(errno));

	int hold = 0, have = 0;
	ssize_t n;
	while ((n = read_line(fd, line, sizeof(line))) >= 0) {
		if (!strncmp(line, "run ", 4) || !strncmp(line, "hold ", 5)) {
			hold = line[0] == 'h';
			have = 1;
			break;
		}
		say("ignoring '%s' on %s", line, dev);
	}
	if (!have) {
		say("%s closed before a run line came", dev);
		goto done;
	}
	/* The words: NAME, then the arguments. */
	strcpy(cmd, line);
	size_t nargs = 0;
	char *save = NULL, *w = strtok_r(cmd + (hold ? 5 : 4), " ", &save);
	char *name = w, *path = NULL;
	int bad = 0;
	args[nargs++] = NULL; /* argv[0], the path */
	while ((w = strtok_r(NULL, " ", &save)) && nargs <= MAX_ARGS)
		if (decode_word(w) < 0)
			bad = 1;
		else
			args[nargs++] = w;
	args[nargs] = NULL;
	if (!name || bad) {
		say("malformed run line '%s'", line);
		goto done;
	}
	if (name[0] == '/') {
		path = name;
		struct stat st;
		char *cpio[] = { "/bin/cpio", "-i", "-d", "-m", "-u", NULL };
		if (stat("/dev/vda", &st) == 0 && S_ISBLK(st.st_mode) &&
		    (chdir("/") < 0 || run_wait(cpio, "/dev/vda") != 0))
			say("cannot unpack the program's files from /dev/vda");
	} else if (asprintf(&path, "/progs/%s", name) < 0) {
		goto done;
	}
	args[0] = path;

	pid_t busy = 0;
	if (argc > 2 && argv[2][0]) {
		char *bpath = NULL;
		if (asprintf(&bpath, "/progs/%s", argv[2]) >= 0 && access(bpath, X_OK) == 0) {
			busy = fork();
			if (busy == 0) {
				char *bargv[] = { bpath, NULL };
				execv(bpath, bargv);
				_exit(127);
			}
			if (busy > 0)
				say("%s runs in the background (pid %d)", bpath, (int)busy);
		}
		free(bpath);
	}

	if (access(path, X_OK) < 0) {
		char have_progs[4096];
		list_progs(have_progs, sizeof(have_progs));
		say("no guest program %s (have: %s)", path, have_progs);
		goto end;
	}
	if (!hold)
		say_running(args, nargs);
	pid_t pid = fork();
	if (pid < 0) {
		say("cannot fork: %s", strerror(errno));
		goto end;
	}
	if (pid == 0) {
		if (hold && ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
			_exit(126);
		execv(path, args);
		say("cannot run %s: %s", path, strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	int st;
	for (;;) {
		if (waitpid(pid, &st, 0) < 0) {
			if (errno == EINTR)
				continue;
			say("cannot wait for %s: %s", path, strerror(errno));
			goto end;
		}
		if (!WIFSTOPPED(st))
			break;
		/* Stopped after its execve (or at a signal before it): it goes on at "cont",
		 * without the signal that stopped it when that was the exec's SIGTRAP. */
		while (hold && (n = read_line(fd, line, sizeof(line))) >= 0 && strcmp(line, "cont"))
			say("ignoring '%s' on %s", line, dev);
		/* Said now, where the program's output begins: what the kernel printed
		 * while it was held (a restored guest's clock settling) comes before. */
		if (hold)
			say_running(args, nargs);
		hold = 0;
		int sig = WSTOPSIG(st) == SIGTRAP ? 0 : WSTOPSIG(st);
		ptrace(PTRACE_DETACH, pid, NULL, (void *)(long)sig);
	}
	say("%s exited with status %d", path, shell_status(st));
end:
	if (busy > 0)
		kill(busy, SIGKILL);
done:
	say("guest done");
	/* The console is a tty: what was written waits in its queue for the UART, and the
	 * kernel's own lines on the way down (printk) would cut into it. */
	tcdrain(STDOUT_FILENO);
	sync();
	reboot(RB_AUTOBOOT);
	return 0;
}
