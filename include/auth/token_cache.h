#ifndef INTEGRATIONS_TOKEN_CACHE_H
#define INTEGRATIONS_TOKEN_CACHE_H

#include <stdint.h>
#include <time.h>

#include "base/arena.h"
#include "http/http.h"

/*
 * A per-worker cache of tokens that passed every check, so a caller's
 * repeated requests skip signature verification (RS256 re-parses its PEM on
 * every call). Bounded: one entry per slot, a newer token evicts. Entries
 * stop matching once exp (plus leeway) has passed.
 */

/* On a hit fills *out with arena copies and returns 0; else -1. */
int token_cache_get(const char *token, time_t now, struct arena *a, struct caller *out);
/* Remembers a verified token with its caller; a hit checks exp and nbf (0: none) again. */
void token_cache_put(const char *token, const struct caller *caller, int64_t exp, int64_t nbf);
/* Forgets every entry (tests). */
void token_cache_clear(void);

#endif
