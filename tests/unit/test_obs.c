/*
 * Unit tests of obs's encoding (what a kdive run -j worker sends back): every field
 * round-trips, NULL stays apart from "", any byte survives in a string, and anything
 * cut short, padded or forged is refused without a leak or a read past its end.
 */
#include "obs.h"
#include "json.h"
#include "test.h"
#include "strbuf.h"
#include "wrapper.h"
#include "fixtures.h"

#include <string.h>

static void frame(struct obs_frame *f, const char *func, const char *file, int line,
		  int inlined, uint64_t addr)
{
	f->func = func ? xstrdup(func) : NULL;
	f->file = file ? xstrdup(file) : NULL;
	f->line = line;
	f->inlined = inlined;
	f->addr = addr;
}

/* A run with a bit of everything: two stops, one never reached, odd bytes. */
static void sample(struct obs_run *r)
{
	memset(r, 0, sizeof(*r));
	r->kernel_version = xstrdup("6.12.117");
	r->lstar_symbol = xstrdup("entry_SYSCALL_64");
	r->lstar_value = 0xffffffff81e00080ULL;
	r->error = NULL;
	r->kaslr = 1;
	r->kaslr_slide = 0x2a000000ULL;
	r->restored = 1;
	r->kaslr_slot = 3;
	r->cpus = 2;
	r->boot_ms = 1234;
	r->total_ms = -1; /* any int64 */
	r->program_status = 139;
	obs_output_set(r, "ok 1 a;b\r\n3:x;\n", 15);
	r->nstops = 2;
	r->stops = xcalloc(2, sizeof(*r->stops));
	struct obs_stop *s = &r->stops[0];
	s->hit = 1;
	s->ms = 578;
	s->nframes = 2;
	s->frames = xcalloc(2, sizeof(*s->frames));
	frame(&s->frames[0], "kernel_clone", "kernel/fork.c", 2767, 0, 0xffffffff8106e2a0ULL);
	frame(&s->frames[1], "??", NULL, 0, 1, 0);
	s->nuser = 1;
	s->user = xcalloc(1, sizeof(*s->user));
	frame(&s->user[0], "main", "a;b:7:\n\"c\"", 12, 0, 0x401615);
	s->nvalues = 2;
	s->values = xcalloc(2, sizeof(*s->values));
	s->values[0] = (struct obs_value){ xstrdup("orig_ax"), 56, 1, NULL };
	s->values[1] = (struct obs_value){ xstrdup("ret"), -22, 0, xstrdup("") };
	r->stops[1].error = xstrdup("never reached; 3:x;");
}

TEST(obs_encoding_round_trips_every_field)
{
	struct obs_run a, b;
	struct strbuf enc = STRBUF_INIT, again = STRBUF_INIT;
	sample(&a);
	obs_run_encode(&a, &enc);
	ASSERT_EQ(obs_run_decode(enc.buf, enc.len, &b), 0);
	EXPECT_STREQ(b.kernel_version, "6.12.117");
	EXPECT_STREQ(b.lstar_symbol, "entry_SYSCALL_64");
	EXPECT_TRUE(b.lstar_value == 0xffffffff81e00080ULL);
	EXPECT_TRUE(b.error == NULL);
	EXPECT_EQ(b.kaslr, 1);
	EXPECT_TRUE(b.kaslr_slide == 0x2a000000ULL);
	EXPECT_EQ(b.restored, 1);
	EXPECT_EQ(b.kaslr_slot, 3);
	EXPECT_EQ(b.cpus, 2);
	EXPECT_EQ(b.boot_ms, 1234);
	EXPECT_EQ(b.total_ms, -1);
	EXPECT_EQ(b.program_status, 139);
	EXPECT_STREQ(b.program_output, "ok 1 a;b\n3:x;\n");
	EXPECT_EQ(b.output_truncated, 0);
	ASSERT_EQ(b.nstops, 2);
	const struct obs_stop *s = &b.stops[0];
	EXPECT_EQ(s->hit, 1);
	EXPECT_EQ(s->ms, 578);
	ASSERT_EQ(s->nframes, 2);
	EXPECT_STREQ(s->frames[0].func, "kernel_clone");
	EXPECT_STREQ(s->frames[0].file, "kernel/fork.c");
	EXPECT_EQ(s->frames[0].line, 2767);
	EXPECT_TRUE(s->frames[0].addr == 0xffffffff8106e2a0ULL);
	EXPECT_TRUE(s->frames[1].file == NULL);
	EXPECT_EQ(s->frames[1].inlined, 1);
	ASSERT_EQ(s->nuser, 1);
	EXPECT_STREQ(s->user[0].file, "a;b:7:\n\"c\"");
	ASSERT_EQ(s->nvalues, 2);
	EXPECT_STREQ(s->values[0].name, "orig_ax");
	EXPECT_EQ(s->values[0].value, 56);
	EXPECT_TRUE(s->values[0].ok && !s->values[0].error);
	EXPECT_EQ(s->values[1].value, -22);
	EXPECT_TRUE(!s->values[1].ok && s->values[1].error && !*s->values[1].error);
	EXPECT_EQ(b.stops[1].hit, 0);
	EXPECT_STREQ(b.stops[1].error, "never reached; 3:x;");
	/* And the decoded run encodes to the same bytes. */
	obs_run_encode(&b, &again);
	EXPECT_TRUE(again.len == enc.len && !memcmp(again.buf, enc.buf, enc.len));
	obs_run_release(&a);
	obs_run_release(&b);
	strbuf_release(&enc);
	strbuf_release(&again);
}

TEST(obs_decoding_refuses_what_encoding_never_makes)
{
	struct obs_run a, b;
	struct strbuf enc = STRBUF_INIT;
	sample(&a);
	obs_run_encode(&a, &enc);
	/* Every cut, and one byte more: refused, zeroed, nothing leaked (ASan). */
	for (size_t n = 0; n < enc.len; n++) {
		CHECK_(obs_run_decode(enc.buf, n, &b) == -1, 0, "a cut at %zu bytes was taken", n);
		EXPECT_TRUE(b.stops == NULL && b.kernel_version == NULL);
	}
	strbuf_addch(&enc, ';');
	EXPECT_EQ(obs_run_decode(enc.buf, enc.len, &b), -1);
	/* Counts larger than the data, lengths past the end, not numbers, a NUL inside. */
	static const char *const forged[] = {
		"obs3;-;-;0;-;0;0;0;-1;1;0;0;-1;-;0;99999999999;",
		"obs3;-;-;0;-;0;0;0;-1;1;0;0;-1;-;0;-1;",
		"obs3;9:6.12;-;0;-;0;0;0;-1;1;0;0;-1;-;0;0;",
		"obs3;-;-;0x10;-;0;0;0;-1;1;0;0;-1;-;0;0;",
		"obs3;-;-;99999999999999999999999;-;0;0;0;-1;1;0;0;-1;-;0;0;",
		"obs3;-;-;0;-;0;0;0;-1;1;0;0;256;-;0;0;",   /* no exit status is 256 */
		"obs3;-;-;0;-;0;0;0;-1;1;0;0;-2;-;0;0;",    /* nor -2 */
		"obs3;-;-;0;-;0;0;0;-1;1;0;0;0;-;2;0;",     /* truncated is 0 or 1 */
		"obs3;-;-;0;-;0;0;0;-1;1;0;0;0;5:ab;0;0;",  /* a length past its string */
		"obs3;-;-;0;-;0;0;0;-1;1;0;0;0;0;",         /* the output left out */
		"obs2;-;-;0;-;0;0;0;-1;1;0;0;0;", /* the format before the program's verdict */
		"obs1;-;-;0;-;0;0;1;0;0;0;", /* the format before restored and kaslr_slot */
		"",
	};
	for (size_t i = 0; i < sizeof(forged) / sizeof(*forged); i++) {
		CHECK_(obs_run_decode(forged[i], strlen(forged[i]), &b) == -1, 0, "took '%s'",
		       forged[i]);
		EXPECT_EQ(b.program_status, -1);
	}
	const char nul[] = "obs3;-;-;0;-;0;0;0;-1;1;0;0;0;3:a\0b;0;0;";
	EXPECT_EQ(obs_run_decode(nul, sizeof(nul) - 1, &b), -1);
	const char ok[] = "obs3;-;-;0;-;0;0;0;-1;1;0;0;-1;-;0;0;";
	ASSERT_EQ(obs_run_decode(ok, sizeof(ok) - 1, &b), 0);
	EXPECT_EQ(b.nstops, 0);
	EXPECT_EQ(b.program_status, -1);
	EXPECT_TRUE(b.program_output == NULL);
	obs_run_release(&b);
	const char out[] = "obs3;-;-;0;-;0;0;0;-1;1;0;0;255;0:;1;0;";
	ASSERT_EQ(obs_run_decode(out, sizeof(out) - 1, &b), 0);
	EXPECT_EQ(b.program_status, 255);
	EXPECT_STREQ(b.program_output, "");
	EXPECT_EQ(b.output_truncated, 1);
	obs_run_release(&b);
	obs_run_release(&a);
	strbuf_release(&enc);
}

/*
 * What a worker sends is read from a buffer exactly as long as the bytes it got, with
 * no NUL after them: every cut of a run, and a string whose ';' would be the first
 * byte past the end ("3:abc" ending the data), copied to a heap block of exactly that
 * size, is refused without reading past it (ASan).
 */
TEST(obs_decoding_reads_nothing_past_an_exact_buffer)
{
	struct obs_run a, b;
	struct strbuf enc = STRBUF_INIT;
	sample(&a);
	obs_run_encode(&a, &enc);
	for (size_t n = 0; n <= enc.len; n++) {
		char *exact = xmalloc(n ? n : 1);
		memcpy(exact, enc.buf, n);
		int r = obs_run_decode(exact, n, &b);
		free(exact);
		CHECK_(r == (n == enc.len ? 0 : -1), 0, "a cut at %zu of %zu bytes: %d", n,
		       enc.len, r);
		obs_run_release(&b);
	}
	static const char last[] = "obs1;3:abc";
	char *exact = xmalloc(sizeof(last) - 1);
	memcpy(exact, last, sizeof(last) - 1);
	EXPECT_EQ(obs_run_decode(exact, sizeof(last) - 1, &b), -1);
	free(exact);
	obs_run_release(&a);
	strbuf_release(&enc);
}

/* The one frame format (report, serve and tour write frames with it): a missing file
 * or line is null, the address a hex string. */
TEST(obs_frames_write_is_the_frame_format)
{
	struct strbuf sb = STRBUF_INIT;
	struct json j;
	size_t n;
	struct obs_frame *f = fixture_frames("kernel_clone@kernel/fork.c:2700|inl@x.h:0!|??", &n,
					     0xffffffff81000000ull);
	json_init(&j, &sb, 0);
	obs_frames_write(&j, NULL, f, n);
	json_finish(&j);
	EXPECT_STREQ(sb.buf,
		     "[{\"func\":\"kernel_clone\",\"file\":\"kernel/fork.c\",\"line\":2700,"
		     "\"inlined\":false,\"addr\":\"0xffffffff81000001\"},"
		     "{\"func\":\"inl\",\"file\":\"x.h\",\"line\":null,\"inlined\":true,"
		     "\"addr\":\"0xffffffff81000002\"},"
		     "{\"func\":\"??\",\"file\":null,\"line\":null,\"inlined\":false,"
		     "\"addr\":\"0xffffffff81000003\"}]\n");
	/* A copy is a deep copy. */
	struct obs_frame *d = obs_frames_dup(f, n);
	EXPECT_TRUE(d[0].func != f[0].func && !strcmp(d[0].func, f[0].func));
	EXPECT_TRUE(d[2].file == NULL && d[1].inlined == 1 && d[0].line == 2700);
	EXPECT_TRUE(obs_frames_dup(f, 0) == NULL);
	obs_frames_free(d, n);
	obs_frames_free(f, n);
	strbuf_release(&sb);
}

/* The output's bound and its \r\n rule: the first and last halves kept, a line between. */
TEST(obs_output_set_bounds_the_output)
{
	struct obs_run r;
	memset(&r, 0, sizeof(r));
	obs_output_set(&r, "a\r\nb\rc\n\r\n", 9);
	EXPECT_STREQ(r.program_output, "a\nb\rc\n\n");
	EXPECT_EQ(r.output_truncated, 0);
	obs_output_set(&r, "x\0y", 3); /* replaces; a NUL is no string's end */
	EXPECT_STREQ(r.program_output, "x?y");
	obs_output_set(&r, "", 0);
	EXPECT_STREQ(r.program_output, "");

	/* exactly OBS_OUTPUT_MAX after \r\n is made \n: all kept */
	size_t n = OBS_OUTPUT_MAX + 1;
	char *big = xmalloc(n + 1);
	memset(big, 'a', n);
	big[0] = '\r';
	big[1] = '\n';
	obs_output_set(&r, big, n);
	EXPECT_EQ(r.output_truncated, 0);
	EXPECT_EQ(strlen(r.program_output), OBS_OUTPUT_MAX);
	free(big);

	/* 3 * OBS_OUTPUT_MAX: halves of 'h' and 't', the middle left out */
	n = 3 * (size_t)OBS_OUTPUT_MAX;
	big = xmalloc(n);
	memset(big, 'h', n / 2);
	memset(big + n / 2, 't', n - n / 2);
	obs_output_set(&r, big, n);
	free(big);
	EXPECT_EQ(r.output_truncated, 1);
	struct strbuf want = STRBUF_INIT;
	strbuf_addf(&want, "\n[... %zu bytes left out ...]\n", n - OBS_OUTPUT_MAX);
	const char *mid = strstr(r.program_output, want.buf);
	ASSERT_TRUE(mid != NULL);
	EXPECT_EQ((size_t)(mid - r.program_output), OBS_OUTPUT_MAX / 2);
	EXPECT_EQ(strlen(mid + want.len), OBS_OUTPUT_MAX / 2);
	EXPECT_TRUE(r.program_output[0] == 'h' && mid[want.len] == 't');

	/* it crosses a pipe whole */
	struct strbuf enc = STRBUF_INIT;
	struct obs_run b;
	r.program_status = 3;
	obs_run_encode(&r, &enc);
	ASSERT_EQ(obs_run_decode(enc.buf, enc.len, &b), 0);
	EXPECT_STREQ(b.program_output, r.program_output);
	EXPECT_EQ(b.output_truncated, 1);
	EXPECT_EQ(b.program_status, 3);
	obs_run_release(&b);
	strbuf_release(&enc);
	strbuf_release(&want);
	obs_run_release(&r);
	EXPECT_TRUE(r.program_output == NULL);
	EXPECT_EQ(r.program_status, -1);
}
