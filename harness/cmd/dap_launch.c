/*
 * dap_launch: kdive dap's launch: its arguments as kdive run's options (scenario,
 * program, args, kernel, vmlinux, kaslr, smp, append, noSnapshot) and its own
 * (stopOnEntry, anyTask, keep); the images resolved and the program checked as run
 * does it (cli), the guest opened by session at the program's main, the program's
 * sources mapped to where the editor has them. attach: to a guest kdive did not start
 * (kdive debug --print-cmd's QEMU), by its gdbstub's socket. Part of
 * kdive dap (dap_int.h). Depends on cli, session, json.
 */
#define _GNU_SOURCE
#include "dap_int.h"
#include "initramfs.h"
#include "wrapper.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A boolean member: 0 or 1 (absent: 0); -1 with err when it is no boolean. */
static int bool_arg(const struct json_value *args, const char *key, struct strbuf *err)
{
	const struct json_value *v = json_value_find(args, key);
	if (!v)
		return 0;
	if (!json_value_is(v, JSON_BOOL))
		return dap_fail(err, "launch: '%s' must be true or false", key);
	return json_value_bool(v);
}

/* launch's arguments into the boot options of run and a scenario (d->sc). 0 or -1. */
static int launch_options(struct dap *d, const struct json_value *args, struct cli_boot_opts *b,
			  struct strbuf *err)
{
	const char *scn, *prog, *kernel, *vml, *append;
	const struct json_value *pargs = json_value_find(args, "args");
	const struct json_value *smp = json_value_find(args, "smp");
	int64_t cpus = 0;
	int kaslr, nosnap, keep;
	if (dap_str_arg(args, "scenario", &scn, err) || dap_str_arg(args, "program", &prog, err) ||
	    dap_str_arg(args, "kernel", &kernel, err) || dap_str_arg(args, "vmlinux", &vml, err) ||
	    dap_str_arg(args, "append", &append, err) || (kaslr = bool_arg(args, "kaslr", err)) < 0 ||
	    (nosnap = bool_arg(args, "noSnapshot", err)) < 0 ||
	    (d->stop_on_entry = bool_arg(args, "stopOnEntry", err)) < 0 ||
	    (d->any_task = bool_arg(args, "anyTask", err)) < 0 ||
	    (keep = bool_arg(args, "keep", err)) < 0)
		return -1;
	if (smp && (json_value_int(smp, &cpus) < 0 || cpus < 1 || cpus > 8))
		return dap_fail(err, "launch: 'smp' is a number of CPUs, 1 to 8");
	if (pargs && !json_value_is(pargs, JSON_ARRAY))
		return dap_fail(err, "launch: 'args' must be an array of strings");
	memset(b, 0, sizeof(*b));
	if (kernel)
		b->kernels[b->nkernels++] = kernel;
	if (vml)
		b->vmlinux[b->nvmlinux++] = vml;
	b->guest.kaslr = kaslr;
	b->guest.cpus = (int)cpus;
	b->guest.append = append;
	b->guest.keep = keep;
	b->no_snapshot = nosnap || (getenv("KDIVE_NO_SNAPSHOT") && *getenv("KDIVE_NO_SNAPSHOT"));
	if (scn) {
		struct strbuf why = STRBUF_INIT;
		if (cli_load_scenario_quiet(scn, &d->sc, NULL, &why)) {
			strbuf_rtrim(&why);
			dap_fail(err, "launch: %s", why.buf);
			strbuf_release(&why);
			return -1;
		}
		strbuf_release(&why);
	} else {
		d->sc.program = xstrdup(prog ? prog : "fork");
		d->sc.file = xstrdup("launch");
		d->sc.name = xstrdup(d->sc.program);
	}
	if (prog && scn) {
		free(d->sc.program);
		d->sc.program = xstrdup(prog);
	}
	if (pargs)
		strvec_clear(&d->sc.args);
	for (size_t i = 0; i < json_value_count(pargs); i++) {
		size_t len;
		const char *v = json_value_str(json_value_at(pargs, i), &len);
		if (!v || strlen(v) != len)
			return dap_fail(err, "launch: 'args' must be an array of strings without NUL");
		strvec_push(&d->sc.args, v);
	}
	/* A path is the user's program, built like run's --program. */
	b->program = strchr(d->sc.program, '/') ? d->sc.program : NULL;
	return 0;
}

/*
 * The program's sources where the editor has them: gdb reads the DWARF's directory
 * (INITRAMFS_PROG_DIR, USERPROG_DIR) as the host's, so frames name files the editor
 * opens and source breakpoints are given in the editor's paths. A program's own
 * sources are in its directory (relative to the scenario's, or kdive's). Reported
 * when it fails: the frames then name the guest's paths.
 */
static void map_sources(struct dap *d, const char *scn_dir)
{
	char real[PATH_MAX];
	if (!d->user.name) {
		char *progs = xstrfmt("%s/initramfs/progs", cli_datadir());
		session_source_map(&d->s, INITRAMFS_PROG_DIR, progs);
		free(progs);
		return;
	}
	char *path = d->sc.program[0] == '/' || !scn_dir ? xstrdup(d->sc.program)
							  : xstrfmt("%s/%s", scn_dir, d->sc.program);
	if (realpath(path, real)) {
		char *slash = strrchr(real, '/');
		*(slash == real ? slash + 1 : slash) = 0;
		session_source_map(&d->s, USERPROG_DIR, real);
	}
	free(path);
}

int dap_launch(struct dap *d, const struct json_value *args, struct json *body,
		      struct strbuf *err)
{
	struct cli_boot_opts b;
	struct session_image img;
	struct session_info si;
	struct strbuf why = STRBUF_INIT;
	(void)body;
	if (d->launched || d->im.kernels)
		return dap_fail(err, "launch: a guest was launched already (one per adapter)");
	if (launch_options(d, args, &b, err) < 0)
		return -1;
	/* A scenario's program path starts at the scenario's directory. */
	const char *scn = json_value_str(json_value_find(args, "scenario"), NULL);
	char *scn_dir = scn && strchr(scn, '/') ? xstrndup(scn, (size_t)(strrchr(scn, '/') - scn))
						 : NULL;
	/* Progress goes to stderr; stdout is the protocol's. */
	if (cli_resolve_images(&d->im, &b, 1)) {
		free(scn_dir);
		return dap_fail(err, "launch: the kernel or the initramfs could not be built (kdive "
				"dap's stderr says why)");
	}
	d->k = &d->im.kernels[0];
	if (cli_check_names(&d->sc, &d->im, &d->user)) {
		free(scn_dir);
		return dap_fail(err, "launch: the program '%s' is not one kdive can run (kdive dap's "
				"stderr says why)", d->sc.program);
	}
	cli_session_image(&d->im, d->k, &img);
	img.user = d->user.name ? &d->user : NULL;
	b.guest.timeout_s = DAP_SESSION_S;
	const char *program = d->user.name ? d->user.name : d->sc.program;
	d->launched = 1;
	if (session_open(&d->s, &img, &b.guest, program, &d->sc.args, &why) < 0) {
		session_describe(&d->s, &si);
		dap_fail(err, "the guest did not start: %s%s%s%s", why.buf,
			 si.rundir ? " (run directory kept: " : "", si.rundir ? si.rundir : "",
			 si.rundir ? ")" : "");
		dap_end_guest(d, 0);
		strbuf_release(&why);
		free(scn_dir);
		return -1;
	}
	strbuf_release(&why);
	map_sources(d, scn_dir);
	free(scn_dir);
	/* The CPU that stopped at main: the entry stop's thread. */
	struct session_thread *t = NULL;
	size_t n = 0;
	int cur = 0;
	if (session_threads(&d->s, &t, &n, &cur) == 0 && cur > 0)
		d->thread = d->view_thread = cur;
	session_threads_free(t, n);
	/* The console from here on goes to the editor: the program's output. */
	session_describe(&d->s, &si);
	off_t size = 0;
	int fd = si.console ? open(si.console, O_RDONLY | O_CLOEXEC) : -1;
	if (fd >= 0) {
		size = lseek(fd, 0, SEEK_END);
		close(fd);
	}
	d->console_off = size > 0 ? size : 0;
	return 0;
}

/*
 * attach: to a guest kdive did not start, by its gdbstub's unix socket (target, by
 * default $TMPDIR/gdb.sock, else /tmp/gdb.sock: what kdive debug --print-cmd's QEMU
 * listens on), a built-in
 * program (program, default fork) without KASLR; its console's log (console, default
 * console.log beside the socket) goes out as output. disconnect lets the guest go on.
 */
int dap_attach(struct dap *d, const struct json_value *args, struct json *body,
	       struct strbuf *err)
{
	struct cli_boot_opts b;
	struct session_image img;
	struct strbuf why = STRBUF_INIT;
	const char *target, *console;
	(void)body;
	if (d->launched || d->im.kernels)
		return dap_fail(err, "attach: a guest was launched already (one per adapter)");
	if (dap_str_arg(args, "target", &target, err) < 0 ||
	    dap_str_arg(args, "console", &console, err) < 0 ||
	    launch_options(d, args, &b, err) < 0)
		return -1;
	if (b.program || b.guest.kaslr || d->sc.args.nr)
		return dap_fail(err, "attach: a built-in program without KASLR or arguments, as "
				"kdive debug --print-cmd starts it (launch takes the others)");
	/* Where kdive debug --print-cmd puts it: $TMPDIR, else /tmp. */
	const char *tmp = getenv("TMPDIR");
	char *deftarget = xstrfmt("%s/gdb.sock", tmp && *tmp ? tmp : "/tmp");
	if (!target)
		target = deftarget;
	/* Said before anything is built: session_attach_guest() checks it again. */
	char *con = NULL;
	int r = -1;
	if (access(target, F_OK) < 0) {
		dap_fail(err, "attach: no gdbstub socket '%s' (kdive debug --print-cmd: run its QEMU "
			 "command first)", target);
		goto out;
	}
	con = console ? xstrdup(console) : NULL;
	if (!con) {
		const char *slash = strrchr(target, '/');
		con = slash ? xstrfmt("%.*s/console.log", (int)(slash - target), target)
			    : xstrdup("console.log");
	}
	b.no_snapshot = 1;
	if (cli_resolve_images(&d->im, &b, 1)) {
		dap_fail(err, "attach: the kernel or the initramfs could not be built (kdive dap's "
			 "stderr says why)");
		goto out;
	}
	d->k = &d->im.kernels[0];
	cli_session_image(&d->im, d->k, &img);
	d->launched = 1;
	if (session_attach_guest(&d->s, &img, target, access(con, R_OK) == 0 ? con : NULL,
				 d->sc.program, &why) < 0) {
		dap_fail(err, "attach: %s", why.len ? why.buf : "gdb could not attach");
		dap_end_guest(d, 1);
		goto out;
	}
	map_sources(d, NULL);
	d->attached = 1;
	d->thread = d->view_thread = DAP_THREAD;
	d->console_off = 0;
	r = 0;
out:
	free(con);
	free(deftarget);
	strbuf_release(&why);
	return r;
}
