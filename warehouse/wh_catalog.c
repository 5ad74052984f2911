/* The statements the warehouse answers from the catalog (warehouse/sql.h lists them):
 * schemas, ALTER TABLE, COMMENT ON, GRANT/REVOKE, SHOW and DESCRIBE. Each goes through the
 * same governance and catalog domain functions as the Unity Catalog REST routes: a name is
 * resolved for the caller (what it may not browse is missing, with the REST API's
 * not-found error; TABLE_OR_VIEW_NOT_FOUND for a table or view, as Databricks SQL says),
 * the route's operation is checked (weir_gov_check), and a mutation commits in one
 * metadata write with the audit row the REST route writes (service unityCatalog, its
 * action, the securable); a refused or failed one gets its own audit row. No SQL here. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "governance/catalog.h"
#include "governance/grants.h"
#include "governance/policies.h"
#include "warehouse/files.h"
#include "warehouse/wh_internal.h"

typedef struct run {
	weir_db_pool *pool;
	weir_arena *a;
	const weir_principal *p;
	const weir_wh_exec *x;
	const weir_wh_cstmt *s;
	weir_wh_outcome *o;
	const char *target; /* the securable for the audit rows */
	json_t *columns, *rows; /* the answer of SHOW / DESCRIBE */
	bool tv_missing; /* the table or view named was not found (or is hidden) */
	bool sweep; /* a catalog or schema went: its tables' and volumes' files go after the commit */
} run;

/* ---------------------------------------------------------------- names */

static int need_defaults(const char *what, weir_error *err)
{
	return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "statement",
				"The %s name needs a catalog%s: qualify it, or set the statement's catalog%s", what,
				strcmp(what, "schema") == 0 ? "" : " and schema",
				strcmp(what, "schema") == 0 ? "" : " and schema");
}

static bool set(const char *s) { return s && *s; }

/* The full name of a securable of kind t from 1..3 parts and the statement's defaults. */
static const char *full_of(run *r, weir_sec_type t, const char *const *parts, int n, weir_error *err)
{
	const char *cat = r->x->catalog, *sch = r->x->schema;
	bool one = t == WEIR_SEC_CATALOG || weir_sec_beside_catalogs(t);
	int want = one ? 1 : t == WEIR_SEC_SCHEMA ? 2 : 3;
	if (n > want)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "statement",
					"Invalid statement: a %s name has at most %d part%s", weir_sec_type_name(t),
					want, want == 1 ? "" : "s"),
		       NULL;
	if (n == want) {
		if (want == 1)
			return parts[0];
		if (want == 2)
			return weir_arena_printf(r->a, "%s.%s", parts[0], parts[1]);
		return weir_arena_printf(r->a, "%s.%s.%s", parts[0], parts[1], parts[2]);
	}
	if (t == WEIR_SEC_SCHEMA) {
		if (!set(cat))
			return need_defaults("schema", err), NULL;
		return weir_arena_printf(r->a, "%s.%s", cat, parts[0]);
	}
	if (n == 2) {
		if (!set(cat))
			return need_defaults(weir_sec_type_name(t), err), NULL;
		return weir_arena_printf(r->a, "%s.%s.%s", cat, parts[0], parts[1]);
	}
	if (!set(cat) || !set(sch))
		return need_defaults(weir_sec_type_name(t), err), NULL;
	return weir_arena_printf(r->a, "%s.%s.%s", cat, sch, parts[0]);
}

/* A table or view for the caller; missing or hidden is TABLE_OR_VIEW_NOT_FOUND. */
static int resolve_table(run *r, weir_db *md, weir_securable *out, weir_error *err)
{
	const char *full = full_of(r, WEIR_SEC_TABLE, r->s->parts, r->s->nparts, err);
	if (full == NULL)
		return -1;
	if (weir_gov_resolve(md, r->a, r->p, WEIR_SEC_TABLE, full, out, err) != 0) {
		if (err->status == 404) {
			weir_error_set(err, WEIR_E_TABLE_NOT_FOUND,
				       "[TABLE_OR_VIEW_NOT_FOUND] The table or view '%.300s' cannot be found", full);
			r->tv_missing = true;
		}
		return -1;
	}
	r->target = out->full_name;
	return 0;
}

static const char *table_type(run *r, weir_db *md, weir_securable *s, json_t **info, weir_error *err)
{
	*info = weir_catalog_get(md, r->a, s, false, false, err);
	if (*info == NULL)
		return NULL;
	weir_json_own(r->a, *info);
	const char *t = json_string_value(json_object_get(*info, "table_type"));
	return t ? t : "";
}

/* The securable of GRANT / REVOKE / SHOW GRANTS / COMMENT ON. */
static int resolve_kind(run *r, weir_db *md, weir_securable *out, weir_error *err)
{
	const char *k = r->s->sec_type;
	if (strcmp(k, "METASTORE") == 0) {
		if (weir_gov_metastore_securable(md, r->a, out, err) != 0)
			return -1;
		r->target = out->full_name ? out->full_name : "metastore";
		return 0;
	}
	if (strcmp(k, "TABLE") == 0 || strcmp(k, "VIEW") == 0)
		return resolve_table(r, md, out, err);
	weir_sec_type t = strcmp(k, "CATALOG") == 0              ? WEIR_SEC_CATALOG
			  : strcmp(k, "SCHEMA") == 0             ? WEIR_SEC_SCHEMA
			  : strcmp(k, "VOLUME") == 0             ? WEIR_SEC_VOLUME
			  : strcmp(k, "EXTERNAL LOCATION") == 0  ? WEIR_SEC_EXTERNAL_LOCATION
			  : strcmp(k, "STORAGE CREDENTIAL") == 0 ? WEIR_SEC_CREDENTIAL
								 : WEIR_SEC_FUNCTION;
	const char *full = full_of(r, t, r->s->parts, r->s->nparts, err);
	if (full == NULL || weir_gov_resolve(md, r->a, r->p, t, full, out, err) != 0)
		return -1;
	r->target = out->full_name;
	return 0;
}

/* ---------------------------------------------------------------- mutations */

static void fail_err(run *r, const weir_error *e)
{
	weir_wh__fail_err(r->o, e);
	if (r->tv_missing && e->code == WEIR_E_TABLE_NOT_FOUND)
		snprintf(r->o->error_code, sizeof(r->o->error_code), "TABLE_OR_VIEW_NOT_FOUND");
}

static void audit(run *r, weir_db *md, const char *action, int status, const char *code)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *params = json_pack("{s:s}", "statement_id", r->x->statement_id ? r->x->statement_id : "");
	weir_audit_event ev = {.event_time = weir_now_ms(),
			       .principal = r->p,
			       .principal_name = r->p->name,
			       .workspace_id = r->x->workspace_id,
			       .service_name = "unityCatalog",
			       .action_name = action,
			       .request_id = r->x->statement_id,
			       .request_params = params,
			       .status_code = status,
			       .error_code = code,
			       .securable = r->target};
	if (weir_gov_audit(md, &ev, &e) != 0)
		weir_log_warn("warehouse: audit row of statement %s not written: %s", r->x->statement_id, e.message);
	json_decref(params);
}

typedef int (*change_fn)(run *r, weir_db *md, weir_error *err);

/* fn inside one metadata write with the REST route's audit row; a refusal or failure rolls
 * back and is audited in a write of its own. fn answers 1 for "nothing to do" (IF [NOT] EXISTS). */
static void change(run *r, const char *action, change_fn fn)
{
	weir_db *md = weir_db_acquire(r->pool);
	weir_error e = WEIR_ERROR_INIT;
	int rc = -1;
	if (weir_db_begin_write(md, &e) == 0) {
		rc = fn(r, md, &e);
		if (rc == 0)
			audit(r, md, action, 200, NULL);
		if (rc >= 0 && weir_db_commit(md, &e) != 0)
			rc = -1;
		else if (rc < 0)
			weir_db_rollback(md);
	}
	if (rc < 0) {
		fail_err(r, &e);
		weir_error ae = WEIR_ERROR_INIT;
		if (weir_db_begin_write(md, &ae) == 0) {
			audit(r, md, action, e.status ? e.status : 400, r->o->error_code);
			if (weir_db_commit(md, &ae) != 0)
				weir_log_warn("warehouse: audit row of statement %s not written", r->x->statement_id);
		}
	} else {
		r->o->state = WEIR_WH_SUCCEEDED;
	}
	weir_db_release(md);
	if (rc == 0 && r->sweep)
		weir_files_sweep(r->pool);
}

static int create_schema(run *r, weir_db *md, weir_error *err)
{
	const char *full = full_of(r, WEIR_SEC_SCHEMA, r->s->parts, r->s->nparts, err);
	if (full == NULL)
		return -1;
	const char *p2[2];
	if (weir_gov_split_full_name(r->a, "statement", full, 2, p2, err) != 0)
		return -1;
	r->target = full;
	weir_securable cat, existing;
	if (weir_gov_resolve(md, r->a, r->p, WEIR_SEC_CATALOG, p2[0], &cat, err) != 0)
		return -1;
	weir_error ignore = WEIR_ERROR_INIT;
	if (r->s->if_not_exists && weir_gov_resolve(md, r->a, r->p, WEIR_SEC_SCHEMA, full, &existing, &ignore) == 0)
		return 1;
	if (weir_gov_check(md, r->p, WEIR_OP_CREATE_SCHEMA, &cat, err) != 0)
		return -1;
	json_t *body = json_pack("{s:s, s:s}", "name", p2[1], "catalog_name", p2[0]);
	if (r->s->comment)
		json_object_set_new(body, "comment", json_string(r->s->comment));
	json_t *info = weir_catalog_create(md, r->a, r->p, WEIR_SEC_SCHEMA, &cat, body, err);
	json_decref(body);
	if (info == NULL)
		return -1;
	json_decref(info);
	return 0;
}

static int create_catalog(run *r, weir_db *md, weir_error *err)
{
	const char *name = r->s->parts[0];
	r->target = name;
	weir_securable ms, existing;
	weir_error ignore = WEIR_ERROR_INIT;
	if (r->s->if_not_exists && weir_gov_resolve(md, r->a, r->p, WEIR_SEC_CATALOG, name, &existing, &ignore) == 0)
		return 1;
	if (weir_gov_metastore_securable(md, r->a, &ms, err) != 0 ||
	    weir_gov_check(md, r->p, WEIR_OP_CREATE_CATALOG, &ms, err) != 0)
		return -1;
	json_t *body = json_pack("{s:s}", "name", name);
	if (r->s->comment)
		json_object_set_new(body, "comment", json_string(r->s->comment));
	json_t *info = weir_catalog_create(md, r->a, r->p, WEIR_SEC_CATALOG, &ms, body, err);
	json_decref(body);
	if (info == NULL)
		return -1;
	json_decref(info);
	return 0;
}

/* A failed lookup under IF EXISTS: a missing (or hidden) object is no error (1); else -1. */
static int missing_ok(run *r, weir_error *err)
{
	if (r->s->if_exists && err->status == 404) {
		weir_error_clear(err);
		return 1;
	}
	return -1;
}

/* DROP CATALOG / DROP SCHEMA: the REST delete's rule (DELETE on it), CASCADE as force. */
static int drop_container(run *r, weir_db *md, weir_sec_type type, const char *full, weir_error *err)
{
	weir_securable s;
	r->target = full;
	if (weir_gov_resolve(md, r->a, r->p, type, full, &s, err) != 0)
		return missing_ok(r, err);
	if (weir_gov_check(md, r->p, WEIR_OP_DELETE, &s, err) != 0)
		return -1;
	r->sweep = true;
	return weir_catalog_delete(md, r->a, &s, r->s->cascade, err);
}

static int drop_catalog(run *r, weir_db *md, weir_error *err)
{
	return drop_container(r, md, WEIR_SEC_CATALOG, r->s->parts[0], err);
}

/* ALTER TABLE|VIEW t [SET] OWNER TO `p`: the REST API's rule for "owner" (the owner or a
 * metastore admin; the new owner must exist). */
static int set_owner(run *r, weir_db *md, weir_error *err)
{
	weir_securable s;
	if (resolve_table(r, md, &s, err) != 0 || weir_gov_check(md, r->p, WEIR_OP_TRANSFER_OWNER, &s, err) != 0)
		return -1;
	json_t *body = weir_json_own(r->a, json_pack("{s:s}", "owner", r->s->principal));
	json_t *out = weir_catalog_update_sql(md, r->a, r->p, &s, body, err);
	if (out == NULL)
		return -1;
	json_decref(out);
	return 0;
}

static int drop_schema(run *r, weir_db *md, weir_error *err)
{
	const char *full = full_of(r, WEIR_SEC_SCHEMA, r->s->parts, r->s->nparts, err);
	if (full == NULL)
		return -1;
	return drop_container(r, md, WEIR_SEC_SCHEMA, full, err);
}

static int drop_view(run *r, weir_db *md, weir_error *err)
{
	weir_securable s;
	json_t *info;
	if (resolve_table(r, md, &s, err) != 0)
		return missing_ok(r, err);
	const char *type = table_type(r, md, &s, &info, err);
	if (type == NULL)
		return -1;
	if (strcmp(type, "VIEW") != 0)
		return weir_error_set(err, WEIR_E_INVALID_PARAMETER_VALUE,
				      "[WRONG_COMMAND_FOR_OBJECT_TYPE] '%s' is a %s, not a view: use DROP TABLE",
				      s.full_name, type);
	if (weir_gov_check(md, r->p, WEIR_OP_DELETE, &s, err) != 0)
		return -1;
	return weir_catalog_delete(md, r->a, &s, false, err);
}

/* ALTER TABLE and COMMENT ON: the change as the fields of weir_catalog_update_sql. */
static int alter(run *r, weir_db *md, weir_error *err)
{
	const weir_wh_cstmt *st = r->s;
	weir_securable s;
	json_t *info = NULL;
	if (st->kind == WEIR_WH_C_COMMENT_ON ? resolve_kind(r, md, &s, err) != 0 : resolve_table(r, md, &s, err) != 0)
		return -1;
	const char *type = s.type == WEIR_SEC_TABLE ? table_type(r, md, &s, &info, err) : "";
	if (type == NULL)
		return -1;
	bool view = strcmp(type, "VIEW") == 0;
	if (s.type == WEIR_SEC_TABLE && strcmp(st->sec_type, "VIEW") == 0 && !view)
		return weir_error_set(err, WEIR_E_INVALID_PARAMETER_VALUE,
				      "[WRONG_COMMAND_FOR_OBJECT_TYPE] '%s' is a table, not a view", s.full_name);
	if (weir_gov_check(md, r->p, WEIR_OP_UPDATE, &s, err) != 0)
		return -1;
	json_t *body = weir_json_own(r->a, json_object());
	switch (st->kind) {
	case WEIR_WH_C_RENAME: {
		/* a new name of 2 or 3 parts must stay in the same schema */
		const char *to = st->to[st->nto - 1];
		if (st->nto >= 2) {
			const char *sch = st->to[st->nto - 2], *cat = st->nto == 3 ? st->to[0] : s.chain[2].name;
			if (strcmp(sch, s.chain[1].name) != 0 || strcmp(cat, s.chain[2].name) != 0)
				return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "statement",
							"A table can be renamed only within its schema");
		}
		json_object_set_new(body, "new_name", json_string(to));
		break;
	}
	case WEIR_WH_C_ADD_COLUMNS: {
		if (view || strcmp(type, "MANAGED") != 0)
			return weir_error_set(err, WEIR_E_INVALID_PARAMETER_VALUE,
					      "Columns can be added to MANAGED tables only ('%s' is %s)", s.full_name,
					      type);
		for (int i = 0; i < st->ncols; i++)
			if (!st->cols[i].nullable)
				return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "statement",
							"A column added to a table must be nullable ('%.128s')",
							st->cols[i].name);
		json_object_set_new(body, "add_columns", weir_wh__uc_columns(st->cols, st->ncols, 0));
		break;
	}
	case WEIR_WH_C_SET_PROPERTIES: {
		json_t *props = json_deep_copy(json_object_get(info, "properties"));
		if (!json_is_object(props)) {
			json_decref(props);
			props = json_object();
		}
		for (int i = 0; i < st->nprops; i++)
			json_object_set_new(props, st->keys[i], json_string(st->values[i]));
		json_object_set_new(body, "properties", props);
		break;
	}
	case WEIR_WH_C_COLUMN_COMMENT:
		json_object_set_new(body, "column_comment",
				    json_pack("{s:s, s:s}", "name", st->column, "comment", st->comment));
		break;
	default: /* COMMENT ON */ json_object_set_new(body, "comment", json_string(st->comment)); break;
	}
	json_t *out = weir_catalog_update_sql(md, r->a, r->p, &s, body, err);
	if (out == NULL)
		return -1;
	json_decref(out);
	r->target = s.full_name;
	if (st->kind == WEIR_WH_C_ADD_COLUMNS && weir_wh__file_add_columns(r->a, s.id, st->cols, st->ncols, err) != 0)
		return -1;
	return 0;
}

/* CREATE [OR REPLACE] FUNCTION c.s.f(p type, ...) RETURNS type RETURN <expr>: a UC function
 * with routine_body SQL and the expression as routine_definition (what row filters and
 * masks call). OR REPLACE replaces the definition in place, as CREATE OR REPLACE VIEW does
 * (the REST API's DELETE rule): its grants, owner and the filters and masks naming it stay. */
static int create_function(run *r, weir_db *md, weir_error *err)
{
	const weir_wh_cstmt *st = r->s;
	const char *full = full_of(r, WEIR_SEC_FUNCTION, st->parts, st->nparts, err);
	const char *p3[3];
	if (full == NULL || weir_gov_split_full_name(r->a, "statement", full, 3, p3, err) != 0)
		return -1;
	r->target = full;
	const char *body = r->x->statement + st->body;
	/* the body runs to the end of the text, without trailing semicolons or blanks */
	size_t blen = strlen(body);
	while (blen > 0 && (body[blen - 1] == ';' || body[blen - 1] == ' ' || body[blen - 1] == '\n' ||
			    body[blen - 1] == '\t' || body[blen - 1] == '\r'))
		blen--;
	body = weir_arena_strndup(r->a, body, blen);
	if (weir_wh__check_function_body(r->a, body, st->cols, st->ncols, err) != 0)
		return -1;
	weir_securable schema, old;
	if (weir_gov_resolve(md, r->a, r->p, WEIR_SEC_SCHEMA, weir_arena_printf(r->a, "%s.%s", p3[0], p3[1]), &schema,
			     err) != 0)
		return -1;
	weir_error ignore = WEIR_ERROR_INIT;
	bool replace = false;
	if (weir_gov_resolve(md, r->a, r->p, WEIR_SEC_FUNCTION, full, &old, &ignore) == 0) {
		if (st->if_not_exists)
			return 1;
		if (st->or_replace && weir_gov_check(md, r->p, WEIR_OP_DELETE, &old, err) != 0)
			return -1;
		replace = st->or_replace; /* without OR REPLACE the create below refuses the name */
	}
	if (!replace && weir_gov_check(md, r->p, WEIR_OP_CREATE_FUNCTION, &schema, err) != 0)
		return -1;
	json_t *params = json_array();
	for (int i = 0; i < st->ncols; i++) {
		const weir_wh_coldef *d = &st->cols[i];
		json_t *tj = json_pack("{s:s, s:o, s:b, s:{}}", "name", d->name, "type", weir_wh_type_json(&d->type),
				       "nullable", true, "metadata");
		char *tjs = json_dumps(tj, JSON_COMPACT);
		json_decref(tj);
		json_t *pj = json_pack("{s:s, s:s, s:s, s:s, s:i}", "name", d->name, "type_text", d->type.type_text,
				       "type_name", d->type.type_name, "type_json", tjs, "position", i);
		free(tjs);
		if (d->comment)
			json_object_set_new(pj, "comment", json_string(d->comment));
		json_array_append_new(params, pj);
	}
	json_t *fi = json_pack("{s:s, s:s, s:s, s:{s:o}, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:b, s:s}", "name", p3[2],
			       "catalog_name", p3[0], "schema_name", p3[1], "input_params", "parameters", params,
			       "data_type", st->returns.type_name, "full_data_type", st->returns.type_text,
			       "routine_body", "SQL", "routine_definition", body, "parameter_style", "S",
			       "is_deterministic", true, "sql_data_access", "CONTAINS_SQL", "is_null_call", false,
			       "security_type", "DEFINER");
	if (st->comment)
		json_object_set_new(fi, "comment", json_string(st->comment));
	json_t *req = json_pack("{s:o}", "function_info", fi);
	json_t *info = replace ? weir_catalog_update_sql(md, r->a, r->p, &old, req, err)
			       : weir_catalog_create(md, r->a, r->p, WEIR_SEC_FUNCTION, &schema, req, err);
	json_decref(req);
	if (info == NULL)
		return -1;
	json_decref(info);
	return 0;
}

/* ALTER TABLE ... SET / DROP ROW FILTER, ALTER COLUMN ... SET / DROP MASK: the table's owner
 * or manager (the ALTER rule) with EXECUTE on the function, which must be a SQL function
 * taking as many parameters as columns are given (BOOLEAN for a filter). */
static int filter_or_mask(run *r, weir_db *md, weir_error *err)
{
	const weir_wh_cstmt *st = r->s;
	weir_securable s;
	json_t *info;
	if (resolve_table(r, md, &s, err) != 0)
		return -1;
	const char *type = table_type(r, md, &s, &info, err);
	if (type == NULL)
		return -1;
	if (strcmp(type, "MANAGED") != 0)
		return weir_error_set(err, WEIR_E_INVALID_PARAMETER_VALUE,
				      "Row filters and column masks apply to MANAGED tables ('%s' is %s)", s.full_name,
				      type);
	if (weir_gov_check(md, r->p, WEIR_OP_UPDATE, &s, err) != 0)
		return -1;
	json_t *body = weir_json_own(r->a, json_object());
	bool set_it = st->kind == WEIR_WH_C_SET_ROW_FILTER || st->kind == WEIR_WH_C_SET_MASK;
	bool is_filter = st->kind == WEIR_WH_C_SET_ROW_FILTER || st->kind == WEIR_WH_C_DROP_ROW_FILTER;
	json_t *spec = json_null();
	if (set_it) {
		const char *fname = full_of(r, WEIR_SEC_FUNCTION, st->fn, st->nfn, err);
		weir_securable fs;
		if (fname == NULL || weir_gov_resolve(md, r->a, r->p, WEIR_SEC_FUNCTION, fname, &fs, err) != 0 ||
		    weir_gov_check(md, r->p, WEIR_OP_READ_DATA, &fs, err) != 0)
			return -1;
		json_t *fi = weir_catalog_get(md, r->a, &fs, true, true, err);
		if (fi == NULL)
			return -1;
		weir_json_own(r->a, fi);
		size_t np = json_array_size(json_object_get(json_object_get(fi, "input_params"), "parameters"));
		const char *rb = json_string_value(json_object_get(fi, "routine_body"));
		const char *dt = json_string_value(json_object_get(fi, "data_type"));
		size_t want = (size_t)st->nusing + (is_filter ? 0 : 1);
		if (rb == NULL || strcmp(rb, "SQL") != 0)
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "statement",
						"Function '%s' is not a SQL function", fs.full_name);
		if (np != want)
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "statement",
						"Function '%s' takes %zu parameter%s, and %zu column%s are given",
						fs.full_name, np, np == 1 ? "" : "s", want, want == 1 ? "" : "s");
		if (is_filter && (dt == NULL || strcmp(dt, "BOOLEAN") != 0))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "statement",
						"A row filter's function returns BOOLEAN ('%s' returns %s)",
						fs.full_name, dt ? dt : "nothing");
		json_t *cols = json_object_get(info, "columns");
		json_t *names = json_array();
		for (int i = 0; i < st->nusing; i++) {
			bool found = false;
			size_t k;
			json_t *c;
			json_array_foreach (cols, k, c) {
				const char *n = json_string_value(json_object_get(c, "name"));
				if (n && strcasecmp(n, st->using_cols[i]) == 0) {
					found = true;
					json_array_append_new(names, json_string(n));
				}
			}
			if (!found) {
				json_decref(names);
				return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "statement",
							"Table '%s' has no column '%.128s'", s.full_name,
							st->using_cols[i]);
			}
		}
		spec = is_filter ? json_pack("{s:s, s:o}", "function_name", fs.full_name, "input_column_names", names)
				 : json_pack("{s:s, s:o}", "function_name", fs.full_name, "using_column_names", names);
	}
	if (is_filter)
		json_object_set_new(body, "row_filter", spec);
	else
		json_object_set_new(body, "column_mask", json_pack("{s:s, s:o}", "column", st->column, "mask", spec));
	json_t *out = weir_catalog_update_sql(md, r->a, r->p, &s, body, err);
	if (out == NULL)
		return -1;
	json_decref(out);
	return 0;
}

static int grant(run *r, weir_db *md, weir_error *err)
{
	const weir_wh_cstmt *st = r->s;
	weir_securable s;
	if (resolve_kind(r, md, &s, err) != 0 || weir_gov_check(md, r->p, WEIR_OP_MANAGE_GRANTS, &s, err) != 0)
		return -1;
	json_t *privs = json_array();
	for (int i = 0; i < st->nprivs; i++) {
		int pv = weir_priv_parse(st->privs[i]);
		if (pv < 0 || !weir_priv_applies((weir_priv)pv, s.type)) {
			json_decref(privs);
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "statement", "Privilege %.64s %s",
						st->privs[i],
						pv < 0 ? "does not exist" : "does not apply to this securable");
		}
		json_array_append_new(privs, json_string(weir_priv_name((weir_priv)pv)));
	}
	json_t *changes = json_pack("[{s:s, s:o}]", "principal", st->principal,
				    st->kind == WEIR_WH_C_GRANT ? "add" : "remove", privs);
	json_t *out = weir_grants_update(md, r->a, r->p, &s, changes, err);
	json_decref(changes);
	if (out == NULL)
		return -1;
	json_decref(out);
	return 0;
}

/* CREATE [OR REPLACE] POLICY / DROP POLICY: the policies API's rules (governance/policies.c)
 * on the securable resolved as GRANT resolves it, MANAGE (or ownership) to change. OR
 * REPLACE replaces the whole definition: what the statement leaves out goes. */
static int policy_change(run *r, weir_db *md, weir_error *err)
{
	const weir_wh_cstmt *st = r->s;
	weir_securable s;
	if (resolve_kind(r, md, &s, err) != 0 || weir_gov_check(md, r->p, WEIR_OP_MANAGE_GRANTS, &s, err) != 0)
		return -1;
	if (st->kind == WEIR_WH_C_DROP_POLICY || st->or_replace) {
		if (weir_policies_delete(md, r->a, &s, st->policy, err) != 0) {
			if (st->kind == WEIR_WH_C_DROP_POLICY)
				return missing_ok(r, err);
			if (err->status != 404)
				return -1;
			weir_error_clear(err);
		}
		if (st->kind == WEIR_WH_C_DROP_POLICY)
			return 0;
	}
	/* the function's name, qualified by the statement's catalog and schema as ROW FILTER's */
	const char *fn = full_of(r, WEIR_SEC_FUNCTION, st->fn, st->nfn, err);
	json_t *opts = json_object_get(st->policy_info, "row_filter");
	if (fn == NULL)
		return -1;
	json_object_set_new(opts ? opts : json_object_get(st->policy_info, "column_mask"), "function_name",
			    json_string(fn));
	json_t *out = weir_policies_create(md, r->a, r->p, &s, st->policy_info, err);
	if (out == NULL) /* its message names the PolicyInfo field the clause sets */
		return -1;
	json_decref(out);
	return 0;
}

/* ---------------------------------------------------------------- answers */

static void columns(run *r, const char *const *names, int n)
{
	r->columns = json_array();
	r->rows = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(r->columns, json_pack("{s:s, s:s, s:s, s:i}", "name", names[i], "type_text",
							    strcmp(names[i], "isTemporary") == 0 ? "boolean" : "string",
							    "type_name",
							    strcmp(names[i], "isTemporary") == 0 ? "BOOLEAN" : "STRING",
							    "position", i));
}

static void row(run *r, int n, ...)
{
	json_t *row = json_array();
	va_list ap;
	va_start(ap, n);
	for (int i = 0; i < n; i++) {
		const char *v = va_arg(ap, const char *);
		json_array_append_new(row, v ? json_string(v) : json_null());
	}
	va_end(ap);
	json_array_append_new(r->rows, row);
}

/* Every page of a children list the caller may browse (weir_catalog_list filters). */
static json_t *list_all(run *r, weir_db *md, weir_sec_type t, weir_securable *parent, const char *key, weir_error *err)
{
	json_t *all = json_array();
	const char *token = NULL;
	for (int pages = 0; pages < 1000; pages++) {
		weir_page_req pg = {1000, token};
		json_t *page = weir_catalog_list(md, r->a, r->p, t, parent, &pg, key, true, true, false, err);
		if (page == NULL) {
			json_decref(all);
			return NULL;
		}
		json_array_extend(all, json_object_get(page, key));
		const char *next = json_string_value(json_object_get(page, "next_page_token"));
		token = next && *next ? weir_arena_strdup(r->a, next) : NULL;
		json_decref(page);
		if (token == NULL)
			break;
	}
	return all;
}

static int show(run *r, weir_db *md, weir_error *err)
{
	const weir_wh_cstmt *st = r->s;
	weir_securable s;
	json_t *items;
	size_t i;
	json_t *it;
	switch (st->kind) {
	case WEIR_WH_C_SHOW_CATALOGS:
		if (weir_gov_metastore_securable(md, r->a, &s, err) != 0 ||
		    (items = list_all(r, md, WEIR_SEC_CATALOG, &s, "catalogs", err)) == NULL)
			return -1;
		columns(r, (const char *const[]){"catalog"}, 1);
		json_array_foreach (items, i, it)
			row(r, 1, json_string_value(json_object_get(it, "name")));
		json_decref(items);
		return 0;
	case WEIR_WH_C_SHOW_SCHEMAS: {
		const char *cat = st->nparts ? st->parts[0] : r->x->catalog;
		if (!set(cat))
			return need_defaults("schema", err);
		if (weir_gov_resolve(md, r->a, r->p, WEIR_SEC_CATALOG, cat, &s, err) != 0 ||
		    weir_gov_check(md, r->p, WEIR_OP_LIST_CHILDREN, &s, err) != 0 ||
		    (items = list_all(r, md, WEIR_SEC_SCHEMA, &s, "schemas", err)) == NULL)
			return -1;
		r->target = s.full_name;
		columns(r, (const char *const[]){"databaseName"}, 1);
		json_array_foreach (items, i, it)
			row(r, 1, json_string_value(json_object_get(it, "name")));
		json_decref(items);
		return 0;
	}
	case WEIR_WH_C_SHOW_TABLES: {
		const char *full;
		if (st->nparts == 0) {
			if (!set(r->x->catalog) || !set(r->x->schema))
				return need_defaults("table", err);
			full = weir_arena_printf(r->a, "%s.%s", r->x->catalog, r->x->schema);
		} else if ((full = full_of(r, WEIR_SEC_SCHEMA, st->parts, st->nparts, err)) == NULL) {
			return -1;
		}
		if (weir_gov_resolve(md, r->a, r->p, WEIR_SEC_SCHEMA, full, &s, err) != 0 ||
		    weir_gov_check(md, r->p, WEIR_OP_LIST_CHILDREN, &s, err) != 0 ||
		    (items = list_all(r, md, WEIR_SEC_TABLE, &s, "tables", err)) == NULL)
			return -1;
		r->target = s.full_name;
		columns(r, (const char *const[]){"database", "tableName", "isTemporary"}, 3);
		json_array_foreach (items, i, it)
			row(r, 3, s.chain[0].name, json_string_value(json_object_get(it, "name")), "false");
		json_decref(items);
		return 0;
	}
	case WEIR_WH_C_SHOW_COLUMNS:
	case WEIR_WH_C_DESCRIBE: {
		json_t *info;
		if (resolve_table(r, md, &s, err) != 0 ||
		    weir_gov_check(md, r->p, WEIR_OP_READ_METADATA, &s, err) != 0 ||
		    table_type(r, md, &s, &info, err) == NULL)
			return -1;
		json_t *cols = json_object_get(info, "columns");
		if (st->kind == WEIR_WH_C_SHOW_COLUMNS) {
			columns(r, (const char *const[]){"col_name"}, 1);
			json_array_foreach (cols, i, it)
				row(r, 1, json_string_value(json_object_get(it, "name")));
			return 0;
		}
		columns(r, (const char *const[]){"col_name", "data_type", "comment"}, 3);
		json_array_foreach (cols, i, it)
			row(r, 3, json_string_value(json_object_get(it, "name")),
			    json_string_value(json_object_get(it, "type_text")),
			    json_string_value(json_object_get(it, "comment")));
		if (st->extended) {
			row(r, 3, "", "", "");
			row(r, 3, "# Detailed Table Information", "", "");
			row(r, 3, "Catalog", s.chain[2].name, "");
			row(r, 3, "Database", s.chain[1].name, "");
			row(r, 3, "Table", s.chain[0].name, "");
			row(r, 3, "Owner", json_string_value(json_object_get(info, "owner")), "");
			row(r, 3, "Type", json_string_value(json_object_get(info, "table_type")), "");
			const char *cm = json_string_value(json_object_get(info, "comment"));
			if (cm)
				row(r, 3, "Comment", cm, "");
			const char *vt = json_string_value(json_object_get(info, "view_definition"));
			if (vt)
				row(r, 3, "View Text", vt, "");
			json_t *props = json_object_get(info, "properties");
			if (json_object_size(props) > 0) {
				char *ps = json_dumps(props, JSON_COMPACT | JSON_SORT_KEYS);
				row(r, 3, "Table Properties", ps, "");
				free(ps);
			}
		}
		return 0;
	}
	case WEIR_WH_C_SHOW_POLICIES: {
		weir_page_req pg = {1000, NULL};
		json_t *l;
		if (resolve_kind(r, md, &s, err) != 0 ||
		    weir_gov_check(md, r->p, WEIR_OP_READ_METADATA, &s, err) != 0 ||
		    (l = weir_policies_list(md, r->a, &s, true, &pg, err)) == NULL)
			return -1;
		columns(r,
			(const char *const[]){"name", "policy_type", "on_securable_type", "on_securable_fullname",
					      "function_name", "comment"},
			6);
		json_array_foreach (json_object_get(l, "policies"), i, it) {
			json_t *fo = json_object_get(it, "row_filter");
			if (fo == NULL)
				fo = json_object_get(it, "column_mask");
			const char *type = json_string_value(json_object_get(it, "policy_type"));
			row(r, 6, json_string_value(json_object_get(it, "name")),
			    type && strcmp(type, "POLICY_TYPE_ROW_FILTER") == 0 ? "ROW FILTER" : "COLUMN MASK",
			    json_string_value(json_object_get(it, "on_securable_type")),
			    json_string_value(json_object_get(it, "on_securable_fullname")),
			    json_string_value(json_object_get(fo, "function_name")),
			    json_string_value(json_object_get(it, "comment")));
		}
		json_decref(l);
		return 0;
	}
	case WEIR_WH_C_DESCRIBE_POLICY: {
		json_t *pi;
		if (resolve_kind(r, md, &s, err) != 0 ||
		    weir_gov_check(md, r->p, WEIR_OP_READ_METADATA, &s, err) != 0 ||
		    (pi = weir_policies_get(md, r->a, &s, st->policy, err)) == NULL)
			return -1;
		weir_json_own(r->a, pi);
		bool filter = json_object_get(pi, "row_filter") != NULL;
		json_t *fo = json_object_get(pi, filter ? "row_filter" : "column_mask");
		columns(r, (const char *const[]){"info_name", "info_value"}, 2);
		/* property-value pairs; a field the policy does not set is left out */
		static const char *const keys[][2] = {{"Name", "name"},
						      {"Comment", "comment"},
						      {"On", "on_securable_fullname"},
						      {"On Type", "on_securable_type"},
						      {"For", "for_securable_type"},
						      {"When", "when_condition"},
						      {"Created By", "created_by"},
						      {"Updated By", "updated_by"}};
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			const char *v = json_string_value(json_object_get(pi, keys[k][1]));
			if (v)
				row(r, 2, keys[k][0], v);
		}
		row(r, 2, "Type", filter ? "ROW FILTER" : "COLUMN MASK");
		row(r, 2, "Function", json_string_value(json_object_get(fo, "function_name")));
		static const char *const lists[][2] = {{"To", "to_principals"}, {"Except", "except_principals"}};
		for (size_t k = 0; k < 2; k++) {
			json_t *arr = json_object_get(pi, lists[k][1]);
			if (json_array_size(arr) > 0)
				row(r, 2, lists[k][0], weir_json_text(r->a, arr, JSON_COMPACT));
		}
		if (json_array_size(json_object_get(pi, "match_columns")) > 0)
			row(r, 2, "Match Columns",
			    weir_json_text(r->a, json_object_get(pi, "match_columns"), JSON_COMPACT));
		const char *on = json_string_value(json_object_get(fo, "on_column"));
		if (on)
			row(r, 2, "On Column", on);
		if (json_array_size(json_object_get(fo, "using")) > 0)
			row(r, 2, "Using Columns", weir_json_text(r->a, json_object_get(fo, "using"), JSON_COMPACT));
		return 0;
	}
	default: { /* SHOW GRANTS */
		if (resolve_kind(r, md, &s, err) != 0 || weir_gov_check(md, r->p, WEIR_OP_READ_GRANTS, &s, err) != 0)
			return -1;
		json_t *eff = weir_grants_effective(md, r->a, r->p, &s, st->principal, err);
		if (eff == NULL)
			return -1;
		columns(r, (const char *const[]){"principal", "actionType", "objectType", "objectKey"}, 4);
		const char *own_type = s.type == WEIR_SEC_METASTORE ? "METASTORE" : st->sec_type;
		if (strcmp(own_type, "VIEW") == 0)
			own_type = "TABLE";
		json_t *pa;
		json_array_foreach (json_object_get(eff, "privilege_assignments"), i, pa) {
			size_t k;
			json_t *pv;
			json_array_foreach (json_object_get(pa, "privileges"), k, pv) {
				char *action = weir_arena_strdup(r->a,
								 json_string_value(json_object_get(pv, "privilege")));
				for (char *c = action; *c; c++)
					if (*c == '_')
						*c = ' ';
				const char *ot = json_string_value(json_object_get(pv, "inherited_from_type"));
				const char *on = json_string_value(json_object_get(pv, "inherited_from_name"));
				row(r, 4, json_string_value(json_object_get(pa, "principal")), action,
				    ot ? ot : own_type,
				    ot            ? on
				    : s.full_name ? s.full_name
						  : "");
			}
		}
		json_decref(eff);
		return 0;
	}
	}
}

/* A read: one pooled connection, its own snapshot. */
static void answer(run *r)
{
	weir_db *md = weir_db_acquire(r->pool);
	weir_error e = WEIR_ERROR_INIT;
	if (show(r, md, &e) != 0) {
		json_decref(r->columns);
		json_decref(r->rows);
		fail_err(r, &e);
	} else {
		r->o->columns = r->columns;
		r->o->rows = r->rows;
		r->o->state = WEIR_WH_SUCCEEDED;
	}
	weir_db_release(md);
}

void weir_wh__catalog_run(weir_db_pool *pool, weir_arena *a, const weir_principal *p, const weir_wh_exec *x,
			  const weir_wh_cstmt *s, weir_wh_outcome *o, const char **target)
{
	run r = {.pool = pool, .a = a, .p = p, .x = x, .s = s, .o = o};
	switch (s->kind) {
	case WEIR_WH_C_CREATE_CATALOG: change(&r, "createCatalog", create_catalog); break;
	case WEIR_WH_C_DROP_CATALOG: change(&r, "deleteCatalog", drop_catalog); break;
	case WEIR_WH_C_SET_OWNER: change(&r, "updateTable", set_owner); break;
	case WEIR_WH_C_CREATE_SCHEMA: change(&r, "createSchema", create_schema); break;
	case WEIR_WH_C_DROP_SCHEMA: change(&r, "deleteSchema", drop_schema); break;
	case WEIR_WH_C_DROP_VIEW: change(&r, "deleteTable", drop_view); break;
	case WEIR_WH_C_RENAME:
	case WEIR_WH_C_ADD_COLUMNS:
	case WEIR_WH_C_SET_PROPERTIES:
	case WEIR_WH_C_COLUMN_COMMENT: change(&r, "updateTable", alter); break;
	case WEIR_WH_C_COMMENT_ON:
		change(&r,
		       strcmp(s->sec_type, "CATALOG") == 0  ? "updateCatalog"
		       : strcmp(s->sec_type, "SCHEMA") == 0 ? "updateSchema"
							    : "updateTable",
		       alter);
		break;
	case WEIR_WH_C_GRANT:
	case WEIR_WH_C_REVOKE: change(&r, "updatePermissions", grant); break;
	case WEIR_WH_C_CREATE_FUNCTION: change(&r, "createFunction", create_function); break;
	case WEIR_WH_C_CREATE_POLICY: change(&r, "createPolicy", policy_change); break;
	case WEIR_WH_C_DROP_POLICY: change(&r, "deletePolicy", policy_change); break;
	case WEIR_WH_C_SET_ROW_FILTER:
	case WEIR_WH_C_DROP_ROW_FILTER:
	case WEIR_WH_C_SET_MASK:
	case WEIR_WH_C_DROP_MASK: change(&r, "updateTable", filter_or_mask); break;
	case WEIR_WH_C_SHOW_CATALOGS:
	case WEIR_WH_C_SHOW_SCHEMAS:
	case WEIR_WH_C_SHOW_TABLES:
	case WEIR_WH_C_SHOW_GRANTS:
	case WEIR_WH_C_SHOW_COLUMNS:
	case WEIR_WH_C_SHOW_POLICIES:
	case WEIR_WH_C_DESCRIBE_POLICY:
	case WEIR_WH_C_DESCRIBE: answer(&r); break;
	default: weir_wh__fail(o, "NOT_IMPLEMENTED", "This statement is not available in this warehouse yet"); break;
	}
	*target = r.target;
}
