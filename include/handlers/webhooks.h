#ifndef INTEGRATIONS_HANDLERS_WEBHOOKS_H
#define INTEGRATIONS_HANDLERS_WEBHOOKS_H

#include "http/http.h"
#include "http/validate.h"

/* Webhook endpoints (PRODUCT §15): the body specs and query parameters of their routes. */
extern const struct body_spec webhook_endpoint_create_body;
extern const struct body_spec webhook_endpoint_patch_body;
extern const char *const webhook_endpoint_list_params[];
extern const char *const webhook_delivery_list_params[];

/*
 * The route check of the create and PATCH (route_call.before): a url in the body must be one
 * webhooks may go to (http/webhook_url.h; private addresses only with
 * INTEGRATIONS_WEBHOOK_ALLOW_PRIVATE=1), else 422 validation_failed at /url and -1.
 */
int webhook_url_or_reply(struct request *req, struct response *resp);

/*
 * The plain handlers; create, get, PATCH, DELETE, rotate-secret, test, and a delivery's get
 * and redeliver are SQL-call routes (app/handlers/routes.c).
 */
/* GET /api/webhook-endpoints?workspace_id=: §5 paging; owner/admin of the workspace only. */
void handle_webhook_endpoint_list(struct request *req, struct response *resp);
/* GET /api/webhook-endpoints/{whe}/deliveries?state=: §5 paging; owner/admin only. */
void handle_webhook_delivery_list(struct request *req, struct response *resp);

#endif
