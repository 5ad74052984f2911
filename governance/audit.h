/* Reading the audit log (table `audit`, written by weir_gov_audit in the transaction of each
 * change): filters, keyset paging on (event_time, id) with an opaque token, and the event
 * object shaped like Databricks' system.access.audit. Who may read is the route's business
 * (metastore admins). SQL is in governance/audit_store.c. */
#ifndef WEIR_GOVERNANCE_AUDIT_H
#define WEIR_GOVERNANCE_AUDIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "governance/catalog.h"
#include "governance/governance.h"

/* Every member is optional: NULL strings and has_* false mean "any". */
typedef struct weir_audit_filter {
	bool has_start, has_end;
	int64_t start_time; /* epoch ms, inclusive */
	int64_t end_time; /* epoch ms, exclusive */
	const char *principal; /* user_identity, exact */
	const char *action_name;
	const char *service_name;
	const char *securable; /* full name, exact */
	bool has_status;
	int64_t status_code;
	bool has_workspace;
	int64_t workspace_id;
	int outcome; /* WEIR_AUDIT_OUTCOME_*: any, success (status < 400), failure (status >= 400) */
} weir_audit_filter;

enum { WEIR_AUDIT_OUTCOME_ANY = 0, WEIR_AUDIT_OUTCOME_SUCCESS, WEIR_AUDIT_OUTCOME_FAILURE };

/* One page in (event_time, id) order: {"events": [...], "next_page_token"?}. max_results
 * 0 means 100, more than 1000 means 1000, negative is 400; a malformed page_token is 400
 * naming it. The token is present only while more events match. */
json_t *weir_audit_query(weir_db *db, weir_arena *a, const weir_audit_filter *f, const weir_page_req *pg,
			 weir_error *err);

/* ---------------------------------------------------------------- store (audit_store.c) */

typedef struct weir_audit_row {
	int64_t id;
	int64_t event_time;
	const char *user_identity;
	int64_t workspace_id;
	const char *service_name;
	const char *action_name;
	const char *request_id;
	const char *request_params; /* JSON text */
	int status_code;
	const char *error_code; /* NULL on success */
	const char *securable;
	const char *source_ip;
	const char *user_agent;
} weir_audit_row;

/* Rows matching f after (after_time, after_id) in (event_time, id) order, at most limit. */
int weir_audit__store_query(weir_db *db, weir_arena *a, const weir_audit_filter *f, bool has_after, int64_t after_time,
			    int64_t after_id, int limit, weir_audit_row **out, int *n, weir_error *err);

#endif
