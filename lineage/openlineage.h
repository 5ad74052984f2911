/* OpenLineage ingest (spec 2-0-2): RunEvent, DatasetEvent and JobEvent, validated and
 * turned into nodes, edges, column edges, jobs and runs; the event itself is kept verbatim
 * (unknown facets included). */
#ifndef WEIR_LINEAGE_OPENLINEAGE_H
#define WEIR_LINEAGE_OPENLINEAGE_H

#include <jansson.h>

#include "core/arena.h"
#include "core/db.h"
#include "core/error.h"

/* Most inputs or outputs one event may carry, and most events in one batch. */
#define WEIR_OL_MAX_DATASETS 1000
#define WEIR_OL_MAX_BATCH 10000

/* Validates `event` and, when valid, records it inside the caller's write transaction.
 * 400 INVALID_PARAMETER_VALUE naming the violated field (prefixed with `field_prefix`,
 * e.g. "[3]." in a batch) otherwise; nothing is written for an invalid event before the
 * validation error (validation runs first). received_ms is the arrival time. */
int weir_openlineage_ingest(weir_db *db, weir_arena *a, json_t *event, const char *field_prefix, int64_t received_ms,
			    weir_error *err);

/* Same, isolated in a savepoint: on failure only this event's writes are undone and the
 * caller's transaction stays usable (group commit of concurrent single-event requests). */
int weir_openlineage_ingest_isolated(weir_db *db, weir_arena *a, json_t *event, int64_t received_ms, weir_error *err);

/* Validation alone (used by the batch form to refuse a batch before writing). */
int weir_openlineage_validate(json_t *event, const char *field_prefix, weir_error *err);

/* Parses an RFC 3339 date-time ("2026-01-01T00:00:00.123Z", offsets allowed) to epoch ms. */
int weir_openlineage_parse_time(const char *s, int64_t *out_ms);

#endif
