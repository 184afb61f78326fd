#ifndef INTEGRATIONS_XALLOC_H
#define INTEGRATIONS_XALLOC_H

#include <stddef.h>

/*
 * Checked allocations of the heap (what outlives a request: configuration, the
 * token cache, the connection handle). Out of memory logs one line and aborts the
 * process: a worker is respawned by the supervisor (STYLE: "out of memory aborts
 * the worker"). Free the results with free().
 */
void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
char *xstrdup(const char *s);

/* Logs "out of memory" for what (size bytes) and aborts; for allocators of our own. */
void xalloc_die(const char *what, size_t size);

#endif
