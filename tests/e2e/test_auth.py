"""Bearer authentication: every attack is a 401 `invalid_token` with
`WWW-Authenticate: Bearer error="invalid_token"`; valid HS256/RS256/ES256 tokens pass."""
import json
import subprocess
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from helpers import (DROP, b64url, bearer, expect_invalid_token, expect_ok, hand_token, ipath,
                     new_slug)


MAX_LIFETIME = 86400  # INTEGRATIONS_JWT_MAX_LIFETIME's default; the dev stack does not set it


def now():
    return int(time.time())


def public_pem(settings, alg):
    return settings.key({"RS256": "rs256-public.pem", "ES256": "es256-public.pem"}[alg])


def tampered(settings, user):
    """A valid token whose payload was re-encoded (more roles) under the old signature."""
    header, _, signature = user.token().split(".")
    claims = user.claims()
    claims["workspaces"] = {ws: "owner" for ws in claims["workspaces"]}
    claims["roles"] = ["platform_admin"]
    return bearer(f"{header}.{b64url(claims)}.{signature}")


def foreign_rsa_key_token(settings, user):
    """RS256, kid dev-rs, signed with a freshly generated RSA key that is not dev-rs."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return bearer(jwt.encode(user.claims(), pem, algorithm="RS256", headers={"kid": "dev-rs"}))


def confusion(alg, kid, strip_newline=False):
    """HS256 whose HMAC secret is the public key PEM of `kid` (algorithm confusion)."""
    def make(settings, user):
        secret = public_pem(settings, alg)
        if strip_newline:
            secret = secret.rstrip(b"\n")
        return bearer(hand_token({"alg": "HS256", "typ": "JWT", "kid": kid}, user.claims(),
                                 hmac_key=secret))
    return make


def claims_token(**overrides):
    return lambda settings, user: bearer(user.token(**overrides))


REJECTED = {
    "no-header": lambda s, u: {},
    "basic-scheme": lambda s, u: {"Authorization": "Basic dXNyX3g6cGFzc3dvcmQ="},
    "basic-scheme-with-valid-jwt": lambda s, u: {"Authorization": "Basic " + u.token()},
    "bearer-empty": lambda s, u: {"Authorization": "Bearer "},
    "garbage": lambda s, u: bearer("garbage"),
    "garbage-three-parts": lambda s, u: bearer("a.b.c"),
    "alg-none-unsigned": lambda s, u: bearer(
        hand_token({"alg": "none", "typ": "JWT"}, u.claims())),
    "alg-none-with-hs256-signature": lambda s, u: bearer(
        hand_token({"alg": "none", "typ": "JWT"}, u.claims(), hmac_key=s.secret.encode())),
    "confusion-hs256-with-rs-public-pem": confusion("RS256", "dev-rs"),
    "confusion-hs256-with-rs-public-pem-stripped": confusion("RS256", "dev-rs", True),
    "confusion-hs256-with-es-public-pem": confusion("ES256", "dev-es"),
    "rs256-with-kid-dev-es": lambda s, u: bearer(u.token(alg="RS256", kid="dev-es")),
    "es256-with-kid-dev-rs": lambda s, u: bearer(u.token(alg="ES256", kid="dev-rs")),
    "rs256-unknown-kid": lambda s, u: bearer(u.token(alg="RS256", kid="nope")),
    "rs256-foreign-key": foreign_rsa_key_token,
    "hs512-right-secret": lambda s, u: bearer(u.token(alg="HS512")),
    "hs384-right-secret": lambda s, u: bearer(u.token(alg="HS384")),
    "hs256-wrong-secret": lambda s, u: bearer(
        hand_token({"alg": "HS256", "typ": "JWT"}, u.claims(),
                   hmac_key=(s.secret + "x").encode())),
    "tampered-payload": tampered,
    "payload-not-object": lambda s, u: bearer(
        hand_token({"alg": "HS256", "typ": "JWT"}, [u.claims()], hmac_key=s.secret.encode())),
    "expired": lambda s, u: bearer(u.token(exp=now() - 120)),
    "nbf-future-beyond-leeway": lambda s, u: bearer(u.token(nbf=now() + 120)),
    "exp-missing": claims_token(exp=DROP),
    "exp-string": lambda s, u: bearer(u.token(exp=str(now() + 600))),
    "exp-float": lambda s, u: bearer(u.token(exp=now() + 600.5)),
    "iss-wrong": claims_token(iss="someone-else"),
    "iss-missing": claims_token(iss=DROP),
    "aud-wrong": claims_token(aud="other-api"),
    "aud-array-without-ours": claims_token(aud=["other-api", "third-api"]),
    "sub-missing": claims_token(sub=DROP),
    "sub-number": claims_token(sub=12345),
    "workspaces-list": lambda s, u: bearer(u.token(workspaces=list(u.workspaces))),
    "workspaces-string": lambda s, u: bearer(u.token(workspaces=next(iter(u.workspaces)))),
    "workspaces-missing": claims_token(workspaces=DROP),
    "roles-string": claims_token(roles="platform_admin"),
    "token-10-kib": lambda s, u: bearer(u.token(pad="x" * 10240)),
    # INTEGRATIONS_JWT_MAX_LIFETIME (24 h by default, the dev stack's): no token lives longer.
    "exp-int64-max": lambda s, u: bearer(u.token(exp=2**63 - 1)),
    "exp-year-2100": lambda s, u: bearer(u.token(exp=4102444800, iat=DROP)),
    "exp-beyond-max-lifetime-and-leeway": lambda s, u: bearer(
        u.token(exp=now() + MAX_LIFETIME + 120, iat=DROP)),
    "exp-minus-iat-beyond-max-lifetime": lambda s, u: bearer(
        (lambda t: u.token(iat=t - MAX_LIFETIME, exp=t + 600))(now())),
    "exp-1e30": lambda s, u: bearer(u.token(exp=1e30)),
    "exp-beyond-64-bits": lambda s, u: bearer(
        hand_token({"alg": "HS256", "typ": "JWT"},
                   json.dumps(u.claims(exp=0)).replace('"exp": 0', '"exp": ' + "9" * 30).encode(),
                   hmac_key=s.secret.encode())),
    "exp-negative": lambda s, u: bearer(u.token(exp=-1)),
    "iat-string": lambda s, u: bearer(u.token(iat=str(now()))),
    "iat-float": lambda s, u: bearer(u.token(iat=now() + 0.5)),
}


@pytest.mark.parametrize("attack", sorted(REJECTED))
def test_rejected_token_is_401(api, settings, owner, integration, attack):
    headers = REJECTED[attack](settings, owner)
    resp = api.get(ipath(integration), headers=headers)
    expect_invalid_token(resp)


ACCEPTED = {
    "hs256": lambda s, u: u.token(),
    "rs256-kid-dev-rs": lambda s, u: u.token(alg="RS256"),
    "es256-kid-dev-es": lambda s, u: u.token(alg="ES256"),
    "exp-within-leeway": lambda s, u: u.token(exp=now() - 30),
    "nbf-within-leeway": lambda s, u: u.token(nbf=now() + 30),
    "nbf-past": lambda s, u: u.token(nbf=now() - 30),
    "aud-array-with-ours": lambda s, u: u.token(aud=["other-api", s.audience]),
    "lifetime-exactly-max": lambda s, u: (lambda t: u.token(iat=t, exp=t + MAX_LIFETIME))(now()),
    "exp-max-lifetime-ahead-without-iat": lambda s, u: u.token(exp=now() + MAX_LIFETIME, iat=DROP),
}


@pytest.mark.parametrize("variant", sorted(ACCEPTED))
def test_valid_token_is_accepted(api, settings, owner, integration, variant):
    token = ACCEPTED[variant](settings, owner)
    body = expect_ok(api.get(ipath(integration), token))
    assert body["id"] == integration["id"]


def test_rs256_and_es256_tokens_can_write(api, settings, ws, create):
    """The subject of an asymmetric token is who the service records as author."""
    for alg in ("RS256", "ES256"):
        user = ws.user("admin")
        body = {"workspaceId": ws.id, "slug": new_slug(), "name": alg}
        created = expect_ok(api.post("/api/integrations", user.token(alg=alg), json=body), 201)
        assert created["createdBy"] == user.sub


def test_rejected_token_creates_nothing(api, owner):
    body = {"workspaceId": next(iter(owner.workspaces)), "slug": new_slug(), "name": "x"}
    expect_invalid_token(api.post("/api/integrations", owner.token(exp=now() - 120), json=body))
    expect_invalid_token(api.post("/api/integrations", owner.token(alg="HS512"), json=body))
    # the slug is still free: nothing was created by the rejected calls
    expect_ok(api.post("/api/integrations", owner, json=body), 201)


def test_rejected_token_changes_nothing(api, db, settings, owner, integration):
    before = db.rows(integration["id"])
    resp = api.patch(ipath(integration), headers=tampered(settings, owner),
                     json={"name": "hijacked"})
    expect_invalid_token(resp)
    assert db.rows(integration["id"]) == before
    assert expect_ok(api.get(ipath(integration), owner))["name"] == integration["name"]



@pytest.mark.parametrize("value", ["abc", "59", "31622401", "-1", "3600s", "86400.5"])
def test_bad_max_lifetime_setting_refuses_to_start(settings, tmp_path, value):
    """INTEGRATIONS_JWT_MAX_LIFETIME out of range or not a number: the service does not start
    (config_load runs before the socket is opened, so nothing else is needed)."""
    binary = settings.env.get("INTEGRATIONS_API_BIN")
    if not binary:
        pytest.skip("INTEGRATIONS_API_BIN not set")
    env = {"PATH": "/usr/bin:/bin", "INTEGRATIONS_ENV": "development",
           "INTEGRATIONS_JWT_SECRET": "dev-secret", "INTEGRATIONS_JWT_MAX_LIFETIME": value,
           "INTEGRATIONS_SOCKET": str(tmp_path / "api.sock")}
    proc = subprocess.run([binary], env=env, capture_output=True, timeout=10)
    assert proc.returncode == 2, proc
    assert b"INTEGRATIONS_JWT_MAX_LIFETIME" in proc.stderr   # the log names the setting
