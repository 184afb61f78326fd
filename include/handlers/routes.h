#ifndef INTEGRATIONS_HANDLERS_ROUTES_H
#define INTEGRATIONS_HANDLERS_ROUTES_H

#include <stddef.h>

#include "http/route.h"

/* The service's route table. */
extern const struct route api_routes[];
extern const size_t api_routes_count;

#endif
