#ifndef INTEGRATIONS_AUTH_H
#define INTEGRATIONS_AUTH_H

#include <time.h>

#include "base/arena.h"
#include "base/config.h"
#include "http/http.h"

#define AUTH_MAX_TOKEN 8192
#define AUTH_LEEWAY_SECONDS 60

/*
 * Verifies an Authorization header value ("Bearer <JWT>") against cfg at time
 * now. On success returns 0 and fills *out with strings allocated in a. On
 * failure returns -1 and *why names the reason (a static sentence for the
 * log; the client is only told invalid_token).
 */
int auth_verify(const struct config *cfg, struct arena *a, const char *authorization, time_t now,
		struct caller *out, const char **why);

#endif
