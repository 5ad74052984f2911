/* COPY INTO: loading files of a volume into a managed table (Databricks' statement).
 *
 *   COPY INTO <table> FROM '/Volumes/<c>/<s>/<v>[/dir | /file]'
 *     FILEFORMAT = CSV | JSON
 *     [FILES = ('a.csv', 'dir/b.csv', ...) | PATTERN = '<glob>']
 *     [FORMAT_OPTIONS ('header' = 'true', 'delimiter' = ',', 'quote' = '"', 'mode' = 'FAILFAST',
 *                      'nullValue' = '', 'multiLine' = 'true', 'encoding' = 'UTF-8',
 *                      'inferSchema' = '...')]
 *     [COPY_OPTIONS ('force' = 'true', 'mergeSchema' = 'true')]
 *
 * The parser (copy.c) reads the text only; running it (copy_engine.c) reads the files as the
 * caller (READ VOLUME) and writes the table as the caller (MODIFY), in one transaction of
 * the table's file, loading each file once (files already loaded into the table, known by
 * path, size and modification time, are skipped unless 'force' = 'true'). With mergeSchema,
 * names of the files that the table lacks become nullable STRING columns, added in the same
 * transaction by the ALTER rule (owner or MANAGE). */
#ifndef WEIR_WAREHOUSE_COPY_H
#define WEIR_WAREHOUSE_COPY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/error.h"
#include "core/util.h"
#include "warehouse/warehouse.h"

#define WEIR_WH_COPY_MAX_FILES 1000

typedef enum { WEIR_COPY_PERMISSIVE = 0, WEIR_COPY_DROPMALFORMED, WEIR_COPY_FAILFAST } weir_wh_copy_mode;

typedef struct weir_wh_copy {
	const char *parts[3]; /* the table as written, 1..3 parts */
	int nparts;
	const char *source; /* the FROM path */
	bool json; /* FILEFORMAT = JSON (else CSV) */
	const char **files; /* FILES = (...) */
	int nfiles;
	const char *pattern; /* PATTERN = '...' (fnmatch, '/' matched only by '/') */
	bool header; /* CSV: the first line names the columns (default false, as Databricks) */
	char delimiter, quote;
	weir_wh_copy_mode mode;
	const char *null_value; /* CSV: this text is NULL (default: an empty unquoted field) */
	bool multiline; /* JSON: the file is one value (an array of objects, or one object) */
	bool force, merge_schema;
} weir_wh_copy;

/* A CSV reader (RFC 4180: quoted fields with doubled quotes, CRLF or LF) over text in memory,
 * shared by COPY INTO and read_files. */
typedef struct weir_wh_csv {
	char delimiter, quote;
	weir_buf scratch; /* the record's fields, each NUL-terminated */
	int64_t *offs; /* field i starts at scratch.data + offs[i] */
	bool *quoted; /* field i was quoted (an empty quoted field is "", not NULL) */
	int cap;
} weir_wh_csv;
void weir_wh_csv_init(weir_wh_csv *r, char delimiter, char quote);
void weir_wh_csv_free(weir_wh_csv *r);
/* The next record from *pp (advanced): -1 at the end of the text, 0 a record of *nf fields,
 * 1 a malformed record (an unterminated quote: the rest of the text). */
int weir_wh_csv_record(weir_wh_csv *r, const char **pp, const char *end, int *nf);

/* Whether the statement's first word is COPY. */
bool weir_wh_copy_is(const char *sql);
/* Parses COPY INTO; 400 INVALID_PARAMETER_VALUE naming `statement` for anything else (an
 * unknown option, a value of the wrong kind, a clause given twice, FILES with PATTERN). */
int weir_wh_copy_parse(weir_arena *a, const char *sql, weir_wh_copy *out, weir_error *err);

/* Runs a COPY INTO statement as x->principal_id (on an executor thread). Fills out like
 * weir_wh_execute: one row {num_affected_rows, num_inserted_rows, num_skipped_corrupt_files,
 * num_skipped_corrupt_rows, num_loaded_files, num_skipped_loaded_files}. */
void weir_wh_copy_execute(weir_db_pool *pool, const weir_wh_exec *x, weir_wh_outcome *out);

/* The loaded-files ledger (copy_store.c), per table: a file is known by its path in the
 * volume, its size and its modification time. 1 loaded, 0 not, -1 error. */
int weir_whc_store_loaded(weir_db *db, const char *table_id, const char *path, int64_t size, int64_t mtime_ms,
			  weir_error *err);
int weir_whc_store_mark(weir_db *db, const char *table_id, const char *path, int64_t size, int64_t mtime_ms,
			int64_t now, const char *statement_id, weir_error *err);

#endif
