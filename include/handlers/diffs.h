#ifndef INTEGRATIONS_HANDLERS_DIFFS_H
#define INTEGRATIONS_HANDLERS_DIFFS_H

#include "http/http.h"

/* Diffs (PRODUCT §12): a member's local edits, and what changed between two versions. */
void handle_install_member_diff(struct request *req, struct response *resp);
void handle_integration_version_diff(struct request *req, struct response *resp);
extern const char *const integration_version_diff_params[];

#endif
