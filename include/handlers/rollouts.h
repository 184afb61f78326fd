#ifndef INTEGRATIONS_HANDLERS_ROLLOUTS_H
#define INTEGRATIONS_HANDLERS_ROLLOUTS_H

#include "http/http.h"
#include "http/validate.h"

/* Rollouts (PRODUCT §14): the body specs and query parameters of their routes. */
extern const struct body_spec rollout_create_body;
extern const struct body_spec install_patch_body;
extern const char *const rollout_list_params[];
extern const char *const rollout_job_list_params[];

/*
 * The plain handlers of the rollouts; create, get, pause/resume/cancel/retry and PATCH of an
 * install (upgradePolicy) are SQL-call routes (app/handlers/routes.c).
 */
/* GET /api/integrations/{int}/rollouts: §5 paging; roles of the source workspace only. */
void handle_rollout_list(struct request *req, struct response *resp);
/* GET /api/rollouts/{rol}/jobs?state=: §5 paging. */
void handle_rollout_job_list(struct request *req, struct response *resp);

#endif
