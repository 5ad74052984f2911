/* Liveness, readiness, the authenticated no-op route used as the benchmark ceiling, and the
 * Prometheus metrics (admin only here; --metrics-listen serves the same text without a token). */
#include "api/app.h"
#include "api/http.h"
#include "core/metrics.h"

static int healthz(weir_req *r) { return weir_reply_json(r, 200, json_pack("{s:s}", "status", "ok")); }

static int readyz(weir_req *r)
{
	if (!atomic_load(&r->app->ready))
		return weir_reply_json(r, 503, json_pack("{s:s}", "status", "starting"));
	if (!weir_db_pool_ready(r->app->pool)) /* PostgreSQL unreachable: a balancer skips us */
		return weir_reply_json(
			r, 503, json_pack("{s:s, s:s}", "status", "store_unreachable", "store", weir_db_store_kind()));
	return weir_reply_json(r, 200,
			       json_pack("{s:s, s:i}", "status", "ready", "schema_version",
					 weir_db_pool_schema_version(r->app->pool)));
}

static int noop(weir_req *r) { return weir_reply_json(r, 200, json_object()); }

static int metrics(weir_req *r)
{
	weir_buf b = {0};
	weir_metrics_render(&b);
	int rc = weir_reply_text(r, 200, WEIR_METRICS_CONTENT_TYPE, b.data ? b.data : "");
	weir_buf_release(&b);
	return rc;
}

const weir_route weir_routes_system[] = {
	{"GET", "/healthz", healthz, RULE_PUBLIC, WEIR_DIALECT_DATABRICKS, "weir", "healthz", WEIR_ROUTE_NO_AUDIT},
	{"GET", "/readyz", readyz, RULE_PUBLIC, WEIR_DIALECT_DATABRICKS, "weir", "readyz", WEIR_ROUTE_NO_AUDIT},
	{"GET", "/api/2.0/weir/noop", noop, RULE_AUTHENTICATED, WEIR_DIALECT_DATABRICKS, "weir", "noop",
	 WEIR_ROUTE_NO_AUDIT},
	{"GET", "/metrics", metrics, RULE_ADMIN, WEIR_DIALECT_DATABRICKS, "weir", "metrics", WEIR_ROUTE_NO_AUDIT},
	{0},
};
