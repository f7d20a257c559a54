/*
 * print.c — how the differential tests show what they ran and what
 * disagreed (see diff.h): Capstone disassembly of instruction bytes, state
 * dumps, field-by-field differences, and the comparison of FXSAVE images
 * (which fields are architectural state and which record the last
 * instruction's address).
 */
#include "tests/diff/diff.h"

#include <capstone/capstone.h>
#include <stdio.h>
#include <string.h>

static const char *const reg_names[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};

void dx_disasm(const uint8_t *code, unsigned len, int bits, char *buf, size_t n)
{
	static csh h32, h64;
	static bool ok32, ok64;
	csh *h = bits == 64 ? &h64 : &h32;
	bool *ok = bits == 64 ? &ok64 : &ok32;
	size_t o = 0;

	if (!*ok)
		*ok = cs_open(CS_ARCH_X86, bits == 64 ? CS_MODE_64 : CS_MODE_32, h) == CS_ERR_OK;
	for (unsigned i = 0; i < len && o + 4 < n; i++)
		o += (size_t)snprintf(buf + o, n - o, "%02x ", code[i]);
	cs_insn *insn = NULL;
	size_t cnt = *ok ? cs_disasm(*h, code, len, 0x1000, 0, &insn) : 0;
	if (o < n)
		o += (size_t)snprintf(buf + o, n - o, " |");
	for (size_t i = 0; i < cnt && o < n; i++)
		o += (size_t)snprintf(buf + o, n - o, " %s %s;", insn[i].mnemonic, insn[i].op_str);
	if (!cnt && o < n)
		snprintf(buf + o, n - o, " (capstone: no decoding)");
	if (cnt)
		cs_free(insn, cnt);
}

uint16_t dx_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t dx_u32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

void dx_flag_string(uint32_t f, char *b)
{
	static const struct {
		uint32_t bit;
		char c;
	} fl[] = {{0x800, 'O'}, {0x400, 'D'}, {0x80, 'S'}, {0x40, 'Z'},
		  {0x10, 'A'},	{0x4, 'P'},   {0x1, 'C'}};
	for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++)
		*b++ = f & fl[i].bit ? fl[i].c : '-';
	*b = 0;
}

void dx_print_regs(const char *tag, const struct dstate *s)
{
	char f[8];
	dx_flag_string(s->flags, f);
	printf("  %-8s", tag);
	for (int i = 0; i < 8; i++)
		printf(" %s=%08x", reg_names[i], s->r[i]);
	printf(" fl=%s", f);
	if (s->seg_base)
		printf(" fs/gs base=%08x", s->seg_base);
	printf("\n");
}

void dx_print_state(const char *tag, const struct dstate *s)
{
	dx_print_regs(tag, s);
	const uint8_t *x = s->fx;
	printf("  %-8s fcw=%04x fsw=%04x ftw=%02x mxcsr=%08x\n", "", dx_u16(x), dx_u16(x + 2), x[4],
	       dx_u32(x + 24));
	for (int i = 0; i < 8; i++) {
		const uint8_t *st = x + 32 + 16 * i, *xm = x + 160 + 16 * i;
		printf("  %-8s st%d=%04x:%016llx xmm%d=%08x%08x%08x%08x\n", "", i, dx_u16(st + 8),
		       (unsigned long long)(dx_u32(st) | (uint64_t)dx_u32(st + 4) << 32), i,
		       dx_u32(xm + 12), dx_u32(xm + 8), dx_u32(xm + 4), dx_u32(xm));
	}
}

/* Byte ranges of the FXSAVE legacy area that are architectural state. */
static const struct {
	unsigned off, len;
	const char *name;
} fx_fields[] = {
    {0, 2, "fcw"},     {2, 2, "fsw"},	  {4, 1, "ftw"},     {24, 4, "mxcsr"},	{32, 10, "st0"},
    {48, 10, "st1"},   {64, 10, "st2"},	  {80, 10, "st3"},   {96, 10, "st4"},	{112, 10, "st5"},
    {128, 10, "st6"},  {144, 10, "st7"},  {160, 16, "xmm0"}, {176, 16, "xmm1"}, {192, 16, "xmm2"},
    {208, 16, "xmm3"}, {224, 16, "xmm4"}, {240, 16, "xmm5"}, {256, 16, "xmm6"}, {272, 16, "xmm7"},
};
#define NFX (sizeof(fx_fields) / sizeof(fx_fields[0]))

static bool fx_field_equal(const uint8_t *a, const uint8_t *b, unsigned i, uint16_t fsw_mask)
{
	if (fx_fields[i].off == 2)
		return ((dx_u16(a + 2) ^ dx_u16(b + 2)) & ~fsw_mask) == 0;
	return memcmp(a + fx_fields[i].off, b + fx_fields[i].off, fx_fields[i].len) == 0;
}

bool dx_fx_equal(const uint8_t *a, const uint8_t *b, uint16_t fsw_mask)
{
	for (unsigned i = 0; i < NFX; i++)
		if (!fx_field_equal(a, b, i, fsw_mask))
			return false;
	return true;
}

static void hex(const uint8_t *p, unsigned n)
{
	for (unsigned i = n; i-- > 0;)
		printf("%02x", p[i]);
}

void dx_print_diff(const struct dout *a, const char *an, const struct dout *b, const char *bn,
		   uint32_t flag_mask, uint16_t fsw_mask)
{
	if (a->sig != b->sig || a->code != b->code || a->fault_off != b->fault_off)
		printf("  fault: %s sig=%d code=%d addr=%#x at +%d | %s sig=%d code=%d addr=%#x "
		       "at +%d\n",
		       an, a->sig, a->code, a->addr, a->fault_off, bn, b->sig, b->code, b->addr,
		       b->fault_off);
	if (a->stop[0] || b->stop[0])
		printf("  stop: %s: %s | %s: %s\n", an, a->stop[0] ? a->stop : "-", bn,
		       b->stop[0] ? b->stop : "-");
	for (int i = 0; i < 8; i++)
		if (a->s.r[i] != b->s.r[i])
			printf("  %s: %s=%08x %s=%08x\n", reg_names[i], an, a->s.r[i], bn,
			       b->s.r[i]);
	if ((a->s.flags ^ b->s.flags) & flag_mask) {
		char fa[8], fb[8];
		dx_flag_string(a->s.flags, fa);
		dx_flag_string(b->s.flags, fb);
		printf("  flags (compared %03x): %s=%s %s=%s\n", flag_mask, an, fa, bn, fb);
	}
	for (unsigned i = 0; i < NFX; i++) {
		if (fx_field_equal(a->s.fx, b->s.fx, i, fsw_mask))
			continue;
		printf("  %s: %s=", fx_fields[i].name, an);
		hex(a->s.fx + fx_fields[i].off, fx_fields[i].len);
		printf(" %s=", bn);
		hex(b->s.fx + fx_fields[i].off, fx_fields[i].len);
		printf("\n");
	}
	for (unsigned i = 0, shown = 0; i < DX_DATA_SIZE && shown < 8; i++) {
		if (a->mem[i] == b->mem[i])
			continue;
		unsigned j = i;
		while (j < DX_DATA_SIZE && j < i + 16 && a->mem[j] != b->mem[j])
			j++;
		printf("  mem %#x..%#x: %s=", DX_DATA + i, DX_DATA + j - 1, an);
		for (unsigned k = i; k < j; k++)
			printf("%02x", a->mem[k]);
		printf(" %s=", bn);
		for (unsigned k = i; k < j; k++)
			printf("%02x", b->mem[k]);
		printf("\n");
		i = j;
		shown++;
	}
}
