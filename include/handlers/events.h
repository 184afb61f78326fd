#ifndef INTEGRATIONS_HANDLERS_EVENTS_H
#define INTEGRATIONS_HANDLERS_EVENTS_H

#include "http/http.h"

/* A workspace's events (PRODUCT §15): GET /api/events?workspace_id=&types=&after=. */
void handle_event_list(struct request *req, struct response *resp);
extern const char *const event_list_params[];

#endif
