#!/bin/sh
# A correct helper that needs per-request headers: prints one JSON object on stdout.
# The helper's headers are merged over inferenceCustomHeaders; the helper wins on a conflict.
set -eu
printf '{"token": "%s", "headers": {"X-Org-Route": "prod"}}\n' "demo-token-0123456789abcdef"
