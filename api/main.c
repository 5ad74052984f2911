/* weir: the command line. `weir serve --data DIR --listen HOST:PORT` runs the server until
 * SIGTERM or SIGINT; `weir backup DIR OUT` copies the database with SQLite's online backup. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/http.h"
#include "api/server.h"
#include "core/alloc.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"

#define WEIR_VERSION "0.1.0"

static void usage(FILE *f)
{
	fputs("usage: weir serve [--data DIR] [--store postgresql://...] [--listen HOST:PORT] [--sync full|normal]\n"
	      "                  [--threads N]\n"
	      "                  [--port-file FILE] [--body-limit BYTES] [--upload-limit BYTES]\n"
	      "                  [--jwks FILE --jwt-issuer ISS --jwt-audience AUD] [--quiet]\n"
	      "                  [--head-timeout SECONDS] [--drain SECONDS] [--body-memory BYTES]\n"
	      "                  [--token-max-lifetime SECONDS] [--metrics-listen HOST:PORT]\n"
	      "                  [--max-connections N] [--allow-command-tasks] [--task-log-limit BYTES]\n"
	      "                  [--task-slots N] [--ui-secure-cookies]\n"
	      "                  [--oauth-authorize-url URL --oauth-token-url URL --oauth-client-id ID\n"
	      "                   [--oauth-client-secret-file FILE]]\n"
	      "       weir backup DIR OUT | weir backup --store postgresql://... OUT\n"
	      "       weir routes\n"
	      "       weir version\n",
	      f);
}

/* HOST:PORT into host (a static buffer of the caller's) and *port. */
static int parse_hostport(const char *s, char *host, size_t cap, unsigned *port_out)
{
	const char *colon = strrchr(s, ':');
	if (colon == NULL)
		return -1;
	char *end = NULL;
	long port = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end != '\0' || port < 0 || port > 65535)
		return -1;
	size_t n = (size_t)(colon - s);
	if (n == 0 || n >= cap)
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	*port_out = (unsigned)port;
	return 0;
}

static int serve(int argc, char **argv)
{
	weir_app app;
	memset(&app, 0, sizeof(app));
	weir_config *cfg = &app.cfg;
	cfg->data_dir = "./weir-data";
	cfg->listen_host = "127.0.0.1";
	cfg->listen_port = 8080;
	cfg->sync = WEIR_SYNC_FULL;
	/* one MHD thread per core, at least 2: with two per core the threads and a client on the
	 * same cores preempted each other, and p99 at 32 connections was 4-8 ms against 1.6-2.8
	 * (bench/RESULTS.md) */
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cfg->threads = (int)(ncpu > 2 ? ncpu : 2);
	cfg->body_limit = 10u << 20;
	cfg->upload_limit = (size_t)2 << 30;
	cfg->conn_timeout_s = 30;
	cfg->conn_limit = 0; /* 0: as many as the descriptor limit allows (api/server.c) */
	cfg->per_ip_limit = 0;
	cfg->head_timeout_s = 10;
	cfg->drain_s = 30;
	cfg->body_memory_limit = (size_t)64 << 20;
	cfg->token_max_lifetime_s = 90LL * 24 * 3600; /* Databricks' default maximum for PATs */
	/* The options that keep their value as given, read it as a byte count, or take none and
	 * set a flag; the others are parsed one by one below. */
	const struct {
		const char *name;
		const char **text;
		size_t *bytes;
		bool *flag;
	} plain[] = {
		{"--data", .text = &cfg->data_dir},
		{"--port-file", .text = &cfg->port_file},
		{"--body-limit", .bytes = &cfg->body_limit},
		{"--upload-limit", .bytes = &cfg->upload_limit},
		{"--jwks", .text = &cfg->jwks_file},
		{"--jwt-issuer", .text = &cfg->jwt_issuer},
		{"--jwt-audience", .text = &cfg->jwt_audience},
		{"--quiet", .flag = &cfg->quiet_access_log},
		{"--oauth-authorize-url", .text = &cfg->oauth_authorize_url},
		{"--oauth-token-url", .text = &cfg->oauth_token_url},
		{"--oauth-client-id", .text = &cfg->oauth_client_id},
		{"--oauth-client-secret-file", .text = &cfg->oauth_client_secret_file},
		{"--ui-secure-cookies", .flag = &cfg->ui_secure_cookies},
		{"--allow-command-tasks", .flag = &cfg->allow_command_tasks},
	};
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_VALUE()                                                    \
	do {                                                            \
		if (v == NULL) {                                        \
			fprintf(stderr, "weir: %s needs a value\n", a); \
			return 2;                                       \
		}                                                       \
		i++;                                                    \
	} while (0)
		size_t k = 0;
		while (k < sizeof(plain) / sizeof(plain[0]) && strcmp(a, plain[k].name) != 0)
			k++;
		if (k < sizeof(plain) / sizeof(plain[0])) {
			if (plain[k].flag) {
				*plain[k].flag = true;
				continue;
			}
			NEED_VALUE();
			if (plain[k].text)
				*plain[k].text = v;
			else
				*plain[k].bytes = (size_t)strtoull(v, NULL, 10);
		} else if (strcmp(a, "--store") == 0) {
			NEED_VALUE();
			if (strncmp(v, "postgresql://", 13) != 0 && strncmp(v, "postgres://", 11) != 0) {
				fprintf(stderr, "weir: --store expects a postgresql:// URL\n");
				return 2;
			}
			cfg->store_url = v;
		} else if (strcmp(a, "--listen") == 0 || strcmp(a, "--metrics-listen") == 0) {
			NEED_VALUE();
			bool metrics = strcmp(a, "--metrics-listen") == 0;
			static char hosts[2][64]; /* the configuration points at them */
			if (parse_hostport(v, hosts[metrics], sizeof(hosts[metrics]),
					   metrics ? &cfg->metrics_port : &cfg->listen_port) != 0) {
				fprintf(stderr, "weir: %s expects HOST:PORT\n", a);
				return 2;
			}
			*(metrics ? &cfg->metrics_host : &cfg->listen_host) = hosts[metrics];
		} else if (strcmp(a, "--sync") == 0) {
			NEED_VALUE();
			if (strcmp(v, "full") == 0)
				cfg->sync = WEIR_SYNC_FULL;
			else if (strcmp(v, "normal") == 0)
				cfg->sync = WEIR_SYNC_NORMAL;
			else {
				fprintf(stderr, "weir: --sync expects full or normal\n");
				return 2;
			}
		} else if (strcmp(a, "--threads") == 0) {
			NEED_VALUE();
			cfg->threads = atoi(v);
			if (cfg->threads < 2 || cfg->threads > 256) {
				fprintf(stderr, "weir: --threads expects 2..256\n");
				return 2;
			}
		} else if (strcmp(a, "--head-timeout") == 0 || strcmp(a, "--drain") == 0 ||
			   strcmp(a, "--body-memory") == 0 || strcmp(a, "--token-max-lifetime") == 0 ||
			   strcmp(a, "--max-connections") == 0) {
			NEED_VALUE();
			int64_t n = 0;
			if (!weir_parse_i64(v, &n) || n < 1) {
				fprintf(stderr, "weir: %s expects a positive integer\n", a);
				return 2;
			}
			if (strcmp(a, "--head-timeout") == 0)
				cfg->head_timeout_s = (unsigned)(n > 3600 ? 3600 : n);
			else if (strcmp(a, "--drain") == 0)
				cfg->drain_s = (unsigned)(n > 3600 ? 3600 : n);
			else if (strcmp(a, "--body-memory") == 0)
				cfg->body_memory_limit = (size_t)n;
			else if (strcmp(a, "--max-connections") == 0)
				cfg->conn_limit = (unsigned)(n > 1000000 ? 1000000 : n);
			else
				cfg->token_max_lifetime_s = n;
		} else if (strcmp(a, "--task-log-limit") == 0) {
			NEED_VALUE();
			int64_t n = 0;
			if (!weir_parse_i64(v, &n) || n < 1024 || n > ((int64_t)1 << 30)) {
				fprintf(stderr, "weir: --task-log-limit expects bytes from 1024 to 1073741824\n");
				return 2;
			}
			cfg->task_log_limit = n;
		} else if (strcmp(a, "--task-slots") == 0) {
			NEED_VALUE();
			int64_t n = 0;
			if (!weir_parse_i64(v, &n) || n < 1 || n > 1024) {
				fprintf(stderr, "weir: --task-slots expects a number from 1 to 1024\n");
				return 2;
			}
			cfg->task_slots = (int)n;
		} else {
			fprintf(stderr, "weir: unknown option %s\n", a);
			usage(stderr);
			return 2;
		}
#undef NEED_VALUE
	}

	/* Block the stop signals before any thread starts: MHD's threads inherit the mask and
	 * the main thread alone receives them through sigwait. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	weir_log_crash_reports();

	/* Everything Weir writes (database, WAL, keys, artifacts) is private to its user. */
	umask(077);
	weir_error err = WEIR_ERROR_INIT;
	if (weir_app_open(&app, &err) != 0) {
		weir_log_error("cannot start: %s", err.message);
		weir_app_close(&app);
		return 1;
	}
	if (weir_server_start(&app, &err) != 0) {
		weir_log_error("cannot start: %s", err.message);
		weir_app_close(&app);
		return 1;
	}
	weir_log_info("weir %s serving %s on http://%s:%u (sync=%s, threads=%d)", WEIR_VERSION, app.cfg.data_dir,
		      app.cfg.listen_host, app.bound_port, app.cfg.sync == WEIR_SYNC_FULL ? "full" : "normal",
		      app.cfg.threads);
	if (cfg->port_file) {
		char tmp[4096];
		snprintf(tmp, sizeof(tmp), "%s.tmp", cfg->port_file);
		FILE *f = fopen(tmp, "w");
		if (f) {
			fprintf(f, "%u\n", app.bound_port);
			fclose(f);
			rename(tmp, cfg->port_file);
		}
	}
	int sig = 0;
	sigwait(&set, &sig);
	weir_log_info("signal %d: stopping (in-flight requests finish)", sig);
	weir_server_stop(&app);
	weir_app_close(&app);
	weir_arena_thread_release();
	weir_cache_thread_release();
	weir_log_info("stopped");
	return 0;
}

static int backup(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[2], "--store") == 0) {
		/* PostgreSQL has its own online backup: weir adds nothing to it */
		fprintf(stderr, "weir backup: the PostgreSQL store is backed up with PostgreSQL's tools, e.g.\n"
				"    pg_dump --format=custom --file=OUT 'postgresql://...'\n"
				"(or continuous archiving); the files under --data (artifacts, volumes) are\n"
				"copied separately. Nothing was written.\n");
		return 2;
	}
	if (argc != 4) {
		usage(stderr);
		return 2;
	}
	char src[4096];
	snprintf(src, sizeof(src), "%s/weir.db", argv[2]);
	weir_error err = WEIR_ERROR_INIT;
	if (weir_db_backup(src, argv[3], &err) != 0) {
		fprintf(stderr, "weir backup: %s\n", err.message);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	weir_cache_install(); /* before any jansson value exists and SQLite's first use */
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "serve") == 0)
		return serve(argc, argv);
	if (strcmp(argv[1], "backup") == 0)
		return backup(argc, argv);
	if (strcmp(argv[1], "routes") == 0) {
		/* The route table, one "METHOD PATTERN RULE[:op] DIALECT" line per route (the
		 * openapi.yaml consistency test reads this). */
		static const char *const kinds[] = {"none", "public", "authenticated", "admin", "securable", "object"};
		static const char *const levels[] = {"", "can_view", "can_manage_run", "can_manage", "is_owner"};
		static const char *const dialects[] = {"databricks", "mlflow", "scim", "oauth"};
		weir_error err = WEIR_ERROR_INIT;
		if (weir_routes_validate(&err) != 0) {
			fprintf(stderr, "weir: %s\n", err.message);
			return 1;
		}
		for (int t = 0; weir_route_tables[t]; t++)
			for (const weir_route *rt = weir_route_tables[t]; rt->method; rt++)
				printf("%s %s %s%s%s %s\n", rt->method, rt->pattern, kinds[rt->rule.kind],
				       rt->rule.kind == WEIR_RULE_SECURABLE || rt->rule.kind == WEIR_RULE_OBJECT ? ":"
														 : "",
				       rt->rule.kind == WEIR_RULE_SECURABLE ? weir_op_name(rt->rule.op)
				       : rt->rule.kind == WEIR_RULE_OBJECT && rt->rule.level > 0 && rt->rule.level < 5
					       ? levels[rt->rule.level]
					       : "",
				       dialects[rt->dialect]);
		return 0;
	}
	if (strcmp(argv[1], "version") == 0) {
		puts("weir " WEIR_VERSION);
		return 0;
	}
	usage(strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ? stdout : stderr);
	return 2;
}
