/*
 * runtime.S — the seams between C and translated code.
 *
 * Owns: tr_enter (C -> translated code: load the guest state from struct
 * tstate into host registers), tr_exit (translated code -> C: store it
 * back), and tr_lookup, the jump-table lookup that indirect branches and
 * unpredicted returns fall back to (each site first tries inline, see
 * xlate_flow.c).  tr_lookup never changes the host flags, which hold the
 * guest's: comparisons are done with lea/not and jrcxz.
 *
 * Translated code runs on the thread's return stack (tstate.xsp): a guest
 * call pushes the host address of its landing pad there with a host call,
 * and a guest ret is a host ret, so the CPU's own return predictor works.
 *
 * Register convention inside translated code:
 *   eax ecx edx ebx ebp esi edi  guest registers of the same name
 *   r12d                         guest esp
 *   r15                          struct tstate *
 *   rsp                          the return stack (landing pads only)
 *   r8-r11, r13, r14             scratch, dead between guest instructions
 *   gs base                      the guest window (host address of guest 0)
 *   RFLAGS                       guest arithmetic flags and DF
 *   x87/SSE                      guest state
 */
#include "translator/tstate_asm.h"

	.intel_syntax noprefix
	.text

/* uint32_t tr_enter(struct tstate *ts, const void *pc) */
	.globl tr_enter
	.type tr_enter, @function
tr_enter:
	push rbx
	push rbp
	push r12
	push r13
	push r14
	push r15
	sub rsp, 8
	mov [rdi + TS_HOST_RSP], rsp
	mov r15, rdi
	mov r11, rsi
	mov rsp, [r15 + TS_XSP]                /* the return stack */
	test dword ptr [r15 + TS_FX_STATE], 1  /* GCPU_FX_CACHED */
	jnz 1f
	fxrstor [r15 + TS_FX]                  /* the whole image */
	jmp 2f
1:	movaps xmm0, [r15 + TS_FX + 160]       /* x87 is still in the FPU */
	movaps xmm1, [r15 + TS_FX + 176]
	movaps xmm2, [r15 + TS_FX + 192]
	movaps xmm3, [r15 + TS_FX + 208]
	movaps xmm4, [r15 + TS_FX + 224]
	movaps xmm5, [r15 + TS_FX + 240]
	movaps xmm6, [r15 + TS_FX + 256]
	movaps xmm7, [r15 + TS_FX + 272]
	cmp dword ptr [r15 + TS_FX + 24], 0x1f80 /* C's: then it is loaded */
	je 2f
	ldmxcsr [r15 + TS_FX + 24]
2:
	mov eax, [r15 + TS_EFLAGS]
	and eax, 0x00240cd5          /* CF PF AF ZF SF DF OF AC ID; never TF */
	or eax, 0x202
	push rax
	popfq
	mov eax, [r15 + TS_REGS + 0]
	mov ecx, [r15 + TS_REGS + 4]
	mov edx, [r15 + TS_REGS + 8]
	mov ebx, [r15 + TS_REGS + 12]
	mov r12d, [r15 + TS_REGS + 16]
	mov ebp, [r15 + TS_REGS + 20]
	mov esi, [r15 + TS_REGS + 24]
	mov edi, [r15 + TS_REGS + 28]
	mov dword ptr [r15 + TS_EXIT_REASON], 0
	jmp r11
	.size tr_enter, . - tr_enter

/* Translated code jumps here with exit_reason/exit_eip(/exit_link) set. */
	.globl tr_exit
	.type tr_exit, @function
tr_exit:
	mov [r15 + TS_XSP], rsp
	pushfq
	pop r11
	mov [r15 + TS_EFLAGS], r11d
	test r11d, 0x40400            /* C wants DF=0 and AC=0 */
	jz 1f
	push 0x202
	popfq
1:
	mov [r15 + TS_REGS + 0], eax
	mov [r15 + TS_REGS + 4], ecx
	mov [r15 + TS_REGS + 8], edx
	mov [r15 + TS_REGS + 12], ebx
	mov [r15 + TS_REGS + 16], r12d
	mov [r15 + TS_REGS + 20], ebp
	mov [r15 + TS_REGS + 24], esi
	mov [r15 + TS_REGS + 28], edi
	/* C clobbers xmm and wants the default MXCSR; it leaves the x87
	 * registers alone, so they stay in the FPU (GCPU_FX_CACHED) */
	movaps [r15 + TS_FX + 160], xmm0
	movaps [r15 + TS_FX + 176], xmm1
	movaps [r15 + TS_FX + 192], xmm2
	movaps [r15 + TS_FX + 208], xmm3
	movaps [r15 + TS_FX + 224], xmm4
	movaps [r15 + TS_FX + 240], xmm5
	movaps [r15 + TS_FX + 256], xmm6
	movaps [r15 + TS_FX + 272], xmm7
	stmxcsr [r15 + TS_FX + 24]
	cmp dword ptr [r15 + TS_FX + 24], 0x1f80 /* flags are saved above */
	je 3f
	ldmxcsr [rip + mxcsr_default]
3:
	mov dword ptr [r15 + TS_FX_STATE], 1
	mov eax, [r15 + TS_EXIT_REASON]
	mov rsp, [r15 + TS_HOST_RSP]
	add rsp, 8
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbp
	pop rbx
	ret
	.size tr_exit, . - tr_exit

/* Indirect branch to guest r11d: jump table hit -> translated code. */
	.globl tr_lookup
	.type tr_lookup, @function
tr_lookup:
	mov [r15 + TS_SPILL], rcx
	mov ecx, [r15 + TS_PENDING]
	jrcxz 1f
	mov rcx, [r15 + TS_SPILL]
	mov dword ptr [r15 + TS_EXIT_REASON], EXIT_PENDING
	mov [r15 + TS_EXIT_EIP], r11d
	jmp tr_exit
1:	movzx r10d, r11w
	lea r10, [r10 + r10]
	mov r9, [r15 + TS_JTBL]
	mov ecx, [r9 + r10 * 8]
	lea ecx, [rcx + r11]          /* entry.key + target: 0 on a hit */
	jrcxz 2f
	mov rcx, [r15 + TS_SPILL]
	.globl tr_lookup_miss
tr_lookup_miss:
	mov dword ptr [r15 + TS_EXIT_REASON], EXIT_LOOKUP
	mov [r15 + TS_EXIT_EIP], r11d
	jmp tr_exit
2:	mov rcx, [r15 + TS_SPILL]
	jmp [r9 + r10 * 8 + 8]
	.size tr_lookup, . - tr_lookup

/* A guest ret popped the return stack's sentinel: the stack was empty.
 * Put the sentinel back and look up guest r11d. */
	.globl tr_ret_empty
	.type tr_ret_empty, @function
tr_ret_empty:
	mov rsp, [r15 + TS_XSP_EMPTY]
	jmp tr_lookup
	.size tr_ret_empty, . - tr_ret_empty

	.section .rodata
	.align 4
mxcsr_default:
	.long 0x1f80

	.section .note.GNU-stack, "", @progbits
