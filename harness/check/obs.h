/*
 * obs: what a run observed — the frames, values and times captured at each stop of a
 * scenario — and the small operations on it: freeing, and making the source paths gdb
 * reports relative to the kernel tree (or the guest programs' directory), so that
 * reports and recorded scenarios compare across machines; and its encoding, to carry a
 * run from a worker process. Filled by run (and tours), read by match, record and
 * report. Pure. Depends on strbuf, wrapper and json.
 */
#ifndef KDIVE_OBS_H
#define KDIVE_OBS_H

#include "strbuf.h"
#include <stdint.h>

struct json;

/* One captured frame. */
struct obs_frame {
	char *func;         /* function, or "??"; owned */
	char *file;         /* source file as gdb reports it (fullname when known), or NULL; owned */
	int line;           /* source line, 0 when unknown */
	int inlined;        /* 1 for an inlined frame */
	uint64_t addr;      /* pc */
};

/* A value captured at a stop for a check. */
struct obs_value {
	char *name;         /* as in the check: "orig_ax", "$rax", "ret"; owned */
	int64_t value;      /* what it was */
	int ok;             /* 0 when it could not be read (then error says why) */
	char *error;        /* owned, may be NULL */
};

/* One stop as it happened. */
struct obs_stop {
	int hit;            /* 0 when the stop was never reached */
	struct obs_frame *frames;  /* kernel frames (or user frames at a user stop), innermost first */
	size_t nframes;
	struct obs_frame *user;    /* user frames of the syscall at a kernel stop */
	size_t nuser;
	struct obs_value *values;  /* one per check name */
	size_t nvalues;
	int64_t ms;         /* time from boot start to this stop */
	char *error;        /* why it failed to capture, or NULL; owned */
};

/* The kernel a run used, as reports name it. Nothing owned. */
struct obs_kernel {
	const char *name;     /* as named: "6.12", a path */
	const char *version;  /* its release: "6.12.117" */
	const char *source;   /* "linux-source-6.12", a source path, or "prebuilt" */
	const char *key;      /* kdive's config key of a built kernel, or NULL */
	const char *source_id; /* the source (or prebuilt image) by content: "tarball sha256
				  HEX", "git COMMIT", "image sha256 HEX" (kernel_id.h); NULL:
				  unknown, then reports fall back on source and version */
	const char *commit;   /* the source's git commit, or NULL */
	const char *package;  /* the Debian package of its tarball, or NULL */
	const char *package_version; /* that package's version, or NULL */
	const char *build_error; /* the kernel did not build: the build's error, its log's
				    last lines and "full log: PATH" (an error buffer's text);
				    NULL when it built. Then version is NULL and every
				    scenario on it is an error result */
};

/* Bytes of a program's output kept (obs_output_set()). */
#define OBS_OUTPUT_MAX 65536

/* A whole run of one scenario. */
struct obs_run {
	char *kernel_version; /* "6.12.117"; owned */
	char *lstar_symbol;   /* what MSR_LSTAR resolved to, or NULL; owned */
	uint64_t lstar_value; /* MSR_LSTAR */
	struct obs_stop *stops; /* one per scenario stop, same order */
	size_t nstops;
	char *error;          /* infrastructure failure, or NULL; owned */
	int kaslr;            /* booted with KASLR */
	uint64_t kaslr_slide; /* the slide found (0 with nokaslr) */
	int restored;         /* the guest was restored from a warm snapshot, not booted */
	int kaslr_slot;       /* KASLR: the warm pool slot it was restored from or saved as;
				 -1: none */
	int cpus;             /* guest CPUs */
	int64_t boot_ms;      /* boot to the guest program's end */
	int64_t total_ms;     /* the whole scenario */
	int program_status;   /* the program's exit status (0-255; 128+N killed by signal N),
				 -1: unknown (it never ended) */
	char *program_output; /* what it printed on its console (\r\n made \n), at most
				 OBS_OUTPUT_MAX bytes kept; owned, may be NULL */
	int output_truncated; /* 1: program_output lost bytes (the first OBS_OUTPUT_MAX/2 and
				 the last OBS_OUTPUT_MAX/2 are kept, with a line
				 "[... N bytes left out ...]" between) */
};

/*
 * Set r->program_output from text[0..len) (any bytes; a NUL becomes '?'): "\r\n" made
 * "\n", then, when more than OBS_OUTPUT_MAX bytes remain, the first and the last
 * OBS_OUTPUT_MAX/2 kept with the line "[... N bytes left out ...]" between them and
 * r->output_truncated set. Replaces (and frees) what r held.
 */
void obs_output_set(struct obs_run *r, const char *text, size_t len);

/* Free everything r owns (its stops, frames, values, strings) and zero it (then
 * program_status is -1: unknown). */
void obs_run_release(struct obs_run *r);
/* Free n frames and the array. */
void obs_frames_free(struct obs_frame *f, size_t n);
/* A copy of f[0..n) (NULL when n is 0); the caller frees it with obs_frames_free(). */
struct obs_frame *obs_frames_dup(const struct obs_frame *f, size_t n);

/*
 * Write f[0..n) with the JSON writer as the array key (key NULL: an element): each
 * frame {"func", "file", "line", "inlined", "addr"}, file and line null when gdb did
 * not know them, addr a "0x..." string. The one way kdive writes a frame: reports,
 * kdive serve's frames and the tours' steps call it.
 */
void obs_frames_write(struct json *j, const char *key, const struct obs_frame *f, size_t n);

/*
 * The path kept for an observed file name (new string, NULL for NULL or ""): file
 * less the first of roots (a NULL-terminated list; NULL or "" entries are skipped)
 * that is a leading directory of it, and less a leading "./". "kernel/fork.c",
 * "arch/x86/include/generated/asm/syscalls_64.h", "fork.c".
 */
char *obs_relative_path(const char *file, const char *const *roots);
/* Make every frame's file relative in place (obs_relative_path). */
void obs_relativize(struct obs_frame *f, size_t n, const char *const *roots);

/*
 * A run as bytes and back, for a run made in another process (kdive run -j): every
 * field, strings with their lengths (any byte, NULL kept apart from ""). Decoding
 * takes only what encoding makes: 0 with *r filled (release it), or -1 with *r
 * zeroed when data is malformed or cut short.
 */
void obs_run_encode(const struct obs_run *r, struct strbuf *out);
int obs_run_decode(const char *data, size_t len, struct obs_run *r);

#endif
