/* The visibility walk: a securable found by full name (or id) with its parent chain, for a
 * caller. Whatever the caller may not browse, or a catalog isolated from its workspace,
 * answers exactly as a missing object would (the type's not-found error naming the topmost
 * hidden level), so no answer reveals what the caller cannot see. The browse rule itself is
 * in authz.c; SQL in securables_store.c. */
#include "governance/gov_int.h"
#include "governance/gov_store.h"

#include <string.h>

#include "core/util.h"

/* The key of the connection memo (compared by address). */
static const char MEMO_METASTORE_ID[] = "metastore id";

/* The metastore never changes for a database: memoised on the connection. */
const char *weir_gov_metastore_id(weir_db *db, weir_arena *a, weir_error *err)
{
	const char *memo = weir_db_memo_get(db, MEMO_METASTORE_ID);
	if (memo)
		return weir_arena_strdup(a, memo);
	const char *id = NULL;
	int found = weir_gov_store_metastore_id(db, a, &id, err);
	if (found < 0)
		return NULL;
	if (found == 0) {
		weir_error_set(err, WEIR_E_NOT_FOUND, "No metastore is initialised");
		return NULL;
	}
	weir_db_memo_set(db, MEMO_METASTORE_ID, id);
	return id;
}

int weir_gov_not_found(weir_sec_type t, const char *full_name, weir_error *err)
{
	return weir_error_obj(err, WEIR_E_NOT_FOUND, weir_sec_type_object(t), NULL, "%s '%.300s' does not exist.",
			      weir_sec_type_label(t), full_name);
}

int weir_gov_metastore_securable(weir_db *db, weir_arena *a, weir_securable *out, weir_error *err)
{
	const char *ms = weir_gov_metastore_id(db, a, err);
	if (ms == NULL)
		return -1;
	memset(out, 0, sizeof(*out));
	out->type = WEIR_SEC_METASTORE;
	out->id = ms;
	out->full_name = "metastore";
	out->depth = 1;
	out->chain[0].id = ms;
	out->chain[0].type = WEIR_SEC_METASTORE;
	out->chain[0].name = "metastore";
	out->catalog_isolation = "OPEN";
	return weir_gov_store_owner(db, ms, &out->chain[0].owner_id, err) < 0 ? -1 : 0;
}

int weir_gov_resolve(weir_db *db, weir_arena *a, const weir_principal *p, weir_sec_type t, const char *full_name,
		     weir_securable *out, weir_error *err)
{
	return weir_gov_resolve_ex(db, a, p, t, full_name, 0, out, err);
}

bool weir_gov__beside(weir_securable *out, weir_sec_type t, const char *id, const char *name, int64_t owner,
		      const char *isolation, const char *binding)
{
	memset(out, 0, sizeof(*out));
	out->type = t;
	out->id = id;
	out->full_name = name;
	out->depth = 1;
	out->chain[0] = (weir_sec_level){id, t, name, owner};
	/* isolated as a catalog is: bound workspaces only, a READ_ONLY binding refusing writes */
	out->catalog_isolation = isolation;
	out->read_only = binding != NULL && strcmp(binding, "BINDING_TYPE_READ_ONLY") == 0;
	return strcmp(isolation, "ISOLATED") != 0 || binding != NULL;
}

/* A storage credential or external location: one name, a chain of itself alone, seen by
 * whoever may read its metadata (authz.c's storage_rule), from a workspace bound to it when
 * it is ISOLATED. */
static int resolve_top(weir_db *db, weir_arena *a, const weir_principal *p, weir_sec_type t, const char *name,
		       unsigned flags, weir_securable *out, weir_error *err)
{
	memset(out, 0, sizeof(*out));
	out->type = t;
	out->full_name = weir_arena_strdup(a, name ? name : "");
	out->catalog_isolation = "OPEN";
	if (weir_gov_name_check("full_name", name, err) != 0)
		return -1;
	const char *ms = weir_gov_metastore_id(db, a, err);
	if (ms == NULL)
		return -1;
	weir_gov_resolve_row row;
	int found = weir_gov_store_resolve_top(db, a, ms, weir_sec_type_name(t), name,
					       p ? p->workspace_id : WEIR_DEFAULT_WORKSPACE_ID, &row, err);
	if (found < 0)
		return -1;
	if (found == 0)
		return weir_gov_not_found(t, name, err);
	if (!weir_gov__beside(out, t, row.object_id, out->full_name, row.object_owner, row.isolation, row.binding) &&
	    !(flags & WEIR_RESOLVE_IGNORE_ISOLATION))
		return weir_gov_not_found(t, name, err);
	if (p && !(flags & WEIR_RESOLVE_NO_VISIBILITY) && !weir_gov_allowed(db, p, WEIR_OP_READ_METADATA, out))
		return weir_gov_not_found(t, name, err);
	return 0;
}

int weir_gov_resolve_ex(weir_db *db, weir_arena *a, const weir_principal *p, weir_sec_type t, const char *full_name,
			unsigned flags, weir_securable *out, weir_error *err)
{
	if (t == WEIR_SEC_METASTORE)
		return weir_gov_metastore_securable(db, a, out, err);
	if (weir_sec_beside_catalogs(t))
		return resolve_top(db, a, p, t, full_name, flags, out, err);
	out->browse_only = false;
	int parts = t == WEIR_SEC_CATALOG ? 1 : t == WEIR_SEC_SCHEMA ? 2 : 3;
	const char *names[3] = {NULL, NULL, NULL};
	if (weir_gov_split_full_name(a, "full_name", full_name, parts, names, err) != 0)
		return -1;
	const char *ms = weir_gov_metastore_id(db, a, err);
	if (ms == NULL)
		return -1;
	/* The privilege cache's stamp: the generation before the data, the database's counter
	 * with the securables (one snapshot), only for callers whose privileges are loaded. */
	bool want_privs = p && !p->is_admin && !(flags & WEIR_RESOLVE_NO_VISIBILITY);
	weir_gov_stamp stamp = {want_privs ? weir_gov__generation(db) : 0, -1};
	weir_gov_resolve_row row;
	int found = weir_gov_store_resolve(db, a, ms, names, weir_sec_type_name(t),
					   p ? p->workspace_id : WEIR_DEFAULT_WORKSPACE_ID, stamp.gen != 0, &row, err);
	memset(out, 0, sizeof(*out));
	out->type = t;
	out->full_name = weir_arena_strdup(a, full_name);
	if (found < 0)
		return -1;
	if (found == 0)
		return weir_gov_not_found(WEIR_SEC_CATALOG, names[0], err);
	/* chain: [self, parent, catalog] filled from the top down */
	weir_sec_level cat = {row.catalog_id, WEIR_SEC_CATALOG, names[0], row.catalog_owner};
	out->catalog_isolation = row.isolation;
	bool bound = row.binding != NULL;
	out->read_only = bound && strcmp(row.binding, "BINDING_TYPE_READ_ONLY") == 0;
	bool have_schema = row.schema_id != NULL;
	weir_sec_level sch = {row.schema_id, WEIR_SEC_SCHEMA, names[1], row.schema_owner};
	bool have_obj = row.object_id != NULL;
	weir_sec_level obj = {row.object_id, t, names[2], row.object_owner};

	/* A catalog isolated from the caller's workspace does not exist for it. */
	if (strcmp(out->catalog_isolation, "ISOLATED") == 0 && !bound && !(flags & WEIR_RESOLVE_IGNORE_ISOLATION))
		return weir_gov_not_found(WEIR_SEC_CATALOG, names[0], err);
	if (flags & WEIR_RESOLVE_NO_VISIBILITY)
		p = NULL;

	/* The deepest existing chain, with its grants loaded in one query; then walk down from
	 * the catalog: each level must exist and be browsable, else it is "not found". A view
	 * of an upper level is the chain's tail (inheritance flows down, so the effective
	 * privileges of a level do not depend on the levels below it). */
	weir_sec_level full[3];
	int depth = 0;
	if (parts == 3 && have_schema && have_obj)
		full[depth++] = obj;
	if (parts >= 2 && have_schema)
		full[depth++] = sch;
	full[depth++] = cat;
	memcpy(out->chain, full, sizeof(full[0]) * (size_t)depth);
	out->depth = depth;
	out->privs_loaded = false;
	stamp.changes = row.authz_changes;
	if (p && !p->is_admin &&
	    weir_gov__load_privs_stamped(db, p, out, stamp.gen != 0 && stamp.changes >= 0 ? &stamp : NULL, err) != 0)
		return -1;
	weir_securable all = *out;
	for (int level = depth - 1; level >= 0; level--) {
		weir_securable *v = out;
		*v = all;
		v->depth = depth - level;
		memmove(v->chain, all.chain + level, sizeof(v->chain[0]) * (size_t)v->depth);
		memmove(v->privs, all.privs + level, sizeof(v->privs[0]) * (size_t)v->depth);
		v->type = v->chain[0].type;
		v->id = v->chain[0].id;
		v->browse_only = false;
		if (p && !weir_gov__browsable(db, p, v) &&
		    ((flags & WEIR_RESOLVE_INCLUDE_BROWSE) == 0 ||
		     !(v->browse_only = weir_gov_browse_only(db, p, v)))) {
			const char *shown = v->depth == 1   ? names[0]
					    : v->depth == 2 ? weir_arena_printf(a, "%s.%s", names[0], names[1])
							    : full_name;
			return weir_gov_not_found(v->type, shown, err);
		}
	}
	if (parts >= 2 && !have_schema)
		return weir_gov_not_found(WEIR_SEC_SCHEMA, weir_arena_printf(a, "%s.%s", names[0], names[1]), err);
	if (parts == 3 && !have_obj)
		return weir_gov_not_found(t, full_name, err);
	return 0;
}

int weir_gov_resolve_id(weir_db *db, weir_arena *a, const weir_principal *p, const char *id, weir_securable *out,
			weir_error *err)
{
	weir_sec_type t = WEIR_SEC_METASTORE;
	const char *full = NULL;
	int found = weir_gov_store_securable_path(db, a, id, &t, &full, err);
	if (found < 0)
		return -1;
	if (found == 0)
		return weir_error_set(err, WEIR_E_NOT_FOUND, "No securable with id '%.100s'.", id);
	if (weir_gov_resolve(db, a, p, t, full, out, err) != 0) {
		weir_error_clear(err);
		return weir_error_set(err, WEIR_E_NOT_FOUND, "No securable with id '%.100s'.", id);
	}
	return 0;
}
