"""Times the Python hosts people use today on an equivalent trivial helper, in-process.

usage: python_hosts.py botocore|google N HELPER  -> prints mean nanoseconds per credential fetch."""
import os
import sys
import time


def botocore_fetch(helper):
    from botocore.credentials import ProcessProvider

    def load_config():
        return {"profiles": {"bench": {"credential_process": helper}}}

    def fetch():
        credentials = ProcessProvider(profile_name="bench", load_config=load_config).load()
        assert credentials.get_frozen_credentials().access_key == "AKIAEXAMPLE"

    return fetch


def google_fetch(helper):
    os.environ["GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES"] = "1"
    from google.auth import pluggable

    info = {
        "type": "external_account",
        "audience": "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/q",
        "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
        "token_url": "https://sts.googleapis.com/v1/token",
        "credential_source": {"executable": {"command": helper, "timeout_millis": 30000}},
    }
    credentials = pluggable.Credentials.from_info(info)

    def fetch():
        assert credentials.retrieve_subject_token(None) == "tok-0123456789abcdef"

    return fetch


def main():
    kind, runs, helper = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    fetch = botocore_fetch(helper) if kind == "botocore" else google_fetch(helper)
    for _ in range(min(20, runs)):
        fetch()
    start = time.perf_counter_ns()
    for _ in range(runs):
        fetch()
    print((time.perf_counter_ns() - start) // runs)


main()
