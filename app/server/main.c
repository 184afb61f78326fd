#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "base/config.h"
#include "base/log.h"
#include "server/supervisor.h"

#define LISTEN_BACKLOG 1024

static bool is_unix_path(const char *address)
{
	return address[0] == '/' || strchr(address, ':') == NULL;
}

/* Opens the FastCGI socket every worker accepts on; a stale unix socket file is replaced. */
static int open_listener(const struct config *cfg)
{
	struct stat st;
	int fd;

	if (is_unix_path(cfg->socket_path) && stat(cfg->socket_path, &st) == 0 &&
	    S_ISSOCK(st.st_mode))
		unlink(cfg->socket_path);
	fd = FCGX_OpenSocket(cfg->socket_path, LISTEN_BACKLOG);
	if (fd < 0)
		return -1;
	if (is_unix_path(cfg->socket_path) &&
	    chmod(cfg->socket_path, (mode_t)cfg->socket_mode) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int main(void)
{
	struct config cfg;
	char err[512];
	int fd, rc;

	if (config_load(&cfg, err, sizeof(err)) < 0) {
		char msg[sizeof(err) + 32];

		snprintf(msg, sizeof(msg), "integrations-api: %s", err);
		LOG_EVENT(LOG_ERROR, msg, LOG_STR("event", "config_invalid"));
		return 2;
	}
	if (cfg.runner_only) {
		/* INTEGRATIONS_ROLE=runner: rollout job runners and webhook deliverers, no socket. */
		LOG_EVENT(LOG_INFO, "running jobs", LOG_STR("event", "runners"),
			  LOG_INT("runners", cfg.runners), LOG_INT("deliverers", cfg.deliverers));
		rc = supervisor_run(&cfg, -1);
		config_free(&cfg);
		return rc;
	}
	if (FCGX_Init() != 0 || (fd = open_listener(&cfg)) < 0) {
		LOG_EVENT(LOG_ERROR, "cannot listen", LOG_STR("event", "listen_failed"),
			  LOG_STR("socket", cfg.socket_path));
		config_free(&cfg);
		return 1;
	}
	LOG_EVENT(LOG_INFO, "listening", LOG_STR("event", "listening"),
		  LOG_STR("socket", cfg.socket_path), LOG_INT("workers", cfg.workers),
		  LOG_INT("runners", cfg.runners), LOG_INT("deliverers", cfg.deliverers),
		  LOG_STR("env", cfg.production ? "production" : "development"));
	rc = supervisor_run(&cfg, fd);
	close(fd);
	if (is_unix_path(cfg.socket_path))
		unlink(cfg.socket_path);
	config_free(&cfg);
	return rc;
}
