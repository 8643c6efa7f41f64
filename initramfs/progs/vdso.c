/*
 * vdso: two calls that look alike. clock_gettime(CLOCK_MONOTONIC_COARSE) is answered
 * in user space by the vDSO, code the kernel maps into every process (static glibc
 * finds it through the auxiliary vector's AT_SYSINFO_EHDR): no syscall instruction
 * runs. getpid() has no vDSO version and enters the kernel. The coarse clock is the
 * one the vDSO serves on any clocksource; the precise ones fall back to the syscall
 * when the clocksource cannot be read from user space (jiffies, under TCG).
 */
#include <time.h>
#include <unistd.h>

int main(void)
{
	struct timespec ts;
	int bad = clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) != 0;
	bad |= getpid() <= 0;
	return bad;
}
