/* The module descriptor and the list of this binary's modules (api/modules.c). A module is
 * one entry there: its route tables, its api-side start and stop hooks, and its workers
 * (core/module.h). The route table list (weir_route_tables, api/http.h) and the start and
 * stop order are derived from that one list. */
#ifndef WEIR_API_MODULES_H
#define WEIR_API_MODULES_H

#include "api/app.h"
#include "api/http.h"
#include "core/error.h"
#include "core/module.h"

typedef struct weir_module {
	const char *name; /* NULL ends weir_modules[] */
	const weir_route *const *routes; /* its tables, NULL-terminated */
	int (*start)(weir_app *app, weir_error *err); /* api-side state (NULL: none), before the workers */
	void (*stop)(weir_app *app); /* after the workers have stopped */
	const weir_worker *workers; /* ended by {NULL}; NULL: none */
} weir_module;

/* In order: routes match in this order (the first match wins), modules start in this order
 * and stop in the reverse one. */
extern const weir_module weir_modules[];

/* Starts every module (its hook, then its workers in order); on a failure stops what it
 * started, in reverse, and returns -1 with err set. */
int weir_modules_start(weir_app *app, weir_error *err);
/* Stops what weir_modules_start started, in reverse order; nothing when nothing runs. */
void weir_modules_stop(weir_app *app);

#endif
