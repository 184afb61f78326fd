#ifndef INTEGRATIONS_HANDLERS_VERSIONS_H
#define INTEGRATIONS_HANDLERS_VERSIONS_H

#include "http/http.h"
#include "http/validate.h"

/* Handlers: plain functions of a dispatched request (token verified, shape checked). */
void handle_integration_version_list(struct request *req, struct response *resp);
extern const struct body_spec integration_publish_body;
extern const char *const version_list_params[];

#endif
