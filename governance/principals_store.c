/* All SQL of principals as callers: a principal's row, the groups it belongs to directly
 * (the closure is walked by governance/principals.c), lookups by name, and the inserts of
 * the first start. SCIM's own SQL is in identity_store.c. */
#include "core/db_row.h"
#include "governance/gov_store.h"

#include <string.h>

/* With the change counter of authorization data, read in the same snapshot for the closure
 * cache's stamp: a subquery here costs less than a statement of its own. */
static const char SQL_PRINCIPAL[] = "SELECT kind, name, display_name, active, "
				    "(SELECT n FROM authz_changes WHERE id = 1) FROM principals WHERE id = ?1";
/* The groups one principal is a direct member of. The closure is walked in C: a recursive
 * CTE costs about 100 us per call here (materialisation, temp b-trees), a point lookup 5. */
static const char SQL_PARENT_GROUPS[] =
	"SELECT gm.group_id, p.name = 'admins' FROM group_members gm JOIN principals p ON p.id = gm.group_id "
	"WHERE gm.member_id = ?1 AND p.active = 1";
static const char SQL_PRINCIPAL_BY_NAME[] = "SELECT id, kind FROM principals WHERE name = ?1";
static const char SQL_PRINCIPAL_NAME[] = "SELECT name FROM principals WHERE id = ?1";
static const char SQL_INSERT_PRINCIPAL[] =
	"INSERT INTO principals (kind, name, display_name, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)";
static const char SQL_INSERT_MEMBER[] = "INSERT INTO group_members (group_id, member_id) VALUES (?1, ?2)";

static weir_principal_kind kind_parse(const char *k)
{
	if (strcmp(k, "group") == 0)
		return WEIR_PRINCIPAL_GROUP;
	if (strcmp(k, "service_principal") == 0)
		return WEIR_PRINCIPAL_SP;
	return WEIR_PRINCIPAL_USER;
}

static const weir_db_field PRINCIPAL_FIELDS[] = {
	WEIR_FIELD_SKIPPED, /* kind */
	WEIR_FIELD(weir_gov_principal_row, name), WEIR_FIELD(weir_gov_principal_row, display_name),
	WEIR_FIELD(weir_gov_principal_row, active), WEIR_FIELD_OR_NEG(weir_gov_principal_row, authz_changes)};

int weir_gov_store_principal_get(weir_db *db, weir_arena *a, int64_t id, weir_gov_principal_row *out, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_PRINCIPAL, err, WEIR_I64(id));
	int found = weir_db_row_first(db, st, err);
	if (found <= 0)
		return found;
	WEIR_DB_ROW_READ(st, a, out, PRINCIPAL_FIELDS);
	out->kind = kind_parse(weir_db_col_text(st, 0));
	weir_db_done(st);
	return 1;
}

int weir_gov_store_parent_groups(weir_db *db, int64_t member_id, weir_gov_group_fn fn, void *ctx, weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_PARENT_GROUPS, err, WEIR_I64(member_id));
	if (st == NULL)
		return -1;
	int rc;
	while ((rc = weir_db_step(st)) == WEIR_DB_ROW)
		fn(ctx, weir_db_col_i64(st, 0), weir_db_col_int(st, 1) != 0);
	return weir_db_end(db, st, rc, err);
}

int weir_gov_store_principal_by_name(weir_db *db, const char *name, int64_t *id, weir_principal_kind *kind,
				     weir_error *err)
{
	weir_stmt *st = weir_db_query(db, SQL_PRINCIPAL_BY_NAME, err, WEIR_TEXT(name));
	int found = weir_db_row_first(db, st, err);
	if (found <= 0)
		return found;
	*id = weir_db_col_i64(st, 0);
	if (kind)
		*kind = kind_parse(weir_db_col_text(st, 1));
	weir_db_done(st);
	return 1;
}

const char *weir_gov_store_principal_name(weir_db *db, weir_arena *a, int64_t id)
{
	return weir_db_query_text(db, a, SQL_PRINCIPAL_NAME, WEIR_I64(id));
}

int64_t weir_gov_store_principal_insert(weir_db *db, const char *kind, const char *name, const char *display,
					int64_t now, weir_error *err)
{
	return weir_db_exec_id(db, SQL_INSERT_PRINCIPAL, err, WEIR_TEXT(kind), WEIR_TEXT(name), WEIR_TEXT(display),
			       WEIR_I64(now));
}

int weir_gov_store_member_insert(weir_db *db, int64_t group_id, int64_t member_id, weir_error *err)
{
	return weir_db_exec(db, SQL_INSERT_MEMBER, err, WEIR_I64(group_id), WEIR_I64(member_id));
}
