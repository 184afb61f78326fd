#include <string.h>

#include "db/sqlstate.h"

/* The one place that turns database errors into HTTP: exact states first, then classes. */
static const struct {
	const char *state; /* five characters, or a two-character class */
	int status;
	const char *code;
} sqlstate_map[] = {
	{ "IN400", 400, "validation_failed" },
	{ "IN403", 403, "forbidden" },
	{ "IN404", 404, "not_found" },
	{ "IN409", 409, "conflict" },
	{ "IN410", 410, "gone" },
	{ "IN412", 412, "precondition_failed" },
	{ "IN422", 422, "validation_failed" },
	{ "INV09", 409, "version_exists" },
	{ "INH09", 409, "integration_has_installs" },
	{ "INA09", 409, "already_installed" },
	{ "INR22", 422, "pattern_too_complex" },
	{ "INM22", 422, "idempotency_mismatch" },
	{ "INP09", 409, "request_in_progress" },
	{ "INC09", 409, "merge_conflict" },
	{ "23505", 409, "conflict" },
	{ "40001", 409, "conflict" },
	{ "40P01", 409, "conflict" },
	/* statement_timeout: this request ran past its budget and was cancelled, nothing changed.
	 * Not 503 + Retry-After: the same request would most likely time out again. */
	{ "57014", 504, "statement_timeout" },
	{ "57P01", 503, "unavailable" },
	{ "57P02", 503, "unavailable" },
	{ "57P03", 503, "unavailable" },
	{ "08", 503, "unavailable" },
	/* read_only_sql_transaction: a write reached a server that is (now) a standby, e.g. a
	 * primary demoted by a switchover; the next connection finds the new primary. */
	{ "25006", 503, "unavailable" },
};

int db_sqlstate_status(const char *sqlstate, const char **code)
{
	size_t i;

	for (i = 0; sqlstate != NULL && i < sizeof(sqlstate_map) / sizeof(sqlstate_map[0]); i++) {
		size_t n = strlen(sqlstate_map[i].state);

		if (strncmp(sqlstate, sqlstate_map[i].state, n) == 0 &&
		    (n == 2 || sqlstate[n] == '\0')) {
			*code = sqlstate_map[i].code;
			return sqlstate_map[i].status;
		}
	}
	*code = "internal";
	return 500;
}
