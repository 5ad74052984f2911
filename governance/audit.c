/* The audit log read API: page tokens, and each row rendered as a system.access.audit
 * event. Rows are never changed here; they are written by weir_gov_audit in the same
 * transaction as the change they describe (api/request.c). */
#include "governance/audit.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/json.h"

/* The token is the last (event_time, id) as 32 hex digits: opaque, and checked on the way
 * in (a token that is not exactly this shape is 400). */
static int token_parse(const char *tok, int64_t *t, int64_t *id)
{
	if (strlen(tok) != 32)
		return -1;
	uint64_t v[2] = {0, 0};
	for (int i = 0; i < 32; i++) {
		char c = tok[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			return -1;
		v[i / 16] = v[i / 16] << 4 | (uint64_t)d;
	}
	*t = (int64_t)v[0];
	*id = (int64_t)v[1];
	return 0;
}

static json_t *event_date(int64_t ms)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	char buf[16] = "1970-01-01";
	if (gmtime_r(&s, &tm))
		snprintf(buf, sizeof(buf), "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	return json_string(buf);
}

static json_t *params_object(const char *text)
{
	json_t *o = text ? json_loads(text, 0, NULL) : NULL;
	if (o && json_is_object(o))
		return o;
	json_decref(o);
	return json_object();
}

static json_t *event(const weir_audit_row *r)
{
	json_t *ev = json_object();
	char id[24];
	snprintf(id, sizeof(id), "%" PRId64, r->id);
	json_object_set_new(ev, "version", json_string("2.0"));
	json_object_set_new(ev, "event_time", json_integer(r->event_time));
	json_object_set_new(ev, "event_date", event_date(r->event_time));
	json_object_set_new(ev, "event_id", json_string(id));
	json_object_set_new(ev, "workspace_id", json_integer(r->workspace_id));
	json_object_set_new(ev, "audit_level", json_string(r->workspace_id == 0 ? "ACCOUNT_LEVEL" : "WORKSPACE_LEVEL"));
	json_object_set_new(ev, "user_identity", json_pack("{s:s}", "email", r->user_identity ? r->user_identity : ""));
	json_object_set_new(ev, "service_name", weir_json_str_or_null(r->service_name));
	json_object_set_new(ev, "action_name", weir_json_str_or_null(r->action_name));
	json_object_set_new(ev, "request_id", weir_json_str_or_null(r->request_id));
	json_object_set_new(ev, "request_params", params_object(r->request_params));
	json_t *resp = json_pack("{s:i}", "status_code", r->status_code);
	if (r->error_code) {
		/* Only the stable code is stored: it stands in for the message. */
		json_object_set_new(resp, "error_code", json_string(r->error_code));
		json_object_set_new(resp, "error_message", json_string(r->error_code));
	}
	json_object_set_new(ev, "response", resp);
	json_object_set_new(ev, "source_ip_address", weir_json_str_or_null(r->source_ip));
	json_object_set_new(ev, "user_agent", weir_json_str_or_null(r->user_agent));
	json_object_set_new(ev, "securable", weir_json_str_or_null(r->securable));
	return ev;
}

json_t *weir_audit_query(weir_db *db, weir_arena *a, const weir_audit_filter *f, const weir_page_req *pg,
			 weir_error *err)
{
	int size;
	if (weir_catalog_page_size(pg, &size, err) != 0)
		return NULL;
	bool has_after = false;
	int64_t after_time = 0, after_id = 0;
	if (pg->page_token && *pg->page_token) {
		if (token_parse(pg->page_token, &after_time, &after_id) != 0) {
			weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "page_token",
					 "Invalid value for 'page_token'");
			return NULL;
		}
		has_after = true;
	}
	weir_audit_row *rows;
	int n;
	if (weir_audit__store_query(db, a, f, has_after, after_time, after_id, size + 1, &rows, &n, err) != 0)
		return NULL;
	json_t *events = json_array();
	for (int i = 0; i < n && i < size; i++)
		json_array_append_new(events, event(&rows[i]));
	json_t *out = json_pack("{s:o}", "events", events);
	if (n > size) {
		char tok[40];
		snprintf(tok, sizeof(tok), "%016" PRIx64 "%016" PRIx64, (uint64_t)rows[size - 1].event_time,
			 (uint64_t)rows[size - 1].id);
		json_object_set_new(out, "next_page_token", json_string(tok));
	}
	return out;
}
