#!/usr/bin/env python3
"""A hostile or broken identity provider for the tests: a real HTTP server on a free loopback port.

  provider.py   print {"port": N} and serve until the parent (the test run) exits

Every path starts with a mode, which is also the issuer (http://127.0.0.1:N/MODE):
  /phish-device    device authorization answers an http:// verification_uri on another host
  /escape-device   device authorization answers a user_code holding terminal escape bytes
"""
import json
import os
import sys
import threading
import time
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
        if self.path.endswith("/.well-known/openid-configuration"):
            self.send_json({
                "issuer": issuer, "token_endpoint": issuer + "/token",
                "device_authorization_endpoint": issuer + "/device", "jwks_uri": issuer + "/jwks",
            })
        else:
            self.send_json({"error": "not_found"}, 404)

    def do_POST(self):
        mode = self.path.split("/")[1]
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
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
