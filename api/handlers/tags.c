/* Routes of the tags and audit surface: Databricks' entity-tag-assignments API under
 * /api/2.1/unity-catalog (APPLY TAG to change, READ METADATA to read, on the entity; for a
 * column, on its table), Weir's tag search (the caller's visible entities only) and the
 * audit log for metastore admins. Each handler checks its input first (400 naming the
 * field, nothing changed), then resolves (404 for what the caller cannot browse), then
 * authorizes by the route's rule (403), then writes in a transaction whose audit row
 * commits with it. */
#include "api/http.h"
#include "api/handlers/uc_routes.h"

#include <string.h>

#include "core/json.h"
#include "governance/audit.h"
#include "governance/tags.h"

#define UC WEIR_UC_PREFIX
#define ETA UC "/entity-tag-assignments"
#define TP "/api/2.1/tag-policies"

static int fail(weir_req *r, weir_error *e) { return weir_reply_error(r, e); }

/* The assignment fields of a body: the object itself, or its `tag_assignment` member. */
static int assignment_fields(json_t *body, json_t **out, weir_error *e)
{
	*out = body;
	return weir_json_get_obj(body, "tag_assignment", false, out, e);
}

/* The entity named by the path, resolved for the caller and checked against the route's
 * rule. The audit row names the entity as requested. */
static int path_entity(weir_req *r, weir_tag_entity *ent, weir_error *e)
{
	const char *type = weir_req_param(r, "entity_type");
	const char *name = weir_req_param(r, "entity_name");
	weir_req_audit_securable(r, name);
	if (weir_tags_resolve(weir_req_db(r), r->arena, r->principal, type, name, ent, e) != 0)
		return -1;
	return weir_req_authorize(r, &ent->sec, e);
}

static int tag_create(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body = weir_req_json(r, false, &e), *ta = NULL;
	const char *type = NULL, *name = NULL, *key = NULL, *value = NULL;
	if (body == NULL || assignment_fields(body, &ta, &e) != 0 ||
	    weir_json_get_str(ta, "entity_type", true, &type, &e) != 0 ||
	    weir_json_get_str(ta, "entity_name", true, &name, &e) != 0 ||
	    weir_json_get_str(ta, "tag_key", true, &key, &e) != 0 ||
	    weir_json_get_str(ta, "tag_value", false, &value, &e) != 0 ||
	    weir_tags_key_check("tag_key", key, &e) != 0 || weir_tags_value_check("tag_value", value, &e) != 0)
		return fail(r, &e);
	weir_db *db = weir_req_db(r);
	weir_tag_entity ent;
	weir_req_audit_securable(r, name);
	if (weir_tags_resolve(db, r->arena, r->principal, type, name, &ent, &e) != 0 ||
	    weir_req_authorize(r, &ent.sec, &e) != 0 || weir_req_begin(r, &e) != 0)
		return fail(r, &e);
	json_t *out = weir_tags_create(db, &ent, key, value, r->principal->name, &e);
	return weir_reply_committed(r, out, &e);
}

static int tag_list(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_page_req pg = {0, weir_req_query(r, "page_token")};
	weir_tag_entity ent;
	if (weir_req_query_i64(r, "max_results", &pg.max_results, &e) != 0 || path_entity(r, &ent, &e) != 0)
		return fail(r, &e);
	json_t *out = weir_tags_list(weir_req_db(r), r->arena, &ent, &pg, &e);
	return out ? weir_reply_json(r, 200, out) : fail(r, &e);
}

static int tag_get(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	const char *key = weir_req_param(r, "tag_key");
	weir_tag_entity ent;
	if (weir_tags_key_check("tag_key", key, &e) != 0 || path_entity(r, &ent, &e) != 0)
		return fail(r, &e);
	json_t *out = weir_tags_get(weir_req_db(r), &ent, key, &e);
	return out ? weir_reply_json(r, 200, out) : fail(r, &e);
}

/* update_mask: absent, or a comma-separated list naming only tag_value (the one mutable
 * field). Sets *names_value when it names it. */
static int check_mask(const char *mask, bool *names_value, weir_error *e)
{
	*names_value = false;
	if (mask == NULL || *mask == '\0')
		return 0;
	const char *p = mask;
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		size_t n = strcspn(p, ", ");
		if ((n == 9 && strncmp(p, "tag_value", 9) == 0) || (n == 1 && *p == '*'))
			*names_value = true;
		else
			return weir_error_field(e, WEIR_E_INVALID_PARAMETER_VALUE, "update_mask",
						"Invalid value for 'update_mask': only tag_value may be updated");
		p += n;
	}
	return 0;
}

/* An immutable field given in a PATCH body must repeat the path's value. */
static int same_as_path(weir_req *r, json_t *ta, const char *field, weir_error *e)
{
	const char *v = NULL;
	if (weir_json_get_str(ta, field, false, &v, e) != 0)
		return -1;
	if (v && strcmp(v, weir_req_param(r, field)) != 0)
		return weir_error_field(e, WEIR_E_INVALID_PARAMETER_VALUE, field,
					"Invalid value for '%s': it cannot be changed (it differs from the path)",
					field);
	return 0;
}

static int tag_update(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	const char *key = weir_req_param(r, "tag_key");
	json_t *body = weir_req_json(r, true, &e), *ta = NULL; /* the SDK may send no body */
	const char *value = NULL;
	bool mask_value = false;
	if (body == NULL || assignment_fields(body, &ta, &e) != 0 || weir_tags_key_check("tag_key", key, &e) != 0 ||
	    check_mask(weir_req_query(r, "update_mask"), &mask_value, &e) != 0 ||
	    same_as_path(r, ta, "entity_type", &e) != 0 || same_as_path(r, ta, "entity_name", &e) != 0 ||
	    same_as_path(r, ta, "tag_key", &e) != 0 || weir_json_get_str(ta, "tag_value", false, &value, &e) != 0 ||
	    weir_tags_value_check("tag_value", value, &e) != 0)
		return fail(r, &e);
	/* The value changes when the body has tag_value (null clears it), or when the mask names
	 * it and the body has other fields. An empty body changes nothing and answers the current
	 * assignment: the Databricks JS SDK sends PATCH without its body, update_mask and all, and
	 * that must not erase the value. */
	bool set = json_object_get(ta, "tag_value") != NULL || (mask_value && json_object_size(body) > 0);
	weir_tag_entity ent;
	if (path_entity(r, &ent, &e) != 0 || weir_req_begin(r, &e) != 0)
		return fail(r, &e);
	weir_db *db = weir_req_db(r);
	json_t *out = set ? weir_tags_update(db, &ent, key, value, r->principal->name, &e)
			  : weir_tags_get(db, &ent, key, &e);
	return weir_reply_committed(r, out, &e);
}

static int tag_delete(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	const char *key = weir_req_param(r, "tag_key");
	weir_tag_entity ent;
	if (weir_tags_key_check("tag_key", key, &e) != 0 || path_entity(r, &ent, &e) != 0 ||
	    weir_req_begin(r, &e) != 0 || weir_tags_delete(weir_req_db(r), &ent, key, &e) != 0 ||
	    weir_req_commit(r, &e) != 0)
		return fail(r, &e);
	return weir_reply_ok_empty(r);
}

static int tag_search(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_page_req pg = {0, weir_req_query(r, "page_token")};
	const char *key = weir_req_query(r, "key"), *value = weir_req_query(r, "value");
	if (weir_req_query_i64(r, "max_results", &pg.max_results, &e) != 0)
		return fail(r, &e);
	/* The answer is scoped to the caller: every hit is checked against what it may browse. */
	weir_req_mark_authorized(r);
	json_t *out = weir_tags_search(weir_req_db(r), r->arena, r->principal, key, value, &pg, &e);
	return out ? weir_reply_json(r, 200, out) : fail(r, &e);
}

/* ---------------------------------------------------------------- audit */

/* A query argument; absent and empty both mean "any". */
static const char *query_str(weir_req *r, const char *key)
{
	const char *v = weir_req_query(r, key);
	return v && *v ? v : NULL;
}

static int query_opt_i64(weir_req *r, const char *key, bool *has, int64_t *out, weir_error *e)
{
	const char *v = weir_req_query(r, key);
	*has = v && *v;
	return weir_req_query_i64(r, key, out, e);
}

static int audit_list(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_audit_filter f;
	memset(&f, 0, sizeof(f));
	weir_page_req pg = {0, weir_req_query(r, "page_token")};
	if (query_opt_i64(r, "start_time", &f.has_start, &f.start_time, &e) != 0 ||
	    query_opt_i64(r, "end_time", &f.has_end, &f.end_time, &e) != 0 ||
	    query_opt_i64(r, "status_code", &f.has_status, &f.status_code, &e) != 0 ||
	    query_opt_i64(r, "workspace_id", &f.has_workspace, &f.workspace_id, &e) != 0 ||
	    weir_req_query_i64(r, "max_results", &pg.max_results, &e) != 0)
		return fail(r, &e);
	f.principal = query_str(r, "principal");
	f.action_name = query_str(r, "action_name");
	f.service_name = query_str(r, "service_name");
	f.securable = query_str(r, "securable");
	const char *outcome = query_str(r, "outcome");
	if (outcome && strcmp(outcome, "success") == 0) {
		f.outcome = WEIR_AUDIT_OUTCOME_SUCCESS;
	} else if (outcome && strcmp(outcome, "failure") == 0) {
		f.outcome = WEIR_AUDIT_OUTCOME_FAILURE;
	} else if (outcome) {
		weir_error_field(&e, WEIR_E_INVALID_PARAMETER_VALUE, "outcome",
				 "Invalid value for 'outcome': success or failure");
		return fail(r, &e);
	}
	if (f.has_start && f.has_end && f.end_time < f.start_time) {
		weir_error_field(&e, WEIR_E_INVALID_PARAMETER_VALUE, "end_time",
				 "Invalid value for 'end_time': it is before start_time");
		return fail(r, &e);
	}
	json_t *out = weir_audit_query(weir_req_db(r), r->arena, &f, &pg, &e);
	return out ? weir_reply_json(r, 200, out) : fail(r, &e);
}

/* ---------------------------------------------------------------- governed tags */

static int tp_create(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body = weir_req_json(r, false, &e);
	if (body == NULL || weir_req_begin(r, &e) != 0)
		return fail(r, &e);
	weir_req_audit_securable(r, json_string_value(json_object_get(body, "tag_key")));
	json_t *out = weir_tag_policy_create(weir_req_db(r), r->arena, r->principal, body, &e);
	return weir_reply_committed(r, out, &e);
}

static int tp_list(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	int64_t size = 0;
	if (weir_req_query_i64(r, "page_size", &size, &e) != 0)
		return fail(r, &e);
	json_t *out = weir_tag_policy_list(weir_req_db(r), r->arena, size, weir_req_query(r, "page_token"), &e);
	return out ? weir_reply_json(r, 200, out) : fail(r, &e);
}

static int tp_get(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *out = weir_tag_policy_get(weir_req_db(r), r->arena, weir_req_param(r, "tag_key"), &e);
	return out ? weir_reply_json(r, 200, out) : fail(r, &e);
}

static int tp_update(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body = weir_req_json(r, true, &e);
	if (body == NULL && e.code != WEIR_OK)
		return fail(r, &e);
	const char *key = weir_req_param(r, "tag_key");
	weir_req_audit_securable(r, key);
	if (body == NULL || json_object_size(body) == 0) { /* the SDK's PATCH without a body */
		json_t *out = weir_tag_policy_get(weir_req_db(r), r->arena, key, &e);
		return out ? weir_reply_json(r, 200, out) : fail(r, &e);
	}
	if (weir_req_begin(r, &e) != 0)
		return fail(r, &e);
	json_t *out = weir_tag_policy_update(weir_req_db(r), r->arena, r->principal, key, body,
					     weir_req_query(r, "update_mask"), &e);
	return weir_reply_committed(r, out, &e);
}

static int tp_delete(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	const char *key = weir_req_param(r, "tag_key");
	weir_req_audit_securable(r, key);
	if (weir_req_begin(r, &e) != 0)
		return fail(r, &e);
	int rc = weir_tag_policy_delete(weir_req_db(r), r->arena, r->principal, key, &e);
	return weir_reply_committed(r, rc == 0 ? json_object() : NULL, &e);
}

#define WEIR_UC_BASE ETA

const weir_route weir_routes_tags[] = {
	R("POST", "", tag_create, WEIR_OP_APPLY_TAG, "createEntityTagAssignment"),
	RN("GET", "/{entity_type}/{entity_name}/tags", tag_list, WEIR_OP_READ_METADATA, "listEntityTagAssignments"),
	RN("GET", "/{entity_type}/{entity_name}", tag_list, WEIR_OP_READ_METADATA, "listEntityTagAssignments"),
	RN("GET", "/{entity_type}/{entity_name}/tags/{tag_key}", tag_get, WEIR_OP_READ_METADATA,
	   "getEntityTagAssignment"),
	R("PATCH", "/{entity_type}/{entity_name}/tags/{tag_key}", tag_update, WEIR_OP_APPLY_TAG,
	  "updateEntityTagAssignment"),
	R("DELETE", "/{entity_type}/{entity_name}/tags/{tag_key}", tag_delete, WEIR_OP_APPLY_TAG,
	  "deleteEntityTagAssignment"),
	/* governed tags: admins create; creator or admin change (checked in the domain); all read */
	{"POST", TP, tp_create, RULE_ADMIN, WEIR_DIALECT_DATABRICKS, "tagPolicies", "createTagPolicy", 0},
	{"GET", TP, tp_list, RULE_AUTHENTICATED, WEIR_DIALECT_DATABRICKS, "tagPolicies", "listTagPolicies",
	 WEIR_ROUTE_NO_AUDIT},
	{"GET", TP "/{tag_key}", tp_get, RULE_AUTHENTICATED, WEIR_DIALECT_DATABRICKS, "tagPolicies", "getTagPolicy",
	 WEIR_ROUTE_NO_AUDIT},
	{"PATCH", TP "/{tag_key}", tp_update, RULE_AUTHENTICATED, WEIR_DIALECT_DATABRICKS, "tagPolicies",
	 "updateTagPolicy", 0},
	{"DELETE", TP "/{tag_key}", tp_delete, RULE_AUTHENTICATED, WEIR_DIALECT_DATABRICKS, "tagPolicies",
	 "deleteTagPolicy", 0},
	{"GET", "/api/2.0/weir/tags/search", tag_search, RULE_AUTHENTICATED, WEIR_DIALECT_DATABRICKS, "unityCatalog",
	 "searchTags", WEIR_ROUTE_NO_AUDIT},
	{"GET", "/api/2.0/weir/audit", audit_list, RULE_ADMIN, WEIR_DIALECT_DATABRICKS, "weir", "listAuditEvents",
	 WEIR_ROUTE_NO_AUDIT},
	{0},
};
