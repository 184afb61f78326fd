#include "base/values.h"

#include <string.h>

static bool digits(const char **p, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static bool expect(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

static bool ident_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '-';
}

static int days_in_month(int year, int month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

/* PostgreSQL refuses a zone displacement of 16 hours or more (its TZDISP_LIMIT). */
#define MAX_OFFSET_MINUTES (15 * 60 + 59)

static bool date_time_ok(int year, int month, int day, int hour, int minute, int second)
{
	return year >= 1 && month >= 1 && month <= 12 && day >= 1 &&
	       day <= days_in_month(year, month) && hour <= 23 && minute <= 59 && second <= 59;
}

/* ".123" with 1 to max_digits digits, or nothing. */
static bool fraction_ok(const char **p, int max_digits)
{
	int n = 0;

	if (**p != '.')
		return true;
	(*p)++;
	while (**p >= '0' && **p <= '9' && n < max_digits) {
		(*p)++;
		n++;
	}
	return n > 0 && !(**p >= '0' && **p <= '9');
}

bool value_is_timestamp(const char *s)
{
	int year, month, day, hour, minute, second, zh, zm;

	if (!digits(&s, 4, &year) || !expect(&s, '-') || !digits(&s, 2, &month) ||
	    !expect(&s, '-') || !digits(&s, 2, &day) || (*s != 'T' && *s != 't'))
		return false;
	s++;
	if (!digits(&s, 2, &hour) || !expect(&s, ':') || !digits(&s, 2, &minute) ||
	    !expect(&s, ':') || !digits(&s, 2, &second))
		return false;
	if (!date_time_ok(year, month, day, hour, minute, second) || !fraction_ok(&s, 9))
		return false;
	if (*s == 'Z' || *s == 'z')
		return s[1] == '\0';
	if (*s != '+' && *s != '-')
		return false;
	s++;
	return digits(&s, 2, &zh) && expect(&s, ':') && digits(&s, 2, &zm) && zm <= 59 &&
	       zh * 60 + zm <= MAX_OFFSET_MINUTES && *s == '\0';
}

bool value_is_pg_timestamp(const char *s)
{
	int year, month, day, hour, minute, second, zh, zm = 0, zs = 0;

	if (!digits(&s, 4, &year) || !expect(&s, '-') || !digits(&s, 2, &month) ||
	    !expect(&s, '-') || !digits(&s, 2, &day) || !expect(&s, ' ') || !digits(&s, 2, &hour) ||
	    !expect(&s, ':') || !digits(&s, 2, &minute) || !expect(&s, ':') ||
	    !digits(&s, 2, &second))
		return false;
	if (!date_time_ok(year, month, day, hour, minute, second) || !fraction_ok(&s, 6))
		return false;
	if (*s != '+' && *s != '-')
		return false;
	s++;
	if (!digits(&s, 2, &zh))
		return false;
	if (*s == ':' && (!expect(&s, ':') || !digits(&s, 2, &zm) || zm > 59))
		return false;
	if (*s == ':' && (!expect(&s, ':') || !digits(&s, 2, &zs) || zs > 59))
		return false;
	return zh * 60 + zm <= MAX_OFFSET_MINUTES && *s == '\0';
}

bool value_is_semver_key(const char *s)
{
	int i, part, unused;

	for (part = 0; part < 3; part++) {
		for (i = 0; i < 20; i++)
			if (!digits(&s, 1, &unused))
				return false;
		if (part < 2 && !expect(&s, '.'))
			return false;
	}
	if (*s == '~')
		return s[1] == '\0';
	if (!expect(&s, '-') || *s == '\0')
		return false;
	/* Pre-release identifiers: '0' + 20 digits or '1' + alphanumerics, each closed by chr(1). */
	while (*s != '\0') {
		const char *start;

		if (*s == '0') {
			s++;
			for (i = 0; i < 20; i++)
				if (!digits(&s, 1, &unused))
					return false;
		} else if (*s == '1') {
			start = ++s;
			while (ident_char(*s))
				s++;
			if (s == start)
				return false;
		} else {
			return false;
		}
		if (!expect(&s, '\x01'))
			return false;
	}
	return true;
}

/* A numeric identifier: no leading zero, at most 20 digits (the sort key's width). */
static bool numeric(const char **p)
{
	const char *start = *p;

	while (**p >= '0' && **p <= '9')
		(*p)++;
	return *p > start && *p - start <= 20 && !(start[0] == '0' && *p - start > 1);
}

/* Dot-separated identifiers; pre-release numeric ones may not have leading zeros. */
static bool identifiers(const char **p, bool prerelease)
{
	for (;;) {
		const char *start = *p;
		bool all_digits = true;

		while (ident_char(**p)) {
			all_digits = all_digits && **p >= '0' && **p <= '9';
			(*p)++;
		}
		if (*p == start)
			return false;
		if (prerelease && all_digits &&
		    ((start[0] == '0' && *p - start > 1) || *p - start > 20))
			return false;
		if (**p != '.')
			return true;
		(*p)++;
	}
}

bool value_is_semver(const char *s)
{
	if (strlen(s) > 256)
		return false;
	if (!numeric(&s) || !expect(&s, '.') || !numeric(&s) || !expect(&s, '.') || !numeric(&s))
		return false;
	if (*s == '-') {
		s++;
		if (!identifiers(&s, true))
			return false;
	}
	if (*s == '+') {
		s++;
		if (!identifiers(&s, false))
			return false;
	}
	return *s == '\0';
}

bool value_is_natural(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return n >= 1 && n <= 18 && s[n] == '\0' && (s[0] != '0' || n == 1);
}

bool value_is_utf8(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned cp;
		size_t n, k;

		if (u[i] < 0x80) {
			i++;
			continue;
		}
		if (u[i] >= 0xC2 && u[i] <= 0xDF) {
			n = 2;
			cp = u[i] & 0x1F;
		} else if (u[i] >= 0xE0 && u[i] <= 0xEF) {
			n = 3;
			cp = u[i] & 0x0F;
		} else if (u[i] >= 0xF0 && u[i] <= 0xF4) {
			n = 4;
			cp = u[i] & 0x07;
		} else {
			return false;
		}
		if (len - i < n)
			return false;
		for (k = 1; k < n; k++) {
			if ((u[i + k] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (u[i + k] & 0x3F);
		}
		if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
		    (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
			return false;
		i += n;
	}
	return true;
}
