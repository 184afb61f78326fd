#ifndef INTEGRATIONS_LIST_RESOURCES_H
#define INTEGRATIONS_LIST_RESOURCES_H

#include "list.h"

/* What each list can filter and sort on (docs/api-conventions.md, "Lists"). */
extern const struct list_resource list_integrations;
extern const struct list_resource list_versions;
extern const struct list_resource list_installs;
extern const struct list_resource list_entities;

#endif
