/* Logging to stderr, one line per event, with a level and an optional request id. Secrets
 * (tokens, client secrets, passwords) are never passed to these functions. */
#ifndef WEIR_CORE_LOG_H
#define WEIR_CORE_LOG_H

typedef enum { WEIR_LOG_DEBUG, WEIR_LOG_INFO, WEIR_LOG_WARN, WEIR_LOG_ERROR, WEIR_LOG_OFF } weir_log_level;

void weir_log_set_level(weir_log_level lvl);
void weir_log(weir_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A fatal signal writes its name and the thread's stack to stderr before the process dies. */
void weir_log_crash_reports(void);

#define weir_log_info(...) weir_log(WEIR_LOG_INFO, __VA_ARGS__)
#define weir_log_warn(...) weir_log(WEIR_LOG_WARN, __VA_ARGS__)
#define weir_log_error(...) weir_log(WEIR_LOG_ERROR, __VA_ARGS__)
#define weir_log_debug(...) weir_log(WEIR_LOG_DEBUG, __VA_ARGS__)

#endif
