/* Private to governance/: store functions shared between the rule code and the store. */
#ifndef WEIR_GOVERNANCE_INT_H
#define WEIR_GOVERNANCE_INT_H

#include "governance/governance.h"

/* Effective privilege bits of p on each level of s's chain (inheritance applied:
 * a grant on the catalog counts at the schema and the leaf). */
int weir_gov__load_privs(weir_db *db, const weir_principal *p, weir_securable *s, weir_error *err);
/* Direct privilege bits of p on the metastore (not inherited). */
uint64_t weir_gov__metastore_privs(weir_db *db, const weir_principal *p);
bool weir_gov__in_closure(const weir_principal *p, int64_t principal_id);
/* Whether p may see s in metadata (no isolation check: done at resolve). */
bool weir_gov__browsable(weir_db *db, const weir_principal *p, weir_securable *s);

#endif
