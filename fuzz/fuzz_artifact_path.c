/* Fuzz target: the checks that keep untrusted paths inside the artifact store:
 * weir_artifacts_path_check (registry/artifacts.c, used by every mlflow-artifacts route on the
 * decoded {path*}) and weir_tracking_source_check (registry/tracking.c: a model version's
 * `source`, repeatedly percent-decoded, local paths only inside the run's artifact
 * directory), run against a real database holding one run and the store directory.
 *
 * Input: one flags byte (bit 0: allow_root; bit 1: give the seeded run's id as run_id), then
 * the path or source text (up to a NUL).
 *
 * Oracles: an accepted artifact path is relative, at most 4096 bytes, without empty, '.' or
 * '..' segments, backslashes, control characters or a drive letter, so that
 * root + "/" + path is under root after resolution; the empty path is accepted only with
 * allow_root; a source that is accepted holds no '..' segment and no NUL after decoding once,
 * and a refusal is 400 naming `source`; the store path weir_artifacts_uri_rel reads out of
 * the text has no empty, '.' or '..' segment. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz/fuzz_env.h"
#include "registry/artifacts.h"
#include "registry/tracking.h"

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_artifact_path: %s\n", what);
		abort();
	}
}

/* The rule, written independently of registry/artifacts.c. */
static bool path_ok(const char *p, bool allow_root)
{
	size_t n = strlen(p);
	if (n == 0)
		return allow_root;
	if (n > 4096 || p[0] == '/' || p[n - 1] == '/' || strstr(p, "//") != NULL)
		return false;
	if (n >= 2 && p[1] == ':')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c < 0x20 || c == 0x7f || c == '\\')
			return false;
	}
	const char *seg = p;
	for (;;) {
		const char *slash = strchr(seg, '/');
		size_t len = slash ? (size_t)(slash - seg) : strlen(seg);
		if ((len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
			return false;
		if (slash == NULL)
			return true;
		seg = slash + 1;
	}
}

/* After one round of %XX and '+' decoding, a '..' segment ('/' or '\' separated). */
static bool decoded_dotdot(weir_arena *a, const char *s)
{
	size_t n = strlen(s);
	char *d = weir_arena_alloc(a, n + 1);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && isxdigit((unsigned char)s[i + 1]) && isxdigit((unsigned char)s[i + 2])) {
			char hex[3] = {s[i + 1], s[i + 2], 0};
			d[k++] = (char)strtol(hex, NULL, 16);
			i += 2;
		} else {
			d[k++] = s[i] == '+' ? ' ' : s[i];
		}
	}
	for (size_t i = 0; i + 1 < k; i++) {
		bool start = i == 0 || d[i - 1] == '/' || d[i - 1] == '\\';
		bool end = i + 2 == k || d[i + 2] == '/' || d[i + 2] == '\\';
		if (start && end && d[i] == '.' && d[i + 1] == '.')
			return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	fuzz_env *t = fuzz_env_get();
	weir_arena *a = weir_arena_new(2048);
	bool allow_root = data[0] & 1;
	const char *run_id = data[0] & 2 ? t->run_id : NULL;
	const char *s = weir_arena_strndup(a, (const char *)data + 1, size - 1);

	weir_error e = WEIR_ERROR_INIT;
	int rc = weir_artifacts_path_check(s, allow_root, &e);
	check((rc == 0) == path_ok(s, allow_root), "weir_artifacts_path_check disagrees with the rule");
	if (rc != 0) {
		fuzz_expect_4xx("weir_artifacts_path_check", &e);
		check(strcmp(e.field, "path") == 0, "refusal does not name path");
	} else if (*s) {
		/* cannot escape: resolve the segments lexically */
		int depth = 0;
		for (const char *p = s; *p;) {
			const char *slash = strchr(p, '/');
			size_t len = slash ? (size_t)(slash - p) : strlen(p);
			depth += (len == 2 && p[0] == '.' && p[1] == '.') ? -1 : 1;
			check(depth > 0, "accepted path leaves the store");
			p = slash ? slash + 1 : p + len;
		}
		(void)weir_artifacts_exists(a, s);
	}

	weir_error_clear(&e);
	bool exists = false;
	if (weir_db_begin_read(t->db, &e) != 0)
		fuzz_die("begin read", &e);
	rc = weir_tracking_source_check(t->db, a, s, run_id, &exists, &e);
	weir_db_end_read(t->db);
	if (rc == 0) {
		check(*s != '\0', "accepted an empty source");
		check(!decoded_dotdot(a, s), "accepted a source with a '..' segment");
	} else {
		fuzz_expect_4xx("weir_tracking_source_check", &e);
		check(strcmp(e.field, "source") == 0, "refusal does not name source");
	}

	/* weir_artifacts_uri_rel (the artifact owner lookup reads sources with it): a store
	 * path with no empty, '.' or '..' segment and no leading or trailing '/' */
	const char *rel = weir_artifacts_uri_rel(a, s);
	if (rel && *rel) {
		check(rel[0] != '/' && rel[strlen(rel) - 1] != '/' && strstr(rel, "//") == NULL,
		      "weir_artifacts_uri_rel: empty segment");
		for (const char *p = rel; *p;) {
			size_t len = strcspn(p, "/");
			check(!(len == 1 && p[0] == '.') && !(len == 2 && p[0] == '.' && p[1] == '.'),
			      "weir_artifacts_uri_rel: '.' or '..' segment");
			p += len + (p[len] == '/');
		}
	}
	weir_arena_free(a);
	return 0;
}
