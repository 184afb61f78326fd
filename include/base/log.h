#ifndef INTEGRATIONS_LOG_H
#define INTEGRATIONS_LOG_H

#include <stddef.h>

/*
 * The one logger: every line the program writes to stderr is one JSON object,
 * {"ts": "2026-12-02T07:11:36.123Z", "level": "info", "msg": "…", <fields>…}, written
 * with a single write(2) so lines of concurrent workers never interleave. It never
 * allocates (a line longer than LOG_LINE_MAX is cut, its msg marked "…"), so it can
 * report running out of memory.
 */

#define LOG_LINE_MAX 8192

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

enum log_field_type { LOG_FIELD_STR, LOG_FIELD_INT, LOG_FIELD_NUM, LOG_FIELD_JSON };

/* One extra member of a line; build them with LOG_STR, LOG_INT, LOG_NUM, LOG_JSON. */
struct log_field {
	const char *key;
	enum log_field_type type;
	const char *str; /* STR: any text, escaped (NULL: null); JSON: a JSON value written as is */
	long long i;
	double num;
};

#define LOG_STR(k, v) ((struct log_field){ .key = (k), .type = LOG_FIELD_STR, .str = (v) })
#define LOG_INT(k, v) ((struct log_field){ .key = (k), .type = LOG_FIELD_INT, .i = (long long)(v) })
#define LOG_NUM(k, v) ((struct log_field){ .key = (k), .type = LOG_FIELD_NUM, .num = (double)(v) })
#define LOG_JSON(k, v) ((struct log_field){ .key = (k), .type = LOG_FIELD_JSON, .str = (v) })

/*
 * Formats one line (with its trailing newline and a NUL) into buf of size bytes, at most
 * LOG_LINE_MAX; ts_ms is the time in milliseconds since the epoch. Returns the line's length
 * without the NUL.
 */
size_t log_format(char *buf, size_t size, long long ts_ms, enum log_level level, const char *msg,
		  const struct log_field *fields, size_t n_fields);

/* Writes one line for now to stderr. */
void log_write(enum log_level level, const char *msg, const struct log_field *fields,
	       size_t n_fields);

/* The lowercase name of a level ("info"). */
const char *log_level_name(enum log_level level);

/* log_write with fields given as a list: LOG_EVENT(LOG_INFO, "msg", LOG_INT("pid", 1), …). */
#define LOG_EVENT(level, msg, ...)                                                                 \
	log_write((level), (msg), (const struct log_field[]){ __VA_ARGS__ },                       \
		  sizeof((const struct log_field[]){ __VA_ARGS__ }) / sizeof(struct log_field))

#endif
