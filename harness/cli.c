/*
 * cli: subcommand table, global options, help, exit codes. Depends on every module.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "initramfs.h"
#include "kbuild.h"
#include "match.h"
#include "proc.h"
#include "record.h"
#include "scenario.h"
#include "session.h"
#include "syscalls.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KDIVE_VERSION "0.1"

static const struct cli_command commands[] = {
	{ "build", cmd_build, "build (or reuse from the cache) the kernel and the initramfs",
	  "usage: kdive build [--kernel-src DIR|TARBALL] [--config FRAGMENT]... [--only WHAT]\n"
	  "                   [--format text|json] [--jobs N] [-q] [-v]\n"
	  "\n"
	  "Builds what the guest needs, each part once per content:\n"
	  "  kernel     Debian's linux-source-6.12 tarball (or --kernel-src), configured as\n"
	  "             allnoconfig + kconfig/base.config + each --config FRAGMENT, checked\n"
	  "             (every requested symbol must survive into .config), built out of tree\n"
	  "             (bzImage, vmlinux with DWARF 5, the kernel's gdb scripts), and\n"
	  "             indexed with gdb-add-index. About 2-6 minutes cold on 2 cores.\n"
	  "  initramfs  busybox-static, initramfs/init and every initramfs/progs/NAME.c built\n"
	  "             -static -g -O0, packed as a reproducible newc cpio + gzip -n.\n"
	  "\n"
	  "Everything lands in the cache ($KDIVE_CACHE, else $XDG_CACHE_HOME/kdive, else\n"
	  "~/.cache/kdive), keyed by a hash of the source, the merged fragments and the\n"
	  "compiler: a second build with nothing changed takes milliseconds; a changed\n"
	  "fragment rebuilds incrementally from the last tree.\n"
	  "\n"
	  "Options:\n"
	  "  --kernel-src PATH   a kernel source tree or .tar.xz (default:\n"
	  "                      /usr/src/linux-source-6.12.tar.xz, or $KDIVE_KERNEL_TARBALL)\n"
	  "  --config FRAGMENT   merge this fragment after kconfig/base.config (repeatable;\n"
	  "                      later fragments win)\n"
	  "  --only WHAT         kernel or initramfs\n"
	  "  --format FMT        text (default) or json: where everything is\n"
	  "  --jobs N            make -jN (default: the number of CPUs)\n"
	  "  -q, --quiet         no progress\n"
	  "\n"
	  "Exit: 0 built, 2 bad usage or a bad fragment (file:line), 3 the build failed\n"
	  "(a requested symbol did not survive, make failed: the log path is printed).\n" },
	{ "run", cmd_run, "boot, run each scenario, compare with its expectations, report",
	  "usage: kdive run [--format text|ktap|junit|json] [--output FILE] [--keep]\n"
	  "                 [--timeout SECONDS] [--kernel BZIMAGE --vmlinux FILE] [-v]\n"
	  "                 SCENARIO...\n"
	  "\n"
	  "Checks every SCENARIO file first (a bad one: FILE:LINE:COL, exit 2, nothing boots),\n"
	  "builds or reuses the kernel and initramfs, then boots one guest per scenario: the\n"
	  "guest runs the scenario's program, kdive stops at each `stop` (limited to that\n"
	  "program, and to one syscall with syscall=NAME), captures the kernel frames, the\n"
	  "user-space frames of the syscall (from pt_regs), and the checked values, and\n"
	  "compares them with the expectations. A mismatch shows expected against actual,\n"
	  "with the scenario's file:line and the kernel source's file:line.\n"
	  "The format is documented in scenarios/README.md.\n"
	  "\n"
	  "  --format FMT       text (default; colour on a terminal unless NO_COLOR is set),\n"
	  "                     ktap (KTAP v1), junit (JUnit XML) or json (DESIGN.md's contract)\n"
	  "  --output FILE      write the report there, atomically\n"
	  "  --keep             keep each run directory (console.log, qemu.log, gdb.mi)\n"
	  "  --timeout SECONDS  limit per scenario (default: the scenario's `timeout`, or 300)\n"
	  "  --kernel, --vmlinux  your own kernel (syscall= then needs the kernel's build)\n"
	  "  -v                 detail passing scenarios too: narration, frames, values\n"
	  "                     (`kdive -v run` also logs what kdive does)\n"
	  "\n"
	  "Exit: 0 all passed, 1 an expectation failed, 2 bad usage or scenario file,\n"
	  "3 infrastructure failure (build, boot, gdb, QEMU), 4 everything skipped.\n" },
	{ "record", cmd_record, "run a scenario and write what was observed as its expectations",
	  "usage: kdive record [--dry-run] [--keep] [--timeout SECONDS]\n"
	  "                    [--kernel BZIMAGE --vmlinux FILE] SCENARIO\n"
	  "\n"
	  "Runs SCENARIO like `kdive run`, then writes the frames it saw at each stop back\n"
	  "into the file: each stop's `frames` block (and, at kernel stops, its `user`\n"
	  "block) is replaced; a stop without one gets one. Comments, narration (say),\n"
	  "checks, and frame lines guarded for other kernel versions stay as they are.\n"
	  "The golden-update workflow: record, review the diff, commit.\n"
	  "\n"
	  "  --dry-run   print the change as a unified diff instead of writing the file\n"
	  "  --keep      keep the run directory (console.log, qemu.log, gdb.mi)\n"
	  "\n"
	  "Exit: 0 recorded, 1 a stop was never reached (its blocks kept), 2 bad scenario\n"
	  "file, 3 the run failed (nothing written).\n" },
	{ "lstar", cmd_lstar, "boot, read MSR_LSTAR and resolve it to a kernel symbol",
	  "usage: kdive lstar [--kaslr] [--format text|json] [--output FILE] [--keep]\n"
	  "                   [--kernel BZIMAGE --vmlinux FILE] [--timeout SECONDS] [--gdb-port N]\n"
	  "\n"
	  "The syscall instruction jumps to the address in MSR_LSTAR (0xc0000082), but neither\n"
	  "gdb's registers nor QEMU's `info registers` show it. kdive boots the guest under\n"
	  "gdb, stops in kernel mode, writes rdmsr over the current instruction, single-steps\n"
	  "it, reads edx:eax, and restores the code and every register it touched (checked).\n"
	  "It also reads MSR_STAR and MSR_SYSCALL_MASK and decodes them, resolves LSTAR to a\n"
	  "symbol in vmlinux, then lets the guest run its fork program to the end: proof\n"
	  "that it survived the read.\n"
	  "\n"
	  "  --kaslr            boot without nokaslr: the kernel lands at a random address.\n"
	  "                     kdive stops in the fork program, steps across its syscall\n"
	  "                     instruction into the kernel, computes the slide (LSTAR minus\n"
	  "                     &entry_SYSCALL_64), relocates gdb's symbols (symbol-file -o)\n"
	  "                     and proves it with a breakpoint and backtrace at kernel_clone.\n"
	  "  --format FMT       text (default) or json: msr, value, symbol, offset,\n"
	  "                     vmlinux_address, kaslr_slide, star, syscall_mask, ...\n"
	  "  --output FILE      write the report there (atomically) instead of stdout\n"
	  "  --keep             keep the run directory (console.log, qemu.log, gdb.mi)\n"
	  "  --kernel, --vmlinux  boot your own kernel (x86-64, built with debug info)\n"
	  "  --timeout SECONDS  give up after this long (default 300)\n"
	  "  --gdb-port N       gdbstub on 127.0.0.1:N instead of a private unix socket\n"
	  "\n"
	  "Exit: 0 read and the guest finished, 3 boot/gdb/QEMU failure.\n" },
	{ "debug", cmd_debug, "an interactive gdb session on a booted guest",
	  "usage: kdive debug [SCENARIO] [--program NAME] [--tui] [--kaslr] [--print-cmd]\n"
	  "                   [--keep] [--kernel BZIMAGE --vmlinux FILE]\n"
	  "\n"
	  "Builds what is missing, boots the guest stopped at the reset vector, and hands\n"
	  "your terminal to gdb (the CLI, or its TUI with --tui), attached, with:\n"
	  "  - vmlinux's symbols and the guest program's (SCENARIO's program, --program, or\n"
	  "    fork), the kernel's own gdb scripts (lx-dmesg, lx-ps, $lx_current(), ...),\n"
	  "  - kdive's helpers (help user-defined): kd-syscall NAME (break on that syscall\n"
	  "    of the program), kd-ptregs (the syscall's pt_regs, decoded), kd-ubt (its\n"
	  "    user-space backtrace), kd-lstar (MSR_LSTAR and its symbol), kd-console,\n"
	  "  - SCENARIO's stops as breakpoints, limited to its program.\n"
	  "The guest console shows in a tmux pane below gdb when you run inside tmux,\n"
	  "otherwise in console.log (its path is printed; kd-console shows the tail).\n"
	  "Ctrl-C stops the guest; `quit` shuts it down and leaves nothing running.\n"
	  "\n"
	  "  --kaslr       boot with KASLR: kdive finds the slide first (as lstar --kaslr) and\n"
	  "                hands over a guest stopped at entry_SYSCALL_64 of fork's clone,\n"
	  "                with gdb's symbols relocated (symbol-file -o SLIDE)\n"
	  "  --print-cmd   print the plain qemu and gdb command lines instead, to run by hand\n"
	  "  --keep        keep the run directory (session.gdb, console.log, qemu.log)\n"
	  "\n"
	  "Exit: 0 when gdb ended, 2 bad usage or scenario file, 3 build/boot failure.\n" },
	{ "tour", cmd_tour, "a narrated, step-by-step guided tour from fork() to kernel_clone",
	  "usage: kdive tour [fork] [--auto] [--format text|json] [--keep]\n"
	  "\n"
	  "Boots the guest and walks the seed's journey live, stopping the fork program on\n"
	  "the way, in seven steps:\n"
	  "  1. user space: _Fork, its code up to the syscall instruction, the registers\n"
	  "  2. the jump: MSR_LSTAR, read live, = entry_SYSCALL_64\n"
	  "  3. entry_SYSCALL_64 building struct pt_regs (where each field came from)\n"
	  "  4. do_syscall_64 and the inlined syscall_enter_from_user_mode, with the backtrace\n"
	  "  5. x64_sys_call's switch (the generated case for 56)\n"
	  "  6. SYSCALL_DEFINE5(clone, ...) and what it expands to\n"
	  "  7. kernel_clone, and the return path: SYSRET or IRET, and why\n"
	  "Each step shows its narration (from scenarios/fork.scn), the kernel source around\n"
	  "the stop, the live values and the backtrace.\n"
	  "\n"
	  "Keys: Enter = next step, g = gdb right here (type gdb commands, kd-ptregs, kd-ubt;\n"
	  "`tour` comes back), q = quit (the guest is shut down).\n"
	  "\n"
	  "  --auto         print the whole tour without waiting (CI, transcripts)\n"
	  "  --format json  the tour as data\n"
	  "  --keep         keep the run directory\n"
	  "\n"
	  "Exit: 0 done (or quit), 3 build/boot/gdb failure.\n" },
	{ "doctor", cmd_doctor, "check every dependency and say how to get what is missing",
	  "usage: kdive doctor [--fix]\n"
	  "\n"
	  "Checks each tool and file kdive needs (compiler, make, gdb, QEMU, busybox-static,\n"
	  "the kernel source and its build tools), prints its version or why it is missing,\n"
	  "and the one apt-get command that installs what is missing.\n"
	  "\n"
	  "  --fix   install what is missing: apt-get as root, otherwise print the command\n"
	  "          (with sudo) and exit 3\n"
	  "\n"
	  "Tools can be overridden: KDIVE_QEMU, KDIVE_GDB, KDIVE_BUSYBOX, KDIVE_KERNEL_TARBALL.\n"
	  "Exit: 0 when everything is present, 3 when something is missing.\n" },
};

static const struct cli_command *find_command(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void print_main_help(FILE *out)
{
	fprintf(out,
		"usage: kdive [-v|-q] COMMAND [ARGS]\n"
		"\n"
		"kdive makes kernel debugging with QEMU and gdb one command: it builds a small\n"
		"kernel and a busybox initramfs, boots them under QEMU with the gdbstub, drives\n"
		"gdb over MI, and checks the entry path of system calls against scenario files.\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
		"\n"
		"`kdive COMMAND --help` explains each one. Exit codes: 0 all passed, 1 an\n"
		"expectation failed, 2 bad usage or bad input file, 3 infrastructure failure\n"
		"(build, boot, gdb, QEMU), 4 skipped.\n");
}

void cli_print_help(const char *cmd, FILE *out)
{
	const struct cli_command *c = find_command(cmd);
	if (c)
		fputs(c->help, out);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	fprintf(stderr, "kdive %s: %s\nTry 'kdive %s --help'.\n", cmd, sb.buf, cmd);
	strbuf_release(&sb);
	return KDIVE_EXIT_USAGE;
}

static int has_data(const char *dir)
{
	char *p = xstrfmt("%s/kconfig/base.config", dir);
	int r = access(p, R_OK) == 0;
	free(p);
	return r;
}

const char *cli_datadir(void)
{
	static char *dir;
	char exe[PATH_MAX];
	ssize_t n;
	if (dir)
		return dir;
	const char *env = getenv("KDIVE_DATA");
	if (env && *env)
		return dir = xstrdup(env);
	/* Next to the binary (build/kdive → the checkout), then where it was built. */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		for (int up = 0; up < 2; up++) {
			char *slash = strrchr(exe, '/');
			if (!slash)
				break;
			*slash = '\0';
			if (has_data(exe))
				return dir = xstrdup(exe);
		}
	}
	if (has_data(KDIVE_SRCDIR))
		return dir = xstrdup(KDIVE_SRCDIR);
	return dir = xstrdup(".");
}

int cli_exit_code(const size_t *counts)
{
	if (counts[MATCH_ERROR])
		return KDIVE_EXIT_INFRA;
	if (counts[MATCH_FAIL])
		return KDIVE_EXIT_FAIL;
	return counts[MATCH_PASS] ? KDIVE_EXIT_PASS : KDIVE_EXIT_SKIP;
}

int cli_results_exit_code(const struct match_result *res, size_t n)
{
	size_t counts[MATCH_NSTATUS] = { 0 };
	for (size_t i = 0; i < n; i++)
		counts[res[i].status]++;
	return cli_exit_code(counts);
}

int cli_fail_exit_code(enum fail_kind kind)
{
	return kind == FAIL_INPUT ? KDIVE_EXIT_USAGE : KDIVE_EXIT_INFRA;
}

void cli_print_failure(const char *msg)
{
	static const char *const labels[] = { "error: ", "warning: ", "hint: ", "full log: " };
	fflush(stdout);
	for (const char *p = msg; *p;) {
		const char *end = strchrnul(p, '\n');
		int ours = 0;
		for (size_t i = 0; i < ARRAY_SIZE(labels); i++)
			ours |= !strncmp(p, labels[i], strlen(labels[i]));
		fprintf(stderr, "%s%.*s\n", ours ? "kdive: " : "", (int)(end - p), p);
		p = *end ? end + 1 : end;
	}
}

/* struct progress's fn: draw what a long operation reports, as d->mode asks. */
static void show_progress(void *ctx, enum progress_event ev, const char *status, const char *now)
{
	struct cli_progress *d = ctx;
	int64_t t = now_ms();
	if (ev == PROGRESS_DONE) {
		if (d->shown)
			fputs("\r\033[K", stderr);
		d->shown = 0;
		return;
	}
	if (!d->mode || (d->mode == 1 && ev == PROGRESS_TICK && t - d->last < 20000))
		return;
	d->last = t;
	if (d->mode == 2) {
		struct strbuf sb = STRBUF_INIT;
		strbuf_addstr(&sb, status);
		if (now)
			strbuf_addf(&sb, "  %s", now);
		/* Never wider than the line: cut, and clear the rest. */
		if (sb.len > 110)
			strbuf_setlen(&sb, 110);
		fprintf(stderr, "\r\033[K  %s", sb.buf);
		d->shown = 1;
		strbuf_release(&sb);
	} else {
		fprintf(stderr, "kdive: %s\n", status);
	}
	fflush(stderr);
}

void cli_progress_init(struct cli_progress *d, int mode, struct progress *p)
{
	d->mode = mode;
	d->last = 0;
	d->shown = 0;
	p->fn = show_progress;
	p->ctx = d;
}

int cli_resolve_images(struct cli_images *im, const char *kernel, const char *vmlinux)
{
	struct initramfs_opts io = { 0 };
	struct initramfs_result ir;
	struct kbuild_opts ko = { 0 };
	struct kbuild_result kr;
	struct cli_progress irshow, kshow;
	struct strbuf err = STRBUF_INIT;
	char *cache = kdive_cache_dir();
	char *irdir = xstrfmt("%s/initramfs", cli_datadir());
	int rc = KDIVE_EXIT_PASS;

	memset(im, 0, sizeof(*im));
	memset(&kr, 0, sizeof(kr));
	if (!!kernel != !!vmlinux) {
		error("--kernel and --vmlinux go together: the image to boot and its symbols");
		rc = KDIVE_EXIT_USAGE;
		goto out;
	}
	if (mkdir_p(cache, 0755) < 0) {
		error_errno("cannot create the cache directory '%s'", cache);
		rc = KDIVE_EXIT_INFRA;
		goto out;
	}
	io.datadir = irdir;
	io.cache = cache;
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	io.epoch = sde ? (uint32_t)strtoul(sde, NULL, 10) : 0;
	/* A line when it builds, as an info message would be (-q: none). */
	cli_progress_init(&irshow, diag_enabled(DIAG_INFO) ? 1 : 0, &io.progress);
	if (initramfs_build(&io, &ir, &err) < 0) {
		cli_print_failure(err.buf);
		rc = cli_fail_exit_code(ir.fail);
		initramfs_result_release(&ir);
		goto out;
	}
	im->initrd = xstrdup(ir.path);
	im->progs = xstrdup(ir.progs);
	initramfs_result_release(&ir);
	if (kernel) {
		if (access(kernel, R_OK) < 0 || access(vmlinux, R_OK) < 0) {
			error_errno("cannot read '%s' or '%s'", kernel, vmlinux);
			rc = KDIVE_EXIT_USAGE;
			goto out;
		}
		im->bzimage = xstrdup(kernel);
		im->vmlinux = xstrdup(vmlinux);
		im->version = xstrdup("unknown");
		goto out;
	}
	strvec_init(&ko.fragments);
	char *base = xstrfmt("%s/kconfig/base.config", cli_datadir());
	strvec_push(&ko.fragments, base);
	free(base);
	ko.cache = cache;
	cli_progress_init(&kshow, isatty(STDERR_FILENO) ? 2 : 1, &ko.progress);
	int built = kbuild_run(&ko, &kr, &err);
	strvec_clear(&ko.fragments);
	if (built < 0) {
		cli_print_failure(err.buf);
		rc = cli_fail_exit_code(kr.fail);
		goto out;
	}
	im->bzimage = xstrdup(kr.bzimage);
	im->vmlinux = xstrdup(kr.vmlinux);
	im->version = xstrdup(kr.version ? kr.version : "unknown");
	im->srctree = xstrdup(kr.srctree);
	im->build = xstrdup(kr.dir);
	im->tree = xstrdup(kr.build);
out:
	kbuild_result_release(&kr);
	strbuf_release(&err);
	free(cache);
	free(irdir);
	return rc;
}

void cli_images_release(struct cli_images *im)
{
	free(im->bzimage);
	free(im->vmlinux);
	free(im->version);
	free(im->initrd);
	free(im->progs);
	free(im->srctree);
	free(im->build);
	free(im->tree);
	memset(im, 0, sizeof(*im));
}

int cli_boot_option(const char *cmd, int c, const char *arg, const char *word,
		    struct cli_boot_opts *b)
{
	char *end;
	long v;
	switch (c) {
	case 'b': b->kernel = arg; return 0;
	case 'V': b->vmlinux = arg; return 0;
	case 'K': b->keep = 1; return 0;
	case 'v': diag_set_level(DIAG_DEBUG); return 0;
	case 't':
		v = strtol(arg, &end, 10);
		if (*end || end == arg || v <= 0 || v > 86400)
			return cli_usage_error(cmd, "--timeout needs seconds (1 to 86400), not '%s'", arg);
		b->timeout_s = (int)v;
		return 0;
	case 'p':
		v = strtol(arg, &end, 10);
		if (*end || end == arg || v <= 0 || v > 65535)
			return cli_usage_error(cmd, "--gdb-port needs a TCP port, not '%s'", arg);
		b->gdb_port = (int)v;
		return 0;
	case ':':
		return cli_usage_error(cmd, "option '%s' needs a value", word);
	default:
		return cli_usage_error(cmd, "unknown option '%s'", word);
	}
}

int cli_load_scenario(const char *path, struct scenario *sc, struct strbuf *text)
{
	struct strbuf buf = STRBUF_INIT, err = STRBUF_INIT;
	int rc = 0;
	if (strbuf_read_file(&buf, path) < 0) {
		error_errno("cannot read scenario '%s'", path);
		rc = KDIVE_EXIT_USAGE;
	} else if (memchr(buf.buf, '\0', buf.len)) {
		fprintf(stderr, "%s:1:1: not a text file (it holds NUL bytes)\n", path);
		rc = KDIVE_EXIT_USAGE;
	} else if (scenario_parse(sc, path, buf.buf, &err) < 0) {
		fputs(err.buf, stderr);
		rc = KDIVE_EXIT_USAGE;
	}
	if (text && !rc)
		strbuf_add(text, buf.buf, buf.len);
	strbuf_release(&buf);
	strbuf_release(&err);
	return rc;
}

void cli_load_syscalls(const struct cli_images *im, struct syscalls *table)
{
	struct strbuf text = STRBUF_INIT, err = STRBUF_INIT;
	if (!im->build)
		return;
	char *path = xstrfmt("%s/arch/x86/include/generated/asm/syscalls_64.h", im->build);
	if (strbuf_read_file(&text, path) < 0 || syscalls_parse(table, path, text.buf, &err) < 0)
		warning("cannot read the kernel's syscall table '%s'", path);
	free(path);
	strbuf_release(&text);
	strbuf_release(&err);
}

/*
 * Source paths relative to the kernel tree (or the guest programs' directory):
 * "kernel/fork.c", "arch/x86/include/generated/asm/syscalls_64.h", "fork.c". Shorter
 * diffs, and reports that compare across machines and cache directories.
 */
static void relativize(struct obs_frame *f, size_t n, const struct cli_images *im)
{
	const char *strip[] = { im->srctree ? im->srctree : "", im->tree ? im->tree : "",
				im->build ? im->build : "", "/kdive/progs", NULL };
	for (size_t i = 0; i < n; i++) {
		char *rel = record_file_suffix(f[i].file, strip);
		free(f[i].file);
		f[i].file = rel;
	}
}

int cli_run_scenario(const struct scenario *sc, const struct cli_images *im,
		     const struct syscalls *table, const struct cli_boot_opts *o, struct obs_run *obs)
{
	struct session_opts so = { 0 };
	struct session s;
	struct strbuf args = STRBUF_INIT;
	memset(obs, 0, sizeof(*obs));
	obs->kernel_version = xstrdup(im->version);
	for (size_t i = 0; i < sc->args.nr; i++)
		strbuf_addf(&args, "%s%s", i ? "," : "", sc->args.v[i]);
	so.bzimage = im->bzimage;
	so.vmlinux = im->vmlinux;
	so.initrd = im->initrd;
	so.program = sc->program;
	so.args = args.buf;
	so.keep = o->keep;
	so.gdb_port = o->gdb_port;
	so.timeout_s = o->timeout_s ? o->timeout_s : sc->timeout_s;
	so.go = 1;
	int64_t t0 = now_ms();
	int r = session_start(&s, &so);
	if (r < 0) {
		struct strbuf why = STRBUF_INIT;
		strbuf_addstr(&why, "the guest or gdb did not start (see above)\n");
		session_console_tail(&s, &why);
		obs->error = strbuf_detach(&why, NULL);
	} else {
		r = session_run_scenario(&s, sc, table, im->progs, obs);
	}
	session_end(&s, r == 0);
	obs->total_ms = now_ms() - t0;
	for (size_t i = 0; i < obs->nstops; i++) {
		relativize(obs->stops[i].frames, obs->stops[i].nframes, im);
		relativize(obs->stops[i].user, obs->stops[i].nuser, im);
	}
	strbuf_release(&args);
	return r;
}

/* Where the library's diagnostics go: stderr, after whatever stdout holds. */
static void print_diag(enum diag_level level, const char *msg, void *ctx)
{
	static const char *const prefix[] = { "error: ", "warning: ", "", "debug: " };
	(void)ctx;
	fflush(stdout);
	fprintf(stderr, "kdive: %s%s\n", prefix[level], msg);
}

int cli_main(int argc, char **argv)
{
	int i = 1;
	diag_set_sink(print_diag, NULL, DIAG_INFO);
	proc_install_guard();
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			diag_set_level(DIAG_DEBUG);
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			diag_set_level(DIAG_WARNING);
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			print_main_help(stdout);
			return KDIVE_EXIT_PASS;
		} else if (!strcmp(a, "--version")) {
			printf("kdive %s\n", KDIVE_VERSION);
			return KDIVE_EXIT_PASS;
		} else {
			fprintf(stderr, "kdive: unknown option '%s'\n", a);
			print_main_help(stderr);
			return KDIVE_EXIT_USAGE;
		}
	}
	if (i == argc) {
		print_main_help(stderr);
		return KDIVE_EXIT_USAGE;
	}
	const char *name = argv[i];
	if (!strcmp(name, "help")) {
		if (i + 1 < argc && find_command(argv[i + 1])) {
			cli_print_help(argv[i + 1], stdout);
			return KDIVE_EXIT_PASS;
		}
		print_main_help(stdout);
		return i + 1 < argc ? KDIVE_EXIT_USAGE : KDIVE_EXIT_PASS;
	}
	const struct cli_command *c = find_command(name);
	if (!c) {
		fprintf(stderr, "kdive: unknown command '%s'\n\n", name);
		print_main_help(stderr);
		return KDIVE_EXIT_USAGE;
	}
	for (int k = i + 1; k < argc; k++) {
		if (!strcmp(argv[k], "--"))
			break;
		if (!strcmp(argv[k], "-h") || !strcmp(argv[k], "--help")) {
			cli_print_help(name, stdout);
			return KDIVE_EXIT_PASS;
		}
	}
	int rc = c->fn(argc - i, argv + i);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		error_errno("writing the output");
		if (!rc)
			rc = KDIVE_EXIT_INFRA;
	}
	return rc;
}
