/*
 * obs: freeing observations and making their paths relative. Depends on util.
 */
#include "obs.h"

#include <stdlib.h>
#include <string.h>

void obs_frames_free(struct obs_frame *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(f[i].func);
		free(f[i].file);
	}
	free(f);
}

void obs_run_release(struct obs_run *r)
{
	free(r->kernel_version);
	free(r->lstar_symbol);
	free(r->error);
	for (size_t i = 0; i < r->nstops; i++) {
		struct obs_stop *st = &r->stops[i];
		obs_frames_free(st->frames, st->nframes);
		obs_frames_free(st->user, st->nuser);
		for (size_t j = 0; j < st->nvalues; j++) {
			free(st->values[j].name);
			free(st->values[j].error);
		}
		free(st->values);
		free(st->error);
	}
	free(r->stops);
	memset(r, 0, sizeof(*r));
}

char *obs_relative_path(const char *file, const char *const *roots)
{
	if (!file || !*file)
		return NULL;
	for (size_t i = 0; roots && roots[i]; i++) {
		size_t n = strlen(roots[i]);
		if (n && !strncmp(file, roots[i], n) && file[n] == '/')
			return xstrdup(file + n + 1);
	}
	if (!strncmp(file, "./", 2))
		return xstrdup(file + 2);
	return xstrdup(file);
}

void obs_relativize(struct obs_frame *f, size_t n, const char *const *roots)
{
	for (size_t i = 0; i < n; i++) {
		char *rel = obs_relative_path(f[i].file, roots);
		free(f[i].file);
		f[i].file = rel;
	}
}
