"""Issue #18 item 6: what docs/openapi.yaml now says about `Idempotency-Key` (maxLength 255 and
its pattern), 405 (`Allow`) and 429 (`Retry-After`) agrees with what the service answers."""
import re
import secrets

import pytest

from helpers import REPO, expect_error, expect_ok, new_slug

PROBLEM_ERRORS = REPO / "nginx" / "problem-errors.conf"


def key_schema(openapi):
    return openapi.spec["components"]["parameters"]["IdempotencyKey"]["schema"]


@pytest.mark.parametrize("key,ok", [
    ("k" * 255, True),
    ("!#$%&'*+-.^_`|~" + secrets.token_hex(4), True),
    ("k" * 256, False),
    ("two words", False),
    ("tab\tinside", False),
])
def test_idempotency_key_schema_agrees_with_the_service(api, ws, owner, openapi, key, ok):
    if ok:  # unique per run: the 255-character key would otherwise replay an earlier run's answer
        key = key[:-8] + secrets.token_hex(4) if len(key) == 255 else key
    schema = key_schema(openapi)
    assert (openapi.validate(schema, key) == []) is ok, f"document and case disagree on {key!r}"
    body = {"workspaceId": ws.id, "slug": new_slug(), "name": "Key"}
    resp = api.post("/api/integrations", owner, json=body, headers={"Idempotency-Key": key})
    if ok:
        expect_ok(resp, 201)
    else:
        expect_error(resp, 400, "validation_failed")


def test_405_is_documented_with_allow(api, owner, integration, openapi):
    resp = api.call("PUT", f"/api/integrations/{integration['id']}", owner)
    expect_error(resp, 405, "method_not_allowed")
    assert re.match(r"^[A-Z]+(, [A-Z]+)*$", resp.headers["Allow"])
    _, op = openapi.operation("GET", f"/api/integrations/{integration['id']}")
    assert op["responses"]["405"] == {"$ref": "#/components/responses/MethodNotAllowed"}


def nginx_problem(status):
    """The body and headers of nginx's own problem answer for `status` (problem-errors.conf)."""
    text = PROBLEM_ERRORS.read_text()
    block = re.search(r"location = /_problem/%d \{(.*?)\n\}" % status, text, re.S).group(1)
    body = re.search(r"return %d '(.*)';" % status, block).group(1)
    headers = dict(re.findall(r"add_header ([A-Za-z-]+) (\S+) always;", block))
    return body.replace("$rid", "5f2b8c0e9d1a4b7c8e3f6a2d1c0b9e8f"), headers


@pytest.mark.parametrize("status,response", [(429, "TooManyRequests"), (414, "UriTooLong")])
def test_nginx_problem_answers_match_the_document(openapi, status, response):
    """nginx's 429 (rate limit, too rare to provoke in a test run) and 414 bodies validate
    against the shared responses every operation references; 429 carries Retry-After."""
    import json
    body, headers = nginx_problem(status)
    spec = openapi.spec["components"]["responses"][response]
    schema = spec["content"]["application/problem+json"]["schema"]
    assert openapi.validate(schema, json.loads(body)) == []
    for name, h in spec["headers"].items():
        if openapi.deref(h).get("required") and name != "X-Request-Id":
            assert name in headers, f"nginx's {status} lacks {name}"
            assert openapi.validate(openapi.deref(h)["schema"], int(headers[name])) == []
