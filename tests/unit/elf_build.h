/*
 * elf_build.h — small i386 ELF images written byte by byte for
 * check_elf_load.c (headers from the ELF spec, no compiler at test time).
 * Test-only: every definition is static.
 *
 * build() writes an IMG_SIZE-byte program: a text segment (headers and the
 * code[] below at CODE_OFF), a data + bss segment (DATA_LEN bytes of data
 * from DATA_OFF, memsz BSS_END), PT_GNU_STACK and an optional PT_INTERP;
 * build_interp() a one-segment ET_DYN interpreter; phdr() one program
 * header.
 */
#ifndef ELF_BUILD_H
#define ELF_BUILD_H

#include <elf.h>
#include <stdint.h>
#include <string.h>

#include "memory/uspace.h"

#define PG	   USPACE_PAGE
#define IMG_SIZE   0x2000
#define CODE_OFF   0x100
#define INTERP_OFF 0x180
#define DATA_OFF   0x1010
#define DATA_LEN   0x20
#define BSS_END	   0x3000 /* memsz of the data segment */

static const uint8_t code[] = {0xb8, 1, 0, 0, 0, 0xbb, 42, 0, 0, 0, 0xcd, 0x80};

static Elf32_Phdr phdr(uint32_t type, uint32_t off, uint32_t va, uint32_t fsz, uint32_t msz,
		       uint32_t flags)
{
	return (Elf32_Phdr){.p_type = type,
			    .p_offset = off,
			    .p_vaddr = va,
			    .p_paddr = va,
			    .p_filesz = fsz,
			    .p_memsz = msz,
			    .p_flags = flags,
			    .p_align = PG};
}

/* An i386 program: text (headers + code) at VA, data + bss at VA+0x2010,
 * PT_GNU_STACK RW, and PT_INTERP if INTERP. */
static size_t build(uint8_t *b, uint16_t type, uint32_t va, const char *interp)
{
	Elf32_Ehdr eh = {.e_type = type,
			 .e_machine = EM_386,
			 .e_version = EV_CURRENT,
			 .e_entry = va + CODE_OFF,
			 .e_phoff = sizeof(Elf32_Ehdr),
			 .e_ehsize = sizeof(Elf32_Ehdr),
			 .e_phentsize = sizeof(Elf32_Phdr)};
	Elf32_Phdr ph[4];
	int n = 0;

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS32;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	memset(b, 0, IMG_SIZE);
	if (interp) {
		ph[n++] = phdr(PT_INTERP, INTERP_OFF, va + INTERP_OFF, (uint32_t)strlen(interp) + 1,
			       (uint32_t)strlen(interp) + 1, PF_R);
		strcpy((char *)b + INTERP_OFF, interp);
	}
	ph[n++] = phdr(PT_LOAD, 0, va, 0x200, 0x200, PF_R | PF_X);
	ph[n++] = phdr(PT_LOAD, DATA_OFF, va + 0x2010, DATA_LEN, BSS_END, PF_R | PF_W);
	ph[n++] = phdr(PT_GNU_STACK, 0, 0, 0, 0, PF_R | PF_W);
	eh.e_phnum = (uint16_t)n;
	memcpy(b, &eh, sizeof(eh));
	memcpy(b + sizeof(eh), ph, n * sizeof(ph[0]));
	memcpy(b + CODE_OFF, code, sizeof(code));
	for (int i = 0; i < DATA_LEN; i++)
		b[DATA_OFF + i] = (uint8_t)(0x11 + i);
	memset(b + DATA_OFF + DATA_LEN, 0xaa, IMG_SIZE - DATA_OFF - DATA_LEN); /* must not show */
	return IMG_SIZE;
}

/* A one-segment ET_DYN interpreter with its entry at 0x100. */
static size_t build_interp(uint8_t *b)
{
	build(b, ET_DYN, 0, NULL);
	Elf32_Ehdr *eh = (Elf32_Ehdr *)b;
	eh->e_phnum = 1;
	return 0x200;
}

#endif
