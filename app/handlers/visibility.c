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
	FIELD_SPEC_WORKSPACE_ID,
};

const struct body_spec integration_visibility_body = BODY_SPEC(visibility_fields, NULL);
const struct body_spec integration_review_body = BODY_SPEC(review_fields, NULL);
const struct body_spec integration_grant_body = BODY_SPEC(grant_fields, NULL);
