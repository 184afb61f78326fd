#include "http/problem.h"

#define PROBLEM_TYPE_BASE "https://docs.integrations.dev/problems/"

static void problem_begin(struct response *resp, const struct request *req, int status,
			  const char *code, const char *detail)
{
	struct strbuf *b = &resp->body;

	resp->status = status;
	resp->content_type = "application/problem+json";
	/* Headers of a success that turned into an error (Location, ETag) must not survive it. */
	resp->headers.len = 0;
	resp->headers.data[0] = '\0';
	b->len = 0;
	b->data[0] = '\0';
	strbuf_puts(b, "{\"type\":\"" PROBLEM_TYPE_BASE);
	strbuf_puts(b, code);
	strbuf_puts(b, "\",\"title\":");
	strbuf_json_string(b, http_reason(status));
	strbuf_printf(b, ",\"status\":%d,\"detail\":", status);
	strbuf_json_string(b, detail);
	strbuf_puts(b, ",\"code\":");
	strbuf_json_string(b, code);
	strbuf_puts(b, ",\"requestId\":");
	strbuf_json_string(b, req->request_id != NULL ? req->request_id : "");
	strbuf_puts(b, ",\"errors\":");
}

void problem_reply_errors(struct response *resp, const struct request *req, int status,
			  const char *code, const char *detail, const struct problem_error *errors,
			  size_t n_errors)
{
	size_t i;

	problem_begin(resp, req, status, code, detail);
	strbuf_putc(&resp->body, '[');
	for (i = 0; i < n_errors; i++) {
		if (i > 0)
			strbuf_putc(&resp->body, ',');
		strbuf_puts(&resp->body, "{\"path\":");
		strbuf_json_string(&resp->body, errors[i].path);
		strbuf_puts(&resp->body, ",\"message\":");
		strbuf_json_string(&resp->body, errors[i].message);
		strbuf_putc(&resp->body, '}');
	}
	strbuf_puts(&resp->body, "]}");
}

void problem_reply(struct response *resp, const struct request *req, int status, const char *code,
		   const char *detail)
{
	problem_reply_errors(resp, req, status, code, detail, NULL, 0);
}

void problem_reply_errors_json(struct response *resp, const struct request *req, int status,
			       const char *code, const char *detail, const char *errors_json)
{
	problem_begin(resp, req, status, code, detail);
	strbuf_puts(&resp->body, errors_json);
	strbuf_putc(&resp->body, '}');
}

void problem_add_member_json(struct response *resp, const char *name, const char *json)
{
	struct strbuf *b = &resp->body;

	if (b->len == 0 || b->data[b->len - 1] != '}')
		return;
	b->len--;
	b->data[b->len] = '\0';
	strbuf_putc(b, ',');
	strbuf_json_string(b, name);
	strbuf_putc(b, ':');
	strbuf_puts(b, json);
	strbuf_putc(b, '}');
}
