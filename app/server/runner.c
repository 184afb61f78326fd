#include "server/runner.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "base/log.h"

#define RUNNER_IDLE_MS 1000
#define RUNNER_RECONNECT_MS 1000

static volatile sig_atomic_t stopping;

static void on_terminate(int sig)
{
	(void)sig;
	stopping = 1;
}

/*
 * Pacing (cfg->runner_rate jobs a second at most): waits until one period after the start of
 * the previous job. Rollouts are asynchronous: a paced runner leaves the database's CPU to
 * the API's requests (bench/rollout_bench.sh, docs/operations.md).
 */
static void pace(const struct timespec *last_start, int rate)
{
	struct timespec next = *last_start;
	long period_ns = 1000000000L / rate;

	next.tv_nsec += period_ns % 1000000000L;
	next.tv_sec += period_ns / 1000000000L + next.tv_nsec / 1000000000L;
	next.tv_nsec %= 1000000000L;
	while (!stopping && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
		;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void log_db_error(const char *what, PGconn *conn, const PGresult *res)
{
	const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	LOG_EVENT(LOG_WARN, what, LOG_STR("event", "runner_db_error"),
		  LOG_STR("sqlstate", state != NULL ? state : ""),
		  LOG_STR("error", PQerrorMessage(conn)));
}

/* Connects and LISTENs; NULL (after a pause) when the database is unreachable. */
#define RUNNER_CONNECT_TIMEOUT "5" /* seconds */

static PGconn *runner_connect(const struct config *cfg)
{
	/*
	 * application_name: the runners' sessions are told apart in pg_stat_activity.
	 * connect_timeout, TCP keepalives and tcp_user_timeout (ms), before dbname so that the
	 * URL's own settings win: a runner told to stop while its database host is unreachable
	 * would otherwise wait out TCP's retransmissions (a quarter of an hour) for a statement
	 * already sent, or for ever for the answer to one the server received.
	 */
	static const char *const keys[] = {
		"connect_timeout",  "keepalives_idle", "keepalives_interval", "keepalives_count",
		"tcp_user_timeout", "dbname",          "application_name",    NULL,
	};
	const char *const values[] = {
		RUNNER_CONNECT_TIMEOUT, "10", "5", "3", "20000", cfg->db_url,
		"rollout-runner",       NULL,
	};
	PGconn *conn = PQconnectdbParams(keys, values, 1);
	PGresult *res;

	if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
		LOG_EVENT(LOG_WARN, "runner cannot connect", LOG_STR("event", "runner_db_error"),
			  LOG_STR("error", conn != NULL ? PQerrorMessage(conn) : "out of memory"));
		PQfinish(conn);
		sleep_ms(RUNNER_RECONNECT_MS);
		return NULL;
	}
	res = PQexec(conn, "listen integrations_rollouts");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		log_db_error("runner cannot listen", conn, res);
	PQclear(res);
	return conn;
}

/* Waits up to ms for a notification on conn (or a signal); consumes what arrived. */
static void wait_notify(PGconn *conn, long ms)
{
	int fd = PQsocket(conn);
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	PGnotify *n;
	fd_set set;

	if (fd < 0) {
		sleep_ms(ms);
		return;
	}
	/* A notification read in with the last result: no waiting. */
	if ((n = PQnotifies(conn)) != NULL) {
		do
			PQfreemem(n);
		while ((n = PQnotifies(conn)) != NULL);
		return;
	}
	FD_ZERO(&set);
	FD_SET(fd, &set);
	if (select(fd + 1, &set, NULL, NULL, &tv) > 0)
		PQconsumeInput(conn);
	while ((n = PQnotifies(conn)) != NULL)
		PQfreemem(n);
}

/*
 * One claim and, when a job was due, its run. Returns 1 when a job ran (or failed to), 0 when
 * none was due, -1 when the connection is lost.
 */
static int runner_step(PGconn *conn, const char *name, const char *lease)
{
	const char *claim_params[] = { name, lease };
	const char *run_params[2];
	PGresult *res;
	char job[64];

	res = PQexecParams(conn,
			   "select core.rollout_job_claim($1, make_interval(secs => $2::int))", 2,
			   NULL, claim_params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_db_error("rollout job claim failed", conn, res);
		PQclear(res);
		return PQstatus(conn) == CONNECTION_OK ? 0 : -1;
	}
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
		PQclear(res);
		return 0;
	}
	snprintf(job, sizeof(job), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	run_params[0] = job;
	run_params[1] = name;
	res = PQexecParams(conn, "select core.rollout_job_run($1, $2)", 2, NULL, run_params, NULL,
			   NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		/* The job stays leased: it is taken again once the lease expires. */
		log_db_error("rollout job run failed", conn, res);
		PQclear(res);
		return PQstatus(conn) == CONNECTION_OK ? 1 : -1;
	}
	PQclear(res);
	return 1;
}

int runner_run(const struct config *cfg)
{
	struct sigaction sa;
	PGconn *conn = NULL;
	char name[128], host[64], lease[16];

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_terminate;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	/* Told apart from the workers by name (ps, pgrep -x rollout-runner, tests/faults). */
	prctl(PR_SET_NAME, "rollout-runner", 0, 0, 0);

	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "host");
	host[sizeof(host) - 1] = '\0';
	snprintf(name, sizeof(name), "%s:%ld:%lx", host, (long)getpid(), (unsigned long)time(NULL));
	snprintf(lease, sizeof(lease), "%d", cfg->runner_lease);
	LOG_EVENT(LOG_INFO, "runner ready", LOG_STR("event", "runner_ready"),
		  LOG_STR("runner", name));
	while (!stopping) {
		struct timespec started;
		int rc;

		if (conn == NULL) {
			conn = runner_connect(cfg);
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &started);
		rc = runner_step(conn, name, lease);
		if (rc == 1 && cfg->runner_rate > 0)
			pace(&started, cfg->runner_rate);
		if (rc < 0) {
			PQfinish(conn);
			conn = NULL;
			sleep_ms(RUNNER_RECONNECT_MS);
		} else if (rc == 0 && !stopping) {
			wait_notify(conn, RUNNER_IDLE_MS);
		}
	}
	PQfinish(conn);
	return 0;
}
