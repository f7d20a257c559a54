/*
 * tcache_int.h — translation-cache internals shared by tcache.c and the
 * block translator (xlate*.c).  Not for the monitor.
 */
#ifndef RINGVM_TRANSLATOR_TCACHE_INT_H
#define RINGVM_TRANSLATOR_TCACHE_INT_H

#include <stdio.h>

#include "translator/emit.h"
#include "translator/tcache.h"

/* A direct-branch exit: the rel32 in the block body, its exit stub, and,
 * once chained, the block it jumps to. */
struct tlink {
	uint8_t *rel;         /* rel32 field of the jmp/jcc in the body */
	uint8_t *stub;        /* exit stub it points to when not chained */
	uint32_t target;      /* guest eip */
	struct tblock *from, *to;
	struct tlink *next_in; /* in to->in list */
};

/* A block's code comes from its own page or two, and from the pages of
 * small callees it inlined. */
#define TB_MAX_PAGES 4

struct tblock {
	uint32_t eip, guest_len;
	uint8_t *host;
	uint32_t host_len;
	uint32_t pages[TB_MAX_PAGES]; /* guest pages its code came from */
	uint8_t npages;
	bool dead, cached;
	struct tblock *hash_next;
	struct tblock *page_next[TB_MAX_PAGES];
	struct tlink *in; /* chained links that jump here */
	struct tlink *links;
	uint16_t nlinks;
	uint16_t nmap;
	struct pcmap *map;
	/* rel8 of each landing pad's jrcxz: zeroed when the block dies, so a
	 * ret into it looks its target up instead of running stale code */
	uint8_t **pads;
	uint16_t npads;
};

#define TC_HASH 16384u
/* Blocks start anywhere; mix in the page so code pages share no buckets. */
static inline unsigned tc_hash(uint32_t eip)
{
	return (eip ^ (eip >> 14)) & (TC_HASH - 1);
}
/* Per attached thread: the return stack, the host signal stack, guards */
#define TC_XSTACK (1u << 20)
#define TC_SIGSTACK (256u << 10)
#define TC_GUARD 4096u
#define TC_PAGES (1u << 20)

struct tcache {
	struct tcache_env env;
	uint8_t *code, *code_end, *code_ptr;
	uint8_t *meta, *meta_end, *meta_ptr; /* blocks, links, side tables */
	struct tblock **byhost;              /* blocks in allocation order */
	size_t nbyhost, byhost_cap;
	struct tblock *hash[TC_HASH];
	struct tblock **page_head; /* TC_PAGES entries, sparse mapping */
	struct tentry *jtbl_empty; /* read-only, every lookup misses */
	struct tstate *ts[TC_MAX_THREADS]; /* attached threads, nts of them */
	unsigned nts;
	struct tcache_stats st;
	bool counting;             /* emit --stats counters */
	FILE *perf_map;            /* perf(1) JIT symbol map, or NULL */
	pthread_mutex_t own_lock;  /* used when env.lock is NULL */
	pthread_mutex_t *lock;     /* recursive; see tcache_env.lock */
};

void tc_lock(struct tcache *tc);
void tc_unlock(struct tcache *tc);

void *tc_meta_alloc(struct tcache *tc, size_t size);
void tc_flush(struct tcache *tc);

/* Translates the block at EIP into TC's code buffer.  MODE XB_SINGLE: one
 * instruction, uncached (XB_TRACE too: the guest single-steps).  Returns the block or NULL with *sig set; on a full
 * buffer returns NULL with *sig = 0 (caller flushes and retries). */
enum { XB_SINGLE = 1, XB_TRACE = 2 }; /* see tcache_single */
struct tblock *xlate_block(struct tcache *tc, uint32_t eip, unsigned mode, int *sig);

#endif
