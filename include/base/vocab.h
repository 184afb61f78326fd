#ifndef INTEGRATIONS_VOCAB_H
#define INTEGRATIONS_VOCAB_H

#include <stdbool.h>

/*
 * The service's vocabularies and identifier shapes, in one place. Each list is
 * NULL-terminated and in the order of the SQL CHECK constraint and the OpenAPI enum
 * it mirrors; tests/vocab_check.py fails the lint gate when the three disagree.
 */

/* integrations.trust_tier (sql/migrations/0001_baseline.sql; OpenAPI TrustTier). */
extern const char *const vocab_trust_tiers[];
/* integrations.visibility (OpenAPI Visibility). */
extern const char *const vocab_visibilities[];
/* integration_installs.member_policy (OpenAPI MemberPolicy). */
extern const char *const vocab_member_policies[];
/* integrations.retention_tier, integration_installs.retention_tier (OpenAPI RetentionTier). */
extern const char *const vocab_retention_tiers[];
/* How a manifest member uses its entity (install_members.mode; OpenAPI manifest member mode). */
extern const char *const vocab_member_modes[];
/* A caller's role in a workspace, as the token carries it (core.caller_role). */
extern const char *const vocab_workspace_roles[];
/* Platform roles the service gives a meaning to (the SQL functions check them by name). */
extern const char *const vocab_platform_roles[];

/* integration_installs.upgrade_policy (OpenAPI UpgradePolicy). */
extern const char *const vocab_upgrade_policies[];
/* rollouts.state, rollout_jobs.state, rollouts.on_conflict (OpenAPI RolloutState,
 * RolloutJobState, RolloutOnConflict). */
extern const char *const vocab_rollout_states[];
extern const char *const vocab_rollout_job_states[];
extern const char *const vocab_rollout_on_conflict[];
/* events.type and webhook_deliveries.state (OpenAPI EventType, WebhookDeliveryState). */
extern const char *const vocab_event_types[];
extern const char *const vocab_webhook_delivery_states[];

/* Prefixes of the ids the service makes: <prefix>_ + 28 lowercase hex (core.new_id). */
extern const char *const vocab_id_prefixes[];
#define VOCAB_ID_HEX_DIGITS 28
/* Platform ids (workspaces, users): <prefix>_ + 1 to 64 of [A-Za-z0-9_-]. */
#define VOCAB_PLATFORM_ID_MAX 64

/* Whether s is one of the NULL-terminated values. */
bool vocab_contains(const char *const *values, const char *s);

/* Whether s is prefix_ followed by exactly VOCAB_ID_HEX_DIGITS lowercase hex digits. */
bool vocab_valid_id(const char *s, const char *prefix);
/* ^ws_[A-Za-z0-9_-]{1,64}$ */
bool vocab_valid_workspace_id(const char *s);
/* ^usr_[A-Za-z0-9_-]{1,64}$ */
bool vocab_valid_user_id(const char *s);
/* One of vocab_workspace_roles. */
bool vocab_valid_workspace_role(const char *s);
/* The shape a platform role name must have in a token: ^[a-z_]{1,64}$ (unknown names pass). */
bool vocab_valid_platform_role(const char *s);

#endif
