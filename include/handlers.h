#ifndef INTEGRATIONS_HANDLERS_H
#define INTEGRATIONS_HANDLERS_H

#include "http.h"
#include "validate.h"

/* Handlers: plain functions of a dispatched request (token verified, shape checked). */
void handle_healthz(struct request *req, struct response *resp);

void handle_integration_list(struct request *req, struct response *resp);
void handle_integration_create(struct request *req, struct response *resp);
void handle_integration_get(struct request *req, struct response *resp);
void handle_integration_patch(struct request *req, struct response *resp);
void handle_integration_delete(struct request *req, struct response *resp);
void handle_integration_restore(struct request *req, struct response *resp);
void handle_integration_purge(struct request *req, struct response *resp);

extern const struct body_spec integration_create_body;
extern const struct body_spec integration_patch_body;
extern const struct body_spec empty_body;
extern const char *const integration_list_params[];

/* After a 201 whose JSON body has an "id", adds Location: <collection>/<id>. */
void reply_location(struct request *req, struct response *resp, const char *collection);

#endif
