/* Fuzz target: the strict request-body parser (core/json.c weir_json_parse_body: UTF-8 check,
 * duplicate keys refused, object only) and the typed getters on whatever it accepts. The
 * input is the raw body, embedded NULs included.
 *
 * Oracles besides the sanitizers: the body parser accepts exactly what jansson's json_loadb
 * accepts (an object), into an equal tree; an accepted body is valid UTF-8 and a JSON object, and it
 * survives dump + parse unchanged; weir_utf8_valid agrees with jansson's own UTF-8 check
 * (json_stringn); every getter either succeeds with a value of the type it names or refuses
 * with 400 naming the key; a required absent key is always refused. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/json.h"
#include "core/util.h"
#include "fuzz/fuzz_env.h"

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_json: %s\n", what);
		abort();
	}
}

/* A refusal from a getter names the key (truncated to the field's size) and is a 400. */
static void check_refusal(const weir_error *e, const char *key)
{
	fuzz_expect_4xx("getter", e);
	check(e->code == WEIR_E_INVALID_PARAMETER_VALUE, "getter refusal is not INVALID_PARAMETER_VALUE");
	check(strncmp(e->field, key, sizeof(e->field) - 1) == 0, "getter refusal does not name the key");
}

static void getters(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	bool absent = v == NULL || json_is_null(v);
	for (int required = 0; required < 2; required++) {
		weir_error e = WEIR_ERROR_INIT;
		const char *s = NULL;
		int rc = weir_json_get_str(obj, key, required, &s, &e);
		if (rc == 0)
			check(absent ? s == NULL && !required : json_is_string(v) && s == json_string_value(v),
			      "get_str");
		else
			check_refusal(&e, key);

		bool b = false;
		weir_error_clear(&e);
		rc = weir_json_get_bool(obj, key, required, &b, &e);
		if (rc == 0)
			check(absent ? !required : json_is_boolean(v) && b == json_is_true(v), "get_bool");
		else
			check_refusal(&e, key);

		int64_t i = 0;
		weir_error_clear(&e);
		rc = weir_json_get_i64(obj, key, required, &i, &e);
		if (rc == 0)
			check(absent ? !required && i == 0 : json_is_number(v) || json_is_string(v), "get_i64");
		else
			check_refusal(&e, key);
		if (rc == 0 && json_is_integer(v))
			check(i == (int64_t)json_integer_value(v), "get_i64 value");

		json_t *o = NULL;
		weir_error_clear(&e);
		rc = weir_json_get_obj(obj, key, required, &o, &e);
		if (rc == 0)
			check(absent ? o == NULL && !required : o == v && json_is_object(o), "get_obj");
		else
			check_refusal(&e, key);

		weir_error_clear(&e);
		rc = weir_json_get_arr(obj, key, required, &o, &e);
		if (rc == 0)
			check(absent ? !required : json_is_array(v), "get_arr");
		else
			check_refusal(&e, key);

		check(!absent || rc != 0 || !required, "required absent key accepted");
	}
	weir_error e = WEIR_ERROR_INIT;
	json_t *m = NULL;
	if (weir_json_get_str_map(obj, key, &m, &e) == 0) {
		const char *k;
		json_t *x;
		if (m != NULL)
			json_object_foreach (m, k, x)
				check(json_is_string(x), "get_str_map let a non-string through");
	} else {
		check_refusal(&e, key);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	bool utf8 = weir_utf8_valid(body, size);
	json_t *js = json_stringn(body, size);
	check(utf8 == (js != NULL), "weir_utf8_valid disagrees with jansson");
	json_decref(js);

	weir_arena *a = weir_arena_new(1024);
	/* the body parser is our own (core/json.c parse_strict): jansson's json_loadb with the
	 * same flags is the reference; both accept the same bodies, into equal trees */
	json_t *ref = utf8 ? json_loadb(body, size, JSON_REJECT_DUPLICATES, NULL) : NULL;
	size_t lead = 0;
	while (lead < size && strchr(" \t\r\n", body[lead]) != NULL && body[lead] != '\0')
		lead++;
	if (lead < size) {
		weir_error e = WEIR_ERROR_INIT;
		json_t *mine = weir_json_parse_body(a, body, size, false, &e);
		bool ref_ok = ref != NULL && json_is_object(ref);
		/* jansson's stream takes a NUL byte for the end of its buffer and reads on past it
		 * ({"":0e8<NUL>} parses): a NUL outside a string is malformed JSON, refused here */
		bool nul = memchr(body, '\0', size) != NULL;
		check((mine != NULL) == ref_ok || (nul && mine == NULL),
		      "the body parser and json_loadb disagree on accepting");
		check(mine == NULL || json_equal(mine, ref), "the body parser's tree differs from json_loadb's");
	}
	json_decref(ref);
	for (int empty_ok = 0; empty_ok < 2; empty_ok++) {
		weir_error e = WEIR_ERROR_INIT;
		json_t *root = weir_json_parse_body(a, body, size, empty_ok, &e);
		if (root == NULL) {
			fuzz_expect_4xx("weir_json_parse_body", &e);
			check(e.code == WEIR_E_MALFORMED_REQUEST, "body refusal is not MALFORMED_REQUEST");
			continue;
		}
		check(json_is_object(root), "accepted a body that is not an object");
		check(utf8, "accepted invalid UTF-8");

		char *dump = weir_json_dump(root);
		check(dump != NULL, "dump failed");
		json_t *again = weir_json_parse_body(a, dump, strlen(dump), false, &e);
		check(again != NULL && json_equal(root, again), "dump + parse changed the body");
		free(dump);

		/* the getters on every key, one level down too, and on keys that are absent */
		const char *k;
		json_t *v;
		getters(root, "absent");
		json_object_foreach (root, k, v) {
			getters(root, k);
			if (json_is_object(v)) {
				const char *k2;
				json_t *v2;
				json_object_foreach (v, k2, v2)
					getters(v, k2);
			}
		}
		getters(NULL, "x");
	}
	weir_arena_free(a);
	return 0;
}
