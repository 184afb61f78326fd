#ifndef INTEGRATIONS_HANDLERS_H
#define INTEGRATIONS_HANDLERS_H

#include "http.h"
#include "manifest.h"
#include "validate.h"

/* Handlers: plain functions of a dispatched request (token verified, shape checked). */
void handle_healthz(struct request *req, struct response *resp);

void handle_integration_list(struct request *req, struct response *resp);
void handle_integration_create(struct request *req, struct response *resp);
void handle_integration_get(struct request *req, struct response *resp);
void handle_integration_patch(struct request *req, struct response *resp);
void handle_integration_delete(struct request *req, struct response *resp);
void handle_integration_restore(struct request *req, struct response *resp);
void handle_integration_purge(struct request *req, struct response *resp);

extern const struct body_spec integration_create_body;
extern const struct body_spec integration_patch_body;
extern const struct body_spec empty_body;
extern const char *const integration_list_params[];

/* After a 201 whose JSON body has an "id", adds Location: <collection>/<id>. */
void reply_location(struct request *req, struct response *resp, const char *collection);

void handle_entity_list(struct request *req, struct response *resp);
void handle_entity_create(struct request *req, struct response *resp);
void handle_entity_get(struct request *req, struct response *resp);
void handle_entity_patch(struct request *req, struct response *resp);

void handle_integration_publish(struct request *req, struct response *resp);
void handle_integration_version_list(struct request *req, struct response *resp);
void handle_integration_version_get(struct request *req, struct response *resp);
void handle_integration_members_preview(struct request *req, struct response *resp);

void handle_integration_set_visibility(struct request *req, struct response *resp);
void handle_integration_review(struct request *req, struct response *resp);
void handle_integration_grant_create(struct request *req, struct response *resp);
void handle_integration_grant_list(struct request *req, struct response *resp);
void handle_integration_grant_delete(struct request *req, struct response *resp);

extern const struct body_spec entity_create_body;
extern const struct body_spec entity_patch_body;
extern const struct body_spec integration_publish_body;
extern const struct body_spec integration_visibility_body;
extern const struct body_spec integration_review_body;
extern const struct body_spec integration_grant_body;
extern const char *const entity_list_params[];
extern const char *const version_list_params[];

void handle_integration_install(struct request *req, struct response *resp);
void handle_install_list(struct request *req, struct response *resp);
void handle_install_get(struct request *req, struct response *resp);
void handle_install_delete(struct request *req, struct response *resp);
void handle_install_members(struct request *req, struct response *resp);
void handle_install_upgrade(struct request *req, struct response *resp);
void handle_install_member_detach(struct request *req, struct response *resp);

extern const struct body_spec install_body;
extern const struct body_spec install_upgrade_body;
extern const struct body_spec install_member_detach_body;
extern const char *const install_list_params[];

#endif
