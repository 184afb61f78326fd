#ifndef INTEGRATIONS_DISPATCH_H
#define INTEGRATIONS_DISPATCH_H

#include <time.h>

#include "http/http.h"
#include "http/route.h"

/*
 * Serves one request through table: route (404/405), token (401), query
 * string and body shape (400/413/415), then the route's handler. Every
 * outcome is written to resp.
 */
void dispatch(const struct route *table, size_t n_routes, struct request *req,
	      struct response *resp, time_t now);

#endif
