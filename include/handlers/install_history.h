#ifndef INTEGRATIONS_HANDLERS_INSTALL_HISTORY_H
#define INTEGRATIONS_HANDLERS_INSTALL_HISTORY_H

#include "http/http.h"
#include "http/validate.h"

/* An install's history (PRODUCT §13): its operations (the list; get, verify and
 * rollback are SQL-call routes), and the rollback body. */
void handle_install_operation_list(struct request *req, struct response *resp);
extern const struct body_spec install_rollback_body;
extern const char *const install_operation_list_params[];

#endif
