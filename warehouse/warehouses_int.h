/* Warehouses inside the warehouse module: the stored row (warehouses_store.c), the
 * settings' rules (warehouses.c) and the executor pools (statements.c). */
#ifndef WEIR_WAREHOUSE_WAREHOUSES_INT_H
#define WEIR_WAREHOUSE_WAREHOUSES_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/error.h"
#include "governance/governance.h"

/* Statements one cluster runs at once: a warehouse runs max_num_clusters x this many
 * (at most WEIR_WH_MAX_SLOTS), the rest wait in its queue. */
#define WEIR_WH_SLOTS_PER_CLUSTER 4
#define WEIR_WH_MAX_SLOTS 64

typedef struct weir_wh_row {
	const char *id, *name, *creator_name;
	int64_t workspace_id; /* 0: every workspace's */
	int64_t creator_id; /* 0: none (the default warehouse) */
	json_t *settings; /* owned by the arena */
	int64_t create_time, update_time;
} weir_wh_row;

int weir_whw_store_insert(weir_db *db, const weir_wh_row *w, weir_error *err);
/* 1 found, 0 not, -1 error. */
int weir_whw_store_get(weir_db *db, weir_arena *a, const char *id, weir_wh_row *out, weir_error *err);
/* The same, only what a statement's submission needs: id, workspace_id and creator_id in
 * *out (no settings), and the settings' max_num_clusters and auto_stop_mins (0 absent). */
int weir_whw_store_usable(weir_db *db, weir_arena *a, const char *id, weir_wh_row *out, int64_t *max_num_clusters,
			  int64_t *auto_stop_mins, weir_error *err);
/* 1 updated, 0 not found, -1 error (ALREADY_EXISTS for a taken name). */
int weir_whw_store_update(weir_db *db, const weir_wh_row *w, weir_error *err);
/* 1 deleted, 0 not found. */
int weir_whw_store_delete(weir_db *db, const char *id, weir_error *err);
/* Every warehouse of the workspace (and the shared ones), by name; *n rows. */
int weir_whw_store_list(weir_db *db, weir_arena *a, int64_t workspace_id, weir_wh_row **out, int *n, weir_error *err);
/* Whether the name is taken in the workspace by another warehouse than except_id. */
int weir_whw_store_name_taken(weir_db *db, int64_t workspace_id, const char *name, const char *except_id,
			      weir_error *err);
/* The level granted to any of the principal's closure ("CAN_USE", ...): the highest as a
 * rank (0 none, 1 CAN_USE, 2 CAN_MONITOR, 3 CAN_MANAGE, 4 IS_OWNER), or -1. */
int weir_whw_store_acl_rank(weir_db *db, const char *warehouse_id, const char *closure_json, weir_error *err);
/* The ACL rows: principal id, kind, name, level. */
typedef struct weir_wh_acl_row {
	int64_t principal_id;
	const char *kind, *name, *level;
} weir_wh_acl_row;
int weir_whw_store_acl_list(weir_db *db, weir_arena *a, const char *warehouse_id, weir_wh_acl_row **out, int *n,
			    weir_error *err);
int weir_whw_store_acl_clear(weir_db *db, const char *warehouse_id, weir_error *err);
int weir_whw_store_acl_put(weir_db *db, const char *warehouse_id, int64_t principal_id, const char *level,
			   weir_error *err);

/* The settings a pool runs with. */
int weir_wh__slots(const json_t *settings);
/* The same from settings' max_num_clusters. */
int weir_wh__slots_of(int64_t max_num_clusters);
int64_t weir_wh__auto_stop_mins(const json_t *settings);

/* Executor pools (statements.c). The warehouse's pool starts (or grows to `slots`). */
void weir_wh__pool_start(const char *id, int slots, int64_t auto_stop_mins);
/* Stops it: queued statements end CANCELED, running ones are canceled. */
void weir_wh__pool_stop(const char *id);
/* A RUNNING pool takes its new size at once; a stopped one keeps it for its start. */
void weir_wh__pool_resize(const char *id, int slots, int64_t auto_stop_mins);
/* "RUNNING" or "STOPPED", with its counts. */
void weir_wh__pool_status(const char *id, const char **state, int *active, int *queued, int *clusters);

#endif
