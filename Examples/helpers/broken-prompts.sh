#!/bin/sh
# BROKEN: prompts for a password on stdin. A host gives it an empty stdin, so it never gets one.
printf 'Password: ' >&2
read -r password || exit 1
echo "demo-token-for-$password"
