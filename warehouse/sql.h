/* The warehouse's reading of a statement's text, before SQLite sees it: a tokenizer that
 * skips strings, quoted identifiers and comments; the table references of a statement
 * (`catalog.schema.table`, `schema.table`, `table` after FROM, JOIN, INTO, UPDATE and in
 * FROM lists, minus CTE names and table-valued functions) and the rewriting of each into
 * the alias of the file the engine attached; the statements the engine answers itself
 * (CREATE TABLE with columns or AS SELECT, DROP TABLE); and the Databricks column types
 * (type_name / type_text / type_json of Unity Catalog, and the declared type in the file).
 *
 * Nothing here decides what a caller may do: a name this reader misses is left as written
 * and then refused by the engine's authorizer, which allows only the attached tables. */
#ifndef WEIR_WAREHOUSE_SQL_H
#define WEIR_WAREHOUSE_SQL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/arena.h"
#include "core/error.h"
#include "core/util.h"

typedef enum { WEIR_TK_IDENT = 0, WEIR_TK_QIDENT, WEIR_TK_STRING, WEIR_TK_NUMBER, WEIR_TK_PUNCT } weir_wh_tok_kind;

typedef struct weir_wh_tok {
	weir_wh_tok_kind kind;
	size_t start, len; /* bytes of the text */
	const char *value; /* identifiers: the name (unquoted, arena); others: NULL */
} weir_wh_tok;

/* Splits sql into tokens (comments and white space dropped). An unterminated string,
 * quoted identifier or block comment: 400 INVALID_PARAMETER_VALUE naming `statement`. */
int weir_wh_tokenize(weir_arena *a, const char *sql, weir_wh_tok **out, int *n, weir_error *err);

/* Whether the statement's first token is the bare keyword kw (case-insensitive), white space
 * and comments skipped as weir_wh_tokenize skips them. */
bool weir_wh_first_word(const char *sql, const char *kw);

/* Whether token t is the bare keyword kw (case-insensitive). */
bool weir_wh_tok_is(const weir_wh_tok *t, const char *kw);

typedef enum { WEIR_WH_REF_READ = 0, WEIR_WH_REF_WRITE } weir_wh_ref_role;

/* One table reference in the text. */
typedef struct weir_wh_ref {
	const char *parts[3]; /* as written, 1..3 parts */
	int nparts;
	size_t start, end; /* the bytes of the name in the text */
	bool has_alias; /* followed by AS x or a bare alias */
	weir_wh_ref_role role; /* WRITE: INSERT INTO, UPDATE, DELETE FROM */
} weir_wh_ref;

typedef enum {
	WEIR_WH_KIND_QUERY = 0, /* SELECT, WITH ... SELECT, VALUES */
	WEIR_WH_KIND_DML, /* INSERT, REPLACE, UPDATE, DELETE (also after WITH) */
	WEIR_WH_KIND_CREATE_TABLE,
	WEIR_WH_KIND_DROP_TABLE,
	WEIR_WH_KIND_OTHER, /* anything else: refused by the engine */
} weir_wh_kind;

typedef struct weir_wh_scan {
	weir_wh_kind kind;
	const char *first_word; /* the statement's first keyword, upper case (for messages) */
	weir_wh_ref *refs;
	int nrefs;
} weir_wh_scan;

/* Finds the statement's kind and its table references. More than one statement, or a name
 * of more than three parts: 400 INVALID_PARAMETER_VALUE naming `statement`. */
int weir_wh_scan_refs(weir_arena *a, const char *sql, weir_wh_scan *out, weir_error *err);

/* The text with each reference i replaced by "alias[i]"."t" (and AS "<last part>" where
 * the reference had no alias, so that columns qualified with the table's name still
 * resolve). aliases has nrefs entries. Arena result. */
char *weir_wh_rewrite(weir_arena *a, const char *sql, const weir_wh_ref *refs, int nrefs, const char *const *aliases);

/* The text with each reference i replaced by repl[i] verbatim (and AS "<last part>" where the
 * reference had no alias). weir_wh_rewrite is this with "alias"."t". Arena result. */
char *weir_wh_rewrite_with(weir_arena *a, const char *sql, const weir_wh_ref *refs, int nrefs, const char *const *repl);

/* A SQL function's body (an expression over its parameters) with each parameter named in
 * it (an identifier equal to names[i], case-insensitive, neither qualified nor called)
 * replaced by repl[i]. -1 (400 naming `statement`) when the text does not tokenize. Arena. */
int weir_wh_subst_params(weir_arena *a, const char *body, const char *const *names, const char *const *repl, int n,
			 const char **out, weir_error *err);

/* A name quoted with backticks for the dialect's text (backticks inside doubled). Arena. */
const char *weir_wh_quote_name(weir_arena *a, const char *name);

/* Appends name as a quoted SQL identifier ("a""b"): the one quoting of a name the engine
 * writes into SQL. */
void weir_wh_append_ident(weir_buf *b, const char *name);
/* The name of the table inside each table's file. */
#define WEIR_WH_FILE_TABLE "t"

/* A Databricks column type. */
typedef struct weir_wh_type {
	const char *type_name; /* UC ColumnTypeName: INT, LONG, DOUBLE, DECIMAL, STRING, ARRAY, ... */
	char type_text[128]; /* "int", "bigint", "decimal(10,2)", "array<int>", "struct<a:int>", ... */
	char json_type[400]; /* Spark's: "integer", "decimal(10,2)", or for ARRAY, MAP and STRUCT the
				JSON text of its type object ({"type":"array","elementType":...}) */
	char decl[48]; /* the declared type in the file: its first word gives the type back */
	int precision, scale; /* DECIMAL only */
} weir_wh_type;

/* ARRAY, MAP and STRUCT: kept in a table's file as their JSON text (an array, an object);
 * every write is checked to start as one (weir_wh_append_coldef). */
bool weir_wh_type_is_complex(const char *type_name);
/* The "type" of a column's type_json: a string, or the complex type's object. New reference. */
json_t *weir_wh_type_json(const weir_wh_type *t);
/* A column definition of a table's file: name, declared type, NOT NULL, and for a complex
 * type the CHECK that its values start as JSON of its shape ('[' or '{'). */
void weir_wh_append_coldef(weir_buf *b, const char *name, const weir_wh_type *t, bool not_null);

/* Parses a Databricks type name (INT, INTEGER, BIGINT, LONG, SMALLINT, TINYINT, DOUBLE, FLOAT,
 * REAL, DECIMAL[(p[,s])], STRING, VARCHAR(n), CHAR(n), BOOLEAN, DATE, TIMESTAMP, and nested
 * ARRAY<t>, MAP<k,v>, STRUCT<name[:] t, ...>) from tokens at *i, advancing it. 400 naming
 * `statement` for anything else. */
int weir_wh_type_parse(const char *sql, const weir_wh_tok *t, int n, int *i, weir_wh_type *out, weir_error *err);
/* The type of a UC column from its type_name (and precision/scale): false when the
 * warehouse cannot store it (ARRAY, MAP, STRUCT, ... in this version). */
bool weir_wh_type_from_uc(const char *type_name, int precision, int scale, weir_wh_type *out);
/* The type of a result column from its declared type in a file (NULL: unknown) and, for an
 * expression, SQLite's storage class of its first value (1 integer, 2 float, 3 text, ...). */
void weir_wh_type_from_decl(const char *decl, int storage_class, weir_wh_type *out);

/* CREATE TABLE [IF NOT EXISTS] name (col type [NOT NULL] [COMMENT '...'], ...) [USING DELTA]
 * [COMMENT '...'] | CREATE TABLE [IF NOT EXISTS] name [USING DELTA] [COMMENT '...'] AS <query>
 * and DROP TABLE [IF EXISTS] name. */
typedef struct weir_wh_coldef {
	const char *name;
	weir_wh_type type;
	bool nullable;
	const char *comment;
} weir_wh_coldef;

typedef struct weir_wh_ddl {
	const char *parts[3];
	int nparts;
	bool if_exists; /* IF NOT EXISTS (create), IF EXISTS (drop) */
	weir_wh_coldef *cols;
	int ncols;
	const char *comment;
	size_t as_query; /* CREATE ... AS: byte offset of the query in the text; 0: none */
} weir_wh_ddl;

int weir_wh_parse_ddl(weir_arena *a, const char *sql, weir_wh_kind kind, weir_wh_ddl *out, weir_error *err);

/* ---------------------------------------------------------------- catalog statements */

/* The statements the warehouse answers from the catalog (warehouse/wh_catalog.c), as
 * Databricks SQL writes them:
 *   CREATE CATALOG [IF NOT EXISTS] c [COMMENT '...']       DROP CATALOG [IF EXISTS] c [CASCADE|RESTRICT]
 *   CREATE SCHEMA [IF NOT EXISTS] s [COMMENT '...']        DROP SCHEMA [IF EXISTS] s [CASCADE|RESTRICT]
 *   CREATE [OR REPLACE] VIEW [IF NOT EXISTS] v [COMMENT '...'] AS <query>   DROP VIEW [IF EXISTS] v
 *   ALTER TABLE|VIEW t RENAME TO n | ADD COLUMN[S] [(]c type [NOT NULL] [COMMENT '...'], ...[)]
 *     | SET TBLPROPERTIES ('k' = 'v', ...) | ALTER [COLUMN] c COMMENT '...'
 *     | SET ROW FILTER f ON (c, ...) | DROP ROW FILTER | [SET] OWNER TO `principal`
 *     | ALTER [COLUMN] c SET MASK f [USING COLUMNS (c, ...)] | ALTER [COLUMN] c DROP MASK
 *   COMMENT ON CATALOG|SCHEMA|TABLE|VIEW x IS '...' | NULL
 *   GRANT p[, ...] ON <securable> x TO `principal`          REVOKE p[, ...] ON <securable> x FROM `principal`
 *   SHOW CATALOGS | SCHEMAS [IN|FROM c] | TABLES [IN|FROM [c.]s] | GRANTS [`principal`] ON <securable> x
 *     | COLUMNS IN|FROM t
 *   DESCRIBE [TABLE] [EXTENDED] t
 *   CREATE [OR REPLACE] FUNCTION f(p type, ...) RETURNS type [COMMENT '...'] RETURN <expr>
 * Privileges are one to three words (SELECT, USE CATALOG, ALL PRIVILEGES, ...); a securable is
 * CATALOG, SCHEMA|DATABASE, TABLE|VIEW, VOLUME, FUNCTION or METASTORE (no name). */
typedef enum {
	WEIR_WH_C_NONE = 0,
	WEIR_WH_C_CREATE_SCHEMA,
	WEIR_WH_C_DROP_SCHEMA,
	WEIR_WH_C_CREATE_VIEW,
	WEIR_WH_C_DROP_VIEW,
	WEIR_WH_C_RENAME,
	WEIR_WH_C_ADD_COLUMNS,
	WEIR_WH_C_SET_PROPERTIES,
	WEIR_WH_C_COLUMN_COMMENT,
	WEIR_WH_C_SET_ROW_FILTER,
	WEIR_WH_C_DROP_ROW_FILTER,
	WEIR_WH_C_SET_MASK,
	WEIR_WH_C_DROP_MASK,
	WEIR_WH_C_COMMENT_ON,
	WEIR_WH_C_GRANT,
	WEIR_WH_C_REVOKE,
	WEIR_WH_C_SHOW_CATALOGS,
	WEIR_WH_C_SHOW_SCHEMAS,
	WEIR_WH_C_SHOW_TABLES,
	WEIR_WH_C_SHOW_GRANTS,
	WEIR_WH_C_SHOW_COLUMNS,
	WEIR_WH_C_DESCRIBE,
	WEIR_WH_C_CREATE_FUNCTION,
	WEIR_WH_C_CREATE_CATALOG,
	WEIR_WH_C_DROP_CATALOG,
	WEIR_WH_C_SET_OWNER,
	WEIR_WH_C_CREATE_POLICY,
	WEIR_WH_C_DROP_POLICY,
	WEIR_WH_C_SHOW_POLICIES,
	WEIR_WH_C_DESCRIBE_POLICY,
} weir_wh_ckind;

typedef struct weir_wh_cstmt {
	weir_wh_ckind kind;
	const char *sec_type; /* the object's kind as written, upper case: CATALOG, SCHEMA, TABLE, VIEW, ... */
	const char *parts[3]; /* the object's name, 0..3 parts */
	int nparts;
	const char *to[3]; /* RENAME TO */
	int nto;
	bool if_exists, if_not_exists, or_replace, cascade, extended;
	const char *comment; /* COMMENT '...' / IS '...' (NULL: none, or IS NULL) */
	weir_wh_coldef *cols; /* ADD COLUMNS; CREATE FUNCTION's parameters */
	int ncols;
	const char **keys, **values; /* SET TBLPROPERTIES */
	int nprops;
	const char *column; /* ALTER COLUMN c */
	const char *fn[3]; /* ROW FILTER / MASK function name */
	int nfn;
	const char **using_cols; /* ROW FILTER ON (...), MASK USING COLUMNS (...) */
	int nusing;
	const char **privs; /* GRANT / REVOKE, upper case with spaces: "USE CATALOG" */
	int nprivs;
	const char *principal; /* GRANT TO / REVOKE FROM / SHOW GRANTS / OWNER TO */
	size_t body; /* CREATE VIEW: offset of the query; CREATE FUNCTION: of the RETURN expression */
	weir_wh_type returns; /* CREATE FUNCTION */
	const char *policy; /* CREATE / DROP POLICY: its name (the securable: sec_type, parts) */
	json_t *policy_info; /* CREATE POLICY: the PolicyInfo fields it sets (arena-owned) */
} weir_wh_cstmt;

/* Parses a catalog statement. 1: it is one (out filled); 0: the text is not a catalog
 * statement (out->kind NONE); -1: it is one but malformed (400 naming `statement`). */
int weir_wh_parse_catalog(weir_arena *a, const char *sql, weir_wh_cstmt *out, weir_error *err);

#endif
