/* Names of securable types, privileges and operations; which privilege applies to which
 * securable type (Databricks' privilege reference); UC name validation and full names. */
#include "governance/governance.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const sec_names[WEIR_SEC__COUNT] = {
	"metastore",          "catalog",           "schema", "table", "volume", "function", "registered_model",
	"storage_credential", "external_location",
};

const char *weir_sec_type_name(weir_sec_type t) { return (unsigned)t < WEIR_SEC__COUNT ? sec_names[t] : "unknown"; }

bool weir_sec_beside_catalogs(weir_sec_type t) { return t == WEIR_SEC_CREDENTIAL || t == WEIR_SEC_EXTERNAL_LOCATION; }

static const struct {
	const char *label;
	weir_object obj;
} sec_errors[WEIR_SEC__COUNT] = {
	[WEIR_SEC_METASTORE] = {"Metastore", WEIR_OBJ_ANY},
	[WEIR_SEC_CATALOG] = {"Catalog", WEIR_OBJ_CATALOG},
	[WEIR_SEC_SCHEMA] = {"Schema", WEIR_OBJ_SCHEMA},
	[WEIR_SEC_TABLE] = {"Table", WEIR_OBJ_TABLE},
	[WEIR_SEC_VOLUME] = {"Volume", WEIR_OBJ_VOLUME},
	[WEIR_SEC_FUNCTION] = {"Function", WEIR_OBJ_FUNCTION},
	[WEIR_SEC_MODEL] = {"Registered model", WEIR_OBJ_ANY}, /* UC's models: the generic codes */
	[WEIR_SEC_CREDENTIAL] = {"Storage credential", WEIR_OBJ_CREDENTIAL},
	[WEIR_SEC_EXTERNAL_LOCATION] = {"External location", WEIR_OBJ_EXTERNAL_LOCATION},
};

const char *weir_sec_type_label(weir_sec_type t)
{
	return (unsigned)t < WEIR_SEC__COUNT ? sec_errors[t].label : "Object";
}

weir_object weir_sec_type_object(weir_sec_type t)
{
	return (unsigned)t < WEIR_SEC__COUNT ? sec_errors[t].obj : WEIR_OBJ_ANY;
}

int weir_sec_type_parse(const char *s, weir_sec_type *out)
{
	if (s == NULL)
		return -1;
	for (int i = 0; i < WEIR_SEC__COUNT; i++) {
		if (strcasecmp(s, sec_names[i]) == 0) {
			*out = (weir_sec_type)i;
			return 0;
		}
	}
	if (strcasecmp(s, "model") == 0 || strcasecmp(s, "registered-model") == 0) {
		*out = WEIR_SEC_MODEL;
		return 0;
	}
	if (strcasecmp(s, "credential") == 0) { /* Unity Catalog OSS's name */
		*out = WEIR_SEC_CREDENTIAL;
		return 0;
	}
	return -1;
}

static const char *const priv_wire[WEIR_PRIV__COUNT] = {
#define WEIR_X_PRIV(n, s) #n,
	WEIR_PRIVILEGES(WEIR_X_PRIV)
#undef WEIR_X_PRIV
};
static const char *const priv_sql[WEIR_PRIV__COUNT] = {
#define WEIR_X_PRIV(n, s) s,
	WEIR_PRIVILEGES(WEIR_X_PRIV)
#undef WEIR_X_PRIV
};

int weir_priv_parse(const char *s)
{
	if (s == NULL)
		return -1;
	for (int i = 0; i < WEIR_PRIV__COUNT; i++)
		if (strcasecmp(s, priv_wire[i]) == 0 || strcasecmp(s, priv_sql[i]) == 0)
			return i;
	return -1;
}

const char *weir_priv_name(weir_priv p) { return (unsigned)p < WEIR_PRIV__COUNT ? priv_wire[p] : "UNKNOWN"; }

#define B(p) WEIR_PRIV_BIT(WEIR_PRIV_##p)

/* Privileges grantable per securable type. Catalog and schema also take the privileges of
 * their children, which then apply to every current and future child. */
static const uint64_t applies[WEIR_SEC__COUNT] = {
	[WEIR_SEC_METASTORE] = B(CREATE_CATALOG) | B(CREATE_EXTERNAL_LOCATION) | B(CREATE_STORAGE_CREDENTIAL) |
			       B(CREATE_CONNECTION) | B(CREATE_SHARE) | B(CREATE_RECIPIENT) | B(CREATE_PROVIDER),
	[WEIR_SEC_CATALOG] = B(ALL_PRIVILEGES) | B(APPLY_TAG) | B(BROWSE) | B(CREATE_SCHEMA) | B(USE_CATALOG) |
			     B(MANAGE) | B(CREATE_FUNCTION) | B(CREATE_TABLE) | B(CREATE_MATERIALIZED_VIEW) |
			     B(CREATE_MODEL) | B(CREATE_VOLUME) | B(EXTERNAL_USE_SCHEMA) | B(READ_VOLUME) | B(REFRESH) |
			     B(WRITE_VOLUME) | B(EXECUTE) | B(MODIFY) | B(SELECT) | B(USE_SCHEMA),
	[WEIR_SEC_SCHEMA] = B(ALL_PRIVILEGES) | B(APPLY_TAG) | B(CREATE_FUNCTION) | B(CREATE_TABLE) | B(CREATE_MODEL) |
			    B(CREATE_VOLUME) | B(CREATE_MATERIALIZED_VIEW) | B(MANAGE) | B(EXTERNAL_USE_SCHEMA) |
			    B(USE_SCHEMA) | B(EXECUTE) | B(MODIFY) | B(READ_VOLUME) | B(REFRESH) | B(SELECT) |
			    B(WRITE_VOLUME) | B(BROWSE),
	[WEIR_SEC_TABLE] = B(ALL_PRIVILEGES) | B(APPLY_TAG) | B(MANAGE) | B(SELECT) | B(MODIFY) | B(REFRESH) |
			   B(BROWSE),
	[WEIR_SEC_VOLUME] = B(ALL_PRIVILEGES) | B(APPLY_TAG) | B(MANAGE) | B(READ_VOLUME) | B(WRITE_VOLUME) | B(BROWSE),
	[WEIR_SEC_FUNCTION] = B(ALL_PRIVILEGES) | B(EXECUTE) | B(MANAGE) | B(BROWSE),
	[WEIR_SEC_MODEL] = B(ALL_PRIVILEGES) | B(APPLY_TAG) | B(EXECUTE) | B(MANAGE) | B(BROWSE),
	[WEIR_SEC_CREDENTIAL] = B(ALL_PRIVILEGES) | B(CREATE_EXTERNAL_LOCATION) | B(CREATE_EXTERNAL_TABLE) |
				B(READ_FILES) | B(WRITE_FILES) | B(MANAGE),
	[WEIR_SEC_EXTERNAL_LOCATION] = B(ALL_PRIVILEGES) | B(BROWSE) | B(CREATE_EXTERNAL_TABLE) |
				       B(CREATE_EXTERNAL_VOLUME) | B(CREATE_MANAGED_STORAGE) | B(READ_FILES) |
				       B(WRITE_FILES) | B(MANAGE),
};

bool weir_priv_applies(weir_priv p, weir_sec_type t)
{
	if ((unsigned)p >= WEIR_PRIV__COUNT || (unsigned)t >= WEIR_SEC__COUNT)
		return false;
	return (applies[t] & WEIR_PRIV_BIT(p)) != 0;
}

static const char *const op_names[WEIR_OP__COUNT] = {
	"none",         "read_metadata",  "list_children",   "create_catalog",    "create_schema",
	"create_table", "create_volume",  "create_function", "create_model",      "update",
	"delete",       "transfer_owner", "manage_grants",   "read_grants",       "apply_tag",
	"read_data",    "write_data",     "lineage_write",   "create_credential", "create_external_location",
};

const char *weir_op_name(weir_op op) { return (unsigned)op < WEIR_OP__COUNT ? op_names[op] : "unknown"; }

bool weir_op_is_write(weir_op op)
{
	switch (op) {
	case WEIR_OP_NONE:
	case WEIR_OP_READ_METADATA:
	case WEIR_OP_LIST_CHILDREN:
	case WEIR_OP_READ_GRANTS:
	case WEIR_OP_READ_DATA: return false;
	default: return true;
	}
}

int weir_gov_name_check(const char *field, const char *name, weir_error *err)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
					"Invalid value for '%s': a name cannot be empty", field);
	if (n > 255)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
					"Invalid value for '%s': a name cannot be longer than 255 characters", field);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!(isalnum(c) || c == '_' || c == '@' || c == '-'))
			return weir_error_field(
				err, WEIR_E_INVALID_PARAMETER_VALUE, field,
				"Invalid value for '%s': a name may contain only letters, digits, "
				"'_', '@' and '-' (no period, space, forward-slash or control characters)",
				field);
	}
	return 0;
}

int weir_gov_split_full_name(weir_arena *a, const char *field, const char *full, int parts, const char **out,
			     weir_error *err)
{
	static const char *const shape[] = {"", "name", "catalog.schema", "catalog.schema.name"};
	if (full == NULL || *full == '\0')
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field, "Missing required field: %s",
					field);
	int n = 0;
	const char *p = full;
	while (n < parts) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		if (len == 0 || (dot != NULL && n == parts - 1) || (dot == NULL && n < parts - 1))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field,
						"Invalid full name for '%s': expected %s", field, shape[parts]);
		out[n++] = weir_arena_strndup(a, p, len);
		p = dot ? dot + 1 : p + len;
	}
	for (int i = 0; i < parts; i++)
		if (weir_gov_name_check(field, out[i], err) != 0)
			return -1;
	return 0;
}
