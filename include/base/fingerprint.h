#ifndef INTEGRATIONS_FINGERPRINT_H
#define INTEGRATIONS_FINGERPRINT_H

#include <stddef.h>

#include "base/arena.h"

/*
 * 16 hex digits naming a sequence of strings (FNV-1a 64; NULL counts as "").
 * Not a MAC: use it where a signature or the caller's own scope already
 * keeps strangers out (cursor binding, idempotency request identity).
 */
const char *fingerprint_hex(struct arena *a, const char *const *parts, size_t n);

#endif
