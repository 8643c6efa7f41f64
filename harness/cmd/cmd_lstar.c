/*
 * kdive lstar: boot, read MSR_LSTAR (and STAR, SYSCALL_MASK) by rdmsr injection,
 * resolve it in vmlinux; with --kaslr, find the slide and relocate the symbols.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "elf.h"
#include "json.h"
#include "session.h"
#include "strbuf.h"
#include "strvec.h"
#include "timeutil.h"
#include "usage.h"
#include "wrapper.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


/* Everything the command found, for the reports. */
struct lstar_result {
	uint64_t lstar, star, sfmask; /* the MSRs */
	uint64_t slide;               /* KASLR slide */
	uint64_t step_pc;             /* --kaslr: first kernel pc after stepping across syscall */
	const char *symbol;           /* LSTAR's symbol in vmlinux (points into the mapping) */
	uint64_t offset;              /* LSTAR - slide - symbol address */
	uint64_t sym_addr;            /* the symbol's link-time address */
	struct strvec clone_frames;   /* --kaslr: the backtrace at kernel_clone */
	int kaslr;                    /* --kaslr was asked */
	int restored;                 /* the guest was restored from a warm snapshot, not booted */
	int slot;                     /* --kaslr: the warm pool slot it came from or went to, or -1 */
	int kvm;                      /* ran under KVM */
	int64_t read_ms, total_ms;    /* time to the read, and to QEMU's exit */
};

static void flags_names(struct strbuf *sb, uint64_t mask)
{
	static const struct {
		int bit;          /* EFLAGS bit */
		const char *name; /* its name */
	} flags[] = { { 0, "CF" },  { 2, "PF" },  { 4, "AF" },  { 6, "ZF" },  { 7, "SF" },
		      { 8, "TF" },  { 9, "IF" },  { 10, "DF" }, { 11, "OF" }, { 12, "IOPL" },
		      { 14, "NT" }, { 16, "RF" }, { 17, "VM" }, { 18, "AC" }, { 19, "VIF" },
		      { 20, "VIP" }, { 21, "ID" } };
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
		if (!(mask & (1ull << flags[i].bit)))
			continue;
		if (flags[i].bit == 12 && !(mask & (3ull << 12)))
			continue;
		strbuf_addf(sb, "%s%s", sb->len ? " " : "", flags[i].name);
	}
}

/* Where the guest, and so its slide, came from, for people: "(this guest was ...)". */
static void guest_origin(const struct lstar_result *r, struct strbuf *out)
{
	if (r->restored && r->slot >= 0)
		strbuf_addf(out, "(this guest was restored from warm snapshot slot %d of %d, booted "
				 "with that slide)", r->slot, WARM_SLOTS);
	else if (r->restored)
		strbuf_addstr(out, "(this guest was restored from a warm snapshot)");
	else if (r->slot >= 0)
		strbuf_addf(out, "(this guest was booted for this run; saved as warm snapshot slot "
				 "%d of %d)", r->slot, WARM_SLOTS);
	else
		strbuf_addstr(out, "(this guest was booted for this run)");
}

static void text_report(const struct lstar_result *r, struct strbuf *out)
{
	struct strbuf f = STRBUF_INIT;
	strbuf_addf(out, "MSR_LSTAR        = 0x%016llx <%s+%llu>  KASLR slide 0x%llx\n",
		    (unsigned long long)r->lstar, r->symbol ? r->symbol : "??",
		    (unsigned long long)r->offset, (unsigned long long)r->slide);
	strbuf_addf(out, "                   the syscall instruction jumps here; vmlinux has %s "
			 "at 0x%llx\n",
		    r->symbol ? r->symbol : "??", (unsigned long long)r->sym_addr);
	unsigned kcs = (unsigned)(r->star >> 32) & 0xffff, ubase = (unsigned)(r->star >> 48) & 0xffff;
	strbuf_addf(out, "MSR_STAR         = 0x%016llx  syscall: CS 0x%x SS 0x%x; sysret (64-bit): "
			 "CS 0x%x SS 0x%x\n",
		    (unsigned long long)r->star, kcs, kcs + 8, ubase + 16, ubase + 8);
	flags_names(&f, r->sfmask);
	strbuf_addf(out, "MSR_SYSCALL_MASK = 0x%016llx  RFLAGS cleared on syscall: %s\n",
		    (unsigned long long)r->sfmask, f.len ? f.buf : "none");
	if (r->kaslr) {
		strbuf_addf(out, "KASLR: slide 0x%llx ", (unsigned long long)r->slide);
		guest_origin(r, out);
		strbuf_addf(out, "\nKASLR: a syscall injected at fork's main entered the kernel at 0x%llx; "
				 "symbols relocated by 0x%llx; kernel_clone hit:\n",
			    (unsigned long long)r->step_pc, (unsigned long long)r->slide);
		for (size_t i = 0; i < r->clone_frames.nr; i++)
			strbuf_addf(out, "  #%zu %s\n", i, r->clone_frames.v[i]);
	}
	strbuf_addf(out, "guest: fork exited 0, guest powered off (%s; read after %.1f s, total %.1f s)\n",
		    r->kvm ? "KVM" : "TCG", (double)r->read_ms / 1000.0,
		    (double)r->total_ms / 1000.0);
	strbuf_release(&f);
}

static void json_report(const struct lstar_result *r, struct strbuf *out)
{
	struct json j;
	json_init(&j, out, 0);
	json_open(&j, NULL, '{');
	json_hex(&j, "msr", SESSION_MSR_LSTAR);
	json_hex(&j, "value", r->lstar);
	json_str(&j, "symbol", r->symbol ? r->symbol : "");
	json_uint(&j, "offset", r->offset);
	json_hex(&j, "vmlinux_address", r->sym_addr);
	json_hex(&j, "kaslr_slide", r->slide);
	json_bool(&j, "kaslr", r->kaslr);
	json_bool(&j, "restored", r->restored);
	if (r->slot >= 0)
		json_int(&j, "kaslr_slot", r->slot);
	else
		json_nil(&j, "kaslr_slot");
	json_hex(&j, "star", r->star);
	json_hex(&j, "syscall_mask", r->sfmask);
	if (r->kaslr) {
		json_hex(&j, "first_kernel_pc", r->step_pc);
		json_open(&j, "kernel_clone_frames", '[');
		for (size_t i = 0; i < r->clone_frames.nr; i++)
			json_str(&j, NULL, r->clone_frames.v[i]);
		json_close(&j);
	}
	json_str(&j, "accel", r->kvm ? "kvm" : "tcg");
	json_bool(&j, "guest_powered_off", 1);
	json_open(&j, "timings", '{');
	json_int(&j, "read_ms", r->read_ms);
	json_int(&j, "total_ms", r->total_ms);
	json_finish(&j);
}

/* nokaslr: the first system call from user space stops in do_syscall_64 (CPL 0). */
static int stop_in_kernel(struct session *s)
{
	struct session_stop st = { .bkpt = -1 };
	int bp = session_break_any(s, 1, "do_syscall_64");
	if (bp < 0)
		return -1;
	int r = session_continue(s, 0, &st);
	if (r == 0 && (!st.reason || strcmp(st.reason, "breakpoint-hit") || st.bkpt != bp))
		r = error("expected a stop at do_syscall_64, gdb reported '%s'",
			  st.reason ? st.reason : "?");
	else if (r == 1)
		r = error("the guest powered off before its first system call");
	else if (r == -2)
		r = error("the guest made no system call within the time limit");
	session_stop_release(&st);
	return r < 0 ? r : session_delete(s, bp);
}

/* --kaslr proof: kernel_clone of this very fork, with its backtrace. */
static int prove_relocation(struct session *s, const struct cli_images *im,
			    const struct kernel *k, struct strvec *frames)
{
	struct session_stop st = { .bkpt = -1 };
	struct strbuf why = STRBUF_INIT;
	struct obs_frame *f = NULL;
	struct run_target t;
	size_t n = 0;
	int entry = 0, r = -1;
	if (session_break(s, 1, "kernel_clone", -1, NULL, &why) < 0) {
		error("cannot stop at kernel_clone: %s", why.buf);
		goto out;
	}
	if (session_continue(s, 0, &st) != 0) {
		error("after relocation, the guest never reached kernel_clone (in time)");
		goto out;
	}
	if (!st.func || strcmp(st.func, "kernel_clone")) {
		error("after relocation, expected a stop in kernel_clone, got '%s'",
		      st.func ? st.func : "?");
		goto out;
	}
	if (session_frames(s, &f, &n) < 0)
		goto out;
	cli_run_target(im, k, &t);
	obs_relativize(f, n, t.roots);
	for (size_t i = 0; i < n; i++) {
		if (f[i].file && f[i].line)
			strvec_pushf(frames, "%s at %s:%d", f[i].func, f[i].file, f[i].line);
		else
			strvec_push(frames, f[i].func);
		/* session_frames() cuts the stack after the entry code. */
		entry = !strcmp(f[i].func, "entry_SYSCALL_64");
	}
	r = entry ? 0 : error("the backtrace at kernel_clone does not reach entry_SYSCALL_64");
out:
	obs_frames_free(f, n);
	session_stop_release(&st);
	strbuf_release(&why);
	return r;
}

static int cmd_lstar(int argc, char **argv)
{
	struct session_image img;
	struct session_info info;
	struct cli_args a;
	struct session s;
	struct lstar_result res;
	struct cli_images im;
	struct strbuf out = STRBUF_INIT;
	struct elf e = { 0 };
	int rc, ok = 0, started = 0;

	memset(&res, 0, sizeof(res));
	memset(&im, 0, sizeof(im));
	strvec_init(&res.clone_frames);
	rc = cli_parse(&cli_cmd_lstar, argc, argv, &a, NULL, NULL);
	if (rc)
		goto out;
	if (a.nrest) {
		rc = cli_usage_error("lstar", "unexpected argument '%s'", a.rest[0]);
		goto out;
	}
	rc = cli_resolve_images(&im, &a.boot, 1);
	if (rc)
		goto out;
	rc = KDIVE_EXIT_INFRA;
	const struct kernel *k = &im.kernels[0];
	if (elf_open(&e, k->vmlinux) < 0)
		goto out;
	cli_session_image(&im, k, &img);
	res.kaslr = a.boot.guest.kaslr;
	started = 1;
	/* At fork's main (under KASLR the slide is found there), then the next syscall. */
	struct strbuf why = STRBUF_INIT;
	if (session_open(&s, &img, &a.boot.guest, "fork", NULL, &why) < 0) {
		if (why.len)
			error("%s", why.buf);
		strbuf_release(&why);
		goto out_session;
	}
	strbuf_release(&why);
	session_describe(&s, &info);
	res.kvm = info.kvm;
	res.slide = info.slide;
	res.step_pc = info.lstar;
	res.restored = info.restored;
	res.slot = info.slot;
	if (stop_in_kernel(&s) < 0 || session_read_msr(&s, SESSION_MSR_LSTAR, &res.lstar) < 0)
		goto out_session;
	if (session_read_msr(&s, SESSION_MSR_STAR, &res.star) < 0 ||
	    session_read_msr(&s, SESSION_MSR_SYSCALL_MASK, &res.sfmask) < 0)
		goto out_session;
	res.read_ms = now_ms() - info.t0;
	if (res.kaslr && prove_relocation(&s, &im, k, &res.clone_frames) < 0)
		goto out_session;
	if (!elf_symbol_at(&e, res.lstar - res.slide, &res.symbol, &res.offset)) {
		error("MSR_LSTAR 0x%llx is in no symbol of '%s'", (unsigned long long)res.lstar,
		      k->vmlinux);
		goto out_session;
	}
	res.sym_addr = res.lstar - res.slide - res.offset;
	if (session_run_to_exit(&s) < 0)
		goto out_session;
	session_describe(&s, &info);
	if (info.program_status != 0) {
		error("the guest's fork program exited with status %d after the read",
		      info.program_status);
		goto out_session;
	}
	res.total_ms = now_ms() - info.t0;
	ok = 1;
	rc = KDIVE_EXIT_PASS;
out_session:
	if (!ok && started) {
		struct strbuf tail = STRBUF_INIT;
		session_console_tail(&s, &tail);
		fputs(tail.buf, stderr);
		strbuf_release(&tail);
	}
	if (started)
		session_end(&s, ok);
	if (ok) {
		if (cli_format_is(&a, "json"))
			json_report(&res, &out);
		else
			text_report(&res, &out);
		rc = cli_emit(&a, out.buf, out.len);
	}
out:
	elf_close(&e);
	cli_images_release(&im);
	strvec_clear(&res.clone_frames);
	strbuf_release(&out);
	return rc;
}

const struct cli_command cli_cmd_lstar = {
	.name = "lstar",
	.fn = cmd_lstar,
	.summary = "boot, read MSR_LSTAR and resolve it to a kernel symbol",
	.about =
	"The syscall instruction jumps to the address in MSR_LSTAR (0xc0000082), but neither\n"
	"gdb's registers nor QEMU's `info registers` show it. kdive boots the guest under\n"
	"gdb, stops in kernel mode, writes rdmsr over the current instruction, single-steps\n"
	"it, reads edx:eax, and restores the code and every register it touched (checked).\n"
	"It also reads MSR_STAR and MSR_SYSCALL_MASK and decodes them, resolves LSTAR to a\n"
	"symbol in vmlinux, then lets the guest run its fork program to the end: proof\n"
	"that it survived the read.\n",
	.opts = (const struct cli_opt[]){
		{ "kaslr", CLI_KEY_KASLR, 0, NULL,
		  "boot without nokaslr: the kernel lands at a random address.\n"
		  "At the program's main kdive injects a getpid syscall, which\n"
		  "enters the kernel at MSR_LSTAR, computes the slide (LSTAR minus\n"
		  "&entry_SYSCALL_64), relocates gdb's symbols (symbol-file -o),\n"
		  "puts the program back as it was, and proves the relocation\n"
		  "with a breakpoint and backtrace at kernel_clone. A random\n"
		  "slide each run: warm, one of 4 guests saved from boots of\n"
		  "their own, never the last run's (--no-snapshot: a new boot);\n"
		  "the report says which." },
		{ "format", CLI_KEY_FORMAT, 0, "FMT",
		  "text (default) or json: msr, value, symbol, offset,\n"
		  "vmlinux_address, kaslr_slide, restored, kaslr_slot, star,\n"
		  "syscall_mask, ..." },
		CLI_OPT_OUTPUT,
		CLI_OPT_KEEP,
		CLI_OPT_TIMEOUT,
		CLI_OPT_GDB_PORT,
		CLI_OPT_VERBOSE,
		CLI_OPT_END,
	},
	.shared = cli_guest_opts,
	.formats = "text,json",
	.tail = "Exit: 0 read and the guest finished, 3 boot/gdb/QEMU failure.\n",
};
