/*
 * gen_check.c — the Zydis checks of a generated case (see gen.h): the
 * cross-check that the guest bytes decode in 32-bit mode and the native
 * bytes in 64-bit mode to the same instructions with the generated lengths
 * (gen_check), and whether the guest instruction has a lock prefix
 * (gen_locked).
 */
#include "tests/diff/gen.h"

#include <Zydis/Zydis.h>

const char *gen_check(const struct dcase *c)
{
	static ZydisDecoder d32, d64;
	static bool init;
	ZydisDecodedInstruction a, b;
	unsigned g = 0, n = 0, count = 0;

	if (!init) {
		ZydisDecoderInit(&d32, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
		ZydisDecoderInit(&d64, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
		init = true;
	}
	while (g < c->glen) {
		bool ga = ZYAN_SUCCESS(
		    ZydisDecoderDecodeInstruction(&d32, NULL, c->guest + g, c->glen - g, &a));
		bool nb = ZYAN_SUCCESS(
		    ZydisDecoderDecodeInstruction(&d64, NULL, c->native + n, c->nlen - n, &b));
		if (!ga && !nb)
			return NULL; /* both invalid here (#UD expected on both sides) */
		if (!ga)
			return "guest bytes do not decode in 32-bit mode";
		if (!nb)
			return "native bytes do not decode in 64-bit mode";
		if (a.mnemonic != b.mnemonic)
			return "guest and native mnemonics differ";
		if (c->seq && a.length != b.length)
			return "a sequence instruction has different guest and native lengths";
		g += a.length, n += b.length, count++;
	}
	if (g != c->glen || n != c->nlen)
		return "decoded lengths differ from the generated lengths";
	if (count != (c->seq ? c->seq : 1))
		return "the bytes decode to a different number of instructions";
	return NULL;
}

bool gen_locked(const struct dcase *c)
{
	ZydisDecoder d;
	ZydisDecodedInstruction a;

	ZydisDecoderInit(&d, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
	return !c->seq &&
	       ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&d, NULL, c->guest, c->glen, &a)) &&
	       (a.attributes & ZYDIS_ATTRIB_HAS_LOCK);
}
