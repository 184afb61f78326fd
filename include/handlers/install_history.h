#ifndef INTEGRATIONS_HANDLERS_INSTALL_HISTORY_H
#define INTEGRATIONS_HANDLERS_INSTALL_HISTORY_H

#include "http/http.h"
#include "http/validate.h"

/* An install's history (PRODUCT §13): its operations, their chain, rollback. */
void handle_install_operation_list(struct request *req, struct response *resp);
void handle_install_operation_get(struct request *req, struct response *resp);
void handle_install_operations_verify(struct request *req, struct response *resp);
void handle_install_rollback(struct request *req, struct response *resp);
extern const struct body_spec install_rollback_body;
extern const char *const install_operation_list_params[];

#endif
