#ifndef INTEGRATIONS_ROUTE_H
#define INTEGRATIONS_ROUTE_H

#include <stddef.h>

#include "http/http.h"
#include "http/validate.h"

typedef void (*route_handler)(struct request *req, struct response *resp);

enum route_body { BODY_NONE, BODY_OPTIONAL, BODY_REQUIRED };

/* A prepared statement (db/db.h); this layer only names it. */
struct db_stmt;

/* Where one argument of a route's SQL call comes from: a small fixed vocabulary. */
enum route_arg_from {
	ROUTE_ARG_NONE = 0, /* ends the list */
	ROUTE_ARG_CALLER, /* the caller as JSON (jsonb) */
	ROUTE_ARG_PATH, /* path placeholder number index */
	ROUTE_ARG_BODY, /* the request body text as received; SQL null when none was sent */
	ROUTE_ARG_IF_MATCH, /* the If-Match header, SQL null when absent */
	ROUTE_ARG_QUERY, /* the query parameter name, SQL null when absent */
};

struct route_arg {
	enum route_arg_from from;
	unsigned index; /* ROUTE_ARG_PATH */
	const char *name; /* ROUTE_ARG_QUERY */
};

#define ROUTE_MAX_ARGS 6

/*
 * A route answered by one SQL call: stmt returns one api.reply row (status,
 * body, etag, location), its $1..$n taken from args in order. With not_found
 * set the call is a read by id that may return no row, answered 404
 * not_found with that detail. With before set, the generic handler runs it
 * first: a rule the database cannot judge (a webhook URL's addresses), which
 * returns -1 after writing its problem, and then the statement is not run.
 */
struct route_call {
	struct db_stmt *stmt;
	struct route_arg args[ROUTE_MAX_ARGS];
	const char *not_found;
	int (*before)(struct request *req, struct response *resp);
};

#define ARG_CALLER                                                                                 \
	{                                                                                          \
		ROUTE_ARG_CALLER, 0, NULL                                                          \
	}
#define ARG_PATH(n)                                                                                \
	{                                                                                          \
		ROUTE_ARG_PATH, (n), NULL                                                          \
	}
#define ARG_BODY                                                                                   \
	{                                                                                          \
		ROUTE_ARG_BODY, 0, NULL                                                            \
	}
#define ARG_IF_MATCH                                                                               \
	{                                                                                          \
		ROUTE_ARG_IF_MATCH, 0, NULL                                                        \
	}
#define ARG_QUERY(q)                                                                               \
	{                                                                                          \
		ROUTE_ARG_QUERY, 0, (q)                                                            \
	}

/*
 * One endpoint. pattern segments are literals or placeholders naming an id
 * prefix: "{int}" matches int_ + 28 hex digits, "{ws}" a workspace id. A
 * segment of the wrong shape does not match, so it is a 404 like any unknown
 * path.
 */
struct route {
	enum http_method method;
	const char *pattern;
	route_handler handler; /* with call: the generic handler that runs it */
	const struct route_call *call; /* NULL: handler is a plain function */
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
