/* Child processes of command tasks: started in their own process group, in a working
 * directory the engine picked, with a clean environment, stdout and stderr on one pipe;
 * killed as a whole group. Only the engine's thread calls these. */
#ifndef WEIR_WORKFLOWS_EXEC_H
#define WEIR_WORKFLOWS_EXEC_H

#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"

typedef struct weir_proc {
	pid_t pid; /* also the process group id */
	int pidfd; /* readable once the child exited */
	int outfd; /* the read end of the child's stdout+stderr (non-blocking) */
} weir_proc;

/* Starts argv[0] (looked up in PATH of envp) in `workdir`: stdin /dev/null, stdout and
 * stderr to a pipe, no other descriptor inherited, its own process group, killed if the
 * server dies (PR_SET_PDEATHSIG; grandchildren are reached by killing the group). */
int weir_exec_spawn(const char *workdir, char *const argv[], char *const envp[], weir_proc *out, weir_error *err);
/* SIGKILL to the whole process group. */
void weir_exec_kill(pid_t pid);
/* Reaps an exited child (after its pidfd became readable): its wait status, or -1. */
int weir_exec_reap(weir_proc *p);

#endif
