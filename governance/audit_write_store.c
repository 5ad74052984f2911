/* The SQL of writing one audit row, in the caller's transaction (api/request.c writes it in
 * the transaction of the change it describes). Reading the log is audit_store.c. */
#include "governance/gov_store.h"

#include <stdlib.h>

#include "core/json.h"
#include "core/util.h"

static const char SQL_AUDIT_INSERT[] =
	"INSERT INTO audit (event_time, principal_id, user_identity, workspace_id, service_name, action_name, "
	"request_id, request_params, status_code, error_code, securable, source_ip, user_agent) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";

int weir_gov_audit(weir_db *db, const weir_audit_event *ev, weir_error *err)
{
	weir_stmt *st = weir_db_stmt(db, SQL_AUDIT_INSERT, err);
	if (st == NULL)
		return -1;
	char *params = ev->request_params ? weir_json_dump(ev->request_params) : NULL;
	weir_db_bind_i64(st, 1, ev->event_time ? ev->event_time : weir_now_ms());
	weir_db_bind_i64_or_null(st, 2, ev->principal ? ev->principal->id : 0, ev->principal == NULL);
	weir_db_bind_text(st, 3, ev->principal ? ev->principal->name : ev->principal_name ? ev->principal_name : "");
	weir_db_bind_i64(st, 4, ev->workspace_id);
	weir_db_bind_text(st, 5, ev->service_name ? ev->service_name : "weir");
	weir_db_bind_text(st, 6, ev->action_name ? ev->action_name : "unknown");
	weir_db_bind_text(st, 7, ev->request_id ? ev->request_id : "");
	weir_db_bind_text(st, 8, params ? params : "{}");
	weir_db_bind_int(st, 9, ev->status_code);
	weir_db_bind_text(st, 10, ev->error_code);
	weir_db_bind_text(st, 11, ev->securable);
	weir_db_bind_text(st, 12, ev->source_ip);
	weir_db_bind_text(st, 13, ev->user_agent);
	free(params);
	return weir_db_step_done(db, st, err);
}
