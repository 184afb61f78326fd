# shellcheck shell=bash
# The Debian packages the dev stack needs, installed only when missing.

readonly -a PACKAGES=(
    build-essential autoconf automake libtool pkg-config
    libfcgi-dev libpq-dev libjson-c-dev libjwt-dev check
    libcurl4-openssl-dev
    nginx postgresql-15 postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl
    python3-pytest python3-requests python3-jwt python3-cryptography python3-jsonschema python3-yaml
    openssl curl procps git
    shellcheck cppcheck clang-format
)

packages_missing() {
    local pkg
    for pkg in "${PACKAGES[@]}"; do
        [[ $(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null) == installed ]] || printf '%s\n' "$pkg"
    done
}

packages_ensure() {
    local -a missing
    mapfile -t missing < <(packages_missing)
    if ((${#missing[@]} == 0)); then
        log "packages: all present"
        return
    fi
    log "packages: installing ${missing[*]}"
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
}
