/* Saved SQL queries (Databricks /api/2.0/sql/queries) and the workflows' sql_task runner
 * that executes one by id. A query is visible to its owner and admins (others get the
 * not-found answer); it runs as whoever runs it, so the engine's grants decide what its
 * SQL may touch. SQL in queries_store.c. */
#include "warehouse/queries_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "warehouse/files.h"
#include "warehouse/warehouse.h"

static int missing(weir_error *err, const char *id)
{
	return weir_error_obj(err, WEIR_E_NOT_FOUND, WEIR_OBJ_ANY, "id", "Query %.100s does not exist.", id);
}

static const char *iso(weir_arena *a, int64_t ms)
{
	char buf[WEIR_ISO_MS_LEN];
	weir_time_iso_ms(ms, buf);
	return weir_arena_strdup(a, buf);
}

static json_t *query_json(weir_db *db, weir_arena *a, const weir_wh_query *q)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", q->id, "display_name", q->display_name,
			      "query_text", q->query_text, "create_time", iso(a, q->create_time), "update_time",
			      iso(a, q->update_time), "lifecycle_state", "ACTIVE", "run_as_mode", "VIEWER");
	if (q->description)
		json_object_set_new(o, "description", json_string(q->description));
	if (q->warehouse_id)
		json_object_set_new(o, "warehouse_id", json_string(q->warehouse_id));
	if (q->catalog)
		json_object_set_new(o, "catalog", json_string(q->catalog));
	if (q->schema)
		json_object_set_new(o, "schema", json_string(q->schema));
	const char *owner = weir_gov_principal_name(db, a, q->owner_id);
	if (owner) {
		json_object_set_new(o, "owner_user_name", json_string(owner));
		json_object_set_new(o, "last_modifier_user_name", json_string(owner));
	}
	return o;
}

/* Reads the fields of a Query object given in `src` into q (those present only). */
static int read_fields(weir_db *db, weir_arena *a, const weir_principal *who, const json_t *src, weir_wh_query *q,
		       const char *mask, weir_error *err)
{
	static const char *const KEYS[] = {"display_name", "description", "query_text",
					   "warehouse_id", "catalog",     "schema"};
	const char **dst[] = {&q->display_name, &q->description, &q->query_text,
			      &q->warehouse_id, &q->catalog,     &q->schema};
	for (size_t i = 0; i < sizeof KEYS / sizeof KEYS[0]; i++) {
		if (mask) { /* update: only the fields the mask names */
			bool named = false;
			for (const char *p = mask; *p && !named;) {
				size_t n = strcspn(p, ", ");
				named = n == strlen(KEYS[i]) && strncmp(p, KEYS[i], n) == 0;
				p += n;
				p += strspn(p, ", ");
			}
			if (!named)
				continue;
		}
		json_t *v = json_object_get(src, KEYS[i]);
		if (v == NULL || json_is_null(v)) {
			if (mask && (i == 0 || i == 2))
				return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, KEYS[i],
							"query.%s cannot be removed", KEYS[i]);
			if (mask)
				*dst[i] = NULL;
			continue;
		}
		if (!json_is_string(v))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, KEYS[i],
						"query.%s must be a string", KEYS[i]);
		*dst[i] = json_string_value(v);
	}
	if (q->display_name == NULL || *q->display_name == '\0')
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "display_name",
					"query.display_name is required");
	if (q->query_text == NULL || *q->query_text == '\0')
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "query_text",
					"query.query_text is required");
	if (strlen(q->display_name) > 255)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "display_name",
					"query.display_name is longer than 255 characters");
	if (q->warehouse_id) {
		int slots;
		int64_t auto_stop;
		if (weir_wh_warehouse_usable(db, a, who, q->warehouse_id, &slots, &auto_stop, err) != 0)
			return -1;
	}
	return 0;
}

json_t *weir_wh_query_create(weir_db *db, weir_arena *a, const weir_principal *p, const json_t *body, weir_error *err)
{
	json_t *src = json_object_get(body, "query");
	if (!json_is_object(src))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "query", "query is required (an object)"),
		       NULL;
	weir_wh_query q = {0};
	if (read_fields(db, a, p, src, &q, NULL, err) != 0)
		return NULL;
	char id[37];
	weir_uuid4(id);
	q.id = weir_arena_strdup(a, id);
	q.owner_id = p->id;
	q.create_time = q.update_time = weir_now_ms();
	if (weir_whq_store_insert(db, &q, err) != 0)
		return NULL;
	return query_json(db, a, &q);
}

/* The query if p may see it (its owner, or an admin). */
static int visible(weir_db *db, weir_arena *a, const weir_principal *p, const char *id, weir_wh_query *q,
		   weir_error *err)
{
	int rc = weir_whq_store_get(db, a, id, q, err);
	if (rc < 0)
		return -1;
	if (rc == 0 || (!p->is_admin && q->owner_id != p->id))
		return missing(err, id);
	return 0;
}

json_t *weir_wh_query_get(weir_db *db, weir_arena *a, const weir_principal *p, const char *id, weir_error *err)
{
	weir_wh_query q;
	return visible(db, a, p, id, &q, err) == 0 ? query_json(db, a, &q) : NULL;
}

json_t *weir_wh_query_update(weir_db *db, weir_arena *a, const weir_principal *p, const char *id, const json_t *body,
			     weir_error *err)
{
	weir_wh_query q;
	if (visible(db, a, p, id, &q, err) != 0)
		return NULL;
	json_t *mask = json_object_get(body, "update_mask");
	json_t *src = json_object_get(body, "query");
	if (!json_is_string(mask) || *json_string_value(mask) == '\0')
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "update_mask",
					"update_mask is required (the fields to change, comma separated)"),
		       NULL;
	if (!json_is_object(src))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "query", "query is required (an object)"),
		       NULL;
	if (read_fields(db, a, p, src, &q, json_string_value(mask), err) != 0)
		return NULL;
	q.update_time = weir_now_ms();
	if (weir_whq_store_update(db, &q, err) != 0)
		return NULL;
	return query_json(db, a, &q);
}

int weir_wh_query_delete(weir_db *db, weir_arena *a, const weir_principal *p, const char *id, weir_error *err)
{
	weir_wh_query q;
	if (visible(db, a, p, id, &q, err) != 0)
		return -1;
	int rc = weir_whq_store_trash(db, id, weir_now_ms(), err);
	return rc == 1 ? 0 : rc == 0 ? missing(err, id) : -1;
}

json_t *weir_wh_query_list(weir_db *db, weir_arena *a, const weir_principal *p, int64_t page_size,
			   const char *page_token, weir_error *err)
{
	if (page_size == 0)
		page_size = 20;
	if (page_size < 1 || page_size > 100)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "page_size",
					"page_size must be from 1 to 100"),
		       NULL;
	int64_t offset = 0;
	if (page_token && *page_token && weir_page_token_offset_parse(a, page_token, &offset, err) != 0)
		return NULL;
	weir_wh_query *rows = weir_arena_alloc(a, (size_t)(page_size + 1) * sizeof *rows);
	int n = weir_whq_store_list(db, a, p->is_admin, p->id, offset, page_size + 1, rows, err);
	if (n < 0)
		return NULL;
	json_t *res = json_array();
	for (int i = 0; i < n && i < page_size; i++)
		json_array_append_new(res, query_json(db, a, &rows[i]));
	json_t *out = json_pack("{s:o}", "results", res);
	if (n > page_size)
		json_object_set_new(out, "next_page_token",
				    json_string(weir_page_token_offset(a, offset + page_size, true)));
	return out;
}

/* ---------------------------------------------------------------- sql_task */

/* Runs a statement for a job's task and fills res from its outcome. */
static int run_for_task(weir_db_pool *pool, weir_arena *a, const char *text, const char *catalog, const char *schema,
			int64_t run_as_id, int64_t workspace_id, int64_t run_id, int64_t task_run_id,
			weir_wh_task_result *res)
{
	int rc = -1;
	/* the statement id names the job run and task run; the lineage edges' producer is the job
	 * run (a per-run lineage view: run=job_run:<run id>) */
	const char *sid = weir_arena_printf(a, "jobrun-%" PRId64 "-task-%" PRId64, run_id, task_run_id);
	weir_wh_exec x = {.principal_id = run_as_id,
			  .workspace_id = workspace_id,
			  .statement = text,
			  .catalog = catalog,
			  .schema = schema,
			  .statement_id = sid,
			  .producer_type = "job_run",
			  .producer_id = weir_arena_printf(a, "%" PRId64, run_id),
			  .row_limit = 1000};
	weir_wh_outcome o = {0};
	weir_wh_execute(pool, &x, &o);
	if (o.state == WEIR_WH_SUCCEEDED) {
		res->ok = true;
		/* values: the row count, and the first row's columns (small results only) */
		json_t *v = json_pack("{s:I}", "row_count", (json_int_t)json_array_size(o.rows));
		json_t *first = json_array_get(o.rows, 0);
		for (size_t i = 0; first && i < json_array_size(o.columns) && i < 32; i++) {
			const char *name = json_string_value(json_object_get(json_array_get(o.columns, i), "name"));
			if (name)
				json_object_set(v, name, json_array_get(first, i));
		}
		res->values = v;
		rc = 0;
	} else {
		snprintf(res->message, sizeof res->message, "%s%s%s",
			 o.state == WEIR_WH_CANCELED ? "CANCELED" : o.error_code, o.message[0] ? ": " : "", o.message);
	}
	weir_wh_outcome_clear(&o);
	return rc;
}

/* sql_task.file: a .sql file in a volume the run's principal may read (READ VOLUME), at
 * most 1 MiB, run as that principal. */
static int file_task(weir_db_pool *pool, const json_t *file, int64_t run_as_id, int64_t workspace_id, int64_t run_id,
		     int64_t task_run_id, weir_wh_task_result *res)
{
	const char *path = json_string_value(json_object_get(file, "path"));
	const char *slash = path ? strrchr(path, '/') : NULL;
	if (path == NULL || strncmp(path, "/Volumes/", 9) != 0 || slash == NULL || slash[1] == '\0' ||
	    strcmp(slash + 1, "..") == 0 || strcmp(slash + 1, ".") == 0) {
		snprintf(
			res->message, sizeof res->message,
			"sql_task.file.path must name a file in a volume: /Volumes/<catalog>/<schema>/<volume>/<path>");
		return -1;
	}
	weir_arena *a = weir_arena_new(4096);
	weir_error e = WEIR_ERROR_INIT;
	weir_db *db = weir_db_acquire(pool);
	const char *dir = NULL;
	weir_principal *p = weir_gov_principal_load(db, a, run_as_id, workspace_id, &e);
	int rc = p ? weir_files_volume_dir(db, a, p, weir_arena_strndup(a, path, (size_t)(slash - path)), false, &dir,
					   &e)
		   : -1;
	weir_db_release(db);
	if (rc != 0) {
		snprintf(res->message, sizeof res->message, "sql_task.file: %s",
			 p ? e.message : "the run's principal is gone");
		weir_arena_free(a);
		return -1;
	}
	char *text = NULL;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int fd = dfd >= 0 ? openat(dfd, slash + 1, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) : -1;
	struct stat sb;
	if (fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size <= (1 << 20)) {
		text = weir_arena_alloc(a, (size_t)sb.st_size + 1);
		ssize_t got = read(fd, text, (size_t)sb.st_size);
		if (got >= 0)
			text[got] = '\0';
		else
			text = NULL;
	}
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (text == NULL) {
		snprintf(res->message, sizeof res->message,
			 "sql_task.file: %.300s is not a readable file of at most 1 MiB", path);
		weir_arena_free(a);
		return -1;
	}
	rc = run_for_task(pool, a, text, NULL, NULL, run_as_id, workspace_id, run_id, task_run_id, res);
	weir_arena_free(a);
	return rc;
}

int weir_wh_sql_task_run(weir_db_pool *pool, const json_t *task, int64_t run_as_id, int64_t workspace_id,
			 int64_t run_id, int64_t task_run_id, weir_wh_task_result *res)
{
	weir_error refused = WEIR_ERROR_INIT;
	if (weir_wh_refused(&refused) != 0) {
		snprintf(res->message, sizeof res->message, "%s (%s)", refused.message, weir_code_name(refused.code));
		return -1;
	}
	json_t *query = json_object_get(task, "query");
	static const char *const OTHER[] = {"alert", "dashboard"};
	for (size_t i = 0; i < sizeof OTHER / sizeof OTHER[0]; i++)
		if (json_object_get(task, OTHER[i])) {
			snprintf(res->message, sizeof res->message,
				 "sql_task.%s is not supported by this server yet; use sql_task.query (a saved query)",
				 OTHER[i]);
			return -1;
		}
	json_t *params = json_object_get(task, "parameters");
	if (json_object_size(params) > 0) {
		snprintf(res->message, sizeof res->message, "sql_task.parameters are not supported by this server yet");
		return -1;
	}
	json_t *file = json_object_get(task, "file");
	if (json_is_object(file))
		return file_task(pool, file, run_as_id, workspace_id, run_id, task_run_id, res);
	const char *qid = json_string_value(json_object_get(query, "query_id"));
	if (qid == NULL) {
		snprintf(res->message, sizeof res->message, "sql_task.query.query_id is required");
		return -1;
	}
	weir_arena *a = weir_arena_new(4096);
	weir_error e = WEIR_ERROR_INIT;
	weir_db *db = weir_db_acquire(pool);
	weir_wh_query q;
	int rc = -1;
	/* the query as the run's principal sees it: its owner or an admin may run it */
	weir_principal *p = weir_gov_principal_load(db, a, run_as_id, workspace_id, &e);
	if (p == NULL || visible(db, a, p, qid, &q, &e) != 0) {
		weir_db_release(db);
		snprintf(res->message, sizeof res->message, "sql_task: %s",
			 p ? e.message : "the run's principal is gone");
		goto out;
	}
	weir_db_release(db);
	rc = run_for_task(pool, a, q.query_text, q.catalog, q.schema, run_as_id, workspace_id, run_id, task_run_id,
			  res);
out:
	weir_arena_free(a);
	return rc;
}
