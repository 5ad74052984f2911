/* The web UI's files, built from web/ by esbuild (scripts/build-web.sh) and embedded into the
 * binary by scripts/embed-web.sh as $(B)/gen/web_assets.c: each with its content type, a
 * strong ETag (from its content) and, where it pays, a gzip copy. api/handlers/ui.c serves
 * them. */
#ifndef WEIR_API_UI_ASSETS_H
#define WEIR_API_UI_ASSETS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct weir_ui_asset {
	const char *path; /* "/index.html", "/assets/app-<hash>.js" */
	const char *content_type;
	const unsigned char *data;
	size_t len;
	const unsigned char *gz; /* NULL when gzip does not make it smaller */
	size_t gz_len;
	const char *etag; /* quoted: "\"0123abcd...\"" */
	bool immutable; /* the name holds a hash of the content: cached for a year */
} weir_ui_asset;

/* Terminated by an entry whose path is NULL. */
extern const weir_ui_asset weir_ui_assets[];

#endif
