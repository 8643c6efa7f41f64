/*
 * cli: kdive's command line. A table of subcommands, each a function in a cmd_*.c
 * file; cli is the only place that decides the exit code. Depends on every module.
 */
#ifndef KDIVE_CLI_H
#define KDIVE_CLI_H

#include "util.h"

/* A subcommand: argv[0] is its name. Returns a KDIVE_EXIT_* code. */
typedef int (*cli_fn)(int argc, char **argv);

struct cli_command {
	const char *name;    /* "build" */
	cli_fn fn;           /* the command */
	const char *summary; /* one line for `kdive --help` */
	const char *help;    /* the full text of `kdive NAME --help` */
};

/* The repository's data directory (kconfig/, initramfs/, scenarios/); static string. */
const char *cli_datadir(void);

/* Report a usage error for cmd and return KDIVE_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print the help of a command to out. */
void cli_print_help(const char *cmd, FILE *out);

/* What a boot needs: built (or reused) by cli_resolve_images(). All owned. */
struct cli_images {
	char *bzimage;  /* kernel image */
	char *vmlinux;  /* its symbols */
	char *version;  /* kernel release, "6.12.117"; "unknown" for a kernel brought along */
	char *initrd;   /* initramfs */
	char *progs;    /* directory of the guest programs with their symbols */
	char *srctree;  /* kernel source tree, or NULL for a kernel brought along */
	char *build;    /* kernel build outputs (generated headers, gdb scripts), or NULL */
	char *tree;     /* the shared build tree gdb's file names point into, or NULL */
};

/*
 * Exit codes: the one place where outcomes become KDIVE_EXIT_* codes.
 * cli_exit_code() maps scenario results, counts[s] being the number of scenarios of
 * enum match_status s: 3 if any is an error, else 1 if any failed, else 4 (skipped) if
 * none passed, else 0. cli_results_exit_code() counts n results and asks it.
 * cli_fail_exit_code() maps a library failure (util.h): 2 for bad input, else 3.
 */
struct match_result;
int cli_exit_code(const size_t *counts);
int cli_results_exit_code(const struct match_result *res, size_t n);
int cli_fail_exit_code(enum fail_kind kind);

/*
 * Print an error buffer (util.h) on stderr: the lines the library wrote itself
 * ("error: ...", "hint: ...", "full log: ...") behind "kdive: ", the others
 * (FILE:LINE:COL diagnostics, log tails, a compiler's output) as they are.
 */
void cli_print_failure(const char *msg);

/*
 * The display of a long operation's progress (util.h's struct progress) on stderr.
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
 * Build or reuse the kernel and the initramfs, unless kernel and vmlinux are given
 * (bring your own kernel: both must be). Progress and failures go to stderr. Returns
 * an exit code.
 */
int cli_resolve_images(struct cli_images *im, const char *kernel, const char *vmlinux);
void cli_images_release(struct cli_images *im);

/*
 * Read and parse a scenario file. Returns 0, or KDIVE_EXIT_USAGE after printing every
 * "FILE:LINE:COL: message". text (may be NULL) receives the file's bytes.
 */
struct scenario;
struct obs_run;
struct syscalls;
int cli_load_scenario(const char *path, struct scenario *sc, struct strbuf *text);

/* The options of every command that boots a guest. */
struct cli_boot_opts {
	const char *kernel;  /* --kernel BZIMAGE, or NULL: the built one */
	const char *vmlinux; /* --vmlinux FILE, with --kernel */
	int keep;            /* --keep: keep the run directory */
	int timeout_s;       /* --timeout: the limit, 0: the scenario's own or the default */
	int gdb_port;        /* --gdb-port: 0 means a private unix socket */
};

/* Their getopt_long entries, for the commands that take them. */
#define CLI_OPT_KERNEL { "kernel", required_argument, NULL, 'b' }
#define CLI_OPT_VMLINUX { "vmlinux", required_argument, NULL, 'V' }
#define CLI_OPT_KEEP { "keep", no_argument, NULL, 'K' }
#define CLI_OPT_TIMEOUT { "timeout", required_argument, NULL, 't' }
#define CLI_OPT_GDB_PORT { "gdb-port", required_argument, NULL, 'p' }
#define CLI_OPT_VERBOSE { "verbose", no_argument, NULL, 'v' }

/*
 * Handle getopt_long's answer c that a command did not handle itself: a boot option,
 * -v, a missing value (':') or an unknown option. word is the word that getopt read
 * (argv[optind - 1]). Returns 0, or KDIVE_EXIT_USAGE after saying what is wrong.
 */
int cli_boot_option(const char *cmd, int c, const char *arg, const char *word,
		    struct cli_boot_opts *b);

/*
 * Load the kernel's syscall table from the build (empty for a kernel brought along:
 * scenarios naming a syscall then fail with a clear message). Cannot fail.
 */
void cli_load_syscalls(const struct cli_images *im, struct syscalls *table);

/*
 * Boot a guest for sc and run it, filling obs (obs->error on infrastructure failure).
 * Returns 0 when the run completed, -1 when it failed (obs->error says why).
 */
int cli_run_scenario(const struct scenario *sc, const struct cli_images *im,
		     const struct syscalls *table, const struct cli_boot_opts *o, struct obs_run *obs);

int cmd_build(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_debug(int argc, char **argv);
int cmd_tour(int argc, char **argv);
int cmd_lstar(int argc, char **argv);
int cmd_doctor(int argc, char **argv);

int cli_main(int argc, char **argv);

#endif
