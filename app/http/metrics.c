#include "http/metrics.h"

#include <string.h>
#include <sys/mman.h>

#include "http/problem.h"
#include "http/route.h"

/* Statuses 100..599 each have a counter; any other status shares one more, "other". */
#define STATUS_MIN 100
#define STATUS_SLOTS 501 /* 100..599 and one "other" */

enum db_error_kind { DB_ERR_UNAVAILABLE, DB_ERR_INTERNAL, DB_ERR_KINDS };

/* Rows: one per route table entry, then one for requests that matched no route. */
struct counters {
	size_t n_routes; /* row n_routes: unmatched */
	unsigned long long db_errors[DB_ERR_KINDS];
	unsigned long long requests[]; /* [(n_routes + 1) * STATUS_SLOTS] */
};

static struct counters *shared;
static const struct route *routes; /* the table the rows count; inherited by the workers */

int metrics_init(const struct route *table, size_t n_routes)
{
	size_t size = sizeof(struct counters) +
		      (n_routes + 1) * STATUS_SLOTS * sizeof(unsigned long long);
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	shared = p; /* zero-filled by the kernel */
	routes = table;
	shared->n_routes = n_routes;
	return 0;
}

static size_t route_row(const struct request *req)
{
	return req->route != NULL ? (size_t)(req->route - routes) : shared->n_routes;
}

static const struct route *row_route(size_t row)
{
	return row < shared->n_routes ? &routes[row] : NULL;
}

static size_t status_slot(int status)
{
	if (status < STATUS_MIN || status >= STATUS_MIN + STATUS_SLOTS - 1)
		return STATUS_SLOTS - 1;
	return (size_t)(status - STATUS_MIN);
}

void metrics_record(const struct request *req, const struct response *resp)
{
	size_t row;

	if (shared == NULL)
		return;
	row = route_row(req);
	__atomic_fetch_add(&shared->requests[row * STATUS_SLOTS + status_slot(resp->status)], 1,
			   __ATOMIC_RELAXED);
	if (resp->status == 503)
		__atomic_fetch_add(&shared->db_errors[DB_ERR_UNAVAILABLE], 1, __ATOMIC_RELAXED);
	else if (resp->status == 500)
		__atomic_fetch_add(&shared->db_errors[DB_ERR_INTERNAL], 1, __ATOMIC_RELAXED);
}

static const char *method_label(enum http_method m)
{
	switch (m) {
	case HTTP_GET:
		return "GET";
	case HTTP_POST:
		return "POST";
	case HTTP_PATCH:
		return "PATCH";
	case HTTP_DELETE:
		return "DELETE";
	case HTTP_PUT:
		return "PUT";
	case HTTP_HEAD:
		return "HEAD";
	case HTTP_OPTIONS:
		return "OPTIONS";
	default:
		return "OTHER";
	}
}

/* Route patterns are our own literals ("/api/integrations/{int}"): nothing to escape. */
static void render_requests(struct strbuf *out, size_t row)
{
	const struct route *r = row_route(row);
	const char *method = r != NULL ? method_label(r->method) : "";
	const char *route = r != NULL ? r->pattern : "unmatched";
	size_t s;

	for (s = 0; s < STATUS_SLOTS; s++) {
		unsigned long long n = __atomic_load_n(&shared->requests[row * STATUS_SLOTS + s],
						       __ATOMIC_RELAXED);

		if (n == 0)
			continue;
		if (s == STATUS_SLOTS - 1)
			strbuf_printf(out,
				      "integrations_http_requests_total{method=\"%s\",route=\"%s\","
				      "status=\"other\"} %llu\n",
				      method, route, n);
		else
			strbuf_printf(out,
				      "integrations_http_requests_total{method=\"%s\",route=\"%s\","
				      "status=\"%d\"} %llu\n",
				      method, route, (int)s + STATUS_MIN, n);
	}
}

void handle_metrics(struct request *req, struct response *resp)
{
	static const char *const kinds[DB_ERR_KINDS] = { "unavailable", "internal" };
	size_t row;
	int k;

	if (!req->metrics_scrape || shared == NULL) {
		problem_reply(resp, req, 404, "not_found", "no such resource");
		return;
	}
	resp->status = 200;
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
	resp->body.len = 0;
	strbuf_puts(&resp->body, "# HELP integrations_http_requests_total Requests answered by the "
				 "workers, by route pattern and status.\n"
				 "# TYPE integrations_http_requests_total counter\n");
	for (row = 0; row <= shared->n_routes; row++)
		render_requests(&resp->body, row);
	strbuf_puts(&resp->body, "# HELP integrations_db_errors_total Requests that failed in the "
				 "database: unavailable (503) or an unexpected SQL error (500).\n"
				 "# TYPE integrations_db_errors_total counter\n");
	for (k = 0; k < DB_ERR_KINDS; k++)
		strbuf_printf(&resp->body, "integrations_db_errors_total{kind=\"%s\"} %llu\n",
			      kinds[k], __atomic_load_n(&shared->db_errors[k], __ATOMIC_RELAXED));
}
