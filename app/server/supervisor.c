#include "server/supervisor.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/xalloc.h"
#include "base/log.h"
#include "server/deliverer.h"
#include "server/runner.h"
#include "server/worker.h"
#include "http/metrics.h"
#include "handlers/routes.h"
#include "http/route.h"

#define DRAIN_TIMEOUT_SECONDS 30
/* A worker that dies this soon after its start is respawned after a pause, not at once. */
#define CRASH_LOOP_SECONDS 1

struct slot {
	pid_t pid; /* 0: vacant, to be filled */
	time_t started;
};

/*
 * Slots 0 … workers-1 are FastCGI workers, slots workers … workers+runners-1 rollout job
 * runners (server/runner.h), then cfg->deliverers webhook delivery processes
 * (server/deliverer.h): all respawned, replaced on SIGHUP and drained alike.
 */
struct pool {
	const struct config *cfg;
	int n_slots;
	int listen_fd;
	sigset_t old_mask;
	struct slot *slots;
	pid_t *retiring; /* replaced on SIGHUP, draining; not respawned */
	size_t n_retiring;
};

/* One line per worker lifecycle event; "event" is what the leak and fault suites look for. */
static void log_event(const char *event, pid_t pid)
{
	LOG_EVENT(LOG_INFO, event, LOG_STR("event", event), LOG_INT("pid", pid));
}

static bool is_runner(const struct pool *p, int slot)
{
	return slot >= p->cfg->workers;
}

/* --- webhook delivery (PRODUCT §15): the last cfg->deliverers slots --- */
static bool is_deliverer(const struct pool *p, int slot)
{
	return slot >= p->cfg->workers + p->cfg->runners;
}

static int run_slot(const struct pool *p, int slot)
{
	if (is_deliverer(p, slot))
		return deliverer_run(p->cfg);
	return is_runner(p, slot) ? runner_run(p->cfg) : worker_run(p->cfg, p->listen_fd);
}

static const char *slot_event(const struct pool *p, int slot, const char *worker,
			      const char *runner, const char *deliverer)
{
	if (is_deliverer(p, slot))
		return deliverer;
	return is_runner(p, slot) ? runner : worker;
}
/* --- end webhook delivery --- */

static pid_t spawn(struct pool *p, int slot)
{
	pid_t pid = fork();

	if (pid == 0) {
		sigprocmask(SIG_SETMASK, &p->old_mask, NULL);
		exit(run_slot(p, slot));
	}
	if (pid < 0)
		LOG_EVENT(LOG_ERROR, "cannot fork a worker", LOG_STR("event", "fork_failed"),
			  LOG_STR("error", strerror(errno)));
	else
		log_event(slot_event(p, slot, "worker_started", "runner_started",
				     "deliverer_started"),
			  pid);
	return pid < 0 ? 0 : pid;
}

static void fill_vacant(struct pool *p, time_t now)
{
	int i;

	for (i = 0; i < p->n_slots; i++) {
		if (p->slots[i].pid != 0)
			continue;
		if (now - p->slots[i].started < CRASH_LOOP_SECONDS)
			continue;
		p->slots[i].pid = spawn(p, i);
		p->slots[i].started = now;
	}
}

static void forget(struct pool *p, pid_t pid, int status)
{
	size_t i;
	int s;

	for (i = 0; i < p->n_retiring; i++) {
		if (p->retiring[i] == pid) {
			p->retiring[i] = p->retiring[--p->n_retiring];
			log_event("worker_retired", pid);
			return;
		}
	}
	for (s = 0; s < p->n_slots; s++) {
		if (p->slots[s].pid == pid) {
			const char *event = slot_event(p, s, "worker_died", "runner_died",
						       "deliverer_died");

			p->slots[s].pid = 0;
			LOG_EVENT(LOG_WARN, event, LOG_STR("event", event), LOG_INT("pid", pid),
				  LOG_INT("status", WIFEXITED(status) ? WEXITSTATUS(status) : -1),
				  LOG_INT("signal", WIFSIGNALED(status) ? WTERMSIG(status) : 0));
			return;
		}
	}
}

static size_t reap(struct pool *p)
{
	size_t n = 0;
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		forget(p, pid, status);
		n++;
	}
	return n;
}

static size_t live_workers(const struct pool *p)
{
	size_t n = p->n_retiring;
	int i;

	for (i = 0; i < p->n_slots; i++)
		n += p->slots[i].pid != 0;
	return n;
}

/* Each worker is replaced by a fresh one before it is told to drain: capacity never drops. */
static void rolling_restart(struct pool *p)
{
	int i;

	for (i = 0; i < p->n_slots; i++) {
		pid_t old = p->slots[i].pid;

		p->slots[i].pid = spawn(p, i);
		p->slots[i].started = time(NULL);
		if (old != 0) {
			p->retiring[p->n_retiring++] = old;
			kill(old, SIGTERM);
		}
	}
}

static void drain(struct pool *p, const sigset_t *set)
{
	struct timespec tick = { 1, 0 };
	time_t deadline = time(NULL) + DRAIN_TIMEOUT_SECONDS;
	size_t i;
	int s;

	for (s = 0; s < p->n_slots; s++)
		if (p->slots[s].pid != 0)
			kill(p->slots[s].pid, SIGTERM);
	for (i = 0; i < p->n_retiring; i++)
		kill(p->retiring[i], SIGTERM);
	while (live_workers(p) > 0) {
		if (time(NULL) > deadline) {
			for (s = 0; s < p->n_slots; s++)
				if (p->slots[s].pid != 0)
					kill(p->slots[s].pid, SIGKILL);
			for (i = 0; i < p->n_retiring; i++)
				kill(p->retiring[i], SIGKILL);
		}
		sigtimedwait(set, NULL, &tick);
		reap(p);
	}
}

int supervisor_run(const struct config *cfg, int listen_fd)
{
	struct pool p = { .cfg = cfg,
			  .n_slots = cfg->workers + cfg->runners + cfg->deliverers,
			  .listen_fd = listen_fd };
	struct timespec tick = { 1, 0 };
	sigset_t set;
	int sig;

	p.slots = xcalloc((size_t)p.n_slots, sizeof(*p.slots));
	/* Up to one generation of retiring workers per SIGHUP still draining. */
	p.retiring = xcalloc((size_t)p.n_slots * 4, sizeof(*p.retiring));
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	/* Signals are taken synchronously with sigtimedwait: no handler races the bookkeeping. */
	sigprocmask(SIG_BLOCK, &set, &p.old_mask);
	/* Request counters shared by every worker: mapped before the first fork. */
	if (metrics_init(api_routes, api_routes_count) < 0)
		LOG_EVENT(LOG_ERROR, "cannot map the metrics counters",
			  LOG_STR("event", "metrics_failed"), LOG_STR("error", strerror(errno)));
	fill_vacant(&p, time(NULL));
	for (;;) {
		sig = sigtimedwait(&set, NULL, &tick);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		reap(&p);
		if (sig == SIGHUP && p.n_retiring + (size_t)p.n_slots <= (size_t)p.n_slots * 4)
			rolling_restart(&p);
		fill_vacant(&p, time(NULL));
	}
	log_event("draining", getpid());
	drain(&p, &set);
	free(p.slots);
	free(p.retiring);
	log_event("stopped", getpid());
	return 0;
}
