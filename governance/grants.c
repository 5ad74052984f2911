/* The rules of grants, effective permissions, workspaces and bindings: what may be granted
 * on which type, all-or-nothing changes, who sees which assignments. SQL is in
 * grants_store.c. */
#include "governance/gov_int.h"
#include "governance/gov_store.h"
#include "governance/grants.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"

/* Whether p sees every principal's grants on s (managers) or only its own. */
static bool sees_all(weir_db *db, const weir_principal *p, weir_securable *s)
{
	weir_securable copy = *s;
	copy.read_only = false; /* reading assignments is not a write */
	return weir_gov_allowed(db, p, WEIR_OP_MANAGE_GRANTS, &copy);
}

struct direct_ctx {
	json_t *by_name; /* principal name -> privileges array */
	const weir_principal *filter_closure; /* NULL: all */
	const char *only; /* principal filter */
};

static bool in_closure(const weir_principal *p, int64_t id)
{
	for (int i = 0; i < p->nclosure; i++)
		if (p->closure[i] == id)
			return true;
	return false;
}

static void direct_visit(void *vctx, const char *principal, int64_t principal_id, const char *privilege)
{
	struct direct_ctx *c = vctx;
	if (c->filter_closure && !in_closure(c->filter_closure, principal_id))
		return;
	if (c->only && strcmp(c->only, principal) != 0)
		return;
	json_t *arr = json_object_get(c->by_name, principal);
	if (arr == NULL) {
		arr = json_array();
		json_object_set_new(c->by_name, principal, arr);
	}
	json_array_append_new(arr, json_string(privilege));
}

static json_t *assignments(json_t *by_name)
{
	json_t *out = json_array();
	const char *k;
	json_t *v;
	json_object_foreach (by_name, k, v)
		json_array_append_new(out, json_pack("{s:s, s:O}", "principal", k, "privileges", v));
	return out;
}

json_t *weir_grants_get(weir_db *db, weir_arena *a, const weir_principal *p, weir_securable *s, const char *principal,
			weir_error *err)
{
	(void)a;
	struct direct_ctx c = {json_object(), sees_all(db, p, s) ? NULL : p, principal};
	if (weir_gov_store_grants_direct(db, s->id, direct_visit, &c, err) != 0) {
		json_decref(c.by_name);
		return NULL;
	}
	json_t *out = json_pack("{s:o}", "privilege_assignments", assignments(c.by_name));
	json_decref(c.by_name);
	return out;
}

static int bad_priv(weir_error *err, const char *field, const char *priv, const weir_securable *s, bool unknown)
{
	if (unknown)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
					"Invalid value for '%s': unknown privilege '%.100s'", field, priv);
	return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
				"Invalid value for '%s': privilege %.100s cannot be granted on a %s", field, priv,
				weir_sec_type_name(s->type));
}

json_t *weir_grants_update(weir_db *db, weir_arena *a, const weir_principal *p, weir_securable *s, json_t *changes,
			   weir_error *err)
{
	(void)p;
	if (!json_is_array(changes))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "changes",
					"Invalid value for 'changes': expected an array"),
		       NULL;
	size_t n = json_array_size(changes);
	int64_t *ids = weir_arena_alloc(a, sizeof(int64_t) * (n ? n : 1));
	char field[96];
	/* Validate everything first: a grant change is all or nothing. */
	for (size_t i = 0; i < n; i++) {
		json_t *ch = json_array_get(changes, i);
		const char *who = NULL;
		json_t *add = NULL, *rem = NULL;
		snprintf(field, sizeof(field), "changes[%zu]", i);
		if (!json_is_object(ch))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
						"Invalid value for '%s': expected an object", field),
			       NULL;
		if (weir_json_get_str(ch, "principal", true, &who, err) != 0 ||
		    weir_json_get_arr(ch, "add", false, &add, err) != 0 ||
		    weir_json_get_arr(ch, "remove", false, &rem, err) != 0)
			return weir_gov__field_within(err, "%s", field), NULL;
		ids[i] = weir_gov_principal_id(db, who, NULL, err);
		if (ids[i] < 0) {
			snprintf(err->field, sizeof(err->field), "%s.principal", field);
			return NULL;
		}
		json_t *lists[2] = {add, rem};
		for (int l = 0; l < 2; l++) {
			size_t j;
			json_t *v;
			json_array_foreach (lists[l], j, v) {
				snprintf(field, sizeof(field), "changes[%zu].%s[%zu]", i, l ? "remove" : "add", j);
				if (!json_is_string(v))
					return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
								"Invalid value for '%s': expected a string", field),
					       NULL;
				int priv = weir_priv_parse(json_string_value(v));
				if (priv < 0)
					return bad_priv(err, field, json_string_value(v), s, true), NULL;
				if (!weir_priv_applies((weir_priv)priv, s->type))
					return bad_priv(err, field, json_string_value(v), s, false), NULL;
			}
		}
	}
	/* Then apply: adds before removes per change, as UC does. */
	for (size_t i = 0; i < n; i++) {
		json_t *ch = json_array_get(changes, i);
		static const char *const keys[2] = {"add", "remove"};
		for (int l = 0; l < 2; l++) {
			size_t j;
			json_t *v;
			json_array_foreach (json_object_get(ch, keys[l]), j, v) {
				weir_priv priv = (weir_priv)weir_priv_parse(json_string_value(v));
				if (weir_gov_store_grant_set(db, s->id, ids[i], weir_priv_name(priv), l == 0, err) != 0)
					return NULL;
			}
		}
	}
	json_t *by_name = json_object();
	for (size_t i = 0; i < n; i++) {
		const char *who = json_string_value(json_object_get(json_array_get(changes, i), "principal"));
		if (!json_object_get(by_name, who))
			json_object_set_new(by_name, who, json_array());
	}
	struct direct_ctx c = {json_object(), NULL, NULL};
	if (weir_gov_store_grants_direct(db, s->id, direct_visit, &c, err) != 0) {
		json_decref(c.by_name);
		json_decref(by_name);
		return NULL;
	}
	const char *k;
	json_t *v;
	json_object_foreach (by_name, k, v) {
		json_t *have = json_object_get(c.by_name, k);
		if (have)
			json_array_extend(v, have);
	}
	json_decref(c.by_name);
	json_t *out = json_pack("{s:o}", "privilege_assignments", assignments(by_name));
	json_decref(by_name);
	return out;
}

struct eff_ctx {
	weir_arena *a;
	const weir_securable *s;
	json_t *by_name;
	const weir_principal *filter_closure;
};

static void eff_visit(void *vctx, const char *sid, const char *principal, int64_t principal_id, const char *privilege)
{
	struct eff_ctx *c = vctx;
	if (c->filter_closure && !in_closure(c->filter_closure, principal_id))
		return;
	json_t *arr = json_object_get(c->by_name, principal);
	if (arr == NULL) {
		arr = json_array();
		json_object_set_new(c->by_name, principal, arr);
	}
	json_t *e = json_pack("{s:s}", "privilege", privilege);
	if (strcmp(sid, c->s->id) != 0) {
		for (int i = 1; i < c->s->depth; i++) {
			if (strcmp(sid, c->s->chain[i].id) != 0)
				continue;
			const char *name = c->s->chain[i].name;
			if (c->s->chain[i].type == WEIR_SEC_SCHEMA)
				name = weir_arena_printf(c->a, "%s.%s", c->s->chain[c->s->depth - 1].name, name);
			/* the SDK's SecurableType enum: upper case */
			json_object_set_new(e, "inherited_from_type",
					    json_string(c->s->chain[i].type == WEIR_SEC_SCHEMA ? "SCHEMA" : "CATALOG"));
			json_object_set_new(e, "inherited_from_name", json_string(name));
		}
	}
	json_array_append_new(arr, e);
}

json_t *weir_grants_effective(weir_db *db, weir_arena *a, const weir_principal *p, weir_securable *s,
			      const char *principal, weir_error *err)
{
	const weir_principal *filter = sees_all(db, p, s) ? NULL : p;
	if (principal) {
		int64_t id = weir_gov_principal_id(db, principal, NULL, err);
		if (id < 0) {
			snprintf(err->field, sizeof(err->field), "principal");
			return NULL;
		}
		/* the right to ask comes first: a non-manager may only ask about itself */
		if (filter && !in_closure(filter, id))
			return weir_error_set(
				       err, WEIR_E_PERMISSION_DENIED,
				       "Only owners and managers of '%.300s' may read other principals' permissions.",
				       s->full_name),
			       NULL;
		weir_principal *who = weir_gov_principal_load(db, a, id, WEIR_DEFAULT_WORKSPACE_ID, err);
		if (who == NULL) { /* an inactive principal has no effective permissions */
			weir_error_clear(err);
			return json_pack("{s:[]}", "privilege_assignments");
		}
		filter = who;
	}
	struct eff_ctx c = {a, s, json_object(), filter};
	if (weir_gov_store_grants_chain(db, s, eff_visit, &c, err) != 0) {
		json_decref(c.by_name);
		return NULL;
	}
	json_t *out = json_pack("{s:o}", "privilege_assignments", assignments(c.by_name));
	json_decref(c.by_name);
	return out;
}

static int by_principal(const void *x, const void *y)
{
	const char *a = json_string_value(json_object_get(*(json_t *const *)x, "principal"));
	const char *b = json_string_value(json_object_get(*(json_t *const *)y, "principal"));
	return strcmp(a ? a : "", b ? b : "");
}

json_t *weir_grants_page(json_t *answer, const char *key, int64_t page_size, const char *page_token, weir_error *err)
{
	if (answer == NULL)
		return NULL;
	if (page_size < 0 || (page_size > 0 && page_size < 150)) {
		json_decref(answer);
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "page_size",
					"Invalid value for 'page_size': must be 0 or at least 150 (a page holds "
					"whole privilege assignments)"),
		       NULL;
	}
	size_t want = page_size == 0 || page_size > 1000 ? 1000 : (size_t)page_size;
	json_t *all = json_object_get(answer, "privilege_assignments");
	size_t n = json_array_size(all);
	json_t **items = weir_xcalloc(n ? n : 1, sizeof(*items));
	for (size_t i = 0; i < n; i++)
		items[i] = json_array_get(all, i);
	qsort(items, n, sizeof(*items), by_principal);
	json_t *page = json_array();
	const char *last = NULL;
	bool more = false;
	for (size_t i = 0; i < n; i++) {
		const char *who = json_string_value(json_object_get(items[i], "principal"));
		if (page_token && *page_token && strcmp(who, page_token) <= 0)
			continue;
		if (json_array_size(page) == want) {
			more = true;
			break;
		}
		json_array_append(page, items[i]);
		last = who;
	}
	free(items);
	json_t *out = json_pack("{s:o}", key, page);
	if (more)
		json_object_set_new(out, "next_page_token", json_string(last));
	json_decref(answer);
	return out;
}

/* ------------------------------------------------------------------ workspaces */

json_t *weir_workspace_create(weir_db *db, const char *name, weir_error *err)
{
	if (weir_gov_name_check("name", name, err) != 0)
		return NULL;
	weir_error ignore = WEIR_ERROR_INIT;
	if (weir_gov_workspace_id(db, name, &ignore) >= 0)
		return weir_error_obj(err, WEIR_E_ALREADY_EXISTS, WEIR_OBJ_WORKSPACE, NULL,
				      "Workspace '%.200s' already exists.", name),
		       NULL;
	if (weir_gov_store_ws_insert(db, name, err) < 0)
		return NULL;
	return weir_workspace_get(db, name, err);
}

json_t *weir_workspace_list(weir_db *db, const weir_principal *p, weir_error *err)
{
	json_t *arr = weir_gov_store_ws_list(db, p->is_admin, p->closure_json, err);
	return arr ? json_pack("{s:o}", "workspaces", arr) : NULL;
}

json_t *weir_workspace_get(weir_db *db, const char *name, weir_error *err)
{
	json_t *o = NULL;
	int found = weir_gov_store_ws_get(db, name, &o, err);
	if (found == 0)
		weir_error_obj(err, WEIR_E_NOT_FOUND, WEIR_OBJ_WORKSPACE, NULL, "Workspace '%.200s' does not exist.",
			       name);
	return o;
}

/* The id of workspace `name` for a change the default workspace does not take: -1 with
 * not found, or with `why` naming `field` when it is the default. */
static int64_t changeable_workspace_id(weir_db *db, const char *name, const char *field, const char *why,
				       weir_error *err)
{
	int64_t id = weir_gov_workspace_id(db, name, err);
	if (id == WEIR_DEFAULT_WORKSPACE_ID)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field, "%s", why);
	return id;
}

int weir_workspace_delete(weir_db *db, const char *name, weir_error *err)
{
	int64_t id = changeable_workspace_id(db, name, "name", "The default workspace cannot be deleted.", err);
	if (id < 0)
		return -1;
	return weir_gov_store_ws_delete(db, id, err);
}

int weir_workspace_assign(weir_db *db, const char *workspace, const char *principal, bool assign, weir_error *err)
{
	int64_t ws = changeable_workspace_id(
		db, workspace, "workspace",
		"Every principal is in the default workspace; its assignments cannot change.", err);
	if (ws < 0)
		return -1;
	int64_t pid = weir_gov_principal_id(db, principal, NULL, err);
	if (pid < 0)
		return -1;
	return weir_gov_store_ws_assign(db, ws, pid, assign, err);
}

json_t *weir_workspace_assignments(weir_db *db, const char *workspace, weir_error *err)
{
	int64_t ws = weir_gov_workspace_id(db, workspace, err);
	if (ws < 0)
		return NULL;
	json_t *arr = weir_gov_store_ws_assignments(db, ws, err);
	return arr ? json_pack("{s:o}", "assignments", arr) : NULL;
}

/* ------------------------------------------------------------------ bindings */

json_t *weir_bindings_get(weir_db *db, const weir_securable *catalog, weir_error *err)
{
	json_t *arr = weir_gov_store_bindings(db, catalog->id, err);
	return arr ? json_pack("{s:o}", "bindings", arr) : NULL;
}

static int check_binding(weir_db *db, json_t *b, const char *field, bool need_type, int64_t *ws, const char **type,
			 weir_error *err)
{
	if (!json_is_object(b))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
					"Invalid value for '%s': expected {workspace_id, binding_type}", field);
	*type = NULL;
	if (weir_json_get_i64(b, "workspace_id", true, ws, err) != 0 ||
	    weir_json_get_str(b, "binding_type", false, type, err) != 0)
		return weir_gov__field_within(err, "%s", field);
	if (!weir_gov_store_ws_exists(db, *ws))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
					"Invalid value for '%s.workspace_id': workspace %lld does not exist", field,
					(long long)*ws);
	if (need_type && *type == NULL)
		*type = "BINDING_TYPE_READ_WRITE";
	if (*type && strcmp(*type, "BINDING_TYPE_READ_WRITE") != 0 && strcmp(*type, "BINDING_TYPE_READ_ONLY") != 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
					"Invalid value for '%s.binding_type': expected BINDING_TYPE_READ_WRITE or "
					"BINDING_TYPE_READ_ONLY",
					field);
	return 0;
}

json_t *weir_bindings_update(weir_db *db, const weir_securable *catalog, json_t *add, json_t *remove,
			     const char *const names_in[2], weir_error *err)
{
	json_t *lists[2] = {add, remove};
	static const char *const current[2] = {"add", "remove"};
	const char *const *names = names_in ? names_in : current;
	for (int pass = 0; pass < 2; pass++) { /* pass 0 validates everything, pass 1 applies */
		for (int l = 0; l < 2; l++) {
			if (json_is_null(lists[l]))
				lists[l] = NULL;
			if (lists[l] && !json_is_array(lists[l]))
				return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, names[l],
							"Invalid value for '%s': expected an array", names[l]),
				       NULL;
			size_t i;
			json_t *b;
			json_array_foreach (lists[l], i, b) {
				char field[64];
				snprintf(field, sizeof(field), "%s[%zu]", names[l], i);
				int64_t ws;
				const char *type;
				if (check_binding(db, b, field, l == 0, &ws, &type, err) != 0)
					return NULL;
				if (pass == 1 &&
				    weir_gov_store_binding_set(db, catalog->id, ws, l == 0 ? type : NULL, err) != 0)
					return NULL;
			}
		}
	}
	return weir_bindings_get(db, catalog, err);
}
