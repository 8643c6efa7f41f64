/*
 * tour's text renderer, for a terminal: each step as it comes (a heading, the
 * narration wrapped to the width, source, live values, backtrace, the kernel stack
 * drawn in characters), the first line and the end. Bold on a colour terminal only.
 */
#include "tour.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The drawing, for a terminal: addresses down the left, the top first. */
static void draw_stack(const struct tour_stack *p, struct strbuf *o)
{
	static const int shown[] = TOUR_STACK_REGS;
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

static void print_step(struct tour *t, const struct tour_step *st)
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

static void text_begin(struct tour *t, const struct tour_doc *d)
{
	struct strbuf o = STRBUF_INIT, say = STRBUF_INIT;
	if (d->intro)
		tour_say_add(&say, d->intro);
	wrap(&o, say.buf, t->width, "  ");
	printf("kdive tour %s: %s, live, in %d step%s (kernel %s).\n%s", d->label, d->what,
	       t->nsteps, t->nsteps == 1 ? "" : "s", t->k->version, o.buf);
	strbuf_release(&o);
	strbuf_release(&say);
}

/* What never happened, then the end (when the tour went to its end). */
static void text_end(struct tour *t, const struct tour_doc *d)
{
	struct strbuf o = STRBUF_INIT;
	if (!d->completed)
		return;
	for (size_t i = 0; d->never && i < d->never->nr; i++) {
		strbuf_addch(&o, '\n');
		wrap(&o, d->never->v[i], t->width, "  ");
	}
	printf("%s\nThe tour is over: the guest ran %s to its end and powered off (%.1f s).\n"
	       "Go on by hand with `kdive debug %s`.\n", o.buf, d->program,
	       (double)(now_ms() - t->t0) / 1000.0, d->debug);
	strbuf_release(&o);
}

const struct tour_renderer tour_text = {
	.begin = text_begin,
	.step = print_step,
	.end = text_end,
	.keys = 1,
};
