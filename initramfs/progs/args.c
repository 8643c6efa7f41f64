/*
 * args: prints each of its arguments on the console as "kdive-arg N: HEX" (every byte
 * as two hex digits), so that a test can see that the bytes a scenario's `program`
 * line gives reach the program unchanged, then calls uname(), a stop to take.
 */
#include <stdio.h>
#include <sys/utsname.h>

int main(int argc, char **argv)
{
	struct utsname u;
	for (int i = 1; i < argc; i++) {
		printf("kdive-arg %d: ", i);
		for (const unsigned char *p = (const unsigned char *)argv[i]; *p; p++)
			printf("%02x", *p);
		printf("\n");
	}
	fflush(stdout);
	return uname(&u) == 0 ? 0 : 1;
}
