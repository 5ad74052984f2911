/* SCIM 2.0 semantics over the principals table: filter parsing and matching, the
 * Databricks resource shapes (User, Group, ServicePrincipal), body validation, PatchOp
 * operations, and the rules that keep the identity graph sane (no membership cycles,
 * `admins` kept, no self-lockout, no orphaned securables). SQL is in identity_store.c. */
#include "governance/gov_store.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"
#include "core/util.h"

#define SCIM_USER "urn:ietf:params:scim:schemas:core:2.0:User"
#define SCIM_GROUP "urn:ietf:params:scim:schemas:core:2.0:Group"
#define SCIM_SP "urn:ietf:params:scim:schemas:core:2.0:ServicePrincipal"
#define SCIM_LIST "urn:ietf:params:scim:api:messages:2.0:ListResponse"

static const char *kind_label(weir_principal_kind k)
{
	return k == WEIR_PRINCIPAL_GROUP ? "Group" : k == WEIR_PRINCIPAL_SP ? "Service principal" : "User";
}

int64_t weir_id_parse(const char *s)
{
	int64_t v = 0;
	if (s == NULL || *s == '\0' || *s == '-' || *s == '+' || !weir_parse_i64(s, &v) || v <= 0)
		return -1;
	return v;
}

/* ------------------------------------------------------------------ filters */

static const char *const user_attrs[] = {"id", "userName", "displayName", "externalId", "active", NULL};
static const char *const group_attrs[] = {"id", "displayName", "externalId", NULL};
static const char *const sp_attrs[] = {"id", "applicationId", "displayName", "externalId", "active", NULL};

static int bad_filter(weir_error *err, const char *why)
{
	return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "filter", "Invalid filter: %s", why);
}

int weir_scim_filter_parse(weir_arena *a, weir_principal_kind kind, const char *text, weir_scim_filter *out,
			   weir_error *err)
{
	memset(out, 0, sizeof(*out));
	if (text == NULL)
		return 0;
	const char *p = text;
	while (*p == ' ')
		p++;
	if (*p == '\0')
		return 0;
	if (strlen(text) > 1024)
		return bad_filter(err, "too long");
	/* attribute */
	const char *s = p;
	while (isalpha((unsigned char)*p))
		p++;
	size_t alen = (size_t)(p - s);
	if (alen == 0 || *p != ' ')
		return bad_filter(err, "expected 'attribute operator value'");
	const char *const *allowed = kind == WEIR_PRINCIPAL_GROUP ? group_attrs
				     : kind == WEIR_PRINCIPAL_SP  ? sp_attrs
								  : user_attrs;
	for (int i = 0; allowed[i]; i++)
		if (strlen(allowed[i]) == alen && strncasecmp(allowed[i], s, alen) == 0)
			out->attr = allowed[i];
	if (out->attr == NULL)
		return bad_filter(err, "unsupported attribute");
	while (*p == ' ')
		p++;
	/* operator */
	static const char *const ops[] = {"eq", "ne", "co", "sw", "ew"};
	bool found = false;
	for (int i = 0; i < 5; i++) {
		if (strncasecmp(p, ops[i], 2) == 0 && p[2] == ' ') {
			out->op = (weir_scim_op)i;
			found = true;
		}
	}
	if (!found)
		return bad_filter(err, "unsupported operator (eq, ne, co, sw, ew)");
	p += 3;
	while (*p == ' ')
		p++;
	/* value */
	if (*p == '"') {
		p++;
		weir_buf b = {0};
		while (*p && *p != '"') {
			if (*p == '\\') {
				p++;
				if (*p != '"' && *p != '\\') {
					weir_buf_release(&b);
					return bad_filter(err, "bad escape in string");
				}
			}
			weir_buf_append(&b, p, 1);
			p++;
		}
		if (*p != '"') {
			weir_buf_release(&b);
			return bad_filter(err, "unterminated string");
		}
		p++;
		out->value = weir_arena_strndup(a, b.data ? b.data : "", b.len);
		weir_buf_release(&b);
		if (strcmp(out->attr, "active") == 0)
			return bad_filter(err, "active takes true or false");
	} else if (strncasecmp(p, "true", 4) == 0 || strncasecmp(p, "false", 5) == 0) {
		out->bool_value = tolower((unsigned char)*p) == 't';
		p += out->bool_value ? 4 : 5;
		if (strcmp(out->attr, "active") != 0 || (out->op != WEIR_SCIM_EQ && out->op != WEIR_SCIM_NE))
			return bad_filter(err, "a boolean needs 'active eq' or 'active ne'");
	} else {
		return bad_filter(err, "expected a quoted string");
	}
	while (*p == ' ')
		p++;
	if (*p != '\0')
		return bad_filter(err, "only one clause is supported");
	out->present = true;
	return 0;
}

static bool str_match(weir_scim_op op, const char *have, const char *want, bool icase)
{
	if (have == NULL)
		return op == WEIR_SCIM_NE;
	size_t hl = strlen(have), wl = strlen(want);
	int (*ncmp)(const char *, const char *, size_t) = icase ? strncasecmp : strncmp;
	switch (op) {
	case WEIR_SCIM_EQ: return hl == wl && ncmp(have, want, wl) == 0;
	case WEIR_SCIM_NE: return !(hl == wl && ncmp(have, want, wl) == 0);
	case WEIR_SCIM_SW: return hl >= wl && ncmp(have, want, wl) == 0;
	case WEIR_SCIM_EW: return hl >= wl && ncmp(have + hl - wl, want, wl) == 0;
	case WEIR_SCIM_CO:
		if (wl == 0)
			return true;
		for (size_t i = 0; i + wl <= hl; i++)
			if (ncmp(have + i, want, wl) == 0)
				return true;
		return false;
	}
	return false;
}

static bool filter_match(weir_arena *a, const weir_scim_filter *f, const weir_id_row *row)
{
	if (f == NULL || !f->present)
		return true;
	if (strcmp(f->attr, "active") == 0)
		return (row->active == f->bool_value) == (f->op == WEIR_SCIM_EQ);
	const char *have = NULL;
	bool icase = false;
	if (strcmp(f->attr, "id") == 0)
		have = weir_arena_printf(a, "%lld", (long long)row->id);
	else if (strcmp(f->attr, "userName") == 0 || strcmp(f->attr, "applicationId") == 0)
		have = row->name, icase = f->attr[0] == 'u';
	else if (strcmp(f->attr, "displayName") == 0)
		have = row->display_name ? row->display_name : row->name;
	else if (strcmp(f->attr, "externalId") == 0)
		have = row->external_id;
	return str_match(f->op, have, f->value, icase);
}

/* ------------------------------------------------------------------ rendering */

static json_t *render(weir_db *db, const weir_id_row *row)
{
	json_t *attrs = json_loads(row->attrs ? row->attrs : "{}", 0, NULL);
	if (!json_is_object(attrs)) {
		json_decref(attrs);
		attrs = json_object();
	}
	json_t *o = json_object();
	const char *schema = row->kind == WEIR_PRINCIPAL_GROUP ? SCIM_GROUP
			     : row->kind == WEIR_PRINCIPAL_SP  ? SCIM_SP
							       : SCIM_USER;
	json_object_set_new(o, "schemas", json_pack("[s]", schema));
	json_object_set_new(o, "id", json_sprintf("%lld", (long long)row->id));
	if (row->kind == WEIR_PRINCIPAL_USER)
		json_object_set_new(o, "userName", json_string(row->name));
	if (row->kind == WEIR_PRINCIPAL_SP)
		json_object_set_new(o, "applicationId", json_string(row->name));
	json_object_set_new(o, "displayName", json_string(row->display_name ? row->display_name : row->name));
	if (row->kind != WEIR_PRINCIPAL_GROUP)
		json_object_set_new(o, "active", json_boolean(row->active));
	if (row->external_id)
		json_object_set_new(o, "externalId", json_string(row->external_id));
	if (row->kind == WEIR_PRINCIPAL_USER) {
		json_t *emails = json_object_get(attrs, "emails");
		if (emails)
			json_object_set(o, "emails", emails);
		else if (strchr(row->name, '@'))
			json_object_set_new(
				o, "emails",
				json_pack("[{s:s, s:b, s:s}]", "value", row->name, "primary", 1, "type", "work"));
		else
			json_object_set_new(o, "emails", json_array());
		json_t *name = json_object_get(attrs, "name");
		if (name)
			json_object_set(o, "name", name);
	}
	if (row->kind == WEIR_PRINCIPAL_GROUP)
		json_object_set_new(o, "members", weir_id__members_json(db, row->id));
	json_object_set_new(o, "groups", weir_id__groups_json(db, row->id));
	json_t *ent = json_object_get(attrs, "entitlements");
	json_object_set_new(o, "entitlements", ent ? json_incref(ent) : json_array());
	json_object_set_new(o, "meta",
			    json_pack("{s:s}", "resourceType",
				      row->kind == WEIR_PRINCIPAL_GROUP ? "Group"
				      : row->kind == WEIR_PRINCIPAL_SP  ? "ServicePrincipal"
									: "User"));
	json_decref(attrs);
	return o;
}

static int load_kind(weir_db *db, weir_arena *a, weir_principal_kind kind, int64_t id, weir_id_row *row,
		     weir_error *err)
{
	if (id <= 0 || weir_id__get(db, a, id, row) != 0 || row->kind != kind)
		return weir_error_set(err, WEIR_E_NOT_FOUND, "%s %lld not found.", kind_label(kind), (long long)id);
	return 0;
}

json_t *weir_id_resource(weir_db *db, weir_arena *a, weir_principal_kind kind, int64_t id, weir_error *err)
{
	weir_id_row row;
	if (load_kind(db, a, kind, id, &row, err) != 0)
		return NULL;
	return render(db, &row);
}

json_t *weir_id_list(weir_db *db, weir_arena *a, weir_principal_kind kind, const weir_scim_filter *f,
		     int64_t start_index, int64_t count, weir_error *err)
{
	int n = 0;
	weir_id_row *rows = weir_id__all(db, a, kind, &n, err);
	if (rows == NULL)
		return NULL;
	if (start_index < 1)
		start_index = 1;
	if (count < 0)
		count = 0;
	json_t *res = json_array();
	int64_t total = 0;
	for (int i = 0; i < n; i++) {
		if (!filter_match(a, f, &rows[i]))
			continue;
		total++;
		if (total >= start_index && (int64_t)json_array_size(res) < count)
			json_array_append_new(res, render(db, &rows[i]));
	}
	return json_pack("{s:[s], s:I, s:I, s:I, s:o}", "schemas", SCIM_LIST, "totalResults", (json_int_t)total,
			 "startIndex", (json_int_t)start_index, "itemsPerPage", (json_int_t)json_array_size(res),
			 "Resources", res);
}

/* ------------------------------------------------------------------ input */

static int name_check(const char *field, const char *v, weir_error *err)
{
	size_t n = strlen(v);
	if (n == 0 || n > 255)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
					"Invalid value for '%s': 1 to 255 characters", field);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
						"Invalid value for '%s': control characters are not allowed", field);
	return 0;
}

/* [{value: "id"}, ...] → ids (arena); each must name an existing principal. */
static int64_t *ref_ids(weir_db *db, weir_arena *a, const char *field, json_t *arr, size_t *n, bool groups_only,
			weir_error *err)
{
	if (!json_is_array(arr)) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
				 "Invalid value for '%s': expected an array", field);
		return NULL;
	}
	size_t cnt = json_array_size(arr);
	int64_t *ids = weir_arena_alloc(a, sizeof(int64_t) * (cnt ? cnt : 1));
	for (size_t i = 0; i < cnt; i++) {
		json_t *m = json_array_get(arr, i);
		json_t *v = json_is_object(m) ? json_object_get(m, "value") : NULL;
		const char *vs = json_string_value(v);
		char buf[32];
		if (vs == NULL && json_is_integer(v)) {
			snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
			vs = buf;
		}
		if (vs == NULL) {
			weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
					 "Invalid value for '%s': each entry needs a 'value'", field);
			return NULL;
		}
		weir_id_row row;
		int64_t id = weir_id_parse(vs);
		if (id < 0 || weir_id__get(db, a, id, &row) != 0 || (groups_only && row.kind != WEIR_PRINCIPAL_GROUP)) {
			weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field, "%s '%.40s' does not exist.",
					 groups_only ? "Group" : "Member", vs);
			return NULL;
		}
		ids[i] = id;
	}
	*n = cnt;
	return ids;
}

static int add_member(weir_db *db, int64_t group, int64_t member, weir_error *err)
{
	if (weir_id__reaches(db, group, member))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "members",
					"Adding %lld to group %lld would make a membership cycle.", (long long)member,
					(long long)group);
	return weir_id__member_add(db, group, member, err);
}

/* Links principal `id` to the principals of `arr`: as their group (field "members", `id` is a
 * group) or as their member (field "groups"); with `replace`, those links of `id` are
 * cleared first. */
static int set_links(weir_db *db, weir_arena *a, int64_t id, const char *field, json_t *arr, bool replace,
		     weir_error *err)
{
	bool groups = strcmp(field, "groups") == 0;
	size_t n = 0;
	int64_t *ids = ref_ids(db, a, field, arr, &n, groups, err);
	if (ids == NULL)
		return -1;
	if (replace && (groups ? weir_id__groups_clear(db, id, err) : weir_id__members_clear(db, id, err)) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if ((groups ? add_member(db, ids[i], id, err) : add_member(db, id, ids[i], err)) != 0)
			return -1;
	return 0;
}

/* The body's members (groups only) and groups of principal `id`, when given: added, or with
 * `replace` the whole sets. */
static int set_relations(weir_db *db, weir_arena *a, weir_principal_kind kind, int64_t id, json_t *body, bool replace,
			 weir_error *err)
{
	json_t *v = json_object_get(body, "members");
	if (v && !json_is_null(v)) {
		if (kind != WEIR_PRINCIPAL_GROUP)
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "members",
						"Only groups have members.");
		if (set_links(db, a, id, "members", v, replace, err) != 0)
			return -1;
	}
	v = json_object_get(body, "groups");
	if (v && !json_is_null(v) && set_links(db, a, id, "groups", v, replace, err) != 0)
		return -1;
	return 0;
}

static int check_entitlements(json_t *v, weir_error *err)
{
	if (!json_is_array(v))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "entitlements",
					"Invalid value for 'entitlements': expected an array of {value}");
	size_t i;
	json_t *e;
	json_array_foreach (v, i, e)
		if (!json_is_object(e) || !json_is_string(json_object_get(e, "value")))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "entitlements",
						"Invalid value for 'entitlements': expected an array of {value}");
	return 0;
}

/* Sets a renamed principal's name after checking it is free and that `admins` keeps its name. */
static int rename_to(weir_db *db, weir_id_row *row, const char *field, const char *name, weir_error *err)
{
	if (name_check(field, name, err) != 0)
		return -1;
	if (strcmp(row->name ? row->name : "", name) == 0)
		return 0;
	/* renaming only the case of one's own userName is fine: the nocase lookup skips row->id */
	if (row->kind == WEIR_PRINCIPAL_GROUP && row->name && strcmp(row->name, WEIR_ADMINS_GROUP) == 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
					"Group 'admins' cannot be renamed.");
	int64_t other = row->kind == WEIR_PRINCIPAL_USER ? weir_id__by_name_nocase(db, name, row->id)
							 : weir_id__by_name(db, name);
	if (other >= 0 && other != row->id)
		return weir_error_field(err, WEIR_E_ALREADY_EXISTS, field, "A principal named '%.200s' already exists.",
					name);
	row->name = name;
	return 0;
}

/* Applies the fields of a create/PUT body to row and attrs (members and groups afterwards). */
static int apply_fields(weir_db *db, weir_id_row *row, json_t *attrs, json_t *body, bool create, weir_error *err)
{
	const char *s = NULL;
	if (row->kind == WEIR_PRINCIPAL_USER) {
		if (weir_json_get_str(body, "userName", create, &s, err) != 0)
			return -1;
		if (s && rename_to(db, row, "userName", s, err) != 0)
			return -1;
	} else if (row->kind == WEIR_PRINCIPAL_SP) {
		s = NULL;
		if (weir_json_get_str(body, "applicationId", false, &s, err) != 0)
			return -1;
		if (s && rename_to(db, row, "applicationId", s, err) != 0)
			return -1;
	}
	s = NULL;
	if (weir_json_get_str(body, "displayName", create && row->kind == WEIR_PRINCIPAL_GROUP, &s, err) != 0)
		return -1;
	if (s) {
		if (name_check("displayName", s, err) != 0)
			return -1;
		if (row->kind == WEIR_PRINCIPAL_GROUP && rename_to(db, row, "displayName", s, err) != 0)
			return -1;
		row->display_name = s;
	}
	s = NULL;
	if (weir_json_get_str(body, "externalId", false, &s, err) != 0)
		return -1;
	if (s)
		row->external_id = s;
	if (row->kind != WEIR_PRINCIPAL_GROUP && weir_json_get_bool(body, "active", false, &row->active, err) != 0)
		return -1;
	json_t *v = json_object_get(body, "emails");
	if (v && !json_is_null(v)) {
		if (row->kind != WEIR_PRINCIPAL_USER || !json_is_array(v))
			return weir_error_field(
				err, WEIR_E_INVALID_PARAMETER_VALUE, "emails",
				"Invalid value for 'emails': expected an array of {value, primary, type}");
		size_t i;
		json_t *e;
		json_array_foreach (v, i, e) {
			json_t *pr = json_object_get(e, "primary"), *ty = json_object_get(e, "type");
			if (!json_is_object(e) || !json_is_string(json_object_get(e, "value")) ||
			    (pr && !json_is_boolean(pr)) || (ty && !json_is_string(ty)))
				return weir_error_field(
					err, WEIR_E_INVALID_PARAMETER_VALUE, "emails",
					"Invalid value for 'emails': expected an array of {value, primary, type}");
		}
		json_object_set(attrs, "emails", v);
	}
	v = json_object_get(body, "name");
	if (v && !json_is_null(v)) {
		json_t *g = json_is_object(v) ? json_object_get(v, "givenName") : NULL;
		json_t *f = json_is_object(v) ? json_object_get(v, "familyName") : NULL;
		if (row->kind != WEIR_PRINCIPAL_USER || !json_is_object(v) || (g && !json_is_string(g)) ||
		    (f && !json_is_string(f)))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "name",
						"Invalid value for 'name': expected {givenName, familyName}");
		json_object_set(attrs, "name", v);
	}
	v = json_object_get(body, "entitlements");
	if (v && !json_is_null(v)) {
		if (check_entitlements(v, err) != 0)
			return -1;
		json_object_set(attrs, "entitlements", v);
	}
	return 0;
}

static int save(weir_db *db, weir_id_row *row, json_t *attrs, weir_error *err)
{
	char *text = weir_json_dump(attrs);
	row->attrs = text;
	int rc = weir_id__update(db, row, err);
	free(text);
	row->attrs = NULL;
	return rc;
}

int64_t weir_id_create(weir_db *db, weir_arena *a, weir_principal_kind kind, json_t *body, weir_error *err)
{
	weir_id_row row;
	memset(&row, 0, sizeof(row));
	row.kind = kind;
	row.active = true;
	row.id = -1;
	json_t *attrs = weir_json_own(a, json_object());
	if (apply_fields(db, &row, attrs, body, true, err) != 0)
		return -1;
	if (kind == WEIR_PRINCIPAL_SP && row.name == NULL) {
		char *uuid = weir_arena_alloc(a, 37);
		weir_uuid4(uuid);
		row.name = uuid;
	}
	if (weir_id__by_name(db, row.name) >= 0)
		return weir_error_field(err, WEIR_E_ALREADY_EXISTS,
					kind == WEIR_PRINCIPAL_USER ? "userName"
					: kind == WEIR_PRINCIPAL_SP ? "applicationId"
								    : "displayName",
					"%s '%.200s' already exists.", kind_label(kind), row.name);
	char *text = weir_json_dump(attrs);
	row.attrs = text;
	int64_t id = weir_id__insert(db, &row, err);
	free(text);
	if (id < 0)
		return -1;
	return set_relations(db, a, kind, id, body, false, err) != 0 ? -1 : id;
}

int weir_id_replace(weir_db *db, weir_arena *a, weir_principal_kind kind, int64_t id, int64_t caller_id, json_t *body,
		    weir_error *err)
{
	weir_id_row row;
	if (load_kind(db, a, kind, id, &row, err) != 0)
		return -1;
	json_t *attrs = weir_json_own(a, json_loads(row.attrs ? row.attrs : "{}", 0, NULL));
	if (!json_is_object(attrs))
		attrs = weir_json_own(a, json_object());
	if (apply_fields(db, &row, attrs, body, false, err) != 0)
		return -1;
	if (!row.active && id == caller_id)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "active",
					"You cannot deactivate yourself.");
	if (save(db, &row, attrs, err) != 0)
		return -1;
	return set_relations(db, a, kind, id, body, true, err);
}

/* ------------------------------------------------------------------ PATCH */

static int bad_op(weir_error *err, const char *why)
{
	return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "Operations", "Invalid PATCH operation: %s", why);
}

/* `members[value eq "12"]` → "12" (arena), else NULL. */
static const char *member_path_value(weir_arena *a, const char *path)
{
	static const char pre[] = "members[value eq \"";
	size_t n = strlen(path), pl = sizeof(pre) - 1;
	if (n < pl + 3 || strncasecmp(path, pre, pl) != 0 || strcmp(path + n - 2, "\"]") != 0)
		return NULL;
	return weir_arena_strndup(a, path + pl, n - pl - 2);
}

static int bool_value(json_t *v, bool *out)
{
	if (json_is_boolean(v)) {
		*out = json_is_true(v);
		return 0;
	}
	const char *s = json_string_value(v); /* Azure AD sends "False" */
	if (s && strcasecmp(s, "true") == 0)
		*out = true;
	else if (s && strcasecmp(s, "false") == 0)
		*out = false;
	else
		return -1;
	return 0;
}

static int patch_entitlements(json_t *attrs, const char *op, json_t *v, weir_error *err)
{
	if (check_entitlements(v, err) != 0)
		return -1;
	json_t *cur = json_object_get(attrs, "entitlements");
	json_t *next = json_array();
	if (strcmp(op, "replace") != 0 && json_is_array(cur)) {
		size_t i;
		json_t *e;
		json_array_foreach (cur, i, e) {
			bool drop = false;
			size_t j;
			json_t *x;
			json_array_foreach (v, j, x)
				if (json_equal(json_object_get(x, "value"), json_object_get(e, "value")))
					drop = true;
			if (!drop)
				json_array_append(next, e);
		}
	}
	if (strcmp(op, "remove") != 0)
		json_array_extend(next, v);
	json_object_set_new(attrs, "entitlements", next);
	return 0;
}

static int patch_one(weir_db *db, weir_arena *a, weir_id_row *row, json_t *attrs, const char *op, const char *path,
		     json_t *v, weir_error *err)
{
	bool is_group = row->kind == WEIR_PRINCIPAL_GROUP;
	if (path == NULL || *path == '\0') {
		/* no path: the value is an object of attributes (Okta, Azure AD) */
		if (strcmp(op, "remove") == 0 || !json_is_object(v))
			return bad_op(err, "without a path, the value must be an object of attributes");
		const char *k;
		json_t *x;
		json_object_foreach (v, k, x)
			if (patch_one(db, a, row, attrs, op, k, x, err) != 0)
				return -1;
		return 0;
	}
	const char *mv = member_path_value(a, path);
	if (mv) {
		if (!is_group || strcmp(op, "remove") != 0)
			return bad_op(err, "a members[...] path is only for removing a member of a group");
		int64_t mid = weir_id_parse(mv);
		if (mid < 0)
			return bad_op(err, "bad member id");
		return weir_id__member_remove(db, row->id, mid, err);
	}
	if (strcasecmp(path, "members") == 0) {
		if (!is_group)
			return bad_op(err, "only groups have members");
		if (strcmp(op, "remove") == 0) {
			if (v == NULL)
				return weir_id__members_clear(db, row->id, err);
			size_t n = 0;
			int64_t *ids = ref_ids(db, a, "members", v, &n, false, err);
			if (ids == NULL)
				return -1;
			for (size_t i = 0; i < n; i++)
				if (weir_id__member_remove(db, row->id, ids[i], err) != 0)
					return -1;
			return 0;
		}
		return set_links(db, a, row->id, "members", v, strcmp(op, "replace") == 0, err);
	}
	if (strcasecmp(path, "active") == 0) {
		if (is_group || strcmp(op, "remove") == 0)
			return bad_op(err, "'active' can be replaced on users and service principals");
		if (bool_value(v, &row->active) != 0)
			return bad_op(err, "'active' takes true or false");
		return 0;
	}
	if (strcasecmp(path, "displayName") == 0) {
		const char *s = json_string_value(v);
		if (strcmp(op, "remove") == 0 || s == NULL)
			return bad_op(err, "'displayName' takes a string");
		if (name_check("displayName", s, err) != 0)
			return -1;
		if (is_group && rename_to(db, row, "displayName", s, err) != 0)
			return -1;
		row->display_name = weir_arena_strdup(a, s);
		return 0;
	}
	if (strcasecmp(path, "userName") == 0 && row->kind == WEIR_PRINCIPAL_USER) {
		const char *s = json_string_value(v);
		if (strcmp(op, "remove") == 0 || s == NULL)
			return bad_op(err, "'userName' takes a string");
		return rename_to(db, row, "userName", weir_arena_strdup(a, s), err);
	}
	if (strcasecmp(path, "externalId") == 0) {
		if (strcmp(op, "remove") == 0) {
			row->external_id = NULL;
			return 0;
		}
		if (!json_is_string(v))
			return bad_op(err, "'externalId' takes a string");
		row->external_id = weir_arena_strdup(a, json_string_value(v));
		return 0;
	}
	if (strcasecmp(path, "entitlements") == 0)
		return patch_entitlements(attrs, op, v, err);
	return bad_op(err, "unsupported path (members, active, displayName, userName, externalId, entitlements)");
}

int weir_id_patch(weir_db *db, weir_arena *a, weir_principal_kind kind, int64_t id, int64_t caller_id, json_t *body,
		  weir_error *err)
{
	weir_id_row row;
	if (load_kind(db, a, kind, id, &row, err) != 0)
		return -1;
	json_t *ops = json_object_get(body, "Operations");
	if (ops == NULL || json_is_null(ops))
		return 0; /* the JS SDK sends PATCH without a body: nothing to change */
	if (!json_is_array(ops))
		return bad_op(err, "'Operations' must be an array");
	json_t *attrs = weir_json_own(a, json_loads(row.attrs ? row.attrs : "{}", 0, NULL));
	if (!json_is_object(attrs))
		attrs = weir_json_own(a, json_object());
	size_t i;
	json_t *o;
	json_array_foreach (ops, i, o) {
		const char *op = json_string_value(json_object_get(o, "op"));
		json_t *path = json_object_get(o, "path");
		if (!json_is_object(o) || op == NULL || (path && !json_is_string(path)))
			return bad_op(err, "each operation needs 'op' and an optional string 'path'");
		char lop[16];
		snprintf(lop, sizeof(lop), "%s", op);
		for (char *c = lop; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (strcmp(lop, "add") != 0 && strcmp(lop, "remove") != 0 && strcmp(lop, "replace") != 0)
			return bad_op(err, "'op' must be add, remove or replace");
		json_t *v = json_object_get(o, "value");
		if (strcmp(lop, "remove") != 0 && v == NULL)
			return bad_op(err, "add and replace need a 'value'");
		if (patch_one(db, a, &row, attrs, lop, json_string_value(path), v, err) != 0)
			return -1;
	}
	if (!row.active && id == caller_id)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "active",
					"You cannot deactivate yourself.");
	return save(db, &row, attrs, err);
}

int weir_id_delete(weir_db *db, weir_principal_kind kind, int64_t id, int64_t caller_id, int64_t *owned,
		   weir_error *err)
{
	weir_arena *a = weir_arena_new(512);
	weir_id_row row;
	int ret = -1;
	if (load_kind(db, a, kind, id, &row, err) != 0)
		goto out;
	if (kind == WEIR_PRINCIPAL_GROUP && strcmp(row.name, WEIR_ADMINS_GROUP) == 0) {
		weir_error_set(err, WEIR_E_INVALID_PARAMETER_VALUE, "Group 'admins' cannot be deleted.");
		goto out;
	}
	if (id == caller_id) {
		weir_error_set(err, WEIR_E_INVALID_PARAMETER_VALUE, "You cannot delete yourself.");
		goto out;
	}
	int64_t n = weir_id__owned_count(db, id);
	if (owned)
		*owned = n;
	if (n > 0) {
		weir_error_set(err, WEIR_E_RESOURCE_CONFLICT,
			       "%s '%.200s' owns %lld securable%s: transfer %s ownership first.", kind_label(kind),
			       row.name, (long long)n, n == 1 ? "" : "s", n == 1 ? "its" : "their");
		goto out;
	}
	ret = weir_id__delete(db, id, err);
out:
	weir_arena_free(a);
	return ret;
}
