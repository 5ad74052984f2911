/* Rows read into structs by a table of fields (core/db_row.h). */
#include "core/db_row.h"

#include <stdbool.h>
#include <stdint.h>

void weir_db_row_read(weir_stmt *st, weir_arena *a, void *out, const weir_db_field *fields, int n)
{
	char *base = out;
	for (int i = 0; i < n; i++) {
		const weir_db_field *f = &fields[i];
		void *p = base + f->off;
		switch ((weir_field_kind)f->kind) {
		case WEIR_FIELD_TEXT: *(const char **)p = weir_db_col_dup(a, st, i); break;
		case WEIR_FIELD_I64: *(int64_t *)p = weir_db_col_i64(st, i); break;
		case WEIR_FIELD_INT: *(int *)p = weir_db_col_int(st, i); break;
		case WEIR_FIELD_BOOL: *(bool *)p = weir_db_col_int(st, i) != 0; break;
		case WEIR_FIELD_REAL: *(double *)p = weir_db_col_double(st, i); break;
		case WEIR_FIELD_I64_OR_NEG:
			*(int64_t *)p = weir_db_col_type(st, i) == WEIR_DB_NULL ? -1 : weir_db_col_i64(st, i);
			break;
		case WEIR_FIELD_SKIP: continue;
		}
		if (f->has >= 0)
			*(bool *)(base + f->has) = weir_db_col_type(st, i) != WEIR_DB_NULL;
	}
}

int weir_db_row_first(weir_db *db, weir_stmt *st, weir_error *err)
{
	if (st == NULL)
		return -1;
	int rc = weir_db_step(st);
	if (rc == WEIR_DB_ROW)
		return 1;
	weir_db_done(st);
	return rc == WEIR_DB_DONE ? 0 : weir_db_fail(db, rc, err);
}

int weir_db_row_need(weir_db *db, weir_stmt *st, const char *what, weir_error *err)
{
	int found = weir_db_row_first(db, st, err);
	if (found < 0)
		return -1;
	return found ? 0 : weir_error_set(err, WEIR_E_NOT_FOUND, "%s", what);
}

int weir_db_row_one(weir_db *db, weir_stmt *st, weir_arena *a, void *out, const weir_db_field *fields, int n,
		    weir_error *err)
{
	int found = weir_db_row_first(db, st, err);
	if (found == 1) {
		weir_db_row_read(st, a, out, fields, n);
		weir_db_done(st);
	}
	return found;
}

int weir_db_row_get(weir_db *db, weir_stmt *st, weir_arena *a, void *out, const weir_db_field *fields, int n,
		    const char *what, weir_error *err)
{
	int found = weir_db_row_one(db, st, a, out, fields, n, err);
	if (found < 0)
		return -1;
	return found ? 0 : weir_error_set(err, WEIR_E_NOT_FOUND, "%s", what);
}

void *weir_db_rows(weir_db *db, weir_stmt *st, weir_arena *a, size_t size, const weir_db_field *fields, int nfields,
		   weir_db_fill_fn fill, size_t *n, weir_error *err)
{
	if (st == NULL)
		return NULL;
	size_t cap = 8, k = 0; /* most answers are a few rows; grown by doubling */
	char *v = weir_arena_calloc(a, cap * size);
	int rc;
	while ((rc = weir_db_step(st)) == WEIR_DB_ROW) {
		v = weir_arena_grow(a, v, k, &cap, size);
		void *e = v + k++ * size;
		weir_db_row_read(st, a, e, fields, nfields);
		if (fill)
			fill(a, st, e);
	}
	if (weir_db_end(db, st, rc, err) != 0)
		return NULL;
	*n = k;
	return v;
}
