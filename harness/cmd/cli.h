/*
 * cli: kdive's command line. A table of subcommands, each a function in a cmd_*.c
 * file; cli is the only place that decides the exit code. Depends on every module.
 */
#ifndef KDIVE_CLI_H
#define KDIVE_CLI_H

#include "kernel.h"
#include "obs.h"
#include "run.h"
#include "progress.h"
#include "strbuf.h"
#include "usage.h"

#include <stdio.h>

#define KDIVE_VERSION "0.1"

/* A subcommand: argv[0] is its name. Returns a KDIVE_EXIT_* code. */
typedef int (*cli_fn)(int argc, char **argv);

/*
 * Keys of the options that several commands share; cli_parse() handles them. A
 * command's own options use letters.
 */
enum cli_key {
	CLI_KEY_KERNEL = 256, /* --kernel BZIMAGE */
	CLI_KEY_VMLINUX,      /* --vmlinux FILE */
	CLI_KEY_KEEP,         /* --keep */
	CLI_KEY_TIMEOUT,      /* --timeout SECONDS */
	CLI_KEY_GDB_PORT,     /* --gdb-port N */
	CLI_KEY_FORMAT,       /* --format FMT, checked against the command's formats */
	CLI_KEY_OUTPUT,       /* --output FILE */
	CLI_KEY_VERBOSE,      /* -v, --verbose */
	CLI_KEY_KASLR,        /* --kaslr */
	CLI_KEY_SMP,          /* --smp N */
	CLI_KEY_APPEND,       /* --append ARGS */
	CLI_KEY_INDEX,        /* --index */
	CLI_KEY_NO_SNAPSHOT,  /* --no-snapshot */
	CLI_KEY_PROGRAM,      /* --program PATH */
	CLI_KEY_ORIGIN,       /* --origin NAME */
};

/* One option of a command: how it is parsed, and its line in --help. */
struct cli_opt {
	const char *name;     /* long name, without "--" */
	int key;              /* a letter, or a CLI_KEY_* */
	char short_name;      /* 'q': -q works too; 0: only the long name */
	const char *arg;      /* the value's name ("SECONDS"), NULL for a flag */
	const char *help;     /* what it does; '\n' starts another line */
};
/* The shared options with their usual help (a command may word its own). */
#define CLI_OPT_KERNEL { "kernel", CLI_KEY_KERNEL, 0, "K", \
	"the kernel: 6.1 or 6.12 (Debian's linux-source-K, built by\n" \
	"kdive), a source tree or tarball (built), or a prebuilt\n" \
	"bzImage with --vmlinux (default: 6.12)" }
#define CLI_OPT_VMLINUX { "vmlinux", CLI_KEY_VMLINUX, 0, "FILE", \
	"a prebuilt kernel's vmlinux, with debug info (x86-64)" }
#define CLI_OPT_KASLR { "kaslr", CLI_KEY_KASLR, 0, NULL, \
	"boot with KASLR: the slide is found from MSR_LSTAR when the\n" \
	"program starts, and gdb's symbols are relocated. A random\n" \
	"slide each run: warm, one of 4 guests saved from boots of\n" \
	"their own, never the last run's (--no-snapshot: a new boot)" }
#define CLI_OPT_SMP { "smp", CLI_KEY_SMP, 0, "N", \
	"N guest CPUs (built kernels get kconfig/smp.config)" }
#define CLI_OPT_KEEP { "keep", CLI_KEY_KEEP, 0, NULL, \
	"keep the run directory (console.log, qemu.log, gdb.mi)" }
#define CLI_OPT_TIMEOUT { "timeout", CLI_KEY_TIMEOUT, 0, "SECONDS", \
	"give up after this long (default $KDIVE_TIMEOUT, else 300)" }
#define CLI_OPT_GDB_PORT { "gdb-port", CLI_KEY_GDB_PORT, 0, "N", \
	"gdbstub on TCP 127.0.0.1:N instead of a private unix socket:\n" \
	"any local user can connect to it first and run commands\n" \
	"as kdive's user through QEMU's monitor (monitor migrate\n" \
	"exec:...); only on a machine that is yours alone" }
#define CLI_OPT_OUTPUT { "output", CLI_KEY_OUTPUT, 0, "FILE", \
	"write the report there instead of stdout: a file is replaced\n" \
	"atomically (a link's target, mode kept); a FIFO or a device\n" \
	"(/dev/stdout) is written to" }
#define CLI_OPT_VERBOSE { "verbose", CLI_KEY_VERBOSE, 'v', NULL, \
	"log what kdive does (-v)" }
#define CLI_OPT_APPEND { "append", CLI_KEY_APPEND, 0, "ARGS", \
	"more kernel command line (kdive.busy=busy: a background load)" }
#define CLI_OPT_INDEX { "index", CLI_KEY_INDEX, 0, NULL, \
	"give a prebuilt vmlinux without .gdb_index an indexed copy\n" \
	"in the cache (once): gdb answers ~20x faster" }
#define CLI_OPT_NO_SNAPSHOT { "no-snapshot", CLI_KEY_NO_SNAPSHOT, 0, NULL, \
	"boot every guest instead of restoring its warm snapshot\n" \
	"(KDIVE_NO_SNAPSHOT=1 does the same)" }
#define CLI_OPT_PROGRAM { "program", CLI_KEY_PROGRAM, 0, "PATH", \
	"the guest program: your own as a path (./repro.c, several C\n" \
	"files are a scenario's `sources`; or a prebuilt x86-64 ELF,\n" \
	"static or dynamic), or a built-in name (fork); its arguments\n" \
	"after `--`. With a SCENARIO it replaces the scenario's program" }
#define CLI_OPT_ORIGIN { "origin", CLI_KEY_ORIGIN, 0, "NAME", \
	"kcidb: the origin agreed with KCIDB, in every id and origin\n" \
	"field ([a-z0-9_]+; default: kdive)" }
#define CLI_OPT_END { NULL, 0, 0, NULL, NULL }
/* The options of every command that boots a guest: --kernel, --vmlinux, --index,
 * --kaslr, --smp, --append, --no-snapshot. */
extern const struct cli_opt cli_guest_opts[];

struct cli_command {
	const char *name;     /* "build" */
	cli_fn fn;            /* the command */
	const char *summary;  /* one line for `kdive --help` */
	const char *args;     /* the operands in the usage line ("SCENARIO..."), or NULL */
	const char *about;    /* what it does, before the options in `kdive NAME --help` */
	const struct cli_opt *opts; /* its options, CLI_OPT_END-terminated */
	const struct cli_opt *shared; /* options it shares with others (cli_guest_opts), after
				   its own; one of its own by the same name words it itself */
	const char *formats;  /* the --format values, comma-separated, first the default */
	const char *tail;     /* after the options: exit codes, notes */
	int detail_v;         /* 1: -v asks for report detail (args.verbose), not debug logs */
};

extern const struct cli_command cli_cmd_build, cli_cmd_run, cli_cmd_record, cli_cmd_bundle,
	cli_cmd_lstar, cli_cmd_debug, cli_cmd_tour, cli_cmd_serve, cli_cmd_dap, cli_cmd_doctor,
	cli_cmd_merge;

/* The repository's data directory (kconfig/, initramfs/, scenarios/); static string. */
const char *cli_datadir(void);

/* Report a usage error for cmd and return KDIVE_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print the help of a command to out. */
void cli_print_help(const struct cli_command *cmd, FILE *out);

/* What boots: the initramfs and the kernels, built (or reused) by cli_resolve_images(). */
struct cli_images {
	char *initrd;            /* initramfs; owned */
	char *progs;             /* directory of the guest programs with their symbols; owned */
	struct kernel *kernels;  /* each kernel named with --kernel (or the default); owned */
	size_t nkernels;
	size_t nfailed;          /* of them, how many did not build (kernel.build_error) */
	char *snapshots;         /* the warm snapshots' directory, NULL when not used; owned */
	char *cache;             /* the cache directory; owned */
	char *gdb_index;         /* gdb's index cache there; owned */
	uint32_t epoch;          /* the mtime of every archive entry (SOURCE_DATE_EPOCH) */
};

/*
 * Exit codes: the one place where outcomes become KDIVE_EXIT_* codes.
 * cli_exit_code() maps scenario results, counts[s] being the number of scenarios of
 * enum match_status s: 3 if any is an error, else 1 if any failed, else 4 (skipped) if
 * none passed, else 0. cli_results_exit_code() counts n results and asks it.
 * cli_fail_exit_code() maps a library failure (usage.h): 2 for bad input, else 3.
 */
struct match_result;
struct userprog;
struct kernel;
int cli_exit_code(const size_t *counts);
int cli_results_exit_code(const struct match_result *res, size_t n);
int cli_fail_exit_code(enum fail_kind kind);

/*
 * Print an error buffer (usage.h) on stderr: the lines the library wrote itself
 * ("error: ...", "hint: ...", "full log: ...") behind "kdive: ", the others
 * (FILE:LINE:COL diagnostics, log tails, a compiler's output) as they are.
 */
void cli_print_failure(const char *msg);

/*
 * The display of a long operation's progress (progress.h's struct progress) on stderr.
 * mode 2: one live status line, redrawn each second and cleared at the end of a step
 * (a terminal); 1: "kdive: STATUS" lines at each new stage and every 20 s; 0: nothing.
 */
struct cli_progress {
	int mode;     /* 2, 1 or 0, as above */
	int64_t last; /* mode 1: when a line was last printed (now_ms()) */
	int shown;    /* mode 2: a live line is on the screen */
};
/* Set d up in mode and point p at it (d must outlive the operation). */
void cli_progress_init(struct cli_progress *d, int mode, struct progress *p);

/*
 * Build or reuse the initramfs and each kernel of b (at most max of them; the default
 * kernel when none is named): Debian's linux-source-VERSION ("6.1"), a source tree or
 * tarball (built with kdive's fragments, and kconfig/smp.config with --smp), or a
 * prebuilt image with its --vmlinux. Each kernel's release and syscall table are read.
 * Progress and errors go to stderr. Returns an exit code. A kernel whose build failed
 * (kernel.build_error, counted in im->nfailed) does not stop the others: then 3 with
 * every kernel resolved, which a caller that reports failed builds (run) may go on with.
 */
struct cli_boot_opts;
/*
 * Create the cache directory if needed, and refuse one that is not the user's own or
 * that others can write (kdive runs make there and sources gdb scripts from it).
 * Returns an exit code, after saying what is wrong.
 */
int cli_cache_ready(const char *cache);
int cli_resolve_images(struct cli_images *im, struct cli_boot_opts *b, size_t max);
void cli_images_release(struct cli_images *im);
/* What session_open() boots for kernel k of im. */
void cli_session_image(const struct cli_images *im, const struct kernel *k,
		       struct session_image *img);

/*
 * Read and parse a scenario file. Returns 0, or KDIVE_EXIT_USAGE after printing every
 * "FILE:LINE:COL: message". text (may be NULL) receives the file's bytes.
 */
struct scenario;
struct obs_run;
struct syscalls;
int cli_load_scenario(const char *path, struct scenario *sc, struct strbuf *text);
/* The same, printing nothing: what is wrong (the lines cli_load_scenario() prints) in why. */
int cli_load_scenario_quiet(const char *path, struct scenario *sc, struct strbuf *text,
			    struct strbuf *why);

#define CLI_MAX_KERNELS 8

/* The options of every command that boots a guest. */
struct cli_boot_opts {
	const char *kernels[CLI_MAX_KERNELS]; /* --kernel K, in order; none: the default */
	size_t nkernels;
	const char *vmlinux[CLI_MAX_KERNELS]; /* --vmlinux FILE: the prebuilt images', in order */
	size_t nvmlinux;
	struct boot_opts guest; /* --keep, --timeout, --gdb-port, --kaslr, --smp, --append;
				   the snapshots' directory once cli_resolve_images() knows it */
	int index;           /* --index: use an indexed copy of a prebuilt vmlinux */
	int no_snapshot;     /* --no-snapshot (or KDIVE_NO_SNAPSHOT): boot every guest */
	const char *program; /* --program PATH, or NULL */
	const char *kconfig; /* where base.config and smp.config are (a bundle's); NULL:
				the data directory's kconfig/ */
};

/* A command line, parsed. */
struct cli_args {
	const struct cli_command *cmd; /* the command */
	struct cli_boot_opts boot;     /* the shared boot options */
	const char *format;  /* --format, or the command's default */
	const char *output;  /* --output FILE, or NULL: stdout */
	int verbose;         /* -v (debug logs, or report detail with detail_v) */
	char **rest;         /* the operands (argv's tail) */
	int nrest;           /* how many */
	int nafter;          /* how many of them came after "--" (the last nafter) */
	const char *origin;  /* --origin: KCIDB's submitter name (NULL: kdive) */
	char format_buf[16]; /* the default format's name */
};

/* A command's own option: key and value. 0, or an exit code after cli_usage_error(). */
typedef int (*cli_opt_fn)(void *ctx, int key, const char *arg);

/*
 * Parse argv (argv[0] is the command's name) against the command's options: the
 * shared ones fill a, the others go to own(ctx, key, arg). Returns 0, or
 * KDIVE_EXIT_USAGE after saying what is wrong.
 */
int cli_parse(const struct cli_command *cmd, int argc, char **argv, struct cli_args *a,
	      cli_opt_fn own, void *ctx);

/* The output layer: 1 when text on stdout may be coloured (a terminal, no NO_COLOR,
 * no --output, text format). */
int cli_color(const struct cli_args *a);
/* Write the command's document to --output (write_file_atomic(): a file atomically, a
 * FIFO or device through) or stdout. An exit code. */
int cli_emit(const struct cli_args *a, const char *data, size_t len);
/* 1 when the chosen format is name. */
int cli_format_is(const struct cli_args *a, const char *name);

/*
 * Bad names in sc that only the built images can tell: a program that is not in the
 * initramfs, a syscall= name that a kernel's table lacks; and a user's program (a
 * path) built or found in the cache into *u (zeroed for a built-in; release it with
 * userprog_release), its faults said at FILE:LINE:COL. Prints each; an exit code:
 * 0, KDIVE_EXIT_USAGE (2), or 3 when the machinery failed. Checked before anything
 * boots.
 */
int cli_check_names(const struct scenario *sc, const struct cli_images *im, struct userprog *u);
/* The index of im's first kernel that built, or im->nkernels when none did. */
size_t cli_first_built(const struct cli_images *im);
/*
 * sc's user program built for kernel k (a path that starts with @linux/ is in k's
 * source tree: the kernel's own selftests), or found in the cache. The faults printed;
 * an exit code. cli_check_names() does this for im's first kernel that built.
 */
int cli_kernel_program(const struct scenario *sc, const struct cli_images *im,
		       const struct kernel *k, struct userprog *u);
/*
 * A user's program at path (from kdive's working directory), alone: built or found in
 * the cache into *u. An exit code (2: the user's input, 3: the machinery); what went
 * wrong in err.
 */
int cli_user_program(const struct cli_images *im, const char *path, struct userprog *u,
		     struct strbuf *err);
/*
 * --program PATH [-- ARGS]: make sc run it. With a scenario loaded (have_sc), its
 * program, arguments (when ARGS are given) and build lines are replaced; without, sc
 * becomes a scenario of that program alone, named after it, expecting exit status 0.
 * Nothing when --program was not given.
 */
void cli_program_scenario(const struct cli_args *a, struct scenario *sc, int have_sc);
/* The run target of kernel k with im's initramfs; nothing copied. */
void cli_run_target(const struct cli_images *im, const struct kernel *k, struct run_target *t);
/*
 * 128 random bits (getrandom) as 32 hex digits into id[33]: a run's id, which makes its
 * KCIDB test ids unique across runs, hosts and PID namespaces (a time and a pid are
 * not: containers start at pid 1). 0, or -1 reported.
 */
int cli_run_id(char id[33]);
/* Kernel k as reports name it (its name, release, source and content identity); the
 * strings stay k's. */
struct obs_kernel cli_kernel_obs(const struct kernel *k);

int cli_main(int argc, char **argv);

#endif
