#include "db/db.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "db/sqlstate.h"
#include "json/json_strict.h"
#include "http/problem.h"

struct db {
	char *conninfo;
	PGconn *conn;
	unsigned long gen; /* bumped on every new connection: statements must be prepared again */
	bool in_transaction;
	/* A read connection (db_new_read) lists the statements prepared on its connection. */
	bool read;
	const struct db_stmt **read_prepared;
	size_t n_read_prepared, read_prepared_cap;
	const char *application_name;
};

/* libpq prints a server's NOTICE to stderr by itself: as a log line instead. */
static void log_notice(void *arg, const char *message)
{
	(void)arg;
	LOG_EVENT(LOG_INFO, "database notice", LOG_STR("event", "db_notice"),
		  LOG_STR("notice", message));
}

struct db *db_new(const char *conninfo)
{
	struct db *db = xcalloc(1, sizeof(*db));

	db->conninfo = xstrdup(conninfo);
	db->application_name = "integrations-api";
	return db;
}

struct db *db_new_read(const char *conninfo)
{
	struct db *db = db_new(conninfo);

	db->read = true;
	db->application_name = "integrations-api-read";
	return db;
}

void db_free(struct db *db)
{
	if (db == NULL)
		return;
	if (db->conn != NULL)
		PQfinish(db->conn);
	free(db->read_prepared);
	free(db->conninfo);
	free(db);
}

/*
 * A server that stopped or restarted since the last statement has closed the
 * connection, and its goodbye waits in the socket: looking (never blocking)
 * finds out before a statement is sent, while a new connection is still safe
 * for any statement, writes included. Between statements nothing is due from
 * the server, so an empty socket is the one-call answer for a live one;
 * otherwise libpq reads: the goodbye is an error message, then the end of the
 * stream, which the second read sees.
 */
static bool connection_alive(PGconn *conn)
{
	char byte;
	int reads;

	if (PQstatus(conn) != CONNECTION_OK)
		return false;
	if (recv(PQsocket(conn), &byte, 1, MSG_PEEK | MSG_DONTWAIT) < 0 &&
	    (errno == EAGAIN || errno == EWOULDBLOCK))
		return true;
	for (reads = 0; reads < 2; reads++)
		if (PQconsumeInput(conn) != 1 || PQstatus(conn) != CONNECTION_OK)
			return false;
	return true;
}

int db_connect(struct db *db)
{
	/*
	 * Defaults first: the conninfo (dbname, expanded) comes last and so
	 * overrides them. Over TCP, a peer that vanished (host down, link cut)
	 * must not hold a worker in a blocked read for the kernel's many minutes.
	 */
	const char *keys[] = { "connect_timeout",  "application_name",
			       "keepalives_idle",  "keepalives_interval",
			       "keepalives_count", "tcp_user_timeout",
			       "dbname",           NULL };
	const char *values[] = { "2",     db->application_name, "5", "2", "3",
				 "15000", db->conninfo,         NULL };

	if (db->conn != NULL && connection_alive(db->conn))
		return 0;
	/* A new connection would run the rest of the transaction outside of it. */
	if (db->in_transaction)
		return -1;
	if (db->conn != NULL)
		PQfinish(db->conn);
	db->conn = PQconnectdbParams(keys, values, 1);
	if (db->conn == NULL)
		xalloc_die("PQconnectdbParams", 0);
	if (PQstatus(db->conn) != CONNECTION_OK) {
		PQfinish(db->conn);
		db->conn = NULL;
		return -1;
	}
	PQsetNoticeProcessor(db->conn, log_notice, NULL);
	db->gen++;
	db->n_read_prepared = 0;
	return 0;
}

static void unavailable(const struct request *req, struct response *resp)
{
	problem_reply(resp, req, 503, "unavailable", "the database is unavailable; retry shortly");
	response_header(resp, "Retry-After", "1");
}

/* Our errors carry field problems as a JSON array in DETAIL; anything else is not shown. */
static const char *errors_from_detail(const char *detail)
{
	struct json_object *parsed = NULL;
	const char *why;
	bool ok;

	if (detail == NULL || detail[0] != '[')
		return "[]";
	ok = json_parse_strict(detail, strlen(detail), &parsed, &why) == 0 &&
	     json_object_is_type(parsed, json_type_array);
	json_object_put(parsed);
	return ok ? detail : "[]";
}

/* INC09's DETAIL is an object {"conflicts": [...]}: the problem's conflicts member. */
static void add_conflicts(const struct request *req, struct response *resp, const char *state,
			  const char *detail)
{
	struct json_object *parsed = NULL, *conflicts;
	const char *why;

	if (strcmp(state, "INC09") != 0 || detail == NULL || detail[0] != '{')
		return;
	if (json_parse_strict(detail, strlen(detail), &parsed, &why) == 0 &&
	    json_object_object_get_ex(parsed, "conflicts", &conflicts) &&
	    json_object_is_type(conflicts, json_type_array))
		problem_add_member_json(
			resp, "conflicts",
			arena_strdup(req->arena,
				     json_object_to_json_string_ext(
					     conflicts, JSON_C_TO_STRING_PLAIN |
								JSON_C_TO_STRING_NOSLASHESCAPE)));
	json_object_put(parsed);
}

static void reply_error(const struct request *req, struct response *resp, const PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *code;
	int status = db_sqlstate_status(state, &code);

	if (status == 503) {
		unavailable(req, resp);
	} else if (state != NULL && strncmp(state, "IN", 2) == 0) {
		const char *message = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);

		problem_reply_errors_json(resp, req, status, code, message != NULL ? message : code,
					  arena_strdup(req->arena, errors_from_detail(detail)));
		add_conflicts(req, resp, state, detail);
	} else if (status == 409) {
		problem_reply(resp, req, status, code,
			      "the request conflicts with a concurrent change; retry it");
	} else if (status == 504) {
		problem_reply(resp, req, status, code,
			      "the request ran past the database's time budget and was cancelled; "
			      "nothing changed");
	} else {
		LOG_EVENT(LOG_ERROR, "unexpected database error", LOG_STR("event", "db_error"),
			  LOG_STR("requestId", req->request_id != NULL ? req->request_id : ""),
			  LOG_STR("sqlstate", state != NULL ? state : ""),
			  LOG_STR("error", PQresultErrorMessage(res)));
		problem_reply(resp, req, 500, "internal", "an internal error occurred");
	}
}

static void clear_result(void *res)
{
	PQclear(res);
}

/* The read connection's own record of prepared statements (few: a linear search). */
static bool read_prepared(const struct db *db, const struct db_stmt *stmt)
{
	size_t i;

	for (i = 0; i < db->n_read_prepared; i++)
		if (db->read_prepared[i] == stmt)
			return true;
	return false;
}

static void read_prepared_add(struct db *db, const struct db_stmt *stmt)
{
	if (db->n_read_prepared == db->read_prepared_cap) {
		const struct db_stmt **grown;

		db->read_prepared_cap = db->read_prepared_cap == 0 ? 32 : 2 * db->read_prepared_cap;
		grown = xmalloc(db->read_prepared_cap * sizeof(*grown));
		if (db->n_read_prepared > 0)
			memcpy(grown, db->read_prepared, db->n_read_prepared * sizeof(*grown));
		free(db->read_prepared);
		db->read_prepared = grown;
	}
	db->read_prepared[db->n_read_prepared++] = stmt;
}

static int prepare(struct db *db, struct db_stmt *stmt, PGresult **error)
{
	PGresult *res;

	*error = NULL;
	if (db->read ? read_prepared(db, stmt) : stmt->prepared_gen == db->gen)
		return 0;
	res = PQprepare(db->conn, stmt->name, stmt->sql, stmt->n_params, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		*error = res;
		return -1;
	}
	PQclear(res);
	if (db->read)
		read_prepared_add(db, stmt);
	else
		stmt->prepared_gen = db->gen;
	return 0;
}

/*
 * Runs either a prepared statement (stmt) or one-off SQL text (sql) with
 * params; the single place that handles reconnects and error mapping.
 */
static PGresult *run(struct request *req, struct response *resp, struct db_stmt *stmt,
		     const char *sql, int n_params, const char *const *params, bool retry_safe)
{
	struct db *db = req->db;
	PGresult *res = NULL;
	int attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		ExecStatusType st;

		if (db_connect(db) < 0) {
			unavailable(req, resp);
			return NULL;
		}
		/* Nothing has run if preparing fails, so a dead connection can always be retried. */
		if (stmt != NULL && prepare(db, stmt, &res) < 0) {
			if (PQstatus(db->conn) == CONNECTION_BAD) {
				PQclear(res);
				res = NULL;
				continue;
			}
			break;
		}
		res = stmt != NULL
			      ? PQexecPrepared(db->conn, stmt->name, n_params, params, NULL, NULL,
					       0)
			      : PQexecParams(db->conn, sql, n_params, NULL, params, NULL, NULL, 0);
		st = PQresultStatus(res);
		if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
			arena_defer(req->arena, clear_result, res);
			return res;
		}
		if (PQstatus(db->conn) != CONNECTION_BAD)
			break;
		PQclear(res);
		res = NULL;
		/*
		 * A write may have committed before the connection died, and a fresh
		 * connection would run outside the open transaction: only lone reads
		 * are repeated.
		 */
		if (!retry_safe || db->in_transaction)
			break;
	}
	if (res == NULL)
		unavailable(req, resp);
	else
		reply_error(req, resp, res);
	PQclear(res);
	return NULL;
}

PGresult *db_exec(struct request *req, struct response *resp, struct db_stmt *stmt,
		  const char *const *params, bool retry_safe)
{
	return run(req, resp, stmt, NULL, stmt->n_params, params, retry_safe);
}

PGresult *db_exec_sql(struct request *req, struct response *resp, const char *sql, int n_params,
		      const char *const *params, bool retry_safe)
{
	return run(req, resp, NULL, sql, n_params, params, retry_safe);
}

static void reply_row(struct request *req, struct response *resp, const PGresult *res)
{
	if (PQntuples(res) != 1 || PQnfields(res) != 4 || PQgetisnull(res, 0, 0) ||
	    PQgetisnull(res, 0, 1)) {
		problem_reply(resp, req, 500, "internal", "an internal error occurred");
		return;
	}
	response_json(resp, atoi(PQgetvalue(res, 0, 0)), PQgetvalue(res, 0, 1),
		      (size_t)PQgetlength(res, 0, 1));
	/* A 204 has no content (RFC 9110 15.3.5): the row's body is not sent. */
	if (resp->status == 204) {
		resp->content_type = NULL;
		resp->body.len = 0;
	}
	if (!PQgetisnull(res, 0, 2))
		response_header(resp, "ETag", PQgetvalue(res, 0, 2));
	if (!PQgetisnull(res, 0, 3))
		response_header(resp, "Location", PQgetvalue(res, 0, 3));
}

void db_reply(struct request *req, struct response *resp, struct db_stmt *stmt,
	      const char *const *params)
{
	PGresult *res = db_exec(req, resp, stmt, params,
				(req->method & (HTTP_GET | HTTP_HEAD)) != 0);

	if (res != NULL)
		reply_row(req, resp, res);
}

void db_read(struct request *req, struct response *resp, struct db_stmt *stmt,
	     const char *const *params, const char *not_found_detail)
{
	PGresult *res = db_exec(req, resp, stmt, params, true);

	if (res == NULL)
		return;
	if (PQntuples(res) == 0)
		problem_reply(resp, req, 404, "not_found", not_found_detail);
	else
		reply_row(req, resp, res);
}

int db_transaction(struct request *req, struct response *resp, enum db_tx_command command)
{
	static const char *const sql[] = { "begin", "commit", "rollback", "savepoint s",
					   "rollback to savepoint s" };
	struct db *db = req->db;
	PGresult *res;
	int rc = 0;

	if (command == DB_BEGIN && db_connect(db) < 0) {
		unavailable(req, resp);
		return -1;
	}
	res = PQexec(db->conn, sql[command]);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		if (resp != NULL) {
			if (PQstatus(db->conn) == CONNECTION_BAD)
				unavailable(req, resp);
			else
				reply_error(req, resp, res);
		}
		rc = -1;
	}
	PQclear(res);
	if (command == DB_BEGIN || command == DB_COMMIT || command == DB_ROLLBACK)
		db->in_transaction = command == DB_BEGIN && rc == 0;
	return rc;
}

/* --- read scaling (app/db/replica.c): one-off queries outside of any request --- */

int db_probe(struct db *db, const char *sql, int n_params, const char *const *params, char *out,
	     size_t outlen)
{
	PGresult *res;
	int rc = -1;

	if (db == NULL || db->conn == NULL || db->in_transaction ||
	    PQstatus(db->conn) != CONNECTION_OK)
		return -1;
	res = PQexecParams(db->conn, sql, n_params, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 && PQnfields(res) == 1) {
		snprintf(out, outlen, "%s", PQgetisnull(res, 0, 0) ? "" : PQgetvalue(res, 0, 0));
		rc = 0;
	}
	PQclear(res);
	return rc;
}

const char *db_peer(struct db *db, struct arena *a)
{
	if (db == NULL || db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK)
		return "none";
	return arena_printf(a, "%s:%s", PQhost(db->conn), PQport(db->conn));
}

void db_disconnect(struct db *db)
{
	if (db == NULL || db->conn == NULL || db->in_transaction)
		return;
	PQfinish(db->conn);
	db->conn = NULL;
}
