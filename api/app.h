/* The process-wide state the server shares with every handler: configuration, the database
 * pool, the data directory and the keys. Created in main before the daemon starts, freed
 * after it stops. */
#ifndef WEIR_API_APP_H
#define WEIR_API_APP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/db.h"

typedef struct weir_config {
	const char *data_dir; /* absolute */
	/* --store: a postgresql:// URL keeping all control-plane state in PostgreSQL (files
	 * stay under data_dir, which replicas share); NULL: SQLite in data_dir/weir.db */
	const char *store_url;
	const char *listen_host;
	unsigned listen_port; /* 0: any free port */
	weir_sync sync;
	int threads; /* MHD worker threads */
	size_t body_limit; /* JSON bodies */
	size_t upload_limit; /* streamed uploads (artifacts, files) */
	unsigned conn_timeout_s;
	unsigned conn_limit;
	unsigned per_ip_limit;
	unsigned head_timeout_s; /* a complete request head within this, from accept or the last reply */
	unsigned drain_s; /* SIGTERM: in-flight requests get this long to finish */
	size_t body_memory_limit; /* request bodies held in memory, all connections together */
	int64_t token_max_lifetime_s; /* cap on minted tokens' lifetime (0 asked = this cap) */
	const char *metrics_host; /* an unauthenticated /metrics listener (--metrics-listen), or NULL */
	unsigned metrics_port;
	const char *port_file; /* write the bound port here once serving */
	/* external identity provider JWTs */
	const char *jwks_file;
	const char *jwt_issuer;
	const char *jwt_audience;
	bool quiet_access_log;
	bool allow_command_tasks; /* jobs may run programs (spark_python_task, python_wheel_task) */
	int64_t task_log_limit; /* bytes of a task run's output kept (its tail); 0: 5 MiB */
	int task_slots; /* leased command tasks this replica runs at once (PostgreSQL store); 0: 16 */
	/* the web UI's sign-in through an identity provider (api/handlers/ui_oauth.c): all or none */
	const char *oauth_authorize_url;
	const char *oauth_token_url;
	const char *oauth_client_id;
	const char *oauth_client_secret_file; /* optional: a confidential client */
	bool ui_secure_cookies; /* the web UI's session cookie says Secure even over plain HTTP (TLS ends before Weir) */
} weir_config;

struct weir_jwks;
typedef struct weir_app weir_app;

struct weir_app {
	weir_config cfg;
	weir_db_pool *pool;
	atomic_bool ready; /* migrations done, bootstrap done */
	atomic_ullong request_seq;
	unsigned char hs_secret[32]; /* internal HS256 JWT secret (DATA/keys/jwt.secret) */
	struct weir_jwks *jwks; /* external IdP keys, or NULL */
	bool oauth_enabled; /* the web UI's IdP sign-in is configured (weir_ui_oauth_load) */
	char oauth_client_secret[512]; /* read from --oauth-client-secret-file; "" without one */
	void *daemon; /* struct MHD_Daemon * */
	_Atomic unsigned bound_port; /* written once serving; the engine's scheduler reads it */
	void *ext[8]; /* per-module process state (registry worker, ...) */
};

#endif
