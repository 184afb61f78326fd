#ifndef INTEGRATIONS_WORKER_H
#define INTEGRATIONS_WORKER_H

#include "base/config.h"

/*
 * Serves FastCGI requests from listen_fd until SIGTERM, finishing the request
 * in flight first. Returns the process exit status.
 */
int worker_run(const struct config *cfg, int listen_fd);

#endif
