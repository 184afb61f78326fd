#ifndef INTEGRATIONS_ACCESS_LOG_H
#define INTEGRATIONS_ACCESS_LOG_H

#include "http/http.h"

/* Logs one line (base/log) for a served request, msg "request": id, method, path, route, status, duration, sub. */
void access_log_write(const struct request *req, const struct response *resp, double duration_ms);

#endif
