#!/bin/sh
# BROKEN: prints AWS credential_process JSON instead of {"token": ...}.
echo '{"Version": 1, "AccessKeyId": "AKIAEXAMPLE", "SecretAccessKey": "example-secret", "SessionToken": "x"}'
