#include "server/deliverer.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libpq-fe.h>

#include "base/arena.h"
#include "base/log.h"
#include "base/strbuf.h"
#include "base/xalloc.h"
#include "db/pgsession.h"
#include "http/webhook_request.h"
#include "server/child.h"

#define DELIVERER_IDLE_MS 1000
#define DELIVERER_RECONNECT_MS 1000
#define DELIVERER_DB_ERROR "deliverer_db_error"
#define DELIVERER_ID_MAX 64
#define DELIVERER_ERROR_MAX 256

static volatile sig_atomic_t stopping;

static void on_terminate(int sig)
{
	(void)sig;
	stopping = 1;
}

/* A delivery in flight: its easy handle's CURLOPT_PRIVATE. */
struct attempt {
	struct webhook_request *req;
	char id[DELIVERER_ID_MAX];
	int attempts; /* recorded before this one */
};

/* A finished attempt, to be recorded. */
struct result {
	char id[DELIVERER_ID_MAX];
	int status; /* 0: no answer */
	char error[DELIVERER_ERROR_MAX]; /* empty: delivered */
	double retry_after; /* seconds; < 0: the schedule is exhausted */
};

struct deliverer {
	const struct config *cfg;
	struct webhook_options opts;
	CURLM *multi;
	PGconn *conn;
	char name[128]; /* lease_owner: host:pid:start, unique */
	char lease[16];
	unsigned short rand_state[3]; /* erand48: the retries' jitter */
	int in_flight;
	struct result results[DELIVERER_MAX_IN_FLIGHT]; /* at most one per attempt in flight */
	int n_results;
};

static void add_result(struct deliverer *d, const char *id, int attempts, int status,
		       const char *error)
{
	struct result *r = &d->results[d->n_results++];

	snprintf(r->id, sizeof(r->id), "%s", id);
	r->status = status;
	snprintf(r->error, sizeof(r->error), "%s", error);
	r->retry_after = webhook_retry_after(d->cfg->webhook_retry_schedule,
					     d->cfg->webhook_retries, attempts,
					     erand48(d->rand_state));
	if (error[0] != '\0')
		LOG_EVENT(LOG_INFO, "webhook attempt failed",
			  LOG_STR("event", "webhook_attempt_failed"), LOG_STR("delivery", id),
			  LOG_INT("attempt", attempts + 1), LOG_INT("status", status),
			  LOG_STR("error", error), LOG_NUM("retry_after", r->retry_after));
}

/* Starts one claimed delivery (row i of res); a request that cannot start is a result. */
static void start(struct deliverer *d, const PGresult *res, int i)
{
	struct attempt *a = xcalloc(1, sizeof(*a));

	snprintf(a->id, sizeof(a->id), "%s", PQgetvalue(res, i, 0));
	a->attempts = atoi(PQgetvalue(res, i, 6));
	a->req = webhook_request_new(&d->opts, PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
				     PQgetvalue(res, i, 3), PQgetvalue(res, i, 5),
				     PQgetvalue(res, i, 4));
	if (a->req == NULL || curl_easy_setopt(a->req->easy, CURLOPT_PRIVATE, a) != CURLE_OK ||
	    curl_multi_add_handle(d->multi, a->req->easy) != CURLM_OK)
		goto fail;
	d->in_flight++;
	return;
fail:
	add_result(d, a->id, a->attempts, 0, "cannot start the request");
	webhook_request_free(a->req);
	free(a);
}

/*
 * Claims up to room due deliveries and starts them. Returns how many were claimed, -1 when
 * the connection is lost.
 */
static int claim(struct deliverer *d, int room)
{
	char max[16];
	const char *params[3] = { d->name, d->lease, max };
	PGresult *res;
	int i, n;

	snprintf(max, sizeof(max), "%d", room);
	res = PQexecParams(
		d->conn,
		"select delivery_id, url, webhook_id, webhook_timestamp, body, signature,"
		" attempts from core.webhook_delivery_claim($1,"
		" make_interval(secs => $2::int), $3::int)",
		3, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		pgsession_log_error("webhook delivery claim failed", DELIVERER_DB_ERROR, d->conn,
				    res);
		PQclear(res);
		return PQstatus(d->conn) == CONNECTION_OK ? 0 : -1;
	}
	n = PQntuples(res);
	for (i = 0; i < n; i++)
		start(d, res, i);
	PQclear(res);
	return n;
}

/* Moves the transfers that ended to the results. */
static void collect(struct deliverer *d)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(d->multi, &left)) != NULL) {
		struct attempt *a;
		char *priv = NULL;
		char error[DELIVERER_ERROR_MAX];
		int status;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
		a = (struct attempt *)(void *)priv;
		status = webhook_request_outcome(a->req, msg->data.result, error, sizeof(error));
		curl_multi_remove_handle(d->multi, a->req->easy);
		add_result(d, a->id, a->attempts, status, error);
		webhook_request_free(a->req);
		free(a);
		d->in_flight--;
	}
}

/* One element of a PostgreSQL array literal: quoted and escaped, or NULL. */
static void array_element(struct strbuf *sb, const char *value)
{
	const char *p;

	if (sb->len > 1)
		strbuf_putc(sb, ',');
	if (value == NULL) {
		strbuf_puts(sb, "NULL");
		return;
	}
	strbuf_putc(sb, '"');
	for (p = value; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			strbuf_putc(sb, '\\');
		strbuf_putc(sb, *p);
	}
	strbuf_putc(sb, '"');
}

/*
 * Records the results in one statement. On failure they are dropped: their leases pass and
 * they are sent again (at least once). Returns -1 when the connection is lost, else 0.
 */
static int record(struct deliverer *d)
{
	struct arena *a = arena_new();
	struct strbuf ids, statuses, errors, retry;
	const char *params[5];
	PGresult *res;
	int i, rc = 0;

	strbuf_init(&ids, a);
	strbuf_init(&statuses, a);
	strbuf_init(&errors, a);
	strbuf_init(&retry, a);
	strbuf_putc(&ids, '{');
	strbuf_putc(&statuses, '{');
	strbuf_putc(&errors, '{');
	strbuf_putc(&retry, '{');
	for (i = 0; i < d->n_results; i++) {
		const struct result *r = &d->results[i];
		char num[32];

		array_element(&ids, r->id);
		snprintf(num, sizeof(num), "%d", r->status);
		array_element(&statuses, r->status > 0 ? num : NULL);
		array_element(&errors, r->error[0] != '\0' ? r->error : NULL);
		snprintf(num, sizeof(num), "%.3f", r->retry_after);
		array_element(&retry, r->retry_after >= 0 ? num : NULL);
	}
	strbuf_putc(&ids, '}');
	strbuf_putc(&statuses, '}');
	strbuf_putc(&errors, '}');
	strbuf_putc(&retry, '}');
	params[0] = d->name;
	params[1] = ids.data;
	params[2] = statuses.data;
	params[3] = errors.data;
	params[4] = retry.data;
	res = PQexecParams(d->conn,
			   "select core.webhook_delivery_record($1, $2::text[], $3::int[],"
			   " $4::text[], $5::float8[])",
			   5, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		pgsession_log_error("webhook delivery record failed", DELIVERER_DB_ERROR, d->conn,
				    res);
		rc = PQstatus(d->conn) == CONNECTION_OK ? 0 : -1;
	}
	PQclear(res);
	arena_free(a);
	d->n_results = 0;
	return rc;
}

static long ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000L + (now.tv_nsec - t->tv_nsec) / 1000000L;
}

static void drop_connection(struct deliverer *d)
{
	PQfinish(d->conn);
	d->conn = NULL;
}

/* The loop: claim when there is room and work may be due, drive the transfers, record. */
static void deliver(struct deliverer *d)
{
	struct timespec last_claim = { 0, 0 };
	bool want_claim = true;

	while (!stopping || d->in_flight > 0) {
		struct curl_waitfd pg = { .events = CURL_WAIT_POLLIN };
		int running, timeout_ms;

		if (d->conn == NULL && !stopping) {
			d->conn = pgsession_connect(d->cfg->db_url, "webhook-deliverer",
						    "integrations_webhooks", DELIVERER_DB_ERROR);
			want_claim = true;
		}
		/* Results not yet recorded (the connection was lost) hold their room too. */
		if (d->conn != NULL && !stopping && want_claim &&
		    d->in_flight + d->n_results < DELIVERER_MAX_IN_FLIGHT) {
			int room = DELIVERER_MAX_IN_FLIGHT - d->in_flight - d->n_results;
			int n = claim(d, room);

			if (n < 0)
				drop_connection(d);
			/* A full claim: more may be due at once. */
			want_claim = n == room;
			clock_gettime(CLOCK_MONOTONIC, &last_claim);
		}
		curl_multi_perform(d->multi, &running);
		collect(d);
		if (d->conn != NULL && d->n_results > 0 && record(d) < 0)
			drop_connection(d);
		if (d->conn == NULL && d->in_flight == 0) {
			/* Results of a lost connection are dropped: sent again after the lease. */
			d->n_results = 0;
			continue;
		}
		if (d->in_flight >= DELIVERER_MAX_IN_FLIGHT || d->conn == NULL || stopping)
			timeout_ms = DELIVERER_IDLE_MS; /* a transfer ending wakes us */
		else if (want_claim)
			timeout_ms = 0;
		else
			timeout_ms = (int)(DELIVERER_IDLE_MS - ms_since(&last_claim));
		if (timeout_ms < 0)
			timeout_ms = 0;
		pg.fd = d->conn != NULL ? PQsocket(d->conn) : -1;
		curl_multi_poll(d->multi, &pg, pg.fd >= 0 ? 1 : 0, timeout_ms, NULL);
		/* Notifications may also have come in with a statement's result. */
		if (d->conn != NULL) {
			int notified = pgsession_take_notifies(d->conn);

			if (notified < 0) /* the server went away: not a busy loop on its EOF */
				drop_connection(d);
			else if (notified > 0)
				want_claim = true;
		}
		if (ms_since(&last_claim) >= DELIVERER_IDLE_MS)
			want_claim = true;
	}
}

int deliverer_run(const struct config *cfg)
{
	struct deliverer *d = xcalloc(1, sizeof(*d));
	bool curl_ok;
	int rc = 1;

	/*
	 * Told apart by name (ps, pgrep -x webhook-deliver, tests/faults): the kernel keeps 15
	 * bytes of a name, and pgrep -x compares those, so the name is webhook-deliverer cut to
	 * what the kernel keeps.
	 */
	child_init(on_terminate, "webhook-deliver");

	d->cfg = cfg;
	d->opts.timeout_s = cfg->webhook_timeout;
	d->opts.allow_private = cfg->webhook_allow_private != 0;
	d->opts.ca_file = cfg->webhook_ca_file;
	child_owner_name(d->name, sizeof(d->name));
	snprintf(d->lease, sizeof(d->lease), "%d", cfg->webhook_lease);
	d->rand_state[0] = (unsigned short)getpid();
	d->rand_state[1] = (unsigned short)time(NULL);
	d->rand_state[2] = (unsigned short)((unsigned long)time(NULL) >> 16);
	curl_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
	if (curl_ok)
		d->multi = curl_multi_init();
	if (d->multi == NULL)
		goto fail;
	LOG_EVENT(LOG_INFO, "deliverer ready", LOG_STR("event", "deliverer_ready"),
		  LOG_STR("deliverer", d->name));
	deliver(d);
	rc = 0;
fail:
	if (rc != 0)
		LOG_EVENT(LOG_ERROR, "cannot initialise libcurl",
			  LOG_STR("event", "deliverer_failed"));
	if (d->multi != NULL)
		curl_multi_cleanup(d->multi);
	if (curl_ok)
		curl_global_cleanup();
	PQfinish(d->conn);
	free(d);
	return rc;
}
