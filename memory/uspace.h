/*
 * uspace.h — the address space of a user-mode guest (`ringvm user`).
 *
 * Owns: one 4 GiB window of host address space (4 GiB aligned, followed by a
 * PROT_NONE guard so accesses that wrap past 4 GiB fault) in which guest
 * address A lives at host address base + A; every guest mapping in it; the
 * guest's brk; a per-page record of guest protection; and write-protection
 * of pages that hold translated code (the execute view), with the hook that
 * tells the translator when such a page is written, remapped or unmapped.
 *
 * Host mappings never carry PROT_EXEC: guest code only runs translated.
 * Errors are negative errno values, as a guest system call returns them.
 */
#ifndef RINGVM_MEMORY_USPACE_H
#define RINGVM_MEMORY_USPACE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define USPACE_PAGE 4096u
#define USPACE_SIZE (1ull << 32)

struct uspace;

/* Called when translations of guest range [addr, addr+len) must go: the
 * pages were written (after write-protection), unmapped, remapped, or lost
 * PROT_EXEC. */
typedef void (*uspace_code_hook)(void *ctx, uint32_t addr, uint32_t len);

struct uspace *uspace_create(void);
void uspace_destroy(struct uspace *us);

/* Host address of guest address 0; 4 GiB aligned (the GS base of translated
 * code). */
uint8_t *uspace_base(const struct uspace *us);

void uspace_set_code_hook(struct uspace *us, uspace_code_hook hook, void *ctx);

/* The recursive mutex every change to the address space holds (the code
 * hook runs with it held).  The translation cache shares it, so that the
 * two never take locks in opposite orders. */
pthread_mutex_t *uspace_mutex(struct uspace *us);

/* Linux mmap semantics for a 32-bit process (PROT_*, MAP_* host values;
 * MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED,
 * MAP_GROWSDOWN, MAP_NORESERVE...).  Without MAP_FIXED, ADDR is a hint and
 * free space is searched top-down below the stack area.  Returns the guest
 * address or -errno. */
int64_t uspace_mmap(struct uspace *us, uint32_t addr, uint32_t len, int prot, int flags, int fd,
		    uint64_t offset);
int uspace_munmap(struct uspace *us, uint32_t addr, uint32_t len);
int uspace_mprotect(struct uspace *us, uint32_t addr, uint32_t len, int prot);
int64_t uspace_mremap(struct uspace *us, uint32_t old_addr, uint32_t old_len, uint32_t new_len,
		      int flags, uint32_t new_addr);

/* brk: uspace_brk_init sets the initial break (end of the loaded image);
 * uspace_brk(us, 0) returns the current break; otherwise moves it like
 * Linux (returns the new break, or the old one on failure). */
void uspace_brk_init(struct uspace *us, uint32_t start);
uint32_t uspace_brk(struct uspace *us, uint32_t new_brk);

/* Guest protection of the page holding ADDR (PROT_* bits), or -1 if
 * unmapped. */
int uspace_prot(const struct uspace *us, uint32_t addr);

/* Host pointer to guest [addr, addr+len) if every page is mapped with at
 * least PROT (PROT_READ and/or PROT_WRITE), else NULL.  LEN 0 is allowed.
 * A range that wraps past 4 GiB is refused. */
void *uspace_ptr(const struct uspace *us, uint32_t addr, uint32_t len, int prot);

/* Copy helpers for system calls: 0 or -EFAULT. */
int uspace_read(const struct uspace *us, void *dst, uint32_t addr, uint32_t len);
int uspace_write(struct uspace *us, uint32_t addr, const void *src, uint32_t len);
/* Length of the NUL-terminated string at ADDR (at most MAX), or -EFAULT. */
int64_t uspace_strnlen(const struct uspace *us, uint32_t addr, uint32_t max);

/* The translator made translations from the page holding ADDR: write-protect
 * its host mapping (if the guest may write it) so a write faults. */
void uspace_code_page(struct uspace *us, uint32_t addr);

/* A host write fault hit guest ADDR.  If the page is a write-protected code
 * page: make it writable again, forget that it holds code, call the hook for
 * the page and return true (the faulting write can be retried).  Otherwise
 * false (a true guest fault). */
bool uspace_code_write_fault(struct uspace *us, uint32_t addr);

#endif
