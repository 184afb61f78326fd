#!/usr/bin/python3
"""Mint a development JWT for the integrations API.

Reads the keys and claims settings from the environment that `./deploy/dev up` writes to
.dev/env: INTEGRATIONS_JWT_SECRET (HS256), INTEGRATIONS_DEV_DIR (RS256/ES256 private keys
in keys/), INTEGRATIONS_JWT_ISSUER and INTEGRATIONS_JWT_AUDIENCE (iss/aud, when set).
Prints the token on stdout. Normally run as `./deploy/dev token …`.
"""

import argparse
import os
import re
import sys
import time

import jwt

WORKSPACE_ROLES = ("owner", "admin", "member", "viewer")
PLATFORM_ROLES = ("platform_reviewer", "platform_admin")
USER_ID = re.compile(r"usr_[A-Za-z0-9_-]{1,64}")
WORKSPACE_ID = re.compile(r"ws_[A-Za-z0-9_-]{1,64}")
# algorithm -> (kid, private key file in $INTEGRATIONS_DEV_DIR/keys)
ASYMMETRIC_KEYS = {
    "RS256": ("dev-rs", "rs256-private.pem"),
    "ES256": ("dev-es", "es256-private.pem"),
}


def user_id(text):
    if not USER_ID.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a user id (usr_ then 1-64 of A-Z a-z 0-9 _ -)")
    return text


def workspace_grant(text):
    workspace, _, role = text.partition(":")
    if not WORKSPACE_ID.fullmatch(workspace) or role not in WORKSPACE_ROLES:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not WORKSPACE:ROLE (ws_… and one of {', '.join(WORKSPACE_ROLES)})")
    return workspace, role


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="deploy/dev token",
        description="Mint a development JWT for the integrations API.",
        epilog="A negative --ttl mints an already expired token.")
    parser.add_argument("--sub", required=True, type=user_id, help="user id, e.g. usr_dev")
    parser.add_argument("--workspace", action="append", default=[], type=workspace_grant,
                        metavar="WS:ROLE", help="workspace role, e.g. ws_a:admin (repeatable)")
    parser.add_argument("--role", action="append", default=[], choices=PLATFORM_ROLES,
                        help="platform role (repeatable)")
    parser.add_argument("--alg", default="HS256", choices=("HS256", *ASYMMETRIC_KEYS))
    parser.add_argument("--ttl", default=3600, type=int, metavar="SECONDS",
                        help="lifetime in seconds (default 3600)")
    args = parser.parse_args(argv)
    workspaces = [workspace for workspace, _ in args.workspace]
    if len(set(workspaces)) != len(workspaces):
        parser.error("a workspace is given twice")
    return args


def required_env(name):
    value = os.environ.get(name)
    if not value:
        sys.exit(f"mint-token: {name} is not set: source .dev/env (written by ./deploy/dev up)")
    return value


def signing_key(alg):
    """Returns (key, extra JWT header) for the algorithm."""
    if alg == "HS256":
        return required_env("INTEGRATIONS_JWT_SECRET"), {}
    kid, filename = ASYMMETRIC_KEYS[alg]
    path = os.path.join(required_env("INTEGRATIONS_DEV_DIR"), "keys", filename)
    with open(path, encoding="ascii") as pem:
        return pem.read(), {"kid": kid}


def claims(args, now):
    payload = {
        "sub": args.sub,
        "workspaces": dict(args.workspace),
        "iat": now,
        "exp": now + args.ttl,
    }
    if args.role:
        payload["roles"] = list(dict.fromkeys(args.role))
    for claim, variable in (("iss", "INTEGRATIONS_JWT_ISSUER"), ("aud", "INTEGRATIONS_JWT_AUDIENCE")):
        if os.environ.get(variable):
            payload[claim] = os.environ[variable]
    return payload


def main(argv):
    args = parse_args(argv)
    key, headers = signing_key(args.alg)
    print(jwt.encode(claims(args, int(time.time())), key, algorithm=args.alg, headers=headers))


if __name__ == "__main__":
    main(sys.argv[1:])
