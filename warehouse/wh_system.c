/* The warehouse's system tables (read-only, governed): system.information_schema.{catalogs,
 * schemata, tables, columns, table_privileges} filtered to what the caller may browse,
 * system.access.audit, system.access.table_lineage and system.access.column_lineage, with
 * Databricks' column names. Each is built, when a statement names it, from the metadata
 * store through the domain functions (catalog lists, grants, the audit query, lineage's
 * system rows) into rows the engine loads into an in-memory database attached to the
 * statement's connection: user SQL never touches the metadata pool. No SQL here.
 *
 * system.lakeflow.{jobs, job_tasks, job_run_timeline, job_task_run_timeline} come from the Jobs
 * domain (the jobs and runs the caller may view; the current version of each job only).
 *
 * Who may read them: admins, or a principal with USE CATALOG and SELECT on a catalog named
 * `system` (an admin creates it to grant them; the names under it are not securables). */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/json.h"
#include "core/util.h"
#include "governance/audit.h"
#include "governance/catalog.h"
#include "governance/grants.h"
#include "lineage/lineage_read.h"
#include "warehouse/wh_internal.h"
#include "workflows/workflows.h"

#define MAX_SYSTEM_ROWS 100000

static const char *ts(weir_arena *a, json_t *ms)
{
	if (!json_is_integer(ms) && !json_is_string(ms))
		return NULL;
	long long v = json_is_integer(ms) ? (long long)json_integer_value(ms) : atoll(json_string_value(ms));
	time_t s = (time_t)(v / 1000);
	struct tm tm;
	gmtime_r(&s, &tm);
	char buf[40];
	snprintf(buf, sizeof(buf), "%04d-%02d-%02d %02d:%02d:%02d.%03lld", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min, tm.tm_sec, v % 1000);
	return weir_arena_strdup(a, buf);
}

static json_t *str(const char *s) { return s ? json_string(s) : json_null(); }
static json_t *field(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	if (json_is_string(v))
		return json_string(json_string_value(v));
	if (json_is_integer(v)) {
		char b[32];
		snprintf(b, sizeof(b), "%lld", (long long)json_integer_value(v));
		return json_string(b);
	}
	if (json_is_boolean(v))
		return json_string(json_is_true(v) ? "true" : "false");
	if (json_is_object(v) || json_is_array(v)) {
		char *t = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
		json_t *s = json_string(t);
		free(t);
		return s;
	}
	return json_null();
}

bool weir_wh__system_allowed(weir_db *md, weir_arena *a, const weir_principal *p, const char *const *groups,
			     int ngroups)
{
	if (p->is_admin)
		return true;
	weir_securable s;
	weir_error e = WEIR_ERROR_INIT;
	if (weir_gov_resolve(md, a, p, WEIR_SEC_CATALOG, "system", &s, &e) != 0)
		return false;
	for (int i = 0; i < p->nclosure; i++)
		if (p->closure[i] == s.chain[0].owner_id)
			return true;
	json_t *eff = weir_grants_effective(md, a, p, &s, NULL, &e);
	if (eff == NULL)
		return false;
	bool use = false, sel = false;
	size_t i, k;
	json_t *pa, *pv;
	json_array_foreach (json_object_get(eff, "privilege_assignments"), i, pa) {
		const char *who = json_string_value(json_object_get(pa, "principal"));
		bool mine = who && strcasecmp(who, p->name) == 0;
		for (int g = 0; g < ngroups && !mine; g++)
			mine = who && strcasecmp(who, groups[g]) == 0;
		if (!mine)
			continue;
		json_array_foreach (json_object_get(pa, "privileges"), k, pv) {
			const char *priv = json_string_value(json_object_get(pv, "privilege"));
			if (priv == NULL)
				continue;
			use |= strcmp(priv, "USE_CATALOG") == 0 || strcmp(priv, "ALL_PRIVILEGES") == 0;
			sel |= strcmp(priv, "SELECT") == 0 || strcmp(priv, "ALL_PRIVILEGES") == 0;
		}
	}
	json_decref(eff);
	return use && sel;
}

typedef struct sys {
	weir_db *md;
	weir_arena *a;
	const weir_principal *p;
	json_t *rows;
} sys;

static void add(sys *s, json_t *row)
{
	if (json_array_size(s->rows) < MAX_SYSTEM_ROWS)
		json_array_append_new(s->rows, row);
	else
		json_decref(row);
}

/* Every page of the children the caller may browse. */
static json_t *children(sys *s, weir_sec_type t, weir_securable *parent, const char *key, bool columns)
{
	json_t *all = json_array();
	const char *token = NULL;
	weir_error e = WEIR_ERROR_INIT;
	for (int pages = 0; pages < 1000; pages++) {
		weir_page_req pg = {1000, token};
		json_t *page = weir_catalog_list(s->md, s->a, s->p, t, parent, &pg, key, !columns, false, false, &e);
		if (page == NULL)
			break;
		json_array_extend(all, json_object_get(page, key));
		const char *next = json_string_value(json_object_get(page, "next_page_token"));
		token = next && *next ? weir_arena_strdup(s->a, next) : NULL;
		json_decref(page);
		if (token == NULL)
			break;
	}
	return all;
}

static const char *const CATALOGS[] = {"catalog_name", "catalog_owner", "comment",         "created",
				       "created_by",   "last_altered",  "last_altered_by", NULL};
static const char *const SCHEMATA[] = {"catalog_name", "schema_name",  "schema_owner",    "comment", "created",
				       "created_by",   "last_altered", "last_altered_by", NULL};
static const char *const TABLES[] = {"table_catalog",
				     "table_schema",
				     "table_name",
				     "table_type",
				     "is_insertable_into",
				     "table_owner",
				     "comment",
				     "created",
				     "created_by",
				     "last_altered",
				     "last_altered_by",
				     "data_source_format",
				     NULL};
static const char *const COLUMNS[] = {"table_catalog",     "table_schema",  "table_name",     "column_name",
				      "ordinal_position",  "is_nullable",   "full_data_type", "data_type",
				      "numeric_precision", "numeric_scale", "comment",        NULL};
static const char *const TABLE_PRIVILEGES[] = {"grantor",      "grantee",        "table_catalog",
					       "table_schema", "table_name",     "privilege_type",
					       "is_grantable", "inherited_from", NULL};
static const char *const AUDIT[] = {"account_id",     "workspace_id", "version",           "event_time",
				    "event_date",     "event_id",     "source_ip_address", "user_agent",
				    "user_identity",  "service_name", "action_name",       "request_id",
				    "request_params", "response",     "audit_level",       NULL};

/* The walk over what the caller may browse: catalogs, their schemas, their tables. */
static void information_schema(sys *s, const char *table)
{
	weir_securable ms;
	weir_error e = WEIR_ERROR_INIT;
	if (weir_gov_metastore_securable(s->md, s->a, &ms, &e) != 0)
		return;
	bool want_schemas = strcmp(table, "catalogs") != 0;
	bool want_tables = want_schemas && strcmp(table, "schemata") != 0;
	json_t *cats = children(s, WEIR_SEC_CATALOG, &ms, "catalogs", false);
	size_t i;
	json_t *c;
	json_array_foreach (cats, i, c) {
		const char *cn = json_string_value(json_object_get(c, "name"));
		if (strcmp(table, "catalogs") == 0) {
			add(s, json_pack("[o,o,o,o,o,o,o]", field(c, "name"), field(c, "owner"), field(c, "comment"),
					 str(ts(s->a, json_object_get(c, "created_at"))), field(c, "created_by"),
					 str(ts(s->a, json_object_get(c, "updated_at"))), field(c, "updated_by")));
			continue;
		}
		weir_securable cs;
		if (!want_schemas || cn == NULL ||
		    weir_gov_resolve(s->md, s->a, s->p, WEIR_SEC_CATALOG, cn, &cs, &e) != 0) {
			weir_error_clear(&e);
			continue;
		}
		json_t *schemas = children(s, WEIR_SEC_SCHEMA, &cs, "schemas", false);
		size_t k;
		json_t *sc;
		json_array_foreach (schemas, k, sc) {
			const char *sn = json_string_value(json_object_get(sc, "name"));
			if (strcmp(table, "schemata") == 0) {
				add(s,
				    json_pack("[s,o,o,o,o,o,o,o]", cn, field(sc, "name"), field(sc, "owner"),
					      field(sc, "comment"), str(ts(s->a, json_object_get(sc, "created_at"))),
					      field(sc, "created_by"), str(ts(s->a, json_object_get(sc, "updated_at"))),
					      field(sc, "updated_by")));
				continue;
			}
			weir_securable ss;
			if (!want_tables || sn == NULL ||
			    weir_gov_resolve(s->md, s->a, s->p, WEIR_SEC_SCHEMA,
					     weir_arena_printf(s->a, "%s.%s", cn, sn), &ss, &e) != 0) {
				weir_error_clear(&e);
				continue;
			}
			json_t *tables = children(s, WEIR_SEC_TABLE, &ss, "tables", strcmp(table, "columns") == 0);
			size_t m;
			json_t *t;
			json_array_foreach (tables, m, t) {
				const char *tn = json_string_value(json_object_get(t, "name"));
				if (strcmp(table, "tables") == 0) {
					const char *type = json_string_value(json_object_get(t, "table_type"));
					add(s, json_pack("[s,s,o,o,s,o,o,o,o,o,o,o]", cn, sn, field(t, "name"),
							 field(t, "table_type"),
							 type && strcmp(type, "MANAGED") == 0 ? "YES" : "NO",
							 field(t, "owner"), field(t, "comment"),
							 str(ts(s->a, json_object_get(t, "created_at"))),
							 field(t, "created_by"),
							 str(ts(s->a, json_object_get(t, "updated_at"))),
							 field(t, "updated_by"), field(t, "data_source_format")));
				} else if (strcmp(table, "columns") == 0) {
					size_t q;
					json_t *col;
					json_array_foreach (json_object_get(t, "columns"), q, col) {
						json_t *nullable = json_object_get(col, "nullable");
						add(s, json_pack("[s,s,s,o,o,s,o,o,o,o,o]", cn, sn, tn ? tn : "",
								 field(col, "name"), field(col, "position"),
								 json_is_false(nullable) ? "NO" : "YES",
								 field(col, "type_text"), field(col, "type_name"),
								 field(col, "type_precision"), field(col, "type_scale"),
								 field(col, "comment")));
					}
				} else { /* table_privileges: the grants the caller may see on each table */
					weir_securable ts_;
					if (tn == NULL ||
					    weir_gov_resolve(s->md, s->a, s->p, WEIR_SEC_TABLE,
							     weir_arena_printf(s->a, "%s.%s.%s", cn, sn, tn), &ts_,
							     &e) != 0) {
						weir_error_clear(&e);
						continue;
					}
					json_t *eff = weir_grants_effective(s->md, s->a, s->p, &ts_, NULL, &e);
					if (eff == NULL) {
						weir_error_clear(&e);
						continue;
					}
					size_t q, r;
					json_t *pa, *pv;
					json_array_foreach (json_object_get(eff, "privilege_assignments"), q, pa)
						json_array_foreach (json_object_get(pa, "privileges"), r, pv) {
							json_t *from = json_object_get(pv, "inherited_from_name");
							char *priv = weir_arena_strdup(
								s->a,
								json_string_value(json_object_get(pv, "privilege")));
							for (char *ch = priv; *ch; ch++)
								if (*ch == '_')
									*ch = ' ';
							add(s, json_pack("[s,o,s,s,s,s,s,o]", "",
									 field(pa, "principal"), cn, sn, tn, priv, "NO",
									 from ? json_incref(from) : json_null()));
						}
					json_decref(eff);
				}
			}
			json_decref(tables);
		}
		json_decref(schemas);
	}
	json_decref(cats);
}

static void audit(sys *s)
{
	weir_audit_filter f;
	memset(&f, 0, sizeof(f));
	weir_error e = WEIR_ERROR_INIT;
	const char *token = NULL;
	while (json_array_size(s->rows) < MAX_SYSTEM_ROWS) {
		weir_page_req pg = {1000, token};
		json_t *page = weir_audit_query(s->md, s->a, &f, &pg, &e);
		if (page == NULL)
			break;
		size_t i;
		json_t *ev;
		json_array_foreach (json_object_get(page, "events"), i, ev)
			add(s, json_pack("[s,o,o,o,o,o,o,o,o,o,o,o,o,o,o]", "", field(ev, "workspace_id"),
					 field(ev, "version"), str(ts(s->a, json_object_get(ev, "event_time"))),
					 field(ev, "event_date"), field(ev, "event_id"), field(ev, "source_ip_address"),
					 field(ev, "user_agent"), field(ev, "user_identity"), field(ev, "service_name"),
					 field(ev, "action_name"), field(ev, "request_id"), field(ev, "request_params"),
					 field(ev, "response"), field(ev, "audit_level")));
		const char *next = json_string_value(json_object_get(page, "next_page_token"));
		token = next && *next ? weir_arena_strdup(s->a, next) : NULL;
		json_decref(page);
		if (token == NULL)
			break;
	}
}

/* Lineage rows naming a table the caller may not browse are left out (admins see all). */
static void lineage(sys *s, bool column, int ncols, const char *const *names)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *all = weir_lineage_system_rows(s->md, column, MAX_SYSTEM_ROWS, &e);
	if (all == NULL)
		return;
	int src = -1, dst = -1, at = -1;
	for (int i = 0; i < ncols; i++) {
		if (strcmp(names[i], "source_table_full_name") == 0)
			src = i;
		else if (strcmp(names[i], "target_table_full_name") == 0)
			dst = i;
		else if (strcmp(names[i], "event_time") == 0)
			at = i;
	}
	size_t i;
	json_t *row;
	json_array_foreach (all, i, row) {
		bool visible = true;
		for (int k = 0; k < 2 && visible && !s->p->is_admin; k++) {
			const char *full = json_string_value(json_array_get(row, (size_t)(k ? dst : src)));
			weir_securable t;
			if (full && weir_gov_resolve(s->md, s->a, s->p, WEIR_SEC_TABLE, full, &t, &e) != 0) {
				weir_error_clear(&e);
				visible = false;
			}
		}
		if (!visible)
			continue;
		if (at >= 0)
			json_array_set_new(row, (size_t)at, str(ts(s->a, json_array_get(row, (size_t)at))));
		add(s, json_incref(row));
	}
	json_decref(all);
}

static const char *const JOBS[] = {"account_id", "workspace_id", "job_id",      "name",   "description", "creator_id",
				   "tags",       "change_time",  "delete_time", "run_as", NULL};
static const char *const JOB_TASKS[] = {"account_id",      "workspace_id", "job_id",      "task_key",
					"depends_on_keys", "change_time",  "delete_time", NULL};
static const char *const JOB_RUN_TIMELINE[] = {
	"account_id",       "workspace_id",   "job_id",   "run_id",   "period_start_time",
	"period_end_time",  "trigger_type",   "run_type", "run_name", "result_state",
	"termination_code", "job_parameters", NULL};
static const char *const JOB_TASK_RUN_TIMELINE[] = {
	"account_id",        "workspace_id",    "job_id",   "run_id",       "job_run_id",       "parent_run_id",
	"period_start_time", "period_end_time", "task_key", "result_state", "termination_code", NULL};

static json_t *ws(sys *s)
{
	char b[24];
	snprintf(b, sizeof(b), "%lld", (long long)s->p->workspace_id);
	return json_string(b);
}

static void lakeflow_jobs(sys *s, bool tasks)
{
	weir_error e = WEIR_ERROR_INIT;
	for (int64_t offset = 0; json_array_size(s->rows) < MAX_SYSTEM_ROWS; offset += 100) {
		json_t *page = weir_jobs_list(s->md, s->a, s->p, NULL, true, 100, offset, NULL, &e);
		if (page == NULL)
			break;
		size_t i;
		json_t *j;
		json_array_foreach (json_object_get(page, "jobs"), i, j) {
			json_t *st = json_object_get(j, "settings");
			json_t *changed = json_object_get(j, "created_time");
			if (!tasks) {
				add(s,
				    json_pack("[s,o,o,o,o,o,o,o,n,o]", "", ws(s), field(j, "job_id"), field(st, "name"),
					      field(st, "description"), field(j, "creator_user_name"),
					      field(st, "tags"), str(ts(s->a, changed)), field(j, "run_as_user_name")));
				continue;
			}
			size_t k;
			json_t *t;
			json_array_foreach (json_object_get(st, "tasks"), k, t) {
				json_t *keys = json_array();
				size_t d;
				json_t *dep;
				json_array_foreach (json_object_get(t, "depends_on"), d, dep)
					json_array_append(keys, json_object_get(dep, "task_key"));
				char *kt = json_dumps(keys, JSON_COMPACT);
				json_decref(keys);
				add(s, json_pack("[s,o,o,o,s,o,n]", "", ws(s), field(j, "job_id"), field(t, "task_key"),
						 kt, str(ts(s->a, changed))));
				free(kt);
			}
		}
		bool more = json_is_true(json_object_get(page, "has_more"));
		json_decref(page);
		if (!more)
			break;
	}
}

static json_t *ended(sys *s, json_t *run)
{
	json_t *end = json_object_get(run, "end_time");
	return json_integer_value(end) > 0 ? str(ts(s->a, end)) : json_null();
}

static void lakeflow_runs(sys *s, bool tasks)
{
	weir_error e = WEIR_ERROR_INIT;
	for (int64_t offset = 0; json_array_size(s->rows) < MAX_SYSTEM_ROWS; offset += 25) {
		weir_runs_filter f = {.expand_tasks = true, .limit = 25, .offset = offset};
		json_t *page = weir_runs_list(s->md, s->a, s->p, &f, &e);
		if (page == NULL)
			break;
		size_t i;
		json_t *r;
		json_array_foreach (json_object_get(page, "runs"), i, r) {
			json_t *state = json_object_get(r, "state");
			json_t *term = json_object_get(
				json_object_get(json_object_get(r, "status"), "termination_details"), "code");
			if (!tasks) {
				add(s,
				    json_pack("[s,o,o,o,o,o,o,o,o,o,o,o]", "", ws(s), field(r, "job_id"),
					      field(r, "run_id"), str(ts(s->a, json_object_get(r, "start_time"))),
					      ended(s, r), field(r, "trigger"), field(r, "run_type"),
					      field(r, "run_name"), field(state, "result_state"),
					      term ? json_string(json_string_value(term) ? json_string_value(term) : "")
						   : json_null(),
					      field(r, "job_parameters")));
				continue;
			}
			size_t k;
			json_t *t;
			json_array_foreach (json_object_get(r, "tasks"), k, t) {
				json_t *tst = json_object_get(t, "state");
				json_t *tterm = json_object_get(json_object_get(t, "status"), "termination_details");
				add(s,
				    json_pack("[s,o,o,o,o,o,o,o,o,o,o]", "", ws(s), field(r, "job_id"),
					      field(t, "run_id"), field(r, "run_id"), field(r, "run_id"),
					      str(ts(s->a, json_object_get(t, "start_time"))), ended(s, t),
					      field(t, "task_key"), field(tst, "result_state"), field(tterm, "code")));
			}
		}
		bool more = json_is_true(json_object_get(page, "has_more"));
		json_decref(page);
		if (!more)
			break;
	}
}

int weir_wh__system_table(weir_db *md, weir_arena *a, const weir_principal *p, const char *schema, const char *table,
			  weir_wh_systab *out, weir_error *err)
{
	memset(out, 0, sizeof(*out));
	sys s = {md, a, p, json_array()};
	const char *const *cols = NULL;
	int n = 0;
	if (strcasecmp(schema, "information_schema") == 0) {
		static const struct {
			const char *name;
			const char *const *cols;
		} known[] = {{"catalogs", CATALOGS},
			     {"schemata", SCHEMATA},
			     {"tables", TABLES},
			     {"columns", COLUMNS},
			     {"table_privileges", TABLE_PRIVILEGES}};
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]) && cols == NULL; i++)
			if (strcasecmp(table, known[i].name) == 0) {
				cols = known[i].cols;
				information_schema(&s, known[i].name);
			}
		while (cols && cols[n])
			n++;
	} else if (strcasecmp(schema, "access") == 0 && strcasecmp(table, "audit") == 0) {
		cols = AUDIT;
		while (cols[n])
			n++;
		audit(&s);
	} else if (strcasecmp(schema, "access") == 0 &&
		   (strcasecmp(table, "table_lineage") == 0 || strcasecmp(table, "column_lineage") == 0)) {
		bool column = strcasecmp(table, "column_lineage") == 0;
		cols = weir_lineage_system_columns(column, &n);
		lineage(&s, column, n, cols);
	} else if (strcasecmp(schema, "lakeflow") == 0) {
		static const struct {
			const char *name;
			const char *const *cols;
			bool runs, tasks;
		} known[] = {{"jobs", JOBS, false, false},
			     {"job_tasks", JOB_TASKS, false, true},
			     {"job_run_timeline", JOB_RUN_TIMELINE, true, false},
			     {"job_task_run_timeline", JOB_TASK_RUN_TIMELINE, true, true}};
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]) && cols == NULL; i++)
			if (strcasecmp(table, known[i].name) == 0) {
				cols = known[i].cols;
				if (known[i].runs)
					lakeflow_runs(&s, known[i].tasks);
				else
					lakeflow_jobs(&s, known[i].tasks);
			}
		while (cols && cols[n])
			n++;
	}
	if (cols == NULL) {
		json_decref(s.rows);
		return weir_error_set(err, WEIR_E_TABLE_NOT_FOUND,
				      "The table or view 'system.%.64s.%.64s' cannot be found (this warehouse has "
				      "system.information_schema.{catalogs, schemata, tables, columns, "
				      "table_privileges}, system.access.{audit, table_lineage, column_lineage} and "
				      "system.lakeflow.{jobs, job_tasks, job_run_timeline, job_task_run_timeline})",
				      schema, table);
	}
	out->cols = cols;
	out->ncols = n;
	out->rows = s.rows;
	return 0;
}
