/*
 * xlate_mem.c — rewriting guest memory accesses to go through the window.
 *
 * Owns: re-encoding an instruction for 64-bit mode with its memory operand
 * as %gs: + 32-bit address (address-size override) and guest esp renamed to
 * r12d; guest %fs:/%gs: overrides (segment base added into r13d first);
 * the string instructions and other implicit-memory forms (run natively
 * with rsi/rdi biased by the window base, which is 4 GiB aligned, so the
 * low 32 bits stay the guest address); and small load/store helpers.
 */
#include "translator/xlate_int.h"

#include <errno.h>
#include <string.h>

ZydisRegister x_map_reg(ZydisRegister r)
{
	switch (r) {
	case ZYDIS_REGISTER_ESP:
		return ZYDIS_REGISTER_R12D;
	case ZYDIS_REGISTER_SP:
		return ZYDIS_REGISTER_R12W;
	default:
		return r;
	}
}

bool x_has_hidden_mem(const struct xctx *x)
{
	for (unsigned i = x->in.operand_count_visible; i < x->in.operand_count; i++)
		if (x->ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY)
			return true;
	return false;
}

static int seg_index(ZydisRegister s)
{
	return s == ZYDIS_REGISTER_FS ? GS_FS : s == ZYDIS_REGISTER_GS ? GS_GS : -1;
}

static void set_mem(ZydisEncoderOperand *o, ZydisRegister base, ZydisRegister index,
		    uint8_t scale, int64_t disp, uint16_t size)
{
	o->type = ZYDIS_OPERAND_TYPE_MEMORY;
	o->mem.base = base;
	o->mem.index = index;
	o->mem.scale = scale;
	o->mem.displacement = disp;
	o->mem.size = size;
}

static void set_reg(ZydisEncoderOperand *o, ZydisRegister r)
{
	o->type = ZYDIS_OPERAND_TYPE_REGISTER;
	o->reg.value = r;
}

/* r13d += the base of guest segment SEG (32-bit, wrapping; flags kept). */
static void add_seg_base(struct xctx *x, int seg)
{
	static const uint8_t add_r13_r14[] = {0x47, 0x8d, 0x6c, 0x35, 0x00}; /* lea r13d, [r13+r14] */
	emit_load_ts_reg(&x->e, H_R14, TS_SEG_BASE + 4 * seg);
	emit_bytes(&x->e, add_r13_r14, sizeof(add_r13_r14));
}

/* r13d = segment base + effective address of memory operand O. */
static int tls_address(struct xctx *x, ZydisEncoderOperand *o, int seg)
{
	ZydisEncoderRequest r;

	memset(&r, 0, sizeof(r));
	r.mnemonic = ZYDIS_MNEMONIC_LEA;
	r.address_size_hint = ZYDIS_ADDRESS_SIZE_HINT_32;
	r.operand_count = 2;
	set_reg(&r.operands[0], ZYDIS_REGISTER_R13D);
	set_mem(&r.operands[1], o->mem.base, o->mem.index, o->mem.scale, o->mem.displacement, 4);
	if (emit_request(&x->e, &r) < 0)
		return -EINVAL;
	add_seg_base(x, seg);
	set_mem(o, ZYDIS_REGISTER_R13D, ZYDIS_REGISTER_NONE, 0, 0, o->mem.size);
	return 0;
}

/* 16-bit addressing ([bx+si+d] and friends, 0x67 in 32-bit code) has no
 * 64-bit form: r13d = the 16-bit effective address (+ segment base). */
static int addr16(struct xctx *x, ZydisEncoderOperand *o, const ZydisDecodedOperand *d,
		  bool lea)
{
	static const uint8_t movzx_r13d_r13w[] = {0x45, 0x0f, 0xb7, 0xed};
	ZydisEncoderRequest r;
	int seg = seg_index(d->mem.segment);

	memset(&r, 0, sizeof(r));
	r.mnemonic = ZYDIS_MNEMONIC_LEA;
	r.address_size_hint = ZYDIS_ADDRESS_SIZE_HINT_32;
	r.operand_count = 2;
	set_reg(&r.operands[0], ZYDIS_REGISTER_R13D);
	set_mem(&r.operands[1],
		ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LEGACY_32, d->mem.base),
		ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LEGACY_32, d->mem.index),
		d->mem.index != ZYDIS_REGISTER_NONE ? 1 : 0, (int16_t)d->mem.disp.value, 4);
	if (emit_request(&x->e, &r) < 0)
		return -EINVAL;
	emit_bytes(&x->e, movzx_r13d_r13w, sizeof(movzx_r13d_r13w));
	if (!lea && seg >= 0)
		add_seg_base(x, seg);
	set_mem(o, ZYDIS_REGISTER_R13D, ZYDIS_REGISTER_NONE, 0, 0, lea ? 4 : o->mem.size);
	return 0;
}

/* Does the instruction name 32-bit register R (or a part of it) anywhere? */
static bool names_reg(const struct xctx *x, ZydisRegister r)
{
	for (unsigned i = 0; i < x->in.operand_count; i++) {
		const ZydisDecodedOperand *o = &x->ops[i];
		ZydisRegister v[3] = {ZYDIS_REGISTER_NONE, ZYDIS_REGISTER_NONE, ZYDIS_REGISTER_NONE};
		if (o->type == ZYDIS_OPERAND_TYPE_REGISTER)
			v[0] = o->reg.value;
		else if (o->type == ZYDIS_OPERAND_TYPE_MEMORY)
			v[1] = o->mem.base, v[2] = o->mem.index;
		for (int k = 0; k < 3; k++)
			if (v[k] != ZYDIS_REGISTER_NONE &&
			    ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LEGACY_32, v[k]) == r)
				return true;
	}
	return false;
}

static ZydisRegister borrowed(ZydisRegister r, ZydisRegister b32)
{
	if (r == ZYDIS_REGISTER_ESP)
		return b32;
	if (r == ZYDIS_REGISTER_SP)
		return (ZydisRegister)(ZYDIS_REGISTER_AX + (b32 - ZYDIS_REGISTER_EAX));
	return r;
}

/* AH..BH cannot be encoded with a REX prefix, so guest esp cannot be r12d
 * here: lend it a legacy register the instruction does not name, saved in
 * spill[1] (XF_BORROW tells the fault handler to put it back). */
static int reencode_borrowed(struct xctx *x, ZydisEncoderRequest *req)
{
	static const ZydisRegister cand[] = {ZYDIS_REGISTER_ESI, ZYDIS_REGISTER_EDI,
					     ZYDIS_REGISTER_EBP, ZYDIS_REGISTER_EBX,
					     ZYDIS_REGISTER_EDX, ZYDIS_REGISTER_ECX};
	ZydisRegister b = ZYDIS_REGISTER_NONE;

	for (unsigned i = 0; i < sizeof(cand) / sizeof(cand[0]) && !b; i++)
		if (!names_reg(x, cand[i]))
			b = cand[i];
	if (!b)
		return -EINVAL;
	enum hreg h = (enum hreg)(b - ZYDIS_REGISTER_EAX);
	bool tls = false; /* tls_address() left the address in r13d */
	for (unsigned i = 0; i < req->operand_count; i++) {
		ZydisEncoderOperand *o = &req->operands[i];
		if (o->type == ZYDIS_OPERAND_TYPE_REGISTER) {
			o->reg.value = borrowed(x->ops[i].reg.value, b);
		} else if (o->type == ZYDIS_OPERAND_TYPE_MEMORY && o->mem.base == ZYDIS_REGISTER_R13D) {
			o->mem.base = b;
			tls = true;
		} else if (o->type == ZYDIS_OPERAND_TYPE_MEMORY) {
			o->mem.base = borrowed(x->ops[i].mem.base, b);
			o->mem.index = borrowed(x->ops[i].mem.index, b);
		}
	}
	emit_store_ts_reg64(&x->e, TS_SPILL + 8, h);
	emit_mov_reg(&x->e, h, tls ? H_R13 : H_R12);
	if (emit_request(&x->e, req) < 0)
		return -EINVAL;
	if (!tls)
		emit_mov_reg(&x->e, H_R12, h);
	emit_load_ts_reg64(&x->e, h, TS_SPILL + 8);
	x->fix = (uint8_t)(XF_BORROW | h << 4);
	return 0;
}

/* The common case needs no encoder: a memory operand through ds/es/ss
 * (no override), 32-bit addressing, no esp, not the disp32-only ModRM form
 * (RIP-relative in 64-bit mode): prefixing %gs and the address-size
 * override to the guest's own bytes gives the host instruction. */
static bool prefix_only(const struct xctx *x)
{
	const ZydisDecodedInstruction *in = &x->in;

	if (in->address_width != 32 || (in->attributes & ZYDIS_ATTRIB_HAS_SEGMENT) ||
	    (in->attributes & ZYDIS_ATTRIB_HAS_ADDRESSSIZE) || !in->raw.modrm.offset ||
	    (in->raw.modrm.mod == 0 && in->raw.modrm.rm == 5) ||
	    in->mnemonic == ZYDIS_MNEMONIC_LEA ||
	    (in->opcode_map == ZYDIS_OPCODE_MAP_DEFAULT && in->opcode == 0x82))
		return false;
	bool mem = false;
	for (unsigned i = 0; i < in->operand_count_visible; i++) {
		mem |= x->ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY;
		const ZydisDecodedOperand *o = &x->ops[i];
		if (o->type == ZYDIS_OPERAND_TYPE_REGISTER &&
		    (o->reg.value == ZYDIS_REGISTER_ESP || o->reg.value == ZYDIS_REGISTER_SP))
			return false;
		if (o->type == ZYDIS_OPERAND_TYPE_MEMORY &&
		    (o->mem.base == ZYDIS_REGISTER_ESP || o->mem.index == ZYDIS_REGISTER_ESP))
			return false;
	}
	return mem;
}

static bool is_esp(ZydisRegister r)
{
	return r == ZYDIS_REGISTER_ESP || r == ZYDIS_REGISTER_SP;
}

/* The next most common case: guest esp in a ModRM-encoded operand (as base,
 * or as the reg or rm register) becomes r12d by a REX prefix with B or R
 * set, placed after the guest's legacy prefixes.  Not with AH..BH, which a
 * REX prefix would turn into other registers, nor with the disp32-only form
 * (RIP-relative in 64-bit mode).  The REX byte, or 0. */
static uint8_t esp_rex(const struct xctx *x)
{
	const ZydisDecodedInstruction *in = &x->in;
	uint8_t rex = 0x40;

	if (in->encoding != ZYDIS_INSTRUCTION_ENCODING_LEGACY || in->address_width != 32 ||
	    (in->attributes & (ZYDIS_ATTRIB_HAS_SEGMENT | ZYDIS_ATTRIB_HAS_ADDRESSSIZE)) ||
	    !in->raw.modrm.offset || (in->raw.modrm.mod == 0 && in->raw.modrm.rm == 5) ||
	    (in->opcode_map == ZYDIS_OPCODE_MAP_DEFAULT && in->opcode == 0x82))
		return 0;
	for (unsigned i = 0; i < in->operand_count_visible; i++) {
		const ZydisDecodedOperand *o = &x->ops[i];
		if (o->type == ZYDIS_OPERAND_TYPE_REGISTER) {
			if (o->reg.value >= ZYDIS_REGISTER_AH && o->reg.value <= ZYDIS_REGISTER_BH)
				return 0;
			if (!is_esp(o->reg.value))
				continue;
			if (o->encoding == ZYDIS_OPERAND_ENCODING_MODRM_RM)
				rex |= 1;
			else if (o->encoding == ZYDIS_OPERAND_ENCODING_MODRM_REG)
				rex |= 4;
			else
				return 0;
		} else if (o->type == ZYDIS_OPERAND_TYPE_MEMORY) {
			if (is_esp(o->mem.index))
				return 0;
			if (is_esp(o->mem.base))
				rex |= 1; /* SIB.base */
		}
	}
	return rex == 0x40 ? 0 : rex;
}

static bool has_mem(const struct xctx *x)
{
	for (unsigned i = 0; i < x->in.operand_count_visible; i++)
		if (x->ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY)
			return true;
	return false;
}

int x_reencode(struct xctx *x)
{
	if (prefix_only(x)) {
		emit_bytes(&x->e, (const uint8_t[]){0x65, 0x67}, 2);
		x_copy(x);
		return 0;
	}
	uint8_t rex = esp_rex(x);
	if (rex) {
		unsigned np = x->in.raw.prefix_count;
		if (x->in.mnemonic == ZYDIS_MNEMONIC_LEA)
			emit_u8(&x->e, 0x67); /* a 32-bit address, no memory access */
		else if (has_mem(x))
			emit_bytes(&x->e, (const uint8_t[]){0x65, 0x67}, 2);
		emit_bytes(&x->e, x->code, np);
		emit_u8(&x->e, rex);
		emit_bytes(&x->e, x->code + np, x->in.length - np);
		return 0;
	}

	ZydisEncoderRequest req;
	bool lea = x->in.mnemonic == ZYDIS_MNEMONIC_LEA, mem = false;

	if (!ZYAN_SUCCESS(ZydisEncoderDecodedInstructionToEncoderRequest(
		    &x->in, x->ops, x->in.operand_count_visible, &req)))
		return -EINVAL;
	for (unsigned i = 0; i < req.operand_count; i++) {
		ZydisEncoderOperand *o = &req.operands[i];
		if (o->type == ZYDIS_OPERAND_TYPE_REGISTER) {
			o->reg.value = x_map_reg(o->reg.value);
			continue;
		}
		if (o->type != ZYDIS_OPERAND_TYPE_MEMORY)
			continue;
		mem = true;
		if (x->in.address_width == 16) {
			if (addr16(x, o, &x->ops[i], lea) < 0)
				return -EINVAL;
			continue;
		}
		o->mem.base = x_map_reg(o->mem.base);
		o->mem.index = x_map_reg(o->mem.index);
		o->mem.displacement = (int32_t)o->mem.displacement;
		int seg = seg_index(x->ops[i].mem.segment);
		if (!lea && seg >= 0 && tls_address(x, o, seg) < 0)
			return -EINVAL;
	}
	req.prefixes &= ~(ZydisInstructionAttributes)ZYDIS_ATTRIB_HAS_SEGMENT;
	if (mem && !lea)
		req.prefixes |= ZYDIS_ATTRIB_HAS_SEGMENT_GS;
	if (mem)
		req.address_size_hint = ZYDIS_ADDRESS_SIZE_HINT_32;
	if (emit_request(&x->e, &req) == 0)
		return 0;
	return reencode_borrowed(x, &req);
}

/* Host register number of a 16- or 32-bit GPR (guest esp mapped to r12), or
 * -1 for none. */
static int hnum(ZydisRegister r)
{
	if (r == ZYDIS_REGISTER_NONE)
		return -1;
	return ZydisRegisterGetId(x_map_reg(r));
}

void x_gs_load(struct xctx *x, ZydisRegister dst, ZydisRegister base, int32_t disp, int size)
{
	struct emit_mem m = {hnum(base), -1, 0, disp};
	emit_mem_insn(&x->e, EM_GS, size == 4 ? 0x8b : 0x0fb7, (unsigned)hnum(dst), &m);
}

void x_gs_store(struct xctx *x, ZydisRegister base, int32_t disp, ZydisRegister src, int size)
{
	struct emit_mem m = {hnum(base), -1, 0, disp};
	emit_mem_insn(&x->e, EM_GS | (size == 2 ? EM_OP16 : 0), 0x89, (unsigned)hnum(src), &m);
}

void x_gs_store_imm(struct xctx *x, ZydisRegister base, int32_t disp, uint32_t imm, int size)
{
	struct emit_mem m = {hnum(base), -1, 0, disp};
	emit_mem_insn(&x->e, EM_GS | (size == 2 ? EM_OP16 : 0), 0xc7, 0, &m);
	emit_bytes(&x->e, &imm, (unsigned)size);
}

/* The decoded memory operand D for emit_mem_insn (32-bit addressing, no
 * %fs/%gs override), guest esp as ESP_AS. */
static struct emit_mem decoded_mem(const ZydisDecodedOperand *d, ZydisRegister esp_as)
{
	ZydisRegister base = d->mem.base == ZYDIS_REGISTER_ESP ? esp_as : d->mem.base;
	return (struct emit_mem){hnum(base), hnum(d->mem.index), d->mem.scale,
				 (int32_t)d->mem.disp.value};
}

int x_load_operand(struct xctx *x, int op, ZydisRegister dst)
{
	const ZydisDecodedOperand *d = &x->ops[op];
	int size = d->size / 8;

	if (size != 2 && size != 4)
		return -EINVAL;
	if (d->type == ZYDIS_OPERAND_TYPE_REGISTER) {
		int s = hnum(d->reg.value), t = hnum(dst);
		if (size == 4) {
			emit_mov_reg(&x->e, (enum hreg)t, (enum hreg)s);
			return 0;
		}
		uint8_t rex = (uint8_t)(0x40 | (t >= 8 ? 4 : 0) | (s >= 8 ? 1 : 0));
		if (rex != 0x40)
			emit_u8(&x->e, rex);
		emit_bytes(&x->e, (const uint8_t[]){0x0f, 0xb7}, 2); /* movzx */
		emit_u8(&x->e, (uint8_t)(0xc0 | (t & 7) << 3 | (s & 7)));
		return 0;
	}
	if (d->type != ZYDIS_OPERAND_TYPE_MEMORY || x->in.address_width != 32)
		return -EINVAL;
	int seg = seg_index(d->mem.segment);
	struct emit_mem m = decoded_mem(d, ZYDIS_REGISTER_R12D);
	if (seg >= 0) {
		ZydisEncoderOperand o;
		set_mem(&o, x_map_reg(d->mem.base), x_map_reg(d->mem.index), d->mem.scale,
			(int32_t)d->mem.disp.value, (uint16_t)size);
		if (tls_address(x, &o, seg) < 0)
			return -EINVAL;
		m = (struct emit_mem){H_R13, -1, 0, 0};
	}
	emit_mem_insn(&x->e, EM_GS, size == 4 ? 0x8b : 0x0fb7, (unsigned)hnum(dst), &m);
	return 0;
}

int x_store_operand(struct xctx *x, int op, ZydisRegister esp_as, ZydisRegister src, int size)
{
	const ZydisDecodedOperand *d = &x->ops[op];

	if (d->type != ZYDIS_OPERAND_TYPE_MEMORY || seg_index(d->mem.segment) >= 0 ||
	    x->in.address_width != 32 || (size != 2 && size != 4))
		return -EINVAL;
	struct emit_mem m = decoded_mem(d, esp_as);
	emit_mem_insn(&x->e, EM_GS | (size == 2 ? EM_OP16 : 0), 0x89, (unsigned)hnum(src), &m);
	return 0;
}

/* String instructions, maskmov: the host runs them with rsi/rdi pointing
 * into the window.  A fault inside leaves them biased: XF_TRUNC_SI_DI. */
static bool string_op(struct xctx *x, bool si, bool di)
{
	static const uint8_t bias_si[] = {0x4a, 0x8d, 0x34, 0x2e}; /* lea rsi, [rsi+r13] */
	static const uint8_t bias_di[] = {0x4a, 0x8d, 0x3c, 0x2f}; /* lea rdi, [rdi+r13] */
	static const uint8_t trunc_si[] = {0x89, 0xf6};             /* mov esi, esi */
	static const uint8_t trunc_di[] = {0x89, 0xff};             /* mov edi, edi */

	if (x->in.address_width != 32 ||
	    (x->in.attributes & (ZYDIS_ATTRIB_HAS_SEGMENT_FS | ZYDIS_ATTRIB_HAS_SEGMENT_GS))) {
		x_untranslatable(x);
		return true;
	}
	emit_load_ts_reg64(&x->e, H_R13, TS_WINDOW);
	if (si)
		emit_bytes(&x->e, bias_si, sizeof(bias_si));
	if (di)
		emit_bytes(&x->e, bias_di, sizeof(bias_di));
	x_copy(x);
	if (si)
		emit_bytes(&x->e, trunc_si, sizeof(trunc_si));
	if (di)
		emit_bytes(&x->e, trunc_di, sizeof(trunc_di));
	x->fix = XF_TRUNC_SI_DI;
	return true;
}

/* xlat: al = [ebx + al] */
static void xlat(struct xctx *x)
{
	static const uint8_t seq[] = {
		0x44, 0x0f, 0xb6, 0xe8,       /* movzx r13d, al */
		0x46, 0x8d, 0x2c, 0x2b,       /* lea r13d, [rbx+r13] */
		0x65, 0x67, 0x41, 0x8a, 0x45, 0x00, /* mov al, gs:[r13d] */
	};
	if (x->in.attributes & (ZYDIS_ATTRIB_HAS_SEGMENT_FS | ZYDIS_ATTRIB_HAS_SEGMENT_GS)) {
		x_untranslatable(x);
		return;
	}
	emit_bytes(&x->e, seq, sizeof(seq));
}

bool x_mem_special(struct xctx *x)
{
	switch (x->in.mnemonic) {
	case ZYDIS_MNEMONIC_MOVSB: case ZYDIS_MNEMONIC_MOVSW: case ZYDIS_MNEMONIC_MOVSD:
	case ZYDIS_MNEMONIC_CMPSB: case ZYDIS_MNEMONIC_CMPSW: case ZYDIS_MNEMONIC_CMPSD:
		if (x->in.operand_count_visible) /* SSE2 movsd/cmpsd xmm */
			return false;
		return string_op(x, true, true);
	case ZYDIS_MNEMONIC_STOSB: case ZYDIS_MNEMONIC_STOSW: case ZYDIS_MNEMONIC_STOSD:
	case ZYDIS_MNEMONIC_SCASB: case ZYDIS_MNEMONIC_SCASW: case ZYDIS_MNEMONIC_SCASD:
	case ZYDIS_MNEMONIC_MASKMOVQ: case ZYDIS_MNEMONIC_MASKMOVDQU:
	case ZYDIS_MNEMONIC_VMASKMOVDQU:
		return string_op(x, false, true);
	case ZYDIS_MNEMONIC_LODSB: case ZYDIS_MNEMONIC_LODSW: case ZYDIS_MNEMONIC_LODSD:
		return string_op(x, true, false);
	case ZYDIS_MNEMONIC_XLAT:
		xlat(x);
		return true;
	default:
		return false;
	}
}
