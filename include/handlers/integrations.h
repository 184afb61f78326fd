#ifndef INTEGRATIONS_HANDLERS_INTEGRATIONS_H
#define INTEGRATIONS_HANDLERS_INTEGRATIONS_H

#include "http/http.h"
#include "http/validate.h"

/* Handlers: plain functions of a dispatched request (token verified, shape checked). */
extern const struct body_spec integration_create_body;
extern const struct body_spec integration_patch_body;

#endif
