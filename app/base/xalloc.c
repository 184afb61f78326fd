#include "base/xalloc.h"

#include <stdlib.h>
#include <string.h>

#include "base/log.h"

void xalloc_log_oom(const char *what, size_t size)
{
	LOG_EVENT(LOG_ERROR, "out of memory", LOG_STR("event", "out_of_memory"),
		  LOG_STR("in", what), LOG_INT("bytes", size));
}

void *xmalloc(size_t size)
{
	void *p = malloc(size != 0 ? size : 1);

	if (p == NULL)
		xalloc_die("xmalloc", size);
	return p;
}

void *xcalloc(size_t count, size_t size)
{
	void *p = calloc(count != 0 ? count : 1, size != 0 ? size : 1);

	if (p == NULL)
		xalloc_die("xcalloc", count * size);
	return p;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);

	if (p == NULL)
		xalloc_die("xstrdup", n);
	memcpy(p, s, n);
	return p;
}
