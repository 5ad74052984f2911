/* The SQL of governance, one function per statement or small group of statements:
 * principals and memberships as callers (principals_store.c), workspaces
 * (workspaces_store.c), personal access tokens (tokens_store.c), SCIM principals,
 * memberships and service principal secrets (identity_store.c), the metastore and
 * securable resolution (securables_store.c), grants, bindings, privilege lookups and the
 * change counter of authorization data (grants_store.c), and the audit row
 * (audit_write_store.c). No rules here: the rule files (principals.c, workspaces.c,
 * tokens.c, bootstrap.c, visibility.c, authz.c, authz_cache.c, grants.c, identity.c,
 * service_principals.c) call these. Only governance/ *.c and governance's unit tests
 * include this header; every other module goes through governance.h.
 *
 * Lookups that may find nothing return 1 (found, outputs set), 0 (none) or -1 (the query
 * failed; err set). Writes return 0 or -1 (weir_db_fail). Text comes back in the arena. */
#ifndef WEIR_GOVERNANCE_GOV_STORE_H
#define WEIR_GOVERNANCE_GOV_STORE_H

#include "governance/governance.h"
#include "governance/identity.h"

/* ---------------------------------------------------------------- principals_store.c */

typedef struct weir_gov_principal_row {
	weir_principal_kind kind;
	const char *name;
	const char *display_name;
	bool active;
	int64_t authz_changes; /* weir_gov_store_authz_changes in the same snapshot */
} weir_gov_principal_row;

int weir_gov_store_principal_get(weir_db *db, weir_arena *a, int64_t id, weir_gov_principal_row *out, weir_error *err);
/* The active groups member_id belongs to directly: fn(ctx, group_id, is_the_admins_group). */
typedef void (*weir_gov_group_fn)(void *ctx, int64_t group_id, bool is_admins);
int weir_gov_store_parent_groups(weir_db *db, int64_t member_id, weir_gov_group_fn fn, void *ctx, weir_error *err);
int weir_gov_store_principal_by_name(weir_db *db, const char *name, int64_t *id, weir_principal_kind *kind,
				     weir_error *err);
/* NULL when there is none (or the query failed). */
const char *weir_gov_store_principal_name(weir_db *db, weir_arena *a, int64_t id);
/* kind is the stored text ("user", "group", "service_principal"); returns the new id or -1. */
int64_t weir_gov_store_principal_insert(weir_db *db, const char *kind, const char *name, const char *display,
					int64_t now, weir_error *err);
int weir_gov_store_member_insert(weir_db *db, int64_t group_id, int64_t member_id, weir_error *err);

/* ---------------------------------------------------------------- workspaces_store.c */

int weir_gov_store_workspace_name(weir_db *db, weir_arena *a, int64_t id, const char **name, weir_error *err);
int weir_gov_store_workspace_by_name(weir_db *db, const char *name, int64_t *id, weir_error *err);
/* Whether one of the principals of closure_json (a JSON array of ids) is assigned to the
 * workspace; false when the query fails. */
bool weir_gov_store_workspace_assigned(weir_db *db, int64_t workspace_id, const char *closure_json);
int weir_gov_store_workspace_insert(weir_db *db, int64_t id, const char *name, int64_t now, weir_error *err);
/* The workspace API (grants.c): rows as {workspace_id, name, created_at}. */
int64_t weir_gov_store_ws_insert(weir_db *db, const char *name, weir_error *err);
/* Every workspace when all, else the default one and those closure_json is assigned to. */
json_t *weir_gov_store_ws_list(weir_db *db, bool all, const char *closure_json, weir_error *err);
int weir_gov_store_ws_get(weir_db *db, const char *name, json_t **out, weir_error *err);
int weir_gov_store_ws_delete(weir_db *db, int64_t id, weir_error *err);
int weir_gov_store_ws_assign(weir_db *db, int64_t ws, int64_t principal_id, bool assign, weir_error *err);
/* [{principal, principal_type}] */
json_t *weir_gov_store_ws_assignments(weir_db *db, int64_t ws, weir_error *err);
bool weir_gov_store_ws_exists(weir_db *db, int64_t ws);

/* ---------------------------------------------------------------- tokens_store.c */

typedef struct weir_gov_token_row {
	const char *id;
	int64_t principal_id;
	int64_t expiry_time; /* -1: never */
	int64_t workspace_id;
} weir_gov_token_row;

int weir_gov_store_token_by_hash(weir_db *db, weir_arena *a, const char *hash, weir_gov_token_row *out,
				 weir_error *err);
int weir_gov_store_token_insert(weir_db *db, const char *id, int64_t principal_id, const char *hash,
				const char *comment, int64_t now, int64_t expiry, int64_t workspace_id,
				weir_error *err);
/* Tokens of principal_id (every principal's when < 0) as token_info objects. */
json_t *weir_gov_store_token_list(weir_db *db, int64_t principal_id, weir_error *err);
/* Deletes token_id if principal_id owns it (any owner when < 0): rows deleted, or -1. */
int64_t weir_gov_store_token_delete(weir_db *db, const char *token_id, int64_t principal_id, weir_error *err);

/* ---------------------------------------------------------------- securables_store.c */

int weir_gov_store_metastore_id(weir_db *db, weir_arena *a, const char **id, weir_error *err);
int weir_gov_store_metastore_insert(weir_db *db, const char *id, int64_t owner_id, int64_t now, weir_error *err);
/* The owner of securable id; *owner is left as it is when there is none. */
int weir_gov_store_owner(weir_db *db, const char *id, int64_t *owner, weir_error *err);

/* One catalog of the metastore by name, the schema names[1] in it and the object names[2]
 * of type obj_type in that schema (each absent level has a NULL id), with the catalog's
 * isolation mode and its binding to workspace_id (NULL: not bound); with want_changes, the
 * change counter of authorization data in the same snapshot (else -1). */
typedef struct weir_gov_resolve_row {
	const char *catalog_id, *schema_id, *object_id;
	int64_t catalog_owner, schema_owner, object_owner;
	const char *isolation; /* "OPEN" | "ISOLATED" */
	const char *binding; /* binding type, or NULL */
	int64_t authz_changes;
} weir_gov_resolve_row;
int weir_gov_store_resolve(weir_db *db, weir_arena *a, const char *metastore_id, const char *const names[3],
			   const char *obj_type, int64_t workspace_id, bool want_changes, weir_gov_resolve_row *out,
			   weir_error *err);
/* A child of the metastore outside the catalog tree (credential, external location) by type
 * name and name, into out's object_id, object_owner, isolation and binding (to
 * workspace_id): 1 found, 0 not, -1 error. */
int weir_gov_store_resolve_top(weir_db *db, weir_arena *a, const char *metastore_id, const char *type, const char *name,
			       int64_t workspace_id, weir_gov_resolve_row *out, weir_error *err);
/* The type of securable id and its dotted full name from its catalog down. */
int weir_gov_store_securable_path(weir_db *db, weir_arena *a, const char *id, weir_sec_type *type,
				  const char **full_name, weir_error *err);

/* ---------------------------------------------------------------- grants_store.c */

/* Direct grants on one securable: fn(ctx, principal name, principal id, privilege). */
typedef void (*weir_gov_grant_fn)(void *ctx, const char *principal, int64_t principal_id, const char *privilege);
int weir_gov_store_grants_direct(weir_db *db, const char *securable_id, weir_gov_grant_fn fn, void *ctx,
				 weir_error *err);
/* Grants of every principal on s and its ancestors. */
typedef void (*weir_gov_chain_grant_fn)(void *ctx, const char *securable_id, const char *principal,
					int64_t principal_id, const char *privilege);
int weir_gov_store_grants_chain(weir_db *db, const weir_securable *s, weir_gov_chain_grant_fn fn, void *ctx,
				weir_error *err);
int weir_gov_store_grant_set(weir_db *db, const char *securable_id, int64_t principal_id, const char *privilege,
			     bool add, weir_error *err);
/* Catalog bindings: [{workspace_id, binding_type}]; binding_set with type NULL removes one. */
json_t *weir_gov_store_bindings(weir_db *db, const char *catalog_id, weir_error *err);
int weir_gov_store_binding_set(weir_db *db, const char *catalog_id, int64_t ws, const char *type, weir_error *err);

/* Privilege bits granted directly to any principal of closure_json on each level of s's
 * chain (direct[i] for s->chain[i]; no inheritance). */
int weir_gov_store_chain_privs(weir_db *db, const weir_securable *s, const char *closure_json, uint64_t direct[3],
			       weir_error *err);
/* Privilege bits granted directly to any principal of closure_json on the metastore. */
uint64_t weir_gov_store_metastore_privs(weir_db *db, const char *closure_json);
/* The change counter of authorization data (migrations 0007, 0010): moved by triggers on
 * every commit that changes a grant, a membership, or a principal's name or active flag,
 * whichever process commits it, in the caller's snapshot. -1 when it cannot be read. */
int64_t weir_gov_store_authz_changes(weir_db *db);

/* ---------------------------------------------------------------- identity_store.c (SCIM) */

typedef struct weir_id_row {
	int64_t id;
	weir_principal_kind kind;
	const char *name;
	const char *display_name;
	const char *external_id;
	bool active;
	const char *attrs; /* JSON object text */
	int64_t created_at, updated_at;
} weir_id_row;

int weir_id__get(weir_db *db, weir_arena *a, int64_t id, weir_id_row *out); /* 0 or -1 */
/* Every principal of kind, ordered by id. */
weir_id_row *weir_id__all(weir_db *db, weir_arena *a, weir_principal_kind kind, int *n, weir_error *err);
int64_t weir_id__by_name(weir_db *db, const char *name); /* -1: none */
/* Same, ignoring ASCII case and skipping principal `except` (userName is caseExact false). */
int64_t weir_id__by_name_nocase(weir_db *db, const char *name, int64_t except);
int64_t weir_id__insert(weir_db *db, const weir_id_row *row, weir_error *err);
int weir_id__update(weir_db *db, const weir_id_row *row, weir_error *err);
int weir_id__delete(weir_db *db, int64_t id, weir_error *err);
int weir_id__member_add(weir_db *db, int64_t group_id, int64_t member_id, weir_error *err);
int weir_id__member_remove(weir_db *db, int64_t group_id, int64_t member_id, weir_error *err);
int weir_id__members_clear(weir_db *db, int64_t group_id, weir_error *err);
int weir_id__groups_clear(weir_db *db, int64_t member_id, weir_error *err);
/* Direct members of a group: [{value, display, $ref, type}]. */
json_t *weir_id__members_json(weir_db *db, int64_t group_id);
/* Groups of a member: direct ones with type "direct", the rest of the closure "indirect". */
json_t *weir_id__groups_json(weir_db *db, int64_t member_id);
/* Whether `target` is `start` or a group `start` belongs to, transitively. */
bool weir_id__reaches(weir_db *db, int64_t start, int64_t target);
int64_t weir_id__owned_count(weir_db *db, int64_t id);
/* Service principals by SCIM id or by applicationId, and whether a principal is active. */
int weir_id__sp_by_id(weir_db *db, int64_t num, int64_t *id, weir_error *err);
int weir_id__sp_by_app(weir_db *db, const char *app_id, int64_t *id, weir_error *err);
bool weir_id__active(weir_db *db, int64_t id);
int weir_id__secret_insert(weir_db *db, const char *id, int64_t sp_id, const char *hash, const char *hint, int64_t now,
			   int64_t expire, weir_error *err);
typedef struct weir_id_secret_row {
	const char *id, *hint;
	int64_t created_at, expire_time; /* expire_time -1: never */
} weir_id_secret_row;
/* The secrets of sp_id, oldest first (NULL when the query failed). */
weir_id_secret_row *weir_id__secrets(weir_db *db, weir_arena *a, int64_t sp_id, int *n, weir_error *err);
/* Rows deleted, or -1. */
int64_t weir_id__secret_delete(weir_db *db, int64_t sp_id, const char *secret_id, weir_error *err);
/* Every secret of the service principal named client_id: fn(ctx, hash, expire_time,
 * principal_id, principal_active). -1 when the query failed. */
typedef void (*weir_id_secret_hash_fn)(void *ctx, const char *hash, int64_t expire, int64_t principal_id, bool active);
int weir_id__secret_hashes(weir_db *db, const char *client_id, weir_id_secret_hash_fn fn, void *ctx);

/* ---------------------------------------------------------------- sessions_store.c */

typedef struct weir_gov_ui_session_row {
	int64_t principal_id, workspace_id, expires_at;
	const char *token_id, *csrf_token;
} weir_gov_ui_session_row;

int weir_gov_store_ui_session_insert(weir_db *db, const char *id_hash, int64_t principal_id, int64_t workspace_id,
				     const char *token_id, const char *csrf, int64_t now, int64_t expires,
				     weir_error *err);
int weir_gov_store_ui_session_get(weir_db *db, weir_arena *a, const char *id_hash, weir_gov_ui_session_row *out,
				  weir_error *err);

/* An identity-provider sign-in in flight (ui_oauth_states, migration 0018). */
typedef struct weir_gov_ui_oauth_row {
	const char *code_verifier, *redirect_uri, *next_path;
	int64_t expires_at;
} weir_gov_ui_oauth_row;
int weir_gov_store_ui_oauth_insert(weir_db *db, const char *state_hash, const char *code_verifier,
				   const char *redirect_uri, const char *next_path, int64_t now, int64_t expires,
				   weir_error *err);
/* The row of state_hash: 1 found (into out, arena strings), 0 none, -1. */
int weir_gov_store_ui_oauth_get(weir_db *db, weir_arena *a, const char *state_hash, weir_gov_ui_oauth_row *out,
				weir_error *err);
int64_t weir_gov_store_ui_oauth_count(weir_db *db, int64_t now, weir_error *err);

/* The web UI's records kept by the hash of their secret until they expire. */
typedef enum weir_gov_ui_kind {
	WEIR_GOV_UI_SESSION, /* ui_sessions, by id_hash */
	WEIR_GOV_UI_OAUTH, /* ui_oauth_states, by state_hash */
} weir_gov_ui_kind;
/* Rows deleted (0 or 1), or -1. */
int64_t weir_gov_store_ui_delete(weir_db *db, weir_gov_ui_kind kind, const char *hash, weir_error *err);
/* Removes every record of the kind expired at `now`. */
int weir_gov_store_ui_purge(weir_db *db, weir_gov_ui_kind kind, int64_t now, weir_error *err);

#endif
