"""A real STS on loopback for the tests: moto's server (PyPI moto[server]) behind a thin WSGI layer that
does what moto leaves out for AssumeRoleWithWebIdentity, with AWS's own error codes and messages:

- a web identity token whose `exp` has passed is refused with ExpiredTokenException;
- only the roles given with --trust ROLE_ARN=ISSUER trust a web identity, and only one whose `iss` is
  ISSUER; any other role answers AccessDenied ("Not authorized to perform sts:AssumeRoleWithWebIdentity"),
  as a role whose trust policy does not name the provider does;
- every AssumeRoleWithWebIdentity call is counted: GET /_calls answers {"AssumeRoleWithWebIdentity": N}.

The token's signature is not checked (AWS would check it against the provider's JWKS).

usage: python3 sts.py [--trust ROLE_ARN=ISSUER]... [--tls CERT KEY]
       prints {"port": N} once it listens on 127.0.0.1 (HTTPS with --tls, for a name the certificate holds)
"""

import base64
import json
import os
import sys
import threading
import time
from urllib.parse import parse_qs

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

ERROR = """<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>
  <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
</ErrorResponse>"""


def claims(token):
    try:
        payload = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except Exception:
        return None


class Gate:
    def __init__(self, app, trust):
        self.app = app
        self.trust = trust
        self.calls = 0
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == "/_calls":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps({"AssumeRoleWithWebIdentity": self.calls}).encode()]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
        if form.get("Action") == "AssumeRoleWithWebIdentity":
            with self.lock:
                self.calls += 1
            refusal = self.refusal(form)
            if refusal:
                status, code, message = refusal
                start_response(status, [("Content-Type", "text/xml")])
                return [ERROR.format(code=code, message=message).encode()]
        import io
        environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)

    def refusal(self, form):
        token = claims(form.get("WebIdentityToken", ""))
        if token is None:
            return ("400 Bad Request", "InvalidIdentityToken", "The ID Token provided is not a valid JWT.")
        if token.get("exp", 0) < time.time():
            return ("400 Bad Request", "ExpiredTokenException", "Token expired: current date/time "
                    f"{int(time.time())} must be before the expiration date/time {token.get('exp')}")
        if self.trust.get(form.get("RoleArn")) != token.get("iss"):
            return ("403 Forbidden", "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
        return None


def main():
    trust = {}
    tls = None
    args = sys.argv[1:]
    while args:
        if args[0] == "--trust" and len(args) > 1:
            role, _, issuer = args[1].partition("=")
            trust[role] = issuer
            args = args[2:]
        elif args[0] == "--tls" and len(args) > 2:
            tls = (args[1], args[2])
            args = args[3:]
        else:
            sys.exit(f"unknown argument {args[0]}")
    server = make_server(
        "127.0.0.1", 0, Gate(DomainDispatcherApplication(create_backend_app), trust), threaded=True, ssl_context=tls)
    print(json.dumps({"port": server.server_port}), flush=True)
    # Stop with the test process, as the other fixtures do (killed tests left STS servers behind).
    parent = os.getppid()

    def watch_parent():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch_parent, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
