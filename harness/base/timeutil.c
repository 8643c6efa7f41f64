/*
 * timeutil: the monotonic clock, sleeping, durations (timeutil.h). Depends on strbuf.
 */
#include "timeutil.h"
#include "strbuf.h"

#include <errno.h>
#include <time.h>

int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void format_duration(struct strbuf *sb, int64_t ms)
{
	if (ms < 1000)
		strbuf_addf(sb, "%dms", (int)ms);
	else if (ms < 60000)
		strbuf_addf(sb, "%.1fs", (double)ms / 1000.0);
	else
		strbuf_addf(sb, "%dm%02ds", (int)(ms / 60000), (int)(ms / 1000 % 60));
}
