/* Storage credentials and external locations: the rules of their own fields (a credential's
 * cloud identity, a location's url and credential), what they govern (EXTERNAL tables and
 * volumes under a location, temporary path credentials), and what blocks their deletion.
 * They are securables beside the catalogs, so create, get, list, rename, owner and delete are
 * catalog.c's; this file is called at its type switches. SQL in storage_store.c.
 *
 * Weir vends no cloud credential (catalog.c answers FAILED_PRECONDITION for cloud storage),
 * so it keeps no secret: a service principal's client_secret and a Cloudflare token's
 * secret_access_key are required as the Databricks API requires them, and then dropped. */
#include "governance/catalog_int.h"
#include "governance/gov_int.h"
#include "governance/gov_store.h"

#include <stdio.h>
#include <string.h>

#include "core/util.h"

/* The identities a credential may have (Databricks' StorageCredentialInfo): the members each
 * requires, may have, and requires but Weir never keeps. */
static const struct identity {
	const char *key;
	const char *required[2];
	const char *optional[1];
	const char *secret[1];
} identities[] = {
	{"aws_iam_role", {"role_arn"}, {NULL}, {NULL}},
	{"azure_managed_identity", {"access_connector_id"}, {"managed_identity_id"}, {NULL}},
	{"azure_service_principal", {"directory_id", "application_id"}, {NULL}, {"client_secret"}},
	{"databricks_gcp_service_account", {NULL}, {NULL}, {NULL}},
	{"cloudflare_api_token", {"account_id", "access_key_id"}, {NULL}, {"secret_access_key"}},
};
#define NIDENTITIES (sizeof(identities) / sizeof(identities[0]))

static int member(json_t *obj, const struct identity *id, const char *name, bool required, const char **out,
		  weir_error *err)
{
	if (weir_json_get_str(obj, name, required, out, err) != 0)
		return weir_gov__field_within(err, "%s", id->key);
	if (required && **out == '\0') {
		char field[96];
		snprintf(field, sizeof(field), "%s.%s", id->key, name);
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, field, "Invalid value for '%s': empty",
					field);
	}
	return 0;
}

/* The identity object of body, if any, checked, as it is kept: *out is a new object (the
 * kept members) under *key, or NULL when body has none. Two identities are refused. */
static int identity_of(json_t *body, const char **key, json_t **out, weir_error *err)
{
	*key = NULL;
	*out = NULL;
	const struct identity *found = NULL;
	json_t *obj = NULL;
	for (size_t i = 0; i < NIDENTITIES; i++) {
		json_t *v = NULL;
		if (weir_json_get_obj(body, identities[i].key, false, &v, err) != 0)
			return -1;
		if (v == NULL)
			continue;
		if (found)
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, identities[i].key,
						"Invalid value for '%s': a credential has one identity, and '%s' is "
						"given too",
						identities[i].key, found->key);
		found = &identities[i];
		obj = v;
	}
	if (found == NULL)
		return 0;
	json_t *kept = json_object();
	const char *v = NULL;
	for (int i = 0; i < 2 && found->required[i]; i++) {
		if (member(obj, found, found->required[i], true, &v, err) != 0)
			goto fail;
		json_object_set_new(kept, found->required[i], json_string(v));
	}
	if (found->optional[0]) {
		v = NULL;
		if (member(obj, found, found->optional[0], false, &v, err) != 0)
			goto fail;
		if (v)
			json_object_set_new(kept, found->optional[0], json_string(v));
	}
	if (found->secret[0] && member(obj, found, found->secret[0], true, &v, err) != 0)
		goto fail;
	*key = found->key;
	*out = kept;
	return 0;
fail:
	json_decref(kept);
	return -1;
}

/* Sets spec[key] = identity (replacing any other identity). An AWS role keeps the external
 * id it was given (a new one the first time): the trust policy of the role names it. */
static void put_identity(json_t *spec, const char *key, json_t *identity)
{
	const char *ext = json_string_value(json_object_get(json_object_get(spec, "aws_iam_role"), "external_id"));
	if (strcmp(key, "aws_iam_role") == 0) {
		char uuid[37];
		if (ext == NULL) {
			weir_uuid4(uuid);
			ext = uuid;
		}
		json_object_set_new(identity, "external_id", json_string(ext));
	}
	for (size_t i = 0; i < NIDENTITIES; i++)
		json_object_del(spec, identities[i].key);
	json_object_set_new(spec, key, identity);
}

/* isolation_mode of body: *out NULL when absent, else the column's word ("OPEN",
 * "ISOLATED") for ISOLATION_MODE_OPEN / ISOLATION_MODE_ISOLATED; anything else is 400. */
static int isolation_of(json_t *body, const char **out, weir_error *err)
{
	const char *iso = NULL;
	*out = NULL;
	if (weir_json_get_str(body, "isolation_mode", false, &iso, err) != 0)
		return -1;
	if (iso == NULL)
		return 0;
	if (strcmp(iso, "ISOLATION_MODE_OPEN") == 0)
		*out = "OPEN";
	else if (strcmp(iso, "ISOLATION_MODE_ISOLATED") == 0)
		*out = "ISOLATED";
	else
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "isolation_mode",
					"Invalid value for 'isolation_mode': ISOLATION_MODE_OPEN or "
					"ISOLATION_MODE_ISOLATED");
	return 0;
}

/* Isolating binds the caller's workspace read-write (as Databricks does, and as catalogs do
 * here), so that the object does not vanish from the workspace that isolated it. */
static int isolate(weir_db *db, const weir_principal *p, const char *id, weir_error *err)
{
	return weir_gov_store_binding_set(db, id, p->workspace_id, "BINDING_TYPE_READ_WRITE", err);
}

/* The credential named in `credential_name` that p may build a location on: resolved for p
 * (404 when absent or hidden) and CREATE EXTERNAL LOCATION on it (or ownership). */
static int usable_credential(weir_db *db, weir_arena *a, const weir_principal *p, const char *name,
			     weir_securable *cred, weir_error *err)
{
	if (weir_gov_name_check("credential_name", name, err) != 0 ||
	    weir_gov_resolve(db, a, p, WEIR_SEC_CREDENTIAL, name, cred, err) != 0)
		return -1;
	return weir_gov_check(db, p, WEIR_OP_CREATE_EXTERNAL_LOCATION, cred, err);
}

/* url normalized and overlapping no other location (except_id: the one being updated). */
static int location_url(weir_db *db, weir_arena *a, const weir_principal *p, const char **url, const char *except_id,
			weir_error *err)
{
	if (weir_cat_external_url(a, "url", url, err) != 0)
		return -1;
	const char *ms = weir_gov_metastore_id(db, a, err);
	const char *other = NULL;
	int found = ms ? weir_cat_store_overlapping_location(db, a, ms, *url, except_id, &other, err) : -1;
	if (found < 0)
		return -1;
	if (found == 0)
		return 0;
	/* name the other location only to a caller who may see it */
	weir_securable seen;
	weir_error ignored = WEIR_ERROR_INIT;
	if (weir_gov_resolve(db, a, p, WEIR_SEC_EXTERNAL_LOCATION, other, &seen, &ignored) == 0)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "url",
					"Invalid value for 'url': '%.300s' overlaps external location '%.255s'", *url,
					other);
	return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "url",
				"Invalid value for 'url': '%.300s' overlaps an existing external location", *url);
}

int weir_storage_create(weir_db *db, weir_arena *a, const weir_principal *p, cat_row *row, json_t *body,
			weir_error *err)
{
	bool read_only = false;
	const char *iso = NULL;
	if (weir_json_get_bool(body, "read_only", false, &read_only, err) != 0 || isolation_of(body, &iso, err) != 0)
		return -1;
	row->isolation_mode = iso ? iso : "OPEN";
	json_t *spec = json_pack("{s:b}", "read_only", read_only);
	int rc = -1;
	if (row->type == WEIR_SEC_CREDENTIAL) {
		const char *purpose = NULL, *key = NULL;
		json_t *identity = NULL;
		if (weir_json_get_str(body, "purpose", false, &purpose, err) != 0)
			goto out;
		if (purpose && strcmp(purpose, "STORAGE") != 0) {
			weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "purpose",
					 "Invalid value for 'purpose': '%.50s' (Weir keeps STORAGE credentials only)",
					 purpose);
			goto out;
		}
		if (identity_of(body, &key, &identity, err) != 0)
			goto out;
		if (key == NULL) {
			weir_error_field(
				err, WEIR_E_INVALID_PARAMETER_VALUE, "aws_iam_role",
				"Missing required field: one of aws_iam_role, azure_managed_identity, "
				"azure_service_principal, databricks_gcp_service_account, cloudflare_api_token");
			goto out;
		}
		put_identity(spec, key, identity);
		row->subtype = "STORAGE";
	} else {
		const char *url = NULL, *cred_name = NULL;
		bool fallback = false;
		weir_securable cred;
		if (weir_json_get_str(body, "url", true, &url, err) != 0 ||
		    weir_json_get_str(body, "credential_name", true, &cred_name, err) != 0 ||
		    weir_json_get_bool(body, "fallback", false, &fallback, err) != 0 ||
		    location_url(db, a, p, &url, NULL, err) != 0 ||
		    usable_credential(db, a, p, cred_name, &cred, err) != 0)
			goto out;
		json_object_set_new(spec, "fallback", json_boolean(fallback));
		row->storage_location = url;
		row->credential_id = cred.id;
	}
	row->spec = weir_json_text(a, spec, JSON_COMPACT | JSON_SORT_KEYS);
	rc = weir_cat_store_insert(db, row, err);
	if (rc == 0 && strcmp(row->isolation_mode, "ISOLATED") == 0)
		rc = isolate(db, p, row->id, err);
out:
	json_decref(spec);
	return rc;
}

/* A location's url moves: what is stored under the old one and not under the new one would
 * leave it; that needs force. */
static int url_move_check(weir_db *db, weir_arena *a, const weir_securable *s, const char *old_url, const char *url,
			  bool force, weir_error *err)
{
	if (force)
		return 0;
	const char *type = NULL;
	int found = weir_cat_store_data_under(db, a, old_url, url, &type, err);
	if (found <= 0)
		return found;
	return weir_error_set(err, WEIR_E_FAILED_PRECONDITION,
			      "External location '%.255s' has a %s stored under '%.300s': moving its url needs "
			      "force=true.",
			      s->full_name, type, old_url);
}

int weir_storage_update(weir_db *db, weir_arena *a, const weir_principal *p, const weir_securable *s, json_t *body,
			int64_t now, weir_error *err)
{
	json_t *ro = json_object_get(body, "read_only");
	bool read_only = false, force = false, fallback = false;
	const char *iso = NULL;
	if (weir_json_get_bool(body, "read_only", false, &read_only, err) != 0 ||
	    weir_json_get_bool(body, "force", false, &force, err) != 0 || isolation_of(body, &iso, err) != 0)
		return -1;
	if (iso && (weir_cat_store_set_text(db, s->id, "isolation_mode", iso, now, p->name, err) != 0 ||
		    (strcmp(iso, "ISOLATED") == 0 && strcmp(s->catalog_isolation, "ISOLATED") != 0 &&
		     isolate(db, p, s->id, err) != 0)))
		return -1;
	const char *stored = weir_cat_store_text(db, a, s->id, "spec");
	json_t *spec = stored ? json_loads(stored, 0, NULL) : NULL;
	if (!json_is_object(spec)) {
		json_decref(spec);
		spec = json_object();
	}
	bool changed = ro && !json_is_null(ro);
	if (changed)
		json_object_set_new(spec, "read_only", json_boolean(read_only));
	int rc = -1;
	if (s->type == WEIR_SEC_CREDENTIAL) {
		const char *key = NULL;
		json_t *identity = NULL;
		if (identity_of(body, &key, &identity, err) != 0)
			goto out;
		if (key) {
			put_identity(spec, key, identity);
			changed = true;
		}
	} else {
		const char *url = NULL, *cred_name = NULL;
		json_t *fb = json_object_get(body, "fallback");
		if (weir_json_get_str(body, "url", false, &url, err) != 0 ||
		    weir_json_get_str(body, "credential_name", false, &cred_name, err) != 0 ||
		    weir_json_get_bool(body, "fallback", false, &fallback, err) != 0)
			goto out;
		if (fb && !json_is_null(fb)) {
			json_object_set_new(spec, "fallback", json_boolean(fallback));
			changed = true;
		}
		if (url) {
			const char *old_url = weir_cat_store_text(db, a, s->id, "storage_location");
			if (location_url(db, a, p, &url, s->id, err) != 0 ||
			    (old_url && url_move_check(db, a, s, old_url, url, force, err) != 0) ||
			    weir_cat_store_set_text(db, s->id, "storage_location", url, now, p->name, err) != 0)
				goto out;
		}
		weir_securable cred;
		if (cred_name && (usable_credential(db, a, p, cred_name, &cred, err) != 0 ||
				  weir_cat_store_set_text(db, s->id, "credential_id", cred.id, now, p->name, err) != 0))
			goto out;
	}
	rc = changed ? weir_cat_store_set_text(db, s->id, "spec",
					       weir_json_text(a, spec, JSON_COMPACT | JSON_SORT_KEYS), now, p->name,
					       err)
		     : 0;
out:
	json_decref(spec);
	return rc;
}

int weir_storage_delete_check(weir_db *db, weir_arena *a, const weir_securable *s, bool force, weir_error *err)
{
	if (force)
		return 0;
	bool cred = s->type == WEIR_SEC_CREDENTIAL;
	const char *what = NULL, *url = NULL;
	int found = cred ? weir_cat_store_location_using(db, a, s->id, &what, err)
		    : (url = weir_cat_store_text(db, a, s->id, "storage_location"))
			    ? weir_cat_store_data_under(db, a, url, NULL, &what, err)
			    : 0;
	if (found <= 0)
		return found;
	return weir_error_set(err, WEIR_E_FAILED_PRECONDITION,
			      "%s '%.255s' is used by %s%.255s%s. Use force=true to force deletion.",
			      cred ? "Storage credential" : "External location", s->full_name,
			      cred ? "external location '" : "a ", what, cred ? "'" : " stored under it");
}

int weir_storage_info_members(weir_db *db, weir_arena *a, weir_sec_type t, const char *id, const char *subtype,
			      const char *location, const char *spec_text, const char *isolation, weir_jw *w,
			      weir_error *err)
{
	json_t *spec = spec_text ? json_loads(spec_text, 0, NULL) : NULL;
	weir_jw_kstr(w, "id", id);
	weir_jw_key(w, "read_only");
	weir_jw_bool(w, json_is_true(json_object_get(spec, "read_only")));
	weir_jw_kstr(w, "isolation_mode",
		     isolation && strcmp(isolation, "ISOLATED") == 0 ? "ISOLATION_MODE_ISOLATED"
								     : "ISOLATION_MODE_OPEN");
	int rc = 0;
	if (t == WEIR_SEC_CREDENTIAL) {
		weir_jw_kstr(w, "purpose", subtype ? subtype : "STORAGE");
		weir_jw_key(w, "used_for_managed_storage");
		weir_jw_bool(w, false);
		for (size_t i = 0; i < NIDENTITIES; i++) {
			json_t *identity = json_object_get(spec, identities[i].key);
			if (!json_is_object(identity))
				continue;
			json_t *shown = json_deep_copy(identity);
			if (strcmp(identities[i].key, "azure_managed_identity") == 0 ||
			    strcmp(identities[i].key, "databricks_gcp_service_account") == 0)
				json_object_set_new(shown, "credential_id", json_string(id));
			weir_jw_key(w, identities[i].key);
			weir_jw_value(w, shown);
			json_decref(shown);
		}
	} else {
		const char *cred_id = NULL, *cred_name = NULL;
		weir_jw_kstr(w, "url", location);
		rc = weir_cat_store_location_credential(db, a, id, &cred_id, &cred_name, err);
		if (rc == 1) {
			weir_jw_kstr(w, "credential_name", cred_name);
			weir_jw_kstr(w, "credential_id", cred_id);
		}
		weir_jw_key(w, "fallback");
		weir_jw_bool(w, json_is_true(json_object_get(spec, "fallback")));
		weir_jw_key(w, "browse_only");
		weir_jw_bool(w, false);
	}
	json_decref(spec);
	return rc < 0 ? -1 : 0;
}

/* ---------------------------------------------------------------- what locations govern */

/* The external location covering loc as a securable for p's checks: 1 found, 0 none, -1.
 * *read_only: the location's own flag; *elsewhere: ISOLATED and not bound to p's workspace
 * (unusable from it); a READ_ONLY binding makes el->read_only (writes refused). */
static int covering(weir_db *db, weir_arena *a, const weir_principal *p, const char *loc, weir_securable *el,
		    bool *read_only, bool *elsewhere, weir_error *err)
{
	const char *ms = weir_gov_metastore_id(db, a, err);
	if (ms == NULL)
		return -1;
	cat_location l;
	int found = weir_cat_store_covering_location(db, a, ms, loc, p->workspace_id, &l, err);
	if (found != 1)
		return found;
	*elsewhere = !weir_gov__beside(el, WEIR_SEC_EXTERNAL_LOCATION, l.id, l.name, l.owner_id, l.isolation,
				       l.binding);
	json_t *spec = l.spec ? json_loads(l.spec, 0, NULL) : NULL;
	*read_only = json_is_true(json_object_get(spec, "read_only"));
	json_decref(spec);
	return 1;
}

int weir_storage_external_check(weir_db *db, weir_arena *a, const weir_principal *p, weir_sec_type t, const char *loc,
				weir_error *err)
{
	if (p == NULL || p->is_admin)
		return 0;
	weir_securable el;
	bool read_only, elsewhere;
	int found = covering(db, a, p, loc, &el, &read_only, &elsewhere, err);
	if (found <= 0)
		return found;
	if (elsewhere)
		return weir_error_set(err, WEIR_E_PERMISSION_DENIED,
				      "The external location that covers '%.300s' cannot be used from this workspace.",
				      loc);
	/* the op as storage_rule reads it on a location: CREATE EXTERNAL TABLE / VOLUME, or CREATE
	 * MANAGED STORAGE for a catalog's or schema's storage_root */
	bool managed = t == WEIR_SEC_CATALOG || t == WEIR_SEC_SCHEMA;
	weir_op op = managed                ? WEIR_OP_CREATE_SCHEMA
		     : t == WEIR_SEC_VOLUME ? WEIR_OP_CREATE_VOLUME
					    : WEIR_OP_CREATE_TABLE;
	if (weir_gov_allowed(db, p, op, &el))
		return 0;
	const char *priv = managed                ? "CREATE MANAGED STORAGE"
			   : t == WEIR_SEC_VOLUME ? "CREATE EXTERNAL VOLUME"
						  : "CREATE EXTERNAL TABLE";
	bool seen = weir_gov_allowed(db, p, WEIR_OP_READ_METADATA, &el);
	if (seen && el.read_only)
		return weir_gov_check(db, p, op, &el, err); /* the read-only binding's refusal */
	if (seen)
		return weir_error_set(err, WEIR_E_PERMISSION_DENIED,
				      "User does not have %s on external location '%.255s', which covers '%.300s'.",
				      priv, el.full_name, loc);
	return weir_error_set(err, WEIR_E_PERMISSION_DENIED,
			      "User does not have %s on the external location that covers '%.300s'.", priv, loc);
}

int weir_storage_path_check(weir_db *db, weir_arena *a, const weir_principal *p, const char *url, bool write,
			    bool create_table, weir_error *err)
{
	if (p == NULL)
		return weir_error_set(err, WEIR_E_PERMISSION_DENIED, "Access denied.");
	weir_securable el;
	bool read_only = false, elsewhere = false, writes = write || create_table;
	int found = covering(db, a, p, url, &el, &read_only, &elsewhere, err);
	if (found < 0)
		return -1;
	if (elsewhere) /* an ISOLATED location does not exist in a workspace it is not bound to */
		found = 0;
	/* admins may ask for any path; a READ_ONLY binding still refuses them writes, as it does
	 * in a catalog */
	if (p->is_admin)
		return found == 1 && writes && el.read_only ? weir_gov_check(db, p, WEIR_OP_WRITE_DATA, &el, err) : 0;
	if (found == 0 || !weir_gov_allowed(db, p, WEIR_OP_READ_METADATA, &el))
		return weir_error_set(err, WEIR_E_PERMISSION_DENIED,
				      "User does not have permission to use path '%.300s': no external location that "
				      "the caller may use covers it.",
				      url);
	if (writes && (read_only || el.read_only))
		return weir_error_set(err, WEIR_E_PERMISSION_DENIED,
				      "External location '%.255s' is read-only (or bound read-only to this workspace): "
				      "'%.300s' cannot be written.",
				      el.full_name, url);
	bool ok = create_table ? weir_gov_allowed(db, p, WEIR_OP_CREATE_TABLE, &el)
			       : weir_gov_allowed(db, p, WEIR_OP_READ_DATA, &el) &&
					 (!write || weir_gov_allowed(db, p, WEIR_OP_WRITE_DATA, &el));
	if (!ok)
		return weir_error_set(err, WEIR_E_PERMISSION_DENIED,
				      "User does not have %s on external location '%.255s'.",
				      create_table ? "CREATE EXTERNAL TABLE"
				      : write      ? "READ FILES and WRITE FILES"
						   : "READ FILES",
				      el.full_name);
	/* A table's or volume's files are reached through its own privileges
	 * (temporary-table-credentials, temporary-volume-credentials), never through the
	 * location's: READ FILES on a location does not read a table one may not SELECT. */
	const char *type = NULL;
	found = weir_cat_store_data_overlapping(db, a, url, &type, err);
	if (found < 0)
		return -1;
	if (found == 1)
		return weir_error_set(
			err, WEIR_E_PERMISSION_DENIED,
			"Path '%.300s' overlaps the storage of a %s: its files are reached through the %s's "
			"own privileges (temporary-%s-credentials).",
			url, type, type, type);
	return 0;
}
