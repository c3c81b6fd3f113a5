#!/bin/sh
# WARNING: an unknown JSON key, and an Authorization header that the host will ignore.
echo '{"token": "demo-token-0123456789abcdef", "expires_in": 3600, "headers": {"Authorization": "Basic eA=="}}'
