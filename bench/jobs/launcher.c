/* The ceiling for item 3 of bench/jobs/RESULTS.md: a bare process launcher that keeps
 * PARALLEL children of `python3 FILE` running until TOTAL have exited, and prints the
 * elapsed time. Like the engine it gives each child its own process group and collects its
 * output through a pipe (read to EOF), so the comparison is launch + wait + output, not the
 * engine's bookkeeping. Children get the engine's clean environment (PATH
 * /usr/local/bin:/usr/bin:/bin, so the same python3: not a pyenv shim from the caller's PATH).
 *   launcher FILE [TOTAL=1000] [PARALLEL=100]  ->  "launcher: TOTAL children, PARALLEL at once: S s" */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct {
	pid_t pid;
	int fd; /* the child's stdout+stderr, -1 once at EOF */
	int exited;
} child;

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: launcher FILE [TOTAL] [PARALLEL]\n");
		return 2;
	}
	int total = argc > 2 ? atoi(argv[2]) : 1000, par = argc > 3 ? atoi(argv[3]) : 100;
	child *c = calloc((size_t)par, sizeof *c);
	struct pollfd *pf = calloc((size_t)par, sizeof *pf);
	char *cargv[] = {"python3", argv[1], NULL};
	char *envp[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", "PYTHONUNBUFFERED=1", "HOME=/tmp", NULL};
	setenv("PATH", "/usr/local/bin:/usr/bin:/bin", 1); /* posix_spawnp searches the caller's PATH */
	int started = 0, finished = 0, active = 0;
	double t0 = now_s();
	for (;;) {
		for (int i = 0; i < par && started < total; i++) {
			if (c[i].pid)
				continue;
			int p[2];
			if (pipe2(p, O_CLOEXEC) != 0)
				return perror("pipe"), 1;
			posix_spawn_file_actions_t fa;
			posix_spawnattr_t at;
			posix_spawn_file_actions_init(&fa);
			posix_spawn_file_actions_adddup2(&fa, p[1], 1);
			posix_spawn_file_actions_adddup2(&fa, p[1], 2);
			posix_spawnattr_init(&at);
			posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
			posix_spawnattr_setpgroup(&at, 0);
			int rc = posix_spawnp(&c[i].pid, "python3", &fa, &at, cargv, envp);
			posix_spawn_file_actions_destroy(&fa);
			posix_spawnattr_destroy(&at);
			close(p[1]);
			if (rc != 0)
				return fprintf(stderr, "spawn: %d\n", rc), 1;
			c[i].fd = p[0];
			c[i].exited = 0;
			started++;
			active++;
		}
		if (active == 0)
			break;
		/* wait for output or EOF on any pipe; exits are collected with WNOHANG after */
		int n = 0;
		for (int i = 0; i < par; i++)
			pf[i] = (struct pollfd){.fd = c[i].pid ? c[i].fd : -1, .events = POLLIN};
		n = poll(pf, (nfds_t)par, 100);
		for (int i = 0; n > 0 && i < par; i++) {
			if (pf[i].fd < 0 || pf[i].revents == 0)
				continue;
			char buf[4096];
			ssize_t got = read(c[i].fd, buf, sizeof buf);
			if (got <= 0 && !(got < 0 && errno == EINTR)) {
				close(c[i].fd);
				c[i].fd = -1;
			}
		}
		for (int i = 0; i < par; i++) {
			if (c[i].pid == 0 || c[i].fd >= 0)
				continue;
			int st;
			if (waitpid(c[i].pid, &st, 0) == c[i].pid) {
				if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
					return fprintf(stderr, "child failed\n"), 1;
				c[i].pid = 0;
				active--;
				finished++;
			}
		}
	}
	printf("launcher: %d children, %d at once: %.3f s\n", finished, par, now_s() - t0);
	return 0;
}
