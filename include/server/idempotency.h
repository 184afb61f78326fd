#ifndef INTEGRATIONS_IDEMPOTENCY_H
#define INTEGRATIONS_IDEMPOTENCY_H

#include "http/http.h"
#include "http/route.h"

#define IDEMPOTENCY_KEY_MAX 255

/*
 * Serves a POST that carries an Idempotency-Key: in one transaction, either
 * replays the response kept for an identical earlier request, or runs
 * handler and keeps its response when it succeeded. A failed request keeps
 * nothing, so retrying it runs it again. Before a replay, handler runs again
 * in a savepoint that is rolled back (nothing runs twice): if the caller may
 * no longer make the request (403 or 404 now), that is the answer instead of
 * the kept response.
 */
void idempotency_run(route_handler handler, struct request *req, struct response *resp);

#endif
