"""Static checks of docs/openapi.yaml for the tools partners use (issue #18): Prism, validators,
Portman, openapi-typescript. Run by tests/contract/run (needs no stack)."""
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
from helpers import OpenApi  # noqa: E402

DOC = yaml.safe_load((REPO / "docs" / "openapi.yaml").read_text())
METHODS = ("get", "put", "post", "patch", "delete", "head", "options")
OPERATIONS = [(f"{m.upper()} {p}", op) for p, item in DOC["paths"].items()
              for m, op in item.items() if m in METHODS]


def walk(node, path=()):
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from walk(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, path + (i,))


def examples():
    """(where, schema-or-None, value) of every example in the document."""
    for path, node in walk(DOC):
        if not isinstance(node, dict):
            continue
        if "example" in node:
            yield "/".join(map(str, path + ("example",))), node.get("schema"), node["example"]
        for i, ex in enumerate(node.get("examples") or []) if isinstance(node.get("examples"), list) else []:
            yield "/".join(map(str, path + ("examples", i))), node if "type" in node else None, ex


def test_no_ref_key_inside_examples():
    """Item 4: a `$ref` key inside an example value made Prism refuse to load the document
    (it resolved `ent_…` as a file) and validators call it invalid."""
    bad = [where for where, _, value in examples()
           for p, n in walk(value) if isinstance(n, dict) and "$ref" in n]
    assert not bad, f"examples holding a $ref key: {bad}"


def test_examples_match_their_schemas():
    api = OpenApi(REPO / "docs" / "openapi.yaml")
    bad = []
    for where, schema, value in examples():
        if schema is None or where.startswith("components/parameters"):
            continue
        if "/parameters/" in where:
            continue
        problems = api.validate(schema, value)
        if problems:
            bad.append(f"{where}: {problems}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("name,op", OPERATIONS, ids=[n for n, _ in OPERATIONS])
def test_every_operation_documents_405_414_429(name, op):
    """Item 6 (and 3): statuses any request may meet are documented on every operation."""
    want = {"405": "MethodNotAllowed", "414": "UriTooLong", "429": "TooManyRequests"}
    for status, ref in want.items():
        assert op["responses"].get(status) == {"$ref": f"#/components/responses/{ref}"}, \
            f"{name}: {status} not documented"


def test_shared_responses_carry_their_headers():
    r = DOC["components"]["responses"]
    assert r["MethodNotAllowed"]["headers"]["Allow"] == {"$ref": "#/components/headers/Allow"}
    assert r["TooManyRequests"]["headers"]["Retry-After"] == {"$ref": "#/components/headers/Retry-After"}
    assert DOC["components"]["headers"]["Allow"]["required"] is True
    assert DOC["components"]["headers"]["Retry-After"]["required"] is True


def test_idempotency_key_bounds_match_the_service():
    """Item 6: 1 to 255 visible ASCII characters, as the worker enforces (IDEMPOTENCY_KEY_MAX,
    valid_key: 0x21..0x7e)."""
    schema = DOC["components"]["parameters"]["IdempotencyKey"]["schema"]
    assert schema["maxLength"] == 255 and schema["minLength"] == 1
    rx = re.compile(schema["pattern"])
    assert rx.search("a" * 255) and rx.search("!~")
    for bad in ("", "a b", "é", "a\tb", "a" * 256):
        assert not rx.search(bad), bad
    src = subprocess.run(["grep", "-rh", "define IDEMPOTENCY_KEY_MAX", str(REPO / "include"),
                          str(REPO / "app")], capture_output=True, text=True).stdout
    if src:  # the C sources may be mid-move; when found, they must agree
        assert re.search(r"IDEMPOTENCY_KEY_MAX\s+255\b", src), src


FREE_FORM = ["EntityDefinition", "VariablesSchema", "AuthConfig"]


@pytest.mark.parametrize("name", FREE_FORM)
def test_free_form_objects_are_open(name):
    """Item 5: bare `type: object` came out of openapi-typescript as Record<string, never>."""
    assert DOC["components"]["schemas"][name]["additionalProperties"] is True


def test_every_object_says_additional_properties():
    bad = ["/".join(map(str, p)) for p, n in walk(DOC)
           if isinstance(n, dict) and n.get("type") == "object" and "additionalProperties" not in n
           and "example" not in p and "examples" not in p]
    assert not bad, f"objects without additionalProperties: {bad}"


def test_no_default_in_request_body_schemas():
    """Item 5: openapi-typescript (defaultNonNullable) makes a property with `default` required
    in the generated type, request bodies included; defaults are stated in descriptions."""
    bad = []
    for _, op in OPERATIONS:
        body = (op.get("requestBody") or {}).get("content", {}).get("application/json", {})
        seen = set()

        def visit(schema, where):
            if isinstance(schema, dict) and "$ref" in schema:
                ref = schema["$ref"]
                if ref in seen:
                    return
                seen.add(ref)
                target = DOC
                for part in ref[2:].split("/"):
                    target = target[part]
                visit(target, ref)
                return
            for p, n in walk(schema):
                if isinstance(n, dict) and "default" in n and len(p) >= 2 and p[-2] == "properties":
                    bad.append(f"{where}/{'/'.join(map(str, p))}")
                if isinstance(n, dict) and "$ref" in n and n is not schema:
                    visit(n, where)
        visit(body.get("schema"), "requestBody")
    assert not bad, f"defaults in request schemas: {sorted(set(bad))}"


def test_no_ref_word_in_schema_texts():
    """Item 4: Portman (1.33) took the word `$ref` inside a description of a response schema for
    an unresolved reference ("Response Validation - Disabled due to Circular Reference") and
    checked no response body of the 7 operations using Entity or IntegrationVersion."""
    bad = ["/".join(map(str, p)) for p, n in walk(DOC["components"]["schemas"])
           if isinstance(n, str) and "$ref" in n and p[-1] != "$ref"]
    assert not bad, f"schema texts naming $ref: {bad}"
