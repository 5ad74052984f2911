/* The MLflow artifact store on local disk (registry/artifacts.h). Everything is relative
 * to DATA/artifacts; every path is checked before it reaches the file system. */
#include "registry/artifacts.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/util.h"
#include "governance/catalog.h"

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
							"'.' or '..' are not allowed", path);
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

const char *weir_artifacts_root(weir_arena *a)
{
	return weir_arena_printf(a, "%s/artifacts", weir_catalog_data_dir());
}

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
		return weir_error_set(err, WEIR_E_RESOURCE_DOES_NOT_EXIST, "Artifact '%.200s' not found", rel);
	struct stat st;
	if (fstat(f, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(f);
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "path",
					"Artifact '%.200s' is a directory", rel);
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
		return weir_error_set(err, WEIR_E_RESOURCE_DOES_NOT_EXIST, "Artifact '%.200s' not found", rel);
	if (rm_tree(p) != 0) {
		weir_log_error("artifacts: delete failed: %s", strerror(errno));
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "cannot delete the artifact");
	}
	fsync_dir(p);
	return 0;
}

static int cmp_names(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

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
		json_t *name = json_string(prefix && *prefix ? weir_arena_printf(a, "%s/%s", prefix, names[i]) : names[i]);
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
