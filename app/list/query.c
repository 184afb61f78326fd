#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "db/db.h"
#include "base/fingerprint.h"
#include "json/json_strict.h"
#include "list/query.h"
#include "list/cursor.h"
#include "list/filter.h"
#include "list/order.h"
#include "http/problem.h"
#include "base/values.h"
#include "base/vocab.h"
#include "http/route.h"

void list_query_init(struct list_query *q, struct request *req, const struct list_resource *res,
		     const char *alias, const char *row_json)
{
	memset(q, 0, sizeof(*q));
	q->res = res;
	q->alias = alias;
	q->row_json = row_json;
	strbuf_init(&q->scope, req->arena);
	strbuf_init(&q->common, req->arena);
	strbuf_init(&q->shorthand_key, req->arena);
	/* $1 is always the caller's workspaces: scopes and relation filters rely on it. */
	q->params.values[0] = req->caller.workspace_array;
	q->params.n = 1;
}

void list_query_equals(struct list_query *q, const char *name, const char *column,
		       const char *value)
{
	strbuf_printf(&q->common, " and %s.%s = ", q->alias, column);
	sql_param(&q->params, &q->common, value);
	list_query_key(q, name, value);
}

void list_query_contains(struct list_query *q, struct strbuf *where, const char *name,
			 const char *column, const char *value)
{
	strbuf_printf(where, " and " LIST_FOLD_OPEN "%s.%s" LIST_FOLD_CLOSE " like " LIST_FOLD_OPEN,
		      q->alias, column);
	sql_param(&q->params, where, list_like_pattern(where->arena, value, true, true));
	strbuf_puts(where, LIST_FOLD_CLOSE);
	list_query_key(q, name, value);
}

void list_query_key(struct list_query *q, const char *name, const char *value)
{
	/* Length-prefixed, so no value can pass for another combination of parameters. */
	strbuf_printf(&q->shorthand_key, "%zu:%s=%zu:%s;", strlen(name), name, strlen(value),
		      value);
}

struct page_request {
	long limit;
	const char *cursor;
	bool backwards; /* a `before` cursor: fetch in reverse order, then flip */
	struct list_order order;
	const char *filter_sql;
	const char *fingerprint;
	const char **cursor_values;
};

static int parse_limit(struct request *req, struct page_request *p, struct validation *v)
{
	const char *s = request_query(req, "limit");
	char *end;

	p->limit = LIST_MAX_LIMIT;
	if (s == NULL)
		return 0;
	p->limit = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || p->limit < 1 || p->limit > LIST_MAX_LIMIT) {
		validation_add(v, "?limit", "must be an integer from 1 to 100");
		return -1;
	}
	return 0;
}

static int parse_filter(struct request *req, struct list_query *q, struct page_request *p,
			struct validation *v)
{
	const char *text = request_query(req, "filter");
	struct json_object *filter;
	const char *why;

	p->filter_sql = "true";
	if (text == NULL)
		return 0;
	if (strlen(text) > LIST_MAX_FILTER_BYTES) {
		validation_add(v, "?filter", "is longer than 8 KiB");
		return -1;
	}
	if (json_parse_strict(text, strlen(text), &filter, &why) < 0) {
		validation_add(v, "?filter",
			       arena_printf(req->arena, "is not valid JSON: %s", why));
		return -1;
	}
	json_defer_put(req->arena, filter);
	p->filter_sql = list_filter_compile(req->arena, q->res, filter, q->alias, &q->params, v);
	return p->filter_sql != NULL ? 0 : -1;
}

/* Whether ?after is a plain value of the resource's position field, under the default order. */
static bool after_is_position(struct request *req, const struct list_query *q, const char *after)
{
	return after != NULL && q->res->position_field != NULL &&
	       request_query(req, "orderBy") == NULL && value_is_natural(after);
}

/* Parses the paging parameters; on a problem writes the 400 and returns -1. */
static int page_or_reply(struct request *req, struct response *resp, struct list_query *q,
			 struct page_request *p)
{
	struct validation v = { .arena = req->arena };
	const char *after = request_query(req, "after"), *before = request_query(req, "before");
	const char *parts[4];

	if (after != NULL && before != NULL)
		validation_add(&v, "?before", "after and before cannot be used together");
	if (v.n_errors == 0 && parse_limit(req, p, &v) == 0 &&
	    list_order_parse(req->arena, q->res, request_query(req, "orderBy"), &p->order, &v) == 0)
		parse_filter(req, q, p, &v);
	if (v.n_errors > 0) {
		problem_reply_errors(resp, req, 400, "validation_failed",
				     "the list parameters are not valid", v.errors, v.n_errors);
		return -1;
	}
	parts[0] = q->res->name;
	parts[1] = p->order.canonical;
	parts[2] = request_query(req, "filter");
	parts[3] = q->shorthand_key.data;
	p->fingerprint = fingerprint_hex(req->arena, parts, 4);
	p->cursor = after != NULL ? after : before;
	p->backwards = before != NULL;
	if (p->cursor == NULL)
		return 0;
	p->cursor_values = arena_calloc(req->arena, p->order.n_keys, sizeof(*p->cursor_values));
	if (after_is_position(req, q, after)) {
		/*
		 * The keyset of a cursor at that position whose id tie-breaker is null: past a
		 * unique position it adds no row, so the page is the rows after it, and
		 * hasPreviousPage and total read as with a cursor.
		 */
		p->cursor_values[0] = after;
		return 0;
	}
	if (list_cursor_decode(req->arena, req->config->cursor_key, req->config->cursor_key_len,
			       p->fingerprint, p->cursor, p->cursor_values, p->order.n_keys) < 0 ||
	    !list_cursor_values_valid(q->res, &p->order, p->cursor_values)) {
		problem_reply(resp, req, 400, "invalid_cursor",
			      "the cursor is malformed, tampered with, or belongs to another query "
			      "(orderBy, filter and shorthands must stay the same)");
		return -1;
	}
	return 0;
}

/*
 * One statement answers the page: the total and "is there anything on the
 * other side of the cursor" as scalar subqueries, and the page itself (one
 * row more than asked, to know whether more follow) joined laterally so an
 * empty page still returns the counts.
 * A scope made of disjoint parts (the integrations list: own workspaces,
 * public, granted) is queried part by part: the total is a sum of counts and
 * the page merges the first rows of each part, so that each part uses its own
 * indexes, where one OR over the parts reads every row of every part.
 */
static const char *page_sql(struct request *req, struct list_query *q, struct page_request *p)
{
	struct arena *a = req->arena;
	struct strbuf sql;
	const char *narrowing = arena_printf(a, "%s and (%s)", q->common.data, p->filter_sql);
	const char *whole_scope = q->scope.data;
	const char *const *parts = q->n_scope_parts > 0 ? q->scope_parts : &whole_scope;
	size_t n_parts = q->n_scope_parts > 0 ? q->n_scope_parts : 1;
	const char *keyset = NULL, *before = NULL;
	size_t i, k;

	if (p->cursor_values != NULL) {
		keyset = list_keyset_sql(a, &p->order, q->alias, p->cursor_values, p->backwards,
					 &q->params);
		before = list_keyset_complement_sql(a, &p->order, q->alias, p->cursor_values,
						    p->backwards, &q->params);
	}
	strbuf_init(&sql, a);
	strbuf_puts(&sql, "select t.total, t.other, p.* from (select ");
	for (i = 0; i < n_parts; i++)
		strbuf_printf(&sql, "%s(select count(*) from %s %s where (%s)%s)",
			      i > 0 ? " + " : "", q->res->table, q->alias, parts[i], narrowing);
	strbuf_puts(&sql, " as total, ");
	if (keyset == NULL)
		strbuf_puts(&sql, "false");
	for (i = 0; keyset != NULL && i < n_parts; i++)
		strbuf_printf(&sql, "%sexists (select 1 from %s %s where (%s)%s and %s)",
			      i > 0 ? " or " : "", q->res->table, q->alias, parts[i], narrowing,
			      before);
	strbuf_printf(&sql, " as other) t left join lateral (select (%s)::text as body",
		      q->row_json);
	for (k = 1; k <= p->order.n_keys; k++)
		strbuf_printf(&sql, ", k%zu", k);
	strbuf_puts(&sql, " from (");
	/* Each part's rows carry the whole row (named like the alias, for row_json), the
	 * sort keys as text for the cursors (k1…) and as they sort (s1…). */
	for (i = 0; i < n_parts; i++) {
		strbuf_printf(&sql, "%s(select %s", i > 0 ? " union all " : "", q->alias);
		for (k = 0; k < p->order.n_keys; k++) {
			const char *e = list_sort_expr(a, p->order.keys[k].field, q->alias);

			strbuf_printf(&sql, ", (%s)::text as k%zu, %s as s%zu", e, k + 1, e, k + 1);
		}
		strbuf_printf(&sql, " from %s %s where (%s)%s", q->res->table, q->alias, parts[i],
			      narrowing);
		if (keyset != NULL)
			strbuf_printf(&sql, " and %s", keyset);
		strbuf_printf(&sql, " order by %s limit %ld)",
			      list_order_sql(a, &p->order, q->alias, p->backwards), p->limit + 1);
	}
	strbuf_printf(&sql, ") as u order by %s limit %ld) p on true",
		      list_order_columns_sql(a, &p->order, "s", p->backwards), p->limit + 1);
	return sql.data;
}

static const char *row_cursor(struct request *req, const struct page_request *p, PGresult *res,
			      int row)
{
	const char **values = arena_calloc(req->arena, p->order.n_keys, sizeof(*values));
	size_t k;

	for (k = 0; k < p->order.n_keys; k++)
		values[k] = PQgetisnull(res, row, (int)k + 3) ? NULL
							      : PQgetvalue(res, row, (int)k + 3);
	return list_cursor_encode(req->arena, req->config->cursor_key, req->config->cursor_key_len,
				  p->fingerprint, values, p->order.n_keys);
}

static void write_page(struct request *req, struct response *resp, const struct page_request *p,
		       PGresult *res)
{
	int fetched = PQgetisnull(res, 0, 2) ? 0 : PQntuples(res);
	int shown = fetched > p->limit ? (int)p->limit : fetched;
	bool more = fetched > p->limit;
	bool other = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
	struct strbuf *b = &resp->body;
	int i;

	resp->status = 200;
	resp->content_type = "application/json";
	b->len = 0;
	strbuf_puts(b, "{\"data\":[");
	/* Backwards pages were fetched nearest-first: show them in the requested order. */
	for (i = 0; i < shown; i++) {
		int row = p->backwards ? shown - 1 - i : i;

		if (i > 0)
			strbuf_putc(b, ',');
		strbuf_append(b, PQgetvalue(res, row, 2), (size_t)PQgetlength(res, row, 2));
	}
	strbuf_printf(b, "],\"pageInfo\":{\"total\":%s,\"hasNextPage\":%s,\"hasPreviousPage\":%s,",
		      PQgetvalue(res, 0, 0), (p->backwards ? other : more) ? "true" : "false",
		      (p->backwards ? more : other) ? "true" : "false");
	if (shown == 0) {
		strbuf_puts(b, "\"startCursor\":null,\"endCursor\":null}}");
		return;
	}
	strbuf_puts(b, "\"startCursor\":");
	strbuf_json_string(b, row_cursor(req, p, res, p->backwards ? shown - 1 : 0));
	strbuf_puts(b, ",\"endCursor\":");
	strbuf_json_string(b, row_cursor(req, p, res, p->backwards ? 0 : shown - 1));
	strbuf_puts(b, "}}");
}

void list_run(struct request *req, struct response *resp, struct list_query *q)
{
	struct page_request p;
	const char *sql;
	PGresult *res;

	memset(&p, 0, sizeof(p));
	if (page_or_reply(req, resp, q, &p) < 0)
		return;
	sql = page_sql(req, q, &p);
	res = db_exec_sql(req, resp, sql, q->params.n, q->params.values, true);
	if (res != NULL)
		write_page(req, resp, &p, res);
}

const char *list_parse_ids(struct arena *a, const char *text, const char *prefix, const char *noun,
			   struct validation *v)
{
	const char *items[LIST_MAX_IDS];
	char *copy = arena_strdup(a, text), *save = NULL, *id;
	size_t n = 0;

	for (id = strtok_r(copy, ",", &save); id != NULL; id = strtok_r(NULL, ",", &save)) {
		if (n == LIST_MAX_IDS) {
			validation_add(v, "?ids", "has more than 100 ids");
			return NULL;
		}
		if (!vocab_valid_id(id, prefix)) {
			validation_add(v, "?ids", arena_printf(a, "'%s' is not %s id", id, noun));
			return NULL;
		}
		items[n++] = id;
	}
	if (n == 0) {
		validation_add(v, "?ids", "must list at least one id");
		return NULL;
	}
	return sql_text_array(a, items, n);
}

void list_common_parse(struct request *req, const char *prefix, const char *noun,
		       struct list_common *c, struct validation *v)
{
	c->include_deleted = request_query(req, "include_deleted");
	c->deleted_too = c->include_deleted != NULL && strcmp(c->include_deleted, "true") == 0;
	if (c->include_deleted != NULL && !c->deleted_too &&
	    strcmp(c->include_deleted, "false") != 0)
		validation_add(v, "?include_deleted", "must be true or false");
	c->ids = request_query(req, "ids");
	c->ids_array = c->ids != NULL ? list_parse_ids(req->arena, c->ids, prefix, noun, v) : NULL;
}

void list_query_common_key(struct list_query *q, const struct list_common *c)
{
	list_query_key(q, "ids", c->ids != NULL ? c->ids : "");
	list_query_key(q, "include_deleted", c->include_deleted != NULL ? c->include_deleted : "");
}

void list_query_owned_scope(struct list_query *q, const struct list_common *c)
{
	/* The rule is SQL's: core.owned_in_scope (sql/schema/core/read_scopes.sql). */
	strbuf_printf(&q->scope,
		      "core.owned_in_scope(%s.workspace_id, %s.deleted_at, $1::text[], %s)",
		      q->alias, q->alias, c->deleted_too ? "true" : "false");
	if (c->ids_array != NULL) {
		strbuf_printf(&q->scope, " and %s.id = any(", q->alias);
		sql_param(&q->params, &q->scope, c->ids_array);
		strbuf_puts(&q->scope, "::text[])");
	}
	list_query_common_key(q, c);
}
