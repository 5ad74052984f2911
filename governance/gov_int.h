/* Private to governance/: functions shared between its rule files (the store functions are
 * in gov_store.h). */
#ifndef WEIR_GOVERNANCE_INT_H
#define WEIR_GOVERNANCE_INT_H

#include "governance/governance.h"

/* Effective privilege bits of p on each level of s's chain (inheritance applied:
 * a grant on the catalog counts at the schema and the leaf). authz.c */
int weir_gov__load_privs(weir_db *db, const weir_principal *p, weir_securable *s, weir_error *err);
struct weir_gov_stamp;
/* The same with the privilege cache's stamp already read (visibility.c reads the counter
 * with the securable); NULL: nothing may be cached. */
int weir_gov__load_privs_stamped(weir_db *db, const weir_principal *p, weir_securable *s,
				 const struct weir_gov_stamp *stamp, weir_error *err);
bool weir_gov__in_closure(const weir_principal *p, int64_t principal_id);
/* Whether p may see s in metadata (no isolation check: done at resolve). authz.c */
bool weir_gov__browsable(weir_db *db, const weir_principal *p, weir_securable *s);
/* *out as a securable beside the catalogs (a chain of itself alone, arena strings kept) with
 * its isolation ("OPEN" | "ISOLATED") and its binding to the caller's workspace (NULL: none):
 * a READ_ONLY binding makes it read_only. False when it is ISOLATED and not bound there: it
 * does not exist in that workspace. */
bool weir_gov__beside(weir_securable *out, weir_sec_type t, const char *id, const char *name, int64_t owner,
		      const char *isolation, const char *binding);

/* ---------------------------------------------------------------- authz_cache.c */

/* What a cached entry was derived from: the pool's in-process generation (weir_db_generation:
 * it also tells pools apart) and the database's change counter of authorization data (moved
 * by triggers, so by a commit of any process sharing the store). */
typedef struct weir_gov_stamp {
	uint64_t gen;
	int64_t changes;
} weir_gov_stamp;

/* The stamp of what db is about to read; false when nothing may be cached or looked up
 * (inside a write transaction, or the counter could not be read). Take it before reading
 * the data it stamps (in the request's read transaction both are one snapshot). */
bool weir_gov__stamp(weir_db *db, weir_gov_stamp *out);
/* The first half of a stamp, for a caller that reads the counter with its data: the
 * generation, taken before the data; 0 inside a write transaction (cache nothing). */
uint64_t weir_gov__generation(weir_db *db);
/* Per worker thread caches of group closures and of evaluated privileges on a chain; an
 * entry with another stamp is a miss. */
bool weir_gov__closure_cache_get(const weir_gov_stamp *stamp, int64_t principal_id, weir_arena *a, int64_t **ids,
				 int *n, bool *is_admin);
void weir_gov__closure_cache_put(const weir_gov_stamp *stamp, int64_t principal_id, const int64_t *ids, int n,
				 bool is_admin);
bool weir_gov__privs_cache_get(const weir_gov_stamp *stamp, int64_t principal_id, weir_securable *s);
void weir_gov__privs_cache_put(const weir_gov_stamp *stamp, int64_t principal_id, const weir_securable *s);
/* Per worker thread cache of authenticated personal access tokens, by the token's hash: on a
 * hit a principal as weir_gov_principal_load made it (arena copies; token_id set) and the
 * token's expiry (-1: never), which the caller checks. */
weir_principal *weir_gov__cred_cache_get(const weir_gov_stamp *stamp, const char *hash, weir_arena *a,
					 int64_t *expiry_ms);
void weir_gov__cred_cache_put(const weir_gov_stamp *stamp, const char *hash, const weir_principal *p,
			      int64_t expiry_ms);

/* ---------------------------------------------------------------- catalog.c */

/* Puts the place of a nested object before the field err names ("columns[2]" + "name" →
 * "columns[2].name"); a refusal that names no field is left as it is. Returns -1. */
int weir_gov__field_within(weir_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---------------------------------------------------------------- tokens.c */

/* The stored form of a credential's secret (a token, a web UI session id, a sign-in's
 * state): its SHA-256 in lower-case hex, in the arena. Rows are looked up by it. */
const char *weir_gov__secret_hash(weir_arena *a, const char *secret);

/* A credential (a personal access token, a web UI session) whose row was looked up by the
 * hash of its secret. */
typedef struct weir_gov_credential {
	int found; /* the lookup's answer: 1, 0 (no such row) or -1 (failed, err set) */
	bool expired; /* when found */
	int64_t principal_id, workspace_id; /* when found */
	const char *invalid; /* the 401's message */
	bool keep_load_error; /* a principal that cannot be loaded answers the loader's error */
} weir_gov_credential;

/* The principal of c, checked as every credential is: found, not expired, the principal
 * loaded in the workspace and still a member of it. NULL with err set otherwise:
 * UNAUTHENTICATED with c->invalid, or the lookup's error, or (keep_load_error) the
 * loader's. */
weir_principal *weir_gov__credential_principal(weir_db *db, weir_arena *a, const weir_gov_credential *c,
					       weir_error *err);

#endif
