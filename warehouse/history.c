/* The SQL warehouse's query history: the rules (warehouse/history.h); SQL in history_store.c. */
#include "warehouse/history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"
#include "warehouse/warehouse.h"

/* Inserts h (its text cut to WEIR_WH_HISTORY_TEXT_MAX at a character) and drops old rows. */
static int write_row(weir_db *db, const weir_wh_history_entry *h, weir_error *err)
{
	weir_wh_history_entry e = *h;
	char *cut = NULL;
	size_t n = strlen(h->query_text);
	if (n > WEIR_WH_HISTORY_TEXT_MAX) {
		for (n = WEIR_WH_HISTORY_TEXT_MAX; n > 0 && ((unsigned char)h->query_text[n] & 0xC0) == 0x80; n--)
			;
		cut = strndup(h->query_text, n);
		e.query_text = cut;
	}
	int rc = weir_wh_store_history_purge(db, h->end_ms - WEIR_WH_HISTORY_KEEP_MS, err) != 0 ||
				 weir_wh_store_history_insert(db, &e, err) != 0
			 ? -1
			 : 0;
	free(cut);
	return rc;
}

const char *weir_wh_history_status(int state)
{
	return state == WEIR_WH_SUCCEEDED ? "FINISHED" : state == WEIR_WH_CANCELED ? "CANCELED" : "FAILED";
}

weir_wh_history_entry weir_wh_history_entry_of(const char *id, const char *warehouse_id, const char *sql,
					       int64_t workspace_id, int64_t user_id, int64_t start_ms,
					       const weir_wh_outcome *o, int64_t end_ms)
{
	bool ok = o->state == WEIR_WH_SUCCEEDED;
	return (weir_wh_history_entry){.query_id = id ? id : "",
				       .warehouse_id = warehouse_id ? warehouse_id : "",
				       .query_text = sql,
				       .workspace_id = workspace_id,
				       .user_id = user_id,
				       .status = weir_wh_history_status(o->state),
				       .error_message = ok ? NULL : o->message,
				       .rows_produced = ok && o->rows ? (int64_t)json_array_size(o->rows) : -1,
				       .start_ms = start_ms,
				       .end_ms = end_ms};
}

int weir_wh_history_write(weir_db *db, const weir_wh_exec *x, const weir_wh_outcome *o, int64_t now_ms, weir_error *err)
{
	weir_wh_history_entry h = weir_wh_history_entry_of(x->statement_id, x->warehouse_id, x->statement,
							   x->workspace_id, x->principal_id, x->submitted_ms, o,
							   now_ms);
	return write_row(db, &h, err);
}

void weir_wh_history_record(weir_db_pool *pool, const weir_wh_history_entry *h)
{
	weir_db *db = weir_db_acquire(pool);
	weir_error err = WEIR_ERROR_INIT;
	if (weir_db_begin_write(db, &err) != 0)
		goto out;
	if (write_row(db, h, &err) != 0) {
		weir_db_rollback(db);
		goto out;
	}
	weir_db_commit(db, &err);
out:
	if (err.code != 0)
		weir_log_warn("warehouse: query history of statement %s not recorded: %s", h->query_id, err.message);
	weir_db_release(db);
}

static json_t *query_info(const weir_wh_history_entry *h, const char *user_name)
{
	json_t *o = json_pack(
		"{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:s, s:b, s:I, s:s}", "query_id", h->query_id,
		"status", h->status, "query_text", h->query_text, "query_start_time_ms", (json_int_t)h->start_ms,
		"execution_end_time_ms", (json_int_t)h->end_ms, "query_end_time_ms", (json_int_t)h->end_ms, "duration",
		(json_int_t)(h->end_ms - h->start_ms), "user_id", (json_int_t)h->user_id, "user_name",
		user_name ? user_name : "", "warehouse_id", h->warehouse_id, "endpoint_id", h->warehouse_id, "is_final",
		1, "executed_as_user_id", (json_int_t)h->user_id, "executed_as_user_name", user_name ? user_name : "");
	if (h->error_message)
		json_object_set_new(o, "error_message", weir_json_str_or_null(h->error_message));
	if (h->rows_produced >= 0)
		json_object_set_new(o, "rows_produced", json_integer(h->rows_produced));
	return o;
}

typedef struct list_ctx {
	json_t *res;
	int64_t last_ms;
	char last_id[64];
} list_ctx;

static void add_row(void *ctx, const weir_wh_history_entry *h, const char *user_name)
{
	list_ctx *c = ctx;
	json_array_append_new(c->res, query_info(h, user_name));
	c->last_ms = h->start_ms;
	snprintf(c->last_id, sizeof(c->last_id), "%s", h->query_id);
}

/* page_token: "<query_start_time_ms>.<query_id>" of the last row shown. */
static int parse_token(const char *t, int64_t *ms, const char **id)
{
	const char *dot = strchr(t, '.');
	if (dot == NULL || dot == t || dot - t > 19 || strlen(dot + 1) == 0 || strlen(dot + 1) > 40)
		return -1;
	char num[24];
	memcpy(num, t, (size_t)(dot - t));
	num[dot - t] = '\0';
	if (!weir_parse_i64(num, ms) || *ms < 0)
		return -1;
	*id = dot + 1;
	return 0;
}

static bool known_statuses(const char *json)
{
	json_t *a = json ? json_loads(json, 0, NULL) : NULL;
	size_t i;
	json_t *v;
	bool ok = json_is_array(a);
	json_array_foreach (a, i, v) {
		const char *s = json_string_value(v);
		if (s == NULL || (strcmp(s, "FINISHED") != 0 && strcmp(s, "FAILED") != 0 &&
				  strcmp(s, "CANCELED") != 0 && strcmp(s, "QUEUED") != 0 && strcmp(s, "RUNNING") != 0))
			ok = false;
	}
	json_decref(a);
	return ok;
}

json_t *weir_wh_history_list(weir_db *db, weir_arena *a, const weir_principal *p, const weir_wh_history_filter *f,
			     weir_error *err)
{
	int64_t max = f->max_results ? f->max_results : 100;
	if (max < 1 || max > 1000)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "max_results",
					"Invalid value for 'max_results': 1 to 1000"),
		       NULL;
	if (f->statuses_json && !known_statuses(f->statuses_json))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "filter_by.statuses",
					"Invalid value for 'filter_by.statuses': QUEUED, RUNNING, CANCELED, FAILED or "
					"FINISHED"),
		       NULL;
	int64_t after_ms = 0;
	const char *after_id = NULL;
	bool has_after = f->page_token && *f->page_token;
	if (has_after && parse_token(f->page_token, &after_ms, &after_id) != 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "page_token", "Invalid page_token"), NULL;
	list_ctx c = {.res = json_array()};
	/* one more row than asked says whether there is a next page */
	if (weir_wh_store_history_list(db, p->workspace_id, p->id, !p->is_admin, f, after_ms, after_id, has_after,
				       max + 1, add_row, &c, err) != 0) {
		json_decref(c.res);
		return NULL;
	}
	bool more = (int64_t)json_array_size(c.res) > max;
	if (more) {
		json_array_remove(c.res, json_array_size(c.res) - 1);
		json_t *last = json_array_get(c.res, json_array_size(c.res) - 1);
		c.last_ms = json_integer_value(json_object_get(last, "query_start_time_ms"));
		snprintf(c.last_id, sizeof(c.last_id), "%s", json_string_value(json_object_get(last, "query_id")));
	}
	json_t *out = json_pack("{s:o, s:b}", "res", c.res, "has_next_page", more);
	if (more)
		json_object_set_new(out, "next_page_token",
				    json_string(weir_arena_printf(a, "%lld.%s", (long long)c.last_ms, c.last_id)));
	return out;
}

json_t *weir_wh_history_statement(weir_db *db, weir_arena *a, const weir_principal *p, const char *id)
{
	const char *status = NULL, *message = NULL;
	weir_error e = WEIR_ERROR_INIT;
	if (id == NULL || weir_wh_store_history_get(db, a, id, p->workspace_id, p->id, &status, &message, &e) != 1 ||
	    status == NULL)
		return NULL; /* a failed read answers as the statement's absence did */
	bool finished = strcmp(status, "FINISHED") == 0;
	json_t *st = json_pack("{s:s}", "state", finished ? "CLOSED" : status);
	if (!finished && message)
		json_object_set_new(st, "error", json_pack("{s:s, s:s}", "error_code", "UNKNOWN", "message", message));
	return json_pack("{s:s, s:o}", "statement_id", id, "status", st);
}
