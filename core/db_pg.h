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
void weir_pg_pool_close(weir_db_pool *p);
int weir_pg_pool_schema_version(weir_db_pool *p);
bool weir_pg_pool_ready(weir_db_pool *p);
bool weir_pg_leader(weir_db_pool *p, int role);
bool weir_pg_lost(weir_db *c);
void weir_pg_notify(weir_db *c, const char *channel, int64_t arg);
int weir_pg_listen(weir_db_pool *p, const char *channel);
int weir_pg_notifications(weir_db_pool *p, void (*fn)(void *ctx, int64_t arg), void *ctx);
weir_db *weir_pg_acquire(weir_db_pool *p);
void weir_pg_release(weir_db *c); /* weir_db_release has ended its transactions before */
const char *weir_pg_memo_get(weir_db *c, const char *key);
void weir_pg_memo_set(weir_db *c, const char *key, const char *value);
uint64_t weir_pg_generation(weir_db *c);
weir_stmt *weir_pg_stmt(weir_db *c, const char *sql, weir_error *err);
void weir_pg_done(weir_stmt *st);
int weir_pg_begin_write(weir_db *c, weir_error *err);
int weir_pg_commit(weir_db *c, weir_error *err);
void weir_pg_rollback(weir_db *c);
bool weir_pg_in_write(const weir_db *c);
int weir_pg_begin_read(weir_db *c, weir_error *err);
void weir_pg_end_read(weir_db *c);
int weir_pg_fail(weir_db *c, int rc, weir_error *err);
int weir_pg_prepare(weir_db *c, const char *sql, weir_stmt **out);
void weir_pg_finalize(weir_stmt *st);
int weir_pg_step(weir_stmt *st);
void weir_pg_bind(weir_stmt *st, int i, const char *text);
void weir_pg_bind_i64(weir_stmt *st, int i, int64_t v);
void weir_pg_bind_double(weir_stmt *st, int i, double v);
int64_t weir_pg_col_i64(weir_stmt *st, int col);
double weir_pg_col_double(weir_stmt *st, int col);
const char *weir_pg_col_text(weir_stmt *st, int col);
int weir_pg_col_bytes(weir_stmt *st, int col);
int weir_pg_col_type(weir_stmt *st, int col);
int64_t weir_pg_changes(weir_db *c);
int64_t weir_pg_last_insert_id(weir_db *c);
weir_db *weir_pg_stmt_conn(weir_stmt *st);

#endif
