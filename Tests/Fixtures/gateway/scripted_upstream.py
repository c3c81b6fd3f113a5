#!/usr/bin/env python3
"""An upstream that answers each request with fixed bytes, to test how the proxy reads responses
that well-behaved servers rarely send: interim 1xx responses, chunk extensions and trailers, bodies
ended by closing the connection, conflicting lengths, custom reason phrases, bytes that are not HTTP, lines ended by a bare LF,
trailers that trickle in, and responses trickling in one byte at a time.

  scripted_upstream.py     print {"port": N} and serve on 127.0.0.1:N until the parent exits
"""
import json
import os
import socket
import threading
import time

RESPONSES = {
    "/interim": (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                 b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", False),
    "/chunk-extensions": (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                          b"3;name=value\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n", False),
    "/until-close": (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nthe rest of the stream", True),
    "/conflicting-length": (b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", True),
    "/not-http": (b"SSH-2.0-OpenSSH_9.2\r\n\r\n", True),
    "/custom-reason": (b"HTTP/1.1 299 Fine Thanks\r\nContent-Length: 0\r\n\r\n", False),
    "/connection-token": (b"HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Hop\r\nX-Hop: secret\r\nX-Kept: 1\r\n"
                          b"Content-Length: 1\r\n\r\nk", False),
    "/trickle": (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", False),
    "/folded-header": (b"HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 0\r\n\r\n", True),
    # Trailers that trickle in, one line every 0.2 s, for 20 s.
    "/slow-trailers": (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n", False),
    # Lines ended by a bare LF; the connection stays open, as a server that waits for the next request.
    "/bare-lf": (b"HTTP/1.1 200 OK\nContent-Length: 2\n\nok", False),
}


def serve(connection):
    with connection:
        data = b""
        while True:
            while b"\r\n\r\n" not in data:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, data = data.split(b"\r\n\r\n", 1)
            path = head.split(b" ")[1].decode()
            response, close = RESPONSES.get(path, (b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", False))
            if path == "/slow-trailers":
                connection.sendall(response)
                for index in range(100):
                    connection.sendall(b"X-Slow-%d: t\r\n" % index)
                    time.sleep(0.2)
                connection.sendall(b"\r\n")
            elif path == "/trickle":
                for index in range(len(response)):
                    connection.sendall(response[index:index + 1])
                    time.sleep(0.002)
            else:
                connection.sendall(response)
            if close:
                return


def main():
    parent = os.getppid()
    server = socket.create_server(("127.0.0.1", 0))
    print(json.dumps({"port": server.getsockname()[1]}), flush=True)
    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)
    threading.Thread(target=watch, daemon=True).start()
    while True:
        connection, _ = server.accept()
        threading.Thread(target=serve, args=(connection,), daemon=True).start()


if __name__ == "__main__":
    main()
