/* stderr logger: ISO time, level, message; one write(2) per line so lines never interleave. */
#include "core/log.h"

#include "core/util.h"

#include <stdarg.h>
#include <stdio.h>
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
