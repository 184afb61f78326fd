/*
 * libFuzzer driver: the list parameters of GET /api/integrations (and the other lists).
 *
 * Input, one part per line (seeds in corpus/fuzz_list_params/ read as documentation):
 *   [@integration_versions | @integration_installs]   optional: the resource (default integrations)
 *   filter JSON text             empty line: no filter
 *   orderBy JSON text            empty line or missing: the default order (for versions and
 *                                installs, which have no createdAt, the handlers' own default)
 *   cursor                       a token ("x.y.z") decoded as it is (it will not verify), or
 *                                claims JSON ({"f": "fp", "v": [...]}) signed here with the
 *                                cursor key, so the claim checks and the keyset SQL are reached
 *
 * It runs what list_run() does before the database: the 8 KiB limit and json_parse_strict on
 * the filter, list_filter_compile, list_order_parse + list_order_sql (both directions),
 * list_cursor_decode and, on success, list_keyset_sql (both directions); plus a
 * list_cursor_encode/decode round trip of the decoded values.
 *
 * Invariants beyond "no crash, no leak, no UB" (docs/api-conventions.md, "Lists"): the SQL made
 * from caller input contains only the compiler's own words (SQL keywords, the resources'
 * column/table names, aliases) and punctuation, never a quote, a semicolon or a comment, so no
 * caller text reaches it; its parentheses balance; every $n names a parameter that exists and
 * is set; a refusal always comes with a problem whose path starts with ?filter / ?orderBy.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jwt.h>

#include "base/arena.h"
#include "fuzz_common.h"
#include "json/json_strict.h"
#include "list/query.h"
#include "list/cursor.h"
#include "list/filter.h"
#include "list/order.h"
#include "list/resources.h"

static const unsigned char cursor_key[] = "fuzz-cursor-key-0123456789abcdef";
#define CURSOR_KEY_LEN (sizeof(cursor_key) - 1)
#define FINGERPRINT "fp"

static const char *const sql_words[] = { "and",
					 "or",
					 "not",
					 "is",
					 "null",
					 "distinct",
					 "from",
					 "any",
					 "array",
					 "select",
					 "lower",
					 "unnest",
					 "as",
					 "x",
					 "exists",
					 "where",
					 "coalesce",
					 "false",
					 "true",
					 "like",
					 "ilike",
					 "asc",
					 "desc",
					 "nulls",
					 "first",
					 "last",
					 "text",
					 "timestamptz",
					 "boolean",
					 "jsonb",
					 "core",
					 "semver_key",
					 "owned_in_scope",
					 "integrations",
					 "integration_versions",
					 "integration_installs",
					 "i",
					 "id",
					 "collate",
					 NULL };

/* The only quoted identifiers we write: the collations of LIST_FOLD_OPEN/CLOSE. */
static const char *const quoted_words[] = { "\"und-x-icu\"", "\"C\"", NULL };

static const struct list_resource *const resources[] = { &list_integrations, &list_versions,
							 &list_installs };

static bool known_word(const char *w, size_t n)
{
	size_t i, r;

	/* aliases of relation subqueries: r1, r2, ... */
	if (n >= 2 && w[0] == 'r') {
		for (i = 1; i < n && w[i] >= '0' && w[i] <= '9'; i++)
			;
		if (i == n)
			return true;
	}
	for (i = 0; sql_words[i] != NULL; i++)
		if (strlen(sql_words[i]) == n && memcmp(sql_words[i], w, n) == 0)
			return true;
	for (r = 0; r < sizeof(resources) / sizeof(resources[0]); r++) {
		const struct list_resource *res = resources[r];

		for (i = 0; i < res->n_fields; i++) {
			const struct list_field *f = &res->fields[i];
			size_t len = strlen(f->column);

			if (len == n && memcmp(f->column, w, n) == 0)
				return true;
			/* SemVer fields order by their stored key column, <column>_key. */
			if (f->type == LT_SEMVER && n == len + 4 &&
			    memcmp(f->column, w, len) == 0 && memcmp(w + len, "_key", 4) == 0)
				return true;
		}
		for (i = 0; i < res->n_relations; i++) {
			const struct list_relation *rel = &res->relations[i];

			if ((strlen(rel->foreign_key) == n &&
			     memcmp(rel->foreign_key, w, n) == 0) ||
			    (rel->workspace_column != NULL && strlen(rel->workspace_column) == n &&
			     memcmp(rel->workspace_column, w, n) == 0))
				return true;
		}
	}
	return false;
}

static bool word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* The SQL built from caller input is made of our words, placeholders and punctuation only. */
static void check_sql(const char *what, const char *sql, const struct sql_params *params)
{
	const char *p = sql;
	long depth = 0;

	FUZZ_ASSERT(sql != NULL, "%s: no SQL", what);
	while (*p != '\0') {
		char c = *p;

		if (c == '$') {
			long n = 0;

			p++;
			FUZZ_ASSERT(*p >= '1' && *p <= '9',
				    "%s: '$' not followed by a number in: %s", what, sql);
			while (*p >= '0' && *p <= '9')
				n = n * 10 + (*p++ - '0');
			FUZZ_ASSERT(n >= 1 && n <= params->n, "%s: $%ld but %d parameters in: %s",
				    what, n, params->n, sql);
			FUZZ_ASSERT(params->values[n - 1] != NULL, "%s: $%ld is not set in: %s",
				    what, n, sql);
			continue;
		}
		if (c == '"') {
			size_t i;

			for (i = 0; quoted_words[i] != NULL; i++)
				if (strncmp(p, quoted_words[i], strlen(quoted_words[i])) == 0)
					break;
			FUZZ_ASSERT(quoted_words[i] != NULL,
				    "%s: a quoted identifier that is not one of ours in: %s", what,
				    sql);
			p += strlen(quoted_words[i]);
			continue;
		}
		if (word_char(c)) {
			const char *start = p;

			while (word_char(*p))
				p++;
			if (start[0] >= '0' && start[0] <= '9')
				continue; /* a number (e.g. of a cast's dimension) */
			FUZZ_ASSERT(known_word(start, (size_t)(p - start)),
				    "%s: the word '%.*s' is not one of the compiler's own in: %s",
				    what, (int)(p - start), start, sql);
			continue;
		}
		FUZZ_ASSERT(strchr(" .:()[],<>=@?", c) != NULL,
			    "%s: character 0x%02x is not SQL punctuation we write, in: %s", what,
			    (unsigned char)c, sql);
		if (c == '(')
			depth++;
		if (c == ')')
			depth--;
		FUZZ_ASSERT(depth >= 0, "%s: unbalanced ')' in: %s", what, sql);
		p++;
	}
	FUZZ_ASSERT(depth == 0, "%s: unbalanced '(' in: %s", what, sql);
}

static void check_problems(const struct validation *v, size_t before, const char *prefix)
{
	size_t i;

	FUZZ_ASSERT(v->n_errors > before, "refused without a problem (%s)", prefix);
	for (i = before; i < v->n_errors; i++)
		FUZZ_ASSERT(v->errors[i].path != NULL && v->errors[i].message != NULL &&
				    strncmp(v->errors[i].path, prefix, strlen(prefix)) == 0,
			    "problem path '%s' not under %s",
			    v->errors[i].path ? v->errors[i].path : "(null)", prefix);
}

/* The cursor part: a token as it is, or claims JSON signed with the cursor key. */
static const char *cursor_token(struct arena *a, const char *text)
{
	jwt_t *jwt = NULL;
	char *token;
	const char *out;

	if (text[0] != '{')
		return text;
	if (jwt_new(&jwt) != 0)
		abort();
	if (jwt_add_grants_json(jwt, text) != 0 ||
	    jwt_set_alg(jwt, JWT_ALG_HS256, cursor_key, (int)CURSOR_KEY_LEN) != 0 ||
	    (token = jwt_encode_str(jwt)) == NULL) {
		jwt_free(jwt);
		return NULL; /* libjwt refused the claims: nothing to sign */
	}
	out = arena_strdup(a, token);
	free(token);
	jwt_free(jwt);
	return out;
}

static void check_cursor(struct arena *a, const struct list_order *order, const char *text,
			 struct sql_params *params)
{
	const char **values = arena_calloc(a, order->n_keys, sizeof(*values));
	const char *token = cursor_token(a, text), *again;
	const char **values2;
	size_t i;
	int reversed;

	if (token == NULL)
		return;
	if (list_cursor_decode(a, cursor_key, CURSOR_KEY_LEN, FINGERPRINT, token, values,
			       order->n_keys) < 0)
		return;
	/* A cursor under another key or for another query never decodes. */
	FUZZ_ASSERT(list_cursor_decode(a, (const unsigned char *)"another-key", 11, FINGERPRINT,
				       token, values, order->n_keys) < 0,
		    "a cursor decoded under another key");
	FUZZ_ASSERT(list_cursor_decode(a, cursor_key, CURSOR_KEY_LEN, "other-fp", token, values,
				       order->n_keys) < 0,
		    "a cursor decoded for another fingerprint");
	FUZZ_ASSERT(list_cursor_decode(a, cursor_key, CURSOR_KEY_LEN, FINGERPRINT, token, values,
				       order->n_keys) == 0,
		    "a cursor stopped decoding");
	/* The type checks of the values (list_query.c runs them before any SQL) take anything. */
	(void)list_cursor_values_valid(&list_integrations, order, values);
	for (reversed = 0; reversed < 2; reversed++) {
		int before = params->n;

		check_sql("keyset", list_keyset_sql(a, order, "i", values, reversed, params),
			  params);
		params->n = before;
	}
	/* What we sign we read back. */
	again = list_cursor_encode(a, cursor_key, CURSOR_KEY_LEN, FINGERPRINT, values,
				   order->n_keys);
	values2 = arena_calloc(a, order->n_keys, sizeof(*values2));
	FUZZ_ASSERT(list_cursor_decode(a, cursor_key, CURSOR_KEY_LEN, FINGERPRINT, again, values2,
				       order->n_keys) == 0,
		    "a cursor we encoded does not decode: %s", again);
	for (i = 0; i < order->n_keys; i++)
		FUZZ_ASSERT((values[i] == NULL && values2[i] == NULL) ||
				    (values[i] != NULL && values2[i] != NULL &&
				     strcmp(values[i], values2[i]) == 0),
			    "cursor value %zu changed in a round trip", i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new();
	char *input = fuzz_strndup(data, size), *rest = input, *parts[3];
	const struct list_resource *res = &list_integrations;
	struct validation v = { .arena = a, .n_errors = 0 };
	struct sql_params params;
	struct list_order order;
	const char *order_text;
	size_t before;
	int reversed;

	memset(&params, 0, sizeof(params));
	params.values[0] =
		"{\"ws_a\"}"; /* $1: the caller's workspaces, as list_query_init sets it */
	params.n = 1;
	if (rest[0] == '@') {
		char *nl = strchr(rest, '\n');

		if (nl != NULL)
			*nl = '\0';
		if (strcmp(rest + 1, "integration_versions") == 0)
			res = &list_versions;
		else if (strcmp(rest + 1, "integration_installs") == 0)
			res = &list_installs;
		rest = nl != NULL ? nl + 1 : rest + strlen(rest);
	}
	fuzz_split_lines(rest, parts, 3);

	/* filter, as parse_filter() in list_query.c */
	if (parts[0] != NULL && parts[0][0] != '\0' && strlen(parts[0]) <= LIST_MAX_FILTER_BYTES) {
		struct json_object *filter;
		const char *why, *sql;

		if (json_parse_strict(parts[0], strlen(parts[0]), &filter, &why) == 0) {
			json_defer_put(a, filter);
			before = v.n_errors;
			sql = list_filter_compile(a, res, filter, "i", &params, &v);
			if (sql != NULL) {
				FUZZ_ASSERT(v.n_errors == before, "compiled despite problems");
				check_sql("filter", sql, &params);
			} else {
				check_problems(&v, before, "?filter");
			}
		}
	}

	/*
	 * orderBy, as page_or_reply(): an empty line is the default order. list_order_parse's
	 * default ([{"createdAt": "desc"}], list.h) exists only on resources with a createdAt;
	 * the handlers of the others pass their own default, as done here.
	 */
	before = v.n_errors;
	order_text = parts[1] != NULL && parts[1][0] != '\0' ? parts[1] : NULL;
	if (order_text == NULL && list_field_find(res, "createdAt") == NULL)
		order_text = res == &list_versions ? "[{\"publishedAt\":\"desc\"}]"
						   : "[{\"installedAt\":\"desc\"}]";
	if (list_order_parse(a, res, order_text, &order, &v) == 0) {
		size_t i;
		bool has_id = false;

		FUZZ_ASSERT(order.n_keys >= 1 && order.n_keys <= LIST_MAX_ORDER_KEYS + 1,
			    "%zu order keys", order.n_keys);
		for (i = 0; i < order.n_keys; i++) {
			FUZZ_ASSERT(order.keys[i].field != NULL &&
					    order.keys[i].field->type != LT_JSON,
				    "order key %zu is not a sortable field", i);
			has_id = has_id || strcmp(order.keys[i].field->name, "id") == 0;
		}
		FUZZ_ASSERT(has_id, "the order has no id tie-breaker: %s", order.canonical);
		FUZZ_ASSERT(order.canonical != NULL, "no canonical order text");
		for (reversed = 0; reversed < 2; reversed++)
			check_sql("order by", list_order_sql(a, &order, "i", reversed), &params);
		if (parts[2] != NULL && parts[2][0] != '\0')
			check_cursor(a, &order, parts[2], &params);
	} else {
		check_problems(&v, before, "?orderBy");
	}
	arena_free(a);
	free(input);
	return 0;
}
