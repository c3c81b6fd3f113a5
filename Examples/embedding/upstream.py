#!/usr/bin/env python3
"""A tiny upstream for the embedding example: rejects the first bearer token it sees with 401
(as if it had expired) and accepts any later, different token with 200. Prints its port on stdout."""
import http.server
import sys

seen = []


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        auth = self.headers.get("Authorization", "")
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else ""
        if token and not seen:
            seen.append(token)
        status = 200 if token and token != seen[0] else 401
        body = b'{"ok": true}' if status == 200 else b'{"type":"error","error":{"type":"authentication_error"}}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever() if len(sys.argv) < 2 else [server.handle_request() for _ in range(int(sys.argv[1]))]
