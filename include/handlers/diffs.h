#ifndef INTEGRATIONS_HANDLERS_DIFFS_H
#define INTEGRATIONS_HANDLERS_DIFFS_H

#include "http/http.h"

/*
 * Diffs (PRODUCT §12): what changed between two versions (a plain handler:
 * ?from is required); a member's local edits are an SQL-call route.
 */
void handle_integration_version_diff(struct request *req, struct response *resp);
extern const char *const integration_version_diff_params[];

#endif
