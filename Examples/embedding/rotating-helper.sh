#!/bin/sh
# A helper for the embedding example: a new token on every run (demo-token-1-…, demo-token-2-…).
set -eu
counter="${TMPDIR:-/tmp}/credhelper-embedding-example.count"
n=$(( $(cat "$counter" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$counter"
echo "rotating-helper: run $n in context $CLAUDE_HELPER_CONTEXT" >&2
echo "demo-token-$n-0123456789abcdef"
