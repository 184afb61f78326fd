/* metrics: counters by route row and status, the db error kinds, the exposition, the 404 guard. */
#include <string.h>

#include "check_main.h"

#include "http/metrics.h"
#include "http/route.h"

static void noop(struct request *req, struct response *resp)
{
	(void)req;
	(void)resp;
}

static const struct route table[] = {
	{ .method = HTTP_GET, .pattern = "/api/a", .handler = noop },
	{ .method = HTTP_POST, .pattern = "/api/a/{int}", .handler = noop },
};

static struct arena *a;

static void setup(void)
{
	a = arena_new();
}

static void teardown(void)
{
	arena_free(a);
}

static void record(const struct route *route, int status)
{
	struct request req;
	struct response resp;

	memset(&req, 0, sizeof(req));
	req.arena = a;
	req.route = route;
	response_init(&resp, a);
	resp.status = status;
	metrics_record(&req, &resp);
}

static const char *scrape(bool through_loopback, int *status)
{
	struct request req;
	struct response resp;

	memset(&req, 0, sizeof(req));
	req.arena = a;
	req.metrics_scrape = through_loopback;
	response_init(&resp, a);
	handle_metrics(&req, &resp);
	*status = resp.status;
	return resp.body.data;
}

/* One process: metrics_init maps the counters once, so the checks run in order in one test. */
START_TEST(counts_and_exposes)
{
	const char *text;
	int status;

	record(&table[0], 200); /* before init: a no-op */
	text = scrape(true, &status);
	ck_assert_int_eq(status, 404);

	ck_assert_int_eq(metrics_init(table, 2), 0);
	record(&table[0], 200);
	record(&table[0], 200);
	record(&table[1], 201);
	record(&table[1], 503);
	record(&table[1], 500);
	record(NULL, 404);
	record(NULL, 999);

	text = scrape(false, &status);
	ck_assert_int_eq(status, 404); /* not through nginx's loopback server */

	text = scrape(true, &status);
	ck_assert_int_eq(status, 200);
	ck_assert_ptr_nonnull(strstr(text, "# TYPE integrations_http_requests_total counter\n"));
	ck_assert_ptr_nonnull(strstr(text, "integrations_http_requests_total{method=\"GET\",route="
					   "\"/api/a\",status=\"200\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(text, "integrations_http_requests_total{method=\"POST\",route="
					   "\"/api/a/{int}\",status=\"201\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "integrations_http_requests_total{method=\"\",route="
					   "\"unmatched\",status=\"404\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "integrations_http_requests_total{method=\"\",route="
					   "\"unmatched\",status=\"other\"} 1\n"));
	ck_assert_ptr_nonnull(
		strstr(text, "integrations_db_errors_total{kind=\"unavailable\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "integrations_db_errors_total{kind=\"internal\"} 1\n"));
	ck_assert_ptr_null(strstr(text, "status=\"404\"} 2"));
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("metrics");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, counts_and_exposes);
	suite_add_tcase(s, tc);
	return s;
}
