#ifndef INTEGRATIONS_HANDLERS_VISIBILITY_H
#define INTEGRATIONS_HANDLERS_VISIBILITY_H

#include "http/http.h"
#include "http/validate.h"

/* Handlers: plain functions of a dispatched request (token verified, shape checked). */
extern const struct body_spec integration_visibility_body;
extern const struct body_spec integration_review_body;
extern const struct body_spec integration_grant_body;

#endif
