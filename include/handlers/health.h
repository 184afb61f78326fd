#ifndef INTEGRATIONS_HANDLERS_HEALTH_H
#define INTEGRATIONS_HANDLERS_HEALTH_H

#include "http/http.h"

/* Handlers: plain functions of a dispatched request (token verified, shape checked). */
void handle_healthz(struct request *req, struct response *resp);

/*
 * GET /api/readyz: 200 {"status":"ready"} when the database answers and every migration
 * this binary was built with is recorded in public.schema_migrations; else 503 unavailable.
 */
void handle_readyz(struct request *req, struct response *resp);

#endif
