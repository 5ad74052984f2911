/* Lineage reads for one caller: node references, the bounded UI graph, Marquez's graph,
 * Databricks' lineage-tracking answers, column impact, and manual edges. Every node goes
 * through one visibility decision (vis_get) memoised per call, so a name, SQL text or job
 * name reaches a response only from a node or producer that decision made visible. */
#include "lineage/lineage_read.h"
#include "lineage/lineage_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/json.h"
#include "core/util.h"

/* ---------------------------------------------------------------- visibility */

enum { VIS_UNKNOWN = 0, VIS_SHOWN, VIS_MASKED };

typedef struct vis_ent {
	int64_t id; /* 0: empty slot */
	int state;
	bool loaded; /* row prefetched (prefetch()) */
	lin_node_row row;
	const char *full; /* display name when shown */
	const char *pub; /* public id (shown) or masked id */
} vis_ent;

typedef struct lin_ctx {
	weir_db *db;
	weir_arena *a;
	const weir_principal *p;
	vis_ent *tab;
	size_t cap, n;
	int masked; /* masked nodes rendered */
	/* sibling cache: "parent\ntype" -> shown, for leaves the caller neither owns nor holds
	 * a direct grant on (their visibility is their parent chain's: see catalog_visible) */
	json_t *siblings;
	json_t *facts; /* securable id -> [parent, type, personal] (prefetched) */
	/* a catalog object resolved by name that has no lineage yet: node id -1 */
	lin_node_row virt;
	const char *virt_full;
} lin_ctx;

static void ctx_init(lin_ctx *c, weir_db *db, weir_arena *a, const weir_principal *p)
{
	memset(c, 0, sizeof(*c));
	c->db = db;
	c->a = a;
	c->p = p;
	c->cap = 256;
	c->tab = weir_arena_calloc(a, c->cap * sizeof(vis_ent));
	c->siblings = weir_json_own(a, json_object());
	c->facts = weir_json_own(a, json_object());
}

static vis_ent *slot(lin_ctx *c, int64_t id)
{
	if ((c->n + 1) * 2 > c->cap) {
		vis_ent *old = c->tab;
		size_t oc = c->cap;
		c->cap *= 2;
		c->tab = weir_arena_calloc(c->a, c->cap * sizeof(vis_ent));
		c->n = 0;
		for (size_t i = 0; i < oc; i++)
			if (old[i].id) {
				vis_ent *e = slot(c, old[i].id);
				*e = old[i];
			}
	}
	size_t h = (size_t)((uint64_t)id * 0x9E3779B97F4A7C15ull) & (c->cap - 1);
	while (c->tab[h].id && c->tab[h].id != id)
		h = (h + 1) & (c->cap - 1);
	if (c->tab[h].id == 0) {
		c->tab[h].id = id;
		c->n++;
	}
	return &c->tab[h];
}

static bool is_admin(const lin_ctx *c) { return c->p && c->p->is_admin; }

static const char *lower_kind(weir_arena *a, weir_lineage_kind k)
{
	char *s = weir_arena_strdup(a, weir_lin__kind_name(k));
	for (char *q = s; *q; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q - 'A' + 'a');
	return s;
}

/* Public id of a shown node: "<kind>:<key>" ("dataset:<ns>:<name>", "job:<ns>:<name>",
 * "run:<runId>", "table:<securable id>"). */
static const char *public_id(weir_arena *a, const lin_node_row *r)
{
	switch (r->kind) {
	case WEIR_LIN_DATASET:
	case WEIR_LIN_OL_JOB: {
		const char *nl = strchr(r->key, '\n');
		const char *pre = r->kind == WEIR_LIN_DATASET ? "dataset" : "job";
		if (nl)
			return weir_arena_printf(a, "%s:%.*s:%s", pre, (int)(nl - r->key), r->key, nl + 1);
		return weir_arena_printf(a, "%s:%s", pre, r->key);
	}
	case WEIR_LIN_OL_RUN: return weir_arena_printf(a, "run:%s", r->key);
	default: return weir_arena_printf(a, "%s:%s", lower_kind(a, r->kind), r->key);
	}
}

static vis_ent *vis_get(lin_ctx *c, int64_t id);

static bool resolve_visible(lin_ctx *c, vis_ent *e)
{
	weir_securable s;
	weir_error err = WEIR_ERROR_INIT;
	if (weir_gov_resolve_id(c->db, c->a, c->p, e->row.securable_id, &s, &err) != 0)
		return false;
	e->full = s.full_name;
	if (e->row.kind == WEIR_LIN_MODEL_VERSION && strchr(e->row.key, '/'))
		e->full = weir_arena_printf(c->a, "%s%s", s.full_name, strchr(e->row.key, '/'));
	return true;
}

/* Browsing a leaf depends on its parent chain (grants on the catalog and schema, their
 * owners, the catalog's workspace binding) and on the leaf itself only through its owner and
 * the grants on it (governance/authz.c). So a leaf the caller neither owns nor holds a direct
 * grant on is visible exactly when any such sibling of the same type is: one
 * weir_gov_resolve_id per (schema, type) instead of one per node. If governance ever gains
 * per-leaf rules of another kind (tag policies, row-level deny), this shortcut must go. */
static bool catalog_visible(lin_ctx *c, vis_ent *e)
{
	if (is_admin(c)) {
		e->full = e->row.name;
		return true;
	}
	if (e->row.deleted_at || e->row.securable_id == NULL || c->p == NULL)
		return false;
	const char *parent, *type;
	bool personal;
	weir_error err = WEIR_ERROR_INIT;
	json_t *f = json_object_get(c->facts, e->row.securable_id);
	if (f) {
		parent = json_string_value(json_array_get(f, 0));
		type = json_string_value(json_array_get(f, 1));
		personal = json_is_true(json_array_get(f, 2));
	} else if (weir_lin_store_leaf_facts(c->db, c->a, e->row.securable_id, c->p->closure_json, &parent, &type,
					     &personal, &err) != 0) {
		return false;
	}
	if (personal || parent == NULL)
		return resolve_visible(c, e);
	const char *key = weir_arena_printf(c->a, "%s\n%s", parent, type);
	json_t *known = json_object_get(c->siblings, key);
	if (known) {
		if (!json_is_true(known))
			return false;
		e->full = e->row.name;
		return true;
	}
	bool shown = resolve_visible(c, e);
	json_object_set_new(c->siblings, key, json_boolean(shown));
	return shown;
}

/* All catalog nodes among ids (pairs or a list) visible; more than the limit: not visible. */
static bool all_catalog_visible(lin_ctx *c, const lin_vec *ids, int64_t limit)
{
	if ((int64_t)ids->n >= limit)
		return false;
	for (size_t i = 0; i < ids->n; i++) {
		vis_ent *n = vis_get(c, ids->v[i]);
		if (n && weir_lin__kind_is_catalog(n->row.kind) && n->state != VIS_SHOWN)
			return false;
	}
	return true;
}

#define ENDPOINT_LIMIT 2000

/* Jobs, runs, queries, notebooks: shown when every catalog node they touch is. */
static bool entity_visible(lin_ctx *c, vis_ent *e)
{
	if (is_admin(c))
		return true;
	weir_error err = WEIR_ERROR_INIT;
	lin_vec ids = {0};
	lin_edges nb = {0};
	if (weir_lin_store_neighbours(c->db, c->a, e->id, true, ENDPOINT_LIMIT, &nb, &err) != 0 ||
	    weir_lin_store_neighbours(c->db, c->a, e->id, false, ENDPOINT_LIMIT, &nb, &err) != 0)
		return false;
	for (size_t i = 0; i < nb.n; i++)
		weir_lin_vec_push(c->a, &ids, nb.e[i].src == e->id ? nb.e[i].dst : nb.e[i].src);
	if (e->row.kind == WEIR_LIN_OL_JOB) {
		if (weir_lin_store_job_endpoints(c->db, c->a, e->id, e->row.key, ENDPOINT_LIMIT, &ids, &err) != 0)
			return false;
	} else {
		const char *type = e->row.kind == WEIR_LIN_OL_RUN       ? "openlineage_run"
				   : e->row.kind == WEIR_LIN_JOB_RUN    ? "job_run"
				   : e->row.kind == WEIR_LIN_MLFLOW_RUN ? "mlflow_run"
				   : e->row.kind == WEIR_LIN_QUERY      ? "statement"
									: NULL;
		int64_t pid;
		if (type && weir_lin_store_producer_find(c->db, type, e->row.key, &pid, &err) == 0 &&
		    weir_lin_store_producer_endpoints(c->db, c->a, pid, ENDPOINT_LIMIT, &ids, &err) != 0)
			return false;
	}
	return all_catalog_visible(c, &ids, ENDPOINT_LIMIT * 3);
}

/* The node with its visibility decided; NULL if the row does not exist. */
static vis_ent *vis_get(lin_ctx *c, int64_t id)
{
	vis_ent *e = slot(c, id);
	if (e->state != VIS_UNKNOWN)
		return e;
	weir_error err = WEIR_ERROR_INIT;
	lin_node_row row;
	if (id == -1 && c->virt.id == -1) {
		e->row = c->virt;
		e->state = VIS_SHOWN;
		e->full = c->virt_full;
		e->pub = public_id(c->a, &c->virt);
		return e;
	}
	if (e->loaded)
		row = e->row;
	else if (weir_lin_store_node_get(c->db, c->a, id, &row, &err) != 0) {
		e->state = VIS_MASKED;
		e->row.kind = WEIR_LIN_DATASET;
		e->row.key = "";
		e->pub = weir_lin__masked_id(c->a, WEIR_LIN_DATASET, weir_arena_printf(c->a, "%lld", (long long)id));
		return e;
	}
	e->row = row;
	e->state = VIS_MASKED; /* while deciding: a node never vouches for itself */
	bool shown;
	if (weir_lin__kind_is_catalog(row.kind))
		shown = catalog_visible(c, e);
	else if (row.kind == WEIR_LIN_DATASET)
		shown = true;
	else
		shown = entity_visible(c, e);
	e = slot(c, id); /* the table may have grown */
	if (shown) {
		e->state = VIS_SHOWN;
		if (e->full == NULL)
			e->full = row.name;
		e->pub = public_id(c->a, &row);
	} else {
		e->state = VIS_MASKED;
		e->full = NULL;
		e->pub = weir_lin__masked_id(c->a, row.kind, row.key);
	}
	return e;
}

/* Producer shown: every catalog endpoint of its observations is visible. */
static bool producer_visible(lin_ctx *c, int64_t pid)
{
	if (is_admin(c))
		return true;
	weir_error err = WEIR_ERROR_INIT;
	lin_vec ids = {0};
	if (weir_lin_store_producer_endpoints(c->db, c->a, pid, ENDPOINT_LIMIT, &ids, &err) != 0)
		return false;
	return all_catalog_visible(c, &ids, ENDPOINT_LIMIT * 2);
}

/* ---------------------------------------------------------------- rendering */

static json_t *iso_time(int64_t ms)
{
	if (ms <= 0)
		return json_null();
	char buf[WEIR_ISO_MS_LEN];
	weir_time_iso_ms(ms, buf);
	return json_string(buf);
}

static json_t *node_json(lin_ctx *c, vis_ent *e, int64_t depth)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(e->pub));
	json_object_set_new(o, "type", json_string(weir_lin__kind_name(e->row.kind)));
	if (depth >= 0)
		json_object_set_new(o, "depth", json_integer(depth));
	if (e->state != VIS_SHOWN) {
		c->masked++;
		json_object_set_new(o, "masked", json_true());
		return o;
	}
	json_object_set_new(o, "masked", json_false());
	json_object_set_new(o, "name", weir_json_str_or_null(e->full));
	if (e->row.namespace_)
		json_object_set_new(o, "namespace", weir_json_str_or_null(e->row.namespace_));
	if (e->row.securable_id)
		json_object_set_new(o, "securable_id", weir_json_str_or_null(e->row.securable_id));
	json_object_set_new(o, "deleted", json_boolean(e->row.deleted_at != 0));
	if (e->row.deleted_at)
		json_object_set_new(o, "deleted_at", json_integer(e->row.deleted_at));
	if (e->row.renamed_from) {
		json_object_set_new(o, "renamed_from", weir_json_str_or_null(e->row.renamed_from));
		json_object_set_new(o, "renamed_at", json_integer(e->row.renamed_at));
	}
	json_object_set_new(o, "first_seen", json_integer(e->row.first_seen));
	json_object_set_new(o, "last_seen", json_integer(e->row.last_seen));
	return o;
}

static json_t *origins_json(int mask)
{
	json_t *arr = json_array();
	if (mask & LIN_ORIGIN_CAPTURED)
		json_array_append_new(arr, json_string("CAPTURED"));
	if (mask & LIN_ORIGIN_OPENLINEAGE)
		json_array_append_new(arr, json_string("OPENLINEAGE"));
	if (mask & LIN_ORIGIN_MANUAL)
		json_array_append_new(arr, json_string("MANUAL"));
	return arr;
}

/* ---------------------------------------------------------------- queries */

int weir_lineage_query_check(weir_lineage_query *q, weir_error *err)
{
	if (q->depth < 0 || q->depth > WEIR_LIN_MAX_DEPTH)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "depth",
					"Invalid value for 'depth': expected an integer from 0 to %d",
					WEIR_LIN_MAX_DEPTH);
	if (q->max_nodes < 0 || q->max_nodes > WEIR_LIN_LIMIT_MAX_NODES)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "max_nodes",
					"Invalid value for 'max_nodes': expected 1 to %d", WEIR_LIN_LIMIT_MAX_NODES);
	if (q->max_edges < 0 || q->max_edges > WEIR_LIN_LIMIT_MAX_EDGES)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "max_edges",
					"Invalid value for 'max_edges': expected 1 to %d", WEIR_LIN_LIMIT_MAX_EDGES);
	if (q->as_of < 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "as_of",
					"Invalid value for 'as_of': expected epoch milliseconds");
	if (q->max_nodes == 0)
		q->max_nodes = WEIR_LIN_DEFAULT_MAX_NODES;
	if (q->max_edges == 0)
		q->max_edges = WEIR_LIN_DEFAULT_MAX_EDGES;
	if (q->dir == 0)
		q->dir = WEIR_LIN_BOTH;
	return 0;
}

static int not_found(weir_error *err, const char *ref)
{
	return weir_error_field(err, WEIR_E_NOT_FOUND, "node", "Lineage node '%.200s' does not exist.", ref);
}

static int ref_catalog(lin_ctx *c, weir_sec_type t, weir_lineage_kind k, const char *ref, const char *rest, int64_t *id,
		       weir_error *err)
{
	lin_node_row row;
	if (strchr(rest, '.') == NULL) { /* a securable id (also of a dropped object) */
		int rc = weir_lin_store_node_find(c->db, c->a, k, rest, &row, err);
		if (rc < 0)
			return -1;
		if (rc == 1 || vis_get(c, row.id)->state != VIS_SHOWN)
			return not_found(err, ref);
		*id = row.id;
		return 0;
	}
	weir_securable s;
	if (weir_gov_resolve(c->db, c->a, c->p, t, rest, &s, err) != 0)
		return -1;
	int rc = weir_lin_store_node_find(c->db, c->a, k, s.id, &row, err);
	if (rc < 0)
		return -1;
	if (rc == 1) { /* no lineage yet: a virtual node (-1), so the answer is the node alone */
		memset(&c->virt, 0, sizeof(c->virt));
		c->virt.id = -1;
		c->virt.kind = k;
		c->virt.key = s.id;
		c->virt.name = s.full_name;
		c->virt.securable_id = s.id;
		c->virt_full = s.full_name;
		*id = -1;
		return 0;
	}
	*id = row.id;
	return 0;
}

static int resolve_ref(lin_ctx *c, const char *ref, int64_t *id, weir_error *err)
{
	if (ref == NULL || ref[0] == '\0')
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "node",
					"Missing required parameter: node");
	const char *colon = strchr(ref, ':');
	if (colon == NULL)
		return ref_catalog(c, WEIR_SEC_TABLE, WEIR_LIN_TABLE, ref, ref, id, err);
	size_t pl = (size_t)(colon - ref);
	const char *rest = colon + 1;
	if (pl == 5 && strncmp(ref, "table", 5) == 0)
		return ref_catalog(c, WEIR_SEC_TABLE, WEIR_LIN_TABLE, ref, rest, id, err);
	if (pl == 6 && strncmp(ref, "volume", 6) == 0)
		return ref_catalog(c, WEIR_SEC_VOLUME, WEIR_LIN_VOLUME, ref, rest, id, err);
	if (pl == 5 && strncmp(ref, "model", 5) == 0)
		return ref_catalog(c, WEIR_SEC_MODEL, WEIR_LIN_MODEL, ref, rest, id, err);
	lin_node_row row;
	int rc = 1;
	if ((pl == 7 && strncmp(ref, "dataset", 7) == 0) || (pl == 3 && strncmp(ref, "job", 3) == 0)) {
		bool ds = pl == 7;
		/* namespaces contain ':' (s3://b): try each split, first existing node wins */
		for (const char *q = strchr(rest, ':'); q && rc == 1; q = strchr(q + 1, ':')) {
			const char *ns = weir_arena_strndup(c->a, rest, (size_t)(q - rest));
			const char *name = q + 1;
			if (ds) {
				weir_lineage_node n;
				if (weir_lineage_dataset_node(c->db, c->a, ns, name, &n, err) != 0)
					return -1;
				rc = weir_lin_store_node_find(c->db, c->a, n.kind, n.key, &row, err);
			} else {
				rc = weir_lin_store_node_find(c->db, c->a, WEIR_LIN_OL_JOB,
							      weir_arena_printf(c->a, "%s\n%s", ns, name), &row, err);
			}
			if (rc < 0)
				return -1;
		}
	} else if (pl == 3 && strncmp(ref, "run", 3) == 0) {
		rc = weir_lin_store_node_find(c->db, c->a, WEIR_LIN_OL_RUN, rest, &row, err);
	} else {
		weir_lineage_kind k;
		char kind[32];
		if (pl >= sizeof(kind))
			return not_found(err, ref);
		memcpy(kind, ref, pl);
		kind[pl] = '\0';
		if (weir_lin__kind_parse(kind, &k) != 0)
			return not_found(err, ref);
		rc = weir_lin_store_node_find(c->db, c->a, k, rest, &row, err);
	}
	if (rc < 0)
		return -1;
	if (rc == 1 || vis_get(c, row.id)->state != VIS_SHOWN)
		return not_found(err, ref);
	*id = row.id;
	return 0;
}

/* The producer named by a `run` parameter, visible to the caller; 0 with err on failure. */
static int64_t run_producer(lin_ctx *c, const char *run, weir_error *err)
{
	static const char *const types[] = {
		"openlineage_run",     "job_run", "statement", "mlflow_run", "openlineage_job",
		"openlineage_dataset", "user",    NULL};
	const char *type = "openlineage_run", *id = run;
	const char *colon = strchr(run, ':');
	for (int i = 0; colon && types[i]; i++)
		if (strlen(types[i]) == (size_t)(colon - run) && strncmp(run, types[i], (size_t)(colon - run)) == 0) {
			type = types[i];
			id = colon + 1;
		}
	int64_t pid = 0;
	int rc = weir_lin_store_producer_find(c->db, type, id, &pid, err);
	if (rc < 0)
		return 0;
	if (rc == 1 || !producer_visible(c, pid)) {
		weir_error_field(err, WEIR_E_NOT_FOUND, "run", "Run '%.200s' does not exist.", run);
		return 0;
	}
	return pid;
}

typedef struct trav_result {
	lin_vec nodes, depths; /* distinct, nearest first */
	lin_edges edges; /* distinct (src, dst) */
	bool truncated;
} trav_result;

/* One direction of a walk: over table edges from starts[0], or over column edges from every
 * column of starts (cols). */
static int walk(lin_ctx *c, const int64_t *starts, size_t nstarts, bool cols, bool up, const weir_lineage_query *q,
		int64_t pid, lin_vec *n, lin_vec *d, lin_edges *e, bool *truncated, weir_error *err)
{
	if (cols)
		return weir_lin_store_col_bfs(c->db, c->a, starts, nstarts, up, q->depth, q->max_nodes, q->max_edges, n,
					      d, e, truncated, err);
	return weir_lin_store_bfs(c->db, c->a, starts[0], up, q->depth, q->as_of, pid, q->max_nodes, q->max_edges, n, d,
				  e, truncated, err);
}

/* Walks up and/or down (each bounded by the caps), then merges: the starts once, each node
 * once at its smallest depth, each edge once, nearest nodes first within max_nodes. Over
 * table nodes from one start, or over columns (cols) from several. */
static int traverse_from(lin_ctx *c, const int64_t *starts, size_t nstarts, bool cols, const weir_lineage_query *q,
			 int64_t pid, trav_result *out, weir_error *err)
{
	memset(out, 0, sizeof(*out));
	lin_vec n = {0}, d = {0};
	lin_edges e = {0};
	bool t1 = false, t2 = false;
	if ((q->dir & WEIR_LIN_UP) && walk(c, starts, nstarts, cols, true, q, pid, &n, &d, &e, &t1, err) != 0)
		return -1;
	if ((q->dir & WEIR_LIN_DOWN) && walk(c, starts, nstarts, cols, false, q, pid, &n, &d, &e, &t2, err) != 0)
		return -1;
	out->truncated = t1 || t2;
	if (q->dir != WEIR_LIN_BOTH) {
		out->nodes = n;
		out->depths = d;
		out->edges = e;
		return 0;
	}
	/* both: merge by depth (each half is already in BFS order) */
	size_t cap = 64;
	while (cap < n.n * 2 + 2)
		cap *= 2;
	int64_t *slot_id = weir_arena_calloc(c->a, cap * sizeof(int64_t));
	bool *used = weir_arena_calloc(c->a, cap);
	for (int64_t depth = 0; depth <= q->depth; depth++)
		for (size_t i = 0; i < n.n; i++) {
			if (d.v[i] != depth)
				continue;
			size_t h = (size_t)((uint64_t)n.v[i] * 0x9E3779B97F4A7C15ull) & (cap - 1);
			while (used[h] && slot_id[h] != n.v[i])
				h = (h + 1) & (cap - 1);
			if (used[h])
				continue;
			used[h] = true;
			slot_id[h] = n.v[i];
			if ((int64_t)out->nodes.n >= q->max_nodes && depth > 0) {
				out->truncated = true;
				continue;
			}
			weir_lin_vec_push(c->a, &out->nodes, n.v[i]);
			weir_lin_vec_push(c->a, &out->depths, depth);
		}
	/* edges once each (a cycle walks some both ways): a set of (src, dst) */
	size_t ecap = 64;
	while (ecap < e.n * 2 + 2)
		ecap *= 2;
	lin_edge **eset = weir_arena_calloc(c->a, ecap * sizeof(*eset));
	for (size_t i = 0; i < e.n; i++) {
		uint64_t hkey = (uint64_t)e.e[i].src * 0x9E3779B97F4A7C15ull ^
				(uint64_t)e.e[i].dst * 0xC2B2AE3D27D4EB4Full;
		size_t h = (size_t)(hkey >> 7) & (ecap - 1);
		bool dup = false;
		while (eset[h] && !dup) {
			dup = eset[h]->src == e.e[i].src && eset[h]->dst == e.e[i].dst;
			h = (h + 1) & (ecap - 1);
		}
		if (dup)
			continue;
		eset[h] = &e.e[i];
		if ((int64_t)out->edges.n >= q->max_edges) {
			out->truncated = true;
			break;
		}
		out->edges.e = weir_lin__grow(c->a, out->edges.e, out->edges.n, &out->edges.cap, sizeof(*out->edges.e),
					      64);
		out->edges.e[out->edges.n++] = e.e[i];
	}
	return 0;
}

static int traverse(lin_ctx *c, int64_t start, const weir_lineage_query *q, int64_t pid, trav_result *out,
		    weir_error *err)
{
	return traverse_from(c, &start, 1, false, q, pid, out, err);
}

static const char *ids_json(lin_ctx *c, const lin_vec *v)
{
	weir_buf b = {0};
	weir_buf_append(&b, "[", 1);
	for (size_t i = 0; i < v->n; i++)
		weir_buf_appendf(&b, "%s%lld", i ? "," : "", (long long)v->v[i]);
	weir_buf_append(&b, "]", 1);
	const char *s = weir_arena_strndup(c->a, b.data, b.len);
	weir_buf_release(&b);
	return s;
}

/* Loads the rows of every node of an answer, and for a non-admin the facts of their
 * securables, in two queries instead of two per node. */
static int prefetch(lin_ctx *c, const lin_vec *ids, weir_error *err)
{
	lin_node_row *rows;
	size_t n;
	if (ids->n == 0 || weir_lin_store_nodes_many(c->db, c->a, ids_json(c, ids), &rows, &n, err) != 0)
		return ids->n == 0 ? 0 : -1;
	weir_buf sids = {0};
	weir_buf_append(&sids, "[", 1);
	size_t ns = 0;
	for (size_t i = 0; i < n; i++) {
		vis_ent *e = slot(c, rows[i].id);
		if (e->state != VIS_UNKNOWN)
			continue;
		e->row = rows[i];
		e->loaded = true;
		if (!is_admin(c) && weir_lin__kind_is_catalog(rows[i].kind) && rows[i].securable_id &&
		    !rows[i].deleted_at) {
			json_t *js = json_string(rows[i].securable_id);
			char *q = js ? json_dumps(js, JSON_ENCODE_ANY) : NULL;
			if (q)
				weir_buf_appendf(&sids, "%s%s", ns++ ? "," : "", q);
			free(q);
			json_decref(js);
		}
	}
	weir_buf_append(&sids, "]", 1);
	int rc = 0;
	if (ns > 0 && c->p) {
		lin_leaf_facts *f;
		size_t nf;
		rc = weir_lin_store_leaf_facts_many(c->db, c->a, sids.data, c->p->closure_json, &f, &nf, err);
		for (size_t i = 0; rc == 0 && i < nf; i++)
			json_object_set_new(c->facts, f[i].securable_id,
					    json_pack("[s?, s?, b]", f[i].parent_id, f[i].type, f[i].personal));
	}
	weir_buf_release(&sids);
	return rc;
}

/* What both graph reads start from: the node resolved, the run checked (pid 0: none), the
 * traversal, and the rows and facts of its nodes loaded. */
typedef struct lin_graph {
	lin_ctx c;
	const weir_lineage_query *q;
	int64_t start;
	int64_t pid;
	trav_result t;
} lin_graph;

static int graph_read(lin_graph *g, weir_db *db, weir_arena *a, const weir_principal *p, const weir_lineage_query *q,
		      weir_error *err)
{
	ctx_init(&g->c, db, a, p);
	g->q = q;
	if (resolve_ref(&g->c, q->node, &g->start, err) != 0)
		return -1;
	g->pid = 0;
	if (q->run && q->run[0] && (g->pid = run_producer(&g->c, q->run, err)) == 0)
		return -1;
	if (traverse(&g->c, g->start, q, g->pid, &g->t, err) != 0)
		return -1;
	return prefetch(&g->c, &g->t.nodes, err);
}

/* A graph read answered by `render` (Weir's own graph, or Marquez's). */
static json_t *graph_answer(weir_db *db, weir_arena *a, const weir_principal *p, const weir_lineage_query *q,
			    json_t *(*render)(lin_graph *lg, weir_error *err), weir_error *err)
{
	lin_graph lg;
	if (graph_read(&lg, db, a, p, q, err) != 0)
		return NULL;
	return render(&lg, err);
}

static json_t *graph_json(lin_graph *lg, weir_error *err)
{
	(void)err; /* nothing here fails */
	const weir_lineage_query *q = lg->q;
	lin_ctx *c = &lg->c;
	json_t *nodes = json_array(), *ej = json_array();
	for (size_t i = 0; i < lg->t.nodes.n; i++)
		json_array_append_new(nodes, node_json(c, vis_get(c, lg->t.nodes.v[i]), lg->t.depths.v[i]));
	for (size_t i = 0; i < lg->t.edges.n; i++) {
		lin_edge *e = &lg->t.edges.e[i];
		json_array_append_new(ej, json_pack("{s:s, s:s, s:I, s:I, s:o}", "source", vis_get(c, e->src)->pub,
						    "target", vis_get(c, e->dst)->pub, "first_seen",
						    (json_int_t)e->first_seen, "last_seen", (json_int_t)e->last_seen,
						    "origins", origins_json(e->origins)));
	}
	const char *dir = q->dir == WEIR_LIN_UP ? "upstream" : q->dir == WEIR_LIN_DOWN ? "downstream" : "both";
	json_t *out = json_pack("{s:s, s:s, s:I, s:o, s:o, s:b, s:i}", "root", vis_get(c, lg->start)->pub, "direction",
				dir, "depth", (json_int_t)q->depth, "nodes", nodes, "edges", ej, "truncated",
				lg->t.truncated, "masked_nodes", c->masked);
	if (q->as_of)
		json_object_set_new(out, "as_of", json_integer(q->as_of));
	if (lg->pid)
		json_object_set_new(out, "run", json_string(q->run));
	return out;
}

json_t *weir_lineage_graph(weir_db *db, weir_arena *a, const weir_principal *p, const weir_lineage_query *q,
			   weir_error *err)
{
	return graph_answer(db, a, p, q, graph_json, err);
}

/* ---------------------------------------------------------------- Marquez */

static bool is_data(weir_lineage_kind k) { return weir_lin__kind_is_catalog(k) || k == WEIR_LIN_DATASET; }

/* Marquez ids: datasets "dataset:<ns>:<name>" (catalog objects in namespace "weir"), jobs
 * "job:<ns>:<name>"; masked nodes keep their opaque id. */
static const char *mq_id(lin_ctx *c, vis_ent *e)
{
	if (e->state != VIS_SHOWN)
		return e->pub;
	if (weir_lin__kind_is_catalog(e->row.kind))
		return weir_arena_printf(c->a, "dataset:weir:%s", e->full ? e->full : e->row.key);
	if (e->row.kind == WEIR_LIN_DATASET || e->row.kind == WEIR_LIN_OL_JOB)
		return e->pub;
	return weir_arena_printf(c->a, "job:weir:%s", e->pub);
}

typedef struct mq_node {
	const char *id;
	json_t *obj, *in, *out;
} mq_node;

typedef struct mq_graph {
	mq_node *v;
	size_t n, cap;
	json_t *index; /* id -> position in v */
	json_t *seen; /* "origin\ndestination" of the edges drawn */
} mq_graph;

static mq_node *mq_get(lin_ctx *c, mq_graph *g, const char *id, vis_ent *e, bool job)
{
	json_t *at = json_object_get(g->index, id);
	if (at)
		return &g->v[json_integer_value(at)];
	json_object_set_new(g->index, id, json_integer((json_int_t)g->n));
	g->v = weir_lin__grow(c->a, g->v, g->n, &g->cap, sizeof(*g->v), 64);
	mq_node *m = &g->v[g->n++];
	m->id = id;
	m->in = json_array();
	m->out = json_array();
	json_t *data;
	if (e && e->state != VIS_SHOWN) {
		c->masked++;
		data = json_pack("{s:b, s:s}", "masked", 1, "kind", weir_lin__kind_name(e->row.kind));
	} else if (e && !job) {
		const char *ns = e->row.kind == WEIR_LIN_DATASET ? e->row.namespace_ : "weir";
		const char *name = e->full ? e->full : e->row.name;
		/* facets may name other datasets (columnLineage) or carry SQL: admins get them all,
		 * others only the node's own schema and documentation */
		json_t *facets = e->row.facets ? json_loads(e->row.facets, 0, NULL) : NULL;
		if (facets && !is_admin(c)) {
			json_t *keep = json_object();
			const char *names[] = {"schema", "documentation", NULL};
			for (int i = 0; names[i]; i++)
				if (json_object_get(facets, names[i]))
					json_object_set(keep, names[i], json_object_get(facets, names[i]));
			json_decref(facets);
			facets = keep;
		}
		data = json_pack("{s:{s:s?, s:s?}, s:s, s:s?, s:s?, s:s?, s:o, s:o, s:o, s:b}", "id", "namespace", ns,
				 "name", name, "type", "DB_TABLE", "name", name, "physicalName", name, "namespace", ns,
				 "createdAt", iso_time(e->row.first_seen), "updatedAt", iso_time(e->row.last_seen),
				 "facets", facets ? facets : json_object(), "deleted", e->row.deleted_at != 0);
	} else if (e) {
		const char *ns = e->row.kind == WEIR_LIN_OL_JOB ? e->row.namespace_ : "weir";
		const char *name = e->row.kind == WEIR_LIN_OL_JOB ? e->row.name : e->pub;
		data = json_pack("{s:{s:s?, s:s?}, s:s, s:s?, s:s?, s:o, s:o}", "id", "namespace", ns, "name", name,
				 "type", "BATCH", "name", name, "namespace", ns, "createdAt",
				 iso_time(e->row.first_seen), "updatedAt", iso_time(e->row.last_seen));
	} else {
		data = json_object();
	}
	m->obj = json_pack("{s:s, s:s, s:o}", "id", id, "type", job ? "JOB" : "DATASET", "data",
			   data ? data : json_object());
	return m;
}

static void mq_edge(lin_ctx *c, mq_graph *g, mq_node *from, mq_node *to)
{
	const char *key = weir_arena_printf(c->a, "%s\n%s", from->id, to->id);
	if (json_object_get(g->seen, key))
		return;
	json_object_set_new(g->seen, key, json_true());
	json_t *e = json_pack("{s:s, s:s}", "origin", from->id, "destination", to->id);
	json_array_append(from->out, e);
	json_array_append_new(to->in, e);
}

static json_t *marquez_json(lin_graph *lg, weir_error *err)
{
	lin_ctx *c = &lg->c;
	weir_db *db = c->db;
	weir_arena *a = c->a;
	mq_graph g = {0};
	g.index = weir_json_own(a, json_object());
	g.seen = weir_json_own(a, json_object());
	for (size_t i = 0; i < lg->t.nodes.n; i++) {
		vis_ent *e = vis_get(c, lg->t.nodes.v[i]);
		mq_get(c, &g, mq_id(c, e), e, !is_data(e->row.kind));
	}
	for (size_t i = 0; i < lg->t.edges.n; i++) {
		vis_ent *s = vis_get(c, lg->t.edges.e[i].src), *d = vis_get(c, lg->t.edges.e[i].dst);
		mq_node *ms = mq_get(c, &g, mq_id(c, s), s, !is_data(s->row.kind));
		mq_node *md = mq_get(c, &g, mq_id(c, d), d, !is_data(d->row.kind));
		if (!is_data(s->row.kind) || !is_data(d->row.kind)) {
			mq_edge(c, &g, ms, md);
			continue;
		}
		/* dataset -> dataset: through the jobs of the runs that produced it */
		lin_prod *pr;
		size_t np;
		if (weir_lin_store_edge_producers(db, a, lg->t.edges.e[i].src, lg->t.edges.e[i].dst, &pr, &np, err) !=
		    0)
			return NULL;
		bool linked = false;
		for (size_t k = 0; k < np; k++) {
			if (lg->pid && pr[k].id != lg->pid)
				continue;
			mq_node *mj;
			if (pr[k].job_node) {
				vis_ent *j = vis_get(c, pr[k].job_node);
				mj = mq_get(c, &g, mq_id(c, j), j, true);
			} else {
				bool shown = producer_visible(c, pr[k].id);
				const char *jid = shown ? weir_arena_printf(a, "job:weir.%s:%s", pr[k].entity_type,
									    pr[k].entity_id)
							: weir_lin__masked_id(a, WEIR_LIN_JOB,
									      weir_arena_printf(a, "%s\n%s",
												pr[k].entity_type,
												pr[k].entity_id));
				mj = mq_get(c, &g, jid, NULL, true);
				if (!shown)
					json_object_set_new(json_object_get(mj->obj, "data"), "masked", json_true());
			}
			mq_edge(c, &g, ms, mj);
			mq_edge(c, &g, mj, md);
			linked = true;
		}
		if (!linked)
			mq_edge(c, &g, ms, md);
	}
	json_t *arr = json_array();
	for (size_t i = 0; i < g.n; i++) {
		json_object_set_new(g.v[i].obj, "inEdges", g.v[i].in);
		json_object_set_new(g.v[i].obj, "outEdges", g.v[i].out);
		json_array_append_new(arr, g.v[i].obj);
	}
	return json_pack("{s:o, s:b}", "graph", arr, "truncated", lg->t.truncated);
}

json_t *weir_lineage_marquez(weir_db *db, weir_arena *a, const weir_principal *p, const weir_lineage_query *q,
			     weir_error *err)
{
	return graph_answer(db, a, p, q, marquez_json, err);
}

/* ---------------------------------------------------------------- Databricks */

static void split3(weir_arena *a, const char *full, const char **c3, const char **s3, const char **t3)
{
	*c3 = *s3 = *t3 = NULL;
	if (full == NULL)
		return;
	const char *d1 = strchr(full, '.');
	const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	if (d1 == NULL || d2 == NULL)
		return;
	*c3 = weir_arena_strndup(a, full, (size_t)(d1 - full));
	*s3 = weir_arena_strndup(a, d1 + 1, (size_t)(d2 - d1 - 1));
	*t3 = weir_arena_strdup(a, d2 + 1);
}

static const char *table_type(lin_ctx *c, vis_ent *e)
{
	if (e->row.kind == WEIR_LIN_VOLUME)
		return "VOLUME";
	if (e->row.kind == WEIR_LIN_MODEL || e->row.kind == WEIR_LIN_MODEL_VERSION)
		return "REGISTERED_MODEL";
	const char *t = e->row.securable_id ? weir_lin_store_sec_subtype(c->db, c->a, e->row.securable_id) : NULL;
	return t ? t : "TABLE";
}

/* jobInfos / notebookInfos of the visible producers of src -> dst. */
static int entity_infos(lin_ctx *c, int64_t src, int64_t dst, json_t *item, weir_error *err)
{
	lin_prod *pr;
	size_t np;
	if (weir_lin_store_edge_producers(c->db, c->a, src, dst, &pr, &np, err) != 0)
		return -1;
	json_t *jobs = json_array(), *notebooks = json_array(), *queries = json_array();
	for (size_t k = 0; k < np; k++) {
		if (!producer_visible(c, pr[k].id))
			continue;
		json_t *ts = iso_time(pr[k].last_seen);
		if (strcmp(pr[k].entity_type, "notebook") == 0) {
			json_array_append_new(notebooks,
					      json_pack("{s:s, s:s, s:o}", "workspace_id", "1", "notebook_id",
							pr[k].entity_id, "lineage_timestamp", ts));
		} else if (strcmp(pr[k].entity_type, "statement") == 0) {
			json_array_append_new(queries, json_pack("{s:s, s:s, s:o}", "workspace_id", "1", "query_id",
								 pr[k].entity_id, "lineage_timestamp", ts));
		} else {
			json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:o}", "workspace_id", "1", "job_id",
					      pr[k].entity_id, "entity_type", pr[k].entity_type, "origin", pr[k].origin,
					      "lineage_timestamp", ts);
			if (pr[k].job_node) {
				vis_ent *jn = vis_get(c, pr[k].job_node);
				if (jn->state == VIS_SHOWN) {
					json_object_set_new(j, "job_id", json_string(jn->pub));
					json_object_set_new(j, "job_name", weir_json_str_or_null(jn->row.name));
					json_object_set_new(j, "job_run_id", json_string(pr[k].entity_id));
				}
			}
			json_array_append_new(jobs, j);
		}
	}
	if (json_array_size(jobs))
		json_object_set(item, "jobInfos", jobs);
	if (json_array_size(notebooks))
		json_object_set(item, "notebookInfos", notebooks);
	if (json_array_size(queries))
		json_object_set(item, "queryInfos", queries);
	json_decref(jobs);
	json_decref(notebooks);
	json_decref(queries);
	return 0;
}

static json_t *lineage_item(lin_ctx *c, vis_ent *e, int64_t ts)
{
	json_t *it = json_object();
	if (e->state != VIS_SHOWN) {
		c->masked++;
		json_object_set_new(it, "tableInfo",
				    json_pack("{s:s, s:b, s:s, s:o}", "id", e->pub, "masked", 1, "securable_type",
					      weir_lin__kind_name(e->row.kind), "lineage_timestamp", iso_time(ts)));
		return it;
	}
	if (weir_lin__kind_is_catalog(e->row.kind)) {
		const char *cn, *sn, *tn;
		split3(c->a, e->full, &cn, &sn, &tn);
		json_t *ti = json_pack("{s:s?, s:s?, s:s?, s:s, s:o, s:b}", "name", tn, "catalog_name", cn,
				       "schema_name", sn, "table_type", table_type(c, e), "lineage_timestamp",
				       iso_time(ts), "deleted", e->row.deleted_at != 0);
		json_object_set_new(it, "tableInfo", ti);
	} else if (e->row.kind == WEIR_LIN_DATASET) {
		const char *ns = e->row.namespace_ ? e->row.namespace_ : "";
		bool path = strstr(ns, "://") != NULL || strcmp(ns, "file") == 0;
		if (path)
			json_object_set_new(it, "fileInfo",
					    json_pack("{s:s, s:s, s:s, s:o}", "path",
						      weir_arena_printf(c->a, "%s%s%s", ns,
									e->row.name[0] == '/' ? "" : "/", e->row.name),
						      "securable_type", "EXTERNAL_LOCATION", "namespace", ns,
						      "lineage_timestamp", iso_time(ts)));
		else
			json_object_set_new(it, "datasetInfo",
					    json_pack("{s:s, s:s?, s:o}", "namespace", ns, "name", e->row.name,
						      "lineage_timestamp", iso_time(ts)));
	} else if (e->row.kind == WEIR_LIN_NOTEBOOK) {
		json_object_set_new(it, "notebookInfos",
				    json_pack("[{s:s, s:s, s:o}]", "workspace_id", "1", "notebook_id", e->row.key,
					      "lineage_timestamp", iso_time(ts)));
	} else {
		json_object_set_new(it, "jobInfos",
				    json_pack("[{s:s, s:s?, s:s, s:o}]", "workspace_id", "1", "job_id", e->pub,
					      "job_name", e->row.name, "entity_type", weir_lin__kind_name(e->row.kind),
					      "lineage_timestamp", iso_time(ts)));
	}
	return it;
}

json_t *weir_lineage_table_lineage(weir_db *db, weir_arena *a, const weir_principal *p, const weir_securable *t,
				   bool include_entities, weir_error *err)
{
	lin_ctx c;
	ctx_init(&c, db, a, p);
	json_t *out = json_pack("{s:[], s:[]}", "upstreams", "downstreams");
	lin_node_row row;
	weir_lineage_kind k = t->type == WEIR_SEC_VOLUME  ? WEIR_LIN_VOLUME
			      : t->type == WEIR_SEC_MODEL ? WEIR_LIN_MODEL
							  : WEIR_LIN_TABLE;
	int rc = weir_lin_store_node_find(db, a, k, t->id, &row, err);
	if (rc < 0) {
		json_decref(out);
		return NULL;
	}
	if (rc == 1)
		return out;
	for (int dir = 0; dir < 2; dir++) {
		bool up = dir == 0;
		lin_edges nb = {0};
		if (weir_lin_store_neighbours(db, a, row.id, up, 10000, &nb, err) != 0) {
			json_decref(out);
			return NULL;
		}
		json_t *arr = json_object_get(out, up ? "upstreams" : "downstreams");
		for (size_t i = 0; i < nb.n; i++) {
			vis_ent *e = vis_get(&c, up ? nb.e[i].src : nb.e[i].dst);
			bool entity = !is_data(e->row.kind);
			if (entity && !include_entities)
				continue;
			json_t *it = lineage_item(&c, e, nb.e[i].last_seen);
			if (include_entities && !entity && entity_infos(&c, nb.e[i].src, nb.e[i].dst, it, err) != 0) {
				json_decref(it);
				json_decref(out);
				return NULL;
			}
			json_array_append_new(arr, it);
		}
	}
	return out;
}

static json_t *col_item(lin_ctx *c, int64_t col, lin_edge *e, weir_error *err)
{
	int64_t node;
	const char *name;
	if (weir_lin_store_col_info(c->db, c->a, col, &node, &name, err) != 0)
		return NULL;
	vis_ent *v = vis_get(c, node);
	json_t *ts = iso_time(e->last_seen);
	if (v->state != VIS_SHOWN) {
		c->masked++;
		return json_pack("{s:s, s:b, s:s, s:o}", "id", v->pub, "masked", 1, "table_type",
				 weir_lin__kind_name(v->row.kind), "lineage_timestamp", ts);
	}
	const char *cn = NULL, *sn = NULL, *tn = NULL;
	if (weir_lin__kind_is_catalog(v->row.kind))
		split3(c->a, v->full, &cn, &sn, &tn);
	json_t *o = json_pack("{s:s?, s:s?, s:s?, s:s?, s:s, s:s, s:o, s:s?, s:s?}", "name", name[0] ? name : NULL,
			      "catalog_name", cn, "schema_name", sn, "table_name", tn ? tn : v->row.name, "table_type",
			      weir_lin__kind_is_catalog(v->row.kind) ? table_type(c, v) : "PATH", "workspace_id", "1",
			      "lineage_timestamp", ts, "transformation", e->transformation, "subtype",
			      e->subtype && e->subtype[0] ? e->subtype : NULL);
	if (v->row.kind == WEIR_LIN_DATASET)
		json_object_set_new(o, "namespace", weir_json_str_or_null(v->row.namespace_));
	if (name[0] == '\0')
		json_object_set_new(o, "whole_dataset", json_true());
	return o;
}

static int table_node(lin_ctx *c, const weir_securable *t, lin_node_row *row, weir_error *err)
{
	weir_lineage_kind k = t->type == WEIR_SEC_VOLUME  ? WEIR_LIN_VOLUME
			      : t->type == WEIR_SEC_MODEL ? WEIR_LIN_MODEL
							  : WEIR_LIN_TABLE;
	return weir_lin_store_node_find(c->db, c->a, k, t->id, row, err);
}

/* What both column reads start from: c set up for p, and the lineage column `column` of
 * table t: 0 with *col; 1 when the table or the column has no lineage; -1 with err set. */
static int column_read(lin_ctx *c, weir_db *db, weir_arena *a, const weir_principal *p, const weir_securable *t,
		       const char *column, int64_t *col, weir_error *err)
{
	ctx_init(c, db, a, p);
	lin_node_row row;
	int rc = table_node(c, t, &row, err);
	return rc != 0 ? rc : weir_lin_store_column_find(c->db, row.id, column, col, err);
}

json_t *weir_lineage_column_lineage(weir_db *db, weir_arena *a, const weir_principal *p, const weir_securable *t,
				    const char *column, weir_error *err)
{
	lin_ctx c;
	int64_t col;
	int rc = column_read(&c, db, a, p, t, column, &col, err);
	if (rc < 0)
		return NULL;
	json_t *out = json_pack("{s:[], s:[]}", "upstream_cols", "downstream_cols");
	if (rc == 1) /* no lineage */
		return out;
	for (int dir = 0; dir < 2; dir++) {
		bool up = dir == 0;
		lin_edges nb = {0};
		if (weir_lin_store_col_neighbours(db, a, col, up, 10000, &nb, err) != 0) {
			json_decref(out);
			return NULL;
		}
		json_t *arr = json_object_get(out, up ? "upstream_cols" : "downstream_cols");
		for (size_t i = 0; i < nb.n; i++) {
			json_t *it = col_item(&c, up ? nb.e[i].src : nb.e[i].dst, &nb.e[i], err);
			if (it == NULL) {
				json_decref(out);
				return NULL;
			}
			json_array_append_new(arr, it);
		}
	}
	return out;
}

typedef struct idx_ent {
	int64_t id;
	size_t pos;
} idx_ent;

static int idx_cmp(const void *a, const void *b)
{
	int64_t x = ((const idx_ent *)a)->id, y = ((const idx_ent *)b)->id;
	return x < y ? -1 : x > y;
}

/* The columns among a traversal's nodes, each with its node and name, found by column id;
 * their nodes' rows and facts are loaded (two queries, not two per column). */
typedef struct col_index {
	idx_ent *byid; /* sorted by column id */
	int64_t *node;
	const char **name;
	size_t n;
} col_index;

static int col_index_load(lin_ctx *c, const lin_vec *ids, col_index *ci, weir_error *err)
{
	int64_t *cid = NULL;
	*ci = (col_index){0};
	if (ids->n &&
	    weir_lin_store_cols_many(c->db, c->a, ids_json(c, ids), &cid, &ci->node, &ci->name, &ci->n, err) != 0)
		return -1;
	ci->byid = weir_arena_alloc(c->a, (ci->n + 1) * sizeof(*ci->byid));
	lin_vec nodes = {0};
	for (size_t k = 0; k < ci->n; k++) {
		ci->byid[k] = (idx_ent){cid[k], k};
		weir_lin_vec_push(c->a, &nodes, ci->node[k]);
	}
	qsort(ci->byid, ci->n, sizeof(*ci->byid), idx_cmp);
	return prefetch(c, &nodes, err);
}

/* Column `key->id` of ci (its position in hit->pos), or NULL when it is not a column. */
static const idx_ent *col_index_find(const col_index *ci, const idx_ent *key)
{
	return bsearch(key, ci->byid, ci->n, sizeof(*ci->byid), idx_cmp);
}

json_t *weir_lineage_column_impact(weir_db *db, weir_arena *a, const weir_principal *p, const weir_securable *t,
				   const char *column, int64_t depth, int64_t max_nodes, weir_error *err)
{
	if (depth < 0 || depth > WEIR_LIN_MAX_DEPTH) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "depth",
				 "Invalid value for 'depth': expected an integer from 0 to %d", WEIR_LIN_MAX_DEPTH);
		return NULL;
	}
	if (max_nodes < 0 || max_nodes > WEIR_LIN_LIMIT_MAX_NODES) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "max_nodes",
				 "Invalid value for 'max_nodes': expected 1 to %d", WEIR_LIN_LIMIT_MAX_NODES);
		return NULL;
	}
	if (max_nodes == 0)
		max_nodes = WEIR_LIN_DEFAULT_MAX_NODES;
	lin_ctx c;
	int64_t col;
	int rc = column_read(&c, db, a, p, t, column, &col, err);
	if (rc < 0)
		return NULL;
	json_t *src = json_pack("{s:s, s:s}", "table", t->full_name, "column", column);
	json_t *out = json_pack("{s:o, s:I, s:[], s:[], s:b}", "source", src, "depth", (json_int_t)depth, "impacted",
				"edges", "truncated", 0);
	if (rc == 1) { /* no lineage */
		json_object_set_new(out, "masked_nodes", json_integer(0));
		return out;
	}
	trav_result tr = {0};
	lin_edges ce = {0};
	bool truncated = false;
	if (weir_lin_store_col_bfs(db, a, &col, 1, false, depth, max_nodes + 1, WEIR_LIN_DEFAULT_MAX_EDGES, &tr.nodes,
				   &tr.depths, &ce, &truncated, err) != 0) {
		json_decref(out);
		return NULL;
	}
	json_t *imp = json_object_get(out, "impacted"), *edges = json_object_get(out, "edges");
	col_index ci;
	if (col_index_load(&c, &tr.nodes, &ci, err) != 0) {
		json_decref(out);
		return NULL;
	}
	/* per column: its public reference (node id + column), masked names dropped */
	const char **ref = weir_arena_calloc(a, (tr.nodes.n + 1) * sizeof(*ref));
	idx_ent *pos = weir_arena_alloc(a, (tr.nodes.n + 1) * sizeof(*pos));
	for (size_t i = 0; i < tr.nodes.n; i++) {
		pos[i] = (idx_ent){tr.nodes.v[i], i};
		const idx_ent *hit = col_index_find(&ci, &pos[i]);
		if (hit == NULL)
			continue;
		const char *name = ci.name[hit->pos];
		vis_ent *v = vis_get(&c, ci.node[hit->pos]);
		if (v->state != VIS_SHOWN) {
			ref[i] = v->pub;
			if (i > 0) {
				c.masked++;
				json_array_append_new(imp, json_pack("{s:s, s:b, s:s, s:I}", "node", v->pub, "masked",
								     1, "type", weir_lin__kind_name(v->row.kind),
								     "depth", (json_int_t)tr.depths.v[i]));
			}
			continue;
		}
		ref[i] = weir_arena_printf(a, "%s#%s", v->pub, name);
		if (i == 0)
			continue;
		json_array_append_new(imp,
				      json_pack("{s:s, s:s?, s:s?, s:I, s:b, s:b}", "node", v->pub, "table", v->full,
						"column", name[0] ? name : NULL, "depth", (json_int_t)tr.depths.v[i],
						"whole_dataset", name[0] == '\0', "masked", 0));
	}
	qsort(pos, tr.nodes.n, sizeof(*pos), idx_cmp);
	for (size_t i = 0; i < ce.n; i++) {
		idx_ent ks = {ce.e[i].src, 0}, kd = {ce.e[i].dst, 0};
		idx_ent *hs = bsearch(&ks, pos, tr.nodes.n, sizeof(*pos), idx_cmp);
		idx_ent *hd = bsearch(&kd, pos, tr.nodes.n, sizeof(*pos), idx_cmp);
		const char *s = hs ? ref[hs->pos] : NULL, *d = hd ? ref[hd->pos] : NULL;
		if (s && d)
			json_array_append_new(
				edges, json_pack("{s:s, s:s, s:s?, s:s?}", "source", s, "target", d, "transformation",
						 ce.e[i].transformation, "subtype",
						 ce.e[i].subtype && ce.e[i].subtype[0] ? ce.e[i].subtype : NULL));
	}
	json_object_set_new(out, "truncated", json_boolean(truncated));
	json_object_set_new(out, "masked_nodes", json_integer(c.masked));
	return out;
}

/* ---------------------------------------------------------------- Marquez column lineage */

/* A column-lineage nodeId split into the dataset reference resolve_ref takes and the field
 * (NULL for the dataset form: every field of the dataset). The field is what follows the
 * last ':' (namespaces hold ':', field names seldom do). 400 naming nodeId otherwise. */
static int mq_col_ref(weir_arena *a, const char *node_id, const char **ds_ref, const char **field, weir_error *err)
{
	const char *rest = NULL;
	*field = NULL;
	if (strncmp(node_id, "datasetField:", 13) == 0) {
		const char *last = strrchr(node_id + 13, ':');
		if (last && last[1] != '\0') {
			*field = last + 1;
			rest = weir_arena_strndup(a, node_id + 13, (size_t)(last - (node_id + 13)));
		}
	} else if (strncmp(node_id, "dataset:", 8) == 0) {
		rest = node_id + 8;
	}
	const char *colon = rest ? strchr(rest, ':') : NULL;
	if (colon == NULL || colon == rest || colon[1] == '\0')
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "nodeId",
					"Invalid value for 'nodeId': expected datasetField:<namespace>:<name>:<field> "
					"or dataset:<namespace>:<name>");
	*ds_ref = weir_arena_printf(a, "dataset:%s", rest);
	return 0;
}

/* A shown field's type: its dataset's schema facet, else the catalog column's type. facets
 * caches each node's parsed facets for the call. */
static const char *mq_field_type(lin_ctx *c, json_t *facets, vis_ent *v, const char *field)
{
	char key[32];
	snprintf(key, sizeof(key), "%lld", (long long)v->id);
	json_t *f = json_object_get(facets, key);
	if (f == NULL) {
		f = v->row.facets ? json_loads(v->row.facets, 0, NULL) : NULL;
		json_object_set_new(facets, key, f ? f : json_object());
		f = json_object_get(facets, key);
	}
	size_t i;
	json_t *x;
	json_array_foreach (json_object_get(json_object_get(f, "schema"), "fields"), i, x) {
		const char *name = json_string_value(json_object_get(x, "name"));
		const char *type = json_string_value(json_object_get(x, "type"));
		if (name && type && strcmp(name, field) == 0)
			return type;
	}
	if (weir_lin__kind_is_catalog(v->row.kind) && v->row.securable_id)
		return weir_lin_store_table_col_type(c->db, c->a, v->row.securable_id, field);
	return NULL;
}

typedef struct mq_col {
	const char *id; /* NULL: left out (the whole-dataset column, or no row) */
	vis_ent *v;
	const char *name;
	json_t *data, *in, *out;
} mq_col;

/* Marquez's inputFields entry for a walked edge into a shown field from a shown field. */
static json_t *mq_input_field(mq_col *src, const lin_edge *e)
{
	vis_ent *v = src->v;
	const char *ns = v->row.kind == WEIR_LIN_DATASET ? v->row.namespace_ : "weir";
	return json_pack("{s:s?, s:s?, s:s, s:n, s:s?, s:s?}", "namespace", ns, "dataset",
			 v->full ? v->full : v->row.name, "field", src->name, "transformationDescription",
			 "transformationType", e->transformation, "transformationSubtype",
			 e->subtype && e->subtype[0] ? e->subtype : NULL);
}

json_t *weir_lineage_marquez_columns(weir_db *db, weir_arena *a, const weir_principal *p, const weir_lineage_query *q,
				     weir_error *err)
{
	lin_ctx c;
	ctx_init(&c, db, a, p);
	const char *ds_ref = NULL, *field = NULL;
	int64_t node;
	if (mq_col_ref(a, q->node ? q->node : "", &ds_ref, &field, err) != 0)
		return NULL;
	if (resolve_ref(&c, ds_ref, &node, err) != 0) {
		if (err->code == WEIR_E_NOT_FOUND) /* name the id the caller sent, hidden or missing */
			not_found(err, q->node);
		return NULL;
	}
	lin_vec starts = {0};
	if (field) {
		int64_t col;
		int rc = weir_lin_store_column_find(db, node, field, &col, err);
		if (rc < 0)
			return NULL;
		if (rc == 1) {
			not_found(err, q->node);
			return NULL;
		}
		weir_lin_vec_push(a, &starts, col);
	} else if (weir_lin_store_node_columns(db, a, node, q->max_nodes, &starts, err) != 0) {
		return NULL;
	}
	trav_result t = {0};
	if (starts.n && traverse_from(&c, starts.v, starts.n, true, q, 0, &t, err) != 0)
		return NULL;
	col_index ci;
	if (col_index_load(&c, &t.nodes, &ci, err) != 0)
		return NULL;
	json_t *facets = weir_json_own(a, json_object());
	size_t n = t.nodes.n;
	mq_col *m = weir_arena_calloc(a, (n + 1) * sizeof(*m));
	idx_ent *pos = weir_arena_alloc(a, (n + 1) * sizeof(*pos));
	for (size_t i = 0; i < n; i++) {
		pos[i] = (idx_ent){t.nodes.v[i], i};
		const idx_ent *hit = col_index_find(&ci, &pos[i]);
		if (hit == NULL || ci.name[hit->pos][0] == '\0')
			continue; /* whole-dataset dependencies are not fields */
		mq_col *mc = &m[i];
		mc->name = ci.name[hit->pos];
		mc->v = vis_get(&c, ci.node[hit->pos]);
		mc->in = json_array();
		mc->out = json_array();
		vis_ent *v = mc->v;
		if (v->state != VIS_SHOWN) {
			/* one opaque id per column, from the node's key: no table or column name */
			c.masked++;
			mc->id = weir_lin__masked_id(a, v->row.kind,
						     weir_arena_printf(a, "%s#%s", v->row.key, mc->name));
			mc->data = json_pack("{s:b, s:s}", "masked", 1, "kind", weir_lin__kind_name(v->row.kind));
			continue;
		}
		mc->id = weir_arena_printf(a, "datasetField:%s:%s", mq_id(&c, v) + strlen("dataset:"), mc->name);
		mc->data = json_pack("{s:s?, s:s?, s:s, s:s?, s:n, s:n, s:[]}", "namespace",
				     v->row.kind == WEIR_LIN_DATASET ? v->row.namespace_ : "weir", "dataset",
				     v->full ? v->full : v->row.name, "field", mc->name, "fieldType",
				     mq_field_type(&c, facets, v, mc->name), "transformationDescription",
				     "transformationType", "inputFields");
	}
	qsort(pos, n, sizeof(*pos), idx_cmp);
	for (size_t i = 0; i < t.edges.n; i++) {
		const lin_edge *e = &t.edges.e[i];
		idx_ent ks = {e->src, 0}, kd = {e->dst, 0};
		idx_ent *hs = bsearch(&ks, pos, n, sizeof(*pos), idx_cmp);
		idx_ent *hd = bsearch(&kd, pos, n, sizeof(*pos), idx_cmp);
		mq_col *s = hs ? &m[hs->pos] : NULL, *d = hd ? &m[hd->pos] : NULL;
		if (s == NULL || d == NULL || s->id == NULL || d->id == NULL)
			continue;
		/* Marquez's column graph: an out edge runs origin = input -> destination = output;
		 * an in edge is drawn from the node itself (origin) to its input (destination),
		 * which Marquez's own web UI expects */
		json_array_append_new(s->out, json_pack("{s:s, s:s}", "origin", s->id, "destination", d->id));
		json_array_append_new(d->in, json_pack("{s:s, s:s}", "origin", d->id, "destination", s->id));
		if (d->v->state != VIS_SHOWN)
			continue;
		json_t *tt = json_object_get(d->data, "transformationType");
		if (json_is_null(tt) && e->transformation)
			json_object_set_new(d->data, "transformationType", json_string(e->transformation));
		if (s->v->state == VIS_SHOWN)
			json_array_append_new(json_object_get(d->data, "inputFields"), mq_input_field(s, e));
	}
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		if (m[i].id == NULL)
			continue;
		json_array_append_new(arr,
				      json_pack("{s:s, s:s, s:o, s:o, s:o}", "id", m[i].id, "type", "DATASET_FIELD",
						"data", m[i].data, "inEdges", m[i].in, "outEdges", m[i].out));
	}
	return json_pack("{s:o, s:b}", "graph", arr, "truncated", t.truncated);
}

/* ---------------------------------------------------------------- manual edges */

static int manual_source(lin_ctx *c, const char *source, weir_lineage_node *n, weir_error *err)
{
	int64_t id;
	if (resolve_ref(c, source, &id, err) != 0) {
		/* an external dataset that is not in the graph yet: "dataset:<ns>:<name>" */
		if (strncmp(source, "dataset:", 8) != 0)
			return -1;
		const char *rest = source + 8;
		const char *q = strrchr(rest, ':');
		if (q == NULL || q == rest || q[1] == '\0')
			return -1;
		weir_error_clear(err);
		return weir_lineage_dataset_node(c->db, c->a, weir_arena_strndup(c->a, rest, (size_t)(q - rest)), q + 1,
						 n, err);
	}
	vis_ent *e = vis_get(c, id);
	n->kind = e->row.kind;
	n->key = e->row.key;
	n->name = NULL;
	return 0;
}

json_t *weir_lineage_manual_add(weir_db *db, weir_arena *a, const weir_principal *p, const char *source,
				const weir_securable *target, json_t *columns, weir_error *err)
{
	lin_ctx c;
	ctx_init(&c, db, a, p);
	weir_lineage_node src, dst = {WEIR_LIN_TABLE, target->id, NULL};
	if (target->type == WEIR_SEC_VOLUME)
		dst.kind = WEIR_LIN_VOLUME;
	else if (target->type == WEIR_SEC_MODEL)
		dst.kind = WEIR_LIN_MODEL;
	if (manual_source(&c, source, &src, err) != 0)
		return NULL;
	if (src.kind == dst.kind && strcmp(src.key, dst.key) == 0) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "source",
				 "A manual edge needs two different nodes");
		return NULL;
	}
	weir_lineage_producer by = {WEIR_LIN_MANUAL, "user", p && p->name ? p->name : "unknown"};
	int64_t now = weir_now_ms();
	if (weir_lineage_record_edge(db, &src, &dst, &by, now, err) != 0)
		return NULL;
	if (columns && !json_is_array(columns)) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "columns",
				 "Invalid value for 'columns': expected an array");
		return NULL;
	}
	if (json_array_size(columns) > 10000) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "columns",
				 "Invalid value for 'columns': more than 10000");
		return NULL;
	}
	size_t i;
	json_t *m;
	json_array_foreach (columns, i, m) {
		const char *sc = json_string_value(json_object_get(m, "source"));
		const char *dc = json_string_value(json_object_get(m, "target"));
		const char *tr = json_string_value(json_object_get(m, "transformation"));
		const char *sub = json_string_value(json_object_get(m, "subtype"));
		if (!json_is_object(m) || sc == NULL || dc == NULL || sc[0] == '\0' || dc[0] == '\0') {
			weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "columns",
					 "Invalid value for 'columns[%zu]': expected {source, target}", i);
			return NULL;
		}
		if (weir_lineage_record_column_edge(db, &src, sc, &dst, dc, tr ? tr : "DIRECT", sub, &by, now, err) !=
		    0)
			return NULL;
	}
	lin_node_row sr, dr;
	if (weir_lin_store_node_find(db, a, src.kind, src.key, &sr, err) != 0 ||
	    weir_lin_store_node_find(db, a, dst.kind, dst.key, &dr, err) != 0)
		return NULL;
	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "source", vis_get(&c, sr.id)->pub, "target",
			 vis_get(&c, dr.id)->pub, "origin", "MANUAL", "created_by", by.entity_id, "created_at",
			 (json_int_t)now, "columns", (json_int_t)json_array_size(columns));
}

int weir_lineage_manual_delete(weir_db *db, weir_arena *a, const weir_principal *p, const char *source,
			       const weir_securable *target, weir_error *err)
{
	lin_ctx c;
	ctx_init(&c, db, a, p);
	int64_t sid;
	if (resolve_ref(&c, source, &sid, err) != 0)
		return -1;
	lin_node_row dr;
	weir_lineage_kind k = target->type == WEIR_SEC_VOLUME  ? WEIR_LIN_VOLUME
			      : target->type == WEIR_SEC_MODEL ? WEIR_LIN_MODEL
							       : WEIR_LIN_TABLE;
	int rc = weir_lin_store_node_find(db, a, k, target->id, &dr, err);
	if (rc < 0)
		return -1;
	if (rc == 0)
		rc = weir_lin_store_manual_delete(db, sid, dr.id, weir_now_ms(), err);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return weir_error_obj(err, WEIR_E_NOT_FOUND, WEIR_OBJ_LINEAGE_EDGE, NULL,
				      "No manual lineage edge from '%.200s' to '%.300s'.", source, target->full_name);
	return 0;
}
