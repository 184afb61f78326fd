#ifndef INTEGRATIONS_HANDLERS_INTEGRATION_LIST_H
#define INTEGRATIONS_HANDLERS_INTEGRATION_LIST_H

#include "http/http.h"

/* Handlers: plain functions of a dispatched request (token verified, shape checked). */
void handle_integration_list(struct request *req, struct response *resp);
extern const char *const integration_list_params[];

#endif
