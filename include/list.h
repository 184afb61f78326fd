#ifndef INTEGRATIONS_LIST_H
#define INTEGRATIONS_LIST_H

#include <stdbool.h>
#include <stddef.h>

#include <json.h>

#include "http.h"
#include "sqlparams.h"
#include "validate.h"

#define LIST_MAX_LIMIT 100
#define LIST_MAX_ORDER_KEYS 5
#define LIST_MAX_FILTER_BYTES 8192
#define LIST_MAX_FILTER_DEPTH 8
#define LIST_MAX_CONDITIONS 64
#define LIST_MAX_IN_VALUES 100
#define LIST_MAX_IDS 100
#define LIST_MAX_SCOPE_PARTS 4

/*
 * LT_SEMVER fields order and compare by a stored generated column named after
 * theirs, <column>_key = core.semver_key(<column>) (sql/008): computing the key
 * per row per query was the cost of every SemVer sort and filter.
 */
enum list_type { LT_TEXT, LT_ENUM, LT_TIMESTAMP, LT_SEMVER, LT_JSON, LT_BOOL };

/* A field callers may filter and sort on: its API name and the column behind it. */
struct list_field {
	const char *name;
	const char *column; /* column of the resource's table, qualified by the compiler */
	enum list_type type;
	bool nullable;
	const char *const *enum_values; /* LT_ENUM: NULL-terminated */
};

struct list_resource;

/* A related resource reachable from filters with some / every / none. */
struct list_relation {
	const char *name;
	const struct list_resource *target;
	const char *foreign_key; /* column of target's table that holds the parent's id */
	/* When set, only related rows whose column of this name is one of the caller's workspaces. */
	const char *workspace_column;
};

struct list_resource {
	const char *name;
	const char *table;
	const char *default_order; /* field listed newest first when orderBy is absent */
	const char *id_prefix;	   /* its ids are <id_prefix>_<hex> (route_valid_id) */
	const struct list_field *fields;
	size_t n_fields;
	const struct list_relation *relations;
	size_t n_relations;
};

/*
 * Case folding for mode insensitive and the name shorthands: ICU's lower() (the cluster's
 * ctype is C, whose lower() folds ASCII only), compared bytewise so LIKE prefixes and ranges
 * can use a btree index. sql/migrations/0002 indexes exactly this expression: keep the two the same.
 * Wrap an SQL expression: LIST_FOLD_OPEN expr LIST_FOLD_CLOSE.
 */
#define LIST_FOLD_OPEN "lower(("
#define LIST_FOLD_CLOSE ") collate \"und-x-icu\") collate \"C\""

const struct list_field *list_field_find(const struct list_resource *res, const char *name);

/* The SQL expression that orders a field ("a.current_version_key" for SemVer). */
const char *list_sort_expr(struct arena *a, const struct list_field *f, const char *alias);

/*
 * Compiles a filter (parsed JSON) on res into a boolean SQL expression over
 * alias, appending its operands to params. Problems are added to v with JSON
 * pointers under "?filter". Returns the SQL text ("true" for an empty filter),
 * or NULL when v has errors.
 */
const char *list_filter_compile(struct arena *a, const struct list_resource *res,
				struct json_object *filter, const char *alias, struct sql_params *params,
				struct validation *v);

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

/*
 * Cursors: the sort values of one row and the id, tied to a fingerprint of
 * the query they belong to, signed (HS256 JWT) with key. Encoding returns
 * an arena string; decoding returns 0 and values (n_keys entries, NULL for
 * null) when the signature and fingerprint check out, else -1.
 */
const char *list_cursor_encode(struct arena *a, const unsigned char *key, size_t key_len,
			       const char *fingerprint, const char *const *values, size_t n);
int list_cursor_decode(struct arena *a, const unsigned char *key, size_t key_len,
		       const char *fingerprint, const char *cursor, const char **values, size_t n);
/*
 * Whether decoded cursor values fit the types of order's keys on res (a
 * timestamp, a SemVer key, one of an enum's values, an id of res, null only
 * for nullable fields), so that no value from a cursor can fail in SQL.
 * A signed cursor is not enough: the key may have leaked or been weak.
 */
bool list_cursor_values_valid(const struct list_resource *res, const struct list_order *order,
			      const char *const *values);



/* A list request being built by a resource's handler, then run by list_run(). */
struct list_query {
	const struct list_resource *res;
	const char *alias;
	const char *row_json; /* SQL: one row's JSON over alias */
	struct strbuf scope;  /* SQL: the rows the caller may see (unused when scope_parts are set) */
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
	const char *ids;	     /* the raw parameter, NULL when absent */
	const char *ids_array;	     /* its text[] literal, NULL when absent */
	const char *include_deleted; /* the raw parameter, NULL when absent */
	bool deleted_too;	     /* include_deleted=true */
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

/* LIKE pattern matching s literally, with % added before and/or after. */
const char *list_like_pattern(struct arena *a, const char *s, bool lead, bool trail);

#endif
