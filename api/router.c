/* The route table and its matcher. Patterns are literal segments and `{name}` parameters;
 * a last `{name*}` takes the rest of the path. Routes are indexed once by their first four
 * segments when those are literal ("/api/2.1/unity-catalog/tables"): a request compares
 * its path with the handful of routes of its bucket plus the few whose leading segments
 * hold a parameter, in table order, instead of scanning all of them (measured: the scan
 * was ~5,000 instructions for a Unity Catalog route, the last tables but one). The list of
 * tables, weir_route_tables, comes from the module list in api/modules.c. */
#include "api/http.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Matches one pattern; fills r's params on success. */
static bool match(weir_req *r, const char *pat, const char *path)
{
	int np = 0;
	const char *names[WEIR_MAX_PATH_PARAMS], *vals[WEIR_MAX_PATH_PARAMS];
	size_t nlens[WEIR_MAX_PATH_PARAMS], vlens[WEIR_MAX_PATH_PARAMS];
	while (*pat && *path) {
		if (*pat != '{') {
			if (*pat != *path)
				return false;
			pat++;
			path++;
			continue;
		}
		const char *close = strchr(pat, '}');
		bool rest = close[-1] == '*';
		const char *end = rest ? path + strlen(path) : strchr(path, '/');
		if (end == NULL)
			end = path + strlen(path);
		if (end == path || np == WEIR_MAX_PATH_PARAMS)
			return false;
		names[np] = pat + 1;
		nlens[np] = (size_t)(close - pat - 1) - (rest ? 1 : 0);
		vals[np] = path;
		vlens[np] = (size_t)(end - path);
		np++;
		pat = close + 1;
		path = end;
	}
	if (*pat || *path)
		return false;
	for (int i = 0; i < np; i++) {
		r->param_names[i] = weir_arena_strndup(r->arena, names[i], nlens[i]);
		r->param_values[i] = weir_arena_strndup(r->arena, vals[i], vlens[i]);
	}
	r->nparams = np;
	return true;
}

#define KEY_SEGMENTS 4
#define SLOTS 2048 /* power of two, well above the number of routes (at most half of it) */

typedef struct bucket {
	char *key; /* NULL: empty slot */
	size_t klen;
	const weir_route **routes; /* in table order */
	int *ranks; /* their positions in the whole table */
	int n;
} bucket;

static bucket slots[SLOTS];
static const weir_route **loose; /* routes with a parameter in their first segments */
static int *loose_ranks;
static int nloose;
static int nroutes;
static pthread_once_t index_once = PTHREAD_ONCE_INIT;

/* Length of the first KEY_SEGMENTS segments of s ("/a/b/c/d"), or 0 when s has fewer
 * segments or, for a pattern, a parameter among them. */
static size_t key_len(const char *s, bool pattern)
{
	int seg = 0;
	size_t i = 0;
	for (; s[i]; i++) {
		if (pattern && s[i] == '{')
			return 0;
		if (s[i] == '/' && i > 0 && ++seg == KEY_SEGMENTS)
			return i;
	}
	return seg == KEY_SEGMENTS - 1 && i > 0 ? i : 0; /* exactly four segments */
}

static uint32_t hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static bucket *find(const char *key, size_t n, bool create)
{
	for (uint32_t i = hash(key, n) & (SLOTS - 1);; i = (i + 1) & (SLOTS - 1)) {
		bucket *b = &slots[i];
		if (b->key == NULL) {
			if (!create)
				return NULL;
			b->key = strndup(key, n);
			b->klen = n;
			return b;
		}
		if (b->klen == n && memcmp(b->key, key, n) == 0)
			return b;
	}
}

static void build_index(void)
{
	for (int t = 0; weir_route_tables[t]; t++)
		for (const weir_route *rt = weir_route_tables[t]; rt->method; rt++)
			nroutes++;
	loose = calloc((size_t)nroutes + 1, sizeof(*loose));
	loose_ranks = calloc((size_t)nroutes + 1, sizeof(*loose_ranks));
	if (loose == NULL || loose_ranks == NULL || nroutes >= SLOTS / 2)
		abort();
	int rank = 0;
	for (int t = 0; weir_route_tables[t]; t++) {
		for (const weir_route *rt = weir_route_tables[t]; rt->method; rt++, rank++) {
			size_t k = key_len(rt->pattern, true);
			if (k == 0) {
				loose_ranks[nloose] = rank;
				loose[nloose++] = rt;
				continue;
			}
			bucket *b = find(rt->pattern, k, true);
			const weir_route **grown = realloc(b->routes, sizeof(*grown) * (size_t)(b->n + 1));
			int *granks = grown ? realloc(b->ranks, sizeof(*granks) * (size_t)(b->n + 1)) : NULL;
			if (b->key == NULL || grown == NULL || granks == NULL)
				abort();
			b->routes = grown;
			b->ranks = granks;
			b->ranks[b->n] = rank;
			b->routes[b->n++] = rt;
		}
	}
}

/* Tries one candidate; returns it on a full match with the method. */
static const weir_route *try_route(weir_req *r, const weir_route *rt, const char *method, const char *path,
				   bool *method_mismatch)
{
	if (!match(r, rt->pattern, path))
		return NULL;
	if (strcmp(rt->method, method) == 0)
		return rt;
	*method_mismatch = true;
	return NULL;
}

const weir_route *weir_route_match(weir_req *r, const char *method, const char *path, bool *method_mismatch)
{
	pthread_once(&index_once, build_index);
	*method_mismatch = false;
	size_t k = key_len(path, false);
	bucket *b = k ? find(path, k, false) : NULL;
	/* the bucket's routes and the loose ones, merged in table order: the first match wins
	 * exactly as in a scan of the whole table */
	int i = 0, j = 0;
	int bn = b ? b->n : 0;
	while (i < bn || j < nloose) {
		const weir_route *rt;
		if (j >= nloose || (i < bn && b->ranks[i] < loose_ranks[j]))
			rt = b->routes[i++];
		else
			rt = loose[j++];
		const weir_route *hit = try_route(r, rt, method, path, method_mismatch);
		if (hit)
			return hit;
	}
	r->nparams = 0;
	return NULL;
}

int weir_routes_validate(weir_error *err)
{
	for (int t = 0; weir_route_tables[t]; t++) {
		for (const weir_route *rt = weir_route_tables[t]; rt->method; rt++) {
			if (rt->handler == NULL || rt->pattern == NULL || rt->pattern[0] != '/')
				return weir_error_set(err, WEIR_E_INTERNAL_ERROR,
						      "route %s %s: no handler or bad pattern", rt->method,
						      rt->pattern ? rt->pattern : "(null)");
			if (rt->rule.kind == WEIR_RULE_NONE)
				return weir_error_set(err, WEIR_E_INTERNAL_ERROR,
						      "route %s %s declares no authorization rule", rt->method,
						      rt->pattern);
			if (rt->rule.kind == WEIR_RULE_SECURABLE && rt->rule.op == WEIR_OP_NONE)
				return weir_error_set(err, WEIR_E_INTERNAL_ERROR,
						      "route %s %s: a securable rule needs an operation", rt->method,
						      rt->pattern);
			if (rt->rule.kind == WEIR_RULE_OBJECT && rt->rule.level <= 0)
				return weir_error_set(err, WEIR_E_INTERNAL_ERROR,
						      "route %s %s: an object rule needs a level", rt->method,
						      rt->pattern);
			if (rt->action == NULL || rt->service == NULL)
				return weir_error_set(err, WEIR_E_INTERNAL_ERROR,
						      "route %s %s has no audit service/action", rt->method,
						      rt->pattern);
			for (const char *c = rt->pattern; *c; c++) {
				if (*c == '{') {
					const char *close = strchr(c, '}');
					if (close == NULL || close == c + 1 || (close[-1] == '*' && close[1] != '\0'))
						return weir_error_set(err, WEIR_E_INTERNAL_ERROR,
								      "route %s %s: bad parameter", rt->method,
								      rt->pattern);
				}
			}
			/* duplicates: same method and pattern twice */
			for (int u = 0; weir_route_tables[u]; u++)
				for (const weir_route *o = weir_route_tables[u]; o->method; o++)
					if (o != rt && strcmp(o->method, rt->method) == 0 &&
					    strcmp(o->pattern, rt->pattern) == 0)
						return weir_error_set(err, WEIR_E_INTERNAL_ERROR,
								      "route %s %s is declared twice", rt->method,
								      rt->pattern);
		}
	}
	return 0;
}
