#include "list/resources.h"

#include "base/vocab.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct list_field version_fields[] = {
	{ "id", "id", LT_TEXT, false, NULL },
	{ "integrationId", "integration_id", LT_TEXT, false, NULL },
	{ "version", "version", LT_SEMVER, false, NULL },
	{ "manifestSnapshot", "manifest_snapshot", LT_JSON, false, NULL },
	{ "variablesSchemaSnapshot", "variables_schema_snapshot", LT_JSON, false, NULL },
	{ "authConfigSnapshot", "auth_config_snapshot", LT_JSON, false, NULL },
	{ "memberEntityVersions", "member_entity_versions", LT_JSON, false, NULL },
	{ "changelog", "changelog", LT_TEXT, true, NULL },
	{ "publishedBy", "published_by", LT_TEXT, false, NULL },
	{ "publishedAt", "published_at", LT_TIMESTAMP, false, NULL },
};

const struct list_resource list_versions = {
	.name = "integration_versions",
	.id_prefix = "intv",
	.table = "core.integration_versions",
	.default_order = "publishedAt",
	.fields = version_fields,
	.n_fields = N(version_fields),
};

static const struct list_field install_fields[] = {
	{ "id", "id", LT_TEXT, false, NULL },
	{ "integrationId", "integration_id", LT_TEXT, false, NULL },
	{ "integrationVersionId", "integration_version_id", LT_TEXT, false, NULL },
	{ "workspaceId", "workspace_id", LT_TEXT, false, NULL },
	{ "variables", "variables", LT_JSON, false, NULL },
	{ "authStateId", "auth_state_id", LT_TEXT, true, NULL },
	{ "memberPolicy", "member_policy", LT_ENUM, false, vocab_member_policies },
	{ "parentInstallId", "parent_install_id", LT_TEXT, true, NULL },
	{ "solutionId", "solution_id", LT_TEXT, false, NULL },
	{ "installedBy", "installed_by", LT_TEXT, false, NULL },
	{ "installedAt", "installed_at", LT_TIMESTAMP, false, NULL },
	{ "lastUpgradedAt", "last_upgraded_at", LT_TIMESTAMP, true, NULL },
	{ "deletedAt", "deleted_at", LT_TIMESTAMP, true, NULL },
	{ "retentionTier", "retention_tier", LT_ENUM, false, vocab_retention_tiers },
};

const struct list_resource list_installs = {
	.name = "integration_installs",
	.id_prefix = "inst",
	.table = "core.integration_installs",
	.default_order = "installedAt",
	.fields = install_fields,
	.n_fields = N(install_fields),
};

/* An install's history (GET /api/integration-installs/{id}/operations), newest first. */
static const struct list_field install_operation_fields[] = {
	{ "id", "id", LT_TEXT, false, NULL },
	{ "installId", "install_id", LT_TEXT, false, NULL },
	{ "kind", "kind", LT_TEXT, false, NULL },
	{ "actor", "actor", LT_TEXT, true, NULL },
	{ "requestId", "request_id", LT_TEXT, true, NULL },
	{ "idempotencyKey", "idempotency_key", LT_TEXT, true, NULL },
	{ "fromVersionId", "from_version_id", LT_TEXT, true, NULL },
	{ "toVersionId", "to_version_id", LT_TEXT, true, NULL },
	{ "createdAt", "created_at", LT_TIMESTAMP, false, NULL },
};

const struct list_resource list_install_operations = {
	.name = "install_operations",
	.id_prefix = "iop",
	.table = "core.install_operations",
	.default_order = "createdAt",
	.fields = install_operation_fields,
	.n_fields = N(install_operation_fields),
};

static const struct list_field integration_fields[] = {
	{ "id", "id", LT_TEXT, false, NULL },
	{ "workspaceId", "workspace_id", LT_TEXT, false, NULL },
	{ "slug", "slug", LT_TEXT, false, NULL },
	{ "name", "name", LT_TEXT, false, NULL },
	{ "description", "description", LT_TEXT, true, NULL },
	{ "iconUrl", "icon_url", LT_TEXT, true, NULL },
	{ "publisher", "publisher", LT_TEXT, true, NULL },
	{ "trustTier", "trust_tier", LT_ENUM, false, vocab_trust_tiers },
	{ "currentVersion", "current_version", LT_SEMVER, true, NULL },
	{ "manifest", "manifest", LT_JSON, false, NULL },
	{ "variablesSchema", "variables_schema", LT_JSON, false, NULL },
	{ "authConfig", "auth_config", LT_JSON, false, NULL },
	{ "visibility", "visibility", LT_ENUM, false, vocab_visibilities },
	{ "createdBy", "created_by", LT_TEXT, false, NULL },
	{ "deletedAt", "deleted_at", LT_TIMESTAMP, true, NULL },
	{ "retentionTier", "retention_tier", LT_ENUM, false, vocab_retention_tiers },
	{ "createdAt", "created_at", LT_TIMESTAMP, false, NULL },
	{ "updatedAt", "updated_at", LT_TIMESTAMP, false, NULL },
};

/* Installs are visible to a caller only in its own workspaces ($1), here as in every list. */
static const struct list_relation integration_relations[] = {
	{ "versions", &list_versions, "integration_id", NULL },
	{ "installs", &list_installs, "integration_id", "workspace_id" },
};

const struct list_resource list_integrations = {
	.name = "integrations",
	.id_prefix = "int",
	.table = "core.integrations",
	.default_order = "createdAt",
	.fields = integration_fields,
	.n_fields = N(integration_fields),
	.relations = integration_relations,
	.n_relations = N(integration_relations),
};

static const struct list_field entity_fields[] = {
	{ "id", "id", LT_TEXT, false, NULL },
	{ "workspaceId", "workspace_id", LT_TEXT, false, NULL },
	{ "kind", "kind", LT_TEXT, false, NULL },
	{ "slug", "slug", LT_TEXT, false, NULL },
	{ "name", "name", LT_TEXT, false, NULL },
	{ "currentVersionId", "current_version_id", LT_TEXT, false, NULL },
	{ "sourceInstallMemberId", "source_install_member_id", LT_TEXT, true, NULL },
	{ "createdBy", "created_by", LT_TEXT, false, NULL },
	{ "createdAt", "created_at", LT_TIMESTAMP, false, NULL },
	{ "updatedAt", "updated_at", LT_TIMESTAMP, false, NULL },
	{ "deletedAt", "deleted_at", LT_TIMESTAMP, true, NULL },
};

const struct list_resource list_entities = {
	.name = "entities",
	.id_prefix = "ent",
	.table = "core.entities",
	.default_order = "createdAt",
	.fields = entity_fields,
	.n_fields = N(entity_fields),
};

static const struct list_field rollout_fields[] = {
	{ "id", "id", LT_TEXT, false, NULL },
	{ "integrationId", "integration_id", LT_TEXT, false, NULL },
	{ "targetVersionId", "target_version_id", LT_TEXT, false, NULL },
	{ "state", "state", LT_ENUM, false, vocab_rollout_states },
	{ "onConflict", "on_conflict", LT_ENUM, false, vocab_rollout_on_conflict },
	{ "startAt", "start_at", LT_TIMESTAMP, true, NULL },
	{ "createdBy", "created_by", LT_TEXT, false, NULL },
	{ "createdAt", "created_at", LT_TIMESTAMP, false, NULL },
	{ "startedAt", "started_at", LT_TIMESTAMP, true, NULL },
	{ "finishedAt", "finished_at", LT_TIMESTAMP, true, NULL },
};

const struct list_resource list_rollouts = {
	.name = "rollouts",
	.id_prefix = "rol",
	.table = "core.rollouts",
	.default_order = "createdAt",
	.fields = rollout_fields,
	.n_fields = N(rollout_fields),
};

static const struct list_field rollout_job_fields[] = {
	{ "id", "id", LT_TEXT, false, NULL },
	{ "installId", "install_id", LT_TEXT, false, NULL },
	{ "workspaceId", "workspace_id", LT_TEXT, false, NULL },
	{ "state", "state", LT_ENUM, false, vocab_rollout_job_states },
	{ "operationId", "operation_id", LT_TEXT, true, NULL },
	{ "createdAt", "created_at", LT_TIMESTAMP, false, NULL },
	{ "updatedAt", "updated_at", LT_TIMESTAMP, false, NULL },
};

const struct list_resource list_rollout_jobs = {
	.name = "rollout_jobs",
	.id_prefix = "rjob",
	.table = "core.rollout_jobs",
	.default_order = "createdAt",
	.fields = rollout_job_fields,
	.n_fields = N(rollout_job_fields),
};

/* A workspace's stream (GET /api/events): the scope leaves webhook.test events (sequence null) out. */
static const struct list_field event_fields[] = {
	{ "id", "id", LT_TEXT, false, NULL },
	{ "type", "type", LT_ENUM, false, vocab_event_types },
	{ "workspaceId", "workspace_id", LT_TEXT, false, NULL },
	{ "sequence", "sequence", LT_INT, false, NULL },
	{ "occurredAt", "occurred_at", LT_TIMESTAMP, false, NULL },
	{ "data", "data", LT_JSON, false, NULL },
};

const struct list_resource list_events = {
	.name = "events",
	.id_prefix = "evt",
	.table = "core.events",
	.default_order = "sequence",
	.default_ascending = true,
	.position_field = "sequence",
	.fields = event_fields,
	.n_fields = N(event_fields),
};

static const struct list_field webhook_endpoint_fields[] = {
	{ "id", "id", LT_TEXT, false, NULL },
	{ "url", "url", LT_TEXT, false, NULL },
	{ "description", "description", LT_TEXT, true, NULL },
	{ "enabled", "enabled", LT_BOOL, false, NULL },
	{ "createdAt", "created_at", LT_TIMESTAMP, false, NULL },
	{ "updatedAt", "updated_at", LT_TIMESTAMP, false, NULL },
};

const struct list_resource list_webhook_endpoints = {
	.name = "webhook_endpoints",
	.id_prefix = "whe",
	.table = "core.webhook_endpoints",
	.default_order = "createdAt",
	.fields = webhook_endpoint_fields,
	.n_fields = N(webhook_endpoint_fields),
};

static const struct list_field webhook_delivery_fields[] = {
	{ "id", "id", LT_TEXT, false, NULL },
	{ "eventId", "event_id", LT_TEXT, false, NULL },
	{ "state", "state", LT_ENUM, false, vocab_webhook_delivery_states },
	{ "createdAt", "created_at", LT_TIMESTAMP, false, NULL },
	{ "nextAttemptAt", "next_attempt_at", LT_TIMESTAMP, true, NULL },
	{ "deliveredAt", "delivered_at", LT_TIMESTAMP, true, NULL },
};

const struct list_resource list_webhook_deliveries = {
	.name = "webhook_deliveries",
	.id_prefix = "whd",
	.table = "core.webhook_deliveries",
	.default_order = "createdAt",
	.fields = webhook_delivery_fields,
	.n_fields = N(webhook_delivery_fields),
};
