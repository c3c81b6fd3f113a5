#!/usr/bin/env python3
"""An inference gateway for the proxy tests: accepts only bearer JWTs that verify against the
identity provider's JWKS (RS256, issuer, expiry, not revoked), and answers the Anthropic Messages API.

  gateway.py ISSUER JWKS_URL [CERT KEY]
      print {"port": N} and serve on 127.0.0.1:N until the parent exits; with CERT and KEY (PEM
      files), serve HTTPS

Endpoints (all but /_control/* need a valid token; a bad one gets 401 in the Anthropic error shape):
  POST /v1/messages        a Messages response, or Server-Sent Events with "stream": true
                           (events 100 ms apart)
  GET  /big?bytes=N        N bytes, streamed in 64 KiB chunks (HEAD: the headers only)
  GET  /chunked?parts=N    "part0part1..." as N chunks (Transfer-Encoding: chunked)
  GET  /status/204         204 No Content
  POST /echo               the request body (sized or chunked) back, with its length
  GET  /endless            chunks every 10 ms until the client goes away (counted as a disconnect)
  GET  /_control/stats     counters and the last request's headers (no token values)
  POST /_control/revoke    reject every token seen so far (a gateway revoking sessions)
  POST /_control/drop-next close the connection instead of answering the next request that arrives
                           on a kept-alive connection (a server closing an idle connection just as
                           a request arrives)
"""
import base64
import http.server
import json
import os
import socketserver
import sys
import threading
import time
import urllib.request

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def b64(data):
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


class Keys:
    def __init__(self, jwks_url):
        with urllib.request.urlopen(jwks_url, timeout=10) as response:
            jwks = json.load(response)
        self.keys = {}
        for key in jwks["keys"]:
            if key.get("kty") == "RSA":
                numbers = rsa.RSAPublicNumbers(int.from_bytes(b64(key["e"]), "big"), int.from_bytes(b64(key["n"]), "big"))
                self.keys[key.get("kid")] = numbers.public_key()

    def verify(self, token):
        """The claims of a valid RS256 token, or None."""
        try:
            header_b64, payload_b64, signature_b64 = token.split(".")
            header = json.loads(b64(header_b64))
            key = self.keys.get(header.get("kid")) or next(iter(self.keys.values()))
            if header.get("alg") != "RS256":
                return None
            key.verify(b64(signature_b64), f"{header_b64}.{payload_b64}".encode(), padding.PKCS1v15(), hashes.SHA256())
            return json.loads(b64(payload_b64))
        except Exception:
            return None


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = self.unauthorized = self.disconnects = self.dropped = 0
        self.drop_next = False
        self.seen, self.revoked = set(), set()
        self.last_headers, self.last_body = {}, ""


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_one_request(self):
        # One handler per connection: count its requests, to recognise a kept-alive connection.
        self.served = getattr(self, "served", 0) + 1
        self.raw_requestline = self.rfile.readline(65537)
        if not self.raw_requestline:
            self.close_connection = True
            return
        state = self.server.state
        if self.served > 1:
            with state.lock:
                drop, state.drop_next = state.drop_next, False
                state.dropped += drop
            if drop:
                self.close_connection = True
                return
        if not self.parse_request():
            return
        getattr(self, "do_" + self.command)()
        self.wfile.flush()

    def send_json(self, status, body, extra=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def authorized(self):
        state, keys, issuer = self.server.state, self.server.keys, self.server.issuer
        auth = self.headers.get("Authorization", "")
        claims = keys.verify(auth[7:]) if auth.startswith("Bearer ") else None
        reason = None
        if claims is None:
            reason = "the bearer token is missing or its signature does not verify"
        elif claims.get("iss") != issuer:
            reason = "the token was issued by another issuer"
        elif claims.get("exp", 0) < time.time():
            reason = "the token has expired"
        with state.lock:
            state.requests += 1
            state.last_headers = {k.lower(): (v if k.lower() not in ("authorization", "x-api-key") else "present")
                                  for k, v in self.headers.items()}
            if claims is not None and reason is None:
                if claims.get("jti") in state.revoked:
                    reason = "the token was revoked"
                else:
                    state.seen.add(claims.get("jti"))
            if reason:
                state.unauthorized += 1
        if reason:
            self.drain()
            self.send_json(401, {"type": "error", "error": {"type": "authentication_error", "message": reason}})
            return False
        return True

    def drain(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while size := int(self.rfile.readline().split(b";")[0], 16):
                body += self.rfile.read(size)
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return body
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def start_chunked(self, content_type):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def do_HEAD(self):
        if not self.authorized():
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", self.path.split("bytes=")[1] if "bytes=" in self.path else "0")
        self.end_headers()

    def do_GET(self):
        state = self.server.state
        if self.path == "/_control/stats":
            with state.lock:
                body = {"requests": state.requests, "unauthorized": state.unauthorized,
                        "disconnects": state.disconnects, "dropped": state.dropped,
                        "lastHeaders": state.last_headers,
                        "lastBody": state.last_body}
            return self.send_json(200, body)
        if not self.authorized():
            return
        if self.path.startswith("/big"):
            remaining = int(self.path.split("bytes=")[1])
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(remaining))
            self.end_headers()
            block = b"x" * 65536
            while remaining > 0:
                piece = block if remaining >= len(block) else block[:remaining]
                self.wfile.write(piece)
                remaining -= len(piece)
            return
        if self.path.startswith("/chunked"):
            self.start_chunked("text/plain")
            for index in range(int(self.path.split("parts=")[1])):
                self.chunk(b"part%d" % index)
            self.wfile.write(b"0\r\n\r\n")
            return
        if self.path == "/status/204":
            self.send_response(204)
            self.end_headers()
            return
        if self.path == "/endless":
            self.start_chunked("text/plain")
            try:
                while True:
                    self.chunk(b"tick\n")
                    time.sleep(0.01)
            except (BrokenPipeError, ConnectionResetError):
                with state.lock:
                    state.disconnects += 1
                self.close_connection = True
            return
        self.send_json(404, {"type": "error", "error": {"type": "not_found_error", "message": self.path}})

    def do_POST(self):
        state = self.server.state
        if self.path == "/_control/revoke":
            self.drain()
            with state.lock:
                state.revoked |= state.seen
            return self.send_json(200, {"revoked": len(state.revoked)})
        if self.path == "/_control/drop-next":
            self.drain()
            with state.lock:
                state.drop_next = True
            return self.send_json(200, {})
        if not self.authorized():
            return
        body = self.drain()
        with state.lock:
            state.last_body = body.decode(errors="replace")
        if self.path == "/echo":
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Request-Framing", "chunked" if "Transfer-Encoding" in self.headers else "length")
            self.end_headers()
            self.wfile.write(body)
            return
        if self.path != "/v1/messages":
            return self.send_json(404, {"type": "error", "error": {"type": "not_found_error", "message": self.path}})
        request = json.loads(body or b"{}")
        text = "Hello from the gateway"
        message = {"id": "msg_test", "type": "message", "role": "assistant", "model": request.get("model", "test"),
                   "content": [{"type": "text", "text": text}], "stop_reason": "end_turn", "stop_sequence": None,
                   "usage": {"input_tokens": 3, "output_tokens": 5}}
        if not request.get("stream"):
            return self.send_json(200, message)
        self.start_chunked("text/event-stream")
        start = dict(message, content=[], stop_reason=None)
        events = [("message_start", {"type": "message_start", "message": start}),
                  ("content_block_start", {"type": "content_block_start", "index": 0,
                                           "content_block": {"type": "text", "text": ""}})]
        events += [("content_block_delta", {"type": "content_block_delta", "index": 0,
                                            "delta": {"type": "text_delta", "text": word}})
                   for word in ["Hello", " from", " the", " gateway"]]
        events += [("content_block_stop", {"type": "content_block_stop", "index": 0}),
                   ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                                      "usage": {"output_tokens": 5}}),
                   ("message_stop", {"type": "message_stop"})]
        for name, data in events:
            self.chunk(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
            time.sleep(0.1)
        self.wfile.write(b"0\r\n\r\n")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 256


def main():
    if len(sys.argv) not in (3, 5):
        print("usage: gateway.py ISSUER JWKS_URL [CERT KEY]", file=sys.stderr)
        sys.exit(2)
    parent = os.getppid()
    server = Server(("127.0.0.1", 0), Handler)
    if len(sys.argv) == 5:
        import ssl
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[3], sys.argv[4])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    server.issuer, server.keys, server.state = sys.argv[1], Keys(sys.argv[2]), State()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    while os.getppid() == parent:
        time.sleep(0.2)


if __name__ == "__main__":
    main()
