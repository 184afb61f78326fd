/* xalloc: checked heap allocations; running out of memory aborts (the supervisor respawns). */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"

#include "base/xalloc.h"

START_TEST(xstrdup_copies)
{
	const char *s = "kid-1:RS256:/etc/keys/a.pem";
	char *p = xstrdup(s);

	ck_assert_ptr_ne(p, s);
	ck_assert_str_eq(p, s);
	free(p);
	p = xstrdup("");
	ck_assert_str_eq(p, "");
	free(p);
}
END_TEST

START_TEST(xmalloc_and_xcalloc)
{
	unsigned char *p = xmalloc(64 * 1024);
	int *z = xcalloc(1000, sizeof(int));
	size_t i;

	memset(p, 0xab, 64 * 1024);
	ck_assert_int_eq(p[64 * 1024 - 1], 0xab);
	for (i = 0; i < 1000; i++)
		ck_assert_int_eq(z[i], 0);
	free(p);
	free(z);
	/* zero sizes still give a pointer that free() takes */
	free(xmalloc(0));
	free(xcalloc(0, 8));
}
END_TEST

START_TEST(out_of_memory_aborts)
{
	xalloc_die("test", 123);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("xalloc");
	TCase *tc = tcase_create("xalloc");

	tcase_add_test(tc, xstrdup_copies);
	tcase_add_test(tc, xmalloc_and_xcalloc);
	tcase_add_test_raise_signal(tc, out_of_memory_aborts, SIGABRT);
	suite_add_tcase(s, tc);
	return s;
}
