#ifndef INTEGRATIONS_HTTP_H
#define INTEGRATIONS_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <json.h>

#include "base/arena.h"
#include "base/strbuf.h"

#define HTTP_MAX_BODY (1024 * 1024)
#define HTTP_MAX_PATH_PARAMS 4
#define HTTP_MAX_QUERY_PARAMS 32

enum http_method {
	HTTP_GET = 1 << 0,
	HTTP_POST = 1 << 1,
	HTTP_PATCH = 1 << 2,
	HTTP_DELETE = 1 << 3,
	HTTP_PUT = 1 << 4,
	HTTP_HEAD = 1 << 5,
	HTTP_OPTIONS = 1 << 6,
	HTTP_OTHER = 1 << 7,
};

struct query_param {
	const char *name;
	const char *value;
};

struct caller {
	const char *sub;
	const char *
		json; /* {"sub", "workspaces", "roles"}: the caller argument of every api function */
	const char
		*workspace_array; /* PostgreSQL text[] literal of the workspaces it has a role in */
};

struct db;
struct replica;
struct config;
struct route;

/* One request, independent of FastCGI so handlers can be driven by tests. All strings live in arena. */
struct request {
	struct arena *arena;
	const struct config *config;
	struct db *db; /* the write connection; the dispatcher may point a read elsewhere */
	struct replica *replica; /* NULL: no read URL */
	const char *consistency_token; /* X-Consistency-Token, as sent */
	enum http_method method;
	const char *method_name;
	const char *path;
	const char *query_string;
	const char *request_id;
	const char *authorization;
	const char *content_type;
	const char *if_match;
	const char *idempotency_key;
	const char *body; /* NUL-terminated; NULL when the request had none */
	size_t body_len;
	bool body_too_large;

	bool metrics_scrape; /* came through nginx's loopback metrics server */

	/* Filled in by the dispatcher before a handler runs. */
	const struct route *route; /* NULL when no route matched */
	struct caller caller;
	const char *path_params[HTTP_MAX_PATH_PARAMS];
	struct query_param query[HTTP_MAX_QUERY_PARAMS];
	size_t n_query;
	struct json_object *json; /* parsed body, owned by the arena */
};

struct response {
	int status;
	const char *content_type;
	struct strbuf headers; /* extra "Name: value\r\n" lines */
	struct strbuf body;
};

void response_init(struct response *resp, struct arena *a);
void response_header(struct response *resp, const char *name, const char *value);
/* A JSON body from text that is already JSON (e.g. produced by PostgreSQL). */
void response_json(struct response *resp, int status, const char *json, size_t len);

/* The value of query parameter name, or NULL. */
const char *request_query(const struct request *req, const char *name);

enum http_method http_method_parse(const char *name);
const char *http_reason(int status);

#endif
