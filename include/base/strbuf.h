#ifndef INTEGRATIONS_STRBUF_H
#define INTEGRATIONS_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

#include "base/arena.h"

/* A growable, always NUL-terminated byte string whose storage lives in an arena. */
struct strbuf {
	struct arena *arena;
	char *data;
	size_t len;
	size_t cap;
};

void strbuf_init(struct strbuf *sb, struct arena *a);
void strbuf_append(struct strbuf *sb, const char *s, size_t len);
void strbuf_puts(struct strbuf *sb, const char *s);
void strbuf_putc(struct strbuf *sb, char c);
void strbuf_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal, quotes included. */
void strbuf_json_string(struct strbuf *sb, const char *s);
void strbuf_json_string_n(struct strbuf *sb, const char *s, size_t len);

#endif
