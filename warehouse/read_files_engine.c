/* read_files('/Volumes/...', format => 'csv' | 'json', header => true, delimiter => ';',
 * multiLine => true) as a table-valued source in a statement: each call is materialised into
 * a temporary table (temp."weir_rfN") on the statement's own connection, then the call's text
 * is replaced by that name. A file of the warehouse's engine (scripts/house-rules.sh:
 * warehouse/<name>_engine.c call SQLite): it writes only the temp tables it makes.
 *
 * The files are read as the statement's caller: the path is resolved like the Files API's
 * (a volume the caller may not browse is missing) and needs READ VOLUME (with USE CATALOG and
 * USE SCHEMA). A directory is read whole (recursively, never following a symbolic link;
 * names starting with '.' or '_' skipped). Columns: CSV with header, its names; without,
 * _c0, _c1, ...; JSON, the keys in the order first seen. CSV values are strings (CAST them);
 * JSON numbers are numbers, booleans 'true'/'false', objects and arrays their JSON text.
 * At most WEIR_RF_MAX_ROWS rows per call. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "governance/catalog.h"
#include "warehouse/copy.h"
#include "warehouse/files.h"
#include "warehouse/sql.h"
#include "warehouse/wh_internal.h"

#define WEIR_RF_MAX_ROWS 1000000
#define MAX_CALLS WEIR_WH_RF_MAX_CALLS
#define MAX_FILES 1000
#define MAX_COLS 512

typedef struct rf_call {
	size_t start, end; /* the call's bytes in the text */
	const char *path;
	bool json, header, multiline;
	char delimiter;
} rf_call;

static int bad(weir_error *err, const char *what)
{
	return weir_error_field(err, WEIR_E_INVALID_PARAMETER_VALUE, "statement", "read_files: %s", what);
}

static bool is_punct(const char *sql, const weir_wh_tok *t, const char *p)
{
	return t->kind == WEIR_TK_PUNCT && t->len == strlen(p) && memcmp(sql + t->start, p, t->len) == 0;
}

/* The calls in the text, in order. */
static int find_calls(weir_arena *a, const char *sql, rf_call *calls, int *ncalls, weir_error *err)
{
	weir_wh_tok *t;
	int n;
	*ncalls = 0;
	if (weir_wh_tokenize(a, sql, &t, &n, err) != 0)
		return -1;
	for (int i = 0; i + 1 < n; i++) {
		if (!weir_wh_tok_is(&t[i], "read_files") || !is_punct(sql, &t[i + 1], "("))
			continue;
		if (*ncalls == MAX_CALLS)
			return bad(err, "at most 8 calls in a statement");
		rf_call *c = &calls[(*ncalls)++];
		memset(c, 0, sizeof(*c));
		c->delimiter = ',';
		c->start = t[i].start;
		int k = i + 2;
		if (k >= n || t[k].kind != WEIR_TK_STRING)
			return bad(err, "the first argument is the path, a string ('/Volumes/...')");
		c->path = t[k++].value;
		bool have_format = false;
		while (k < n && is_punct(sql, &t[k], ",")) {
			k++;
			/* key => value: the tokenizer gives '=' and '>' (or '=>') */
			if (k >= n || t[k].kind != WEIR_TK_IDENT)
				return bad(err, "options are key => value");
			const char *key = t[k++].value;
			if (k < n && is_punct(sql, &t[k], "=>"))
				k++;
			else if (k + 1 < n && is_punct(sql, &t[k], "=") && is_punct(sql, &t[k + 1], ">"))
				k += 2;
			else
				return bad(err, "options are key => value");
			if (k >= n)
				return bad(err, "an option has no value");
			const char *v = t[k].kind == WEIR_TK_STRING ? t[k].value
								    : weir_arena_strndup(a, sql + t[k].start, t[k].len);
			k++;
			if (strcasecmp(key, "format") == 0) {
				if (strcasecmp(v, "csv") == 0)
					c->json = false;
				else if (strcasecmp(v, "json") == 0)
					c->json = true;
				else
					return bad(err, "format => 'csv' or 'json'");
				have_format = true;
			} else if (strcasecmp(key, "header") == 0) {
				if (strcasecmp(v, "true") != 0 && strcasecmp(v, "false") != 0)
					return bad(err, "header => true or false");
				c->header = strcasecmp(v, "true") == 0;
			} else if (strcasecmp(key, "multiLine") == 0) {
				if (strcasecmp(v, "true") != 0 && strcasecmp(v, "false") != 0)
					return bad(err, "multiLine => true or false");
				c->multiline = strcasecmp(v, "true") == 0;
			} else if (strcasecmp(key, "delimiter") == 0 || strcasecmp(key, "sep") == 0) {
				if (strlen(v) != 1 || v[0] == '"' || v[0] == '\n')
					return bad(err, "delimiter => one character");
				c->delimiter = v[0];
			} else {
				return weir_error_field(
					err, WEIR_E_INVALID_PARAMETER_VALUE, "statement",
					"read_files: unknown option '%.64s' (format, header, delimiter, "
					"multiLine)",
					key);
			}
		}
		if (k >= n || !is_punct(sql, &t[k], ")"))
			return bad(err, "read_files('<path>', key => value, ...)");
		if (!have_format)
			return bad(err, "format => 'csv' or 'json' is required");
		c->end = t[k].start + 1;
		i = k;
	}
	return 0;
}

/* ---------------------------------------------------------------- loading */

typedef struct rf_load {
	weir_arena *a;
	sqlite3 *db;
	const rf_call *call;
	const char *table;
	const char **cols;
	int ncols;
	bool created;
	sqlite3_stmt *ins;
	int64_t rows;
	weir_error *err;
} rf_load;

static int create(rf_load *l)
{
	weir_buf b = {0};
	weir_buf_appendf(&b, "CREATE TEMP TABLE \"%s\" (", l->table);
	for (int i = 0; i < l->ncols; i++) {
		if (i)
			weir_buf_append(&b, ", ", 2);
		weir_wh_append_ident(&b, l->cols[i]);
	}
	weir_buf_append(&b, ")", 2);
	int rc = sqlite3_exec(l->db, b.data, NULL, NULL, NULL);
	b.len = 0;
	weir_buf_appendf(&b, "INSERT INTO temp.\"%s\" VALUES (", l->table);
	for (int i = 0; i < l->ncols; i++)
		weir_buf_appendf(&b, i ? ", ?%d" : "?%d", i + 1);
	weir_buf_append(&b, ")", 2);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(l->db, b.data, -1, &l->ins, NULL);
	weir_buf_release(&b);
	if (rc != SQLITE_OK)
		return bad(l->err, "the files' columns cannot be made into a table (duplicate or empty names?)");
	l->created = true;
	return 0;
}

static int add_col(rf_load *l, const char *name)
{
	for (int i = 0; i < l->ncols; i++)
		if (strcasecmp(l->cols[i], name) == 0)
			return i;
	if (l->created || l->ncols == MAX_COLS)
		return -1;
	l->cols[l->ncols] = weir_arena_strdup(l->a, name);
	return l->ncols++;
}

static int step(rf_load *l)
{
	if (++l->rows > WEIR_RF_MAX_ROWS)
		return bad(l->err, "more than 1,000,000 rows: load them with COPY INTO");
	int rc = sqlite3_step(l->ins);
	sqlite3_reset(l->ins);
	sqlite3_clear_bindings(l->ins);
	if (rc != SQLITE_DONE)
		return weir_error_set(l->err, WEIR_E_INTERNAL_ERROR, "read_files: the rows cannot be kept");
	return 0;
}

/* With a header, each file's columns are matched by name (the first file's make the
 * table; a column a later file adds is dropped); without, by position. */
static int load_csv(rf_load *l, const char *text, size_t len)
{
	weir_wh_csv r;
	weir_wh_csv_init(&r, l->call->delimiter, '"');
	const char *s = text, *end = text + len;
	if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3;
	int nf, rc = 0;
	int *map = NULL, nmap = -1;
	if (l->call->header) {
		if (weir_wh_csv_record(&r, &s, end, &nf) < 0)
			goto out; /* an empty file */
		map = weir_arena_alloc(l->a, (size_t)(nf + 1) * sizeof(*map));
		nmap = nf;
		bool was = l->created;
		for (int i = 0; i < nf; i++) {
			map[i] = add_col(l, r.scratch.data + r.offs[i]);
			for (int k = 0; k < i && !was; k++)
				if (map[k] == map[i]) {
					rc = bad(l->err, "the header names a column twice");
					goto out;
				}
		}
		if (!l->created && l->ncols > 0 && (rc = create(l)) != 0)
			goto out;
	}
	while (rc == 0 && weir_wh_csv_record(&r, &s, end, &nf) >= 0) {
		if (nf == 1 && r.scratch.data[r.offs[0]] == '\0' && !r.quoted[0])
			continue;
		if (!l->created) { /* no header: _c0, _c1, ... from the first record */
			for (int i = l->ncols; i < nf; i++) {
				char nm[16];
				snprintf(nm, sizeof(nm), "_c%d", i);
				add_col(l, nm);
			}
			if ((rc = create(l)) != 0)
				break;
		}
		for (int i = 0; i < nf; i++) {
			int ci = map ? (i < nmap ? map[i] : -1) : i;
			if (ci < 0 || ci >= l->ncols)
				continue;
			const char *v = r.scratch.data + r.offs[i];
			size_t vl = strlen(v);
			if (vl == 0 && !r.quoted[i])
				continue; /* NULL */
			if (weir_utf8_valid(v, vl))
				sqlite3_bind_text(l->ins, ci + 1, v, (int)vl, SQLITE_TRANSIENT);
		}
		rc = step(l);
	}
	if (rc == 0 && !l->created && l->ncols > 0)
		rc = create(l);
out:
	weir_wh_csv_free(&r);
	return rc;
}

static void bind_json(rf_load *l, int i, json_t *v)
{
	if (json_is_string(v)) {
		sqlite3_bind_text(l->ins, i + 1, json_string_value(v), -1, SQLITE_TRANSIENT);
	} else if (json_is_integer(v)) {
		sqlite3_bind_int64(l->ins, i + 1, json_integer_value(v));
	} else if (json_is_real(v)) {
		sqlite3_bind_double(l->ins, i + 1, json_real_value(v));
	} else if (json_is_boolean(v)) {
		sqlite3_bind_text(l->ins, i + 1, json_is_true(v) ? "true" : "false", -1, SQLITE_STATIC);
	} else if (!json_is_null(v)) {
		char *t = json_dumps(v, JSON_COMPACT);
		sqlite3_bind_text(l->ins, i + 1, t, -1, SQLITE_TRANSIENT);
		free(t);
	}
}

/* JSON: the rows of the text as an array of objects (kept), so that the columns are known
 * before the table is made. */
static void json_rows(const rf_call *call, const char *text, size_t len, json_t *rows)
{
	if (call->multiline) {
		json_t *doc = json_loadb(text, len, JSON_DECODE_ANY, NULL);
		if (json_is_array(doc)) {
			size_t i;
			json_t *e;
			json_array_foreach (doc, i, e)
				if (json_is_object(e))
					json_array_append(rows, e);
		} else if (json_is_object(doc)) {
			json_array_append(rows, doc);
		}
		json_decref(doc);
		return;
	}
	const char *s = text, *end = text + len;
	while (s < end && json_array_size(rows) <= WEIR_RF_MAX_ROWS) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *e = nl ? nl : end;
		json_t *o = json_loadb(s, (size_t)(e - s), 0, NULL);
		if (json_is_object(o))
			json_array_append(rows, o);
		json_decref(o);
		s = nl ? nl + 1 : end;
	}
}

/* ---------------------------------------------------------------- files */

typedef struct rf_file {
	const char *path;
} rf_file;

static void walk(weir_arena *a, int dfd, const char *dir, rf_file *out, int *n, int depth)
{
	DIR *d = fdopendir(dfd);
	if (d == NULL) {
		close(dfd);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL && *n < MAX_FILES) {
		if (e->d_name[0] == '.' || e->d_name[0] == '_')
			continue;
		struct stat st;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		const char *p = weir_arena_printf(a, "%s/%s", dir, e->d_name);
		if (S_ISDIR(st.st_mode) && depth < 16) {
			int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0)
				walk(a, fd, p, out, n, depth + 1);
		} else if (S_ISREG(st.st_mode)) {
			out[(*n)++].path = p;
		}
	}
	closedir(d);
}

static int by_path(const void *x, const void *y)
{
	return strcmp(((const rf_file *)x)->path, ((const rf_file *)y)->path);
}

static int materialise(weir_db_pool *pool, weir_arena *a, const weir_principal *p, sqlite3 *db, const rf_call *call,
		       const char *table, weir_securable *vol, weir_error *err)
{
	const char *abs;
	weir_db *md = weir_db_acquire(pool);
	int rc = weir_files_volume_dir_ex(md, a, p, call->path, false, &abs, vol, err);
	weir_db_release(md);
	if (rc != 0)
		return -1;
	rf_file *files = weir_arena_alloc(a, MAX_FILES * sizeof(*files));
	int nfiles = 0;
	struct stat st;
	if (lstat(abs, &st) == 0 && S_ISREG(st.st_mode)) {
		files[nfiles++].path = abs;
	} else if (lstat(abs, &st) == 0 && S_ISDIR(st.st_mode)) {
		int fd = open(abs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			walk(a, fd, abs, files, &nfiles, 0);
		qsort(files, (size_t)nfiles, sizeof(*files), by_path);
	} else {
		return weir_error_set(err, WEIR_E_NOT_FOUND, "read_files: '%.300s' does not exist", call->path);
	}
	rf_load l = {.a = a, .db = db, .call = call, .table = table, .err = err};
	l.cols = weir_arena_alloc(a, MAX_COLS * sizeof(*l.cols));
	json_t *rows = call->json ? json_array() : NULL;
	rc = 0;
	for (int i = 0; i < nfiles && rc == 0; i++) {
		int fd = open(files[i].path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		struct stat fst;
		if (fd < 0 || fstat(fd, &fst) != 0 || !S_ISREG(fst.st_mode)) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		void *map = fst.st_size > 0 ? mmap(NULL, (size_t)fst.st_size, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
		close(fd);
		if (map == MAP_FAILED)
			continue;
		const char *text = map ? map : "";
		if (call->json)
			json_rows(call, text, (size_t)fst.st_size, rows);
		else
			rc = load_csv(&l, text, (size_t)fst.st_size);
		if (map)
			munmap(map, (size_t)fst.st_size);
	}
	if (rc == 0 && call->json) {
		size_t i;
		json_t *o;
		json_array_foreach (rows, i, o) {
			const char *k;
			json_t *v;
			json_object_foreach (o, k, v)
				add_col(&l, k);
		}
		if (l.ncols == 0)
			add_col(&l, "value");
		rc = create(&l);
		json_array_foreach (rows, i, o) {
			if (rc != 0)
				break;
			for (int c = 0; c < l.ncols; c++)
				bind_json(&l, c, json_object_get(o, l.cols[c]));
			rc = step(&l);
		}
	}
	json_decref(rows);
	if (rc == 0 && !l.created) { /* nothing read: one column, no rows */
		add_col(&l, "value");
		rc = create(&l);
	}
	sqlite3_finalize(l.ins);
	return rc;
}

const char *weir_wh__read_files(weir_db_pool *pool, weir_arena *a, const weir_principal *p, void *conn,
				const char *text, int *n, weir_securable *vols, weir_error *err)
{
	rf_call calls[MAX_CALLS];
	*n = 0;
	if (strcasestr(text, "read_files") == NULL)
		return text;
	if (find_calls(a, text, calls, n, err) != 0)
		return NULL;
	if (*n == 0)
		return text;
	weir_buf b = {0};
	size_t at = 0;
	for (int i = 0; i < *n; i++) {
		const char *table = weir_arena_printf(a, "weir_rf%d", i + 1);
		if (materialise(pool, a, p, conn, &calls[i], table, &vols[i], err) != 0) {
			weir_buf_release(&b);
			return NULL;
		}
		weir_buf_append(&b, text + at, calls[i].start - at);
		weir_buf_appendf(&b, "temp.\"%s\"", table);
		at = calls[i].end;
	}
	weir_buf_append(&b, text + at, strlen(text + at));
	const char *out = weir_arena_strndup(a, b.data, b.len);
	weir_buf_release(&b);
	return out;
}
