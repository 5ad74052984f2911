/* The translation tables of api/dialect.h. */
#include "api/dialect.h"

#include <stddef.h>

typedef struct code_map {
	weir_code from;
	weir_object obj; /* WEIR_OBJ_ANY: whatever the error is about */
	weir_code to;
	int status;
} code_map;

#define END                                       \
	{                                         \
		WEIR_OK, WEIR_OBJ_ANY, WEIR_OK, 0 \
	}

/* MLflow knows RESOURCE_DOES_NOT_EXIST (404), RESOURCE_ALREADY_EXISTS (400, not 409) and
 * INVALID_PARAMETER_VALUE for every malformed argument (shared/reference/mlflow-api.md), on
 * registry and tracking routes alike. A body that is not JSON included: MLflow's server reads
 * it as no body at all (`get_json(force=True, silent=True)`), and what it answers then is the
 * required argument's INVALID_PARAMETER_VALUE. */
static const code_map MLFLOW[] = {
	{WEIR_E_NOT_FOUND, WEIR_OBJ_ANY, WEIR_E_RESOURCE_DOES_NOT_EXIST, 404},
	{WEIR_E_ALREADY_EXISTS, WEIR_OBJ_ANY, WEIR_E_RESOURCE_ALREADY_EXISTS, 400},
	{WEIR_E_INVALID_ARGUMENT, WEIR_OBJ_ANY, WEIR_E_INVALID_PARAMETER_VALUE, 400},
	{WEIR_E_MALFORMED_REQUEST, WEIR_OBJ_ANY, WEIR_E_INVALID_PARAMETER_VALUE, 400},
	{WEIR_E_FAILED_PRECONDITION, WEIR_OBJ_ANY, WEIR_E_INVALID_PARAMETER_VALUE, 400},
	{WEIR_E_OUT_OF_RANGE, WEIR_OBJ_ANY, WEIR_E_INVALID_PARAMETER_VALUE, 400},
	END,
};

/* Unity Catalog names the missing or existing catalog, schema or table in its code (400 for
 * *_ALREADY_EXISTS); volumes, functions and workspaces that exist answer
 * RESOURCE_ALREADY_EXISTS (400); the platform objects (workspaces, tokens, secrets, lineage
 * edges) that do not, RESOURCE_DOES_NOT_EXIST. Everything else keeps the generic NOT_FOUND
 * (404) and ALREADY_EXISTS (409), as UC's models do. */
static const code_map DATABRICKS[] = {
	{WEIR_E_NOT_FOUND, WEIR_OBJ_CATALOG, WEIR_E_CATALOG_NOT_FOUND, 404},
	{WEIR_E_NOT_FOUND, WEIR_OBJ_SCHEMA, WEIR_E_SCHEMA_NOT_FOUND, 404},
	{WEIR_E_NOT_FOUND, WEIR_OBJ_TABLE, WEIR_E_TABLE_NOT_FOUND, 404},
	{WEIR_E_NOT_FOUND, WEIR_OBJ_WORKSPACE, WEIR_E_RESOURCE_DOES_NOT_EXIST, 404},
	{WEIR_E_NOT_FOUND, WEIR_OBJ_TOKEN, WEIR_E_RESOURCE_DOES_NOT_EXIST, 404},
	{WEIR_E_NOT_FOUND, WEIR_OBJ_SECRET, WEIR_E_RESOURCE_DOES_NOT_EXIST, 404},
	{WEIR_E_NOT_FOUND, WEIR_OBJ_LINEAGE_EDGE, WEIR_E_RESOURCE_DOES_NOT_EXIST, 404},
	{WEIR_E_ALREADY_EXISTS, WEIR_OBJ_CATALOG, WEIR_E_CATALOG_ALREADY_EXISTS, 400},
	{WEIR_E_ALREADY_EXISTS, WEIR_OBJ_SCHEMA, WEIR_E_SCHEMA_ALREADY_EXISTS, 400},
	{WEIR_E_ALREADY_EXISTS, WEIR_OBJ_TABLE, WEIR_E_TABLE_ALREADY_EXISTS, 400},
	{WEIR_E_ALREADY_EXISTS, WEIR_OBJ_VOLUME, WEIR_E_RESOURCE_ALREADY_EXISTS, 400},
	{WEIR_E_ALREADY_EXISTS, WEIR_OBJ_FUNCTION, WEIR_E_RESOURCE_ALREADY_EXISTS, 400},
	{WEIR_E_ALREADY_EXISTS, WEIR_OBJ_WORKSPACE, WEIR_E_RESOURCE_ALREADY_EXISTS, 400},
	END,
};

/* SCIM and OAuth bodies carry the status only (and SCIM a scimType from it). */
static const code_map NONE[] = {END};

void weir_dialect_translate(weir_dialect d, weir_error *e)
{
	const code_map *m = d == WEIR_DIALECT_MLFLOW ? MLFLOW : d == WEIR_DIALECT_DATABRICKS ? DATABRICKS : NONE;
	for (; m->from != WEIR_OK; m++) {
		if (m->from == e->code && (m->obj == WEIR_OBJ_ANY || m->obj == e->obj)) {
			e->code = m->to;
			e->status = m->status;
			return;
		}
	}
}
