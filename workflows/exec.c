/* Child processes of command tasks (exec.h). clone(CLONE_VM | CLONE_VFORK) in a threaded
 * process: the child runs on the parent's memory until it execs and only makes system calls
 * (no allocation, no locks); everything it needs (argv, envp, the resolved program path) is
 * prepared before the clone. */
#include "workflows/exec.h"

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* argv[0] resolved against the PATH of envp (the child's, not ours). */
static int resolve(const char *prog, char *const envp[], char *out, size_t cap)
{
	if (strchr(prog, '/')) {
		snprintf(out, cap, "%s", prog);
		return 0;
	}
	const char *path = "/usr/local/bin:/usr/bin:/bin";
	for (int i = 0; envp[i]; i++)
		if (strncmp(envp[i], "PATH=", 5) == 0)
			path = envp[i] + 5;
	while (*path) {
		const char *end = strchr(path, ':');
		size_t n = end ? (size_t)(end - path) : strlen(path);
		if (n > 0 && (size_t)snprintf(out, cap, "%.*s/%s", (int)n, path, prog) < cap && access(out, X_OK) == 0)
			return 0;
		path += n + (end ? 1 : 0);
	}
	return -1;
}

/* What the child needs, prepared before the clone (the child runs on the parent's memory
 * until it execs, and may only make system calls). */
typedef struct child_args {
	const char *prog;
	char *const *argv;
	char *const *envp;
	const char *workdir;
	int pipe_w;
	pid_t parent;
} child_args;

static int child_main(void *p)
{
	const child_args *c = p;
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != c->parent)
		_exit(127); /* the server died before the signal was armed */
	/* default signal dispositions and an empty mask for the program */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	int devnull = open("/dev/null", O_RDONLY);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(c->pipe_w, 1) < 0 || dup2(c->pipe_w, 2) < 0)
		_exit(126);
	close_range(3, ~0U, 0);
	if (chdir(c->workdir) != 0)
		_exit(126);
	execve(c->prog, c->argv, c->envp);
	_exit(127);
}

int weir_exec_spawn(const char *workdir, char *const argv[], char *const envp[], weir_proc *out, weir_error *err)
{
	char prog[1024];
	if (resolve(argv[0], envp, prog, sizeof prog) != 0)
		return weir_error_set(err, WEIR_E_INVALID_PARAMETER_VALUE, "%.200s: program not found", argv[0]);
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) != 0)
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "cannot create a pipe: %s", strerror(errno));
	/* clone with the parent's memory until exec (what posix_spawn does), not fork: copying
	 * the server's page tables for every task cost ~50 ms of CPU each (bench/jobs) */
	enum { STACK = 64 * 1024 };
	char *stack = malloc(STACK);
	if (stack == NULL)
		abort();
	child_args c = {prog, argv, envp, workdir, pipefd[1], getpid()};
	pid_t pid = clone(child_main, stack + STACK, CLONE_VM | CLONE_VFORK | SIGCHLD, &c);
	int saved = errno;
	free(stack); /* the child has exec'd or exited: CLONE_VFORK waited for it */
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "cannot start a process: %s", strerror(saved));
	}
	close(pipefd[1]);
	setpgid(pid, pid); /* also here: no race with a kill of the group right after */
	int pfd = pidfd_open(pid, 0);
	if (pfd < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(pipefd[0]);
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "pidfd_open: %s", strerror(errno));
	}
	fcntl(pipefd[0], F_SETFL, fcntl(pipefd[0], F_GETFL) | O_NONBLOCK);
	out->pid = pid;
	out->pidfd = pfd;
	out->outfd = pipefd[0];
	return 0;
}

void weir_exec_kill(pid_t pid)
{
	if (pid > 0 && kill(-pid, SIGKILL) != 0)
		kill(pid, SIGKILL);
}

int weir_exec_reap(weir_proc *p)
{
	int status;
	pid_t r;
	do
		r = waitpid(p->pid, &status, WNOHANG);
	while (r < 0 && errno == EINTR);
	return r == p->pid ? status : -1;
}
