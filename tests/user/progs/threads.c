/*
 * threads.c — glibc pthreads under ringvm user: mutexes, condition
 * variables, __thread variables, join values, exit() from one thread while
 * others run, pthread_kill reaching its thread, and self-modifying code
 * written by one thread while another runs it.  Speaks TAP.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

#define NTHREADS 8
#define NINCR 20000

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *incr(void *arg)
{
	for (int i = 0; i < NINCR; i++) {
		pthread_mutex_lock(&mu);
		counter++;
		pthread_mutex_unlock(&mu);
	}
	return (void *)((intptr_t)arg * 7);
}

static void test_counter(void)
{
	pthread_t th[NTHREADS];
	int joined = 1;
	for (intptr_t i = 0; i < NTHREADS; i++)
		pthread_create(&th[i], NULL, incr, (void *)i);
	for (intptr_t i = 0; i < NTHREADS; i++) {
		void *r;
		if (pthread_join(th[i], &r) != 0 || r != (void *)(i * 7))
			joined = 0;
	}
	CHECK(counter == NTHREADS * NINCR, "mutex counter %ld", counter);
	CHECK(joined, "pthread_join returns each thread's value");
}

/* ping-pong: turn 0 = main's, 1 = the other's */
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int turn, rounds;

static void *pong(void *arg)
{
	(void)arg;
	for (int i = 0; i < 1000; i++) {
		pthread_mutex_lock(&mu);
		while (turn != 1)
			pthread_cond_wait(&cv, &mu);
		turn = 0;
		rounds++;
		pthread_cond_signal(&cv);
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

static void test_condvar(void)
{
	pthread_t th;
	pthread_create(&th, NULL, pong, NULL);
	for (int i = 0; i < 1000; i++) {
		pthread_mutex_lock(&mu);
		while (turn != 0)
			pthread_cond_wait(&cv, &mu);
		turn = 1;
		rounds++;
		pthread_cond_signal(&cv);
		pthread_mutex_unlock(&mu);
	}
	pthread_join(th, NULL);
	CHECK(rounds == 2000, "condition variable ping-pong (%d rounds)", rounds);
}

static __thread int tls_var = 5;
static __thread char tls_buf[64];
static pthread_barrier_t bar;

static void *tls_thread(void *arg)
{
	intptr_t id = (intptr_t)arg;
	int ok = tls_var == 5;
	tls_var = (int)id * 100;
	snprintf(tls_buf, sizeof tls_buf, "thread %d", (int)id);
	pthread_barrier_wait(&bar); /* all have written theirs */
	char want[64];
	snprintf(want, sizeof want, "thread %d", (int)id);
	ok = ok && tls_var == (int)id * 100 && !strcmp(tls_buf, want);
	return (void *)(intptr_t)ok;
}

static void test_tls(void)
{
	pthread_t th[4];
	int ok = 1;
	pthread_barrier_init(&bar, NULL, 5);
	tls_var = -1;
	for (intptr_t i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, tls_thread, (void *)(i + 1));
	pthread_barrier_wait(&bar);
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(th[i], &r);
		ok = ok && r == (void *)1;
	}
	CHECK(ok && tls_var == -1, "__thread variables are per thread");
}

/* pthread_kill: the handler runs in the target thread, even while it spins
 * in translated code. */
static volatile pid_t handler_tid;
static volatile int stop_spin;

static void on_usr1(int sig)
{
	(void)sig;
	handler_tid = (pid_t)syscall(SYS_gettid);
}

static volatile pid_t spinner_tid;

static void *spinner(void *arg)
{
	(void)arg;
	spinner_tid = (pid_t)syscall(SYS_gettid);
	unsigned x = 1;
	while (!stop_spin)
		x = x * 1103515245u + 12345u;
	return (void *)(uintptr_t)x;
}

static void test_kill(void)
{
	pthread_t th;
	struct timespec d = {0, 1000000};
	signal(SIGUSR1, on_usr1);
	pthread_create(&th, NULL, spinner, NULL);
	while (!spinner_tid)
		nanosleep(&d, NULL);
	pthread_kill(th, SIGUSR1);
	for (int i = 0; i < 5000 && !handler_tid; i++)
		nanosleep(&d, NULL);
	stop_spin = 1;
	pthread_join(th, NULL);
	CHECK(handler_tid == spinner_tid && handler_tid != (pid_t)syscall(SYS_gettid),
	      "pthread_kill runs the handler in the target thread (%d, want %d)",
	      (int)handler_tid, (int)spinner_tid);
}

/* SMC: one thread keeps calling code another thread rewrites. */
typedef int (*fn_t)(void);
static uint8_t *code;
static volatile int seen, smc_stop;

static void *caller(void *arg)
{
	(void)arg;
	while (!smc_stop)
		seen = ((fn_t)code)();
	return NULL;
}

static void set_ret(int v)
{
	code[0] = 0xb8; /* mov eax, imm32; ret */
	memcpy(code + 1, &v, 4);
	code[5] = 0xc3;
}

static void test_smc(void)
{
	pthread_t th;
	struct timespec d = {0, 1000000};
	code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	set_ret(1);
	seen = 0;
	pthread_create(&th, NULL, caller, NULL);
	int ok = 1;
	for (int v = 2; v < 40 && ok; v++) {
		while (seen == v - 2)
			nanosleep(&d, NULL);
		set_ret(v);
		int i;
		for (i = 0; i < 5000 && seen != v; i++)
			nanosleep(&d, NULL);
		ok = seen == v;
	}
	smc_stop = 1;
	pthread_join(th, NULL);
	CHECK(ok, "code rewritten by one thread while another runs it (last seen %d)", seen);
}

/* exit() in one thread ends the process while the others run. */
static void *busy(void *arg)
{
	(void)arg;
	for (;;)
		__asm__ volatile("" ::: "memory");
	return NULL;
}

static void *exiter(void *arg)
{
	(void)arg;
	struct timespec d = {0, 20000000};
	nanosleep(&d, NULL);
	exit(42);
}

static void test_exit_group(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		pthread_t th;
		for (int i = 0; i < 3; i++)
			pthread_create(&th, NULL, busy, NULL);
		pthread_create(&th, NULL, exiter, NULL);
		for (;;)
			pause();
	}
	int st = 0;
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 42, "exit() in a thread ends all (status %#x)",
	      st);
}

/* pthread_exit from main: the process lives until the last thread. */
static void *late(void *arg)
{
	(void)arg;
	struct timespec d = {0, 20000000};
	nanosleep(&d, NULL);
	exit(7);
}

static void test_main_exit(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		pthread_t th;
		pthread_create(&th, NULL, late, NULL);
		pthread_exit(NULL);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7, "main thread exits alone (status %#x)", st);
}

/* A process-directed signal reaches the thread that does not block it. */
static volatile pid_t usr2_tid;
static volatile int waiter_ready;

static void on_usr2(int sig)
{
	(void)sig;
	usr2_tid = (pid_t)syscall(SYS_gettid);
}

static void *usr2_waiter(void *arg)
{
	(void)arg;
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	pthread_sigmask(SIG_UNBLOCK, &s, NULL);
	waiter_ready = (int)syscall(SYS_gettid);
	struct timespec d = {0, 1000000};
	for (int i = 0; i < 5000 && !usr2_tid; i++)
		nanosleep(&d, NULL);
	return NULL;
}

static void test_process_signal(void)
{
	pthread_t th;
	sigset_t s, old;
	struct timespec d = {0, 1000000};
	signal(SIGUSR2, on_usr2);
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &s, &old); /* inherited by the waiter, which unblocks */
	pthread_create(&th, NULL, usr2_waiter, NULL);
	while (!waiter_ready)
		nanosleep(&d, NULL);
	kill(getpid(), SIGUSR2);
	pthread_join(th, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	CHECK(usr2_tid == waiter_ready, "kill() reaches the thread that does not block it "
	      "(%d, want %d)", (int)usr2_tid, waiter_ready);
}

/* Many short-lived threads. */
static void *nothing(void *arg)
{
	return arg;
}

static void test_churn(void)
{
	int ok = 1;
	for (int round = 0; round < 30; round++) {
		pthread_t th[10];
		for (intptr_t i = 0; i < 10; i++)
			ok = ok && pthread_create(&th[i], NULL, nothing, (void *)(i + 1)) == 0;
		for (intptr_t i = 0; i < 10; i++) {
			void *r;
			ok = ok && pthread_join(th[i], &r) == 0 && r == (void *)(i + 1);
		}
	}
	CHECK(ok, "300 short-lived threads created and joined");
}

int main(void)
{
	test_counter();
	test_condvar();
	test_tls();
	test_kill();
	test_smc();
	test_process_signal();
	test_churn();
	test_exit_group();
	test_main_exit();
	return tap_done();
}
