#ifndef INTEGRATIONS_PGSESSION_H
#define INTEGRATIONS_PGSESSION_H

#include <libpq-fe.h>

/*
 * The database sessions of the background processes (rollout job runners, webhook
 * deliverers): one long-lived connection each, woken by LISTEN/NOTIFY, reconnecting after a
 * pause when the database goes away.
 */

/*
 * Connects to db_url as application_name (told apart in pg_stat_activity) and LISTENs on
 * channel. connect_timeout 5 s, TCP keepalives and tcp_user_timeout 20 s, so that a process
 * told to stop while its database host vanished exits instead of waiting out TCP's
 * retransmissions; the URL's own settings win. NULL, logged as event and after a pause of a
 * second, when the database cannot be reached.
 */
PGconn *pgsession_connect(const char *db_url, const char *application_name, const char *channel,
			  const char *event);

/* Waits up to ms for a notification on conn (or a signal); consumes what arrived. */
void pgsession_wait(PGconn *conn, long ms);

/*
 * Reads what the server sent and drops the notifications; returns how many there were, -1
 * when the connection is lost.
 */
int pgsession_take_notifies(PGconn *conn);

/* Logs a failed statement (what, event, its SQLSTATE and the connection's error message). */
void pgsession_log_error(const char *what, const char *event, PGconn *conn, const PGresult *res);

void pgsession_sleep_ms(long ms);

#endif
