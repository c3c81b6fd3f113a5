#!/usr/bin/env python3
"""A hostile or broken identity provider for the tests: a real HTTP server on a free loopback port.

  provider.py   print {"port": N} and serve until the parent (the test run) exits

Every path starts with a mode, which is also the issuer (http://127.0.0.1:N/MODE):
  /phish-device    device authorization answers an http:// verification_uri on another host
  /escape-device   device authorization answers a user_code holding terminal escape bytes
  /sign-id-token/PORT/PATH   relays a token request to http://127.0.0.1:PORT/PATH and adds an ID token
                   signed with this server's own key (kid "relay"; its JWKS at GET /sign-id-token/jwks),
                   for the issuer http://127.0.0.1:PORT/PATH-without-its-last-segment: a provider that
                   issues ID tokens on refresh, which glewlwyd does not
"""
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send_json(self, body, status=200):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        mode = self.path.split("/")[1]
        issuer = f"http://127.0.0.1:{self.server.server_port}/{mode}"
        if self.path == "/sign-id-token/jwks":
            self.send_json({"keys": [json.loads(relay_key().export_public())]})
        elif self.path.endswith("/.well-known/openid-configuration"):
            self.send_json({
                "issuer": issuer, "token_endpoint": issuer + "/token",
                "device_authorization_endpoint": issuer + "/device", "jwks_uri": issuer + "/jwks",
            })
        else:
            self.send_json({"error": "not_found"}, 404)

    def do_POST(self):
        mode = self.path.split("/")[1]
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if mode == "sign-id-token":
            self.relay_signing_id_token(body)
            return
        if self.path.endswith("/device"):
            body = {"device_code": "device-code-0123456789", "user_code": "ABCD-EFGH", "expires_in": 60, "interval": 1,
                    "verification_uri": f"http://127.0.0.1:{self.server.server_port}/{mode}/verify"}
            if mode == "phish-device":
                body["verification_uri"] = "http://login.phish.example/device"
                body["verification_uri_complete"] = "http://login.phish.example/device?code=ABCD-EFGH"
            if mode == "escape-device":
                body["user_code"] = "\u001b]0;owned\u0007ABCD"
            self.send_json(body)
        else:
            self.send_json({"error": "authorization_pending"}, 400)

    def relay_signing_id_token(self, body):
        from jwcrypto import jwt

        port, path = self.path.split("/", 3)[2:]
        headers = {name: self.headers[name] for name in ("Content-Type", "Authorization") if self.headers[name]}
        request = urllib.request.Request(f"http://127.0.0.1:{port}/{path}", data=body, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, answer = response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            status, answer = error.code, json.loads(error.read() or b"{}")
        if status == 200:
            form = urllib.parse.parse_qs(body.decode())
            now = int(time.time())
            claims = {"iss": f"http://127.0.0.1:{port}/{path.rsplit('/', 1)[0]}",
                      "aud": form.get("client_id", [""])[0], "sub": "alice", "iat": now, "exp": now + 3600}
            token = jwt.JWT(header={"alg": "RS256", "kid": "relay"}, claims=claims)
            token.make_signed_token(relay_key())
            answer["id_token"] = token.serialize()
        self.send_json(answer, status)


RELAY_KEY = []
RELAY_KEY_LOCK = threading.Lock()


def relay_key():
    """The relay's RSA key, made on first use."""
    with RELAY_KEY_LOCK:
        if not RELAY_KEY:
            from jwcrypto import jwk
            RELAY_KEY.append(jwk.JWK.generate(kty="RSA", size=2048, kid="relay", use="sig", alg="RS256"))
        return RELAY_KEY[0]


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(json.dumps({"port": server.server_port}), flush=True)
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
