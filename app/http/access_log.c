#include "http/access_log.h"

#include "http/route.h"

#include <stdio.h>
#include <time.h>

void access_log_write(const struct request *req, const struct response *resp, double duration_ms)
{
	struct strbuf line;
	struct timespec now;
	struct tm tm;
	char ts[32];

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);

	strbuf_init(&line, req->arena);
	strbuf_printf(&line, "{\"ts\":\"%s.%03ldZ\",\"requestId\":", ts, now.tv_nsec / 1000000);
	strbuf_json_string(&line, req->request_id != NULL ? req->request_id : "");
	strbuf_puts(&line, ",\"method\":");
	strbuf_json_string(&line, req->method_name != NULL ? req->method_name : "");
	strbuf_puts(&line, ",\"path\":");
	strbuf_json_string(&line, req->path != NULL ? req->path : "");
	strbuf_puts(&line, ",\"route\":");
	if (req->route != NULL)
		strbuf_json_string(&line, req->route->pattern);
	else
		strbuf_puts(&line, "null");
	strbuf_printf(&line, ",\"status\":%d,\"durationMs\":%.3f,\"sub\":", resp->status, duration_ms);
	if (req->caller.sub != NULL)
		strbuf_json_string(&line, req->caller.sub);
	else
		strbuf_puts(&line, "null");
	strbuf_puts(&line, "}\n");
	fwrite(line.data, 1, line.len, stderr);
}
