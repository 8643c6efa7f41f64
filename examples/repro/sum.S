/* unsigned long sum_bytes(const unsigned char *p, unsigned long n): the bytes' sum. */
	.text
	.globl	sum_bytes
	.type	sum_bytes, @function
sum_bytes:
	xorl	%eax, %eax
	testq	%rsi, %rsi
	jz	2f
1:	movzbl	(%rdi), %ecx
	addq	%rcx, %rax
	incq	%rdi
	decq	%rsi
	jnz	1b
2:	ret
	.size	sum_bytes, .-sum_bytes
	.section .note.GNU-stack,"",@progbits
