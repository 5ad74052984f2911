/* Unity Catalog core under /api/2.1/unity-catalog: metastore summary, catalogs, schemas,
 * tables, volumes, functions, storage credentials, external locations, temporary credentials.
 * Each handler: parse, resolve (404 for what the caller cannot browse), authorize by the
 * route's rule (403), then the domain call in a write transaction whose audit row commits
 * with it. */
#include "api/http.h"
#include "api/handlers/uc_routes.h"

#include <string.h>

#include "core/json.h"
#include "governance/catalog.h"
#include "warehouse/files.h"

#define UC WEIR_UC_PREFIX

static int fail(weir_req *r, weir_error *e) { return weir_reply_error(r, e); }

static int metastore_summary(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_securable ms;
	if (weir_gov_metastore_securable(weir_req_db(r), r->arena, &ms, &e) != 0 || weir_req_authorize(r, &ms, &e) != 0)
		return fail(r, &e);
	const char *owner = weir_gov_principal_name(weir_req_db(r), r->arena, ms.chain[0].owner_id);
	return weir_reply_json(r, 200,
			       json_pack("{s:s, s:s, s:s, s:s, s:s}", "metastore_id", ms.id, "name", "metastore",
					 "owner", owner ? owner : "", "default_data_access_config_id", "",
					 "privilege_model_version", "1.0"));
}

/* ---------------------------------------------------------------- generic pieces */

static weir_sec_type type_of_route(weir_req *r)
{
	const char *p = r->route->pattern + strlen(UC) + 1;
	if (strncmp(p, "catalogs", 8) == 0)
		return WEIR_SEC_CATALOG;
	if (strncmp(p, "schemas", 7) == 0)
		return WEIR_SEC_SCHEMA;
	if (strncmp(p, "tables", 6) == 0)
		return WEIR_SEC_TABLE;
	if (strncmp(p, "volumes", 7) == 0)
		return WEIR_SEC_VOLUME;
	if (strncmp(p, "storage-credentials", 19) == 0 || strncmp(p, "credentials", 11) == 0)
		return WEIR_SEC_CREDENTIAL;
	if (strncmp(p, "external-locations", 18) == 0)
		return WEIR_SEC_EXTERNAL_LOCATION;
	return WEIR_SEC_FUNCTION;
}

/* The children of the metastore named by one name (catalogs, and beside them storage
 * credentials and external locations). */
static bool top_level(weir_sec_type t) { return t == WEIR_SEC_CATALOG || weir_sec_beside_catalogs(t); }

static const char *list_key(weir_req *r, weir_sec_type t)
{
	switch (t) {
	case WEIR_SEC_CREDENTIAL: /* Databricks' storage-credentials API, or the credentials one */
		return strstr(r->route->pattern, "/storage-credentials") ? "storage_credentials" : "credentials";
	case WEIR_SEC_EXTERNAL_LOCATION: return "external_locations";
	case WEIR_SEC_CATALOG: return "catalogs";
	case WEIR_SEC_SCHEMA: return "schemas";
	case WEIR_SEC_TABLE: return "tables";
	case WEIR_SEC_VOLUME: return "volumes";
	default: return "functions";
	}
}

/* The path parameter that names the securable of this route. */
static const char *path_name(weir_req *r, weir_sec_type t)
{
	if (!top_level(t))
		return weir_req_param(r, "full_name");
	const char *arg = weir_req_param(r, "name_arg"); /* the credentials API's */
	return arg ? arg : weir_req_param(r, "name");
}

/* The securable named by the path parameter of this route. */
static int resolve_path(weir_req *r, weir_sec_type t, weir_securable *s, weir_error *e)
{
	return weir_gov_resolve(weir_req_db(r), r->arena, r->principal, t, path_name(r, t), s, e);
}

/* include_browse=true: also what the caller sees only through BROWSE (reads of metadata only). */
static unsigned browse_flag(weir_req *r, weir_error *e, int *rc)
{
	bool include_browse = false;
	*rc = weir_req_query_bool(r, "include_browse", &include_browse, e);
	return include_browse ? WEIR_RESOLVE_INCLUDE_BROWSE : 0;
}

/* The parent of an object of type t being created or listed, resolved for the caller: the
 * metastore for a catalog, else catalog `cat` (a schema's) or schema `cat`.`sch` (names
 * checked first). */
static int parent_of(weir_req *r, weir_sec_type t, const char *cat, const char *sch, unsigned flags,
		     weir_securable *parent, weir_error *e)
{
	weir_db *db = weir_req_db(r);
	if (top_level(t))
		return weir_gov_metastore_securable(db, r->arena, parent, e);
	bool in_schema = t != WEIR_SEC_SCHEMA;
	if (weir_gov_name_check("catalog_name", cat, e) != 0 ||
	    (in_schema && weir_gov_name_check("schema_name", sch, e) != 0))
		return -1;
	const char *pname = in_schema ? weir_arena_printf(r->arena, "%s.%s", cat, sch) : cat;
	return weir_gov_resolve_ex(db, r->arena, r->principal, in_schema ? WEIR_SEC_SCHEMA : WEIR_SEC_CATALOG, pname,
				   flags, parent, e);
}

/* A create's failure about a field of its body: a function's fields are in function_info. */
static int fail_in_body(weir_req *r, weir_sec_type t, weir_error *e)
{
	if (t == WEIR_SEC_FUNCTION && e->field[0]) {
		char f[sizeof(e->field)];
		snprintf(f, sizeof(f), "function_info.%s", e->field);
		memcpy(e->field, f, sizeof(f));
	}
	return fail(r, e);
}

static int create(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_sec_type t = type_of_route(r);
	json_t *body = weir_req_json(r, false, &e);
	if (body == NULL)
		return fail(r, &e);
	weir_db *db = weir_req_db(r);
	const char *cat = NULL, *sch = NULL;
	if (!top_level(t)) {
		json_t *fields = body;
		if (t == WEIR_SEC_FUNCTION && weir_json_get_obj(body, "function_info", true, &fields, &e) != 0)
			return fail(r, &e);
		if (weir_json_get_str(fields, "catalog_name", true, &cat, &e) != 0 ||
		    (t != WEIR_SEC_SCHEMA && weir_json_get_str(fields, "schema_name", true, &sch, &e) != 0))
			return fail_in_body(r, t, &e);
	}
	/* The write transaction first: the parent's resolve and the name check then read
	 * through the writer's connection, whose page cache every commit leaves valid (a pooled
	 * connection drops its cache after any other's commit and re-reads each page). */
	if (weir_req_begin(r, &e) != 0)
		return fail(r, &e);
	weir_securable parent;
	if (parent_of(r, t, cat, sch, 0, &parent, &e) != 0)
		return fail_in_body(r, t, &e);
	if (weir_req_authorize(r, &parent, &e) != 0)
		return fail(r, &e);
	const char *full = NULL;
	size_t len = 0;
	char *info = weir_catalog_create_text(db, r->arena, r->principal, t, &parent, body, &full, &len, &e);
	if (info)
		r->audit_securable = full;
	if (info == NULL || weir_req_commit(r, &e) != 0) {
		free(info);
		return fail(r, &e);
	}
	return weir_reply_json_text(r, 200, info, len);
}

static int get(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_sec_type t = type_of_route(r);
	weir_securable s;
	bool omit_columns = false, omit_properties = false;
	int rc = 0;
	unsigned flags = browse_flag(r, &e, &rc);
	if (rc != 0 || weir_req_query_bool(r, "omit_columns", &omit_columns, &e) != 0 ||
	    weir_req_query_bool(r, "omit_properties", &omit_properties, &e) != 0 ||
	    weir_gov_resolve_ex(weir_req_db(r), r->arena, r->principal, t, path_name(r, t), flags, &s, &e) != 0 ||
	    weir_req_authorize(r, &s, &e) != 0)
		return fail(r, &e);
	size_t len;
	char *info = weir_catalog_get_text(weir_req_db(r), r->arena, &s, omit_columns, omit_properties, &len, &e);
	return info ? weir_reply_json_text(r, 200, info, len) : fail(r, &e);
}

/* GET credentials?purpose=: STORAGE or none lists them; SERVICE lists nothing (*none: Weir
 * keeps storage credentials only); anything else is 400 naming it. */
static int credential_purpose(weir_req *r, bool *none, weir_error *e)
{
	const char *purpose = weir_req_query(r, "purpose");
	*none = purpose && strcmp(purpose, "SERVICE") == 0;
	if (purpose && !*none && strcmp(purpose, "STORAGE") != 0)
		return weir_error_field(e, WEIR_E_INVALID_PARAMETER_VALUE, "purpose",
					"Invalid value for 'purpose': STORAGE or SERVICE");
	return 0;
}

static int list(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_sec_type t = type_of_route(r);
	weir_db *db = weir_req_db(r);
	weir_page_req pg = {0, weir_req_query(r, "page_token")};
	bool omit_columns = false, omit_properties = false, include_browse = false;
	if (weir_req_query_i64(r, "max_results", &pg.max_results, &e) != 0 ||
	    weir_req_query_bool(r, "omit_columns", &omit_columns, &e) != 0 ||
	    weir_req_query_bool(r, "omit_properties", &omit_properties, &e) != 0 ||
	    weir_req_query_bool(r, "include_browse", &include_browse, &e) != 0)
		return fail(r, &e);
	if (pg.max_results < 0) {
		weir_error_field(&e, WEIR_E_INVALID_PARAMETER_VALUE, "max_results",
				 "Invalid value for 'max_results': must be greater than or equal to 0");
		return fail(r, &e);
	}
	weir_securable parent;
	const char *cat = weir_req_query(r, "catalog_name");
	const char *sch = weir_req_query(r, "schema_name");
	bool none = false;
	if (t == WEIR_SEC_CREDENTIAL && credential_purpose(r, &none, &e) != 0)
		return fail(r, &e);
	if (!top_level(t) && (cat == NULL || *cat == '\0')) {
		weir_error_field(&e, WEIR_E_INVALID_PARAMETER_VALUE, "catalog_name",
				 "Missing required parameter: catalog_name");
		return fail(r, &e);
	}
	if (!top_level(t) && t != WEIR_SEC_SCHEMA && (sch == NULL || *sch == '\0')) {
		weir_error_field(&e, WEIR_E_INVALID_PARAMETER_VALUE, "schema_name",
				 "Missing required parameter: schema_name");
		return fail(r, &e);
	}
	if (parent_of(r, t, cat, sch, include_browse ? WEIR_RESOLVE_INCLUDE_BROWSE : 0, &parent, &e) != 0)
		return fail(r, &e);
	if (weir_req_authorize(r, &parent, &e) != 0)
		return fail(r, &e);
	if (none)
		return weir_reply_json(r, 200, json_pack("{s:[]}", list_key(r, t)));
	size_t len;
	char *out = weir_catalog_list_text(db, r->arena, r->principal, t, &parent, &pg, list_key(r, t), omit_columns,
					   omit_properties, include_browse, &len, &e);
	return out ? weir_reply_json_text(r, 200, out, len) : fail(r, &e);
}

/* tables.list_summaries: the tables of a catalog whose schema and table names match the
 * patterns, governed like table lists (nothing the caller may not browse). */
static int table_summaries(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_db *db = weir_req_db(r);
	weir_page_req pg = {0, weir_req_query(r, "page_token")};
	bool manifest = false; /* include_manifest_capabilities: Weir has no securable kind manifests */
	const char *cat = weir_req_query(r, "catalog_name");
	if (weir_req_query_i64(r, "max_results", &pg.max_results, &e) != 0 ||
	    weir_req_query_bool(r, "include_manifest_capabilities", &manifest, &e) != 0)
		return fail(r, &e);
	if (cat == NULL || *cat == '\0') {
		weir_error_field(&e, WEIR_E_INVALID_PARAMETER_VALUE, "catalog_name",
				 "Missing required parameter: catalog_name");
		return fail(r, &e);
	}
	weir_securable catalog;
	if (weir_gov_name_check("catalog_name", cat, &e) != 0 ||
	    weir_gov_resolve(db, r->arena, r->principal, WEIR_SEC_CATALOG, cat, &catalog, &e) != 0 ||
	    weir_req_authorize(r, &catalog, &e) != 0)
		return fail(r, &e);
	size_t len;
	char *out = weir_catalog_table_summaries_text(db, r->arena, r->principal, &catalog,
						      weir_req_query(r, "schema_name_pattern"),
						      weir_req_query(r, "table_name_pattern"), &pg, &len, &e);
	return out ? weir_reply_json_text(r, 200, out, len) : fail(r, &e);
}

static int update(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_sec_type t = type_of_route(r);
	json_t *body = weir_req_json(r, true, &e); /* the SDK sends PATCH without a body */
	weir_securable s;
	if (body == NULL || resolve_path(r, t, &s, &e) != 0 || weir_req_authorize(r, &s, &e) != 0)
		return fail(r, &e);
	weir_db *db = weir_req_db(r);
	if (json_object_get(body, "owner") && !weir_req_can(r, WEIR_OP_TRANSFER_OWNER, &s)) {
		weir_error_set(&e, WEIR_E_PERMISSION_DENIED,
			       "Only the owner or a metastore admin may transfer ownership.");
		return fail(r, &e);
	}
	if (weir_req_begin(r, &e) != 0)
		return fail(r, &e);
	json_t *info = weir_catalog_update(db, r->arena, r->principal, &s, body, &e);
	return weir_reply_committed(r, info, &e);
}

static int delete (weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_sec_type t = type_of_route(r);
	bool force = false;
	weir_securable s;
	if (weir_req_query_bool(r, "force", &force, &e) != 0 || resolve_path(r, t, &s, &e) != 0 ||
	    weir_req_authorize(r, &s, &e) != 0 || weir_req_begin(r, &e) != 0 ||
	    weir_catalog_delete(weir_req_db(r), r->arena, &s, force, &e) != 0 || weir_req_commit(r, &e) != 0)
		return fail(r, &e);
	if (t == WEIR_SEC_VOLUME || t == WEIR_SEC_TABLE) /* its directory or data file goes */
		weir_req_after_commit(
			r, t == WEIR_SEC_TABLE ? weir_files_after_table_delete : weir_files_after_volume_delete,
			weir_arena_strdup(r->arena, s.id));
	else if (t == WEIR_SEC_SCHEMA || t == WEIR_SEC_CATALOG) /* those of its tables and volumes */
		weir_req_after_commit(r, weir_files_after_delete, NULL);
	return weir_reply_ok_empty(r);
}

static int table_exists(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_securable s;
	const char *name = weir_req_param(r, "full_name");
	const char *parts[3];
	if (weir_gov_split_full_name(r->arena, "full_name", name, 3, parts, &e) != 0)
		return fail(r, &e);
	bool exists = weir_gov_resolve(weir_req_db(r), r->arena, r->principal, WEIR_SEC_TABLE, name, &s, &e) == 0;
	if (!exists && weir_code_status(e.code) != 404)
		return fail(r, &e); /* a database error is not "false" */
	if (exists && weir_req_authorize(r, &s, &e) != 0)
		return fail(r, &e);
	weir_req_mark_authorized(r); /* an absent or hidden table is simply "false" */
	return weir_reply_json(r, 200, json_pack("{s:b}", "table_exists", exists));
}

/* POST temporary-table-credentials / temporary-volume-credentials: the table or volume
 * named by its id (404 as a missing one when absent, hidden from the caller, or of another
 * kind), the operation's privileges (READ: SELECT; READ_WRITE: SELECT and MODIFY; a volume's
 * READ_VOLUME and WRITE_VOLUME), then its storage's credentials. Audited, refusals too: a
 * credential is access to data. */
static int temporary_credentials(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_sec_type t = strstr(r->route->pattern, "volume") ? WEIR_SEC_VOLUME : WEIR_SEC_TABLE;
	const char *id_field = t == WEIR_SEC_VOLUME ? "volume_id" : "table_id";
	json_t *body = weir_req_json(r, false, &e);
	const char *id = NULL, *operation = NULL;
	bool write = false;
	if (body == NULL || weir_json_get_str(body, id_field, true, &id, &e) != 0 ||
	    weir_json_get_str(body, "operation", true, &operation, &e) != 0 ||
	    weir_catalog_credential_operation(t, operation, &write, &e) != 0)
		return fail(r, &e);
	if (id[0] == '\0') {
		weir_error_field(&e, WEIR_E_INVALID_PARAMETER_VALUE, id_field, "Invalid value for '%s': empty",
				 id_field);
		return fail(r, &e);
	}
	weir_db *db = weir_req_db(r);
	weir_securable s;
	if (weir_gov_resolve_id(db, r->arena, r->principal, id, &s, &e) != 0 || s.type != t) {
		if (e.code == WEIR_OK || weir_code_status(e.code) == 404) {
			weir_error_clear(&e);
			weir_gov_not_found(t, id, &e);
		}
		return fail(r, &e);
	}
	if (weir_req_authorize(r, &s, &e) != 0 ||
	    (write && weir_gov_check(db, r->principal, WEIR_OP_WRITE_DATA, &s, &e) != 0))
		return fail(r, &e);
	/* read in the request's snapshot; the write lock only for the audit row */
	return weir_reply_audited(r, weir_catalog_temporary_credentials(db, r->arena, &s, &e), &e);
}

/* POST temporary-path-credentials: any caller; the path's governance (admins, or an external
 * location's privileges) is the domain's. Audited with the url, refusals too. */
static int path_credentials(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body = weir_req_json(r, false, &e);
	const char *url = NULL, *operation = NULL;
	if (body == NULL || weir_json_get_str(body, "url", true, &url, &e) != 0 ||
	    weir_json_get_str(body, "operation", true, &operation, &e) != 0)
		return fail(r, &e);
	r->audit_params = weir_json_own(r->arena, json_pack("{s:s, s:s}", "url", url, "operation", operation));
	return weir_reply_audited(
		r, weir_catalog_path_credentials(weir_req_db(r), r->arena, r->principal, url, operation, &e), &e);
}

#define WEIR_UC_BASE UC

const weir_route weir_routes_uc[] = {
	RN("GET", "/metastore_summary", metastore_summary, WEIR_OP_READ_METADATA, "getMetastoreSummary"),
	R("POST", "/catalogs", create, WEIR_OP_CREATE_CATALOG, "createCatalog"),
	RN("GET", "/catalogs", list, WEIR_OP_LIST_CHILDREN, "listCatalogs"),
	RN("GET", "/catalogs/{name}", get, WEIR_OP_READ_METADATA, "getCatalog"),
	R("PATCH", "/catalogs/{name}", update, WEIR_OP_UPDATE, "updateCatalog"),
	R("DELETE", "/catalogs/{name}", delete, WEIR_OP_DELETE, "deleteCatalog"),
	R("POST", "/schemas", create, WEIR_OP_CREATE_SCHEMA, "createSchema"),
	RN("GET", "/schemas", list, WEIR_OP_LIST_CHILDREN, "listSchemas"),
	RN("GET", "/schemas/{full_name}", get, WEIR_OP_READ_METADATA, "getSchema"),
	R("PATCH", "/schemas/{full_name}", update, WEIR_OP_UPDATE, "updateSchema"),
	R("DELETE", "/schemas/{full_name}", delete, WEIR_OP_DELETE, "deleteSchema"),
	R("POST", "/tables", create, WEIR_OP_CREATE_TABLE, "createTable"),
	RN("GET", "/tables", list, WEIR_OP_LIST_CHILDREN, "listTables"),
	RN("GET", "/table-summaries", table_summaries, WEIR_OP_LIST_CHILDREN, "listTableSummaries"),
	RN("GET", "/tables/{full_name}", get, WEIR_OP_READ_METADATA, "getTable"),
	RN("GET", "/tables/{full_name}/exists", table_exists, WEIR_OP_READ_METADATA, "tableExists"),
	R("PATCH", "/tables/{full_name}", update, WEIR_OP_UPDATE, "updateTable"),
	R("DELETE", "/tables/{full_name}", delete, WEIR_OP_DELETE, "deleteTable"),
	R("POST", "/volumes", create, WEIR_OP_CREATE_VOLUME, "createVolume"),
	RN("GET", "/volumes", list, WEIR_OP_LIST_CHILDREN, "listVolumes"),
	RN("GET", "/volumes/{full_name}", get, WEIR_OP_READ_METADATA, "getVolume"),
	R("PATCH", "/volumes/{full_name}", update, WEIR_OP_UPDATE, "updateVolume"),
	R("DELETE", "/volumes/{full_name}", delete, WEIR_OP_DELETE, "deleteVolume"),
	R("POST", "/functions", create, WEIR_OP_CREATE_FUNCTION, "createFunction"),
	RN("GET", "/functions", list, WEIR_OP_LIST_CHILDREN, "listFunctions"),
	RN("GET", "/functions/{full_name}", get, WEIR_OP_READ_METADATA, "getFunction"),
	R("PATCH", "/functions/{full_name}", update, WEIR_OP_UPDATE, "updateFunction"),
	R("DELETE", "/functions/{full_name}", delete, WEIR_OP_DELETE, "deleteFunction"),
	R("POST", "/temporary-table-credentials", temporary_credentials, WEIR_OP_READ_DATA,
	  "generateTemporaryTableCredentials"),
	R("POST", "/temporary-volume-credentials", temporary_credentials, WEIR_OP_READ_DATA,
	  "generateTemporaryVolumeCredentials"),
	{"POST", UC "/temporary-path-credentials", path_credentials, RULE_AUTHENTICATED, WEIR_DIALECT_DATABRICKS,
	 "unityCatalog", "generateTemporaryPathCredentials", 0},
	/* the Databricks SDKs' paths of the same calls */
	WEIR_UC_ROUTE("POST", "/api/2.0/unity-catalog/temporary-table-credentials", temporary_credentials,
		      WEIR_OP_READ_DATA, "generateTemporaryTableCredentials", 0),
	{"POST", "/api/2.0/unity-catalog/temporary-path-credentials", path_credentials, RULE_AUTHENTICATED,
	 WEIR_DIALECT_DATABRICKS, "unityCatalog", "generateTemporaryPathCredentials", 0},
	/* storage credentials (Databricks' storage-credentials API and the newer credentials one,
	 * which UC OSS speaks) and external locations: securables beside the catalogs */
	R("POST", "/storage-credentials", create, WEIR_OP_CREATE_CREDENTIAL, "createStorageCredential"),
	RN("GET", "/storage-credentials", list, WEIR_OP_LIST_CHILDREN, "listStorageCredentials"),
	RN("GET", "/storage-credentials/{name}", get, WEIR_OP_READ_METADATA, "getStorageCredential"),
	R("PATCH", "/storage-credentials/{name}", update, WEIR_OP_UPDATE, "updateStorageCredential"),
	R("DELETE", "/storage-credentials/{name}", delete, WEIR_OP_DELETE, "deleteStorageCredential"),
	R("POST", "/credentials", create, WEIR_OP_CREATE_CREDENTIAL, "createCredential"),
	RN("GET", "/credentials", list, WEIR_OP_LIST_CHILDREN, "listCredentials"),
	RN("GET", "/credentials/{name_arg}", get, WEIR_OP_READ_METADATA, "getCredential"),
	R("PATCH", "/credentials/{name_arg}", update, WEIR_OP_UPDATE, "updateCredential"),
	R("DELETE", "/credentials/{name_arg}", delete, WEIR_OP_DELETE, "deleteCredential"),
	R("POST", "/external-locations", create, WEIR_OP_CREATE_EXTERNAL_LOCATION, "createExternalLocation"),
	RN("GET", "/external-locations", list, WEIR_OP_LIST_CHILDREN, "listExternalLocations"),
	RN("GET", "/external-locations/{name}", get, WEIR_OP_READ_METADATA, "getExternalLocation"),
	R("PATCH", "/external-locations/{name}", update, WEIR_OP_UPDATE, "updateExternalLocation"),
	R("DELETE", "/external-locations/{name}", delete, WEIR_OP_DELETE, "deleteExternalLocation"),
	{0},
};
