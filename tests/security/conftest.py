"""Fixtures of the security suite: the end-to-end suite's own (tests/e2e/conftest.py, loaded
under another module name so both conftests can coexist) plus a raw HTTP client for requests
that `requests` would refuse or normalise, and a database snapshot that proves "nothing changed".
"""
import importlib.util
import sys
import time
from pathlib import Path

import pytest

E2E = Path(__file__).resolve().parents[1] / "e2e"
sys.path.insert(0, str(E2E))

_spec = importlib.util.spec_from_file_location("e2e_conftest", E2E / "conftest.py")
_e2e = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_e2e)

# Re-export the e2e fixtures and hooks (settings, api, db, ws, owner, create, the 5xx guard, ...).
for _name in dir(_e2e):
    if not _name.startswith("_"):
        globals()[_name] = getattr(_e2e, _name)

from sec_helpers import Raw, Snapshot  # noqa: E402


@pytest.fixture(scope="session")
def raw(settings):
    return Raw(settings.base_url)


@pytest.fixture
def snapshot(db):
    """Call `snapshot.assert_unchanged()` after the attacks; also checked at teardown."""
    time.sleep(0.002)
    snap = Snapshot(db)
    yield snap
    snap.assert_unchanged("at the end of the test")
