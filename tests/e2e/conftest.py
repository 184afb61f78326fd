"""Fixtures of the end-to-end suite. See README.md in this directory."""
import os

import pytest
import requests

from helpers import Api, Db, OpenApi, Settings, User, expect_ok, load_env, new_slug, new_ws
from install_helpers import install, publish_integration


def pytest_configure(config):
    # the dev certificate is self-signed; pytest resets warning filters per test
    config.addinivalue_line("filterwarnings",
                            "ignore::urllib3.exceptions.InsecureRequestWarning")
    config.addinivalue_line(
        "markers", "allow_503: the test stops the database on purpose; 503 answers are expected")
    config.addinivalue_line(
        "markers", "no_proxy: unfit to run with its GETs through the validating proxy of the "
        "contract suite (E2E_PROXY_URL): compares them byte for byte with direct answers")


def pytest_collection_modifyitems(config, items):
    """In contract mode (E2E_PROXY_URL set, tests/contract/run) tests marked `no_proxy` are
    skipped: the proxy re-serializes JSON bodies, so lengths and bytes differ from nginx's."""
    if not os.environ.get("E2E_PROXY_URL"):
        return
    skip = pytest.mark.skip(reason="no_proxy: not run through the validating proxy")
    for item in items:
        if item.get_closest_marker("no_proxy"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def settings():
    s = Settings(load_env())
    missing = s.missing()
    if missing:
        pytest.exit(f"e2e: {', '.join(missing)} not set and not found in .dev/env: "
                    "start the dev stack with ./deploy/dev up", returncode=1)
    try:
        requests.get(s.base_url + "/api/healthz", verify=False, timeout=5)
    except requests.RequestException as exc:
        pytest.exit(f"e2e: the service does not answer at {s.base_url}/api/healthz ({exc}); "
                    "start it with ./deploy/dev up", returncode=1)
    return s


@pytest.fixture(scope="session")
def openapi():
    return OpenApi()


@pytest.fixture(scope="session")
def api(settings, openapi):
    return Api(settings, openapi)


@pytest.fixture(scope="session")
def db(settings):
    return Db(settings.test_pg)


@pytest.fixture(autouse=True)
def no_server_errors(request):
    """Fails any test that saw a 5xx, except 503 in tests marked `allow_503`."""
    if "api" not in request.fixturenames:
        yield
        return
    api = request.getfixturevalue("api")
    api.server_errors.clear()
    yield
    allow_503 = request.node.get_closest_marker("allow_503") is not None
    bad = [e for e in api.server_errors if not (allow_503 and e[1] == 503)]
    api.server_errors.clear()
    if bad:
        pytest.fail("server error(s) answered:\n" + "\n".join(f"  {w}: {t}" for w, _, t in bad),
                    pytrace=False)


class Workspace:
    """A fresh random workspace; `user(role)` makes a new user with that role in it."""

    def __init__(self, settings):
        self.settings = settings
        self.id = new_ws()

    def user(self, role="owner", roles=None):
        return User(self.settings, {self.id: role}, roles)


@pytest.fixture
def new_workspace(settings):
    return lambda: Workspace(settings)


@pytest.fixture
def ws(new_workspace):
    return new_workspace()


@pytest.fixture
def owner(ws):
    return ws.user("owner")


@pytest.fixture
def outsider(new_workspace):
    """Owner of another workspace: sees nothing private of `ws`."""
    return new_workspace().user("owner")


@pytest.fixture
def create(api):
    """create(user, workspace_id=None, **fields) -> the created integration (201 asserted)."""
    def _create(user, workspace_id=None, **fields):
        body = {"workspaceId": workspace_id or next(iter(user.workspaces)),
                "slug": new_slug(), "name": "E2E integration"}
        body.update(fields)
        return expect_ok(api.post("/api/integrations", user, json=body), 201)
    return _create


@pytest.fixture
def integration(create, owner):
    """A fresh integration owned by `owner` in `ws`."""
    return create(owner)


# Installs (test_installs, test_upgrade, test_install_concurrency): an author publishes the
# helpers' integration from a workspace of their own and grants it to `ws`, where `owner`
# installs it.
@pytest.fixture
def author(new_workspace):
    return new_workspace().user("owner")


@pytest.fixture
def published(api, author, ws):
    """The helpers' integration, published and granted to `ws` (where `owner` installs)."""
    return publish_integration(api, author, grant_to=[ws.id])


@pytest.fixture
def installed(api, owner, published):
    return install(api, owner, published.integration)
