#include "server/worker.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "http/access_log.h"
#include "db/db.h"
#include "db/replica.h"
#include "server/child.h"
#include "server/dispatch.h"
#include "http/metrics.h"
#include "handlers/routes.h"
#include "http/route.h"

static volatile sig_atomic_t stopping;

static void on_terminate(int sig)
{
	(void)sig;
	stopping = 1;
	FCGX_ShutdownPending();
}

static const char *param(FCGX_Request *fr, struct arena *a, const char *name)
{
	const char *v = FCGX_GetParam(name, fr->envp);

	return v != NULL ? arena_strdup(a, v) : NULL;
}

static bool valid_request_id(const char *id)
{
	size_t n = 0;

	for (; id[n] != '\0'; n++) {
		char c = id[n];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return n >= 1 && n <= 128;
}

/* nginx sends the id it logs; requests that bypass nginx get one of ours. */
static const char *request_id(FCGX_Request *fr, struct arena *a)
{
	static unsigned long counter;
	const char *id = FCGX_GetParam("REQUEST_ID", fr->envp);

	if (id != NULL && valid_request_id(id))
		return arena_strdup(a, id);
	return arena_printf(a, "w%ld-%lx-%lu", (long)getpid(), (unsigned long)time(NULL),
			    ++counter);
}

static void read_body(FCGX_Request *fr, struct request *req)
{
	const char *cl = FCGX_GetParam("CONTENT_LENGTH", fr->envp);
	char *end;
	unsigned long long len;
	char *body;
	int got;

	if (cl == NULL || *cl == '\0')
		return;
	errno = 0;
	len = strtoull(cl, &end, 10);
	if (errno != 0 || *end != '\0' || len > HTTP_MAX_BODY) {
		req->body_too_large = len > HTTP_MAX_BODY || errno == ERANGE;
		return;
	}
	body = arena_alloc(req->arena, (size_t)len + 1);
	got = len > 0 ? FCGX_GetStr(body, (int)len, fr->in) : 0;
	body[got > 0 ? got : 0] = '\0';
	req->body = body;
	req->body_len = got > 0 ? (size_t)got : 0;
}

static void request_from_fcgi(FCGX_Request *fr, struct request *req)
{
	struct arena *a = req->arena;

	req->method_name = param(fr, a, "REQUEST_METHOD");
	if (req->method_name == NULL)
		req->method_name = "";
	req->method = http_method_parse(req->method_name);
	req->path = param(fr, a, "DOCUMENT_URI");
	req->query_string = param(fr, a, "QUERY_STRING");
	req->request_id = request_id(fr, a);
	req->authorization = param(fr, a, "HTTP_AUTHORIZATION");
	req->content_type = param(fr, a, "CONTENT_TYPE");
	req->if_match = param(fr, a, "HTTP_IF_MATCH");
	req->idempotency_key = param(fr, a, "HTTP_IDEMPOTENCY_KEY");
	req->consistency_token = param(fr, a, "HTTP_X_CONSISTENCY_TOKEN");
	/* Set only by nginx's loopback metrics server; no HTTP header can produce it. */
	req->metrics_scrape = FCGX_GetParam("INTEGRATIONS_METRICS_SCRAPE", fr->envp) != NULL;
	read_body(fr, req);
}

static void write_response(FCGX_Request *fr, const struct request *req, const struct response *resp)
{
	struct strbuf head;

	/* libfcgi's own printf knows no %zu: the head is formatted here, then written once. */
	strbuf_init(&head, req->arena);
	strbuf_printf(&head, "Status: %d %s\r\n", resp->status, http_reason(resp->status));
	if (resp->content_type != NULL)
		strbuf_printf(&head, "Content-Type: %s\r\n", resp->content_type);
	strbuf_printf(&head, "X-Request-Id: %s\r\nContent-Length: %zu\r\n", req->request_id,
		      resp->body.len);
	strbuf_append(&head, resp->headers.data, resp->headers.len);
	strbuf_append(&head, "\r\n", 2);
	FCGX_PutStr(head.data, (int)head.len, fr->out);
	/* HEAD: the GET's status and headers (Content-Length too, RFC 9110 9.3.2), no body. */
	if (req->method != HTTP_HEAD)
		FCGX_PutStr(resp->body.data, (int)resp->body.len, fr->out);
}

static double elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) * 1e3 +
	       (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

static void serve(const struct config *cfg, struct db *db, struct replica *replica, struct arena *a,
		  FCGX_Request *fr)
{
	struct request req;
	struct response resp;
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	memset(&req, 0, sizeof(req));
	req.arena = a;
	req.config = cfg;
	req.db = db;
	req.replica = replica;
	request_from_fcgi(fr, &req);
	response_init(&resp, a);
	dispatch(api_routes, api_routes_count, &req, &resp, time(NULL));
	write_response(fr, &req, &resp);
	metrics_record(&req, &resp);
	access_log_write(&req, &resp, elapsed_ms(&start));
}

int worker_run(const struct config *cfg, int listen_fd)
{
	FCGX_Request fr;
	struct arena *a = arena_new();
	struct db *db = db_new(cfg->db_url);
	struct replica *replica = replica_new(cfg->db_read_url, cfg->max_replica_lag_ms,
					      (unsigned)getpid());

	/* SIGTERM interrupts accept(): an idle worker stops at once. */
	child_init(on_terminate, NULL);

	FCGX_Init();
	FCGX_InitRequest(&fr, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR);
	db_connect(db);
	while (!stopping) {
		if (FCGX_Accept_r(&fr) < 0) {
			if (errno == EINTR && !stopping)
				continue;
			break;
		}
		serve(cfg, db, replica, a, &fr);
		FCGX_Finish_r(&fr);
		arena_reset(a);
	}
	FCGX_Free(&fr, 0);
	replica_free(replica);
	db_free(db);
	arena_free(a);
	return 0;
}
