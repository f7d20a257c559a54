/*
 * emit.c — host code emission (see emit.h).
 */
#include "translator/emit.h"

#include <errno.h>
#include <string.h>

#include "translator/tstate_asm.h"

static bool room(struct emit *e, unsigned n)
{
	if (e->overflow || (size_t)(e->limit - e->p) < n) {
		e->overflow = true;
		return false;
	}
	return true;
}

void emit_bytes(struct emit *e, const void *b, unsigned n)
{
	if (!n || !room(e, n))
		return;
	memcpy(e->p, b, n);
	e->p += n;
}

void emit_u8(struct emit *e, uint8_t v)
{
	emit_bytes(e, &v, 1);
}

void emit_u32(struct emit *e, uint32_t v)
{
	emit_bytes(e, &v, 4);
}

static int32_t rel_from(const uint8_t *next, const void *target)
{
	return (int32_t)((const uint8_t *)target - next);
}

void emit_patch_rel32(uint8_t *rel, const void *target)
{
	int32_t v = rel_from(rel + 4, target);
	/* one 4-byte store (the field does not cross a cache line, see
	 * align_rel32): atomic for threads running the code; asm, since the
	 * field need not be 4-byte aligned */
	__asm__ volatile("movl %1, %0" : "=m"(*(uint8_t(*)[4])rel) : "r"(v));
}

static uint8_t *rel32_insn(struct emit *e, uint8_t opcode, const void *target)
{
	if (!room(e, 5))
		return NULL;
	*e->p++ = opcode;
	uint8_t *rel = e->p;
	e->p += 4;
	emit_patch_rel32(rel, target);
	return rel;
}

uint8_t *emit_jmp(struct emit *e, const void *target)
{
	return rel32_insn(e, 0xe9, target);
}

uint8_t *emit_call(struct emit *e, const void *target)
{
	return rel32_insn(e, 0xe8, target);
}

uint8_t *emit_jcc(struct emit *e, unsigned cc, const void *target)
{
	if (!room(e, 6))
		return NULL;
	*e->p++ = 0x0f;
	*e->p++ = (uint8_t)(0x80 | (cc & 15));
	uint8_t *rel = e->p;
	e->p += 4;
	emit_patch_rel32(rel, target);
	return rel;
}

/* REX (.B for r15, .R for r8-r15, .W if WIDE) + OPCODE (one or two bytes:
 * 0x0fXX) + ModRM [r15 + disp32] with reg field R. */
static void ts_modrm(struct emit *e, bool wide, unsigned opcode, enum hreg r, int32_t off)
{
	emit_u8(e, (uint8_t)(0x41 | (wide ? 0x08 : 0) | (r >= 8 ? 0x04 : 0)));
	if (opcode > 0xff)
		emit_u8(e, (uint8_t)(opcode >> 8));
	emit_u8(e, (uint8_t)opcode);
	emit_u8(e, (uint8_t)(0x80 | ((r & 7) << 3) | 7)); /* mod=10 rm=r15 */
	emit_u32(e, (uint32_t)off);
}

void emit_store_ts_imm(struct emit *e, int32_t off, uint32_t imm)
{
	ts_modrm(e, false, 0xc7, 0, off);
	emit_u32(e, imm);
}

void emit_store_ts_reg(struct emit *e, int32_t off, enum hreg r)
{
	ts_modrm(e, false, 0x89, r, off);
}

void emit_store_ts_reg64(struct emit *e, int32_t off, enum hreg r)
{
	ts_modrm(e, true, 0x89, r, off);
}

void emit_load_ts_reg(struct emit *e, enum hreg r, int32_t off)
{
	ts_modrm(e, false, 0x8b, r, off);
}

void emit_load_ts_reg64(struct emit *e, enum hreg r, int32_t off)
{
	ts_modrm(e, true, 0x8b, r, off);
}

void emit_load_ts_u16(struct emit *e, enum hreg r, int32_t off)
{
	ts_modrm(e, false, 0x0fb7, r, off);
}

void emit_mov_imm(struct emit *e, enum hreg r, uint32_t imm)
{
	if (r >= 8)
		emit_u8(e, 0x41);
	emit_u8(e, (uint8_t)(0xb8 | (r & 7)));
	emit_u32(e, imm);
}

void emit_mov_reg(struct emit *e, enum hreg d, enum hreg s)
{
	uint8_t rex = (uint8_t)(0x40 | (s >= 8 ? 4 : 0) | (d >= 8 ? 1 : 0));
	if (rex != 0x40)
		emit_u8(e, rex);
	emit_u8(e, 0x89);
	emit_u8(e, (uint8_t)(0xc0 | ((s & 7) << 3) | (d & 7)));
}

void emit_lea_disp(struct emit *e, enum hreg d, enum hreg b, int32_t disp)
{
	uint8_t rex = (uint8_t)(0x40 | (d >= 8 ? 4 : 0) | (b >= 8 ? 1 : 0));
	if (rex != 0x40)
		emit_u8(e, rex);
	emit_u8(e, 0x8d);
	bool d8 = disp >= -128 && disp <= 127;
	emit_u8(e, (uint8_t)((d8 ? 0x40 : 0x80) | ((d & 7) << 3) | (b & 7)));
	if ((b & 7) == 4)
		emit_u8(e, 0x24); /* SIB: base only */
	if (d8)
		emit_u8(e, (uint8_t)disp);
	else
		emit_u32(e, (uint32_t)disp);
}

void emit_lea_rip(struct emit *e, enum hreg d, const void *target)
{
	emit_u8(e, (uint8_t)(0x48 | (d >= 8 ? 4 : 0)));
	emit_u8(e, 0x8d);
	emit_u8(e, (uint8_t)(0x05 | ((d & 7) << 3)));
	if (!room(e, 4))
		return;
	uint8_t *rel = e->p;
	e->p += 4;
	emit_patch_rel32(rel, target);
}

void emit_mem_insn(struct emit *e, unsigned flags, unsigned opcode, unsigned reg,
		   const struct emit_mem *m)
{
	uint8_t b[16];
	unsigned n = 0;
	int base = m->base, index = m->index;

	if (flags & EM_GS)
		b[n++] = 0x65;
	b[n++] = 0x67;
	if (flags & EM_OP16)
		b[n++] = 0x66;
	uint8_t rex = (uint8_t)(0x40 | (flags & EM_WIDE ? 8 : 0) | (reg >= 8 ? 4 : 0) |
				(index >= 8 ? 2 : 0) | (base >= 8 ? 1 : 0));
	if (rex != 0x40)
		b[n++] = rex;
	if (opcode > 0xff)
		b[n++] = (uint8_t)(opcode >> 8);
	b[n++] = (uint8_t)opcode;
	unsigned mod = base < 0 || (m->disp == 0 && (base & 7) != 5) ? 0
		       : m->disp >= -128 && m->disp <= 127	  ? 1
								  : 2;
	/* no base: SIB with base 101 (mod 00 rm 101 would be rip-relative) */
	bool sib = base < 0 || index >= 0 || (base & 7) == 4;
	b[n++] = (uint8_t)(mod << 6 | (reg & 7) << 3 | (sib ? 4 : (unsigned)base & 7));
	if (sib) {
		unsigned ss = m->scale == 8 ? 3 : m->scale == 4 ? 2 : m->scale == 2 ? 1 : 0;
		b[n++] = (uint8_t)(ss << 6 | (index >= 0 ? (unsigned)index & 7 : 4) << 3 |
				   (base < 0 ? 5 : (unsigned)base & 7));
	}
	if (base < 0 || mod == 2) {
		memcpy(b + n, &m->disp, 4);
		n += 4;
	} else if (mod == 1) {
		b[n++] = (uint8_t)m->disp;
	}
	emit_bytes(e, b, n);
}

int emit_request(struct emit *e, ZydisEncoderRequest *req)
{
	uint8_t buf[ZYDIS_MAX_INSTRUCTION_LENGTH];
	ZyanUSize len = sizeof(buf);

	req->machine_mode = ZYDIS_MACHINE_MODE_LONG_64;
	if (!ZYAN_SUCCESS(ZydisEncoderEncodeInstruction(req, buf, &len)))
		return -EINVAL;
	emit_bytes(e, buf, (unsigned)len);
	return 0;
}
