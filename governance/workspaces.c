/* Workspaces as governance's core sees them: a workspace by name, and whether a caller
 * belongs to one (everyone belongs to the default workspace; elsewhere the caller or one of
 * its groups must be assigned). The workspace API itself is in grants.c; SQL in
 * workspaces_store.c. */
#include "governance/gov_store.h"

int64_t weir_gov_workspace_id(weir_db *db, const char *name, weir_error *err)
{
	int64_t id = -1;
	int found = weir_gov_store_workspace_by_name(db, name, &id, err);
	if (found < 0)
		return -1;
	if (found == 0)
		weir_error_obj(err, WEIR_E_NOT_FOUND, WEIR_OBJ_WORKSPACE, "workspace", "Workspace not found: %.200s",
			       name);
	return found ? id : -1;
}

bool weir_gov_workspace_member(weir_db *db, int64_t workspace_id, const weir_principal *p)
{
	if (workspace_id == WEIR_DEFAULT_WORKSPACE_ID)
		return true;
	return weir_gov_store_workspace_assigned(db, workspace_id, p->closure_json);
}
