/* Files in Unity Catalog volumes: what the Databricks Files API (/api/2.0/fs/files and
 * /api/2.0/fs/directories) serves, and what other modules use to reach a volume's files.
 *
 * Paths are absolute Files API paths, "/Volumes/<catalog>/<schema>/<volume>[/<path>]". A
 * path is read lexically, never by the file system (weir_files_path_parse): '.' and '..'
 * segments, empty segments, backslashes, control characters and invalid UTF-8 are refused,
 * so no path names anything outside its volume. The volume is resolved through governance
 * as the caller (a volume the caller may not browse answers exactly as a missing one).
 *
 * Storage: a MANAGED volume's files are under DATA/volumes/<volume securable id>/ (named by
 * id, so renaming the volume, its schema or its catalog never moves them); the directory
 * appears with the first write. Every file system call walks the path one directory at a
 * time from the volume's directory with O_NOFOLLOW (openat, mkdirat, renameat, linkat,
 * unlinkat), so a symbolic link, wherever it came from, is never followed. Only regular
 * files and directories are visible. An upload is the server's temp file (DATA/tmp, named by
 * mkstemp), fsynced and then renamed into place (overwrite) or hard-linked (no overwrite:
 * an existing file is never replaced, even by a concurrent upload), so a reader sees the old
 * file or the whole new one and an interrupted upload leaves nothing. EXTERNAL volumes'
 * files are not served. */
#ifndef WEIR_WAREHOUSE_FILES_H
#define WEIR_WAREHOUSE_FILES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/error.h"
#include "governance/governance.h"

#define WEIR_FILES_MAX_PATH 4096 /* bytes of a whole Files API path */
#define WEIR_FILES_MAX_SEGMENT 255 /* bytes of one name */

/* A Files API path, read. All strings are arena copies. */
typedef struct weir_files_path {
	const char *catalog, *schema, *volume;
	const char *volume_full; /* "catalog.schema.volume" */
	const char *path; /* the normalized absolute path: "/Volumes/c/s/v[/rel]" (no trailing '/') */
	const char *rel; /* inside the volume, '/' separated, no leading or trailing '/'; "" is the volume */
} weir_files_path;

/* Reads `path` ("/Volumes/<c>/<s>/<v>/<rel>"). A directory path may be the volume itself
 * and may end with one '/'; a file path names something inside the volume. Refused with
 * 400 INVALID_PARAMETER_VALUE naming `path`: another root than /Volumes, fewer than three
 * names before the file, empty, '.' or '..' segments, backslashes, control characters
 * (NUL included), invalid UTF-8, a name longer than WEIR_FILES_MAX_SEGMENT bytes or a path
 * longer than WEIR_FILES_MAX_PATH. */
int weir_files_path_parse(weir_arena *a, const char *path, bool directory, weir_files_path *out, weir_error *err);

/* Resolves the volume of fp for p (weir_gov_resolve: missing and hidden answer the same
 * 404) into *s, and its directory on disk into *root (arena; it may not exist yet). An
 * EXTERNAL volume: 400 INVALID_PARAMETER_VALUE. Authorization is the caller's: READ_DATA
 * (READ VOLUME) to read, WRITE_DATA (WRITE VOLUME) to change, on *s. */
int weir_files_resolve(weir_db *db, weir_arena *a, const weir_principal *p, const weir_files_path *fp,
		       weir_securable *s, const char **root, weir_error *err);

/* For other modules (the workflows' file arrival triggers): resolves the directory path
 * `volume_path` ("/Volumes/c/s/v[/dir]") as p, checks READ VOLUME (or WRITE VOLUME when
 * write) with USE CATALOG and USE SCHEMA (403 PERMISSION_DENIED otherwise), and gives the
 * absolute directory on disk in *abs_dir (arena; it may not exist yet). */
int weir_files_volume_dir(weir_db *db, weir_arena *a, const weir_principal *p, const char *volume_path, bool write,
			  const char **abs_dir, weir_error *err);
/* weir_files_volume_dir, also giving the volume's securable in *vol (arena strings): what
 * read_files records as the source of its statement's lineage. */
int weir_files_volume_dir_ex(weir_db *db, weir_arena *a, const weir_principal *p, const char *volume_path, bool write,
			     const char **abs_dir, weir_securable *vol, weir_error *err);

/* What a file or directory is. */
typedef struct weir_files_stat {
	bool is_dir;
	uint64_t size; /* files */
	int64_t mtime_ms;
} weir_files_stat;

/* ---------------------------------------------------------------- the operations
 *
 * `root` is the volume's directory (weir_files_resolve) and fp the path in it. Not found
 * (also: a directory where a file is asked for, and the reverse): 404 NOT_FOUND naming the
 * Files API path, never a path on disk. */

/* Metadata of the file (directory false) or directory (true) at fp. The volume itself is a
 * directory that always exists. */
int weir_files_stat_path(weir_arena *a, const char *root, const weir_files_path *fp, bool directory,
			 weir_files_stat *out, weir_error *err);

/* Opens the file at fp for reading: *fd (the caller closes it) and its metadata. */
int weir_files_open(weir_arena *a, const char *root, const weir_files_path *fp, int *fd, weir_files_stat *out,
		    weir_error *err);

/* Stores the finished upload tmp_path (open as tmp_fd; NULL and -1 for an empty body: an
 * empty temp file is made in DATA/tmp) at fp, creating parent directories. Without
 * overwrite an existing file (or directory) is 409 ALREADY_EXISTS and nothing changes; with
 * it a directory at fp is 409 ALREADY_EXISTS. A parent that is a file: 400. On success the
 * temp file no longer exists under its old name; on failure it is left to the caller. */
int weir_files_put(weir_arena *a, const char *root, const weir_files_path *fp, const char *tmp_path, int tmp_fd,
		   bool overwrite, weir_error *err);

/* Deletes the file at fp. */
int weir_files_delete(weir_arena *a, const char *root, const weir_files_path *fp, weir_error *err);

/* Creates the directory at fp and its parents (an existing directory is fine; a file in the
 * way is 409 ALREADY_EXISTS). */
int weir_files_mkdir(weir_arena *a, const char *root, const weir_files_path *fp, weir_error *err);

/* Deletes the empty directory at fp: one with entries is 400
 * FILES_API_DIRECTORY_IS_NOT_EMPTY, the volume itself 400 INVALID_PARAMETER_VALUE. */
int weir_files_rmdir(weir_arena *a, const char *root, const weir_files_path *fp, weir_error *err);

/* One page of the directory at fp, in name order: {contents: [{path, is_directory,
 * file_size, last_modified, name}], next_page_token?}. page_size 0 is 1000, above 1000 is
 * 1000, negative is 400 naming page_size; page_token (from an earlier page: the last name
 * answered, hex) is 400 naming page_token when it is not one. The token is given only while
 * more remain. New reference. */
json_t *weir_files_list(weir_arena *a, const char *root, const weir_files_path *fp, int64_t page_size,
			const char *page_token, weir_error *err);

/* Removes the directories of MANAGED volumes and the data files of tables that no longer
 * exist (DATA/volumes/<id>, DATA/warehouse/<id>.db whose securable is gone: deleted, or
 * deleted with its schema or catalog, through REST or SQL). Run after the delete's commit
 * (weir_files_after_delete) and at start, so a crash between the two leaves nothing behind.
 * Never follows a symbolic link. A table's file is made only after its registration commits
 * (warehouse/wh_engine.c), so a file whose table is missing is garbage. */
void weir_files_sweep(weir_db_pool *pool);
/* The pool weir_files_after_delete uses (the warehouse module sets it at start). */
void weir_files_set_pool(weir_db_pool *pool);
/* weir_req_after_commit callback of a catalog or schema delete: the sweep above. */
void weir_files_after_delete(void *unused);
/* weir_req_after_commit callbacks of one table's or one volume's delete (arg: its id, which
 * names its files): only those files go, not a sweep of every table's (one existence query
 * per file in DATA/warehouse and DATA/volumes at every delete). */
void weir_files_after_table_delete(void *table_id);
void weir_files_after_volume_delete(void *volume_id);
/* Whether the securable `id` of type `type` ("volume", "table") exists: 1, 0, or -1 on a
 * database error. */
int weir_files_store_exists(weir_db *db, const char *type, const char *id, weir_error *err);

#endif
