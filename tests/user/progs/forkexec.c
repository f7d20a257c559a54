/* forkexec.c — fork, pipes, wait statuses and execve of an i386 program. */
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "child"))
		return 42;
	if (argc > 1 && !strcmp(argv[1], "echo")) {
		printf("%s\n", argc > 2 ? argv[2] : "");
		return 0;
	}
	int fd[2];
	CHECK(pipe(fd) == 0, "pipe");
	pid_t pid = fork();
	if (pid == 0) {
		close(fd[0]);
		const char msg[] = "from the child";
		if (write(fd[1], msg, sizeof(msg)) != sizeof(msg))
			_exit(2);
		_exit(7);
	}
	close(fd[1]);
	char buf[64] = "";
	ssize_t n = read(fd[0], buf, sizeof(buf));
	CHECK(n == 15 && !strcmp(buf, "from the child"), "child wrote through the pipe");
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 7,
	      "exit status 7 seen by waitpid");

	pid = fork();
	if (pid == 0) {
		execl("/proc/self/exe", argv[0], "child", (char *)NULL);
		_exit(99);
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 42,
	      "execve of itself returns 42 (%d)", WEXITSTATUS(st));

	pid = fork();
	if (pid == 0) {
		*(volatile int *)0 = 1;
		_exit(0);
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
	      "an unhandled fault kills the child with SIGSEGV");

	int p2[2];
	CHECK(pipe(p2) == 0, "second pipe");
	pid = fork();
	if (pid == 0) {
		dup2(p2[1], 1);
		execl(argv[0], argv[0], "echo", "exec'd output", (char *)NULL);
		_exit(98);
	}
	close(p2[1]);
	memset(buf, 0, sizeof(buf));
	n = read(p2[0], buf, sizeof(buf) - 1);
	waitpid(pid, &st, 0);
	CHECK(!strcmp(buf, "exec'd output\n"), "stdout of an exec'd program");
	return tap_done();
}
