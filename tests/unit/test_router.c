/* The route matcher (api/router.c) indexes routes by their first literal segments; it must
 * answer exactly what a scan of the whole table in order answers: the first route whose
 * pattern matches with the method, or "method mismatch" when only other methods match. */
#include "testutil.h"

#include "api/dialect.h"
#include "api/http.h"

/* The reference: every route in table order, the pattern matched segment by segment. */
static bool ref_match(const char *pat, const char *path)
{
	while (*pat && *path) {
		if (*pat != '{') {
			if (*pat++ != *path++)
				return false;
			continue;
		}
		const char *close = strchr(pat, '}');
		bool rest = close[-1] == '*';
		const char *end = rest ? path + strlen(path) : strchr(path, '/');
		if (end == NULL)
			end = path + strlen(path);
		if (end == path)
			return false;
		pat = close + 1;
		path = end;
	}
	return *pat == '\0' && *path == '\0';
}

static const weir_route *ref_route(const char *method, const char *path, bool *mismatch)
{
	*mismatch = false;
	for (int t = 0; weir_route_tables[t]; t++)
		for (const weir_route *rt = weir_route_tables[t]; rt->method; rt++) {
			if (!ref_match(rt->pattern, path))
				continue;
			if (strcmp(rt->method, method) == 0)
				return rt;
			*mismatch = true;
		}
	return NULL;
}

/* A concrete path for a pattern: each parameter becomes `fill` (or "a/b" for a rest one). */
static void concrete(const char *pat, const char *fill, char *out, size_t cap)
{
	size_t n = 0;
	while (*pat && n + 8 < cap) {
		if (*pat != '{') {
			out[n++] = *pat++;
			continue;
		}
		const char *close = strchr(pat, '}');
		const char *v = close[-1] == '*' ? "a/b.txt" : fill;
		for (const char *c = v; *c && n + 8 < cap; c++)
			out[n++] = *c;
		pat = close + 1;
	}
	out[n] = '\0';
}

static void check(const char *method, const char *path)
{
	weir_arena *a = weir_arena_new(1024);
	weir_req *r = weir_arena_calloc(a, sizeof(*r));
	r->arena = a;
	bool m1 = false, m2 = false;
	const weir_route *got = weir_route_match(r, method, path, &m1);
	const weir_route *want = ref_route(method, path, &m2);
	if (got != want || (want == NULL && m1 != m2)) {
		fprintf(stderr, "%s %s: index %s %s (mismatch %d), scan %s %s (mismatch %d)\n", method, path,
			got ? got->method : "-", got ? got->pattern : "-", m1, want ? want->method : "-",
			want ? want->pattern : "-", m2);
		fail();
	}
	weir_arena_free(a);
}

static void test_index_equals_scan(void **state)
{
	(void)state;
	static const char *const methods[] = {"GET", "POST", "PATCH", "PUT", "DELETE"};
	static const char *const fills[] = {"x", "main.default.t", "exists", "a.b", "%"};
	int routes = 0;
	for (int t = 0; weir_route_tables[t]; t++)
		for (const weir_route *rt = weir_route_tables[t]; rt->method; rt++, routes++) {
			for (size_t f = 0; f < sizeof(fills) / sizeof(fills[0]); f++) {
				char path[1024];
				concrete(rt->pattern, fills[f], path, sizeof(path));
				for (size_t m = 0; m < sizeof(methods) / sizeof(methods[0]); m++) {
					check(methods[m], path);
					/* near misses: a trailing slash, one more segment, one fewer character */
					char more[1100];
					snprintf(more, sizeof(more), "%s/", path);
					check(methods[m], more);
					snprintf(more, sizeof(more), "%s/extra", path);
					check(methods[m], more);
					size_t n = strlen(path);
					if (n > 1) {
						snprintf(more, sizeof(more), "%.*s", (int)(n - 1), path);
						check(methods[m], more);
					}
				}
			}
		}
	assert_true(routes > 100);
	/* paths that match nothing, or only through the short, parameterised routes */
	const char *odd[] = {"/",
			     "",
			     "/api",
			     "/api/2.1",
			     "/api/2.1/unity-catalog",
			     "/healthz",
			     "/readyz/x",
			     "/api/v1/lineage",
			     "/oidc/v1/token",
			     "//",
			     "/api//2.1/unity-catalog/tables",
			     "/x/y/z/w/v"};
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++)
		for (size_t m = 0; m < sizeof(methods) / sizeof(methods[0]); m++)
			check(methods[m], odd[i]);
}

/* Path parameters come back decoded from the matched route. */
static void test_params(void **state)
{
	(void)state;
	weir_arena *a = weir_arena_new(1024);
	weir_req *r = weir_arena_calloc(a, sizeof(*r));
	r->arena = a;
	bool mismatch = false;
	const weir_route *rt = weir_route_match(r, "GET", "/api/2.1/unity-catalog/tables/main.default.t", &mismatch);
	assert_non_null(rt);
	assert_string_equal(rt->pattern, "/api/2.1/unity-catalog/tables/{full_name}");
	assert_string_equal(weir_req_param(r, "full_name"), "main.default.t");
	rt = weir_route_match(r, "PUT", "/api/2.1/unity-catalog/tables/main.default.t", &mismatch);
	assert_null(rt);
	assert_true(mismatch);
	weir_arena_free(a);
}

/* Proves the dialect tables: MLflow (registry and tracking alike) answers a missing object
 * RESOURCE_DOES_NOT_EXIST 404, an existing one RESOURCE_ALREADY_EXISTS 400 and a malformed
 * body INVALID_PARAMETER_VALUE; Databricks names a missing or existing catalog, schema or table
 * in its code, platform objects RESOURCE_DOES_NOT_EXIST, and keeps NOT_FOUND / ALREADY_EXISTS
 * 409 for the rest (UC models); a code no table names is left as raised. */
static void test_dialect_tables(void **state)
{
	(void)state;
	struct {
		weir_dialect d;
		weir_code in;
		weir_object obj;
		weir_code out;
		int status;
	} cases[] = {
		{WEIR_DIALECT_MLFLOW, WEIR_E_NOT_FOUND, WEIR_OBJ_CATALOG, WEIR_E_RESOURCE_DOES_NOT_EXIST, 404},
		{WEIR_DIALECT_MLFLOW, WEIR_E_NOT_FOUND, WEIR_OBJ_ANY, WEIR_E_RESOURCE_DOES_NOT_EXIST, 404},
		{WEIR_DIALECT_MLFLOW, WEIR_E_ALREADY_EXISTS, WEIR_OBJ_TABLE, WEIR_E_RESOURCE_ALREADY_EXISTS, 400},
		{WEIR_DIALECT_MLFLOW, WEIR_E_ALREADY_EXISTS, WEIR_OBJ_ANY, WEIR_E_RESOURCE_ALREADY_EXISTS, 400},
		{WEIR_DIALECT_MLFLOW, WEIR_E_MALFORMED_REQUEST, WEIR_OBJ_ANY, WEIR_E_INVALID_PARAMETER_VALUE, 400},
		{WEIR_DIALECT_MLFLOW, WEIR_E_INVALID_ARGUMENT, WEIR_OBJ_ANY, WEIR_E_INVALID_PARAMETER_VALUE, 400},
		{WEIR_DIALECT_MLFLOW, WEIR_E_INVALID_STATE, WEIR_OBJ_ANY, WEIR_E_INVALID_STATE, 400},
		{WEIR_DIALECT_MLFLOW, WEIR_E_PERMISSION_DENIED, WEIR_OBJ_ANY, WEIR_E_PERMISSION_DENIED, 403},
		{WEIR_DIALECT_DATABRICKS, WEIR_E_NOT_FOUND, WEIR_OBJ_CATALOG, WEIR_E_CATALOG_NOT_FOUND, 404},
		{WEIR_DIALECT_DATABRICKS, WEIR_E_NOT_FOUND, WEIR_OBJ_SCHEMA, WEIR_E_SCHEMA_NOT_FOUND, 404},
		{WEIR_DIALECT_DATABRICKS, WEIR_E_NOT_FOUND, WEIR_OBJ_TABLE, WEIR_E_TABLE_NOT_FOUND, 404},
		{WEIR_DIALECT_DATABRICKS, WEIR_E_NOT_FOUND, WEIR_OBJ_TOKEN, WEIR_E_RESOURCE_DOES_NOT_EXIST, 404},
		{WEIR_DIALECT_DATABRICKS, WEIR_E_NOT_FOUND, WEIR_OBJ_VOLUME, WEIR_E_NOT_FOUND, 404},
		{WEIR_DIALECT_DATABRICKS, WEIR_E_NOT_FOUND, WEIR_OBJ_ANY, WEIR_E_NOT_FOUND, 404},
		{WEIR_DIALECT_DATABRICKS, WEIR_E_ALREADY_EXISTS, WEIR_OBJ_CATALOG, WEIR_E_CATALOG_ALREADY_EXISTS, 400},
		{WEIR_DIALECT_DATABRICKS, WEIR_E_ALREADY_EXISTS, WEIR_OBJ_WORKSPACE, WEIR_E_RESOURCE_ALREADY_EXISTS,
		 400},
		{WEIR_DIALECT_DATABRICKS, WEIR_E_ALREADY_EXISTS, WEIR_OBJ_ANY, WEIR_E_ALREADY_EXISTS, 409},
		{WEIR_DIALECT_DATABRICKS, WEIR_E_MALFORMED_REQUEST, WEIR_OBJ_ANY, WEIR_E_MALFORMED_REQUEST, 400},
		{WEIR_DIALECT_SCIM, WEIR_E_NOT_FOUND, WEIR_OBJ_CATALOG, WEIR_E_NOT_FOUND, 404},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		weir_error e;
		weir_error_obj(&e, cases[i].in, cases[i].obj, NULL, "x");
		weir_dialect_translate(cases[i].d, &e);
		assert_int_equal(e.code, cases[i].out);
		assert_int_equal(e.status, cases[i].status);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index_equals_scan),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_dialect_tables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
