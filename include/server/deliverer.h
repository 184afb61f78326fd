#ifndef INTEGRATIONS_DELIVERER_H
#define INTEGRATIONS_DELIVERER_H

#include "base/config.h"

/*
 * A webhook delivery process (PRODUCT §15), named webhook-deliver (15 bytes, what the
 * kernel keeps of a process name; its database session: webhook-deliverer): on its own database
 * connection it claims due deliveries (core.webhook_delivery_claim, leased for
 * cfg->webhook_lease seconds, at most DELIVERER_MAX_IN_FLIGHT in flight), sends them
 * concurrently with one libcurl multi handle (connections reused across deliveries) and
 * records the results as they finish (core.webhook_delivery_record, one statement for every
 * transfer that ended together). It claims again as soon as it has room and deliveries may be
 * due: at once after a NOTIFY on integrations_webhooks or a full claim, else every second
 * (retries fall due by time). SIGTERM: claims nothing more, finishes and records the attempts
 * in flight, returns. Killed outright it loses nothing: its claims' leases pass and they are
 * sent again, with the same webhook-id and body. Returns the process exit status.
 */
#define DELIVERER_MAX_IN_FLIGHT 64

int deliverer_run(const struct config *cfg);

#endif
