/* Identity management: SCIM 2.0 users, groups and service principals (create, read, list
 * with a filter, replace, patch, delete), nested group membership, and the OAuth secrets of
 * service principals (stored only as SHA-256 hashes). No HTTP here: the SCIM routes in
 * api/handlers/identity.c call these inside the request's write transaction and render the
 * errors; SQL lives in governance/identity_store.c.
 *
 * Invariants kept here:
 * - principals.name is the userName (users), displayName (groups) or applicationId (service
 *   principals), unique across kinds.
 * - group membership has no cycles (an add that would close one is refused), so the
 *   closure walk in governance/principals.c terminates and is the transitive membership.
 * - group `admins` can be neither renamed nor deleted; a caller can neither delete nor
 *   deactivate itself (so the last admin cannot lock everyone out by accident).
 * - a principal that still owns securables is not deleted: 409 naming how many it owns
 *   (ownership is transferred explicitly with the catalog API first).
 * - every failing call leaves the database as it was, given that the caller rolls back. */
#ifndef WEIR_GOVERNANCE_IDENTITY_H
#define WEIR_GOVERNANCE_IDENTITY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/error.h"
#include "governance/governance.h"

/* ---------------------------------------------------------------- SCIM filters */

typedef enum { WEIR_SCIM_EQ = 0, WEIR_SCIM_NE, WEIR_SCIM_CO, WEIR_SCIM_SW, WEIR_SCIM_EW } weir_scim_op;

/* One `attr op value` clause: `userName eq "a@b.c"`, `displayName co "eng"`, `active eq true`.
 * attr is one of id, userName, displayName, applicationId, externalId, active (case-insensitive,
 * stored canonically). Strings compare case-sensitively except userName (SCIM: caseExact false). */
typedef struct weir_scim_filter {
	bool present; /* false: no filter (everything matches) */
	const char *attr; /* canonical spelling */
	weir_scim_op op;
	const char *value; /* string value (arena), or NULL for a boolean */
	bool bool_value;
} weir_scim_filter;

/* Parses text (NULL or empty: no filter). A malformed filter or an attribute the kind does
 * not have: 400 INVALID_PARAMETER_VALUE whose message starts with "Invalid filter". */
int weir_scim_filter_parse(weir_arena *a, weir_principal_kind kind, const char *text, weir_scim_filter *out,
			   weir_error *err);

/* ---------------------------------------------------------------- SCIM resources */

/* The SCIM resource of principal `id` of `kind` (new reference). 404 NOT_FOUND if there is
 * none of that kind. */
json_t *weir_id_resource(weir_db *db, weir_arena *a, weir_principal_kind kind, int64_t id, weir_error *err);
/* The ListResponse for kind: filter applied, 1-based start_index, at most count items. */
json_t *weir_id_list(weir_db *db, weir_arena *a, weir_principal_kind kind, const weir_scim_filter *f,
		     int64_t start_index, int64_t count, weir_error *err);
/* Creates a principal from a SCIM body; returns its id. Runs in the caller's transaction.
 * Duplicate name: 409 ALREADY_EXISTS; unknown member/group: 400; bad field: 400. */
int64_t weir_id_create(weir_db *db, weir_arena *a, weir_principal_kind kind, json_t *body, weir_error *err);
/* PUT: replaces the resource's attributes (and, when given, members / groups). */
int weir_id_replace(weir_db *db, weir_arena *a, weir_principal_kind kind, int64_t id, int64_t caller_id, json_t *body,
		    weir_error *err);
/* PATCH with a SCIM PatchOp body ({Operations: [...]}); an absent Operations changes nothing. */
int weir_id_patch(weir_db *db, weir_arena *a, weir_principal_kind kind, int64_t id, int64_t caller_id, json_t *body,
		  weir_error *err);
/* Deletes; refuses `admins`, the caller itself, and owners of securables (409, message
 * "... owns N securable(s) ..."; *owned is set to N when not NULL). */
int weir_id_delete(weir_db *db, weir_principal_kind kind, int64_t id, int64_t caller_id, int64_t *owned,
		   weir_error *err);

/* Parses a SCIM id path segment; -1 when it is not a positive decimal. */
int64_t weir_id_parse(const char *s);

/* ---------------------------------------------------------------- service principals */

/* The id of the service principal named by `ref`: its SCIM id (decimal) or its
 * applicationId. 404 NOT_FOUND otherwise (also for users and groups). */
int64_t weir_id_sp_find(weir_db *db, const char *ref, weir_error *err);
/* Whether principal id is active. */
bool weir_id_active(weir_db *db, int64_t id);

/* Creates an OAuth secret for service principal sp_id (lifetime_s <= 0: no expiry) and
 * returns {id, secret, secret_hint, status, create_time, update_time, expire_time}: the only
 * time the secret is ever returned. Runs in the caller's transaction. */
json_t *weir_id_secret_create(weir_db *db, int64_t sp_id, int64_t lifetime_s, weir_error *err);
/* {secrets: [...]} without the secret values. */
json_t *weir_id_secret_list(weir_db *db, int64_t sp_id, weir_error *err);
int weir_id_secret_delete(weir_db *db, int64_t sp_id, const char *secret_id, weir_error *err);
/* client_credentials: the service principal whose applicationId is client_id and that
 * holds an unexpired secret equal to `secret`; -1 with 401 UNAUTHENTICATED otherwise (one
 * message for every failure). Inactive principals are refused too. */
int64_t weir_id_sp_authenticate(weir_db *db, const char *client_id, const char *secret, weir_error *err);
/* The same, with the matching secret's expiry in *expire_ms (ms since the epoch; 0: never). */
int64_t weir_id_sp_authenticate_until(weir_db *db, const char *client_id, const char *secret, int64_t *expire_ms,
				      weir_error *err);

#define WEIR_SP_SECRET_PREFIX "dose"

#endif
