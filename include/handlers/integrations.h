#ifndef INTEGRATIONS_HANDLERS_INTEGRATIONS_H
#define INTEGRATIONS_HANDLERS_INTEGRATIONS_H

#include "http/http.h"
#include "http/validate.h"

/* Handlers: plain functions of a dispatched request (token verified, shape checked). */
void handle_integration_create(struct request *req, struct response *resp);
void handle_integration_get(struct request *req, struct response *resp);
void handle_integration_patch(struct request *req, struct response *resp);
void handle_integration_delete(struct request *req, struct response *resp);
void handle_integration_restore(struct request *req, struct response *resp);
void handle_integration_purge(struct request *req, struct response *resp);
extern const struct body_spec integration_create_body;
extern const struct body_spec integration_patch_body;

#endif
