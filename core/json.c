/* Strict request-body parsing and typed field getters (core/json.h). */
#include "core/json.h"
#include "core/util.h"

#include <math.h>
#include <string.h>

static void decref(void *p) { json_decref(p); }

json_t *weir_json_own(weir_arena *a, json_t *j)
{
	if (j != NULL)
		weir_arena_defer(a, decref, j);
	return j;
}

json_t *weir_json_parse_body(weir_arena *a, const char *body, size_t len, bool empty_ok, weir_error *err)
{
	size_t i = 0;
	while (i < len && (body[i] == ' ' || body[i] == '\n' || body[i] == '\r' || body[i] == '\t'))
		i++;
	if (i == len) {
		if (empty_ok)
			return weir_json_own(a, json_object());
		weir_error_set(err, WEIR_E_MALFORMED_REQUEST, "Request body is empty: a JSON object is required");
		return NULL;
	}
	if (!weir_utf8_valid(body, len)) {
		weir_error_set(err, WEIR_E_MALFORMED_REQUEST, "Request body is not valid UTF-8");
		return NULL;
	}
	json_error_t jerr;
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		weir_error_set(err, WEIR_E_MALFORMED_REQUEST, "Malformed JSON at line %d column %d: %.200s",
			       jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	weir_json_own(a, root);
	if (!json_is_object(root)) {
		weir_error_set(err, WEIR_E_MALFORMED_REQUEST, "Request body must be a JSON object");
		return NULL;
	}
	return root;
}

static json_t *lookup(json_t *obj, const char *key, bool required, weir_error *err, bool *missing)
{
	json_t *v = obj ? json_object_get(obj, key) : NULL;
	*missing = (v == NULL || json_is_null(v));
	if (*missing && required)
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, key, "Missing required field: %s", key);
	return v;
}

int weir_json_get_str(json_t *obj, const char *key, bool required, const char **out, weir_error *err)
{
	bool missing;
	json_t *v = lookup(obj, key, required, err, &missing);
	if (missing)
		return required ? -1 : 0;
	if (!json_is_string(v))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, key,
					"Invalid value for field '%s': expected a string", key);
	*out = json_string_value(v);
	return 0;
}

int weir_json_get_bool(json_t *obj, const char *key, bool required, bool *out, weir_error *err)
{
	bool missing;
	json_t *v = lookup(obj, key, required, err, &missing);
	if (missing)
		return required ? -1 : 0;
	if (!json_is_boolean(v))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, key,
					"Invalid value for field '%s': expected a boolean", key);
	*out = json_is_true(v);
	return 0;
}

int weir_json_get_i64(json_t *obj, const char *key, bool required, int64_t *out, weir_error *err)
{
	bool missing;
	json_t *v = lookup(obj, key, required, err, &missing);
	if (missing)
		return required ? -1 : 0;
	if (json_is_integer(v)) {
		*out = (int64_t)json_integer_value(v);
		return 0;
	}
	/* Protobuf JSON accepts int64 as strings too (MLflow clients send them so). */
	if (json_is_string(v) && weir_parse_i64(json_string_value(v), out))
		return 0;
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (d == floor(d) && fabs(d) < 9.007199254740992e15) {
			*out = (int64_t)d;
			return 0;
		}
	}
	return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, key,
				"Invalid value for field '%s': expected an integer", key);
}

int weir_json_get_obj(json_t *obj, const char *key, bool required, json_t **out, weir_error *err)
{
	bool missing;
	json_t *v = lookup(obj, key, required, err, &missing);
	if (missing)
		return required ? -1 : 0;
	if (!json_is_object(v))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, key,
					"Invalid value for field '%s': expected an object", key);
	*out = v;
	return 0;
}

int weir_json_get_arr(json_t *obj, const char *key, bool required, json_t **out, weir_error *err)
{
	bool missing;
	json_t *v = lookup(obj, key, required, err, &missing);
	if (missing)
		return required ? -1 : 0;
	if (!json_is_array(v))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, key,
					"Invalid value for field '%s': expected an array", key);
	*out = v;
	return 0;
}

int weir_json_get_str_map(json_t *obj, const char *key, json_t **out, weir_error *err)
{
	json_t *m = NULL;
	if (weir_json_get_obj(obj, key, false, &m, err) != 0)
		return -1;
	if (m == NULL)
		return 0;
	const char *k;
	json_t *v;
	json_object_foreach(m, k, v) {
		if (!json_is_string(v))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, key,
						"Invalid value for field '%s': property '%.100s' must be a string",
						key, k);
	}
	*out = m;
	return 0;
}

json_t *weir_json_str_or_null(const char *s)
{
	if (s == NULL)
		return json_null();
	json_t *j = json_string(s);
	return j ? j : json_null();
}

char *weir_json_dump(const json_t *j)
{
	return json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
}
