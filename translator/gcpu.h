/*
 * gcpu.h — the guest CPU state as the monitor sees it between runs of
 * translated code.
 *
 * Owns: the layout of the architectural guest state that C code reads and
 * writes: general registers, eip, eflags, segment selectors and bases, the
 * x87/SSE state image.  While translated code runs, the general registers
 * live in host registers (guest eax..edi in host eax..edi, except esp in
 * r12d), the arithmetic flags and DF in the host RFLAGS and the x87/SSE state
 * in the host FPU; on every exit to C they are stored here, and loaded from
 * here on entry.  Translator-private state follows in struct tstate
 * (translator/tstate.h), which embeds this struct first.
 */
#ifndef RINGVM_TRANSLATOR_GCPU_H
#define RINGVM_TRANSLATOR_GCPU_H

#include <stdint.h>

enum gcpu_reg { GR_EAX, GR_ECX, GR_EDX, GR_EBX, GR_ESP, GR_EBP, GR_ESI, GR_EDI, GR_COUNT };
enum gcpu_seg { GS_ES, GS_CS, GS_SS, GS_DS, GS_FS, GS_GS, GS_COUNT };

/* EFLAGS bits */
#define GF_CF 0x0001u
#define GF_PF 0x0004u
#define GF_AF 0x0010u
#define GF_ZF 0x0040u
#define GF_SF 0x0080u
#define GF_TF 0x0100u
#define GF_IF 0x0200u
#define GF_DF 0x0400u
#define GF_OF 0x0800u
#define GF_AC 0x40000u
#define GF_ID 0x200000u
#define GF_ARITH (GF_CF | GF_PF | GF_AF | GF_ZF | GF_SF | GF_OF)

#define GCPU_FX_CACHED 1u

struct gcpu {
	uint32_t regs[GR_COUNT];
	uint32_t eip;
	uint32_t eflags;
	uint32_t seg_base[GS_COUNT];
	uint16_t seg[GS_COUNT];
	/* GCPU_FX_CACHED: the x87 registers (FCW..st7, bytes 0-23 and 32-159
	 * of fx) are still live in the host FPU and the image's copy is stale;
	 * call tr_fx_sync() before reading or writing fx.  0: fx is the whole
	 * state and the next entry loads all of it. */
	uint32_t fx_state;
	/* x87/MMX/SSE state in FXSAVE format (legacy area, 512 bytes) */
	uint8_t fx[512] __attribute__((aligned(16)));
};

#endif
