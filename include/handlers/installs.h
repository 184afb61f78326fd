#ifndef INTEGRATIONS_HANDLERS_INSTALLS_H
#define INTEGRATIONS_HANDLERS_INSTALLS_H

#include "http/http.h"
#include "http/validate.h"

/* Handlers: plain functions of a dispatched request (token verified, shape checked). */
void handle_install_list(struct request *req, struct response *resp);
extern const struct body_spec install_body;
extern const struct body_spec install_upgrade_body;
extern const struct body_spec install_member_detach_body;
extern const char *const install_list_params[];

#endif
