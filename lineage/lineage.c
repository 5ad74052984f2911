/* The lineage module's rules shared by producers, ingest and reads: node kinds and
 * origins, the mapping of OpenLineage datasets onto catalog tables, the catalog hook that
 * keeps history of dropped and renamed securables, and the opaque ids of masked nodes. */
#include "lineage/lineage_int.h"

#include <pthread.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/util.h"
#include "governance/catalog.h"

static const char *const kind_names[WEIR_LIN__COUNT] = {
	"TABLE", "VOLUME",  "MODEL", "MODEL_VERSION", "DATASET", "MLFLOW_RUN",
	"JOB",   "JOB_RUN", "QUERY", "NOTEBOOK",      "OL_JOB",  "OL_RUN",
};

const char *weir_lin__kind_name(weir_lineage_kind k)
{
	return (unsigned)k < WEIR_LIN__COUNT ? kind_names[k] : "UNKNOWN";
}

int weir_lin__kind_parse(const char *s, weir_lineage_kind *out)
{
	for (int i = 0; s && i < WEIR_LIN__COUNT; i++)
		if (strcasecmp(s, kind_names[i]) == 0) {
			*out = (weir_lineage_kind)i;
			return 0;
		}
	return -1;
}

const char *weir_lin__origin_name(weir_lineage_origin o)
{
	switch (o) {
	case WEIR_LIN_OPENLINEAGE: return "OPENLINEAGE";
	case WEIR_LIN_MANUAL: return "MANUAL";
	default: return "CAPTURED";
	}
}

void *weir_lin__grow(weir_arena *a, void *v, size_t n, size_t *cap, size_t size, size_t first)
{
	if (n < *cap)
		return v;
	size_t ncap = *cap ? *cap * 2 : first;
	void *nv = weir_arena_alloc(a, ncap * size);
	if (n)
		memcpy(nv, v, n * size);
	*cap = ncap;
	return nv;
}

bool weir_lin__kind_is_catalog(weir_lineage_kind k)
{
	return k == WEIR_LIN_TABLE || k == WEIR_LIN_VOLUME || k == WEIR_LIN_MODEL || k == WEIR_LIN_MODEL_VERSION;
}

/* ---------------------------------------------------------------- datasets */

static bool weir_namespace(const char *ns)
{
	return strcmp(ns, "weir") == 0 || strcmp(ns, "unity-catalog") == 0 || strcmp(ns, "unitycatalog") == 0 ||
	       strncmp(ns, "weir://", 7) == 0 || strncmp(ns, "unitycatalog://", 15) == 0;
}

/* A table, volume or model named "catalog.schema.name", or NULL. */
static const char *table_by_name(weir_db *db, weir_arena *a, const char *full, weir_lineage_kind *kind)
{
	const char *d1 = strchr(full, '.');
	const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	if (d1 == NULL || d2 == NULL || strchr(d2 + 1, '.') != NULL)
		return NULL;
	const char *type = NULL;
	const char *id = weir_lin_store_leaf_by_name(db, a, weir_arena_strndup(a, full, (size_t)(d1 - full)),
						     weir_arena_strndup(a, d1 + 1, (size_t)(d2 - d1 - 1)), d2 + 1,
						     &type);
	if (id)
		*kind = strcmp(type, "volume") == 0             ? WEIR_LIN_VOLUME
			: strcmp(type, "registered_model") == 0 ? WEIR_LIN_MODEL
								: WEIR_LIN_TABLE;
	return id;
}

/* Storage locations are stored normalized (no trailing slash); only object-store and file
 * namespaces can name one. */
static const char *by_location(weir_db *db, weir_arena *a, const char *ns, const char *name)
{
	static const char *const schemes[] = {"s3://",   "s3a://",   "s3n://",  "gs://", "abfss://",
					      "abfs://", "wasbs://", "wasb://", "r2://", "hdfs://",
					      "dbfs:",   "file:",    NULL};
	bool storage = strcmp(ns, "file") == 0;
	for (int i = 0; !storage && schemes[i]; i++)
		storage = strncmp(ns, schemes[i], strlen(schemes[i])) == 0;
	if (!storage) /* postgres://, kafka://, bigquery...: never a table's storage location */
		return NULL;
	const char *url;
	if (strcmp(ns, "file") == 0)
		url = weir_arena_printf(a, "file://%s%s", name[0] == '/' ? "" : "/", name);
	else
		url = weir_arena_printf(a, "%s%s%s", ns, name[0] == '/' || ns[strlen(ns) - 1] == '/' ? "" : "/", name);
	size_t n = strlen(url);
	while (n > 1 && url[n - 1] == '/')
		n--;
	url = weir_arena_strndup(a, url, n);
	const char *id = weir_lin_store_table_by_location(db, a, url);
	if (id == NULL && strncmp(url, "file:///", 8) != 0 && strncmp(url, "file:/", 6) == 0)
		id = weir_lin_store_table_by_location(db, a, weir_arena_printf(a, "file://%s", url + 5));
	return id;
}

int weir_lineage_dataset_node(weir_db *db, weir_arena *a, const char *ns, const char *name, weir_lineage_node *out,
			      weir_error *err)
{
	if (ns == NULL || name == NULL || ns[0] == '\0' || name[0] == '\0')
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "namespace",
					"A dataset needs a namespace and a name");
	memset(out, 0, sizeof(*out));
	weir_lineage_kind kind = WEIR_LIN_TABLE;
	const char *id = NULL;
	if (weir_namespace(ns))
		id = table_by_name(db, a, name, &kind);
	if (id == NULL && (id = by_location(db, a, ns, name)) != NULL) {
		const char *type = weir_lin_store_sec_type(db, a, id);
		if (type && strcmp(type, "volume") == 0)
			kind = WEIR_LIN_VOLUME;
	}
	if (id != NULL) {
		out->kind = kind;
		out->key = id;
		out->name = weir_lin_store_securable_full_name(db, a, id);
		return 0;
	}
	out->kind = WEIR_LIN_DATASET;
	out->key = weir_arena_printf(a, "%s\n%s", ns, name);
	out->name = weir_arena_strdup(a, name);
	return 0;
}

/* ---------------------------------------------------------------- catalog hook */

void weir_lin__catalog_hook(weir_db *db, const char *securable_id, const char *old_full_name, const char *new_full_name)
{
	(void)old_full_name;
	weir_error err = WEIR_ERROR_INIT;
	int64_t now = weir_now_ms();
	int rc = new_full_name == NULL ? weir_lin_store_mark_deleted(db, securable_id, now, &err)
				       : weir_lin_store_mark_renamed(db, securable_id, now, &err);
	if (rc != 0)
		weir_log_warn("lineage: history of securable %s not updated: %s", securable_id, err.message);
}

void weir_lineage_start(void) { weir_catalog_set_hook(weir_lin__catalog_hook); }

/* ---------------------------------------------------------------- masking */

static unsigned char mask_secret[32];
static pthread_once_t mask_once = PTHREAD_ONCE_INIT;

static void mask_init(void) { weir_random_bytes(mask_secret, sizeof(mask_secret)); }

const char *weir_lin__masked_id(weir_arena *a, weir_lineage_kind kind, const char *key)
{
	pthread_once(&mask_once, mask_init);
	const char *msg = weir_arena_printf(a, "%s\n%s", weir_lin__kind_name(kind), key);
	char hex[65];
	weir_hmac_sha256_hex(mask_secret, sizeof(mask_secret), msg, strlen(msg), hex);
	hex[24] = '\0';
	return weir_arena_printf(a, "masked:%s", hex);
}
