/*
 * libFuzzer driver: the router and the query string (route_lookup over api_routes,
 * route_allow_header, query_parse, query_decode).
 *
 * Input: one request line as "METHOD PATH[?QUERY]" (seeds in corpus/fuzz_route/), e.g.
 * "GET /api/integrations?limit=5&orderBy=%5B%5D". No space: the whole input is the path of a GET.
 * PATH plays nginx's DOCUMENT_URI (already decoded), QUERY the raw QUERY_STRING.
 *
 * Invariants beyond "no crash, no leak, no UB" (docs/api-conventions.md, PRODUCT §2):
 *  - a match has the requested method (HEAD: GET's route); each placeholder value has the placeholder's shape
 *    (int_ + 28 lowercase hex, ws_ + [A-Za-z0-9_-]{1,64}); the matched path, with repeated
 *    slashes merged (nginx merges them before us), is exactly the pattern with its values, so
 *    nothing like "..", "%2f", ";" or a trailing slash ever reaches a handler;
 *  - no match: allowed methods only when the path exists, and then the Allow header names them,
 *    HEAD exactly when GET;
 *  - query_parse keeps only allowed, unrepeated names, at most HTTP_MAX_QUERY_PARAMS, and any
 *    refusal has a "?..." path; query_decode never grows its input;
 *  - every name and value query_parse keeps is well-formed UTF-8: the values reach PostgreSQL
 *    as text parameters, which refuses anything else (SQLSTATE 22021, a 500 for the caller).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/vocab.h"
#include "auth/auth.h"
#include "fuzz_common.h"
#include "http/http.h"
#include "http/query.h"
#include "handlers/routes.h"
#include "http/route.h"
#include "base/strbuf.h"

static bool allowed_name(const char *const *allowed, const char *name)
{
	for (; allowed != NULL && *allowed != NULL; allowed++)
		if (strcmp(*allowed, name) == 0)
			return true;
	return false;
}

/* The path the route and its values stand for. */
static const char *instantiate(struct arena *a, const char *pattern, const char *const *params)
{
	struct strbuf sb;
	size_t n = 0;
	const char *p = pattern;

	strbuf_init(&sb, a);
	while (*p != '\0') {
		if (*p == '{') {
			const char *end = strchr(p, '}');

			FUZZ_ASSERT(end != NULL && n < HTTP_MAX_PATH_PARAMS, "bad pattern %s",
				    pattern);
			strbuf_puts(&sb, params[n++]);
			p = end + 1;
		} else {
			strbuf_putc(&sb, *p++);
		}
	}
	return sb.data;
}

static char *merge_slashes(struct arena *a, const char *path)
{
	char *out = arena_strdup(a, path), *w = out;
	const char *r;

	for (r = path; *r != '\0'; r++)
		if (!(*r == '/' && w > out && w[-1] == '/'))
			*w++ = *r;
	*w = '\0';
	return out;
}

static void check_placeholders(const struct route *route, const char *const *params)
{
	const char *p = route->pattern;
	size_t n = 0;

	while ((p = strchr(p, '{')) != NULL) {
		const char *end = strchr(p, '}');
		char prefix[16];
		size_t len = (size_t)(end - p - 1);

		FUZZ_ASSERT(len < sizeof(prefix), "bad pattern");
		memcpy(prefix, p + 1, len);
		prefix[len] = '\0';
		FUZZ_ASSERT(params[n] != NULL, "placeholder %zu of %s not filled", n,
			    route->pattern);
		if (strcmp(prefix, "ws") == 0)
			FUZZ_ASSERT(vocab_valid_workspace_id(params[n]), "bad ws value '%s'",
				    params[n]);
		else
			FUZZ_ASSERT(vocab_valid_id(params[n], prefix), "bad {%s} value '%s'",
				    prefix, params[n]);
		n++;
		p = end + 1;
	}
}

static void check_query(struct arena *a, const struct route *route, const char *query_string)
{
	struct request req;
	struct validation v = { .arena = a, .n_errors = 0 };
	size_t i, j;

	memset(&req, 0, sizeof(req));
	req.arena = a;
	req.query_string = query_string;
	query_parse(&req, route->query_params, &v);
	FUZZ_ASSERT(req.n_query <= HTTP_MAX_QUERY_PARAMS, "%zu query parameters", req.n_query);
	for (i = 0; i < req.n_query; i++) {
		FUZZ_ASSERT(allowed_name(route->query_params, req.query[i].name),
			    "kept a query parameter not allowed: '%s'", req.query[i].name);
		FUZZ_ASSERT(req.query[i].value != NULL, "query parameter without a value");
		FUZZ_ASSERT(fuzz_utf8_ok((const unsigned char *)req.query[i].value,
					 strlen(req.query[i].value)),
			    "query_parse kept ?%s with a value that is not UTF-8 (PostgreSQL "
			    "refuses it: "
			    "a 500)",
			    req.query[i].name);
		for (j = 0; j < i; j++)
			FUZZ_ASSERT(strcmp(req.query[i].name, req.query[j].name) != 0,
				    "kept '%s' twice", req.query[i].name);
	}
	for (i = 0; i < v.n_errors; i++)
		FUZZ_ASSERT(v.errors[i].path != NULL && v.errors[i].path[0] == '?' &&
				    v.errors[i].message != NULL,
			    "query problem without a ?path");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new();
	char *input = fuzz_strndup(data, size), *path = input, *query = NULL, *sp, *qm;
	const char *method_name = "GET", *params[HTTP_MAX_PATH_PARAMS] = { NULL };
	const struct route *route;
	enum http_method method;
	unsigned allowed = 99;
	char *decoded;

	sp = strchr(input, ' ');
	if (sp != NULL) {
		*sp = '\0';
		method_name = input;
		path = sp + 1;
	}
	qm = strchr(path, '?');
	if (qm != NULL) {
		*qm = '\0';
		query = qm + 1;
	}
	method = http_method_parse(method_name);
	route = route_lookup(api_routes, api_routes_count, method, path, a, params, &allowed);
	if (route != NULL) {
		FUZZ_ASSERT(route->method == method ||
				    (method == HTTP_HEAD && route->method == HTTP_GET),
			    "matched a route of another method");
		check_placeholders(route, params);
		FUZZ_ASSERT(
			strcmp(instantiate(a, route->pattern, params), merge_slashes(a, path)) == 0,
			"path '%s' matched %s but is not its canonical form", path, route->pattern);
		check_query(a, route, query);
	} else if (allowed != 0) {
		const char *allow = route_allow_header(a, allowed);

		FUZZ_ASSERT(!(allowed & method), "a method of the path was not matched");
		FUZZ_ASSERT(!(allowed & HTTP_GET) == !(allowed & HTTP_HEAD),
			    "HEAD allowed without GET or GET without HEAD");
		FUZZ_ASSERT(allow != NULL && allow[0] != '\0', "405 without an Allow value");
	}
	if (query != NULL) {
		size_t len = strlen(query);

		decoded = query_decode(a, query, len);
		FUZZ_ASSERT(decoded == NULL || strlen(decoded) <= len,
			    "query_decode grew its input");
	}
	arena_free(a);
	free(input);
	return 0;
}
