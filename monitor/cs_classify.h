/*
 * cs_classify.h — the second opinion: classification of Capstone-decoded
 * instructions against the same sensitive-instruction table.
 *
 * Owns: a Capstone handle set up for 32-bit x86 with operand details, and an
 * implementation of each row's operand constraint written against Capstone's
 * operand model.  Shares nothing with the Zydis path but sensitive.def, so a
 * disagreement between the two is a real finding.
 */
#ifndef RINGVM_MONITOR_CS_CLASSIFY_H
#define RINGVM_MONITOR_CS_CLASSIFY_H

#include <capstone/capstone.h>

/* Opens a 32-bit x86 Capstone handle with details on. 0 or -errno. */
int cs_classify_open(csh *handle);

/* The first sensitive.def row matching INSN (decoded with details), or -1. */
int cs_classify(const cs_insn *insn);

#endif
