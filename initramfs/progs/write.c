/* write: one write(2) to the console: rax = 1, rdi = 1, rsi = the buffer, rdx = 17. */
#include <unistd.h>

int main(void)
{
	static const char msg[] = "hello from kdive\n";
	return write(1, msg, sizeof(msg) - 1) == sizeof(msg) - 1 ? 0 : 1;
}
