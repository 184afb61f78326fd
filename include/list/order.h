#ifndef INTEGRATIONS_LIST_ORDER_H
#define INTEGRATIONS_LIST_ORDER_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "db/sqlparams.h"
#include "http/validate.h"
#include "list/resources.h"

/* The field of res called name, or NULL. */
const struct list_field *list_field_find(const struct list_resource *res, const char *name);

/* The SQL expression that orders a field ("a.current_version_key" for SemVer). */
const char *list_sort_expr(struct arena *a, const struct list_field *f, const char *alias);

enum list_direction { DIR_ASC, DIR_DESC };
enum list_nulls { NULLS_LAST, NULLS_FIRST };

struct list_order_key {
	const struct list_field *field;
	enum list_direction dir;
	enum list_nulls nulls;
};

struct list_order {
	struct list_order_key keys[LIST_MAX_ORDER_KEYS + 1]; /* + the id tie-breaker */
	size_t n_keys;
	const char *canonical; /* normalized text, part of the cursor fingerprint */
};

/*
 * Parses orderBy JSON text (NULL: the resource's default_order, descending) and
 * appends the id tie-breaker. Problems go to v under "?orderBy".
 */
int list_order_parse(struct arena *a, const struct list_resource *res, const char *text,
		     struct list_order *order, struct validation *v);

/* "ORDER BY" body for order over alias; reversed for pages fetched backwards. */
const char *list_order_sql(struct arena *a, const struct list_order *order, const char *alias,
			   bool reversed);

/* The same over output columns named column_prefix1, column_prefix2, … (one per key). */
const char *list_order_columns_sql(struct arena *a, const struct list_order *order,
				   const char *column_prefix, bool reversed);

/*
 * The predicate "row comes strictly after the cursor row" in order (or
 * before it when reversed), for cursor values (NULL = SQL null), appended
 * as parameters.
 */
const char *list_keyset_sql(struct arena *a, const struct list_order *order, const char *alias,
			    const char *const *values, bool reversed, struct sql_params *params);

/*
 * Its complement, "row does not come after the cursor row": as a row
 * comparison where the keyset is one, so that an index finds such rows
 * (the planner cannot see through not coalesce(…)).
 */
const char *list_keyset_complement_sql(struct arena *a, const struct list_order *order,
				       const char *alias, const char *const *values, bool reversed,
				       struct sql_params *params);

#endif
