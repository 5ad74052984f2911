/* All SQL of the registry webhooks: webhook rows (insert, read, update, soft delete, paging),
 * the delivery outbox (queueing, the delivery log, due deliveries for the worker and the
 * outcome of each attempt). Rules, JSON shapes and HTTP delivery stay in webhooks.c. */
#include "registry/webhooks_int.h"

#include "core/util.h"

static const char *col_text(weir_arena *a, weir_stmt *st, int i)
{
	return weir_arena_strdup(a, weir_db_col_text(st, i));
}

/* ---------------------------------------------------------------- webhooks */

static const char SQL_HOOK_INSERT[] =
	"INSERT INTO webhooks (id, name, description, url, events, secret, status, creation_timestamp, "
	"last_updated_timestamp) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)";
static const char SQL_HOOK_GET[] =
	"SELECT id, name, description, url, events, status, creation_timestamp, last_updated_timestamp "
	"FROM webhooks WHERE id = ?1 AND deleted_timestamp IS NULL";
static const char SQL_HOOK_LIST[] = "SELECT id FROM webhooks WHERE deleted_timestamp IS NULL ORDER BY "
				    "creation_timestamp DESC, id LIMIT ?1 OFFSET ?2";
static const char SQL_HOOK_UPDATE[] =
	"UPDATE webhooks SET name = COALESCE(?2, name), description = COALESCE(?3, description), "
	"url = COALESCE(?4, url), events = COALESCE(?5, events), secret = COALESCE(?6, secret), "
	"status = COALESCE(?7, status), last_updated_timestamp = ?8 WHERE id = ?1 AND deleted_timestamp IS NULL";
static const char SQL_HOOK_DELETE[] =
	"UPDATE webhooks SET deleted_timestamp = ?2 WHERE id = ?1 AND deleted_timestamp IS NULL";
static const char SQL_HOOK_TARGET[] =
	"SELECT url, secret, events FROM webhooks WHERE id = ?1 AND deleted_timestamp IS NULL";

int weir_wh_store_get(weir_db *db, weir_arena *a, const char *id, wh_hook *out, bool *found, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_HOOK_GET, err, WEIR_TEXT(id));
	if (st == NULL)
		return -1;
	*found = weir_db_step(st) == WEIR_DB_ROW;
	if (*found) {
		out->id = col_text(a, st, 0);
		out->name = col_text(a, st, 1);
		out->description = weir_db_col_type(st, 2) == WEIR_DB_NULL ? NULL : col_text(a, st, 2);
		out->url = col_text(a, st, 3);
		out->events = col_text(a, st, 4);
		out->status = col_text(a, st, 5);
		out->creation_timestamp = weir_db_col_i64(st, 6);
		out->last_updated_timestamp = weir_db_col_i64(st, 7);
	}
	weir_db_done(st);
	return 0;
}

int weir_wh_store_insert(weir_db *db, const char *id, const wh_fields *f, int64_t now, weir_error *err)
{
	return weir_db_exec(db, SQL_HOOK_INSERT, err, WEIR_TEXT(id), WEIR_TEXT(f->name), WEIR_TEXT(f->description),
			    WEIR_TEXT(f->url), WEIR_TEXT(f->events), WEIR_TEXT(f->secret), WEIR_TEXT(f->status),
			    WEIR_I64(now));
}

int weir_wh_store_update(weir_db *db, const char *id, const wh_fields *f, int64_t now, weir_error *err)
{
	return weir_db_exec(db, SQL_HOOK_UPDATE, err, WEIR_TEXT(id), WEIR_TEXT(f->name), WEIR_TEXT(f->description),
			    WEIR_TEXT(f->url), WEIR_TEXT(f->events), WEIR_TEXT(f->secret), WEIR_TEXT(f->status),
			    WEIR_I64(now));
}

int weir_wh_store_delete(weir_db *db, const char *id, int64_t now, bool *deleted, weir_error *err)
{
	int64_t n = weir_db_exec_count(db, SQL_HOOK_DELETE, err, WEIR_TEXT(id), WEIR_I64(now));
	*deleted = n > 0;
	return n < 0 ? -1 : 0;
}

int weir_wh_store_list_ids(weir_db *db, weir_arena *a, int64_t offset, const char **ids, int cap, int *n,
			   weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_HOOK_LIST, err, WEIR_I64(cap), WEIR_I64(offset));
	if (st == NULL)
		return -1;
	*n = 0;
	while (*n < cap && weir_db_step(st) == WEIR_DB_ROW)
		ids[(*n)++] = col_text(a, st, 0);
	weir_db_done(st);
	return 0;
}

int weir_wh_store_target(weir_db *db, weir_arena *a, const char *id, const char **url, const char **secret,
			 const char **events, bool *found, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_HOOK_TARGET, err, WEIR_TEXT(id));
	if (st == NULL)
		return -1;
	*found = weir_db_step(st) == WEIR_DB_ROW;
	if (*found) {
		*url = col_text(a, st, 0);
		*secret = weir_db_col_type(st, 1) == WEIR_DB_NULL ? NULL : col_text(a, st, 1);
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

int weir_wh_store_active(weir_db *db, wh_active_fn fn, void *ctx, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_HOOK_ACTIVE, err);
	if (st == NULL)
		return -1;
	while (weir_db_step(st) == WEIR_DB_ROW)
		if (fn(ctx, weir_db_col_text(st, 0), weir_db_col_text(st, 1)))
			break;
	weir_db_done(st);
	return 0;
}

int weir_wh_store_delivery_insert(weir_db *db, const char *delivery_id, const char *webhook_id, const char *entity,
				  const char *action, const char *payload, int64_t now, weir_error *err)
{
	return weir_db_exec(db, SQL_DELIVERY_INSERT, err, WEIR_TEXT(delivery_id), WEIR_TEXT(webhook_id),
			    WEIR_TEXT(entity), WEIR_TEXT(action), WEIR_TEXT(payload), WEIR_I64(now));
}

int weir_wh_store_deliveries(weir_db *db, const char *webhook_id, wh_delivery_fn fn, void *ctx, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_DELIVERIES, err, WEIR_TEXT(webhook_id));
	if (st == NULL)
		return -1;
	while (weir_db_step(st) == WEIR_DB_ROW) {
		wh_delivery d = {0};
		d.id = weir_db_col_text(st, 0);
		d.entity = weir_db_col_text(st, 1);
		d.action = weir_db_col_text(st, 2);
		weir_outbox_log_read(st, 3, &d.log);
		d.next_attempt_at = weir_db_col_i64(st, 9);
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

int weir_wh_store_pending_count(weir_db *db, int64_t *n, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_PENDING_COUNT, err);
	if (st == NULL)
		return -1;
	*n = 0;
	return weir_db_step_i64(db, st, n, err);
}

int weir_wh_store_due(weir_db *db, int64_t now, weir_outbox_entry *out, int max, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_DUE, err, WEIR_I64(now));
	if (st == NULL)
		return -1;
	int n = 0;
	while (n < max && weir_db_step(st) == WEIR_DB_ROW) {
		out[n].id = weir_xstrdup(weir_db_col_text(st, 0));
		out[n].payload = weir_xstrdup(weir_db_col_text(st, 1));
		out[n].attempts = weir_db_col_int(st, 2);
		out[n].url = weir_xstrdup(weir_db_col_text(st, 3));
		out[n].secret = weir_db_col_type(st, 4) == WEIR_DB_NULL ? NULL : weir_xstrdup(weir_db_col_text(st, 4));
		n++;
	}
	weir_db_done(st);
	return n;
}

int weir_wh_store_delivery_result(weir_db *db, const weir_outbox_outcome *r, weir_error *err)
{
	return weir_outbox_record_sql(db, SQL_DELIVERY_RESULT, r, err);
}
