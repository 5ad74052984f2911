/* Liveness, readiness and the authenticated no-op route used as the benchmark ceiling. */
#include "api/app.h"
#include "api/http.h"

static int healthz(weir_req *r)
{
	return weir_reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

static int readyz(weir_req *r)
{
	if (!atomic_load(&r->app->ready))
		return weir_reply_json(r, 503, json_pack("{s:s}", "status", "starting"));
	return weir_reply_json(r, 200, json_pack("{s:s, s:i}", "status", "ready", "schema_version",
						 weir_db_pool_schema_version(r->app->pool)));
}

static int noop(weir_req *r)
{
	return weir_reply_json(r, 200, json_object());
}

const weir_route weir_routes_system[] = {
	{"GET", "/healthz", healthz, RULE_PUBLIC, WEIR_DIALECT_DATABRICKS, "weir", "healthz", WEIR_ROUTE_NO_AUDIT},
	{"GET", "/readyz", readyz, RULE_PUBLIC, WEIR_DIALECT_DATABRICKS, "weir", "readyz", WEIR_ROUTE_NO_AUDIT},
	{"GET", "/api/2.0/weir/noop", noop, RULE_AUTHENTICATED, WEIR_DIALECT_DATABRICKS, "weir", "noop", WEIR_ROUTE_NO_AUDIT},
	{0},
};
