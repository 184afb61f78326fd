#include "base/vocab.h"
#include "handlers/integrations.h"
#include "handlers/common.h"
#include "http/manifest.h"

#define TRUST_TIER_MESSAGE                                                                         \
	"must be one of first_party, vendor_official, verified_partner, verified_publisher"

static const struct field_spec integration_create_fields[] = {
	FIELD_SPEC_WORKSPACE_ID,
	FIELD_SPEC_SLUG,
	FIELD_SPEC_NAME(FIELD_REQUIRED),
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
	FIELD_SPEC_NAME(0),
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

const struct body_spec integration_create_body = BODY_SPEC(integration_create_fields, NULL);
const struct body_spec integration_patch_body = BODY_SPEC(integration_patch_fields, NULL);
