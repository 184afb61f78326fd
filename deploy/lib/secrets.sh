# shellcheck shell=bash
# Development secrets, keys and certificate (each generated once), and .dev/env.

readonly HS256_SECRET_FILE="$KEYS_DIR/hs256.secret"
readonly CURSOR_KEY_FILE="$KEYS_DIR/cursor.key"

# The "dev-" prefix makes production refuse the secret (docs/architecture.md).
hs256_secret_generate() {
    [[ -s $HS256_SECRET_FILE ]] && return
    log "secrets: generating ${HS256_SECRET_FILE#"$ROOT"/}"
    local secret
    secret=$(openssl rand -hex 32)
    (umask 077 && printf 'dev-%s\n' "$secret" >"$HS256_SECRET_FILE")
}

# The list cursors' HMAC key: random per dev stack, never derived from the JWT secret or a
# PEM (the service refuses both); "dev-" so that production refuses it too.
cursor_key_generate() {
    [[ -s $CURSOR_KEY_FILE ]] && return
    log "secrets: generating ${CURSOR_KEY_FILE#"$ROOT"/}"
    local key
    key=$(openssl rand -hex 32)
    (umask 077 && printf 'dev-%s\n' "$key" >"$CURSOR_KEY_FILE")
}

keypair_generate() {
    local name=$1
    shift
    [[ -s $KEYS_DIR/$name-private.pem && -s $KEYS_DIR/$name-public.pem ]] && return
    log "secrets: generating ${KEYS_DIR#"$ROOT"/}/$name-{private,public}.pem"
    (umask 077 && openssl genpkey -quiet "$@" -out "$KEYS_DIR/$name-private.pem")
    openssl pkey -in "$KEYS_DIR/$name-private.pem" -pubout -out "$KEYS_DIR/$name-public.pem"
    chmod 644 "$KEYS_DIR/$name-public.pem"
}

tls_certificate_generate() {
    [[ -s $NGINX_DIR/cert.pem && -s $NGINX_DIR/key.pem ]] && return
    log "secrets: generating a self-signed certificate for 127.0.0.1 and localhost"
    (umask 077 && openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$NGINX_DIR/key.pem")
    openssl req -x509 -key "$NGINX_DIR/key.pem" -days 825 -subj /CN=localhost \
        -addext 'subjectAltName=IP:127.0.0.1,DNS:localhost' -out "$NGINX_DIR/cert.pem"
    chmod 644 "$NGINX_DIR/cert.pem"
}

secrets_ensure() {
    install -d -m 700 "$KEYS_DIR"
    install -d -m 755 "$NGINX_DIR"
    hs256_secret_generate
    cursor_key_generate
    keypair_generate rs256 -algorithm RSA -pkeyopt rsa_keygen_bits:2048
    keypair_generate es256 -algorithm EC -pkeyopt ec_paramgen_curve:P-256
    tls_certificate_generate
}

# Rewrites .dev/env from the current settings. The HS256 secret is INTEGRATIONS_JWT_SECRET
# when the caller set it, else the generated one; the same for INTEGRATIONS_CURSOR_KEY.
env_write() {
    local secret=${INTEGRATIONS_JWT_SECRET:-$(<"$HS256_SECRET_FILE")}
    local cursor_key=${INTEGRATIONS_CURSOR_KEY:-$(<"$CURSOR_KEY_FILE")}
    local -a vars=(
        INTEGRATIONS_PG_PORT "$PG_PORT"
        INTEGRATIONS_JWT_SECRET "$secret"
        INTEGRATIONS_CURSOR_KEY "$cursor_key"
        INTEGRATIONS_JWT_KEYS "dev-rs:RS256:$KEYS_DIR/rs256-public.pem,dev-es:ES256:$KEYS_DIR/es256-public.pem"
        INTEGRATIONS_JWT_ISSUER integrations-dev
        INTEGRATIONS_JWT_AUDIENCE integrations-api
        INTEGRATIONS_BASE_URL "$BASE_URL"
        INTEGRATIONS_HTTP_URL "$HTTP_URL"
        INTEGRATIONS_METRICS_URL "http://127.0.0.1:$METRICS_PORT"
        INTEGRATIONS_DEV_DIR "$DEV_DIR"
        INTEGRATIONS_TEST_PG "host=$PG_DIR port=$PG_PORT dbname=integrations user=postgres"
        INTEGRATIONS_API_BIN "$API_BIN"
        # Webhook delivery (PRODUCT §15): receivers of the tests are on loopback and use the
        # stack's self-signed certificate; a short retry schedule (1 s, 1 s, 2 s: 4 attempts),
        # a 3 s timeout and a 6 s lease so that the suites see retries, failures and killed
        # deliverers' claims come back within seconds.
        INTEGRATIONS_WEBHOOK_ALLOW_PRIVATE 1
        INTEGRATIONS_WEBHOOK_CA_FILE "$NGINX_DIR/cert.pem"
        INTEGRATIONS_WEBHOOK_RETRY_SCHEDULE "${INTEGRATIONS_WEBHOOK_RETRY_SCHEDULE:-1,1,2}"
        INTEGRATIONS_WEBHOOK_TIMEOUT "${INTEGRATIONS_WEBHOOK_TIMEOUT:-3}"
        INTEGRATIONS_WEBHOOK_LEASE "${INTEGRATIONS_WEBHOOK_LEASE:-6}"
        INTEGRATIONS_DELIVERERS "${INTEGRATIONS_DELIVERERS:-2}"
    )
    local i
    {
        printf '# Written by ./deploy/dev up on every run: edits here are lost.\n'
        for ((i = 0; i < ${#vars[@]}; i += 2)); do
            printf 'export %s=%s\n' "${vars[i]}" "$(shell_quote "${vars[i + 1]}")"
        done
    } | (umask 077 && cat >"$ENV_FILE.tmp")
    mv "$ENV_FILE.tmp" "$ENV_FILE"
}
