/* The producer interface (lineage/lineage.h): modules inside Weir record table and column
 * edges with their producing entity in their own write transaction. Each call upserts the
 * two nodes, the producer, the aggregate edge and the producer's observation of it, so
 * first_seen/last_seen hold per edge and per producer. */
#include "lineage/lineage_int.h"

#include <string.h>

#include "core/arena.h"

static int check_node(const char *field, const weir_lineage_node *n, weir_error *err)
{
	if (n == NULL || (unsigned)n->kind >= WEIR_LIN__COUNT)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field, "Invalid lineage node: %s", field);
	if (n->key == NULL || n->key[0] == '\0' || strlen(n->key) > 4096)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field, "Invalid lineage node key: %s",
					field);
	return 0;
}

/* Upserts a node: catalog kinds carry their securable id (a MODEL_VERSION its model's),
 * datasets their namespace; a missing display name of a catalog object is derived from the
 * securable's parent chain. */
int weir_lin__node_id(weir_db *db, const weir_lineage_node *n, int64_t at_ms, int64_t *id, weir_error *err)
{
	weir_arena *a = weir_arena_new(1024);
	const char *sid = NULL, *ns = NULL, *name = n->name;
	if (weir_lin__kind_is_catalog(n->kind)) {
		sid = n->key;
		if (n->kind == WEIR_LIN_MODEL_VERSION) {
			const char *slash = strchr(n->key, '/');
			sid = slash ? weir_arena_strndup(a, n->key, (size_t)(slash - n->key)) : n->key;
		}
		if (name == NULL) {
			name = weir_lin_store_securable_full_name(db, a, sid);
			if (name && n->kind == WEIR_LIN_MODEL_VERSION && strchr(n->key, '/'))
				name = weir_arena_printf(a, "%s%s", name, strchr(n->key, '/'));
		}
	} else if (n->kind == WEIR_LIN_DATASET || n->kind == WEIR_LIN_OL_JOB) {
		const char *nl = strchr(n->key, '\n');
		if (nl) {
			ns = weir_arena_strndup(a, n->key, (size_t)(nl - n->key));
			if (name == NULL)
				name = nl + 1;
		}
	}
	int rc = weir_lin_store_node_upsert(db, n->kind, n->key, name, ns, sid, at_ms, id, err);
	weir_arena_free(a);
	return rc;
}

int weir_lin__producer_id(weir_db *db, const weir_lineage_producer *by, int64_t *pid, weir_error *err)
{
	if (by == NULL || (unsigned)by->origin > WEIR_LIN_MANUAL || by->entity_type == NULL ||
	    by->entity_type[0] == '\0' || by->entity_id == NULL || by->entity_id[0] == '\0')
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "producer", "Invalid lineage producer");
	return weir_lin_store_producer(db, by->entity_type, by->entity_id, pid, err);
}

int weir_lineage_record_edge(weir_db *db, const weir_lineage_node *src, const weir_lineage_node *dst,
			     const weir_lineage_producer *by, int64_t at_ms, weir_error *err)
{
	int64_t s, d, pid;
	if (check_node("source", src, err) != 0 || check_node("target", dst, err) != 0)
		return -1;
	if (weir_lin__producer_id(db, by, &pid, err) != 0 || weir_lin__node_id(db, src, at_ms, &s, err) != 0 ||
	    weir_lin__node_id(db, dst, at_ms, &d, err) != 0)
		return -1;
	const char *created_by = by->origin == WEIR_LIN_MANUAL ? by->entity_id : NULL;
	return weir_lin_store_edge(db, s, d, pid, weir_lin__origin_name(by->origin), created_by, at_ms, err);
}

static bool transformation_ok(const char *t) { return t && (strcmp(t, "DIRECT") == 0 || strcmp(t, "INDIRECT") == 0); }

int weir_lineage_record_column_edge(weir_db *db, const weir_lineage_node *src, const char *src_col,
				    const weir_lineage_node *dst, const char *dst_col, const char *transformation,
				    const char *subtype, const weir_lineage_producer *by, int64_t at_ms,
				    weir_error *err)
{
	if (check_node("source", src, err) != 0 || check_node("target", dst, err) != 0)
		return -1;
	if (src_col == NULL || src_col[0] == '\0' || dst_col == NULL || strlen(src_col) > 1024 ||
	    strlen(dst_col) > 1024)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "column", "Invalid column name");
	if (!transformation_ok(transformation))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "transformation",
					"Invalid transformation: expected DIRECT or INDIRECT");
	int64_t s, d, pid, sc, dc;
	if (weir_lin__producer_id(db, by, &pid, err) != 0 || weir_lin__node_id(db, src, at_ms, &s, err) != 0 ||
	    weir_lin__node_id(db, dst, at_ms, &d, err) != 0)
		return -1;
	const char *origin = weir_lin__origin_name(by->origin);
	const char *created_by = by->origin == WEIR_LIN_MANUAL ? by->entity_id : NULL;
	/* a column edge implies its table edge (the system views join them per producer) */
	if (weir_lin_store_edge(db, s, d, pid, origin, created_by, at_ms, err) != 0 ||
	    weir_lin_store_column(db, s, src_col, &sc, err) != 0 ||
	    weir_lin_store_column(db, d, dst_col, &dc, err) != 0)
		return -1;
	return weir_lin_store_column_edge(db, sc, dc, transformation, subtype, pid, origin, created_by, at_ms, err);
}
