#include <string.h>

#include "json/json_strict.h"
#include "list/order.h"

static const struct {
	const char *name;
	enum list_direction dir;
	enum list_nulls nulls;
} directions[] = {
	/* Plain asc/desc place nulls as PostgreSQL does: last ascending, first descending. */
	{ "asc", DIR_ASC, NULLS_LAST },
	{ "desc", DIR_DESC, NULLS_FIRST },
	{ "asc_nulls_first", DIR_ASC, NULLS_FIRST },
	{ "asc_nulls_last", DIR_ASC, NULLS_LAST },
	{ "desc_nulls_first", DIR_DESC, NULLS_FIRST },
	{ "desc_nulls_last", DIR_DESC, NULLS_LAST },
};

const struct list_field *list_field_find(const struct list_resource *res, const char *name)
{
	size_t i;

	for (i = 0; i < res->n_fields; i++)
		if (strcmp(res->fields[i].name, name) == 0)
			return &res->fields[i];
	return NULL;
}

const char *list_sort_expr(struct arena *a, const struct list_field *f, const char *alias)
{
	if (f->type == LT_SEMVER)
		return arena_printf(a, "%s.%s_key", alias, f->column);
	return arena_printf(a, "%s.%s", alias, f->column);
}

static int parse_key(struct arena *a, const struct list_resource *res, struct json_object *item,
		     const char *path, struct list_order *order, struct validation *v)
{
	const struct list_field *f;
	const char *dir;
	size_t i;

	if (!json_object_is_type(item, json_type_object) || json_object_object_length(item) != 1) {
		validation_add(v, path,
			       "must be an object with one field: {\"field\": \"direction\"}");
		return -1;
	}
	json_object_object_foreach(item, name, direction)
	{
		const char *key_path = validate_pointer(a, path, name);

		f = list_field_find(res, name);
		if (f == NULL || f->type == LT_JSON) {
			validation_add(v, key_path,
				       f == NULL ? "unknown field" : "not a sortable field");
			return -1;
		}
		for (i = 0; i < order->n_keys; i++) {
			if (order->keys[i].field == f) {
				validation_add(v, key_path, "field given twice");
				return -1;
			}
		}
		dir = json_object_is_type(direction, json_type_string)
			      ? json_object_get_string(direction)
			      : "";
		for (i = 0; i < sizeof(directions) / sizeof(directions[0]); i++) {
			if (strcmp(directions[i].name, dir) == 0) {
				order->keys[order->n_keys].field = f;
				order->keys[order->n_keys].dir = directions[i].dir;
				order->keys[order->n_keys].nulls = directions[i].nulls;
				order->n_keys++;
				return 0;
			}
		}
		validation_add(
			v, key_path,
			"must be asc, desc, asc_nulls_first, asc_nulls_last, desc_nulls_first "
			"or desc_nulls_last");
	}
	return -1;
}

static const char *canonical(struct arena *a, const struct list_order *order)
{
	struct strbuf sb;
	size_t i;

	strbuf_init(&sb, a);
	for (i = 0; i < order->n_keys; i++)
		strbuf_printf(&sb, "%s:%c%c,", order->keys[i].field->name,
			      order->keys[i].dir == DIR_ASC ? 'a' : 'd',
			      order->keys[i].nulls == NULLS_FIRST ? 'f' : 'l');
	return sb.data;
}

int list_order_parse(struct arena *a, const struct list_resource *res, const char *text,
		     struct list_order *order, struct validation *v)
{
	struct json_object *parsed;
	const char *why;
	size_t n, i;
	const struct list_field *id = list_field_find(res, "id");

	memset(order, 0, sizeof(*order));
	if (text == NULL) {
		order->keys[0] = (struct list_order_key){
			list_field_find(res, res->default_order),
			res->default_ascending ? DIR_ASC : DIR_DESC,
			res->default_ascending ? NULLS_LAST : NULLS_FIRST
		};
		order->n_keys = 1;
	} else {
		if (json_parse_strict(text, strlen(text), &parsed, &why) < 0) {
			validation_add(v, "?orderBy", "must be a JSON array");
			return -1;
		}
		json_defer_put(a, parsed);
		if (!json_object_is_type(parsed, json_type_array) ||
		    (n = json_object_array_length(parsed)) == 0) {
			validation_add(v, "?orderBy", "must be a non-empty JSON array");
			return -1;
		}
		if (n > LIST_MAX_ORDER_KEYS) {
			validation_add(v, "?orderBy", "has more than 5 keys");
			return -1;
		}
		for (i = 0; i < n; i++)
			if (parse_key(a, res, json_object_array_get_idx(parsed, i),
				      arena_printf(a, "?orderBy/%zu", i), order, v) < 0)
				return -1;
	}
	/* The id makes the order total, following the direction of the last key. */
	if (order->keys[order->n_keys - 1].field != id) {
		for (i = 0; i < order->n_keys && order->keys[i].field != id; i++)
			;
		if (i == order->n_keys) {
			order->keys[order->n_keys] = (struct list_order_key){
				id, order->keys[order->n_keys - 1].dir, NULLS_LAST
			};
			order->n_keys++;
		}
	}
	order->canonical = canonical(a, order);
	return 0;
}

static struct list_order_key effective(const struct list_order_key *k, bool reversed)
{
	struct list_order_key e = *k;

	if (reversed) {
		e.dir = e.dir == DIR_ASC ? DIR_DESC : DIR_ASC;
		e.nulls = e.nulls == NULLS_FIRST ? NULLS_LAST : NULLS_FIRST;
	}
	return e;
}

/* The ORDER BY body over one expression per key: column_prefix<n> (n from 1) or the keys. */
static const char *order_sql(struct arena *a, const struct list_order *order, const char *alias,
			     const char *column_prefix, bool reversed)
{
	struct strbuf sb;
	size_t i;

	strbuf_init(&sb, a);
	for (i = 0; i < order->n_keys; i++) {
		struct list_order_key k = effective(&order->keys[i], reversed);

		if (i > 0)
			strbuf_puts(&sb, ", ");
		if (column_prefix != NULL)
			strbuf_printf(&sb, "%s%zu", column_prefix, i + 1);
		else
			strbuf_puts(&sb, list_sort_expr(a, k.field, alias));
		strbuf_puts(&sb, k.dir == DIR_ASC ? " asc" : " desc");
		if (k.field->nullable)
			strbuf_puts(&sb, k.nulls == NULLS_FIRST ? " nulls first" : " nulls last");
	}
	return sb.data;
}

const char *list_order_sql(struct arena *a, const struct list_order *order, const char *alias,
			   bool reversed)
{
	return order_sql(a, order, alias, NULL, reversed);
}

const char *list_order_columns_sql(struct arena *a, const struct list_order *order,
				   const char *column_prefix, bool reversed)
{
	return order_sql(a, order, NULL, column_prefix, reversed);
}

static const char *key_cast(const struct list_field *f)
{
	switch (f->type) {
	case LT_TIMESTAMP:
		return "::timestamptz";
	case LT_BOOL:
		return "::boolean";
	case LT_INT:
		return "::bigint";
	default:
		return "::text";
	}
}

/* True when a plain row comparison expresses the keyset: same direction, no nullable key. */
static bool row_comparable(const struct list_order *order, const char *const *values)
{
	size_t i;

	for (i = 0; i < order->n_keys; i++)
		if (order->keys[i].field->nullable || values[i] == NULL ||
		    order->keys[i].dir != order->keys[0].dir)
			return false;
	return true;
}

/* "expression comes strictly after value" on one key, or NULL when nothing can. */
static void key_after(struct strbuf *sb, const char *expr, const struct list_order_key *k,
		      const char *value, struct sql_params *params)
{
	if (value == NULL) {
		/* Past a null only the non-nulls remain, and only if nulls come first. */
		strbuf_puts(sb, k->nulls == NULLS_FIRST ? expr : "false");
		if (k->nulls == NULLS_FIRST)
			strbuf_puts(sb, " is not null");
		return;
	}
	strbuf_printf(sb, "%s%s %s ", k->field->nullable && k->nulls == NULLS_LAST ? "(" : "", expr,
		      k->dir == DIR_ASC ? ">" : "<");
	sql_param(params, sb, value);
	strbuf_puts(sb, key_cast(k->field));
	if (k->field->nullable && k->nulls == NULLS_LAST)
		strbuf_printf(sb, " or %s is null)", expr);
}

/* (keys) op (values): the keyset as one row comparison, which an index on the keys serves. */
static const char *row_comparison(struct arena *a, const struct list_order *order,
				  const char *alias, const char *const *values, const char *op,
				  struct sql_params *params)
{
	struct strbuf sb;
	size_t i;

	strbuf_init(&sb, a);
	strbuf_putc(&sb, '(');
	for (i = 0; i < order->n_keys; i++)
		strbuf_printf(&sb, "%s%s", i > 0 ? ", " : "",
			      list_sort_expr(a, order->keys[i].field, alias));
	strbuf_printf(&sb, ") %s (", op);
	for (i = 0; i < order->n_keys; i++) {
		if (i > 0)
			strbuf_puts(&sb, ", ");
		sql_param(params, &sb, values[i]);
		strbuf_puts(&sb, key_cast(order->keys[i].field));
	}
	strbuf_putc(&sb, ')');
	return sb.data;
}

const char *list_keyset_sql(struct arena *a, const struct list_order *order, const char *alias,
			    const char *const *values, bool reversed, struct sql_params *params)
{
	struct strbuf sb;
	size_t i, j;

	if (row_comparable(order, values))
		return row_comparison(
			a, order, alias, values,
			effective(&order->keys[0], reversed).dir == DIR_ASC ? ">" : "<", params);
	strbuf_init(&sb, a);
	strbuf_putc(&sb, '(');
	for (i = 0; i < order->n_keys; i++) {
		struct list_order_key k = effective(&order->keys[i], reversed);

		strbuf_puts(&sb, i > 0 ? " or (" : "(");
		for (j = 0; j < i; j++) {
			const char *e = list_sort_expr(a, order->keys[j].field, alias);

			if (values[j] == NULL) {
				strbuf_printf(&sb, "%s is null and ", e);
			} else {
				strbuf_printf(&sb, "%s = ", e);
				sql_param(params, &sb, values[j]);
				strbuf_printf(&sb, "%s and ", key_cast(order->keys[j].field));
			}
		}
		key_after(&sb, list_sort_expr(a, k.field, alias), &k, values[i], params);
		strbuf_putc(&sb, ')');
	}
	strbuf_putc(&sb, ')');
	return sb.data;
}

const char *list_keyset_complement_sql(struct arena *a, const struct list_order *order,
				       const char *alias, const char *const *values, bool reversed,
				       struct sql_params *params)
{
	if (row_comparable(order, values))
		return row_comparison(
			a, order, alias, values,
			effective(&order->keys[0], reversed).dir == DIR_ASC ? "<=" : ">=", params);
	return arena_printf(a, "not coalesce(%s, false)",
			    list_keyset_sql(a, order, alias, values, reversed, params));
}
