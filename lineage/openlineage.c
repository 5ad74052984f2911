/* OpenLineage ingest: validation of the envelope against the 2-0-2 schema (required
 * eventTime, producer, schemaURL; run.runId a UUID; job namespace and name; datasets with
 * namespace and name; eventType in the enum), then recording. A RunEvent records, for its
 * run as producer, an edge from every input to every output (or input -> job when it wrote
 * nothing, job -> output when it read nothing), its columnLineage facets as column edges
 * (DIRECT/INDIRECT with subtype; columnLineage.dataset as edges into the whole output,
 * column ''), the run (state, start/end, parent run) and job with their facets merged by
 * name (`_deleted: true` drops one), and the event verbatim. DatasetEvents carry static
 * lineage (columnLineage on the dataset); JobEvents static job lineage. */
#include "lineage/openlineage.h"
#include "lineage/lineage_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int bad(weir_error *err, const char *prefix, const char *field, const char *fmt, const char *what)
{
	char f[96];
	snprintf(f, sizeof(f), "%s%s", prefix, field);
	return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, f, fmt, f, what);
}

static int req_str(json_t *o, const char *key, const char *prefix, const char *path, const char **out, weir_error *err)
{
	json_t *v = json_object_get(o, key);
	if (v == NULL || json_is_null(v))
		return bad(err, prefix, path, "Missing required field: %s%s", "");
	if (!json_is_string(v) || json_string_length(v) == 0)
		return bad(err, prefix, path, "Invalid value for field '%s': expected a non-empty string%s", "");
	if (json_string_length(v) > 4096)
		return bad(err, prefix, path, "Invalid value for field '%s': longer than 4096 characters%s", "");
	*out = json_string_value(v);
	return 0;
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int weir_openlineage_parse_time(const char *s, int64_t *out_ms)
{
	int Y, M, D, h, m, sec;
	if (strlen(s) < 19 || digits(s, 4, &Y) || s[4] != '-' || digits(s + 5, 2, &M) || s[7] != '-' ||
	    digits(s + 8, 2, &D) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || digits(s + 11, 2, &h) ||
	    s[13] != ':' || digits(s + 14, 2, &m) || s[16] != ':' || digits(s + 17, 2, &sec))
		return -1;
	if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
		return -1;
	const char *p = s + 19;
	int ms = 0;
	if (*p == '.') {
		p++;
		int n = 0;
		while (isdigit((unsigned char)*p)) {
			if (n < 3)
				ms = ms * 10 + (*p - '0');
			n++;
			p++;
		}
		if (n == 0)
			return -1;
		for (; n < 3; n++)
			ms *= 10;
	}
	int off = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;
		if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 || om > 59)
			return -1;
		off = (oh * 60 + om) * (*p == '+' ? 1 : -1);
		p += 6;
	} else {
		return -1;
	}
	if (*p != '\0')
		return -1;
	/* days from civil (Howard Hinnant) */
	int y = Y - (M <= 2);
	int era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153u * (unsigned)(M + (M > 2 ? -3 : 9)) + 2) / 5 + (unsigned)D - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = (int64_t)era * 146097 + (int64_t)doe - 719468;
	*out_ms = ((days * 86400 + h * 3600 + m * 60 + sec) - (int64_t)off * 60) * 1000 + ms;
	return 0;
}

static bool is_uuid(const char *s)
{
	if (strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!isxdigit((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

static bool is_uri(const char *s)
{
	/* scheme ":" ...: a letter, then letters, digits, + - . */
	if (!isalpha((unsigned char)s[0]))
		return false;
	const char *p = s + 1;
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
		p++;
	return *p == ':' && p[1] != '\0';
}

static int check_facets(json_t *o, const char *key, const char *prefix, const char *path, weir_error *err)
{
	json_t *f = json_object_get(o, key);
	if (f == NULL || json_is_null(f))
		return 0;
	if (!json_is_object(f))
		return bad(err, prefix, path, "Invalid value for field '%s': expected an object%s", "");
	const char *k;
	json_t *v;
	json_object_foreach (f, k, v) {
		if (!json_is_object(v)) {
			char p2[96];
			snprintf(p2, sizeof(p2), "%s.%.40s", path, k);
			return bad(err, prefix, p2, "Invalid value for field '%s': a facet is an object%s", "");
		}
	}
	return 0;
}

/* The object at `path` names something (a job, a dataset): a namespace, a name, facets. */
static int check_named(json_t *o, const char *prefix, const char *path, weir_error *err)
{
	if (!json_is_object(o))
		return bad(err, prefix, path, "Invalid value for field '%s': expected an object%s", "");
	char pn[80], pm[80], pf[80];
	const char *s;
	snprintf(pn, sizeof(pn), "%s.namespace", path);
	snprintf(pm, sizeof(pm), "%s.name", path);
	snprintf(pf, sizeof(pf), "%s.facets", path);
	if (req_str(o, "namespace", prefix, pn, &s, err) != 0 || req_str(o, "name", prefix, pm, &s, err) != 0 ||
	    check_facets(o, "facets", prefix, pf, err) != 0)
		return -1;
	return 0;
}

static int check_datasets(json_t *ev, const char *key, const char *prefix, weir_error *err)
{
	json_t *arr = json_object_get(ev, key);
	if (arr == NULL || json_is_null(arr))
		return 0;
	if (!json_is_array(arr))
		return bad(err, prefix, key, "Invalid value for field '%s': expected an array%s", "");
	if (json_array_size(arr) > WEIR_OL_MAX_DATASETS)
		return bad(err, prefix, key, "Invalid value for field '%s': more than 1000 datasets%s", "");
	size_t i;
	json_t *d;
	json_array_foreach (arr, i, d) {
		char p[64], pf[80];
		snprintf(p, sizeof(p), "%s[%zu]", key, i);
		if (check_named(d, prefix, p, err) != 0)
			return -1;
		snprintf(pf, sizeof(pf), "%s.inputFacets", p);
		if (check_facets(d, "inputFacets", prefix, pf, err) != 0)
			return -1;
		snprintf(pf, sizeof(pf), "%s.outputFacets", p);
		if (check_facets(d, "outputFacets", prefix, pf, err) != 0)
			return -1;
	}
	return 0;
}

/* Required string field `key` of o, a URI. */
static int req_uri(json_t *o, const char *key, const char *prefix, weir_error *err)
{
	const char *s;
	if (req_str(o, key, prefix, key, &s, err) != 0)
		return -1;
	if (!is_uri(s))
		return bad(err, prefix, key, "Invalid value for field '%s': expected a URI%s", "");
	return 0;
}

static const char *const event_types[] = {"START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER", NULL};

int weir_openlineage_validate(json_t *ev, const char *prefix, weir_error *err)
{
	const char *s;
	int64_t t;
	if (!json_is_object(ev))
		return bad(err, prefix, "event", "Invalid value for field '%s': an event is a JSON object%s", "");
	if (req_str(ev, "eventTime", prefix, "eventTime", &s, err) != 0)
		return -1;
	if (weir_openlineage_parse_time(s, &t) != 0)
		return bad(err, prefix, "eventTime", "Invalid value for field '%s': expected an RFC 3339 date-time%s",
			   "");
	if (req_uri(ev, "producer", prefix, err) != 0 || req_uri(ev, "schemaURL", prefix, err) != 0)
		return -1;
	json_t *run = json_object_get(ev, "run"), *job = json_object_get(ev, "job");
	json_t *ds = json_object_get(ev, "dataset");
	if (ds && !json_is_null(ds)) {
		if (run || job)
			return bad(err, prefix, "dataset",
				   "Invalid value for field '%s': a DatasetEvent carries no run or job%s", "");
		return check_named(ds, prefix, "dataset", err);
	}
	if ((run == NULL || json_is_null(run)) && (job == NULL || json_is_null(job)))
		return bad(err, prefix, "run", "Missing required field: %s%s (or job, or dataset)", "");
	if (job == NULL || json_is_null(job))
		return bad(err, prefix, "job", "Missing required field: %s%s", "");
	if (check_named(job, prefix, "job", err) != 0)
		return -1;
	if (run && !json_is_null(run)) {
		if (!json_is_object(run))
			return bad(err, prefix, "run", "Invalid value for field '%s': expected an object%s", "");
		if (req_str(run, "runId", prefix, "run.runId", &s, err) != 0)
			return -1;
		if (!is_uuid(s))
			return bad(err, prefix, "run.runId", "Invalid value for field '%s': expected a UUID%s", "");
		if (check_facets(run, "facets", prefix, "run.facets", err) != 0)
			return -1;
		json_t *et = json_object_get(ev, "eventType");
		if (et && !json_is_null(et)) {
			bool ok = false;
			for (int i = 0; json_is_string(et) && event_types[i]; i++)
				ok = ok || strcmp(json_string_value(et), event_types[i]) == 0;
			if (!ok)
				return bad(
					err, prefix, "eventType",
					"Invalid value for field '%s': expected START, RUNNING, COMPLETE, ABORT, FAIL "
					"or OTHER%s",
					"");
		}
	}
	return check_datasets(ev, "inputs", prefix, err) || check_datasets(ev, "outputs", prefix, err) ? -1 : 0;
}

/* ---------------------------------------------------------------- recording */

/* Merges facet object `add` into the JSON text `old` (a facet replaces the one of the same
 * name; `_deleted: true` removes it). Returns malloc'd text. */
static char *merge_facets(const char *old, json_t *add)
{
	json_t *o = old ? json_loads(old, 0, NULL) : NULL;
	if (!json_is_object(o)) {
		json_decref(o);
		o = json_object();
	}
	const char *k;
	json_t *v;
	json_object_foreach (add, k, v) { /* add may be NULL: nothing to merge */
		if (json_is_true(json_object_get(v, "_deleted")))
			json_object_del(o, k);
		else
			json_object_set(o, k, v);
	}
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

/* Per-event caches: every dataset, column and table edge is written once per event. */
typedef struct ol_ds {
	const char *ns, *name;
	weir_lineage_node node;
	int64_t id;
} ol_ds;
typedef struct ol_col {
	int64_t node, id;
	const char *name;
} ol_col;

typedef struct ol_ctx {
	weir_db *db;
	weir_arena *a;
	int64_t at;
	weir_lineage_producer by;
	int64_t pid; /* producer row id, once `by` is set */
	ol_ds *ds;
	size_t nds, capds;
	ol_col *cols;
	size_t ncols, capcols;
	lin_vec edges; /* (src, dst) pairs written */
} ol_ctx;

static int set_producer(ol_ctx *c, const char *type, const char *id, weir_error *err)
{
	c->by = (weir_lineage_producer){WEIR_LIN_OPENLINEAGE, type, id};
	return weir_lin__producer_id(c->db, &c->by, &c->pid, err);
}

/* The node (and row id) a dataset stands for. */
static int ds_node(ol_ctx *c, const char *ns, const char *name, weir_lineage_node *n, int64_t *id, weir_error *err)
{
	for (size_t i = 0; i < c->nds; i++)
		if (strcmp(c->ds[i].ns, ns) == 0 && strcmp(c->ds[i].name, name) == 0) {
			*n = c->ds[i].node;
			*id = c->ds[i].id;
			return 0;
		}
	if (weir_lineage_dataset_node(c->db, c->a, ns, name, n, err) != 0 ||
	    weir_lin__node_id(c->db, n, c->at, id, err) != 0)
		return -1;
	c->ds = weir_lin__grow(c->a, c->ds, c->nds, &c->capds, sizeof(*c->ds), 16);
	c->ds[c->nds++] = (ol_ds){ns, name, *n, *id};
	return 0;
}

static int column_id(ol_ctx *c, int64_t node, const char *name, int64_t *id, weir_error *err)
{
	for (size_t i = 0; i < c->ncols; i++)
		if (c->cols[i].node == node && strcmp(c->cols[i].name, name) == 0) {
			*id = c->cols[i].id;
			return 0;
		}
	if (weir_lin_store_column(c->db, node, name, id, err) != 0)
		return -1;
	c->cols = weir_lin__grow(c->a, c->cols, c->ncols, &c->capcols, sizeof(*c->cols), 32);
	c->cols[c->ncols++] = (ol_col){node, *id, name};
	return 0;
}

static int edge_ids(ol_ctx *c, int64_t s, int64_t d, weir_error *err)
{
	for (size_t i = 0; i + 1 < c->edges.n; i += 2)
		if (c->edges.v[i] == s && c->edges.v[i + 1] == d)
			return 0;
	weir_lin_vec_push(c->a, &c->edges, s);
	weir_lin_vec_push(c->a, &c->edges, d);
	return weir_lin_store_edge(c->db, s, d, c->pid, "OPENLINEAGE", NULL, c->at, err);
}

static int dataset(ol_ctx *c, json_t *d, weir_lineage_node *n, int64_t *id, weir_error *err)
{
	const char *ns = json_string_value(json_object_get(d, "namespace"));
	const char *name = json_string_value(json_object_get(d, "name"));
	if (ds_node(c, ns, name, n, id, err) != 0)
		return -1;
	json_t *facets = json_object_get(d, "facets");
	if (json_is_object(facets) && json_object_size(facets) > 0) {
		lin_node_row row;
		if (weir_lin_store_node_get(c->db, c->a, *id, &row, err) < 0)
			return -1;
		char *m = merge_facets(row.facets, facets);
		int rc = weir_lin_store_node_set_facets(c->db, *id, m, err);
		free(m);
		if (rc != 0)
			return -1;
	}
	return 0;
}

static const char *transformation_of(json_t *t, const char **subtype)
{
	const char *type = json_string_value(json_object_get(t, "type"));
	*subtype = json_string_value(json_object_get(t, "subtype"));
	if (type && (strcmp(type, "DIRECT") == 0 || strcmp(type, "INDIRECT") == 0))
		return type;
	return NULL;
}

/* Records one input field -> output column with each of its transformations. */
static int input_field(ol_ctx *c, json_t *in, int64_t out, const char *out_col, const char *legacy_type,
		       weir_error *err)
{
	const char *ns = json_string_value(json_object_get(in, "namespace"));
	const char *name = json_string_value(json_object_get(in, "name"));
	const char *field = json_string_value(json_object_get(in, "field"));
	if (ns == NULL || name == NULL || field == NULL || field[0] == '\0' || ns[0] == '\0' || name[0] == '\0' ||
	    strlen(field) > 1024 || strlen(out_col) > 1024)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "columnLineage",
					"Invalid columnLineage facet: an inputField needs namespace, name and field");
	weir_lineage_node src;
	int64_t sid, sc, dc;
	if (ds_node(c, ns, name, &src, &sid, err) != 0 || edge_ids(c, sid, out, err) != 0 ||
	    column_id(c, sid, field, &sc, err) != 0 || column_id(c, out, out_col, &dc, err) != 0)
		return -1;
	json_t *ts = json_object_get(in, "transformations");
	size_t n = json_is_array(ts) ? json_array_size(ts) : 0, recorded = 0;
	for (size_t i = 0; i < n; i++) {
		const char *sub;
		const char *type = transformation_of(json_array_get(ts, i), &sub);
		if (type == NULL)
			continue;
		if (weir_lin_store_column_edge(c->db, sc, dc, type, sub, c->pid, "OPENLINEAGE", NULL, c->at, err) != 0)
			return -1;
		recorded++;
	}
	if (recorded == 0) /* legacy facet (1-0/1-1): direct, subtype from transformationType */
		return weir_lin_store_column_edge(c->db, sc, dc, "DIRECT", legacy_type, c->pid, "OPENLINEAGE", NULL,
						  c->at, err);
	return 0;
}

static int column_lineage(ol_ctx *c, json_t *d, int64_t out, weir_error *err)
{
	json_t *cl = json_object_get(json_object_get(d, "facets"), "columnLineage");
	if (!json_is_object(cl))
		return 0;
	json_t *fields = json_object_get(cl, "fields");
	const char *col;
	json_t *f;
	json_object_foreach (fields, col, f) {
		json_t *ins = json_object_get(f, "inputFields");
		const char *legacy = json_string_value(json_object_get(f, "transformationType"));
		size_t i;
		json_t *in;
		json_array_foreach (ins, i, in)
			if (input_field(c, in, out, col, legacy, err) != 0)
				return -1;
	}
	size_t i;
	json_t *in;
	json_array_foreach (json_object_get(cl, "dataset"), i, in)
		if (input_field(c, in, out, "", NULL, err) != 0)
			return -1;
	return 0;
}

static bool terminal(const char *s)
{
	return s && (strcmp(s, "COMPLETE") == 0 || strcmp(s, "FAIL") == 0 || strcmp(s, "ABORT") == 0);
}

/* The union of a run's datasets so far (stored JSON text) and the event's: [{namespace,
 * name, new}] where new marks the event's own. Returns a new reference. */
static json_t *merge_io(const char *stored, json_t *event_arr)
{
	json_t *out = json_array();
	json_t *old = stored ? json_loads(stored, 0, NULL) : NULL;
	size_t i, k;
	json_t *d, *x;
	json_array_foreach (old, i, d)
		json_array_append_new(out, json_pack("{s:O, s:O, s:b}", "namespace", json_object_get(d, "namespace"),
						     "name", json_object_get(d, "name"), "new", 0));
	json_decref(old);
	json_array_foreach (event_arr, i, d) {
		bool found = false;
		json_array_foreach (out, k, x) {
			if (json_equal(json_object_get(x, "namespace"), json_object_get(d, "namespace")) &&
			    json_equal(json_object_get(x, "name"), json_object_get(d, "name"))) {
				json_object_set_new(x, "new", json_true());
				found = true;
				break;
			}
		}
		if (!found)
			json_array_append_new(out,
					      json_pack("{s:O, s:O, s:b}", "namespace", json_object_get(d, "namespace"),
							"name", json_object_get(d, "name"), "new", 1));
	}
	return out;
}

static char *io_text(json_t *merged)
{
	json_t *arr = json_array();
	size_t i;
	json_t *d;
	json_array_foreach (merged, i, d)
		json_array_append_new(arr, json_pack("{s:O, s:O}", "namespace", json_object_get(d, "namespace"), "name",
						     json_object_get(d, "name")));
	char *s = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	return s;
}

#define WEIR_OL_MAX_PAIRS 250000

/* The row ids of accumulated datasets `list` ({namespace, name, new}) and which of them are
 * this event's (`new`), in arena arrays. */
static int ds_ids(ol_ctx *c, json_t *list, int64_t **ids, bool **is_new, weir_error *err)
{
	size_t n = json_array_size(list);
	*ids = weir_arena_calloc(c->a, (n + 1) * sizeof(**ids));
	*is_new = weir_arena_calloc(c->a, n + 1);
	weir_lineage_node node;
	for (size_t i = 0; i < n; i++) {
		json_t *d = json_array_get(list, i);
		(*is_new)[i] = json_is_true(json_object_get(d, "new"));
		if (ds_node(c, json_string_value(json_object_get(d, "namespace")),
			    json_string_value(json_object_get(d, "name")), &node, &(*ids)[i], err) != 0)
			return -1;
	}
	return 0;
}

/* Table edges of a run or job (ins/outs: the accumulated datasets, `new` marking this
 * event's) and the column lineage of this event's outputs. Each input -> output pair that
 * involves a dataset of this event is (re)observed; a run that ended (or a static JobEvent)
 * having written nothing records input -> job, one that read nothing job -> output; a run
 * still going records neither, so a START with inputs only adds no edge to the job. */
static int io_edges(ol_ctx *c, json_t *ev, json_t *ins, json_t *outs, int64_t job, bool final, weir_error *err)
{
	size_t ni = json_array_size(ins), no = json_array_size(outs);
	if (ni * no > WEIR_OL_MAX_PAIRS)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "inputs",
					"Too many input x output pairs in one run (at most %d)", WEIR_OL_MAX_PAIRS);
	/* facets of this event's datasets */
	const char *keys[] = {"inputs", "outputs"};
	for (int k = 0; k < 2; k++) {
		size_t i;
		json_t *d;
		weir_lineage_node n;
		int64_t id;
		json_array_foreach (json_object_get(ev, keys[k]), i, d)
			if (dataset(c, d, &n, &id, err) != 0)
				return -1;
	}
	int64_t *in, *out;
	bool *in_new, *out_new;
	if (ds_ids(c, ins, &in, &in_new, err) != 0 || ds_ids(c, outs, &out, &out_new, err) != 0)
		return -1;
	for (size_t i = 0; i < ni; i++) {
		if (no == 0 && final && edge_ids(c, in[i], job, err) != 0)
			return -1;
		for (size_t j = 0; j < no; j++)
			if ((in_new[i] || out_new[j]) && edge_ids(c, in[i], out[j], err) != 0)
				return -1;
	}
	for (size_t j = 0; j < no; j++)
		if (ni == 0 && final && edge_ids(c, job, out[j], err) != 0)
			return -1;
	weir_lineage_node n;
	size_t j;
	json_t *d;
	json_array_foreach (json_object_get(ev, "outputs"), j, d) {
		int64_t id;
		if (dataset(c, d, &n, &id, err) != 0 || column_lineage(c, d, id, err) != 0)
			return -1;
	}
	return 0;
}

static int job_node(ol_ctx *c, json_t *job, weir_lineage_node *n, int64_t *id, weir_error *err)
{
	const char *ns = json_string_value(json_object_get(job, "namespace"));
	const char *name = json_string_value(json_object_get(job, "name"));
	n->kind = WEIR_LIN_OL_JOB;
	n->key = weir_arena_printf(c->a, "%s\n%s", ns, name);
	n->name = name;
	if (weir_lin_store_node_upsert(c->db, WEIR_LIN_OL_JOB, n->key, name, ns, NULL, c->at, id, err) != 0)
		return -1;
	json_t *facets = json_object_get(job, "facets");
	const char *old = weir_lin_store_ol_job_facets(c->db, c->a, *id);
	if (old != NULL && !json_is_object(facets))
		return 0;
	char *m = merge_facets(old, json_is_object(facets) ? facets : NULL);
	int rc = weir_lin_store_ol_job(c->db, *id, ns, name, m, c->at, err);
	free(m);
	return rc;
}

static int run_event(ol_ctx *c, json_t *ev, weir_error *err)
{
	json_t *run = json_object_get(ev, "run"), *job = json_object_get(ev, "job");
	const char *run_id = json_string_value(json_object_get(run, "runId"));
	const char *type = json_string_value(json_object_get(ev, "eventType"));
	if (type == NULL)
		type = "OTHER";
	weir_lineage_node jn;
	int64_t job_id, run_node;
	if (job_node(c, job, &jn, &job_id, err) != 0)
		return -1;
	if (weir_lin_store_node_upsert(c->db, WEIR_LIN_OL_RUN, run_id, run_id, NULL, NULL, c->at, &run_node, err) != 0)
		return -1;
	lin_run_row r;
	int got = weir_lin_store_ol_run_get(c->db, c->a, run_id, &r, err);
	if (got < 0)
		return -1;
	if (got == 1) {
		memset(&r, 0, sizeof(r));
		r.run_id = run_id;
		r.state = type;
	}
	r.node_id = run_node;
	r.job_node_id = job_id;
	/* terminal states stick; otherwise the latest event by eventTime wins */
	if (!terminal(r.state) || terminal(type))
		r.state = type;
	if (strcmp(type, "START") == 0 && (r.start_time == 0 || c->at < r.start_time))
		r.start_time = c->at;
	if (terminal(type))
		r.end_time = c->at;
	json_t *facets = json_object_get(run, "facets");
	json_t *parent = json_object_get(facets, "parent");
	if (json_is_object(parent)) {
		const char *prid = json_string_value(json_object_get(json_object_get(parent, "run"), "runId"));
		json_t *pj = json_object_get(parent, "job");
		if (prid)
			r.parent_run_id = prid;
		if (json_is_object(pj)) {
			r.parent_job_namespace = json_string_value(json_object_get(pj, "namespace"));
			r.parent_job_name = json_string_value(json_object_get(pj, "name"));
		}
	}
	char *m = merge_facets(r.facets, json_is_object(facets) ? facets : NULL);
	json_t *ins = merge_io(r.inputs, json_object_get(ev, "inputs"));
	json_t *outs = merge_io(r.outputs, json_object_get(ev, "outputs"));
	char *it = io_text(ins), *ot = io_text(outs);
	r.facets = m;
	r.inputs = it;
	r.outputs = ot;
	int rc = weir_lin_store_ol_run_put(c->db, &r, c->at, err);
	free(m);
	free(it);
	free(ot);
	if (rc == 0)
		rc = set_producer(c, "openlineage_run", run_id, err);
	if (rc == 0)
		rc = io_edges(c, ev, ins, outs, job_id, terminal(type), err);
	json_decref(ins);
	json_decref(outs);
	return rc;
}

int weir_openlineage_ingest(weir_db *db, weir_arena *a, json_t *ev, const char *prefix, int64_t received_ms,
			    weir_error *err)
{
	if (weir_openlineage_validate(ev, prefix ? prefix : "", err) != 0)
		return -1;
	ol_ctx c;
	memset(&c, 0, sizeof(c));
	c.db = db;
	c.a = a;
	weir_openlineage_parse_time(json_string_value(json_object_get(ev, "eventTime")), &c.at);
	const char *kind, *run_id = NULL, *jns = NULL, *jname = NULL;
	json_t *run = json_object_get(ev, "run"), *job = json_object_get(ev, "job");
	json_t *ds = json_object_get(ev, "dataset");
	if (json_is_object(run)) {
		kind = "RUN";
		run_id = json_string_value(json_object_get(run, "runId"));
	} else if (json_is_object(ds)) {
		kind = "DATASET";
	} else {
		kind = "JOB";
	}
	if (json_is_object(job)) {
		jns = json_string_value(json_object_get(job, "namespace"));
		jname = json_string_value(json_object_get(job, "name"));
	}
	int rc;
	if (strcmp(kind, "RUN") == 0) {
		rc = run_event(&c, ev, err);
	} else if (strcmp(kind, "DATASET") == 0) {
		weir_lineage_node n;
		int64_t id;
		const char *key = weir_arena_printf(a, "%s\n%s", json_string_value(json_object_get(ds, "namespace")),
						    json_string_value(json_object_get(ds, "name")));
		rc = set_producer(&c, "openlineage_dataset", key, err);
		if (rc == 0)
			rc = dataset(&c, ds, &n, &id, err);
		if (rc == 0)
			rc = column_lineage(&c, ds, id, err);
	} else {
		weir_lineage_node jn;
		int64_t job_id;
		rc = set_producer(&c, "openlineage_job", weir_arena_printf(a, "%s\n%s", jns, jname), err);
		if (rc == 0)
			rc = job_node(&c, job, &jn, &job_id, err);
		json_t *ins = merge_io(NULL, json_object_get(ev, "inputs"));
		json_t *outs = merge_io(NULL, json_object_get(ev, "outputs"));
		if (rc == 0)
			rc = io_edges(&c, ev, ins, outs, job_id, true, err);
		json_decref(ins);
		json_decref(outs);
	}
	if (rc != 0)
		return -1;
	char *body = json_dumps(ev, JSON_COMPACT);
	rc = weir_lin_store_ol_event(db, received_ms, c.at, kind, json_string_value(json_object_get(ev, "eventType")),
				     run_id, jns, jname, json_string_value(json_object_get(ev, "producer")),
				     json_string_value(json_object_get(ev, "schemaURL")), body ? body : "{}", err);
	free(body);
	return rc;
}

int weir_openlineage_ingest_isolated(weir_db *db, weir_arena *a, json_t *ev, int64_t received_ms, weir_error *err)
{
	if (weir_lin_store_savepoint(db, "SAVEPOINT", err) != 0)
		return -1;
	if (weir_openlineage_ingest(db, a, ev, "", received_ms, err) != 0) {
		weir_error ignore = WEIR_ERROR_INIT;
		if (weir_lin_store_savepoint(db, "ROLLBACK TO", &ignore) == 0)
			weir_lin_store_savepoint(db, "RELEASE", &ignore);
		return -1;
	}
	return weir_lin_store_savepoint(db, "RELEASE", err);
}
