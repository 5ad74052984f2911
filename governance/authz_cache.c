/* The per-thread caches of derived authorization data: group closures by principal, and
 * evaluated privileges of a principal on a securable chain. Each entry is stamped with what
 * it was derived from (weir_gov__stamp): the pool's change generation, which moves in
 * SQLite's WAL hook after a commit of this process touched a watched table, and the change
 * counter kept in the database by triggers (migrations 0007 and 0010), which moves with a
 * commit of any process sharing the store. A grant, revoke, membership change or
 * deactivation applies to the very next request, wherever it was committed. */
#include "governance/gov_int.h"
#include "governance/gov_store.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/metrics.h"

static pthread_once_t watch_once = PTHREAD_ONCE_INIT;
static void watch_tables(void)
{
	weir_db_watch("principals");
	weir_db_watch("authz_changes"); /* touched by triggers on group_members and grants */
}

uint64_t weir_gov__generation(weir_db *db)
{
	pthread_once(&watch_once, watch_tables);
	return weir_db_generation(db);
}

bool weir_gov__stamp(weir_db *db, weir_gov_stamp *out)
{
	out->gen = weir_gov__generation(db);
	if (out->gen == 0) /* inside a write transaction: uncommitted data is never cached */
		return false;
	/* One primary-key lookup per check, in the caller's snapshot (no memo: nothing at this
	 * level knows when the request's read transaction ends). The two hot checks read the
	 * counter with data they read anyway instead: the closure cache with the principal's
	 * row (principals.c), the privilege cache with the securables (visibility.c). Measured
	 * with bench/callgrind.sh on a GET of a table, before the split of governance_store.c
	 * -> with the counter: admin 142,842 -> 144,152 instructions (+0.9%), a service
	 * principal holding SELECT 143,390 -> 146,891 (+2.4%; a statement of its own per check
	 * was +2.7%). */
	out->changes = weir_gov_store_authz_changes(db);
	return out->changes >= 0;
}

static bool stamp_eq(uint64_t gen, int64_t changes, const weir_gov_stamp *s)
{
	return gen == s->gen && changes == s->changes;
}

/* ------------------------------------------------------------------ group closures */

/* Group closures by principal: an entry from an older stamp is a miss, so a membership
 * change or deactivation applies to the very next request. */
#define CLOSURE_SLOTS 256
#define CLOSURE_MAX 16
/* One cache per worker thread: no lock on the request path (a shared cache's mutex was the
 * measurable cost of a nested-group caller under concurrency). */
static _Thread_local struct closure_entry {
	uint64_t gen;
	int64_t changes;
	int64_t principal_id;
	int n;
	bool is_admin;
	int64_t ids[CLOSURE_MAX];
} closure_cache[CLOSURE_SLOTS];

bool weir_gov__closure_cache_get(const weir_gov_stamp *stamp, int64_t principal_id, weir_arena *a, int64_t **ids,
				 int *n, bool *is_admin)
{
	struct closure_entry *e = &closure_cache[(uint64_t)principal_id % CLOSURE_SLOTS];
	bool hit = stamp_eq(e->gen, e->changes, stamp) && e->principal_id == principal_id;
	weir_metrics_cache("closure", hit);
	if (!hit)
		return false;
	*ids = weir_arena_alloc(a, sizeof(int64_t) * (size_t)e->n);
	memcpy(*ids, e->ids, sizeof(int64_t) * (size_t)e->n);
	*n = e->n;
	*is_admin = e->is_admin;
	return true;
}

void weir_gov__closure_cache_put(const weir_gov_stamp *stamp, int64_t principal_id, const int64_t *ids, int n,
				 bool is_admin)
{
	if (n > CLOSURE_MAX)
		return;
	struct closure_entry *e = &closure_cache[(uint64_t)principal_id % CLOSURE_SLOTS];
	e->gen = stamp->gen;
	e->changes = stamp->changes;
	e->principal_id = principal_id;
	e->n = n;
	e->is_admin = is_admin;
	memcpy(e->ids, ids, sizeof(int64_t) * (size_t)n);
}

/* ------------------------------------------------------------------ privileges */

/* Evaluated privileges of one principal on one chain, stamped like the closures (grants,
 * memberships and principals are counted): a grant or revoke applies to the very next
 * request. Keyed by principal and the chain's ids. */
#define PRIVS_SLOTS 1024
static _Thread_local struct privs_entry {
	uint64_t gen;
	int64_t changes;
	int64_t principal_id;
	int depth;
	char ids[3][40];
	uint64_t privs[3];
} privs_cache[PRIVS_SLOTS]; /* per worker thread, like the closure cache */

static size_t privs_slot(int64_t principal_id, const weir_securable *s)
{
	uint64_t h = (uint64_t)principal_id * 0x9E3779B97F4A7C15ull;
	for (const char *c = s->chain[0].id; c && *c; c++)
		h = (h ^ (unsigned char)*c) * 0x100000001B3ull;
	return (size_t)(h % PRIVS_SLOTS);
}

static bool privs_match(const struct privs_entry *e, int64_t principal_id, const weir_securable *s)
{
	if (e->principal_id != principal_id || e->depth != s->depth)
		return false;
	for (int i = 0; i < s->depth; i++)
		if (strcmp(e->ids[i], s->chain[i].id) != 0)
			return false;
	return true;
}

bool weir_gov__privs_cache_get(const weir_gov_stamp *stamp, int64_t principal_id, weir_securable *s)
{
	struct privs_entry *e = &privs_cache[privs_slot(principal_id, s)];
	bool hit = stamp_eq(e->gen, e->changes, stamp) && privs_match(e, principal_id, s);
	weir_metrics_cache("privileges", hit);
	if (!hit)
		return false;
	memcpy(s->privs, e->privs, sizeof(s->privs));
	return true;
}

void weir_gov__privs_cache_put(const weir_gov_stamp *stamp, int64_t principal_id, const weir_securable *s)
{
	for (int i = 0; i < s->depth; i++)
		if (strlen(s->chain[i].id) >= sizeof(privs_cache[0].ids[0]))
			return;
	struct privs_entry *e = &privs_cache[privs_slot(principal_id, s)];
	e->gen = stamp->gen;
	e->changes = stamp->changes;
	e->principal_id = principal_id;
	e->depth = s->depth;
	for (int i = 0; i < s->depth; i++)
		snprintf(e->ids[i], sizeof(e->ids[i]), "%s", s->chain[i].id);
	memcpy(e->privs, s->privs, sizeof(e->privs));
}

/* ------------------------------------------------------------------ credentials */

/* Authenticated personal access tokens: the SHA-256 of a token -> the principal it loaded
 * as (closure, admin flag, workspace) and the token's id and expiry, stamped like the
 * closures. The counter also moves when a token is deleted, a workspace assignment or a
 * workspace changes, or a principal is renamed, deactivated or deleted (migrations 0010 and
 * 0022), so a revoked token or a deactivated caller is refused on the very next request,
 * wherever it was committed; expiry is checked on every use. A hit replaces four lookups
 * (token, principal, workspace, assignment) with the counter's one. Few tokens are live per
 * server, so the cache is small; its text (names and the closure's JSON) is kept in one
 * buffer, and a principal whose text does not fit is simply not cached. */
#define CRED_SLOTS 64
#define CRED_TEXT 480
static _Thread_local struct cred_entry {
	uint64_t gen;
	int64_t changes;
	char hash[65];
	char token_id[33];
	int64_t expiry_ms; /* -1: never */
	int64_t principal_id, workspace_id;
	weir_principal_kind kind;
	bool is_admin, has_display;
	int nclosure;
	int64_t closure[CLOSURE_MAX];
	/* name, display name, workspace name, closure JSON: NUL-terminated, one after another */
	char text[CRED_TEXT];
} cred_cache[CRED_SLOTS];

static struct cred_entry *cred_slot(const char *hash)
{
	uint64_t h = 0;
	for (int i = 0; i < 16 && hash[i]; i++) /* the hash is uniform already */
		h = h * 16 + (uint64_t)(hash[i] <= '9' ? hash[i] - '0' : hash[i] - 'a' + 10);
	return &cred_cache[h % CRED_SLOTS];
}

static const char *text_next(const char *s) { return s + strlen(s) + 1; }

weir_principal *weir_gov__cred_cache_get(const weir_gov_stamp *stamp, const char *hash, weir_arena *a,
					 int64_t *expiry_ms)
{
	struct cred_entry *e = cred_slot(hash);
	bool hit = stamp_eq(e->gen, e->changes, stamp) && strcmp(e->hash, hash) == 0;
	weir_metrics_cache("credential", hit);
	if (!hit)
		return NULL;
	weir_principal *p = weir_arena_calloc(a, sizeof(*p));
	p->id = e->principal_id;
	p->kind = e->kind;
	p->is_admin = e->is_admin;
	p->workspace_id = e->workspace_id;
	const char *s = e->text;
	p->name = weir_arena_strdup(a, s);
	s = text_next(s);
	p->display_name = e->has_display ? weir_arena_strdup(a, s) : NULL;
	s = text_next(s);
	p->workspace_name = weir_arena_strdup(a, s);
	s = text_next(s);
	p->closure_json = weir_arena_strdup(a, s);
	p->nclosure = e->nclosure;
	p->closure = weir_arena_alloc(a, sizeof(int64_t) * (size_t)e->nclosure);
	memcpy(p->closure, e->closure, sizeof(int64_t) * (size_t)e->nclosure);
	p->token_id = weir_arena_strdup(a, e->token_id);
	*expiry_ms = e->expiry_ms;
	return p;
}

void weir_gov__cred_cache_put(const weir_gov_stamp *stamp, const char *hash, const weir_principal *p, int64_t expiry_ms)
{
	const char *parts[4] = {p->name, p->display_name ? p->display_name : "", p->workspace_name, p->closure_json};
	size_t need = 0;
	for (int i = 0; i < 4; i++) {
		if (parts[i] == NULL)
			return;
		need += strlen(parts[i]) + 1;
	}
	if (need > CRED_TEXT || p->nclosure > CLOSURE_MAX || strlen(hash) != 64 || p->token_id == NULL ||
	    strlen(p->token_id) >= sizeof(cred_cache[0].token_id))
		return;
	struct cred_entry *e = cred_slot(hash);
	e->gen = stamp->gen;
	e->changes = stamp->changes;
	memcpy(e->hash, hash, 65);
	snprintf(e->token_id, sizeof(e->token_id), "%s", p->token_id);
	e->expiry_ms = expiry_ms;
	e->principal_id = p->id;
	e->workspace_id = p->workspace_id;
	e->kind = p->kind;
	e->is_admin = p->is_admin;
	e->has_display = p->display_name != NULL;
	e->nclosure = p->nclosure;
	memcpy(e->closure, p->closure, sizeof(int64_t) * (size_t)p->nclosure);
	char *t = e->text;
	for (int i = 0; i < 4; i++) {
		size_t n = strlen(parts[i]) + 1;
		memcpy(t, parts[i], n);
		t += n;
	}
}
