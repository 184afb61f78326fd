#ifndef INTEGRATIONS_SUPERVISOR_H
#define INTEGRATIONS_SUPERVISOR_H

#include "base/config.h"

/*
 * Keeps cfg->workers worker processes serving listen_fd: respawns any that
 * dies, replaces them one by one on SIGHUP, drains and stops them all on
 * SIGTERM or SIGINT. Returns the process exit status.
 */
int supervisor_run(const struct config *cfg, int listen_fd);

#endif
