#ifndef INTEGRATIONS_HANDLERS_ENTITIES_H
#define INTEGRATIONS_HANDLERS_ENTITIES_H

#include "http/http.h"
#include "http/validate.h"

/* Handlers: plain functions of a dispatched request (token verified, shape checked). */
void handle_entity_list(struct request *req, struct response *resp);
extern const struct body_spec entity_create_body;
extern const struct body_spec entity_patch_body;
extern const char *const entity_list_params[];

#endif
