/* The authorization rules: one place that says, for each operation on a securable, which
 * ownerships and privileges allow it. Privileges are inherited downward from the catalog
 * (gov__load_privs), ownership is not inherited but an owner of a parent may manage its
 * children, metastore admins (group `admins`) may do everything that their workspace
 * allows, and a READ_ONLY workspace binding refuses every write. Storage credentials and
 * external locations stand beside the catalog tree (storage_rule). */
#include "governance/gov_int.h"
#include "governance/gov_store.h"

#include <stdio.h>
#include <string.h>

#define B(p) WEIR_PRIV_BIT(WEIR_PRIV_##p)

static bool has(const weir_securable *s, int level, weir_priv priv)
{
	uint64_t bits = s->privs[level];
	if (bits & WEIR_PRIV_BIT(priv))
		return true;
	/* ALL PRIVILEGES covers everything but MANAGE (no escalation through it). */
	return priv != WEIR_PRIV_MANAGE && (bits & B(ALL_PRIVILEGES)) != 0;
}

static bool owns(const weir_principal *p, const weir_securable *s, int level)
{
	return level < s->depth && weir_gov__in_closure(p, s->chain[level].owner_id);
}

static int cat_idx(const weir_securable *s) { return s->depth - 1; }

static bool owns_any(const weir_principal *p, const weir_securable *s)
{
	for (int i = 0; i < s->depth; i++)
		if (owns(p, s, i))
			return true;
	return false;
}

static bool uses_catalog(const weir_principal *p, const weir_securable *s)
{
	int c = cat_idx(s);
	return owns(p, s, c) || has(s, c, WEIR_PRIV_USE_CATALOG);
}

/* For objects inside a schema (depth 3) or the schema itself (depth 2). */
static bool uses_schema(const weir_principal *p, const weir_securable *s)
{
	int si = s->depth - 2;
	if (si < 0)
		return true;
	return owns(p, s, si) || owns(p, s, cat_idx(s)) || has(s, si, WEIR_PRIV_USE_SCHEMA);
}

static uint64_t data_privs(weir_sec_type t, bool write)
{
	switch (t) {
	case WEIR_SEC_TABLE: return write ? B(MODIFY) : B(SELECT);
	case WEIR_SEC_VOLUME: return write ? B(WRITE_VOLUME) : B(READ_VOLUME);
	case WEIR_SEC_FUNCTION:
	case WEIR_SEC_MODEL: return write ? 0 : B(EXECUTE);
	default: return 0;
	}
}

static bool has_any(const weir_securable *s, int level, uint64_t mask)
{
	for (int i = 0; i < WEIR_PRIV__COUNT; i++)
		if ((mask & WEIR_PRIV_BIT(i)) && has(s, level, (weir_priv)i))
			return true;
	return false;
}

int weir_gov__load_privs(weir_db *db, const weir_principal *p, weir_securable *s, weir_error *err)
{
	if (s->privs_loaded)
		return 0;
	weir_gov_stamp stamp;
	bool cacheable = weir_gov__stamp(db, &stamp); /* before the data it stamps */
	return weir_gov__load_privs_stamped(db, p, s, cacheable ? &stamp : NULL, err);
}

int weir_gov__load_privs_stamped(weir_db *db, const weir_principal *p, weir_securable *s, const weir_gov_stamp *stamp,
				 weir_error *err)
{
	if (s->privs_loaded)
		return 0;
	bool cacheable = stamp != NULL;
	if (cacheable && weir_gov__privs_cache_get(stamp, p->id, s)) {
		s->privs_loaded = true;
		return 0;
	}
	memset(s->privs, 0, sizeof(s->privs));
	uint64_t direct[3];
	if (weir_gov_store_chain_privs(db, s, p->closure_json, direct, err) != 0)
		return -1;
	/* Inheritance: what is granted on a level applies to every level below it. The
	 * metastore is never in the chain: its grants are not inherited. */
	uint64_t acc = 0;
	for (int i = s->depth - 1; i >= 0; i--) {
		acc |= direct[i];
		s->privs[i] = acc;
	}
	s->privs_loaded = true;
	if (cacheable)
		weir_gov__privs_cache_put(stamp, p->id, s);
	return 0;
}

bool weir_gov__browsable(weir_db *db, const weir_principal *p, weir_securable *s)
{
	if (p->is_admin || s->type == WEIR_SEC_METASTORE)
		return true;
	if (weir_gov__load_privs(db, p, s, NULL) != 0)
		return false;
	int c = cat_idx(s);
	if (owns(p, s, c))
		return true;
	switch (s->depth) {
	case 1: /* catalog: ownership or any privilege granted on it */ return s->privs[0] != 0;
	case 2: /* schema */
		return uses_catalog(p, s) && (owns(p, s, 0) || has_any(s, 0, B(USE_SCHEMA) | B(BROWSE) | B(MANAGE)));
	default: /* leaf */
		if (owns(p, s, 1) && uses_catalog(p, s))
			return true;
		return uses_catalog(p, s) && uses_schema(p, s) &&
		       (owns(p, s, 0) || has_any(s, 0,
						 data_privs(s->type, false) | data_privs(s->type, true) | B(BROWSE) |
							 B(MANAGE) | B(APPLY_TAG) | B(REFRESH)));
	}
}

/* BROWSE reaches an object from itself, its schema or its catalog (privs[0] holds what is
 * inherited), and needs neither USE CATALOG nor USE SCHEMA. */
bool weir_gov_browse_only(weir_db *db, const weir_principal *p, weir_securable *s)
{
	if (p == NULL || p->is_admin || s->type == WEIR_SEC_METASTORE || weir_gov__load_privs(db, p, s, NULL) != 0)
		return false;
	return !weir_gov__browsable(db, p, s) && has(s, 0, WEIR_PRIV_BROWSE);
}

/* Parents usable (USE CATALOG, and USE SCHEMA for objects in a schema). */
static bool parents_usable(const weir_principal *p, const weir_securable *s)
{
	if (s->depth >= 2 && !uses_catalog(p, s))
		return false;
	if (s->depth >= 3 && !uses_schema(p, s))
		return false;
	return true;
}

static bool manages(const weir_principal *p, const weir_securable *s)
{
	return owns_any(p, s) || (has(s, 0, WEIR_PRIV_MANAGE) && parents_usable(p, s));
}

static bool create_in(const weir_principal *p, weir_securable *s, weir_priv create)
{
	/* s is the parent: a catalog (CREATE SCHEMA) or a schema (CREATE TABLE, ...). */
	if (s->type == WEIR_SEC_CATALOG)
		return owns(p, s, 0) || (has(s, 0, WEIR_PRIV_USE_CATALOG) && has(s, 0, create));
	if (s->type != WEIR_SEC_SCHEMA)
		return false;
	if (owns(p, s, 1))
		return true;
	return uses_catalog(p, s) && (owns(p, s, 0) || (has(s, 0, WEIR_PRIV_USE_SCHEMA) && has(s, 0, create)));
}

/* Storage credentials and external locations: no parents, nothing inherited; their owner
 * and MANAGE manage them, any privilege on one shows it, and each use has its privilege: on a
 * location CREATE_TABLE and CREATE_VOLUME read CREATE EXTERNAL TABLE / VOLUME (an EXTERNAL
 * one under it), CREATE_SCHEMA reads CREATE MANAGED STORAGE (a storage_root under it),
 * READ_DATA and WRITE_DATA read READ FILES and WRITE FILES (path credentials). */
static bool storage_rule(const weir_principal *p, weir_op op, const weir_securable *s)
{
	bool cred = s->type == WEIR_SEC_CREDENTIAL;
	if (owns(p, s, 0))
		return op != WEIR_OP_CREATE_EXTERNAL_LOCATION || cred;
	switch (op) {
	case WEIR_OP_READ_METADATA:
	case WEIR_OP_READ_GRANTS: return s->privs[0] != 0;
	case WEIR_OP_UPDATE:
	case WEIR_OP_DELETE:
	case WEIR_OP_TRANSFER_OWNER:
	case WEIR_OP_MANAGE_GRANTS: return has(s, 0, WEIR_PRIV_MANAGE);
	case WEIR_OP_CREATE_EXTERNAL_LOCATION: return cred && has(s, 0, WEIR_PRIV_CREATE_EXTERNAL_LOCATION);
	case WEIR_OP_CREATE_TABLE: return has(s, 0, WEIR_PRIV_CREATE_EXTERNAL_TABLE);
	case WEIR_OP_CREATE_VOLUME: return !cred && has(s, 0, WEIR_PRIV_CREATE_EXTERNAL_VOLUME);
	case WEIR_OP_CREATE_SCHEMA: /* a catalog's or schema's managed storage (storage_root) here */
		return !cred && has(s, 0, WEIR_PRIV_CREATE_MANAGED_STORAGE);
	case WEIR_OP_READ_DATA: return has(s, 0, WEIR_PRIV_READ_FILES);
	case WEIR_OP_WRITE_DATA: return has(s, 0, WEIR_PRIV_WRITE_FILES);
	default: return false;
	}
}

static bool rule(weir_db *db, const weir_principal *p, weir_op op, weir_securable *s)
{
	if (s->type == WEIR_SEC_METASTORE) {
		if (p->is_admin || weir_gov__in_closure(p, s->chain[0].owner_id))
			return true;
		switch (op) {
		case WEIR_OP_READ_METADATA:
		case WEIR_OP_READ_GRANTS:
		case WEIR_OP_LIST_CHILDREN: return true;
		case WEIR_OP_CREATE_CATALOG:
			return (weir_gov_store_metastore_privs(db, p->closure_json) & B(CREATE_CATALOG)) != 0;
		case WEIR_OP_CREATE_CREDENTIAL:
			return (weir_gov_store_metastore_privs(db, p->closure_json) & B(CREATE_STORAGE_CREDENTIAL)) !=
			       0;
		case WEIR_OP_CREATE_EXTERNAL_LOCATION:
			return (weir_gov_store_metastore_privs(db, p->closure_json) & B(CREATE_EXTERNAL_LOCATION)) != 0;
		default: return false;
		}
	}
	if (p->is_admin)
		return true;
	if (weir_gov__load_privs(db, p, s, NULL) != 0)
		return false;
	if (weir_sec_beside_catalogs(s->type))
		return storage_rule(p, op, s);
	switch (op) {
	case WEIR_OP_NONE: return false;
	case WEIR_OP_READ_METADATA:
	case WEIR_OP_LIST_CHILDREN:
		/* browse_only is set only by a resolve that asked for include_browse */
		return weir_gov__browsable(db, p, s) || (s->browse_only && has(s, 0, WEIR_PRIV_BROWSE));
	case WEIR_OP_READ_GRANTS: return weir_gov__browsable(db, p, s);
	case WEIR_OP_CREATE_CATALOG: return false;
	case WEIR_OP_CREATE_SCHEMA: return create_in(p, s, WEIR_PRIV_CREATE_SCHEMA);
	case WEIR_OP_CREATE_TABLE: return create_in(p, s, WEIR_PRIV_CREATE_TABLE);
	case WEIR_OP_CREATE_VOLUME: return create_in(p, s, WEIR_PRIV_CREATE_VOLUME);
	case WEIR_OP_CREATE_FUNCTION: return create_in(p, s, WEIR_PRIV_CREATE_FUNCTION);
	case WEIR_OP_CREATE_MODEL: return create_in(p, s, WEIR_PRIV_CREATE_MODEL);
	case WEIR_OP_UPDATE:
	case WEIR_OP_DELETE:
	case WEIR_OP_TRANSFER_OWNER:
	case WEIR_OP_MANAGE_GRANTS: return manages(p, s);
	case WEIR_OP_APPLY_TAG: return manages(p, s) || (parents_usable(p, s) && has(s, 0, WEIR_PRIV_APPLY_TAG));
	case WEIR_OP_READ_DATA:
		return parents_usable(p, s) && (owns(p, s, 0) || has_any(s, 0, data_privs(s->type, false)));
	case WEIR_OP_WRITE_DATA:
	case WEIR_OP_LINEAGE_WRITE:
		if (s->type == WEIR_SEC_MODEL)
			return owns_any(p, s);
		return parents_usable(p, s) && (owns(p, s, 0) || has_any(s, 0, data_privs(s->type, true)));
	case WEIR_OP_CREATE_CREDENTIAL:
	case WEIR_OP_CREATE_EXTERNAL_LOCATION:
	case WEIR_OP__COUNT: break;
	}
	return false;
}

bool weir_gov_allowed(weir_db *db, const weir_principal *p, weir_op op, weir_securable *s)
{
	if (p == NULL)
		return false;
	/* A READ_ONLY binding refuses writes to everything in the catalog, admins included. */
	if (s->read_only && weir_op_is_write(op) && op != WEIR_OP_CREATE_CATALOG)
		return false;
	return rule(db, p, op, s);
}

int weir_gov_check(weir_db *db, const weir_principal *p, weir_op op, weir_securable *s, weir_error *err)
{
	if (weir_gov_allowed(db, p, op, s))
		return 0;
	if (s->read_only && weir_op_is_write(op))
		return weir_error_set(err, WEIR_E_PERMISSION_DENIED,
				      "%s '%.200s' is bound read-only to workspace '%.100s': writes are refused.",
				      s->type == WEIR_SEC_CREDENTIAL          ? "Storage credential"
				      : s->type == WEIR_SEC_EXTERNAL_LOCATION ? "External location"
									      : "Catalog",
				      s->chain[cat_idx(s)].name, p && p->workspace_name ? p->workspace_name : "");
	return weir_error_set(err, WEIR_E_PERMISSION_DENIED, "User does not have permission to %s on %s '%.300s'.",
			      weir_op_name(op), weir_sec_type_name(s->type), s->full_name ? s->full_name : "");
}
