#ifndef INTEGRATIONS_METRICS_H
#define INTEGRATIONS_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "http/http.h"
#include "http/route.h"

/*
 * Request counters shared by every worker of one supervisor: an anonymous
 * MAP_SHARED mapping made by the supervisor before it forks, incremented with
 * atomic adds, read by GET /metrics in any worker. docs/operations.md
 * ("Observability") lists the series.
 */

/*
 * Maps the counters for the n_routes routes of table (the rows are indexed by a request's
 * route within it; table must outlive the process). Call once, before forking. Returns 0 or -1.
 */
int metrics_init(const struct route *table, size_t n_routes);

/*
 * Counts one answered request by the route it matched (the table of metrics_init; none: the
 * "unmatched" series) and its status; a worker's own 503 counts as a database
 * "unavailable" error and a 500 as a database "internal" error (every 500 the
 * workers produce comes from an unexpected SQL error). No-op before metrics_init.
 */
void metrics_record(const struct request *req, const struct response *resp);

/* GET /metrics: the Prometheus text exposition, or 404 unless the request came through nginx's loopback metrics server. */
void handle_metrics(struct request *req, struct response *resp);

#endif
