#ifndef INTEGRATIONS_ACCESS_LOG_H
#define INTEGRATIONS_ACCESS_LOG_H

#include "http/http.h"

/* Writes one JSON line for a served request to stderr: id, method, path, status, duration, sub. */
void access_log_write(const struct request *req, const struct response *resp, double duration_ms);

#endif
