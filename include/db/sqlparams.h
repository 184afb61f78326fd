#ifndef INTEGRATIONS_SQLPARAMS_H
#define INTEGRATIONS_SQLPARAMS_H

#include "base/arena.h"
#include "base/strbuf.h"

#define SQL_MAX_PARAMS 256

/* Positional parameters of a query being built: values never enter the SQL text. */
struct sql_params {
	const char *values[SQL_MAX_PARAMS];
	int n;
};

/*
 * Appends value as the next parameter and writes its placeholder "$n" to sql.
 * Returns -1 (nothing written) when SQL_MAX_PARAMS are taken.
 */
int sql_param(struct sql_params *p, struct strbuf *sql, const char *value);

/* A PostgreSQL array literal of the given strings ({"a","b\"c"}), for "= any($n::text[])". */
const char *sql_text_array(struct arena *a, const char *const *items, size_t n);

#endif
