#!/usr/bin/env bash
# shellcheck shell=bash
# The API docs site: docs/openapi.yaml as JSON (served at /api/openapi.json) and a Redoc
# reference (served at /docs/), from the Redoc standalone bundle fetched from npm, never
# committed. Two uses:
#   sourced by deploy/dev (ROOT and DEV_DIR set): docs_site_build "$DEV_DIR/docs-site"
#   run directly (production install):           deploy/lib/docs-site.sh /opt/integrations/docs-site
# The bundle is cached in $DOCS_SITE_CACHE (default: <out>/../docs-site-cache) and fetched again
# only when REDOC_VERSION changes. Needs python3-yaml and npm (Debian: npm) for the first fetch.

REDOC_VERSION=${REDOC_VERSION:-2.5.4}

# Writes OUT/openapi.json, OUT/redoc.standalone.js and OUT/index.html.
docs_site_build() {
    local out=$1 root=${ROOT:-$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)}
    local cache=${DOCS_SITE_CACHE:-$(dirname -- "$out")/docs-site-cache}
    local bundle="$cache/redoc-$REDOC_VERSION.standalone.js"
    mkdir -p "$out" "$cache"
    /usr/bin/python3 - "$root/docs/openapi.yaml" "$out/openapi.json.tmp" <<'PY' || return 1
import json, sys, yaml
with open(sys.argv[1]) as f:
    doc = yaml.safe_load(f)
with open(sys.argv[2], "w") as f:
    json.dump(doc, f, indent=1, ensure_ascii=False, default=str)
PY
    mv "$out/openapi.json.tmp" "$out/openapi.json"
    if [[ ! -s $bundle ]]; then
        command -v npm >/dev/null || { printf 'docs-site: npm is missing (apt-get install npm)\n' >&2; return 1; }
        local tmp
        tmp=$(mktemp -d)
        (cd "$tmp" && npm pack --silent "redoc@$REDOC_VERSION" >/dev/null) &&
            tar -xzf "$tmp"/redoc-*.tgz -C "$tmp" package/bundles/redoc.standalone.js &&
            mv "$tmp/package/bundles/redoc.standalone.js" "$bundle"
        local rc=$?
        rm -rf "$tmp"
        ((rc == 0)) || { printf 'docs-site: could not fetch redoc@%s from npm\n' "$REDOC_VERSION" >&2; return 1; }
    fi
    cp "$bundle" "$out/redoc.standalone.js"
    cat >"$out/index.html" <<'HTML'
<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Integrations API reference</title>
  <style>body { margin: 0; padding: 0; }</style>
</head>
<body>
  <div id="redoc-container"></div>
  <script src="redoc.standalone.js"></script>
  <script src="init.js"></script>
</body>
</html>
HTML
    # In a file of its own so that a Content-Security-Policy without 'unsafe-inline' allows it.
    cat >"$out/init.js" <<'JS'
Redoc.init('/api/openapi.json', {
  hideDownloadButton: false,
  expandResponses: '200,201',
  pathInMiddlePanel: true,
  disableSearch: false
}, document.getElementById('redoc-container'));
JS
    chmod -R a+rX "$out"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    set -euo pipefail
    (($# == 1)) || { printf 'usage: %s OUT_DIR\n' "$0" >&2; exit 2; }
    docs_site_build "$1"
fi
