/*
 * elf_load.h — starting an i386 Linux program in a user-mode guest address
 * space, as the kernel's binfmt_elf does.
 *
 * Owns: loading an ELF executable (ET_EXEC, or ET_DYN/PIE) and its program
 * interpreter into a uspace, the initial brk, the initial stack (argument
 * and environment strings, argc/argv/envp, the auxiliary vector) and the
 * one-page vDSO that AT_SYSINFO points at.
 *
 * Layout (as Linux gives an i386 process on x86-64, without randomization):
 * a PIE at 0x56555000, the interpreter at 0xf7fc0000 (a hint: elsewhere
 * top-down if taken), an 8 MiB stack ending at 0xfffdd000, other mappings
 * top-down below 0xf7000000.  After a failed load the uspace holds partial
 * mappings: destroy it.
 */
#ifndef RINGVM_MONITOR_USER_ELF_LOAD_H
#define RINGVM_MONITOR_USER_ELF_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "memory/uspace.h"

#define ELF_LOAD_PIE_BASE    0x56555000u
#define ELF_LOAD_INTERP_BASE 0xf7fc0000u
#define ELF_LOAD_STACK_TOP   0xfffdd000u
#define ELF_LOAD_STACK_SIZE  (8u << 20)
/* AT_HWCAP: CPUID.1:EDX of an i686 with fpu vme de pse tsc msr pae mce cx8
 * apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2. */
#define ELF_LOAD_HWCAP	  0x078bfbffu
#define ELF_LOAD_PLATFORM "i686"

struct elf_load_info {
	uint32_t entry;	      /* first guest eip: the interpreter's entry, else exe_entry */
	uint32_t exe_entry;   /* the executable's entry (AT_ENTRY) */
	uint32_t phdr;	      /* guest address of its program headers (AT_PHDR) */
	uint32_t phnum;	      /* AT_PHNUM */
	uint32_t load_base;   /* load bias of the executable: 0 for ET_EXEC */
	uint32_t interp_base; /* load bias of the interpreter (AT_BASE), or 0 */
	uint32_t brk;	      /* initial break: page after the executable's end */
	int stack_prot;	      /* PROT_* of the stack: RW with PT_GNU_STACK !X, else RWX */
	const char *execfn;   /* the path given to elf_load (not copied): AT_EXECFN */
	uint32_t stack_top;   /* set by elf_build_stack */
	uint32_t esp;	      /* set by elf_build_stack: 16-byte aligned, at argc */
};

/* Loads the program at PATH (and its PT_INTERP, looked up under SYSROOT if
 * not NULL) into US and sets its brk.  0, or -errno with a one-line
 * "PATH: problem" in ERR. */
int elf_load(struct uspace *us, const char *path, const char *sysroot, char *err, size_t errlen,
	     struct elf_load_info *out);

/* Maps the stack and writes the strings, argc, argv, envp (NULL-terminated;
 * NULL means empty) and auxv as Linux does; AT_SYSINFO is given if
 * VDSO_SYSINFO is not 0.  Sets info->stack_top and info->esp.  0 or -errno
 * with a message in ERR. */
int elf_build_stack(struct uspace *us, struct elf_load_info *info, int argc, char **argv,
		    char **envp, uint32_t vdso_sysinfo, char *err, size_t errlen);

/* Maps a read+exec page holding __kernel_vsyscall ("int $0x80; ret") and
 * sets *SYSINFO to its guest address.  0 or -errno. */
int elf_map_vdso(struct uspace *us, uint32_t *sysinfo);

#endif
