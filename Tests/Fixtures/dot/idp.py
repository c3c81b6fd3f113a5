#!/usr/bin/env python3
"""A second real OpenID Connect provider for the tests: django-oauth-toolkit (PyPI), run from a temp folder.

Same commands as Tests/Fixtures/glewlwyd/idp.py, so the tests drive either provider the same way:

  idp.py serve STATE_DIR [--no-rotation]
                             start the provider on a free loopback port (Django's WSGI app under a
                             threaded wsgiref server), print one JSON line describing it, run until the
                             parent process (the test run) exits or SIGTERM. With --no-rotation a refresh
                             keeps the refresh token (as Entra ID and many others do) instead of rotating it
  idp.py revoke STATE_DIR    revoke every refresh token (an administrator ending all sessions)
  idp.py browse URL          act as the user's browser: sign the test user in, then follow an
                             authorization URL (to the loopback redirect) or approve a device code
                             through the provider's own device pages
  idp.py count STATE_DIR [CLIENT]  print how many tokens each grant type produced (for one client), as JSON

What differs from glewlwyd, on purpose (each is something real deployments meet):
- one grant type per application, so the device grant has its own public client;
- opaque (non-JWT) access tokens;
- loopback redirects are accepted on any port (RFC 8252 §7.3), so the helper uses an ephemeral one;
- the device authorization endpoint is in neither metadata document, and the revocation endpoint only
  in the RFC 8414 one.

Everything lives in STATE_DIR (database, key, idp.json); nothing outside it is touched.
"""
import http.cookiejar
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

USER, PASSWORD = "alice", "alice-password-1"
PUBLIC_CLIENT, DEVICE_CLIENT, SERVICE_CLIENT = "credhelper-public", "credhelper-device", "credhelper-service"
SCOPES = ["openid", "inference"]
GRANT_NAMES = {"authorization_code": "code", "refresh_token": "refresh_token", "client_credentials":
               "client_credentials", "urn:ietf:params:oauth:grant-type:device_code": "device_code"}


def fail(message):
    print(f"idp.py: {message}", file=sys.stderr)
    sys.exit(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup_django(state, base, rotate=True):
    try:
        import django
        import oauth2_provider  # noqa: F401
        from django.conf import settings
    except ImportError as error:
        fail(f"{error}; django-oauth-toolkit is not installed in {sys.executable}: run scripts/test, which "
             "installs Tests/Fixtures/requirements.txt into .build/test-venv")

    key = os.path.join(state, "oidc.key")
    if not os.path.exists(key):
        subprocess.run(["openssl", "genrsa", "-out", key, "2048"], check=True, capture_output=True)
    settings.configure(
        DEBUG=False, SECRET_KEY=os.urandom(24).hex(), ALLOWED_HOSTS=["127.0.0.1"], ROOT_URLCONF=__name__,
        USE_TZ=True, DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
                        "oauth2_provider"],
        MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware",
                    "django.contrib.auth.middleware.AuthenticationMiddleware", __name__ + ".GrantLog"],
        TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
                    "OPTIONS": {"context_processors": ["django.template.context_processors.request"]}}],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.path.join(state, "dot.sqlite3"),
                               "OPTIONS": {"timeout": 30}}},
        LOGIN_URL="/test/login/",
        OAUTH2_PROVIDER={
            "OIDC_ENABLED": True, "OIDC_RSA_PRIVATE_KEY": open(key).read(), "OIDC_ISS_ENDPOINT": base + "/o",
            "PKCE_REQUIRED": True, "ROTATE_REFRESH_TOKEN": rotate, "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
            "SCOPES": {"openid": "OpenID Connect", "inference": "Call the inference gateway"},
            "DEFAULT_SCOPES": ["openid", "inference"], "DEVICE_FLOW_INTERVAL": 1,
            "OAUTH_DEVICE_VERIFICATION_URI": base + "/o/device/",
            "OAUTH_DEVICE_VERIFICATION_URI_COMPLETE": base + "/o/device/?user_code={user_code}",
            "OAUTH2_VALIDATOR_CLASS": __name__ + ".Validator",
        },
    )
    django.setup()


class GrantLog:
    """Middleware: records each successful token request's grant type and client, for `count`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        grant = request.POST.get("grant_type") if request.method == "POST" and request.path == "/o/token/" else None
        client = request.POST.get("client_id") if grant else None
        if grant and not client and request.META.get("HTTP_AUTHORIZATION", "").startswith("Basic "):
            import base64
            decoded = base64.b64decode(request.META["HTTP_AUTHORIZATION"][6:]).decode()
            client = urllib.parse.unquote_plus(decoded.split(":", 1)[0])
        response = self.get_response(request)
        if grant and response.status_code == 200:
            from django.db import connection
            with connection.cursor() as cursor:
                cursor.execute("INSERT INTO grant_log (grant_type, client_id) VALUES (%s, %s)",
                               [GRANT_NAMES.get(grant, grant), client])
        return response


def urls():
    from django.contrib.auth import get_user_model, login
    from django.shortcuts import redirect
    from django.urls import include, path
    from oauth2_provider import urls as dot_urls

    def test_login(request):
        """Signs the test user in (the provider's own login page is not what is under test)."""
        login(request, get_user_model().objects.get(username=USER),
              backend="django.contrib.auth.backends.ModelBackend")
        return redirect(request.GET["next"])

    return [
        path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
        path("", include((dot_urls.metadata_urlpatterns, "metadata"), namespace="metadata")),
        path("test/login/", test_login),
    ]


def __getattr__(name):
    """Django reads `urlpatterns` (ROOT_URLCONF) and `Validator` (OAUTH2_VALIDATOR_CLASS) from this
    module; both import Django models, so they are built on first use, after settings are configured."""
    if name == "urlpatterns":
        return urls()
    if name == "Validator":
        return make_validator()
    raise AttributeError(name)


def make_validator():
    from oauth2_provider.oauth2_validators import OAuth2Validator

    class Validator(OAuth2Validator):
        def get_additional_claims(self, request):
            return {"name": "Alice Example", "email": "alice@example.test"}

    return Validator


def configure(state, base):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS grant_log (grant_type TEXT, client_id TEXT)")
    user = get_user_model().objects.create_user(USER, "alice@example.test", PASSWORD, first_name="Alice")
    secret = "service-secret-" + os.urandom(12).hex()
    Application.objects.create(
        client_id=PUBLIC_CLIENT, name="credhelper (public)", client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE, skip_authorization=True,
        redirect_uris="http://127.0.0.1/callback", algorithm=Application.RS256_ALGORITHM, user=user)
    Application.objects.create(
        client_id=DEVICE_CLIENT, name="credhelper (device)", client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_DEVICE_CODE, algorithm=Application.RS256_ALGORITHM, user=user)
    Application.objects.create(
        client_id=SERVICE_CLIENT, name="credhelper (service)", client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS, client_secret=secret, user=user)
    secret_file = os.path.join(state, "client-secret")
    with open(os.open(secret_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
        f.write(secret + "\n")
    return secret_file


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def serve(state, rotate=True):
    parent = os.getppid()
    os.makedirs(state, mode=0o700, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    setup_django(state, base, rotate)
    secret_file = configure(state, base)
    from django.core.wsgi import get_wsgi_application

    server = make_server("127.0.0.1", port, get_wsgi_application(), server_class=ThreadingServer,
                         handler_class=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    info = {"issuer": base + "/o", "base": base, "port": port, "redirectPort": 0, "pid": os.getpid(),
            "publicClient": PUBLIC_CLIENT, "deviceClient": DEVICE_CLIENT, "confidentialClient": PUBLIC_CLIENT,
            "serviceClient": SERVICE_CLIENT, "gatewayClient": SERVICE_CLIENT, "clientSecretFile": secret_file,
            "user": USER, "password": PASSWORD, "scopes": SCOPES, "database": os.path.join(state, "dot.sqlite3"),
            "log": os.path.join(state, "dot.log"), "caFile": None,
            "deviceAuthorizationEndpoint": base + "/o/device-authorization/"}
    with open(os.path.join(state, "idp.json"), "w") as f:
        json.dump(info, f)
    print(json.dumps(info), flush=True)
    while os.getppid() == parent:
        time.sleep(0.2)


class Browser:
    """A cookie-keeping HTTP client that does not follow redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self):
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), self.NoRedirect)

    def call(self, method, url, form=None):
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode(errors="replace")


def browse(url):
    """Follows an authorization URL, or approves a device code, the way a signed-in user would."""
    info = json.load(open(os.environ["CREDHELPER_TEST_IDP"]))
    base = info["base"]
    browser = Browser()
    if os.environ.get("CREDHELPER_TEST_BROWSER_DENY"):
        return
    parsed = urllib.parse.urlparse(url)
    if parsed.path == "/o/device/":
        user_code = urllib.parse.parse_qs(parsed.query)["user_code"][0]
        status, headers, _ = browser.call("GET", f"{base}/test/login/?next=" + urllib.parse.quote(url))
        status, headers, body = browser.call("POST", f"{base}/o/device/", {"user_code": user_code})
        if status != 302:
            fail(f"the device page refused the user code (HTTP {status}): {body[:300]}")
        confirm = urllib.parse.urljoin(base, headers["Location"])
        status, headers, body = browser.call("POST", confirm, {"action": "accept"})
        if status != 302:
            fail(f"approving the device failed (HTTP {status}): {body[:300]}")
        return
    status, headers, _ = browser.call("GET", f"{base}/test/login/?next=" + urllib.parse.quote(url))
    location = headers.get("Location", "")
    for _ in range(5):
        if location.startswith("http://127.0.0.1") and not location.startswith(base):
            break
        status, headers, body = browser.call("GET", urllib.parse.urljoin(base, location))
        if status != 302:
            fail(f"authorization did not redirect (HTTP {status}): {body[:300]}")
        location = headers["Location"]
    if not location.startswith("http://127.0.0.1"):
        fail(f"authorization did not redirect to the loopback listener: {location}")
    Browser().call("GET", location)


def revoke(state):
    with sqlite3.connect(os.path.join(state, "dot.sqlite3"), timeout=30) as db:
        db.execute("UPDATE oauth2_provider_refreshtoken SET revoked = CURRENT_TIMESTAMP WHERE revoked IS NULL")


def count(state, client=None):
    with sqlite3.connect(os.path.join(state, "dot.sqlite3"), timeout=30) as db:
        rows = db.execute("SELECT grant_type, COUNT(*) FROM grant_log WHERE ?1 IS NULL OR client_id = ?1 "
                          "GROUP BY 1", (client,)).fetchall()
    print(json.dumps(dict(rows)))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "serve":
        serve(sys.argv[2])
    elif sys.argv[1:2] == ["serve"] and sys.argv[3:] == ["--no-rotation"]:
        serve(sys.argv[2], rotate=False)
    elif len(sys.argv) == 3 and sys.argv[1] == "revoke":
        revoke(sys.argv[2])
    elif len(sys.argv) in (3, 4) and sys.argv[1] == "count":
        count(*sys.argv[2:])
    elif len(sys.argv) == 3 and sys.argv[1] == "browse":
        browse(sys.argv[2])
    elif len(sys.argv) == 2:
        browse(sys.argv[1])  # called as a browser: the URL is the only argument
    else:
        fail("usage: idp.py serve STATE_DIR [--no-rotation] | browse URL | count STATE_DIR [CLIENT] | revoke STATE_DIR")
