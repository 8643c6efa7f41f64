/*
 * tour's HTML renderer: one self-contained page (no outside resource), written at the
 * end: a section a step, the kernel stack drawn as SVG, what never happened, the end.
 */
#include "tour.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
static void html_stack_svg(const struct tour_stack *p, struct strbuf *o)
{
	static const int shown[] = TOUR_STACK_REGS;
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

static void html_step(struct tour *t, const struct tour_step *st)
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

static void html_end(struct tour *t, const struct tour_doc *d)
{
	struct strbuf page = STRBUF_INIT;
	char *end = xstrfmt(d->ok ? "The guest ran %s to its end and powered off (%.1f s)."
				  : "The run of %s failed after %.1f s.",
			    d->program, (double)(now_ms() - t->t0) / 1000.0);
	html_page(t, d->title, d->never, end, &page);
	cli_emit(t->args, page.buf, page.len);
	free(end);
	strbuf_release(&page);
}

const struct tour_renderer tour_html = {
	.begin = NULL, /* the page is written at the end */
	.step = html_step,
	.end = html_end,
};
