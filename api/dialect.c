/* The translation table of api/dialect.h: rows by dialect, first match wins. */
#include "api/dialect.h"

#include <stddef.h>

typedef struct code_map {
	weir_dialect d;
	weir_code from;
	weir_object obj; /* WEIR_OBJ_ANY: whatever the error is about */
	weir_code to;
	int status;
} code_map;

#define ML WEIR_DIALECT_MLFLOW
#define DB WEIR_DIALECT_DATABRICKS

/* MLflow (ML) knows RESOURCE_DOES_NOT_EXIST (404), RESOURCE_ALREADY_EXISTS (400, not 409)
 * and INVALID_PARAMETER_VALUE for every malformed argument (shared/reference/mlflow-api.md),
 * on registry and tracking routes alike. A body that is not JSON included: MLflow's server
 * reads it as no body at all (`get_json(force=True, silent=True)`), and what it answers then
 * is the required argument's INVALID_PARAMETER_VALUE.
 *
 * Unity Catalog (DB) names the missing or existing catalog, schema or table in its code (400
 * for *_ALREADY_EXISTS); volumes, functions and workspaces that exist answer
 * RESOURCE_ALREADY_EXISTS (400), storage credentials and external locations
 * STORAGE_CREDENTIAL_ALREADY_EXISTS and EXTERNAL_LOCATION_ALREADY_EXISTS (400, as UC OSS);
 * the platform objects (workspaces, tokens, secrets, lineage edges) that do not,
 * RESOURCE_DOES_NOT_EXIST. Everything else keeps the generic NOT_FOUND
 * (404) and ALREADY_EXISTS (409), as UC's models do.
 *
 * SCIM and OAuth bodies carry the status only (and SCIM a scimType from it): no rows. */
static const code_map MAP[] = {
	{ML, WEIR_E_NOT_FOUND, WEIR_OBJ_ANY, WEIR_E_RESOURCE_DOES_NOT_EXIST, 404},
	{ML, WEIR_E_ALREADY_EXISTS, WEIR_OBJ_ANY, WEIR_E_RESOURCE_ALREADY_EXISTS, 400},
	{ML, WEIR_E_INVALID_ARGUMENT, WEIR_OBJ_ANY, WEIR_E_INVALID_PARAMETER_VALUE, 400},
	{ML, WEIR_E_MALFORMED_REQUEST, WEIR_OBJ_ANY, WEIR_E_INVALID_PARAMETER_VALUE, 400},
	{ML, WEIR_E_FAILED_PRECONDITION, WEIR_OBJ_ANY, WEIR_E_INVALID_PARAMETER_VALUE, 400},
	{ML, WEIR_E_OUT_OF_RANGE, WEIR_OBJ_ANY, WEIR_E_INVALID_PARAMETER_VALUE, 400},
	{DB, WEIR_E_NOT_FOUND, WEIR_OBJ_CATALOG, WEIR_E_CATALOG_NOT_FOUND, 404},
	{DB, WEIR_E_NOT_FOUND, WEIR_OBJ_SCHEMA, WEIR_E_SCHEMA_NOT_FOUND, 404},
	{DB, WEIR_E_NOT_FOUND, WEIR_OBJ_TABLE, WEIR_E_TABLE_NOT_FOUND, 404},
	{DB, WEIR_E_NOT_FOUND, WEIR_OBJ_WORKSPACE, WEIR_E_RESOURCE_DOES_NOT_EXIST, 404},
	{DB, WEIR_E_NOT_FOUND, WEIR_OBJ_TOKEN, WEIR_E_RESOURCE_DOES_NOT_EXIST, 404},
	{DB, WEIR_E_NOT_FOUND, WEIR_OBJ_SECRET, WEIR_E_RESOURCE_DOES_NOT_EXIST, 404},
	{DB, WEIR_E_NOT_FOUND, WEIR_OBJ_LINEAGE_EDGE, WEIR_E_RESOURCE_DOES_NOT_EXIST, 404},
	{DB, WEIR_E_NOT_FOUND, WEIR_OBJ_POLICY, WEIR_E_RESOURCE_DOES_NOT_EXIST, 404},
	{DB, WEIR_E_ALREADY_EXISTS, WEIR_OBJ_CATALOG, WEIR_E_CATALOG_ALREADY_EXISTS, 400},
	{DB, WEIR_E_ALREADY_EXISTS, WEIR_OBJ_SCHEMA, WEIR_E_SCHEMA_ALREADY_EXISTS, 400},
	{DB, WEIR_E_ALREADY_EXISTS, WEIR_OBJ_TABLE, WEIR_E_TABLE_ALREADY_EXISTS, 400},
	{DB, WEIR_E_ALREADY_EXISTS, WEIR_OBJ_VOLUME, WEIR_E_RESOURCE_ALREADY_EXISTS, 400},
	{DB, WEIR_E_ALREADY_EXISTS, WEIR_OBJ_FUNCTION, WEIR_E_RESOURCE_ALREADY_EXISTS, 400},
	{DB, WEIR_E_ALREADY_EXISTS, WEIR_OBJ_WORKSPACE, WEIR_E_RESOURCE_ALREADY_EXISTS, 400},
	{DB, WEIR_E_ALREADY_EXISTS, WEIR_OBJ_POLICY, WEIR_E_RESOURCE_ALREADY_EXISTS, 400},
	{DB, WEIR_E_ALREADY_EXISTS, WEIR_OBJ_CREDENTIAL, WEIR_E_STORAGE_CREDENTIAL_ALREADY_EXISTS, 400},
	{DB, WEIR_E_ALREADY_EXISTS, WEIR_OBJ_EXTERNAL_LOCATION, WEIR_E_EXTERNAL_LOCATION_ALREADY_EXISTS, 400},
};

void weir_dialect_translate(weir_dialect d, weir_error *e)
{
	for (size_t i = 0; i < sizeof(MAP) / sizeof(MAP[0]); i++) {
		const code_map *m = &MAP[i];
		if (m->d == d && m->from == e->code && (m->obj == WEIR_OBJ_ANY || m->obj == e->obj)) {
			e->code = m->to;
			e->status = m->status;
			return;
		}
	}
}
