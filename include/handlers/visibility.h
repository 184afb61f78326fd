#ifndef INTEGRATIONS_HANDLERS_VISIBILITY_H
#define INTEGRATIONS_HANDLERS_VISIBILITY_H

#include "http/http.h"
#include "http/validate.h"

/* Handlers: plain functions of a dispatched request (token verified, shape checked). */
void handle_integration_set_visibility(struct request *req, struct response *resp);
void handle_integration_review(struct request *req, struct response *resp);
void handle_integration_grant_create(struct request *req, struct response *resp);
void handle_integration_grant_list(struct request *req, struct response *resp);
void handle_integration_grant_delete(struct request *req, struct response *resp);
extern const struct body_spec integration_visibility_body;
extern const struct body_spec integration_review_body;
extern const struct body_spec integration_grant_body;

#endif
