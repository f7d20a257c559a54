/* fakeld.S — a stand-in ELF interpreter (static PIE, no libc): prints a
 * marker and exits 42.  tests/user/dynamic.sh installs it as lib/ld-linux.so.2
 * of a scratch sysroot to check that PT_INTERP is looked up under -L. */
	.text
	.globl	_start
_start:
	call	1f
1:	popl	%ecx
	addl	$(msg - 1b), %ecx
	movl	$4, %eax		/* write(1, msg, len) */
	movl	$1, %ebx
	movl	$(msg_end - msg), %edx
	int	$0x80
	movl	$1, %eax		/* exit(42) */
	movl	$42, %ebx
	int	$0x80
msg:	.ascii	"ringvm-test: fake interpreter\n"
msg_end:
	.section .note.GNU-stack, "", @progbits
