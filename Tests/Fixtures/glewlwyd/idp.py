#!/usr/bin/env python3
"""A real OpenID Connect provider for the tests: glewlwyd (Debian), run from a temp folder.

  idp.py serve STATE_DIR [--tls]  start glewlwyd on a free loopback port, configure it through its
                             admin REST API, print one JSON line describing it, run until the parent
                             process (the test run) exits or SIGTERM. With --tls it serves HTTPS with a
                             certificate from a CA made here (its PEM is "caFile" in the JSON line)
  idp.py revoke STATE_DIR    disable every refresh token (an administrator revoking sessions)
  idp.py blackhole           a "slow provider": accept TCP connections on a free loopback port
                             (printed) and never answer, until the parent exits
  idp.py browse URL          act as the user's browser: sign the test user in through the API,
                             approve the client, and follow an authorization or device URL
  idp.py count STATE_DIR [CLIENT]  print how many access tokens each grant type produced (for
                             one client), as JSON

Everything lives in STATE_DIR (database, keys, config, log); nothing outside it is touched.
"""
import http.cookiejar
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

SCHEMA = "/usr/share/dbconfig-common/data/glewlwyd/install/sqlite3"
BASE_CONFIG = "/etc/glewlwyd/glewlwyd.conf"
USER, PASSWORD = "alice", "alice-password-1"
PUBLIC_CLIENT, CONFIDENTIAL_CLIENT, SERVICE_CLIENT = "credhelper-public", "credhelper-confidential", "credhelper-service"
GATEWAY_CLIENT = "credhelper-gateway"  # client credentials, used only by the proxy tests
SCOPES = ["openid", "inference"]
# The Entra presets' scopes (docs/clouds.md): the two Azure AI resources' ".default" scopes and
# offline_access, granted to the public client only; glewlwyd writes the granted scopes into "aud".
ENTRA_SCOPES = ["https://ai.azure.com/.default", "https://cognitiveservices.azure.com/.default", "offline_access"]
# glewlwyd's numeric grant types in gpo_access_token.gpoa_authorization_type
GRANT_NAMES = {0: "code", 1: "token", 2: "id_token", 3: "none", 4: "password", 5: "client_credentials",
               6: "refresh_token", 7: "delete_token", 8: "device_code"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fail(message):
    print(f"idp.py: {message}", file=sys.stderr)
    sys.exit(1)


class Session:
    """An HTTP client with a cookie jar that does not follow redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, ca_file=None):
        import ssl
        context = ssl.create_default_context(cafile=ca_file)
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), Session.NoRedirect,
            urllib.request.HTTPSHandler(context=context))

    def call(self, method, url, body=None, form=None, auth=None):
        data, headers = None, {}
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        if form is not None:
            data, headers["Content-Type"] = urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded"
        if auth is not None:
            import base64
            headers["Authorization"] = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def expect(self, method, url, status=200, **kwargs):
        code, headers, body = self.call(method, url, **kwargs)
        if code != status:
            fail(f"{method} {url} answered {code}, expected {status}: {body[:300]!r}")
        return headers, body


def generate_keys(state):
    key, cert = os.path.join(state, "key.pem"), os.path.join(state, "pub.pem")
    subprocess.run(["openssl", "genrsa", "-out", key, "2048"], check=True, capture_output=True)
    subprocess.run(["openssl", "rsa", "-in", key, "-pubout", "-out", cert], check=True, capture_output=True)
    return open(key).read(), open(cert).read()


def generate_tls(state):
    """A CA and a certificate for 127.0.0.1 and localhost signed by it, made with openssl; returns
    (ca, key, cert). The name lets a test reach the provider by host name (through a proxy)."""
    ca_key, ca, key, csr, cert = (os.path.join(state, name) for name in
                                  ("ca.key", "ca.pem", "tls.key", "tls.csr", "tls.pem"))
    run = lambda *args: subprocess.run(["openssl", *args], check=True, capture_output=True)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca, "-days", "2",
        "-subj", "/CN=credhelper test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1")
    extensions = os.path.join(state, "tls.ext")
    with open(extensions, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", cert, "-days", "2",
        "-extfile", extensions)
    return ca, key, cert


def write_config(state, port, tls=None):
    lines = []
    for line in open(BASE_CONFIG):
        key = line.split("=", 1)[0].strip()
        if key in ("port", "external_url", "log_mode", "log_file", "bind_address", "use_secure_connection",
                   "secure_connection_key_file", "secure_connection_pem_file", "secure_connection_ca_file") \
                or line.startswith("@include"):
            continue
        lines.append(line)
    scheme = "https" if tls else "http"
    lines += [f"port={port}\n", f'bind_address="127.0.0.1"\n', f'external_url="{scheme}://127.0.0.1:{port}"\n',
              'log_mode="console"\n',
              f'database = {{ type = "sqlite3"\n path = "{os.path.join(state, "glewlwyd.sqlite")}" }};\n']
    if tls:
        _, key, cert = tls
        lines += ["use_secure_connection=true\n", f'secure_connection_key_file="{key}"\n',
                  f'secure_connection_pem_file="{cert}"\n']
    path = os.path.join(state, "glewlwyd.conf")
    with open(path, "w") as f:
        f.writelines(lines)
    return path


def configure(base, issuer, key, cert, redirect_port, secret, ca_file=None):
    admin = Session(ca_file)
    admin.expect("POST", f"{base}/api/auth/", body={"username": "admin", "password": "password"})
    for scope in ["inference"] + ENTRA_SCOPES:
        admin.expect("POST", f"{base}/api/scope/", body={
            "name": scope, "display_name": scope, "description": "Call the inference gateway",
            "password_required": True, "password_max_age": 0, "scheme": {}})
    params = {
        "iss": issuer, "jwt-type": "rsa", "jwt-key-size": "256", "key": key, "cert": cert,
        "access-token-duration": 3600, "refresh-token-duration": 1209600, "code-duration": 600,
        "refresh-token-rolling": True, "refresh-token-one-use": "always",
        "client-refresh-token-one-use-parameter": "refresh-token-one-use",
        "allow-non-oidc": True, "auth-type-code-enabled": True, "auth-type-code-revoke-replayed": True,
        "auth-type-token-enabled": False, "auth-type-id-token-enabled": True, "auth-type-none-enabled": False,
        "auth-type-password-enabled": False, "auth-type-client-enabled": True, "auth-type-device-enabled": True,
        "auth-type-refresh-enabled": True, "scope": [], "additional-parameters": [], "claims": [],
        "jwks-show": True, "name-claim": "mandatory", "email-claim": "mandatory", "scope-claim": "no",
        "allowed-scope": SCOPES + ENTRA_SCOPES, "pkce-allowed": True, "pkce-method-plain-allowed": False,
        "introspection-revocation-allowed": True, "introspection-revocation-auth-scope": [],
        "introspection-revocation-allow-target-client": True,
        "device-authorization-expiration": 600, "device-authorization-interval": 1,
        "subject-type": "public", "secret-type": "pairwise",
    }
    admin.expect("POST", f"{base}/api/mod/plugin/", body={
        "module": "oidc", "name": "oidc", "display_name": "OIDC", "enabled": True, "parameters": params})
    admin.expect("POST", f"{base}/api/user/", body={
        "username": USER, "name": "Alice Example", "email": "alice@example.test", "password": PASSWORD,
        "scope": SCOPES + ENTRA_SCOPES, "enabled": True})
    redirect = f"http://127.0.0.1:{redirect_port}/callback"
    admin.expect("POST", f"{base}/api/client/", body={
        "client_id": PUBLIC_CLIENT, "name": "credhelper (public)", "confidential": False, "enabled": True,
        "redirect_uri": [redirect], "authorization_type": ["code", "refresh_token", "device_authorization"],
        "scope": SCOPES + ENTRA_SCOPES})
    for client, grants in ((CONFIDENTIAL_CLIENT, ["code", "refresh_token", "device_authorization"]),
                           (SERVICE_CLIENT, ["client_credentials"]), (GATEWAY_CLIENT, ["client_credentials"])):
        admin.expect("POST", f"{base}/api/client/", body={
            "client_id": client, "name": client, "confidential": True, "enabled": True,
            "client_secret": secret, "redirect_uri": [redirect], "authorization_type": grants,
            "token_endpoint_auth_method": ["client_secret_basic", "client_secret_post"], "scope": SCOPES})


def serve(state, use_tls=False):
    parent = os.getppid()
    os.makedirs(state, mode=0o700, exist_ok=True)
    db = os.path.join(state, "glewlwyd.sqlite")
    with open(SCHEMA) as schema:
        subprocess.run(["sqlite3", db], stdin=schema, check=True)
    # Write-ahead logging (persistent in the file): the tests read the database (`count`) while
    # glewlwyd writes tokens, and glewlwyd sets no busy timeout, so in the default rollback mode a
    # reader makes a concurrent token write fail (HTTP 500, server_error). In WAL mode readers do not
    # block the writer.
    with sqlite3.connect(db) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
    key, cert = generate_keys(state)
    port, redirect_port = free_port(), free_port()
    tls = generate_tls(state) if use_tls else None
    scheme = "https" if tls else "http"
    base, secret = f"{scheme}://127.0.0.1:{port}", "service-secret-" + os.urandom(12).hex()
    issuer = f"{base}/api/oidc"
    log = open(os.path.join(state, "glewlwyd.log"), "w")
    server = subprocess.Popen(["glewlwyd", "-c", write_config(state, port, tls)], stdout=log,
                              stderr=subprocess.STDOUT)

    def stop(*_):
        server.terminate()
        try:
            server.wait(5)
        except subprocess.TimeoutExpired:
            server.kill()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    deadline = time.monotonic() + 20
    while True:
        if server.poll() is not None:
            fail(f"glewlwyd exited with status {server.returncode}; see {log.name}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            if time.monotonic() > deadline:
                stop()
            time.sleep(0.05)
    configure(base, issuer, key, cert, redirect_port, secret, tls[0] if tls else None)
    secret_file = os.path.join(state, "client-secret")
    with open(os.open(secret_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
        f.write(secret + "\n")
    info = {"issuer": issuer, "base": base, "port": port, "redirectPort": redirect_port, "pid": server.pid,
            "publicClient": PUBLIC_CLIENT, "confidentialClient": CONFIDENTIAL_CLIENT, "serviceClient": SERVICE_CLIENT, "gatewayClient": GATEWAY_CLIENT,
            "clientSecretFile": secret_file, "user": USER, "password": PASSWORD, "scopes": SCOPES,
            "database": db, "log": log.name, "caFile": tls[0] if tls else None}
    with open(os.path.join(state, "idp.json"), "w") as f:
        json.dump(info, f)
    print(json.dumps(info), flush=True)
    wait_for_parent(parent)
    stop()


def wait_for_parent(parent):
    """Returns when the process that started this one is gone (the test run ended or crashed)."""
    while os.getppid() == parent:
        time.sleep(0.2)


def blackhole():
    parent = os.getppid()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    listener.settimeout(0.2)
    print(json.dumps({"port": listener.getsockname()[1]}), flush=True)
    held = []
    while os.getppid() == parent:
        try:
            held.append(listener.accept()[0])
        except socket.timeout:
            pass


def revoke(state):
    with sqlite3.connect(os.path.join(state, "glewlwyd.sqlite"), timeout=30) as db:
        db.execute("UPDATE gpo_refresh_token SET gpor_enabled=0")


def browse(url):
    """Follows an authorization or device URL the way a user in a browser would."""
    info = json.load(open(os.environ["CREDHELPER_TEST_IDP"]))
    user = Session(info.get("caFile"))
    user.expect("POST", f"{info['base']}/api/auth/", body={"username": info["user"], "password": info["password"]})
    query = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)
    client = query.get("client_id", [os.environ.get("CREDHELPER_TEST_CLIENT", info["publicClient"])])[0]
    scope = query.get("scope", [" ".join(info["scopes"])])[0]
    user.expect("PUT", f"{info['base']}/api/auth/grant/{client}", body={"scope": scope})
    if os.environ.get("CREDHELPER_TEST_BROWSER_DENY"):
        return
    separator = "&" if "?" in url else "?"
    headers, _ = user.expect("GET", url + separator + "g_continue", status=302)
    location = headers["Location"]
    if "/device" in url:
        if "prompt=deviceComplete" not in location:
            fail(f"device approval did not complete: {location}")
        return
    if not location.startswith("http://127.0.0.1"):
        fail(f"authorization did not redirect to the loopback listener: {location}")
    Session().expect("GET", location)


def count(state, client=None):
    with sqlite3.connect(os.path.join(state, "glewlwyd.sqlite"), timeout=30) as db:
        rows = db.execute("SELECT gpoa_authorization_type, COUNT(*) FROM gpo_access_token "
                          "WHERE ?1 IS NULL OR gpoa_client_id = ?1 GROUP BY 1", (client,)).fetchall()
    print(json.dumps({GRANT_NAMES.get(kind, str(kind)): n for kind, n in rows}))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "serve":
        serve(sys.argv[2])
    elif sys.argv[1:2] == ["serve"] and sys.argv[3:] == ["--tls"]:
        serve(sys.argv[2], use_tls=True)
    elif sys.argv[1:] == ["blackhole"]:
        blackhole()
    elif len(sys.argv) == 3 and sys.argv[1] == "revoke":
        revoke(sys.argv[2])
    elif len(sys.argv) == 2 and sys.argv[1] not in ("serve", "count", "revoke"):
        browse(sys.argv[1])  # called as a browser: the URL is the only argument
    elif len(sys.argv) == 3 and sys.argv[1] == "browse":
        browse(sys.argv[2])
    elif len(sys.argv) in (3, 4) and sys.argv[1] == "count":
        count(*sys.argv[2:])
    else:
        fail("usage: idp.py serve STATE_DIR | browse URL | count STATE_DIR [CLIENT] | revoke STATE_DIR | blackhole")
