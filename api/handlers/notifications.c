/* Databricks notification destinations: /api/2.0/notification-destinations. Admins create,
 * update and delete them; any authenticated caller lists and gets them (to pick an id for a
 * job's webhook_notifications), without the config unless an admin, as Databricks answers.
 * GET .../{id}/deliveries (admins) is a Weir extension: the destination's delivery log.
 * The rules and shapes are in workflows/notify.c. */
#include "api/http.h"

#include "workflows/notify.h"

#define ND "/api/2.0/notification-destinations"

static int fail(weir_req *r, weir_error *e) { return weir_reply_error(r, e); }

/* What a caller may see of a destination: the config (addresses, which secrets are set)
 * only for admins. */
static void scope(weir_req *r, json_t *dest)
{
	if (!r->principal->is_admin)
		json_object_del(dest, "config");
}

static int nd_create(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *body = weir_req_json(r, false, &e);
	if (body == NULL || weir_req_begin(r, &e) != 0)
		return fail(r, &e);
	return weir_reply_created(r, weir_notify_dest_create_by(weir_req_db(r), body, r->principal->name, &e), &e);
}

static int nd_list(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	int64_t size = 0;
	if (weir_req_query_i64(r, "page_size", &size, &e) != 0)
		return fail(r, &e);
	json_t *out = weir_notify_dest_list(weir_req_db(r), weir_req_query(r, "page_token"), size, &e);
	if (out == NULL)
		return fail(r, &e);
	size_t i;
	json_t *d;
	json_array_foreach (json_object_get(out, "results"), i, d)
		scope(r, d);
	weir_req_mark_authorized(r); /* every caller may list them; scoped above */
	return weir_reply_json(r, 200, out);
}

static int nd_get(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *out = weir_notify_dest_get(weir_req_db(r), weir_req_param(r, "id"), &e);
	if (out == NULL)
		return fail(r, &e);
	scope(r, out);
	weir_req_mark_authorized(r);
	return weir_reply_json(r, 200, out);
}

static int nd_update(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	const char *id = weir_req_param(r, "id");
	weir_req_audit_securable(r, id);
	/* an empty body changes nothing and answers the destination (the JS SDK's PATCH) */
	json_t *body = weir_req_json(r, true, &e);
	if (body == NULL || weir_req_begin(r, &e) != 0)
		return fail(r, &e);
	return weir_reply_committed(r, weir_notify_dest_update(weir_req_db(r), id, body, &e), &e);
}

static int nd_delete(weir_req *r) { return weir_reply_deleted(r, "id", weir_notify_dest_delete); }

static int nd_deliveries(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	json_t *out = weir_notify_dest_deliveries(weir_req_db(r), weir_req_param(r, "id"), &e);
	return out ? weir_reply_json(r, 200, out) : fail(r, &e);
}

#define D WEIR_DIALECT_DATABRICKS
#define S "notificationDestinations"
const weir_route weir_routes_notifications[] = {
	{"POST", ND, nd_create, RULE_ADMIN, D, S, "createNotificationDestination", 0},
	{"GET", ND, nd_list, RULE_AUTHENTICATED, D, S, "listNotificationDestinations", WEIR_ROUTE_NO_AUDIT},
	{"GET", ND "/{id}", nd_get, RULE_AUTHENTICATED, D, S, "getNotificationDestination", WEIR_ROUTE_NO_AUDIT},
	{"PATCH", ND "/{id}", nd_update, RULE_ADMIN, D, S, "updateNotificationDestination", 0},
	{"DELETE", ND "/{id}", nd_delete, RULE_ADMIN, D, S, "deleteNotificationDestination", 0},
	{"GET", ND "/{id}/deliveries", nd_deliveries, RULE_ADMIN, D, S, "listNotificationDeliveries",
	 WEIR_ROUTE_NO_AUDIT},
	{0},
};
