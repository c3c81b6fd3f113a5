#!/bin/sh
# BROKEN: its "silent path" takes longer than the 20 s a mid-session refresh allows.
sleep "${SLOW_HELPER_SECONDS:-25}"
echo "demo-token-0123456789abcdef"
