#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "list/filter.h"
#include "list/order.h"
#include "base/values.h"

/*
 * The filter compiler. Every name the caller writes is looked up in the
 * resource's field and relation tables, and only the table's own column
 * names reach the SQL text; every value travels as a $n parameter.
 */
struct compiler {
	struct arena *arena;
	struct sql_params *params;
	struct validation *v;
	int conditions;
	int aliases;
	size_t n_problems; /* recorded by this compilation (v may keep only the first ones) */
};

static const char *const scalar_ops[] = { "eq",  "neq", "lt",    "lte",    "gt",
					  "gte", "in",  "notIn", "isNull", NULL };
static const char *const text_ops[] = { "contains", "startsWith", "endsWith", NULL };

static bool in_list(const char *const *list, const char *s)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

static void problem(struct compiler *c, const char *path, const char *message)
{
	c->n_problems++;
	validation_add(c->v, path, message);
}

static const char *cast_for(enum list_type t)
{
	switch (t) {
	case LT_TIMESTAMP:
		return "::timestamptz";
	case LT_BOOL:
		return "::boolean";
	case LT_JSON:
		return "::jsonb";
	case LT_INT:
		return "::bigint";
	default:
		return "::text";
	}
}

/* Checks one operand against the field's type; returns its text form for a parameter or NULL. */
static const char *operand(struct compiler *c, const struct list_field *f, struct json_object *val,
			   const char *path)
{
	const char *s;

	if (f->type == LT_BOOL) {
		if (!json_object_is_type(val, json_type_boolean)) {
			problem(c, path, "must be a boolean");
			return NULL;
		}
		return json_object_get_boolean(val) ? "true" : "false";
	}
	if (f->type == LT_INT) {
		if (!json_object_is_type(val, json_type_int)) {
			problem(c, path, "must be an integer");
			return NULL;
		}
		return arena_printf(c->arena, "%" PRId64, json_object_get_int64(val));
	}
	if (!json_object_is_type(val, json_type_string)) {
		problem(c, path, "must be a string");
		return NULL;
	}
	s = json_object_get_string(val);
	switch (f->type) {
	case LT_ENUM:
		if (!in_list(f->enum_values, s)) {
			problem(c, path, "is not one of the field's values");
			return NULL;
		}
		break;
	case LT_TIMESTAMP:
		if (!value_is_timestamp(s)) {
			problem(c, path, "must be an ISO 8601 date-time with a time zone");
			return NULL;
		}
		break;
	case LT_SEMVER:
		if (!value_is_semver(s)) {
			problem(c, path, "must be a SemVer 2.0 version");
			return NULL;
		}
		break;
	default:
		break;
	}
	return s;
}

/* Appends "$n" (and a cast) for value, or reports the parameter limit. */
static int param(struct compiler *c, struct strbuf *sql, const char *value, const char *cast,
		 const char *path)
{
	if (sql_param(c->params, sql, value) < 0) {
		problem(c, path, "the filter is too large");
		return -1;
	}
	strbuf_puts(sql, cast);
	return 0;
}

/* The left side of a comparison: the column, its sort key for SemVer, folded if insensitive. */
static const char *lhs(struct compiler *c, const struct list_field *f, const char *alias,
		       bool insensitive)
{
	const char *e = list_sort_expr(c->arena, f, alias);

	return insensitive ? arena_printf(c->arena, LIST_FOLD_OPEN "%s" LIST_FOLD_CLOSE, e) : e;
}

static void rhs_value(struct compiler *c, struct strbuf *sql, const struct list_field *f,
		      const char *value, bool insensitive, const char *path)
{
	if (insensitive)
		strbuf_puts(sql, LIST_FOLD_OPEN);
	if (f->type == LT_SEMVER)
		strbuf_puts(sql, "core.semver_key(");
	param(c, sql, value, cast_for(f->type), path);
	if (f->type == LT_SEMVER)
		strbuf_putc(sql, ')');
	if (insensitive)
		strbuf_puts(sql, LIST_FOLD_CLOSE);
}

/* Escapes LIKE's metacharacters so the caller's text matches literally. */
const char *list_like_pattern(struct arena *a, const char *s, bool lead, bool trail)
{
	struct strbuf sb;

	strbuf_init(&sb, a);
	if (lead)
		strbuf_putc(&sb, '%');
	for (; *s != '\0'; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			strbuf_putc(&sb, '\\');
		strbuf_putc(&sb, *s);
	}
	if (trail)
		strbuf_putc(&sb, '%');
	return sb.data;
}

static void compile_in(struct compiler *c, struct strbuf *sql, const struct list_field *f,
		       const char *alias, const char *op, struct json_object *val, bool insensitive,
		       const char *path)
{
	const char **items;
	size_t n, i;
	const char *left = lhs(c, f, alias, insensitive);
	bool negate = strcmp(op, "notIn") == 0;

	if (!json_object_is_type(val, json_type_array)) {
		problem(c, path, "must be an array");
		return;
	}
	n = json_object_array_length(val);
	if (n > LIST_MAX_IN_VALUES) {
		problem(c, path, "has more than 100 values");
		return;
	}
	items = arena_calloc(c->arena, n + 1, sizeof(*items));
	for (i = 0; i < n; i++) {
		items[i] = operand(c, f, json_object_array_get_idx(val, i),
				   arena_printf(c->arena, "%s/%zu", path, i));
		if (items[i] == NULL)
			return;
	}
	/* notIn, like neq, also matches nulls. */
	strbuf_printf(sql, negate ? "(%s is null or not (%s = any(" : "(%s = any(", left, left);
	if (insensitive)
		strbuf_puts(sql,
			    "array(select " LIST_FOLD_OPEN "x" LIST_FOLD_CLOSE " from unnest(");
	else if (f->type == LT_SEMVER)
		strbuf_puts(sql, "array(select core.semver_key(x) from unnest(");
	param(c, sql, sql_text_array(c->arena, items, n), "::text[]", path);
	if (insensitive || f->type == LT_SEMVER)
		strbuf_puts(sql, ") as x)");
	if (f->type == LT_TIMESTAMP || f->type == LT_BOOL || f->type == LT_INT)
		strbuf_printf(sql, "%s[]", cast_for(f->type));
	strbuf_puts(sql, negate ? ")))" : "))");
}

static void compile_op(struct compiler *c, struct strbuf *sql, const struct list_field *f,
		       const char *alias, const char *op, struct json_object *val, bool insensitive,
		       const char *path)
{
	static const struct {
		const char *op;
		const char *sql;
	} comparisons[] = { { "eq", " = " }, { "neq", " is distinct from " },
			    { "lt", " < " }, { "lte", " <= " },
			    { "gt", " > " }, { "gte", " >= " } };
	const char *column = arena_printf(c->arena, "%s.%s", alias, f->column);
	const char *s;
	size_t i;

	if (strcmp(op, "isNull") == 0) {
		if (!json_object_is_type(val, json_type_boolean)) {
			problem(c, path, "must be a boolean");
			return;
		}
		strbuf_printf(sql, "(%s is %snull)", column,
			      json_object_get_boolean(val) ? "" : "not ");
		return;
	}
	if (strcmp(op, "in") == 0 || strcmp(op, "notIn") == 0) {
		compile_in(c, sql, f, alias, op, val, insensitive, path);
		return;
	}
	if (f->type == LT_JSON) {
		if (strcmp(op, "hasKey") == 0) {
			if ((s = operand(c, &(struct list_field){ .type = LT_TEXT }, val, path)) ==
			    NULL)
				return;
			strbuf_printf(sql, "(%s ? ", column);
			param(c, sql, s, "::text", path);
			strbuf_putc(sql, ')');
		} else {
			strbuf_printf(sql, "(%s @> ", column);
			param(c, sql, json_object_to_json_string_ext(val, JSON_C_TO_STRING_PLAIN),
			      "::jsonb", path);
			strbuf_putc(sql, ')');
		}
		return;
	}
	if ((s = operand(c, f, val, path)) == NULL)
		return;
	if (in_list(text_ops, op)) {
		/* Not ilike: under the cluster's C ctype it folds ASCII only, and the folded
		 * column can use an index (LIST_FOLD_OPEN). */
		strbuf_printf(sql, "(%s like ", lhs(c, f, alias, insensitive));
		rhs_value(c, sql, f,
			  list_like_pattern(c->arena, s, strcmp(op, "startsWith") != 0,
					    strcmp(op, "endsWith") != 0),
			  insensitive, path);
		strbuf_putc(sql, ')');
		return;
	}
	for (i = 0; i < sizeof(comparisons) / sizeof(comparisons[0]); i++) {
		if (strcmp(comparisons[i].op, op) != 0)
			continue;
		strbuf_printf(sql, "(%s%s", lhs(c, f, alias, insensitive), comparisons[i].sql);
		rhs_value(c, sql, f, s, insensitive, path);
		strbuf_putc(sql, ')');
		return;
	}
}

static bool op_allowed(const struct list_field *f, const char *op)
{
	if (f->type == LT_JSON)
		return strcmp(op, "hasKey") == 0 || strcmp(op, "contains") == 0 ||
		       strcmp(op, "isNull") == 0;
	if (in_list(scalar_ops, op))
		return f->type != LT_BOOL || strcmp(op, "eq") == 0 || strcmp(op, "neq") == 0 ||
		       strcmp(op, "in") == 0 || strcmp(op, "notIn") == 0 ||
		       strcmp(op, "isNull") == 0;
	return f->type == LT_TEXT && in_list(text_ops, op);
}

static void compile_field(struct compiler *c, struct strbuf *sql, const struct list_field *f,
			  const char *alias, struct json_object *ops, const char *path)
{
	struct json_object *mode;
	bool insensitive = false, first = true;

	if (!json_object_is_type(ops, json_type_object) || json_object_object_length(ops) == 0) {
		problem(c, path, "must be an object of operators");
		return;
	}
	if (json_object_object_get_ex(ops, "mode", &mode)) {
		if (f->type != LT_TEXT || !json_object_is_type(mode, json_type_string) ||
		    strcmp(json_object_get_string(mode), "insensitive") != 0) {
			problem(c, validate_pointer(c->arena, path, "mode"),
				"must be \"insensitive\", on text fields only");
			return;
		}
		insensitive = true;
	}
	strbuf_putc(sql, '(');
	json_object_object_foreach(ops, op, val)
	{
		const char *op_path = validate_pointer(c->arena, path, op);

		if (strcmp(op, "mode") == 0)
			continue;
		if (!op_allowed(f, op)) {
			problem(c, op_path, "unknown operator for this field");
			continue;
		}
		if (++c->conditions > LIST_MAX_CONDITIONS) {
			problem(c, op_path, "the filter has more than 64 conditions");
			return;
		}
		if (!first)
			strbuf_puts(sql, " and ");
		first = false;
		compile_op(c, sql, f, alias, op, val, insensitive, op_path);
	}
	if (first)
		strbuf_puts(sql, "true");
	strbuf_putc(sql, ')');
}

static void compile_node(struct compiler *c, struct strbuf *sql, const struct list_resource *res,
			 struct json_object *node, const char *alias, const char *path, int depth);

static void compile_logic(struct compiler *c, struct strbuf *sql, const struct list_resource *res,
			  const char *key, struct json_object *val, const char *alias,
			  const char *path, int depth)
{
	size_t n, i;

	if (strcmp(key, "NOT") == 0) {
		strbuf_puts(sql, "not coalesce(");
		compile_node(c, sql, res, val, alias, path, depth + 1);
		strbuf_puts(sql, ", false)");
		return;
	}
	if (!json_object_is_type(val, json_type_array) || json_object_array_length(val) == 0) {
		problem(c, path, "must be a non-empty array of filters");
		return;
	}
	n = json_object_array_length(val);
	strbuf_putc(sql, '(');
	for (i = 0; i < n; i++) {
		if (i > 0)
			strbuf_puts(sql, strcmp(key, "AND") == 0 ? " and " : " or ");
		compile_node(c, sql, res, json_object_array_get_idx(val, i), alias,
			     arena_printf(c->arena, "%s/%zu", path, i), depth + 1);
	}
	strbuf_putc(sql, ')');
}

static void compile_relation(struct compiler *c, struct strbuf *sql,
			     const struct list_relation *rel, struct json_object *val,
			     const char *alias, const char *path, int depth)
{
	const char *child;
	const char *quantifier = NULL;
	struct json_object *inner = NULL;

	if (json_object_is_type(val, json_type_object) && json_object_object_length(val) == 1) {
		json_object_object_foreach(val, q, f)
		{
			quantifier = q;
			inner = f;
		}
	}
	if (quantifier == NULL ||
	    (strcmp(quantifier, "some") != 0 && strcmp(quantifier, "every") != 0 &&
	     strcmp(quantifier, "none") != 0)) {
		problem(c, path, "must be {\"some\": …}, {\"every\": …} or {\"none\": …}");
		return;
	}
	child = arena_printf(c->arena, "r%d", ++c->aliases);
	strbuf_printf(sql, "(%sexists (select 1 from %s %s where %s.%s = %s.id",
		      strcmp(quantifier, "some") == 0 ? "" : "not ", rel->target->table, child,
		      child, rel->foreign_key, alias);
	/* The read rule is SQL's (core.owned_in_scope); deleted related rows count too. */
	if (rel->workspace_column != NULL)
		strbuf_printf(sql, " and core.owned_in_scope(%s.%s, null, $1::text[], true)", child,
			      rel->workspace_column);
	/* every: no related row fails the filter (an unknown result counts as failing). */
	strbuf_puts(sql, strcmp(quantifier, "every") == 0 ? " and not coalesce(" : " and (");
	compile_node(c, sql, rel->target, inner, child,
		     validate_pointer(c->arena, path, quantifier), depth + 1);
	strbuf_puts(sql, strcmp(quantifier, "every") == 0 ? ", false)))" : ")))");
}

static void compile_node(struct compiler *c, struct strbuf *sql, const struct list_resource *res,
			 struct json_object *node, const char *alias, const char *path, int depth)
{
	bool first = true;
	size_t i;

	if (depth > LIST_MAX_FILTER_DEPTH) {
		problem(c, path, "the filter is nested deeper than 8");
		return;
	}
	if (!json_object_is_type(node, json_type_object)) {
		problem(c, path, "must be a filter object");
		return;
	}
	strbuf_putc(sql, '(');
	json_object_object_foreach(node, key, val)
	{
		const char *key_path = validate_pointer(c->arena, path, key);
		const struct list_field *f;

		if (!first)
			strbuf_puts(sql, " and ");
		first = false;
		if (strcmp(key, "AND") == 0 || strcmp(key, "OR") == 0 || strcmp(key, "NOT") == 0) {
			compile_logic(c, sql, res, key, val, alias, key_path, depth);
			continue;
		}
		if ((f = list_field_find(res, key)) != NULL) {
			compile_field(c, sql, f, alias, val, key_path);
			continue;
		}
		for (i = 0; i < res->n_relations; i++)
			if (strcmp(res->relations[i].name, key) == 0)
				break;
		if (i < res->n_relations)
			compile_relation(c, sql, &res->relations[i], val, alias, key_path, depth);
		else
			problem(c, key_path, "unknown field");
	}
	if (first)
		strbuf_puts(sql, "true");
	strbuf_putc(sql, ')');
}

const char *list_filter_compile(struct arena *a, const struct list_resource *res,
				struct json_object *filter, const char *alias,
				struct sql_params *params, struct validation *v)
{
	struct compiler c = { .arena = a, .params = params, .v = v };
	struct strbuf sql;

	strbuf_init(&sql, a);
	compile_node(&c, &sql, res, filter, alias, "?filter", 1);
	return c.n_problems == 0 ? sql.data : NULL;
}
