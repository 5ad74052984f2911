/* The rules of tags: which entity types carry them, what a key and a value may hold, how an
 * entity name (a column's included) resolves, the EntityTagAssignment wire object, paging,
 * and the search that filters each hit by what the caller may browse. SQL is in
 * tags_store.c; see tags.h for the contract. */
#include "governance/tags.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/json.h"
#include "core/util.h"

/* ---------------------------------------------------------------- entity types */

static const struct {
	const char *wire;
	weir_sec_type type;
	bool column;
} entity_types[] = {
	{"catalogs", WEIR_SEC_CATALOG, false}, {"schemas", WEIR_SEC_SCHEMA, false},
	{"tables", WEIR_SEC_TABLE, false},     {"columns", WEIR_SEC_TABLE, true},
	{"volumes", WEIR_SEC_VOLUME, false},   {"registered_models", WEIR_SEC_MODEL, false},
};
#define N_ENTITY_TYPES (sizeof(entity_types) / sizeof(entity_types[0]))

int weir_tags_entity_type_parse(const char *field, const char *s, weir_sec_type *t, bool *is_column, weir_error *err)
{
	if (s == NULL || *s == '\0')
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field, "Missing required field: %s",
					field);
	for (size_t i = 0; i < N_ENTITY_TYPES; i++) {
		if (strcasecmp(s, entity_types[i].wire) == 0) {
			*t = entity_types[i].type;
			*is_column = entity_types[i].column;
			return 0;
		}
	}
	return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
				"Invalid value for '%s': expected one of catalogs, schemas, tables, columns, volumes, "
				"registered_models",
				field);
}

const char *weir_tags_entity_type_name(weir_sec_type t, bool is_column)
{
	for (size_t i = 0; i < N_ENTITY_TYPES; i++)
		if (entity_types[i].type == t && entity_types[i].column == is_column)
			return entity_types[i].wire;
	return NULL;
}

/* ---------------------------------------------------------------- keys and values */

/* Number of code points of valid UTF-8 text s, or -1 if s holds a control character
 * (C0, DEL or C1) or is not UTF-8. */
static long text_chars(const char *s)
{
	size_t n = strlen(s);
	if (!weir_utf8_valid(s, n))
		return -1;
	long chars = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return -1;
		if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9f)
			return -1; /* U+0080..U+009F */
		if ((c & 0xc0) != 0x80)
			chars++;
	}
	return chars;
}

int weir_tags_key_check(const char *field, const char *key, weir_error *err)
{
	if (key == NULL || *key == '\0')
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field, "Missing required field: %s",
					field);
	long n = text_chars(key);
	if (n < 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
					"Invalid value for '%s': control characters are not allowed", field);
	if (n > WEIR_TAGS_KEY_MAX)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
					"Invalid value for '%s': at most %d characters", field, WEIR_TAGS_KEY_MAX);
	if (strchr(key, '/'))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
					"Invalid value for '%s': '/' is not allowed", field);
	return 0;
}

int weir_tags_value_check(const char *field, const char *value, weir_error *err)
{
	if (value == NULL)
		return 0;
	size_t n = strlen(value);
	if (!weir_utf8_valid(value, n))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field, "Invalid value for '%s': not UTF-8",
					field);
	long chars = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)value[i] & 0xc0) != 0x80)
			chars++;
	if (chars > WEIR_TAGS_VALUE_MAX)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
					"Invalid value for '%s': at most %d characters", field, WEIR_TAGS_VALUE_MAX);
	return 0;
}

/* ---------------------------------------------------------------- resolution */

int weir_tags_resolve(weir_db *db, weir_arena *a, const weir_principal *p, const char *entity_type,
		      const char *entity_name, weir_tag_entity *out, weir_error *err)
{
	weir_sec_type t;
	bool is_column = false;
	memset(out, 0, sizeof(*out));
	if (weir_tags_entity_type_parse("entity_type", entity_type, &t, &is_column, err) != 0)
		return -1;
	if (entity_name == NULL || *entity_name == '\0')
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "entity_name",
					"Missing required field: entity_name");
	const char *sec_name = entity_name, *column = "";
	if (is_column) {
		/* Catalog, schema and table names hold no dots (weir_gov_name_check), so the column
		 * is everything after the third dot, dots included. */
		const char *dot = entity_name;
		for (int i = 0; i < 3 && dot; i++)
			dot = strchr(i ? dot + 1 : dot, '.');
		if (dot == NULL || dot[1] == '\0' || text_chars(dot + 1) < 0)
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "entity_name",
						"Invalid value for 'entity_name': a column is named "
						"catalog.schema.table.column");
		sec_name = weir_arena_strndup(a, entity_name, (size_t)(dot - entity_name));
		column = dot + 1;
	}
	int parts = t == WEIR_SEC_CATALOG ? 1 : t == WEIR_SEC_SCHEMA ? 2 : 3;
	const char *names[3];
	if (weir_gov_split_full_name(a, "entity_name", sec_name, parts, names, err) != 0)
		return -1;
	if (weir_gov_resolve(db, a, p, t, sec_name, &out->sec, err) != 0)
		return -1;
	out->entity_type = weir_tags_entity_type_name(t, is_column);
	out->column_name = "";
	out->entity_name = out->sec.full_name;
	if (is_column) {
		weir_error e2 = WEIR_ERROR_INIT;
		const char *stored = weir_tags__store_column(db, a, out->sec.id, column, &e2);
		if (stored == NULL) {
			if (e2.code != WEIR_OK) {
				*err = e2;
				return -1;
			}
			return weir_error_field(err, WEIR_E_NOT_FOUND, "entity_name",
						"Column '%.200s' does not exist in table '%.300s'.", column,
						out->sec.full_name);
		}
		out->column_name = stored;
		out->entity_name = weir_arena_printf(a, "%s.%s", out->sec.full_name, stored);
	}
	return 0;
}

/* ---------------------------------------------------------------- wire objects */

static json_t *rfc3339(int64_t ms)
{
	char buf[WEIR_ISO_MS_LEN];
	weir_time_iso_ms(ms, buf);
	return json_string(buf);
}

static json_t *assignment(const char *entity_type, const char *entity_name, const weir_tag_row *row)
{
	json_t *o = json_object();
	json_object_set_new(o, "entity_type", json_string(entity_type));
	json_object_set_new(o, "entity_name", json_string(entity_name));
	json_object_set_new(o, "tag_key", json_string(row->key));
	if (row->value)
		json_object_set_new(o, "tag_value", json_string(row->value));
	json_object_set_new(o, "update_time", rfc3339(row->updated_at));
	if (row->updated_by)
		json_object_set_new(o, "updated_by", json_string(row->updated_by));
	/* source_type is left out: the SDKs' TagAssignmentSourceType knows only
	 * TAG_ASSIGNMENT_SOURCE_TYPE_SYSTEM_DATA_CLASSIFICATION, and a tag set through the API is not that */
	return o;
}

static int tag_not_found(const weir_tag_entity *e, const char *key, weir_error *err)
{
	return weir_error_set(err, WEIR_E_NOT_FOUND, "Tag assignment '%.255s' does not exist on %s '%.300s'.", key,
			      e->entity_type, e->entity_name);
}

/* ---------------------------------------------------------------- writes */

static int governed_check(weir_db *db, const char *key, const char *value, weir_error *err);

json_t *weir_tags_create(weir_db *db, const weir_tag_entity *e, const char *key, const char *value, const char *by,
			 weir_error *err)
{
	if (weir_tags_key_check("tag_key", key, err) != 0 || weir_tags_value_check("tag_value", value, err) != 0 ||
	    governed_check(db, key, value, err) != 0)
		return NULL;
	weir_arena *a = weir_arena_new(512);
	json_t *out = NULL;
	weir_tag_row old;
	int found = weir_tags__store_get(db, a, e->sec.id, e->column_name, key, &old, err);
	if (found < 0)
		goto out;
	if (found) {
		weir_error_field(err, WEIR_E_ALREADY_EXISTS, "tag_key",
				 "Tag '%.255s' is already assigned to %s '%.300s'.", key, e->entity_type,
				 e->entity_name);
		goto out;
	}
	int64_t n = weir_tags__store_count(db, e->sec.id, e->column_name, err);
	if (n < 0)
		goto out;
	if (n >= WEIR_TAGS_MAX_PER_ENTITY) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "tag_key",
				 "%s '%.300s' already has %d tags, the most an entity may carry.", e->entity_type,
				 e->entity_name, WEIR_TAGS_MAX_PER_ENTITY);
		goto out;
	}
	weir_tag_row row = {e->sec.id, e->column_name, key, value, weir_now_ms(), by};
	if (weir_tags__store_insert(db, &row, err) != 0)
		goto out;
	out = assignment(e->entity_type, e->entity_name, &row);
out:
	weir_arena_free(a);
	return out;
}

json_t *weir_tags_update(weir_db *db, const weir_tag_entity *e, const char *key, const char *value, const char *by,
			 weir_error *err)
{
	if (weir_tags_key_check("tag_key", key, err) != 0 || weir_tags_value_check("tag_value", value, err) != 0 ||
	    governed_check(db, key, value, err) != 0)
		return NULL;
	weir_tag_row row = {e->sec.id, e->column_name, key, value, weir_now_ms(), by};
	int rc = weir_tags__store_update(db, &row, err);
	if (rc < 0)
		return NULL;
	if (rc == 1) {
		tag_not_found(e, key, err);
		return NULL;
	}
	return assignment(e->entity_type, e->entity_name, &row);
}

int weir_tags_delete(weir_db *db, const weir_tag_entity *e, const char *key, weir_error *err)
{
	if (weir_tags_key_check("tag_key", key, err) != 0)
		return -1;
	int rc = weir_tags__store_delete(db, e->sec.id, e->column_name, key, err);
	if (rc < 0)
		return -1;
	return rc == 1 ? tag_not_found(e, key, err) : 0;
}

/* ---------------------------------------------------------------- reads */

json_t *weir_tags_get(weir_db *db, const weir_tag_entity *e, const char *key, weir_error *err)
{
	if (weir_tags_key_check("tag_key", key, err) != 0)
		return NULL;
	weir_arena *a = weir_arena_new(512);
	weir_tag_row row;
	json_t *out = NULL;
	int found = weir_tags__store_get(db, a, e->sec.id, e->column_name, key, &row, err);
	if (found == 1)
		out = assignment(e->entity_type, e->entity_name, &row);
	else if (found == 0)
		tag_not_found(e, key, err);
	weir_arena_free(a);
	return out;
}

/* Page tokens are the hex of the last position: opaque to clients, checked on the way in. */
static const char *hex_encode(weir_arena *a, const char *s)
{
	size_t n = strlen(s);
	char *out = weir_arena_alloc(a, 2 * n + 1);
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[(unsigned char)s[i] >> 4];
		out[2 * i + 1] = digits[(unsigned char)s[i] & 15];
	}
	out[2 * n] = '\0';
	return out;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes n hex digits of s; NULL if malformed, not UTF-8 or holding a NUL. */
static const char *hex_decode(weir_arena *a, const char *s, size_t n)
{
	if (n % 2)
		return NULL;
	char *out = weir_arena_alloc(a, n / 2 + 1);
	for (size_t i = 0; i < n; i += 2) {
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			return NULL;
		out[i / 2] = (char)(hi << 4 | lo);
	}
	out[n / 2] = '\0';
	return weir_utf8_valid(out, n / 2) ? out : NULL;
}

static int bad_token(weir_error *err)
{
	return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "page_token", "Invalid value for 'page_token'");
}

json_t *weir_tags_list(weir_db *db, weir_arena *a, const weir_tag_entity *e, const weir_page_req *pg, weir_error *err)
{
	int size;
	if (weir_catalog_page_size(pg, &size, err) != 0)
		return NULL;
	const char *after = "";
	if (pg->page_token && *pg->page_token) {
		after = hex_decode(a, pg->page_token, strlen(pg->page_token));
		if (after == NULL) {
			bad_token(err);
			return NULL;
		}
	}
	weir_tag_row *rows;
	int n;
	if (weir_tags__store_list(db, a, e->sec.id, e->column_name, after, size + 1, &rows, &n, err) != 0)
		return NULL;
	json_t *items = json_array();
	for (int i = 0; i < n && i < size; i++)
		json_array_append_new(items, assignment(e->entity_type, e->entity_name, &rows[i]));
	json_t *out = json_pack("{s:o}", "tag_assignments", items);
	if (n > size)
		json_object_set_new(out, "next_page_token", json_string(hex_encode(a, rows[size - 1].key)));
	return out;
}

#define SEARCH_BATCH 200

json_t *weir_tags_search(weir_db *db, weir_arena *a, const weir_principal *p, const char *key, const char *value,
			 const weir_page_req *pg, weir_error *err)
{
	int size;
	if (weir_tags_key_check("key", key, err) != 0 || weir_tags_value_check("value", value, err) != 0 ||
	    weir_catalog_page_size(pg, &size, err) != 0)
		return NULL;
	const char *after_sid = "", *after_col = "";
	if (pg->page_token && *pg->page_token) {
		const char *tok = pg->page_token, *dot = strchr(tok, '.');
		if (dot == NULL || dot == tok || (after_sid = hex_decode(a, tok, (size_t)(dot - tok))) == NULL ||
		    (dot[1] && (after_col = hex_decode(a, dot + 1, strlen(dot + 1))) == NULL)) {
			bad_token(err);
			return NULL;
		}
	}
	json_t *items = json_array();
	const weir_tag_row *last = NULL;
	bool more = false, done = false;
	while (!done && !more) {
		weir_tag_row *rows;
		int n;
		if (weir_tags__store_search(db, a, key, value, after_sid, after_col, SEARCH_BATCH, &rows, &n, err) !=
		    0) {
			json_decref(items);
			return NULL;
		}
		done = n < SEARCH_BATCH;
		for (int i = 0; i < n; i++) {
			after_sid = rows[i].securable_id;
			after_col = rows[i].column_name;
			/* Hidden entities are skipped here, before they count for the page or the token. */
			weir_error ignored = WEIR_ERROR_INIT;
			weir_securable s;
			if (weir_gov_resolve_id(db, a, p, rows[i].securable_id, &s, &ignored) != 0)
				continue;
			if (p && !weir_gov_allowed(db, p, WEIR_OP_READ_METADATA, &s))
				continue;
			bool is_col = rows[i].column_name[0] != '\0';
			const char *etype = weir_tags_entity_type_name(s.type, is_col);
			if (etype == NULL)
				continue;
			if ((int)json_array_size(items) == size) {
				more = true; /* one more visible hit exists: the token promises no empty page */
				break;
			}
			const char *ename = is_col ? weir_arena_printf(a, "%s.%s", s.full_name, rows[i].column_name)
						   : s.full_name;
			json_array_append_new(items, assignment(etype, ename, &rows[i]));
			last = &rows[i];
		}
	}
	json_t *out = json_pack("{s:o}", "tag_assignments", items);
	if (more && last)
		json_object_set_new(out, "next_page_token",
				    json_string(weir_arena_printf(a, "%s.%s", hex_encode(a, last->securable_id),
								  hex_encode(a, last->column_name))));
	return out;
}

/* ---------------------------------------------------------------- governed tags */

#define TP_MAX_VALUES 500
#define TP_DESCRIPTION_MAX 4096

static json_t *tag_policy_info(const weir_tag_policy_row *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(r->id));
	json_object_set_new(o, "tag_key", json_string(r->key));
	if (r->description)
		json_object_set_new(o, "description", json_string(r->description));
	json_t *vals = json_loads(r->vals, 0, NULL), *out = json_array();
	size_t i;
	json_t *v;
	json_array_foreach (vals, i, v)
		json_array_append_new(out, json_pack("{s:O}", "name", v));
	json_decref(vals);
	json_object_set_new(o, "values", out);
	json_object_set_new(o, "create_time", rfc3339(r->created_at));
	json_object_set_new(o, "update_time", rfc3339(r->updated_at));
	return o;
}

static int tag_policy_missing(const char *key, weir_error *err)
{
	return weir_error_obj(err, WEIR_E_NOT_FOUND, WEIR_OBJ_POLICY, NULL, "Tag policy '%.255s' does not exist.", key);
}

/* `values`: [{name}] of distinct valid values, as the JSON text of their names. */
static int tag_policy_values(weir_arena *a, json_t *body, const char **out, weir_error *err)
{
	json_t *arr = json_object_get(body, "values");
	if (arr == NULL || json_is_null(arr)) {
		*out = "[]";
		return 0;
	}
	if (!json_is_array(arr) || json_array_size(arr) > TP_MAX_VALUES)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "values",
					"Invalid value for 'values': an array of at most %d {\"name\": ...} objects",
					TP_MAX_VALUES);
	json_t *names = json_array();
	size_t i;
	json_t *v;
	json_array_foreach (arr, i, v) {
		char field[48];
		snprintf(field, sizeof field, "values[%zu].name", i);
		const char *name = json_string_value(json_object_get(v, "name"));
		int bad = name == NULL || *name == '\0' ? weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
									   "Missing required field: %s", field)
							: weir_tags_value_check(field, name, err);
		for (size_t k = 0; bad == 0 && k < i; k++)
			if (strcmp(json_string_value(json_array_get(names, k)), name) == 0)
				bad = weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
						       "Invalid value for '%s': '%.100s' is listed twice", field, name);
		if (bad != 0) {
			json_decref(names);
			return -1;
		}
		json_array_append_new(names, json_string(name));
	}
	*out = weir_json_text(a, names, JSON_COMPACT);
	json_decref(names);
	return 0;
}

static int tag_policy_description(json_t *body, const char **out, weir_error *err)
{
	if (weir_json_get_str(body, "description", false, out, err) != 0)
		return -1;
	if (*out && strlen(*out) > TP_DESCRIPTION_MAX)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "description",
					"Invalid value for 'description': at most %d characters", TP_DESCRIPTION_MAX);
	return 0;
}

json_t *weir_tag_policy_create(weir_db *db, weir_arena *a, const weir_principal *p, json_t *body, weir_error *err)
{
	weir_tag_policy_row r = {0};
	if (weir_json_get_str(body, "tag_key", true, &r.key, err) != 0 ||
	    weir_tags_key_check("tag_key", r.key, err) != 0 || tag_policy_description(body, &r.description, err) != 0 ||
	    tag_policy_values(a, body, &r.vals, err) != 0)
		return NULL;
	weir_tag_policy_row old;
	int got = weir_tags__store_policy_get(db, a, r.key, &old, err);
	if (got != 0)
		return got < 0 ? NULL
			       : (weir_error_obj(err, WEIR_E_ALREADY_EXISTS, WEIR_OBJ_POLICY, "tag_key",
						 "Tag policy '%.255s' already exists.", r.key),
				  NULL);
	char id[37];
	weir_uuid4(id);
	r.id = weir_arena_strdup(a, id);
	r.created_at = r.updated_at = weir_now_ms();
	r.created_by_id = p->id;
	if (weir_tags__store_policy_insert(db, &r, err) != 0)
		return NULL;
	return tag_policy_info(&r);
}

json_t *weir_tag_policy_get(weir_db *db, weir_arena *a, const char *key, weir_error *err)
{
	weir_tag_policy_row r;
	int got = weir_tags__store_policy_get(db, a, key, &r, err);
	if (got <= 0)
		return got < 0 ? NULL : (tag_policy_missing(key, err), NULL);
	return tag_policy_info(&r);
}

json_t *weir_tag_policy_list(weir_db *db, weir_arena *a, int64_t page_size, const char *page_token, weir_error *err)
{
	int size;
	weir_page_req pg = {page_size, page_token};
	if (weir_catalog_page_size(&pg, &size, err) != 0)
		return NULL;
	const char *after = "";
	if (page_token && *page_token && (after = hex_decode(a, page_token, strlen(page_token))) == NULL)
		return bad_token(err), NULL;
	weir_tag_policy_row *rows = weir_arena_calloc(a, sizeof(*rows) * (size_t)(size + 1));
	int n = 0;
	if (weir_tags__store_policy_list(db, a, after, size + 1, rows, &n, err) != 0)
		return NULL;
	json_t *out = json_object(), *arr = json_array();
	json_object_set_new(out, "tag_policies", arr);
	for (int i = 0; i < n && i < size; i++)
		json_array_append_new(arr, tag_policy_info(&rows[i]));
	if (n > size)
		json_object_set_new(out, "next_page_token", json_string(hex_encode(a, rows[size - 1].key)));
	return out;
}

/* Its creator and the metastore admins manage a tag policy. */
static int tag_policy_manages(const weir_principal *p, const weir_tag_policy_row *r, weir_error *err)
{
	if (p->is_admin || p->id == r->created_by_id)
		return 0;
	return weir_error_set(err, WEIR_E_PERMISSION_DENIED,
			      "Only its creator or a metastore admin may change tag policy '%.255s'.", r->key);
}

/* Whether update_mask (absent: the body's fields) names field. */
static bool masked(const char *mask, json_t *body, const char *field)
{
	if (mask == NULL || *mask == '\0')
		return json_object_get(body, field) != NULL;
	size_t n = strlen(field);
	for (const char *p = mask; *p;) {
		p += strspn(p, ", ");
		size_t w = strcspn(p, ", ");
		if ((w == n && strncmp(p, field, n) == 0) || (w == 1 && *p == '*'))
			return true;
		p += w;
	}
	return false;
}

json_t *weir_tag_policy_update(weir_db *db, weir_arena *a, const weir_principal *p, const char *key, json_t *body,
			       const char *update_mask, weir_error *err)
{
	weir_tag_policy_row r;
	int got = weir_tags__store_policy_get(db, a, key, &r, err);
	if (got <= 0)
		return got < 0 ? NULL : (tag_policy_missing(key, err), NULL);
	if (tag_policy_manages(p, &r, err) != 0)
		return NULL;
	for (const char *m = update_mask; m && *m;) { /* only the mutable fields */
		m += strspn(m, ", ");
		size_t w = strcspn(m, ", ");
		if (w && !(w == 1 && *m == '*') && !(w == 11 && strncmp(m, "description", 11) == 0) &&
		    !(w == 6 && strncmp(m, "values", 6) == 0))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "update_mask",
						"Invalid value for 'update_mask': description and values may change"),
			       NULL;
		m += w;
	}
	const char *given = NULL;
	if (weir_json_get_str(body, "tag_key", false, &given, err) != 0)
		return NULL;
	if (given && strcmp(given, key) != 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "tag_key",
					"Invalid value for 'tag_key': it cannot be changed (it differs from the path)"),
		       NULL;
	if (masked(update_mask, body, "description") && tag_policy_description(body, &r.description, err) != 0)
		return NULL;
	if (masked(update_mask, body, "values") && tag_policy_values(a, body, &r.vals, err) != 0)
		return NULL;
	r.updated_at = weir_now_ms();
	if (weir_tags__store_policy_update(db, &r, err) != 0)
		return NULL;
	return tag_policy_info(&r);
}

int weir_tag_policy_delete(weir_db *db, weir_arena *a, const weir_principal *p, const char *key, weir_error *err)
{
	weir_tag_policy_row r;
	int got = weir_tags__store_policy_get(db, a, key, &r, err);
	if (got <= 0)
		return got < 0 ? -1 : tag_policy_missing(key, err);
	if (tag_policy_manages(p, &r, err) != 0)
		return -1;
	return weir_tags__store_policy_delete(db, r.id, err);
}

/* An assignment of a governed key takes one of its values. */
static int governed_check(weir_db *db, const char *key, const char *value, weir_error *err)
{
	weir_arena *a = weir_arena_new(512);
	weir_tag_policy_row r;
	int rc = 0, got = weir_tags__store_policy_get(db, a, key, &r, err);
	if (got < 0) {
		rc = -1;
	} else if (got > 0) {
		json_t *vals = json_loads(r.vals, 0, NULL);
		bool ok = json_array_size(vals) == 0;
		size_t i;
		json_t *v;
		json_array_foreach (vals, i, v)
			ok |= value && strcmp(json_string_value(v), value) == 0;
		json_decref(vals);
		if (!ok)
			rc = weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "tag_value",
					      "Invalid value for 'tag_value': tag '%.255s' is governed, and its value "
					      "must be one of the values of its tag policy: %.1500s",
					      key, r.vals);
	}
	weir_arena_free(a);
	return rc;
}
