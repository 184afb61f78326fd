#include "base/vocab.h"

#include <stddef.h>
#include <string.h>

const char *const vocab_trust_tiers[] = { "first_party", "vendor_official", "verified_partner",
					  "verified_publisher", NULL };
const char *const vocab_visibilities[] = { "private", "unlisted", "public", NULL };
const char *const vocab_member_policies[] = { "auto_all", "auto_defaults", "manual", NULL };
const char *const vocab_retention_tiers[] = { "short", "medium", "long", "none", NULL };
const char *const vocab_member_modes[] = { "clone", "reference", NULL };
const char *const vocab_workspace_roles[] = { "owner", "admin", "member", "viewer", NULL };
const char *const vocab_platform_roles[] = { "platform_admin", "platform_reviewer", NULL };
const char *const vocab_id_prefixes[] = {
	"int", "intv", "ent",  "entv", "inst", "imem", "sol",
	"iop", "rol",  "rjob", "evt",  "whe",  "whd",  NULL,
};
/* Rollouts (PRODUCT §14). */
const char *const vocab_upgrade_policies[] = { "auto", "pinned", NULL };
const char *const vocab_rollout_states[] = { "scheduled", "running",   "paused", "halted",
					     "completed", "cancelled", NULL };
const char *const vocab_rollout_job_states[] = { "pending",    "running", "upgraded", "skipped",
						 "conflicted", "failed",  NULL };
const char *const vocab_rollout_on_conflict[] = { "keep_local", "take_upstream", "skip", NULL };
/* Events and webhooks (PRODUCT §15). */
const char *const vocab_event_types[] = {
	"integration.created",
	"integration.updated",
	"integration.deleted",
	"integration.restored",
	"integration.purged",
	"integration.published",
	"install.created",
	"install.upgraded",
	"install.rolled_back",
	"install.uninstalled",
	"member.detached",
	"member.attached",
	"rollout.started",
	"rollout.wave_completed",
	"rollout.halted",
	"rollout.completed",
	"rollout.cancelled",
	"webhook.test",
	NULL,
};
const char *const vocab_webhook_delivery_states[] = { "pending", "delivered", "failed", NULL };

bool vocab_contains(const char *const *values, const char *s)
{
	for (; values != NULL && *values != NULL; values++)
		if (strcmp(*values, s) == 0)
			return true;
	return false;
}

bool vocab_valid_id(const char *s, const char *prefix)
{
	size_t plen = strlen(prefix);
	size_t i;

	if (strncmp(s, prefix, plen) != 0 || s[plen] != '_')
		return false;
	s += plen + 1;
	for (i = 0; i < VOCAB_ID_HEX_DIGITS; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[VOCAB_ID_HEX_DIGITS] == '\0';
}

static bool valid_platform_id(const char *s, const char *prefix)
{
	size_t plen = strlen(prefix);
	size_t i, n;

	if (strncmp(s, prefix, plen) != 0)
		return false;
	n = strlen(s + plen);
	if (n < 1 || n > VOCAB_PLATFORM_ID_MAX)
		return false;
	for (i = plen; s[i] != '\0'; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

bool vocab_valid_workspace_id(const char *s)
{
	return valid_platform_id(s, "ws_");
}

bool vocab_valid_user_id(const char *s)
{
	return valid_platform_id(s, "usr_");
}

bool vocab_valid_workspace_role(const char *s)
{
	return vocab_contains(vocab_workspace_roles, s);
}

bool vocab_valid_platform_role(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || *s == '_'))
			return false;
	return true;
}
