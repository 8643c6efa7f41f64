/* exit_group: _exit(3) is exit_group(2) with rdi = 3 (rax = 231); it never returns. */
#include <unistd.h>

int main(void)
{
	_exit(3);
}
