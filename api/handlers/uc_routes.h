/* The rows of the route tables that answer in Unity Catalog's shape (uc.c, grants.c, tags.c,
 * and the UC model routes of mlflow.c): Databricks error dialect, audit service
 * "unityCatalog", the securable rule RULE_ON(op). Each file names its own prefix. */
#ifndef WEIR_API_HANDLERS_UC_ROUTES_H
#define WEIR_API_HANDLERS_UC_ROUTES_H

#include "api/http.h"

#define WEIR_UC_PREFIX "/api/2.1/unity-catalog"

/* A route: method, prefix + path, handler, operation, audit action, flags. */
#define WEIR_UC_ROUTE(m, path, h, op, action, flags)                                            \
	{                                                                                       \
		m, path, h, RULE_ON(op), WEIR_DIALECT_DATABRICKS, "unityCatalog", action, flags \
	}

#endif
