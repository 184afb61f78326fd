#include "server/runner.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "base/log.h"
#include "db/pgsession.h"
#include "server/child.h"

#define RUNNER_IDLE_MS 1000
#define RUNNER_RECONNECT_MS 1000
#define RUNNER_DB_ERROR "runner_db_error"

static volatile sig_atomic_t stopping;

static void on_terminate(int sig)
{
	(void)sig;
	stopping = 1;
}

/*
 * Pacing (cfg->runner_rate jobs a second at most, on average): job n of a busy spell starts
 * no earlier than n periods after its first, so a job slowed past its period (a lock wait, a
 * busy CPU) is made up by the following ones instead of lowering the rate for good; a
 * runner more than PACE_CATCH_UP_NS behind gives the rest up. Rollouts are asynchronous: a
 * paced runner leaves the database's CPU to the API's requests (bench/rollout_bench.sh,
 * docs/operations.md).
 */
#define PACE_CATCH_UP_NS 1000000000LL

static long long timespec_ns(const struct timespec *t)
{
	return (long long)t->tv_sec * 1000000000LL + t->tv_nsec;
}

static void pace(long long *due_ns, int rate)
{
	struct timespec now, due;

	clock_gettime(CLOCK_MONOTONIC, &now);
	*due_ns += 1000000000LL / rate;
	if (timespec_ns(&now) - *due_ns > PACE_CATCH_UP_NS)
		*due_ns = timespec_ns(&now) - PACE_CATCH_UP_NS;
	due.tv_sec = (time_t)(*due_ns / 1000000000LL);
	due.tv_nsec = (long)(*due_ns % 1000000000LL);
	while (!stopping && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL) == EINTR)
		;
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
		pgsession_log_error("rollout job claim failed", RUNNER_DB_ERROR, conn, res);
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
		pgsession_log_error("rollout job run failed", RUNNER_DB_ERROR, conn, res);
		PQclear(res);
		return PQstatus(conn) == CONNECTION_OK ? 1 : -1;
	}
	PQclear(res);
	return 1;
}

int runner_run(const struct config *cfg)
{
	PGconn *conn = NULL;
	char name[128], lease[16];
	long long due_ns = -1; /* when the next job may start; -1: not in a busy spell */

	/* Told apart from the workers by name (ps, pgrep -x rollout-runner, tests/faults). */
	child_init(on_terminate, "rollout-runner");
	child_owner_name(name, sizeof(name));
	snprintf(lease, sizeof(lease), "%d", cfg->runner_lease);
	LOG_EVENT(LOG_INFO, "runner ready", LOG_STR("event", "runner_ready"),
		  LOG_STR("runner", name));
	while (!stopping) {
		struct timespec started;
		int rc;

		if (conn == NULL) {
			/* application_name: the runners' sessions are told apart in pg_stat_activity. */
			conn = pgsession_connect(cfg->db_url, "rollout-runner",
						 "integrations_rollouts", RUNNER_DB_ERROR);
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &started);
		rc = runner_step(conn, name, lease);
		if (rc == 1 && cfg->runner_rate > 0) {
			if (due_ns < 0)
				due_ns = timespec_ns(&started);
			pace(&due_ns, cfg->runner_rate);
		} else {
			due_ns = -1;
		}
		if (rc < 0) {
			PQfinish(conn);
			conn = NULL;
			pgsession_sleep_ms(RUNNER_RECONNECT_MS);
		} else if (rc == 0 && !stopping) {
			pgsession_wait(conn, RUNNER_IDLE_MS);
		}
	}
	PQfinish(conn);
	return 0;
}
