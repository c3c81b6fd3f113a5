#!/usr/bin/env python3
"""A correct helper that uses the contexts properly.

Silent path first in every context: a cached token that is still valid is printed as is. Only in the
`interactive` context may it involve the user; here the "sign-in" is simulated by minting a demo token
(replace `sign_in()` with your identity provider's flow). In every other context, when the silent path
is exhausted it exits non-zero with one actionable line on stderr instead of prompting.

The cache lives in $EXAMPLE_HELPER_CACHE (default ~/.cache/example-helper/token.json), 0600 in a 0700
directory, written atomically.
"""
import json
import os
import secrets
import sys
import tempfile
import time

CACHE = os.environ.get("EXAMPLE_HELPER_CACHE") or os.path.expanduser("~/.cache/example-helper/token.json")
CONTEXT = os.environ.get("CLAUDE_HELPER_CONTEXT", "interactive")
LIFETIME = 3600 * 8  # seconds a demo token lives
HOST_TTL = 3600      # the host caches an answer this long: never hand out a token expiring sooner


def cached_token():
    try:
        with open(CACHE) as f:
            entry = json.load(f)
    except (OSError, ValueError):
        return None
    if entry.get("expires_at", 0) - time.time() > HOST_TTL + 60:
        return entry.get("token")
    return None


def store(token):
    directory = os.path.dirname(CACHE)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=directory)
    with os.fdopen(fd, "w") as f:
        json.dump({"token": token, "expires_at": time.time() + LIFETIME}, f)
    os.chmod(temp, 0o600)
    os.replace(temp, CACHE)


def sign_in():
    print("example-helper: signing in (demo)", file=sys.stderr)
    return "demo-" + secrets.token_hex(16)


token = cached_token()
if token is None:
    if CONTEXT != "interactive":
        print(f'sign-in required: run "{sys.argv[0]}" from a terminal (context {CONTEXT} is non-interactive)',
              file=sys.stderr)
        sys.exit(1)
    token = sign_in()
    store(token)
print(token)
