#include "db/sqlparams.h"

int sql_param(struct sql_params *p, struct strbuf *sql, const char *value)
{
	if (p->n == SQL_MAX_PARAMS)
		return -1;
	p->values[p->n++] = value;
	strbuf_printf(sql, "$%d", p->n);
	return 0;
}

const char *sql_text_array(struct arena *a, const char *const *items, size_t n)
{
	struct strbuf sb;
	size_t i;

	strbuf_init(&sb, a);
	strbuf_putc(&sb, '{');
	for (i = 0; i < n; i++) {
		const char *s;

		if (i > 0)
			strbuf_putc(&sb, ',');
		strbuf_putc(&sb, '"');
		for (s = items[i]; *s != '\0'; s++) {
			if (*s == '"' || *s == '\\')
				strbuf_putc(&sb, '\\');
			strbuf_putc(&sb, *s);
		}
		strbuf_putc(&sb, '"');
	}
	strbuf_putc(&sb, '}');
	return sb.data;
}
