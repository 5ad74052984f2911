/* Private to the grants code: the store functions. */
#ifndef WEIR_GOVERNANCE_GRANTS_INT_H
#define WEIR_GOVERNANCE_GRANTS_INT_H

#include "governance/grants.h"

typedef void (*grant_visit_fn)(void *ctx, const char *principal, int64_t principal_id, const char *privilege);
int grants_store_direct(weir_db *db, const char *securable_id, grant_visit_fn fn, void *ctx, weir_error *err);
typedef void (*chain_visit_fn)(void *ctx, const char *securable_id, const char *principal, int64_t principal_id,
			       const char *privilege);
/* Grants of every principal on s and its ancestors. */
int grants_store_chain(weir_db *db, const weir_securable *s, chain_visit_fn fn, void *ctx, weir_error *err);
int grants_store_set(weir_db *db, const char *securable_id, int64_t principal_id, const char *privilege, bool add,
		     weir_error *err);

int64_t ws_store_insert(weir_db *db, const char *name, weir_error *err);
json_t *ws_store_list(weir_db *db, bool all, const char *closure_json, weir_error *err);
json_t *ws_store_get(weir_db *db, const char *name, weir_error *err);
int ws_store_delete(weir_db *db, int64_t id, weir_error *err);
int ws_store_assign(weir_db *db, int64_t ws, int64_t principal_id, bool assign, weir_error *err);
json_t *ws_store_assignments(weir_db *db, int64_t ws, weir_error *err);
bool ws_store_exists(weir_db *db, int64_t ws);

json_t *bind_store_list(weir_db *db, const char *catalog_id, weir_error *err);
/* type NULL removes the binding. */
int bind_store_set(weir_db *db, const char *catalog_id, int64_t ws, const char *type, weir_error *err);

#endif
