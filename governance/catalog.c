/* The rules of the catalog objects: what a create, update or delete body must hold, how
 * managed locations are derived, what may be renamed, when a delete is refused. SQL is in
 * catalog_store.c. */
#include "governance/catalog_int.h"
#include "governance/gov_int.h"
#include "governance/gov_store.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"
#include "core/util.h"

static char data_dir[4096];
static weir_catalog_hook catalog_hook;

void weir_catalog_set_data_dir(const char *abs) { snprintf(data_dir, sizeof(data_dir), "%s", abs); }
const char *weir_catalog_data_dir(void) { return data_dir; }
void weir_catalog_set_hook(weir_catalog_hook hook) { catalog_hook = hook; }

int weir_catalog_page_size(const weir_page_req *pg, int *size, weir_error *err)
{
	if (pg->max_results < 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "max_results",
					"Invalid value for 'max_results': must be greater than or equal to 0");
	int64_t n = pg->max_results == 0 ? 100 : pg->max_results;
	*size = (int)(n > 1000 ? 1000 : n);
	return 0;
}

/* Whether a '/'-separated path has a "." or ".." segment, plain or percent-encoded. */
static bool has_dot_segment(const char *path)
{
	static const char *const dots[] = {".", "..", "%2e", "%2e%2e", ".%2e", "%2e.", NULL};
	const char *p = path;
	for (;;) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		for (int i = 0; dots[i]; i++)
			if (len == strlen(dots[i]) && strncasecmp(p, dots[i], len) == 0)
				return true;
		if (end == NULL)
			return false;
		p = end + 1;
	}
}

const char *weir_catalog_normalize_url(weir_arena *a, const char *field, const char *url, weir_error *err)
{
	if (url == NULL || *url == '\0') {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field, "Missing required field: %s", field);
		return NULL;
	}
	const char *scheme_end = strstr(url, "://");
	char scheme[16] = "file";
	const char *rest;
	if (url[0] == '/') {
		rest = url;
	} else if (strncmp(url, "file:", 5) == 0 && scheme_end == NULL) {
		rest = url + 5;
	} else if (scheme_end != NULL && (size_t)(scheme_end - url) < sizeof(scheme)) {
		memcpy(scheme, url, (size_t)(scheme_end - url));
		scheme[scheme_end - url] = '\0';
		rest = scheme_end + 3;
		if (strcmp(scheme, "file") == 0 && rest[0] != '/') {
			weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
					 "Invalid value for '%s': a file URL must be absolute", field);
			return NULL;
		}
	} else {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
				 "Invalid value for '%s': not a storage URL", field);
		return NULL;
	}
	for (char *c = scheme; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	static const char *const ok[] = {"file", "s3", "gs", "abfs", "abfss", NULL};
	bool supported = false;
	for (int i = 0; ok[i]; i++)
		supported |= strcmp(scheme, ok[i]) == 0;
	if (!supported) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
				 "Invalid value for '%s': unsupported URI scheme '%.20s'", field, scheme);
		return NULL;
	}
	for (const char *c = rest; *c; c++) {
		if ((unsigned char)*c < 0x20 || *c == '\\') {
			weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
					 "Invalid value for '%s': control characters are not allowed", field);
			return NULL;
		}
	}
	/* collapse duplicate slashes, drop trailing ones, refuse "." and ".." segments */
	size_t n = strlen(rest);
	char *path = weir_arena_alloc(a, n + 2);
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		if (rest[i] == '/' && j > 0 && path[j - 1] == '/')
			continue;
		path[j++] = rest[i];
	}
	while (j > 1 && path[j - 1] == '/')
		j--;
	path[j] = '\0';
	if (has_dot_segment(path)) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
				 "Invalid value for '%s': '.' and '..' path segments are not allowed", field);
		return NULL;
	}
	if (strcmp(scheme, "file") == 0) {
		/* an absolute path below the root: "file:x" and "file:///" are refused */
		if (path[0] != '/' || path[1] == '\0') {
			weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
					 "Invalid value for '%s': a file location must be an absolute path below /",
					 field);
			return NULL;
		}
		return weir_arena_printf(a, "file://%s", path);
	}
	/* cloud URL: bucket must be followed by a path (no bucket roots) */
	const char *slash = strchr(path, '/');
	if (slash == NULL || slash[1] == '\0' || slash == path) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
				 "Invalid value for '%s': a location cannot be a bucket root", field);
		return NULL;
	}
	return weir_arena_printf(a, "%s://%s", scheme, path);
}

/* Where a managed table or volume lives (UC layout): below the schema's managed storage,
 * else the catalog's, else Weir's data dir (file://<data dir>/warehouse|volumes/<id>).
 * `parent` is the schema. */
static const char *managed_location(weir_db *db, weir_arena *a, const weir_securable *parent, const char *kind,
				    const char *id)
{
	for (int i = 0; i < parent->depth && i < 2; i++) {
		const char *base = weir_cat_store_text(db, a, parent->chain[i].id, "storage_location");
		if (base)
			return weir_arena_printf(a, "%s/%s/%s", base, strcmp(kind, "warehouse") == 0 ? "tables" : kind,
						 id);
	}
	return weir_arena_printf(a, "file://%s/%s/%s", data_dir, kind, id);
}

int weir_cat_external_url(weir_arena *a, const char *field, const char **locp, weir_error *err)
{
	const char *loc = *locp = weir_catalog_normalize_url(a, field, *locp, err);
	if (loc == NULL)
		return -1;
	if (strstr(loc, "__unitystorage"))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
					"Invalid value for '%s': the location overlaps managed storage", field);
	const char *managed = weir_arena_printf(a, "file://%s", data_dir);
	size_t m = strlen(managed);
	if (data_dir[0] && (strncmp(loc, managed, m) == 0 && (loc[m] == '\0' || loc[m] == '/')))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
					"Invalid value for '%s': the location overlaps managed storage", field);
	size_t l = strlen(loc);
	if (strncmp(managed, loc, l) == 0 && managed[l] == '/')
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
					"Invalid value for '%s': the location contains managed storage", field);
	return 0;
}

/* The storage_location of an EXTERNAL table or volume (`what`: "tables", "volumes"):
 * required, then as external_url. */
static int external_location(weir_arena *a, const char *what, const char **loc, weir_error *err)
{
	if (*loc == NULL)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "storage_location",
					"Missing required field: storage_location (required for EXTERNAL %s)", what);
	return weir_cat_external_url(a, "storage_location", loc, err);
}

static int already_exists(weir_sec_type t, const char *full, weir_error *err)
{
	return weir_error_obj(err, WEIR_E_ALREADY_EXISTS, weir_sec_type_object(t), NULL, "%s '%.300s' already exists",
			      weir_sec_type_label(t), full);
}

static bool one_of(const char *v, const char *const *allowed)
{
	for (int i = 0; allowed[i]; i++)
		if (strcmp(v, allowed[i]) == 0)
			return true;
	return false;
}

static int enum_field(json_t *body, const char *key, bool required, const char *const *allowed, const char **out,
		      weir_error *err)
{
	const char *v = NULL; /* never judge a stale *out when the key is absent */
	if (weir_json_get_str(body, key, required, &v, err) != 0)
		return -1;
	if (v && !one_of(v, allowed))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, key,
					"Invalid value for '%s': '%.100s' is not one of the allowed values", key, v);
	if (v)
		*out = v;
	return 0;
}

static const char *const column_types[] = {
	"BOOLEAN",    "BYTE",      "SHORT",         "INT",     "LONG",   "FLOAT",   "DOUBLE",
	"DATE",       "TIMESTAMP", "TIMESTAMP_NTZ", "STRING",  "BINARY", "DECIMAL", "INTERVAL",
	"ARRAY",      "STRUCT",    "MAP",           "VARIANT", "CHAR",   "NULL",    "USER_DEFINED_TYPE",
	"TABLE_TYPE", NULL};

int weir_gov__field_within(weir_error *err, const char *fmt, ...)
{
	if (err->field[0] == '\0')
		return -1;
	char place[96], f[96];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(place, sizeof(place), fmt, ap);
	va_end(ap);
	snprintf(f, sizeof(f), "%s.%s", place, err->field);
	snprintf(err->field, sizeof(err->field), "%s", f);
	return -1;
}

/* Names the field of column i at fault: "columns[i].<key>". Returns -1. */
static int column_error(weir_error *err, size_t i, const char *key, const char *what)
{
	char f[96];
	if (key)
		snprintf(f, sizeof(f), "columns[%zu].%s", i, key);
	else
		snprintf(f, sizeof(f), "columns[%zu]", i);
	return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, f, "Invalid value for '%s': %s", f, what);
}

/* type_json must be a Spark StructField ({"name", "type", "nullable", "metadata"}) that
 * describes this column: same name, a type, and the same nullability when given. */
static bool type_json_ok(const char *type_json, const char *name, bool nullable)
{
	json_t *tj = json_loads(type_json, JSON_REJECT_DUPLICATES, NULL);
	json_t *tn = json_object_get(tj, "name");
	json_t *tt = json_object_get(tj, "type");
	json_t *tnull = json_object_get(tj, "nullable");
	bool good = json_is_object(tj) && json_is_string(tn) && strcmp(json_string_value(tn), name) == 0 &&
		    (json_is_string(tt) || json_is_object(tt)) &&
		    (tnull == NULL || (json_is_boolean(tnull) && json_is_true(tnull) == nullable));
	json_decref(tj);
	return good;
}

/* Column i's position: its "position" field, else its index. */
static int64_t column_position(json_t *cols, size_t i)
{
	json_t *pos = json_object_get(json_array_get(cols, i), "position");
	if (json_is_integer(pos))
		return json_integer_value(pos);
	int64_t n = (int64_t)i;
	if (pos && weir_json_get_i64(json_array_get(cols, i), "position", false, &n, NULL) != 0)
		return -1;
	return n;
}

/* Checks columns[] and writes them; type_text is lower-cased as UC does. */
static int table_columns(weir_db *db, weir_arena *a, const char *table_id, json_t *cols, weir_error *err)
{
	size_t i;
	json_t *c;
	json_array_foreach (cols, i, c) {
		if (!json_is_object(c))
			return column_error(err, i, NULL, "expected an object");
		const char *name = NULL, *type_text = NULL, *type_json = NULL, *type_name = NULL;
		const char *s;
		bool nullable = true;
		int64_t n;
		if (weir_json_get_str(c, "name", true, &name, err) != 0 ||
		    weir_json_get_str(c, "type_text", false, &type_text, err) != 0 ||
		    weir_json_get_str(c, "type_json", false, &type_json, err) != 0 ||
		    enum_field(c, "type_name", false, column_types, &type_name, err) != 0 ||
		    weir_json_get_str(c, "comment", false, &s, err) != 0 ||
		    weir_json_get_str(c, "type_interval_type", false, &s, err) != 0 ||
		    weir_json_get_bool(c, "nullable", false, &nullable, err) != 0 ||
		    weir_json_get_i64(c, "type_precision", false, &n, err) != 0 ||
		    weir_json_get_i64(c, "type_scale", false, &n, err) != 0 ||
		    weir_json_get_i64(c, "partition_index", false, &n, err) != 0 ||
		    weir_json_get_i64(c, "position", false, &n, err) != 0)
			return weir_gov__field_within(err, "columns[%zu]", i);
		if (*name == '\0' || strlen(name) > 255)
			return column_error(err, i, "name", "a column name has 1 to 255 characters");
		for (size_t k = 0; k < i; k++) {
			const char *other = json_string_value(json_object_get(json_array_get(cols, k), "name"));
			if (other && strcasecmp(other, name) == 0)
				return column_error(err, i, "name", "duplicate column name");
		}
		if (type_json && !type_json_ok(type_json, name, nullable))
			return column_error(
				err, i, "type_json",
				"expected a StructField JSON object whose name and nullable match the column");
		char *lower = NULL;
		if (type_text) {
			lower = weir_arena_strdup(a, type_text);
			for (char *p = lower; *p; p++)
				*p = (char)tolower((unsigned char)*p);
		}
		int64_t position = column_position(cols, i);
		if (position < 0 || position > 100000)
			return column_error(err, i, "position", "must be between 0 and 100000");
		for (size_t k = 0; k < i; k++)
			if (column_position(cols, k) == position)
				return column_error(err, i, "position", "duplicate position");
		if (weir_cat_store_insert_column(db, table_id, (int)position, c, lower, err) != 0) {
			if (err->code == WEIR_E_RESOURCE_CONFLICT)
				return column_error(err, i, "position", "duplicate position");
			return -1;
		}
	}
	return 0;
}

static const char *const table_types[] = {"MANAGED",
					  "EXTERNAL",
					  "VIEW",
					  "MATERIALIZED_VIEW",
					  "STREAMING_TABLE",
					  "METRIC_VIEW",
					  "MANAGED_SHALLOW_CLONE",
					  "EXTERNAL_SHALLOW_CLONE",
					  NULL};
static const char *const formats[] = {"DELTA", "CSV",           "JSON",         "AVRO",    "PARQUET", "ORC",
				      "TEXT",  "UNITY_CATALOG", "DELTASHARING", "ICEBERG", NULL};
static const char *const volume_types[] = {"MANAGED", "EXTERNAL", NULL};

/* view_dependencies: {"dependencies": [{"table": {"table_full_name"}} | {"function":
 * {"function_full_name"}}]}; each must name an object p can see (UC: 404 otherwise). */
static int view_dependencies(weir_db *db, weir_arena *a, const weir_principal *p, json_t *deps, size_t *count,
			     weir_error *err)
{
	json_t *list = NULL;
	*count = 0;
	if (weir_json_get_arr(deps, "dependencies", false, &list, err) != 0) {
		snprintf(err->field, sizeof(err->field), "view_dependencies.dependencies");
		return -1;
	}
	size_t i;
	json_t *d;
	json_array_foreach (list, i, d) {
		char f[96];
		snprintf(f, sizeof(f), "view_dependencies.dependencies[%zu]", i);
		json_t *tbl = json_object_get(d, "table"), *fn = json_object_get(d, "function");
		const char *full = NULL;
		weir_sec_type t = WEIR_SEC_TABLE;
		if (json_is_object(tbl) && fn == NULL) {
			full = json_string_value(json_object_get(tbl, "table_full_name"));
		} else if (json_is_object(fn) && tbl == NULL) {
			full = json_string_value(json_object_get(fn, "function_full_name"));
			t = WEIR_SEC_FUNCTION;
		}
		if (full == NULL)
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, f,
						"Invalid value for '%s': expected {\"table\": {\"table_full_name\"}} "
						"or {\"function\": {\"function_full_name\"}}",
						f);
		weir_securable dep;
		if (weir_gov_resolve(db, a, p, t, full, &dep, err) != 0) {
			if (err->code == WEIR_E_INVALID_PARAMETER_VALUE)
				snprintf(err->field, sizeof(err->field), "%s", f);
			return -1;
		}
	}
	*count = i;
	return 0;
}

static int create_table(weir_db *db, weir_arena *a, const weir_principal *p, const weir_securable *parent, cat_row *row,
			json_t *body, weir_error *err)
{
	const char *type = NULL, *fmt = NULL, *loc = NULL, *view = NULL;
	json_t *cols = NULL, *deps = NULL;
	if (enum_field(body, "table_type", true, table_types, &type, err) != 0 ||
	    enum_field(body, "data_source_format", false, formats, &fmt, err) != 0 ||
	    weir_json_get_str(body, "storage_location", false, &loc, err) != 0 ||
	    weir_json_get_str(body, "view_definition", false, &view, err) != 0 ||
	    weir_json_get_arr(body, "columns", false, &cols, err) != 0 ||
	    weir_json_get_obj(body, "view_dependencies", false, &deps, err) != 0)
		return -1;
	if (strcmp(type, "STREAMING_TABLE") == 0 || strcmp(type, "MATERIALIZED_VIEW") == 0 ||
	    strstr(type, "SHALLOW_CLONE"))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "table_type",
					"Invalid value for 'table_type': %s tables cannot be created through this API",
					type);
	bool is_view = strcmp(type, "VIEW") == 0 || strcmp(type, "METRIC_VIEW") == 0;
	if (is_view) {
		if (view == NULL || *view == '\0')
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "view_definition",
						"Missing required field: view_definition (required for %s)", type);
		if (loc)
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "storage_location",
						"Invalid value for 'storage_location': a view has no storage location");
		size_t ndeps = 0;
		if (deps && view_dependencies(db, a, p, deps, &ndeps, err) != 0)
			return -1;
		if (strcmp(type, "METRIC_VIEW") == 0 && ndeps == 0)
			return weir_error_field(
				err, WEIR_E_INVALID_PARAMETER_VALUE, "view_dependencies",
				"Missing required field: view_dependencies (a METRIC_VIEW needs at least one)");
	} else if (view) {
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "view_definition",
					"Invalid value for 'view_definition': only views have a view definition");
	} else if (deps) {
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "view_dependencies",
					"Invalid value for 'view_dependencies': only views have dependencies");
	}
	if (strcmp(type, "EXTERNAL") == 0) {
		if (external_location(a, "tables", &loc, err) != 0 ||
		    weir_storage_external_check(db, a, p, WEIR_SEC_TABLE, loc, err) != 0)
			return -1;
		row->storage_location = loc;
	} else if (strcmp(type, "MANAGED") == 0) {
		if (loc)
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "storage_location",
						"Invalid value for 'storage_location': the location of a MANAGED table "
						"is chosen by the server");
		if (fmt == NULL)
			fmt = "DELTA";
		if (strcmp(fmt, "DELTA") != 0 && strcmp(fmt, "ICEBERG") != 0)
			return weir_error_field(
				err, WEIR_E_INVALID_PARAMETER_VALUE, "data_source_format",
				"Invalid value for 'data_source_format': a MANAGED table is DELTA or ICEBERG");
		row->storage_location = managed_location(db, a, parent, "warehouse", row->id);
	}
	row->subtype = type;
	row->data_source_format = fmt;
	row->view_definition = view;
	if (deps) {
		json_t *spec = json_pack("{s:O}", "view_dependencies", deps);
		row->spec = weir_json_text(a, spec, JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(spec);
	}
	if (weir_cat_store_insert(db, row, err) != 0)
		return -1;
	return cols ? table_columns(db, a, row->id, cols, err) : 0;
}

static int create_volume(weir_db *db, weir_arena *a, const weir_principal *p, const weir_securable *parent,
			 cat_row *row, json_t *body, weir_error *err)
{
	const char *type = NULL, *loc = NULL;
	if (enum_field(body, "volume_type", true, volume_types, &type, err) != 0 ||
	    weir_json_get_str(body, "storage_location", false, &loc, err) != 0)
		return -1;
	if (strcmp(type, "EXTERNAL") == 0) {
		if (external_location(a, "volumes", &loc, err) != 0 ||
		    weir_storage_external_check(db, a, p, WEIR_SEC_VOLUME, loc, err) != 0)
			return -1;
		row->storage_location = loc;
	} else {
		if (loc)
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "storage_location",
						"Invalid value for 'storage_location': a MANAGED volume's location "
						"is chosen by the server");
		row->storage_location = managed_location(db, a, parent, "volumes", row->id);
	}
	row->subtype = type;
	return weir_cat_store_insert(db, row, err);
}

/* ------------------------------------------------------ temporary credentials */

int weir_catalog_credential_operation(weir_sec_type t, const char *operation, bool *write, weir_error *err)
{
	const char *read = t == WEIR_SEC_VOLUME ? "READ_VOLUME" : t == WEIR_SEC_MODEL ? "READ_MODEL_VERSION" : "READ";
	const char *rw = t == WEIR_SEC_VOLUME  ? "WRITE_VOLUME"
			 : t == WEIR_SEC_MODEL ? "READ_WRITE_MODEL_VERSION"
					       : "READ_WRITE";
	if (operation && strcmp(operation, read) == 0)
		*write = false;
	else if (operation && strcmp(operation, rw) == 0)
		*write = true;
	else
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "operation",
					"Invalid value for 'operation': %s or %s", read, rw);
	return 0;
}

json_t *weir_catalog_temporary_credentials(weir_db *db, weir_arena *a, const weir_securable *s, weir_error *err)
{
	const char *what = s->type == WEIR_SEC_VOLUME ? "volume" : "table";
	const char *subtype = NULL, *loc = NULL;
	int found = weir_cat_store_storage(db, a, s->id, &subtype, &loc, err);
	if (found < 0)
		return NULL;
	const char *name = s->full_name ? s->full_name : "";
	if (found == 0 || subtype == NULL) { /* resolved in this request; every one has its type */
		weir_error_set(err, WEIR_E_INTERNAL_ERROR, "internal error");
		return NULL;
	}
	if (strcmp(subtype, "MANAGED") == 0) {
		weir_error_set(err, WEIR_E_FAILED_PRECONDITION,
			       "The %s '%.300s' is MANAGED: its data is kept by Weir and read through %s, not "
			       "from its storage location.",
			       what, name, s->type == WEIR_SEC_VOLUME ? "the Files API" : "the SQL warehouse");
		return NULL;
	}
	if (strcmp(subtype, "EXTERNAL") != 0) {
		weir_error_set(err, WEIR_E_FAILED_PRECONDITION,
			       "The %s '%.300s' is a %.40s: only EXTERNAL tables and volumes have storage to vend "
			       "credentials for.",
			       what, name, subtype);
		return NULL;
	}
	return weir_catalog_vend(what, name, loc, err);
}

json_t *weir_catalog_vend(const char *what, const char *name, const char *loc, weir_error *err)
{
	if (loc == NULL || strncmp(loc, "file://", 7) != 0) {
		const char *colon = loc ? strchr(loc, ':') : NULL;
		weir_error_set(err, WEIR_E_FAILED_PRECONDITION,
			       "No storage credential is configured for the %s '%.300s': Weir vends credentials for "
			       "file:// locations only, not for %.*s storage.",
			       what, name, colon ? (int)(colon - loc) : 7, colon ? loc : "unknown");
		return NULL;
	}
	size_t n = strlen(data_dir);
	if (n > 0 && strncmp(loc + 7, data_dir, n) == 0 && (loc[7 + n] == '\0' || loc[7 + n] == '/')) {
		weir_error_set(err, WEIR_E_FAILED_PRECONDITION,
			       "The %s '%.300s' is kept in Weir's managed storage: its files are read and written "
			       "through Weir's APIs, not from their location.",
			       what, name);
		return NULL;
	}
	return json_pack("{s:s}", "url", loc);
}

json_t *weir_catalog_path_credentials(weir_db *db, weir_arena *a, const weir_principal *p, const char *url,
				      const char *operation, weir_error *err)
{
	static const char *const ops[] = {"PATH_READ", "PATH_READ_WRITE", "PATH_CREATE_TABLE", NULL};
	int op = -1;
	for (int i = 0; operation && ops[i]; i++)
		if (strcmp(operation, ops[i]) == 0)
			op = i;
	if (op < 0) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "operation",
				 "Invalid value for 'operation': PATH_READ, PATH_READ_WRITE or PATH_CREATE_TABLE");
		return NULL;
	}
	const char *loc = url;
	if (weir_cat_external_url(a, "url", &loc, err) != 0 ||
	    weir_storage_path_check(db, a, p, loc, op == 1, op == 2, err) != 0)
		return NULL;
	return weir_catalog_vend("path", loc, loc, err);
}

static const char *const routine_bodies[] = {"SQL", "EXTERNAL", NULL};
static const char *const data_access[] = {"CONTAINS_SQL", "READS_SQL_DATA", "NO_SQL", NULL};
static const char *const security_types[] = {"DEFINER", NULL};
static const char *const param_styles[] = {"S", NULL};

/* ------------------------------------------------------ Spark type JSON from type_text */

/* A Spark SQL type (type_text, as "array<struct<a:int,b:string>>" or "decimal(10,2)")
 * parsed into the JSON Spark writes for a DataType ("integer", {"type": "array", ...}),
 * which is what Databricks derives a parameter's type_json from when a client sends none. */
struct spark_parse {
	const char *p;
	int depth;
};

static void sp_ws(struct spark_parse *sp)
{
	while (*sp->p == ' ' || *sp->p == '\t' || *sp->p == '\n')
		sp->p++;
}

/* An identifier (letters, digits, '_'), lower-cased into buf; 0 when there is none. */
static size_t sp_word(struct spark_parse *sp, char *buf, size_t size)
{
	sp_ws(sp);
	size_t n = 0;
	while (isalnum((unsigned char)*sp->p) || *sp->p == '_') {
		if (n + 1 < size)
			buf[n++] = (char)tolower((unsigned char)*sp->p);
		sp->p++;
	}
	buf[n] = '\0';
	return n;
}

static bool sp_eat(struct spark_parse *sp, char c)
{
	sp_ws(sp);
	if (*sp->p != c)
		return false;
	sp->p++;
	return true;
}

/* "(n)" or "(p, s)": up to two integers; false when malformed. */
static bool sp_args(struct spark_parse *sp, long *a, long *b, int *count)
{
	*count = 0;
	if (!sp_eat(sp, '('))
		return true;
	for (;;) {
		sp_ws(sp);
		char *end;
		long v = strtol(sp->p, &end, 10);
		if (end == sp->p || v < 0 || v > 1000 || *count == 2)
			return false;
		sp->p = end;
		*(*count == 0 ? a : b) = v;
		(*count)++;
		if (sp_eat(sp, ')'))
			return true;
		if (!sp_eat(sp, ','))
			return false;
	}
}

static json_t *sp_type(struct spark_parse *sp);

static json_t *sp_field(const char *name, json_t *type)
{
	return json_pack("{s:s, s:o, s:b, s:{}}", "name", name, "type", type, "nullable", 1, "metadata");
}

static json_t *sp_struct(struct spark_parse *sp)
{
	json_t *fields = json_array();
	if (sp_eat(sp, '>'))
		return json_pack("{s:s, s:o}", "type", "struct", "fields", fields);
	for (;;) {
		char name[256];
		sp_ws(sp);
		const char *start = sp->p;
		if (*sp->p == '`') { /* a quoted field name */
			const char *end = strchr(sp->p + 1, '`');
			if (end == NULL || (size_t)(end - sp->p - 1) >= sizeof(name))
				goto bad;
			snprintf(name, sizeof(name), "%.*s", (int)(end - sp->p - 1), sp->p + 1);
			sp->p = end + 1;
		} else {
			size_t n = 0;
			while (isalnum((unsigned char)*sp->p) || *sp->p == '_')
				sp->p++;
			n = (size_t)(sp->p - start);
			if (n == 0 || n >= sizeof(name))
				goto bad;
			snprintf(name, sizeof(name), "%.*s", (int)n, start);
		}
		sp_eat(sp, ':');
		json_t *t = sp_type(sp);
		if (t == NULL)
			goto bad;
		json_t *f = sp_field(name, t);
		char word[16];
		const char *mark = sp->p;
		if (sp_word(sp, word, sizeof(word)) && strcmp(word, "not") == 0 && sp_word(sp, word, sizeof(word)) &&
		    strcmp(word, "null") == 0)
			json_object_set_new(f, "nullable", json_false());
		else
			sp->p = mark;
		json_array_append_new(fields, f);
		if (sp_eat(sp, '>'))
			return json_pack("{s:s, s:o}", "type", "struct", "fields", fields);
		if (!sp_eat(sp, ','))
			goto bad;
	}
bad:
	json_decref(fields);
	return NULL;
}

static json_t *sp_type(struct spark_parse *sp)
{
	static const char *const simple[][2] = {
		{"int", "integer"},
		{"integer", "integer"},
		{"bigint", "long"},
		{"long", "long"},
		{"smallint", "short"},
		{"short", "short"},
		{"tinyint", "byte"},
		{"byte", "byte"},
		{"float", "float"},
		{"real", "float"},
		{"double", "double"},
		{"boolean", "boolean"},
		{"string", "string"},
		{"binary", "binary"},
		{"date", "date"},
		{"timestamp", "timestamp"},
		{"timestamp_ltz", "timestamp"},
		{"timestamp_ntz", "timestamp_ntz"},
		{"void", "void"},
		{"null", "void"},
		{"variant", "variant"},
	};
	char word[32];
	if (++sp->depth > 32 || sp_word(sp, word, sizeof(word)) == 0)
		return NULL;
	json_t *out = NULL;
	long a = 0, b = 0;
	int n = 0;
	if (strcmp(word, "array") == 0) {
		json_t *e = sp_eat(sp, '<') ? sp_type(sp) : NULL;
		if (e && sp_eat(sp, '>'))
			out = json_pack("{s:s, s:O, s:b}", "type", "array", "elementType", e, "containsNull", 1);
		json_decref(e);
	} else if (strcmp(word, "map") == 0) {
		json_t *k = sp_eat(sp, '<') ? sp_type(sp) : NULL;
		json_t *v = k && sp_eat(sp, ',') ? sp_type(sp) : NULL;
		if (v && sp_eat(sp, '>'))
			out = json_pack("{s:s, s:O, s:O, s:b}", "type", "map", "keyType", k, "valueType", v,
					"valueContainsNull", 1);
		json_decref(k);
		json_decref(v);
	} else if (strcmp(word, "struct") == 0) {
		out = sp_eat(sp, '<') ? sp_struct(sp) : NULL;
	} else if (strcmp(word, "decimal") == 0 || strcmp(word, "dec") == 0 || strcmp(word, "numeric") == 0) {
		if (sp_args(sp, &a, &b, &n) && (n == 0 || a >= 1) && (n < 2 || b <= a)) {
			char buf[40];
			snprintf(buf, sizeof(buf), "decimal(%ld,%ld)", n ? a : 10, n == 2 ? b : 0);
			out = json_string(buf);
		}
	} else if (strcmp(word, "char") == 0 || strcmp(word, "varchar") == 0) {
		if (sp_args(sp, &a, &b, &n) && n == 1 && a >= 1) {
			char buf[40];
			snprintf(buf, sizeof(buf), "%s(%ld)", word, a);
			out = json_string(buf);
		}
	} else if (strcmp(word, "interval") == 0) {
		/* interval year [to month] | interval day|hour|minute|second [to ...] */
		char from[16], to[16] = "";
		if (sp_word(sp, from, sizeof(from))) {
			const char *mark = sp->p;
			char kw[8];
			if (sp_word(sp, kw, sizeof(kw)) && strcmp(kw, "to") == 0 && sp_word(sp, to, sizeof(to)))
				;
			else
				sp->p = mark, to[0] = '\0';
			char buf[64];
			snprintf(buf, sizeof(buf), "interval %s%s%s", from, to[0] ? " to " : "", to);
			out = json_string(buf);
		}
	} else {
		for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++)
			if (strcmp(word, simple[i][0]) == 0)
				out = json_string(simple[i][1]);
	}
	sp->depth--;
	return out;
}

/* The StructField JSON text of parameter `name` of type type_text, or NULL when type_text
 * is not a Spark type. */
static const char *derived_type_json(weir_arena *a, const char *name, const char *type_text)
{
	struct spark_parse sp = {type_text, 0};
	json_t *t = sp_type(&sp);
	sp_ws(&sp);
	if (t == NULL || *sp.p != '\0') {
		json_decref(t);
		return NULL;
	}
	json_t *f = sp_field(name, t);
	char *text = weir_json_dump(f);
	json_decref(f);
	const char *out = weir_arena_strdup(a, text);
	free(text);
	return out;
}

/* {"parameters": [FunctionParameterInfo]}: each an object with name, type_text, a known
 * type_name and position (required, as in UC); names unique. type_json is optional, as in
 * the SDKs: when absent it is derived from type_text (a Spark StructField, as Databricks
 * writes it) and stored into the parameter. */
static int function_params(weir_arena *a, json_t *holder, const char *where, weir_error *err)
{
	json_t *params = holder ? json_object_get(holder, "parameters") : NULL;
	char f[96];
	if (params == NULL || json_is_null(params))
		return 0;
	if (!json_is_array(params)) {
		snprintf(f, sizeof(f), "%s.parameters", where);
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, f,
					"Invalid value for '%s': expected an array", f);
	}
	size_t i;
	json_t *prm;
	json_array_foreach (params, i, prm) {
		const char *name = NULL, *s = NULL, *type_text = NULL, *type_json = NULL;
		int64_t n;
		if (!json_is_object(prm)) {
			snprintf(f, sizeof(f), "%s.parameters[%zu]", where, i);
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, f,
						"Invalid value for '%s': expected an object", f);
		}
		if (weir_json_get_str(prm, "name", true, &name, err) != 0 ||
		    weir_json_get_str(prm, "type_text", true, &type_text, err) != 0 ||
		    weir_json_get_str(prm, "type_json", false, &type_json, err) != 0 ||
		    enum_field(prm, "type_name", true, column_types, &s, err) != 0 ||
		    weir_json_get_i64(prm, "position", true, &n, err) != 0)
			return weir_gov__field_within(err, "%s.parameters[%zu]", where, i);
		if (type_json == NULL) {
			type_json = derived_type_json(a, name, type_text);
			if (type_json == NULL) {
				snprintf(f, sizeof(f), "%s.parameters[%zu].type_text", where, i);
				return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, f,
							"Invalid value for '%s': '%.200s' is not a type (and no "
							"type_json was given to take the type from)",
							f, type_text);
			}
			json_object_set_new(prm, "type_json", json_string(type_json));
		}
		for (size_t k = 0; k < i; k++) {
			if (strcmp(json_string_value(json_object_get(json_array_get(params, k), "name")), name) == 0) {
				snprintf(f, sizeof(f), "%s.parameters[%zu].name", where, i);
				return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, f,
							"Invalid value for '%s': duplicate parameter name", f);
			}
		}
	}
	return 0;
}

/* A function's spec (JSON text, in the arena) from its FunctionInfo `fi`, validated, with
 * UC's defaults; `name` is the function's own name (the default specific_name). */
static int function_spec(weir_arena *a, const char *name, json_t *fi, const char **out, weir_error *err)
{
	const char *s = NULL;
	bool b;
	json_t *o = NULL;
	if (enum_field(fi, "data_type", true, column_types, &s, err) != 0 ||
	    weir_json_get_str(fi, "full_data_type", true, &s, err) != 0 ||
	    enum_field(fi, "routine_body", true, routine_bodies, &s, err) != 0 ||
	    weir_json_get_str(fi, "routine_definition", false, &s, err) != 0 ||
	    enum_field(fi, "parameter_style", false, param_styles, &s, err) != 0 ||
	    weir_json_get_bool(fi, "is_deterministic", false, &b, err) != 0 ||
	    enum_field(fi, "sql_data_access", false, data_access, &s, err) != 0 ||
	    weir_json_get_bool(fi, "is_null_call", false, &b, err) != 0 ||
	    enum_field(fi, "security_type", false, security_types, &s, err) != 0 ||
	    weir_json_get_str(fi, "specific_name", false, &s, err) != 0 ||
	    weir_json_get_str(fi, "external_language", false, &s, err) != 0 ||
	    weir_json_get_str(fi, "properties", false, &s, err) != 0 ||
	    weir_json_get_obj(fi, "input_params", false, &o, err) != 0 ||
	    weir_json_get_obj(fi, "return_params", false, &o, err) != 0)
		return weir_gov__field_within(err, "function_info");
	if (function_params(a, json_object_get(fi, "input_params"), "function_info.input_params", err) != 0 ||
	    function_params(a, json_object_get(fi, "return_params"), "function_info.return_params", err) != 0)
		return -1;
	json_t *spec = json_object();
	static const char *const keep[] = {"input_params",
					   "data_type",
					   "full_data_type",
					   "return_params",
					   "routine_body",
					   "routine_definition",
					   "routine_dependencies",
					   "parameter_style",
					   "is_deterministic",
					   "sql_data_access",
					   "is_null_call",
					   "security_type",
					   "specific_name",
					   "external_language",
					   "external_name",
					   "sql_path",
					   NULL};
	for (int i = 0; keep[i]; i++) {
		json_t *v = json_object_get(fi, keep[i]);
		if (v && !json_is_null(v))
			json_object_set(spec, keep[i], v);
	}
	json_t *props = json_object_get(fi, "properties");
	if (json_is_string(props))
		json_object_set(spec, "properties", props);
	if (!json_object_get(spec, "parameter_style"))
		json_object_set_new(spec, "parameter_style", json_string("S"));
	if (!json_object_get(spec, "is_deterministic"))
		json_object_set_new(spec, "is_deterministic", json_true());
	if (!json_object_get(spec, "sql_data_access"))
		json_object_set_new(spec, "sql_data_access", json_string("CONTAINS_SQL"));
	if (!json_object_get(spec, "is_null_call"))
		json_object_set_new(spec, "is_null_call", json_false());
	if (!json_object_get(spec, "security_type"))
		json_object_set_new(spec, "security_type", json_string("DEFINER"));
	if (!json_object_get(spec, "specific_name"))
		json_object_set_new(spec, "specific_name", json_string(name));
	if (!json_object_get(spec, "input_params"))
		json_object_set_new(spec, "input_params", json_pack("{s:[]}", "parameters"));
	*out = weir_json_text(a, spec, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(spec);
	return 0;
}

static int create_function(weir_db *db, weir_arena *a, cat_row *row, json_t *fi, weir_error *err)
{
	if (function_spec(a, row->name, fi, &row->spec, err) != 0)
		return -1;
	return weir_cat_store_insert(db, row, err);
}

/* Creates the securable and writes its Info into w (the renderer of GET: the create's
 * reply is the text a GET would answer); *full_out is its full name. 0 or -1. */
static int create_jw(weir_db *db, weir_arena *a, const weir_principal *p, weir_sec_type t, const weir_securable *parent,
		     json_t *body, weir_jw *w, const char **full_out, weir_error *err)
{
	json_t *fields = body;
	if (t == WEIR_SEC_FUNCTION) {
		if (weir_json_get_obj(body, "function_info", true, &fields, err) != 0)
			return -1;
	}
	const char *name = NULL, *comment = NULL, *root = NULL;
	json_t *props = NULL;
	if (weir_json_get_str(fields, "name", true, &name, err) != 0 || weir_gov_name_check("name", name, err) != 0 ||
	    weir_json_get_str(fields, "comment", false, &comment, err) != 0)
		goto out_field;
	/* volumes have no properties and a function's are a JSON string (create_function):
	 * neither is a map here; UC ignores fields it does not know */
	if (t != WEIR_SEC_FUNCTION && t != WEIR_SEC_VOLUME && !weir_sec_beside_catalogs(t) &&
	    weir_json_get_str_map(fields, "properties", &props, err) != 0)
		goto out_field;
	if (t == WEIR_SEC_CATALOG || t == WEIR_SEC_SCHEMA) {
		if (weir_json_get_str(fields, "storage_root", false, &root, err) != 0)
			return -1;
		if (root && (weir_cat_external_url(a, "storage_root", &root, err) != 0 ||
			     weir_storage_external_check(db, a, p, t, root, err) != 0))
			return -1;
	}
	const char *full = t == WEIR_SEC_CATALOG || weir_sec_beside_catalogs(t) ? name
			   : t == WEIR_SEC_SCHEMA ? weir_arena_printf(a, "%s.%s", parent->chain[0].name, name)
						  : weir_arena_printf(a, "%s.%s", parent->full_name, name);
	if (weir_cat_store_name_taken(db, parent->id, t, name)) {
		already_exists(t, full, err);
		return -1;
	}
	char id[37];
	weir_uuid7(id);
	cat_row row = {
		.id = id,
		.type = t,
		.parent_id = parent->id,
		.name = name,
		.owner_id = p->id,
		.comment = comment,
		.properties = weir_json_text(a, props, JSON_COMPACT | JSON_SORT_KEYS),
		.storage_root = root,
		.now = weir_now_ms(),
		.by = p->name,
	};
	if (root)
		row.storage_location = weir_arena_printf(a, "%s/__unitystorage/%s/%s", root,
							 t == WEIR_SEC_CATALOG ? "catalogs" : "schemas", id);
	int rc;
	switch (t) {
	case WEIR_SEC_CATALOG:
		row.isolation_mode = "OPEN";
		rc = weir_cat_store_insert(db, &row, err);
		break;
	case WEIR_SEC_SCHEMA: rc = weir_cat_store_insert(db, &row, err); break;
	case WEIR_SEC_TABLE: rc = create_table(db, a, p, parent, &row, fields, err); break;
	case WEIR_SEC_VOLUME: rc = create_volume(db, a, p, parent, &row, fields, err); break;
	case WEIR_SEC_FUNCTION: rc = create_function(db, a, &row, fields, err); break;
	case WEIR_SEC_CREDENTIAL:
	case WEIR_SEC_EXTERNAL_LOCATION: rc = weir_storage_create(db, a, p, &row, fields, err); break;
	default: rc = weir_error_set(err, WEIR_E_INTERNAL_ERROR, "internal error");
	}
	if (rc != 0) {
		if (err->code == WEIR_E_RESOURCE_CONFLICT) /* lost a race on the unique index */
			already_exists(t, full, err);
		return -1;
	}
	cat_names names = {
		.catalog = t == WEIR_SEC_CATALOG || weir_sec_beside_catalogs(t) ? NULL
			   : t == WEIR_SEC_SCHEMA                               ? parent->chain[0].name
										: parent->chain[1].name,
		.schema = t >= WEIR_SEC_TABLE && !weir_sec_beside_catalogs(t) ? parent->chain[0].name : NULL,
	};
	if (full_out)
		*full_out = full;
	return weir_cat_store_info_jw(db, a, id, &names, false, false, false, w, err);

out_field:
	if (t == WEIR_SEC_FUNCTION)
		return weir_gov__field_within(err, "function_info");
	return -1;
}

json_t *weir_catalog_create(weir_db *db, weir_arena *a, const weir_principal *p, weir_sec_type t,
			    const weir_securable *parent, json_t *body, weir_error *err)
{
	weir_jw w;
	weir_jw_init(&w);
	return weir_jw_tree(&w, create_jw(db, a, p, t, parent, body, &w, NULL, err), err);
}

char *weir_catalog_create_text(weir_db *db, weir_arena *a, const weir_principal *p, weir_sec_type t,
			       const weir_securable *parent, json_t *body, const char **full_name, size_t *len,
			       weir_error *err)
{
	weir_jw w;
	weir_jw_init(&w);
	if (create_jw(db, a, p, t, parent, body, &w, full_name, err) != 0) {
		weir_jw_free(&w);
		return NULL;
	}
	return weir_jw_take(&w, len);
}

static cat_names names_of(const weir_securable *s)
{
	cat_names n = {NULL, NULL};
	if (s->depth == 2)
		n.catalog = s->chain[1].name;
	if (s->depth == 3) {
		n.catalog = s->chain[2].name;
		n.schema = s->chain[1].name;
	}
	return n;
}

json_t *weir_catalog_get(weir_db *db, weir_arena *a, const weir_securable *s, bool omit_columns, bool omit_properties,
			 weir_error *err)
{
	size_t len = 0;
	char *text = weir_catalog_get_text(db, a, s, omit_columns, omit_properties, &len, err);
	return weir_json_from_text(text, len, err);
}

char *weir_catalog_get_text(weir_db *db, weir_arena *a, const weir_securable *s, bool omit_columns,
			    bool omit_properties, size_t *len, weir_error *err)
{
	cat_names n = names_of(s);
	weir_jw w;
	weir_jw_init(&w);
	if (weir_cat_store_info_jw(db, a, s->id, &n, omit_columns, omit_properties, s->browse_only, &w, err) != 0) {
		weir_jw_free(&w);
		return NULL;
	}
	return weir_jw_take(&w, len);
}

/* The securable one level below parent: parent's chain shifted down, (id, t, name, owner)
 * first; its privileges not loaded yet. */
static void child_of(weir_securable *child, const weir_securable *parent, weir_sec_type t, const char *id,
		     const char *name, int64_t owner_id)
{
	*child = *parent;
	child->depth = parent->depth + 1;
	for (int i = child->depth - 1; i > 0; i--)
		child->chain[i] = parent->chain[i - 1];
	child->chain[0] = (weir_sec_level){id, t, name, owner_id};
	child->type = t;
	child->id = id;
	child->privs_loaded = false;
	child->browse_only = false;
}

/* A page of a list, {"<key>": [items...], "next_page_token": ...}, written as a scan finds
 * visible items: page_open writes up to the items, page_full counts each visible item (1,
 * stop the scan, when the page is full already: one more exists), page_close writes the rest
 * (the token only while more items remain) and takes the text. */
struct page {
	weir_jw w;
	int want; /* page size */
	int written;
	bool more;
};

static void page_open(struct page *pg, const char *key, int want)
{
	*pg = (struct page){.want = want};
	weir_jw_init(&pg->w);
	weir_jw_obj(&pg->w);
	weir_jw_key(&pg->w, key);
	weir_jw_arr(&pg->w);
}

static int page_full(struct page *pg)
{
	if (pg->written == pg->want) {
		pg->more = true;
		return 1;
	}
	pg->written++;
	return 0;
}

/* After one batch of the scan, which returned n (rows read of batch; -1 failed, or -2 stopped
 * by its visitor: by page_full, or failed): -1 with the page freed on failure, 1 when the page
 * is complete (full with one more item known, or the rows ran out), 0 for the next batch. */
static int page_batch_end(struct page *pg, int n, int batch)
{
	if (n == -1 || (n == -2 && !pg->more)) {
		weir_jw_free(&pg->w);
		return -1;
	}
	return pg->more || n < batch;
}

static char *page_close(struct page *pg, const char *next_page_token, size_t *len)
{
	weir_jw_end_arr(&pg->w);
	if (pg->more)
		weir_jw_kstr(&pg->w, "next_page_token", next_page_token);
	weir_jw_end_obj(&pg->w);
	return weir_jw_take(&pg->w, len);
}

struct list_ctx {
	weir_db *db;
	weir_arena *a;
	const weir_principal *p;
	const weir_securable *parent;
	weir_sec_type t;
	struct page *page;
	const char *last_name;
	const char *last_written; /* name of the last item in the page */
	bool omit_columns, omit_properties, include_browse;
	weir_error *err;
};

static int list_visit(void *vctx, const char *id, const char *name, int64_t owner_id)
{
	struct list_ctx *c = vctx;
	c->last_name = weir_arena_strdup(c->a, name);
	weir_securable child;
	child_of(&child, c->parent, c->t, weir_arena_strdup(c->a, id), c->last_name, owner_id);
	if ((c->t == WEIR_SEC_CATALOG || weir_sec_beside_catalogs(c->t)) && c->p) {
		/* A catalog's (credential's, location's) isolation and workspace binding are its
		 * own: resolve it as a GET would, so that the list shows exactly what a GET finds. */
		weir_error ignored = WEIR_ERROR_INIT;
		if (weir_gov_resolve_ex(c->db, c->a, c->p, c->t, c->last_name,
					c->include_browse ? WEIR_RESOLVE_INCLUDE_BROWSE : 0, &child, &ignored) != 0 ||
		    strcmp(child.id, id) != 0)
			return 0;
	}
	child.browse_only = false;
	if (c->p && !c->p->is_admin && !weir_gov_allowed(c->db, c->p, WEIR_OP_READ_METADATA, &child) &&
	    !(c->include_browse && (child.browse_only = weir_gov_browse_only(c->db, c->p, &child))))
		return 0;
	if (page_full(c->page))
		return 1;
	c->last_written = c->last_name;
	cat_names n = names_of(&child);
	if (c->t == WEIR_SEC_CATALOG || weir_sec_beside_catalogs(c->t))
		n.catalog = NULL;
	if (weir_cat_store_info_jw(c->db, c->a, child.id, &n, c->omit_columns, c->omit_properties, child.browse_only,
				   &c->page->w, c->err) != 0)
		return -1;
	return 0;
}

json_t *weir_catalog_list(weir_db *db, weir_arena *a, const weir_principal *p, weir_sec_type t,
			  const weir_securable *parent, const weir_page_req *pg, const char *key, bool omit_columns,
			  bool omit_properties, bool include_browse, weir_error *err)
{
	size_t len = 0;
	char *text = weir_catalog_list_text(db, a, p, t, parent, pg, key, omit_columns, omit_properties, include_browse,
					    &len, err);
	return weir_json_from_text(text, len, err);
}

char *weir_catalog_list_text(weir_db *db, weir_arena *a, const weir_principal *p, weir_sec_type t,
			     const weir_securable *parent, const weir_page_req *pg, const char *key, bool omit_columns,
			     bool omit_properties, bool include_browse, size_t *len, weir_error *err)
{
	int size = 100;
	if (weir_catalog_page_size(pg, &size, err) != 0)
		return NULL;
	weir_securable top = *parent;
	if (t == WEIR_SEC_CATALOG || weir_sec_beside_catalogs(t))
		top.depth = 0; /* these hang off the metastore, which is not in chains */
	struct page page;
	page_open(&page, key, size);
	struct list_ctx c = {
		.db = db,
		.a = a,
		.p = p,
		.parent = &top,
		.t = t,
		.page = &page,
		.omit_columns = omit_columns,
		.omit_properties = omit_properties,
		.include_browse = include_browse,
		.err = err,
	};
	const char *after = pg->page_token ? pg->page_token : "";
	/* Scan in batches until the page is full and one more visible item is known to exist,
	 * or the children run out: a token is given only while more remain. */
	for (;;) {
		int batch = size + 1 < 64 ? 64 : size + 1;
		c.last_name = NULL;
		int n = weir_cat_store_children(db, parent->id, t, after, batch, list_visit, &c, err);
		int end = page_batch_end(&page, n, batch);
		if (end < 0)
			return NULL;
		if (end)
			break;
		after = c.last_name;
	}
	return page_close(&page, c.last_written, len);
}

struct summary_ctx {
	weir_db *db;
	weir_arena *a;
	const weir_principal *p;
	const weir_securable *catalog;
	struct page *page;
	const char *last_schema, *last_table; /* the last row read (the next batch starts after it) */
	const char *page_schema, *page_table; /* the last row answered */
	const char *seen_schema_id; /* the schema whose visibility is known */
	bool schema_visible;
};

static int summary_visit(void *vctx, const cat_summary_row *row)
{
	struct summary_ctx *c = vctx;
	c->last_schema = weir_arena_strdup(c->a, row->schema_name);
	c->last_table = weir_arena_strdup(c->a, row->name);
	weir_securable sch;
	child_of(&sch, c->catalog, WEIR_SEC_SCHEMA, weir_arena_strdup(c->a, row->schema_id), c->last_schema,
		 row->schema_owner);
	if (c->p && !c->p->is_admin) {
		if (c->seen_schema_id == NULL || strcmp(c->seen_schema_id, sch.id) != 0) {
			c->seen_schema_id = sch.id;
			c->schema_visible = weir_gov_allowed(c->db, c->p, WEIR_OP_READ_METADATA, &sch);
		}
		if (!c->schema_visible)
			return 0;
		weir_securable t;
		child_of(&t, &sch, WEIR_SEC_TABLE, weir_arena_strdup(c->a, row->id), c->last_table, row->owner);
		if (!weir_gov_allowed(c->db, c->p, WEIR_OP_READ_METADATA, &t))
			return 0;
	}
	if (page_full(c->page))
		return 1;
	c->page_schema = c->last_schema;
	c->page_table = c->last_table;
	weir_jw *w = &c->page->w;
	weir_jw_obj(w);
	weir_jw_kstr(w, "full_name",
		     weir_arena_printf(c->a, "%s.%s.%s", c->catalog->chain[0].name, row->schema_name, row->name));
	if (row->table_type)
		weir_jw_kstr(w, "table_type", row->table_type);
	weir_jw_end_obj(w);
	return 0;
}

char *weir_catalog_table_summaries_text(weir_db *db, weir_arena *a, const weir_principal *p,
					const weir_securable *catalog, const char *schema_like, const char *table_like,
					const weir_page_req *pg, size_t *len, weir_error *err)
{
	if (pg->max_results < 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "max_results",
					"Invalid value for 'max_results': must be greater than or equal to 0"),
		       NULL;
	int size = pg->max_results == 0 || pg->max_results > 10000 ? 10000 : (int)pg->max_results;
	const char *after_schema = "", *after_table = "";
	if (pg->page_token && *pg->page_token) {
		const char *dot = strchr(pg->page_token, '.');
		if (dot == NULL || dot == pg->page_token || dot[1] == '\0')
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "page_token",
						"Invalid value for 'page_token': not a token this API gave"),
			       NULL;
		after_schema = weir_arena_strndup(a, pg->page_token, (size_t)(dot - pg->page_token));
		after_table = dot + 1;
	}
	struct page page;
	page_open(&page, "tables", size);
	struct summary_ctx c = {.db = db, .a = a, .p = p, .catalog = catalog, .page = &page};
	/* Batches until the page is full and one more visible table is known, or rows run out. */
	for (;;) {
		int batch = size + 1 < 256 ? 256 : size + 1;
		int n = weir_cat_store_table_summaries(db, catalog->id,
						       schema_like && *schema_like ? schema_like : NULL,
						       table_like && *table_like ? table_like : NULL, after_schema,
						       after_table, batch, summary_visit, &c, err);
		int end = page_batch_end(&page, n, batch);
		if (end < 0)
			return NULL;
		if (end)
			break;
		after_schema = c.last_schema;
		after_table = c.last_table;
	}
	return page_close(&page, page.more ? weir_arena_printf(a, "%s.%s", c.page_schema, c.page_table) : NULL, len);
}

static json_t *update(weir_db *db, weir_arena *a, const weir_principal *p, weir_securable *s, json_t *body, bool sql,
		      weir_error *err);

json_t *weir_catalog_update(weir_db *db, weir_arena *a, const weir_principal *p, weir_securable *s, json_t *body,
			    weir_error *err)
{
	return update(db, a, p, s, body, false, err);
}

/* A table column's comment (the warehouse's ALTER COLUMN c COMMENT). */
static int column_comment(weir_db *db, const weir_securable *s, json_t *cc, int64_t now, const char *by,
			  weir_error *err)
{
	const char *name = json_string_value(json_object_get(cc, "name"));
	const char *comment = json_string_value(json_object_get(cc, "comment"));
	if (name == NULL || comment == NULL)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "column_comment",
					"Invalid value for 'column_comment': expected {name, comment}");
	int changed = weir_cat_store_column_comment(db, s->id, name, comment, now, by, err);
	if (changed < 0)
		return -1;
	if (changed == 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "column_comment",
					"Table '%s' has no column '%.128s'", s->full_name, name);
	return 0;
}

/* New columns after the last one; a name the table has is refused. */
static int add_columns(weir_db *db, weir_arena *a, const weir_securable *s, json_t *cols, weir_error *err)
{
	int64_t next = weir_cat_store_next_position(db, s->id, err);
	if (next < 0)
		return -1;
	json_t *copy = weir_json_own(a, json_array());
	size_t i;
	json_t *c;
	json_array_foreach (cols, i, c) {
		const char *name = json_string_value(json_object_get(c, "name"));
		if (name && weir_cat_store_column_exists(db, s->id, name))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "add_columns",
						"Table '%s' already has a column '%.128s'", s->full_name, name);
		json_t *cc = json_deep_copy(c);
		json_object_set_new(cc, "position", json_integer(next + (json_int_t)i));
		json_array_append_new(copy, cc);
	}
	return table_columns(db, a, s->id, copy, err);
}

json_t *weir_catalog_update_sql(weir_db *db, weir_arena *a, const weir_principal *p, weir_securable *s, json_t *body,
				weir_error *err)
{
	json_t *cols = json_object_get(body, "add_columns");
	json_t *cc = json_object_get(body, "column_comment");
	if ((cols || cc) && s->type != WEIR_SEC_TABLE)
		return weir_error_set(err, WEIR_E_INVALID_PARAMETER_VALUE, "Only tables have columns"), NULL;
	if (cols && add_columns(db, a, s, cols, err) != 0)
		return NULL;
	/* CREATE OR REPLACE VIEW: the same securable (grants and lineage stay), a new query */
	const char *view = json_string_value(json_object_get(body, "view_definition"));
	json_t *replace = json_object_get(body, "replace_columns");
	if (view || replace) {
		if (s->type != WEIR_SEC_TABLE || view == NULL || !json_is_array(replace))
			return weir_error_set(err, WEIR_E_INVALID_PARAMETER_VALUE,
					      "A view is replaced with its definition and columns"),
			       NULL;
		if (weir_cat_store_set_text(db, s->id, "view_definition", view, weir_now_ms(), p->name, err) != 0 ||
		    weir_cat_store_delete_columns(db, s->id, err) != 0 ||
		    table_columns(db, a, s->id, replace, err) != 0)
			return NULL;
	}
	if (cc && column_comment(db, s, cc, weir_now_ms(), p->name, err) != 0)
		return NULL;
	/* CREATE OR REPLACE FUNCTION: the same securable (grants, owner and the filters and masks
	 * naming it stay), a new definition and comment */
	json_t *fi = json_object_get(body, "function_info");
	if (fi) {
		const char *spec, *comment = NULL, *dot = strrchr(s->full_name, '.');
		if (s->type != WEIR_SEC_FUNCTION || !json_is_object(fi))
			return weir_error_set(err, WEIR_E_INVALID_PARAMETER_VALUE,
					      "Only a function is replaced with a function_info"),
			       NULL;
		int64_t now = weir_now_ms();
		if (function_spec(a, dot ? dot + 1 : s->full_name, fi, &spec, err) != 0 ||
		    weir_json_get_str(fi, "comment", false, &comment, err) != 0 ||
		    weir_cat_store_set_text(db, s->id, "spec", spec, now, p->name, err) != 0 ||
		    weir_cat_store_set_text(db, s->id, "comment", comment, now, p->name, err) != 0)
			return NULL;
	}
	/* ALTER TABLE ... SET / DROP ROW FILTER, ALTER COLUMN ... SET / DROP MASK: in the spec */
	json_t *rf = json_object_get(body, "row_filter");
	json_t *cm = json_object_get(body, "column_mask");
	if (rf || cm) {
		if (s->type != WEIR_SEC_TABLE)
			return weir_error_set(err, WEIR_E_INVALID_PARAMETER_VALUE,
					      "Only tables have row filters and masks"),
			       NULL;
		const char *cur = weir_cat_store_text(db, a, s->id, "spec");
		json_t *spec = cur ? json_loads(cur, 0, NULL) : NULL;
		if (!json_is_object(spec)) {
			json_decref(spec);
			spec = json_object();
		}
		weir_json_own(a, spec);
		if (rf && json_is_null(rf))
			json_object_del(spec, "row_filter");
		else if (rf)
			json_object_set(spec, "row_filter", rf);
		if (cm) {
			const char *col = json_string_value(json_object_get(cm, "column"));
			json_t *mask = json_object_get(cm, "mask");
			if (col == NULL || mask == NULL)
				return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "column_mask",
							"Invalid value for 'column_mask': expected {column, mask}"),
				       NULL;
			if (!weir_cat_store_column_exists(db, s->id, col))
				return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "column_mask",
							"Table '%s' has no column '%.128s'", s->full_name, col),
				       NULL;
			json_t *masks = json_object_get(spec, "column_masks");
			if (!json_is_object(masks)) {
				masks = json_object();
				json_object_set_new(spec, "column_masks", masks);
			}
			if (json_is_null(mask))
				json_object_del(masks, col);
			else
				json_object_set(masks, col, mask);
		}
		if (weir_cat_store_set_text(db, s->id, "spec", weir_json_text(a, spec, JSON_COMPACT | JSON_SORT_KEYS),
					    weir_now_ms(), p->name, err) != 0)
			return NULL;
	}
	json_t *rest = weir_json_own(a, json_deep_copy(body));
	json_object_del(rest, "row_filter");
	json_object_del(rest, "column_mask");
	json_object_del(rest, "add_columns");
	json_object_del(rest, "column_comment");
	json_object_del(rest, "view_definition");
	json_object_del(rest, "replace_columns");
	json_object_del(rest, "function_info");
	return update(db, a, p, s, rest, true, err);
}

static json_t *update(weir_db *db, weir_arena *a, const weir_principal *p, weir_securable *s, json_t *body, bool sql,
		      weir_error *err)
{
	const char *comment = NULL, *new_name = NULL, *owner = NULL, *iso = NULL;
	json_t *props = NULL;
	/* UC's PATCH leaves a table's comment, properties and name alone; SQL's ALTER TABLE does not */
	bool allow_props = s->type == WEIR_SEC_CATALOG || s->type == WEIR_SEC_SCHEMA ||
			   (sql && s->type == WEIR_SEC_TABLE);
	bool allow_comment = s->type != WEIR_SEC_FUNCTION && (sql || s->type != WEIR_SEC_TABLE);
	bool allow_rename = allow_comment;
	if (weir_json_get_str(body, "comment", false, &comment, err) != 0 ||
	    weir_json_get_str(body, "new_name", false, &new_name, err) != 0 ||
	    weir_json_get_str(body, "owner", false, &owner, err) != 0 ||
	    weir_json_get_str(body, "isolation_mode", false, &iso, err) != 0 ||
	    (!weir_sec_beside_catalogs(s->type) && weir_json_get_str_map(body, "properties", &props, err) != 0))
		return NULL;
	int64_t now = weir_now_ms();
	if (weir_sec_beside_catalogs(s->type)) { /* their own fields, isolation_mode included */
		if (weir_storage_update(db, a, p, s, body, now, err) != 0)
			return NULL;
		iso = NULL;
	}
	if (comment && !allow_comment)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "comment",
					"Invalid field 'comment': a %s's comment cannot be updated",
					weir_sec_type_name(s->type)),
		       NULL;
	if (props && !allow_props)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "properties",
					"Invalid field 'properties': a %s's properties cannot be updated",
					weir_sec_type_name(s->type)),
		       NULL;
	if (new_name && !allow_rename)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "new_name",
					"Invalid field 'new_name': a %s cannot be renamed",
					weir_sec_type_name(s->type)),
		       NULL;
	if (iso && s->type != WEIR_SEC_CATALOG)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "isolation_mode",
					"Invalid field 'isolation_mode': only catalogs have an isolation mode"),
		       NULL;
	if (iso && strcmp(iso, "OPEN") != 0 && strcmp(iso, "ISOLATED") != 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "isolation_mode",
					"Invalid value for 'isolation_mode': expected OPEN or ISOLATED"),
		       NULL;
	int64_t owner_id = -1;
	if (owner) {
		owner_id = weir_gov_principal_id(db, owner, NULL, err);
		if (owner_id < 0) {
			err->status = 400;
			err->code = WEIR_E_INVALID_PARAMETER_VALUE;
			snprintf(err->field, sizeof(err->field), "owner");
			return NULL;
		}
	}
	const char *parent_id = NULL, *new_full = NULL;
	if (new_name) {
		if (weir_gov_name_check("new_name", new_name, err) != 0)
			return NULL;
		if (strcmp(new_name, s->chain[0].name) != 0) {
			/* the parent of a catalog (a credential, a location) is the metastore */
			if (s->type == WEIR_SEC_CATALOG || weir_sec_beside_catalogs(s->type)) {
				if ((parent_id = weir_gov_metastore_id(db, a, err)) == NULL)
					return NULL;
			} else {
				parent_id = s->chain[1].id;
			}
			new_full = new_name;
			if (s->type == WEIR_SEC_SCHEMA)
				new_full = weir_arena_printf(a, "%s.%s", s->chain[1].name, new_name);
			else if (s->depth == 3)
				new_full = weir_arena_printf(a, "%s.%s.%s", s->chain[2].name, s->chain[1].name,
							     new_name);
			if (weir_cat_store_name_taken(db, parent_id, s->type, new_name)) {
				already_exists(s->type, new_full, err);
				return NULL;
			}
		} else {
			new_name = NULL;
		}
	}
	if (comment && weir_cat_store_set_text(db, s->id, "comment", comment, now, p->name, err) != 0)
		return NULL;
	/* properties replace the whole map when non-empty (UC); an empty map changes nothing */
	if (props && json_object_size(props) > 0 &&
	    weir_cat_store_set_text(db, s->id, "properties", weir_json_text(a, props, JSON_COMPACT | JSON_SORT_KEYS),
				    now, p->name, err) != 0)
		return NULL;
	if (iso && weir_cat_store_set_text(db, s->id, "isolation_mode", iso, now, p->name, err) != 0)
		return NULL;
	/* Databricks binds the workspace that makes a catalog ISOLATED to it (read-write), so the
	 * catalog does not vanish from the workspace that isolated it. An OPEN catalog the caller
	 * may update has no READ_ONLY binding to this workspace (that refuses writes). */
	if (iso && strcmp(iso, "ISOLATED") == 0 &&
	    strcmp(s->catalog_isolation ? s->catalog_isolation : "OPEN", "ISOLATED") != 0 &&
	    weir_gov_store_binding_set(db, s->id, p->workspace_id, "BINDING_TYPE_READ_WRITE", err) != 0)
		return NULL;
	if (owner_id >= 0 && weir_cat_store_set_owner(db, s->id, owner_id, now, p->name, err) != 0)
		return NULL;
	if (new_name) {
		if (weir_cat_store_set_text(db, s->id, "name", new_name, now, p->name, err) != 0) {
			if (err->code == WEIR_E_RESOURCE_CONFLICT) /* the unique index saw the clash */
				already_exists(s->type, new_full, err);
			return NULL;
		}
		const char *old_full = s->full_name;
		s->chain[0].name = weir_arena_strdup(a, new_name);
		s->full_name = new_full;
		if (catalog_hook)
			catalog_hook(db, s->id, old_full, s->full_name);
	}
	return weir_catalog_get(db, a, s, false, false, err);
}

int weir_catalog_delete(weir_db *db, weir_arena *a, const weir_securable *s, bool force, weir_error *err)
{
	if (!force && (s->type == WEIR_SEC_CATALOG || s->type == WEIR_SEC_SCHEMA)) {
		int64_t n = weir_cat_store_count_children(db, s->id, -1, err);
		if (n < 0)
			return -1; /* fail closed: an uncounted catalog is not deleted */
		if (n > 0)
			return weir_error_set(
				err, WEIR_E_FAILED_PRECONDITION,
				"Cannot delete %s '%.300s': it is not empty. Use force=true to force deletion.",
				weir_sec_type_name(s->type), s->full_name);
	}
	if (weir_sec_beside_catalogs(s->type) && weir_storage_delete_check(db, a, s, force, err) != 0)
		return -1;
	if (catalog_hook)
		catalog_hook(db, s->id, s->full_name, NULL);
	return weir_cat_store_delete(db, s->id, err);
}
