#include "base/log.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A bounded writer into a caller's buffer: never overflows, remembers whether it cut. */
struct out {
	char *buf;
	size_t len, cap; /* cap: bytes usable for text, a newline and NUL kept in reserve */
	bool cut;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len + n > o->cap) {
		n = o->cap - o->len;
		o->cut = true;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/*
 * A JSON string of s. When it does not fit, it stops before the escape or the UTF-8
 * character that would not fit, without its closing quote, and o->cut is set.
 */
static void put_json_string(struct out *o, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	put(o, "\"", 1);
	for (; *s != '\0' && !o->cut; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[6];
		size_t n = 1;

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			n = 2;
		} else if (c < 0x20) {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			n = 6;
		} else {
			esc[0] = (char)c;
		}
		if (o->len + n > o->cap) {
			o->cut = true;
			/* no half UTF-8 character at the end */
			while (o->len > 0 && ((unsigned char)o->buf[o->len - 1] & 0xC0) == 0x80)
				o->len--;
			if (o->len > 0 && (unsigned char)o->buf[o->len - 1] >= 0xC0)
				o->len--;
			return;
		}
		put(o, esc, n);
	}
	if (!o->cut)
		put(o, "\"", 1);
}

const char *log_level_name(enum log_level level)
{
	switch (level) {
	case LOG_DEBUG:
		return "debug";
	case LOG_INFO:
		return "info";
	case LOG_WARN:
		return "warn";
	case LOG_ERROR:
		return "error";
	}
	return "error";
}

static void put_field(struct out *o, const struct log_field *f)
{
	char num[64];

	put(o, ",", 1);
	put_json_string(o, f->key);
	put(o, ":", 1);
	switch (f->type) {
	case LOG_FIELD_STR:
		if (f->str == NULL)
			puts_(o, "null");
		else
			put_json_string(o, f->str);
		break;
	case LOG_FIELD_INT:
		snprintf(num, sizeof(num), "%lld", f->i);
		puts_(o, num);
		break;
	case LOG_FIELD_NUM:
		if (isfinite(f->num))
			snprintf(num, sizeof(num), "%.3f", f->num);
		else
			snprintf(num, sizeof(num), "null");
		puts_(o, num);
		break;
	case LOG_FIELD_JSON:
		puts_(o, f->str != NULL ? f->str : "null");
		break;
	}
}

size_t log_format(char *buf, size_t size, long long ts_ms, enum log_level level, const char *msg,
		  const struct log_field *fields, size_t n_fields)
{
	/* The members after msg are kept whole or dropped: a cut line is still JSON. */
	struct out o = { buf, 0, 0, false };
	char ts[40];
	struct tm tm;
	time_t secs = (time_t)(ts_ms / 1000);
	size_t i, head;

	if (size == 0)
		return 0;
	if (size > LOG_LINE_MAX)
		size = LOG_LINE_MAX;
	if (size < 64) {
		buf[0] = '\0';
		return 0;
	}
	o.cap = size - 8; /* room for "…"}\n and the NUL after a cut */
	gmtime_r(&secs, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + strlen(ts), sizeof(ts) - strlen(ts), ".%03dZ", (int)(ts_ms % 1000));
	puts_(&o, "{\"ts\":\"");
	puts_(&o, ts);
	puts_(&o, "\",\"level\":\"");
	puts_(&o, log_level_name(level));
	puts_(&o, "\",\"msg\":");
	put_json_string(&o, msg != NULL ? msg : "");
	if (o.cut) {
		/* msg alone filled the line: close its string, marked as cut. */
		memcpy(buf + o.len, "\xe2\x80\xa6\"}\n", 6);
		o.len += 6;
		buf[o.len] = '\0';
		return o.len;
	}
	for (i = 0; i < n_fields; i++) {
		head = o.len;
		put_field(&o, &fields[i]);
		if (o.cut) {
			o.len = head; /* drop the field that did not fit, and the rest */
			break;
		}
	}
	buf[o.len++] = '}';
	buf[o.len++] = '\n';
	buf[o.len] = '\0';
	return o.len;
}

void log_write(enum log_level level, const char *msg, const struct log_field *fields,
	       size_t n_fields)
{
	char line[LOG_LINE_MAX];
	struct timespec now;
	size_t n, off = 0;
	ssize_t w;

	clock_gettime(CLOCK_REALTIME, &now);
	n = log_format(line, sizeof(line), (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000,
		       level, msg, fields, n_fields);
	while (off < n) {
		w = write(STDERR_FILENO, line + off, n - off);
		if (w <= 0)
			return;
		off += (size_t)w;
	}
}
