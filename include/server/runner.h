#ifndef INTEGRATIONS_RUNNER_H
#define INTEGRATIONS_RUNNER_H

#include "base/config.h"

/*
 * A rollout job runner (PRODUCT §14): on its own database connection, takes one due job at
 * a time (core.rollout_job_claim, leased for cfg->runner_lease seconds) and runs it
 * (core.rollout_job_run: the upgrade, the job's state and the rollout's waves in one
 * transaction); when none is due it waits up to a second, woken at once by a NOTIFY on
 * integrations_rollouts. SIGTERM: finishes the job in flight, then returns. A runner killed
 * outright loses nothing: its job's lease expires and another runner takes it again.
 * Returns the process exit status.
 */
int runner_run(const struct config *cfg);

#endif
