/* Placeholder for the producer interface until the lineage store lands: records nothing. */
#include "lineage/lineage.h"

int weir_lineage_record_edge(weir_db *db, const weir_lineage_node *src, const weir_lineage_node *dst,
			     const weir_lineage_producer *by, int64_t at_ms, weir_error *err)
{
	(void)db; (void)src; (void)dst; (void)by; (void)at_ms; (void)err;
	return 0;
}

int weir_lineage_record_column_edge(weir_db *db, const weir_lineage_node *src, const char *src_col,
				    const weir_lineage_node *dst, const char *dst_col, const char *transformation,
				    const char *subtype, const weir_lineage_producer *by, int64_t at_ms,
				    weir_error *err)
{
	(void)db; (void)src; (void)src_col; (void)dst; (void)dst_col; (void)transformation;
	(void)subtype; (void)by; (void)at_ms; (void)err;
	return 0;
}
