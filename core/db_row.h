/* A row read into a struct by a table of its fields, one entry per column of the SELECT, in
 * order, instead of one weir_db_col_* line per field in every store:
 *
 *     static const weir_db_field RUN_ROW[] = {WEIR_FIELD(trk_run, id), WEIR_FIELD(trk_run, run_id),
 *             WEIR_FIELD_OPT(trk_run, start_time, has_start), ...};
 *     return WEIR_DB_ROW_GET(db, weir_db_query(db, SQL_RUN_GET, err, WEIR_TEXT(id)), a, out, RUN_ROW,
 *                            "Run not found", err);
 *
 * The table sits beside its SELECT, so a column added to one is added to the other in one
 * place. How a column is read follows from its field's type: text (const char *) is copied
 * into the arena (NULL for SQL NULL), int64_t, int and double are read as such (0 for SQL
 * NULL), a bool is "the integer is not 0"; an OPT field also sets a bool when the column is
 * not NULL. */
#ifndef WEIR_CORE_DB_ROW_H
#define WEIR_CORE_DB_ROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/db.h"

typedef enum {
	WEIR_FIELD_TEXT, /* const char *, an arena copy */
	WEIR_FIELD_I64, /* int64_t */
	WEIR_FIELD_INT, /* int */
	WEIR_FIELD_BOOL, /* bool: the integer is not 0 */
	WEIR_FIELD_REAL, /* double */
	WEIR_FIELD_SKIP, /* a column the caller reads itself (an enum from its text, ...) */
	WEIR_FIELD_I64_OR_NEG, /* int64_t, -1 for SQL NULL (a counter a CASE may not read) */
} weir_field_kind;

typedef struct weir_db_field {
	unsigned char kind; /* weir_field_kind */
	unsigned short off; /* where the field is: offsetof(struct, field) */
	short has; /* where its "not NULL" bool is, or -1 */
} weir_db_field;

/* The kind of a field, from its type (a field of any other type does not compile). */
#define WEIR_FIELD_KIND(x) \
	_Generic((x), const char *: WEIR_FIELD_TEXT, char *: WEIR_FIELD_TEXT, int64_t: WEIR_FIELD_I64,          \
		 int: WEIR_FIELD_INT, bool: WEIR_FIELD_BOOL, double: WEIR_FIELD_REAL)
/* Field f of struct T; with OPT, also the bool `has` set when the column is not NULL. */
#define WEIR_FIELD(T, f)                                         \
	{                                                        \
		WEIR_FIELD_KIND(((T *)0)->f), offsetof(T, f), -1 \
	}
#define WEIR_FIELD_SKIPPED             \
	{                              \
		WEIR_FIELD_SKIP, 0, -1 \
	}
/* An int64_t field that is -1 when the column is SQL NULL. */
#define WEIR_FIELD_OR_NEG(T, f)                           \
	{                                                 \
		WEIR_FIELD_I64_OR_NEG, offsetof(T, f), -1 \
	}
#define WEIR_FIELD_OPT(T, f, has)                                              \
	{                                                                      \
		WEIR_FIELD_KIND(((T *)0)->f), offsetof(T, f), offsetof(T, has) \
	}

/* Reads the row st stands on into out: column i into fields[i]. */
void weir_db_row_read(weir_stmt *st, weir_arena *a, void *out, const weir_db_field *fields, int n);
#define WEIR_DB_ROW_READ(st, a, out, fields) \
	weir_db_row_read((st), (a), (out), (fields), (int)(sizeof(fields) / sizeof((fields)[0])))

/* Steps st once and reads its row into out: 1 when there was one, 0 when there was none, -1
 * with err set when the step failed. The statement is done after, in every case. st may be
 * the NULL of a failed weir_db_query (err set): -1. */
int weir_db_row_one(weir_db *db, weir_stmt *st, weir_arena *a, void *out, const weir_db_field *fields, int n,
		    weir_error *err);
#define WEIR_DB_ROW_ONE(db, st, a, out, fields, err) \
	weir_db_row_one((db), (st), (a), (out), (fields), (int)(sizeof(fields) / sizeof((fields)[0])), (err))

/* Steps st once, for a caller that reads the row's columns itself: 1 when st stands on a
 * row (read it, then weir_db_done), 0 when there was none, -1 with err set when the step
 * failed (st is done in both). st may be the NULL of a failed weir_db_query: -1. */
int weir_db_row_first(weir_db *db, weir_stmt *st, weir_error *err);

/* weir_db_row_first for a row that must exist: 0 when st stands on it (read it, then
 * weir_db_done); -1 with err set otherwise: NOT_FOUND with message `what` when there was
 * none, or the step's failure. */
int weir_db_row_need(weir_db *db, weir_stmt *st, const char *what, weir_error *err);

/* weir_db_row_one for a row that must exist: 0 when read; NOT_FOUND with message `what` when
 * there was none; -1 with err set when the step failed. */
int weir_db_row_get(weir_db *db, weir_stmt *st, weir_arena *a, void *out, const weir_db_field *fields, int n,
		    const char *what, weir_error *err);
#define WEIR_DB_ROW_GET(db, st, a, out, fields, what, err) \
	weir_db_row_get((db), (st), (a), (out), (fields), (int)(sizeof(fields) / sizeof((fields)[0])), (what), (err))

/* Steps st to its end, reading each row into the next element (`size` bytes, zeroed first) of
 * an array in `a`: its columns into `fields` as weir_db_row_read does, then, when fill is not
 * NULL, fill(a, st, element) for what a table cannot say (an enum from its text, ...). The
 * array (never NULL, even for no rows) with *n its length, or NULL with err set when a step
 * failed. st may be the NULL of a failed weir_db_query: NULL. The statement is done after. */
typedef void (*weir_db_fill_fn)(weir_arena *a, weir_stmt *st, void *elem);
void *weir_db_rows(weir_db *db, weir_stmt *st, weir_arena *a, size_t size, const weir_db_field *fields, int nfields,
		   weir_db_fill_fn fill, size_t *n, weir_error *err);
#define WEIR_DB_ROWS(db, st, a, T, fields, fill, n, err)                                                              \
	((T *)weir_db_rows((db), (st), (a), sizeof(T), (fields), (int)(sizeof(fields) / sizeof((fields)[0])), (fill), \
			   (n), (err)))

#endif
