/* Child processes of command tasks (exec.h). fork() in a threaded process: the child only
 * calls async-signal-safe functions between fork and exec; everything it needs (argv,
 * envp, the resolved program path) is prepared before the fork. */
#include "workflows/exec.h"

#include <errno.h>
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

int weir_exec_spawn(const char *workdir, char *const argv[], char *const envp[], weir_proc *out, weir_error *err)
{
	char prog[1024];
	if (resolve(argv[0], envp, prog, sizeof prog) != 0)
		return weir_error_set(err, WEIR_E_INVALID_PARAMETER_VALUE, "%.200s: program not found", argv[0]);
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) != 0)
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "cannot create a pipe: %s", strerror(errno));
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "cannot start a process: %s", strerror(errno));
	}
	if (pid == 0) {
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127); /* the server died before the signal was armed */
		/* default signal dispositions and an empty mask for the program */
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(pipefd[1], 1) < 0 || dup2(pipefd[1], 2) < 0)
			_exit(126);
		close_range(3, ~0U, 0);
		if (chdir(workdir) != 0)
			_exit(126);
		execve(prog, argv, envp);
		_exit(127);
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
