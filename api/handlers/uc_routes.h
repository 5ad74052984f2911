/* The rows of the route tables that answer in Unity Catalog's shape (uc.c, grants.c, tags.c,
 * and the UC model routes of mlflow.c): Databricks error dialect, audit service
 * "unityCatalog", the securable rule RULE_ON(op). Each file names its own prefix
 * (WEIR_UC_BASE for R and RN). */
#ifndef WEIR_API_HANDLERS_UC_ROUTES_H
#define WEIR_API_HANDLERS_UC_ROUTES_H

#include "api/http.h"

#define WEIR_UC_PREFIX "/api/2.1/unity-catalog"

/* A route: method, prefix + path, handler, operation, audit action, flags. */
#define WEIR_UC_ROUTE(m, path, h, op, action, flags)                                            \
	{                                                                                       \
		m, path, h, RULE_ON(op), WEIR_DIALECT_DATABRICKS, "unityCatalog", action, flags \
	}

/* The short rows of uc.c, grants.c and tags.c: R an audited route (a change), RN a plain read
 * (WEIR_ROUTE_NO_AUDIT); the path is under WEIR_UC_BASE, which the including file defines. */
#define R(m, p, h, op, action) WEIR_UC_ROUTE(m, WEIR_UC_BASE p, h, op, action, 0)
#define RN(m, p, h, op, action) WEIR_UC_ROUTE(m, WEIR_UC_BASE p, h, op, action, WEIR_ROUTE_NO_AUDIT)

#endif
