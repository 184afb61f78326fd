#include "server/idempotency.h"

#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "base/fingerprint.h"
#include "http/problem.h"

static struct db_stmt begin_stmt = {
	"idempotency_begin",
	"select status, body, location, etag from api.idempotency_begin($1, $2, $3)", 3, 0
};
static struct db_stmt finish_stmt = { "idempotency_finish",
				      "select api.idempotency_finish($1, $2, $3, $4, $5, $6, $7)",
				      7, 0 };

static bool valid_key(const char *key)
{
	size_t n = strlen(key);

	if (n == 0 || n > IDEMPOTENCY_KEY_MAX)
		return false;
	for (; *key != '\0'; key++)
		if ((unsigned char)*key < 0x21 || (unsigned char)*key > 0x7e)
			return false;
	return true;
}

/* Finds "Name: value\r\n" among the response's extra headers; an arena copy of value or NULL. */
static const char *header_value(struct request *req, const struct response *resp, const char *name)
{
	size_t n = strlen(name);
	const char *line = resp->headers.data;

	while (line != NULL && *line != '\0') {
		const char *end = strstr(line, "\r\n");

		if (end == NULL)
			break;
		if ((size_t)(end - line) > n + 2 && strncmp(line, name, n) == 0 && line[n] == ':')
			return arena_strndup(req->arena, line + n + 2,
					     (size_t)(end - line) - n - 2);
		line = end + 2;
	}
	return NULL;
}

static void replay(struct response *resp, PGresult *kept)
{
	response_json(resp, atoi(PQgetvalue(kept, 0, 0)), PQgetvalue(kept, 0, 1),
		      (size_t)PQgetlength(kept, 0, 1));
	if (!PQgetisnull(kept, 0, 2))
		response_header(resp, "Location", PQgetvalue(kept, 0, 2));
	if (!PQgetisnull(kept, 0, 3))
		response_header(resp, "ETag", PQgetvalue(kept, 0, 3));
	response_header(resp, "Idempotent-Replayed", "true");
}

/*
 * A replay is answered only if the caller may still make the request (its
 * token may have lost the workspace role since): the handler runs again, as
 * a fresh request would, inside a savepoint that is always rolled back, so
 * nothing happens twice. Authorization comes first in every handler's stored
 * function, so a refusal (403, or 404 for what the caller may no longer see)
 * is its answer; any other outcome (success, or a conflict with what the first
 * request did) means access still holds, and the kept response is replayed.
 */
static void replay_if_still_allowed(route_handler handler, struct request *req,
				    struct response *resp, PGresult *kept)
{
	struct response fresh;

	if (db_transaction(req, resp, DB_SAVEPOINT) < 0)
		return;
	response_init(&fresh, req->arena);
	handler(req, &fresh);
	if (db_transaction(req, resp, DB_ROLLBACK_TO_SAVEPOINT) < 0)
		return;
	if (fresh.status == 403 || fresh.status == 404) {
		resp->status = fresh.status;
		resp->content_type = fresh.content_type;
		resp->body = fresh.body;
		strbuf_append(&resp->headers, fresh.headers.data, fresh.headers.len);
		return;
	}
	replay(resp, kept);
}

void idempotency_run(route_handler handler, struct request *req, struct response *resp)
{
	const char *parts[] = { req->method_name, req->path, req->body };
	const char *hash = fingerprint_hex(req->arena, parts, 3);
	const char *begin_params[] = { req->caller.sub, req->idempotency_key, hash };
	const char *finish_params[7];
	PGresult *kept;

	if (!valid_key(req->idempotency_key)) {
		problem_reply(resp, req, 400, "validation_failed",
			      "Idempotency-Key must be 1 to 255 visible ASCII characters");
		return;
	}
	if (db_transaction(req, resp, DB_BEGIN) < 0)
		return;
	kept = db_exec(req, resp, &begin_stmt, begin_params, false);
	if (kept == NULL || PQntuples(kept) == 1) {
		if (kept != NULL)
			replay_if_still_allowed(handler, req, resp, kept);
		db_transaction(req, NULL, DB_ROLLBACK);
		return;
	}
	handler(req, resp);
	if (resp->status >= 300) {
		db_transaction(req, NULL, DB_ROLLBACK);
		return;
	}
	finish_params[0] = req->caller.sub;
	finish_params[1] = req->idempotency_key;
	finish_params[2] = hash;
	finish_params[3] = arena_printf(req->arena, "%d", resp->status);
	finish_params[4] = resp->body.data;
	finish_params[5] = header_value(req, resp, "Location");
	finish_params[6] = header_value(req, resp, "ETag");
	if (db_exec(req, resp, &finish_stmt, finish_params, false) == NULL) {
		db_transaction(req, NULL, DB_ROLLBACK);
		return;
	}
	db_transaction(req, resp, DB_COMMIT);
}
