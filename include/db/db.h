#ifndef INTEGRATIONS_DB_H
#define INTEGRATIONS_DB_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "http/http.h"

/*
 * A statement prepared lazily on the worker's connection. Define each one
 * next to the handler that uses it, as a static. prepared_gen is private to
 * db.c: it records on which connection generation the statement was prepared.
 */
struct db_stmt {
	const char *name;
	const char *sql;
	int n_params;
	unsigned long prepared_gen;
};

struct db;

/* A connection handle that connects lazily and reconnects after failures. */
struct db *db_new(const char *conninfo);
/*
 * As db_new, for a worker's read connection (db/replica.h): its own
 * application_name, and it tracks its prepared statements itself
 * (prepared_gen belongs to the write connection).
 */
struct db *db_new_read(const char *conninfo);
void db_free(struct db *db);
/* Connects now if not connected; returns 0 when the connection is usable. */
int db_connect(struct db *db);

/*
 * Executes stmt with params (text values, NULL for SQL null). On success
 * returns a PGresult owned by req's arena. On failure writes the mapped
 * problem (503 when the database is unreachable) to resp and returns NULL.
 * Reads (retry_safe) are retried once on a fresh connection when the old
 * one turns out to be dead.
 */
PGresult *db_exec(struct request *req, struct response *resp, struct db_stmt *stmt,
		  const char *const *params, bool retry_safe);

/* As db_exec, for SQL text built per request (list queries). */
PGresult *db_exec_sql(struct request *req, struct response *resp, const char *sql, int n_params,
		      const char *const *params, bool retry_safe);

/*
 * Executes a statement returning one api.reply row (status, body, etag,
 * location) and writes it to resp: status and JSON body, ETag header when
 * etag is set, Location header when location is set.
 */
void db_reply(struct request *req, struct response *resp, struct db_stmt *stmt,
	      const char *const *params);

/*
 * A read by id: as db_reply for a statement that returns that row, or no row
 * when the resource does not exist or the caller may not see it, which is
 * answered 404 not_found with not_found_detail.
 */
void db_read(struct request *req, struct response *resp, struct db_stmt *stmt,
	     const char *const *params, const char *not_found_detail);

enum db_tx_command { DB_BEGIN, DB_COMMIT, DB_ROLLBACK, DB_SAVEPOINT, DB_ROLLBACK_TO_SAVEPOINT };

/*
 * Begins, commits or rolls back a transaction on the worker's connection;
 * statements run between begin and its end are never retried. DB_SAVEPOINT
 * and DB_ROLLBACK_TO_SAVEPOINT set and return to the one savepoint of the
 * open transaction (undoing everything since, errors included). On failure
 * returns -1 and, when resp is not NULL, writes the problem to it.
 */
int db_transaction(struct request *req, struct response *resp, enum db_tx_command command);

/*
 * Read scaling (db/replica.h). Runs sql once on db's current connection,
 * never connecting or reconnecting and never inside a transaction, and
 * copies the one value of its one row into out ("" for NULL). Returns 0, or
 * -1 when there is no usable connection or the query failed. Writes no
 * response.
 */
int db_probe(struct db *db, const char *sql, int n_params, const char *const *params, char *out,
	     size_t outlen);
/* Closes db's connection (not inside a transaction): the next statement connects anew. */
void db_disconnect(struct db *db);
/* "host:port" of db's current connection, "none" when it has none. */
const char *db_peer(struct db *db, struct arena *a);

#endif
