#include "http/access_log.h"

#include "base/log.h"
#include "http/route.h"

void access_log_write(const struct request *req, const struct response *resp, double duration_ms)
{
	LOG_EVENT(LOG_INFO, "request",
		  LOG_STR("requestId", req->request_id != NULL ? req->request_id : ""),
		  LOG_STR("method", req->method_name != NULL ? req->method_name : ""),
		  LOG_STR("path", req->path != NULL ? req->path : ""),
		  LOG_STR("route", req->route != NULL ? req->route->pattern : NULL),
		  LOG_INT("status", resp->status), LOG_NUM("durationMs", duration_ms),
		  LOG_STR("sub", req->caller.sub));
}
