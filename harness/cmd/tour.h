/*
 * tour: kdive tour's parts, one job a file.
 *
 *   tour.c             the engine: a step's life (filled, shown, then Enter / g / q,
 *                      or nothing with --auto or a data format), and what steps show:
 *                      source excerpts, live values, backtraces, the kernel stack
 *   tour_text.c        renderer: text for a terminal
 *   tour_json.c        renderer: the tour as JSON data
 *   tour_html.c        renderer: one self-contained HTML page, the stack drawn as SVG
 *   tour_fork.c        `tour fork`, the hand-made tour: its probes from _Fork to
 *                      kernel_clone (the registers at the syscall, LSTAR, pt_regs, the
 *                      switch, clone's arguments, struct kernel_clone_args)
 *   tour_fork_after.c  ... and after kernel_clone: the parent's way back, the child's
 *                      first run and its return to user space
 *   tour_scenario.c    `tour SCENARIO.scn`: a step at each stop a scenario reaches
 *   cmd_tour.c         the command: options, help, which renderer, which tour
 *
 * The words come from scenario files (say lines), the facts from the guest. Command
 * layer: reaches the guest through session only.
 */
#ifndef KDIVE_TOUR_H
#define KDIVE_TOUR_H

#include "cli.h"
#include "userprog.h"
#include "json.h"
#include "obs.h"
#include "scenario.h"
#include "session.h"
#include "strvec.h"
#include "timeutil.h"
#include "wrapper.h"

/* The running task's kernel stack at a kernel stop, for the drawing. */
struct tour_stack {
	int valid;            /* 1: taken, and the stop is on the task's own stack */
	uint64_t base, size;  /* task->stack, THREAD_SIZE */
	uint64_t ptregs;      /* where struct pt_regs is: base + top - its size */
	uint64_t top;         /* base + THREAD_SIZE (less FRED's padding) */
	uint64_t sp;          /* the stack pointer now */
	uint64_t regs[SESSION_PT_NSLOTS]; /* struct pt_regs */
	struct strvec funcs;  /* the kernel frames, innermost first */
};

/* One step as shown. Filled by a tour, shown by a renderer. */
struct tour_step {
	int n;                /* 1, 2, ... */
	const char *title;    /* one line; not owned */
	struct strbuf say;    /* narration */
	char *src_file;       /* source file shown (relative to the kernel tree), or NULL */
	int src_line;         /* the line marked in it */
	struct strbuf src;    /* the numbered lines around it */
	struct strbuf extra;  /* more text: disassembly, the generated table line */
	struct strvec values; /* "name\tvalue\twhat it is" */
	struct strvec frames; /* formatted backtrace, for text and HTML */
	struct obs_frame *kframes; /* the (kernel) frames, for JSON (obs_frames_write); owned */
	size_t nkframes;
	struct obs_frame *uframes; /* the syscall's user frames, for JSON; owned, or NULL */
	size_t nuframes;
	int64_t ms;           /* when the step's stop was reached, since the tour began */
	struct tour_stack stack; /* the kernel stack, at kernel stops */
};

/* What is toured, for the renderers' beginning and end. */
struct tour_doc {
	const char *name;      /* JSON "tour": fork, or the scenario's name */
	const char *scenario;  /* the scenario file toured, or NULL (no JSON "scenario") */
	const char *label;     /* the text's first line: "kdive tour LABEL: WHAT, live, ..." */
	const char *what;
	const char *intro;     /* the introduction under it (text), or NULL */
	const char *title;     /* the HTML page's title */
	const char *program;   /* the guest program */
	const char *debug;     /* the end's hint: "Go on by hand with `kdive debug DEBUG`" */
	const struct strvec *never; /* what never happened, or NULL (no JSON "never") */
	int ok;                /* the guest ran to its end */
	int completed;         /* ok, and the user did not quit */
};

struct tour;

/* The pt_regs slots a drawing of the kernel stack shows, two a row. */
#define TOUR_STACK_REGS                                                               \
	{ SESSION_PT_ORIG_AX, SESSION_PT_IP, SESSION_PT_CS, SESSION_PT_FLAGS, SESSION_PT_SP, \
	  SESSION_PT_SS, SESSION_PT_AX, SESSION_PT_DI, SESSION_PT_SI, SESSION_PT_DX }

/* A way to show a tour. */
struct tour_renderer {
	/* Before the first step, or NULL. */
	void (*begin)(struct tour *t, const struct tour_doc *d);
	/* One step, shown or kept for the end. */
	void (*step)(struct tour *t, const struct tour_step *st);
	/* After the last step (or q): the document is written. */
	void (*end)(struct tour *t, const struct tour_doc *d);
	int keys;              /* 1: wait for Enter / g / q after a step (unless --auto) */
};

extern const struct tour_renderer tour_text, tour_json, tour_html;

/* The tour's state. */
struct tour {
	struct session s;        /* the guest under gdb (fork's own) */
	struct cli_images im;    /* kernel, initramfs, trees */
	const struct kernel *k;  /* the kernel: im's first */
	struct scenario sc;      /* the scenario file toured, or fork.scn for its narration */
	int have_sc;             /* sc was loaded */
	struct userprog user;    /* sc's program when it is a user's (a path); else zeroed */
	const struct cli_args *args; /* the command line, for --output */
	const struct tour_renderer *render; /* text, JSON or HTML */
	int color;               /* ANSI attributes allowed */
	int width;               /* terminal width for wrapping */
	int automatic;           /* --auto: no keys */
	int helpers_loaded;      /* gdbinit/kdive.py sourced into gdb (for g) */
	struct strbuf out;       /* the JSON document or the HTML page's steps */
	struct json j;           /* the JSON writer */
	int quit;                /* the user pressed q */
	int64_t t0;              /* start */
	struct session *gs;      /* the session the keys act on (g): &s, or run's */
	int nsteps;              /* steps the tour has */
	int step_no;             /* steps shown */
	/* fork's, found on the way for the steps after kernel_clone */
	uint64_t parent_ip;      /* where the parent's syscall returns to user space */
	uint64_t entry_ret;      /* where do_syscall_64 returns to in entry_SYSCALL_64 */
	long long parent_pid;    /* the parent's pid */
};

/* ---- tour.c: the engine ---- */

void tour_step_init(struct tour_step *st, int n, const char *title);
void tour_step_release(struct tour_step *st);
/* Append a say text to sb, its lines joined by blanks. */
void tour_say_add(struct strbuf *sb, const char *say);
/* Show the step (the renderer), then wait for a key unless --auto or not text. */
void tour_emit(struct tour *t, struct tour_step *st);
/* Continue the guest to the next breakpoint; 0, or -1 reported. */
int tour_next_stop(struct tour *t);

/* The first line of rel (relative to the kernel tree) containing needle, 0 when none. */
int tour_find_line(struct tour *t, const char *rel, const char *needle);
/* Lines line-5 .. line+5 of rel into st->src, the line itself marked. */
void tour_show_source(struct tour *t, struct tour_step *st, const char *rel, int line);
/* Another excerpt into st->extra, under a heading line (nothing when line is 0). */
void tour_extra_source(struct tour *t, struct tour_step *st, const char *rel, int line,
		       const char *label);
/* The running task's kernel stack into st->stack, with the kernel frames f. */
void tour_take_stack(struct session *s, struct tour_step *st, const struct obs_frame *f,
		     size_t n);
/* A live value: name, v in hex and decimal, what it is. */
void tour_add_value(struct tour_step *st, const char *name, uint64_t v, const char *what);
/* A backtrace: its lines, and its frames for JSON. */
void tour_add_frames(struct tour_step *st, const struct obs_frame *f, size_t n);
/* The syscall's user frames below a kernel backtrace, the same way. */
void tour_add_user_frames(struct tour_step *st, const struct obs_frame *f, size_t n);
/* File names relative to the kernel tree, like kdive run's reports. */
void tour_relative(struct tour *t, struct obs_frame *f, size_t n);

/* ---- the tours: an exit code each ---- */

int tour_fork(struct tour *t, struct cli_args *a);
int tour_scenario(struct tour *t, struct cli_args *a, const char *path);

/* ---- the fork tour's parts ---- */

/* Its steps; their names in fork.scn are tour_fork.c's fork_steps[]. */
enum tour_fork_step {
	TOUR_FORK_USER, TOUR_FORK_LSTAR, TOUR_FORK_PT_REGS, TOUR_FORK_ENTRY, TOUR_FORK_SWITCH,
	TOUR_FORK_DEFINE, TOUR_FORK_CLONE, TOUR_FORK_BACK, TOUR_FORK_CHILD,
	TOUR_FORK_CHILD_USER, TOUR_FORK_NSTEPS
};
/*
 * Begin step which (the next number) reached at ms: its title and narration from
 * fork.scn, which tour_fork() checked has them. Release with tour_step_release().
 */
void tour_fork_step(struct tour *t, struct tour_step *st, enum tour_fork_step which,
		    int64_t ms);
/* tour_fork_after.c: the steps after kernel_clone; 0 or -1 reported. */
int tour_fork_after_clone(struct tour *t);
/* A field of the running task (pid, tgid, ...), or -1. */
long long tour_task_field(struct tour *t, const char *field);

#endif
