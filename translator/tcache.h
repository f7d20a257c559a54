/*
 * tcache.h — the translation cache.
 *
 * Owns: the host code buffer (one RWX mapping near the ringvm binary so that
 * rel32 jumps reach runtime.S), translated blocks found by guest address
 * (hash) and by host address (allocation order), direct-branch chaining with
 * back-links so chains can be undone, the per-page lists that invalidation
 * of a written or unmapped code page walks (dead blocks' landing pads are
 * disarmed), the precise-state side tables (host offset -> guest
 * instruction), whole-cache flushes, and each attached thread's jump table
 * and return stack.
 *
 * The translator (xlate*.c) fills blocks; the run loop (run.c) asks
 * tcache_get, tcache_single and tcache_chain; memory/ tells it through
 * tcache_invalidate which guest pages changed.
 */
#ifndef RINGVM_TRANSLATOR_TCACHE_H
#define RINGVM_TRANSLATOR_TCACHE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "translator/tstate.h"

struct tcache;
struct tblock;

/* Fixups the fault handler applies to host registers before reading the
 * guest state at a fault inside a guest instruction's host code. */
enum xfix {
	XF_NONE = 0,
	XF_TRUNC_SI_DI = 1, /* rsi/rdi were biased by the window: keep low 32 bits */
	XF_BORROW = 2,      /* guest esp lent to the register in bits 4-7; its own
			       value is in tstate.spill[1] */
	XF_ESP = 3,         /* guest esp is r12d + 4 * (bits 4-7, signed): pushes and
			       pops before it in a run left esp to be moved once */
};

/* One side-table entry: the guest instruction whose host code starts at
 * host_off (relative to the block's host start). */
struct pcmap {
	uint32_t host_off;
	uint32_t eip;
	uint8_t fix;
};

/* How the translator reaches guest code and marks code pages; supplied by
 * the monitor (user mode: memory/uspace; system mode: the shadow MMU). */
struct tcache_env {
	/* Host pointer to guest code at EIP and the number of bytes that may be
	 * read from it (to the end of the executable run), or NULL if EIP is
	 * not executable. */
	const uint8_t *(*fetch)(void *ctx, uint32_t eip, uint32_t *avail);
	/* The page holding ADDR now has translations: write-protect it. */
	void (*code_page)(void *ctx, uint32_t addr);
	/* A guest write to ADDR faulted: true if ADDR is on a write-protected
	 * code page (now writable again, its translations dropped).  Called
	 * from a signal handler, only while translated code runs. */
	bool (*write_fault)(void *ctx, uint32_t addr);
	/* Is guest ADDR mapped at all (SEGV_ACCERR vs SEGV_MAPERR)? */
	bool (*mapped)(void *ctx, uint32_t addr);
	void *ctx;
	/* The recursive mutex that serializes all C-side work on the cache,
	 * shared with the monitor's address space (whose code hook calls
	 * tcache_invalidate with it held), or NULL: the cache has its own. */
	pthread_mutex_t *lock;
	/* int N with this vector leaves translated code as a system call
	 * (EXIT_SYSCALL, eip after it); 0: every int N is a callout. */
	uint8_t syscall_vector;
};

/* Counters for --stats (one place: monitor prints them). */
struct tcache_stats {
	uint64_t blocks, guest_bytes, host_bytes, guest_insns;
	uint64_t chains, unchains, lookups_c, flushes, invalidations, invalidated_blocks;
	uint64_t translate_ns;
	uint64_t untranslatable;
	uint64_t inlined_thunks; /* calls to PIC thunks translated in place */
	uint64_t jtbl_misses; /* indirect branches and unpredicted returns resolved in C */
};

/* From now on, translated code counts indirect branches and returns into
 * tstate (n_indirect, n_ret, n_ret_hit).  Costs a few instructions per
 * site; for --stats. */
void tcache_set_counting(struct tcache *tc, bool on);

struct tcache *tcache_create(size_t code_size, const struct tcache_env *env, char *err,
			     size_t errlen);
void tcache_destroy(struct tcache *tc);

/* Prepares a thread's tstate (jump table, return stack) for this cache.
 * Up to TC_MAX_THREADS threads may be attached at once; each runs
 * translated code without locks, and every C-side call below takes the
 * cache lock.  Invalidation clears the jump-table entry and return stack
 * of every attached thread.  A whole-cache flush while more than one
 * thread is attached is refused (the process aborts with a message): the
 * code buffer is sized so that it practically never fills. */
#define TC_MAX_THREADS 1024
int tcache_attach(struct tcache *tc, struct tstate *ts);
void tcache_detach(struct tcache *tc, struct tstate *ts);
/* In the child of a fork: only KEEP's thread exists any more. */
void tcache_forget_others(struct tcache *tc, struct tstate *keep);

/* Host code for guest EIP, translating if needed; also fills the jump
 * table of TS for EIP (TS may be NULL: a direct branch, which never looks
 * there).  NULL with *SIG set when EIP cannot be translated:
 * SIGSEGV (not executable) or SIGILL (no valid instruction there). */
const void *tcache_get(struct tcache *tc, struct tstate *ts, uint32_t eip, int *sig);

/* A one-instruction block for EIP that is not cached and does not
 * write-protect its page (used to let a self-modifying store complete, and
 * to single-step a guest with EFLAGS.TF set: TRACE, where pushf shows TF);
 * it always leaves to C after the instruction (returns and indirect
 * branches too); valid until the next flush (it lives in the code buffer,
 * so other threads' calls do not disturb it). */
const void *tcache_single(struct tcache *tc, uint32_t eip, bool trace, int *sig);

/* After EXIT_CHAIN: patch the exit that was taken (ts->exit_link) to jump
 * straight to TARGET's code. */
void tcache_chain(struct tcache *tc, struct tstate *ts, const void *target_host);

/* Guest range [addr, addr+len) changed: drop every translation made from it. */
void tcache_invalidate(struct tcache *tc, uint32_t addr, uint32_t len);

/* A host pc inside translated code: the guest eip of the instruction being
 * executed and its fixup; false if PC is not in a block. */
bool tcache_pc_to_guest(struct tcache *tc, uintptr_t pc, uint32_t *eip, enum xfix *fix);

/* Points every chained exit back at its stub, so that translated code
 * returns to C at its next block end (chains are restored lazily).  Takes
 * the cache lock: call it from a signal handler only when the interrupted
 * thread was running translated code (it holds no lock then), see
 * tr_kick(). */
void tcache_unchain_all(struct tcache *tc);

const struct tcache_stats *tcache_stats(const struct tcache *tc);

/* Writes every block translated from now on to /tmp/perf-PID.map (the
 * file perf(1) reads to name JIT code), as "guest_EIP".  0 or -errno. */
int tcache_perf_map(struct tcache *tc);

#endif
