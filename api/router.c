/* The route table and its matcher. Patterns are literal segments and `{name}` parameters;
 * a last `{name*}` takes the rest of the path. Matching is a linear scan over segment
 * comparisons: a few hundred routes cost well under a microsecond. */
#include "api/http.h"

#include <stdio.h>
#include <string.h>

const weir_route *const weir_route_tables[] = {
	weir_routes_system, weir_routes_tokens, weir_routes_uc, weir_routes_identity,
	weir_routes_grants, weir_routes_workspaces, weir_routes_tags, weir_routes_mlflow, weir_routes_tracking, weir_routes_lineage,
	NULL,
};

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

const weir_route *weir_route_match(weir_req *r, const char *method, const char *path, bool *method_mismatch)
{
	*method_mismatch = false;
	for (int t = 0; weir_route_tables[t]; t++) {
		for (const weir_route *rt = weir_route_tables[t]; rt->method; rt++) {
			if (!match(r, rt->pattern, path))
				continue;
			if (strcmp(rt->method, method) == 0)
				return rt;
			*method_mismatch = true;
		}
	}
	r->nparams = 0;
	return NULL;
}

int weir_routes_validate(weir_error *err)
{
	for (int t = 0; weir_route_tables[t]; t++) {
		for (const weir_route *rt = weir_route_tables[t]; rt->method; rt++) {
			if (rt->handler == NULL || rt->pattern == NULL || rt->pattern[0] != '/')
				return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "route %s %s: no handler or bad pattern",
						      rt->method, rt->pattern ? rt->pattern : "(null)");
			if (rt->rule.kind == WEIR_RULE_NONE)
				return weir_error_set(err, WEIR_E_INTERNAL_ERROR,
						      "route %s %s declares no authorization rule", rt->method, rt->pattern);
			if (rt->rule.kind == WEIR_RULE_SECURABLE && rt->rule.op == WEIR_OP_NONE)
				return weir_error_set(err, WEIR_E_INTERNAL_ERROR,
						      "route %s %s: a securable rule needs an operation", rt->method, rt->pattern);
			if (rt->action == NULL || rt->service == NULL)
				return weir_error_set(err, WEIR_E_INTERNAL_ERROR,
						      "route %s %s has no audit service/action", rt->method, rt->pattern);
			for (const char *c = rt->pattern; *c; c++) {
				if (*c == '{') {
					const char *close = strchr(c, '}');
					if (close == NULL || close == c + 1 || (close[-1] == '*' && close[1] != '\0'))
						return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "route %s %s: bad parameter",
								      rt->method, rt->pattern);
				}
			}
			/* duplicates: same method and pattern twice */
			for (int u = 0; weir_route_tables[u]; u++)
				for (const weir_route *o = weir_route_tables[u]; o->method; o++)
					if (o != rt && strcmp(o->method, rt->method) == 0 && strcmp(o->pattern, rt->pattern) == 0)
						return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "route %s %s is declared twice",
								      rt->method, rt->pattern);
		}
	}
	return 0;
}
