/*
 * xlate_cases.S — small i386 guest programs for tests/unit/check_xlate.c.
 * Assembled with `as --32` into a flat binary loaded at 0x10000.  The file
 * starts with a table of case offsets; each case ends in `hlt`, which the
 * translator turns into a callout, so the test gets control back.
 * Data lives at 0x80000 (RW page mapped by the test), stack top 0x90000.
 */
	.code32
	.text
base:
	.long case_alu - base, case_call - base, case_loop - base, case_mem - base
	.long case_stos - base, case_ijmp - base, case_fault - base, case_div - base
	.long case_smc - base, case_flags - base, case_pushf - base, case_tls - base
	.long case_movs - base, case_esp - base, case_pusha - base, case_enter - base
	.long case_x87 - base, case_sse - base, case_abs - base, case_xlat - base
	.long case_incdec - base, case_popmem - base, case_jecxz - base, case_smc_loop - base
	.long case_odd_returns - base, case_no_returns - base, case_smc_after_call - base
	.long case_smc_after_call_flags - base, case_flags_from_callee - base
	.long case_pops_fault - base, case_pushes_fault - base
	.long 0

case_alu:                       /* eax = 7 + 35, ebx = 42 << 2, flags from sub */
	mov $7, %eax
	mov $35, %ebx
	add %ebx, %eax
	mov %eax, %ebx
	shl $2, %ebx
	mov $5, %ecx
	sub $5, %ecx            /* ZF=1 */
	hlt

case_call:                      /* eax = 5 doubled twice by nested calls */
	mov $5, %eax
	call 1f
	call 1f
	hlt
1:	call 2f
	ret
2:	add %eax, %eax
	ret

case_loop:                      /* eax = 1 + ... + 10 */
	mov $10, %ecx
	xor %eax, %eax
1:	add %ecx, %eax
	loop 1b
	hlt

case_mem:                       /* memory round trip with base+index*scale */
	mov $0x80000, %ebx
	mov $3, %esi
	movl $0x12345678, 8(%ebx,%esi,4)
	mov 0x80014, %eax
	addl $1, (%ebx,%esi,4)
	hlt

case_stos:                      /* 16 dwords of 0x41414141 at 0x80100 */
	cld
	mov $0x80100, %edi
	mov $16, %ecx
	mov $0x41414141, %eax
	rep stosl
	hlt

case_ijmp:                      /* jump through a register and a table */
	mov $1f, %eax
	jmp *%eax
	mov $99, %ebx
1:	movl $2f, 0x80200
	jmp *0x80200
	mov $98, %ebx
2:	mov $77, %ebx
	hlt

case_fault:                     /* load from an unmapped address */
	mov $11, %eax
	mov 0x12345678, %eax
	mov $22, %eax
	hlt

case_div:                       /* divide by zero */
	mov $100, %eax
	xor %edx, %edx
	xor %ecx, %ecx
	div %ecx
	hlt

case_smc:                       /* patch the immediate of the next instruction */
	movl $42, 1f + 1
1:	mov $0, %eax
	hlt

case_flags:                     /* carry and overflow survive block ends */
	mov $0xffffffff, %eax
	add $1, %eax            /* CF=1 ZF=1 */
	jmp 1f
1:	mov $0, %ebx
	adc $0, %ebx            /* ebx = 1 */
	mov $0x7fffffff, %ecx
	inc %ecx                /* OF=1, CF kept */
	jmp 2f
2:	seto %dl
	setc %dh
	hlt

case_pushf:                     /* pushfd/popfd carry flags through memory */
	stc
	pushf
	pop %eax
	and $0xfffffffe, %eax
	push %eax
	popf                    /* CF=0 now */
	setc %bl
	std
	pushf
	pop %ecx
	cld
	hlt

case_tls:                       /* %gs: base set by the test to 0x80000 */
	movl $0xabcdef, %gs:0x300
	mov %gs:0x300, %eax
	mov 0x80300, %ebx
	hlt

case_movs:                      /* copy 10 bytes backwards then forwards */
	mov $0x80400, %esi
	mov $0x80500, %edi
	mov $10, %ecx
	cld
	rep movsb
	mov $0x80409, %esi
	mov $0x80609, %edi
	mov $10, %ecx
	std
	rep movsb
	cld
	hlt

case_esp:                       /* esp as an operand and a base */
	mov %esp, %ebp
	sub $16, %esp
	movl $5, 4(%esp)
	mov 4(%esp), %eax
	lea 8(%esp), %ebx
	mov %ebp, %esp
	hlt

case_pusha:
	mov $1, %eax
	mov $2, %ecx
	mov $3, %edx
	mov $4, %ebx
	mov $6, %ebp
	mov $7, %esi
	mov $8, %edi
	pusha
	xor %eax, %eax
	xor %ecx, %ecx
	xor %edi, %edi
	mov 12(%esp), %edx      /* saved esp */
	popa
	hlt

case_enter:
	mov $0x1111, %ebp
	enter $8, $0
	movl $3, -4(%ebp)
	mov -4(%ebp), %eax
	leave
	hlt

case_x87:                       /* 1.5 * 4 = 6 through the x87 stack */
	movl $0x3fc00000, 0x80700
	movl $4, 0x80704
	flds 0x80700
	fimull 0x80704
	fistpl 0x80708
	mov 0x80708, %eax
	hlt

case_sse:                       /* 2.0 + 3.0 with SSE scalars */
	movl $0x40000000, 0x80710
	movl $0x40400000, 0x80714
	movss 0x80710, %xmm0
	addss 0x80714, %xmm0
	cvttss2si %xmm0, %eax
	hlt

case_abs:                       /* absolute addressing (no base): not rip-relative */
	movl $0x55, 0x80800
	mov 0x80800, %eax
	hlt

case_xlat:
	movl $0x13121110, 0x80900
	movl $0x17161514, 0x80904
	mov $0x80900, %ebx
	mov $6, %eax
	xlat
	hlt

case_incdec:                    /* one-byte inc/dec (REX prefixes in 64-bit mode) */
	mov $10, %eax
	.byte 0x40              /* inc eax */
	.byte 0x40
	.byte 0x4b              /* dec ebx */
	hlt

case_popmem:                    /* pop to memory addressed through esp */
	push $0x77
	push $0x66
	pop 4(%esp)             /* address computed after the pop */
	pop %eax
	hlt

case_jecxz:
	xor %ecx, %ecx
	mov $1, %eax
	jecxz 1f
	mov $2, %eax
1:	hlt

case_smc_loop:                  /* a tiny JIT: write code, run it, rewrite it */
	mov $0x80a00, %edi
	movl $0xc3000000 + 0x00, %eax
	movb $0xb8, 0x80a00     /* mov eax, imm32 */
	movl $1, 0x80a01
	movb $0xc3, 0x80a05     /* ret */
	call *%edi
	mov %eax, %ebx
	movl $2, 0x80a01
	call *%edi
	hlt

case_odd_returns:               /* returns the return stack cannot predict */
	xor %eax, %eax
	push $1f                /* ret as a jump */
	ret
	mov $99, %eax
1:	call 2f                 /* the callee skips the mov after the call */
	mov $98, %eax
	add $1, %eax            /* eax = 1 */
	call 4f                 /* a PIC thunk: ebx = its return address */
8:	mov $8b, %ecx
	call 5f                 /* call $+5; pop: the get-pc idiom */
5:	pop %edx
	mov $5b, %ebp
	mov %esp, %esi          /* longjmp: recurse 40 deep, unwind at once */
	mov $40, %edi
	call 6f
	add $100, %eax          /* eax = 101 */
	hlt
2:	addl $5, (%esp)         /* over "mov $98, %eax" (5 bytes) */
	ret
4:	mov (%esp), %ebx
	ret
6:	dec %edi
	jz 7f
	call 6b
	mov $97, %eax           /* never: the unwind skips every frame */
7:	mov %esi, %esp
	sub $4, %esp
	ret

case_no_returns:                /* 300000 calls that never return */
	mov $300000, %ecx
1:	call 2f
	hlt                     /* never */
2:	add $4, %esp
	loop 1b
	mov $3, %eax            /* and calls still return after that */
	call 3f
	hlt
3:	add %eax, %eax
	ret

case_smc_after_call:            /* the callee rewrites the code it returns to */
	xor %eax, %eax
	call 1f
2:	mov $1, %eax            /* its immediate goes up by one per run */
	hlt
1:	incl 2b+1
	ret

case_smc_after_call_flags:      /* the same, where the next instruction sets the flags */
	xor %eax, %eax
	call 1f
2:	add $1, %eax            /* 83 c0 01: its immediate goes up by one per run */
	hlt
1:	incb 2b+2
	ret

case_flags_from_callee:         /* a callee that returns its result in CF and ZF */
	xor %eax, %eax
	call 1f
	jnc 3f                  /* CF must be 1 */
	jz 3f                   /* ZF must be 0 */
	jmp 2f
3:	mov $7, %eax
2:	hlt
1:	mov $2, %ecx
	dec %ecx                /* ZF = 0 */
	stc                     /* CF = 1 */
	ret

case_pops_fault:                /* pops that run into the unmapped page at 0x90000 */
	movl $0x11, 0x8fff8
	movl $0x22, 0x8fffc
	mov $0x8fff8, %esp
	xor %eax, %eax
	xor %ebx, %ebx
	pop %eax
	pop %ebx
	pop %ecx                /* faults with esp = 0x90000, eax and ebx popped */
	hlt

case_pushes_fault:              /* pushes that run into the unmapped page below 0x80000 */
	mov $0x80008, %esp
	push $1
	push $2
	push $3                 /* faults with esp = 0x80000 */
	hlt
