#ifndef INTEGRATIONS_LIST_RESOURCES_H
#define INTEGRATIONS_LIST_RESOURCES_H

#include <stdbool.h>
#include <stddef.h>

#define LIST_MAX_LIMIT 100
#define LIST_MAX_ORDER_KEYS 5
#define LIST_MAX_FILTER_BYTES 8192
#define LIST_MAX_FILTER_DEPTH 8
#define LIST_MAX_CONDITIONS 64
#define LIST_MAX_IN_VALUES 100
#define LIST_MAX_IDS 100
#define LIST_MAX_SCOPE_PARTS 4

/*
 * LT_SEMVER fields order and compare by a stored generated column named after
 * theirs, <column>_key = core.semver_key(<column>) (sql/008): computing the key
 * per row per query was the cost of every SemVer sort and filter.
 * LT_INT: a bigint (the events' sequence), compared and ordered as a number.
 */
enum list_type { LT_TEXT, LT_ENUM, LT_TIMESTAMP, LT_SEMVER, LT_JSON, LT_BOOL, LT_INT };

/* A field callers may filter and sort on: its API name and the column behind it. */
struct list_field {
	const char *name;
	const char *column; /* column of the resource's table, qualified by the compiler */
	enum list_type type;
	bool nullable;
	const char *const *enum_values; /* LT_ENUM: NULL-terminated */
};

struct list_resource;

/* A related resource reachable from filters with some / every / none. */
struct list_relation {
	const char *name;
	const struct list_resource *target;
	const char *foreign_key; /* column of target's table that holds the parent's id */
	/* When set, only related rows whose column of this name is one of the caller's workspaces. */
	const char *workspace_column;
};

struct list_resource {
	const char *name;
	const char *table;
	const char *default_order; /* field listed newest first when orderBy is absent */
	bool default_ascending; /* default_order lists oldest first instead (a stream) */
	/*
	 * When set: an LT_INT field, unique within the list's scope and the default order's
	 * first key, whose plain value ?after may give instead of a cursor (the events'
	 * sequence): with the default order the page then starts after the row holding it.
	 */
	const char *position_field;
	const char *id_prefix; /* its ids are <id_prefix>_<hex> (vocab_valid_id) */
	const struct list_field *fields;
	size_t n_fields;
	const struct list_relation *relations;
	size_t n_relations;
};

/*
 * Case folding for mode insensitive and the name shorthands: ICU's lower() (the cluster's
 * ctype is C, whose lower() folds ASCII only), compared bytewise so LIKE prefixes and ranges
 * can use a btree index. sql/migrations/0002 indexes exactly this expression: keep the two the same.
 * Wrap an SQL expression: LIST_FOLD_OPEN expr LIST_FOLD_CLOSE.
 */
#define LIST_FOLD_OPEN "lower(("
#define LIST_FOLD_CLOSE ") collate \"und-x-icu\") collate \"C\""

/* What each list can filter and sort on (docs/api-conventions.md, "Lists"). */
extern const struct list_resource list_integrations;
extern const struct list_resource list_versions;
extern const struct list_resource list_installs;
extern const struct list_resource list_entities;
/* Rollouts of an integration and the jobs of a rollout (PRODUCT §14). */
extern const struct list_resource list_rollouts;
/* Webhook endpoints of a workspace and the deliveries of an endpoint (PRODUCT §15). */
extern const struct list_resource list_webhook_endpoints;
extern const struct list_resource list_webhook_deliveries;
extern const struct list_resource list_rollout_jobs;
extern const struct list_resource list_install_operations;
/* A workspace's events, oldest first (PRODUCT §15). */
extern const struct list_resource list_events;

#endif
