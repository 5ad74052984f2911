/* The SQL both MLflow searches build at run time (registry_store.c: registered models and
 * versions; tracking_store.c: experiments, runs, logged models): a statement's text written
 * from the stores' whitelisted fragments, and its values, every one bound (mlflow_kit.h). */
#include "registry/mlflow_kit.h"

#include <string.h>

void weir_mlflow_sql_init(weir_mlflow_sql *q, weir_arena *a, const weir_mlflow_sql_style *style)
{
	*q = (weir_mlflow_sql){.a = a, .style = style, .cap = 16};
	q->binds = weir_arena_alloc(a, (size_t)q->cap * sizeof(*q->binds));
}

void weir_mlflow_sql_release(weir_mlflow_sql *q) { weir_buf_release(&q->sql); }

void weir_mlflow_sql_text(weir_mlflow_sql *q, const char *s) { weir_buf_append(&q->sql, s, strlen(s)); }

static weir_mlflow_bind *bind_slot(weir_mlflow_sql *q)
{
	if (q->nbinds == q->cap) {
		weir_mlflow_bind *more = weir_arena_alloc(q->a, (size_t)q->cap * 2 * sizeof(*more));
		memcpy(more, q->binds, (size_t)q->cap * sizeof(*more));
		q->binds = more;
		q->cap *= 2;
	}
	weir_mlflow_bind *b = &q->binds[q->nbinds++];
	*b = (weir_mlflow_bind){0};
	return b;
}

void weir_mlflow_bind_text(weir_mlflow_sql *q, const char *s)
{
	weir_mlflow_bind *b = bind_slot(q);
	b->kind = WEIR_MLFLOW_BIND_TEXT;
	b->s = s;
}

void weir_mlflow_bind_real(weir_mlflow_sql *q, double d)
{
	weir_mlflow_bind *b = bind_slot(q);
	b->kind = WEIR_MLFLOW_BIND_REAL;
	b->d = d;
}

void weir_mlflow_bind_i64(weir_mlflow_sql *q, int64_t i)
{
	weir_mlflow_bind *b = bind_slot(q);
	b->kind = WEIR_MLFLOW_BIND_I64;
	b->i = i;
}

void weir_mlflow_sql_in(weir_mlflow_sql *q, const char *expr, bool not_in, const char *const *list, int n)
{
	weir_buf_appendf(&q->sql, "%s %s (", expr, not_in ? "NOT IN" : "IN");
	for (int i = 0; i < n; i++) {
		weir_mlflow_sql_text(q, i ? ", ?" : "?");
		weir_mlflow_bind_text(q, list[i]);
	}
	weir_mlflow_sql_text(q, n ? ")" : "NULL)");
}

static const char *const CMP_SQL[] = {
	[WEIR_MLFLOW_OP_EQ] = " = ?",  [WEIR_MLFLOW_OP_NE] = " != ?", [WEIR_MLFLOW_OP_LT] = " < ?",
	[WEIR_MLFLOW_OP_LE] = " <= ?", [WEIR_MLFLOW_OP_GT] = " > ?",  [WEIR_MLFLOW_OP_GE] = " >= ?",
};

void weir_mlflow_sql_cmp(weir_mlflow_sql *q, const char *expr, const weir_mlflow_cond *c)
{
	switch (c->op) {
	case WEIR_MLFLOW_OP_LIKE:
		weir_buf_appendf(&q->sql, "%s%s", expr, q->style->like);
		weir_mlflow_bind_text(q, weir_mlflow_like_to_glob(q->a, c->str));
		return;
	case WEIR_MLFLOW_OP_ILIKE:
		weir_buf_appendf(&q->sql, q->style->ilike, expr);
		weir_mlflow_bind_text(q, c->str);
		return;
	case WEIR_MLFLOW_OP_IN:
	case WEIR_MLFLOW_OP_NOT_IN:
		weir_mlflow_sql_in(q, expr, c->op == WEIR_MLFLOW_OP_NOT_IN, c->list, c->nlist);
		return;
	case WEIR_MLFLOW_OP_IS_NULL: weir_buf_appendf(&q->sql, "%s IS NULL", expr); return;
	case WEIR_MLFLOW_OP_IS_NOT_NULL: weir_buf_appendf(&q->sql, "%s IS NOT NULL", expr); return;
	default:
		weir_buf_appendf(&q->sql, "%s%s", expr, CMP_SQL[c->op]);
		if (!c->numeric)
			weir_mlflow_bind_text(q, c->str);
		else if (c->integral)
			weir_mlflow_bind_i64(q, c->i64);
		else
			weir_mlflow_bind_real(q, c->num);
		return;
	}
}

void weir_mlflow_sql_bind_all(const weir_mlflow_sql *q, weir_stmt *st)
{
	for (int i = 0; i < q->nbinds; i++) {
		const weir_mlflow_bind *b = &q->binds[i];
		if (b->kind == WEIR_MLFLOW_BIND_TEXT)
			weir_db_bind_text(st, i + 1, b->s);
		else if (b->kind == WEIR_MLFLOW_BIND_REAL)
			weir_db_bind_double(st, i + 1, b->d);
		else
			weir_db_bind_i64(st, i + 1, b->i);
	}
}
