/* The MLflow artifact store on local disk (registry/artifacts.h). Everything is relative
 * to DATA/artifacts; every path is checked before it reaches the file system. The second
 * half decides who owns a path (its run or experiment, the model versions whose sources
 * name it) and whether a principal may read or change it by those owners' rules. */
#include "registry/artifacts.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/util.h"
#include "governance/catalog.h"
#include "registry/registry.h"
#include "registry/tracking_int.h" /* the run and experiment rows (same module) */

/* Temp files this module creates next to their target (empty uploads); never listed. */
#define TMP_PREFIX ".weir-tmp-"

int weir_artifacts_path_check(const char *path, bool allow_root, weir_error *err)
{
	if (path == NULL || *path == '\0') {
		if (allow_root)
			return 0;
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "path", "Artifact path must not be empty");
	}
	size_t n = strlen(path);
	if (n > 4096)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "path", "Artifact path is too long");
	const char *seg = path;
	for (size_t i = 0; i <= n; i++) {
		unsigned char ch = (unsigned char)path[i];
		if (ch == '/' || ch == '\0') {
			size_t len = (size_t)(path + i - seg);
			if (len == 0 || (len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
				return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "path",
							"Invalid path: '%.200s'. Absolute paths, empty segments and "
							"'.' or '..' are not allowed",
							path);
			seg = path + i + 1;
			continue;
		}
		if (ch == '\\' || ch < 0x20 || ch == 0x7f)
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "path",
						"Invalid path: backslashes and control characters are not allowed");
	}
	if (n >= 2 && path[1] == ':') /* C:... drive letters */
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "path", "Invalid path: '%.200s'", path);
	return 0;
}

const char *weir_artifacts_root(weir_arena *a) { return weir_arena_printf(a, "%s/artifacts", weir_catalog_data_dir()); }

static const char *abs_of(weir_arena *a, const char *rel)
{
	if (rel == NULL || *rel == '\0')
		return weir_artifacts_root(a);
	return weir_arena_printf(a, "%s/artifacts/%s", weir_catalog_data_dir(), rel);
}

/* mkdir -p of every directory above `abs` (the last component is not created). */
static int mkdirs_parent(weir_arena *a, const char *abs, weir_error *err)
{
	char *p = weir_arena_strdup(a, abs);
	size_t root = strlen(weir_catalog_data_dir());
	for (char *s = p + root + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0750) != 0 && errno != EEXIST) {
			*s = '/';
			goto fail;
		}
		struct stat st;
		if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
			*s = '/';
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "path",
						"Invalid path: a parent of the artifact is a file");
		}
		*s = '/';
	}
	return 0;
fail:
	weir_log_error("artifacts: mkdir failed: %s", strerror(errno));
	return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "cannot store the artifact");
}

static void fsync_dir(const char *file)
{
	char buf[4200];
	snprintf(buf, sizeof(buf), "%s", file);
	char *slash = strrchr(buf, '/');
	if (slash == NULL)
		return;
	*slash = '\0';
	int fd = open(buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int weir_artifacts_put(weir_arena *a, const char *rel, const char *tmp_path, int tmp_fd, weir_error *err)
{
	if (weir_artifacts_path_check(rel, false, err) != 0)
		return -1;
	const char *dst = abs_of(a, rel);
	if (mkdirs_parent(a, dst, err) != 0)
		return -1;
	struct stat st;
	if (stat(dst, &st) == 0 && S_ISDIR(st.st_mode))
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "path",
					"Invalid path: '%.200s' is a directory", rel);
	char *own_tmp = NULL;
	if (tmp_path == NULL) { /* empty body: the server made no temp file */
		char rnd[17];
		weir_random_hex(rnd, 8);
		const char *slash = strrchr(dst, '/');
		own_tmp = weir_arena_printf(a, "%.*s/" TMP_PREFIX "%s", (int)(slash - dst), dst, rnd);
		tmp_fd = open(own_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
		if (tmp_fd < 0)
			goto fail;
		tmp_path = own_tmp;
	}
	if (tmp_fd >= 0 && fsync(tmp_fd) != 0)
		goto fail;
	if (own_tmp)
		close(tmp_fd);
	chmod(tmp_path, 0640);
	if (rename(tmp_path, dst) != 0)
		goto fail;
	fsync_dir(dst);
	return 0;
fail:
	weir_log_error("artifacts: store failed: %s", strerror(errno));
	if (own_tmp)
		unlink(own_tmp);
	return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "cannot store the artifact");
}

int weir_artifacts_open(weir_arena *a, const char *rel, int *fd, uint64_t *size, weir_error *err)
{
	if (weir_artifacts_path_check(rel, false, err) != 0)
		return -1;
	const char *p = abs_of(a, rel);
	int f = open(p, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return weir_error_set(err, WEIR_E_NOT_FOUND, "Artifact '%.200s' not found", rel);
	struct stat st;
	if (fstat(f, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(f);
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "path", "Artifact '%.200s' is a directory",
					rel);
	}
	*fd = f;
	*size = (uint64_t)st.st_size;
	return 0;
}

static int rm_tree(const char *p)
{
	struct stat st;
	if (lstat(p, &st) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(p);
	DIR *d = opendir(p);
	if (d == NULL)
		return -1;
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		size_t n = strlen(p) + strlen(e->d_name) + 2;
		char *child = malloc(n);
		snprintf(child, n, "%s/%s", p, e->d_name);
		if (rm_tree(child) != 0)
			rc = -1;
		free(child);
	}
	closedir(d);
	if (rmdir(p) != 0)
		rc = -1;
	return rc;
}

int weir_artifacts_delete(weir_arena *a, const char *rel, weir_error *err)
{
	if (weir_artifacts_path_check(rel, false, err) != 0)
		return -1;
	const char *p = abs_of(a, rel);
	struct stat st;
	if (lstat(p, &st) != 0)
		return weir_error_set(err, WEIR_E_NOT_FOUND, "Artifact '%.200s' not found", rel);
	if (rm_tree(p) != 0) {
		weir_log_error("artifacts: delete failed: %s", strerror(errno));
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "cannot delete the artifact");
	}
	fsync_dir(p);
	return 0;
}

static int cmp_names(const void *x, const void *y) { return strcmp(*(const char *const *)x, *(const char *const *)y); }

json_t *weir_artifacts_list(weir_arena *a, const char *rel, const char *prefix, weir_error *err)
{
	if (weir_artifacts_path_check(rel, true, err) != 0)
		return NULL;
	const char *p = abs_of(a, rel);
	json_t *files = json_array();
	DIR *d = opendir(p);
	if (d == NULL)
		return files;
	size_t cap = 16, n = 0;
	char **names = malloc(cap * sizeof(*names));
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' && (e->d_name[1] == '\0' || (e->d_name[1] == '.' && e->d_name[2] == '\0')))
			continue;
		if (strncmp(e->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) == 0) /* an empty upload in flight */
			continue;
		if (n == cap) {
			cap *= 2;
			names = realloc(names, cap * sizeof(*names));
		}
		names[n++] = weir_arena_strdup(a, e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		const char *child = weir_arena_printf(a, "%s/%s", p, names[i]);
		if (stat(child, &st) != 0)
			continue;
		json_t *name = json_string(prefix && *prefix ? weir_arena_printf(a, "%s/%s", prefix, names[i])
							     : names[i]);
		if (name == NULL) /* not UTF-8: not something a client can name either */
			continue;
		json_t *f = json_object();
		json_object_set_new(f, "path", name);
		json_object_set_new(f, "is_dir", json_boolean(S_ISDIR(st.st_mode)));
		if (!S_ISDIR(st.st_mode))
			json_object_set_new(f, "file_size", json_integer((json_int_t)st.st_size));
		json_array_append_new(files, f);
	}
	free(names);
	return files;
}

bool weir_artifacts_exists(weir_arena *a, const char *rel)
{
	weir_error e = WEIR_ERROR_INIT;
	if (weir_artifacts_path_check(rel, false, &e) != 0)
		return false;
	struct stat st;
	return stat(abs_of(a, rel), &st) == 0;
}

/* ------------------------------------------------------------------ who owns a path */

#define DECODE_STABLE SIZE_MAX

/* unquote_plus `rounds` times, or with DECODE_STABLE until the text no longer changes
 * (each changing round but the first shortens it, so at most n + 1 rounds); NULL when a
 * NUL byte appears. */
static char *decode_rounds(weir_arena *a, const char *s, size_t rounds)
{
	size_t n = strlen(s);
	char *cur = weir_arena_strndup(a, s, n);
	for (size_t round = 0; round < rounds && round <= strlen(s) + 1; round++) {
		char *next = weir_arena_alloc(a, n + 1);
		size_t o = weir_unquote_plus(next, cur, n);
		if (memchr(next, '\0', o))
			return NULL;
		bool same = o == n && memcmp(next, cur, n) == 0;
		cur = next;
		n = o;
		if (same)
			break;
	}
	return cur;
}

/* `p` as a store-relative path: '/' separated, no empty or '.' segments, '..' removes the
 * segment before it (never above the root). */
static const char *normalize_rel(weir_arena *a, const char *p)
{
	size_t n = strlen(p);
	char *out = weir_arena_alloc(a, n + 1);
	size_t o = 0;
	const char *seg = p;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && p[i] != '/')
			continue;
		size_t len = (size_t)(p + i - seg);
		if (len == 2 && seg[0] == '.' && seg[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else if (len > 0 && !(len == 1 && seg[0] == '.')) {
			if (o > 0)
				out[o++] = '/';
			memcpy(out + o, seg, len);
			o += len;
		}
		seg = p + i + 1;
	}
	out[o] = '\0';
	return out;
}

static bool starts_with_ci(const char *s, const char *prefix) { return strncasecmp(s, prefix, strlen(prefix)) == 0; }

/* After "scheme://": the path that follows the authority ("" when there is none). */
static const char *after_authority(const char *p)
{
	const char *slash = strchr(p, '/');
	return slash ? slash : "";
}

/* weir_artifacts_uri_rel of an already decoded URI. */
static const char *decoded_uri_rel(weir_arena *a, const char *dec)
{
	const char *p;
	if (starts_with_ci(dec, "mlflow-artifacts:")) {
		p = dec + 17;
		if (strncmp(p, "//", 2) == 0)
			p = after_authority(p + 2);
		return normalize_rel(a, p);
	}
	if (starts_with_ci(dec, "http://") || starts_with_ci(dec, "https://")) {
		p = after_authority(strstr(dec, "//") + 2);
		/* /api/2.0/mlflow-artifacts/artifacts/..., /ajax-api/..., behind any prefix */
		for (const char *m = strstr(p, "/mlflow-artifacts/artifacts"); m;
		     m = strstr(m + 1, "/mlflow-artifacts/artifacts")) {
			const char *rest = m + strlen("/mlflow-artifacts/artifacts");
			if (*rest == '\0' || *rest == '/' || *rest == '?' || *rest == '#')
				return normalize_rel(a, weir_arena_strndup(a, rest, strcspn(rest, "?#")));
		}
		return NULL;
	}
	if (starts_with_ci(dec, "file:")) {
		p = dec + 5;
		if (strncmp(p, "//", 2) == 0)
			p = after_authority(p + 2);
	} else if (dec[0] == '/') {
		p = dec;
	} else {
		return NULL;
	}
	/* an absolute path: inside DATA/artifacts or nothing of this store */
	const char *abs = normalize_rel(a, p);
	const char *root = normalize_rel(a, weir_artifacts_root(a));
	size_t rn = strlen(root);
	if (strncmp(abs, root, rn) != 0 || (abs[rn] != '\0' && abs[rn] != '/'))
		return NULL;
	return abs[rn] ? abs + rn + 1 : "";
}

const char *weir_artifacts_uri_rel(weir_arena *a, const char *uri)
{
	const char *dec = uri ? decode_rounds(a, uri, DECODE_STABLE) : NULL;
	return dec ? decoded_uri_rel(a, dec) : NULL;
}

/* Whether `prefix` is `path` or one of its ancestors, segment-wise ("" holds everything). */
static bool holds(const char *prefix, const char *path)
{
	size_t n = strlen(prefix);
	if (n == 0)
		return true;
	return strncmp(prefix, path, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static bool is_run_id(const char *s, size_t n)
{
	if (n != 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (weir_hexval(s[i]) < 0)
			return false;
	return true;
}

/* "m-" and 32 hex digits: a logged model's id (any case: the lookup decides). */
static bool is_logged_model_id(const char *s, size_t n)
{
	return n == 34 && s[0] == 'm' && s[1] == '-' && is_run_id(s + 2, 32);
}

/* s[0..n) is the id of a logged model (`model`) or of a run. */
static bool is_owner_id(bool model, const char *s, size_t n)
{
	return model ? is_logged_model_id(s, n) : is_run_id(s, n);
}

/* After a failed lookup into e: 0 when it found nothing, else the failure moved to err and -1. */
static int absent_or_fail(const weir_error *e, weir_error *err)
{
	if (e->code == WEIR_E_NOT_FOUND)
		return 0;
	*err = *e;
	return -1;
}

/* The directory of logged model (`model`) or run `id` in the store: its artifact location
 * without the final "/artifacts" (with `artifacts`, the artifact directory itself). *rel is
 * NULL when it does not exist (a logged model in any stage) or keeps its files in another
 * store; other failures are errors. */
static int owner_dir(weir_db *db, weir_arena *a, bool model, const char *id, const char **rel, int64_t *exp,
		     bool artifacts, weir_error *err)
{
	*rel = NULL;
	const char *uri;
	weir_error e = WEIR_ERROR_INIT;
	if (model) {
		trk_lmodel m;
		if (weir_trk_store_lm_get(db, a, id, &m, &e) != 0)
			return absent_or_fail(&e, err);
		uri = m.artifact_location;
		*exp = m.experiment_id;
	} else {
		trk_run run;
		if (weir_trk_store_run_get(db, a, id, &run, &e) != 0)
			return absent_or_fail(&e, err);
		uri = run.artifact_uri;
		*exp = run.experiment_id;
	}
	const char *r = weir_artifacts_uri_rel(a, uri);
	if (r == NULL)
		return 0;
	size_t n = strlen(r);
	*rel = !artifacts && n >= 10 && strcmp(r + n - 10, "/artifacts") == 0 ? weir_arena_strndup(a, r, n - 10) : r;
	return 0;
}

/* Sets o to experiment `id` when its artifact_location holds `path`. */
static int experiment_holds(weir_db *db, weir_arena *a, int64_t id, const char *path, weir_artifact_owner *o,
			    weir_error *err)
{
	trk_exp e;
	weir_error ee = WEIR_ERROR_INIT;
	if (weir_trk_store_exp_get(db, a, id, &e, &ee) != 0)
		return absent_or_fail(&ee, err);
	const char *loc = weir_artifacts_uri_rel(a, e.artifact_location);
	if (loc && *loc && holds(loc, path)) {
		o->kind = WEIR_ARTIFACT_OWNER_EXPERIMENT;
		o->experiment_id = id;
	}
	return 0;
}

/* Whether segment path[start..end) is the id of a logged model (`model`) or run whose
 * directory holds `path`: 1 with o set, 0 when not, -1 on failure. */
static int segment_owner(weir_db *db, weir_arena *a, const char *path, size_t start, size_t end, bool model,
			 weir_artifact_owner *o, weir_error *err)
{
	if (!is_owner_id(model, path + start, end - start))
		return 0;
	const char *id = weir_arena_strndup(a, path + start, end - start);
	const char *dir;
	int64_t exp = 0;
	if (owner_dir(db, a, model, id, &dir, &exp, false, err) != 0)
		return -1;
	if (dir == NULL || *dir == '\0' || !holds(dir, path))
		return 0;
	o->kind = model ? WEIR_ARTIFACT_OWNER_LOGGED_MODEL : WEIR_ARTIFACT_OWNER_RUN;
	o->run_id = id;
	o->experiment_id = exp;
	return 1;
}

/* The container of `path`: the deepest run or logged model whose directory holds it, else
 * the experiment whose artifact_location holds it, else NONE. */
static int resolve_container(weir_db *db, weir_arena *a, const char *path, weir_artifact_owner *o, weir_error *err)
{
	memset(o, 0, sizeof(*o));
	o->kind = WEIR_ARTIFACT_OWNER_NONE;
	/* runs and logged models: every 32-hex or "m-" + 32-hex segment, deepest first */
	for (size_t end = strlen(path); end > 0;) {
		size_t start = end;
		while (start > 0 && path[start - 1] != '/')
			start--;
		int found = segment_owner(db, a, path, start, end, true, o, err);
		if (found == 0)
			found = segment_owner(db, a, path, start, end, false, o, err);
		if (found != 0)
			return found < 0 ? -1 : 0;
		end = start > 0 ? start - 1 : 0;
	}
	/* experiments: the default layout (the first segment is the experiment id), else one
	 * whose artifact_location is mlflow-artifacts:/<a prefix of the path> */
	size_t d = strspn(path, "0123456789");
	if (d > 0 && d <= 18 && (path[d] == '\0' || path[d] == '/')) {
		if (experiment_holds(db, a, strtoll(path, NULL, 10), path, o, err) != 0)
			return -1;
		if (o->kind != WEIR_ARTIFACT_OWNER_NONE)
			return 0;
	}
	/* the first 16 prefixes at most: a location is never deeper, and a path of 2,000
	 * segments must not become 2,000 candidates */
	json_t *locs = json_array();
	for (size_t end = 1, depth = 0; end <= strlen(path) && depth < 16; end++) {
		if (path[end] != '/' && path[end] != '\0')
			continue;
		depth++;
		json_t *l1 = json_string(weir_arena_printf(a, "mlflow-artifacts:/%.*s", (int)end, path));
		json_t *l2 = json_string(weir_arena_printf(a, "mlflow-artifacts:/%.*s/", (int)end, path));
		if (l1) /* not UTF-8: no experiment's location either */
			json_array_append_new(locs, l1);
		if (l2)
			json_array_append_new(locs, l2);
	}
	char *text = json_dumps(locs, JSON_COMPACT);
	json_decref(locs);
	int64_t id = 0;
	bool found = false;
	int rc = text ? weir_tracking_store_exp_by_location(db, text, &id, &found, err) : 0;
	free(text);
	if (rc != 0)
		return -1;
	return found ? experiment_holds(db, a, id, path, o, err) : 0;
}

/* After the scheme of a runs:/<run id>[/sub] or (`model`) models:/<logged model id>[/sub]
 * source: the store path it names in the owner's artifact directory, or NULL. */
static int owner_source_rel(weir_db *db, weir_arena *a, bool model, const char *p, const char **rel, weir_error *err)
{
	while (*p == '/')
		p++;
	size_t idl = strcspn(p, "/");
	if (!is_owner_id(model, p, idl))
		return 0;
	const char *dir;
	int64_t exp;
	if (owner_dir(db, a, model, weir_arena_strndup(a, p, idl), &dir, &exp, true, err) != 0)
		return -1;
	if (dir)
		*rel = normalize_rel(a, weir_arena_printf(a, "%s/%s", dir, p + idl));
	return 0;
}

/* The store path that a model version's source `dec` (decoded as the caller chose) names,
 * or NULL. models:/<logged model id>[/sub] is the model's artifact directory (MLflow 3);
 * models:/<name>/<version> and the like name no file of this store. */
static int decoded_source_rel(weir_db *db, weir_arena *a, const char *dec, const char **rel, weir_error *err)
{
	*rel = NULL;
	if (starts_with_ci(dec, "models:"))
		return owner_source_rel(db, a, true, dec + 7, rel, err);
	if (starts_with_ci(dec, "runs:"))
		return owner_source_rel(db, a, false, dec + 5, rel, err);
	*rel = decoded_uri_rel(a, dec);
	return 0;
}

/* The store paths a model version's source names (*n of them, at most 3, distinct): read
 * as written, decoded once (what a client's URL reaches: the server decodes a request path
 * once) and decoded until stable (what MLflow's source check reasons about). Claiming all
 * of them only ever adds owners. */
static int version_rels(weir_db *db, weir_arena *a, const char *source, const char *rels[3], size_t *n, weir_error *err)
{
	static const size_t rounds[3] = {0, 1, DECODE_STABLE};
	*n = 0;
	for (int i = 0; i < 3; i++) {
		const char *dec = decode_rounds(a, source, rounds[i]);
		const char *rel;
		if (dec == NULL)
			continue;
		if (decoded_source_rel(db, a, dec, &rel, err) != 0)
			return -1;
		bool dup = rel == NULL;
		for (size_t k = 0; k < *n && !dup; k++)
			dup = strcmp(rels[k], rel) == 0;
		if (!dup)
			rels[(*n)++] = rel;
	}
	return 0;
}

/* ---- model versions' claims on store paths, cached per change generation
 *
 * Which versions name a path is a question about every version (sources are free text:
 * "mlflow-artifacts:/1/%72un/..." names the same files as ".../1/run/..."), answered from
 * a list of (store path, model, version) sorted by path, built by one scan of
 * model_versions and shared by every request of the same change generation (core/db.h).
 * `registered_models` is watched: creating a version bumps its max_version, and so the
 * generation. A version's source never changes; a deleted version is found by the
 * existence check of every claim that matches (claims_match), so a stale list never
 * hides a new version and never keeps a deleted one. Measured: the scan and decoding of
 * 20,000 versions cost ~20 ms; a lookup in the list costs a few binary searches. */

typedef struct claim {
	const char *rel;
	const char *model_id;
	int64_t version;
} claim;

typedef struct claim_set {
	uint64_t gen; /* 0: not shared */
	int refs; /* under claims_mu */
	size_t n;
	claim *v; /* sorted by rel */
	weir_arena *arena; /* owns v and its strings */
} claim_set;

static pthread_mutex_t claims_mu = PTHREAD_MUTEX_INITIALIZER;
static claim_set *claims_cur;
static pthread_once_t claims_watch_once = PTHREAD_ONCE_INIT;

static void claims_watch(void) { weir_db_watch("registered_models"); }

void weir_artifacts_start(void) { pthread_once(&claims_watch_once, claims_watch); }

static void claims_unref(claim_set *cs)
{
	if (cs == NULL)
		return;
	pthread_mutex_lock(&claims_mu);
	bool last = --cs->refs == 0;
	pthread_mutex_unlock(&claims_mu);
	if (last) {
		weir_arena_free(cs->arena);
		free(cs);
	}
}

void weir_artifacts_stop(void)
{
	pthread_mutex_lock(&claims_mu);
	claim_set *cs = claims_cur;
	claims_cur = NULL;
	pthread_mutex_unlock(&claims_mu);
	claims_unref(cs);
}

static int cmp_claims(const void *x, const void *y) { return strcmp(((const claim *)x)->rel, ((const claim *)y)->rel); }

static claim_set *claims_build(weir_db *db, uint64_t gen, weir_error *err)
{
	weir_arena *tmp = weir_arena_new(1 << 16);
	claim_set *cs = calloc(1, sizeof(*cs));
	cs->arena = weir_arena_new(1 << 14);
	cs->gen = gen;
	cs->refs = 1;
	weir_registry_version_ref *refs;
	size_t nrefs;
	if (weir_registry_versions_in_store(db, tmp, &refs, &nrefs, err) != 0)
		goto fail;
	cs->v = weir_arena_alloc(cs->arena, (3 * nrefs + 1) * sizeof(*cs->v));
	for (size_t i = 0; i < nrefs; i++) {
		const char *rels[3];
		size_t nrels;
		if (version_rels(db, tmp, refs[i].source, rels, &nrels, err) != 0)
			goto fail;
		const char *model_id = nrels ? weir_arena_strdup(cs->arena, refs[i].model_id) : NULL;
		for (size_t k = 0; k < nrels; k++)
			cs->v[cs->n++] = (claim){weir_arena_strdup(cs->arena, rels[k]), model_id, refs[i].version};
	}
	qsort(cs->v, cs->n, sizeof(*cs->v), cmp_claims);
	weir_arena_free(tmp);
	return cs;
fail:
	weir_arena_free(tmp);
	weir_arena_free(cs->arena);
	free(cs);
	return NULL;
}

/* The claims as of the request's snapshot: the shared list when it is of the same
 * generation, else a new one (shared when newer than the current). Caller unrefs. */
static claim_set *claims_get(weir_db *db, weir_error *err)
{
	pthread_once(&claims_watch_once, claims_watch);
	uint64_t gen = weir_db_generation(db); /* 0 inside a write transaction: never shared */
	if (gen != 0) {
		pthread_mutex_lock(&claims_mu);
		claim_set *cs = claims_cur && claims_cur->gen == gen ? claims_cur : NULL;
		if (cs)
			cs->refs++;
		pthread_mutex_unlock(&claims_mu);
		if (cs)
			return cs;
	}
	claim_set *cs = claims_build(db, gen, err);
	if (cs == NULL || gen == 0)
		return cs;
	claim_set *old = NULL;
	pthread_mutex_lock(&claims_mu);
	if (claims_cur == NULL || claims_cur->gen < gen) {
		old = claims_cur;
		claims_cur = cs;
		cs->refs++;
	}
	pthread_mutex_unlock(&claims_mu);
	claims_unref(old);
	return cs;
}

/* Index of the first claim whose rel is >= key. */
static size_t claims_lower(const claim_set *cs, const char *key, size_t keylen)
{
	size_t lo = 0, hi = cs->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strncmp(cs->v[mid].rel, key, keylen);
		if (c < 0 || (c == 0 && strlen(cs->v[mid].rel) < keylen))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Appends an owner for claim c to owners (k used of cap; grown in the arena, the array
 * returned) unless its version no longer exists (deleted since the list was built). Other
 * failures keep the claim: fail closed. */
static weir_artifact_owner *claims_add(weir_db *db, weir_arena *a, const claim *c, weir_artifact_owner *owners,
				       size_t *k, size_t *cap)
{
	weir_error e = WEIR_ERROR_INIT;
	if (weir_registry_version_exists(db, c->model_id, "", c->version, &e) != 0 && e.code == WEIR_E_NOT_FOUND)
		return owners;
	if (*k == *cap) {
		weir_artifact_owner *grown = weir_arena_alloc(a, 2 * *cap * sizeof(*owners));
		memcpy(grown, owners, *k * sizeof(*owners));
		owners = grown;
		*cap *= 2;
	}
	weir_artifact_owner *o = &owners[(*k)++];
	memset(o, 0, sizeof(*o));
	o->kind = WEIR_ARTIFACT_OWNER_MODEL_VERSION;
	o->model_id = c->model_id;
	o->version = c->version;
	return owners;
}

int weir_artifacts_resolve(weir_db *db, weir_arena *a, const char *path, weir_artifacts_op op,
			   weir_artifact_owner **out, size_t *n, weir_error *err)
{
	if (path == NULL)
		path = "";
	if (weir_artifacts_path_check(path, true, err) != 0)
		return -1;
	weir_artifact_owner container;
	if (resolve_container(db, a, path, &container, err) != 0)
		return -1;
	claim_set *cs = claims_get(db, err);
	if (cs == NULL)
		return -1;
	/* the versions whose files hold the path: claims on "" and on each prefix ending at a
	 * segment's end ("a", "a/b", ... the path itself) */
	size_t len = strlen(path), k = 1, cap = 8;
	weir_artifact_owner *owners = weir_arena_alloc(a, cap * sizeof(*owners));
	owners[0] = container;
	for (size_t pl = 0;;) {
		for (size_t i = claims_lower(cs, path, pl);
		     i < cs->n && strlen(cs->v[i].rel) == pl && strncmp(cs->v[i].rel, path, pl) == 0; i++)
			owners = claims_add(db, a, &cs->v[i], owners, &k, &cap);
		if (pl == len)
			break;
		if (pl > 0)
			pl++; /* past the '/' */
		while (pl < len && path[pl] != '/')
			pl++;
	}
	bool in_version = k > 1;
	/* WRITE: also the versions whose files lie below the path (deleting or overwriting a
	 * directory changes them) */
	if (op == WEIR_ARTIFACTS_WRITE) {
		const char *below = len ? weir_arena_printf(a, "%s/", path) : "";
		size_t bl = strlen(below);
		for (size_t i = claims_lower(cs, below, bl); i < cs->n && strncmp(cs->v[i].rel, below, bl) == 0; i++) {
			if (bl == 0 && cs->v[i].rel[0] == '\0')
				continue; /* the root's own claims were taken above */
			owners = claims_add(db, a, &cs->v[i], owners, &k, &cap);
		}
	}
	claims_unref(cs);
	/* in no experiment or run but in a version's files: the path is that version's */
	if (container.kind == WEIR_ARTIFACT_OWNER_NONE && in_version) {
		owners++;
		k--;
	}
	*out = owners;
	*n = k;
	return 0;
}

/* The answer for a file the caller may not know about: that of a missing file. */
static int hidden(const char *path, weir_error *err)
{
	return weir_error_set(err, WEIR_E_NOT_FOUND, "Artifact '%.200s' not found", path);
}

/* One owner's rule (weir_artifacts_authorize). 0 allowed, -1 with err: hidden (404) or
 * denied (403) or a failure. */
static int owner_check(weir_db *db, weir_arena *a, const weir_principal *p, weir_artifacts_op op,
		       const weir_artifact_owner *o, const char *path, weir_error *err)
{
	switch (o->kind) {
	case WEIR_ARTIFACT_OWNER_NONE: return p->is_admin ? 0 : hidden(path, err);
	case WEIR_ARTIFACT_OWNER_EXPERIMENT:
	case WEIR_ARTIFACT_OWNER_RUN:
	case WEIR_ARTIFACT_OWNER_LOGGED_MODEL:
		/* not catalog securables: any authenticated principal may read and change them
		 * through the tracking API (registry/tracking.h), so also their files */
		return 0;
	case WEIR_ARTIFACT_OWNER_MODEL_VERSION: {
		weir_securable s;
		weir_error e = WEIR_ERROR_INIT;
		if (weir_gov_resolve_id(db, a, p, o->model_id, &s, &e) != 0)
			return hidden(path, err); /* a model p may not browse */
		return weir_gov_check(db, p, op == WEIR_ARTIFACTS_READ ? WEIR_OP_READ_DATA : WEIR_OP_WRITE_DATA, &s,
				      err);
	}
	}
	return hidden(path, err); /* an owner kind without a rule: nobody */
}

/* Checks `op` against the owners of `path` as resolved for `scope` (READ: what holds the
 * path; WRITE: that and every version below it). */
static int authorize_scoped(weir_db *db, weir_arena *a, const weir_principal *p, weir_artifacts_op op,
			    weir_artifacts_op scope, const char *path, weir_error *err)
{
	if (path == NULL)
		path = "";
	if (p == NULL)
		return hidden(path, err);
	/* a write names a file or directory, never the store itself: 400 for everyone */
	if (weir_artifacts_path_check(path, scope == WEIR_ARTIFACTS_READ, err) != 0)
		return -1;
	weir_artifact_owner *owners;
	size_t n;
	if (weir_artifacts_resolve(db, a, path, scope, &owners, &n, err) != 0)
		return -1;
	/* every owner must allow; a hidden owner answers before a visible one that refuses */
	weir_error denied = WEIR_ERROR_INIT;
	bool refused = false;
	for (size_t i = 0; i < n; i++) {
		/* the same model twice (two versions on the same files) is one check */
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = owners[j].kind == owners[i].kind &&
			       owners[i].kind == WEIR_ARTIFACT_OWNER_MODEL_VERSION &&
			       strcmp(owners[j].model_id, owners[i].model_id) == 0;
		if (seen)
			continue;
		weir_error e = WEIR_ERROR_INIT;
		if (owner_check(db, a, p, op, &owners[i], path, &e) == 0)
			continue;
		if (e.code == WEIR_E_NOT_FOUND) {
			*err = e;
			return -1;
		}
		if (!refused) {
			denied = e;
			refused = true;
		}
	}
	if (refused) {
		*err = denied;
		return -1;
	}
	return 0;
}

int weir_artifacts_authorize(weir_db *db, weir_arena *a, const weir_principal *p, weir_artifacts_op op,
			     const char *path, weir_error *err)
{
	return authorize_scoped(db, a, p, op, op, path, err);
}

int weir_artifacts_authorize_under(weir_db *db, weir_arena *a, const weir_principal *p, weir_artifacts_op op,
				   const char *root_uri, const char *sub, weir_error *err)
{
	const char *rel = weir_artifacts_uri_rel(a, root_uri);
	if (rel == NULL)
		return 0;
	const char *path = sub && *sub ? (*rel ? weir_arena_printf(a, "%s/%s", rel, sub) : sub) : rel;
	if (weir_artifacts_path_check(path, true, NULL) != 0)
		return 0;
	return weir_artifacts_authorize(db, a, p, op, path, err);
}

int weir_artifacts_source_readable(weir_db *db, weir_arena *a, const weir_principal *p, const char *source,
				   weir_error *err)
{
	const char *rels[3];
	size_t n = 0;
	if (source == NULL || p == NULL || version_rels(db, a, source, rels, &n, err) != 0)
		return source == NULL || p == NULL ? 0 : -1;
	for (size_t i = 0; i < n; i++) {
		weir_error e = WEIR_ERROR_INIT;
		/* the files a new version would claim include every model's files below the path;
		 * the whole store ("") is for admins only */
		if (rels[i][0] == '\0') {
			if (p->is_admin)
				continue;
		} else if (authorize_scoped(db, a, p, WEIR_ARTIFACTS_READ, WEIR_ARTIFACTS_WRITE, rels[i], &e) == 0) {
			continue;
		} else if (e.code != WEIR_E_NOT_FOUND && e.code != WEIR_E_PERMISSION_DENIED) {
			*err = e;
			return -1;
		}
		/* hidden, refused and absent-in-no-object alike: nothing about the files leaks */
		return weir_error_field(err, WEIR_E_PERMISSION_DENIED, "source",
					"The caller may not read the files that 'source' names");
	}
	return 0;
}
