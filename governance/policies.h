/* ABAC policies (Unity Catalog's row-filter and column-mask policies, Databricks' policies
 * API): a policy sits on a catalog, schema or table and applies to every table at or below
 * it, for the readers it names (users, service principals, groups: to_principals, minus
 * except_principals), when its condition holds on the governed tags of the table, its schema
 * and its catalog (when_condition), and when each of its match_columns aliases matches at
 * least one column by the column's tags. A row filter's function then filters the table's
 * rows; a column mask's function replaces each column its on_column alias matches. The SQL
 * warehouse asks weir_policies_for_table at every read (warehouse/wh_engine.c, guard()).
 *
 * Conditions: hasTag('k'), hasTagValue('k', 'v') (also has_tag, has_tag_value), AND, OR,
 * NOT, parentheses; tags inherit downward (a catalog's tag holds for its tables). Who may:
 * creating, changing or deleting one needs ownership or MANAGE on the securable it is on and
 * EXECUTE (or ownership) on its function; reading one, what reads the securable's metadata.
 * SQL is in policies_store.c. */
#ifndef WEIR_GOVERNANCE_POLICIES_H
#define WEIR_GOVERNANCE_POLICIES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "governance/catalog.h"
#include "governance/governance.h"

/* CATALOG, SCHEMA or TABLE (any case; also the plural lower-case forms): 400 naming field. */
int weir_policies_on_type_parse(const char *field, const char *s, weir_sec_type *t, weir_error *err);

/* The PolicyInfo answers. `on` is resolved and authorized by the caller; p is who writes (its
 * access to the function is checked here). */
json_t *weir_policies_create(weir_db *db, weir_arena *a, const weir_principal *p, const weir_securable *on,
			     json_t *body, weir_error *err);
json_t *weir_policies_get(weir_db *db, weir_arena *a, const weir_securable *on, const char *name, weir_error *err);
/* {policies, next_page_token?}: those on `on`, and with inherited those on its parents too. */
json_t *weir_policies_list(weir_db *db, weir_arena *a, const weir_securable *on, bool inherited,
			   const weir_page_req *pg, weir_error *err);
/* The fields the body gives replace the stored ones (name renames); the result is checked as a
 * whole, as on create. */
json_t *weir_policies_update(weir_db *db, weir_arena *a, const weir_principal *p, const weir_securable *on,
			     const char *name, json_t *body, weir_error *err);
int weir_policies_delete(weir_db *db, weir_arena *a, const weir_securable *on, const char *name, weir_error *err);

/* What applies to reader p of table t (columns: the table's UC columns): the row filters and
 * masks to apply, each its function and arguments (a column of the table, or a constant). */
typedef struct weir_policy_arg {
	const char *column; /* a column of the table, or NULL for a constant */
	const char *constant; /* the constant's text */
} weir_policy_arg;

typedef struct weir_policy_use {
	const char *policy; /* its name, for messages */
	const char *function_name;
	const char *column; /* a mask: the column it masks (the function's first argument); NULL: a row filter */
	weir_policy_arg *args; /* the rest of the function's arguments, in order */
	int nargs;
} weir_policy_use;

int weir_policies_for_table(weir_db *db, weir_arena *a, const weir_principal *p, const weir_securable *t,
			    json_t *columns, weir_policy_use **out, int *n, weir_error *err);

/* ---------------------------------------------------------------- store (policies_store.c) */

typedef struct weir_policy_row {
	const char *id, *securable_id, *name, *policy_type, *spec, *to_ids, *except_ids;
	int64_t created_at;
	const char *created_by;
	int64_t updated_at;
	const char *updated_by;
} weir_policy_row;

typedef struct weir_policy_tag {
	const char *securable_id, *column, *key, *value;
} weir_policy_tag;

int weir_policies__store_get(weir_db *db, weir_arena *a, const char *sid, const char *name, weir_policy_row *row,
			     weir_error *err);
int weir_policies__store_on(weir_db *db, weir_arena *a, const char *ids[3], weir_policy_row **out, int *n,
			    weir_error *err);
int64_t weir_policies__store_count(weir_db *db, const char *sid, weir_error *err);
/* 1 when any policy exists, 0 when none, -1 on failure. */
int weir_policies__store_any(weir_db *db, weir_error *err);
int weir_policies__store_insert(weir_db *db, const weir_policy_row *r, weir_error *err);
int weir_policies__store_update(weir_db *db, const weir_policy_row *r, weir_error *err);
int weir_policies__store_delete(weir_db *db, const char *id, weir_error *err);
int weir_policies__store_tags(weir_db *db, weir_arena *a, const char *ids[3], weir_policy_tag **out, int *n,
			      weir_error *err);

#endif
