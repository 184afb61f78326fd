#include "http/http.h"

#include <string.h>

void response_init(struct response *resp, struct arena *a)
{
	resp->status = 500;
	resp->content_type = NULL;
	strbuf_init(&resp->headers, a);
	strbuf_init(&resp->body, a);
}

void response_header(struct response *resp, const char *name, const char *value)
{
	strbuf_puts(&resp->headers, name);
	strbuf_append(&resp->headers, ": ", 2);
	strbuf_puts(&resp->headers, value);
	strbuf_append(&resp->headers, "\r\n", 2);
}

void response_json(struct response *resp, int status, const char *json, size_t len)
{
	resp->status = status;
	resp->content_type = "application/json";
	resp->body.len = 0;
	strbuf_append(&resp->body, json, len);
}

const char *request_query(const struct request *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->n_query; i++)
		if (strcmp(req->query[i].name, name) == 0)
			return req->query[i].value;
	return NULL;
}

enum http_method http_method_parse(const char *name)
{
	static const struct {
		const char *name;
		enum http_method method;
	} methods[] = {
		{ "GET", HTTP_GET },         { "POST", HTTP_POST }, { "PATCH", HTTP_PATCH },
		{ "DELETE", HTTP_DELETE },   { "PUT", HTTP_PUT },   { "HEAD", HTTP_HEAD },
		{ "OPTIONS", HTTP_OPTIONS },
	};
	size_t i;

	for (i = 0; name != NULL && i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(methods[i].name, name) == 0)
			return methods[i].method;
	return HTTP_OTHER;
}

const char *http_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 410:
		return "Gone";
	case 412:
		return "Precondition Failed";
	case 413:
		return "Payload Too Large";
	case 415:
		return "Unsupported Media Type";
	case 422:
		return "Unprocessable Content";
	case 429:
		return "Too Many Requests";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	default:
		return "Internal Server Error";
	}
}
