"""Differential test of credhelper's Google STS token exchange against google-auth's identity-pool
client (PyPI google-auth 2.63.0): both exchange the same subject token at a recording STS on
loopback, and the two requests are compared field for field.

    python3 differential.py CREDHELPER WORKDIR AUDIENCE SUBJECT_TOKEN_TYPE [USER_PROJECT]

Prints one JSON object: the form field names each side sent, the names of fields whose values
differ, the method, path and Content-Type of each request, credhelper's exit status and stderr,
and whether it printed the token the STS issued. Never a token.
"""

import json
import os
import subprocess
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import google.auth
from google.auth import identity_pool
from google.auth.transport.requests import Request

RECORDED = []
ISSUED = "ya29.recording-sts-token-0123456789"


class RecordingSTS(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode("utf-8")
        RECORDED.append(
            {
                "method": "POST",
                "path": self.path,
                "contentType": self.headers.get("Content-Type"),
                "fields": urllib.parse.parse_qsl(body, keep_blank_values=True),
            }
        )
        answer = json.dumps(
            {
                "access_token": ISSUED,
                "issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
                "token_type": "Bearer",
                "expires_in": 3600,
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def main():
    credhelper, workdir, audience, subject_type = sys.argv[1:5]
    user_project = sys.argv[5] if len(sys.argv) > 5 else None
    server = ThreadingHTTPServer(("127.0.0.1", 0), RecordingSTS)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    token_url = "http://127.0.0.1:%d/v1/token" % server.server_address[1]
    subject = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"
    subject_file = os.path.join(workdir, "subject-token")
    with open(subject_file, "w") as f:
        f.write(subject)
    os.chmod(subject_file, 0o600)

    info = {
        "type": "external_account",
        "audience": audience,
        "subject_token_type": subject_type,
        "token_url": token_url,
        "credential_source": {"file": subject_file},
    }
    if user_project:
        info["workforce_pool_user_project"] = user_project
    google_credentials = identity_pool.Credentials.from_info(info).with_scopes(
        ["https://www.googleapis.com/auth/cloud-platform"]
    )
    google_credentials.refresh(Request())

    profile = {
        "kind": "google-sts",
        "subjectProfile": "company",
        "audience": audience,
        "subjectTokenType": subject_type,
        "tokenUrl": token_url,
    }
    if user_project:
        profile["workforcePoolUserProject"] = user_project
    profiles = os.path.join(workdir, "profiles.json")
    with open(profiles, "w") as f:
        json.dump(
            {
                "defaultProfile": "vertex",
                "profiles": {"company": {"kind": "file", "path": subject_file}, "vertex": profile},
            },
            f,
        )
    os.chmod(profiles, 0o600)
    environment = {
        "PATH": "/usr/bin:/bin",
        "HOME": workdir,
        "CREDHELPER_PROFILES": profiles,
        "CREDHELPER_STATE_DIR": os.path.join(workdir, "state"),
        "CLAUDE_HELPER_CONTEXT": "background",
    }
    run = subprocess.run([credhelper], env=environment, capture_output=True, text=True, timeout=60)
    # A second run is answered from the token store: no request reaches the STS.
    second = subprocess.run([credhelper], env=environment, capture_output=True, text=True, timeout=60)
    server.shutdown()

    report = {
        "googleAuthVersion": google.auth.__version__,
        "requests": len(RECORDED),
        "credhelperStatus": run.returncode,
        "credhelperStderr": run.stderr.replace(ISSUED, "<issued>").replace(subject, "<subject>"),
        "credhelperPrintedIssuedToken": run.stdout.strip() == ISSUED,
        "googleAuthGotIssuedToken": google_credentials.token == ISSUED,
        "secondRunFromStore": second.returncode == 0 and second.stdout.strip() == ISSUED,
    }
    if len(RECORDED) == 2:
        google_request, ours = RECORDED
        report["googleFields"] = [name for name, _ in google_request["fields"]]
        report["credhelperFields"] = [name for name, _ in ours["fields"]]
        theirs, mine = dict(google_request["fields"]), dict(ours["fields"])
        report["differentValues"] = sorted(
            name for name in set(theirs) | set(mine) if theirs.get(name) != mine.get(name)
        )
        report["subjectTokenSent"] = mine.get("subject_token") == subject
        for key in ("method", "path", "contentType"):
            report["same_" + key] = google_request[key] == ours[key]
    print(json.dumps(report))


if __name__ == "__main__":
    main()
