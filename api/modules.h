/* Module start/stop hooks (api/modules.c). */
#ifndef WEIR_API_MODULES_H
#define WEIR_API_MODULES_H

#include "api/app.h"
#include "core/error.h"

int weir_modules_start(weir_app *app, weir_error *err);
void weir_modules_stop(weir_app *app);

#endif
