/*
 * tap: a pure parser of the TAP (13, 14) and KTAP (v1) a program prints, as a tree of
 * tests, for a scenario with `tap`: each test the program reports is a result nested
 * under the scenario. Lines it knows: "TAP version 13|14", "KTAP version 1", the plan
 * "1..N" (with "# SKIP why" for 1..0), "ok N description # SKIP|TODO why", "not ok ...",
 * "Bail out! why", "# ..." diagnostics (kselftest's; "# Subtest: NAME" names the next
 * subtest); everything else is ignored. Subtests are indented deeper than their
 * parent (KTAP: 2 spaces, TAP 14: 4; any deeper indentation works) and come before
 * the parent's own result line. A plan whose tests did not all report gets the missing
 * ones as tests that failed. No I/O; depends on strbuf and wrapper.
 *
 * Ownership: a tap_doc owns its whole tree; tap_doc_release() frees it.
 */
#ifndef KDIVE_TAP_H
#define KDIVE_TAP_H

#include "strbuf.h"
#include <stddef.h>

/* Nesting deeper than this is left out (tap_doc.too_deep). */
#define TAP_MAX_DEPTH 8
/* A plan's missing tests are listed one by one up to this many, then as one test. */
#define TAP_MAX_MISSING 100

/* A test's outcome: what the scenario makes of it. */
enum tap_status {
	TAP_PASS, /* ok, or ok # TODO */
	TAP_FAIL, /* not ok; never reported though planned; a subtest failed */
	TAP_SKIP, /* # SKIP, or not ok # TODO (a known failure) */
};

/* One test the program reported (or should have). */
struct tap_test {
	char *name;         /* its description ("test N" when it had none); owned */
	int number;         /* N of "ok N", 0 when the line had none */
	int ok;             /* 1: the line said "ok" */
	char *directive;    /* "SKIP" or "TODO", or NULL; owned */
	char *reason;       /* the directive's text ("no /dev/kvm"), or NULL; owned */
	int line;           /* its line in the output, 0 for a missing test */
	int missing;        /* 1: planned but never reported */
	enum tap_status status; /* its outcome, subtests included */
	struct tap_test *subtests; /* its subtests, in order; owned */
	size_t nsubtests;
};

/* What the program printed, as TAP. */
struct tap_doc {
	int found;          /* 1: a version line, a plan or a result line was seen */
	struct tap_test *tests; /* the top-level tests, in order; owned */
	size_t ntests;
	int plan;           /* the top-level plan's N, -1: none */
	int bailed;         /* 1: "Bail out!" */
	char *bail_reason;  /* its text, or NULL; owned */
	int too_deep;       /* 1: lines nested deeper than TAP_MAX_DEPTH were left out */
};

/* Parse text (NUL-terminated; NULL is no text) into doc; cannot fail. */
void tap_parse(struct tap_doc *doc, const char *text);
/* Free what doc owns and zero it (plan -1); safe on a zeroed doc. */
void tap_doc_release(struct tap_doc *doc);

/* "pass", "fail", "skip". */
const char *tap_status_name(enum tap_status s);

/*
 * Whether doc fails the scenario: 0, or 1 with one line appended to why (no TAP at
 * all, "Bail out!", or the first failing test by its path, "suite / case", with its
 * line).
 */
int tap_doc_failed(const struct tap_doc *doc, struct strbuf *why);

/* Tests of the whole tree (subtests included) by status, into counts[3]. */
void tap_doc_count(const struct tap_doc *doc, size_t counts[3]);

#endif
