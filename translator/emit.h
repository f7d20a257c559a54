/*
 * emit.h — writing host x86-64 code into the translation cache.
 *
 * Owns: the cursor into the block being written, raw byte emission, the few
 * fixed instruction shapes the translator emits itself (exit stubs, jumps,
 * moves to and from struct tstate), and re-encoding of decoded guest
 * instructions with Zydis' encoder in 64-bit mode.  An emitter never writes
 * past its limit: it records overflow and the translator retries after a
 * flush.
 */
#ifndef RINGVM_TRANSLATOR_EMIT_H
#define RINGVM_TRANSLATOR_EMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <Zydis/Zydis.h>

struct emit {
	uint8_t *start, *p, *limit;
	bool overflow;
};

void emit_bytes(struct emit *e, const void *b, unsigned n);
void emit_u8(struct emit *e, uint8_t v);
void emit_u32(struct emit *e, uint32_t v);

/* Host registers by x86 number. */
enum hreg { H_RAX, H_RCX, H_RDX, H_RBX, H_RSP, H_RBP, H_RSI, H_RDI,
	    H_R8, H_R9, H_R10, H_R11, H_R12, H_R13, H_R14, H_R15 };

/* jmp/jcc/call rel32 to TARGET; returns the address of the rel32 field. */
uint8_t *emit_jmp(struct emit *e, const void *target);
uint8_t *emit_jcc(struct emit *e, unsigned cc, const void *target);
uint8_t *emit_call(struct emit *e, const void *target);
/* Points an emitted rel32 at TARGET (chaining and unchaining). */
void emit_patch_rel32(uint8_t *rel, const void *target);

/* mov dword [r15 + off], imm32 */
void emit_store_ts_imm(struct emit *e, int32_t off, uint32_t imm);
/* mov dword [r15 + off], r32 / mov r32, dword [r15 + off] */
void emit_store_ts_reg(struct emit *e, int32_t off, enum hreg r);
/* mov qword [r15 + off], r64 */
void emit_store_ts_reg64(struct emit *e, int32_t off, enum hreg r);
void emit_load_ts_reg(struct emit *e, enum hreg r, int32_t off);
/* mov r64, qword [r15 + off] */
void emit_load_ts_reg64(struct emit *e, enum hreg r, int32_t off);
/* movzx r32, word [r15 + off] */
void emit_load_ts_u16(struct emit *e, enum hreg r, int32_t off);
/* mov r32, imm32 */
void emit_mov_imm(struct emit *e, enum hreg r, uint32_t imm);
/* mov r32d, r32s (32-bit, zero-extending) */
void emit_mov_reg(struct emit *e, enum hreg d, enum hreg s);
/* lea r32d, [r64b + disp] (32-bit result: wraps like the guest) */
void emit_lea_disp(struct emit *e, enum hreg d, enum hreg b, int32_t disp);
/* lea r64d, [rip + disp to TARGET] */
void emit_lea_rip(struct emit *e, enum hreg d, const void *target);

/* OPCODE (one byte, or 0x0f and one) with a memory operand of 32-bit
 * addressing [base + index*scale + disp] (registers by host number, -1:
 * none) and REG in ModRM.reg: the 0x67 prefix, then as FLAGS say %gs, 0x66,
 * REX.W.  The caller emits any immediate. */
struct emit_mem {
	int base, index;
	uint8_t scale;
	int32_t disp;
};
enum { EM_GS = 1, EM_OP16 = 2, EM_WIDE = 4 };
void emit_mem_insn(struct emit *e, unsigned flags, unsigned opcode, unsigned reg,
		   const struct emit_mem *m);

/* Encodes REQ (machine mode set to 64-bit here) at the cursor. 0 or -EINVAL. */
int emit_request(struct emit *e, ZydisEncoderRequest *req);

#endif
