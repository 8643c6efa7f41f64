/*
 * scenario: the pure parser of scenario files (scenarios/NAME.scn) into structs. No
 * I/O beyond the text handed in; every error is "FILE:LINE:COL: message" in a strbuf.
 * The format's reference is scenarios/README.md. Depends on guard (the guards in its
 * structs), lexer, errnos, strbuf, strvec and wrapper.
 *
 *   scenario fork                       name (default: the file's base name)
 *   program  fork [ARG]...              guest program from initramfs/progs/, arguments
 *   program  ./repro.c [ARG]...         or a host path (it holds a '/'), relative to the
 *                                       scenario's directory: a C/assembler source that
 *                                       kdive builds, or a prebuilt static binary
 *   sources  util.c more.S              more sources built with the program (.c .S .s)
 *   cflags   -DFOO -O2                  compiler flags added to kdive's   } source
 *   libs     -lm                        linker arguments after the objects } programs only
 *   file     data/in.bin /tmp/in.bin    a data file copied into the guest (repeatable)
 *   exit     0                          the program's expected exit status (0-255)
 *   output   contains TEXT              what it prints must hold TEXT (rest of the line)
 *   output   lacks TEXT                 ... must not hold TEXT (both repeatable)
 *   tap                                 it prints TAP/KTAP: each of its tests must pass
 *   lstar    entry_SYSCALL_64           MSR_LSTAR must resolve to this symbol
 *   timeout  60                         seconds for the whole scenario
 *
 *   stop [kernel|user] LOCATION [syscall=NAME] [finish] [if GDB-EXPR]
 *     say    narration for tours (one line each, joined)
 *     frames                            expected frames, innermost first
 *       FUNC [FILE-SUFFIX] [inlined] [optional]   optional: may be missing (a call that
 *                                       a kernel without frame pointers made a jump)
 *       ...                             any run of frames (possibly none)
 *     user                              expected user-space frames of the syscall
 *       FUNC [FILE-SUFFIX]
 *     regs   NAME OP VALUE [NAME OP VALUE]...   checks: pt_regs fields (orig_ax, di,
 *            ...), $REG (a CPU register), ret (return value of a finish stop);
 *            OP is == != < <= > >=; VALUE a number (dec, 0x hex, negative) or -ERRNO
 *   [>= 6.9] any expectation line      a kernel-version guard: the line applies only
 *                                      when the kernel's version satisfies it
 *
 * Additions (see scenarios/README.md): a guard may also start a `stop` line (the stop
 * is skipped on other kernels) or the `scenario` line (the whole scenario is skipped);
 * `say` before the first stop or step is the scenario's introduction.
 *
 *   step NAME TITLE                     a step of a hand-made tour that is no stop
 *     say    its narration              (kdive tour fork's; run and debug skip steps)
 */
#ifndef KDIVE_SCENARIO_H
#define KDIVE_SCENARIO_H

#include "guard.h"
#include "strbuf.h"
#include "strvec.h"
#include <stdint.h>

/* One expected frame, or a "..." wildcard. */
struct scenario_frame {
	char *func;         /* function name; NULL for "..." (any run of frames); owned */
	char *file;         /* expected file suffix, or NULL; owned */
	int inlined;        /* 1: the frame must be an inlined one */
	struct guard guard; /* when it applies */
	int line;           /* scenario line, for diffs */
	int optional;       /* 1: the frame may be missing (a tail call became a jump) */
};

/* One register / pt_regs / return-value check. */
struct scenario_check {
	char *name;         /* "orig_ax", "$rax", "ret"; owned */
	enum guard_op op;   /* comparison */
	int64_t value;      /* expected value (errnos already negated numbers) */
	char *text;         /* the check as written, for reports: "orig_ax == 56"; owned */
	struct guard guard; /* when it applies */
	int line, col;      /* where it was written */
	int is_signed;      /* 1: < <= > >= compare as signed (value written negative, or ret);
			       0: as unsigned 64-bit (addresses, flags) */
};

enum scenario_space { SCENARIO_KERNEL, SCENARIO_USER };

/* One stop: where, and what must hold there. */
struct scenario_stop {
	enum scenario_space space; /* kernel or user-space location */
	char *location;     /* gdb location: function, FILE:LINE or *ADDR; owned */
	char *syscall;      /* only this syscall (name, e.g. "clone"), or NULL; owned */
	char *cond;         /* extra gdb condition, or NULL; owned */
	int finish;         /* 1: check after the function returns (ret = its value) */
	char *say;          /* narration, lines joined with '\n', or NULL; owned */
	struct scenario_frame *frames;   /* expected kernel frames (or user frames of a user stop) */
	size_t nframes;
	int has_frames;     /* 1 when a frames block was given (even if empty) */
	struct scenario_frame *user;     /* expected user-space frames of a kernel stop */
	size_t nuser;
	int has_user;       /* 1 when a user block was given */
	struct scenario_check *checks;   /* register checks */
	size_t nchecks;
	int line;           /* line of the stop directive */
	struct guard guard; /* the stop applies only when this holds */
	int syscall_col;    /* column of the syscall= name, 0 when none */
	int never;          /* 1: the stop must not be reached while the program runs */
};

/*
 * A step of a hand-made tour (kdive tour fork) that is not one of the stops: the tour's
 * code takes it where it chooses and shows the live values; the file gives its title
 * and narration. A step without say lines is narrated by the stops it is taken at.
 */
struct scenario_step {
	char *name;         /* the tour's name for it: "lstar"; owned */
	char *title;        /* its heading, as written to the end of the line; owned */
	char *say;          /* narration, lines joined with '\n', or NULL; owned */
	int line;           /* line of the step directive */
};

/* A data file the program needs in the guest: `file HOST GUEST`. */
struct scenario_file {
	char *host;         /* host path as written (relative to the scenario's directory); owned */
	char *guest;        /* absolute guest path; owned */
	int line, col;      /* where HOST was written */
};

/* An expectation on what the program printed: `output contains TEXT`. */
struct scenario_output {
	char *text;         /* TEXT, to the end of the line (like say); owned */
	int line, col;      /* where TEXT was written */
	int negate;         /* `output lacks TEXT`: TEXT must not appear */
};

/* A whole scenario file. */
struct scenario {
	char *file;         /* path it was read from; owned */
	char *name;         /* scenario name; owned */
	char *program;      /* guest program; owned */
	struct strvec args; /* its arguments */
	char *lstar;        /* expected MSR_LSTAR symbol, or NULL; owned */
	struct guard lstar_guard; /* when the lstar expectation applies */
	int timeout_s;      /* 0: the default */
	struct scenario_stop *stops;
	size_t nstops;
	char *say;          /* introduction (say lines before the first stop or step), or NULL;
			       owned */
	struct scenario_step *steps; /* tour steps, in file order */
	size_t nsteps;
	struct guard guard; /* guard of the scenario line: skip the whole scenario */
	int lstar_line;     /* line of the lstar directive, 0 when absent */
	int program_line, program_col; /* where the program is named */

	int program_is_path;        /* 1: program is a host path (it holds a '/'), relative to
				       the scenario file's directory; 0: a built-in name */
	struct strvec sources;      /* `sources PATH...`: more files built with the program */
	struct strvec cflags;       /* `cflags WORD...`: compiler flags added to kdive's */
	struct strvec libs;         /* `libs WORD...`: linker arguments after the objects */
	int sources_line, cflags_line, libs_line; /* 0 when absent */
	int sources_col, cflags_col, libs_col;    /* column of the first word after each */
	struct scenario_file *files; /* `file HOST GUEST` lines, in file order */
	size_t nfiles;
	int exit_status;            /* `exit N` (0-255): the program's expected exit status;
				       -1: none */
	int exit_line, exit_col;    /* where N was written; 0 when absent */
	struct scenario_output *outputs; /* `output contains|lacks TEXT`, in file order */
	size_t noutputs;
	int tap;                    /* `tap`: the program prints TAP/KTAP; its tests are nested
				       under the scenario and each must pass (default 0) */
	int tap_line;               /* line of the tap directive, 0 when absent */
};

/* 1 when sc's program is a host path to a C or assembler source (.c, .S, .s). */
int scenario_program_is_source(const struct scenario *sc);
/* 1 when sc expects something of the program itself: exit, output or tap. */
int scenario_has_program_verdict(const struct scenario *sc);

/*
 * Parse text (read from file) into sc. Returns 0, or -1 with one
 * "FILE:LINE:COL: message\n" per error appended to err (parsing goes on after an
 * error to report as many as it can; sc is then released). Never crashes on any input.
 */
int scenario_parse(struct scenario *sc, const char *file, const char *text, struct strbuf *err);
/*
 * The same over len bytes that may hold NUL bytes (a file read with strbuf_read_file):
 * a NUL or other control character is an error at its line and column.
 */
int scenario_parse_buf(struct scenario *sc, const char *file, const char *text, size_t len,
		       struct strbuf *err);
/* The step called name, or NULL. */
const struct scenario_step *scenario_step_find(const struct scenario *sc, const char *name);
/* Free everything sc owns and zero it; safe on a zeroed or already released sc. */
void scenario_release(struct scenario *sc);

#endif
