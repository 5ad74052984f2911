/* The PostgreSQL side of the storage interface (core/db.h), for core/ only: core/db.c hands
 * every call to these functions once weir_db_pool_open_url() opened a PostgreSQL store (one
 * store per process: weir_db__pg). libpq-fe.h is included by core/db_pg.c alone.
 *
 * A weir_db here is one PGconn (one per pooled slot), a weir_stmt a named prepared
 * statement of that connection, its SQL translated from the stores' SQLite text
 * (weir_pg_translate, core/db_pgsql.c) when it is first used. Statements run with text
 * parameters and text results; the typed getters answer what SQLite would (booleans as 0/1). */
#ifndef WEIR_CORE_DB_PG_H
#define WEIR_CORE_DB_PG_H

#include <stdbool.h>

#include "core/db.h"

extern bool weir_db__pg;

/* SQLite text -> PostgreSQL text (malloc'd); *nparams the highest parameter number. */
char *weir_pg_translate(const char *sql, int *nparams);
/* A migration script (several statements, SQLite triggers) -> PostgreSQL; NULL if a trigger
 * cannot be read. */
char *weir_pg_translate_script(const char *sql);

weir_db_pool *weir_pg_pool_open(const char *url, int size, weir_error *err);
void weir_pg_bind(weir_stmt *st, int i, const char *text); /* NULL binds SQL NULL */

/* The change counters (weir_db_counter), for the read transaction's BEGIN: their tables in
 * registration order (index i is counter i), and how many. */
#define WEIR_DB_MAX_COUNTERS 4
const char *const *weir_db__counter_tables(int *n);
/* Counter i as read with db's read transaction's BEGIN: false when it was not (outside a
 * read, or registered after it began): the caller runs the statement. */
bool weir_pg_counter(weir_db *db, int i, int64_t *out);

/* The PostgreSQL side of each core/db.h call that core/db.c hands over, declared with the
 * type of that call (so the two cannot drift apart). weir_pg_release: weir_db_release has
 * ended its transactions before. */
__typeof__(weir_db_pool_close) weir_pg_pool_close;
__typeof__(weir_db_pool_schema_version) weir_pg_pool_schema_version;
__typeof__(weir_db_pool_ready) weir_pg_pool_ready;
__typeof__(weir_db_leader) weir_pg_leader;
__typeof__(weir_db_lost) weir_pg_lost;
__typeof__(weir_db_notify) weir_pg_notify;
__typeof__(weir_db_listen) weir_pg_listen;
__typeof__(weir_db_notifications) weir_pg_notifications;
__typeof__(weir_db_acquire) weir_pg_acquire;
__typeof__(weir_db_release) weir_pg_release;
__typeof__(weir_db_memo_get) weir_pg_memo_get;
__typeof__(weir_db_memo_set) weir_pg_memo_set;
__typeof__(weir_db_generation) weir_pg_generation;
__typeof__(weir_db_stmt) weir_pg_stmt;
__typeof__(weir_db_done) weir_pg_done;
__typeof__(weir_db_begin_write) weir_pg_begin_write;
__typeof__(weir_db_commit) weir_pg_commit;
__typeof__(weir_db_rollback) weir_pg_rollback;
__typeof__(weir_db_in_write) weir_pg_in_write;
__typeof__(weir_db_begin_read) weir_pg_begin_read;
__typeof__(weir_db_end_read) weir_pg_end_read;
__typeof__(weir_db_fail) weir_pg_fail;
__typeof__(weir_db_prepare) weir_pg_prepare;
__typeof__(weir_db_finalize) weir_pg_finalize;
__typeof__(weir_db_step) weir_pg_step;
__typeof__(weir_db_bind_i64) weir_pg_bind_i64;
__typeof__(weir_db_bind_double) weir_pg_bind_double;
__typeof__(weir_db_col_i64) weir_pg_col_i64;
__typeof__(weir_db_col_double) weir_pg_col_double;
__typeof__(weir_db_col_text) weir_pg_col_text;
__typeof__(weir_db_col_bytes) weir_pg_col_bytes;
__typeof__(weir_db_col_type) weir_pg_col_type;
__typeof__(weir_db_changes) weir_pg_changes;
__typeof__(weir_db_last_insert_id) weir_pg_last_insert_id;

#endif
