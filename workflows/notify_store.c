/* All SQL of notification destinations: the destination rows (insert, read, update, delete,
 * keyset pages) and the outbox of job notifications (queueing, a destination's delivery
 * log, due deliveries for the worker and the outcome of each attempt). Rules, JSON shapes
 * and delivery stay in notify.c. */
#include "workflows/notify_int.h"

#include "core/db_row.h"
#include "core/util.h"

/* ---------------------------------------------------------------- destinations */

static const char SQL_DEST_INSERT[] =
	"INSERT INTO notification_destinations (id, display_name, destination_type, config, signing_secret, "
	"created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char SQL_DEST_GET[] = "SELECT id, display_name, destination_type, config, created_at "
				   "FROM notification_destinations WHERE id = ?1";
static const char SQL_DEST_UPDATE[] = "UPDATE notification_destinations SET display_name = COALESCE(?2, display_name), "
				      "config = COALESCE(?3, config) WHERE id = ?1";
static const char SQL_DEST_DELETE[] = "DELETE FROM notification_destinations WHERE id = ?1";
/* Keyset paging in (created_at, id) order; ?2 NULL starts at the beginning. */
static const char SQL_DEST_PAGE[] =
	"SELECT id, display_name, destination_type, config, created_at FROM notification_destinations "
	"WHERE ?2 IS NULL OR created_at > ?1 OR (created_at = ?1 AND id > ?2) ORDER BY created_at, id LIMIT ?3";

static const weir_db_field DEST_FIELDS[] = {WEIR_FIELD(notify_dest, id), WEIR_FIELD(notify_dest, display_name),
					    WEIR_FIELD(notify_dest, type), WEIR_FIELD(notify_dest, config),
					    WEIR_FIELD(notify_dest, created_at)};

static void dest_row(weir_arena *a, weir_stmt *st, notify_dest *d)
{
	WEIR_DB_ROW_READ(st, a, d, DEST_FIELDS);
	d->signing_secret = NULL;
	d->created_by = NULL;
}

int weir_notify_store_dest_insert(weir_db *db, const notify_dest *d, weir_error *err)
{
	return weir_db_exec(db, SQL_DEST_INSERT, err, WEIR_TEXT(d->id), WEIR_TEXT(d->display_name), WEIR_TEXT(d->type),
			    WEIR_TEXT(d->config), WEIR_TEXT(d->signing_secret), WEIR_TEXT(d->created_by),
			    WEIR_I64(d->created_at));
}

int weir_notify_store_dest_get(weir_db *db, weir_arena *a, const char *id, notify_dest *out, bool *found,
			       weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_DEST_GET, err, WEIR_TEXT(id));
	if (st == NULL)
		return -1;
	int rc = weir_db_step(st);
	*found = rc == WEIR_DB_ROW;
	if (*found)
		dest_row(a, st, out);
	weir_db_done(st);
	if (rc != WEIR_DB_ROW && rc != WEIR_DB_DONE)
		return weir_db_fail(db, rc, err);
	return 0;
}

int weir_notify_store_dest_update(weir_db *db, const char *id, const char *display_name, const char *config,
				  bool *found, weir_error *err)
{
	int64_t n = weir_db_exec_count(db, SQL_DEST_UPDATE, err, WEIR_TEXT(id), WEIR_TEXT(display_name),
				       WEIR_TEXT(config));
	*found = n > 0;
	return n < 0 ? -1 : 0;
}

int weir_notify_store_dest_delete(weir_db *db, const char *id, bool *deleted, weir_error *err)
{
	int64_t n = weir_db_exec_count(db, SQL_DEST_DELETE, err, WEIR_TEXT(id));
	*deleted = n > 0;
	return n < 0 ? -1 : 0;
}

int weir_notify_store_dest_page(weir_db *db, weir_arena *a, int64_t after_created_at, const char *after_id,
				notify_dest *rows, int cap, int *n, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_DEST_PAGE, err, WEIR_I64(after_created_at), WEIR_TEXT(after_id),
				      WEIR_I64(cap));
	if (st == NULL)
		return -1;
	*n = 0;
	int rc = WEIR_DB_DONE;
	while (*n < cap && (rc = weir_db_step(st)) == WEIR_DB_ROW)
		dest_row(a, st, &rows[(*n)++]);
	weir_db_done(st);
	if (*n < cap && rc != WEIR_DB_DONE)
		return weir_db_fail(db, rc, err);
	return 0;
}

/* ---------------------------------------------------------------- deliveries */

static const char SQL_DELIVERY_INSERT[] =
	"INSERT INTO notification_deliveries (id, destination_id, address, event, payload, status, attempts, "
	"next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?7)";
static const char SQL_DELIVERIES[] =
	"SELECT id, event, status, attempts, last_status_code, last_error, created_at, delivered_at "
	"FROM notification_deliveries WHERE destination_id = ?1 ORDER BY created_at DESC, rowid DESC LIMIT 100";

int weir_notify_store_delivery_insert(weir_db *db, const notify_delivery_new *d, weir_error *err)
{
	return weir_db_exec(db, SQL_DELIVERY_INSERT, err, WEIR_TEXT(d->id), WEIR_TEXT(d->destination_id),
			    WEIR_TEXT(d->address), WEIR_TEXT(d->event), WEIR_TEXT(d->payload), WEIR_TEXT(d->status),
			    WEIR_I64(d->now));
}

int weir_notify_store_deliveries(weir_db *db, const char *destination_id, notify_delivery_fn fn, void *ctx,
				 weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_DELIVERIES, err, WEIR_TEXT(destination_id));
	if (st == NULL)
		return -1;
	int rc;
	while ((rc = weir_db_step(st)) == WEIR_DB_ROW) {
		notify_delivery d = {0};
		d.id = weir_db_col_text(st, 0);
		d.event = weir_db_col_text(st, 1);
		weir_outbox_log_read(st, 2, &d.log);
		if (fn(ctx, &d)) {
			rc = WEIR_DB_DONE;
			break;
		}
	}
	weir_db_done(st);
	return rc == WEIR_DB_DONE ? 0 : weir_db_fail(db, rc, err);
}

/* ---------------------------------------------------------------- worker */

static const char SQL_DUE[] =
	"SELECT d.id, d.payload, d.event, d.attempts, n.destination_type, n.config, n.signing_secret "
	"FROM notification_deliveries d JOIN notification_destinations n ON n.id = d.destination_id "
	"WHERE d.status = 'PENDING' AND d.next_attempt_at <= ?1 ORDER BY d.next_attempt_at LIMIT ?2";
static const char SQL_PENDING_COUNT[] = "SELECT count(*) FROM notification_deliveries WHERE status = 'PENDING'";
static const char SQL_RECORD[] =
	"UPDATE notification_deliveries SET status = ?2, attempts = ?3, next_attempt_at = ?4, "
	"last_status_code = ?5, last_error = ?6, delivered_at = ?7 WHERE id = ?1 AND status = 'PENDING'";

int weir_notify_store_due(weir_db *db, int64_t now, notify_due *out, int max, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_DUE, err, WEIR_I64(now), WEIR_I64(max));
	if (st == NULL)
		return -1;
	int n = 0;
	while (n < max && weir_db_step(st) == WEIR_DB_ROW) {
		out[n].id = weir_xstrdup(weir_db_col_text(st, 0));
		out[n].payload = weir_xstrdup(weir_db_col_text(st, 1));
		out[n].event = weir_xstrdup(weir_db_col_text(st, 2));
		out[n].attempts = weir_db_col_int(st, 3);
		out[n].type = weir_xstrdup(weir_db_col_text(st, 4));
		out[n].config = weir_xstrdup(weir_db_col_text(st, 5));
		out[n].signing_secret = weir_xstrdup(weir_db_col_text(st, 6));
		n++;
	}
	weir_db_done(st);
	return n;
}

int weir_notify_store_pending_count(weir_db *db, int64_t *n, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_PENDING_COUNT, err);
	if (st == NULL)
		return -1;
	*n = 0;
	return weir_db_step_i64(db, st, n, err);
}

int weir_notify_store_record(weir_db *db, const weir_outbox_outcome *o, weir_error *err)
{
	return weir_outbox_record_sql(db, SQL_RECORD, o, err);
}
