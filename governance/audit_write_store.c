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
	char *params = ev->request_params ? weir_json_dump(ev->request_params) : NULL;
	int rc = weir_db_exec(db, SQL_AUDIT_INSERT, err, WEIR_I64(ev->event_time ? ev->event_time : weir_now_ms()),
			      WEIR_I64_OR_NULL(ev->principal ? ev->principal->id : 0, ev->principal == NULL),
			      WEIR_TEXT(ev->principal        ? ev->principal->name
					: ev->principal_name ? ev->principal_name
							     : ""),
			      WEIR_I64(ev->workspace_id), WEIR_TEXT(ev->service_name ? ev->service_name : "weir"),
			      WEIR_TEXT(ev->action_name ? ev->action_name : "unknown"),
			      WEIR_TEXT(ev->request_id ? ev->request_id : ""), WEIR_TEXT(params ? params : "{}"),
			      WEIR_I64(ev->status_code), WEIR_TEXT(ev->error_code), WEIR_TEXT(ev->securable),
			      WEIR_TEXT(ev->source_ip), WEIR_TEXT(ev->user_agent));
	free(params);
	return rc;
}
