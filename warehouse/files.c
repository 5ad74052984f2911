/* Files in Unity Catalog volumes (warehouse/files.h): the Files API path reader, the volume
 * resolver, and the file system operations. Every operation walks from the volume's
 * directory one name at a time with O_NOFOLLOW, so nothing outside the volume is reached
 * even through a symbolic link somebody placed inside it; messages name Files API paths,
 * never paths on disk. */
#include "warehouse/files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/util.h"
#include "governance/catalog.h"
#include "warehouse/wh_internal.h"

#define PREFIX "/Volumes/"
#define PREFIX_LEN 9
#define PAGE_MAX 1000

static int bad_path(weir_error *err, const char *why)
{
	return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "path", "Invalid path: %s", why);
}

int weir_files_path_parse(weir_arena *a, const char *path, bool directory, weir_files_path *out, weir_error *err)
{
	memset(out, 0, sizeof(*out));
	if (path == NULL || strncmp(path, PREFIX, PREFIX_LEN) != 0)
		return bad_path(err, "only paths under /Volumes/<catalog>/<schema>/<volume> are supported");
	size_t n = strlen(path);
	if (n > WEIR_FILES_MAX_PATH)
		return bad_path(err, "the path is too long");
	if (!weir_utf8_valid(path, n))
		return bad_path(err, "the path is not valid UTF-8");
	size_t end = n;
	if (directory && n > PREFIX_LEN && path[n - 1] == '/')
		end = n - 1; /* "/Volumes/c/s/v/dir/" names the directory */
	const char *names[3] = {NULL, NULL, NULL};
	size_t lens[3] = {0, 0, 0};
	int k = 0;
	size_t rel_start = end, seg = PREFIX_LEN;
	for (size_t i = PREFIX_LEN; i <= end; i++) {
		unsigned char c = i < end ? (unsigned char)path[i] : '/';
		if (c != '/') {
			if (c < 0x20 || c == 0x7f)
				return bad_path(err, "control characters are not allowed");
			if (c == '\\')
				return bad_path(err, "backslashes are not allowed");
			continue;
		}
		size_t len = i - seg;
		if (len == 0)
			return bad_path(err, "empty segments are not allowed");
		if ((len == 1 && path[seg] == '.') || (len == 2 && path[seg] == '.' && path[seg + 1] == '.'))
			return bad_path(err, "'.' and '..' segments are not allowed");
		if (len > WEIR_FILES_MAX_SEGMENT)
			return bad_path(err, "a name is longer than 255 bytes");
		if (k < 3) {
			names[k] = path + seg;
			lens[k] = len;
			if (++k == 3)
				rel_start = i + 1;
		}
		seg = i + 1;
	}
	if (k < 3)
		return bad_path(err, "the path names no volume (/Volumes/<catalog>/<schema>/<volume>)");
	out->catalog = weir_arena_strndup(a, names[0], lens[0]);
	out->schema = weir_arena_strndup(a, names[1], lens[1]);
	out->volume = weir_arena_strndup(a, names[2], lens[2]);
	out->volume_full = weir_arena_printf(a, "%s.%s.%s", out->catalog, out->schema, out->volume);
	out->rel = rel_start < end ? weir_arena_strndup(a, path + rel_start, end - rel_start) : "";
	out->path = weir_arena_strndup(a, path, end);
	if (!directory && out->rel[0] == '\0')
		return bad_path(err, "the path names a volume, not a file");
	return 0;
}

/* A managed volume's directory: DATA/volumes/<its id>. */
static const char *volume_root(weir_arena *a, const char *id)
{
	return weir_arena_printf(a, "%s/volumes/%s", weir_catalog_data_dir(), id);
}

int weir_files_resolve(weir_db *db, weir_arena *a, const weir_principal *p, const weir_files_path *fp,
		       weir_securable *s, const char **root, weir_error *err)
{
	if (weir_gov_resolve(db, a, p, WEIR_SEC_VOLUME, fp->volume_full, s, err) != 0)
		return -1;
	json_t *info = weir_catalog_get(db, a, s, true, true, err);
	if (info == NULL)
		return -1;
	const char *type = json_string_value(json_object_get(info, "volume_type"));
	bool managed = type && strcmp(type, "MANAGED") == 0;
	json_decref(info);
	if (!managed)
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "path",
					"Volume '%.300s' is EXTERNAL: only the files of MANAGED volumes are served",
					fp->volume_full);
	*root = volume_root(a, s->id);
	return 0;
}

int weir_files_volume_dir_ex(weir_db *db, weir_arena *a, const weir_principal *p, const char *volume_path, bool write,
			     const char **abs_dir, weir_securable *vol, weir_error *err)
{
	weir_files_path fp;
	weir_securable s;
	const char *root;
	if (weir_files_path_parse(a, volume_path, true, &fp, err) != 0 ||
	    weir_files_resolve(db, a, p, &fp, &s, &root, err) != 0 ||
	    weir_gov_check(db, p, write ? WEIR_OP_WRITE_DATA : WEIR_OP_READ_DATA, &s, err) != 0)
		return -1;
	*abs_dir = fp.rel[0] ? weir_arena_printf(a, "%s/%s", root, fp.rel) : root;
	if (vol)
		*vol = s;
	return 0;
}

int weir_files_volume_dir(weir_db *db, weir_arena *a, const weir_principal *p, const char *volume_path, bool write,
			  const char **abs_dir, weir_error *err)
{
	return weir_files_volume_dir_ex(db, a, p, volume_path, write, abs_dir, NULL, err);
}

/* ---------------------------------------------------------------- walking without following links */

static int not_found(weir_error *err, const weir_files_path *fp, bool directory)
{
	return weir_error_set(err, WEIR_E_NOT_FOUND, "%s '%.300s' does not exist", directory ? "Directory" : "File",
			      fp->path);
}

static int io_error(weir_error *err, const char *what)
{
	weir_log_error("files: %s failed: %s", what, strerror(errno));
	return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "the volume's files cannot be changed or read");
}

/* The names of rel (arena copies); *n of them. */
static char **split(weir_arena *a, const char *rel, int *n)
{
	int count = rel[0] ? 1 : 0;
	for (const char *c = rel; *c; c++)
		count += *c == '/';
	char **segs = weir_arena_calloc(a, sizeof(*segs) * (size_t)(count + 1));
	char *copy = weir_arena_strdup(a, rel);
	int i = 0;
	for (char *save = NULL, *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save))
		segs[i++] = t;
	*n = i;
	return segs;
}

/* The volume's directory, opened (O_NOFOLLOW); created with DATA/volumes when create.
 * -1 with errno. */
static int open_root(const char *root, bool create)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 || !create || errno != ENOENT)
		return fd;
	char parent[4200];
	snprintf(parent, sizeof(parent), "%s/volumes", weir_catalog_data_dir());
	if (mkdir(parent, 0700) != 0 && errno != EEXIST)
		return -1;
	if (mkdir(root, 0700) != 0 && errno != EEXIST)
		return -1;
	return open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* The directory root/segs[0]/.../segs[n-1], each step opened with O_NOFOLLOW; missing ones
 * made when create. -1 with errno: ENOENT (missing), ENOTDIR (a file on the way), ELOOP (a
 * symbolic link on the way), or a real failure. */
static int open_dir(const char *root, char **segs, int n, bool create)
{
	int fd = open_root(root, create);
	for (int i = 0; fd >= 0 && i < n; i++) {
		if (create && mkdirat(fd, segs[i], 0700) != 0 && errno != EEXIST) {
			int saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
		int next = openat(fd, segs[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int saved = errno;
		close(fd);
		errno = saved;
		fd = next;
	}
	return fd;
}

static bool missing_errno(void) { return errno == ENOENT || errno == ENOTDIR || errno == ELOOP; }

static void fill_stat(const struct stat *st, weir_files_stat *out)
{
	out->is_dir = S_ISDIR(st->st_mode);
	out->size = out->is_dir ? 0 : (uint64_t)st->st_size;
	out->mtime_ms = (int64_t)st->st_mtim.tv_sec * 1000 + st->st_mtim.tv_nsec / 1000000;
}

/* The parent directory of fp's last name, opened; *leaf is that name. -1 with errno. */
static int open_parent(weir_arena *a, const char *root, const weir_files_path *fp, bool create, const char **leaf)
{
	int n;
	char **segs = split(a, fp->rel, &n);
	*leaf = segs[n - 1];
	return open_dir(root, segs, n - 1, create);
}

int weir_files_stat_path(weir_arena *a, const char *root, const weir_files_path *fp, bool directory,
			 weir_files_stat *out, weir_error *err)
{
	memset(out, 0, sizeof(*out));
	struct stat st;
	if (fp->rel[0] == '\0') { /* the volume itself: there even before its first file */
		if (!directory)
			return not_found(err, fp, false);
		out->is_dir = true;
		int fd = open_root(root, false);
		if (fd >= 0) {
			if (fstat(fd, &st) == 0)
				fill_stat(&st, out);
			close(fd);
		}
		return 0;
	}
	const char *leaf;
	int pfd = open_parent(a, root, fp, false, &leaf);
	if (pfd < 0)
		return missing_errno() ? not_found(err, fp, directory) : io_error(err, "open");
	int rc = fstatat(pfd, leaf, &st, AT_SYMLINK_NOFOLLOW);
	int saved = errno;
	close(pfd);
	errno = saved;
	if (rc != 0)
		return missing_errno() ? not_found(err, fp, directory) : io_error(err, "stat");
	if (directory ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
		return not_found(err, fp, directory);
	fill_stat(&st, out);
	return 0;
}

int weir_files_open(weir_arena *a, const char *root, const weir_files_path *fp, int *fd, weir_files_stat *out,
		    weir_error *err)
{
	const char *leaf;
	int pfd = open_parent(a, root, fp, false, &leaf);
	if (pfd < 0)
		return missing_errno() ? not_found(err, fp, false) : io_error(err, "open");
	int f = openat(pfd, leaf, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	int saved = errno;
	close(pfd);
	errno = saved;
	if (f < 0)
		return missing_errno() || errno == EISDIR ? not_found(err, fp, false) : io_error(err, "open");
	struct stat st;
	if (fstat(f, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(f);
		return not_found(err, fp, false);
	}
	fcntl(f, F_SETFL, fcntl(f, F_GETFL) & ~O_NONBLOCK);
	fill_stat(&st, out);
	*fd = f;
	return 0;
}

/* An empty temp file in DATA/tmp, named by mkstemp like the server's uploads (so startup
 * removes it if a crash leaves it). */
static int empty_temp(weir_arena *a, const char **path)
{
	char *dir = weir_arena_printf(a, "%s/tmp", weir_catalog_data_dir());
	mkdir(dir, 0700);
	char *p = weir_arena_printf(a, "%s/upload-XXXXXX", dir);
	int fd = mkostemp(p, O_CLOEXEC);
	*path = fd >= 0 ? p : NULL;
	return fd;
}

int weir_files_put(weir_arena *a, const char *root, const weir_files_path *fp, const char *tmp_path, int tmp_fd,
		   bool overwrite, weir_error *err)
{
	int rc = -1, own_fd = -1;
	const char *own_tmp = NULL;
	const char *leaf;
	int pfd = open_parent(a, root, fp, true, &leaf);
	if (pfd < 0) {
		if (missing_errno())
			return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "path",
						"Invalid path: a parent of '%.300s' is a file", fp->path);
		return io_error(err, "mkdir");
	}
	if (tmp_path == NULL) { /* an empty body: the server made no temp file */
		own_fd = empty_temp(a, &own_tmp);
		if (own_fd < 0) {
			io_error(err, "temp file");
			goto out_close;
		}
		tmp_path = own_tmp;
		tmp_fd = own_fd;
	}
	if (fsync(tmp_fd) != 0) {
		io_error(err, "fsync");
		goto out_close;
	}
	if (overwrite) {
		if (renameat(AT_FDCWD, tmp_path, pfd, leaf) != 0) {
			if (errno == EISDIR || errno == ENOTEMPTY || errno == EEXIST)
				weir_error_set(err, WEIR_E_ALREADY_EXISTS, "A directory exists at '%.300s'", fp->path);
			else
				io_error(err, "rename");
			goto out_close;
		}
	} else {
		/* link, then drop the temp name: an existing file is never replaced, not even by an
		 * upload that finished between a check and the rename */
		if (linkat(AT_FDCWD, tmp_path, pfd, leaf, 0) != 0) {
			if (errno == EEXIST)
				weir_error_set(err, WEIR_E_ALREADY_EXISTS, "File '%.300s' already exists", fp->path);
			else
				io_error(err, "link");
			goto out_close;
		}
		unlink(tmp_path);
	}
	fsync(pfd);
	own_tmp = NULL; /* kept: nothing to remove */
	rc = 0;
out_close:
	if (own_fd >= 0)
		close(own_fd);
	if (own_tmp)
		unlink(own_tmp);
	close(pfd);
	return rc;
}

/* Removes the file (dir: the empty directory) fp names: one open of its parent, a check of
 * what is there (a missing one and one of the other kind are both not found), the unlink,
 * and the parent's fsync, so that the removal is durable before the reply. */
static int remove_entry(weir_arena *a, const char *root, const weir_files_path *fp, bool dir, weir_error *err)
{
	const char *leaf;
	int pfd = open_parent(a, root, fp, false, &leaf);
	if (pfd < 0)
		return missing_errno() ? not_found(err, fp, dir) : io_error(err, "open");
	struct stat st;
	int rc = -1;
	if (fstatat(pfd, leaf, &st, AT_SYMLINK_NOFOLLOW) != 0 || !(dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode))) {
		not_found(err, fp, dir);
		goto out_close;
	}
	if (unlinkat(pfd, leaf, dir ? AT_REMOVEDIR : 0) != 0) {
		if (dir && (errno == ENOTEMPTY || errno == EEXIST))
			weir_error_set(err, WEIR_E_FILES_API_DIRECTORY_IS_NOT_EMPTY,
				       "Directory '%.300s' is not empty: delete its files and directories first",
				       fp->path);
		else if (errno == ENOENT)
			not_found(err, fp, dir);
		else
			io_error(err, dir ? "rmdir" : "unlink");
		goto out_close;
	}
	fsync(pfd);
	rc = 0;
out_close:
	close(pfd);
	return rc;
}

int weir_files_delete(weir_arena *a, const char *root, const weir_files_path *fp, weir_error *err)
{
	return remove_entry(a, root, fp, false, err);
}

int weir_files_mkdir(weir_arena *a, const char *root, const weir_files_path *fp, weir_error *err)
{
	int n;
	char **segs = split(a, fp->rel, &n);
	int fd = open_dir(root, segs, n, true);
	if (fd < 0) {
		if (missing_errno())
			return weir_error_set(err, WEIR_E_ALREADY_EXISTS, "A file exists at '%.300s' or above it",
					      fp->path);
		return io_error(err, "mkdir");
	}
	close(fd);
	return 0;
}

int weir_files_rmdir(weir_arena *a, const char *root, const weir_files_path *fp, weir_error *err)
{
	if (fp->rel[0] == '\0')
		return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "path",
					"Invalid path: the volume '%.300s' itself cannot be deleted", fp->path);
	return remove_entry(a, root, fp, true, err);
}

/* ---------------------------------------------------------------- listing */

typedef struct entry {
	char *name;
	weir_files_stat st;
} entry;

static int by_name(const void *x, const void *y) { return strcmp(((const entry *)x)->name, ((const entry *)y)->name); }

/* The page token is the last name answered, in hex: opaque to clients, any bytes inside. */
static const char *token_of(weir_arena *a, const char *name)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = strlen(name);
	char *t = weir_arena_alloc(a, 2 * n + 1);
	for (size_t i = 0; i < n; i++) {
		t[2 * i] = hex[(unsigned char)name[i] >> 4];
		t[2 * i + 1] = hex[(unsigned char)name[i] & 15];
	}
	t[2 * n] = '\0';
	return t;
}

static const char *name_of_token(weir_arena *a, const char *token)
{
	size_t n = strlen(token);
	if (n == 0 || n % 2 || n > 2 * WEIR_FILES_MAX_SEGMENT)
		return NULL;
	char *name = weir_arena_alloc(a, n / 2 + 1);
	for (size_t i = 0; i < n / 2; i++) {
		int hi = weir_hexval(token[2 * i]), lo = weir_hexval(token[2 * i + 1]);
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			return NULL;
		name[i] = (char)(hi * 16 + lo);
	}
	name[n / 2] = '\0';
	return name;
}

json_t *weir_files_list(weir_arena *a, const char *root, const weir_files_path *fp, int64_t page_size,
			const char *page_token, weir_error *err)
{
	if (page_size < 0) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "page_size",
				 "Invalid value for 'page_size': it must not be negative");
		return NULL;
	}
	if (page_size == 0 || page_size > PAGE_MAX)
		page_size = PAGE_MAX;
	const char *after = NULL;
	if (page_token && *page_token && (after = name_of_token(a, page_token)) == NULL) {
		weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "page_token",
				 "Invalid value for 'page_token': not a token this listing gave");
		return NULL;
	}
	weir_files_stat self;
	if (weir_files_stat_path(a, root, fp, true, &self, err) != 0)
		return NULL;
	int n;
	char **segs = split(a, fp->rel, &n);
	int fd = open_dir(root, segs, n, false);
	json_t *contents = json_array();
	json_t *out = json_pack("{s:o}", "contents", contents);
	if (fd < 0) {
		if (n == 0 && errno == ENOENT) /* a volume with no file yet */
			return out;
		json_decref(out);
		if (missing_errno()) {
			not_found(err, fp, true);
			return NULL;
		}
		io_error(err, "open");
		return NULL;
	}
	DIR *d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		json_decref(out);
		io_error(err, "opendir");
		return NULL;
	}
	size_t cap = 64, count = 0;
	entry *es = weir_xmalloc(cap * sizeof(*es));
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (after && strcmp(de->d_name, after) <= 0)
			continue;
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
			continue; /* only files and directories are in a volume */
		if (!weir_utf8_valid(de->d_name, strlen(de->d_name)))
			continue; /* not a name the API could have made */
		if (count == cap) {
			cap *= 2;
			es = weir_xrealloc(es, cap * sizeof(*es));
		}
		es[count].name = weir_arena_strdup(a, de->d_name);
		fill_stat(&st, &es[count].st);
		count++;
	}
	closedir(d);
	qsort(es, count, sizeof(*es), by_name);
	size_t take = count < (size_t)page_size ? count : (size_t)page_size;
	for (size_t i = 0; i < take; i++) {
		json_t *e = json_pack("{s:s, s:b, s:s}", "path", weir_arena_printf(a, "%s/%s", fp->path, es[i].name),
				      "is_directory", es[i].st.is_dir, "name", es[i].name);
		if (e == NULL)
			continue;
		if (!es[i].st.is_dir)
			json_object_set_new(e, "file_size", json_integer((json_int_t)es[i].st.size));
		json_object_set_new(e, "last_modified", json_integer(es[i].st.mtime_ms));
		json_array_append_new(contents, e);
	}
	if (take < count)
		json_object_set_new(out, "next_page_token", json_string(token_of(a, es[take - 1].name)));
	free(es);
	return out;
}

/* ---------------------------------------------------------------- deleted volumes */

static _Atomic(weir_db_pool *) sweep_pool;

void weir_files_set_pool(weir_db_pool *pool) { atomic_store(&sweep_pool, pool); }

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((flag == FTW_DP ? rmdir(path) : unlink(path)) != 0 && errno != ENOENT)
		weir_log_warn("files: removing a deleted volume's %s: %s", flag == FTW_DP ? "directory" : "file",
			      strerror(errno));
	return 0;
}

/* A deleted volume's directory (path), named by its id. */
static void volume_remove(const char *path, const char *id)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	weir_log_info("files: removed the files of deleted volume %s", id);
}

/* A table's data file and its WAL and shared-memory companions: "<id>.db[-wal|-shm]". */
static bool table_file(const char *name, char *id, size_t cap)
{
	const char *dot = strstr(name, ".db");
	if (dot == NULL || (size_t)(dot - name) >= cap || dot == name)
		return false;
	const char *rest = dot + 3;
	if (*rest != '\0' && strcmp(rest, "-wal") != 0 && strcmp(rest, "-shm") != 0)
		return false;
	memcpy(id, name, (size_t)(dot - name));
	id[dot - name] = '\0';
	return true;
}

void weir_files_sweep(weir_db_pool *pool)
{
	if (pool == NULL)
		return;
	weir_db *db = weir_db_acquire(pool);
	char dir[4200];
	for (int pass = 0; pass < 2; pass++) {
		bool tables = pass == 1;
		snprintf(dir, sizeof(dir), "%s/%s", weir_catalog_data_dir(), tables ? "warehouse" : "volumes");
		DIR *d = opendir(dir);
		if (d == NULL)
			continue;
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			char id[65];
			if (e->d_name[0] == '.' || strlen(e->d_name) > 64)
				continue;
			if (!tables)
				snprintf(id, sizeof(id), "%s", e->d_name);
			else if (!table_file(e->d_name, id, sizeof(id)))
				continue; /* not a table's file (a file being made: <id>.db.new-<random>) */
			weir_error err = WEIR_ERROR_INIT;
			if (weir_files_store_exists(db, tables ? "table" : "volume", id, &err) != 0)
				continue; /* exists, or cannot tell: keep it */
			char path[4300];
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			if (tables) {
				weir_wh__anchor_drop(id);
				if (unlink(path) != 0 && errno != ENOENT)
					weir_log_warn("files: removing a deleted table's %s: %s", e->d_name,
						      strerror(errno));
				continue;
			}
			volume_remove(path, e->d_name);
		}
		closedir(d);
	}
	weir_db_release(db);
}

void weir_files_after_delete(void *unused)
{
	(void)unused;
	weir_files_sweep(atomic_load(&sweep_pool));
}

/* An id the server made (a uuid): nothing else may name a file here. */
static bool plain_id(const char *id)
{
	size_t n = strspn(id, "0123456789abcdef-");
	return n > 0 && n <= 64 && id[n] == '\0';
}

void weir_files_after_table_delete(void *table_id)
{
	const char *id = table_id;
	if (!plain_id(id))
		return;
	weir_arena *a = weir_arena_new(0);
	weir_wh__table_remove(a, id);
	weir_arena_free(a);
}

void weir_files_after_volume_delete(void *volume_id)
{
	const char *id = volume_id;
	if (!plain_id(id))
		return;
	weir_arena *a = weir_arena_new(0);
	const char *path = volume_root(a, id);
	struct stat st;
	if (lstat(path, &st) == 0) /* else never written to */
		volume_remove(path, id);
	weir_arena_free(a);
}
