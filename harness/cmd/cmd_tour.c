/*
 * kdive tour: a narrated walk on a live guest. `tour fork`: from glibc's fork() to
 * kernel_clone and the child's return, in ten hand-made steps. `tour SCENARIO.scn`:
 * any scenario, one step a stop it reaches. Each step has its narration, the source around the stop, the
 * live values and the backtraces. Enter moves on, g drops into gdb, q quits; --auto
 * prints the whole tour, --format json emits it as data.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "json.h"
#include "run.h"
#include "scenario.h"
#include "session.h"
#include "syscalls.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#define TOUR_STEPS 10

/* One step as shown. */
struct step {
	int n;                /* 1..7 */
	const char *title;    /* one line */
	struct strbuf say;    /* narration */
	char *src_file;       /* source file shown (relative to the kernel tree), or NULL */
	int src_line;         /* the line marked in it */
	struct strbuf src;    /* the numbered lines around it */
	struct strbuf extra;  /* more text: disassembly, the generated table line */
	struct strvec values; /* "name\tvalue\twhat it is" */
	struct strvec frames; /* formatted backtrace */
	struct obs_frame *f;  /* the kernel (or user) frames, for JSON; owned */
	size_t nf;
	struct obs_frame *user; /* at a kernel stop, the user frames below it, for JSON; owned */
	size_t nuser;
	int64_t ms;           /* when the step's stop was reached, since the tour began */
	struct stackpic {     /* the task's kernel stack at a kernel stop */
		int valid;
		uint64_t base, size;  /* task->stack, THREAD_SIZE */
		uint64_t ptregs;      /* where struct pt_regs is: base + top - its size */
		uint64_t top;         /* base + THREAD_SIZE (less FRED's padding) */
		uint64_t sp;          /* the stack pointer now */
		uint64_t regs[SESSION_PT_NSLOTS];
		struct strvec funcs;  /* the kernel frames, innermost first */
	} stack;
};

/* The tour's state. */
struct tour {
	struct session s;        /* the guest under gdb */
	struct cli_images im;    /* kernel, initramfs, trees */
	const struct kernel *k;  /* the kernel: im's first */
	struct scenario sc;      /* scenarios/fork.scn, for its narration (may be empty) */
	int have_sc;             /* sc was loaded */
	int color;               /* ANSI attributes allowed */
	int width;               /* terminal width for wrapping */
	int automatic;           /* --auto: no keys */
	int json;                /* --format json */
	int html;                /* --format html: steps into out, the page at the end */
	int helpers_loaded;      /* gdbinit/kdive.py sourced into gdb (for g) */
	struct strbuf out;       /* JSON document */
	struct json j;           /* its writer */
	int quit;                /* the user pressed q */
	int64_t t0;              /* start */
	struct session *gs;      /* the session the keys act on (g): &s, or run's */
	uint64_t parent_ip;      /* fork: where the parent's syscall returns to user space */
	uint64_t entry_ret;      /* fork: where do_syscall_64 returns to in entry_SYSCALL_64 */
	long long parent_pid;    /* fork: the parent's pid */
	int nsteps;              /* steps the tour has */
	int step_no;             /* steps shown */
};

static void step_init(struct step *st, int n, const char *title)
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

static void step_release(struct step *st)
{
	strbuf_release(&st->say);
	strbuf_release(&st->src);
	strbuf_release(&st->extra);
	strvec_clear(&st->values);
	strvec_clear(&st->frames);
	obs_frames_free(st->f, st->nf);
	obs_frames_free(st->user, st->nuser);
	strvec_clear(&st->stack.funcs);
	free(st->src_file);
}

/* The scenario's narration for the stop at location, appended to say. */
static void scenario_say(struct tour *t, const char *location, struct strbuf *say)
{
	for (size_t i = 0; t->have_sc && i < t->sc.nstops; i++) {
		if (!strcmp(t->sc.stops[i].location, location) && t->sc.stops[i].say) {
			for (const char *p = t->sc.stops[i].say; *p; p++)
				strbuf_addch(say, *p == '\n' ? ' ' : *p);
			strbuf_addch(say, ' ');
		}
	}
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
static int find_line(struct tour *t, const char *rel, const char *needle)
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
static void show_source(struct tour *t, struct step *st, const char *rel, int line)
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
static void extra_source(struct tour *t, struct step *st, const char *rel, int line,
			 const char *label)
{
	struct step tmp;
	if (!line)
		return;
	step_init(&tmp, 0, "");
	show_source(t, &tmp, rel, line);
	strbuf_addf(&st->extra, "  %s:%d (%s)\n%s", rel, line, label, tmp.src.buf);
	step_release(&tmp);
}

/*
 * The running task's kernel stack at this kernel stop, for the drawing: task->stack,
 * THREAD_SIZE, struct pt_regs at the top, the stack pointer, the kernel frames f.
 */
static void take_stack(struct session *s, struct step *st, const struct obs_frame *f, size_t n)
{
	struct stackpic *p = &st->stack;
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

/* The drawing, for a terminal: addresses down the left, the top first. */
static void draw_stack(const struct stackpic *p, struct strbuf *o)
{
	static const int shown[] = { SESSION_PT_ORIG_AX, SESSION_PT_IP, SESSION_PT_CS,
				     SESSION_PT_FLAGS, SESSION_PT_SP, SESSION_PT_SS, SESSION_PT_AX,
				     SESSION_PT_DI, SESSION_PT_SI, SESSION_PT_DX };
	strbuf_addf(o, "    0x%016llx  +-- top: task->stack + THREAD_SIZE",
		    (unsigned long long)(p->base + p->size));
	if (p->top != p->base + p->size)
		strbuf_addf(o, " (FRED pads %llu bytes)",
			    (unsigned long long)(p->base + p->size - p->top));
	strbuf_addf(o, "\n    0x%016llx  |   struct pt_regs, %d bytes: the user registers,\n"
		       "                        |   saved on entry (top - sizeof(struct pt_regs))\n",
		    (unsigned long long)p->ptregs, SESSION_PTREGS_SIZE);
	for (size_t i = 0; i < ARRAY_SIZE(shown); i += 2) {
		strbuf_addstr(o, "                        |     ");
		for (size_t k = i; k < i + 2 && k < ARRAY_SIZE(shown); k++)
			strbuf_addf(o, "%-8s 0x%-18llx", session_ptreg_name(shown[k]),
				    (unsigned long long)p->regs[shown[k]]);
		strbuf_rtrim(o);
		strbuf_addch(o, '\n');
	}
	strbuf_addf(o, "    0x%016llx  +-- the frames, outermost (top) to innermost:\n",
		    (unsigned long long)p->ptregs);
	for (size_t i = p->funcs.nr; i-- > 0;)
		strbuf_addf(o, "                        |     %s\n", p->funcs.v[i]);
	strbuf_addf(o, "    0x%016llx  +-- rsp now: %llu bytes in use\n"
		       "                        |   (free)\n"
		       "    0x%016llx  +-- base: task->stack (THREAD_SIZE %llu = 0x%llx)\n",
		    (unsigned long long)p->sp, (unsigned long long)(p->base + p->size - p->sp),
		    (unsigned long long)p->base, (unsigned long long)p->size,
		    (unsigned long long)p->size);
}

static void add_value(struct step *st, const char *name, uint64_t v, const char *what)
{
	strvec_pushf(&st->values, "%s\t0x%llx (%lld)\t%s", name, (unsigned long long)v,
		     (long long)v, what);
}

static void format_frames(struct strvec *out, const struct obs_frame *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (f[i].file)
			strvec_pushf(out, "#%zu  %s at %s:%d%s", i, f[i].func, f[i].file,
				     f[i].line, f[i].inlined ? "  (inlined)" : "");
		else
			strvec_pushf(out, "#%zu  %s at 0x%llx", i, f[i].func,
				     (unsigned long long)f[i].addr);
	}
}

/* The step's frames: formatted for text and HTML, kept for JSON (obs_frames_write). */
static void add_frames(struct step *st, const struct obs_frame *f, size_t n)
{
	obs_frames_free(st->f, st->nf);
	st->f = obs_frames_dup(f, n);
	st->nf = n;
	format_frames(&st->frames, f, n);
}

/* At a kernel stop, the user frames below the system call, after the kernel's. */
static void add_user_frames(struct step *st, const struct obs_frame *f, size_t n)
{
	obs_frames_free(st->user, st->nuser);
	st->user = obs_frames_dup(f, n);
	st->nuser = n;
	strvec_push(&st->frames, "user space, below the syscall:");
	format_frames(&st->frames, f, n);
}

/* Relative to the kernel tree, like kdive run's reports. */
static void relative(struct tour *t, struct obs_frame *f, size_t n)
{
	struct run_target rt;
	cli_run_target(&t->im, t->k, &rt);
	obs_relativize(f, n, rt.roots);
}

/* Wrap text to the width, each line behind indent. */
static void wrap(struct strbuf *out, const char *text, int width, const char *indent)
{
	int col = 0, max = width - (int)strlen(indent);
	if (max < 20)
		max = 20;
	for (const char *p = text; *p;) {
		while (*p == ' ')
			p++;
		size_t w = strcspn(p, " ");
		if (!w)
			break;
		if (col && col + 1 + (int)w > max) {
			strbuf_addch(out, '\n');
			col = 0;
		}
		if (!col)
			strbuf_addstr(out, indent);
		else
			strbuf_addch(out, ' '), col++;
		strbuf_add(out, p, w);
		col += (int)w;
		p += w;
	}
	if (col)
		strbuf_addch(out, '\n');
}

static void print_step(struct tour *t, const struct step *st)
{
	struct strbuf o = STRBUF_INIT;
	const char *b = t->color ? "\033[1m" : "", *n = t->color ? "\033[0m" : "";
	strbuf_addf(&o, "\n%s== Step %d/%d: %s ==%s  (reached at %.1f s)\n", b, st->n, t->nsteps,
		    st->title, n, (double)st->ms / 1000.0);
	wrap(&o, st->say.buf, t->width, "  ");
	if (st->extra.len)
		strbuf_addf(&o, "\n%s", st->extra.buf);
	if (st->src.len)
		strbuf_addf(&o, "\n  %s%s:%d%s\n%s", b, st->src_file, st->src_line, n, st->src.buf);
	if (st->values.nr) {
		strbuf_addf(&o, "\n  %slive values%s\n", b, n);
		for (size_t i = 0; i < st->values.nr; i++) {
			const char *v = st->values.v[i];
			const char *t1 = strchr(v, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
			if (!t2)
				continue;
			strbuf_addf(&o, "    %-17.*s %-30.*s %s\n", (int)(t1 - v), v, (int)(t2 - t1 - 1),
				    t1 + 1, t2 + 1);
		}
	}
	if (st->frames.nr) {
		strbuf_addf(&o, "\n  %sbacktrace%s\n", b, n);
		for (size_t i = 0; i < st->frames.nr; i++)
			strbuf_addf(&o, "    %s\n", st->frames.v[i]);
	}
	if (st->stack.valid) {
		strbuf_addf(&o, "\n  %sthe kernel stack%s\n", b, n);
		draw_stack(&st->stack, &o);
	}
	fputs(o.buf, stdout);
	fflush(stdout);
	strbuf_release(&o);
}

static void json_step(struct tour *t, const struct step *st)
{
	struct json *j = &t->j;
	json_open(j, NULL, '{');
	json_int(j, "step", st->n);
	json_str(j, "title", st->title);
	json_str(j, "narration", st->say.buf);
	if (st->src_file) {
		json_open(j, "source", '{');
		json_str(j, "file", st->src_file);
		json_int(j, "line", st->src_line);
		json_str(j, "text", st->src.buf);
		json_close(j);
	} else {
		json_nil(j, "source");
	}
	json_str(j, "extra", st->extra.buf);
	json_open(j, "values", '{');
	for (size_t i = 0; i < st->values.nr; i++) {
		const char *v = st->values.v[i], *t1 = strchr(v, '\t');
		char *name = xstrndup(v, (size_t)(t1 - v));
		json_str(j, name, t1 + 1);
		free(name);
	}
	json_close(j);
	obs_frames_write(j, "frames", st->f, st->nf);
	if (st->nuser)
		obs_frames_write(j, "user_frames", st->user, st->nuser);
	json_int(j, "ms", st->ms);
	if (st->stack.valid) {
		const struct stackpic *p = &st->stack;
		json_open(j, "stack", '{');
		json_hex(j, "base", p->base);
		json_int(j, "thread_size", (int64_t)p->size);
		json_hex(j, "top", p->base + p->size);
		json_hex(j, "pt_regs", p->ptregs);
		json_int(j, "pt_regs_size", SESSION_PTREGS_SIZE);
		json_hex(j, "sp", p->sp);
		json_open(j, "regs", '{');
		for (size_t i = 0; i < SESSION_PT_NSLOTS; i++)
			json_hex(j, session_ptreg_name(i), p->regs[i]);
		json_close(j);
		json_open(j, "frames", '[');
		for (size_t i = 0; i < p->funcs.nr; i++)
			json_str(j, NULL, p->funcs.v[i]);
		json_close(j);
		json_close(j);
	}
	json_close(j);
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

/* ---- the HTML transcript: one self-contained page, no outside resource ---- */

static void html_esc(struct strbuf *o, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': strbuf_addstr(o, "&amp;"); break;
		case '<': strbuf_addstr(o, "&lt;"); break;
		case '>': strbuf_addstr(o, "&gt;"); break;
		case '"': strbuf_addstr(o, "&quot;"); break;
		case '\033': break; /* (no colour codes reach a page) */
		default: strbuf_addch(o, *s);
		}
	}
}

/* SVG text at (x, y), escaped. */
static void svg_text(struct strbuf *o, int x, int y, const char *cls, const char *text)
{
	strbuf_addf(o, "<text x=\"%d\" y=\"%d\" class=\"%s\">", x, y, cls);
	html_esc(o, text);
	strbuf_addstr(o, "</text>\n");
}

/* The kernel stack as a picture: sections in order, not to scale, addresses left. */
static void html_stack_svg(const struct stackpic *p, struct strbuf *o)
{
	static const int shown[] = { SESSION_PT_ORIG_AX, SESSION_PT_IP, SESSION_PT_CS,
				     SESSION_PT_FLAGS, SESSION_PT_SP, SESSION_PT_SS, SESSION_PT_AX,
				     SESSION_PT_DI, SESSION_PT_SI, SESSION_PT_DX };
	const int x = 190, w = 400, rows = (int)(ARRAY_SIZE(shown) + 1) / 2;
	int ptregs_h = 28 + 18 * rows, frames_h = 22 * (int)(p->funcs.nr ? p->funcs.nr : 1);
	int y = 30, height = y + ptregs_h + frames_h + 80 + 40;
	char buf[160];
	strbuf_addf(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"stack\" width=\"%d\" "
		       "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">\n", x + w + 20, height,
		    x + w + 20, height);
	strbuf_addstr(o, "<title>The task's kernel stack</title>\n");
	snprintf(buf, sizeof(buf), "0x%016llx", (unsigned long long)(p->base + p->size));
	svg_text(o, 10, y + 4, "addr", buf);
	svg_text(o, x + 8, y - 8, "note", "top: task->stack + THREAD_SIZE");
	strbuf_addf(o, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" class=\"ptregs\"/>\n", x,
		    y, w, ptregs_h);
	snprintf(buf, sizeof(buf), "0x%016llx", (unsigned long long)p->ptregs);
	svg_text(o, 10, y + ptregs_h + 4, "addr", buf);
	snprintf(buf, sizeof(buf), "struct pt_regs (%d bytes): the user registers", SESSION_PTREGS_SIZE);
	svg_text(o, x + 8, y + 18, "label", buf);
	for (size_t i = 0; i < ARRAY_SIZE(shown); i++) {
		snprintf(buf, sizeof(buf), "%s 0x%llx", session_ptreg_name(shown[i]),
			 (unsigned long long)p->regs[shown[i]]);
		svg_text(o, x + 8 + (int)(i % 2) * (w / 2), y + 38 + (int)(i / 2) * 18, "field", buf);
	}
	y += ptregs_h;
	for (size_t i = p->funcs.nr; i-- > 0;) {
		strbuf_addf(o, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"22\" class=\"frame\"/>\n",
			    x, y, w);
		svg_text(o, x + 8, y + 15, "label", p->funcs.v[i]);
		y += 22;
	}
	snprintf(buf, sizeof(buf), "0x%016llx", (unsigned long long)p->sp);
	svg_text(o, 10, y + 4, "addr", buf);
	strbuf_addf(o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"sp\"/>\n", x - 10, y,
		    x + w, y);
	snprintf(buf, sizeof(buf), "rsp: %llu bytes in use; below it, free",
		 (unsigned long long)(p->base + p->size - p->sp));
	strbuf_addf(o, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"80\" class=\"free\"/>\n", x, y,
		    w);
	svg_text(o, x + 8, y + 20, "label", buf);
	y += 80;
	snprintf(buf, sizeof(buf), "0x%016llx", (unsigned long long)p->base);
	svg_text(o, 10, y + 4, "addr", buf);
	snprintf(buf, sizeof(buf), "base: task->stack (THREAD_SIZE %llu)", (unsigned long long)p->size);
	svg_text(o, x + 8, y + 20, "note", buf);
	strbuf_addstr(o, "</svg>\n");
}

static void html_pre(struct strbuf *o, const char *cls, const char *text)
{
	strbuf_addf(o, "<pre class=\"%s\">", cls);
	html_esc(o, text);
	strbuf_addstr(o, "</pre>\n");
}

static void html_step(struct tour *t, const struct step *st)
{
	struct strbuf *o = &t->out;
	strbuf_addf(o, "<section class=\"step\" id=\"step-%d\">\n<h2>Step %d/%d: ", st->n, st->n,
		    t->nsteps);
	html_esc(o, st->title);
	strbuf_addf(o, " <span class=\"ms\">reached at %.1f s</span></h2>\n<p>",
		    (double)st->ms / 1000.0);
	html_esc(o, st->say.buf);
	strbuf_addstr(o, "</p>\n");
	if (st->extra.len)
		html_pre(o, "extra", st->extra.buf);
	if (st->src_file) {
		char *head = xstrfmt("%s:%d", st->src_file, st->src_line);
		strbuf_addstr(o, "<h3>");
		html_esc(o, head);
		strbuf_addstr(o, "</h3>\n");
		html_pre(o, "source", st->src.buf);
		free(head);
	}
	if (st->values.nr) {
		strbuf_addstr(o, "<h3>Live values</h3>\n<table class=\"values\">\n");
		for (size_t i = 0; i < st->values.nr; i++) {
			const char *v = st->values.v[i];
			const char *t1 = strchr(v, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
			if (!t2)
				continue;
			char *name = xstrndup(v, (size_t)(t1 - v));
			char *val = xstrndup(t1 + 1, (size_t)(t2 - t1 - 1));
			strbuf_addstr(o, "<tr><th>");
			html_esc(o, name);
			strbuf_addstr(o, "</th><td><code>");
			html_esc(o, val);
			strbuf_addstr(o, "</code></td><td>");
			html_esc(o, t2 + 1);
			strbuf_addstr(o, "</td></tr>\n");
			free(name);
			free(val);
		}
		strbuf_addstr(o, "</table>\n");
	}
	if (st->frames.nr) {
		struct strbuf bt = STRBUF_INIT;
		for (size_t i = 0; i < st->frames.nr; i++)
			strbuf_addf(&bt, "%s\n", st->frames.v[i]);
		strbuf_addstr(o, "<h3>Backtrace</h3>\n");
		html_pre(o, "frames", bt.buf);
		strbuf_release(&bt);
	}
	if (st->stack.valid) {
		strbuf_addstr(o, "<h3>The kernel stack</h3>\n");
		html_stack_svg(&st->stack, o);
	}
	strbuf_addstr(o, "</section>\n");
}

/* The page around the steps in t->out (the body so far); into page. */
static void html_page(struct tour *t, const char *title, const struct strvec *never,
		      const char *end, struct strbuf *page)
{
	strbuf_addstr(page, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
			    "<title>");
	html_esc(page, title);
	strbuf_addstr(page,
		"</title>\n<style>\n"
		"body { font-family: sans-serif; max-width: 60em; margin: 2em auto; color: #222; }\n"
		"h2 { border-bottom: 1px solid #999; } .ms { font-size: 60%; color: #666; }\n"
		"pre { background: #f4f4f4; padding: 0.5em; overflow-x: auto; }\n"
		"table.values th { text-align: left; padding-right: 1em; }\n"
		"table.values td { padding-right: 1em; }\n"
		"svg.stack text { font-family: monospace; font-size: 12px; }\n"
		"svg.stack .addr { fill: #555; } svg.stack .note { fill: #777; }\n"
		"svg.stack .ptregs { fill: #cfe3ff; stroke: #3a6ea5; }\n"
		"svg.stack .frame { fill: #fff3c4; stroke: #b08b00; }\n"
		"svg.stack .free { fill: #eeeeee; stroke: #999; stroke-dasharray: 4 3; }\n"
		"svg.stack .sp { stroke: #c00; stroke-width: 2; }\n"
		"</style>\n</head>\n<body>\n<h1>");
	html_esc(page, title);
	strbuf_addf(page, "</h1>\n<p>Kernel %s. Generated by kdive tour.</p>\n", t->k->version);
	strbuf_add(page, t->out.buf, t->out.len);
	for (size_t i = 0; never && i < never->nr; i++) {
		strbuf_addstr(page, "<p class=\"never\">");
		html_esc(page, never->v[i]);
		strbuf_addstr(page, "</p>\n");
	}
	strbuf_addstr(page, "<p class=\"end\">");
	html_esc(page, end);
	strbuf_addstr(page, "</p>\n</body>\n</html>\n");
}

/* After a step: Enter next, g gdb, q quit (single keys on a terminal). */
static void wait_key(struct tour *t)
{
	if (t->automatic || t->json || t->html)
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

static void emit(struct tour *t, struct step *st)
{
	if (t->json)
		json_step(t, st);
	else if (t->html)
		html_step(t, st);
	else
		print_step(t, st);
	wait_key(t);
}

/* Continue to the next stop; 0, or -1 reported. */
static int next_stop(struct tour *t)
{
	int r = session_continue(&t->s, 0, NULL);
	if (r == -2)
		return error("the guest did not reach the tour's next stop within the time limit");
	return r == 1 ? error("the guest powered off before the tour's next stop") : r;
}

static int regs_values(struct tour *t, struct step *st, const char *const *names,
		       const char *const *what, size_t n)
{
	uint64_t v[8];
	if (session_registers(&t->s, names, n, v) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		add_value(st, names[i], v[i], what[i]);
	return 0;
}

/* Step 1: _Fork, its code up to syscall, and the registers at the syscall. */
static int step_user(struct tour *t)
{
	struct step st;
	struct strbuf why = STRBUF_INIT;
	int rc = -1;
	step_init(&st, 1, "user space: _Fork and the syscall instruction");
	st.ms = now_ms() - t->t0;
	scenario_say(t, "_Fork", &st.say);
	strbuf_addstr(&st.say, "The system call number goes in rax, the arguments in rdi, rsi, "
			       "rdx, r10, r8, r9 (r10, not rcx: syscall overwrites rcx with the return "
			       "address and r11 with rflags).");
	uint64_t pc, syscall_at = 0;
	struct session_insn *insns = NULL;
	size_t ninsns = 0;
	if (session_registers(&t->s, (const char *const[]){ "rip" }, 1, &pc) < 0 ||
	    session_disassemble(&t->s, pc, 128, &insns, &ninsns) < 0)
		goto out;
	for (size_t i = 0; i < ninsns; i++) {
		const char *inst = insns[i].text;
		int hot = strstr(inst, "$0x38,%eax") != NULL;
		strbuf_addf(&st.extra, "  %s0x%016llx <_Fork+%d>  %s%s\n",
			    hot ? (t->color ? "\033[7m" : ">>") : (t->color ? "" : "  "),
			    (unsigned long long)insns[i].addr, insns[i].offset, inst,
			    hot && t->color ? "\033[0m" : "");
		if (!strncmp(inst, "syscall", 7)) {
			syscall_at = insns[i].addr;
			break;
		}
	}
	session_insns_free(insns, ninsns);
	if (!syscall_at) {
		error("no syscall instruction in the first 128 bytes of _Fork");
		goto out;
	}
	/* Run to the syscall instruction itself: the registers are loaded. */
	char *loc = xstrfmt("*0x%llx", (unsigned long long)syscall_at);
	int bp = session_break(&t->s, 1, loc, -1, NULL, &why);
	free(loc);
	if (bp < 0 || next_stop(t) < 0 || session_delete(&t->s, bp) < 0)
		goto out;
	static const char *const names[] = { "rax", "rdi", "rsi", "rdx", "r10", "r8", "r9", "rip" };
	static const char *const what[] = {
		"syscall number: 56 = clone", "arg0 clone_flags (SIGCHLD|CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID)",
		"arg1 newsp (0: share the stack, copy-on-write)", "arg2 parent_tidptr",
		"arg3 child_tidptr (r10, not rcx)", "arg4 tls", "unused", "at the syscall instruction",
	};
	if (regs_values(t, &st, names, what, ARRAY_SIZE(names)) < 0)
		goto out;
	struct obs_frame *f = NULL;
	size_t n = 0;
	if (session_frames(&t->s, &f, &n) == 0) {
		relative(t, f, n);
		add_frames(&st, f, n);
		obs_frames_free(f, n);
	}
	emit(t, &st);
	rc = 0;
out:
	strbuf_release(&why);
	step_release(&st);
	return rc;
}

/* Steps 2-4 at syscall_enter_from_user_mode: LSTAR, pt_regs, do_syscall_64. */
static int steps_entry(struct tour *t)
{
	struct step st;
	uint64_t lstar, regs[SESSION_PT_NSLOTS];
	char *sym = NULL;
	struct obs_frame *f = NULL;
	size_t n = 0;
	int64_t ms = now_ms() - t->t0;

	if (session_lstar(&t->s, &lstar, &sym) < 0 || session_ptregs(&t->s, regs) < 0 ||
	    session_frames(&t->s, &f, &n) < 0) {
		free(sym);
		return -1;
	}
	relative(t, f, n);

	step_init(&st, 2, "the jump: MSR_LSTAR");
	st.ms = ms;
	strbuf_addf(&st.say, "syscall switched to ring 0 and jumped to the address in MSR_LSTAR "
			     "(0xc0000082), which the kernel set at boot (syscall_init). gdb cannot "
			     "show MSRs, so kdive read it just now by executing rdmsr in the guest: "
			     "it is %s. ", sym);
	add_value(&st, "MSR_LSTAR", lstar, sym);
	add_value(&st, "user rip", regs[SESSION_PT_IP], "pt_regs->ip: where sysret will return");
	int l = find_line(t, "arch/x86/entry/entry_64.S", "SYM_CODE_START(entry_SYSCALL_64)");
	show_source(t, &st, "arch/x86/entry/entry_64.S", l);
	emit(t, &st);
	step_release(&st);
	if (t->quit)
		goto out;

	step_init(&st, 3, "entry_SYSCALL_64 builds struct pt_regs");
	st.ms = ms;
	strbuf_addstr(&st.say, "entry_SYSCALL_64 switched to the kernel stack and pushed the user "
			       "registers as struct pt_regs: ss, sp, flags (from r11), cs, ip (from "
			       "rcx), orig_ax (the syscall number from rax), then the rest; ax starts "
			       "as -ENOSYS.");
	static const struct {
		enum session_ptreg slot; /* pt_regs slot */
		const char *what;  /* where it came from */
	} shown[] = {
		{ SESSION_PT_ORIG_AX, "orig_ax <- rax: the syscall number" },
		{ SESSION_PT_IP, "ip <- rcx: the user return address" },
		{ SESSION_PT_FLAGS, "flags <- r11: the user rflags" },
		{ SESSION_PT_SP, "sp <- the user rsp" },
		{ SESSION_PT_CS, "cs: __USER_CS" },
		{ SESSION_PT_SS, "ss: __USER_DS" },
		{ SESSION_PT_DI, "di: arg0" },
		{ SESSION_PT_SI, "si: arg1" },
		{ SESSION_PT_DX, "dx: arg2" },
		{ SESSION_PT_R10, "r10: arg3" },
		{ SESSION_PT_R8, "r8: arg4" },
		{ SESSION_PT_AX, "ax: the return value, -ENOSYS for now" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(shown); i++)
		add_value(&st, session_ptreg_name(shown[i].slot), regs[shown[i].slot],
			  shown[i].what);
	l = find_line(t, "arch/x86/entry/entry_64.S", "pt_regs->orig_ax");
	show_source(t, &st, "arch/x86/entry/entry_64.S", l);
	emit(t, &st);
	step_release(&st);
	if (t->quit)
		goto out;

	step_init(&st, 4, "do_syscall_64 and syscall_enter_from_user_mode");
	st.ms = ms;
	scenario_say(t, "syscall_enter_from_user_mode", &st.say);
	add_value(&st, "orig_ax", regs[SESSION_PT_ORIG_AX], "56 = clone");
	add_frames(&st, f, n);
	take_stack(&t->s, &st, f, n);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(f[i].func, "do_syscall_64") && f[i].file)
			show_source(t, &st, f[i].file, f[i].line);
	emit(t, &st);
	step_release(&st);
out:
	obs_frames_free(f, n);
	free(sym);
	return 0;
}

/* Step 5 at __x64_sys_clone: x64_sys_call's switch. */
static int step_switch(struct tour *t)
{
	struct step st;
	struct obs_frame *f = NULL;
	size_t n = 0;
	step_init(&st, 5, "x64_sys_call's switch");
	st.ms = now_ms() - t->t0;
	if (session_frames(&t->s, &f, &n) < 0) {
		step_release(&st);
		return -1;
	}
	relative(t, f, n);
	scenario_say(t, "__x64_sys_clone", &st.say);
	strbuf_addstr(&st.say, "Since 6.9 (and its stable backports) there is no indirect call "
			       "through sys_call_table: x64_sys_call is a switch whose cases the build "
			       "generates from the syscall table.");
	const char *gen = "arch/x86/include/generated/asm/syscalls_64.h";
	extra_source(t, &st, gen, find_line(t, gen, "__SYSCALL(56,"), "generated; the case for 56");
	int l = find_line(t, "arch/x86/entry/syscall_64.c", "long x64_sys_call(");
	show_source(t, &st, "arch/x86/entry/syscall_64.c", l + 3);
	add_frames(&st, f, n);
	obs_frames_free(f, n);
	emit(t, &st);
	step_release(&st);
	return 0;
}

/* The running task's gdb expression (struct task_struct *). */
static const char *current_task(struct session *s)
{
	struct session_info info;
	session_describe(s, &info);
	return info.current;
}

/* A field of the running task (pid, tgid, ...), or -1. */
static long long task_field(struct tour *t, const char *field)
{
	struct strbuf why = STRBUF_INIT;
	char *expr = xstrfmt("(long long)%s->%s", current_task(&t->s), field);
	char *v = session_eval(&t->s, expr, &why);
	long long r = v ? strtoll(v, NULL, 0) : -1;
	free(v);
	free(expr);
	strbuf_release(&why);
	return r;
}

/* The CLONE_* names of flags (include/uapi/linux/sched.h). */
static void clone_flags_names(uint64_t flags, struct strbuf *out)
{
	static const struct { uint64_t bit; const char *name; } names[] = {
		{ 0x100, "VM" }, { 0x200, "FS" }, { 0x400, "FILES" }, { 0x800, "SIGHAND" },
		{ 0x1000, "PIDFD" }, { 0x2000, "PTRACE" }, { 0x4000, "VFORK" },
		{ 0x8000, "PARENT" }, { 0x10000, "THREAD" }, { 0x20000, "NEWNS" },
		{ 0x40000, "SYSVSEM" }, { 0x80000, "SETTLS" }, { 0x100000, "PARENT_SETTID" },
		{ 0x200000, "CHILD_CLEARTID" }, { 0x1000000, "CHILD_SETTID" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (flags & names[i].bit)
			strbuf_addf(out, "%sCLONE_%s", out->len ? " | " : "", names[i].name);
	if (!out->len)
		strbuf_addstr(out, "no flags: a plain fork");
	else if (!(flags & 0x100))
		strbuf_addstr(out, " (a new process, not a thread: no CLONE_VM)");
}

/* What __do_sys_clone put in struct kernel_clone_args, read live at kernel_clone. */
static void clone_args_values(struct tour *t, struct step *st)
{
	static const char *const fields[][2] = {
		{ "flags", "" }, /* decoded below */
		{ "exit_signal", "the signal the parent gets when the child exits" },
		{ "stack", "the child's user stack (0: the parent's, copy-on-write)" },
		{ "stack_size", "(clone3 only)" },
		{ "tls", "the child's thread-local storage (CLONE_SETTLS)" },
		{ "pidfd", "where a pidfd goes (CLONE_PIDFD)" },
		{ "child_tid", "where the child's tid goes (CLONE_CHILD_SETTID)" },
		{ "parent_tid", "where the parent's copy of it goes (CLONE_PARENT_SETTID)" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		struct strbuf why = STRBUF_INIT;
		char *expr = xstrfmt("(unsigned long long)args->%s", fields[i][0]);
		char *v = session_eval(&t->s, expr, &why);
		if (v) {
			char *name = xstrfmt("args->%s", fields[i][0]);
			struct strbuf what = STRBUF_INIT;
			if (i == 0)
				clone_flags_names(strtoull(v, NULL, 0), &what);
			else
				strbuf_addstr(&what, fields[i][1]);
			add_value(st, name, strtoull(v, NULL, 0), what.buf);
			strbuf_release(&what);
			free(name);
		}
		free(v);
		free(expr);
		strbuf_release(&why);
	}
}

/* rax and the frames (relative) at this stop; 0 or -1 reported. */
static int rax_and_frames(struct tour *t, uint64_t *rax, struct obs_frame **f, size_t *n)
{
	if (session_registers(&t->s, (const char *const[]){ "rax" }, 1, rax) < 0 ||
	    session_frames(&t->s, f, n) < 0)
		return -1;
	relative(t, *f, *n);
	return 0;
}

/* Step 8 (or 9): the parent back in entry_SYSCALL_64, where do_syscall_64's bool
 * chooses SYSRET or IRET. */
static int step_parent_return(struct tour *t, int no)
{
	struct step st;
	struct obs_frame *f = NULL;
	size_t n = 0;
	uint64_t rax;
	if (rax_and_frames(t, &rax, &f, &n) < 0)
		return -1;
	int sysret = (rax & 0xff) != 0;
	step_init(&st, no, "the parent's way back: SYSRET or IRET");
	st.ms = now_ms() - t->t0;
	strbuf_addf(&st.say,
		    "kernel_clone returned the child's pid, and do_syscall_64 returned %s to "
		    "entry_SYSCALL_64: %s", sysret ? "true" : "false",
		    sysret ? "SYSRET can restore everything (rcx == rip, r11 == rflags, canonical "
			     "addresses, no TF/RF), so the fast path returns to _Fork right after "
			     "its syscall instruction, with the child's pid in rax."
			   : "something SYSRET cannot restore changed, so the kernel returns through "
			     "IRET.");
	add_value(&st, "do_syscall_64", (uint64_t)sysret,
		  sysret ? "returned true (al): the fast SYSRET path"
			 : "returned false (al): the general IRET path");
	add_value(&st, "pid", (uint64_t)task_field(t, "pid"), "the parent");
	show_source(t, &st, "arch/x86/entry/entry_64.S",
		    find_line(t, "arch/x86/entry/entry_64.S", "call\tdo_syscall_64"));
	add_frames(&st, f, n);
	obs_frames_free(f, n);
	emit(t, &st);
	step_release(&st);
	return 0;
}

/*
 * The child's first run. copy_thread gave the new task a copy of the parent's struct
 * pt_regs with ax = 0, and a kernel stack whose saved return address is
 * ret_from_fork: when the scheduler first picks it, it starts there (schedule_tail
 * first). Returns its pid, or -1.
 */
static long long step_child_first_run(struct tour *t, int no)
{
	struct step st;
	struct obs_frame *f = NULL;
	size_t n = 0;
	uint64_t regs[SESSION_PT_NSLOTS];
	long long pid = task_field(t, "pid");
	if (pid < 0 || session_frames(&t->s, &f, &n) < 0 || session_ptregs(&t->s, regs) < 0) {
		obs_frames_free(f, n);
		return -1;
	}
	relative(t, f, n);
	step_init(&st, no, "the child: its first run, from ret_from_fork");
	st.ms = now_ms() - t->t0;
	strbuf_addstr(&st.say, "kernel_clone made a new task, a copy of the parent: "
			       "copy_thread gave it a copy of the parent's struct pt_regs with ax set "
			       "to 0 (the child's return value) and a kernel stack whose saved "
			       "return address is ret_from_fork. The first time the scheduler picks "
			       "it, it starts there, and schedule_tail finishes the switch.");
	int l = find_line(t, "arch/x86/kernel/process.c", "childregs->ax = 0;");
	extra_source(t, &st, "arch/x86/kernel/process.c", l, "copy_thread");
	for (size_t i = 0; i < n; i++)
		if (!strcmp(f[i].func, "ret_from_fork") && f[i].file && !st.src_file)
			show_source(t, &st, f[i].file, f[i].line);
	add_value(&st, "pid", (uint64_t)pid, "the child's pid (current->pid)");
	add_value(&st, "parent pid", (uint64_t)t->parent_pid, "the parent's, for comparison");
	add_value(&st, "pt_regs->ax", regs[SESSION_PT_AX], "0: what fork() returns in the child");
	add_value(&st, "pt_regs->ip", regs[SESSION_PT_IP],
		  regs[SESSION_PT_IP] == t->parent_ip ? "the parent's user ip: after _Fork's syscall"
						       : "(not the parent's user ip)");
	add_frames(&st, f, n);
	take_stack(&t->s, &st, f, n);
	obs_frames_free(f, n);
	emit(t, &st);
	step_release(&st);
	return pid;
}

/* The child back in user space, right after _Fork's syscall instruction. */
static int step_child_user(struct tour *t, int no)
{
	struct step st;
	struct obs_frame *f = NULL;
	size_t n = 0;
	uint64_t rax;
	if (rax_and_frames(t, &rax, &f, &n) < 0)
		return -1;
	step_init(&st, no, "the child in user space: fork() returns 0");
	st.ms = now_ms() - t->t0;
	strbuf_addstr(&st.say, "The child leaves the kernel like any task (it returns through "
			       "IRET, from ret_from_fork) and resumes right after the syscall "
			       "instruction in _Fork, the same place as its parent, with rax = 0: "
			       "fork() returns 0 in the child and the child's pid in the parent.");
	add_value(&st, "rax", rax, "fork()'s return value in the child");
	add_value(&st, "pid", (uint64_t)task_field(t, "pid"), "the child");
	add_value(&st, "rip", t->parent_ip, "the same user ip as the parent's");
	add_frames(&st, f, n);
	obs_frames_free(f, n);
	emit(t, &st);
	step_release(&st);
	return 0;
}

/*
 * Steps 8 to 10, in the order the guest takes them: the parent back in
 * entry_SYSCALL_64 (SYSRET or IRET), the child's first run, the child back in user
 * space. Which task runs first after fork is the scheduler's choice.
 */
static int steps_after_clone(struct tour *t)
{
	struct strbuf why = STRBUF_INIT;
	struct session_stop st = { .bkpt = -1 };
	int rc = -1, no = 8;
	char *ret = xstrfmt("*0x%llx", (unsigned long long)t->entry_ret);
	char *parent = xstrfmt("%s->pid == %lld", current_task(&t->s), t->parent_pid);
	int bret = t->entry_ret ? session_break(&t->s, 0, ret, -1, parent, &why) : -1;
	int bchild = session_break(&t->s, 0, "schedule_tail", -1, NULL, &why), buser = -1;
	free(ret);
	free(parent);
	if (bret < 0 || bchild < 0)
		goto out;
	while (!t->quit && (bret >= 0 || bchild >= 0 || buser >= 0)) {
		int r = session_continue(&t->s, 0, &st);
		if (r != 0) {
			strbuf_addstr(&why, r == 1 ? "the guest powered off before the child ran"
						  : "the guest did not get there in time");
			goto out;
		}
		if (st.bkpt == bret && bret >= 0) {
			if (session_delete(&t->s, bret) < 0 || step_parent_return(t, no++) < 0)
				goto out;
			bret = -1;
		} else if (st.bkpt == bchild && bchild >= 0) {
			long long pid;
			if (session_delete(&t->s, bchild) < 0 ||
			    (pid = step_child_first_run(t, no++)) < 0)
				goto out;
			bchild = -1;
			char *at = xstrfmt("*0x%llx", (unsigned long long)t->parent_ip);
			char *cond = xstrfmt("%s->pid == %lld", current_task(&t->s), pid);
			buser = session_break(&t->s, 1, at, -1, cond, &why);
			free(at);
			free(cond);
			if (buser < 0)
				goto out;
		} else if (st.bkpt == buser && buser >= 0) {
			if (session_delete(&t->s, buser) < 0 || step_child_user(t, no++) < 0)
				goto out;
			buser = -1;
		} else {
			strbuf_addf(&why, "an unexpected stop (%s)", st.reason ? st.reason : "?");
			goto out;
		}
	}
	rc = 0;
out:
	if (rc < 0 && why.len)
		error("after kernel_clone: %s", why.buf);
	session_stop_release(&st);
	strbuf_release(&why);
	return rc;
}

/* Steps 6 and 7 at kernel_clone: SYSCALL_DEFINE5, then the way back. */
static int steps_clone(struct tour *t)
{
	struct step st;
	struct obs_frame *f = NULL;
	size_t n = 0;
	uint64_t regs[SESSION_PT_NSLOTS];
	int64_t ms = now_ms() - t->t0;
	int rc = -1;
	if (session_frames(&t->s, &f, &n) < 0 || session_ptregs(&t->s, regs) < 0)
		goto out;
	relative(t, f, n);

	step_init(&st, 6, "SYSCALL_DEFINE5(clone, ...) and what it expands to");
	st.ms = ms;
	strbuf_addstr(&st.say, "SYSCALL_DEFINE5(clone, ...) defines three functions: "
			       "__x64_sys_clone(const struct pt_regs *regs) takes the registers and "
			       "calls __se_sys_clone(di, si, dx, r10, r8), which casts each to its real "
			       "type for __do_sys_clone, the body written in kernel/fork.c. The backtrace "
			       "shows them, the inlined ones sharing their caller's pc.");
	/* The wrappers' line is the SYSCALL_DEFINE5 this configuration compiled. */
	for (size_t i = n; i-- > 0;)
		if (!strcmp(f[i].func, "__se_sys_clone") && f[i].file)
			show_source(t, &st, f[i].file, f[i].line);
	if (!st.src_file)
		show_source(t, &st, "kernel/fork.c",
			    find_line(t, "kernel/fork.c", "SYSCALL_DEFINE5(clone,"));
	add_value(&st, "clone_flags", regs[SESSION_PT_DI], "di, arg0");
	add_value(&st, "newsp", regs[SESSION_PT_SI], "si, arg1");
	add_value(&st, "parent_tidptr", regs[SESSION_PT_DX], "dx, arg2");
	add_value(&st, "child_tidptr", regs[SESSION_PT_R10], "r10, arg3");
	add_value(&st, "tls", regs[SESSION_PT_R8], "r8, arg4");
	t->parent_ip = regs[SESSION_PT_IP];
	t->parent_pid = task_field(t, "pid");
	add_frames(&st, f, n);
	emit(t, &st);
	step_release(&st);
	if (t->quit) {
		rc = 0;
		goto out;
	}

	step_init(&st, 7, "kernel_clone and struct kernel_clone_args");
	st.ms = ms;
	scenario_say(t, "kernel_clone", &st.say);
	clone_args_values(t, &st);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(f[i].func, "kernel_clone") && f[i].file)
			show_source(t, &st, f[i].file, f[i].line);
	/* Where the parent comes back: the return address of entry_SYSCALL_64's call. */
	for (size_t i = 0; i < n; i++)
		if (!strcmp(f[i].func, "entry_SYSCALL_64"))
			t->entry_ret = f[i].addr;
	add_frames(&st, f, n);
	take_stack(&t->s, &st, f, n);
	emit(t, &st);
	step_release(&st);
	rc = 0;
out:
	obs_frames_free(f, n);
	return rc;
}

/* ---- the tour of any scenario: a step at each stop it reaches ---- */

/* "stop user _Fork", "stop kernel_clone syscall=clone finish": the stop as written. */
static char *stop_line(const struct scenario_stop *sp)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "stop %s%s", sp->space == SCENARIO_USER ? "user " : "", sp->location);
	if (sp->syscall)
		strbuf_addf(&sb, " syscall=%s", sp->syscall);
	if (sp->finish)
		strbuf_addstr(&sb, " finish");
	return strbuf_detach(&sb, NULL);
}

/* The system call of a kernel stop, from the task's struct pt_regs. */
static void syscall_values(struct tour *t, struct session *s, struct step *st)
{
	static const int args[] = { SESSION_PT_DI, SESSION_PT_SI, SESSION_PT_DX, SESSION_PT_R10,
				    SESSION_PT_R8, SESSION_PT_R9 };
	uint64_t regs[SESSION_PT_NSLOTS];
	if (session_ptregs(s, regs) < 0)
		return;
	const char *name = syscalls_name(&t->k->syscalls, (long)regs[SESSION_PT_ORIG_AX]);
	char *what = xstrfmt("the system call: %s", name ? name : "(not in the table)");
	add_value(st, "orig_ax", regs[SESSION_PT_ORIG_AX], what);
	free(what);
	for (size_t i = 0; i < ARRAY_SIZE(args); i++) {
		char *arg = xstrfmt("argument register %zu (%s reads as many as it takes)", i + 1,
				    name ? name : "the call");
		add_value(st, session_ptreg_name(args[i]), regs[args[i]], arg);
		free(arg);
	}
}

/* run's hook: the step of stop i, where the guest is stopped now. */
static int scenario_step(void *ctx, struct session *s, const struct scenario *sc, size_t i,
			 const struct obs_stop *seen)
{
	struct tour *t = ctx;
	const struct scenario_stop *sp = &sc->stops[i];
	struct run_target rt;
	char *title = stop_line(sp);
	struct step st;
	cli_run_target(&t->im, t->k, &rt);
	t->gs = s;
	step_init(&st, ++t->step_no, title);
	st.ms = now_ms() - t->t0;
	if (sp->say)
		for (const char *p = sp->say; *p; p++)
			strbuf_addch(&st.say, *p == '\n' ? ' ' : *p);
	else
		strbuf_addf(&st.say, "The program reached %s (%s:%d).", sp->location, sc->file, sp->line);
	if (seen->nframes && seen->frames[0].file) {
		char *rel = obs_relative_path(seen->frames[0].file, rt.roots);
		show_source(t, &st, rel, seen->frames[0].line);
		free(rel);
	}
	/* The system call from pt_regs, then what the checks read that is not there yet. */
	if (sp->space == SCENARIO_KERNEL)
		syscall_values(t, s, &st);
	for (size_t k = 0; k < seen->nvalues; k++) {
		const struct obs_value *v = &seen->values[k];
		size_t len = strlen(v->name), shown = 0;
		for (size_t j = 0; j < st.values.nr; j++)
			shown |= !strncmp(st.values.v[j], v->name, len) && st.values.v[j][len] == '\t';
		if (shown)
			continue;
		if (v->ok)
			add_value(&st, v->name, (uint64_t)v->value, "read for the scenario's checks");
		else
			strvec_pushf(&st.values, "%s\t(unreadable)\t%s", v->name,
				     v->error ? v->error : "");
	}
	/* Backtraces with paths as reports give them. */
	struct obs_frame *f = xcalloc(seen->nframes + seen->nuser + 1, sizeof(*f));
	size_t n = 0;
	for (size_t k = 0; k < seen->nframes; k++, n++) {
		f[n] = seen->frames[k];
		f[n].func = xstrdup(f[n].func);
		f[n].file = f[n].file ? xstrdup(f[n].file) : NULL;
	}
	obs_relativize(f, n, rt.roots);
	add_frames(&st, f, n);
	if (sp->space == SCENARIO_KERNEL)
		take_stack(s, &st, f, n);
	obs_frames_free(f, n);
	if (seen->nuser) {
		f = xcalloc(seen->nuser, sizeof(*f));
		for (n = 0; n < seen->nuser; n++) {
			f[n] = seen->user[n];
			f[n].func = xstrdup(f[n].func);
			f[n].file = f[n].file ? xstrdup(f[n].file) : NULL;
		}
		obs_relativize(f, n, rt.roots);
		add_user_frames(&st, f, n);
		obs_frames_free(f, n);
	}
	emit(t, &st);
	step_release(&st);
	free(title);
	return t->quit;
}

/* kdive tour SCENARIO.scn. An exit code. */
static int tour_scenario(struct tour *t, struct cli_args *a, const char *path)
{
	struct obs_run obs;
	struct run_target rt;
	int rc = cli_load_scenario(path, &t->sc, NULL);
	if (rc)
		return rc;
	t->have_sc = 1;
	rc = cli_resolve_images(&t->im, &a->boot, 1);
	if (rc || (rc = cli_check_names(&t->sc, &t->im)))
		return rc;
	t->k = &t->im.kernels[0];
	for (size_t i = 0; i < t->sc.nstops; i++)
		t->nsteps += !t->sc.stops[i].never && guard_holds(&t->sc.stops[i].guard, t->k->version);
	if (!guard_holds(&t->sc.guard, t->k->version) || !t->nsteps) {
		error("%s: nothing to tour on kernel %s (no stop applies)", path, t->k->version);
		return KDIVE_EXIT_SKIP;
	}
	struct run_opts ro = { .boot = a->boot.guest, .on_stop = scenario_step, .on_stop_ctx = t };
	cli_run_target(&t->im, t->k, &rt);
	if (t->json) {
		json_init(&t->j, &t->out, 0);
		json_open(&t->j, NULL, '{');
		json_str(&t->j, "tour", t->sc.name ? t->sc.name : path);
		json_str(&t->j, "scenario", path);
		json_open(&t->j, "steps", '[');
	} else if (!t->html) {
		struct strbuf o = STRBUF_INIT, say = STRBUF_INIT;
		for (const char *p = t->sc.say ? t->sc.say : ""; *p; p++)
			strbuf_addch(&say, *p == '\n' ? ' ' : *p);
		wrap(&o, say.buf, t->width, "  ");
		printf("kdive tour %s: %s, live, in %d step%s (kernel %s).\n%s", path,
		       t->sc.name ? t->sc.name : "a scenario", t->nsteps, t->nsteps == 1 ? "" : "s",
		       t->k->version, o.buf);
		strbuf_release(&o);
		strbuf_release(&say);
	}
	t->t0 = now_ms();
	int r = run_scenario(&t->sc, &rt, &ro, &obs);
	rc = r < 0 ? KDIVE_EXIT_INFRA : KDIVE_EXIT_PASS;
	if (r < 0 && obs.error)
		error("%s: %s", path, obs.error);
	/* What the scenario says never happens, and did not. */
	struct strvec never;
	strvec_init(&never);
	for (size_t i = 0; !ro.quit && r == 0 && i < t->sc.nstops; i++) {
		const struct scenario_stop *sp = &t->sc.stops[i];
		if (!sp->never || !guard_holds(&sp->guard, t->k->version))
			continue;
		struct strbuf line = STRBUF_INIT;
		strbuf_addf(&line, "%s %s: %s", obs.stops[i].hit ? "REACHED" : "never reached,",
			    sp->location, obs.stops[i].hit ? "the scenario says it never is"
							   : "as the scenario says");
		if (sp->say) {
			strbuf_addstr(&line, ". ");
			for (const char *p = sp->say; *p; p++)
				strbuf_addch(&line, *p == '\n' ? ' ' : *p);
		}
		strvec_push(&never, line.buf);
		strbuf_release(&line);
	}
	if (t->json) {
		json_close(&t->j); /* steps */
		json_open(&t->j, "never", '[');
		for (size_t i = 0; i < never.nr; i++)
			json_str(&t->j, NULL, never.v[i]);
		json_close(&t->j);
		json_str(&t->j, "kernel", t->k->version);
		json_bool(&t->j, "completed", r == 0 && !ro.quit);
		json_int(&t->j, "total_ms", now_ms() - t->t0);
		json_finish(&t->j);
		cli_emit(a, t->out.buf, t->out.len);
	} else if (t->html) {
		struct strbuf page = STRBUF_INIT;
		char *title = xstrfmt("kdive tour %s", path);
		char *end = xstrfmt(r == 0 ? "The guest ran %s to its end and powered off (%.1f s)."
					   : "The run of %s failed after %.1f s.",
				    t->sc.program, (double)(now_ms() - t->t0) / 1000.0);
		html_page(t, title, &never, end, &page);
		cli_emit(a, page.buf, page.len);
		free(title);
		free(end);
		strbuf_release(&page);
	} else if (r == 0 && !ro.quit) {
		struct strbuf o = STRBUF_INIT;
		for (size_t i = 0; i < never.nr; i++) {
			strbuf_addch(&o, '\n');
			wrap(&o, never.v[i], t->width, "  ");
		}
		printf("%s\nThe tour is over: the guest ran %s to its end and powered off (%.1f s).\n"
		       "Go on by hand with `kdive debug %s`.\n", o.buf, t->sc.program,
		       (double)(now_ms() - t->t0) / 1000.0, path);
		strbuf_release(&o);
	}
	strvec_clear(&never);
	obs_run_release(&obs);
	return rc;
}

static int terminal_width(void)
{
	struct winsize ws;
	const char *c = getenv("COLUMNS");
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
		return ws.ws_col;
	if (c && atoi(c) >= 40)
		return atoi(c);
	return 80;
}

/* tour's own option: --auto. */
static int tour_option(void *ctx, int key, const char *arg)
{
	(void)arg;
	if (key == 'a')
		((struct tour *)ctx)->automatic = 1;
	return 0;
}

static int cmd_tour(int argc, char **argv)
{
	struct tour t;
	struct cli_args a;
	struct session_image img;
	struct strbuf why = STRBUF_INIT;
	int rc, started = 0, ok = 0;

	memset(&t, 0, sizeof(t));
	strbuf_init(&t.out, 0);
	rc = cli_parse(&cli_cmd_tour, argc, argv, &a, tour_option, &t);
	if (rc)
		goto out;
	t.json = cli_format_is(&a, "json");
	t.html = cli_format_is(&a, "html");
	t.color = cli_color(&a);
	t.width = terminal_width();
	if (a.nrest > 1) {
		rc = cli_usage_error("tour", "one tour at a time: fork, or a scenario file");
		goto out;
	}
	if (a.nrest && strcmp(a.rest[0], "fork")) {
		const char *arg = a.rest[0];
		size_t len = strlen(arg);
		if (!strchr(arg, '/') && (len < 4 || strcmp(arg + len - 4, ".scn"))) {
			rc = cli_usage_error("tour", "the tours are 'fork' and any scenario file "
					     "(scenarios/NAME.scn), not '%s'", arg);
			goto out;
		}
		rc = tour_scenario(&t, &a, arg);
		goto out;
	}
	t.gs = &t.s;
	t.nsteps = TOUR_STEPS;
	rc = cli_resolve_images(&t.im, &a.boot, 1);
	if (rc)
		goto out;
	rc = KDIVE_EXIT_INFRA;
	char *scn = xstrfmt("%s/scenarios/fork.scn", cli_datadir());
	t.have_sc = cli_load_scenario(scn, &t.sc, NULL) == 0;
	free(scn);
	t.k = &t.im.kernels[0];
	int clone_nr = syscalls_find(&t.k->syscalls, "clone");
	if (clone_nr < 0) {
		error("kernel %s has no clone in its syscall table", t.k->name);
		goto out;
	}
	cli_session_image(&t.im, t.k, &img);
	t.t0 = now_ms();
	started = 1;
	if (session_open(&t.s, &img, &a.boot.guest, "fork", NULL, &why) < 0)
		goto fail;
	/* All four stops at once, for the fork program only. */
	struct strbuf bwhy = STRBUF_INIT;
	int b1 = session_break(&t.s, 1, "_Fork", -1, NULL, &bwhy);
	int b2 = session_break(&t.s, 0, "syscall_enter_from_user_mode", clone_nr, NULL, &bwhy);
	int b3 = session_break(&t.s, 0, "__x64_sys_clone", -1, NULL, &bwhy);
	int b4 = session_break(&t.s, 0, "kernel_clone", -1, NULL, &bwhy);
	if (b1 < 0 || b2 < 0 || b3 < 0 || b4 < 0) {
		strbuf_addf(&why, "cannot set the tour's breakpoints: %s", bwhy.buf);
		strbuf_release(&bwhy);
		goto fail;
	}
	strbuf_release(&bwhy);
	if (t.json) {
		json_init(&t.j, &t.out, 0);
		json_open(&t.j, NULL, '{');
		json_str(&t.j, "tour", "fork");
		json_open(&t.j, "steps", '[');
	} else if (!t.html) {
		printf("kdive tour fork: from glibc's fork() to kernel_clone, live, in %d steps "
		       "(kernel %s).\n", TOUR_STEPS, t.k->version);
	}
	if (next_stop(&t) < 0 || step_user(&t) < 0)
		goto fail;
	/* Each breakpoint goes once it is hit: the LSTAR read rewinds the pc onto b2, and
	 * a breakpoint still there would be reported again. */
	if (!t.quit && (session_delete(&t.s, b1) < 0 || next_stop(&t) < 0 ||
			steps_entry(&t) < 0))
		goto fail;
	if (!t.quit && (session_delete(&t.s, b2) < 0 || next_stop(&t) < 0 ||
			step_switch(&t) < 0))
		goto fail;
	if (!t.quit && (session_delete(&t.s, b3) < 0 || next_stop(&t) < 0 ||
			steps_clone(&t) < 0))
		goto fail;
	if (!t.quit && (session_delete(&t.s, -1) < 0 || steps_after_clone(&t) < 0))
		goto fail;
	if (!t.quit && session_run_to_exit(&t.s) < 0)
		goto fail;
	if (t.json) {
		json_close(&t.j); /* steps */
		json_str(&t.j, "kernel", t.k->version);
		json_bool(&t.j, "completed", !t.quit);
		json_int(&t.j, "total_ms", now_ms() - t.t0);
		json_finish(&t.j);
		cli_emit(&a, t.out.buf, t.out.len);
	} else if (t.html) {
		struct strbuf page = STRBUF_INIT;
		char *end = xstrfmt("The guest ran fork to its end and powered off (%.1f s).",
				    (double)(now_ms() - t.t0) / 1000.0);
		html_page(&t, "kdive tour fork: from glibc's fork() to kernel_clone, and the child",
			  NULL, end, &page);
		cli_emit(&a, page.buf, page.len);
		free(end);
		strbuf_release(&page);
	} else if (!t.quit) {
		printf("\nThe tour is over: the guest ran fork to its end and powered off (%.1f s).\n"
		       "Go on by hand with `kdive debug scenarios/fork.scn`.\n",
		       (double)(now_ms() - t.t0) / 1000.0);
	}
	ok = 1;
	rc = KDIVE_EXIT_PASS;
	goto out;
fail:
	if (why.len)
		error("%s", why.buf);
	{
		struct strbuf tail = STRBUF_INIT;
		session_console_tail(&t.s, &tail);
		fputs(tail.buf, stderr);
		strbuf_release(&tail);
	}
out:
	if (started)
		session_end(&t.s, ok);
	if (t.have_sc)
		scenario_release(&t.sc);
	cli_images_release(&t.im);
	strbuf_release(&t.out);
	strbuf_release(&why);
	return rc;
}

const struct cli_command cli_cmd_tour = {
	.name = "tour",
	.fn = cmd_tour,
	.summary = "a narrated, step-by-step guided tour: fork() to kernel_clone, or any scenario",
	.args = "[fork | SCENARIO.scn]",
	.about =
	"`kdive tour` (or `tour fork`) boots the guest and walks the seed's journey live,\n"
	"stopping the fork program on the way, in ten steps:\n"
	"  1. user space: _Fork, its code up to the syscall instruction, the registers\n"
	"  2. the jump: MSR_LSTAR, read live, = entry_SYSCALL_64\n"
	"  3. entry_SYSCALL_64 building struct pt_regs (where each field came from)\n"
	"  4. do_syscall_64 and the inlined syscall_enter_from_user_mode, with the backtrace\n"
	"  5. x64_sys_call's switch (the generated case for 56)\n"
	"  6. SYSCALL_DEFINE5(clone, ...) and what it expands to\n"
	"  7. kernel_clone, and struct kernel_clone_args live\n"
	"  8-10, in the order the scheduler runs them: the parent's way back (SYSRET or\n"
	"     IRET, and why); the child's first run from ret_from_fork, its pt_regs with\n"
	"     ax = 0; the child back in user space, where fork() returns 0\n"
	"Each step shows its narration (from scenarios/fork.scn), the kernel source around\n"
	"the stop, the live values and the backtrace.\n"
	"\n"
	"`kdive tour SCENARIO.scn` tours any scenario: a step at each stop it reaches, with\n"
	"the stop's `say` narration, the source around it, the live values (at a kernel\n"
	"stop the system call from struct pt_regs: number, name, argument registers; and\n"
	"what the checks read) and the kernel and user backtraces. What a `never` stop says\n"
	"does not happen is confirmed at the end.\n"
	"\n"
	"Keys: Enter = next step, g = gdb right here (type gdb commands, kd-ptregs, kd-ubt;\n"
	"`tour` comes back), q = quit (the guest is shut down).\n",
	.opts = (const struct cli_opt[]){
		{ "auto", 'a', 0, NULL, "print the whole tour without waiting (CI, transcripts)" },
		{ "format", CLI_KEY_FORMAT, 0, "FMT", "text (default), json (the tour as data) or html\n"
		  "(one self-contained page, the stack drawn as SVG)" },
		CLI_OPT_OUTPUT,
		CLI_OPT_KEEP,
		CLI_OPT_VERBOSE,
		CLI_OPT_END,
	},
	.shared = cli_guest_opts,
	.formats = "text,json,html",
	.tail = "Exit: 0 done (or quit), 3 build/boot/gdb failure.\n",
};
