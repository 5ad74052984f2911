/* What each wire dialect answers for a code Weir's domain raises: one translation table per
 * dialect, here and nowhere else. The domain raises the codes of core/error.h (some still
 * named after the dialect that first needed them, e.g. CATALOG_NOT_FOUND: issue 9 makes them
 * neutral); a handler that answers in another dialect passes its error through its table
 * before weir_reply_error. */
#ifndef WEIR_API_DIALECT_H
#define WEIR_API_DIALECT_H

#include "core/error.h"

typedef enum weir_code_table {
	WEIR_CODES_MLFLOW, /* MLflow's registry routes */
	WEIR_CODES_MLFLOW_TRACKING, /* MLflow's tracking routes (experiments, runs, artifacts) */
	WEIR_CODES_UC_MODELS, /* Unity Catalog's model and model-version routes */
} weir_code_table;

/* Rewrites e->code and e->status by the table; codes the table does not name stay. */
void weir_dialect_translate(weir_code_table table, weir_error *e);

#endif
