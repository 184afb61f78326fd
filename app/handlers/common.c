#include <string.h>

#include "handlers/common.h"
#include "json/json_strict.h"

const struct body_spec empty_body = { NULL, 0 };

void reply_location(struct request *req, struct response *resp, const char *collection)
{
	struct json_object *body = NULL, *id;
	const char *why;

	if (resp->status != 201 ||
	    json_parse_strict(resp->body.data, resp->body.len, &body, &why) < 0)
		return;
	json_defer_put(req->arena, body);
	if (json_object_object_get_ex(body, "id", &id) && json_object_is_type(id, json_type_string))
		response_header(
			resp, "Location",
			arena_printf(req->arena, "%s/%s", collection, json_object_get_string(id)));
}
