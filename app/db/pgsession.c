#include "db/pgsession.h"

#include <stdio.h>
#include <sys/select.h>
#include <time.h>

#include "base/log.h"

#define PGSESSION_RECONNECT_MS 1000
#define PGSESSION_CONNECT_TIMEOUT "5" /* seconds */

void pgsession_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

void pgsession_log_error(const char *what, const char *event, PGconn *conn, const PGresult *res)
{
	const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	LOG_EVENT(LOG_WARN, what, LOG_STR("event", event),
		  LOG_STR("sqlstate", state != NULL ? state : ""),
		  LOG_STR("error", PQerrorMessage(conn)));
}

PGconn *pgsession_connect(const char *db_url, const char *application_name, const char *channel,
			  const char *event)
{
	/*
	 * connect_timeout, TCP keepalives and tcp_user_timeout (ms), before dbname so that the
	 * URL's own settings win: a process told to stop while its database host is unreachable
	 * would otherwise wait out TCP's retransmissions (a quarter of an hour) for a statement
	 * already sent, or for ever for the answer to one the server received.
	 */
	static const char *const keys[] = {
		"connect_timeout",  "keepalives_idle", "keepalives_interval", "keepalives_count",
		"tcp_user_timeout", "dbname",          "application_name",    NULL,
	};
	const char *const values[] = {
		PGSESSION_CONNECT_TIMEOUT, "10", "5", "3", "20000", db_url, application_name, NULL,
	};
	PGconn *conn = PQconnectdbParams(keys, values, 1);
	char listen[128];
	PGresult *res;

	if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
		LOG_EVENT(LOG_WARN, "cannot connect to the database", LOG_STR("event", event),
			  LOG_STR("process", application_name),
			  LOG_STR("error", conn != NULL ? PQerrorMessage(conn) : "out of memory"));
		PQfinish(conn);
		pgsession_sleep_ms(PGSESSION_RECONNECT_MS);
		return NULL;
	}
	/* channel is one of our constant identifiers, never input. */
	snprintf(listen, sizeof(listen), "listen %s", channel);
	res = PQexec(conn, listen);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		pgsession_log_error("cannot listen", event, conn, res);
	PQclear(res);
	return conn;
}

int pgsession_take_notifies(PGconn *conn)
{
	PGnotify *n;
	int count = 0;

	if (PQconsumeInput(conn) == 0 && PQstatus(conn) == CONNECTION_BAD)
		return -1;
	while ((n = PQnotifies(conn)) != NULL) {
		PQfreemem(n);
		count++;
	}
	return count;
}

void pgsession_wait(PGconn *conn, long ms)
{
	int fd = PQsocket(conn);
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	PGnotify *n;
	fd_set set;

	if (fd < 0) {
		pgsession_sleep_ms(ms);
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
