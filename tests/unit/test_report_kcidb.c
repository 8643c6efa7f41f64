/*
 * Unit tests of the KCIDB report's ids: a checkout and a build are named by what the
 * kernel is (its source_id and config key), never by the name it was given; the
 * origin is in every id and origin field; test ids carry the run id; a harness
 * failure is MISS. And kernel_id, which gives a source its content identity.
 */
#include "kernel_id.h"
#include "report.h"
#include "test.h"
#include "files.h"
#include "strbuf.h"
#include "wrapper.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The checkout and build ids of k for origin, as "CHECKOUT BUILD" (new string). */
static char *ids(const struct obs_kernel *k, const char *origin)
{
	struct strbuf c = STRBUF_INIT, b = STRBUF_INIT;
	report_kcidb_ids(k, k->version, origin, &c, &b);
	char *r = xstrfmt("%s %s", c.buf, b.buf);
	strbuf_release(&c);
	strbuf_release(&b);
	return r;
}

/* The checkout part of ids()'s answer, or its build part (a pointer into s). */
static const char *build_of(const char *s)
{
	return strchr(s, ' ') + 1;
}

static int same_checkout(const char *a, const char *b)
{
	return strcspn(a, " ") == strcspn(b, " ") && !strncmp(a, b, strcspn(a, " "));
}

TEST(kcidb_ids_follow_the_content_not_the_name)
{
	static const char tar[] = "tarball sha256 c93391b6a4884e6428ffbfbb8ce6340229ad28dc";
	/* the default run, --kernel 6.12 and a symlink: three names, one tarball, one key */
	struct obs_kernel dflt = { .name = "/usr/src/linux-source-6.12.tar.xz",
				   .version = "6.12.118",
				   .source = "/usr/src/linux-source-6.12.tar.xz", .key = "k1",
				   .source_id = tar };
	struct obs_kernel v612 = dflt, link = dflt;
	v612.name = "6.12";
	v612.source = "linux-source-6.12";
	link.name = link.source = "/tmp/x/link.tar.xz";
	char *a = ids(&dflt, NULL), *b = ids(&v612, NULL), *c = ids(&link, NULL);
	EXPECT_STREQ(a, b);
	EXPECT_STREQ(a, c);
	EXPECT_TRUE(!strncmp(a, "kdive:checkout-", 15));
	EXPECT_TRUE(!strncmp(build_of(a), "kdive:build-", 12));
	/* a new linux-source under the same path: a new checkout and build */
	struct obs_kernel next = dflt;
	next.source_id = "tarball sha256 0000000000000000000000000000000000000000000000";
	char *d = ids(&next, NULL);
	EXPECT_TRUE(!same_checkout(a, d));
	EXPECT_TRUE(strcmp(build_of(a), build_of(d)) != 0);
	/* another config of the same source (SMP): the same checkout, another build */
	struct obs_kernel smp = dflt;
	smp.key = "k2";
	char *e = ids(&smp, NULL);
	EXPECT_TRUE(same_checkout(a, e));
	EXPECT_TRUE(strcmp(build_of(a), build_of(e)) != 0);
	/* the same tree at another path: one id (a git commit names it) */
	struct obs_kernel g1 = { .name = "/a/linux", .version = "6.13.0", .source = "/a/linux",
				 .key = "k3", .source_id = "git 0123456789abcdef0123456789abcdef01234567",
				 .commit = "0123456789abcdef0123456789abcdef01234567" };
	struct obs_kernel g2 = g1;
	g2.name = g2.source = "/b/linux";
	char *f = ids(&g1, NULL), *g = ids(&g2, NULL);
	EXPECT_STREQ(f, g);
	/* --origin: in both ids */
	char *h = ids(&dflt, "lab1");
	EXPECT_TRUE(!strncmp(h, "lab1:checkout-", 14));
	EXPECT_TRUE(!strncmp(build_of(h), "lab1:build-", 11));
	/* (the hashes do not change with it) */
	EXPECT_EQ(strncmp(strchr(h, '-'), strchr(a, '-'), 33), 0);
	EXPECT_STREQ(strrchr(h, '-'), strrchr(a, '-'));
	free(a), free(b), free(c), free(d), free(e), free(f), free(g), free(h);
}

TEST(kcidb_prebuilt_images_are_their_own_builds)
{
	/* two 6.12.118 bzImages (UP and SMP): two checkouts, two builds; the same image
	 * named by two paths: one */
	struct obs_kernel up = { .name = "/k/up/bzImage", .version = "6.12.118",
				 .source = "prebuilt", .source_id = "image sha256 aaaa" };
	struct obs_kernel smp = up, again = up;
	smp.name = "/k/smp/bzImage";
	smp.source_id = "image sha256 bbbb";
	again.name = "/elsewhere/bzImage";
	char *a = ids(&up, NULL), *b = ids(&smp, NULL), *c = ids(&again, NULL);
	EXPECT_TRUE(!same_checkout(a, b));
	EXPECT_TRUE(strcmp(build_of(a), build_of(b)) != 0);
	EXPECT_STREQ(a, c);
	/* not the checkout every prebuilt kernel shared once */
	struct obs_kernel none = { .name = "x", .version = "6.12.118", .source = "prebuilt" };
	char *d = ids(&none, NULL);
	EXPECT_TRUE(!same_checkout(a, d));
	free(a), free(b), free(c), free(d);
}

/* A one-stop scenario's result on kernel k: passing, or an infrastructure error. */
static void one_result(struct match_result *res, struct scenario *sc, struct obs_run *run,
		       const struct obs_kernel *k, int infra)
{
	struct strbuf err = STRBUF_INIT;
	memset(sc, 0, sizeof(*sc));
	memset(run, 0, sizeof(*run));
	CHECK_(scenario_parse(sc, "s.scn", "scenario s\nprogram getpid\nstop __x64_sys_getpid\n",
			      &err) == 0, 1, "%s", err.buf);
	strbuf_release(&err);
	run->kernel_version = xstrdup(k->version);
	run->stops = xcalloc(1, sizeof(*run->stops));
	run->nstops = 1;
	run->stops[0].hit = !infra;
	run->total_ms = 1000;
	if (infra)
		run->error = xstrdup("QEMU exited with status 1");
	match_run(res, sc, run, NULL);
	res->kernel = k;
}

TEST(kcidb_report_origin_run_ids_and_miss)
{
	struct obs_kernel up = { .name = "6.12", .version = "6.12.118", .source = "linux-source-6.12",
				 .key = "k1", .source_id = "tarball sha256 abc",
				 .commit = NULL };
	struct obs_kernel smp = up;
	smp.key = "k2";
	struct scenario sc[3];
	struct obs_run run[3];
	struct match_result res[3];
	one_result(&res[0], &sc[0], &run[0], &up, 0);
	one_result(&res[1], &sc[1], &run[1], &smp, 0);
	one_result(&res[2], &sc[2], &run[2], &up, 1);
	EXPECT_EQ(res[2].status, MATCH_ERROR);
	struct strbuf out = STRBUF_INIT;
	struct report_opts o = { .run_id = "0123abcd", .origin = "lab1" };
	report_write(REPORT_KCIDB, res, 3, NULL, &o, &out);
	struct json_error jerr;
	struct json_value *v = json_parse(out.buf, out.len, &jerr);
	CHECK_(v != NULL, 0, "invalid JSON: %s\n%s", jerr.message, out.buf);
	json_value_free(v);
	/* one source, two configs: one checkout, two builds */
	const char *b = strstr(out.buf, "\"builds\":[");
	const char *t = strstr(out.buf, "\"tests\":[");
	ASSERT_TRUE(b && t);
	size_t checkouts = 0, builds = 0;
	for (const char *p = out.buf; (p = strstr(p, "\"id\":\"lab1:checkout-")); p++)
		checkouts++;
	for (const char *p = b; (p = strstr(p, "\"id\":\"lab1:build-")); p++)
		builds++;
	EXPECT_EQ((long)checkouts, 1);
	EXPECT_EQ((long)builds, 2);
	/* the origin everywhere, never kdive's */
	EXPECT_TRUE(strstr(out.buf, "\"origin\":\"kdive\"") == NULL);
	EXPECT_TRUE(strstr(out.buf, "\"kdive:") == NULL);
	EXPECT_CONTAINS(out.buf, "\"id\":\"lab1:0123abcd-0\"");
	EXPECT_CONTAINS(out.buf, "\"id\":\"lab1:0123abcd-2-1\"");
	/* QEMU could not start: MISS with the reason, no ERROR */
	EXPECT_CONTAINS(out.buf, "\"status\":\"MISS\"");
	EXPECT_CONTAINS(out.buf, "\"log_excerpt\":\"QEMU exited with status 1\"");
	EXPECT_CONTAINS(out.buf, "\"kdive_status\":\"error\"");
	EXPECT_TRUE(strstr(out.buf, "\"ERROR\"") == NULL);
	/* a git tree's commit is the checkout's git_commit_hash */
	strbuf_reset(&out);
	up.commit = "0123456789abcdef0123456789abcdef01234567";
	report_write(REPORT_KCIDB, res, 1, NULL, &o, &out);
	EXPECT_CONTAINS(out.buf, "\"git_commit_hash\":\"0123456789abcdef0123456789abcdef01234567\"");
	strbuf_release(&out);
	for (int i = 0; i < 3; i++) {
		match_result_release(&res[i]);
		obs_run_release(&run[i]);
		scenario_release(&sc[i]);
	}
}

/* path with text in it (new string). */
static char *put(const char *name, const char *text)
{
	char *p = xstrfmt("%s/%s", test_tmpdir(), name);
	CHECK_(write_file_atomic(p, text, strlen(text)) == 0, 1, "cannot write %s", p);
	return p;
}

TEST(kernel_id_names_a_source_by_its_content)
{
	struct strbuf err = STRBUF_INIT;
	char *cache = xstrfmt("%s/cache", test_tmpdir());
	char *t1 = put("a.tar.xz", "one tarball"), *t2 = put("b.tar.xz", "one tarball");
	char *t3 = put("c.tar.xz", "another tarball");
	char *link = xstrfmt("%s/link.tar.xz", test_tmpdir());
	ASSERT_EQ(symlink(t1, link), 0);
	struct kernel k[4];
	memset(k, 0, sizeof(k));
	const char *paths[4] = { t1, t2, link, t3 };
	for (int i = 0; i < 4; i++)
		CHECK_(kernel_identify(&k[i], paths[i], KERNEL_ID_SOURCE, cache, &err) == 0, 1,
		       "%s", err.buf);
	EXPECT_TRUE(!strncmp(k[0].source_id, "tarball sha256 ", 15));
	EXPECT_STREQ(k[0].source_id, k[1].source_id); /* the same bytes elsewhere */
	EXPECT_STREQ(k[0].source_id, k[2].source_id); /* through a symlink */
	EXPECT_TRUE(strcmp(k[0].source_id, k[3].source_id) != 0);
	EXPECT_TRUE(k[0].package == NULL && k[0].commit == NULL);
	/* a new file under the same name: a new id, not the cached one */
	char *old = xstrdup(k[0].source_id);
	kernel_release(&k[0]);
	free(put("a.tar.xz", "one tarball, the next version"));
	ASSERT_EQ(kernel_identify(&k[0], t1, KERNEL_ID_SOURCE, cache, &err), 0);
	EXPECT_TRUE(strcmp(k[0].source_id, old) != 0);
	/* a prebuilt image: "image sha256" of its bytes */
	struct kernel img;
	memset(&img, 0, sizeof(img));
	ASSERT_EQ(kernel_identify(&img, t3, KERNEL_ID_PREBUILT, cache, &err), 0);
	EXPECT_STREQ(img.source_id + 6, k[3].source_id + 8); /* "image " / "tarball " */
	/* a tree that is no git work tree: its files' names, sizes and times */
	char *tree = xstrfmt("%s/tree", test_tmpdir());
	ASSERT_EQ(mkdir_p(tree, 0755), 0);
	free(put("tree/Makefile", "KERNELVERSION = 1\n"));
	struct kernel tr, tr2;
	memset(&tr, 0, sizeof(tr));
	memset(&tr2, 0, sizeof(tr2));
	ASSERT_EQ(kernel_identify(&tr, tree, KERNEL_ID_SOURCE, cache, &err), 0);
	EXPECT_TRUE(!strncmp(tr.source_id, "tree sha256 ", 12));
	free(put("tree/Makefile", "KERNELVERSION = 12\n"));
	ASSERT_EQ(kernel_identify(&tr2, tree, KERNEL_ID_SOURCE, cache, &err), 0);
	EXPECT_TRUE(strcmp(tr.source_id, tr2.source_id) != 0);
	EXPECT_EQ(kernel_identify(&tr2, "/nonexistent/linux", KERNEL_ID_SOURCE, cache, &err), -1);
	EXPECT_CONTAINS(err.buf, "/nonexistent/linux");
	for (int i = 0; i < 4; i++)
		kernel_release(&k[i]);
	kernel_release(&img);
	kernel_release(&tr);
	kernel_release(&tr2);
	free(old), free(tree), free(cache), free(t1), free(t2), free(t3), free(link);
	strbuf_release(&err);
}
