#!/bin/sh
# A correct, minimal credential helper: prints one bare token on stdout and nothing else.
# Diagnostics go to stderr. It never prompts, so it behaves the same in every context.
#
# The token comes from $EXAMPLE_TOKEN_FILE when set (a file holding only the token),
# otherwise a fixed demo token is printed so the quick start works out of the box.
set -eu
if [ -n "${EXAMPLE_TOKEN_FILE:-}" ]; then
    if [ ! -r "$EXAMPLE_TOKEN_FILE" ]; then
        echo "token file $EXAMPLE_TOKEN_FILE is not readable: create it or unset EXAMPLE_TOKEN_FILE" >&2
        exit 1
    fi
    tr -d ' \r\n' < "$EXAMPLE_TOKEN_FILE"
    echo
else
    echo "example-helper: context=${CLAUDE_HELPER_CONTEXT:-unset}, printing the demo token" >&2
    echo "demo-token-0123456789abcdef"
fi
