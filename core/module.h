/* Process state of a domain module (a background worker, a hook, a cache), started once the
 * database is open and stopped before it closes. Generic, with no HTTP type in sight: a
 * module's descriptor in api/modules.c lists its workers, and a domain module exposes a
 * start and a stop function of these shapes in its public header, never an api/ header. */
#ifndef WEIR_CORE_MODULE_H
#define WEIR_CORE_MODULE_H

#include "core/db.h"
#include "core/error.h"

typedef struct weir_worker {
	const char *name; /* for the log; NULL ends a list */
	int (*start)(weir_db_pool *pool, weir_error *err); /* NULL: nothing to start */
	void (*stop)(void); /* NULL: nothing to stop */
} weir_worker;

#endif
