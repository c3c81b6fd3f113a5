#!/bin/sh
# WARNING: starts a background agent that keeps the helper's stdout open after the helper exits.
sleep 3 &
echo "demo-token-0123456789abcdef"
