#include "server/dispatch.h"

#include <string.h>
#include <strings.h>

#include "auth/auth.h"
#include "base/config.h"
#include "db/replica.h"
#include "server/idempotency.h"
#include "json/json_strict.h"
#include "http/problem.h"
#include "http/query.h"

static bool is_json_media_type(const char *ct)
{
	size_t n = strlen("application/json");

	if (ct == NULL || strncasecmp(ct, "application/json", n) != 0)
		return false;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

static int route_or_reply(const struct route *table, size_t n, struct request *req,
			  struct response *resp, const struct route **route)
{
	unsigned allowed;

	*route = route_lookup(table, n, req->method, req->path, req->arena, req->path_params,
			      &allowed);
	req->route = *route;
	if (*route != NULL)
		return 0;
	if (allowed == 0) {
		problem_reply(resp, req, 404, "not_found", "no such resource");
		return -1;
	}
	problem_reply(resp, req, 405, "method_not_allowed",
		      arena_printf(req->arena, "%s is not allowed here", req->method_name));
	response_header(resp, "Allow", route_allow_header(req->arena, allowed));
	return -1;
}

/*
 * The caller json of this request: the token's (cached per token) plus the
 * request's X-Request-Id and Idempotency-Key (null when absent), which the
 * database records in an install's history.
 */
static void caller_add_request(struct request *req)
{
	struct strbuf sb;
	size_t len = strlen(req->caller.json);

	strbuf_init(&sb, req->arena);
	strbuf_printf(&sb, "%.*s,\"requestId\":", (int)(len - 1), req->caller.json);
	strbuf_json_string(&sb, req->request_id != NULL ? req->request_id : "");
	strbuf_puts(&sb, ",\"idempotencyKey\":");
	if (req->idempotency_key != NULL)
		strbuf_json_string(&sb, req->idempotency_key);
	else
		strbuf_puts(&sb, "null");
	strbuf_putc(&sb, '}');
	req->caller.json = sb.data;
}

static int auth_or_reply(const struct route *route, struct request *req, struct response *resp,
			 time_t now)
{
	const char *why;

	if (route->public)
		return 0;
	if (auth_verify(req->config, req->arena, req->authorization, now, &req->caller, &why) ==
	    0) {
		caller_add_request(req);
		return 0;
	}
	problem_reply(resp, req, 401, "invalid_token",
		      arena_printf(req->arena, "the bearer token was refused: %s", why));
	response_header(resp, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
	return -1;
}

static int query_or_reply(const struct route *route, struct request *req, struct response *resp)
{
	struct validation v = { .arena = req->arena, .n_errors = 0 };

	query_parse(req, route->query_params, &v);
	if (v.n_errors == 0)
		return 0;
	problem_reply_errors(resp, req, 400, "validation_failed", "the query string is not valid",
			     v.errors, v.n_errors);
	return -1;
}

/* Header values that reach the database: entity tags are printable ASCII (RFC 9110). */
static int headers_or_reply(struct request *req, struct response *resp)
{
	const char *c;

	for (c = req->if_match; c != NULL && *c != '\0'; c++) {
		if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e) {
			problem_reply(resp, req, 400, "validation_failed",
				      "If-Match must be * or a list of entity tags");
			return -1;
		}
	}
	return 0;
}

static int body_or_reply(const struct route *route, struct request *req, struct response *resp)
{
	struct validation v = { .arena = req->arena, .n_errors = 0 };
	bool has_body = req->body != NULL && req->body_len > 0;
	const char *why;

	if (req->body_too_large) {
		problem_reply(resp, req, 413, "payload_too_large", "the body is larger than 1 MiB");
		return -1;
	}
	if (!has_body) {
		if (route->body != BODY_REQUIRED)
			return 0;
		problem_reply(resp, req, 400, "validation_failed",
			      "this request needs a JSON body");
		return -1;
	}
	if (route->body == BODY_NONE) {
		problem_reply(resp, req, 400, "validation_failed", "this request takes no body");
		return -1;
	}
	if (!is_json_media_type(req->content_type)) {
		problem_reply(resp, req, 415, "unsupported_media_type",
			      "the body must be sent as application/json");
		return -1;
	}
	if (json_parse_document(req->body, req->body_len, &req->json, &why) < 0) {
		problem_reply(resp, req, 400, "invalid_json",
			      arena_printf(req->arena, "the body is not valid JSON: %s", why));
		return -1;
	}
	json_defer_put(req->arena, req->json);
	validate_body(route->body_spec, req->json, &v);
	if (v.n_errors == 0)
		return 0;
	problem_reply_errors(resp, req, 400, "validation_failed", "the body is not valid", v.errors,
			     v.n_errors);
	return -1;
}

/*
 * Read scaling, the one place that decides (docs/architecture.md "Read and
 * write connections"): a read (GET, HEAD) runs on the standby connection when
 * there is one and it is fresh enough for this request, anything else on the
 * write connection. A malformed X-Consistency-Token is refused on any request.
 */
static int connection_or_reply(struct request *req, struct response *resp)
{
	uint64_t token = 0;
	bool has_token = req->consistency_token != NULL;
	const char *served = "primary";

	if (has_token && consistency_token_decode(req->consistency_token, &token) < 0) {
		problem_reply(resp, req, 400, "validation_failed",
			      "X-Consistency-Token must be a token from X-Consistency-Token of a "
			      "write's response");
		return -1;
	}
	if (replica_is_read(req->method))
		req->db = replica_route(req->replica, req->db, has_token, token, req->arena,
					&served);
	if (req->config != NULL && req->config->debug_db_header && replica_is_read(req->method))
		response_header(resp, "X-Debug-Db", served);
	return 0;
}

/* A successful write answers the token of its commit's WAL position (read your writes). */
static void write_token(const struct request *req, struct response *resp)
{
	const char *token;

	if ((req->method & (HTTP_POST | HTTP_PATCH | HTTP_DELETE | HTTP_PUT)) == 0 ||
	    resp->status < 200 || resp->status > 299)
		return;
	token = replica_write_token(req->db, req->arena);
	if (token != NULL)
		response_header(resp, "X-Consistency-Token", token);
}

void dispatch(const struct route *table, size_t n_routes, struct request *req,
	      struct response *resp, time_t now)
{
	const struct route *route;

	if (route_or_reply(table, n_routes, req, resp, &route) < 0 ||
	    auth_or_reply(route, req, resp, now) < 0 || query_or_reply(route, req, resp) < 0 ||
	    headers_or_reply(req, resp) < 0 || body_or_reply(route, req, resp) < 0 ||
	    connection_or_reply(req, resp) < 0)
		return;
	if (req->method == HTTP_POST && req->idempotency_key != NULL && !route->public)
		idempotency_run(route->handler, req, resp);
	else
		route->handler(req, resp);
	write_token(req, resp);
}
