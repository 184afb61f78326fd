#include "base/strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

void strbuf_init(struct strbuf *sb, struct arena *a)
{
	sb->arena = a;
	sb->cap = 256;
	sb->data = arena_alloc(a, sb->cap);
	sb->data[0] = '\0';
	sb->len = 0;
}

static void strbuf_reserve(struct strbuf *sb, size_t extra)
{
	size_t cap = sb->cap;
	char *data;

	if (sb->len + extra < sb->cap)
		return;
	while (cap <= sb->len + extra)
		cap *= 2;
	data = arena_alloc(sb->arena, cap);
	memcpy(data, sb->data, sb->len + 1);
	sb->data = data;
	sb->cap = cap;
}

void strbuf_append(struct strbuf *sb, const char *s, size_t len)
{
	strbuf_reserve(sb, len);
	memcpy(sb->data + sb->len, s, len);
	sb->len += len;
	sb->data[sb->len] = '\0';
}

void strbuf_puts(struct strbuf *sb, const char *s)
{
	strbuf_append(sb, s, strlen(s));
}

void strbuf_putc(struct strbuf *sb, char c)
{
	strbuf_append(sb, &c, 1);
}

void strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		xalloc_die("strbuf_printf", 0);
	strbuf_reserve(sb, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void strbuf_json_string_n(struct strbuf *sb, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	strbuf_putc(sb, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"':
			strbuf_append(sb, "\\\"", 2);
			break;
		case '\\':
			strbuf_append(sb, "\\\\", 2);
			break;
		case '\n':
			strbuf_append(sb, "\\n", 2);
			break;
		case '\r':
			strbuf_append(sb, "\\r", 2);
			break;
		case '\t':
			strbuf_append(sb, "\\t", 2);
			break;
		default:
			if (c < 0x20) {
				char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

				strbuf_append(sb, esc, sizeof(esc));
			} else {
				strbuf_putc(sb, (char)c);
			}
		}
	}
	strbuf_putc(sb, '"');
}

void strbuf_json_string(struct strbuf *sb, const char *s)
{
	strbuf_json_string_n(sb, s, strlen(s));
}
