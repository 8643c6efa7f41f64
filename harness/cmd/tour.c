/*
 * tour's engine: a step's life and what every step shows. A tour (tour_fork.c,
 * tour_scenario.c) fills a struct tour_step at a stop: the narration, the source
 * around the stop, the live values, the backtrace and the kernel stack; tour_emit()
 * hands it to the renderer, then waits for Enter (next), g (gdb right here, until
 * `tour`) or q (quit), unless --auto or the format is data. Command layer; the guest
 * only through session.
 */
#define _GNU_SOURCE
#include "tour.h"
#include "run.h"

#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

void tour_step_init(struct tour_step *st, int n, const char *title)
{
	memset(st, 0, sizeof(*st));
	st->n = n;
	st->title = title;
	strbuf_init(&st->say, 0);
	strbuf_init(&st->src, 0);
	strbuf_init(&st->extra, 0);
	strvec_init(&st->values);
	strvec_init(&st->frames);
	strvec_init(&st->stack.funcs);
}

void tour_step_release(struct tour_step *st)
{
	strbuf_release(&st->say);
	strbuf_release(&st->src);
	strbuf_release(&st->extra);
	strvec_clear(&st->values);
	strvec_clear(&st->frames);
	obs_frames_free(st->kframes, st->nkframes);
	obs_frames_free(st->uframes, st->nuframes);
	strvec_clear(&st->stack.funcs);
	free(st->src_file);
}

void tour_say_add(struct strbuf *sb, const char *say)
{
	for (const char *p = say; *p; p++)
		strbuf_addch(sb, *p == '\n' ? ' ' : *p);
}

/*
 * A source file by its path relative to the kernel tree (or the build outputs), or a
 * guest program's relative to initramfs/progs.
 */
static char *source_path(struct tour *t, const char *rel)
{
	char *progs = xstrfmt("%s/initramfs/progs", cli_datadir());
	const char *roots[] = { t->k->srctree, t->k->build, t->k->tree, progs };
	char *found = NULL;
	if (rel[0] == '/')
		found = access(rel, R_OK) == 0 ? xstrdup(rel) : NULL;
	for (size_t i = 0; !found && rel[0] != '/' && i < ARRAY_SIZE(roots); i++) {
		if (!roots[i])
			continue;
		char *p = xstrfmt("%s/%s", roots[i], rel);
		if (access(p, R_OK) == 0)
			found = p;
		else
			free(p);
	}
	free(progs);
	return found;
}

/* The first line of rel containing needle, 0 when none. */
int tour_find_line(struct tour *t, const char *rel, const char *needle)
{
	struct strbuf sb = STRBUF_INIT;
	char *path = source_path(t, rel);
	int n = 0, found = 0;
	if (path && strbuf_read_file(&sb, path) == 0) {
		for (const char *p = sb.buf; *p && !found;) {
			const char *e = strchrnul(p, '\n');
			n++;
			if (memmem(p, (size_t)(e - p), needle, strlen(needle)))
				found = n;
			p = *e ? e + 1 : e;
		}
	}
	free(path);
	strbuf_release(&sb);
	return found;
}

/* Lines line-5 .. line+5 of rel into st->src, the line itself marked. */
void tour_show_source(struct tour *t, struct tour_step *st, const char *rel, int line)
{
	struct strbuf sb = STRBUF_INIT;
	char *path = source_path(t, rel);
	free(st->src_file);
	st->src_file = xstrdup(rel);
	st->src_line = line;
	if (!path || strbuf_read_file(&sb, path) < 0 || line <= 0) {
		strbuf_addf(&st->src, "  (source %s not found)\n", rel);
		goto out;
	}
	int n = 0;
	for (const char *p = sb.buf; *p;) {
		const char *e = strchrnul(p, '\n');
		n++;
		if (n >= line - 5 && n <= line + 5) {
			strbuf_addf(&st->src, "  %s%5d | ", n == line ? ">" : " ", n);
			for (const char *c = p; c < e; c++)
				strbuf_addstr(&st->src, *c == '\t' ? "        " : (char[]){ *c, 0 });
			strbuf_addch(&st->src, '\n');
		}
		p = *e ? e + 1 : e;
	}
out:
	free(path);
	strbuf_release(&sb);
}

/* Another excerpt into st->extra, under a heading line. */
void tour_extra_source(struct tour *t, struct tour_step *st, const char *rel, int line,
			 const char *label)
{
	struct tour_step tmp;
	if (!line)
		return;
	tour_step_init(&tmp, 0, "");
	tour_show_source(t, &tmp, rel, line);
	strbuf_addf(&st->extra, "  %s:%d (%s)\n%s", rel, line, label, tmp.src.buf);
	tour_step_release(&tmp);
}

/*
 * The running task's kernel stack at this kernel stop, for the drawing: task->stack,
 * THREAD_SIZE, struct pt_regs at the top, the stack pointer, the kernel frames f.
 */
void tour_take_stack(struct session *s, struct tour_step *st, const struct obs_frame *f,
		     size_t n)
{
	struct tour_stack *p = &st->stack;
	struct strbuf why = STRBUF_INIT;
	struct session_info info;
	session_describe(s, &info);
	char *expr = xstrfmt("(unsigned long long)%s->stack", info.current);
	char *v = session_eval(s, expr, &why);
	uint64_t sp;
	if (v && session_ptregs(s, p->regs) == 0 &&
	    session_registers(s, (const char *const[]){ "rsp" }, 1, &sp) == 0) {
		p->base = strtoull(v, NULL, 0);
		p->size = info.thread_size;
		p->top = p->base + info.stack_top;
		p->ptregs = p->top - SESSION_PTREGS_SIZE;
		p->sp = sp;
		/* Only a stop on this task's own stack (not an interrupt stack) is drawn. */
		p->valid = sp >= p->base && sp < p->top;
		for (size_t i = 0; i < n; i++)
			strvec_push(&p->funcs, f[i].func);
	}
	free(v);
	free(expr);
	strbuf_release(&why);
}

void tour_add_value(struct tour_step *st, const char *name, uint64_t v, const char *what)
{
	strvec_pushf(&st->values, "%s\t0x%llx (%lld)\t%s", name, (unsigned long long)v,
		     (long long)v, what);
}

/* A backtrace as lines of text. */
static void frame_lines(struct tour_step *st, const struct obs_frame *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (f[i].file)
			strvec_pushf(&st->frames, "#%zu  %s at %s:%d%s", i, f[i].func, f[i].file,
				     f[i].line, f[i].inlined ? "  (inlined)" : "");
		else
			strvec_pushf(&st->frames, "#%zu  %s at 0x%llx", i, f[i].func,
				     (unsigned long long)f[i].addr);
	}
}

void tour_add_frames(struct tour_step *st, const struct obs_frame *f, size_t n)
{
	obs_frames_free(st->kframes, st->nkframes);
	st->kframes = obs_frames_dup(f, n);
	st->nkframes = n;
	frame_lines(st, f, n);
}

void tour_add_user_frames(struct tour_step *st, const struct obs_frame *f, size_t n)
{
	obs_frames_free(st->uframes, st->nuframes);
	st->uframes = obs_frames_dup(f, n);
	st->nuframes = n;
	strvec_push(&st->frames, "user space, below the syscall:");
	frame_lines(st, f, n);
}

/* Relative to the kernel tree, like kdive run's reports. */
void tour_relative(struct tour *t, struct obs_frame *f, size_t n)
{
	struct run_target rt;
	cli_run_target(&t->im, t->k, &rt);
	obs_relativize(f, n, rt.roots);
}

/* Run gdb commands typed by the user until "tour"; q quits the tour too. */
static void console_repl(struct tour *t)
{
	char line[4096];
	if (!t->helpers_loaded) {
		char *tbl = kernel_syscalls_header(t->k);
		char *helpers = xstrfmt("%s/gdbinit/kdive.py", cli_datadir());
		session_load_helpers(t->gs, helpers, tbl);
		free(helpers);
		free(tbl);
		t->helpers_loaded = 1;
	}
	printf("\n  gdb, stopped right here. Any gdb command works (bt, info registers, p ...,\n"
	       "  kd-ptregs, kd-ubt, kd-lstar, kd-console); `tour` goes back to the tour,\n"
	       "  `q` ends it. (The tour decides when the guest runs: no continue here.)\n");
	for (;;) {
		printf("(gdb) ");
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin)) {
			t->quit = 1;
			return;
		}
		line[strcspn(line, "\n")] = '\0';
		if (!strcmp(line, "tour") || !strcmp(line, ""))
			return;
		if (!strcmp(line, "q") || !strcmp(line, "quit")) {
			t->quit = 1;
			return;
		}
		if (!strncmp(line, "c", 1) && (!line[1] || !strcmp(line, "continue") || !strcmp(line, "cont"))) {
			printf("  the tour runs the guest: type `tour` to go on\n");
			continue;
		}
		struct strbuf said = STRBUF_INIT;
		int r = session_console_capture(t->gs, line, &said);
		fputs(said.buf, stdout);
		strbuf_release(&said);
		if (r < 0) {
			t->quit = 1;
			return;
		}
	}
}

/* After a step: Enter next, g gdb, q quit (single keys on a terminal). */
static void wait_key(struct tour *t)
{
	if (t->automatic || !t->render->keys)
		return;
	for (;;) {
		printf("\n  [Enter] next step   [g] gdb here   [q] quit  ");
		fflush(stdout);
		struct termios old, raw;
		int tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
		if (tty) {
			raw = old;
			raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
			raw.c_cc[VMIN] = 1;
			raw.c_cc[VTIME] = 0;
			tcsetattr(STDIN_FILENO, TCSANOW, &raw);
		}
		int c = getchar();
		if (tty)
			tcsetattr(STDIN_FILENO, TCSANOW, &old);
		if (!tty)
			while (c != '\n' && c != EOF && getchar() != '\n')
				;
		printf("\n");
		if (c == EOF || c == 'q') {
			t->quit = 1;
			return;
		}
		if (c == 'g') {
			console_repl(t);
			if (t->quit)
				return;
			continue;
		}
		return;
	}
}

void tour_emit(struct tour *t, struct tour_step *st)
{
	t->render->step(t, st);
	wait_key(t);
}

/* Continue to the next stop; 0, or -1 reported. */
int tour_next_stop(struct tour *t)
{
	int r = session_continue(&t->s, 0, NULL);
	if (r == -2)
		return error("the guest did not reach the tour's next stop within the time limit");
	return r == 1 ? error("the guest powered off before the tour's next stop") : r;
}
