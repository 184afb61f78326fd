#ifndef INTEGRATIONS_MANIFEST_H
#define INTEGRATIONS_MANIFEST_H

#include <json.h>

#include "http/validate.h"

/*
 * Checks the shape of an integration manifest, as a field_spec's check_json:
 * {"members": [{"slug", "entityId", "mode"?, "default"?, "config"?}]}. members
 * is required; each member is an object whose slug (validate_slug) and
 * entityId (ent_ id) are required, mode is "clone" or "reference", default a
 * boolean and config an object; unknown keys and a slug already used by an
 * earlier member are refused. Problems go to v at JSON pointers under path,
 * e.g. "/manifest/members/2/slug". Whether the entities exist is checked at
 * publish, not here.
 */
void manifest_validate(struct json_object *value, const char *path, struct validation *v);

#endif
