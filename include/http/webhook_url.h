#ifndef INTEGRATIONS_WEBHOOK_URL_H
#define INTEGRATIONS_WEBHOOK_URL_H

#include <stdbool.h>

#include "base/arena.h"

/* The longest webhook URL (PRODUCT §15; core.webhook_endpoints.url's check). */
#define WEBHOOK_URL_MAX 2048

/*
 * Whether url may receive webhooks (PRODUCT §15): an absolute https:// URL (lowercase scheme,
 * as the database's check spells it) of at most WEBHOOK_URL_MAX bytes, with a host, no
 * userinfo, no fragment, no whitespace or control characters, an optional port 1 to 65535;
 * and its host resolves (getaddrinfo), every address it resolves to being public
 * (netaddr_is_public; an IP literal is judged as it is) unless allow_private. Returns 0, or
 * -1 with *why a sentence for the caller (in a), naming the host or address refused.
 */
int webhook_url_check(const char *url, bool allow_private, struct arena *a, const char **why);

#endif
