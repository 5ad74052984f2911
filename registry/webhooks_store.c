/* All SQL of the registry webhooks: webhook rows (insert, read, update, soft delete, paging),
 * the delivery outbox (queueing, the delivery log, due deliveries for the worker and the
 * outcome of each attempt). Rules, JSON shapes and HTTP delivery stay in webhooks.c. */
#include "registry/webhooks_int.h"

#include "core/util.h"

static const char *col_text(weir_arena *a, sqlite3_stmt *st, int i)
{
	return weir_arena_strdup(a, (const char *)sqlite3_column_text(st, i));
}

/* ---------------------------------------------------------------- webhooks */

static const char SQL_HOOK_INSERT[] =
	"INSERT INTO webhooks (id, name, description, url, events, secret, status, creation_timestamp, "
	"last_updated_timestamp) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)";
static const char SQL_HOOK_GET[] =
	"SELECT id, name, description, url, events, status, creation_timestamp, last_updated_timestamp "
	"FROM webhooks WHERE id = ?1 AND deleted_timestamp IS NULL";
static const char SQL_HOOK_LIST[] =
	"SELECT id FROM webhooks WHERE deleted_timestamp IS NULL ORDER BY creation_timestamp DESC, id LIMIT ?1 OFFSET ?2";
static const char SQL_HOOK_UPDATE[] =
	"UPDATE webhooks SET name = COALESCE(?2, name), description = COALESCE(?3, description), "
	"url = COALESCE(?4, url), events = COALESCE(?5, events), secret = COALESCE(?6, secret), "
	"status = COALESCE(?7, status), last_updated_timestamp = ?8 WHERE id = ?1 AND deleted_timestamp IS NULL";
static const char SQL_HOOK_DELETE[] =
	"UPDATE webhooks SET deleted_timestamp = ?2 WHERE id = ?1 AND deleted_timestamp IS NULL";
static const char SQL_HOOK_TARGET[] =
	"SELECT url, secret, events FROM webhooks WHERE id = ?1 AND deleted_timestamp IS NULL";

int wh_store_get(weir_db *db, weir_arena *a, const char *id, wh_hook *out, bool *found, weir_error *err)
{
	sqlite3_stmt *st = weir_db_stmt(db, SQL_HOOK_GET, err);
	if (st == NULL)
		return -1;
	weir_db_bind_text(st, 1, id);
	*found = sqlite3_step(st) == SQLITE_ROW;
	if (*found) {
		out->id = col_text(a, st, 0);
		out->name = col_text(a, st, 1);
		out->description = sqlite3_column_type(st, 2) == SQLITE_NULL ? NULL : col_text(a, st, 2);
		out->url = col_text(a, st, 3);
		out->events = col_text(a, st, 4);
		out->status = col_text(a, st, 5);
		out->creation_timestamp = sqlite3_column_int64(st, 6);
		out->last_updated_timestamp = sqlite3_column_int64(st, 7);
	}
	weir_db_done(st);
	return 0;
}

int wh_store_insert(weir_db *db, const char *id, const wh_fields *f, int64_t now, weir_error *err)
{
	sqlite3_stmt *st = weir_db_stmt(db, SQL_HOOK_INSERT, err);
	if (st == NULL)
		return -1;
	weir_db_bind_text(st, 1, id);
	weir_db_bind_text(st, 2, f->name);
	weir_db_bind_text(st, 3, f->description);
	weir_db_bind_text(st, 4, f->url);
	weir_db_bind_text(st, 5, f->events);
	weir_db_bind_text(st, 6, f->secret);
	weir_db_bind_text(st, 7, f->status);
	weir_db_bind_i64(st, 8, now);
	return weir_db_step_done(db, st, err);
}

int wh_store_update(weir_db *db, const char *id, const wh_fields *f, int64_t now, weir_error *err)
{
	sqlite3_stmt *st = weir_db_stmt(db, SQL_HOOK_UPDATE, err);
	if (st == NULL)
		return -1;
	weir_db_bind_text(st, 1, id);
	weir_db_bind_text(st, 2, f->name);
	weir_db_bind_text(st, 3, f->description);
	weir_db_bind_text(st, 4, f->url);
	weir_db_bind_text(st, 5, f->events);
	weir_db_bind_text(st, 6, f->secret);
	weir_db_bind_text(st, 7, f->status);
	weir_db_bind_i64(st, 8, now);
	return weir_db_step_done(db, st, err);
}

int wh_store_delete(weir_db *db, const char *id, int64_t now, bool *deleted, weir_error *err)
{
	sqlite3_stmt *st = weir_db_stmt(db, SQL_HOOK_DELETE, err);
	if (st == NULL)
		return -1;
	weir_db_bind_text(st, 1, id);
	weir_db_bind_i64(st, 2, now);
	int rc = sqlite3_step(st);
	*deleted = sqlite3_changes(weir_db_handle(db)) != 0;
	weir_db_done(st);
	if (rc != SQLITE_DONE)
		return weir_db_fail(db, rc, err);
	return 0;
}

int wh_store_list_ids(weir_db *db, weir_arena *a, int64_t offset, const char **ids, int cap, int *n,
		      weir_error *err)
{
	sqlite3_stmt *st = weir_db_stmt(db, SQL_HOOK_LIST, err);
	if (st == NULL)
		return -1;
	weir_db_bind_i64(st, 1, cap);
	weir_db_bind_i64(st, 2, offset);
	*n = 0;
	while (*n < cap && sqlite3_step(st) == SQLITE_ROW)
		ids[(*n)++] = col_text(a, st, 0);
	weir_db_done(st);
	return 0;
}

int wh_store_target(weir_db *db, weir_arena *a, const char *id, const char **url, const char **secret,
		    const char **events, bool *found, weir_error *err)
{
	sqlite3_stmt *st = weir_db_stmt(db, SQL_HOOK_TARGET, err);
	if (st == NULL)
		return -1;
	weir_db_bind_text(st, 1, id);
	*found = sqlite3_step(st) == SQLITE_ROW;
	if (*found) {
		*url = col_text(a, st, 0);
		*secret = sqlite3_column_type(st, 1) == SQLITE_NULL ? NULL : col_text(a, st, 1);
		*events = col_text(a, st, 2);
	}
	weir_db_done(st);
	return 0;
}

/* ---------------------------------------------------------------- outbox */

static const char SQL_HOOK_ACTIVE[] =
	"SELECT id, events FROM webhooks WHERE deleted_timestamp IS NULL AND status = 'ACTIVE'";
static const char SQL_DELIVERY_INSERT[] =
	"INSERT INTO webhook_deliveries (id, webhook_id, entity, action, payload, status, attempts, next_attempt_at, "
	"created_at) VALUES (?1, ?2, ?3, ?4, ?5, 'PENDING', 0, ?6, ?6)";
static const char SQL_DELIVERIES[] =
	"SELECT id, entity, action, status, attempts, last_status_code, last_error, created_at, delivered_at, "
	"next_attempt_at FROM webhook_deliveries WHERE webhook_id = ?1 ORDER BY created_at DESC, rowid DESC LIMIT 100";

int wh_store_active(weir_db *db, wh_active_fn fn, void *ctx, weir_error *err)
{
	sqlite3_stmt *st = weir_db_stmt(db, SQL_HOOK_ACTIVE, err);
	if (st == NULL)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW)
		if (fn(ctx, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1)))
			break;
	weir_db_done(st);
	return 0;
}

int wh_store_delivery_insert(weir_db *db, const char *delivery_id, const char *webhook_id, const char *entity,
			     const char *action, const char *payload, int64_t now, weir_error *err)
{
	sqlite3_stmt *st = weir_db_stmt(db, SQL_DELIVERY_INSERT, err);
	if (st == NULL)
		return -1;
	weir_db_bind_text(st, 1, delivery_id);
	weir_db_bind_text(st, 2, webhook_id);
	weir_db_bind_text(st, 3, entity);
	weir_db_bind_text(st, 4, action);
	weir_db_bind_text(st, 5, payload);
	weir_db_bind_i64(st, 6, now);
	return weir_db_step_done(db, st, err);
}

int wh_store_deliveries(weir_db *db, const char *webhook_id, wh_delivery_fn fn, void *ctx, weir_error *err)
{
	sqlite3_stmt *st = weir_db_stmt(db, SQL_DELIVERIES, err);
	if (st == NULL)
		return -1;
	weir_db_bind_text(st, 1, webhook_id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		wh_delivery d = {0};
		d.has_last_status_code = sqlite3_column_type(st, 5) != SQLITE_NULL;
		d.has_delivered_at = sqlite3_column_type(st, 8) != SQLITE_NULL;
		d.id = (const char *)sqlite3_column_text(st, 0);
		d.entity = (const char *)sqlite3_column_text(st, 1);
		d.action = (const char *)sqlite3_column_text(st, 2);
		d.status = (const char *)sqlite3_column_text(st, 3);
		d.attempts = sqlite3_column_int64(st, 4);
		d.last_status_code = d.has_last_status_code ? sqlite3_column_int64(st, 5) : 0;
		d.last_error = sqlite3_column_type(st, 6) == SQLITE_NULL ? NULL : (const char *)sqlite3_column_text(st, 6);
		d.created_at = sqlite3_column_int64(st, 7);
		d.delivered_at = d.has_delivered_at ? sqlite3_column_int64(st, 8) : 0;
		d.next_attempt_at = sqlite3_column_int64(st, 9);
		if (fn(ctx, &d))
			break;
	}
	weir_db_done(st);
	return 0;
}

/* ---------------------------------------------------------------- worker */

static const char SQL_DUE[] =
	"SELECT d.id, d.payload, d.attempts, w.url, w.secret FROM webhook_deliveries d "
	"JOIN webhooks w ON w.id = d.webhook_id WHERE d.status = 'PENDING' AND d.next_attempt_at <= ?1 "
	"AND w.deleted_timestamp IS NULL "
	"ORDER BY d.next_attempt_at LIMIT 8";
static const char SQL_DELIVERY_RESULT[] =
	"UPDATE webhook_deliveries SET status = ?2, attempts = ?3, next_attempt_at = ?4, last_status_code = ?5, "
	"last_error = ?6, delivered_at = ?7 WHERE id = ?1";

/* The outbox depth: PENDING deliveries of live webhooks (those of deleted ones are never sent). */
static const char SQL_PENDING_COUNT[] =
	"SELECT count(*) FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id "
	"WHERE d.status = 'PENDING' AND w.deleted_timestamp IS NULL";

int wh_store_pending_count(weir_db *db, int64_t *n, weir_error *err)
{
	sqlite3_stmt *st = weir_db_stmt(db, SQL_PENDING_COUNT, err);
	if (st == NULL)
		return -1;
	*n = 0;
	return weir_db_step_i64(db, st, n, err);
}

int wh_store_due(weir_db *db, int64_t now, wh_due *out, int max, weir_error *err)
{
	sqlite3_stmt *st = weir_db_stmt(db, SQL_DUE, err);
	if (st == NULL)
		return -1;
	weir_db_bind_i64(st, 1, now);
	int n = 0;
	while (n < max && sqlite3_step(st) == SQLITE_ROW) {
		out[n].id = weir_xstrdup((const char *)sqlite3_column_text(st, 0));
		out[n].payload = weir_xstrdup((const char *)sqlite3_column_text(st, 1));
		out[n].attempts = sqlite3_column_int(st, 2);
		out[n].url = weir_xstrdup((const char *)sqlite3_column_text(st, 3));
		out[n].secret = sqlite3_column_type(st, 4) == SQLITE_NULL
					? NULL
					: weir_xstrdup((const char *)sqlite3_column_text(st, 4));
		n++;
	}
	weir_db_done(st);
	return n;
}

int wh_store_delivery_result(weir_db *db, const wh_result *r, weir_error *err)
{
	sqlite3_stmt *st = weir_db_stmt(db, SQL_DELIVERY_RESULT, err);
	if (st == NULL)
		return -1;
	weir_db_bind_text(st, 1, r->id);
	weir_db_bind_text(st, 2, r->status);
	sqlite3_bind_int(st, 3, r->attempts);
	weir_db_bind_i64(st, 4, r->next_attempt_at);
	weir_db_bind_i64_or_null(st, 5, r->last_status_code, !r->has_last_status_code);
	weir_db_bind_text(st, 6, r->last_error);
	weir_db_bind_i64_or_null(st, 7, r->delivered_at, !r->has_delivered_at);
	int rc = sqlite3_step(st);
	weir_db_done(st);
	return rc == SQLITE_DONE ? 0 : 1;
}
