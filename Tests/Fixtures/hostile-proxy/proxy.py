#!/usr/bin/env python3
"""A hostile or broken HTTP forward proxy for the tests: a real TCP server on a loopback address.

  proxy.py ADDRESS MODE LOG [CA_PEM CA_KEY]   print {"port": N} and serve until the parent exits

Every byte a client sends (after TLS is removed, in terminate mode) is appended to LOG, so a test
can assert that nothing secret reached the proxy. Modes:
  auth        every request is answered 407 Proxy Authentication Required
  garbage     CONNECT is answered 200, then bytes that are not TLS, then the connection is closed
  terminate   CONNECT is answered 200, then the proxy itself terminates TLS with a certificate for
              ADDRESS issued by CA_PEM/CA_KEY (a CA the client trusts), as an intercepting proxy
              that names only itself would
"""
import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time


def certificate_for(address, ca_pem, ca_key):
    """A key and a certificate for the IP `address`, issued by the CA (openssl)."""
    folder = tempfile.mkdtemp(prefix="credhelper-hostile-proxy-")
    key, csr, cert, ext = (os.path.join(folder, n) for n in ("p.key", "p.csr", "p.pem", "p.ext"))
    run = lambda *args: subprocess.run(["openssl", *args], check=True, capture_output=True)
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", f"/CN={address}")
    with open(ext, "w") as f:
        f.write(f"subjectAltName=IP:{address}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", csr, "-CA", ca_pem, "-CAkey", ca_key, "-CAcreateserial", "-out", cert,
        "-days", "2", "-extfile", ext)
    return key, cert


def read_head(conn, record):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        record(chunk)
        data += chunk
    return data


def serve(conn, mode, record, context):
    with conn:
        conn.settimeout(10)
        head = read_head(conn, record)
        if not head:
            return
        if mode == "auth":
            conn.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                         b"Proxy-Authenticate: Basic realm=\"proxy\"\r\nContent-Length: 0\r\n\r\n")
            return
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        if mode == "garbage":
            conn.sendall(b"this is not TLS, it is a proxy's error page\r\n" * 4)
            return
        with context.wrap_socket(conn, server_side=True) as tls:
            while True:
                chunk = tls.recv(4096)
                if not chunk:
                    return
                record(chunk)
                if b"\r\n\r\n" in chunk:
                    body = b'{"access_token":"from-the-proxy","token_type":"Bearer","expires_in":3600}'
                    tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                                + str(len(body)).encode() + b"\r\n\r\n" + body)


def main():
    address, mode, log = sys.argv[1:4]
    context = None
    if mode == "terminate":
        key, cert = certificate_for(address, sys.argv[4], sys.argv[5])
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
    lock = threading.Lock()

    def record(data):
        with lock, open(log, "ab") as f:
            f.write(data)

    listener = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET)
    listener.bind((address, 0))
    listener.listen(16)
    print(json.dumps({"port": listener.getsockname()[1]}), flush=True)
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn, mode, record, context), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
