/* SQLSTATE → HTTP status and problem code: the table of docs/architecture.md, row by row. */
#include <stddef.h>

#include "check_main.h"

#include "db/sqlstate.h"

static const struct {
	const char *state;
	int status;
	const char *code;
} rows[] = {
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
	{ "23505", 409, "conflict" },
	{ "40001", 409, "conflict" },
	{ "40P01", 409, "conflict" },
	/* class 08: connection exceptions */
	{ "08000", 503, "unavailable" },
	{ "08003", 503, "unavailable" },
	{ "08006", 503, "unavailable" },
	{ "08001", 503, "unavailable" },
	{ "08P01", 503, "unavailable" },
	{ "57P01", 503, "unavailable" },
	{ "57P02", 503, "unavailable" },
	{ "57P03", 503, "unavailable" },
	{ "25006", 503, "unavailable" },
	/* anything else */
	{ "XX000", 500, "internal" },
	{ "57P04", 500, "internal" },
	{ "57014", 504, "statement_timeout" },
	{ "23503", 500, "internal" },
	{ "23514", 500, "internal" },
	{ "40002", 500, "internal" },
	{ "22P02", 500, "internal" },
	{ "P0001", 500, "internal" },
	{ "IN401", 500, "internal" },
	{ "IN500", 500, "internal" },
	{ "in404", 500, "internal" },
	/* odd inputs */
	{ "IN4041", 500, "internal" },
	{ "IN40", 500, "internal" },
	{ "I", 500, "internal" },
	{ "0", 500, "internal" },
	{ "", 500, "internal" },
	{ "2350", 500, "internal" },
	{ "235050", 500, "internal" },
	{ "57P011", 500, "internal" },
};

START_TEST(maps_each_row)
{
	const char *code = NULL;
	int status = db_sqlstate_status(rows[_i].state, &code);

	ck_assert_msg(status == rows[_i].status, "%s → %d, expected %d", rows[_i].state, status,
		      rows[_i].status);
	ck_assert_ptr_nonnull(code);
	ck_assert_str_eq(code, rows[_i].code);
}
END_TEST

START_TEST(null_is_internal)
{
	const char *code = NULL;

	ck_assert_int_eq(db_sqlstate_status(NULL, &code), 500);
	ck_assert_pstr_eq(code, "internal");
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("sqlstate");
	TCase *tc = tcase_create("sqlstate");

	tcase_add_loop_test(tc, maps_each_row, 0, (int)(sizeof(rows) / sizeof(rows[0])));
	tcase_add_test(tc, null_is_internal);
	suite_add_tcase(s, tc);
	return s;
}
