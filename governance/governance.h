/* Governance: principals, tokens, workspaces, the securable hierarchy (metastore > catalog >
 * schema > table | volume | function | registered_model), privileges and their inheritance,
 * ownership, bindings, tags and the audit log. This is the public interface; SQL lives in
 * governance/ *_store.c files. No HTTP here: callers pass a principal, inputs and a weir_error.
 *
 * Visibility rule: weir_gov_resolve() refuses to find what the caller may not browse, with
 * exactly the error the caller would get if it did not exist. Nothing else in the answer
 * (messages, counts, page tokens) may reveal an object the caller cannot browse. */
#ifndef WEIR_GOVERNANCE_H
#define WEIR_GOVERNANCE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/error.h"

/* ---------------------------------------------------------------- principals */

typedef enum { WEIR_PRINCIPAL_USER = 0, WEIR_PRINCIPAL_GROUP, WEIR_PRINCIPAL_SP } weir_principal_kind;

/* The authenticated caller, built per request (arena memory). */
typedef struct weir_principal {
	int64_t id;
	weir_principal_kind kind;
	const char *name; /* userName, group name, or service principal application id */
	const char *display_name;
	bool is_admin; /* member of `admins` (transitively) */
	int64_t workspace_id; /* the workspace of the token */
	const char *workspace_name;
	/* id and all groups it belongs to, transitively, as a JSON array text "[1,7,9]". */
	const char *closure_json;
	int64_t *closure; /* same, as numbers */
	int nclosure;
	const char *token_id; /* PAT id, or NULL for JWT callers */
	int64_t credential_expiry_ms; /* when the request's credential ends (PAT expiry, JWT exp); 0: never */
	const char *auth_method; /* "pat" | "jwt" | "oauth" */
} weir_principal;

#define WEIR_ADMINS_GROUP "admins"
#define WEIR_ADMIN_USER "admin"
#define WEIR_DEFAULT_WORKSPACE "default"
#define WEIR_DEFAULT_WORKSPACE_ID 1

/* Loads a principal (by id) with its group closure and workspace; NULL + 401/404 on failure. */
weir_principal *weir_gov_principal_load(weir_db *db, weir_arena *a, int64_t principal_id, int64_t workspace_id,
					weir_error *err);
/* Looks a principal up by name (any kind); returns its id or -1 (NOT_FOUND, naming it). */
int64_t weir_gov_principal_id(weir_db *db, const char *name, weir_principal_kind *kind, weir_error *err);
/* Name of principal `id` (arena copy) or NULL. */
const char *weir_gov_principal_name(weir_db *db, weir_arena *a, int64_t id);

/* ---------------------------------------------------------------- first start */

/* On an empty database: creates the metastore, group `admins`, user `admin` (metastore
 * owner, in `admins`), workspace `default`, and a PAT for admin written to token_path
 * (mode 0600). Does nothing if the metastore exists. */
int weir_gov_bootstrap(weir_db *db, const char *token_path, weir_error *err);
/* The metastore's id (securable id), cached after the first call. */
const char *weir_gov_metastore_id(weir_db *db, weir_arena *a, weir_error *err);

/* ---------------------------------------------------------------- tokens */

#define WEIR_TOKEN_PREFIX "dapi"

typedef struct weir_token_info {
	const char *token_id;
	const char *comment;
	int64_t creation_time;
	int64_t expiry_time; /* -1: never */
	int64_t principal_id;
	const char *owner_name;
	int64_t workspace_id;
} weir_token_info;

/* Resolves a bearer PAT to its principal. Unknown, expired, deleted, or a deactivated
 * principal: 401 UNAUTHENTICATED (one message for all). */
weir_principal *weir_gov_token_authenticate(weir_db *db, weir_arena *a, const char *token, weir_error *err);
/* Creates a PAT for principal_id in workspace_id; lifetime_s <= 0 means no expiry. Writes
 * the secret value to *value (arena). Runs in the caller's write transaction. */
int weir_gov_token_create(weir_db *db, weir_arena *a, int64_t principal_id, int64_t workspace_id, int64_t lifetime_s,
			  const char *comment, char **value, weir_token_info *info, weir_error *err);
/* The same with the creation time and the expiry given, in ms since the epoch (expiry < 0:
 * never); the caller has decided them (api/auth.c, weir_auth_mint_expiry). */
int weir_gov_token_create_until(weir_db *db, weir_arena *a, int64_t principal_id, int64_t workspace_id, int64_t now_ms,
				int64_t expiry_ms, const char *comment, char **value, weir_token_info *info,
				weir_error *err);
/* Tokens of one principal (all principals when principal_id < 0), as token_info objects. */
json_t *weir_gov_token_list(weir_db *db, int64_t principal_id, weir_error *err);
/* Deletes token `token_id` if it belongs to principal_id (any owner when < 0). 404 otherwise. */
int weir_gov_token_delete(weir_db *db, const char *token_id, int64_t principal_id, weir_error *err);

/* ---------------------------------------------------------------- workspaces */

int64_t weir_gov_workspace_id(weir_db *db, const char *name, weir_error *err);
bool weir_gov_workspace_member(weir_db *db, int64_t workspace_id, const weir_principal *p);

/* ---------------------------------------------------------------- securables */

typedef enum {
	WEIR_SEC_METASTORE = 0,
	WEIR_SEC_CATALOG,
	WEIR_SEC_SCHEMA,
	WEIR_SEC_TABLE,
	WEIR_SEC_VOLUME,
	WEIR_SEC_FUNCTION,
	WEIR_SEC_MODEL, /* registered_model */
	/* Children of the metastore outside the catalog tree, named by one name: a chain of
	 * one level (the object), inheriting nothing. */
	WEIR_SEC_CREDENTIAL, /* storage_credential (UC OSS: credential) */
	WEIR_SEC_EXTERNAL_LOCATION,
	WEIR_SEC__COUNT
} weir_sec_type;

const char *weir_sec_type_name(weir_sec_type t); /* "catalog", "registered_model", ... */
/* Storage credentials and external locations: children of the metastore beside the catalogs,
 * named by one name, a chain of themselves alone (no inheritance). */
bool weir_sec_beside_catalogs(weir_sec_type t);
/* How errors name type t ("Catalog", "Registered model", "External location") and what kind
 * of object a NOT_FOUND or ALREADY_EXISTS about it is (WEIR_OBJ_ANY where no dialect names
 * it in its code: models, the metastore). */
const char *weir_sec_type_label(weir_sec_type t);
weir_object weir_sec_type_object(weir_sec_type t);
int weir_sec_type_parse(const char *s, weir_sec_type *out); /* accepts lower and upper case */

/* A resolved securable with its ancestors (arena memory). level[0] is the object itself,
 * then its parents up to the catalog; the metastore is not in the chain. */
typedef struct weir_sec_level {
	const char *id;
	weir_sec_type type;
	const char *name;
	int64_t owner_id;
} weir_sec_level;

typedef struct weir_securable {
	weir_sec_type type;
	const char *id;
	const char *full_name;
	weir_sec_level chain[3]; /* self, parent, grandparent (catalog) */
	int depth; /* entries in chain */
	const char *catalog_isolation; /* "OPEN" | "ISOLATED" of the catalog in the chain */
	bool read_only; /* reached through a READ_ONLY workspace binding */
	uint64_t privs[3]; /* effective privileges at each level (filled lazily) */
	bool privs_loaded;
	bool browse_only; /* visible only through BROWSE (resolved with WEIR_RESOLVE_INCLUDE_BROWSE) */
} weir_securable;

/* ---------------------------------------------------------------- privileges */

#define WEIR_PRIVILEGES(X)                                        \
	X(CREATE_CATALOG, "CREATE CATALOG")                       \
	X(CREATE_EXTERNAL_LOCATION, "CREATE EXTERNAL LOCATION")   \
	X(CREATE_STORAGE_CREDENTIAL, "CREATE STORAGE CREDENTIAL") \
	X(CREATE_CONNECTION, "CREATE CONNECTION")                 \
	X(CREATE_SHARE, "CREATE SHARE")                           \
	X(CREATE_RECIPIENT, "CREATE RECIPIENT")                   \
	X(CREATE_PROVIDER, "CREATE PROVIDER")                     \
	X(USE_CATALOG, "USE CATALOG")                             \
	X(CREATE_SCHEMA, "CREATE SCHEMA")                         \
	X(BROWSE, "BROWSE")                                       \
	X(USE_SCHEMA, "USE SCHEMA")                               \
	X(CREATE_TABLE, "CREATE TABLE")                           \
	X(CREATE_VOLUME, "CREATE VOLUME")                         \
	X(CREATE_FUNCTION, "CREATE FUNCTION")                     \
	X(CREATE_MODEL, "CREATE MODEL")                           \
	X(CREATE_MATERIALIZED_VIEW, "CREATE MATERIALIZED VIEW")   \
	X(EXTERNAL_USE_SCHEMA, "EXTERNAL USE SCHEMA")             \
	X(SELECT, "SELECT")                                       \
	X(MODIFY, "MODIFY")                                       \
	X(REFRESH, "REFRESH")                                     \
	X(READ_VOLUME, "READ VOLUME")                             \
	X(WRITE_VOLUME, "WRITE VOLUME")                           \
	X(EXECUTE, "EXECUTE")                                     \
	X(APPLY_TAG, "APPLY TAG")                                 \
	X(MANAGE, "MANAGE")                                       \
	X(ALL_PRIVILEGES, "ALL PRIVILEGES")                       \
	X(READ_FILES, "READ FILES")                               \
	X(WRITE_FILES, "WRITE FILES")                             \
	X(CREATE_EXTERNAL_TABLE, "CREATE EXTERNAL TABLE")         \
	X(CREATE_EXTERNAL_VOLUME, "CREATE EXTERNAL VOLUME")       \
	X(CREATE_MANAGED_STORAGE, "CREATE MANAGED STORAGE")

typedef enum weir_priv {
#define WEIR_X_PRIV(n, s) WEIR_PRIV_##n,
	WEIR_PRIVILEGES(WEIR_X_PRIV)
#undef WEIR_X_PRIV
		WEIR_PRIV__COUNT
} weir_priv;

#define WEIR_PRIV_BIT(p) ((uint64_t)1 << (p))

/* Accepts "USE_CATALOG" and "USE CATALOG" (any case); -1 if unknown. */
int weir_priv_parse(const char *s);
/* The Databricks wire form, with underscores: "USE_CATALOG". */
const char *weir_priv_name(weir_priv p);
/* Whether privilege p may be granted on securable type t. */
bool weir_priv_applies(weir_priv p, weir_sec_type t);

/* ---------------------------------------------------------------- operations */

/* What a route does to a securable; each has one rule in governance/authz.c. */
typedef enum weir_op {
	WEIR_OP_NONE = 0,
	WEIR_OP_READ_METADATA, /* get / see in a list */
	WEIR_OP_LIST_CHILDREN, /* list the children of this catalog / schema */
	WEIR_OP_CREATE_CATALOG, /* on the metastore */
	WEIR_OP_CREATE_SCHEMA, /* on a catalog */
	WEIR_OP_CREATE_TABLE, /* on a schema; on an external location: CREATE EXTERNAL TABLE */
	WEIR_OP_CREATE_VOLUME, /* on a schema; on an external location: CREATE EXTERNAL VOLUME */
	WEIR_OP_CREATE_FUNCTION,
	WEIR_OP_CREATE_MODEL,
	WEIR_OP_UPDATE, /* comment, properties, rename, isolation */
	WEIR_OP_DELETE,
	WEIR_OP_TRANSFER_OWNER,
	WEIR_OP_MANAGE_GRANTS, /* PATCH permissions, bindings */
	WEIR_OP_READ_GRANTS, /* GET permissions (answer scoped to the caller) */
	WEIR_OP_APPLY_TAG,
	WEIR_OP_READ_DATA, /* SELECT / READ VOLUME / EXECUTE; READ FILES on an external location */
	WEIR_OP_WRITE_DATA, /* MODIFY / WRITE VOLUME; model versions; WRITE FILES */
	WEIR_OP_LINEAGE_WRITE, /* manual lineage edges: MODIFY on the target */
	WEIR_OP_CREATE_CREDENTIAL, /* on the metastore: CREATE STORAGE CREDENTIAL */
	/* on the metastore, and on the credential the new location uses */
	WEIR_OP_CREATE_EXTERNAL_LOCATION,
	WEIR_OP__COUNT
} weir_op;

const char *weir_op_name(weir_op op);
bool weir_op_is_write(weir_op op);

/* The metastore as a securable (for CREATE CATALOG, metastore grants). */
int weir_gov_metastore_securable(weir_db *db, weir_arena *a, weir_securable *out, weir_error *err);

/* Resolves `full_name` of type t for principal p. Not found, or not browsable by p, or in a
 * catalog isolated from p's workspace: the type's not-found error (CATALOG_NOT_FOUND,
 * SCHEMA_NOT_FOUND, TABLE_NOT_FOUND, NOT_FOUND) naming the topmost missing/hidden level.
 * A malformed full name: 400 INVALID_PARAMETER_VALUE. */
int weir_gov_resolve(weir_db *db, weir_arena *a, const weir_principal *p, weir_sec_type t, const char *full_name,
		     weir_securable *out, weir_error *err);
/* Flags of weir_gov_resolve_ex. */
enum {
	WEIR_RESOLVE_IGNORE_ISOLATION = 1 << 0, /* admin tools: see ISOLATED catalogs from any workspace */
	WEIR_RESOLVE_NO_VISIBILITY = 1 << 1, /* existence only: do not apply the caller's browse rule */
	/* UC include_browse: also find what p sees only through BROWSE (on the object or inherited
	 * from its catalog or schema) without the USE CATALOG / USE SCHEMA a full view needs; such
	 * an object comes back with browse_only set, and only READ_METADATA and LIST_CHILDREN allow it. */
	WEIR_RESOLVE_INCLUDE_BROWSE = 1 << 2,
};
int weir_gov_resolve_ex(weir_db *db, weir_arena *a, const weir_principal *p, weir_sec_type t, const char *full_name,
			unsigned flags, weir_securable *out, weir_error *err);
/* Same by id (NOT_FOUND when absent or hidden). */
int weir_gov_resolve_id(weir_db *db, weir_arena *a, const weir_principal *p, const char *id, weir_securable *out,
			weir_error *err);
/* Whether s, which p cannot otherwise see, is visible to p through BROWSE alone (include_browse). */
bool weir_gov_browse_only(weir_db *db, const weir_principal *p, weir_securable *s);
/* Whether p may perform op on s (admins and workspace bindings included). */
bool weir_gov_allowed(weir_db *db, const weir_principal *p, weir_op op, weir_securable *s);
/* Same as allowed() with the refusal reason rendered into err (403 PERMISSION_DENIED). */
int weir_gov_check(weir_db *db, const weir_principal *p, weir_op op, weir_securable *s, weir_error *err);
/* The error returned when an object of type t named full_name is not found. */
int weir_gov_not_found(weir_sec_type t, const char *full_name, weir_error *err);

/* ---------------------------------------------------------------- names */

/* UC name rule: 1..255 chars of [A-Za-z0-9_@-] (no dots, spaces, slashes, control chars). */
int weir_gov_name_check(const char *field, const char *name, weir_error *err);
/* Splits "a.b.c" into exactly `parts` names; 400 naming `field` otherwise. Arena copies. */
int weir_gov_split_full_name(weir_arena *a, const char *field, const char *full, int parts, const char **out,
			     weir_error *err);

/* ---------------------------------------------------------------- audit */

typedef struct weir_audit_event {
	int64_t event_time;
	const weir_principal *principal; /* may be NULL (failed login) */
	const char *principal_name; /* used when principal is NULL */
	int64_t workspace_id;
	const char *service_name;
	const char *action_name;
	const char *request_id;
	json_t *request_params; /* borrowed; secrets already removed */
	int status_code;
	const char *error_code;
	const char *securable; /* full name or id, may be NULL */
	const char *source_ip;
	const char *user_agent;
} weir_audit_event;

/* Writes one audit row on db (inside the caller's transaction if one is open). */
int weir_gov_audit(weir_db *db, const weir_audit_event *ev, weir_error *err);

#endif
