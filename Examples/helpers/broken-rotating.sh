#!/bin/sh
# WARNING: mints a new token on every run instead of returning its cached one.
echo "demo-token-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
