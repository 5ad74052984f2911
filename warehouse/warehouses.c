/* SQL warehouses (/api/2.0/sql/warehouses) and their permissions
 * (/api/2.0/permissions/warehouses/{id}): the settings' rules, the Databricks shapes, and who
 * may do what. A warehouse is an executor pool of the statement engine (statements.c): it
 * runs max_num_clusters x WEIR_WH_SLOTS_PER_CLUSTER statements at once (at most
 * WEIR_WH_MAX_SLOTS), the others wait in its queue.
 *
 * Who may: admins create warehouses (the creator gets IS_OWNER). Using one (a statement,
 * seeing it in list/get) needs CAN_USE: admins, its creator and the principals its ACL
 * names (directly or through a group). Every principal may use the default warehouse
 * (weir0000default0): it stands for the workspace's shared one. Editing, starting,
 * stopping, deleting one and its permissions need CAN_MANAGE (admins, the creator, the
 * ACL's CAN_MANAGE and IS_OWNER). A warehouse the caller may not use is missing
 * (RESOURCE_DOES_NOT_EXIST), as if it did not exist. The default warehouse cannot be deleted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/util.h"
#include "warehouse/warehouse.h"
#include "warehouse/warehouses_int.h"

static const char *const SIZES[] = {"2X-Small", "X-Small",  "Small",    "Medium",   "Large",
				    "X-Large",  "2X-Large", "3X-Large", "4X-Large", NULL};
static const char *const TYPES[] = {"CLASSIC", "PRO", "TYPE_UNSPECIFIED", NULL};
static const char *const CHANNELS[] = {"CHANNEL_NAME_CURRENT",     "CHANNEL_NAME_PREVIEW", "CHANNEL_NAME_PREVIOUS",
				       "CHANNEL_NAME_UNSPECIFIED", "CHANNEL_NAME_CUSTOM",  NULL};
static const char *const SPOT[] = {"COST_OPTIMIZED", "RELIABILITY_OPTIMIZED", "POLICY_UNSPECIFIED", NULL};
static const char *const LEVELS[] = {"", "CAN_USE", "CAN_MONITOR", "CAN_MANAGE", "IS_OWNER", NULL};

#define MAX_CLUSTERS 30
#define RANK_USE 1
#define RANK_MANAGE 3

static bool one_of(const char *v, const char *const *set)
{
	for (int i = 0; set[i]; i++)
		if (strcmp(v, set[i]) == 0)
			return true;
	return false;
}

int weir_wh__slots(const json_t *settings)
{
	return weir_wh__slots_of(json_integer_value(json_object_get(settings, "max_num_clusters")));
}

int weir_wh__slots_of(int64_t n)
{
	if (n < 1)
		n = 1;
	int64_t s = n * WEIR_WH_SLOTS_PER_CLUSTER;
	return (int)(s > WEIR_WH_MAX_SLOTS ? WEIR_WH_MAX_SLOTS : s);
}

int64_t weir_wh__auto_stop_mins(const json_t *settings)
{
	return json_integer_value(json_object_get(settings, "auto_stop_mins"));
}

/* ---------------------------------------------------------------- who may */

static int rank_of(weir_db *db, const weir_principal *p, const weir_wh_row *w, weir_error *err)
{
	if (p->is_admin || (w->creator_id != 0 && w->creator_id == p->id))
		return 4;
	int r = weir_whw_store_acl_rank(db, w->id, p->closure_json ? p->closure_json : "[]", err);
	if (r < 0)
		return -1;
	if (r < RANK_USE && strcmp(w->id, WEIR_WH_DEFAULT_ID) == 0)
		r = RANK_USE; /* every principal uses the default warehouse */
	return r;
}

static int missing(weir_error *err, const char *id)
{
	return weir_error_set(err, WEIR_E_RESOURCE_DOES_NOT_EXIST, "Warehouse '%.64s' does not exist", id ? id : "");
}

/* The caller's access to warehouse row w (f: the store's answer, 1 found), requiring `need`
 * (a rank): missing below CAN_USE, PERMISSION_DENIED below `need` otherwise. */
static int check(weir_db *db, const weir_principal *p, const char *id, int f, const weir_wh_row *w, int need, int *rank,
		 weir_error *err)
{
	if (f < 0)
		return -1;
	if (f == 0 || (w->workspace_id != 0 && w->workspace_id != p->workspace_id))
		return missing(err, id);
	int r = rank_of(db, p, w, err);
	if (r < 0)
		return -1;
	if (r < RANK_USE)
		return missing(err, id);
	if (r < need)
		return weir_error_set(err, WEIR_E_PERMISSION_DENIED,
				      "%s does not have CAN_MANAGE permission on warehouse '%.64s'", p->name, id);
	if (rank)
		*rank = r;
	return 0;
}

/* Loads the warehouse for the caller, requiring `need` (check). */
static int load(weir_db *db, weir_arena *a, const weir_principal *p, const char *id, int need, weir_wh_row *w,
		int *rank, weir_error *err)
{
	int f = id ? weir_whw_store_get(db, a, id, w, err) : 0;
	return check(db, p, id, f, w, need, rank, err);
}

/* Every statement's submission: the row's settings are not parsed, only the two it needs are
 * read (a parse of the settings was a tenth of a primary-key lookup's instructions). */
int weir_wh_warehouse_usable(weir_db *db, weir_arena *a, const weir_principal *p, const char *id, int *slots,
			     int64_t *auto_stop_mins, weir_error *err)
{
	weir_wh_row w = {0};
	int64_t clusters = 0;
	int f = id ? weir_whw_store_usable(db, a, id, &w, &clusters, auto_stop_mins, err) : 0;
	if (check(db, p, id, f, &w, RANK_USE, NULL, err) != 0)
		return -1;
	*slots = weir_wh__slots_of(clusters);
	return 0;
}

/* ---------------------------------------------------------------- settings */

static int bad(weir_error *err, const char *field, const char *what)
{
	return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field, "Invalid value for '%s': %s", field, what);
}

static int enum_field(json_t *body, json_t *s, const char *key, const char *const *set, const char *what,
		      weir_error *err)
{
	json_t *v = json_object_get(body, key);
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) || !one_of(json_string_value(v), set))
		return bad(err, key, what);
	json_object_set(s, key, v);
	return 0;
}

static int int_field(json_t *body, json_t *s, const char *key, weir_error *err)
{
	json_t *v = json_object_get(body, key);
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return bad(err, key, "must be an integer");
	json_object_set(s, key, v);
	return 0;
}

static int bool_field(json_t *body, json_t *s, const char *key, weir_error *err)
{
	json_t *v = json_object_get(body, key);
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return bad(err, key, "must be true or false");
	json_object_set(s, key, v);
	return 0;
}

/* Applies the body's settings onto s (a copy of the current ones, or the defaults), checking
 * each; *name gets the name when the body has one. */
static int apply_settings(json_t *body, json_t *s, const char **name, const char *path_id, weir_error *err)
{
	static const char *const KNOWN[] = {"name",
					    "cluster_size",
					    "min_num_clusters",
					    "max_num_clusters",
					    "auto_stop_mins",
					    "enable_photon",
					    "enable_serverless_compute",
					    "warehouse_type",
					    "channel",
					    "spot_instance_policy",
					    "tags",
					    "instance_profile_arn",
					    "creator_name",
					    "id",
					    NULL};
	const char *k;
	json_t *v;
	json_object_foreach (body, k, v) {
		if (!one_of(k, KNOWN))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, k,
						"Unknown field '%.64s' in a warehouse's settings", k);
	}
	json_t *id = json_object_get(body, "id");
	if (id && !json_is_null(id) &&
	    (path_id == NULL || !json_is_string(id) || strcmp(json_string_value(id), path_id)))
		return bad(err, "id", "the id is the warehouse's, from the path");
	json_t *nm = json_object_get(body, "name");
	if (nm && !json_is_null(nm)) {
		const char *n = json_string_value(nm);
		size_t len = n ? strlen(n) : 0;
		if (n == NULL || len == 0 || len > 100 || !weir_utf8_valid(n, len))
			return bad(err, "name", "a name of 1 to 100 characters");
		*name = n;
	}
	if (enum_field(body, s, "cluster_size", SIZES,
		       "one of 2X-Small, X-Small, Small, Medium, Large, X-Large, 2X-Large, 3X-Large, 4X-Large",
		       err) != 0 ||
	    int_field(body, s, "min_num_clusters", err) != 0 || int_field(body, s, "max_num_clusters", err) != 0 ||
	    int_field(body, s, "auto_stop_mins", err) != 0 || bool_field(body, s, "enable_photon", err) != 0 ||
	    bool_field(body, s, "enable_serverless_compute", err) != 0 ||
	    enum_field(body, s, "warehouse_type", TYPES, "one of CLASSIC, PRO, TYPE_UNSPECIFIED", err) != 0 ||
	    enum_field(body, s, "spot_instance_policy", SPOT,
		       "one of COST_OPTIMIZED, RELIABILITY_OPTIMIZED, POLICY_UNSPECIFIED", err) != 0)
		return -1;
	int64_t mn = json_integer_value(json_object_get(s, "min_num_clusters"));
	int64_t mx = json_integer_value(json_object_get(s, "max_num_clusters"));
	if (mx < 1 || mx > MAX_CLUSTERS)
		return bad(err, "max_num_clusters", "from 1 to 30");
	if (mn < 1 || mn > mx)
		return bad(err, "min_num_clusters", "from 1 to max_num_clusters");
	int64_t as = json_integer_value(json_object_get(s, "auto_stop_mins"));
	if (as != 0 && (as < 10 || as > 7 * 24 * 60))
		return bad(err, "auto_stop_mins", "0 (never), or 10 to 10080 minutes");
	json_t *ch = json_object_get(body, "channel");
	if (ch && !json_is_null(ch)) {
		json_t *cn = json_object_get(ch, "name"), *dv = json_object_get(ch, "dbsql_version");
		if (!json_is_object(ch) || (cn && !(json_is_string(cn) && one_of(json_string_value(cn), CHANNELS))) ||
		    (dv && !json_is_string(dv)) || json_object_size(ch) > (size_t)(!!cn + !!dv))
			return bad(err, "channel",
				   "{name: CHANNEL_NAME_CURRENT | CHANNEL_NAME_PREVIEW | ..., dbsql_version}");
		json_object_set(s, "channel", ch);
	}
	json_t *tags = json_object_get(body, "tags");
	if (tags && !json_is_null(tags)) {
		json_t *ct = json_object_get(tags, "custom_tags");
		if (!json_is_object(tags) || (ct && !json_is_array(ct)) || json_array_size(ct) > 45 ||
		    json_object_size(tags) > (size_t) !!ct)
			return bad(err, "tags", "{custom_tags: [{key, value}]}, at most 45 tags");
		size_t i;
		json_t *t;
		json_array_foreach (ct, i, t) {
			const char *tk = json_string_value(json_object_get(t, "key"));
			json_t *tv = json_object_get(t, "value");
			if (!json_is_object(t) || tk == NULL || *tk == '\0' || strlen(tk) > 255 ||
			    (tv && !json_is_string(tv)) || json_object_size(t) > (size_t)(1 + !!tv))
				return bad(err, "tags",
					   "each custom tag is {key, value} with a key of 1 to 255 characters");
		}
		json_object_set_new(s, "tags", json_pack("{s:o}", "custom_tags", ct ? json_incref(ct) : json_array()));
	}
	json_t *ip = json_object_get(body, "instance_profile_arn");
	if (ip && !json_is_null(ip)) {
		if (!json_is_string(ip) || strlen(json_string_value(ip)) > 1000)
			return bad(err, "instance_profile_arn", "a string");
		json_object_set(s, "instance_profile_arn", ip);
	}
	return 0;
}

static json_t *default_settings(void)
{
	return json_pack("{s:s, s:i, s:i, s:i, s:b, s:b, s:s, s:{s:s}, s:s, s:{s:[]}}", "cluster_size", "X-Small",
			 "min_num_clusters", 1, "max_num_clusters", 1, "auto_stop_mins", 120, "enable_photon", true,
			 "enable_serverless_compute", false, "warehouse_type", "CLASSIC", "channel", "name",
			 "CHANNEL_NAME_CURRENT", "spot_instance_policy", "COST_OPTIMIZED", "tags", "custom_tags");
}

/* ---------------------------------------------------------------- shapes */

static json_t *info(const weir_wh_row *w, const char *host)
{
	json_t *r = json_deep_copy(w->settings);
	json_object_set_new(r, "id", json_string(w->id));
	json_object_set_new(r, "name", json_string(w->name));
	json_object_set_new(r, "creator_name", json_string(w->creator_name));
	const char *state;
	int active, queued, clusters;
	weir_wh__pool_status(w->id, &state, &active, &queued, &clusters);
	json_object_set_new(r, "state", json_string(state));
	json_object_set_new(r, "num_clusters", json_integer(clusters));
	json_object_set_new(r, "num_active_sessions", json_integer(active));
	json_object_set_new(r, "num_queued_queries", json_integer(queued));
	json_object_set_new(r, "health", json_pack("{s:s}", "status", "HEALTHY"));
	/* where a driver would connect: Weir answers the REST APIs there (no Thrift endpoint) */
	char hostname[256];
	int port = 443;
	snprintf(hostname, sizeof(hostname), "%s", host && *host ? host : "localhost");
	char *colon = strrchr(hostname, ':');
	if (colon && hostname[0] != '[') {
		port = atoi(colon + 1);
		*colon = '\0';
	}
	char path[64];
	snprintf(path, sizeof(path), "/sql/1.0/warehouses/%s", w->id);
	json_object_set_new(r, "odbc_params",
			    json_pack("{s:s, s:s, s:i, s:s}", "hostname", hostname, "path", path, "port", port,
				      "protocol", "https"));
	char jdbc[512];
	snprintf(jdbc, sizeof(jdbc), "jdbc:databricks://%s:%d/default;transportMode=http;ssl=1;AuthMech=3;httpPath=%s",
		 hostname, port, path);
	json_object_set_new(r, "jdbc_url", json_string(jdbc));
	return r;
}

/* ---------------------------------------------------------------- the API */

json_t *weir_wh_warehouse_create(weir_db *db, weir_arena *a, const weir_principal *p, json_t *body,
				 weir_wh_pool_cmd *cmd, weir_error *err)
{
	json_t *s = weir_json_own(a, default_settings());
	const char *name = NULL;
	if (apply_settings(body, s, &name, NULL, err) != 0)
		return NULL;
	if (name == NULL)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "name", "Missing required field: name"),
		       NULL;
	int taken = weir_whw_store_name_taken(db, p->workspace_id, name, NULL, err);
	if (taken < 0)
		return NULL;
	if (taken)
		return weir_error_set(err, WEIR_E_RESOURCE_ALREADY_EXISTS, "A warehouse named '%.100s' already exists",
				      name),
		       NULL;
	weir_wh_row w = {.name = name,
			 .creator_name = p->name,
			 .workspace_id = p->workspace_id,
			 .creator_id = p->id,
			 .settings = s,
			 .create_time = weir_now_ms()};
	char id[17];
	weir_random_hex(id, 8);
	w.id = id;
	if (weir_whw_store_insert(db, &w, err) != 0)
		return NULL;
	/* a new warehouse starts at once, as Databricks' does */
	snprintf(cmd->id, sizeof(cmd->id), "%s", id);
	cmd->op = WEIR_WH_POOL_START;
	cmd->slots = weir_wh__slots(s);
	cmd->auto_stop_mins = weir_wh__auto_stop_mins(s);
	return json_pack("{s:s}", "id", id);
}

json_t *weir_wh_warehouse_get(weir_db *db, weir_arena *a, const weir_principal *p, const char *id, const char *host,
			      weir_error *err)
{
	weir_wh_row w;
	if (load(db, a, p, id, RANK_USE, &w, NULL, err) != 0)
		return NULL;
	return info(&w, host);
}

json_t *weir_wh_warehouses_list(weir_db *db, weir_arena *a, const weir_principal *p, const char *host, weir_error *err)
{
	weir_wh_row *rows;
	int n;
	if (weir_whw_store_list(db, a, p->workspace_id, &rows, &n, err) != 0)
		return NULL;
	json_t *arr = json_array();
	for (int i = 0; i < n; i++) {
		int r = rank_of(db, p, &rows[i], err);
		if (r < 0) {
			json_decref(arr);
			return NULL;
		}
		if (r >= RANK_USE)
			json_array_append_new(arr, info(&rows[i], host));
	}
	return json_pack("{s:o}", "warehouses", arr);
}

int weir_wh_warehouse_edit(weir_db *db, weir_arena *a, const weir_principal *p, const char *id, json_t *body,
			   weir_wh_pool_cmd *cmd, weir_error *err)
{
	weir_wh_row w;
	if (load(db, a, p, id, RANK_MANAGE, &w, NULL, err) != 0)
		return -1;
	json_t *s = weir_json_own(a, json_deep_copy(w.settings));
	const char *name = NULL;
	if (apply_settings(body, s, &name, id, err) != 0)
		return -1;
	if (name && strcmp(name, w.name) != 0) {
		int taken = weir_whw_store_name_taken(db, w.workspace_id, name, id, err);
		if (taken < 0)
			return -1;
		if (taken)
			return weir_error_set(err, WEIR_E_RESOURCE_ALREADY_EXISTS,
					      "A warehouse named '%.100s' already exists", name);
		w.name = name;
	}
	w.settings = s;
	w.update_time = weir_now_ms();
	if (weir_whw_store_update(db, &w, err) < 0)
		return -1;
	snprintf(cmd->id, sizeof(cmd->id), "%s", id);
	cmd->op = WEIR_WH_POOL_RESIZE;
	cmd->slots = weir_wh__slots(s);
	cmd->auto_stop_mins = weir_wh__auto_stop_mins(s);
	return 0;
}

int weir_wh_warehouse_delete(weir_db *db, weir_arena *a, const weir_principal *p, const char *id, weir_wh_pool_cmd *cmd,
			     weir_error *err)
{
	weir_wh_row w;
	if (load(db, a, p, id, RANK_MANAGE, &w, NULL, err) != 0)
		return -1;
	if (strcmp(id, WEIR_WH_DEFAULT_ID) == 0)
		return weir_error_set(err, WEIR_E_INVALID_PARAMETER_VALUE, "The default warehouse cannot be deleted");
	if (weir_whw_store_delete(db, id, err) < 0)
		return -1;
	snprintf(cmd->id, sizeof(cmd->id), "%s", id);
	cmd->op = WEIR_WH_POOL_STOP;
	return 0;
}

int weir_wh_warehouse_start_stop(weir_db *db, weir_arena *a, const weir_principal *p, const char *id, bool start,
				 weir_wh_pool_cmd *cmd, weir_error *err)
{
	weir_wh_row w;
	if (load(db, a, p, id, RANK_MANAGE, &w, NULL, err) != 0)
		return -1;
	snprintf(cmd->id, sizeof(cmd->id), "%s", id);
	cmd->op = start ? WEIR_WH_POOL_START : WEIR_WH_POOL_STOP;
	cmd->slots = weir_wh__slots(w.settings);
	cmd->auto_stop_mins = weir_wh__auto_stop_mins(w.settings);
	return 0;
}

void weir_wh_pool_apply(const weir_wh_pool_cmd *cmd)
{
	switch (cmd->op) {
	case WEIR_WH_POOL_START: weir_wh__pool_start(cmd->id, cmd->slots, cmd->auto_stop_mins); break;
	case WEIR_WH_POOL_STOP: weir_wh__pool_stop(cmd->id); break;
	case WEIR_WH_POOL_RESIZE: weir_wh__pool_resize(cmd->id, cmd->slots, cmd->auto_stop_mins); break;
	default: break;
	}
}

/* ---------------------------------------------------------------- permissions */

static json_t *perms(weir_db *db, weir_arena *a, const weir_wh_row *w, weir_error *err)
{
	weir_wh_acl_row *rows;
	int n;
	if (weir_whw_store_acl_list(db, a, w->id, &rows, &n, err) != 0)
		return NULL;
	json_t *acl = json_array();
	json_array_append_new(acl, json_pack("{s:s, s:[{s:s, s:b}]}", "group_name", "admins", "all_permissions",
					     "permission_level", "CAN_MANAGE", "inherited", true));
	if (strcmp(w->id, WEIR_WH_DEFAULT_ID) == 0)
		json_array_append_new(acl, json_pack("{s:s, s:[{s:s, s:b}]}", "group_name", "users", "all_permissions",
						     "permission_level", "CAN_USE", "inherited", true));
	for (int i = 0; i < n; i++) {
		const char *key = strcmp(rows[i].kind, "group") == 0               ? "group_name"
				  : strcmp(rows[i].kind, "service_principal") == 0 ? "service_principal_name"
										   : "user_name";
		json_array_append_new(acl, json_pack("{s:s, s:[{s:s, s:b}]}", key, rows[i].name, "all_permissions",
						     "permission_level", rows[i].level, "inherited", false));
	}
	char oid[64];
	snprintf(oid, sizeof(oid), "/sql/warehouses/%s", w->id);
	return json_pack("{s:s, s:s, s:o}", "object_id", oid, "object_type", "warehouses", "access_control_list", acl);
}

json_t *weir_wh_perms_get(weir_db *db, weir_arena *a, const weir_principal *p, const char *id, weir_error *err)
{
	weir_wh_row w;
	if (load(db, a, p, id, RANK_MANAGE, &w, NULL, err) != 0)
		return NULL;
	return perms(db, a, &w, err);
}

json_t *weir_wh_perms_set(weir_db *db, weir_arena *a, const weir_principal *p, const char *id, json_t *body,
			  bool replace, weir_error *err)
{
	weir_wh_row w;
	if (load(db, a, p, id, RANK_MANAGE, &w, NULL, err) != 0)
		return NULL;
	json_t *acl = json_object_get(body, "access_control_list");
	if (acl != NULL && !json_is_array(acl))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "access_control_list",
					"access_control_list must be an array"),
		       NULL;
	size_t n = json_array_size(acl);
	int64_t *ids = weir_arena_alloc(a, (n + 1) * sizeof(*ids));
	const char **lv = weir_arena_alloc(a, (n + 1) * sizeof(*lv));
	for (size_t i = 0; i < n; i++) { /* everything is checked before anything changes */
		json_t *e = json_array_get(acl, i);
		static const char *const KEYS[] = {"user_name", "group_name", "service_principal_name", NULL};
		static const weir_principal_kind KINDS[] = {WEIR_PRINCIPAL_USER, WEIR_PRINCIPAL_GROUP,
							    WEIR_PRINCIPAL_SP};
		const char *name = NULL;
		weir_principal_kind want = WEIR_PRINCIPAL_USER;
		for (int k = 0; KEYS[k] && json_is_object(e); k++) {
			json_t *v = json_object_get(e, KEYS[k]);
			if (v == NULL || json_is_null(v))
				continue;
			if (!json_is_string(v) || name)
				return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "access_control_list",
							"access_control_list[%zu] names exactly one of user_name, "
							"group_name, service_principal_name",
							i),
				       NULL;
			name = json_string_value(v);
			want = KINDS[k];
		}
		if (name == NULL)
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "access_control_list",
						"access_control_list[%zu] names one of user_name, group_name, "
						"service_principal_name",
						i),
			       NULL;
		const char *level = json_string_value(json_object_get(e, "permission_level"));
		if (level == NULL || *level == '\0' || !one_of(level, LEVELS))
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "permission_level",
						"access_control_list[%zu].permission_level must be one of CAN_USE, "
						"CAN_MONITOR, CAN_MANAGE, IS_OWNER",
						i),
			       NULL;
		weir_principal_kind k;
		weir_error e2 = WEIR_ERROR_INIT;
		ids[i] = weir_gov_principal_id(db, name, &k, &e2);
		if (ids[i] < 0 || k != want)
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "access_control_list",
						"access_control_list[%zu]: principal '%.200s' does not exist", i, name),
			       NULL;
		lv[i] = level;
	}
	if (replace && weir_whw_store_acl_clear(db, id, err) != 0)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (weir_whw_store_acl_put(db, id, ids[i], lv[i], err) != 0)
			return NULL;
	return perms(db, a, &w, err);
}
