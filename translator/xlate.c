/*
 * xlate.c — block translation: decode guest instructions from one eip until
 * a branch, a sensitive instruction that leaves the block, a page end or
 * XLATE_MAX_INSNS; emit host code for each; then the exit stubs; then record
 * the block with its side table and links.
 *
 * What each instruction becomes is decided in this order: the common forms
 * from their raw bytes (xlate_fast.c, x_flow_raw), then with operands
 * decoded: a write through cs:, the sensitive table (xlate_sens.c), control
 * flow and stack operations (xlate_flow.c), memory operands (xlate_mem.c),
 * else the bytes are copied unchanged (their 32-bit and 64-bit meanings
 * agree once memory and esp are rewritten).  A block goes on past its first
 * conditional branch and after calls.
 */
#include "translator/xlate_int.h"

#include <errno.h>
#include <stddef.h>
#include <signal.h>
#include <string.h>

void x_add_exit(struct xctx *x, uint8_t *rel, enum xexit_kind k, uint32_t eip, uint32_t arg)
{
	if (!rel || x->nexits == XLATE_MAX_EXITS) {
		x->e.overflow = true;
		return;
	}
	x->exits[x->nexits++] = (struct xexit){rel, k, eip, arg};
}

/* Chaining rewrites a rel32 while other threads may run it: the field must
 * not cross a cache line, so that the store is atomic (the SDM guarantees
 * it for unaligned accesses within a line; DynamoRIO pads its jumps the
 * same way).  OPLEN: bytes of opcode before the rel32. */
static void align_rel32(struct xctx *x, unsigned oplen)
{
	while ((((uintptr_t)x->e.p + oplen) & 63) > 60 && !x->e.overflow)
		emit_u8(&x->e, 0x90);
}

/* jmp to an exit stub of kind K (stub emitted after the body). */
void x_exit_jmp(struct xctx *x, enum xexit_kind k, uint32_t eip, uint32_t arg)
{
	if (k == XE_CHAIN)
		align_rel32(x, 1);
	x_add_exit(x, emit_jmp(&x->e, x->e.p), k, eip, arg);
}

/* call (pushing the landing pad that follows on the return stack) to an
 * exit stub of kind XE_CHAIN for EIP */
void x_exit_call(struct xctx *x, uint32_t eip)
{
	align_rel32(x, 1);
	x_add_exit(x, emit_call(&x->e, x->e.p), XE_CHAIN, eip, 0);
}

void x_exit_jcc(struct xctx *x, unsigned cc, uint32_t eip)
{
	align_rel32(x, 2);
	x_add_exit(x, emit_jcc(&x->e, cc, x->e.p), XE_CHAIN, eip, 0);
}

/* The monitor carries out the instruction (row ROW of sensitive.def, or
 * 0xff: untranslatable) and continues after it. */
void x_callout(struct xctx *x, int row)
{
	x_exit_jmp(x, XE_CALLOUT, x->eip, (uint32_t)(row & 0xff) | (uint32_t)x->in.length << 8);
	x->end = true;
}

void x_untranslatable(struct xctx *x)
{
	x->tc->st.untranslatable++;
	x_callout(x, 0xff);
}

void x_copy(struct xctx *x)
{
	emit_bytes(&x->e, x->code, x->in.length);
}

static bool uses_esp(const struct xctx *x)
{
	for (unsigned i = 0; i < x->in.operand_count_visible; i++) {
		const ZydisDecodedOperand *o = &x->ops[i];
		if (o->type == ZYDIS_OPERAND_TYPE_REGISTER &&
		    (o->reg.value == ZYDIS_REGISTER_ESP || o->reg.value == ZYDIS_REGISTER_SP))
			return true;
		if (o->type == ZYDIS_OPERAND_TYPE_MEMORY)
			return true;
	}
	return false;
}

/* Runs the instruction on the host with its memory operand at a
 * non-canonical address: the host CPU raises the #GP, after whatever it
 * does first (a pending x87 exception's #MF; the switch to MMX, TOP = 0,
 * an MMX instruction makes before it faults). */
static int host_gp(struct xctx *x, const ZydisDecodedOperand *mem)
{
	static const uint8_t bias_di[] = {0x4a, 0x8d, 0x3c, 0x2f}; /* lea rdi, [rdi+r13] */
	static const uint8_t noncanonical[] = {0x49, 0xbd, 0, 0, 0, 0, 0, 0, 0, 0x80};
	static const uint8_t past_4g[] = {0x49, 0xbe, 0, 0, 0, 0, 1, 0, 0, 0}; /* mov r14, 1 << 32 */
	ZydisEncoderRequest req;
	/* An x87 store is not made when an unmasked exception stops it, and
	 * then the CPU raises no #GP either: point it at the guard page past
	 * the window instead, where only a store faults (run.c makes that a
	 * #GP). */
	bool x87 = x->in.meta.isa_ext == ZYDIS_ISA_EXT_X87 || x->in.mnemonic == ZYDIS_MNEMONIC_FISTTP;

	if (x87) {
		emit_load_ts_reg64(&x->e, H_R13, TS_WINDOW);
		emit_bytes(&x->e, past_4g, sizeof(past_4g));
	} else {
		emit_bytes(&x->e, noncanonical, sizeof(noncanonical)); /* mov r13, 1 << 63 */
	}
	if (mem->visibility != ZYDIS_OPERAND_VISIBILITY_EXPLICIT) { /* maskmovq [edi] */
		if (x87 || x->in.address_width != 32 || mem->mem.base != ZYDIS_REGISTER_EDI)
			return -EINVAL;
		emit_bytes(&x->e, bias_di, sizeof(bias_di));
		x->fix = XF_TRUNC_SI_DI;
		x_copy(x); /* cs: means nothing in 64-bit mode */
		return 0;
	}
	if (!ZYAN_SUCCESS(ZydisEncoderDecodedInstructionToEncoderRequest(
		    &x->in, x->ops, x->in.operand_count_visible, &req)))
		return -EINVAL;
	req.prefixes &= ~(ZydisInstructionAttributes)ZYDIS_ATTRIB_HAS_SEGMENT;
	for (unsigned i = 0; i < req.operand_count; i++) {
		ZydisEncoderOperand *o = &req.operands[i];
		if (o->type == ZYDIS_OPERAND_TYPE_REGISTER)
			o->reg.value = x_map_reg(o->reg.value);
		if (o->type != ZYDIS_OPERAND_TYPE_MEMORY)
			continue;
		o->mem.base = ZYDIS_REGISTER_R13;
		o->mem.index = x87 ? ZYDIS_REGISTER_R14 : ZYDIS_REGISTER_NONE;
		o->mem.scale = x87 ? 1 : 0;
		o->mem.displacement = 0;
	}
	req.address_size_hint = ZYDIS_ADDRESS_SIZE_HINT_NONE;
	return emit_request(&x->e, &req);
}

/* A write through a cs: override raises #GP(0) (code segments are not
 * writable): by the host CPU where it can run the instruction (if it
 * writes nothing after all, the block goes on), else by an exit. */
static bool write_through_cs(struct xctx *x, int row)
{
	const ZydisDecodedOperand *mem = NULL;

	for (unsigned i = 0; i < x->in.operand_count; i++) {
		const ZydisDecodedOperand *o = &x->ops[i];
		if (o->type == ZYDIS_OPERAND_TYPE_MEMORY && o->mem.segment == ZYDIS_REGISTER_CS &&
		    (o->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE))
			mem = o;
	}
	if (!mem)
		return false;
	uint8_t *mark = x->e.p;
	if (row < 0 && host_gp(x, mem) == 0)
		return true; /* no fault: the store did not happen either (x87) */
	x->e.p = mark;
	x->fix = XF_NONE;
	x_exit_jmp(x, XE_GP, x->eip, 0);
	x->end = true;
	return true;
}

static void translate_insn(struct xctx *x)
{
	if (!x_stack_run(x) && !x_takes_esp_delta(x))
		x_flush_esp(x);
	if (x_fast(x) || x_flow_raw(x))
		return;
	if (!ZYAN_SUCCESS(ZydisDecoderDecodeOperands(&x->dec, &x->dctx, &x->in, x->ops,
						     x->in.operand_count))) {
		x_untranslatable(x);
		return;
	}
	int row = sens_classify(&x->in, x->ops);

	if (write_through_cs(x, row))
		return;

	if (row >= 0) {
		x_sensitive(x, row);
		return;
	}
	if (x_flow(x) || x_mem_special(x))
		return;
	if (x->in.mnemonic == ZYDIS_MNEMONIC_NOP)
		return;

	if (x_has_hidden_mem(x)) {
		x_untranslatable(x);
		return;
	}
	if (uses_esp(x)) {
		if (x_reencode(x) < 0)
			x_untranslatable(x);
		return;
	}
	x_copy(x);
}

static void emit_stub(struct xctx *x, struct xexit *xe, struct tlink *link)
{
	struct emit *e = &x->e;
	uint8_t *stub = e->p;

	static const uint32_t reason[] = {
		[XE_CHAIN] = EXIT_CHAIN,     [XE_CALLOUT] = EXIT_CALLOUT, [XE_STEP] = EXIT_STEP,
		[XE_SYSCALL] = EXIT_SYSCALL, [XE_GP] = EXIT_GP,           [XE_TRACE] = EXIT_TRACE,
	};

	if (xe->kind == XE_LOOKUP) { /* not an exit: the lookup itself */
		x_lookup(x);
		if (!e->overflow)
			emit_patch_rel32(xe->rel, stub);
		return;
	}
	emit_store_ts_imm(e, TS_EXIT_REASON, reason[xe->kind]);
	emit_store_ts_imm(e, TS_EXIT_EIP, xe->eip);
	if (xe->kind == XE_CALLOUT)
		emit_store_ts_imm(e, (int32_t)offsetof(struct tstate, exit_arg), xe->arg);
	if (xe->kind == XE_CHAIN) {
		emit_u8(e, 0x49); /* mov r11, imm64 */
		emit_u8(e, 0xbb);
		uint64_t l = (uint64_t)(uintptr_t)link;
		emit_bytes(e, &l, 8);
		emit_store_ts_reg64(e, TS_EXIT_LINK, H_R11);
		link->rel = xe->rel;
		link->stub = stub;
		link->target = xe->eip;
	}
	emit_jmp(e, tr_exit);
	if (!e->overflow)
		emit_patch_rel32(xe->rel, stub);
}

/* Decodes the instruction at x->eip; false if there is none (not
 * executable or invalid), with *sig saying which. */
static bool decode(struct xctx *x, int *sig)
{
	uint32_t avail;
	const uint8_t *p = x->tc->env.fetch(x->tc->env.ctx, x->eip, &avail);

	if (!p) {
		*sig = SIGSEGV;
		return false;
	}
	/* operands later, and only when x_fast() cannot do without them */
	ZyanStatus st = ZydisDecoderDecodeInstruction(&x->dec, &x->dctx, p, avail, &x->in);
	if (!ZYAN_SUCCESS(st)) {
		/* an instruction cut by the end of executable memory faults on
		 * fetch; garbage raises #UD */
		*sig = (avail < ZYDIS_MAX_INSTRUCTION_LENGTH &&
			st == ZYDIS_STATUS_NO_MORE_DATA) ? SIGSEGV : SIGILL;
		return false;
	}
	x->code = p;
	x->next = x->eip + x->in.length;
	return true;
}

bool x_add_page(struct xctx *x, uint32_t addr)
{
	struct tblock *b = x->b;
	uint32_t pg = addr >> 12;
	for (unsigned i = 0; i < b->npages; i++)
		if (b->pages[i] == pg)
			return true;
	if (b->npages == TB_MAX_PAGES)
		return false;
	b->pages[b->npages++] = pg;
	return true;
}

static struct tblock *finish(struct xctx *x, struct tblock *b)
{
	unsigned nchain = 0;
	for (unsigned i = 0; i < x->nexits; i++)
		nchain += x->exits[i].kind == XE_CHAIN;
	b->links = nchain ? tc_meta_alloc(x->tc, nchain * sizeof(*b->links)) : NULL;
	b->map = tc_meta_alloc(x->tc, x->nmap * sizeof(*b->map));
	b->pads = x->npads ? tc_meta_alloc(x->tc, x->npads * sizeof(*b->pads)) : NULL;
	if ((nchain && !b->links) || !b->map || (x->npads && !b->pads))
		return NULL;
	if (x->npads)
		memcpy(b->pads, x->pads, x->npads * sizeof(*b->pads));
	b->npads = (uint16_t)x->npads;
	if (nchain)
		memset(b->links, 0, nchain * sizeof(*b->links));
	for (unsigned i = 0, k = 0; i < x->nexits; i++) {
		struct tlink *l = x->exits[i].kind == XE_CHAIN ? &b->links[k++] : NULL;
		if (l)
			l->from = b;
		emit_stub(x, &x->exits[i], l);
	}
	if (x->e.overflow)
		return NULL;
	b->nlinks = (uint16_t)nchain;
	memcpy(b->map, x->map, x->nmap * sizeof(*b->map));
	b->nmap = (uint16_t)x->nmap;
	b->host_len = (uint32_t)(x->e.p - b->host);
	x->tc->code_ptr = x->e.p; /* single blocks too: other threads may run theirs */
	return b;
}

struct tblock *xlate_block(struct tcache *tc, uint32_t eip, unsigned mode, int *sig)
{
	struct xctx xs, *x = &xs;
	struct tblock *b = tc_meta_alloc(tc, sizeof(*b));
	bool single = mode & XB_SINGLE;

	*sig = 0;
	if (!b)
		return NULL;
	memset(x, 0, sizeof(*x));
	memset(b, 0, sizeof(*b));
	x->tc = tc;
	x->single = mode & XB_SINGLE;
	x->trace = mode & XB_TRACE;
	x->b = b;
	/* blocks start on a cache line: measured on this machine (bench/user),
	 * W5 62-77 -> 58 ms and fib(35) 22 -> 19.5 ms; int3 in between */
	while (((uintptr_t)tc->code_ptr & (XLATE_BLOCK_ALIGN - 1)) && tc->code_ptr < tc->code_end)
		*tc->code_ptr++ = 0xcc;
	x->e.start = x->e.p = tc->code_ptr;
	x->e.limit = tc->code_end;
	sens_decoder_init(&x->dec);
	b->eip = x->eip = eip;
	b->host = x->e.p;

	for (unsigned n = 0; !x->end; n++) {
		if (n == (single ? 1u : XLATE_MAX_INSNS) ||
		    (n && (x->eip >> 12) != (eip >> 12) && !single)) {
			x_flush_esp(x);
			x_exit_jmp(x, single ? XE_STEP : XE_CHAIN, x->eip, 0);
			break;
		}
		int dsig;
		if (!decode(x, &dsig)) {
			if (!n) {
				*sig = dsig;
				return NULL;
			}
			x_flush_esp(x);
			x_exit_jmp(x, XE_CHAIN, x->eip, 0); /* let it fault as a block start */
			break;
		}
		x_add_page(x, x->eip);
		x_add_page(x, x->next - 1);
		x->map[x->nmap++] = (struct pcmap){(uint32_t)(x->e.p - b->host), x->eip, 0};
		x->fix = XF_NONE;
		translate_insn(x);
		x->map[x->nmap - 1].fix = x->fix;
		tc->st.guest_insns++;
		b->guest_len = x->next - eip;
		x->eip = x->next;
	}
	b = finish(x, b);
	if (b && !single) {
		tc->st.blocks++;
		tc->st.guest_bytes += b->guest_len;
		tc->st.host_bytes += b->host_len;
	}
	return b;
}
