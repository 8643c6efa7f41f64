/*
 * The scenario parser's own header, for its three parts: scenario.c (the lines of a
 * file, their indentation levels, the top-level directives and steps, the entry points),
 * scenario_stop.c (a stop's line and its body: say, frames, user, regs) and
 * scenario_program.c (the program and what it must do: program, sources, cflags, libs,
 * file, exit, output, tap). Other
 * modules include scenario.h. Depends on scenario, lexer, guard and util.
 */
#ifndef KDIVE_SCENARIO_PARSE_H
#define KDIVE_SCENARIO_PARSE_H

#include "scenario.h"
#include "guard.h"
#include "lexer.h"
#include "strbuf.h"
#include "wrapper.h"

#include <stdarg.h>
#include <string.h>

/* What indented lines under the stop's body belong to. */
enum block {
	BLOCK_NONE,   /* nothing: deeper lines are an error */
	BLOCK_FRAMES, /* the frames block */
	BLOCK_USER,   /* the user block */
	BLOCK_IGNORE, /* a line that was in error: skip what is under it */
};

/* The parser's state; lives for one scenario_parse_buf() call. */
struct parser {
	struct scenario *sc;  /* being filled; not owned */
	const char *file;     /* for messages */
	struct strbuf *err;   /* messages go here */
	int nerr;             /* errors so far */
	int gave_up;          /* 1 after SCENARIO_MAX_ERRORS */
	int lineno;           /* current line, 1-based */
	struct strbuf q[2];   /* scratch for quoted words in messages */

	int scenario_line, program_line, timeout_line; /* where each was seen, 0: not yet */
	int bad_bytes;        /* a line was dropped for a control character */
	size_t stops_alloc;   /* slots in sc->stops */
	int last_stop_line;   /* line of the latest stop, 0 before the first */
	size_t steps_alloc;   /* slots in sc->steps */
	int last_step_line;   /* line of the latest step, 0 before the first */
	struct scenario_step *step; /* the open step (its say lines may follow), or NULL */
	size_t files_alloc;   /* slots in sc->files */
	size_t outputs_alloc; /* slots in sc->outputs */

	/* the open stop (its body may follow), or NULL at the top level */
	struct scenario_stop *stop;
	int ignore_indented;  /* skip indented lines after an unparsable top-level line */
	const char *body_ind; /* indentation of the stop's or step's body (into the text), or
				 NULL */
	size_t body_ind_len;  /* its length */
	int body_ind_line;    /* the line that set it */
	int frames_line, user_line; /* where this stop's blocks started, 0: not given */
	size_t frames_alloc, user_alloc, checks_alloc; /* slots in the stop's arrays */

	/* the open frames/user block of the stop */
	enum block block;
	int block_line;       /* its directive's line */
	size_t block_col;     /* and column */
	size_t block_count;   /* lines in it so far */
	int block_reported;   /* an error about it was already given */
	const char *block_ind;/* indentation of its lines, or NULL before the first */
	size_t block_ind_len; /* its length */
	int block_ind_line;   /* the line that set it */
};

/* Quote s[0..n) for a message into scratch slot (0 or 1); valid until its next use. */
static inline const char *quote(struct parser *p, int slot, const char *s, size_t n)
{
	struct strbuf *sb = &p->q[slot];
	strbuf_reset(sb);
	lexer_add_quoted(sb, s, n);
	return sb->buf;
}

/* A word, quoted for a message into scratch slot (0 or 1). */
static inline const char *qw(struct parser *p, int slot, const struct lexer_word *w)
{
	return quote(p, slot, w->s, w->len);
}

/*
 * Report an error at line:col (of the current line: perr); after SCENARIO_MAX_ERRORS,
 * one "too many errors" and then silence (p->gave_up).
 */
__attribute__((format(printf, 4, 5)))
void scenario_perr_at(struct parser *p, int line, size_t col, const char *fmt, ...);
#define perr(p, col, ...) scenario_perr_at(p, (p)->lineno, col, __VA_ARGS__)

/* Make room for one more element in arr, which holds nr of alloc slots. */
#define GROW(arr, alloc, nr)                                                      \
	do {                                                                      \
		if ((nr) >= (alloc)) {                                            \
			(alloc) = (alloc) ? (alloc) * 2 : 4;                      \
			(arr) = xrealloc((arr), (alloc) * sizeof(*(arr)));        \
		}                                                                 \
	} while (0)

/* The directives of the top level and of a stop's body (NULL-terminated). */
extern const char *const scenario_top_directives[];
extern const char *const scenario_body_directives[];

/* " (did you mean 'frames'?)" when w is a near miss of one of names, else "". */
const char *scenario_suggest(struct parser *p, const struct lexer_word *w,
			     const char *const *names);
/* Reject a guard on a directive that cannot take one: -1 reported, or 0. */
int scenario_no_guard(struct parser *p, const struct guard *g, size_t gcol,
		      const struct lexer_word *w);
/* Append a say line to *say (lines joined with '\n'). */
void scenario_add_say(char **say, const struct lexer_word *text);
/* "duplicate 'W' (first on line N)". */
void scenario_dup_directive(struct parser *p, const struct lexer_word *w, int first);

/*
 * scenario_program.c: a top-level line whose first word w is one of program, sources,
 * cflags, libs, file, exit, output, tap (after the guard g at gcol, refused): parsed,
 * errors reported, 1. Any other word: 0, nothing done.
 */
int scenario_program_line(struct parser *p, struct lexer *lx, const struct lexer_word *w,
			  const struct guard *g, size_t gcol);
/* At the end of the file: sources/cflags/libs without a program built from source. */
void scenario_program_close(struct parser *p);
/* Free what the program's lines put in sc (not zeroing it). */
void scenario_program_release(struct scenario *sc);

/* scenario_stop.c: a stop's line, opening the stop (p->stop). */
void scenario_stop_parse(struct parser *p, struct lexer *lx, const struct lexer_word *dir,
			 const struct guard *g);
/* A line of the open stop's body, its first word w (after the guard g at gcol). */
void scenario_stop_body_line(struct parser *p, struct lexer *lx, const struct lexer_word *w,
			     const struct guard *g, size_t gcol);
/* A line of the open frames or user block, its first word fn. */
void scenario_stop_frame_line(struct parser *p, struct lexer *lx, const struct lexer_word *fn,
			      const struct guard *g);
/* The open frames/user block ends; an empty one is an error. */
void scenario_stop_close_block(struct parser *p);
/* The open stop (if any) ends. */
void scenario_stop_close(struct parser *p);

#endif
