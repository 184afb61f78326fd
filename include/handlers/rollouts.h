#ifndef INTEGRATIONS_HANDLERS_ROLLOUTS_H
#define INTEGRATIONS_HANDLERS_ROLLOUTS_H

#include "http/http.h"
#include "http/validate.h"

/* Rollouts (PRODUCT §14): the body specs and query parameters of their routes. */
extern const struct body_spec rollout_create_body;
extern const struct body_spec install_patch_body;
extern const char *const rollout_list_params[];
extern const char *const rollout_job_list_params[];

/* POST /api/integrations/{int}/rollouts: 202 + Location /api/rollouts/{id}. */
void handle_rollout_create(struct request *req, struct response *resp);
/* GET /api/integrations/{int}/rollouts: §5 paging; roles of the source workspace only. */
void handle_rollout_list(struct request *req, struct response *resp);
/* GET /api/rollouts/{rol} */
void handle_rollout_get(struct request *req, struct response *resp);
/* GET /api/rollouts/{rol}/jobs?state=: §5 paging. */
void handle_rollout_job_list(struct request *req, struct response *resp);
/* POST /api/rollouts/{rol}/pause|resume|cancel|retry */
void handle_rollout_pause(struct request *req, struct response *resp);
void handle_rollout_resume(struct request *req, struct response *resp);
void handle_rollout_cancel(struct request *req, struct response *resp);
void handle_rollout_retry(struct request *req, struct response *resp);
/* PATCH /api/integration-installs/{inst} {"upgradePolicy"} */
void handle_install_patch(struct request *req, struct response *resp);

#endif
