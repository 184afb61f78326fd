#ifndef INTEGRATIONS_CHILD_H
#define INTEGRATIONS_CHILD_H

#include <stddef.h>

/*
 * What every process of the supervisor's pool (FastCGI workers, rollout runners, webhook
 * deliverers) sets up first: on_terminate for SIGTERM, without SA_RESTART so that it
 * interrupts a blocking accept or wait; SIGPIPE, SIGINT and SIGHUP ignored (the supervisor
 * alone acts on those); SIGTERM when the supervisor dies, so that no child serves on without
 * it; and, unless NULL, name as the process name that ps and pgrep -x show (the kernel keeps
 * 15 bytes of it).
 */
void child_init(void (*on_terminate)(int), const char *name);

/*
 * A name no other process of any host uses, for the leases a child takes: host:pid:start
 * time in hex.
 */
void child_owner_name(char *buf, size_t len);

#endif
