/* Tags: key/value pairs on catalogs, schemas, tables, columns, volumes and registered models,
 * in the shape of Databricks' entity-tag-assignments API ({entity_type, entity_name, tag_key,
 * tag_value}). An entity is resolved for the caller first (weir_gov_resolve: what the caller
 * may not browse is "not found"); authorization of the operation (APPLY TAG to change,
 * READ METADATA to read) is the caller's job, through the route rule, on entity->sec (the
 * table for a column). Search filters item by item here, so that nothing hidden shows.
 *
 * Rules: a key is 1..255 characters, no control characters and no '/' (it could not be
 * addressed in a URL path); a value is at most 1000 characters; at most
 * WEIR_TAGS_MAX_PER_ENTITY tags per entity. Tags go away with their securable (ON DELETE
 * CASCADE). SQL is in governance/tags_store.c. */
#ifndef WEIR_GOVERNANCE_TAGS_H
#define WEIR_GOVERNANCE_TAGS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "governance/catalog.h"
#include "governance/governance.h"

#define WEIR_TAGS_KEY_MAX 255
#define WEIR_TAGS_VALUE_MAX 1000
#define WEIR_TAGS_MAX_PER_ENTITY 50

/* A resolved entity (arena memory). */
typedef struct weir_tag_entity {
	const char *entity_type; /* wire form: "catalogs", "columns", ... */
	const char *entity_name; /* full name; "cat.sch.tbl.col" for columns */
	const char *column_name; /* "" for the securable itself; the stored column name */
	weir_securable sec; /* the securable (the table for a column) */
} weir_tag_entity;

/* Maps the wire entity type ("catalogs", "schemas", "tables", "columns", "volumes",
 * "registered_models") to the securable type; *is_column for "columns". 400 naming
 * `field` otherwise. */
int weir_tags_entity_type_parse(const char *field, const char *s, weir_sec_type *t, bool *is_column, weir_error *err);
/* The wire entity type of a securable type ("tables"), or NULL for types without tags. */
const char *weir_tags_entity_type_name(weir_sec_type t, bool is_column);

/* Key and value rules; 400 INVALID_PARAMETER_VALUE naming `field`. */
int weir_tags_key_check(const char *field, const char *key, weir_error *err);
int weir_tags_value_check(const char *field, const char *value, weir_error *err);

/* Resolves entity_type + entity_name for p (NULL p: no visibility filter, for tests and
 * internal use). Unknown type or malformed name: 400; absent or hidden: the type's
 * not-found error; a column that the table does not have: 404 naming entity_name. */
int weir_tags_resolve(weir_db *db, weir_arena *a, const weir_principal *p, const char *entity_type,
		      const char *entity_name, weir_tag_entity *out, weir_error *err);

/* Writes (inside the caller's transaction). Each returns the EntityTagAssignment object
 * (caller owns it) or NULL. `by` is the principal's name, recorded as updated_by.
 * create: 409 ALREADY_EXISTS if the key is there; update: 404 if it is not. value may be
 * NULL (a tag without a value). */
json_t *weir_tags_create(weir_db *db, const weir_tag_entity *e, const char *key, const char *value, const char *by,
			 weir_error *err);
json_t *weir_tags_update(weir_db *db, const weir_tag_entity *e, const char *key, const char *value, const char *by,
			 weir_error *err);
int weir_tags_delete(weir_db *db, const weir_tag_entity *e, const char *key, weir_error *err);

/* Reads. get: 404 NOT_FOUND when the entity has no such key. list: one page in key order,
 * {"tag_assignments": [...], "next_page_token"?} (the token only while more remain). */
json_t *weir_tags_get(weir_db *db, const weir_tag_entity *e, const char *key, weir_error *err);
json_t *weir_tags_list(weir_db *db, weir_arena *a, const weir_tag_entity *e, const weir_page_req *pg, weir_error *err);

/* The tag assignments with key `key` (and value `value` when not NULL) on entities p may
 * browse, one page, {"tag_assignments": [...], "next_page_token"?}. Hidden entities are
 * skipped before counting: the page, its size and the token reveal nothing about them. */
json_t *weir_tags_search(weir_db *db, weir_arena *a, const weir_principal *p, const char *key, const char *value,
			 const weir_page_req *pg, weir_error *err);

/* ---------------------------------------------------------------- governed tags */

/* Tag policies (Databricks' /api/2.1/tag-policies): a governed key and the values it may take
 * (none listed: any). An assignment of a governed key (weir_tags_create, weir_tags_update)
 * takes one of them, else 400 naming tag_value. Metastore admins create them; their creator
 * and the admins change and delete them; every authenticated caller reads them (a key and its
 * values are not secret: the tags they govern are). The TagPolicy answers. */
json_t *weir_tag_policy_create(weir_db *db, weir_arena *a, const weir_principal *p, json_t *body, weir_error *err);
json_t *weir_tag_policy_get(weir_db *db, weir_arena *a, const char *key, weir_error *err);
/* {tag_policies, next_page_token?}: one page in key order (page_size 0: 100; at most 1000). */
json_t *weir_tag_policy_list(weir_db *db, weir_arena *a, int64_t page_size, const char *page_token, weir_error *err);
/* update_mask: the fields to set (description, values; "*" both); absent: those the body has. */
json_t *weir_tag_policy_update(weir_db *db, weir_arena *a, const weir_principal *p, const char *key, json_t *body,
			       const char *update_mask, weir_error *err);
int weir_tag_policy_delete(weir_db *db, weir_arena *a, const weir_principal *p, const char *key, weir_error *err);

/* ---------------------------------------------------------------- store (tags_store.c) */

/* One stored row (arena strings). */
typedef struct weir_tag_row {
	const char *securable_id;
	const char *column_name;
	const char *key;
	const char *value; /* NULL: no value */
	int64_t updated_at;
	const char *updated_by;
} weir_tag_row;

/* The stored column name of table_id matching `name` (case-insensitively), or NULL. */
const char *weir_tags__store_column(weir_db *db, weir_arena *a, const char *table_id, const char *name,
				    weir_error *err);
/* 1 found (row filled, arena a), 0 absent, -1 error. */
int weir_tags__store_get(weir_db *db, weir_arena *a, const char *sid, const char *column, const char *key,
			 weir_tag_row *row, weir_error *err);
int64_t weir_tags__store_count(weir_db *db, const char *sid, const char *column, weir_error *err);
int weir_tags__store_insert(weir_db *db, const weir_tag_row *row, weir_error *err);
/* Sets value, time and author; 0 changed, 1 absent, -1 error. */
int weir_tags__store_update(weir_db *db, const weir_tag_row *row, weir_error *err);
/* 0 deleted, 1 absent, -1 error. */
int weir_tags__store_delete(weir_db *db, const char *sid, const char *column, const char *key, weir_error *err);
/* Rows of one entity with key > after, in key order, at most limit; *n rows into *out. */
int weir_tags__store_list(weir_db *db, weir_arena *a, const char *sid, const char *column, const char *after, int limit,
			  weir_tag_row **out, int *n, weir_error *err);
/* Rows with `key` (and `value` unless NULL) after (after_sid, after_col) in (securable_id,
 * column_name) order, at most limit. */
int weir_tags__store_search(weir_db *db, weir_arena *a, const char *key, const char *value, const char *after_sid,
			    const char *after_col, int limit, weir_tag_row **out, int *n, weir_error *err);

typedef struct weir_tag_policy_row {
	const char *id, *key, *description, *vals; /* vals: JSON array of strings */
	int64_t created_at, created_by_id, updated_at;
} weir_tag_policy_row;

int weir_tags__store_policy_get(weir_db *db, weir_arena *a, const char *key, weir_tag_policy_row *row, weir_error *err);
/* Keys after `after`, in key order, at most limit rows into out (room for limit). */
int weir_tags__store_policy_list(weir_db *db, weir_arena *a, const char *after, int limit, weir_tag_policy_row *out,
				 int *n, weir_error *err);
int weir_tags__store_policy_insert(weir_db *db, const weir_tag_policy_row *r, weir_error *err);
int weir_tags__store_policy_update(weir_db *db, const weir_tag_policy_row *r, weir_error *err);
int weir_tags__store_policy_delete(weir_db *db, const char *id, weir_error *err);

#endif
