/* stderr logger: ISO time, level, message; one write(2) per line so lines never interleave. */
#include "core/log.h"

#include "core/util.h"

#include <execinfo.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static weir_log_level level = WEIR_LOG_INFO;

void weir_log_set_level(weir_log_level lvl) { level = lvl; }
void weir_log(weir_log_level lvl, const char *fmt, ...)
{
	static const char *names[] = {"debug", "info", "warn", "error", "off"};
	if (lvl < level)
		return;
	char line[2048];
	struct timeval tv;
	gettimeofday(&tv, NULL);
	char ts[WEIR_ISO_MS_LEN];
	weir_time_iso_ms((int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000, ts);
	int n = snprintf(line, sizeof(line), "%s %s ", ts, names[lvl]);
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w;
}

/* A fatal signal (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT): one line that names it and the
 * stack of the thread it hit, on stderr, then the default action (a core dump where the
 * system keeps them). Only async-signal-safe calls: write(2) and backtrace_symbols_fd, whose
 * library backtrace() loads once here, at install time, not in the handler. Not under the
 * sanitizers, which report these themselves, better. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
void weir_log_crash_reports(void) {}
#else
static void on_fatal(int sig)
{
	char line[96];
	const char *name = sig == SIGSEGV  ? "SIGSEGV"
			   : sig == SIGBUS ? "SIGBUS"
			   : sig == SIGFPE ? "SIGFPE"
			   : sig == SIGILL ? "SIGILL"
					   : "SIGABRT";
	size_t n = 0;
	for (const char *p = "weir: fatal signal "; *p; p++)
		line[n++] = *p;
	for (const char *p = name; *p; p++)
		line[n++] = *p;
	for (const char *p = "; the stack of the thread it hit:\n"; *p; p++)
		line[n++] = *p;
	ssize_t w = write(STDERR_FILENO, line, n);
	(void)w;
	void *frames[48];
	int nf = backtrace(frames, 48);
	backtrace_symbols_fd(frames, nf, STDERR_FILENO);
	signal(sig, SIG_DFL);
	raise(sig);
}

void weir_log_crash_reports(void)
{
	void *warm[1];
	(void)backtrace(warm, 1);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_fatal;
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
}
#endif
