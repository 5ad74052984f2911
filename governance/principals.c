/* Principals as callers: a principal loaded with its transitive group closure (from the
 * per-thread cache while nothing it depends on has changed), membership tests on the
 * closure, and lookups by name and id. SQL in principals_store.c. */
#include "governance/gov_int.h"
#include "governance/gov_store.h"

#include <string.h>

#include "core/util.h"

/* Breadth-first over group memberships; `ids` doubles as the queue and the visited set
 * (nesting is shallow and groups few per principal, so the linear check is cheap). */
typedef struct closure_walk {
	weir_arena *a;
	int64_t *ids;
	int n, cap;
	bool is_admin;
} closure_walk;

static void closure_add(void *ctx, int64_t g, bool is_admins)
{
	closure_walk *w = ctx;
	for (int i = 0; i < w->n; i++)
		if (w->ids[i] == g)
			return;
	if (w->n == w->cap) {
		int64_t *bigger = weir_arena_alloc(w->a, sizeof(int64_t) * (size_t)w->cap * 2);
		memcpy(bigger, w->ids, sizeof(int64_t) * (size_t)w->cap);
		w->ids = bigger;
		w->cap *= 2;
	}
	w->ids[w->n++] = g;
	if (is_admins)
		w->is_admin = true;
}

weir_principal *weir_gov_principal_load(weir_db *db, weir_arena *a, int64_t principal_id, int64_t workspace_id,
					weir_error *err)
{
	/* The closure cache's stamp: the generation before the data, the database's counter
	 * with the principal's row (one snapshot with it, and read before the closure). */
	weir_gov_stamp stamp = {weir_gov__generation(db), -1};
	weir_gov_principal_row row;
	int found = weir_gov_store_principal_get(db, a, principal_id, &row, err);
	if (found < 0)
		return NULL;
	if (found == 0 || !row.active) {
		weir_error_set(err, WEIR_E_UNAUTHENTICATED, "Invalid access token.");
		return NULL;
	}
	stamp.changes = row.authz_changes;
	bool cacheable = stamp.gen != 0 && stamp.changes >= 0;
	weir_principal *p = weir_arena_calloc(a, sizeof(*p));
	p->id = principal_id;
	p->kind = row.kind;
	p->name = row.name;
	p->display_name = row.display_name;

	/* A cached closure is used while no principal or membership has changed since. */
	closure_walk w = {a, NULL, 0, 8, false};
	w.ids = weir_arena_alloc(a, sizeof(int64_t) * (size_t)w.cap);
	if (cacheable && weir_gov__closure_cache_get(&stamp, principal_id, a, &w.ids, &w.n, &w.is_admin))
		goto have_closure;
	w.ids[w.n++] = principal_id;
	for (int head = 0; head < w.n; head++)
		if (weir_gov_store_parent_groups(db, w.ids[head], closure_add, &w, err) != 0)
			return NULL;
	if (cacheable)
		weir_gov__closure_cache_put(&stamp, principal_id, w.ids, w.n, w.is_admin);
have_closure:;
	p->is_admin = w.is_admin;
	weir_buf b = {0};
	weir_buf_append(&b, "[", 1);
	for (int i = 0; i < w.n; i++)
		weir_buf_appendf(&b, "%s%lld", i ? "," : "", (long long)w.ids[i]);
	weir_buf_append(&b, "]", 1);
	p->closure_json = weir_arena_strndup(a, b.data, b.len);
	weir_buf_release(&b);
	p->closure = w.ids;
	p->nclosure = w.n;

	p->workspace_id = workspace_id;
	found = weir_gov_store_workspace_name(db, a, workspace_id, &p->workspace_name, err);
	if (found < 0)
		return NULL;
	if (found == 0) {
		weir_error_set(err, WEIR_E_UNAUTHENTICATED, "Invalid access token.");
		return NULL;
	}
	return p;
}

bool weir_gov__in_closure(const weir_principal *p, int64_t principal_id)
{
	for (int i = 0; i < p->nclosure; i++)
		if (p->closure[i] == principal_id)
			return true;
	return false;
}

int64_t weir_gov_principal_id(weir_db *db, const char *name, weir_principal_kind *kind, weir_error *err)
{
	int64_t id = -1;
	int found = weir_gov_store_principal_by_name(db, name, &id, kind, err);
	if (found < 0)
		return -1;
	if (found == 0)
		weir_error_set(err, WEIR_E_NOT_FOUND, "Principal not found: %.200s", name ? name : "");
	return found ? id : -1;
}

const char *weir_gov_principal_name(weir_db *db, weir_arena *a, int64_t id)
{
	return weir_gov_store_principal_name(db, a, id);
}
