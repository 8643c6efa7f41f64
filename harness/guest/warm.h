/*
 * warm: saved guests (warm snapshots). The first boot of a configuration saves the
 * guest where init waits for the line that names its program (qemu_save); later
 * runs restore it in a fraction of a boot (qemu_opts.incoming), and the run line
 * tells it which program to run, so one snapshot serves every scenario.
 *
 * Cache layout: DIR/KEY16/{state, key, boot.log, facts, MANIFEST, done}. KEY is the
 * sha256 of the key text: the version of kdive's protocol with init, the identities
 * (real path, size, mtime) of QEMU, the kernel image, its vmlinux and the initramfs,
 * and the guest's
 * whole QEMU command line with the run directory and the gdbstub's address masked
 * (machine, accelerator, memory, CPUs, kernel command line, devices). A missing,
 * damaged (MANIFEST), foreign (key text) or unloadable entry means a boot and a new
 * snapshot, with one line saying why. A restore that fails for any other reason (QEMU
 * did not start, died, or was too slow) keeps the entry: one line, and a boot.
 * The WARM_KEEP configurations used last are kept.
 *
 * A KASLR guest's slide is drawn at boot, so one snapshot would give every run the
 * same slide: a KASLR configuration has a pool of WARM_SLOTS entries instead,
 * DIR/KEY16-kN (N = 0..WARM_SLOTS-1), each saved from a boot of its own. A run takes
 * a random slot other than the one used last (two runs in a row see two slides);
 * an empty slot means a boot, saved into it.
 * facts holds what the saving session learnt of the kernel that a restored one need
 * not ask gdb again (that struct pt_regs is x86-64's).
 * Depends on qemu, manifest.
 */
#ifndef KDIVE_WARM_H
#define KDIVE_WARM_H

#include "qemu.h"
#include "strbuf.h"

#include <sys/types.h>

#define WARM_KEEP 8  /* configurations kept in the cache (about 35 MiB a snapshot) */
#define WARM_SLOTS 4 /* snapshots in a KASLR configuration's pool, one slide each
			(the --kaslr help says how many) */

/* A KASLR slide is a multiple of 2 MiB: the kernel is placed at that granularity. */
#define KASLR_SLIDE_ALIGN 0x200000ull

struct warm {
	char *dir;            /* the entry, DIR/KEY16 (DIR/KEY16-kN: KASLR pool slot N); owned */
	int slot;             /* KASLR: the pool slot (restored, or to be saved); else -1 */
	char *state;          /* the saved guest, dir/state; owned */
	char *key_text;       /* what the key covers; owned */
	int usable;           /* 1: the entry exists and is intact: restore it */
	int ptregs_checked;   /* usable, and struct pt_regs was checked when it was saved */
	pid_t publisher;      /* the worker recording and publishing a saved guest, or 0 */
	char *tmp;            /* where it does so; owned */
	int slide_known;      /* usable KASLR slot whose slide a run found before (dir/slide) */
	uint64_t slide;       /* that slide, or the one warm_note_slide() was told */
	int slide_new;        /* warm_release() writes slide into dir/slide */
};

/*
 * The entry for the guest that q (prepared by qemu_prepare, not started) boots in
 * rundir, in the snapshot directory snapdir: w->usable says whether it can be
 * restored. kaslr: q boots with a random slide; the entry is a random slot of its
 * pool (w->slot). A damaged or foreign entry is removed, with one line saying so.
 * 0, or -1 when snapshots cannot be used (why says; the caller just boots).
 */
int warm_find(struct warm *w, const char *snapdir, const struct qemu *q, const char *vmlinux,
	      const char *rundir, int kaslr, struct strbuf *why);
/*
 * Start a restored guest's console log (path) with the boot the snapshot was saved
 * from, and a line saying where the restore begins. 0, or -1 reported.
 */
int warm_console(const struct warm *w, const char *path);
/* QEMU could not load the entry's stream (why: QEMU's words): say so, remove it. */
void warm_discard(struct warm *w, const char *why);
/* The entry could not be restored for another reason (why): say so, keep it. */
void warm_skip(struct warm *w, const char *why);
/*
 * Save the guest q, which init holds waiting for its program, as w's entry (boot
 * log: q's console log), with ptregs_checked among its facts. The guest stays stopped
 * (qemu_resume()). QEMU writes the state here; a worker (proc_fork_worker) records
 * and publishes the entry meanwhile. 0, or -1 reported.
 */
int warm_save(struct warm *w, struct qemu *q, int ptregs_checked, int64_t deadline_ms);
/*
 * The KASLR slide a run found in the guest of w's slot (restored from it, or booted
 * and saved as it): kept beside the snapshot by warm_release(), so that later runs
 * load gdb's symbols relocated at once (w->slide_known) and only check it.
 */
void warm_note_slide(struct warm *w, uint64_t slide);
/* Wait for the publishing worker, remove what it left, keep a noted slide, free. */
void warm_release(struct warm *w);

#endif
