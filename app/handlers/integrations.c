#include "base/vocab.h"
#include "handlers/integrations.h"
#include "handlers/common.h"
#include "http/manifest.h"

#define TRUST_TIER_MESSAGE                                                                         \
	"must be one of first_party, vendor_official, verified_partner, verified_publisher"
#define SLUG_MESSAGE "must match ^[a-z0-9][a-z0-9-]{1,62}$"

static const struct field_spec integration_create_fields[] = {
	{ .name = "workspaceId",
	  .type = FIELD_STRING,
	  .flags = FIELD_REQUIRED,
	  .check = validate_workspace_id,
	  .check_message = "must be a workspace id (ws_…)" },
	{ .name = "slug",
	  .type = FIELD_STRING,
	  .flags = FIELD_REQUIRED,
	  .check = validate_slug,
	  .check_message = SLUG_MESSAGE },
	{ .name = "name",
	  .type = FIELD_STRING,
	  .flags = FIELD_REQUIRED,
	  .max_len = 200,
	  .check = validate_nonblank,
	  .check_message = "must not be blank" },
	{ .name = "description", .type = FIELD_STRING, .flags = FIELD_NULLABLE, .max_len = 4000 },
	{ .name = "iconUrl",
	  .type = FIELD_STRING,
	  .flags = FIELD_NULLABLE,
	  .max_len = 2048,
	  .check = validate_http_url,
	  .check_message = "must be an http(s) URL" },
	{ .name = "publisher",
	  .type = FIELD_STRING,
	  .flags = FIELD_NULLABLE,
	  .max_len = 100,
	  .check = validate_nonblank,
	  .check_message = "must not be blank" },
	{ .name = "trustTier",
	  .type = FIELD_STRING,
	  .enum_values = vocab_trust_tiers,
	  .check_message = TRUST_TIER_MESSAGE },
	{ .name = "manifest", .type = FIELD_OBJECT, .check_json = manifest_validate },
	{ .name = "variablesSchema", .type = FIELD_OBJECT },
	{ .name = "authConfig", .type = FIELD_OBJECT },
};

static const struct field_spec integration_patch_fields[] = {
	{ .name = "name",
	  .type = FIELD_STRING,
	  .max_len = 200,
	  .check = validate_nonblank,
	  .check_message = "must not be blank" },
	{ .name = "description", .type = FIELD_STRING, .flags = FIELD_NULLABLE, .max_len = 4000 },
	{ .name = "iconUrl",
	  .type = FIELD_STRING,
	  .flags = FIELD_NULLABLE,
	  .max_len = 2048,
	  .check = validate_http_url,
	  .check_message = "must be an http(s) URL" },
	{ .name = "trustTier",
	  .type = FIELD_STRING,
	  .enum_values = vocab_trust_tiers,
	  .check_message = TRUST_TIER_MESSAGE },
	{ .name = "manifest", .type = FIELD_OBJECT, .check_json = manifest_validate },
	{ .name = "variablesSchema", .type = FIELD_OBJECT },
	{ .name = "authConfig", .type = FIELD_OBJECT },
};

const struct body_spec integration_create_body = { integration_create_fields,
						   sizeof(integration_create_fields) /
							   sizeof(integration_create_fields[0]),
						   NULL };
const struct body_spec integration_patch_body = { integration_patch_fields,
						  sizeof(integration_patch_fields) /
							  sizeof(integration_patch_fields[0]),
						  NULL };
