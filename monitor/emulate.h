/*
 * emulate.h — instructions the monitor carries out itself on the guest CPU
 * state, for user and system mode alike: CPUID as the guest may see it, the
 * BCD adjustments, arpl, bound checks.
 *
 * Owns: the guest-visible CPUID (the host's, minus what a 32-bit guest
 * cannot have or ringvm does not save across exits: long mode, AVX and its
 * XSAVE state) and the arithmetic of instructions that do not exist in
 * 64-bit mode.  Each function takes the decoded instruction and works on
 * struct gcpu; none touches memory except through the caller.
 */
#ifndef RINGVM_MONITOR_EMULATE_H
#define RINGVM_MONITOR_EMULATE_H

#include <stdbool.h>
#include <stdint.h>

#include "translator/gcpu.h"

/* CPUID leaf EAX, subleaf ECX, as the guest sees it. */
void emu_cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4]);
/* XCR0 as the guest sees it (x87 | SSE). */
#define EMU_XCR0 3u

/* daa das aaa aas on AL/AH and EFLAGS. */
void emu_daa(struct gcpu *g);
void emu_das(struct gcpu *g);
void emu_aaa(struct gcpu *g);
void emu_aas(struct gcpu *g);
/* aam/aad with base IMM; aam with 0 returns false (#DE). */
bool emu_aam(struct gcpu *g, uint8_t imm);
void emu_aad(struct gcpu *g, uint8_t imm);

#endif
