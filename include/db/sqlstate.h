#ifndef INTEGRATIONS_SQLSTATE_H
#define INTEGRATIONS_SQLSTATE_H

/* Maps a SQLSTATE to an HTTP status and a problem code (docs/architecture.md). */
int db_sqlstate_status(const char *sqlstate, const char **code);

#endif
