/* The HTTP server: starts libmicrohttpd (internal thread pool, epoll) on the configured
 * address, dispatches through the route table, and stops gracefully. */
#ifndef WEIR_API_SERVER_H
#define WEIR_API_SERVER_H

#include "api/app.h"
#include "core/error.h"

/* Validates the route table, starts the daemon, records the bound port in app. */
int weir_server_start(weir_app *app, weir_error *err);
/* Stops accepting, lets in-flight requests finish, stops the daemon. */
void weir_server_stop(weir_app *app);
/* Removes upload temp files an earlier run left in DATA/tmp (called by weir_server_start). */
void weir_server_clean_tmp(const char *data_dir);

/* Opens DATA (created if absent), its database, applies migrations, bootstraps the first
 * start, loads keys. The caller frees with weir_app_close. */
int weir_app_open(weir_app *app, weir_error *err);
void weir_app_close(weir_app *app);

#endif
