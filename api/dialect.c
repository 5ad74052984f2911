/* The translation tables of api/dialect.h. */
#include "api/dialect.h"

#include <stddef.h>

typedef struct code_map {
	weir_code from, to;
	int status;
} code_map;

/* MLflow knows RESOURCE_DOES_NOT_EXIST (404), RESOURCE_ALREADY_EXISTS (400, not 409) and
 * INVALID_PARAMETER_VALUE for every malformed argument (shared/reference/mlflow-api.md). */
static const code_map MLFLOW[] = {
	{WEIR_E_NOT_FOUND, WEIR_E_RESOURCE_DOES_NOT_EXIST, 404},
	{WEIR_E_CATALOG_NOT_FOUND, WEIR_E_RESOURCE_DOES_NOT_EXIST, 404},
	{WEIR_E_SCHEMA_NOT_FOUND, WEIR_E_RESOURCE_DOES_NOT_EXIST, 404},
	{WEIR_E_TABLE_NOT_FOUND, WEIR_E_RESOURCE_DOES_NOT_EXIST, 404},
	{WEIR_E_ALREADY_EXISTS, WEIR_E_RESOURCE_ALREADY_EXISTS, 400},
	{WEIR_E_CATALOG_ALREADY_EXISTS, WEIR_E_RESOURCE_ALREADY_EXISTS, 400},
	{WEIR_E_SCHEMA_ALREADY_EXISTS, WEIR_E_RESOURCE_ALREADY_EXISTS, 400},
	{WEIR_E_TABLE_ALREADY_EXISTS, WEIR_E_RESOURCE_ALREADY_EXISTS, 400},
	{WEIR_E_INVALID_ARGUMENT, WEIR_E_INVALID_PARAMETER_VALUE, 400},
	{WEIR_E_MALFORMED_REQUEST, WEIR_E_INVALID_PARAMETER_VALUE, 400},
	{WEIR_E_FAILED_PRECONDITION, WEIR_E_INVALID_PARAMETER_VALUE, 400},
	{WEIR_E_OUT_OF_RANGE, WEIR_E_INVALID_PARAMETER_VALUE, 400},
	{WEIR_E_INVALID_STATE, WEIR_E_INVALID_PARAMETER_VALUE, 400},
	{WEIR_OK, WEIR_OK, 0},
};

/* The tracking routes answer a body that is not JSON with BAD_REQUEST (clients map 400s by
 * code); everything else as raised. The registry's table above says INVALID_PARAMETER_VALUE
 * for the same error: the two surfaces have always differed, and clients of each rely on
 * what they answer (issue 9 records it). */
static const code_map MLFLOW_TRACKING[] = {
	{WEIR_E_MALFORMED_REQUEST, WEIR_E_BAD_REQUEST, 400},
	{WEIR_OK, WEIR_OK, 0},
};

/* Unity Catalog's model routes use the generic codes: ALREADY_EXISTS (409), NOT_FOUND. */
static const code_map UC_MODELS[] = {
	{WEIR_E_RESOURCE_ALREADY_EXISTS, WEIR_E_ALREADY_EXISTS, 409},
	{WEIR_E_RESOURCE_DOES_NOT_EXIST, WEIR_E_NOT_FOUND, 404},
	{WEIR_OK, WEIR_OK, 0},
};

void weir_dialect_translate(weir_code_table table, weir_error *e)
{
	const code_map *m = table == WEIR_CODES_MLFLOW            ? MLFLOW
			    : table == WEIR_CODES_MLFLOW_TRACKING ? MLFLOW_TRACKING
								  : UC_MODELS;
	for (; m->from != WEIR_OK; m++) {
		if (m->from == e->code) {
			e->code = m->to;
			if (m->status)
				e->status = m->status;
			return;
		}
	}
}
