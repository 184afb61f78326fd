#ifndef INTEGRATIONS_XALLOC_H
#define INTEGRATIONS_XALLOC_H

#include <stddef.h>
#include <stdlib.h>

/*
 * Checked allocations of the heap (what outlives a request: configuration, the
 * token cache, the connection handle). Out of memory logs one line and aborts the
 * process: a worker is respawned by the supervisor (STYLE: "out of memory aborts
 * the worker"). Free the results with free().
 */
void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
char *xstrdup(const char *s);

/* Logs the line xalloc_die writes: "out of memory" in what (size bytes). */
void xalloc_log_oom(const char *what, size_t size);

/*
 * Logs "out of memory" for what (size bytes) and aborts: for allocations of libraries we
 * cannot do without. Inline so that every caller (and cppcheck) sees it never returns.
 */
_Noreturn static inline void xalloc_die(const char *what, size_t size)
{
	xalloc_log_oom(what, size);
	abort();
}

#endif
