#ifndef INTEGRATIONS_HANDLERS_COMMON_H
#define INTEGRATIONS_HANDLERS_COMMON_H

#include "http/http.h"
#include "http/validate.h"

extern const struct body_spec empty_body;

/*
 * The handler of every route with a call (http/route.h): runs req->route's
 * statement with the arguments its table entry names and replies with the
 * api.reply row it returns (db_reply), or for a read by id the 404 when it
 * returns none (db_read).
 */
void handle_sql_call(struct request *req, struct response *resp);

#endif
