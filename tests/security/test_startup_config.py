"""The service refuses to start with a cursor key anyone could know (app/base/config.c): none, an
empty one, a short or dev- one in production, the JWT secret, or a public key PEM. It must
exit with status 2 and say why on stderr, before it listens or connects to anything."""
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
STRONG = "c" * 64
SECRET = "s" * 64


def api_bin():
    path = os.environ.get("INTEGRATIONS_API_BIN") or str(REPO / "build-dev/app/integrations-api")
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is not built: run ./deploy/dev up")
    return path


def start(tmp, **env):
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "INTEGRATIONS_SOCKET": str(Path(tmp) / "api.sock"),
            "INTEGRATIONS_WORKERS": "1",
            "INTEGRATIONS_DB_URL": "host=/nonexistent dbname=none"}
    base.update({k: v for k, v in env.items() if v is not None})
    return subprocess.run([api_bin()], env=base, capture_output=True, text=True, timeout=10)


def public_pem():
    dev_dir = Path(os.environ.get("INTEGRATIONS_DEV_DIR", REPO / ".dev"))
    return dev_dir / "keys" / "rs256-public.pem"


@pytest.mark.parametrize("label, env, words", [
    ("production, no cursor key",
     {"INTEGRATIONS_ENV": "production", "INTEGRATIONS_JWT_SECRET": SECRET},
     "INTEGRATIONS_CURSOR_KEY"),
    ("development, no cursor key (no derivation from the JWT secret)",
     {"INTEGRATIONS_ENV": "development", "INTEGRATIONS_JWT_SECRET": SECRET},
     "INTEGRATIONS_CURSOR_KEY"),
    ("production, empty cursor key",
     {"INTEGRATIONS_ENV": "production", "INTEGRATIONS_JWT_SECRET": SECRET,
      "INTEGRATIONS_CURSOR_KEY": ""}, "empty"),
    ("production, short cursor key",
     {"INTEGRATIONS_ENV": "production", "INTEGRATIONS_JWT_SECRET": SECRET,
      "INTEGRATIONS_CURSOR_KEY": "c" * 31}, "32 bytes"),
    ("production, dev- cursor key",
     {"INTEGRATIONS_ENV": "production", "INTEGRATIONS_JWT_SECRET": SECRET,
      "INTEGRATIONS_CURSOR_KEY": "dev-" + "c" * 60}, "dev-"),
    ("cursor key = JWT secret",
     {"INTEGRATIONS_ENV": "development", "INTEGRATIONS_JWT_SECRET": SECRET,
      "INTEGRATIONS_CURSOR_KEY": SECRET}, "JWT secret"),
])
def test_unsafe_cursor_key_refused_at_startup(tmp_path, label, env, words):
    r = start(tmp_path, **env)
    assert r.returncode == 2, f"{label}: exit {r.returncode}, stderr {r.stderr!r}"
    assert words in r.stderr, f"{label}: {r.stderr!r}"
    assert not (tmp_path / "api.sock").exists(), f"{label}: it listened"


def test_public_key_pem_never_a_cursor_key(tmp_path):
    pem = public_pem()
    keys = f"k1:RS256:{pem}"
    for env in ({"INTEGRATIONS_ENV": "production", "INTEGRATIONS_JWT_KEYS": keys},
                {"INTEGRATIONS_ENV": "production", "INTEGRATIONS_JWT_KEYS": keys,
                 "INTEGRATIONS_CURSOR_KEY_FILE": str(pem)},
                {"INTEGRATIONS_ENV": "production", "INTEGRATIONS_JWT_KEYS": keys,
                 "INTEGRATIONS_CURSOR_KEY": pem.read_text()}):
        r = start(tmp_path, **env)
        assert r.returncode == 2, f"{env}: exit {r.returncode}, stderr {r.stderr!r}"
        assert "integrations-api: " in r.stderr


def test_strong_cursor_key_passes_the_config_checks(tmp_path):
    """The same environment with a proper key gets past configuration (and then fails to
    listen on a socket in a directory that does not exist: libfcgi exits, with another status
    than the configuration error's 2)."""
    with tempfile.TemporaryDirectory() as tmp:
        r = start(tmp, INTEGRATIONS_ENV="production", INTEGRATIONS_JWT_SECRET=SECRET,
                  INTEGRATIONS_CURSOR_KEY=STRONG,
                  INTEGRATIONS_SOCKET=str(Path(tmp) / "missing-dir" / "api.sock"))
    assert r.returncode not in (0, 2), f"exit {r.returncode}, stderr {r.stderr!r}"
    assert "cursor key" not in r.stderr and "CURSOR" not in r.stderr, r.stderr
