#include "json/json_strict.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/*
 * A validating scanner runs before json-c because json-c accepts things we
 * must refuse (NaN, single quotes, clamped integers) and silently keeps the
 * last of duplicate keys. The scanner counts object members; json-c's tree
 * holding fewer members than the text means a key was repeated.
 */
struct scanner {
	const char *p;
	const char *end;
	const char *why;
	size_t members;
	bool any_number; /* json_parse_document: numbers of any size jsonb stores */
};

static bool fail(struct scanner *s, const char *why)
{
	if (s->why == NULL)
		s->why = why;
	return false;
}

static void skip_ws(struct scanner *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool scan_u4(struct scanner *s, unsigned *out)
{
	unsigned v = 0;
	int i;

	if (s->end - s->p < 4)
		return fail(s, "truncated \\u escape");
	for (i = 0; i < 4; i++) {
		int h = hex_value(s->p[i]);

		if (h < 0)
			return fail(s, "invalid \\u escape");
		v = v << 4 | (unsigned)h;
	}
	s->p += 4;
	*out = v;
	return true;
}

static bool scan_escape(struct scanner *s)
{
	unsigned cp, low;

	if (s->p >= s->end)
		return fail(s, "unterminated string");
	switch (*s->p++) {
	case '"':
	case '\\':
	case '/':
	case 'b':
	case 'f':
	case 'n':
	case 'r':
	case 't':
		return true;
	case 'u':
		break;
	default:
		return fail(s, "invalid escape in string");
	}
	if (!scan_u4(s, &cp))
		return false;
	if (cp == 0)
		return fail(s, "\\u0000 is not allowed in strings");
	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return fail(s, "unpaired UTF-16 surrogate");
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		if (s->end - s->p < 2 || s->p[0] != '\\' || s->p[1] != 'u')
			return fail(s, "unpaired UTF-16 surrogate");
		s->p += 2;
		if (!scan_u4(s, &low))
			return false;
		if (low < 0xDC00 || low > 0xDFFF)
			return fail(s, "unpaired UTF-16 surrogate");
	}
	return true;
}

/* One UTF-8 sequence starting at a byte >= 0x80: shortest form, no surrogates, <= U+10FFFF. */
static bool scan_utf8(struct scanner *s)
{
	const unsigned char *u = (const unsigned char *)s->p;
	size_t avail = (size_t)(s->end - s->p);
	unsigned cp;
	size_t n, i;

	if (u[0] >= 0xC2 && u[0] <= 0xDF) {
		n = 2;
		cp = u[0] & 0x1F;
	} else if (u[0] >= 0xE0 && u[0] <= 0xEF) {
		n = 3;
		cp = u[0] & 0x0F;
	} else if (u[0] >= 0xF0 && u[0] <= 0xF4) {
		n = 4;
		cp = u[0] & 0x07;
	} else {
		return fail(s, "invalid UTF-8");
	}
	if (avail < n)
		return fail(s, "invalid UTF-8");
	for (i = 1; i < n; i++) {
		if ((u[i] & 0xC0) != 0x80)
			return fail(s, "invalid UTF-8");
		cp = cp << 6 | (u[i] & 0x3F);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
		return fail(s, "invalid UTF-8");
	s->p += n;
	return true;
}

static bool scan_string(struct scanner *s)
{
	s->p++; /* opening quote */
	while (s->p < s->end) {
		unsigned char c = (unsigned char)*s->p;

		if (c == '"') {
			s->p++;
			return true;
		}
		if (c < 0x20)
			return fail(s, "control character in string");
		if (c == '\\') {
			s->p++;
			if (!scan_escape(s))
				return false;
		} else if (c >= 0x80) {
			if (!scan_utf8(s))
				return false;
		} else {
			s->p++;
		}
	}
	return fail(s, "unterminated string");
}

static bool is_digit(const struct scanner *s)
{
	return s->p < s->end && *s->p >= '0' && *s->p <= '9';
}

/* Integers within 64 bits, other numbers finite as doubles (json-c's values are exact). */
static bool number_in_c_range(struct scanner *s, const char *start, bool integral)
{
	char buf[256];
	size_t len = (size_t)(s->p - start);

	if (len >= sizeof(buf))
		return fail(s, "number too long");
	memcpy(buf, start, len);
	buf[len] = '\0';
	errno = 0;
	if (integral) {
		(void)strtoll(buf, NULL, 10);
		if (errno == ERANGE)
			return fail(s, "integer outside the 64-bit range");
	} else if (!isfinite(strtod(buf, NULL))) {
		return fail(s, "number outside the double range");
	}
	return true;
}

/* What PostgreSQL's numeric (jsonb's numbers) can hold: digits before and after the point. */
#define NUMERIC_MAX_INT_DIGITS 131072
#define NUMERIC_MAX_SCALE 16383

/*
 * A number as text, with the limits of the mode: json_parse_strict keeps
 * integers within 64 bits and doubles finite (the values C reads: token
 * claims, cursors, filters); json_parse_document takes any size jsonb
 * stores (more than 131072 digits before the point or 16383 after are
 * refused, so that is a 400 rather than an error from the database).
 */
static bool scan_number(struct scanner *s)
{
	const char *start = s->p;
	long leading_zeros = 0, int_digits = 0, frac_digits = 0, exponent = 0;
	bool significant = false, negative_exponent = false;

	if (*s->p == '-')
		s->p++;
	if (!is_digit(s))
		return fail(s, "invalid number");
	if (*s->p == '0') {
		s->p++;
		int_digits = leading_zeros = 1;
	} else {
		for (; is_digit(s); s->p++)
			int_digits++;
		significant = true;
	}
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (!is_digit(s))
			return fail(s, "invalid number");
		for (; is_digit(s); s->p++) {
			if (!significant && *s->p == '0')
				leading_zeros++;
			else
				significant = true;
			frac_digits++;
		}
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			negative_exponent = *s->p++ == '-';
		if (!is_digit(s))
			return fail(s, "invalid number");
		for (; is_digit(s); s->p++)
			if (exponent < 1000000000L)
				exponent = exponent * 10 + (*s->p - '0');
		if (negative_exponent)
			exponent = -exponent;
	}
	if (!s->any_number)
		return number_in_c_range(
			s, start, int_digits == (long)(s->p - start) - (*start == '-' ? 1 : 0));
	if (exponent >= 1000000000L || exponent <= -1000000000L)
		return fail(s, "number exponent out of range");
	if (frac_digits - exponent > NUMERIC_MAX_SCALE)
		return fail(s, "number with more than 16383 digits after the point");
	if (significant && int_digits - leading_zeros + exponent > NUMERIC_MAX_INT_DIGITS)
		return fail(s, "number with more than 131072 digits before the point");
	return true;
}

static bool scan_literal(struct scanner *s, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return fail(s, "invalid JSON value");
	s->p += n;
	return true;
}

static bool scan_value(struct scanner *s, int depth);

static bool scan_container(struct scanner *s, int depth, bool object)
{
	char close = object ? '}' : ']';

	if (depth >= JSON_MAX_DEPTH)
		return fail(s, "nesting deeper than 32");
	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == close) {
		s->p++;
		return true;
	}
	for (;;) {
		skip_ws(s);
		if (object) {
			if (s->p >= s->end || *s->p != '"')
				return fail(s, "object keys must be double-quoted strings");
			if (!scan_string(s))
				return false;
			skip_ws(s);
			if (s->p >= s->end || *s->p != ':')
				return fail(s, "expected ':' after object key");
			s->p++;
			s->members++;
		}
		if (!scan_value(s, depth + 1))
			return false;
		skip_ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			continue;
		}
		if (s->p < s->end && *s->p == close) {
			s->p++;
			return true;
		}
		return fail(s, object ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static bool scan_value(struct scanner *s, int depth)
{
	skip_ws(s);
	if (s->p >= s->end)
		return fail(s, "unexpected end of JSON");
	switch (*s->p) {
	case '{':
		return scan_container(s, depth, true);
	case '[':
		return scan_container(s, depth, false);
	case '"':
		return scan_string(s);
	case 't':
		return scan_literal(s, "true");
	case 'f':
		return scan_literal(s, "false");
	case 'n':
		return scan_literal(s, "null");
	default:
		if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9'))
			return scan_number(s);
		return fail(s, "invalid JSON value");
	}
}

static size_t count_members(struct json_object *o)
{
	size_t n = 0;
	size_t i, len;

	switch (json_object_get_type(o)) {
	case json_type_object: {
		json_object_object_foreach(o, key, child)
		{
			(void)key;
			n += 1 + count_members(child);
		}
		return n;
	}
	case json_type_array:
		len = json_object_array_length(o);
		for (i = 0; i < len; i++)
			n += count_members(json_object_array_get_idx(o, i));
		return n;
	default:
		return 0;
	}
}

static int parse(const char *text, size_t len, bool any_number, struct json_object **out,
		 const char **why)
{
	struct scanner s = {
		.p = text, .end = text + len, .why = NULL, .members = 0, .any_number = any_number
	};
	struct json_tokener *tok = NULL;
	struct json_object *obj = NULL;

	*out = NULL;
	if (!scan_value(&s, 0))
		goto fail;
	skip_ws(&s);
	if (s.p != s.end) {
		fail(&s, "unexpected data after the JSON value");
		goto fail;
	}
	tok = json_tokener_new_ex(JSON_MAX_DEPTH + 1);
	if (tok == NULL)
		xalloc_die("json_tokener_new_ex", 0);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, text, (int)len);
	/* A top-level number or literal may go on as far as json-c knows: a space ends it. */
	if (obj == NULL && json_tokener_get_error(tok) == json_tokener_continue)
		obj = json_tokener_parse_ex(tok, " ", 1);
	/* obj is NULL for the valid text "null". */
	if (json_tokener_get_error(tok) != json_tokener_success) {
		fail(&s, "invalid JSON");
		goto fail;
	}
	if (count_members(obj) != s.members) {
		fail(&s, "duplicate object key");
		goto fail;
	}
	json_tokener_free(tok);
	*out = obj;
	return 0;
fail:
	json_object_put(obj);
	if (tok != NULL)
		json_tokener_free(tok);
	*why = s.why;
	return -1;
}

int json_parse_strict(const char *text, size_t len, struct json_object **out, const char **why)
{
	return parse(text, len, false, out, why);
}

int json_parse_document(const char *text, size_t len, struct json_object **out, const char **why)
{
	return parse(text, len, true, out, why);
}

static void put_json(void *o)
{
	json_object_put(o);
}

void json_defer_put(struct arena *a, struct json_object *o)
{
	arena_defer(a, put_json, o);
}
