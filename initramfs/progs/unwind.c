/*
 * unwind: main calls two helpers of its own, and the second makes the system call,
 * so the user-space stack behind it has real frames between main and libc:
 * getppid <- leaf <- middle <- main. Built -O0 like every guest program, so each
 * helper keeps its frame (rbp) and its call; noinline says so to any other build.
 * scenarios/unwind.scn checks those frames, in order, from the kernel's pt_regs.
 */
#include <unistd.h>

__attribute__((noinline)) static int leaf(int depth)
{
	return getppid() > 0 ? depth : -1;
}

__attribute__((noinline)) static int middle(int depth)
{
	return leaf(depth + 1) + 1;
}

int main(void)
{
	return middle(1) == 3 ? 0 : 1;
}
