#ifndef INTEGRATIONS_HANDLERS_COMMON_H
#define INTEGRATIONS_HANDLERS_COMMON_H

#include "http/http.h"
#include "http/validate.h"

extern const struct body_spec empty_body;
/* After a 201 whose JSON body has an "id", adds Location: <collection>/<id>. */
void reply_location(struct request *req, struct response *resp, const char *collection);

#endif
