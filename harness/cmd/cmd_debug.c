/*
 * kdive debug: one command to a real gdb on a booted guest. QEMU starts stopped, gdb
 * (the CLI, or -tui) gets the terminal with vmlinux, the guest program's symbols, the
 * kernel's own gdb scripts (lx-dmesg, lx-ps, $lx_current()) and kdive's helpers
 * (gdbinit/kdive.py: kd-lstar, kd-ptregs, kd-ubt, kd-syscall, kd-console), and the
 * scenario's breakpoints already set. Quitting gdb shuts the guest down.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "deps.h"
#include "proc.h"
#include "qemu.h"
#include "quote.h"
#include "scenario.h"
#include "session.h"
#include "syscalls.h"
#include "userprog.h"
#include "files.h"
#include "strbuf.h"
#include "strvec.h"
#include "timeutil.h"
#include "usage.h"
#include "wrapper.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Push "cmd ARG", ARG quoted by quote_gdb_arg (an argument) or quote_gdb_rest (the
 * rest of the line). 0, or -1 reported: a path gdb's command line cannot carry. */
static int push_cmd(struct strvec *cmds, const char *cmd, const char *arg, int rest)
{
	struct strbuf sb = STRBUF_INIT, why = STRBUF_INIT;
	strbuf_addf(&sb, "%s ", cmd);
	int r = rest ? quote_gdb_rest(&sb, arg, &why) : quote_gdb_arg(&sb, arg, &why);
	if (r < 0)
		error("gdb's '%s' cannot be given the path: %s", cmd, why.buf);
	else
		strvec_push(cmds, sb.buf);
	strbuf_release(&sb);
	strbuf_release(&why);
	return r;
}

/* Push "set $name = "value"". */
static void push_set(struct strvec *cmds, const char *name, const char *value)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "set $%s = ", name);
	quote_c(&sb, value);
	strvec_push(cmds, sb.buf);
	strbuf_release(&sb);
}

/* The program the person debugs: its name and where gdb finds its symbols. */
struct debug_prog {
	const char *name;       /* its task's comm */
	char *symfile;          /* its symbols; owned */
	uint64_t base;          /* a PIE's load address, else 0 */
	struct strvec libs;     /* a dynamic one's libraries: "0xBASE PATH" */
};

/* Push "add-symbol-file FILE [-o BASE]". 0, or -1 reported. */
static int push_symbols(struct strvec *cmds, const char *file, uint64_t base)
{
	struct strbuf sb = STRBUF_INIT, why = STRBUF_INIT;
	strbuf_addstr(&sb, "add-symbol-file ");
	int r = quote_gdb_arg(&sb, file, &why);
	if (r < 0)
		error("gdb's add-symbol-file cannot be given the path: %s", why.buf);
	else if (base)
		strvec_pushf(cmds, "%s -o 0x%llx", sb.buf, (unsigned long long)base);
	else
		strvec_push(cmds, sb.buf);
	strbuf_release(&sb);
	strbuf_release(&why);
	return r;
}

/* The helpers' Python: the kernel's own (lx-dmesg, lx-ps, $lx_current(), ...) and
 * kdive's. 0, or -1 reported. */
static int helper_commands(struct strvec *cmds, const struct kernel *k)
{
	char *lxgdb = k->build ? xstrfmt("%s/vmlinux-gdb.py", k->build) : NULL;
	char *helpers = xstrfmt("%s/gdbinit/kdive.py", cli_datadir());
	int r = -1;
	if ((!lxgdb || access(lxgdb, R_OK) < 0 || push_cmd(cmds, "source", lxgdb, 1) == 0) &&
	    push_cmd(cmds, "source", helpers, 1) == 0)
		r = 0;
	free(lxgdb);
	free(helpers);
	return r;
}

/*
 * The gdb commands that set the session up, one per line; with helpers, the helpers'
 * Python too (else the early script has it). 0, or -1 reported.
 */
static int session_commands(struct strvec *cmds, const struct debug_prog *p,
			    const struct kernel *k,
			    const char *target, const char *console, const struct scenario *sc,
			    const struct syscalls *table, const struct session_layout *layout,
			    uint64_t slide, int to_main, int helpers)
{
	const char *prog = p->name;
	char *table_path = kernel_syscalls_header(k);
	char *relocate = xstrfmt("symbol-file -o 0x%llx", (unsigned long long)slide);
	int r = -1;
	strvec_pushl(cmds, "set confirm off", "set debuginfod enabled off", NULL);
	/* target remote reads a name with a ':' as host:port. */
	if (strchr(target, ':') && target[0] == '/') {
		error("the gdbstub socket '%s' has a ':', which gdb's target remote reads as "
		      "host:port: set TMPDIR to a directory without it", target);
		goto out;
	}
	if (push_cmd(cmds, "target remote", target, 1) < 0 ||
	    (slide && push_cmd(cmds, relocate, k->vmlinux, 0) < 0))
		goto out;
	strvec_pushf(cmds, "set $kd_slide = 0x%llx", (unsigned long long)slide);
	if (push_symbols(cmds, p->symfile, p->base) < 0)
		goto out;
	for (size_t i = 0; i < p->libs.nr; i++) {
		char *path = strchr(p->libs.v[i], ' ') + 1;
		if (push_symbols(cmds, path, strtoull(p->libs.v[i], NULL, 16)) < 0)
			goto out;
	}
	push_set(cmds, "kd_prog", prog);
	/* The layout as kdive computed it: kdive.py uses these rather than its own. */
	push_set(cmds, "kd_current", layout->current);
	strvec_pushf(cmds, "set $kd_stack_top = %llu", (unsigned long long)layout->stack_top);
	push_set(cmds, "kd_console", console);
	if (table_path)
		push_set(cmds, "kd_syscalls", table_path);
	if (helpers && helper_commands(cmds, k) < 0)
		goto out;
	if (to_main) {
		/* The program's main first (it runs once its run line is sent), then the
		 * scenario's breakpoints, as kdive's session arms them. */
		struct strbuf cond = STRBUF_INIT, why = STRBUF_INIT;
		session_layout_cond(layout, prog, -1, NULL, &cond, &why);
		strvec_pushf(cmds, "hbreak main if %s", cond.buf);
		strvec_pushl(cmds, "continue", "delete", NULL);
		strbuf_release(&cond);
		strbuf_release(&why);
	}
	for (size_t i = 0; sc && i < sc->nstops; i++) {
		const struct scenario_stop *st = &sc->stops[i];
		struct strbuf cond = STRBUF_INIT;
		int nr = st->syscall ? run_syscall_nr(table, st->syscall) : -1;
		struct strbuf why = STRBUF_INIT;
		int bad = session_layout_cond(layout, prog, nr, st->cond, &cond, &why);
		if (bad)
			error("%s: the stop at '%s': %s", sc->file, st->location, why.buf);
		else
			strvec_pushf(cmds, "%s %s if %s",
				     st->space == SCENARIO_USER ? "hbreak" : "break", st->location,
				     cond.buf);
		strbuf_release(&cond);
		strbuf_release(&why);
		if (bad)
			goto out;
	}
	r = 0;
out:
	free(table_path);
	free(relocate);
	return r;
}

/* Show the console in a tmux pane below gdb; returns the pane id or NULL. */
static char *tmux_console_pane(const char *console)
{
	struct strbuf out = STRBUF_INIT;
	struct strbuf sh = STRBUF_INIT;
	strbuf_addstr(&sh, "tail -n +1 -F ");
	quote_sh(&sh, console);
	strbuf_addstr(&sh, " 2>/dev/null");
	char *cmd = strbuf_detach(&sh, NULL);
	const char *argv[] = { "tmux", "split-window", "-d", "-v", "-l", "12", "-P", "-F",
			       "#{pane_id}", cmd, NULL };
	char *id = NULL;
	if (getenv("TMUX") && proc_run_capture(argv, &out, 0, 5000) == 0) {
		strbuf_rtrim(&out);
		if (out.len)
			id = strbuf_detach(&out, NULL);
	}
	strbuf_release(&out);
	free(cmd);
	return id;
}

/* The gdb command line with cmds, into sb. */
static void user_gdb_line(const struct strvec *cmds, const char *vmlinux, int tui,
			  struct strbuf *sb)
{
	struct strvec g = STRVEC_INIT;
	strvec_pushl(&g, "gdb", "-q", "-nx", "-iex", "set auto-load python-scripts off", NULL);
	if (tui)
		strvec_push(&g, "-tui");
	for (size_t i = 0; i < cmds->nr; i++)
		strvec_pushl(&g, "-ex", cmds->v[i], NULL);
	strvec_push(&g, vmlinux);
	strvec_join_display(&g, sb);
	strvec_clear(&g);
}

/*
 * The warm guest by hand: its files in dir, QEMU restoring the snapshot (argv), gdb
 * running to the program's main, and the run line that starts the program.
 */
static void print_warm_commands(const char *dir, const struct strvec *argv, const char *state,
				const struct strvec *cmds, const char *vmlinux, int tui,
				const char *run_line)
{
	struct strbuf sb = STRBUF_INIT;
	struct strvec v = STRVEC_INIT;
	char *fifo_in = xstrfmt("%s/go.in", dir), *fifo_out = xstrfmt("%s/go.out", dir);
	char *disk = xstrfmt("%s/disk.img", dir), *console = xstrfmt("%s/console.log", dir);
	char *sock = xstrfmt("%s/gdb.sock", dir);
	strvec_pushl(&v, "mkfifo", fifo_in, fifo_out, NULL);
	strvec_join_display(&v, &sb);
	strvec_clear(&v);
	strbuf_addstr(&sb, " && ");
	strvec_pushl(&v, "truncate", "-s", "64M", disk, NULL);
	strvec_join_display(&v, &sb);
	strvec_clear(&v);
	printf("# 1. the guest's run line on a FIFO pair, and its disk (empty, the size the "
	       "saved guest knows):\n%s\n\n", sb.buf);
	strbuf_reset(&sb);
	strvec_join_display(argv, &sb);
	strbuf_addstr(&sb, " 3<");
	quote_sh(&sb, state);
	printf("# 2. the guest, restored from kdive's warm snapshot (read as its fd 3), waiting "
	       "for its program:\n%s\n\n", sb.buf);
	strbuf_reset(&sb);
	user_gdb_line(cmds, vmlinux, tui, &sb);
	printf("# 3. in another terminal, gdb attached with kdive's set-up; it stops at the "
	       "program's main\n#    once 4. starts it, then arms the scenario's breakpoints:\n"
	       "%s\n\n", sb.buf);
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "echo ");
	quote_sh(&sb, run_line);
	strbuf_addstr(&sb, " >");
	quote_sh(&sb, fifo_in);
	/* Not before: a line QEMU takes while it still loads the guest is lost to it. */
	printf("# 4. in a third terminal, once gdb says \"Continuing.\", the line that starts "
	       "the program:\n%s\n\n", sb.buf);
	strbuf_reset(&sb);
	strvec_pushl(&v, "rm", "-f", fifo_in, fifo_out, disk, console, sock, NULL);
	strvec_join_display(&v, &sb);
	strvec_clear(&v);
	printf("# gdb's kill (or the program's end) ends QEMU; then:\n%s\n", sb.buf);
	strbuf_release(&sb);
	free(fifo_in);
	free(fifo_out);
	free(disk);
	free(console);
	free(sock);
}

static void print_commands(const struct qemu *q, const struct strvec *cmds, const char *vmlinux,
			   int tui)
{
	struct strbuf sb = STRBUF_INIT;
	strvec_join_display(&q->argv, &sb);
	printf("# 1. the guest, stopped at the reset vector, gdbstub on a unix socket:\n%s\n\n",
	       sb.buf);
	strbuf_reset(&sb);
	user_gdb_line(cmds, vmlinux, tui, &sb);
	printf("# 2. in another terminal, gdb attached with kdive's set-up:\n%s\n", sb.buf);
	strbuf_release(&sb);
}

/*
 * Open the guest under kdive's own gdb and run the program to its main (under
 * --kaslr, session finds the slide there: a syscall injected at main enters the
 * kernel at MSR_LSTAR), then let that gdb go without detaching: the guest stays
 * stopped at main for the person's gdb. Hands over QEMU and the run directory; a
 * dynamic program's libraries go into p->libs.
 */
static int open_at_main(const struct cli_images *im, const struct kernel *k,
			const struct scenario *sc, const struct userprog *user,
			const struct boot_opts *boot, char *mine, struct qemu *q, char **rundir,
			uint64_t *slide, struct debug_prog *p)
{
	struct session_image img;
	struct session_info si;
	struct boot_opts b = *boot;
	struct session s;
	struct strbuf why = STRBUF_INIT;
	int r = -1;
	cli_session_image(im, k, &img);
	img.user = user;
	b.keep = 0; /* the run directory is handed over: the caller keeps it or not */
	b.rundir = mine; /* the session's now */
	if (session_open(&s, &img, &b, sc->program, &sc->args, &why) == 0) {
		session_describe(&s, &si);
		if (b.kaslr)
			info("KASLR: MSR_LSTAR 0x%llx, slide 0x%llx", (unsigned long long)si.lstar,
			     (unsigned long long)si.slide);
		*slide = si.slide;
		for (size_t i = 0; i < si.libraries->nr; i++)
			strvec_push(&p->libs, si.libraries->v[i]);
		qemu_release(q);
		session_handover(&s, q, rundir);
		r = 0;
	} else if (why.len) {
		error("%s", why.buf);
	}
	session_end(&s, r == 0);
	strbuf_release(&why);
	return r;
}

/* debug's own options. */
struct debug_opts {
	int tui;             /* --tui */
	int print_cmd;       /* --print-cmd */
	int boot;            /* --boot: from the reset vector, not the warm guest */
};

static int debug_option(void *ctx, int key, const char *arg)
{
	(void)arg;
	struct debug_opts *d = ctx;
	switch (key) {
	case 'T': d->tui = 1; break;
	case 'c': d->print_cmd = 1; break;
	case 'b': d->boot = 1; break;
	}
	return 0;
}

/* The session's gdb script, with a word on where the guest is: its path, or NULL. */
static char *write_script(struct strvec *cmds, const char *rundir, int kaslr, uint64_t slide,
			  const char *program)
{
	struct strbuf text = STRBUF_INIT;
	if (kaslr && slide)
		strvec_pushf(cmds, "echo \\nkdive: KASLR slide 0x%llx: symbols relocated; the guest "
			     "is stopped at %s's main.\\n", (unsigned long long)slide, program);
	else if (kaslr)
		strvec_pushf(cmds, "echo \\nkdive: the guest is stopped at %s's main.\\n", program);
	else
		strvec_push(cmds, "echo \\nkdive: the guest is stopped at the reset vector; "
			    "`continue` boots it.\\n");
	strvec_push(cmds, "echo "
		    "kdive: helpers: kd-syscall NAME, kd-ptregs, kd-ubt, kd-lstar, kd-console "
		    "(help user-defined); the kernel's: lx-dmesg, lx-ps, $lx_current().\\n"
		    "kdive: `quit` shuts the guest down.\\n");
	for (size_t i = 0; i < cmds->nr; i++)
		strbuf_addf(&text, "%s\n", cmds->v[i]);
	char *script = xstrfmt("%s/session.gdb", rundir);
	if (write_file_atomic(script, text.buf, text.len) < 0) {
		error_errno("cannot write '%s'", script);
		free(script);
		script = NULL;
	}
	strbuf_release(&text);
	return script;
}

/*
 * Start the user's gdb on the terminal with script: kdive's process group, so that
 * Ctrl-C reaches it (and stops the guest). 0, or -1 when gdb could not start
 * (reported).
 */
static int start_user_gdb(struct proc *g, const char *script, const char *vmlinux, int tui)
{
	strvec_push(&g->args, deps_tool("gdb")); /* $KDIVE_GDB overrides, as for every tool */
	/* Before vmlinux loads: kdive sources the kernel's gdb scripts itself. */
	strvec_pushl(&g->args, "-q", "-nx", "-iex", "set auto-load python-scripts off", NULL);
	if (tui)
		strvec_push(&g->args, "-tui");
	strvec_pushl(&g->args, "-x", script, vmlinux, NULL);
	g->keep_group = 1;
	return proc_start(g);
}

/* Wait for the user's gdb to quit, kdive deaf to the Ctrl-C that is gdb's. */
static void wait_user_gdb(struct proc *g)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	proc_wait(g, -1);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
}

#define HANDOVER_WAIT_MS 10000 /* gdb opens the hand-over FIFO within this */

/*
 * The user's gdb started before the guest is open, so that it loads vmlinux and the
 * helpers' Python while kdive restores the guest: its first script (in a run
 * directory made here, into *rundir) ends waiting on the FIFO rundir/handover, and
 * then sources rundir/session.gdb (tell_user_gdb()). 0, or -1 reported.
 */
static int start_early_gdb(struct proc *g, const struct kernel *k, int keep, char **rundir)
{
	struct strvec cmds = STRVEC_INIT;
	struct strbuf text = STRBUF_INIT;
	char *dir = qemu_make_rundir(), *fifo = NULL, *late = NULL, *script = NULL;
	int r = -1;
	if (!dir)
		return -1;
	if (!keep)
		proc_remove_at_death(dir);
	*rundir = dir;
	fifo = xstrfmt("%s/handover", dir);
	late = xstrfmt("%s/session.gdb", dir);
	script = xstrfmt("%s/early.gdb", dir);
	if (mkfifo(fifo, 0600) < 0) {
		error_errno("cannot make the FIFO '%s'", fifo);
		goto out;
	}
	strvec_pushl(&cmds, "set confirm off", "set debuginfod enabled off", NULL);
	if (helper_commands(&cmds, k) < 0)
		goto out;
	push_set(&cmds, "kd_handover", fifo);
	/* kdive's word: "go" once session.gdb is there; nothing (kdive failed): quit. */
	strvec_pushl(&cmds, "python",
		     "with open(gdb.convenience_variable('kd_handover').string()) as kd_f:",
		     "    kd_word = kd_f.readline().strip()",
		     "if kd_word != 'go':",
		     "    gdb.execute('quit')",
		     "end", NULL);
	if (push_cmd(&cmds, "source", late, 1) < 0)
		goto out;
	for (size_t i = 0; i < cmds.nr; i++)
		strbuf_addf(&text, "%s\n", cmds.v[i]);
	if (write_file_atomic(script, text.buf, text.len) < 0) {
		error_errno("cannot write '%s'", script);
		goto out;
	}
	r = start_user_gdb(g, script, k->vmlinux, 0);
out:
	strvec_clear(&cmds);
	strbuf_release(&text);
	free(fifo);
	free(late);
	free(script);
	return r;
}

/* Tell the early gdb that session.gdb is there (ok) or that kdive failed. 0, or -1
 * reported (gdb gone, or not waiting any more). */
static int tell_user_gdb(struct proc *g, const char *rundir, int ok)
{
	char *fifo = xstrfmt("%s/handover", rundir);
	int64_t deadline = now_ms() + HANDOVER_WAIT_MS;
	int fd = -1, r = -1;
	/* Its reader may not be there yet: then opening without blocking says ENXIO. */
	while ((fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0 && errno == ENXIO &&
	       now_ms() < deadline && proc_wait(g, now_ms() + 5) == 1)
		;
	if (fd < 0) {
		if (!g->reaped && ok)
			error("gdb does not wait for kdive any more (Ctrl-C?): `source %s/session.gdb` "
			      "in it attaches it", rundir);
	} else {
		r = write_all(fd, ok ? "go\n" : "no\n", 3) < 0 ? error_errno("cannot write '%s'", fifo)
							      : 0;
		close(fd);
	}
	free(fifo);
	return r;
}

/*
 * --print-cmd: the commands that do by hand what debug does, in $TMPDIR (else /tmp):
 * the warm guest's when it has a snapshot (unless --boot or --kaslr), else the boot
 * from the reset vector. Starts nothing, writes nothing. 0, or -1 reported.
 */
static int print_cmd(const struct debug_opts *d, const struct cli_images *im,
		     const struct kernel *k, const struct scenario *sc, int have_sc,
		     const struct debug_prog *dp, const struct boot_opts *boot,
		     const struct session_layout *layout, struct qemu_opts *qo)
{
	struct strvec cmds = STRVEC_INIT, argv = STRVEC_INIT;
	struct strbuf why = STRBUF_INIT, line = STRBUF_INIT;
	struct session_image img;
	struct qemu q;
	const char *tmp = getenv("TMPDIR");
	char *state = NULL;
	int r = -1, warm = 1;
	qo->rundir = tmp && *tmp ? tmp : "/tmp";
	cli_session_image(im, k, &img);
	if (!d->boot && !boot->kaslr) {
		warm = session_warm_command(&img, boot, qo->rundir, &argv, &state, &why);
		if (warm < 0)
			goto out;
		if (warm)
			printf("# no warm snapshot to restore (%s): the guest boots instead\n",
			       why.buf);
	}
	qemu_prepare(&q, qo);
	if (session_commands(&cmds, dp, k, q.gdb_target, q.console_log, have_sc ? sc : NULL,
			     &k->syscalls, layout, 0, !warm, 1) < 0)
		goto out_q;
	if (!warm && qemu_go_line(dp->name, &sc->args, &line, &why) < 0) {
		error("%s", why.buf);
		goto out_q;
	}
	strbuf_rtrim(&line);
	if (!warm)
		print_warm_commands(qo->rundir, &argv, state, &cmds, k->vmlinux, d->tui,
				    line.buf);
	else
		print_commands(&q, &cmds, k->vmlinux, d->tui);
	r = 0;
out_q:
	qemu_release(&q);
out:
	free(state);
	strvec_clear(&cmds);
	strvec_clear(&argv);
	strbuf_release(&why);
	strbuf_release(&line);
	return r;
}

/* The guest that --boot (and --print-cmd without a snapshot) starts: stopped at the
 * reset vector, init told to run program. */
static void reset_vector_guest(struct qemu_opts *qo, const struct kernel *k,
			       const struct cli_images *im, const struct boot_opts *b,
			       const char *program)
{
	qo->bzimage = k->bzimage;
	qo->cpus = b->cpus;
	qo->append = b->append;
	qo->initrd = im->initrd;
	qo->program = program;
	qo->stopped = 1;
}

static int cmd_debug(int argc, char **argv)
{
	struct cli_args a;
	struct debug_opts d = { 0 };
	struct cli_images im;
	struct scenario sc;
	struct session_layout layout = { 0 };
	struct qemu q;
	struct qemu_opts qo = { 0 };
	struct strvec cmds = STRVEC_INIT;
	struct userprog user = { 0 };
	struct debug_prog dp = { NULL, NULL, 0, STRVEC_INIT };
	int rc, have_sc = 0, ok = 0, early = 0;
	uint64_t slide = 0;
	struct proc ug = PROC_INIT; /* the user's gdb */
	char *rundir = NULL, *script = NULL, *pane = NULL;

	memset(&im, 0, sizeof(im));
	memset(&sc, 0, sizeof(sc));
	memset(&q, 0, sizeof(q));
	proc_init(&q.proc);
	q.go_fd = q.mon_fd = -1;
	rc = cli_parse(&cli_cmd_debug, argc, argv, &a, debug_option, &d);
	if (rc)
		goto out;
	if (a.nrest - a.nafter > 1) {
		rc = cli_usage_error("debug", "at most one scenario file");
		goto out;
	}
	if (a.nrest > a.nafter) {
		rc = cli_load_scenario(a.rest[0], &sc, NULL);
		if (rc)
			goto out;
		have_sc = 1;
	}
	cli_program_scenario(&a, &sc, have_sc);
	if (!sc.program) {
		sc.program = xstrdup("fork");
		sc.file = xstrdup("--program");
	}
	rc = cli_resolve_images(&im, &a.boot, 1);
	if (rc || (rc = cli_check_names(&sc, &im, &user)))
		goto out;
	rc = KDIVE_EXIT_INFRA;
	const char *program = user.name ? user.name : sc.program;
	dp.name = program;
	dp.symfile = user.name ? xstrdup(user.elf) : xstrfmt("%s/%s", im.progs, sc.program);
	dp.base = user.load_base;
	/* The guest through kdive's session: restored from its warm snapshot (or booted
	 * and saved), the program started and stopped at its main, and only then the
	 * scenario's breakpoints armed, so `continue` reaches the first stop at once.
	 * --boot starts from the reset vector instead, every breakpoint live during the
	 * boot; a user's program and KASLR need the session. */
	int at_main = !d.boot || a.boot.guest.kaslr || user.name;
	if (d.boot && at_main) {
		rc = cli_usage_error("debug", "--boot starts a built-in program from the reset "
				     "vector; %s needs kdive's session (drop --boot)",
				     user.name ? "a program of your own" : "--kaslr");
		goto out;
	}
	if (user.name && d.print_cmd) {
		rc = cli_usage_error("debug", "--print-cmd boots a built-in program; '%s' needs "
				     "kdive's session (drop --print-cmd)", sc.program);
		goto out;
	}
	const struct kernel *k = &im.kernels[0];
	if (session_layout_read(&layout, k->vmlinux) < 0)
		goto out;
	reset_vector_guest(&qo, k, &im, &a.boot.guest, program);
	if (d.print_cmd) {
		rc = print_cmd(&d, &im, k, &sc, have_sc, &dp, &a.boot.guest, &layout, &qo) < 0
			     ? KDIVE_EXIT_INFRA : KDIVE_EXIT_PASS;
		goto out;
	}
	if (at_main) {
		/* gdb starts at once and loads while the guest is restored (not under --tui:
		 * kdive's lines meanwhile would break its screen). */
		char *mine = NULL;
		early = !d.tui;
		if (early && start_early_gdb(&ug, k, a.boot.guest.keep, &mine) < 0) {
			free(mine);
			goto out;
		}
		if (open_at_main(&im, k, &sc, user.name ? &user : NULL, &a.boot.guest, mine, &q,
				 &rundir, &slide, &dp) < 0)
			goto out;
		/* Per-CPU variables do not move with the slide (session_layout_relocate). */
		session_layout_relocate(&layout, slide);
	} else {
		rundir = qemu_make_rundir();
		if (!rundir)
			goto out;
		if (!a.boot.guest.keep)
			proc_remove_at_death(rundir);
		qo.rundir = rundir;
		if (qemu_start(&q, &qo) < 0)
			goto out;
	}
	if (session_commands(&cmds, &dp, k, q.gdb_target, q.console_log,
			     have_sc ? &sc : NULL, &k->syscalls, &layout, slide, 0, !early) < 0)
		goto out;
	script = write_script(&cmds, rundir, at_main, slide, program);
	if (!script)
		goto out;
	pane = tmux_console_pane(q.console_log);
	if (pane)
		info("guest console in the tmux pane below");
	else
		info("guest console: %s (kd-console shows its tail)", q.console_log);
	if (early ? tell_user_gdb(&ug, rundir, 1) == 0
		  : start_user_gdb(&ug, script, k->vmlinux, d.tui) == 0) {
		wait_user_gdb(&ug);
		ok = 1;
		rc = KDIVE_EXIT_PASS;
	}
out:
	if (ug.pid && !ug.reaped) {
		/* kdive failed before gdb was told, or gdb stopped listening: it goes too. */
		if (rundir)
			tell_user_gdb(&ug, rundir, 0);
		proc_stop(&ug, 2000);
	}
	proc_release(&ug);
	if (pane) {
		const char *kill_pane[] = { "tmux", "kill-pane", "-t", pane, NULL };
		struct strbuf o = STRBUF_INIT;
		proc_run_capture(kill_pane, &o, 1, 5000);
		strbuf_release(&o);
	}
	qemu_release(&q);
	if (rundir) {
		proc_forget_at_death(rundir);
		if (ok && !a.boot.guest.keep)
			remove_tree(rundir);
		else
			info("run directory kept: %s", rundir);
	}
	free(rundir);
	free(script);
	free(pane);
	strvec_clear(&cmds);
	scenario_release(&sc);
	userprog_release(&user);
	free(dp.symfile);
	strvec_clear(&dp.libs);
	session_layout_release(&layout);
	cli_images_release(&im);
	return rc;
}

const struct cli_command cli_cmd_debug = {
	.name = "debug",
	.fn = cmd_debug,
	.summary = "an interactive gdb session on a booted guest",
	.args = "[SCENARIO]",
	.about =
	"Builds what is missing, restores the guest from its warm snapshot (or boots and\n"
	"saves it), starts the program and stops it at its main, and hands your terminal\n"
	"to gdb (the CLI, or its TUI with --tui), attached, with:\n"
	"  - vmlinux's symbols and the guest program's (SCENARIO's program, --program, or\n"
	"    fork), the kernel's own gdb scripts (lx-dmesg, lx-ps, $lx_current(), ...),\n"
	"  - kdive's helpers (help user-defined): kd-syscall NAME (break on that syscall\n"
	"    of the program), kd-ptregs (the syscall's pt_regs, decoded), kd-ubt (its\n"
	"    user-space backtrace), kd-lstar (MSR_LSTAR and its symbol), kd-console,\n"
	"  - SCENARIO's stops as breakpoints, limited to its program.\n"
	"The guest console shows in a tmux pane below gdb when you run inside tmux,\n"
	"otherwise in console.log (its path is printed; kd-console shows the tail).\n"
	"Ctrl-C stops the guest; `quit` shuts it down and leaves nothing running.\n",
	.opts = (const struct cli_opt[]){
		CLI_OPT_PROGRAM,
		{ "tui", 'T', 0, NULL, "gdb's text user interface" },
		{ "kaslr", CLI_KEY_KASLR, 0, NULL,
		  "boot with KASLR: kdive finds the slide first (as lstar --kaslr)\n"
		  "and hands over a guest stopped at the program's main, with\n"
		  "gdb's symbols relocated (symbol-file -o SLIDE); a random slide\n"
		  "each run, as --kaslr of run says" },
		{ "boot", 'b', 0, NULL,
		  "start from the reset vector instead: `continue` boots the\n"
		  "guest with the scenario's breakpoints live (slower: each\n"
		  "conditional hit during the boot is evaluated)" },
		{ "print-cmd", 'c', 0, NULL,
		  "print the plain commands instead, to run by hand in $TMPDIR\n"
		  "(else /tmp): QEMU restoring the warm guest, gdb with kdive's\n"
		  "set-up and the line that starts the program (with --boot, or\n"
		  "no snapshot yet: QEMU stopped at the reset vector, and gdb)" },
		{ "keep", CLI_KEY_KEEP, 0, NULL,
		  "keep the run directory (session.gdb, console.log, qemu.log)" },
		CLI_OPT_VERBOSE,
		CLI_OPT_END,
	},
	.shared = cli_guest_opts,
	.tail = "Exit: 0 when gdb ended, 2 bad usage or scenario file, 3 build/boot failure.\n",
};
