/*
 * dap_int: what kdive dap's parts share and nothing else may use: the adapter's state,
 * the messages it sends, the requests of dap_break.c (breakpoints) and dap_inspect.c
 * (what a stop shows: frames, scopes, variables, evaluate, memory, disassembly). The launch
 * is dap_launch.c's; the process, the framing and the run control are cmd_dap.c's. Depends on cli, session, json, dap_wire.
 */
#ifndef KDIVE_DAP_INT_H
#define KDIVE_DAP_INT_H

#include "cli.h"
#include "dap_wire.h"
#include "json.h"
#include "scenario.h"
#include "session.h"
#include "strbuf.h"
#include "userprog.h"

#include <stdint.h>
#include <sys/types.h>

#define DAP_THREAD 1          /* the thread of a stop gdb names none for */
#define DAP_FRAME_IDS 1000    /* frame ids per thread: thread * DAP_FRAME_IDS + 1, ... */
#define DAP_SESSION_S (365 * 24 * 3600) /* a guest lives until the editor ends it */

/* A breakpoint the editor set, as gdb has it. */
struct dap_bp {
	char *source;         /* setBreakpoints' source path, or NULL: a function breakpoint
				 (owned) */
	int gdb;              /* gdb's number (the DAP id too) */
};

/* What a variablesReference stands for, until the guest runs again. */
enum dap_ref_kind { DAP_REF_ARGS, DAP_REF_LOCALS, DAP_REF_PTREGS, DAP_REF_REGS, DAP_REF_EXPR };
struct dap_ref {
	enum dap_ref_kind kind;
	int frame;            /* a frame id (its thread and place: dap_inspect.c) */
	char *expr;           /* DAP_REF_EXPR: the expression whose children it lists; owned */
};

struct dap {
	struct dap_wire wire;     /* requests as they arrive */
	int64_t seq;              /* the seq of the last message sent */
	int64_t last_seq;         /* the seq of the last message received (or taken as its) */
	int out_fd;               /* where messages go (stdout) */
	int initialized;          /* initialize was answered */
	int launched;             /* s is live */
	int attached;             /* ... by attach: the guest is another's */
	struct session s;         /* the guest */
	struct cli_images im;     /* the images of the launch; im.kernels NULL before */
	struct scenario sc;       /* the launch's scenario (or its program alone) */
	struct userprog user;     /* the program when it is a user's */
	const struct kernel *k;   /* the kernel booted */
	int any_task;             /* launch's anyTask: kernel breakpoints for every task */
	int stop_on_entry;        /* launch's stopOnEntry */
	int entry_pending;        /* configurationDone answered: the entry stop is to be told */
	int terminated_pending;   /* terminate answered: the terminated event is to be sent */
	int running;              /* the guest runs */
	int stepping;             /* ... because of a next, stepIn or stepOut */
	long step_pid;            /* the task stepped (its pid), or -1 */
	int pausing;              /* pause asked: the stop is a pause */
	struct dap_bp *bps;       /* the editor's breakpoints; owned */
	size_t nbps;
	int syscall_bp;           /* the exception filter's breakpoint, or -1 */
	off_t console_off;        /* how much of the console was sent as output */
	int thread;               /* gdb's thread (a CPU) of the last stop */
	char *threads;            /* the last threads answer's array (JSON text), for one
				     while the guest runs; owned */
	/* The current stop as seen from one thread, read once when first asked
	 * (dap_stop_view()). */
	int have_view;
	int view_thread;          /* the thread selected and read */
	struct obs_frame *kf, *uf; /* kernel and user frames; owned */
	size_t nk, nu;
	int have_regs;            /* regs holds the syscall's pt_regs (a kernel stop) */
	uint64_t regs[SESSION_PT_NSLOTS];
	int user_selected;        /* a user frame is selected (the CPU holds user registers) */
	struct dap_ref *refs;     /* variablesReference r is refs[r - 1]; owned */
	size_t nrefs;
	int quit;                 /* disconnect or terminate: the adapter ends */
};

/* A request's handler: its body's members into body (an open object); 0, or -1 with
 * the reason in err (then body is dropped). */
typedef int (*dap_fn)(struct dap *d, const struct json_value *args, struct json *body,
		      struct strbuf *err);

/* Fail a request with a message; -1. */
int dap_fail(struct strbuf *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* obj's optional string member key into *out (NULL when absent); -1 with err when it
 * is there but no string, or holds a NUL (it may go into a gdb command). */
int dap_str_arg(const struct json_value *obj, const char *key, const char **out,
		struct strbuf *err);
/* An event with a body built by the caller (body: a JSON object's text, or NULL). */
void dap_event(struct dap *d, const char *event, const char *body);

/* The current stop's frames and pt_regs on thread (a CPU), read once (kernel frames,
 * then at a kernel stop in a syscall the user frames); the thread stays selected.
 * 0, or -1 reported. */
int dap_stop_view(struct dap *d, int thread);
/* Forget the stop: frames, registers and references (the guest runs again). */
void dap_stop_forget(struct dap *d);
/* Put back frame 0 of the kernel when a user frame was selected. */
void dap_unselect(struct dap *d);

/* The exception filter: every system call of the program, at do_syscall_64. */
#define DAP_SYSCALL_FILTER "syscall"
#define DAP_SYSCALL_ENTRY "do_syscall_64"

/* Shut the guest down; a failed one keeps its run directory (named on stderr). */
void dap_end_guest(struct dap *d, int ok);

/* dap_launch.c: launch, and attach. */
int dap_launch(struct dap *d, const struct json_value *args, struct json *body, struct strbuf *err);
int dap_attach(struct dap *d, const struct json_value *args, struct json *body, struct strbuf *err);

/* dap_break.c: the breakpoints' requests, and forgetting them (their guest ended). */
int dap_set_breakpoints(struct dap *d, const struct json_value *args, struct json *body,
			struct strbuf *err);
int dap_set_function_breakpoints(struct dap *d, const struct json_value *args, struct json *body,
				 struct strbuf *err);
int dap_set_exception_breakpoints(struct dap *d, const struct json_value *args,
				  struct json *body, struct strbuf *err);
void dap_bps_free(struct dap *d);
/* A DAP hitCondition as gdb's ignore count: "N" and ">= N" stop from the Nth hit on
 * (N - 1 ignored), "> N" after the Nth (N ignored). The count, or -1 when kdive cannot
 * honour it ("== N", "% N", anything else). Pure. */
int dap_ignore_count(const char *hit);

/* dap_inspect.c's requests. */
int dap_threads(struct dap *d, const struct json_value *args, struct json *body, struct strbuf *err);
int dap_stack_trace(struct dap *d, const struct json_value *args, struct json *body,
		    struct strbuf *err);
int dap_scopes(struct dap *d, const struct json_value *args, struct json *body, struct strbuf *err);
int dap_variables(struct dap *d, const struct json_value *args, struct json *body,
		  struct strbuf *err);
int dap_evaluate(struct dap *d, const struct json_value *args, struct json *body, struct strbuf *err);
int dap_read_memory(struct dap *d, const struct json_value *args, struct json *body,
		    struct strbuf *err);
int dap_disassemble(struct dap *d, const struct json_value *args, struct json *body,
		    struct strbuf *err);

#endif
