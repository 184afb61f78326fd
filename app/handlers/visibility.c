#include "base/vocab.h"
#include "handlers/visibility.h"
#include "handlers/common.h"

static const char *const decisions[] = { "approve", "reject", NULL };

static const struct field_spec visibility_fields[] = {
	{ .name = "visibility",
	  .type = FIELD_STRING,
	  .flags = FIELD_REQUIRED,
	  .enum_values = vocab_visibilities,
	  .check_message = "must be private, unlisted or public" },
};
static const struct field_spec review_fields[] = {
	{ .name = "decision",
	  .type = FIELD_STRING,
	  .flags = FIELD_REQUIRED,
	  .enum_values = decisions,
	  .check_message = "must be approve or reject" },
};
static const struct field_spec grant_fields[] = {
	{ .name = "workspaceId",
	  .type = FIELD_STRING,
	  .flags = FIELD_REQUIRED,
	  .check = validate_workspace_id,
	  .check_message = "must be a workspace id (ws_…)" },
};

const struct body_spec integration_visibility_body = {
	visibility_fields, sizeof(visibility_fields) / sizeof(visibility_fields[0]), NULL
};
const struct body_spec integration_review_body = { review_fields,
						   sizeof(review_fields) / sizeof(review_fields[0]),
						   NULL };
const struct body_spec integration_grant_body = { grant_fields,
						  sizeof(grant_fields) / sizeof(grant_fields[0]),
						  NULL };
