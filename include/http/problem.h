#ifndef INTEGRATIONS_PROBLEM_H
#define INTEGRATIONS_PROBLEM_H

#include "http/http.h"

/* One entry of a problem's errors[]: a JSON pointer into the input and a sentence. */
struct problem_error {
	const char *path;
	const char *message;
};

/*
 * Replaces resp with an application/problem+json body. code is a stable
 * machine word (docs/api-conventions.md); detail a sentence for the partner.
 */
void problem_reply(struct response *resp, const struct request *req, int status, const char *code,
		   const char *detail);
/* As problem_reply, with errors[] entries. */
void problem_reply_errors(struct response *resp, const struct request *req, int status,
			  const char *code, const char *detail, const struct problem_error *errors,
			  size_t n_errors);
/* As problem_reply, with errors[] given as JSON array text (validated by the caller's source). */
void problem_reply_errors_json(struct response *resp, const struct request *req, int status,
			       const char *code, const char *detail, const char *errors_json);
/* Adds "name": json (valid JSON text) as the last member of the problem in resp. */
void problem_add_member_json(struct response *resp, const char *name, const char *json);

#endif
