#ifndef INTEGRATIONS_LIST_QUERY_H
#define INTEGRATIONS_LIST_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "base/strbuf.h"
#include "db/sqlparams.h"
#include "http/http.h"
#include "http/validate.h"
#include "list/resources.h"

/* A list request being built by a resource's handler, then run by list_run(). */
struct list_query {
	const struct list_resource *res;
	const char *alias;
	const char *row_json; /* SQL: one row's JSON over alias */
	struct strbuf
		scope; /* SQL: the rows the caller may see (unused when scope_parts are set) */
	struct strbuf common; /* SQL: " and …" conditions of the shorthands, ANDed to the scope */
	/*
	 * Or the scope as disjoint conditions whose OR it is: the total is then the
	 * sum of one count per part and the page merges each part's first rows,
	 * each of which an index can answer alone (one query over an OR reads the
	 * whole table).
	 */
	const char *scope_parts[LIST_MAX_SCOPE_PARTS];
	size_t n_scope_parts;
	struct sql_params params;
	struct strbuf shorthand_key; /* canonical shorthands, part of the cursor fingerprint */
};

void list_query_init(struct list_query *q, struct request *req, const struct list_resource *res,
		     const char *alias, const char *row_json);
/* Adds a shorthand's name and value to the cursor fingerprint. */
void list_query_key(struct list_query *q, const char *name, const char *value);
/* ANDs "column = value" (value as a parameter) into the common conditions and the fingerprint. */
void list_query_equals(struct list_query *q, const char *name, const char *column,
		       const char *value);
/*
 * ANDs "column contains value" into where (&q->scope or &q->common) and the fingerprint:
 * case-insensitive (LIST_FOLD_OPEN, Unicode-aware), value matched literally.
 */
void list_query_contains(struct list_query *q, struct strbuf *where, const char *name,
			 const char *column, const char *value);

/*
 * Reads limit, after, before, orderBy and filter from req, runs the page
 * query and writes {"data": [...], "pageInfo": {...}} (or a problem) to resp.
 */
void list_run(struct request *req, struct response *resp, struct list_query *q);

/*
 * Splits the ids parameter ("a,b,c": 1 to LIST_MAX_IDS ids of prefix, e.g.
 * "int") into a text[] literal; NULL after a problem recorded at "?ids"
 * (noun names the id's kind in it).
 */
const char *list_parse_ids(struct arena *a, const char *text, const char *prefix, const char *noun,
			   struct validation *v);

/* ids and include_deleted: the parameters every list shares. */
struct list_common {
	const char *ids; /* the raw parameter, NULL when absent */
	const char *ids_array; /* its text[] literal, NULL when absent */
	const char *include_deleted; /* the raw parameter, NULL when absent */
	bool deleted_too; /* include_deleted=true */
};

/* Reads ids (of prefix; noun names them in problems) and include_deleted; problems go to v. */
void list_common_parse(struct request *req, const char *prefix, const char *noun,
		       struct list_common *c, struct validation *v);
/* Adds ids and include_deleted to the cursor fingerprint. */
void list_query_common_key(struct list_query *q, const struct list_common *c);
/*
 * The scope of a resource owned by workspaces: its rows in the caller's
 * workspaces ($1), live ones unless include_deleted=true, narrowed to ids;
 * both parameters also go into the fingerprint.
 */
void list_query_owned_scope(struct list_query *q, const struct list_common *c);

#endif
