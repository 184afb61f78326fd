#include "db/replica.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/b64url.h"
#include "base/strbuf.h"
#include "base/xalloc.h"

void consistency_token_encode(uint64_t lsn, char out[CONSISTENCY_TOKEN_LEN + 1])
{
	unsigned char bytes[8];
	int i;

	for (i = 7; i >= 0; i--) {
		bytes[i] = (unsigned char)(lsn & 0xff);
		lsn >>= 8;
	}
	b64url_encode(bytes, sizeof(bytes), out);
}

int consistency_token_decode(const char *token, uint64_t *lsn)
{
	unsigned char bytes[B64URL_DECODED_MAX(CONSISTENCY_TOKEN_LEN)];
	uint64_t v = 0;
	int i;

	if (token == NULL || strlen(token) != CONSISTENCY_TOKEN_LEN ||
	    b64url_decode(token, CONSISTENCY_TOKEN_LEN, bytes) != 8)
		return -1;
	for (i = 0; i < 8; i++)
		v = v << 8 | bytes[i];
	*lsn = v;
	return 0;
}

static int hex_part(const char *s, size_t n, uint32_t *out)
{
	uint32_t v = 0;
	size_t i;

	if (n < 1 || n > 8)
		return -1;
	for (i = 0; i < n; i++) {
		char c = s[i];
		uint32_t d;

		if (c >= '0' && c <= '9')
			d = (uint32_t)(c - '0');
		else if (c >= 'A' && c <= 'F')
			d = (uint32_t)(c - 'A' + 10);
		else if (c >= 'a' && c <= 'f')
			d = (uint32_t)(c - 'a' + 10);
		else
			return -1;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

int lsn_parse(const char *text, uint64_t *lsn)
{
	const char *slash = text != NULL ? strchr(text, '/') : NULL;
	uint32_t hi, lo;

	if (slash == NULL || hex_part(text, (size_t)(slash - text), &hi) < 0 ||
	    hex_part(slash + 1, strlen(slash + 1), &lo) < 0)
		return -1;
	*lsn = (uint64_t)hi << 32 | lo;
	return 0;
}

bool replica_is_read(enum http_method method)
{
	return (method & (HTTP_GET | HTTP_HEAD)) != 0;
}

bool replica_lag_acceptable(const char *state, int max_lag_ms)
{
	char *end;
	long long lag;

	if (state == NULL)
		return false;
	if (strcmp(state, "p") == 0)
		return true;
	if (state[0] != 's' || state[1] < '0' || state[1] > '9')
		return false;
	lag = strtoll(state + 1, &end, 10);
	return *end == '\0' && lag <= max_lag_ms;
}

struct replica {
	struct db *db;
	int max_lag_ms;
	double next_check_ms; /* monotonic: when to measure the lag again */
	double retry_at_ms; /* monotonic: no connection attempt before this */
	double primary_since_ms; /* monotonic: when the read URL was found on a primary; 0: not */
	bool lag_ok;
	bool standby; /* the last check found a standby (not a primary) behind the read URL */
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static size_t count_items(const char *list)
{
	size_t n = 1;

	for (; *list != '\0'; list++)
		n += *list == ',';
	return n;
}

/* Appends list's items rotated by k places (list has n comma-separated items). */
static void append_rotated(struct strbuf *b, const char *list, size_t n, size_t k)
{
	size_t i;

	for (i = 0; i < n; i++) {
		size_t want = (i + k) % n, at = 0;
		const char *p = list, *end;

		while (at < want) {
			p = strchr(p, ',') + 1;
			at++;
		}
		end = strchr(p, ',');
		if (i > 0)
			strbuf_append(b, ",", 1);
		strbuf_append(b, p, end != NULL ? (size_t)(end - p) : strlen(p));
	}
}

static void append_quoted(struct strbuf *b, const char *v)
{
	strbuf_append(b, "'", 1);
	for (; *v != '\0'; v++) {
		if (*v == '\'' || *v == '\\')
			strbuf_append(b, "\\", 1);
		strbuf_append(b, v, 1);
	}
	strbuf_append(b, "'", 1);
}

char *replica_spread_url(const char *url, unsigned spread)
{
	PQconninfoOption *opts = PQconninfoParse(url, NULL), *o;
	struct arena *a;
	struct strbuf b;
	size_t n = 0;
	char *out;

	if (opts == NULL)
		return xstrdup(url);
	for (o = opts; o->keyword != NULL; o++)
		if (strcmp(o->keyword, "host") == 0 && o->val != NULL)
			n = count_items(o->val);
	if (n < 2) {
		PQconninfoFree(opts);
		return xstrdup(url);
	}
	a = arena_new();
	strbuf_init(&b, a);
	for (o = opts; o->keyword != NULL; o++) {
		bool list = strcmp(o->keyword, "host") == 0 ||
			    strcmp(o->keyword, "hostaddr") == 0 || strcmp(o->keyword, "port") == 0;

		if (o->val == NULL)
			continue;
		strbuf_printf(&b, "%s%s=", b.len > 0 ? " " : "", o->keyword);
		if (list && count_items(o->val) == n) {
			struct strbuf item;

			strbuf_init(&item, a);
			append_rotated(&item, o->val, n, spread % n);
			strbuf_append(&item, "", 1);
			append_quoted(&b, item.data);
		} else {
			append_quoted(&b, o->val);
		}
	}
	strbuf_append(&b, "", 1);
	out = xstrdup(b.data);
	arena_free(a);
	PQconninfoFree(opts);
	return out;
}

struct replica *replica_new(const char *url, int max_lag_ms, unsigned spread)
{
	struct replica *r;
	char *spread_url;

	if (url == NULL)
		return NULL;
	r = xcalloc(1, sizeof(*r));
	spread_url = replica_spread_url(url, spread);
	r->db = db_new_read(spread_url);
	free(spread_url);
	r->max_lag_ms = max_lag_ms;
	return r;
}

void replica_free(struct replica *r)
{
	if (r == NULL)
		return;
	db_free(r->db);
	free(r);
}

/*
 * "p" on a primary; on a standby "s" and its lag in ms: 0 when it has replayed
 * all it received (an idle standby: no new commits to replay, however old the
 * last one), else the age of the last transaction it replayed.
 */
static const char lag_sql[] =
	"select case when not pg_is_in_recovery() then 'p'"
	" when pg_last_wal_receive_lsn() is not distinct from pg_last_wal_replay_lsn() then 's0'"
	" else 's' || coalesce(greatest(0, (extract(epoch from clock_timestamp()"
	" - pg_last_xact_replay_timestamp()) * 1000)::bigint), 0) end";

/* 't' once replayed; NULL (on a primary: it has everything it acknowledged) counts as done. */
static const char replayed_sql[] = "select coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, true)";

/* Connects when needed (at most once per REPLICA_RETRY_MS after a failure); 0 when usable. */
static int replica_connect(struct replica *r, double now)
{
	if (now < r->retry_at_ms)
		return -1;
	if (db_connect(r->db) < 0) {
		r->retry_at_ms = now + REPLICA_RETRY_MS;
		r->next_check_ms = 0;
		return -1;
	}
	return 0;
}

static bool fresh_enough(struct replica *r, double now)
{
	char state[32];

	if (now >= r->next_check_ms) {
		r->lag_ok = db_probe(r->db, lag_sql, 0, NULL, state, sizeof(state)) == 0 &&
			    replica_lag_acceptable(state, r->max_lag_ms);
		r->standby = r->lag_ok && state[0] == 's';
		if (r->lag_ok && state[0] == 'p') {
			if (r->primary_since_ms == 0)
				r->primary_since_ms = now;
			else if (now - r->primary_since_ms >= REPLICA_PRIMARY_RECHECK_MS) {
				/* The next read connects again: a standby may be up by now. */
				db_disconnect(r->db);
				r->primary_since_ms = 0;
				r->next_check_ms = 0;
				return false;
			}
		} else {
			r->primary_since_ms = 0;
		}
		r->next_check_ms = now + REPLICA_LAG_CHECK_MS;
	}
	return r->lag_ok;
}

static bool replayed(struct replica *r, uint64_t token, double now)
{
	char lsn[32], answer[8];
	const char *params[1] = { lsn };
	double deadline = now + REPLICA_TOKEN_WAIT_MS;
	const struct timespec pause = { 0, 2 * 1000 * 1000 };

	snprintf(lsn, sizeof(lsn), "%X/%X", (unsigned)(token >> 32), (unsigned)token);
	for (;;) {
		if (db_probe(r->db, replayed_sql, 1, params, answer, sizeof(answer)) < 0)
			return false;
		if (strcmp(answer, "t") == 0)
			return true;
		if (now_ms() + 2 >= deadline)
			return false;
		nanosleep(&pause, NULL);
	}
}

struct db *replica_route(struct replica *r, struct db *primary, bool has_token, uint64_t token,
			 struct arena *a, const char **served)
{
	double now = now_ms();

	*served = "primary";
	if (r == NULL || replica_connect(r, now) < 0)
		return primary;
	/* The lag is measured either way: it also tells a standby from a primary. */
	if (!fresh_enough(r, now) && !has_token)
		return primary;
	if (has_token && !replayed(r, token, now))
		return primary;
	*served = arena_printf(a, "%s %s", r->standby ? "standby" : "read-url-primary",
			       db_peer(r->db, a));
	return r->db;
}

const char *replica_write_token(struct db *primary, struct arena *a)
{
	char text[32];
	char *token = arena_alloc(a, CONSISTENCY_TOKEN_LEN + 1);
	uint64_t lsn;

	if (db_probe(primary, "select pg_current_wal_insert_lsn()", 0, NULL, text, sizeof(text)) <
		    0 ||
	    lsn_parse(text, &lsn) < 0)
		return NULL;
	consistency_token_encode(lsn, token);
	return token;
}
