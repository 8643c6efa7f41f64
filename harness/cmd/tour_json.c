/*
 * tour's JSON renderer: the tour as data, one document written at the end:
 * {"tour", "scenario" (a scenario's tour), "steps": [{"step", "title", "narration",
 * "source", "extra", "values", "frames", "ms", "stack"}], "never" (a scenario's),
 * "kernel", "completed", "total_ms"}.
 */
#include "tour.h"

#include <stdlib.h>
#include <string.h>

static void json_step(struct tour *t, const struct tour_step *st)
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
	obs_frames_write(j, "frames", st->kframes, st->nkframes);
	if (st->uframes)
		obs_frames_write(j, "user_frames", st->uframes, st->nuframes);
	json_int(j, "ms", st->ms);
	if (st->stack.valid) {
		const struct tour_stack *p = &st->stack;
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

static void json_begin(struct tour *t, const struct tour_doc *d)
{
	json_init(&t->j, &t->out, 0);
	json_open(&t->j, NULL, '{');
	json_str(&t->j, "tour", d->name);
	if (d->scenario)
		json_str(&t->j, "scenario", d->scenario);
	json_open(&t->j, "steps", '[');
}

static void json_end(struct tour *t, const struct tour_doc *d)
{
	json_close(&t->j); /* steps */
	if (d->never) {
		json_open(&t->j, "never", '[');
		for (size_t i = 0; i < d->never->nr; i++)
			json_str(&t->j, NULL, d->never->v[i]);
		json_close(&t->j);
	}
	json_str(&t->j, "kernel", t->k->version);
	json_bool(&t->j, "completed", d->completed);
	json_int(&t->j, "total_ms", now_ms() - t->t0);
	json_finish(&t->j);
	cli_emit(t->args, t->out.buf, t->out.len);
}

const struct tour_renderer tour_json = {
	.begin = json_begin,
	.step = json_step,
	.end = json_end,
};
