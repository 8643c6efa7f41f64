/*
 * kdive tour: a narrated walk on a live guest. `tour fork`: from glibc's fork() to
 * kernel_clone and the child's return, in ten hand-made steps (tour_fork.c). `tour
 * SCENARIO.scn`: any scenario, one step a stop it reaches (tour_scenario.c). The
 * command parses the options, picks the renderer (tour_text.c, tour_json.c,
 * tour_html.c) and the tour; tour.h lists the parts.
 */
#include "tour.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int terminal_width(void)
{
	struct winsize ws;
	const char *c = getenv("COLUMNS");
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
		return ws.ws_col;
	if (c && atoi(c) >= 40)
		return atoi(c);
	return 80;
}

/* tour's own option: --auto. */
static int tour_option(void *ctx, int key, const char *arg)
{
	(void)arg;
	if (key == 'a')
		((struct tour *)ctx)->automatic = 1;
	return 0;
}

static int cmd_tour(int argc, char **argv)
{
	struct tour t;
	struct cli_args a;
	int rc;

	memset(&t, 0, sizeof(t));
	strbuf_init(&t.out, 0);
	rc = cli_parse(&cli_cmd_tour, argc, argv, &a, tour_option, &t);
	if (rc)
		goto out;
	t.args = &a;
	t.render = cli_format_is(&a, "json") ? &tour_json
		 : cli_format_is(&a, "html") ? &tour_html : &tour_text;
	t.color = cli_color(&a);
	t.width = terminal_width();
	if (a.nrest - a.nafter > 1) {
		rc = cli_usage_error("tour", "one tour at a time: fork, or a scenario file");
		goto out;
	}
	if (a.boot.program && a.nrest == a.nafter) {
		rc = cli_usage_error("tour", "--program needs a scenario to tour its stops: kdive "
				     "tour SCENARIO --program %s", a.boot.program);
		goto out;
	}
	if (a.boot.program && !strcmp(a.rest[0], "fork")) {
		rc = cli_usage_error("tour", "the fork tour is fork's; --program tours a scenario's "
				     "stops: kdive tour SCENARIO --program %s", a.boot.program);
		goto out;
	}
	if (a.nrest == a.nafter || !strcmp(a.rest[0], "fork")) {
		rc = tour_fork(&t, &a);
		goto out;
	}
	const char *arg = a.rest[0];
	size_t len = strlen(arg);
	if (!strchr(arg, '/') && (len < 4 || strcmp(arg + len - 4, ".scn")))
		rc = cli_usage_error("tour", "the tours are 'fork' and any scenario file "
				     "(scenarios/NAME.scn), not '%s'", arg);
	else
		rc = tour_scenario(&t, &a, arg);
out:
	if (t.have_sc)
		scenario_release(&t.sc);
	cli_images_release(&t.im);
	userprog_release(&t.user);
	strbuf_release(&t.out);
	return rc;
}

const struct cli_command cli_cmd_tour = {
	.name = "tour",
	.fn = cmd_tour,
	.summary = "a narrated, step-by-step guided tour: fork() to kernel_clone, or any scenario",
	.args = "[fork | SCENARIO.scn]",
	.about =
	"`kdive tour` (or `tour fork`) boots the guest and walks the seed's journey live,\n"
	"stopping the fork program on the way, in ten steps:\n"
	"  1. user space: _Fork, its code up to the syscall instruction, the registers\n"
	"  2. the jump: MSR_LSTAR, read live, = entry_SYSCALL_64\n"
	"  3. entry_SYSCALL_64 building struct pt_regs (where each field came from)\n"
	"  4. do_syscall_64 and the inlined syscall_enter_from_user_mode, with the backtrace\n"
	"  5. x64_sys_call's switch (the generated case for 56)\n"
	"  6. SYSCALL_DEFINE5(clone, ...) and what it expands to\n"
	"  7. kernel_clone, and struct kernel_clone_args live\n"
	"  8-10, in the order the scheduler runs them: the parent's way back (SYSRET or\n"
	"     IRET, and why); the child's first run from ret_from_fork, its pt_regs with\n"
	"     ax = 0; the child back in user space, where fork() returns 0\n"
	"The words are data, in scenarios/fork.scn (share/kdive/scenarios/fork.scn when\n"
	"installed): each step's title is a `step` line there, and its narration either\n"
	"the `say` lines under that step or, for a step taken at one of the scenario's\n"
	"stops (1, 4, 5, 7), the `say` lines of those stops. The tour adds what the guest\n"
	"shows: the kernel source around the stop, the live values and the backtrace.\n"
	"\n"
	"`kdive tour SCENARIO.scn` tours any scenario: a step at each stop it reaches, with\n"
	"the stop's `say` lines as narration, the source around it, the live values (at a\n"
	"kernel stop the system call from struct pt_regs: number, name, argument registers;\n"
	"and what the checks read) and the kernel and user backtraces. What a `never` stop\n"
	"says does not happen is confirmed at the end. kdive-scenario(5) describes `say`\n"
	"and `step`.\n"
	"\n"
	"Keys: Enter = next step, g = gdb right here (type gdb commands, kd-ptregs, kd-ubt;\n"
	"`tour` comes back), q = quit (the guest is shut down).\n",
	.opts = (const struct cli_opt[]){
		{ "auto", 'a', 0, NULL, "print the whole tour without waiting (CI, transcripts)" },
		{ "format", CLI_KEY_FORMAT, 0, "FMT", "text (default), json (the tour as data) or html\n"
		  "(one self-contained page, the stack drawn as SVG)" },
		CLI_OPT_OUTPUT,
		CLI_OPT_KEEP,
		CLI_OPT_PROGRAM,
		CLI_OPT_VERBOSE,
		CLI_OPT_END,
	},
	.shared = cli_guest_opts,
	.formats = "text,json,html",
	.tail = "Exit: 0 done (or quit), 3 build/boot/gdb failure.\n",
};
