#ifndef INTEGRATIONS_LIST_FILTER_H
#define INTEGRATIONS_LIST_FILTER_H

#include <stdbool.h>

#include <json.h>

#include "base/arena.h"
#include "db/sqlparams.h"
#include "http/validate.h"
#include "list/resources.h"

/*
 * Compiles a filter (parsed JSON) on res into a boolean SQL expression over
 * alias, appending its operands to params. Problems are added to v with JSON
 * pointers under "?filter". Returns the SQL text ("true" for an empty filter),
 * or NULL when v has errors.
 */
const char *list_filter_compile(struct arena *a, const struct list_resource *res,
				struct json_object *filter, const char *alias,
				struct sql_params *params, struct validation *v);

/* LIKE pattern matching s literally, with % added before and/or after. */
const char *list_like_pattern(struct arena *a, const char *s, bool lead, bool trail);

#endif
