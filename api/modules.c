/* Start and stop of the domain modules' process state (background workers, hooks), called
 * by weir_app_open after the database is ready and by weir_app_close before it closes.
 * Each module adds one line to each function. */
#include "api/app.h"
#include "api/auth.h"
#include "api/modules.h"

int weir_modules_start(weir_app *app, weir_error *err)
{
	(void)app;
	(void)err;
	if (weir_jwks_load(app, err) != 0) /* api/jwt.c: --jwks */
		return -1;
	{ int weir_webhooks_worker_start(weir_db_pool *, weir_error *); if (weir_webhooks_worker_start(app->pool, err) != 0) return -1; } /* registry/webhooks.c */
	{ void weir_lineage_start(void); weir_lineage_start(); } /* lineage/lineage.c: catalog hook (drops, renames) */
	{ void weir_artifacts_start(void); weir_artifacts_start(); } /* registry/artifacts.c: claims cache watch */
	return 0;
}

void weir_modules_stop(weir_app *app)
{
	(void)app;
	{ void weir_webhooks_worker_stop(void); weir_webhooks_worker_stop(); } /* registry/webhooks.c */
	{ void weir_artifacts_stop(void); weir_artifacts_stop(); } /* registry/artifacts.c: claims cache */
}
