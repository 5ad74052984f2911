/* The Databricks Files API over Unity Catalog volumes: /api/2.0/fs/files/Volumes/... (PUT
 * streamed to the server's temp file and renamed into place, GET streamed with single
 * Range reads, HEAD, DELETE) and /api/2.0/fs/directories/Volumes/... (PUT makes it and its
 * parents, GET lists a page, HEAD, DELETE of an empty directory). Paths and storage are
 * warehouse/files.h's. Every route is RULE_ON the volume: READ_DATA (READ VOLUME with USE
 * CATALOG and USE SCHEMA) to read, WRITE_DATA (WRITE VOLUME) to change; a volume the caller
 * may not browse answers as a missing one. An upload is refused on its head, before a body
 * byte is read, when the caller may not write there (or, with overwrite=false, when the
 * file exists). Changes are audited; reads are not. */
#include "api/http.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "warehouse/files.h"

#define OCTET "application/octet-stream"

/* The request's path as a Files API path, its volume resolved as the caller and the route's
 * rule checked on it. Replies the error itself (-1). */
static int resolve_or_reply(weir_req *r, bool directory, weir_files_path *fp, const char **root)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_securable s;
	const char *path = weir_arena_printf(r->arena, "/%s", weir_req_param(r, "path"));
	if (weir_files_path_parse(r->arena, path, directory, fp, &e) != 0)
		goto out_reply;
	weir_req_audit_securable(r, fp->volume_full);
	if (weir_files_resolve(weir_req_db(r), r->arena, r->principal, fp, &s, root, &e) != 0 ||
	    weir_req_authorize(r, &s, &e) != 0)
		goto out_reply;
	return 0;
out_reply:
	weir_reply_error(r, &e);
	return -1;
}

/* RFC 9110 IMF-fixdate. */
static const char *http_date(weir_arena *a, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char buf[64];
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	return weir_arena_strdup(a, buf);
}

static bool digits(const char **s, uint64_t *out)
{
	const char *p = *s;
	uint64_t v = 0;
	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*s = p;
	*out = v;
	return true;
}

/* One byte range of a file of `size` bytes: 1 with [*from, *from + *len), 0 when the header
 * is to be ignored (another unit, several ranges: the whole file is sent), -1 when it is
 * invalid or unsatisfiable (416). */
static int parse_range(const char *h, uint64_t size, uint64_t *from, uint64_t *len)
{
	if (strncasecmp(h, "bytes=", 6) != 0 || strchr(h, ',') != NULL)
		return 0;
	const char *p = h + 6;
	uint64_t a, b;
	if (*p == '-') { /* the last n bytes */
		p++;
		if (!digits(&p, &b) || *p != '\0' || b == 0 || size == 0)
			return -1;
		*from = b >= size ? 0 : size - b;
		*len = size - *from;
		return 1;
	}
	if (!digits(&p, &a) || *p != '-')
		return -1;
	p++;
	if (*p == '\0')
		b = UINT64_MAX;
	else if (!digits(&p, &b) || *p != '\0' || b < a)
		return -1;
	if (a >= size)
		return -1;
	if (b >= size)
		b = size - 1;
	*from = a;
	*len = b - a + 1;
	return 1;
}

static int file_read(weir_req *r, bool head)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_files_path fp;
	const char *root;
	int fd;
	weir_files_stat st;
	if (resolve_or_reply(r, false, &fp, &root) != 0)
		return 0;
	if (weir_files_open(r->arena, root, &fp, &fd, &st, &e) != 0)
		return weir_reply_error(r, &e);
	weir_reply_header(r, "Last-Modified", http_date(r->arena, st.mtime_ms));
	weir_reply_header(r, "Accept-Ranges", "bytes");
	const char *range = head ? NULL : weir_req_header(r, "Range");
	uint64_t from = 0, len = st.size;
	int rr = range ? parse_range(range, st.size, &from, &len) : 0;
	if (rr < 0) {
		close(fd);
		weir_reply_header(r, "Content-Range", weir_arena_printf(r->arena, "bytes */%" PRIu64, st.size));
		weir_error_set_status(&e, 416, WEIR_E_OUT_OF_RANGE,
				      "The range '%.100s' is not satisfiable for a file of %" PRIu64 " bytes", range,
				      st.size);
		return weir_reply_error(r, &e);
	}
	if (rr > 0) {
		weir_reply_header(r, "Content-Range",
				  weir_arena_printf(r->arena, "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, from,
						    from + len - 1, st.size));
		return weir_reply_fd_at(r, 206, OCTET, fd, from, len);
	}
	/* HEAD: libmicrohttpd sends the headers (Content-Length from the size) and no body */
	return weir_reply_fd(r, 200, OCTET, fd, st.size);
}

static int file_get(weir_req *r) { return file_read(r, false); }
static int file_head(weir_req *r) { return file_read(r, true); }

static int file_put(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_files_path fp;
	const char *root;
	bool overwrite = true; /* the Files API's default */
	if (resolve_or_reply(r, false, &fp, &root) != 0)
		return 0; /* the server removes the temp file */
	if (weir_req_query_bool(r, "overwrite", &overwrite, &e) != 0)
		return weir_reply_error(r, &e);
	if (r->in_head) { /* WEIR_ROUTE_HEAD_CHECK: may write; refuse a doomed upload before its body */
		weir_files_stat st;
		weir_error ignored = WEIR_ERROR_INIT;
		if (!overwrite && weir_files_stat_path(r->arena, root, &fp, false, &st, &ignored) == 0) {
			weir_error_set(&e, WEIR_E_ALREADY_EXISTS, "File '%.300s' already exists", fp.path);
			return weir_reply_error(r, &e);
		}
		return 0;
	}
	if (weir_files_put(r->arena, root, &fp, r->upload_path, r->upload_fd, overwrite, &e) != 0)
		return weir_reply_error(r, &e);
	r->upload_path = NULL; /* renamed or linked into place: the server must not unlink it */
	return weir_reply_audited_empty(r); /* {}: what the JS SDK can parse */
}

/* A change that is one call of warehouse/files.h on the resolved path (DELETE of a file, PUT and
 * DELETE of a directory), then the audited {}. */
static int change(weir_req *r, bool directory,
		  int (*apply)(weir_arena *a, const char *root, const weir_files_path *fp, weir_error *err))
{
	weir_error e = WEIR_ERROR_INIT;
	weir_files_path fp;
	const char *root;
	if (resolve_or_reply(r, directory, &fp, &root) != 0)
		return 0;
	if (apply(r->arena, root, &fp, &e) != 0)
		return weir_reply_error(r, &e);
	return weir_reply_audited_empty(r);
}

static int file_delete(weir_req *r) { return change(r, false, weir_files_delete); }
static int dir_put(weir_req *r) { return change(r, true, weir_files_mkdir); }

static int dir_get(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_files_path fp;
	const char *root;
	int64_t page_size = 0;
	if (resolve_or_reply(r, true, &fp, &root) != 0)
		return 0;
	if (weir_req_query_i64(r, "page_size", &page_size, &e) != 0)
		return weir_reply_error(r, &e);
	json_t *out = weir_files_list(r->arena, root, &fp, page_size, weir_req_query(r, "page_token"), &e);
	return out ? weir_reply_json(r, 200, out) : weir_reply_error(r, &e);
}

static int dir_head(weir_req *r)
{
	weir_error e = WEIR_ERROR_INIT;
	weir_files_path fp;
	const char *root;
	weir_files_stat st;
	if (resolve_or_reply(r, true, &fp, &root) != 0)
		return 0;
	if (weir_files_stat_path(r->arena, root, &fp, true, &st, &e) != 0)
		return weir_reply_error(r, &e);
	return weir_reply_text(r, 200, "application/json", "");
}

static int dir_delete(weir_req *r) { return change(r, true, weir_files_rmdir); }

#define FS(method, path, fn, op, action, flags)                                                                        \
	{                                                                                                              \
		method, "/api/2.0/fs/" path, fn, RULE_ON(WEIR_OP_##op), WEIR_DIALECT_DATABRICKS, "filesystem", action, \
			flags                                                                                          \
	}
/* The file comment's rule, once: a read needs READ_DATA and is not audited, a change needs
 * WRITE_DATA and is. */
#define FS_READ(method, path, fn, action) FS(method, path, fn, READ_DATA, action, WEIR_ROUTE_NO_AUDIT)
#define FS_CHANGE(method, path, fn, action, flags) FS(method, path, fn, WRITE_DATA, action, flags)

const weir_route weir_routes_files[] = {
	FS_CHANGE("PUT", "files/{path*}", file_put, "filesPut", WEIR_ROUTE_STREAM_UPLOAD | WEIR_ROUTE_HEAD_CHECK),
	FS_READ("GET", "files/{path*}", file_get, "filesGet"),
	FS_READ("HEAD", "files/{path*}", file_head, "filesHead"),
	FS_CHANGE("DELETE", "files/{path*}", file_delete, "filesDelete", 0),
	FS_CHANGE("PUT", "directories/{path*}", dir_put, "directoriesPut", 0),
	FS_READ("GET", "directories/{path*}", dir_get, "directoriesGet"),
	FS_READ("HEAD", "directories/{path*}", dir_head, "directoriesHead"),
	FS_CHANGE("DELETE", "directories/{path*}", dir_delete, "directoriesDelete", 0),
	{0},
};
