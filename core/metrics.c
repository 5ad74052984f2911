/* Placeholder implementation of core/metrics.h (being replaced by the real one). */
#include "core/metrics.h"

void weir_metrics_set_route_name(int index, const char *method, const char *pattern) { (void)index; (void)method; (void)pattern; }
void weir_metrics_request_done(int route_index, int status, int64_t duration_us) { (void)route_index; (void)status; (void)duration_us; }
void weir_metrics_inflight_add(int delta) { (void)delta; }
void weir_metrics_connections_add(int delta) { (void)delta; }
void weir_metrics_body_bytes_add(int64_t delta) { (void)delta; }
void weir_metrics_conn_closed_add(const char *reason) { (void)reason; }
void weir_metrics_body_refused(void) {}
void weir_metrics_write_queue_add(int delta) { (void)delta; }
void weir_metrics_commit(int batch_size, int64_t commit_us) { (void)batch_size; (void)commit_us; }
void weir_metrics_pool_wait(int64_t wait_us) { (void)wait_us; }
void weir_metrics_cache(const char *name, int hit) { (void)name; (void)hit; }
void weir_metrics_outbox_depth_set(int64_t depth) { (void)depth; }
void weir_metrics_outbox_failure(void) {}
void weir_metrics_outbox_delivered(void) {}
void weir_metrics_render(weir_buf *out) { (void)out; }
