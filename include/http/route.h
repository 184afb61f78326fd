#ifndef INTEGRATIONS_ROUTE_H
#define INTEGRATIONS_ROUTE_H

#include <stddef.h>

#include "http/http.h"
#include "http/validate.h"

typedef void (*route_handler)(struct request *req, struct response *resp);

enum route_body { BODY_NONE, BODY_OPTIONAL, BODY_REQUIRED };

/*
 * One endpoint. pattern segments are literals or placeholders naming an id
 * prefix: "{int}" matches int_ + 28 hex digits, "{ws}" a workspace id. A
 * segment of the wrong shape does not match, so it is a 404 like any unknown
 * path.
 */
struct route {
	enum http_method method;
	const char *pattern;
	route_handler handler;
	bool public; /* no token needed */
	enum route_body body;
	const struct body_spec *body_spec; /* fields a body may have; NULL: no body */
	const char *const *query_params; /* NULL-terminated names allowed; NULL: none */
};

/*
 * Finds the route for method + path in table. On a match returns it and
 * stores the placeholder segments (arena strings) in params; HEAD matches the
 * GET route of the path (the caller sends no body). Else returns NULL and
 * *allowed holds the methods of routes whose pattern matches the path, HEAD
 * with every GET (0: no such path, a 404; else a 405).
 */
const struct route *route_lookup(const struct route *table, size_t n, enum http_method method,
				 const char *path, struct arena *a, const char **params,
				 unsigned *allowed);

/* Writes the Allow header value for a method set, e.g. "GET, HEAD, PATCH, DELETE". */
const char *route_allow_header(struct arena *a, unsigned allowed);

#endif
