/* The request arena: alignment, growth, string helpers, deferred cleanups, reuse. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "check_main.h"

#include "base/arena.h"

static struct arena *a;

static void setup(void)
{
	a = arena_new();
}

static void teardown(void)
{
	arena_free(a);
}

static int is_aligned(const void *p)
{
	return (uintptr_t)p % _Alignof(max_align_t) == 0;
}

/* Fills n bytes with a pattern derived from seed; check_pattern tells whether it is intact. */
static void fill_pattern(unsigned char *p, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(seed * 31 + i * 7);
}

static int check_pattern(const unsigned char *p, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != (unsigned char)(seed * 31 + i * 7))
			return 0;
	return 1;
}

START_TEST(allocations_are_aligned)
{
	size_t size;

	for (size = 1; size <= 200; size++) {
		void *p = arena_alloc(a, size);

		ck_assert_msg(is_aligned(p), "arena_alloc(%zu) = %p", size, p);
		memset(p, 0xAB, size);
	}
	ck_assert(is_aligned(arena_alloc(a, 100000)));
	ck_assert(is_aligned(arena_alloc(a, 3)));
	ck_assert(is_aligned(arena_strdup(a, "x")));
	ck_assert(is_aligned(arena_calloc(a, 3, 7)));
}
END_TEST

START_TEST(allocations_do_not_overlap_across_blocks)
{
	enum { N = 300 };
	unsigned char *p[N];
	size_t size[N];
	unsigned i;

	/* Mixed small and large sizes force new blocks and dedicated large blocks. */
	for (i = 0; i < N; i++) {
		size[i] = i % 50 == 0 ? 70000 + i : i % 7 == 0 ? 20000 : 1 + i * 13 % 500;
		p[i] = arena_alloc(a, size[i]);
		fill_pattern(p[i], size[i], i);
	}
	for (i = 0; i < N; i++)
		ck_assert_msg(check_pattern(p[i], size[i], i), "allocation %u was overwritten", i);
}
END_TEST

START_TEST(large_allocation_keeps_current_block_usable)
{
	unsigned char *small1 = arena_alloc(a, 100);
	unsigned char *big, *small2;
	const size_t big_size = 4 * 1024 * 1024;

	fill_pattern(small1, 100, 1);
	big = arena_alloc(a, big_size);
	fill_pattern(big, big_size, 2);
	small2 = arena_alloc(a, 100);
	fill_pattern(small2, 100, 3);

	ck_assert(check_pattern(small1, 100, 1));
	ck_assert(check_pattern(big, big_size, 2));
	ck_assert(check_pattern(small2, 100, 3));
	/* The small allocation after the big one still comes from the first block. */
	ck_assert(small2 > small1);
	ck_assert_uint_lt((size_t)(small2 - small1), 1024);
}
END_TEST

START_TEST(calloc_zeroes)
{
	unsigned char *p;
	size_t i;

	/* Dirty the block first so a zero cannot be an accident of fresh memory. */
	memset(arena_alloc(a, 4096), 0xFF, 4096);
	arena_reset(a);
	p = arena_calloc(a, 512, 8);
	for (i = 0; i < 512 * 8; i++)
		ck_assert_uint_eq(p[i], 0);
	ck_assert_ptr_nonnull(arena_calloc(a, 0, 8));
}
END_TEST

START_TEST(strdup_and_strndup_copy)
{
	char src[] = "hello, arena";
	char *d = arena_strdup(a, src);
	char *n = arena_strndup(a, src, 5);
	char *e = arena_strdup(a, "");

	ck_assert_ptr_ne(d, src);
	src[0] = 'J';
	ck_assert_str_eq(d, "hello, arena");
	ck_assert_str_eq(n, "hello");
	ck_assert_str_eq(e, "");
	/* strndup stops at len even without a NUL there. */
	ck_assert_str_eq(arena_strndup(a, "abc\0def", 6), "abc");
	ck_assert_uint_eq(strlen(arena_strndup(a, "abcdef", 3)), 3);
}
END_TEST

START_TEST(printf_formats_any_length)
{
	char *big;
	size_t i;

	ck_assert_str_eq(arena_printf(a, "%s-%d-%05.1f", "x", -42, 3.14159), "x--42-003.1");
	ck_assert_str_eq(arena_printf(a, "%s", ""), "");
	big = arena_printf(a, "%0100000d|", 7);
	ck_assert_uint_eq(strlen(big), 100001);
	for (i = 0; i < 99999; i++)
		ck_assert_int_eq(big[i], '0');
	ck_assert_str_eq(big + 99999, "7|");
}
END_TEST

static int order[8];
static int n_order;

static void record(void *p)
{
	order[n_order++] = *(int *)p;
}

START_TEST(defer_runs_in_reverse_order_at_reset)
{
	static int one = 1, two = 2, three = 3;

	n_order = 0;
	arena_defer(a, record, &one);
	arena_defer(a, record, &two);
	arena_defer(a, record, &three);
	ck_assert_int_eq(n_order, 0);
	arena_reset(a);
	ck_assert_int_eq(n_order, 3);
	ck_assert_int_eq(order[0], 3);
	ck_assert_int_eq(order[1], 2);
	ck_assert_int_eq(order[2], 1);
	/* A second reset runs nothing again. */
	arena_reset(a);
	ck_assert_int_eq(n_order, 3);
}
END_TEST

START_TEST(defer_null_runs_nothing)
{
	static int one = 1;

	n_order = 0;
	arena_defer(a, record, NULL);
	arena_defer(a, record, &one);
	arena_reset(a);
	ck_assert_int_eq(n_order, 1);
	ck_assert_int_eq(order[0], 1);
}
END_TEST

START_TEST(defer_runs_at_free)
{
	static int seven = 7;
	struct arena *b = arena_new();

	n_order = 0;
	arena_defer(b, record, &seven);
	arena_free(b);
	ck_assert_int_eq(n_order, 1);
	ck_assert_int_eq(order[0], 7);
}
END_TEST

START_TEST(defer_can_free_heap_memory)
{
	/* LeakSanitizer would report this block if the cleanup did not run. */
	arena_defer(a, free, malloc(1000));
	arena_alloc(a, 200000);
	arena_reset(a);
}
END_TEST

START_TEST(reuse_after_reset)
{
	static int one = 1;
	int round;

	for (round = 0; round < 3; round++) {
		unsigned char *small = arena_alloc(a, 1000);
		unsigned char *big = arena_alloc(a, 300000);
		char *s = arena_printf(a, "round %d", round);

		fill_pattern(small, 1000, 10);
		fill_pattern(big, 300000, 11);
		n_order = 0;
		arena_defer(a, record, &one);
		ck_assert(check_pattern(small, 1000, 10));
		ck_assert(check_pattern(big, 300000, 11));
		ck_assert_str_eq(s, round == 0 ? "round 0" : round == 1 ? "round 1" : "round 2");
		arena_reset(a);
		ck_assert_int_eq(n_order, 1);
	}
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("arena");
	TCase *tc = tcase_create("arena");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, allocations_are_aligned);
	tcase_add_test(tc, allocations_do_not_overlap_across_blocks);
	tcase_add_test(tc, large_allocation_keeps_current_block_usable);
	tcase_add_test(tc, calloc_zeroes);
	tcase_add_test(tc, strdup_and_strndup_copy);
	tcase_add_test(tc, printf_formats_any_length);
	tcase_add_test(tc, defer_runs_in_reverse_order_at_reset);
	tcase_add_test(tc, defer_null_runs_nothing);
	tcase_add_test(tc, defer_runs_at_free);
	tcase_add_test(tc, defer_can_free_heap_memory);
	tcase_add_test(tc, reuse_after_reset);
	suite_add_tcase(s, tc);
	return s;
}
