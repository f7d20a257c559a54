/*
 * tcache.c — the translation cache (see tcache.h): code buffer, lookup by
 * guest and host address, chaining and unchaining, page invalidation,
 * flushes; the cache lock and the list of attached threads.
 */
#include "translator/tcache_int.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define META_SIZE (256u << 20)

static bool near_runtime(const uint8_t *p, size_t size)
{
	intptr_t anchor = (intptr_t)tr_exit;
	intptr_t lo = (intptr_t)p - anchor, hi = (intptr_t)(p + size) - anchor;
	return lo > -0x7ff00000 && hi < 0x7ff00000 && lo < 0x7ff00000 && hi > -0x7ff00000;
}

/* An RWX buffer within rel32 reach of runtime.S. */
static uint8_t *map_code(size_t size)
{
	uintptr_t anchor = (uintptr_t)tr_exit & ~(uintptr_t)0xffff;
	for (uintptr_t step = 1; step < 24; step++) {
		for (int dir = -1; dir <= 1; dir += 2) {
			uintptr_t hint = anchor + (uintptr_t)((intptr_t)dir * (intptr_t)(step << 26));
			void *p = mmap((void *)hint, size, PROT_READ | PROT_WRITE | PROT_EXEC,
				       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE |
					       MAP_NORESERVE,
				       -1, 0);
			if (p == MAP_FAILED)
				continue;
			if (near_runtime(p, size))
				return p;
			munmap(p, size);
		}
	}
	return NULL;
}

/* An empty jump-table entry is all zero, so the table needs no
 * initialisation (its pages stay untouched until used): key 0 is eip 0,
 * which only slot 0 could hold; empty, slot 0 holds key 1 (eip 0xffffffff,
 * whose slot is 0xffff). */
static void clear_entry(struct tentry *e, const struct tentry *jtbl)
{
	e->key = e == jtbl ? 1 : 0;
	e->host = (uint64_t)(uintptr_t)tr_lookup_miss;
}

static void clear_jtbl(struct tentry *jtbl)
{
	madvise(jtbl, JTBL_SIZE * sizeof(*jtbl), MADV_DONTNEED); /* zero again */
	clear_entry(&jtbl[0], jtbl);
}

struct tcache *tcache_create(size_t code_size, const struct tcache_env *env, char *err,
			     size_t errlen)
{
	struct tcache *tc = calloc(1, sizeof(*tc));
	if (!tc)
		goto nomem;
	tc->env = *env;
	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&tc->own_lock, &attr);
	pthread_mutexattr_destroy(&attr);
	tc->lock = env->lock ? env->lock : &tc->own_lock;
	tc->code = map_code(code_size);
	if (!tc->code) {
		snprintf(err, errlen, "cannot map a %zu MiB code buffer near the runtime",
			 code_size >> 20);
		pthread_mutex_destroy(&tc->own_lock);
		free(tc);
		return NULL;
	}
	tc->code_end = tc->code + code_size;
	tc->meta = mmap(NULL, META_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	tc->page_head = mmap(NULL, TC_PAGES * sizeof(*tc->page_head), PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	tc->jtbl_empty = mmap(NULL, JTBL_SIZE * sizeof(struct tentry), PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (tc->jtbl_empty != MAP_FAILED) {
		clear_entry(&tc->jtbl_empty[0], tc->jtbl_empty);
		mprotect(tc->jtbl_empty, JTBL_SIZE * sizeof(struct tentry), PROT_READ);
	}
	tc->byhost_cap = 1u << 16;
	tc->byhost = malloc(tc->byhost_cap * sizeof(*tc->byhost));
	if (tc->meta == MAP_FAILED || tc->page_head == MAP_FAILED || !tc->byhost ||
	    tc->jtbl_empty == MAP_FAILED) {
		tcache_destroy(tc);
		goto nomem;
	}
	tc->meta_end = tc->meta + META_SIZE;
	tc->code_ptr = tc->code;
	tc->meta_ptr = tc->meta;
	return tc;
nomem:
	snprintf(err, errlen, "out of memory for the translation cache");
	return NULL;
}

void tcache_destroy(struct tcache *tc)
{
	if (!tc)
		return;
	if (tc->code)
		munmap(tc->code, (size_t)(tc->code_end - tc->code));
	if (tc->meta && tc->meta != MAP_FAILED)
		munmap(tc->meta, META_SIZE);
	if (tc->page_head && tc->page_head != MAP_FAILED)
		munmap(tc->page_head, TC_PAGES * sizeof(*tc->page_head));
	if (tc->jtbl_empty && tc->jtbl_empty != MAP_FAILED)
		munmap(tc->jtbl_empty, JTBL_SIZE * sizeof(struct tentry));
	free(tc->byhost);
	if (tc->perf_map)
		fclose(tc->perf_map);
	pthread_mutex_destroy(&tc->own_lock);
	free(tc);
}

void tc_lock(struct tcache *tc)
{
	pthread_mutex_lock(tc->lock);
}

void tc_unlock(struct tcache *tc)
{
	pthread_mutex_unlock(tc->lock);
}

void *tc_meta_alloc(struct tcache *tc, size_t size)
{
	size = (size + 15) & ~(size_t)15;
	if ((size_t)(tc->meta_end - tc->meta_ptr) < size)
		return NULL;
	void *p = tc->meta_ptr;
	tc->meta_ptr += size;
	return p;
}

/* Empties the return stack: rsp at a sentinel whose landing pad is
 * tr_ret_empty (top of the stack part, see map_xstack). */
static void clear_xstack(struct tstate *ts)
{
	ts->xsp = ts->xsp_empty;
	*(uint64_t *)(uintptr_t)ts->xsp_empty = (uint64_t)(uintptr_t)tr_ret_empty;
}

/* [guard][host signal stack][guard][return stack][sentinel, 16 bytes] */
static int map_xstack(struct tstate *ts)
{
	size_t len = 2 * TC_GUARD + TC_SIGSTACK + TC_XSTACK + 16;
	uint8_t *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return -ENOMEM;
	if (mprotect(p + TC_GUARD, TC_SIGSTACK, PROT_READ | PROT_WRITE) < 0 ||
	    mprotect(p + 2 * TC_GUARD + TC_SIGSTACK, TC_XSTACK + 16, PROT_READ | PROT_WRITE) < 0) {
		munmap(p, len);
		return -ENOMEM;
	}
	ts->xstack = p;
	ts->xstack_len = len;
	ts->sigstack_on = 0;
	ts->xsp_empty = (uint64_t)(uintptr_t)(p + len - 16);
	clear_xstack(ts);
	return 0;
}

static void unmap_thread(struct tstate *ts)
{
	if (ts->jtbl_own)
		munmap(ts->jtbl_own, JTBL_SIZE * sizeof(struct tentry));
	ts->jtbl = ts->jtbl_own = NULL;
	if (!ts->xstack)
		return;
	stack_t ss;
	if (sigaltstack(NULL, &ss) == 0 && (uint8_t *)ss.ss_sp == ts->xstack + TC_GUARD) {
		ss.ss_flags = SS_DISABLE; /* this thread's: not in use outside a handler */
		sigaltstack(&ss, NULL);
	}
	munmap(ts->xstack, ts->xstack_len);
	ts->xstack = NULL;
}

int tcache_attach(struct tcache *tc, struct tstate *ts)
{
	struct tentry *t = mmap(NULL, JTBL_SIZE * sizeof(struct tentry), PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (t == MAP_FAILED)
		return -ENOMEM;
	if (map_xstack(ts) < 0) {
		munmap(t, JTBL_SIZE * sizeof(struct tentry));
		return -ENOMEM;
	}
	clear_entry(&t[0], t); /* a fresh mapping is all zero: only slot 0 */
	ts->jtbl = ts->jtbl_own = t;
	ts->jtbl_empty = tc->jtbl_empty;
	tc_lock(tc);
	int rc = tc->nts < TC_MAX_THREADS ? 0 : -EAGAIN;
	if (!rc)
		tc->ts[tc->nts++] = ts;
	tc_unlock(tc);
	if (rc < 0)
		unmap_thread(ts);
	return rc;
}

void tcache_detach(struct tcache *tc, struct tstate *ts)
{
	tc_lock(tc);
	for (unsigned i = 0; i < tc->nts; i++)
		if (tc->ts[i] == ts) {
			tc->ts[i] = tc->ts[--tc->nts];
			break;
		}
	tc_unlock(tc);
	unmap_thread(ts);
}

void tcache_forget_others(struct tcache *tc, struct tstate *keep)
{
	tc->nts = 0;
	tc->ts[tc->nts++] = keep;
}

void tc_flush(struct tcache *tc)
{
	if (tc->nts > 1) {
		/* Other threads may be inside translated code: no stop-the-world
		 * yet (a documented quirk). */
		static const char msg[] = "ringvm: translation cache full with several guest "
					  "threads running; cannot flush\n";
		if (write(2, msg, sizeof(msg) - 1) < 0) {
		}
		abort();
	}
	tc->code_ptr = tc->code;
	tc->meta_ptr = tc->meta;
	tc->nbyhost = 0;
	memset(tc->hash, 0, sizeof(tc->hash));
	madvise(tc->page_head, TC_PAGES * sizeof(*tc->page_head), MADV_DONTNEED);
	for (unsigned k = 0; k < tc->nts; k++) {
		clear_jtbl(tc->ts[k]->jtbl_own);
		clear_xstack(tc->ts[k]); /* its landing pads are gone */
	}
	tc->st.flushes++;
}

static struct tblock *find(struct tcache *tc, uint32_t eip)
{
	for (struct tblock *b = tc->hash[tc_hash(eip)]; b; b = b->hash_next)
		if (b->eip == eip)
			return b;
	return NULL;
}

static int add_byhost(struct tcache *tc, struct tblock *b)
{
	if (tc->nbyhost == tc->byhost_cap) {
		struct tblock **v = realloc(tc->byhost, 2 * tc->byhost_cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		tc->byhost = v;
		tc->byhost_cap *= 2;
	}
	tc->byhost[tc->nbyhost++] = b;
	return 0;
}

static void insert(struct tcache *tc, struct tblock *b)
{
	struct tblock **h = &tc->hash[tc_hash(b->eip)];
	b->hash_next = *h;
	*h = b;
	b->cached = true;
	if (getenv("DUMPEIP") && strtoul(getenv("DUMPEIP"),0,16)==b->eip){ FILE*f=fopen("/tmp/blk.bin","w"); fwrite(b->host,1,b->host_len,f); fclose(f);}
	if (tc->perf_map)
		fprintf(tc->perf_map, "%lx %lx guest_%08x\n", (unsigned long)(uintptr_t)b->host,
			(unsigned long)b->host_len, b->eip);
	for (unsigned i = 0; i < b->npages; i++) {
		struct tblock **ph = &tc->page_head[b->pages[i]];
		b->page_next[i] = *ph;
		*ph = b;
		tc->env.code_page(tc->env.ctx, b->pages[i] << 12);
	}
}

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static struct tblock *translate(struct tcache *tc, uint32_t eip, unsigned mode, int *sig)
{
	uint64_t t0 = now_ns();
	if (!mode && tc->nts > 1) {
		/* Write-protect before reading the guest bytes, so that another
		 * thread's store in between faults and drops this block rather
		 * than leaving it stale. */
		tc->env.code_page(tc->env.ctx, eip & ~0xfffu);
		if (((eip + 15) ^ eip) & ~0xfffu)
			tc->env.code_page(tc->env.ctx, (eip + 15) & ~0xfffu);
	}
	struct tblock *b = xlate_block(tc, eip, mode, sig);
	if (!b && *sig == 0) { /* out of room: start over */
		tc_flush(tc);
		b = xlate_block(tc, eip, mode, sig);
	}
	tc->st.translate_ns += now_ns() - t0;
	return b;
}

static const void *get_locked(struct tcache *tc, struct tstate *ts, uint32_t eip, int *sig)
{
	struct tblock *b = find(tc, eip);
	tc->st.lookups_c++;
	if (!b) {
		b = translate(tc, eip, 0, sig);
		if (!b)
			return NULL;
		if (add_byhost(tc, b) < 0) {
			tc_flush(tc);
			return get_locked(tc, ts, eip, sig);
		}
		insert(tc, b);
	}
	if (ts) {
		struct tentry *e = &ts->jtbl_own[eip & (JTBL_SIZE - 1)];
		e->key = tentry_key(eip);
		e->host = (uint64_t)(uintptr_t)b->host;
	}
	return b->host;
}

const void *tcache_get(struct tcache *tc, struct tstate *ts, uint32_t eip, int *sig)
{
	tc_lock(tc);
	const void *p = get_locked(tc, ts, eip, sig);
	tc_unlock(tc);
	return p;
}

/* Single blocks live in the code buffer (and in byhost, so faults in them
 * map back to guest state) but not in the hash: never found, never
 * chained. */
const void *tcache_single(struct tcache *tc, uint32_t eip, bool trace, int *sig)
{
	tc_lock(tc);
	struct tblock *b = translate(tc, eip, XB_SINGLE | (trace ? XB_TRACE : 0), sig);
	if (b && add_byhost(tc, b) < 0)
		b = NULL, *sig = SIGSEGV;
	tc_unlock(tc);
	return b ? b->host : NULL;
}

static void chain_locked(struct tcache *tc, struct tstate *ts, const void *target_host)
{
	struct tlink *l = (struct tlink *)(uintptr_t)ts->exit_link;
	if (!l || l->from->dead || !l->from->cached)
		return;
	struct tblock *to = find(tc, l->target);
	if (!to || to->host != target_host)
		return;
	if (l->to) { /* unchained by tcache_unchain_all: relink */
		if (l->to == to)
			emit_patch_rel32(l->rel, to->host);
		return;
	}
	l->to = to;
	l->next_in = to->in;
	to->in = l;
	emit_patch_rel32(l->rel, to->host);
	tc->st.chains++;
}

void tcache_chain(struct tcache *tc, struct tstate *ts, const void *target_host)
{
	tc_lock(tc);
	chain_locked(tc, ts, target_host);
	tc_unlock(tc);
}

static void unchain_in(struct tcache *tc, struct tblock *b)
{
	for (struct tlink *l = b->in; l; l = l->next_in) {
		emit_patch_rel32(l->rel, l->stub);
		l->to = NULL;
		tc->st.unchains++;
	}
	b->in = NULL;
}

static void unlink_hash(struct tcache *tc, struct tblock *b)
{
	for (struct tblock **p = &tc->hash[tc_hash(b->eip)]; *p; p = &(*p)->hash_next)
		if (*p == b) {
			*p = b->hash_next;
			return;
		}
}

static void unlink_page(struct tcache *tc, struct tblock *b, unsigned i)
{
	struct tblock **p = &tc->page_head[b->pages[i]];
	while (*p) {
		struct tblock *x = *p;
		unsigned k = 0;
		while (x->pages[k] != b->pages[i])
			k++;
		if (x == b) {
			*p = x->page_next[k];
			return;
		}
		p = &x->page_next[k];
	}
}

/* A landing pad of a dead block must look every ret up (see landing_pad in
 * xlate_flow.c): the rel8 of its jrcxz becomes 0, or its cmp r11d (41 81
 * fb, 7 bytes, then je and the jmp to the lookup) a jmp to that jmp.
 * Single stores within a cache line: atomic for threads running it. */
static void disarm_pad(uint8_t *pad)
{
	if (*pad != 0x41) {
		__atomic_store_n(pad, 0, __ATOMIC_RELAXED);
		return;
	}
	uint16_t jmp = 0x07eb; /* eb 07: to offset 9, the jmp to the lookup */
	__asm__ volatile("movw %1, %0" : "=m"(*(uint8_t(*)[2])pad) : "r"(jmp));
}

static void kill_block(struct tcache *tc, struct tblock *b)
{
	b->dead = true;
	for (unsigned i = 0; i < b->npads; i++)
		disarm_pad(b->pads[i]);
	unchain_in(tc, b);
	unlink_hash(tc, b);
	for (unsigned i = 0; i < b->npages; i++)
		unlink_page(tc, b, i);
	for (unsigned k = 0; k < tc->nts; k++) {
		struct tentry *e = &tc->ts[k]->jtbl_own[b->eip & (JTBL_SIZE - 1)];
		if (e->host == (uint64_t)(uintptr_t)b->host)
			clear_entry(e, tc->ts[k]->jtbl_own);
	}
	tc->st.invalidated_blocks++;
}

void tcache_invalidate(struct tcache *tc, uint32_t addr, uint32_t len)
{
	uint64_t first = addr >> 12, last = ((uint64_t)addr + (len ? len : 1) - 1) >> 12;
	bool any = false;

	tc_lock(tc);
	for (uint64_t pg = first; pg <= last && pg < TC_PAGES; pg++) {
		while (tc->page_head[pg]) {
			kill_block(tc, tc->page_head[pg]);
			any = true;
		}
	}
	/* Return stacks keep landing pads of dead blocks: their code stays
	 * until the next flush, and a landing pad checks its guest address. */
	if (any)
		tc->st.invalidations++;
	tc_unlock(tc);
}

static struct tblock *block_at(struct tcache *tc, uintptr_t pc)
{
	size_t lo = 0, hi = tc->nbyhost;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if ((uintptr_t)tc->byhost[mid]->host <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	struct tblock *b = tc->byhost[lo - 1];
	return pc < (uintptr_t)b->host + b->host_len ? b : NULL;
}

/* Called from the fault handler of a thread that was running translated
 * code (and so holds no lock). */
bool tcache_pc_to_guest(struct tcache *tc, uintptr_t pc, uint32_t *eip, enum xfix *fix)
{
	tc_lock(tc);
	struct tblock *b = block_at(tc, pc);
	tc_unlock(tc); /* blocks are only freed by a flush */
	if (!b || !b->nmap)
		return false;
	uint32_t off = (uint32_t)(pc - (uintptr_t)b->host);
	unsigned i = 0;
	while (i + 1 < b->nmap && b->map[i + 1].host_off <= off)
		i++;
	*eip = b->map[i].eip;
	*fix = (enum xfix)b->map[i].fix;
	return true;
}

void tcache_unchain_all(struct tcache *tc)
{
	tc_lock(tc);
	for (size_t k = 0; k < tc->nbyhost; k++) {
		struct tblock *b = tc->byhost[k];
		for (unsigned i = 0; !b->dead && i < b->nlinks; i++)
			if (b->links[i].to)
				emit_patch_rel32(b->links[i].rel, b->links[i].stub);
	}
	tc_unlock(tc);
}

void tcache_set_counting(struct tcache *tc, bool on)
{
	tc->counting = on;
}

int tcache_perf_map(struct tcache *tc)
{
	char path[64];
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
	tc_lock(tc);
	if (!tc->perf_map)
		tc->perf_map = fopen(path, "we");
	int r = tc->perf_map ? 0 : -errno;
	if (tc->perf_map)
		setvbuf(tc->perf_map, NULL, _IOLBF, 0);
	tc_unlock(tc);
	return r;
}

const struct tcache_stats *tcache_stats(const struct tcache *tc)
{
	return &tc->st;
}
