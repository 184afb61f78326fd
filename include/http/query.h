#ifndef INTEGRATIONS_QUERY_H
#define INTEGRATIONS_QUERY_H

#include "http/http.h"
#include "http/validate.h"

/*
 * Splits req->query_string into req->query (percent-decoded, '+' as space),
 * refusing names not in allowed (NULL-terminated; NULL allows none),
 * repeated names, bad escapes and NUL bytes. Problems go to v with paths
 * "?name".
 */
void query_parse(struct request *req, const char *const *allowed, struct validation *v);

/* Percent-decodes len bytes of s into an arena string; NULL on a bad escape or a NUL byte. */
char *query_decode(struct arena *a, const char *s, size_t len);

#endif
