/* Fuzz target: URL handling before a handler runs: the percent-decoding libmicrohttpd calls
 * on every path (the `unescape` callback of api/server.c, reached by including that file, as
 * h2o's tests include the .c under test for its statics) and route matching over every
 * route table (weir_route_match, api/router.c) with the path parameters it extracts.
 *
 * Input: one byte choosing the method, then the raw request path (up to a NUL).
 *
 * Oracles: decoding never grows the text, never yields a NUL byte (%00 becomes 0x01) and
 * returns the decoded length; a match has a method equal to the request's (or no match),
 * at most WEIR_MAX_PATH_PARAMS parameters, each non-empty, `{name}` values without '/', and
 * substituting the values into the pattern gives back the path exactly. */
#include "api/server.c"

#include <stdint.h>

#include "fuzz/fuzz_env.h"

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_router: %s\n", what);
		abort();
	}
}

/* The pattern with each {name} / {name*} replaced by its value (arena). */
static const char *rebuild(weir_req *r, const char *pat)
{
	weir_buf b = {0};
	int i = 0;
	while (*pat) {
		if (*pat != '{') {
			weir_buf_append(&b, pat++, 1);
			continue;
		}
		const char *close = strchr(pat, '}');
		check(close != NULL && i < r->nparams, "pattern and parameters disagree");
		weir_buf_append(&b, r->param_values[i], strlen(r->param_values[i]));
		i++;
		pat = close + 1;
	}
	check(i == r->nparams, "more parameters than the pattern has");
	const char *out = weir_arena_strdup(r->arena, b.data ? b.data : "");
	weir_buf_release(&b);
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "get"};
	if (size < 1)
		return 0;
	weir_arena *a = weir_arena_new(1024);
	const char *method = methods[data[0] & 7];
	char *raw = weir_arena_strndup(a, (const char *)data + 1, size - 1);
	size_t rawlen = strlen(raw);
	char *path = weir_arena_strdup(a, raw);
	size_t n = unescape(NULL, NULL, path);
	check(n == strlen(path), "unescape returned a length other than the text's");
	check(n <= rawlen, "unescape grew the text");
	if (memchr(raw, '%', rawlen) == NULL)
		check(strcmp(raw, path) == 0, "unescape changed a path without '%'");

	weir_req *r = weir_arena_calloc(a, sizeof(*r));
	r->arena = a;
	for (int pass = 0; pass < 2; pass++) {
		/* the decoded path, as the server routes it, then the raw one */
		const char *p = pass == 0 ? path : raw;
		bool mismatch = true;
		const weir_route *rt = weir_route_match(r, method, p, &mismatch);
		if (rt == NULL) {
			check(r->nparams == 0, "parameters left behind by a failed match");
			continue;
		}
		check(strcmp(rt->method, method) == 0, "matched a route of another method");
		check(r->nparams >= 0 && r->nparams <= WEIR_MAX_PATH_PARAMS, "parameter count out of range");
		for (int i = 0; i < r->nparams; i++) {
			const char *name = r->param_names[i];
			const char *val = r->param_values[i];
			check(name != NULL && *name != '\0' && val != NULL && *val != '\0', "empty parameter");
			check(weir_req_param(r, name) != NULL, "weir_req_param cannot find a matched parameter");
			/* a one-segment parameter holds no '/': find how the pattern spells it */
			char *key = weir_arena_printf(a, "{%s}", name);
			if (strstr(rt->pattern, key) != NULL &&
			    strstr(rt->pattern, weir_arena_printf(a, "{%s*}", name)) == NULL)
				check(strchr(val, '/') == NULL, "a {name} parameter spans segments");
		}
		check(strcmp(rebuild(r, rt->pattern), p) == 0, "pattern with the parameters is not the path");
	}
	weir_arena_free(a);
	return 0;
}
