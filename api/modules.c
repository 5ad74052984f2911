/* The modules of this binary, one entry each, and their start and stop, called by
 * weir_app_open after the database is ready and by weir_app_close before it closes.
 *
 * One line of WEIR_MODULE_LIST is a module:
 *   M(name, (route tables...), api start hook, api stop hook, workers)
 * From that list come both weir_modules[] (the descriptors) and weir_route_tables[] (every
 * route table in match order, which the router, `weir routes` and the metrics use): the
 * list is expanded twice, so the route tables are known at compile time and need no
 * start-up step. Hooks and workers may be NULL; WORKERS(...) writes a list of workers
 * (core/module.h), each {name, start, stop}. */
#include "api/modules.h"

#include <stdbool.h>
#include <stdio.h>

#include "api/auth.h"
#include "lineage/lineage.h"
#include "registry/artifacts.h"
#include "registry/webhooks.h"
#include "warehouse/warehouse.h"
#include "workflows/notify.h"
#include "workflows/dag.h"
#include "workflows/workflows.h"

#define WORKERS(...) ((const weir_worker[]){__VA_ARGS__, {NULL, NULL, NULL}})

/* Adapters for domain hooks that need neither the pool nor an error. */
static int lineage_start(weir_db_pool *pool, weir_error *err)
{
	(void)pool;
	(void)err;
	weir_lineage_start(); /* the catalog hook (drops, renames) */
	return 0;
}

static int artifacts_start(weir_db_pool *pool, weir_error *err)
{
	(void)pool;
	(void)err;
	weir_artifacts_start(); /* the watch of the model-version sources' claims cache */
	return 0;
}

/* sql_task runs a saved query through the warehouse, on an engine executor thread. */
static int sql_task_run(weir_db_pool *pool, const weir_engine_task *t, weir_engine_result *res)
{
	weir_wh_task_result r = {0};
	int rc = weir_wh_sql_task_run(pool, t->task, t->run_as_id, t->workspace_id, t->run_id, t->task_run_id, &r);
	res->ok = rc == 0 && r.ok;
	snprintf(res->message, sizeof res->message, "%s", r.message);
	res->values = r.values;
	return rc;
}

/* The engine takes its settings from the server's configuration. */
static int workflows_start(weir_app *app, weir_error *err)
{
	weir_engine_cfg cfg = {.data_dir = app->cfg.data_dir,
			       .allow_command_tasks = app->cfg.allow_command_tasks,
			       .log_limit = app->cfg.task_log_limit,
			       .task_slots = app->cfg.task_slots,
			       .host = app->cfg.listen_host,
			       .port = &app->bound_port};
	weir_engine_register(WEIR_TT_SQL, sql_task_run);
	return weir_engine_start(app->pool, &cfg, err);
}

/* The warehouse: calls waiting for a statement (wait_timeout) are deferred replies, which
 * answer at once when the server starts draining. */
static int warehouse_start(weir_app *app, weir_error *err)
{
	(void)app;
	(void)err;
	weir_req_drain_hook = weir_wh_drain;
	return 0;
}

static void workflows_stop(weir_app *app)
{
	(void)app;
	weir_engine_stop();
}

/* In order: routes match in this order (the first match wins: keep a table with general
 * patterns after those it would shadow), modules start in this order and stop in reverse. */
#define WEIR_MODULE_LIST(M)                                                                                      \
	M(system, (weir_routes_system), weir_jwks_load /* api/jwt.c: --jwks */, NULL, NULL)                      \
	M(governance,                                                                                            \
	  (weir_routes_tokens, weir_routes_uc, weir_routes_identity, weir_routes_grants, weir_routes_workspaces, \
	   weir_routes_tags, weir_routes_policies),                                                              \
	  NULL, NULL, NULL)                                                                                      \
	M(registry, (weir_routes_mlflow), NULL, NULL,                                                            \
	  WORKERS({"webhooks", weir_webhooks_worker_start, weir_webhooks_worker_stop},                           \
		  {"artifact claims", artifacts_start, weir_artifacts_stop}))                                    \
	M(tracking, (weir_routes_tracking), NULL, NULL, NULL)                                                    \
	M(lineage, (weir_routes_lineage), NULL, NULL, WORKERS({"catalog hook", lineage_start, NULL}))            \
	M(notifications, (weir_routes_notifications), NULL, NULL,                                                \
	  WORKERS({"notifications", weir_notify_worker_start, weir_notify_worker_stop}))                         \
	M(warehouse, (weir_routes_warehouse, weir_routes_files), warehouse_start, NULL,                          \
	  WORKERS({"warehouse executors", weir_wh_start, weir_wh_stop}))                                         \
	M(workflows, (weir_routes_jobs), workflows_start, workflows_stop, NULL)                                  \
	M(ui, (weir_routes_ui), weir_ui_oauth_load /* api/handlers/ui_oauth.c */, NULL, NULL)

#define UNPAREN(...) __VA_ARGS__
#define AS_TABLES(id, tables, start_, stop_, workers_) UNPAREN tables,
#define AS_MODULE(id, tables, start_, stop_, workers_)                \
	{.name = #id,                                                 \
	 .routes = (const weir_route *const[]){UNPAREN tables, NULL}, \
	 .start = start_,                                             \
	 .stop = stop_,                                               \
	 .workers = workers_},

const weir_route *const weir_route_tables[] = {WEIR_MODULE_LIST(AS_TABLES) NULL};
const weir_module weir_modules[] = {WEIR_MODULE_LIST(AS_MODULE){.name = NULL}};

#define MAX_MODULES 32

/* What weir_modules_start has started, for weir_modules_stop: modules [0, nstarted), and of
 * each, its hook and its first `workers` workers. */
static struct {
	bool hook;
	int workers;
} started[MAX_MODULES];
static int nstarted;

int weir_modules_start(weir_app *app, weir_error *err)
{
	for (int m = 0; weir_modules[m].name; m++) {
		const weir_module *mod = &weir_modules[m];
		if (m == MAX_MODULES)
			return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "more than %d modules", MAX_MODULES);
		started[m].hook = false;
		started[m].workers = 0;
		nstarted = m + 1;
		if (mod->start && mod->start(app, err) != 0)
			goto out_stop;
		started[m].hook = true;
		for (const weir_worker *w = mod->workers; w && w->name; w++) {
			if (w->start && w->start(app->pool, err) != 0)
				goto out_stop;
			started[m].workers++;
		}
	}
	return 0;
out_stop:
	weir_modules_stop(app);
	return -1;
}

void weir_modules_stop(weir_app *app)
{
	for (int m = nstarted - 1; m >= 0; m--) {
		const weir_module *mod = &weir_modules[m];
		for (int i = started[m].workers - 1; i >= 0; i--)
			if (mod->workers[i].stop)
				mod->workers[i].stop();
		if (started[m].hook && mod->stop)
			mod->stop(app);
	}
	nstarted = 0;
}
