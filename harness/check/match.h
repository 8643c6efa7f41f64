/*
 * match: the pure comparison of what a run observed (struct obs_run) with what a
 * scenario expects (struct scenario), stop by stop and check by check, and the
 * readable diff of what differs, and the verdict on the program itself (its exit
 * status, its output, its TAP: match_program.c). No I/O. Depends on scenario, errnos,
 * tap (and strbuf).
 *
 * Frames: a block of expected frames is a pattern over the captured frames, innermost
 * first, anchored at both ends; "..." matches any run of frames (none included). An
 * expected frame matches a captured one when the function is equal, the file suffix
 * (if given) ends the captured file at a '/' boundary, and "inlined" (if given) holds.
 * Lines whose version guard does not hold for the kernel are left out first. A
 * mismatch is shown as the cheapest alignment (fewest missing, extra or different
 * frames), row by row.
 *
 * Ownership: a match_result points into the scenario and the run it was made from
 * (they must outlive it) and owns its arrays and strings; match_result_release() frees
 * them.
 */
#ifndef KDIVE_MATCH_H
#define KDIVE_MATCH_H

#include "obs.h"
#include "scenario.h"
#include "strbuf.h"
#include "tap.h"

/* The outcome of a scenario, a stop, or one expectation. */
enum match_status {
	MATCH_PASS,  /* every expectation held */
	MATCH_FAIL,  /* an expectation did not hold, or a stop was never reached */
	MATCH_ERROR, /* the run failed (infrastructure) or a stop could not be captured */
	MATCH_SKIP,  /* not evaluated: a version guard, or the stop was not reached */
};
#define MATCH_NSTATUS 4

/* "pass", "fail", "error", "skip". */
const char *match_status_name(enum match_status s);

/* One row of a frame alignment, innermost first. */
enum match_row_kind {
	MATCH_ROW_OK,      /* the expected frame matched the captured frame got */
	MATCH_ROW_ANY,     /* "..." matched ngot captured frames from got (ngot may be 0) */
	MATCH_ROW_DIFF,    /* the expected frame, but a different captured frame got there */
	MATCH_ROW_MISSING, /* the expected frame, and no captured frame for it */
	MATCH_ROW_ABSENT,  /* an optional expected frame that is not there: fine */
	MATCH_ROW_EXTRA,   /* a captured frame that no expected line accounts for */
};

struct match_row {
	enum match_row_kind kind;
	const struct scenario_frame *expect; /* the expected line; NULL for EXTRA; not owned */
	const struct obs_frame *got;  /* first captured frame; NULL for MISSING and an empty ANY */
	size_t ngot;                  /* captured frames the row covers: 0, 1, or the run of ANY */
	size_t index;                 /* index of got in the captured list */
};

/* The comparison of one frames or user block. */
struct match_frames {
	int checked;          /* 1 when the scenario gave the block (and the stop was reached) */
	enum match_status status; /* pass or fail; skip when not checked */
	size_t nguarded;      /* expected lines left out by their version guard */
	struct match_row *rows; /* the alignment, innermost first; owned */
	size_t nrows;
};

/* The comparison of one register / pt_regs / return-value check. */
struct match_check {
	const struct scenario_check *check; /* the expectation; not owned */
	enum match_status status; /* pass, fail, or skip (guard, stop not reached) */
	const struct obs_value *got; /* the captured value, or NULL when there is none */
	char *message;        /* why it failed or was skipped, one line, or NULL; owned */
};

/* The comparison of one stop. */
struct match_stop {
	const struct scenario_stop *stop; /* the expectation; not owned */
	const struct obs_stop *obs;  /* what happened, or NULL when the run has no such stop */
	enum match_status status;
	char *title;          /* the stop as written: "syscall_enter_from_user_mode syscall=clone"; owned */
	char *reason;         /* why it did not pass, one line, or NULL; owned */
	struct match_frames frames; /* the frames block */
	struct match_frames user;   /* the user block */
	struct match_check *checks; /* one per scenario check, same order; owned */
	size_t nchecks;
	char *diff;           /* the readable diff (several lines, each ending in '\n'), NULL
				 when the stop passed or was skipped; owned */
};

/* One `output contains|lacks TEXT` expectation, judged. */
struct match_output {
	const struct scenario_output *expect; /* the expectation; not owned */
	enum match_status status; /* pass, fail, or skip (the run failed before) */
};

/*
 * The verdict on the program itself: its exit status, what it printed, its TAP. Only
 * what the scenario expects is judged; the status and output are reported anyway.
 */
struct match_program {
	int judged;           /* 1: the scenario expects something of the program (exit,
				 output or tap) and it was evaluated */
	int exit_expected;    /* the scenario's `exit N`, -1: none */
	int exit_status;      /* the run's program_status: 0-255, -1 unknown */
	enum match_status exit_result; /* pass or fail; skip without `exit` or when not judged */
	struct match_output *outputs; /* one per scenario output line, same order; owned */
	size_t noutputs;
	int has_tap;          /* 1: the scenario says `tap` (tap and tap_result are set) */
	enum match_status tap_result; /* pass, fail, or skip when not judged */
	struct tap_doc tap;   /* the program's output as TAP, parsed; owned */
	char *reason;         /* the first thing that failed, "line N: ...", or NULL; owned */
	size_t nfailed;       /* expectations on the program that failed */
};

/* Tallies by status (indexed by enum match_status). */
struct match_counts {
	size_t stops[MATCH_NSTATUS];  /* stops */
	size_t checks[MATCH_NSTATUS]; /* expectations: lstar, each frames and user block, each check */
};

/* The comparison of one scenario with one run. */
struct match_result {
	const struct scenario *sc;   /* not owned */
	const struct obs_run *run;   /* not owned; NULL for a result made by match_skip() */
	char *kernel_version;        /* the version the guards were evaluated against, or NULL; owned */
	const struct obs_kernel *kernel; /* the kernel, set by the caller for reports, or NULL */
	enum match_status status;    /* pass, fail, error, or skip */
	char *reason;                /* why it did not pass, one line, or NULL; owned */
	int lstar_checked;           /* 1 when an lstar expectation applied */
	enum match_status lstar_status; /* its outcome (skip when not checked) */
	char *lstar_diff;            /* expected vs actual when it failed, or NULL; owned */
	struct match_stop *stops;    /* one per scenario stop, same order; owned */
	size_t nstops;
	struct match_counts counts;  /* checks include exit, each output line and tap */
	struct match_program program; /* the verdict on the program itself */
};

/*
 * Compare run with sc. kernel_version evaluates the guards (NULL: the run's own
 * kernel_version; when both are NULL only unguarded lines apply). run->stops must
 * follow sc->stops (a missing obs_stop makes its stop an error); a NULL run is an
 * error result ("no observations"). Fills res (which the caller releases with
 * match_result_release()) and returns res->status. Cannot fail.
 */
enum match_status match_run(struct match_result *res, const struct scenario *sc,
			    const struct obs_run *run, const char *kernel_version);

/* A result for a scenario that was not run at all: status skip with reason why. */
void match_skip(struct match_result *res, const struct scenario *sc, const char *why);

/*
 * A result for a scenario that could not run at all though it should have (its kernel
 * did not build): status error, run->error's first line as the reason, nothing
 * judged; guards are not evaluated (the release is unknown). run is kept (not owned).
 */
void match_error(struct match_result *res, const struct scenario *sc, const struct obs_run *run);

/* Free what res owns and zero it; safe on a zeroed result. */
void match_result_release(struct match_result *res);

/* ---- the pieces, for tools and tests ---- */

/*
 * Judge run's program against sc's exit, output and tap lines into mp (zeroed first;
 * run->error set: nothing judged, every expectation skip). Free with
 * match_program_release(). match_run() calls it.
 */
void match_program_judge(struct match_program *mp, const struct scenario *sc,
			 const struct obs_run *run);
void match_program_release(struct match_program *mp);
/* Append the last max_lines lines of output (at most 4000 bytes of them), or nothing. */
void match_output_tail(struct strbuf *sb, const char *output, size_t max_lines);

/* 1 when suffix ends file at a path-component boundary ("entry/common.c" ends
 * "arch/x86/entry/common.c", "mon.c" does not). */
int match_file_suffix(const char *file, const char *suffix);

/* 1 when the captured frame f satisfies the expected frame e (which is not "..."). */
int match_frame(const struct scenario_frame *e, const struct obs_frame *f);

/* 1 when value satisfies the check (see scenario_check.is_signed). */
int match_value(const struct scenario_check *c, int64_t value);

/* Append a value for people: "56 (0x38)", "-2 (-ENOENT)", "0xffffffff81400040". */
void match_format_value(struct strbuf *sb, int64_t value);

/* Append a captured frame: "do_syscall_x64 at arch/x86/entry/common.c:52 (inlined)". */
void match_format_frame(struct strbuf *sb, const struct obs_frame *f);

/* Append an expected frame: "do_syscall_64 (arch/x86/entry/common.c) inlined", "...". */
void match_format_expected(struct strbuf *sb, const struct scenario_frame *e);

#endif
