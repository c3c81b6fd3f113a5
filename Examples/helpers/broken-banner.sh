#!/bin/sh
# BROKEN: a banner (as a shell profile would print) is mixed into stdout with the token.
echo "Welcome to the corp shell — have a nice day"
echo "demo-token-0123456789abcdef"
