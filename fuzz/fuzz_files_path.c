/* Fuzz target: the Files API path reader, weir_files_path_parse (warehouse/files.c), which
 * every /api/2.0/fs route applies to the decoded URL path before the file system sees it,
 * and the walk behind it (weir_files_stat_path) over a small volume directory made once
 * per process: a/ (a directory), a/f.txt (a file) and two symbolic links pointing out of
 * it, link -> / and a/up -> .. (removed at exit).
 *
 * Input: one flags byte (bit 0: a directory path, else a file path), then the path (up to
 * a NUL).
 *
 * Oracles: acceptance agrees with an independently written rule (/Volumes/ root; at most
 * 4096 bytes; valid UTF-8; a directory may end with one '/'; segments non-empty, not '.' or
 * '..', at most 255 bytes, no control character or backslash; three names before the file,
 * at least one more for a file); an accepted path gives back its parts (the volume's full
 * name is the three names joined with '.', the normalized path is /Volumes/<c>/<s>/<v> plus
 * "/" and rel), and rel resolved lexically never leaves the volume; a refusal is 400 naming
 * `path`; the walk finds only what is really inside the volume (the volume, a, a/f.txt),
 * never anything through a link, and fails only with 404. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "fuzz/fuzz_env.h"
#include "warehouse/files.h"

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_files_path: %s\n", what);
		abort();
	}
}

/* The rule, written independently of warehouse/files.c. */
static bool path_ok(const char *p, bool directory)
{
	size_t n = strlen(p);
	if (strncmp(p, "/Volumes/", 9) != 0 || n > 4096 || !weir_utf8_valid(p, n))
		return false;
	if (directory && n > 9 && p[n - 1] == '/')
		n--;
	int segs = 0;
	size_t i = 9;
	while (i <= n) {
		size_t j = i;
		while (j < n && p[j] != '/')
			j++;
		size_t len = j - i;
		if (len == 0 || len > 255 || (len == 1 && p[i] == '.') || (len == 2 && p[i] == '.' && p[i + 1] == '.'))
			return false;
		for (size_t k = i; k < j; k++) {
			unsigned char c = (unsigned char)p[k];
			if (c < 0x20 || c == 0x7f || c == '\\')
				return false;
		}
		segs++;
		i = j + 1;
	}
	return directory ? segs >= 3 : segs >= 4;
}

static char root[128];

static void remove_volume(void)
{
	char p[200];
	const char *names[] = {"a/up", "a/f.txt", "link"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", root, names[i]);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/a", root);
	rmdir(p);
	rmdir(root);
}

static void make_volume(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(root, sizeof(root), "%s/weir-fuzz-files-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	check(mkdtemp(root) != NULL, "mkdtemp");
	char p[200];
	snprintf(p, sizeof(p), "%s/a", root);
	check(mkdir(p, 0700) == 0, "mkdir a");
	snprintf(p, sizeof(p), "%s/a/f.txt", root);
	FILE *f = fopen(p, "w");
	check(f != NULL, "a/f.txt");
	fputs("x", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/link", root);
	check(symlink("/", p) == 0, "link");
	snprintf(p, sizeof(p), "%s/a/up", root);
	check(symlink("..", p) == 0, "a/up");
	atexit(remove_volume);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (root[0] == '\0')
		make_volume();
	bool directory = data[0] & 1;
	weir_arena *a = weir_arena_new(2048);
	const char *s = weir_arena_strndup(a, (const char *)data + 1, size - 1);
	weir_error e = WEIR_ERROR_INIT;
	weir_files_path fp;
	int rc = weir_files_path_parse(a, s, directory, &fp, &e);
	check((rc == 0) == path_ok(s, directory), "weir_files_path_parse disagrees with the rule");
	if (rc != 0) {
		fuzz_expect_4xx("weir_files_path_parse", &e);
		check(strcmp(e.field, "path") == 0, "refusal does not name path");
		weir_arena_free(a);
		return 0;
	}
	const char *full = weir_arena_printf(a, "%s.%s.%s", fp.catalog, fp.schema, fp.volume);
	check(strcmp(full, fp.volume_full) == 0, "volume_full is not the three names");
	const char *norm = fp.rel[0] ? weir_arena_printf(a, "/Volumes/%s/%s/%s/%s", fp.catalog, fp.schema, fp.volume,
							 fp.rel)
				     : weir_arena_printf(a, "/Volumes/%s/%s/%s", fp.catalog, fp.schema, fp.volume);
	check(strcmp(norm, fp.path) == 0, "path is not /Volumes/c/s/v/rel");
	check(strncmp(s, fp.path, strlen(fp.path)) == 0, "normalized path is not the input");
	check(directory || fp.rel[0] != '\0', "a file path names the volume");
	if (fp.rel[0]) {
		size_t n = strlen(fp.rel);
		check(fp.rel[0] != '/' && fp.rel[n - 1] != '/' && strstr(fp.rel, "//") == NULL, "rel: empty segment");
		int depth = 0;
		for (const char *p = fp.rel; *p;) {
			size_t len = strcspn(p, "/");
			depth += (len == 2 && p[0] == '.' && p[1] == '.') ? -1 : 1;
			check(depth > 0, "rel leaves the volume");
			check(!(len == 1 && p[0] == '.'), "rel: '.' segment");
			p += len + (p[len] == '/');
		}
	}

	/* the walk: only the real inside is ever found; anything else is a 404 */
	weir_files_stat st;
	weir_error_clear(&e);
	rc = weir_files_stat_path(a, root, &fp, directory, &st, &e);
	if (rc == 0) {
		bool inside = directory ? (strcmp(fp.rel, "") == 0 || strcmp(fp.rel, "a") == 0)
					: strcmp(fp.rel, "a/f.txt") == 0;
		check(inside, "found something that is not inside the volume");
		check(st.is_dir == directory, "stat: wrong kind");
	} else {
		check(e.code == WEIR_E_NOT_FOUND && e.status == 404, "stat failed with something else than 404");
		/* (unless the client's own path spelled it: the message may echo what it was given) */
		check(strstr(e.message, root) == NULL || strstr(s, root) != NULL, "a path on disk in the message");
	}
	weir_arena_free(a);
	return 0;
}
