/* Grants on securables (direct; inheritance is computed by the rules in authz.c), effective
 * permissions with where each privilege comes from, workspaces and their assignments, and
 * catalog-to-workspace bindings. Every function runs on the caller's connection; writers
 * run inside the caller's write transaction. */
#ifndef WEIR_GOVERNANCE_GRANTS_H
#define WEIR_GOVERNANCE_GRANTS_H

#include <jansson.h>

#include "governance/governance.h"

/* GET permissions: {privilege_assignments:[{principal, privileges:[...]}]} of direct grants
 * on s. Callers who may manage grants on s see every entry; others see only entries of
 * principals they are or belong to. `principal` filters (NULL: all). */
json_t *weir_grants_get(weir_db *db, weir_arena *a, const weir_principal *p, weir_securable *s, const char *principal,
			weir_error *err);

/* PATCH permissions: `changes` is [{principal, add:[...], remove:[...]}]. Every principal
 * must exist and every privilege must apply to s's type, else nothing changes (400/404).
 * Returns the direct grants of the principals named in changes. */
json_t *weir_grants_update(weir_db *db, weir_arena *a, const weir_principal *p, weir_securable *s, json_t *changes,
			   weir_error *err);

/* Effective permissions: direct and inherited grants on s, each privilege with
 * inherited_from_type/inherited_from_name when it comes from a parent. */
json_t *weir_grants_effective(weir_db *db, weir_arena *a, const weir_principal *p, weir_securable *s,
			      const char *principal, weir_error *err);

/* One page of a GET permissions / effective permissions answer (stolen), for the paginated
 * privilege-assignments routes: {<key>: [...], next_page_token?}, the assignments in
 * principal-name order, those after `page_token` (a principal name), at most page_size
 * (0: 1000; 1..149 and negative are refused naming page_size, as in UC: every page holds
 * whole assignments). The token is given only while more remain. */
json_t *weir_grants_page(json_t *answer, const char *key, int64_t page_size, const char *page_token, weir_error *err);

/* Workspaces. */
json_t *weir_workspace_create(weir_db *db, const char *name, weir_error *err);
json_t *weir_workspace_list(weir_db *db, const weir_principal *p, weir_error *err);
json_t *weir_workspace_get(weir_db *db, const char *name, weir_error *err);
int weir_workspace_delete(weir_db *db, const char *name, weir_error *err);
int weir_workspace_assign(weir_db *db, const char *workspace, const char *principal, bool assign, weir_error *err);
json_t *weir_workspace_assignments(weir_db *db, const char *workspace, weir_error *err);

/* Catalog bindings: {bindings:[{workspace_id, binding_type}]}. */
json_t *weir_bindings_get(weir_db *db, const weir_securable *catalog, weir_error *err);
/* add/remove: arrays of {workspace_id, binding_type}. All or nothing. */
/* names: the request's field names of add and remove, for errors (NULL: "add", "remove"). */
json_t *weir_bindings_update(weir_db *db, const weir_securable *catalog, json_t *add, json_t *remove,
			     const char *const names[2], weir_error *err);

#endif
